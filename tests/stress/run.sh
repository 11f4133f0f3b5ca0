#!/usr/bin/env bash
# The stress tier (make stress / make test-stress): one UML boot runs the vlr
# fuzzer's regression seeds and a few fresh seeds, trinity, the fault matrix
# (build/stress/vlr-faults) and the short soak (build/stress/vlr-soak), each
# item with its own timeout (tests/stress/inside.sh); then, when
# scripts/vm-run.sh and a guest kernel of this series are there, one boot of
# the 2-vCPU SMP guest runs the same short forms. Figures of both in
# build/stress/figures.json and the run folder (tests/stress/figures.py),
# rewritten after every item and every boot.
#
# Writes "PASSED FAILED SKIPPED" to $LR_TIER_COUNT when set (one count per
# item and runner, plus the kernel log of each boot); exits non-zero when
# anything failed. Settings (environment; defaults are the CI short forms,
# about 10 minutes warm on 2 cores with both runners):
#   STRESS_TIME=S          seconds of fresh-seed fuzzing per runner (20)
#   STRESS_SEEDS=N         fresh seeds per boot (CI form: 0, so that a new
#                          find cannot fail CI at random; make stress: 2;
#                          nightly: e.g. 4)
#   STRESS_SEEDS_FILE=F    the regression seeds to replay (CI form:
#                          tests/fuzz/seeds-ci.txt, reproducers of the hangs
#                          fixed in v5; nightly: tests/fuzz/seeds.txt,
#                          every seed found, open bugs included)
#   STRESS_SOAK_CYCLES=N   soak cycles per mode (UML 300, guest 100)
#   STRESS_SOAK_TIME=S     wall-time cap of the soak per mode (60;
#                          unset with STRESS_SOAK_CYCLES it grows to fit the cycles)
#   STRESS_TRINITY_TIME=S  seconds of trinity per runner (20; 0: none)
#   STRESS_VM=auto|1|0     the guest half (CI form: 0): auto runs it when a guest kernel is
#                          cached, 1 also builds one (~21 min cold), 0 skips
#   STRESS_VM_ACCEL=auto|kvm|tcg   (scripts/vm-run.sh --accel)
#   STRESS_UML=0           skip the UML half (the guest alone)
#   STRESS_ONLY=REGEX      run only the items whose name matches
#   STRESS_UML_TIMEOUT / STRESS_VM_TIMEOUT   hard cap of each boot (s)
#   STRESS_UML_MEM=SIZE    UML memory (512M, as tests/fuzz/replay-seeds.sh boots)
#   STRESS_SEED_LIST="N.." fresh seeds to use (the rest are drawn at random)
#   STRESS_BOOTS=N         boots per runner at most (UML 10, guest 2): after a
#                          boot whose kernel died, timed out or kept a task
#                          stuck, or after a failed fuzzer item (a fresh
#                          kernel for the next items), the next boot picks up
#                          after the items that ran
#   STRESS_SEED_CAP=S      at most S s per regression seed (5; 0: as seeds.txt says)
#   STRESS_UML_KERNEL=F, STRESS_VM_KERNEL=F   boot these kernels instead of
#                          the series' (scripts/uml-build.sh, vm-build.sh)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
t0=$(date +%s)
LR_STRESS_SEEDS_FILE=$(realpath -m "${STRESS_SEEDS_FILE:-tests/fuzz/seeds-ci.txt}")
[ -r "$LR_STRESS_SEEDS_FILE" ] || { echo "stress: error: STRESS_SEEDS_FILE '$LR_STRESS_SEEDS_FILE' is not readable" >&2; exit 2; }
export LR_STRESS_SEEDS_FILE
run=$PWD/build/stress/run-$(date +%Y%m%d-%H%M%S)
fig=$PWD/build/stress/figures.json
mkdir -p "$run"
pass=0 fail=0 skip=0

say() { echo "stress: $*"; }
count() { # NAME pass|fail|skip [WHY]
	case $2 in
	pass) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	say "$1: $2${3:+ ($3)}"
}

# run.json: when and how; figures.py reads it
run_json() { # FINISHED
	python3 - "$run/run.json" "$1" "$t0" <<'EOF'
import json, os, sys, time
path, finished, t0 = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
keys = ["STRESS_TIME", "STRESS_SEEDS", "STRESS_SOAK_CYCLES", "STRESS_SOAK_TIME",
        "STRESS_TRINITY_TIME", "STRESS_VM", "STRESS_VM_ACCEL", "STRESS_ONLY"]
doc = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t0)),
       "finished": finished, "wall_s": int(time.time()) - t0,
       "settings": {k: os.environ[k] for k in keys if k in os.environ}}
