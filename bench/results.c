/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "results.h"

void (*lr_write_atomic_hook)(const char *tmp_path);

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Remove ".NAME.tmp-*" files a crashed writer left behind. */
static void remove_stale_temps(const char *dir, const char *name)
{
	char prefix[300];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), ".%s.tmp-", name);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, strlen(prefix)))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int lr_write_atomic(const char *dir, const char *name, const void *buf, size_t len,
		    struct lr_err *err)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd, dfd, e;

	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-XXXXXX", dir, name) >= sizeof(tmp))
		return lr_fail(err, LR_ERR, "%s/%s: path too long", dir, name);
	fd = mkstemp(tmp);
	if (fd < 0)
		return lr_fail(err, LR_ERR, "%s: creating a temporary file: %s", dst,
			       strerror(errno));
	if (fchmod(fd, 0644) || write_all(fd, buf, len) || fsync(fd)) {
		e = errno;
		goto fail_fd;
	}
	if (close(fd)) {
		e = errno;
		unlink(tmp);
		return lr_fail(err, LR_ERR, "%s: close: %s", tmp, strerror(e));
	}
	if (lr_write_atomic_hook)
		lr_write_atomic_hook(tmp);
	if (rename(tmp, dst)) {
		e = errno;
		unlink(tmp);
		return lr_fail(err, LR_ERR, "%s: rename to %s: %s", tmp, dst, strerror(e));
	}
	/* make the rename itself durable */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	remove_stale_temps(dir, name);
	return LR_OK;

fail_fd:
	close(fd);
	unlink(tmp);
	return lr_fail(err, LR_ERR, "%s: writing %s: %s", dst, tmp, strerror(e));
}

/* Length of a valid UTF-8 sequence at @s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

json_t *lr_json_string(const char *s)
{
	size_t len, o = 0;
	char *buf;
	json_t *j;

	if (!s)
		return json_null();
	len = strlen(s);
	buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len((const unsigned char *)s + i);

		if (n) {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		} else { /* U+FFFD replacement character */
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

json_t *lr_json_real(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *summary_json(const struct lr_summary *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "n", json_integer((json_int_t)s->n));
#define F(f) json_object_set_new(j, #f, s->n ? lr_json_real(s->f) : json_null())
	F(min);
	F(p50);
	F(p90);
	F(p99);
	F(max);
	F(mean);
	F(stddev);
#undef F
	return j;
}

static json_t *hist_json(const struct lr_hist *h, double scale, const char *unit)
{
	json_t *j = json_object(), *bins = json_array();
	uint64_t lo, hi;

	json_object_set_new(j, "type", json_string("log-linear"));
	json_object_set_new(j, "unit", json_string(unit));
	json_object_set_new(j, "sub_buckets", json_integer(LR_HIST_SUB));
	json_object_set_new(j, "max_relative_error", json_real(LR_HIST_REL_ERR));
	for (unsigned i = 0; i < LR_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		lr_hist_bounds(i, &lo, &hi);
		json_array_append_new(bins,
				      json_pack("[f,f,I]", (double)lo * scale, (double)hi * scale,
						(json_int_t)h->bucket[i]));
	}
	json_object_set_new(j, "bins", bins);
	return j;
}

struct metric {
	const char *name, *unit, *direction, *description, *per_rep_stat;
	struct lr_summary summary;
	const struct lr_hist *hist; /* NULL: no histogram */
	double hist_scale;
	double *per_rep;
	unsigned nrep;
	int group; /* enum mgroup: when the metric is in the list */
};

static json_t *metric_json(const struct metric *m)
{
	json_t *j = json_object(), *pr = json_array();

	json_object_set_new(j, "name", json_string(m->name));
	json_object_set_new(j, "unit", lr_json_string(m->unit));
	json_object_set_new(j, "direction", json_string(m->direction));
	json_object_set_new(j, "description", json_string(m->description));
	json_object_set_new(j, "summary", summary_json(&m->summary));
	for (unsigned i = 0; i < m->nrep; i++)
		json_array_append_new(pr, lr_json_real(m->per_rep[i]));
	json_object_set_new(j, "per_rep", pr);
	json_object_set_new(j, "per_rep_stat", json_string(m->per_rep_stat));
	if (m->hist)
		json_object_set_new(j, "histogram", hist_json(m->hist, m->hist_scale, m->unit));
	return j;
}

