#!/usr/bin/python3
"""Split one lrbench result into two: scripts/aa-split.py RUN_DIR A_DIR B_DIR

A_DIR/result.json gets the odd repetitions of RUN_DIR (1, 3, 5, ...), B_DIR
the even ones (2, 4, 6, ...): every metric's per_rep list and
repetitions.runs are split that way (per_rep holds one value per finished
repetition of its configuration, in order). Used by scripts/aa-check.sh
--mode interleaved: two halves of one run alternate in time exactly like
the configurations of a `configs = A, B` run, so `lrbench compare A_DIR
B_DIR` is an A/A compare under the design the mode verdicts use. Only what
compare reads is split (per_rep, per_rep_histograms, repetitions); each metric's pooled
summary and histogram are dropped (they describe the whole run), the
scenario's repetitions are set to each half's count. Exit 0, or 2 with a
message on bad input.
"""
import json
import os
import sys


def die(msg):
    print(f"aa-split: {msg}", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) != 4:
        die("usage: aa-split.py RUN_DIR A_DIR B_DIR")
    src, outs = sys.argv[1], sys.argv[2:]
    try:
        with open(os.path.join(src, "result.json")) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{src}/result.json: {e}")
    if not isinstance(doc, dict) or doc.get("schema") != "lrbench-result":
        die(f"{src}/result.json: not an lrbench-result document")
    runs = (doc.get("repetitions") or {}).get("runs") or []
    for half, out in enumerate(outs):
        d = json.loads(json.dumps(doc))
        part = runs[half::2]
        d["repetitions"]["runs"] = part
        d["repetitions"]["planned"] = d["repetitions"]["done"] = len(part)
        d["aa_split"] = {"from": os.path.abspath(src),
                         "repetitions": "odd" if half == 0 else "even"}
        for m in d.get("metrics") or []:
            for k in ("per_rep", "per_rep_histograms"):
                if isinstance(m.get(k), list):
                    m[k] = m[k][half::2]
            for k in ("summary", "histogram", "per_rep_stats"):
                m.pop(k, None)
        os.makedirs(out, exist_ok=True)
        tmp = os.path.join(out, "result.json.tmp")
        with open(tmp, "w") as f:
            json.dump(d, f, indent=1)
        os.replace(tmp, os.path.join(out, "result.json"))


if __name__ == "__main__":
    main()
