// SPDX-License-Identifier: MIT
/*
 * vlr-faults: the stress tier's fault matrix. Each case arms one kernel
 * fault-injection knob while never-ending STREAM jobs run under VRAM pressure
 * that forces eviction, asserts the outcome vlr documents for that fault
 * (kernel-patches/VLR.md, tests/stress/README.md), puts the knob back and
 * prints one line:
 *
 *   NAME@MODE pass|fail|skip REASON; figures (injected=N ...)
 *
 *   vlr-faults --list
 *   vlr-faults [--mode preempt-fence|open-coded|both] [--slack S] [--json FILE]
 *              [CASE[@MODE]...]      (no CASE: every case)
 *   vlr-faults --reset               (disarm every knob, restore saved values)
 *
 * Knobs: the vlr fault attributes in debugfs (vlr/fail_copy, fail_restore,
 * fail_preempt), the vlr module parameters (preempt_timeout_ms,
 * copy_delay_us, max_restore_retries, restore_ban_ms) and the kernel's
 * failslab and fail_page_alloc, driven through /proc/thread-self/fail-nth so
 * that every allocation point of every ioctl fails once, in order. A kernel
 * without a knob makes its case skip ("kernel lacks ..."); only a wrong
 * outcome fails. The knobs' values from before the first case are saved in
 * /run/vlr-faults.saved (see knobs_save()); every case ends by putting them
 * back, and --reset does the same after a case that was killed.
 *
 * Exit: 0 when no case failed, 1 when one did, 2 usage, 77 when every case
 * skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vlr-lib.h"
#include "stress-lib.h"

#define MiB	   (1024ull * 1024)
#define SAVE_FILE  "/run/vlr-faults.saved"
#define MAX_ST	   3
#define CASE_PASS  0
#define CASE_FAIL  1
#define CASE_SKIP  VLR_SKIP
#define STREAM_MIB 4

struct fctx {
	uint32_t mode;
	int fd;
	struct drm_vlr_get_info info;
	struct vlr_stream st[MAX_ST];
	unsigned int nst;
	char why[512];	  /* failure or skip reason */
	char figs[768];	  /* figures */
	const char *kind; /* the fault kind injected (figures.json key) */
	long long injected;
	long long kinds_injected[2]; /* failslab, fail_page_alloc (the nth cases) */
};

static double slack_s = 3.0; /* extra time any bound allows (UML, TCG guests) */

static int why(struct fctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int why(struct fctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return rc;
}

static void fig(struct fctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fig(struct fctx *c, const char *fmt, ...)
{
	size_t len = strlen(c->figs);
	va_list ap;

	if (len && len < sizeof(c->figs) - 1)
		c->figs[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(c->figs + len, sizeof(c->figs) - len, fmt, ap);
	va_end(ap);
}

/* Fail the case with a reason (a formatted message) unless @cond holds. */
#define REQUIRE(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return why(c, CASE_FAIL, __VA_ARGS__);                                     \
	} while (0)

/* ---- what a case needs from the kernel ---- */
static int need_fault(struct fctx *c, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/times", VLR_FAULT_DIR, name);
	if (!path_exists(path))
		return why(c, CASE_SKIP, "kernel lacks vlr fault injection (no %s/%s)",
			   VLR_FAULT_DIR, name);
	return 0;
}

static int need_param(struct fctx *c, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", VLR_PARAM_DIR, name);
	if (!path_exists(path))
		return why(c, CASE_SKIP, "kernel lacks vlr fault injection (no %s)", path);
	return 0;
}

static const char *fault_dir(const char *name)
{
	static char dir[128];

	snprintf(dir, sizeof(dir), "%s/%s", VLR_FAULT_DIR, name);
	return dir;
}

/* ---- streams ---- */
static int start_stream(struct fctx *c, uint32_t seed)
{
	struct vlr_stream *s;

	if (c->nst >= MAX_ST)
		return why(c, CASE_FAIL, "internal: more than %d streams", MAX_ST);
	s = &c->st[c->nst];
	if (vlr_stream_start(s, c->fd, STREAM_MIB * MiB, seed)) {
		vlr_stream_fini(s);
		return why(c, CASE_FAIL, "starting stream %u failed (see stderr)", c->nst);
	}
	c->nst++;
	if (vlr_stream_wait_progress(s, 0, 20))
		return why(c, CASE_FAIL, "stream %u never made progress", c->nst - 1);
	return 0;
}

static uint32_t queue_state(struct fctx *c, unsigned int i)
{
	struct drm_vlr_stats qs;

	if (vlr_get_stats(c->fd, c->st[i].queue, false, &qs))
		return ~0u;
	return qs.queue_state;
}

/* Bit i set when stream i's queue is banned. */
static uint32_t banned_mask(struct fctx *c)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < c->nst; i++)
		if (queue_state(c, i) == DRM_VLR_QUEUE_STATE_BANNED)
			m |= 1u << i;
	return m;
}

static int only_bit(uint32_t m)
{
	return m && !(m & (m - 1)) ? __builtin_ctz(m) : -1;
}

static int dev_stats(struct fctx *c, struct drm_vlr_stats *s, bool reset)
{
	int ret = vlr_get_stats(c->fd, 0, reset, s);

	if (ret)
		return why(c, CASE_FAIL, "GET_STATS: %s", strerror(-ret));
	return 0;
}

/* Wait on the stream's end-of-job user fence naming @queue (0: none). */
static int wait_stream_fence(struct fctx *c, unsigned int i, uint32_t queue, double timeout_s,
			     double *dt)
{
	int64_t timeout = timeout_s * 1e9;
	double t0 = stress_now();
	int ret;

	ret = __vlr_wait_ufence_queue(c->fd, c->st[i].vm, queue, VLR_CTL_ADDR + VLR_UFENCE,
				      DRM_VLR_UFENCE_OP_EQ, 0xf00d, 0, &timeout);
	*dt = stress_now() - t0;
	return ret;
}

/* What a banned queue must look like: waits -EIO at once, EXEC -EIO, no progress. */
static int assert_banned(struct fctx *c, unsigned int i, bool vm_banned)
{
	struct drm_vlr_exec fill = {
	    .queue_id = c->st[i].queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = VLR_STAGING_ADDR,
	    .len = 4096,
	    .value = 1,
	};
	uint64_t p;
	double dt;
	int ret;

	ret = wait_stream_fence(c, i, c->st[i].queue, 10, &dt);
	REQUIRE(ret == -EIO,
		"WAIT_UFENCE naming the banned queue %u: %d (%s) after %.2f s, not -EIO",
		c->st[i].queue, ret, strerror(-ret), dt);
	REQUIRE(dt < 2, "WAIT_UFENCE on the banned queue took %.2f s to answer -EIO", dt);
	fig(c, "eio_wait_s=%.3f", dt);
	if (vm_banned) {
		ret = wait_stream_fence(c, i, 0, 10, &dt);
		REQUIRE(ret == -EIO,
			"WAIT_UFENCE in the banned VM without a queue id: %d (%s) after %.2f s, "
			"not -EIO",
			ret, strerror(-ret), dt);
	}
	ret = vlr_exec(c->fd, &fill);
	REQUIRE(ret == -EIO, "EXEC on the banned queue %u: %d (%s), not -EIO", c->st[i].queue, ret,
		strerror(-ret));
	p = *c->st[i].progress;
	usleep(300000);
	REQUIRE(*c->st[i].progress == p, "the banned queue still runs: %llu -> %llu passes",
		(unsigned long long)p, (unsigned long long)vlr_stream_passes(&c->st[i]));
	return 0;
}

