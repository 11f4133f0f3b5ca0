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

#include "breakdown.h"
#include "metric_table.h"
#include "results.h"
#include "stats.h"

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

/* The non-empty buckets: [[lower, upper (exclusive), count], ...] scaled. */
static json_t *hist_bins(const struct lr_hist *h, double scale)
{
	json_t *bins = json_array();
	uint64_t lo, hi;

	for (unsigned i = 0; i < LR_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		lr_hist_bounds(i, &lo, &hi);
		json_array_append_new(bins,
				      json_pack("[f,f,I]", (double)lo * scale, (double)hi * scale,
						(json_int_t)h->bucket[i]));
	}
	return bins;
}

static json_t *hist_json(const struct lr_hist *h, double scale, const char *unit)
{
	json_t *j = json_object();

	json_object_set_new(j, "type", json_string("log-linear"));
	json_object_set_new(j, "unit", json_string(unit));
	json_object_set_new(j, "sub_buckets", json_integer(LR_HIST_SUB));
	json_object_set_new(j, "max_relative_error", json_real(LR_HIST_REL_ERR));
	json_object_set_new(j, "bins", hist_bins(h, scale));
	return j;
}

/* One metric of one configuration, as written. */
struct metric {
	const struct lr_metric_def *def;
	const char *unit;
	bool primary;
	struct lr_summary summary;
	const struct lr_hist *hist; /* NULL: no histogram */
	double hist_scale;
	const double *per_rep;
	unsigned nrep;
	json_t *per_rep_bins; /* histogram metrics: each repetition's bins (stolen) */
};

static json_t *metric_json(const struct metric *m)
{
	json_t *j = json_object(), *pr = json_array();

	json_object_set_new(j, "name", json_string(m->def->name));
	json_object_set_new(j, "unit", lr_json_string(m->unit));
	json_object_set_new(j, "direction", json_string(lr_direction_name(m->def->direction)));
	json_object_set_new(j, "role", json_string(m->primary ? "primary" : "diagnostic"));
	json_object_set_new(j, "aggregation",
			    json_string(lr_aggregation_name(m->def->aggregation)));
	json_object_set_new(j, "description", json_string(m->def->description));
	json_object_set_new(j, "summary", summary_json(&m->summary));
	for (unsigned i = 0; i < m->nrep; i++)
		json_array_append_new(pr, lr_json_real(m->per_rep[i]));
	json_object_set_new(j, "per_rep", pr);
	json_object_set_new(j, "per_rep_stat", json_string(m->def->per_rep_stat));
	if (m->hist)
		json_object_set_new(j, "histogram", hist_json(m->hist, m->hist_scale, m->unit));
	if (m->per_rep_bins)
		json_object_set_new(j, "per_rep_histograms", m->per_rep_bins);
	return j;
}

#define NS_TO_MS 1e-6
/* restore_bound_ratio is kept in a histogram as ratio x 1e6 */
#define RATIO_SCALE 1e6

