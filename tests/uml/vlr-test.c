// SPDX-License-Identifier: MIT
/*
 * vlr-test: functional tests of the vlr device, run inside UML by
 * tests/uml/run.sh. One subtest per invocation:
 *
 *   vlr-test --list
 *   vlr-test [--mode preempt-fence|open-coded] SUBTEST
 *
 * Exit: 0 pass, 1 fail, 77 skip (no vlr device). Mode-dependent subtests
 * switch the device to --mode first (the device must have no queue).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vlr-lib.h"

static uint32_t mode = DRM_VLR_MODE_PREEMPT_FENCE;
static struct drm_vlr_get_info info;

#define MiB (1024ull * 1024)

/* Create and immediately drop VRAM BOs adding up to @bytes: evicts LRU BOs. */
static int pressure(int fd, uint64_t bytes, uint64_t bo_size)
{
	uint32_t h[64];
	unsigned int n = 0;
	int ret;

	while (bytes && n < 64) {
		ret = vlr_bo_create(fd, bo_size, 0, 0, &h[n]);
		CHECK(!ret, "pressure GEM_CREATE %llu bytes: %s", (unsigned long long)bo_size,
		      strerror(-ret));
		n++;
		bytes -= bytes < bo_size ? bytes : bo_size;
	}
	while (n)
		vlr_bo_close(fd, h[--n]);
	return 0;
}

static int test_info(int fd)
{
	CHECK(info.uapi_version == DRM_VLR_UAPI_VERSION, "uapi version %u", info.uapi_version);
	CHECK(info.vram_size >= 4 * MiB, "vram %llu", (unsigned long long)info.vram_size);
	CHECK(info.va_size > VLR_DATA_ADDR, "va size %llu", (unsigned long long)info.va_size);
	return 0;
}

/* Bounded FILL then COPY with user-fence completion; data read back by mmap. */
static int test_fill_copy(int fd)
{
	uint32_t vm, q, ctl, a, b, *pa, *pb;
	volatile uint64_t *uf;
	int ret;

	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, 0, &ctl), "ctl");
	CHECK(!vlr_bo_create(fd, 256 * 1024, 0, vm, &a), "bo a");
	CHECK(!vlr_bo_create(fd, 256 * 1024, 0, 0, &b), "bo b (external)");
	CHECK(!(ret = vlr_bind(fd, vm, ctl, 0, VLR_CTL_ADDR, 4096)), "bind ctl: %s",
	      strerror(-ret));
	CHECK(!(ret = vlr_bind(fd, vm, a, 0, 0x400000, 256 * 1024)), "bind a: %s", strerror(-ret));
	CHECK(!(ret = vlr_bind(fd, vm, b, 0, 0x800000, 256 * 1024)), "bind b: %s", strerror(-ret));
	CHECK(!vlr_queue_create(fd, vm, &q), "QUEUE_CREATE");
	uf = vlr_bo_map(fd, ctl, 4096);
	CHECK(uf, "mmap ctl");

	struct drm_vlr_exec fill = {
	    .queue_id = q,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = 0x400000,
	    .len = 256 * 1024,
	    .value = 0xdeadbeef,
	    .ufence_addr = VLR_CTL_ADDR,
	    .ufence_value = 1,
	};
	struct drm_vlr_exec copy = {
	    .queue_id = q,
	    .program = DRM_VLR_PROG_COPY,
	    .src = 0x400000,
	    .dst = 0x800000,
	    .len = 256 * 1024,
	    .ufence_addr = VLR_CTL_ADDR + 8,
	    .ufence_value = 2,
	};
	CHECK(!(ret = vlr_exec(fd, &fill)), "EXEC fill: %s", strerror(-ret));
	CHECK(!(ret = vlr_exec(fd, &copy)), "EXEC copy: %s", strerror(-ret));
	ret = vlr_wait_ufence(fd, vm, VLR_CTL_ADDR + 8, 2, 10000000000ll);
	CHECK(!ret, "copy did not complete: %s", strerror(-ret));
	CHECK(uf[0] == 1 && uf[1] == 2, "user fences %llu %llu", (unsigned long long)uf[0],
	      (unsigned long long)uf[1]);
	pa = vlr_bo_map(fd, a, 256 * 1024);
	pb = vlr_bo_map(fd, b, 256 * 1024);
	CHECK(pa && pb, "mmap a/b: %s", strerror(errno));
	for (int i = 0; i < 65536; i++)
		CHECK(pa[i] == 0xdeadbeef && pb[i] == 0xdeadbeef, "element %d: %08x %08x", i, pa[i],
		      pb[i]);
	munmap(pa, 256 * 1024);
	munmap(pb, 256 * 1024);
	munmap((void *)uf, 4096);
	CHECK(!vlr_queue_destroy(fd, q), "QUEUE_DESTROY");
	CHECK(!vlr_vm_destroy(fd, vm), "VM_DESTROY");
	vlr_bo_close(fd, ctl);
	vlr_bo_close(fd, a);
	vlr_bo_close(fd, b);
	return 0;
}

