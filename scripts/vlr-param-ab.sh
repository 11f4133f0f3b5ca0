#!/usr/bin/env bash
# A/B a vlr module parameter in ONE boot of the patched UML kernel: for each
# round, set /sys/module/vlr/parameters/PARAM to A, run lrbench SCENARIO,
# set it to B, run it again (A B A B ...), each into its own result folder,
# then print restore latency and restore_bound_ratio (median per mode and
# value) from the results. Kernel changes that have a run-time switch are
# compared this way on the same boot, so host noise hits both sides alike.
#
# Usage: scripts/vlr-param-ab.sh [--rounds N] [--reps R] [--duration S]
#                                [--out DIR] PARAM A B [SCENARIO]
#   PARAM     a writable vlr module parameter (e.g. restore_entity)
#   A, B      its two values (e.g. 0 1)
#   SCENARIO  lrbench scenario (default vlr-steady)
#   --rounds  A/B rounds (default 2), --reps/--duration per lrbench run
#             (default 6 repetitions of 7 s, make run's short vlr-steady)
#   --out     results folder (default build/ab/<time>)
#
# Exit: 0 when every run passed; otherwise the first failing lrbench status,
# 97 for a kernel splat (scripts/uml-run.sh), 2 on usage errors.
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=2 reps=6 duration=7 out=
die() { echo "vlr-param-ab: error: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=${2:?}; shift 2 ;;
	--reps) reps=${2:?}; shift 2 ;;
	--duration) duration=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--inside) shift; break ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done

if [ "${LR_AB_INSIDE:-}" = 1 ]; then
	# Inside UML: $1 PARAM, $2 A, $3 B, $4 SCENARIO, $5 OUT
	param=$1 a=$2 b=$3 scenario=$4 dir=$5
	knob=/sys/module/vlr/parameters/$param
	[ -w "$knob" ] || { echo "vlr-param-ab: $knob is not writable (kernel without it?)"; exit 2; }
	old=$(cat "$knob")
	rc=0
	for r in $(seq 1 "$rounds"); do
		for v in "$a" "$b"; do
			echo "$v" >"$knob"
			echo "vlr-param-ab: round $r/$rounds: $param=$(cat "$knob"): lrbench run $scenario"
			${LRBENCH:-build/bin/lrbench} run "$scenario" -o "$dir/$param=$v-r$r" \
				--backend vlr --reps "$reps" --duration "$duration" >"$dir/$param=$v-r$r.log" 2>&1
			s=$?
			[ $s -ne 0 ] && { echo "vlr-param-ab: lrbench exited $s (log: $dir/$param=$v-r$r.log)"; [ $rc -eq 0 ] && rc=$s; }
		done
	done
	echo "$old" >"$knob"
	exit $rc
fi

[ $# -ge 3 ] || die "usage: scripts/vlr-param-ab.sh [options] PARAM A B [SCENARIO] (see --help)"
param=$1 a=$2 b=$3 scenario=${4:-vlr-steady}
case $param in *[!a-z_]*) die "bad parameter name '$param'" ;; esac
for n in "$rounds" "$reps" "$duration"; do
	case $n in '' | *[!0-9]*) die "--rounds/--reps/--duration take positive integers" ;; esac
done
lrbench=$(realpath "${LRBENCH:-build/bin/lrbench}" 2>/dev/null)
[ -x "$lrbench" ] || die "lrbench is not built (make all)"
out=$(realpath -m "${out:-build/ab/$(date -u +%Y%m%dT%H%M%SZ)}")
mkdir -p "$out" || die "cannot create $out"
# make run's kernel: no lockdep/KASAN costs in what is timed
kernel=${LR_UML_KERNEL:-$(scripts/uml-build.sh --bench --print-path)} || die "no UML kernel"
# plan: 2 values x rounds x reps x (duration + ~3 s)
limit=$((2 * rounds * reps * (duration + 4) + 180))
echo "vlr-param-ab: $param=$a vs $param=$b, $rounds round(s) of $scenario ($reps x ${duration}s) in one boot (limit ${limit}s)"
LR_AB_INSIDE=1 LRBENCH=$lrbench scripts/uml-run.sh --kernel "$kernel" --out "$out" \
	--timeout "$limit" --env LR_AB_INSIDE --env LRBENCH -- \
	"$PWD/scripts/vlr-param-ab.sh" --rounds "$rounds" --reps "$reps" --duration "$duration" \
	--inside "$param" "$a" "$b" "$scenario" "$out" | grep --line-buffered '^vlr-param-ab'
rc=${PIPESTATUS[0]}

# medians per mode and value, over every repetition of every round
/usr/bin/python3 - "$out" "$param" "$a" "$b" <<'PY'
import json, glob, os, statistics, sys
out, param, a, b = sys.argv[1:5]
rows = {}
for v in (a, b):
    for res in sorted(glob.glob(os.path.join(out, f"{param}={v}-r*", "result.json"))):
        d = json.load(open(res))
        for m in d.get("metrics", []):
            if m["name"] not in ("restore_latency", "restore_bound_ratio"):
                continue
            cfg = m.get("config", "-")
            rows.setdefault((m["name"], cfg, v), []).extend(x for x in m.get("per_rep", []) if x is not None)
if not rows:
    print("vlr-param-ab: no restore metrics in the results"); sys.exit(0)
print(f"{'metric':22} {'mode':15} {param+'='+a:>16} {param+'='+b:>16}  B/A   (median of repetitions, n)")
for name in ("restore_latency", "restore_bound_ratio"):
    for cfg in sorted({k[1] for k in rows if k[0] == name}):
        va, vb = rows.get((name, cfg, a), []), rows.get((name, cfg, b), [])
        ma = statistics.median(va) if va else float("nan")
        mb = statistics.median(vb) if vb else float("nan")
        ratio = mb / ma if va and vb and ma else float("nan")
        print(f"{name:22} {cfg:15} {ma:12.4g} ({len(va):2}) {mb:12.4g} ({len(vb):2})  {ratio:.3f}")
PY
exit "$rc"