tmp = path + ".tmp"
json.dump(doc, open(tmp, "w"), indent=2)
os.replace(tmp, path)
EOF
}

# runner.json of a half: RUNNER ACCEL SMP STATUS EXIT WALL REASON
runner_json() {
	mkdir -p "$run/$1"
	python3 - "$run/$1/runner.json" "$@" <<'EOF'
import json, os, sys
path, runner, accel, smp, status, rc, wall, reason = sys.argv[1:]
num = lambda s: int(s) if s.lstrip("-").isdigit() else None
doc = {"runner": runner, "accel": accel or None, "smp": num(smp), "status": status,
       "exit": num(rc), "wall_s": num(wall), "reason": reason}
json.dump(doc, open(path + ".tmp", "w"), indent=2)
os.replace(path + ".tmp", path)
EOF
}

figures() {
	run_json "${1:-0}"
	python3 tests/stress/figures.py "$run" --copy "$fig" ${2:+--print}
}

# The kernel-argument sets regression seeds ask for (--append=K=V), one a line.
append_sets() {
	[ -s "$LR_STRESS_SEEDS_FILE" ] || return 0
	grep -vE '^[[:space:]]*(#|$)' "$LR_STRESS_SEEDS_FILE" | sed 's/#.*//' |
		while read -r -a words; do
			local app=() w
			for w in "${words[@]:1}"; do
				case $w in --append=*) app+=("${w#--append=}") ;; esac
			done
			[ ${#app[@]} -eq 0 ] || echo "${app[*]}"
		done | sort -u
}

# boot_half HALF MAX_BOOTS APPEND_BOOTS RUNNER [RUNNER-OPTIONS...]: boot the
# runner with tests/stress/inside.sh until every item ran. A boot whose
# kernel died, timed out or was left with a stuck task is charged to the item
# it was running; it, or a boot that stopped after a failed fuzzer item to
# give the next ones a fresh kernel, is followed by another boot that picks
# up after the items in results.txt (earlier boots' logs kept as *.bootN.*),
# up to MAX_BOOTS boots. With APPEND_BOOTS=1, every set of kernel arguments
# the regression seeds ask for then gets a boot (or more) of its own. Then
# the items are counted.
boot_half() {
	local half=$1 max=$2 append_boots=$3 n=0 rc=0 b0 last st why splat_boots="" app
	local apps=("")
	shift 3
	b0=$(date +%s)
	if [ "$append_boots" = 1 ]; then
		while IFS= read -r app; do apps+=("$app"); done < <(append_sets)
	fi
	for app in "${apps[@]}"; do
		local tries=0
		while :; do
			n=$((n + 1)) tries=$((tries + 1))
			[ -z "$app" ] || say "$half: boot $n with kernel arguments '$app' for the seeds that need them"
			LR_STRESS_RESUME=$([ $n -gt 1 ] && echo 1 || echo 0) \
				LR_STRESS_REBOOT_ON_FAIL=$([ $tries -lt "$max" ] && echo 1 || echo 0) \
				LR_STRESS_APPEND=$app LR_STRESS_APPEND_BOOTS=$append_boots \
				"$@" ${app:+--append "$app"} --out "$run/$half" -- \
				tests/stress/inside.sh "$run/$half" "$half" |
				grep --line-buffered -E '^stress\[|-run: (FAIL|timeout)'
			rc=${PIPESTATUS[0]}
			why=
			if grep -q '^after-fail:' "$run/$half/reboot" 2>/dev/null; then
				: # asked for: a fuzzer item failed, the next ones get a fresh kernel
			elif [ -e "$run/$half/reboot" ]; then
				why="left a task stuck in the kernel: $(cut -d' ' -f2- "$run/$half/reboot")"
			elif [ -s "$run/$half/exit-status" ]; then
				: # the items ran to the end
			elif [ "$rc" = 124 ]; then
				why="ran past its timeout"
			else
				why="ended without the items' exit status (status $rc: the kernel died)"
			fi
			last=
			if [ -n "$why" ]; then
				# The item it was running has no result line: give it one.
				last=$(sed -n "s/^stress\[$half\]: begin //p" "$run/$half/console.log" 2>/dev/null | tail -n 1)
				if [ -n "$last" ] && ! grep -q "^$last	" "$run/$half/results.txt" 2>/dev/null; then
					printf '%s\tfail\t-\tboot %d %s during this item\n' "$last" $n "$why" >>"$run/$half/results.txt"
				fi
				count "$half:boot$n" fail "the boot $why${last:+ (during $last)}; console: $run/$half/console.boot$n.log"
			elif [ "$rc" = 97 ]; then
				splat_boots="$splat_boots $n"
			fi
			local again=0
			[ -e "$run/$half/reboot" ] && again=1
			[ -n "$why" ] && again=1
			# keep this boot's logs: the next boot of the half writes its own
			for f in console.log kernel.log kmemleak.txt exit-status reboot; do
				[ -e "$run/$half/$f" ] && mv "$run/$half/$f" "$run/$half/${f%.*}.boot$n.${f##*.}"
			done
			[ $again = 1 ] && [ $tries -lt "$max" ] || break
			say "$half: boot $((n + 1)) picks up after the items that ran"
		done
	done
	# the last boot's logs under the usual names
	for f in console.log kernel.log kmemleak.txt exit-status; do
		[ -e "$run/$half/${f%.*}.boot$n.${f##*.}" ] && mv "$run/$half/${f%.*}.boot$n.${f##*.}" "$run/$half/$f"
	done
	st=ran
	[ -n "$why" ] && st=crashed
	case $rc in 124) st=timeout ;; esac
	[ $n -gt 1 ] && [ $st = ran ] && st="ran in $n boots"
	runner_json "$half" "${accel:-$half}" "$smp" "$st" "$rc" $(($(date +%s) - b0)) ""
	if [ -s "$run/$half/results.txt" ]; then
		while IFS=$'\t' read -r name status secs detail; do
			case $status in pass | skip) ;; *) status=fail ;; esac
			if [ $status = pass ]; then
				count "$half:$name" pass
			else
				count "$half:$name" "$status" "$detail"
			fi
		done <"$run/$half/results.txt"
	fi
	if [ -n "$splat_boots" ]; then
		count "$half:kernel-log-clean" fail "kernel splat in boot(s)$splat_boots: see $run/$half/kernel*.log"
	elif [ -z "$why" ]; then
		count "$half:kernel-log-clean" pass
	fi # a boot that died is counted above
}

