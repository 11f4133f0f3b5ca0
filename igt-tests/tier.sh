#!/usr/bin/env bash
# The "igt" test tier (mk/igt.mk: make test-igt) and `make igt-test`.
#
# Usage: igt-tests/tier.sh [--uml-only] BUILD_DIR
#
# 1. Framework self-tests (igt-tests/selftest/check.sh): the IGT binding's
#    known outcomes, the runner's results.json, the results writer.
# 2. Every built test binary lists its subtests with no device present, each
#    name is a valid IGT name, unique, and documented by a "SUBTEST:" line in
#    its source (IGT's testplan rule).
# 3. The vlr subtests, all in one UML boot through igt-tests/run-uml.sh, when
#    the vlr device is in kernel-patches/series and scripts/uml-run.sh exists;
#    otherwise every vlr subtest counts as SKIPPED and the reason is printed.
# --uml-only runs step 3 alone (make igt-test) and fails when it cannot run.
# Environment: LR_IGT_UML_APPEND (extra UML kernel command line, e.g.
# "vlr.vram_mb=32"), LR_IGT_TIMEOUT (per-subtest limit, default 120 s).
#
# Writes "PASSED FAILED SKIPPED" to $LR_TIER_COUNT when set; exits 1 when
# anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
uml_only=0
if [ "${1:-}" = "--uml-only" ]; then
	uml_only=1
	shift
fi
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 [--uml-only] BUILD_DIR (a built folder: make igt-tests)" >&2; exit 2; }
bdir=$(cd "$1" && pwd)
cd "$here" || exit 2

P=0 F=0 S=0
say() { echo "igt: $*"; }
t0=$(date +%s)

shopt -s nullglob
vlr_bins=("$bdir"/vlr_*)
vlr_bins=($(for b in "${vlr_bins[@]}"; do [[ $b == *.d ]] || echo "$b"; done))
all_bins=("$bdir"/lrb_igt_* "$bdir"/vlr_* "$bdir"/xe_*)
all_bins=($(for b in "${all_bins[@]}"; do [[ $b == *.d ]] || echo "$b"; done))

if [ $uml_only -eq 0 ]; then
	say "[1/3] framework self-tests (igt-tests/selftest/check.sh)"
	cnt=$(mktemp)
	igt-tests/selftest/check.sh "$bdir" "$cnt" | sed 's/^/  /'
	read -r p f s <"$cnt" || { p=0 f=1 s=0; }
	rm -f "$cnt"
	P=$((P + p)) F=$((F + f)) S=$((S + s))

	say "[2/3] --list-subtests without a device, names and SUBTEST: docs (${#all_bins[@]} binaries)"
	for b in "${all_bins[@]}"; do
		name=$(basename "$b")
		src=$(ls igt-tests/"$name".c igt-tests/selftest/"$name".c 2>/dev/null | head -n 1)
		why=
		# No device: the render-node scan must not be reached while listing.
		subs=$(env -u IGT_DEVICE "$b" --list-subtests 2>/tmp/igt-list.$$) || why="--list-subtests exited $?: $(head -c 200 /tmp/igt-list.$$)"
		rm -f /tmp/igt-list.$$
		[ -n "$why" ] || [ -n "$subs" ] || why="no subtests listed"
		if [ -z "$why" ]; then
			bad=$(grep -vE '^[a-z0-9]+(-[a-z0-9]+)*$' <<<"$subs" | head -n 3 | tr '\n' ' ')
			[ -z "$bad" ] || why="names not dash-separated lowercase: $bad"
			dup=$(sort <<<"$subs" | uniq -d | head -n 3 | tr '\n' ' ')
			[ -z "$dup" ] || why="${why:+$why; }duplicate names: $dup"
			if [ -z "$src" ]; then
				why="${why:+$why; }no source found for $name"
			else
				undoc=$(while IFS= read -r s; do
					grep -qE "^ \* SUBTEST: $s\$" "$src" || echo "$s"
				done <<<"$subs" | head -n 5 | tr '\n' ' ')
				[ -z "$undoc" ] || why="${why:+$why; }no 'SUBTEST:' doc in $src for: $undoc"
			fi
		fi
		if [ -z "$why" ]; then
			P=$((P + 1))
			echo "  ok - $name: $(wc -l <<<"$subs") subtests listed, named and documented"
		else
			F=$((F + 1))
			echo "  not ok - $name: $why"
		fi
	done