/* A stream not hit by the fault keeps running through more pressure and is exact. */
static int assert_intact(struct fctx *c, unsigned int i, const char *who)
{
	uint64_t p = *c->st[i].progress, bad;
	int ret;

	ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
	REQUIRE(!ret, "%s: pressure after the fault: GEM_CREATE: %s", who, strerror(-ret));
	if (vlr_stream_wait_progress(&c->st[i], p, 20))
		return why(c, CASE_FAIL, "%s (stream %u) stopped making progress", who, i);
	if (vlr_stream_checkpoint(&c->st[i], false, &bad))
		return why(c, CASE_FAIL, "%s (stream %u): checkpoint failed (see stderr)", who, i);
	REQUIRE(!bad, "%s (stream %u): %llu of %llu elements wrong after %llu passes", who, i,
		(unsigned long long)bad, (unsigned long long)(c->st[i].data_size / 4),
		(unsigned long long)vlr_stream_passes(&c->st[i]));
	fig(c, "%s_passes=%llu %s_verified_bytes=%llu", who,
	    (unsigned long long)vlr_stream_passes(&c->st[i]), who,
	    (unsigned long long)c->st[i].data_size);
	return 0;
}

/*
 * fail-copy: a copy into VRAM issued by a restore fails (its fence signals
 * -EIO). The VM of that restore is banned; the other VM keeps running and
 * verifies; the evicting allocation does not hang.
 */
static int case_fail_copy(struct fctx *c)
{
	struct drm_vlr_stats before, after;
	double t0, t_evict, deadline, last;
	long long left = 1;
	int ret, victim = -1;

	if ((ret = need_fault(c, "fail_copy")))
		return ret;
	c->kind = "fail_copy";
	if ((ret = start_stream(c, 0xc0)) || (ret = start_stream(c, 0xc1)))
		return ret;
	if ((ret = dev_stats(c, &before, false)))
		return ret;
	REQUIRE(!(ret = fault_arm(fault_dir("fail_copy"), 1, false)), "arming fail_copy: %s",
		strerror(-ret));
	t0 = stress_now();
	ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
	t_evict = stress_now() - t0;
	REQUIRE(!ret, "the evicting allocation failed: %s", strerror(-ret));
	fig(c, "evict_s=%.3f", t_evict);
	/* The restores run after the pressure; push again until the copy failed. */
	deadline = stress_now() + 15 + slack_s;
	last = stress_now();
	while (stress_now() < deadline) {
		fault_left(fault_dir("fail_copy"), &left);
		victim = only_bit(banned_mask(c));
		if (!left && victim >= 0)
			break;
		if (left && stress_now() - last > 1) {
			t0 = stress_now();
			ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
			REQUIRE(!ret, "the evicting allocation failed: %s", strerror(-ret));
			t_evict = stress_now() - t0;
			last = stress_now();
		}
		usleep(10000);
	}
	fault_disarm(fault_dir("fail_copy"));
	c->injected = 1 - left;
	fig(c, "injected=%lld", c->injected);
	REQUIRE(c->injected == 1, "no restore copy failed within %.0f s (fail_copy never fired)",
		15 + slack_s);
	REQUIRE(t_evict < 10 + slack_s, "an evicting allocation took %.2f s", t_evict);
	victim = only_bit(banned_mask(c));
	REQUIRE(victim >= 0, "the failed copy banned %s (mask %#x), expected exactly one VM",
		banned_mask(c) ? "more than one queue" : "nothing", banned_mask(c));
	fig(c, "victim=stream%d", victim);
	if ((ret = assert_banned(c, victim, true)))
		return ret;
	if ((ret = dev_stats(c, &after, false)))
		return ret;
	fig(c, "bans=+%llu", (unsigned long long)(after.bans - before.bans));
	REQUIRE(after.bans - before.bans == 1, "device bans grew by %llu, expected 1",
		(unsigned long long)(after.bans - before.bans));
	return assert_intact(c, !victim, "bystander");
}

/*
 * fail-restore: the restore worker's validation fails with -ENOMEM fewer
 * times than vlr.max_restore_retries: retried with back-off, then it
 * succeeds; no ban; the job's data is exact.
 */
static int case_fail_restore(struct fctx *c)
{
	struct drm_vlr_stats before, after;
	long long max_retries, n, left;
	double deadline;
	uint64_t bad;
	int ret;

	if ((ret = need_fault(c, "fail_restore")) || (ret = need_param(c, "max_restore_retries")))
		return ret;
	c->kind = "fail_restore";
	REQUIRE(!vlr_param_get("max_restore_retries", &max_retries), "reading max_restore_retries");
	if (max_retries < 2)
		return why(c, CASE_SKIP, "vlr.max_restore_retries=%lld leaves no room for a retry",
			   max_retries);
	n = max_retries - 1 < 3 ? max_retries - 1 : 3;
	left = n;
	if ((ret = start_stream(c, 0xe0)))
		return ret;
	if ((ret = dev_stats(c, &before, false)))
		return ret;
	REQUIRE(!(ret = fault_arm(fault_dir("fail_restore"), n, false)), "arming fail_restore: %s",
		strerror(-ret));
	deadline = stress_now() + 20 + slack_s;
	while (left && stress_now() < deadline) {
		uint64_t p = *c->st[0].progress;

		ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
		REQUIRE(!ret, "the evicting allocation failed: %s", strerror(-ret));
		/* Restored after the retries: it runs again. */
		if (vlr_stream_wait_progress(&c->st[0], p, 20 + slack_s))
			return why(c, CASE_FAIL,
				   "the stream did not run again within %.0f s (queue state %u)",
				   20 + slack_s, queue_state(c, 0));
		fault_left(fault_dir("fail_restore"), &left);
	}
	fault_disarm(fault_dir("fail_restore"));
	c->injected = n - left;
	fig(c, "injected=%lld max_restore_retries=%lld", c->injected, max_retries);
	REQUIRE(c->injected == n, "only %lld of %lld restore failures fired within %.0f s",
		c->injected, n, 20 + slack_s);
	if ((ret = dev_stats(c, &after, false)))
		return ret;
	fig(c, "restore_retries=+%llu bans=+%llu",
	    (unsigned long long)(after.restore_retries - before.restore_retries),
	    (unsigned long long)(after.bans - before.bans));
	REQUIRE(after.restore_retries - before.restore_retries >= (uint64_t)n,
		"restore_retries grew by %llu after %lld failed restores",
		(unsigned long long)(after.restore_retries - before.restore_retries), n);
	REQUIRE(after.bans == before.bans, "%llu VMs banned after %lld < %lld failed restores",
		(unsigned long long)(after.bans - before.bans), n, max_retries);
	REQUIRE(queue_state(c, 0) != DRM_VLR_QUEUE_STATE_BANNED, "the queue is banned");
	REQUIRE(!vlr_stream_checkpoint(&c->st[0], false, &bad), "checkpoint failed (see stderr)");
	REQUIRE(!bad, "%llu of %llu elements wrong after %llu passes", (unsigned long long)bad,
		(unsigned long long)(c->st[0].data_size / 4),
		(unsigned long long)vlr_stream_passes(&c->st[0]));
	fig(c, "passes=%llu verified_bytes=%llu", (unsigned long long)vlr_stream_passes(&c->st[0]),
	    (unsigned long long)c->st[0].data_size);
	return 0;
}

/* The device runs a new never-ending job through eviction, exactly. */
static int device_works(struct fctx *c, const char *who)
{
	int ret;

	if ((ret = start_stream(c, 0xd0 + c->nst)))
		return ret;
	return assert_intact(c, c->nst - 1, who);
}

