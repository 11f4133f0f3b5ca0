#!/usr/bin/python3
"""The nightly lab runner (make nightly; lab guide: lab/README.md).

  nightly.py run LAB.ini [--kind baseline|patched] [--night NAME] [--history DIR]
                         [--site DIR] [--no-site]
  nightly.py check LAB.ini...      validate lab files (exit 0, or 2 naming file:line and key)
  nightly.py site [--history DIR] --out DIR [--lab NAME]   build the static site into DIR
  nightly.py help-lab              every lab-file key

A night runs every item of the lab file in order, each with its own timeout
and kernel log, in results/history/<host>/<night>/ (LR_HISTORY or [lab]
history).  journal.jsonl records each item's start and end (fsync'd), so a
night that is killed resumes at the first unfinished item: finished items
are kept and never run again, an item that was running is run again (its
partial output kept as items/<name>.attempt-N).  Then each lrbench item is
compared (build/bin/lrbench compare --json) with the previous night of the
same kind on this host and with the newest night of the other kind
(baseline vs patched, baseline as A), the night's summary is written
(summary.txt, summary.json, manifest.json, report.html), nights beyond the
retention are deleted and the site is refreshed (LR_SITE or [lab] site).

The night's name is the UTC date of LR_NIGHTLY_NOW (YYYY-MM-DD or ISO
8601; a fake clock for tests) or of the real clock.

Exit status of `run` (bits, OR'ed; the lab alerts on anything but 0):
  0   nothing to report: every item passed or skipped, no regression
  1   a regression lrbench compare reports on a key metric of the lab file or
      on one of its primary metrics (exit 1), in a comparison [lab] alert_on
      names, at least alert_min_change_pct large
  4   an item failed, crashed or timed out
  8   the night's time budget ran out before every item ran
  2   usage error or invalid lab file (nothing run)
  16  the night could not run (history not writable, another night of this
      host still running)
  128+N  killed by signal N: run it again to resume
"""

import datetime
import errno
import fcntl
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import labfile  # noqa: E402
import report  # noqa: E402  (scripts/report.py: the targets, the same code as make run's report)

MANIFEST_SCHEMA = "lrbench-night"
FORMAT_VERSION = 1
NIGHT_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(\.[0-9]+)?$")
# lrbench compare's verdict strings (both spellings its versions use); any
# other string (only-a, no-data, not-judged, a future one) is "inconclusive"
KNOWN_VERDICTS = {"regression": "regression", "regressed": "regression", "improvement": "improvement",
                  "improved": "improvement", "unchanged": "unchanged"}
EXIT_REGRESSION, EXIT_USAGE, EXIT_FAILED, EXIT_BUDGET, EXIT_CANNOT = 1, 2, 4, 8, 16


def log(msg):
    print("nightly: " + msg, flush=True)


def warn(msg):
    print("nightly: " + msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# clock, files

def now_utc():
    """The night's clock: LR_NIGHTLY_NOW when set (tests), else the real one."""
    fake = os.environ.get("LR_NIGHTLY_NOW")
    if fake:
        for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.datetime.strptime(fake, fmt).replace(tzinfo=datetime.timezone.utc)
            except ValueError:
                pass
        raise SystemExit("nightly: LR_NIGHTLY_NOW='%s': expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ" % fake)
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t=None):
    t = t or datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def fsync_dir(d):
    try:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write_atomic(path, text):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    fsync_dir(os.path.dirname(path) or ".")


def write_json(path, doc):
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=False) + "\n")


def load_json(path):
    """(doc, None) or (None, reason)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except FileNotFoundError:
        return None, "%s: no such file" % path
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return None, "%s: %s" % (path, e)


def load_manifest(path):
    """A night's manifest, or (None, reason) when it is corrupt or foreign."""
    doc, err = load_json(path)
    if err:
        return None, err
    if not isinstance(doc, dict) or doc.get("schema") != MANIFEST_SCHEMA:
        return None, "%s: not a %s manifest (schema %r)" % (
            path, MANIFEST_SCHEMA, doc.get("schema") if isinstance(doc, dict) else type(doc).__name__)
    if doc.get("format_version") != FORMAT_VERSION:
        return None, "%s: format_version %r, this runner reads %d" % (path, doc.get("format_version"), FORMAT_VERSION)
    if not isinstance(doc.get("items"), list) or not isinstance(doc.get("night"), str):
        return None, "%s: no items list or night name" % path
    return doc, None


def rel(path, start):
    return os.path.relpath(path, start)


# ---------------------------------------------------------------------------
# environment

