#!/usr/bin/env bash
# The nightly tier (make test-nightly): the lab runner of scripts/nightly/ on
# tests/nightly/tiny.ini with a fake clock (LR_NIGHTLY_NOW), in a history and
# site of its own under build/nightly/:
#   1. lab files: the shipped ones validate; broken ones are refused with
#      file:line and the key; lrbench UML items boot uml_bench_kernel, the
#      others uml_kernel (a missing benchmark kernel skips only the former;
#      uml_bench_kernel = debug shares the debug build)
#   2. three nights: night 1 and an identical night 2 (no regression, exit 0;
#      the vlr item's target cell judged and held against night 1);
#      night 3 with a slow vlr copy engine (vlr.copy_delay_us=20000 on the
#      UML kernel command line, a test-only knob that is 0 by default): a
#      regression on the vlr item's restore latency and none on PoCL,
#      exit status with the alert bit, the trend plot's data and the site
#      mark it
#   3. a fourth night (baseline kind, with an item that crashes) killed with
#      SIGKILL in the middle of the vlr item, then resumed: the finished items
#      are not run again, the cut item is, the crash is recorded and the night
#      goes on; retention deletes the oldest night
#   4. a corrupt manifest, a foreign directory and a corrupt result in the
#      history: reported and skipped; `make publish` builds the site twice
#      (atomic symlink swap); every link and image of the site resolves
#      (tests/nightly/linkcheck.py) and Debian's headless chromium loads the
#      page with every image (the page counts loaded and broken images in
#      data attributes of <body>); a screenshot is kept in build/nightly/.
# The vlr item needs a UML kernel of this series already in the cache (the
# tier never builds one); without it the checks that need it are SKIPPED
# with the reason. About 3-4 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
out=$root/build/nightly
rm -rf "$out"
mkdir -p "$out"
export LR_HISTORY=$out/history LR_SITE=$out/site
unset LR_NIGHTLY_UML_APPEND LR_RETENTION
NIGHTLY=(/usr/bin/python3 scripts/nightly/nightly.py)
LAB=tests/nightly/tiny.ini
H=$LR_HISTORY/tiny-host
P=0 F=0 S=0
ok() { P=$((P + 1)); echo "nightly-test: PASS $*"; }
bad() { F=$((F + 1)); echo "nightly-test: FAIL $*"; }
skip() { S=$((S + 1)); echo "nightly-test: SKIP $*"; }
check() { # NAME COMMAND...
	local n=$1
	shift
	if "$@"; then ok "$n"; else bad "$n"; fi
}
finish() {
	echo "nightly-test: $P passed, $F failed, $S skipped"
	[ -n "${LR_TIER_COUNT:-}" ] && echo "$P $F $S" >"$LR_TIER_COUNT"
	[ "$F" -eq 0 ]
	exit
}
jq_() { # FILE PYTHON-EXPRESSION over d (the JSON document): prints the value
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
night() { # DATE [ENV...] -- ARGS: run one night, output in $out/night-DATE.log, sets rc
	local date=$1
	shift
	env LR_NIGHTLY_NOW="$date" "$@" "${NIGHTLY[@]}" run "$LAB" --no-site >"$out/night-$date.log" 2>&1
	rc=$?
	echo "nightly-test: night $date: exit $rc"
	sed -n '/^REGRESSIONS/,/^improvements/p; /^ALERT\|^no alert/p; /^  [a-z].* \(pass\|fail\|skip\|crash\|timeout\) /p' \
		"$out/night-$date.log" | sed 's/^/    /'
}

# The UML kernel: the one of this series already in the cache, copied so that
# a kernel developer rebuilding (and pruning) the cache meanwhile cannot
# change it under the four nights.
# LR_UML_KERNEL=PATH (an executable) picks another kernel of the series.
if [ -n "${LR_UML_KERNEL:-}" ] && [ -x "$LR_UML_KERNEL" ] && [ -f "$LR_UML_KERNEL" ]; then
	cp "$LR_UML_KERNEL" "$out/uml-linux" && echo "nightly-test: UML kernel $LR_UML_KERNEL (LR_UML_KERNEL)"
	export LR_UML_KERNEL=$out/uml-linux
elif k=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "scripts/nightly"); import nightly
k, why = nightly.uml_kernel_cached(); print(k or why); sys.exit(0 if k else 1)'); then
	cp "$k" "$out/uml-linux" && export LR_UML_KERNEL=$out/uml-linux
	echo "nightly-test: UML kernel $k (copied to $out/uml-linux)"