/*
 * fail-restore-ban: every restore fails. Once vlr.max_restore_retries (set
 * to 3) restores failed over at least vlr.restore_ban_ms (set to 300) the VM
 * is banned; the device works afterwards.
 */
static int case_fail_restore_ban(struct fctx *c)
{
	const long long retries = 3, ban_ms = 300, armed = 100000;
	struct drm_vlr_stats before, after;
	double t0, t_ban = -1;
	long long left = armed;
	int ret;

	if ((ret = need_fault(c, "fail_restore")) || (ret = need_param(c, "max_restore_retries")) ||
	    (ret = need_param(c, "restore_ban_ms")))
		return ret;
	c->kind = "fail_restore";
	REQUIRE(!vlr_param_set("max_restore_retries", retries) &&
		    !vlr_param_set("restore_ban_ms", ban_ms),
		"setting max_restore_retries/restore_ban_ms");
	if ((ret = start_stream(c, 0xb0)))
		return ret;
	if ((ret = dev_stats(c, &before, false)))
		return ret;
	REQUIRE(!(ret = fault_arm(fault_dir("fail_restore"), armed, false)),
		"arming fail_restore: %s", strerror(-ret));
	t0 = stress_now();
	ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
	REQUIRE(!ret, "the evicting allocation failed: %s", strerror(-ret));
	while (stress_now() - t0 < 15 + slack_s) {
		if (banned_mask(c)) {
			t_ban = stress_now() - t0;
			break;
		}
		usleep(5000);
	}
	fault_left(fault_dir("fail_restore"), &left);
	fault_disarm(fault_dir("fail_restore"));
	c->injected = armed - left;
	fig(c, "injected=%lld ban_after_s=%.3f", c->injected, t_ban);
	REQUIRE(t_ban >= 0, "not banned within %.0f s of failing restores (%lld failed)",
		15 + slack_s, c->injected);
	REQUIRE(c->injected >= retries, "banned after %lld failed restores, the rule says %lld",
		c->injected, retries);
	REQUIRE(t_ban >= ban_ms / 1e3 * 0.9,
		"banned %.3f s after the pressure began: sooner than "
		"restore_ban_ms=%lld",
		t_ban, ban_ms);
	if ((ret = assert_banned(c, 0, true)))
		return ret;
	if ((ret = dev_stats(c, &after, false)))
		return ret;
	fig(c, "restore_retries=+%llu bans=+%llu",
	    (unsigned long long)(after.restore_retries - before.restore_retries),
	    (unsigned long long)(after.bans - before.bans));
	REQUIRE(after.bans - before.bans == 1, "device bans grew by %llu, expected 1",
		(unsigned long long)(after.bans - before.bans));
	knobs_restore(SAVE_FILE);
	return device_works(c, "after");
}

/* The fail_preempt cases: the knobs they need, the timeout, two streams. */
static int fail_preempt_setup(struct fctx *c, long long timeout_ms, uint32_t seed)
{
	int ret;

	if ((ret = need_fault(c, "fail_preempt")) || (ret = need_param(c, "preempt_timeout_ms")))
		return ret;
	c->kind = "fail_preempt";
	REQUIRE(!vlr_param_set("preempt_timeout_ms", timeout_ms), "setting preempt_timeout_ms");
	if ((ret = start_stream(c, seed)) || (ret = start_stream(c, seed + 1)))
		return ret;
	return 0;
}

/*
 * fail-preempt: the queue ignores a preempt request. After
 * vlr.preempt_timeout_ms (set to 300) it is stopped and banned before the
 * eviction goes on (preempt-fence: before its preempt fence signals, with
 * -ETIME; open-coded: the synchronous suspend gives up, so the evicting
 * allocation returns with the queue banned already); the evicting allocation
 * completes within the timeout + slack (in preempt-fence mode it returns at
 * once: the move is a copy job behind the preempt fence), and a further one
 * does not hang; the other VM runs on, exact. User space sees no preempt
 * fence: in preempt-fence mode the test checks the ban's timing (not before
 * the timeout, within timeout + slack), not its order against the fence.
 */
static int case_fail_preempt(struct fctx *c)
{
	const long long timeout_ms = 300;
	const double t_out = timeout_ms / 1e3;
	double t0, t_alloc, t_ban = -1, t_next;
	long long left = 1;
	uint32_t banned, banned_at_return;
	int ret, victim;

	if ((ret = fail_preempt_setup(c, timeout_ms, 0xa0)))
		return ret;
	REQUIRE(!(ret = fault_arm(fault_dir("fail_preempt"), 1, false)), "arming fail_preempt: %s",
		strerror(-ret));
	t0 = stress_now();
	ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
	t_alloc = stress_now() - t0;
	banned_at_return = banned_mask(c);
	REQUIRE(!ret, "the evicting allocation failed after %.2f s: %s", t_alloc, strerror(-ret));
	/* The ban comes after the timeout (preempt-fence: after the allocation). */
	while (stress_now() - t0 < t_out + slack_s) {
		banned = banned_mask(c);
		fault_left(fault_dir("fail_preempt"), &left);
		if (banned && t_ban < 0)
			t_ban = stress_now() - t0;
		if (banned && !left)
			break;
		usleep(2000);
	}
	banned = banned_mask(c);
	fault_disarm(fault_dir("fail_preempt"));
	c->injected = 1 - left;
	fig(c, "injected=%lld alloc_s=%.3f ban_s=%.3f preempt_timeout_ms=%lld", c->injected,
	    t_alloc, t_ban, timeout_ms);
	REQUIRE(c->injected == 1,
		"no preempt request was ignored within %.1f s (fail_preempt never fired)",
		t_out + slack_s);
	REQUIRE(t_alloc <= t_out + slack_s,
		"the evicting allocation took %.2f s (preempt timeout %lld ms + slack %.1f s)",
		t_alloc, timeout_ms, slack_s);
	victim = only_bit(banned);
	REQUIRE(victim >= 0,
		"%.1f s after the evicting allocation began, banned queues were mask %#x, expected "
		"exactly the one that ignored its preemption",
		t_out + slack_s, banned);
	fig(c, "victim=stream%d", victim);
	REQUIRE(t_ban >= t_out * 0.9,
		"the queue was banned %.3f s after the eviction began, before "
		"its %lld ms preempt timeout",
		t_ban, timeout_ms);
	if (c->mode == DRM_VLR_MODE_OPEN_CODED) {
		/* The synchronous suspend gave up and banned before the move went on. */
		REQUIRE(banned_at_return == banned,
			"the evicting allocation returned after %.3f s with banned mask %#x, "
			"expected %#x already",
			t_alloc, banned_at_return, banned);
		REQUIRE(t_alloc >= t_out * 0.9,
			"the synchronous suspend gave up after %.3f s, before the %lld ms timeout",
			t_alloc, timeout_ms);
	}
	/* The evicting side never hangs: one more VRAM's worth of allocations. */
	t_next = stress_now();
	ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);
	t_next = stress_now() - t_next;
	fig(c, "next_alloc_s=%.3f", t_next);
	REQUIRE(!ret && t_next <= t_out + slack_s,
		"an allocation after the ban: %s after %.2f s (bound %.1f s)", strerror(-ret),
		t_next, t_out + slack_s);
	if ((ret = assert_banned(c, victim, false)))
		return ret;
	return assert_intact(c, !victim, "bystander");
}

