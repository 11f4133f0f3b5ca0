#!/usr/bin/env bash
# A/A acceptance check of lrbench compare (issue 12): N pairs of identical
# samples, each pair compared with `lrbench compare --json`; every
# significant verdict (regressed or improved) between two identical
# configurations is a false alarm. Prints one line per pair and the counts
# per backend.
#
#   scripts/aa-check.sh [--pairs N] [--mode interleaved|sequential]
#                       [--backends "opencl vlr"] [--out DIR]
#
#   --mode interleaved (default): each pair is ONE run of 2 x REPS
#           repetitions, split into its odd (A) and even (B) repetitions
#           (scripts/aa-split.py): the two sides alternate in time like the
#           configurations of one run (A B A B ...), the design every mode
#           verdict of `make run` rests on, so a slow change of the
#           machine's load hits both sides. This checks the error rate the
#           method claims (<= 5 % of compares with any false verdict).
#   --mode sequential: each pair is two runs back to back (A, then B), as
#           two nightly runs are compared: it also counts every change of
#           the machine between the runs (another engineer's build starting)
#           as a difference, which is real for the machine but not for the
#           software. Repetitions are exchangeable within a run, not across
#           runs, so this mode can exceed 5 % on a shared machine.
#
#   opencl  the `default` scenario (make run BACKEND=opencl) on the host's
#           OpenCL device (PoCL without a GPU), OPENCL_REPS repetitions
#           (default 10) of OPENCL_DURATION s (default: the scenario's)
#   vlr     vlr-steady in preempt-fence mode only (one config, so the two
#           runs of a pair are identical), VLR_REPS (default 10) x
#           VLR_DURATION s (default 2.5), all pairs in one UML boot
#           (scripts/uml-run.sh) on make run's kernel (uml-bench.config,
#           or the fragment LR_UML_CONFIG names; LR_UML_KERNEL picks a binary)
#
# Pairs follow each other. Not part of `make test` (10 pairs take about 8
# (vlr) and 12 (PoCL) minutes on 2 cores). Results: DIR/<backend>/pair-<i>-{a,b}/
# (interleaved: DIR/<backend>/run-<i>/ holds the run, pair-<i>-{a,b}/ its
# halves) and DIR/<backend>/compare-<i>.json; DIR/uptime.txt the load
# averages before and after each backend.
#
# Exit status: 0 when every run and compare ran (whatever the count), 1 when
# a run or a compare failed, 2 on usage errors.
set -uo pipefail
cd "$(dirname "$0")/.."

lrbench=${LRBENCH:-build/bin/lrbench}
pairs=10
backends="opencl vlr"
mode=interleaved
out=

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}

# --- inside UML: run the vlr pairs ------------------------------------------
if [ "${1:-}" = --in-uml ]; then
	dir=$2 n=$3 reps=$4 duration=$5 mode=$6
	rc=0
	if [ "$mode" = interleaved ]; then
		sides="run" nreps=$((2 * reps))
	else
		sides="a b" nreps=$reps
	fi
	for i in $(seq 1 "$n"); do
		for side in $sides; do
			out=$dir/pair-$i-$side
			[ "$side" = run ] && out=$dir/run-$i
			echo "aa: vlr pair $i/$n, $side"
			"$lrbench" run vlr-steady -o "$out" --backend vlr --reps "$nreps" \
				--duration "$duration" --set scenario.configs=preempt-fence \
				>"$out.log" 2>&1 || {
				echo "aa: vlr pair $i $side: exit $? (log: $out.log)"
				rc=1
			}
		done
	done
	exit $rc
fi

while [ $# -gt 0 ]; do
	case $1 in
	--pairs | --backends | --out | --mode)
		[ $# -ge 2 ] || { echo "aa-check: $1 needs a value" >&2; exit 2; } ;;&
	--pairs) pairs=${2:-}; shift 2 ;;
	--backends) backends=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--mode) mode=${2:-}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "aa-check: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
done
[[ $pairs =~ ^[1-9][0-9]*$ ]] || { echo "aa-check: --pairs '$pairs': a positive integer" >&2; exit 2; }
[ "$mode" = interleaved ] || [ "$mode" = sequential ] || {
	echo "aa-check: --mode '$mode': interleaved or sequential" >&2
	exit 2
}
for b in $backends; do
	[ "$b" = opencl ] || [ "$b" = vlr ] || {
		echo "aa-check: --backends: '$b' is neither opencl nor vlr" >&2
		exit 2
	}
done
for v in OPENCL_REPS VLR_REPS; do
	[ -z "${!v:-}" ] || [[ ${!v} =~ ^[1-9][0-9]*$ ]] || {
		echo "aa-check: $v='${!v}': a positive integer" >&2
		exit 2
	}
done
for v in OPENCL_DURATION VLR_DURATION; do
	[ -z "${!v:-}" ] || [[ ${!v} =~ ^[0-9]+([.][0-9]+)?$ ]] || {
		echo "aa-check: $v='${!v}': a positive number of seconds" >&2
		exit 2
	}
