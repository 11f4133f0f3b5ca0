// SPDX-License-Identifier: MIT
/*
 * Long-running compute basics on vlr, the virtual LR compute device: bounded
 * jobs that complete through user fences, a never-ending job that makes
 * progress and ends on its stop flag with exact data, no completion
 * dma-fence ever leaving an LR queue, user-fence waits with relative and
 * absolute timeouts, and a faulting job banning its queue.
 */

/**
 * TEST: vlr lr basic
 * Category: Core
 * Mega feature: Compute
 * Sub-category: Long-running compute
 * Functionality: LR exec queues, user fences
 * Description: Long-running jobs, user fences and the absence of completion
 *              fences on the vlr virtual device.
 * Test category: functionality test
 *
 * SUBTEST: basic-fill-ufence
 * Description: A bounded FILL job signals its user fence; every element of
 *              the destination holds the fill value.
 *
 * SUBTEST: basic-copy-ufence
 * Description: A bounded COPY job signals its user fence; the destination is
 *              an exact copy of the source.
 *
 * SUBTEST: basic-fill-system-ufence
 * Description: A FILL job into a BO placed in system memory signals its user
 *              fence with exact data.
 *
 * SUBTEST: never-ending-progress
 * Description: A never-ending STREAM job keeps advancing its progress counter
 *              while the CPU watches; the stop flag ends it, its user fence
 *              signals and the buffer holds exactly the LCG state after the
 *              counted passes.
 *
 * SUBTEST: no-out-syncobj
 * Description: Asking an LR job for a completion fence through an out
 *              syncobj fails with EOPNOTSUPP and leaves the syncobj without
 *              a fence; the queue still runs jobs afterwards.
 *
 * SUBTEST: no-fence-in-dmabuf
 * Description: While a never-ending job runs in a VM mapping an external BO,
 *              the sync_file exported from the BO's dma-buf is already
 *              signalled: no LR completion fence escapes to implicit sync.
 *
 * SUBTEST: ufence-timeout-relative
 * Description: Waiting for a value that never comes returns ETIME after the
 *              relative timeout, not before, and not much later.
 *
 * SUBTEST: ufence-timeout-absolute
 * Description: Waiting with an absolute CLOCK_MONOTONIC deadline returns
 *              ETIME once the deadline has passed.
 *
 * SUBTEST: ufence-ops
 * Description: Every comparison operator of the user-fence wait: a true
 *              condition returns at once, a false one times out.
 *
 * SUBTEST: fault-bans-queue
 * Description: A job writing to an unmapped address faults: the queue is
 *              banned, later submissions fail with EIO, other VMs still run.
 *
 * SUBTEST: fault-wait-eio
 * Description: A user-fence wait naming the queue of a faulting job returns
 *              EIO as soon as the queue is banned instead of timing out; a
 *              wait without the queue id times out; another queue of the VM
 *              still runs.
 *
 * SUBTEST: prime-export-private
 * Description: Exporting a VM-private BO as a dma-buf fails with EPERM; an
 *              external BO exports and imports back to the same handle.
 */

#include <poll.h>
#include <linux/dma-buf.h>

#include "igt.h"
#include "lrb_igt_compat.h"
#include "vlr_helpers.h"

IGT_TEST_DESCRIPTION("Long-running jobs, user fences and no completion fences on vlr.");

#define CTL_ADDR     0x10000ull
#define DATA_ADDR    0x1000000ull
#define SRC_ADDR     0x4000000ull
#define CTL_PROGRESS 0
#define CTL_STOP     8
#define CTL_UFENCE   16
#define CTL_SPARE    24
#define UFENCE_DONE  0xc0ffee0000000001ull

/* One LR VM with a control page (system memory, always CPU-visible) and a data BO. */
struct lr_ctx {
	int fd;
	uint32_t vm, queue;
	uint32_t ctl_bo, data_bo;
	volatile uint64_t *ctl;
	uint32_t *data;
	uint64_t data_size;
};

