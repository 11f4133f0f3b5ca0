/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pressure.h"
#include "restore_trace.h"
#include "results.h"
#include "run.h"
#include "sampler.h"

int lr_dvec_push(struct lr_dvec *d, double x)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		double *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -1;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = x;
	return 0;
}

void lr_dvec_free(struct lr_dvec *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* mkdir -p */
static int make_dirs(const char *path, struct lr_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (!len || len >= sizeof(buf))
		return lr_fail(err, LR_ERR, "%s: bad output directory", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return lr_fail(err, LR_ERR, "%s: mkdir: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return lr_fail(err, LR_ERR, "%s: mkdir: %s", buf, strerror(errno));
	return LR_OK;
}

struct rep_ctx {
	struct lr_run *run;
	struct lr_rep *rep;
	unsigned index;
	struct lr_sampler *sampler;
	_Atomic unsigned phase;
	uint64_t t0; /* rep time origin */
	/* progress display: its own thread, so a long pressure allocation
	 * cannot hold the one-line-per-second output back */
	pthread_t display;
	bool display_running;
	atomic_bool display_stop;
	/* display_stop() wakes it at once: the repetition must not wait up to
	 * a status interval for its join (it did: up to 1 s a repetition) */
	pthread_mutex_t display_lock;
	pthread_cond_t display_wake;
	_Atomic uint64_t live_bytes, allocs;
};

static bool should_stop(void *ctx)
{
	struct rep_ctx *c = ctx;

	return c->run->opts.stop && *c->run->opts.stop;
}

static void fmt_bytes(char *buf, size_t len, double b)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned i = 0;

	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, len, "%.4g %s", b, u[i]);
}

/* One progress line every status_interval_s (a terminal: every second). */
static void *display_main(void *arg)
{
	struct rep_ctx *c = arg;
	uint64_t last_t = lr_now_ns(), last_p = atomic_load(&c->sampler->last_progress);
	uint64_t step = (uint64_t)(c->run->opts.status_interval_s * 1e9);
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&c->display_stop)) {
		uint64_t now, p;
		char live[32];

		next.tv_nsec += (long)(step % 1000000000u);
		next.tv_sec += (time_t)(step / 1000000000u) + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		pthread_mutex_lock(&c->display_lock);
		while (!atomic_load(&c->display_stop) &&
		       pthread_cond_timedwait(&c->display_wake, &c->display_lock, &next) !=
			   ETIMEDOUT)
			;
		pthread_mutex_unlock(&c->display_lock);
		if (atomic_load(&c->display_stop))
			break;
		now = lr_now_ns();
		p = atomic_load_explicit(&c->sampler->last_progress, memory_order_relaxed);
		fmt_bytes(live, sizeof(live), (double)atomic_load(&c->live_bytes));
		printf("rep %u/%u %-8s %6.1f s  %10.4g %s/s  pressure live %-10s allocs %llu\n",
		       c->index + 1, c->run->reps_planned, lr_phase_name(atomic_load(&c->phase)),
		       (double)(now - c->t0) / 1e9,
		       (double)(p - last_p) / ((double)(now - last_t) / 1e9), c->run->job_unit,
		       live, (unsigned long long)atomic_load(&c->allocs));
		fflush(stdout);
		last_t = now;
		last_p = p;
	}
	return NULL;
}

