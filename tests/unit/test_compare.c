/* SPDX-License-Identifier: MIT */
/*
 * lrbench compare: the verdicts (improved / regressed / unchanged /
 * inconclusive / not-judged) of single metrics and of families, primary vs
 * diagnostic, key matching (name + config, config selectors), format 1
 * documents (directions from the metric table), inputs that did not pass or
 * describe other runs, malformed documents, and the JSON rendering. The
 * error rates of the decision are tested in test_stats.c. Synthetic result
 * files are written to $LR_UNIT_OUT/compare/ (or a temp dir) where the
 * tier's CLI checks reuse them for the exit codes of `lrbench compare`.
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

/* A metric with per_rep values (NAN -> null); config NULL: none; role primary. */
static json_t *metric_r(const char *name, const char *direction, const char *config,
			const double *v, size_t n, const char *role)
{
	json_t *pr = json_array(), *m;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(pr, isnan(v[i]) ? json_null() : json_real(v[i]));
	m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "name", name, "unit", "ms", "direction",
		      direction, "role", role, "description", "synthetic", "per_rep", pr,
		      "per_rep_stat", "value");
	if (config)
		json_object_set_new(m, "config", json_string(config));
	return m;
}

static json_t *metric(const char *name, const char *direction, const char *config, const double *v,
		      size_t n)
{
	return metric_r(name, direction, config, v, n, "primary");
}

static json_t *doc_full(json_t *metrics, const char *status, const char *scenario)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:b,s:{s:s},s:{s:s},s:{s:s},s:o}", "schema",
			 "lrbench-result", "format_version", 2, "suite_version", "test", "status",
			 status, "reason", "", "cancelled", 0, "scenario", "name", scenario,
			 "backend", "name", "fake", "device", "name", "fake device", "metrics",
			 metrics);
}

