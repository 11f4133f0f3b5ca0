#!/usr/bin/env bash
# `make run`: the main job.
#
# BACKEND=vlr (default): builds (cached) and boots the patched User-Mode Linux
# kernel ONCE (scripts/uml-build.sh, scripts/uml-run.sh) and runs the default
# comparison inside it on the vlr device: the scenarios vlr-steady, vlr-burst,
# vlr-ramp, vlr-scaling and vlr-mixed, 10 repetitions per mode each (table
# below; vlr-scaling with 1 and 8 queues only), about 8 minutes in all.
# lrbench alternates the device modes open-coded / preempt-fence across
# repetitions.
# Each scenario writes results/runs/<UTC stamp>/<scenario>/ (result.json is
# rewritten after every repetition, so killing the run loses nothing already
# finished); the run folder is mounted read-write in UML. Then, on the host:
# plots per scenario (scripts/plots.sh), the open-coded vs preempt-fence
# compare table per scenario (pairs -qN of the scaling runs too), one HTML
# report for the whole run (scripts/report.py results/runs/<stamp>, which
# also prints the targets, writes them to targets.json and says which
# verdicts held from the previous run of the same plan) and the report's path.
#
# BACKEND=opencl (or any backend but vlr): runs SCENARIO (default: default) on
# the host's device into results/runs/<stamp>/, plots, report.
#
# Environment / make variables:
#   BACKEND=NAME      vlr (default) or opencl (or any backend: run on the host)
#   SCENARIOS="A B"   vlr: scenarios to run in the one boot (default: the five above)
#   SCENARIO=NAME     opencl: scenario name or file (default: default)
#   DURATION=S        seconds per repetition, for every scenario (default: table)
#   REPS=N            repetitions, for every scenario (default: table)
#   SET="S.K=V ..."   scenario overrides for every scenario (lrbench --set
#                     S.K=V each, e.g. SET=pressure.evict_interval_ms=20)
#   DEVICE=SEL        device selector ("P:D" or a name substring)
#   PREVIOUS=DIR      the run whose target verdicts the report holds this one's
#                     against (held / changed per target); default auto: the
#                     newest earlier folder in results/runs of the same plan,
#                     kernel, device and host; none: no comparison
#   LR_UML_CONFIG=F   vlr: the config fragment of the kernel it builds
#                     (default kernel-patches/configs/uml-bench.config: the
#                     test tiers' uml-e2e.config without lockdep, KASAN,
#                     kmemleak, debug objects and fault injection, whose costs
#                     would be timed too; its release ends in -bench)
#   LR_UML_KERNEL=P   vlr: use this UML kernel instead of scripts/uml-build.sh's
#   LR_UML_TIMEOUT=S  vlr: kill the boot after S s (default: twice the plan + 120 s)
#
# Exit status: 0 when every scenario passed; otherwise the first failing
# scenario's lrbench status (1 failure, 2 usage, 77 skip when all skipped),
# 97 for a kernel splat in UML, 124 boot timeout, 130 interrupted. Plots and
# report are made for whatever finished, interrupted or not.
set -uo pipefail
cd "$(dirname "$0")/.."

lrbench=${LRBENCH:-build/bin/lrbench}

# The plan: scenario, repetitions (modes alternate: half per mode), seconds
# per repetition, extra lrbench arguments. 10 repetitions per mode: what
# lrbench compare's rank test needs to call a 20 % change at 10 % noise
# (fewer can never be significant, bench/README.md). Every scenario writes
# the eviction trigger every 10 ms of its pressure phase (open loop: the
# same evictions asked of both modes; scaling every N x 10 ms with N
# queues, each write moving all N), so each repetition counts 100 or
# more preempt/restore cycles of the job's queues; pressure phases (steady
# 2.4 s, burst 2.8 s, ramp 2.4 s, scaling 1.6 s, mixed 2.6 s) are as long
# as that needs in UML (bench/README.md gives the counts measured), scaling
# with 1 and 8 queues only (q2 and q4 would double its time; the full
# scenario has them). 402 s of repetitions plus ~0.3 s each (job start,
# mode switch, kernel trace and counter read-out, a trigger write still in
# flight at the end of the pressure phase, stop, verify): about 8 min for
# the whole make run with a cached kernel (measured: README.md).
default_plan() {
	cat <<-'EOF'
		vlr-steady 20 3.8
		vlr-burst 20 4.0
		vlr-ramp 20 3.6
		vlr-scaling 40 2.5 --set scenario.configs=open-coded-q1,preempt-fence-q1,open-coded-q8,preempt-fence-q8
		vlr-mixed 20 3.7
	EOF
}

