/* SPDX-License-Identifier: MIT */
/*
 * Restore critical path: the vlr trace parser (ktrace.c) and the per-restore
 * breakdown (breakdown.c) on excerpts of real traces (tests/unit/data/,
 * recorded in UML) with stage values computed by hand from the lines, and
 * on crafted traces: lost events, a failed pass before the resuming one, a
 * restore without copies, unknown events, malformed lines; the tracefs
 * control on a fake tracefs directory.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "breakdown.h"
#include "ktrace.h"
#include "metric_table.h"

#define US 1000ull /* ns */

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	const char *dir = getenv("LR_UNIT_DATA");
	FILE *f;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "tests/unit/data", name);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void parse_file(struct lr_kt_parse *p, const char *name)
{
	size_t len;
	char *t = slurp(name, &len);

	lr_kt_parse_init(p);
	lr_kt_parse_text(p, t, len);
	free(t);
}

static void parse_str(struct lr_kt_parse *p, const char *text)
{
	lr_kt_parse_init(p);
	lr_kt_parse_text(p, text, strlen(text));
}

static struct lr_bd_filter filter(uint64_t client, unsigned n, const uint32_t (*vq)[2])
{
	struct lr_bd_filter f = {.n = n};

	for (unsigned i = 0; i < n; i++)
		f.q[i] = (struct lr_trace_id){.client = client, .vm = vq[i][0], .queue = vq[i][1]};
	return f;
}

/* the restore of @vm whose queue ran at @t_run_us */
static const struct lr_bd_restore *find(const struct lr_breakdown *bd, uint32_t vm,
					uint64_t t_run_ns)
{
	for (size_t i = 0; i < bd->n; i++)
		if (bd->r[i].vm == vm && bd->r[i].t_run == t_run_ns)
			return &bd->r[i];
	fail_msg("no restore of vm %u running at %llu ns", vm, (unsigned long long)t_run_ns);
	return NULL;
}

static void assert_stages(const struct lr_bd_restore *r, const uint64_t want[LR_BD_STAGES])
{
	for (unsigned s = 0; s < LR_BD_STAGES; s++) {
		if (r->stage_ns[s] != want[s])
			fail_msg("stage %s: %llu ns, expected %llu ns", lr_bd_stage_names[s],
				 (unsigned long long)r->stage_ns[s], (unsigned long long)want[s]);
	}
}

/* ---- parser ---- */

static void test_parse_line_fields(void **state)
{
	struct lr_kt_parse p;
	const struct lr_kt_event *e;

	(void)state;
	/* a task name with a space and dashes; nanosecond timestamp; no flags column */
	parse_str(&p,
		  "   my-proc name-1234 [001] 123.456789012: vlr_copy_queued: copy=3:607 "
		  "bytes=4194304 kind=to_vram client=4 vm=2\n"
		  "  vlr-engine-28      [000] ...2.     8.283762: vlr_queue_run: client=4 vm=1 "
		  "queue=1 restore_ns=6275328\n"
		  "  kw-15 [000] ...1. 8.280717: vlr_restore_end: client=4 vm=1 bytes=0 queues=0 "
		  "ret=-11\n");
	assert_int_equal(p.n, 3);
	assert_int_equal(p.malformed, 0);
	e = &p.ev[0];
	assert_int_equal(e->type, LR_KT_COPY_QUEUED);
	assert_int_equal(e->pid, 1234);
	assert_int_equal(e->t_ns, 123456789012ull);
	assert_int_equal(e->copy_ctx, 3);
	assert_int_equal(e->copy_seq, 607);
	assert_int_equal(e->bytes, 4194304);
	assert_int_equal(e->kind, LR_KT_TO_VRAM);
	assert_int_equal(e->client, 4);
	assert_int_equal(e->vm, 2);
	e = &p.ev[1];
	assert_int_equal(e->type, LR_KT_QUEUE_RUN);
	assert_int_equal(e->pid, 28);
	assert_int_equal(e->t_ns, 8283762000ull);
	assert_int_equal(e->ns, 6275328);
	assert_int_equal(e->queue, 1);
	e = &p.ev[2];
	assert_int_equal(e->ret, -11);
	assert_int_equal(e->queues, 0);
	lr_kt_parse_free(&p);
}