static void ctx_init(struct lr_ctx *c, int fd, uint64_t data_size, uint32_t data_flags)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->vm = vlr_vm_create(fd);
	c->ctl_bo = vlr_bo_create(fd, VLR_PAGE, DRM_VLR_GEM_CREATE_SYSTEM, c->vm);
	c->ctl = vlr_bo_mmap(fd, c->ctl_bo, VLR_PAGE);
	memset((void *)c->ctl, 0, VLR_PAGE);
	vlr_map(fd, c->vm, c->ctl_bo, CTL_ADDR, VLR_PAGE);
	c->data_size = data_size;
	c->data_bo = vlr_bo_create(fd, data_size, data_flags, c->vm);
	c->data = vlr_bo_mmap(fd, c->data_bo, data_size);
	vlr_map(fd, c->vm, c->data_bo, DATA_ADDR, data_size);
	c->queue = vlr_queue_create(fd, c->vm);
}

static void ctx_fini(struct lr_ctx *c)
{
	igt_assert_eq(__vlr_queue_destroy(c->fd, c->queue), 0);
	munmap(c->data, c->data_size);
	munmap((void *)c->ctl, VLR_PAGE);
	vlr_vm_destroy(c->fd, c->vm);
	vlr_bo_close(c->fd, c->data_bo);
	vlr_bo_close(c->fd, c->ctl_bo);
}

static struct drm_vlr_exec stream_job(struct lr_ctx *c)
{
	return (struct drm_vlr_exec){
	    .queue_id = c->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = DATA_ADDR,
	    .len = c->data_size,
	    .progress_addr = CTL_ADDR + CTL_PROGRESS,
	    .stop_addr = CTL_ADDR + CTL_STOP,
	    .ufence_addr = CTL_ADDR + CTL_UFENCE,
	    .ufence_value = UFENCE_DONE,
	};
}

/* Waits until the progress counter moves past `past`; returns its value. */
static uint64_t wait_progress(struct lr_ctx *c, uint64_t past)
{
	uint64_t deadline = vlr_now_ns() + VLR_PROGRESS_S * VLR_SEC_NS, p;

	while ((p = c->ctl[CTL_PROGRESS / 8]) <= past) {
		igt_assert_f(vlr_now_ns() < deadline,
			     "STREAM progress stuck at %" PRIu64
			     " for %d s (waiting to pass %" PRIu64 ")\n",
			     p, VLR_PROGRESS_S, past);
		usleep(1000);
	}
	return p;
}

/* Sets the stop flag, waits for the job's user fence, returns the final pass count. */
static uint64_t stop_stream(struct lr_ctx *c)
{
	__atomic_store_n((volatile uint32_t *)&c->ctl[CTL_STOP / 8], 1, __ATOMIC_SEQ_CST);
	vlr_wait_eq(c->fd, c->vm, CTL_ADDR + CTL_UFENCE, UFENCE_DONE, VLR_WAIT_NS);
	return c->ctl[CTL_PROGRESS / 8];
}

static void check_stream(struct lr_ctx *c, uint32_t seed, uint64_t passes)
{
	int64_t bad = vlr_stream_mismatch(c->data, c->data_size / 4, seed, passes);

	igt_assert_f(bad < 0,
		     "STREAM data wrong at element %" PRId64 " after %" PRIu64
		     " passes: %#x, expected %#x\n",
		     bad, passes, bad < 0 ? 0 : c->data[bad],
		     bad < 0 ? 0 : vlr_lcg_jump(seed + (uint32_t)bad, passes));
}

enum basic_kind { FILL, COPY };

static const struct basic_section {
	const char *name;
	enum basic_kind kind;
	uint32_t flags; /* DRM_VLR_GEM_CREATE_* of the destination */
} basic_sections[] = {
    {"fill", FILL, 0},
    {"copy", COPY, 0},
    {"fill-system", FILL, DRM_VLR_GEM_CREATE_SYSTEM},
    {},
};

