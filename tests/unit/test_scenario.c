/* SPDX-License-Identifier: MIT */
/*
 * Scenario parser: every malformed input is rejected with "file:line:" and
 * the bad key or value in the message (table-driven); good inputs give the
 * documented defaults and values; the shipped scenarios all parse.
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

#include <cmocka.h>

#include "scenario.h"

struct bad_case {
	const char *what;
	const char *text;
	const char *want; /* substring of the error, starting with "t.ini:LINE:" */
};

static const struct bad_case bad_cases[] = {
    {"syntax: no '='", "[job]\nbuffer_bytes 4M\n", "t.ini:2: syntax error"},
    {"syntax: unclosed section", "[job\nbuffer_bytes = 4M\n", "t.ini:1: syntax error"},
    {"key outside a section", "repetitions = 3\n", "t.ini:1: repetitions: key outside"},
    {"unknown section", "\n[jobs]\nseed = 1\n", "t.ini:3: [jobs]: unknown section"},
    {"unknown key", "[job]\nbuffer = 4M\n", "t.ini:2: [job] buffer: unknown key"},
    {"duplicate key", "[job]\nseed = 1\n; comment\nseed = 2\n",
     "t.ini:4: [job] seed: given twice (first on line 2"},
    {"not a number", "[scenario]\nrepetitions = three\n",
     "t.ini:2: [scenario] repetitions: 'three': not a non-negative integer"},
    {"negative integer", "[scenario]\nrepetitions = -1\n", "t.ini:2: [scenario] repetitions: '-1'"},
    {"integer with junk", "[scenario]\nrepetitions = 3x\n",
     "t.ini:2: [scenario] repetitions: '3x'"},
    {"integer out of range", "[scenario]\nrepetitions = 0\n",
     "t.ini:2: [scenario] repetitions: '0' out of range [1, 1000]"},
    {"u32 overflow", "[job]\nseed = 4294967296\n",
     "t.ini:2: [job] seed: '4294967296': number out of range"},
    {"empty value", "[scenario]\nsample_rate_hz =\n",
     "t.ini:2: [scenario] sample_rate_hz: '': empty value"},
    {"double junk", "[phases]\nbaseline_s = 1.5s\n",
     "t.ini:2: [phases] baseline_s: '1.5s': not a number"},
    {"double nan", "[phases]\nbaseline_s = nan\n", "t.ini:2: [phases] baseline_s: 'nan'"},
    {"double inf", "[phases]\nwarmup_s = inf\n", "t.ini:2: [phases] warmup_s: 'inf'"},
    {"double out of range", "[phases]\nbaseline_s = 0\n",
     "t.ini:2: [phases] baseline_s: '0' out of range"},
    {"negative duration", "[phases]\ncooldown_s = -1\n",
     "t.ini:2: [phases] cooldown_s: '-1' out of range"},
    {"bad size suffix", "[job]\nbuffer_bytes = 4Q\n",
     "t.ini:2: [job] buffer_bytes: '4Q': not a size"},
    {"size junk after suffix", "[job]\nbuffer_bytes = 4Mx\n",
     "t.ini:2: [job] buffer_bytes: '4Mx': not a size"},
    {"size too small", "[job]\nbuffer_bytes = 100\n",
     "t.ini:2: [job] buffer_bytes: '100' out of range"},
    {"size overflow", "[job]\nbuffer_bytes = 99999999999T\n",
     "t.ini:2: [job] buffer_bytes: '99999999999T': size out of range"},
    {"percent zero", "[pressure]\nchunk = 0%\n",
     "t.ini:2: [pressure] chunk: '0%': percentage must be in (0, 100]"},
    {"chunk percent above 100", "[pressure]\nchunk = 150%\n",
     "t.ini:2: [pressure] chunk: '150%': percentage must be in (0, 100]"},
    {"total percent above 1000", "[pressure]\ntotal = 1001%\n",
     "t.ini:2: [pressure] total: '1001%': percentage must be in (0, 1000]"},
    {"percent junk", "[pressure]\ntotal = x%\n", "t.ini:2: [pressure] total: 'x%': not a number"},
    {"memsize junk", "[pressure]\nchunk = lots\n",
     "t.ini:2: [pressure] chunk: 'lots': not a size (N% of global memory"},
    {"memsize zero bytes", "[pressure]\nchunk = 0\n",
     "t.ini:2: [pressure] chunk: '0': size must be > 0"},
    {"unknown pattern", "[pressure]\npattern = wave\n",
     "t.ini:2: [pressure] pattern: 'wave': unknown pattern"},
    {"name too long",
     "[scenario]\nname = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
     "t.ini:2: [scenario] name: value longer than 63 characters"},
    {"name bad characters", "[scenario]\n\nname = my scenario\n",
     "t.ini:3: [scenario] name: 'my scenario': only letters"},
    {"empty backend", "[scenario]\nbackend =\n", "t.ini:2: [scenario] backend: empty value"},
    {"stall threshold below two periods",
     "[scenario]\nsample_rate_hz = 100\nstall_threshold_ms = 5\n",
     "t.ini:3: [scenario] stall_threshold_ms: 5 ms is shorter than two sample periods"},
    {"sample rate makes default threshold too short", "[scenario]\nsample_rate_hz = 10\n",
     "t.ini:2: [scenario] stall_threshold_ms"},
    {"timeline window below one period",
     "[scenario]\nsample_rate_hz = 100\nstall_threshold_ms = 50\ntimeline_ms = 5\n",
     "t.ini:4: [scenario] timeline_ms: 5 ms is shorter than one sample period"},
    {"pressure phase 0 with a pattern", "[pressure]\npattern = burst\n[phases]\npressure_s = 0\n",
     "t.ini:4: [phases] pressure_s: must be > 0 with pattern = burst"},
    {"pattern needs a pressure phase (line of pattern)", "[phases]\npressure_s = 0\n",
     "t.ini:2: [phases] pressure_s: must be > 0 with pattern = steady"},
    {"chunk larger than total", "[pressure]\ntotal = 2%\nchunk = 3%\n",
     "t.ini:3: [pressure] chunk: larger than total"},
    {"chunk larger than total, bytes", "[pressure]\nchunk = 2G\ntotal = 1G\n",
     "t.ini:2: [pressure] chunk: larger than total"},
    {"queues out of range", "[job]\nqueues = 0\n",
     "t.ini:2: [job] queues: '0' out of range [1, 64]"},
    {"queues too many", "[job]\nqueues = 65\n", "t.ini:2: [job] queues: '65' out of range [1, 64]"},
    {"mixed: unknown key", "[mixed]\nlr_queue = 2\n", "t.ini:2: [mixed] lr_queue: unknown key"},
    {"mixed: one in flight", "[mixed]\nlr_queues = 2\nlr_in_flight = 1\n",
     "t.ini:3: [mixed] lr_in_flight: '1' out of range [2, 64]"},
    {"mixed: in flight without queues", "[mixed]\n\nlr_in_flight = 4\n",
     "t.ini:3: [mixed] lr_in_flight: has no effect with lr_queues = 0"},
    {"mixed: job bytes without queues", "[mixed]\nlr_job_bytes = 64K\n",
     "t.ini:2: [mixed] lr_job_bytes: has no effect with lr_queues = 0"},
    {"mixed: normal bytes without interval", "[mixed]\nnormal_job_bytes = 8K\n",
     "t.ini:2: [mixed] normal_job_bytes: has no effect with normal_interval_ms = 0"},
    {"mixed: interval below 1 ms", "[mixed]\nnormal_interval_ms = 0.5\n",
     "t.ini:2: [mixed] normal_interval_ms: 0.5: 0 (none) or at least 1 ms"},
    {"mixed: negative interval", "[mixed]\nnormal_interval_ms = -1\n",
     "t.ini:2: [mixed] normal_interval_ms: '-1' out of range"},
    {"mixed: job bytes not a multiple of 4", "[mixed]\nlr_queues = 1\nlr_job_bytes = 4097\n",
     "t.ini:3: [mixed] lr_job_bytes: not a multiple of 4 bytes"},
    {"mixed: job bytes too small", "[mixed]\nlr_queues = 1\nlr_job_bytes = 4\n",
     "t.ini:3: [mixed] lr_job_bytes: '4' out of range"},
    {"mixed: unknown section names mixed", "[mix]\nlr_queues = 1\n",
     "t.ini:2: [mix]: unknown section (scenario, job, phases, pressure, mixed)"},
    {"error after a good line keeps its own line", "[job]\nseed = 7\n\n\nwork_groups = many\n",
     "t.ini:5: [job] work_groups: 'many'"},
    {"first of two errors wins", "[job]\nseed = x\nwork_groups = y\n", "t.ini:2: [job] seed"},
    {"syntax error before a bad value", "[job]\nnonsense\nseed = x\n", "t.ini:2: syntax error"},
    {"line too long",
     "[scenario]\ndescription = "
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
     "t.ini:2: line longer than"},
};

