// SPDX-License-Identifier: MIT
/*
 * vlr-soak: never-ending STREAM jobs under VRAM pressure for N evict/restore
 * cycles per device mode, every byte verified exactly at periodic
 * checkpoints (stop the job, copy its buffer back, compare with the model
 * after the passes its counter shows, start it again) and at the end.
 *
 *   vlr-soak [--cycles N] [--mode preempt-fence|open-coded|both] [--streams K]
 *            [--size-mib M] [--verify-every N] [--max-time S] [--json FILE]
 *
 * A cycle is one restore of a soak queue after its buffer was evicted (the
 * per-queue restore counters, summed over the streams); each pressure round
 * evicts every stream. Each stream has its own VM, so K restore workers run.
 * Figures per mode: cycles, preemptions, evictions, rounds, cycles/s, bytes
 * verified, verification failures and bytes lost (both must be 0), bans and
 * restore retries (must be 0 without fault injection), median preempt and
 * restore latency. --max-time caps a mode's wall time: the soak then stops
 * early, verifies and says how many cycles it reached.
 *
 * Exit: 0 pass, 1 fail (a wrong byte, a ban, a stream that stopped making
 * progress, an ioctl error), 2 usage, 77 skip (no vlr device).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlr-lib.h"
#include "stress-lib.h"

#define MiB	    (1024ull * 1024)
#define MAX_STREAMS 8

static struct {
	uint64_t cycles;
	int mode; /* -1: both */
	unsigned int streams;
	uint64_t size_mib;
	uint64_t verify_every;
	double max_time;
	const char *json;
} opt = {
    .cycles = 10000,
    .mode = -1,
    .streams = 2,
    .size_mib = 4,
    .verify_every = 0, /* 0: cycles / 10, at least 10 */
    .max_time = 0,
};

struct soak_result {
	uint32_t mode;
	bool ran, passed, capped;
	char why[256];
	uint64_t cycles, preemptions, evictions, rounds, checkpoints;
	uint64_t bytes_verified, verify_failures, bytes_lost, bans, restore_retries;
	uint64_t pressure_errors;
	double seconds, preempt_med_us, restore_med_us;
};

static int fail(struct soak_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct soak_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vlr-soak[%s]: %s\n", vlr_mode_name(r->mode), r->why);
	return 1;
}

/* Restores and preemptions of the soak's queues so far. */
static int queue_counts(struct vlr_stream *s, unsigned int n, uint64_t *restores,
			uint64_t *preempts, uint32_t *banned)
{
	struct drm_vlr_stats qs;
	int ret;

	*restores = *preempts = 0;
	*banned = 0;
	for (unsigned int i = 0; i < n; i++) {
		ret = vlr_get_stats(s[i].fd, s[i].queue, false, &qs);
		if (ret)
			return ret;
		*restores += qs.restores;
		*preempts += qs.preemptions;
		if (qs.queue_state == DRM_VLR_QUEUE_STATE_BANNED)
			*banned |= 1u << i;
	}
	return 0;
}

/* Checkpoint every stream (restart: keep them running afterwards). */
static int checkpoint_all(struct soak_result *r, struct vlr_stream *s, unsigned int n, bool restart)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t bad;

		if (vlr_stream_checkpoint(&s[i], restart, &bad))
			return fail(r, "checkpoint %llu of stream %u failed (see above)",
				    (unsigned long long)r->checkpoints + 1, i);
		r->bytes_verified += s[i].data_size;
		if (bad) {
			r->verify_failures++;
			r->bytes_lost += bad * 4;
			fprintf(
			    stderr,
			    "vlr-soak[%s]: stream %u: %llu of %llu elements wrong at checkpoint "
			    "%llu (%llu passes)\n",
			    vlr_mode_name(r->mode), i, (unsigned long long)bad,
			    (unsigned long long)(s[i].data_size / 4),
			    (unsigned long long)r->checkpoints + 1,
			    (unsigned long long)vlr_stream_passes(&s[i]));
		}
	}
	r->checkpoints++;
	return 0;
}

