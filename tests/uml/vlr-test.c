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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <xf86drm.h>
#include <time.h>
#include <unistd.h>

#include "vlr-lib.h"

static uint32_t mode = DRM_VLR_MODE_PREEMPT_FENCE;
static struct drm_vlr_get_info info;

#define MiB (1024ull * 1024)

/* Create and immediately drop VRAM BOs adding up to @bytes: evicts LRU BOs. */
static int pressure(int fd, uint64_t bytes, uint64_t bo_size)
{
	int ret = vlr_pressure(fd, bytes, bo_size);

	CHECK(!ret, "pressure GEM_CREATE %llu bytes: %s", (unsigned long long)bo_size,
	      strerror(-ret));
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

static int knob_write(const char *path, const char *val);

/*
 * dri/N/vlr_evict_vram of the device behind @fd (a path, or NULL). N is the
 * render node's minor: DRM links dri/<minor> to the device's debugfs folder
 * for every minor. No readdir of debugfs: with lockdep, a getdents there
 * (the folder's inode lock, then a page fault) closes a cycle through TTM's
 * ttm_global_mutex, which creates its debugfs folder under that mutex and
 * is taken under a reservation lock by ttm_tt_populate()'s swapout.
 */
static const char *evict_knob(int fd)
{
	static char path[128];
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return NULL;
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/vlr_evict_vram", minor(st.st_rdev));
	return access(path, W_OK) ? NULL : path;
}

/*
 * The eviction trigger: every write evicts all of VRAM and returns once the
 * copies landed, so each write is one preempt/evict/restore cycle of a
 * running LR job, at the rate the writer chooses (lrbench's counted-events
 * scenarios rely on it). 50 cycles, each followed by progress; the data
 * stays exact.
 */
static int test_evict_knob(int fd)
{
	struct drm_vlr_stats qs[2];
	struct vlr_stream s[2];
	const char *knob = evict_knob(fd);
	const int cycles = 50;
	double t0, dt;

	if (!knob) {
		printf("evict-knob: no dri/<render minor>/vlr_evict_vram in debugfs, skipped\n");
		return VLR_SKIP;
	}
	/* Two LR VMs: restores of one must not refill VRAM under a write. */
	for (int k = 0; k < 2; k++) {
		if (vlr_stream_start(&s[k], fd, 4 * MiB, 0xe71c + k))
			return 1;
		if (vlr_stream_wait_progress(&s[k], 0, 10))
			return 1;
	}
	t0 = vlr_now();
	for (int i = 0; i < cycles; i++) {
		int ret = knob_write(knob, "1");
		uint64_t p[2];

		CHECK(!ret, "write %d to %s: %s", i, knob, strerror(-ret));
		/*
		 * The write returns with the jobs off the engine and their
		 * buffers out of VRAM: progress is frozen until the restore, so
		 * progress past the values read then shows both came back before
		 * the next write (read before the write, a pass finishing during
		 * the eviction counted, and the next write found nothing in
		 * VRAM: 37 of 50 in the SMP guest).
		 */
		p[0] = *s[0].progress;
		p[1] = *s[1].progress;
		for (int k = 0; k < 2; k++)
			if (vlr_stream_wait_progress(&s[k], p[k], 20))
				return 1;
	}
	dt = vlr_now() - t0;
	for (int k = 0; k < 2; k++)
		CHECK(!vlr_get_stats(fd, s[k].queue, false, &qs[k]), "GET_STATS queue %d", k);
	printf("evict-knob[%s]: %d writes with 2 VMs in %.2f s: queues preempted %llu and %llu "
	       "times, restored %llu and %llu times\n",
	       vlr_mode_name(mode), cycles, dt, (unsigned long long)qs[0].preemptions,
	       (unsigned long long)qs[1].preemptions, (unsigned long long)qs[0].restores,
	       (unsigned long long)qs[1].restores);
	for (int k = 0; k < 2; k++) {
		CHECK(qs[k].preemptions >= (uint64_t)cycles,
		      "queue %d: %llu preemptions for %d writes", k,
		      (unsigned long long)qs[k].preemptions, cycles);
		CHECK(qs[k].restores >= (uint64_t)cycles, "queue %d: %llu restores for %d writes",
		      k, (unsigned long long)qs[k].restores, cycles);
		/* Restores chasing the walk made one write take seconds (livelock). */
		CHECK(qs[k].preemptions <= 4 * (uint64_t)cycles,
		      "queue %d: %llu preemptions for %d writes: restores refill VRAM under the "
		      "write",
		      k, (unsigned long long)qs[k].preemptions, cycles);
	}
	CHECK(dt < 60, "%d writes took %.1f s", cycles, dt);
	for (int k = 0; k < 2; k++) {
		if (vlr_stream_stop_verify(&s[k]))
			return 1;
		vlr_stream_fini(&s[k]);
	}
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
		/*
		 * Each VM also maps a ballast BO: together they exceed VRAM.
		 * Making room can fail for a moment while a restore holds the
		 * BOs TTM would evict (TTM only trylocks them; seen in the SMP
		 * guest for GEM_CREATE and for the bind): retry for up to a
		 * second.
		 */
		for (int t = 0; t < 100; t++) {
			ret = vlr_bo_create(fd, half, 0, s[i].vm, &ballast[i]);
			if (ret != -ENOMEM)
				break;
			usleep(10 * 1000);
		}
		CHECK(!ret, "ballast: %s", strerror(-ret));
		/* Binding makes it resident: the same moment, the same retry. */
		for (int t = 0; t < 100; t++) {
			ret = vlr_bind(fd, s[i].vm, ballast[i], 0, 0x40000000, half);
			if (ret != -ENOMEM)
				break;
			usleep(10 * 1000);
		}
		CHECK(!ret, "bind ballast: %s", strerror(-ret));
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

/* ---- uAPI v2 ----------------------------------------------------------- */

/* VM and queue id 0 are never valid (-ENOENT) and never handed out. */
/*
 * A destroyed VM's or queue's id is not handed out again at once: a thread
 * racing another's destroy and create with a stale id would otherwise reach
 * an object it did not create (the fuzzer's FILL mismatches were that).
 */
static int test_ids_cyclic(int fd)
{
	uint32_t vm[3], q[3];
	int ret;

	for (int i = 0; i < 3; i++) {
		CHECK(!(ret = vlr_vm_create(fd, &vm[i])), "VM_CREATE %d: %s", i, strerror(-ret));
		CHECK(!(ret = vlr_queue_create(fd, vm[i], &q[i])), "QUEUE_CREATE %d: %s", i,
		      strerror(-ret));
		if (i == 2)
			break;
		CHECK(!(ret = vlr_queue_destroy(fd, q[i])), "QUEUE_DESTROY %u: %s", q[i],
		      strerror(-ret));
		CHECK(!(ret = vlr_vm_destroy(fd, vm[i])), "VM_DESTROY %u: %s", vm[i],
		      strerror(-ret));
	}
	printf("ids-cyclic: VM ids %u %u %u, queue ids %u %u %u (each created after the "
	       "previous one was destroyed)\n",
	       vm[0], vm[1], vm[2], q[0], q[1], q[2]);
	for (int i = 1; i < 3; i++) {
		CHECK(vm[i] != vm[i - 1], "VM id %u handed out again right after its destroy",
		      vm[i]);
		CHECK(q[i] != q[i - 1], "queue id %u handed out again right after its destroy",
		      q[i]);
	}
	CHECK(!vlr_queue_destroy(fd, q[2]), "QUEUE_DESTROY");
	CHECK(!vlr_vm_destroy(fd, vm[2]), "VM_DESTROY");
	return 0;
}

static int test_id_zero(int fd)
{
	uint32_t vm[8], q[8];
	int ret;

	ret = vlr_vm_destroy(fd, 0);
	CHECK(ret == -ENOENT, "VM_DESTROY of id 0: %d (%s), expected -ENOENT", ret, strerror(-ret));
	ret = vlr_queue_destroy(fd, 0);
	CHECK(ret == -ENOENT, "QUEUE_DESTROY of id 0: %d (%s), expected -ENOENT", ret,
	      strerror(-ret));
	for (int i = 0; i < 8; i++) {
		uint32_t flags = i % 2 ? DRM_VLR_VM_CREATE_DMA_FENCE : 0;

		CHECK(!(ret = __vlr_vm_create(fd, flags, &vm[i])), "VM_CREATE %d (flags %#x): %s",
		      i, flags, strerror(-ret));
		CHECK(vm[i] != 0, "VM_CREATE %d handed out id 0 after a destroy of id 0", i);
		CHECK(!(ret = vlr_queue_create(fd, vm[i], &q[i])), "QUEUE_CREATE %d: %s", i,
		      strerror(-ret));
		CHECK(q[i] != 0, "QUEUE_CREATE %d handed out id 0 after a destroy of id 0", i);
		/* Destroying id 0 again must not touch the objects just made. */
		CHECK(vlr_vm_destroy(fd, 0) == -ENOENT, "second VM_DESTROY of id 0");
		CHECK(vlr_queue_destroy(fd, 0) == -ENOENT, "second QUEUE_DESTROY of id 0");
	}
	for (int i = 0; i < 8; i++) {
		CHECK(!(ret = vlr_queue_destroy(fd, q[i])), "QUEUE_DESTROY %u: %s", q[i],
		      strerror(-ret));
		CHECK(!(ret = vlr_vm_destroy(fd, vm[i])), "VM_DESTROY %u: %s", vm[i],
		      strerror(-ret));
	}
	return 0;
}

/*
 * A dma-fence VM: two VRAM data BOs and a CPU-visible staging BO in system
 * memory (evictable BOs are never CPU-mapped: see struct vlr_stream).
 */
struct df_vm {
	int fd;
	uint32_t vm, queue, bo[2], staging_bo, syncobj;
	uint64_t size;
	uint32_t *staging;
};

#define DF_DATA_ADDR(i) (0x1000000ull + (uint64_t)(i)*0x1000000ull)
#define DF_STAGING_ADDR 0x80000000ull
#define DF_WAIT_NS	20000000000ll

static int df_init(struct df_vm *d, int fd, uint64_t size, uint32_t queue_flags)
{
	struct drm_syncobj_create sc = {0};
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->size = size;
	CHECK(!(ret = __vlr_vm_create(fd, DRM_VLR_VM_CREATE_DMA_FENCE, &d->vm)),
	      "VM_CREATE dma-fence: %s", strerror(-ret));
	for (int i = 0; i < 2; i++) {
		CHECK(!(ret = vlr_bo_create(fd, size, 0, d->vm, &d->bo[i])),
		      "GEM_CREATE VRAM BO %d of the dma-fence VM: %s", i, strerror(-ret));
		CHECK(!(ret = vlr_bind(fd, d->vm, d->bo[i], 0, DF_DATA_ADDR(i), size)),
		      "bind BO %d: %s", i, strerror(-ret));
	}
	CHECK(!(ret = vlr_bo_create(fd, size, DRM_VLR_GEM_CREATE_SYSTEM, d->vm, &d->staging_bo)),
	      "GEM_CREATE staging: %s", strerror(-ret));
	CHECK(!(ret = vlr_bind(fd, d->vm, d->staging_bo, 0, DF_STAGING_ADDR, size)),
	      "bind staging: %s", strerror(-ret));
	d->staging = vlr_bo_map(fd, d->staging_bo, size);
	CHECK(d->staging, "mmap staging: %s", strerror(errno));
	CHECK(!(ret = __vlr_queue_create(fd, d->vm, queue_flags, &d->queue)),
	      "QUEUE_CREATE in the dma-fence VM (flags %#x): %s", queue_flags, strerror(-ret));
	CHECK(!(ret = vlr_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc)), "SYNCOBJ_CREATE: %s",
	      strerror(-ret));
	d->syncobj = sc.handle;
	return 0;
}

static void df_fini(struct df_vm *d)
{
	struct drm_syncobj_destroy sd = {.handle = d->syncobj};

	if (d->queue)
		vlr_queue_destroy(d->fd, d->queue);
	if (d->vm)
		vlr_vm_destroy(d->fd, d->vm);
	if (d->staging)
		munmap(d->staging, d->size);
	for (int i = 0; i < 2; i++)
		if (d->bo[i])
			vlr_bo_close(d->fd, d->bo[i]);
	if (d->staging_bo)
		vlr_bo_close(d->fd, d->staging_bo);
	if (d->syncobj)
		vlr_ioctl(d->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
	memset(d, 0, sizeof(*d));
}

/* Queue a FILL (src 0) or COPY with the completion fence in d->syncobj; wait when asked. */
static int df_job(struct df_vm *d, uint64_t src, uint64_t dst, uint32_t value, bool wait)
{
	struct drm_vlr_exec e = {
	    .queue_id = d->queue,
	    .program = src ? DRM_VLR_PROG_COPY : DRM_VLR_PROG_FILL,
	    .out_syncobj = d->syncobj,
	    .src = src,
	    .dst = dst,
	    .len = d->size,
	    .value = src ? 0 : value,
	};
	int ret;

	CHECK(!(ret = vlr_exec(d->fd, &e)), "EXEC %s %#llx -> %#llx with an out syncobj: %s",
	      src ? "COPY" : "FILL", (unsigned long long)src, (unsigned long long)dst,
	      strerror(-ret));
	if (wait) {
		ret = __vlr_syncobj_wait(d->fd, d->syncobj, DF_WAIT_NS);
		CHECK(!ret, "drmSyncobjWait on the job's out syncobj: %d (%s)", ret,
		      strerror(-ret));
	}
	return 0;
}

/* Copy BO i into staging through the queue and compare with want(index). */
static int df_check(struct df_vm *d, int i, uint32_t fill, const uint32_t *pattern,
		    const char *when)
{
	uint64_t bad = 0;

	memset(d->staging, 0, d->size);
	if (df_job(d, DF_DATA_ADDR(i), DF_STAGING_ADDR, 0, true))
		return 1;
	for (uint64_t k = 0; k < d->size / 4; k++) {
		uint32_t want = pattern ? pattern[k] : fill;

		if (d->staging[k] != want && bad++ < 5)
			fprintf(stderr, "%s: BO %d element %llu: %#x, expected %#x\n", when, i,
				(unsigned long long)k, d->staging[k], want);
	}
	CHECK(!bad, "%s: %llu of %llu elements of BO %d wrong", when, (unsigned long long)bad,
	      (unsigned long long)(d->size / 4), i);
	return 0;
}

/*
 * dma-fence VM: FILL/COPY jobs hand out completion fences through their out
 * syncobj; the data is exact once drmSyncobjWait() returns. VRAM pressure
 * between jobs evicts the VM's BOs; the next exec makes them resident again
 * (counted as bytes moved to VRAM) and they come back intact.
 */
static int test_dma_fence(int fd)
{
	const uint64_t size = 1 * MiB;
	struct drm_vlr_stats before, mid, after;
	uint32_t *pattern;
	struct df_vm d;
	double t_end;
	int ret;

	if (df_init(&d, fd, size, 0))
		return 1;
	ret = __vlr_syncobj_wait(fd, d.syncobj, 0);
	CHECK(ret == -EINVAL, "a fresh syncobj is not fence-less (wait: %d)", ret);

	pattern = malloc(size);
	CHECK(pattern, "out of memory");
	for (uint64_t k = 0; k < size / 4; k++)
		pattern[k] = d.staging[k] = (uint32_t)(k * 2654435761u) ^ 0xa5a5u;
	/* Two jobs back to back; waiting for the second covers the first (queue order). */
	if (df_job(&d, 0, DF_DATA_ADDR(0), 0x600dcafe, false) ||
	    df_job(&d, DF_STAGING_ADDR, DF_DATA_ADDR(1), 0, true))
		return 1;
	if (df_check(&d, 0, 0x600dcafe, NULL, "after FILL") ||
	    df_check(&d, 1, 0, pattern, "after COPY"))
		return 1;

	CHECK(!vlr_get_stats(fd, 0, false, &before), "GET_STATS");
	if (pressure(fd, info.vram_size, 8 * MiB))
		return 1;
	/* Moves are pipelined: the counters may trail the pressure a little. */
	t_end = vlr_now() + 20;
	do {
		CHECK(!vlr_get_stats(fd, 0, false, &mid), "GET_STATS");
		if (mid.bytes_to_system - before.bytes_to_system >= 2 * size)
			break;
		usleep(1000);
	} while (vlr_now() < t_end);
	CHECK(mid.bytes_to_system - before.bytes_to_system >= 2 * size,
	      "a VRAM's worth of pressure moved only %llu bytes out of VRAM; the dma-fence VM "
	      "holds %llu",
	      (unsigned long long)(mid.bytes_to_system - before.bytes_to_system),
	      (unsigned long long)(2 * size));
	/* Both BOs were evicted: the next exec revalidates them and they are exact. */
	if (df_check(&d, 0, 0x600dcafe, NULL, "FILLed BO after eviction") ||
	    df_check(&d, 1, 0, pattern, "COPYed BO after eviction"))
		return 1;
	CHECK(!vlr_get_stats(fd, 0, false, &after), "GET_STATS");
	CHECK(after.bytes_to_vram - mid.bytes_to_vram >= 2 * size,
	      "exec after eviction brought back %llu bytes, the VM's BOs hold %llu",
	      (unsigned long long)(after.bytes_to_vram - mid.bytes_to_vram),
	      (unsigned long long)(2 * size));
	printf("dma-fence: %llu bytes out under pressure, %llu back on exec, data exact\n",
	       (unsigned long long)(mid.bytes_to_system - before.bytes_to_system),
	       (unsigned long long)(after.bytes_to_vram - mid.bytes_to_vram));

	/* And jobs keep working after the round trip. */
	if (df_job(&d, 0, DF_DATA_ADDR(1), 0x0badf00d, true) ||
	    df_check(&d, 1, 0x0badf00d, NULL, "FILL after eviction"))
		return 1;
	free(pattern);
	df_fini(&d);
	return 0;
}

/* A user-fence slot of the stream's control page that vlr-lib does not use. */
#define SHARED_UFENCE 32

/*
 * An LR queue and a dma-fence queue, both on the device's shared scheduler,
 * make progress together: normal jobs complete while the never-ending job
 * runs, and bounded LR jobs (the open-coded throttle sleeps in run_job
 * between them) and normal jobs submitted back to back all complete.
 */
static int test_shared_sched(int fd)
{
	const uint32_t flags = DRM_VLR_QUEUE_CREATE_SHARED_SCHED;
	const int jobs = 8;
	struct vlr_stream s;
	struct df_vm d;
	uint64_t p0;
	int ret;

	if (vlr_stream_start_flags(&s, fd, 1 * MiB, 0x5a5a, flags) ||
	    df_init(&d, fd, 256 * 1024, flags))
		return 1;
	if (vlr_stream_wait_progress(&s, 0, 20))
		return 1;
	p0 = *s.progress;
	for (int i = 0; i < jobs; i++) {
		if (df_job(&d, 0, DF_DATA_ADDR(0), 0x1000 + i, true) ||
		    df_check(&d, 0, 0x1000 + i, NULL, "normal job next to the LR job"))
			return 1;
	}
	/* The LR job ran on while they did. */
	if (vlr_stream_wait_progress(&s, p0, 20))
		return 1;
	printf("shared-sched[%s]: %d normal jobs done while the stream went %llu -> %llu passes\n",
	       vlr_mode_name(mode), 2 * jobs, (unsigned long long)p0,
	       (unsigned long long)*s.progress);
	if (vlr_stream_stop_verify(&s))
		return 1;

	/* Bounded LR jobs and normal jobs, each queue filled back to back. */
	for (int i = 1; i <= jobs; i++) {
		struct drm_vlr_exec e = {
		    .queue_id = s.queue,
		    .program = DRM_VLR_PROG_FILL,
		    .dst = VLR_DATA_ADDR,
		    .len = s.data_size,
		    .value = 0x2000 + i,
		    .ufence_addr = VLR_CTL_ADDR + SHARED_UFENCE,
		    .ufence_value = 0x100 + i,
		};
		CHECK(!(ret = vlr_exec(fd, &e)), "EXEC LR FILL %d: %s", i, strerror(-ret));
		if (df_job(&d, 0, DF_DATA_ADDR(i % 2), 0x3000 + i, false))
			return 1;
	}
	ret = vlr_wait_ufence(fd, s.vm, VLR_CTL_ADDR + SHARED_UFENCE, 0x100 + jobs, 20000000000ll);
	CHECK(!ret, "the %d bounded LR jobs did not finish in 20 s: %s", jobs, strerror(-ret));
	ret = __vlr_syncobj_wait(fd, d.syncobj, DF_WAIT_NS);
	CHECK(!ret, "the %d normal jobs did not finish in 20 s: %d (%s)", jobs, ret,
	      strerror(-ret));
	if (df_check(&d, 0, 0x3000 + jobs, NULL, "last normal job into BO 0") ||
	    df_check(&d, 1, 0x3000 + jobs - 1, NULL, "last normal job into BO 1"))
		return 1;
	/* The LR buffer holds the last FILL: copy it out through the LR queue. */
	memset(s.staging, 0, s.data_size);
	struct drm_vlr_exec back = {
	    .queue_id = s.queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = VLR_DATA_ADDR,
	    .dst = VLR_STAGING_ADDR,
	    .len = s.data_size,
	    .ufence_addr = VLR_CTL_ADDR + SHARED_UFENCE,
	    .ufence_value = 0x200,
	};
	CHECK(!(ret = vlr_exec(fd, &back)), "EXEC LR copy back: %s", strerror(-ret));
	ret = vlr_wait_ufence(fd, s.vm, VLR_CTL_ADDR + SHARED_UFENCE, 0x200, 20000000000ll);
	CHECK(!ret, "LR copy back: %s", strerror(-ret));
	for (uint64_t k = 0; k < s.data_size / 4; k++)
		CHECK(s.staging[k] == 0x2000u + jobs, "LR buffer element %llu: %#x, expected %#x",
		      (unsigned long long)k, s.staging[k], 0x2000u + jobs);
	df_fini(&d);
	vlr_stream_fini(&s);
	return 0;
}

/*
 * A job touching an unmapped address bans its queue: a user-fence wait that
 * names the queue returns -EIO as soon as that happens, not at its timeout;
 * without a queue id the same wait just times out (the VM is not banned),
 * and another queue of the VM still works.
 */
static int test_fault_wait(int fd)
{
	const uint64_t size = 4 * MiB;
	uint32_t vm, q, q2, ctl, data;
	volatile uint64_t *uf;
	struct drm_vlr_stats qs;
	int64_t timeout;
	double t0, dt;
	int ret;

	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, vm, &ctl), "ctl");
	CHECK(!vlr_bo_create(fd, size, 0, vm, &data), "data");
	CHECK(!vlr_bind(fd, vm, ctl, 0, VLR_CTL_ADDR, 4096), "bind ctl");
	CHECK(!vlr_bind(fd, vm, data, 0, VLR_DATA_ADDR, size), "bind data");
	CHECK(!vlr_queue_create(fd, vm, &q), "QUEUE_CREATE");
	uf = vlr_bo_map(fd, ctl, 4096);
	CHECK(uf, "mmap ctl");

	/* A long valid job first, so the wait below is asleep when the fault comes. */
	struct drm_vlr_exec fill = {.queue_id = q,
				    .program = DRM_VLR_PROG_FILL,
				    .dst = VLR_DATA_ADDR,
				    .len = size,
				    .value = 1};
	struct drm_vlr_exec bad = {
	    .queue_id = q,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = 0x20000000, /* inside the VA space, nothing mapped */
	    .len = 4096,
	    .value = 2,
	    .ufence_addr = VLR_CTL_ADDR,
	    .ufence_value = 1,
	};
	CHECK(!(ret = vlr_exec(fd, &fill)), "EXEC fill: %s", strerror(-ret));
	CHECK(!(ret = vlr_exec(fd, &bad)), "EXEC faulting job: %s", strerror(-ret));
	t0 = vlr_now();
	timeout = 30000000000ll;
	ret =
	    __vlr_wait_ufence_queue(fd, vm, q, VLR_CTL_ADDR, DRM_VLR_UFENCE_OP_EQ, 1, 0, &timeout);
	dt = vlr_now() - t0;
	CHECK(ret == -EIO,
	      "wait on the faulting queue's fence: %d (%s) after %.3f s, expected -EIO", ret,
	      strerror(-ret), dt);
	CHECK(dt < 10, "-EIO came after %.3f s, not promptly", dt);
	printf("fault-wait-eio: -EIO after %.3f s (timeout 30 s)\n", dt);
	CHECK(uf[0] == 0, "the faulting job wrote its user fence (%llu)",
	      (unsigned long long)uf[0]);
	CHECK(!vlr_get_stats(fd, q, false, &qs), "GET_STATS queue");
	CHECK(qs.queue_state == DRM_VLR_QUEUE_STATE_BANNED, "queue state %u, expected BANNED",
	      qs.queue_state);

	/* Once banned, a new wait fails at once; without queue_id it times out. */
	t0 = vlr_now();
	timeout = 10000000000ll;
	ret =
	    __vlr_wait_ufence_queue(fd, vm, q, VLR_CTL_ADDR, DRM_VLR_UFENCE_OP_EQ, 1, 0, &timeout);
	CHECK(ret == -EIO && vlr_now() - t0 < 5, "wait after the ban: %d (%s) after %.3f s", ret,
	      strerror(-ret), vlr_now() - t0);
	timeout = 50000000;
	ret =
	    __vlr_wait_ufence_queue(fd, vm, 0, VLR_CTL_ADDR, DRM_VLR_UFENCE_OP_EQ, 1, 0, &timeout);
	CHECK(ret == -ETIME,
	      "wait without queue id: %d (%s), expected -ETIME (only the queue "
	      "is banned)",
	      ret, strerror(-ret));
	ret = vlr_exec(fd, &fill);
	CHECK(ret == -EIO, "EXEC on the banned queue: %d, expected -EIO", ret);

	/* Another queue of the same VM still runs, and its id is accepted by the wait. */
	CHECK(!(ret = vlr_queue_create(fd, vm, &q2)), "second QUEUE_CREATE: %s", strerror(-ret));
	bad.queue_id = q2;
	bad.dst = VLR_DATA_ADDR;
	bad.ufence_addr = VLR_CTL_ADDR + 8;
	bad.ufence_value = 7;
	CHECK(!(ret = vlr_exec(fd, &bad)), "EXEC on the second queue: %s", strerror(-ret));
	timeout = 20000000000ll;
	ret = __vlr_wait_ufence_queue(fd, vm, q2, VLR_CTL_ADDR + 8, DRM_VLR_UFENCE_OP_EQ, 7, 0,
				      &timeout);
	CHECK(!ret, "wait on the second queue's fence: %d (%s)", ret, strerror(-ret));
	munmap((void *)uf, 4096);
	CHECK(!vlr_vm_destroy(fd, vm), "VM_DESTROY");
	vlr_bo_close(fd, ctl);
	vlr_bo_close(fd, data);
	return 0;
}

