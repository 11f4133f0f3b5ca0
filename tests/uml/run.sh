#!/usr/bin/env bash
# The uml tier: checks on the host, then one UML boot running every vlr
# subtest (tests/uml/inside.sh). Writes "PASSED FAILED SKIPPED" to
# $LR_TIER_COUNT when set; exits non-zero when anything failed.
#
# Usage: tests/uml/run.sh VLR_TEST_BINARY
# Environment: LR_KERNEL_TREE (kernel tree to build, else scripts/kernel.sh
# prepare), LR_UML_TIMEOUT (seconds for the boot, default 900),
# LR_UML_APPEND (extra kernel command line, e.g. vlr.vram_mb=32).
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:?usage: tests/uml/run.sh VLR_TEST_BINARY}")
pass=0 fail=0 skip=0
t0=$(date +%s)

count() { # NAME pass|fail|skip
	case $2 in
	pass) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	echo "uml-test: $1: $2"
}
finish() {
	echo "uml-test: $pass passed, $fail failed, $skip skipped ($(($(date +%s) - t0)) s)"
	[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
	[ "$fail" -eq 0 ]
	exit
}

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
out=$PWD/build/uml/run-$(date +%Y%m%d-%H%M%S)
# the lrbench binary for the vlr-compare smoke inside (LR_* reach CMD)
LR_LRBENCH=$(realpath "${LRBENCH:-build/bin/lrbench}" 2>/dev/null) && export LR_LRBENCH
mkdir -p "$out"
scripts/uml-run.sh --kernel "$kernel" --out "$out" --timeout "${LR_UML_TIMEOUT:-900}" \
	${LR_UML_APPEND:+--append "$LR_UML_APPEND"} -- tests/uml/inside.sh "$bin" "$out" |
	grep --line-buffered '^uml-test'
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
	if python3 - "$out/lrbench-vlr-compare/result.json" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["repetitions"]["runs"]
modes = {r["config"] for r in runs if not r.get("cancelled")}
bad = [m for m in d["metrics"] if m["name"] == "verify_failures" and any(v for v in m["per_rep"] if v)]
ok = modes == {"open-coded", "preempt-fence"} and not bad
print(f"uml-test:     modes {sorted(modes)}, verify failures {'none' if not bad else 'some'}")
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
97) count kernel-log-clean fail; echo "uml-test: kernel splat: see $out/kernel.log" ;;
*) count uml-boot fail; echo "uml-test: UML run ended with status $rc (console: $out/console.log)" ;;
esac
echo "uml-test: results and kernel log in $out"
finish
