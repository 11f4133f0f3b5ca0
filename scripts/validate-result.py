#!/usr/bin/python3
"""Validate lrbench result.json files against results/lrbench-result.schema.json.

Beyond the schema it checks what a schema cannot: metrics are unique by
name + config, and every histogram's bin counts add up to its summary n.

Usage: scripts/validate-result.py RESULT.json|DIR [...]
       scripts/validate-result.py --metric-table LIST.json
The second form checks that the schema's per-metric pins and the metric
table in results/README.md agree with the metric table of lrbench
(`lrbench list --json` written to LIST.json; bench/metric_table.c).
Exit 0 when all validate, 1 when one does not, 2 on usage errors.
Runs with Debian's python3 and python3-jsonschema (/usr/bin/python3 on purpose:
a pyenv python earlier in PATH may lack the module).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate-result: python3-jsonschema is missing (make deps)")

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "results", "lrbench-result.schema.json")
README = os.path.join(HERE, "..", "results", "README.md")


def pins_of(table):
    """The schema's metric_v2 pins the metric table implies."""
    pins = []
    for t in table:
        then = {"properties": {"direction": {"const": t["direction"]},
                               "aggregation": {"const": t["aggregation"]}},
                "required": ["role", "aggregation"]}
        if t["unit"] != "<unit>/s":
            then["properties"]["unit"] = {"const": t["unit"]}
        if t["aggregation"] == "histogram":
            then["required"].append("histogram")
        pins.append({"if": {"properties": {"name": {"const": t["name"]}}, "required": ["name"]},
                     "then": then})
    return pins


def readme_rows():
    """{name: (unit, better, role)} from the README's metric tables: rows
    "| `name` | unit | better | role | ..." (a cell may list several names)."""
    rows = {}
    with open(README) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4 or not cells[0].startswith("`"):
                continue
            for name in cells[0].replace("`", "").split(","):
                rows[name.strip()] = (cells[1].replace("`", ""), cells[2], cells[3])
    return rows


def check_table(path, schema):
    with open(path) as f:
        table = json.load(f)["metrics"]
    errors = []
    if schema["$defs"]["metric_v2"]["allOf"] != pins_of(table):
        errors.append("schema: $defs/metric_v2 pins differ from the metric table "
                      "(regenerate them from lrbench list --json)")
    rows = readme_rows()
    for t in table:
        want = (t["unit"], t["direction"], t["role"])
        got = rows.get(t["name"])
        if got != want:
            errors.append(f"results/README.md: {t['name']}: row says {got}, "
                          f"the metric table {want} (unit, better, role)")
    for name in rows:
        if not any(t["name"] == name for t in table):
            errors.append(f"results/README.md: {name}: not in the metric table")
    for e in errors:
        print(f"validate-result: {e}", file=sys.stderr)
    if not errors:
        print(f"metric table: {len(table)} metrics; schema pins and results/README.md agree")
    return 1 if errors else 0


def semantic_errors(doc):
    """(where, message) pairs for a schema-valid document."""
    errors, seen = [], {}
    for i, m in enumerate(doc.get("metrics") or []):
        where = f"metrics/{i}"
        key = (m["name"], m.get("config"))
        if key in seen:
            errors.append((where, f"metric {m['name']} (config {m.get('config')}) "
                                  f"repeats metrics/{seen[key]}"))
        seen.setdefault(key, i)
        h = m.get("histogram")
        if h is not None:
            total = sum(b[2] for b in h["bins"])
            if total != m["summary"]["n"]:
                errors.append((where, f"{m['name']}: histogram bins count {total} "
                                      f"values, summary n is {m['summary']['n']}"))
    return errors


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(SCHEMA) as f:
        schema = json.load(f)
    if argv[1] == "--metric-table":
        if len(argv) != 3:
            print(__doc__.strip(), file=sys.stderr)
            return 2
        return check_table(argv[2], schema)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for arg in argv[1:]:
        path = os.path.join(arg, "result.json") if os.path.isdir(arg) else arg
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read: {e}", file=sys.stderr)
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:10]:
            where = "/".join(str(p) for p in e.path) or "(root)"
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
        if not errors:
            errors = semantic_errors(doc)
            for where, msg in errors[:10]:
                print(f"{path}: {where}: {msg}", file=sys.stderr)
        if errors:
            bad += 1
        else:
            print(f"{path}: valid {doc.get('schema')} v{doc.get('format_version')} "
                  f"(status {doc.get('status')})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
