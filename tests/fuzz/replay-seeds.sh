#!/usr/bin/env bash
# Replay the regression seeds of tests/fuzz/seeds.txt, one boot each.
#
# Usage: tests/fuzz/replay-seeds.sh [--runner uml|vm|SCRIPT] [--kernel PATH] [--seeds FILE]
#                                    [--only N]
#
# Each line of the seeds file is `SEED OPTIONS... # signature`: the fuzzer
# runs as `vlr-fuzz --seed SEED OPTIONS...` in a fresh boot; an option
# --append=K=V goes to the kernel command line instead (e.g. vlr.vram_mb=16). A seed passes
# when the runner exits 0 (fuzzer clean, kernel log clean). For a seed that
# fails, the script says whether the kernel log (or the fuzzer's output)
# still shows the recorded signature, i.e. the known bug is still there, or
# something else. Prints one line per seed and "N passed, N failed".
# Exit 0 when every seed passed, 1 otherwise, 77 when the runner is missing.
set -uo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
runner=${LR_FUZZ_RUNNER:-uml}
seeds=$here/tests/fuzz/seeds.txt
only=
kernel=()
bin=$here/build/fuzz/vlr-fuzz

while [ $# -gt 0 ]; do
	case "$1" in
	--runner) runner=$2; shift 2 ;;
	--seeds) seeds=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--kernel) kernel=(--kernel "$2"); shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "replay-seeds: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
case "$runner" in
uml) run=$here/scripts/uml-run.sh ;;
vm) run=$here/scripts/vm-run.sh ;;
*) run=$runner ;;
esac
[ -x "$run" ] || { echo "replay-seeds: skip: runner '$run' is not there"; exit 77; }
[ -x "$bin" ] || { echo "replay-seeds: $bin not built (make fuzz)" >&2; exit 2; }

pass=0 fail=0 n=0
while IFS= read -r line; do
	case "$line" in '' | '#'*) continue ;; esac
	n=$((n + 1))
	[ -n "$only" ] && [ "$only" != "$n" ] && continue
	sig=$(echo "$line" | sed -n 's/^[^#]*# *//p')
	read -r -a all <<<"$(echo "$line" | sed 's/#.*//')"
	# --append=K=V goes to the kernel command line, the rest to the fuzzer.
	args=() append=()
	for a in "${all[@]}"; do
		case "$a" in
		--append=*) append+=("${a#--append=}") ;;
		*) args+=("$a") ;;
		esac
	done
	seed=${args[0]}
	[ ${#append[@]} -eq 0 ] || append=(--append "${append[*]}")
	out=$here/build/fuzz/replay-$n-$seed
	rm -rf "$out"
	"$run" "${kernel[@]}" "${append[@]}" --out "$out" --no-kmemleak --timeout 400 -- "$bin" --seed "${args[@]}" \
		--json "$out/fuzz.json" >"$out.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "replay-seeds: [$n] seed $seed: pass"
		continue
	fi
	fail=$((fail + 1))
	# The signature's first words before " / " are matched in the logs.
	key=${sig%% / *}
	if [ -n "$key" ] && grep -qF -- "$key" "$out/kernel.log" "$out/console.log" "$out.log" 2>/dev/null; then
		why="known bug still there: $sig"
	else
		why="failed without the recorded signature ($sig)"
	fi
	echo "replay-seeds: [$n] seed $seed: FAIL (exit $rc): $why; logs in $out"
done <"$seeds"
echo "replay-seeds: $pass passed, $fail failed"
[ $fail -eq 0 ]
