#!/usr/bin/env bash
# Run IGT test binaries subtest by subtest -- all of them inside ONE User-Mode
# Linux boot (scripts/uml-run.sh) -- and write results.json in igt_runner's
# format (igt-tests/lib/igt_results.py).
#
# Usage: igt-tests/run-uml.sh [OPTIONS] BINARY...
#
#   --out DIR        results folder (default build/igt/results-<time>); receives
#                    results.json, tests/NNNN/{name,out,err,rc,start,end}
#                    (the journal, written as each subtest ends) and kernel.log
#   --no-uml         run on this host instead of UML (framework self-tests): the
#                    "kernel log" is then DIR/kernel.log, a plain file holding
#                    the runner's markers plus whatever a test writes to the
#                    file named by $LRB_IGT_KMSG_SINK; the host's dmesg is
#                    never read or written
#   --timeout S      per-subtest limit in seconds (default 120); a subtest past
#                    it is killed and reported as "timeout"
#   --filter GLOB    only run subtests whose igt@BINARY@SUBTEST name matches
#                    the shell glob (repeatable; default: all)
#   --append ARGS    extra UML kernel command line (e.g. "vlr.vram_mb=16")
#   --kernel PATH    UML kernel binary (passed to scripts/uml-run.sh)
#   --name NAME      run name in results.json (default: the folder's name)
#
# Subtests come from each binary's --list-subtests, run on the host (no device
# needed). Each runs as `BINARY --run-subtest NAME` under `timeout`; before and
# after it the runner writes "lrbench-igt: begin|end igt@B@S" to /dev/kmsg so
# the kernel log can be sliced per subtest. A splat in a subtest's slice turns
# pass into dmesg-warn and fail into dmesg-fail, as igt_runner does.
#
# A watchdog kills the boot when no subtest has finished for the per-subtest
# limit plus 60 s (a livelocked kernel never lets timeout(1) run inside UML).
# The subtest a boot hung or died in is "incomplete"; like igt_runner's
# resume, a fresh boot then runs the subtests after it (at most 4 boots;
# what is left after that is "notrun"). Each boot's console log is kept as
# console-bootN.log; kernel.log holds every boot's kernel log in order.
#
# Exit status: 0 when every subtest passed or skipped, 1 when any did not
# (fail, crash, timeout, dmesg-*, incomplete, notrun), 2 on usage errors,
# 3 when UML could not be run.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
self=$here/igt-tests/run-uml.sh

die() { echo "run-uml: error: $*" >&2; exit 2; }
log() { echo "run-uml: $*" >&2; }

# ---------------------------------------------------------------------------
# Inner mode: executes a job list where the tests run (inside UML, or on the
# host with --no-uml). Not for direct use.
#   run-uml.sh --exec JOBLIST OUTDIR KMSG TIMEOUT [OFFSET]
# OFFSET: subtests already run by earlier boots (their journal entries stay).
if [ "${1:-}" = "--exec" ]; then
	[ $# -eq 5 ] || [ $# -eq 6 ] || die "--exec needs JOBLIST OUTDIR KMSG TIMEOUT [OFFSET]"
	joblist=$2 outdir=$3 kmsg=$4 limit=$5 i=${6:-0}
	kmark() { printf 'lrbench-igt: %s\n' "$*" >>"$kmsg" 2>/dev/null || true; }
	total=$((i + $(wc -l <"$joblist")))
	# Where the tests run (the UML guest), as igt_runner records it.
	uname -snrvm >"$outdir/uname.txt" 2>/dev/null || rm -f "$outdir/uname.txt"
	while IFS=$'\t' read -r bin sub; do
		i=$((i + 1))
		name="igt@$(basename "$bin")@$sub"
		dir=$outdir/tests/$(printf '%04d' "$i")
		mkdir -p "$dir"
		printf '%s\n' "$name" >"$dir/name"
		echo "[$i/$total] $name" >&2
		kmark "begin $name"
		date +%s.%N >"$dir/start"
		# As igt_runner: IGT repeats its subtest sentinels on stderr, so any
		# other stderr line of a passing subtest makes it "warn".
		IGT_SENTINEL_ON_STDERR=1 timeout -k 5 "$limit" "$bin" --run-subtest "$sub" >"$dir/out" 2>"$dir/err"
		rc=$?
		date +%s.%N >"$dir/end"
		kmark "end $name rc=$rc"
		# Written last: a test without rc is one the run never finished.
		echo "$rc" >"$dir/rc"
		sync
	done <"$joblist"
	exit 0
fi

# ---------------------------------------------------------------------------
cmdline=("$0" "$@")
out= no_uml=0 limit=120 append= kernel= name=
filters=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--no-uml) no_uml=1; shift ;;
	--timeout)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds"
		limit=$2; shift 2 ;;
	--filter) [ $# -ge 2 ] && [ -n "$2" ] || die "--filter needs a glob"; filters+=("$2"); shift 2 ;;
	--append) [ $# -ge 2 ] || die "--append needs arguments"; append=$2; shift 2 ;;
	--kernel) [ $# -ge 2 ] || die "--kernel needs a path"; kernel=$2; shift 2 ;;
	--name) [ $# -ge 2 ] && [ -n "$2" ] || die "--name needs a value"; name=$2; shift 2 ;;
	-h | --help) sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "no test binaries given (usage: run-uml.sh [OPTIONS] BINARY...)"

