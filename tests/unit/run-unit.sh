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
trap '[ -n "${LR_UNIT_KEEP:-}" ] || rm -rf "$out"' EXIT
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

# 2. plots and report (scripts/plots.sh, scripts/report.sh) on the fake-backend
# run, and on a two-configuration run merged from it (scripts/merge-runs.py)
echo "unit: plots and report"
lrb=$build/bin/lrbench
check_plots() { # DIR: every plot prep.py lists exists as a non-empty PNG and SVG
	local d=$1 names n=0 bad_files=""
	names=$(/usr/bin/python3 scripts/plots/prep.py "$d" "$out/prep-$(basename "$d")" | awk '{print $2}')
	for p in $names; do
		n=$((n + 1))
		head -c 8 "$d/plots/$p.png" 2>/dev/null | grep -q PNG || bad_files+=" $p.png"
		grep -q '<svg' "$d/plots/$p.svg" 2>/dev/null || bad_files+=" $p.svg"
	done
	if [ -z "$bad_files" ] && [ "$n" -ge 3 ] && grep -qx timeline <<<"$names" &&
		grep -qx bars <<<"$names" && grep -q '^cdf-' <<<"$names"; then
		ok "plots: $(basename "$d"): $n plots, PNG + SVG: $(tr '\n' ' ' <<<"$names")"
	else
		bad "plots: $(basename "$d"): missing or empty:${bad_files:- (plots: $names)}"
	fi
}
check_report() { # DIR PATTERN COUNT: summary table, every plot inlined, PATTERN COUNT times
	local d=$1 pat=$2 want=$3 html=$1/report.html missing="" p got
	for p in "$d"/plots/*.svg; do
		p=$(basename "$p" .svg)
		grep -q "data-plot='$p'><img alt='$p' src='data:image/svg+xml;base64," "$html" ||
			missing+=" $p"
	done
	got=$(grep -o -- "$pat" "$html" | wc -l)
	if grep -q '<table class=summary>' "$html" && grep -q 'throughput_retained' "$html" &&
		[ -z "$missing" ] && [ "$got" -eq "$want" ] && ! grep -qE '(src|href)=.(http|/|file:)' "$html"; then
		ok "report: $(basename "$d"): summary table, every plot inlined, '$pat' x$got"
	else
		bad "report: $(basename "$d"): plots not inlined:${missing:- none}; '$pat' x$got (want $want)"
	fi
}
run_quiet() { # NAME CMD...: run, show the output on failure or on stderr noise
	local name=$1
	shift
	if "$@" >"$out/$name.log" 2>"$out/$name.err" && [ ! -s "$out/$name.err" ]; then
		ok "$name"
	else
		bad "$name: $(cat "$out/$name.log" "$out/$name.err" | head -8)"
	fi
}
pass_dir=$LR_UNIT_OUT/run-pass
run_quiet "plots.sh run-pass" scripts/plots.sh "$pass_dir"
check_plots "$pass_dir"
run_quiet "report.sh run-pass" env LRBENCH="$lrb" scripts/report.sh "$pass_dir"
check_report "$pass_dir" "not measured in this run (needs the vlr backend)" 6
merged=$LR_UNIT_OUT/merged-configs
run_quiet "merge-runs.py" scripts/merge-runs.py "$merged" open-coded="$pass_dir" \
	preempt-fence="$pass_dir"
run_quiet "plots.sh merged" scripts/plots.sh "$merged"
check_plots "$merged"
run_quiet "report.sh merged" env LRBENCH="$lrb" scripts/report.sh "$merged"
# the same data twice: the no-worse targets are measured (ratio 1) but 2 repetitions
# per side support no interval: inconclusive; the vlr-only ones are not measured
check_report "$merged" "preempt-fence / open-coded = 1[;a-z -]*(compare: inconclusive)" 2
[ "$(grep -c "<td class='na'>inconclusive</td>" "$merged/report.html")" -eq 2 ] &&
	! grep -q "<td class='good'>met</td>" "$merged/report.html" &&
	[ "$(grep -o 'not measured in this run' "$merged/report.html" | wc -l)" -eq 4 ] &&
	ok "report: merged: 2 repetitions -> targets inconclusive, the others not measured" ||
	bad "report: merged: targets section wrong"
# targets judged by their interval: 8 repetitions per mode, throughput retained equal
# (met: the interval is above 1/1.05), stall twice as long (missed: the interval is
# above 1.05), normal-job latency noisy around 0.5 (inconclusive)
verdicts=$out/verdicts
mkdir -p "$verdicts"
/usr/bin/python3 - "$pass_dir/result.json" "$verdicts/result.json" <<-'PY'
	import json, random, sys
	doc = json.load(open(sys.argv[1]))
	rng = random.Random(5)
	def metric(name, unit, direction, cfg, centre, cv):
	    return {"name": name, "unit": unit, "direction": direction, "role": "primary",
	            "aggregation": "repetitions", "description": "synthetic", "config": cfg,
	            "summary": {"n": 0, "min": None, "p50": None, "p90": None, "p99": None,
	                        "max": None, "mean": None, "stddev": None},
	            "per_rep": [centre * (1 + cv * rng.gauss(0, 1)) for _ in range(8)],
	            "per_rep_stat": "value"}
	ms = []
	for cfg, k in (("open-coded", 1.0), ("preempt-fence", 2.0)):
	    ms.append(metric("throughput_retained", "ratio", "higher", cfg, 0.9, 0.005))
	    ms.append(metric("stall_latency", "ms", "lower", cfg, 10 * k, 0.02))
	    ms.append(metric("normal_job_latency_user", "ms", "lower", cfg, 4 / k, 0.6))
	doc["metrics"] = ms
	json.dump(doc, open(sys.argv[2], "w"))
PY
if LRBENCH=$lrb scripts/report.py "$verdicts" >"$out/verdicts.log" 2>&1 &&
	grep -A1 "throughput_retained >=" "$out/verdicts.log" | grep -q ": met$" &&
	grep -A1 "stall_latency <=" "$out/verdicts.log" | grep -q ": missed$" &&
	grep -A1 "normal_job_latency_user <=" "$out/verdicts.log" | grep -q ": inconclusive$"; then
	ok "report: targets met / missed / inconclusive by their confidence intervals"
else
	bad "report: interval verdicts: $(grep -A1 'throughput_retained >=\|stall_latency <=\|normal_job_latency_user <=' "$out/verdicts.log" | head -8)"
fi
# a skipped run: no plots, a report that says why and that nothing was measured
skip_dir=$LR_UNIT_OUT/run-skip
o=$(scripts/plots.sh "$skip_dir" 2>&1)
[ $? -eq 0 ] && grep -q "nothing to plot (status skip)" <<<"$o" && [ ! -d "$skip_dir/plots" ] &&
	ok "plots.sh: skipped run -> nothing to plot" || bad "plots.sh: skipped run: $o"
if LRBENCH=$lrb scripts/report.sh "$skip_dir" >/dev/null 2>&1 &&
	grep -q "<tr><th>status</th><td>skip: " "$skip_dir/report.html" &&
	grep -q "No metric has data in this run" "$skip_dir/report.html"; then
	ok "report.sh: skipped run -> status, reason, no data"
else
	bad "report.sh: skipped run: $(grep -o '<tr><th>status</th><td>[^<]*' "$skip_dir/report.html" 2>&1)"
fi
o=$(scripts/plots.sh "$out/nothing" 2>&1)
[ $? -eq 2 ] && grep -q "result.json: no such file" <<<"$o" && ok "plots.sh: missing result -> 2" ||
	bad "plots.sh: missing result: $o"
mkdir -p "$out/garbage" && echo '{"schema": "x"}' >"$out/garbage/result.json"
o=$(LRBENCH=$lrb scripts/report.sh "$out/garbage" 2>&1)
[ $? -eq 2 ] && grep -q "not an lrbench-result v1 or v2 document" <<<"$o" &&
	ok "report.sh: foreign document -> 2" || bad "report.sh: foreign document: $o"

# 3. every result.json the tests wrote validates against the schema
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

# the metric table is the source: the schema's pins and results/README.md follow it
if "$build/bin/lrbench" list --json >"$out/list.json" 2>"$out/list.err" &&
	msg=$(/usr/bin/python3 scripts/validate-result.py --metric-table "$out/list.json" 2>&1); then
	ok "schema + results/README.md agree with the metric table: $msg"
else
	bad "metric table: $(cat "$out/list.err") $msg"
fi
# ... and the checker notices a README row that disagrees
sed 's/^| `kernel_restores` | count | none |/| `kernel_restores` | count | higher |/' results/README.md >"$out/README.md"
if /usr/bin/python3 - "$out/list.json" "$out/README.md" <<-'PY' >/dev/null 2>&1; then
	import importlib.util, sys
	spec = importlib.util.spec_from_file_location("v", "scripts/validate-result.py")
	v = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(v)
	v.README = sys.argv[2]
	import json
	sys.exit(v.check_table(sys.argv[1], json.load(open(v.SCHEMA))))
PY
	bad "metric table: a wrong direction in results/README.md was accepted"
else
	ok "metric table: a wrong direction in results/README.md is rejected"
fi

# the validator must reject a broken document (it is not a rubber stamp)
broken=$out/broken.json
sed -e 's/"format_version": 2/"format_version": 7/' \
	"$(find "$LR_UNIT_OUT" -name result.json | head -1)" >"$broken"
if /usr/bin/python3 scripts/validate-result.py "$broken" >/dev/null 2>&1; then
	bad "schema: a wrong format_version was accepted"
else
	ok "schema: a wrong format_version is rejected"
fi
# ... nor one whose issue-5 metric has the wrong unit, a duplicate metric, or a
# histogram whose bins do not add up to its n (the kernel-samples run)
ks=$LR_UNIT_OUT/run-ksamples/result.json
if [ -f "$ks" ]; then
	for case in unit dup bins; do
		/usr/bin/python3 - "$ks" "$out/broken-$case.json" "$case" <<-'PY'
			import json, sys
			doc = json.load(open(sys.argv[1]))
			ms, case = doc["metrics"], sys.argv[3]
			m = next(m for m in ms if m["name"] == "restore_latency")
			if case == "unit":
			    m["unit"] = "s"
			elif case == "dup":
			    ms.append(dict(m))
			else:
			    m["histogram"]["bins"][0][2] += 1
			json.dump(doc, open(sys.argv[2], "w"))
		PY
		if /usr/bin/python3 scripts/validate-result.py "$out/broken-$case.json" >/dev/null 2>&1; then
			bad "schema: restore_latency broken ($case) was accepted"
		else
			ok "schema: restore_latency broken ($case) is rejected"
		fi
	done
else
	bad "schema: no run-ksamples result (test_run's kernel samples test)"
fi

# 4. CLI: usage errors exit 2 with a message naming the problem; show works
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
expect 1 "no such file or directory" show --json "$out/nothing"
echo '{"schema": "something-else"}' >"$out/other.json"
expect 1 "not an lrbench-result document" show "$out/other.json"
expect 1 "bad.ini:1: invalid token" show "$out/bad.ini"
expect 0 "status +pass" show "$LR_UNIT_OUT/run-pass"
expect 0 "stall_latency_pressure" show "$LR_UNIT_OUT/run-pass/result.json"

# compare: exit 1 exactly on a primary regression or an input that did not pass
c=$LR_UNIT_OUT/compare
expect 1 "latency .* \+20\.0% .*REGRESSED" compare "$c/base.json" "$c/slower.json"
expect 0 "0 regressed \(0 primary\), 1 improved" compare "$c/slower.json" "$c/faster.json"
expect 1 "throughput .* -20\.0% .*REGRESSED" compare "$c/base.json" "$c/low-throughput.json"
expect 0 "latency .* inconclusive" compare "$c/base.json" "$c/noisy.json"
expect 0 "throughput .* unchanged" compare "$c/base.json" "$c/noisy.json"
expect 0 "latency .* unchanged" compare --threshold 25 "$c/base.json" "$c/base.json"
# a diagnostic's regression is reported, never fails the compare
expect 0 "verify_failures .*\+inf% .*regressed \(diagnostic\)" compare "$c/base.json" \
	"$c/verify-failures.json"
expect 0 "latency .*improved" compare "$c/two-configs.json" "$c/two-configs.json" \
	--a-config open-coded --b-config preempt-fence
expect 1 "latency@preempt-fence .*REGRESSED" compare "$c/two-configs.json" "$c/two-configs-b.json"
expect 0 "0 regressed \(0 primary\), 0 improved" compare "$LR_UNIT_OUT/run-pass" "$LR_UNIT_OUT/run-pass"
expect 1 "failed input: B = .*failed.json: status fail" compare "$c/base.json" "$c/failed.json"
expect 2 "the scenario differs: A 'synthetic', B 'other-scenario'" compare "$c/base.json" \
	"$c/other-scenario.json"
expect 0 "lrbench compare" compare --allow-mismatch "$c/base.json" "$c/other-scenario.json"
expect 2 "not an lrbench-result document \(schema is 'other'\)" compare "$c/base.json" "$c/bad-schema.json"
expect 2 "bad-version.json: format_version 3" compare "$c/bad-version.json" "$c/base.json"
expect 2 "per_rep\[1\] is not a number" compare "$c/base.json" "$c/bad-per-rep.json"
expect 2 "no metric has data on both sides" compare "$c/no-data.json" "$c/base.json"
expect 2 "compare: expected two results" compare "$c/base.json"
expect 2 "--threshold: 'x': not a number" compare --threshold x "$c/base.json" "$c/base.json"
expect 2 "--threshold: '-1': out of range" compare --threshold -1 "$c/base.json" "$c/base.json"
expect 2 "--alpha: '0.7': out of range" compare --alpha 0.7 "$c/base.json" "$c/base.json"
expect 2 "compare: unknown option '--bogus'" compare --bogus "$c/base.json" "$c/base.json"
expect 2 "B has no metric with config 'x'" compare "$c/base.json" "$c/base.json" --b-config x
j=$("$lrb" compare --json "$c/base.json" "$c/slower.json" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == "lrbench-compare" and d["format_version"] == 2 and len(d["rows"]) == 3, d
r = {x["name"]: x for x in d["rows"]}
lat = r["latency"]
assert lat["verdict"] == "regressed" and abs(lat["change_pct"] - 20) < 1e-6, lat
assert lat["a"]["median"] == 10 and lat["b"]["median"] == 12
assert lat["ci"]["of"] == "ratio" and 1 < lat["ci"]["lo"] < 1.2 < lat["ci"]["hi"], lat["ci"]
assert 0 < lat["p_adjusted"] <= d["alpha"] and lat["role"] == "primary", lat
assert d["counts"]["regressed"] == 1 and d["counts"]["primary_regressed"] == 1
assert d["exit_status"] == 1 and d["failed_inputs"] == []
' <<<"$j"; then
	ok "lrbench compare --json: document, verdicts, interval, exit 1"
else
	bad "lrbench compare --json (exit $rc): $(head -5 <<<"$j")"
fi

# list/show --json, run --set/--parse-only/--status-interval
j=$("$lrb" list --json 2>&1)
if /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == "lrbench-list"
names = {s.get("name") for s in d["scenarios"]}
assert {"smoke", "vlr-steady"} <= names, names
m = {x["name"]: x for x in d["metrics"]}
assert m["kernel_restores"]["direction"] == "none" and m["stall_latency"]["direction"] == "lower"
assert all(x["role"] in ("primary", "diagnostic") for x in m.values())
' <<<"$j"; then
	ok "lrbench list --json: scenarios and the metric table"
else
	bad "lrbench list --json: $(head -5 <<<"$j")"
fi
j=$("$lrb" show --json "$LR_UNIT_OUT/run-pass" 2>&1)
if /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == "lrbench-show" and d["status"] == "pass"
m = {x["name"]: x for x in d["metrics"]}
t = m["throughput"]
assert t["per_rep_stats"]["n"] == len([v for v in t["per_rep"] if v is not None])
assert t["role"] in ("primary", "diagnostic")
' <<<"$j"; then
	ok "lrbench show --json: metrics with per-repetition statistics"
else
	bad "lrbench show --json: $(head -5 <<<"$j")"
fi
expect 0 "scenario smoke valid: backend opencl, 4 repetitions" run smoke --parse-only \
	--set scenario.repetitions=4
expect 2 "--set job.bogus=1: \[job\] bogus: unknown key" run smoke --parse-only --set job.bogus=1
expect 2 "--set nope.x=1: \[nope\]: unknown section" run smoke --parse-only --set nope.x=1
expect 2 "--set job.queues=0: \[job\] queues: '0' out of range" run smoke --parse-only \
	--set job.queues=0
expect 2 "--set phases.pressure_s=0: \[phases\] pressure_s: must be > 0" run smoke \
	--parse-only --set phases.pressure_s=0
expect 2 "--set repetitions=3: expected section.key=value" run smoke --parse-only \
	--set repetitions=3
expect 2 "\[scenario\] primary: 'kernel_restores': a count that is never judged" run smoke \
	--parse-only --set scenario.primary=kernel_restores
expect 2 "\[scenario\] primary: 'nope': not a metric" run smoke --parse-only \
	--set scenario.primary=throughput,nope
expect 2 "bad.ini:3: \[job\] work_groups: 'lots'" run "$out/bad.ini" --parse-only
expect 2 "--status-interval: '0.01': 0 \(none\) or at least 0.1 s" run smoke --parse-only \
	--status-interval 0.01
expect 2 "list: unexpected argument '--bogus'" list --bogus
expect 2 "show: expected \[--json\] and one DIR" show --json

# 5. formatting of the files this tier owns
echo "unit: clang-format check of bench/ and tests/unit/"
if clang-format --dry-run --Werror bench/*.c bench/*.h tests/unit/*.c tests/unit/*.h 2>"$out/fmt"; then
	ok "clang-format"
else
	bad "clang-format: $(head -5 "$out/fmt")"
fi

echo "unit: $pass passed, $fail failed, $skip skipped"
[ -n "${LR_TIER_COUNT:-}" ] && echo "$pass $fail $skip" >"$LR_TIER_COUNT"
[ "$fail" -eq 0 ]