/* Write @val to a sysfs/debugfs knob; 0 or -errno. */
struct knob_storm {
	const char *knob;
	volatile int stop;
	int writes, err;
};

static void *knob_storm_fn(void *arg)
{
	struct knob_storm *k = arg;

	while (!k->stop) {
		int ret = knob_write(k->knob, "1");

		if (ret) {
			k->err = ret;
			break;
		}
		k->writes++;
	}
	return NULL;
}

/*
 * Eviction-trigger writes back to back while two jobs run, then the data of
 * both is checked exactly. A write that lands between a restore pass's
 * unlock and its resume must preempt the queue again: in open-coded mode
 * the pass resumed the queue after dropping its locks, the write found the
 * queue still suspended and moved its memory without waiting, and the job
 * ran on the page table entries of memory it had left (lrbench's verify in
 * the SMP guest: every element wrong after ~1,000 passes, in 3 of 6 runs).
 */
static int test_knob_storm(int fd)
{
	struct knob_storm k = {.knob = evict_knob(fd)};
	struct vlr_stream s[2];
	pthread_t t;
	double end;

	if (!k.knob) {
		printf("knob-storm: no dri/<render minor>/vlr_evict_vram in debugfs, skipped\n");
		return VLR_SKIP;
	}
	for (int i = 0; i < 2; i++) {
		if (vlr_stream_start(&s[i], fd, 512 * 1024, 0x5702 + i))
			return 1;
		if (vlr_stream_wait_progress(&s[i], 0, 10))
			return 1;
	}
	CHECK(!pthread_create(&t, NULL, knob_storm_fn, &k), "pthread_create");
	end = vlr_now() + 4;
	while (vlr_now() < end && !k.err)
		usleep(10 * 1000);
	k.stop = 1;
	pthread_join(t, NULL);
	CHECK(!k.err, "write to %s: %s", k.knob, strerror(-k.err));
	for (int i = 0; i < 2; i++) {
		uint64_t p = *s[i].progress;

		if (vlr_stream_wait_progress(&s[i], p, 20))
			return 1;
	}
	printf("knob-storm[%s]: %d trigger writes in 4 s under two jobs; passes %llu and %llu\n",
	       vlr_mode_name(mode), k.writes, (unsigned long long)*s[0].progress,
	       (unsigned long long)*s[1].progress);
	CHECK(k.writes >= 20, "only %d trigger writes in 4 s", k.writes);
	for (int i = 0; i < 2; i++) {
		if (vlr_stream_stop_verify(&s[i]))
			return 1;
		vlr_stream_fini(&s[i]);
	}
	return 0;
}

