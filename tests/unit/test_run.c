/* SPDX-License-Identifier: MIT */
/*
 * The runner end to end against the test-only fake backend: pass, skip,
 * failures (open, job start, allocation, verification mismatch through the
 * --inject-corruption hook), cancel by signal, no progress, and refusing to
 * overwrite a result. Each run's result.json is loaded and checked; the
 * passing one is written to $LR_UNIT_OUT for schema validation by the tier.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare.h"
#include "fake_backend.h"
#include "results.h"
#include "run.h"

static char tmpdir[256];
static volatile sig_atomic_t stop_flag;

/* warm-up 50 ms, baseline 300 ms, pressure 400 ms, cool-down 150 ms */
static const char scenario_text[] = "[scenario]\n"
				    "description = fake backend run\n"
				    "backend = fake\n"
				    "repetitions = 2\n"
				    "timeline_ms = 50\n"
				    "[job]\n"
				    "buffer_bytes = 4K\n"
				    "[phases]\n"
				    "warmup_s = 0.05\n"
				    "baseline_s = 0.3\n"
				    "pressure_s = 0.4\n"
				    "cooldown_s = 0.15\n"
				    "[pressure]\n"
				    "pattern = steady\n"
				    "chunk = 1M\n"
				    "total = 4M\n"
				    "interval_ms = 20\n";

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lrbench-test-run-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int per_test(void **state)
{
	fake_reset();
	stop_flag = 0;
	return 0;
}

/* Where run_into() writes: $LR_UNIT_OUT, else the temp dir. */
static const char *out_base(void)
{
	return getenv("LR_UNIT_OUT") ? getenv("LR_UNIT_OUT") : tmpdir;
}

/* Run the scenario into DIR (under $LR_UNIT_OUT or the temp dir); returns the
 * exit code and the loaded result.json in *doc. */
static const struct lr_backend_ops *run_ops = &fake_backend;

static double status_interval; /* opts.status_interval_s of run_into */

static int run_into(const char *name, const char *text, bool inject, json_t **doc)
{
	static struct lr_scenario sc;
	const char *base = out_base();
	struct lr_run_opts o = {0};
	struct lr_run run;
	struct lr_err err = {{0}};
	char dir[512], path[600];
	json_error_t jerr;
	int rc;

	if (lr_scenario_parse_string(text, "fake.ini", &sc, &err))
		fail_msg("%s", err.msg);
	snprintf(dir, sizeof(dir), "%s/run-%s", base, name);
	o.ops = run_ops;
	o.outdir = dir;
	o.stop = &stop_flag;
	o.inject_corruption = inject;
	o.inject_offset = 16;
	o.status_interval_s = status_interval;
	rc = lr_run_scenario(&sc, &o, &run);
	lr_run_fini(&run);
	snprintf(path, sizeof(path), "%s/%s", dir, LR_RESULT_FILE);
	*doc = json_load_file(path, 0, &jerr);
	if (!*doc)
		fail_msg("%s: %s", path, jerr.text);
	return rc;
}

static json_t *metric(json_t *doc, const char *name)
{
	size_t i;
	json_t *m;

	json_array_foreach(
	    json_object_get(doc, "metrics"), i,
	    m) if (!strcmp(json_string_value(json_object_get(m, "name")), name)) return m;
	fail_msg("metric %s missing", name);
	return NULL;
}

static double summary(json_t *doc, const char *name, const char *field)
{
	return json_number_value(
	    json_object_get(json_object_get(metric(doc, name), "summary"), field));
}

static const char *status(json_t *doc)
{
	return json_string_value(json_object_get(doc, "status"));
}

static const json_t *cmetric(json_t *doc, const char *name, const char *config);

/* A passing run: every repetition verified, throughput close to the fake
 * rate, pressure freezes show up as stalls and as lost throughput. */
