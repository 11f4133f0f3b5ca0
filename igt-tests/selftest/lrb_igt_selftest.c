// SPDX-License-Identifier: MIT
/*
 * Self-test of the IGT build path (igt-tests/lib/igt.h bound to libigt.so.0,
 * or a real IGT tree): subtests that must succeed, fail, skip and crash.
 * igt-tests/selftest/check.sh runs them one by one and checks exit codes and
 * output lines; several are *expected* to fail. Never part of a test plan.
 */

/**
 * TEST: lrb igt selftest
 * Category: Software building block
 * Mega feature: General Core features
 * Sub-category: IGT Lib
 * Functionality: test framework self-test
 * Description: Subtests with known outcomes that check the IGT binding.
 *
 * SUBTEST: pass
 * Description: Every assertion holds; must report SUCCESS.
 *
 * SUBTEST: fail-assert
 * Description: A false igt_assert(); must report FAIL and exit 98.
 *
 * SUBTEST: fail-assert-eq
 * Description: A false igt_assert_eq(); must print both operands and FAIL.
 *
 * SUBTEST: skip-require
 * Description: A false igt_require(); must report SKIP and exit 77.
 *
 * SUBTEST: skip-on-reason
 * Description: igt_skip_on_f() with a reason; must print it and SKIP.
 *
 * SUBTEST: crash-segv
 * Description: A SIGSEGV inside the subtest; must be reported as CRASH.
 *
 * SUBTEST: fork-child-fails
 * Description: An assertion failing in an igt_fork() child fails the subtest.
 *
 * SUBTEST: fork-children-pass
 * Description: Two igt_fork() children that succeed; must report SUCCESS.
 *
 * SUBTEST: group-skip-a
 * Description: In a group whose fixture skips; must report SKIP.
 *
 * SUBTEST: group-skip-b
 * Description: Second subtest of the skipped group; must report SKIP.
 *
 * SUBTEST: after-group
 * Description: After the skipped group; must run and report SUCCESS.
 *
 * SUBTEST: dmesg-warning
 * Description: Writes a WARNING line to the runner's kernel-log sink
 *              ($LRB_IGT_KMSG_SINK, a file) so the runner must report
 *              dmesg-warn; skips when no sink is given.
 *
 * SUBTEST: warn-stderr
 * Description: passes after an igt_warn(): the runner reports it as warn
 *
 * SUBTEST: sleep-3s
 * Description: Sleeps three seconds and succeeds; the runner's timeout test
 *              runs it with a one-second limit and must report timeout.
 */

#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Self-test of the IGT build path: known pass/fail/skip/crash outcomes.");

static int ran_fixture;

static int write_kmsg_sink(const char *line)
{
	const char *sink = getenv("LRB_IGT_KMSG_SINK");
	int fd;
	ssize_t n;

	if (!sink || !*sink)
		return -ENOENT;
	fd = open(sink, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	close(fd);
	return n == (ssize_t)strlen(line) ? 0 : -EIO;
}

int igt_main ()
{
	igt_fixture () {
		ran_fixture = 1;
	}

	igt_describe("Every assertion holds.");
	igt_subtest ("pass") {
		igt_assert(ran_fixture == 1);
		igt_assert_eq(2 + 2, 4);
		igt_assert_neq(1, 2);
		igt_assert_lt(1, 2);
		igt_assert_eq_u64(UINT64_MAX, ~(uint64_t)0);
		igt_info("pass: all assertions held\n");
	}

	igt_describe("A false igt_assert() fails the subtest.");
	igt_subtest ("fail-assert") {
		volatile int one = 1;

		igt_assert(one == 2);
		igt_info("unreachable after a failed assert\n");
	}

	igt_describe("A false igt_assert_eq() prints both operands.");
	igt_subtest ("fail-assert-eq") {
		volatile int four = 4;

		igt_assert_eq(four, 5);
	}

	igt_describe("A false igt_require() skips the subtest.");
	igt_subtest ("skip-require") {
		volatile int have_feature = 0;

		igt_require(have_feature);
		igt_assert(!"unreachable after a failed requirement");
	}

	igt_describe("igt_skip_on_f() skips with a printed reason.");
	igt_subtest ("skip-on-reason") {
		igt_skip_on_f(true, "selftest reason: no such hardware\n");
	}

	igt_describe("A segmentation fault inside a subtest is a crash.");
	igt_subtest ("crash-segv") {
		raise(SIGSEGV);
	}

	igt_describe("A failing assertion in a forked child fails the subtest.");
	igt_subtest ("fork-child-fails") {
		igt_fork(child, 1)
		{
			igt_assert_eq(child, 1);
		}
		igt_waitchildren();
	}

	igt_describe("Forked children that succeed leave the subtest passing.");
	igt_subtest ("fork-children-pass") {
		igt_fork(child, 2)
		{
			igt_assert(child == 0 || child == 1);
		}
		igt_waitchildren();
	}

	igt_subtest_group () {
		igt_fixture () {
			igt_require_f(false, "group fixture skips on purpose\n");
		}

		igt_describe("First subtest of a group whose fixture skips.");
		igt_subtest ("group-skip-a") {
			igt_assert(!"unreachable: the group fixture skipped");
		}

		igt_describe("Second subtest of a group whose fixture skips.");
		igt_subtest ("group-skip-b") {
			igt_assert(!"unreachable: the group fixture skipped");
		}
	}

	igt_describe("A subtest after a skipped group still runs.");
	igt_subtest ("after-group") {
		igt_assert(ran_fixture == 1);
	}

	igt_describe("A kernel warning during a subtest turns its pass into dmesg-warn.");
	igt_subtest ("dmesg-warning") {
		int err = write_kmsg_sink(
		    "WARNING: CPU: 0 PID: 1 at selftest.c:1 lrb_selftest+0x0/0x0\n");

		igt_require_f(err != -ENOENT,
			      "no LRB_IGT_KMSG_SINK (only the runner self-test sets it)\n");
		igt_assert_eq(err, 0);
	}

	igt_describe("A passing subtest that printed a warning on stderr is a warn.");
	igt_subtest ("warn-stderr") {
		igt_warn("selftest: a stray warning from a passing subtest\n");
	}

	igt_describe("Sleeps three seconds, then succeeds.");
	igt_subtest ("sleep-3s") {
		sleep(3);
	}
}