/* Each malformed input fails with its file:line and the key/value at fault. */
static void test_bad_inputs(void **state)
{
	unsigned failed = 0;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct lr_scenario sc;
		struct lr_err err = {{0}};
		int rc = lr_scenario_parse_string(c->text, "t.ini", &sc, &err);

		if (getenv("LR_VERBOSE"))
			print_message("%-45s -> %s\n", c->what, err.msg);
		if (rc != LR_ERR) {
			print_error("case '%s': accepted, expected error '%s'\n", c->what, c->want);
			failed++;
		} else if (strncmp(err.msg, c->want, strlen(c->want)) &&
			   !strstr(err.msg, c->want)) {
			print_error("case '%s':\n  got  '%s'\n  want '%s...'\n", c->what, err.msg,
				    c->want);
			failed++;
		} else if (strncmp(err.msg, "t.ini:", 6)) {
			print_error("case '%s': message does not start with file:line: '%s'\n",
				    c->what, err.msg);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* An empty file gives every documented default; the name comes from the file. */
static void test_defaults(void **state)
{
	struct lr_scenario sc;
	struct lr_err err;

	assert_int_equal(lr_scenario_parse_string("; only a comment\n", "dir/quick.ini", &sc, &err),
			 LR_OK);
	assert_string_equal(sc.name, "quick");
	assert_string_equal(sc.backend, "opencl");
	assert_int_equal(sc.repetitions, 3);
	assert_true(sc.sample_rate_hz == 1000);
	assert_true(sc.stall_threshold_ms == 5);
	assert_int_equal(sc.buffer_bytes, 4u << 20);
	assert_int_equal(sc.pattern, LR_PATTERN_STEADY);
	assert_true(sc.chunk.relative && fabs(sc.chunk.fraction - 0.01) < 1e-12);
	assert_true(sc.total.relative && fabs(sc.total.fraction - 0.04) < 1e-12);
}

/* Every value form of the documented syntax. */
static void test_values(void **state)
{
	static const char text[] = "# comment\n"
				   "[scenario]\n"
				   "name = s-1.x_y\n"
				   "description = has spaces ; and an inline comment\n"
				   "repetitions = 7\n"
				   "sample_rate_hz = 2500.5\n"
				   "stall_threshold_ms = 2\n"
				   "[job]\n"
				   "buffer_bytes = 64KiB\n"
				   "work_groups = 3\n"
				   "[phases]\n"
				   "warmup_s = 0\n"
				   "baseline_s = 0.25\n"
				   "[pressure]\n"
				   "pattern = ramp\n"
				   "chunk = 1 M\n"
				   "total = 2G\n"
				   "total_max = 1g\n";
	struct lr_scenario sc;
	struct lr_err err = {{0}};

	if (lr_scenario_parse_string(text, "v.ini", &sc, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(sc.name, "s-1.x_y");
	assert_string_equal(sc.description, "has spaces");
	assert_int_equal(sc.repetitions, 7);
	assert_true(sc.sample_rate_hz == 2500.5);
	assert_int_equal(sc.buffer_bytes, 64 * 1024);
	assert_int_equal(sc.work_groups, 3);
	assert_true(sc.warmup_s == 0 && sc.baseline_s == 0.25);
	assert_int_equal(sc.pattern, LR_PATTERN_RAMP);
	assert_false(sc.chunk.relative);
	assert_int_equal(sc.chunk.bytes, 1 << 20);
	assert_int_equal(sc.total.bytes, 2ull << 30);
	assert_int_equal(sc.total_max, 1ull << 30);
	assert_int_equal(lr_memsize_bytes(&sc.chunk, 12345), 1 << 20);
}

/* --duration scales all phases by one factor; bad values are errors. */
static void test_scale(void **state)
{
	struct lr_scenario sc;
	struct lr_err err;

	assert_int_equal(lr_scenario_parse_string("[phases]\nwarmup_s = 1\nbaseline_s = 2\n"
						  "pressure_s = 3\ncooldown_s = 4\n",
						  "d.ini", &sc, &err),
			 LR_OK);
	assert_true(lr_scenario_rep_seconds(&sc) == 10);
	assert_int_equal(lr_scenario_scale(&sc, 5, &err), LR_OK);
	assert_true(fabs(sc.warmup_s - 0.5) < 1e-12 && fabs(sc.baseline_s - 1) < 1e-12 &&
		    fabs(sc.pressure_s - 1.5) < 1e-12 && fabs(sc.cooldown_s - 2) < 1e-12);
	assert_int_equal(lr_scenario_scale(&sc, 0, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "--duration"));
	assert_int_equal(lr_scenario_scale(&sc, 0.02, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "baseline"));
}

/* A relative size resolves against the device's global memory. */
static void test_memsize_relative(void **state)
{
	struct lr_scenario sc;
	struct lr_err err;

	assert_int_equal(
	    lr_scenario_parse_string("[pressure]\nchunk = 2.5%\ntotal = 10%\n", "m.ini", &sc, &err),
	    LR_OK);
	assert_int_equal(lr_memsize_bytes(&sc.chunk, 1000000), 25000);
	assert_int_equal(lr_memsize_bytes(&sc.total, 1000000), 100000);
}

/* The full parameter set goes into result.json. */
static void test_to_json(void **state)
{
	struct lr_scenario sc;
	struct lr_err err;
	json_t *j;

	assert_int_equal(lr_scenario_parse_string("[pressure]\nchunk = 3%\n", "j.ini", &sc, &err),
			 LR_OK);
	j = lr_scenario_to_json(&sc);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "pressure"), "chunk")), "3%");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "job"), "buffer_bytes")),
	    4 << 20);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "pressure"), "pattern")),
	    "steady");
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "mixed"), "lr_queues")), 0);
	assert_int_equal(json_object_size(j), 5);
	json_decref(j);
}

