/* SPDX-License-Identifier: MIT */
/*
 * vlr backend, mixed load (`[mixed]`, issue 5's head-of-line case):
 * throttled LR queues kept busy by a feeder thread, and open-loop normal
 * jobs on a dma-fence VM, all on the device's shared compute scheduler
 * (DRM_VLR_QUEUE_CREATE_SHARED_SCHED). Started after the job's streams run,
 * stopped before them (vlr.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xf86drm.h>

#include "vlr_priv.h"

#define MIX_CTL_ADDR  0x100000ull
#define MIX_DATA_ADDR 0x1000000ull
#define MIX_POLL_NS   5000000ll /* feeder: wait this long for a completion */

struct throttled {
	uint32_t vm, queue, ctl_bo, bo, stage_bo;
	void *ctl;
	volatile uint64_t *done; /* user fence: sequence number of the last finished job */
	uint64_t submitted, bytes;
};

/* staging (system memory) above the FILL target, for the final check */
static uint64_t mix_stage_addr(uint64_t bytes)
{
	return MIX_DATA_ADDR + ((bytes + (1ull << 24) - 1) & ~((1ull << 24) - 1)) + (1ull << 24);
}

/*
 * After the last job: every u32 of the queue's buffer must hold the value of
 * its last FILL (its sequence number). Read back by a COPY on the queue
 * itself into a system BO; nothing of the buffer may be lost across the
 * evictions and restores it went through.
 */
static int throttled_check(struct lr_dev *d, struct throttled *t, unsigned idx, struct lr_err *err)
{
	uint32_t want = (uint32_t)t->submitted, *p;
	struct drm_vlr_exec e = {
	    .queue_id = t->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = MIX_DATA_ADDR,
	    .dst = mix_stage_addr(t->bytes),
	    .len = t->bytes,
	    .ufence_addr = MIX_CTL_ADDR,
	    .ufence_value = t->submitted + 1,
	};
	int ret = __vlr_exec(d->fd, &e), rc = LR_OK;

	if (!ret)
		ret = wait_ufence(d->fd, t->vm, t->queue, MIX_CTL_ADDR, t->submitted + 1);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: mixed: throttled queue %u: read back: %s", idx,
			       serr(ret));
	p = bo_map(d->fd, t->stage_bo, t->bytes, &ret);
	if (!p)
		return lr_fail(err, LR_ERR, "vlr: mixed: throttled queue %u: mmap staging: %s", idx,
			       serr(ret));
	for (uint64_t i = 0; i < t->bytes / 4; i++)
		if (p[i] != want) {
			rc = lr_fail(err, LR_ERR,
				     "vlr: mixed: throttled queue %u: after %" PRIu64
				     " FILL jobs byte offset %" PRIu64
				     " holds 0x%08x, expected 0x%08x (its last FILL)",
				     idx, t->submitted, i * 4, p[i], want);
			break;
		}
	munmap(p, t->bytes);
	return rc;
}

struct mixed {
	struct lr_dev *dev;
	struct lr_mixed_params p;
	struct throttled *tq;
	unsigned ntq;
	uint32_t nvm, nqueue, nbo, syncobj; /* the dma-fence VM and its queue */
	pthread_t feeder, normal;
	bool feeder_on, normal_on;
	atomic_bool stop;
	pthread_mutex_t lock; /* err */
	bool failed;
	char msg[LR_ERRLEN];
};

__attribute__((format(printf, 2, 3))) static void mixed_fail(struct mixed *m, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&m->lock);
	if (!m->failed) {
		m->failed = true;
		va_start(ap, fmt);
		vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&m->lock);
	atomic_store(&m->stop, true);
}

