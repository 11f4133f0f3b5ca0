/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "metric_table.h"
#include "scenario.h"

enum ptype {
	P_STR,	   /* char[] of size .max */
	P_U32,	   /* integer in [min, max] */
	P_BYTES,   /* uint64 bytes, K/M/G/T suffixes, in [min, max] */
	P_DOUBLE,  /* double in [min, max] */
	P_MEMSIZE, /* struct lr_memsize: "N%" of global memory or bytes */
	P_PATTERN, /* enum lr_pattern */
};

struct param {
	const char *section, *key;
	enum ptype type;
	size_t off;
	double min, max; /* P_STR: buffer size in max */
	const char *def;
	const char *help;
};

#define OFF(f) offsetof(struct lr_scenario, f)
#define SZ(f)  sizeof(((struct lr_scenario *)0)->f)

/* The one table: parser, defaults, docs and result.json all come from it. */
static const struct param params[] = {
    {"scenario", "name", P_STR, OFF(name), 0, SZ(name), "",
     "scenario name [A-Za-z0-9_.-]; default: the file name without .ini"},
    {"scenario", "description", P_STR, OFF(description), 0, SZ(description), "",
     "one line shown by `lrbench list`"},
    {"scenario", "backend", P_STR, OFF(backend), 0, SZ(backend), "opencl",
     "workload backend (lrbench list); --backend overrides"},
    {"scenario", "device", P_STR, OFF(device), 0, SZ(device), "",
     "device selector for the backend (\"P:D\" or name substring); --device overrides"},
    {"scenario", "configs", P_STR, OFF(configs), 0, SZ(configs), "",
     "comma-separated backend configurations (e.g. preempt-fence, open-coded) "
     "alternated across repetitions: A B A B ...; empty = the device as it is"},
    {"scenario", "primary", P_STR, OFF(primary), 0, SZ(primary), "",
     "comma-separated primary metrics, the ones whose regression fails a compare (the "
     "others are diagnostics); empty = the metric table's defaults (bench/README.md)"},
    {"scenario", "repetitions", P_U32, OFF(repetitions), 1, 1000, "3",
     "repetitions of warm-up, baseline, pressure, cool-down; --reps overrides"},
    {"scenario", "sample_rate_hz", P_DOUBLE, OFF(sample_rate_hz), 1, 100000, "1000",
     "progress sampling rate of the sampler thread"},
    {"scenario", "stall_threshold_ms", P_DOUBLE, OFF(stall_threshold_ms), 0.001, 60000, "5",
     "progress observed unchanged for longer than this is a stall"},
    {"scenario", "timeline_ms", P_DOUBLE, OFF(timeline_ms), 0.01, 60000, "100",
     "window of the throughput timeline (timeline.csv, windowed statistics)"},
    {"job", "buffer_bytes", P_BYTES, OFF(buffer_bytes), 4096, 64.0 * (1ull << 30), "4M",
     "bytes of the buffer the never-ending job transforms"},
    {"job", "work_groups", P_U32, OFF(work_groups), 0, 65536, "0",
     "persistent work-groups (0 = one per compute unit; never more)"},
    {"job", "work_group_size", P_U32, OFF(work_group_size), 0, 65536, "0",
     "work-items per group (0 = backend default)"},
    {"job", "seed", P_U32, OFF(seed), 0, UINT32_MAX, "1",
     "initial buffer contents derive from it (repetition r uses seed + r - 1)"},
    {"job", "queues", P_U32, OFF(queues), 1, 64, "1",
     "copies of the job, each on its own queue, VM and buffer of buffer_bytes; progress is "
     "the sum, every buffer is verified (vlr; its -qN configs override this)"},
    {"phases", "warmup_s", P_DOUBLE, OFF(warmup_s), 0, 86400, "1",
     "warm-up: the job runs, nothing is measured"},
    {"phases", "baseline_s", P_DOUBLE, OFF(baseline_s), 0.01, 86400, "3",
     "baseline: throughput without pressure"},
    {"phases", "pressure_s", P_DOUBLE, OFF(pressure_s), 0, 86400, "3",
     "pressure: the pattern runs (must be > 0 unless pattern = none)"},
    {"phases", "cooldown_s", P_DOUBLE, OFF(cooldown_s), 0, 86400, "1",
     "cool-down: pressure released, recovery measured"},
    {"pressure", "pattern", P_PATTERN, OFF(pattern), 0, 0, "steady",
     "none | steady | burst | ramp"},
    {"pressure", "chunk", P_MEMSIZE, OFF(chunk), 0, 100, "1%",
     "size of one allocation: N% of global memory, or bytes (K/M/G/T suffix)"},
    {"pressure", "total", P_MEMSIZE, OFF(total), 0, 1000, "4%",
     "most pressure memory held at once (same syntax as chunk, up to 1000%: devices that "
     "evict, like vlr, can be oversubscribed)"},
    {"pressure", "total_max", P_BYTES, OFF(total_max), 0, 1024.0 * (1ull << 40), "0",
     "cap on total in bytes (0 = none), for shared machines"},
    {"pressure", "interval_ms", P_DOUBLE, OFF(interval_ms), 0, 3600000, "20",
     "steady/ramp: pause between allocation steps"},
    {"pressure", "hold_ms", P_DOUBLE, OFF(hold_ms), 0, 3600000, "200",
     "burst: how long a full burst is held before it is freed"},
    {"pressure", "gap_ms", P_DOUBLE, OFF(gap_ms), 0, 3600000, "300",
     "burst: idle time between bursts"},
    {"pressure", "evict_interval_ms", P_DOUBLE, OFF(evict_interval_ms), 0, 60000, "0",
     "period of writes to the backend's eviction trigger during the pressure phase, beside the "
     "pattern: each write evicts all device memory, one preempt/evict/restore cycle of the "
     "job (vlr: debugfs vlr_evict_vram); 0 = none. Without a trigger the pattern runs alone "
     "(steady for pattern = none) and the result records why"},
    {"pressure", "evict_per_queue", P_U32, OFF(evict_per_queue), 0, 1, "0",
     "1: a job of N queues (a -qN config or [job] queues) gets a trigger write every N x "
     "evict_interval_ms, the same eviction traffic per second whatever N (each write evicts "
     "and restores all N queues); 0: every evict_interval_ms whatever N"},
    {"mixed", "lr_queues", P_U32, OFF(mixed_lr_queues), 0, 64, "0",
     "throttled LR queues on the shared scheduler, each running bounded FILL jobs back to "
     "back beside the job (vlr; 0 = none)"},
    {"mixed", "lr_in_flight", P_U32, OFF(mixed_lr_in_flight), 2, 64, "2",
     "jobs kept queued on every throttled LR queue"},
    {"mixed", "lr_job_bytes", P_BYTES, OFF(mixed_lr_job_bytes), 4096, 1024.0 * 1024 * 1024, "1M",
     "bytes one throttled LR job writes (multiple of 4)"},
    {"mixed", "normal_interval_ms", P_DOUBLE, OFF(mixed_normal_interval_ms), 0, 60000, "0",
     "period of the normal (dma-fence) jobs on the shared scheduler; each is waited for; "
     "0 = none, else >= 1"},
    {"mixed", "normal_job_bytes", P_BYTES, OFF(mixed_normal_job_bytes), 4096, 1024.0 * 1024 * 1024,
     "64K", "bytes one normal job writes (multiple of 4)"},
};
#define NPARAMS (sizeof(params) / sizeof(params[0]))