/* User-fence waits time out, relative and absolute. */
static int test_ufence_timeout(int fd)
{
	uint32_t vm, ctl;
	struct timespec ts;
	int ret;

	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, 0, &ctl), "ctl");
	CHECK(!vlr_bind(fd, vm, ctl, 0, VLR_CTL_ADDR, 4096), "bind");

	struct drm_vlr_wait_ufence w = {
	    .vm_id = vm,
	    .op = DRM_VLR_UFENCE_OP_EQ,
	    .addr = VLR_CTL_ADDR,
	    .value = 1,
	    .mask = ~0ull,
	    .timeout_ns = 20000000,
	};
	double t0 = vlr_now();

	ret = vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);
	CHECK(ret == -ETIME, "relative wait: %d, expected -ETIME", ret);
	CHECK(vlr_now() - t0 >= 0.015, "returned after %.3f s, before its 20 ms timeout",
	      vlr_now() - t0);
	CHECK(w.timeout_ns == 0, "time left %lld after a timeout", (long long)w.timeout_ns);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w.flags = DRM_VLR_UFENCE_WAIT_ABSOLUTE;
	w.timeout_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 10000000;
	ret = vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w);
	CHECK(ret == -ETIME, "absolute wait: %d, expected -ETIME", ret);

	w.flags = 0;
	w.op = DRM_VLR_UFENCE_OP_EQ;
	w.value = 0;
	w.timeout_ns = 0;
	CHECK(!vlr_ioctl(fd, DRM_IOCTL_VLR_WAIT_UFENCE, &w), "already-true condition");
	CHECK(!vlr_vm_destroy(fd, vm), "VM_DESTROY");
	vlr_bo_close(fd, ctl);
	return 0;
}

/* A never-ending job makes progress and stops on its flag with exact data. */
static int test_stream(int fd)
{
	struct vlr_stream s;

	if (vlr_stream_start(&s, fd, 1 * MiB, 0x1234))
		return 1;
	if (vlr_stream_wait_progress(&s, 0, 10) || vlr_stream_wait_progress(&s, *s.progress, 10))
		return 1;
	if (vlr_stream_stop_verify(&s))
		return 1;
	vlr_stream_fini(&s);
	return 0;
}

/*
 * Allocating past VRAM preempts the job, evicts its buffer, restores it and
 * the job resumes; repeated for many cycles, data verified exactly.
 */
static int test_evict_restore(int fd)
{
	struct drm_vlr_stats before, after, qs;
	struct vlr_stream s;
	const int cycles = 10;

	CHECK(!vlr_get_stats(fd, 0, false, &before), "GET_STATS");
	if (vlr_stream_start(&s, fd, 4 * MiB, 0xbeef))
		return 1;
	if (vlr_stream_wait_progress(&s, 0, 10))
		return 1;
	for (int i = 0; i < cycles; i++) {
		uint64_t p;

		if (pressure(fd, info.vram_size, 8 * MiB))
			return 1;
		p = *s.progress;
		if (vlr_stream_wait_progress(&s, p, 20))
			return 1;
	}
	CHECK(!vlr_get_stats(fd, s.queue, false, &qs), "GET_STATS queue");
	if (vlr_stream_stop_verify(&s))
		return 1;
	CHECK(!vlr_get_stats(fd, 0, false, &after), "GET_STATS");
	printf("evict-restore[%s]: %llu passes, queue preempted %llu times, restored %llu times\n",
	       vlr_mode_name(mode), (unsigned long long)*s.progress,
	       (unsigned long long)qs.preemptions, (unsigned long long)qs.restores);
	CHECK(qs.preemptions >= 1, "the job was never preempted");
	CHECK(qs.restores >= 1, "the job was never restored");
	CHECK(after.evictions > before.evictions, "no eviction counted");
	CHECK(after.bytes_to_system > before.bytes_to_system, "nothing moved out of VRAM");
	CHECK(after.bytes_to_vram > before.bytes_to_vram, "nothing moved back to VRAM");
	vlr_stream_fini(&s);
	return 0;
}

