#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a run folder written by igt-tests/run-uml.sh into results.json in
igt_runner's format (results_version 10: per-test result/time/out/err/dmesg,
"totals", "runtimes").

Run folder layout (the journal; each file is written as its subtest ends):
  jobs.tsv               every planned subtest: ABS_BINARY<TAB>SUBTEST
  tests/NNNN/name        igt@BINARY@SUBTEST
  tests/NNNN/out, err    the subtest's stdout and stderr
  tests/NNNN/start, end  wall-clock seconds since the epoch
  tests/NNNN/rc          exit status (absent: the run died during this test)
  kernel.log             the kernel log, with "lrbench-igt: begin|end NAME"
                         marker lines around each subtest
  uname.txt              `uname -snrvm` where the tests ran (the UML guest),
                         written by the executor as igt_runner writes its own
  cmdline.txt            the runner's command line, one argument per line

Result of a subtest, as igt_runner decides it:
  the "Subtest NAME: SUCCESS|FAIL|SKIP|CRASH" line  -> pass|fail|skip|crash
  killed by the time limit (even after a result line) -> timeout
  no result line, exit 77 / killed by a signal       -> skip / crash
  no result line otherwise, or no exit status        -> incomplete
  planned but never started                          -> notrun
then, as igt_runner's override_result_single(): a pass whose stderr holds a
line that is not one of IGT's sentinels (the executor sets
IGT_SENTINEL_ON_STDERR, so stderr carries "Starting subtest: S" and
"Subtest S: RESULT (t)") becomes warn -- igt_warn() and stray prints end up
there; and a kernel splat inside the subtest's slice of the kernel log turns
pass or warn into dmesg-warn and fail into dmesg-fail, and lists the lines in
"dmesg-warnings".

