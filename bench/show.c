/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sys/stat.h>

#include "results.h"
#include "show.h"

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
	fprintf(out, "\n  %-24s %-13s %6s %10s %10s %10s %10s %10s %10s  %-6s  %s\n", "metric",
		"unit", "n", "min", "p50", "p99", "max", "mean", "stddev", "better", "per rep");
	json_array_foreach(metrics, i, m)
	{
		json_t *s = json_object_get(m, "summary"), *pr = json_object_get(m, "per_rep"), *v;
		char cols[6][32];
		const char *keys[6] = {"min", "p50", "p99", "max", "mean", "stddev"};
		size_t k;

		for (k = 0; k < 6; k++)
			fmt_num(cols[k], sizeof(cols[k]), json_object_get(s, keys[k]));
		fprintf(out, "  %-24s %-13s %6d %10s %10s %10s %10s %10s %10s  %-6s ",
			str(m, "name"), str(m, "unit"), (int)num(s, "n"), cols[0], cols[1], cols[2],
			cols[3], cols[4], cols[5], str(m, "direction"));
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

int lr_show_path(const char *path, FILE *out, struct lr_err *err)
{
	char file[PATH_MAX];
	struct stat st;
	json_error_t jerr;
	json_t *root;

	if (stat(path, &st))
		return lr_fail(err, LR_ERR, "show: %s: no such file or directory", path);
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/%s", path, LR_RESULT_FILE);
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
	if (num(root, "format_version") != LR_RESULT_FORMAT_VERSION) {
		int v = (int)num(root, "format_version");

		json_decref(root);
		return lr_fail(err, LR_ERR, "show: %s: format_version %d, this lrbench reads %d",
			       file, v, LR_RESULT_FORMAT_VERSION);
	}
	lr_show_json(root, out);
	json_decref(root);
	return LR_OK;
}
