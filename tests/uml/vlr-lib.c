// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "vlr-lib.h"

int vlr_ioctl(int fd, unsigned long req, void *arg)
{
	return drmIoctl(fd, req, arg) ? -errno : 0;
}

int vlr_open(void)
{
	char path[64];

	for (int i = 128; i < 192; i++) {
		drmVersionPtr v;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, "vlr")) {
			drmFreeVersion(v);
			return fd;
		}
		if (v)
			drmFreeVersion(v);
		close(fd);
	}
	fprintf(stderr, "vlr: no render node of the vlr driver in /dev/dri\n");
	return -1;
}

int vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm_id, uint32_t *handle)
{
	struct drm_vlr_gem_create c = {.size = size, .flags = flags, .vm_id = vm_id};
	int ret = vlr_ioctl(fd, DRM_IOCTL_VLR_GEM_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

void *vlr_bo_map(int fd, uint32_t handle, uint64_t size)
{
	struct drm_vlr_gem_mmap_offset m = {.handle = handle};
	void *p;

	if (vlr_ioctl(fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &m))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	return p == MAP_FAILED ? NULL : p;
}

int vlr_bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = {.handle = handle};

	return vlr_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int vlr_vm_create(int fd, uint32_t *vm_id)
{
	struct drm_vlr_vm_create c = {0};
	int ret = vlr_ioctl(fd, DRM_IOCTL_VLR_VM_CREATE, &c);

	if (!ret)
		*vm_id = c.vm_id;
	return ret;
}

int vlr_vm_destroy(int fd, uint32_t vm_id)
{
	struct drm_vlr_vm_destroy d = {.vm_id = vm_id};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_VM_DESTROY, &d);
}

int vlr_bind(int fd, uint32_t vm_id, uint32_t handle, uint64_t bo_offset, uint64_t addr,
	     uint64_t range)
{
	struct drm_vlr_vm_bind b = {
	    .vm_id = vm_id,
	    .op = DRM_VLR_VM_BIND_OP_MAP,
	    .handle = handle,
	    .bo_offset = bo_offset,
	    .addr = addr,
	    .range = range,
	};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_VM_BIND, &b);
}

int vlr_unbind(int fd, uint32_t vm_id, uint64_t addr, uint64_t range)
{
	struct drm_vlr_vm_bind b = {
	    .vm_id = vm_id, .op = DRM_VLR_VM_BIND_OP_UNMAP, .addr = addr, .range = range};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_VM_BIND, &b);
}

int vlr_queue_create(int fd, uint32_t vm_id, uint32_t *queue_id)
{
	struct drm_vlr_queue_create c = {.vm_id = vm_id};
	int ret = vlr_ioctl(fd, DRM_IOCTL_VLR_QUEUE_CREATE, &c);

	if (!ret)
		*queue_id = c.queue_id;
	return ret;
}

int vlr_queue_destroy(int fd, uint32_t queue_id)
{
	struct drm_vlr_queue_destroy d = {.queue_id = queue_id};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_QUEUE_DESTROY, &d);
}

int vlr_exec(int fd, struct drm_vlr_exec *e)
{
	return vlr_ioctl(fd, DRM_IOCTL_VLR_EXEC, e);
}

int vlr_wait_ufence(int fd, uint32_t vm_id, uint64_t addr, uint64_t value, int64_t timeout_ns)
{
	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm_id,
	    .op = DRM_VLR_UFENCE_OP_EQ,
	    .addr = addr,
	    .value = value,
	    .mask = ~0ull,
	    .timeout_ns = timeout_ns,
	};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);
}

int vlr_set_mode(int fd, uint32_t mode)
{
	struct drm_vlr_set_mode m = {.mode = mode};

	return vlr_ioctl(fd, DRM_IOCTL_VLR_SET_MODE, &m);
}

int vlr_get_stats(int fd, uint32_t queue_id, bool reset, struct drm_vlr_stats *s)
{
	struct drm_vlr_get_stats g = {.queue_id = queue_id,
				      .flags = reset ? DRM_VLR_STATS_RESET : 0};
	int ret = vlr_ioctl(fd, DRM_IOCTL_VLR_GET_STATS, &g);

	if (!ret)
		*s = g.stats;
	return ret;
}