/*
 * ufence-bounded: WAIT_UFENCE honours its timeout while an eviction holds
 * the VM's reservation. With fail_preempt, the open-coded synchronous
 * suspend holds the evicted BO's lock (the VM's, for a VM-private BO) for
 * vlr.preempt_timeout_ms (set to 2000). A user fence in a VM-private system
 * BO of each stream's VM is polled with a 20 ms timeout meanwhile: every
 * wait must return -ETIME within 1 s (half the suspend). Before the fix one sat the
 * whole suspend out (the fuzzer's seed 6: "WAIT_UFENCE with a 0.011 s
 * timeout returned Success after 9.711 s"). In preempt-fence mode the
 * eviction holds the lock only to queue its copy; the case checks the same.
 */
static int case_ufence_bounded(struct fctx *c)
{
	const long long timeout_ms = 2000;
	const uint64_t fence_addr = 0x200000;
	uint32_t bo[2] = {0, 0};
	double t0, worst = 0, alloc_s = -1;
	long long left = 1;
	unsigned int waits = 0;
	int ret, status;
	pid_t pid;

	if ((ret = fail_preempt_setup(c, timeout_ms, 0xb0)))
		return ret;
	for (int i = 0; i < 2; i++) {
		REQUIRE(!(ret = vlr_bo_create(c->fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, c->st[i].vm,
					      &bo[i])),
			"GEM_CREATE of the fence BO in VM %u: %s", c->st[i].vm, strerror(-ret));
		REQUIRE(!(ret = vlr_bind(c->fd, c->st[i].vm, bo[i], 0, fence_addr, 4096)),
			"binding the fence BO: %s", strerror(-ret));
	}
	REQUIRE(!(ret = fault_arm(fault_dir("fail_preempt"), 1, false)), "arming fail_preempt: %s",
		strerror(-ret));
	t0 = stress_now();
	pid = fork();
	REQUIRE(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(vlr_pressure(c->fd, c->info.vram_size, 8 * MiB) ? 1 : 0);
	/* Poll both fences until the evicting allocation is back. */
	for (;;) {
		for (int i = 0; i < 2; i++) {
			int64_t timeout = 20000000;
			double w0 = stress_now(), dt;

			ret = __vlr_wait_ufence(c->fd, c->st[i].vm, fence_addr,
						DRM_VLR_UFENCE_OP_EQ, 1, 0, &timeout);
			dt = stress_now() - w0;
			waits++;
			if (dt > worst)
				worst = dt;
			if (ret != -ETIME) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				fault_disarm(fault_dir("fail_preempt"));
				return why(c, CASE_FAIL,
					   "WAIT_UFENCE (20 ms) on VM %u: %d (%s) after %.3f s, "
					   "expected -ETIME",
					   c->st[i].vm, ret, strerror(-ret), dt);
			}
		}
		if (alloc_s < 0 && waitpid(pid, &status, WNOHANG) == pid)
			alloc_s = stress_now() - t0;
		/* Preempt-fence mode: the fence's worker times out after the allocation. */
		if (alloc_s >= 0 && stress_now() - t0 > timeout_ms / 1e3 + 0.5)
			break;
		if (alloc_s < 0 && stress_now() - t0 > timeout_ms / 1e3 + 2 * slack_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	fault_left(fault_dir("fail_preempt"), &left);
	fault_disarm(fault_dir("fail_preempt"));
	c->injected = 1 - left;
	fig(c, "injected=%lld waits=%u worst_wait_s=%.3f alloc_s=%.3f preempt_timeout_ms=%lld",
	    c->injected, waits, worst, alloc_s, timeout_ms);
	REQUIRE(alloc_s >= 0, "the evicting allocation did not return within %.1f s",
		timeout_ms / 1e3 + 2 * slack_s);
	REQUIRE(WIFEXITED(status) && !WEXITSTATUS(status), "the evicting allocation failed");
	REQUIRE(c->injected == 1, "fail_preempt never fired");
	REQUIRE(worst <= 1.0,
		"a WAIT_UFENCE with a 20 ms timeout took %.3f s while the eviction held the VM "
		"(preempt timeout %lld ms)",
		worst, timeout_ms);
	for (int i = 0; i < 2; i++) {
		vlr_unbind(c->fd, c->st[i].vm, fence_addr, 4096);
		vlr_bo_close(c->fd, bo[i]);
	}
	return 0;
}

/* Median restore latency (us) of the samples that brought bytes back. */
static double restore_median_us(const struct drm_vlr_stats *s)
{
	__u64 v[DRM_VLR_STATS_SAMPLES];
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->restore_samples && i < DRM_VLR_STATS_SAMPLES; i++)
		if (s->restore_bytes[i])
			v[n++] = s->restore_lat_ns[i];
	return n ? vlr_median(v, n) / 1e3 : -1;
}

static int pressure_rounds(struct fctx *c, int rounds)
{
	for (int r = 0; r < rounds; r++) {
		uint64_t p = *c->st[0].progress;
		int ret = vlr_pressure(c->fd, c->info.vram_size, 8 * MiB);

		REQUIRE(!ret, "round %d: the evicting allocation failed: %s", r, strerror(-ret));
		if (vlr_stream_wait_progress(&c->st[0], p, 30 + slack_s))
			return why(c, CASE_FAIL, "round %d: the stream did not run again", r);
	}
	return 0;
}

/*
 * copy-delay: a slow copy engine (vlr.copy_delay_us per copy job): restores
 * take longer than the delay, the data stays exact.
 */
static int case_copy_delay(struct fctx *c)
{
	const long long delay_us = 10000;
	struct drm_vlr_stats s;
	double base_us, slow_us;
	uint64_t bad;
	int ret;

	if ((ret = need_param(c, "copy_delay_us")))
		return ret;
	c->kind = "copy_delay";
	if ((ret = start_stream(c, 0x90)))
		return ret;
	if ((ret = dev_stats(c, &s, true)) || (ret = pressure_rounds(c, 3)) ||
	    (ret = dev_stats(c, &s, true)))
		return ret;
	base_us = restore_median_us(&s);
	REQUIRE(!vlr_param_set("copy_delay_us", delay_us), "setting copy_delay_us");
	ret = pressure_rounds(c, 3);
	vlr_param_set("copy_delay_us", 0);
	if (ret || (ret = dev_stats(c, &s, true)))
		return ret;
	slow_us = restore_median_us(&s);
	c->injected = s.copy_jobs; /* copy jobs that ran slowed down */
	fig(c, "delay_us=%lld restore_median_us=%.0f->%.0f delayed_copies=%llu", delay_us, base_us,
	    slow_us, (unsigned long long)s.copy_jobs);
	REQUIRE(slow_us >= 0 && base_us >= 0, "no restore brought bytes back (no samples)");
	REQUIRE(slow_us >= delay_us * 0.9,
		"median restore took %.0f us with a %lld us copy delay: the delay was not applied",
		slow_us, delay_us);
	REQUIRE(!vlr_stream_checkpoint(&c->st[0], false, &bad), "checkpoint failed (see stderr)");
	REQUIRE(!bad, "%llu of %llu elements wrong after %llu passes", (unsigned long long)bad,
		(unsigned long long)(c->st[0].data_size / 4),
		(unsigned long long)vlr_stream_passes(&c->st[0]));
	fig(c, "passes=%llu verified_bytes=%llu", (unsigned long long)vlr_stream_passes(&c->st[0]),
	    (unsigned long long)c->st[0].data_size);
	return 0;
}

/* ---- allocation failures in every ioctl (failslab, fail_page_alloc) ---- */

/*
 * One ioctl under test with its preconditions. env() builds a VM with a
 * mapped control page, a system BO and a queue, outside fault injection;
 * op() is the call under test (0 or -errno); check() runs after a successful
 * op, again outside fault injection, and proves the call did what it says;
 * the environment and whatever op() created are torn down after each try.
 */
struct nenv {
	int fd, fd2;
	uint32_t vm, queue, ctl, sys, vram, vm2, queue2, bo2, handle;
	int dmabuf, newfd;
	volatile uint64_t *cpu; /* control page */
	uint32_t *sysmap;
	uint64_t seq;
};

#define N_CTL	   0x100000ull
#define N_SYS	   0x200000ull
#define N_VRAM	   0x400000ull
#define N_SYS_SIZE (64 * 1024ull)

struct nop {
	const char *name;
	bool no_env; /* run without the VM environment (SET_MODE needs no queue) */
	int (*setup)(struct nenv *e);
	int (*op)(struct nenv *e);
	int (*check)(struct nenv *e);
};

static int n_env(struct nenv *e, int fd)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->fd2 = e->dmabuf = e->newfd = -1;
	if (vlr_vm_create(fd, &e->vm) ||
	    vlr_bo_create(fd, 4096, DRM_VLR_GEM_CREATE_SYSTEM, 0, &e->ctl) ||
	    vlr_bo_create(fd, N_SYS_SIZE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &e->sys) ||
	    vlr_bind(fd, e->vm, e->ctl, 0, N_CTL, 4096) ||
	    vlr_bind(fd, e->vm, e->sys, 0, N_SYS, N_SYS_SIZE) ||
	    vlr_queue_create(fd, e->vm, &e->queue))
		return -1;
	e->cpu = vlr_bo_map(fd, e->ctl, 4096);
	e->sysmap = vlr_bo_map(fd, e->sys, N_SYS_SIZE);
	return e->cpu && e->sysmap ? 0 : -1;
}

