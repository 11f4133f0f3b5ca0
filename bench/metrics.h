/* SPDX-License-Identifier: MIT */
/*
 * Metric computations on sampled progress series: phase throughput, windowed
 * rates, stall detection, summaries. Pure functions, no I/O (unit-tested on
 * synthetic series in tests/unit/test_metrics.c).
 *
 * Stall: the sampler reads the job's progress counter every sample period.
 * A stall is a run of consecutive samples that all read the same progress
 * value and span more than the scenario's stall_threshold_ms; its length is
 * the time from the first to the last sample of the run, i.e. the time the
 * job was *observed* making no progress. This is a lower bound of the true
 * gap (short by less than the time to the next sample, normally one sample
 * period), and a late sampler wake-up can never be mistaken for a stall,
 * because it produces no pair of equal readings. A run still open when
 * sampling ends is closed at the last sample. The stall is attributed to the
 * phase of its first sample.
 */
#ifndef LR_METRICS_H
#define LR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

enum lr_phase {
	LR_PHASE_WARMUP,
	LR_PHASE_BASELINE,
	LR_PHASE_PRESSURE,
	LR_PHASE_COOLDOWN,
	LR_PHASES,
};

const char *lr_phase_name(unsigned phase);

struct lr_sample {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	uint64_t progress;
	uint32_t phase;
};

struct lr_summary {
	uint64_t n;
	double min, p50, p90, p99, max, mean, stddev;
};

/* Exact summary of @n values (NaN and infinite values are skipped) with the
 * definitions of stats.h: nearest-rank percentiles, sample stddev (n - 1).
 * n = 0 gives all zeros. */
void lr_summary_values(const double *v, size_t n, struct lr_summary *s);
/* Summary from a histogram, every value multiplied by @scale. */
void lr_summary_hist(const struct lr_hist *h, double scale, struct lr_summary *s);

/* Mean rate (units/s) over the samples of @phase: progress difference between
 * its first and last sample over their time difference. NaN when the phase
 * has fewer than two samples. */
double lr_phase_rate(const struct lr_sample *s, size_t n, unsigned phase);

/* Stall detection (see above): adds each stall length in ns to
 * @per_phase[phase of its start]. Returns the number of stalls. */
uint64_t lr_detect_stalls(const struct lr_sample *s, size_t n, uint64_t threshold_ns,
			  struct lr_hist per_phase[LR_PHASES]);

/* Windowed rates: windows of @window_ns starting at s[0].t_ns; a window is
 * also cut at every phase change. For each window @cb gets the window's end
 * time relative to s[0] (s), phase, progress at the end, rate (units/s) and
 * whether the window is full length (>= half of @window_ns). */
typedef void (*lr_window_fn)(void *ctx, double t_s, unsigned phase, uint64_t progress, double rate,
			     bool full);
size_t lr_windows(const struct lr_sample *s, size_t n, uint64_t window_ns, lr_window_fn cb,
		  void *ctx);

/* pressure / baseline; NaN when baseline is not positive or either is NaN. */
double lr_retained(double baseline_rate, double pressure_rate);

#endif /* LR_METRICS_H */
