/* SPDX-License-Identifier: MIT */
/*
 * lrbench compare: two results (or two configurations of one result), metric
 * by metric, with a known error rate.
 *
 * The samples of a metric are its per-repetition values (`per_rep`, nulls
 * skipped): repetitions are the unit of independence. Per metric, stats.c
 * gives each side's n, median, mean, sample stddev, min, max, the ratio of
 * medians B/A, an exact Wilcoxon-Mann-Whitney p-value and a Hodges-Lehmann
 * confidence interval of the ratio (of the difference when a value is <= 0).
 * A weighted Holm procedure over every judged metric of the compare keeps
 * the probability of any false "improved"/"regressed" at or below alpha
 * (default 5 %); primary metrics share LR_CMP_PRIMARY_SHARE of alpha,
 * diagnostics the rest. Each row's interval is given at the level its test
 * was run at (1 - the Holm level), so the interval and the verdict agree:
 *
 * - improved / regressed: significant after Holm, in the metric's better /
 *   worse direction;
 * - unchanged: not significant, and the interval lies inside the
 *   equivalence band (ratio within [1/(1+t), 1+t], t = --threshold, 5 %);
 * - inconclusive: neither (too few repetitions or too much noise; the note
 *   says when the sample sizes could never reach significance);
 * - not-judged: direction "none" (a count that describes the load);
 * - only-a / only-b / no-data / mismatch (unit or direction differ).
 *
 * Metrics are matched by key = name + optional `config`. With a side's
 * config selector set, only that side's metrics of that config take part
 * and they are matched by name alone (two configurations of one run).
 */
#ifndef LR_COMPARE_H
#define LR_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backend.h"
#include "metric_table.h"
#include "stats.h"

#define LR_COMPARE_SCHEMA	     "lrbench-compare"
#define LR_COMPARE_FORMAT_VERSION    2
#define LR_COMPARE_DEFAULT_THRESHOLD 5.0
#define LR_COMPARE_DEFAULT_ALPHA     0.05
/* share of alpha spent on the primary metrics when there are diagnostics too */
#define LR_CMP_PRIMARY_SHARE 0.8

enum lr_cmp_verdict {
	LR_CMP_UNCHANGED,    /* not significant, interval inside the equivalence band */
	LR_CMP_IMPROVED,     /* significant, better direction */
	LR_CMP_REGRESSED,    /* significant, worse direction */
	LR_CMP_INCONCLUSIVE, /* not significant, interval not inside the band */
	LR_CMP_NOT_JUDGED,   /* direction none */
	LR_CMP_ONLY_A,	     /* metric missing in B */
	LR_CMP_ONLY_B,	     /* metric missing in A */
	LR_CMP_NO_DATA,	     /* a side has no per-repetition value */
	LR_CMP_MISMATCH,     /* unit or direction differ between the sides */
};

const char *lr_cmp_verdict_name(enum lr_cmp_verdict v);

struct lr_cmp_row {
	const char *name, *config; /* config: NULL when the metric has none */
	const char *unit;
	enum lr_direction direction;
	bool primary;
	bool in_a, in_b;
	double *va, *vb; /* per-repetition values (NaN = null); owned by the row */
	size_t nva, nvb;
	struct lr_desc a, b;
	double ratio;	   /* median B / median A; NaN when median A is 0 */
	double change_pct; /* (ratio - 1) x 100; +-inf when median A is 0 and B's is not */
	struct lr_twosample ts;
	bool judged;	     /* in the Holm family */
	double p_adj;	     /* Holm-adjusted p; NaN when not judged */
	double level;	     /* significance level the test ran at; CI level = 1 - level */
	bool ci_bounded;     /* the sample sizes support an interval at that level */
	double ci_lo, ci_hi; /* ratio B/A (ts.log_scale) or difference B - A */
	bool fixed_bounded;  /* the same at opts.ci_level (when given) */
	double fixed_lo, fixed_hi;
	/* with opts.ci_level, a histogram metric whose per_rep_stat is a
	 * percentile: that percentile of the pooled events of each side and
	 * its cluster-bootstrap interval (stats.h lr_stats_pooled) */
	json_t *ma, *mb; /* the metric objects (in the documents) */
	bool have_pooled;
	double pooled_p; /* the percentile, e.g. 99 */
	struct lr_pooled pooled;
	bool significant;
	enum lr_cmp_verdict verdict;
	char note[160];
};

struct lr_cmp_opts {
	double threshold_pct; /* equivalence band for "unchanged", % */
	double alpha;	      /* family-wise error rate */
	const char *a_config; /* NULL: every metric of A, keyed by name + config */
	const char *b_config; /* same for B */
	bool allow_mismatch;  /* compare different scenario/backend/device */
	double ci_level;      /* > 0: every judged row's interval also at this fixed
			       * level (ci_fixed), and median intervals at it */
};

struct lr_cmp_table {
	struct lr_cmp_row *rows;
	size_t n;
	size_t regressed, improved, unchanged, inconclusive, not_judged, unmatched;
	size_t primary_regressed;
	size_t judged, primaries;
};

/* Fill the judged rows' p-values, Holm levels, intervals and verdicts (the
 * decision; lr_cmp_tables calls it). Rows need name, direction, primary,
 * in_a/in_b and their values. */
void lr_cmp_decide(struct lr_cmp_table *t, const struct lr_cmp_opts *o);

/* Load DIR/result.json or a file, check schema, format_version (1 or 2)
 * and the shape of the metric list. The error names the file and the field. */
int lr_cmp_load(const char *path, json_t **root, struct lr_err *err);

/* Scenario, backend and device of the two results must be the same (unless
 * o->allow_mismatch): LR_ERR naming both values otherwise. */
int lr_cmp_check_same(json_t *a, json_t *b, const struct lr_cmp_opts *o, struct lr_err *err);

/* Inputs that did not pass (status other than pass, or cancelled): one
 * message per side into @msgs (may be NULL); returns how many. */
size_t lr_cmp_failed_inputs(json_t *a, json_t *b, const char *path_a, const char *path_b,
			    char msgs[2][300]);

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
