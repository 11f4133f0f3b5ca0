/* SPDX-License-Identifier: MIT */
/*
 * lrbench's own binding to Debian's libigt.so.0 -- NOT IGT's igt.h.
 *
 * Debian 12 ships IGT's test library (package intel-gpu-tools 1.27.1,
 * /usr/lib/x86_64-linux-gnu/libigt.so.0) without its headers. The tests in
 * igt-tests/ are written against IGT's public test API and build unmodified
 * against a real IGT tree; for CI this file declares, in this project's own
 * words, just the part of that API they use and binds it to the functions and
 * variables libigt.so.0 exports (checked with `nm -D`). All test semantics --
 * option parsing (--list-subtests, --run-subtest with wildcards, --describe),
 * "Starting subtest"/"Subtest NAME: RESULT (time)" lines, exit codes 0/77/98,
 * fixture failure and skip propagation, crash handling, log buffering -- are
 * IGT's own code in libigt.so.0; nothing here re-implements them.
 *
 * The control-flow macros follow IGT's current spelling (`int igt_main()`,
 * `igt_fixture()`, `igt_subtest_group()`), so the same test source compiles
 * against an upstream IGT tree. igt-tests/selftest/ checks that this binding
 * behaves as IGT documents (negative tests included); it must pass before
 * any vlr result built with this header is trusted.
 *
 * Only what the tests use is declared; extend it with care and a self-test.
 */
#ifndef LRBENCH_IGT_BINDING_H
#define LRBENCH_IGT_BINDING_H

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Lets a test or the build tell which library it was compiled for. */
#define LRBENCH_IGT_BINDING 1

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

/* Exit statuses of a test binary (IGT's documented contract). */
#define IGT_EXIT_SUCCESS 0
#define IGT_EXIT_SKIP	 77
#define IGT_EXIT_INVALID 79
#define IGT_EXIT_FAILURE 98
#define IGT_EXIT_ABORT	 112

/* --------------------------------------------------------------------- */
/* Symbols exported by libigt.so.0 (1.27.1).                              */

typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);

int igt_subtest_init_parse_opts(int *argc, char **argv, const char *extra_short_opts,
				const struct option *extra_long_opts, const char *help_str,
				igt_opt_handler_t extra_opt_handler, void *handler_data);
__attribute__((noreturn)) void igt_exit(void);

extern sigjmp_buf igt_subtest_jmpbuf;
bool __igt_run_subtest(const char *subtest_name, const char *file, const int line);
bool __igt_fixture(void);
void __igt_fixture_complete(void);
__attribute__((noreturn)) void __igt_fixture_end(void);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);
const char *igt_subtest_name(void);
const char *igt_test_name(void);
bool igt_only_list_subtests(void);

void igt_describe_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *__igt_test_description __attribute__((weak));

void igt_success(void);
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn)) void igt_skip(const char *f, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void __igt_fail_assert(const char *domain, const char *file,
						 const int line, const char *func,
						 const char *assertion, const char *format, ...)
    __attribute__((format(printf, 6, 7)));
__attribute__((noreturn)) void __igt_skip_check(const char *file, const int line, const char *func,
						const char *check, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};
void igt_log(const char *domain, enum igt_log_level level, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

bool __igt_fork(void);
void igt_waitchildren(void);

uint64_t igt_nsec_elapsed(struct timespec *start);
extern int (*igt_ioctl)(int fd, unsigned long request, void *arg);

/* --------------------------------------------------------------------- */
/* Control flow. Each block is a one-shot for-loop whose condition asks   */
/* libigt whether to run it and arms the jump buffer that libigt's        */
/* fail/skip paths return through.                                        */

#define __igt_cat2(a, b)   a##b
#define igt_tokencat(a, b) __igt_cat2(a, b)
#define igt_unique(name)   igt_tokencat(igt_tokencat(__igt_unique_, name), __LINE__)

#define IGT_TEST_DESCRIPTION(str) const char *__igt_test_description = str

#define igt_main_args(short_opts, long_opts, help_str, opt_handler, handler_data)                  \
	main(int argc, char **argv);                                                               \
	static void igt_unique(lrb_body)(void);                                                    \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		igt_subtest_init_parse_opts(&argc, argv, short_opts, long_opts, help_str,          \
					    opt_handler, handler_data);                            \
		igt_unique(lrb_body)();                                                            \
		igt_exit();                                                                        \
	}                                                                                          \
	static void igt_unique(lrb_body)(void)

/* Used as `int igt_main() { ... }`, IGT's current form. */
#define igt_main() igt_main_args(NULL, NULL, NULL, NULL, NULL)

#define igt_fixture()                                                                              \
	for (volatile int igt_unique(fix) = 0;                                                     \
	     igt_unique(fix) < 1 && __igt_fixture() && sigsetjmp(igt_subtest_jmpbuf, 1) == 0;      \
	     igt_unique(fix)++, __igt_fixture_complete())

#define igt_subtest(name)                                                                          \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) &&                                    \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0;                                              \
	     igt_success())

#define __igt_subtest_f(buf, ...)                                                                  \
	for (char buf[256];                                                                        \
	     snprintf(buf, sizeof(buf), __VA_ARGS__),                                              \
	     __igt_run_subtest(buf, __FILE__, __LINE__) && sigsetjmp(igt_subtest_jmpbuf, 1) == 0;  \
	     igt_success())
#define igt_subtest_f(...) __igt_subtest_f(igt_unique(name), __VA_ARGS__)

