#!/usr/bin/env bash
# The uml tier: checks on the host, then one UML boot running every vlr
# subtest (tests/uml/inside.sh). With LR_RUNNER=vm the same subtests run in
# one boot of the SMP QEMU guest instead (the vm tier, tests/vm/README.md).
# Writes "PASSED FAILED SKIPPED" to $LR_TIER_COUNT when set; exits non-zero
# when anything failed.
#
# Usage: tests/uml/run.sh VLR_TEST_BINARY
# Environment: LR_RUNNER (uml, the default, or vm), LR_KERNEL_TREE (kernel
# tree to build, else scripts/kernel.sh prepare), LR_UML_TIMEOUT (seconds
# for the boot, default 900), LR_UML_APPEND (extra kernel command line,
# e.g. vlr.vram_mb=32). For vm: LR_VM_TEST (auto, 1 or 0; tests/vm/README.md),
# LR_VM_TIMEOUT (default 1800), LR_VM_APPEND, LR_VM_ACCEL (auto, kvm, tcg).
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:?usage: tests/uml/run.sh VLR_TEST_BINARY}")
runner=${LR_RUNNER:-uml}
case $runner in
uml | vm) ;;
*) echo "uml-test: error: LR_RUNNER must be uml or vm, not '$runner'" >&2; exit 2 ;;
esac
# The prefix of every line, here and inside (tests/uml/inside.sh reads it).
tag=$runner-test
export LR_TEST_TAG=$tag
pass=0 fail=0 skip=0
t0=$(date +%s)

count() { # NAME pass|fail|skip
	case $2 in
	pass) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	echo "$tag: $1: $2"
}
finish() {
	echo "$tag: $pass passed, $fail failed, $skip skipped ($(($(date +%s) - t0)) s)"
	[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
	[ "$fail" -eq 0 ]
	exit
}

if [ "$runner" = vm ]; then
	# The host-side checks (uAPI copy, splat detector) are the uml tier's.
	echo "$tag: [1/2] SMP guest kernel (cached by tree and config; LR_VM_TEST=${LR_VM_TEST:-auto})"
	mode=${LR_VM_TEST:-auto}
	case $mode in
	0) count vm-guest skip; echo "$tag: skipped: LR_VM_TEST=0"; finish ;;
	1 | auto) ;;
	*) echo "$tag: error: LR_VM_TEST must be auto, 1 or 0, not '$mode'" >&2; exit 2 ;;
	esac
	if ! command -v qemu-system-x86_64 >/dev/null; then
		if [ "$mode" = 1 ]; then
			echo "$tag: qemu-system-x86_64 not found (make deps installs qemu-system-x86)"
			count vm-guest fail
		else
			echo "$tag: skipped: qemu-system-x86_64 not found (make deps installs qemu-system-x86)"
			count vm-guest skip
		fi
		finish
	fi
	# auto never starts a cold guest build (~21 min): it would blow make
	# test's budget. A cache hit or an incremental rebuild is fine.
	build_args=(--print-path)
	[ "$mode" = auto ] && build_args+=(--no-cold)
	kernel=$(scripts/vm-build.sh "${build_args[@]}")
	case $? in
	0) count vm-kernel-build pass ;;
	3)
		echo "$tag: skipped: no guest kernel built for this tree yet and LR_VM_TEST=auto does not start a cold build (~21 min); run 'make vm-kernel' once, or LR_VM_TEST=1"
		count vm-guest skip
		finish ;;
	*) count vm-kernel-build fail; finish ;;
	esac
	echo "$tag: [2/2] vlr subtests inside one boot of the SMP guest (both modes)"
else
	echo "uml-test: [1/4] uAPI header copy"
	scripts/uapi-check.sh ${LR_KERNEL_TREE:+"$LR_KERNEL_TREE"}
	case $? in 0) count uapi-identical pass ;; 77) count uapi-identical skip ;; *) count uapi-identical fail ;; esac

	echo "uml-test: [2/4] kernel-splat detector on known log samples"
	LR_SPLAT_COUNT=$(mktemp) tests/uml/test-splat-detector.sh >/dev/null
	[ $? -eq 0 ] && count splat-detector-samples pass || count splat-detector-samples fail

	echo "uml-test: [3/4] UML kernel (cached by tree and config)"
	if ! kernel=$(scripts/uml-build.sh --print-path); then
		count uml-kernel-build fail
		finish
	fi
	count uml-kernel-build pass
	if tests/uml/test-splat-detector.sh --live "$kernel" | grep -q '^FAIL'; then
		tests/uml/test-splat-detector.sh --live "$kernel" | grep '^FAIL'
		count splat-detector-live fail
	else
		count splat-detector-live pass
	fi

	echo "uml-test: [4/4] vlr subtests inside one UML boot (both modes)"