static json_t *doc_with(json_t *metrics)
{
	return doc_full(metrics, "pass", "synthetic");
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
static const double base_lat[] = {10.0, 10.5, 9.5, 10.0, 10.0};	   /* mean 10 */
static const double slow_lat[] = {12.0, 12.5, 11.5, 12.0, 12.0};   /* mean 12: +20 % */
static const double near_lat[] = {10.2, 10.7, 10.6, 10.9, 10.6};   /* +5.0 %, ranges overlap */
static const double overlap_big[] = {9.0, 20.0, 10.0, 14.0, 17.0}; /* +40 %, overlaps */
static const double base_tp[] = {100, 102, 98, 100, 100};	   /* mean 100 */
static const double low_tp[] = {80, 81, 79, 80, 80};		   /* -20 % */
static const double zeros[] = {0, 0, 0, 0, 0};
static const double fails[] = {0, 3, 1, 2, 4};
#define N(a) (sizeof(a) / sizeof(a[0]))

static json_t *run_doc(const double *lat, const double *tp, const double *vf)
{
	json_t *m = json_array();

	json_array_append_new(m, metric("latency", "lower", NULL, lat, 5));
	json_array_append_new(m, metric("throughput", "higher", NULL, tp, 5));
	json_array_append_new(m, metric_r("verify_failures", "lower", NULL, vf, 5, "diagnostic"));
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

/* One metric judged alone (a family of one: tested at alpha). */
static void judge(struct lr_cmp_row *r, enum lr_direction direction, const double *a, size_t na,
		  const double *b, size_t nb, double thr)
{
	struct lr_cmp_opts o = {.threshold_pct = thr, .alpha = LR_COMPARE_DEFAULT_ALPHA};
	struct lr_cmp_table t = {.rows = r, .n = 1};

	memset(r, 0, sizeof(*r));
	r->name = "m";
	r->unit = "ms";
	r->direction = direction;
	r->primary = true;
	r->in_a = r->in_b = true;
	r->va = (double *)a;
	r->vb = (double *)b;
	r->nva = na;
	r->nvb = nb;
	lr_cmp_decide(&t, &o);
}

/* The verdicts of one metric: significance decides improved/regressed by
 * direction; otherwise the interval decides unchanged vs inconclusive. */
static void test_judge(void **state)
{
	static const double tight_a[] = {100,	100.4, 99.8, 100.1, 99.9,
					 100.2, 100,   99.7, 100.3, 100};
	static const double tight_b[] = {100.2, 99.9,  100.1, 100, 99.8,
					 100.3, 100.1, 99.9,  100, 100.2};
	struct lr_cmp_row r;

	judge(&r, LR_DIR_LOWER, base_lat, 5, slow_lat, 5, 5); /* +20 %, separated */
	assert_near(r.ratio, 1.2, 1e-12);
	assert_near(r.change_pct, 20, 1e-9);
	assert_near(r.ts.p, 2.0 / 252, 1e-12);
	assert_near(r.level, 0.05, 1e-12);
	assert_true(r.significant && r.ci_bounded && r.ci_lo > 1 && r.ci_hi < 1.35);
	assert_int_equal(r.verdict, LR_CMP_REGRESSED);
	judge(&r, LR_DIR_HIGHER, base_lat, 5, slow_lat, 5, 5); /* better direction */
	assert_int_equal(r.verdict, LR_CMP_IMPROVED);
	judge(&r, LR_DIR_LOWER, slow_lat, 5, base_lat, 5, 5);
	assert_int_equal(r.verdict, LR_CMP_IMPROVED);
	judge(&r, LR_DIR_LOWER, base_lat, 5, overlap_big, 5, 5); /* +40 % within noise */
	assert_false(r.significant);
	assert_int_equal(r.verdict, LR_CMP_INCONCLUSIVE);
	/* +6 %, the ranges overlap, yet 24 of the 25 pairs are higher in B:
	 * U = 1, p = 4/252 < 0.05; a shift the old range rule missed */
	judge(&r, LR_DIR_LOWER, base_lat, 5, near_lat, 5, 5);
	assert_near(r.ts.p, 4.0 / 252, 1e-12);
	assert_int_equal(r.verdict, LR_CMP_REGRESSED);
	/* no difference and tight: the interval proves it is within +-5 % */
	judge(&r, LR_DIR_LOWER, tight_a, 10, tight_b, 10, 5);
	assert_false(r.significant);
	assert_true(r.ci_lo >= 1 / 1.05 && r.ci_hi <= 1.05);
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	/* the same within +-0.1 % cannot be shown: inconclusive */
	judge(&r, LR_DIR_LOWER, tight_a, 10, tight_b, 10, 0.1);
	assert_int_equal(r.verdict, LR_CMP_INCONCLUSIVE);
	/* 3 vs 3 can never be significant at 5 %: inconclusive, and it says why */
	judge(&r, LR_DIR_LOWER, base_lat, 3, slow_lat, 3, 5);
	assert_near(r.ts.p, 0.1, 1e-12);
	assert_false(r.ci_bounded);
	assert_int_equal(r.verdict, LR_CMP_INCONCLUSIVE);
	assert_non_null(strstr(r.note, "3 vs 3 repetitions can never be significant"));
	/* 0 -> always some: a difference, not a ratio; significant */
	judge(&r, LR_DIR_LOWER, zeros, 5, (const double[]){1, 3, 1, 2, 4}, 5, 5);
	assert_false(r.ts.log_scale);
	assert_true(isinf(r.change_pct) && r.change_pct > 0);
	assert_int_equal(r.verdict, LR_CMP_REGRESSED);
	/* one rep of B is 0 too: six zeros share mid-rank 3.5, B's doubled rank sum
	 * is 75 of expected 55; 6 + 6 of the 252 arrangements are that extreme */
	judge(&r, LR_DIR_LOWER, zeros, 5, fails, 5, 5);
	assert_near(r.ts.p, 12.0 / 252, 1e-12);
	assert_int_equal(r.verdict, LR_CMP_REGRESSED);
	judge(&r, LR_DIR_LOWER, zeros, 5, zeros, 5, 5); /* nothing ever: unchanged */
	assert_true(isnan(r.ratio));
	assert_int_equal(r.verdict, LR_CMP_UNCHANGED);
	judge(&r, LR_DIR_NONE, base_lat, 5, slow_lat, 5, 5); /* a count: never judged */
	assert_false(r.judged);
	assert_int_equal(r.verdict, LR_CMP_NOT_JUDGED);
}

/* A family: Holm spends alpha over every judged metric, primaries first;
 * a diagnostic's regression is reported but never counts as primary. */
static void test_family(void **state)
{
	struct lr_cmp_opts o = {.threshold_pct = 5, .alpha = 0.05};
	struct lr_cmp_row rows[12];
	struct lr_cmp_table t = {.rows = rows, .n = 12};

	memset(rows, 0, sizeof(rows));
	for (size_t i = 0; i < 12; i++)
		rows[i] =
		    (struct lr_cmp_row){.name = "m",
					.unit = "ms",
					.direction = LR_DIR_LOWER,
					.primary = i < 2,
					.in_a = true,
					.in_b = true,
					.va = (double *)base_lat,
					.vb = (double *)(i == 0 || i == 5 ? slow_lat : base_lat),
					.nva = 5,
					.nvb = 5};
	lr_cmp_decide(&t, &o);
	/* primary 0: weight 0.8 / 2 of the total 1: level 0.02 >= p = 2/252 */
	assert_near(rows[0].level, 0.05 * 0.4, 1e-12);
	assert_int_equal(rows[0].verdict, LR_CMP_REGRESSED);
	/* diagnostic 5: weight 0.2 / 10, after primary 0 is rejected: 0.02 / 0.6 x 0.05
	 * = 0.00167 < p: not significant, and 5 vs 5 cannot reach that level */
	assert_false(rows[5].significant);
	assert_int_equal(rows[5].verdict, LR_CMP_INCONCLUSIVE);
	assert_non_null(strstr(rows[5].note, "can never be significant"));
	assert_int_equal(t.primary_regressed, 1);
	assert_int_equal(t.regressed, 1);
	assert_int_equal(t.judged, 12);
	assert_int_equal(t.primaries, 2);
	/* the same shift on a diagnostic only: never a primary regression */
	rows[0].vb = (double *)base_lat;
	for (size_t i = 2; i < 12; i++)
		rows[i].vb = (double *)slow_lat;
	lr_cmp_decide(&t, &o);
	assert_int_equal(t.primary_regressed, 0);
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
	struct lr_cmp_opts o = {.threshold_pct = 5, .alpha = 0.05};
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
	assert_int_equal(t.regressed, 1);
	assert_int_equal(row(&t, "latency", NULL)->verdict, LR_CMP_REGRESSED);
	assert_int_equal(row(&t, "throughput", NULL)->verdict, LR_CMP_UNCHANGED);
	/* JSON: one row per metric, the counts, the change */
	j = lr_cmp_json(&t, a, b, base, slower, &o);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "rows")), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "counts"), "regressed")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_status")), 1);
	{
		json_t *r0 = json_array_get(json_object_get(j, "rows"), 0),
		       *ci = json_object_get(r0, "ci");

		assert_string_equal(json_string_value(json_object_get(r0, "verdict")), "regressed");
		assert_string_equal(json_string_value(json_object_get(r0, "role")), "primary");
		assert_string_equal(json_string_value(json_object_get(ci, "of")), "ratio");
		assert_true(json_real_value(json_object_get(ci, "lo")) > 1);
		assert_true(json_is_real(json_object_get(r0, "p_adjusted")));
	}
	json_decref(j);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(slower, faster, &o, &t, &a, &b); /* the other way round */
	assert_int_equal(t.regressed, 0);
	assert_int_equal(t.improved, 1);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, lowtp, &o, &t, &a, &b); /* higher is better: -20 % regresses */
	assert_int_equal(row(&t, "throughput", NULL)->verdict, LR_CMP_REGRESSED);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, noisy, &o, &t, &a, &b); /* +40 % within noise */
	assert_int_equal(t.regressed, 0);
	assert_int_equal(row(&t, "latency", NULL)->verdict, LR_CMP_INCONCLUSIVE);
	assert_int_equal(t.unchanged, 2);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);

	compare_files(base, broken, &o, &t, &a, &b); /* a diagnostic regresses */
	assert_int_equal(row(&t, "verify_failures", NULL)->verdict, LR_CMP_REGRESSED);
	assert_int_equal(t.regressed, 1);
	assert_int_equal(t.primary_regressed, 0);
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);
}