# worst exit status of the scenarios: the first failure, else 77 when every
# one skipped, else 0. Reads "name rc" lines.
worst_rc() {
	awk 'BEGIN { bad = 0; n = 0; skipped = 0 }
	     { n++; if ($2 == 77) skipped++; else if ($2 != 0 && !bad) bad = $2 }
	     END { if (bad) print bad; else if (n && skipped == n) print 77; else print 0 }'
}

# ---------------------------------------------------------------------------
# Inside UML (PID 1's command): run each "scenario reps duration" line of
# DIR/scenarios.plan in order, each into DIR/<scenario>/.
if [ "${1:-}" = --in-uml ]; then
	dir=$2
	plan=$dir/scenarios.plan
	[ -r "$plan" ] || { echo "run: inside UML: $plan: no such file" >&2; exit 2; }
	n=$(grep -c . "$plan")
	i=0
	: >"$dir/scenarios.done"
	while read -r name reps duration extra; do
		i=$((i + 1))
		echo "run: [$i/$n] $name: $reps repetitions x $duration s${extra:+ ($extra)}"
		t0=$(date +%s)
		args=(run "$name" -o "$dir/$name" --summary --backend vlr --reps "$reps"
			--duration "$duration")
		# extra arguments of the plan line (--set section.key=value ...)
		read -ra more <<<"$extra"
		args+=("${more[@]}")
		[ -n "${DEVICE:-}" ] && args+=(--device "$DEVICE")
		# the host asks to stop by creating DIR/.stop (make run got SIGINT or
		# SIGTERM): lrbench then gets SIGTERM, stops and verifies the job and
		# writes what it measured. The file is found by reading the directory
		# (a glob), since hostfs may cache a failed lookup of its name.
		"$lrbench" "${args[@]}" </dev/null &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			if compgen -G "$dir/.sto[p]" >/dev/null; then
				echo "run: [$i/$n] $name: stop requested: cancelling lrbench"
				kill -TERM "$pid"
				break
			fi
			sleep 1
		done
		wait "$pid"
		rc=$?
		# one line per finished scenario (fsync: the host keeps it if UML dies)
		echo "$name $rc $(($(date +%s) - t0))" >>"$dir/scenarios.done"
		sync "$dir/scenarios.done" 2>/dev/null || sync
		echo "run: [$i/$n] $name: exit $rc after $(($(date +%s) - t0)) s"
		# lrbench cancelled by a signal, or a stop requested: stop here
		[ "$rc" -gt 128 ] && break
		compgen -G "$dir/.sto[p]" >/dev/null && break
	done <"$plan"
	exit "$(worst_rc <"$dir/scenarios.done")"
fi
# ---------------------------------------------------------------------------

[ -x "$lrbench" ] || { echo "run: $lrbench is not built (make all)" >&2; exit 1; }
for v in DURATION REPS; do
	val=${!v:-}
	[ -z "$val" ] || [[ $val =~ ^[0-9]+([.][0-9]+)?$ ]] || {
		echo "run: $v='$val': expected a positive number" >&2
		exit 2
	}
done
[ -z "${REPS:-}" ] || [[ ${REPS} =~ ^[1-9][0-9]*$ ]] || {
	echo "run: REPS='$REPS': expected a positive integer" >&2
	exit 2
}
case ${PREVIOUS:-auto} in
auto | none) ;;
*)
	[ -f "$PREVIOUS/result.json" ] || compgen -G "$PREVIOUS/*/result.json" >/dev/null || {
		echo "run: PREVIOUS='$PREVIOUS': no result.json in it or in its subfolders (a results/runs/<stamp> folder, auto or none)" >&2
		exit 2
	}
	;;
esac
if [ -n "${LR_UML_CONFIG:-}" ] && [ -z "${LR_UML_KERNEL:-}" ] && [ ! -f "$LR_UML_CONFIG" ]; then
	echo "run: LR_UML_CONFIG='$LR_UML_CONFIG': no such config fragment (e.g. kernel-patches/configs/uml-e2e.config)" >&2
	exit 2
fi
# SET: section.key=value words, each passed as --set (lrbench checks the
# key and the value; here only the shape, so the plan stays one line each)
set_args=()
for kv in ${SET:-}; do
	[[ $kv =~ ^[a-z_]+\.[a-z_0-9]+=[^[:space:]]+$ ]] || {
		echo "run: SET: '$kv': expected section.key=value (e.g. pressure.evict_interval_ms=20)" >&2
		exit 2
	}
	set_args+=(--set "$kv")
done