static void n_teardown(struct nenv *e)
{
	if (e->cpu)
		munmap((void *)e->cpu, 4096);
	if (e->sysmap)
		munmap(e->sysmap, N_SYS_SIZE);
	if (e->queue2)
		vlr_queue_destroy(e->fd, e->queue2);
	if (e->queue)
		vlr_queue_destroy(e->fd, e->queue);
	if (e->vm2)
		vlr_vm_destroy(e->fd, e->vm2);
	if (e->vm)
		vlr_vm_destroy(e->fd, e->vm);
	uint32_t bos[] = {e->ctl, e->sys, e->vram, e->bo2, e->handle};

	for (size_t i = 0; i < sizeof(bos) / sizeof(bos[0]); i++)
		if (bos[i])
			vlr_bo_close(e->fd, bos[i]);
	if (e->dmabuf >= 0)
		close(e->dmabuf);
	if (e->fd2 >= 0)
		close(e->fd2);
	if (e->newfd >= 0)
		close(e->newfd);
}

/* A FILL job on @queue; its user fence (e->seq) written, wait for it. */
static int n_fill(struct nenv *e, uint32_t queue, uint64_t dst, uint32_t value)
{
	struct drm_vlr_exec x = {
	    .queue_id = queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = dst,
	    .len = 4096,
	    .value = value,
	    .ufence_addr = N_CTL + 64,
	    .ufence_value = ++e->seq,
	};
	int64_t timeout = 10000000000ll;
	int ret = vlr_exec(e->fd, &x);

	if (ret)
		return ret;
	return __vlr_wait_ufence_queue(e->fd, e->vm, queue, N_CTL + 64, DRM_VLR_UFENCE_OP_EQ,
				       e->seq, 0, &timeout);
}

static int n_fill_ok(struct nenv *e, uint32_t queue)
{
	uint32_t v = 0x5eed0000 + (uint32_t)e->seq;

	if (n_fill(e, queue, N_SYS, v))
		return -1;
	return e->sysmap[0] == v && e->sysmap[1023] == v ? 0 : -1;
}