#define NS_TO_MS 1e-6
/* restore_bound_ratio is kept in a histogram as ratio x 1e6 */
#define RATIO_SCALE 1e6

/* which metrics a configuration's list has */
enum mgroup {
	G_ALWAYS,
	G_KERNEL,  /* the backend reported kernel counters */
	G_SAMPLES, /* ... with every sample (issue 5 metrics) */
	G_NORMAL,  /* normal (dma-fence) jobs ran: mixed load */
	G_LRJOBS,  /* throttled LR jobs ran: mixed load */
};

static void hist_samples(struct lr_hist *h, const struct lr_samples *s)
{
	for (size_t i = 0; i < s->n; i++)
		lr_hist_add(h, s->v[i]);
}

/* Per restore: latency / (bytes / the repetition's raw copy bandwidth), x 1e6.
 * Restores that brought nothing back are left out. */
static void hist_bound_ratio(struct lr_hist *h, const struct lr_kmetrics *k)
{
	if (!(k->copy_peak_bps > 0) || k->restore_bytes.n != k->restore_lat_ns.n)
		return;
	for (size_t i = 0; i < k->restore_lat_ns.n; i++) {
		double bound_ns;

		if (!k->restore_bytes.v[i])
			continue;
		bound_ns = (double)k->restore_bytes.v[i] * 1e9 / k->copy_peak_bps;
		lr_hist_add(
		    h, (uint64_t)llround((double)k->restore_lat_ns.v[i] / bound_ns * RATIO_SCALE));
	}
}

/* p50 of @h x @scale, NaN when empty */
static double hist_p50(const struct lr_hist *h, double scale)
{
	return h->count ? lr_hist_percentile(h, 50) * scale : NAN;
}