/* x -> a*x + c applied k times, by squaring the affine map. */
void vlr_lcg_pow(uint64_t k, uint32_t *a, uint32_t *c)
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t vlr_median(const __u64 *v, unsigned int n)
{
	uint64_t tmp[DRM_VLR_STATS_SAMPLES];

	if (!n)
		return 0;
	if (n > DRM_VLR_STATS_SAMPLES)
		n = DRM_VLR_STATS_SAMPLES;
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

double vlr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *vlr_mode_name(uint32_t mode)
{
	return mode == DRM_VLR_MODE_OPEN_CODED ? "open-coded" : "preempt-fence";
}

int vlr_stream_start(struct vlr_stream *s, int fd, uint64_t data_size, uint32_t seed)
{
	void *ctl;
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->data_size = data_size;
	CHECK(!(ret = vlr_vm_create(fd, &s->vm)), "VM_CREATE: %s", strerror(-ret));
	CHECK(!(ret = vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->ctl_bo)),
	      "GEM_CREATE ctl: %s", strerror(-ret));
	CHECK(!(ret = vlr_bo_create(fd, data_size, DRM_VLR_GEM_CREATE_SYSTEM, 0, &s->staging_bo)),
	      "GEM_CREATE staging: %s", strerror(-ret));
	CHECK(!(ret = vlr_bo_create(fd, data_size, 0, s->vm, &s->data_bo)),
	      "GEM_CREATE data (%llu bytes VRAM): %s", (unsigned long long)data_size,
	      strerror(-ret));
	ctl = vlr_bo_map(fd, s->ctl_bo, 4096);
	CHECK(ctl, "mmap ctl: %s", strerror(errno));
	s->progress = (uint64_t *)((char *)ctl + VLR_PROGRESS);
	s->stop = (uint32_t *)((char *)ctl + VLR_STOP);
	s->ufence = (uint64_t *)((char *)ctl + VLR_UFENCE);
	s->staging = vlr_bo_map(fd, s->staging_bo, data_size);
	CHECK(s->staging, "mmap staging: %s", strerror(errno));

	s->init = malloc(data_size);
	CHECK(s->init, "out of memory");
	for (uint64_t i = 0; i < data_size / 4; i++)
		s->init[i] = s->staging[i] = (uint32_t)(i * 2654435761u) ^ seed;

	CHECK(!(ret = vlr_bind(fd, s->vm, s->ctl_bo, 0, VLR_CTL_ADDR, 4096)), "bind ctl: %s",
	      strerror(-ret));
	CHECK(!(ret = vlr_bind(fd, s->vm, s->staging_bo, 0, VLR_STAGING_ADDR, data_size)),
	      "bind staging: %s", strerror(-ret));
	CHECK(!(ret = vlr_bind(fd, s->vm, s->data_bo, 0, VLR_DATA_ADDR, data_size)),
	      "bind data: %s", strerror(-ret));
	CHECK(!(ret = vlr_queue_create(fd, s->vm, &s->queue)), "QUEUE_CREATE: %s", strerror(-ret));

	/* Load the data through the engine, then start the stream behind it. */
	struct drm_vlr_exec load = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = VLR_STAGING_ADDR,
	    .dst = VLR_DATA_ADDR,
	    .len = data_size,
	};
	CHECK(!(ret = vlr_exec(fd, &load)), "EXEC load: %s", strerror(-ret));
	struct drm_vlr_exec e = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = VLR_DATA_ADDR,
	    .len = data_size,
	    .progress_addr = VLR_CTL_ADDR + VLR_PROGRESS,
	    .stop_addr = VLR_CTL_ADDR + VLR_STOP,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE,
	    .ufence_value = 0xf00d,
	};
	CHECK(!(ret = vlr_exec(fd, &e)), "EXEC stream: %s", strerror(-ret));
	return 0;
}

int vlr_stream_wait_progress(struct vlr_stream *s, uint64_t from, double timeout_s)
{
	double end = vlr_now() + timeout_s;

	while (*s->progress <= from) {
		CHECK(vlr_now() < end, "no progress past %llu passes in %.1f s",
		      (unsigned long long)from, timeout_s);
		usleep(1000);
	}
	return 0;
}

int vlr_stream_stop_verify(struct vlr_stream *s)
{
	uint64_t k, bad = 0;
	uint32_t a, c;
	int ret;

	*s->stop = 1;
	ret = vlr_wait_ufence(s->fd, s->vm, VLR_CTL_ADDR + VLR_UFENCE, 0xf00d, 20000000000ll);
	CHECK(!ret, "stream did not stop within 20 s: %s", strerror(-ret));
	k = *s->progress;

	/* Copy the result back through the engine. */
	memset(s->staging, 0, s->data_size);
	struct drm_vlr_exec back = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = VLR_DATA_ADDR,
	    .dst = VLR_STAGING_ADDR,
	    .len = s->data_size,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE2,
	    .ufence_value = k + 1,
	};
	CHECK(!(ret = vlr_exec(s->fd, &back)), "EXEC copy back: %s", strerror(-ret));
	ret = vlr_wait_ufence(s->fd, s->vm, VLR_CTL_ADDR + VLR_UFENCE2, k + 1, 20000000000ll);
	CHECK(!ret, "copy back did not finish within 20 s: %s", strerror(-ret));

	vlr_lcg_pow(k, &a, &c);
	for (uint64_t i = 0; i < s->data_size / 4; i++) {
		uint32_t want = a * s->init[i] + c;

		if (s->staging[i] != want && bad++ < 5)
			fprintf(stderr, "element %llu after %llu passes: 0x%08x, expected 0x%08x\n",
				(unsigned long long)i, (unsigned long long)k, s->staging[i], want);
	}
	CHECK(!bad, "%llu of %llu elements wrong after %llu passes", (unsigned long long)bad,
	      (unsigned long long)(s->data_size / 4), (unsigned long long)k);
	return 0;
}

void vlr_stream_fini(struct vlr_stream *s)
{
	if (s->queue)
		vlr_queue_destroy(s->fd, s->queue);
	if (s->vm)
		vlr_vm_destroy(s->fd, s->vm);
	if (s->progress)
		munmap((void *)s->progress, 4096);
	if (s->staging)
		munmap(s->staging, s->data_size);
	if (s->ctl_bo)
		vlr_bo_close(s->fd, s->ctl_bo);
	if (s->staging_bo)
		vlr_bo_close(s->fd, s->staging_bo);
	if (s->data_bo)
		vlr_bo_close(s->fd, s->data_bo);
	free(s->init);
	memset(s, 0, sizeof(*s));
}
