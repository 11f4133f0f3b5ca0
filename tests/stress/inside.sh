#!/bin/bash
# Runs inside the test kernel (UML or the SMP guest; PID 1's child, see
# scripts/uml-run.sh): every stress item in order, each with its own timeout.
# Per item: its output in OUT/items/NAME.log, its figures (when the tool
# writes JSON) in OUT/items/NAME.json, one line "NAME<TAB>STATUS<TAB>SECONDS
# <TAB>DETAIL" appended to OUT/results.txt, a marker in the kernel log
# ("lrbench-stress: begin NAME") so the host can tell which item a splat came
# from, and a sync, so a kernel that dies later loses no finished item.
#
# Usage: inside.sh OUT RUNNER (uml | vm). Settings come from the environment
# (tests/stress/run.sh sets them; defaults here are the short CI forms):
#   LR_STRESS_FUZZ_TIME   seconds of fresh-seed fuzzing in all (40)
#   LR_STRESS_SEEDS       fresh seeds (2); LR_STRESS_SEED_LIST: fixed ones
#   LR_STRESS_SEED_TIME   seconds per regression seed without --time/--calls (10)
#   LR_STRESS_TRINITY_TIME  seconds of trinity (30; 0 skips it)
#   LR_STRESS_SOAK_CYCLES evict/restore cycles per mode (500)
#   LR_STRESS_SOAK_TIME   wall-time cap of the soak per mode (90)
#   LR_STRESS_SLACK       extra seconds the fault bounds allow (3)
#   LR_STRESS_ONLY        a regex: run only the items whose name matches
set -u
out=$1
runner=${2:-uml}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here" || exit 1
items=$out/items
mkdir -p "$items"
: >"$out/results.txt"

fuzz=$here/build/fuzz/vlr-fuzz
faults=$here/build/stress/vlr-faults
soak=$here/build/stress/vlr-soak
fuzz_time=${LR_STRESS_FUZZ_TIME:-40}
nseeds=${LR_STRESS_SEEDS:-2}
seed_time=${LR_STRESS_SEED_TIME:-10}
trinity_time=${LR_STRESS_TRINITY_TIME:-30}
soak_cycles=${LR_STRESS_SOAK_CYCLES:-500}
soak_time=${LR_STRESS_SOAK_TIME:-90}
slack=${LR_STRESS_SLACK:-3}
only=${LR_STRESS_ONLY:-}

say() { echo "stress[$runner]: $*"; }

# record NAME STATUS SECONDS DETAIL
record() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$out/results.txt"
	say "$1: $2 ($3 s) $4"
	# this half's figures so far (tests/stress/figures.py), written atomically
	python3 "$here/tests/stress/figures.py" --half "$out" 2>>"$out/figures.err"
	sync
}

# item NAME TIMEOUT DETAIL-REGEX CMD... — run CMD under timeout; 0 pass, 77
# skip, anything else fail. DETAIL-REGEX picks the line of CMD's output that
# goes into results.txt (the last one matching).
item() {
	local name=$1 t=$2 re=$3 rc status start dur detail
	shift 3
	if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
		return
	fi
	say "begin $name"
	echo "lrbench-stress: begin $name" >/dev/kmsg 2>/dev/null
	start=$(date +%s.%N)
	timeout -k 10 "$t" "$@" >"$items/$name.log" 2>&1
	rc=$?
	dur=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	echo "lrbench-stress: end $name rc=$rc" >/dev/kmsg 2>/dev/null
	case $rc in
	0) status=pass ;;
	77) status=skip ;;
	*) status=fail ;;
	esac
	detail=$(grep -aE "$re" "$items/$name.log" | tail -n 1 | tr '\t' ' ' | cut -c1-400)
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		detail="timed out after ${t}s; $detail"
	elif [ $status = fail ] && [ -z "$detail" ]; then
		detail="exit $rc: $(tail -n 3 "$items/$name.log" | tr '\n\t' '  ' | cut -c1-300)"
	fi
	record "$name" "$status" "$dur" "$detail"
	if [ $status = fail ]; then
		tail -n 12 "$items/$name.log" | sed "s/^/stress[$runner]:     /"
	fi
}

