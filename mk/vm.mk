# SMP guest tier: builds the patched kernel for an x86-64 QEMU guest
# (scripts/vm-build.sh, cached by tree and config hash), boots it with 2 vCPUs
# and the host as root (9p) and runs the vlr tests of the uml tier inside
# (tests/uml/run.sh with LR_RUNNER=vm). See tests/vm/README.md.
#
#   make vm-test     run the tier (the same as `make test-vm`)
#   make vm-kernel   only build (or find in the cache) the guest kernel;
#                    ~21 min cold on 2 cores, incremental afterwards
#
# LR_VM_TEST=auto (default) skips, with the reason, when qemu is missing or no
# guest kernel was ever built here (a cold build would blow make test's
# budget); LR_VM_TEST=1 builds whatever is needed and fails without qemu;
# LR_VM_TEST=0 skips. LR_VM_ACCEL=auto|kvm|tcg, LR_VM_TIMEOUT, LR_VM_APPEND.
# LR_KERNEL_TREE=DIR builds DIR instead of the tree scripts/kernel.sh prepares.

.PHONY: vm-test test-vm vm-kernel
TEST_TIERS += vm

vm-kernel: deps
	@scripts/vm-build.sh

vm-test test-vm: deps $(UML_TEST_BIN) $(BUILD)/bin/lrbench
	@LR_RUNNER=vm LRBENCH=$(BUILD)/bin/lrbench tests/uml/run.sh $(UML_TEST_BIN)