/* Multi-queue and mixed-load keys, an oversubscribed total, key lines. */
static void test_queues_mixed(void **state)
{
	static const char text[] = "[job]\n"
				   "queues = 8\n"
				   "[pressure]\n"
				   "total = 200%\n"
				   "[mixed]\n"
				   "lr_queues = 3\n"
				   "lr_in_flight = 4\n"
				   "lr_job_bytes = 256K\n"
				   "normal_interval_ms = 10\n"
				   "normal_job_bytes = 8K\n";
	struct lr_scenario sc;
	struct lr_err err = {{0}};

	if (lr_scenario_parse_string(text, "q.ini", &sc, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(sc.queues, 8);
	assert_int_equal(lr_memsize_bytes(&sc.total, 1000), 2000);
	assert_int_equal(sc.mixed_lr_queues, 3);
	assert_int_equal(sc.mixed_lr_in_flight, 4);
	assert_int_equal(sc.mixed_lr_job_bytes, 256 * 1024);
	assert_true(sc.mixed_normal_interval_ms == 10);
	assert_int_equal(sc.mixed_normal_job_bytes, 8 * 1024);
	assert_int_equal(lr_scenario_line(&sc, "job", "queues"), 2);
	assert_int_equal(lr_scenario_line(&sc, "mixed", "normal_job_bytes"), 10);
	assert_int_equal(lr_scenario_line(&sc, "job", "seed"), 0);
	assert_int_equal(lr_scenario_line(&sc, "job", "nonsense"), 0);
	/* defaults: one queue, no mixed load */
	assert_int_equal(lr_scenario_parse_string("[job]\nseed = 2\n", "d.ini", &sc, &err), LR_OK);
	assert_int_equal(sc.queues, 1);
	assert_int_equal(sc.mixed_lr_queues, 0);
	assert_true(sc.mixed_normal_interval_ms == 0);
	assert_int_equal(sc.mixed_lr_in_flight, 2);
}

/* A missing file names itself. */
static void test_missing_file(void **state)
{
	struct lr_scenario sc;
	struct lr_err err;

	assert_int_equal(lr_scenario_load("/nonexistent/x.ini", &sc, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "/nonexistent/x.ini: No such file"));
}

/* Every shipped scenario parses; smoke stays under 15 s, default 20-40 s. */
static void test_shipped(void **state)
{
	const char *dir = getenv("LR_SCENARIO_DIR") ? getenv("LR_SCENARIO_DIR") : "bench/scenarios";
	struct dirent *de;
	DIR *d = opendir(dir);
	unsigned n = 0;
	bool have_default = false, have_smoke = false;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[1024];
		struct lr_scenario sc;
		struct lr_err err;
		size_t len = strlen(de->d_name);
		double total;

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lr_scenario_load(path, &sc, &err))
			fail_msg("%s", err.msg);
		total = lr_scenario_rep_seconds(&sc) * sc.repetitions;
		/* the vlr comparisons alternate configs, >= 5 repetitions each */
		if (!strncmp(sc.name, "vlr-", 4)) {
			unsigned nconf = *sc.configs ? 1 : 0;

			for (const char *c = sc.configs; *c; c++)
				nconf += *c == ',';
			if (nconf < 2 || sc.repetitions < 5 * nconf)
				fail_msg(
				    "%s: %u configs, %u repetitions: want >= 2 configs and >= 5 "
				    "repetitions of each",
				    path, nconf, sc.repetitions);
		}
		if (!strcmp(sc.name, "smoke")) {
			have_smoke = true;
			assert_true(total < 15);
		}
		if (!strcmp(sc.name, "default")) {
			have_default = true;
			assert_true(total >= 20 && total <= 40);
		}
		n++;
	}
	closedir(d);
	assert_true(have_default && have_smoke);
	assert_true(n >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_inputs),	 cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_values),	 cmocka_unit_test(test_scale),
	    cmocka_unit_test(test_queues_mixed), cmocka_unit_test(test_memsize_relative),
	    cmocka_unit_test(test_to_json),	 cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
