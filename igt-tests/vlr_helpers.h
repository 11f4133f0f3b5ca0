/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vlr IGT tests: the raw uAPI access of vlr_ioctl.h
 * (workloads/uapi/, shared with lrbench's vlr backend and tests/uml, no IGT
 * dependency) routed through igt_ioctl, asserting wrappers over it, and the
 * STREAM data model of vlr_stream.h.
 *
 * Functions named __vlr_*() (vlr_ioctl.h) return 0 or -errno; vlr_*() here
 * assert success.
 * Everything is static: each test binary is one translation unit, as in IGT.
 */
#ifndef LRBENCH_VLR_HELPERS_H
#define LRBENCH_VLR_HELPERS_H

#include <sys/ioctl.h>
#include <sys/mman.h>

#include "igt.h"
/* Every vlr ioctl of the IGT tests goes through IGT's hookable igt_ioctl. */
#define VLR_IOCTL_FN igt_ioctl
#include "vlr_ioctl.h"
#include "vlr_stream.h"

#define VLR_PAGE   4096ull
#define VLR_SEC_NS 1000000000ll
#define VLR_MS_NS  1000000ll
/* Generous limits: UML is uniprocessor and the kernel has lockdep/KASAN on. */
#define VLR_WAIT_NS    (20 * VLR_SEC_NS)
#define VLR_PROGRESS_S 20

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

static inline uint32_t vlr_vm_create_flags(int fd, uint32_t flags)
{
	uint32_t vm = 0;

	igt_assert_eq(__vlr_vm_create(fd, flags, &vm), 0);
	igt_assert_neq(vm, 0);
	return vm;
}

static inline uint32_t vlr_vm_create(int fd)
{
	return vlr_vm_create_flags(fd, 0);
}

static inline void vlr_vm_destroy(int fd, uint32_t vm)
{
	igt_assert_eq(__vlr_vm_destroy(fd, vm), 0);
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
	igt_assert_eq(__vlr_gem_close(fd, handle), 0);
}

static inline void *vlr_bo_mmap(int fd, uint32_t handle, uint64_t size)
{
	uint64_t offset = 0;
	void *ptr;

	igt_assert_eq(__vlr_mmap_offset(fd, handle, &offset), 0);
	ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of BO %u (%" PRIu64 " bytes): %s\n", handle, size,
		     strerror(errno));
	return ptr;
}

static inline void vlr_map(int fd, uint32_t vm, uint32_t handle, uint64_t addr, uint64_t range)
{
	igt_assert_eq(__vlr_bind(fd, vm, DRM_VLR_VM_BIND_OP_MAP, handle, 0, addr, range), 0);
}

static inline void vlr_unmap(int fd, uint32_t vm, uint64_t addr, uint64_t range)
{
	igt_assert_eq(__vlr_bind(fd, vm, DRM_VLR_VM_BIND_OP_UNMAP, 0, 0, addr, range), 0);
}

static inline uint32_t vlr_queue_create_flags(int fd, uint32_t vm, uint32_t flags)
{
	uint32_t queue = 0;

	igt_assert_eq(__vlr_queue_create(fd, vm, flags, &queue), 0);
	igt_assert_neq(queue, 0);
	return queue;
}

static inline uint32_t vlr_queue_create(int fd, uint32_t vm)
{
	return vlr_queue_create_flags(fd, vm, 0);
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

static inline void vlr_get_stats(int fd, uint32_t queue, struct drm_vlr_stats *out)
{
	igt_assert_eq(__vlr_get_stats(fd, queue, 0, out), 0);
}

/*
 * VRAM pressure: external BOs totalling @total bytes (chunks of a quarter of
 * VRAM), each bound in a VM of its own without queues. Binding makes a BO
 * resident in VRAM: that is what evicts. One VM per BO: a bind validates the
 * BO under its VM's locks, and BOs bound earlier into the same VM cannot be
 * evicted under them, so one VM holding all of them runs out of VRAM
 * (-ENOSPC) instead of evicting the buffers of the jobs under test, which are
 * the least recently used. External BOs (own reservation objects), so the
 * pressure BOs never depend on evicting each other under one locked resv.
 */
struct vlr_pressure {
	int fd;
	unsigned int count;
	uint32_t vm[16], bo[16];
	uint64_t chunk;
};

#define VLR_PRESSURE_ADDR 0x1000000ull /* in each pressure VM, which maps nothing else */

static inline void vlr_pressure_apply(struct vlr_pressure *p, int fd, uint64_t vram_size,
				      uint64_t total)
{
	p->fd = fd;
	p->chunk = (vram_size / 4) & ~(VLR_PAGE - 1);
	p->count = (total + p->chunk - 1) / p->chunk;
	igt_assert(p->count <= 16);
	for (unsigned int i = 0; i < p->count; i++) {
		p->vm[i] = vlr_vm_create(fd);
		p->bo[i] = vlr_bo_create(fd, p->chunk, 0, 0);
		vlr_map(fd, p->vm[i], p->bo[i], VLR_PRESSURE_ADDR, p->chunk);
	}
}

static inline void vlr_pressure_release(struct vlr_pressure *p)
{
	for (unsigned int i = 0; i < p->count; i++) {
		vlr_vm_destroy(p->fd, p->vm[i]);
		vlr_bo_close(p->fd, p->bo[i]);
	}
}

#endif /* LRBENCH_VLR_HELPERS_H */
