/* SPDX-License-Identifier: MIT */
/*
 * opencl-perf: quick numbers for the opencl backend outside lrbench.
 *
 *   opencl-perf [-d SEL] [-t SECONDS] [-r REPS] [-j SIZE]... [-p SIZE]...
 *
 * For every -j SIZE: start the never-ending job on a SIZE-byte buffer, let it
 * warm up 0.3 s, read progress over SECONDS (default 2), stop, verify, and
 * print elements/s and bytes/s. For every -p SIZE: time pressure_alloc +
 * pressure_touch (REPS times, default 5) on an idle device and beside a
 * running 4 MiB job, and print min/median/max in ms. SIZE takes K, M, G.
 * Exit: 0 ok, 1 failure (verification included), 2 usage, 77 no device.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"

#define MAXN 16

static const struct lr_backend_ops *ops;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	switch (*end) {
	case 'K':
	case 'k':
		v <<= 10, end++;
		break;
	case 'M':
	case 'm':
		v <<= 20, end++;
		break;
	case 'G':
	case 'g':
		v <<= 30, end++;
		break;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int job_rate(struct lr_dev *dev, uint64_t bytes, double secs)
{
	struct lr_job_params p = {.buffer_bytes = bytes, .seed = 1};
	struct lr_verify_result vr;
	struct lr_err err = {{0}};
	struct lr_job_info info;
	struct lr_job *job;
	uint64_t p0, p1;
	double t0, t1;
	int rc;

	rc = ops->job_start(dev, &p, &job, &info, &err);
	if (rc) {
		fprintf(stderr, "opencl-perf: job %" PRIu64 " bytes: %s\n", bytes, err.msg);
		return rc;
	}
	sleep_s(0.3);
	p0 = ops->job_progress(job);
	t0 = now_s();
	sleep_s(secs);
	p1 = ops->job_progress(job);
	t1 = now_s();
	rc = ops->job_stop(job, &err);
	if (!rc)
		rc = ops->job_verify(job, &vr, &err);
	if (rc) {
		fprintf(stderr, "opencl-perf: job %" PRIu64 " bytes: %s\n", bytes, err.msg);
	} else {
		double eps = (p1 - p0) / (t1 - t0);

		printf("job %8.1f MiB  groups %u x %u  %.3g elements/s  %.3g bytes/s  "
		       "(%" PRIu64 " B/element)  %.0f passes/s  verified %" PRIu64
		       " passes, 0 mismatches\n",
		       bytes / 1048576.0, info.work_groups, info.work_group_size, eps,
		       eps * info.unit_bytes, info.unit_bytes, eps / (bytes / 4.0), vr.passes);
	}
	ops->job_destroy(job);
	return rc;
}

static int pressure_lat(struct lr_dev *dev, uint64_t bytes, int reps, const char *label)
{
	double ms[64], ams[64];
	struct lr_err err = {{0}};

	for (int i = 0; i < reps; i++) {
		struct lr_pbuf *pb;
		double t0 = now_s();
		int rc = ops->pressure_alloc(dev, bytes, &pb, &err);

		ams[i] = (now_s() - t0) * 1e3;
		if (!rc) {
			rc = ops->pressure_touch(pb, 0x1000u + i, &err);
			ms[i] = (now_s() - t0) * 1e3;
			ops->pressure_free(pb);
		}
		if (rc) {
			fprintf(stderr, "opencl-perf: pressure %" PRIu64 " bytes: %s\n", bytes,
				err.msg);
			return rc;
		}
	}
	qsort(ms, reps, sizeof(ms[0]), cmp_double);
	qsort(ams, reps, sizeof(ams[0]), cmp_double);
	printf("pressure %8.1f MiB %-10s alloc+touch ms: min %.2f  median %.2f  max %.2f  "
	       "(alloc alone: median %.3f)  %d reps\n",
	       bytes / 1048576.0, label, ms[0], ms[reps / 2], ms[reps - 1], ams[reps / 2], reps);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t jobs[MAXN], press[MAXN];
	int nj = 0, np = 0, reps = 5, c, rc = 0;
	const char *sel = NULL;
	double secs = 2;
	struct lr_device_info info;
	struct lr_err err = {{0}};
	struct lr_dev *dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "d:t:r:j:p:h")) != -1) {
		switch (c) {
		case 'd':
			sel = optarg;
			break;
		case 't':
			secs = atof(optarg);
			if (!(secs > 0 && secs <= 600))
				goto usage;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > 64)
				goto usage;
			break;
		case 'j':
			if (nj == MAXN || parse_size(optarg, &jobs[nj++]))
				goto usage;
			break;
		case 'p':
			if (np == MAXN || parse_size(optarg, &press[np++]))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (!nj && !np))
		goto usage;
	ops = lr_backend_find("opencl");
	rc = ops->open(sel, &dev, &err);
	if (rc) {
		fprintf(stderr, "opencl-perf: %s\n", err.msg);
		return rc == LR_SKIP ? 77 : 1;
	}
	ops->device_info(dev, &info, &err);
	printf("device: %s (%s; %u CUs) %s\n", info.name, info.version, info.compute_units,
	       info.backend_detail);
	for (int i = 0; i < nj && !rc; i++)
		rc = job_rate(dev, jobs[i], secs);
	for (int i = 0; i < np && !rc; i++)
		rc = pressure_lat(dev, press[i], reps, "idle");
	if (np && !rc) {
		struct lr_job_params p = {.buffer_bytes = 4u << 20, .seed = 2};
		struct lr_verify_result vr;
		struct lr_job *job = NULL;

		rc = ops->job_start(dev, &p, &job, NULL, &err);
		for (int i = 0; i < np && !rc; i++)
			rc = pressure_lat(dev, press[i], reps, "beside-job");
		if (job) {
			if (ops->job_stop(job, &err) || ops->job_verify(job, &vr, &err))
				rc = LR_ERR;
			ops->job_destroy(job);
		}
		if (rc)
			fprintf(stderr, "opencl-perf: %s\n", err.msg);
	}
	ops->close(dev);
	return rc ? 1 : 0;
usage:
	fprintf(stderr, "usage: opencl-perf [-d SEL] [-t SECONDS] [-r REPS(1-64)] [-j SIZE]... "
			"[-p SIZE]...  (SIZE: bytes with K/M/G)\n");
	return 2;
}
