#!/usr/bin/env python3
"""Figures of a stress-tier run (tests/stress/run.sh), rebuilt from what the
items left on disk, so a crash in one item loses nothing of the others.

  figures.py RUN_DIR [--copy FILE]... [--print]
      merge the runner halves RUN_DIR/uml and RUN_DIR/vm into
      RUN_DIR/figures.json (and each --copy), atomically
  figures.py --half HALF_DIR
      only one half (inside the test kernel, after every item):
      HALF_DIR/figures.json

A half directory holds results.txt (NAME, STATUS, SECONDS, DETAIL per line),
items/NAME.json (the tools' own figures), kernel.log / console.log /
kmemleak.txt (the runner's), runner.json (written by run.sh on the host:
runner, accel, exit status, wall time, skip reason) and guest.json (vm-run).
The fields are described in tests/stress/README.md.
"""
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SPLAT_SH = os.path.join(HERE, "..", "..", "scripts", "lib", "splat.sh")
MODES = ("preempt-fence", "open-coded")
STATES = ("idle", "running", "preempted", "banned", "gone")
# A fuzzer failure about data, not about an errno or a hang (tests/fuzz/fuzz-ops.c).
WRONG_DATA = re.compile(r"words wrong|fence holds")


def splat_regex():
    """The splat patterns of scripts/lib/splat.sh (one list for every runner)."""
    pats = []
    try:
        text = open(SPLAT_SH).read()
        block = re.search(r"splat_patterns=\((.*?)\n\)", text, re.S).group(1)
        pats = re.findall(r"^\s*'([^']*)'", block, re.M)
    except (OSError, AttributeError):
        pass
    if not pats:  # the detector itself is not there: the usual suspects
        pats = ["WARNING:", "BUG:", "Call Trace:", "Kernel panic", "unreferenced object 0x"]
    return re.compile("|".join("(?:%s)" % p for p in pats))


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_atomic(path, doc):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def add_states(acc, d):
    for k, v in (d or {}).items():
        if isinstance(v, (int, float)):
            acc[k] = acc.get(k, 0) + int(v)


def splats(half):
    """Splat lines in the kernel log, and per item (the markers inside.sh writes)."""
    # One kernel log per boot (a run that needed more boots keeps the earlier
    # ones as *.bootN.*): dmesg when the boot ended normally, else the console.
    logs = []
    boots = sorted(set(re.findall(r"\.boot(\d+)\.", " ".join(os.listdir(half)))), key=int)
    for tag in ["boot%s." % b for b in boots] + [""]:
        k = os.path.join(half, "kernel.%slog" % tag)
        c = os.path.join(half, "console.%slog" % tag)
        logs.append(k if os.path.exists(k) else c)
        logs.append(os.path.join(half, "kmemleak.%stxt" % tag))
    rx = splat_regex()
    total, by_item, lines = 0, {}, []
    for log in logs:
        try:
            text = open(log, errors="replace").read().splitlines()
        except OSError:
            continue
        item = "boot" if log.endswith(".log") else "kmemleak-scan"
        for line in text:
            m = re.search(r"(?:lrbench-stress|^stress\[\w+\]): (begin|end) (\S+)", line)
            if m:
                item = m.group(2) if m.group(1) == "begin" else "between items"
                continue
            if rx.search(line):
                total += 1
                by_item[item] = by_item.get(item, 0) + 1
                if len(lines) < 10:
                    lines.append(line.strip()[:200])
    return total, by_item, lines


