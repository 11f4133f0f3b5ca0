#!/usr/bin/env bash
# Run trinity (Debian's syscall fuzzer) inside the test kernel, aimed at the
# vlr render node: the victim file is /dev/dri/renderD128 (its DRM fd
# provider opens the node as well) and most of the time goes to the
# ioctl-focused pass, the rest to random syscalls of every kind.
#
# Usage: tests/fuzz/trinity.sh [OPTIONS] [-- EXTRA TRINITY ARGS]
#
#   --runner R     uml (scripts/uml-run.sh, default), vm (scripts/vm-run.sh,
#                  the SMP guest) or the path of a script with the same CLI
#                  (also $LR_FUZZ_RUNNER)
#   --time S       seconds of fuzzing in all (default 60): 2/3 ioctl pass,
#                  1/3 random-syscall pass
#   --seed N       trinity's -s seed (default: from the clock; printed)
#   --children N   trinity child processes (default 2)
#   --out DIR      results folder (default build/fuzz/trinity-<time>)
#   --kernel PATH  kernel for the runner (default: the runner's own choice)
#   --inside       (internal) the part that runs in the guest
#
# trinity refuses to run as root without --dangerous; the guest part runs it
# as the user nobody (setpriv) after making the render node world-writable.
# Exit: the runner's (0 clean; 97 kernel splat; 124 timeout; 125 kernel
# died), 77 when trinity or the runner is missing (the reason is printed),
# 1 when trinity could not run in the guest.
set -uo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
runner=${LR_FUZZ_RUNNER:-uml}
time_s=60
seed=
children=2
out=
inside=0
extra=()
kernel=()

die() { echo "trinity.sh: error: $*" >&2; exit 2; }
skip() { echo "trinity.sh: skip: $*"; exit 77; }

while [ $# -gt 0 ]; do
	case "$1" in
	--runner) [ $# -ge 2 ] || die "--runner needs uml, vm or a script"; runner=$2; shift 2 ;;
	--time) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--time needs seconds"; time_s=$2; shift 2 ;;
	--seed) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seed needs a number"; seed=$2; shift 2 ;;
	--children) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--children needs a number"; children=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--kernel) [ $# -ge 2 ] || die "--kernel needs a path"; kernel=(--kernel "$2"); shift 2 ;;
	--inside) inside=1; shift ;;
	-h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$seed" ] || seed=$(( $(date +%s%N) % 4000000000 ))

# ---- in the guest: as root, set up, then trinity as nobody ----
if [ $inside -eq 1 ]; then
	node=/dev/dri/renderD128
	[ -c $node ] || { echo "trinity.sh: no $node in this kernel"; exit 77; }
	command -v trinity >/dev/null || { echo "trinity.sh: trinity is not installed"; exit 77; }
	chmod 0666 $node
	work=$(mktemp -d /tmp/trinity.XXXXXX)
	chown nobody "$work"
	cd "$work" || exit 1
	ioctl_s=$(( time_s * 2 / 3 )); [ $ioctl_s -ge 1 ] || ioctl_s=1
	rand_s=$(( time_s - ioctl_s )); [ $rand_s -ge 1 ] || rand_s=1
	total=0
	rc_all=0
	run_pass() { # NAME SECONDS TRINITY-ARGS...
		local name=$1 secs=$2 rc
		shift 2
		echo "trinity.sh: pass $name: ${secs}s, seed $seed: trinity $*"
		timeout -s INT -k 20 "$secs" setpriv --reuid=nobody --regid=nogroup --clear-groups \
			trinity -q -l off -s "$seed" -C "$children" -V $node "$@" "${extra[@]}" \
			>"$out/trinity-$name.log" 2>&1
		rc=$?
		# trinity ends with "[main] Ran N syscalls. Successes: S  Failures: F".
		line=$(grep -aoE 'Ran [0-9]+ syscalls\. Successes: [0-9]+ +Failures: [0-9]+' "$out/trinity-$name.log" | tail -n 1)
		n=$(echo "$line" | grep -oE '[0-9]+' | head -n 1)
		total=$(( total + ${n:-0} ))
		echo "trinity.sh: pass $name: exit $rc, ${line:-no iteration count printed}"
		# timeout's 124 is the normal end; anything trinity says before it is the reason.
		if [ $rc -ne 124 ] && [ $rc -ne 0 ] && [ $rc -ne 130 ]; then
			rc_all=1
			tail -n 15 "$out/trinity-$name.log" | sed 's/^/trinity.sh:   /'
		fi
	}
	# 1: ioctls on the render node (and what trinity needs around them: its own
	#    DRM fds, mmap of them, close).
	run_pass ioctl "$ioctl_s" --enable-fds=drm,testfile -c ioctl -c mmap -c munmap -c close -c read -c write -c poll
	# 2: random syscalls of every kind, the victim file still among the fds.
	#    Without the socket fd provider: building its socket cache segfaults
	#    trinity under UML (after "Can't do protocol NETBEUI", exit 139).
	run_pass random "$rand_s" --disable-fds=sockets,perf
	echo "trinity.sh: summary: $total syscalls in ${time_s}s (seed $seed), trinity status $([ $rc_all -eq 0 ] && echo ok || echo failed)"
	rm -rf "$work"
	exit $rc_all
fi

# ---- on the host: pick the runner, boot, run the part above inside ----
command -v trinity >/dev/null || skip "trinity is not installed (scripts/deps.sh trinity)"
case "$runner" in
uml) run=$here/scripts/uml-run.sh ;;
vm) run=$here/scripts/vm-run.sh ;;
*) run=$runner ;;
esac
[ -x "$run" ] || skip "runner '$run' is not there (yet)"
[ -n "$out" ] || out=$here/build/fuzz/trinity-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out" || die "cannot create '$out'"
out=$(cd "$out" && pwd)
echo "trinity.sh: seed $seed, ${time_s}s, runner $(basename "$run"), results in $out"
"$run" "${kernel[@]}" --out "$out" --no-kmemleak --timeout $(( time_s + 180 )) -- \
	"$here/tests/fuzz/trinity.sh" --inside --time "$time_s" --seed "$seed" \
	--children "$children" --out "$out" -- "${extra[@]}"
rc=$?
grep -h '^trinity.sh: ' "$out/console.log" 2>/dev/null | grep -q summary ||
	echo "trinity.sh: no summary from the guest (see $out/console.log)"
echo "trinity.sh: runner exit $rc (0 clean, 97 kernel splat, 124 timeout, 125 kernel died)"
exit $rc