/* Keep lr_in_flight bounded FILL jobs queued on every throttled LR queue. */
static void *feeder_main(void *arg)
{
	struct mixed *m = arg;
	int fd = m->dev->fd;
	unsigned turn = 0;

	while (!atomic_load(&m->stop)) {
		struct throttled *w;
		uint64_t done;
		int ret;

		for (unsigned i = 0; i < m->ntq; i++) {
			struct throttled *t = &m->tq[i];

			done = __atomic_load_n(t->done, __ATOMIC_ACQUIRE);
			while (t->submitted - done < m->p.lr_in_flight) {
				struct drm_vlr_exec e = {
				    .queue_id = t->queue,
				    .program = DRM_VLR_PROG_FILL,
				    .dst = MIX_DATA_ADDR,
				    .len = t->bytes, /* lr_job_bytes, page-rounded */
				    .value = (uint32_t)(t->submitted + 1),
				    .ufence_addr = MIX_CTL_ADDR,
				    .ufence_value = t->submitted + 1,
				};

				ret = __vlr_exec(fd, &e);
				if (ret == -EBUSY) /* the queue's job limit: wait for one */
					break;
				if (ret) {
					mixed_fail(m,
						   "vlr: mixed: throttled queue %u: EXEC fill: %s",
						   i, serr(ret));
					return NULL;
				}
				t->submitted++;
			}
		}
		/* wait (briefly) for the next completion, one queue per turn */
		w = &m->tq[turn++ % m->ntq];
		done = __atomic_load_n(w->done, __ATOMIC_ACQUIRE);
		ret = wait_ufence_op(fd, w->vm, w->queue, MIX_CTL_ADDR, DRM_VLR_UFENCE_OP_GTE,
				     done + 1, MIX_POLL_NS);
		if (ret && ret != -ETIME) {
			mixed_fail(m, "vlr: mixed: throttled queue: WAIT_UFENCE: %s", serr(ret));
			return NULL;
		}
	}
	return NULL;
}

/*
 * Open-loop normal jobs: one small FILL on the dma-fence VM's queue is due
 * every normal_interval_ms on a fixed schedule, and each is waited for
 * (out_syncobj). Latency is measured from the job's intended submit time
 * (wrk2's correction of coordinated omission): a job the submitter could
 * only send late, because the previous one was stuck behind a throttled LR
 * job, counts that wait too, and the schedule never resets, so the blocked
 * period is sampled as densely as any other.
 */
static void *normal_main(void *arg)
{
	struct mixed *m = arg;
	struct lr_dev *d = m->dev;
	uint64_t period = (uint64_t)(m->p.normal_interval_ms * 1e6), due = vlr_now_ns();
	uint32_t seq = 0;

	while (!atomic_load(&m->stop)) {
		struct drm_vlr_exec e = {
		    .queue_id = m->nqueue,
		    .program = DRM_VLR_PROG_FILL,
		    .out_syncobj = m->syncobj,
		    .dst = MIX_DATA_ADDR,
		    .len = m->p.normal_job_bytes,
		    .value = ++seq,
		};
		uint64_t t0, t_exec, t1;
		int ret;

		while (!atomic_load(&m->stop) && vlr_now_ns() < due) {
			uint64_t left = due - vlr_now_ns();
			struct timespec ts = {0, (long)(left > 10000000 ? 10000000 : left)};

			nanosleep(&ts, NULL);
		}
		if (atomic_load(&m->stop))
			break;
		t0 = vlr_now_ns();
		ret = __vlr_exec(d->fd, &e);
		t_exec = vlr_now_ns();
		if (ret) {
			mixed_fail(m, "vlr: mixed: normal job: EXEC fill: %s", serr(ret));
			return NULL;
		}
		ret = __vlr_syncobj_wait(d->fd, m->syncobj, WAIT_NS);
		t1 = vlr_now_ns();
		if (ret) {
			mixed_fail(m, "vlr: mixed: normal job did not complete within %lld s: %s",
				   WAIT_NS / 1000000000ll, serr(ret));
			return NULL;
		}
		pthread_mutex_lock(&d->acc.lock);
		ret = lr_samples_push(&d->acc.km.normal_user_lat_ns, t1 - due);
		ret = ret ?: lr_samples_push(&d->acc.km.normal_late_ns, t0 > due ? t0 - due : 0);
		ret = ret ?: lr_samples_push(&d->acc.km.normal_exec_ns, t_exec - t0);
		pthread_mutex_unlock(&d->acc.lock);
		if (ret) {
			mixed_fail(m, "vlr: mixed: out of memory");
			return NULL;
		}
		due += period; /* the next arrival, however late this one was */
	}
	return NULL;
}

