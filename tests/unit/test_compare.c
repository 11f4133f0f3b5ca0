/* SPDX-License-Identifier: MIT */
/*
 * lrbench compare: statistics against hand-computed values, the
 * significance rule (separated ranges AND |%change| > threshold) in both
 * directions, key matching (name + config, config selectors), malformed
 * documents, and the JSON rendering. Synthetic result files are written to
 * $LR_UNIT_OUT/compare/ (or a temp dir) where the tier's CLI checks reuse
 * them for the exit codes of `lrbench compare`.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "compare.h"

static char dir[512];

/* |a - b| <= eps, printing both on failure (cmocka 1.1.5 has no double assert) */
#define assert_near(a, b, eps) near_(a, b, eps, #a, __FILE__, __LINE__)
static void _fail_msg_near(double a, double b, const char *what, const char *file, int line)
{
	print_error("%s:%d: %s = %.12g, expected %.12g\n", file, line, what, a, b);
	_fail(file, line);
}

static void near_(double a, double b, double eps, const char *what, const char *file, int line)
{
	if (!(fabs(a - b) <= eps) && !(a == b))
		_fail_msg_near(a, b, what, file, line);
}

static int setup(void **state)
{
	const char *base = getenv("LR_UNIT_OUT");
	char tmpl[] = "/tmp/lrbench-test-compare-XXXXXX";

	if (base && *base) {
		snprintf(dir, sizeof(dir), "%s/compare", base);
		return mkdir(dir, 0755) && errno != EEXIST ? -1 : 0;
	}
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	if (getenv("LR_UNIT_OUT") && *getenv("LR_UNIT_OUT"))
		return 0; /* the tier's CLI checks use the files; it removes the dir */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A metric with per_rep values (NAN -> null); config NULL: none. */
static json_t *metric(const char *name, const char *direction, const char *config, const double *v,
		      size_t n)
{
	json_t *pr = json_array(), *m;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(pr, isnan(v[i]) ? json_null() : json_real(v[i]));
	m = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "name", name, "unit", "ms", "direction",
		      direction, "description", "synthetic", "per_rep", pr, "per_rep_stat",
		      "value");
	if (config)
		json_object_set_new(m, "config", json_string(config));
	return m;
}

static json_t *doc_with(json_t *metrics)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:o}", "schema", "lrbench-result", "format_version", 1,
			 "suite_version", "test", "status", "pass", "metrics", metrics);
}

/* Write @doc (reference stolen) to dir/NAME.json; returns the path. */
static const char *save(const char *name, json_t *doc)
{
	static char path[8][600];
	static unsigned k;
	char *p = path[k++ % 8];

	snprintf(p, 600, "%s/%s.json", dir, name);
	assert_int_equal(json_dump_file(doc, p, JSON_INDENT(1)), 0);
	json_decref(doc);
	return p;
}

static void save_text(const char *name, const char *text)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s.json", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Per-repetition values of the synthetic runs; latency (lower is better)
 * and throughput (higher is better) */
static const double base_lat[] = {10.0, 10.5, 9.5, 10.0, 10.0};	       /* mean 10 */
static const double slow_lat[] = {12.0, 12.5, 11.5, 12.0, 12.0};       /* mean 12: +20 % */
static const double near_lat[] = {10.2, 10.7, 10.6, 10.9, 10.6};       /* +5.0 %, ranges overlap */
static const double sep_small[] = {10.51, 10.52, 10.53, 10.54, 10.55}; /* +5.3 %, separated */
static const double overlap_big[] = {9.0, 20.0, 10.0, 14.0, 17.0};     /* +40 %, overlaps */
static const double base_tp[] = {100, 102, 98, 100, 100};	       /* mean 100 */
static const double low_tp[] = {80, 81, 79, 80, 80};		       /* -20 % */
static const double zeros[] = {0, 0, 0, 0, 0};
static const double fails[] = {0, 3, 1, 2, 4};
#define N(a) (sizeof(a) / sizeof(a[0]))

static json_t *run_doc(const double *lat, const double *tp, const double *vf)
{
	json_t *m = json_array();

	json_array_append_new(m, metric("latency", "lower", NULL, lat, 5));
	json_array_append_new(m, metric("throughput", "higher", NULL, tp, 5));
	json_array_append_new(m, metric("verify_failures", "lower", NULL, vf, 5));
	return doc_with(m);
}

