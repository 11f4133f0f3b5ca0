/* SPDX-License-Identifier: MIT */
/*
 * Results writer: JSON escaping of odd strings, NaN handling, the document
 * of a synthetic run (written to $LR_UNIT_OUT for schema validation by the
 * tier), and atomic writes (a crash between the temporary file and the
 * rename leaves the old file intact; no temporary files are left).
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "results.h"

static char tmpdir[256];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lrbench-test-results-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static unsigned count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".tmp-") != NULL;
	closedir(d);
	return n;
}

/* Valid strings survive dump+load byte for byte, whatever they contain. */
static void test_escaping_roundtrip(void **state)
{
	static const char *const odd[] = {
	    "plain",
	    "quote \" backslash \\ slash /",
	    "newline\nreturn\rtab\tbell\a",
	    "\x01\x1f control",
	    "micro \xc2\xb5s, euro \xe2\x82\xac, emoji \xf0\x9f\x98\x80",
	    "",
	    "</script><!--",
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		json_t *a = json_array(), *back;
		json_error_t jerr;
		char *text;

		json_array_append_new(a, lr_json_string(odd[i]));
		text = json_dumps(a, JSON_ENSURE_ASCII);
		assert_non_null(text);
		for (const char *p = text; *p; p++) /* ASCII only, no raw controls */
			assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
		back = json_loads(text, 0, &jerr);
		assert_non_null(back);
		assert_string_equal(json_string_value(json_array_get(back, 0)), odd[i]);
		free(text);
		json_decref(back);
		json_decref(a);
	}
}

/* Invalid UTF-8 (stray bytes, overlong forms, surrogates, truncation) becomes
 * U+FFFD instead of making jansson refuse the whole string. */
static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"a\xff"
	     "b",
	     "a\xef\xbf\xbd"
	     "b"},
	    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},		      /* overlong '/' */
	    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
	    {"x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd"},		      /* truncated */
	    {"\xf4\x90\x80\x80",
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *s = lr_json_string(cases[i].in);

		assert_non_null(s);
		assert_string_equal(json_string_value(s), cases[i].out);
		json_decref(s);
	}
	assert_true(json_is_null(lr_json_string(NULL)));
}

/* NaN and infinities are not JSON: they become null. */
static void test_real(void **state)
{
	json_t *j = lr_json_real(NAN);

	assert_true(json_is_null(j));
	assert_true(json_is_null(lr_json_real(INFINITY)));
	j = lr_json_real(1.5);
	assert_true(json_real_value(j) == 1.5);
	json_decref(j);
}

/* A synthetic run with odd strings: the document loads back, carries every
 * required field, and is written for schema validation by the tier. */
