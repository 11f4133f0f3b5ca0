/* SPDX-License-Identifier: MIT */
/*
 * Metrics as data: the one table that defines every metric lrbench writes,
 * with its unit, better direction, source, aggregation, description and
 * role (primary or diagnostic). results.c builds the metric list from it,
 * compare and show take direction and role from it, `lrbench list --json`
 * prints it, and the unit tier checks that results/lrbench-result.schema.json
 * and the tables in results/README.md agree with it.
 */
#ifndef LR_METRIC_TABLE_H
#define LR_METRIC_TABLE_H

#include <stdbool.h>

#include <jansson.h>

enum lr_metric_id {
	LR_M_THROUGHPUT,
	LR_M_THROUGHPUT_BYTES,
	LR_M_THROUGHPUT_PRESSURE,
	LR_M_THROUGHPUT_COOLDOWN,
	LR_M_THROUGHPUT_RETAINED,
	LR_M_STALL_LATENCY,
	LR_M_STALL_LATENCY_PRESSURE,
	LR_M_STALL_LATENCY_QUEUE,
	LR_M_STALL_COUNT_BASELINE,
	LR_M_STALL_COUNT_PRESSURE,
	LR_M_PRESSURE_ALLOC_LATENCY,
	LR_M_PRESSURE_ALLOCATED_BYTES,
	LR_M_VERIFY_FAILURES,
	LR_M_SAMPLER_CPU,
	LR_M_SAMPLER_LATENESS,
	LR_M_SAMPLER_OVERRUNS,
	LR_M_KERNEL_PREEMPTIONS,
	LR_M_KERNEL_EVICTIONS,
	LR_M_KERNEL_BYTES_TO_SYSTEM,
	LR_M_KERNEL_BYTES_TO_VRAM,
	LR_M_KERNEL_PREEMPT_LATENCY,
	LR_M_KERNEL_RESTORE_LATENCY,
	LR_M_KERNEL_RESTORES,
	LR_M_DEVICE_PREEMPTIONS,
	LR_M_DEVICE_RESTORES,
	LR_M_PREEMPT_LATENCY,
	LR_M_RESTORE_LATENCY,
	LR_M_RESTORE_BOUND_RATIO,
	LR_M_COPY_BANDWIDTH,
	LR_M_RESTORE_WORKER_OCCUPANCY,
	LR_M_KERNEL_SAMPLES_LOST,
	LR_M_NORMAL_JOB_LATENCY,
	LR_M_NORMAL_JOB_LATENCY_USER,
	LR_M_NORMAL_JOB_LATENESS,
	LR_M_NORMAL_JOB_EXEC_IOCTL,
	LR_M_THROTTLED_LR_JOBS,
	LR_M_EVICT_LATENCY,
	LR_M_EVICT_LATENCY_P99,
	LR_M_EVICT_DELIVERED,
	LR_M_JOB_TIME_PER_PREEMPTION,
	/* restore critical path from the kernel trace (breakdown.h); the
	 * stages in enum lr_bd_stage order, each p50 then p90 */
	LR_M_RESTORE_CHAIN_BOUND_RATIO,
	LR_M_RESTORE_STAGE_FIRST,
	LR_M_RESTORE_STAGE_LAST = LR_M_RESTORE_STAGE_FIRST + 11,
	LR_M_RESTORE_COPY_WAIT,
	LR_M_RESTORE_COPY_EXEC,
	LR_M_RESTORES_BROKEN_DOWN,
	LR_M_RESTORES_SKIPPED,
	LR_METRICS,
};

/* Better direction; NONE: a count that describes the workload, never judged. */
enum lr_direction { LR_DIR_LOWER, LR_DIR_HIGHER, LR_DIR_NONE };

/* When a metric is in a configuration's list (its source). */
enum lr_mgroup {
	LR_G_ALWAYS,  /* lrbench itself measures it */
	LR_G_KERNEL,  /* the backend reported kernel counters */
	LR_G_SAMPLES, /* ... and drained every kernel sample */
	LR_G_NORMAL,  /* normal (dma-fence) jobs ran: [mixed] load */
	LR_G_LRJOBS,  /* throttled LR jobs ran: [mixed] load */
	LR_G_EVICT,   /* the eviction trigger was written */
	LR_G_QUEUES,  /* a job of several queues with per-queue progress */
	LR_G_TRACE,   /* the kernel's vlr tracepoints were recorded (breakdown.h) */
};

/* What the summary is computed over. */
enum lr_aggregation {
	LR_AGG_WINDOWS, /* the timeline windows of one phase (all repetitions) */
	LR_AGG_REPS,	/* the per-repetition values */
	LR_AGG_HIST,	/* every event, in a log-linear histogram */
};

struct lr_metric_def {
	const char *name;
	const char *unit; /* NULL: "<job unit>/s" (rate of the backend's progress unit) */
	enum lr_direction direction;
	enum lr_mgroup group;
	enum lr_aggregation aggregation;
	unsigned phase;		  /* LR_AGG_WINDOWS: the phase */
	const char *per_rep_stat; /* what one per_rep value is */
	const char *summary_over; /* what the summary is over (README) */
	const char *description;
	bool primary; /* judged as primary unless the scenario's `primary` list says */
};

extern const struct lr_metric_def lr_metric_table[LR_METRICS];

const struct lr_metric_def *lr_metric_find(const char *name);
const char *lr_direction_name(enum lr_direction d);
/* "lower", "higher", "none" -> 0 and *d; -1 when unknown */
int lr_direction_parse(const char *s, enum lr_direction *d);
const char *lr_mgroup_source(enum lr_mgroup g); /* "lrbench" or "backend" */
const char *lr_aggregation_name(enum lr_aggregation a);

/* The table as JSON (lrbench list --json). */
json_t *lr_metric_table_json(void);

#endif /* LR_METRIC_TABLE_H */
