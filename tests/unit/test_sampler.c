/* SPDX-License-Identifier: MIT */
/*
 * Sampler thread: fixed-rate absolute deadlines, monotonic timestamps, the
 * phase in every sample, its own CPU time measured, growth past the first
 * capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "sampler.h"

static _Atomic uint64_t calls;

static uint64_t counting_progress(struct lr_job *job)
{
	return atomic_fetch_add(&calls, 1) / 3; /* changes every third read */
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* 400 ms at 1 kHz: about 400 samples (the machine may be busy: a wide but
 * bounded window), strictly increasing times, one progress read each. */
static void test_rate_and_order(void **state)
{
	_Atomic unsigned phase = LR_PHASE_BASELINE;
	struct lr_sampler s = {
	    .progress = counting_progress, .period_ns = 1000000, .phase = &phase, .capacity = 64};
	struct lr_err err;
	uint64_t span;

	atomic_store(&calls, 0);
	assert_int_equal(lr_sampler_start(&s, &err), LR_OK);
	sleep_ms(200);
	atomic_store(&phase, LR_PHASE_PRESSURE);
	sleep_ms(200);
	lr_sampler_stop(&s);

	assert_false(s.oom);
	assert_int_equal(s.n, atomic_load(&calls)); /* grew past 64 samples */
	span = s.samples[s.n - 1].t_ns - s.samples[0].t_ns;
	assert_true(span >= 380000000ull);
	/* samples + skipped periods cover the span at the set rate */
	assert_true(s.n + s.overruns >= span / 1000000 - 2);
	assert_true(s.n >= 100);
	assert_true(s.n <= span / 1000000 + 2);
	for (size_t i = 1; i < s.n; i++) {
		assert_true(s.samples[i].t_ns > s.samples[i - 1].t_ns);
		assert_true(s.samples[i].progress >= s.samples[i - 1].progress);
	}
	assert_int_equal(s.samples[0].phase, LR_PHASE_BASELINE);
	assert_int_equal(s.samples[s.n - 1].phase, LR_PHASE_PRESSURE);
	/* lateness is recorded for every periodic wake-up */
	assert_int_equal(s.late.count, s.n - 1);
	/* its own CPU time is measured, and it sleeps most of the time */
	assert_true(s.cpu_ns > 0);
	assert_true(s.cpu_ns < s.wall_ns / 2);
	lr_sampler_fini(&s);
	assert_null(s.samples);
}

/* Stop right after start: at least the first sample, a clean join. */
static void test_immediate_stop(void **state)
{
	_Atomic unsigned phase = LR_PHASE_WARMUP;
	struct lr_sampler s = {
	    .progress = counting_progress, .period_ns = 1000000, .phase = &phase};
	struct lr_err err;

	assert_int_equal(lr_sampler_start(&s, &err), LR_OK);
	lr_sampler_stop(&s);
	assert_true(s.n >= 1);
	lr_sampler_stop(&s); /* idempotent */
	lr_sampler_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_and_order),
	    cmocka_unit_test(test_immediate_stop),
	};

	return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
