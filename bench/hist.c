/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <string.h>

#include "hist.h"
#include "stats.h"

void lr_hist_init(struct lr_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned lr_hist_index(uint64_t v)
{
	unsigned k, shift;

	if (v < LR_HIST_SUB)
		return (unsigned)v;
	k = 63 - (unsigned)__builtin_clzll(v); /* floor(log2 v) >= S */
	shift = k - LR_HIST_SUB_BITS;
	return (k - LR_HIST_SUB_BITS + 1) * LR_HIST_SUB +
	       (unsigned)((v >> shift) & (LR_HIST_SUB - 1));
}

void lr_hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi_excl)
{
	unsigned group = idx / LR_HIST_SUB, sub = idx % LR_HIST_SUB, k, shift;
	uint64_t width;

	if (group == 0) {
		*lo = idx;
		*hi_excl = (uint64_t)idx + 1;
		return;
	}
	k = group + LR_HIST_SUB_BITS - 1;
	shift = k - LR_HIST_SUB_BITS;
	width = 1ull << shift;
	*lo = (1ull << k) + (uint64_t)sub * width;
	/* the very last bucket ends at 2^64, which saturates */
	*hi_excl = *lo + width < *lo ? UINT64_MAX : *lo + width;
}

void lr_hist_add(struct lr_hist *h, uint64_t v)
{
	h->bucket[lr_hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	{
		double d = (double)v - h->mean;

		h->mean += d / (double)h->count;
		h->m2 += d * ((double)v - h->mean);
	}
}

void lr_hist_add_all(struct lr_hist *h, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lr_hist_add(h, v[i]);
}

void lr_hist_merge(struct lr_hist *dst, const struct lr_hist *src)
{
	double n1 = (double)dst->count, n2 = (double)src->count, d;

	if (!src->count)
		return;
	/* Chan et al.: combine two Welford states */
	d = src->mean - dst->mean;
	dst->mean += d * n2 / (n1 + n2);
	dst->m2 += src->m2 + d * d * n1 * n2 / (n1 + n2);
	for (unsigned i = 0; i < LR_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

double lr_hist_percentile(const struct lr_hist *h, double p)
{
	uint64_t rank, seen = 0, lo, hi;
	double mid;

	if (!h->count)
		return 0;
	if (p <= 0)
		return (double)h->min;
	if (p >= 100)
		return (double)h->max;
	/* nearest rank: the smallest value with at least p% at or below it */
	rank = (uint64_t)lr_stats_rank_index(h->count, p) + 1;
	for (unsigned i = 0; i < LR_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		lr_hist_bounds(i, &lo, &hi);
		mid = hi - lo == 1 ? (double)lo : (double)lo + (double)(hi - lo) / 2.0;
		if (mid < (double)h->min)
			mid = (double)h->min;
		if (mid > (double)h->max)
			mid = (double)h->max;
		return mid;
	}
	return (double)h->max;
}

double lr_hist_mean(const struct lr_hist *h)
{
	return h->count ? h->mean : 0;
}

double lr_hist_stddev(const struct lr_hist *h)
{
	return lr_stats_stddev_m2(h->m2, (double)h->count);
}