static void test_basic(int fd, const struct basic_section *s)
{
	const uint64_t size = 64 * 1024;
	const uint32_t value = 0x5a5aa5a5;
	uint32_t src_bo = 0, *src = NULL;
	struct lr_ctx c;
	struct drm_vlr_exec e;

	ctx_init(&c, fd, size, s->flags);
	memset(c.data, 0, size);
	e = (struct drm_vlr_exec){
	    .queue_id = c.queue,
	    .dst = DATA_ADDR,
	    .len = size,
	    .ufence_addr = CTL_ADDR + CTL_UFENCE,
	    .ufence_value = UFENCE_DONE,
	};
	if (s->kind == FILL) {
		e.program = DRM_VLR_PROG_FILL;
		e.value = value;
	} else {
		src_bo = vlr_bo_create(fd, size, 0, c.vm);
		src = vlr_bo_mmap(fd, src_bo, size);
		for (uint64_t i = 0; i < size / 4; i++)
			src[i] = (uint32_t)(i * 2654435761u);
		vlr_map(fd, c.vm, src_bo, SRC_ADDR, size);
		e.program = DRM_VLR_PROG_COPY;
		e.src = SRC_ADDR;
	}
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	vlr_wait_eq(fd, c.vm, CTL_ADDR + CTL_UFENCE, UFENCE_DONE, VLR_WAIT_NS);

	for (uint64_t i = 0; i < size / 4; i++) {
		uint32_t want = s->kind == FILL ? value : (uint32_t)(i * 2654435761u);

		igt_assert_f(c.data[i] == want, "%s: element %" PRIu64 " is %#x, expected %#x\n",
			     s->name, i, c.data[i], want);
	}
	if (src_bo) {
		vlr_unmap(fd, c.vm, SRC_ADDR, size);
		munmap(src, size);
		vlr_bo_close(fd, src_bo);
	}
	ctx_fini(&c);
}

static void test_never_ending(int fd)
{
	const uint64_t size = 256 * 1024;
	const uint32_t seed = 7;
	struct lr_ctx c;
	struct drm_vlr_exec e;
	uint64_t p, passes;

	ctx_init(&c, fd, size, 0);
	for (uint64_t i = 0; i < size / 4; i++)
		c.data[i] = seed + (uint32_t)i;
	e = stream_job(&c);
	igt_assert_eq(__vlr_exec(fd, &e), 0);

	/* Progress keeps moving: three distinct increases, no user fence yet. */
	p = 0;
	for (int i = 0; i < 3; i++)
		p = wait_progress(&c, p);
	igt_assert_f(c.ctl[CTL_UFENCE / 8] == 0, "never-ending job signalled completion early\n");

	passes = stop_stream(&c);
	igt_assert_lte_u64(p, passes);
	igt_info("STREAM ran %" PRIu64 " passes over %" PRIu64 " KiB\n", passes, size >> 10);
	check_stream(&c, seed, passes);
	ctx_fini(&c);
}

static void test_no_out_syncobj(int fd)
{
	struct lr_ctx c;
	struct drm_vlr_exec e;
	uint32_t syncobj;
	uint64_t point = 0;
	int ret;

	igt_require_f(drmSyncobjCreate(fd, 0, &syncobj) == 0, "no syncobj support: %s\n",
		      strerror(errno));
	ctx_init(&c, fd, 64 * 1024, 0);
	e = stream_job(&c);
	e.out_syncobj = syncobj;
	ret = __vlr_exec(fd, &e);
	igt_assert_f(ret == -EOPNOTSUPP,
		     "exec with an out syncobj returned %d (%s), expected "
		     "-EOPNOTSUPP\n",
		     ret, strerror(-ret));

	/* No fence was installed: waiting for submit must fail, not block. */
	ret = drmSyncobjWait(fd, &syncobj, 1, 0, 0, NULL);
	igt_assert_f(ret == -EINVAL, "syncobj got a fence from a refused LR exec (wait: %d)\n",
		     ret);
	(void)point;

	/* The refusal left the queue usable. */
	e.out_syncobj = 0;
	e.program = DRM_VLR_PROG_FILL;
	e.value = 1;
	e.progress_addr = 0;
	e.stop_addr = 0;
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	vlr_wait_eq(fd, c.vm, CTL_ADDR + CTL_UFENCE, UFENCE_DONE, VLR_WAIT_NS);
	drmSyncobjDestroy(fd, syncobj);
	ctx_fini(&c);
}