def sh(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, "", str(e)


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def drm_cards():
    """Cards in /sys/class/drm: driver, PCI ids, versions the kernel exposes."""
    cards = []
    for d in sorted(glob.glob("/sys/class/drm/card[0-9]*")):
        name = os.path.basename(d)
        if "-" in name:  # connectors (card0-DP-1)
            continue
        dev = os.path.join(d, "device")
        drv = os.path.realpath(os.path.join(dev, "driver"))
        drv = os.path.basename(drv) if os.path.exists(os.path.join(dev, "driver")) else None
        card = {"card": name, "driver": drv}
        for key, f in (("vendor", "vendor"), ("device", "device"), ("subsystem_device", "subsystem_device"),
                       ("vbios_version", "vbios_version"), ("pci_slot", "uevent")):
            v = read(os.path.join(dev, f))
            if v is None:
                continue
            if f == "uevent":
                m = re.search(r"PCI_SLOT_NAME=(\S+)", v)
                v = m.group(1) if m else None
            if v:
                card[key] = v
        if drv:
            for key, f in (("driver_version", "version"), ("driver_srcversion", "srcversion")):
                v = read("/sys/module/%s/%s" % (drv, f))
                if v:
                    card[key] = v
        # firmware versions the drivers expose in sysfs (amdgpu: fw_version/*)
        fw = {}
        for f in sorted(glob.glob(os.path.join(dev, "fw_version", "*"))):
            v = read(f)
            if v:
                fw[os.path.basename(f)] = v
        if fw:
            card["firmware"] = fw
        cards.append(card)
    for r in sorted(glob.glob("/sys/class/drm/renderD*")):
        dev = os.path.join(r, "device", "driver")
        if os.path.exists(dev):
            drv = os.path.basename(os.path.realpath(dev))
            if not any(c["driver"] == drv for c in cards):
                cards.append({"card": os.path.basename(r), "driver": drv})
    return cards


def opencl_devices(lrbench):
    """Device lines of `lrbench list` (opencl backend), or a reason."""
    if not os.access(lrbench, os.X_OK):
        return [], "%s is not built" % lrbench
    rc, out, err = sh([lrbench, "list"])
    if rc != 0:
        return [], "lrbench list: exit %d: %s" % (rc, err.strip())
    devs, backend = [], None
    for line in out.splitlines():
        m = re.match(r"^  (\S+)\s", line)
        if m and not line.startswith("    "):
            backend = m.group(1)
            continue
        m = re.match(r"^\s+([0-9]+:[0-9]+)\s+(.*)$", line)
        if m and backend == "opencl":
            devs.append(m.group(1) + " " + m.group(2).strip())
    return devs, None


def kernel_info():
    rc, out, err = sh([os.path.join(ROOT, "scripts/kernel.sh"), "info"], timeout=60)
    info = {}
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    return info


def environment(lrbench, lab, uml, uml_bench):
    u = os.uname()
    rc, desc, _ = sh(["git", "describe", "--always", "--dirty", "--tags"])
    ki = kernel_info()
    devs, why = opencl_devices(lrbench)
    env = {
        "suite_version": desc.strip() if rc == 0 else "unknown",
        "kernel": {"release": u.release, "version": u.version, "machine": u.machine,
                   # the kernel's parameters (what follows " -- " is init's)
                   "cmdline": (read("/proc/cmdline") or "").split(" -- ")[0] or None,
                   # make lab-kernels names them -lr-baseline / -lr-patched-<series hash>
                   "lab_kind": ("baseline" if "-lr-baseline" in u.release else
                                "patched" if "-lr-patched" in u.release else None),
                   "series_hash": (re.search(r"-lr-patched-([0-9a-f]+)", u.release) or [None, None])[1]},
        # the series in kernel-patches/ (what UML items boot); a lab kernel's own
        # series hash is kernel.series_hash
        "series": {"hash": ki.get("series hash"), "patches": ki.get("patches"),
                   "source_version": ki.get("version")},
        "drm_devices": drm_cards(),
        "opencl_devices": devs,
        "uml": uml,
        "uml_bench": uml_bench,
    }
    if why:
        env["opencl_devices_reason"] = why
    return env


# ---------------------------------------------------------------------------
# UML kernel lookup

E2E_CONFIG = "kernel-patches/configs/uml-e2e.config"
BENCH_CONFIG = "kernel-patches/configs/uml-bench.config"


def uml_kernel_cached(fragment=E2E_CONFIG):
    """The cached UML kernel of the prepared tree, without building: (path, None) or (None, reason).

    The cache key is scripts/uml-build.sh's (scripts/lib/kbuild.sh): the git tree
    hash of the prepared source plus a hash of the defconfig and the fragment."""
    ki = kernel_info()
    tree = ki.get("tree")
    cache = ki.get("cache") or os.environ.get("LRBENCH_CACHE", os.path.expanduser("~/.cache/lrbench"))
    if not tree or not os.path.isdir(tree):
        return None, "no prepared kernel tree (scripts/kernel.sh info: %s)" % (tree or "none")
    script = ('. scripts/lib/kbuild.sh; t=$(kb_tree_hash "$1") || exit 1; '
              'c=$(cat "$1/arch/um/configs/x86_64_defconfig" "$2" | sha1sum | cut -c1-12); '
              'echo "${t:0:12}-$c"')
    rc, out, err = sh(["bash", "-c", script, "key", tree, fragment], timeout=300)
    if rc != 0 or not out.strip():
        return None, "cannot hash the kernel tree %s: %s" % (tree, err.strip())
    path = os.path.join(cache, "uml-" + out.strip(), "linux")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path, None
    return None, "no UML kernel of this series and %s in the cache (%s; %s builds it)" % (
        os.path.basename(fragment), path, "make uml-kernel" if fragment == E2E_CONFIG else
        "scripts/uml-build.sh --config " + fragment)


def bench_mode(lab):
    """The effective uml_bench_kernel: LR_UML_KERNEL (one kernel for every UML
    item), else LR_UML_BENCH_KERNEL, else the lab file's."""
    return os.environ.get("LR_UML_KERNEL") or os.environ.get("LR_UML_BENCH_KERNEL") or lab["uml_bench_kernel"]


def resolve_uml(lab, needed, bench=False, debug=None):
    """{'kernel': path or None, 'reason': why not, 'append': ..., 'config': fragment}.

    bench: the kernel of the UML lrbench items (uml_bench_kernel, make run's
    uml-bench.config); debug: the other items' resolved kernel, which
    uml_bench_kernel = debug reuses."""
    if bench:
        mode = bench_mode(lab)
        fragment = BENCH_CONFIG
    else:
        mode = os.environ.get("LR_UML_KERNEL") or lab["uml_kernel"]
        fragment = E2E_CONFIG
    info = {"mode": mode, "kernel": None, "reason": None, "config": fragment,
            "append": " ".join(x for x in (lab["uml_append"], os.environ.get("LR_NIGHTLY_UML_APPEND", "")) if x)}
    if not needed:
        info["reason"] = "no UML item"
        return info
    if mode == "debug" and bench:
        info.update({k: debug.get(k) for k in ("kernel", "reason", "release")} if debug else
                    {"reason": "uml_bench_kernel = debug, but no other UML item resolved uml_kernel"})
        info["config"] = E2E_CONFIG
        return info
    if mode == "cached":
        info["kernel"], info["reason"] = uml_kernel_cached(fragment)
    elif mode == "auto":
        rc, out, err = sh([os.path.join(ROOT, "scripts/uml-build.sh"), "--config", os.path.join(ROOT, fragment),
                           "--print-path"], timeout=7200)
        if rc == 0 and out.strip():
            info["kernel"] = out.strip().splitlines()[-1]
        else:
            info["reason"] = "scripts/uml-build.sh failed (exit %d): %s" % (rc, err.strip()[-300:])
    else:
        p = os.path.join(ROOT, mode) if not os.path.isabs(mode) else mode
        if os.path.isfile(p) and os.access(p, os.X_OK):
            info["kernel"] = p
        else:
            info["reason"] = "UML kernel %s is not an executable file" % p
    if info["kernel"]:
        rc, out, _ = sh([info["kernel"], "--version"], timeout=30)
        info["release"] = out.strip().splitlines()[-1] if rc == 0 and out.strip() else None
    return info


# ---------------------------------------------------------------------------
# kernel log of an item on this host: /dev/kmsg from the item's start

class Kmsg:
    def __init__(self):
        self.fd, self.reason = None, None
        try:
            self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError as e:
            self.reason = "/dev/kmsg: %s" % e.strerror

    def drain(self, path):
        if self.fd is None:
            write_atomic(path, "# kernel log not available: %s\n" % self.reason)
            return
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EPIPE:  # overwritten records: go on
                    lines.append("# (kernel log records lost: ring buffer overrun)")
                    continue
                lines.append("# read error: %s" % e)
                break
            if not rec:
                break
            head, _, msg = rec.decode("utf-8", "replace").partition(";")
            f = head.split(",")
            ts = float(f[2]) / 1e6 if len(f) > 2 and f[2].isdigit() else 0.0
            lines.append("[%12.6f] %s" % (ts, msg.split("\n")[0]))
        os.close(self.fd)
        write_atomic(path, "\n".join(lines) + ("\n" if lines else ""))


# ---------------------------------------------------------------------------
# items

def requirement_missing(req, env, uml):
    if req == "uml":
        return None if uml.get("kernel") else "no UML kernel: %s" % uml.get("reason")
    kind, _, arg = req.partition(":")
    if kind == "drm":
        if any(c.get("driver") == arg for c in env["drm_devices"]):
            return None
        have = ", ".join(sorted({c.get("driver") or "?" for c in env["drm_devices"]})) or "none"
        return "no DRM device bound to driver %s in /sys/class/drm (drivers here: %s)" % (arg, have)
    if kind == "opencl":
        if any(arg.lower() in d.lower() for d in env["opencl_devices"]):
            return None
        return "no OpenCL device matching '%s' in `lrbench list` (devices: %s)" % (
            arg, "; ".join(d[:60] for d in env["opencl_devices"]) or env.get("opencl_devices_reason", "none"))
    if kind == "file":
        p = arg if os.path.isabs(arg) else os.path.join(ROOT, arg)
        return None if os.path.exists(p) else "%s does not exist" % arg
    return "unknown requirement %s" % req


def lrbench_args(it, out):
    a = ["run", it["scenario"], "-o", out, "--summary"]
    if it["backend"]:
        a += ["--backend", it["backend"]]
    if it["device"]:
        a += ["--device", it["device"]]
    if it["duration"] is not None:
        a += ["--duration", "%g" % it["duration"]]
    if it["reps"] is not None:
        a += ["--reps", str(it["reps"])]
    return a


def uml_of(it, ctx):
    """The UML kernel an item boots: lrbench items time what they run, so they
    boot the benchmark build; IGT, stress and commands the debug build."""
    return ctx["uml_bench"] if it["type"] == "lrbench" else ctx["uml"]


def item_command(it, idir, ctx, timeout):
    """(argv, extra environment, notes) of one item."""
    lrbench = ctx["lrbench"]
    uml = uml_of(it, ctx)
    env = dict(x.split("=", 1) for x in it["env"])
    append = " ".join(x for x in (uml.get("append", ""), it["uml_append"]) if x)
    if it["type"] == "lrbench":
        inner = [lrbench] + lrbench_args(it, os.path.join(idir, "result"))
    elif it["type"] == "command":
        inner = ["bash", "-c", it["cmd"]]
    elif it["type"] == "igt":
        out = os.path.join(idir, "igt")
        if it["runner"] == "uml":
            vlr = sorted(b for b in glob.glob(os.path.join(ROOT, "build/igt/vlr_*")) if not b.endswith(".d"))
            a = [os.path.join(ROOT, "igt-tests/run-uml.sh"), "--out", out, "--kernel", uml["kernel"]]
            if append:
                a += ["--append", append]
            return a + vlr, env, "igt subtests in one UML boot"
        bins = [os.path.join(ROOT, "build/igt", t) for t in it["tests"]]
        return [os.path.join(ROOT, "igt-tests/run-uml.sh"), "--no-uml", "--out", out] + bins, env, "igt on this host"
    elif it["type"] == "stress":
        env.setdefault("STRESS_UML_KERNEL", uml.get("kernel") or "")
        env["LR_TIER_COUNT"] = os.path.join(idir, "counts")
        return [os.path.join(ROOT, "tests/stress/run.sh")], env, "stress tier runner"
    if it["runner"] == "uml":
        a = [os.path.join(ROOT, "scripts/uml-run.sh"), "--kernel", uml["kernel"], "--out", idir,
             "--timeout", "%d" % max(10, timeout - 5), "--no-kmemleak"]
        if append:
            a += ["--append", append]
        if it["uml_mem"]:
            a += ["--mem", it["uml_mem"]]
        for k in env:
            a += ["--env", k]
        return a + ["--"] + inner, env, "in UML"
    return inner, env, "on this host"


def run_bounded(argv, env, log_path, timeout):
    """Run argv in its own session; (exit status, timed_out).  Signals: -N."""
    with open(log_path, "ab") as logf:
        logf.write(("$ %s\n" % " ".join(shlex.quote(a) for a in argv)).encode())
        logf.flush()
        p = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=logf,
                             stderr=subprocess.STDOUT, start_new_session=True)
        RUNNING[0] = p
        try:
            rc = p.wait(timeout=timeout)
            return rc, False
        except subprocess.TimeoutExpired:
            groups = process_groups(p.pid)
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 30)):
                kill_groups(groups | process_groups(p.pid), sig)
                try:
                    p.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
            kill_groups(groups, signal.SIGKILL)  # what is left of it (a UML under timeout(1))
            return p.returncode, True
        finally:
            RUNNING[0] = None