done
[ -x "$lrbench" ] || { echo "aa-check: $lrbench is not built (make all)" >&2; exit 1; }
out=${out:-build/aa/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" || exit 1
status=0

# compare every pair of BACKEND's folder; one line each, then the counts
report() {
	local b=$1 dir=$out/$1 i
	for i in $(seq 1 "$pairs"); do
		if [ "$mode" = interleaved ] && [ -f "$dir/run-$i/result.json" ] &&
			! /usr/bin/python3 scripts/aa-split.py "$dir/run-$i" "$dir/pair-$i-a" "$dir/pair-$i-b" \
				2>"$dir/split-$i.err"; then
			echo "aa-check: $b pair $i: split failed: $(head -3 "$dir/split-$i.err")" >&2
			status=1
		fi
		if [ ! -f "$dir/pair-$i-a/result.json" ] || [ ! -f "$dir/pair-$i-b/result.json" ]; then
			echo "{\"missing\": true}" >"$dir/compare-$i.json"
			continue
		fi
		"$lrbench" compare --json --ci-level 0.95 "$dir/pair-$i-a" "$dir/pair-$i-b" >"$dir/compare-$i.json" \
			2>"$dir/compare-$i.err"
		case $? in
		0 | 1) ;;
		*) echo "aa-check: $b pair $i: compare failed: $(head -3 "$dir/compare-$i.err")" >&2
		   status=1 ;;
		esac
	done
	/usr/bin/python3 - "$b" "$dir" "$pairs" "$mode" <<-'PY'
		import json, sys
		backend, d, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
		alarms = exits = sig = judged = done = pooled = pooled_out = 0
		for i in range(1, n + 1):
		    try:
		        doc = json.load(open(f"{d}/compare-{i}.json"))
		    except (OSError, ValueError):
		        doc = {"missing": True}
		    if doc.get("missing") or "counts" not in doc:
		        print(f"  {backend} pair {i}: no comparison (a run failed or is missing)")
		        continue
		    done += 1
		    c = doc["counts"]
		    rows = [r for r in doc["rows"] if r.get("verdict") in ("regressed", "improved")]
		    judged += sum(1 for r in doc["rows"] if r.get("p") is not None)
		    sig += len(rows)
		    alarms += bool(rows)
		    exits += doc.get("exit_status") == 1
		    # percentiles pooled over repetitions (cluster bootstrap, 95 %):
		    # an interval of the ratio that excludes 1 is a false alarm
		    for r in doc["rows"]:
		        ci = (r.get("pooled") or {}).get("ci") or {}
		        if ci.get("lo") is not None and ci.get("hi") is not None:
		            pooled += 1
		            pooled_out += not (ci["lo"] <= 1 <= ci["hi"])
		    what = ", ".join(f"{r['name']} {r['verdict']} ({r.get('change_pct')} %)"
		                     for r in rows) or "no significant verdict"
		    print(f"  {backend} pair {i}: exit {doc.get('exit_status')}, "
		          f"{c['regressed']} regressed, {c['improved']} improved, "
		          f"{c['inconclusive']} inconclusive, {c['unchanged']} unchanged: {what}")
		print(f"aa-check: {backend} ({mode}): {done} pairs compared, {alarms} with a false alarm "
		      f"({exits} exited 1), {sig} significant verdicts of {judged} judged metrics; "
		      f"pooled percentiles: {pooled_out} of {pooled} 95 % intervals exclude 1")
	PY
}

for b in $backends; do
	mkdir -p "$out/$b"
	echo "$b $mode before: $(uptime)" >>"$out/uptime.txt"
	if [ "$b" = opencl ]; then
		for i in $(seq 1 "$pairs"); do
			if [ "$mode" = interleaved ]; then
				sides=run nreps=$((2 * ${OPENCL_REPS:-10}))
			else
				sides="a b" nreps=${OPENCL_REPS:-10}
			fi
			for side in $sides; do
				dest=$out/opencl/pair-$i-$side
				[ "$side" = run ] && dest=$out/opencl/run-$i
				echo "aa-check: opencl pair $i/$pairs, $side"
				args=(run default -o "$dest" --backend opencl --reps "$nreps")
				[ -n "${OPENCL_DURATION:-}" ] && args+=(--duration "$OPENCL_DURATION")
				"$lrbench" "${args[@]}" >"$dest.log" 2>&1 || {
					echo "aa-check: opencl pair $i $side: exit $? (log: $dest.log)" >&2
					status=1
				}
			done
		done
	else
		kernel=${LR_UML_KERNEL:-$(scripts/uml-build.sh --bench --print-path)} || {
			echo "aa-check: no UML kernel (scripts/uml-build.sh failed)" >&2
			exit 1
		}
		kargs=(--kernel "$kernel")
		abs=$(cd "$out/vlr" && pwd)
		reps=${VLR_REPS:-10} dur=${VLR_DURATION:-2.5}
		LRBENCH=$lrbench scripts/uml-run.sh "${kargs[@]}" --out "$abs" --no-kmemleak \
			--env LRBENCH --timeout $((pairs * 2 * reps * (${dur%.*} + 2) + 120)) \
			-- scripts/aa-check.sh --in-uml "$abs" "$pairs" "$reps" "$dur" "$mode" ||
			status=1
	fi
	echo "$b $mode after: $(uptime)" >>"$out/uptime.txt"
	report "$b"
	grep "^$b $mode" "$out/uptime.txt"
done
exit $status
