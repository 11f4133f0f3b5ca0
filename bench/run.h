/* SPDX-License-Identifier: MIT */
/*
 * One lrbench run: the measurement structure every output (result.json,
 * CSV, terminal text) is rendered from, and the runner that fills it.
 */
#ifndef LR_RUN_H
#define LR_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "hist.h"
#include "metrics.h"
#include "scenario.h"

enum lr_status { LR_STATUS_INCOMPLETE, LR_STATUS_PASS, LR_STATUS_FAIL, LR_STATUS_SKIP };

const char *lr_status_name(enum lr_status s);

struct lr_breakdown; /* breakdown.h */
struct lr_run_trace; /* restore_trace.c */

struct lr_dvec {
	double *v;
	size_t n, cap;
};

#define LR_MAX_CONFIGS	      8
#define LR_OVERRUN_FLAG_PCT   10.0
#define LR_OVERRUN_FLAG_MIN_S 0.01
/* stall threshold / progress granularity below this: the scenario is refused */
#define LR_GRANULARITY_FACTOR 10.0

struct lr_rep {
	bool done;			 /* finished (verified), possibly cancelled early */
	bool cancelled;			 /* stopped by a signal before its last phase ended */
	double start_s;			 /* since the start of the run */
	double phase_start_s[LR_PHASES]; /* since the start of the rep; NaN: not reached */
	double duration_s;
	double rate[LR_PHASES];		   /* mean units/s per phase; NaN where not reached */
	double retained;		   /* rate[pressure] / rate[baseline] */
	struct lr_dvec windows[LR_PHASES]; /* full-window rates, units/s */
	struct lr_hist stall[LR_PHASES];   /* stall lengths, ns */
	/* a job of several queues: each queue's own stalls (baseline to
	 * cool-down), all queues in one histogram, ns; queues: how many */
	struct lr_hist queue_stall;
	unsigned queues;
	struct lr_hist alloc; /* pressure alloc+touch, ns */
	uint64_t allocs, bytes_allocated, peak_live_bytes;
	double sampler_cpu_pct;
	struct lr_hist sampler_late; /* ns */
	uint64_t samples, overruns;
	bool samples_dropped;
	bool sampler_realtime; /* the sampler thread ran SCHED_FIFO */
	uint64_t progress_end;
	bool verified;
	struct lr_verify_result verify;
	/* phase overruns: how far past its planned end each phase's work ran
	 * (e.g. an allocation still in flight when the pressure phase was due
	 * to end); flagged when above LR_OVERRUN_FLAG_PCT of the phase, at
	 * least LR_OVERRUN_FLAG_MIN_S */
	double phase_overrun_s[LR_PHASES];
	bool overrun;
	/* eviction trigger writes of the pressure phase and their latency (ns):
	 * done, due on the open-loop schedule, dropped (too far behind) and
	 * started more than one period late */
	uint64_t evict_writes, evict_planned, evict_missed, evict_late;
	double evict_period_ms; /* the trigger period this repetition used */
	struct lr_hist evict_write_lat;
	/* progress granularity: time per smallest progress step at the
	 * warm-up/baseline rate (s); NaN: not measured */
	double granularity_s;
	const char *config; /* NULL: the run has no configs */
	bool have_km;	    /* kernel-side counters of this repetition */
	struct lr_kmetrics km;
	struct lr_breakdown *bd; /* restore critical path (kernel trace); NULL: none */
};

struct lr_run_opts {
	const struct lr_backend_ops *ops;
	const char *device;	     /* NULL: scenario's, else backend default */
	const char *outdir;	     /* must not hold a result.json yet */
	double status_interval_s;    /* > 0: a progress line every S seconds on stdout */
	bool inject_corruption;	     /* test hook: corrupt the job buffer ... */
	uint64_t inject_offset;	     /* ... at this byte offset before verifying rep 1 */
	volatile sig_atomic_t *stop; /* set by a signal handler: cancel */
};

struct lr_run {
	const struct lr_scenario *sc;
	struct lr_run_opts opts;
	char backend[32];
	char device_sel[128];

	bool have_device;
	struct lr_device_info dev;
	bool have_job;
	struct lr_job_info job;
	char job_unit[32];
	uint64_t chunk_bytes, total_bytes; /* pressure sizes resolved on the device */
	enum lr_pattern pattern;	   /* the pattern that ran (a fallback may change it) */
	bool evict_trigger;		   /* the eviction trigger is written */
	char evict_fallback[LR_ERRLEN];	   /* why not, when the scenario asked for it */

	char start_time[32]; /* UTC ISO 8601 */
	uint64_t t0_ns;
	double duration_s;

	unsigned reps_planned, reps_done;
	struct lr_rep *reps;

	/* scenario `configs`: repetition r runs configs[r % nconfigs] */
	char config_buf[256];
	const char *configs[LR_MAX_CONFIGS];
	unsigned nconfigs;

	enum lr_status status;
	char reason[1024];
	bool cancelled;
	int signal;
	bool refused; /* the scenario cannot measure what it says (exit 2) */

	/* CSV text accumulated over the repetitions */
	char *timeline_csv, *pressure_csv;
	size_t timeline_len, pressure_len;
	FILE *timeline, *pressure;

	struct lr_run_trace *trace; /* kernel trace of the restore breakdown */
};

/* Split the comma-separated @list into run->configs (names trimmed, each a
 * config of @ops, no duplicates). Empty list: nconfigs = 0. */
int lr_run_parse_configs(struct lr_run *run, const char *list, const struct lr_backend_ops *ops,
			 struct lr_err *err);
/* The configuration repetition @r runs: A B A B ... ; NULL without configs. */
const char *lr_run_rep_config(const struct lr_run *run, unsigned r);

/* Runs the scenario. Always tries to leave a result.json in opts->outdir.
 * Returns the exit code: 0 pass, 1 fail, 77 skip, 128+signal when cancelled
 * (1 if a cancelled run also failed verification). */
int lr_run_scenario(const struct lr_scenario *sc, const struct lr_run_opts *opts,
		    struct lr_run *run);
void lr_run_fini(struct lr_run *run);
/* What `run` refuses before it opens the device: configurations the backend
 * lacks, job shapes it cannot run (multi-queue, [mixed] load). */
int lr_run_check(const struct lr_scenario *sc, const struct lr_backend_ops *ops,
		 struct lr_err *err);

/* dvec helpers */
int lr_dvec_push(struct lr_dvec *d, double x);
void lr_dvec_free(struct lr_dvec *d);

#endif /* LR_RUN_H */
