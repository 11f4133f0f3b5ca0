#!/usr/bin/env bash
# Boot the SMP guest kernel in QEMU (x86-64, 2 vCPUs by default) with the
# host filesystem as root and run one command inside it. The SMP sibling of
# scripts/uml-run.sh, with the same options, results and exit statuses.
#
# Usage: scripts/vm-run.sh [OPTIONS] -- CMD [ARG...]
#        scripts/vm-run.sh --check-log FILE...
#
#   --kernel PATH   guest bzImage (default: scripts/vm-build.sh --print-path)
#   --out DIR       results folder (default build/vm/run-<time>); shared
#                   read-write (9p) at the same path inside the guest, so CMD
#                   can write there. It receives console.log (the serial
#                   console), kernel.log (dmesg at the end), exit-status,
#                   kmemleak.txt and guest.json (accel, smp, mem, kernel
#                   release, qemu version, boot seconds).
#   --timeout S     kill the guest after S seconds, boot included (default 900)
#   --mem SIZE      guest memory (default 2G)
#   --smp N         virtual CPUs (default 2)
#   --accel A       auto, kvm or tcg (default auto). auto uses KVM only when a
#                   probe boot of this kernel under KVM reached init (the
#                   verdict is cached per kernel, qemu version and host CPU
#                   in $LRBENCH_CACHE/vm-accel/), else TCG.
#   --append ARGS   extra kernel command line (e.g. "vlr.vram_mb=32")
#   --no-kmemleak   skip the final kmemleak scan (saves its 5 s wait)
#   --env NAME      pass the host variable NAME into CMD's environment (repeatable;
#                   LR_* variables are passed by default)
#   --check-log F   only scan kernel log file(s) F for splats (exit 0 clean, 97 not)
#
# CMD runs as root inside the guest with the same working directory and the
# root file system read-only (the results folder and /tmp are writable).
# LR_VM=1 and LR_VM_OUT=DIR are set for it. Booting to init takes 30-50 s
# under TCG on 2 cores; progress lines go to stderr.
#
# Exit status: CMD's status when the kernel log is clean; 97 when the kernel
# log holds a splat (WARNING, BUG, lockdep report, KASAN, RCU stall, hung
# task, soft lockup, kmemleak, oops, panic) whatever CMD returned; 124 on
# timeout; 125 when the kernel ended without recording CMD's status (crash,
# panic, no boot); 2 on usage errors.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${LRBENCH_CACHE:-$HOME/.cache/lrbench}
kernel=
out=
timeout_s=900
mem=2G
smp=2
accel=auto
append=
envs=()
kmemleak=1
qemu=${LR_QEMU:-qemu-system-x86_64}
probe_timeout=${LR_VM_PROBE_TIMEOUT:-60}

log() { echo "vm-run: $*" >&2; }
die() { echo "vm-run: error: $*" >&2; exit 2; }

# The splat patterns and check_log (one list for UML and the SMP guest).
. "$here/scripts/lib/splat.sh"

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || die "--kernel needs a path"; kernel=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
	--timeout)
		[ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds"
		timeout_s=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*[MG]$ ]] || die "--mem needs a size like 2G or 1536M"
		mem=$2; shift 2 ;;
	--smp) [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || die "--smp needs a number of CPUs"
		smp=$2; shift 2 ;;
	--accel) [ $# -ge 2 ] && [[ $2 =~ ^(auto|kvm|tcg)$ ]] || die "--accel needs auto, kvm or tcg"
		accel=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || die "--append needs arguments"; append=$2; shift 2 ;;
	--no-kmemleak) kmemleak=0; shift ;;
	--env) [ $# -ge 2 ] && [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--env needs a variable name"
		envs+=("$2"); shift 2 ;;
	--check-log)
		shift
		[ $# -ge 1 ] || die "--check-log needs at least one file"
		check_log "$@" && exit 0
		exit $SPLAT_RC ;;
	-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	*) die "unknown argument '$1' (the command goes after --; see --help)" ;;
	esac
done
[ $# -ge 1 ] || die "no command given (usage: vm-run.sh [OPTIONS] -- CMD [ARG...])"

command -v "$qemu" >/dev/null ||
	die "$qemu not found (Debian: apt-get install qemu-system-x86, or make deps)"
if [ -z "$kernel" ]; then
	kernel=$("$here/scripts/vm-build.sh" --print-path) || die "building the guest kernel failed"
fi
[ -f "$kernel" ] && [ -r "$kernel" ] || die "kernel '$kernel' is not a readable bzImage"
kernel=$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")
qver=$("$qemu" --version | head -n 1 | sed 's/^QEMU emulator version //')

[ -n "$out" ] || out=$here/build/vm/run-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out" || die "cannot create results folder '$out'"
out=$(cd "$out" && pwd)
rm -f "$out/exit-status" "$out/kernel.log" "$out/console.log" "$out/kmemleak.txt" \
	"$out/guest.json" "$out/init-started"

# --- accelerator -------------------------------------------------------
# KVM on the development machines opens but does not boot guests (nested
# virtualisation: `-cpu host` aborts on MSR 0x10a, kvm64 guests stall), so
# auto trusts it only after a probe boot of this very kernel reached init.
kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
accel_reason=
case $accel in
tcg) accel_reason="asked for (--accel tcg)" ;;
kvm)
	kvm_usable || die "--accel kvm: /dev/kvm is missing or not read-writable"
	accel_reason="asked for (--accel kvm)" ;;