fi
out=$PWD/build/$runner/run-$(date +%Y%m%d-%H%M%S)
# the lrbench binary for the vlr-compare smoke inside (LR_* reach CMD)
LR_LRBENCH=$(realpath "${LRBENCH:-build/bin/lrbench}" 2>/dev/null) && export LR_LRBENCH
mkdir -p "$out"
if [ "$runner" = vm ]; then
	run=(scripts/vm-run.sh --kernel "$kernel" --out "$out" --timeout "${LR_VM_TIMEOUT:-1800}"
		--accel "${LR_VM_ACCEL:-auto}" ${LR_VM_APPEND:+--append "$LR_VM_APPEND"})
else
	run=(scripts/uml-run.sh --kernel "$kernel" --out "$out" --timeout "${LR_UML_TIMEOUT:-900}"
		${LR_UML_APPEND:+--append "$LR_UML_APPEND"})
fi
"${run[@]}" -- tests/uml/inside.sh "$bin" "$out" | grep --line-buffered "^$tag"
rc=${PIPESTATUS[0]}
if [ -s "$out/results.txt" ]; then
	while read -r name status _; do
		case $status in
		pass) pass=$((pass + 1)) ;;
		skip) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)) ;;
		esac
	done <"$out/results.txt"
fi
if [ -f "$out/lrbench-vlr-compare/result.json" ]; then
	if python3 scripts/validate-result.py "$out/lrbench-vlr-compare/result.json" >/dev/null; then
		count lrbench-vlr-compare-result-valid pass
	else
		python3 scripts/validate-result.py "$out/lrbench-vlr-compare/result.json" | tail -5
		count lrbench-vlr-compare-result-valid fail
	fi
	# the comparison smoke: both modes ran, nothing failed verification
	if python3 - "$out/lrbench-vlr-compare/result.json" "$tag" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["repetitions"]["runs"]
modes = {r["config"] for r in runs if not r.get("cancelled")}
bad = [m for m in d["metrics"] if m["name"] == "verify_failures" and any(v for v in m["per_rep"] if v)]
ok = modes == {"open-coded", "preempt-fence"} and not bad
print(f"{sys.argv[2]}:     modes {sorted(modes)}, verify failures {'none' if not bad else 'some'}")
sys.exit(0 if ok else 1)
PY
		count lrbench-vlr-compare-both-modes-verified pass
	else
		count lrbench-vlr-compare-both-modes-verified fail
	fi
	# and its plots are drawn (gnuplot on the host)
	rm -rf "$out/lrbench-vlr-compare/plots"
	if scripts/plots.sh "$out/lrbench-vlr-compare" >"$out/plots.log" 2>&1 &&
		[ -s "$out/lrbench-vlr-compare/plots/timeline.png" ] &&
		[ -s "$out/lrbench-vlr-compare/plots/bars.svg" ] &&
		ls "$out"/lrbench-vlr-compare/plots/cdf-*.png >/dev/null 2>&1; then
		count lrbench-vlr-compare-plots pass
	else
		tail -5 "$out/plots.log"
		count lrbench-vlr-compare-plots fail
	fi
fi
case $rc in
0) count kernel-log-clean pass ;;
97) count kernel-log-clean fail; echo "$tag: kernel splat: see $out/kernel.log" ;;
*) count $runner-boot fail; echo "$tag: $runner run ended with status $rc (console: $out/console.log)" ;;
esac
[ "$runner" = vm ] && [ -s "$out/guest.json" ] &&
	echo "$tag: guest: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("accel %(accel)s, %(guest_cpus)s CPUs, boot %(boot_seconds)s s, %(total_seconds)s s in all" % d)' "$out/guest.json")"
echo "$tag: results and kernel log in $out"
finish