else
	echo "nightly-test: no UML kernel: $k"
	export LR_UML_KERNEL=cached # the items skip with the reason
fi

# --- 1. lab files ------------------------------------------------------------
if "${NIGHTLY[@]}" check lab/*.ini "$LAB" >"$out/check.log" 2>&1; then
	ok "shipped lab files validate ($(ls lab/*.ini | wc -l) + the tier's)"
else
	bad "shipped lab files validate"
	cat "$out/check.log"
fi
badlab() { # NAME EXPECTED-MESSAGE-REGEX: the lab file on stdin must be refused with it
	local f=$out/bad-$1.ini
	cat >"$f"
	"${NIGHTLY[@]}" check "$f" >"$out/bad-$1.out" 2>&1
	local r=$?
	if [ "$r" -eq 2 ] && grep -Eq "^$f:$2" "$out/bad-$1.out"; then
		ok "bad lab file refused: $1 ($(head -1 "$out/bad-$1.out" | sed "s|$out/||"))"
	else
		bad "bad lab file $1: exit $r, expected 2 and '$f:$2'; got: $(cat "$out/bad-$1.out")"
	fi
}
printf '[lab]\nkind = patched\n[item a]\ntype = lrbench\nscenario = smoke\ntimeout_s = soon\n' |
	badlab timeout "6: \[item a\] timeout_s: 'soon': not a number"
printf '[lab]\nkind = nightly\n[item a]\ntype = command\ncmd = true\n' |
	badlab kind "2: \[lab\] kind: 'nightly': expected one of: baseline, patched"
printf '[lab]\n[item a]\ntype = lrbench\nscenario = smoke\ncolour = red\n' |
	badlab unknown-key "5: \[item a\] colour: unknown key"
printf '[lab]\n[item a]\ntype = lrbench\n' | badlab missing-scenario "2: \[item a\] scenario: missing"
printf '[lab]\n[item a]\ntype = command\ncmd = true\ncmd = false\n' | badlab repeated "5: \[item a\] cmd: repeated key"
printf '[lab]\n[item a]\ntype = command\ncmd = true\nscenario = smoke\n' |
	badlab wrong-type "5: \[item a\] scenario: not a key of type = command items"
printf '[lab]\n[item a]\ntype = command\ncmd = true\nrequires = gpu\n' | badlab requires "5: \[item a\] requires: 'gpu'"
printf '[lab]\nbudget_s = 10\n' | badlab no-items "1: \[lab\]: no \[item NAME\] section"
"${NIGHTLY[@]}" run "$out/bad-timeout.ini" >/dev/null 2>&1
r=$?
check "make nightly with a bad lab file exits 2 and runs nothing (exit $r)" test "$r" -eq 2 -a ! -e "$LR_HISTORY"

# the hardware labs' files on a machine without their GPU: every item that
# needs it is a skip naming what is missing (UML items skip too: no kernel)
for hw in xe:xe amdgpu:amdgpu; do
	f=lab/${hw%%:*}.ini drv=${hw#*:}
	if compgen -G "/sys/bus/pci/drivers/$drv/0000:*" >/dev/null; then
		skip "$f without hardware: this machine has a $drv GPU"
		continue
	fi
	LR_UML_KERNEL=/nonexistent LR_NIGHTLY_NOW=2026-12-05 "${NIGHTLY[@]}" run "$f" --no-site \
		--history "$out/hw-history" >"$out/hw-${drv}.log" 2>&1
	r=$?
	mf=$(ls "$out"/hw-history/*/2026-12-05/manifest.json 2>/dev/null | xargs -r grep -l "\"lab_file\": \"$f\"")
	if [ "$r" -eq 0 ] && [ -n "$mf" ] &&
		[ "$(jq_ "$mf" 'all(i["status"] == "skip" for i in d["items"])')" = True ] &&
		grep -q "no DRM device bound to driver $drv in /sys/class/drm" "$mf"; then
		ok "$f on a machine without $drv: every item skipped with its reason, exit 0"
	else
		bad "$f without hardware: exit $r; $(tail -12 "$out/hw-${drv}.log")"
	fi