static void test_no_fence_in_dmabuf(int fd)
{
	const uint64_t size = 64 * 1024;
	struct dma_buf_export_sync_file ex = {.flags = DMA_BUF_SYNC_RW, .fd = -1};
	struct pollfd pfd;
	struct lr_ctx c;
	struct drm_vlr_exec e;
	uint32_t ext_bo;
	int dmabuf, ret;

	ctx_init(&c, fd, size, 0);
	ext_bo = vlr_bo_create(fd, size, 0, 0); /* external: its own reservation object */
	vlr_map(fd, c.vm, ext_bo, SRC_ADDR, size);
	ret = drmPrimeHandleToFD(fd, ext_bo, DRM_CLOEXEC | DRM_RDWR, &dmabuf);
	igt_require_f(ret == 0, "vlr cannot export BOs as dma-buf: %s\n", strerror(errno));

	for (uint64_t i = 0; i < size / 4; i++)
		c.data[i] = (uint32_t)i;
	e = stream_job(&c);
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	wait_progress(&c, 0);

	/* Implicit sync sees read/write fences only; the LR job must have none. */
	ret = ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &ex);
	igt_require_f(ret == 0 || errno != ENOTTY, "kernel lacks DMA_BUF_IOCTL_EXPORT_SYNC_FILE\n");
	igt_assert_f(ret == 0, "EXPORT_SYNC_FILE: %s\n", strerror(errno));
	/*
	 * A bounded fence (say, a pipelined move) may still be pending, so give
	 * it 5 s; a fence of the never-ending job could only signal by the job
	 * ending, and the job must still be running afterwards.
	 */
	pfd = (struct pollfd){.fd = ex.fd, .events = POLLIN};
	igt_assert_f(
	    poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN),
	    "the dma-buf of a BO mapped by a running LR job carries an unsignalled fence\n");
	/* Nor does polling the dma-buf itself block on the running job. */
	pfd = (struct pollfd){.fd = dmabuf, .events = POLLIN | POLLOUT};
	igt_assert_eq(poll(&pfd, 1, 5000), 1);
	igt_assert_eq(pfd.revents & (POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(ex.fd);
	igt_assert_f(c.ctl[CTL_UFENCE / 8] == 0, "the never-ending job ended on its own\n");
	wait_progress(&c, c.ctl[CTL_PROGRESS / 8]);

	check_stream(&c, 0, stop_stream(&c));
	close(dmabuf);
	vlr_unmap(fd, c.vm, SRC_ADDR, size);
	vlr_bo_close(fd, ext_bo);
	ctx_fini(&c);
}

static void test_ufence_timeout(int fd, bool absolute)
{
	const int64_t wait = 200 * VLR_MS_NS;
	struct lr_ctx c;
	uint64_t t0, t1, deadline;
	int64_t timeout;
	int ret;

	ctx_init(&c, fd, VLR_PAGE, 0);
	t0 = vlr_now_ns();
	deadline = t0 + wait;
	timeout = absolute ? (int64_t)deadline : wait;
	ret = __vlr_wait_ufence(fd, c.vm, CTL_ADDR + CTL_SPARE, DRM_VLR_UFENCE_OP_EQ, 1,
				absolute ? DRM_VLR_UFENCE_WAIT_ABSOLUTE : 0, &timeout);
	t1 = vlr_now_ns();
	igt_assert_f(ret == -ETIME, "wait for a value that never comes returned %d (%s)\n", ret,
		     strerror(-ret));
	igt_assert_f(t1 >= deadline, "returned %.3f ms before the %s timeout\n",
		     (deadline - t1) / 1e6, absolute ? "absolute" : "relative");
	igt_assert_f(t1 - t0 < wait + 5 * VLR_SEC_NS, "a %.0f ms timeout took %.3f s\n", wait / 1e6,
		     (t1 - t0) / 1e9);
	if (!absolute)
		igt_assert_f(timeout <= 0, "time left after a timeout: %" PRId64 " ns\n", timeout);
	igt_info("%s timeout of %.0f ms returned after %.3f ms\n",
		 absolute ? "absolute" : "relative", wait / 1e6, (t1 - t0) / 1e6);

	/* The same wait succeeds at once when the CPU writes the value. */
	c.ctl[CTL_SPARE / 8] = 1;
	timeout = wait;
	t0 = vlr_now_ns();
	ret =
	    __vlr_wait_ufence(fd, c.vm, CTL_ADDR + CTL_SPARE, DRM_VLR_UFENCE_OP_EQ, 1, 0, &timeout);
	igt_assert_eq(ret, 0);
	igt_assert_f(vlr_now_ns() - t0 < (uint64_t)wait, "a satisfied wait slept\n");
	ctx_fini(&c);
}

static void test_ufence_ops(int fd)
{
	static const struct {
		const char *name;
		uint32_t op;
		uint64_t true_value, false_value; /* memory holds 5 */
	} ops[] = {
	    {"eq", DRM_VLR_UFENCE_OP_EQ, 5, 6}, {"neq", DRM_VLR_UFENCE_OP_NEQ, 4, 5},
	    {"gt", DRM_VLR_UFENCE_OP_GT, 4, 5}, {"gte", DRM_VLR_UFENCE_OP_GTE, 5, 6},
	    {"lt", DRM_VLR_UFENCE_OP_LT, 6, 5}, {"lte", DRM_VLR_UFENCE_OP_LTE, 5, 4},
	};
	struct lr_ctx c;
	int failures = 0;

	ctx_init(&c, fd, VLR_PAGE, 0);
	c.ctl[CTL_SPARE / 8] = 5;
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		int64_t t = 0;
		int ret_true, ret_false;

		ret_true = __vlr_wait_ufence(fd, c.vm, CTL_ADDR + CTL_SPARE, ops[i].op,
					     ops[i].true_value, 0, &t);
		t = 10 * VLR_MS_NS;
		ret_false = __vlr_wait_ufence(fd, c.vm, CTL_ADDR + CTL_SPARE, ops[i].op,
					      ops[i].false_value, 0, &t);
		if (ret_true || ret_false != -ETIME) {
			igt_warn("op %s: mem 5 vs %" PRIu64 " returned %d (want 0), vs %" PRIu64
				 " returned %d (want -ETIME)\n",
				 ops[i].name, ops[i].true_value, ret_true, ops[i].false_value,
				 ret_false);
			failures++;
		}
	}
	igt_assert_eq(failures, 0);
	ctx_fini(&c);
}

