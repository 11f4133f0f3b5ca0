/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "results.h"

const char *lr_cmp_verdict_name(enum lr_cmp_verdict v)
{
	switch (v) {
	case LR_CMP_UNCHANGED:
		return "unchanged";
	case LR_CMP_IMPROVED:
		return "improved";
	case LR_CMP_REGRESSED:
		return "regressed";
	case LR_CMP_INCONCLUSIVE:
		return "inconclusive";
	case LR_CMP_NOT_JUDGED:
		return "not-judged";
	case LR_CMP_ONLY_A:
		return "only-a";
	case LR_CMP_ONLY_B:
		return "only-b";
	case LR_CMP_NO_DATA:
		return "no-data";
	default:
		return "mismatch";
	}
}

/* Is the interval inside the equivalence band of +-@t_pct? */
static bool in_band(const struct lr_cmp_row *r, double t_pct)
{
	double t = t_pct / 100, tol;

	if (!r->ci_bounded)
		return false;
	if (r->ts.log_scale)
		return r->ci_lo >= 1 / (1 + t) - 1e-12 && r->ci_hi <= 1 + t + 1e-12;
	tol = t * fabs(r->a.median);
	return r->ci_lo >= -tol && r->ci_hi <= tol;
}

/* Statistics of one row that do not depend on the rest of the family. */
static void row_stats(struct lr_cmp_row *r)
{
	lr_stats_desc(r->va, r->nva, &r->a, NULL);
	lr_stats_desc(r->vb, r->nvb, &r->b, NULL);
	r->ratio = r->change_pct = r->p_adj = r->level = NAN;
	r->ci_lo = r->ci_hi = r->fixed_lo = r->fixed_hi = NAN;
	r->ci_bounded = r->fixed_bounded = r->significant = r->judged = false;
	r->note[0] = '\0';
	memset(&r->ts, 0, sizeof(r->ts));
	r->ts.p = 1;
	if (!r->in_a || !r->in_b || !r->a.n || !r->b.n)
		return;
	if (r->a.median != 0)
		r->ratio = r->b.median / r->a.median;
	if (!isnan(r->ratio))
		r->change_pct = (r->ratio - 1) * 100;
	else if (r->b.median != 0)
		r->change_pct = r->b.median > 0 ? INFINITY : -INFINITY;
	else
		r->change_pct = 0;
	lr_stats_twosample(r->va, r->nva, r->vb, r->nvb, &r->ts);
}