/* Two LR VMs whose working sets do not fit VRAM together both progress. */
static int test_two_vms(int fd)
{
	struct vlr_stream s[2];
	uint32_t ballast[2];
	uint64_t half = info.vram_size / 2 + 4 * MiB;
	uint64_t p0, p1;
	int ret;

	for (int i = 0; i < 2; i++) {
		if (vlr_stream_start(&s[i], fd, 1 * MiB, 0x77 + i))
			return 1;
		/* Each VM also maps a ballast BO: together they exceed VRAM. */
		CHECK(!(ret = vlr_bo_create(fd, half, 0, s[i].vm, &ballast[i])), "ballast: %s",
		      strerror(-ret));
		CHECK(!(ret = vlr_bind(fd, s[i].vm, ballast[i], 0, 0x40000000, half)),
		      "bind ballast: %s", strerror(-ret));
	}
	p0 = *s[0].progress;
	p1 = *s[1].progress;
	for (int round = 0; round < 3; round++) {
		if (vlr_stream_wait_progress(&s[0], p0, 30) ||
		    vlr_stream_wait_progress(&s[1], p1, 30))
			return 1;
		p0 = *s[0].progress;
		p1 = *s[1].progress;
	}
	for (int i = 0; i < 2; i++) {
		if (vlr_stream_stop_verify(&s[i]))
			return 1;
		printf("two-vms[%s]: vm %d: %llu passes\n", vlr_mode_name(mode), i,
		       (unsigned long long)*s[i].progress);
		vlr_stream_fini(&s[i]);
		vlr_bo_close(fd, ballast[i]);
	}
	return 0;
}

/* Destroy a queue and its VM while the job is preempted; the device lives on. */
static int test_destroy_preempted(int fd)
{
	struct drm_vlr_stats qs = {0};
	struct vlr_stream s;
	int tries;

	if (vlr_stream_start(&s, fd, 8 * MiB, 0x55))
		return 1;
	if (vlr_stream_wait_progress(&s, 0, 10))
		return 1;
	for (tries = 0; tries < 20; tries++) {
		if (pressure(fd, info.vram_size - 4 * MiB, 4 * MiB))
			return 1;
		CHECK(!vlr_get_stats(fd, s.queue, false, &qs), "GET_STATS");
		if (qs.queue_state == DRM_VLR_QUEUE_STATE_PREEMPTED)
			break;
	}
	printf("destroy-preempted[%s]: queue state %u after %d pressure rounds\n",
	       vlr_mode_name(mode), qs.queue_state, tries + 1);
	vlr_stream_fini(&s);
	return test_fill_copy(fd);
}

/* kill -9 a process in the middle of eviction and restore cycles. */
static int test_kill_restore(int fd)
{
	for (int round = 0; round < 5; round++) {
		pid_t pid = fork();
		int status;

		CHECK(pid >= 0, "fork: %s", strerror(errno));
		if (!pid) {
			struct vlr_stream s;
			int cfd = vlr_open();

			if (cfd < 0 || vlr_stream_start(&s, cfd, 8 * MiB, round))
				_exit(1);
			for (;;)
				pressure(cfd, info.vram_size, 8 * MiB);
		}
		usleep(50000 + round * 40000);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFSIGNALED(status), "child exited by itself (status %d) before the kill",
		      status);
	}
	return test_fill_copy(fd);
}

/* The mode cannot change under live queues. */
static int test_mode_busy(int fd)
{
	uint32_t vm, q;
	int ret;

	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	CHECK(!vlr_queue_create(fd, vm, &q), "QUEUE_CREATE");
	ret = vlr_set_mode(fd, !mode);
	CHECK(ret == -EBUSY, "SET_MODE with a live queue: %d, expected -EBUSY", ret);
	CHECK(!vlr_vm_destroy(fd, vm), "VM_DESTROY (with its queue)");
	CHECK(!vlr_set_mode(fd, !mode), "SET_MODE without queues");
	CHECK(!vlr_set_mode(fd, mode), "SET_MODE back");
	return 0;
}

/* ---- the table of bad input ---------------------------------------------- */

struct bad_ctx {
	int fd;
	uint32_t vm, other_vm, queue, bo, sys_bo, priv_bo, syncobj;
};

