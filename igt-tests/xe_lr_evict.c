// SPDX-License-Identifier: MIT
/*
 * The long-running eviction scenario on real Intel hardware (lab only): an
 * LR-mode VM runs a never-ending preemptible spinner while VRAM pressure on a
 * second open of the device evicts the LR VM's data BO. xe's preempt fence
 * takes the job off the GPU, the rebind worker restores the memory and
 * resumes it. What is checked, and how:
 *
 *  - eviction happened: the LR file's "drm-resident-vram0" (fdinfo) drops by
 *    at least the data BO's size while the pressure is applied, and comes back
 *    afterwards (the pressure lives on another file, so it is not counted);
 *  - the job was off the GPU: the spinner stores the context timestamp
 *    (CTX_TIMESTAMP, which only advances while the context runs) every loop;
 *    wall time minus context time over the pressure window is the time the job
 *    spent off the GPU, compared with the same measure over a quiet window;
 *  - it runs again: the context timestamp advances after the restore;
 *  - the restored page tables are right: after the restore a batch on the LR
 *    VM writes sampled dwords of the data BO from the GPU and the CPU finds
 *    them (and the untouched samples) through its own mapping;
 *  - the data survived: one dword of every 4 KiB page of the data BO is
 *    checked through the BAR (sampling keeps the read-back to milliseconds).
 *
 * Everything the test set up is released before any of its own checks can
 * fail, and each subtest opens the device itself, so a failure leaves no
 * spinner running into the next subtest.
 *
 * Builds only against a real IGT tree (make igt-tests IGT_DIR=...): it uses
 * IGT's xe library, which Debian's libigt.so.0 1.27.1 does not contain.
 */

/**
 * TEST: xe lr evict
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: Memory management
 * Functionality: LR mode eviction, preempt fences
 * Description: A never-ending job in an LR VM survives VRAM eviction: it is
 *              preempted, restored, resumes, and its data is intact.
 * Test category: functionality test
 *
 * SUBTEST: lr-evict-spinner
 * Description: VRAM pressure from another file evicts the VM-private data BO
 *              of a running LR spinner; it is taken off the GPU, restored,
 *              resumes, and the GPU and the CPU see the same data.
 *
 * SUBTEST: lr-evict-spinner-external
 * Description: The same with an external data BO (own dma-resv, preempt
 *              fence installed there too).
 *
 * SUBTEST: lr-evict-spinner-cycles
 * Description: Eight pressure/release cycles on one never-ending spinner;
 *              it is evicted and resumes in each, and the data stays intact.
 */

#include <sys/mman.h>

#include "igt.h"
#include "lrb_igt_compat.h"
#include "xe_drm.h"
#include "xe/xe_ioctl.h"
#include "xe/xe_query.h"
#include "xe/xe_spin.h"
#include "xe/xe_util.h"

IGT_TEST_DESCRIPTION("LR-mode jobs survive VRAM eviction with their data intact (xe).");

#define USER_FENCE_VALUE 0xdeadbeefdeadbeefull
#define SPIN_ADDR	 0x100000ull
#define STORE_ADDR	 0x200000ull
#define DATA_ADDR	 0x10000000ull
#define PRESSURE_ADDR	 0x1000000000ull
#define EXTERNAL	 (1 << 0)
#define CYCLES		 (1 << 1)
#define MAX_PRESSURE_BOS 64
#define GPU_SAMPLES	 64
#define SZ_2M_		 0x200000ull

static const struct section {
	const char *name;
	unsigned int flags;
} sections[] = {
    {"lr-evict-spinner", 0},
    {"lr-evict-spinner-external", EXTERNAL},
    {"lr-evict-spinner-cycles", CYCLES},
    {},
};

/* A batch that writes GPU_SAMPLES dwords of the data BO, and its user fence. */
struct store_batch {
	uint32_t batch[GPU_SAMPLES * 4 + 8];
	uint64_t fence;
};

/* Everything one subtest holds; static so a failed subtest's leftovers can be released. */
struct lr_run {
	int fd, press_fd;
	uint32_t lr_vm, press_vm, spin_q, store_q;
	uint32_t spin_bo, data_bo, store_bo;
	uint64_t spin_size, data_size, store_size, chunk;
	struct xe_spin *spin;
	struct store_batch *store;
	uint32_t *data;
	uint64_t *vm_sync;
	bool spinning;
};

static struct lr_run run = {.fd = -1, .press_fd = -1};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static uint32_t pattern(uint64_t i)
{
	return (uint32_t)(i * 2654435761u) ^ 0x5a5a5a5a;
}