say "items in $out (fuzz ${fuzz_time}s over $nseeds fresh seeds, trinity ${trinity_time}s, soak $soak_cycles cycles/mode)"

# ---- 1. the fuzzer: regression seeds, then fresh ones ----
if [ ! -x "$fuzz" ]; then
	record fuzz skip 0 "$fuzz not built (mk/fuzz.mk: make fuzz)"
else
	n=0
	if [ -s tests/fuzz/seeds.txt ]; then
		while IFS= read -r line; do
			case "$line" in '' | '#'*) continue ;; esac
			n=$((n + 1))
			read -r -a args <<<"${line%%#*}"
			seed=${args[0]}
			opts=("${args[@]:1}")
			limit=("--time" "$seed_time")
			for a in "${opts[@]}"; do
				case $a in --time | --calls) limit=() ;; esac
			done
			item "fuzz-seed-$n-$seed" $((seed_time * 4 + 120)) '^vlr-fuzz: (seed|FAIL)' \
				"$fuzz" --seed "$seed" "${opts[@]}" "${limit[@]}" \
				--json "$items/fuzz-seed-$n-$seed.json"
		done <tests/fuzz/seeds.txt
	fi
	[ $n -gt 0 ] || record fuzz-seeds skip 0 "tests/fuzz/seeds.txt holds no regression seed"
	per=$((fuzz_time / (nseeds > 0 ? nseeds : 1)))
	[ $per -ge 5 ] || per=5
	list=(${LR_STRESS_SEED_LIST:-})
	while [ ${#list[@]} -lt "$nseeds" ]; do
		list+=($(( $(od -An -N4 -tu4 /dev/urandom) )))
	done
	for seed in "${list[@]}"; do
		item "fuzz-fresh-$seed" $((per * 3 + 120)) '^vlr-fuzz: (seed|FAIL)' \
			"$fuzz" --seed "$seed" --time "$per" --mode both --json "$items/fuzz-fresh-$seed.json"
	done
fi

# ---- 2. trinity on the render node (its guest part; we are the guest) ----
if [ "$trinity_time" -gt 0 ]; then
	if [ -x tests/fuzz/trinity.sh ]; then
		tseed=$(( $(od -An -N4 -tu4 /dev/urandom) % 4000000000 ))
		mkdir -p "$items/trinity"
		chmod 0777 "$items/trinity" 2>/dev/null
		item trinity $((trinity_time * 2 + 120)) '^trinity.sh: (summary|skip)|is not installed' \
			tests/fuzz/trinity.sh --inside --time "$trinity_time" --seed "$tseed" \
			--out "$items/trinity"
	else
		record trinity skip 0 "tests/fuzz/trinity.sh not there"
	fi
fi

# ---- 3. the fault matrix, one case and mode per process ----
if [ -x "$faults" ]; then
	"$faults" --reset >/dev/null 2>&1
	for c in $("$faults" --list | cut -f1 | sed 's/@mode$//'); do
		for m in preempt-fence open-coded; do
			item "fault-$c@$m" $((120 + 4 * slack)) "^$c@$m (pass|fail|skip)" \
				"$faults" --slack "$slack" --json "$items/fault-$c@$m.json" "$c@$m"
			"$faults" --reset >>"$items/fault-$c@$m.log" 2>&1
		done
	done
else
	record faults fail 0 "$faults not built (make stress-bins)"
fi

# ---- 4. the soak, per mode ----
if [ -x "$soak" ]; then
	for m in preempt-fence open-coded; do
		item "soak@$m" $((soak_time + 180)) "^soak@$m (pass|fail|skip)" \
			"$soak" --mode "$m" --cycles "$soak_cycles" --max-time "$soak_time" \
			--json "$items/soak@$m.json"
	done
else
	record soak fail 0 "$soak not built (make stress-bins)"
fi
say "done"
exit 0