static void test_fault_bans_queue(int fd)
{
	struct drm_vlr_stats st;
	struct lr_ctx c, other;
	struct drm_vlr_exec e;
	uint64_t deadline;
	int ret;

	ctx_init(&c, fd, VLR_PAGE, 0);
	e = (struct drm_vlr_exec){
	    .queue_id = c.queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = 0x2000000ull, /* inside the VA space, nothing mapped there */
	    .len = VLR_PAGE,
	    .value = 1,
	};
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	deadline = vlr_now_ns() + VLR_WAIT_NS;
	do {
		vlr_get_stats(fd, c.queue, &st);
		if (st.queue_state == DRM_VLR_QUEUE_STATE_BANNED)
			break;
		usleep(1000);
	} while (vlr_now_ns() < deadline);
	igt_assert_f(st.queue_state == DRM_VLR_QUEUE_STATE_BANNED,
		     "queue state %u after a faulting job, expected BANNED\n", st.queue_state);
	e.dst = DATA_ADDR;
	ret = __vlr_exec(fd, &e);
	igt_assert_f(ret == -EIO, "exec on a banned queue returned %d, expected -EIO\n", ret);

	/* Another VM is unaffected. */
	ctx_init(&other, fd, VLR_PAGE, 0);
	e = (struct drm_vlr_exec){
	    .queue_id = other.queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = DATA_ADDR,
	    .len = VLR_PAGE,
	    .value = 3,
	    .ufence_addr = CTL_ADDR + CTL_UFENCE,
	    .ufence_value = UFENCE_DONE,
	};
	igt_assert_eq(__vlr_exec(fd, &e), 0);
	vlr_wait_eq(fd, other.vm, CTL_ADDR + CTL_UFENCE, UFENCE_DONE, VLR_WAIT_NS);
	igt_assert_eq_u32(other.data[VLR_PAGE / 4 - 1], 3);
	ctx_fini(&other);
	ctx_fini(&c);
}

