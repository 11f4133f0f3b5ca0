/* SPDX-License-Identifier: MIT */
/*
 * Memory-pressure driver: generic over the backend's pressure_alloc /
 * pressure_touch / pressure_free. Runs on the main thread during the
 * pressure phase. Every allocation is timed from before pressure_alloc to
 * after pressure_touch returns (the touch kernel has completed), which is the
 * pressure-side allocation latency. Patterns (sizes resolved in bytes):
 *
 *   steady  keep up to `total` bytes live; each step frees the oldest chunks
 *           until a new one fits, then allocates and touches one chunk, then
 *           pauses interval_ms. Constant churn at constant footprint.
 *   burst   allocate chunks back to back until `total` is live, hold them
 *           hold_ms, free all, idle gap_ms; repeat.
 *   ramp    the live target grows linearly from 0 to `total` over the phase;
 *           a chunk is added whenever live + chunk <= target, else pause
 *           interval_ms (at least 1 ms).
 *   none    no pressure; the phase is a second baseline.
 *
 * Everything still live is freed when the phase ends (not timed).
 */
#ifndef LR_PRESSURE_H
#define LR_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "hist.h"
#include "scenario.h"

enum lr_pressure_op { LR_PRESSURE_ALLOC, LR_PRESSURE_FREE };

struct lr_pressure {
	/* in */
	const struct lr_backend_ops *ops;
	struct lr_dev *dev;
	enum lr_pattern pattern;
	uint64_t chunk_bytes, total_bytes;
	double interval_ms, hold_ms, gap_ms;
	/* true: stop now (cancel). Called often. */
	bool (*should_stop)(void *ctx);
	/* once per call of the main loop (progress display), may be NULL */
	void (*tick)(void *ctx);
	/* every alloc / free, may be NULL */
	void (*event)(void *ctx, uint64_t t_ns, enum lr_pressure_op op, uint64_t bytes,
		      uint64_t live_bytes, uint64_t latency_ns);
	void *ctx;

	/* out */
	struct lr_hist alloc_hist; /* alloc + touch, ns */
	uint64_t allocs, frees, bytes_allocated, peak_live_bytes;
	uint64_t live_bytes;

	/* private: FIFO of live buffers */
	struct lr_pbuf **live;
	size_t head, nlive, cap;
	uint32_t touch_pattern;
};

void lr_pressure_init(struct lr_pressure *p);
/* Run the pattern until CLOCK_MONOTONIC reaches @end_ns (or should_stop).
 * LR_OK, or LR_ERR/LR_SKIP from the backend with the message in @err. */
int lr_pressure_run(struct lr_pressure *p, uint64_t start_ns, uint64_t end_ns, struct lr_err *err);
/* Free every live buffer (also after an error). */
void lr_pressure_release(struct lr_pressure *p);
void lr_pressure_fini(struct lr_pressure *p);

/* Sleep until @until_ns in slices of at most 50 ms, calling tick and
 * stopping early when should_stop says so. Returns false when stopped. */
bool lr_sleep_until(uint64_t until_ns, bool (*should_stop)(void *), void (*tick)(void *),
		    void *ctx);

#endif /* LR_PRESSURE_H */
