/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakdown.h"
#include "metric_table.h"
#include "metrics.h"
#include "results.h"

const char *const lr_bd_stage_names[LR_BD_STAGES] = {
    [LR_BD_OWN_EVICT] = "own_evict", [LR_BD_TO_WORKER] = "to_worker", [LR_BD_WORKER] = "worker",
    [LR_BD_COPIES] = "copies",	     [LR_BD_RESUME] = "resume",	      [LR_BD_PICKUP] = "pickup",
};

const char *const lr_bd_skip_names[LR_BD_SKIPS] = {
    [LR_BD_SKIP_BEFORE_TRACE] = "requested_before_trace",
    [LR_BD_SKIP_NO_PASS] = "no_resuming_pass",
    [LR_BD_SKIP_NO_RESUMED] = "no_queue_resumed",
    [LR_BD_SKIP_COPY_OPEN] = "chain_copy_not_done",
};

/* the stage metrics of the table follow enum lr_bd_stage, p50 then p90 */
_Static_assert(LR_M_RESTORE_STAGE_LAST - LR_M_RESTORE_STAGE_FIRST + 1 == 2 * LR_BD_STAGES,
	       "one p50 and one p90 metric per stage");

#define RATIO_SCALE 1e6 /* ratios in histograms, as results.c keeps them */

void lr_breakdown_init(struct lr_breakdown *bd)
{
	memset(bd, 0, sizeof(*bd));
	bd->bandwidth_bps = NAN;
}

void lr_breakdown_free(struct lr_breakdown *bd)
{
	free(bd->r);
	lr_samples_free(&bd->preempt_ns);
	lr_samples_free(&bd->copy_wait_ns);
	lr_samples_free(&bd->copy_exec_ns);
	lr_breakdown_init(bd);
}

void lr_breakdown_not_measured(struct lr_breakdown *bd, const char *reason)
{
	lr_breakdown_free(bd);
	bd->status = LR_BD_NOT_MEASURED;
	snprintf(bd->reason, sizeof(bd->reason), "%s", reason);
}

uint64_t lr_bd_latency_ns(const struct lr_bd_restore *r)
{
	uint64_t sum = 0;

	for (unsigned s = 0; s < LR_BD_STAGES; s++)
		sum += r->stage_ns[s];
	return sum;
}

/* ---- the state of one forward pass over the events ---- */

struct copy {
	uint64_t ctx, seq;
	size_t q_idx, d_idx; /* event indices of queued and done */
	uint64_t t_q, t_r, t_d, bytes;
	uint64_t client;
	uint32_t vm, pid;
	uint8_t kind;
	bool have_r, have_d, ok, used;
	long pass; /* the pass that queued it, -1: none */
};

struct pass {
	uint64_t client;
	uint32_t vm, pid;
	size_t b_idx, e_idx;
	uint64_t t_b, t_e;
	bool ended, ok;
	/* the pass itself resumed a queue (open-coded mode, inside the pass):
	 * on SMP the queue can run before the pass's end is traced */
	bool resumed;
	uint64_t t_res;
};

struct state {
	struct copy *c;
	size_t nc, capc;
	size_t *hash; /* open addressing: copy index + 1, 0 = empty */
	size_t hcap;
	struct pass *p;
	size_t np, capp;
	/* per filter queue: last preempt request (0: none pending), last resumed */
	uint64_t preq[LR_MAX_QUEUES], resumed[LR_MAX_QUEUES];
	bool have_preq[LR_MAX_QUEUES], have_resumed[LR_MAX_QUEUES];
};