void lr_cmp_decide(struct lr_cmp_table *t, const struct lr_cmp_opts *o)
{
	size_t n = t->n, k = 0, np = 0, nd = 0;
	double *p = calloc(n ? n : 1, sizeof(double)), *w = calloc(n ? n : 1, sizeof(double));
	double *adj = calloc(n ? n : 1, sizeof(double)), *lvl = calloc(n ? n : 1, sizeof(double));
	size_t *map = calloc(n ? n : 1, sizeof(size_t));

	t->regressed = t->improved = t->unchanged = t->inconclusive = t->not_judged = 0;
	t->unmatched = t->primary_regressed = t->judged = t->primaries = 0;
	for (size_t i = 0; i < n; i++) {
		struct lr_cmp_row *r = &t->rows[i];

		row_stats(r);
		if (r->verdict == LR_CMP_MISMATCH)
			continue;
		if (!r->in_a || !r->in_b)
			r->verdict = r->in_a ? LR_CMP_ONLY_A : LR_CMP_ONLY_B;
		else if (!r->a.n || !r->b.n)
			r->verdict = LR_CMP_NO_DATA;
		else if (r->direction == LR_DIR_NONE)
			r->verdict = LR_CMP_NOT_JUDGED;
		else {
			r->judged = true;
			r->primary ? np++ : nd++;
		}
	}
	if (!p || !w || !adj || !lvl || !map) { /* fail safe: judge nothing */
		for (size_t i = 0; i < n; i++)
			if (t->rows[i].judged) {
				t->rows[i].judged = false;
				t->rows[i].verdict = LR_CMP_INCONCLUSIVE;
				snprintf(t->rows[i].note, sizeof(t->rows[i].note), "out of memory");
			}
		goto count;
	}
	/* the family: primaries share LR_CMP_PRIMARY_SHARE of alpha when there are
	 * diagnostics too, each group split evenly */
	for (size_t i = 0; i < n; i++) {
		struct lr_cmp_row *r = &t->rows[i];

		if (!r->judged)
			continue;
		map[k] = i;
		p[k] = r->ts.p;
		if (!np || !nd)
			w[k] = 1.0 / (double)(np + nd);
		else
			w[k] = r->primary ? LR_CMP_PRIMARY_SHARE / (double)np
					  : (1 - LR_CMP_PRIMARY_SHARE) / (double)nd;
		k++;
	}
	lr_stats_holm(p, w, k, o->alpha, adj, lvl);
	for (size_t j = 0; j < k; j++) {
		struct lr_cmp_row *r = &t->rows[map[j]];
		double up;

		r->p_adj = adj[j];
		r->level = lvl[j];
		r->significant = adj[j] <= o->alpha;
		r->ci_bounded = lr_stats_hl_ci(r->va, r->nva, r->vb, r->nvb, &r->ts, 1 - r->level,
					       &r->ci_lo, &r->ci_hi);
		if (o->ci_level > 0)
			r->fixed_bounded = lr_stats_hl_ci(r->va, r->nva, r->vb, r->nvb, &r->ts,
							  o->ci_level, &r->fixed_lo, &r->fixed_hi);
		if (r->significant) {
			/* which way: the shift estimate, else the medians */
			up = r->ts.estimate != 0 ? r->ts.estimate : r->b.median - r->a.median;
			r->verdict = (up > 0) == (r->direction == LR_DIR_HIGHER) ? LR_CMP_IMPROVED
										 : LR_CMP_REGRESSED;
		} else {
			r->verdict =
			    in_band(r, o->threshold_pct) ? LR_CMP_UNCHANGED : LR_CMP_INCONCLUSIVE;
		}
		if (!r->significant && r->ts.p_min > r->level)
			snprintf(r->note, sizeof(r->note),
				 "%zu vs %zu repetitions can never be significant at level %.3g "
				 "(smallest possible p %.3g)",
				 r->a.n, r->b.n, r->level, r->ts.p_min);
	}
count:
	for (size_t i = 0; i < n; i++) {
		const struct lr_cmp_row *r = &t->rows[i];

		t->judged += r->judged;
		t->primaries += r->judged && r->primary;
		switch (r->verdict) {
		case LR_CMP_REGRESSED:
			t->regressed++;
			t->primary_regressed += r->primary;
			break;
		case LR_CMP_IMPROVED:
			t->improved++;
			break;
		case LR_CMP_UNCHANGED:
			t->unchanged++;
			break;
		case LR_CMP_INCONCLUSIVE:
			t->inconclusive++;
			break;
		case LR_CMP_NOT_JUDGED:
			t->not_judged++;
			break;
		default:
			t->unmatched++;
		}
	}
	free(p);
	free(w);
	free(adj);
	free(lvl);
	free(map);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int lr_cmp_load(const char *path, json_t **rootp, struct lr_err *err)
{
	char file[PATH_MAX];
	struct stat st;
	json_error_t jerr;
	json_t *root, *metrics, *m, *v;
	const char *schema;
	size_t i, k;

	*rootp = NULL;
	if (stat(path, &st))
		return lr_fail(err, LR_ERR, "compare: %s: no such file or directory", path);
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%.4000s/%s", path, LR_RESULT_FILE);
	else
		snprintf(file, sizeof(file), "%s", path);
	root = json_load_file(file, 0, &jerr);
	if (!root)
		return lr_fail(err, LR_ERR, "compare: %s:%d: %s", file, jerr.line, jerr.text);
	if (!json_is_object(root)) {
		lr_fail(err, LR_ERR, "compare: %s: not a JSON object", file);
		goto fail;
	}
	schema = jstr(root, "schema");
	if (!schema || strcmp(schema, LR_RESULT_SCHEMA)) {
		lr_fail(err, LR_ERR, "compare: %s: not an %s document (schema is '%s')", file,
			LR_RESULT_SCHEMA, schema ? schema : "missing");
		goto fail;
	}
	v = json_object_get(root, "format_version");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > LR_RESULT_FORMAT_VERSION) {
		char got[32] = "missing";

		if (json_is_integer(v))
			snprintf(got, sizeof(got), "%lld", (long long)json_integer_value(v));
		lr_fail(err, LR_ERR, "compare: %s: format_version %s, this lrbench reads 1 to %d",
			file, got, LR_RESULT_FORMAT_VERSION);
		goto fail;
	}
	metrics = json_object_get(root, "metrics");
	if (!json_is_array(metrics)) {
		lr_fail(err, LR_ERR, "compare: %s: metrics: missing or not an array", file);
		goto fail;
	}
	json_array_foreach(metrics, i, m)
	{
		const char *name = jstr(m, "name"), *dir = jstr(m, "direction");
		json_t *pr = json_object_get(m, "per_rep"), *cfg = json_object_get(m, "config");

		if (!json_is_object(m) || !name || !*name) {
			lr_fail(err, LR_ERR, "compare: %s: metrics[%zu]: no name", file, i);
			goto fail;
		}
		if (!dir ||
		    (strcmp(dir, "lower") && strcmp(dir, "higher") && strcmp(dir, "none"))) {
			lr_fail(
			    err, LR_ERR,
			    "compare: %s: metric %s: direction must be \"lower\", \"higher\" or "
			    "\"none\"",
			    file, name);
			goto fail;
		}
		if (!jstr(m, "unit")) {
			lr_fail(err, LR_ERR, "compare: %s: metric %s: unit missing", file, name);
			goto fail;
		}
		if (cfg && !json_is_null(cfg) && !json_is_string(cfg)) {
			lr_fail(err, LR_ERR, "compare: %s: metric %s: config must be a string",
				file, name);
			goto fail;
		}
		if (!json_is_array(pr)) {
			lr_fail(err, LR_ERR,
				"compare: %s: metric %s: per_rep missing or not an array", file,
				name);
			goto fail;
		}
		json_array_foreach(pr, k, v)
		{
			if (json_is_number(v) || json_is_null(v))
				continue;
			lr_fail(err, LR_ERR,
				"compare: %s: metric %s: per_rep[%zu] is not a number or null",
				file, name, k);
			goto fail;
		}
	}
	*rootp = root;
	return LR_OK;
fail:
	json_decref(root);
	return LR_ERR;
}

