/* SPDX-License-Identifier: MIT */
/*
 * lrbench backend for the vlr virtual long-running compute device (kernel
 * patch 8, run inside the patched UML kernel: `make run`).
 *
 * The never-ending job is the device's built-in STREAM program over a u32
 * array in a VRAM BO of its own VM: each pass maps x -> x * 1664525 +
 * 1013904223 and then bumps a u64 pass counter. The counter, the stop flag
 * and the user fences live in a small system-memory control BO that the CPU
 * maps; the VRAM BO is never mapped by the CPU (in UML, TTM zapping a CPU
 * mapping of an evicted BO from a worker trips RCU lockdep in
 * flush_tlb_mm()). Data goes in and out through COPY jobs to a
 * system-memory staging BO, so verification is exact and on device data.
 *
 * Memory pressure: each buffer is a VRAM BO in a VM of its own, made
 * resident by VM_BIND (which evicts older BOs, the job's included, once VRAM
 * is full) and touched by a FILL job on that VM's queue.
 *
 * This file is the backend proper (device, job, pressure, configurations);
 * the mixed load is in vlr_mixed.c, the kernel counter drain in
 * vlr_counters.c, their shared declarations in vlr_priv.h, and the ioctl
 * wrappers in uapi/vlr_ioctl.h (shared with igt-tests/ and tests/uml/).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vlr_priv.h"

#define VLR_NODE_FIRST 128
#define VLR_NODE_LAST  191

/* GPU addresses in the job's VM */
#define JOB_CTL_ADDR  0x100000ull
#define JOB_DATA_ADDR 0x1000000ull
/* offsets in the control page */
#define CTL_PROGRESS 0
#define CTL_STOP     8
#define CTL_UFENCE   16
#define CTL_UFENCE2  24
#define STREAM_DONE  0xf00dull

/* pressure VMs: control page, then the BO */
#define PRESS_CTL_ADDR 0x100000ull
#define PRESS_BASE     0x1000000ull

/* one never-ending STREAM job: its own VM, queue, buffer and control page */
struct stream {
	uint32_t vm, queue, ctl_bo, data_bo, staging_bo;
	void *ctl;
	volatile uint64_t *progress;
	volatile uint32_t *stop;
	uint32_t *staging; /* system memory: initial data in, results out */
	uint32_t seed;
	bool running;	 /* the STREAM job was submitted */
	uint64_t passes; /* pass count when stopped */
	uint64_t fence;	 /* last value used on CTL_UFENCE2 */
};

struct lr_job {
	struct lr_dev *dev;
	uint64_t bytes, n; /* per stream */
	unsigned nstreams;
	struct stream *st;
	bool stopped;
	struct mixed *mx; /* NULL: no mixed load */
};

struct lr_pbuf {
	struct lr_dev *dev;
	uint32_t vm, queue, ctl_bo, bo;
	void *ctl;
	uint64_t addr, bytes, fence;
};

/* Open render node @idx if its driver is vlr; -1 otherwise. */
static int open_node(int idx, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/dev/dri/renderD%d", idx);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (vlr_is_vlr(fd))
		return fd;
	close(fd);
	return -1;
}

#define NO_NODE "no vlr render node in /dev/dri: run inside the patched UML kernel (make run)"

static int vlr_list_devices(FILE *out, struct lr_err *err)
{
	char path[64];
	int found = 0;

	for (int i = VLR_NODE_FIRST; i <= VLR_NODE_LAST; i++) {
		struct drm_vlr_get_info gi = {0};
		int fd = open_node(i, path, sizeof(path));

		if (fd < 0)
			continue;
		if (!__vlr_get_info(fd, &gi))
			fprintf(out, "%d  %s  vlr uapi %u, VRAM %" PRIu64 " MiB, mode %s\n", found,
				path, gi.uapi_version, (uint64_t)gi.vram_size >> 20,
				gi.mode == DRM_VLR_MODE_OPEN_CODED ? "open-coded"
								   : "preempt-fence");
		close(fd);
		found++;
	}
	return found ? LR_OK : lr_fail(err, LR_SKIP, "vlr: %s", NO_NODE);
}

