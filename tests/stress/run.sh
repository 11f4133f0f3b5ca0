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
#   STRESS_TIME=S          seconds of fresh-seed fuzzing per boot (UML 40, guest 20)
#   STRESS_SEEDS=N         fresh seeds per boot (UML 2, guest 1)
#   STRESS_SOAK_CYCLES=N   soak cycles per mode (UML 500, guest 100)
#   STRESS_SOAK_TIME=S     wall-time cap of the soak per mode (UML 90, guest 60;
#                          unset with STRESS_SOAK_CYCLES it grows to fit the cycles)
#   STRESS_TRINITY_TIME=S  seconds of trinity per boot (UML 30, guest 20; 0: none)
#   STRESS_VM=auto|1|0     the guest half: auto runs it when a guest kernel is
#                          cached, 1 also builds one (~21 min cold), 0 skips
#   STRESS_VM_ACCEL=auto|kvm|tcg   (scripts/vm-run.sh --accel)
#   STRESS_ONLY=REGEX      run only the items whose name matches
#   STRESS_UML_TIMEOUT / STRESS_VM_TIMEOUT   hard cap of each boot (s)
#   STRESS_UML_MEM=SIZE    UML memory (1G: the fuzzer's BOs and 64 MiB of VRAM
#                          under KASAN exhaust the uml tier's 512M)
set -uo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
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

# Count a finished half: its items, then its kernel log.
count_half() { # NAME RC
	local half=$1 rc=$2 name status secs detail last
	# An item the kernel died (or the boot timed out) in has no result line:
	# give it one, from the last "begin" marker inside.sh printed.
	if [ ! -s "$run/$half/exit-status" ]; then
		last=$(sed -n "s/^stress\[$half\]: begin //p" "$run/$half/console.log" 2>/dev/null | tail -n 1)
		if [ -n "$last" ] && ! grep -q "^$last	" "$run/$half/results.txt" 2>/dev/null; then
			printf '%s\tfail\t\t%s\n' "$last" "$([ "$rc" = 124 ] && echo "the boot timed out during this item" ||
				echo "the kernel died during this item (see console.log)")" >>"$run/$half/results.txt"
		fi
	fi
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
	case $rc in
	0) count "$half:kernel-log-clean" pass ;;
	97) count "$half:kernel-log-clean" fail "kernel splat: see $run/$half/kernel.log"
	    [ -s "$run/$half/exit-status" ] ||
		count "$half:boot" fail "the kernel died before the items finished (console: $run/$half/console.log)" ;;
	124) count "$half:boot" fail "the boot ran past its timeout; items after the last one in results.txt did not run" ;;
	*) count "$half:boot" fail "the kernel ended with status $rc (console: $run/$half/console.log)" ;;
	esac
}

# Environment of one boot's items (LR_* variables reach the command inside).
settings() { # uml|vm
	local vm=0
	[ "$1" = vm ] && vm=1
	export LR_STRESS_FUZZ_TIME=${STRESS_TIME:-$([ $vm = 1 ] && echo 20 || echo 40)}
	export LR_STRESS_SEEDS=${STRESS_SEEDS:-$([ $vm = 1 ] && echo 1 || echo 2)}
	export LR_STRESS_SOAK_CYCLES=${STRESS_SOAK_CYCLES:-$([ $vm = 1 ] && echo 100 || echo 500)}
	if [ -n "${STRESS_SOAK_TIME:-}" ]; then
		export LR_STRESS_SOAK_TIME=$STRESS_SOAK_TIME
	elif [ -n "${STRESS_SOAK_CYCLES:-}" ]; then
		# a nightly count: room for it at 2 cycles/s at worst
		export LR_STRESS_SOAK_TIME=$((STRESS_SOAK_CYCLES / 2 + 60))
	else
		export LR_STRESS_SOAK_TIME=$([ $vm = 1 ] && echo 60 || echo 90)
	fi
	export LR_STRESS_TRINITY_TIME=${STRESS_TRINITY_TIME:-$([ $vm = 1 ] && echo 20 || echo 30)}
	export LR_STRESS_SLACK=$([ $vm = 1 ] && echo 15 || echo 3)
	export LR_STRESS_ONLY=${STRESS_ONLY:-}
	# the hard cap of the boot: every item's own budget and the boot itself
	local nseed=0
	[ -s tests/fuzz/seeds.txt ] && nseed=$(grep -cvE '^[[:space:]]*(#|$)' tests/fuzz/seeds.txt)
	boot_cap=$((LR_STRESS_FUZZ_TIME * 2 + nseed * 40 + LR_STRESS_TRINITY_TIME * 2 +
		2 * LR_STRESS_SOAK_TIME + 400 + vm * 400))
}

