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
	case LR_CMP_IMPROVEMENT:
		return "improvement";
	case LR_CMP_REGRESSION:
		return "regression";
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

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

void lr_cmp_stats(const double *v, size_t n, struct lr_cmp_side *s)
{
	double *sorted = malloc((n ? n : 1) * sizeof(double));
	double sum = 0, m2 = 0;
	size_t k = 0;

	memset(s, 0, sizeof(*s));
	s->median = s->mean = s->stddev = s->min = s->max = s->stddev_pct = NAN;
	if (!sorted)
		return;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			sorted[k++] = v[i];
	s->n = k;
	if (k) {
		qsort(sorted, k, sizeof(double), cmp_double);
		s->min = sorted[0];
		s->max = sorted[k - 1];
		s->median = k % 2 ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
		for (size_t i = 0; i < k; i++)
			sum += sorted[i];
		s->mean = sum / (double)k;
		for (size_t i = 0; i < k; i++)
			m2 += (sorted[i] - s->mean) * (sorted[i] - s->mean);
		s->stddev = k > 1 ? sqrt(m2 / (double)(k - 1)) : 0;
		s->stddev_pct = s->mean != 0 ? s->stddev / fabs(s->mean) * 100 : NAN;
	}
	free(sorted);
}

void lr_cmp_judge(struct lr_cmp_row *r, double threshold_pct)
{
	bool worse;

	r->change_pct = r->ratio = NAN;
	r->separated = r->significant = false;
	if (!r->in_a || !r->in_b) {
		r->verdict = r->in_a ? LR_CMP_ONLY_A : LR_CMP_ONLY_B;
		return;
	}
	if (!r->a.n || !r->b.n) {
		r->verdict = LR_CMP_NO_DATA;
		return;
	}
	if (r->a.mean != 0)
		r->change_pct = (r->b.mean - r->a.mean) / fabs(r->a.mean) * 100;
	else if (r->b.mean == 0)
		r->change_pct = 0;
	else
		r->change_pct = r->b.mean > 0 ? INFINITY : -INFINITY;
	if (r->a.median != 0)
		r->ratio = r->b.median / r->a.median;
	r->separated = r->a.max < r->b.min || r->b.max < r->a.min;
	r->significant = r->separated && fabs(r->change_pct) > threshold_pct;
	if (!r->significant) {
		r->verdict = LR_CMP_UNCHANGED;
		return;
	}
	worse = !strcmp(r->direction, "higher") ? r->b.mean < r->a.mean : r->b.mean > r->a.mean;
	r->verdict = worse ? LR_CMP_REGRESSION : LR_CMP_IMPROVEMENT;
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
	if (!json_is_integer(v) || json_integer_value(v) != LR_RESULT_FORMAT_VERSION) {
		char got[32] = "missing";

		if (json_is_integer(v))
			snprintf(got, sizeof(got), "%lld", (long long)json_integer_value(v));
		lr_fail(err, LR_ERR, "compare: %s: format_version %s, this lrbench reads %d", file,
			got, LR_RESULT_FORMAT_VERSION);
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
		if (!dir || (strcmp(dir, "lower") && strcmp(dir, "higher"))) {
			lr_fail(err, LR_ERR,
				"compare: %s: metric %s: direction must be \"lower\" or \"higher\"",
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

static void side_stats(json_t *m, struct lr_cmp_side *s)
{
	json_t *pr = json_object_get(m, "per_rep"), *v;
	size_t n = json_array_size(pr), i;
	double *vals = malloc((n ? n : 1) * sizeof(double));

	if (!vals) {
		lr_cmp_stats(NULL, 0, s);
		return;
	}
	json_array_foreach(pr, i, v)
	{
		vals[i] = json_is_number(v) ? json_number_value(v) : NAN;
	}
	lr_cmp_stats(vals, n, s);
	free(vals);
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
		r->direction = jstr(x, "direction");
		r->in_a = true;
		side_stats(x, &r->a);
		json_array_foreach(mb, j, y)
		{
			if (used_b[j] || !selected(y, o->b_config) || !same_key(x, y, o))
				continue;
			used_b[j] = true;
			r->in_b = true;
			side_stats(y, &r->b);
			lr_cmp_judge(r, o->threshold_pct);
			if (strcmp(r->unit, jstr(y, "unit")) ||
			    strcmp(r->direction, jstr(y, "direction")))
				r->verdict = LR_CMP_MISMATCH;
			break;
		}
		if (!r->in_b)
			lr_cmp_judge(r, o->threshold_pct);
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
		r->direction = jstr(y, "direction");
		r->in_b = true;
		side_stats(y, &r->b);
		lr_cmp_judge(r, o->threshold_pct);
	}
	free(used_b);
	for (i = 0; i < t->n; i++) {
		switch (t->rows[i].verdict) {
		case LR_CMP_REGRESSION:
			t->regressions++;
			break;
		case LR_CMP_IMPROVEMENT:
			t->improvements++;
			break;
		case LR_CMP_UNCHANGED:
			t->unchanged++;
			break;
		default:
			t->unmatched++;
		}
	}
	if (!t->regressions && !t->improvements && !t->unchanged)
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
	json_t *dev = json_object_get(root, "device");
	const char *dn = json_is_object(dev) ? jstr(dev, "name") : NULL;

	fprintf(out, "  %s = %s%s%s: %s, suite %s, kernel %s, %s%s%s, %lld reps\n", tag, path,
		sel ? " config " : "", sel ? sel : "",
		jstr(root, "status") ? jstr(root, "status") : "?",
		jstr(root, "suite_version") ? jstr(root, "suite_version") : "?",
		jstr(json_object_get(root, "kernel"), "release")
		    ? jstr(json_object_get(root, "kernel"), "release")
		    : "?",
		jstr(json_object_get(root, "backend"), "name")
		    ? jstr(json_object_get(root, "backend"), "name")
		    : "?",
		dn ? " on " : "", dn ? dn : "", reps_of(root, sel));
}

void lr_cmp_print(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		  const char *path_b, const struct lr_cmp_opts *o, FILE *out)
{
	fprintf(out, "lrbench compare\n");
	describe(out, "A", path_a, a, o->a_config);
	describe(out, "B", path_b, b, o->b_config);
	fprintf(out,
		"  %%change: of the means, relative to A; +-: stddev in %% of each side's mean;\n"
		"  significant: per-repetition ranges separate and |%%change| > %g%%\n\n",
		o->threshold_pct);
	fprintf(out, "  %-32s %-14s %5s %10s %7s %10s %7s %9s %7s  %s\n", "metric", "unit", "n",
		"A median", "+-A", "B median", "+-B", "%change", "B/A", "verdict");
	for (size_t i = 0; i < t->n; i++) {
		const struct lr_cmp_row *r = &t->rows[i];
		char name[160], n[16], am[32], as[32], bm[32], bs[32], ch[32], ra[32];
		const char *v;

		snprintf(name, sizeof(name), "%s%s%s", r->name, r->config ? "@" : "",
			 r->config ? r->config : "");
		snprintf(n, sizeof(n), "%zu/%zu", r->a.n, r->b.n);
		fmt_val(am, sizeof(am), r->in_a ? r->a.median : NAN);
		fmt_pct(as, sizeof(as), r->in_a ? r->a.stddev_pct : NAN, false);
		fmt_val(bm, sizeof(bm), r->in_b ? r->b.median : NAN);
		fmt_pct(bs, sizeof(bs), r->in_b ? r->b.stddev_pct : NAN, false);
		fmt_pct(ch, sizeof(ch), r->change_pct, true);
		fmt_val(ra, sizeof(ra), r->ratio);
		switch (r->verdict) {
		case LR_CMP_UNCHANGED:
			v = r->separated ? "~ (below threshold)" : "~";
			break;
		case LR_CMP_REGRESSION:
			v = "REGRESSION";
			break;
		default:
			v = lr_cmp_verdict_name(r->verdict);
		}
		fprintf(out, "  %-32s %-14s %5s %10s %7s %10s %7s %9s %7s  %s\n", name, r->unit, n,
			am, as, bm, bs, ch, ra, v);
	}
	fprintf(out, "\n  %zu regression%s, %zu improvement%s, %zu unchanged, %zu unmatched\n",
		t->regressions, t->regressions == 1 ? "" : "s", t->improvements,
		t->improvements == 1 ? "" : "s", t->unchanged, t->unmatched);
}

static json_t *side_json(const struct lr_cmp_side *s, bool present)
{
	if (!present)
		return json_null();
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)s->n, "median",
			 lr_json_real(s->median), "mean", lr_json_real(s->mean), "stddev",
			 lr_json_real(s->stddev), "stddev_pct", lr_json_real(s->stddev_pct), "min",
			 lr_json_real(s->min), "max", lr_json_real(s->max));
}

static json_t *copy_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v ? json_copy(v) : json_null();
}

