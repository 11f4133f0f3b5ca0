/* SPDX-License-Identifier: MIT */
/*
 * Log-linear histogram: bucket geometry, and percentiles of known
 * distributions within the documented relative error LR_HIST_REL_ERR.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* exact nearest-rank percentile */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

/* Deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static void check_distribution(uint64_t *v, size_t n)
{
	static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 100};
	struct lr_hist *h = malloc(sizeof(*h));
	double mean = 0, m2 = 0;

	assert_non_null(h);
	lr_hist_init(h);
	for (size_t i = 0; i < n; i++) {
		double d = (double)v[i] - mean;

		lr_hist_add(h, v[i]);
		mean += d / (double)(i + 1);
		m2 += d * ((double)v[i] - mean);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = (double)exact(v, n, ps[i]), got = lr_hist_percentile(h, ps[i]);
		double bound = want * LR_HIST_REL_ERR;

		if (fabs(got - want) > bound + 1e-9)
			fail_msg("p%g: histogram %.3f, exact %.3f, error %.5f%% > bound %.5f%%",
				 ps[i], got, want, 100 * fabs(got - want) / want,
				 100 * LR_HIST_REL_ERR);
	}
	/* mean and stddev are exact (Welford), not bucketed */
	assert_true(fabs(lr_hist_mean(h) - mean) <= 1e-9 * mean + 1e-9);
	/* sample standard deviation (n - 1), the one definition (stats.h) */
	assert_true(fabs(lr_hist_stddev(h) - sqrt(m2 / (double)(n - 1))) <=
		    1e-6 * sqrt(m2 / (double)(n - 1)) + 1e-9);
	free(h);
}

/* Uniform values in [1 us, 10 ms] as nanoseconds. */
static void test_uniform(void **state)
{
	size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = 1000 + (uint64_t)(uniform01() * 9999000.0);
	check_distribution(v, n);
	free(v);
}

/* Exponential with a 2 ms mean: long tail over many power-of-two groups. */
static void test_exponential(void **state)
{
	size_t n = 100000;
	uint64_t *v = malloc(n * sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = 1 + (uint64_t)(-log(1.0 - uniform01()) * 2e6);
	check_distribution(v, n);
	free(v);
}

/* A constant: every percentile is that value exactly (clamped to min/max). */
static void test_constant(void **state)
{
	struct lr_hist h;

	lr_hist_init(&h);
	for (int i = 0; i < 1000; i++)
		lr_hist_add(&h, 123456789);
	assert_true(lr_hist_percentile(&h, 50) == 123456789.0);
	assert_true(lr_hist_percentile(&h, 99) == 123456789.0);
	assert_true(lr_hist_mean(&h) == 123456789.0);
	assert_true(lr_hist_stddev(&h) == 0.0);
}

/* Values below 2^S have exact buckets: zero error. */
static void test_small_values_exact(void **state)
{
	uint64_t v[LR_HIST_SUB * 4];
	size_t n = 0;
	struct lr_hist h;

	lr_hist_init(&h);
	for (unsigned i = 0; i < LR_HIST_SUB; i++)
		for (int k = 0; k < 4; k++) {
			v[n++] = i;
			lr_hist_add(&h, i);
		}
	for (double p = 1; p <= 100; p += 1)
		assert_true(lr_hist_percentile(&h, p) == (double)exact(v, n, p));
}

/* Buckets tile [0, 2^64) without gaps or overlaps and widths follow the
 * documented geometry, so the error bound holds for every value. */
static void test_bucket_geometry(void **state)
{
	uint64_t prev_hi = 0, lo, hi;

	for (unsigned i = 0; i < LR_HIST_BUCKETS; i++) {
		lr_hist_bounds(i, &lo, &hi);
		assert_int_equal(lo, prev_hi);
		assert_true(hi > lo);
		assert_int_equal(lr_hist_index(lo), i);
		assert_int_equal(lr_hist_index(hi - 1), i);
		if (lo >= LR_HIST_SUB) /* width / lower <= 2^-S */
			assert_true((double)(hi - lo) / (double)lo <= 2 * LR_HIST_REL_ERR);
		prev_hi = hi;
	}
	assert_int_equal(prev_hi, UINT64_MAX);
	assert_int_equal(lr_hist_index(UINT64_MAX), LR_HIST_BUCKETS - 1);
}

/* Merging two histograms equals recording everything into one. */
static void test_merge(void **state)
{
	struct lr_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
		       *all = malloc(sizeof(*all));

	lr_hist_init(a);
	lr_hist_init(b);
	lr_hist_init(all);
	for (uint64_t i = 1; i < 5000; i++) {
		uint64_t x = i * i * 37;

		lr_hist_add(i % 3 ? a : b, x);
		lr_hist_add(all, x);
	}
	lr_hist_merge(a, b);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_memory_equal(a->bucket, all->bucket, sizeof(a->bucket));
	assert_true(fabs(lr_hist_mean(a) - lr_hist_mean(all)) <= 1e-9 * lr_hist_mean(all));
	assert_true(fabs(lr_hist_stddev(a) - lr_hist_stddev(all)) <= 1e-6 * lr_hist_stddev(all));
	free(a);
	free(b);
	free(all);
}

/* An empty histogram reports zeros, not garbage. */
static void test_empty(void **state)
{
	struct lr_hist h;

	lr_hist_init(&h);
	assert_true(lr_hist_percentile(&h, 50) == 0);
	assert_true(lr_hist_mean(&h) == 0);
	assert_true(lr_hist_stddev(&h) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uniform),	    cmocka_unit_test(test_exponential),
	    cmocka_unit_test(test_constant),	    cmocka_unit_test(test_small_values_exact),
	    cmocka_unit_test(test_bucket_geometry), cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
