// SPDX-License-Identifier: MIT
/*
 * dma-fence VMs on vlr (DRM_VLR_VM_CREATE_DMA_FENCE): bounded jobs whose
 * completion fence leaves through an out syncobj, eviction between jobs
 * undone by the next exec, the device's shared compute scheduler carrying
 * an LR queue and a dma-fence queue at once in both device modes, and the
 * normal-job counters of GET_STATS.
 */

/**
 * TEST: vlr dma fence
 * Category: Core
 * Mega feature: Compute
 * Sub-category: Long-running compute
 * Functionality: dma-fence VMs, syncobj out-fences, shared scheduler
 * Description: Normal (dma-fence) queues next to long-running ones on the
 *              vlr virtual device.
 * Test category: functionality test
 *
 * SUBTEST: syncobj-fill-copy
 * Description: FILL and COPY jobs on a dma-fence VM queue install their
 *              completion fence in the out syncobj; once drmSyncobjWait()
 *              returns the data is exact; jobs complete in queue order and
 *              an in syncobj orders a job after another.
 *
 * SUBTEST: evict-revalidate
 * Description: VRAM pressure between jobs evicts the BOs of an idle
 *              dma-fence VM; the next exec makes them resident again (bytes
 *              moved back to VRAM) and their contents are exact.
 *
 * SUBTEST: shared-sched-preempt-fence
 * Description: An LR queue and a dma-fence queue, both created with
 *              DRM_VLR_QUEUE_CREATE_SHARED_SCHED, make progress together:
 *              normal jobs complete while the never-ending job runs, and
 *              back-to-back bounded jobs on both queues all complete
 *              (preempt-fence mode).
 *
 * SUBTEST: shared-sched-open-coded
 * Description: The shared scheduler with an LR and a dma-fence queue in the
 *              open-coded mode, where the LR throttle sleeps in run_job.
 *
 * SUBTEST: normal-job-stats
 * Description: After dma-fence jobs GET_STATS counts them (normal_jobs) and
 *              holds one exec-to-signal latency sample per job.
 */

#include "igt.h"
#include "lrb_igt_compat.h"
#include "vlr_helpers.h"

IGT_TEST_DESCRIPTION("dma-fence VMs and the shared compute scheduler on vlr.");

#define DATA_ADDR(i) (0x1000000ull + (uint64_t)(i)*0x1000000ull)
#define STAGING_ADDR 0x10000000ull
#define LR_CTL_ADDR  0x10000ull
#define LR_DATA_ADDR 0x1000000ull
#define CTL_PROGRESS 0
#define CTL_STOP     8
#define CTL_UFENCE   16
#define CTL_BOUNDED  24
#define UFENCE_DONE  0xdf00000000000001ull

static struct drm_vlr_get_info info;

/*
 * A dma-fence VM: two VRAM data BOs, never CPU-mapped (they get evicted),
 * and a staging BO in system memory through which the CPU sees the data.
 */
struct df {
	int fd;
	uint32_t vm, queue, bo[2], staging_bo, syncobj;
	uint64_t size;
	uint32_t *staging;
};

static void df_init(struct df *d, int fd, uint64_t size, uint32_t queue_flags)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->size = size;
	d->vm = vlr_vm_create_flags(fd, DRM_VLR_VM_CREATE_DMA_FENCE);
	for (int i = 0; i < 2; i++) {
		d->bo[i] = vlr_bo_create(fd, size, 0, d->vm);
		vlr_map(fd, d->vm, d->bo[i], DATA_ADDR(i), size);
	}
	d->staging_bo = vlr_bo_create(fd, size, DRM_VLR_GEM_CREATE_SYSTEM, d->vm);
	d->staging = vlr_bo_mmap(fd, d->staging_bo, size);
	vlr_map(fd, d->vm, d->staging_bo, STAGING_ADDR, size);
	d->queue = vlr_queue_create_flags(fd, d->vm, queue_flags);
	igt_assert_eq(drmSyncobjCreate(fd, 0, &d->syncobj), 0);
}

