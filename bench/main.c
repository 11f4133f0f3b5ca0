/* SPDX-License-Identifier: MIT */
/*
 * lrbench: run long-running compute scenarios under memory pressure and
 * write versioned results. See bench/README.md.
 *
 *   lrbench list [--json]
 *   lrbench run SCENARIO [-o DIR] [--backend B] [--device D] [--duration S] [--reps N]
 *               [--set SECTION.KEY=VALUE]... [--parse-only] [--status-interval S]
 *   lrbench show [--json] DIR
 *   lrbench compare [--threshold PCT] [--alpha A] [--json] [--ci-level L] [--a-config C]
 * [--b-config C]
 *                   [--allow-mismatch] A B
 *
 * Exit codes: 0 pass, 1 failure, 2 usage error, 77 skip, 128+N cancelled by signal N.
 * compare: 0 no primary metric regressed, 1 a primary metric regressed or an input did
 * not pass, 2 usage error, unreadable or mismatched results.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "compare.h"
#include "metric_table.h"
#include "results.h"
#include "run.h"
#include "scenario.h"
#include "show.h"

#define EXIT_USAGE 2
#define EXIT_SKIP  77

struct cli {
	const char *outdir;
	const char *backend;
	const char *device;
	double duration;
	uint32_t reps;
	bool summary;
	bool help;
	uint64_t inject_offset;
	double status_interval;
	bool parse_only;
	const char *sets[65]; /* --set overrides, NULL-terminated */
	unsigned nsets;
	bool set_duration, set_reps, set_inject, set_status;
};

enum otype { O_STR, O_DOUBLE, O_U32, O_U64, O_FLAG, O_LIST };

/* Options are data: one table drives getopt_long, validation and --help. */
static const struct option_def {
	const char *name;
	char short_name;
	enum otype type;
	size_t off;	/* into struct cli */
	ptrdiff_t seen; /* offset of the "was given" bool, or -1 */
	double min, max;
	const char *arg, *help;
	bool hidden;
} option_defs[] = {
    {"output", 'o', O_STR, offsetof(struct cli, outdir), -1, 0, 0, "DIR",
     "result directory (default: results/runs/<UTC time>-<scenario>); must not hold a "
     "result.json",
     false},
    {"backend", 'b', O_STR, offsetof(struct cli, backend), -1, 0, 0, "NAME",
     "workload backend (overrides the scenario's; see lrbench list)", false},
    {"device", 'd', O_STR, offsetof(struct cli, device), -1, 0, 0, "SEL",
     "device selector: \"P:D\" indices or a name substring (backend default otherwise)", false},
    {"duration", 't', O_DOUBLE, offsetof(struct cli, duration), offsetof(struct cli, set_duration),
     0.05, 86400, "S", "scale all four phases by one factor so one repetition lasts S seconds",
     false},
    {"reps", 'r', O_U32, offsetof(struct cli, reps), offsetof(struct cli, set_reps), 1, 1000, "N",
     "repetitions (overrides the scenario's)", false},
    {"set", 0, O_LIST, offsetof(struct cli, sets), -1, 0, 64, "SECTION.KEY=VALUE",
     "override one scenario key, checked like a line of the file (repeatable, up to 64)", false},
    {"parse-only", 0, O_FLAG, offsetof(struct cli, parse_only), -1, 0, 0, NULL,
     "check the scenario (file, --set, options, backend) and exit: 0 valid, 2 not", false},
    {"status-interval", 0, O_DOUBLE, offsetof(struct cli, status_interval),
     offsetof(struct cli, set_status), 0, 86400, "S",
     "a progress line every S seconds on stdout (0: none); default 1 on a terminal, none "
     "otherwise",
     false},
    {"summary", 's', O_FLAG, offsetof(struct cli, summary), -1, 0, 0, NULL,
     "print the summary table at the end even when stdout is not a terminal", false},
    {"help", 'h', O_FLAG, offsetof(struct cli, help), -1, 0, 0, NULL, "this help", false},
    {"inject-corruption", 0, O_U64, offsetof(struct cli, inject_offset),
     offsetof(struct cli, set_inject), 0, 0, "OFFSET",
     "test hook: corrupt the job buffer at byte OFFSET before verifying repetition 1 "
     "(the run must then fail)",
     true},
};
#define NOPTS (sizeof(option_defs) / sizeof(option_defs[0]))

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
	/* a second signal ends the process the default way */
	signal(sig, SIG_DFL);
}

