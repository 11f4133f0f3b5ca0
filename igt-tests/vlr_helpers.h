/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vlr IGT tests: open the vlr render node, wrap its
 * ioctls (include/uapi/drm/vlr_drm.h, copy in workloads/uapi/drm/), and
 * compute the exact state of a STREAM buffer after K passes.
 *
 * Functions named __vlr_*() return 0 or -errno; vlr_*() assert success.
 * Everything is static: each test binary is one translation unit, as in IGT.
 */
#ifndef LRBENCH_VLR_HELPERS_H
#define LRBENCH_VLR_HELPERS_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <xf86drm.h>

#include "igt.h"
#include "vlr_drm.h"
#include "vlr_stream.h"

#define VLR_PAGE   4096ull
#define VLR_SEC_NS 1000000000ll
#define VLR_MS_NS  1000000ll
/* Generous limits: UML is uniprocessor and the kernel has lockdep/KASAN on. */
#define VLR_WAIT_NS    (20 * VLR_SEC_NS)
#define VLR_PROGRESS_S 20

static inline uint64_t vlr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * VLR_SEC_NS + ts.tv_nsec;
}

/*
 * Open the render node whose driver is "vlr" (Debian's IGT does not know the
 * driver, so scan /dev/dri/renderD* ourselves). Returns -1 when there is none.
 */
static inline int vlr_open_render(void)
{
	DIR *dir = opendir("/dev/dri");
	struct dirent *de;
	int found = -1;

	if (!dir)
		return -1;
	while (found < 0 && (de = readdir(dir))) {
		char path[300];
		drmVersionPtr v;
		int fd;

		if (strncmp(de->d_name, "renderD", 7))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && v->name && !strcmp(v->name, "vlr")) {
			igt_debug("vlr render node: %s\n", path);
			found = fd;
		} else {
			close(fd);
		}
		drmFreeVersion(v);
	}
	closedir(dir);
	return found;
}

/* Skips (never fails) when the device is absent or speaks another uAPI. */
static inline int vlr_require_device(struct drm_vlr_get_info *info)
{
	int fd = vlr_open_render();

	igt_require_f(fd >= 0,
		      "no vlr render node in /dev/dri (vlr not built into this kernel?)\n");
	memset(info, 0, sizeof(*info));
	do_ioctl(fd, DRM_IOCTL_VLR_GET_INFO, info);
	igt_require_f(info->uapi_version >= DRM_VLR_UAPI_VERSION,
		      "vlr uAPI %u is older than the tests' %u\n", info->uapi_version,
		      DRM_VLR_UAPI_VERSION);
	igt_info("vlr: %" PRIu64 " MiB VRAM, VA %" PRIu64 " GiB, mode %u, granularity %u, "
		 "min run %u us, restore retries %u\n",
		 (uint64_t)info->vram_size >> 20, (uint64_t)info->va_size >> 30, info->mode,
		 info->preempt_granularity, info->min_run_us, info->max_restore_retries);
	return fd;
}

static inline int __vlr_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = igt_ioctl(fd, req, arg);

	return ret ? -errno : 0;
}

static inline uint32_t vlr_vm_create(int fd)
{
	struct drm_vlr_vm_create c = {};

	do_ioctl(fd, DRM_IOCTL_VLR_VM_CREATE, &c);
	igt_assert_neq(c.vm_id, 0);
	return c.vm_id;
}

static inline int __vlr_vm_destroy(int fd, uint32_t vm)
{
	struct drm_vlr_vm_destroy d = {.vm_id = vm};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_VM_DESTROY, &d);
}

static inline void vlr_vm_destroy(int fd, uint32_t vm)
{
	igt_assert_eq(__vlr_vm_destroy(fd, vm), 0);
}

static inline int __vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm,
				  uint32_t *handle)
{
	struct drm_vlr_gem_create c = {.size = size, .flags = flags, .vm_id = vm};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_GEM_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline uint32_t vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm)
{
	uint32_t handle = 0;