static void df_fini(struct df *d)
{
	igt_assert_eq(__vlr_queue_destroy(d->fd, d->queue), 0);
	vlr_vm_destroy(d->fd, d->vm);
	munmap(d->staging, d->size);
	for (int i = 0; i < 2; i++)
		vlr_bo_close(d->fd, d->bo[i]);
	vlr_bo_close(d->fd, d->staging_bo);
	drmSyncobjDestroy(d->fd, d->syncobj);
}

/* FILL (src 0) or COPY of the whole size; fence into out, after in (0: none). */
static void df_exec(struct df *d, uint64_t src, uint64_t dst, uint32_t value, uint32_t in,
		    uint32_t out)
{
	struct drm_vlr_exec e = {
	    .queue_id = d->queue,
	    .program = src ? DRM_VLR_PROG_COPY : DRM_VLR_PROG_FILL,
	    .in_syncobj = in,
	    .out_syncobj = out,
	    .src = src,
	    .dst = dst,
	    .len = d->size,
	    .value = src ? 0 : value,
	};
	int ret = __vlr_exec(d->fd, &e);

	igt_assert_f(ret == 0, "dma-fence exec of %s %#" PRIx64 " -> %#" PRIx64 ": %s\n",
		     src ? "COPY" : "FILL", src, dst, strerror(-ret));
}

static void df_wait(struct df *d, uint32_t syncobj)
{
	int ret = __vlr_syncobj_wait(d->fd, syncobj, VLR_WAIT_NS);

	igt_assert_f(ret == 0, "drmSyncobjWait on a job's out syncobj: %d (%s)\n", ret,
		     strerror(-ret));
}

/* Reads BO i through staging; want: pattern[k], or fill everywhere when pattern is NULL. */
static void df_check(struct df *d, int i, uint32_t fill, const uint32_t *pattern, const char *when)
{
	memset(d->staging, 0, d->size);
	df_exec(d, DATA_ADDR(i), STAGING_ADDR, 0, 0, d->syncobj);
	df_wait(d, d->syncobj);
	for (uint64_t k = 0; k < d->size / 4; k++) {
		uint32_t want = pattern ? pattern[k] : fill;

		igt_assert_f(d->staging[k] == want,
			     "%s: BO %d element %" PRIu64 " is %#x, expected %#x\n", when, i, k,
			     d->staging[k], want);
	}
}

static uint32_t *make_pattern(uint64_t size, uint32_t seed)
{
	uint32_t *p = malloc(size);

	igt_assert(p);
	for (uint64_t k = 0; k < size / 4; k++)
		p[k] = (uint32_t)(k * 2654435761u) ^ seed;
	return p;
}

static void test_syncobj_fill_copy(int fd)
{
	const uint64_t size = 256 * 1024;
	uint32_t s[3], *pattern = make_pattern(size, 0x1234);
	struct df d;

	df_init(&d, fd, size, 0);
	for (int i = 0; i < 3; i++)
		igt_assert_eq(drmSyncobjCreate(fd, 0, &s[i]), 0);
	/* A fresh syncobj has no fence: without WAIT_FOR_SUBMIT the wait fails. */
	igt_assert_eq(__vlr_syncobj_wait(fd, s[0], 0), -EINVAL);

	memcpy(d.staging, pattern, size);
	df_exec(&d, 0, DATA_ADDR(0), 0xfeedf00d, 0, s[0]);
	df_exec(&d, STAGING_ADDR, DATA_ADDR(1), 0, 0, s[1]);
	/* Queue order: once the second job signalled, the first has too. */
	df_wait(&d, s[1]);
	igt_assert_eq(__vlr_syncobj_wait(fd, s[0], 0), 0);
	/* An in syncobj orders a job after another one's fence. */
	df_exec(&d, DATA_ADDR(1), DATA_ADDR(0), 0, s[1], s[2]);
	df_wait(&d, s[2]);
	df_check(&d, 0, 0, pattern, "COPY of the COPY");
	df_check(&d, 1, 0, pattern, "COPY from staging");
	df_exec(&d, 0, DATA_ADDR(1), 0xabad1dea, 0, s[0]);
	df_wait(&d, s[0]);
	df_check(&d, 1, 0xabad1dea, NULL, "FILL");
	for (int i = 0; i < 3; i++)
		drmSyncobjDestroy(fd, s[i]);
	df_fini(&d);
	free(pattern);
}

