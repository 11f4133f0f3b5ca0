# Tier "unit": the harness's own tests (cmocka) under ASan/UBSan, plus schema
# validation of results the tests write and a format check of bench/ and
# tests/unit/. Runs in seconds on any machine; no GPU, no OpenCL device.
TEST_TIERS += unit

UNIT_TESTS   := hist scenario metrics sampler pressure results run compare stats breakdown
UNIT_HELPERS := tests/unit/fake_backend.c
UNIT_BINS     = $(UNIT_TESTS:%=$(BUILD)/tests/test_%)

.PHONY: test-binaries test-unit

# Built inside `make asan` (BUILD=build/asan), also usable from a plain build.
test-binaries: $(UNIT_BINS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o \
		$(UNIT_HELPERS:%.c=$(BUILD)/obj/%.o) $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/obj/tests/unit/%.o: override CFLAGS += -Itests/unit

-include $(wildcard $(BUILD)/obj/tests/unit/*.d)

test-unit: asan
	@tests/unit/run-unit.sh $(ASANDIR) $(UNIT_TESTS)