static int vlr_open(const char *sel, struct lr_dev **out, struct lr_err *err)
{
	struct lr_dev *d;
	char path[64];
	int fd = -1, want = -1, idx = 0, ret;

	if (!sel)
		sel = getenv("LRBENCH_VLR_DEVICE");
	if (sel && *sel && sel[0] != '/') {
		char *end;
		long v = strtol(sel, &end, 10);

		if (*end || v < 0 || v > VLR_NODE_LAST)
			return lr_fail(err, LR_ERR,
				       "vlr: device selector '%s' is neither a render node path "
				       "nor an index (see lrbench list)",
				       sel);
		want = (int)v;
	}
	if (sel && sel[0] == '/') {
		fd = open(sel, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return lr_fail(err, errno == ENOENT ? LR_SKIP : LR_ERR, "vlr: open %s: %s",
				       sel, strerror(errno));
		if (!vlr_is_vlr(fd)) {
			close(fd);
			return lr_fail(err, LR_ERR, "vlr: %s is not a vlr render node", sel);
		}
		snprintf(path, sizeof(path), "%s", sel);
	} else {
		for (int i = VLR_NODE_FIRST; i <= VLR_NODE_LAST && fd < 0; i++) {
			fd = open_node(i, path, sizeof(path));
			if (fd >= 0 && want >= 0 && idx++ != want) {
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0)
			return want >= 0 ? lr_fail(err, LR_ERR,
						   "vlr: no vlr render node with index %d "
						   "(lrbench list vlr)",
						   want)
					 : lr_fail(err, LR_SKIP, "vlr: %s", NO_NODE);
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return lr_fail(err, LR_ERR, "vlr: out of memory");
	}
	d->fd = fd;
	d->knob_fd = -1;
	snprintf(d->path, sizeof(d->path), "%s", path);
	vlr_counters_init(d);
	ret = __vlr_get_info(fd, &d->info);
	if (ret) {
		close(fd);
		free(d);
		return lr_fail(err, LR_ERR, "vlr: %s: GET_INFO: %s", path, serr(ret));
	}
	if (d->info.uapi_version != DRM_VLR_UAPI_VERSION) {
		uint32_t kv = d->info.uapi_version;

		close(fd);
		free(d);
		return lr_fail(err, LR_SKIP, "vlr: %s: kernel uAPI version %u, lrbench knows %u",
			       path, kv, DRM_VLR_UAPI_VERSION);
	}
	*out = d;
	return LR_OK;
}

static void vlr_close(struct lr_dev *d)
{
	if (!d)
		return;
	vlr_counters_fini(d);
	if (d->knob_fd >= 0)
		close(d->knob_fd);
	close(d->fd);
	free(d);
}

static const char *mode_name(uint32_t mode)
{
	return mode == DRM_VLR_MODE_OPEN_CODED ? "open-coded" : "preempt-fence";
}

static int vlr_device_info(struct lr_dev *d, struct lr_device_info *info, struct lr_err *err)
{
	struct drm_vlr_get_info gi;
	int ret = __vlr_get_info(d->fd, &gi);

	if (ret)
		return lr_fail(err, LR_ERR, "vlr: %s: GET_INFO: %s", d->path, serr(ret));
	d->info = gi;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "vlr %s", d->path);
	snprintf(info->vendor, sizeof(info->vendor), "vlr (virtual LR device, UML)");
	snprintf(info->version, sizeof(info->version), "vlr uapi %u", gi.uapi_version);
	snprintf(info->backend_detail, sizeof(info->backend_detail),
		 "mode=%s preempt_granularity=%u min_run_us=%u va_size=%" PRIu64,
		 mode_name(gi.mode), gi.preempt_granularity, gi.min_run_us, (uint64_t)gi.va_size);
	info->global_mem_bytes = gi.vram_size;
	info->max_alloc_bytes = gi.vram_size; /* a VRAM BO cannot exceed VRAM */
	info->compute_units = 1;	      /* one engine thread */
	return LR_OK;
}

/* Run a bounded COPY on stream @s's queue and wait for it. */
static int stream_copy(struct lr_dev *d, struct stream *s, unsigned idx, uint64_t src, uint64_t dst,
		       uint64_t len, const char *what, struct lr_err *err)
{
	struct drm_vlr_exec e = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = src,
	    .dst = dst,
	    .len = len,
	    .ufence_addr = JOB_CTL_ADDR + CTL_UFENCE2,
	    .ufence_value = ++s->fence,
	};
	int ret = __vlr_exec(d->fd, &e);

	if (ret)
		return lr_fail(err, LR_ERR, "vlr: queue %u: EXEC copy (%s): %s", idx, what,
			       serr(ret));
	ret = wait_ufence(d->fd, s->vm, s->queue, JOB_CTL_ADDR + CTL_UFENCE2, s->fence);
	if (ret)
		return lr_fail(err, LR_ERR,
			       "vlr: queue %u: copy (%s) did not finish within %lld s: %s", idx,
			       what, WAIT_NS / 1000000000ll, serr(ret));
	return LR_OK;
}