static void test_pass(void **state)
{
	json_t *doc;
	int rc;

	fake_cfg.touch_freeze_ms = 25; /* each touch stops progress for 25 ms */
	rc = run_into("pass", scenario_text, false, &doc);
	assert_int_equal(rc, 0);
	assert_string_equal(status(doc), "pass");
	assert_false(json_is_true(json_object_get(doc, "cancelled")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(doc, "repetitions"), "done")), 2);
	assert_int_equal(fake_cfg.jobs, 2);
	assert_int_equal(fake_cfg.verifies, 2);
	assert_int_equal(fake_cfg.opens, fake_cfg.closes);
	assert_int_equal(fake_cfg.allocs, fake_cfg.frees);
	assert_true(fake_cfg.allocs >= 4);
	/* baseline throughput: the fake's 1e6 units/s within 10% */
	assert_true(fabs(summary(doc, "throughput", "mean") - 1e6) < 1e5);
	assert_true(fabs(summary(doc, "throughput_bytes", "mean") - 4e6) < 4e5);
	/* about half the pressure phase is frozen: clearly below the baseline */
	assert_true(summary(doc, "throughput_retained", "max") < 0.8);
	assert_true(summary(doc, "throughput_retained", "min") > 0.05);
	/* every freeze is a stall of about 25 ms in the pressure phase */
	assert_true(summary(doc, "stall_count_pressure", "min") >= 2);
	assert_true(summary(doc, "stall_latency_pressure", "p50") > 15);
	assert_true(summary(doc, "stall_latency_pressure", "p50") < 60);
	assert_true(summary(doc, "pressure_alloc_latency", "min") >= 24);
	assert_true(summary(doc, "verify_failures", "max") == 0);
	assert_true(summary(doc, "sampler_cpu", "n") == 2);
	json_decref(doc);
}

/* No device: exit 77 with the backend's reason in result.json. */
static void test_skip(void **state)
{
	json_t *doc;

	fake_cfg.open_rc = LR_SKIP;
	assert_int_equal(run_into("skip", scenario_text, false, &doc), 77);
	assert_string_equal(status(doc), "skip");
	assert_non_null(
	    strstr(json_string_value(json_object_get(doc, "reason")), "no fake device"));
	assert_true(json_is_null(json_object_get(doc, "device")));
	json_decref(doc);
}

/* Runtime errors fail (exit 1) with the message as the reason. */
static void test_errors(void **state)
{
	json_t *doc;

	fake_cfg.open_rc = LR_ERR;
	assert_int_equal(run_into("open-error", scenario_text, false, &doc), 1);
	assert_string_equal(status(doc), "fail");
	assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "broken"));
	json_decref(doc);

	fake_reset();
	fake_cfg.job_start_rc = LR_ERR;
	assert_int_equal(run_into("start-error", scenario_text, false, &doc), 1);
	assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "job_start"));
	json_decref(doc);

	fake_reset();
	fake_cfg.alloc_rc = LR_ERR;
	assert_int_equal(run_into("alloc-error", scenario_text, false, &doc), 1);
	assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "alloc"));
	/* the job was still stopped and verified */
	assert_int_equal(fake_cfg.verifies, 1);
	json_decref(doc);
}

/* The corruption hook makes verification fail: exit 1, the first bad offset
 * in the reason and in the repetition's verify record; whether the backend
 * reports it as LR_OK+mismatches or as LR_ERR. */
static void test_corruption_detected(void **state)
{
	for (int as_error = 0; as_error < 2; as_error++) {
		json_t *doc, *v;

		fake_reset();
		fake_cfg.verify_as_error = as_error;
		assert_int_equal(
		    run_into(as_error ? "corrupt-err" : "corrupt", scenario_text, true, &doc), 1);
		assert_string_equal(status(doc), "fail");
		assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "16"));
		v = json_object_get(
		    json_array_get(json_object_get(json_object_get(doc, "repetitions"), "runs"), 0),
		    "verify");
		assert_int_equal(json_integer_value(json_object_get(v, "mismatches")), 1);
		assert_int_equal(json_integer_value(json_object_get(v, "first_bad_offset")), 16);
		assert_true(summary(doc, "verify_failures", "max") == 1);
		/* a wrong result ends the run */
		assert_int_equal(fake_cfg.jobs, 1);
		json_decref(doc);
	}
}

/* A signal during the run: the job is stopped and verified, the result says
 * cancelled, exit 128+signal. */