_Static_assert(NPARAMS <= sizeof(((struct lr_scenario *)0)->line) / sizeof(int),
	       "line[] too small for the parameter table");

static const char *const pattern_names[] = {"none", "steady", "burst", "ramp"};

const char *lr_pattern_name(enum lr_pattern p)
{
	return (unsigned)p < 4 ? pattern_names[p] : "?";
}

int lr_parse_double(const char *s, double *out, const char **why)
{
	char *end;

	errno = 0;
	if (!*s) {
		*why = "empty value";
		return -1;
	}
	*out = strtod(s, &end);
	if (end == s || *end) {
		*why = "not a number";
		return -1;
	}
	if (errno == ERANGE || !isfinite(*out)) {
		*why = "number out of range";
		return -1;
	}
	return 0;
}

static int parse_uint(const char *s, uint64_t *out, const char **end_out, const char **why)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s)) {
		*why = *s ? "not a non-negative integer" : "empty value";
		return -1;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno == ERANGE) {
		*why = "number out of range";
		return -1;
	}
	*end_out = end;
	return 0;
}

int lr_parse_u32(const char *s, uint32_t *out, const char **why)
{
	uint64_t v;
	const char *end;

	if (parse_uint(s, &v, &end, why))
		return -1;
	if (*end) {
		*why = "not a non-negative integer";
		return -1;
	}
	if (v > UINT32_MAX) {
		*why = "number out of range";
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* "4096", "64K", "64KiB", "64 M", "1G", "1T" (binary multiples). */
int lr_parse_u64_size(const char *s, uint64_t *out, const char **why)
{
	uint64_t v, mul = 1;
	const char *end;

	if (parse_uint(s, &v, &end, why))
		return -1;
	while (*end == ' ')
		end++;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = 1ull << 10;
		break;
	case 'M':
		mul = 1ull << 20;
		break;
	case 'G':
		mul = 1ull << 30;
		break;
	case 'T':
		mul = 1ull << 40;
		break;
	case '\0':
		break;
	default:
		*why = "not a size (bytes, or a number with K/M/G/T)";
		return -1;
	}
	if (*end) {
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end) {
			*why = "not a size (bytes, or a number with K/M/G/T)";
			return -1;
		}
	}
	if (v > UINT64_MAX / mul) {
		*why = "size out of range";
		return -1;
	}
	*out = v * mul;
	return 0;
}

