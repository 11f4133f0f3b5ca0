/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metric_table.h"
#include "results.h"
#include "show.h"
#include "stats.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static void fmt_num(char *buf, size_t len, json_t *v)
{
	if (!json_is_number(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.4g", json_number_value(v));
}

static void fmt_gib(char *buf, size_t len, double b)
{
	snprintf(buf, len, "%.3g GiB", b / (1024.0 * 1024 * 1024));
}

/* The metric's role; format 1 results had none: the metric table's default. */
static bool is_primary(json_t *m)
{
	const struct lr_metric_def *d = lr_metric_find(str(m, "name"));

	if (json_is_string(json_object_get(m, "role")))
		return !strcmp(str(m, "role"), "primary");
	return d && d->primary;
}

void lr_show_json(json_t *root, FILE *out)
{
	json_t *sc = json_object_get(root, "scenario"), *host = json_object_get(root, "host"),
	       *dev = json_object_get(root, "device"), *job = json_object_get(root, "job"),
	       *reps = json_object_get(root, "repetitions"), *metrics, *m;
	char a[64], b[64];
	size_t i;

	fprintf(out, "lrbench result: scenario %s (%s)\n", str(sc, "name"), str(sc, "file"));
	fprintf(out, "  status     %s%s%s%s\n", str(root, "status"),
		json_is_true(json_object_get(root, "cancelled")) ? " (cancelled)" : "",
		*str(root, "reason") && strcmp(str(root, "reason"), "-") ? ": " : "",
		strcmp(str(root, "reason"), "-") ? str(root, "reason") : "");
	fprintf(out, "  suite      %s, started %s, %.1f s\n", str(root, "suite_version"),
		str(root, "start_time"), num(root, "duration_s"));
	fmt_gib(a, sizeof(a), num(host, "memory_bytes"));
	fprintf(out, "  host       %s %s, %s, %d CPUs, %s; kernel %s\n", str(host, "sysname"),
		str(host, "machine"), str(host, "cpu_model"), (int)num(host, "ncpus"), a,
		str(json_object_get(root, "kernel"), "release"));
	if (json_is_object(dev)) {
		fmt_gib(a, sizeof(a), num(dev, "global_mem_bytes"));
		fprintf(out, "  device     %s: %s (%s), %d compute units, %s global memory\n",
			str(json_object_get(root, "backend"), "name"), str(dev, "name"),
			str(dev, "version"), (int)num(dev, "compute_units"), a);
	} else {
		fprintf(out, "  device     %s: not opened\n",
			str(json_object_get(root, "backend"), "name"));
	}
	if (json_is_object(job))
		fprintf(out, "  job        %s buffer, %d work-groups x %d, unit %s (%d bytes)\n",
			(snprintf(b, sizeof(b), "%.4g MiB",
				  num(json_object_get(json_object_get(sc, "parameters"), "job"),
				      "buffer_bytes") /
				      (1024.0 * 1024)),
			 b),
			(int)num(job, "work_groups"), (int)num(job, "work_group_size"),
			str(job, "unit"), (int)num(job, "unit_bytes"));
	fprintf(out, "  reps       %d of %d\n", (int)num(reps, "done"), (int)num(reps, "planned"));

	metrics = json_object_get(root, "metrics");
	if (!json_array_size(metrics) || !num(reps, "done"))
		return;
	fprintf(out,
		"\n  summary: nearest-rank percentiles, sample stddev; role P: primary (judged by "
		"compare's exit status), d: diagnostic\n");
	fprintf(out, "  %-24s %-4s %-13s %6s %10s %10s %10s %10s %10s %10s  %-6s  %s\n", "metric",
		"role", "unit", "n", "min", "p50", "p99", "max", "mean", "stddev", "better",
		"per rep");
	json_array_foreach(metrics, i, m)
	{
		json_t *s = json_object_get(m, "summary"), *pr = json_object_get(m, "per_rep"), *v;
		char cols[6][32];
		const char *keys[6] = {"min", "p50", "p99", "max", "mean", "stddev"};
		size_t k;

		for (k = 0; k < 6; k++)
			fmt_num(cols[k], sizeof(cols[k]), json_object_get(s, keys[k]));
		fprintf(out, "  %-24s %-4s %-13s %6d %10s %10s %10s %10s %10s %10s  %-6s ",
			str(m, "name"), is_primary(m) ? "P" : "d", str(m, "unit"), (int)num(s, "n"),
			cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], str(m, "direction"));
		json_array_foreach(pr, k, v)
		{
			if (k == 5) {
				fprintf(out, " ...");
				break;
			}
			fmt_num(a, sizeof(a), v);
			fprintf(out, " %s", a);
		}
		fprintf(out, "\n");
	}
}

static json_t *desc_json(const struct lr_desc *d)
{
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)d->n, "median",
			 lr_json_real(d->median), "mean", lr_json_real(d->mean), "stddev",
			 lr_json_real(d->stddev), "stddev_pct", lr_json_real(d->stddev_pct), "min",
			 lr_json_real(d->min), "max", lr_json_real(d->max), "p90",
			 lr_json_real(d->p90));
}