# Environment of one boot's items (LR_* variables reach the command inside).
settings() { # uml|vm
	local vm=0
	[ "$1" = vm ] && vm=1
	export LR_STRESS_FUZZ_TIME=${STRESS_TIME:-20}
	export LR_STRESS_SEEDS=${STRESS_SEEDS:-0}
	export LR_STRESS_SOAK_CYCLES=${STRESS_SOAK_CYCLES:-$([ $vm = 1 ] && echo 100 || echo 300)}
	if [ -n "${STRESS_SOAK_TIME:-}" ]; then
		export LR_STRESS_SOAK_TIME=$STRESS_SOAK_TIME
	elif [ -n "${STRESS_SOAK_CYCLES:-}" ]; then
		# a nightly count: room for it at 2 cycles/s at worst
		export LR_STRESS_SOAK_TIME=$((STRESS_SOAK_CYCLES / 2 + 60))
	else
		export LR_STRESS_SOAK_TIME=60
	fi
	export LR_STRESS_TRINITY_TIME=${STRESS_TRINITY_TIME:-20}
	export LR_STRESS_SLACK=$([ $vm = 1 ] && echo 15 || echo 3)
	export LR_STRESS_ONLY=${STRESS_ONLY:-}
	export LR_STRESS_SEED_CAP=${STRESS_SEED_CAP:-5}
	[ "$LR_STRESS_SEED_CAP" = 0 ] && LR_STRESS_SEED_CAP=
	# Fresh seeds drawn here, so a later boot of the same half (after a kernel
	# that died) runs the same ones; STRESS_SEED_LIST fixes them.
	local i list=${STRESS_SEED_LIST:-}
	for ((i = $(wc -w <<<"$list"); i < LR_STRESS_SEEDS; i++)); do
		list="$list $(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
	done
	export LR_STRESS_SEED_LIST=$list
	export LR_STRESS_TRINITY_SEED=$(($(od -An -N4 -tu4 /dev/urandom) % 4000000000))
	# the hard cap of the boot: every item's own budget and the boot itself
	local nseed=0
	[ -s "$LR_STRESS_SEEDS_FILE" ] && nseed=$(grep -cvE '^[[:space:]]*(#|$)' "$LR_STRESS_SEEDS_FILE")
	boot_cap=$((LR_STRESS_FUZZ_TIME * 2 + nseed * 40 + LR_STRESS_TRINITY_TIME * 2 +
		2 * LR_STRESS_SOAK_TIME + 400 + vm * 400))
}

say "results in $run"
run_json 0

# The figures' arithmetic on a run folder made up for it.
if python3 tests/stress/test_figures.py >"$run/test_figures.log" 2>&1; then
	count figures-selftest pass
else
	count figures-selftest fail "$(tail -n 3 "$run/test_figures.log" | tr '\n' ' ')"