/* @max_pct: largest percentage (100 for a chunk; a total may oversubscribe
 * devices that evict, up to 1000%) */
static int parse_memsize(const char *s, struct lr_memsize *m, double max_pct, const char **why)
{
	size_t n = strlen(s);

	memset(m, 0, sizeof(*m));
	if (n && s[n - 1] == '%') {
		char num[64];
		double pct;

		if (n - 1 >= sizeof(num)) {
			*why = "not a percentage";
			return -1;
		}
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (lr_parse_double(num, &pct, why))
			return -1;
		if (pct <= 0 || pct > max_pct) {
			*why = max_pct > 100 ? "percentage must be in (0, 1000]"
					     : "percentage must be in (0, 100]";
			return -1;
		}
		m->relative = true;
		m->fraction = pct / 100.0;
		return 0;
	}
	if (lr_parse_u64_size(s, &m->bytes, why)) {
		*why = "not a size (N% of global memory, or bytes with K/M/G/T)";
		return -1;
	}
	if (!m->bytes) {
		*why = "size must be > 0";
		return -1;
	}
	return 0;
}

uint64_t lr_memsize_bytes(const struct lr_memsize *m, uint64_t global_mem_bytes)
{
	if (m->relative)
		return (uint64_t)(m->fraction * (double)global_mem_bytes);
	return m->bytes;
}

static void fmt_range(char *buf, size_t len, const struct param *p)
{
	snprintf(buf, len, "[%.10g, %.10g]", p->min, p->max);
}

/* Set one parameter from text; -1 with a message in @msg on error. */
static int set_param(struct lr_scenario *sc, const struct param *p, const char *val, char *msg,
		     size_t msglen)
{
	void *dst = (char *)sc + p->off;
	const char *why = NULL;
	char range[80];

	switch (p->type) {
	case P_STR:
		if (strlen(val) >= (size_t)p->max) {
			snprintf(msg, msglen, "value longer than %d characters", (int)p->max - 1);
			return -1;
		}
		strcpy(dst, val);
		return 0;
	case P_U32: {
		uint32_t v;

		if (lr_parse_u32(val, &v, &why))
			break;
		if (v < p->min || v > p->max) {
			fmt_range(range, sizeof(range), p);
			snprintf(msg, msglen, "'%s' out of range %s", val, range);
			return -1;
		}
		*(uint32_t *)dst = v;
		return 0;
	}
	case P_BYTES: {
		uint64_t v;

		if (lr_parse_u64_size(val, &v, &why))
			break;
		if ((double)v < p->min || (double)v > p->max) {
			fmt_range(range, sizeof(range), p);
			snprintf(msg, msglen, "'%s' out of range %s bytes", val, range);
			return -1;
		}
		*(uint64_t *)dst = v;
		return 0;
	}
	case P_DOUBLE: {
		double v;

		if (lr_parse_double(val, &v, &why))
			break;
		if (v < p->min || v > p->max) {
			fmt_range(range, sizeof(range), p);
			snprintf(msg, msglen, "'%s' out of range %s", val, range);
			return -1;
		}
		*(double *)dst = v;
		return 0;
	}
	case P_MEMSIZE:
		if (parse_memsize(val, dst, p->max, &why))
			break;
		return 0;
	case P_PATTERN:
		for (unsigned i = 0; i < 4; i++)
			if (!strcmp(val, pattern_names[i])) {
				*(enum lr_pattern *)dst = (enum lr_pattern)i;
				return 0;
			}
		why = "unknown pattern (none, steady, burst, ramp)";
		break;
	}
	snprintf(msg, msglen, "'%s': %s", val, why ? why : "invalid value");
	return -1;
}

