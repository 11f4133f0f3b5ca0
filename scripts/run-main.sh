#!/usr/bin/env bash
# `make run`: the main job. Runs lrbench's default scenario with the OpenCL
# backend on the default device (PoCL's CPU device on a machine without a
# GPU), writes results/runs/<UTC timestamp>/, prints the summary, draws the
# plots (scripts/plots.sh) and writes the HTML report (scripts/report.sh),
# and prints the report's path. Environment / make variables:
#   BACKEND=NAME     workload backend (default: the scenario's, opencl)
#   DEVICE=SEL       device selector ("P:D" or a name substring)
#   SCENARIO=NAME    scenario name or file (default: default)
#   DURATION=S       seconds per repetition (scales the phases)
#   REPS=N           repetitions
# Exit status is lrbench's: 0 pass, 1 failure, 77 skip (reason printed).
set -uo pipefail
cd "$(dirname "$0")/.."

lrbench=${LRBENCH:-build/bin/lrbench}
[ -x "$lrbench" ] || { echo "run: $lrbench is not built (make all)" >&2; exit 1; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=results/runs/$stamp
n=1
while [ -e "$dir" ]; do dir=results/runs/$stamp-$n; n=$((n + 1)); done

args=(run "${SCENARIO:-default}" -o "$dir" --summary)
[ -n "${BACKEND:-}" ] && args+=(--backend "$BACKEND")
[ -n "${DEVICE:-}" ] && args+=(--device "$DEVICE")
[ -n "${DURATION:-}" ] && args+=(--duration "$DURATION")
[ -n "${REPS:-}" ] && args+=(--reps "$REPS")

echo "run: $lrbench ${args[*]}"
"$lrbench" "${args[@]}"
rc=$?
case $rc in
0) verdict=pass ;;
77) verdict="skipped (reason above)" ;;
2) verdict="usage error" ;;
*) verdict="FAILED (exit $rc)" ;;
esac
if [ -f "$dir/result.json" ]; then
	# the summary is printed by lrbench --summary; say where everything is
	echo "run: $verdict; results in $dir/ (result.json, timeline.csv, pressure.csv)"
	echo "run: lrbench show $dir   # to print the summary again"
	# plots and report are made for every result (a skip gets a report that says why);
	# their failure makes the run fail only when the run itself passed
	if scripts/plots.sh "$dir" && LRBENCH=$lrbench scripts/report.sh "$dir"; then
		echo "run: report: $dir/report.html"
	else
		echo "run: plots/report failed (messages above)" >&2
		[ "$rc" -eq 0 ] && rc=1
	fi
else
	echo "run: $verdict; no result was written" >&2
fi
exit $rc
