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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "backend.h"
#include "uapi/drm/vlr_drm.h"

#define VLR_NODE_FIRST 128
#define VLR_NODE_LAST  191
#define VLR_PAGE       4096ull

/* GPU addresses in the job's VM */
#define JOB_CTL_ADDR  0x100000ull
#define JOB_DATA_ADDR 0x1000000ull
/* offsets in the control page */
#define CTL_PROGRESS 0
#define CTL_STOP     8
#define CTL_UFENCE   16
#define CTL_UFENCE2  24
#define STREAM_DONE  0xf00dull
#define WAIT_NS	     30000000000ll

/* pressure VMs: control page, then the BO */
#define PRESS_CTL_ADDR 0x100000ull
#define PRESS_BASE     0x1000000ull

/* kernel counters drained during a repetition (GET_STATS with RESET) */
#define DRAIN_PERIOD_NS 20000000ull
/* the job's queues whose own counters are drained (per-queue GET_STATS) */
#define MAX_JOB_QUEUES 64

struct kacc {
	pthread_mutex_t lock;
	struct lr_kmetrics km; /* accumulated since the last reset */
	pthread_t thread;
	bool running;
	atomic_bool stop;
	int err; /* first error of the drain thread (negative errno) */
	/* the running job's queues (lock held): their own counters are the
	 * job's; the device-wide ones include every load generator */
	uint32_t jobq[MAX_JOB_QUEUES];
	unsigned njobq;
};

struct lr_dev {
	int fd;
	char path[64];
	struct drm_vlr_get_info info;
	uint32_t cfg_queues; /* from an "-qN" config; 0: the job parameters decide */
	struct kacc acc;
	int knob_fd; /* debugfs dri/N/vlr_evict_vram, opened on first use; -1: not yet */
	char knob[128];
};

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

struct mixed;

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

static int jobq_register(struct lr_dev *d, uint32_t q);

static int xioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

static const char *serr(int neg)
{
	return strerror(-neg);
}

/* Open render node @idx if its driver is vlr; -1 otherwise. */
static int open_node(int idx, char *path, size_t len)
{
	drmVersionPtr v;
	int fd;

	snprintf(path, len, "/dev/dri/renderD%d", idx);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	v = drmGetVersion(fd);
	if (v && v->name && !strcmp(v->name, "vlr")) {
		drmFreeVersion(v);
		return fd;
	}
	if (v)
		drmFreeVersion(v);
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
		if (!xioctl(fd, DRM_IOCTL_VLR_GET_INFO, &gi))
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
		drmVersionPtr v;

		fd = open(sel, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return lr_fail(err, errno == ENOENT ? LR_SKIP : LR_ERR, "vlr: open %s: %s",
				       sel, strerror(errno));
		v = drmGetVersion(fd);
		if (!v || !v->name || strcmp(v->name, "vlr")) {
			if (v)
				drmFreeVersion(v);
			close(fd);
			return lr_fail(err, LR_ERR, "vlr: %s is not a vlr render node", sel);
		}
		drmFreeVersion(v);
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
	pthread_mutex_init(&d->acc.lock, NULL);
	atomic_init(&d->acc.stop, false);
	ret = xioctl(fd, DRM_IOCTL_VLR_GET_INFO, &d->info);
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
	if (d->acc.running) {
		atomic_store(&d->acc.stop, true);
		pthread_join(d->acc.thread, NULL);
	}
	lr_kmetrics_free(&d->acc.km);
	pthread_mutex_destroy(&d->acc.lock);
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
	struct drm_vlr_get_info gi = {0};
	int ret = xioctl(d->fd, DRM_IOCTL_VLR_GET_INFO, &gi);

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

static int bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm, uint32_t *h)
{
	struct drm_vlr_gem_create c = {.size = size, .flags = flags, .vm_id = vm};
	int ret = xioctl(fd, DRM_IOCTL_VLR_GEM_CREATE, &c);

	if (!ret)
		*h = c.handle;
	return ret;
}

static void bo_close(int fd, uint32_t h)
{
	struct drm_gem_close c = {.handle = h};

	if (h)
		xioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static void *bo_map(int fd, uint32_t h, uint64_t size, int *ret)
{
	struct drm_vlr_gem_mmap_offset m = {.handle = h};
	void *p;

	*ret = xioctl(fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &m);
	if (*ret)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	if (p == MAP_FAILED) {
		*ret = -errno;
		return NULL;
	}
	return p;
}

static int bind(int fd, uint32_t vm, uint32_t h, uint64_t addr, uint64_t range)
{
	struct drm_vlr_vm_bind b = {
	    .vm_id = vm, .op = DRM_VLR_VM_BIND_OP_MAP, .handle = h, .addr = addr, .range = range};

	return xioctl(fd, DRM_IOCTL_VLR_VM_BIND, &b);
}

static int vm_create(int fd, uint32_t flags, uint32_t *vm)
{
	struct drm_vlr_vm_create c = {.flags = flags};
	int ret = xioctl(fd, DRM_IOCTL_VLR_VM_CREATE, &c);

	if (!ret)
		*vm = c.vm_id;
	return ret;
}

static void vm_destroy(int fd, uint32_t vm)
{
	struct drm_vlr_vm_destroy d = {.vm_id = vm};

	if (vm)
		xioctl(fd, DRM_IOCTL_VLR_VM_DESTROY, &d);
}

static int queue_create(int fd, uint32_t vm, uint32_t flags, uint32_t *q)
{
	struct drm_vlr_queue_create c = {.vm_id = vm, .flags = flags};
	int ret = xioctl(fd, DRM_IOCTL_VLR_QUEUE_CREATE, &c);

	if (!ret)
		*q = c.queue_id;
	return ret;
}

static void queue_destroy(int fd, uint32_t q)
{
	struct drm_vlr_queue_destroy d = {.queue_id = q};

	if (q)
		xioctl(fd, DRM_IOCTL_VLR_QUEUE_DESTROY, &d);
}

/* Wait until the u64 at @addr @op @value; @queue (or 0) is the writer, so a
 * banned queue ends the wait with -EIO. @timeout_ns relative. */
static int wait_ufence_op(int fd, uint32_t vm, uint32_t queue, uint64_t addr, uint32_t op,
			  uint64_t value, int64_t timeout_ns)
{
	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm,
	    .op = op,
	    .queue_id = queue,
	    .addr = addr,
	    .value = value,
	    .mask = ~0ull,
	    .timeout_ns = timeout_ns,
	};

	return xioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);
}

