/* SPDX-License-Identifier: MIT */
/*
 * Pressure driver patterns against the fake backend: footprint never above
 * `total`, the shape of each pattern, every allocation timed, everything
 * freed, errors propagated with the backend's message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_backend.h"
#include "pressure.h"
#include "sampler.h"

#define MIB (1ull << 20)

struct trace {
	uint64_t start, end;
	unsigned n, drops_to_zero;
	uint64_t t[4096], live[4096];
	bool ramp_violation;
	uint64_t total;
};

static void on_event(void *ctx, uint64_t t_ns, enum lr_pressure_op op, uint64_t bytes,
		     uint64_t live, uint64_t latency_ns)
{
	struct trace *tr = ctx;

	assert_true(live <= tr->total);
	if (op == LR_PRESSURE_FREE && live == 0)
		tr->drops_to_zero++;
	if (op != LR_PRESSURE_ALLOC || tr->n >= 4096)
		return;
	tr->t[tr->n] = t_ns;
	tr->live[tr->n++] = live;
}

static int run_pattern(enum lr_pattern pat, uint64_t chunk, uint64_t total, double interval_ms,
		       double ms, struct lr_pressure *p, struct trace *tr, struct lr_err *err)
{
	static struct lr_dev *dev;
	int rc;

	fake_reset();
	if (!dev)
		assert_int_equal(fake_backend.open(NULL, &dev, err), LR_OK);
	memset(p, 0, sizeof(*p));
	memset(tr, 0, sizeof(*tr));
	p->ops = &fake_backend;
	p->dev = dev;
	p->pattern = pat;
	p->chunk_bytes = chunk;
	p->total_bytes = total;
	p->interval_ms = interval_ms;
	p->hold_ms = 30;
	p->gap_ms = 30;
	p->event = on_event;
	p->ctx = tr;
	tr->total = total;
	lr_pressure_init(p);
	tr->start = lr_now_ns();
	tr->end = tr->start + (uint64_t)(ms * 1e6);
	rc = lr_pressure_run(p, tr->start, tr->end, err);
	return rc;
}

/* steady: fills to `total`, then churns oldest-first at constant footprint. */
static void test_steady(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err;

	assert_int_equal(run_pattern(LR_PATTERN_STEADY, MIB, 4 * MIB, 5, 200, &p, &tr, &err),
			 LR_OK);
	assert_true(p.allocs >= 6); /* fills 4, then keeps replacing */
	assert_int_equal(p.peak_live_bytes, 4 * MIB);
	assert_int_equal(p.alloc_hist.count, p.allocs);
	assert_int_equal(p.bytes_allocated, p.allocs * MIB);
	assert_int_equal(p.allocs - p.frees, 4); /* still live until released */
	for (unsigned i = 4; i < tr.n; i++)
		assert_int_equal(tr.live[i], 4 * MIB);
	lr_pressure_fini(&p);
	assert_int_equal(p.live_bytes, 0);
	assert_int_equal(fake_cfg.allocs, fake_cfg.frees);
	assert_int_equal(fake_cfg.touches, fake_cfg.allocs);
}

/* burst: fill to total back to back, hold, free everything, pause. */
static void test_burst(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err;

	assert_int_equal(run_pattern(LR_PATTERN_BURST, MIB, 3 * MIB, 0, 250, &p, &tr, &err), LR_OK);
	assert_true(tr.drops_to_zero >= 2); /* at least two full bursts freed */
	assert_int_equal(p.peak_live_bytes, 3 * MIB);
	/* inside a burst the footprint climbs 1, 2, 3 MiB */
	assert_int_equal(tr.live[0], MIB);
	assert_int_equal(tr.live[1], 2 * MIB);
	assert_int_equal(tr.live[2], 3 * MIB);
	assert_int_equal(tr.live[3], MIB);
	lr_pressure_fini(&p);
	assert_int_equal(fake_cfg.allocs, fake_cfg.frees);
}

