#!/usr/bin/python3
"""Validate lrbench result.json files against results/lrbench-result.schema.json.

Beyond the schema it checks what a schema cannot: metrics are unique by
name + config, and every histogram's bin counts add up to its summary n.

Usage: scripts/validate-result.py RESULT.json|DIR [...]
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
