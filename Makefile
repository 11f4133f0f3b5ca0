# lrbench — top-level entry points. See README.md.
#
#   make deps      install the Debian packages the suite needs (idempotent)
#   make all       build user space into build/ (binaries in build/bin/)
#   make asan      the same under -fsanitize=address,undefined into build/asan/
#   make run       the main job on the embedded default: vlr-steady/burst/ramp/
#                  scaling/mixed in one UML boot (~8 min; SCENARIOS=, REPS=,
#                  DURATION=, PREVIOUS=; BACKEND=opencl: the host's OpenCL device, PoCL)
#   make test      every test tier, ending in one "N passed, N failed" line
#   make plots|report DIR=...  plots and the HTML report of a make-run folder
#                  or of one result directory
#   make clean
#
# Kernel targets (kunit, kernel-check, uml-test, ...) live in mk/*.mk.

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD   ?= build
CC      ?= gcc
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
           -Wno-unused-parameter
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -pthread -MMD -MP -D_GNU_SOURCE -DLR_VERSION='"$(VERSION)"' \
           -Iworkloads -Iworkloads/uapi/drm -Ibench \
           $(shell pkg-config --cflags libdrm 2>/dev/null)
LDLIBS  += -pthread -lOpenCL -ljansson -linih -lm -ldrm

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Library objects: everything in workloads/ and bench/ except bench/main.c.
LIB_SRCS := $(wildcard workloads/*.c) $(filter-out bench/main.c,$(wildcard bench/*.c))
LIB_OBJS  = $(LIB_SRCS:%.c=$(OBJDIR)/%.o)

OBJDIR := $(BUILD)/obj
ASANDIR := $(BUILD)/asan

.PHONY: all asan deps run test clean format format-check FORCE

deps: $(BUILD)/.deps-stamp
$(BUILD)/.deps-stamp: scripts/deps.txt scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

all: deps $(BUILD)/bin/lrbench

asan: deps
	@$(MAKE) --no-print-directory BUILD=$(ASANDIR) \
		CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" $(ASANDIR)/bin/lrbench test-binaries

# Version baked into the binary follows git; rebuild the object that uses it.
$(BUILD)/version.txt: FORCE
	@mkdir -p $(@D); echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

$(BUILD)/obj/%.o: %.c $(BUILD)/version.txt
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/bin/lrbench: $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/bench/main.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(wildcard $(BUILD)/obj/*/*.d)
-include $(wildcard mk/*.mk)

run: all
	@scripts/run-main.sh

# Every tier registers itself by adding its name to TEST_TIERS and providing
# a target test-<tier> (see mk/*.mk and scripts/run-tests.sh for the contract).
test: deps
	@scripts/run-tests.sh $(TEST_TIERS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v -e '^kernel-patches/' -e '^igt-tests/include/' -e '^workloads/uapi/drm/')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h' | grep -v -e '^kernel-patches/' -e '^igt-tests/include/' -e '^workloads/uapi/drm/')

clean:
	rm -rf $(BUILD)

FORCE:

# Tiers run fastest first; a tier exists once its mk/*.mk fragment adds it.
TIER_ORDER := unit scripts opencl kunit uml vm igt stress nightly
TEST_TIERS := $(filter $(TEST_TIERS),$(TIER_ORDER))