static void test_cancel(void **state)
{
	json_t *doc;

	fake_cfg.stop_after_start = &stop_flag; /* "SIGTERM" right after job start */
	assert_int_equal(run_into("cancel", scenario_text, false, &doc), 128 + SIGTERM);
	assert_true(json_is_true(json_object_get(doc, "cancelled")));
	assert_string_equal(status(doc), "pass");
	assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "cancelled"));
	assert_int_equal(fake_cfg.verifies, 1);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(doc, "repetitions"), "done")), 1);
	/* the truncated repetition is marked and left out of every summary */
	{
		json_t *r0 = json_array_get(
			   json_object_get(json_object_get(doc, "repetitions"), "runs"), 0),
		       *m;
		size_t i;

		assert_true(json_is_false(json_object_get(r0, "in_summaries")));
		json_array_foreach(json_object_get(doc, "metrics"), i, m)
		{
			assert_int_equal(
			    json_integer_value(json_object_get(json_object_get(m, "summary"), "n")),
			    0);
			assert_int_equal(json_array_size(json_object_get(m, "per_rep")), 0);
		}
	}
	json_decref(doc);
}

/* A job that never progresses is a failure, not a zero-throughput pass. */
static void test_no_progress(void **state)
{
	json_t *doc;

	fake_cfg.rate = 0;
	assert_int_equal(run_into("no-progress", scenario_text, false, &doc), 1);
	assert_non_null(strstr(json_string_value(json_object_get(doc, "reason")), "no progress"));
	json_decref(doc);
}

/* An existing result is never overwritten. */
static void test_refuse_overwrite(void **state)
{
	static struct lr_scenario sc;
	struct lr_run_opts o = {0};
	struct lr_run run;
	struct lr_err err;
	char dir[512], path[600];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/existing", tmpdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/result.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{}", f);
	fclose(f);
	assert_int_equal(lr_scenario_parse_string(scenario_text, "fake.ini", &sc, &err), LR_OK);
	o.ops = run_ops;
	o.outdir = dir;
	o.stop = &stop_flag;
	assert_int_equal(lr_run_scenario(&sc, &o, &run), 1);
	lr_run_fini(&run);
	assert_int_equal(fake_cfg.opens, 0);
}

/* Timeline and pressure CSVs: headers and rows for every repetition. */
static void test_csv(void **state)
{
	const char *base = out_base();
	char path[600], line[256];
	unsigned rows = 0, reps_seen = 0, allocs = 0;
	json_t *doc;
	FILE *f;

	fake_cfg.touch_freeze_ms = 5;
	assert_int_equal(run_into("csv", scenario_text, false, &doc), 0);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/run-csv/timeline.csv", base);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "time_s,rep,phase,progress,rate,bytes_per_s\n");
	while (fgets(line, sizeof(line), f)) {
		double t, rate;
		unsigned rep;
		char phase[16];

		assert_int_equal(sscanf(line, "%lf,%u,%15[a-z],%*u,%lf", &t, &rep, phase, &rate),
				 4);
		reps_seen |= 1u << rep;
		rows++;
	}
	fclose(f);
	assert_int_equal(reps_seen, 0x6); /* reps 1 and 2 */
	assert_true(rows >= 2 * 15);	  /* 0.9 s / 50 ms per repetition, minus cuts */
	snprintf(path, sizeof(path), "%s/run-csv/pressure.csv", base);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "time_s,rep,op,bytes,live_bytes,latency_ms\n");
	while (fgets(line, sizeof(line), f))
		allocs += strstr(line, ",alloc,1048576,") != NULL;
	fclose(f);
	assert_int_equal(allocs, fake_cfg.allocs);
}

/* configs = b, a: repetitions alternate b a b a, the backend switches between
 * repetitions only, and every metric and repetition carries its config. */
#define CONFIGS_TEXT(list)                                                                         \
	"[scenario]\nbackend = fake\nconfigs = " list "\nrepetitions = 4\ntimeline_ms = 50\n"      \
	"[job]\nbuffer_bytes = 4K\n[phases]\nwarmup_s = 0.05\nbaseline_s = 0.2\n"                  \
	"pressure_s = 0.2\ncooldown_s = 0.05\n[pressure]\npattern = steady\nchunk = 1M\n"          \
	"total = 4M\ninterval_ms = 20\n"

