#!/usr/bin/env bash
# Kernel workflow for the lrbench series (kernel-patches/).
#
#   scripts/kernel.sh fetch             download linux-source-6.12 into the cache
#   scripts/kernel.sh prepare [--tree DIR]
#                                       unpack it into a git tree (base committed
#                                       and tagged `base`), apply kernel-patches/series
#                                       with `git am -3`; prints the tree path last
#   scripts/kernel.sh prepare-xe        the series plus kernel-patches/xe/ (drm/xe
#                                       on the series) in a tree of its own; prints
#                                       its path last
#   scripts/kernel.sh build             UML build of the series' KUnit config
#   scripts/kernel.sh kunit [SUITE...]  run KUnit under UML; suites: series drm ttm
#                                       vlr xe (xe: on the series+xe tree)
#   scripts/kernel.sh check             every patch (series, then xe) applies, builds,
#                                       is checkpatch --strict and kernel-doc clean
#   scripts/kernel.sh export --tree DIR write base..HEAD of DIR back to kernel-patches/
#   scripts/kernel.sh info              version, series hash, cache paths
#
# Cache: ${LRBENCH_CACHE:-$HOME/.cache/lrbench}. Progress goes to stderr, the
# one result a caller may want (a path) to stdout. See kernel-patches/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATCHES=$ROOT/kernel-patches
CACHE=${LRBENCH_CACHE:-$HOME/.cache/lrbench}
PKG=linux-source-6.12
JOBS=${LRBENCH_JOBS:-2}
ME="kernel.sh"

