# IGT tests (see igt-tests/README.md).
#
#   make igt-tests             build every IGT test binary into build/igt/
#   make igt-tests IGT_DIR=D   build them against a real IGT tree D instead of
#                              Debian's libigt.so.0 (IGT_BUILD_DIR, default
#                              D/build, holds its meson build: lib/libigt.so,
#                              config.h); the xe test builds only this way
#   make igt-test              run the vlr subtests in one UML boot and write
#                              build/igt/results-uml/results.json
#   make test-igt              the test tier: framework self-tests, the
#                              --list-subtests/doc checks, and the vlr subtests
#                              in UML when the vlr device is in the series
#
# Without IGT_DIR the tests compile against igt-tests/lib/igt.h (this project's
# declarations, not IGT's header) and link Debian's libigt.so.0.

IGT_DIR       ?=
IGT_BUILD_DIR ?= $(IGT_DIR)/build
IGT_OUT       := $(BUILD)/igt
VLR_UAPI_DIR  := workloads/uapi/drm
VLR_UAPI      := $(VLR_UAPI_DIR)/vlr_drm.h

IGT_SELFTESTS := lrb_igt_selftest lrb_igt_selftest_fixture_fail
# The vlr tests need the device's uAPI header; until it exists they are not built.
IGT_VLR_TESTS := $(if $(wildcard $(VLR_UAPI)),$(basename $(notdir $(wildcard igt-tests/vlr_*.c))))
# The xe test needs IGT's xe library: real IGT trees only.
IGT_XE_TESTS  := $(if $(IGT_DIR),xe_lr_evict)

IGT_BASE_CFLAGS := -O2 -g -std=gnu11 -D_GNU_SOURCE -MMD -MP -Wno-clobbered \
                   -Iworkloads/uapi -I$(VLR_UAPI_DIR) \
                   $(shell pkg-config --cflags libdrm 2>/dev/null)
ifeq ($(IGT_DIR),)
IGT_CFLAGS := $(IGT_BASE_CFLAGS) $(WARN) -Iigt-tests/lib
IGT_LDLIBS := -ligt $(shell pkg-config --libs libdrm 2>/dev/null) -lpthread
IGT_DEPS   := igt-tests/lib/igt.h
else
# IGT's headers pull in cairo, pixman and glib; warnings as IGT's own build sets them.
IGT_CFLAGS := $(IGT_BASE_CFLAGS) -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
              -Wno-missing-field-initializers -I$(IGT_BUILD_DIR) -I$(IGT_DIR) \
              -I$(IGT_DIR)/lib -I$(IGT_DIR)/include -I$(IGT_DIR)/include/drm-uapi \
              -I$(IGT_DIR)/include/linux-uapi \
              $(shell pkg-config --cflags cairo pixman-1 glib-2.0 2>/dev/null)
IGT_LDLIBS := -L$(IGT_BUILD_DIR)/lib -Wl,-rpath,$(abspath $(IGT_BUILD_DIR))/lib -ligt \
              $(shell pkg-config --libs libdrm cairo pixman-1 glib-2.0 2>/dev/null) -lpthread -lm
IGT_DEPS   := $(IGT_BUILD_DIR)/lib
endif

IGT_BINS := $(addprefix $(IGT_OUT)/,$(IGT_SELFTESTS) $(IGT_VLR_TESTS) $(IGT_XE_TESTS)) \
            $(IGT_OUT)/stream_math

.PHONY: igt-tests igt-test test-igt

igt-tests: deps $(IGT_BINS)
	@$(if $(IGT_VLR_TESTS),,echo "igt: vlr tests not built: $(VLR_UAPI) does not exist yet")
	@$(if $(IGT_DIR),,echo "igt: xe_lr_evict not built: it needs a real IGT tree (make igt-tests IGT_DIR=...)")

$(IGT_OUT)/lrb_igt_%: igt-tests/selftest/lrb_igt_%.c $(IGT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(IGT_CFLAGS) -o $@ $< $(IGT_LDLIBS)

# The STREAM data model the vlr tests verify with, checked against brute force.
$(IGT_OUT)/stream_math: igt-tests/selftest/stream_math.c igt-tests/vlr_stream.h
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -o $@ $<

$(IGT_OUT)/%: igt-tests/%.c $(IGT_DEPS) $(wildcard $(VLR_UAPI))
	@mkdir -p $(@D)
	$(CC) $(IGT_CFLAGS) -o $@ $< $(IGT_LDLIBS)

-include $(wildcard $(IGT_OUT)/*.d)

igt-test: igt-tests
	@igt-tests/tier.sh --uml-only $(IGT_OUT)

TEST_TIERS += igt
test-igt: igt-tests
	@igt-tests/tier.sh $(IGT_OUT)