static void display_start(struct rep_ctx *c)
{
	sigset_t all, old;
	pthread_condattr_t ca;

	if (!(c->run->opts.status_interval_s > 0))
		return;
	atomic_store(&c->display_stop, false);
	pthread_mutex_init(&c->display_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->display_wake, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	c->display_running = !pthread_create(&c->display, NULL, display_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!c->display_running) {
		pthread_cond_destroy(&c->display_wake);
		pthread_mutex_destroy(&c->display_lock);
	}
}

static void display_stop(struct rep_ctx *c)
{
	if (!c->display_running)
		return;
	pthread_mutex_lock(&c->display_lock);
	atomic_store(&c->display_stop, true);
	pthread_cond_signal(&c->display_wake);
	pthread_mutex_unlock(&c->display_lock);
	pthread_join(c->display, NULL);
	pthread_cond_destroy(&c->display_wake);
	pthread_mutex_destroy(&c->display_lock);
	c->display_running = false;
}

static void pressure_event(void *ctx, uint64_t t_ns, enum lr_pressure_op op, uint64_t bytes,
			   uint64_t live_bytes, uint64_t latency_ns)
{
	struct rep_ctx *c = ctx;

	atomic_store(&c->live_bytes, live_bytes);
	if (op == LR_PRESSURE_ALLOC)
		atomic_fetch_add(&c->allocs, 1);
	/* frees are not timed: their latency field stays empty */
	fprintf(c->run->pressure, "%.6f,%u,%s,%llu,%llu,", (double)(t_ns - c->t0) / 1e9,
		c->index + 1, op == LR_PRESSURE_ALLOC ? "alloc" : "free", (unsigned long long)bytes,
		(unsigned long long)live_bytes);
	if (op == LR_PRESSURE_ALLOC)
		fprintf(c->run->pressure, "%.6f", (double)latency_ns / 1e6);
	fputc('\n', c->run->pressure);
}

struct win_ctx {
	struct rep_ctx *c;
	double offset_s;
};

static void window_row(void *ctx, double t_s, unsigned phase, uint64_t progress, double rate,
		       bool full)
{
	struct win_ctx *w = ctx;
	struct lr_run *run = w->c->run;

	fprintf(run->timeline, "%.6f,%u,%s,%llu,%.6g,%.6g\n", t_s + w->offset_s, w->c->index + 1,
		lr_phase_name(phase), (unsigned long long)progress, rate,
		rate * (double)run->job.unit_bytes);
	if (full && phase < LR_PHASES)
		lr_dvec_push(&w->c->rep->windows[phase], rate);
}

static double ns_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

int lr_run_parse_configs(struct lr_run *run, const char *list, const struct lr_backend_ops *ops,
			 struct lr_err *err)
{
	char *save = NULL, *tok;

	run->nconfigs = 0;
	snprintf(run->config_buf, sizeof(run->config_buf), "%s", list ? list : "");
	for (tok = strtok_r(run->config_buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		bool known = false;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = 0;
		if (!*tok)
			return lr_fail(err, LR_ERR, "configs: empty name in '%s'", list);
		if (!ops->configs || !ops->set_config)
			return lr_fail(err, LR_ERR,
				       "configs: backend %s has no configurations (got '%s')",
				       ops->name, tok);
		for (const char *const *c = ops->configs; *c; c++)
			known |= !strcmp(*c, tok);
		if (!known)
			return lr_fail(err, LR_ERR, "configs: backend %s has no config '%s'",
				       ops->name, tok);
		for (unsigned i = 0; i < run->nconfigs; i++)
			if (!strcmp(run->configs[i], tok))
				return lr_fail(err, LR_ERR, "configs: '%s' given twice", tok);
		if (run->nconfigs == LR_MAX_CONFIGS)
			return lr_fail(err, LR_ERR, "configs: more than %d names", LR_MAX_CONFIGS);
		run->configs[run->nconfigs++] = tok;
	}
	return LR_OK;
}

int lr_run_check(const struct lr_scenario *sc, const struct lr_backend_ops *ops, struct lr_err *err)
{
	static const struct {
		const char *section, *key;
		unsigned cap;
	} need[] = {{"job", "queues", LR_CAP_QUEUES},
		    {"mixed", "lr_queues", LR_CAP_MIXED},
		    {"mixed", "normal_interval_ms", LR_CAP_MIXED}};
	bool used[] = {sc->queues > 1, sc->mixed_lr_queues > 0, sc->mixed_normal_interval_ms > 0};
	struct lr_run *tmp = calloc(1, sizeof(*tmp));
	int rc;

	if (!tmp)
		return lr_fail(err, LR_ERR, "out of memory");
	rc = lr_run_parse_configs(tmp, sc->configs, ops, err);
	free(tmp);
	if (rc) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return lr_fail(err, LR_ERR, "%s: %s", sc->path, msg);
	}
	/* job shapes the backend cannot run: refuse before anything is written */
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (used[i] && !(ops->caps & need[i].cap))
			return lr_fail(err, LR_ERR,
				       "%s:%d: [%s] %s: backend %s cannot run this (only backends "
				       "with %s support do)",
				       sc->path, lr_scenario_line(sc, need[i].section, need[i].key),
				       need[i].section, need[i].key, ops->name,
				       need[i].cap == LR_CAP_QUEUES ? "multi-queue" : "mixed-load");
	return LR_OK;
}

const char *lr_run_rep_config(const struct lr_run *run, unsigned r)
{
	return run->nconfigs ? run->configs[r % run->nconfigs] : NULL;
}

/* The eviction trigger, written on a fixed schedule during the pressure
 * phase on a thread of its own (the pattern runs on the main thread
 * meanwhile). Open loop: write k is due at start + k x period whatever the
 * earlier writes took, so both device modes are asked for the same
 * evictions; a write that comes due while another is in flight starts as
 * soon as that one returns (catch-up), up to LR_EVICT_BACKLOG periods
 * behind. Slots further behind are dropped and counted as missed: a mode
 * whose writes cannot keep up gets fewer, and the result says so instead
 * of the schedule quietly moving on (the old closed loop evicted the mode
 * whose writes returned sooner more often). */
#define LR_EVICT_BACKLOG 4

struct evictor {
	const struct lr_backend_ops *ops;
	struct lr_dev *dev;
	uint64_t period_ns, end_ns;
	atomic_bool stop;
	uint64_t writes;    /* done */
	uint64_t planned;   /* slots due before the end of the phase */
	uint64_t missed;    /* slots dropped: more than LR_EVICT_BACKLOG behind */
	uint64_t late;	    /* writes started more than one period after due */
	struct lr_hist lat; /* ns per write: evictor_finish(), from dur_ns */
	/* each write's start and duration; room for every slot of the phase
	 * (no write without a slot) */
	uint64_t *start_ns, *dur_ns;
	size_t nlog, caplog;
	int rc;
	struct lr_err err;
	pthread_t thread;
	bool running;
};

static void *evictor_main(void *arg)
{
	struct evictor *e = arg;
	uint64_t start = lr_now_ns(), due = start, now;

	e->planned = e->end_ns > start ? (e->end_ns - start + e->period_ns - 1) / e->period_ns : 0;
	while (!atomic_load(&e->stop) && (now = lr_now_ns()) < e->end_ns) {
		if (now >= due) {
			int rc;

			/* drop what is too far behind to catch up */
			while (now - due > LR_EVICT_BACKLOG * e->period_ns) {
				due += e->period_ns;
				e->missed++;
			}
			if (now - due > e->period_ns)
				e->late++;
			rc = e->ops->evict_all(e->dev, 0, &e->err);
			if (rc) {
				e->rc = rc;
				break;
			}
			if (e->nlog < e->caplog) {
				e->start_ns[e->nlog] = now;
				e->dur_ns[e->nlog++] = lr_now_ns() - now;
			}
			e->writes++;
			due += e->period_ns;
			continue;
		}
		{
			uint64_t left = due - now;
			struct timespec ts = {0, (long)(left > 10000000 ? 10000000 : left)};

			nanosleep(&ts, NULL);
		}
	}
	/* slots that came due but were not written before the end */
	now = lr_now_ns();
	if (now > e->end_ns)
		now = e->end_ns;
	while (due < now && e->writes + e->missed < e->planned) {
		due += e->period_ns;
		e->missed++;
	}
	return NULL;
}

static void evictor_release(struct evictor *e)
{
	free(e->start_ns);
	free(e->dur_ns);
	e->start_ns = e->dur_ns = NULL;
	e->nlog = e->caplog = 0;
}

/* After evictor_stop(): the writes' histogram, and one row per write in
 * @csv after the phase's alloc/free rows (start since @t0, duration; bytes
 * and live_bytes empty: a write evicts whatever device memory holds). */
static void evictor_finish(struct evictor *e, FILE *csv, uint64_t t0, unsigned rep_no)
{
	for (size_t k = 0; k < e->nlog; k++) {
		lr_hist_add(&e->lat, e->dur_ns[k]);
		fprintf(csv, "%.6f,%u,evict,,,%.6f\n", (double)(e->start_ns[k] - t0) / 1e9, rep_no,
			(double)e->dur_ns[k] / 1e6);
	}
	evictor_release(e);
}

static int evictor_start(struct evictor *e, struct lr_err *err)
{
	sigset_t all, old;
	int rc;

	atomic_store(&e->stop, false);
	lr_hist_init(&e->lat);
	{
		uint64_t now = lr_now_ns();

		e->nlog = 0;
		e->caplog = (e->end_ns > now ? (e->end_ns - now) / e->period_ns : 0) + 2;
	}
	e->start_ns = calloc(e->caplog, sizeof(*e->start_ns));
	e->dur_ns = calloc(e->caplog, sizeof(*e->dur_ns));
	if (!e->start_ns || !e->dur_ns) {
		evictor_release(e);
		return lr_fail(err, LR_ERR, "eviction trigger: out of memory for %zu writes",
			       e->caplog);
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&e->thread, NULL, evictor_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		evictor_release(e);
		return lr_fail(err, LR_ERR, "eviction trigger: pthread_create: %s", strerror(rc));
	}
	e->running = true;
	return LR_OK;
}

static void evictor_stop(struct evictor *e)
{
	if (!e->running)
		return;
	atomic_store(&e->stop, true);
	pthread_join(e->thread, NULL);
	e->running = false;
}

/* Time per progress step at the mean rate over [@p0, @p1] in @dt_ns; NaN
 * when the backend gives no step or the job made no progress. */
static double granularity_s(uint64_t step, uint64_t p0, uint64_t p1, uint64_t dt_ns)
{
	if (!step || p1 <= p0 || !dt_ns)
		return NAN;
	return (double)step * ((double)dt_ns / 1e9) / (double)(p1 - p0);
}

/* Each queue's own stalls (a job of several queues): the stall rule applied
 * to every queue's progress, baseline to cool-down, into @h. */
static void queue_stalls(const struct lr_sampler *s, uint64_t threshold_ns, struct lr_hist *h)
{
	struct lr_sample *tmp;

	if (s->nq < 2 || !s->n || !s->qprogress)
		return;
	tmp = malloc(s->n * sizeof(*tmp));
	if (!tmp)
		return;
	for (unsigned q = 0; q < s->nq; q++) {
		struct lr_hist per_phase[LR_PHASES];

		for (unsigned p = 0; p < LR_PHASES; p++)
			lr_hist_init(&per_phase[p]);
		for (size_t i = 0; i < s->n; i++)
			tmp[i] = (struct lr_sample){.t_ns = s->samples[i].t_ns,
						    .progress = s->qprogress[i * s->nq + q],
						    .phase = s->samples[i].phase};
		lr_detect_stalls(tmp, s->n, threshold_ns, per_phase);
		for (unsigned p = LR_PHASE_BASELINE; p < LR_PHASES; p++)
			lr_hist_merge(h, &per_phase[p]);
	}
	free(tmp);
}

/* One repetition: start the job, run the phases, stop, verify. */
static int run_rep(struct lr_run *run, struct lr_dev *dev, unsigned index, struct lr_err *err)
{
	const struct lr_scenario *sc = run->sc;
	const struct lr_backend_ops *ops = run->opts.ops;
	struct lr_rep *rep = &run->reps[index];
	struct lr_job_params jp = {
	    .buffer_bytes = sc->buffer_bytes,
	    .work_groups = sc->work_groups,
	    .work_group_size = sc->work_group_size,
	    .seed = sc->seed + index,
	    .queues = sc->queues,
	    .mixed =
		{
		    .lr_queues = sc->mixed_lr_queues,
		    .lr_in_flight = sc->mixed_lr_in_flight,
		    .lr_job_bytes = sc->mixed_lr_job_bytes,
		    .normal_interval_ms = sc->mixed_normal_interval_ms,
		    .normal_job_bytes = sc->mixed_normal_job_bytes,
		},
	};
	struct lr_sampler sampler = {0};
	struct lr_pressure pressure = {0};
	struct rep_ctx c = {.run = run, .rep = rep, .index = index, .sampler = &sampler};
	const double dur[LR_PHASES] = {sc->warmup_s, sc->baseline_s, sc->pressure_s,
				       sc->cooldown_s};
	struct lr_job *job = NULL;
	struct lr_job_info info = {0};
	struct evictor ev = {
	    .ops = ops, .dev = dev, .period_ns = (uint64_t)(sc->evict_interval_ms * 1e6)};
	uint64_t t, end, gp0 = 0, gt0 = 0;
	int rc, stop_rc;

	for (unsigned p = 0; p < LR_PHASES; p++) {
		rep->rate[p] = NAN;
		rep->phase_start_s[p] = NAN;
		lr_hist_init(&rep->stall[p]);
	}
	rep->retained = NAN;
	rep->granularity_s = NAN;
	lr_hist_init(&rep->evict_write_lat);
	lr_hist_init(&rep->alloc);
	lr_hist_init(&rep->sampler_late);
	rep->start_s = ns_s(lr_now_ns() - run->t0_ns);

	rep->config = lr_run_rep_config(run, index);
	if (rep->config) {
		rc = ops->set_config(dev, rep->config, err);
		if (rc)
			return rc;
	}
	if (ops->kernel_metrics) {
		struct lr_kmetrics before = {0};

		rc = ops->kernel_metrics(dev, 1, &before, err); /* zero the counters */
		lr_kmetrics_free(&before);
		if (rc)
			return rc;
	}
	lr_restore_trace_rep_start(run, rep);
	rc = ops->job_start(dev, &jp, &job, &info, err);
	if (rc) {
		lr_restore_trace_rep_end(run, rep);
		return rc;
	}
	lr_restore_trace_rep_job(run, rep, job);
	if (!run->have_job) {
		run->job = info;
		snprintf(run->job_unit, sizeof(run->job_unit), "%s",
			 info.unit ? info.unit : "units");
		run->job.unit = run->job_unit;
		run->have_job = true;
	}

	sampler.progress = ops->job_progress;
	sampler.job = job;
	if (ops->job_queue_progress) {
		uint64_t qp[LR_MAX_QUEUES];
		unsigned nq = ops->job_queue_progress(job, qp, LR_MAX_QUEUES);

		if (nq > 1 && nq <= LR_MAX_QUEUES) {
			sampler.queue_progress = ops->job_queue_progress;
			sampler.nq = nq;
		}
	}
	rep->queues = sampler.nq ? sampler.nq : 1;
	/* evict_per_queue: the same eviction traffic per second for
	 * any queue count (each write moves all of the job's queues) */
	if (sc->evict_per_queue)
		ev.period_ns *= rep->queues;
	rep->evict_period_ms = run->evict_trigger ? ev.period_ns / 1e6 : 0;
	lr_hist_init(&rep->queue_stall);
	sampler.period_ns = (uint64_t)(1e9 / sc->sample_rate_hz);
	sampler.phase = &c.phase;
	sampler.capacity = (size_t)(lr_scenario_rep_seconds(sc) * sc->sample_rate_hz * 1.1) + 1024;
	atomic_store(&c.phase, LR_PHASE_WARMUP);
	c.t0 = lr_now_ns();
	rc = lr_sampler_start(&sampler, err);
	if (rc) {
		ops->job_stop(job, NULL);
		ops->job_destroy(job);
		return rc;
	}

	pressure.ops = ops;
	pressure.dev = dev;
	pressure.pattern = run->pattern;
	pressure.chunk_bytes = run->chunk_bytes;
	pressure.total_bytes = run->total_bytes;
	pressure.interval_ms = sc->interval_ms;
	pressure.hold_ms = sc->hold_ms;
	pressure.gap_ms = sc->gap_ms;
	pressure.should_stop = should_stop;
	pressure.tick = NULL;
	pressure.event = pressure_event;
	pressure.ctx = &c;
	lr_pressure_init(&pressure);
	display_start(&c);

	t = lr_now_ns();
	for (unsigned p = 0; p < LR_PHASES && !rc; p++) {
		uint64_t now = lr_now_ns();

		/* every phase gets its full length: an overrun of the previous
		 * one (recorded below) delays it instead of eating it */
		if (now > t)
			t = now;
		end = t + (uint64_t)(dur[p] * 1e9);
		atomic_store(&c.phase, p);
		rep->phase_start_s[p] = ns_s(lr_now_ns() - c.t0);
		if (p == LR_PHASE_WARMUP || (p == LR_PHASE_BASELINE && !gt0)) {
			gp0 = ops->job_progress(job);
			gt0 = lr_now_ns();
		}
		if (p == LR_PHASE_PRESSURE) {
			ev.end_ns = end;
			if (run->evict_trigger)
				rc = evictor_start(&ev, err);
			if (!rc)
				rc = lr_pressure_run(&pressure, t, end, err);
			evictor_stop(&ev);
			evictor_finish(&ev, run->pressure, c.t0, index + 1);
			if (!rc && ev.rc) {
				rc = ev.rc;
				*err = ev.err;
			}
			lr_pressure_release(&pressure);
		}
		/* work still running past the phase's planned end: recorded */
		now = lr_now_ns();
		rep->phase_overrun_s[p] = now > end ? ns_s(now - end) : 0;
		if (rep->phase_overrun_s[p] > LR_OVERRUN_FLAG_MIN_S &&
		    rep->phase_overrun_s[p] > dur[p] * LR_OVERRUN_FLAG_PCT / 100)
			rep->overrun = true;
		if (!rc && !lr_sleep_until(end, should_stop, NULL, &c))
			break;
		/* progress granularity at the rate of the warm-up (or baseline):
		 * a stall threshold it cannot resolve 10x over is refused */
		if (!rc && (p == LR_PHASE_BASELINE || (p == LR_PHASE_WARMUP && dur[p] >= 0.2)) &&
		    isnan(rep->granularity_s)) {
			rep->granularity_s = granularity_s(
			    info.progress_step, gp0, ops->job_progress(job), lr_now_ns() - gt0);
			/* the first repetition of every configuration (a -qN config
			 * shares the engine between N queues: coarser per queue) */
			if (index < (run->nconfigs ? run->nconfigs : 1) &&
			    rep->granularity_s * LR_GRANULARITY_FACTOR * 1e3 >
				sc->stall_threshold_ms) {
				rc = lr_fail(
				    err, LR_ERR,
				    "%s: stall_threshold_ms = %g ms is not >= %gx the job's "
				    "progress granularity of %.3g ms%s%s (a progress step of %llu "
				    "%s at the %s rate): a stall could not be told from the time "
				    "between two steps; raise stall_threshold_ms to at least %.3g "
				    "or make progress finer (e.g. a smaller [job] buffer_bytes)",
				    sc->path, sc->stall_threshold_ms, LR_GRANULARITY_FACTOR,
				    rep->granularity_s * 1e3, rep->config ? " in config " : "",
				    rep->config ? rep->config : "",
				    (unsigned long long)info.progress_step,
				    run->have_job ? run->job_unit : "units", lr_phase_name(p),
				    rep->granularity_s * LR_GRANULARITY_FACTOR * 1e3);
				run->refused = true;
				break;
			}
		}
		t = end;
	}
	rep->evict_writes = ev.writes;
	rep->evict_planned = ev.planned;
	rep->evict_missed = ev.missed;
	rep->evict_late = ev.late;
	rep->evict_write_lat = ev.lat;
	if (should_stop(&c))
		rep->cancelled = true;
	display_stop(&c);
	lr_sampler_stop(&sampler);
	lr_pressure_fini(&pressure);

	/* stop + verify even after an error or a cancel: data must be intact */
	{
		struct lr_err serr = {{0}};

		stop_rc = ops->job_stop(job, &serr);
		if (!stop_rc && run->opts.inject_corruption && index == 0) {
			stop_rc = ops->job_corrupt(job, run->opts.inject_offset, &serr);
			if (!stop_rc)
				fprintf(stderr,
					"lrbench: test hook: corrupted the job buffer at byte "
					"offset %llu\n",
					(unsigned long long)run->opts.inject_offset);
		}
		if (!stop_rc) {
			memset(&rep->verify, 0, sizeof(rep->verify));
			stop_rc = ops->job_verify(job, &rep->verify, &serr);
			/* a backend may report a mismatch as an error: the counts still hold */
			rep->verified = !stop_rc || rep->verify.mismatches;
		}
		if (stop_rc && !rc) {
			rc = stop_rc;
			*err = serr;
		}
	}
	rep->progress_end = ops->job_progress(job);
	ops->job_destroy(job);
	if (ops->kernel_metrics) {
		struct lr_err kerr = {{0}};
		int krc;

		lr_kmetrics_free(&rep->km);
		krc = ops->kernel_metrics(dev, 0, &rep->km, &kerr);

		rep->have_km = !krc;
		if (krc && !rc) {
			rc = krc;
			*err = kerr;
		}
	}
	lr_restore_trace_rep_end(run, rep);

	/* metrics of this repetition */
	rep->samples = sampler.n;
	rep->samples_dropped = sampler.oom;
	rep->sampler_realtime = sampler.realtime;
	rep->overruns = sampler.overruns;
	rep->sampler_late = sampler.late;
	rep->sampler_cpu_pct =
	    sampler.wall_ns ? 100.0 * (double)sampler.cpu_ns / (double)sampler.wall_ns : NAN;
	for (unsigned p = 0; p < LR_PHASES; p++)
		rep->rate[p] = lr_phase_rate(sampler.samples, sampler.n, p);
	rep->retained = lr_retained(rep->rate[LR_PHASE_BASELINE], rep->rate[LR_PHASE_PRESSURE]);
	lr_detect_stalls(sampler.samples, sampler.n, (uint64_t)(sc->stall_threshold_ms * 1e6),
			 rep->stall);
	queue_stalls(&sampler, (uint64_t)(sc->stall_threshold_ms * 1e6), &rep->queue_stall);
	if (sampler.n) {
		struct win_ctx w = {.c = &c, .offset_s = ns_s(sampler.samples[0].t_ns - c.t0)};

		lr_windows(sampler.samples, sampler.n, (uint64_t)(sc->timeline_ms * 1e6),
			   window_row, &w);
	}
	rep->alloc = pressure.alloc_hist;
	rep->allocs = pressure.allocs;
	rep->bytes_allocated = pressure.bytes_allocated;
	rep->peak_live_bytes = pressure.peak_live_bytes;
	rep->duration_s = ns_s(lr_now_ns() - run->t0_ns) - rep->start_s;
	rep->done = true;
	lr_sampler_fini(&sampler);

	if (rc)
		return rc;
	if (rep->verify.mismatches)
		return lr_fail(err, LR_ERR,
			       "%s: rep %u: verification failed: %llu mismatching elements of "
			       "%llu, first bad byte offset %llu (expected 0x%llx, got 0x%llx)",
			       ops->name, index + 1, (unsigned long long)rep->verify.mismatches,
			       (unsigned long long)rep->verify.elements_checked,
			       (unsigned long long)rep->verify.first_bad_offset,
			       (unsigned long long)rep->verify.expected,
			       (unsigned long long)rep->verify.got);
	if (!rep->cancelled && rep->rate[LR_PHASE_BASELINE] == 0)
		return lr_fail(err, LR_ERR, "%s: rep %u: the job made no progress in the baseline",
			       ops->name, index + 1);
	return LR_OK;
}

static void iso_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_result(struct lr_run *run)
{
	struct lr_err werr;

	run->duration_s = ns_s(lr_now_ns() - run->t0_ns);
	if (lr_result_write(run, &werr)) {
		fprintf(stderr, "lrbench: %s\n", werr.msg);
		return LR_ERR;
	}
	return LR_OK;
}

static int finish(struct lr_run *run, enum lr_status st, const char *reason)
{
	run->status = st;
	if (reason)
		snprintf(run->reason, sizeof(run->reason), "%s", reason);
	if (write_result(run))
		return 1;
	switch (st) {
	case LR_STATUS_SKIP:
		return 77;
	case LR_STATUS_FAIL:
		return 1;
	default:
		return run->cancelled ? 128 + run->signal : 0;
	}
}

int lr_run_scenario(const struct lr_scenario *sc, const struct lr_run_opts *opts,
		    struct lr_run *run)
{
	const struct lr_backend_ops *ops = opts->ops;
	struct lr_err err = {{0}};
	struct lr_dev *dev = NULL;
	char path[PATH_MAX], why[1024];
	const char *sel;
	int rc, code;

	memset(run, 0, sizeof(*run));
	run->sc = sc;
	run->opts = *opts;
	run->pattern = sc->pattern;
	run->t0_ns = lr_now_ns();
	iso_time(run->start_time, sizeof(run->start_time));
	snprintf(run->backend, sizeof(run->backend), "%s", ops->name);
	sel = opts->device ? opts->device : (*sc->device ? sc->device : NULL);
	snprintf(run->device_sel, sizeof(run->device_sel), "%s", sel ? sel : "");
	snprintf(run->job_unit, sizeof(run->job_unit), "units");
	run->reps_planned = sc->repetitions;
	run->reps = calloc(sc->repetitions, sizeof(*run->reps));
	run->timeline = open_memstream(&run->timeline_csv, &run->timeline_len);
	run->pressure = open_memstream(&run->pressure_csv, &run->pressure_len);
	if (!run->reps || !run->timeline || !run->pressure) {
		fprintf(stderr, "lrbench: out of memory\n");
		return 1;
	}
	fprintf(run->timeline, "time_s,rep,phase,progress,rate,bytes_per_s\n");
	fprintf(run->pressure, "time_s,rep,op,bytes,live_bytes,latency_ms\n");

	if (lr_run_check(sc, ops, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		return 1;
	}
	lr_run_parse_configs(run, sc->configs, ops, &err);
	if (make_dirs(opts->outdir, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", opts->outdir, LR_RESULT_FILE);
	if (!access(path, F_OK)) {
		fprintf(stderr, "lrbench: %s already exists; choose another output directory\n",
			path);
		return 1;
	}
	/* a result exists from the first moment on: a kill leaves "incomplete" */
	snprintf(run->reason, sizeof(run->reason), "running (or killed) before repetition 1");
	if (write_result(run))
		return 1;

	rc = ops->open(sel, &dev, &err);
	if (rc == LR_SKIP) {
		fprintf(stderr, "lrbench: skip: %s\n", err.msg);
		return finish(run, LR_STATUS_SKIP, err.msg);
	}
	if (rc) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		return finish(run, LR_STATUS_FAIL, err.msg);
	}
	rc = ops->device_info(dev, &run->dev, &err);
	if (rc) {
		ops->close(dev);
		fprintf(stderr, "lrbench: %s\n", err.msg);
		return finish(run, rc == LR_SKIP ? LR_STATUS_SKIP : LR_STATUS_FAIL, err.msg);
	}
	run->have_device = true;

	run->total_bytes = lr_memsize_bytes(&sc->total, run->dev.global_mem_bytes);
	if (sc->total_max && run->total_bytes > sc->total_max)
		run->total_bytes = sc->total_max;
	run->chunk_bytes = lr_memsize_bytes(&sc->chunk, run->dev.global_mem_bytes);
	if (run->dev.max_alloc_bytes && run->chunk_bytes > run->dev.max_alloc_bytes)
		run->chunk_bytes = run->dev.max_alloc_bytes;
	if (run->chunk_bytes > run->total_bytes)
		run->chunk_bytes = run->total_bytes;
	if (sc->pattern != LR_PATTERN_NONE && !run->chunk_bytes) {
		ops->close(dev);
		snprintf(why, sizeof(why),
			 "%.400s: [pressure] chunk/total resolve to 0 bytes on a device with %llu "
			 "bytes of global memory",
			 sc->path, (unsigned long long)run->dev.global_mem_bytes);
		fprintf(stderr, "lrbench: %s\n", why);
		return finish(run, LR_STATUS_FAIL, why);
	}

	/* the eviction trigger, or the recorded reason why the pattern runs alone */
	if (sc->evict_interval_ms > 0) {
		struct lr_err eerr = {{0}};
		int erc = ops->evict_all ? ops->evict_all(dev, 1, &eerr)
					 : lr_fail(&eerr, LR_SKIP,
						   "%s: the backend has no eviction "
						   "trigger",
						   ops->name);

		if (erc == LR_OK) {
			run->evict_trigger = true;
		} else if (erc == LR_SKIP) {
			if (run->pattern == LR_PATTERN_NONE)
				run->pattern = LR_PATTERN_STEADY;
			snprintf(run->evict_fallback, sizeof(run->evict_fallback),
				 "%.400s; pressure pattern %s alone", eerr.msg,
				 lr_pattern_name(run->pattern));
			fprintf(stderr, "lrbench: evict_interval_ms = %g: %s\n",
				sc->evict_interval_ms, run->evict_fallback);
		} else {
			ops->close(dev);
			fprintf(stderr, "lrbench: %s\n", eerr.msg);
			return finish(run, LR_STATUS_FAIL, eerr.msg);
		}
	}

	lr_restore_trace_open(run);
	for (unsigned r = 0; r < run->reps_planned; r++) {
		rc = run_rep(run, dev, r, &err);
		if (run->reps[r].done)
			run->reps_done = r + 1;
		if (opts->stop && *opts->stop) {
			run->cancelled = true;
			run->signal = (int)*opts->stop;
		}
		if (rc)
			break;
		if (run->cancelled)
			break;
		if (r + 1 < run->reps_planned) {
			/* journal: finished repetitions survive a kill */
			snprintf(run->reason, sizeof(run->reason),
				 "running (or killed) after %u of %u repetitions", r + 1,
				 run->reps_planned);
			write_result(run);
		}
	}
	lr_restore_trace_close(run);
	ops->close(dev);

	if (rc) {
		fprintf(stderr, "lrbench: %s%s\n", rc == LR_SKIP ? "skip: " : "", err.msg);
		code = finish(run, rc == LR_SKIP ? LR_STATUS_SKIP : LR_STATUS_FAIL, err.msg);
		return run->refused && code == 1 ? 2 : code;
	}
	if (run->cancelled) {
		snprintf(why, sizeof(why),
			 "cancelled by signal %d (%s) during repetition %u of %u; data verified "
			 "intact",
			 run->signal, strsignal(run->signal), run->reps_done, run->reps_planned);
		code = finish(run, LR_STATUS_PASS, why);
		return code;
	}
	return finish(run, LR_STATUS_PASS, "");
}

void lr_run_fini(struct lr_run *run)
{
	lr_restore_trace_close(run);
	if (run->reps)
		for (unsigned r = 0; r < run->reps_planned; r++) {
			for (unsigned p = 0; p < LR_PHASES; p++)
				lr_dvec_free(&run->reps[r].windows[p]);
			lr_kmetrics_free(&run->reps[r].km);
			lr_restore_trace_rep_free(&run->reps[r]);
		}
	free(run->reps);
	run->reps = NULL;
	if (run->timeline)
		fclose(run->timeline);
	if (run->pressure)
		fclose(run->pressure);
	free(run->timeline_csv);
	free(run->pressure_csv);
	run->timeline = run->pressure = NULL;
	run->timeline_csv = run->pressure_csv = NULL;
}
