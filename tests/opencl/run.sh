#!/usr/bin/env bash
# The "opencl" test tier (see mk/opencl.mk): usage tests/opencl/run.sh [BUILD_DIR]
# BUILD_DIR (default build/asan) holds tests/test-opencl and bin/lrbench,
# built under ASan/UBSan by `make asan`. Writes "PASSED FAILED SKIPPED" to
# $LR_TIER_COUNT when set and exits non-zero when anything failed.
# Steps that need an OpenCL platform skip (with the reason) without one.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build/asan}
T=$B/tests/test-opencl
LRBENCH=$B/bin/lrbench
LOGS=$B/tiers/opencl
WORK=$(mktemp -d /tmp/lrbench-opencl.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$LOGS" "$WORK/empty-vendors"

export LSAN_OPTIONS="suppressions=$PWD/tests/opencl/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LRBENCH_OPENCL_LEAK_CHECK=1
unset LRBENCH_OPENCL_DEVICE LRBENCH_OPENCL_MODE LRBENCH_OPENCL_MAX_ALLOC LRBENCH_OPENCL_LAYOUT \
	LRBENCH_OPENCL_TIMEOUT

pass=0 fail=0 skip=0 n=0
total=13
have_platform=0

note() { printf 'opencl: [%2d/%d] %s\n' "$n" "$total" "$*"; }
ok() { pass=$((pass + 1)); note "ok    $1"; }
bad() {
	fail=$((fail + 1))
	note "FAIL  $1"
	[ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    | /' "$2" | tail -40
}
skipped() { skip=$((skip + 1)); note "skip  $1: $2"; }

# cmocka groups, counted per test from TAP output.
# usage: cmocka NAME [ENV=VALUE...] -- GROUP...
cmocka() {
	local name=$1 log rc p f s
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	n=$((n + 1))
	log=$LOGS/$name.log
	env "${envs[@]}" CMOCKA_MESSAGE_OUTPUT=TAP "$T" "$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^not ok .*# SKIP' "$log")
	f=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, sanitizer report or leak check abort
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	note "$(printf '%-6s' "$([ "$f" -eq 0 ] && echo ok || echo FAIL)")$name: $p passed, $f failed, $s skipped ($log)"
	if [ "$f" -ne 0 ]; then
		sed 's/^/    | /' "$log" | grep -v '^    | ok ' | tail -40
	fi
}

if [ ! -x "$T" ] || [ ! -x "$LRBENCH" ]; then
	bad "binaries missing ($T, $LRBENCH): run make asan"
	echo "$pass $fail $skip" >"${LR_TIER_COUNT:-/dev/null}"
	exit 1
fi
n=$((n + 1))
if out=$(clang-format --dry-run --Werror workloads/opencl*.c workloads/opencl*.h workloads/backend.c tests/opencl/*.c 2>&1); then
	ok "clang-format clean: workloads/opencl*, workloads/backend.c, tests/opencl/"
else
	echo "$out" >"$LOGS/format.log"
	bad "clang-format: workloads/ or tests/opencl/ not formatted" "$LOGS/format.log"
fi

if "$LRBENCH" list >"$LOGS/list.log" 2>&1 && grep -q '^ *0:0 ' "$LOGS/list.log"; then
	have_platform=1
fi

# PoCL compiles kernels with LLVM on a kernel-cache miss (first run on a
# machine); at exit of such a process LeakSanitizer's tracer crashed
# ("Tracer caught signal 11") in one of our test processes. Build every
# kernel variant the tests use once, leak checking off, into a cache of the
# tier's own, so the checked runs below find them compiled.
export POCL_CACHE_DIR=$PWD/$B/pocl-cache
if [ $have_platform -eq 1 ]; then
	note "warming PoCL's kernel cache in $POCL_CACHE_DIR"
	for lay in contiguous interleaved; do
		ASAN_OPTIONS=detect_leaks=0 LRBENCH_OPENCL_LEAK_CHECK= LRBENCH_OPENCL_LAYOUT=$lay \
			"$B/tests/opencl-perf" -t 0.1 -r 1 -j 256K -p 64K >"$LOGS/warm-$lay.log" 2>&1 ||
			note "warm-up ($lay) failed, see $LOGS/warm-$lay.log"
	done
fi

cmocka backend-api -- api
cmocka backend-job-default -- job
cmocka backend-job-hostptr LRBENCH_OPENCL_MODE=hostptr -- job
cmocka backend-job-svm-coarse-interleaved LRBENCH_OPENCL_MODE=svm-coarse LRBENCH_OPENCL_LAYOUT=interleaved -- job
cmocka backend-pressure -- pressure
cmocka backend-no-platform OCL_ICD_VENDORS="$WORK/empty-vendors" -- no-platform

# lrbench end to end.
n=$((n + 1))
if [ $have_platform -eq 0 ]; then
	skipped "lrbench list shows the OpenCL devices" "no OpenCL device ($(grep -m1 -o 'opencl: no [^)]*' "$LOGS/list.log" || echo 'lrbench list shows none'))"
else
	ok "lrbench list shows the OpenCL devices with selectors"
fi

smoke() { # NAME EXTRA_ENV...
	local name=$1 dir=$WORK/$1 log=$LOGS/$1.log
	shift
	n=$((n + 1))
	if [ $have_platform -eq 0 ]; then
		skipped "$name" "no OpenCL device"
		return
	fi
	env "$@" "$LRBENCH" run bench/scenarios/smoke.ini -o "$dir" ${SMOKE_ARGS:-} >"$log" 2>&1
	local rc=$?
	if [ $rc -ne 0 ]; then
		echo "lrbench exited $rc" >>"$log"
		bad "$name: lrbench run bench/scenarios/smoke.ini" "$log"
		return
	fi
	if ! /usr/bin/python3 scripts/validate-result.py "$dir/result.json" >>"$log" 2>&1; then
		bad "$name: result.json does not validate against the schema" "$log"
		return
	fi
	# Non-zero throughput, zero verify failures, the mechanism in use recorded.
	if /usr/bin/python3 - "$dir/result.json" "${MODE_WANT:-ctrl=}" >>"$log" 2>&1 <<'PY'; then
import json, sys
r = json.load(open(sys.argv[1]))
m = {x["name"]: x for x in r["metrics"]}
thr = m["throughput"]["summary"]["mean"]
vf = m["verify_failures"]["summary"]["max"]
runs = r["repetitions"]["runs"]
checked = [x["verify"]["elements_checked"] for x in runs]
print("throughput mean %.4g %s, verify_failures max %s, elements checked %s, detail %s"
      % (thr, m["throughput"]["unit"], vf, checked, r["device"]["detail"]))
assert r["status"] == "pass", r["status"]
assert thr > 0, "zero throughput"
assert vf == 0, "verify failures"
assert all(c > 0 for c in checked), "nothing verified"
assert all(x["verify"]["mismatches"] == 0 for x in runs)
assert sys.argv[2] in r["device"]["detail"], "mechanism not in device.detail"
PY
		ok "$name: schema-valid result, $(grep -o 'throughput mean [^,]*' "$log")"
	else
		bad "$name: result content" "$log"
	fi
}
smoke lrbench-smoke
MODE_WANT=ctrl=hostptr SMOKE_ARGS="--reps 1" smoke lrbench-smoke-hostptr LRBENCH_OPENCL_MODE=hostptr

n=$((n + 1))
log=$LOGS/lrbench-no-platform.log
OCL_ICD_VENDORS="$WORK/empty-vendors" "$LRBENCH" run bench/scenarios/smoke.ini \
	-o "$WORK/noplat" >"$log" 2>&1
rc=$?
if [ $rc -eq 77 ] && grep -q 'no OpenCL platform' "$log"; then
	ok "lrbench without a platform exits 77 with the reason"
else
	echo "exit $rc" >>"$log"
	bad "lrbench without a platform: want exit 77 and 'no OpenCL platform'" "$log"
fi

n=$((n + 1))
log=$LOGS/lrbench-corruption.log
if [ $have_platform -eq 0 ]; then
	skipped "lrbench --inject-corruption" "no OpenCL device"
else
	"$LRBENCH" run bench/scenarios/smoke.ini -o "$WORK/corrupt" --reps 1 \
		--inject-corruption 4101 >"$log" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'first bad byte offset 4101' "$log"; then
		ok "lrbench --inject-corruption 4101 exits 1 naming offset 4101"
	else
		echo "exit $rc" >>"$log"
		bad "lrbench --inject-corruption: want exit 1 and 'first bad byte offset 4101'" "$log"
	fi
fi

n=$((n + 1))
log=$LOGS/lrbench-bad-device.log
if [ $have_platform -eq 0 ]; then
	skipped "lrbench --device with a bad selector" "no OpenCL device"
else
	"$LRBENCH" run bench/scenarios/smoke.ini -o "$WORK/baddev" --device 99:99 >"$log" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'no device 99:99' "$log" && grep -q '0:0' "$log"; then
		ok "lrbench --device 99:99 exits 1 naming the devices that exist"
	else
		echo "exit $rc" >>"$log"
		bad "lrbench --device 99:99: want exit 1 listing the devices" "$log"
	fi
fi

echo "opencl: $pass passed, $fail failed, $skip skipped"
[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
[ "$fail" -eq 0 ]