/* Build the metric list of the run. */
static void metrics_cfg(const struct lr_run *run, const char *cfg, json_t *list)
{
	enum { NH = 10, NPR = 40 };
	unsigned n = 0, *idx = calloc(run->reps_done ? run->reps_done : 1, sizeof(*idx));
	double *pr = calloc(run->reps_done ? run->reps_done : 1, sizeof(double) * NPR);
	struct lr_hist *h = malloc(sizeof(*h) * (NH + 1)), *tmp = h ? &h[NH] : NULL;
	struct lr_dvec all[LR_PHASES] = {0};
	char unit_rate[64];
	double ub = run->have_job ? (double)run->job.unit_bytes : NAN;
	bool have[G_LRJOBS + 1] = {[G_ALWAYS] = true};

	if (!pr || !h || !idx) {
		free(pr);
		free(h);
		free(idx);
		return;
	}
	/* the repetitions of configuration @cfg (all of them without configs) */
	for (unsigned r = 0; r < run->reps_done; r++)
		if (!cfg || (run->reps[r].config && !strcmp(run->reps[r].config, cfg))) {
			const struct lr_rep *rep = &run->reps[r];

			idx[n++] = r;
			if (!rep->have_km)
				continue;
			have[G_KERNEL] = true;
			have[G_SAMPLES] |= rep->km.have_samples;
			have[G_NORMAL] |= rep->km.have_samples &&
					  (rep->km.normal_jobs || rep->km.normal_user_lat_ns.n);
			have[G_LRJOBS] |= rep->km.have_samples && rep->km.throttled_jobs;
		}
	for (unsigned k = 0; k < NH; k++)
		lr_hist_init(&h[k]);
	/* h[0] stalls (measured phases), h[1] stalls in pressure, h[2] alloc, h[3] sampler
	 * lateness; kernel samples: h[4] preempt, h[5] restore, h[6] restore / copy bound,
	 * h[7] restore worker, h[8] normal jobs (kernel), h[9] normal jobs (submitter) */
	for (unsigned r = 0; r < n; r++) {
		const struct lr_rep *rep = &run->reps[idx[r]];

		for (unsigned p = LR_PHASE_BASELINE; p < LR_PHASES; p++)
			lr_hist_merge(&h[0], &rep->stall[p]);
		lr_hist_merge(&h[1], &rep->stall[LR_PHASE_PRESSURE]);
		lr_hist_merge(&h[2], &rep->alloc);
		lr_hist_merge(&h[3], &rep->sampler_late);
		for (unsigned p = 0; p < LR_PHASES; p++)
			for (size_t i = 0; i < rep->windows[p].n; i++)
				lr_dvec_push(&all[p], rep->windows[p].v[i]);
	}
	snprintf(unit_rate, sizeof(unit_rate), "%s/s", run->have_job ? run->job_unit : "units");

#define PR(k) (pr + (size_t)(k) * (n ? n : 1))
	for (unsigned r = 0; r < n; r++) {
		const struct lr_rep *rep = &run->reps[idx[r]];
		const struct lr_kmetrics *k = &rep->km;
		bool ks = rep->have_km && k->have_samples;

		PR(0)[r] = rep->rate[LR_PHASE_BASELINE];
		PR(1)[r] = rep->rate[LR_PHASE_BASELINE] * ub;
		PR(2)[r] = rep->rate[LR_PHASE_PRESSURE];
		PR(3)[r] = rep->rate[LR_PHASE_COOLDOWN];
		PR(4)[r] = rep->retained;
		lr_hist_init(tmp);
		for (unsigned p = LR_PHASE_BASELINE; p < LR_PHASES; p++)
			lr_hist_merge(tmp, &rep->stall[p]);
		PR(5)[r] = tmp->count ? (double)tmp->max * NS_TO_MS : 0;
		PR(6)[r] = (double)rep->stall[LR_PHASE_BASELINE].count;
		PR(7)[r] = (double)rep->stall[LR_PHASE_PRESSURE].count;
		PR(8)[r] = rep->alloc.count ? lr_hist_percentile(&rep->alloc, 50) * NS_TO_MS : NAN;
		PR(9)[r] = (double)rep->bytes_allocated;
		PR(10)[r] = rep->verified ? (double)rep->verify.mismatches : NAN;
		PR(11)[r] = rep->sampler_cpu_pct;
		PR(12)
		[r] = rep->sampler_late.count
			  ? lr_hist_percentile(&rep->sampler_late, 99) * NS_TO_MS
			  : NAN;
		PR(13)[r] = (double)rep->overruns;
		PR(14)
		[r] = rep->stall[LR_PHASE_PRESSURE].count
			  ? (double)rep->stall[LR_PHASE_PRESSURE].max * NS_TO_MS
			  : 0;
		PR(15)[r] = rep->have_km ? (double)k->preemptions : NAN;
		PR(16)[r] = rep->have_km ? (double)k->evictions : NAN;
		PR(17)[r] = rep->have_km ? (double)k->bytes_to_system : NAN;
		PR(18)[r] = rep->have_km ? (double)k->bytes_to_vram : NAN;
		PR(19)[r] = rep->have_km ? k->preempt_lat_p50_ns * NS_TO_MS : NAN;
		PR(20)[r] = rep->have_km ? k->restore_lat_p50_ns * NS_TO_MS : NAN;
		PR(21)[r] = rep->have_km ? (double)k->restores : NAN;
		/* every kernel sample: one histogram per repetition for per_rep, merged
		 * into the configuration's */
		for (unsigned m = 0; m < 6; m++) {
			const struct lr_samples *src[] = {
			    &k->preempt_lat_ns, &k->restore_lat_ns, NULL,
			    &k->worker_lat_ns,	&k->normal_lat_ns,  &k->normal_user_lat_ns};
			const int col[] = {22, 23, 24, 26, 28, 29};

			lr_hist_init(tmp);
			if (ks && src[m])
				hist_samples(tmp, src[m]);
			else if (ks)
				hist_bound_ratio(tmp, k);
			/* a restore worker's cost is the time it is tied up: the mean
			 * (total / runs); the others are typical latencies: p50 */
			if (m == 3)
				PR(col[m])[r] = tmp->count ? lr_hist_mean(tmp) * NS_TO_MS : NAN;
			else
				PR(col[m])[r] = hist_p50(tmp, m == 2 ? 1 / RATIO_SCALE : NS_TO_MS);
			lr_hist_merge(&h[4 + m], tmp);
		}
		PR(25)
		[r] = ks && k->copy_peak_bps > 0 ? k->copy_peak_bps : NAN;
		PR(27)[r] = ks ? (double)k->samples_lost : NAN;
		PR(30)[r] = ks ? (double)k->throttled_jobs : NAN;
	}
	{
		struct lr_dvec bytes = {0};
		struct metric m[] = {
		    {"throughput", unit_rate, "higher",
		     "job throughput in the baseline phase; summary over timeline windows, "
		     "per_rep = phase mean",
		     "baseline mean", .per_rep = PR(0)},
		    {"throughput_bytes", "bytes/s", "higher",
		     "throughput x bytes per unit (bytes read+written), baseline phase",
		     "baseline mean", .per_rep = PR(1)},
		    {"throughput_pressure", unit_rate, "higher",
		     "job throughput in the pressure phase; summary over timeline windows",
		     "pressure mean", .per_rep = PR(2)},
		    {"throughput_cooldown", unit_rate, "higher",
		     "job throughput after pressure is released; summary over timeline windows",
		     "cooldown mean", .per_rep = PR(3)},
		    {"throughput_retained", "ratio", "higher",
		     "pressure-phase mean throughput / baseline mean throughput, per repetition",
		     "value", .per_rep = PR(4)},
		    {"stall_latency", "ms", "lower",
		     "intervals in which every sample read the same progress, longer than "
		     "the stall threshold, in baseline, pressure and cool-down",
		     "max", .hist = &h[0], .hist_scale = NS_TO_MS, .per_rep = PR(5)},
		    {"stall_latency_pressure", "ms", "lower",
		     "stall intervals that began in the pressure phase", "max", .hist = &h[1],
		     .hist_scale = NS_TO_MS, .per_rep = PR(14)},
		    {"stall_count_baseline", "count", "lower",
		     "stalls that began in the baseline phase", "value", .per_rep = PR(6)},
		    {"stall_count_pressure", "count", "lower",
		     "stalls that began in the pressure phase", "value", .per_rep = PR(7)},
		    {"pressure_alloc_latency", "ms", "lower",
		     "pressure-side allocation + touch of one chunk, until the touch completed",
		     "p50", .hist = &h[2], .hist_scale = NS_TO_MS, .per_rep = PR(8)},
		    {"pressure_allocated_bytes", "bytes", "higher",
		     "bytes allocated and touched by the pressure driver", "value",
		     .per_rep = PR(9)},
		    {"verify_failures", "count", "lower",
		     "mismatching elements found when verifying the job buffer after stop", "value",
		     .per_rep = PR(10)},
		    {"sampler_cpu", "% of one core", "lower",
		     "CPU time of the sampler thread / its wall time", "value", .per_rep = PR(11)},
		    {"sampler_lateness", "ms", "lower",
		     "how late the sampler woke after each absolute deadline", "p99", .hist = &h[3],
		     .hist_scale = NS_TO_MS, .per_rep = PR(12)},
		    {"sampler_overruns", "count", "lower",
		     "sample periods skipped because the sampler woke too late", "value",
		     .per_rep = PR(13)},
		    /* kernel-side counters (backends with kernel_metrics) */
		    {"kernel_preemptions", "count", "lower",
		     "kernel: queues taken off the engine for eviction, per repetition", "value",
		     .per_rep = PR(15), .group = G_KERNEL},
		    {"kernel_evictions", "count", "lower",
		     "kernel: BOs of LR VMs moved out of VRAM, per repetition", "value",
		     .per_rep = PR(16), .group = G_KERNEL},
		    {"kernel_bytes_to_system", "bytes", "lower",
		     "kernel: bytes copied out of VRAM (evictions), per repetition", "value",
		     .per_rep = PR(17), .group = G_KERNEL},
		    {"kernel_bytes_to_vram", "bytes", "lower",
		     "kernel: bytes copied into VRAM (restores, moves), per repetition", "value",
		     .per_rep = PR(18), .group = G_KERNEL},
		    {"kernel_preempt_latency", "ms", "lower",
		     "kernel: preemption requested -> queue off the engine, median per repetition "
		     "(of every sample when the backend drains them, else of the kernel's last 64)",
		     "p50", .per_rep = PR(19), .group = G_KERNEL},
		    {"kernel_restore_latency", "ms", "lower",
		     "kernel: restore start -> queue running again, median per repetition (of "
		     "every sample when the backend drains them, else of the kernel's last 64)",
		     "p50", .per_rep = PR(20), .group = G_KERNEL},
		    {"kernel_restores", "count", "higher",
		     "kernel: completed restores (queue resumed), per repetition", "value",
		     .per_rep = PR(21), .group = G_KERNEL},
		    /* every kernel sample, drained during the repetition */
		    {"preempt_latency", "ms", "lower",
		     "kernel: preemption requested -> queue off the engine (preempt fence "
		     "signalled), every sample of the repetition",
		     "p50", .hist = &h[4], .hist_scale = NS_TO_MS, .per_rep = PR(22),
		     .group = G_SAMPLES},
		    {"restore_latency", "ms", "lower",
		     "kernel: restore start -> queue running again, every sample of the repetition",
		     "p50", .hist = &h[5], .hist_scale = NS_TO_MS, .per_rep = PR(23),
		     .group = G_SAMPLES},
		    {"restore_bound_ratio", "ratio", "lower",
		     "per restore: restore latency / (bytes it brought back / raw copy bandwidth "
		     "of the repetition); 1 = as fast as the copies alone; restores of 0 bytes "
		     "left out",
		     "p50", .hist = &h[6], .hist_scale = 1 / RATIO_SCALE, .per_rep = PR(24),
		     .group = G_SAMPLES},
		    {"copy_bandwidth", "bytes/s", "higher",
		     "kernel: raw copy-engine bandwidth: bytes copied / time the engine spent "
		     "copying (clears excluded) in the fastest 20 ms counter window that copied "
		     ">= 1 MiB, per repetition (wall time in slower windows includes the host "
		     "descheduling UML)",
		     "value", .per_rep = PR(25), .group = G_SAMPLES},
		    {"restore_worker_occupancy", "ms", "lower",
		     "kernel: wall time of each restore-worker run, computing or blocked; "
		     "per_rep = mean (time tied up / runs)",
		     "mean", .hist = &h[7], .hist_scale = NS_TO_MS, .per_rep = PR(26),
		     .group = G_SAMPLES},
		    {"kernel_samples_lost", "count", "lower",
		     "kernel events whose latency samples the kernel's 64-entry rings overwrote "
		     "before lrbench read them, per repetition",
		     "value", .per_rep = PR(27), .group = G_SAMPLES},
		    {"normal_job_latency", "ms", "lower",
		     "kernel: normal (dma-fence) job on the shared scheduler, exec ioctl -> "
		     "completion fence signalled",
		     "p50", .hist = &h[8], .hist_scale = NS_TO_MS, .per_rep = PR(28),
		     .group = G_NORMAL},
		    {"normal_job_latency_user", "ms", "lower",
		     "normal job as its submitter sees it: before the exec ioctl -> the wait for "
		     "its out-syncobj returned",
		     "p50", .hist = &h[9], .hist_scale = NS_TO_MS, .per_rep = PR(29),
		     .group = G_NORMAL},
		    {"throttled_lr_jobs", "count", "higher",
		     "bounded LR jobs the throttled queues of the mixed load completed, per "
		     "repetition",
		     "value", .per_rep = PR(30), .group = G_LRJOBS},
		};

		for (size_t i = 0; i < all[LR_PHASE_BASELINE].n; i++)
			lr_dvec_push(&bytes, all[LR_PHASE_BASELINE].v[i] * ub);
		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			json_t *mj;

			if (!have[m[i].group])
				continue;
			m[i].nrep = n;
			if (m[i].hist)
				lr_summary_hist(m[i].hist, m[i].hist_scale, &m[i].summary);
			else if (i == 0)
				lr_summary_values(all[LR_PHASE_BASELINE].v,
						  all[LR_PHASE_BASELINE].n, &m[i].summary);
			else if (i == 1)
				lr_summary_values(bytes.v, bytes.n, &m[i].summary);
			else if (i == 2)
				lr_summary_values(all[LR_PHASE_PRESSURE].v,
						  all[LR_PHASE_PRESSURE].n, &m[i].summary);
			else if (i == 3)
				lr_summary_values(all[LR_PHASE_COOLDOWN].v,
						  all[LR_PHASE_COOLDOWN].n, &m[i].summary);
			else
				lr_summary_values(m[i].per_rep, n, &m[i].summary);
			mj = metric_json(&m[i]);
			if (m[i].group != G_ALWAYS)
				json_object_set_new(mj, "source", json_string(run->backend));
			if (cfg)
				json_object_set_new(mj, "config", json_string(cfg));
			json_array_append_new(list, mj);
		}
		lr_dvec_free(&bytes);
	}