/*
 * Ends the spinner (bounded wait), unmaps, and closes both files; closing the
 * LR file destroys its queues and VM, which stops a spinner that did not end.
 * Safe to call twice and from an exit handler.
 */
static void lr_run_release(struct lr_run *r, bool from_exit_handler)
{
	if (r->spinning && r->spin) {
		int64_t timeout = 2 * NSEC_PER_SEC;

		xe_spin_end(r->spin);
		__xe_wait_ufence(r->fd, &r->spin->exec_sync, USER_FENCE_VALUE, r->spin_q, &timeout);
		r->spinning = false;
	}
	if (r->data)
		munmap(r->data, r->data_size);
	if (r->spin)
		munmap(r->spin, r->spin_size);
	if (r->store)
		munmap(r->store, r->store_size);
	free(r->vm_sync);
	/* drm_close_driver() also drops IGT's xe query cache of the file. */
	if (r->press_fd >= 0)
		from_exit_handler ? close(r->press_fd) : drm_close_driver(r->press_fd);
	if (r->fd >= 0)
		from_exit_handler ? close(r->fd) : drm_close_driver(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = r->press_fd = -1;
}

static void release_leftovers(int sig)
{
	lr_run_release(&run, true);
}

/* Bytes of the file's BOs resident in the region (fdinfo), or -1 without the key. */
static int64_t fdinfo_resident(int fd, const char *region)
{
	char path[64], key[64], line[256];
	int64_t val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	snprintf(key, sizeof(key), "drm-resident-%s:", region);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char unit[8] = "";

		if (strncmp(line, key, strlen(key)))
			continue;
		if (sscanf(line + strlen(key), " %llu %7s", &v, unit) < 1)
			break;
		val = v;
		if (!strcmp(unit, "KiB"))
			val <<= 10;
		else if (!strcmp(unit, "MiB"))
			val <<= 20;
		else if (!strcmp(unit, "GiB"))
			val <<= 30;
		break;
	}
	fclose(f);
	return val;
}

/* The spinner's last stored context timestamp and the wall time it was read at. */
struct ctx_sample {
	uint64_t wall_ns;
	uint32_t ticks;
};

static struct ctx_sample ctx_sample(const struct lr_run *r)
{
	struct ctx_sample s;

	s.ticks = READ_ONCE(r->spin->timestamp);
	s.wall_ns = now_ns();
	return s;
}

/* Wall time between two samples that the context did not run, in ns. */
static int64_t off_gpu_ns(struct ctx_sample a, struct ctx_sample b, uint64_t ticks_per_sec)
{
	uint64_t ctx_ns = (uint64_t)(uint32_t)(b.ticks - a.ticks) * NSEC_PER_SEC / ticks_per_sec;

	return (int64_t)(b.wall_ns - a.wall_ns) - (int64_t)ctx_ns;
}

static void vm_bind_wait(struct lr_run *r, uint32_t bo, uint64_t addr, uint64_t size,
			 struct drm_xe_sync *sync)
{
	sync->addr = to_user_pointer(r->vm_sync);
	xe_vm_bind_async(r->fd, r->lr_vm, 0, bo, 0, addr, size, sync, 1);
	xe_wait_ufence(r->fd, r->vm_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	*r->vm_sync = 0;
}

static uint64_t sample_offset(uint64_t page)
{
	/* One dword per page, at a page-dependent place in it (page 0: the first dword). */
	return page * 1024 + (page * 7919) % 1024;
}

/* Checks one dword of every 4 KiB page; returns the first bad dword index or -1. */
static int64_t check_data_sampled(const struct lr_run *r, const uint64_t *gpu_idx,
				  const uint32_t *gpu_val, unsigned int ngpu)
{
	uint64_t pages = r->data_size / 4096;

	for (uint64_t p = 0; p < pages; p++) {
		uint64_t i = sample_offset(p);
		uint32_t want = pattern(i);

		for (unsigned int g = 0; g < ngpu; g++)
			if (gpu_idx[g] == i)
				want = gpu_val[g];
		if (r->data[i] != want)
			return i;
	}
	return -1;
}

/*
 * Pressure on the second file: a plain VM binds VRAM BOs past the VRAM size.
 * After each BO the LR file's resident VRAM is read, so an eviction is seen
 * even when the rebind worker restores the data BO before the loop ends.
 */
static unsigned int apply_pressure(struct lr_run *r, int gt, uint64_t total, uint32_t *bos,
				   int64_t *min_resident)
{
	unsigned int n = 0;

	for (uint64_t done = 0; done < total && n < MAX_PRESSURE_BOS; done += r->chunk, n++) {
		int64_t res;

		bos[n] = xe_bo_create(r->press_fd, r->press_vm, r->chunk,
				      vram_memory(r->press_fd, gt), 0);
		xe_vm_bind_sync(r->press_fd, r->press_vm, bos[n], 0, PRESSURE_ADDR + n * r->chunk,
				r->chunk);
		res = fdinfo_resident(r->fd, "vram0");
		if (res >= 0 && (*min_resident < 0 || res < *min_resident))
			*min_resident = res;
	}
	return n;
}

static void release_pressure(struct lr_run *r, uint32_t *bos, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		xe_vm_unbind_sync(r->press_fd, r->press_vm, 0, PRESSURE_ADDR + i * r->chunk,
				  r->chunk);
		gem_close(r->press_fd, bos[i]);
	}
}

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		snprintf(why, sizeof(why), __VA_ARGS__);                                           \
		goto out;                                                                          \
	} while (0)

