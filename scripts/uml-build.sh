#!/usr/bin/env bash
# Build the UML end-to-end kernel (arch/um x86_64_defconfig + the fragment
# kernel-patches/configs/uml-e2e.config) from a kernel tree, with ccache.
#
# Usage: scripts/uml-build.sh [--tree DIR] [--config FRAGMENT] [--print-path]
#
#   --tree DIR     kernel source tree to build. Default: $LR_KERNEL_TREE, else
#                  the tree `scripts/kernel.sh prepare` gives (base + the
#                  project's kernel-patches/series).
#   --config F     config fragment (default kernel-patches/configs/uml-e2e.config)
#   --print-path   print only the path of the built `linux` binary on stdout
#                  (progress goes to stderr either way)
#
# The result is cached in $LRBENCH_CACHE/uml-<tree hash>-<config hash>/linux,
# where the tree hash is the git tree object of the source (uncommitted and
# untracked files included) and the config hash covers the fragment and the
# defconfig. A cache hit returns in seconds. The object directory
# $LRBENCH_CACHE/uml-obj-<config hash>-<tree path hash> is kept between builds
# so edits rebuild incrementally; ccache (CCACHE_DIR defaults to
# $LRBENCH_CACHE/ccache) helps cold object directories.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${LRBENCH_CACHE:-$HOME/.cache/lrbench}
tree=${LR_KERNEL_TREE:-}
frag=$here/kernel-patches/configs/uml-e2e.config
print_path=0
jobs=${LR_JOBS:-2}

log() { echo "uml-build: $*" >&2; }
die() { echo "uml-build: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--tree) [ $# -ge 2 ] || die "--tree needs a directory"; tree=$2; shift 2 ;;
	--config) [ $# -ge 2 ] || die "--config needs a file"; frag=$2; shift 2 ;;
	--print-path) print_path=1; shift ;;
	-h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

[ -r "$frag" ] || die "config fragment '$frag' not readable"
frag=$(cd "$(dirname "$frag")" && pwd)/$(basename "$frag")

if [ -z "$tree" ]; then
	if [ -x "$here/scripts/kernel.sh" ] && "$here/scripts/kernel.sh" --help 2>&1 | grep -q prepare; then
		log "no --tree given: asking scripts/kernel.sh prepare for the patched tree"
		tree=$("$here/scripts/kernel.sh" prepare | tail -n 1) ||
			die "scripts/kernel.sh prepare failed"
	else
		die "no kernel tree: pass --tree DIR or set LR_KERNEL_TREE (scripts/kernel.sh prepare is not available)"
	fi
fi
[ -f "$tree/Makefile" ] && [ -d "$tree/arch/um" ] || die "'$tree' is not a kernel source tree"
tree=$(cd "$tree" && pwd)
[ ! -f "$tree/.config" ] || die "'$tree' has a .config in the source directory; O= builds need a clean tree (make mrproper there)"

# Content hash of the tree: a throw-away index that also sees uncommitted and
# untracked (not ignored) files, so a dirty developer tree never hits a stale
# cache entry.
tree_hash() {
	local idx
	idx=$(mktemp)
	if [ -f "$(git -C "$tree" rev-parse --git-dir)/index" ]; then
		cp "$(git -C "$tree" rev-parse --git-dir)/index" "$idx"
	fi
	GIT_INDEX_FILE=$idx git -C "$tree" add -A . >/dev/null 2>&1 &&
		GIT_INDEX_FILE=$idx git -C "$tree" write-tree
	local rc=$?
	rm -f "$idx"
	return $rc
}
if git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
	log "hashing source tree $tree"
	thash=$(tree_hash) || die "cannot hash tree '$tree' with git"
else
	die "'$tree' is not a git tree; the cache key needs git"
fi
defcfg=$tree/arch/um/configs/x86_64_defconfig
chash=$(cat "$defcfg" "$frag" | sha1sum | cut -c1-12)
key=${thash:0:12}-$chash
out=$cache/uml-$key
# One object directory per config and source tree path: two trees built in
# turn (a developer tree, the prepared series) must not rebuild each other.
obj=$cache/uml-obj-$chash-$(echo "$tree" | sha1sum | cut -c1-8)