RUNNING = [None]


def process_groups(pid):
    """Process groups of pid and of all its descendants (timeout(1) and
    scripts/uml-run.sh put the UML kernel in a group of its own)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append((int(d), int(fields[2])))
    groups, todo = {pid}, [pid]
    while todo:
        for c, pgid in children.get(todo.pop(), []):
            groups.add(pgid)
            todo.append(c)
    return groups


def kill_tree(pid, sig):
    kill_groups(process_groups(pid), sig)


def kill_groups(groups, sig):
    for g in groups:
        try:
            os.killpg(g, sig)
        except (ProcessLookupError, PermissionError):
            pass


def classify(it, rc, timed_out, idir):
    """(status, reason) from an item's exit status and its files."""
    if timed_out:
        return "timeout", "killed after its timeout"
    if it["runner"] == "uml" and it["type"] not in ("igt", "stress"):
        if rc == 97:
            return "fail", "kernel splat in the UML kernel log (kernel.log)"
        if rc == 124:
            return "timeout", "the UML boot ran past its timeout"
        if rc == 125:
            return "crash", "the UML kernel ended without recording the command's status (console.log)"
    if rc is not None and rc < 0:
        return "crash", "killed by signal %d" % -rc
    if rc == 0:
        return "pass", None
    if rc == 77:
        return "skip", "the item skipped itself (exit 77; output.log says why)"
    if rc is not None and rc > 128:
        return "crash", "exit %d (signal %d)" % (rc, rc - 128)
    return "fail", "exit %d (output.log)" % rc