static void test_configs(void **state)
{
	struct lr_scenario sc;
	struct lr_run_opts o = {0};
	struct lr_run run;
	struct lr_err err = {{0}};
	char dir[512];
	json_t *doc, *m, *r;
	size_t i;
	unsigned tagged[2] = {0}, kp = 0;

	run_ops = &fake_backend_configs;
	assert_int_equal(run_into("configs", CONFIGS_TEXT("b , a"), false, &doc), 0);
	assert_string_equal(status(doc), "pass");
	assert_string_equal(fake_cfg.config_log, "b a b a");
	assert_int_equal(fake_cfg.set_config_while_busy, 0);
	json_array_foreach(json_object_get(json_object_get(doc, "repetitions"), "runs"), i, r)
	    assert_string_equal(json_string_value(json_object_get(r, "config")), i % 2 ? "a" : "b");
	assert_int_equal(i, 4);
	json_array_foreach(json_object_get(doc, "metrics"), i, m)
	{
		const char *c = json_string_value(json_object_get(m, "config"));

		assert_non_null(c);
		tagged[!strcmp(c, "a")]++;
		assert_int_equal(json_array_size(json_object_get(m, "per_rep")), 2);
		if (!strcmp(json_string_value(json_object_get(m, "name")), "kernel_preemptions"))
			kp++;
	}
	assert_true(tagged[0] > 0);
	assert_int_equal(tagged[0], tagged[1]);
	assert_int_equal(kp, 2);
	json_decref(doc);
	run_ops = &fake_backend;
	fake_reset();

	/* a config the backend does not have; a backend without configs */
	snprintf(dir, sizeof(dir), "%s/run-configs-bad", tmpdir);
	o.outdir = dir;
	o.stop = &stop_flag;
	assert_int_equal(lr_scenario_parse_string(CONFIGS_TEXT("b, c"), "fake.ini", &sc, &err), 0);
	o.ops = &fake_backend_configs;
	assert_int_equal(lr_run_scenario(&sc, &o, &run), 1);
	lr_run_fini(&run);
	o.ops = &fake_backend;
	assert_int_equal(lr_run_scenario(&sc, &o, &run), 1);
	lr_run_fini(&run);
	assert_int_equal(fake_cfg.opens, 0);
}

/* Eviction trigger, no pattern: its writes are the counted events (one
 * preemption each on the fake), recorded per repetition; the phases still
 * run to plan. */
#define EVICT_TEXT(pattern)                                                                        \
	"[scenario]\nbackend = fake\nconfigs = a, b\nrepetitions = 2\ntimeline_ms = 50\n"          \
	"[job]\nbuffer_bytes = 4K\n[phases]\nwarmup_s = 0.05\nbaseline_s = 0.1\n"                  \
	"pressure_s = 0.3\ncooldown_s = 0.05\n[pressure]\npattern = " pattern "\nchunk = 1M\n"     \
	"total = 4M\nevict_interval_ms = 10\n"

/* The trigger's rows of run-@name/pressure.csv for repetition @rep: their
 * count, the shortest duration and the first and last start (s). */
static int evict_rows(const char *name, unsigned rep, double *min_ms, double *t_first,
		      double *t_last)
{
	const char *base = out_base();
	char path[600], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/run-%s/pressure.csv", base, name);
	f = fopen(path, "r");
	assert_non_null(f);
	*min_ms = 1e9;
	while (fgets(line, sizeof(line), f)) {
		double t, ms;
		unsigned r;

		if (sscanf(line, "%lf,%u,evict,,,%lf", &t, &r, &ms) != 3 || r != rep)
			continue;
		if (!n++)
			*t_first = t;
		*t_last = t;
		if (ms < *min_ms)
			*min_ms = ms;
	}
	fclose(f);
	return n;
}

