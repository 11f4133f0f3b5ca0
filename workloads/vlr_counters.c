/* SPDX-License-Identifier: MIT */
/*
 * vlr backend, kernel counters (uAPI v2): GET_STATS with RESET, drained by
 * a thread every DRAIN_PERIOD_NS into the backend-neutral struct
 * lr_kmetrics; the job's own queues are read per queue, everything else
 * device-wide. kernel_metrics hands the accumulated lists over.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "vlr_priv.h"

/* kernel counters drained during a repetition (GET_STATS with RESET) */
#define DRAIN_PERIOD_NS 20000000ull

void vlr_counters_init(struct lr_dev *d)
{
	pthread_mutex_init(&d->acc.lock, NULL);
	atomic_init(&d->acc.stop, false);
}

/* Stop the drain thread (if it runs) and drop what it accumulated. */
void vlr_counters_fini(struct lr_dev *d)
{
	if (d->acc.running) {
		atomic_store(&d->acc.stop, true);
		pthread_join(d->acc.thread, NULL);
	}
	lr_kmetrics_free(&d->acc.km);
	pthread_mutex_destroy(&d->acc.lock);
}

/* Push the valid ring entries; events beyond them were overwritten (lost). */
static int take_ring(struct lr_samples *dst, const __u64 *ring, uint32_t valid, uint64_t events,
		     uint64_t *lost)
{
	if (valid > DRM_VLR_STATS_SAMPLES)
		valid = DRM_VLR_STATS_SAMPLES;
	for (uint32_t i = 0; i < valid; i++)
		if (lr_samples_push(dst, ring[i]))
			return -ENOMEM;
	if (events > valid)
		*lost += events - valid;
	return 0;
}

/* Add one per-queue read (a job queue's own counters) to @k. */
static int add_queue_stats(struct lr_kmetrics *k, const struct drm_vlr_stats *s)
{
	uint32_t nr;
	int ret;

	k->preemptions += s->preemptions;
	k->restores += s->restores;
	ret = take_ring(&k->preempt_lat_ns, s->preempt_lat_ns, s->preempt_samples, s->preemptions,
			&k->samples_lost);
	if (!ret)
		ret = take_ring(&k->restore_lat_ns, s->restore_lat_ns, s->restore_samples,
				s->restores, &k->samples_lost);
	nr =
	    s->restore_samples < DRM_VLR_STATS_SAMPLES ? s->restore_samples : DRM_VLR_STATS_SAMPLES;
	for (uint32_t i = 0; !ret && i < nr; i++)
		if (lr_samples_push(&k->restore_bytes, s->restore_bytes[i]))
			ret = -ENOMEM;
	return ret;
}

/*
 * Read and reset the counters (acc.lock held) and add them to the
 * accumulator: the job's preemptions and restores with their latency
 * samples from its own queues (per-queue GET_STATS), everything else
 * (evictions, bytes, copy engine, restore worker, normal jobs, and the
 * device-wide preemption and restore counts of every queue, load generators
 * included) from the device. The kernel keeps 64 samples per kind; read
 * every DRAIN_PERIOD_NS, so only bursts of more than 64 events in 20 ms are
 * lost (counted in samples_lost).
 */
static int drain_locked(struct lr_dev *d)
{
	struct drm_vlr_stats st;
	const struct drm_vlr_stats *s = &st;
	struct lr_kmetrics *k = &d->acc.km;
	int ret = __vlr_get_stats(d->fd, 0, DRM_VLR_STATS_RESET, &st);

	if (ret)
		return ret;
	k->reads++;
	k->job_queues = true;
	k->dev_preemptions += s->preemptions;
	k->dev_restores += s->restores;
	k->evictions += s->evictions;
	k->bytes_to_vram += s->bytes_to_vram;
	k->bytes_to_system += s->bytes_to_system;
	k->copy_bytes += s->copy_bytes;
	k->copy_busy_ns += s->copy_busy_ns;
	if (s->copy_bytes >= LR_COPY_WINDOW_MIN && s->copy_busy_ns) {
		double bps = (double)s->copy_bytes * 1e9 / (double)s->copy_busy_ns;

		if (bps > k->copy_peak_bps)
			k->copy_peak_bps = bps;
	}
	k->copy_jobs += s->copy_jobs;
	k->restore_worker_ns += s->restore_worker_ns;
	k->restore_worker_runs += s->restore_worker_runs;
	k->normal_jobs += s->normal_jobs;
	ret = take_ring(&k->worker_lat_ns, s->restore_worker_lat_ns, s->worker_samples,
			s->restore_worker_runs, &k->samples_lost);
	if (!ret)
		ret = take_ring(&k->normal_lat_ns, s->normal_lat_ns, s->normal_samples,
				s->normal_jobs, &k->samples_lost);
	for (unsigned i = 0; !ret && i < d->acc.njobq; i++) {
		struct drm_vlr_stats qs;

		ret = __vlr_get_stats(d->fd, d->acc.jobq[i], DRM_VLR_STATS_RESET, &qs);
		if (!ret)
			ret = add_queue_stats(k, &qs);
	}
	return ret;
}

