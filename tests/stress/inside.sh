#!/bin/bash
# Runs inside the test kernel (UML or the SMP guest; PID 1's child, see
# scripts/uml-run.sh): every stress item in order, each with its own timeout.
# Per item: its output in OUT/items/NAME.log, its figures (when the tool
# writes JSON) in OUT/items/NAME.json, one line "NAME<TAB>STATUS<TAB>SECONDS
# <TAB>DETAIL" appended to OUT/results.txt, a marker in the kernel log
# ("lrbench-stress: begin NAME") so the host can tell which item a splat came
# from, and a sync, so a kernel that dies later loses no finished item.
#
# With LR_STRESS_RESUME=1 (a later boot of the same run, after a kernel that
# died) results.txt is kept and the items already in it are not run again.
# After an item that left a process the kill could not end (a task stuck in
# the kernel), the rest of this boot could only fail for that reason: the
# script writes "stuck: ..." to OUT/reboot and stops, and the host boots
# again. With LR_STRESS_REBOOT_ON_FAIL=1 (the host has boots to spare) any
# failed fuzzer item does the same ("after-fail: ..."): a bug it found (a
# leaked lock, a wedged queue) must not fail the items after it.
#
# Usage: inside.sh OUT RUNNER (uml | vm). Settings come from the environment
# (tests/stress/run.sh sets them; defaults here are the short CI forms):
#   LR_STRESS_FUZZ_TIME   seconds of fresh-seed fuzzing in all (20)
#   LR_STRESS_SEEDS       fresh seeds (0); LR_STRESS_SEED_LIST: fixed ones
#   LR_STRESS_SEEDS_FILE  regression seeds (tests/fuzz/seeds-ci.txt)
#   LR_STRESS_SEED_TIME   seconds per regression seed without --time/--calls (10)
#   LR_STRESS_SEED_CAP    at most this --time per regression seed (none)
#   LR_STRESS_TRINITY_TIME  seconds of trinity (20; 0 skips it)
#   LR_STRESS_TRINITY_SEED  its seed (random)
#   LR_STRESS_SOAK_CYCLES evict/restore cycles per mode (300)
#   LR_STRESS_SOAK_TIME   wall-time cap of the soak per mode (60)
#   LR_STRESS_SLACK       extra seconds the fault bounds allow (3)
#   LR_STRESS_ONLY        a regex: run only the items whose name matches
#   LR_STRESS_APPEND      this boot's extra kernel arguments: run only the
#                         regression seeds whose --append=K=V options match
#   LR_STRESS_APPEND_BOOTS  0: no such boots will be made, skip those seeds
set -u
out=$1
runner=${2:-uml}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here" || exit 1
items=$out/items
mkdir -p "$items"
[ "${LR_STRESS_RESUME:-0}" = 1 ] || : >"$out/results.txt"
rm -f "$out/reboot"

fuzz=$here/build/fuzz/vlr-fuzz
faults=$here/build/stress/vlr-faults
soak=$here/build/stress/vlr-soak
fuzz_time=${LR_STRESS_FUZZ_TIME:-20}
nseeds=${LR_STRESS_SEEDS:-0}
seeds_file=${LR_STRESS_SEEDS_FILE:-tests/fuzz/seeds-ci.txt}
seed_time=${LR_STRESS_SEED_TIME:-10}
seed_cap=${LR_STRESS_SEED_CAP:-}
trinity_time=${LR_STRESS_TRINITY_TIME:-20}
soak_cycles=${LR_STRESS_SOAK_CYCLES:-300}
soak_time=${LR_STRESS_SOAK_TIME:-60}
slack=${LR_STRESS_SLACK:-3}
only=${LR_STRESS_ONLY:-}
append_boot=${LR_STRESS_APPEND:-}

say() { echo "stress[$runner]: $*"; }
left_for_reboot=0 # items not run because a reboot was asked for

done_already() { grep -q "^$1	" "$out/results.txt" 2>/dev/null; }

# record NAME STATUS SECONDS DETAIL
record() {
	done_already "$1" && return
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
	done_already "$name" && return
	if [ -e "$out/reboot" ]; then
		left_for_reboot=$((left_for_reboot + 1))
		return
	fi
	say "begin $name"
	echo "lrbench-stress: begin $name" >/dev/kmsg 2>/dev/null
	start=$(date +%s.%N)
	timeout -k 10 "$t" "$@" </dev/null >"$items/$name.log" 2>&1
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
	[ $status = fail ] || return 0
	# A process of the item that is still there is stuck in the kernel.
	local stuck pids tries
	for tries in 1 2 3 4 5; do
		pids=$(ps -eo pid=,stat=,comm= |
			awk '$3 ~ /^(vlr-fuzz|vlr-faults|vlr-soak|trinity)/ && $2 !~ /^Z/ {print $1}')
		stuck=$(ps -o pid=,stat=,comm= -p "$(echo $pids | tr ' ' ,)" 2>/dev/null |
			awk '{print $1 "(" $2 " " $3 ")"}' | tr '\n' ' ')
		[ -n "$pids" ] || break
		kill -KILL $pids 2>/dev/null # the tools' leftovers: nothing else runs here
		sleep 2
	done
	if [ -n "$stuck" ]; then
		say "after $name, processes a kill does not end: $stuck; this boot stops here"
		echo "stuck: after $name, processes $stuck" >"$out/reboot"
	elif [ "${LR_STRESS_REBOOT_ON_FAIL:-0}" = 1 ] && [[ $name == fuzz-* ]]; then
		say "$name failed: the next items get a fresh kernel"
		echo "after-fail: $name" >"$out/reboot"
	fi
	sync
}

