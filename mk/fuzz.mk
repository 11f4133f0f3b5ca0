# Stress tier, fuzzers: the structure-aware vlr ioctl fuzzer (tests/fuzz/)
# and trinity aimed at the vlr render node. See tests/fuzz/README.md.
#
#   make fuzz          build build/fuzz/vlr-fuzz
#   make fuzz-uml      boot UML and run the fuzzer (FUZZ_ARGS=, default a
#                      20 s run with a fresh seed)
#   make fuzz-seeds    replay every seed of tests/fuzz/seeds.txt in UML
#   make trinity-uml   tests/fuzz/trinity.sh in UML (TRINITY_ARGS=)

FUZZ_BIN  := $(BUILD)/fuzz/vlr-fuzz
FUZZ_SRC  := tests/fuzz/vlr-fuzz.c tests/fuzz/fuzz-ops.c
FUZZ_CFLAGS := -std=gnu11 $(WARN) -O2 -g -pthread -D_GNU_SOURCE -Iworkloads/uapi \
		-Iworkloads/uapi/drm -Iigt-tests \
		$(shell pkg-config --cflags libdrm 2>/dev/null)
FUZZ_ARGS ?= --time 20

.PHONY: fuzz fuzz-uml fuzz-seeds trinity-uml

fuzz: $(FUZZ_BIN)

$(FUZZ_BIN): $(FUZZ_SRC) tests/fuzz/fuzz.h workloads/uapi/vlr_ioctl.h workloads/uapi/drm/vlr_drm.h
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRC) -pthread \
		$(shell pkg-config --libs libdrm 2>/dev/null || echo -ldrm)

fuzz-uml: deps $(FUZZ_BIN)
	scripts/uml-run.sh --no-kmemleak --timeout 600 -- $(FUZZ_BIN) $(FUZZ_ARGS)

fuzz-seeds: deps $(FUZZ_BIN)
	tests/fuzz/replay-seeds.sh

trinity-uml: deps
	tests/fuzz/trinity.sh $(TRINITY_ARGS)
