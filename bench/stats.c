/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

size_t lr_stats_rank_index(size_t n, double p)
{
	double r = ceil(p / 100.0 * (double)n);

	if (r < 1)
		r = 1;
	if (r > (double)n)
		r = (double)n;
	return (size_t)r - 1;
}

double lr_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	return n ? sorted[lr_stats_rank_index(n, p)] : NAN;
}

double lr_stats_stddev_m2(double m2, double n)
{
	return n >= 2 && m2 > 0 ? sqrt(m2 / (n - 1)) : 0;
}

int lr_stats_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The finite values of @v, sorted, into a new array; count in *k. */
static double *sorted_copy(const double *v, size_t n, size_t *k)
{
	double *s = malloc((n ? n : 1) * sizeof(double));

	*k = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			s[(*k)++] = v[i];
	qsort(s, *k, sizeof(double), lr_stats_cmp_double);
	return s;
}

size_t lr_stats_desc(const double *v, size_t n, struct lr_desc *d, double *sorted_out)
{
	size_t k;
	double *s = sorted_copy(v, n, &k), mean = 0, m2 = 0;

	d->n = 0;
	d->min = d->max = d->median = d->p90 = d->p99 = d->mean = d->stddev = d->stddev_pct = NAN;
	if (!s)
		return 0;
	d->n = k;
	if (k) {
		for (size_t i = 0; i < k; i++) { /* Welford */
			double delta = s[i] - mean;

			mean += delta / (double)(i + 1);
			m2 += delta * (s[i] - mean);
		}
		d->min = s[0];
		d->max = s[k - 1];
		d->median = lr_stats_percentile_sorted(s, k, 50);
		d->p90 = lr_stats_percentile_sorted(s, k, 90);
		d->p99 = lr_stats_percentile_sorted(s, k, 99);
		d->mean = mean;
		d->stddev = lr_stats_stddev_m2(m2, (double)k);
		d->stddev_pct = mean != 0 ? d->stddev / fabs(mean) * 100 : NAN;
		if (sorted_out)
			memcpy(sorted_out, s, k * sizeof(double));
	}
	free(s);
	return k;
}

/* The k-th smallest (0-based) of @v[0..n-1], reordering @v (quickselect). */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* Every difference b_j - a_i (of logs when @log_scale) into @d[i * nb + j].
 * @sa and @sb are modified (logs taken in place). */
static void pairwise(double *sa, size_t na, double *sb, size_t nb, bool log_scale, double *d)
{
	if (log_scale) {
		for (size_t i = 0; i < na; i++)
			sa[i] = log(sa[i]);
		for (size_t j = 0; j < nb; j++)
			sb[j] = log(sb[j]);
	}
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			d[i * nb + j] = sb[j] - sa[i];
}

/* log C(n, k) */
static double log_choose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/*
 * Distribution of the sum of @m of the integer scores @sc[0..N-1] drawn
 * without replacement, every subset equally likely: cnt[s] = number of
 * subsets with sum s (s in [0, maxsum]). Returns a new array or NULL.
 */
static double *subset_sums(const unsigned *sc, size_t N, size_t m, size_t *maxsum_out)
{
	size_t maxsum = 0, w;
	double *cnt;

	for (size_t i = 0; i < N; i++)
		maxsum += sc[i];
	w = maxsum + 1;
	cnt = calloc((m + 1) * w, sizeof(double));
	if (!cnt)
		return NULL;
	cnt[0] = 1;
	for (size_t i = 0; i < N; i++)
		for (size_t k = (i + 1 < m ? i + 1 : m); k >= 1; k--) {
			double *dst = cnt + k * w;
			const double *src = cnt + (k - 1) * w;

			for (size_t s = maxsum; s >= sc[i]; s--)
				dst[s] += src[s - sc[i]];
		}
	memmove(cnt, cnt + m * w, w * sizeof(double));
	*maxsum_out = maxsum;
	return cnt;
}

/*
 * The no-ties null distribution of the rank sum of @m of N = 1..N ranks
 * depends only on (N, m): kept in a small cache (the simulations of the unit
 * tier and every compare of a result with many metrics ask for the same
 * few). Returns the counts (do not free) or NULL.
 */
