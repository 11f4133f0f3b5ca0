/* SPDX-License-Identifier: MIT */
/*
 * Log-linear latency histogram (fio / HdrHistogram style).
 *
 * Values are unsigned 64-bit integers (lrbench records nanoseconds).
 * Values below 2^S (S = LR_HIST_SUB_BITS) have one bucket each (exact).
 * Every power-of-two group [2^k, 2^(k+1)) with k >= S is split into 2^S
 * linear sub-buckets of width 2^(k-S). A value is reported as the midpoint
 * of its bucket, so the relative error of any reported percentile is at
 * most 2^-(S+1) (1/64 = 1.5625% for S = 5), and zero below 2^S.
 *
 * Percentiles use the nearest-rank definition: pN is the smallest recorded
 * value v such that at least N% of the values are <= v; the histogram
 * returns the midpoint of the bucket holding that value, clamped to the
 * exact recorded min and max (stats.h: the one percentile definition).
 * min, max, mean and stddev (sample, n - 1) are exact.
 */
#ifndef LR_HIST_H
#define LR_HIST_H

#include <stdint.h>

#define LR_HIST_SUB_BITS 5
#define LR_HIST_SUB	 (1u << LR_HIST_SUB_BITS)
/* groups: one exact group for [0, 2^S), then one per k in [S, 63] */
#define LR_HIST_BUCKETS ((64 - LR_HIST_SUB_BITS + 1) * LR_HIST_SUB)

/* Documented bound on the relative error of a reported percentile. */
#define LR_HIST_REL_ERR (1.0 / (double)(2u << LR_HIST_SUB_BITS))

struct lr_hist {
	uint64_t count;
	uint64_t min, max;
	double mean, m2; /* Welford running mean and sum of squared deviations */
	uint64_t bucket[LR_HIST_BUCKETS];
};

void lr_hist_init(struct lr_hist *h);
void lr_hist_add(struct lr_hist *h, uint64_t v);
/* Adds the @n values of @v. */
void lr_hist_add_all(struct lr_hist *h, const uint64_t *v, size_t n);
/* Adds every value of @src into @dst. */
void lr_hist_merge(struct lr_hist *dst, const struct lr_hist *src);

/* Bucket index of a value and the bounds [lo, hi) of a bucket. */
unsigned lr_hist_index(uint64_t v);
void lr_hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi_excl);

/* Percentile @p in [0, 100]; 0 when the histogram is empty. */
double lr_hist_percentile(const struct lr_hist *h, double p);
double lr_hist_mean(const struct lr_hist *h);
/* Sample standard deviation (n - 1; stats.h), 0 for fewer than 2 values. */
double lr_hist_stddev(const struct lr_hist *h);

#endif /* LR_HIST_H */
