/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_backend.h"

struct fake_config fake_cfg;

#define FAKE_ELEMS 64

struct lr_dev {
	int dummy;
};

struct lr_job {
	pthread_mutex_t lock;
	uint64_t t_start, freeze_start, frozen_ns, last;
	bool stopped;
	uint32_t buf[FAKE_ELEMS];
};

struct lr_pbuf {
	uint64_t bytes;
};

/* the job the pressure touches freeze */
static struct lr_job *current_job;
/* pressure touches at the last kernel_metrics reset */
static unsigned km_touches;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fake_reset(void)
{
	memset(&fake_cfg, 0, sizeof(fake_cfg));
	km_touches = 0;
	fake_cfg.rate = 1e6;
	fake_cfg.global_mem_bytes = 1ull << 30;
}

static int fake_list(FILE *out, struct lr_err *err)
{
	fprintf(out, "0  fake device\n");
	return LR_OK;
}

static int fake_open(const char *sel, struct lr_dev **out, struct lr_err *err)
{
	static struct lr_dev dev;

	fake_cfg.opens++;
	if (fake_cfg.open_rc)
		return lr_fail(err, fake_cfg.open_rc, "fake: open refused (%s)",
			       fake_cfg.open_rc == LR_SKIP ? "no fake device" : "broken");
	*out = &dev;
	return LR_OK;
}

static void fake_close(struct lr_dev *dev)
{
	fake_cfg.closes++;
}

static int fake_info(struct lr_dev *dev, struct lr_device_info *info, struct lr_err *err)
{
	memset(info, 0, sizeof(*info));
	/* odd characters on purpose: the result writer must escape them */
	snprintf(info->name, sizeof(info->name), "fake \"device\"\t\\ \xc2\xb5");
	snprintf(info->vendor, sizeof(info->vendor), "lrbench tests");
	snprintf(info->version, sizeof(info->version), "1.0");
	info->global_mem_bytes = fake_cfg.global_mem_bytes;
	info->max_alloc_bytes = fake_cfg.global_mem_bytes / 4;
	info->compute_units = 2;
	return LR_OK;
}

static uint32_t expected(unsigned i)
{
	return 0x9e3779b9u * (i + 1);
}

static int fake_job_start(struct lr_dev *dev, const struct lr_job_params *p, struct lr_job **out,
			  struct lr_job_info *info, struct lr_err *err)
{
	struct lr_job *j;

	fake_cfg.jobs++;
	fake_cfg.last_params = *p;
	if (fake_cfg.job_start_rc)
		return lr_fail(err, fake_cfg.job_start_rc, "fake: job_start refused");
	j = calloc(1, sizeof(*j));
	if (!j)
		return lr_fail(err, LR_ERR, "fake: out of memory");
	pthread_mutex_init(&j->lock, NULL);
	j->t_start = now_ns();
	for (unsigned i = 0; i < FAKE_ELEMS; i++)
		j->buf[i] = expected(i);
	info->unit = "items";
	info->unit_bytes = 4;
	info->work_groups = 2;
	info->work_group_size = 1;
	info->progress_step = fake_cfg.progress_step;
	current_job = j;
	if (fake_cfg.stop_after_start)
		*fake_cfg.stop_after_start = SIGTERM;
	*out = j;
	return LR_OK;
}

static uint64_t fake_progress(struct lr_job *j)
{
	uint64_t now = now_ns(), eff, p;

	pthread_mutex_lock(&j->lock);
	eff = (j->freeze_start ? j->freeze_start : now) - j->t_start - j->frozen_ns;
	p = (uint64_t)((double)eff / 1e9 * fake_cfg.rate);
	if (fake_cfg.progress_step)
		p -= p % fake_cfg.progress_step;
	if (p < j->last || j->stopped)
		p = j->last;
	j->last = p;
	pthread_mutex_unlock(&j->lock);
	return p;
}

static int fake_job_stop(struct lr_job *j, struct lr_err *err)
{
	fake_progress(j);
	pthread_mutex_lock(&j->lock);
	j->stopped = true;
	pthread_mutex_unlock(&j->lock);
	fake_cfg.stops++;
	return LR_OK;
}

