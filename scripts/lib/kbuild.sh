# Shared body of scripts/uml-build.sh and scripts/vm-build.sh: build one
# kernel image from a source tree and a config fragment, cached by content.
# Sourced, not run. The caller sets these, then calls kbuild_main "$@":
#
#   KB_NAME         uml | vm: log prefix "<name>-build:" and cache entry names
#   KB_MAKE_ARGS    array: make arguments for the architecture (ARCH=um ...)
#   KB_ARCH_DIR     arch directory the tree must have (arch/um, arch/x86)
#   KB_BASE_TARGETS array: make targets that give the base .config
#   KB_BASE_FILES   array: tree-relative files those targets read (hashed)
#   KB_FRAG         default config fragment
#   KB_CORE         array: options whose loss by Kconfig is fatal
#   KB_TARGET       make target that builds the image
#   KB_IMAGE        path of the image in the object directory
#   KB_COLD         words for the cold build time in the progress line
#
# Cache layout ($LRBENCH_CACHE, default ~/.cache/lrbench):
#   <name>-<tree hash>-<config hash>/      the image, its .config, the tree path
#   <name>-obj-<config hash>-<tree path hash>/  object directory (incremental)
# The tree hash is the git tree object of the source (uncommitted and
# untracked files included); the config hash covers KB_BASE_FILES and the
# fragment.

kb_log() { echo "$KB_NAME-build: $*" >&2; }
kb_die() { echo "$KB_NAME-build: error: $*" >&2; exit 1; }

