#!/usr/bin/env bash
# Self-test of the IGT build path and of the runner, the way IGT tests its own
# library: run subtests whose outcome is known (several must FAIL, SKIP or
# CRASH) and check exit codes and output lines; then run the same binaries
# through igt-tests/run-uml.sh --no-uml and check results.json; then the
# results writer's unit tests on synthetic kernel logs.
#
# Usage: igt-tests/selftest/check.sh BUILD_DIR [COUNT_FILE]
#   BUILD_DIR   folder holding lrb_igt_selftest and lrb_igt_selftest_fixture_fail
#   COUNT_FILE  receives "PASSED FAILED SKIPPED" (the test-tier contract)
# Prints one "ok"/"not ok" line per check; exits 1 when any check failed.
set -uo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 BUILD_DIR [COUNT_FILE]" >&2; exit 2; }
bdir=$1 count_file=${2:-}
st=$bdir/lrb_igt_selftest
ff=$bdir/lrb_igt_selftest_fixture_fail
for b in "$st" "$ff"; do
	[ -x "$b" ] || { echo "check: error: '$b' is not built (make igt-tests)" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 n=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# run NAME ARGS... : run the self-test binary, keep stdout/stderr/rc.
run() {
	local bin=$1
	shift
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

# expect DESC RC [grep -E pattern on stdout+stderr]... ; "!pattern" must be absent.
expect() {
	local desc=$1 want=$2 got p why=
	shift 2
	got=$(cat "$tmp/rc")
	[ "$got" = "$want" ] || why="exit status $got, expected $want"
	for p in "$@"; do
		if [ "${p#!}" != "$p" ]; then
			! grep -qE -- "${p#!}" "$tmp/out" "$tmp/err" || why="${why:+$why; }unexpected output /${p#!}/"
		else
			grep -qE -- "$p" "$tmp/out" "$tmp/err" || why="${why:+$why; }missing output /$p/"
		fi
	done
	if [ -z "$why" ]; then
		ok "$desc"
	else
		notok "$desc: $why"
		sed 's/^/#   | /' "$tmp/out" "$tmp/err" | head -n 20
	fi
}

T='\([0-9]+\.[0-9]{3}s\)'
expected_list="pass fail-assert fail-assert-eq skip-require skip-on-reason crash-segv fork-child-fails fork-children-pass group-skip-a group-skip-b after-group dmesg-warning warn-stderr sleep-3s"

echo "# lrb_igt_selftest: direct runs (exit codes 0/77/98, IGT's output lines)"
run "$st" --list-subtests
if [ "$(cat "$tmp/rc")" = 0 ] && [ "$(tr '\n' ' ' <"$tmp/out" | sed 's/ $//')" = "$expected_list" ]; then
	ok "--list-subtests lists exactly the 13 subtests in order, exit 0"
else
	notok "--list-subtests: exit $(cat "$tmp/rc"), got: $(tr '\n' ' ' <"$tmp/out")"
fi
run "$st" --run-subtest pass
expect "pass: SUCCESS, exit 0" 0 "^Starting subtest: pass$" "^Subtest pass: SUCCESS $T$" "^IGT-Version: "
run "$st" --run-subtest fail-assert
expect "fail-assert: FAIL, exit 98, names the assertion" 98 "^Subtest fail-assert: FAIL $T$" \
	"Failed assertion: one == 2" "!unreachable after a failed assert"
run "$st" --run-subtest fail-assert-eq
expect "fail-assert-eq: FAIL, exit 98, prints both operands" 98 "^Subtest fail-assert-eq: FAIL $T$" \
	"error: 4 == 5 is false"
run "$st" --run-subtest skip-require
expect "skip-require: SKIP, exit 77, names the requirement" 77 "^Subtest skip-require: SKIP $T$" \
	"Test requirement: have_feature" "!unreachable after a failed requirement"
run "$st" --run-subtest skip-on-reason
expect "skip-on-reason: SKIP, exit 77, prints the reason" 77 "^Subtest skip-on-reason: SKIP $T$" \
	"selftest reason: no such hardware"
run "$st" --run-subtest crash-segv
expect "crash-segv: CRASH, exit 139 (128+SIGSEGV)" 139 "^Subtest crash-segv: CRASH $T$" \
	"Received signal SIGSEGV"
run "$st" --run-subtest fork-child-fails
expect "fork-child-fails: a failing child fails the subtest, exit 98" 98 \
	"^Subtest fork-child-fails: FAIL $T$" "error: 0 == 1 is false"
run "$st" --run-subtest fork-children-pass
expect "fork-children-pass: SUCCESS, exit 0" 0 "^Subtest fork-children-pass: SUCCESS $T$"
run "$st" --run-subtest group-skip-a
expect "group-skip-a: skipped by its group's fixture, exit 77" 77 "^Subtest group-skip-a: SKIP" \
	"group fixture skips on purpose" "!unreachable"
run "$st" --run-subtest after-group
expect "after-group: a skipped group does not skip what follows it, exit 0" 0 \
	"^Subtest after-group: SUCCESS $T$"
run "$st" --run-subtest 'skip-*'
expect "--run-subtest 'skip-*': the wildcard selects exactly the two skip subtests" 77 \
	"^Subtest skip-require: SKIP" "^Subtest skip-on-reason: SKIP" "!Starting subtest: (pass|fail|crash|group|after)"
run "$st" --run-subtest no-such-subtest
expect "--run-subtest of an unknown name: exit 79 (invalid)" 79 "Unknown subtest: no-such-subtest"
run "$st" --no-such-option
expect "an unknown option: exit 79 (invalid)" 79
run "$st" --describe pass
expect "--describe pass: prints the igt_describe() text" 0 "^SUB pass .*lrb_igt_selftest.c:[0-9]+:" \
	"Every assertion holds\\."
run env -u LRB_IGT_KMSG_SINK "$st" --run-subtest dmesg-warning
expect "dmesg-warning without a sink: SKIP with the reason, exit 77" 77 \
	"^Subtest dmesg-warning: SKIP" "no LRB_IGT_KMSG_SINK"

echo "# lrb_igt_selftest_fixture_fail: a failing fixture fails what follows"
run "$ff"
expect "failing fixture: before SUCCESS, after FAIL without running, exit 98" 98 \
	"^Subtest before-fixture: SUCCESS $T$" "^Subtest after-fixture: FAIL" "fixture fails on purpose" \
	"!unreachable"

echo "# igt-tests/run-uml.sh --no-uml: results.json in igt_runner's format"
rout=$tmp/run
"$here/igt-tests/run-uml.sh" --no-uml --timeout 1 --out "$rout" "$st" "$ff" >"$tmp/runner.log" 2>&1
rrc=$?
if [ $rrc -eq 1 ]; then
	ok "runner exits 1 when some subtests fail"
else
	notok "runner exit status $rrc, expected 1"
	sed 's/^/#   | /' "$tmp/runner.log" | tail -n 20
fi
# name=expected result; every planned subtest must be present with that result.
python3 - "$rout/results.json" "$(uname -snrvm)" >"$tmp/json.tap" 2>&1 <<'EOF'
import json, sys
want = {
    "pass": "pass", "fail-assert": "fail", "fail-assert-eq": "fail", "skip-require": "skip",
    "skip-on-reason": "skip", "crash-segv": "crash", "fork-child-fails": "fail",
    "fork-children-pass": "pass", "group-skip-a": "skip", "group-skip-b": "skip",
    "after-group": "pass", "dmesg-warning": "dmesg-warn", "sleep-3s": "timeout",
    "warn-stderr": "warn",
}
want = {"igt@lrb_igt_selftest@" + k: v for k, v in want.items()}
want["igt@lrb_igt_selftest_fixture_fail@before-fixture"] = "pass"
want["igt@lrb_igt_selftest_fixture_fail@after-fixture"] = "fail"
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print("not ok - results.json unreadable: %s" % e)
    sys.exit(0)
top = ["__type__", "results_version", "name", "uname", "cmdline", "time_elapsed", "tests", "totals",
       "runtimes"]
missing = [k for k in top if k not in doc]
print(("ok" if not missing else "not ok") + " - results.json has igt_runner's top-level keys" +
      (": missing %s" % missing if missing else ""))
print(("ok" if doc.get("uname") == sys.argv[2] else "not ok") +
      " - uname is where the tests ran (%r)" % doc.get("uname"))
cl = doc.get("cmdline") or []
print(("ok" if cl and cl[0].endswith("run-uml.sh") and "--no-uml" in cl else "not ok") +
      " - cmdline is the runner's argv (%s)" % " ".join(cl)[:120])
for name, res in want.items():
    t = doc["tests"].get(name)
    if t is None:
        print("not ok - %s: missing from results.json" % name)
        continue
    keys = [k for k in ("result", "time", "out", "err", "dmesg") if k not in t]
    got = t.get("result")
    good = got == res and not keys
    print("%s - %s: %s%s" % ("ok" if good else "not ok", name, got,
                             "" if got == res else " (expected %s)" % res) +
          ("; missing %s" % keys if keys else ""))
extra = set(doc["tests"]) - set(want)
print(("ok" if not extra else "not ok") + " - no unexpected tests" + (": %s" % sorted(extra) if extra else ""))
tot = doc["totals"][""]
counted = sum(tot.values())
print(("ok" if counted == len(want) and tot == doc["totals"]["root"] else "not ok") +
      " - totals count every test once (%d)" % counted)
w = doc["tests"]["igt@lrb_igt_selftest@dmesg-warning"].get("dmesg-warnings", "")
print(("ok" if "WARNING: CPU: 0" in w else "not ok") + " - dmesg-warnings holds the WARNING line")
d = doc["tests"]["igt@lrb_igt_selftest@pass"]["dmesg"]
print(("ok" if "WARNING" not in d else "not ok") + " - the WARNING is not attributed to other subtests")
EOF
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	*) notok "results check: $line" ;;
	esac
done <"$tmp/json.tap"

"$here/igt-tests/run-uml.sh" --no-uml --out "$tmp/run2" --filter 'igt@*@pass' "$st" >"$tmp/runner2.log" 2>&1
rrc=$?
if [ $rrc -eq 0 ] && [ "$(ls "$tmp/run2/tests" | wc -l)" -eq 1 ]; then
	ok "runner --filter runs only the matching subtest and exits 0 when it passes"
else
	notok "runner --filter: exit $rrc, $(ls "$tmp/run2/tests" 2>/dev/null | wc -l) tests run"
fi
"$here/igt-tests/run-uml.sh" --no-uml --out "$tmp/run3" "$tmp/no-such-binary" >"$tmp/runner3.log" 2>&1
rrc=$?
if [ $rrc -eq 2 ] && grep -q "no-such-binary' does not exist" "$tmp/runner3.log"; then
	ok "runner rejects a missing binary with exit 2 and names it"
else
	notok "runner with a missing binary: exit $rrc"
fi

echo "# igt_results.py unit tests (synthetic kernel logs)"
if python3 "$here/igt-tests/selftest/test_results.py" >"$tmp/unit.log" 2>&1; then
	ok "igt_results.py: $(grep -E '^Ran [0-9]+ tests' "$tmp/unit.log")"
else
	notok "igt_results.py unit tests failed"
	sed 's/^/#   | /' "$tmp/unit.log" | tail -n 30
fi

echo "# vlr_stream.h: the STREAM model the vlr tests verify data with"
if [ -x "$bdir/stream_math" ] && "$bdir/stream_math" >"$tmp/math.log" 2>&1; then
	ok "$(cat "$tmp/math.log")"
else
	notok "stream_math: $(cat "$tmp/math.log" 2>/dev/null || echo "not built")"
fi

echo "# selftest: $passed passed, $failed failed"
[ -z "$count_file" ] || echo "$passed $failed 0" >"$count_file"
[ $failed -eq 0 ]