static uint32_t init_value(uint64_t i, uint32_t seed)
{
	return (uint32_t)(i * 2654435761u) ^ seed;
}

/* x -> a*x + c applied k times (the STREAM transform composed k-fold). */
static void lcg_pow(uint64_t k, uint32_t *a, uint32_t *c)
{
	uint32_t ra = 1, rc = 0, ba = 1664525u, bc = 1013904223u;

	while (k) {
		if (k & 1) {
			rc = ba * rc + bc;
			ra = ba * ra;
		}
		bc = ba * bc + bc;
		ba = ba * ba;
		k >>= 1;
	}
	*a = ra;
	*c = rc;
}

/* staging address sits above the data buffer, page aligned */
static uint64_t staging_addr(const struct lr_job *j)
{
	return JOB_DATA_ADDR + ((j->bytes + (1ull << 24) - 1) & ~((1ull << 24) - 1)) + (1ull << 24);
}

/* VM, control page, staging and VRAM buffer, queue; buffer loaded. */
static int stream_setup(struct lr_job *j, unsigned idx, struct lr_err *err)
{
	struct lr_dev *d = j->dev;
	struct stream *s = &j->st[idx];
	uint64_t bytes = j->bytes;
	int fd = d->fd, ret;

	TRY(__vlr_vm_create(fd, 0, &s->vm), "vlr: queue %u: VM_CREATE: %s", idx, serr(ret));
	TRY(__vlr_bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->ctl_bo),
	    "vlr: queue %u: GEM_CREATE control page: %s", idx, serr(ret));
	TRY(__vlr_bo_create(fd, bytes, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->staging_bo),
	    "vlr: queue %u: GEM_CREATE staging (%" PRIu64 " bytes): %s", idx, bytes, serr(ret));
	TRY(__vlr_bo_create(fd, bytes, 0, s->vm, &s->data_bo),
	    "vlr: queue %u: GEM_CREATE job buffer (%" PRIu64 " bytes VRAM): %s", idx, bytes,
	    serr(ret));
	s->ctl = bo_map(fd, s->ctl_bo, VLR_PAGE, &ret);
	TRY(!s->ctl ? ret : 0, "vlr: queue %u: mmap control page: %s", idx, serr(ret));
	s->progress = (volatile uint64_t *)((char *)s->ctl + CTL_PROGRESS);
	s->stop = (volatile uint32_t *)((char *)s->ctl + CTL_STOP);
	s->staging = bo_map(fd, s->staging_bo, bytes, &ret);
	TRY(!s->staging ? ret : 0, "vlr: queue %u: mmap staging: %s", idx, serr(ret));
	for (uint64_t i = 0; i < j->n; i++)
		s->staging[i] = init_value(i, s->seed);

	TRY(bo_bind(fd, s->vm, s->ctl_bo, JOB_CTL_ADDR, VLR_PAGE),
	    "vlr: queue %u: VM_BIND control: %s", idx, serr(ret));
	TRY(bo_bind(fd, s->vm, s->data_bo, JOB_DATA_ADDR, bytes),
	    "vlr: queue %u: VM_BIND job buffer: %s", idx, serr(ret));
	TRY(bo_bind(fd, s->vm, s->staging_bo, staging_addr(j), bytes),
	    "vlr: queue %u: VM_BIND staging: %s", idx, serr(ret));
	TRY(__vlr_queue_create(fd, s->vm, 0, &s->queue), "vlr: queue %u: QUEUE_CREATE: %s", idx,
	    serr(ret));
	vlr_jobq_register(d, s->queue);
	return stream_copy(d, s, idx, staging_addr(j), JOB_DATA_ADDR, bytes, "load job buffer",
			   err);