static void test_lr_evict(int probe_fd, struct drm_xe_engine_class_instance *eci,
			  unsigned int flags)
{
	struct drm_xe_sync sync = {
	    .type = DRM_XE_SYNC_TYPE_USER_FENCE,
	    .flags = DRM_XE_SYNC_FLAG_SIGNAL,
	    .timeline_value = USER_FENCE_VALUE,
	};
	struct drm_xe_exec exec = {
	    .num_batch_buffer = 1,
	    .num_syncs = 1,
	    .syncs = to_user_pointer(&sync),
	};
	struct lr_run *r = &run;
	uint64_t vram = xe_vram_size(probe_fd, eci->gt_id);
	uint64_t visible = xe_visible_vram_size(probe_fd, eci->gt_id);
	uint64_t ticks_per_sec, pressure, gpu_idx[GPU_SAMPLES];
	uint32_t press_bos[MAX_PRESSURE_BOS], gpu_val[GPU_SAMPLES];
	int cycles = flags & CYCLES ? 8 : 1;
	int64_t resident0, bad;
	char why[512] = "";
	int b = 0;

	/* A failed earlier subtest may have left its files open: close them first. */
	lr_run_release(r, false);

	igt_require_f(visible >= vram,
		      "small BAR: only %" PRIu64 " of %" PRIu64 " MiB VRAM are CPU visible; the "
		      "test maps its data BO wherever the restore puts it (needs a resizable "
		      "BAR)\n",
		      visible >> 20, vram >> 20);
	igt_require_f((uint64_t)igt_get_avail_ram_mb() << 20 >= 2 * vram,
		      "needs free system memory of twice the VRAM (%" PRIu64
		      " MiB) to evict into\n",
		      vram >> 20);

	/* Data: 1/16 of the visible VRAM, 16 to 128 MiB; pressure: 5/4 of the VRAM. */
	r->data_size = ALIGN(
	    min_t(uint64_t, max_t(uint64_t, visible / 16, 16ull << 20), 128ull << 20), SZ_2M_);
	r->chunk = ALIGN(vram / 32 > SZ_2M_ ? vram / 32 : SZ_2M_, SZ_2M_);
	pressure = vram + vram / 4;
	igt_require_f(pressure / r->chunk < MAX_PRESSURE_BOS,
		      "VRAM too small for the pressure chunks\n");

	r->fd = drm_reopen_driver(probe_fd);
	r->press_fd = drm_reopen_driver(probe_fd);
	ticks_per_sec = xe_nsec_to_ticks(r->fd, eci->gt_id, NSEC_PER_SEC);
	igt_require_f(ticks_per_sec, "no context timestamp frequency for gt%d\n", eci->gt_id);
	igt_require_f(fdinfo_resident(r->fd, "vram0") >= 0,
		      "the kernel reports no drm-resident-vram0 in fdinfo: eviction cannot be "
		      "confirmed\n");

	r->lr_vm = xe_vm_create(r->fd, DRM_XE_VM_CREATE_FLAG_LR_MODE, 0);
	r->press_vm = xe_vm_create(r->press_fd, 0, 0);
	r->spin_q = xe_exec_queue_create(r->fd, r->lr_vm, eci, 0);
	r->store_q = xe_exec_queue_create(r->fd, r->lr_vm, eci, 0);
	r->vm_sync = calloc(1, sizeof(*r->vm_sync));
	igt_assert(r->vm_sync);

	/* Spinner and store batch in system memory: the CPU reads them any time. */
	r->spin_size = xe_bb_size(r->fd, sizeof(struct xe_spin));
	r->spin_bo = xe_bo_create(r->fd, r->lr_vm, r->spin_size, system_memory(r->fd), 0);
	r->spin = xe_bo_map(r->fd, r->spin_bo, r->spin_size);
	vm_bind_wait(r, r->spin_bo, SPIN_ADDR, r->spin_size, &sync);
	r->store_size = xe_bb_size(r->fd, sizeof(struct store_batch));
	r->store_bo = xe_bo_create(r->fd, r->lr_vm, r->store_size, system_memory(r->fd), 0);
	r->store = xe_bo_map(r->fd, r->store_bo, r->store_size);
	vm_bind_wait(r, r->store_bo, STORE_ADDR, r->store_size, &sync);

	/* The data the eviction must not lose: VRAM, CPU visible, a known pattern. */
	r->data_bo =
	    xe_bo_create(r->fd, flags & EXTERNAL ? 0 : r->lr_vm, r->data_size,
			 vram_memory(r->fd, eci->gt_id), DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM);
	r->data = xe_bo_map(r->fd, r->data_bo, r->data_size);
	for (uint64_t i = 0; i < r->data_size / 4; i++)
		r->data[i] = pattern(i);
	vm_bind_wait(r, r->data_bo, DATA_ADDR, r->data_size, &sync);

	/* Never-ending, preemptible, stores CTX_TIMESTAMP every loop. */
	xe_spin_init_opts(r->spin, .addr = SPIN_ADDR, .preempt = true, .write_timestamp = true);
	sync.addr = SPIN_ADDR + offsetof(struct xe_spin, exec_sync);
	exec.exec_queue_id = r->spin_q;
	exec.address = SPIN_ADDR;
	xe_exec(r->fd, &exec);
	r->spinning = true;
	xe_spin_wait_started(r->spin);

	resident0 = fdinfo_resident(r->fd, "vram0");
	if (resident0 < (int64_t)r->data_size)
		FAIL("before the pressure the LR file has %" PRId64
		     " bytes in vram0, less than its "
		     "%" PRIu64 "-byte data BO\n",
		     resident0, r->data_size);

	for (int c = 0; c < cycles; c++) {
		struct ctx_sample q0, q1, p0, p1, moved;
		int64_t min_res = -1, quiet_off, off, res = -1;
		uint64_t t0, t1, deadline;
		unsigned int n;

		/* Quiet window: what wall minus context time is without preemption. */
		usleep(20 * 1000);
		q0 = ctx_sample(r);
		usleep(100 * 1000);
		q1 = ctx_sample(r);
		quiet_off = off_gpu_ns(q0, q1, ticks_per_sec);

		p0 = ctx_sample(r);
		t0 = now_ns();
		n = apply_pressure(r, eci->gt_id, pressure, press_bos, &min_res);
		t1 = now_ns();
		release_pressure(r, press_bos, n);

		/* The data BO comes back into VRAM and the spinner runs again. */
		deadline = now_ns() + 20 * NSEC_PER_SEC;
		while (now_ns() < deadline) {
			res = fdinfo_resident(r->fd, "vram0");
			if (res >= resident0)
				break;
			usleep(1000);
		}
		if (res < resident0)
			FAIL("cycle %d: the data BO did not return to VRAM within 20 s of the "
			     "release (%" PRId64 " of %" PRId64 " bytes resident)\n",
			     c, res, resident0);
		moved = ctx_sample(r);
		while (now_ns() < deadline && READ_ONCE(r->spin->timestamp) == moved.ticks)
			usleep(100);
		if (READ_ONCE(r->spin->timestamp) == moved.ticks)
			FAIL("cycle %d: the spinner's context timestamp did not advance after the "
			     "restore: it did not resume\n",
			     c);
		usleep(20 * 1000);
		p1 = ctx_sample(r);
		off = off_gpu_ns(p0, p1, ticks_per_sec);

		igt_info("cycle %d: pressure %" PRIu64 " MiB in %.1f ms; LR file vram0 %" PRId64
			 " -> min %" PRId64 " MiB; off the GPU %.3f ms of %.3f ms (quiet window: "
			 "%.3f ms of 100 ms)\n",
			 c, (uint64_t)n * r->chunk >> 20, (t1 - t0) / 1e6, resident0 >> 20,
			 min_res >> 20, off / 1e6, (p1.wall_ns - p0.wall_ns) / 1e6,
			 quiet_off / 1e6);

		if (min_res < 0 || min_res > resident0 - (int64_t)r->data_size)
			FAIL("cycle %d: the data BO was never seen out of VRAM: the LR file's "
			     "drm-resident-vram0 went from %" PRId64 " to at least %" PRId64
			     " bytes under %" PRIu64 " MiB of pressure\n",
			     c, resident0, min_res, (uint64_t)n * r->chunk >> 20);
		/* The evict/restore must show as time off the GPU well above the quiet noise. */
		if (off < 1000000 || off < 2 * quiet_off + 500000)
			FAIL("cycle %d: the context ran through the eviction: %.3f ms off the GPU "
			     "(quiet window %.3f ms): not preempted?\n",
			     c, off / 1e6, quiet_off / 1e6);
	}

	/*
	 * The GPU uses the restored page tables: a batch on the LR VM (while the
	 * spinner still runs) writes sampled dwords; the CPU must find them.
	 */
	for (unsigned int g = 0; g < GPU_SAMPLES; g++) {
		uint64_t pages = r->data_size / 4096;
		uint64_t i = sample_offset(g * (pages / GPU_SAMPLES));
		uint64_t addr = DATA_ADDR + i * 4;

		gpu_idx[g] = i;
		gpu_val[g] = ~pattern(i);
		r->store->batch[b++] = MI_STORE_DWORD_IMM_GEN4;
		r->store->batch[b++] = addr;
		r->store->batch[b++] = addr >> 32;
		r->store->batch[b++] = gpu_val[g];
	}
	r->store->batch[b++] = MI_BATCH_BUFFER_END;
	igt_assert(b <= ARRAY_SIZE(r->store->batch));
	r->store->fence = 0;
	sync.addr = STORE_ADDR + offsetof(struct store_batch, fence);
	exec.exec_queue_id = r->store_q;
	exec.address = STORE_ADDR;
	xe_exec(r->fd, &exec);
	{
		int64_t timeout = 10 * NSEC_PER_SEC;
		int ret = __xe_wait_ufence(r->fd, &r->store->fence, USER_FENCE_VALUE, r->store_q,
					   &timeout);

		if (ret)
			FAIL("the store batch on the restored VM did not complete: %d\n", ret);
	}

	bad = check_data_sampled(r, gpu_idx, gpu_val, GPU_SAMPLES);
	if (bad >= 0) {
		bool gpu = false;

		for (unsigned int g = 0; g < GPU_SAMPLES; g++)
			gpu |= gpu_idx[g] == (uint64_t)bad;
		FAIL("data BO dword %" PRId64 " is %#x after the eviction: %s\n", bad, r->data[bad],
		     gpu ? "the GPU's write through the restored page tables is not where the "
			   "CPU sees the BO"
			 : "the eviction/restore lost it");
	}

	/* The spinner ends through its user fence. */
	xe_spin_end(r->spin);
	{
		int64_t timeout = 10 * NSEC_PER_SEC;
		int ret = __xe_wait_ufence(r->fd, &r->spin->exec_sync, USER_FENCE_VALUE, r->spin_q,
					   &timeout);

		if (ret)
			FAIL("the spinner did not complete through its user fence after it was "
			     "told to end: %d\n",
			     ret);
		r->spinning = false;
	}

out:
	lr_run_release(r, false);
	igt_assert_f(!why[0], "%s", why);
}

int igt_main ()
{
	struct drm_xe_engine_class_instance *hwe = NULL, *e;
	int fd = -1;

	igt_fixture () {
		fd = drm_open_driver(DRIVER_XE);
		igt_require_f(xe_has_vram(fd), "no VRAM on this xe device (integrated GPU)\n");
		/* Tile 0's VRAM, which fdinfo names vram0. */
		xe_for_each_engine(fd, e)
		{
			if (vram_memory(fd, e->gt_id) != vram_memory(fd, 0))
				continue;
			if (e->engine_class == DRM_XE_ENGINE_CLASS_COMPUTE ||
			    (!hwe && e->engine_class == DRM_XE_ENGINE_CLASS_RENDER))
				hwe = e;
		}
		igt_require_f(hwe, "no render or compute engine on tile 0\n");
		igt_install_exit_handler(release_leftovers);
	}

	for (const struct section *s = sections; s->name; s++) {
		igt_describe("A never-ending LR job is preempted by VRAM eviction, resumes, and "
			     "its data is intact.");
		igt_subtest_f ("%s", s->name)
			test_lr_evict(fd, hwe, s->flags);
	}

	igt_fixture () {
		lr_run_release(&run, false);
		drm_close_driver(fd);
	}
}
