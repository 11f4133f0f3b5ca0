/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sampler.h"

uint64_t lr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void record(struct lr_sampler *s, uint64_t t)
{
	uint64_t p = s->progress(s->job);

	atomic_store_explicit(&s->last_progress, p, memory_order_relaxed);
	if (s->n == s->capacity && !s->oom) {
		/* grow rarely: the initial capacity covers the planned run */
		size_t cap = s->capacity * 2;
		struct lr_sample *b = realloc(s->samples, cap * sizeof(*b));

		if (!b) {
			s->oom = true;
			return;
		}
		s->samples = b;
		if (s->nq) {
			uint64_t *q = realloc(s->qprogress, cap * s->nq * sizeof(*q));

			if (!q) {
				s->oom = true;
				return;
			}
			s->qprogress = q;
		}
		s->capacity = cap;
	}
	if (s->oom)
		return;
	if (s->nq && s->queue_progress(s->job, s->qprogress + s->n * s->nq, s->nq) != s->nq)
		memset(s->qprogress + s->n * s->nq, 0, s->nq * sizeof(uint64_t));
	s->samples[s->n++] = (struct lr_sample){
	    .t_ns = t,
	    .progress = p,
	    .phase = atomic_load_explicit(s->phase, memory_order_relaxed),
	};
}

static void *sampler_main(void *arg)
{
	struct lr_sampler *s = arg;
	uint64_t cpu0 = thread_cpu_ns(), t0 = lr_now_ns(), next = t0, now;
	struct timespec ts;
	struct sched_param sp = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};

	/* The lowest real-time priority where allowed (root, RLIMIT_RTPRIO):
	 * the thread then wakes on time on a busy machine (PoCL on 2 loaded
	 * cores at 250 Hz: 0-1 skipped periods in 4 repetitions instead of
	 * 1-121) at the same CPU cost; it runs microseconds per tick, so it
	 * takes no measurable time from the job. Else it stays a normal thread. */
	s->realtime =
	    sp.sched_priority >= 0 && !pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	record(s, t0);
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		next += s->period_ns;
		ts.tv_sec = (time_t)(next / 1000000000ull);
		ts.tv_nsec = (long)(next % 1000000000ull);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = lr_now_ns();
		record(s, now);
		lr_hist_add(&s->late, now - next);
		if (now - next >= s->period_ns) {
			uint64_t missed = (now - next) / s->period_ns;

			s->overruns += missed;
			next += missed * s->period_ns;
		}
	}
	s->wall_ns = lr_now_ns() - t0;
	s->cpu_ns = thread_cpu_ns() - cpu0;
	return NULL;
}

int lr_sampler_start(struct lr_sampler *s, struct lr_err *err)
{
	sigset_t all, old;
	int rc;

	s->n = 0;
	s->oom = false;
	s->overruns = 0;
	lr_hist_init(&s->late);
	if (!s->capacity)
		s->capacity = 1024;
	s->samples = malloc(s->capacity * sizeof(*s->samples));
	s->qprogress = s->nq ? malloc(s->capacity * s->nq * sizeof(uint64_t)) : NULL;
	if (!s->samples || (s->nq && !s->qprogress)) {
		free(s->samples);
		free(s->qprogress);
		s->samples = NULL;
		s->qprogress = NULL;
		return lr_fail(err, LR_ERR, "sampler: out of memory for %zu samples", s->capacity);
	}
	atomic_store(&s->stop, false);
	/* signals go to the main thread, which turns them into a clean stop */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		free(s->samples);
		free(s->qprogress);
		s->samples = NULL;
		s->qprogress = NULL;
		return lr_fail(err, LR_ERR, "sampler: pthread_create: %s", strerror(rc));
	}
	s->running = true;
	return LR_OK;
}

void lr_sampler_stop(struct lr_sampler *s)
{
	if (!s->running)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	s->running = false;
}

void lr_sampler_fini(struct lr_sampler *s)
{
	lr_sampler_stop(s);
	free(s->samples);
	free(s->qprogress);
	s->samples = NULL;
	s->qprogress = NULL;
	s->n = 0;
}