struct parse_ctx {
	struct lr_scenario *sc;
	const char *fname;
	FILE *f;
	int lineno;   /* line the reader returned last */
	int err_line; /* first error */
	char err[400];
	bool seen_section[8];
	const char *const *sets; /* --set overrides, applied after the file */
	char where[PATH_MAX + 64];
};

/* Lines of --set overrides: LR_SET_LINE + index of the override. */
#define LR_SET_LINE 1000000

/* "file:line" of a key, or "--set section.key=value" when an override set it. */
static const char *where(struct parse_ctx *c, int line)
{
	if (line >= LR_SET_LINE)
		snprintf(c->where, sizeof(c->where), "--set %.200s", c->sets[line - LR_SET_LINE]);
	else
		snprintf(c->where, sizeof(c->where), "%.4000s:%d", c->fname, line);
	return c->where;
}

static char *line_reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	char *r = fgets(str, num, c->f);

	if (r) {
		size_t n = strlen(r);

		/* count only complete lines; a too long line is an error below */
		if (n && r[n - 1] == '\n')
			c->lineno++;
		else if (!feof(c->f) && !c->err_line) {
			c->err_line = c->lineno + 1;
			snprintf(c->err, sizeof(c->err), "line longer than %d characters", num - 2);
		} else if (feof(c->f))
			c->lineno++;
	}
	return r;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	bool known_section = false;
	char msg[300];

	if (c->err_line) /* keep the first error only */
		return 1;
	for (unsigned i = 0; i < NPARAMS; i++) {
		const struct param *p = &params[i];

		if (strcmp(p->section, section))
			continue;
		known_section = true;
		if (strcmp(p->key, name))
			continue;
		if (c->sc->line[i]) {
			c->err_line = c->lineno;
			snprintf(c->err, sizeof(c->err),
				 "[%s] %s: given twice (first on line %d; an indented line "
				 "continues the previous value)",
				 section, name, c->sc->line[i]);
			return 0;
		}
		if (set_param(c->sc, p, value, msg, sizeof(msg))) {
			snprintf(c->err, sizeof(c->err), "[%.40s] %.40s: %s", section, name, msg);
			c->err_line = c->lineno;
			return 0;
		}
		c->sc->line[i] = c->lineno;
		return 1;
	}
	c->err_line = c->lineno;
	if (!*section)
		snprintf(c->err, sizeof(c->err), "%s: key outside any [section]", name);
	else if (!known_section)
		snprintf(c->err, sizeof(c->err),
			 "[%s]: unknown section (scenario, job, phases, pressure, mixed)", section);
	else
		snprintf(c->err, sizeof(c->err), "[%s] %s: unknown key", section, name);
	return 0;
}

static int param_index(const char *section, const char *key)
{
	for (unsigned i = 0; i < NPARAMS; i++)
		if (!strcmp(params[i].section, section) && !strcmp(params[i].key, key))
			return (int)i;
	return -1;
}

/* Cross-key checks; the error names the line of the key at fault (or the
 * other key, when this one took its default). */