fi

say "[3/3] vlr subtests in UML"
reason=
series=kernel-patches/series
if [ ${#vlr_bins[@]} -eq 0 ]; then
	reason="no vlr test binaries (workloads/uapi/drm/vlr_drm.h missing, so make igt-tests did not build them)"
elif ! [ -f "$series" ] || ! grep -qi 'vlr' "$series"; then
	reason="the vlr device is not in $series"
elif ! [ -x scripts/uml-run.sh ]; then
	reason="scripts/uml-run.sh does not exist"
fi
if [ -n "$reason" ]; then
	n=0
	for b in "${vlr_bins[@]}"; do
		n=$((n + $("$b" --list-subtests 2>/dev/null | grep -c .)))
	done
	[ $n -gt 0 ] || n=1
	say "SKIPPED $n vlr subtest(s): $reason"
	S=$((S + n))
	[ $uml_only -eq 0 ] || F=$((F + 1))
else
	out=$bdir/results-uml
	# LR_IGT_UML_APPEND: extra UML kernel command line (e.g. "vlr.vram_mb=32");
	# LR_IGT_TIMEOUT: per-subtest limit in seconds.
	uml_args=(--out "$out" --name lrbench-vlr --timeout "${LR_IGT_TIMEOUT:-120}")
	[ -z "${LR_IGT_UML_APPEND:-}" ] || uml_args+=(--append "$LR_IGT_UML_APPEND")
	igt-tests/run-uml.sh "${uml_args[@]}" "${vlr_bins[@]}"
	rc=$?
	if [ -s "$out/results.json" ]; then
		# Known issues (igt-tests/known-issues.txt) count as skipped, with
		# their reason; the last line printed is "passed failed skipped raw".
		counts=$(python3 -c '
import fnmatch, json, sys
tests = json.load(open(sys.argv[1]))["tests"]
known = []
for line in open(sys.argv[2]):
    if line.strip() and not line.startswith("#"):
        pat, res, why = line.rstrip("\n").split("\t", 2)
        known.append((pat, res, why))
p = f = s = raw = 0
for name, t in sorted(tests.items()):
    r = t["result"]
    hit = [k for k in known if fnmatch.fnmatchcase(name, k[0])]
    if r == "pass":
        p += 1
        for k in hit:
            if k[1] == "fail" and k[0] == name:
                print("igt: known issue no longer reproduces: %s (remove it from known-issues.txt)" % name)
    elif r == "skip":
        s += 1
    else:
        raw += 1
        ok = [k for k in hit if k[1] == r]
        if ok:
            s += 1
            print("igt: SKIPPED %s: %s, known issue: %s" % (name, r, ok[0][2]))
        else:
            f += 1
print(p, f, s, raw)' "$out/results.json" igt-tests/known-issues.txt)
		printf '%s\n' "$counts" | sed '$d'
		read -r p f s raw < <(printf '%s\n' "$counts" | tail -n 1)
		P=$((P + p)) F=$((F + f)) S=$((S + s))
		# A splat outside any subtest, or a boot that failed, fails the tier too.
		if [ $rc -ne 0 ] && [ "$raw" -eq 0 ]; then
			say "the UML run failed (exit $rc) although no subtest did; counting one failure"
			F=$((F + 1))
		fi
		say "results: $out/results.json"
	else
		say "the UML run wrote no results.json (exit $rc)"
		F=$((F + 1))
	fi
fi

say "$P passed, $F failed, $S skipped ($(($(date +%s) - t0)) s)"
[ -z "${LR_TIER_COUNT:-}" ] || echo "$P $F $S" >"$LR_TIER_COUNT"
[ $F -eq 0 ]