done

# lrbench items boot the benchmark build (uml_bench_kernel), the others the
# debug build (uml_kernel): a missing benchmark kernel skips only the former
if [ -x "${LR_UML_KERNEL:-}" ]; then
	kl=$out/kernels.ini
	printf '[lab]\nhost = kernels\numl_kernel = %s\n[item cmd]\ntype = command\nrunner = uml\ncmd = uname -r\ntimeout_s = 60\n[item bench]\ntype = lrbench\nrunner = uml\nscenario = vlr-steady\nrequires = %s\n' \
		"$LR_UML_KERNEL" uml >"$kl"
	env -u LR_UML_KERNEL LR_UML_BENCH_KERNEL=/nonexistent LR_NIGHTLY_NOW=2026-12-06 "${NIGHTLY[@]}" run "$kl" \
		--no-site --history "$out/k-history" >"$out/kernels.log" 2>&1
	mk=$out/k-history/kernels/2026-12-06/manifest.json
	check "lrbench UML items boot uml_bench_kernel, the others uml_kernel: a missing benchmark kernel skips only the lrbench item" \
		test "$(jq_ "$mk" '[(i["name"], i["status"]) for i in d["items"]] == [("cmd", "pass"), ("bench", "skip")] and "/nonexistent is not an executable" in d["items"][1]["reason"] and d["environment"]["uml_bench"]["config"].endswith("uml-bench.config")')" = True
	sed -i 's|^requires = uml$|requires = file:/nonexistent-nightly-test|' "$kl"
	env -u LR_UML_KERNEL LR_UML_BENCH_KERNEL=debug LR_NIGHTLY_NOW=2026-12-07 "${NIGHTLY[@]}" run "$kl" \
		--no-site --history "$out/k-history" >>"$out/kernels.log" 2>&1
	mk=$out/k-history/kernels/2026-12-07/manifest.json
	check "uml_bench_kernel = debug: the lrbench items get uml_kernel's kernel" \
		test "$(jq_ "$mk" 'd["environment"]["uml_bench"]["kernel"] == d["environment"]["uml"]["kernel"] != None')" = True
else
	skip "lrbench items' UML kernel: no UML kernel (${LR_UML_KERNEL:-unset})"
fi

# --- 2. three nights ---------------------------------------------------------
night 2026-12-01
check "night 1: exit 0 (nothing to compare with yet)" test "$rc" -eq 0
m1=$H/2026-12-01/manifest.json
check "night 1: manifest with both items, complete" \
	test "$(jq_ "$m1" '" ".join(sorted(i["name"] for i in d["items"])) + " " + str(d["complete"])')" = "pocl-smoke vlr-copy True"
check "night 1: environment recorded (suite version = git describe, kernel, series, OpenCL devices)" \
	test "$(jq_ "$m1" 'all([d["environment"]["suite_version"], d["environment"]["kernel"]["release"], "series" in d["environment"], len(d["environment"]["opencl_devices"]) > 0])')" = True
pocl_status=$(jq_ "$m1" '[i["status"] for i in d["items"] if i["name"] == "pocl-smoke"][0]')
check "night 1: PoCL item passed with a result (status $pocl_status)" \
	test "$pocl_status" = pass -a -f "$H/2026-12-01/items/pocl-smoke/result/result.json" -a -f "$H/2026-12-01/items/pocl-smoke/kernel.log"