Exit status: 0 when every subtest is pass or skip, 1 otherwise, 2 on errors.
"""

import argparse
import json
import os
import re
import sys
import tempfile

RESULTS = ["crash", "pass", "dmesg-fail", "dmesg-warn", "skip", "incomplete", "abort",
           "timeout", "notrun", "fail", "warn"]
GOOD = {"pass", "skip"}

# Kernel splats: the same set scripts/uml-run.sh fails a boot on.
SPLAT_PATTERNS = [
    r"WARNING:", r"BUG:", r"kernel BUG at", r"Oops[:(]", r"general protection fault",
    r"Kernel panic", r"possible circular locking dependency", r"inconsistent lock state",
    r"possible recursive locking", r"suspicious RCU usage", r"INFO: task .* blocked for more than",
    r"rcu.*detected stalls?", r"INFO: rcu", r"kmemleak: [0-9]+ new suspected memory leak",
    r"unreferenced object 0x", r"UBSAN:", r"KASAN:", r"list_(add|del) corruption", r"Call Trace:",
    r"turning off the locking correctness validator", r"INFO: lockdep is turned off",
]
SPLAT_RE = re.compile("|".join("(?:%s)" % p for p in SPLAT_PATTERNS))
MARK_RE = re.compile(r"lrbench-igt: (begin|end) (igt@\S+)")
LINE_RE = r"^Subtest %s: (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)\b"
# IGT's stderr sentinels (igt_core.c with IGT_SENTINEL_ON_STDERR): not warnings.
SENTINEL_RE = re.compile(r"^(Starting (dynamic )?subtest: \S+|(Dynamic s|S)ubtest \S+: "
                         r"(SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)\b.*)$")
LINE_MAP = {"SUCCESS": "pass", "FAIL": "fail", "SKIP": "skip", "CRASH": "crash",
            "TIMEOUT": "timeout"}


def fail(msg):
    print("igt_results: error: %s" % msg, file=sys.stderr)
    sys.exit(2)


def read(path, default=None):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return default


def time_attr(start, end):
    return {"__type__": "TimeAttribute", "start": start, "end": end}


def slice_kernel_log(log_text):
    """Map igt@B@S -> the kernel-log lines between its begin and end markers
    (to the end of the log when the end marker is missing)."""
    slices, current = {}, None
    for line in log_text.splitlines():
        m = MARK_RE.search(line)
        if m:
            kind, name = m.groups()
            if kind == "begin":
                current = name
                slices[name] = []
            elif current == name:
                current = None
            continue
        if current is not None:
            slices[current].append(line)
    return slices


def subtest_result(subtest, out, err, rc, elapsed, limit):
    m = re.search(LINE_RE % re.escape(subtest), out + "\n" + err, re.MULTILINE)
    if rc is None:
        return "incomplete"
    # timeout(1) exits 124 after SIGTERM and 137 after its SIGKILL follow-up.
    # Killed at the limit is a timeout even after a SUCCESS line: the
    # process hung (say, in teardown) instead of exiting.
    if rc in (124, 137) and limit is not None and elapsed >= limit - 0.5:
        return "timeout"
    if m:
        return LINE_MAP[m.group(1)]
    if rc == 77:
        return "skip"
    if rc >= 128:
        return "crash"
    return "incomplete"


def stderr_warnings(subtest, err):
    """Lines of the subtest's stderr that are not IGT sentinels. Like igt_runner,
    which splits stderr per subtest at the sentinels, only what comes up to the
    subtest's own result sentinel counts (later lines belong to the exit path);
    without a result sentinel every line counts."""
    lines = err.splitlines()
    end = re.compile(r"^Subtest %s: " % re.escape(subtest))
    for n, l in enumerate(lines):
        if end.match(l):
            lines = lines[:n + 1]
            break
    return [l for l in lines if l.strip() and not SENTINEL_RE.match(l)]


def parse_rc(text, path):
    if text is None:
        return None
    text = text.strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        fail("%s: exit status '%s' is not an integer" % (path, text))
    return int(text)


def parse_time(text, path):
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        fail("%s: '%s' is not a time in seconds" % (path, text.strip()))


def build(run, name, start, end, limit):
    jobs_path = os.path.join(run, "jobs.tsv")
    jobs_text = read(jobs_path)
    if jobs_text is None:
        fail("%s: missing (not a run folder written by run-uml.sh?)" % jobs_path)
    planned = []
    for n, line in enumerate(jobs_text.splitlines(), 1):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1]:
            fail("%s:%d: expected BINARY<TAB>SUBTEST, got '%s'" % (jobs_path, n, line))
        planned.append(("igt@%s@%s" % (os.path.basename(parts[0]), parts[1]), parts[1]))

    log_text = read(os.path.join(run, "kernel.log"), "")
    slices = slice_kernel_log(log_text)

    records = {}
    tests_dir = os.path.join(run, "tests")
    for entry in sorted(os.listdir(tests_dir)) if os.path.isdir(tests_dir) else []:
        d = os.path.join(tests_dir, entry)
        tname = (read(os.path.join(d, "name")) or "").strip()
        if not tname:
            continue
        records[tname] = d

    tests, runtimes = {}, {}
    for tname, subtest in planned:
        d = records.get(tname)
        if d is None:
            tests[tname] = {"result": "notrun", "out": "", "err": "", "dmesg": "",
                            "time": time_attr(0.0, 0.0)}
            continue
        out = read(os.path.join(d, "out"), "")
        err = read(os.path.join(d, "err"), "")
        rc = parse_rc(read(os.path.join(d, "rc")), os.path.join(d, "rc"))
        t0 = parse_time(read(os.path.join(d, "start")), os.path.join(d, "start"))
        t1 = parse_time(read(os.path.join(d, "end")), os.path.join(d, "end"))
        if t0 is None:
            t0 = 0.0
        if t1 is None:
            t1 = t0
        result = subtest_result(subtest, out, err, rc, t1 - t0, limit)
        dmesg_lines = slices.get(tname, [])
        warnings = [l for l in dmesg_lines if SPLAT_RE.search(l)]
        rec = {"out": out, "err": err, "dmesg": "".join(l + "\n" for l in dmesg_lines),
               "result": result, "time": time_attr(t0, t1)}
        if rc is not None:
            rec["exitcode"] = rc
        first = out.splitlines()[0] if out else ""
        if first.startswith("IGT-Version:"):
            rec["igt-version"] = first
        if result == "pass" and stderr_warnings(subtest, err):
            rec["result"] = "warn"
        if warnings:
            rec["dmesg-warnings"] = "".join(l + "\n" for l in warnings)
            if rec["result"] in ("pass", "warn"):
                rec["result"] = "dmesg-warn"
            elif result == "fail":
                rec["result"] = "dmesg-fail"
        tests[tname] = rec
        binary = tname.rsplit("@", 1)[0]
        rt = runtimes.setdefault(binary, {"time": time_attr(0.0, 0.0)})
        rt["time"]["end"] += t1 - t0

    totals = {"": dict.fromkeys(RESULTS, 0), "root": dict.fromkeys(RESULTS, 0)}
    for tname, rec in tests.items():
        binary = tname.rsplit("@", 1)[0]
        totals.setdefault(binary, dict.fromkeys(RESULTS, 0))
        for key in ("", "root", binary):
            totals[key][rec["result"]] += 1

    doc = {
        "__type__": "TestrunResult",
        "results_version": 10,
        "name": name,
    }
    # Like igt_runner: "uname" only when the executor recorded one (it is the
    # machine the tests ran on, the UML guest, not the one writing this file).
    uname = read(os.path.join(run, "uname.txt"))
    if uname is not None and uname.strip():
        doc["uname"] = uname.strip()
    cmdline = read(os.path.join(run, "cmdline.txt"))
    doc["cmdline"] = cmdline.splitlines() if cmdline else []
    doc.update({
        "time_elapsed": time_attr(start, end),
        "tests": tests,
        "totals": totals,
        "runtimes": runtimes,
    })
    return doc


def write_atomic(path, doc):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".results.", dir=d)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="run folder written by run-uml.sh")
    ap.add_argument("--out", help="results file (default RUN/results.json)")
    ap.add_argument("--name", help="run name (default: the folder's name)")
    ap.add_argument("--start", type=float, default=0.0, help="run start, epoch seconds")
    ap.add_argument("--end", type=float, default=0.0, help="run end, epoch seconds")
    ap.add_argument("--timeout", type=float, help="per-subtest limit the run used, seconds")
    ap.add_argument("--quiet", action="store_true", help="print only the closing line")
    a = ap.parse_args()
    if not os.path.isdir(a.run):
        fail("--run %s: not a directory" % a.run)
    doc = build(a.run, a.name or os.path.basename(os.path.abspath(a.run)), a.start, a.end,
                a.timeout)
    out = a.out or os.path.join(a.run, "results.json")
    write_atomic(out, doc)

    bad = 0
    for tname, rec in doc["tests"].items():
        r = rec["result"]
        if r not in GOOD:
            bad += 1
        if not a.quiet:
            dt = rec["time"]["end"] - rec["time"]["start"]
            print("  %-10s %7.3fs  %s" % (r, dt, tname))
            if r not in GOOD:
                tail = (rec.get("err") or rec.get("out") or "").strip().splitlines()[-6:]
                for line in tail:
                    print("      | %s" % line)
                for line in (rec.get("dmesg-warnings") or "").splitlines()[:6]:
                    print("      ! %s" % line)
    tot = doc["totals"][""]
    shown = ", ".join("%d %s" % (tot[k], k) for k in RESULTS if tot[k])
    print("igt results: %s -> %s" % (shown or "nothing", out))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
