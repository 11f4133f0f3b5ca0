#!/usr/bin/env bash
# Tier "unit": run the cmocka binaries (TAP output) built under ASan/UBSan,
# validate the result.json files they wrote against the schema, check the
# lrbench CLI's usage errors, and check formatting of bench/ and tests/unit/.
# Usage: tests/unit/run-unit.sh ASAN_BUILD_DIR TEST...  (TEST: hist -> test_hist)
# Writes "PASSED FAILED SKIPPED" to $LR_TIER_COUNT when set.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: run-unit.sh ASAN_BUILD_DIR TEST...}
shift
[ $# -gt 0 ] || { echo "run-unit.sh: no tests named" >&2; exit 2; }
pass=0 fail=0 skip=0

out=$(mktemp -d /tmp/lrbench-unit-XXXXXX)
trap 'rm -rf "$out"' EXIT
export LR_UNIT_OUT=$out/results LR_SCENARIO_DIR=$PWD/bench/scenarios
mkdir -p "$LR_UNIT_OUT"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }

# 1. cmocka binaries
bins=()
for t in "$@"; do bins+=("$build/tests/test_$t"); done
i=0
for bin in "${bins[@]}"; do
	i=$((i + 1))
	name=$(basename "$bin")
	log=$out/$name.log
	CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -1)
	p=$((p - s))
	missing=$(( ${planned:-0} - p - s - f ))
	if [ "$missing" -gt 0 ]; then f=$((f + missing)); fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "unit: [$i/${#bins[@]}] $name: $p passed, $f failed, $s skipped"
	if [ "$f" -gt 0 ]; then sed 's/^/    /' "$log"; fi
done

# 2. every result.json the tests wrote validates against the schema
echo "unit: schema validation of the results the tests wrote"
found=0
while IFS= read -r r; do
	found=1
	if msg=$(/usr/bin/python3 scripts/validate-result.py "$r" 2>&1); then
		ok "schema: ${r#"$LR_UNIT_OUT"/}"
	else
		bad "schema: $msg"
	fi
done < <(find "$LR_UNIT_OUT" -name result.json | sort)
[ "$found" -eq 1 ] || bad "schema: the tests wrote no result.json"

# the validator must reject a broken document (it is not a rubber stamp)
broken=$out/broken.json
sed -e 's/"format_version": 1/"format_version": 7/' \
	"$(find "$LR_UNIT_OUT" -name result.json | head -1)" >"$broken"
if /usr/bin/python3 scripts/validate-result.py "$broken" >/dev/null 2>&1; then
	bad "schema: a wrong format_version was accepted"
else
	ok "schema: a wrong format_version is rejected"
fi

# 3. CLI: usage errors exit 2 with a message naming the problem; show works
echo "unit: lrbench command line"
lrb=$build/bin/lrbench
expect() { # expect CODE PATTERN ARGS...: exit code and a stderr/stdout match
	local code=$1 pat=$2
	shift 2
	local o rc
	o=$("$lrb" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pat" <<<"$o"; then
		ok "lrbench $* -> $rc"
	else
		bad "lrbench $* -> $rc (want $code, /$pat/): $(head -3 <<<"$o")"
	fi
}
printf '[job]\nbuffer_bytes = 4M\nwork_groups = lots\n' >"$out/bad.ini"
expect 0 "usage: lrbench" --help
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "usage: lrbench"
expect 2 "run: missing SCENARIO" run
expect 2 "unknown option '--bogus'" run smoke --bogus
expect 2 "option '--reps' needs a value" run smoke --reps
expect 2 "--reps: '0': out of range" run smoke --reps 0
expect 2 "--duration: 'x': not a number" run smoke --duration x
expect 2 "--output: empty value" run smoke -o ""
expect 2 "scenario 'no-such-scenario': no such file" run no-such-scenario
expect 2 "bad.ini:3: \[job\] work_groups: 'lots'" run "$out/bad.ini"
expect 2 "backend 'nope' unknown" run smoke --backend nope -o "$out/x"
expect 2 "run: unexpected argument 'extra'" run smoke extra
expect 1 "no such file or directory" show "$out/nothing"
echo '{"schema": "something-else"}' >"$out/other.json"
expect 1 "not an lrbench-result document" show "$out/other.json"
expect 1 "bad.ini:1: invalid token" show "$out/bad.ini"
expect 0 "status +pass" show "$LR_UNIT_OUT/run-pass"
expect 0 "stall_latency_pressure" show "$LR_UNIT_OUT/run-pass/result.json"

# 4. formatting of the files this tier owns
echo "unit: clang-format check of bench/ and tests/unit/"
if clang-format --dry-run --Werror bench/*.c bench/*.h tests/unit/*.c tests/unit/*.h 2>"$out/fmt"; then
	ok "clang-format"
else
	bad "clang-format: $(head -5 "$out/fmt")"
fi

echo "unit: $pass passed, $fail failed, $skip skipped"
[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
[ "$fail" -eq 0 ]