/* compare's options: getopt table and help side by side */
enum {
	CMP_THRESHOLD = 0x200,
	CMP_ALPHA,
	CMP_JSON,
	CMP_A_CONFIG,
	CMP_B_CONFIG,
	CMP_ALLOW_MISMATCH,
	CMP_CI_LEVEL,
	CMP_HELP
};
static const struct option cmp_long_opts[] = {
    {"threshold", required_argument, NULL, CMP_THRESHOLD},
    {"alpha", required_argument, NULL, CMP_ALPHA},
    {"json", no_argument, NULL, CMP_JSON},
    {"a-config", required_argument, NULL, CMP_A_CONFIG},
    {"b-config", required_argument, NULL, CMP_B_CONFIG},
    {"allow-mismatch", no_argument, NULL, CMP_ALLOW_MISMATCH},
    {"ci-level", required_argument, NULL, CMP_CI_LEVEL},
    {"help", no_argument, NULL, CMP_HELP},
    {NULL, 0, NULL, 0},
};
static const char *const cmp_option_help[][2] = {
    {"threshold PCT", "equivalence band: a metric is 'unchanged' when the confidence interval "
		      "of B/A lies within +-PCT % [0, 1000]; default 5"},
    {"alpha A", "family-wise error rate over all judged metrics (0, 0.5]; default 0.05"},
    {"json", "print the lrbench-compare JSON document instead of the table"},
    {"a-config C", "take only A's metrics of configuration C, matched by name"},
    {"b-config C", "take only B's metrics of configuration C, matched by name"},
    {"allow-mismatch", "compare results of different scenarios, backends or devices"},
    {"ci-level L", "--json: also give every judged metric an interval at the fixed level L, "
		   "and each side's median interval at L (for pre-declared targets, whose "
		   "level must not depend on the other metrics' p-values) [0.5, 1); default: "
		   "none, median intervals at 0.95"},
    {"help", "this help"},
};
#define NCMP_OPTS (sizeof(cmp_option_help) / sizeof(cmp_option_help[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: lrbench list [--json]\n"
		     "       lrbench run SCENARIO [options]\n"
		     "       lrbench show [--json] DIR|RESULT.json\n"
		     "       lrbench compare [compare options] A B   (A, B: DIR or result.json)\n"
		     "       lrbench help\n\n"
		     "run options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct option_def *o = &option_defs[i];
		char left[64];

		if (o->hidden)
			continue;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
	fprintf(out, "\ncompare options:\n");
	for (size_t i = 0; i < NCMP_OPTS; i++)
		fprintf(out, "  --%-24s %s\n", cmp_option_help[i][0], cmp_option_help[i][1]);
	fprintf(out, "\nSCENARIO is a file path or a name in the scenario directory\n"
		     "($LRBENCH_SCENARIOS, else bench/scenarios beside the build).\n"
		     "Exit codes: 0 pass, 1 failure (verification mismatch or runtime error),\n"
		     "2 usage error, 77 skip (reason printed), 128+N cancelled by signal N.\n"
		     "compare: 0 no primary metric regressed, 1 a primary metric regressed or\n"
		     "an input's status is not pass, 2 usage error or results that cannot be\n"
		     "compared (unreadable; scenario, backend or device differ).\n"
		     "\nscenario file keys (INI; see bench/README.md):\n");
	lr_scenario_print_keys(out);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lrbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(lrbench --help for usage)\n");
	return EXIT_USAGE;
}