static struct lr_cmp_row *row(struct lr_cmp_table *t, const char *name, const char *config)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, name) &&
		    ((!config && !t->rows[i].config) ||
		     (config && t->rows[i].config && !strcmp(config, t->rows[i].config))))
			return &t->rows[i];
	fail_msg("row %s@%s missing", name, config ? config : "");
	return NULL;
}

/* Median, mean, sample stddev, min, max and %stddev against hand values;
 * NaN (null in per_rep) is skipped. */
static void test_stats(void **state)
{
	const double v[] = {4, NAN, 1, 3, 2};
	struct lr_cmp_side s;

	lr_cmp_stats(v, 5, &s);
	assert_int_equal(s.n, 4);
	assert_near(s.median, 2.5, 1e-12);
	assert_near(s.mean, 2.5, 1e-12);
	/* squared deviations 2.25+0.25+0.25+2.25 = 5, / (4-1) */
	assert_near(s.stddev, sqrt(5.0 / 3.0), 1e-12);
	assert_near(s.stddev_pct, sqrt(5.0 / 3.0) / 2.5 * 100, 1e-9);
	assert_near(s.min, 1, 0);
	assert_near(s.max, 4, 0);
	lr_cmp_stats(v + 1, 1, &s); /* only a NaN */
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median));
	lr_cmp_stats(v, 1, &s); /* one value: stddev 0 */
	assert_near(s.stddev, 0, 0);
	assert_near(s.median, 4, 0);
}

static void judge(struct lr_cmp_row *r, const char *dir_, const double *a, const double *b,
		  double thr)
{
	memset(r, 0, sizeof(*r));
	r->name = "m";
	r->unit = "ms";
	r->direction = dir_;
	r->in_a = r->in_b = true;
	lr_cmp_stats(a, 5, &r->a);
	lr_cmp_stats(b, 5, &r->b);
	lr_cmp_judge(r, thr);
}

/* The rule: significant only when the ranges separate AND the change is
 * above the threshold; its direction decides regression vs improvement. */
static void test_judge(void **state)
{
	struct lr_cmp_row r;

	judge(&r, "lower", base_lat, slow_lat, 5);
	assert_near(r.change_pct, 20, 1e-9);
	assert_near(r.ratio, 1.2, 1e-12);
	assert_true(r.separated);
	assert_int_equal(r.verdict, LR_CMP_REGRESSION);
	judge(&r, "higher", base_lat, slow_lat, 5); /* same numbers, better direction */
	assert_int_equal(r.verdict, LR_CMP_IMPROVEMENT);
	judge(&r, "lower", slow_lat, base_lat, 5);
	assert_near(r.change_pct, -100.0 / 6, 1e-9);
	assert_int_equal(r.verdict, LR_CMP_IMPROVEMENT);
	judge(&r, "lower", base_lat, slow_lat, 25); /* above the threshold? no */
	assert_true(r.separated);
	assert_false(r.significant);
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, "lower", base_lat, overlap_big, 5); /* +40 % but the ranges overlap */
	assert_near(r.change_pct, 40, 1e-9);
	assert_false(r.separated);
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, "lower", base_lat, near_lat, 5); /* overlap (10.5 > 10.2) */
	assert_false(r.separated);
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, "lower", base_lat, sep_small, 5); /* separated, +5.3 % > 5 */
	assert_true(r.separated);
	assert_near(r.change_pct, 5.3, 1e-9);
	assert_int_equal(r.verdict, LR_CMP_REGRESSION);
	judge(&r, "lower", base_lat, sep_small, 5.31); /* the threshold decides */
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, "lower", base_lat, sep_small, 5.29);
	assert_int_equal(r.verdict, LR_CMP_REGRESSION);
	judge(&r, "lower", zeros, fails, 5); /* 0 -> some: infinite change, but one rep is 0 */
	assert_true(isinf(r.change_pct));
	assert_false(r.separated); /* a rep with 0 failures overlaps */
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, "lower", zeros, zeros, 5);
	assert_near(r.change_pct, 0, 0);
	assert_true(isnan(r.ratio));
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
}

/* 0 -> always non-zero (every rep failed verification): infinitely worse. */
static void test_judge_from_zero(void **state)
{
	const double some[] = {1, 3, 1, 2, 4};
	struct lr_cmp_row r;

	judge(&r, "lower", zeros, some, 5);
	assert_true(isinf(r.change_pct) && r.change_pct > 0);
	assert_true(r.separated);
	assert_int_equal(r.verdict, LR_CMP_REGRESSION);
}