vlr_status=$(jq_ "$m1" '[i["status"] for i in d["items"] if i["name"] == "vlr-copy"][0]')
vlr_reason=$(jq_ "$m1" '[i["reason"] for i in d["items"] if i["name"] == "vlr-copy"][0]')
have_vlr=0
if [ "$vlr_status" = skip ]; then
	skip "vlr item in UML: $vlr_reason"
else
	have_vlr=1
	check "night 1: vlr item passed in UML with its kernel log (status $vlr_status)" \
		test "$vlr_status" = pass -a -s "$H/2026-12-01/items/vlr-copy/kernel.log" -a -f "$H/2026-12-01/items/vlr-copy/result/result.json"
fi

night 2026-12-02
check "night 2 (identical): exit 0, no alert" test "$rc" -eq 0
s2=$H/2026-12-02/summary.json
check "night 2: no alerting regression reported, compared with night 1" \
	test "$(jq_ "$s2" 'len([e for e in d["regressions"] if e["alert"]])')/$(jq_ "$H/2026-12-02/manifest.json" 'd["previous_night"]')" = 0/2026-12-01

if [ "$have_vlr" -eq 1 ]; then
	# the vlr item (preempt-fence only) measures one target, restore against its
	# critical-path bound: judged each night and held against the night before
	t2=$(jq_ "$s2" '[(c["item"], c["target"], c["verdict"], c["previous"]["verdict"], c["held"], d["targets"]["previous_night"]) for c in d["targets"]["cells"]]')
	check "night 2: the target cells judged and held against night 1 ($t2)" \
		/usr/bin/python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["targets"]
c = [x for x in t["cells"] if x["item"] == "vlr-copy" and x["target"] == "restore_chain_bound_ratio"]
ok = (len(c) == 1 and t["previous_night"] == "2026-12-01" and c[0]["verdict"] in ("met", "missed", "inconclusive")
      and c[0]["held"] == (c[0]["verdict"] == c[0]["previous"]["verdict"])
      and t["held"] == sum(1 for x in t["cells"] if x["held"]) and t["compared"] == len(t["cells"]))
sys.exit(0 if ok else 1)' "$s2"
	check "night 2: targets.json, the night page's targets table and summary.txt's targets" \
		test -s "$H/2026-12-02/targets.json" -a -n "$(grep -l 'id="targets"' "$H/2026-12-02/report.html")" \
		-a -n "$(grep -l '^  held from the previous patched night 2026-12-01: ' "$H/2026-12-02/summary.txt")"
fi

night 2026-12-03 LR_NIGHTLY_UML_APPEND=vlr.copy_delay_us=20000
s3=$H/2026-12-03/summary.json
if [ "$have_vlr" -eq 1 ]; then
	check "night 3 (slow copy engine): exit status has the alert bit 1 (exit $rc)" test $((rc & 1)) -eq 1
	regs=$(jq_ "$s3" '" ".join(sorted("%s:%s" % (e["item"], e["metric"]) for e in d["regressions"] if e["alert"]))')
	diags=$(jq_ "$s3" '" ".join(sorted("%s:%s" % (e["item"], e["metric"]) for e in d["diagnostics"]))')
	echo "nightly-test: night 3 alerting regressions: $regs; diagnostics that changed: $diags"
	# the copy engine moves evicted buffers back: restores take longer
	check "night 3: an alerting regression on the vlr item's restore latency" \
		grep -Eq 'vlr-copy:restore_latency( |$)' <<<"$regs"
	check "night 3: no regression reported on the PoCL item" \
		test -z "$(jq_ "$s3" '[e for e in d["regressions"] if e["item"] == "pocl-smoke"] or ""')"
	check "night 3: the UML command line with the knob is recorded" \
		grep -q 'vlr.copy_delay_us=20000' "$H/2026-12-03/environment.json"
	check "night 3: summary.txt says ALERT" grep -q '^ALERT (exit' "$H/2026-12-03/summary.txt"