def half_figures(half):
    name = os.path.basename(os.path.normpath(half))
    runner = load_json(os.path.join(half, "runner.json")) or {}
    guest = load_json(os.path.join(half, "guest.json")) or {}
    doc = {
        "runner": runner.get("runner", name),
        "accel": runner.get("accel") or (("vm-" + guest["accel"]) if guest.get("accel") else name),
        "smp": runner.get("smp", guest.get("smp", 1 if name == "uml" else None)),
        "status": runner.get("status", "running"),
        "reason": runner.get("reason", ""),
        "exit": runner.get("exit"),
        "wall_s": runner.get("wall_s"),
        "items": [],
        "counts": {"pass": 0, "fail": 0, "skip": 0},
    }
    if doc["status"] == "skipped":
        return doc
    try:
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(half, "results.txt"))]
    except OSError:
        rows = []
    fuzz = {"ioctl_calls": 0, "runs": 0, "regression_seeds": [], "fresh_seeds": [],
            "failures": 0, "verify_failures": 0, "fill_verify_ok": 0,
            "jobs_lost_to_bans": 0, "kills_by_queue_state": {},
            "closes_by_queue_state": {}, "exits_by_queue_state": {}}
    injected, cases = {}, {"pass": 0, "fail": 0, "skip": 0}
    soak = {}
    trinity = {"syscalls": 0, "ran": False}
    for row in rows:
        if len(row) < 3:
            continue
        nm, st, secs = row[0], row[1], row[2]
        detail = row[3] if len(row) > 3 else ""
        try:
            secs = float(secs)
        except ValueError:
            secs = None
        doc["items"].append({"name": nm, "status": st, "seconds": secs, "detail": detail})
        doc["counts"][st if st in ("pass", "skip") else "fail"] += 1
        j = load_json(os.path.join(half, "items", nm + ".json"))
        if nm.startswith("fuzz-") and j:
            fuzz["runs"] += 1
            fuzz["ioctl_calls"] += int(j.get("calls", 0))
            key = "regression_seeds" if nm.startswith("fuzz-seed-") else "fresh_seeds"
            fuzz[key].append(j.get("seed"))
            if j.get("result") not in ("clean", "pass", "ok", None) or st == "fail":
                fuzz["failures"] += 1
            v = j.get("verify") or {}
            fuzz["fill_verify_ok"] += int(v.get("ok", 0))
            # "lost": a fill whose queue was banned or destroyed under it (allowed)
            fuzz["jobs_lost_to_bans"] += int(v.get("lost", 0))
            # a wrong word read back, or a fence that holds another value
            if WRONG_DATA.search(j.get("failure") or ""):
                fuzz["verify_failures"] += 1
            for k in ("kills_by_queue_state", "closes_by_queue_state", "exits_by_queue_state"):
                add_states(fuzz[k], j.get(k))
        elif nm.startswith("fuzz-") and st == "fail":
            fuzz["failures"] += 1
        if nm.startswith("fault-"):
            cases[st if st in ("pass", "skip") else "fail"] += 1
            for case in (j or {}).get("cases", []):
                for kind, n in (case.get("injected") or {}).items():
                    injected[kind] = injected.get(kind, 0) + int(n)
        if nm.startswith("soak@") and j:
            for m in j.get("modes", []):
                soak[m["mode"]] = {k: m.get(k) for k in (
                    "status", "cycles", "preemptions", "evictions", "seconds", "cycles_per_s",
                    "checkpoints", "bytes_verified", "verify_failures", "bytes_lost", "bans",
                    "restore_retries", "time_capped", "preempt_median_us",
                    "restore_median_us")}
                soak[m["mode"]]["cycles_target"] = j.get("cycles_target")
        if nm == "trinity":
            trinity["ran"] = st != "skip"
            m = re.search(r"summary: (\d+) syscalls", detail)
            if m:
                trinity["syscalls"] = int(m.group(1))
            m = re.search(r"seed (\d+)", detail)
            if m:
                trinity["seed"] = int(m.group(1))
    nsplat, by_item, splat_lines = splats(half)
    if doc["exit"] == 97 and not nsplat:
        nsplat = 1  # the runner saw one (its own log scan) even if we cannot place it
    doc.update({
        "fuzz": fuzz,
        "trinity": trinity,
        "faults": {"injected": injected, "cases": cases},
        "soak": soak,
        "cycles": {m: (soak.get(m) or {}).get("cycles", 0) or 0 for m in MODES},
        "splats": nsplat,
        "splats_by_item": by_item,
        "splat_lines": splat_lines,
        "verify_failures": sum((s.get("verify_failures") or 0) for s in soak.values())
        + fuzz["verify_failures"],
        "bytes_lost": sum((s.get("bytes_lost") or 0) for s in soak.values()),
    })
    return doc