static void test_evict_trigger(void **state)
{
	json_t *doc, *r, *res;
	size_t i;

	run_ops = &fake_backend_configs;
	fake_cfg.touch_freeze_ms = 2;
	assert_int_equal(run_into("evict", EVICT_TEXT("none"), false, &doc), 0);
	assert_string_equal(status(doc), "pass");
	assert_int_equal(fake_cfg.touches, 0);
	/* 0.3 s at one write per 10 ms (each 2 ms): about 30 per repetition */
	assert_in_range(fake_cfg.evicts, 2 * 15, 2 * 31);
	res = json_object_get(json_object_get(doc, "scenario"), "resolved");
	assert_string_equal(json_string_value(json_object_get(res, "pressure_pattern")), "none");
	assert_true(json_is_true(json_object_get(json_object_get(res, "evict_trigger"), "used")));
	json_array_foreach(json_object_get(json_object_get(doc, "repetitions"), "runs"), i, r)
	{
		json_int_t w = json_integer_value(json_object_get(r, "evict_trigger_writes"));
		json_t *ev = json_object_get(r, "events");

		assert_in_range(w, 15, 31);
		/* the fake counts one preemption of the job per write */
		assert_int_equal(json_integer_value(json_object_get(ev, "preemptions")), w);
		assert_string_equal(json_string_value(json_object_get(ev, "counted_on")),
				    "job queues");
		assert_true(json_is_true(json_object_get(r, "in_summaries")));
	}
	json_decref(doc);

	/* open loop: writes slower than the period do not stretch the schedule;
	 * the due writes they leave behind are dropped and counted, so
	 * done + missed = due (0.3 s / 10 ms = 30 due per repetition) */
	fake_reset();
	fake_cfg.evict_block_ms = 25;
	assert_int_equal(run_into("evict-slow", EVICT_TEXT("none"), false, &doc), 0);
	json_array_foreach(json_object_get(json_object_get(doc, "repetitions"), "runs"), i, r)
	{
		json_int_t w = json_integer_value(json_object_get(r, "evict_trigger_writes"));
		json_int_t due = json_integer_value(json_object_get(r, "evict_trigger_planned"));
		json_int_t miss = json_integer_value(json_object_get(r, "evict_trigger_missed"));
		json_int_t late = json_integer_value(json_object_get(r, "evict_trigger_late"));

		double min_ms, t0, t1;
		const json_t *ps = json_object_get(r, "phase_start_s");

		assert_int_equal(due, 30);
		assert_in_range(w, 4, 13); /* ~12; fewer on a loaded host */
		assert_int_equal(w + miss, due);
		assert_true(late > 0);
		/* pressure.csv: one row per write done, timed from its start,
		 * all within the pressure phase */
		assert_int_equal(evict_rows("evict-slow", i + 1, &min_ms, &t0, &t1), w);
		assert_true(min_ms >= 25);
		assert_true(t0 >= json_real_value(json_object_get(ps, "pressure")));
		assert_true(t1 < json_real_value(json_object_get(ps, "cooldown")));
	}
	assert_non_null(cmetric(doc, "evict_trigger_delivered", "a"));
	{
		const json_t *m = cmetric(doc, "evict_trigger_delivered", "a");
		double v = json_real_value(json_object_get(json_object_get(m, "summary"), "max"));

		assert_true(v > 0.25 && v < 0.45);
	}
	json_decref(doc);

	/* writes that fit the period: every due one is done, none late */
	fake_reset();
	fake_cfg.evict_block_ms = 1;
	assert_int_equal(run_into("evict-fast", EVICT_TEXT("none"), false, &doc), 0);
	json_array_foreach(json_object_get(json_object_get(doc, "repetitions"), "runs"), i, r)
	{
		json_int_t w = json_integer_value(json_object_get(r, "evict_trigger_writes"));

		assert_int_equal(json_integer_value(json_object_get(r, "evict_trigger_planned")),
				 30);
		assert_in_range(w, 25, 30); /* 30 unless the host stalls us */
		assert_int_equal(json_integer_value(json_object_get(r, "evict_trigger_missed")),
				 30 - w);
	}
	/* each repetition's events are kept (per_rep_histograms), so compare
	 * --ci-level pools them: p99 of ~30 writes of 1 ms per mode */
	{
		const json_t *m = cmetric(doc, "evict_latency_p99", "a");
		struct lr_cmp_opts o = {.threshold_pct = 5,
					.alpha = 0.05,
					.a_config = "a",
					.b_config = "b",
					.ci_level = 0.95};
		struct lr_cmp_table t;
		struct lr_err err;
		size_t k;

		assert_int_equal(json_array_size(json_object_get(m, "per_rep_histograms")), 1);
		assert_int_equal(lr_cmp_tables(doc, doc, &o, &t, &err), LR_OK);
		for (k = 0; k < t.n && strcmp(t.rows[k].name, "evict_latency_p99"); k++)
			;
		assert_true(k < t.n && t.rows[k].have_pooled);
		assert_true(t.rows[k].pooled_p == 99);
		assert_true(t.rows[k].pooled.events_a >= 25 && t.rows[k].pooled.events_b >= 25);
		assert_true(t.rows[k].pooled.a >= 1 && t.rows[k].pooled.a < 50);
		/* one repetition per side: every resample is that repetition */
		assert_true(t.rows[k].pooled.lo == t.rows[k].pooled.hi);
		lr_cmp_free(&t);
	}
	json_decref(doc);

	/* evict_per_queue: a job of 4 queues gets a write every 4 x 10 ms
	 * (0.3 s / 40 ms: 8 due), one of 1 queue every 10 ms as without the
	 * key; the period is recorded per repetition */
	{
		static const struct {
			const char *name, *text;
			json_int_t due;
			double period_ms;
		} pq[] = {
		    {"evict-per-queue",
		     EVICT_TEXT("none") "evict_per_queue = 1\n[job]\nqueues = 4\n", 8, 40},
		    {"evict-per-queue-1", EVICT_TEXT("none") "evict_per_queue = 1\n", 30, 10},
		};

		for (size_t k = 0; k < sizeof(pq) / sizeof(pq[0]); k++) {
			fake_reset();
			fake_cfg.evict_block_ms = 1;
			assert_int_equal(run_into(pq[k].name, pq[k].text, false, &doc), 0);
			assert_string_equal(status(doc), "pass");
			json_array_foreach(
			    json_object_get(json_object_get(doc, "repetitions"), "runs"), i, r)
			{
				assert_int_equal(
				    json_integer_value(json_object_get(r, "evict_trigger_planned")),
				    pq[k].due);
				assert_true(json_real_value(json_object_get(
						r, "evict_trigger_period_ms")) == pq[k].period_ms);
			}
			json_decref(doc);
		}
	}

	/* no trigger here: the pattern (steady for none) runs alone, and the
	 * result says why */
	fake_reset();
	fake_cfg.evict_rc = LR_SKIP;
	assert_int_equal(run_into("evict-fallback", EVICT_TEXT("none"), false, &doc), 0);
	assert_int_equal(fake_cfg.evicts, 0);
	assert_int_equal(fake_cfg.evict_probes, 1);
	assert_true(fake_cfg.touches > 0);
	res = json_object_get(json_object_get(doc, "scenario"), "resolved");
	assert_string_equal(json_string_value(json_object_get(res, "pressure_pattern")), "steady");
	res = json_object_get(res, "evict_trigger");
	assert_true(json_is_false(json_object_get(res, "used")));
	assert_non_null(strstr(json_string_value(json_object_get(res, "fallback_reason")),
			       "no eviction trigger"));
	json_decref(doc);

	/* a failing trigger fails the run */
	fake_reset();
	fake_cfg.evict_rc = LR_ERR;
	assert_int_equal(run_into("evict-error", EVICT_TEXT("none"), false, &doc), 1);
	assert_string_equal(status(doc), "fail");
	json_decref(doc);
	run_ops = &fake_backend;
}

