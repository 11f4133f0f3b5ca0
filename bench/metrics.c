/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "stats.h"

static const char *const phase_names[LR_PHASES] = {"warmup", "baseline", "pressure", "cooldown"};

const char *lr_phase_name(unsigned phase)
{
	return phase < LR_PHASES ? phase_names[phase] : "?";
}

void lr_summary_values(const double *v, size_t n, struct lr_summary *s)
{
	struct lr_desc d;

	memset(s, 0, sizeof(*s));
	if (!lr_stats_desc(v, n, &d, NULL))
		return;
	s->n = d.n;
	s->min = d.min;
	s->max = d.max;
	s->p50 = d.median;
	s->p90 = d.p90;
	s->p99 = d.p99;
	s->mean = d.mean;
	s->stddev = d.stddev;
}

void lr_summary_hist(const struct lr_hist *h, double scale, struct lr_summary *s)
{
	memset(s, 0, sizeof(*s));
	if (!h->count)
		return;
	s->n = h->count;
	s->min = (double)h->min * scale;
	s->max = (double)h->max * scale;
	s->p50 = lr_hist_percentile(h, 50) * scale;
	s->p90 = lr_hist_percentile(h, 90) * scale;
	s->p99 = lr_hist_percentile(h, 99) * scale;
	s->mean = lr_hist_mean(h) * scale;
	s->stddev = lr_hist_stddev(h) * scale;
}

double lr_phase_rate(const struct lr_sample *s, size_t n, unsigned phase)
{
	size_t first = n, last = n;

	for (size_t i = 0; i < n; i++) {
		if (s[i].phase != phase)
			continue;
		if (first == n)
			first = i;
		last = i;
	}
	if (first == n || last == first || s[last].t_ns <= s[first].t_ns)
		return NAN;
	return (double)(s[last].progress - s[first].progress) /
	       ((double)(s[last].t_ns - s[first].t_ns) / 1e9);
}

uint64_t lr_detect_stalls(const struct lr_sample *s, size_t n, uint64_t threshold_ns,
			  struct lr_hist per_phase[LR_PHASES])
{
	uint64_t stalls = 0, gap;
	size_t first = 0; /* first sample that read the current value */

	for (size_t i = 1; i <= n; i++) {
		if (i < n && s[i].progress == s[first].progress)
			continue;
		/* s[first..i-1] all read the same value: observed no progress */
		gap = s[i - 1].t_ns - s[first].t_ns;
		if (gap > threshold_ns) {
			if (s[first].phase < LR_PHASES)
				lr_hist_add(&per_phase[s[first].phase], gap);
			stalls++;
		}
		first = i;
	}
	return stalls;
}

size_t lr_windows(const struct lr_sample *s, size_t n, uint64_t window_ns, lr_window_fn cb,
		  void *ctx)
{
	size_t start = 0, count = 0;

	if (n < 2)
		return 0;
	for (size_t i = 1; i < n; i++) {
		bool phase_change = s[i].phase != s[start].phase;
		bool last = i + 1 == n;
		/* a window ends at the last sample of its phase, at its length, or at the end */
		size_t end = phase_change ? i - 1 : i;
		uint64_t dt = s[end].t_ns - s[start].t_ns;

		if (!phase_change && !last && dt < window_ns)
			continue;
		if (end > start && dt > 0) {
			double rate =
			    (double)(s[end].progress - s[start].progress) / ((double)dt / 1e9);

			cb(ctx, (double)(s[end].t_ns - s[0].t_ns) / 1e9, s[end].phase,
			   s[end].progress, rate, dt * 2 >= window_ns);
			count++;
		}
		start = phase_change ? i : end;
		if (phase_change && last) /* a lone last sample of a new phase */
			break;
	}
	return count;
}

double lr_retained(double baseline_rate, double pressure_rate)
{
	if (isnan(baseline_rate) || isnan(pressure_rate) || !(baseline_rate > 0))
		return NAN;
	return pressure_rate / baseline_rate;
}