static int soak_mode(uint32_t mode, struct soak_result *r)
{
	struct drm_vlr_stats before, after;
	struct drm_vlr_get_info info;
	struct vlr_stream s[MAX_STREAMS];
	uint64_t restores0, preempts0, restores, preempts, last_check = 0;
	uint64_t verify_every = opt.verify_every;
	unsigned int started = 0;
	uint32_t banned;
	double t0;
	int fd, ret, rc = 1;

	memset(r, 0, sizeof(*r));
	r->mode = mode;
	if (!verify_every)
		verify_every = opt.cycles / 10 > 10 ? opt.cycles / 10 : 10;
	fd = vlr_open();
	if (fd < 0)
		return VLR_SKIP;
	r->ran = true;
	if ((ret = __vlr_get_info(fd, &info)))
		return fail(r, "GET_INFO: %s", strerror(-ret));
	if ((ret = vlr_set_mode(fd, mode)))
		return fail(r, "SET_MODE %s: %s (a queue of another process alive?)",
			    vlr_mode_name(mode), strerror(-ret));
	if ((ret = vlr_get_stats(fd, 0, false, &before)))
		return fail(r, "GET_STATS: %s", strerror(-ret));

	for (; started < opt.streams; started++)
		if (vlr_stream_start(&s[started], fd, opt.size_mib * MiB, 0x50a0 + started)) {
			fail(r, "starting stream %u (%llu MiB) failed (see above)", started,
			     (unsigned long long)opt.size_mib);
			goto out;
		}
	for (unsigned int i = 0; i < started; i++)
		if (vlr_stream_wait_progress(&s[i], 0, 20)) {
			fail(r, "stream %u never made progress", i);
			goto out;
		}
	if (queue_counts(s, started, &restores0, &preempts0, &banned)) {
		fail(r, "GET_STATS per queue failed");
		goto out;
	}

	t0 = stress_now();
	restores = restores0;
	while (restores - restores0 < opt.cycles) {
		uint64_t p[MAX_STREAMS];

		if (opt.max_time && stress_now() - t0 > opt.max_time) {
			r->capped = true;
			break;
		}
		for (unsigned int i = 0; i < started; i++)
			p[i] = *s[i].progress;
		ret = vlr_pressure(fd, info.vram_size, 8 * MiB);
		r->rounds++;
		if (ret) {
			r->pressure_errors++;
			fail(r, "round %llu: pressure GEM_CREATE: %s",
			     (unsigned long long)r->rounds, strerror(-ret));
			goto out;
		}
		/* Every stream runs again: it was restored (or never evicted). */
		for (unsigned int i = 0; i < started; i++)
			if (vlr_stream_wait_progress(&s[i], p[i], 30)) {
				queue_counts(s, started, &restores, &preempts, &banned);
				fail(r, "round %llu: stream %u stuck at %llu passes for 30 s%s",
				     (unsigned long long)r->rounds, i, (unsigned long long)p[i],
				     banned & (1u << i) ? " (its queue is banned)" : "");
				goto out;
			}
		if (queue_counts(s, started, &restores, &preempts, &banned)) {
			fail(r, "GET_STATS per queue failed");
			goto out;
		}
		if (banned) {
			fail(r, "round %llu: queues banned (mask %#x) without fault injection",
			     (unsigned long long)r->rounds, banned);
			goto out;
		}
		if (restores - last_check >= verify_every) {
			last_check = restores;
			if (checkpoint_all(r, s, started, true))
				goto out;
		}
	}
	if (checkpoint_all(r, s, started, false))
		goto out;
	r->seconds = stress_now() - t0;
	queue_counts(s, started, &restores, &preempts, &banned);
	r->cycles = restores - restores0;
	r->preemptions = preempts - preempts0;
	if ((ret = vlr_get_stats(fd, 0, false, &after))) {
		fail(r, "GET_STATS: %s", strerror(-ret));
		goto out;
	}
	r->evictions = after.evictions - before.evictions;
	r->bans = after.bans - before.bans;
	r->restore_retries = after.restore_retries - before.restore_retries;
	r->preempt_med_us = vlr_median(after.preempt_lat_ns, after.preempt_samples) / 1e3;
	r->restore_med_us = vlr_median(after.restore_lat_ns, after.restore_samples) / 1e3;

	if (r->verify_failures)
		fail(r, "%llu checkpoints found wrong data, %llu bytes lost",
		     (unsigned long long)r->verify_failures, (unsigned long long)r->bytes_lost);
	else if (r->bans)
		fail(r, "%llu VMs banned without fault injection", (unsigned long long)r->bans);
	else if (!r->cycles)
		fail(r, "no evict/restore cycle in %llu pressure rounds: nothing was tested",
		     (unsigned long long)r->rounds);
	else
		rc = 0;
out:
	r->passed = !rc;
	for (unsigned int i = 0; i < started; i++)
		vlr_stream_fini(&s[i]);
	close(fd);
	return rc;
}

static void print_result(const struct soak_result *r)
{
	printf("soak@%s %s cycles=%llu%s/%llu preemptions=%llu evictions=%llu rounds=%llu "
	       "seconds=%.1f cycles_per_s=%.1f checkpoints=%llu bytes_verified=%llu "
	       "verify_failures=%llu bytes_lost=%llu bans=%llu restore_retries=%llu "
	       "preempt_med_us=%.0f restore_med_us=%.0f%s%s\n",
	       vlr_mode_name(r->mode), r->passed ? "pass" : "fail", (unsigned long long)r->cycles,
	       r->capped ? " (time cap)" : "", (unsigned long long)opt.cycles,
	       (unsigned long long)r->preemptions, (unsigned long long)r->evictions,
	       (unsigned long long)r->rounds, r->seconds,
	       r->seconds > 0 ? r->cycles / r->seconds : 0, (unsigned long long)r->checkpoints,
	       (unsigned long long)r->bytes_verified, (unsigned long long)r->verify_failures,
	       (unsigned long long)r->bytes_lost, (unsigned long long)r->bans,
	       (unsigned long long)r->restore_retries, r->preempt_med_us, r->restore_med_us,
	       r->why[0] ? " reason: " : "", r->why);
}