static int validate(struct parse_ctx *c, struct lr_err *err)
{
	struct lr_scenario *sc = c->sc;
	int l;

#define LINE_OF(sec, key, alt_sec, alt_key)                                                        \
	(sc->line[param_index(sec, key)] ? sc->line[param_index(sec, key)]                         \
					 : sc->line[param_index(alt_sec, alt_key)])

	for (const char *s = sc->name; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return lr_fail(err, LR_ERR,
				       "%s: [scenario] name: '%s': only letters, digits, "
				       "'_', '.', '-'",
				       where(c, sc->line[param_index("scenario", "name")]),
				       sc->name);
	if (!*sc->name)
		return lr_fail(err, LR_ERR, "%s: [scenario] name: empty name",
			       where(c, sc->line[param_index("scenario", "name")]));
	if (!*sc->backend)
		return lr_fail(err, LR_ERR, "%s: [scenario] backend: empty value",
			       where(c, sc->line[param_index("scenario", "backend")]));
	for (const char *p = sc->primary; *p;) {
		char name[64];
		size_t len;
		const struct lr_metric_def *d;

		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		while (len && strchr(" \t", p[len - 1]))
			len--;
		if (!len)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), p);
		d = lr_metric_find(name);
		if (!d || d->direction == LR_DIR_NONE)
			return lr_fail(err, LR_ERR, "%s: [scenario] primary: '%s': %s",
				       where(c, sc->line[param_index("scenario", "primary")]), name,
				       d ? "a count that is never judged (direction none) cannot "
					   "be primary"
					 : "not a metric (lrbench list --json shows the metric "
					   "table)");
		p += strcspn(p, ",");
	}
	if (sc->stall_threshold_ms < 2000.0 / sc->sample_rate_hz) {
		l = LINE_OF("scenario", "stall_threshold_ms", "scenario", "sample_rate_hz");
		return lr_fail(err, LR_ERR,
			       "%s: [scenario] stall_threshold_ms: %g ms is shorter than two "
			       "sample periods at %g Hz (%g ms): stalls could not be resolved",
			       where(c, l), sc->stall_threshold_ms, sc->sample_rate_hz,
			       2000.0 / sc->sample_rate_hz);
	}
	if (sc->timeline_ms < 1000.0 / sc->sample_rate_hz) {
		l = LINE_OF("scenario", "timeline_ms", "scenario", "sample_rate_hz");
		return lr_fail(err, LR_ERR,
			       "%s: [scenario] timeline_ms: %g ms is shorter than one sample "
			       "period at %g Hz",
			       where(c, l), sc->timeline_ms, sc->sample_rate_hz);
	}
	if (sc->evict_interval_ms > 0 && sc->pressure_s <= 0) {
		l = LINE_OF("phases", "pressure_s", "pressure", "evict_interval_ms");
		return lr_fail(err, LR_ERR,
			       "%s: [phases] pressure_s: must be > 0 with evict_interval_ms = %g",
			       where(c, l), sc->evict_interval_ms);
	}
	if (sc->pattern != LR_PATTERN_NONE && sc->pressure_s <= 0) {
		l = LINE_OF("phases", "pressure_s", "pressure", "pattern");
		return lr_fail(err, LR_ERR,
			       "%s: [phases] pressure_s: must be > 0 with pattern = %s",
			       where(c, l), lr_pattern_name(sc->pattern));
	}
	if (sc->chunk.relative == sc->total.relative &&
	    (sc->chunk.relative ? sc->chunk.fraction > sc->total.fraction
				: sc->chunk.bytes > sc->total.bytes)) {
		l = LINE_OF("pressure", "chunk", "pressure", "total");
		return lr_fail(err, LR_ERR, "%s: [pressure] chunk: larger than total", where(c, l));
	}
	/* [mixed] keys that would be silently ignored */
	if (!sc->mixed_lr_queues)
		for (const char *const *k =
			 (const char *const[]){"lr_in_flight", "lr_job_bytes", NULL};
		     *k; k++)
			if ((l = sc->line[param_index("mixed", *k)]))
				return lr_fail(err, LR_ERR,
					       "%s: [mixed] %s: has no effect with lr_queues = 0",
					       where(c, l), *k);
	if (sc->mixed_normal_interval_ms == 0 &&
	    (l = sc->line[param_index("mixed", "normal_job_bytes")]))
		return lr_fail(err, LR_ERR,
			       "%s: [mixed] normal_job_bytes: has no effect with "
			       "normal_interval_ms = 0",
			       where(c, l));
	if (sc->mixed_normal_interval_ms > 0 && sc->mixed_normal_interval_ms < 1)
		return lr_fail(err, LR_ERR,
			       "%s: [mixed] normal_interval_ms: %g: 0 (none) or at least 1 ms",
			       where(c, sc->line[param_index("mixed", "normal_interval_ms")]),
			       sc->mixed_normal_interval_ms);
	if (sc->mixed_lr_job_bytes % 4 || sc->mixed_normal_job_bytes % 4) {
		const char *k = sc->mixed_lr_job_bytes % 4 ? "lr_job_bytes" : "normal_job_bytes";

		return lr_fail(err, LR_ERR, "%s: [mixed] %s: not a multiple of 4 bytes",
			       where(c, sc->line[param_index("mixed", k)]), k);
	}