/* Parse run options; returns -1 on success, else an exit code. */
static int parse_options(int argc, char **argv, struct cli *cli, int *first_arg)
{
	struct option lo[NOPTS + 1];
	char shorts[2 * NOPTS + 2], *sp = shorts;
	int c, idx;

	*sp++ = ':'; /* report missing arguments as ':' */
	for (size_t i = 0; i < NOPTS; i++) {
		const struct option_def *o = &option_defs[i];

		lo[i] =
		    (struct option){o->name, o->type == O_FLAG ? no_argument : required_argument,
				    NULL, 0x100 + (int)i};
		if (o->short_name) {
			*sp++ = o->short_name;
			if (o->type != O_FLAG)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	memset(&lo[NOPTS], 0, sizeof(lo[NOPTS]));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
		const struct option_def *o = NULL;
		const char *why = NULL;
		void *dst;

		if (c == '?')
			return usage_error("unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		if (c >= 0x100)
			o = &option_defs[c - 0x100];
		else
			for (size_t i = 0; i < NOPTS; i++)
				if (option_defs[i].short_name == c)
					o = &option_defs[i];
		if (!o)
			return usage_error("unknown option '%s'", argv[optind - 1]);
		dst = (char *)cli + o->off;
		switch (o->type) {
		case O_STR:
			if (!*optarg)
				return usage_error("--%s: empty value", o->name);
			*(const char **)dst = optarg;
			break;
		case O_FLAG:
			*(bool *)dst = true;
			break;
		case O_LIST:
			if (cli->nsets >= (unsigned)o->max)
				return usage_error("--%s: more than %g given", o->name, o->max);
			if (!*optarg)
				return usage_error("--%s: empty value", o->name);
			cli->sets[cli->nsets++] = optarg;
			break;
		case O_DOUBLE: {
			double v;

			if (lr_parse_double(optarg, &v, &why))
				break;
			if (v < o->min || v > o->max)
				why = "out of range";
			else
				*(double *)dst = v;
			break;
		}
		case O_U32: {
			uint32_t v;

			if (lr_parse_u32(optarg, &v, &why))
				break;
			if (v < o->min || v > o->max)
				why = "out of range";
			else
				*(uint32_t *)dst = v;
			break;
		}
		case O_U64:
			lr_parse_u64_size(optarg, dst, &why);
			break;
		}
		if (why) {
			char range[96] = "";

			if (o->max > o->min)
				snprintf(range, sizeof(range), " [%g, %g]", o->min, o->max);
			fprintf(stderr, "lrbench: --%s: '%s': %s%s\n(lrbench --help for usage)\n",
				o->name, optarg, why, range);
			return EXIT_USAGE;
		}
		if (o->seen >= 0)
			*(bool *)((char *)cli + o->seen) = true;
	}
	*first_arg = optind;
	return -1;
}

/* Directory of the shipped scenarios. */
static void scenario_dir(char *buf, size_t len)
{
	const char *env = getenv("LRBENCH_SCENARIOS");
	char exe[PATH_MAX];
	ssize_t n;
	struct stat st;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		/* build/bin/lrbench or build/asan/bin/lrbench -> <repo>/bench/scenarios */
		for (int up = 3; up <= 4; up++) {
			char tmp[PATH_MAX], *slash;

			memcpy(tmp, exe, (size_t)n + 1);
			for (int i = 0; i < up && (slash = strrchr(tmp, '/')); i++)
				*slash = '\0';
			snprintf(buf, len, "%.4000s/bench/scenarios", *tmp ? tmp : "/");
			if (!stat(buf, &st) && S_ISDIR(st.st_mode))
				return;
		}
	}
	snprintf(buf, len, "bench/scenarios");
}

static int resolve_scenario(const char *arg, char *path, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	if (strchr(arg, '/') || !stat(arg, &st)) {
		snprintf(path, len, "%s", arg);
		return 0;
	}
	scenario_dir(dir, sizeof(dir));
	snprintf(path, len, "%.3000s/%.200s.ini", dir, arg);
	if (!stat(path, &st))
		return 0;
	fprintf(stderr,
		"lrbench: scenario '%s': no such file, and no %s (lrbench list shows "
		"the scenarios)\n",
		arg, path);
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `lrbench list [--json]`: backends with their devices, scenarios, and (JSON)
 * the metric table. */
static int cmd_list(bool json)
{
	char dir[PATH_MAX], *names[512];
	size_t nn = 0;
	struct dirent *de;
	DIR *d;
	json_t *jb = json_array(), *js = json_array();
	int rc = 0;

	if (!json)
		printf("backends:\n");
	for (const struct lr_backend_ops *const *b = lr_backends; *b; b++) {
		struct lr_err err = {{0}};
		char *buf = NULL, *line, *save;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		json_t *devs = json_array();
		int brc;

		if (!json)
			printf("  %-10s %s\n", (*b)->name, (*b)->help);
		if (!mem) {
			json_decref(devs);
			continue;
		}
		brc = (*b)->list_devices(mem, &err);
		fclose(mem);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (json)
				json_array_append_new(devs, lr_json_string(line));
			else
				printf("      %s\n", line);
		}
		if (brc && !json)
			printf("      (%s: %s)\n", brc == LR_SKIP ? "no devices" : "error",
			       err.msg);
		json_array_append_new(jb, json_pack("{s:s,s:s,s:o,s:o}", "name", (*b)->name, "help",
						    (*b)->help, "devices", devs, "problem",
						    brc ? lr_json_string(err.msg) : json_null()));
		free(buf);
	}
	scenario_dir(dir, sizeof(dir));
	if (!json)
		printf("scenarios (%s):\n", dir);
	d = opendir(dir);
	if (!d) {
		if (!json) {
			printf("  (cannot open: %s)\n", strerror(errno));
			goto out;
		}
	} else {
		while ((de = readdir(d)) && nn < 512) {
			size_t n = strlen(de->d_name);

			if (n > 4 && !strcmp(de->d_name + n - 4, ".ini"))
				names[nn++] = strdup(de->d_name);
		}
		closedir(d);
	}
	qsort(names, nn, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char path[PATH_MAX];
		struct lr_scenario *sc = malloc(sizeof(*sc));
		struct lr_err err;

		if (!names[i] || !sc) {
			free(sc);
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%.3000s/%.200s", dir, names[i]);
		if (lr_scenario_load(path, sc, &err)) {
			if (json)
				json_array_append_new(js, json_pack("{s:o,s:o}", "file",
								    lr_json_string(path), "problem",
								    lr_json_string(err.msg)));
			else
				printf("  %-10s (invalid: %s)\n", names[i], err.msg);
		} else if (json) {
			json_t *prim = json_array();

			for (unsigned m = 0; m < LR_METRICS; m++)
				if (lr_metric_is_primary(sc, &lr_metric_table[m]))
					json_array_append_new(prim,
							      json_string(lr_metric_table[m].name));
			json_array_append_new(
			    js, json_pack("{s:o,s:o,s:o,s:o,s:o,s:i,s:f,s:o}", "name",
					  lr_json_string(sc->name), "file", lr_json_string(path),
					  "description", lr_json_string(sc->description), "backend",
					  lr_json_string(sc->backend), "configs",
					  lr_json_string(sc->configs), "repetitions",
					  (int)sc->repetitions, "rep_seconds",
					  lr_scenario_rep_seconds(sc), "primary", prim));
		} else {
			printf("  %-10s %4.0f s x %u  %s\n", sc->name, lr_scenario_rep_seconds(sc),
			       sc->repetitions, sc->description);
		}
		free(sc);
		free(names[i]);
	}
out:
	if (json) {
		json_t *doc = json_pack("{s:s,s:i,s:s,s:o,s:o,s:o,s:o}", "schema", "lrbench-list",
					"format_version", 1, "suite_version", LR_VERSION,
					"backends", jb, "scenario_dir", lr_json_string(dir),
					"scenarios", js, "metrics", lr_metric_table_json());

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)))
			rc = 1;
		printf("\n");
		json_decref(doc);
	} else {
		json_decref(jb);
		json_decref(js);
	}
	return rc;
}