def merge(run_dir):
    meta = load_json(os.path.join(run_dir, "run.json")) or {}
    halves = {}
    for name in ("uml", "vm"):
        d = os.path.join(run_dir, name)
        if os.path.isdir(d):
            halves[name] = half_figures(d)
    tot = {"ioctl_calls": 0, "fuzz_runs": 0, "seeds": [], "trinity_syscalls": 0,
           "faults_injected": {}, "cycles": {m: 0 for m in MODES},
           "kills_by_queue_state": {}, "closes_by_queue_state": {}, "splats": 0,
           "verify_failures": 0, "bytes_lost": 0, "items": {"pass": 0, "fail": 0, "skip": 0}}
    for h in halves.values():
        for k in ("pass", "fail", "skip"):
            tot["items"][k] += h["counts"][k]
        if h["status"] == "skipped":
            continue
        f = h["fuzz"]
        tot["ioctl_calls"] += f["ioctl_calls"]
        tot["fuzz_runs"] += f["runs"]
        tot["seeds"] += [s for s in f["regression_seeds"] + f["fresh_seeds"] if s is not None]
        tot["trinity_syscalls"] += h["trinity"]["syscalls"]
        for kind, n in h["faults"]["injected"].items():
            tot["faults_injected"][kind] = tot["faults_injected"].get(kind, 0) + n
        for m in MODES:
            tot["cycles"][m] += h["cycles"][m]
        add_states(tot["kills_by_queue_state"], f["kills_by_queue_state"])
        add_states(tot["closes_by_queue_state"], f["closes_by_queue_state"])
        tot["splats"] += h["splats"]
        tot["verify_failures"] += h["verify_failures"]
        tot["bytes_lost"] += h["bytes_lost"]
    tot["seeds"] = sorted(set(tot["seeds"]))
    finished = meta.get("finished", False)
    bad = tot["items"]["fail"] or tot["splats"] or tot["verify_failures"] or tot["bytes_lost"]
    bad = bad or any(h.get("status") in ("timeout", "crashed", "failed") for h in halves.values())
    return {
        "schema": "lrbench-stress-figures",
        "version": 1,
        "status": "fail" if bad else ("pass" if finished else "incomplete"),
        "started": meta.get("started"),
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_s": meta.get("wall_s"),
        "run_dir": os.path.abspath(run_dir),
        "settings": meta.get("settings", {}),
        "runners": [h["accel"] for h in halves.values() if h["status"] != "skipped"],
        "totals": tot,
        "runs": halves,
    }


def summary(doc):
    t = doc["totals"]
    out = ["stress figures (%s): %s" % (doc["run_dir"], doc["status"])]
    out.append("  runners: %s; wall %s s" % (", ".join(doc["runners"]) or "none",
                                             doc.get("wall_s")))
    out.append("  fuzzer: %d ioctl calls in %d runs, seeds %s; trinity %d syscalls" % (
        t["ioctl_calls"], t["fuzz_runs"], " ".join(str(s) for s in t["seeds"]) or "-",
        t["trinity_syscalls"]))
    out.append("  kills by queue state %s, closes by queue state %s" % (
        json.dumps(t["kills_by_queue_state"]), json.dumps(t["closes_by_queue_state"])))
    out.append("  faults injected %s" % json.dumps(t["faults_injected"]))
    out.append("  evict/restore cycles %s" % json.dumps(t["cycles"]))
    out.append("  splats %d, verification failures %d, bytes lost %d; items %s" % (
        t["splats"], t["verify_failures"], t["bytes_lost"], json.dumps(t["items"])))
    for name, h in doc["runs"].items():
        if h["status"] == "skipped":
            out.append("  %s: skipped: %s" % (name, h["reason"]))
            continue
        for m, s in h["soak"].items():
            out.append("  %s soak %s: %s cycles (%s/s) of %s, %s bytes verified, %s failures, "
                       "%s bytes lost" % (h["accel"], m, s.get("cycles"), s.get("cycles_per_s"),
                                          s.get("cycles_target"), s.get("bytes_verified"),
                                          s.get("verify_failures"), s.get("bytes_lost")))
    return "\n".join(out)


def main(argv):
    if len(argv) >= 2 and argv[0] == "--half":
        half = argv[1]
        write_atomic(os.path.join(half, "figures.json"), half_figures(half))
        return 0
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    run_dir, copies, show = argv[0], [], False
    rest = argv[1:]
    while rest:
        if rest[0] == "--copy" and len(rest) > 1:
            copies.append(rest[1])
            rest = rest[2:]
        elif rest[0] == "--print":
            show = True
            rest = rest[1:]
        else:
            print("figures.py: unknown argument %r" % rest[0], file=sys.stderr)
            return 2
    doc = merge(run_dir)
    write_atomic(os.path.join(run_dir, "figures.json"), doc)
    for c in copies:
        write_atomic(c, doc)
    if show:
        print(summary(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