/* One queue of three stops while the sum moves on: the job's stall metric
 * cannot see it, the per-queue one does (the rest of the repetition). */
static void test_queue_stall(void **state)
{
	const json_t *m;
	json_t *doc;

	run_ops = &fake_backend_configs;
	fake_cfg.frozen_queue = 2;
	assert_int_equal(
	    run_into("queue-stall", CONFIGS_TEXT("a, b") "[job]\nqueues = 3\n", false, &doc), 0);
	m = cmetric(doc, "stall_latency_queue", "a");
	assert_non_null(m);
	/* stopped at 100 ms of a 500 ms repetition: ~0.35 s without progress */
	assert_true(json_number_value(json_array_get(json_object_get(m, "per_rep"), 0)) > 300);
	m = cmetric(doc, "stall_latency", "a");
	assert_true(json_number_value(json_array_get(json_object_get(m, "per_rep"), 0)) < 300);
	json_decref(doc);

	/* one queue: no per-queue metric */
	fake_reset();
	run_ops = &fake_backend_configs;
	assert_int_equal(run_into("queue-one", CONFIGS_TEXT("a, b"), false, &doc), 0);
	assert_non_null(cmetric(doc, "stall_latency", "a"));
	assert_null(cmetric(doc, "stall_latency_queue", "a"));
	json_decref(doc);
	run_ops = &fake_backend;
}

/* A stall threshold finer than 10x the job's progress granularity cannot
 * tell a stall from the wait for the next step: refused (exit 2), naming
 * both numbers; a fine enough one runs. */