static int wait_ufence(int fd, uint32_t vm, uint32_t queue, uint64_t addr, uint64_t value)
{
	return wait_ufence_op(fd, vm, queue, addr, DRM_VLR_UFENCE_OP_EQ, value, WAIT_NS);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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
	int ret = xioctl(d->fd, DRM_IOCTL_VLR_EXEC, &e);

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

#define TRY(expr, ...)                                                                             \
	do {                                                                                       \
		if ((ret = (expr))) {                                                              \
			lr_fail(err, LR_ERR, __VA_ARGS__);                                         \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)

/* VM, control page, staging and VRAM buffer, queue; buffer loaded. */
static int stream_setup(struct lr_job *j, unsigned idx, struct lr_err *err)
{
	struct lr_dev *d = j->dev;
	struct stream *s = &j->st[idx];
	uint64_t bytes = j->bytes;
	int fd = d->fd, ret;

	TRY(vm_create(fd, 0, &s->vm), "vlr: queue %u: VM_CREATE: %s", idx, serr(ret));
	TRY(bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->ctl_bo),
	    "vlr: queue %u: GEM_CREATE control page: %s", idx, serr(ret));
	TRY(bo_create(fd, bytes, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->staging_bo),
	    "vlr: queue %u: GEM_CREATE staging (%" PRIu64 " bytes): %s", idx, bytes, serr(ret));
	TRY(bo_create(fd, bytes, 0, s->vm, &s->data_bo),
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

	TRY(bind(fd, s->vm, s->ctl_bo, JOB_CTL_ADDR, VLR_PAGE),
	    "vlr: queue %u: VM_BIND control: %s", idx, serr(ret));
	TRY(bind(fd, s->vm, s->data_bo, JOB_DATA_ADDR, bytes),
	    "vlr: queue %u: VM_BIND job buffer: %s", idx, serr(ret));
	TRY(bind(fd, s->vm, s->staging_bo, staging_addr(j), bytes),
	    "vlr: queue %u: VM_BIND staging: %s", idx, serr(ret));
	TRY(queue_create(fd, s->vm, 0, &s->queue), "vlr: queue %u: QUEUE_CREATE: %s", idx,
	    serr(ret));
	jobq_register(d, s->queue);
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
	int ret = xioctl(j->dev->fd, DRM_IOCTL_VLR_EXEC, &e);

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

/* ---- mixed load: throttled LR jobs + normal jobs on the shared scheduler ---- */

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
	int ret = xioctl(d->fd, DRM_IOCTL_VLR_EXEC, &e), rc = LR_OK;

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

				ret = xioctl(fd, DRM_IOCTL_VLR_EXEC, &e);
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
	uint64_t period = (uint64_t)(m->p.normal_interval_ms * 1e6), due = now_ns();
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
		uint64_t t1;
		int ret;

		while (!atomic_load(&m->stop) && now_ns() < due) {
			uint64_t left = due - now_ns();
			struct timespec ts = {0, (long)(left > 10000000 ? 10000000 : left)};

			nanosleep(&ts, NULL);
		}
		if (atomic_load(&m->stop))
			break;
		ret = xioctl(d->fd, DRM_IOCTL_VLR_EXEC, &e);
		if (ret) {
			mixed_fail(m, "vlr: mixed: normal job: EXEC fill: %s", serr(ret));
			return NULL;
		}
		ret = drmSyncobjWait(d->fd, &m->syncobj, 1, (int64_t)(now_ns() + (uint64_t)WAIT_NS),
				     0, NULL);
		t1 = now_ns();
		if (ret) {
			mixed_fail(m, "vlr: mixed: normal job did not complete within %lld s: %s",
				   WAIT_NS / 1000000000ll, serr(ret));
			return NULL;
		}
		pthread_mutex_lock(&d->acc.lock);
		ret = lr_samples_push(&d->acc.km.normal_user_lat_ns, t1 - due);
		pthread_mutex_unlock(&d->acc.lock);
		if (ret) {
			mixed_fail(m, "vlr: mixed: out of memory");
			return NULL;
		}
		due += period; /* the next arrival, however late this one was */
	}
	return NULL;
}

/* Stop the threads, let the queued LR jobs finish, release everything.
 * Returns LR_ERR with the first error of the load (or of the drain). */
static int mixed_destroy(struct mixed *m, struct lr_err *err)
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

static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	/* signals go to the main thread (lrbench's cancel) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

static int mixed_start(struct lr_dev *d, const struct lr_mixed_params *p, struct mixed **out,
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
		TRY(vm_create(fd, 0, &t->vm), "vlr: mixed: throttled queue %u: VM_CREATE: %s", i,
		    serr(ret));
		TRY(bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &t->ctl_bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE control: %s", i, serr(ret));
		t->ctl = bo_map(fd, t->ctl_bo, VLR_PAGE, &ret);
		TRY(!t->ctl ? ret : 0, "vlr: mixed: throttled queue %u: mmap control: %s", i,
		    serr(ret));
		t->done = (volatile uint64_t *)t->ctl;
		TRY(bind(fd, t->vm, t->ctl_bo, MIX_CTL_ADDR, VLR_PAGE),
		    "vlr: mixed: throttled queue %u: VM_BIND control: %s", i, serr(ret));
		TRY(bo_create(fd, size, 0, t->vm, &t->bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE %" PRIu64 " bytes VRAM: %s", i,
		    size, serr(ret));
		TRY(bind(fd, t->vm, t->bo, MIX_DATA_ADDR, size),
		    "vlr: mixed: throttled queue %u: VM_BIND: %s", i, serr(ret));
		t->bytes = size;
		TRY(bo_create(fd, size, DRM_VLR_GEM_CREATE_SYSTEM, 0, &t->stage_bo),
		    "vlr: mixed: throttled queue %u: GEM_CREATE staging: %s", i, serr(ret));
		TRY(bind(fd, t->vm, t->stage_bo, mix_stage_addr(size), size),
		    "vlr: mixed: throttled queue %u: VM_BIND staging: %s", i, serr(ret));
		TRY(queue_create(fd, t->vm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED, &t->queue),
		    "vlr: mixed: throttled queue %u: QUEUE_CREATE (shared scheduler): %s", i,
		    serr(ret));
	}
	if (p->normal_interval_ms > 0) {
		uint64_t size = (p->normal_job_bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);

		TRY(vm_create(fd, DRM_VLR_VM_CREATE_DMA_FENCE, &m->nvm),
		    "vlr: mixed: VM_CREATE (dma-fence VM): %s", serr(ret));
		TRY(bo_create(fd, size, 0, m->nvm, &m->nbo),
		    "vlr: mixed: GEM_CREATE %" PRIu64 " bytes VRAM (dma-fence VM): %s", size,
		    serr(ret));
		TRY(bind(fd, m->nvm, m->nbo, MIX_DATA_ADDR, size),
		    "vlr: mixed: VM_BIND (dma-fence VM): %s", serr(ret));
		TRY(queue_create(fd, m->nvm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED, &m->nqueue),
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
	mixed_destroy(m, NULL);
	return LR_ERR;
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
	t0 = now_ns();
	for (unsigned i = 0; i < nq; i++) {
		while (!*j->st[i].progress && now_ns() - t0 < (uint64_t)WAIT_NS)
			usleep(1000);
		if (!*j->st[i].progress) {
			lr_fail(err, LR_ERR, "vlr: queue %u: the stream job made no pass in %lld s",
				i, WAIT_NS / 1000000000ll);
			goto fail;
		}
	}
	if (p->mixed.lr_queues || p->mixed.normal_interval_ms > 0)
		if (mixed_start(d, &p->mixed, &j->mx, err))
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
#undef TRY

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

/* The DRM client id of @fd (its fdinfo's drm-client-id); false when absent. */
static bool drm_client_id(int fd, uint64_t *id)
{
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "drm-client-id: %llu", &v) == 1) {
			*id = v;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The job's queues in the vlr tracepoints: client, VM and queue of each stream. */
static unsigned vlr_job_trace_ids(struct lr_job *j, struct lr_trace_id *out, unsigned max)
{
	unsigned n = j->nstreams < max ? j->nstreams : max;
	uint64_t client;

	if (!drm_client_id(j->dev->fd, &client))
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
	mrc = mixed_destroy(j->mx, &merr);
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
	mixed_destroy(j->mx, NULL);
	if (!j->stopped)
		streams_stop(j, NULL);
	/* the queues' last events, before the queues go */
	jobq_register(j->dev, 0);
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
#define TRY(expr, ...)                                                                             \
	do {                                                                                       \
		if ((ret = (expr))) {                                                              \
			lr_fail(err, LR_ERR, __VA_ARGS__);                                         \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)
	TRY(vm_create(fd, 0, &b->vm), "vlr: pressure VM_CREATE: %s", serr(ret));
	TRY(bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &b->ctl_bo),
	    "vlr: pressure GEM_CREATE control: %s", serr(ret));
	b->ctl = bo_map(fd, b->ctl_bo, VLR_PAGE, &ret);
	TRY(!b->ctl ? ret : 0, "vlr: pressure mmap control: %s", serr(ret));
	TRY(bind(fd, b->vm, b->ctl_bo, PRESS_CTL_ADDR, VLR_PAGE),
	    "vlr: pressure VM_BIND control: %s", serr(ret));
	TRY(bo_create(fd, size, 0, b->vm, &b->bo),
	    "vlr: pressure GEM_CREATE %" PRIu64 " bytes VRAM: %s", size, serr(ret));
	/* binding makes it resident: this is where older BOs get evicted */
	TRY(bind(fd, b->vm, b->bo, b->addr, size), "vlr: pressure VM_BIND %" PRIu64 " bytes: %s",
	    size, serr(ret));
#undef TRY
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
	if ((ret = queue_create(fd, b->vm, 0, &b->queue)))
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

		if ((ret = xioctl(fd, DRM_IOCTL_VLR_EXEC, &e))) {
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
	struct drm_vlr_set_mode m = {0};
	const char *rest;
	unsigned queues = 0;
	int ret;

	if (!strncmp(name, "preempt-fence", 13)) {
		m.mode = DRM_VLR_MODE_PREEMPT_FENCE;
		rest = name + 13;
	} else if (!strncmp(name, "open-coded", 10)) {
		m.mode = DRM_VLR_MODE_OPEN_CODED;
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
	ret = xioctl(d->fd, DRM_IOCTL_VLR_SET_MODE, &m);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: SET_MODE %s: %s", name, serr(ret));
	d->info.mode = m.mode;
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
	struct drm_vlr_get_stats g = {.flags = DRM_VLR_STATS_RESET};
	const struct drm_vlr_stats *s = &g.stats;
	struct lr_kmetrics *k = &d->acc.km;
	int ret = xioctl(d->fd, DRM_IOCTL_VLR_GET_STATS, &g);

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
		struct drm_vlr_get_stats q = {.queue_id = d->acc.jobq[i],
					      .flags = DRM_VLR_STATS_RESET};

		ret = xioctl(d->fd, DRM_IOCTL_VLR_GET_STATS, &q);
		if (!ret)
			ret = add_queue_stats(k, &q.stats);
	}
	return ret;
}

/* The job's queues: drained from now on (@q != 0), or read one last time
 * and forgotten before they are destroyed (@q == 0). */
static int jobq_register(struct lr_dev *d, uint32_t q)
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
	uint64_t next = now_ns();

	while (!atomic_load(&d->acc.stop)) {
		uint64_t now;
		int ret;

		next += DRAIN_PERIOD_NS;
		now = now_ns();
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

static int vlr_kernel_metrics(struct lr_dev *d, int reset, struct lr_kmetrics *out,
			      struct lr_err *err)
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
		ret = dup_samples(&out->preempt_lat_ns, &k->preempt_lat_ns);
		ret = ret ?: dup_samples(&out->restore_lat_ns, &k->restore_lat_ns);
		ret = ret ?: dup_samples(&out->restore_bytes, &k->restore_bytes);
		ret = ret ?: dup_samples(&out->worker_lat_ns, &k->worker_lat_ns);
		ret = ret ?: dup_samples(&out->normal_lat_ns, &k->normal_lat_ns);
		ret = ret ?: dup_samples(&out->normal_user_lat_ns, &k->normal_user_lat_ns);
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
