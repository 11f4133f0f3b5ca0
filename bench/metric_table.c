/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "metric_table.h"
#include "metrics.h"

#define WIN(ph) LR_AGG_WINDOWS, ph
#define REPS	LR_AGG_REPS, 0
#define HIST	LR_AGG_HIST, 0

/* The one table. Order = order in result.json. */
const struct lr_metric_def lr_metric_table[LR_METRICS] = {
    [LR_M_THROUGHPUT] = {"throughput", NULL, LR_DIR_HIGHER, LR_G_ALWAYS, WIN(LR_PHASE_BASELINE),
			 "baseline mean", "timeline windows of the baseline (all repetitions)",
			 "job throughput in the baseline phase; summary over timeline windows, "
			 "per_rep = phase mean",
			 true},
    [LR_M_THROUGHPUT_BYTES] = {"throughput_bytes", "bytes/s", LR_DIR_HIGHER, LR_G_ALWAYS,
			       WIN(LR_PHASE_BASELINE), "baseline mean", "same x `unit_bytes`",
			       "throughput x bytes per unit (bytes read+written), baseline phase",
			       false},
    [LR_M_THROUGHPUT_PRESSURE] = {"throughput_pressure", NULL, LR_DIR_HIGHER, LR_G_ALWAYS,
				  WIN(LR_PHASE_PRESSURE), "pressure mean",
				  "windows of the pressure phase",
				  "job throughput in the pressure phase; summary over timeline "
				  "windows",
				  false},
    [LR_M_THROUGHPUT_COOLDOWN] = {"throughput_cooldown", NULL, LR_DIR_HIGHER, LR_G_ALWAYS,
				  WIN(LR_PHASE_COOLDOWN), "cooldown mean",
				  "windows of the cool-down",
				  "job throughput after pressure is released; summary over "
				  "timeline windows",
				  false},
    [LR_M_THROUGHPUT_RETAINED] = {"throughput_retained", "ratio", LR_DIR_HIGHER, LR_G_ALWAYS, REPS,
				  "value", "repetitions",
				  "pressure-phase mean throughput / baseline mean throughput, per "
				  "repetition",
				  true},
    [LR_M_STALL_LATENCY] = {"stall_latency", "ms", LR_DIR_LOWER, LR_G_ALWAYS, HIST, "max",
			    "stalls in baseline, pressure, cool-down (histogram)",
			    "intervals in which every sample read the same progress, longer "
			    "than the stall threshold, in baseline, pressure and cool-down",
			    true},
    [LR_M_STALL_LATENCY_PRESSURE] = {"stall_latency_pressure", "ms", LR_DIR_LOWER, LR_G_ALWAYS,
				     HIST, "max", "stalls that began under pressure (histogram)",
				     "stall intervals that began in the pressure phase", false},
    [LR_M_STALL_LATENCY_QUEUE] = {"stall_latency_queue", "ms", LR_DIR_LOWER, LR_G_QUEUES, HIST,
				  "max",
				  "every queue's own stalls, baseline to cool-down (histogram)",
				  "a job of several queues: the stall rule applied to each queue's "
				  "own progress (the summed progress hides one stalled queue while "
				  "the others move); per_rep = the longest of any queue",
				  false},
    [LR_M_STALL_COUNT_BASELINE] = {"stall_count_baseline", "count", LR_DIR_LOWER, LR_G_ALWAYS, REPS,
				   "value", "repetitions",
				   "stalls that began in the baseline phase", false},
    [LR_M_STALL_COUNT_PRESSURE] = {"stall_count_pressure", "count", LR_DIR_LOWER, LR_G_ALWAYS, REPS,
				   "value", "repetitions",
				   "stalls that began in the pressure phase", false},
    [LR_M_PRESSURE_ALLOC_LATENCY] = {"pressure_alloc_latency", "ms", LR_DIR_LOWER, LR_G_ALWAYS,
				     HIST, "p50", "every alloc+touch (histogram)",
				     "pressure-side allocation + touch of one chunk, until the "
				     "touch completed",
				     false},
    [LR_M_PRESSURE_ALLOCATED_BYTES] = {"pressure_allocated_bytes", "bytes", LR_DIR_NONE,
				       LR_G_ALWAYS, REPS, "value", "repetitions",
				       "bytes allocated and touched by the pressure driver (the "
				       "load applied, not a result)",
				       false},
    [LR_M_VERIFY_FAILURES] = {"verify_failures", "count", LR_DIR_LOWER, LR_G_ALWAYS, REPS, "value",
			      "repetitions",
			      "mismatching elements found when verifying the job buffer after "
			      "stop",
			      false},
    [LR_M_SAMPLER_CPU] = {"sampler_cpu", "% of one core", LR_DIR_LOWER, LR_G_ALWAYS, REPS, "value",
			  "repetitions", "CPU time of the sampler thread / its wall time", false},
    [LR_M_SAMPLER_LATENESS] = {"sampler_lateness", "ms", LR_DIR_LOWER, LR_G_ALWAYS, HIST, "p99",
			       "every sampler wake-up (histogram)",
			       "how late the sampler woke after each absolute deadline", false},
    [LR_M_SAMPLER_OVERRUNS] = {"sampler_overruns", "count", LR_DIR_LOWER, LR_G_ALWAYS, REPS,
			       "value", "repetitions",
			       "sample periods skipped because the sampler woke too late", false},
    [LR_M_KERNEL_PREEMPTIONS] = {"kernel_preemptions", "count", LR_DIR_NONE, LR_G_KERNEL, REPS,
				 "value", "repetitions",
				 "kernel: preemptions of the job's own queues (per-queue "
				 "counters where the backend has them, else device-wide), per "
				 "repetition: the counted events (never judged)",
				 false},
    [LR_M_KERNEL_EVICTIONS] = {"kernel_evictions", "count", LR_DIR_NONE, LR_G_KERNEL, REPS, "value",
			       "repetitions",
			       "kernel: BOs of LR VMs moved out of VRAM, per repetition (never "
			       "judged)",
			       false},
    [LR_M_KERNEL_BYTES_TO_SYSTEM] = {"kernel_bytes_to_system", "bytes", LR_DIR_NONE, LR_G_KERNEL,
				     REPS, "value", "repetitions",
				     "kernel: bytes copied out of VRAM (evictions), per "
				     "repetition (never judged)",
				     false},
    [LR_M_KERNEL_BYTES_TO_VRAM] = {"kernel_bytes_to_vram", "bytes", LR_DIR_NONE, LR_G_KERNEL, REPS,
				   "value", "repetitions",
				   "kernel: bytes copied into VRAM (restores, moves), per "
				   "repetition (never judged)",
				   false},
    [LR_M_KERNEL_PREEMPT_LATENCY] = {"kernel_preempt_latency", "ms", LR_DIR_LOWER, LR_G_KERNEL,
				     REPS, "p50", "repetitions: median of the repetition's samples",
				     "kernel: preemption requested -> queue off the engine, median "
				     "per repetition (of every sample when the backend drains "
				     "them, else of the kernel's last 64)",
				     false},
    [LR_M_KERNEL_RESTORE_LATENCY] = {"kernel_restore_latency", "ms", LR_DIR_LOWER, LR_G_KERNEL,
				     REPS, "p50", "repetitions: median of the repetition's samples",
				     "kernel: restore start -> queue running again, median per "
				     "repetition (of every sample when the backend drains them, "
				     "else of the kernel's last 64)",
				     false},
    [LR_M_KERNEL_RESTORES] = {"kernel_restores", "count", LR_DIR_NONE, LR_G_KERNEL, REPS, "value",
			      "repetitions",
			      "kernel: completed restores (queue resumed) of the job's own queues "
			      "(per-queue counters where the backend has them, else "
			      "device-wide), per repetition (never judged)",
			      false},
    [LR_M_DEVICE_PREEMPTIONS] = {"device_preemptions", "count", LR_DIR_NONE, LR_G_KERNEL, REPS,
				 "value", "repetitions",
				 "kernel: preemptions of every queue of the device, load "
				 "generators (pressure, mixed load) included, per repetition "
				 "(never judged)",
				 false},
    [LR_M_DEVICE_RESTORES] = {"device_restores", "count", LR_DIR_NONE, LR_G_KERNEL, REPS, "value",
			      "repetitions",
			      "kernel: restores of every queue of the device, load generators "
			      "included, per repetition (never judged)",
			      false},
    [LR_M_PREEMPT_LATENCY] = {"preempt_latency", "ms", LR_DIR_LOWER, LR_G_SAMPLES, HIST, "p50",
			      "every preemption, requested -> off the engine (preempt fence "
			      "signalled) (histogram)",
			      "kernel: preemption requested -> queue off the engine (preempt "
			      "fence signalled), every preemption of the job's own queues in "
			      "the repetition; per_rep (the median) is what compare tests, "
			      "the percentiles over all events are descriptive",
			      false},
    [LR_M_RESTORE_LATENCY] = {"restore_latency", "ms", LR_DIR_LOWER, LR_G_SAMPLES, HIST, "p50",
			      "every restore, start -> queue running again (histogram)",
			      "kernel: restore start -> queue running again, every restore of "
			      "the job's own queues in the repetition; per_rep (the median) is "
			      "what compare tests, the percentiles over all events are "
			      "descriptive",
			      false},
    [LR_M_RESTORE_BOUND_RATIO] =
	{"restore_bound_ratio", "ratio", LR_DIR_LOWER, LR_G_SAMPLES, HIST, "p50",
	 "every restore that brought bytes back: latency / (bytes / the "
	 "repetition's `copy_bandwidth`); 1 = as fast as its copies alone "
	 "(histogram)",
	 "per restore (kernel counters): restore latency / (bytes it brought back / the "
	 "fastest 20 ms window's copy bandwidth of the repetition); restores of 0 bytes "
	 "left out. Only the restore's own to-VRAM bytes at a peak bandwidth: not its "
	 "critical path (the eviction it waits for is left out); the restore target uses "
	 "restore_chain_bound_ratio",
	 false},
    [LR_M_COPY_BANDWIDTH] = {"copy_bandwidth", "bytes/s", LR_DIR_HIGHER, LR_G_SAMPLES, REPS,
			     "value",
			     "repetitions: bytes the copy engine copied / time it spent copying "
			     "(clears excluded), in the fastest 20 ms counter window that copied "
			     ">= 1 MiB",
			     "kernel: raw copy-engine bandwidth: bytes copied / time the engine "
			     "spent copying (clears excluded) in the fastest 20 ms counter window "
			     "that copied >= 1 MiB, per repetition (wall time in slower windows "
			     "includes the host descheduling UML)",
			     false},
    [LR_M_RESTORE_WORKER_OCCUPANCY] = {"restore_worker_occupancy", "ms", LR_DIR_LOWER, LR_G_SAMPLES,
				       HIST, "mean",
				       "every restore-worker run, wall time computing or blocked "
				       "(histogram)",
				       "kernel: wall time of each restore-worker run, computing "
				       "or blocked; per_rep = mean (time tied up / runs)",
				       false},
    [LR_M_KERNEL_SAMPLES_LOST] = {"kernel_samples_lost", "count", LR_DIR_LOWER, LR_G_SAMPLES, REPS,
				  "value",
				  "repetitions: events counted whose samples the kernel's rings "
				  "overwrote before they were read (0 expected)",
				  "kernel events whose latency samples the kernel's 64-entry rings "
				  "overwrote before lrbench read them, per repetition",
				  false},
    [LR_M_NORMAL_JOB_LATENCY] = {"normal_job_latency", "ms", LR_DIR_LOWER, LR_G_NORMAL, HIST, "p50",
				 "`[mixed]` load only: every normal (dma-fence) job on the shared "
				 "scheduler, exec ioctl -> completion fence signalled (kernel) "
				 "(histogram)",
				 "kernel: normal (dma-fence) job on the shared scheduler, exec "
				 "ioctl -> completion fence signalled",
				 false},
    [LR_M_NORMAL_JOB_LATENCY_USER] = {"normal_job_latency_user", "ms", LR_DIR_LOWER, LR_G_NORMAL,
				      HIST, "p50",
				      "the same jobs, open loop: intended submit time (one every "
				      "normal_interval_ms, never rescheduled) -> the wait for its "
				      "out-syncobj returned (histogram)",
				      "normal job from its intended submit time on a fixed "
				      "schedule (open loop: a job sent late behind a blocked one "
				      "counts the wait) -> the wait for its out-syncobj returned",
				      false},
    [LR_M_NORMAL_JOB_LATENESS] = {"normal_job_lateness", "ms", LR_DIR_LOWER, LR_G_NORMAL, HIST,
				  "p50",
				  "the same jobs: intended submit time -> exec ioctl entered "
				  "(histogram)",
				  "part of normal_job_latency_user: how late the submitter sent "
				  "the job (the previous one still waited, or the submitter did "
				  "not get the CPU)",
				  false},
    [LR_M_NORMAL_JOB_EXEC_IOCTL] = {"normal_job_exec_ioctl", "ms", LR_DIR_LOWER, LR_G_NORMAL, HIST,
				    "p50",
				    "the same jobs: exec ioctl entered -> returned (histogram)",
				    "part of normal_job_latency_user: the exec ioctl of a normal "
				    "job (locks it waited for, the push to the scheduler)",
				    false},
    [LR_M_THROTTLED_LR_JOBS] = {"throttled_lr_jobs", "count", LR_DIR_HIGHER, LR_G_LRJOBS, REPS,
				"value",
				"`[mixed]` load only: bounded LR jobs the throttled queues "
				"completed",
				"bounded LR jobs the throttled queues of the mixed load completed, "
				"per repetition",
				false},
    [LR_M_EVICT_LATENCY] = {"evict_latency", "ms", LR_DIR_LOWER, LR_G_EVICT, HIST, "p50",
			    "every write of the eviction trigger (histogram)",
			    "the evicting side's wait: one write of the eviction trigger "
			    "(`evict_interval_ms`), i.e. evict every buffer from device memory, "
			    "the job's queues preempted first, until the copies landed; per_rep "
			    "= median",
			    false},
    [LR_M_EVICT_LATENCY_P99] = {"evict_latency_p99", "ms", LR_DIR_LOWER, LR_G_EVICT, HIST, "p99",
				"every write of the eviction trigger (histogram)",
				"the same writes; per_rep = their 99th percentile (the tail an "
				"evicting allocation waits)",
				false},
    [LR_M_EVICT_DELIVERED] = {"evict_trigger_delivered", "ratio", LR_DIR_NONE, LR_G_EVICT, REPS,
			      "value", "repetitions",
			      "the eviction load the repetition got: trigger writes done / writes "
			      "due on the open-loop schedule (1 = the trigger kept up; less when "
			      "writes took so long that due ones were dropped); compare throughput "
			      "between modes only where both got the same load",
			      false},
    [LR_M_JOB_TIME_PER_PREEMPTION] = {"job_time_lost_per_preemption", "ms", LR_DIR_LOWER,
				      LR_G_EVICT, REPS, "value", "repetitions",
				      "the job's cost of one eviction: (1 - throughput_retained) "
				      "x the pressure phase's length / the preemptions of the "
				      "job's own queues in the repetition, i.e. job time lost per "
				      "preempt/evict/restore cycle; independent of how many "
				      "evictions a mode got",
				      false},
    /* restore critical path (issue 12 item 4): bench/breakdown.h */
    [LR_M_RESTORE_CHAIN_BOUND_RATIO] =
	{"restore_chain_bound_ratio", "ratio", LR_DIR_LOWER, LR_G_TRACE, HIST, "p50",
	 "every restore of the job's queues with bytes on its chain, from the kernel trace: "
	 "latency / the copy time of its own chain's bytes at the repetition's engine "
	 "bandwidth (histogram)",
	 "per restore (kernel trace): restore latency / its critical-path bound, the copy "
	 "time of the bytes on its own dependency chain (the VM's eviction copies still in "
	 "flight at the request + the resuming pass's copies, clears excluded) at the copy "
	 "engine's bandwidth measured over the same repetition (bytes / busy time of every "
	 "successful non-clear copy); 1 = as fast as its chain's copies alone; the metric "
	 "of the restore target",
	 false},
#define STAGE(s, nm, what)                                                                         \
	[LR_M_RESTORE_STAGE_FIRST + 2 * (s)] = {"restore_stage_" nm,                               \
						"ms",                                              \
						LR_DIR_LOWER,                                      \
						LR_G_TRACE,                                        \
						HIST,                                              \
						"p50",                                             \
						STAGE_OVER,                                        \
						"restore critical path (kernel trace), " what      \
						"; per_rep = the repetition's median",             \
						false},                                            \
					[LR_M_RESTORE_STAGE_FIRST + 2 * (s) +                      \
					    1] = {"restore_stage_" nm "_p90",                      \
						  "ms",                                            \
						  LR_DIR_LOWER,                                    \
						  LR_G_TRACE,                                      \
						  HIST,                                            \
						  "p90",                                           \
						  STAGE_OVER,                                      \
						  "restore critical path (kernel trace), " what    \
						  "; per_rep = the repetition's 90th "             \
						  "percentile",                                    \
						  false}
#define STAGE_OVER "every restore of the job's queues broken down from the kernel trace (histogram)"
    STAGE(0, "own_evict",
	  "stage 1: restore requested -> the VM's own eviction copies (not done at the request, "
	  "queued before the resuming pass began) done"),
    STAGE(1, "to_worker",
	  "stage 2: -> the restore worker pass that resumed the queue began (failed passes "
	  "before it included)"),
    STAGE(2, "worker", "stage 3: -> that pass ended"),
    STAGE(3, "copies", "stage 4: -> the copies that pass queued done"),
    STAGE(4, "resume", "stage 5: -> the queue resumed"),
    STAGE(5, "pickup",
	  "stage 6: -> the queue's first run (the six stages add up to the "
	  "restore latency)"),
#undef STAGE
#undef STAGE_OVER
    [LR_M_RESTORE_COPY_WAIT] = {"restore_copy_wait", "ms", LR_DIR_LOWER, LR_G_TRACE, HIST, "p50",
				"every copy on a restore chain of the job (kernel trace), queued "
				"-> started on the engine (histogram)",
				"copies on the job's restore chains: queued -> the engine started "
				"it; per_rep = median",
				false},
    [LR_M_RESTORE_COPY_EXEC] =
	{"restore_copy_exec", "ms", LR_DIR_LOWER, LR_G_TRACE, HIST, "p50",
	 "every copy on a restore chain of the job (kernel trace), started "
	 "-> done (histogram)",
	 "copies on the job's restore chains: started -> done on the engine; "
	 "per_rep = median",
	 false},
    [LR_M_RESTORES_BROKEN_DOWN] =
	{"restores_broken_down", "count", LR_DIR_NONE, LR_G_TRACE, REPS, "value", "repetitions",
	 "restores of the job's queues broken down from the kernel trace, "
	 "per repetition (never judged)",
	 false},
    [LR_M_RESTORES_SKIPPED] = {"restores_skipped", "count", LR_DIR_LOWER, LR_G_TRACE, REPS, "value",
			       "repetitions: 0 expected",
			       "restores of the job's queues in the trace that could not be "
			       "broken down (reasons per repetition in result.json)",
			       false},
};