/* ---- the driver's tracepoints (events/vlr in tracefs) ------------------ */

#define TRACEFS "/sys/kernel/tracing"

static int tracefs_write(const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	return knob_write(path, val);
}

/* The whole of tracefs' "trace" (NUL-terminated, malloc'ed), or NULL. */
static char *tracefs_read_all(size_t *len)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	size_t cap = 1 << 20, n = 0, got;
	char *buf = malloc(cap);

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* One parsed event line: "COMM-PID [CPU] FLAGS TS: NAME: ARGS". */
struct tev {
	int pid;
	double ts;
	char name[32];
	const char *args;
};

static bool tev_parse(char *line, struct tev *e)
{
	char *colon = strstr(line, ": vlr_"), *p, *dash;

	if (line[0] == '#' || !colon)
		return false;
	*colon = 0;
	p = strrchr(line, ' ');
	if (!p || sscanf(p + 1, "%lf", &e->ts) != 1)
		return false;
	dash = strchr(line, '[');
	while (dash > line && dash[-1] == ' ')
		dash--;
	*dash = 0;
	dash = strrchr(line, '-');
	if (!dash || sscanf(dash + 1, "%d", &e->pid) != 1)
		return false;
	p = colon + 2;
	colon = strchr(p, ':');
	if (!colon || (size_t)(colon - p) >= sizeof(e->name))
		return false;
	memcpy(e->name, p, colon - p);
	e->name[colon - p] = 0;
	e->args = colon + 1;
	return true;
}

