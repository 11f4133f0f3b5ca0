// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vlr-lib.h"

int vlr_ioctl(int fd, unsigned long req, void *arg)
{
	return __vlr_ioctl(fd, req, arg);
}

int vlr_open(void)
{
	int fd = vlr_open_render();

	if (fd < 0)
		fprintf(stderr, "vlr: no render node of the vlr driver in /dev/dri\n");
	return fd;
}

int vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm_id, uint32_t *handle)
{
	return __vlr_bo_create(fd, size, flags, vm_id, handle);
}

void *vlr_bo_map(int fd, uint32_t handle, uint64_t size)
{
	uint64_t offset;
	void *p;

	if (__vlr_mmap_offset(fd, handle, &offset))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	return p == MAP_FAILED ? NULL : p;
}

int vlr_bo_close(int fd, uint32_t handle)
{
	return __vlr_gem_close(fd, handle);
}

int vlr_vm_create(int fd, uint32_t *vm_id)
{
	return __vlr_vm_create(fd, 0, vm_id);
}

int vlr_vm_destroy(int fd, uint32_t vm_id)
{
	return __vlr_vm_destroy(fd, vm_id);
}

int vlr_bind(int fd, uint32_t vm_id, uint32_t handle, uint64_t bo_offset, uint64_t addr,
	     uint64_t range)
{
	return __vlr_bind(fd, vm_id, DRM_VLR_VM_BIND_OP_MAP, handle, bo_offset, addr, range);
}

int vlr_unbind(int fd, uint32_t vm_id, uint64_t addr, uint64_t range)
{
	return __vlr_bind(fd, vm_id, DRM_VLR_VM_BIND_OP_UNMAP, 0, 0, addr, range);
}

int vlr_queue_create(int fd, uint32_t vm_id, uint32_t *queue_id)
{
	return __vlr_queue_create(fd, vm_id, 0, queue_id);
}

int vlr_queue_destroy(int fd, uint32_t queue_id)
{
	return __vlr_queue_destroy(fd, queue_id);
}

int vlr_exec(int fd, struct drm_vlr_exec *e)
{
	return __vlr_exec(fd, e);
}

int vlr_wait_ufence(int fd, uint32_t vm_id, uint64_t addr, uint64_t value, int64_t timeout_ns)
{
	return __vlr_wait_ufence(fd, vm_id, addr, DRM_VLR_UFENCE_OP_EQ, value, 0, &timeout_ns);
}

int vlr_set_mode(int fd, uint32_t mode)
{
	return __vlr_set_mode(fd, mode);
}

int vlr_get_stats(int fd, uint32_t queue_id, bool reset, struct drm_vlr_stats *s)
{
	return __vlr_get_stats(fd, queue_id, reset ? DRM_VLR_STATS_RESET : 0, s);
}

/* x -> a*x + c applied k times: vlr_stream.h's O(log k) composition. */
void vlr_lcg_pow(uint64_t k, uint32_t *a, uint32_t *c)
{
	*c = vlr_lcg_jump(0, k);
	*a = vlr_lcg_jump(1, k) - *c;
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
	return vlr_stream_start_flags(s, fd, data_size, seed, 0);
}

int vlr_stream_start_flags(struct vlr_stream *s, int fd, uint64_t data_size, uint32_t seed,
			   uint32_t queue_flags)
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
	CHECK(!(ret = __vlr_queue_create(fd, s->vm, queue_flags, &s->queue)),
	      "QUEUE_CREATE (flags %#x): %s", queue_flags, strerror(-ret));

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

int vlr_stream_checkpoint(struct vlr_stream *s, bool restart, uint64_t *bad)
{
	volatile uint64_t *copied = (volatile uint64_t *)((char *)s->progress + VLR_UFENCE2);
	int64_t timeout = 20000000000ll;
	uint64_t k, n = s->data_size / 4;
	uint32_t a, c;
	int ret;

	*bad = 0;
	*s->stop = 1;
	ret = __vlr_wait_ufence_queue(s->fd, s->vm, s->queue, VLR_CTL_ADDR + VLR_UFENCE,
				      DRM_VLR_UFENCE_OP_EQ, 0xf00d, 0, &timeout);
	CHECK(!ret, "checkpoint: stream (queue %u) did not stop within 20 s: %s", s->queue,
	      strerror(-ret));
	k = s->passes_done + *s->progress;

	memset(s->staging, 0, s->data_size);
	*copied = 0;
	struct drm_vlr_exec back = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = VLR_DATA_ADDR,
	    .dst = VLR_STAGING_ADDR,
	    .len = s->data_size,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE2,
	    .ufence_value = k + 1,
	};
	CHECK(!(ret = vlr_exec(s->fd, &back)), "checkpoint: EXEC copy back (queue %u): %s",
	      s->queue, strerror(-ret));
	timeout = 20000000000ll;
	ret = __vlr_wait_ufence_queue(s->fd, s->vm, s->queue, VLR_CTL_ADDR + VLR_UFENCE2,
				      DRM_VLR_UFENCE_OP_EQ, k + 1, 0, &timeout);
	CHECK(!ret, "checkpoint: copy back (queue %u) did not finish within 20 s: %s", s->queue,
	      strerror(-ret));

	vlr_lcg_pow(k, &a, &c);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t want = a * s->init[i] + c;

		if (s->staging[i] != want && (*bad)++ < 5)
			fprintf(stderr,
				"checkpoint: queue %u: element %llu after %llu passes: 0x%08x, "
				"expected 0x%08x\n",
				s->queue, (unsigned long long)i, (unsigned long long)k,
				s->staging[i], want);
	}
	if (!restart)
		return 0;

	s->passes_done = k;
	*s->progress = 0;
	*s->ufence = 0;
	*s->stop = 0;
	struct drm_vlr_exec e = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = VLR_DATA_ADDR,
	    .len = s->data_size,
	    .progress_addr = VLR_CTL_ADDR + VLR_PROGRESS,
	    .stop_addr = VLR_CTL_ADDR + VLR_STOP,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE,
	    .ufence_value = 0xf00d,
	};
	CHECK(!(ret = vlr_exec(s->fd, &e)), "checkpoint: EXEC stream restart (queue %u): %s",
	      s->queue, strerror(-ret));
	return 0;
}

int vlr_pressure(int fd, uint64_t bytes, uint64_t bo_size)
{
	uint32_t h[64];
	unsigned int n = 0;
	int ret = 0;

	while (bytes && n < 64) {
		ret = vlr_bo_create(fd, bo_size, 0, 0, &h[n]);
		if (ret)
			break;
		n++;
		bytes -= bytes < bo_size ? bytes : bo_size;
	}
	while (n)
		vlr_bo_close(fd, h[--n]);
	return ret;
}