static void base_gem_create(struct bad_ctx *c, struct drm_vlr_gem_create *a)
{
	*a = (struct drm_vlr_gem_create){.size = 4096};
}
static void base_bind(struct bad_ctx *c, struct drm_vlr_vm_bind *a)
{
	*a = (struct drm_vlr_vm_bind){
	    .vm_id = c->vm, .handle = c->bo, .addr = 0x10000000, .range = 4096};
}
static void base_exec(struct bad_ctx *c, struct drm_vlr_exec *a)
{
	*a = (struct drm_vlr_exec){
	    .queue_id = c->queue, .program = DRM_VLR_PROG_FILL, .dst = VLR_DATA_ADDR, .len = 64};
}
static void base_wait(struct bad_ctx *c, struct drm_vlr_wait_ufence *a)
{
	*a = (struct drm_vlr_wait_ufence){
	    .vm_id = c->vm, .addr = VLR_CTL_ADDR, .mask = ~0ull, .value = 1, .timeout_ns = 0};
}

struct bad_entry {
	const char *name;
	int expect;
	int (*run)(struct bad_ctx *c);
};

#define GEM_CREATE(field_stmt)                                                                     \
	({                                                                                         \
		struct drm_vlr_gem_create a;                                                       \
		base_gem_create(c, &a);                                                            \
		field_stmt;                                                                        \
		int r = vlr_ioctl(c->fd, DRM_IOCTL_VLR_GEM_CREATE, &a);                            \
		if (!r)                                                                            \
			vlr_bo_close(c->fd, a.handle);                                             \
		r;                                                                                 \
	})
#define BIND(field_stmt)                                                                           \
	({                                                                                         \
		struct drm_vlr_vm_bind a;                                                          \
		base_bind(c, &a);                                                                  \
		field_stmt;                                                                        \
		vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_BIND, &a);                                       \
	})
#define EXEC(field_stmt)                                                                           \
	({                                                                                         \
		struct drm_vlr_exec a;                                                             \
		base_exec(c, &a);                                                                  \
		field_stmt;                                                                        \
		vlr_ioctl(c->fd, DRM_IOCTL_VLR_EXEC, &a);                                          \
	})
#define WAIT(field_stmt)                                                                           \
	({                                                                                         \
		struct drm_vlr_wait_ufence a;                                                      \
		base_wait(c, &a);                                                                  \
		field_stmt;                                                                        \
		vlr_ioctl(c->fd, DRM_IOCTL_VLR_WAIT_UFENCE, &a);                                   \
	})