fi

# ---- 1. UML ----
say "[1/2] UML: the kernel (cached by tree and config)"
if [ -n "${STRESS_UML_KERNEL:-}" ]; then
	kernel=$STRESS_UML_KERNEL
	say "UML kernel from STRESS_UML_KERNEL: $kernel"
fi
if [ "${STRESS_UML:-1}" = 0 ]; then
	runner_json uml uml 1 skipped "" "" "STRESS_UML=0"
	count uml skip "STRESS_UML=0"
elif [ -z "${kernel:-}" ] && ! kernel=$(scripts/uml-build.sh --print-path); then
	runner_json uml uml 1 failed "" "" "building the UML kernel failed"
	count uml:kernel-build fail "scripts/uml-build.sh failed"
else
	settings uml
	say "[1/2] UML: one boot, every item (cap ${STRESS_UML_TIMEOUT:-$boot_cap} s)"
	runner_json uml uml 1 running "" "" ""
	accel=uml smp=1
	boot_half uml "${STRESS_BOOTS:-10}" 1 scripts/uml-run.sh --kernel "$kernel" \
		--mem "${STRESS_UML_MEM:-512M}" --timeout "${STRESS_UML_TIMEOUT:-$boot_cap}"
fi
figures 0

# ---- 2. the SMP guest ----
vm_skip() {
	runner_json vm "" 2 skipped "" "" "$1"
	count vm skip "$1"
}
say "[2/2] SMP guest"
# CI form: the guest half is the nightly's (STRESS_VM=auto|1); CI's SMP
# coverage is the vm tier (the vlr subtests on 2 vCPUs), and the guest half
# alone takes ~10 min under TCG.
vm_mode=${STRESS_VM:-0}
if [ "$vm_mode" = 0 ]; then
	vm_skip "STRESS_VM=0 (the CI form; the nightly runs the guest half with STRESS_VM=auto or 1, CI covers SMP with the vm tier)"
elif [ ! -x scripts/vm-run.sh ] || [ ! -x scripts/vm-build.sh ]; then
	vm_skip "scripts/vm-run.sh or scripts/vm-build.sh is not there"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	vm_skip "qemu-system-x86_64 is not installed"
else
	# cached, or an incremental build in an object directory that has built
	# one (a changed series: minutes); never a cold build unless STRESS_VM=1
	mkdir -p "$run/vm"
	if [ -n "${STRESS_VM_KERNEL:-}" ]; then
		vkernel=$STRESS_VM_KERNEL vrc=0
	else
		vkernel=$(scripts/vm-build.sh --no-cold --print-path 2>"$run/vm/build.log")
		vrc=$?
	fi
	if [ $vrc -eq 3 ] && [ "$vm_mode" = 1 ]; then
		say "building the guest kernel (~21 min cold)"
		vkernel=$(scripts/vm-build.sh --print-path 2>>"$run/vm/build.log")
		vrc=$?
	fi
	if [ $vrc -eq 3 ]; then
		vm_skip "no guest kernel of this series is cached and no earlier guest build to update (a cold scripts/vm-build.sh takes ~21 min, over the tier's budget; STRESS_VM=1 builds it)"
	elif [ $vrc -ne 0 ] || [ -z "$vkernel" ]; then
		runner_json vm "" 2 failed "" "" "scripts/vm-build.sh failed (see $run/vm/build.log)"
		count vm:kernel-build fail "scripts/vm-build.sh failed (see $run/vm/build.log)"
	else
		settings vm
		say "[2/2] guest: one boot with 2 vCPUs (cap ${STRESS_VM_TIMEOUT:-$boot_cap} s)"
		runner_json vm vm 2 running "" "" ""
		accel=vm smp=2
		boot_half vm "${STRESS_BOOTS:-2}" 0 scripts/vm-run.sh --kernel "$vkernel" --smp 2 \
			--accel "${STRESS_VM_ACCEL:-auto}" --timeout "${STRESS_VM_TIMEOUT:-$boot_cap}"
		accel=$(python3 -c 'import json,sys; print("vm-" + json.load(open(sys.argv[1]))["accel"])' \
			"$run/vm/guest.json" 2>/dev/null || echo vm)
		python3 - "$run/vm/runner.json" "$accel" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1])); d["accel"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"), indent=2)
EOF2
	fi
fi

figures 1 print
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["schema"]=="lrbench-stress-figures" else 1)' "$fig"; then
	count figures-json pass
else
	count figures-json fail "$fig is not valid"
fi
say "$pass passed, $fail failed, $skip skipped ($(($(date +%s) - t0)) s); figures in $fig"
[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
[ "$fail" -eq 0 ]