static void test_evict_revalidate(int fd)
{
	const uint64_t size = (info.vram_size / 4) & ~(VLR_PAGE - 1);
	uint32_t *pattern = make_pattern(size, 0xe5e5);
	struct drm_vlr_stats before, mid, after;
	struct vlr_pressure p;
	uint64_t end;
	struct df d;

	df_init(&d, fd, size, 0);
	memcpy(d.staging, pattern, size);
	df_exec(&d, 0, DATA_ADDR(0), 0x0dd0beef, 0, 0);
	df_exec(&d, STAGING_ADDR, DATA_ADDR(1), 0, 0, d.syncobj);
	df_wait(&d, d.syncobj);

	for (int cycle = 0; cycle < 2; cycle++) {
		vlr_get_stats(fd, 0, &before);
		/* More than VRAM: the idle VM's BOs have to go. */
		vlr_pressure_apply(&p, fd, info.vram_size, info.vram_size + info.vram_size / 4);
		vlr_pressure_release(&p);
		/* Moves are pipelined: the counters may trail the pressure a little. */
		end = vlr_now_ns() + VLR_WAIT_NS;
		do {
			vlr_get_stats(fd, 0, &mid);
			if (mid.bytes_to_system - before.bytes_to_system >= 2 * size)
				break;
			usleep(1000);
		} while (vlr_now_ns() < end);
		igt_assert_f(mid.bytes_to_system - before.bytes_to_system >= 2 * size,
			     "cycle %d: pressure past VRAM moved %" PRIu64
			     " bytes out; the idle VM holds %" PRIu64 "\n",
			     cycle, (uint64_t)(mid.bytes_to_system - before.bytes_to_system),
			     2 * size);
		/* The next exec brings both BOs back, exact. */
		df_check(&d, 0, 0x0dd0beef, NULL, "FILLed BO after eviction");
		df_check(&d, 1, 0, pattern, "COPYed BO after eviction");
		vlr_get_stats(fd, 0, &after);
		igt_info("cycle %d: %" PRIu64 " KiB out under pressure, %" PRIu64
			 " KiB back on exec\n",
			 cycle, (uint64_t)(mid.bytes_to_system - before.bytes_to_system) >> 10,
			 (uint64_t)(after.bytes_to_vram - mid.bytes_to_vram) >> 10);
		igt_assert_f(after.bytes_to_vram - mid.bytes_to_vram >= 2 * size,
			     "cycle %d: exec after eviction moved only %" PRIu64
			     " bytes back to VRAM, the VM's BOs hold %" PRIu64 "\n",
			     cycle, (uint64_t)(after.bytes_to_vram - mid.bytes_to_vram), 2 * size);
	}
	df_fini(&d);
	free(pattern);
}

/* An LR VM on the shared scheduler: STREAM over a VRAM BO, control page in system memory. */
struct lr {
	int fd;
	uint32_t vm, queue, ctl_bo, data_bo;
	volatile uint64_t *ctl;
	uint32_t *data;
	uint64_t size;
};

static void lr_init(struct lr *l, int fd, uint64_t size, uint32_t seed)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->size = size;
	l->vm = vlr_vm_create(fd);
	l->ctl_bo = vlr_bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, l->vm);
	l->ctl = vlr_bo_mmap(fd, l->ctl_bo, VLR_PAGE);
	memset((void *)l->ctl, 0, VLR_PAGE);
	vlr_map(fd, l->vm, l->ctl_bo, LR_CTL_ADDR, VLR_PAGE);
	/* No pressure in these tests: the CPU may map the VRAM buffer. */
	l->data_bo = vlr_bo_create(fd, size, 0, l->vm);
	l->data = vlr_bo_mmap(fd, l->data_bo, size);
	for (uint64_t i = 0; i < size / 4; i++)
		l->data[i] = seed + (uint32_t)i;
	vlr_map(fd, l->vm, l->data_bo, LR_DATA_ADDR, size);
	l->queue = vlr_queue_create_flags(fd, l->vm, DRM_VLR_QUEUE_CREATE_SHARED_SCHED);
}