fail:
	return LR_ERR;
}

static int stream_exec(struct lr_job *j, unsigned idx, struct lr_err *err)
{
	struct stream *s = &j->st[idx];
	struct drm_vlr_exec e = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = JOB_DATA_ADDR,
	    .len = j->bytes,
	    .progress_addr = JOB_CTL_ADDR + CTL_PROGRESS,
	    .stop_addr = JOB_CTL_ADDR + CTL_STOP,
	    .ufence_addr = JOB_CTL_ADDR + CTL_UFENCE,
	    .ufence_value = STREAM_DONE,
	};
	int ret = __vlr_exec(j->dev->fd, &e);

	if (ret)
		return lr_fail(err, LR_ERR, "vlr: queue %u: EXEC stream: %s", idx, serr(ret));
	s->running = true;
	return LR_OK;
}

/* Set the stop word of every running stream, then wait for each to end. */
static int streams_stop(struct lr_job *j, struct lr_err *err)
{
	int rc = LR_OK;

	for (unsigned i = 0; i < j->nstreams; i++)
		if (j->st[i].running)
			__atomic_store_n(j->st[i].stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < j->nstreams; i++) {
		struct stream *s = &j->st[i];
		int ret;

		if (!s->running)
			continue;
		ret = wait_ufence(j->dev->fd, s->vm, s->queue, JOB_CTL_ADDR + CTL_UFENCE,
				  STREAM_DONE);
		if (ret) {
			if (!rc)
				rc = lr_fail(
				    err, LR_ERR,
				    "vlr: queue %u: stream job did not stop within %lld s: %s", i,
				    WAIT_NS / 1000000000ll, serr(ret));
			continue;
		}
		s->passes = *s->progress;
		s->running = false;
	}
	return rc;
}

static void vlr_job_destroy(struct lr_job *j);

static int vlr_job_start(struct lr_dev *d, const struct lr_job_params *p, struct lr_job **out,
			 struct lr_job_info *info, struct lr_err *err)
{
	struct lr_job *j;
	uint64_t bytes = (p->buffer_bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);
	unsigned nq = d->cfg_queues ? d->cfg_queues : (p->queues ? p->queues : 1);
	uint64_t t0;