static int bad_info_flags(struct bad_ctx *c)
{
	struct drm_vlr_get_info a = {.flags = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GET_INFO, &a);
}
static int bad_gem_zero(struct bad_ctx *c)
{
	return GEM_CREATE(a.size = 0);
}
static int bad_gem_unaligned(struct bad_ctx *c)
{
	return GEM_CREATE(a.size = 4097);
}
static int bad_gem_huge(struct bad_ctx *c)
{
	return GEM_CREATE(a.size = 1ull << 40);
}
static int bad_gem_flags(struct bad_ctx *c)
{
	return GEM_CREATE(a.flags = 0x80);
}
static int bad_gem_pad(struct bad_ctx *c)
{
	return GEM_CREATE(a.pad = 1);
}
static int bad_gem_vm(struct bad_ctx *c)
{
	return GEM_CREATE(a.vm_id = 999);
}
static int bad_gem_vram_too_big(struct bad_ctx *c)
{
	return GEM_CREATE(a.size = info.vram_size + 4096);
}
static int bad_mmap_handle(struct bad_ctx *c)
{
	struct drm_vlr_gem_mmap_offset a = {.handle = 999};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &a);
}
static int bad_mmap_flags(struct bad_ctx *c)
{
	struct drm_vlr_gem_mmap_offset a = {.handle = c->bo, .flags = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GEM_MMAP_OFFSET, &a);
}
static int bad_vm_flags(struct bad_ctx *c)
{
	struct drm_vlr_vm_create a = {.flags = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_CREATE, &a);
}
static int bad_vm_destroy_id(struct bad_ctx *c)
{
	struct drm_vlr_vm_destroy a = {.vm_id = 999};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_DESTROY, &a);
}
static int bad_vm_destroy_pad(struct bad_ctx *c)
{
	struct drm_vlr_vm_destroy a = {.vm_id = c->vm, .pad = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_DESTROY, &a);
}
static int bad_bind_vm(struct bad_ctx *c)
{
	return BIND(a.vm_id = 999);
}
static int bad_bind_handle(struct bad_ctx *c)
{
	return BIND(a.handle = 999);
}
static int bad_bind_nohandle(struct bad_ctx *c)
{
	return BIND(a.handle = 0);
}
static int bad_bind_op(struct bad_ctx *c)
{
	return BIND(a.op = 7);
}
static int bad_bind_flags(struct bad_ctx *c)
{
	return BIND(a.flags = 1);
}
static int bad_bind_addr_unaligned(struct bad_ctx *c)
{
	return BIND(a.addr = 0x10000010);
}
static int bad_bind_range_zero(struct bad_ctx *c)
{
	return BIND(a.range = 0);
}
static int bad_bind_range_unaligned(struct bad_ctx *c)
{
	return BIND(a.range = 100);
}
static int bad_bind_offset_unaligned(struct bad_ctx *c)
{
	return BIND(a.bo_offset = 12);
}
static int bad_bind_past_bo(struct bad_ctx *c)
{
	return BIND(a.range = 2 * 4096);
}
static int bad_bind_offset_past_bo(struct bad_ctx *c)
{
	return BIND(a.bo_offset = 4096);
}
static int bad_bind_past_va(struct bad_ctx *c)
{
	return BIND(a.addr = info.va_size);
}
static int bad_bind_wrap(struct bad_ctx *c)
{
	return BIND((a.addr = ~0ull & ~4095ull, a.range = 8192));
}
static int bad_bind_overlap(struct bad_ctx *c)
{
	return BIND(a.addr = VLR_CTL_ADDR);
}
static int bad_bind_private_other_vm(struct bad_ctx *c)
{
	return BIND((a.vm_id = c->other_vm, a.handle = c->priv_bo));
}
static int bad_unbind_missing(struct bad_ctx *c)
{
	return BIND((a.op = DRM_VLR_VM_BIND_OP_UNMAP, a.handle = 0, a.addr = 0x20000000));
}
static int bad_unbind_partial(struct bad_ctx *c)
{
	/* Only part of the 2-page mapping at VLR_DATA_ADDR. */
	return BIND((a.op = DRM_VLR_VM_BIND_OP_UNMAP, a.handle = 0, a.addr = VLR_DATA_ADDR,
		     a.range = 4096));
}
static int bad_unbind_handle(struct bad_ctx *c)
{
	return BIND((a.op = DRM_VLR_VM_BIND_OP_UNMAP, a.addr = VLR_CTL_ADDR));
}
static int bad_queue_vm(struct bad_ctx *c)
{
	struct drm_vlr_queue_create a = {.vm_id = 999};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_CREATE, &a);
}
static int bad_queue_flags(struct bad_ctx *c)
{
	struct drm_vlr_queue_create a = {.vm_id = c->vm, .flags = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_CREATE, &a);
}
static int bad_queue_pad(struct bad_ctx *c)
{
	struct drm_vlr_queue_create a = {.vm_id = c->vm, .pad = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_CREATE, &a);
}
static int bad_queue_destroy_id(struct bad_ctx *c)
{
	struct drm_vlr_queue_destroy a = {.queue_id = 999};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_DESTROY, &a);
}
static int bad_exec_queue(struct bad_ctx *c)
{
	return EXEC(a.queue_id = 999);
}
static int bad_exec_program(struct bad_ctx *c)
{
	return EXEC(a.program = 99);
}
static int bad_exec_flags(struct bad_ctx *c)
{
	return EXEC(a.flags = 1);
}
static int bad_exec_pad(struct bad_ctx *c)
{
	return EXEC(a.pad = 1);
}
static int bad_exec_out_syncobj(struct bad_ctx *c)
{
	return EXEC(a.out_syncobj = c->syncobj);
}
static int bad_exec_in_syncobj(struct bad_ctx *c)
{
	return EXEC(a.in_syncobj = 999);
}
static int bad_exec_len_zero(struct bad_ctx *c)
{
	return EXEC(a.len = 0);
}
static int bad_exec_len_unaligned(struct bad_ctx *c)
{
	return EXEC(a.len = 6);
}
static int bad_exec_dst_unaligned(struct bad_ctx *c)
{
	return EXEC(a.dst = VLR_DATA_ADDR + 2);
}
static int bad_exec_past_va(struct bad_ctx *c)
{
	return EXEC((a.dst = info.va_size - 4, a.len = 8));
}
static int bad_exec_fill_value(struct bad_ctx *c)
{
	return EXEC(a.value = 1ull << 32);
}
static int bad_exec_fill_src(struct bad_ctx *c)
{
	return EXEC(a.src = VLR_CTL_ADDR);
}
static int bad_exec_ufence_unaligned(struct bad_ctx *c)
{
	return EXEC((a.ufence_addr = VLR_CTL_ADDR + 4, a.ufence_value = 1));
}
static int bad_exec_ufence_value_only(struct bad_ctx *c)
{
	return EXEC(a.ufence_value = 1);
}
static int bad_exec_copy_overlap(struct bad_ctx *c)
{
	return EXEC((a.program = DRM_VLR_PROG_COPY, a.src = VLR_DATA_ADDR + 32));
}
static int bad_exec_stream_noprogress(struct bad_ctx *c)
{
	return EXEC((a.program = DRM_VLR_PROG_STREAM, a.stop_addr = VLR_CTL_ADDR + 8));
}
static int bad_wait_vm(struct bad_ctx *c)
{
	return WAIT(a.vm_id = 999);
}
static int bad_wait_flags(struct bad_ctx *c)
{
	return WAIT(a.flags = 2);
}
static int bad_wait_pad(struct bad_ctx *c)
{
	return WAIT(a.pad = 1);
}
static int bad_wait_op(struct bad_ctx *c)
{
	return WAIT(a.op = 6);
}
static int bad_wait_unaligned(struct bad_ctx *c)
{
	return WAIT(a.addr = VLR_CTL_ADDR + 4);
}
static int bad_wait_unmapped(struct bad_ctx *c)
{
	return WAIT(a.addr = 0x30000000);
}
static int bad_wait_abs_negative(struct bad_ctx *c)
{
	return WAIT((a.flags = DRM_VLR_UFENCE_WAIT_ABSOLUTE, a.timeout_ns = -1));
}
static int bad_mode_value(struct bad_ctx *c)
{
	struct drm_vlr_set_mode a = {.mode = 5};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_SET_MODE, &a);
}
static int bad_mode_flags(struct bad_ctx *c)
{
	struct drm_vlr_set_mode a = {.mode = mode, .flags = 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_SET_MODE, &a);
}
static int bad_mode_busy(struct bad_ctx *c)
{
	return vlr_set_mode(c->fd, !mode);
}
static int bad_stats_flags(struct bad_ctx *c)
{
	struct drm_vlr_get_stats a = {.flags = 2};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GET_STATS, &a);
}
static int bad_stats_queue(struct bad_ctx *c)
{
	struct drm_vlr_get_stats a = {.queue_id = 999};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GET_STATS, &a);
}
static int bad_ioctl_size(struct bad_ctx *c)
{
	/* A truncated argument leaves the rest zero: out_syncobj etc. valid,
	 * but len 0 makes it invalid. */
	struct {
		uint32_t queue_id, program;
	} a = {c->queue, DRM_VLR_PROG_FILL};

	return vlr_ioctl(c->fd, DRM_IOWR(DRM_COMMAND_BASE + DRM_VLR_EXEC, a), &a);
}
static int bad_efault(struct bad_ctx *c)
{
	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_GEM_CREATE, (void *)16);
}