# Content hash of the tree: a throw-away index that also sees uncommitted and
# untracked (not ignored) files, so a dirty developer tree never hits a stale
# cache entry.
kb_tree_hash() { # TREE
	local idx gd rc
	gd=$(git -C "$1" rev-parse --git-dir) || return 1
	case $gd in /*) ;; *) gd=$1/$gd ;; esac
	idx=$(mktemp)
	[ -f "$gd/index" ] && cp "$gd/index" "$idx"
	GIT_INDEX_FILE=$idx git -C "$1" add -A . >/dev/null 2>&1 &&
		GIT_INDEX_FILE=$idx git -C "$1" write-tree
	rc=$?
	rm -f "$idx"
	return $rc
}

# kbuild_main [--tree DIR] [--config FRAGMENT] [--print-path] [--no-cold]
# --no-cold: use the cache or build incrementally in an object directory that
# already holds a built image; never start a cold build (exit 3 instead).
kbuild_main() {
	local here cache tree frag print_path=0 no_cold=0 jobs
	here=$(cd "$(dirname "$0")/.." && pwd)
	cache=${LRBENCH_CACHE:-$HOME/.cache/lrbench}
	tree=${LR_KERNEL_TREE:-}
	frag=$KB_FRAG
	jobs=${LR_JOBS:-2}

	while [ $# -gt 0 ]; do
		case "$1" in
		--tree) [ $# -ge 2 ] || kb_die "--tree needs a directory"; tree=$2; shift 2 ;;
		--config) [ $# -ge 2 ] || kb_die "--config needs a file"; frag=$2; shift 2 ;;
		--print-path) print_path=1; shift ;;
		--no-cold) no_cold=1; shift ;;
		-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) kb_die "unknown argument '$1' (see --help)" ;;
		esac
	done

	[ -r "$frag" ] || kb_die "config fragment '$frag' not readable"
	frag=$(cd "$(dirname "$frag")" && pwd)/$(basename "$frag")

	if [ -z "$tree" ]; then
		if [ -x "$here/scripts/kernel.sh" ] && "$here/scripts/kernel.sh" --help 2>&1 | grep -q prepare; then
			kb_log "no --tree given: asking scripts/kernel.sh prepare for the patched tree"
			tree=$("$here/scripts/kernel.sh" prepare | tail -n 1) ||
				kb_die "scripts/kernel.sh prepare failed"
		else
			kb_die "no kernel tree: pass --tree DIR or set LR_KERNEL_TREE (scripts/kernel.sh prepare is not available)"
		fi
	fi
	[ -f "$tree/Makefile" ] && [ -d "$tree/$KB_ARCH_DIR" ] || kb_die "'$tree' is not a kernel source tree"
	tree=$(cd "$tree" && pwd)
	[ ! -f "$tree/.config" ] || kb_die "'$tree' has a .config in the source directory; O= builds need a clean tree (make mrproper there)"

	local thash chash key out obj f
	git -C "$tree" rev-parse --git-dir >/dev/null 2>&1 ||
		kb_die "'$tree' is not a git tree; the cache key needs git"
	kb_log "hashing source tree $tree"
	thash=$(kb_tree_hash "$tree") || kb_die "cannot hash tree '$tree' with git"
	chash=$(for f in "${KB_BASE_FILES[@]}"; do cat "$tree/$f"; done | cat - "$frag" | sha1sum | cut -c1-12)
	key=${thash:0:12}-$chash
	out=$cache/$KB_NAME-$key
	# One object directory per config and source tree path: two trees built in
	# turn (a developer tree, the prepared series) must not rebuild each other.
	obj=$cache/$KB_NAME-obj-$chash-$(echo "$tree" | sha1sum | cut -c1-8)
	local image=$out/$(basename "$KB_IMAGE")

	kb_done() { # MESSAGE
		kb_log "$1"
		[ "$print_path" -eq 1 ] && echo "$image" || echo "$KB_NAME-build: kernel: $image" >&2
		exit 0
	}
	[ -s "$image" ] && kb_done "cache hit: $image (tree ${thash:0:12}, config $chash)"
	if [ "$no_cold" -eq 1 ] && [ ! -s "$obj/$KB_IMAGE" ]; then
		kb_log "no cached kernel for tree ${thash:0:12}, config $chash and no earlier build in $obj: not starting a cold build (--no-cold)"
		exit 3
	fi

	# Two builds in one object directory corrupt each other (a lab script and a
	# developer, or two test tiers): serialise them, then look at the cache again
	# since the build we waited for may have produced this very kernel.
	exec 9>>"$obj.lock"
	if ! flock -n -x 9; then
		kb_log "waiting for another build in $obj"
		flock -x 9
	fi
	[ -s "$image" ] && kb_done "cache hit after waiting: $image"

	export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
	mkdir -p "$obj" "$CCACHE_DIR"
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc" || kb_log "ccache not found: building without it (slow)"
	local mk=(make -C "$tree" O="$obj" "${KB_MAKE_ARGS[@]}" CC="$cc" HOSTCC="$cc" -j"$jobs")

	kb_log "configuring (${KB_BASE_TARGETS[*]} + $(basename "$frag")) in $obj"
	# Regenerate .config from scratch each time; Kconfig only touches what changed.
	"${mk[@]}" -s "${KB_BASE_TARGETS[@]}" >&2 || kb_die "make ${KB_BASE_TARGETS[*]} failed"
	(cd "$obj" && env "${KB_MAKE_ARGS[@]}" "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$frag" >/dev/null) || kb_die "merge_config.sh failed"
	"${mk[@]}" -s olddefconfig >&2 || kb_die "make olddefconfig failed"

	# Check what Kconfig did with the fragment.
	local core=("${KB_CORE[@]}") dropped=() line sym want d c
	[ -d "$tree/drivers/gpu/drm/vlr" ] && core+=(DRM_VLR)
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
	done <"$frag"
	for d in "${dropped[@]}"; do
		for c in "${core[@]}"; do
			[ "$d" = "$c" ] && kb_die "Kconfig dropped core option CONFIG_$c (missing dependency?)"
		done
	done
	[ ${#dropped[@]} -eq 0 ] || kb_log "note: not set as the fragment asks: ${dropped[*]}"
	[ -d "$tree/drivers/gpu/drm/vlr" ] || kb_log "note: tree has no drivers/gpu/drm/vlr; building without the vlr device"

	kb_log "building $KB_TARGET with -j$jobs (cold: $KB_COLD; incremental: seconds to minutes)"
	local start blog nwarn
	start=$(date +%s)
	blog=$obj/build.log
	if ! "${mk[@]}" "$KB_TARGET" >"$blog" 2>&1; then
		grep -E -B2 -A6 'error:|Error [0-9]' "$blog" | tail -n 40 >&2 || tail -n 40 "$blog" >&2
		kb_die "kernel build failed (full log: $blog)"
	fi
	# Warnings in the series' own code are shown; the rest counted.
	grep -E '(drivers/gpu/drm/(vlr|scheduler)|drivers/dma-buf|drm_gpuvm).*warning:' "$blog" |
		sed "s/^/$KB_NAME-build: compiler /" >&2 || true
	nwarn=$(grep -c 'warning:' "$blog" || true)
	[ "$nwarn" -eq 0 ] || kb_log "$nwarn compiler warning(s) in all (log: $blog)"
	kb_log "built in $(($(date +%s) - start)) s"

	# scripts/kernel.sh prepare rewrites its tree when the series changes,
	# and holding its lock through a 20-minute build would stall everyone
	# else's prepare: look at the source again instead. A kernel built while
	# the tree changed is not cached under either hash (the objects stay;
	# the next run rebuilds what changed).
	local thash2
	thash2=$(kb_tree_hash "$tree") || kb_die "cannot hash tree '$tree' with git"
	[ "$thash2" = "$thash" ] ||
		kb_die "the source tree changed during the build (${thash:0:12} -> ${thash2:0:12}); not caching it: run again for an incremental build"

	mkdir -p "$out.tmp.$$"
	cp "$obj/$KB_IMAGE" "$obj/.config" "$out.tmp.$$/"
	echo "$tree" >"$out.tmp.$$/tree"
	rm -rf "$out"
	mv "$out.tmp.$$" "$out"
	# Keep the cache bounded: the five newest kernels stay.
	ls -1dt "$cache/$KB_NAME"-[0-9a-f]*-"$chash" 2>/dev/null | tail -n +6 | xargs -r rm -rf
	kb_done "kernel stored in $out"
}