/*
 * A faulting job bans its queue: a user-fence wait naming the queue returns
 * EIO as soon as that happens instead of sleeping to its timeout; without a
 * queue id the same wait times out (only the queue is banned, not the VM).
 */
static void test_fault_wait_eio(int fd)
{
	const uint64_t size = 4ull << 20;
	struct drm_vlr_stats st;
	struct drm_vlr_exec fill, bad;
	uint64_t t0, dt;
	int64_t timeout;
	uint32_t q2;
	struct lr_ctx c;
	int ret;

	ctx_init(&c, fd, size, 0);
	/* A long valid job first, so the wait is asleep when the fault comes. */
	fill = (struct drm_vlr_exec){
	    .queue_id = c.queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = DATA_ADDR,
	    .len = size,
	    .value = 1,
	};
	bad = (struct drm_vlr_exec){
	    .queue_id = c.queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = 0x20000000ull, /* inside the VA space, nothing mapped there */
	    .len = VLR_PAGE,
	    .value = 2,
	    .ufence_addr = CTL_ADDR + CTL_UFENCE,
	    .ufence_value = UFENCE_DONE,
	};
	igt_assert_eq(__vlr_exec(fd, &fill), 0);
	igt_assert_eq(__vlr_exec(fd, &bad), 0);
	timeout = 30 * VLR_SEC_NS;
	t0 = vlr_now_ns();
	ret = __vlr_wait_ufence_queue(fd, c.vm, c.queue, CTL_ADDR + CTL_UFENCE,
				      DRM_VLR_UFENCE_OP_EQ, UFENCE_DONE, 0, &timeout);
	dt = vlr_now_ns() - t0;
	igt_assert_f(ret == -EIO,
		     "wait on the faulting queue's fence returned %d (%s) after %.3f s, expected "
		     "-EIO\n",
		     ret, strerror(-ret), dt / 1e9);
	igt_assert_f(dt < 10 * (uint64_t)VLR_SEC_NS, "-EIO took %.3f s of a 30 s timeout\n",
		     dt / 1e9);
	igt_info("-EIO after %.3f ms\n", dt / 1e6);
	igt_assert_eq_u64(c.ctl[CTL_UFENCE / 8], 0);
	vlr_get_stats(fd, c.queue, &st);
	igt_assert_eq(st.queue_state, DRM_VLR_QUEUE_STATE_BANNED);

	/* Once banned: at once; without a queue id: a plain timeout. */
	timeout = 10 * VLR_SEC_NS;
	t0 = vlr_now_ns();
	ret = __vlr_wait_ufence_queue(fd, c.vm, c.queue, CTL_ADDR + CTL_UFENCE,
				      DRM_VLR_UFENCE_OP_EQ, UFENCE_DONE, 0, &timeout);
	igt_assert_eq(ret, -EIO);
	igt_assert_f(vlr_now_ns() - t0 < 5 * (uint64_t)VLR_SEC_NS,
		     "a wait on a banned queue slept\n");
	timeout = 50 * VLR_MS_NS;
	ret = __vlr_wait_ufence_queue(fd, c.vm, 0, CTL_ADDR + CTL_UFENCE, DRM_VLR_UFENCE_OP_EQ,
				      UFENCE_DONE, 0, &timeout);
	igt_assert_f(ret == -ETIME, "wait without a queue id returned %d, expected -ETIME\n", ret);

	/* Another queue of the VM runs, and the wait accepts its id. */
	q2 = vlr_queue_create(fd, c.vm);
	bad.queue_id = q2;
	bad.dst = DATA_ADDR;
	bad.ufence_addr = CTL_ADDR + CTL_SPARE;
	bad.ufence_value = 7;
	igt_assert_eq(__vlr_exec(fd, &bad), 0);
	timeout = VLR_WAIT_NS;
	igt_assert_eq(__vlr_wait_ufence_queue(fd, c.vm, q2, CTL_ADDR + CTL_SPARE,
					      DRM_VLR_UFENCE_OP_EQ, 7, 0, &timeout),
		      0);
	igt_assert_eq(__vlr_queue_destroy(fd, q2), 0);
	ctx_fini(&c);
}

