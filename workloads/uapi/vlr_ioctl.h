/* SPDX-License-Identifier: MIT */
/*
 * Raw access to the vlr uAPI (include/uapi/drm/vlr_drm.h, copy in
 * drm/vlr_drm.h beside this file): the one home of the thin ioctl wrappers
 * of every vlr user in this tree, built by three build systems:
 * - the lrbench vlr backend (workloads/vlr*.c, the top-level Makefile),
 * - the IGT tests (igt-tests/vlr_helpers.h; mk/igt.mk, with Debian's
 *   libigt or a real IGT tree),
 * - the UML and stress tests (tests/uml/vlr-lib.h; mk/uml.mk, mk/stress.mk)
 *   and the fuzzer's set-up (mk/fuzz.mk).
 * Each adds -Iworkloads/uapi -Iworkloads/uapi/drm; the header has no IGT
 * dependency and only static inline functions, so nothing is linked.
 *
 * One error convention: every __vlr_*() fills the ioctl argument and returns
 * 0 or -errno; the ioctl goes through VLR_IOCTL_FN, libdrm's drmIoctl()
 * unless the includer defines it (the IGT tests use igt_ioctl so that IGT's
 * ioctl hooks see every call; both restart on EINTR and EAGAIN). Checking,
 * asserting or cleanup forms live with each user.
 */
#ifndef LRBENCH_VLR_IOCTL_H
#define LRBENCH_VLR_IOCTL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "vlr_drm.h"

#ifndef VLR_IOCTL_FN
#define VLR_IOCTL_FN drmIoctl
#endif

static inline uint64_t vlr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline int __vlr_ioctl(int fd, unsigned long req, void *arg)
{
	return VLR_IOCTL_FN(fd, req, arg) ? -errno : 0;
}

/* Whether @fd is a DRM device file whose driver is "vlr". */
static inline bool vlr_is_vlr(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	bool vlr = v && v->name && !strcmp(v->name, "vlr");

	drmFreeVersion(v);
	return vlr;
}

/*
 * Opens the render node whose driver is "vlr" (IGT's drm_open_driver() does
 * not know the driver, so scan /dev/dri/renderD* ourselves). Returns the fd,
 * or -1 when there is none. Every call opens a new file (a new DRM client).
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
		int fd;

		if (strncmp(de->d_name, "renderD", 7))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (vlr_is_vlr(fd))
			found = fd;
		else
			close(fd);
	}
	closedir(dir);
	return found;
}

/*
 * The DRM client id of @fd (drm-client-id in its fdinfo, what the vlr
 * tracepoints call client): 0 or -errno, -ENOENT when fdinfo has none.
 */
static inline int vlr_drm_client_id(int fd, uint64_t *id)
{
	char path[64], line[256];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "drm-client-id: %llu", &v) == 1) {
			*id = v;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static inline int __vlr_get_info(int fd, struct drm_vlr_get_info *info)
{
	memset(info, 0, sizeof(*info));
	return __vlr_ioctl(fd, DRM_IOCTL_VLR_GET_INFO, info);
}

/* flags: DRM_VLR_VM_CREATE_* (0: a long-running VM). */
static inline int __vlr_vm_create(int fd, uint32_t flags, uint32_t *vm)
{
	struct drm_vlr_vm_create c = {.flags = flags};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_VM_CREATE, &c);

	if (!ret)
		*vm = c.vm_id;
	return ret;
}

static inline int __vlr_vm_destroy(int fd, uint32_t vm)
{
	struct drm_vlr_vm_destroy d = {.vm_id = vm};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_VM_DESTROY, &d);
}

/* vm 0: an external BO (own reservation object, exportable as dma-buf). */
static inline int __vlr_bo_create(int fd, uint64_t size, uint32_t flags, uint32_t vm,
				  uint32_t *handle)
{
	struct drm_vlr_gem_create c = {.size = size, .flags = flags, .vm_id = vm};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_GEM_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static inline int __vlr_gem_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = {.handle = handle};

	return __vlr_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static inline int __vlr_mmap_offset(int fd, uint32_t handle, uint64_t *offset)
{
	struct drm_vlr_gem_mmap_offset m = {.handle = handle};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &m);

	if (!ret)
		*offset = m.offset;
	return ret;
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

/* flags: DRM_VLR_QUEUE_CREATE_*. */
static inline int __vlr_queue_create(int fd, uint32_t vm, uint32_t flags, uint32_t *queue)
{
	struct drm_vlr_queue_create c = {.vm_id = vm, .flags = flags};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_QUEUE_CREATE, &c);

	if (!ret)
		*queue = c.queue_id;
	return ret;
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

/*
 * Waits until (u64 at addr) op value; queue: 0, or the queue expected to
 * write it (-EIO once that queue is banned). *timeout_ns is relative, or
 * absolute with DRM_VLR_UFENCE_WAIT_ABSOLUTE; it is updated as the kernel
 * writes it back.
 */
static inline int __vlr_wait_ufence_queue(int fd, uint32_t vm, uint32_t queue, uint64_t addr,
					  uint32_t op, uint64_t value, uint32_t flags,
					  int64_t *timeout_ns)
{
	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm,
	    .op = op,
	    .flags = flags,
	    .queue_id = queue,
	    .addr = addr,
	    .value = value,
	    .mask = ~0ull,
	    .timeout_ns = *timeout_ns,
	};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);

	*timeout_ns = w.timeout_ns;
	return ret;
}

static inline int __vlr_wait_ufence(int fd, uint32_t vm, uint64_t addr, uint32_t op, uint64_t value,
				    uint32_t flags, int64_t *timeout_ns)
{
	return __vlr_wait_ufence_queue(fd, vm, 0, addr, op, value, flags, timeout_ns);
}

static inline int __vlr_set_mode(int fd, uint32_t mode)
{
	struct drm_vlr_set_mode m = {.mode = mode};

	return __vlr_ioctl(fd, DRM_IOCTL_VLR_SET_MODE, &m);
}

/* queue 0: device-wide counters; flags: DRM_VLR_STATS_*. */
static inline int __vlr_get_stats(int fd, uint32_t queue, uint32_t flags, struct drm_vlr_stats *out)
{
	struct drm_vlr_get_stats g = {.queue_id = queue, .flags = flags};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_VLR_GET_STATS, &g);

	if (!ret)
		*out = g.stats;
	return ret;
}

/* PRIME through the core ioctls (what drmPrimeHandleToFD/FDToHandle do). */
static inline int __vlr_prime_export(int fd, uint32_t handle, int *dmabuf)
{
	struct drm_prime_handle p = {.handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (!ret)
		*dmabuf = p.fd;
	return ret;
}

static inline int __vlr_prime_import(int fd, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = {.fd = dmabuf};
	int ret = __vlr_ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	if (!ret)
		*handle = p.handle;
	return ret;
}

/*
 * drmSyncobjWait() for one syncobj with a relative timeout (the ioctl takes
 * an absolute CLOCK_MONOTONIC one). No WAIT_FOR_SUBMIT: the exec must have
 * installed a fence already (-EINVAL otherwise). 0, -ETIME or -errno.
 */
static inline int __vlr_syncobj_wait(int fd, uint32_t syncobj, int64_t timeout_ns)
{
	uint32_t h = syncobj;

	return drmSyncobjWait(fd, &h, 1, (int64_t)vlr_now_ns() + timeout_ns, 0, NULL);
}

#endif /* LRBENCH_VLR_IOCTL_H */