say "results in $run"
run_json 0

# ---- 1. UML ----
say "[1/2] UML: the kernel (cached by tree and config)"
if ! kernel=$(scripts/uml-build.sh --print-path); then
	runner_json uml uml 1 failed "" "" "building the UML kernel failed"
	count uml:kernel-build fail "scripts/uml-build.sh failed"
else
	settings uml
	say "[1/2] UML: one boot, every item (cap ${STRESS_UML_TIMEOUT:-$boot_cap} s)"
	runner_json uml uml 1 running "" "" ""
	b0=$(date +%s)
	scripts/uml-run.sh --kernel "$kernel" --out "$run/uml" --mem "${STRESS_UML_MEM:-1G}" \
		--timeout "${STRESS_UML_TIMEOUT:-$boot_cap}" -- tests/stress/inside.sh "$run/uml" uml |
		grep --line-buffered -E '^stress\[|^uml-run: (FAIL|timeout)'
	rc=${PIPESTATUS[0]}
	st=ran
	case $rc in 124) st=timeout ;; 125) st=crashed ;; esac
	runner_json uml uml 1 "$st" "$rc" $(($(date +%s) - b0)) ""
	count_half uml "$rc"
fi
figures 0

# ---- 2. the SMP guest ----
vm_skip() {
	runner_json vm "" 2 skipped "" "" "$1"
	count vm skip "$1"
}
say "[2/2] SMP guest"
vm_mode=${STRESS_VM:-auto}
if [ "$vm_mode" = 0 ]; then
	vm_skip "STRESS_VM=0"
elif [ ! -x scripts/vm-run.sh ] || [ ! -x scripts/vm-build.sh ]; then
	vm_skip "scripts/vm-run.sh or scripts/vm-build.sh is not there"
elif ! command -v qemu-system-x86_64 >/dev/null; then
	vm_skip "qemu-system-x86_64 is not installed"
else
	vkernel=$(scripts/vm-build.sh --cached-only --print-path 2>/dev/null)
	if [ -z "$vkernel" ] && [ "$vm_mode" = 1 ]; then
		say "building the guest kernel (~21 min cold)"
		vkernel=$(scripts/vm-build.sh --print-path) || vkernel=
		[ -n "$vkernel" ] || count vm:kernel-build fail "scripts/vm-build.sh failed"
	fi
	if [ -z "$vkernel" ]; then
		[ "$vm_mode" = 1 ] || vm_skip "no guest kernel of this series is cached (a cold scripts/vm-build.sh takes ~21 min, over the tier's budget; STRESS_VM=1 builds it)"
	else
		settings vm
		say "[2/2] guest: one boot with 2 vCPUs (cap ${STRESS_VM_TIMEOUT:-$boot_cap} s)"
		runner_json vm vm 2 running "" "" ""
		b0=$(date +%s)
		scripts/vm-run.sh --kernel "$vkernel" --out "$run/vm" --smp 2 \
			--accel "${STRESS_VM_ACCEL:-auto}" --timeout "${STRESS_VM_TIMEOUT:-$boot_cap}" -- \
			tests/stress/inside.sh "$run/vm" vm |
			grep --line-buffered -E '^stress\[|^vm-run: (FAIL|timeout|accel)'
		rc=${PIPESTATUS[0]}
		st=ran
		case $rc in 124) st=timeout ;; 125) st=crashed ;; esac
		accel=$(python3 -c 'import json,sys; print("vm-" + json.load(open(sys.argv[1]))["accel"])' \
			"$run/vm/guest.json" 2>/dev/null || echo vm)
		runner_json vm "vm" 2 "$st" "$rc" $(($(date +%s) - b0)) ""
		sed -i "s/\"accel\": null/\"accel\": \"$accel\"/" "$run/vm/runner.json"
		count_half vm "$rc"
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