static json_t *copy_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v ? json_deep_copy(v) : json_null();
}

json_t *lr_show_doc(json_t *root, const char *path)
{
	json_t *metrics = json_array(), *m, *sc = json_object_get(root, "scenario");
	size_t i;

	json_array_foreach(json_object_get(root, "metrics"), i, m)
	{
		json_t *pr = json_object_get(m, "per_rep"), *v;
		size_t n = json_array_size(pr), k;
		double *vals = malloc((n ? n : 1) * sizeof(double));
		struct lr_desc d;

		if (!vals)
			continue;
		json_array_foreach(pr, k, v)
		{
			vals[k] = json_is_number(v) ? json_number_value(v) : NAN;
		}
		lr_stats_desc(vals, n, &d, NULL);
		free(vals);
		json_array_append_new(
		    metrics,
		    json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", copy_of(m, "name"),
			      "config", copy_of(m, "config"), "unit", copy_of(m, "unit"),
			      "direction", copy_of(m, "direction"), "role",
			      json_string(is_primary(m) ? "primary" : "diagnostic"), "per_rep_stat",
			      copy_of(m, "per_rep_stat"), "summary", copy_of(m, "summary"),
			      "per_rep", copy_of(m, "per_rep"), "per_rep_stats", desc_json(&d)));
	}
	return json_pack("{s:s,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "schema",
			 "lrbench-show", "format_version", 1, "path", path, "result_format_version",
			 copy_of(root, "format_version"), "status", copy_of(root, "status"),
			 "reason", copy_of(root, "reason"), "cancelled", copy_of(root, "cancelled"),
			 "suite_version", copy_of(root, "suite_version"), "start_time",
			 copy_of(root, "start_time"), "scenario", copy_of(sc, "name"), "backend",
			 copy_of(json_object_get(root, "backend"), "name"), "device",
			 copy_of(json_object_get(root, "device"), "name"), "repetitions",
			 json_pack("{s:o,s:o}", "planned",
				   copy_of(json_object_get(root, "repetitions"), "planned"), "done",
				   copy_of(json_object_get(root, "repetitions"), "done")),
			 "metrics", metrics);
}

int lr_show_path(const char *path, bool json, FILE *out, struct lr_err *err)
{
	char file[PATH_MAX];
	struct stat st;
	json_error_t jerr;
	json_t *root;
	int v;

	if (stat(path, &st))
		return lr_fail(err, LR_ERR, "show: %s: no such file or directory", path);
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%.4000s/%s", path, LR_RESULT_FILE);
	else
		snprintf(file, sizeof(file), "%s", path);
	root = json_load_file(file, 0, &jerr);
	if (!root)
		return lr_fail(err, LR_ERR, "show: %s:%d: %s", file, jerr.line, jerr.text);
	if (strcmp(str(root, "schema"), LR_RESULT_SCHEMA)) {
		lr_fail(err, LR_ERR, "show: %s: not an %s document (schema is '%s')", file,
			LR_RESULT_SCHEMA, str(root, "schema"));
		json_decref(root);
		return LR_ERR;
	}
	v = (int)num(root, "format_version");
	if (v < 1 || v > LR_RESULT_FORMAT_VERSION) {
		json_decref(root);
		return lr_fail(err, LR_ERR,
			       "show: %s: format_version %d, this lrbench reads 1 to %d", file, v,
			       LR_RESULT_FORMAT_VERSION);
	}
	if (json) {
		json_t *doc = lr_show_doc(root, path);
		int rc = !doc || json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));

		fprintf(out, "\n");
		json_decref(doc);
		json_decref(root);
		return rc ? lr_fail(err, LR_ERR, "show: cannot write the JSON document") : LR_OK;
	}
	lr_show_json(root, out);
	json_decref(root);
	return LR_OK;
}
