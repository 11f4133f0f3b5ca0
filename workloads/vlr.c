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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

struct lr_dev {
	int fd;
	char path[64];
	struct drm_vlr_get_info info;
};

struct lr_job {
	struct lr_dev *dev;
	uint32_t vm, queue, ctl_bo, data_bo, staging_bo;
	uint64_t bytes, n;
	void *ctl;
	volatile uint64_t *progress;
	volatile uint32_t *stop;
	uint32_t *staging; /* system memory: initial data in, results out */
	uint32_t seed;
	bool stopped;
	uint64_t passes; /* pass count when stopped */
	uint64_t fence;	 /* last value used on CTL_UFENCE2 */
};

struct lr_pbuf {
	struct lr_dev *dev;
	uint32_t vm, queue, ctl_bo, bo;
	void *ctl;
	uint64_t addr, bytes, fence;
};

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
	snprintf(d->path, sizeof(d->path), "%s", path);
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

static int vm_create(int fd, uint32_t *vm)
{
	struct drm_vlr_vm_create c = {0};
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

static int queue_create(int fd, uint32_t vm, uint32_t *q)
{
	struct drm_vlr_queue_create c = {.vm_id = vm};
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

static int wait_ufence(int fd, uint32_t vm, uint64_t addr, uint64_t value)
{
	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm,
	    .op = DRM_VLR_UFENCE_OP_EQ,
	    .addr = addr,
	    .value = value,
	    .mask = ~0ull,
	    .timeout_ns = WAIT_NS,
	};

	return xioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);
}

/* Run a bounded COPY on the job's queue and wait for it. */
static int job_copy(struct lr_job *j, uint64_t src, uint64_t dst, uint64_t len, const char *what,
		    struct lr_err *err)
{
	struct drm_vlr_exec e = {
	    .queue_id = j->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = src,
	    .dst = dst,
	    .len = len,
	    .ufence_addr = JOB_CTL_ADDR + CTL_UFENCE2,
	    .ufence_value = ++j->fence,
	};
	int fd = j->dev->fd, ret = xioctl(fd, DRM_IOCTL_VLR_EXEC, &e);

	if (ret)
		return lr_fail(err, LR_ERR, "vlr: EXEC copy (%s): %s", what, serr(ret));
	ret = wait_ufence(fd, j->vm, JOB_CTL_ADDR + CTL_UFENCE2, j->fence);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: copy (%s) did not finish within %lld s: %s", what,
			       WAIT_NS / 1000000000ll, serr(ret));
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

static void vlr_job_destroy(struct lr_job *j);

static int vlr_job_start(struct lr_dev *d, const struct lr_job_params *p, struct lr_job **out,
			 struct lr_job_info *info, struct lr_err *err)
{
	struct lr_job *j;
	uint64_t bytes = (p->buffer_bytes + VLR_PAGE - 1) & ~(VLR_PAGE - 1);
	int fd = d->fd, ret;

	if (!bytes || bytes > (1ull << 30))
		return lr_fail(err, LR_ERR,
			       "vlr: job buffer of %" PRIu64 " bytes: must be 1 byte .. 1 GiB",
			       p->buffer_bytes);
	if (bytes >= d->info.vram_size)
		return lr_fail(err, LR_ERR,
			       "vlr: job buffer of %" PRIu64 " bytes does not fit VRAM (%" PRIu64
			       " bytes)",
			       bytes, (uint64_t)d->info.vram_size);
	j = calloc(1, sizeof(*j));
	if (!j)
		return lr_fail(err, LR_ERR, "vlr: out of memory");
	j->dev = d;
	j->bytes = bytes;
	j->n = bytes / 4;
	j->seed = p->seed;

#define TRY(expr, ...)                                                                             \
	do {                                                                                       \
		if ((ret = (expr))) {                                                              \
			lr_fail(err, LR_ERR, __VA_ARGS__);                                         \
			goto fail;                                                                 \
		}                                                                                  \
	} while (0)
	TRY(vm_create(fd, &j->vm), "vlr: VM_CREATE: %s", serr(ret));
	TRY(bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &j->ctl_bo),
	    "vlr: GEM_CREATE control page: %s", serr(ret));
	TRY(bo_create(fd, bytes, DRM_VLR_GEM_CREATE_SYSTEM, 0, &j->staging_bo),
	    "vlr: GEM_CREATE staging (%" PRIu64 " bytes): %s", bytes, serr(ret));
	TRY(bo_create(fd, bytes, 0, j->vm, &j->data_bo),
	    "vlr: GEM_CREATE job buffer (%" PRIu64 " bytes VRAM): %s", bytes, serr(ret));
	j->ctl = bo_map(fd, j->ctl_bo, VLR_PAGE, &ret);
	TRY(!j->ctl ? ret : 0, "vlr: mmap control page: %s", serr(ret));
	j->progress = (volatile uint64_t *)((char *)j->ctl + CTL_PROGRESS);
	j->stop = (volatile uint32_t *)((char *)j->ctl + CTL_STOP);
	j->staging = bo_map(fd, j->staging_bo, bytes, &ret);
	TRY(!j->staging ? ret : 0, "vlr: mmap staging: %s", serr(ret));
	for (uint64_t i = 0; i < j->n; i++)
		j->staging[i] = init_value(i, j->seed);

	TRY(bind(fd, j->vm, j->ctl_bo, JOB_CTL_ADDR, VLR_PAGE), "vlr: VM_BIND control: %s",
	    serr(ret));
	TRY(bind(fd, j->vm, j->data_bo, JOB_DATA_ADDR, bytes), "vlr: VM_BIND job buffer: %s",
	    serr(ret));
	TRY(bind(fd, j->vm, j->staging_bo, staging_addr(j), bytes), "vlr: VM_BIND staging: %s",
	    serr(ret));
	TRY(queue_create(fd, j->vm, &j->queue), "vlr: QUEUE_CREATE: %s", serr(ret));