/* Value of KEY=... in @args (unsigned, or a copy id "ctx:seq" as ctx<<32|seq). */
static bool targ(const char *args, const char *key, unsigned long long *v)
{
	char pat[32];
	const char *p;
	unsigned long long a, b;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(args, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (sscanf(p, "%llu:%llu", &a, &b) == 2) {
		*v = a << 32 | b;
		return true;
	}
	return sscanf(p, "%llu", v) == 1;
}

static bool targ_is(const char *args, const char *key, const char *val)
{
	char pat[64];

	snprintf(pat, sizeof(pat), " %s=%s ", key, val);
	return strstr(args, pat) != NULL;
}

#define TC_MAX_COPIES 4096

/*
 * One preempt/evict/restore cycle per eviction-trigger write of a running
 * job, traced: for each restore of the job's queue (vlr_queue_run) the trace
 * holds, in this order, the preemption request, the queue going off, the
 * restore request, a restore pass that queued a copy into VRAM and resumed
 * the queue, that copy's run and completion, and the queue's resume; the
 * restore latency the event reports starts at the request's timestamp. The
 * job's own eviction copies are traced too. lrbench breaks restores down
 * from exactly these events.
 */
static int test_trace_cycle(int fd)
{
	struct {
		unsigned long long id;
		double q, r, d;
		int kind_to_vram;
		int pid;
	} *cp = calloc(TC_MAX_COPIES, sizeof(*cp));
	const char *knob = evict_knob(fd);
	unsigned long long v, vm, queue;
	uint64_t client = 0;
	double t_preq = -1, t_off = -1, t_req = -1, t_begin = -1, t_resumed = -1;
	/* when the queue last ran (its previous restore ended) */
	double start, t_prev_run = 0;
	/* the pass in progress, and the last pass that resumed the queue */
	int pass_pid = -1, ncp = 0, pass_copies = 0, res_copies = 0, chains = 0, evicts = 0;
	unsigned long long pass_copy = 0, res_copy = 0;
	double pass_begin = -1;
	const int cycles = 10;
	struct vlr_stream s;
	size_t len = 0;
	char *buf, *line, *save;
	struct stat st;
	double worst_skew = 0;

	if (!cp)
		return 1;
	if (!knob) {
		printf("trace-cycle: no dri/<render minor>/vlr_evict_vram in debugfs, skipped\n");
		free(cp);
		return VLR_SKIP;
	}
	if (stat(TRACEFS "/events", &st) && mount("nodev", TRACEFS, "tracefs", 0, NULL)) {
		printf("trace-cycle: cannot mount tracefs at " TRACEFS " (%s), skipped\n",
		       strerror(errno));
		free(cp);
		return VLR_SKIP;
	}
	if (stat(TRACEFS "/events/vlr", &st)) {
		printf("trace-cycle: this kernel has no vlr tracepoints (no " TRACEFS
		       "/events/vlr), skipped\n");
		free(cp);
		return VLR_SKIP;
	}
	CHECK(!vlr_drm_client_id(fd, &client), "no drm-client-id in /proc/self/fdinfo/%d", fd);
	CHECK(!tracefs_write("tracing_on", "0"), "tracing_on");
	CHECK(!tracefs_write("trace_clock", "mono"), "trace_clock mono");
	CHECK(!tracefs_write("buffer_size_kb", "4096"), "buffer_size_kb");
	CHECK(!tracefs_write("trace", ""), "clear the trace");
	CHECK(!tracefs_write("events/vlr/enable", "1"), "enable events/vlr");
	CHECK(!tracefs_write("tracing_on", "1"), "tracing_on");

	if (vlr_stream_start(&s, fd, 4 * MiB, 0x7ace))
		return 1;
	if (vlr_stream_wait_progress(&s, 0, 10))
		return 1;
	for (int i = 0; i < cycles; i++) {
		uint64_t p;
		int ret = knob_write(knob, "1");

		CHECK(!ret, "write %d to %s: %s", i, knob, strerror(-ret));
		p = *s.progress;
		if (vlr_stream_wait_progress(&s, p, 20))
			return 1;
	}
	CHECK(!tracefs_write("tracing_on", "0"), "tracing_on");
	buf = tracefs_read_all(&len);
	tracefs_write("events/vlr/enable", "0");
	tracefs_write("trace", "");
	tracefs_write("tracing_on", "1");
	CHECK(buf, "read " TRACEFS "/trace");
	if (vlr_stream_stop_verify(&s))
		return 1;
	CHECK(!strstr(buf, "LOST EVENTS"), "the trace lost events");

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct tev e;
		bool ours;
		int i;

		if (!tev_parse(line, &e))
			continue;
		/* Copies are named by their fence; the rest by client/vm/queue. */
		if (!strcmp(e.name, "vlr_copy_run") || !strcmp(e.name, "vlr_copy_done")) {
			CHECK(targ(e.args, "copy", &v), "no copy id: %s", e.args);
			for (i = 0; i < ncp && cp[i].id != v; i++)
				;
			if (i == ncp)
				continue; /* another client's copy */
			if (e.name[9] == 'r')
				cp[i].r = e.ts;
			else
				cp[i].d = e.ts;
			continue;
		}
		ours = targ(e.args, "client", &v) && v == client && targ(e.args, "vm", &vm) &&
		       vm == s.vm;
		if (!ours)
			continue;
		if (!strcmp(e.name, "vlr_copy_queued")) {
			CHECK(ncp < TC_MAX_COPIES, "too many copies");
			CHECK(targ(e.args, "copy", &cp[ncp].id), "no copy id: %s", e.args);
			cp[ncp].q = e.ts;
			cp[ncp].r = cp[ncp].d = -1;
			cp[ncp].pid = e.pid;
			cp[ncp].kind_to_vram = targ_is(e.args, "kind", "to_vram");
			if (targ_is(e.args, "kind", "evict"))
				evicts++;
			if (e.pid == pass_pid && cp[ncp].kind_to_vram) {
				pass_copies++;
				pass_copy = cp[ncp].id;
			}
			ncp++;
			continue;
		}
		/* A cycle starts when the queue goes off; earlier passes restored nothing. */
		if (!strcmp(e.name, "vlr_restore_request")) {
			if (t_off >= 0 && t_req < 0)
				t_req = e.ts;
		} else if (!strcmp(e.name, "vlr_restore_begin")) {
			if (t_req >= 0) {
				pass_begin = e.ts;
				pass_pid = e.pid;
				pass_copies = 0;
			}
		} else if (!strcmp(e.name, "vlr_restore_end")) {
			unsigned long long nq = 0, ok = 1;

			/* A pass that resumed nothing (the queue was not off) is not it. */
			if (e.pid == pass_pid && targ(e.args, "queues", &nq) && nq &&
			    targ(e.args, "ret", &ok) && !ok) {
				t_begin = pass_begin;
				res_copies = pass_copies;
				res_copy = pass_copy;
			}
			pass_pid = -1;
		} else {
			CHECK(targ(e.args, "queue", &queue), "no queue: %s", e.args);
			if (queue != s.queue)
				continue;
			if (!strcmp(e.name, "vlr_preempt_request")) {
				if (t_off < 0)
					t_preq = e.ts;
			} else if (!strcmp(e.name, "vlr_queue_off")) {
				t_off = e.ts;
				t_req = t_begin = t_resumed = pass_begin = -1;
				pass_copies = res_copies = 0;
			} else if (!strcmp(e.name, "vlr_queue_resumed")) {
				t_resumed = e.ts;
				/*
				 * Resumed by the pass in progress (open-coded mode, inside the
				 * pass): on SMP the queue can run before the pass's end.
				 */
				if (e.pid == pass_pid) {
					t_begin = pass_begin;
					res_copies = pass_copies;
					res_copy = pass_copy;
				}
			} else if (!strcmp(e.name, "vlr_queue_run")) {
				double skew;
				int c;

				CHECK(targ(e.args, "restore_ns", &v), "no restore_ns: %s", e.args);
				/* Only a restore after a preemption reports restore_ns. */
				CHECK(t_off >= 0,
				      "restore %d: the queue ran again without going off", chains);
				CHECK(t_preq >= 0 && t_off >= t_preq,
				      "restore %d: no preemption request before the queue went off "
				      "(request %.6f, off %.6f)",
				      chains, t_preq, t_off);
				CHECK(t_req >= t_off,
				      "restore %d: requested at %.6f, before the queue was off "
				      "(%.6f)",
				      chains, t_req, t_off);
				CHECK(t_begin >= t_req,
				      "restore %d: no pass resumed the queue after the request",
				      chains);
				CHECK(res_copies >= 1,
				      "restore %d: the pass that resumed the queue queued no copy "
				      "into VRAM",
				      chains);
				for (c = 0; c < ncp && cp[c].id != res_copy; c++)
					;
				CHECK(
				    c < ncp && cp[c].r >= cp[c].q && cp[c].d >= cp[c].r,
				    "restore %d: its copy into VRAM was not run and done in order",
				    chains);
				CHECK(t_resumed >= cp[c].d && e.ts >= t_resumed,
				      "restore %d: the queue resumed (%.6f) or ran (%.6f) before "
				      "its copy landed "
				      "(%.6f)",
				      chains, t_resumed, e.ts, cp[c].d);
				/*
				 * The reported latency starts in this cycle: after the
				 * queue last ran, no later than the pass that resumed it
				 * (the first request after the preemption, or on SMP one
				 * that came during an earlier pass of the VM).
				 */
				start = e.ts - v / 1e9;
				skew = fabs(start - t_req);
				if (skew > worst_skew)
					worst_skew = skew;
				CHECK(start >= t_prev_run - 1e-4 && start <= t_begin + 1e-4,
				      "restore %d: restore_ns %.6f s starts at %.6f, outside its "
				      "cycle (queue last ran %.6f, resuming pass began %.6f)",
				      chains, v / 1e9, start, t_prev_run, t_begin);
				t_prev_run = e.ts;
				chains++;
				t_preq = t_off = t_req = t_begin = t_resumed = pass_begin = -1;
				res_copies = 0;
			}
		}
	}
	free(buf);
	free(cp);
	printf("trace-cycle[%s]: %d writes: %d complete preempt/evict/restore chains traced, %d "
	       "eviction copies of the job's VM; restore_ns starts at most %.0f us from the first "
	       "request after the preemption\n",
	       vlr_mode_name(mode), cycles, chains, evicts, worst_skew * 1e6);
	CHECK(chains >= cycles, "%d complete chains for %d trigger writes", chains, cycles);
	CHECK(evicts >= cycles, "%d eviction copies for %d trigger writes", evicts, cycles);
	vlr_stream_fini(&s);
	return 0;
}

static int knob_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/* Read a knob into @buf (newline stripped); 0 or -errno. */
static int knob_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

#define VLR_PARAM(name) "/sys/module/vlr/parameters/" name

/*
 * Fuzzer seeds 6, 4 and 7 (2 threads): a dma-fence queue on the shared
 * scheduler is banned by a faulting job while more of its jobs wait on the
 * engine ring. Those jobs' completion fences signalled only when the queue
 * was destroyed, so the scheduler's free_job (in order) stalled behind them
 * and every other queue's QUEUE_DESTROY on that scheduler, and TTM's delayed
 * deletes waiting on the fence, hung for good. A ban must end the queue's
 * jobs at once, with an error.
 */