static const char *metric_config(json_t *m)
{
	const char *c = jstr(m, "config");

	return c && *c ? c : NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Does metric @m take part on a side selecting @sel? */
static bool selected(json_t *m, const char *sel)
{
	return !sel || same_str(metric_config(m), sel);
}

/* Key match: with selectors, by name; without, by name + config. */
static bool same_key(json_t *x, json_t *y, const struct lr_cmp_opts *o)
{
	if (strcmp(jstr(x, "name"), jstr(y, "name")))
		return false;
	return o->a_config || o->b_config || same_str(metric_config(x), metric_config(y));
}

/*
 * Direction and role of metric @m of document @root. Format 2 documents
 * carry both. Format 1 had no role and got some directions wrong
 * (kernel_restores "higher"): for names in this lrbench's metric table the
 * table decides, other names keep their direction and are diagnostics.
 */
static void dir_role(json_t *root, json_t *m, enum lr_direction *dir, bool *primary)
{
	const struct lr_metric_def *d = lr_metric_find(jstr(m, "name"));
	const char *role = jstr(m, "role");

	if (json_integer_value(json_object_get(root, "format_version")) == 1 && d) {
		*dir = d->direction;
		*primary = d->primary;
		return;
	}
	if (lr_direction_parse(jstr(m, "direction"), dir))
		*dir = LR_DIR_NONE;
	*primary = role && !strcmp(role, "primary");
}

static double *values(json_t *m, size_t *n)
{
	json_t *pr = json_object_get(m, "per_rep"), *v;
	size_t i;
	double *vals;

	*n = json_array_size(pr);
	vals = malloc((*n ? *n : 1) * sizeof(double));
	if (!vals) {
		*n = 0;
		return NULL;
	}
	json_array_foreach(pr, i, v)
	{
		vals[i] = json_is_number(v) ? json_number_value(v) : NAN;
	}
	return vals;
}

static struct lr_cmp_row *new_row(struct lr_cmp_table *t, size_t *cap)
{
	if (t->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct lr_cmp_row *r = realloc(t->rows, nc * sizeof(*r));

		if (!r)
			return NULL;
		t->rows = r;
		*cap = nc;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

static int has_config(json_t *root, const char *sel)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(root, "metrics"), i, m)
	{
		if (selected(m, sel))
			return 1;
	}
	return 0;
}

static const char *scenario_name(json_t *root)
{
	const char *s = jstr(json_object_get(root, "scenario"), "name");

	return s ? s : "(none)";
}

static const char *backend_name(json_t *root)
{
	const char *s = jstr(json_object_get(root, "backend"), "name");

	return s ? s : "(none)";
}

static const char *device_name(json_t *root)
{
	const char *s = jstr(json_object_get(root, "device"), "name");

	return s ? s : "(not opened)";
}

int lr_cmp_check_same(json_t *a, json_t *b, const struct lr_cmp_opts *o, struct lr_err *err)
{
	static const struct {
		const char *what;
		const char *(*get)(json_t *);
	} keys[] = {
	    {"scenario", scenario_name}, {"backend", backend_name}, {"device", device_name}};

	if (o->allow_mismatch)
		return LR_OK;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].get(a), keys[i].get(b)))
			return lr_fail(err, LR_ERR,
				       "compare: the %s differs: A '%s', B '%s' (--allow-mismatch "
				       "compares them anyway)",
				       keys[i].what, keys[i].get(a), keys[i].get(b));
	return LR_OK;
}