#undef LINE_OF
	return LR_OK;
}

int lr_scenario_line(const struct lr_scenario *sc, const char *section, const char *key)
{
	int i = param_index(section, key);

	return i < 0 ? 0 : sc->line[i];
}

static void set_defaults(struct lr_scenario *sc)
{
	char msg[128];

	memset(sc, 0, sizeof(*sc));
	for (unsigned i = 0; i < NPARAMS; i++)
		if (set_param(sc, &params[i], params[i].def, msg, sizeof(msg))) {
			/* the table is wrong: a programming error */
			fprintf(stderr, "lrbench: bad default for %s.%s: %s\n", params[i].section,
				params[i].key, msg);
			abort();
		}
}

/* Apply the --set overrides "section.key=value" (NULL-terminated list),
 * checked like a line of the file. */
static int apply_sets(struct parse_ctx *c, struct lr_err *err)
{
	for (unsigned k = 0; c->sets && c->sets[k]; k++) {
		const char *arg = c->sets[k], *eq = strchr(arg, '='), *dot = strchr(arg, '.');
		char section[64], key[64], msg[300];
		int i;

		if (!eq || !dot || dot > eq || dot == arg || eq == dot + 1)
			return lr_fail(err, LR_ERR,
				       "--set %s: expected section.key=value (e.g. "
				       "scenario.repetitions=5)",
				       arg);
		snprintf(section, sizeof(section), "%.*s", (int)(dot - arg < 63 ? dot - arg : 63),
			 arg);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1 < 63 ? eq - dot - 1 : 63),
			 dot + 1);
		i = param_index(section, key);
		if (i < 0) {
			bool known_section = false;

			for (unsigned j = 0; j < NPARAMS; j++)
				known_section |= !strcmp(params[j].section, section);
			return lr_fail(err, LR_ERR,
				       known_section
					   ? "--set %s: [%s] %s: unknown key (lrbench --help "
					     "lists the keys)"
					   : "--set %s: [%s]: unknown section (scenario, job, "
					     "phases, pressure, mixed)",
				       arg, section, key);
		}
		if (set_param(c->sc, &params[i], eq + 1, msg, sizeof(msg)))
			return lr_fail(err, LR_ERR, "--set %s: [%s] %s: %s", arg, section, key,
				       msg);
		c->sc->line[i] = LR_SET_LINE + (int)k;
	}
	return LR_OK;
}

static int parse_file(FILE *f, const char *fname, struct lr_scenario *sc, const char *const *sets,
		      struct lr_err *err)
{
	struct parse_ctx c = {.sc = sc, .fname = fname, .f = f, .sets = sets};
	const char *base;
	int rc;

	set_defaults(sc);
	snprintf(sc->path, sizeof(sc->path), "%s", fname);
	rc = ini_parse_stream(line_reader, &c, handler, &c);
	if (rc == -2)
		return lr_fail(err, LR_ERR, "%s: out of memory while parsing", fname);
	if (c.err_line && (rc <= 0 || c.err_line <= rc))
		return lr_fail(err, LR_ERR, "%s:%d: %s", fname, c.err_line, c.err);
	if (rc > 0)
		return lr_fail(err, LR_ERR,
			       "%s:%d: syntax error (expected [section], key = value, or a "
			       "comment starting with ; or #)",
			       fname, rc);
	if (ferror(f))
		return lr_fail(err, LR_ERR, "%s: read error", fname);
	if (!sc->line[param_index("scenario", "name")]) {
		size_t n;

		base = strrchr(fname, '/');
		base = base ? base + 1 : fname;
		snprintf(sc->name, sizeof(sc->name), "%s", base);
		n = strlen(sc->name);
		if (n > 4 && !strcmp(sc->name + n - 4, ".ini"))
			sc->name[n - 4] = '\0';
	}
	if (apply_sets(&c, err))
		return LR_ERR;
	return validate(&c, err);
}

