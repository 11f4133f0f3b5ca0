#!/usr/bin/env bash
# Run test tiers and sum them into one closing line.
#
# Contract for a tier NAME: `make test-NAME` runs it and writes one line
# "PASSED FAILED SKIPPED" (three integers) to $LR_TIER_COUNT. A tier that
# exits non-zero without reporting a failure, or reports nothing, counts as
# one failure. Usage: scripts/run-tests.sh TIER...
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD/tiers"

tp=0 tf=0 ts=0
summary=()
for tier in "$@"; do
	count="$BUILD/tiers/$tier.count"
	rm -f "$count"
	echo "=== tier $tier: starting ($(date +%T))"
	start=$(date +%s)
	LR_TIER_COUNT="$PWD/$count" make --no-print-directory "test-$tier"
	rc=$?
	p=0 f=0 s=0
	if [ -s "$count" ]; then
		read -r p f s <"$count"
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "=== tier $tier: exited $rc without reporting a failure; counting one"
		f=$((f + 1))
	fi
	dur=$(($(date +%s) - start))
	summary+=("$(printf '%-10s %4d passed, %4d failed, %4d skipped  (%ds)' "$tier" "$p" "$f" "$s" "$dur")")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done

echo "=== summary"
for line in "${summary[@]}"; do echo "  $line"; done
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