static int fake_verify(struct lr_job *j, struct lr_verify_result *res, struct lr_err *err)
{
	fake_cfg.verifies++;
	memset(res, 0, sizeof(*res));
	res->passes = j->last;
	for (unsigned i = 0; i < FAKE_ELEMS; i++) {
		res->elements_checked++;
		if (j->buf[i] == expected(i))
			continue;
		if (!res->mismatches++) {
			res->first_bad_offset = i * 4ull;
			res->expected = expected(i);
			res->got = j->buf[i];
		}
	}
	if (res->mismatches && fake_cfg.verify_as_error)
		return lr_fail(err, LR_ERR, "fake: %llu mismatches, first at byte %llu",
			       (unsigned long long)res->mismatches,
			       (unsigned long long)res->first_bad_offset);
	return LR_OK;
}

static int fake_corrupt(struct lr_job *j, uint64_t off, struct lr_err *err)
{
	if (off / 4 >= FAKE_ELEMS)
		return lr_fail(err, LR_ERR, "fake: corrupt: offset %llu beyond %u bytes",
			       (unsigned long long)off, FAKE_ELEMS * 4);
	j->buf[off / 4] ^= 0x1;
	return LR_OK;
}

static void fake_job_destroy(struct lr_job *j)
{
	if (current_job == j)
		current_job = NULL;
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static int fake_alloc(struct lr_dev *dev, uint64_t bytes, struct lr_pbuf **out, struct lr_err *err)
{
	if (fake_cfg.alloc_rc)
		return lr_fail(err, fake_cfg.alloc_rc, "fake: alloc of %llu bytes refused",
			       (unsigned long long)bytes);
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return lr_fail(err, LR_ERR, "fake: out of memory");
	(*out)->bytes = bytes;
	fake_cfg.allocs++;
	return LR_OK;
}

/* Freeze @j for touch_freeze_ms, like a preemption: no progress meanwhile. */
static void fake_freeze(struct lr_job *j)
{
	uint64_t t0, ns = (uint64_t)(fake_cfg.touch_freeze_ms * 1e6);
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};

	if (!ns || !j)
		return;
	fake_progress(j);
	pthread_mutex_lock(&j->lock);
	t0 = now_ns();
	j->freeze_start = t0;
	pthread_mutex_unlock(&j->lock);
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&j->lock);
	j->frozen_ns += now_ns() - t0;
	j->freeze_start = 0;
	pthread_mutex_unlock(&j->lock);
}

static int fake_touch(struct lr_pbuf *b, uint32_t pattern, struct lr_err *err)
{
	fake_cfg.touches++;
	fake_freeze(current_job);
	return LR_OK;
}

static void fake_free(struct lr_pbuf *b)
{
	fake_cfg.frees++;
	free(b);
}

const struct lr_backend_ops fake_backend = {
    .name = "fake",
    .help = "test-only backend",
    .list_devices = fake_list,
    .open = fake_open,
    .close = fake_close,
    .device_info = fake_info,
    .job_start = fake_job_start,
    .job_progress = fake_progress,
    .job_stop = fake_job_stop,
    .job_verify = fake_verify,
    .job_corrupt = fake_corrupt,
    .job_destroy = fake_job_destroy,
    .pressure_alloc = fake_alloc,
    .pressure_touch = fake_touch,
    .pressure_free = fake_free,
};

static const char *const fake_configs[] = {"a", "b", NULL};

static int fake_set_config(struct lr_dev *d, const char *name, struct lr_err *err)
{
	size_t n = strlen(fake_cfg.config_log);

	if (fake_cfg.jobs != fake_cfg.stops || fake_cfg.allocs != fake_cfg.frees)
		fake_cfg.set_config_while_busy++;
	snprintf(fake_cfg.config_log + n, sizeof(fake_cfg.config_log) - n, "%s%s", n ? " " : "",
		 name);
	return LR_OK;
}

/*
 * Per pressure touch since the last reset: one preemption of 1 ms, one
 * restore of 2 ms that brought back 1 MiB (and one of 0 bytes, which
 * restore_bound_ratio must leave out), one restore-worker run of 3 ms, 1 MiB
 * copied in 1 ms (1 MiB/ms raw bandwidth: ratio 2) and one lost sample; with
 * normal jobs in the job parameters, one normal job of 4 ms (5 ms as its
 * submitter sees it) and 7 throttled LR jobs per repetition.
 */