static int op_get_info(struct nenv *e)
{
	struct drm_vlr_get_info i;

	return __vlr_get_info(e->fd, &i);
}
static int op_vm_create(struct nenv *e)
{
	return vlr_vm_create(e->fd, &e->vm2);
}
static int chk_vm2(struct nenv *e)
{
	return vlr_queue_create(e->fd, e->vm2, &e->queue2);
}
static int setup_vm2(struct nenv *e)
{
	int ret = vlr_vm_create(e->fd, &e->vm2);

	if (!ret)
		ret = vlr_bo_create(e->fd, 1 * MiB, 0, e->vm2, &e->bo2);
	if (!ret)
		ret = vlr_bind(e->fd, e->vm2, e->bo2, 0, N_VRAM, 1 * MiB);
	if (!ret)
		ret = vlr_queue_create(e->fd, e->vm2, &e->queue2);
	return ret;
}
static int op_vm_destroy(struct nenv *e)
{
	int ret = vlr_vm_destroy(e->fd, e->vm2);

	if (!ret)
		e->vm2 = e->queue2 = 0; /* the queue went with it */
	return ret;
}
static int op_gem_create_vram(struct nenv *e)
{
	return vlr_bo_create(e->fd, 1 * MiB, 0, e->vm, &e->handle);
}
static int op_gem_create_sys(struct nenv *e)
{
	return vlr_bo_create(e->fd, 64 * 1024, DRM_VLR_GEM_CREATE_SYSTEM, 0, &e->handle);
}
static int chk_bind_handle(struct nenv *e)
{
	return vlr_bind(e->fd, e->vm, e->handle, 0, N_VRAM, 64 * 1024);
}
static int setup_sys_bo(struct nenv *e)
{
	return vlr_bo_create(e->fd, 64 * 1024, DRM_VLR_GEM_CREATE_SYSTEM, 0, &e->handle);
}
static int setup_vram_bo(struct nenv *e)
{
	return vlr_bo_create(e->fd, 1 * MiB, 0, 0, &e->handle);
}
static int op_gem_close(struct nenv *e)
{
	int ret = vlr_bo_close(e->fd, e->handle);

	if (!ret)
		e->handle = 0;
	return ret;
}
static int op_mmap_offset(struct nenv *e)
{
	uint64_t off;

	return __vlr_mmap_offset(e->fd, e->handle, &off);
}
static int op_bind_vram(struct nenv *e)
{
	return vlr_bind(e->fd, e->vm, e->handle, 0, N_VRAM, 1 * MiB);
}
static int chk_bind_vram(struct nenv *e)
{
	/* FILL the VRAM mapping, COPY it into the system BO, read it. */
	struct drm_vlr_exec x = {.queue_id = e->queue,
				 .program = DRM_VLR_PROG_FILL,
				 .dst = N_VRAM,
				 .len = 4096,
				 .value = 0xabcd1234};
	struct drm_vlr_exec y = {.queue_id = e->queue,
				 .program = DRM_VLR_PROG_COPY,
				 .src = N_VRAM,
				 .dst = N_SYS,
				 .len = 4096,
				 .ufence_addr = N_CTL + 72,
				 .ufence_value = ++e->seq};
	int64_t timeout = 10000000000ll;

	if (vlr_exec(e->fd, &x) || vlr_exec(e->fd, &y) ||
	    __vlr_wait_ufence_queue(e->fd, e->vm, e->queue, N_CTL + 72, DRM_VLR_UFENCE_OP_EQ,
				    e->seq, 0, &timeout))
		return -1;
	return e->sysmap[0] == 0xabcd1234 && e->sysmap[1023] == 0xabcd1234 ? 0 : -1;
}
static int setup_bound(struct nenv *e)
{
	int ret = setup_vram_bo(e);

	return ret ? ret : op_bind_vram(e);
}
static int op_unbind(struct nenv *e)
{
	return vlr_unbind(e->fd, e->vm, N_VRAM, 1 * MiB);
}
static int chk_unbind(struct nenv *e)
{
	/* The range is free again. */
	return op_bind_vram(e);
}
static int op_queue_create(struct nenv *e)
{
	return vlr_queue_create(e->fd, e->vm, &e->queue2);
}
static int chk_queue2(struct nenv *e)
{
	return n_fill_ok(e, e->queue2);
}
static int setup_queue2(struct nenv *e)
{
	return vlr_queue_create(e->fd, e->vm, &e->queue2);
}
static int op_queue_destroy(struct nenv *e)
{
	int ret = vlr_queue_destroy(e->fd, e->queue2);

	if (!ret)
		e->queue2 = 0;
	return ret;
}
static int op_exec_fill(struct nenv *e)
{
	struct drm_vlr_exec x = {
	    .queue_id = e->queue,
	    .program = DRM_VLR_PROG_FILL,
	    .dst = N_SYS,
	    .len = 4096,
	    .value = 0x0f0f0f0f,
	    .ufence_addr = N_CTL + 64,
	    .ufence_value = ++e->seq,
	};

	return vlr_exec(e->fd, &x);
}
static int chk_exec_fill(struct nenv *e)
{
	int64_t timeout = 10000000000ll;

	if (__vlr_wait_ufence_queue(e->fd, e->vm, e->queue, N_CTL + 64, DRM_VLR_UFENCE_OP_EQ,
				    e->seq, 0, &timeout))
		return -1;
	return e->sysmap[0] == 0x0f0f0f0f && e->sysmap[1023] == 0x0f0f0f0f ? 0 : -1;
}
static int op_exec_stream(struct nenv *e)
{
	struct drm_vlr_exec x = {
	    .queue_id = e->queue,
	    .program = DRM_VLR_PROG_STREAM,
	    .dst = N_SYS,
	    .len = 4096,
	    .progress_addr = N_CTL,
	    .stop_addr = N_CTL + 8,
	    .ufence_addr = N_CTL + 64,
	    .ufence_value = ++e->seq,
	};

	return vlr_exec(e->fd, &x);
}
static int chk_exec_stream(struct nenv *e)
{
	int64_t timeout = 10000000000ll;
	double t0 = stress_now();

	while (e->cpu[0] == 0 && stress_now() - t0 < 10)
		usleep(1000);
	e->cpu[1] = 1; /* stop flag (u32 at +8) */
	if (!e->cpu[0])
		return -1;
	return __vlr_wait_ufence_queue(e->fd, e->vm, e->queue, N_CTL + 64, DRM_VLR_UFENCE_OP_EQ,
				       e->seq, 0, &timeout);
}
static int setup_done_job(struct nenv *e)
{
	return n_fill_ok(e, e->queue);
}
static int op_wait(struct nenv *e)
{
	int64_t timeout = 1000000000ll;

	return __vlr_wait_ufence_queue(e->fd, e->vm, e->queue, N_CTL + 64, DRM_VLR_UFENCE_OP_EQ,
				       e->seq, 0, &timeout);
}
static int op_stats(struct nenv *e)
{
	struct drm_vlr_stats s;

	return vlr_get_stats(e->fd, e->queue, false, &s);
}
static uint32_t n_mode;
static int op_set_mode(struct nenv *e)
{
	return vlr_set_mode(e->fd, n_mode);
}
static int op_prime_export(struct nenv *e)
{
	return __vlr_prime_export(e->fd, e->handle, &e->dmabuf);
}
static int setup_exported(struct nenv *e)
{
	int ret = setup_vram_bo(e);

	if (!ret)
		ret = __vlr_prime_export(e->fd, e->handle, &e->dmabuf);
	if (!ret && (e->fd2 = vlr_open()) < 0)
		ret = -ENODEV;
	return ret;
}
static int op_prime_import(struct nenv *e)
{
	uint32_t h;

	return __vlr_prime_import(e->fd2, e->dmabuf, &h);
}
/* The vlr render node's path, found outside fault injection. */
static char render_path[64];

static int find_render_path(void)
{
	char link[64];
	int fd = vlr_open_render();

	if (fd < 0)
		return -ENODEV;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, render_path, sizeof(render_path) - 1);
	close(fd);
	if (n <= 0)
		return -errno;
	render_path[n] = 0;
	return 0;
}

static int op_open(struct nenv *e)
{
	e->newfd = open(render_path, O_RDWR | O_CLOEXEC);
	return e->newfd < 0 ? -errno : 0;
}
static int chk_open(struct nenv *e)
{
	struct drm_vlr_get_info i;

	return __vlr_get_info(e->newfd, &i);
}
static int setup_busy_file(struct nenv *e)
{
	uint32_t vm, q, bo;
	int fd = vlr_open_render();

	if (fd < 0)
		return -ENODEV;
	e->newfd = fd;
	if (vlr_vm_create(fd, &vm) || vlr_bo_create(fd, 1 * MiB, 0, vm, &bo) ||
	    vlr_bind(fd, vm, bo, 0, N_VRAM, 1 * MiB) || vlr_queue_create(fd, vm, &q))
		return -EIO;
	struct drm_vlr_exec x = {
	    .queue_id = q, .program = DRM_VLR_PROG_FILL, .dst = N_VRAM, .len = 1 * MiB, .value = 7};
	return vlr_exec(fd, &x);
}
static int op_close(struct nenv *e)
{
	int ret = close(e->newfd) ? -errno : 0;

	e->newfd = -1;
	return ret;
}

static const struct nop nops[] = {
    {"get-info", false, NULL, op_get_info, NULL},
    {"vm-create", false, NULL, op_vm_create, chk_vm2},
    {"vm-destroy-busy", false, setup_vm2, op_vm_destroy, NULL},
    {"gem-create-vram", false, NULL, op_gem_create_vram, NULL},
    {"gem-create-system", false, NULL, op_gem_create_sys, chk_bind_handle},
    {"gem-mmap-offset", false, setup_sys_bo, op_mmap_offset, NULL},
    {"gem-close", false, setup_vram_bo, op_gem_close, NULL},
    {"vm-bind-vram", false, setup_vram_bo, op_bind_vram, chk_bind_vram},
    {"vm-unbind", false, setup_bound, op_unbind, chk_unbind},
    {"queue-create", false, NULL, op_queue_create, chk_queue2},
    {"queue-destroy", false, setup_queue2, op_queue_destroy, NULL},
    {"exec-fill", false, NULL, op_exec_fill, chk_exec_fill},
    {"exec-stream", false, NULL, op_exec_stream, chk_exec_stream},
    {"wait-ufence", false, setup_done_job, op_wait, NULL},
    {"get-stats", false, NULL, op_stats, NULL},
    {"prime-export", false, setup_vram_bo, op_prime_export, NULL},
    {"prime-import", false, setup_exported, op_prime_import, NULL},
    {"set-mode", true, NULL, op_set_mode, NULL},
    {"open", true, NULL, op_open, chk_open},
    {"close-busy", true, setup_busy_file, op_close, NULL},
};

/* Errors an ioctl may answer when the kernel could not allocate. */
static bool alloc_errno_ok(int ret)
{
	return ret == -ENOMEM || ret == -ENOSPC || ret == -EAGAIN || ret == -EINTR;
}

