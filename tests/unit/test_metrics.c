/* SPDX-License-Identifier: MIT */
/*
 * Metric computations on synthetic sample series: summaries, phase rates,
 * the retained ratio, stall detection and timeline windows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "metrics.h"

#define MS 1000000ull

/* Exact summary of 1..100: nearest-rank percentiles, population stddev. */
static void test_summary_values(void **state)
{
	double v[101];
	struct lr_summary s;

	for (int i = 0; i < 100; i++)
		v[i] = 100 - i; /* unsorted on purpose */
	v[100] = NAN;		/* skipped */
	lr_summary_values(v, 101, &s);
	assert_int_equal(s.n, 100);
	assert_true(s.min == 1 && s.max == 100);
	assert_true(s.p50 == 50 && s.p90 == 90 && s.p99 == 99);
	assert_true(fabs(s.mean - 50.5) < 1e-12);
	/* sample stddev of 1..100: sqrt(n (n + 1) / 12) */
	assert_true(fabs(s.stddev - sqrt(100.0 * 101 / 12)) < 1e-9);
	lr_summary_values(v, 0, &s);
	assert_int_equal(s.n, 0);
}

/* A series with a constant rate, a plateau, and phase tags. */
static size_t make_series(struct lr_sample *s, size_t cap)
{
	size_t n = 0;
	uint64_t p = 0;

	/* 1 kHz; baseline 0..999 ms at 10 units/ms; pressure 1000..1999 ms
	 * at 10 units/ms except a 30 ms plateau from 1200 ms and a 12 ms one
	 * from 1500 ms; cooldown 2000..2499 ms at 10 units/ms. */
	for (uint64_t t = 0; t < 2500 && n < cap; t++) {
		unsigned ph = t < 1000	 ? LR_PHASE_BASELINE
			      : t < 2000 ? LR_PHASE_PRESSURE
					 : LR_PHASE_COOLDOWN;
		bool frozen = (t > 1200 && t <= 1230) || (t > 1500 && t <= 1512);

		if (t && !frozen)
			p += 10;
		s[n++] = (struct lr_sample){.t_ns = t * MS, .progress = p, .phase = ph};
	}
	return n;
}

/* Phase rate = progress difference / time difference within the phase. */
static void test_phase_rate(void **state)
{
	static struct lr_sample s[3000];
	size_t n = make_series(s, 3000);
	double b = lr_phase_rate(s, n, LR_PHASE_BASELINE),
	       pr = lr_phase_rate(s, n, LR_PHASE_PRESSURE);

	/* 999 steps of 10 in 0.999 s */
	assert_true(fabs(b - 10000) < 1e-6);
	/* 999 ms, 42 of them frozen: (999 - 42) * 10 units */
	assert_true(fabs(pr - (999.0 - 42) * 10 / 0.999) < 1e-6);
	assert_true(isnan(lr_phase_rate(s, n, LR_PHASE_WARMUP)));
	assert_true(fabs(lr_retained(b, pr) - pr / b) < 1e-12);
}

/* Retained ratio: undefined (NaN) without a positive baseline. */
static void test_retained(void **state)
{
	assert_true(lr_retained(100, 50) == 0.5);
	assert_true(lr_retained(100, 0) == 0);
	assert_true(isnan(lr_retained(0, 50)));
	assert_true(isnan(lr_retained(NAN, 50)));
	assert_true(isnan(lr_retained(100, NAN)));
}

/* The two plateaus are the only stalls over a 5 ms threshold; lengths are
 * first-to-last equal reading; both are attributed to the pressure phase. */
static void test_stalls(void **state)
{
	static struct lr_sample s[3000];
	struct lr_hist h[LR_PHASES];
	size_t n = make_series(s, 3000);
	uint64_t k;

	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_hist_init(&h[p]);
	k = lr_detect_stalls(s, n, 5 * MS, h);
	assert_int_equal(k, 2);
	assert_int_equal(h[LR_PHASE_PRESSURE].count, 2);
	assert_int_equal(h[LR_PHASE_BASELINE].count, 0);
	/* samples 1200..1230 read the same value: 30 ms observed */
	assert_int_equal(h[LR_PHASE_PRESSURE].max, 30 * MS);
	assert_int_equal(h[LR_PHASE_PRESSURE].min, 12 * MS);

	/* a threshold above the short plateau leaves only the long one */
	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_hist_init(&h[p]);
	assert_int_equal(lr_detect_stalls(s, n, 20 * MS, h), 1);
	/* the threshold is strict: a 30 ms plateau is not above 30 ms */
	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_hist_init(&h[p]);
	assert_int_equal(lr_detect_stalls(s, n, 30 * MS, h), 0);
}

/* A late sampler (samples 20 ms apart, progress moved in between) is not a
 * stall; a plateau still open at the end is closed at the last sample. */
static void test_stalls_sampler_late_and_open_end(void **state)
{
	struct lr_sample s[] = {
	    {0 * MS, 0, LR_PHASE_BASELINE},   {1 * MS, 10, LR_PHASE_BASELINE},
	    {21 * MS, 30, LR_PHASE_BASELINE}, {22 * MS, 40, LR_PHASE_BASELINE},
	    {23 * MS, 40, LR_PHASE_COOLDOWN}, {40 * MS, 40, LR_PHASE_COOLDOWN},
	};
	struct lr_hist h[LR_PHASES];

	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_hist_init(&h[p]);
	assert_int_equal(lr_detect_stalls(s, 6, 5 * MS, h), 1);
	/* from the first reading of 40 (22 ms) to the last sample (40 ms),
	 * attributed to the phase where it began */
	assert_int_equal(h[LR_PHASE_BASELINE].count, 1);
	assert_int_equal(h[LR_PHASE_BASELINE].max, 18 * MS);
	assert_int_equal(lr_detect_stalls(s, 0, 5 * MS, h), 0);
}

struct wins {
	unsigned n, full, per_phase[LR_PHASES];
	double last_t, rates[64];
};

static void on_window(void *ctx, double t_s, unsigned phase, uint64_t progress, double rate,
		      bool full)
{
	struct wins *w = ctx;

	assert_true(t_s > w->last_t);
	w->last_t = t_s;
	if (w->n < 64)
		w->rates[w->n] = rate;
	w->n++;
	w->full += full;
	w->per_phase[phase]++;
}

/* 100 ms windows over the series: cut at phase changes, rates correct. */
static void test_windows(void **state)
{
	static struct lr_sample s[3000];
	size_t n = make_series(s, 3000);
	struct wins w = {0};
	size_t k = lr_windows(s, n, 100 * MS, on_window, &w);

	assert_int_equal(k, w.n);
	/* 10 in baseline, 10 in pressure, 5 in cooldown (each phase cut) */
	assert_int_equal(w.per_phase[LR_PHASE_BASELINE], 10);
	assert_int_equal(w.per_phase[LR_PHASE_PRESSURE], 10);
	assert_int_equal(w.per_phase[LR_PHASE_COOLDOWN], 5);
	assert_true(fabs(w.rates[0] - 10000) < 1e-6);
	/* window 1200..1300 ms holds the 30 ms plateau: 70% of the rate */
	assert_true(fabs(w.rates[12] - 7000) < 1e-6);
	assert_int_equal(w.full, 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_summary_values),
	    cmocka_unit_test(test_phase_rate),
	    cmocka_unit_test(test_retained),
	    cmocka_unit_test(test_stalls),
	    cmocka_unit_test(test_stalls_sampler_late_and_open_end),
	    cmocka_unit_test(test_windows),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
