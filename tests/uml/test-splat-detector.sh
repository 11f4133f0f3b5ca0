#!/usr/bin/env bash
# Negative tests of the kernel-splat detector in scripts/uml-run.sh: every
# sample under splat-samples/ except clean.log must be reported (exit 97),
# clean.log must pass (exit 0). Runs on the host, no UML needed.
# With --live KERNEL it also boots UML, makes the kernel dump task stacks
# (sysrq t) and checks that uml-run.sh fails the run on it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$here/../../scripts/uml-run.sh
pass=0 fail=0

check() { # NAME EXPECTED-RC ACTUAL-RC
	if [ "$2" -eq "$3" ]; then
		pass=$((pass + 1)); echo "ok   $1"
	else
		fail=$((fail + 1)); echo "FAIL $1: expected exit $2, got $3"
	fi
}

for f in "$here"/splat-samples/*.log; do
	name=$(basename "$f" .log)
	"$run" --check-log "$f" >/dev/null 2>&1
	rc=$?
	if [ "$name" = clean ]; then
		check "detector: $name passes" 0 $rc
	else
		check "detector: $name is a splat" 97 $rc
	fi
done

if [ "${1:-}" = --live ]; then
	[ $# -ge 2 ] || { echo "usage: $0 [--live KERNEL]" >&2; exit 2; }
	out=$(mktemp -d)
	"$run" --no-kmemleak --kernel "$2" --out "$out" --timeout 120 -- sh -c 'echo t >/proc/sysrq-trigger' >/dev/null 2>&1
	check "live: sysrq stack dump fails the run" 97 $?
	"$run" --no-kmemleak --kernel "$2" --out "$out" --timeout 120 -- sh -c 'exit 3' >/dev/null 2>&1
	check "live: command status 3 is returned" 3 $?
	"$run" --no-kmemleak --kernel "$2" --out "$out" --timeout 120 -- true >/dev/null 2>&1
	check "live: clean boot passes" 0 $?
	"$run" --no-kmemleak --kernel "$2" --out "$out" --timeout 5 -- sleep 60 >/dev/null 2>&1
	check "live: timeout is enforced" 124 $?
	rm -rf "$out"
fi

echo "splat detector: $pass passed, $fail failed"
[ -n "${LR_SPLAT_COUNT:-}" ] && echo "$pass $fail 0" >"$LR_SPLAT_COUNT"
[ "$fail" -eq 0 ]