static int nth_fd = -1;

static int nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* Whether the armed fault fired (fail-nth reads 0 then); disarms it. */
static bool nth_fired(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return false;
	nth_arm(0);
	return atoi(buf) == 0;
}

/*
 * Fail the 1st, 2nd, ... allocation of each op until the op no longer
 * reaches the armed allocation, with only @dir's fault point counting
 * GFP_KERNEL allocations (failslab: slab; fail_page_alloc: pages).
 */
static int nth_matrix(struct fctx *c, const char *dir, int kind)
{
	const unsigned int max_nth = 300;
	unsigned long long tries = 0, failed_ok = 0, succeeded = 0, points = 0, capped = 0;
	char path[256], bad[256] = "";
	int ret;

	snprintf(path, sizeof(path), "%s/ignore-gfp-wait", dir);
	REQUIRE(!knob_set(path, "N"), "%s: ignore-gfp-wait=N", dir);
	if (kind == 1) {
		snprintf(path, sizeof(path), "%s/min-order", dir);
		REQUIRE(!knob_set(path, "0"), "%s: min-order=0", dir);
		snprintf(path, sizeof(path), "%s/ignore-gfp-highmem", dir);
		knob_set(path, "N");
	}
	snprintf(path, sizeof(path), "%s/verbose", dir);
	knob_set(path, "0"); /* verbose 2 dumps a stack: a splat to the log checker */
	n_mode = c->mode;

	for (size_t i = 0; i < sizeof(nops) / sizeof(nops[0]); i++) {
		const struct nop *o = &nops[i];
		unsigned int nth;

		for (nth = 1; nth <= max_nth; nth++) {
			struct nenv e;
			bool fired;

			if (o->no_env) {
				memset(&e, 0, sizeof(e));
				e.fd = c->fd;
				e.fd2 = e.dmabuf = e.newfd = -1;
			} else if (n_env(&e, c->fd)) {
				n_teardown(&e);
				return why(c, CASE_FAIL, "%s: setting up the environment failed",
					   o->name);
			}
			if (o->setup && (ret = o->setup(&e))) {
				n_teardown(&e);
				return why(c, CASE_FAIL, "%s: setup failed: %s", o->name,
					   strerror(-ret));
			}
			REQUIRE(!nth_arm(nth), "writing fail-nth: %s", strerror(errno));
			ret = o->op(&e);
			fired = nth_fired();
			tries++;
			if (fired) {
				c->kinds_injected[kind]++;
				points++;
			}
			if (ret && !alloc_errno_ok(ret) && !bad[0])
				snprintf(bad, sizeof(bad),
					 "%s with allocation %u failing answered %d (%s), not an "
					 "out-of-memory errno",
					 o->name, nth, ret, strerror(-ret));
			if (ret && fired)
				failed_ok++;
			if (!ret) {
				succeeded++;
				if (o->check && o->check(&e) && !bad[0])
					snprintf(bad, sizeof(bad),
						 "%s succeeded with allocation %u failing, but its "
						 "effect is missing",
						 o->name, nth);
			}
			n_teardown(&e);
			if (!fired)
				break;
		}
		if (nth > max_nth)
			capped++;
	}
	fig(c,
	    "%s: ops=%zu tries=%llu injected=%llu errno_answers=%llu successes=%llu "
	    "capped_ops=%llu",
	    kind ? "fail_page_alloc" : "failslab", sizeof(nops) / sizeof(nops[0]), tries, points,
	    failed_ok, succeeded, capped);
	REQUIRE(!bad[0], "%s", bad);
	return 0;
}

