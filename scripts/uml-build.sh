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
#   --bench        the benchmark build that make run, aa-check.sh and
#                  vlr-param-ab.sh time: $LR_UML_CONFIG, else
#                  kernel-patches/configs/uml-bench.config (no lockdep, KASAN)
#   --print-path   print only the path of the built `linux` binary on stdout
#                  (progress goes to stderr either way)
#   --no-cold      use the cache or build incrementally where an earlier build
#                  left its objects; never start a cold build (exit 3 instead)
#
# The result is cached in $LRBENCH_CACHE/uml-<tree hash>-<config hash>/linux,
# where the tree hash is the git tree object of the source (uncommitted and
# untracked files included) and the config hash covers the fragment and the
# defconfig. A cache hit returns in seconds. The object directory
# $LRBENCH_CACHE/uml-obj-<config hash>-<tree path hash> is kept between builds
# so edits rebuild incrementally; ccache (CCACHE_DIR defaults to
# $LRBENCH_CACHE/ccache) helps cold object directories. The build itself is
# scripts/lib/kbuild.sh, shared with scripts/vm-build.sh.
set -euo pipefail

KB_NAME=uml
KB_MAKE_ARGS=(ARCH=um SUBARCH=x86_64)
KB_ARCH_DIR=arch/um
KB_BASE_TARGETS=(x86_64_defconfig)
KB_BASE_FILES=(arch/um/configs/x86_64_defconfig)
KB_FRAG=$(cd "$(dirname "$0")/.." && pwd)/kernel-patches/configs/uml-e2e.config
KB_CORE=(HOSTFS DEVTMPFS DRM PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_LIST UML_PCI_OVER_VIRTIO)
KB_TARGET=linux
KB_IMAGE=linux
KB_COLD="~4 min on 2 cores"

args=()
for a in "$@"; do
	if [ "$a" = --bench ]; then
		args+=(--config "${LR_UML_CONFIG:-$(dirname "$KB_FRAG")/uml-bench.config}")
	else
		args+=("$a")
	fi
done

. "$(dirname "$0")/lib/kbuild.sh"
kbuild_main "${args[@]}"