static void test_document(void **state)
{
	static struct lr_scenario sc;
	struct lr_run run;
	struct lr_rep reps[2];
	struct lr_err err = {{0}};
	const char *out = getenv("LR_UNIT_OUT");
	char dir[512], path[600], *text;
	json_t *root, *m;
	json_error_t jerr;
	size_t i;

	assert_int_equal(
	    lr_scenario_parse_string("[scenario]\ndescription = odd \"desc\" \\ \xff\n", "doc.ini",
				     &sc, &err),
	    LR_OK);
	memset(&run, 0, sizeof(run));
	memset(reps, 0, sizeof(reps));
	run.sc = &sc;
	snprintf(dir, sizeof(dir), "%s/document", out ? out : tmpdir);
	mkdir(dir, 0755);
	run.opts.outdir = dir;
	snprintf(run.backend, sizeof(run.backend), "fake");
	snprintf(run.start_time, sizeof(run.start_time), "2026-01-02T03:04:05Z");
	run.have_device = true;
	snprintf(run.dev.name, sizeof(run.dev.name), "dev \"x\"\n\x01\xfe");
	run.dev.global_mem_bytes = 1 << 30;
	run.have_job = true;
	snprintf(run.job_unit, sizeof(run.job_unit), "elements");
	run.job.unit = run.job_unit;
	run.job.unit_bytes = 8;
	run.reps_planned = run.reps_done = 2;
	run.reps = reps;
	run.status = LR_STATUS_FAIL;
	snprintf(run.reason, sizeof(run.reason), "reason with \"quotes\"");
	for (unsigned r = 0; r < 2; r++) {
		for (unsigned p = 0; p < LR_PHASES; p++) {
			reps[r].rate[p] = 1000.0 * (p + 1);
			reps[r].phase_start_s[p] = p;
			lr_hist_init(&reps[r].stall[p]);
		}
		reps[r].rate[LR_PHASE_WARMUP] = NAN; /* null in JSON */
		reps[r].retained = 3.0 / 2.0;
		lr_hist_init(&reps[r].alloc);
		lr_hist_init(&reps[r].sampler_late);
		lr_hist_add(&reps[r].stall[LR_PHASE_PRESSURE], 7000000);
		lr_hist_add(&reps[r].alloc, 2500000);
		reps[r].verified = true;
		reps[r].verify.mismatches = r;
		reps[r].verify.first_bad_offset = 64;
		reps[r].done = true;
		lr_dvec_push(&reps[r].windows[LR_PHASE_BASELINE], 990);
		lr_dvec_push(&reps[r].windows[LR_PHASE_BASELINE], 1010);
	}
	run.timeline = open_memstream(&run.timeline_csv, &run.timeline_len);
	run.pressure = open_memstream(&run.pressure_csv, &run.pressure_len);
	fprintf(run.timeline, "time_s,rep,phase,progress,rate,bytes_per_s\n");
	fprintf(run.pressure, "time_s,rep,op,bytes,live_bytes,latency_ms\n");

	if (lr_result_write(&run, &err))
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/%s", dir, LR_RESULT_FILE);
	text = slurp(path);
	assert_non_null(text);
	root = json_loads(text, 0, &jerr);
	if (!root)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	assert_string_equal(json_string_value(json_object_get(root, "schema")), "lrbench-result");
	assert_int_equal(json_integer_value(json_object_get(root, "format_version")),
			 LR_RESULT_FORMAT_VERSION);
	assert_string_equal(json_string_value(json_object_get(root, "status")), "fail");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(root, "device"), "name")),
	    "dev \"x\"\n\x01\xef\xbf\xbd");
	assert_null(json_object_get(json_object_get(root, "host"), "hostname"));
	/* metrics carry unit, direction, summary and per-repetition values */
	json_array_foreach(json_object_get(root, "metrics"), i, m)
	{
		const char *name = json_string_value(json_object_get(m, "name"));

		assert_non_null(json_object_get(m, "unit"));
		assert_non_null(json_object_get(m, "summary"));
		assert_int_equal(json_array_size(json_object_get(m, "per_rep")), 2);
		if (!strcmp(name, "throughput_retained"))
			assert_true(json_real_value(json_object_get(json_object_get(m, "summary"),
								    "p50")) == 1.5);
		if (!strcmp(name, "verify_failures"))
			assert_true(json_real_value(json_object_get(json_object_get(m, "summary"),
								    "max")) == 1);
		if (!strcmp(name, "stall_latency_pressure")) {
			json_t *bins = json_object_get(json_object_get(m, "histogram"), "bins");

			assert_int_equal(json_array_size(bins), 1);
			assert_int_equal(
			    json_integer_value(json_array_get(json_array_get(bins, 0), 2)), 2);
		}
		if (!strcmp(name, "throughput"))
			assert_int_equal(
			    json_integer_value(json_object_get(json_object_get(m, "summary"), "n")),
			    4);
	}
	assert_int_equal(json_array_size(json_object_get(root, "metrics")), 15);
	json_decref(root);
	free(text);
	assert_int_equal(count_temps(dir), 0);
	fclose(run.timeline);
	fclose(run.pressure);
	free(run.timeline_csv);
	free(run.pressure_csv);
	for (unsigned r = 0; r < 2; r++)
		lr_dvec_free(&reps[r].windows[LR_PHASE_BASELINE]);
}

/* Write, overwrite: readers see whole files, no temporary file stays. */
static void test_atomic_basic(void **state)
{
	struct lr_err err;
	char path[512], *s;

	snprintf(path, sizeof(path), "%s/a.json", tmpdir);
	assert_int_equal(lr_write_atomic(tmpdir, "a.json", "old", 3, &err), LR_OK);
	assert_int_equal(lr_write_atomic(tmpdir, "a.json", "new!", 4, &err), LR_OK);
	s = slurp(path);
	assert_string_equal(s, "new!");
	free(s);
	assert_int_equal(count_temps(tmpdir), 0);
}

static void crash_hook(const char *tmp)
{
	_exit(42); /* as if killed between the temporary file and the rename */
}

/* A writer killed after the temporary file is complete but before the
 * rename leaves the old file intact; the next write cleans the stale temp. */
static void test_atomic_crash(void **state)
{
	struct lr_err err;
	char path[512], *s;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	assert_int_equal(lr_write_atomic(tmpdir, "c.json", "{\"v\":1}", 7, &err), LR_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		lr_write_atomic_hook = crash_hook;
		lr_write_atomic(tmpdir, "c.json", "{\"v\":2, half", 12, &err);
		_exit(0); /* not reached */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	s = slurp(path);
	assert_string_equal(s, "{\"v\":1}");
	free(s);
	assert_int_equal(count_temps(tmpdir), 1); /* the crashed writer's temp */
	assert_int_equal(lr_write_atomic(tmpdir, "c.json", "{\"v\":3}", 7, &err), LR_OK);
	s = slurp(path);
	assert_string_equal(s, "{\"v\":3}");
	free(s);
	assert_int_equal(count_temps(tmpdir), 0);
}

/* Failures name the path and leave nothing behind. */
static void test_atomic_errors(void **state)
{
	struct lr_err err = {{0}};
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/missing", tmpdir);
	assert_int_equal(lr_write_atomic(dir, "x.json", "x", 1, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "missing/x.json"));
	/* renaming onto a directory fails after the temp was written */
	snprintf(dir, sizeof(dir), "%s/isdir", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(lr_write_atomic(tmpdir, "isdir", "x", 1, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "rename"));
	assert_int_equal(count_temps(tmpdir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escaping_roundtrip),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_real),
	    cmocka_unit_test(test_document),
	    cmocka_unit_test(test_atomic_basic),
	    cmocka_unit_test(test_atomic_crash),
	    cmocka_unit_test(test_atomic_errors),
	};

	return cmocka_run_group_tests_name("results", tests, setup, teardown);
}