static int need_nth(struct fctx *c, const char *dir, const char *config)
{
	if (!path_exists(dir))
		return why(c, CASE_SKIP, "kernel lacks %s (no %s: %s)", config, dir, config);
	if (nth_fd < 0)
		nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		return why(c, CASE_SKIP,
			   "kernel lacks /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	if (!render_path[0] && find_render_path())
		return why(c, CASE_FAIL, "cannot find the path of the vlr render node");
	return 0;
}

/*
 * A random phase after the systematic one: @dir fails 1 in 8 allocations of
 * this task (task-filter + make-it-fail) through object lifecycles; every
 * ioctl answers 0 or an out-of-memory errno, and what it created is usable.
 */
static int random_phase(struct fctx *c, const char *dir, int kind)
{
	const long long armed = 1000000;
	int mif = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	long long left = armed;
	char path[256], bad[200] = "";
	unsigned long long calls = 0;

	if (mif < 0)
		return 0; /* fail-nth covered it; make-it-fail is optional */
	REQUIRE(!fault_arm(dir, armed, true), "arming %s", dir);
	snprintf(path, sizeof(path), "%s/probability", dir);
	knob_set(path, "12");
	for (int round = 0; round < 40 && !bad[0]; round++) {
		struct nenv e;
		int rets[8], n = 0;

		memset(&e, 0, sizeof(e));
		e.fd = c->fd;
		e.fd2 = e.dmabuf = e.newfd = -1;
		if (pwrite(mif, "1", 1, 0) != 1)
			break;
		rets[n++] = vlr_vm_create(c->fd, &e.vm);
		rets[n++] = vlr_bo_create(c->fd, 1 * MiB, 0, e.vm, &e.handle);
		rets[n++] = vlr_bo_create(c->fd, N_SYS_SIZE, DRM_VLR_GEM_CREATE_SYSTEM, 0, &e.sys);
		rets[n++] =
		    e.vm && e.handle ? vlr_bind(c->fd, e.vm, e.handle, 0, N_VRAM, 1 * MiB) : 0;
		rets[n++] = e.vm ? vlr_queue_create(c->fd, e.vm, &e.queue) : 0;
		rets[n++] = e.vm ? vlr_vm_destroy(c->fd, e.vm) : 0;
		pwrite(mif, "0", 1, 0);
		if (!rets[n - 1])
			e.vm = e.queue = 0;
		calls += n;
		for (int i = 0; i < n; i++)
			if (rets[i] && !alloc_errno_ok(rets[i]))
				snprintf(bad, sizeof(bad),
					 "random phase: call %d of a lifecycle answered %d (%s)", i,
					 rets[i], strerror(-rets[i]));
		n_teardown(&e);
	}
	close(mif);
	fault_left(dir, &left);
	fault_disarm(dir);
	c->kinds_injected[kind] += armed - left;
	fig(c, "random_calls=%llu random_injected=%lld", calls, armed - left);
	REQUIRE(!bad[0], "%s", bad);
	return 0;
}

static int case_alloc_faults(struct fctx *c, const char *dir, int kind, const char *config)
{
	int ret;

	if ((ret = need_nth(c, dir, config)))
		return ret;
	c->kind = kind ? "fail_page_alloc" : "failslab";
	ret = nth_matrix(c, dir, kind);
	if (!ret)
		ret = random_phase(c, dir, kind);
	knobs_restore(SAVE_FILE);
	c->injected = c->kinds_injected[kind];
	if (ret)
		return ret;
	/* The device works afterwards: a never-ending job through eviction, exact. */
	return device_works(c, "after");
}

static int case_failslab(struct fctx *c)
{
	return case_alloc_faults(c, FAILSLAB_DIR, 0, "CONFIG_FAILSLAB");
}

static int case_fail_page_alloc(struct fctx *c)
{
	return case_alloc_faults(c, FAIL_PAGE_DIR, 1, "CONFIG_FAIL_PAGE_ALLOC");
}

static const struct fcase {
	const char *name;
	int (*run)(struct fctx *c);
	const char *desc;
} cases[] = {
    {"fail-copy", case_fail_copy, "a restore's copy fails: that VM banned, the other runs, exact"},
    {"fail-restore", case_fail_restore, "restore validation fails < max retries: retried, exact"},
    {"fail-restore-ban", case_fail_restore_ban,
     "every restore fails: banned after max_restore_retries over restore_ban_ms"},
    {"fail-preempt", case_fail_preempt,
     "a queue ignores preemption: banned after preempt_timeout_ms, eviction goes on"},
    {"ufence-bounded", case_ufence_bounded,
     "WAIT_UFENCE keeps its timeout while an eviction holds the VM's lock"},
    {"copy-delay", case_copy_delay, "a slow copy engine: restores slower, data exact"},
    {"failslab", case_failslab, "every slab allocation of every ioctl fails once: errno, no leak"},
    {"fail-page-alloc", case_fail_page_alloc,
     "every page allocation of every ioctl fails once: errno, no leak"},
};

static const char *status_name(int rc)
{
	return rc == CASE_PASS ? "pass" : rc == CASE_SKIP ? "skip" : "fail";
}

struct result {
	const char *name;
	uint32_t mode;
	int rc;
	double seconds;
	char why[512], figs[768];
	const char *kind;
	long long injected, kinds_injected[2];
};

static int run_case(const struct fcase *fc, uint32_t mode, struct result *r)
{
	struct fctx c;
	double t0 = stress_now();
	int ret;

	memset(&c, 0, sizeof(c));
	memset(r, 0, sizeof(*r));
	c.mode = mode;
	r->name = fc->name;
	r->mode = mode;
	c.fd = vlr_open();
	if (c.fd < 0) {
		ret = why(&c, CASE_SKIP, "no vlr render node");
		goto out;
	}
	if (geteuid()) {
		ret = why(&c, CASE_SKIP, "needs root (debugfs and module parameters)");
		goto close;
	}
	if ((ret = __vlr_get_info(c.fd, &c.info))) {
		ret = why(&c, CASE_FAIL, "GET_INFO: %s", strerror(-ret));
		goto close;
	}
	if ((ret = vlr_set_mode(c.fd, mode))) {
		ret = why(&c, CASE_FAIL, "SET_MODE %s: %s", vlr_mode_name(mode), strerror(-ret));
		goto close;
	}
	if (knobs_save(SAVE_FILE)) {
		ret = why(&c, CASE_FAIL, "cannot save the knobs to %s", SAVE_FILE);
		goto close;
	}
	ret = fc->run(&c);
	if (knobs_restore(SAVE_FILE) && ret != CASE_SKIP) {
		if (!ret)
			why(&c, CASE_FAIL, "putting the knobs back from %s failed", SAVE_FILE);
		ret = CASE_FAIL;
	}
	for (unsigned int i = 0; i < c.nst; i++)
		vlr_stream_fini(&c.st[i]);
close:
	close(c.fd);
out:
	r->rc = ret;
	r->seconds = stress_now() - t0;
	snprintf(r->why, sizeof(r->why), "%s", c.why);
	snprintf(r->figs, sizeof(r->figs), "%s", c.figs);
	r->kind = c.kind;
	r->injected = c.injected;
	r->kinds_injected[0] = c.kinds_injected[0];
	r->kinds_injected[1] = c.kinds_injected[1];
	printf("%s@%s %s %s%s%s (%.1f s)\n", r->name, vlr_mode_name(mode), status_name(ret), r->why,
	       r->why[0] && r->figs[0] ? "; " : "", r->figs, r->seconds);
	return ret;
}

static int write_json(const char *path, const struct result *res, unsigned int n)
{
	FILE *f = json_open(path);
	struct jw w;

	if (!f)
		return -1;
	jw_begin(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, "tool", "vlr-faults");
	jw_arr(&w, "cases");
	for (unsigned int i = 0; i < n; i++) {
		const struct result *r = &res[i];

		jw_obj(&w, NULL);
		jw_str(&w, "name", r->name);
		jw_str(&w, "mode", vlr_mode_name(r->mode));
		jw_str(&w, "status", status_name(r->rc));
		jw_str(&w, "reason", r->why);
		jw_str(&w, "figures", r->figs);
		jw_num(&w, "seconds", r->seconds);
		jw_obj(&w, "injected");
		if (r->kind && strcmp(r->kind, "failslab") && strcmp(r->kind, "fail_page_alloc"))
			jw_int(&w, r->kind, r->injected);
		if (r->kinds_injected[0])
			jw_int(&w, "failslab", r->kinds_injected[0]);
		if (r->kinds_injected[1])
			jw_int(&w, "fail_page_alloc", r->kinds_injected[1]);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return json_commit(f, path);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vlr-faults --list\n"
		   "       vlr-faults [--mode preempt-fence|open-coded|both] [--slack S] "
		   "[--json FILE] [CASE[@MODE]...]\n"
		   "       vlr-faults --reset\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"list", no_argument, NULL, 'l'},
	    {"mode", required_argument, NULL, 'm'},
	    {"slack", required_argument, NULL, 's'},
	    {"json", required_argument, NULL, 'j'},
	    {"reset", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct result res[2 * sizeof(cases) / sizeof(cases[0])];
	unsigned int n = 0, failed = 0, skipped = 0;
	const char *json = NULL;
	int mode = -1, c;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			for (size_t i = 0; i < ncases; i++)
				printf("%s@mode\t%s\n", cases[i].name, cases[i].desc);
			return 0;
		case 'm':
			if (!strcmp(optarg, "preempt-fence"))
				mode = DRM_VLR_MODE_PREEMPT_FENCE;
			else if (!strcmp(optarg, "open-coded"))
				mode = DRM_VLR_MODE_OPEN_CODED;
			else if (!strcmp(optarg, "both"))
				mode = -1;
			else {
				fprintf(stderr, "vlr-faults: unknown mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			slack_s = strtod(optarg, &end);
			if (*end || slack_s < 0) {
				fprintf(stderr, "vlr-faults: --slack needs seconds >= 0\n");
				return 2;
			}
			break;
		case 'j':
			json = optarg;
			break;
		case 'r':
			if (knobs_restore(SAVE_FILE)) {
				fprintf(stderr, "vlr-faults: --reset: some knobs could not be put "
						"back (see above)\n");
				return 1;
			}
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}

	/* Selected cases: all, or NAME / NAME@MODE arguments. */
	for (size_t i = 0; i < ncases; i++) {
		for (uint32_t m = DRM_VLR_MODE_PREEMPT_FENCE; m <= DRM_VLR_MODE_OPEN_CODED; m++) {
			bool want = optind == argc && (mode < 0 || (uint32_t)mode == m);

			for (int a = optind; a < argc && !want; a++) {
				char name[128];
				char *at;

				snprintf(name, sizeof(name), "%s", argv[a]);
				at = strchr(name, '@');
				if (at)
					*at++ = 0;
				if (strcmp(name, cases[i].name))
					continue;
				if (at ? !strcmp(at, vlr_mode_name(m))
				       : mode < 0 || (uint32_t)mode == m)
					want = true;
			}
			if (!want)
				continue;
			c = run_case(&cases[i], m, &res[n]);
			failed += c == CASE_FAIL;
			skipped += c == CASE_SKIP;
			n++;
			if (json && write_json(json, res, n))
				failed++;
		}
	}
	if (!n) {
		fprintf(stderr, "vlr-faults: no case matches (see --list)\n");
		return 2;
	}
	if (failed)
		return 1;
	return skipped == n ? VLR_SKIP : 0;
}