	if (!bytes || bytes > (1ull << 30))
		return lr_fail(err, LR_ERR,
			       "vlr: job buffer of %" PRIu64 " bytes: must be 1 byte .. 1 GiB",
			       p->buffer_bytes);
	if (bytes >= d->info.vram_size)
		return lr_fail(err, LR_ERR,
			       "vlr: job buffer of %" PRIu64 " bytes does not fit VRAM (%" PRIu64
			       " bytes)",
			       bytes, (uint64_t)d->info.vram_size);
	if (d->cfg_queues && p->queues > 1 && p->queues != d->cfg_queues)
		return lr_fail(err, LR_ERR,
			       "vlr: the config runs %u queues but the scenario asks for [job] "
			       "queues = %u",
			       d->cfg_queues, p->queues);
	if (nq > 64)
		return lr_fail(err, LR_ERR, "vlr: %u queues: at most 64", nq);
	j = calloc(1, sizeof(*j));
	if (!j || !(j->st = calloc(nq, sizeof(*j->st)))) {
		free(j);
		return lr_fail(err, LR_ERR, "vlr: out of memory");
	}
	j->dev = d;
	j->bytes = bytes;
	j->n = bytes / 4;
	for (unsigned i = 0; i < nq; i++) {
		j->st[i].seed = p->seed ^ (i * 0x9e3779b9u);
		j->nstreams = i + 1;
		if (stream_setup(j, i, err))
			goto fail;
	}
	for (unsigned i = 0; i < nq; i++)
		if (stream_exec(j, i, err))
			goto fail;
	/* running = every stream completed its first pass */
	t0 = vlr_now_ns();
	for (unsigned i = 0; i < nq; i++) {
		while (!*j->st[i].progress && vlr_now_ns() - t0 < (uint64_t)WAIT_NS)
			usleep(1000);
		if (!*j->st[i].progress) {
			lr_fail(err, LR_ERR, "vlr: queue %u: the stream job made no pass in %lld s",
				i, WAIT_NS / 1000000000ll);
			goto fail;
		}
	}
	if (p->mixed.lr_queues || p->mixed.normal_interval_ms > 0)
		if (vlr_mixed_start(d, &p->mixed, &j->mx, err))
			goto fail;
	info->unit = "elements";
	info->unit_bytes = 8;	/* 4 bytes read + 4 written per element */
	info->work_groups = nq; /* one STREAM job per queue */
	info->work_group_size = 1;
	/* a queue's progress moves one pass (n elements) at once */
	info->progress_step = j->n * nq;
	*out = j;
	return LR_OK;
fail:
	vlr_job_destroy(j);
	return LR_ERR;
}

static uint64_t vlr_job_progress(struct lr_job *j)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < j->nstreams; i++)
		sum += j->stopped ? j->st[i].passes
				  : __atomic_load_n(j->st[i].progress, __ATOMIC_RELAXED);
	return sum * j->n;
}

static unsigned vlr_job_queue_progress(struct lr_job *j, uint64_t *out, unsigned max)
{
	unsigned n = j->nstreams < max ? j->nstreams : max;

	for (unsigned i = 0; i < n; i++)
		out[i] = (j->stopped ? j->st[i].passes
				     : __atomic_load_n(j->st[i].progress, __ATOMIC_RELAXED)) *
			 j->n;
	return j->nstreams;
}

/* The job's queues in the vlr tracepoints: client, VM and queue of each stream. */
static unsigned vlr_job_trace_ids(struct lr_job *j, struct lr_trace_id *out, unsigned max)
{
	unsigned n = j->nstreams < max ? j->nstreams : max;
	uint64_t client;

	if (vlr_drm_client_id(j->dev->fd, &client))
		return 0;
	for (unsigned i = 0; i < n; i++)
		out[i] = (struct lr_trace_id){
		    .client = client, .vm = j->st[i].vm, .queue = j->st[i].queue};
	return n;
}

static int vlr_job_stop(struct lr_job *j, struct lr_err *err)
{
	struct lr_err merr = {{0}};
	int mrc, rc;

	if (j->stopped)
		return LR_OK;
	/* the mixed load first: its jobs share the engine with the streams */
	mrc = vlr_mixed_destroy(j->mx, &merr);
	j->mx = NULL;
	rc = streams_stop(j, err);
	if (rc)
		return rc;
	j->stopped = true;
	if (mrc)
		*err = merr;
	return mrc;
}

