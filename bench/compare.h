/* SPDX-License-Identifier: MIT */
/*
 * lrbench compare: two results (or two configurations of one result), metric
 * by metric, lkp-tests style.
 *
 * For every metric the per-repetition values (`per_rep`, nulls skipped) of
 * each side give n, median, mean, sample standard deviation (n - 1; 0 for
 * n = 1), min and max. The change is that of the means relative to side A:
 * (mean B - mean A) / |mean A| in percent, printed as %change with each
 * side's stddev as a percentage of its mean. A change is *significant* when
 * the ranges [min, max] of the two sides do not overlap AND |%change| is
 * above the threshold (default 5 %). A significant change in the metric's
 * worse `direction` is a regression; in the better one an improvement.
 * When mean A is 0 and mean B is not, the change is infinite and counts as
 * significant when the ranges separate (e.g. verify_failures going 0 -> 3).
 *
 * Metrics are matched by key = name + optional `config` (a configuration or
 * mode within one run, e.g. "preempt-fence"). With a side's config selector
 * set, only that side's metrics of that config take part and they are
 * matched by name alone, which compares two configurations of one run.
 */
#ifndef LR_COMPARE_H
#define LR_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backend.h"

#define LR_COMPARE_SCHEMA	     "lrbench-compare"
#define LR_COMPARE_FORMAT_VERSION    1
#define LR_COMPARE_DEFAULT_THRESHOLD 5.0

enum lr_cmp_verdict {
	LR_CMP_UNCHANGED,   /* not significant */
	LR_CMP_IMPROVEMENT, /* significant, better direction */
	LR_CMP_REGRESSION,  /* significant, worse direction */
	LR_CMP_ONLY_A,	    /* metric missing in B */
	LR_CMP_ONLY_B,	    /* metric missing in A */
	LR_CMP_NO_DATA,	    /* a side has no per-repetition value */
	LR_CMP_MISMATCH,    /* unit or direction differ between the sides */
};

const char *lr_cmp_verdict_name(enum lr_cmp_verdict v);

/* Statistics of one side's per-repetition values. */
struct lr_cmp_side {
	size_t n;
	double median, mean, stddev, min, max;
	double stddev_pct; /* stddev / |mean| * 100; NaN when mean is 0 */
};

struct lr_cmp_row {
	const char *name, *config; /* config: NULL when the metric has none */
	const char *unit, *direction;
	bool in_a, in_b;
	struct lr_cmp_side a, b;
	double change_pct; /* NaN: undefined (no data, or both means 0 -> 0) */
	double ratio;	   /* median B / median A; NaN when median A is 0 */
	bool separated;	   /* [min, max] ranges do not overlap */
	bool significant;
	enum lr_cmp_verdict verdict;
};

struct lr_cmp_opts {
	double threshold_pct; /* significance threshold on |%change| */
	const char *a_config; /* NULL: every metric of A, keyed by name + config */
	const char *b_config; /* same for B */
};

struct lr_cmp_table {
	struct lr_cmp_row *rows;
	size_t n;
	size_t regressions, improvements, unchanged, unmatched;
};

/* Summary statistics of @n values (NaN skipped). */
void lr_cmp_stats(const double *v, size_t n, struct lr_cmp_side *s);

/* Fill @r's change, ratio, separation, significance and verdict from its
 * sides, its direction and @threshold_pct. */
void lr_cmp_judge(struct lr_cmp_row *r, double threshold_pct);

/* Load DIR/result.json or a file, check schema, format_version and the
 * shape of the metric list. The error names the file and the field. */
int lr_cmp_load(const char *path, json_t **root, struct lr_err *err);

/* Compare two loaded results. The table's strings point into @a and @b. */
int lr_cmp_tables(json_t *a, json_t *b, const struct lr_cmp_opts *o, struct lr_cmp_table *t,
		  struct lr_err *err);
void lr_cmp_free(struct lr_cmp_table *t);

/* Terminal text and the machine-readable document (schema lrbench-compare). */
void lr_cmp_print(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		  const char *path_b, const struct lr_cmp_opts *o, FILE *out);
json_t *lr_cmp_json(const struct lr_cmp_table *t, json_t *a, json_t *b, const char *path_a,
		    const char *path_b, const struct lr_cmp_opts *o);

#endif /* LR_COMPARE_H */
