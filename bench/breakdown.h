/* SPDX-License-Identifier: MIT */
/*
 * Restore critical path (issue 12 item 4): each restore of the job's own
 * queues broken down from the vlr tracepoints (ktrace.h) of one repetition.
 *
 * A restore is one vlr_queue_run of a job queue; its request time is the
 * run's timestamp minus its restore_ns, so the stages below add up to the
 * kernel's own restore latency. Boundaries, in the order of the chain:
 *
 *   request   t_run - restore_ns
 *   evicted   the VM's own eviction copies that were not done at the request
 *             and were queued before the resuming pass began are done
 *   begin     the restore worker pass that resumed the queue began (the last
 *             pass of the VM with ret = 0 and queues > 0 between request and
 *             run; failed passes before it are counted)
 *   end       that pass ended
 *   copied    the copies that pass queued (same pid, between its begin and
 *             end) are done
 *   resumed   vlr_queue_resumed of the queue
 *   run       the queue's first run
 *
 * Stage i lasts from boundary i to boundary i + 1, each boundary clamped
 * monotonically into [previous boundary, run] (a pass that waits for its
 * copies itself, as open-coded does, has them done before its end: that
 * stage is 0 and the wait is in "worker"). The stages partition the latency
 * exactly.
 *
 * Bound (the copy time of the restore's own dependency chain): the bytes of
 * those own eviction copies plus the bytes of the pass's copies (clears
 * excluded), at the engine bandwidth measured over the same repetition's
 * trace: sum of bytes / sum of busy_ns of every copy that succeeded, clears
 * excluded. chain bound ratio = latency / bound; restores with no bytes on
 * their chain have none.
 */
#ifndef LR_BREAKDOWN_H
#define LR_BREAKDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "backend.h"
#include "hist.h"
#include "ktrace.h"

enum lr_bd_stage {
	LR_BD_OWN_EVICT, /* request -> own eviction copies done */
	LR_BD_TO_WORKER, /* -> resuming pass begins */
	LR_BD_WORKER,	 /* -> pass ends */
	LR_BD_COPIES,	 /* -> the pass's copies done */
	LR_BD_RESUME,	 /* -> queue resumed */
	LR_BD_PICKUP,	 /* -> queue runs */
	LR_BD_STAGES,
};

extern const char *const lr_bd_stage_names[LR_BD_STAGES];

enum lr_bd_skip {
	LR_BD_SKIP_BEFORE_TRACE, /* the request precedes the recording */
	LR_BD_SKIP_NO_PASS,	 /* no successful pass of the VM between request and run */
	LR_BD_SKIP_NO_RESUMED,	 /* no vlr_queue_resumed between request and run */
	LR_BD_SKIP_COPY_OPEN,	 /* a copy on the chain has no done event before the run */
	LR_BD_SKIPS,
};

extern const char *const lr_bd_skip_names[LR_BD_SKIPS];

enum lr_bd_status {
	LR_BD_NOT_MEASURED, /* no trace: reason says why */
	LR_BD_INCOMPLETE,   /* events were lost or unreadable: nothing reported */
	LR_BD_MEASURED,
};

/* The job's queues as the trace names them. */
struct lr_bd_filter {
	unsigned n;
	struct lr_trace_id q[LR_MAX_QUEUES];
	uint64_t t_start_ns; /* recording began (0: the first event's time) */
};

struct lr_bd_restore {
	uint64_t client;
	uint32_t vm, queue;
	uint64_t t_request, t_run; /* ns */
	uint64_t stage_ns[LR_BD_STAGES];
	uint64_t evict_bytes; /* own eviction copies on the chain */
	uint64_t pass_bytes;  /* the pass's copies (clears excluded) */
	unsigned evict_copies, pass_copies, failed_passes;
	double bound_ns; /* NaN: no bandwidth or no bytes */
};

struct lr_breakdown {
	enum lr_bd_status status;
	char reason[320];
	struct lr_bd_restore *r; /* restores broken down */
	size_t n, cap;
	uint64_t runs;			   /* vlr_queue_run of the job's queues */
	uint64_t skipped[LR_BD_SKIPS];	   /* runs not broken down, by reason */
	uint64_t events[LR_KT_TYPES];	   /* events read, every client */
	uint64_t unknown, malformed, lost; /* lines/events */
	uint64_t bw_bytes, bw_busy_ns;	   /* engine: successful non-clear copies */
	double bandwidth_bps;		   /* NaN: no such copy */
	struct lr_samples preempt_ns;	   /* job queues: preempt request -> off */
	struct lr_samples copy_wait_ns;	   /* copies on the job's chains: queued -> run */
	struct lr_samples copy_exec_ns;	   /* ... run -> done */
};

void lr_breakdown_init(struct lr_breakdown *bd);
void lr_breakdown_free(struct lr_breakdown *bd);
/* Not measured, with the reason. */
void lr_breakdown_not_measured(struct lr_breakdown *bd, const char *reason);
/*
 * Break down every restore of the filter's queues in the parsed events.
 * @lost_extra: events the ring reported lost beside what the parse saw.
 * Lost or malformed vlr events make the breakdown LR_BD_INCOMPLETE (the
 * event counts are kept, no restore is reported); else LR_BD_MEASURED.
 * Returns 0, or -1 when out of memory (reason set).
 */
int lr_breakdown_compute(struct lr_breakdown *bd, const struct lr_kt_parse *p,
			 const struct lr_bd_filter *f, uint64_t lost_extra);

/* Restore latency of @r (= the sum of its stages), ns. */
uint64_t lr_bd_latency_ns(const struct lr_bd_restore *r);

/* Events of histogram metric @metric (enum lr_metric_id) from @bd into @h
 * (ms metrics in ns, ratios x 1e6). false: not a breakdown metric. */
bool lr_breakdown_hist(unsigned metric, const struct lr_breakdown *bd, struct lr_hist *h);
/* The per_rep value of repetition metric @metric; false: not one. */
bool lr_breakdown_value(unsigned metric, const struct lr_breakdown *bd, double *v);

/* The repetition's record in result.json (repetitions.runs[].restore_breakdown). */
json_t *lr_breakdown_json(const struct lr_breakdown *bd);

#endif /* LR_BREAKDOWN_H */