static void lr_fini(struct lr *l)
{
	igt_assert_eq(__vlr_queue_destroy(l->fd, l->queue), 0);
	vlr_vm_destroy(l->fd, l->vm);
	munmap(l->data, l->size);
	munmap((void *)l->ctl, VLR_PAGE);
	vlr_bo_close(l->fd, l->data_bo);
	vlr_bo_close(l->fd, l->ctl_bo);
}

static uint64_t lr_wait_progress(struct lr *l, uint64_t past)
{
	uint64_t deadline = vlr_now_ns() + VLR_PROGRESS_S * VLR_SEC_NS, p;

	while ((p = l->ctl[CTL_PROGRESS / 8]) <= past) {
		igt_assert_f(vlr_now_ns() < deadline,
			     "LR job on the shared scheduler stuck at %" PRIu64
			     " passes for %d s\n",
			     p, VLR_PROGRESS_S);
		usleep(1000);
	}
	return p;
}

static void test_shared_sched(int fd, uint32_t mode)
{
	const uint32_t seed = 0x5eed;
	const int jobs = 8;
	uint64_t p0, passes;
	int64_t bad;
	struct drm_vlr_exec e;
	struct lr l;
	struct df d;
	int ret;

	/* Queues of an earlier test process may still be tearing down: EBUSY for a while. */
	for (uint64_t end = vlr_now_ns() + 5 * VLR_SEC_NS;
	     (ret = __vlr_set_mode(fd, mode)) == -EBUSY && vlr_now_ns() < end;)
		usleep(10 * 1000);
	igt_assert_f(ret == 0, "SET_MODE %u without queues: %s\n", mode, strerror(-ret));
	lr_init(&l, fd, 256 * 1024, seed);
	df_init(&d, fd, 64 * 1024, DRM_VLR_QUEUE_CREATE_SHARED_SCHED);

	/* Normal jobs complete while the never-ending job runs. */
	e = (struct drm_vlr_exec){
	    .queue_id = l.queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = LR_DATA_ADDR,
	    .len = l.size,
	    .progress_addr = LR_CTL_ADDR + CTL_PROGRESS,
	    .stop_addr = LR_CTL_ADDR + CTL_STOP,
	    .ufence_addr = LR_CTL_ADDR + CTL_UFENCE,
	    .ufence_value = UFENCE_DONE,
	};
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	p0 = lr_wait_progress(&l, 0);
	for (int i = 0; i < jobs; i++) {
		df_exec(&d, 0, DATA_ADDR(0), 0x1000 + i, 0, d.syncobj);
		df_wait(&d, d.syncobj);
		df_check(&d, 0, 0x1000 + i, NULL, "normal job next to the LR job");
	}
	lr_wait_progress(&l, l.ctl[CTL_PROGRESS / 8]);
	__atomic_store_n((volatile uint32_t *)&l.ctl[CTL_STOP / 8], 1, __ATOMIC_SEQ_CST);
	vlr_wait_eq(fd, l.vm, LR_CTL_ADDR + CTL_UFENCE, UFENCE_DONE, VLR_WAIT_NS);
	passes = l.ctl[CTL_PROGRESS / 8];
	igt_info("%d normal jobs done while the LR job went from %" PRIu64 " to %" PRIu64
		 " passes\n",
		 2 * jobs, p0, passes);
	bad = vlr_stream_mismatch(l.data, l.size / 4, seed, passes);
	igt_assert_f(bad < 0, "LR data wrong at element %" PRId64 " after %" PRIu64 " passes\n",
		     bad, passes);

	/* Bounded jobs back to back on both queues (the open-coded throttle sleeps in between). */
	for (int i = 1; i <= jobs; i++) {
		e = (struct drm_vlr_exec){
		    .queue_id = l.queue,
		    .program = DRM_VLR_PROG_FILL,
		    .dst = LR_DATA_ADDR,
		    .len = l.size,
		    .value = 0x2000 + i,
		    .ufence_addr = LR_CTL_ADDR + CTL_BOUNDED,
		    .ufence_value = i,
		};
		igt_assert_eq(__vlr_exec(fd, &e), 0);
		df_exec(&d, 0, DATA_ADDR(i % 2), 0x3000 + i, 0, d.syncobj);
	}
	vlr_wait_eq(fd, l.vm, LR_CTL_ADDR + CTL_BOUNDED, jobs, VLR_WAIT_NS);
	df_wait(&d, d.syncobj);
	for (uint64_t k = 0; k < l.size / 4; k++)
		igt_assert_f(l.data[k] == 0x2000u + jobs,
			     "LR buffer element %" PRIu64 " is %#x after the last FILL (%#x)\n", k,
			     l.data[k], 0x2000u + jobs);
	df_check(&d, 0, 0x3000 + jobs, NULL, "last normal job into BO 0");
	df_check(&d, 1, 0x3000 + jobs - 1, NULL, "last normal job into BO 1");
	df_fini(&d);
	lr_fini(&l);
	__vlr_set_mode(fd, DRM_VLR_MODE_PREEMPT_FENCE);
}