static void compare_files(const char *a, const char *b, const struct lr_cmp_opts *o,
			  struct lr_cmp_table *t, json_t **ja, json_t **jb)
{
	struct lr_err err = {{0}};

	if (lr_cmp_load(a, ja, &err) || lr_cmp_load(b, jb, &err))
		fail_msg("%s", err.msg);
	if (lr_cmp_tables(*ja, *jb, o, t, &err))
		fail_msg("%s", err.msg);
}

/* Whole documents: the synthetic files the CLI checks reuse. */
static void test_documents(void **state)
{
	const double some[] = {1, 3, 1, 2, 4};
	struct lr_cmp_opts o = {.threshold_pct = 5};
	struct lr_cmp_table t;
	const char *base = save("base", run_doc(base_lat, base_tp, zeros));
	const char *slower = save("slower", run_doc(slow_lat, base_tp, zeros));
	const char *faster = save("faster", run_doc(base_lat, base_tp, zeros));
	const char *lowtp = save("low-throughput", run_doc(base_lat, low_tp, zeros));
	const char *noisy = save("noisy", run_doc(overlap_big, base_tp, zeros));
	const char *broken = save("verify-failures", run_doc(base_lat, base_tp, some));
	json_t *a, *b, *j;

	compare_files(base, slower, &o, &t, &a, &b);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.regressions, 1);
	assert_int_equal(row(&t, "latency", NULL)->verdict, LR_CMP_REGRESSION);
	assert_int_equal(row(&t, "throughput", NULL)->verdict, LR_CMP_UNCHANGED);
	/* JSON: one row per metric, the counts, the change */
	j = lr_cmp_json(&t, a, b, base, slower, &o);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "counts"), "regressions")), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(j, "rows"), 0), "verdict")),
			    "regression");
	json_decref(j);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(slower, faster, &o, &t, &a, &b); /* the other way round */
	assert_int_equal(t.regressions, 0);
	assert_int_equal(t.improvements, 1);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, lowtp, &o, &t, &a, &b); /* higher is better: -20 % regresses */
	assert_int_equal(row(&t, "throughput", NULL)->verdict, LR_CMP_REGRESSION);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, noisy, &o, &t, &a, &b); /* +40 % within noise */
	assert_int_equal(t.regressions, 0);
	assert_int_equal(t.unchanged, 3);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, broken, &o, &t, &a, &b);
	assert_int_equal(row(&t, "verify_failures", NULL)->verdict, LR_CMP_REGRESSION);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);
}

/* Keys: name + config; selectors compare configurations of one run;
 * metrics on one side only are listed, not judged. */
static void test_configs(void **state)
{
	struct lr_cmp_opts o = {.threshold_pct = 5};
	struct lr_cmp_table t;
	struct lr_err err = {{0}};
	json_t *m = json_array(), *a, *b;
	const char *two, *other;

	json_array_append_new(m, metric("latency", "lower", "open-coded", slow_lat, 5));
	json_array_append_new(m, metric("latency", "lower", "preempt-fence", base_lat, 5));
	json_array_append_new(m, metric("restore_latency", "lower", "preempt-fence", base_lat, 5));
	two = save("two-configs", doc_with(m));
	m = json_array();
	json_array_append_new(m, metric("latency", "lower", "open-coded", slow_lat, 5));
	json_array_append_new(m, metric("latency", "lower", "preempt-fence", slow_lat, 5));
	json_array_append_new(m, metric("bytes_moved", "higher", "preempt-fence", base_tp, 5));
	other = save("two-configs-b", doc_with(m));

	/* run against run: per config */
	compare_files(two, other, &o, &t, &a, &b);
	assert_int_equal(row(&t, "latency", "open-coded")->verdict, LR_CMP_UNCHANGED);
	assert_int_equal(row(&t, "latency", "preempt-fence")->verdict, LR_CMP_REGRESSION);
	assert_int_equal(row(&t, "restore_latency", "preempt-fence")->verdict, LR_CMP_ONLY_A);
	assert_int_equal(row(&t, "bytes_moved", "preempt-fence")->verdict, LR_CMP_ONLY_B);
	assert_int_equal(t.unmatched, 2);
	lr_cmp_free(&t);
	json_decref(b);

	/* configurations of one run: open-coded (A) against preempt-fence (B) */
	o.a_config = "open-coded";
	o.b_config = "preempt-fence";
	assert_int_equal(lr_cmp_tables(a, a, &o, &t, &err), LR_OK);
	assert_null(row(&t, "latency", NULL)->config);
	assert_int_equal(row(&t, "latency", NULL)->verdict, LR_CMP_IMPROVEMENT);
	assert_near(row(&t, "latency", NULL)->ratio, 10.0 / 12.0, 1e-12);
	assert_int_equal(row(&t, "restore_latency", NULL)->verdict, LR_CMP_ONLY_B);
	lr_cmp_free(&t);

	o.b_config = "no-such-mode";
	assert_int_equal(lr_cmp_tables(a, a, &o, &t, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "B has no metric with config 'no-such-mode'"));
	lr_cmp_free(&t);
	json_decref(a);
}

