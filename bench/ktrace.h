/* SPDX-License-Identifier: MIT */
/*
 * Kernel trace events of the vlr driver (TRACE_SYSTEM vlr, tracefs
 * events/vlr/): a parser of tracefs' text output and the tracefs control
 * lrbench uses to record one repetition's events.
 *
 * Parser: one line of `trace` at a time; events it does not know (another
 * TRACE_SYSTEM, e.g. gpu_scheduler) are counted and skipped; a line that
 * names a vlr event but cannot be read is counted as malformed (and makes a
 * breakdown incomplete, breakdown.h); "[LOST N EVENTS]" lines and the
 * header's entries-in-buffer/entries-written are recorded so that lost
 * events are detected instead of guessed over.
 *
 * Control: lrbench records into its own tracefs instance
 * (instances/lrbench-<pid>), so the global tracing state of the machine is
 * never touched; the instance is removed again by lr_ktrace_close() (and
 * tracefs unmounted if lrbench mounted it). trace_clock is "mono", so event
 * timestamps compare with CLOCK_MONOTONIC.
 */
#ifndef LR_KTRACE_H
#define LR_KTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lr_kt_type {
	LR_KT_PREEMPT_REQUEST, /* client vm queue: preemption asked of the queue */
	LR_KT_QUEUE_OFF,       /* client vm queue: engine took it off */
	LR_KT_RESTORE_REQUEST, /* client vm: restore requested */
	LR_KT_RESTORE_BEGIN,   /* client vm: a restore worker pass starts (pid) */
	LR_KT_RESTORE_END,     /* client vm bytes queues ret: the pass ended */
	LR_KT_COPY_QUEUED,     /* copy bytes kind client vm (owner of the BO) */
	LR_KT_COPY_RUN,	       /* copy */
	LR_KT_COPY_DONE,       /* copy busy_ns error */
	LR_KT_QUEUE_RESUMED,   /* client vm queue: may run again */
	LR_KT_QUEUE_RUN,       /* client vm queue restore_ns: first run after a restore */
	LR_KT_TYPES,
};

enum lr_kt_copy_kind { LR_KT_EVICT, LR_KT_TO_VRAM, LR_KT_MOVE, LR_KT_CLEAR, LR_KT_KIND_OTHER };

/* tracefs event names ("vlr_queue_run"), indexed by enum lr_kt_type */
extern const char *const lr_kt_type_names[LR_KT_TYPES];

/* Printed timestamps are truncated to microseconds: comparisons between a
 * timestamp and a time derived from an exact nanosecond count allow this. */
#define LR_KT_TS_SLACK_NS 1000u

struct lr_kt_event {
	uint64_t t_ns; /* timestamp (trace_clock mono: CLOCK_MONOTONIC), ns */
	uint32_t pid;
	uint8_t type; /* enum lr_kt_type */
	uint8_t kind; /* copy_queued: enum lr_kt_copy_kind */
	int32_t ret;  /* restore_end ret, copy_done error */
	uint64_t client;
	uint32_t vm, queue;
	uint64_t copy_ctx, copy_seq; /* copy=CTX:SEQ */
	uint64_t bytes;		     /* copy_queued, restore_end */
	uint64_t ns;		     /* copy_done busy_ns, queue_run restore_ns */
	uint32_t queues;	     /* restore_end: queues resumed */
};

struct lr_kt_parse {
	struct lr_kt_event *ev;
	size_t n, cap;
	uint64_t lines;		 /* lines read */
	uint64_t unknown_events; /* events of other systems or unknown vlr events */
	uint64_t malformed;	 /* lines naming a known event that could not be read */
	uint64_t lost;		 /* events the "[LOST N EVENTS]" lines report */
	uint64_t lost_markers;	 /* such lines */
	bool have_entries;	 /* the header's entries-in-buffer/entries-written */
	uint64_t entries_in_buffer, entries_written;
	bool oom;
	char first_malformed[128]; /* the first malformed line, for the reason */
};

void lr_kt_parse_init(struct lr_kt_parse *p);
void lr_kt_parse_free(struct lr_kt_parse *p);
/* One line (without or with its newline). */
void lr_kt_parse_line(struct lr_kt_parse *p, const char *line, size_t len);
/* Every line of @text. */
void lr_kt_parse_text(struct lr_kt_parse *p, const char *text, size_t len);
/* Events the parse knows were lost: LOST lines, and the header's written
 * count above what the buffer holds (ring overwrite). */
uint64_t lr_kt_parse_lost(const struct lr_kt_parse *p);

/* tracefs control */
struct lr_ktrace {
	bool active;	   /* the instance exists and records vlr events */
	char why[512];	   /* !active: why the breakdown is not measured */
	char dir[256];	   /* the instance */
	char root[200];	   /* tracefs mount point */
	bool mounted;	   /* lrbench mounted tracefs: unmount at close */
	uint64_t start_ns; /* CLOCK_MONOTONIC when recording (re)started */
	uint64_t base_lost;
};

/*
 * Set up recording: find or mount tracefs (@root NULL: /sys/kernel/tracing,
 * or $LRBENCH_TRACEFS), create the instance, trace_clock mono, @buffer_kb per
 * CPU, enable events/vlr. 0 when active; otherwise -1 with kt->why set
 * (tracefs missing, no events/vlr in this kernel, not permitted): the
 * breakdown is then "not measured" with that reason.
 */
int lr_ktrace_open(struct lr_ktrace *kt, const char *root, unsigned buffer_kb);
/* Clear the buffer and start recording (one repetition). */
int lr_ktrace_start(struct lr_ktrace *kt);
/* Stop recording, read and parse the buffer into @p; *lost = events the
 * ring lost since lr_ktrace_start (per-CPU stats overrun + dropped). */
int lr_ktrace_stop(struct lr_ktrace *kt, struct lr_kt_parse *p, uint64_t *lost);
/* Stop, remove the instance, unmount what lr_ktrace_open mounted. */
void lr_ktrace_close(struct lr_ktrace *kt);

#endif /* LR_KTRACE_H */