static const double *rank_sum_dist(size_t N, size_t m, size_t *maxsum, double *total)
{
	static struct {
		size_t N, m, maxsum;
		double total, *cnt;
	} cache[8];
	static unsigned next_slot;
	unsigned *sc;
	unsigned i;

	for (i = 0; i < 8; i++)
		if (cache[i].cnt && cache[i].N == N && cache[i].m == m)
			goto hit;
	sc = malloc(N * sizeof(*sc));
	if (!sc)
		return NULL;
	for (size_t k = 0; k < N; k++)
		sc[k] = (unsigned)(k + 1);
	i = next_slot++ % 8;
	free(cache[i].cnt);
	cache[i].cnt = subset_sums(sc, N, m, &cache[i].maxsum);
	free(sc);
	if (!cache[i].cnt)
		return NULL;
	cache[i].N = N;
	cache[i].m = m;
	cache[i].total = 0;
	for (size_t s = 0; s <= cache[i].maxsum; s++)
		cache[i].total += cache[i].cnt[s];
hit:
	*maxsum = cache[i].maxsum;
	*total = cache[i].total;
	return cache[i].cnt;
}

struct obs {
	double v;
	int side; /* 0: A, 1: B */
};

static int cmp_obs(const void *x, const void *y)
{
	return lr_stats_cmp_double(&((const struct obs *)x)->v, &((const struct obs *)y)->v);
}

/* Standard normal upper tail. */
static double norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/* z with norm_sf(z) = q, q in (0, 0.5]; bisection is plenty here. */
static double norm_isf(double q)
{
	double lo = 0, hi = 40;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (norm_sf(mid) > q)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int lr_stats_twosample(const double *a, size_t na_in, const double *b, size_t nb_in,
		       struct lr_twosample *t)
{
	size_t na, nb, N, m, i, j;
	double *sa = sorted_copy(a, na_in, &na), *sb = sorted_copy(b, nb_in, &nb);
	struct obs *o = NULL;
	unsigned *score = NULL;
	double tie_sum = 0, obs2 = 0, E2;
	bool small_is_b;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->p = 1;
	t->p_min = 1;
	t->estimate = t->median_ratio = NAN;
	if (!sa || !sb)
		goto out;
	t->na = na;
	t->nb = nb;
	rc = 0;
	if (!na || !nb)
		goto out;
	N = na + nb;
	t->p_min = fmin(1, 2 * exp(-log_choose((double)N, (double)na)));
	t->log_scale = sa[0] > 0 && sb[0] > 0;
	{
		double ma = lr_stats_percentile_sorted(sa, na, 50);

		t->median_ratio = ma != 0 ? lr_stats_percentile_sorted(sb, nb, 50) / ma : NAN;
	}
	/* Hodges-Lehmann estimate: median of the pairwise differences */
	{
		double *d = malloc(na * nb * sizeof(double));

		if (!d) {
			rc = -1;
			goto out;
		}
		/* logs are monotone: the ranks below stay what they were */
		pairwise(sa, na, sb, nb, t->log_scale, d);
		/* the midpoint of the middle pair for an even count, as HL defines it */
		t->estimate = select_kth(d, na * nb, na * nb / 2);
		if (!((na * nb) % 2))
			t->estimate = (t->estimate + select_kth(d, na * nb, na * nb / 2 - 1)) / 2;
		free(d);
	}
	/* doubled mid-ranks; the statistic is the smaller side's rank sum */
	o = malloc(N * sizeof(*o));
	score = malloc(N * sizeof(*score));
	if (!o || !score) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < na; i++)
		o[i] = (struct obs){sa[i], 0};
	for (j = 0; j < nb; j++)
		o[na + j] = (struct obs){sb[j], 1};
	qsort(o, N, sizeof(*o), cmp_obs);
	small_is_b = nb <= na;
	m = small_is_b ? nb : na;
	for (i = 0; i < N;) {
		size_t e = i;

		while (e + 1 < N && o[e + 1].v == o[i].v)
			e++;
		/* positions i..e (0-based) share the mid-rank (i + e)/2 + 1; doubled */
		for (size_t k = i; k <= e; k++) {
			score[k] = (unsigned)(i + e + 2);
			if (o[k].side == (small_is_b ? 1 : 0))
				obs2 += score[k];
		}
		tie_sum += pow((double)(e - i + 1), 3) - (double)(e - i + 1);
		i = e + 1;
	}
	E2 = (double)m * (double)(N + 1); /* expected doubled rank sum */
	if (N <= LR_STATS_EXACT_MAX) {
		size_t maxsum;
		double tot = 0, ext = 0, dev = fabs(obs2 - E2) - 1e-9;

		if (tie_sum == 0) { /* no ties: the cached distribution of plain ranks */
			const double *cnt = rank_sum_dist(N, m, &maxsum, &tot);

			if (!cnt) {
				rc = -1;
				goto out;
			}
			for (size_t s = 0; s <= maxsum; s++)
				if (fabs(2.0 * (double)s - E2) >= dev)
					ext += cnt[s];
		} else {
			double *cnt = subset_sums(score, N, m, &maxsum);

			if (!cnt) {
				rc = -1;
				goto out;
			}
			for (size_t s = 0; s <= maxsum; s++) {
				tot += cnt[s];
				if (fabs((double)s - E2) >= dev)
					ext += cnt[s];
			}
			free(cnt);
		}
		t->p = fmin(1, ext / tot);
		t->exact = true;
	} else {
		double var = (double)na * (double)nb / 12.0 *
			     ((double)(N + 1) - tie_sum / ((double)N * (double)(N - 1)));
		double dev = fabs(obs2 - E2) / 2; /* rank-sum deviation = U deviation */

		t->p = var > 0 ? fmin(1, 2 * norm_sf(fmax(0, dev - 0.5) / sqrt(var))) : 1;
	}
out:
	free(sa);
	free(sb);
	free(o);
	free(score);
	return rc;
}