const struct lr_metric_def *lr_metric_find(const char *name)
{
	for (unsigned i = 0; i < LR_METRICS; i++)
		if (!strcmp(lr_metric_table[i].name, name))
			return &lr_metric_table[i];
	return NULL;
}

static const char *const dir_names[] = {"lower", "higher", "none"};

const char *lr_direction_name(enum lr_direction d)
{
	return (unsigned)d < 3 ? dir_names[d] : "?";
}

int lr_direction_parse(const char *s, enum lr_direction *d)
{
	for (unsigned i = 0; s && i < 3; i++)
		if (!strcmp(s, dir_names[i])) {
			*d = (enum lr_direction)i;
			return 0;
		}
	return -1;
}

const char *lr_mgroup_source(enum lr_mgroup g)
{
	/* the trigger's writes and per-queue progress are timed by lrbench */
	if (g == LR_G_TRACE)
		return "kernel trace";
	return g == LR_G_ALWAYS || g == LR_G_EVICT || g == LR_G_QUEUES ? "lrbench" : "backend";
}

const char *lr_aggregation_name(enum lr_aggregation a)
{
	switch (a) {
	case LR_AGG_WINDOWS:
		return "windows";
	case LR_AGG_REPS:
		return "repetitions";
	default:
		return "histogram";
	}
}

json_t *lr_metric_table_json(void)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < LR_METRICS; i++) {
		const struct lr_metric_def *m = &lr_metric_table[i];

		json_array_append_new(
		    a, json_pack(
			   "{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "name", m->name, "unit",
			   m->unit ? m->unit : "<unit>/s", "direction",
			   lr_direction_name(m->direction), "source", lr_mgroup_source(m->group),
			   "aggregation", lr_aggregation_name(m->aggregation), "phase",
			   m->aggregation == LR_AGG_WINDOWS ? json_string(lr_phase_name(m->phase))
							    : json_null(),
			   "per_rep_stat", m->per_rep_stat, "summary_over", m->summary_over,
			   "description", m->description, "role",
			   m->primary ? "primary" : "diagnostic"));
	}
	return a;
}
