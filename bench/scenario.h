/* SPDX-License-Identifier: MIT */
/*
 * Scenario files: small INI files (parsed with inih) describing one lrbench
 * run. The format, every key, its default and its range are documented in
 * bench/README.md; the single source of truth is the parameter table in
 * scenario.c, which the parser, the defaults, `lrbench list` and the result
 * writer all use.
 */
#ifndef LR_SCENARIO_H
#define LR_SCENARIO_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "backend.h"

enum lr_pattern {
	LR_PATTERN_NONE,
	LR_PATTERN_STEADY,
	LR_PATTERN_BURST,
	LR_PATTERN_RAMP,
};

/* A memory size given either as a share of the device's global memory
 * ("5%") or in bytes ("64M"). */
struct lr_memsize {
	bool relative;
	double fraction; /* relative: 0 < fraction <= 1 (chunk), <= 10 (total) */
	uint64_t bytes;	 /* absolute */
};

struct lr_scenario {
	char path[PATH_MAX];
	char name[64];
	char description[256];
	char backend[32];
	char device[128];  /* "" = backend default */
	char configs[256]; /* "" = none; else comma-separated backend configs */
	char primary[512]; /* "" = the metric table's; else comma-separated metric names */

	uint32_t repetitions;
	double sample_rate_hz;
	double stall_threshold_ms;
	double timeline_ms;

	uint64_t buffer_bytes;
	uint32_t work_groups;
	uint32_t work_group_size;
	uint32_t seed;
	uint32_t queues; /* copies of the job, each on its own queue and VM */

	double warmup_s, baseline_s, pressure_s, cooldown_s;

	enum lr_pattern pattern;
	struct lr_memsize chunk, total;
	uint64_t total_max; /* 0 = no cap */
	double interval_ms, hold_ms, gap_ms;
	double evict_interval_ms; /* eviction trigger period; 0 = none */
	uint32_t evict_per_queue; /* 1: period x the job's queue count */

	/* [mixed]: throttled LR jobs and normal jobs on a shared scheduler */
	uint32_t mixed_lr_queues, mixed_lr_in_flight;
	uint64_t mixed_lr_job_bytes, mixed_normal_job_bytes;
	double mixed_normal_interval_ms;

	int line[48]; /* line of each parameter in the file; 0 = default */
};

/* Parse @path into @sc (defaults first). LR_OK, or LR_ERR with
 * "file:line: [section] key: problem" in @err. */
int lr_scenario_load(const char *path, struct lr_scenario *sc, struct lr_err *err);
/* Same, then the overrides @sets ("section.key=value", NULL-terminated),
 * each checked like a line of the file (unknown section or key, bad value),
 * then the cross-key rules over the result. Errors caused by an override
 * name it ("--set job.queues=0: ..."). */
int lr_scenario_load_sets(const char *path, const char *const *sets, struct lr_scenario *sc,
			  struct lr_err *err);
/* Same, from a string; @fname is used in messages only. */
int lr_scenario_parse_string(const char *text, const char *fname, struct lr_scenario *sc,
			     struct lr_err *err);

/* Line of [@section] @key in the file; 0 when it took its default. */
int lr_scenario_line(const struct lr_scenario *sc, const char *section, const char *key);

/* Sum of the four phases of one repetition, in seconds. */
double lr_scenario_rep_seconds(const struct lr_scenario *sc);
/* --duration: scale every phase by the same factor so that one repetition
 * lasts @total_s seconds. LR_ERR when @total_s is out of range. */
int lr_scenario_scale(struct lr_scenario *sc, double total_s, struct lr_err *err);

/* Resolve a memory size against the device. */
uint64_t lr_memsize_bytes(const struct lr_memsize *m, uint64_t global_mem_bytes);

const char *lr_pattern_name(enum lr_pattern p);

/* Every parameter as a JSON object {section: {key: value}} (full parameters
 * for result.json). */
json_t *lr_scenario_to_json(const struct lr_scenario *sc);

/* Print the parameter table (key, default, range, help) for --help-scenario. */
void lr_scenario_print_keys(FILE *out);

/* Parsers shared with the CLI; return 0 or -1 with a message in @why. */
int lr_parse_u64_size(const char *s, uint64_t *out, const char **why);
int lr_parse_double(const char *s, double *out, const char **why);
int lr_parse_u32(const char *s, uint32_t *out, const char **why);

#endif /* LR_SCENARIO_H */