static int vlr_job_verify(struct lr_job *j, struct lr_verify_result *res, struct lr_err *err)
{
	if (!j->stopped)
		return lr_fail(err, LR_ERR, "vlr: verify before job_stop");
	memset(res, 0, sizeof(*res));
	for (unsigned q = 0; q < j->nstreams; q++) {
		struct stream *s = &j->st[q];
		uint64_t bad = 0;
		uint32_t a, c;

		memset(s->staging, 0, j->bytes);
		if (stream_copy(j->dev, s, q, JOB_DATA_ADDR, staging_addr(j), j->bytes, "read back",
				err))
			return LR_ERR;
		lcg_pow(s->passes, &a, &c);
		res->passes += s->passes;
		res->elements_checked += j->n;
		for (uint64_t i = 0; i < j->n; i++) {
			uint32_t want = a * init_value(i, s->seed) + c, got = s->staging[i];

			if (got == want)
				continue;
			if (!bad++ && !res->mismatches) {
				/* offsets count through the buffers in queue order */
				res->first_bad_offset =
				    q * j->bytes + i * 4 + __builtin_ctz(got ^ want) / 8;
				res->expected = want;
				res->got = got;
			}
		}
		if (bad && !res->mismatches)
			lr_fail(err, LR_ERR,
				"vlr: verify: queue %u: %" PRIu64 " of %" PRIu64
				" elements wrong after %" PRIu64
				" passes; first bad byte offset %" PRIu64
				" (element expected 0x%08" PRIx64 ", got 0x%08" PRIx64 ")",
				q, bad, j->n, s->passes, res->first_bad_offset - q * j->bytes,
				res->expected, res->got);
		res->mismatches += bad;
	}
	return res->mismatches ? LR_ERR : LR_OK;
}

/* Flip one bit of the element at @off (through the buffers in queue order). */
static int vlr_job_corrupt(struct lr_job *j, uint64_t off, struct lr_err *err)
{
	uint64_t q = off / j->bytes, in = off % j->bytes, el = in / 4 * 4;
	struct stream *s;

	if (!j->stopped)
		return lr_fail(err, LR_ERR, "vlr: corrupt before job_stop");
	if (q >= j->nstreams)
		return lr_fail(err, LR_ERR,
			       "vlr: corrupt offset %" PRIu64 " outside the %u x %" PRIu64
			       "-byte job buffers",
			       off, j->nstreams, j->bytes);
	s = &j->st[q];
	if (stream_copy(j->dev, s, (unsigned)q, JOB_DATA_ADDR + el, staging_addr(j) + el, 4,
			"corrupt: read", err))
		return LR_ERR;
	s->staging[el / 4] ^= 1u << ((in % 4) * 8);
	return stream_copy(j->dev, s, (unsigned)q, staging_addr(j) + el, JOB_DATA_ADDR + el, 4,
			   "corrupt: write", err);
}

static void vlr_job_destroy(struct lr_job *j)
{
	int fd;

	if (!j)
		return;
	fd = j->dev->fd;
	vlr_mixed_destroy(j->mx, NULL);
	if (!j->stopped)
		streams_stop(j, NULL);
	/* the queues' last events, before the queues go */
	vlr_jobq_register(j->dev, 0);
	for (unsigned i = 0; i < j->nstreams; i++) {
		struct stream *s = &j->st[i];

		queue_destroy(fd, s->queue);
		vm_destroy(fd, s->vm);
		if (s->ctl)
			munmap(s->ctl, VLR_PAGE);
		if (s->staging)
			munmap(s->staging, j->bytes);
		bo_close(fd, s->ctl_bo);
		bo_close(fd, s->staging_bo);
		bo_close(fd, s->data_bo);
	}
	free(j->st);
	free(j);
}

static void vlr_pressure_free(struct lr_pbuf *b)
{
	int fd;

	if (!b)
		return;
	fd = b->dev->fd;
	queue_destroy(fd, b->queue);
	vm_destroy(fd, b->vm);
	if (b->ctl)
		munmap(b->ctl, VLR_PAGE);
	bo_close(fd, b->ctl_bo);
	bo_close(fd, b->bo);
	free(b);
}

/*
 * Every pressure buffer is a VM-private VRAM BO in a VM of its own, with a
 * queue only while a FILL touches it: like the job's BO, it can be evicted by the next one
 * (one shared VM would lock all of them at once, and external BOs bound in it
 * were not evictable in tests: GEM_CREATE failed with ENOMEM at VRAM size).
 */
static int vlr_pressure_alloc(struct lr_dev *d, uint64_t bytes, struct lr_pbuf **out,
			      struct lr_err *err)
{
	uint64_t size = (bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);
	struct lr_pbuf *b;
	int fd = d->fd, ret;

