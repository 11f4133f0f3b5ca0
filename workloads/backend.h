/* SPDX-License-Identifier: MIT */
/*
 * lrbench workload backends: one ops table per device family (fio-engine
 * style). Every backend lives in its own file workloads/<name>.c and exports
 * exactly one `const struct lr_backend_ops lr_backend_<name>`; the single list
 * of all of them is lr_backends[] in workloads/backend.c, so `lrbench list`,
 * help text and CI all come from one place.
 *
 * Return convention for every op that returns int:
 *   LR_OK (0)      success
 *   LR_ERR (-1)    runtime error or wrong result; the message is in err
 *   LR_SKIP (-77)  the backend/device/feature is not available here; the
 *                  reason is in err (lrbench exits 77 and prints it)
 * Messages name their context first ("opencl: clBuildProgram: ...").
 */
#ifndef LR_BACKEND_H
#define LR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LR_OK	0
#define LR_ERR	(-1)
#define LR_SKIP (-77)

#define LR_ERRLEN 512

/* Error buffer carried through every call that can fail. */
struct lr_err {
	char msg[LR_ERRLEN];
};

/* printf-style setter; always returns @code so callers can `return lr_fail(...)`. */
int lr_fail(struct lr_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct lr_dev;	/* opened device, backend private */
struct lr_job;	/* running never-ending job, backend private */
struct lr_pbuf; /* memory-pressure buffer, backend private */

struct lr_device_info {
	char name[128]; /* "pthread-AMD EPYC ..." */
	char vendor[128];
	char version[128];	  /* driver / API version string */
	char backend_detail[256]; /* e.g. "svm=fine-grain+atomics" */
	uint64_t global_mem_bytes;
	uint64_t max_alloc_bytes;
	uint32_t compute_units;
};

/*
 * Mixed load beside the never-ending job (backends with LR_CAP_MIXED): bounded
 * LR jobs submitted back to back on queues that share one scheduler with
 * normal (dma-fence) jobs submitted periodically. Zero = none.
 */
struct lr_mixed_params {
	uint32_t lr_queues;	   /* throttled LR queues (0: none) */
	uint32_t lr_in_flight;	   /* jobs kept in flight per LR queue (>= 2) */
	uint64_t lr_job_bytes;	   /* bytes one LR job writes */
	double normal_interval_ms; /* period of the normal jobs (0: none) */
	uint64_t normal_job_bytes; /* bytes one normal job writes */
};

struct lr_job_params {
	uint64_t buffer_bytes;	  /* size of the buffer the job transforms */
	uint32_t work_groups;	  /* 0 = one per compute unit (never more) */
	uint32_t work_group_size; /* 0 = backend default */
	uint32_t seed;		  /* initial buffer contents derive from it */
	/* Added with issue 5; zero keeps the old behaviour. */
	uint32_t queues;	      /* copies of the job, each on its own queue, VM and
				       * buffer of buffer_bytes (LR_CAP_QUEUES); 0 = 1 */
	struct lr_mixed_params mixed; /* LR_CAP_MIXED */
};

/*
 * Progress is a monotonically non-decreasing count of completed units
 * (job_progress()). A unit is one element transformed; unit_bytes says how
 * many bytes of the buffer one unit reads+writes, so bench can report
 * bytes/s. The backend fills these in job_start().
 */
struct lr_job_info {
	const char *unit; /* e.g. "elements" */
	uint64_t unit_bytes;
	uint32_t work_groups; /* actually launched */
	uint32_t work_group_size;
	/* Added with issue 12: the most units progress can move at once on
	 * one queue or group, times the number of queues or groups, so that
	 * progress_step / rate is the time between two steps of one of them
	 * (the job's progress granularity); 0: unknown or finer than any
	 * sampler resolves. lrbench refuses a stall threshold under 10x it. */
	uint64_t progress_step;
};

struct lr_verify_result {
	uint64_t passes; /* passes the job completed (sum over groups) */
	uint64_t elements_checked;
	uint64_t mismatches;	   /* 0 = data intact */
	uint64_t first_bad_offset; /* byte offset of the first mismatch */
	uint64_t expected, got;	   /* values at first_bad_offset */
};

/* A growable list of samples (kernel metrics); the owner frees it. */
struct lr_samples {
	uint64_t *v;
	size_t n, cap;
};

int lr_samples_push(struct lr_samples *s, uint64_t x); /* LR_OK / LR_ERR (no memory) */
void lr_samples_free(struct lr_samples *s);

/*
 * Kernel-side counters of one repetition (backends with kernel_metrics).
 * Backend-neutral; a backend fills what its kernel reports and leaves the
 * rest zero / empty. The sample lists are allocated by the backend and
 * owned by the caller afterwards (lr_kmetrics_free()).
 */
struct lr_kmetrics {
	uint64_t preemptions, restores, evictions;
	uint64_t bytes_to_vram, bytes_to_system;
	double preempt_lat_p50_ns; /* median of the samples; NaN: none */
	double restore_lat_p50_ns;

	/* Added with issue 5 (additive): every sample, not only a median. */
	bool have_samples;			      /* the lists below are filled */
	struct lr_samples preempt_lat_ns;	      /* preempt requested -> off the engine */
	struct lr_samples restore_lat_ns;	      /* restore start -> running again */
	struct lr_samples restore_bytes;	      /* bytes each restore brought back, paired
						       * with restore_lat_ns (same index) */
	struct lr_samples worker_lat_ns;	      /* wall time of each restore-worker run */
	struct lr_samples normal_lat_ns;	      /* normal (dma-fence) job: submit -> fence */
	struct lr_samples normal_user_lat_ns;	      /* the same seen by the submitter:
						       * intended submit -> wait returned */
	struct lr_samples normal_late_ns;	      /* its parts: intended submit -> exec
						       * ioctl entered (the submitter's lag) */
	struct lr_samples normal_exec_ns;	      /* exec ioctl entered -> returned */
	uint64_t copy_bytes, copy_busy_ns, copy_jobs; /* copy engine, copies only */
	/* Raw copy bandwidth (bytes/s): the fastest drain window that copied at
	 * least LR_COPY_WINDOW_MIN bytes. The kernel's busy time is wall time,
	 * which the host's scheduling inflates (UML is a process); the best
	 * window is what the engine does undisturbed. 0: no such window. */
	double copy_peak_bps;
	uint64_t restore_worker_ns, restore_worker_runs;
	uint64_t normal_jobs;	 /* completed normal jobs (kernel count) */
	uint64_t throttled_jobs; /* mixed load: completed bounded LR jobs */
	uint64_t samples_lost;	 /* events counted whose samples were overwritten
				  * before they were read */
	uint64_t reads;		 /* times the counters were read (drained) */

	/* Added with issue 12. job_queues: preemptions, restores and the
	 * preempt/restore samples above (and restore_bytes) are the job's own
	 * queues' counters, not the device's; the device-wide counts of every
	 * queue (load generators included) are then in dev_preemptions and
	 * dev_restores. false: those fields are device-wide. */
	bool job_queues;
	uint64_t dev_preemptions, dev_restores;
};

#define LR_COPY_WINDOW_MIN (1u << 20)

/* One queue of the job in kernel trace events (job_trace_ids). */
struct lr_trace_id {
	uint64_t client; /* DRM client id of the file (fdinfo drm-client-id) */
	uint32_t vm, queue;
};

/* Free the sample lists and zero @km (a zeroed struct is fine). */
void lr_kmetrics_free(struct lr_kmetrics *km);

struct lr_backend_ops {
	const char *name; /* CLI name, result key, file name: all the same */
	const char *help;

	/* Print the devices this backend can see, one per line, with the
	 * selector that picks each. LR_SKIP if none/not available. */
	int (*list_devices)(FILE *out, struct lr_err *err);

	/* Open a device. @sel is NULL (backend default / env var) or a
	 * selector: "P:D" indices, or a case-insensitive name substring. */
	int (*open)(const char *sel, struct lr_dev **out, struct lr_err *err);
	void (*close)(struct lr_dev *dev);
	int (*device_info)(struct lr_dev *dev, struct lr_device_info *info, struct lr_err *err);

	/* Never-ending job. job_start returns once the job is running on the
	 * device (progress is observable). */
	int (*job_start)(struct lr_dev *dev, const struct lr_job_params *p, struct lr_job **out,
			 struct lr_job_info *info, struct lr_err *err);
	/* Lock-free and cheap: called by the sampler thread at ~1 kHz while
	 * other threads use the device. */
	uint64_t (*job_progress)(struct lr_job *job);
	/* Set the stop flag and wait until the device is done with the job. */
	int (*job_stop)(struct lr_job *job, struct lr_err *err);
	/* After job_stop: compare the buffer exactly with the expected state. */
	int (*job_verify)(struct lr_job *job, struct lr_verify_result *res, struct lr_err *err);
	/* Test hook (after job_stop, before job_verify): flip bits of the
	 * element at @byte_offset so verification must fail. */
	int (*job_corrupt)(struct lr_job *job, uint64_t byte_offset, struct lr_err *err);
	void (*job_destroy)(struct lr_job *job);

	/* Memory pressure: allocate device memory, touch all of it on the
	 * device (a kernel writes every page) and wait for completion. The
	 * bench times alloc+touch; free releases it. */
	int (*pressure_alloc)(struct lr_dev *dev, uint64_t bytes, struct lr_pbuf **out,
			      struct lr_err *err);
	int (*pressure_touch)(struct lr_pbuf *buf, uint32_t pattern, struct lr_err *err);
	void (*pressure_free)(struct lr_pbuf *buf);

	/* Optional (NULL where the backend has none). Device configurations
	 * (NULL-terminated names) a run can alternate between repetitions;
	 * set_config switches while no job or pressure buffer exists. */
	const char *const *configs;
	int (*set_config)(struct lr_dev *dev, const char *name, struct lr_err *err);
	/* Device counters since the last call with @reset (then zeroes them).
	 * @out is output only; its sample lists belong to the caller. */
	int (*kernel_metrics)(struct lr_dev *dev, int reset, struct lr_kmetrics *out,
			      struct lr_err *err);

	/* What lr_job_params may ask beyond one plain job (LR_CAP_*). */
	unsigned caps;

	/* Optional: the device's eviction trigger (vlr: debugfs
	 * dri/N/vlr_evict_vram, like amdgpu_evict_vram). Evict every buffer
	 * from device memory and return once the copies landed: one
	 * preempt/evict/restore cycle of every running LR job per call.
	 * @probe: only say whether the trigger is usable here (nothing is
	 * evicted). LR_SKIP with the reason when it is not (older kernel, no
	 * debugfs, not root). NULL: the backend has none. */
	int (*evict_all)(struct lr_dev *dev, int probe, struct lr_err *err);

	/* Optional (jobs of several queues): each queue's own progress, in
	 * the same units, into @out[0 .. @max - 1]; returns the number of
	 * queues. Lock-free and cheap like job_progress (the sampler calls
	 * it at every tick), so a stalled queue the sum hides is seen. */
	unsigned (*job_queue_progress)(struct lr_job *job, uint64_t *out, unsigned max);

	/* Optional (issue 12 item 4): the job's queues as the kernel's trace
	 * events name them (vlr: the DRM client id of its file, fdinfo
	 * drm-client-id, and each queue's VM and queue id) into @out[0 ..
	 * @max - 1]; returns how many (0: unknown). NULL: the backend's
	 * kernel has no such events, the restore breakdown is not measured. */
	unsigned (*job_trace_ids)(struct lr_job *job, struct lr_trace_id *out, unsigned max);
};

#define LR_MAX_QUEUES 64

#define LR_CAP_QUEUES (1u << 0) /* lr_job_params.queues > 1 */
#define LR_CAP_MIXED  (1u << 1) /* lr_job_params.mixed */

extern const struct lr_backend_ops *const lr_backends[];

/* NULL if no backend has that name. */
const struct lr_backend_ops *lr_backend_find(const char *name);

#endif /* LR_BACKEND_H */