static const struct bad_entry bad_table[] = {
    {"get-info-flags", -EINVAL, bad_info_flags},
    {"gem-create-size-zero", -EINVAL, bad_gem_zero},
    {"gem-create-size-unaligned", -EINVAL, bad_gem_unaligned},
    {"gem-create-size-huge", -EINVAL, bad_gem_huge},
    {"gem-create-flags", -EINVAL, bad_gem_flags},
    {"gem-create-pad", -EINVAL, bad_gem_pad},
    {"gem-create-vm-unknown", -ENOENT, bad_gem_vm},
    {"gem-create-vram-too-big", -ENOSPC, bad_gem_vram_too_big},
    {"gem-create-bad-pointer", -EFAULT, bad_efault},
    {"mmap-offset-handle", -ENOENT, bad_mmap_handle},
    {"mmap-offset-flags", -EINVAL, bad_mmap_flags},
    {"vm-create-flags", -EINVAL, bad_vm_flags},
    {"vm-destroy-unknown", -ENOENT, bad_vm_destroy_id},
    {"vm-destroy-pad", -EINVAL, bad_vm_destroy_pad},
    {"bind-vm-unknown", -ENOENT, bad_bind_vm},
    {"bind-handle-unknown", -ENOENT, bad_bind_handle},
    {"bind-handle-zero", -EINVAL, bad_bind_nohandle},
    {"bind-op", -EINVAL, bad_bind_op},
    {"bind-flags", -EINVAL, bad_bind_flags},
    {"bind-addr-unaligned", -EINVAL, bad_bind_addr_unaligned},
    {"bind-range-zero", -EINVAL, bad_bind_range_zero},
    {"bind-range-unaligned", -EINVAL, bad_bind_range_unaligned},
    {"bind-offset-unaligned", -EINVAL, bad_bind_offset_unaligned},
    {"bind-range-past-bo", -EINVAL, bad_bind_past_bo},
    {"bind-offset-past-bo", -EINVAL, bad_bind_offset_past_bo},
    {"bind-past-va", -EINVAL, bad_bind_past_va},
    {"bind-wraps", -EINVAL, bad_bind_wrap},
    {"bind-overlap", -EEXIST, bad_bind_overlap},
    {"bind-private-bo-other-vm", -EINVAL, bad_bind_private_other_vm},
    {"unbind-missing", -ENOENT, bad_unbind_missing},
    {"unbind-partial", -ENOENT, bad_unbind_partial},
    {"unbind-with-handle", -EINVAL, bad_unbind_handle},
    {"queue-create-vm-unknown", -ENOENT, bad_queue_vm},
    {"queue-create-flags", -EINVAL, bad_queue_flags},
    {"queue-create-pad", -EINVAL, bad_queue_pad},
    {"queue-destroy-unknown", -ENOENT, bad_queue_destroy_id},
    {"exec-queue-unknown", -ENOENT, bad_exec_queue},
    {"exec-program", -EINVAL, bad_exec_program},
    {"exec-flags", -EINVAL, bad_exec_flags},
    {"exec-pad", -EINVAL, bad_exec_pad},
    {"exec-out-syncobj-refused", -EOPNOTSUPP, bad_exec_out_syncobj},
    {"exec-in-syncobj-unknown", -ENOENT, bad_exec_in_syncobj},
    {"exec-len-zero", -EINVAL, bad_exec_len_zero},
    {"exec-len-unaligned", -EINVAL, bad_exec_len_unaligned},
    {"exec-dst-unaligned", -EINVAL, bad_exec_dst_unaligned},
    {"exec-past-va", -EINVAL, bad_exec_past_va},
    {"exec-fill-value-high-bits", -EINVAL, bad_exec_fill_value},
    {"exec-fill-with-src", -EINVAL, bad_exec_fill_src},
    {"exec-ufence-unaligned", -EINVAL, bad_exec_ufence_unaligned},
    {"exec-ufence-value-without-addr", -EINVAL, bad_exec_ufence_value_only},
    {"exec-copy-overlap", -EINVAL, bad_exec_copy_overlap},
    {"exec-stream-no-progress-addr", -EINVAL, bad_exec_stream_noprogress},
    {"exec-truncated-struct", -EINVAL, bad_ioctl_size},
    {"wait-vm-unknown", -ENOENT, bad_wait_vm},
    {"wait-flags", -EINVAL, bad_wait_flags},
    {"wait-pad", -EINVAL, bad_wait_pad},
    {"wait-op", -EINVAL, bad_wait_op},
    {"wait-addr-unaligned", -EINVAL, bad_wait_unaligned},
    {"wait-addr-unmapped", -ENOENT, bad_wait_unmapped},
    {"wait-absolute-negative", -EINVAL, bad_wait_abs_negative},
    {"set-mode-value", -EINVAL, bad_mode_value},
    {"set-mode-flags", -EINVAL, bad_mode_flags},
    {"set-mode-busy", -EBUSY, bad_mode_busy},
    {"get-stats-flags", -EINVAL, bad_stats_flags},
    {"get-stats-queue-unknown", -ENOENT, bad_stats_queue},
};

