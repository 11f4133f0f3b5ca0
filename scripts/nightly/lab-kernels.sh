#!/usr/bin/env bash
# make lab-kernels: installable Debian packages (bindeb-pkg) of the baseline
# and the patched x86-64 kernel for the hardware lab, from the cached
# linux-source-6.12 (scripts/kernel.sh prepare: the tree's tag `base` is the
# baseline, its HEAD the series applied).
#
# Usage: scripts/nightly/lab-kernels.sh [--kind baseline|patched|both] [--xe] [--dry-run]
#
# Config: x86_64_defconfig + lab/kernel/lab.config (merge_config.sh), then
# olddefconfig. Names: LOCALVERSION=-lr-baseline and -lr-patched-<series
# hash>, so `uname -r` on a lab host tells the nightly which kind it booted
# (lab file `kind = auto`). Object directories are kept in
# $LRBENCH_CACHE/lab-obj-<kind> (a second build is incremental); the
# packages land in build/lab-kernels/<kind>/ and the time of each build is
# printed. LR_JOBS (default: nproc) sets make -j. A full build, twice:
# long, never part of make test. --dry-run prints the commands only.
# --xe: the patched kernel also carries the xe follow-up patches
# (kernel-patches/xe/, scripts/kernel.sh prepare-xe), named
# -lr-patched-<series hash>-xe-<series+xe hash>, object directory
# lab-obj-patched-xe, packages in build/lab-kernels/patched-xe/: the A/B of
# stock xe against xe on the series' generic pieces (docs/lab-xe.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
kinds=(baseline patched) dry=0 xe=0
while [ $# -gt 0 ]; do
	case $1 in
	--kind) [ $# -ge 2 ] || { echo "lab-kernels: --kind needs baseline, patched or both" >&2; exit 2; }
		case $2 in baseline | patched) kinds=("$2") ;; both) ;; *) echo "lab-kernels: --kind $2: expected baseline, patched or both" >&2; exit 2 ;; esac
		shift 2 ;;
	--xe) xe=1; shift ;;
	--dry-run) dry=1; shift ;;
	-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "lab-kernels: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
done
run() {
	echo "lab-kernels: \$ $*"
	[ "$dry" -eq 1 ] || "$@"
}
cache=${LRBENCH_CACHE:-$HOME/.cache/lrbench}
jobs=${LR_JOBS:-$(nproc)}
echo "lab-kernels: preparing the patched tree (scripts/kernel.sh prepare)"
tree=$(scripts/kernel.sh prepare | tail -n 1)
hash=$(scripts/kernel.sh info | awk -F': *' '/^series hash/ { print $2 }')
[ -n "$hash" ] || { echo "lab-kernels: no series hash from scripts/kernel.sh info" >&2; exit 1; }
if [ "$xe" -eq 1 ]; then
	echo "lab-kernels: preparing the series+xe tree (scripts/kernel.sh prepare-xe)"
	xetree=$(scripts/kernel.sh prepare-xe | tail -n 1)
	xehash=$(scripts/kernel.sh info | sed -n 's/^xe patches:.*series+xe hash \([0-9a-f]*\).*/\1/p')
	[ -n "$xehash" ] || { echo "lab-kernels: no series+xe hash from scripts/kernel.sh info" >&2; exit 1; }
fi
git -C "$tree" rev-parse -q --verify base >/dev/null || { echo "lab-kernels: $tree has no tag base" >&2; exit 1; }
for kind in "${kinds[@]}"; do
	obj=$cache/lab-obj-$kind
	out=$root/build/lab-kernels/$kind
	if [ "$kind" = patched ] && [ "$xe" -eq 1 ]; then
		obj=$cache/lab-obj-patched-xe
		out=$root/build/lab-kernels/patched-xe
	fi
	if [ "$kind" = baseline ]; then
		# an export of tag base (not a worktree: kernel.sh prepare may rewrite its tree)
		src=$cache/lab-src-baseline-$(git -C "$tree" rev-parse --short=12 base)
		lv=-lr-baseline
		if [ ! -f "$src/Makefile" ]; then
			run mkdir -p "$src"
			echo "lab-kernels: \$ git -C $tree archive base | tar -x -C $src"
			[ "$dry" -eq 1 ] || git -C "$tree" archive base | tar -x -C "$src"
		fi
	elif [ "$xe" -eq 1 ]; then
		src=$xetree
		lv=-lr-patched-$hash-xe-$xehash
	else
		src=$tree
		lv=-lr-patched-$hash
	fi
	t0=$(date +%s)
	run mkdir -p "$obj" "$out"
	run make -C "$src" O="$obj" ARCH=x86_64 x86_64_defconfig
	run "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$root/lab/kernel/lab.config"
	run make -C "$src" O="$obj" ARCH=x86_64 olddefconfig
	run make -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" LOCALVERSION="$lv" bindeb-pkg
	# bindeb-pkg writes the packages beside the object directory
	if [ "$dry" -eq 0 ]; then
		find "$(dirname "$obj")" -maxdepth 1 -name "linux-*${lv}*.deb" -newer "$obj/.config" -exec mv -t "$out" {} +
		ls -l "$out"
	fi
	echo "lab-kernels: $kind ($lv): $(($(date +%s) - t0)) s; packages in ${out#$root/}/"
done