int vlr_jobq_register(struct lr_dev *d, uint32_t q)
{
	int ret = 0;

	pthread_mutex_lock(&d->acc.lock);
	if (q && d->acc.njobq < MAX_JOB_QUEUES) {
		d->acc.jobq[d->acc.njobq++] = q;
	} else if (!q) {
		ret = drain_locked(d);
		if (ret && !d->acc.err)
			d->acc.err = ret;
		d->acc.njobq = 0;
	}
	pthread_mutex_unlock(&d->acc.lock);
	return ret;
}

static void *drain_main(void *arg)
{
	struct lr_dev *d = arg;
	uint64_t next = vlr_now_ns();

	while (!atomic_load(&d->acc.stop)) {
		uint64_t now;
		int ret;

		next += DRAIN_PERIOD_NS;
		now = vlr_now_ns();
		if (next > now) {
			struct timespec ts = {(time_t)((next - now) / 1000000000ull),
					      (long)((next - now) % 1000000000ull)};

			nanosleep(&ts, NULL);
		} else {
			next = now; /* late (busy uniprocessor UML): no burst of reads */
		}
		pthread_mutex_lock(&d->acc.lock);
		ret = drain_locked(d);
		if (ret && !d->acc.err)
			d->acc.err = ret;
		pthread_mutex_unlock(&d->acc.lock);
	}
	return NULL;
}

static int dup_samples(struct lr_samples *dst, const struct lr_samples *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++)
		if (lr_samples_push(dst, src->v[i]))
			return -ENOMEM;
	return 0;
}

int vlr_kernel_metrics(struct lr_dev *d, int reset, struct lr_kmetrics *out, struct lr_err *err)
{
	struct lr_kmetrics *k = &d->acc.km;
	int ret;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->acc.lock);
	ret = drain_locked(d);
	if (!ret && d->acc.err) {
		ret = d->acc.err;
		d->acc.err = 0;
	}
	if (ret) {
		pthread_mutex_unlock(&d->acc.lock);
		return lr_fail(err, LR_ERR, "vlr: GET_STATS: %s", serr(ret));
	}
	if (reset) {
		*out = *k; /* the lists move to the caller */
		memset(k, 0, sizeof(*k));
	} else {
		*out = *k;
		memset(&out->preempt_lat_ns, 0, sizeof(out->preempt_lat_ns));
		memset(&out->restore_lat_ns, 0, sizeof(out->restore_lat_ns));
		memset(&out->restore_bytes, 0, sizeof(out->restore_bytes));
		memset(&out->worker_lat_ns, 0, sizeof(out->worker_lat_ns));
		memset(&out->normal_lat_ns, 0, sizeof(out->normal_lat_ns));
		memset(&out->normal_user_lat_ns, 0, sizeof(out->normal_user_lat_ns));
		memset(&out->normal_late_ns, 0, sizeof(out->normal_late_ns));
		memset(&out->normal_exec_ns, 0, sizeof(out->normal_exec_ns));
		ret = dup_samples(&out->preempt_lat_ns, &k->preempt_lat_ns);
		ret = ret ?: dup_samples(&out->restore_lat_ns, &k->restore_lat_ns);
		ret = ret ?: dup_samples(&out->restore_bytes, &k->restore_bytes);
		ret = ret ?: dup_samples(&out->worker_lat_ns, &k->worker_lat_ns);
		ret = ret ?: dup_samples(&out->normal_lat_ns, &k->normal_lat_ns);
		ret = ret ?: dup_samples(&out->normal_user_lat_ns, &k->normal_user_lat_ns);
		ret = ret ?: dup_samples(&out->normal_late_ns, &k->normal_late_ns);
		ret = ret ?: dup_samples(&out->normal_exec_ns, &k->normal_exec_ns);
	}
	/* drain in the background from now on (until close) */
	if (!ret && !d->acc.running) {
		atomic_store(&d->acc.stop, false);
		ret = start_thread(&d->acc.thread, drain_main, d);
		d->acc.running = !ret;
	}
	pthread_mutex_unlock(&d->acc.lock);
	if (ret) {
		lr_kmetrics_free(out);
		return lr_fail(err, LR_ERR, "vlr: kernel metrics: %s", serr(ret));
	}
	/* every sample is drained: lrbench takes the medians from them, with
	 * the one median definition of bench/stats.c (no second one here) */
	out->have_samples = true;
	out->preempt_lat_p50_ns = NAN;
	out->restore_lat_p50_ns = NAN;
	return LR_OK;
}
