/* SPDX-License-Identifier: MIT */
/*
 * The restore breakdown in a run (run.c): the kernel trace recorded around
 * every repetition (ktrace.h) and broken down per restore (breakdown.h).
 */
#ifndef LR_RESTORE_TRACE_H
#define LR_RESTORE_TRACE_H

#include "run.h"

/* Trace buffer per CPU: a 4.6 s repetition of vlr-burst with the eviction
 * trigger writes ~20k events of ~45 bytes; lost events are detected. */
#define LR_KTRACE_BUFFER_KB 16384

/* Before the first repetition: set up tracefs, or record why not. */
void lr_restore_trace_open(struct lr_run *run);
/* Before the job starts: a fresh breakdown for @rep, recording (re)started. */
void lr_restore_trace_rep_start(struct lr_run *run, struct lr_rep *rep);
/* Once the job runs: which queues are the job's. */
void lr_restore_trace_rep_job(struct lr_run *run, struct lr_rep *rep, struct lr_job *job);
/* After the job is gone: stop, read, break the restores down into rep->bd. */
void lr_restore_trace_rep_end(struct lr_run *run, struct lr_rep *rep);
/* After the last repetition: remove the instance, restore tracefs. */
void lr_restore_trace_close(struct lr_run *run);
void lr_restore_trace_rep_free(struct lr_rep *rep);

#endif /* LR_RESTORE_TRACE_H */