bool lr_stats_hl_ci(const double *a, size_t na_in, const double *b, size_t nb_in,
		    const struct lr_twosample *t, double level, double *lo, double *hi)
{
	size_t na, nb, N, mn, k = 0;
	double *sa = sorted_copy(a, na_in, &na), *sb = sorted_copy(b, nb_in, &nb), *d = NULL;
	double q = (1 - level) / 2;
	bool ok = false;

	*lo = t->log_scale ? 0 : -INFINITY;
	*hi = INFINITY;
	if (!sa || !sb || !na || !nb || !(q > 0))
		goto out;
	N = na + nb;
	mn = na * nb;
	if (N <= LR_STATS_EXACT_MAX) {
		/* no-ties null distribution of the rank sum W of B; U = W - nb(nb+1)/2 */
		size_t maxsum, base = nb * (nb + 1) / 2;
		double tot, cum = 0;
		const double *cnt = rank_sum_dist(N, nb, &maxsum, &tot);

		if (!cnt)
			goto out;
		/* largest k with P(U <= k - 1) <= q */
		for (size_t u = 0; u < mn && base + u <= maxsum; u++) {
			cum += cnt[base + u];
			if (cum / tot > q)
				break;
			k = u + 1;
		}
	} else {
		double z = norm_isf(q), c = (double)mn / 2 - z * sqrt((double)mn * (N + 1) / 12.0);

		k = c >= 1 ? (size_t)floor(c) : 0;
	}
	if (k < 1 || 2 * k > mn + 1)
		goto out;
	d = malloc(mn * sizeof(double));
	if (!d)
		goto out;
	pairwise(sa, na, sb, nb, t->log_scale, d);
	*lo = select_kth(d, mn, k - 1);
	*hi = select_kth(d, mn, mn - k);
	if (t->log_scale) {
		*lo = exp(*lo);
		*hi = exp(*hi);
	}
	ok = true;
out:
	free(sa);
	free(sb);
	free(d);
	return ok;
}