size_t lr_cmp_failed_inputs(json_t *a, json_t *b, const char *path_a, const char *path_b,
			    char msgs[2][300])
{
	json_t *side[2] = {a, b};
	const char *path[2] = {path_a, path_b}, *tag[2] = {"A", "B"};
	size_t k = 0;

	for (int i = 0; i < 2; i++) {
		const char *st = jstr(side[i], "status"), *why = jstr(side[i], "reason");
		bool cancelled = json_is_true(json_object_get(side[i], "cancelled"));

		if (st && !strcmp(st, "pass") && !cancelled)
			continue;
		if (msgs)
			snprintf(msgs[k], sizeof(msgs[k]), "%s = %.120s: status %s%s%s%.100s",
				 tag[i], path[i], st ? st : "missing",
				 cancelled ? " (cancelled)" : "", why && *why ? ": " : "",
				 why && *why ? why : "");
		k++;
	}
	return k;
}

/* A histogram bin [lo, hi, count]: its midpoint. */
static double bin_mid(json_t *bin)
{
	return (json_number_value(json_array_get(bin, 0)) +
		json_number_value(json_array_get(bin, 1))) /
	       2;
}

/* One side's per_rep_histograms as grouped events on its own value grid
 * (bin midpoints). False when absent or malformed. */
static bool grouped_of(json_t *m, struct lr_grouped *g, double **valp, uint64_t **cntp)
{
	json_t *reps = json_object_get(m, "per_rep_histograms"), *bins, *bin;
	size_t i, j, k = 0, n = json_array_size(reps), cap = 0;
	double *val = NULL;
	uint64_t *cnt;

	*valp = NULL;
	*cntp = NULL;
	if (!json_is_array(reps) || !n)
		return false;
	/* the grid: every distinct midpoint */
	for (i = 0; i < n; i++) {
		bins = json_array_get(reps, i);
		if (!json_is_array(bins))
			goto bad;
		for (j = 0; j < json_array_size(bins); j++) {
			bin = json_array_get(bins, j);
			if (json_array_size(bin) != 3 || !json_is_integer(json_array_get(bin, 2)))
				goto bad;
			if (k == cap) {
				double *nv =
				    realloc(val, (cap = cap ? cap * 2 : 64) * sizeof(double));

				if (!nv)
					goto bad;
				val = nv;
			}
			val[k++] = bin_mid(bin);
		}
	}
	if (!k)
		goto bad;
	qsort(val, k, sizeof(double), lr_stats_cmp_double);
	j = 0;
	for (i = 0; i < k; i++)
		if (!j || val[i] != val[j - 1])
			val[j++] = val[i];
	k = j;
	cnt = calloc(n * k, sizeof(uint64_t));
	if (!cnt)
		goto bad;
	/* each repetition's counts on that grid */
	for (i = 0; i < n; i++) {
		bins = json_array_get(reps, i);
		for (j = 0; j < json_array_size(bins); j++) {
			double mid = bin_mid(bin = json_array_get(bins, j));
			json_int_t c = json_integer_value(json_array_get(bin, 2));
			const double *at =
			    bsearch(&mid, val, k, sizeof(double), lr_stats_cmp_double);

			if (at && c > 0)
				cnt[i * k + (size_t)(at - val)] += (uint64_t)c;
		}
	}
	*g = (struct lr_grouped){.nrep = n, .k = k, .value = val, .count = cnt};
	*valp = val;
	*cntp = cnt;
	return true;
bad:
	free(val);
	return false;
}

/* The pooled percentile of a histogram metric on both sides, when both
 * carry per-repetition histograms and its per_rep_stat is a percentile. */