say "items in $out (fuzz ${fuzz_time}s over $nseeds fresh seeds, trinity ${trinity_time}s, soak $soak_cycles cycles/mode)"

# The deterministic items first, on a device no fuzzer has been at yet; the
# fuzzers, which find the bugs that wedge or crash a kernel, last.
# ---- 1. the fault matrix, one case and mode per process ----
if [ -n "$append_boot" ]; then
	: # a boot for the seeds with kernel arguments runs nothing else
elif [ -x "$faults" ]; then
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

# ---- 2. the soak, per mode ----
if [ -n "$append_boot" ]; then
	:
elif [ -x "$soak" ]; then
	for m in preempt-fence open-coded; do
		item "soak@$m" $((soak_time + 180)) "^soak@$m (pass|fail|skip)" \
			"$soak" --mode "$m" --cycles "$soak_cycles" --max-time "$soak_time" \
			--json "$items/soak@$m.json"
	done
else
	record soak fail 0 "$soak not built (make stress-bins)"
fi
# ---- 3. the fuzzer: regression seeds, then fresh ones ----
# A seed line's --append=K=V options are kernel arguments: such seeds run in
# a boot of their own with those arguments (LR_STRESS_APPEND, which runs
# nothing else), or are skipped where the host makes no such boot
# (LR_STRESS_APPEND_BOOTS=0: the guest, whose boots are slow).
seeds() {
	n=0
	[ -s "$seeds_file" ] || return 0
	while IFS= read -r line; do
		case "$line" in '' | '#'*) continue ;; esac
		n=$((n + 1))
		read -r -a args <<<"${line%%#*}"
		seed=${args[0]}
		opts=() app=()
		stime=$seed_time limit=("--time" "$seed_time")
		for a in "${args[@]:1}"; do
			case $a in --append=*) app+=("${a#--append=}") ;; *) opts+=("$a") ;; esac
		done
		for i in "${!opts[@]}"; do
			case ${opts[$i]} in
			--calls) limit=() ;;
			--time)
				limit=()
				stime=${opts[$((i + 1))]%.*}
				if [ -n "$seed_cap" ] && [ "$stime" -gt "$seed_cap" ] 2>/dev/null; then
					opts[$((i + 1))]=$seed_cap
					stime=$seed_cap
				fi ;;
			esac
		done
		[[ $stime =~ ^[0-9]+$ ]] || stime=$seed_time
		if [ "${app[*]}" != "$append_boot" ]; then
			if [ -z "$append_boot" ] && [ "${LR_STRESS_APPEND_BOOTS:-1}" = 0 ] &&
				{ [ -z "$only" ] || [[ fuzz-seed-$n-$seed =~ $only ]]; }; then
				record "fuzz-seed-$n-$seed" skip 0 \
					"needs the kernel arguments '${app[*]}', a boot of its own: not made on this runner"
			fi
			continue
		fi
		item "fuzz-seed-$n-$seed" $((stime * 3 + 120)) '^vlr-fuzz: (seed|FAIL)' \
			"$fuzz" --seed "$seed" "${opts[@]}" "${limit[@]}" \
			--json "$items/fuzz-seed-$n-$seed.json"
	done <"$seeds_file"
}

if [ -n "$append_boot" ]; then
	# a boot with kernel arguments, for the seeds that need them
	if [ -x "$fuzz" ]; then
		seeds
	fi
elif [ ! -x "$fuzz" ]; then
	record fuzz skip 0 "$fuzz not built (mk/fuzz.mk: make fuzz)"
else
	seeds
	[ $n -gt 0 ] || record fuzz-seeds skip 0 "$seeds_file holds no seed (nightly: STRESS_SEEDS_FILE=tests/fuzz/seeds.txt STRESS_SEEDS=4)"
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

# ---- 4. trinity on the render node (its guest part; we are the guest) ----
if [ "$trinity_time" -gt 0 ] && [ -z "$append_boot" ]; then
	if [ -x tests/fuzz/trinity.sh ]; then
		tseed=${LR_STRESS_TRINITY_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 4000000000 ))}
		mkdir -p "$items/trinity"
		chmod 0777 "$items/trinity" 2>/dev/null
		item trinity $((trinity_time * 2 + 120)) '^trinity.sh: (summary|skip)|is not installed' \
			tests/fuzz/trinity.sh --inside --time "$trinity_time" --seed "$tseed" \
			--out "$items/trinity"
	else
		record trinity skip 0 "tests/fuzz/trinity.sh not there"
	fi
fi

# A reboot asked for after the last item would run nothing.
if [ -e "$out/reboot" ] && [ "$left_for_reboot" -eq 0 ]; then
	rm -f "$out/reboot"
fi
say "done"
exit 0
