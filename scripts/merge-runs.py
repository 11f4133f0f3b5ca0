#!/usr/bin/python3
"""Merge separate lrbench runs into one run directory with configurations.

Usage: scripts/merge-runs.py OUT_DIR NAME=RUN_DIR NAME=RUN_DIR [...]

Each RUN_DIR's metrics, repetitions and CSV rows are labelled with the
configuration NAME (metric/repetition field `config`, CSV column `config`;
results/README.md) and written to OUT_DIR (must not hold a result.json), so
`make plots`/`make report` overlay them and the report's summary table
compares them (e.g. two OpenCL devices, or two kernels, measured by
separate `lrbench run`s). Repetitions are renumbered in order. Top-level
fields (host, kernel, backend, device, scenario) come from the first run;
the merged status is the worst of the inputs. Nothing is measured or
changed: every number is copied from its run.
Exit 0 on success, 2 on usage or input errors.
"""
import csv
import io
import json
import os
import re
import sys

NAME_RE = re.compile(r"^[A-Za-z0-9_.=+-]+$")
STATUS_ORDER = ["pass", "incomplete", "skip", "fail"]


def die(msg):
    print(f"merge-runs: {msg}", file=sys.stderr)
    sys.exit(2)


def load(d):
    path = os.path.join(d, "result.json")
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{path}: cannot read: {e}")
    if doc.get("schema") != "lrbench-result" or doc.get("format_version") not in (1, 2):
        die(f"{path}: not an lrbench-result v1 or v2 document")
    for m in doc.get("metrics") or []:
        if m.get("config"):
            die(f"{path}: metric {m.get('name')} already has config '{m['config']}'")
    return doc


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = argv[1]
    inputs = []
    for a in argv[2:]:
        name, sep, d = a.partition("=")
        if not sep or not name or not d:
            die(f"'{a}': expected NAME=RUN_DIR")
        if not NAME_RE.match(name):
            die(f"'{name}': configuration names use [A-Za-z0-9_.=+-]")
        if name in [n for n, _, _ in inputs]:
            die(f"configuration '{name}' given twice")
        inputs.append((name, d, load(d)))
    if os.path.exists(os.path.join(out, "result.json")):
        die(f"{out}: already holds a result.json (results are never overwritten)")
    os.makedirs(out, exist_ok=True)

    merged = json.loads(json.dumps(inputs[0][2]))
    merged["metrics"], runs = [], []
    statuses, reasons, planned, done, duration = [], [], 0, 0, 0.0
    tables = {"timeline": [], "pressure": []}
    headers = {}
    for name, d, doc in inputs:
        statuses.append(doc.get("status", "fail"))
        if doc.get("reason"):
            reasons.append(f"{name}: {doc['reason']}")
        reps = doc.get("repetitions") or {}
        renumber = {}
        for r in reps.get("runs") or []:
            r = dict(r)
            renumber[r["rep"]] = len(runs) + 1
            r["rep"], r["config"] = len(runs) + 1, name
            runs.append(r)
        planned += reps.get("planned", 0)
        done += reps.get("done", 0)
        duration += doc.get("duration_s") or 0
        for m in doc.get("metrics") or []:
            m = dict(m)
            m["config"] = name
            merged["metrics"].append(m)
        for key in tables:
            fname = (doc.get("files") or {}).get(key, f"{key}.csv")
            path = os.path.join(d, fname)
            if not os.path.exists(path):
                continue
            with open(path, newline="") as f:
                rd = csv.DictReader(f)
                hdr = [h for h in (rd.fieldnames or []) if h != "config"]
                if headers.setdefault(key, hdr) != hdr:
                    die(f"{path}: columns {hdr} differ from the first run's {headers[key]}")
                for i, row in enumerate(rd, 2):
                    try:
                        row["rep"] = str(renumber[int(row["rep"])])
                    except (KeyError, ValueError):
                        die(f"{path}:{i}: rep '{row.get('rep')}' is not a repetition of the run")
                    row["config"] = name
                    tables[key].append(row)
    merged["status"] = max(statuses, key=STATUS_ORDER.index)
    merged["reason"] = "; ".join(reasons)
    merged["cancelled"] = any(doc.get("cancelled") for _, _, doc in inputs)
    merged["duration_s"] = duration
    merged["repetitions"] = {"planned": planned, "done": done, "runs": runs}
    merged["scenario"]["description"] = ("merged: " + ", ".join(
        f"{n} = {d}" for n, d, _ in inputs))
    for key, rows in tables.items():
        if key not in headers:
            continue
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=headers[key] + ["config"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        write_atomic(os.path.join(out, merged["files"].get(key, f"{key}.csv")), buf.getvalue())
    write_atomic(os.path.join(out, "result.json"), json.dumps(merged, indent=2) + "\n")
    print(f"merge-runs: {out}/result.json: {len(inputs)} configurations "
          f"({', '.join(n for n, _, _ in inputs)}), {done} repetitions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