#undef TRY
	if (job_copy(j, staging_addr(j), JOB_DATA_ADDR, bytes, "load job buffer", err))
		goto fail;

	struct drm_vlr_exec e = {
	    .queue_id = j->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = JOB_DATA_ADDR,
	    .len = bytes,
	    .progress_addr = JOB_CTL_ADDR + CTL_PROGRESS,
	    .stop_addr = JOB_CTL_ADDR + CTL_STOP,
	    .ufence_addr = JOB_CTL_ADDR + CTL_UFENCE,
	    .ufence_value = STREAM_DONE,
	};
	ret = xioctl(fd, DRM_IOCTL_VLR_EXEC, &e);
	if (ret) {
		lr_fail(err, LR_ERR, "vlr: EXEC stream: %s", serr(ret));
		goto fail;
	}
	/* running = the first pass completed */
	for (int i = 0; i < 30000 && !*j->progress; i++)
		usleep(1000);
	if (!*j->progress) {
		lr_fail(err, LR_ERR, "vlr: the stream job made no pass in 30 s");
		*j->stop = 1;
		wait_ufence(fd, j->vm, JOB_CTL_ADDR + CTL_UFENCE, STREAM_DONE);
		goto fail;
	}
	info->unit = "elements";
	info->unit_bytes = 8; /* 4 bytes read + 4 written per element */
	info->work_groups = 1;
	info->work_group_size = 1;
	*out = j;
	return LR_OK;
fail:
	vlr_job_destroy(j);
	return LR_ERR;
}

static uint64_t vlr_job_progress(struct lr_job *j)
{
	uint64_t passes = j->stopped ? j->passes : __atomic_load_n(j->progress, __ATOMIC_RELAXED);

	return passes * j->n;
}

static int vlr_job_stop(struct lr_job *j, struct lr_err *err)
{
	int ret;

	if (j->stopped)
		return LR_OK;
	__atomic_store_n(j->stop, 1, __ATOMIC_RELEASE);
	ret = wait_ufence(j->dev->fd, j->vm, JOB_CTL_ADDR + CTL_UFENCE, STREAM_DONE);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: stream job did not stop within %lld s: %s",
			       WAIT_NS / 1000000000ll, serr(ret));
	j->passes = *j->progress;
	j->stopped = true;
	return LR_OK;
}

static int vlr_job_verify(struct lr_job *j, struct lr_verify_result *res, struct lr_err *err)
{
	uint32_t a, c;

	if (!j->stopped)
		return lr_fail(err, LR_ERR, "vlr: verify before job_stop");
	memset(j->staging, 0, j->bytes);
	if (job_copy(j, JOB_DATA_ADDR, staging_addr(j), j->bytes, "read back", err))
		return LR_ERR;
	lcg_pow(j->passes, &a, &c);
	memset(res, 0, sizeof(*res));
	res->passes = j->passes;
	res->elements_checked = j->n;
	for (uint64_t i = 0; i < j->n; i++) {
		uint32_t want = a * init_value(i, j->seed) + c, got = j->staging[i];

		if (got != want && !res->mismatches++) {
			res->first_bad_offset = i * 4 + __builtin_ctz(got ^ want) / 8;
			res->expected = want;
			res->got = got;
		}
	}
	if (res->mismatches)
		return lr_fail(err, LR_ERR,
			       "vlr: verify: %" PRIu64 " of %" PRIu64
			       " elements wrong after %" PRIu64
			       " passes; first bad byte offset %" PRIu64
			       " (element expected 0x%08" PRIx64 ", got 0x%08" PRIx64 ")",
			       res->mismatches, j->n, j->passes, res->first_bad_offset,
			       res->expected, res->got);
	return LR_OK;
}