int vlr_mixed_destroy(struct mixed *m, struct lr_err *err)
{
	struct lr_dev *d;
	uint64_t done = 0;
	int rc = LR_OK;

	if (!m)
		return LR_OK;
	d = m->dev;
	atomic_store(&m->stop, true);
	if (m->feeder_on)
		pthread_join(m->feeder, NULL);
	if (m->normal_on)
		pthread_join(m->normal, NULL);
	if (m->failed)
		rc = lr_fail(err, LR_ERR, "%s", m->msg);
	for (unsigned i = 0; i < m->ntq; i++) {
		struct throttled *t = &m->tq[i];
		uint64_t finished = 0;
		int ret;

		if (t->queue && t->submitted) {
			ret = wait_ufence(d->fd, t->vm, t->queue, MIX_CTL_ADDR, t->submitted);
			finished = *t->done; /* before the check's COPY bumps the fence */
			if (ret && !rc)
				rc = lr_fail(err, LR_ERR,
					     "vlr: mixed: throttled queue %u: %" PRIu64
					     " jobs did not finish within %lld s: %s",
					     i, t->submitted - *t->done, WAIT_NS / 1000000000ll,
					     serr(ret));
			else if (!ret && !rc && err)
				rc = throttled_check(d, t, i, err);
		}
		done += finished;
		queue_destroy(d->fd, t->queue);
		vm_destroy(d->fd, t->vm);
		if (t->ctl)
			munmap(t->ctl, VLR_PAGE);
		bo_close(d->fd, t->ctl_bo);
		bo_close(d->fd, t->bo);
		bo_close(d->fd, t->stage_bo);
	}
	pthread_mutex_lock(&d->acc.lock);
	d->acc.km.throttled_jobs += done;
	pthread_mutex_unlock(&d->acc.lock);
	queue_destroy(d->fd, m->nqueue);
	vm_destroy(d->fd, m->nvm);
	bo_close(d->fd, m->nbo);
	if (m->syncobj)
		drmSyncobjDestroy(d->fd, m->syncobj);
	pthread_mutex_destroy(&m->lock);
	free(m->tq);
	free(m);
	return rc;
}

int vlr_mixed_start(struct lr_dev *d, const struct lr_mixed_params *p, struct mixed **out,
		    struct lr_err *err)
{
	struct mixed *m;
	int fd = d->fd, ret;

