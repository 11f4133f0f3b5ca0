/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pressure.h"
#include "sampler.h"

void lr_pressure_init(struct lr_pressure *p)
{
	lr_hist_init(&p->alloc_hist);
	p->allocs = p->frees = p->bytes_allocated = p->peak_live_bytes = p->live_bytes = 0;
	p->live = NULL;
	p->head = p->nlive = p->cap = 0;
	p->touch_pattern = 1;
}

bool lr_sleep_until(uint64_t until_ns, bool (*should_stop)(void *), void (*tick)(void *), void *ctx)
{
	for (;;) {
		uint64_t now = lr_now_ns(), slice;
		struct timespec ts;

		if (should_stop && should_stop(ctx))
			return false;
		if (tick)
			tick(ctx);
		if (now >= until_ns)
			return true;
		slice = until_ns - now;
		if (slice > 50000000ull)
			slice = 50000000ull;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice;
		/* EINTR (a signal) just loops to check should_stop */
		nanosleep(&ts, NULL);
	}
}

static bool stopped(struct lr_pressure *p)
{
	return p->should_stop && p->should_stop(p->ctx);
}

static void free_oldest(struct lr_pressure *p)
{
	struct lr_pbuf *b = p->live[p->head];

	p->ops->pressure_free(b);
	p->live[p->head] = NULL;
	p->head = (p->head + 1) % p->cap;
	p->nlive--;
	p->live_bytes -= p->chunk_bytes;
	p->frees++;
	if (p->event)
		p->event(p->ctx, lr_now_ns(), LR_PRESSURE_FREE, p->chunk_bytes, p->live_bytes, 0);
}

static int push(struct lr_pressure *p, struct lr_pbuf *b, struct lr_err *err)
{
	if (p->nlive == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct lr_pbuf **n = calloc(cap, sizeof(*n));

		if (!n)
			return lr_fail(err, LR_ERR, "pressure: out of memory");
		for (size_t i = 0; i < p->nlive; i++)
			n[i] = p->live[(p->head + i) % p->cap];
		free(p->live);
		p->live = n;
		p->head = 0;
		p->cap = cap;
	}
	p->live[(p->head + p->nlive) % p->cap] = b;
	p->nlive++;
	return LR_OK;
}

static int alloc_one(struct lr_pressure *p, struct lr_err *err)
{
	struct lr_pbuf *b = NULL;
	uint64_t t0 = lr_now_ns(), dt;
	int rc;

	rc = p->ops->pressure_alloc(p->dev, p->chunk_bytes, &b, err);
	if (rc)
		return rc;
	rc = p->ops->pressure_touch(b, p->touch_pattern++, err);
	dt = lr_now_ns() - t0;
	if (rc) {
		p->ops->pressure_free(b);
		return rc;
	}
	rc = push(p, b, err);
	if (rc) {
		p->ops->pressure_free(b);
		return rc;
	}
	lr_hist_add(&p->alloc_hist, dt);
	p->allocs++;
	p->bytes_allocated += p->chunk_bytes;
	p->live_bytes += p->chunk_bytes;
	if (p->live_bytes > p->peak_live_bytes)
		p->peak_live_bytes = p->live_bytes;
	if (p->event)
		p->event(p->ctx, t0 + dt, LR_PRESSURE_ALLOC, p->chunk_bytes, p->live_bytes, dt);
	return LR_OK;
}

static uint64_t ms_ns(double ms)
{
	return (uint64_t)(ms * 1e6);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int lr_pressure_run(struct lr_pressure *p, uint64_t start_ns, uint64_t end_ns, struct lr_err *err)
{
	int rc;

	if (p->pattern != LR_PATTERN_NONE && (!p->chunk_bytes || p->chunk_bytes > p->total_bytes))
		return lr_fail(
		    err, LR_ERR, "pressure: chunk of %llu bytes does not fit a total of %llu bytes",
		    (unsigned long long)p->chunk_bytes, (unsigned long long)p->total_bytes);
	while (!stopped(p) && lr_now_ns() < end_ns) {
		if (p->tick)
			p->tick(p->ctx);
		switch (p->pattern) {
		case LR_PATTERN_NONE:
			lr_sleep_until(end_ns, p->should_stop, p->tick, p->ctx);
			break;
		case LR_PATTERN_STEADY:
			while (p->nlive && p->live_bytes + p->chunk_bytes > p->total_bytes)
				free_oldest(p);
			rc = alloc_one(p, err);
			if (rc)
				return rc;
			lr_sleep_until(min_u64(end_ns, lr_now_ns() + ms_ns(p->interval_ms)),
				       p->should_stop, p->tick, p->ctx);
			break;
		case LR_PATTERN_BURST:
			while (p->live_bytes + p->chunk_bytes <= p->total_bytes && !stopped(p) &&
			       lr_now_ns() < end_ns) {
				rc = alloc_one(p, err);
				if (rc)
					return rc;
			}
			lr_sleep_until(min_u64(end_ns, lr_now_ns() + ms_ns(p->hold_ms)),
				       p->should_stop, p->tick, p->ctx);
			while (p->nlive)
				free_oldest(p);
			lr_sleep_until(min_u64(end_ns, lr_now_ns() + ms_ns(p->gap_ms)),
				       p->should_stop, p->tick, p->ctx);
			break;
		case LR_PATTERN_RAMP: {
			uint64_t now = lr_now_ns();
			double f = end_ns > start_ns
				       ? (double)(now - start_ns) / (double)(end_ns - start_ns)
				       : 1.0;
			double target = f * (double)p->total_bytes;

			if ((double)(p->live_bytes + p->chunk_bytes) <= target &&
			    p->live_bytes + p->chunk_bytes <= p->total_bytes) {
				rc = alloc_one(p, err);
				if (rc)
					return rc;
				break;
			}
			lr_sleep_until(
			    min_u64(end_ns, now + ms_ns(p->interval_ms > 1 ? p->interval_ms : 1)),
			    p->should_stop, p->tick, p->ctx);
			break;
		}
		}
	}
	return LR_OK;
}

void lr_pressure_release(struct lr_pressure *p)
{
	while (p->nlive)
		free_oldest(p);
}

void lr_pressure_fini(struct lr_pressure *p)
{
	lr_pressure_release(p);
	free(p->live);
	p->live = NULL;
	p->cap = 0;
}