auto)
	if [ "${LR_VM_PROBING:-0}" = 1 ]; then
		die "internal: --accel auto inside a KVM probe"
	elif ! kvm_usable; then
		accel=tcg accel_reason="no usable /dev/kvm"
	else
		cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
		pkey=$({ sha1sum <"$kernel"; echo "$qver"; echo "$cpu_model"; } | sha1sum | cut -c1-16)
		pfile=$cache/vm-accel/$pkey
		if [ -s "$pfile" ]; then
			read -r accel accel_reason <"$pfile"
			accel_reason="$accel_reason (cached probe verdict $pfile)"
		else
			log "probing KVM: a bounded boot (${probe_timeout} s) of this kernel under KVM must reach init"
			pout=$(mktemp -d)
			pstart=$(date +%s)
			LR_VM_PROBING=1 "$0" --kernel "$kernel" --accel kvm --smp "$smp" --mem "$mem" \
				--timeout "$probe_timeout" --no-kmemleak --out "$pout" -- true >"$pout.log" 2>&1
			prc=$?
			if [ -s "$pout/init-started" ]; then
				verdict="kvm probe boot reached init in $(($(date +%s) - pstart)) s"
			elif [ $prc -eq 124 ]; then
				verdict="tcg KVM probe boot did not reach init within ${probe_timeout} s"
			else
				verdict="tcg KVM probe boot failed (status $prc: $(cat "$pout/console.log" "$pout.log" 2>/dev/null | grep -m1 -iE 'qemu-system|error' | cut -c1-120))"
			fi
			rm -rf "$pout" "$pout.log"
			mkdir -p "$cache/vm-accel"
			echo "$verdict" >"$pfile.tmp.$$" && mv "$pfile.tmp.$$" "$pfile"
			read -r accel accel_reason <<<"$verdict"
		fi
	fi ;;
esac
if [ "$accel" = kvm ]; then
	# -cpu host passes the host's model through; LR_VM_KVM_CPU overrides it.
	accel_args=(-accel kvm -cpu "${LR_VM_KVM_CPU:-host}")
else
	accel_args=(-accel tcg,thread=multi -cpu max)
fi
log "accel: $accel ($accel_reason)"

# --- the guest's PID 1 ---------------------------------------------------
# Environment for CMD: LR_* plus what --env names.
envfile=$out/env.sh
: >"$envfile"
for v in $(compgen -e | grep '^LR_') "${envs[@]}"; do
	[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}" >>"$envfile"
done

