/* SPDX-License-Identifier: MIT */
/*
 * Sampler thread: reads the job's progress counter at a fixed rate. Wake-ups
 * are absolute CLOCK_MONOTONIC deadlines (clock_nanosleep TIMER_ABSTIME), so
 * the rate does not drift; a sample is timestamped when it is read. When the
 * thread falls more than a period behind, it skips the missed ticks (counted
 * as overruns) instead of catching up in a burst. The thread's own CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is measured so its cost can be reported. It asks
 * for the lowest SCHED_FIFO priority and runs as a normal thread when refused.
 */
#ifndef LR_SAMPLER_H
#define LR_SAMPLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "backend.h"
#include "hist.h"
#include "metrics.h"

struct lr_sampler {
	/* in */
	uint64_t (*progress)(struct lr_job *job);
	struct lr_job *job;
	uint64_t period_ns;
	const _Atomic unsigned *phase; /* current phase, set by the main thread */
	size_t capacity;	       /* initial sample capacity; grows when full */
	/* optional: per-queue progress (a job of several queues), nq values a sample */
	unsigned (*queue_progress)(struct lr_job *job, uint64_t *out, unsigned max);
	unsigned nq;

	/* out (valid after lr_sampler_stop) */
	struct lr_sample *samples;
	uint64_t *qprogress; /* with queue_progress: nq values per sample */
	size_t n;
	uint64_t cpu_ns, wall_ns;
	uint64_t overruns;   /* periods skipped */
	struct lr_hist late; /* wake-up lateness, ns */
	bool oom;	     /* samples dropped: out of memory */
	bool realtime;	     /* the thread ran SCHED_FIFO (else: a normal thread) */

	/* live, for the progress display */
	_Atomic uint64_t last_progress;

	/* private */
	pthread_t thread;
	atomic_bool stop;
	bool running;
};

/* Starts the thread; LR_ERR with a message on failure. */
int lr_sampler_start(struct lr_sampler *s, struct lr_err *err);
/* Stops and joins the thread. */
void lr_sampler_stop(struct lr_sampler *s);
/* Frees the samples. */
void lr_sampler_fini(struct lr_sampler *s);

uint64_t lr_now_ns(void);

#endif /* LR_SAMPLER_H */