	igt_assert_eq(__vlr_bo_create(fd, size, flags, vm, &handle), 0);
	igt_assert_neq(handle, 0);
	return handle;
}

static inline void vlr_bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = {.handle = handle};

	do_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static inline void *vlr_bo_mmap(int fd, uint32_t handle, uint64_t size)
{
	struct drm_vlr_gem_mmap_offset m = {.handle = handle};
	void *ptr;

	do_ioctl(fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &m);
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, m.offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of BO %u (%" PRIu64 " bytes): %s\n", handle, size,
		     strerror(errno));
	return ptr;
}

static inline int __vlr_bind(int fd, uint32_t vm, uint32_t op, uint32_t handle, uint64_t bo_offset,
			     uint64_t addr, uint64_t range)
{
	struct drm_vlr_vm_bind b = {
	    .vm_id = vm,
	    .op = op,
	    .handle = handle,
	    .bo_offset = bo_offset,
	    .addr = addr,
	    .range = range,
	};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_VM_BIND, &b);
}

static inline void vlr_map(int fd, uint32_t vm, uint32_t handle, uint64_t addr, uint64_t range)
{
	igt_assert_eq(__vlr_bind(fd, vm, DRM_VLR_VM_BIND_OP_MAP, handle, 0, addr, range), 0);
}

static inline void vlr_unmap(int fd, uint32_t vm, uint64_t addr, uint64_t range)
{
	igt_assert_eq(__vlr_bind(fd, vm, DRM_VLR_VM_BIND_OP_UNMAP, 0, 0, addr, range), 0);
}

static inline uint32_t vlr_queue_create(int fd, uint32_t vm)
{
	struct drm_vlr_queue_create c = {.vm_id = vm};

	do_ioctl(fd, DRM_IOCTL_VLR_QUEUE_CREATE, &c);
	igt_assert_neq(c.queue_id, 0);
	return c.queue_id;
}

static inline int __vlr_queue_destroy(int fd, uint32_t queue)
{
	struct drm_vlr_queue_destroy d = {.queue_id = queue};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_QUEUE_DESTROY, &d);
}

static inline int __vlr_exec(int fd, struct drm_vlr_exec *e)
{
	return __vlr_ioctl(fd, DRM_IOCTL_VLR_EXEC, e);
}

static inline int __vlr_wait_ufence(int fd, uint32_t vm, uint64_t addr, uint32_t op, uint64_t value,
				    uint32_t flags, int64_t *timeout_ns)
{
	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm,
	    .op = op,
	    .flags = flags,
	    .addr = addr,
	    .value = value,
	    .mask = ~0ull,
	    .timeout_ns = *timeout_ns,
	};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);

	*timeout_ns = w.timeout_ns;
	return ret;
}

/* Waits (relative timeout) until the u64 at addr equals value; asserts it did. */
static inline void vlr_wait_eq(int fd, uint32_t vm, uint64_t addr, uint64_t value, int64_t ns)
{
	int64_t t = ns;
	int ret = __vlr_wait_ufence(fd, vm, addr, DRM_VLR_UFENCE_OP_EQ, value, 0, &t);

	igt_assert_f(ret == 0,
		     "user fence at %#" PRIx64 " never reached %" PRIu64 " in %.1f s: %s\n", addr,
		     value, ns / 1e9, strerror(-ret));
}

static inline int __vlr_set_mode(int fd, uint32_t mode)
{
	struct drm_vlr_set_mode m = {.mode = mode};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_SET_MODE, &m);
}

static inline void vlr_get_stats(int fd, uint32_t queue, struct drm_vlr_stats *out)
{
	struct drm_vlr_get_stats g = {.queue_id = queue};

	do_ioctl(fd, DRM_IOCTL_VLR_GET_STATS, &g);
	*out = g.stats;
}

#endif /* LRBENCH_VLR_HELPERS_H */
