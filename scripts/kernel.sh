#!/usr/bin/env bash
# Kernel workflow for the lrbench series (kernel-patches/).
#
#   scripts/kernel.sh fetch             download linux-source-6.12 into the cache
#   scripts/kernel.sh prepare [--tree DIR]
#                                       unpack it into a git tree (base committed
#                                       and tagged `base`), apply kernel-patches/series
#                                       with `git am -3`; prints the tree path last
#   scripts/kernel.sh build             UML build of the series' KUnit config
#   scripts/kernel.sh kunit [SUITE...]  run KUnit under UML; suites: series drm ttm
#   scripts/kernel.sh check             every patch applies, builds, is checkpatch
#                                       --strict and kernel-doc clean
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

# The patches kernel-patches/series lists, in order, without the cover letter.
series_patches() {
	[ -f "$PATCHES/series" ] || return 0
	local p
	while IFS= read -r p || [ -n "$p" ]; do
		p=${p%%#*}
		p=$(echo "$p" | xargs)
		[ -n "$p" ] || continue
		case "$p" in 0000-cover-letter.patch) continue ;; esac
		[ -f "$PATCHES/$p" ] || die "kernel-patches/series lists $p, which does not exist"
		echo "$p"
	done <"$PATCHES/series"
}

# Hash of the series: the order and the content of every patch.
series_hash() {
	{
		local p
		for p in $(series_patches); do
			echo "$p"
			cat "$PATCHES/$p"
		done
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

# Apply the series onto `base` in TREE (which must be clean) and check the
# result out as branch lr-series. The patches are applied to a scratch index
# (git apply --cached -3, then commit-tree, like git am) and only then checked
# out, so files the series does not change keep their timestamps and builds
# stay incremental when the series changes.
apply_series() {
	local tree=$1 n=0 total p idx parent msg patch info tid
	local subj name email date
	total=$(series_patches | wc -l)
	idx=$(mktemp) msg=$(mktemp) patch=$(mktemp)
	parent=$(git -C "$tree" rev-parse base)
	GIT_INDEX_FILE=$idx git -C "$tree" read-tree base
	for p in $(series_patches); do
		n=$((n + 1))
		say "prepare: [$n/$total] applying $p (3-way)"
		info=$(git -C "$tree" mailinfo "$msg" "$patch" <"$PATCHES/$p")
		subj=$(sed -n 's/^Subject: //p' <<<"$info")
		name=$(sed -n 's/^Author: //p' <<<"$info")
		email=$(sed -n 's/^Email: //p' <<<"$info")
		date=$(sed -n 's/^Date: //p' <<<"$info")
		if ! GIT_INDEX_FILE=$idx git -C "$tree" apply --cached -3 "$patch" >"$msg.log" 2>&1; then
			cat "$msg.log" >&2
			rm -f "$idx" "$msg" "$patch" "$msg.log"
			die "prepare: $p does not apply (3-way) on base plus the patches before it, in $tree"
		fi
		tid=$(GIT_INDEX_FILE=$idx git -C "$tree" write-tree)
		parent=$({ echo "$subj"; echo; cat "$msg"; } |
			GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_AUTHOR_DATE="$date" \
			GIT_COMMITTER_DATE="$date" git -C "$tree" commit-tree "$tid" -p "$parent")
	done
	rm -f "$idx" "$msg" "$patch" "$msg.log"
	git -C "$tree" checkout -q -B lr-series "$parent"
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

# ---------------------------------------------------------------- kunit

# Suites: name -> kunitconfig fragments, relative to the tree.
suite_configs() {
	case "$1" in
	series) echo "drivers/dma-buf/tests/.kunitconfig drivers/gpu/drm/scheduler/tests/.kunitconfig" ;;
	drm) echo "drivers/gpu/drm/tests/.kunitconfig" ;;
	ttm) echo "drivers/gpu/drm/ttm/tests/.kunitconfig" ;;
	vlr) echo "drivers/gpu/drm/vlr/.kunitconfig" ;;
	*) die "kunit: unknown suite '$1' (known: series drm ttm vlr)" ;;
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