int lr_scenario_load(const char *path, struct lr_scenario *sc, struct lr_err *err)
{
	return lr_scenario_load_sets(path, NULL, sc, err);
}

int lr_scenario_load_sets(const char *path, const char *const *sets, struct lr_scenario *sc,
			  struct lr_err *err)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return lr_fail(err, LR_ERR, "%s: %s", path, strerror(errno));
	rc = parse_file(f, path, sc, sets, err);
	fclose(f);
	return rc;
}

int lr_scenario_parse_string(const char *text, const char *fname, struct lr_scenario *sc,
			     struct lr_err *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	if (!*text) { /* fmemopen rejects size 0 */
		set_defaults(sc);
		snprintf(sc->name, sizeof(sc->name), "%s", fname);
		return LR_OK;
	}
	if (!f)
		return lr_fail(err, LR_ERR, "%s: fmemopen: %s", fname, strerror(errno));
	rc = parse_file(f, fname, sc, NULL, err);
	fclose(f);
	return rc;
}

double lr_scenario_rep_seconds(const struct lr_scenario *sc)
{
	return sc->warmup_s + sc->baseline_s + sc->pressure_s + sc->cooldown_s;
}

int lr_scenario_scale(struct lr_scenario *sc, double total_s, struct lr_err *err)
{
	double f, cur = lr_scenario_rep_seconds(sc);

	if (!(total_s > 0) || total_s > 86400)
		return lr_fail(err, LR_ERR, "--duration: %g s out of range (0, 86400]", total_s);
	f = total_s / cur;
	sc->warmup_s *= f;
	sc->baseline_s *= f;
	sc->pressure_s *= f;
	sc->cooldown_s *= f;
	if (sc->baseline_s < 0.01)
		return lr_fail(err, LR_ERR,
			       "--duration: %g s leaves a baseline of %g s (at least 0.01 s)",
			       total_s, sc->baseline_s);
	return LR_OK;
}

static json_t *memsize_json(const struct lr_memsize *m)
{
	char buf[64];

	if (m->relative)
		snprintf(buf, sizeof(buf), "%.10g%%", m->fraction * 100.0);
	else
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)m->bytes);
	return json_string(buf);
}

json_t *lr_scenario_to_json(const struct lr_scenario *sc)
{
	json_t *root = json_object();

	for (unsigned i = 0; i < NPARAMS; i++) {
		const struct param *p = &params[i];
		const void *src = (const char *)sc + p->off;
		json_t *sec = json_object_get(root, p->section), *v = NULL;

		if (!sec) {
			sec = json_object();
			json_object_set_new(root, p->section, sec);
		}
		switch (p->type) {
		case P_STR:
			v = json_string(src);
			break;
		case P_U32:
			v = json_integer(*(const uint32_t *)src);
			break;
		case P_BYTES:
			v = json_integer((json_int_t) * (const uint64_t *)src);
			break;
		case P_DOUBLE:
			v = json_real(*(const double *)src);
			break;
		case P_MEMSIZE:
			v = memsize_json(src);
			break;
		case P_PATTERN:
			v = json_string(lr_pattern_name(*(const enum lr_pattern *)src));
			break;
		}
		json_object_set_new(sec, p->key, v);
	}
	return root;
}

void lr_scenario_print_keys(FILE *out)
{
	const char *sec = "";

	for (unsigned i = 0; i < NPARAMS; i++) {
		const struct param *p = &params[i];
		char range[64] = "";

		if (strcmp(sec, p->section))
			fprintf(out, "[%s]\n", sec = p->section);
		if (p->type == P_U32 || p->type == P_DOUBLE || p->type == P_BYTES)
			snprintf(range, sizeof(range), " [%.6g, %.6g]", p->min, p->max);
		fprintf(out, "  %-20s default %-8s %s%s\n", p->key, *p->def ? p->def : "\"\"",
			p->help, range);
	}
}