else
	skip "night 3 injected regression: the vlr item cannot run ($vlr_reason)"
fi

# --- 3. a killed night resumes ---------------------------------------------
# night 4: baseline kind, an item that crashes (SIGSEGV) between the two
lab4=$out/tiny-crash.ini
sed '/^\[item vlr-copy\]/i [item crasher]\ntype = command\ncmd = kill -SEGV $$\ntimeout_s = 10\n' "$LAB" >"$lab4"
mkdir -p "$H/2026-11-01" # an old night for the retention
LR_NIGHTLY_NOW=2026-12-04 setsid "${NIGHTLY[@]}" run "$lab4" --kind baseline --no-site >"$out/night-2026-12-04-killed.log" 2>&1 &
pid=$!
j4=$H/2026-12-04/journal.jsonl
victim=vlr-copy
[ "$have_vlr" -eq 1 ] || victim=crasher
for _ in $(seq 1 600); do
	grep -q "\"event\": \"start\", \"item\": \"$victim\"" "$j4" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ "$have_vlr" -eq 1 ] && sleep 3 # in the middle of the vlr run
# SIGKILL, as a crash or power cut would: the runner's process group and the
# groups of everything below it (timeout(1) runs UML in a group of its own)
groups=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, "scripts/nightly"); import nightly
print(" ".join("-%d" % g for g in nightly.process_groups(int(sys.argv[1]))))' "$pid")
kill -KILL -- $groups 2>/dev/null
wait "$pid" 2>/dev/null
echo "nightly-test: night 2026-12-04 killed (SIGKILL to its process group) during $victim"
check "killed night: pocl-smoke was finished before the kill" grep -q '"event": "done", "item": "pocl-smoke"' "$j4"
LR_RETENTION=4 LR_NIGHTLY_NOW=2026-12-04 "${NIGHTLY[@]}" run "$lab4" --kind baseline --no-site >"$out/night-2026-12-04.log" 2>&1
rc=$?
echo "nightly-test: night 2026-12-04 resumed: exit $rc"
sed 's/^/    /' "$out/night-2026-12-04.log" | grep -E 'earlier run|cut short|crasher|retention|ALERT|no alert'
m4=$H/2026-12-04/manifest.json
starts=$(grep -c '"event": "start", "item": "pocl-smoke"' "$j4")
check "resumed night: pocl-smoke not run again (started $starts time(s))" test "$starts" -eq 1
check "resumed night: pocl-smoke kept as finished" grep -q 'pocl-smoke: finished in an earlier run of this night' "$out/night-2026-12-04.log"
if [ "$have_vlr" -eq 1 ]; then
	check "resumed night: the cut vlr item ran again and passed; its partial output kept" \
		test "$(jq_ "$m4" '[i["status"] + "/" + str(i["attempt"]) for i in d["items"] if i["name"] == "vlr-copy"][0]')" = pass/2 \
		-a -d "$H/2026-12-04/items/vlr-copy.attempt-1"
fi
check "resumed night: complete, with all three items" \
	test "$(jq_ "$m4" 'str(d["complete"]) + " " + " ".join(i["name"] for i in d["items"])')" = "True pocl-smoke crasher vlr-copy"
check "the crashing item is recorded as a crash and the night went on" \
	test "$(jq_ "$m4" '[i["status"] for i in d["items"] if i["name"] == "crasher"][0]')" = crash
check "exit status has the failed-item bit 4 (exit $rc)" test $((rc & 4)) -eq 4
check "baseline night compared with the newest patched night (2026-12-03)" \
	test "$(jq_ "$m4" 'd["other_kind_night"]')" = 2026-12-03
check "retention 4: the oldest night (2026-11-01) deleted, the others kept" \
	test ! -e "$H/2026-11-01" -a -d "$H/2026-12-01"

