/* SPDX-License-Identifier: MIT */
/*
 * Test-only backend for the harness tests (never in lr_backends[]). The job's
 * progress is a pure function of CLOCK_MONOTONIC time, so tests do not depend
 * on CPU speed: progress = rate * (time since start - time frozen). Each
 * pressure touch freezes progress for touch_freeze_ms, like a device that
 * preempts the job while it makes room. The "buffer" is a small array the
 * job fills with a known pattern; job_corrupt flips an element so that
 * job_verify must find it.
 */
#ifndef FAKE_BACKEND_H
#define FAKE_BACKEND_H

#include <signal.h>
#include <stdbool.h>

#include "backend.h"

struct fake_config {
	int open_rc; /* LR_OK, LR_SKIP or LR_ERR */
	int job_start_rc;
	int alloc_rc;
	double rate;		/* progress units per second */
	double touch_freeze_ms; /* progress frozen during each touch */
	bool verify_as_error;	/* report a mismatch as LR_ERR (like some backends) */
	uint64_t global_mem_bytes;
	volatile sig_atomic_t *stop_after_start; /* set to SIGTERM when a job starts */
	uint64_t progress_step; /* progress moves in steps of this (reported); 0 = smooth */
	int evict_rc;		/* fake_backend_configs' eviction trigger: LR_OK, LR_SKIP, LR_ERR */
	double evict_block_ms;	/* each eviction trigger write blocks this long */
	unsigned frozen_queue;	/* fake_backend_configs, [job] queues > 1: queue N-1 stops
				 * 100 ms after the job started (0: none) while the sum
				 * moves on */

	/* counters the tests read */
	unsigned opens, closes, jobs, stops, verifies, allocs, touches, frees;
	unsigned evicts, evict_probes; /* eviction trigger writes (each freezes progress
					* touch_freeze_ms and counts as one preemption) */
	/* fake_backend_configs: "a b a b": every set_config, in order */
	char config_log[256];
	unsigned set_config_while_busy;	  /* set_config with a job or buffer alive */
	struct lr_job_params last_params; /* of the last job_start */
};

extern struct fake_config fake_cfg;
extern const struct lr_backend_ops fake_backend;
/* The same with configurations "a" and "b", kernel_metrics (preemptions =
 * pressure touches and eviction-trigger writes since the last reset, every
 * sample; see fake_backend.c), an eviction trigger (evict_rc) and
 * LR_CAP_QUEUES | LR_CAP_MIXED. */
extern const struct lr_backend_ops fake_backend_configs;

void fake_reset(void);

#endif /* FAKE_BACKEND_H */