static int banned_fences(int fd)
{
	const uint64_t size = 4 * MiB;
	struct drm_syncobj_create sc = {0};
	struct drm_syncobj_destroy sd;
	uint32_t lr_vm, lr_q, ctl;
	struct drm_vlr_stats qs;
	volatile uint64_t *uf;
	struct df_vm d;
	int64_t timeout;
	double t0, dt;
	int ret;

	if (df_init(&d, fd, size, DRM_VLR_QUEUE_CREATE_SHARED_SCHED))
		return 1;
	CHECK(!(ret = vlr_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc)), "SYNCOBJ_CREATE: %s",
	      strerror(-ret));
	/* A long valid job, a faulting one, then valid jobs left on the ring. */
	struct drm_vlr_exec e = {.queue_id = d.queue,
				 .program = DRM_VLR_PROG_FILL,
				 .dst = DF_DATA_ADDR(0),
				 .len = size,
				 .value = 1};
	CHECK(!(ret = vlr_exec(fd, &e)), "EXEC long FILL: %s", strerror(-ret));
	e.dst = 0x20000000; /* inside the VA space, nothing mapped */
	e.len = 4096;
	CHECK(!(ret = vlr_exec(fd, &e)), "EXEC faulting FILL: %s", strerror(-ret));
	e.dst = DF_DATA_ADDR(1);
	e.len = size;
	for (int i = 0; i < 3; i++) {
		e.out_syncobj = i == 2 ? sc.handle : 0;
		ret = vlr_exec(fd, &e);
		if (ret == -EIO)
			break; /* banned already: nothing left behind the fault */
		CHECK(!ret, "EXEC FILL %d behind the fault: %s", i, strerror(-ret));
	}
	t0 = vlr_now();
	if (!ret) {
		ret = __vlr_syncobj_wait(fd, sc.handle, 10000000000ll);
		dt = vlr_now() - t0;
		CHECK(!ret,
		      "the last job behind the fault: its completion fence did not signal "
		      "(%d, %s after %.3f s); it waits for QUEUE_DESTROY",
		      ret, strerror(-ret), dt);
		printf("banned-fences: the job queued behind the fault ended after %.3f s\n", dt);
	} else {
		printf("banned-fences: the queue was banned before the last exec (-EIO)\n");
	}
	CHECK(!vlr_get_stats(fd, d.queue, false, &qs), "GET_STATS queue");
	CHECK(qs.queue_state == DRM_VLR_QUEUE_STATE_BANNED, "queue state %u, expected BANNED",
	      qs.queue_state);

	/* An LR queue on the same shared scheduler runs a job and goes away. */
	CHECK(!vlr_vm_create(fd, &lr_vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, lr_vm, &ctl), "ctl");
	CHECK(!vlr_bind(fd, lr_vm, ctl, 0, VLR_CTL_ADDR, 4096), "bind ctl");
	CHECK(!(ret = __vlr_queue_create(fd, lr_vm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED, &lr_q)),
	      "LR QUEUE_CREATE on the shared scheduler: %s", strerror(-ret));
	uf = vlr_bo_map(fd, ctl, 4096);
	CHECK(uf, "mmap ctl");
	struct drm_vlr_exec f = {.queue_id = lr_q,
				 .program = DRM_VLR_PROG_FILL,
				 .dst = VLR_CTL_ADDR + 64,
				 .len = 64,
				 .value = 3,
				 .ufence_addr = VLR_CTL_ADDR,
				 .ufence_value = 1};
	CHECK(!(ret = vlr_exec(fd, &f)), "EXEC on the LR queue: %s", strerror(-ret));
	timeout = 10000000000ll;
	ret = __vlr_wait_ufence_queue(fd, lr_vm, lr_q, VLR_CTL_ADDR, DRM_VLR_UFENCE_OP_EQ, 1, 0,
				      &timeout);
	CHECK(!ret, "LR job on the shared scheduler: %d (%s)", ret, strerror(-ret));
	t0 = vlr_now();
	CHECK(!(ret = vlr_queue_destroy(fd, lr_q)), "QUEUE_DESTROY of the LR queue: %s",
	      strerror(-ret));
	dt = vlr_now() - t0;
	CHECK(dt < 5, "QUEUE_DESTROY of the LR queue took %.3f s", dt);
	printf("banned-fences: LR queue on the shared scheduler destroyed in %.3f s\n", dt);
	munmap((void *)uf, 4096);
	CHECK(!vlr_vm_destroy(fd, lr_vm), "VM_DESTROY");
	vlr_bo_close(fd, ctl);
	sd.handle = sc.handle;
	sd.pad = 0;
	vlr_ioctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
	df_fini(&d);
	return 0;
}

static int test_banned_fences(int fd)
{
	char gran[32];
	int ret;

	/* Small chunks: the faulting job reaches the engine after the others are queued. */
	if (knob_read(VLR_PARAM("preempt_granularity"), gran, sizeof(gran)) ||
	    knob_write(VLR_PARAM("preempt_granularity"), "16")) {
		printf("banned-fences: vlr.preempt_granularity is not writable here, skipped\n");
		return VLR_SKIP;
	}
	ret = banned_fences(fd);
	knob_write(VLR_PARAM("preempt_granularity"), gran);
	return ret;
}

/* One side of the PRIME test: an LR VM of one file streaming over half of the shared BO. */
struct prime_side {
	int fd;
	uint32_t vm, queue, ctl_bo, staging_bo, shared;
	volatile uint64_t *ctl;
	uint32_t *staging;
};

#define PRIME_SHARED_ADDR 0x1000000ull

static int prime_side_init(struct prime_side *p, int fd, uint32_t shared, uint64_t size)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->shared = shared;
	CHECK(!vlr_vm_create(fd, &p->vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, p->vm, &p->ctl_bo), "ctl");
	CHECK(!vlr_bo_create(fd, size, DRM_VLR_GEM_CREATE_SYSTEM, p->vm, &p->staging_bo),
	      "staging");
	CHECK(!vlr_bind(fd, p->vm, p->ctl_bo, 0, VLR_CTL_ADDR, 4096), "bind ctl");
	CHECK(!vlr_bind(fd, p->vm, p->staging_bo, 0, VLR_STAGING_ADDR, size), "bind staging");
	CHECK(!(ret = vlr_bind(fd, p->vm, shared, 0, PRIME_SHARED_ADDR, size)),
	      "bind the shared BO: %s", strerror(-ret));
	CHECK(!vlr_queue_create(fd, p->vm, &p->queue), "QUEUE_CREATE");
	p->ctl = vlr_bo_map(fd, p->ctl_bo, 4096);
	p->staging = vlr_bo_map(fd, p->staging_bo, size);
	CHECK(p->ctl && p->staging, "mmap ctl/staging: %s", strerror(errno));
	return 0;
}

/* A bounded COPY on this side's queue, completion through a user fence. */
static int prime_copy(struct prime_side *p, uint64_t src, uint64_t dst, uint64_t len, uint64_t seq)
{
	struct drm_vlr_exec e = {
	    .queue_id = p->queue,
	    .program = DRM_VLR_PROG_COPY,
	    .src = src,
	    .dst = dst,
	    .len = len,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE2,
	    .ufence_value = seq,
	};
	int ret;

	CHECK(!(ret = vlr_exec(p->fd, &e)), "EXEC COPY: %s", strerror(-ret));
	ret = vlr_wait_ufence(p->fd, p->vm, VLR_CTL_ADDR + VLR_UFENCE2, seq, 20000000000ll);
	CHECK(!ret, "COPY did not finish in 20 s: %s", strerror(-ret));
	return 0;
}

static int prime_stream(struct prime_side *p, uint64_t offset, uint64_t len)
{
	struct drm_vlr_exec e = {
	    .queue_id = p->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = PRIME_SHARED_ADDR + offset,
	    .len = len,
	    .progress_addr = VLR_CTL_ADDR + VLR_PROGRESS,
	    .stop_addr = VLR_CTL_ADDR + VLR_STOP,
	    .ufence_addr = VLR_CTL_ADDR + VLR_UFENCE,
	    .ufence_value = 0xf00d,
	};
	int ret;

	CHECK(!(ret = vlr_exec(p->fd, &e)), "EXEC STREAM: %s", strerror(-ret));
	return 0;
}

static int prime_wait_progress(struct prime_side *p, uint64_t from, const char *who)
{
	double end = vlr_now() + 30;

	while (p->ctl[VLR_PROGRESS / 8] <= from) {
		CHECK(vlr_now() < end, "%s: no progress past %llu passes in 30 s", who,
		      (unsigned long long)from);
		usleep(1000);
	}
	return 0;
}

static void prime_side_fini(struct prime_side *p, uint64_t size)
{
	vlr_queue_destroy(p->fd, p->queue);
	vlr_vm_destroy(p->fd, p->vm);
	munmap((void *)p->ctl, 4096);
	munmap(p->staging, size);
	vlr_bo_close(p->fd, p->ctl_bo);
	vlr_bo_close(p->fd, p->staging_bo);
	vlr_bo_close(p->fd, p->shared);
}

/*
 * PRIME: an external VRAM BO exported from one file and imported on a second
 * open of the render node, mapped in an LR VM of each. Each side streams
 * over its half; VRAM pressure evicts the shared BO (preempting both
 * queues), both resume, and each file reads back the whole BO: both halves
 * exact, identical through either handle. A VM-private BO cannot be exported.
 */