# --- 4. corrupt history, site, browser ---------------------------------------
mkdir -p "$H/2026-11-30" "$H/notes"
echo '{"schema": "lrbench-night", "format_ver' >"$H/2026-11-30/manifest.json"
echo "lab notes, not a night" >"$H/notes/README"
mkdir -p "$H/2026-11-29"
echo '{"schema": "someone-elses-tool", "format_version": 1}' >"$H/2026-11-29/manifest.json"
cp "$H/2026-12-02/items/pocl-smoke/result/result.json" "$out/result-2.json"
echo 'garbage {' >"$H/2026-12-02/items/pocl-smoke/result/result.json"
dest=$out/site-pub
if make --no-print-directory publish DEST="$dest" >"$out/publish1.log" 2>&1 &&
	make --no-print-directory publish DEST="$dest" >"$out/publish2.log" 2>&1; then
	ok "make publish twice over a corrupt history"
else
	bad "make publish: $(tail -5 "$out/publish2.log" "$out/publish1.log")"
fi
check "publish: DEST is a symlink to the new tree, the replaced one kept, no temporaries" \
	test -L "$dest" -a "$(ls -d "$out"/.site-pub.site-* 2>/dev/null | wc -l)" -eq 2 -a -z "$(ls -d "$out"/.site-pub.link-* 2>/dev/null)"
idx=$dest/index.html
lidx=$dest/tiny/index.html
for p in "2026-11-30: .*manifest.json" "2026-11-29: .*not a lrbench-night manifest" "notes: not a night" \
	"2026-12-02: pocl-smoke: .*result.json"; do
	check "site lists the history problem '$p'" grep -Eq "$p" "$idx"
done
cp "$out/result-2.json" "$H/2026-12-02/items/pocl-smoke/result/result.json"
if [ "$have_vlr" -eq 1 ]; then
	# the trend plot of each key metric that regressed on night 3 marks it
	tdir=$dest/tiny/tiny-host/trends
	flagged=0 want=0 dat=
	for mt in stall_latency restore_latency pressure_alloc_latency; do
		grep -q "vlr-copy:$mt\( \|$\)" <<<"$regs" || continue
		want=$((want + 1))
		[ "$(awk '$2 == "2026-12-03" { print $6 }' "$tdir/vlr-copy--$mt.dat" | head -1)" = 1 ] &&
			flagged=$((flagged + 1)) dat=$tdir/vlr-copy--$mt.dat
	done
	check "trend data marks night 3 on every key metric that regressed ($flagged of $want)" \
		test "$want" -gt 0 -a "$flagged" -eq "$want"
	check "trend plots exist as PNG and SVG" test -s "${dat:-none}" -a -s "${dat%.dat}.png" -a -s "${dat%.dat}.svg"
	check "night 3's report lists its regression" \
		grep -q 'class="regression">regress' "$dest/tiny/tiny-host/2026-12-03/report.html"
fi
check "site: the lab page shows the alert of the latest night" grep -q 'id="alert">ALERT' "$lidx"
if /usr/bin/python3 tests/nightly/linkcheck.py "$dest" >"$out/linkcheck.log" 2>&1; then
	ok "every link and image in the site resolves ($(tail -1 "$out/linkcheck.log"))"
else
	bad "broken links: $(cat "$out/linkcheck.log")"
fi
if command -v chromium >/dev/null; then
	br=(chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$out/chromium-profile"
		--virtual-time-budget=5000 --window-size=1200,2400)
	nimg=$(grep -o '<img ' "$lidx" | wc -l)
	timeout 60 "${br[@]}" --dump-dom "file://$lidx" >"$out/dom.html" 2>"$out/chromium.log"
	loaded=$(grep -o 'data-img-loaded="[0-9]*"' "$out/dom.html" | grep -o '[0-9]*')
	broken=$(grep -o 'data-img-broken="[0-9]*"' "$out/dom.html" | grep -o '[0-9]*')
	check "chromium: the lab page loads with all $nimg image(s) (loaded ${loaded:-0}, broken ${broken:-0})" \
		test "$nimg" -gt 0 -a "${loaded:-0}" -eq "$nimg" -a -z "$broken"
	timeout 60 "${br[@]}" --dump-dom "file://$idx" >"$out/dom-index.html" 2>>"$out/chromium.log"
	check "chromium: the site's index lists lab tiny and the history problems" \
		grep -q 'id="problems"' "$out/dom-index.html"
	timeout 60 "${br[@]}" --screenshot="$out/site.png" "file://$lidx" >>"$out/chromium.log" 2>&1
	check "chromium: screenshot of the lab page ($out/site.png)" test -s "$out/site.png"