static void test_granularity(void **state)
{
	json_t *doc;
	const char *why;

	fake_cfg.progress_step = 2000; /* at 1e6/s: 2 ms per step, threshold 5 ms */
	assert_int_equal(run_into("granularity", scenario_text, false, &doc), 2);
	assert_string_equal(status(doc), "fail");
	why = json_string_value(json_object_get(doc, "reason"));
	assert_non_null(strstr(why, "stall_threshold_ms = 5 ms"));
	assert_non_null(strstr(why, "granularity of 2 ms"));
	assert_int_equal(fake_cfg.verifies, 1); /* the job was still stopped and verified */
	json_decref(doc);

	fake_reset();
	fake_cfg.progress_step = 100; /* 0.1 ms */
	assert_int_equal(run_into("granularity-ok", scenario_text, false, &doc), 0);
	{
		json_t *r0 =
		    json_array_get(json_object_get(json_object_get(doc, "repetitions"), "runs"), 0);
		double g = json_number_value(json_object_get(r0, "progress_granularity_ms"));

		assert_true(g > 0.09 && g < 0.11);
	}
	json_decref(doc);
}

static const json_t *cmetric(json_t *doc, const char *name, const char *config)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(doc, "metrics"), i, m)
	{
		const char *c = json_string_value(json_object_get(m, "config"));

		if (!strcmp(json_string_value(json_object_get(m, "name")), name) && c &&
		    !strcmp(c, config))
			return m;
	}
	return NULL;
}

static double msum(const json_t *m, const char *key)
{
	return json_number_value(json_object_get(json_object_get(m, "summary"), key));
}

/* Kernel samples become histogram metrics (issue 5): every sample counted,
 * restore_bound_ratio against the repetition's peak copy bandwidth (restores of 0
 * bytes left out), normal-job latencies only with a mixed load; multi-queue
 * and mixed-load keys reach the backend's job parameters. */
static void test_kernel_samples(void **state)
{
	const json_t *m;
	json_t *doc, *runs;
	double touches = 0;
	size_t i;

	run_ops = &fake_backend_configs;
	assert_int_equal(run_into("ksamples",
				  CONFIGS_TEXT("a, b") "[job]\nqueues = 3\n[mixed]\nlr_queues = 2\n"
						       "normal_interval_ms = 5\n",
				  false, &doc),
			 0);
	run_ops = &fake_backend;
	assert_string_equal(status(doc), "pass");
	assert_int_equal(fake_cfg.last_params.queues, 3);
	assert_int_equal(fake_cfg.last_params.mixed.lr_queues, 2);
	assert_int_equal(fake_cfg.last_params.mixed.lr_in_flight, 2);
	assert_true(fake_cfg.last_params.mixed.normal_interval_ms == 5);
	runs = json_object_get(json_object_get(doc, "repetitions"), "runs");
	json_array_foreach(runs, i, m) touches +=
	    json_number_value(json_object_get(m, "pressure_allocs"));
	assert_true(touches > 0);

	m = cmetric(doc, "preempt_latency", "a");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "unit")), "ms");
	assert_string_equal(json_string_value(json_object_get(m, "direction")), "lower");
	assert_non_null(json_object_get(m, "histogram"));
	assert_true(fabs(msum(m, "p50") - 1) < 0.02);
	m = cmetric(doc, "restore_latency", "b");
	assert_non_null(m);
	assert_true(fabs(msum(m, "max") - 2) < 1e-9);
	m = cmetric(doc, "restore_bound_ratio", "a");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "unit")), "ratio");
	assert_true(fabs(msum(m, "min") - 2) < 1e-9 && fabs(msum(m, "max") - 2) < 1e-9);
	m = cmetric(doc, "copy_bandwidth", "b");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "direction")), "higher");
	assert_true(fabs(msum(m, "p50") - 1048576e3) < 1);
	m = cmetric(doc, "restore_worker_occupancy", "a");
	assert_true(m && fabs(msum(m, "p50") - 3) < 0.05);
	assert_string_equal(json_string_value(json_object_get(m, "per_rep_stat")), "mean");
	assert_true(fabs(json_number_value(json_array_get(json_object_get(m, "per_rep"), 0)) - 3) <
		    1e-9);
	m = cmetric(doc, "normal_job_latency", "a");
	assert_true(m && fabs(msum(m, "p50") - 4) < 0.07);
	m = cmetric(doc, "normal_job_latency_user", "b");
	assert_true(m && fabs(msum(m, "p50") - 5) < 0.08);
	m = cmetric(doc, "throttled_lr_jobs", "b");
	assert_true(m && msum(m, "min") == 7);
	/* one lost sample per touch: the per_rep values add up to the touches */
	{
		double lost = 0;
		const json_t *v;

		for (const char *const *c = (const char *const[]){"a", "b", NULL}; *c; c++) {
			m = cmetric(doc, "kernel_samples_lost", *c);
			assert_non_null(m);
			json_array_foreach(json_object_get(m, "per_rep"), i, v) lost +=
			    json_number_value(v);
		}
		assert_true(lost == touches);
	}
	assert_string_equal(json_string_value(json_object_get(m, "source")), "fake");
	json_decref(doc);

	/* no mixed load: no normal-job metrics */
	fake_reset();
	run_ops = &fake_backend_configs;
	assert_int_equal(run_into("ksamples-plain", CONFIGS_TEXT("a, b"), false, &doc), 0);
	run_ops = &fake_backend;
	assert_non_null(cmetric(doc, "restore_latency", "a"));
	assert_null(cmetric(doc, "normal_job_latency", "a"));
	assert_null(cmetric(doc, "throttled_lr_jobs", "a"));
	json_decref(doc);
}