static void test_normal_job_stats(int fd)
{
	const int jobs = 6;
	struct drm_vlr_stats st;
	struct df d;
	uint32_t n;

	df_init(&d, fd, 64 * 1024, 0);
	igt_assert_eq(__vlr_get_stats(fd, 0, DRM_VLR_STATS_RESET, &st), 0);
	for (int i = 0; i < jobs; i++) {
		df_exec(&d, 0, DATA_ADDR(i % 2), i, 0, d.syncobj);
		df_wait(&d, d.syncobj);
	}
	vlr_get_stats(fd, 0, &st);
	n = st.normal_samples;
	igt_info("%" PRIu64 " normal jobs, %u latency samples\n", (uint64_t)st.normal_jobs, n);
	igt_assert_f(st.normal_jobs >= (uint64_t)jobs, "normal_jobs %" PRIu64 " after %d jobs\n",
		     (uint64_t)st.normal_jobs, jobs);
	igt_assert_f(n >= (uint32_t)jobs && n <= DRM_VLR_STATS_SAMPLES && n <= st.normal_jobs,
		     "normal_samples %u for %" PRIu64 " jobs\n", n, (uint64_t)st.normal_jobs);
	for (uint32_t i = 0; i < n; i++)
		igt_assert_f(st.normal_lat_ns[i] > 0 && st.normal_lat_ns[i] < 60 * VLR_SEC_NS,
			     "normal_lat_ns[%u] = %" PRIu64 "\n", i, (uint64_t)st.normal_lat_ns[i]);
	df_fini(&d);
}

int igt_main ()
{
	static const struct {
		const char *name;
		uint32_t mode;
	} modes[] = {
	    {"preempt-fence", DRM_VLR_MODE_PREEMPT_FENCE},
	    {"open-coded", DRM_VLR_MODE_OPEN_CODED},
	};
	int fd = -1;

	igt_fixture () {
		fd = vlr_require_device(&info);
		igt_require_f(info.vram_size >= 16 * VLR_PAGE,
			      "VRAM of %" PRIu64 " bytes is too small\n", (uint64_t)info.vram_size);
		igt_require_f(__vlr_set_mode(fd, DRM_VLR_MODE_PREEMPT_FENCE) == 0,
			      "cannot select preempt-fence mode (queues left on the device?)\n");
	}

	igt_describe("Out-syncobj fences of dma-fence jobs signal after exact data.");
	igt_subtest ("syncobj-fill-copy")
		test_syncobj_fill_copy(fd);

	igt_describe("Evicted BOs of a dma-fence VM come back intact on the next exec.");
	igt_subtest ("evict-revalidate")
		test_evict_revalidate(fd);

	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		igt_describe("An LR and a dma-fence queue on the shared scheduler both progress.");
		igt_subtest_f ("shared-sched-%s", modes[i].name)
			test_shared_sched(fd, modes[i].mode);
	}

	igt_describe("GET_STATS counts dma-fence jobs and samples their latency.");
	igt_subtest ("normal-job-stats")
		test_normal_job_stats(fd);

	igt_fixture () {
		__vlr_set_mode(fd, DRM_VLR_MODE_PREEMPT_FENCE);
		close(fd);
	}
}
