#!/bin/bash
# Runs inside UML (PID 1's child, see scripts/uml-run.sh): every vlr subtest,
# each with a timeout, in both device modes. Writes one line per subtest to
# OUT/results.txt ("NAME pass|fail|skip SECONDS") and its output to
# OUT/NAME.log. Usage: inside.sh VLR_TEST_BINARY OUT_DIR
set -u
bin=$1
out=$2
: >"$out/results.txt"
modes=(preempt-fence open-coded)
common=(info fill-copy ufence-timeout bad-input)
per_mode=(mode-busy reset-stats stream evict-restore two-vms destroy-preempted kill-restore report)
total=$((${#common[@]} + ${#modes[@]} * ${#per_mode[@]}))
n=0

run() { # NAME ARGS...
	local name=$1 rc status start end
	shift
	n=$((n + 1))
	start=$(date +%s.%N)
	timeout -k 5 180 "$bin" "$@" >"$out/$name.log" 2>&1
	rc=$?
	end=$(date +%s.%N)
	case $rc in
	0) status=pass ;;
	77) status=skip ;;
	*) status=fail ;;
	esac
	dur=$(printf '%.2f' "$(echo "$end - $start" | bc)")
	echo "$name $status $dur" >>"$out/results.txt"
	echo "uml-test: [$n/$total] $name: $status (${dur}s)"
	if [ $status = fail ]; then
		[ $rc -eq 124 ] && echo "uml-test:     timed out after 180 s"
		sed 's/^/uml-test:     /' "$out/$name.log" | tail -n 15
	fi
	grep -h '^vlr stats' "$out/$name.log" | sed 's/^/uml-test: /'
}

if ! ls /dev/dri/renderD* >/dev/null 2>&1; then
	echo "uml-test: no /dev/dri/renderD* in this kernel (built without vlr?)"
fi
for t in "${common[@]}"; do
	run "$t" "$t"
done
for m in "${modes[@]}"; do
	for t in "${per_mode[@]}"; do
		run "$t@$m" --mode "$m" "$t"
	done
done
exit 0