/* The kernel's per-event samples behind histogram metric @id, or NULL. */
static const struct lr_samples *kernel_samples(enum lr_metric_id id, const struct lr_kmetrics *k)
{
	switch (id) {
	case LR_M_PREEMPT_LATENCY:
		return &k->preempt_lat_ns;
	case LR_M_RESTORE_LATENCY:
		return &k->restore_lat_ns;
	case LR_M_RESTORE_WORKER_OCCUPANCY:
		return &k->worker_lat_ns;
	case LR_M_NORMAL_JOB_LATENCY:
		return &k->normal_lat_ns;
	case LR_M_NORMAL_JOB_LATENCY_USER:
		return &k->normal_user_lat_ns;
	case LR_M_NORMAL_JOB_LATENESS:
		return &k->normal_late_ns;
	case LR_M_NORMAL_JOB_EXEC_IOCTL:
		return &k->normal_exec_ns;
	default:
		return NULL;
	}
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

/* Histogram values (ns, or ratio x 1e6) to the metric's unit. */
static double hist_scale_of(const struct lr_metric_def *d)
{
	return !strcmp(d->unit, "ratio") ? 1 / RATIO_SCALE : NS_TO_MS;
}

/* Fill @h with one repetition's events of histogram metric @id. */
static void rep_hist(enum lr_metric_id id, const struct lr_rep *rep, struct lr_hist *h)
{
	const struct lr_kmetrics *k = &rep->km;
	bool ks = rep->have_km && k->have_samples;
	const struct lr_samples *s = kernel_samples(id, k);

	lr_hist_init(h);
	if (s) {
		if (ks)
			lr_hist_add_all(h, s->v, s->n);
		return;
	}
	switch (id) {
	case LR_M_STALL_LATENCY:
		for (unsigned p = LR_PHASE_BASELINE; p < LR_PHASES; p++)
			lr_hist_merge(h, &rep->stall[p]);
		break;
	case LR_M_STALL_LATENCY_PRESSURE:
		lr_hist_merge(h, &rep->stall[LR_PHASE_PRESSURE]);
		break;
	case LR_M_STALL_LATENCY_QUEUE:
		lr_hist_merge(h, &rep->queue_stall);
		break;
	case LR_M_PRESSURE_ALLOC_LATENCY:
		lr_hist_merge(h, &rep->alloc);
		break;
	case LR_M_SAMPLER_LATENESS:
		lr_hist_merge(h, &rep->sampler_late);
		break;
	case LR_M_EVICT_LATENCY:
	case LR_M_EVICT_LATENCY_P99:
		lr_hist_merge(h, &rep->evict_write_lat);
		break;
	case LR_M_RESTORE_BOUND_RATIO:
		if (ks)
			hist_bound_ratio(h, k);
		break;
	default:
		lr_breakdown_hist(id, rep->bd, h); /* restore critical path */
		break;
	}
}

/* The per_rep value of a histogram metric: its per_rep_stat of the
 * repetition's events. A stall maximum without stalls is 0 (none happened);
 * any other statistic of no events is NaN (null). */
static double hist_stat(const struct lr_metric_def *d, const struct lr_hist *h)
{
	double scale = hist_scale_of(d);

	if (!strcmp(d->per_rep_stat, "max"))
		return h->count ? (double)h->max * scale : 0;
	if (!h->count)
		return NAN;
	if (!strcmp(d->per_rep_stat, "mean"))
		return lr_hist_mean(h) * scale;
	if (d->per_rep_stat[0] == 'p')
		return lr_hist_percentile(h, atof(d->per_rep_stat + 1)) * scale;
	return NAN;
}

/* Exact nearest-rank median of kernel samples (stats.h), NaN when none. */
static double samples_median(const struct lr_samples *s)
{
	double *v = malloc((s->n ? s->n : 1) * sizeof(double)), m;
	struct lr_desc d;

	if (!v)
		return NAN;
	for (size_t i = 0; i < s->n; i++)
		v[i] = (double)s->v[i];
	lr_stats_desc(v, s->n, &d, NULL);
	m = d.median;
	free(v);
	return m;
}

/* The per_rep value of a metric that is not a histogram. */
static double rep_value(enum lr_metric_id id, const struct lr_rep *rep, double unit_bytes)
{
	const struct lr_kmetrics *k = &rep->km;
	bool km = rep->have_km, ks = km && k->have_samples;

	switch (id) {
	case LR_M_THROUGHPUT:
		return rep->rate[LR_PHASE_BASELINE];
	case LR_M_THROUGHPUT_BYTES:
		return rep->rate[LR_PHASE_BASELINE] * unit_bytes;
	case LR_M_THROUGHPUT_PRESSURE:
		return rep->rate[LR_PHASE_PRESSURE];
	case LR_M_THROUGHPUT_COOLDOWN:
		return rep->rate[LR_PHASE_COOLDOWN];
	case LR_M_THROUGHPUT_RETAINED:
		return rep->retained;
	case LR_M_STALL_COUNT_BASELINE:
		return (double)rep->stall[LR_PHASE_BASELINE].count;
	case LR_M_STALL_COUNT_PRESSURE:
		return (double)rep->stall[LR_PHASE_PRESSURE].count;
	case LR_M_PRESSURE_ALLOCATED_BYTES:
		return (double)rep->bytes_allocated;
	case LR_M_VERIFY_FAILURES:
		return rep->verified ? (double)rep->verify.mismatches : NAN;
	case LR_M_SAMPLER_CPU:
		return rep->sampler_cpu_pct;
	case LR_M_SAMPLER_OVERRUNS:
		return (double)rep->overruns;
	case LR_M_KERNEL_PREEMPTIONS:
		return km ? (double)k->preemptions : NAN;
	case LR_M_KERNEL_EVICTIONS:
		return km ? (double)k->evictions : NAN;
	case LR_M_KERNEL_BYTES_TO_SYSTEM:
		return km ? (double)k->bytes_to_system : NAN;
	case LR_M_KERNEL_BYTES_TO_VRAM:
		return km ? (double)k->bytes_to_vram : NAN;
	case LR_M_KERNEL_PREEMPT_LATENCY:
		if (ks)
			return samples_median(&k->preempt_lat_ns) * NS_TO_MS;
		return km ? k->preempt_lat_p50_ns * NS_TO_MS : NAN;
	case LR_M_KERNEL_RESTORE_LATENCY:
		if (ks)
			return samples_median(&k->restore_lat_ns) * NS_TO_MS;
		return km ? k->restore_lat_p50_ns * NS_TO_MS : NAN;
	case LR_M_KERNEL_RESTORES:
		return km ? (double)k->restores : NAN;
	case LR_M_DEVICE_PREEMPTIONS:
		return km ? (double)(k->job_queues ? k->dev_preemptions : k->preemptions) : NAN;
	case LR_M_DEVICE_RESTORES:
		return km ? (double)(k->job_queues ? k->dev_restores : k->restores) : NAN;
	case LR_M_COPY_BANDWIDTH:
		return ks && k->copy_peak_bps > 0 ? k->copy_peak_bps : NAN;
	case LR_M_KERNEL_SAMPLES_LOST:
		return ks ? (double)k->samples_lost : NAN;
	case LR_M_THROTTLED_LR_JOBS:
		return ks ? (double)k->throttled_jobs : NAN;
	case LR_M_EVICT_DELIVERED:
		return rep->evict_planned ? (double)rep->evict_writes / (double)rep->evict_planned
					  : NAN;
	case LR_M_JOB_TIME_PER_PREEMPTION: {
		double len =
		    rep->phase_start_s[LR_PHASE_COOLDOWN] - rep->phase_start_s[LR_PHASE_PRESSURE];

		if (!km || !k->preemptions || isnan(rep->retained) || !(len > 0))
			return NAN;
		return (1 - rep->retained) * len * 1e3 / (double)k->preemptions;
	}
	default: {
		double v;

		return lr_breakdown_value(id, rep->bd, &v) ? v : NAN;
	}
	}
}

bool lr_metric_is_primary(const struct lr_scenario *sc, const struct lr_metric_def *d)
{
	const char *p = sc ? sc->primary : "";
	size_t n = strlen(d->name);

	if (!*p)
		return d->primary;
	while (*p) {
		p += strspn(p, " \t,");
		if (!strncmp(p, d->name, n) && (!p[n] || strchr(" \t,", p[n])))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* Build the metric list of configuration @cfg (NULL: the run's only one),
 * one entry per row of the metric table that this run measured. */
static void metrics_cfg(const struct lr_run *run, const char *cfg, json_t *list)
{
	unsigned n = 0, *idx = calloc(run->reps_done ? run->reps_done : 1, sizeof(*idx));
	size_t nr = run->reps_done ? run->reps_done : 1;
	double *pr = calloc(nr * LR_METRICS, sizeof(double));
	struct lr_hist *h = malloc(sizeof(*h) * (LR_METRICS + 1)), *tmp = h ? &h[LR_METRICS] : NULL;
	struct lr_dvec win[LR_PHASES] = {0}, bytes = {0};
	char unit_rate[64];
	double ub = run->have_job ? (double)run->job.unit_bytes : NAN;
	bool have[LR_G_TRACE + 1] = {[LR_G_ALWAYS] = true};
	json_t *rep_bins[LR_METRICS] = {0};

	if (!pr || !h || !idx)
		goto out;
	/* the repetitions of configuration @cfg (all of them without configs);
	 * a cancelled (truncated) repetition is left out of every summary */
	for (unsigned r = 0; r < run->reps_done; r++)
		if (!run->reps[r].cancelled &&
		    (!cfg || (run->reps[r].config && !strcmp(run->reps[r].config, cfg)))) {
			const struct lr_rep *rep = &run->reps[r];

			idx[n++] = r;
			have[LR_G_EVICT] |= rep->evict_writes > 0;
			have[LR_G_QUEUES] |= rep->queues > 1;
			have[LR_G_TRACE] |= rep->bd && rep->bd->status == LR_BD_MEASURED;
			if (!rep->have_km)
				continue;
			have[LR_G_KERNEL] = true;
			have[LR_G_SAMPLES] |= rep->km.have_samples;
			have[LR_G_NORMAL] |= rep->km.have_samples &&
					     (rep->km.normal_jobs || rep->km.normal_user_lat_ns.n);
			have[LR_G_LRJOBS] |= rep->km.have_samples && rep->km.throttled_jobs;
		}
	snprintf(unit_rate, sizeof(unit_rate), "%s/s", run->have_job ? run->job_unit : "units");
	for (unsigned i = 0; i < LR_METRICS; i++)
		lr_hist_init(&h[i]);
	for (unsigned r = 0; r < n; r++) {
		const struct lr_rep *rep = &run->reps[idx[r]];

		for (unsigned p = 0; p < LR_PHASES; p++)
			for (size_t i = 0; i < rep->windows[p].n; i++)
				lr_dvec_push(&win[p], rep->windows[p].v[i]);
		for (unsigned i = 0; i < LR_METRICS; i++) {
			const struct lr_metric_def *d = &lr_metric_table[i];

			if (d->aggregation == LR_AGG_HIST) {
				rep_hist(i, rep, tmp);
				pr[(size_t)i * nr + r] = hist_stat(d, tmp);
				lr_hist_merge(&h[i], tmp);
				/* each repetition's events, for statistics of the pooled
				 * events that keep them grouped (compare's cluster
				 * bootstrap) */
				if (!rep_bins[i])
					rep_bins[i] = json_array();
				json_array_append_new(rep_bins[i],
						      hist_bins(tmp, hist_scale_of(d)));
			} else {
				pr[(size_t)i * nr + r] = rep_value(i, rep, ub);
			}
		}
	}
	for (size_t i = 0; i < win[LR_PHASE_BASELINE].n; i++)
		lr_dvec_push(&bytes, win[LR_PHASE_BASELINE].v[i] * ub);
	for (unsigned i = 0; i < LR_METRICS; i++) {
		const struct lr_metric_def *d = &lr_metric_table[i];
		struct metric m = {.def = d,
				   .unit = d->unit ? d->unit : unit_rate,
				   .primary = lr_metric_is_primary(run->sc, d),
				   .per_rep = pr + (size_t)i * nr,
				   .nrep = n};
		json_t *mj;

		if (!have[d->group])
			continue;
		switch (d->aggregation) {
		case LR_AGG_HIST:
			m.hist = &h[i];
			m.hist_scale = hist_scale_of(d);
			m.per_rep_bins = rep_bins[i];
			rep_bins[i] = NULL;
			lr_summary_hist(m.hist, m.hist_scale, &m.summary);
			break;
		case LR_AGG_WINDOWS:
			if (i == LR_M_THROUGHPUT_BYTES)
				lr_summary_values(bytes.v, bytes.n, &m.summary);
			else
				lr_summary_values(win[d->phase].v, win[d->phase].n, &m.summary);
			break;
		case LR_AGG_REPS:
			lr_summary_values(m.per_rep, n, &m.summary);
			break;
		}
		mj = metric_json(&m);
		if (!strcmp(lr_mgroup_source(d->group), "backend"))
			json_object_set_new(mj, "source", json_string(run->backend));
		else if (d->group == LR_G_TRACE)
			json_object_set_new(mj, "source", json_string(lr_mgroup_source(d->group)));
		if (cfg)
			json_object_set_new(mj, "config", json_string(cfg));
		json_array_append_new(list, mj);
	}
out:
	for (unsigned i = 0; i < LR_METRICS; i++)
		json_decref(rep_bins[i]);
	for (unsigned p = 0; p < LR_PHASES; p++)
		lr_dvec_free(&win[p]);
	lr_dvec_free(&bytes);
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
		json_object_set_new(j, "in_summaries", json_boolean(!rep->cancelled));
		{
			json_t *o = json_object();

			for (unsigned p = 0; p < LR_PHASES; p++)
				json_object_set_new(o, lr_phase_name(p),
						    lr_json_real(rep->phase_overrun_s[p]));
			json_object_set_new(j, "phase_overrun_s", o);
		}
		json_object_set_new(j, "overrun", json_boolean(rep->overrun));
		json_object_set_new(j, "progress_granularity_ms",
				    lr_json_real(rep->granularity_s * 1e3));
		json_object_set_new(j, "evict_trigger_writes",
				    json_integer((json_int_t)rep->evict_writes));
		json_object_set_new(j, "evict_trigger_planned",
				    json_integer((json_int_t)rep->evict_planned));
		json_object_set_new(j, "evict_trigger_period_ms",
				    lr_json_real(rep->evict_period_ms));
		json_object_set_new(j, "evict_trigger_missed",
				    json_integer((json_int_t)rep->evict_missed));
		json_object_set_new(j, "evict_trigger_late",
				    json_integer((json_int_t)rep->evict_late));
		json_object_set_new(j, "events",
				    rep->have_km
					? json_pack("{s:I,s:I,s:s}", "preemptions",
						    (json_int_t)rep->km.preemptions, "restores",
						    (json_int_t)rep->km.restores, "counted_on",
						    rep->km.job_queues ? "job queues" : "device")
					: json_null());
		json_object_set_new(j, "restore_breakdown",
				    rep->bd ? lr_breakdown_json(rep->bd) : json_null());
		json_object_set_new(j, "phase_start_s", starts);
		json_object_set_new(j, "rates", rates);
		json_object_set_new(j, "progress_end", json_integer((json_int_t)rep->progress_end));
		json_object_set_new(j, "samples", json_integer((json_int_t)rep->samples));
		json_object_set_new(j, "samples_dropped", json_boolean(rep->samples_dropped));
		json_object_set_new(j, "sampler_realtime", json_boolean(rep->sampler_realtime));
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
	{
		json_t *prim = json_array();

		for (unsigned i = 0; i < LR_METRICS; i++)
			if (lr_metric_is_primary(sc, &lr_metric_table[i]))
				json_array_append_new(prim, json_string(lr_metric_table[i].name));
		json_object_set_new(j, "primary", prim);
	}
	json_object_set_new(
	    j, "resolved",
	    json_pack("{s:I,s:I,s:f,s:s,s:{s:f,s:b,s:o}}", "pressure_chunk_bytes",
		      (json_int_t)run->chunk_bytes, "pressure_total_bytes",
		      (json_int_t)run->total_bytes, "rep_seconds", lr_scenario_rep_seconds(sc),
		      "pressure_pattern", lr_pattern_name(run->pattern), "evict_trigger",
		      "interval_ms", sc->evict_interval_ms, "used", (int)run->evict_trigger,
		      "fallback_reason",
		      *run->evict_fallback ? lr_json_string(run->evict_fallback) : json_null()));
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