static void row_pooled(struct lr_cmp_row *r, double level)
{
	const char *stat = r->ma ? jstr(r->ma, "per_rep_stat") : NULL;
	struct lr_grouped ga, gb;
	double *va = NULL, *vb = NULL;
	uint64_t *ca = NULL, *cb = NULL, seed = 1469598103934665603ull;
	char *end;

	r->have_pooled = false;
	if (!r->ma || !r->mb || !stat || stat[0] != 'p')
		return;
	r->pooled_p = strtod(stat + 1, &end);
	if (*end || !(r->pooled_p > 0 && r->pooled_p <= 100))
		return;
	if (!grouped_of(r->ma, &ga, &va, &ca) || !grouped_of(r->mb, &gb, &vb, &cb))
		goto out;
	/* the same resamples for the same metric every time (FNV-1a of its name) */
	for (const char *c = r->name; *c; c++)
		seed = (seed ^ (unsigned char)*c) * 1099511628211ull;
	r->have_pooled = lr_stats_pooled(&ga, &gb, r->pooled_p, level, seed, &r->pooled);
out:
	free(va);
	free(vb);
	free(ca);
	free(cb);
}

int lr_cmp_tables(json_t *a, json_t *b, const struct lr_cmp_opts *o, struct lr_cmp_table *t,
		  struct lr_err *err)
{
	json_t *ma = json_object_get(a, "metrics"), *mb = json_object_get(b, "metrics"), *x, *y;
	size_t cap = 0, i, j;
	bool *used_b = calloc(json_array_size(mb) + 1, sizeof(bool));

	memset(t, 0, sizeof(*t));
	if (!used_b)
		return lr_fail(err, LR_ERR, "compare: out of memory");
	if (o->a_config && !has_config(a, o->a_config)) {
		free(used_b);
		return lr_fail(err, LR_ERR, "compare: A has no metric with config '%s'",
			       o->a_config);
	}
	if (o->b_config && !has_config(b, o->b_config)) {
		free(used_b);
		return lr_fail(err, LR_ERR, "compare: B has no metric with config '%s'",
			       o->b_config);
	}
	json_array_foreach(ma, i, x)
	{
		struct lr_cmp_row *r;

		if (!selected(x, o->a_config))
			continue;
		r = new_row(t, &cap);
		if (!r)
			goto oom;
		r->name = jstr(x, "name");
		r->config = o->a_config ? NULL : metric_config(x);
		r->unit = jstr(x, "unit");
		dir_role(a, x, &r->direction, &r->primary);
		r->in_a = true;
		r->ma = x;
		r->va = values(x, &r->nva);
		json_array_foreach(mb, j, y)
		{
			enum lr_direction dy;
			bool py;

			if (used_b[j] || !selected(y, o->b_config) || !same_key(x, y, o))
				continue;
			used_b[j] = true;
			r->in_b = true;
			r->mb = y;
			r->vb = values(y, &r->nvb);
			dir_role(b, y, &dy, &py);
			r->primary |= py;
			if (strcmp(r->unit, jstr(y, "unit")) || dy != r->direction)
				r->verdict = LR_CMP_MISMATCH;
			break;
		}
	}
	json_array_foreach(mb, j, y)
	{
		struct lr_cmp_row *r;

		if (used_b[j] || !selected(y, o->b_config))
			continue;
		r = new_row(t, &cap);
		if (!r)
			goto oom;
		r->name = jstr(y, "name");
		r->config = o->b_config ? NULL : metric_config(y);
		r->unit = jstr(y, "unit");
		dir_role(b, y, &r->direction, &r->primary);
		r->in_b = true;
		r->vb = values(y, &r->nvb);
	}
	free(used_b);
	lr_cmp_decide(t, o);
	if (o->ci_level > 0)
		for (size_t k = 0; k < t->n; k++)
			row_pooled(&t->rows[k], o->ci_level);
	if (!t->judged && !t->not_judged)
		return lr_fail(err, LR_ERR,
			       "compare: no metric has data on both sides (status A: %s, B: %s)",
			       jstr(a, "status") ? jstr(a, "status") : "?",
			       jstr(b, "status") ? jstr(b, "status") : "?");
	return LR_OK;
oom:
	free(used_b);
	return lr_fail(err, LR_ERR, "compare: out of memory");
}

void lr_cmp_free(struct lr_cmp_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].va);
		free(t->rows[i].vb);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static void fmt_val(char *buf, size_t len, double x)
{
	if (isnan(x))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4g", x);
}

static void fmt_pct(char *buf, size_t len, double x, bool sign)
{
	if (isnan(x))
		snprintf(buf, len, "-");
	else if (isinf(x))
		snprintf(buf, len, "%sinf%%", x > 0 ? "+" : "-");
	else
		snprintf(buf, len, sign ? "%+.1f%%" : "%.1f%%", x);
}