static json_t *run_json(const char *path, json_t *root, const char *sel)
{
	return json_pack(
	    "{s:s,s:o,s:o,s:o,s:o}", "path", path, "config", sel ? json_string(sel) : json_null(),
	    "suite_version", copy_or_null(root, "suite_version"), "status",
	    copy_or_null(root, "status"), "start_time", copy_or_null(root, "start_time"));
}

json_t *lr_cmp_json(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		    const char *path_b, const struct lr_cmp_opts *o)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < t->n; i++) {
		const struct lr_cmp_row *r = &t->rows[i];
		json_t *change = isinf(r->change_pct)
				     ? json_string(r->change_pct > 0 ? "+inf" : "-inf")
				     : lr_json_real(r->change_pct);

		json_array_append_new(
		    rows,
		    json_pack("{s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:b,s:s}", "name", r->name,
			      "config", r->config ? json_string(r->config) : json_null(), "unit",
			      r->unit, "direction", r->direction, "a", side_json(&r->a, r->in_a),
			      "b", side_json(&r->b, r->in_b), "change_pct", change, "ratio",
			      lr_json_real(r->ratio), "separated", r->separated, "significant",
			      r->significant, "verdict", lr_cmp_verdict_name(r->verdict)));
	}
	return json_pack("{s:s,s:i,s:f,s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I}}", "schema",
			 LR_COMPARE_SCHEMA, "format_version", LR_COMPARE_FORMAT_VERSION,
			 "threshold_pct", o->threshold_pct, "a", run_json(path_a, a, o->a_config),
			 "b", run_json(path_b, b, o->b_config), "rows", rows, "counts",
			 "regressions", (json_int_t)t->regressions, "improvements",
			 (json_int_t)t->improvements, "unchanged", (json_int_t)t->unchanged,
			 "unmatched", (json_int_t)t->unmatched);
}
