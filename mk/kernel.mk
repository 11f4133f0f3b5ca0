# Kernel series targets (see kernel-patches/README.md).
#
#   make kunit          fetch linux-source-6.12, apply kernel-patches/series,
#                       build UML and run the series' KUnit suites plus the
#                       existing DRM and TTM suites (and vlr's, once the
#                       series has it, and xe's on the series plus
#                       kernel-patches/xe/ when that has patches) in one
#                       boot; LRBENCH_KUNIT_SUITES picks a subset of:
#                       series drm ttm vlr xe
#   make kernel-check   every patch (series, then kernel-patches/xe/)
#                       applies, builds, is checkpatch --strict and
#                       kernel-doc clean
#   make kernel-prepare print the path of a tree with the series applied
#
# Caches live in $(LRBENCH_CACHE) (default ~/.cache/lrbench).

LRBENCH_KUNIT_SUITES ?=
KERNEL_SH := scripts/kernel.sh

.PHONY: kunit kernel-check kernel-prepare kernel-fetch test-kunit

kernel-fetch: deps
	@$(KERNEL_SH) fetch >/dev/null

kernel-prepare: deps
	@$(KERNEL_SH) prepare

kunit: deps
	@$(KERNEL_SH) kunit $(LRBENCH_KUNIT_SUITES) >/dev/null

kernel-check: deps
	@$(KERNEL_SH) check

# Test tier: KUnit test cases (not suites) summed over every suite.
TEST_TIERS += kunit
test-kunit: deps
	@counts=$$($(KERNEL_SH) kunit $(LRBENCH_KUNIT_SUITES)); rc=$$?; \
	if [ -n "$$LR_TIER_COUNT" ] && [ -n "$$counts" ]; then echo "$$counts" >"$$LR_TIER_COUNT"; fi; \
	exit $$rc
