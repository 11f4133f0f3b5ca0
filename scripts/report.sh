#!/usr/bin/env bash
# HTML report of one lrbench run: scripts/report.sh DIR  (make report DIR=...)
# Writes DIR/report.html (scripts/report.py: metadata, summary table from
# `lrbench compare --json`, the plots in DIR/plots/ inlined, issue-5 targets).
# Run scripts/plots.sh DIR first for the plots (make report does).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: scripts/report.sh RUN_DIR" >&2; exit 2; }
[ -f "$1/result.json" ] || { echo "report: $1/result.json: no such file" >&2; exit 2; }
exec /usr/bin/python3 "$here/report.py" "$1"
