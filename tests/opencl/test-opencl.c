/* SPDX-License-Identifier: MIT */
/*
 * Tests of the opencl workload backend on whatever OpenCL device the ICD
 * loader offers (PoCL's CPU device in CI). Usage:
 *
 *   test-opencl [GROUP...]   GROUP: api job pressure no-platform (default:
 *                            api job pressure)
 *
 * no-platform expects OCL_ICD_VENDORS to point at an empty folder (the ICD
 * loader reads it once per process, so it is its own run); tests/opencl/run.sh
 * runs the job group once per control-block mechanism (LRBENCH_OPENCL_MODE).
 * LRBENCH_TEST_FILTER=PATTERN runs only the matching tests.
 */
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"

#define MiB (1024u * 1024u)

static const struct lr_backend_ops *ops;

static void msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Open the default device; a missing platform skips the test. */
static struct lr_dev *open_default(void)
{
	struct lr_err err = {{0}};
	struct lr_dev *dev = NULL;
	int rc = ops->open(NULL, &dev, &err);

	if (rc == LR_SKIP) {
		print_message("skip: %s\n", err.msg);
		skip();
	}
	if (rc)
		fail_msg("open: %s", err.msg);
	return dev;
}

/* ---- api: listing, selectors, device info, parameter checks ---------- */

static void test_list_devices(void **state)
{
	struct lr_err err = {{0}};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	assert_non_null(f);
	rc = ops->list_devices(f, &err);
	fclose(f);
	if (rc == LR_SKIP) {
		free(text);
		skip();
	}
	assert_int_equal(rc, LR_OK);
	/* Every line: selector, name, type, CUs, memory, SVM capabilities. */
	assert_non_null(strstr(text, "0:0  "));
	assert_non_null(strstr(text, "type="));
	assert_non_null(strstr(text, "cus="));
	assert_non_null(strstr(text, "global_mem="));
	assert_non_null(strstr(text, "svm="));
	free(text);
}

static void test_device_info(void **state)
{
	struct lr_dev *dev = open_default();
	struct lr_device_info info;
	struct lr_err err = {{0}};

	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	assert_true(info.name[0]);
	assert_true(info.compute_units >= 1);
	assert_true(info.global_mem_bytes > 0);
	assert_true(info.max_alloc_bytes > 0);
	assert_non_null(strstr(info.backend_detail, "ctrl="));
	assert_non_null(strstr(info.backend_detail, "selector="));
	ops->close(dev);
}

/* Open by @sel and return the opened device's name (or fail). */
static void open_by(const char *sel, char *name, size_t n)
{
	struct lr_err err = {{0}};
	struct lr_device_info info;
	struct lr_dev *dev = NULL;

	if (ops->open(sel, &dev, &err) != LR_OK)
		fail_msg("open(\"%s\"): %s", sel, err.msg);
	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	snprintf(name, n, "%s", info.name);
	ops->close(dev);
}

static void test_selector_good(void **state)
{
	struct lr_dev *dev = open_default();
	struct lr_device_info info;
	struct lr_err err = {{0}};
	char sel[16], name[128], sub[8];
	size_t len;

	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	ops->close(dev);

	/* "P:D" as printed in backend_detail picks the same device. */
	assert_int_equal(sscanf(strstr(info.backend_detail, "selector=") + 9, "%15[0-9:]", sel), 1);
	open_by(sel, name, sizeof(name));
	assert_string_equal(name, info.name);

	/* A middle piece of the name, case flipped, picks it too. */
	len = strlen(info.name);
	assert_true(len >= 4);
	snprintf(sub, sizeof(sub), "%.4s", info.name + (len - 4) / 2);
	for (char *c = sub; *c; c++)
		*c = *c >= 'a' && *c <= 'z' ? *c - 32 : *c >= 'A' && *c <= 'Z' ? *c + 32 : *c;
	open_by(sub, name, sizeof(name));
	assert_string_equal(name, info.name);

	/* The environment variable is the default selector. */
	setenv("LRBENCH_OPENCL_DEVICE", sel, 1);
	open_by(NULL, name, sizeof(name));
	unsetenv("LRBENCH_OPENCL_DEVICE");
	assert_string_equal(name, info.name);
}