/* Only external BOs (own reservation object) can be exported. */
static void test_prime_export_private(int fd)
{
	uint32_t vm = vlr_vm_create(fd), priv, ext, imported;
	int dmabuf = -1, ret;

	priv = vlr_bo_create(fd, VLR_PAGE, 0, vm);
	ret = __vlr_prime_export(fd, priv, &dmabuf);
	igt_assert_f(ret == -EPERM, "export of a VM-private BO returned %d (%s), expected -EPERM\n",
		     ret, strerror(-ret));
	/* Control: an external BO exports and imports into the same device. */
	ext = vlr_bo_create(fd, VLR_PAGE, 0, 0);
	igt_assert_eq(__vlr_prime_export(fd, ext, &dmabuf), 0);
	igt_assert_eq(__vlr_prime_import(fd, dmabuf, &imported), 0);
	igt_assert_eq_u32(imported, ext); /* the same GEM object on the same file */
	close(dmabuf);
	vlr_bo_close(fd, ext);
	vlr_bo_close(fd, priv);
	vlr_vm_destroy(fd, vm);
}

int igt_main ()
{
	struct drm_vlr_get_info info;
	int fd = -1;

	igt_fixture () {
		fd = vlr_require_device(&info);
		igt_require_f(__vlr_set_mode(fd, DRM_VLR_MODE_PREEMPT_FENCE) == 0,
			      "cannot select preempt-fence mode (queues left on the device?)\n");
	}

	for (const struct basic_section *s = basic_sections; s->name; s++) {
		igt_describe("A bounded job completes through its user fence with exact data.");
		igt_subtest_f ("basic-%s-ufence", s->name)
			test_basic(fd, s);
	}

	igt_describe("A never-ending job progresses, stops on its flag, and its data is exact.");
	igt_subtest ("never-ending-progress")
		test_never_ending(fd);

	igt_describe("An LR job cannot hand out a completion fence through a syncobj.");
	igt_subtest ("no-out-syncobj")
		test_no_out_syncobj(fd);

	igt_describe("No LR completion fence escapes into a shared BO's implicit fences.");
	igt_subtest ("no-fence-in-dmabuf")
		test_no_fence_in_dmabuf(fd);

	igt_describe("A user-fence wait with a relative timeout ends on time with ETIME.");
	igt_subtest ("ufence-timeout-relative")
		test_ufence_timeout(fd, false);

	igt_describe("A user-fence wait with an absolute deadline ends on time with ETIME.");
	igt_subtest ("ufence-timeout-absolute")
		test_ufence_timeout(fd, true);

	igt_describe("Each user-fence comparison operator, true and false.");
	igt_subtest ("ufence-ops")
		test_ufence_ops(fd);

	igt_describe("A faulting job bans its queue without harming other VMs.");
	igt_subtest ("fault-bans-queue")
		test_fault_bans_queue(fd);

	igt_describe("A wait naming a queue banned by a fault returns EIO promptly.");
	igt_subtest ("fault-wait-eio")
		test_fault_wait_eio(fd);

	igt_describe("Only external BOs can be exported as dma-buf.");
	igt_subtest ("prime-export-private")
		test_prime_export_private(fd);

	igt_fixture () {
		close(fd);
	}
}