bool lr_stats_median_ci(const double *sorted, size_t n, double level, double *lo, double *hi)
{
	double q = (1 - level) / 2, cum = 0;
	size_t k = 0;

	*lo = *hi = NAN;
	for (size_t j = 0; j < n; j++) { /* cum = P(Bin(n, 1/2) <= j) */
		cum += exp(log_choose((double)n, (double)j) - (double)n * M_LN2);
		if (cum > q)
			break;
		k = j + 1;
	}
	if (k < 1 || 2 * k > n + 1)
		return false;
	*lo = sorted[k - 1];
	*hi = sorted[n - k];
	return true;
}

struct pw {
	double key;
	size_t i;
};

static int cmp_pw(const void *x, const void *y)
{
	const struct pw *a = x, *b = y;

	if (a->key != b->key)
		return lr_stats_cmp_double(&a->key, &b->key);
	return (a->i > b->i) - (a->i < b->i);
}

void lr_stats_holm(const double *p, const double *w, size_t n, double alpha, double *adj,
		   double *level)
{
	struct pw *o = malloc((n ? n : 1) * sizeof(*o));
	double rem = 0, run = 0, stop_rem = 0;
	size_t j, stop = n;

	if (!o) { /* fail safe: nothing significant */
		for (size_t i = 0; i < n; i++) {
			adj[i] = 1;
			level[i] = 0;
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		o[i] = (struct pw){p[i] / w[i], i};
		rem += w[i];
	}
	qsort(o, n, sizeof(*o), cmp_pw);
	for (j = 0; j < n; j++) {
		size_t i = o[j].i;
		double a = fmin(1, p[i] * rem / w[i]);

		run = fmax(run, a);
		adj[i] = run;
		if (run <= alpha)
			level[i] = alpha * w[i] / rem;
		else if (stop == n) {
			stop = j;
			stop_rem = rem;
		}
		rem -= w[i];
	}
	/* not rejected: tested at the level of the step where Holm stopped */
	for (j = stop; j < n; j++)
		level[o[j].i] = alpha * w[o[j].i] / stop_rem;
	free(o);
}

static unsigned long long rotl(unsigned long long x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void lr_rng_seed(struct lr_rng *r, unsigned long long seed)
{
	for (int i = 0; i < 4; i++) { /* splitmix64 */
		unsigned long long z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

static unsigned long long next(struct lr_rng *r)
{
	unsigned long long *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double lr_rng_uniform(struct lr_rng *r)
{
	return ((double)(next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double lr_rng_normal(struct lr_rng *r)
{
	double u = lr_rng_uniform(r), v = lr_rng_uniform(r);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

double lr_grouped_percentile(const struct lr_grouped *g, const size_t *idx, size_t n, double p,
			     uint64_t *sum)
{
	uint64_t total = 0, rank, seen = 0;

	memset(sum, 0, g->k * sizeof(*sum));
	for (size_t i = 0; i < n; i++) {
		const uint64_t *row = g->count + (idx ? idx[i] : i) * g->k;

		for (size_t j = 0; j < g->k; j++)
			sum[j] += row[j];
	}
	for (size_t j = 0; j < g->k; j++)
		total += sum[j];
	if (!total)
		return NAN;
	rank = lr_stats_rank_index((size_t)total, p) + 1; /* 1-based nearest rank */
	for (size_t j = 0; j < g->k; j++) {
		seen += sum[j];
		if (seen >= rank)
			return g->value[j];
	}
	return g->value[g->k - 1];
}

/* The interval's ends from @n sorted resampled values of which @nan were
 * undefined (placed at both ends: an end is only known when fewer than
 * the tail's share of resamples were undefined). */
static bool boot_ends(const double *sorted, size_t n, size_t nan, double level, double *lo,
		      double *hi)
{
	size_t total = n + nan, tail = (size_t)floor((1 - level) / 2 * (double)total);

	if (nan > tail || !n) {
		*lo = *hi = NAN;
		return false;
	}
	/* the undefined ones could lie on either side: take them from both tails */
	*lo = sorted[tail - nan];
	*hi = sorted[n - 1 - (tail - nan)];
	return true;
}

static void widen(double est, double n, double *lo, double *hi)
{
	double c = n > 1 ? sqrt(n / (n - 1)) : 1;

	if (!(est > 0) || !(*lo > 0) || !(*hi > 0))
		return;
	*lo = est * pow(*lo / est, c);
	*hi = est * pow(*hi / est, c);
}

bool lr_stats_pooled(const struct lr_grouped *a, const struct lr_grouped *b, double p, double level,
		     unsigned long long seed, struct lr_pooled *out)
{
	size_t R, kmax = a->k > b->k ? a->k : b->k, nmax = a->nrep > b->nrep ? a->nrep : b->nrep;
	size_t nr = 0, na_ = 0, nb_ = 0, bad_r = 0, bad_a = 0, bad_b = 0;
	uint64_t *sum = malloc((kmax ? kmax : 1) * sizeof(*sum));
	size_t *idx = malloc((nmax ? nmax : 1) * sizeof(*idx));
	double *ratio = NULL, *va = NULL, *vb = NULL;
	struct lr_rng rng;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	out->a = out->b = out->ratio = out->lo = out->hi = NAN;
	out->a_lo = out->a_hi = out->b_lo = out->b_hi = NAN;
	if (!sum || !idx || !a->nrep || !b->nrep || !a->k || !b->k)
		goto out;
	for (size_t i = 0; i < a->nrep * a->k; i++)
		out->events_a += a->count[i];
	for (size_t i = 0; i < b->nrep * b->k; i++)
		out->events_b += b->count[i];
	out->a = lr_grouped_percentile(a, NULL, a->nrep, p, sum);
	out->b = lr_grouped_percentile(b, NULL, b->nrep, p, sum);
	if (isnan(out->a) || isnan(out->b))
		goto out;
	out->ratio = out->a > 0 ? out->b / out->a : NAN;
	/* at least 20 resamples in each tail of the interval */
	R = (size_t)ceil(40 / (1 - level));
	R = R < 2000 ? 2000 : R > 200000 ? 200000 : R;
	out->resamples = (unsigned)R;
	ratio = malloc(R * sizeof(double));
	va = malloc(R * sizeof(double));
	vb = malloc(R * sizeof(double));
	if (!ratio || !va || !vb)
		goto out;
	lr_rng_seed(&rng, seed);
	for (size_t r = 0; r < R; r++) {
		double x, y;

		for (size_t i = 0; i < a->nrep; i++)
			idx[i] = (size_t)(lr_rng_uniform(&rng) * (double)a->nrep) % a->nrep;
		x = lr_grouped_percentile(a, idx, a->nrep, p, sum);
		for (size_t i = 0; i < b->nrep; i++)
			idx[i] = (size_t)(lr_rng_uniform(&rng) * (double)b->nrep) % b->nrep;
		y = lr_grouped_percentile(b, idx, b->nrep, p, sum);
		isnan(x) ? bad_a++ : (void)(va[na_++] = x);
		isnan(y) ? bad_b++ : (void)(vb[nb_++] = y);
		if (isnan(x) || isnan(y) || !(x > 0))
			bad_r++;
		else
			ratio[nr++] = y / x;
	}
	qsort(ratio, nr, sizeof(double), lr_stats_cmp_double);
	qsort(va, na_, sizeof(double), lr_stats_cmp_double);
	qsort(vb, nb_, sizeof(double), lr_stats_cmp_double);
	out->bounded = !isnan(out->ratio) && boot_ends(ratio, nr, bad_r, level, &out->lo, &out->hi);
	boot_ends(va, na_, bad_a, level, &out->a_lo, &out->a_hi);
	boot_ends(vb, nb_, bad_b, level, &out->b_lo, &out->b_hi);
	/* a bootstrap of n clusters spreads like a variance of (n - 1) / n of
	 * the true one: widen each interval by sqrt(n / (n - 1)) around its
	 * estimate, on the log scale (10 repetitions: 5 %) */
	if (out->bounded)
		widen(out->ratio, fmin((double)a->nrep, (double)b->nrep), &out->lo, &out->hi);
	widen(out->a, (double)a->nrep, &out->a_lo, &out->a_hi);
	widen(out->b, (double)b->nrep, &out->b_lo, &out->b_hi);
	ok = true;
out:
	free(sum);
	free(idx);
	free(ratio);
	free(va);
	free(vb);
	return ok;
}