say() { echo "$ME: $*" >&2; }
die() {
	echo "$ME: error: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- helpers

# Several people (and make targets) share the cache: runs that use the
# cached tree hold a shared lock on it; prepare takes it exclusively only
# while it changes the tree. A KUnit build dir and the check worktree have
# exclusive locks of their own.
tree_lock() { # -s | -x
	{ true >&8; } 2>/dev/null || exec 8>>"$CACHE/.tree.lock"
	if ! flock -n "$1" 8; then
		say "waiting for another scripts/kernel.sh run that uses the kernel tree"
		flock "$1" 8
	fi
}

dir_lock() { # FD FILE WHAT
	eval "exec $1>>\"\$2\""
	if ! flock -n -x "$1"; then
		say "waiting for another scripts/kernel.sh run that uses $3"
		flock -x "$1"
	fi
}

# Deterministic identity and dates so the same inputs give the same commits.
export GIT_AUTHOR_NAME="lrbench" GIT_AUTHOR_EMAIL="lrbench@localhost"
export GIT_COMMITTER_NAME="lrbench" GIT_COMMITTER_EMAIL="lrbench@localhost"

# The patches DIR/series lists (NAME: how messages call that folder), in
# order, without comments and cover letters.
series_file_patches() {
	local dir=$1 name=$2 p
	while IFS= read -r p || [ -n "$p" ]; do
		p=${p%%#*}
		p=$(echo "$p" | xargs)
		[ -n "$p" ] || continue
		case "$p" in *cover-letter*) continue ;; esac
		[ -f "$dir/$p" ] || die "$name/series lists $p, which does not exist"
		echo "$p"
	done <"$dir/series"
}

# The patches kernel-patches/series lists, in order, without the cover letter.
series_patches() {
	[ -f "$PATCHES/series" ] || return 0
	series_file_patches "$PATCHES" kernel-patches
}

# Name and content of each patch DIR/PATCH..., in order (what a hash covers).
patches_text() {
	local dir=$1 p
	shift
	for p in "$@"; do
		echo "$p"
		cat "$dir/$p"
	done
}

# Hash of the series: the order and the content of every patch.
series_hash() {
	# shellcheck disable=SC2046 # patch names have no spaces (series file)
	patches_text "$PATCHES" $(series_patches) | sha256sum | cut -c1-12
}

# The follow-up xe patches (kernel-patches/xe/, applied on top of the series):
# in the order kernel-patches/xe/series gives if there is one, else every
# *.patch there by name; a cover letter is skipped.
XE_PATCHES=$PATCHES/xe
xe_patches() {
	if [ -f "$XE_PATCHES/series" ]; then
		series_file_patches "$XE_PATCHES" kernel-patches/xe
	elif [ -d "$XE_PATCHES" ]; then
		(cd "$XE_PATCHES" && find . -maxdepth 1 -name '*.patch' ! -name '*cover-letter*' -printf '%f\n' | LC_ALL=C sort)
	fi
}

# Hash of the series plus the xe patches (order and content).
xe_hash() {
	{
		series_hash
		# shellcheck disable=SC2046 # patch names have no spaces
		patches_text "$XE_PATCHES" $(xe_patches)
	} | sha256sum | cut -c1-12
}

# The cached .deb for the newest version we have (or $LRBENCH_KERNEL_DEB).
cached_deb() {
	if [ -n "${LRBENCH_KERNEL_DEB:-}" ]; then
		[ -f "$LRBENCH_KERNEL_DEB" ] || die "LRBENCH_KERNEL_DEB=$LRBENCH_KERNEL_DEB does not exist"
		echo "$LRBENCH_KERNEL_DEB"
		return
	fi
	ls -1 "$CACHE/dl/${PKG}_"*_all.deb 2>/dev/null | sort -V | tail -1
}

deb_version() {
	dpkg-deb -f "$1" Version
}

# A path-safe form of a Debian version (6.12.117-1~deb12u1 -> 6.12.117-1_deb12u1).
safe_version() {
	echo "$1" | tr '~:+' '___'
}

cmd_fetch() {
	mkdir -p "$CACHE/dl"
	if [ -n "${LRBENCH_KERNEL_DEB:-}" ]; then
		cached_deb
		return
	fi
	local cand
	cand=$(apt-cache policy "$PKG" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		if [ "$(id -u)" -eq 0 ]; then
			say "fetch: $PKG unknown to apt; running apt-get update"
			apt-get update -q >/dev/null 2>&1 || say "fetch: apt-get update failed"
			cand=$(apt-cache policy "$PKG" 2>/dev/null | awk '/Candidate:/ { print $2 }')
		fi
	fi
	local have
	have=$(cached_deb)
	if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
		local file="$CACHE/dl/${PKG}_${cand//:/%3a}_all.deb"
		if [ -f "$file" ] && dpkg-deb -f "$file" Version >/dev/null 2>&1; then
			say "fetch: $PKG $cand already cached ($file)"
			echo "$file"
			return
		fi
		say "fetch: apt-get download $PKG=$cand (about 150 MB) into $CACHE/dl"
		if (cd "$CACHE/dl" && apt-get download -q "$PKG=$cand" >&2); then
			[ -f "$file" ] || file=$(cached_deb)
			say "fetch: done: $file"
			echo "$file"
			return
		fi
		say "fetch: download failed"
	fi
	[ -n "$have" ] || die "fetch: cannot download $PKG and nothing is cached in $CACHE/dl"
	say "fetch: using the cached $(basename "$have")"
	echo "$have"
}

# Drop the Debian packaging block at the end of the top-level .gitignore: it
# ignores everything at the top level ("/*", "!/debian/"), which would keep git
# from tracking anything new. The block starts at the blank line before
# "# Debian packaging" and runs to the end of the file.
strip_debian_gitignore() {
	local gi=$1/.gitignore
	[ -f "$gi" ] || return 0
	grep -q '^# Debian packaging' "$gi" || return 0
	python3 - "$gi" <<-'EOF'
		import sys
		p = sys.argv[1]
		lines = open(p).read().split("\n")
		i = next(n for n, l in enumerate(lines) if l.startswith("# Debian packaging"))
		# back up over the "#" line above it and the blank line before that
		while i > 0 and lines[i - 1] in ("#", ""):
		    i -= 1
		open(p, "w").write("\n".join(lines[:i]) + "\n")
	EOF
}

# The pristine base for one package version, committed and tagged `base`.
base_repo() {
	local deb=$1 ver sver dir
	ver=$(deb_version "$deb")
	sver=$(safe_version "$ver")
	dir=$CACHE/trees/base-$sver
	# v2: the base tracks the tarball's dotfiles (.kunitconfig, ...) too
	if [ "$(cat "$dir/.git/lrbench-base" 2>/dev/null)" = "v2 $ver" ]; then
		echo "$dir"
		return
	fi
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	say "prepare: unpacking $(basename "$deb") into $dir (about 30 s)"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$PKG.tar.xz" |
		tar -xJ -C "$dir.tmp" --strip-components=1 ||
		die "prepare: cannot unpack $deb"
	strip_debian_gitignore "$dir.tmp"
	say "prepare: committing the pristine tree (git add, about 30 s)"
	(
		cd "$dir.tmp"
		git init -q -b master .
		git config gc.auto 0
		# -f: the tarball's dotfiles (.kunitconfig, .clang-format, ...)
		# are part of the pristine tree although .gitignore matches them.
		git add -A -f .
		GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
			git commit -q -m "Linux $(make -s kernelversion 2>/dev/null) from Debian $PKG $ver"
		git tag base
	) || die "prepare: cannot commit the base tree"
	echo "v2 $ver" >"$dir.tmp/.git/lrbench-base"
	mv "$dir.tmp" "$dir"
	echo "$dir"
}

# Apply PATCHES (files in DIR) onto the commit PARENT in TREE's repository
# and print the resulting commit; nothing is checked out. The patches are
# applied to a scratch index (git apply --cached -3, then commit-tree, like
# git am), so the caller's checkout afterwards touches only the files the
# patches change and builds stay incremental. WHAT prefixes the messages.
apply_patches() {
	local tree=$1 parent=$2 dir=$3 what=$4 n=0 total p idx msg patch info tid
	local subj name email date
	shift 4
	total=$#
	idx=$(mktemp) msg=$(mktemp) patch=$(mktemp)
	GIT_INDEX_FILE=$idx git -C "$tree" read-tree "$parent"
	for p in "$@"; do
		n=$((n + 1))
		say "prepare: ${what}[$n/$total] applying $p (3-way)"
		info=$(git -C "$tree" mailinfo "$msg" "$patch" <"$dir/$p")
		subj=$(sed -n 's/^Subject: //p' <<<"$info")
		name=$(sed -n 's/^Author: //p' <<<"$info")
		email=$(sed -n 's/^Email: //p' <<<"$info")
		date=$(sed -n 's/^Date: //p' <<<"$info")
		if ! GIT_INDEX_FILE=$idx git -C "$tree" apply --cached -3 "$patch" >"$msg.log" 2>&1; then
			cat "$msg.log" >&2
			rm -f "$idx" "$msg" "$patch" "$msg.log"
			say "prepare: ${what}$p does not apply (3-way) on $(git -C "$tree" log -1 --format=%s "$parent" | cut -c1-60) plus the patches before it"
			return 1
		fi
		tid=$(GIT_INDEX_FILE=$idx git -C "$tree" write-tree)
		parent=$({ echo "$subj"; echo; cat "$msg"; } |
			GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_AUTHOR_DATE="$date" \
			GIT_COMMITTER_DATE="$date" git -C "$tree" commit-tree "$tid" -p "$parent")
	done
	rm -f "$idx" "$msg" "$patch" "$msg.log"
	echo "$parent"
}

# Apply the series onto `base` in TREE (which must be clean) and check the
# result out as branch lr-series.
apply_series() {
	local tree=$1 head
	# shellcheck disable=SC2046 # patch names have no spaces
	head=$(apply_patches "$tree" base "$PATCHES" "" $(series_patches)) ||
		die "prepare: the series does not apply in $tree"
	git -C "$tree" checkout -q -B lr-series "$head"
}

# The tree used by builds: one per package version (a stable path keeps the
# builds incremental); it records which series hash it holds and is re-applied
# when the series changes.
cmd_prepare() {
	local tree= deb ver sver hash base
	while [ $# -gt 0 ]; do
		case "$1" in
		--tree) tree=${2:?--tree needs a directory}; shift 2 ;;
		*) die "prepare: unknown argument '$1'" ;;
		esac
	done
	deb=$(cmd_fetch)
	ver=$(deb_version "$deb")
	sver=$(safe_version "$ver")
	hash=$(series_hash)
	[ -n "$tree" ] || tree=$CACHE/trees/linux-$sver
	local stamp="$tree/.git/lrbench-series"
	# Fast path under the shared lock: nothing to change.
	if [ -f "$stamp" ] && [ -f "$CACHE/trees/base-$sver/.git/lrbench-base" ] &&
		[ "$(cut -d' ' -f1 "$stamp")" = "$hash" ] &&
		[ "$(cut -d' ' -f2 "$stamp")" = "$(git -C "$tree" rev-parse HEAD)" ] &&
		[ "$(git -C "$tree" rev-parse -q --verify base)" = "$(git -C "$CACHE/trees/base-$sver" rev-parse -q --verify base)" ] &&
		[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
		say "prepare: $tree already holds series $hash on $ver"
		echo "$tree"
		return
	fi
	tree_lock -x
	base=$(base_repo "$deb")
	# A tree cloned from an older base layout is rebuilt.
	if [ -d "$tree/.git" ] && [ "$(git -C "$tree" rev-parse -q --verify base)" != "$(git -C "$base" rev-parse base)" ]; then
		if [ "$tree" = "$CACHE/trees/linux-$sver" ]; then
			say "prepare: $tree was made from another base; recreating it"
			rm -rf "$tree"
		else
			die "prepare: $tree has a different 'base' than $base"
		fi
	fi
	if [ -d "$tree/.git" ]; then
		if [ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$hash" ] &&
			[ "$(cut -d' ' -f2 "$stamp")" = "$(git -C "$tree" rev-parse HEAD)" ] &&
			[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
			say "prepare: $tree already holds series $hash on $ver"
			tree_lock -s
			echo "$tree"
			return
		fi
		if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
			{ [ -f "$stamp" ] && [ "$(cut -d' ' -f2 "$stamp")" != "$(git -C "$tree" rev-parse HEAD)" ]; } ||
			[ ! -f "$stamp" ]; then
			die "prepare: $tree has changes or commits not from kernel-patches/ (export them with 'export --tree $tree', or remove the tree)"
		fi
		say "prepare: series changed ($(cut -d' ' -f1 "$stamp") -> $hash); re-applying in $tree"
	else
		say "prepare: cloning the base into $tree"
		mkdir -p "$(dirname "$tree")"
		git clone -q --local --no-checkout "$base" "$tree"
		git -C "$tree" config gc.auto 0
		git -C "$tree" checkout -q -B lr-series base
	fi
	apply_series "$tree"
	echo "$hash $(git -C "$tree" rev-parse HEAD) $ver" >"$stamp"
	ln -sfn "$tree" "$CACHE/linux"
	tree_lock -s
	say "prepare: $tree: $(git -C "$tree" rev-list --count base..HEAD) patch(es) on $ver (series $hash); also at $CACHE/linux"
	echo "$tree"
}

# Users of the xe tree hold a shared lock on it, prepare-xe an exclusive
# one while it changes the tree (as tree_lock does for the series tree).
xe_tree_lock() { # -s | -x
	{ true >&5; } 2>/dev/null || exec 5>>"$CACHE/.xe-tree.lock"
	if ! flock -n "$1" 5; then
		say "waiting for another scripts/kernel.sh run that uses the series+xe tree"
		flock "$1" 5
	fi
}

# The series plus the xe follow-up patches (kernel-patches/xe/): a worktree
# of the series tree, branch lr-xe, at a stable path (builds in it stay
# incremental). It records the hash of the series and the xe patches and
# is re-applied when either changes. Prints its path last.
cmd_prepare_xe() {
	local tree ver sver hash xhash xt stamp head gd
	tree=$(cmd_prepare)
	[ -n "$(xe_patches)" ] || die "prepare-xe: kernel-patches/xe/ has no patches"
	ver=$(cut -d' ' -f3 "$tree/.git/lrbench-series")
	sver=$(safe_version "$ver")
	hash=$(cut -d' ' -f1 "$tree/.git/lrbench-series")
	xhash=$(xe_hash)
	xt=$CACHE/trees/linux-xe-$sver
	xe_tree_lock -s
	xe_tree_ok() {
		gd=$(git -C "$xt" rev-parse --absolute-git-dir 2>/dev/null) || return 1
		[ "$(git -C "$xt" rev-parse --git-common-dir 2>/dev/null)" -ef "$tree/.git" ] || return 1
		stamp=$gd/lrbench-xe
		[ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$xhash" ] &&
			[ "$(cut -d' ' -f2 "$stamp")" = "$(git -C "$xt" rev-parse HEAD)" ] &&
			git -C "$xt" merge-base --is-ancestor "$(git -C "$tree" rev-parse HEAD)" HEAD &&
			[ -z "$(git -C "$xt" status --porcelain --untracked-files=no)" ]
	}
	if xe_tree_ok; then
		say "prepare-xe: $xt already holds series $hash + xe patches ($xhash) on $ver"
		echo "$xt"
		return
	fi
	xe_tree_lock -x
	if [ -e "$xt" ] && ! [ "$(git -C "$xt" rev-parse --git-common-dir 2>/dev/null)" -ef "$tree/.git" ]; then
		say "prepare-xe: $xt is not a worktree of $tree (the series tree was recreated?); recreating it"
		rm -rf "$xt"
	fi
	git -C "$tree" worktree prune
	if [ -d "$xt" ]; then
		gd=$(git -C "$xt" rev-parse --absolute-git-dir)
		stamp=$gd/lrbench-xe
		if [ -n "$(git -C "$xt" status --porcelain --untracked-files=no)" ] || [ ! -f "$stamp" ] ||
			[ "$(cut -d' ' -f2 "$stamp")" != "$(git -C "$xt" rev-parse HEAD)" ]; then
			die "prepare-xe: $xt has changes or commits not from kernel-patches/ (remove the tree)"
		fi
		say "prepare-xe: series or xe patches changed ($(cut -d' ' -f1 "$stamp") -> $xhash); re-applying in $xt"
	fi
	# shellcheck disable=SC2046 # patch names have no spaces
	head=$(apply_patches "$tree" "$(git -C "$tree" rev-parse HEAD)" "$XE_PATCHES" "xe " $(xe_patches)) ||
		die "prepare-xe: the xe patches do not apply on series $hash"
	if [ -d "$xt" ]; then
		git -C "$xt" checkout -q -B lr-xe "$head"
	else
		say "prepare-xe: adding $xt (a worktree of $tree, branch lr-xe)"
		git -C "$tree" worktree add -q -B lr-xe "$xt" "$head"
	fi
	gd=$(git -C "$xt" rev-parse --absolute-git-dir)
	echo "$xhash $(git -C "$xt" rev-parse HEAD) $ver $hash" >"$gd/lrbench-xe"
	xe_tree_lock -s
	say "prepare-xe: $xt: $(git -C "$xt" rev-list --count "$(git -C "$tree" rev-parse HEAD)"..HEAD) xe patch(es) on series $hash, $ver (xe $xhash)"
	echo "$xt"
}

# ---------------------------------------------------------------- kunit

# Suites: name -> kunitconfig fragments, relative to the tree.
suite_configs() {
	case "$1" in
	series) echo "drivers/dma-buf/tests/.kunitconfig drivers/gpu/drm/scheduler/tests/.kunitconfig" ;;
	drm) echo "drivers/gpu/drm/tests/.kunitconfig" ;;
	ttm) echo "drivers/gpu/drm/ttm/tests/.kunitconfig" ;;
	vlr) echo "drivers/gpu/drm/vlr/.kunitconfig" ;;
	xe) echo "drivers/gpu/drm/xe/.kunitconfig" ;;
	*) die "kunit: unknown suite '$1' (known: series drm ttm vlr xe)" ;;
	esac
}