	if (p->lr_queues > 64 || (p->lr_queues && (p->lr_in_flight < 2 || p->lr_in_flight > 64)))
		return lr_fail(err, LR_ERR,
			       "vlr: mixed: %u throttled queues with %u jobs in flight: queues "
			       "0..64, jobs in flight 2..64",
			       p->lr_queues, p->lr_in_flight);
	if ((p->lr_queues &&
	     (p->lr_job_bytes % 4 || !p->lr_job_bytes || p->lr_job_bytes >= d->info.vram_size)) ||
	    (p->normal_interval_ms > 0 && (p->normal_job_bytes % 4 || !p->normal_job_bytes ||
					   p->normal_job_bytes >= d->info.vram_size)))
		return lr_fail(err, LR_ERR,
			       "vlr: mixed: job sizes %" PRIu64 " / %" PRIu64
			       " bytes: multiples of 4, smaller than VRAM (%" PRIu64 " bytes)",
			       p->lr_job_bytes, p->normal_job_bytes, (uint64_t)d->info.vram_size);
	m = calloc(1, sizeof(*m));
	if (!m || (p->lr_queues && !(m->tq = calloc(p->lr_queues, sizeof(*m->tq))))) {
		free(m);
		return lr_fail(err, LR_ERR, "vlr: out of memory");
	}
	m->dev = d;
	m->p = *p;
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->stop, false);
	for (unsigned i = 0; i < p->lr_queues; i++) {
		struct throttled *t = &m->tq[i];
		uint64_t size = (p->lr_job_bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);

		m->ntq = i + 1;
		TRY(__vlr_vm_create(fd, 0, &t->vm), "vlr: mixed: throttled queue %u: VM_CREATE: %s",
		    i, serr(ret));
		TRY(__vlr_bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &t->ctl_bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE control: %s", i, serr(ret));
		t->ctl = bo_map(fd, t->ctl_bo, VLR_PAGE, &ret);
		TRY(!t->ctl ? ret : 0, "vlr: mixed: throttled queue %u: mmap control: %s", i,
		    serr(ret));
		t->done = (volatile uint64_t *)t->ctl;
		TRY(bo_bind(fd, t->vm, t->ctl_bo, MIX_CTL_ADDR, VLR_PAGE),
		    "vlr: mixed: throttled queue %u: VM_BIND control: %s", i, serr(ret));
		TRY(__vlr_bo_create(fd, size, 0, t->vm, &t->bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE %" PRIu64 " bytes VRAM: %s", i,
		    size, serr(ret));
		TRY(bo_bind(fd, t->vm, t->bo, MIX_DATA_ADDR, size),
		    "vlr: mixed: throttled queue %u: VM_BIND: %s", i, serr(ret));
		t->bytes = size;
		TRY(__vlr_bo_create(fd, size, DRM_VLR_GEM_CREATE_SYSTEM, 0, &t->stage_bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE staging: %s", i, serr(ret));
		TRY(bo_bind(fd, t->vm, t->stage_bo, mix_stage_addr(size), size),
		    "vlr: mixed: throttled queue %u: VM_BIND staging: %s", i, serr(ret));
		TRY(__vlr_queue_create(fd, t->vm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED, &t->queue),
		    "vlr: mixed: throttled queue %u: QUEUE_CREATE (shared scheduler): %s", i,
		    serr(ret));
	}
	if (p->normal_interval_ms > 0) {
		uint64_t size = (p->normal_job_bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);

		TRY(__vlr_vm_create(fd, DRM_VLR_VM_CREATE_DMA_FENCE, &m->nvm),
		    "vlr: mixed: VM_CREATE (dma-fence VM): %s", serr(ret));
		TRY(__vlr_bo_create(fd, size, 0, m->nvm, &m->nbo),
		    "vlr: mixed: GEM_CREATE %" PRIu64 " bytes VRAM (dma-fence VM): %s", size,
		    serr(ret));
		TRY(bo_bind(fd, m->nvm, m->nbo, MIX_DATA_ADDR, size),
		    "vlr: mixed: VM_BIND (dma-fence VM): %s", serr(ret));
		TRY(__vlr_queue_create(fd, m->nvm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED, &m->nqueue),
		    "vlr: mixed: QUEUE_CREATE (dma-fence VM, shared scheduler): %s", serr(ret));
		TRY(drmSyncobjCreate(fd, 0, &m->syncobj) ? -errno : 0,
		    "vlr: mixed: SYNCOBJ_CREATE: %s", serr(ret));
	}
	if (m->ntq) {
		TRY(start_thread(&m->feeder, feeder_main, m), "vlr: mixed: pthread_create: %s",
		    serr(ret));
		m->feeder_on = true;
	}
	if (m->nqueue) {
		TRY(start_thread(&m->normal, normal_main, m), "vlr: mixed: pthread_create: %s",
		    serr(ret));
		m->normal_on = true;
	}
	*out = m;
	return LR_OK;
fail:
	vlr_mixed_destroy(m, NULL);
	return LR_ERR;
}
