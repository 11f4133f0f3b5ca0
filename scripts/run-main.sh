#!/usr/bin/env bash
# `make run`: the main job. By default (BACKEND=vlr) it boots the patched
# User-Mode Linux kernel (scripts/uml-build.sh builds it when needed, then
# scripts/uml-run.sh) and runs lrbench's vlr-compare scenario inside it on the
# vlr device, alternating the modes open-coded / preempt-fence; the results
# folder is mounted read-write in UML. With BACKEND=opencl it runs the
# default scenario on the host's OpenCL device (PoCL's CPU device on a
# machine without a GPU). Either way it writes results/runs/<UTC timestamp>/,
# prints the summary (and, for vlr, the open-coded vs preempt-fence compare
# table), draws the plots (scripts/plots.sh), writes the HTML report
# (scripts/report.sh) and prints the report's path. Environment / make
# variables:
#   BACKEND=NAME     vlr (default) or opencl (or any backend: run on the host)
#   LR_UML_KERNEL=P  vlr: use this UML kernel instead of scripts/uml-build.sh's
#   DEVICE=SEL       device selector ("P:D" or a name substring)
#   SCENARIO=NAME    scenario name or file (default: default)
#   DURATION=S       seconds per repetition (scales the phases)
#   REPS=N           repetitions
# Exit status is lrbench's: 0 pass, 1 failure, 77 skip (reason printed).
set -uo pipefail
cd "$(dirname "$0")/.."

lrbench=${LRBENCH:-build/bin/lrbench}
[ -x "$lrbench" ] || { echo "run: $lrbench is not built (make all)" >&2; exit 1; }

backend=${BACKEND:-vlr}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=results/runs/$stamp
n=1
while [ -e "$dir" ]; do dir=results/runs/$stamp-$n; n=$((n + 1)); done

if [ "$backend" = vlr ]; then
	# short form of vlr-compare: 6 repetitions (3 per mode) of 12 s, ~2 min
	scenario=${SCENARIO:-vlr-compare}
	duration=${DURATION:-12}
	reps=${REPS:-6}
else
	scenario=${SCENARIO:-default}
	duration=${DURATION:-}
	reps=${REPS:-}
fi
args=(run "$scenario" -o "$dir" --summary --backend "$backend")
[ -n "${DEVICE:-}" ] && args+=(--device "$DEVICE")
[ -n "$duration" ] && args+=(--duration "$duration")
[ -n "$reps" ] && args+=(--reps "$reps")

if [ "$backend" = vlr ]; then
	if [ -n "${LR_UML_KERNEL:-}" ]; then
		kernel=$LR_UML_KERNEL
	else
		echo "run: vlr: [1/3] UML kernel with the vlr device (scripts/uml-build.sh; cached after" \
			"the first build, cold ~4 min on 2 cores)"
		kernel=$(scripts/uml-build.sh --print-path) || {
			echo "run: vlr: building the UML kernel failed (messages above)" >&2
			exit 1
		}
	fi
	[ -x "$kernel" ] || { echo "run: vlr: UML kernel $kernel is not executable" >&2; exit 1; }
	mkdir -p "$dir"
	abs=$(cd "$dir" && pwd)
	echo "run: vlr: [2/3] booting UML ($kernel) and running in it: $lrbench ${args[*]}"
	scripts/uml-run.sh --kernel "$kernel" --out "$abs" --timeout "${LR_UML_TIMEOUT:-900}" \
		--no-kmemleak -- "$lrbench" "${args[@]}"
	rc=$?
	echo "run: vlr: [3/3] plots and report on the host"
else
	echo "run: $lrbench ${args[*]}"
	"$lrbench" "${args[@]}"
	rc=$?
fi
case $rc in
0) verdict=pass ;;
97) verdict="FAILED: kernel splat in UML (see $dir/kernel.log)" ;;
77) verdict="skipped (reason above)" ;;
2) verdict="usage error" ;;
*) verdict="FAILED (exit $rc)" ;;
esac
if [ -f "$dir/result.json" ]; then
	# the summary is printed by lrbench --summary; say where everything is
	echo "run: $verdict; results in $dir/ (result.json, timeline.csv, pressure.csv)"
	echo "run: lrbench show $dir   # to print the summary again"
	if [ "$backend" = vlr ] && [ "$rc" -eq 0 ]; then
		"$lrbench" compare "$dir" "$dir" --a-config open-coded --b-config preempt-fence
	fi
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