static int test_bad_input(int fd)
{
	struct bad_ctx c = {.fd = fd};
	struct drm_syncobj_create sc = {0};
	int failed = 0, ret;

	CHECK(!vlr_vm_create(fd, &c.vm) && !vlr_vm_create(fd, &c.other_vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, 0, 0, &c.bo), "bo");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, 0, &c.sys_bo), "sys bo");
	CHECK(!vlr_bo_create(fd, 8192, 0, c.vm, &c.priv_bo), "private bo");
	CHECK(!vlr_bind(fd, c.vm, c.sys_bo, 0, VLR_CTL_ADDR, 4096), "bind ctl");
	CHECK(!vlr_bind(fd, c.vm, c.priv_bo, 0, VLR_DATA_ADDR, 8192), "bind data");
	CHECK(!vlr_queue_create(fd, c.vm, &c.queue), "QUEUE_CREATE");
	CHECK(!vlr_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc), "SYNCOBJ_CREATE");
	c.syncobj = sc.handle;

	for (size_t i = 0; i < sizeof(bad_table) / sizeof(bad_table[0]); i++) {
		const struct bad_entry *b = &bad_table[i];

		ret = b->run(&c);
		if (ret != b->expect) {
			fprintf(stderr, "bad-input %s: got %d (%s), expected %d (%s)\n", b->name,
				ret, strerror(-ret), b->expect, strerror(-b->expect));
			failed++;
		} else {
			printf("bad-input %-32s %s ok\n", b->name, strerror(-ret));
		}
	}
	/* The device still works after all of it. */
	CHECK(!failed, "%d of %zu bad-input cases returned the wrong errno", failed,
	      sizeof(bad_table) / sizeof(bad_table[0]));
	CHECK(!vlr_vm_destroy(fd, c.vm) && !vlr_vm_destroy(fd, c.other_vm), "VM_DESTROY");
	return test_fill_copy(fd);
}