static int write_json(const struct soak_result *res, unsigned int n)
{
	struct jw w;
	FILE *f = json_open(opt.json);

	if (!f)
		return -1;
	jw_begin(&w, f);
	jw_obj(&w, NULL);
	jw_str(&w, "tool", "vlr-soak");
	jw_u64(&w, "cycles_target", opt.cycles);
	jw_int(&w, "streams", opt.streams);
	jw_u64(&w, "stream_bytes", opt.size_mib * MiB);
	jw_arr(&w, "modes");
	for (unsigned int i = 0; i < n; i++) {
		const struct soak_result *r = &res[i];

		jw_obj(&w, NULL);
		jw_str(&w, "mode", vlr_mode_name(r->mode));
		jw_str(&w, "status", !r->ran ? "skip" : r->passed ? "pass" : "fail");
		jw_str(&w, "reason", r->why);
		jw_bool(&w, "time_capped", r->capped);
		jw_u64(&w, "cycles", r->cycles);
		jw_u64(&w, "preemptions", r->preemptions);
		jw_u64(&w, "evictions", r->evictions);
		jw_u64(&w, "rounds", r->rounds);
		jw_num(&w, "seconds", r->seconds);
		jw_num(&w, "cycles_per_s", r->seconds > 0 ? r->cycles / r->seconds : 0);
		jw_u64(&w, "checkpoints", r->checkpoints);
		jw_u64(&w, "bytes_verified", r->bytes_verified);
		jw_u64(&w, "verify_failures", r->verify_failures);
		jw_u64(&w, "bytes_lost", r->bytes_lost);
		jw_u64(&w, "bans", r->bans);
		jw_u64(&w, "restore_retries", r->restore_retries);
		jw_num(&w, "preempt_median_us", r->preempt_med_us);
		jw_num(&w, "restore_median_us", r->restore_med_us);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	return json_commit(f, opt.json);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vlr-soak [--cycles N] [--mode preempt-fence|open-coded|both] "
		   "[--streams K] [--size-mib M]\n"
		   "                [--verify-every N] [--max-time S] [--json FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"cycles", required_argument, NULL, 'c'},
	    {"mode", required_argument, NULL, 'm'},
	    {"streams", required_argument, NULL, 's'},
	    {"size-mib", required_argument, NULL, 'z'},
	    {"verify-every", required_argument, NULL, 'v'},
	    {"max-time", required_argument, NULL, 't'},
	    {"json", required_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct soak_result res[2];
	unsigned int n = 0;
	int c, rc = 0;
	char *end;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 's':
		case 'z':
		case 'v': {
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end || !v) {
				fprintf(stderr,
					"vlr-soak: --%s needs a positive integer, not '%s'\n",
					c == 'c'   ? "cycles"
					: c == 's' ? "streams"
					: c == 'z' ? "size-mib"
						   : "verify-every",
					optarg);
				return 2;
			}
			if (c == 'c')
				opt.cycles = v;
			else if (c == 's')
				opt.streams = v;
			else if (c == 'z')
				opt.size_mib = v;
			else
				opt.verify_every = v;
			break;
		}
		case 'm':
			if (!strcmp(optarg, "preempt-fence"))
				opt.mode = DRM_VLR_MODE_PREEMPT_FENCE;
			else if (!strcmp(optarg, "open-coded"))
				opt.mode = DRM_VLR_MODE_OPEN_CODED;
			else if (!strcmp(optarg, "both"))
				opt.mode = -1;
			else {
				fprintf(stderr, "vlr-soak: unknown mode '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			opt.max_time = strtod(optarg, &end);
			if (*end || opt.max_time <= 0) {
				fprintf(stderr, "vlr-soak: --max-time needs seconds > 0\n");
				return 2;
			}
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || opt.streams > MAX_STREAMS) {
		usage(stderr);
		if (opt.streams > MAX_STREAMS)
			fprintf(stderr, "vlr-soak: at most %d streams\n", MAX_STREAMS);
		return 2;
	}

	for (uint32_t m = DRM_VLR_MODE_PREEMPT_FENCE; m <= DRM_VLR_MODE_OPEN_CODED; m++) {
		if (opt.mode >= 0 && (uint32_t)opt.mode != m)
			continue;
		c = soak_mode(m, &res[n]);
		if (c == VLR_SKIP) {
			printf("soak@%s skip no vlr render node\n", vlr_mode_name(m));
			if (opt.json)
				write_json(res, n);
			return VLR_SKIP;
		}
		print_result(&res[n]);
		n++;
		if (c)
			rc = 1;
		if (opt.json && write_json(res, n))
			rc = 1;
	}
	return rc;
}
