/* SPDX-License-Identifier: MIT */
/*
 * One source for both spellings of IGT's control-flow blocks.
 *
 * IGT trees up to at least upstream commit ecb9eb7f (2025-10-24, version
 * 2.2) and IGT 1.27.1 (the release Debian 12 ships as libigt.so.0, without
 * headers) define `igt_main`, `igt_fixture` and `igt_subtest_group` as
 * object-like macros: `igt_main { ... }`, `igt_fixture { ... }`. Later
 * upstream IGT makes them function-like: `int igt_main() { ... }`,
 * `igt_fixture() { ... }`. lrbench's tests use the current, function-like
 * spelling; include this header right after "igt.h" and an older tree's
 * object-like definitions are replaced by function-like ones built from the
 * same library entry points (__igt_fixture, __igt_fixture_complete,
 * igt_subtest_jmpbuf, __igt_subtest_group_save/restore, igt_main_args).
 * With a current tree, or with lrbench's own igt-tests/lib/igt.h, it changes
 * nothing.
 *
 * Detection needs no version number: a function-like macro's name is not
 * expanded when no '(' follows it, an object-like one is. LRB_IGT_FUNCLIKE(m)
 * pastes the (possibly expanded) name onto a probe prefix; only the
 * unexpanded name forms a probe macro with a comma, which selects 1.
 */
#ifndef LRB_IGT_COMPAT_H
#define LRB_IGT_COMPAT_H

#define LRB_IGT_CAT_(a, b)		a##b
#define LRB_IGT_CAT(a, b)		LRB_IGT_CAT_(a, b)
#define LRB_IGT_SECOND_(a, b, ...)	b
#define LRB_IGT_SECOND(...)		LRB_IGT_SECOND_(__VA_ARGS__)
#define LRB_IGT_PROBE_igt_main		~, 1
#define LRB_IGT_PROBE_igt_fixture	~, 1
#define LRB_IGT_PROBE_igt_subtest_group ~, 1
/* 1 when m is a function-like macro (or no macro at all), 0 when object-like. */
#define LRB_IGT_FUNCLIKE(m) LRB_IGT_SECOND(LRB_IGT_CAT(LRB_IGT_PROBE_, m), 0, ~)

#if !LRB_IGT_FUNCLIKE(igt_main)
#undef igt_main
/*
 * `int igt_main()` becomes `int main(int argc, char **argv);` followed by the
 * tree's own igt_main_args block, which defines main() itself.
 */
#define igt_main()                                                                                 \
	main(int argc, char **argv);                                                               \
	igt_main_args(NULL, NULL, NULL, NULL, NULL)
#define LRB_IGT_OLD_SPELLING 1
#endif

#if !LRB_IGT_FUNCLIKE(igt_fixture)
#undef igt_fixture
#define igt_fixture()                                                                              \
	for (volatile int igt_unique(lrb_fix) = 0;                                                 \
	     igt_unique(lrb_fix) < 1 && __igt_fixture() && sigsetjmp(igt_subtest_jmpbuf, 1) == 0;  \
	     igt_unique(lrb_fix)++, __igt_fixture_complete())
#endif

#if !LRB_IGT_FUNCLIKE(igt_subtest_group)
#undef igt_subtest_group
#define igt_subtest_group()                                                                        \
	for (int igt_unique(lrb_grp) = 0, igt_unique(lrb_save) = 0, igt_unique(lrb_desc) = 0;      \
	     igt_unique(lrb_grp) < 1 &&                                                            \
	     (__igt_subtest_group_save(&igt_unique(lrb_save), &igt_unique(lrb_desc)), true);       \
	     igt_unique(lrb_grp)++,                                                                \
		 __igt_subtest_group_restore(igt_unique(lrb_save), igt_unique(lrb_desc)))
#endif

#endif /* LRB_IGT_COMPAT_H */