/* Print the device counters of this mode (after the mode's subtests). */
static int test_report(int fd)
{
	struct drm_vlr_stats s;

	CHECK(!vlr_get_stats(fd, 0, false, &s), "GET_STATS");
	printf("vlr stats [%s]: preemptions %llu, restores %llu, evictions %llu, bans %llu, "
	       "bytes to system %llu, bytes to VRAM %llu, median preempt latency %.1f us, "
	       "median restore latency %.1f us\n",
	       vlr_mode_name(mode), (unsigned long long)s.preemptions,
	       (unsigned long long)s.restores, (unsigned long long)s.evictions,
	       (unsigned long long)s.bans, (unsigned long long)s.bytes_to_system,
	       (unsigned long long)s.bytes_to_vram,
	       vlr_median(s.preempt_lat_ns, s.preempt_samples) / 1e3,
	       vlr_median(s.restore_lat_ns, s.restore_samples) / 1e3);
	CHECK(s.preemptions > 0 && s.restores > 0, "this mode never preempted or restored");
	CHECK(s.bans == 0, "%llu VMs banned", (unsigned long long)s.bans);
	return 0;
}

/* Reset the device counters (start of a mode's run). */
static int test_reset(int fd)
{
	struct drm_vlr_stats s;

	CHECK(!vlr_get_stats(fd, 0, true, &s), "GET_STATS reset");
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int fd);
	bool per_mode;
	const char *desc;
} tests[] = {
    {"info", test_info, false, "GET_INFO reports the device"},
    {"fill-copy", test_fill_copy, false, "bounded jobs complete through user fences"},
    {"ufence-timeout", test_ufence_timeout, false, "user-fence waits time out"},
    {"bad-input", test_bad_input, false, "every ioctl rejects bad input with its errno"},
    {"mode-busy", test_mode_busy, true, "the mode cannot change under live queues"},
    {"reset-stats", test_reset, true, "zero the device counters"},
    {"stream", test_stream, true, "a never-ending job progresses and stops"},
    {"evict-restore", test_evict_restore, true, "VRAM pressure preempts, evicts, restores"},
    {"two-vms", test_two_vms, true, "two LR VMs competing for VRAM both progress"},
    {"destroy-preempted", test_destroy_preempted, true, "destroy while preempted"},
    {"kill-restore", test_kill_restore, true, "kill -9 during eviction and restore"},
    {"report", test_report, true, "print the mode's counters; it must have preempted"},
};

int main(int argc, char **argv)
{
	const char *name = NULL;
	int fd, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			for (size_t t = 0; t < sizeof(tests) / sizeof(tests[0]); t++)
				printf("%s%s\t%s\n", tests[t].name,
				       tests[t].per_mode ? "@mode" : "", tests[t].desc);
			return 0;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "preempt-fence"))
				mode = DRM_VLR_MODE_PREEMPT_FENCE;
			else if (!strcmp(argv[i], "open-coded"))
				mode = DRM_VLR_MODE_OPEN_CODED;
			else {
				fprintf(stderr, "vlr-test: unknown mode '%s'\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			fprintf(stderr, "usage: vlr-test --list | [--mode MODE] SUBTEST\n");
			return 2;
		}
	}
	if (!name) {
		fprintf(stderr, "usage: vlr-test --list | [--mode MODE] SUBTEST\n");
		return 2;
	}
	for (size_t t = 0; t < sizeof(tests) / sizeof(tests[0]); t++) {
		if (strcmp(tests[t].name, name))
			continue;
		fd = vlr_open();
		if (fd < 0)
			return VLR_SKIP;
		if (vlr_ioctl(fd, DRM_IOCTL_VLR_GET_INFO, &info)) {
			fprintf(stderr, "vlr-test: GET_INFO failed\n");
			return 1;
		}
		if (tests[t].per_mode && (ret = vlr_set_mode(fd, mode))) {
			fprintf(stderr, "vlr-test: SET_MODE %s: %s\n", vlr_mode_name(mode),
				strerror(-ret));
			return 1;
		}
		ret = tests[t].fn(fd);
		close(fd);
		return ret;
	}
	fprintf(stderr, "vlr-test: no subtest '%s' (see --list)\n", name);
	return 2;
}
