#!/usr/bin/env bash
# Check that user space's copy of the vlr uAPI header is byte-identical to
# the one the kernel patch adds.
#
# Usage: scripts/uapi-check.sh [KERNEL_TREE | PATCH_FILE]
#   KERNEL_TREE  a tree with include/uapi/drm/vlr_drm.h (default: $LR_KERNEL_TREE)
#   PATCH_FILE   a patch creating include/uapi/drm/vlr_drm.h
#                (default when no tree: the kernel-patches/*.patch that adds it)
# Exit: 0 identical, 1 different, 77 when no kernel side can be found.
set -euo pipefail
cd "$(dirname "$0")/.."
copy=workloads/uapi/drm/vlr_drm.h
src=${1:-${LR_KERNEL_TREE:-}}

[ -r "$copy" ] || { echo "uapi-check: $copy missing" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

if [ -n "$src" ] && [ -d "$src" ]; then
	kernel=$src/include/uapi/drm/vlr_drm.h
	[ -r "$kernel" ] || { echo "uapi-check: $kernel missing (tree without vlr?)" >&2; exit 1; }
	cp "$kernel" "$tmp"
	what=$kernel
else
	patch=$src
	if [ -z "$patch" ]; then
		patch=$(grep -l '^+++ b/include/uapi/drm/vlr_drm.h' kernel-patches/*.patch 2>/dev/null | tail -n 1 || true)
	fi
	if [ -z "$patch" ]; then
		echo "uapi-check: SKIP: no kernel tree given and no patch in kernel-patches/ adds include/uapi/drm/vlr_drm.h" >&2
		exit 77
	fi
	# Extract the new file from the patch (it is created whole: all '+' lines).
	awk '
		/^diff --git / { inside = ($0 ~ / b\/include\/uapi\/drm\/vlr_drm.h$/); next }
		inside && /^@@/ { body = 1; next }
		inside && body && /^\+/ { print substr($0, 2); next }
		inside && body && /^[- ]/ { print "uapi-check: the patch modifies an existing header" > "/dev/stderr"; exit 3 }
	' "$patch" >"$tmp"
	what=$patch
fi

if cmp -s "$copy" "$tmp"; then
	echo "uapi-check: $copy is identical to the kernel's ($what)"
	exit 0
fi
echo "uapi-check: FAIL: $copy differs from the kernel's ($what):" >&2
diff -u "$tmp" "$copy" | head -n 40 >&2 || true
echo "uapi-check: copy it again: cp <tree>/include/uapi/drm/vlr_drm.h $copy" >&2
exit 1
