#!/usr/bin/env bash
# Tier "scripts": the plot, report and `make run` scripts on their own.
#   1. input errors: usage, missing folders, bad REPS/DURATION, no scenario
#      file -> the documented exit codes and messages (no UML boot needed);
#   2. a `make run`-style folder (scenarios.plan, scenarios.done, one
#      result directory per scenario) around a real lrbench smoke run on the
#      host's OpenCL device: plots of the scenario, one report with a section
#      per scenario, a "not run" row for the planned scenario without a
#      result, every target "not measured", every plot inlined, no external
#      references; skipped (77) without an OpenCL device;
#   3. the scaling path: the smoke run labelled as configurations
#      open-coded-qN / preempt-fence-qN by scripts/merge-runs.py (copied
#      numbers, only to drive the templates) -> scaling plot and one summary
#      table per queue count;
#   4. verdicts held against the previous run: two runs of open-coded /
#      preempt-fence (the smoke run merged as both, throughput_retained
#      given six repetitions and in the second run halved for
#      preempt-fence: numbers edited only to drive the code), report.py
#      --previous auto picks the first, says the throughput target changed
#      (met -> missed) and the others held, targets.json says the same (at
#      the level of its 2 cells: the targets whose metrics the runs have); a
#      repetition under 100 preemptions (event counts edited in the same
#      way) is flagged on the page and the terminal; a previous run that is
#      missing or the run itself: exit 2.
# About 30 s. Usage: tests/scripts/run.sh [LRBENCH]  (default build/bin/lrbench)
# Writes "PASSED FAILED SKIPPED" to $LR_TIER_COUNT when set.
set -uo pipefail
cd "$(dirname "$0")/../.."
lrb=${1:-build/bin/lrbench}
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }
skipped() { skip=$((skip + 1)); echo "  skip $*"; }
finish() {
	echo "scripts: $pass passed, $fail failed, $skip skipped"
	[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
	[ "$fail" -eq 0 ]
	exit
}
[ -x "$lrb" ] || { bad "$lrb is not built (make all)"; finish; }
out=$(mktemp -d /tmp/lrbench-scripts-XXXXXX)
trap 'rm -rf "$out"' EXIT

expect() { # NAME RC PATTERN CMD...: exit status RC and PATTERN in its output
	local name=$1 want=$2 pat=$3 o rc
	shift 3
	o=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" <<<"$o"; then
		ok "$name -> $rc"
	else
		bad "$name: exit $rc (want $want), output: $(head -c 300 <<<"$o")"
	fi
}

echo "scripts: [1/4] input errors"
expect "plots.sh without DIR" 2 "usage: scripts/plots.sh" scripts/plots.sh
expect "plots.sh missing DIR" 2 "no such file" scripts/plots.sh "$out/none"
expect "report.sh missing DIR" 2 "no such file" scripts/report.sh "$out/none"
mkdir -p "$out/empty"
expect "report.py empty folder" 2 "no result.json" env LRBENCH="$lrb" scripts/report.py "$out/empty"
expect "run-main.sh REPS=x" 2 "REPS='x'" env REPS=x LRBENCH="$lrb" scripts/run-main.sh
expect "run-main.sh DURATION=-1" 2 "DURATION='-1'" env DURATION=-1 LRBENCH="$lrb" scripts/run-main.sh
expect "run-main.sh SCENARIOS=bad/name" 2 "bad name" env SCENARIOS=bad/name LRBENCH="$lrb" scripts/run-main.sh
expect "run-main.sh no scenario file" 1 "none of the scenarios exists" \
	env SCENARIOS="no-such-scenario" LRBENCH="$lrb" LRBENCH_SCENARIOS="$out/empty" scripts/run-main.sh
expect "run-main.sh PREVIOUS missing" 2 "PREVIOUS='$out/none': no result.json" \
	env PREVIOUS="$out/none" LRBENCH="$lrb" scripts/run-main.sh
expect "run-main.sh LR_UML_CONFIG missing" 2 "no such config fragment" \
	env LR_UML_CONFIG="$out/none.config" LRBENCH="$lrb" scripts/run-main.sh

# make run's kernel (uml-bench.config) is the tests' (uml-e2e.config) without
# the debugging: the same boot and device options, none of the costly checks
bench=kernel-patches/configs/uml-bench.config e2e=kernel-patches/configs/uml-e2e.config
same=$(sed -n '/^# --- debugging/q; /^CONFIG_/p' "$e2e" | while IFS= read -r l; do
	grep -qxF -- "$l" "$bench" || echo "$l"; done)
costly=$(grep -E '^CONFIG_(PROVE_LOCKING|DEBUG_LOCK_ALLOC|DEBUG_ATOMIC_SLEEP|DEBUG_LIST|DEBUG_OBJECTS[A-Z_]*|KASAN[A-Z_]*|DEBUG_KMEMLEAK|FAULT_INJECTION|FAILSLAB|FAIL_PAGE_ALLOC)=y' "$bench")
if [ -z "$same" ] && [ -z "$costly" ] && grep -q 'uml-build.sh --bench --print-path' scripts/run-main.sh &&
	grep -qF 'LR_UML_CONFIG:-$(dirname "$KB_FRAG")/uml-bench.config' scripts/uml-build.sh; then
	ok "uml-bench.config: uml-e2e.config's boot and device options, no lockdep/KASAN/kmemleak/debug objects/fault injection; make run's default"
else
	bad "uml-bench.config: missing from uml-e2e.config: ${same:-none}; costly options set: ${costly:-none}; or run-main.sh does not build it (uml-build.sh --bench)"
fi

echo "scripts: [2/4] a make-run folder around a real smoke run (OpenCL)"
run=$out/run
mkdir -p "$run"
printf 'smoke 2 3\nvlr-not-here 6 8\n' >"$run/scenarios.plan"
"$lrb" run smoke -o "$run/smoke" --backend opencl --reps 2 --duration 3 >"$out/smoke.log" 2>&1
src=$?
if [ "$src" -eq 77 ]; then
	skipped "no OpenCL device: $(grep -m1 'skip' "$out/smoke.log")"
	skipped "scaling plot (needs the smoke run)"
	finish
fi
if [ "$src" -ne 0 ]; then
	bad "lrbench run smoke: exit $src: $(tail -3 "$out/smoke.log")"
	finish
fi
echo "smoke 0 5" >"$run/scenarios.done"
if scripts/plots.sh "$run" >"$out/plots.log" 2>&1 && [ -s "$run/smoke/plots/timeline.png" ] &&
	[ -s "$run/smoke/plots/bars.svg" ] && compgen -G "$run/smoke/plots/cdf-*.png" >/dev/null; then
	ok "plots.sh on the folder: $(ls "$run/smoke/plots" | wc -l) files in smoke/plots"
else
	bad "plots.sh on the folder: $(cat "$out/plots.log")"
fi
if LRBENCH=$lrb scripts/report.py "$run" >"$out/report.log" 2>&1; then
	ok "report.py on the folder"
else
	bad "report.py on the folder: $(cat "$out/report.log")"
fi
html=$run/report.html
n_plots=$(ls "$run"/smoke/plots/*.svg 2>/dev/null | wc -l)
n_inl=$(grep -o "src='data:image/svg+xml;base64," "$html" 2>/dev/null | wc -l)
[ "$n_plots" -gt 0 ] && [ "$n_inl" -eq "$n_plots" ] && ok "report: all $n_plots plots inlined" ||
	bad "report: $n_inl of $n_plots plots inlined"
grep -q "<h2 id='scenario-smoke'>" "$html" && grep -q "<table class=summary>" "$html" &&
	ok "report: a section with the summary table for smoke" || bad "report: no smoke section"
grep -q "vlr-not-here</td><td>6 × 8 s</td><td class=na colspan=5>not run: the run ended" "$html" &&
	ok "report: the planned scenario without a result is 'not run'" ||
	bad "report: no 'not run' row for vlr-not-here"
n=$(grep -c "^      not measured in this run" "$out/report.log")
[ "$n" -eq 6 ] && [ "$(grep -o 'not measured in this run (no scenario has' "$html" | wc -l)" -eq 6 ] &&
	ok "report: all 6 targets 'not measured' (terminal and page)" ||
	bad "report: targets: $n of 6 'not measured' on the terminal"
! grep -qE "(src|href)=['\"]?(https?:|/|file:)" "$html" && ok "report: no external references" ||
	bad "report: external reference: $(grep -oE "(src|href)=['\"]?(https?:|/|file:)[^ ]{0,40}" "$html" | head -1)"

echo "scripts: [3/4] scaling plot from -qN configurations"
sc=$out/scaling
if scripts/merge-runs.py "$sc" open-coded-q1="$run/smoke" preempt-fence-q1="$run/smoke" \
	open-coded-q2="$run/smoke" preempt-fence-q2="$run/smoke" >"$out/merge.log" 2>&1 &&
	scripts/plots.sh "$sc" >"$out/plots-sc.log" 2>&1 &&
	[ -s "$sc/plots/scaling.png" ] && grep -q '<svg' "$sc/plots/scaling.svg"; then
	ok "scaling plot (PNG + SVG) from open-coded-qN / preempt-fence-qN"
else
	bad "scaling plot: $(cat "$out/merge.log" "$out/plots-sc.log" | tail -5)"
fi
if LRBENCH=$lrb scripts/report.sh "$sc" >"$out/report-sc.log" 2>&1 &&
	[ "$(grep -c '<h4>[12] LR queues\?: open-coded-q[12] vs preempt-fence-q[12]</h4>' "$sc/report.html")" -eq 2 ]; then
	ok "report: one summary table per queue count"
else
	bad "report: per-queue tables: $(grep -o '<h4>[^<]*' "$sc/report.html" 2>&1 | head -3)"
fi

echo "scripts: [4/4] verdicts held against the previous run"
rs=$out/runs
fixture() { # DIR SCALE: the smoke run merged as open-coded and preempt-fence, six
	# repetitions of throughput_retained (1.00-1.05; preempt-fence's times SCALE)
	scripts/merge-runs.py "$1" open-coded="$run/smoke" preempt-fence="$run/smoke" >>"$out/merge-prev.log" 2>&1 &&
		/usr/bin/python3 - "$1/result.json" "$2" >>"$out/merge-prev.log" 2>&1 <<'PY'
import json, sys
path, scale = sys.argv[1], float(sys.argv[2])
doc = json.load(open(path))
n = 0
for m in doc["metrics"]:
    if m["name"] == "throughput_retained":
        f = scale if m.get("config") == "preempt-fence" else 1.0
        m["per_rep"] = [(1.0 + 0.01 * i) * f for i in range(6)]
        m["summary"] = dict(m["summary"], n=6, min=f, p50=1.02 * f, max=1.05 * f, mean=1.025 * f)
        n += 1
# event counts as vlr records them: 150 preemptions per repetition, one
# repetition of the second run at 60 with late trigger writes
for i, r in enumerate(doc["repetitions"]["runs"]):
    low = scale != 1 and i == 1
    r["events"] = {"preemptions": 60 if low else 150, "restores": 60 if low else 150, "counted_on": "job queues"}
    r["evict_trigger_late"] = 12 if low else 0
json.dump(doc, open(path, "w"))
sys.exit(0 if n == 2 else 1)
PY
}
if fixture "$rs/20260101T000000Z" 1 && fixture "$rs/20260101T000100Z" 0.5; then
	mkdir -p "$rs/notes" # not a run: passed over
	LRBENCH=$lrb scripts/report.py "$rs/20260101T000100Z" --previous auto >"$out/prev.log" 2>&1
	rc=$?
	held=$(grep '^  held: ' "$out/prev.log")
	t=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = d["previous"]
c = {x["target"]: x for x in d["cells"] if x.get("verdict")}
print(d["schema"], p["run"], p["compared"] - p["held"], [(x["target"], x["now"]) for x in p["changed"]],
      c["throughput_retained"]["held"], c["throughput_retained"]["previous"]["verdict"], d["level"])' \
		"$rs/20260101T000100Z/targets.json" 2>&1)
	if [ "$rc" -eq 0 ] && grep -q "report: previous run: $rs/20260101T000000Z " "$out/prev.log" &&
		[[ $held == *"as in the previous run (20260101T000000Z); changed: smoke throughput_retained (met → missed)" ]] &&
		[ "$t" = "lrbench-targets 20260101T000000Z 1 [('throughput_retained', 'missed')] False met 0.95" ] &&
		grep -q "class='[a-z]* changed'>.*: <b>changed</b>" "$rs/20260101T000100Z/report.html" &&
		grep -q "^report: warning: preemptions of the job's queues per repetition 60–150–150; 1 of 4 repetitions under 100 (1 with eviction trigger writes late" "$out/prev.log" &&
		grep -q "<td class='bad'>60–150–150; 1 of 4 repetitions under 100" "$rs/20260101T000100Z/report.html"; then
		ok "report --previous auto: the earlier run of the same setup, the halved throughput target changed, the others held (${held#  held: }); the repetition under 100 preemptions flagged"
	else
		bad "report --previous auto: exit $rc; $held; targets.json: $t; $(grep 'report:' "$out/prev.log")"
	fi
	expect "report.py --previous missing" 2 "no such directory" \
		env LRBENCH="$lrb" scripts/report.py "$rs/20260101T000100Z" --previous "$out/none"
	expect "report.py --previous itself" 2 "is the run itself" \
		env LRBENCH="$lrb" scripts/report.py "$rs/20260101T000100Z" --previous "$rs/20260101T000100Z"
	LRBENCH=$lrb scripts/report.py "$rs/20260101T000000Z" --previous auto >"$out/prev0.log" 2>&1
	grep -q "report: previous run: none of the same plan" "$out/prev0.log" &&
		! grep -q '^  held:' "$out/prev0.log" && ! grep -q "warning: preemptions" "$out/prev0.log" &&
		/usr/bin/python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["previous"] is not None)' \
			"$rs/20260101T000000Z/targets.json" &&
		ok "report --previous auto on the first run: no earlier run, said so, no comparison, no event warning" ||
		bad "report --previous auto, first run: $(grep 'report:' "$out/prev0.log")"
else
	bad "two runs for --previous: $(tail -3 "$out/merge-prev.log")"
fi

# the chance that a rerun agrees: an interval ending exactly at the goal is
# a coin toss (50 %), one far from it a certainty, and the three verdicts'
# chances add up to 1 (goal ratio <= 0.5, 95 % intervals)
o=$(/usr/bin/python3 - <<'PY' 2>&1
import sys
sys.path.insert(0, "scripts")
from report import rerun_agreement as ra, reps_to_settle
edge = ra(0.6, 0.5, 0.72, 0.95, "<=", 0.5, "missed")  # lower end = goal
far = ra(2.0, 1.6, 2.5, 0.95, "<=", 0.5, "missed")
total = sum(ra(0.55, 0.45, 0.67, 0.95, "<=", 0.5, v) for v in ("met", "missed", "inconclusive"))
ge = ra(1.3, 1.0, 1.69, 0.95, ">=", 1.0, "met")  # lower end = goal, goal >=
print(f"{edge:.4f} {far:.4f} {total:.4f} {ge:.4f} {ra(0.6, 0, 0.7, 0.95, '<=', 0.5, 'met')}")
# k times the repetitions (an interval 1/sqrt(k) as wide) bring a cell to 90 %
k = reps_to_settle(0.7, 0.5, 0.98, 0.95, 0.5)
h = (0.98 / 0.5) ** (0.5 / k ** 0.5)
print(f"{ra(0.7, 0.7 / h, 0.7 * h, 0.95, '<=', 0.5, 'missed'):.4f} "
      f"{reps_to_settle(0.5, 0.4, 0.6, 0.95, 0.5)}")
PY
)
[ "$o" = "0.5000 1.0000 1.0000 0.5000 None
0.9000 inf" ] &&
	ok "report: a rerun's chance of the same verdict (50 % at the goal's edge, 100 % far from it; 90 % with the repetitions it names)" ||
	bad "report: rerun_agreement: $o"

# the targets' level keeps the chance of any wrong verdict in a run under
# 5 %, and no further: 18 cells, each with its truth just past the goal on
# the missed side of a "<= 0.5" target (where "met" is wrong as often as it
# can be), estimated normal on the log scale; verdicts by report.verdict_of
# on intervals at report.target_level(18). Seeded; 20000 runs (sd 0.15 %).
# At 1 - 0.05/m (a wrong verdict needs one tail, not two) it would be ~2.5 %,
# at 1 - 0.2/m ~9.5 %.
o=$(/usr/bin/python3 - <<'PY' 2>&1
import math, random, sys
from statistics import NormalDist
sys.path.insert(0, "scripts")
from report import target_level, verdict_of
rng, m, s, goal = random.Random(12), 18, 0.1, 0.5
level = target_level(m)
z = NormalDist().inv_cdf(0.5 + level / 2)
truth = math.log(goal) + 1e-9
wrong = 0
for _ in range(20000):
    for _ in range(m):
        c = rng.gauss(truth, s)
        if verdict_of(math.exp(c - z * s), math.exp(c + z * s), "<=", goal) == "met":
            wrong += 1
            break
print(f"{level:.5f} {target_level(0)} {4.0 <= wrong / 200 <= 5.5} {wrong / 200:.2f}")
PY
)
case $o in
"0.99444 0.95 True "*) ok "report: targets' level 1 - 0.1/m: wrong verdicts in ${o##* } % of simulated runs (<= 5 %)" ;;
*) bad "report: target_level / verdict_of: $o" ;;
esac
finish
