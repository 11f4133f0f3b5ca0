#!/bin/bash
# Runs inside UML or the SMP guest (PID 1's child, see scripts/uml-run.sh and
# scripts/vm-run.sh): every vlr subtest, each with a timeout, in both device
# modes. Writes one line per subtest to OUT/results.txt ("NAME pass|fail|skip
# SECONDS") and its output to OUT/NAME.log. Usage: inside.sh VLR_TEST_BINARY
# OUT_DIR. Environment: LR_TEST_TAG (line prefix, default uml-test),
# LR_SUBTEST_TIMEOUT (seconds per subtest, default 180).
set -u
tag=${LR_TEST_TAG:-uml-test}
limit=${LR_SUBTEST_TIMEOUT:-180}
bin=$1
out=$2
: >"$out/results.txt"
modes=(preempt-fence open-coded)
# The subtests in the binary's order (vlr-test --list): NAME or NAME@mode.
common=($("$bin" --list | cut -f1 | grep -v '@mode$'))
per_mode=($("$bin" --list | cut -f1 | grep '@mode$' | sed 's/@mode$//'))
total=$((${#common[@]} + ${#modes[@]} * ${#per_mode[@]} + 1))
n=0

run() { # NAME ARGS...
	local name=$1 rc status start end
	shift
	n=$((n + 1))
	start=$(date +%s.%N)
	timeout -k 5 "$limit" "$bin" "$@" >"$out/$name.log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	case $rc in
	0) status=pass ;;
	77) status=skip ;;
	*) status=fail ;;
	esac
	dur=$(printf '%.2f' "$(echo "$end - $start" | bc)")
	echo "$name $status $dur" >>"$out/results.txt"
	echo "$tag: [$n/$total] $name: $status (${dur}s)"
	if [ $status = fail ]; then
		[ $rc -eq 124 ] && echo "$tag:     timed out after $limit s"
		sed "s/^/$tag:     /" "$out/$name.log" | tail -n 15
	fi
	grep -h '^vlr stats' "$out/$name.log" | sed "s/^/$tag: /"
}

if ! ls /dev/dri/renderD* >/dev/null 2>&1; then
	echo "$tag: no /dev/dri/renderD* in this kernel (built without vlr?)"
fi
for t in "${common[@]}"; do
	run "$t" "$t"
done
for m in "${modes[@]}"; do
	for t in "${per_mode[@]}"; do
		run "$t@$m" --mode "$m" "$t"
	done
done
# lrbench on vlr: the short vlr-compare scenario (both modes alternating, 2
# repetitions of 4 s); tests/uml/run.sh validates its result.json on the host.
# A 128 KiB job: its progress steps stay 10x finer than the 40 ms stall
# threshold also in the TCG guest (the 512 KiB of the scenario took 6 ms a
# step there, and lrbench refuses a threshold under 10 steps).
lrbench=${LR_LRBENCH:-build/bin/lrbench}
if [ -x "$lrbench" ]; then
	bin=$lrbench run lrbench-vlr-compare run vlr-compare -o "$out/lrbench-vlr-compare" \
		--duration 4 --reps 2 --set job.buffer_bytes=128K
else
	n=$((n + 1))
	echo "lrbench-vlr-compare skip 0" >>"$out/results.txt"
	echo "$tag: [$n/$total] lrbench-vlr-compare: skip ($lrbench not built)"
fi
exit 0