#undef PR
	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_dvec_free(&all[p]);
	free(pr);
	free(h);
	free(idx);
}

/* Metrics of the run: one set, or one set per configuration (tagged). */
static json_t *metrics_json(const struct lr_run *run)
{
	json_t *list = json_array();

	if (!run->nconfigs)
		metrics_cfg(run, NULL, list);
	for (unsigned c = 0; c < run->nconfigs; c++)
		metrics_cfg(run, run->configs[c], list);
	return list;
}

static void read_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || (strncmp(line, "model name", 10) && strncmp(line, "Hardware", 8)))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

json_t *lr_host_json(void)
{
	struct utsname u;
	char cpu[256];
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	json_t *j = json_object();

	uname(&u);
	read_cpu_model(cpu, sizeof(cpu));
	json_object_set_new(j, "sysname", lr_json_string(u.sysname));
	json_object_set_new(j, "machine", lr_json_string(u.machine));
	json_object_set_new(j, "cpu_model", lr_json_string(cpu));
	json_object_set_new(j, "ncpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(j, "memory_bytes",
			    json_integer(pages > 0 && psz > 0 ? (json_int_t)pages * psz : 0));
	return j;
}

json_t *lr_kernel_json(void)
{
	struct utsname u;
	json_t *j = json_object();

	uname(&u);
	json_object_set_new(j, "release", lr_json_string(u.release));
	json_object_set_new(j, "version", lr_json_string(u.version));
	return j;
}

