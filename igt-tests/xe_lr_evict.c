// SPDX-License-Identifier: MIT
/*
 * The long-running eviction scenario on real Intel hardware (lab only): an
 * LR-mode VM runs a never-ending preemptible spinner while VRAM pressure past
 * the device's VRAM size evicts the VM's data BO. xe's preempt fence takes
 * the job off the GPU, the rebind worker restores the memory and resumes it.
 * Checks that the spinner stalled (was preempted), moves again afterwards,
 * completes through its user fence when told to end, and that the data BO
 * reads back exactly; reports the stall and the resume latency from CPU
 * timestamps of the spinner's progress.
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
 * Description: VRAM pressure past VRAM size evicts the VM-private data BO of
 *              a running LR spinner; it is preempted, resumes, data intact.
 *
 * SUBTEST: lr-evict-spinner-external
 * Description: The same with an external data BO (own dma-resv, preempt
 *              fence installed there too).
 *
 * SUBTEST: lr-evict-spinner-cycles
 * Description: Eight pressure/release cycles on one never-ending spinner;
 *              it resumes after each and the data stays intact.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "igt.h"
#include "xe_drm.h"
#include "xe/xe_ioctl.h"
#include "xe/xe_query.h"
#include "xe/xe_spin.h"

IGT_TEST_DESCRIPTION("LR-mode jobs survive VRAM eviction with their data intact (xe).");

#define USER_FENCE_VALUE 0xdeadbeefdeadbeefull
#define SPIN_ADDR	 0x100000ull
#define DATA_ADDR	 0x10000000ull
#define PRESSURE_ADDR	 0x1000000000ull
#define EXTERNAL	 (1 << 0)
#define CYCLES		 (1 << 1)

static const struct section {
	const char *name;
	unsigned int flags;
} sections[] = {
    {"lr-evict-spinner", 0},
    {"lr-evict-spinner-external", EXTERNAL},
    {"lr-evict-spinner-cycles", CYCLES},
    {},
};

/* CPU-side watcher of the spinner's GPU timestamp: when it last moved, longest gap. */
struct watcher {
	pthread_t thread;
	volatile struct xe_spin *spin;
	atomic_bool stop;
	atomic_uint_fast64_t last_move_ns, max_gap_ns, gap_end_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void *watch(void *arg)
{
	struct watcher *w = arg;
	uint32_t last = w->spin->timestamp;

	atomic_store(&w->last_move_ns, now_ns());
	while (!atomic_load(&w->stop)) {
		uint32_t ts = w->spin->timestamp;
		uint64_t t = now_ns();

		if (ts != last) {
			uint64_t gap = t - atomic_load(&w->last_move_ns);

			if (gap > atomic_load(&w->max_gap_ns)) {
				atomic_store(&w->max_gap_ns, gap);
				atomic_store(&w->gap_end_ns, t);
			}
			atomic_store(&w->last_move_ns, t);
			last = ts;
		}
		usleep(10);
	}
	return NULL;
}

/* Pressure: a plain VM binding VRAM BOs past the VRAM size (a bind validates into VRAM). */
static unsigned int apply_pressure(int fd, uint32_t vm, int gt, uint64_t total, uint64_t chunk,
				   uint32_t *bos, unsigned int max)
{
	unsigned int n = 0;

	for (uint64_t done = 0; done < total && n < max; done += chunk, n++) {
		bos[n] = xe_bo_create(fd, vm, chunk, vram_memory(fd, gt), 0);
		xe_vm_bind_sync(fd, vm, bos[n], 0, PRESSURE_ADDR + n * chunk, chunk);
	}
	return n;
}

static void release_pressure(int fd, uint32_t vm, uint64_t chunk, uint32_t *bos, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		xe_vm_unbind_sync(fd, vm, 0, PRESSURE_ADDR + i * chunk, chunk);
		gem_close(fd, bos[i]);
	}
}