# The KUnit build directory lives inside the tree (ignored by its .gitignore)
# and is given to kunit.py as a relative path: kbuild then uses relative paths
# only, so the compiler command lines are the same in every tree and ccache
# hits across trees and series versions. Output of kunit.py goes there too.
KUNIT_DIR=.kunit-lrbench

kunit_env() {
	KUNIT_MAKE=()
	if command -v ccache >/dev/null; then
		export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
		export CCACHE_NOHASHDIR=1
		ccache -M "${LRBENCH_CCACHE_SIZE:-8G}" >/dev/null 2>&1 || true
		KUNIT_MAKE=(--make_options "CC=ccache gcc")
	fi
}

# kunit.py --kunitconfig arguments for SUITES (all in one kernel, one boot),
# plus the harness fragment with the debug options. Missing fragments (a
# suite the tree does not have) are reported and skipped.
kunit_args() {
	local tree=$1 suite c
	shift
	KUNIT_ARGS=()
	KUNIT_MISSING=0
	for suite in "$@"; do
		for c in $(suite_configs "$suite"); do
			if [ -f "$tree/$c" ]; then
				KUNIT_ARGS+=(--kunitconfig "$c")
			else
				say "kunit: $suite: $c is not in the tree; skipped"
				KUNIT_MISSING=$((KUNIT_MISSING + 1))
			fi
		done
	done
	KUNIT_ARGS+=(--kunitconfig "$PATCHES/configs/kunitconfig")
}

