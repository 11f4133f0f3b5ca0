#!/usr/bin/env bash
# Build the SMP guest kernel for scripts/vm-run.sh (x86_64_defconfig +
# kernel/configs/kvm_guest.config + the fragment
# kernel-patches/configs/vm-guest.config) from a kernel tree, with ccache.
#
# Usage: scripts/vm-build.sh [--tree DIR] [--config FRAGMENT] [--print-path]
#                            [--no-cold]
#
#   --tree DIR     kernel source tree to build. Default: $LR_KERNEL_TREE, else
#                  the tree `scripts/kernel.sh prepare` gives (base + the
#                  project's kernel-patches/series).
#   --config F     config fragment (default kernel-patches/configs/vm-guest.config)
#   --print-path   print only the path of the built bzImage on stdout
#                  (progress goes to stderr either way)
#   --no-cold      use the cache or build incrementally where an earlier build
#                  left its objects; never start a cold build (exit 3 instead)
#
# The result is cached in $LRBENCH_CACHE/vm-<tree hash>-<config hash>/bzImage,
# where the tree hash is the git tree object of the source (uncommitted and
# untracked files included) and the config hash covers the fragment,
# x86_64_defconfig and kvm_guest.config. A cache hit returns in seconds. The
# object directory $LRBENCH_CACHE/vm-obj-<config hash>-<tree path hash> is
# kept between builds so a changed series rebuilds incrementally; ccache
# (CCACHE_DIR defaults to $LRBENCH_CACHE/ccache) helps cold object
# directories. A cold build with KASAN and lockdep takes about 21 min with
# -j2 (LR_JOBS sets -j). The build itself is scripts/lib/kbuild.sh, shared
# with scripts/uml-build.sh.
set -euo pipefail

KB_NAME=vm
KB_MAKE_ARGS=(ARCH=x86_64)
KB_ARCH_DIR=arch/x86
KB_BASE_TARGETS=(x86_64_defconfig kvm_guest.config)
KB_BASE_FILES=(arch/x86/configs/x86_64_defconfig kernel/configs/kvm_guest.config)
KB_FRAG=$(cd "$(dirname "$0")/.." && pwd)/kernel-patches/configs/vm-guest.config
KB_CORE=(NET_9P_VIRTIO 9P_FS DEVTMPFS DRM PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_LIST KASAN SERIAL_8250_CONSOLE)
KB_TARGET=bzImage
KB_IMAGE=arch/x86/boot/bzImage
KB_COLD="~21 min on 2 cores"

. "$(dirname "$0")/lib/kbuild.sh"
kbuild_main "$@"