else
	skip "headless browser checks: chromium is not installed (make deps)"
fi

# --- 5. LAVA -----------------------------------------------------------------
if /usr/bin/python3 -c 'import lava_common.schemas, jinja2' 2>/dev/null; then
	if /usr/bin/python3 scripts/nightly/lava_job.py --out "$out/lava" >"$out/lava-jobs.log" 2>&1; then
		ok "LAVA: every job of lab/lava/jobs.yaml renders and lava_common.schemas.validate(strict) accepts it, and the test definition ($(grep -c ': valid LAVA' "$out/lava-jobs.log") valid)"
	else
		bad "LAVA job validation: $(cat "$out/lava-jobs.log")"
	fi
	sed 's/^  revision: main/  revision: 12/' lab/lava/jobs.yaml >"$out/bad-jobs.yaml"
	/usr/bin/python3 scripts/nightly/lava_job.py --jobs "$out/bad-jobs.yaml" --out "$out/lava-bad" xe-patched >"$out/lava-bad.log" 2>&1
	r=$?
	check "LAVA: a job LAVA's schema refuses is reported (revision: 12 -> exit $r)" \
		grep -q "INVALID LAVA job: .*revision" "$out/lava-bad.log"
else
	skip "LAVA job validation: lava-common or python3-jinja2 is not installed (make deps)"
fi
printf '#!/bin/sh\necho "$*" >>%s\n' "$out/lava-calls" >"$out/lava-test-case"
chmod +x "$out/lava-test-case"
LAVA_TEST_CASE=$out/lava-test-case /usr/bin/python3 scripts/nightly/lava_report.py "$lab4" --exit-status 5 >"$out/lava-report.log" 2>&1
check "LAVA: lava-test-case for every item of the night (pass, fail, skip)" \
	test "$(grep -cE '^(pocl-smoke|crasher|vlr-copy) --result (pass|fail|skip) --measurement [0-9.]+ --units s$' "$out/lava-calls")" -eq 3
check "LAVA: every key metric reported with --measurement and --units (pocl-smoke.throughput)" \
	grep -qE '^pocl-smoke\.throughput --result pass --measurement [0-9.e+]+ --units elements/s$' "$out/lava-calls"
if [ "$have_vlr" -eq 1 ]; then
	check "LAVA: vlr metrics per configuration, with units" \
		grep -qE '^vlr-copy\.restore_latency\.preempt-fence --result (pass|fail) --measurement [0-9.e+-]+ --units ms$' "$out/lava-calls"
fi
if [ "$have_vlr" -eq 1 ]; then
	# night 4 (baseline kind) has no earlier baseline night: its targets are judged, not held
	v4=$(jq_ "$m4" '{"met": "pass", "missed": "fail"}.get([c["verdict"] for c in d["summary"]["targets"]["cells"] if c["item"] == "vlr-copy" and c["target"] == "restore_chain_bound_ratio"][0], "unknown")')
	check "LAVA: the target cell as a test case with the night's verdict ($v4) and its ratio; targets-held skipped" \
		test -n "$(grep -E "^target\.vlr-copy\.restore_chain_bound_ratio --result $v4 --measurement [0-9.e+-]+ --units ratio\$" "$out/lava-calls")" \
		-a -n "$(grep -x 'targets-held --result skip --measurement 0 --units cells' "$out/lava-calls")"
fi
check "LAVA: the night's alert as a test case with the exit status" grep -qx 'nightly-alert --result fail --measurement 5 --units exit-status' "$out/lava-calls"
finish