/* Flip one bit of the element at @off in device memory (through staging). */
static int vlr_job_corrupt(struct lr_job *j, uint64_t off, struct lr_err *err)
{
	uint64_t el = off / 4 * 4;

	if (!j->stopped)
		return lr_fail(err, LR_ERR, "vlr: corrupt before job_stop");
	if (off >= j->bytes)
		return lr_fail(err, LR_ERR,
			       "vlr: corrupt offset %" PRIu64 " outside the %" PRIu64
			       "-byte job buffer",
			       off, j->bytes);
	if (job_copy(j, JOB_DATA_ADDR + el, staging_addr(j) + el, 4, "corrupt: read", err))
		return LR_ERR;
	j->staging[el / 4] ^= 1u << ((off % 4) * 8);
	return job_copy(j, staging_addr(j) + el, JOB_DATA_ADDR + el, 4, "corrupt: write", err);
}

static void vlr_job_destroy(struct lr_job *j)
{
	int fd;

	if (!j)
		return;
	fd = j->dev->fd;
	if (j->queue && !j->stopped && j->stop) {
		*j->stop = 1;
		wait_ufence(fd, j->vm, JOB_CTL_ADDR + CTL_UFENCE, STREAM_DONE);
	}
	queue_destroy(fd, j->queue);
	vm_destroy(fd, j->vm);
	if (j->ctl)
		munmap(j->ctl, VLR_PAGE);
	if (j->staging)
		munmap(j->staging, j->bytes);
	bo_close(fd, j->ctl_bo);
	bo_close(fd, j->staging_bo);
	bo_close(fd, j->data_bo);
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
	TRY(vm_create(fd, &b->vm), "vlr: pressure VM_CREATE: %s", serr(ret));
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
	if ((ret = queue_create(fd, b->vm, &b->queue)))
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
		if ((ret = wait_ufence(fd, b->vm, PRESS_CTL_ADDR, b->fence))) {
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

static const char *const vlr_configs[] = {"preempt-fence", "open-coded", NULL};

static int vlr_set_config(struct lr_dev *d, const char *name, struct lr_err *err)
{
	struct drm_vlr_set_mode m = {0};
	int ret;

	if (!strcmp(name, "preempt-fence"))
		m.mode = DRM_VLR_MODE_PREEMPT_FENCE;
	else if (!strcmp(name, "open-coded"))
		m.mode = DRM_VLR_MODE_OPEN_CODED;
	else
		return lr_fail(err, LR_ERR, "vlr: unknown config '%s' (preempt-fence, open-coded)",
			       name);
	ret = xioctl(d->fd, DRM_IOCTL_VLR_SET_MODE, &m);
	if (ret)
		return lr_fail(err, LR_ERR, "vlr: SET_MODE %s: %s", name, serr(ret));
	d->info.mode = m.mode;
	return LR_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_ns(const __u64 *v, unsigned int n)
{
	uint64_t tmp[DRM_VLR_STATS_SAMPLES];

	if (n > DRM_VLR_STATS_SAMPLES)
		n = DRM_VLR_STATS_SAMPLES;
	if (!n)
		return NAN;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	return n % 2 ? (double)tmp[n / 2] : ((double)tmp[n / 2 - 1] + (double)tmp[n / 2]) / 2;
}

static int vlr_kernel_metrics(struct lr_dev *d, int reset, struct lr_kmetrics *out,
			      struct lr_err *err)
{
	struct drm_vlr_get_stats g = {.flags = reset ? DRM_VLR_STATS_RESET : 0};
	int ret = xioctl(d->fd, DRM_IOCTL_VLR_GET_STATS, &g);

	if (ret)
		return lr_fail(err, LR_ERR, "vlr: GET_STATS: %s", serr(ret));
	out->preemptions = g.stats.preemptions;
	out->restores = g.stats.restores;
	out->evictions = g.stats.evictions;
	out->bytes_to_vram = g.stats.bytes_to_vram;
	out->bytes_to_system = g.stats.bytes_to_system;
	out->preempt_lat_p50_ns = median_ns(g.stats.preempt_lat_ns, g.stats.preempt_samples);
	out->restore_lat_p50_ns = median_ns(g.stats.restore_lat_ns, g.stats.restore_samples);
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
};