def item_counts(it, idir):
    """Pass/fail/skip counts of igt and stress items, when they wrote them."""
    if it["type"] == "igt":
        doc, err = load_json(os.path.join(idir, "igt", "results.json"))
        if doc and isinstance(doc.get("tests"), dict):
            c = {}
            for t in doc["tests"].values():
                r = t.get("result", "?") if isinstance(t, dict) else "?"
                c[r] = c.get(r, 0) + 1
            return c
    p = os.path.join(idir, "counts")
    txt = read(p)
    if txt and re.match(r"^[0-9]+ [0-9]+ [0-9]+$", txt):
        a, b, c = map(int, txt.split())
        return {"pass": a, "fail": b, "skip": c}
    return None


def run_item(it, idir, ctx, budget_left):
    """Run one item into idir; returns its manifest record."""
    os.makedirs(idir, exist_ok=True)
    rec = {"name": it["name"], "type": it["type"], "runner": it["runner"], "status": None, "reason": None,
           "exit_code": None, "timeout_s": it["timeout_s"], "started": iso(), "duration_s": 0.0,
           "metrics": it["metrics"] if it["type"] == "lrbench" else [], "paths": {}}
    t0 = time.monotonic()
    missing = []
    if not it["enabled"]:
        missing.append("disabled in the lab file (enabled = no)")
    reqs = list(it["requires"]) + (["uml"] if it["runner"] == "uml" and "uml" not in it["requires"] else [])
    for r in reqs:
        m = requirement_missing(r, ctx["env"], uml_of(it, ctx))
        if m:
            missing.append(m)
    if missing:
        rec.update(status="skip", reason="; ".join(missing))
        return rec
    timeout = min(it["timeout_s"], budget_left)
    argv, extra, where = item_command(it, idir, ctx, timeout)
    env = dict(os.environ)
    env.update(extra)
    env["LR_NIGHTLY_ITEM"] = it["name"]
    kmsg = Kmsg() if it["runner"] == "host" else None
    log_path = os.path.join(idir, "output.log")
    rc, timed_out = run_bounded(argv, env, log_path, timeout)
    rec["exit_code"] = rc
    rec["duration_s"] = round(time.monotonic() - t0, 3)
    rec["status"], rec["reason"] = classify(it, rc, timed_out, idir)
    if timed_out and timeout < it["timeout_s"]:
        rec["reason"] = "killed when the night's budget ran out (after %d s)" % timeout
    rec["paths"]["log"] = "output.log"
    if kmsg:
        kmsg.drain(os.path.join(idir, "kernel.log"))
    for f in ("kernel.log", "console.log"):
        if os.path.exists(os.path.join(idir, f)):
            rec["paths"]["kernel_log" if f == "kernel.log" else "console_log"] = f
    if it["type"] == "igt" and os.path.exists(os.path.join(idir, "igt", "results.json")):
        rec["paths"]["igt_results"] = "igt/results.json"
        if os.path.exists(os.path.join(idir, "igt", "kernel.log")):
            rec["paths"]["kernel_log"] = "igt/kernel.log"
    if it["type"] == "stress":
        since = time.time() - rec["duration_s"] - 5
        src = os.path.join(ROOT, "build/stress/figures.json")
        if os.path.exists(src) and os.path.getmtime(src) >= since:
            shutil.copy(src, os.path.join(idir, "figures.json"))
            rec["paths"]["figures"] = "figures.json"
        # the runner's folder (its boots' console and kernel logs, results.txt)
        runs = [d for d in glob.glob(os.path.join(ROOT, "build/stress/run-*")) if os.path.getmtime(d) >= since]
        if runs:
            shutil.copytree(max(runs, key=os.path.getmtime), os.path.join(idir, "run"), dirs_exist_ok=True)
            for runner in ("uml", "vm"):
                for f, key in (("kernel.log", "kernel_log"), ("console.log", "console_log"),
                               ("results.txt", "results")):
                    p = os.path.join("run", runner, f)
                    if os.path.exists(os.path.join(idir, p)):
                        rec["paths"].setdefault(key if runner == "uml" else "%s_%s" % (runner, key), p)
    counts = item_counts(it, idir)
    if counts is not None:
        rec["counts"] = counts
        if rec["status"] != "pass" and rec["reason"]:
            rec["reason"] += "; " + ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))
    if it["type"] == "lrbench":
        res = os.path.join(idir, "result", "result.json")
        if os.path.exists(res):
            rec["paths"]["result"] = "result/result.json"
            doc, err = load_json(res)
            if doc:
                rec["result_status"] = doc.get("status")
                rec["kernel_release"] = (doc.get("kernel") or {}).get("release")
                if doc.get("status") == "skip" and rec["status"] == "skip":
                    rec["reason"] = doc.get("reason") or rec["reason"]
    return rec


# ---------------------------------------------------------------------------
# history

def night_dirs(hostdir):
    """Sorted night names in a host's history (only names that look like nights)."""
    try:
        names = os.listdir(hostdir)
    except OSError:
        return []
    return sorted(n for n in names if NIGHT_RE.match(n) and os.path.isdir(os.path.join(hostdir, n)))


