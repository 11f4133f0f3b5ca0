/* SPDX-License-Identifier: MIT */
/*
 * Results: result.json (schema "lrbench-result", results/lrbench-result.schema.json),
 * timeline.csv and pressure.csv, all written atomically.
 */
#ifndef LR_RESULTS_H
#define LR_RESULTS_H

#include <jansson.h>

#include "metric_table.h"
#include "run.h"

#define LR_RESULT_SCHEMA	 "lrbench-result"
#define LR_RESULT_FORMAT_VERSION 2
#define LR_RESULT_FILE		 "result.json"
#define LR_TIMELINE_FILE	 "timeline.csv"
#define LR_PRESSURE_FILE	 "pressure.csv"

/*
 * Write @len bytes to @dir/@name atomically: a temporary file in @dir is
 * written, fsync'ed and renamed over the target, then @dir is fsync'ed.
 * Readers see the old file or the new one, never a mix; a crash before the
 * rename leaves the old file intact. Stale temporary files of @name left by
 * a crashed writer are removed after a successful write.
 */
int lr_write_atomic(const char *dir, const char *name, const void *buf, size_t len,
		    struct lr_err *err);
/* Test hook: called after the temporary file is complete, before rename. */
extern void (*lr_write_atomic_hook)(const char *tmp_path);

/* A JSON string from any C string: invalid UTF-8 bytes become U+FFFD. */
json_t *lr_json_string(const char *s);
/* A JSON number, or null when @x is NaN or infinite. */
json_t *lr_json_real(double x);

/* The whole result document. */
json_t *lr_result_json(const struct lr_run *run);
/* result.json + CSV files into run->opts.outdir. */
int lr_result_write(struct lr_run *run, struct lr_err *err);

/* Is @d a primary metric of scenario @sc: named in its `primary` list, or,
 * when the list is empty (or @sc NULL), primary in the metric table. */
bool lr_metric_is_primary(const struct lr_scenario *sc, const struct lr_metric_def *d);

/* Host facts (no hostname). */
json_t *lr_host_json(void);
json_t *lr_kernel_json(void);

#endif /* LR_RESULTS_H */