static int test_prime(int fd)
{
	const uint64_t size = 4 * MiB, half = size / 2;
	struct prime_side side[2];
	struct drm_vlr_stats qs[2];
	uint32_t shared, imported, priv_vm, priv_bo;
	uint64_t k[2];
	uint32_t *init;
	int fd2, dmabuf, ret;

	CHECK(!vlr_vm_create(fd, &priv_vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, 0, priv_vm, &priv_bo), "private BO");
	ret = __vlr_prime_export(fd, priv_bo, &dmabuf);
	CHECK(ret == -EPERM, "export of a VM-private BO: %d (%s), expected -EPERM", ret,
	      strerror(-ret));
	vlr_bo_close(fd, priv_bo);
	vlr_vm_destroy(fd, priv_vm);

	fd2 = vlr_open();
	CHECK(fd2 >= 0, "second open of the render node");
	CHECK(!vlr_bo_create(fd, size, 0, 0, &shared), "external VRAM BO");
	ret = drmPrimeHandleToFD(fd, shared, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	CHECK(!ret, "drmPrimeHandleToFD of an external BO: %s", strerror(errno));
	ret = drmPrimeFDToHandle(fd2, dmabuf, &imported);
	CHECK(!ret, "drmPrimeFDToHandle on the second file: %s", strerror(errno));
	close(dmabuf);
	if (prime_side_init(&side[0], fd, shared, size) ||
	    prime_side_init(&side[1], fd2, imported, size))
		return 1;

	init = malloc(size);
	CHECK(init, "out of memory");
	for (uint64_t i = 0; i < size / 4; i++)
		init[i] = side[0].staging[i] = (uint32_t)(i * 2246822519u) ^ 0x3c3c;
	if (prime_copy(&side[0], VLR_STAGING_ADDR, PRIME_SHARED_ADDR, size, 1))
		return 1;
	if (prime_stream(&side[0], 0, half) || prime_stream(&side[1], half, half))
		return 1;
	for (int i = 0; i < 2; i++)
		if (prime_wait_progress(&side[i], 0, i ? "importer" : "exporter"))
			return 1;
	for (int cycle = 0; cycle < 3; cycle++) {
		uint64_t p0 = side[0].ctl[0], p1 = side[1].ctl[0];

		if (pressure(fd, info.vram_size, 8 * MiB))
			return 1;
		if (prime_wait_progress(&side[0], p0, "exporter after pressure") ||
		    prime_wait_progress(&side[1], p1, "importer after pressure"))
			return 1;
	}
	for (int i = 0; i < 2; i++) {
		CHECK(!vlr_get_stats(side[i].fd, side[i].queue, false, &qs[i]), "GET_STATS queue");
		side[i].ctl[VLR_STOP / 8] = 1;
	}
	for (int i = 0; i < 2; i++) {
		ret = vlr_wait_ufence(side[i].fd, side[i].vm, VLR_CTL_ADDR + VLR_UFENCE, 0xf00d,
				      20000000000ll);
		CHECK(!ret, "side %d's stream did not stop in 20 s: %s", i, strerror(-ret));
		k[i] = side[i].ctl[VLR_PROGRESS / 8];
	}
	printf("prime[%s]: exporter %llu passes (preempted %llu, restored %llu), importer %llu "
	       "passes (preempted %llu, restored %llu)\n",
	       vlr_mode_name(mode), (unsigned long long)k[0], (unsigned long long)qs[0].preemptions,
	       (unsigned long long)qs[0].restores, (unsigned long long)k[1],
	       (unsigned long long)qs[1].preemptions, (unsigned long long)qs[1].restores);
	for (int i = 0; i < 2; i++) {
		CHECK(qs[i].preemptions >= 1 && qs[i].restores >= 1,
		      "side %d's queue was never preempted and restored: the shared BO was not "
		      "evicted under it",
		      i);
		memset(side[i].staging, 0, size);
		if (prime_copy(&side[i], PRIME_SHARED_ADDR, VLR_STAGING_ADDR, size, 2))
			return 1;
	}
	for (int i = 0; i < 2; i++) {
		uint64_t bad = 0;
		uint32_t a[2], c[2];

		vlr_lcg_pow(k[0], &a[0], &c[0]);
		vlr_lcg_pow(k[1], &a[1], &c[1]);
		for (uint64_t e = 0; e < size / 4; e++) {
			int h = e >= half / 4;
			uint32_t want = a[h] * init[e] + c[h];

			if (side[i].staging[e] != want && bad++ < 5)
				fprintf(stderr, "side %d reads element %llu: %#x, expected %#x\n",
					i, (unsigned long long)e, side[i].staging[e], want);
		}
		CHECK(!bad, "side %d: %llu of %llu elements of the shared BO wrong", i,
		      (unsigned long long)bad, (unsigned long long)(size / 4));
	}
	prime_side_fini(&side[1], size);
	prime_side_fini(&side[0], size);
	close(fd2);
	free(init);
	return 0;
}

static uint64_t max_u64(const __u64 *v, unsigned int n)
{
	uint64_t m = 0;

	for (unsigned int i = 0; i < n && i < DRM_VLR_STATS_SAMPLES; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/*
 * GET_STATS v2: after an eviction/restore cycle the copy engine, restore
 * worker and restore-size counters are filled; after dma-fence jobs the
 * normal-job counters are. Counters are reset first.
 */
static int test_stats_v2(int fd)
{
	const uint64_t size = 4 * MiB;
	const int jobs = 4;
	struct drm_vlr_stats st, qs = {0};
	struct vlr_stream s;
	struct df_vm d;
	unsigned int n;

	CHECK(!vlr_get_stats(fd, 0, true, &st), "GET_STATS reset");
	if (vlr_stream_start(&s, fd, size, 0x99) || vlr_stream_wait_progress(&s, 0, 20))
		return 1;
	for (int i = 0; i < 5 && !qs.restores; i++) {
		if (pressure(fd, info.vram_size, 8 * MiB) ||
		    vlr_stream_wait_progress(&s, *s.progress, 20))
			return 1;
		CHECK(!vlr_get_stats(fd, s.queue, false, &qs), "GET_STATS queue");
	}
	CHECK(qs.restores > 0, "no restore after 5 pressure rounds");
	if (vlr_stream_stop_verify(&s))
		return 1;
	if (df_init(&d, fd, 64 * 1024, 0))
		return 1;
	for (int i = 0; i < jobs; i++)
		if (df_job(&d, 0, DF_DATA_ADDR(0), i, true))
			return 1;
	CHECK(!vlr_get_stats(fd, 0, false, &st), "GET_STATS");

	printf("stats-v2[%s]: copy %llu bytes in %llu ns (%llu jobs, %.1f MiB/s), restore worker "
	       "%llu runs %llu ns (%u samples, median %.1f us), restores %u samples (max %llu "
	       "bytes), normal jobs %llu (%u samples, median %.1f us)\n",
	       vlr_mode_name(mode), (unsigned long long)st.copy_bytes,
	       (unsigned long long)st.copy_busy_ns, (unsigned long long)st.copy_jobs,
	       st.copy_busy_ns ? st.copy_bytes / (st.copy_busy_ns / 1e9) / MiB : 0.0,
	       (unsigned long long)st.restore_worker_runs, (unsigned long long)st.restore_worker_ns,
	       st.worker_samples, vlr_median(st.restore_worker_lat_ns, st.worker_samples) / 1e3,
	       st.restore_samples,
	       (unsigned long long)max_u64(st.restore_bytes, st.restore_samples),
	       (unsigned long long)st.normal_jobs, st.normal_samples,
	       vlr_median(st.normal_lat_ns, st.normal_samples) / 1e3);

	CHECK(st.copy_bytes >= size, "copy_bytes %llu after moving a %llu-byte BO out and back",
	      (unsigned long long)st.copy_bytes, (unsigned long long)size);
	CHECK(st.copy_busy_ns > 0 && st.copy_jobs > 0, "copy_busy_ns %llu, copy_jobs %llu",
	      (unsigned long long)st.copy_busy_ns, (unsigned long long)st.copy_jobs);
	CHECK(st.restore_worker_runs > 0 && st.restore_worker_ns > 0,
	      "restore_worker_runs %llu, restore_worker_ns %llu",
	      (unsigned long long)st.restore_worker_runs, (unsigned long long)st.restore_worker_ns);
	n = st.worker_samples;
	CHECK(n > 0 && n <= DRM_VLR_STATS_SAMPLES && n <= st.restore_worker_runs,
	      "worker_samples %u for %llu runs", n, (unsigned long long)st.restore_worker_runs);
	for (unsigned int i = 0; i < n; i++)
		CHECK(st.restore_worker_lat_ns[i] > 0 &&
			  st.restore_worker_lat_ns[i] <= st.restore_worker_ns,
		      "restore_worker_lat_ns[%u] = %llu (sum %llu)", i,
		      (unsigned long long)st.restore_worker_lat_ns[i],
		      (unsigned long long)st.restore_worker_ns);
	n = st.restore_samples;
	CHECK(n > 0 && n <= DRM_VLR_STATS_SAMPLES, "restore_samples %u for %llu restores", n,
	      (unsigned long long)st.restores);
	for (unsigned int i = 0; i < n; i++)
		CHECK(st.restore_lat_ns[i] > 0, "restore sample %u: latency 0 (%llu bytes)", i,
		      (unsigned long long)st.restore_bytes[i]);
	CHECK(max_u64(st.restore_bytes, n) >= size,
	      "no restore sample brought back the %llu-byte buffer (largest %llu bytes)",
	      (unsigned long long)size, (unsigned long long)max_u64(st.restore_bytes, n));
	CHECK(st.normal_jobs >= (uint64_t)jobs, "normal_jobs %llu after %d dma-fence jobs",
	      (unsigned long long)st.normal_jobs, jobs);
	n = st.normal_samples;
	CHECK(n > 0 && n <= DRM_VLR_STATS_SAMPLES && n <= st.normal_jobs,
	      "normal_samples %u for %llu jobs", n, (unsigned long long)st.normal_jobs);
	for (unsigned int i = 0; i < n; i++)
		CHECK(st.normal_lat_ns[i] > 0, "normal_lat_ns[%u] = 0", i);
	df_fini(&d);
	vlr_stream_fini(&s);
	return 0;
}

/* ---- the table of bad input ---------------------------------------------- */

struct bad_ctx {
	int fd;
	uint32_t vm, other_vm, queue, bo, sys_bo, priv_bo, syncobj;
	uint32_t other_queue;	  /* a queue of other_vm */
	uint32_t df_vm, df_queue; /* a dma-fence VM and its queue */
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
	struct drm_vlr_vm_create a = {.flags = DRM_VLR_VM_CREATE_DMA_FENCE << 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_CREATE, &a);
}
static int bad_vm_flags_all(struct bad_ctx *c)
{
	struct drm_vlr_vm_create a = {.flags = ~DRM_VLR_VM_CREATE_DMA_FENCE};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_VM_CREATE, &a);
}
static int bad_vm_destroy_zero(struct bad_ctx *c)
{
	return vlr_vm_destroy(c->fd, 0);
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
	struct drm_vlr_queue_create a = {.vm_id = c->vm,
					 .flags = DRM_VLR_QUEUE_CREATE_SHARED_SCHED << 1};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_CREATE, &a);
}
static int bad_queue_flags_all(struct bad_ctx *c)
{
	struct drm_vlr_queue_create a = {.vm_id = c->vm,
					 .flags = ~DRM_VLR_QUEUE_CREATE_SHARED_SCHED};

	return vlr_ioctl(c->fd, DRM_IOCTL_VLR_QUEUE_CREATE, &a);
}
static int bad_queue_destroy_zero(struct bad_ctx *c)
{
	return vlr_queue_destroy(c->fd, 0);
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
static int bad_exec_out_syncobj_unknown(struct bad_ctx *c)
{
	return EXEC(a.out_syncobj = 999);
}
static int bad_exec_df_stream(struct bad_ctx *c)
{
	return EXEC((a.queue_id = c->df_queue, a.program = DRM_VLR_PROG_STREAM,
		     a.progress_addr = VLR_CTL_ADDR, a.stop_addr = VLR_CTL_ADDR + 8));
}
static int bad_exec_df_out_syncobj_unknown(struct bad_ctx *c)
{
	return EXEC((a.queue_id = c->df_queue, a.out_syncobj = 999));
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
static int bad_wait_queue_unknown(struct bad_ctx *c)
{
	return WAIT(a.queue_id = 999);
}
static int bad_wait_queue_other_vm(struct bad_ctx *c)
{
	return WAIT(a.queue_id = c->other_queue);
}
static int good_wait_queue_own(struct bad_ctx *c)
{
	/* Control: the VM's own queue is accepted; the value never comes. */
	return WAIT(a.queue_id = c->queue);
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
    {"vm-create-flags-unknown-bit", -EINVAL, bad_vm_flags},
    {"vm-create-flags-all-unknown", -EINVAL, bad_vm_flags_all},
    {"vm-destroy-unknown", -ENOENT, bad_vm_destroy_id},
    {"vm-destroy-id-zero", -ENOENT, bad_vm_destroy_zero},
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
    {"queue-create-flags-unknown-bit", -EINVAL, bad_queue_flags},
    {"queue-create-flags-all-unknown", -EINVAL, bad_queue_flags_all},
    {"queue-create-pad", -EINVAL, bad_queue_pad},
    {"queue-destroy-unknown", -ENOENT, bad_queue_destroy_id},
    {"queue-destroy-id-zero", -ENOENT, bad_queue_destroy_zero},
    {"exec-queue-unknown", -ENOENT, bad_exec_queue},
    {"exec-program", -EINVAL, bad_exec_program},
    {"exec-flags", -EINVAL, bad_exec_flags},
    {"exec-pad", -EINVAL, bad_exec_pad},
    {"exec-out-syncobj-refused", -EOPNOTSUPP, bad_exec_out_syncobj},
    {"exec-out-syncobj-unknown-lr", -EOPNOTSUPP, bad_exec_out_syncobj_unknown},
    {"exec-dma-fence-stream", -EINVAL, bad_exec_df_stream},
    {"exec-dma-fence-out-syncobj-unknown", -ENOENT, bad_exec_df_out_syncobj_unknown},
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
    {"wait-queue-unknown", -ENOENT, bad_wait_queue_unknown},
    {"wait-queue-of-other-vm", -EINVAL, bad_wait_queue_other_vm},
    {"wait-queue-own-times-out", -ETIME, good_wait_queue_own},
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
	CHECK(!vlr_queue_create(fd, c.other_vm, &c.other_queue), "QUEUE_CREATE other VM");
	CHECK(!(ret = __vlr_vm_create(fd, DRM_VLR_VM_CREATE_DMA_FENCE, &c.df_vm)),
	      "VM_CREATE dma-fence: %s", strerror(-ret));
	CHECK(!(ret = __vlr_queue_create(fd, c.df_vm, 0, &c.df_queue)),
	      "QUEUE_CREATE in the dma-fence VM: %s", strerror(-ret));
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
	CHECK(!vlr_vm_destroy(fd, c.vm) && !vlr_vm_destroy(fd, c.other_vm) &&
		  !vlr_vm_destroy(fd, c.df_vm),
	      "VM_DESTROY");
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

/*
 * Regression for the hangs random ioctls found (issue 10, items 2 and 3):
 * in open-coded mode a bounded LR job queued behind a never-ending STREAM
 * made the throttle in run_job() sleep for ever on the scheduler the queues
 * share, so the jobs of a dma-fence queue on it never ran and tearing that
 * queue down (QUEUE_DESTROY, or the file's release after a kill) blocked in
 * vlr_queue_kill() for ever. The throttle is bounded now
 * (vlr.throttle_timeout_ms; the LR queue is banned when it expires): the
 * normal job completes, QUEUE_DESTROY returns, a killed process is reaped.
 * In preempt-fence mode nothing sleeps in run_job(): the same load simply
 * works.
 */
static int throttle_setup(int fd, struct vlr_stream *s, struct df_vm *d)
{
	const uint32_t flags = DRM_VLR_QUEUE_CREATE_SHARED_SCHED;
	int ret;

	if (vlr_stream_start_flags(s, fd, 1 * MiB, 0x7a7a, flags) ||
	    vlr_stream_wait_progress(s, 0, 20) || df_init(d, fd, 256 * 1024, flags))
		return 1;
	struct drm_vlr_exec e = {
	    .queue_id = s->queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = VLR_STAGING_ADDR,
	    .len = 4096,
	    .value = 1,
	    .ufence_addr = VLR_CTL_ADDR + SHARED_UFENCE,
	    .ufence_value = 1,
	};
	/* Behind the STREAM, which never ends: the open-coded throttle sleeps. */
	CHECK(!(ret = vlr_exec(fd, &e)), "EXEC LR FILL behind the stream: %s", strerror(-ret));
	/* A normal job on the same scheduler, not waited for. */
	return df_job(d, 0, DF_DATA_ADDR(0), 0x4242, false);
}

static int test_throttle_teardown(int fd)
{
	char old[32] = "";
	struct vlr_stream s;
	struct drm_vlr_stats qs;
	struct df_vm d;
	double t0, dt;
	pid_t pid;
	int ret, status = 0;

	/* Shorter than the default 5 s; a kernel without the knob must cope too. */
	if (knob_read(VLR_PARAM("throttle_timeout_ms"), old, sizeof(old)) ||
	    knob_write(VLR_PARAM("throttle_timeout_ms"), "500"))
		printf("throttle-teardown: no vlr.throttle_timeout_ms, running with the kernel's "
		       "own bound\n");

	if (throttle_setup(fd, &s, &d))
		goto fail;
	/* The normal job completes: the shared scheduler is not wedged. */
	t0 = vlr_now();
	ret = __vlr_syncobj_wait(fd, d.syncobj, DF_WAIT_NS);
	if (ret) {
		fprintf(stderr, "normal job behind the throttled LR queue: %s\n", strerror(-ret));
		goto fail;
	}
	t0 = vlr_now();
	ret = vlr_queue_destroy(fd, d.queue);
	dt = vlr_now() - t0;
	d.queue = 0;
	if (ret || dt > 10) {
		fprintf(stderr, "QUEUE_DESTROY of the normal queue: %s after %.1f s\n",
			strerror(-ret), dt);
		goto fail;
	}
	if (vlr_get_stats(fd, s.queue, false, &qs))
		goto fail;
	if (mode == DRM_VLR_MODE_OPEN_CODED && qs.queue_state != DRM_VLR_QUEUE_STATE_BANNED) {
		fprintf(stderr, "open-coded: the throttled LR queue is not banned (state %u)\n",
			qs.queue_state);
		goto fail;
	}
	printf(
	    "throttle-teardown[%s]: normal job done, QUEUE_DESTROY in %.3f s, LR queue state %u\n",
	    vlr_mode_name(mode), dt, qs.queue_state);
	df_fini(&d);
	vlr_stream_fini(&s);

	/* The same load in a process killed with everything in flight. */
	pid = fork();
	if (pid == 0) {
		int cfd = vlr_open();

		if (cfd < 0 || throttle_setup(cfd, &s, &d))
			_exit(1);
		for (;;)
			pause();
	}
	CHECK(pid > 0, "fork: %s", strerror(errno));
	usleep(300 * 1000);
	kill(pid, SIGKILL);
	t0 = vlr_now();
	while ((ret = waitpid(pid, &status, WNOHANG)) == 0 && vlr_now() - t0 < 30)
		usleep(10 * 1000);
	dt = vlr_now() - t0;
	if (old[0])
		knob_write(VLR_PARAM("throttle_timeout_ms"), old);
	CHECK(ret == pid, "the killed process was not reaped in %.0f s (its file release hangs)",
	      dt);
	CHECK(WIFSIGNALED(status), "child set-up failed (status %#x)", status);
	printf("throttle-teardown[%s]: killed process reaped in %.3f s\n", vlr_mode_name(mode), dt);
	return 0;
fail:
	if (old[0])
		knob_write(VLR_PARAM("throttle_timeout_ms"), old);
	return 1;
}

/*
 * Regression for issue 10, item 1: GEM_CREATE of a system BO whose pages
 * could not be allocated returned with the BO's reservation still locked
 * (lockdep: a lock held on return to user space) and leaked the BO
 * (kmemleak). Every allocation of GEM_CREATE fails in turn here, through the
 * kernel's fault injection filtered to this task: each call must fail
 * cleanly or succeed; the kernel log (lockdep, kmemleak at the end of the
 * run) must stay clean, and the device works afterwards.
 */
static int test_alloc_fail_gem_create(int fd)
{
	static const struct {
		uint64_t size;
		uint32_t flags;
		bool private;
	} kinds[] = {
	    {4 * MiB, DRM_VLR_GEM_CREATE_SYSTEM, false},
	    {4 * MiB, DRM_VLR_GEM_CREATE_SYSTEM, true},
	    {4 * MiB, 0, false},
	    {4 * MiB, 0, true},
	};
	unsigned int failed = 0, calls = 0;
	char left[32];
	uint32_t vm, h;
	int ret;

	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access("/sys/kernel/debug/failslab/ignore-gfp-wait", W_OK) ||
	    access("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", W_OK)) {
		printf("alloc-fail: no fail-nth, failslab or fail_page_alloc (kernel without "
		       "FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC)\n");
		return VLR_SKIP;
	}
	/* Count sleeping allocations too (GEM_CREATE's are GFP_KERNEL). */
	CHECK(!knob_write("/sys/kernel/debug/failslab/ignore-gfp-wait", "N"), "failslab");
	CHECK(!knob_write("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"),
	      "fail_page_alloc");
	knob_write("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	knob_write("/sys/kernel/debug/failslab/verbose", "0");
	knob_write("/sys/kernel/debug/fail_page_alloc/verbose", "0");
	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		/*
		 * fail-nth = n: the n-th allocation of this thread fails. The
		 * sweep ends when the call made fewer than n (the counter is
		 * still set afterwards) and succeeded.
		 */
		for (unsigned int n = 1; n <= 2000; n++) {
			char nth[16];

			snprintf(nth, sizeof(nth), "%u", n);
			CHECK(!knob_write("/proc/thread-self/fail-nth", nth), "fail-nth");
			ret = vlr_bo_create(fd, kinds[k].size, kinds[k].flags,
					    kinds[k].private ? vm : 0, &h);
			knob_read("/proc/thread-self/fail-nth", left, sizeof(left));
			knob_write("/proc/thread-self/fail-nth", "0");
			calls++;
			if (!ret)
				vlr_bo_close(fd, h);
			else
				CHECK(ret == -ENOMEM || ret == -ENOSPC,
				      "GEM_CREATE with allocation %u failing: %s", n,
				      strerror(-ret));
			if (atoi(left) > 0) {
				CHECK(!ret, "GEM_CREATE failed (%s) with no allocation failing",
				      strerror(-ret));
				break;
			}
			failed += !!ret;
		}
	}
	knob_write("/sys/kernel/debug/failslab/ignore-gfp-wait", "Y");
	knob_write("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "Y");
	CHECK(failed > 0, "no injected allocation failure made GEM_CREATE fail");
	/* The device still works. */
	CHECK(!test_fill_copy(fd), "fill-copy after the allocation failures");
	printf("alloc-fail: %u GEM_CREATE calls with the n-th allocation failing, %u failed "
	       "cleanly\n",
	       calls, failed);
	return 0;
}

struct exec_racer {
	struct df_vm *d;
	volatile int stop;
	unsigned int submitted;
	int last_err;
};

static void *exec_racer_fn(void *arg)
{
	struct exec_racer *r = arg;

	while (!r->stop) {
		struct drm_vlr_exec e = {
		    .queue_id = r->d->queue,
		    .program = DRM_VLR_PROG_FILL,
		    .dst = DF_DATA_ADDR(0),
		    .len = 4096,
		    .value = r->submitted,
		};
		int ret = vlr_exec(r->d->fd, &e);

		if (ret) {
			r->last_err = ret;
			break;
		}
		r->submitted++;
	}
	return NULL;
}

/*
 * Regression (fuzzer seed 31, KASAN slab-use-after-free in
 * drm_sched_job_arm <- vlr_exec_push_normal, freed by drm_sched_fini <-
 * vlr_queue_kill): an EXEC on a dma-fence queue raced its QUEUE_DESTROY and
 * armed a job on a scheduler that was already gone. A thread submits jobs
 * back to back while the queue is destroyed, many times over: EXEC must
 * answer -ENOENT (or -EIO/-EBUSY), never touch freed memory (KASAN would
 * report it in the kernel log), and the device keeps working.
 */
static int test_exec_destroy_race(int fd)
{
	unsigned int rounds = 60, total = 0;
	struct df_vm d;
	pthread_t t;
	int ret;

	for (unsigned int i = 0; i < rounds; i++) {
		struct exec_racer r = {.d = &d};

		if (df_init(&d, fd, 64 * 1024, 0))
			return 1;
		CHECK(!pthread_create(&t, NULL, exec_racer_fn, &r), "pthread_create");
		usleep(200 + (i * 7919) % 3000);
		ret = vlr_queue_destroy(fd, d.queue);
		r.stop = 1;
		pthread_join(t, NULL);
		CHECK(!ret, "QUEUE_DESTROY while EXECs race it: %s", strerror(-ret));
		CHECK(!r.last_err || r.last_err == -ENOENT || r.last_err == -EIO ||
			  r.last_err == -EBUSY,
		      "EXEC racing QUEUE_DESTROY: %s", strerror(-r.last_err));
		total += r.submitted;
		d.queue = 0;
		df_fini(&d);
	}
	printf("exec-destroy-race: %u rounds, %u jobs submitted while racing\n", rounds, total);
	return test_fill_copy(fd);
}

/*
 * Regression (fuzzer seed 2, bug 5): a user fence in a system BO whose
 * pages TTM swapped out is still a valid address. WAIT_UFENCE answered
 * -EFAULT; it must read the value (swapping the BO back in). TTM's global
 * page limit (ttm.pages_limit) is lowered for a moment so that creating
 * another system BO swaps the idle fence BO out.
 */
static int test_ufence_swapped(int fd)
{
	const char *limit = "/sys/module/ttm/parameters/pages_limit";
	char old[32] = "";
	uint32_t vm, ctl, other[4];
	int ret, n = 0;

	CHECK(!knob_read(limit, old, sizeof(old)), "no %s", limit);
	CHECK(!vlr_vm_create(fd, &vm), "VM_CREATE");
	CHECK(!vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, vm, &ctl), "ctl");
	CHECK(!vlr_bind(fd, vm, ctl, 0, VLR_CTL_ADDR, 4096), "bind ctl");
	/* Fresh system pages are zero: the fence reads 0. */
	ret = vlr_wait_ufence(fd, vm, VLR_CTL_ADDR, 0, 1000000000ll);
	CHECK(!ret, "WAIT_UFENCE == 0 before the swap-out: %s", strerror(-ret));

	CHECK(!knob_write(limit, "16"), "set %s", limit);
	for (n = 0; n < 4; n++) {
		ret = vlr_bo_create(fd, 1 * MiB, DRM_VLR_GEM_CREATE_SYSTEM, 0, &other[n]);
		if (ret)
			break;
	}
	knob_write(limit, old);
	CHECK(n > 0, "no system BO could be created under the low page limit: %s", strerror(-ret));
	ret = vlr_wait_ufence(fd, vm, VLR_CTL_ADDR, 0, 1000000000ll);
	while (n)
		vlr_bo_close(fd, other[--n]);
	CHECK(!ret, "WAIT_UFENCE == 0 after TTM swapped the fence BO out: %s", strerror(-ret));
	return 0;
}

/*
 * uAPI privileges (issue 10): the device mode and the device-wide counters
 * are not for every client. With the file opened as root and the
 * privileges dropped, SET_MODE and device-wide GET_STATS answer -EACCES,
 * while a queue's own counters stay readable.
 */
static int test_unprivileged(int fd)
{
	struct drm_vlr_set_mode m = {.mode = DRM_VLR_MODE_PREEMPT_FENCE};
	struct drm_vlr_stats st;
	pid_t pid;
	int status;

	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		uint32_t vm, q;
		int ret;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(3);
		ret = vlr_ioctl(fd, DRM_IOCTL_VLR_SET_MODE, &m);
		if (ret != -EACCES) {
			fprintf(stderr, "unprivileged SET_MODE: %s, expected EACCES\n",
				strerror(-ret));
			_exit(1);
		}
		ret = vlr_get_stats(fd, 0, true, &st);
		if (ret != -EACCES) {
			fprintf(stderr, "unprivileged device-wide GET_STATS: %s, expected EACCES\n",
				strerror(-ret));
			_exit(1);
		}
		if (vlr_vm_create(fd, &vm) || vlr_queue_create(fd, vm, &q) ||
		    vlr_get_stats(fd, q, true, &st)) {
			fprintf(stderr, "unprivileged per-queue GET_STATS failed\n");
			_exit(1);
		}
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 3, "could not drop privileges");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unprivileged client (see above)");
	/* Root still may. */
	CHECK(!vlr_get_stats(fd, 0, false, &st), "device-wide GET_STATS as root");
	return 0;
}

/*
 * BO memory is charged (issue 10, item 4): one client allocating BOs drove
 * UML into the OOM killer, which then shot processes that held no memory.
 * With vlr.max_file_mb set low, GEM_CREATE answers -ENOSPC at the limit,
 * counting system and VRAM BOs at full size, and freeing a BO makes room.
 */
static int test_bo_memory_limit(int fd)
{
	char old[32] = "";
	uint32_t h[16];
	unsigned int n = 0;
	int ret = 0;

	CHECK(!knob_read(VLR_PARAM("max_file_mb"), old, sizeof(old)),
	      "kernel without vlr.max_file_mb: BO memory is charged to nobody");
	CHECK(!knob_write(VLR_PARAM("max_file_mb"), "48"), "set max_file_mb");
	while (n < 16) {
		ret = vlr_bo_create(fd, 8 * MiB, n % 2 ? DRM_VLR_GEM_CREATE_SYSTEM : 0, 0, &h[n]);
		if (ret)
			break;
		n++;
	}
	if (ret != -ENOSPC || n != 6) {
		fprintf(stderr,
			"48 MiB limit: %u BOs of 8 MiB created, then %s (expected 6, ENOSPC)\n", n,
			strerror(-ret));
		ret = 1;
	} else {
		vlr_bo_close(fd, h[--n]);
		ret = vlr_bo_create(fd, 8 * MiB, 0, 0, &h[n]);
		if (ret)
			fprintf(stderr, "no room after freeing a BO: %s\n", strerror(-ret));
		else
			n++;
		ret = !!ret;
	}
	while (n)
		vlr_bo_close(fd, h[--n]);
	knob_write(VLR_PARAM("max_file_mb"), old);
	return ret;
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
    {"id-zero", test_id_zero, false, "VM/queue id 0: -ENOENT on destroy, never handed out"},
    {"ids-cyclic", test_ids_cyclic, false,
     "a destroyed VM's or queue's id is not handed out again at once"},
    {"dma-fence", test_dma_fence, false, "dma-fence VM: out-syncobj jobs, eviction, revalidation"},
    {"fault-wait-eio", test_fault_wait, false, "a job fault bans the queue: its waiters get -EIO"},
    {"banned-fences", test_banned_fences, false,
     "a ban ends the queue's jobs: fences behind a fault signal, the shared scheduler drains"},
    {"alloc-fail-gem-create", test_alloc_fail_gem_create, false,
     "GEM_CREATE with each allocation failing in turn: clean errors, no lock or BO leaked"},
    {"exec-destroy-race", test_exec_destroy_race, false,
     "EXEC on a dma-fence queue racing its QUEUE_DESTROY: no use after free"},
    {"ufence-swapped", test_ufence_swapped, false,
     "WAIT_UFENCE reads a user fence whose system BO TTM swapped out"},
    {"unprivileged", test_unprivileged, false,
     "SET_MODE and device-wide GET_STATS need CAP_SYS_ADMIN"},
    {"bo-memory-limit", test_bo_memory_limit, false, "BO memory is capped per file (-ENOSPC)"},
    {"mode-busy", test_mode_busy, true, "the mode cannot change under live queues"},
    {"reset-stats", test_reset, true, "zero the device counters"},
    {"stream", test_stream, true, "a never-ending job progresses and stops"},
    {"evict-restore", test_evict_restore, true, "VRAM pressure preempts, evicts, restores"},
    {"evict-knob", test_evict_knob, true,
     "each write to dri/N/vlr_evict_vram is one preempt/evict/restore cycle"},
    {"knob-storm", test_knob_storm, true,
     "eviction-trigger writes back to back under two jobs: their data stays exact"},
    {"trace-cycle", test_trace_cycle, true,
     "the driver's tracepoints record every step of each preempt/evict/restore cycle"},
    {"two-vms", test_two_vms, true, "two LR VMs competing for VRAM both progress"},
    {"destroy-preempted", test_destroy_preempted, true, "destroy while preempted"},
    {"kill-restore", test_kill_restore, true, "kill -9 during eviction and restore"},
    {"shared-sched", test_shared_sched, true, "LR and dma-fence queues share a scheduler"},
    {"throttle-teardown", test_throttle_teardown, true,
     "a throttled LR job behind a stream never wedges the shared scheduler or its teardown"},
    {"prime", test_prime, true, "a dma-buf shared by two files survives eviction under LR jobs"},
    {"report", test_report, true, "print the mode's counters; it must have preempted"},
    {"stats-v2", test_stats_v2, true, "GET_STATS v2 counters (resets the counters)"},
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