	if (!size || size > d->info.vram_size)
		return lr_fail(err, LR_ERR,
			       "vlr: pressure buffer of %" PRIu64 " bytes: must be 1 byte .. VRAM "
			       "(%" PRIu64 " bytes)",
			       bytes, (uint64_t)d->info.vram_size);
	b = calloc(1, sizeof(*b));
	if (!b)
		return lr_fail(err, LR_ERR, "vlr: out of memory");
	b->dev = d;
	b->bytes = size;
	b->addr = PRESS_BASE;
	TRY(__vlr_vm_create(fd, 0, &b->vm), "vlr: pressure VM_CREATE: %s", serr(ret));
	TRY(__vlr_bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &b->ctl_bo),
	    "vlr: pressure GEM_CREATE control: %s", serr(ret));
	b->ctl = bo_map(fd, b->ctl_bo, VLR_PAGE, &ret);
	TRY(!b->ctl ? ret : 0, "vlr: pressure mmap control: %s", serr(ret));
	TRY(bo_bind(fd, b->vm, b->ctl_bo, PRESS_CTL_ADDR, VLR_PAGE),
	    "vlr: pressure VM_BIND control: %s", serr(ret));
	TRY(__vlr_bo_create(fd, size, 0, b->vm, &b->bo),
	    "vlr: pressure GEM_CREATE %" PRIu64 " bytes VRAM: %s", size, serr(ret));
	/* binding makes it resident: this is where older BOs get evicted */
	TRY(bo_bind(fd, b->vm, b->bo, b->addr, size), "vlr: pressure VM_BIND %" PRIu64 " bytes: %s",
	    size, serr(ret));
	*out = b;
	return LR_OK;
fail:
	vlr_pressure_free(b);
	return LR_ERR;
}

static int vlr_pressure_touch(struct lr_pbuf *b, uint32_t pattern, struct lr_err *err)
{
	int fd = b->dev->fd, ret;
	uint64_t done = 0;

	/* a queue only while touching: an idle pressure BO is plain evictable memory */
	if ((ret = __vlr_queue_create(fd, b->vm, 0, &b->queue)))
		return lr_fail(err, LR_ERR, "vlr: pressure QUEUE_CREATE: %s", serr(ret));
	/* one FILL per <= 1 GiB (the exec limit) */
	while (done < b->bytes) {
		uint64_t len = b->bytes - done > (1ull << 30) ? (1ull << 30) : b->bytes - done;
		struct drm_vlr_exec e = {
		    .queue_id = b->queue,
		    .program = DRM_VLR_PROG_FILL,
		    .dst = b->addr + done,
		    .len = len,
		    .value = pattern,
		    .ufence_addr = PRESS_CTL_ADDR,
		    .ufence_value = ++b->fence,
		};

		if ((ret = __vlr_exec(fd, &e))) {
			lr_fail(err, LR_ERR, "vlr: pressure EXEC fill: %s", serr(ret));
			break;
		}
		if ((ret = wait_ufence(fd, b->vm, b->queue, PRESS_CTL_ADDR, b->fence))) {
			lr_fail(err, LR_ERR,
				"vlr: pressure fill of %" PRIu64
				" bytes did not finish within %lld s: %s",
				len, WAIT_NS / 1000000000ll, serr(ret));
			break;
		}
		done += len;
	}
	queue_destroy(fd, b->queue);
	b->queue = 0;
	return ret ? LR_ERR : LR_OK;
}

/* A mode, optionally with the number of LR queues ("-qN") for scaling runs. */
static const char *const vlr_configs[] = {
    "preempt-fence",
    "open-coded",
    "preempt-fence-q1",
    "open-coded-q1",
    "preempt-fence-q2",
    "open-coded-q2",
    "preempt-fence-q4",
    "open-coded-q4",
    "preempt-fence-q8",
    "open-coded-q8",
    NULL,
};