backend=${BACKEND:-vlr}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=results/runs/$stamp
n=1
while [ -e "$dir" ]; do dir=results/runs/$stamp-$n; n=$((n + 1)); done

interrupted=0
uml_pid=
# SIGINT/SIGTERM: the first asks the scenario loop in UML to stop (the
# current lrbench is cancelled, verifies its job and writes its result);
# a second one kills the boot. Finished scenarios are on disk either way.
on_signal() {
	interrupted=$((interrupted + 1))
	if [ -n "$uml_pid" ] && [ "$interrupted" -eq 1 ]; then
		echo "run: interrupted: stopping the current scenario (again to kill UML at once)" >&2
		: >"$dir/.stop"
	elif [ -n "$uml_pid" ]; then
		echo "run: interrupted again: killing the UML boot (session $uml_pid)" >&2
		pkill -TERM -s "$uml_pid" 2>/dev/null
	fi
}
trap on_signal INT TERM

report() { # plots + report of $dir; prints the path; returns non-zero on failure
	local rc=0 d
	if [ "$backend" = vlr ]; then
		for d in "$dir"/*/; do
			[ -f "$d/result.json" ] || continue
			scripts/plots.sh "${d%/}" || rc=1
		done
	elif [ -f "$dir/result.json" ]; then
		scripts/plots.sh "$dir" || rc=1
	fi
	# the verdicts against the previous run of the same plan (report.py
	# --previous: held or changed per target)
	local prev=(--previous "${PREVIOUS:-auto}")
	[ "${PREVIOUS:-auto}" = none ] && prev=()
	LRBENCH=$lrbench /usr/bin/python3 scripts/report.py "$dir" "${prev[@]}" || rc=1
	[ -f "$dir/report.html" ] && echo "run: report: $dir/report.html"
	return $rc
}

# The host's load averages into DIR/host-load.txt and on stdout: on a shared
# machine other work moves the measured rates and latencies (and so the
# verdicts), so every run says what it ran beside. WHEN: before / after.
host_load() {
	local l
	l=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
	echo "$1 $(date -u +%H:%M:%S) $l" >>"$dir/host-load.txt"
	echo "run: host load averages $1 (1, 5, 15 min): $l"
}

if [ "$backend" != vlr ]; then
	scenario=${SCENARIO:-default}
	args=(run "$scenario" -o "$dir" --summary --backend "$backend")
	[ -n "${DEVICE:-}" ] && args+=(--device "$DEVICE")
	[ -n "${DURATION:-}" ] && args+=(--duration "$DURATION")
	[ -n "${REPS:-}" ] && args+=(--reps "$REPS")
	args+=("${set_args[@]}")
	echo "run: [1/2] $lrbench ${args[*]}"
	mkdir -p "$dir"
	host_load before
	"$lrbench" "${args[@]}"
	rc=$?
	host_load after
	[ "$interrupted" -gt 0 ] && [ "$rc" -eq 0 ] && rc=130
	if [ ! -f "$dir/result.json" ]; then
		echo "run: no result was written (exit $rc)" >&2
		exit "$rc"
	fi
	echo "run: [2/2] plots and report of $dir"
	report || { [ "$rc" -eq 0 ] && rc=1; }
	echo "run: exit $rc; results in $dir/ (lrbench show $dir prints the summary again)"
	exit "$rc"
fi

# --- vlr: the default comparison in one UML boot ---------------------------
scen_dir=${LRBENCH_SCENARIOS:-bench/scenarios}
plan=$(mktemp /tmp/lrbench-plan-XXXXXX)
if [ -n "${SCENARIOS:-}" ]; then
	for s in $SCENARIOS; do
		line=$(default_plan | awk -v s="$s" '$1 == s')
		echo "${line:-$s 20 4}"
	done >"$plan"
else
	default_plan >"$plan"
fi
# scenario files that are not there are reported and left out
: >"$plan.ok"
while read -r name reps duration extra; do
	[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "run: scenario '$name': bad name" >&2; rm -f "$plan" "$plan.ok"; exit 2; }
	if [ ! -f "$scen_dir/$name.ini" ]; then
		echo "run: scenario $name: $scen_dir/$name.ini does not exist: left out of this run" >&2
		continue
	fi
	extra="$extra${set_args[*]:+ ${set_args[*]}}"
	echo "$name ${REPS:-$reps} ${DURATION:-$duration}${extra:+ $extra}" >>"$plan.ok"
done <"$plan"
mv "$plan.ok" "$plan"
if [ ! -s "$plan" ]; then
	echo "run: none of the scenarios exists in $scen_dir (SCENARIOS=... to choose)" >&2
	rm -f "$plan"
	exit 1
fi
total=$(awk '{ s += $2 * $3 } END { printf "%d", s }' "$plan")
mkdir -p "$dir"
mv "$plan" "$dir/scenarios.plan"
nreps=$(awk '{ s += $2 } END { print s }' "$dir/scenarios.plan")
echo "run: vlr: $(wc -l <"$dir/scenarios.plan") scenario(s) in one UML boot, ~$(((total + nreps * 7 / 10) / 60)) min $(((total + nreps * 7 / 10) % 60)) s of repetitions (about 0.7 s each for mode switch, kernel trace and counters, stop and verification):"
sed 's/^\([^ ]*\) \([^ ]*\) \([^ ]*\)\(.*\)/  \1: \2 repetitions x \3 s\4/' "$dir/scenarios.plan"

if [ -n "${LR_UML_KERNEL:-}" ]; then
	kernel=$LR_UML_KERNEL
else
	echo "run: vlr: [1/3] UML kernel with the vlr device (scripts/uml-build.sh --bench:" \
		"${LR_UML_CONFIG:-kernel-patches/configs/uml-bench.config}; cached after the first build," \
		"cold ~4 min on 2 cores)"
	kernel=$(scripts/uml-build.sh --bench --print-path) || {
		echo "run: vlr: building the UML kernel failed (messages above)" >&2
		exit 1
	}
fi
[ -x "$kernel" ] || { echo "run: vlr: UML kernel $kernel is not executable" >&2; exit 1; }
abs=$(cd "$dir" && pwd)
echo "run: vlr: [2/3] booting UML ($kernel); results in $dir/<scenario>/"
host_load before
env_args=()
[ -n "${DEVICE:-}" ] && env_args+=(--env DEVICE)
[ -n "${LRBENCH_SCENARIOS:-}" ] && env_args+=(--env LRBENCH_SCENARIOS)
# in its own session, so a Ctrl-C reaches only this script (on_signal),
# which stops the run cleanly instead of killing the console pipe
LRBENCH=$lrbench setsid scripts/uml-run.sh --kernel "$kernel" --out "$abs" \
	--timeout "${LR_UML_TIMEOUT:-$((total * 2 + 120))}" --no-kmemleak --env LRBENCH "${env_args[@]}" \
	-- scripts/run-main.sh --in-uml "$abs" &
uml_pid=$!
while :; do
	wait "$uml_pid"
	rc=$?
	# a trapped signal ends `wait` early while the boot still runs
	kill -0 "$uml_pid" 2>/dev/null || break
done
uml_pid=
host_load after
rm -f "$dir/.stop"
[ "$interrupted" -gt 0 ] && echo "run: interrupted: plots and report of what finished" >&2

echo "run: vlr: [3/3] plots, compare tables and the report on the host"
done_list=$dir/scenarios.done
while read -r name reps duration extra; do
	d=$dir/$name
	if [ ! -f "$d/result.json" ]; then
		echo "run: $name: not run (no $d/result.json)"
		continue
	fi
	st=$(awk -v s="$name" '$1 == s { print $2 }' "$done_list" 2>/dev/null)
	echo "run: $name: exit ${st:-? (did not finish)}"
	# open-coded vs preempt-fence, and each open-coded-qN vs preempt-fence-qN
	for b in $(/usr/bin/python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
seen = []
if not (doc.get("repetitions") or {}).get("done"):
    doc["metrics"] = []  # nothing measured: nothing to compare
for m in doc.get("metrics") or []:
    c = m.get("config") or ""
    if c.startswith("preempt-fence") and c not in seen:
        seen.append(c)
print(" ".join(seen))' "$d/result.json"); do
		a=open-coded${b#preempt-fence}
		"$lrbench" compare "$d" "$d" --a-config "$a" --b-config "$b" 2>&1 | sed "s/^/  /"
	done
done <"$dir/scenarios.plan"
report || { [ "$rc" -eq 0 ] && rc=1; }
[ "$interrupted" -gt 0 ] && { [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]; } && rc=130
case $rc in
0) verdict=pass ;;
97) verdict="FAILED: kernel splat in UML (see $dir/kernel.log)" ;;
77) verdict="skipped (reasons above)" ;;
124) verdict="FAILED: the boot ran past its timeout" ;;
130) verdict="interrupted" ;;
*) verdict="FAILED (exit $rc)" ;;
esac
echo "run: $verdict; results in $dir/ (per scenario: result.json, timeline.csv, pressure.csv, plots/)"
exit "$rc"
