/* SPDX-License-Identifier: MIT */
/*
 * Statistics: the one definition of each statistic lrbench prints, and the
 * significance machinery of `lrbench compare`.
 *
 * Definitions used everywhere (show, compare, results, histograms, report):
 * - percentile pN (median = p50): nearest rank, the smallest value v such
 *   that at least N % of the values are <= v (sorted[ceil(N/100 * n) - 1]);
 *   never an average of two values, so a histogram (which only knows its
 *   buckets) and a list of values agree;
 * - standard deviation: the sample one, sqrt(sum of squared deviations /
 *   (n - 1)); 0 for n < 2.
 *
 * Significance (compare): per metric an exact two-sided Wilcoxon-Mann-
 * Whitney rank-sum test of A's against B's per-repetition values (ties get
 * mid-ranks; exact permutation distribution up to LR_STATS_EXACT_MAX values,
 * normal approximation with tie correction above), a Hodges-Lehmann
 * confidence interval of the shift (on the log scale when every value is
 * positive: then exp() of it is a confidence interval of the ratio of
 * medians B/A), and a weighted Holm procedure over all metrics of one
 * compare, so that the probability of calling any of them changed when none
 * is (the family-wise error rate) is at most alpha. Distribution-free: it
 * assumes only that repetitions are independent.
 */
#ifndef LR_STATS_H
#define LR_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exact permutation distribution up to this many values (both sides). */
#define LR_STATS_EXACT_MAX 80

/* Index (0-based) of the nearest-rank percentile @p in [0, 100] of @n
 * sorted values (n >= 1). */
/* qsort/bsearch comparator of doubles, ascending. */
int lr_stats_cmp_double(const void *x, const void *y);

size_t lr_stats_rank_index(size_t n, double p);
/* Nearest-rank percentile of @n sorted values; NaN when n = 0. */
double lr_stats_percentile_sorted(const double *sorted, size_t n, double p);
/* Sample standard deviation from n and the sum of squared deviations. */
double lr_stats_stddev_m2(double m2, double n);

/* Descriptive statistics of @n values (NaN skipped). */
struct lr_desc {
	size_t n;
	double min, max, median, p90, p99, mean, stddev;
	double stddev_pct; /* stddev / |mean| * 100; NaN when mean is 0 */
};
/* Fills @d (every field NaN when no value); @sorted_out (optional, n
 * entries) receives the finite values sorted. Returns the count. */
size_t lr_stats_desc(const double *v, size_t n, struct lr_desc *d, double *sorted_out);

/* Two-sample comparison of A (@a, @na) and B (@b, @nb); NaN skipped. */
struct lr_twosample {
	size_t na, nb;
	double p;	     /* two-sided p-value of the rank-sum test; 1 when a side is empty */
	double p_min;	     /* smallest p any data of these sizes could give (no ties) */
	bool exact;	     /* exact permutation distribution (else normal approximation) */
	bool log_scale;	     /* every value > 0: shift and CI on log values */
	double estimate;     /* Hodges-Lehmann shift B - A (log scale: of log values) */
	double median_ratio; /* nearest-rank median B / median A; NaN when A's is 0 */
};
int lr_stats_twosample(const double *a, size_t na, const double *b, size_t nb,
		       struct lr_twosample *t);

/*
 * Hodges-Lehmann confidence interval at @level (e.g. 0.95) of the shift
 * B - A (log scale when @t->log_scale), from the exact (or approximate)
 * distribution of the Mann-Whitney U: [D_(k), D_(mn+1-k)] of the sorted
 * pairwise differences. On the log scale *lo and *hi are returned as
 * ratios (exp). Returns false, with *lo = -inf and *hi = +inf (ratios: 0
 * and +inf), when the sample sizes cannot support an interval at that level.
 */
bool lr_stats_hl_ci(const double *a, size_t na, const double *b, size_t nb,
		    const struct lr_twosample *t, double level, double *lo, double *hi);

/* Distribution-free confidence interval of the median of @n sorted values
 * at @level from binomial order statistics: [x_(k), x_(n+1-k)] with the
 * largest k such that P(Bin(n, 1/2) <= k - 1) <= (1 - level) / 2. Returns
 * false (and NaNs) when n is too small for that level. */
bool lr_stats_median_ci(const double *sorted, size_t n, double level, double *lo, double *hi);

/*
 * Weighted Holm (Holm 1979): hypotheses i = 0..n-1 with p-values @p and
 * positive weights @w (any scale). Controls the family-wise error rate at
 * @alpha. Fills @adj (adjusted p-values: reject i iff adj[i] <= alpha) and
 * @level (the per-hypothesis significance level each was tested at:
 * w_i alpha / sum of the weights still in play at its step; the confidence
 * interval that matches the decision has level 1 - level[i]).
 */
void lr_stats_holm(const double *p, const double *w, size_t n, double alpha, double *adj,
		   double *level);

/* Seeded random numbers for the tests and simulations: xoshiro256**. */
/*
 * Events grouped in repetitions (a histogram per repetition, on one value
 * grid): @k distinct values, ascending, and @nrep rows of @k counts.
 */
struct lr_grouped {
	size_t nrep, k;
	const double *value;   /* k values (bucket midpoints) */
	const uint64_t *count; /* nrep x k, row-major */
};

/* Nearest-rank percentile @p (stats.h definition) of the pooled events of
 * the repetitions @idx[0..n) (each may repeat); NaN when they hold none.
 * @sum: scratch of g->k counters. */
double lr_grouped_percentile(const struct lr_grouped *g, const size_t *idx, size_t n, double p,
			     uint64_t *sum);

/*
 * Percentile @p of the pooled events of each side, their ratio B/A, and
 * percentile intervals at @level from a cluster bootstrap: each resample
 * draws whole repetitions with replacement on each side (events of one
 * repetition share its conditions, so they are not independent), pools
 * their events and takes the percentile. Deterministic for a @seed. The
 * number of resamples grows with the level (20 in each tail at least).
 * Returns false when a side has no events; bounded is false when too many
 * resamples had none to place the interval's ends.
 */
struct lr_pooled {
	double a, b, ratio; /* on all repetitions */
	uint64_t events_a, events_b;
	bool bounded;
	double lo, hi;		       /* ratio B/A */
	double a_lo, a_hi, b_lo, b_hi; /* each side's percentile */
	unsigned resamples;
};
bool lr_stats_pooled(const struct lr_grouped *a, const struct lr_grouped *b, double p, double level,
		     unsigned long long seed, struct lr_pooled *out);

struct lr_rng {
	unsigned long long s[4];
};
void lr_rng_seed(struct lr_rng *r, unsigned long long seed);
double lr_rng_uniform(struct lr_rng *r); /* (0, 1) */
double lr_rng_normal(struct lr_rng *r);	 /* standard normal (Box-Muller) */

#endif /* LR_STATS_H */