static size_t hash_key(uint64_t ctx, uint64_t seq, size_t cap)
{
	uint64_t h =
	    ctx * 0x9e3779b97f4a7c15ull ^ (seq + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;

	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

static long copy_find(const struct state *st, uint64_t ctx, uint64_t seq)
{
	if (!st->hcap)
		return -1;
	for (size_t i = hash_key(ctx, seq, st->hcap);; i = (i + 1) & (st->hcap - 1)) {
		size_t v = st->hash[i];

		if (!v)
			return -1;
		if (st->c[v - 1].ctx == ctx && st->c[v - 1].seq == seq)
			return (long)(v - 1);
	}
}

static int hash_insert(struct state *st, size_t idx)
{
	const struct copy *c = &st->c[idx];

	if ((st->nc + 1) * 2 > st->hcap) {
		size_t cap = st->hcap ? st->hcap * 2 : 1024, *h = calloc(cap, sizeof(*h));

		if (!h)
			return -1;
		for (size_t i = 0; i < st->hcap; i++)
			if (st->hash[i]) {
				const struct copy *o = &st->c[st->hash[i] - 1];
				size_t j = hash_key(o->ctx, o->seq, cap);

				while (h[j])
					j = (j + 1) & (cap - 1);
				h[j] = st->hash[i];
			}
		free(st->hash);
		st->hash = h;
		st->hcap = cap;
	}
	for (size_t i = hash_key(c->ctx, c->seq, st->hcap);; i = (i + 1) & (st->hcap - 1)) {
		size_t v = st->hash[i];

		/* a reused CTX:SEQ: the newest copy wins */
		if (!v || (st->c[v - 1].ctx == c->ctx && st->c[v - 1].seq == c->seq)) {
			st->hash[i] = idx + 1;
			return 0;
		}
	}
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return v;
	nv = realloc(v, (*cap ? *cap * 2 : 256) * size);
	if (nv)
		*cap = *cap ? *cap * 2 : 256;
	return nv;
}

static int filter_index(const struct lr_bd_filter *f, uint64_t client, uint32_t vm, uint32_t q)
{
	for (unsigned i = 0; i < f->n && i < LR_MAX_QUEUES; i++)
		if (f->q[i].client == client && f->q[i].vm == vm && f->q[i].queue == q)
			return (int)i;
	return -1;
}

static uint64_t clamp(uint64_t t, uint64_t lo, uint64_t hi)
{
	return t < lo ? lo : t > hi ? hi : t;
}

/* Break down the restore ending in queue_run event @i (filter queue @fi). */
static int restore_at(struct lr_breakdown *bd, struct state *st, const struct lr_kt_parse *p,
		      size_t i, int fi, uint64_t t_start)
{
	const struct lr_kt_event *e = &p->ev[i];
	struct lr_bd_restore r = {.client = e->client, .vm = e->vm, .queue = e->queue};
	uint64_t b[LR_BD_STAGES + 1], t_req, t_run = e->t_ns;
	const struct pass *ps = NULL;
	long pi = -1;

	bd->runs++;
	if (e->ns > t_run || t_run - e->ns + LR_KT_TS_SLACK_NS < t_start) {
		bd->skipped[LR_BD_SKIP_BEFORE_TRACE]++;
		return 0;
	}
	t_req = t_run - e->ns;
	/* the resuming pass: the VM's last successful pass that began after
	 * the request and ended before the run */
	for (size_t k = st->np; k-- > 0;) {
		const struct pass *q = &st->p[k];

		if (q->t_b + LR_KT_TS_SLACK_NS < t_req)
			break;
		if (q->client == e->client && q->vm == e->vm &&
		    ((q->ended && q->ok) || (!q->ended && q->resumed))) {
			ps = q;
			pi = (long)k;
			break;
		}
	}
	if (!ps) {
		bd->skipped[LR_BD_SKIP_NO_PASS]++;
		return 0;
	}
	for (long k = pi - 1; k >= 0 && st->p[k].t_b + LR_KT_TS_SLACK_NS >= t_req; k--)
		if (st->p[k].client == e->client && st->p[k].vm == e->vm && !st->p[k].ok)
			r.failed_passes++;
	if (!st->have_resumed[fi] || st->resumed[fi] + LR_KT_TS_SLACK_NS < t_req) {
		bd->skipped[LR_BD_SKIP_NO_RESUMED]++;
		return 0;
	}

	b[0] = t_req;
	b[1] = t_req; /* own eviction copies done */
	b[2] = ps->t_b;
	b[3] = ps->ended ? ps->t_e : ps->t_res;
	b[4] = b[3]; /* the pass's copies done */
	b[5] = st->resumed[fi];
	b[6] = t_run;
	for (size_t k = 0; k < st->nc; k++) {
		struct copy *c = &st->c[k];
		bool own_evict = c->kind == LR_KT_EVICT && c->client == e->client &&
				 c->vm == e->vm && c->q_idx < ps->b_idx &&
				 (!c->have_d || c->t_d > t_req);

		if (c->pass != pi && !own_evict)
			continue;
		if (!c->have_d || c->d_idx > i) {
			bd->skipped[LR_BD_SKIP_COPY_OPEN]++;
			return 0;
		}
		if (own_evict) {
			r.evict_copies++;
			r.evict_bytes += c->bytes;
			if (c->t_d > b[1])
				b[1] = c->t_d;
		} else {
			r.pass_copies++;
			if (c->kind != LR_KT_CLEAR)
				r.pass_bytes += c->bytes;
			if (c->t_d > b[4])
				b[4] = c->t_d;
		}
	}
	/* samples of the chain's copies, each copy once */
	for (size_t k = 0; k < st->nc; k++) {
		struct copy *c = &st->c[k];
		bool own_evict = c->kind == LR_KT_EVICT && c->client == e->client &&
				 c->vm == e->vm && c->q_idx < ps->b_idx &&
				 (!c->have_d || c->t_d > t_req);

		if ((c->pass != pi && !own_evict) || c->used || !c->have_r)
			continue;
		c->used = true;
		if (lr_samples_push(&bd->copy_wait_ns, c->t_r > c->t_q ? c->t_r - c->t_q : 0) ||
		    lr_samples_push(&bd->copy_exec_ns, c->t_d > c->t_r ? c->t_d - c->t_r : 0))
			return -1;
	}
	/* monotone: each boundary within [previous, run] */
	for (unsigned s = 1; s <= LR_BD_STAGES; s++) {
		b[s] = clamp(b[s], b[s - 1], t_run);
		r.stage_ns[s - 1] = b[s] - b[s - 1];
	}
	r.t_request = t_req;
	r.t_run = t_run;
	r.bound_ns = NAN;
	bd->r = grow(bd->r, &bd->cap, bd->n, sizeof(*bd->r));
	if (!bd->r)
		return -1;
	bd->r[bd->n++] = r;
	return 0;
}

static int walk(struct lr_breakdown *bd, struct state *st, const struct lr_kt_parse *p,
		const struct lr_bd_filter *f)
{
	uint64_t t_start = f->t_start_ns ? f->t_start_ns : (p->n ? p->ev[0].t_ns : 0);

	for (size_t i = 0; i < p->n; i++) {
		const struct lr_kt_event *e = &p->ev[i];
		int fi = -1;
		long ci;

		switch (e->type) {
		case LR_KT_COPY_QUEUED:
			st->c = grow(st->c, &st->capc, st->nc, sizeof(*st->c));
			if (!st->c)
				return -1;
			st->c[st->nc] = (struct copy){.ctx = e->copy_ctx,
						      .seq = e->copy_seq,
						      .q_idx = i,
						      .t_q = e->t_ns,
						      .bytes = e->bytes,
						      .client = e->client,
						      .vm = e->vm,
						      .pid = e->pid,
						      .kind = e->kind,
						      .pass = -1};
			/* queued by a restore worker between its begin and end */
			for (size_t k = st->np; k-- > 0;)
				if (st->p[k].pid == e->pid && !st->p[k].ended) {
					st->c[st->nc].pass = (long)k;
					break;
				}
			if (hash_insert(st, st->nc))
				return -1;
			st->nc++;
			break;
		case LR_KT_COPY_RUN:
			ci = copy_find(st, e->copy_ctx, e->copy_seq);
			if (ci >= 0 && !st->c[ci].have_r) {
				st->c[ci].have_r = true;
				st->c[ci].t_r = e->t_ns;
			}
			break;
		case LR_KT_COPY_DONE:
			ci = copy_find(st, e->copy_ctx, e->copy_seq);
			if (ci >= 0 && !st->c[ci].have_d) {
				struct copy *c = &st->c[ci];

				c->have_d = true;
				c->t_d = e->t_ns;
				c->d_idx = i;
				c->ok = !e->ret;
				if (c->ok && c->kind != LR_KT_CLEAR) {
					bd->bw_bytes += c->bytes;
					bd->bw_busy_ns += e->ns;
				}
			}
			break;
		case LR_KT_RESTORE_BEGIN:
			/* a begin without an end from the same pid: that pass is over */
			for (size_t k = st->np; k-- > 0;)
				if (st->p[k].pid == e->pid && !st->p[k].ended) {
					st->p[k].ended = true;
					st->p[k].ok = false;
					st->p[k].e_idx = i;
					st->p[k].t_e = e->t_ns;
				}
			st->p = grow(st->p, &st->capp, st->np, sizeof(*st->p));
			if (!st->p)
				return -1;
			st->p[st->np++] = (struct pass){.client = e->client,
							.vm = e->vm,
							.pid = e->pid,
							.b_idx = i,
							.t_b = e->t_ns};
			break;
		case LR_KT_RESTORE_END:
			for (size_t k = st->np; k-- > 0;) {
				struct pass *q = &st->p[k];

				if (q->pid != e->pid || q->ended)
					continue;
				q->ended = true;
				q->e_idx = i;
				q->t_e = e->t_ns;
				q->ok = q->client == e->client && q->vm == e->vm && !e->ret &&
					e->queues > 0;
				break;
			}
			break;
		case LR_KT_PREEMPT_REQUEST:
			fi = filter_index(f, e->client, e->vm, e->queue);
			if (fi >= 0 && !st->have_preq[fi]) {
				st->have_preq[fi] = true;
				st->preq[fi] = e->t_ns;
			}
			break;
		case LR_KT_QUEUE_OFF:
			fi = filter_index(f, e->client, e->vm, e->queue);
			if (fi >= 0 && st->have_preq[fi]) {
				st->have_preq[fi] = false;
				if (lr_samples_push(&bd->preempt_ns, e->t_ns > st->preq[fi]
									 ? e->t_ns - st->preq[fi]
									 : 0))
					return -1;
			}
			break;
		case LR_KT_QUEUE_RESUMED:
			fi = filter_index(f, e->client, e->vm, e->queue);
			if (fi >= 0) {
				st->have_resumed[fi] = true;
				st->resumed[fi] = e->t_ns;
			}
			/* resumed by a pass still open (open-coded mode) */
			for (size_t k = st->np; k-- > 0;) {
				struct pass *q = &st->p[k];

				if (q->pid != e->pid || q->ended)
					continue;
				if (q->client == e->client && q->vm == e->vm && !q->resumed) {
					q->resumed = true;
					q->t_res = e->t_ns;
				}
				break;
			}
			break;
		case LR_KT_QUEUE_RUN:
			fi = filter_index(f, e->client, e->vm, e->queue);
			if (fi >= 0 && restore_at(bd, st, p, i, fi, t_start))
				return -1;
			break;
		default:
			break;
		}
	}
	return 0;
}

int lr_breakdown_compute(struct lr_breakdown *bd, const struct lr_kt_parse *p,
			 const struct lr_bd_filter *f, uint64_t lost_extra)
{
	struct state st = {0};
	int rc = 0;

	lr_breakdown_free(bd);
	for (size_t i = 0; i < p->n; i++)
		bd->events[p->ev[i].type]++;
	bd->unknown = p->unknown_events;
	bd->malformed = p->malformed;
	bd->lost = lr_kt_parse_lost(p) + lost_extra;
	if (p->oom) {
		bd->status = LR_BD_INCOMPLETE;
		snprintf(bd->reason, sizeof(bd->reason), "out of memory reading the trace");
		return 0;
	}
	if (bd->lost || bd->malformed) {
		/* a lost event could be any stage of any restore: report none */
		bd->status = LR_BD_INCOMPLETE;
		if (bd->lost)
			snprintf(bd->reason, sizeof(bd->reason),
				 "%llu trace events lost (ring buffer overrun or dropped): the "
				 "repetition's restores are not broken down",
				 (unsigned long long)bd->lost);
		else
			snprintf(bd->reason, sizeof(bd->reason),
				 "%llu unreadable vlr event lines (first: '%.120s'): the "
				 "repetition's restores are not broken down",
				 (unsigned long long)bd->malformed, p->first_malformed);
		return 0;
	}
	if (!f->n) {
		bd->status = LR_BD_NOT_MEASURED;
		snprintf(bd->reason, sizeof(bd->reason),
			 "the backend did not name the job's queues (no DRM client id)");
		return 0;
	}
	if (walk(bd, &st, p, f)) {
		rc = -1;
		bd->status = LR_BD_INCOMPLETE;
		snprintf(bd->reason, sizeof(bd->reason), "out of memory breaking restores down");
		bd->n = 0;
	} else {
		bd->status = LR_BD_MEASURED;
		bd->bandwidth_bps =
		    bd->bw_busy_ns ? (double)bd->bw_bytes * 1e9 / (double)bd->bw_busy_ns : NAN;
		for (size_t k = 0; k < bd->n; k++) {
			struct lr_bd_restore *r = &bd->r[k];
			uint64_t bytes = r->evict_bytes + r->pass_bytes;

			r->bound_ns = bytes && isfinite(bd->bandwidth_bps)
					  ? (double)bytes * 1e9 / bd->bandwidth_bps
					  : NAN;
		}
	}
	free(st.c);
	free(st.hash);
	free(st.p);
	return rc;
}

/* ---- metrics ---- */

bool lr_breakdown_hist(unsigned metric, const struct lr_breakdown *bd, struct lr_hist *h)
{
	bool ok = bd && bd->status == LR_BD_MEASURED;

	if (metric >= LR_M_RESTORE_STAGE_FIRST && metric <= LR_M_RESTORE_STAGE_LAST) {
		unsigned s = (metric - LR_M_RESTORE_STAGE_FIRST) / 2;

		for (size_t k = 0; ok && k < bd->n; k++)
			lr_hist_add(h, bd->r[k].stage_ns[s]);
		return true;
	}
	switch (metric) {
	case LR_M_RESTORE_CHAIN_BOUND_RATIO:
		for (size_t k = 0; ok && k < bd->n; k++)
			if (isfinite(bd->r[k].bound_ns) && bd->r[k].bound_ns > 0)
				lr_hist_add(h,
					    (uint64_t)llround((double)lr_bd_latency_ns(&bd->r[k]) /
							      bd->r[k].bound_ns * RATIO_SCALE));
		return true;
	case LR_M_RESTORE_COPY_WAIT:
		if (ok)
			lr_hist_add_all(h, bd->copy_wait_ns.v, bd->copy_wait_ns.n);
		return true;
	case LR_M_RESTORE_COPY_EXEC:
		if (ok)
			lr_hist_add_all(h, bd->copy_exec_ns.v, bd->copy_exec_ns.n);
		return true;
	default:
		return false;
	}
}

bool lr_breakdown_value(unsigned metric, const struct lr_breakdown *bd, double *v)
{
	bool ok = bd && bd->status == LR_BD_MEASURED;
	uint64_t sum = 0;

	switch (metric) {
	case LR_M_RESTORES_BROKEN_DOWN:
		*v = ok ? (double)bd->n : NAN;
		return true;
	case LR_M_RESTORES_SKIPPED:
		for (unsigned i = 0; ok && i < LR_BD_SKIPS; i++)
			sum += bd->skipped[i];
		*v = ok ? (double)sum : NAN;
		return true;
	default:
		return false;
	}
}

/* ---- result.json ---- */

static const char *status_name(enum lr_bd_status s)
{
	switch (s) {
	case LR_BD_MEASURED:
		return "measured";
	case LR_BD_INCOMPLETE:
		return "incomplete";
	default:
		return "not measured";
	}
}

/* Nearest-rank percentile (stats.h) of @n values times @scale; null when none. */
static json_t *pct(double *v, size_t n, double p, double scale)
{
	struct lr_summary s;

	if (!n)
		return json_null();
	lr_summary_values(v, n, &s);
	return lr_json_real((p == 50 ? s.p50 : s.p90) * scale);
}

#define NS_MS 1e-6

static json_t *samples_p50_ms(const struct lr_samples *x)
{
	double *v = malloc((x->n ? x->n : 1) * sizeof(double));
	json_t *j;

	if (!v)
		return json_null();
	for (size_t i = 0; i < x->n; i++)
		v[i] = (double)x->v[i];
	j = pct(v, x->n, 50, NS_MS);
	free(v);
	return j;
}

json_t *lr_breakdown_json(const struct lr_breakdown *bd)
{
	json_t *j = json_object(), *ev = json_object(), *sk = json_object();
	double *v = malloc((bd->n ? bd->n : 1) * sizeof(double));
	unsigned failed = 0;

	json_object_set_new(j, "status", json_string(status_name(bd->status)));
	json_object_set_new(j, "reason", bd->reason[0] ? lr_json_string(bd->reason) : json_null());
	if (bd->status == LR_BD_NOT_MEASURED || !v) {
		free(v);
		json_decref(ev);
		json_decref(sk);
		return j;
	}
	for (unsigned t = 0; t < LR_KT_TYPES; t++)
		json_object_set_new(ev, lr_kt_type_names[t],
				    json_integer((json_int_t)bd->events[t]));
	json_object_set_new(j, "events", ev);
	json_object_set_new(j, "other_events", json_integer((json_int_t)bd->unknown));
	json_object_set_new(j, "malformed_lines", json_integer((json_int_t)bd->malformed));
	json_object_set_new(j, "lost_events", json_integer((json_int_t)bd->lost));
	json_object_set_new(j, "job_queue_runs", json_integer((json_int_t)bd->runs));
	json_object_set_new(j, "restores", json_integer((json_int_t)bd->n));
	for (unsigned s = 0; s < LR_BD_SKIPS; s++)
		json_object_set_new(sk, lr_bd_skip_names[s],
				    json_integer((json_int_t)bd->skipped[s]));
	json_object_set_new(j, "skipped", sk);
	json_object_set_new(j, "copy_bandwidth_bps", lr_json_real(bd->bandwidth_bps));
	for (unsigned pi = 0; pi < 2; pi++) {
		json_t *st = json_object();

		for (unsigned s = 0; s < LR_BD_STAGES; s++) {
			for (size_t k = 0; k < bd->n; k++)
				v[k] = (double)bd->r[k].stage_ns[s];
			json_object_set_new(st, lr_bd_stage_names[s],
					    pct(v, bd->n, pi ? 90 : 50, NS_MS));
		}
		json_object_set_new(j, pi ? "stage_p90_ms" : "stage_p50_ms", st);
	}
	/* Means add up: the stage means sum to the mean latency (stacked bars). */
	if (bd->n) {
		json_t *st = json_object();
		double lat = 0;

		for (unsigned s = 0; s < LR_BD_STAGES; s++) {
			double sum = 0;

			for (size_t k = 0; k < bd->n; k++)
				sum += (double)bd->r[k].stage_ns[s];
			json_object_set_new(st, lr_bd_stage_names[s],
					    lr_json_real(sum / (double)bd->n * NS_MS));
		}
		json_object_set_new(j, "stage_mean_ms", st);
		for (size_t k = 0; k < bd->n; k++)
			lat += (double)lr_bd_latency_ns(&bd->r[k]);
		json_object_set_new(j, "latency_mean_ms",
				    lr_json_real(lat / (double)bd->n * NS_MS));
	}
	for (size_t k = 0; k < bd->n; k++) {
		v[k] = (double)lr_bd_latency_ns(&bd->r[k]);
		failed += bd->r[k].failed_passes;
	}
	json_object_set_new(j, "latency_p50_ms", pct(v, bd->n, 50, NS_MS));
	{
		size_t m = 0;

		for (size_t k = 0; k < bd->n; k++)
			if (isfinite(bd->r[k].bound_ns) && bd->r[k].bound_ns > 0)
				v[m++] = (double)lr_bd_latency_ns(&bd->r[k]) / bd->r[k].bound_ns;
		json_object_set_new(j, "chain_bound_ratio_p50", pct(v, m, 50, 1));
		m = 0;
		for (size_t k = 0; k < bd->n; k++)
			if (isfinite(bd->r[k].bound_ns))
				v[m++] = bd->r[k].bound_ns;
		json_object_set_new(j, "chain_bound_p50_ms", pct(v, m, 50, NS_MS));
	}
	json_object_set_new(j, "failed_passes", json_integer(failed));
	json_object_set_new(j, "preempt_p50_ms", samples_p50_ms(&bd->preempt_ns));
	free(v);
	return j;
}