static void fmt_ci(char *buf, size_t len, const struct lr_cmp_row *r)
{
	if (!r->judged)
		snprintf(buf, len, "-");
	else if (!r->ci_bounded)
		snprintf(buf, len, "unbounded");
	else if (r->ts.log_scale)
		snprintf(buf, len, "%.3g..%.3g", r->ci_lo, r->ci_hi);
	else
		snprintf(buf, len, "%+.3g..%+.3g", r->ci_lo, r->ci_hi);
}

/* Finished repetitions of the run, or of configuration @sel in it. */
static long long reps_of(json_t *root, const char *sel)
{
	json_t *reps = json_object_get(root, "repetitions"), *r;
	long long n = 0;
	size_t i;

	if (!sel)
		return json_integer_value(json_object_get(reps, "done"));
	json_array_foreach(json_object_get(reps, "runs"), i, r)
	{
		n += same_str(jstr(r, "config"), sel);
	}
	return n;
}

static void describe(FILE *out, const char *tag, const char *path, json_t *root, const char *sel)
{
	fprintf(out, "  %s = %s%s%s: %s%s, scenario %s, suite %s, kernel %s, %s on %s, %lld reps\n",
		tag, path, sel ? " config " : "", sel ? sel : "",
		jstr(root, "status") ? jstr(root, "status") : "?",
		json_is_true(json_object_get(root, "cancelled")) ? " (cancelled)" : "",
		scenario_name(root),
		jstr(root, "suite_version") ? jstr(root, "suite_version") : "?",
		jstr(json_object_get(root, "kernel"), "release")
		    ? jstr(json_object_get(root, "kernel"), "release")
		    : "?",
		backend_name(root), device_name(root), reps_of(root, sel));
}

void lr_cmp_print(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		  const char *path_b, const struct lr_cmp_opts *o, FILE *out)
{
	bool notes = false;

	fprintf(out, "lrbench compare\n");
	describe(out, "A", path_a, a, o->a_config);
	describe(out, "B", path_b, b, o->b_config);
	fprintf(
	    out,
	    "  samples: per-repetition values; +-: sample stddev in %% of each side's mean;\n"
	    "  B/A: ratio of medians, CI: its confidence interval (of B - A when a value is <= 0)\n"
	    "  at level 1 - lvl; exact rank test, weighted Holm over the %zu judged metrics\n"
	    "  (family-wise error <= %g%%; primaries share %g%% of it): p is Holm-adjusted;\n"
	    "  unchanged: CI inside +-%g%%; inconclusive: neither significant nor unchanged\n\n",
	    t->judged, o->alpha * 100,
	    t->primaries && t->primaries < t->judged ? LR_CMP_PRIMARY_SHARE * 100 : 100,
	    o->threshold_pct);
	fprintf(out, "  %-32s %-4s %-13s %5s %10s %6s %10s %6s %7s %8s %17s %6s %7s  %s\n",
		"metric", "role", "unit", "n", "A median", "+-A", "B median", "+-B", "B/A",
		"%change", "CI", "lvl", "p", "verdict");
	for (size_t i = 0; i < t->n; i++) {
		const struct lr_cmp_row *r = &t->rows[i];
		char name[160], n[24], am[32], as[32], bm[32], bs[32], ch[32], ra[32], ci[64],
		    lv[32], pa[32];
		const char *v = lr_cmp_verdict_name(r->verdict);

		snprintf(name, sizeof(name), "%s%s%s", r->name, r->config ? "@" : "",
			 r->config ? r->config : "");
		snprintf(n, sizeof(n), "%zu/%zu", r->a.n, r->b.n);
		fmt_val(am, sizeof(am), r->a.median);
		fmt_pct(as, sizeof(as), r->a.stddev_pct, false);
		fmt_val(bm, sizeof(bm), r->b.median);
		fmt_pct(bs, sizeof(bs), r->b.stddev_pct, false);
		fmt_pct(ch, sizeof(ch), r->change_pct, true);
		fmt_val(ra, sizeof(ra), r->ratio);
		fmt_ci(ci, sizeof(ci), r);
		snprintf(lv, sizeof(lv), r->judged ? "%.2g" : "-", r->level);
		snprintf(pa, sizeof(pa), r->judged ? "%.2g" : "-", r->p_adj);
		if (r->verdict == LR_CMP_REGRESSED)
			v = r->primary ? "REGRESSED" : "regressed (diagnostic)";
		fprintf(out,
			"  %-32s %-4s %-13s %5s %10s %6s %10s %6s %7s %8s %17s %6s %7s  %s%s\n",
			name, r->primary ? "P" : "d", r->unit, n, am, as, bm, bs, ra, ch, ci, lv,
			pa, v, r->note[0] ? " *" : "");
		notes |= r->note[0] != '\0';
	}
	if (notes) {
		size_t with = 0, na = 0, nb = 0;
		bool same_n = true;
		double pmin = 1;

		/* every judged row can never be significant at the same sizes: one line */
		for (size_t i = 0; i < t->n; i++) {
			const struct lr_cmp_row *r = &t->rows[i];

			if (!r->judged)
				continue;
			with += r->note[0] != '\0';
			if (with == 1 && r->note[0]) {
				na = r->a.n;
				nb = r->b.n;
				pmin = r->ts.p_min;
			}
			same_n &= !na || (r->a.n == na && r->b.n == nb);
		}
		fprintf(out, "\n");
		if (with == t->judged && same_n)
			fprintf(
			    out,
			    "  * %zu vs %zu repetitions can never be significant at the level of "
			    "any of these metrics (smallest possible p %.3g): more repetitions\n",
			    na, nb, pmin);
		else
			for (size_t i = 0; i < t->n; i++)
				if (t->rows[i].note[0])
					fprintf(out, "  * %s%s%s: %s\n", t->rows[i].name,
						t->rows[i].config ? "@" : "",
						t->rows[i].config ? t->rows[i].config : "",
						t->rows[i].note);
	}
	fprintf(out,
		"\n  %zu regressed (%zu primary), %zu improved, %zu unchanged, %zu inconclusive, "
		"%zu not judged, %zu unmatched\n",
		t->regressed, t->primary_regressed, t->improved, t->unchanged, t->inconclusive,
		t->not_judged, t->unmatched);
}