def read_journal(path):
    """Item records of finished items, started-but-unfinished items, attempts per item."""
    done, started, attempts, bad = {}, set(), {}, 0
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    bad += 1  # a line cut by a crash: the item reruns
                    continue
                name = ev.get("item")
                if ev.get("event") == "start":
                    started.add(name)
                    attempts[name] = attempts.get(name, 0) + 1
                elif ev.get("event") == "done":
                    done[name] = ev["record"]
                    started.discard(name)
    except FileNotFoundError:
        pass
    return done, started, attempts, bad


def journal_append(path, ev):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(ev, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def find_nights(hostdir, before, kind, problems):
    """Valid manifests of hostdir's nights older than `before` with `kind` (newest first)."""
    out = []
    for n in reversed(night_dirs(hostdir)):
        if n >= before:
            continue
        doc, err = load_manifest(os.path.join(hostdir, n, "manifest.json"))
        if err:
            problems.append("skipped night %s: %s" % (n, err))
            continue
        if doc.get("kind") == kind:
            out.append(doc)
    return out


# ---------------------------------------------------------------------------
# verdicts

def compare(lrbench, a_dir, b_dir, threshold):
    """((rows, exit status), error): lrbench compare --json (unknown fields tolerated)."""
    argv = [lrbench, "compare", "--json", "--threshold", "%g" % threshold, a_dir, b_dir]
    try:
        p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "lrbench compare: %s" % e
    if p.returncode == 2:
        return None, "lrbench compare: usage error or bad input: %s" % p.stderr.strip()[-400:]
    try:
        doc = json.loads(p.stdout)
        rows = doc["rows"]
        if not isinstance(rows, list):
            raise ValueError("rows is not a list")
    except (ValueError, KeyError, TypeError) as e:
        return None, "lrbench compare (exit %d): no JSON rows (%s): %s" % (p.returncode, e, p.stderr.strip()[-400:])
    return (rows, p.returncode), None


def fmt_change(c):
    if isinstance(c, (int, float)):
        return "%+.1f%%" % c
    return str(c) if c is not None else "-"


def verdicts_for(it_rec, it_cfg, idir, other_doc, other_hostdir, lrbench, threshold, against):
    """One comparison of an item with the same item of another night."""
    out = {"against": against, "night": other_doc["night"], "kind": other_doc.get("kind")}
    orec = next((r for r in other_doc["items"] if isinstance(r, dict) and r.get("name") == it_rec["name"]), None)
    if not orec or not (orec.get("paths") or {}).get("result"):
        out["error"] = "no result of %s in night %s" % (it_rec["name"], other_doc["night"])
        return out
    odir = os.path.join(other_hostdir, other_doc["night"], "items", it_rec["name"], "result")
    mine = os.path.join(idir, "result")
    # baseline kind is always side A, so "regression" means "patched is worse"
    if against == "other-kind" and other_doc.get("kind") == "baseline":
        a, b = odir, mine
    elif against == "other-kind":
        a, b = mine, odir
    else:
        a, b = odir, mine
    out["a"], out["b"] = ("other" if a == odir else "this"), ("this" if b == mine else "other")
    got, err = compare(lrbench, a, b, threshold)
    if err:
        out["error"] = err
        return out
    rows, out["compare_exit"] = got
    listed = set(it_cfg["metrics"])
    res = []
    for r in rows:
        if not isinstance(r, dict):
            continue
        name = r.get("name")
        v = r.get("verdict")
        cls = KNOWN_VERDICTS.get(v, "inconclusive")
        # a compare that tells primary metrics from diagnostics says so in
        # "role"; without it every metric counts as primary
        res.append({"metric": name, "config": r.get("config"), "verdict": v, "class": cls,
                    "primary": name in listed, "role": r.get("role") if isinstance(r.get("role"), str) else None,
                    "change_pct": r.get("change_pct"), "unit": r.get("unit"), "direction": r.get("direction")})
    out["rows"] = res
    return out


def item_runs(lrbench, night_dir, items):
    """report.Run of every lrbench item of a night that has a result, named
    after the item."""
    runs = []
    for rec in items:
        if not isinstance(rec, dict) or rec.get("type") != "lrbench" or not (rec.get("paths") or {}).get("result"):
            continue
        d = os.path.join(night_dir, "items", rec["name"], "result")
        if not os.path.isfile(os.path.join(d, "result.json")):
            continue
        try:
            runs.append(report.Run(lrbench, d, rec["name"]))
        except report.ReportError as e:  # a corrupt result: that item has no cells
            log("targets: %s: %s" % (rec["name"], e))
    return runs


def night_targets(lrbench, ndir, manifest, prev_doc, hostdir):
    """The suite's targets (scripts/report.py: one cell per target and lrbench
    item that measures it, judged at the level 1 - 0.1/m of the night's m
    cells), each held against the same item's cell of the previous night of
    this kind, judged again from that night's results by the same code: a
    claim is one whose verdict held in two consecutive nights.  Writes the
    night's targets.json; returns the summary's "targets" (cells, held,
    changed) or None when no item measures a target.  Targets never alert:
    they are the state of the series, regressions are what compare says."""
    runs = item_runs(lrbench, ndir, manifest["items"])
    report.set_target_level(runs)
    trows = report.target_rows(runs)
    if not any(found for _, found in trows):
        return None
    marks = prev_name = None
    if prev_doc:
        prev_name = prev_doc["night"]
        pruns = item_runs(lrbench, os.path.join(hostdir, prev_name), prev_doc.get("items") or [])
        marks = report.mark_held(trows, report.previous_cells(pruns))
    doc = report.targets_doc(ndir, runs, trows, prev_name, marks)
    cells = [dict({k: v for k, v in c.items() if k not in ("cell", "configs", "why")}, item=c["cell"])
             for c in doc["cells"] if c.get("verdict")]
    out = {"level": doc["level"], "cells": cells, "previous_night": prev_name,
           "counts": {v: sum(1 for c in cells if c["verdict"] == v) for v in ("met", "missed", "inconclusive")}}
    if marks:
        out["held"], out["compared"] = marks[0], marks[1]
        out["changed"] = [{"item": c, "target": t, "was": a, "now": b} for c, t, a, b in marks[2]]
    return out


def big_enough(change, min_pct):
    if not min_pct:
        return True
    if isinstance(change, (int, float)):
        return abs(change) >= min_pct
    return isinstance(change, str) and change.lstrip("+-") == "inf"


def summarize(manifest, alert_on, min_change=0):
    """The night's verdicts.  lrbench compare decides what is a regression
    (its statistics control the error over all metrics it judges); a row it
    calls regressed/regression counts when the metric is one of the lab
    file's key metrics of the item (`metrics`), or when it is one of
    compare's primary metrics ("role", where compare gives it) and compare's
    exit status says so (1).  It alerts when the comparison is in alert_on
    and |%change| >= min_change.  Other rows that changed go to
    "diagnostics" and never alert; "inconclusive" lists the key metrics
    compare could call neither way."""
    s = {"regressions": [], "improvements": [], "inconclusive": [], "diagnostics": [], "unchanged": 0,
         "failed_items": [], "skipped_items": [], "comparison_errors": [], "alert_min_change_pct": min_change}
    for r in manifest["items"]:
        if r["status"] in ("fail", "crash", "timeout"):
            s["failed_items"].append({"item": r["name"], "status": r["status"], "reason": r.get("reason")})
        elif r["status"] == "skip":
            s["skipped_items"].append({"item": r["name"], "reason": r.get("reason")})
        for v in r.get("verdicts") or []:
            if v.get("error"):
                s["comparison_errors"].append({"item": r["name"], "against": v["against"],
                                               "night": v["night"], "error": v["error"]})
                continue
            for row in v.get("rows", []):
                changed = row["class"] in ("regression", "improvement")
                if not changed and not row["primary"]:
                    continue
                e = {"item": r["name"], "metric": row["metric"], "config": row["config"],
                     "against": v["against"], "night": v["night"], "kind": v.get("kind"),
                     "verdict": row["verdict"], "change_pct": row["change_pct"], "listed": row["primary"]}
                judged_primary = row.get("role") in (None, "primary")
                counts = row["primary"] or (judged_primary and v.get("compare_exit", 1) == 1)
                if row["class"] == "regression" and counts:
                    if v["against"] not in alert_on:
                        e["alert"], e["why_no_alert"] = False, "%s is not in alert_on" % v["against"]
                    elif not big_enough(row["change_pct"], min_change):
                        e["alert"], e["why_no_alert"] = False, "|%%change| below alert_min_change_pct %g" % min_change
                    else:
                        e["alert"] = True
                    s["regressions"].append(e)
                elif row["class"] == "improvement" and (judged_primary or row["primary"]):
                    s["improvements"].append(e)
                elif changed:
                    e["role"] = row.get("role") or "diagnostic"
                    s["diagnostics"].append(e)
                elif row["class"] == "unchanged":
                    s["unchanged"] += 1
                else:
                    s["inconclusive"].append(e)
    code = 0
    if any(e["alert"] for e in s["regressions"]):
        code |= EXIT_REGRESSION
    if s["failed_items"]:
        code |= EXIT_FAILED
    if manifest.get("budget_exhausted"):
        code |= EXIT_BUDGET
    s["alert"] = code != 0
    s["exit_code"] = code
    return s


def summary_text(m):
    s = m["summary"]
    L = ["lrbench nightly: host %s, night %s (%s kernel), lab %s" % (m["host"], m["night"], m["kind"], m["lab"]),
         "  suite %s; kernel %s; series %s" % (m["environment"]["suite_version"],
                                             m["environment"]["kernel"]["release"],
                                             m["environment"]["series"].get("hash")),
         "  compared with: previous %s night: %s; newest %s night: %s" % (
             m["kind"], m.get("previous_night") or "none", other_kind(m["kind"]), m.get("other_kind_night") or "none"),
         "", "items:"]
    for r in m["items"]:
        L.append("  %-24s %-8s %7.1f s  %s" % (r["name"], r["status"], r.get("duration_s") or 0, r.get("reason") or ""))

    def ent(e):
        cfg = "@" + e["config"] if e.get("config") else ""
        return "  %s: %s%s %s vs %s night %s (%s)%s" % (
            e["item"], e["metric"], cfg, fmt_change(e["change_pct"]), e["against"], e["night"],
            e["verdict"], "" if e.get("alert", True) else " [no alert: %s]" % e.get("why_no_alert"))
    for title, key in (("REGRESSIONS", "regressions"), ("improvements", "improvements"),
                       ("inconclusive", "inconclusive"),
                       ("diagnostic metrics that changed (never alert)", "diagnostics")):
        L.append("")
        L.append("%s (%d):" % (title, len(s[key])))
        L += [ent(e) for e in s[key]] or ["  none"]
    if s["comparison_errors"]:
        L.append("")
        L.append("comparisons that could not be made (%d):" % len(s["comparison_errors"]))
        L += ["  %s vs %s night %s: %s" % (e["item"], e["against"], e["night"], e["error"])
              for e in s["comparison_errors"]]
    t = s.get("targets")
    if t:
        L.append("")
        if t.get("error"):
            L.append("targets: not judged: %s" % t["error"])
        else:
            c = t["counts"]
            n = len(t["cells"])
            L.append("targets (scripts/report.py, %.4g %% intervals; never alert): %d cell%s: met %d, missed %d, "
                     "inconclusive %d" % (t["level"] * 100, n, "" if n == 1 else "s", c["met"], c["missed"],
                                          c["inconclusive"]))
            for e in t["cells"]:
                held = ""
                if t.get("previous_night"):
                    held = ("; not judged night %s" % t["previous_night"] if e.get("held") is None else
                            "; night %s: %s: %s" % (t["previous_night"], e["previous"]["verdict"],
                                                    "held" if e["held"] else "CHANGED"))
                L.append("  %s: %s %s: %s%s" % (e["item"], e["target"], e["goal"], report.short_verdict(e), held))
            if t.get("previous_night"):
                L.append("  held from the previous %s night %s: %d of %d%s" % (
                    m["kind"], t["previous_night"], t["held"], t["compared"],
                    "; changed: " + ", ".join("%s %s (%s -> %s)" % (x["item"], x["target"], x["was"], x["now"])
                                              for x in t["changed"]) if t["changed"] else ""))
    L.append("")
    L.append("unchanged (the lab file's metrics): %d; failed items: %d; skipped items: %d" % (
        s["unchanged"], len(s["failed_items"]), len(s["skipped_items"])))
    code = s["exit_code"]
    why = []
    if code & EXIT_REGRESSION:
        why.append("regression")
    if code & EXIT_FAILED:
        why.append("failed item")
    if code & EXIT_BUDGET:
        why.append("budget exhausted")
    L.append("ALERT (exit %d: %s)" % (code, ", ".join(why)) if code else "no alert (exit 0)")
    return "\n".join(L) + "\n"


def other_kind(k):
    return "baseline" if k == "patched" else "patched"


# ---------------------------------------------------------------------------
# the night

def prune(hostdir, keep, current):
    if keep <= 0:
        return []
    nights = night_dirs(hostdir)
    gone = []
    for n in nights[:-keep] if len(nights) > keep else []:
        if n == current:
            continue
        shutil.rmtree(os.path.join(hostdir, n), ignore_errors=True)
        gone.append(n)
    return gone


def cmd_run(args):
    try:
        lab = labfile.load(args.lab)
    except labfile.LabError as e:
        warn(str(e))
        return EXIT_USAGE
    L = lab["lab"]
    kind = args.kind or L["kind"]
    if kind == "auto":
        rel_ = os.uname().release
        kind = "baseline" if "-lr-baseline" in rel_ else "patched" if "-lr-patched" in rel_ else None
        if not kind:
            warn("%s: kind = auto: the running kernel %s names neither -lr-baseline nor -lr-patched "
                 "(make lab-kernels); pass --kind" % (args.lab, rel_))
            return EXIT_USAGE
    history = args.history or os.environ.get("LR_HISTORY") or L["history"]
    history = history if os.path.isabs(history) else os.path.join(ROOT, history)
    keep = int(os.environ.get("LR_RETENTION", L["retention"]))
    lrbench = os.path.join(ROOT, os.environ.get("LRBENCH", "build/bin/lrbench"))
    if not os.access(lrbench, os.X_OK):
        warn("%s is not built (make all)" % lrbench)
        return EXIT_CANNOT
    night = args.night or now_utc().strftime("%Y-%m-%d")
    if not NIGHT_RE.match(night):
        warn("--night %s: expected YYYY-MM-DD[.N]" % night)
        return EXIT_USAGE
    hostdir = os.path.join(history, L["host"])
    ndir = os.path.join(hostdir, night)
    try:
        os.makedirs(ndir, exist_ok=True)
        lockf = open(os.path.join(hostdir, ".lock"), "w")
    except OSError as e:
        warn("history %s: %s" % (hostdir, e))
        return EXIT_CANNOT
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        warn("another night of host %s is running (lock %s)" % (L["host"], lockf.name))
        return EXIT_CANNOT

    journal = os.path.join(ndir, "journal.jsonl")
    done, unfinished, attempts, bad = read_journal(journal)
    resumed = bool(done or unfinished)
    prev_manifest, _ = load_manifest(os.path.join(ndir, "manifest.json"))
    if prev_manifest and prev_manifest.get("kind") != kind and resumed:
        warn("night %s of %s was started as kind %s; resuming it as that kind" % (night, L["host"], prev_manifest["kind"]))
        kind = prev_manifest["kind"]
    log("host %s, night %s, kind %s, lab %s; history %s%s" % (
        L["host"], night, kind, args.lab, rel(ndir, ROOT) if ndir.startswith(ROOT) else ndir,
        "; resuming: %d item(s) finished, kept" % len(done) if resumed else ""))
    if bad:
        log("journal: %d unreadable line(s) ignored (cut by a crash)" % bad)

    on = [i for i in lab["items"] if i["runner"] == "uml" and i["enabled"]]
    uml = resolve_uml(L, any(i["type"] != "lrbench" for i in on) or bench_mode(L) == "debug")
    uml_bench = resolve_uml(L, any(i["type"] == "lrbench" for i in on), bench=True, debug=uml)
    for what, u in (("UML kernel (IGT, stress, commands)", uml), ("UML kernel (lrbench)", uml_bench)):
        if u.get("kernel"):
            log("%s: %s (%s)" % (what, u["kernel"], u.get("release")))
        elif u["reason"] != "no UML item":
            log("%s: its items will skip: %s" % (what, u["reason"]))
    envp = os.path.join(ndir, "environment.json")
    env_doc, _ = load_json(envp) if resumed else (None, None)
    env = environment(lrbench, L, uml, uml_bench)
    if env_doc and env_doc.get("suite_version") != env["suite_version"]:
        log("resumed night: suite version was %s, now %s (recorded per attempt)" % (
            env_doc.get("suite_version"), env["suite_version"]))
    write_json(envp, env)
    ctx = {"lrbench": lrbench, "uml": uml, "uml_bench": uml_bench, "env": env}

    manifest = {"schema": MANIFEST_SCHEMA, "format_version": FORMAT_VERSION, "lab": L["name"],
                "lab_file": rel(os.path.abspath(args.lab), ROOT), "description": L["description"],
                "host": L["host"], "night": night, "kind": kind, "clock": iso(now_utc()),
                "started": (prev_manifest or {}).get("started") or iso(), "finished": None,
                "complete": False, "resumed": resumed, "environment": env, "items": [],
                "budget_s": L["budget_s"], "budget_exhausted": False}

    def save_manifest():
        manifest["items"] = [done[i["name"]] for i in lab["items"] if i["name"] in done]
        write_json(os.path.join(ndir, "manifest.json"), manifest)

    interrupted = []

    def on_signal(sig, frame):
        interrupted.append(sig)
        p = RUNNING[0]
        if p:
            kill_tree(p.pid, signal.SIGTERM)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    save_manifest()
    t_start = time.monotonic()
    spent = sum((r.get("duration_s") or 0) for r in done.values())
    n = len(lab["items"])
    for k, it in enumerate(lab["items"], 1):
        name = it["name"]
        if interrupted:
            log("interrupted (signal %d) before %s: run the night again to resume" % (interrupted[0], name))
            return 128 + interrupted[0]
        if name in done:
            log("[%d/%d] %s: finished in an earlier run of this night (%s): kept" % (k, n, name, done[name]["status"]))
            continue
        idir = os.path.join(ndir, "items", name)
        if os.path.exists(idir):  # the run this journal says was cut short
            a = attempts.get(name, 1)
            aside = "%s.attempt-%d" % (idir, a)
            while os.path.exists(aside):
                a += 1
                aside = "%s.attempt-%d" % (idir, a)
            os.rename(idir, aside)
            log("[%d/%d] %s: an earlier run of it was cut short: output kept in %s; running it again" % (
                k, n, name, os.path.basename(aside)))
        left = L["budget_s"] - spent - (time.monotonic() - t_start)
        if left < 1:
            rec = {"name": name, "type": it["type"], "runner": it["runner"], "status": "skip",
                   "reason": "the night's budget (%g s) ran out before it" % L["budget_s"], "paths": {},
                   "metrics": it["metrics"] if it["type"] == "lrbench" else [], "duration_s": 0.0}
            manifest["budget_exhausted"] = True
        else:
            log("[%d/%d] %s: %s%s, timeout %d s" % (k, n, name, it["type"],
                                                    " in UML" if it["runner"] == "uml" else "", min(it["timeout_s"], left)))
            journal_append(journal, {"event": "start", "item": name, "time": iso()})
            rec = run_item(it, idir, ctx, left)
            if interrupted:
                log("[%d/%d] %s: interrupted (signal %d): not recorded; run the night again to resume" % (
                    k, n, name, interrupted[0]))
                return 128 + interrupted[0]
        rec["attempt"] = attempts.get(name, 0) + 1
        journal_append(journal, {"event": "done", "item": name, "time": iso(), "record": rec})
        done[name] = rec
        save_manifest()
        log("[%d/%d] %s: %s%s (%.1f s)" % (k, n, name, rec["status"],
                                          ": " + rec["reason"] if rec.get("reason") else "", rec.get("duration_s") or 0))

    # verdicts
    problems = []
    prev = find_nights(hostdir, night, kind, problems)
    oth = find_nights(hostdir, night + "~", other_kind(kind), problems)  # "~" sorts after: same day counts
    oth = [d for d in oth if d["night"] != night]
    manifest["previous_night"] = prev[0]["night"] if prev else None
    manifest["other_kind_night"] = oth[0]["night"] if oth else None
    problems = list(dict.fromkeys(problems))  # both kinds' searches see the same bad nights
    manifest["history_problems"] = problems
    for p in problems:
        log("history: " + p)
    cfg = {i["name"]: i for i in lab["items"]}
    for rec in manifest["items"]:
        rec["verdicts"] = []
        if rec["type"] != "lrbench" or not rec["paths"].get("result"):
            continue
        thr = cfg[rec["name"]]["threshold_pct"]
        thr = L["threshold_pct"] if thr is None else thr
        idir = os.path.join(ndir, "items", rec["name"])
        for against, docs in (("previous", prev), ("other-kind", oth)):
            if docs:
                rec["verdicts"].append(verdicts_for(rec, cfg[rec["name"]], idir, docs[0], hostdir,
                                                    lrbench, thr, against))
    manifest["summary"] = summarize(manifest, L["alert_on"], L["alert_min_change_pct"])
    try:
        manifest["summary"]["targets"] = night_targets(lrbench, ndir, manifest, prev[0] if prev else None, hostdir)
    except Exception as e:  # a result report.py cannot judge never costs the night its verdicts
        manifest["summary"]["targets"] = {"error": str(e)}
        log("targets not judged: %s" % e)
    manifest["finished"] = iso()
    manifest["complete"] = True
    manifest["pruned"] = prune(hostdir, keep, night)
    if manifest["pruned"]:
        log("retention %d: deleted night(s) %s" % (keep, ", ".join(manifest["pruned"])))
    text = summary_text(manifest)
    write_atomic(os.path.join(ndir, "summary.txt"), text)
    write_json(os.path.join(ndir, "summary.json"), dict(manifest["summary"], host=L["host"], night=night,
                                                       kind=kind, lab=L["name"]))
    write_json(os.path.join(ndir, "manifest.json"), manifest)
    import site_build  # noqa: E402  (gnuplot + HTML; kept apart from the runner)
    try:
        site_build.night_report(ndir, manifest)
    except Exception as e:  # the report never costs the night its verdicts
        log("night report failed: %s" % e)
    sys.stdout.write(text)
    sys.stdout.flush()
    if not args.no_site:
        site = args.site or os.environ.get("LR_SITE") or L["site"]
        site = site if os.path.isabs(site) else os.path.join(ROOT, site)
        try:
            site_build.publish(history, site, lrbench)
            log("site: %s" % os.path.join(site, "index.html"))
        except Exception as e:
            log("site not refreshed: %s" % e)
    return manifest["summary"]["exit_code"]


def cmd_check(args):
    rc = 0
    for f in args.labs:
        try:
            lab = labfile.load(f)
            print("%s: ok: lab %s, host %s, kind %s, %d item(s): %s" % (
                f, lab["lab"]["name"], lab["lab"]["host"], lab["lab"]["kind"], len(lab["items"]),
                ", ".join(i["name"] for i in lab["items"])))
        except labfile.LabError as e:
            print(str(e), file=sys.stderr)
            rc = EXIT_USAGE
    return rc


def cmd_site(args):
    import site_build
    history = args.history or os.environ.get("LR_HISTORY") or "results/history"
    history = history if os.path.isabs(history) else os.path.join(ROOT, history)
    lrbench = os.path.join(ROOT, os.environ.get("LRBENCH", "build/bin/lrbench"))
    site_build.publish(history, args.out, lrbench)
    print("nightly: site: %s" % os.path.join(os.path.abspath(args.out), "index.html"))
    return 0


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="nightly.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    r = sub.add_parser("run", help="run (or resume) tonight's night")
    r.add_argument("lab")
    r.add_argument("--kind", choices=labfile.KINDS)
    r.add_argument("--night", help="night name (default: the UTC date of the clock)")
    r.add_argument("--history")
    r.add_argument("--site")
    r.add_argument("--no-site", action="store_true")
    c = sub.add_parser("check", help="validate lab files")
    c.add_argument("labs", nargs="+")
    s = sub.add_parser("site", help="build the static site from the history (atomically)")
    s.add_argument("--history")
    s.add_argument("--out", required=True)
    sub.add_parser("help-lab", help="every lab-file key")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else 0
    if args.cmd == "run":
        return cmd_run(args)
    if args.cmd == "check":
        return cmd_check(args)
    if args.cmd == "site":
        return cmd_site(args)
    if args.cmd == "help-lab":
        print(labfile.help_text())
        return 0
    ap.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