#define igt_subtest_group()                                                                        \
	for (int igt_unique(grp) = 0, igt_unique(save) = 0, igt_unique(desc) = 0;                  \
	     igt_unique(grp) < 1 &&                                                                \
	     (__igt_subtest_group_save(&igt_unique(save), &igt_unique(desc)), true);               \
	     igt_unique(grp)++, __igt_subtest_group_restore(igt_unique(save), igt_unique(desc)))

#define igt_describe(dsc) igt_describe_f("%s", dsc)

/* Runs the block in num_children forked children; igt_waitchildren() joins. */
#define igt_fork(child, num_children)                                                              \
	for (int child = 0; child < (num_children); child++)                                       \
		for (; __igt_fork(); exit(0))

/* --------------------------------------------------------------------- */
/* Logging                                                                */

#define igt_debug(...)	  igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, __VA_ARGS__)
#define igt_info(...)	  igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, __VA_ARGS__)
#define igt_warn(...)	  igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, __VA_ARGS__)
#define igt_critical(...) igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, __VA_ARGS__)

#define igt_warn_on(cond)                                                                          \
	({                                                                                         \
		bool lrb_c_ = (cond);                                                              \
		if (lrb_c_)                                                                        \
			igt_warn("Warning on condition %s in function %s, file %s:%i\n", #cond,    \
				 __func__, __FILE__, __LINE__);                                    \
		lrb_c_;                                                                            \
	})

/* --------------------------------------------------------------------- */
/* Assertions: a false condition fails the subtest (or fixture).          */

#define igt_assert(expr)                                                                           \
	do {                                                                                       \
		if (!(expr))                                                                       \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, #expr,     \
					  NULL);                                                   \
	} while (0)

#define igt_assert_f(expr, ...)                                                                    \
	do {                                                                                       \
		if (!(expr))                                                                       \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, #expr,     \
					  __VA_ARGS__);                                            \
	} while (0)

#define igt_fail_on(expr)	 igt_assert(!(expr))
#define igt_fail_on_f(expr, ...) igt_assert_f(!(expr), __VA_ARGS__)

/* Typed comparisons print both operands on failure. */
#define __igt_assert_cmp(type, fmt, a, cmp, b)                                                     \
	do {                                                                                       \
		type lrb_a_ = (a), lrb_b_ = (b);                                                   \
		if (!(lrb_a_ cmp lrb_b_))                                                          \
			__igt_fail_assert(                                                         \
			    IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, #a " " #cmp " " #b,      \
			    "error: " fmt " " #cmp " " fmt " is false\n", lrb_a_, lrb_b_);         \
	} while (0)

#define igt_assert_cmpint(a, cmp, b) __igt_assert_cmp(long long, "%lld", a, cmp, b)
#define igt_assert_cmpu64(a, cmp, b) __igt_assert_cmp(uint64_t, "%#" PRIx64, a, cmp, b)
#define igt_assert_eq(a, b)	     igt_assert_cmpint(a, ==, b)
#define igt_assert_neq(a, b)	     igt_assert_cmpint(a, !=, b)
#define igt_assert_lt(a, b)	     igt_assert_cmpint(a, <, b)
#define igt_assert_lte(a, b)	     igt_assert_cmpint(a, <=, b)
#define igt_assert_eq_u32(a, b)	     __igt_assert_cmp(uint32_t, "%#" PRIx32, a, ==, b)
#define igt_assert_eq_u64(a, b)	     igt_assert_cmpu64(a, ==, b)
#define igt_assert_neq_u64(a, b)     igt_assert_cmpu64(a, !=, b)
#define igt_assert_lte_u64(a, b)     igt_assert_cmpu64(a, <=, b)
#define igt_assert_lt_u64(a, b)	     igt_assert_cmpu64(a, <, b)

/* --------------------------------------------------------------------- */
/* Requirements: a false condition skips the subtest (or the rest).       */

#define igt_require(expr)                                                                          \
	do {                                                                                       \
		if (!(expr))                                                                       \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, NULL);               \
	} while (0)

#define igt_require_f(expr, ...)                                                                   \
	do {                                                                                       \
		if (!(expr))                                                                       \
			__igt_skip_check(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__);        \
	} while (0)

#define igt_skip_on(expr)                                                                          \
	do {                                                                                       \
		if ((expr))                                                                        \
			__igt_skip_check(__FILE__, __LINE__, __func__, "!(" #expr ")", NULL);      \
	} while (0)

#define igt_skip_on_f(expr, ...)                                                                   \
	do {                                                                                       \
		if ((expr))                                                                        \
			__igt_skip_check(__FILE__, __LINE__, __func__, "!(" #expr ")",             \
					 __VA_ARGS__);                                             \
	} while (0)

/* --------------------------------------------------------------------- */
/* ioctl helpers (IGT's ioctl_wrappers.h spells them the same way).       */

#define do_ioctl(fd, ioc, data)                                                                    \
	do {                                                                                       \
		igt_assert_eq(igt_ioctl((fd), (ioc), (data)), 0);                                  \
		errno = 0;                                                                         \
	} while (0)

#define do_ioctl_err(fd, ioc, data, err)                                                           \
	do {                                                                                       \
		igt_assert_eq(igt_ioctl((fd), (ioc), (data)), -1);                                 \
		igt_assert_eq(errno, (err));                                                       \
		errno = 0;                                                                         \
	} while (0)

#endif /* LRBENCH_IGT_BINDING_H */
