# Stress tier: the structure-aware vlr fuzzer (regression seeds + fresh
# seeds), trinity, the fault-injection matrix and the evict/restore soak in
# one UML boot, then the same short forms in the 2-vCPU SMP guest when
# scripts/vm-run.sh and a guest kernel are there (tests/stress/run.sh).
#
#   make stress       run the tier with the guest half and 2 fresh seeds
#                     (`make test-stress`: the CI form); figures in
#                     build/stress/figures.json
#   make stress-bins  only build build/stress/vlr-faults and vlr-soak
#
# Long forms for the nightly: STRESS_TIME= (seconds of fresh fuzzing),
# STRESS_SEEDS= (fresh seeds), STRESS_SOAK_CYCLES= (cycles per mode); see
# tests/stress/README.md for every knob.

STRESS_OUT    := $(BUILD)/stress
STRESS_BINS   := $(STRESS_OUT)/vlr-faults $(STRESS_OUT)/vlr-soak
STRESS_LIB    := tests/stress/stress-lib.c tests/uml/vlr-lib.c
STRESS_HDRS   := tests/stress/stress-lib.h tests/uml/vlr-lib.h workloads/uapi/vlr_ioctl.h \
		 igt-tests/vlr_stream.h workloads/uapi/drm/vlr_drm.h
STRESS_CFLAGS := -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE -Iworkloads/uapi -Iworkloads/uapi/drm \
		 -Iigt-tests -Itests/uml $(shell pkg-config --cflags libdrm 2>/dev/null)
STRESS_LDLIBS := $(shell pkg-config --libs libdrm 2>/dev/null || echo -ldrm) -lm

TEST_TIERS += stress
.PHONY: stress test-stress stress-bins

$(STRESS_OUT)/%: tests/stress/%.c $(STRESS_LIB) $(STRESS_HDRS)
	@mkdir -p $(@D)
	$(CC) $(STRESS_CFLAGS) -o $@ $< $(STRESS_LIB) $(STRESS_LDLIBS)

stress-bins: $(STRESS_BINS)

# The fuzzer (mk/fuzz.mk) is built when its fragment exists; the runner
# skips its items with the reason otherwise.
STRESS_FUZZ := $(if $(wildcard mk/fuzz.mk),$(BUILD)/fuzz/vlr-fuzz)

# `make test` runs the CI form (tests/stress/README.md); `make stress` on
# its own also boots the 2-vCPU guest (when a guest kernel is cached, or
# builds one with STRESS_VM=1) and draws 2 fresh fuzzer seeds per runner.
test-stress: deps $(STRESS_BINS) $(STRESS_FUZZ)
	@tests/stress/run.sh

stress: deps $(STRESS_BINS) $(STRESS_FUZZ)
	@STRESS_VM=$${STRESS_VM:-auto} STRESS_SEEDS=$${STRESS_SEEDS:-2} tests/stress/run.sh
