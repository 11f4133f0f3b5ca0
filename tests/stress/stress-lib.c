// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stress-lib.h"

static int read_raw(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int knob_get(const char *path, long long *v)
{
	char buf[64], *end;
	int ret = read_raw(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int knob_set(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	int ret = 0;

	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "knob %s: open: %s\n", path, strerror(-ret));
		return ret;
	}
	if (write(fd, val, len) != (ssize_t)len) {
		ret = -errno;
		fprintf(stderr, "knob %s: write '%s': %s\n", path, val, strerror(-ret));
	}
	close(fd);
	return ret;
}

int knob_set_ll(const char *path, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return knob_set(path, buf);
}

bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

static int attr_set(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return knob_set(path, val);
}

int fault_arm(const char *dir, long long times, bool task_filter)
{
	char t[32], path[256];
	int ret;

	snprintf(t, sizeof(t), "%lld", times);
	/* Probability last: the point is quiet until everything else is set. */
	if ((ret = attr_set(dir, "probability", "0")) || (ret = attr_set(dir, "verbose", "0")) ||
	    (ret = attr_set(dir, "space", "0")) || (ret = attr_set(dir, "interval", "1")) ||
	    (ret = attr_set(dir, "times", t)))
		return ret;
	/* task-filter: only tasks with /proc/<pid>/make-it-fail set see the faults. */
	snprintf(path, sizeof(path), "%s/task-filter", dir);
	if (path_exists(path) && (ret = knob_set(path, task_filter ? "Y" : "N")))
		return ret;
	return attr_set(dir, "probability", "100");
}

int fault_disarm(const char *dir)
{
	int ret = attr_set(dir, "probability", "0");

	return ret ? ret : attr_set(dir, "times", "0");
}

int fault_left(const char *dir, long long *left)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/times", dir);
	return knob_get(path, left);
}

int vlr_param_get(const char *name, long long *v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", VLR_PARAM_DIR, name);
	return knob_get(path, v);
}

int vlr_param_set(const char *name, long long v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", VLR_PARAM_DIR, name);
	return knob_set_ll(path, v);
}

/* ---- saving and restoring every knob the tools touch ---- */
static const char *const fault_dirs[] = {
    VLR_FAULT_DIR "/fail_copy",
    VLR_FAULT_DIR "/fail_restore",
    VLR_FAULT_DIR "/fail_preempt",
    FAILSLAB_DIR,
    FAIL_PAGE_DIR,
};
static const char *const fault_files[] = {
    "interval",		  "times",     "space",	      "verbose", "task-filter", "ignore-gfp-wait",
    "ignore-gfp-highmem", "min-order", "probability", /* probability last */
};
static const char *const params[] = {
    "preempt_timeout_ms", "copy_delay_us", "min_run_us", "max_restore_retries", "restore_ban_ms",
};

int knobs_save(const char *file)
{
	char path[256], val[64];
	FILE *f;

	if (path_exists(file))
		return 0;
	f = fopen(file, "w");
	if (!f) {
		fprintf(stderr, "knobs: save to %s: %s\n", file, strerror(errno));
		return -errno;
	}
	for (size_t d = 0; d < sizeof(fault_dirs) / sizeof(fault_dirs[0]); d++)
		for (size_t i = 0; i < sizeof(fault_files) / sizeof(fault_files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", fault_dirs[d], fault_files[i]);
			if (!read_raw(path, val, sizeof(val)))
				fprintf(f, "%s %s\n", path, val);
		}
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", VLR_PARAM_DIR, params[i]);
		if (!read_raw(path, val, sizeof(val)))
			fprintf(f, "%s %s\n", path, val);
	}
	return fclose(f) ? -errno : 0;
}

int knobs_restore(const char *file)
{
	char line[512], path[256];
	int ret = 0;
	FILE *f;

	/* First silence every fault point, whatever the file says. */
	for (size_t d = 0; d < sizeof(fault_dirs) / sizeof(fault_dirs[0]); d++) {
		snprintf(path, sizeof(path), "%s/probability", fault_dirs[d]);
		if (path_exists(path) && knob_set(path, "0"))
			ret = -EIO;
	}
	f = fopen(file, "r");
	if (!f)
		return errno == ENOENT ? ret : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = 0;
		sp[strcspn(sp + 1, "\n") + 1] = 0;
		if (knob_set(line, sp + 1))
			ret = -EIO;
	}
	fclose(f);
	return ret;
}

/* ---- JSON ---- */
static void jw_key(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			fputc(',', w->f);
		w->first[w->depth] = false;
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	}
	if (key)
		fprintf(w->f, "\"%s\": ", key);
}

void jw_begin(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->depth++;
	w->first[w->depth] = true;
	w->close[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj(struct jw *w, const char *key)
{
	jw_open(w, key, '{');
}

void jw_arr(struct jw *w, const char *key)
{
	jw_open(w, key, '[');
}

void jw_end(struct jw *w)
{
	char c = w->close[w->depth];
	bool empty = w->first[w->depth];

	w->depth--;
	if (!empty)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(c, w->f);
}

void jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	fputc('"', w->f);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->f, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			fprintf(w->f, "\\u%04x", *p);
		else
			fputc(*p, w->f);
	}
	fputc('"', w->f);
}

void jw_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", v);
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jw_num(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.6g", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

FILE *json_open(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "json: %s: %s\n", tmp, strerror(errno));
	return f;
}

int json_commit(FILE *f, const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fputc('\n', f);
	if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "json: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