static int fake_kernel_metrics(struct lr_dev *d, int reset, struct lr_kmetrics *out,
			       struct lr_err *err)
{
	uint64_t n = fake_cfg.touches + fake_cfg.evicts - km_touches;
	bool normal = fake_cfg.last_params.mixed.normal_interval_ms > 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->preemptions = n;
	out->restores = 2 * n;
	out->preempt_lat_p50_ns = 1e6;
	out->restore_lat_p50_ns = 2e6;
	out->have_samples = true;
	out->copy_bytes = n << 20;
	out->copy_busy_ns = n * 1000000;
	out->copy_peak_bps = n ? 1048576e3 : 0; /* its fastest window: 1 MiB per ms */
	out->restore_worker_runs = n;
	out->samples_lost = n;
	for (uint64_t i = 0; i < n; i++) {
		rc |= lr_samples_push(&out->preempt_lat_ns, 1000000);
		rc |= lr_samples_push(&out->restore_lat_ns, 2000000);
		rc |= lr_samples_push(&out->restore_bytes, 1 << 20);
		rc |= lr_samples_push(&out->restore_lat_ns, 1000);
		rc |= lr_samples_push(&out->restore_bytes, 0);
		rc |= lr_samples_push(&out->worker_lat_ns, 3000000);
		if (normal) {
			rc |= lr_samples_push(&out->normal_lat_ns, 4000000);
			rc |= lr_samples_push(&out->normal_user_lat_ns, 5000000);
		}
	}
	if (normal) {
		out->normal_jobs = n;
		out->throttled_jobs = 7;
	}
	if (rc) {
		lr_kmetrics_free(out);
		return lr_fail(err, LR_ERR, "fake: out of memory");
	}
	out->job_queues = true;
	out->dev_preemptions = 3 * n; /* the job's and two other queues */
	out->dev_restores = 6 * n;
	if (reset)
		km_touches = fake_cfg.touches + fake_cfg.evicts;
	return LR_OK;
}

/* Each write freezes the job like a preemption (touch_freeze_ms). */
static int fake_evict_all(struct lr_dev *d, int probe, struct lr_err *err)
{
	if (probe)
		fake_cfg.evict_probes++;
	if (fake_cfg.evict_rc)
		return lr_fail(err, fake_cfg.evict_rc, "fake: no eviction trigger here");
	if (probe)
		return LR_OK;
	fake_cfg.evicts++;
	if (fake_cfg.touch_freeze_ms > 0)
		fake_freeze(current_job);
	if (fake_cfg.evict_block_ms > 0) {
		struct timespec ts = {(time_t)(fake_cfg.evict_block_ms / 1e3),
				      (long)(fmod(fake_cfg.evict_block_ms, 1e3) * 1e6)};

		nanosleep(&ts, NULL);
	}
	return LR_OK;
}

/* The job's progress split evenly over its queues; frozen_queue stops
 * 100 ms into the job. */
static unsigned fake_queue_progress(struct lr_job *j, uint64_t *out, unsigned max)
{
	unsigned nq = fake_cfg.last_params.queues > 1 ? fake_cfg.last_params.queues : 1;
	uint64_t p = fake_progress(j), cap = (uint64_t)(fake_cfg.rate * 0.1) / nq;

	for (unsigned q = 0; q < nq && q < max; q++)
		out[q] = fake_cfg.frozen_queue == q + 1 && p / nq > cap ? cap : p / nq;
	return nq;
}

const struct lr_backend_ops fake_backend_configs = {
    .name = "fake",
    .help = "test-only backend with configurations",
    .list_devices = fake_list,
    .open = fake_open,
    .close = fake_close,
    .device_info = fake_info,
    .job_start = fake_job_start,
    .job_progress = fake_progress,
    .job_stop = fake_job_stop,
    .job_verify = fake_verify,
    .job_corrupt = fake_corrupt,
    .job_destroy = fake_job_destroy,
    .pressure_alloc = fake_alloc,
    .pressure_touch = fake_touch,
    .pressure_free = fake_free,
    .configs = fake_configs,
    .set_config = fake_set_config,
    .kernel_metrics = fake_kernel_metrics,
    .caps = LR_CAP_QUEUES | LR_CAP_MIXED,
    .evict_all = fake_evict_all,
    .job_queue_progress = fake_queue_progress,
};