static int vlr_set_config(struct lr_dev *d, const char *name, struct lr_err *err)
{
	uint32_t mode = 0;
	const char *rest;
	unsigned queues = 0;
	int ret;

	if (!strncmp(name, "preempt-fence", 13)) {
		mode = DRM_VLR_MODE_PREEMPT_FENCE;
		rest = name + 13;
	} else if (!strncmp(name, "open-coded", 10)) {
		mode = DRM_VLR_MODE_OPEN_CODED;
		rest = name + 10;
	} else {
		rest = NULL;
	}
	if (rest && *rest) {
		char *end;
		long v = -1;

		if (rest[0] == '-' && rest[1] == 'q' && rest[2] >= '1' && rest[2] <= '9')
			v = strtol(rest + 2, &end, 10);
		if (v < 1 || v > 64 || *end)
			rest = NULL;
		else
			queues = (unsigned)v;
	}
	if (!rest)
		return lr_fail(err, LR_ERR,
			       "vlr: unknown config '%s' (preempt-fence, open-coded, optionally "
			       "with -qN: N LR queues)",
			       name);
	ret = __vlr_set_mode(d->fd, mode);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: SET_MODE %s: %s", name, serr(ret));
	d->info.mode = mode;
	d->cfg_queues = queues;
	return LR_OK;
}

/*
 * Open the eviction trigger of this device: debugfs dri/<minor of our render
 * node>/vlr_evict_vram (DRM links dri/<minor> for every minor). No readdir of
 * debugfs: with lockdep, a getdents there closes a lock cycle through TTM's
 * ttm_global_mutex (tests/uml/vlr-test.c evict_knob, the cover letter).
 */
static int knob_open(struct lr_dev *d, struct lr_err *err)
{
	struct stat st;
	int fd;

	if (d->knob_fd >= 0)
		return LR_OK;
	if (fstat(d->fd, &st) || !S_ISCHR(st.st_mode))
		return lr_fail(err, LR_SKIP, "vlr: eviction trigger: %s is not a device node",
			       d->path);
	snprintf(d->knob, sizeof(d->knob), "/sys/kernel/debug/dri/%u/vlr_evict_vram",
		 minor(st.st_rdev));
	fd = open(d->knob, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lr_fail(err, LR_SKIP, "vlr: no eviction trigger: open %s: %s%s", d->knob,
			       strerror(errno),
			       errno == ENOENT	 ? " (debugfs not mounted, or a kernel series "
						   "before v5 without vlr_evict_vram)"
			       : errno == EACCES ? " (root only)"
						 : "");
	d->knob_fd = fd;
	return LR_OK;
}

static int vlr_evict_all(struct lr_dev *d, int probe, struct lr_err *err)
{
	int rc = knob_open(d, err);

	if (rc || probe)
		return rc;
	/* returns once every BO is out of VRAM and the copies landed */
	if (write(d->knob_fd, "1", 1) != 1)
		return lr_fail(err, LR_ERR, "vlr: eviction trigger %s: write: %s", d->knob,
			       strerror(errno));
	return LR_OK;
}

const struct lr_backend_ops lr_backend_vlr = {
    .name = "vlr",
    .help = "vlr virtual LR device (DRM render node, kernel patch 8; inside UML via make run)",
    .list_devices = vlr_list_devices,
    .open = vlr_open,
    .close = vlr_close,
    .device_info = vlr_device_info,
    .job_start = vlr_job_start,
    .job_progress = vlr_job_progress,
    .job_stop = vlr_job_stop,
    .job_verify = vlr_job_verify,
    .job_corrupt = vlr_job_corrupt,
    .job_destroy = vlr_job_destroy,
    .pressure_alloc = vlr_pressure_alloc,
    .pressure_touch = vlr_pressure_touch,
    .pressure_free = vlr_pressure_free,
    .configs = vlr_configs,
    .set_config = vlr_set_config,
    .kernel_metrics = vlr_kernel_metrics,
    .caps = LR_CAP_QUEUES | LR_CAP_MIXED,
    .evict_all = vlr_evict_all,
    .job_queue_progress = vlr_job_queue_progress,
    .job_trace_ids = vlr_job_trace_ids,
};