static void test_lr_evict(int fd, struct drm_xe_engine_class_instance *eci, unsigned int flags)
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
	uint64_t vram = xe_vram_size(fd, eci->gt_id);
	uint64_t data_size = ALIGN(vram / 8, 0x200000);
	uint64_t chunk = ALIGN(vram / 8, 0x200000);
	uint64_t spin_size = xe_bb_size(fd, sizeof(struct xe_spin));
	uint32_t lr_vm, press_vm, exec_queue, spin_bo, data_bo, press_bos[64];
	struct watcher w = {};
	struct xe_spin *spin;
	uint64_t *vm_sync;
	uint32_t *data;
	int cycles = flags & CYCLES ? 8 : 1;

	igt_require_f((uint64_t)igt_get_avail_ram_mb() << 20 >= 2 * vram,
		      "needs free system memory of twice the VRAM (%" PRIu64
		      " MiB) to evict into\n",
		      vram >> 20);

	lr_vm = xe_vm_create(fd, DRM_XE_VM_CREATE_FLAG_LR_MODE, 0);
	press_vm = xe_vm_create(fd, 0, 0);
	exec_queue = xe_exec_queue_create(fd, lr_vm, eci, 0);

	/* The spinner lives in system memory so the CPU can watch it at any time. */
	spin_bo = xe_bo_create(fd, lr_vm, spin_size, system_memory(fd), 0);
	spin = xe_bo_map(fd, spin_bo, spin_size);
	vm_sync = calloc(1, sizeof(*vm_sync));
	igt_assert(vm_sync);
	sync.addr = to_user_pointer(vm_sync);
	xe_vm_bind_async(fd, lr_vm, 0, spin_bo, 0, SPIN_ADDR, spin_size, &sync, 1);
	xe_wait_ufence(fd, vm_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	*vm_sync = 0;

	/* The data the eviction must not lose: VRAM, CPU visible, a known pattern. */
	data_bo =
	    xe_bo_create(fd, flags & EXTERNAL ? 0 : lr_vm, data_size, vram_memory(fd, eci->gt_id),
			 DRM_XE_GEM_CREATE_FLAG_NEEDS_VISIBLE_VRAM);
	data = xe_bo_map(fd, data_bo, data_size);
	for (uint64_t i = 0; i < data_size / 4; i++)
		data[i] = (uint32_t)(i * 2654435761u) ^ 0x5a5a5a5a;
	xe_vm_bind_async(fd, lr_vm, 0, data_bo, 0, DATA_ADDR, data_size, &sync, 1);
	xe_wait_ufence(fd, vm_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	*vm_sync = 0;

	/* Never-ending, preemptible, writes the GPU timestamp every loop. */
	xe_spin_init_opts(spin, .addr = SPIN_ADDR, .preempt = true, .write_timestamp = true);
	sync.addr = SPIN_ADDR + (char *)&spin->exec_sync - (char *)spin;
	exec.exec_queue_id = exec_queue;
	exec.address = SPIN_ADDR;
	xe_exec(fd, &exec);
	xe_spin_wait_started(spin);

	w.spin = spin;
	igt_assert_eq(pthread_create(&w.thread, NULL, watch, &w), 0);

	for (int c = 0; c < cycles; c++) {
		uint64_t t0, t1, moved;
		unsigned int n;

		usleep(100 * 1000);
		atomic_store(&w.max_gap_ns, 0);
		t0 = now_ns();
		n = apply_pressure(fd, press_vm, eci->gt_id, vram + vram / 4, chunk, press_bos,
				   ARRAY_SIZE(press_bos));
		t1 = now_ns();
		release_pressure(fd, press_vm, chunk, press_bos, n);

		/* It moves again: wait up to 20 s for progress after the release. */
		moved = now_ns();
		while (atomic_load(&w.last_move_ns) < moved && now_ns() - moved < 20 * NSEC_PER_SEC)
			usleep(1000);
		igt_assert_f(atomic_load(&w.last_move_ns) >= moved,
			     "cycle %d: the spinner did not resume within 20 s\n", c);
		igt_assert_f(atomic_load(&w.max_gap_ns) > 100 * 1000,
			     "cycle %d: the spinner never stalled under %" PRIu64
			     " MiB of pressure: not preempted?\n",
			     c, (vram + vram / 4) >> 20);
		igt_info("cycle %d: pressure %" PRIu64 " MiB in %.1f ms; longest stall %.3f ms; "
			 "resumed %.3f ms after the pressure binds returned\n",
			 c, (uint64_t)n * chunk >> 20, (t1 - t0) / 1e6,
			 atomic_load(&w.max_gap_ns) / 1e6,
			 ((int64_t)atomic_load(&w.gap_end_ns) - (int64_t)t1) / 1e6);
	}

	xe_spin_end(spin);
	xe_wait_ufence(fd, &spin->exec_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	atomic_store(&w.stop, true);
	pthread_join(w.thread, NULL);

	for (uint64_t i = 0; i < data_size / 4; i++)
		igt_assert_f(data[i] == ((uint32_t)(i * 2654435761u) ^ 0x5a5a5a5a),
			     "data BO element %" PRIu64 " changed across eviction: %#x\n", i,
			     data[i]);

	sync.addr = to_user_pointer(vm_sync);
	xe_vm_unbind_async(fd, lr_vm, 0, 0, DATA_ADDR, data_size, &sync, 1);
	xe_wait_ufence(fd, vm_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	*vm_sync = 0;
	xe_vm_unbind_async(fd, lr_vm, 0, 0, SPIN_ADDR, spin_size, &sync, 1);
	xe_wait_ufence(fd, vm_sync, USER_FENCE_VALUE, 0, 10 * NSEC_PER_SEC);
	munmap(data, data_size);
	munmap(spin, spin_size);
	gem_close(fd, data_bo);
	gem_close(fd, spin_bo);
	free(vm_sync);
	xe_exec_queue_destroy(fd, exec_queue);
	xe_vm_destroy(fd, press_vm);
	xe_vm_destroy(fd, lr_vm);
}

int igt_main ()
{
	struct drm_xe_engine_class_instance *hwe = NULL, *e;
	int fd = -1;

	igt_fixture () {
		fd = drm_open_driver(DRIVER_XE);
		igt_require_f(xe_has_vram(fd), "no VRAM on this xe device (integrated GPU)\n");
		xe_for_each_engine(fd, e)
		{
			if (e->engine_class == DRM_XE_ENGINE_CLASS_COMPUTE ||
			    (!hwe && e->engine_class == DRM_XE_ENGINE_CLASS_RENDER))
				hwe = e;
		}
		igt_require_f(hwe, "no render or compute engine\n");
	}

	for (const struct section *s = sections; s->name; s++) {
		igt_describe("A never-ending LR job is preempted by VRAM eviction, resumes, and "
			     "its data is intact.");
		igt_subtest_f ("%s", s->name)
			test_lr_evict(fd, hwe, s->flags);
	}

	igt_fixture () {
		drm_close_driver(fd);
	}
}
