/* SPDX-License-Identifier: MIT */
/*
 * lrbench: run long-running compute scenarios under memory pressure and
 * write versioned results. See bench/README.md.
 *
 *   lrbench list
 *   lrbench run SCENARIO [-o DIR] [--backend B] [--device D] [--duration S] [--reps N]
 *   lrbench show DIR
 *   lrbench compare [--threshold PCT] [--json] [--a-config C] [--b-config C] A B
 *
 * Exit codes: 0 pass, 1 failure, 2 usage error, 77 skip, 128+N cancelled by signal N.
 * compare: 0 no regression, 1 regression, 2 usage error or unreadable result.
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
	bool set_duration, set_reps, set_inject;
};

enum otype { O_STR, O_DOUBLE, O_U32, O_U64, O_FLAG };

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
enum { CMP_THRESHOLD = 0x200, CMP_JSON, CMP_A_CONFIG, CMP_B_CONFIG, CMP_HELP };
static const struct option cmp_long_opts[] = {
    {"threshold", required_argument, NULL, CMP_THRESHOLD},
    {"json", no_argument, NULL, CMP_JSON},
    {"a-config", required_argument, NULL, CMP_A_CONFIG},
    {"b-config", required_argument, NULL, CMP_B_CONFIG},
    {"help", no_argument, NULL, CMP_HELP},
    {NULL, 0, NULL, 0},
};
static const char *const cmp_option_help[][2] = {
    {"threshold PCT", "a change must exceed PCT % (and the ranges separate) to count [0, 1000]; "
		      "default 5"},
    {"json", "print the lrbench-compare JSON document instead of the table"},
    {"a-config C", "take only A's metrics of configuration C, matched by name"},
    {"b-config C", "take only B's metrics of configuration C, matched by name"},
    {"help", "this help"},
};
#define NCMP_OPTS (sizeof(cmp_option_help) / sizeof(cmp_option_help[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: lrbench list\n"
		     "       lrbench run SCENARIO [options]\n"
		     "       lrbench show DIR|RESULT.json\n"
		     "       lrbench compare [compare options] A B   (A, B: DIR or result.json)\n"
		     "       lrbench help\n\n"
		     "run options:\n");
	for (size_t i = 0; i < NOPTS; i++) {
		const struct option_def *o = &option_defs[i];
		char left[64];

		if (o->hidden)
			continue;
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-26s %s\n", left, o->help);
	}
	fprintf(out, "\ncompare options:\n");
	for (size_t i = 0; i < NCMP_OPTS; i++)
		fprintf(out, "  --%-24s %s\n", cmp_option_help[i][0], cmp_option_help[i][1]);
	fprintf(out, "\nSCENARIO is a file path or a name in the scenario directory\n"
		     "($LRBENCH_SCENARIOS, else bench/scenarios beside the build).\n"
		     "Exit codes: 0 pass, 1 failure (verification mismatch or runtime error),\n"
		     "2 usage error, 77 skip (reason printed), 128+N cancelled by signal N.\n"
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

static int cmd_list(void)
{
	char dir[PATH_MAX], *names[512];
	size_t nn = 0;
	struct dirent *de;
	DIR *d;

	printf("backends:\n");
	for (const struct lr_backend_ops *const *b = lr_backends; *b; b++) {
		struct lr_err err = {{0}};
		char *buf = NULL, *line, *save;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		int rc;

		printf("  %-10s %s\n", (*b)->name, (*b)->help);
		if (!mem)
			continue;
		rc = (*b)->list_devices(mem, &err);
		fclose(mem);
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			printf("      %s\n", line);
		if (rc)
			printf("      (%s: %s)\n", rc == LR_SKIP ? "no devices" : "error", err.msg);
		free(buf);
	}
	scenario_dir(dir, sizeof(dir));
	printf("scenarios (%s):\n", dir);
	d = opendir(dir);
	if (!d) {
		printf("  (cannot open: %s)\n", strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) && nn < 512) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".ini"))
			names[nn++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char path[PATH_MAX];
		struct lr_scenario *sc = malloc(sizeof(*sc));
		struct lr_err err;

		if (!names[i] || !sc) {
			free(sc);
			continue;
		}
		snprintf(path, sizeof(path), "%.3000s/%.200s", dir, names[i]);
		if (lr_scenario_load(path, sc, &err))
			printf("  %-10s (invalid: %s)\n", names[i], err.msg);
		else
			printf("  %-10s %4.0f s x %u  %s\n", sc->name, lr_scenario_rep_seconds(sc),
			       sc->repetitions, sc->description);
		free(sc);
		free(names[i]);
	}
	return 0;
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
	if (first >= argc)
		return usage_error("run: missing SCENARIO");
	if (first + 1 < argc)
		return usage_error("run: unexpected argument '%s'", argv[first + 1]);
	if (resolve_scenario(argv[first], path, sizeof(path)))
		return EXIT_USAGE;
	sc = malloc(sizeof(*sc));
	if (!sc)
		return 1;
	if (lr_scenario_load(path, sc, &err)) {
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
	ro.progress = isatty(STDOUT_FILENO);
	ro.inject_corruption = cli.set_inject;
	ro.inject_offset = cli.inject_offset;
	ro.stop = &stop_signal;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = lr_run_scenario(sc, &ro, &run);
	if (run.reps && (ro.progress || cli.summary)) {
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
	struct lr_cmp_opts o = {.threshold_pct = LR_COMPARE_DEFAULT_THRESHOLD};
	struct lr_cmp_table t;
	struct lr_err err;
	json_t *a = NULL, *b = NULL;
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
		case CMP_JSON:
			json = true;
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
	if (lr_cmp_load(argv[optind], &a, &err) || lr_cmp_load(argv[optind + 1], &b, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		goto out;
	}
	if (lr_cmp_tables(a, b, &o, &t, &err)) {
		fprintf(stderr, "lrbench: %s\n", err.msg);
		lr_cmp_free(&t);
		goto out;
	}
	if (json) {
		json_t *doc = lr_cmp_json(&t, a, b, argv[optind], argv[optind + 1], &o);

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10))) {
			fprintf(stderr, "lrbench: compare: cannot write the JSON document\n");
			json_decref(doc);
			lr_cmp_free(&t);
			rc = 1;
			goto out;
		}
		printf("\n");
		json_decref(doc);
	} else {
		lr_cmp_print(&t, a, b, argv[optind], argv[optind + 1], &o, stdout);
	}
	rc = t.regressions ? 1 : 0;
	lr_cmp_free(&t);
out:
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
		if (argc != 2)
			return usage_error("list: unexpected argument '%s'", argv[2]);
		return cmd_list();
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "show")) {
		if (argc != 3)
			return usage_error("show: expected one DIR or result file");
		if (lr_show_path(argv[2], stdout, &err)) {
			fprintf(stderr, "lrbench: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	return usage_error("unknown command '%s' (list, run, show, compare, help)", cmd);
}
