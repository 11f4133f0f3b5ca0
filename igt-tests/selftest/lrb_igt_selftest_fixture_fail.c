// SPDX-License-Identifier: MIT
/*
 * Self-test of the IGT build path: a failing igt_fixture() fails every
 * subtest after it and the binary exits 98, even for subtests that would
 * pass. A separate binary, because the failure poisons the whole run.
 */

/**
 * TEST: lrb igt selftest fixture fail
 * Category: Software building block
 * Mega feature: General Core features
 * Sub-category: IGT Lib
 * Functionality: test framework self-test
 * Description: A failing fixture must fail the subtests that follow it.
 *
 * SUBTEST: before-fixture
 * Description: Runs before the failing fixture; must report SUCCESS.
 *
 * SUBTEST: after-fixture
 * Description: Follows the failing fixture; must report FAIL without running.
 */

#include "igt.h"

IGT_TEST_DESCRIPTION("Self-test: a failing fixture fails the subtests after it.");

int igt_main ()
{
	igt_describe("Runs before the failing fixture.");
	igt_subtest ("before-fixture") {
		igt_assert(true);
	}

	igt_fixture () {
		volatile int device_ready = 0;

		igt_assert_f(device_ready, "fixture fails on purpose\n");
	}

	igt_describe("Follows the failing fixture.");
	igt_subtest ("after-fixture") {
		igt_info("unreachable: the fixture failed\n");
	}
}