/* One side: its statistics and an interval of its median at @level (what a
 * target on one configuration's value is judged by). */
static json_t *side_json(const struct lr_desc *s, const double *v, size_t nv, bool present,
			 double level)
{
	double *sorted, lo = NAN, hi = NAN;
	bool ok = false;

	if (!present)
		return json_null();
	sorted = malloc((nv ? nv : 1) * sizeof(double));
	if (sorted) {
		struct lr_desc d;
		size_t n = lr_stats_desc(v, nv, &d, sorted);

		ok = lr_stats_median_ci(sorted, n, level, &lo, &hi);
		free(sorted);
	}
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:f,s:o,s:o}}", "n", (json_int_t)s->n,
			 "median", lr_json_real(s->median), "mean", lr_json_real(s->mean), "stddev",
			 lr_json_real(s->stddev), "stddev_pct", lr_json_real(s->stddev_pct), "min",
			 lr_json_real(s->min), "max", lr_json_real(s->max), "median_ci", "level",
			 level, "lo", ok ? lr_json_real(lo) : json_null(), "hi",
			 ok ? lr_json_real(hi) : json_null());
}

static json_t *copy_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v ? json_copy(v) : json_null();
}

static json_t *run_json(const char *path, json_t *root, const char *sel)
{
	return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:s}", "path", path, "config",
			 sel ? json_string(sel) : json_null(), "suite_version",
			 copy_or_null(root, "suite_version"), "status",
			 copy_or_null(root, "status"), "reason", copy_or_null(root, "reason"),
			 "cancelled", copy_or_null(root, "cancelled"), "start_time",
			 copy_or_null(root, "start_time"), "scenario", scenario_name(root),
			 "backend", backend_name(root), "device", device_name(root));
}

/* The interval: bounds of the ratio or of the difference; null bounds when
 * the sample sizes support none at the row's level. */
static json_t *ci_json(const struct lr_cmp_row *r)
{
	if (!r->judged)
		return json_null();
	return json_pack("{s:o,s:s,s:o,s:o}", "level", lr_json_real(1 - r->level), "of",
			 r->ts.log_scale ? "ratio" : "difference", "lo",
			 r->ci_bounded ? lr_json_real(r->ci_lo) : json_null(), "hi",
			 r->ci_bounded ? lr_json_real(r->ci_hi) : json_null());
}

/* The pooled percentile and its cluster-bootstrap intervals; null when
 * not computed. */