if [ -x "$out/linux" ]; then
	log "cache hit: $out/linux (tree ${thash:0:12}, config $chash)"
	[ "$print_path" -eq 1 ] && echo "$out/linux" || echo "uml-build: kernel: $out/linux" >&2
	exit 0
fi

# Two builds in one object directory corrupt each other (a lab script and a
# developer, or two test tiers): serialise them, then look at the cache again
# since the build we waited for may have produced this very kernel.
exec 9>>"$obj.lock"
if ! flock -n -x 9; then
	log "waiting for another build in $obj"
	flock -x 9
fi
if [ -x "$out/linux" ]; then
	log "cache hit after waiting: $out/linux"
	[ "$print_path" -eq 1 ] && echo "$out/linux" || echo "uml-build: kernel: $out/linux" >&2
	exit 0
fi

export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
mkdir -p "$obj" "$CCACHE_DIR"
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc" || log "ccache not found: building without it (slow)"
mk=(make -C "$tree" O="$obj" ARCH=um SUBARCH=x86_64 CC="$cc" HOSTCC="$cc" -j"$jobs")

log "configuring (defconfig + $(basename "$frag")) in $obj"
# Regenerate .config from scratch each time; Kconfig only touches what changed.
"${mk[@]}" -s x86_64_defconfig >&2
(cd "$obj" && ARCH=um SUBARCH=x86_64 "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" \
	"$obj/.config" "$frag" >/dev/null) || die "merge_config.sh failed"
"${mk[@]}" -s olddefconfig >&2

# Check what Kconfig did with the fragment.
core=(HOSTFS DEVTMPFS DRM PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_LIST UML_PCI_OVER_VIRTIO)
[ -d "$tree/drivers/gpu/drm/vlr" ] && core+=(DRM_VLR)
dropped=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) sym=${line%%=*}; want=${line#*=} ;;
	*) continue ;;
	esac
	if [ "$want" = n ]; then
		grep -qx "$sym=y" "$obj/.config" && dropped+=("$sym (wanted n)")
		continue
	fi
	grep -qxF "$sym=$want" "$obj/.config" || dropped+=("${sym#CONFIG_}")
done < "$frag"
for d in "${dropped[@]}"; do
	for c in "${core[@]}"; do
		[ "$d" = "$c" ] && die "Kconfig dropped core option CONFIG_$c (missing dependency?)"
	done
done
[ ${#dropped[@]} -eq 0 ] || log "note: not set as the fragment asks: ${dropped[*]}"
[ -d "$tree/drivers/gpu/drm/vlr" ] || log "note: tree has no drivers/gpu/drm/vlr; building without the vlr device"

log "building vmlinux for UML with -j$jobs (cold: ~4 min on 2 cores; incremental: seconds)"
start=$(date +%s)
blog=$obj/build.log
if ! "${mk[@]}" linux >"$blog" 2>&1; then
	grep -E -B2 -A6 'error:|Error [0-9]' "$blog" | tail -n 40 >&2 || tail -n 40 "$blog" >&2
	die "kernel build failed (full log: $blog)"
fi
# Warnings in the series' own code are shown; the rest (UML's own) counted.
grep -E '(drivers/gpu/drm/(vlr|scheduler)|drivers/dma-buf|drm_gpuvm).*warning:' "$blog" |
	sed 's/^/uml-build: compiler /' >&2 || true
nwarn=$(grep -c 'warning:' "$blog" || true)
[ "$nwarn" -eq 0 ] || log "$nwarn compiler warning(s) in all (log: $blog)"
log "built in $(($(date +%s) - start)) s"

mkdir -p "$out.tmp.$$"
cp "$obj/linux" "$obj/.config" "$out.tmp.$$/"
echo "$tree" >"$out.tmp.$$/tree"
rm -rf "$out"
mv "$out.tmp.$$" "$out"
# Keep the cache bounded: the five newest kernels stay.
ls -1dt "$cache"/uml-[0-9a-f]*-"$chash" 2>/dev/null | tail -n +6 | xargs -r rm -rf
[ "$print_path" -eq 1 ] && echo "$out/linux" || echo "uml-build: kernel: $out/linux" >&2