cmd_build() {
	local tree suites=("$@")
	[ ${#suites[@]} -gt 0 ] || suites=(series drm ttm)
	tree=$(cmd_prepare)
	kunit_env
	kunit_args "$tree" "${suites[@]}"
	dir_lock 7 "$tree/.git/lrbench-kunit.lock" "$tree/$KUNIT_DIR"
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
	tree=$(cmd_prepare)
	# Default: the series, DRM and TTM suites, and the vlr driver's once
	# a patch in the series adds them.
	if [ ${#suites[@]} -eq 0 ]; then
		suites=(series drm ttm)
		[ -f "$tree/$(suite_configs vlr)" ] && suites+=(vlr)
	fi
	hash=$(cut -d' ' -f1 "$tree/.git/lrbench-series")
	ver=$(cut -d' ' -f3 "$tree/.git/lrbench-series")
	kunit_env
	kunit_args "$tree" "${suites[@]}"
	dir_lock 7 "$tree/.git/lrbench-kunit.lock" "$tree/$KUNIT_DIR"
	ts=$KUNIT_MISSING
	mkdir -p "$CACHE/logs"
	local log="$CACHE/logs/kunit.log" start=$SECONDS
	say "kunit: ${suites[*]}: building UML and running in one boot (tree $tree, build dir $KUNIT_DIR, series $hash; log $log)"
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
	say "kunit: total: $tp passed, $tf failed, $ts skipped (test cases; $PKG $ver, series $hash; $((SECONDS - start)) s)"
	echo "$tp $tf $ts"
	return $any_fail
}

# ---------------------------------------------------------------- check

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
		# checkpatch on the patch itself
		# FILE_PATH_CHANGES (the reminder to update MAINTAINERS for new
		# files) is checked for real below, with get_maintainer.pl.
		if ! git -C "$tree" format-patch -1 --stdout "$c" |
			(cd "$wt" && perl scripts/checkpatch.pl --strict --no-tree -q --summary-file \
				--ignore FILE_PATH_CHANGES - >"$bdir/checkpatch.log" 2>&1); then
			say "check: [$n/$total] checkpatch --strict:"
			cat "$bdir/checkpatch.log" >&2
			fails=$((fails + 1))
		elif [ -s "$bdir/checkpatch.log" ]; then
			say "check: [$n/$total] checkpatch --strict reported:"
			cat "$bdir/checkpatch.log" >&2
			fails=$((fails + 1))
		fi
		# every file the patch adds must have a maintainer
		local nf
		for nf in $(git -C "$tree" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c"); do
			if ! (cd "$wt" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
				--no-rolestats -f "$nf" 2>/dev/null | grep -q '@'); then
				say "check: [$n/$total] new file $nf has no maintainer in MAINTAINERS"
				fails=$((fails + 1))
			fi
		done
		# kernel-doc on the C files and headers it touches
		local files=() f
		while IFS= read -r f; do
			[ -f "$wt/$f" ] && files+=("$f")
		done < <(git -C "$tree" diff-tree --no-commit-id --name-only -r "$c" -- '*.c' '*.h')
		if [ ${#files[@]} -gt 0 ]; then
			if ! (cd "$wt" && perl scripts/kernel-doc -none "${files[@]}") >"$bdir/kdoc.log" 2>&1 ||
				[ -s "$bdir/kdoc.log" ]; then
				say "check: [$n/$total] kernel-doc -none:"
				cat "$bdir/kdoc.log" >&2
				fails=$((fails + 1))
			fi
		fi
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
	if [ "$fails" -ne 0 ]; then
		say "check: $fails problem(s) in $total patch(es)"
		return 1
	fi
	say "check: all $total patch(es) apply, build, and are checkpatch --strict and kernel-doc clean"
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
	[ -e "$CACHE/linux" ] && echo "tree:         $(readlink -f "$CACHE/linux")"
	return 0
}

[ $# -gt 0 ] || {
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
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
	prepare | build | kunit | check) tree_lock -s ;;
	esac
	case "$sub" in
	fetch) cmd_fetch "$@" ;;
	prepare) cmd_prepare "$@" ;;
	build) cmd_build "$@" ;;
	kunit) cmd_kunit "$@" ;;
	check) cmd_check "$@" ;;
	export) cmd_export "$@" ;;
	info) cmd_info ;;
	-h | --help | help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
	*) die "unknown subcommand '$sub' (fetch prepare build kunit check export info)" ;;
	esac
	exit
}