/* @lists: the error must name the devices that exist. */
static void expect_open_error(const char *sel, const char *needle, bool lists)
{
	struct lr_err err = {{0}};
	struct lr_dev *dev = NULL;
	int rc = ops->open(sel, &dev, &err);

	if (rc != LR_ERR)
		fail_msg("open(\"%s\") returned %d, want LR_ERR", sel ? sel : "(null)", rc);
	assert_null(dev);
	if (!strstr(err.msg, needle))
		fail_msg("open(\"%s\"): \"%s\" does not mention \"%s\"", sel ? sel : "(null)",
			 err.msg, needle);
	if (lists && !strstr(err.msg, "0:0"))
		fail_msg("open(\"%s\"): \"%s\" does not list the devices", sel ? sel : "(null)",
			 err.msg);
}

static void test_selector_bad(void **state)
{
	ops->close(open_default()); /* skips without a platform */
	expect_open_error("99:0", "no device 99:0", true);
	expect_open_error("0:99", "no device 0:99", true);
	expect_open_error("no-such-device-xyz", "no device matches \"no-such-device-xyz\"", true);
	expect_open_error("", "empty device selector", true);
	expect_open_error("1:", "no device matches \"1:\"", true);
	expect_open_error("-1:0", "no device matches \"-1:0\"", true);
	setenv("LRBENCH_OPENCL_DEVICE", "42:42", 1);
	expect_open_error(NULL, "LRBENCH_OPENCL_DEVICE", true);
	unsetenv("LRBENCH_OPENCL_DEVICE");
}

static void test_bad_env(void **state)
{
	char *mode = getenv("LRBENCH_OPENCL_MODE");
	char *saved = mode ? strdup(mode) : NULL;

	ops->close(open_default());
	setenv("LRBENCH_OPENCL_MODE", "bogus", 1);
	expect_open_error(NULL, "want svm, svm-coarse or hostptr", false);
	if (saved)
		setenv("LRBENCH_OPENCL_MODE", saved, 1);
	else
		unsetenv("LRBENCH_OPENCL_MODE");
	free(saved);
	setenv("LRBENCH_OPENCL_TIMEOUT", "0", 1);
	expect_open_error(NULL, "LRBENCH_OPENCL_TIMEOUT", false);
	unsetenv("LRBENCH_OPENCL_TIMEOUT");
	setenv("LRBENCH_OPENCL_LAYOUT", "diagonal", 1);
	expect_open_error(NULL, "LRBENCH_OPENCL_LAYOUT", false);
	unsetenv("LRBENCH_OPENCL_LAYOUT");
	setenv("LRBENCH_OPENCL_MAX_ALLOC", "1000", 1);
	expect_open_error(NULL, "LRBENCH_OPENCL_MAX_ALLOC", false);
	unsetenv("LRBENCH_OPENCL_MAX_ALLOC");
}