const char *lr_status_name(enum lr_status s)
{
	switch (s) {
	case LR_STATUS_PASS:
		return "pass";
	case LR_STATUS_FAIL:
		return "fail";
	case LR_STATUS_SKIP:
		return "skip";
	default:
		return "incomplete";
	}
}

static json_t *device_json(const struct lr_run *run)
{
	const struct lr_device_info *d = &run->dev;

	if (!run->have_device)
		return json_null();
	return json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:i}", "name", lr_json_string(d->name), "vendor",
			 lr_json_string(d->vendor), "version", lr_json_string(d->version), "detail",
			 lr_json_string(d->backend_detail), "global_mem_bytes",
			 (json_int_t)d->global_mem_bytes, "max_alloc_bytes",
			 (json_int_t)d->max_alloc_bytes, "compute_units", (int)d->compute_units);
}

static json_t *reps_json(const struct lr_run *run)
{
	json_t *a = json_array();

	for (unsigned r = 0; r < run->reps_done; r++) {
		const struct lr_rep *rep = &run->reps[r];
		json_t *j = json_object(), *rates = json_object(), *starts = json_object(),
		       *v = json_null();

		for (unsigned p = 0; p < LR_PHASES; p++) {
			json_object_set_new(rates, lr_phase_name(p), lr_json_real(rep->rate[p]));
			json_object_set_new(starts, lr_phase_name(p),
					    lr_json_real(rep->phase_start_s[p]));
		}
		if (rep->verified)
			v = json_pack(
			    "{s:I,s:I,s:I,s:o,s:o,s:o}", "passes", (json_int_t)rep->verify.passes,
			    "elements_checked", (json_int_t)rep->verify.elements_checked,
			    "mismatches", (json_int_t)rep->verify.mismatches, "first_bad_offset",
			    rep->verify.mismatches
				? json_integer((json_int_t)rep->verify.first_bad_offset)
				: json_null(),
			    "expected",
			    rep->verify.mismatches ? json_integer((json_int_t)rep->verify.expected)
						   : json_null(),
			    "got",
			    rep->verify.mismatches ? json_integer((json_int_t)rep->verify.got)
						   : json_null());
		json_object_set_new(j, "rep", json_integer(r + 1));
		if (rep->config)
			json_object_set_new(j, "config", json_string(rep->config));
		json_object_set_new(j, "start_s", lr_json_real(rep->start_s));
		json_object_set_new(j, "duration_s", lr_json_real(rep->duration_s));
		json_object_set_new(j, "cancelled", json_boolean(rep->cancelled));
		json_object_set_new(j, "phase_start_s", starts);
		json_object_set_new(j, "rates", rates);
		json_object_set_new(j, "progress_end", json_integer((json_int_t)rep->progress_end));
		json_object_set_new(j, "samples", json_integer((json_int_t)rep->samples));
		json_object_set_new(j, "samples_dropped", json_boolean(rep->samples_dropped));
		json_object_set_new(j, "pressure_allocs", json_integer((json_int_t)rep->allocs));
		json_object_set_new(j, "pressure_peak_live_bytes",
				    json_integer((json_int_t)rep->peak_live_bytes));
		json_object_set_new(j, "verify", v);
		json_array_append_new(a, j);
	}
	return a;
}