/* A backend without multi-queue / mixed-load support refuses those keys,
 * naming the scenario line, before it opens anything. */
/* --status-interval: progress lines on stdout at that interval (here a file,
 * as in a CI log), none when 0. */
static void test_status_lines(void **state)
{
	char path[300], line[256];
	unsigned lines[2] = {0};
	int saved = dup(STDOUT_FILENO), fd;
	json_t *doc;
	FILE *f;

	for (int k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/status-%d.txt", tmpdir, k);
		fflush(stdout);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0 && saved >= 0);
		dup2(fd, STDOUT_FILENO);
		close(fd);
		status_interval = k ? 0 : 0.1;
		assert_int_equal(
		    run_into(k ? "status-off" : "status-on", scenario_text, false, &doc), 0);
		json_decref(doc);
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			lines[k] += !strncmp(line, "rep ", 4) && strstr(line, "/2 ");
		fclose(f);
	}
	close(saved);
	status_interval = 0;
	/* two repetitions of 0.9 s at 0.1 s: about 16 lines; allow a slow machine */
	if (lines[0] < 6)
		fail_msg("%u progress lines at 0.1 s over 1.8 s of repetitions", lines[0]);
	assert_int_equal(lines[1], 0);
}

static void test_caps(void **state)
{
	static const char *const texts[] = {
	    "[scenario]\nbackend = fake\n[job]\nqueues = 2\n",
	    "[scenario]\nbackend = fake\n[mixed]\nlr_queues = 1\n",
	    "[scenario]\nbackend = fake\n\n[mixed]\nnormal_interval_ms = 5\n",
	};
	struct lr_scenario sc;
	struct lr_run_opts o = {0};
	struct lr_run run;
	struct lr_err err = {{0}};
	char dir[512], path[600];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(lr_scenario_parse_string(texts[i], "caps.ini", &sc, &err), 0);
		snprintf(dir, sizeof(dir), "%s/run-caps-%zu", tmpdir, i);
		o.ops = &fake_backend;
		o.outdir = dir;
		o.stop = &stop_flag;
		assert_int_equal(lr_run_scenario(&sc, &o, &run), 1);
		lr_run_fini(&run);
		snprintf(path, sizeof(path), "%s/%s", dir, LR_RESULT_FILE);
		assert_int_equal(access(path, F_OK), -1);
	}
	assert_int_equal(fake_cfg.opens, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_pass, per_test),
	    cmocka_unit_test_setup(test_skip, per_test),
	    cmocka_unit_test_setup(test_errors, per_test),
	    cmocka_unit_test_setup(test_corruption_detected, per_test),
	    cmocka_unit_test_setup(test_cancel, per_test),
	    cmocka_unit_test_setup(test_no_progress, per_test),
	    cmocka_unit_test_setup(test_refuse_overwrite, per_test),
	    cmocka_unit_test_setup(test_csv, per_test),
	    cmocka_unit_test_setup(test_configs, per_test),
	    cmocka_unit_test_setup(test_kernel_samples, per_test),
	    cmocka_unit_test_setup(test_evict_trigger, per_test),
	    cmocka_unit_test_setup(test_granularity, per_test),
	    cmocka_unit_test_setup(test_queue_stall, per_test),
	    cmocka_unit_test_setup(test_caps, per_test),
	    cmocka_unit_test_setup(test_status_lines, per_test),
	};

	return cmocka_run_group_tests_name("run", tests, setup, teardown);
}