/* Inputs: a side that did not pass fails the compare; results of another
 * scenario, backend or device are refused unless allowed; format 1
 * documents are read with the metric table's directions and roles. */
static void test_inputs(void **state)
{
	struct lr_cmp_opts o = {.threshold_pct = 5, .alpha = 0.05};
	struct lr_cmp_table t;
	struct lr_err err = {{0}};
	char msgs[2][300];
	json_t *m = json_array(), *a, *b, *v1;
	const double restores[] = {10, 11, 9, 10, 12}, more[] = {20, 21, 19, 22, 20};

	json_array_append_new(m, metric("latency", "lower", NULL, base_lat, 5));
	a = doc_with(json_incref(m));
	b = doc_full(json_incref(m), "fail", "synthetic");
	save("failed", json_incref(b));
	assert_int_equal(lr_cmp_failed_inputs(a, b, "A.json", "B.json", msgs), 1);
	assert_non_null(strstr(msgs[0], "B = B.json: status fail"));
	json_decref(b);
	b = doc_with(json_incref(m));
	json_object_set_new(b, "cancelled", json_true());
	assert_int_equal(lr_cmp_failed_inputs(a, b, "A.json", "B.json", msgs), 1);
	assert_non_null(strstr(msgs[0], "(cancelled)"));
	json_decref(b);

	b = doc_full(json_incref(m), "pass", "other-scenario");
	save("other-scenario", json_incref(b));
	assert_int_equal(lr_cmp_check_same(a, b, &o, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "scenario differs: A 'synthetic', B 'other-scenario'"));
	o.allow_mismatch = true;
	assert_int_equal(lr_cmp_check_same(a, b, &o, &err), LR_OK);
	o.allow_mismatch = false;
	json_decref(b);
	b = doc_with(json_incref(m));
	json_object_set_new(json_object_get(b, "device"), "name", json_string("gpu 2"));
	assert_int_equal(lr_cmp_check_same(a, b, &o, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "device differs: A 'fake device', B 'gpu 2'"));
	json_decref(b);
	json_decref(a);
	json_decref(m);

	/* format 1: kernel_restores said "higher"; the table says "none" */
	m = json_array();
	json_array_append_new(m, metric("kernel_restores", "higher", NULL, restores, 5));
	json_array_append_new(m, metric("throughput", "higher", NULL, base_tp, 5));
	v1 = doc_with(m);
	json_object_set_new(v1, "format_version", json_integer(1));
	json_object_del(json_array_get(m, 0), "role");
	json_object_del(json_array_get(m, 1), "role");
	m = json_array();
	json_array_append_new(m, metric("kernel_restores", "none", NULL, more, 5));
	json_array_append_new(m, metric("throughput", "higher", NULL, low_tp, 5));
	b = doc_with(m);
	json_object_set_new(json_array_get(m, 0), "role", json_string("diagnostic"));
	assert_int_equal(lr_cmp_tables(v1, b, &o, &t, &err), LR_OK);
	assert_int_equal(row(&t, "kernel_restores", NULL)->verdict, LR_CMP_NOT_JUDGED);
	assert_true(row(&t, "throughput", NULL)->primary); /* the table's default */
	assert_int_equal(row(&t, "throughput", NULL)->verdict, LR_CMP_REGRESSED);
	assert_int_equal(t.primary_regressed, 1);
	lr_cmp_free(&t);
	json_decref(v1);
	json_decref(b);
}

/* Keys: name + config; selectors compare configurations of one run;
 * metrics on one side only are listed, not judged. */
static void test_configs(void **state)
{
	struct lr_cmp_opts o = {.threshold_pct = 5, .alpha = 0.05};
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
	assert_int_equal(row(&t, "latency", "preempt-fence")->verdict, LR_CMP_REGRESSED);
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
	assert_int_equal(row(&t, "latency", NULL)->verdict, LR_CMP_IMPROVED);
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
	     "{\"schema\": \"lrbench-result\", \"format_version\": 3, \"metrics\": []}",
	     "format_version 3, this lrbench reads 1 to 2"},
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
	struct lr_cmp_opts o = {.threshold_pct = 5, .alpha = 0.05};
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
	    cmocka_unit_test(test_judge),     cmocka_unit_test(test_family),
	    cmocka_unit_test(test_documents), cmocka_unit_test(test_inputs),
	    cmocka_unit_test(test_configs),   cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_no_data),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
