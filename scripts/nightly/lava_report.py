#!/usr/bin/python3
"""Report a night to LAVA: every item and every key metric through lava-test-case.

Usage: lava_report.py LAB.ini [--night NAME] [--exit-status N] [--history DIR]

Reads the newest complete night of the lab file's host in the history
(LR_HISTORY, else [lab] history; --night picks one) and calls, in order:

  lava-test-case ITEM --result pass|fail|skip --measurement SECONDS --units s
      one per item (fail = fail, crash or timeout)
  lava-test-case ITEM.METRIC[.CONFIG] --result pass|fail --measurement MEDIAN --units UNIT
      one per key metric (the lab file's `metrics`) and configuration of every
      lrbench item with a result: the median of its per-repetition values;
      fail when this night's summary lists a regression of it that alerts
  lava-test-case target.ITEM.TARGET --result pass|fail|unknown --measurement VALUE --units ratio
      one per target cell the night judged (lab/README.md, "Targets"): met,
      missed or inconclusive; VALUE is the ratio the goal is stated on (no
      measurement where it is undefined)
  lava-test-case targets-held --result pass|unknown|skip --measurement H --units cells
      H of the cells kept the previous night's verdict: pass when all did,
      unknown when one changed (its claim is not confirmed; never a failure
      of the night), skip without a previous night of the kind or when it
      judged none of tonight's cells
  lava-test-case nightly-alert --result pass|fail --measurement N --units exit-status
      N = the night's exit status (--exit-status, else the manifest's)

Names keep [-_.a-zA-Z0-9] (others become _). LAVA_TEST_CASE names the
helper (default lava-test-case, which LAVA puts on PATH in a test shell);
without it the calls are printed, one per line, and nothing is run.
Exit 0, or 2 when there is no night to report.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import labfile  # noqa: E402
import nightly  # noqa: E402
import site_build  # noqa: E402


def name(*parts):
    return ".".join(re.sub(r"[^-_.a-zA-Z0-9]", "_", p) for p in parts if p)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lab")
    ap.add_argument("--night")
    ap.add_argument("--history")
    ap.add_argument("--exit-status", type=int)
    a = ap.parse_args(argv)
    try:
        lab = labfile.load(a.lab)
    except labfile.LabError as e:
        print(e, file=sys.stderr)
        return 2
    hist = a.history or os.environ.get("LR_HISTORY") or lab["lab"]["history"]
    hist = hist if os.path.isabs(hist) else os.path.join(nightly.ROOT, hist)
    hostdir = os.path.join(hist, lab["lab"]["host"])
    m = None
    for n in reversed(nightly.night_dirs(hostdir)):
        if a.night and n != a.night:
            continue
        doc, err = nightly.load_manifest(os.path.join(hostdir, n, "manifest.json"))
        if doc and doc.get("complete"):
            m = doc
            break
        print("lava-report: night %s: %s" % (n, err or "not complete"), file=sys.stderr)
    if not m:
        print("lava-report: no complete night of host %s in %s" % (lab["lab"]["host"], hist), file=sys.stderr)
        return 2
    helper = os.environ.get("LAVA_TEST_CASE", "lava-test-case")
    run = shutil.which(helper) is not None
    if not run:
        print("lava-report: %s not found: printing the calls" % helper, file=sys.stderr)
    calls = []
    for r in m["items"]:
        res = {"pass": "pass", "skip": "skip"}.get(r["status"], "fail")
        calls.append([name(r["name"]), "--result", res, "--measurement", "%.3f" % (r.get("duration_s") or 0),
                      "--units", "s"])
    alerts = {(e["item"], e["metric"], e.get("config") or "") for e in m["summary"]["regressions"] if e.get("alert")}
    for r in m["items"]:
        if r.get("type") != "lrbench" or not (r.get("paths") or {}).get("result"):
            continue
        res = os.path.join(hostdir, m["night"], "items", r["name"], r["paths"]["result"])
        for metric in r.get("metrics") or []:
            pts, err = site_build.metric_points(res, metric)
            if err:
                print("lava-report: %s" % err, file=sys.stderr)
                break
            for cfg, (med, lo, hi, unit, direc) in sorted(pts.items()):
                bad = (r["name"], metric, cfg) in alerts
                calls.append([name(r["name"], metric, cfg), "--result", "fail" if bad else "pass",
                              "--measurement", "%.6g" % med, "--units", re.sub(r"\s+", "_", unit) or "value"])
    t = m["summary"].get("targets") or {}
    for c in t.get("cells") or []:
        res = {"met": "pass", "missed": "fail"}.get(c["verdict"], "unknown")
        call = [name("target", c["item"], c["target"]), "--result", res]
        if c.get("value") is not None:  # none where a ratio is undefined (a median of 0)
            call += ["--measurement", "%.6g" % c["value"], "--units", "ratio"]
        calls.append(call)
    if t.get("cells"):
        if t.get("previous_night") and t.get("compared"):
            calls.append(["targets-held", "--result", "pass" if t["held"] == t["compared"] else "unknown",
                          "--measurement", str(t["held"]), "--units", "cells"])
        else:
            calls.append(["targets-held", "--result", "skip", "--measurement", "0", "--units", "cells"])
    code = a.exit_status if a.exit_status is not None else m["summary"]["exit_code"]
    calls.append(["nightly-alert", "--result", "fail" if code else "pass", "--measurement", str(code),
                  "--units", "exit-status"])
    for c in calls:
        if run:
            subprocess.run([helper] + c, check=False)
        else:
            print(" ".join(["lava-test-case"] + c))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