[ -n "$out" ] || out=$here/build/igt/results-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out" || die "cannot create results folder '$out'"
out=$(cd "$out" && pwd)
rm -rf "$out/tests" "$out/results.json" "$out/kernel.log" "$out/jobs.tsv" "$out"/jobs-boot*.tsv "$out"/console-boot*.log "$out/uname.txt"
mkdir -p "$out/tests"
printf '%s\n' "${cmdline[@]}" >"$out/cmdline.txt"
[ -n "$name" ] || name=$(basename "$out")

# Job list: one line per subtest, "ABS_BINARY<TAB>SUBTEST".
joblist=$out/jobs.tsv
: >"$joblist"
for bin in "$@"; do
	[ -f "$bin" ] && [ -x "$bin" ] || die "test binary '$bin' does not exist or is not executable"
	abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	subs=$("$abs" --list-subtests 2>"$out/list.err") ||
		die "'$bin --list-subtests' failed (exit $?): $(head -c 300 "$out/list.err")"
	[ -n "$subs" ] || log "note: '$bin' lists no subtests"
	while IFS= read -r sub; do
		[ -n "$sub" ] || continue
		[[ $sub =~ ^[A-Za-z0-9_-]+$ ]] || die "'$bin' lists a subtest with an invalid name: '$sub'"
		full="igt@$(basename "$abs")@$sub"
		if [ ${#filters[@]} -gt 0 ]; then
			keep=0
			for f in "${filters[@]}"; do
				# shellcheck disable=SC2053 # glob match on purpose
				[[ $full == $f ]] && keep=1
			done
			[ $keep -eq 1 ] || continue
		fi
		printf '%s\t%s\n' "$abs" "$sub" >>"$joblist"
	done <<<"$subs"
done
rm -f "$out/list.err"
njobs=$(wc -l <"$joblist")
[ "$njobs" -gt 0 ] || die "no subtests to run (check the binaries and --filter)"

start=$(date +%s.%N)
if [ $no_uml -eq 1 ]; then
	log "running $njobs subtests on the host (--no-uml), limit ${limit}s each"
	: >"$out/kernel.log"
	LRB_IGT_KMSG_SINK=$out/kernel.log "$self" --exec "$joblist" "$out" "$out/kernel.log" "$limit"
	exec_rc=$?
	[ $exec_rc -eq 0 ] || log "the executor exited with status $exec_rc"
	splat_note=
else
	uml_run=$here/scripts/uml-run.sh
	[ -x "$uml_run" ] || { log "cannot run in UML: $uml_run does not exist"; exit 3; }
	# Build (or find in the cache) the kernel first: the watchdog below must
	# time subtests, not a cold kernel build.
	if [ -z "$kernel" ]; then
		log "getting the UML kernel (scripts/uml-build.sh; a cold build takes minutes)"
		kernel=$("$here/scripts/uml-build.sh" --print-path) || {
			log "building the UML kernel failed"
			exit 3
		}
	fi
	# Like igt_runner's resume: when a boot dies or hangs in a subtest, that
	# subtest stays "incomplete" and a fresh boot runs the ones after it
	# (at most $max_boots boots; what is left after that is "notrun").
	max_boots=4 boot=0 started=0 splat_note=
	: >"$out/kernel-all.log"
	while [ "$started" -lt "$njobs" ] && [ "$boot" -lt "$max_boots" ]; do
		boot=$((boot + 1))
		left=$out/jobs-boot$boot.tsv
		tail -n +"$((started + 1))" "$joblist" >"$left"
		nleft=$(wc -l <"$left")
		# The boot is bounded by the sum of the per-subtest limits plus margin.
		boot_limit=$((nleft * (limit + 5) + 60))
		uml_args=(--out "$out" --timeout "$boot_limit")
		[ -n "$append" ] && uml_args+=(--append "$append")
		[ -n "$kernel" ] && uml_args+=(--kernel "$kernel")
		log "boot $boot: running $nleft subtests in one UML boot (limit ${limit}s each, ${boot_limit}s in all)"
		"$uml_run" "${uml_args[@]}" -- "$self" --exec "$left" "$out" /dev/kmsg "$limit" "$started" &
		upid=$!
		# Watchdog (igt_runner has one too): a kernel that livelocks never
		# lets timeout(1) run inside UML, so when no subtest has finished for
		# the subtest limit plus a minute, kill the boot instead of waiting.
		stall=$((limit + 60)) last=-1 since=$(date +%s) hung=0
		while kill -0 "$upid" 2>/dev/null; do
			sleep 2
			n=$(find "$out/tests" -name rc | wc -l)
			if [ "$n" -ne "$last" ]; then
				last=$n since=$(date +%s)
			elif [ $(($(date +%s) - since)) -gt $stall ]; then
				log "watchdog: no subtest finished for ${stall}s (after $n of $njobs); the kernel looks hung, killing the UML boot"
				descendants() { local c; for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done; }
				kill -9 $(descendants "$upid") "$upid" 2>/dev/null
				hung=1
				break
			fi
		done
		wait "$upid"
		exec_rc=$?
		[ $hung -eq 0 ] || exec_rc=124
		note=
		case $exec_rc in
		0) ;;
		124) note="boot $boot timed out or hung" ;;
		97) note="boot $boot: scripts/uml-run.sh found a kernel splat" ;;
		2) log "scripts/uml-run.sh rejected its arguments or could not build/find the kernel"; exit 3 ;;
		*) note="boot $boot: scripts/uml-run.sh exited $exec_rc" ;;
		esac
		[ -z "$note" ] || { log "$note"; splat_note="${splat_note:+$splat_note; }$note"; }
		# Keep every boot's kernel log (console log when dmesg never ran).
		if [ -s "$out/kernel.log" ]; then
			cat "$out/kernel.log" >>"$out/kernel-all.log"
		else
			log "boot $boot left no kernel.log; slicing its console log instead"
			cat "$out/console.log" >>"$out/kernel-all.log" 2>/dev/null
		fi
		[ -f "$out/console.log" ] && mv "$out/console.log" "$out/console-boot$boot.log"
		rm -f "$out/kernel.log"
		now_started=$(find "$out/tests" -name name | wc -l)
		if [ "$now_started" -le "$started" ]; then
			log "boot $boot ran no subtest at all; giving up"
			break
		fi
		started=$now_started
		[ "$started" -lt "$njobs" ] && log "boot $boot ended after $started of $njobs subtests; resuming after the one it died in"
	done
	mv "$out/kernel-all.log" "$out/kernel.log"
	[ -z "$splat_note" ] || splat_note="$splat_note (logs in $out)"
fi
end=$(date +%s.%N)

python3 "$here/igt-tests/lib/igt_results.py" --run "$out" --name "$name" \
	--start "$start" --end "$end" --timeout "$limit"
rc=$?
[ $rc -le 1 ] || { log "writing results.json failed"; exit 3; }
if [ -n "${splat_note:-}" ] && [ $rc -eq 0 ]; then
	log "every subtest passed but the boot was not clean: $splat_note"
	rc=1
fi
exit $rc