static int cmd_run(int argc, char **argv)
{
	struct cli cli = {0};
	struct lr_scenario *sc;
	struct lr_run run;
	struct lr_run_opts ro = {0};
	struct lr_err err;
	struct sigaction sa = {0};
	char path[PATH_MAX], outdir[PATH_MAX];
	int first = 0, rc;

	rc = parse_options(argc, argv, &cli, &first);
	if (rc >= 0)
		return rc;
	if (cli.help) {
		usage(stdout);
		return 0;
	}
	if (cli.set_status && cli.status_interval > 0 && cli.status_interval < 0.1)
		return usage_error("--status-interval: '%g': 0 (none) or at least 0.1 s",
				   cli.status_interval);
	if (first >= argc)
		return usage_error("run: missing SCENARIO");
	if (first + 1 < argc)
		return usage_error("run: unexpected argument '%s'", argv[first + 1]);
	if (resolve_scenario(argv[first], path, sizeof(path)))
		return EXIT_USAGE;
	sc = malloc(sizeof(*sc));
	if (!sc)
		return 1;
	cli.sets[cli.nsets] = NULL;
	if (lr_scenario_load_sets(path, cli.sets, sc, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		free(sc);
		return EXIT_USAGE;
	}
	if (cli.set_reps)
		sc->repetitions = cli.reps;
	if (cli.set_duration && lr_scenario_scale(sc, cli.duration, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		free(sc);
		return EXIT_USAGE;
	}
	if (cli.backend)
		snprintf(sc->backend, sizeof(sc->backend), "%s", cli.backend);
	ro.ops = lr_backend_find(sc->backend);
	if (!ro.ops) {
		fprintf(stderr, "lrbench: backend '%s' unknown; known:", sc->backend);
		for (const struct lr_backend_ops *const *b = lr_backends; *b; b++)
			fprintf(stderr, " %s", (*b)->name);
		fprintf(stderr, "\n");
		free(sc);
		return EXIT_USAGE;
	}
	if (lr_run_check(sc, ro.ops, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		free(sc);
		return EXIT_USAGE;
	}
	if (cli.parse_only) {
		printf("%s: scenario %s valid: backend %s, %u repetitions x %g s%s%s\n", path,
		       sc->name, sc->backend, sc->repetitions, lr_scenario_rep_seconds(sc),
		       *sc->configs ? ", configs " : "", sc->configs);
		free(sc);
		return 0;
	}
	if (!cli.outdir) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		snprintf(outdir, sizeof(outdir), "results/runs/%s-%s", stamp, sc->name);
		cli.outdir = outdir;
	}
	ro.device = cli.device;
	ro.outdir = cli.outdir;
	ro.status_interval_s = cli.set_status ? cli.status_interval : isatty(STDOUT_FILENO) ? 1 : 0;
	ro.inject_corruption = cli.set_inject;
	ro.inject_offset = cli.inject_offset;
	ro.stop = &stop_signal;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = lr_run_scenario(sc, &ro, &run);
	if (run.reps && (isatty(STDOUT_FILENO) || cli.summary)) {
		json_t *root = lr_result_json(&run);

		if (root) {
			printf("\n");
			lr_show_json(root, stdout);
			json_decref(root);
		}
		printf("\nresult: %s/%s\n", cli.outdir, LR_RESULT_FILE);
	}
	lr_run_fini(&run);
	free(sc);
	return rc;
}

static int cmd_compare(int argc, char **argv)
{
	struct lr_cmp_opts o = {.threshold_pct = LR_COMPARE_DEFAULT_THRESHOLD,
				.alpha = LR_COMPARE_DEFAULT_ALPHA};
	struct lr_cmp_table t = {0};
	struct lr_err err;
	json_t *a = NULL, *b = NULL;
	char failed[2][300];
	size_t nfailed;
	bool json = false;
	int c, rc = EXIT_USAGE;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", cmp_long_opts, NULL)) != -1) {
		const char *why = NULL;

		switch (c) {
		case CMP_THRESHOLD:
			if (!lr_parse_double(optarg, &o.threshold_pct, &why) &&
			    (o.threshold_pct < 0 || o.threshold_pct > 1000))
				why = "out of range [0, 1000]";
			if (why)
				return usage_error("compare: --threshold: '%s': %s", optarg, why);
			break;
		case CMP_ALPHA:
			if (!lr_parse_double(optarg, &o.alpha, &why) &&
			    !(o.alpha > 0 && o.alpha <= 0.5))
				why = "out of range (0, 0.5]";
			if (why)
				return usage_error("compare: --alpha: '%s': %s", optarg, why);
			break;
		case CMP_JSON:
			json = true;
			break;
		case CMP_ALLOW_MISMATCH:
			o.allow_mismatch = true;
			break;
		case CMP_CI_LEVEL:
			if (!lr_parse_double(optarg, &o.ci_level, &why) &&
			    !(o.ci_level >= 0.5 && o.ci_level < 1))
				why = "out of range [0.5, 1)";
			if (why)
				return usage_error("compare: --ci-level: '%s': %s", optarg, why);
			break;
		case CMP_A_CONFIG:
		case CMP_B_CONFIG:
			if (!*optarg)
				return usage_error("compare: --%s: empty value",
						   c == CMP_A_CONFIG ? "a-config" : "b-config");
			*(c == CMP_A_CONFIG ? &o.a_config : &o.b_config) = optarg;
			break;
		case CMP_HELP:
			usage(stdout);
			return 0;
		case ':':
			return usage_error("compare: option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("compare: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return usage_error("compare: expected two results (DIR or result.json), got %d",
				   argc - optind);
	if (lr_cmp_load(argv[optind], &a, &err) || lr_cmp_load(argv[optind + 1], &b, &err) ||
	    lr_cmp_check_same(a, b, &o, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		goto out;
	}
	/* a side that did not pass is a failure, whatever its numbers say */
	nfailed = lr_cmp_failed_inputs(a, b, argv[optind], argv[optind + 1], failed);
	if (lr_cmp_tables(a, b, &o, &t, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		for (size_t i = 0; i < nfailed; i++)
			fprintf(stderr, "lrbench: compare: failed input: %s\n", failed[i]);
		rc = nfailed ? 1 : EXIT_USAGE;
		goto out;
	}
	if (json) {
		json_t *doc = lr_cmp_json(&t, a, b, argv[optind], argv[optind + 1], &o);

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10))) {
			fprintf(stderr, "lrbench: compare: cannot write the JSON document\n");
			json_decref(doc);
			rc = 1;
			goto out;
		}
		printf("\n");
		json_decref(doc);
	} else {
		lr_cmp_print(&t, a, b, argv[optind], argv[optind + 1], &o, stdout);
	}
	for (size_t i = 0; i < nfailed; i++)
		fprintf(stderr, "lrbench: compare: failed input: %s\n", failed[i]);
	rc = t.primary_regressed || nfailed ? 1 : 0;
out:
	lr_cmp_free(&t);
	json_decref(a);
	json_decref(b);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;
	struct lr_err err;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("lrbench %s\n", LR_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "list")) {
		bool json = argc == 3 && !strcmp(argv[2], "--json");

		if (argc > 2 && !json)
			return usage_error("list: unexpected argument '%s' (only --json)", argv[2]);
		return cmd_list(json);
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "show")) {
		bool json = argc == 4 && !strcmp(argv[2], "--json");

		if (argc != 3 + json || (argc == 3 && argv[2][0] == '-'))
			return usage_error("show: expected [--json] and one DIR or result file");
		if (lr_show_path(argv[2 + json], json, stdout, &err)) {
			fprintf(stderr, "lrbench: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	return usage_error("unknown command '%s' (list, run, show, compare, help)", cmd);
}
