#!/usr/bin/env bash
# HTML report of one lrbench run: scripts/report.sh DIR  (make report DIR=...)
# Writes DIR/report.html (scripts/report.py: metadata, summary table from
# `lrbench compare --json`, the plots in DIR/plots/ inlined, issue-5 targets).
# DIR may be a `make run` folder (DIR/<scenario>/result.json): one page for all.
# Run scripts/plots.sh DIR first for the plots (make report does).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: scripts/report.sh RUN_DIR" >&2; exit 2; }
[ -f "$1/result.json" ] || compgen -G "$1/*/result.json" >/dev/null ||
	{ echo "report: $1/result.json: no such file (nor DIR/<scenario>/result.json)" >&2; exit 2; }
exec /usr/bin/python3 "$here/report.py" "$1"