q() { printf %q "$1"; }
init=$out/init.sh
{
	cat <<EOF
#!/bin/bash
# Generated by scripts/vm-run.sh: PID 1 inside the QEMU guest.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
off() { sync; echo o >/proc/sysrq-trigger; sleep 30; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
# The root is the host's / over 9p, read-only. Keep a view of it before the
# tmpfs mounts hide the host's /tmp and /run.
mount -t tmpfs tmpfs /run
mkdir -p /run/lr-host && mount --bind / /run/lr-host
mount -t tmpfs tmpfs /tmp
# The repository and the working directory may live under /tmp or /run (a
# CI clone, say): bring them back from the host's view.
for d in $(q "$here") $(q "$PWD"); do
	case \$d in
	/tmp/* | /run/*)
		mountpoint -q "\$d" && continue
		mkdir -p "\$d" && mount --bind "/run/lr-host\$d" "\$d" ||
			{ echo "vm-init: cannot mount \$d" >&2; off; } ;;
	esac
done
# The results folder: the second 9p share, read-write, at the host's path.
mkdir -p $(q "$out") 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L out $(q "$out") ||
	{ echo "vm-init: cannot mount the results folder" >&2; off; }
# Hung tasks and soft lockups report to the kernel log, every time, with
# every CPU's backtrace; none of them panics (the log decides).
echo -1 >/proc/sys/kernel/hung_task_warnings
echo 0 >/proc/sys/kernel/hung_task_panic
echo 0 >/proc/sys/kernel/softlockup_panic
echo 1 >/proc/sys/kernel/softlockup_all_cpu_backtrace 2>/dev/null
echo "\$(cut -d' ' -f1 /proc/uptime) \$(uname -r) \$(nproc)" >$(q "$out")/init-started
echo "vm-init: init reached after \$(cut -d' ' -f1 /proc/uptime) s of guest time; \$(nproc) CPUs, kernel \$(uname -r)"
. $(q "$envfile")
export LR_VM=1 LR_VM_OUT=$(q "$out")
cd $(q "$PWD") || off
EOF
	printf '%q ' "$@"
	echo
	cat <<EOF
rc=\$?
# Leaks: kmemleak reports objects unreferenced for 5 s; scan after that.
if [ $kmemleak -eq 1 ] && [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >$(q "$out")/kmemleak.txt
fi
dmesg >$(q "$out")/kernel.log
echo \$rc >$(q "$out")/exit-status
sync
umount $(q "$out")
off
EOF
} >"$init"
chmod +x "$init"

# --- boot ----------------------------------------------------------------
# The root is cached in the guest (cache=loose): every exec over an uncached
# 9p share costs seconds under TCG. Host files changed during a run may go
# unseen inside; the results share is uncached.
cmdline="root=root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose,msize=262144"
cmdline+=" ro console=ttyS0"
# no5lvl: with -cpu max the guest would use 5-level paging, and a KASAN
# kernel then reported a wild-memory-access in an early interrupt during
# boot (once in a few boots under TCG, before any test ran).
cmdline+=" init=$init panic=-1 loglevel=5 no5lvl $append"
# q35: i440fx's ACPI _PRT loop runs into the 30 s AML loop timeout under
# TCG, twice per boot.
qargs=(-machine q35 "${accel_args[@]}" -smp "$smp" -m "$mem" -nographic -no-reboot -nic none
	-kernel "$kernel"
	-virtfs local,path=/,mount_tag=root,security_model=passthrough,readonly=on,multidevs=remap
	-virtfs "local,path=$out,mount_tag=out,security_model=passthrough,multidevs=remap"
	-append "$cmdline")
log "booting $(basename "$(dirname "$kernel")")/$(basename "$kernel") with $smp vCPUs, $mem, $accel (timeout ${timeout_s}s, results in $out)"
start=$(date +%s)
: >"$out/console.log"
# Progress while it boots (minutes under TCG): every 15 s until init, then
# every 60 s while CMD runs.
(
	last=0 seen=0
	while sleep 1; do
		now=$(($(date +%s) - start))
		if [ $seen -eq 0 ] && [ -s "$out/init-started" ]; then
			seen=1 last=$now
			echo "$now" >"$out/.boot-seconds"
			log "[${now} s] init reached; running the command"
		elif [ $seen -eq 0 ] && [ $((now - last)) -ge 15 ]; then
			last=$now
			log "[${now} s] booting ($(grep -c . "$out/console.log") console lines so far)"
		elif [ $seen -eq 1 ] && [ $((now - last)) -ge 60 ]; then
			last=$now
			log "[${now} s] command running"
		fi
	done
) &
ticker=$!
(
	timeout -k 10 "$timeout_s" "$qemu" "${qargs[@]}" </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee -a "$out/console.log"
	echo "${PIPESTATUS[0]}" >"$out/.qemu-status"
) 2>/dev/null
kill "$ticker" 2>/dev/null
wait "$ticker" 2>/dev/null
trc=$(cat "$out/.qemu-status" 2>/dev/null || echo 125)
elapsed=$(($(date +%s) - start))
boot_s=$(cat "$out/.boot-seconds" 2>/dev/null || echo null)
rm -f "$out/.qemu-status" "$out/.boot-seconds"
log "guest exited after $elapsed s (init reached after ${boot_s/null/-} s)"

rc=0
if [ "$trc" -eq 124 ] || [ "$trc" -eq 137 ]; then
	log "timeout: the guest ran past ${timeout_s}s and was killed"
	rc=124
elif [ ! -s "$out/exit-status" ]; then
	log "the kernel ended without recording the command's exit status (qemu status $trc; crash, panic or no boot?); see $out/console.log"
	rc=125
else
	rc=$(cat "$out/exit-status")
	log "command exited with status $rc"
fi

# guest.json: what ran where, for the results.
read -r _ krel ncpu _ <"$out/init-started" 2>/dev/null || krel= ncpu=
python3 - "$out/guest.json" "$accel" "$accel_reason" "$smp" "${ncpu:-}" "$mem" "$kernel" \
	"${krel:-}" "$qver" "$boot_s" "$elapsed" "$rc" <<'EOF'
import json, sys
path, accel, reason, smp, ncpu, mem, kernel, krel, qver, boot, total, rc = sys.argv[1:]
num = lambda s: int(s) if s.isdigit() else None
json.dump({"accel": accel, "accel_reason": reason, "smp": num(smp), "guest_cpus": num(ncpu),
           "mem": mem, "kernel": kernel, "kernel_release": krel or None, "qemu_version": qver,
           "boot_seconds": num(boot), "total_seconds": num(total), "status": num(rc)},
          open(path, "w"), indent=2)
EOF

# The kernel log is dmesg taken at the end; when the kernel died before
# that, fall back to the console (where CMD's own output is mixed in).
if [ -s "$out/kernel.log" ]; then
	logs=("$out/kernel.log")
else
	logs=("$out/console.log")
fi
[ -s "$out/kmemleak.txt" ] && logs+=("$out/kmemleak.txt")
if ! check_log "${logs[@]}"; then
	log "FAIL: kernel splat (kernel log: $out/kernel.log)"
	exit $SPLAT_RC
fi
log "kernel log clean ($out/kernel.log)"
exit "$rc"