json_t *lr_result_json(const struct lr_run *run)
{
	const struct lr_scenario *sc = run->sc;
	json_t *root = json_object(), *j;

	json_object_set_new(root, "schema", json_string(LR_RESULT_SCHEMA));
	json_object_set_new(root, "format_version", json_integer(LR_RESULT_FORMAT_VERSION));
	json_object_set_new(root, "suite_version", lr_json_string(LR_VERSION));
	json_object_set_new(root, "status", json_string(lr_status_name(run->status)));
	json_object_set_new(root, "reason", lr_json_string(run->reason));
	json_object_set_new(root, "cancelled", json_boolean(run->cancelled));
	json_object_set_new(root, "start_time", json_string(run->start_time));
	json_object_set_new(root, "duration_s", lr_json_real(run->duration_s));
	json_object_set_new(root, "host", lr_host_json());
	json_object_set_new(root, "kernel", lr_kernel_json());

	j = json_object();
	json_object_set_new(j, "name", lr_json_string(run->backend));
	json_object_set_new(j, "device_selector",
			    *run->device_sel ? lr_json_string(run->device_sel) : json_null());
	json_object_set_new(root, "backend", j);
	json_object_set_new(root, "device", device_json(run));
	if (run->have_job)
		j = json_pack("{s:o,s:I,s:i,s:i}", "unit", lr_json_string(run->job_unit),
			      "unit_bytes", (json_int_t)run->job.unit_bytes, "work_groups",
			      (int)run->job.work_groups, "work_group_size",
			      (int)run->job.work_group_size);
	else
		j = json_null();
	json_object_set_new(root, "job", j);

	j = json_object();
	json_object_set_new(j, "name", lr_json_string(sc->name));
	json_object_set_new(j, "file", lr_json_string(sc->path));
	json_object_set_new(j, "description", lr_json_string(sc->description));
	json_object_set_new(j, "parameters", lr_scenario_to_json(sc));
	json_object_set_new(j, "resolved",
			    json_pack("{s:I,s:I,s:f}", "pressure_chunk_bytes",
				      (json_int_t)run->chunk_bytes, "pressure_total_bytes",
				      (json_int_t)run->total_bytes, "rep_seconds",
				      lr_scenario_rep_seconds(sc)));
	json_object_set_new(root, "scenario", j);

	json_object_set_new(root, "repetitions",
			    json_pack("{s:i,s:i,s:o}", "planned", (int)run->reps_planned, "done",
				      (int)run->reps_done, "runs", reps_json(run)));
	json_object_set_new(
	    root, "files",
	    json_pack("{s:s,s:s}", "timeline", LR_TIMELINE_FILE, "pressure", LR_PRESSURE_FILE));
	json_object_set_new(root, "metrics", metrics_json(run));
	return root;
}

int lr_result_write(struct lr_run *run, struct lr_err *err)
{
	json_t *root = lr_result_json(run);
	char *text;
	int rc;

	if (!root)
		return lr_fail(err, LR_ERR, "result: out of memory building JSON");
	text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (!text)
		return lr_fail(err, LR_ERR, "result: json_dumps failed");
	rc = lr_write_atomic(run->opts.outdir, LR_RESULT_FILE, text, strlen(text), err);
	free(text);
	if (rc)
		return rc;
	if (run->timeline) {
		fflush(run->timeline);
		rc = lr_write_atomic(run->opts.outdir, LR_TIMELINE_FILE, run->timeline_csv,
				     run->timeline_len, err);
		if (rc)
			return rc;
	}
	if (run->pressure) {
		fflush(run->pressure);
		rc = lr_write_atomic(run->opts.outdir, LR_PRESSURE_FILE, run->pressure_csv,
				     run->pressure_len, err);
	}
	return rc;
}