# The tree SUITES run in: the series+xe tree when xe is among them (every
# suite then runs on it, in the same UML kernel), else the series tree.
kunit_tree() {
	if printf '%s\n' "$@" | grep -qx xe; then
		cmd_prepare_xe
	else
		cmd_prepare
	fi
}

cmd_build() {
	local tree suites=("$@")
	[ ${#suites[@]} -gt 0 ] || suites=(series drm ttm)
	tree=$(kunit_tree "${suites[@]}")
	printf '%s\n' "${suites[@]}" | grep -qx xe && xe_tree_lock -s
	kunit_env
	kunit_args "$tree" "${suites[@]}"
	dir_lock 7 "$(git -C "$tree" rev-parse --absolute-git-dir)/lrbench-kunit.lock" "$tree/$KUNIT_DIR"
	say "build: kunit.py build (UML) of ${suites[*]} in $tree/$KUNIT_DIR"
	(cd "$tree" && python3 tools/testing/kunit/kunit.py build --arch um --jobs "$JOBS" \
		--build_dir "$KUNIT_DIR" "${KUNIT_ARGS[@]}" "${KUNIT_MAKE[@]}" >&2) ||
		die "build failed"
	echo "$tree/$KUNIT_DIR"
}

# Add the test-case counts of one kunit.py run (its log) to tp/tf/ts.
kunit_count() {
	local name=$1 log=$2 rc=$3 out p f c s e
	out=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -1 || true)
	if [ -z "$out" ]; then
		say "kunit: $name: no results (exit $rc); see $log"
		tf=$((tf + 1))
		return 1
	fi
	p=$(echo "$out" | grep -oE 'passed: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	f=$(echo "$out" | grep -oE 'failed: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	c=$(echo "$out" | grep -oE 'crashed: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	s=$(echo "$out" | grep -oE 'skipped: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	e=$(echo "$out" | grep -oE 'errors: [0-9]+' | grep -oE '[0-9]+' || echo 0)
	f=$((f + c + e))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	say "kunit: $name: $p passed, $f failed, $s skipped (test cases)"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	[ "$f" -eq 0 ]
}

# Run SUITES (default: series drm ttm) in one UML kernel; print one line
# "PASSED FAILED SKIPPED" (test cases, not suites) to stdout.
cmd_kunit() {
	local tree hash ver rc tp=0 tf=0 ts=0 any_fail=0 suites=("$@") s
	for s in "${suites[@]}"; do suite_configs "$s" >/dev/null; done
	# Default: the series, DRM and TTM suites, the vlr driver's once a
	# patch in the series adds them, and xe's (on the series+xe tree, in
	# the same UML kernel and boot) when kernel-patches/xe/ has patches.
	local default=0 what
	if [ ${#suites[@]} -eq 0 ]; then
		default=1
		suites=(series drm ttm)
		[ -n "$(xe_patches)" ] && suites+=(xe)
	fi
	tree=$(kunit_tree "${suites[@]}")
	# the shared lock on the xe tree (the subshell's went with it)
	printf '%s\n' "${suites[@]}" | grep -qx xe && xe_tree_lock -s
	if [ "$default" -eq 1 ] && [ -f "$tree/$(suite_configs vlr)" ]; then
		suites+=(vlr)
	fi
	if printf '%s\n' "${suites[@]}" | grep -qx xe; then
		local st
		st=$(git -C "$tree" rev-parse --absolute-git-dir)/lrbench-xe
		hash=$(cut -d' ' -f4 "$st")
		ver=$(cut -d' ' -f3 "$st")
		what="series $hash + xe $(cut -d' ' -f1 "$st")"
	else
		hash=$(cut -d' ' -f1 "$tree/.git/lrbench-series")
		ver=$(cut -d' ' -f3 "$tree/.git/lrbench-series")
		what="series $hash"
	fi
	kunit_env
	kunit_args "$tree" "${suites[@]}"
	dir_lock 7 "$(git -C "$tree" rev-parse --absolute-git-dir)/lrbench-kunit.lock" "$tree/$KUNIT_DIR"
	ts=$KUNIT_MISSING
	mkdir -p "$CACHE/logs"
	local log="$CACHE/logs/kunit.log" start=$SECONDS
	say "kunit: ${suites[*]}: building UML and running in one boot (tree $tree, build dir $KUNIT_DIR, $what; log $log)"
	# vlr's suite makes vlr devices of its own; the one vlr creates at
	# load would be a TTM device the TTM suites do not expect.
	local kargs=()
	printf '%s\n' "${suites[@]}" | grep -qx vlr && kargs=(--kernel_args vlr.enable=0)
	set +e
	(cd "$tree" && python3 tools/testing/kunit/kunit.py run --arch um --jobs "$JOBS" \
		--timeout 1200 --build_dir "$KUNIT_DIR" "${kargs[@]}" "${KUNIT_ARGS[@]}" "${KUNIT_MAKE[@]}") 2>&1 |
		tee "$log" >&2
	rc=${PIPESTATUS[0]}
	set -e
	kunit_count "${suites[*]}" "$log" "$rc" || any_fail=1
	if printf '%s\n' "${suites[@]}" | grep -qx xe; then
		# xe's cases that skip here: the SR-IOV PF ones need
		# CONFIG_DRM_XE_DEBUG_SRIOV, the xe_live_* ones a real device.
		local xpf xlive
		xpf=$(grep -cE '\[SKIPPED\] pf_[a-z0-9_]+$' "$log" || true)
		xlive=$(grep -cE '\[SKIPPED\] xe_[a-z0-9_]+_kunit =' "$log" || true)
		say "kunit: xe: $((xpf + xlive)) case(s) skipped, counted as skipped: $xpf SR-IOV PF case(s) (pf_*) need CONFIG_DRM_XE_DEBUG_SRIOV, $xlive live case(s) (xe_*_kunit in xe_mocs, xe_migrate, xe_dma_buf, xe_bo) need a real Xe device"
		say "kunit: xe: the converted preempt fence's suite:"
		sed -n '/ xe_preempt_fence (/,/\] xe_preempt_fence =/p' "$log" | sed 's/^\[[0-9:]*\] /  /' >&2
	fi
	if printf '%s\n' "${suites[@]}" | grep -qx series; then
		# What the perf case printed (kunit_info lines in the raw log).
		say "kunit: scheduling figures printed by drm_sched_lr_perf:"
		grep -hE 'scheduling figures|long-running entity:|normal entity, hw-fence' \
			"$tree/$KUNIT_DIR/test.log" 2>/dev/null | sed 's/^.*# /  /' >&2 || true
		# An earlier suite in the combined boot may have switched lockdep
		# off (the cases then say so in the raw log); boot the series'
		# suites again on their own so their lock checks surely run.
		local g
		for g in dma_fence_preempt 'drm_sched_lr*'; do
			say "kunit: series suites '$g' again, alone, with lockdep live"
			set +e
			(cd "$tree" && python3 tools/testing/kunit/kunit.py exec --build_dir "$KUNIT_DIR" \
				--timeout 300 "$g") 2>&1 | tee "$log.alone" >&2
			rc=${PIPESTATUS[0]}
			set -e
			kunit_count "alone: $g" "$log.alone" "$rc" || any_fail=1
		done
		# The lockdep negative case needs a boot of its own: a lockdep
		# report switches lockdep off for everything after it.
		if [ -f "$tree/drivers/gpu/drm/scheduler/tests/.kunitconfig" ]; then
			say "kunit: lockdep negative case (drm_sched_lr_lockdep) in a boot of its own"
			set +e
			(cd "$tree" && python3 tools/testing/kunit/kunit.py exec --build_dir "$KUNIT_DIR" \
				--timeout 300 --kernel_args drm_sched_lr_tests.lr_lockdep_splat=1 \
				'drm_sched_lr_lockdep') 2>&1 | tee "$log.lockdep" >&2
			rc=${PIPESTATUS[0]}
			set -e
			kunit_count "lockdep boot" "$log.lockdep" "$rc" || any_fail=1
		fi
	fi
	say "kunit: total: $tp passed, $tf failed, $ts skipped (test cases; $PKG $ver, $what; $((SECONDS - start)) s)"
	echo "$tp $tf $ts"
	return $any_fail
}

# ---------------------------------------------------------------- check

# The checks on a patch's text, for commit C of the series tree checked out
# in the worktree W (its scripts/ run): checkpatch --strict, a maintainer for
# every new file, kernel-doc on the C files and headers it touches. Adds the
# problems to the caller's fails; LABEL goes before each message.
check_text() {
	local c=$1 label=$2 w=$3
	# checkpatch on the patch itself
	# FILE_PATH_CHANGES (the reminder to update MAINTAINERS for new
	# files) is checked for real below, with get_maintainer.pl.
	if ! git -C "$tree" format-patch -1 --stdout "$c" |
		(cd "$w" && perl scripts/checkpatch.pl --strict --no-tree -q --summary-file \
			--ignore FILE_PATH_CHANGES - >"$bdir/checkpatch.log" 2>&1); then
		say "check: $label checkpatch --strict:"
		cat "$bdir/checkpatch.log" >&2
		fails=$((fails + 1))
	elif [ -s "$bdir/checkpatch.log" ]; then
		say "check: $label checkpatch --strict reported:"
		cat "$bdir/checkpatch.log" >&2
		fails=$((fails + 1))
	fi
	# every file the patch adds must have a maintainer
	local nf
	for nf in $(git -C "$tree" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c"); do
		if ! (cd "$w" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats -f "$nf" 2>/dev/null | grep -q '@'); then
			say "check: $label new file $nf has no maintainer in MAINTAINERS"
			fails=$((fails + 1))
		fi
	done
	# kernel-doc on the C files and headers it touches
	local files=() f
	while IFS= read -r f; do
		[ -f "$w/$f" ] && files+=("$f")
	done < <(git -C "$tree" diff-tree --no-commit-id --name-only -r "$c" -- '*.c' '*.h')
	if [ ${#files[@]} -gt 0 ]; then
		if ! (cd "$w" && perl scripts/kernel-doc -none "${files[@]}") >"$bdir/kdoc.log" 2>&1 ||
			[ -s "$bdir/kdoc.log" ]; then
			say "check: $label kernel-doc -none:"
			cat "$bdir/kdoc.log" >&2
			fails=$((fails + 1))
		fi
	fi
}

# The xe follow-up patches (kernel-patches/xe/) on top of the series: they
# apply (prepare-xe); each passes check_text and builds alone for x86-64
# (x86_64_defconfig + kernel-patches/configs/xe-x86.config: DRM_XE=m,
# DRM_XE_KUNIT_TEST=m): drivers/gpu/drm/xe/ (tests/ included), the series'
# drivers/dma-buf/ and drivers/gpu/drm/scheduler/, W=1; a warning in a file
# the series or the xe patches touch fails. Every symbol xe (a module) takes
# from those directories must be exported. A worktree and object directory
# of their own: unchanged patches rebuild nothing, a changed one what it
# touches (make's timestamps; ccache keys on content). Runs inside cmd_check
# (its tree, sver, hash, bdir, cc and fails).
check_xe() {
	local xt xbase wx xb xtotal n=0 c subj start cfg=$PATCHES/configs/xe-x86.config xstart=$SECONDS
	[ -n "$(xe_patches)" ] || return 0
	xtotal=$(xe_patches | wc -l)
	say "check: xe: $xtotal patch(es) of kernel-patches/xe/ apply in order, 3-way, on the series ($hash)"
	if ! xt=$(cmd_prepare_xe); then
		say "check: xe: the xe patches do not apply on series $hash"
		fails=$((fails + 1))
		return 0
	fi
	xe_tree_lock -s
	xbase=$(git -C "$tree" rev-parse HEAD)
	wx=$CACHE/check-$sver-xe
	xb=$CACHE/check-$sver-xe-build
	if ! [ "$(git -C "$wx" rev-parse --git-common-dir 2>/dev/null)" -ef "$tree/.git" ]; then
		rm -rf "$wx"
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$wx" "$xbase"
	fi
	mkdir -p "$xb"
	say "check: xe: after each xe patch, build drivers/gpu/drm/xe/ (and the series' dma-buf and scheduler) for x86-64, DRM_XE=m, W=1 (first time: a worktree, kbuild prepare and all of xe: ~3 min on 2 cores)"
	for c in $(git -C "$xt" rev-list --reverse "$xbase"..HEAD); do
		n=$((n + 1))
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		say "check: xe [$n/$xtotal] $subj"
		git -C "$wx" checkout -q --detach "$c"
		check_text "$c" "xe [$n/$xtotal]" "$wx"
		start=$SECONDS
		if ! cmp -s "$cfg" "$xb/.lr-config.used" || [ ! -f "$xb/.config" ]; then
			if ! (cd "$wx" && make -s ARCH=x86_64 O="$xb" x86_64_defconfig >/dev/null 2>&1 &&
				scripts/kconfig/merge_config.sh -m -O "$xb" "$xb/.config" "$cfg" >/dev/null 2>&1); then
				say "check: xe [$n/$xtotal] cannot make the x86-64 config ($cfg)"
				fails=$((fails + 1))
				continue
			fi
			cp "$cfg" "$xb/.lr-config.used"
		fi
		if ! (cd "$wx" && make -s ARCH=x86_64 O="$xb" CC="$cc" olddefconfig >/dev/null 2>&1) ||
			! grep -qx 'CONFIG_DRM_XE=m' "$xb/.config" || ! grep -qx 'CONFIG_DRM_XE_KUNIT_TEST=m' "$xb/.config"; then
			say "check: xe [$n/$xtotal] the x86-64 config has no CONFIG_DRM_XE=m / CONFIG_DRM_XE_KUNIT_TEST=m"
			fails=$((fails + 1))
			continue
		fi
		if ! (cd "$wx" && make -s ARCH=x86_64 O="$xb" CC="$cc" -j"$JOBS" W=1 \
			drivers/dma-buf/ drivers/gpu/drm/scheduler/ drivers/gpu/drm/xe/ >"$xb/build.log" 2>&1); then
			say "check: xe [$n/$xtotal] x86-64 build failed:"
			grep -E 'error|warning' "$xb/build.log" | head -30 >&2
			fails=$((fails + 1))
			continue
		fi
		# warnings: the file a warning names, relative to the tree
		local touched w bad=0 other=0 f
		touched=$(git -C "$tree" diff --name-only base.."$c")
		while IFS= read -r w; do
			f=${w%%:*}
			f=${f#"$wx"/}
			f=${f#../}
			if grep -qxF -- "$f" <<<"$touched"; then
				echo "$w" >&2
				bad=$((bad + 1))
			else
				other=$((other + 1))
			fi
		done < <(grep -E '^[^ ]+:[0-9]+:[0-9]+: warning:' "$xb/build.log" || true)
		[ "$other" -eq 0 ] || say "check: xe [$n/$xtotal] $other W=1 warning(s) in files neither the series nor xe patches touch (not counted; $xb/build.log)"
		if [ "$bad" -ne 0 ]; then
			say "check: xe [$n/$xtotal] $bad compiler warning(s) (W=1) above, in files the patches touch"
			fails=$((fails + 1))
			continue
		fi
		# xe is a module: what it takes from the series' directories must
		# be exported (modpost does not run for directory targets).
		local undef sym unexp=0 defs exports
		defs=$(find "$xb/drivers/dma-buf" "$xb/drivers/gpu/drm/scheduler" -name '*.o' ! -name '*.mod.o' \
			-exec nm --defined-only -g {} + 2>/dev/null | awk 'NF == 3 && $2 ~ /[TD]/ { print $3 }' | sort -u)
		exports=$(cd "$wx" && grep -hoE 'EXPORT_SYMBOL[A-Z_]*\([a-z0-9_]+' -r drivers/dma-buf drivers/gpu/drm/scheduler \
			--include='*.c' | sed 's/.*(//' | sort -u)
		undef=$(find "$xb/drivers/gpu/drm/xe" -name '*.o' ! -name '*.mod.o' -exec nm -u {} + 2>/dev/null |
			awk 'NF == 2 { print $2 }' | sort -u)
		for sym in $(comm -12 <(echo "$undef") <(echo "$defs")); do
			if ! grep -qxF -- "$sym" <<<"$exports"; then
				say "check: xe [$n/$xtotal] xe uses $sym, which drivers/dma-buf or drivers/gpu/drm/scheduler defines but does not export"
				unexp=$((unexp + 1))
			fi
		done
		if [ "$unexp" -ne 0 ]; then
			fails=$((fails + 1))
			continue
		fi
		say "check: xe [$n/$xtotal] builds: x86-64, DRM_XE=m, drivers/gpu/drm/xe/ + dma-buf + scheduler, W=1, no warnings in the files the patches touch, every symbol xe takes from the series exported ($((SECONDS - start)) s)"
	done
	say "check: xe: $xtotal patch(es) checked ($((SECONDS - xstart)) s)"
}

cmd_check() {
	local tree sver wt bdir hash n=0 total c fails=0
	tree=$(cmd_prepare)
	hash=$(cut -d' ' -f1 "$tree/.git/lrbench-series")
	sver=$(safe_version "$(cut -d' ' -f3 "$tree/.git/lrbench-series")")
	wt=$CACHE/check-$sver
	bdir=$CACHE/check-$sver-build
	dir_lock 6 "$CACHE/check-$sver.lock" "$wt"
	total=$(git -C "$tree" rev-list --count base..HEAD)
	say "check: $total patch(es) apply in order, 3-way, on $(cut -d' ' -f3 "$tree/.git/lrbench-series") (series $hash)"
	if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
		rm -rf "$wt"
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$wt" base
	fi
	mkdir -p "$bdir"
	local cc=gcc
	if command -v ccache >/dev/null; then
		export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
		cc="ccache gcc"
	fi
	local cfg series_c
	say "check: after each patch, build every C file the series has touched so far (first time: kbuild prepare too)"
	for c in $(git -C "$tree" rev-list --reverse base..HEAD); do
		n=$((n + 1))
		local subj
		subj=$(git -C "$tree" log -1 --format=%s "$c")
		say "check: [$n/$total] $subj"
		git -C "$wt" checkout -q --detach "$c"
		check_text "$c" "[$n/$total]" "$wt"
		# UML build, with every config the series' suites use, of each
		# C file the series has touched up to this patch (W=1; any
		# warning fails). Incremental from patch to patch.
		series_c=$(git -C "$tree" diff --name-only base.."$c" -- '*.c')
		cat "$PATCHES/configs/kunitconfig" >"$bdir/.lr-config"
		for cfg in $(suite_configs series) $(suite_configs drm) $(suite_configs ttm) \
			$(suite_configs vlr); do
			[ -f "$wt/$cfg" ] && cat "$wt/$cfg" >>"$bdir/.lr-config"
		done
		# A driver the patch adds is built as part of its own directory
		# (its Makefile's flags); disabled, kbuild compiles its files
		# from the parent's Makefile without them.
		[ -f "$wt/drivers/gpu/drm/vlr/Kconfig" ] && printf 'CONFIG_DRM=y\nCONFIG_DRM_VLR=y\n' >>"$bdir/.lr-config"
		cat "$wt/tools/testing/kunit/configs/arch_uml.config" >>"$bdir/.lr-config"
		if ! cmp -s "$bdir/.lr-config" "$bdir/.lr-config.used"; then
			cp "$bdir/.lr-config" "$bdir/.config"
			cp "$bdir/.lr-config" "$bdir/.lr-config.used"
		fi
		local objs=() start=$SECONDS
		for f in $series_c; do
			[ -f "$wt/$f" ] && objs+=("${f%.c}.o")
		done
		if ! (cd "$wt" && make -s ARCH=um O="$bdir" CC="$cc" olddefconfig >/dev/null 2>&1 &&
			make -s ARCH=um O="$bdir" CC="$cc" -j"$JOBS" W=1 \
				"${objs[@]}" >"$bdir/build.log" 2>&1); then
			say "check: [$n/$total] build failed:"
			grep -E 'error|warning' "$bdir/build.log" | head -30 >&2
			fails=$((fails + 1))
		elif grep -E 'warning:' "$bdir/build.log" >&2; then
			say "check: [$n/$total] compiler warnings (W=1) above"
			fails=$((fails + 1))
		else
			say "check: [$n/$total] builds: ${#objs[@]} object(s), UML, W=1, no warnings ($((SECONDS - start)) s)"
		fi
	done
	local nx
	nx=$(xe_patches | wc -l)
	check_xe
	if [ "$fails" -ne 0 ]; then
		if [ "$nx" -gt 0 ]; then
			say "check: $fails problem(s) in $total patch(es) and $nx xe patch(es)"
		else
			say "check: $fails problem(s) in $total patch(es)"
		fi
		return 1
	fi
	if [ "$nx" -gt 0 ]; then
		say "check: all $total patch(es) and the $nx xe patch(es) on top apply, build, and are checkpatch --strict and kernel-doc clean"
	else
		say "check: all $total patch(es) apply, build, and are checkpatch --strict and kernel-doc clean"
	fi
}

# ---------------------------------------------------------------- export

cmd_export() {
	local tree= force=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--tree) tree=${2:?--tree needs a directory}; shift 2 ;;
		--force) force=1; shift ;;
		*) die "export: unknown argument '$1'" ;;
		esac
	done
	[ -n "$tree" ] || die "export: --tree DIR is required (the kernel tree to export from)"
	git -C "$tree" rev-parse -q --verify base >/dev/null ||
		die "export: $tree has no tag 'base' (prepare it with scripts/kernel.sh prepare --tree $tree)"
	[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
		die "export: $tree has uncommitted changes; commit them first"
	local n
	n=$(git -C "$tree" rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "export: $tree has no commits on top of base"
	# Refuse to drop patches another tree exported (e.g. the vlr driver).
	if [ "$force" -eq 0 ]; then
		local have p subj
		have=$(git -C "$tree" log --format=%s base..HEAD)
		for p in $(series_patches); do
			subj=$(git mailinfo /dev/null /dev/null <"$PATCHES/$p" | sed -n 's/^Subject: //p')
			if ! grep -qxF -- "$subj" <<<"$have"; then
				die "export: $p (\"$subj\") is not in $tree; rebase that tree onto it or pass --force"
			fi
		done
	fi
	local tmp ver
	tmp=$(mktemp -d)
	# The revision (vN) the cover letter's subject names goes on every patch.
	ver=$(sed -n 's/^Subject: \[PATCH \(v[0-9][0-9]*\) 0\/.*/\1/p' \
		"$PATCHES/0000-cover-letter.patch" 2>/dev/null | head -n 1)
	git -C "$tree" format-patch -q --no-signature --zero-commit \
		--subject-prefix="PATCH${ver:+ $ver}" -o "$tmp" base..HEAD
	rm -f "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch.new
	local f
	for f in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$f" ] || continue
		[ "$(basename "$f")" = 0000-cover-letter.patch ] && continue
		rm -f "$f"
	done
	mv "$tmp"/*.patch "$PATCHES/"
	rmdir "$tmp"
	{
		echo "# Order in which the patches apply on the base in BASE (git am -3)."
		echo "# 0000 is the cover letter (skipped by git am). Regenerated by"
		echo "# scripts/kernel.sh export; do not edit by hand."
		[ -f "$PATCHES/0000-cover-letter.patch" ] && echo 0000-cover-letter.patch
		(cd "$PATCHES" && ls -1 [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-cover-letter.patch$')
	} >"$PATCHES/series"
	update_cover "$tree"
	say "export: wrote $n patch(es) from $tree to kernel-patches/ (series $(series_hash))"
}

# Refresh the generated tail of the cover letter (shortlog and diffstat) and
# keep the hand-written text above the marker line.
update_cover() {
	local tree=$1 cover=$PATCHES/0000-cover-letter.patch marker="-- shortlog and diffstat (generated by scripts/kernel.sh export) --"
	[ -f "$cover" ] || return 0
	local n
	n=$(git -C "$tree" rev-list --count base..HEAD)
	sed -i "s|^Subject: \[PATCH\( v[0-9]*\)\{0,1\} 0/[0-9]*\]|Subject: [PATCH\1 0/$n]|" "$cover"
	if grep -qF -- "$marker" "$cover"; then
		sed -i "/^$(printf '%s' "$marker" | sed 's/[][\.*^$/]/\\&/g')\$/,\$d" "$cover"
	fi
	{
		echo "$marker"
		echo
		git -C "$tree" shortlog base..HEAD
		git -C "$tree" diff --stat=72 base..HEAD
		echo
		echo "base-commit: $(cat "$PATCHES/BASE" 2>/dev/null | head -1)"
	} >>"$cover"
}

cmd_info() {
	local deb
	deb=$(cached_deb)
	echo "cache:        $CACHE"
	echo "package:      ${deb:-not fetched}"
	[ -n "$deb" ] && echo "version:      $(deb_version "$deb")"
	echo "series hash:  $(series_hash)"
	echo "patches:      $(series_patches | wc -l)"
	echo "xe patches:   $(xe_patches | wc -l) (kernel-patches/xe/; series+xe hash $(xe_hash))"
	[ -e "$CACHE/linux" ] && echo "tree:         $(readlink -f "$CACHE/linux")"
	return 0
}

[ $# -gt 0 ] || {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
# The braces make bash parse the dispatch completely before running it, and
# exit keeps it from reading on: editing this file under a running instance
# is then harmless.
{
	sub=$1
	shift
	mkdir -p "$CACHE"
	case "$sub" in
	prepare | prepare-xe | build | kunit | check) tree_lock -s ;;
	esac
	case "$sub" in
	fetch) cmd_fetch "$@" ;;
	prepare) cmd_prepare "$@" ;;
	prepare-xe) cmd_prepare_xe ;;
	build) cmd_build "$@" ;;
	kunit) cmd_kunit "$@" ;;
	check) cmd_check "$@" ;;
	export) cmd_export "$@" ;;
	info) cmd_info ;;
	-h | --help | help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
	*) die "unknown subcommand '$sub' (fetch prepare prepare-xe build kunit check export info)" ;;
	esac
	exit
}