static void test_parse_header_and_lost(void **state)
{
	struct lr_kt_parse p;

	(void)state;
	parse_str(&p, "# entries-in-buffer/entries-written: 10/15   #P:2\n"
		      "CPU:1 [LOST 7 EVENTS]\n"
		      "##### CPU 1 buffer started ####\n");
	assert_true(p.have_entries);
	assert_int_equal(p.entries_in_buffer, 10);
	assert_int_equal(p.entries_written, 15);
	assert_int_equal(p.lost, 7);
	assert_int_equal(p.lost_markers, 1);
	assert_int_equal(lr_kt_parse_lost(&p), 12); /* 7 + (15 - 10) */
	lr_kt_parse_free(&p);
}

/* ---- real traces ---- */

/*
 * open-coded (UML, lrbench vlr-steady): the evict copy is queued after the
 * restore request, the pass waits for its copy itself and resumes the
 * queue before it ends. By hand from the excerpt:
 * run 2.046887 restore_ns 3309568 -> request 2.043577432;
 * own evict 3:16 done 2.043787; pass (pid 8) 2.044106 .. 2.046794, its copy
 * 3:18 done 2.045595 (before the end: clamped), resumed 2.046789 (before the
 * end: clamped).
 */
static void test_open_coded_excerpt(void **state)
{
	static const uint32_t job[][2] = {{1, 1}};
	struct lr_bd_filter f = filter(1, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const struct lr_bd_restore *r;
	const uint64_t r1[] = {209568, 319 * US, 2688 * US, 0, 0, 93 * US};
	const uint64_t r2[] = {202288, 125 * US, 505 * US, 0, 0, 12 * US};
	/* the engine over the excerpt: 7 copies, none a clear */
	const double bytes = 3 * 2686976.0 + 4 * 524288.0,
		     busy = 412928.0 + 84224 + 349440 + 73472 + 407040 + 78592 + 71168;

	(void)state;
	parse_file(&p, "vlr-trace-open-coded.txt");
	assert_int_equal(p.malformed, 0);
	assert_int_equal(lr_kt_parse_lost(&p), 0);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	/* the pressure buffer's restore (vm 3) is not the job's */
	assert_int_equal(bd.runs, 2);
	assert_int_equal(bd.n, 2);
	r = find(&bd, 1, 2046887000ull);
	assert_stages(r, r1);
	assert_int_equal(lr_bd_latency_ns(r), 3309568);
	assert_int_equal(r->evict_bytes, 524288);
	assert_int_equal(r->pass_bytes, 524288);
	assert_int_equal(r->failed_passes, 0);
	assert_true(fabs(bd.bandwidth_bps - bytes * 1e9 / busy) < 1);
	assert_true(fabs(r->bound_ns - 1048576 * busy / bytes) < 1e-3);
	r = find(&bd, 1, 2052048000ull);
	assert_stages(r, r2);
	assert_int_equal(lr_bd_latency_ns(r), 844288);
	/* preemptions of the job's queue: 2.042842 -> 2.043566, 2.050461 -> 2.051190 */
	assert_int_equal(bd.preempt_ns.n, 2);
	assert_int_equal(bd.preempt_ns.v[0], 724 * US);
	assert_int_equal(bd.preempt_ns.v[1], 729 * US);
	/* chain copies: 3:16, 3:18, 3:20, 3:21: queued -> run */
	assert_int_equal(bd.copy_wait_ns.n, 4);
	assert_int_equal(bd.copy_wait_ns.v[0], 28 * US);
	assert_int_equal(bd.copy_exec_ns.v[0], 128 * US);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/*
 * preempt-fence (vlr-test evict-knob, 2 VMs): pipelined, the evict copies
 * are queued before the request, the pass returns before its copy lands.
 * vm 1: run 8.283762 restore_ns 6275328 -> request 8.277486672; own evict
 * 3:609 done 8.278597; pass (pid 15) 8.280319 .. 8.280717, its copy 3:611
 * done 8.282156; resumed 8.282192.
 * vm 2: run 8.283772 restore_ns 5050624 -> request 8.278721376; own evict
 * 3:610 done 8.279944; pass (pid 15) 8.280720 .. 8.280979, its copy 3:612
 * done 8.283263; resumed 8.283294.
 */
static void test_preempt_fence_excerpt(void **state)
{
	static const uint32_t job[][2] = {{1, 1}, {2, 2}};
	struct lr_bd_filter f = filter(4, 2, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const struct lr_bd_restore *r;
	const uint64_t vm1[] = {1110328, 1722 * US, 398 * US, 1439 * US, 36 * US, 1570 * US};
	const uint64_t vm2[] = {1222624, 776 * US, 259 * US, 2284 * US, 31 * US, 478 * US};
	/* 8 non-clear copies done in the excerpt: 33554432 bytes in 5945344 ns busy */
	const double bw = 33554432.0 * 1e9 / 5945344.0;
	struct lr_hist h;

	(void)state;
	parse_file(&p, "vlr-trace-preempt-fence.txt");
	assert_int_equal(p.n, 66);
	assert_int_equal(p.unknown_events, 0);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	assert_int_equal(bd.runs, 4);
	assert_int_equal(bd.n, 4);
	assert_true(fabs(bd.bandwidth_bps - bw) < 1);
	r = find(&bd, 1, 8283762000ull);
	assert_stages(r, vm1);
	assert_int_equal(r->evict_bytes, 4194304);
	assert_int_equal(r->pass_bytes, 4194304);
	assert_true(fabs(r->bound_ns - 8388608 / bw * 1e9) < 1e-3);
	r = find(&bd, 2, 8283772000ull);
	assert_stages(r, vm2);
	assert_int_equal(lr_bd_latency_ns(r), 5050624);
	/* the metric glue: one stage value per restore, the chain ratio per restore */
	lr_hist_init(&h);
	assert_true(lr_breakdown_hist(LR_M_RESTORE_STAGE_FIRST + 2 * LR_BD_COPIES, &bd, &h));
	assert_int_equal(h.count, 4);
	lr_hist_init(&h);
	assert_true(lr_breakdown_hist(LR_M_RESTORE_CHAIN_BOUND_RATIO, &bd, &h));
	assert_int_equal(h.count, 4);
	lr_hist_init(&h);
	assert_false(lr_breakdown_hist(LR_M_THROUGHPUT, &bd, &h));
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/*
 * The same kind of trace with the gpu_scheduler events enabled: they are
 * skipped (counted), the vlr events give the breakdown. vm 1: run 1.818495
 * restore_ns 6233088 -> request 1.812261912; own evict 3:7 done 1.813334;
 * pass (pid 20) 1.814955 .. 1.815333; copy 3:9 done 1.817034; resumed
 * 1.817078.
 */
static void test_unknown_events_skipped(void **state)
{
	static const uint32_t job[][2] = {{1, 1}, {2, 2}};
	struct lr_bd_filter f = filter(1, 2, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const uint64_t vm1[] = {1072088, 1621 * US, 378 * US, 1701 * US, 44 * US, 1417 * US};

	(void)state;
	parse_file(&p, "vlr-trace-gpu-scheduler.txt");
	assert_int_equal(p.unknown_events, 26); /* the drm_* lines */
	assert_int_equal(p.n, 26);
	assert_int_equal(p.malformed, 0);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	assert_int_equal(bd.n, 2);
	assert_int_equal(bd.unknown, 26);
	assert_stages(find(&bd, 1, 1818495000ull), vm1);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/* ---- crafted ---- */

#define L(pid, t, ev) " task-" #pid " [000] ...1. " t ": " ev "\n"

/*
 * A failed pass (ret=-11, queues=0) before the one that resumes: the
 * failed pass's time is in to_worker and its copy is not on the chain.
 * request 100.000020; pass 100.001000 .. 100.001200 (copy 3:2 done
 * 100.001900), resumed 100.002000, run 100.002500.
 */
static const char failed_pass[] = L(10, "100.000000", "vlr_preempt_request: client=7 vm=1 queue=1")
    L(5, "100.000010", "vlr_queue_off: client=7 vm=1 queue=1")
	L(10, "100.000020", "vlr_restore_request: client=7 vm=1")
	    L(20, "100.000100", "vlr_restore_begin: client=7 vm=1")
		L(20, "100.000150", "vlr_copy_queued: copy=3:1 bytes=4096 kind=evict client=7 vm=9")
		    L(20, "100.000200", "vlr_restore_end: client=7 vm=1 bytes=0 queues=0 ret=-11")
			L(20, "100.001000", "vlr_restore_begin: client=7 vm=1")
			    L(20, "100.001100",
			      "vlr_copy_queued: copy=3:2 bytes=8192 "
			      "kind=to_vram client=7 vm=1") L(20, "100.001200",
							      "vlr_restore_end: client=7 vm=1 "
							      "bytes=8192 queues=1 ret=0")
				L(21, "100.001300", "vlr_copy_run: copy=3:1")
				    L(21, "100.001400",
				      "vlr_copy_done: copy=3:1 busy_ns=100000 error=0")
					L(21, "100.001500", "vlr_copy_run: copy=3:2")
					    L(21, "100.001900",
					      "vlr_copy_done: copy=3:2 "
					      "busy_ns=400000 error=0")
						L(21, "100.002000",
						  "vlr_queue_resumed: client=7 vm=1 "
						  "queue=1")
						    L(5, "100.002500",
						      "vlr_queue_run: client=7 vm=1 queue=1 "
						      "restore_ns=2480000");

static void test_failed_pass_then_success(void **state)
{
	static const uint32_t job[][2] = {{1, 1}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const uint64_t want[] = {0, 980 * US, 200 * US, 700 * US, 100 * US, 500 * US};
	const struct lr_bd_restore *r;

	(void)state;
	parse_str(&p, failed_pass);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	assert_int_equal(bd.n, 1);
	r = &bd.r[0];
	assert_stages(r, want);
	assert_int_equal(r->failed_passes, 1);
	assert_int_equal(r->evict_bytes, 0);
	assert_int_equal(r->pass_bytes, 8192);
	assert_int_equal(r->pass_copies, 1);
	/* bandwidth: both copies, (4096 + 8192) bytes in 500 us */
	assert_true(fabs(r->bound_ns - 8192.0 * 500000 / 12288) < 1e-6);
	assert_int_equal(bd.preempt_ns.n, 1);
	assert_int_equal(bd.preempt_ns.v[0], 10 * US);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/*
 * Open-coded mode on SMP: the pass resumes the queue inside itself and the
 * engine runs it before the pass's end is traced. The pass that resumed
 * it (same pid) is the resuming pass; it ends, for the stages, at the
 * resume. request 60.000000, pass from 60.000100, its copy done 60.000260,
 * resumed by the pass 60.000300, run 60.000500, pass end 60.000600.
 */
static const char smp_open_coded[] = L(20, "60.000000", "vlr_restore_request: client=7 vm=3")
    L(20, "60.000100", "vlr_restore_begin: client=7 vm=3")
	L(20, "60.000150", "vlr_copy_queued: copy=3:7 bytes=8192 kind=to_vram client=7 vm=3")
	    L(21, "60.000160", "vlr_copy_run: copy=3:7")
		L(21, "60.000260", "vlr_copy_done: copy=3:7 busy_ns=100000 error=0")
		    L(20, "60.000300", "vlr_queue_resumed: client=7 vm=3 queue=2")
			L(5, "60.000500", "vlr_queue_run: client=7 vm=3 queue=2 restore_ns=500000")
			    L(20, "60.000600",
			      "vlr_restore_end: client=7 vm=3 bytes=8192 queues=1 ret=0");

static void test_run_before_pass_end(void **state)
{
	static const uint32_t job[][2] = {{3, 2}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const uint64_t want[] = {0, 100 * US, 200 * US, 0, 0, 200 * US};

	(void)state;
	parse_str(&p, smp_open_coded);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.n, 1);
	assert_stages(&bd.r[0], want);
	assert_int_equal(bd.r[0].pass_bytes, 8192);
	assert_int_equal(bd.r[0].pass_copies, 1);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/* A restore that moves nothing: stages still add up, no bound, no ratio. */
static const char no_copies[] = L(10, "50.000000", "vlr_restore_request: client=7 vm=2")
    L(20, "50.000100", "vlr_restore_begin: client=7 vm=2")
	L(20, "50.000300", "vlr_restore_end: client=7 vm=2 bytes=0 queues=1 ret=0")
	    L(20, "50.000310", "vlr_queue_resumed: client=7 vm=2 queue=4")
		L(5, "50.000400", "vlr_queue_run: client=7 vm=2 queue=4 restore_ns=400000");

static void test_restore_without_copies(void **state)
{
	static const uint32_t job[][2] = {{2, 4}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	const uint64_t want[] = {0, 100 * US, 200 * US, 0, 10 * US, 90 * US};
	struct lr_hist h;
	double v;

	(void)state;
	parse_str(&p, no_copies);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.n, 1);
	assert_stages(&bd.r[0], want);
	assert_true(isnan(bd.r[0].bound_ns));
	assert_true(isnan(bd.bandwidth_bps));
	lr_hist_init(&h);
	lr_breakdown_hist(LR_M_RESTORE_CHAIN_BOUND_RATIO, &bd, &h);
	assert_int_equal(h.count, 0);
	assert_true(lr_breakdown_value(LR_M_RESTORES_BROKEN_DOWN, &bd, &v));
	assert_true(v == 1);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/* Restores that cannot be broken down are counted by reason, not guessed. */
static void test_skipped_restores(void **state)
{
	static const uint32_t job[][2] = {{2, 4}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	double v;

	(void)state;
	/* requested before the first event; then a run with no pass at all */
	parse_str(&p, L(5, "10.000100", "vlr_queue_run: client=7 vm=2 queue=4 restore_ns=500000")
			  L(5, "10.000300", "vlr_queue_resumed: client=7 vm=2 queue=4")
			      L(5, "10.000400",
				"vlr_queue_run: client=7 vm=2 queue=4 restore_ns=200000"));
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	assert_int_equal(bd.runs, 2);
	assert_int_equal(bd.n, 0);
	assert_int_equal(bd.skipped[LR_BD_SKIP_BEFORE_TRACE], 1);
	assert_int_equal(bd.skipped[LR_BD_SKIP_NO_PASS], 1);
	assert_true(lr_breakdown_value(LR_M_RESTORES_SKIPPED, &bd, &v));
	assert_true(v == 2);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

static void test_lost_events_incomplete(void **state)
{
	static const uint32_t job[][2] = {{2, 4}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	char text[2048];
	json_t *j;
	double v;
	struct lr_hist h;

	(void)state;
	/* a LOST line in the middle of an otherwise complete restore */
	snprintf(text, sizeof(text), "%sCPU:0 [LOST 3 EVENTS]\n", no_copies);
	parse_str(&p, text);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_INCOMPLETE);
	assert_int_equal(bd.lost, 3);
	assert_int_equal(bd.n, 0);
	assert_non_null(strstr(bd.reason, "3 trace events lost"));
	assert_true(lr_breakdown_value(LR_M_RESTORES_BROKEN_DOWN, &bd, &v));
	assert_true(isnan(v));
	lr_hist_init(&h);
	lr_breakdown_hist(LR_M_RESTORE_STAGE_FIRST, &bd, &h);
	assert_int_equal(h.count, 0);
	j = lr_breakdown_json(&bd);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "incomplete");
	json_decref(j);
	lr_kt_parse_free(&p);
	/* the ring's own overrun count (lr_ktrace_stop) does the same */
	parse_str(&p, no_copies);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 5), 0);
	assert_int_equal(bd.status, LR_BD_INCOMPLETE);
	assert_int_equal(bd.lost, 5);
	lr_kt_parse_free(&p);
	/* ... and the header's written count above the buffer's */
	snprintf(text, sizeof(text), "# entries-in-buffer/entries-written: 5/9   #P:1\n%s",
		 no_copies);
	parse_str(&p, text);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_INCOMPLETE);
	assert_int_equal(bd.lost, 4);
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

static void test_malformed_lines(void **state)
{
	static const uint32_t job[][2] = {{2, 4}};
	struct lr_bd_filter f = filter(7, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;
	char text[2048];

	(void)state;
	/* noise that is not a vlr event: ignored, the breakdown stands */
	snprintf(text, sizeof(text),
		 "hello world\n\n"
		 " task-9 [000] ...1. 50.000050: drm_run_job: entity=0000, id=7\n"
		 " task-9 [000] ...1. 50.000060: vlr_something_new: a=1\n%s",
		 no_copies);
	parse_str(&p, text);
	assert_int_equal(p.malformed, 0);
	assert_int_equal(p.unknown_events, 3);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_MEASURED);
	assert_int_equal(bd.n, 1);
	lr_kt_parse_free(&p);
	/* a vlr event that cannot be read: the repetition is incomplete */
	snprintf(text, sizeof(text),
		 "%s task-9 [000] ...1. 50.000500: vlr_copy_done: copy=3:x busy_ns=1 error=0\n"
		 " task-9 [000] ...1. 50.000600: vlr_queue_run: client=7 vm=2\n"
		 " task-9 vlr_queue_off: truncated\n",
		 no_copies);
	parse_str(&p, text);
	assert_int_equal(p.malformed, 3);
	assert_non_null(strstr(p.first_malformed, "copy=3:x"));
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_INCOMPLETE);
	assert_int_equal(bd.n, 0);
	assert_non_null(strstr(bd.reason, "unreadable"));
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/* Another client's queue with the same VM and queue ids is not the job's. */
static void test_filter_by_client(void **state)
{
	static const uint32_t job[][2] = {{2, 4}};
	struct lr_bd_filter f = filter(8, 1, job);
	struct lr_kt_parse p;
	struct lr_breakdown bd;

	(void)state;
	parse_str(&p, no_copies);
	lr_breakdown_init(&bd);
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.runs, 0);
	assert_int_equal(bd.n, 0);
	/* no queues named: not measured, with the reason */
	f.n = 0;
	assert_int_equal(lr_breakdown_compute(&bd, &p, &f, 0), 0);
	assert_int_equal(bd.status, LR_BD_NOT_MEASURED);
	assert_non_null(strstr(bd.reason, "client id"));
	lr_breakdown_free(&bd);
	lr_kt_parse_free(&p);
}

/* ---- tracefs control on a fake tracefs ---- */

static void put(const char *dir, const char *name, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *dir, const char *name, char *buf, size_t len)
{
	char path[700];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_tracefs_control(void **state)
{
	char root[] = "/tmp/lrbench-fake-tracefs-XXXXXX", d[600], path[700], buf[256];
	struct lr_ktrace kt;
	struct lr_kt_parse p;
	uint64_t lost;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* no instances directory and not mountable here: not measured */
	snprintf(path, sizeof(path), "%s/instances", root);
	/* (as root the mount could succeed: only check the case we can stage) */
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(lr_ktrace_open(&kt, root, 1024), -1);
	assert_false(kt.active);
	assert_non_null(strstr(kt.why, "no vlr tracepoints"));
	/* events/vlr present: an instance of our own, set up */
	snprintf(path, sizeof(path), "%s/events", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/events/vlr", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(d, sizeof(d), "%s/instances/lrbench-%ld", root, (long)getpid());
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(path, sizeof(path), "%s/events", d);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/vlr", d);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/per_cpu", d);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/per_cpu/cpu0", d);
	mkdir(path, 0755);
	put(d, "tracing_on", "0\n");
	put(d, "trace_clock", "[local] global mono\n");
	put(d, "buffer_size_kb", "7\n");
	put(d, "events/vlr/enable", "0\n");
	put(d, "trace", "stale\n");
	put(d, "per_cpu/cpu0/stats",
	    "entries: 0\noverrun: 2\ncommit overrun: 0\n"
	    "dropped events: 0\n");
	assert_int_equal(lr_ktrace_open(&kt, root, 1024), 0);
	assert_true(kt.active);
	get(d, "trace_clock", buf, sizeof(buf));
	assert_string_equal(buf, "mono");
	get(d, "buffer_size_kb", buf, sizeof(buf));
	assert_string_equal(buf, "1024");
	get(d, "events/vlr/enable", buf, sizeof(buf));
	assert_string_equal(buf, "1");
	assert_int_equal(lr_ktrace_start(&kt), 0);
	get(d, "trace", buf, sizeof(buf));
	assert_string_equal(buf, ""); /* cleared */
	get(d, "tracing_on", buf, sizeof(buf));
	assert_string_equal(buf, "1");
	assert_true(kt.start_ns > 0);
	/* the kernel would now write events; 3 more overruns than at the start */
	put(d, "trace", no_copies);
	put(d, "per_cpu/cpu0/stats",
	    "entries: 5\noverrun: 4\ncommit overrun: 0\n"
	    "dropped events: 1\n");
	lr_kt_parse_init(&p);
	assert_int_equal(lr_ktrace_stop(&kt, &p, &lost), 0);
	assert_int_equal(p.n, 5);
	assert_int_equal(lost, 3);
	get(d, "tracing_on", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	lr_kt_parse_free(&p);
	lr_ktrace_close(&kt);
	assert_false(kt.active);
	get(d, "events/vlr/enable", buf, sizeof(buf));
	assert_string_equal(buf, "0");
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_line_fields),
	    cmocka_unit_test(test_parse_header_and_lost),
	    cmocka_unit_test(test_open_coded_excerpt),
	    cmocka_unit_test(test_preempt_fence_excerpt),
	    cmocka_unit_test(test_unknown_events_skipped),
	    cmocka_unit_test(test_failed_pass_then_success),
	    cmocka_unit_test(test_run_before_pass_end),
	    cmocka_unit_test(test_restore_without_copies),
	    cmocka_unit_test(test_skipped_restores),
	    cmocka_unit_test(test_lost_events_incomplete),
	    cmocka_unit_test(test_malformed_lines),
	    cmocka_unit_test(test_filter_by_client),
	    cmocka_unit_test(test_tracefs_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