/* ramp: the footprint follows total * elapsed / duration, never above it. */
static void test_ramp(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err;

	assert_int_equal(run_pattern(LR_PATTERN_RAMP, MIB, 8 * MIB, 1, 400, &p, &tr, &err), LR_OK);
	for (unsigned i = 0; i < tr.n; i++) {
		double f = (double)(tr.t[i] - tr.start) / (double)(tr.end - tr.start);

		/* allowed at the time of the decision, which precedes t[i] */
		assert_true((double)tr.live[i] <= f * 8 * MIB + 1);
		if (i)
			assert_true(tr.live[i] > tr.live[i - 1]);
	}
	assert_true(p.peak_live_bytes >= 6 * MIB);
	assert_int_equal(p.frees, 0);
	lr_pressure_fini(&p);
	assert_int_equal(fake_cfg.allocs, fake_cfg.frees);
}

/* none: the phase passes without touching the device. */
static void test_none(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err;
	uint64_t t0 = lr_now_ns();

	assert_int_equal(run_pattern(LR_PATTERN_NONE, MIB, 4 * MIB, 5, 50, &p, &tr, &err), LR_OK);
	assert_true(lr_now_ns() - t0 >= 50000000ull);
	assert_int_equal(fake_cfg.allocs, 0);
	lr_pressure_fini(&p);
}

/* A backend error stops the pattern with the backend's message. */
static void test_alloc_error(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err = {{0}};
	static struct lr_dev *dev;

	assert_int_equal(fake_backend.open(NULL, &dev, &err), LR_OK);
	fake_reset();
	fake_cfg.alloc_rc = LR_ERR;
	memset(&p, 0, sizeof(p));
	p.ops = &fake_backend;
	p.dev = dev;
	p.pattern = LR_PATTERN_STEADY;
	p.chunk_bytes = MIB;
	p.total_bytes = 2 * MIB;
	lr_pressure_init(&p);
	assert_int_equal(lr_pressure_run(&p, lr_now_ns(), lr_now_ns() + 100000000ull, &err),
			 LR_ERR);
	assert_non_null(strstr(err.msg, "fake: alloc of 1048576 bytes refused"));
	lr_pressure_fini(&p);
	(void)tr;
}

/* A chunk that cannot fit the total is refused up front. */
static void test_bad_sizes(void **state)
{
	struct lr_pressure p;
	static struct trace tr;
	struct lr_err err = {{0}};

	assert_int_equal(run_pattern(LR_PATTERN_STEADY, 4 * MIB, 2 * MIB, 5, 50, &p, &tr, &err),
			 LR_ERR);
	assert_non_null(strstr(err.msg, "does not fit"));
	assert_int_equal(fake_cfg.allocs, 0);
	lr_pressure_fini(&p);
}

static bool stop_now(void *ctx)
{
	return true;
}

/* A cancel request ends the pattern promptly. */
static void test_stop(void **state)
{
	struct lr_pressure p = {0};
	struct lr_err err;
	static struct lr_dev *dev;
	uint64_t t0;

	fake_reset();
	assert_int_equal(fake_backend.open(NULL, &dev, &err), LR_OK);
	p.ops = &fake_backend;
	p.dev = dev;
	p.pattern = LR_PATTERN_BURST;
	p.chunk_bytes = MIB;
	p.total_bytes = 2 * MIB;
	p.should_stop = stop_now;
	lr_pressure_init(&p);
	t0 = lr_now_ns();
	assert_int_equal(lr_pressure_run(&p, t0, t0 + 10000000000ull, &err), LR_OK);
	assert_true(lr_now_ns() - t0 < 1000000000ull);
	lr_pressure_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steady),	cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_ramp),	cmocka_unit_test(test_none),
	    cmocka_unit_test(test_alloc_error), cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests_name("pressure", tests, NULL, NULL);
}