static json_t *pooled_json(const struct lr_cmp_row *r, const struct lr_cmp_opts *o)
{
	const struct lr_pooled *q = &r->pooled;

	if (!r->have_pooled)
		return json_null();
	return json_pack(
	    "{s:f,s:I,s:I,s:o,s:o,s:o,s:{s:f,s:s,s:I,s:o,s:o},s:{s:o,s:o},s:{s:o,s:o}}",
	    "percentile", r->pooled_p, "events_a", (json_int_t)q->events_a, "events_b",
	    (json_int_t)q->events_b, "a", lr_json_real(q->a), "b", lr_json_real(q->b), "ratio",
	    lr_json_real(q->ratio), "ci", "level", o->ci_level, "method",
	    "cluster bootstrap over repetitions", "resamples", (json_int_t)q->resamples, "lo",
	    q->bounded ? lr_json_real(q->lo) : json_null(), "hi",
	    q->bounded ? lr_json_real(q->hi) : json_null(), "a_ci", "lo", lr_json_real(q->a_lo),
	    "hi", lr_json_real(q->a_hi), "b_ci", "lo", lr_json_real(q->b_lo), "hi",
	    lr_json_real(q->b_hi));
}

/* The same interval at the fixed level of --ci-level; null without it. */
static json_t *ci_fixed_json(const struct lr_cmp_row *r, const struct lr_cmp_opts *o)
{
	if (!r->judged || !(o->ci_level > 0))
		return json_null();
	return json_pack("{s:f,s:s,s:o,s:o}", "level", o->ci_level, "of",
			 r->ts.log_scale ? "ratio" : "difference", "lo",
			 r->fixed_bounded ? lr_json_real(r->fixed_lo) : json_null(), "hi",
			 r->fixed_bounded ? lr_json_real(r->fixed_hi) : json_null());
}

json_t *lr_cmp_json(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		    const char *path_b, const struct lr_cmp_opts *o)
{
	json_t *rows = json_array(), *fail = json_array();
	double mlevel = o->ci_level > 0 ? o->ci_level : 0.95;
	char msgs[2][300];
	size_t nf = lr_cmp_failed_inputs(a, b, path_a, path_b, msgs);

	for (size_t i = 0; i < nf; i++)
		json_array_append_new(fail, lr_json_string(msgs[i]));
	for (size_t i = 0; i < t->n; i++) {
		const struct lr_cmp_row *r = &t->rows[i];
		json_t *change = isinf(r->change_pct)
				     ? json_string(r->change_pct > 0 ? "+inf" : "-inf")
				     : lr_json_real(r->change_pct);

		json_array_append_new(
		    rows,
		    json_pack(
			"{s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:s,s:o}",
			"name", r->name, "config", r->config ? json_string(r->config) : json_null(),
			"unit", r->unit, "direction", lr_direction_name(r->direction), "role",
			r->primary ? "primary" : "diagnostic", "a",
			side_json(&r->a, r->va, r->nva, r->in_a, mlevel), "b",
			side_json(&r->b, r->vb, r->nvb, r->in_b, mlevel), "ratio",
			lr_json_real(r->ratio), "change_pct", change, "p",
			r->judged ? lr_json_real(r->ts.p) : json_null(), "p_adjusted",
			r->judged ? lr_json_real(r->p_adj) : json_null(), "level",
			r->judged ? lr_json_real(r->level) : json_null(), "ci", ci_json(r),
			"ci_fixed", ci_fixed_json(r, o), "pooled", pooled_json(r, o), "significant",
			r->significant, "verdict", lr_cmp_verdict_name(r->verdict), "note",
			r->note[0] ? json_string(r->note) : json_null()));
	}
	return json_pack(
	    "{s:s,s:i,s:s,s:f,s:f,s:f,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I},s:i}",
	    "schema", LR_COMPARE_SCHEMA, "format_version", LR_COMPARE_FORMAT_VERSION, "method",
	    "exact Wilcoxon-Mann-Whitney test and Hodges-Lehmann interval on per-repetition "
	    "values, weighted Holm over the judged metrics",
	    "alpha", o->alpha, "primary_share", LR_CMP_PRIMARY_SHARE, "equivalence_pct",
	    o->threshold_pct, "a", run_json(path_a, a, o->a_config), "b",
	    run_json(path_b, b, o->b_config), "failed_inputs", fail, "rows", rows, "counts",
	    "regressed", (json_int_t)t->regressed, "primary_regressed",
	    (json_int_t)t->primary_regressed, "improved", (json_int_t)t->improved, "unchanged",
	    (json_int_t)t->unchanged, "inconclusive", (json_int_t)t->inconclusive, "not_judged",
	    (json_int_t)t->not_judged, "unmatched", (json_int_t)t->unmatched, "exit_status",
	    t->primary_regressed || nf ? 1 : 0);
}
