# Tier "opencl": the opencl workload backend on whatever OpenCL device the
# ICD loader offers (PoCL's CPU device on a fresh machine): cmocka tests of
# the backend under ASan/UBSan (job, exact verification, corruption caught,
# pressure, selectors, no-platform skip) and lrbench smoke runs whose
# results validate against the schema. About a minute. See tests/opencl/.
TEST_TIERS += opencl

OPENCL_WL_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard workloads/*.c))

.PHONY: test-binaries test-opencl

# Built inside `make asan` (BUILD=build/asan), also usable from a plain build.
test-binaries: $(BUILD)/tests/test-opencl $(BUILD)/tests/opencl-perf

$(BUILD)/tests/test-opencl: $(BUILD)/obj/tests/opencl/test-opencl.o $(OPENCL_WL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/opencl-perf: $(BUILD)/obj/tests/opencl/opencl-perf.o $(OPENCL_WL_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(wildcard $(BUILD)/obj/tests/opencl/*.d)

test-opencl: asan
	@tests/opencl/run.sh $(ASANDIR)