/* Malformed input: every error names the file and what is wrong. */
static void test_malformed(void **state)
{
	static const struct {
		const char *name, *text, *msg;
	} cases[] = {
	    {"bad-json", "{\"schema\": ", "bad-json.json:1:"},
	    {"bad-schema", "{\"schema\": \"other\", \"format_version\": 1, \"metrics\": []}",
	     "not an lrbench-result document (schema is 'other')"},
	    {"bad-version",
	     "{\"schema\": \"lrbench-result\", \"format_version\": 2, \"metrics\": []}",
	     "format_version 2, this lrbench reads 1"},
	    {"no-metrics", "{\"schema\": \"lrbench-result\", \"format_version\": 1}",
	     "metrics: missing or not an array"},
	    {"bad-direction",
	     "{\"schema\": \"lrbench-result\", \"format_version\": 1, \"metrics\": [{\"name\": "
	     "\"x\", "
	     "\"unit\": \"ms\", \"direction\": \"up\", \"per_rep\": [1]}]}",
	     "metric x: direction must be"},
	    {"bad-per-rep",
	     "{\"schema\": \"lrbench-result\", \"format_version\": 1, \"metrics\": [{\"name\": "
	     "\"x\", "
	     "\"unit\": \"ms\", \"direction\": \"lower\", \"per_rep\": [1, \"2\"]}]}",
	     "metric x: per_rep[1] is not a number or null"},
	    {"bad-config",
	     "{\"schema\": \"lrbench-result\", \"format_version\": 1, \"metrics\": [{\"name\": "
	     "\"x\", "
	     "\"unit\": \"ms\", \"direction\": \"lower\", \"per_rep\": [1], \"config\": 3}]}",
	     "metric x: config must be a string"},
	};
	struct lr_err err;
	char path[600];
	json_t *root;

	for (size_t i = 0; i < N(cases); i++) {
		save_text(cases[i].name, cases[i].text);
		snprintf(path, sizeof(path), "%s/%s.json", dir, cases[i].name);
		memset(&err, 0, sizeof(err));
		assert_int_equal(lr_cmp_load(path, &root, &err), LR_ERR);
		assert_null(root);
		if (!strstr(err.msg, cases[i].msg) || !strstr(err.msg, cases[i].name))
			fail_msg("%s: message '%s' lacks '%s'", cases[i].name, err.msg,
				 cases[i].msg);
	}
	assert_int_equal(lr_cmp_load("/nonexistent/x", &root, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "/nonexistent/x: no such file"));
}

/* Nothing to compare (a skipped run has no metric data) is an error, not a pass. */
static void test_no_data(void **state)
{
	const double none[] = {NAN, NAN, NAN, NAN, NAN};
	struct lr_cmp_opts o = {.threshold_pct = 5};
	struct lr_cmp_table t;
	struct lr_err err = {{0}};
	json_t *m = json_array(), *a, *b;

	json_array_append_new(m, metric("latency", "lower", NULL, none, 5));
	a = doc_with(m);
	b = run_doc(base_lat, base_tp, zeros);
	save("no-data", json_incref(a));
	assert_int_equal(lr_cmp_tables(a, b, &o, &t, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "no metric has data on both sides"));
	assert_int_equal(t.rows[0].verdict, LR_CMP_NO_DATA);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stats),	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_judge_from_zero), cmocka_unit_test(test_documents),
	    cmocka_unit_test(test_configs),	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_no_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
