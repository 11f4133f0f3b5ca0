# UML end-to-end tier: builds the patched kernel for User-Mode Linux
# (scripts/uml-build.sh, cached by tree and config hash), boots it with the
# host as root and runs the vlr tests inside (tests/uml/run.sh).
#
#   make uml-test     run the tier (the same as `make test-uml`)
#   make uml-kernel   only build (or find in the cache) the UML kernel
#
# LR_KERNEL_TREE=DIR builds DIR instead of the tree scripts/kernel.sh prepares.

UML_TEST_BIN := $(BUILD)/uml/vlr-test
UML_TEST_SRC := tests/uml/vlr-test.c tests/uml/vlr-lib.c
UML_CFLAGS   := -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE -Iworkloads/uapi -Iworkloads/uapi/drm \
		-Iigt-tests $(shell pkg-config --cflags libdrm 2>/dev/null)

TEST_TIERS += uml
.PHONY: uml-test test-uml uml-kernel

$(UML_TEST_BIN): $(UML_TEST_SRC) tests/uml/vlr-lib.h workloads/uapi/vlr_ioctl.h \
		igt-tests/vlr_stream.h \
		workloads/uapi/drm/vlr_drm.h
	@mkdir -p $(@D)
	$(CC) $(UML_CFLAGS) -o $@ $(UML_TEST_SRC) $(shell pkg-config --libs libdrm 2>/dev/null || echo -ldrm)

uml-kernel: deps
	@scripts/uml-build.sh

uml-test test-uml: deps $(UML_TEST_BIN) $(BUILD)/bin/lrbench
	@LRBENCH=$(BUILD)/bin/lrbench tests/uml/run.sh $(UML_TEST_BIN)