static void expect_start_error(struct lr_dev *dev, struct lr_job_params p, const char *needle)
{
	struct lr_err err = {{0}};
	struct lr_job *job = NULL;
	int rc = ops->job_start(dev, &p, &job, NULL, &err);

	if (rc != LR_ERR)
		fail_msg("job_start accepted bad parameters (rc %d)", rc);
	assert_null(job);
	if (!strstr(err.msg, needle))
		fail_msg("job_start: \"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_job_params_bad(void **state)
{
	struct lr_dev *dev = open_default();
	struct lr_device_info info;
	struct lr_err err = {{0}};

	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	expect_start_error(dev, (struct lr_job_params){.buffer_bytes = 0}, "multiple of 4");
	expect_start_error(dev, (struct lr_job_params){.buffer_bytes = 65538}, "multiple of 4");
	expect_start_error(dev, (struct lr_job_params){.buffer_bytes = info.max_alloc_bytes + 4},
			   "MAX_MEM_ALLOC_SIZE");
	expect_start_error(
	    dev, (struct lr_job_params){.buffer_bytes = MiB, .work_groups = info.compute_units + 1},
	    "compute units");
	expect_start_error(dev,
			   (struct lr_job_params){.buffer_bytes = MiB, .work_group_size = 1u << 30},
			   "work-group size");
	ops->close(dev);
}

/* ---- job: never-ending job, progress, stop, exact verification ------- */

struct running {
	struct lr_dev *dev;
	struct lr_job *job;
	struct lr_job_info info;
};

static void start(struct running *r, uint64_t bytes, uint32_t groups, uint32_t seed)
{
	struct lr_job_params p = {.buffer_bytes = bytes, .work_groups = groups, .seed = seed};
	struct lr_err err = {{0}};

	r->dev = open_default();
	if (ops->job_start(r->dev, &p, &r->job, &r->info, &err) != LR_OK) {
		ops->close(r->dev);
		fail_msg("job_start(%llu bytes): %s", (unsigned long long)bytes, err.msg);
	}
	/* Started means progress is visible already. */
	assert_true(ops->job_progress(r->job) > 0);
	assert_string_equal(r->info.unit, "elements");
	assert_true(r->info.unit_bytes > 0);
	assert_true(r->info.work_groups >= 1);
	assert_true(r->info.work_group_size >= 1);
}

static void finish(struct running *r)
{
	ops->job_destroy(r->job);
	ops->close(r->dev);
}

static void stop_and_verify(struct running *r, uint64_t bytes, struct lr_verify_result *vr)
{
	struct lr_err err = {{0}};
	uint64_t final;

	if (ops->job_stop(r->job, &err) != LR_OK)
		fail_msg("job_stop: %s", err.msg);
	final = ops->job_progress(r->job);
	msleep(20);
	assert_true(ops->job_progress(r->job) == final); /* stopped means stopped */
	if (ops->job_verify(r->job, vr, &err) != LR_OK)
		fail_msg("job_verify: %s", err.msg);
	assert_int_equal(vr->mismatches, 0);
	assert_int_equal(vr->elements_checked, bytes / 4);
}

static void test_job_progress_and_verify(void **state)
{
	struct lr_verify_result vr;
	struct running r;
	uint64_t p[4];

	start(&r, 4 * MiB, 0, 7);
	/* Progress moves while the job runs, read over and over. */
	for (int i = 0; i < 4; i++) {
		p[i] = ops->job_progress(r.job);
		if (i)
			assert_true(p[i] > p[i - 1]);
		msleep(100);
	}
	stop_and_verify(&r, 4 * MiB, &vr);
	assert_true(vr.passes >= 1);
	/* One group: progress = passes * n + a partial pass (< n elements). */
	if (r.info.work_groups == 1)
		assert_int_equal(vr.passes, ops->job_progress(r.job) / (4 * MiB / 4));
	print_message("4 MiB: %llu passes by %u group(s), %llu elements\n",
		      (unsigned long long)vr.passes, r.info.work_groups,
		      (unsigned long long)ops->job_progress(r.job));
	finish(&r);
}

/* A stop lands mid-pass nearly always; the verify must still be exact, so
 * the stopped chunk position is accounted for. Each group stops at its own
 * count: run with every CU busy too. */
static void test_job_stop_mid_pass(void **state)
{
	const uint64_t bytes = 16 * MiB;
	int partial = 0;

	for (int i = 0; i < 3; i++) {
		struct lr_verify_result vr;
		struct running r;
		uint64_t prog;

		start(&r, bytes, i == 2 ? 0 : (uint32_t)i + 1, 100 + i);
		msleep(150);
		stop_and_verify(&r, bytes, &vr);
		prog = ops->job_progress(r.job);
		/* Not a whole number of passes over every group's slice. */
		if (prog % (bytes / 4 / r.info.work_groups))
			partial++;
		finish(&r);
	}
	print_message("%d of 3 stops landed mid-pass\n", partial);
	assert_true(partial >= 1);
}

static void test_job_corrupt_detected(void **state)
{
	const uint64_t bytes = 4 * MiB;
	const uint64_t offsets[] = {0, 1234, bytes / 2 + 3, bytes - 1};
	struct lr_verify_result vr;
	struct lr_err err = {{0}};
	struct running r;

	start(&r, bytes, 0, 99);
	/* Hooks refuse a running job. */
	assert_int_equal(ops->job_corrupt(r.job, 0, &err), LR_ERR);
	assert_int_equal(ops->job_verify(r.job, &vr, &err), LR_ERR);
	msleep(50);
	stop_and_verify(&r, bytes, &vr);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		assert_int_equal(ops->job_corrupt(r.job, offsets[i], &err), LR_OK);
		assert_int_equal(ops->job_verify(r.job, &vr, &err), LR_ERR);
		assert_int_equal(vr.mismatches, 1);
		assert_int_equal(vr.first_bad_offset, offsets[i]);
		assert_true(vr.expected != vr.got);
		assert_non_null(strstr(err.msg, "first bad byte offset"));
		/* Flipping the same byte back restores the data. */
		assert_int_equal(ops->job_corrupt(r.job, offsets[i], &err), LR_OK);
		assert_int_equal(ops->job_verify(r.job, &vr, &err), LR_OK);
	}
	/* Two corruptions: the first one is reported, both are counted. */
	assert_int_equal(ops->job_corrupt(r.job, bytes - 8, &err), LR_OK);
	assert_int_equal(ops->job_corrupt(r.job, 4096, &err), LR_OK);
	assert_int_equal(ops->job_verify(r.job, &vr, &err), LR_ERR);
	assert_int_equal(vr.mismatches, 2);
	assert_int_equal(vr.first_bad_offset, 4096);
	/* Out of range. */
	assert_int_equal(ops->job_corrupt(r.job, bytes, &err), LR_ERR);
	assert_non_null(strstr(err.msg, "outside"));
	finish(&r);
}

struct reader {
	struct lr_job *job;
	volatile int stop;
	long reads, backwards;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	uint64_t last = 0;

	while (!rd->stop) {
		uint64_t v = ops->job_progress(rd->job);

		if (v < last)
			rd->backwards++;
		last = v;
		rd->reads++;
	}
	return NULL;
}

/* job_progress from several threads at once never goes backwards. */
static void test_job_progress_threads(void **state)
{
	struct reader rd[3] = {{0}};
	pthread_t t[3];
	struct lr_verify_result vr;
	struct running r;

	start(&r, 256 * 1024, 0, 5);
	for (int i = 0; i < 3; i++) {
		rd[i].job = r.job;
		assert_int_equal(pthread_create(&t[i], NULL, reader_main, &rd[i]), 0);
	}
	msleep(300);
	for (int i = 0; i < 3; i++) {
		rd[i].stop = 1;
		pthread_join(t[i], NULL);
		assert_true(rd[i].reads > 100);
		assert_int_equal(rd[i].backwards, 0);
	}
	stop_and_verify(&r, 256 * 1024, &vr);
	finish(&r);
}

/* Destroying a running job stops it (no hang, no leak). */
static void test_job_destroy_running(void **state)
{
	struct running r;

	start(&r, MiB, 0, 3);
	finish(&r);
}

/* ---- pressure: alloc, touch, free; beside a running job -------------- */

static void alloc_touch_free(struct lr_dev *dev, uint64_t bytes, uint32_t pattern)
{
	struct lr_err err = {{0}};
	struct lr_pbuf *pb = NULL;

	if (ops->pressure_alloc(dev, bytes, &pb, &err) != LR_OK)
		fail_msg("pressure_alloc(%llu): %s", (unsigned long long)bytes, err.msg);
	if (ops->pressure_touch(pb, pattern, &err) != LR_OK)
		fail_msg("pressure_touch(%llu): %s", (unsigned long long)bytes, err.msg);
	ops->pressure_free(pb);
}

static void test_pressure_basic(void **state)
{
	struct lr_dev *dev = open_default();
	struct lr_err err = {{0}};
	struct lr_pbuf *pb = NULL;

	alloc_touch_free(dev, 4096, 0x11111111);
	alloc_touch_free(dev, 1001, 0x22222222); /* rounded up to whole elements */
	alloc_touch_free(dev, 64 * MiB, 0xdeadbeef);
	assert_int_equal(ops->pressure_alloc(dev, 0, &pb, &err), LR_ERR);
	assert_null(pb);
	assert_non_null(strstr(err.msg, "0 bytes"));
	ops->close(dev);
}

/* Allocations above CL_DEVICE_MAX_MEM_ALLOC_SIZE are split (limit lowered
 * through the test knob so that it happens with small sizes). */
static void test_pressure_split(void **state)
{
	struct lr_device_info info;
	struct lr_err err = {{0}};
	struct lr_dev *dev;

	setenv("LRBENCH_OPENCL_MAX_ALLOC", "1048576", 1);
	dev = open_default();
	unsetenv("LRBENCH_OPENCL_MAX_ALLOC");
	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	assert_int_equal(info.max_alloc_bytes, MiB);
	alloc_touch_free(dev, 5 * MiB + 12, 0x5a5a5a5a);
	alloc_touch_free(dev, 3 * MiB, 0xa5a5a5a5);
	ops->close(dev);
}

/* The pressure kernels run (on their own queue) while the persistent job
 * runs, the job keeps going, and its data stays intact. */
static void test_pressure_beside_job(void **state)
{
	struct lr_verify_result vr;
	struct lr_err err = {{0}};
	struct lr_pbuf *pb;
	struct running r;
	uint64_t before, after;

	start(&r, 4 * MiB, 0, 11);
	for (int i = 0; i < 3; i++) {
		before = ops->job_progress(r.job);
		assert_int_equal(ops->pressure_alloc(r.dev, 32 * MiB, &pb, &err), LR_OK);
		if (ops->pressure_touch(pb, 0x1000u + i, &err) != LR_OK)
			fail_msg("pressure_touch beside the job: %s", err.msg);
		ops->pressure_free(pb);
		msleep(20);
		after = ops->job_progress(r.job);
		assert_true(after > before);
	}
	stop_and_verify(&r, 4 * MiB, &vr);
	finish(&r);
}

/* On a CPU device a job holding every CU would starve pressure kernels
 * forever: the backend says so instead of hanging. */
static void test_pressure_cpu_all_cus(void **state)
{
	struct lr_device_info info;
	struct lr_verify_result vr;
	struct lr_err err = {{0}};
	struct lr_pbuf *pb;
	struct lr_dev *dev = open_default();
	struct running r;

	assert_int_equal(ops->device_info(dev, &info, &err), LR_OK);
	ops->close(dev);
	if (!strstr(info.backend_detail, "type=CPU")) {
		print_message("skip: not a CPU device\n");
		skip();
	}
	start(&r, MiB, info.compute_units, 12);
	assert_int_equal(ops->pressure_alloc(r.dev, MiB, &pb, &err), LR_OK);
	assert_int_equal(ops->pressure_touch(pb, 1, &err), LR_SKIP);
	assert_non_null(strstr(err.msg, "compute units"));
	ops->pressure_free(pb);
	stop_and_verify(&r, MiB, &vr);
	finish(&r);
}

/* ---- no-platform ------------------------------------------------------ */

static void test_no_platform(void **state)
{
	struct lr_err err = {{0}};
	struct lr_dev *dev = NULL;
	FILE *f = fopen("/dev/null", "w");

	assert_non_null(getenv("OCL_ICD_VENDORS"));
	assert_int_equal(ops->list_devices(f, &err), LR_SKIP);
	fclose(f);
	assert_non_null(strstr(err.msg, "no OpenCL platform"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(ops->open(NULL, &dev, &err), LR_SKIP);
	assert_null(dev);
	assert_non_null(strstr(err.msg, "no OpenCL platform"));
	assert_non_null(strstr(err.msg, "OCL_ICD_VENDORS"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest api[] = {
	    cmocka_unit_test(test_list_devices),  cmocka_unit_test(test_device_info),
	    cmocka_unit_test(test_selector_good), cmocka_unit_test(test_selector_bad),
	    cmocka_unit_test(test_bad_env),	  cmocka_unit_test(test_job_params_bad),
	};
	const struct CMUnitTest job[] = {
	    cmocka_unit_test(test_job_progress_and_verify),
	    cmocka_unit_test(test_job_stop_mid_pass),
	    cmocka_unit_test(test_job_corrupt_detected),
	    cmocka_unit_test(test_job_progress_threads),
	    cmocka_unit_test(test_job_destroy_running),
	};
	const struct CMUnitTest pressure[] = {
	    cmocka_unit_test(test_pressure_basic),
	    cmocka_unit_test(test_pressure_split),
	    cmocka_unit_test(test_pressure_beside_job),
	    cmocka_unit_test(test_pressure_cpu_all_cus),
	};
	const struct CMUnitTest noplat[] = {
	    cmocka_unit_test(test_no_platform),
	};
	static const char *const all[] = {"api", "job", "pressure"};
	const char *const *groups = argc > 1 ? (const char *const *)argv + 1 : all;
	int ngroups = argc > 1 ? argc - 1 : 3, failed = 0;

	/* Run only the tests matching a pattern (cmocka's * and ? wildcards). */
	if (getenv("LRBENCH_TEST_FILTER"))
		cmocka_set_test_filter(getenv("LRBENCH_TEST_FILTER"));
	ops = lr_backend_find("opencl");
	if (!ops) {
		fprintf(stderr, "test-opencl: no backend named opencl in lr_backends[]\n");
		return 1;
	}
	for (int i = 0; i < ngroups; i++) {
		const char *g = groups[i];

		if (!strcmp(g, "api"))
			failed += cmocka_run_group_tests_name("api", api, NULL, NULL);
		else if (!strcmp(g, "job"))
			failed += cmocka_run_group_tests_name("job", job, NULL, NULL);
		else if (!strcmp(g, "pressure"))
			failed += cmocka_run_group_tests_name("pressure", pressure, NULL, NULL);
		else if (!strcmp(g, "no-platform"))
			failed += cmocka_run_group_tests_name("no-platform", noplat, NULL, NULL);
		else {
			fprintf(stderr,
				"test-opencl: unknown group \"%s\" (want api, job, pressure or "
				"no-platform)\n",
				g);
			return 2;
		}
	}
	return failed ? 1 : 0;
}
