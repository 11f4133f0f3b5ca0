/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakdown.h"
#include "ktrace.h"
#include "restore_trace.h"

struct lr_run_trace {
	struct lr_ktrace kt;
	struct lr_bd_filter filter; /* the current repetition's job queues */
	bool recording;
};

void lr_restore_trace_open(struct lr_run *run)
{
	struct lr_run_trace *t = calloc(1, sizeof(*t));

	run->trace = t;
	if (!t)
		return;
	if (!run->opts.ops->job_trace_ids) {
		snprintf(t->kt.why, sizeof(t->kt.why),
			 "the %s backend has no kernel restore trace events (vlr only)",
			 run->opts.ops->name);
		return;
	}
	lr_ktrace_open(&t->kt, NULL, LR_KTRACE_BUFFER_KB);
}

void lr_restore_trace_rep_start(struct lr_run *run, struct lr_rep *rep)
{
	struct lr_run_trace *t = run->trace;

	lr_restore_trace_rep_free(rep);
	rep->bd = calloc(1, sizeof(*rep->bd));
	if (!rep->bd)
		return;
	lr_breakdown_init(rep->bd);
	if (!t) {
		lr_breakdown_not_measured(rep->bd, "out of memory");
		return;
	}
	memset(&t->filter, 0, sizeof(t->filter));
	t->recording = t->kt.active && !lr_ktrace_start(&t->kt);
	if (!t->recording)
		lr_breakdown_not_measured(rep->bd, t->kt.why);
}

void lr_restore_trace_rep_job(struct lr_run *run, struct lr_rep *rep, struct lr_job *job)
{
	struct lr_run_trace *t = run->trace;

	if (!t || !t->recording || !run->opts.ops->job_trace_ids)
		return;
	t->filter.n = run->opts.ops->job_trace_ids(job, t->filter.q, LR_MAX_QUEUES);
	if (t->filter.n > LR_MAX_QUEUES)
		t->filter.n = LR_MAX_QUEUES;
}

void lr_restore_trace_rep_end(struct lr_run *run, struct lr_rep *rep)
{
	struct lr_run_trace *t = run->trace;
	struct lr_kt_parse p;
	uint64_t lost = 0;

	if (!t || !t->recording || !rep->bd)
		return;
	t->recording = false;
	lr_kt_parse_init(&p);
	if (lr_ktrace_stop(&t->kt, &p, &lost)) {
		lr_breakdown_not_measured(rep->bd, t->kt.why);
	} else {
		t->filter.t_start_ns = t->kt.start_ns;
		if (lr_breakdown_compute(rep->bd, &p, &t->filter, lost))
			fprintf(stderr, "lrbench: restore breakdown: %s\n", rep->bd->reason);
	}
	lr_kt_parse_free(&p);
}

void lr_restore_trace_close(struct lr_run *run)
{
	if (!run->trace)
		return;
	lr_ktrace_close(&run->trace->kt);
	free(run->trace);
	run->trace = NULL;
}

void lr_restore_trace_rep_free(struct lr_rep *rep)
{
	if (rep->bd)
		lr_breakdown_free(rep->bd);
	free(rep->bd);
	rep->bd = NULL;
}
