/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ktrace.h"

const char *const lr_kt_type_names[LR_KT_TYPES] = {
    [LR_KT_PREEMPT_REQUEST] = "vlr_preempt_request",
    [LR_KT_QUEUE_OFF] = "vlr_queue_off",
    [LR_KT_RESTORE_REQUEST] = "vlr_restore_request",
    [LR_KT_RESTORE_BEGIN] = "vlr_restore_begin",
    [LR_KT_RESTORE_END] = "vlr_restore_end",
    [LR_KT_COPY_QUEUED] = "vlr_copy_queued",
    [LR_KT_COPY_RUN] = "vlr_copy_run",
    [LR_KT_COPY_DONE] = "vlr_copy_done",
    [LR_KT_QUEUE_RESUMED] = "vlr_queue_resumed",
    [LR_KT_QUEUE_RUN] = "vlr_queue_run",
};

void lr_kt_parse_init(struct lr_kt_parse *p)
{
	memset(p, 0, sizeof(*p));
}

void lr_kt_parse_free(struct lr_kt_parse *p)
{
	free(p->ev);
	lr_kt_parse_init(p);
}

uint64_t lr_kt_parse_lost(const struct lr_kt_parse *p)
{
	uint64_t lost = p->lost;

	if (p->have_entries && p->entries_written > p->entries_in_buffer)
		lost += p->entries_written - p->entries_in_buffer;
	/* a LOST line without a count still means something was lost */
	if (p->lost_markers && !lost)
		lost = p->lost_markers;
	return lost;
}

/* Unsigned decimal at *s; advances *s. false when there is no digit. */
static bool get_u64(const char **s, const char *end, uint64_t *v)
{
	const char *q = *s;
	uint64_t x = 0;

	if (q >= end || !isdigit((unsigned char)*q))
		return false;
	while (q < end && isdigit((unsigned char)*q)) {
		uint64_t d = (uint64_t)(*q - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
		q++;
	}
	*s = q;
	*v = x;
	return true;
}

/* "SECS.FRAC" (up to 9 fraction digits) in ns. */
static bool get_ts(const char **s, const char *end, uint64_t *ns)
{
	const char *q = *s;
	uint64_t sec, frac = 0;
	unsigned digits = 0;

	if (!get_u64(&q, end, &sec) || q >= end || *q != '.')
		return false;
	q++;
	while (q < end && isdigit((unsigned char)*q)) {
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(*q - '0');
			digits++;
		}
		q++;
	}
	if (!digits || sec > UINT64_MAX / 1000000000u - 1)
		return false;
	while (digits++ < 9)
		frac *= 10;
	*s = q;
	*ns = sec * 1000000000u + frac;
	return true;
}

/* The value of " key=" in args [a, end): pointer to it, NULL when absent. */
static const char *arg(const char *a, const char *end, const char *key)
{
	size_t k = strlen(key);

	for (const char *q = a; q + k < end; q++)
		if ((q == a || q[-1] == ' ') && !memcmp(q, key, k) && q[k] == '=')
			return q + k + 1;
	return NULL;
}

static bool arg_u64(const char *a, const char *end, const char *key, uint64_t *v)
{
	const char *q = arg(a, end, key);

	return q && get_u64(&q, end, v) && (q == end || *q == ' ');
}

static bool arg_u32(const char *a, const char *end, const char *key, uint32_t *v)
{
	uint64_t x;

	if (!arg_u64(a, end, key, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

static bool arg_s32(const char *a, const char *end, const char *key, int32_t *v)
{
	const char *q = arg(a, end, key);
	bool neg = q && q < end && *q == '-';
	uint64_t x;

	if (!q)
		return false;
	if (neg)
		q++;
	if (!get_u64(&q, end, &x) || (q != end && *q != ' ') || x > 0x80000000u ||
	    (!neg && x > 0x7fffffffu))
		return false;
	*v = neg ? (int32_t)(-(int64_t)x) : (int32_t)x;
	return true;
}

static bool arg_copy(const char *a, const char *end, struct lr_kt_event *e)
{
	const char *q = arg(a, end, "copy");

	return q && get_u64(&q, end, &e->copy_ctx) && q < end && *q++ == ':' &&
	       get_u64(&q, end, &e->copy_seq) && (q == end || *q == ' ');
}

static bool arg_kind(const char *a, const char *end, uint8_t *kind)
{
	static const char *const names[] = {"evict", "to_vram", "move", "clear"};
	const char *q = arg(a, end, "kind");
	size_t n;

	if (!q)
		return false;
	n = strcspn(q, " \n");
	if (q + n > end)
		n = (size_t)(end - q);
	if (!n)
		return false;
	*kind = LR_KT_KIND_OTHER;
	for (unsigned i = 0; i < 4; i++)
		if (strlen(names[i]) == n && !memcmp(q, names[i], n))
			*kind = (uint8_t)i;
	return true;
}

/* The fields of one event type from its arguments. */
static bool parse_args(struct lr_kt_event *e, const char *a, const char *end)
{
	bool ok = true;

	switch (e->type) {
	case LR_KT_PREEMPT_REQUEST:
	case LR_KT_QUEUE_OFF:
	case LR_KT_QUEUE_RESUMED:
		return arg_u64(a, end, "client", &e->client) && arg_u32(a, end, "vm", &e->vm) &&
		       arg_u32(a, end, "queue", &e->queue);
	case LR_KT_QUEUE_RUN:
		return arg_u64(a, end, "client", &e->client) && arg_u32(a, end, "vm", &e->vm) &&
		       arg_u32(a, end, "queue", &e->queue) && arg_u64(a, end, "restore_ns", &e->ns);
	case LR_KT_RESTORE_REQUEST:
	case LR_KT_RESTORE_BEGIN:
		return arg_u64(a, end, "client", &e->client) && arg_u32(a, end, "vm", &e->vm);
	case LR_KT_RESTORE_END:
		return arg_u64(a, end, "client", &e->client) && arg_u32(a, end, "vm", &e->vm) &&
		       arg_u64(a, end, "bytes", &e->bytes) &&
		       arg_u32(a, end, "queues", &e->queues) && arg_s32(a, end, "ret", &e->ret);
	case LR_KT_COPY_QUEUED:
		return arg_copy(a, end, e) && arg_u64(a, end, "bytes", &e->bytes) &&
		       arg_kind(a, end, &e->kind) && arg_u64(a, end, "client", &e->client) &&
		       arg_u32(a, end, "vm", &e->vm);
	case LR_KT_COPY_RUN:
		return arg_copy(a, end, e);
	case LR_KT_COPY_DONE:
		return arg_copy(a, end, e) && arg_u64(a, end, "busy_ns", &e->ns) &&
		       arg_s32(a, end, "error", &e->ret);
	default:
		ok = false;
	}
	return ok;
}

static void malformed(struct lr_kt_parse *p, const char *line, size_t len)
{
	if (!p->malformed++)
		snprintf(p->first_malformed, sizeof(p->first_malformed), "%.*s",
			 (int)(len < 120 ? len : 120), line);
}

static int push(struct lr_kt_parse *p, const struct lr_kt_event *e)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct lr_kt_event *v = realloc(p->ev, cap * sizeof(*v));

		if (!v) {
			p->oom = true;
			return -1;
		}
		p->ev = v;
		p->cap = cap;
	}
	p->ev[p->n++] = *e;
	return 0;
}

/* "# entries-in-buffer/entries-written: 1314/1314   #P:1" */
static void header_line(struct lr_kt_parse *p, const char *s, const char *end)
{
	static const char key[] = "entries-in-buffer/entries-written:";
	const char *q = s;
	uint64_t a, b;

	for (; q + sizeof(key) - 1 <= end; q++)
		if (!memcmp(q, key, sizeof(key) - 1))
			break;
	if (q + sizeof(key) - 1 > end)
		return;
	q += sizeof(key) - 1;
	while (q < end && *q == ' ')
		q++;
	if (get_u64(&q, end, &a) && q < end && *q++ == '/' && get_u64(&q, end, &b)) {
		p->have_entries = true;
		p->entries_in_buffer = a;
		p->entries_written = b;
	}
}

/* "CPU:0 [LOST 123 EVENTS]" (or without a count on some kernels) */
static bool lost_line(struct lr_kt_parse *p, const char *s, const char *end)
{
	for (const char *q = s; q + 5 <= end; q++)
		if (!memcmp(q, "[LOST", 5)) {
			uint64_t n = 0;

			q += 5;
			while (q < end && *q == ' ')
				q++;
			if (get_u64(&q, end, &n))
				p->lost += n;
			p->lost_markers++;
			return true;
		}
	return false;
}

void lr_kt_parse_line(struct lr_kt_parse *p, const char *line, size_t len)
{
	const char *end = line + len, *s = line, *q, *name, *a;
	struct lr_kt_event e = {0};
	size_t nlen;
	int type = -1;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == s)
		return;
	p->lines++;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end)
		return;
	if (*s == '#') {
		header_line(p, s, end);
		return;
	}
	if (lost_line(p, s, end))
		return;
	/* "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: ARGS": the CPU field is the
	 * first " [digits]"; TASK may hold spaces and dashes, PID is the
	 * digits after the last '-' before it */
	for (q = s; q < end; q++)
		if (*q == '[' && q > s && q[-1] == ' ' && q + 1 < end &&
		    isdigit((unsigned char)q[1]))
			break;
	if (q == end) /* "##### CPU 1 buffer started ####" and the like */
		goto bad_unknown;
	{
		const char *t = q;
		uint64_t pid = 0;

		while (t > s && t[-1] == ' ')
			t--;
		const char *d = t;
		while (d > s && isdigit((unsigned char)d[-1]))
			d--;
		if (d == t || d == s || d[-1] != '-' || !get_u64(&d, t, &pid) || pid > UINT32_MAX)
			goto bad_unknown;
		e.pid = (uint32_t)pid;
	}
	q = memchr(q, ']', (size_t)(end - q));
	if (!q)
		goto bad_unknown;
	q++;
	/* the timestamp: the first token "digits.digits:" after the CPU field
	 * (the flags column, when present, comes before it) */
	for (;;) {
		const char *t;

		while (q < end && *q == ' ')
			q++;
		if (q == end)
			goto bad_unknown;
		t = q;
		if (get_ts(&t, end, &e.t_ns) && t < end && *t == ':') {
			q = t + 1;
			break;
		}
		while (q < end && *q != ' ')
			q++;
	}
	while (q < end && *q == ' ')
		q++;
	name = q;
	while (q < end && *q != ':' && *q != ' ')
		q++;
	nlen = (size_t)(q - name);
	if (q == end || *q != ':' || !nlen)
		goto bad_unknown;
	a = q + 1;
	while (a < end && *a == ' ')
		a++;
	for (unsigned i = 0; i < LR_KT_TYPES; i++)
		if (strlen(lr_kt_type_names[i]) == nlen && !memcmp(name, lr_kt_type_names[i], nlen))
			type = (int)i;
	if (type < 0) {
		p->unknown_events++;
		return;
	}
	e.type = (uint8_t)type;
	if (!parse_args(&e, a, end)) {
		malformed(p, line, (size_t)(end - line));
		return;
	}
	push(p, &e);
	return;

bad_unknown:
	/* not an event line we can read: if it names a vlr event, that event
	 * is lost to the breakdown */
	for (unsigned i = 0; i < LR_KT_TYPES; i++) {
		const char *n = lr_kt_type_names[i];

		for (const char *t = s; t + strlen(n) <= end; t++)
			if (!memcmp(t, n, strlen(n))) {
				malformed(p, line, (size_t)(end - line));
				return;
			}
	}
	p->unknown_events++;
}

void lr_kt_parse_text(struct lr_kt_parse *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		lr_kt_parse_line(p, s, n);
		s += n + (nl ? 1 : 0);
	}
}

/* ---- tracefs control ---- */

/* Like the shell's "echo VAL > FILE" (O_TRUNC: on `trace` it clears the buffer). */
static int write_file(const char *dir, const char *name, const char *val)
{
	char path[512];
	int fd;
	ssize_t w;
	size_t len = strlen(val);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	w = len ? write(fd, val, len) : 0;
	if (w < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	close(fd);
	return (size_t)w == len ? 0 : -EIO;
}

/* Whole file into a malloc'd NUL-terminated buffer. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Sum of "overrun", "commit overrun" and "dropped events" of every CPU. */
static uint64_t lost_events(const char *dir)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	uint64_t sum = 0;

	snprintf(path, sizeof(path), "%s/per_cpu", dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char f[800], *text, *line, *save = NULL;

		if (strncmp(de->d_name, "cpu", 3))
			continue;
		snprintf(f, sizeof(f), "%s/%s/stats", path, de->d_name);
		text = read_file(f, NULL);
		if (!text)
			continue;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long v;

			if (sscanf(line, "overrun: %llu", &v) == 1 ||
			    sscanf(line, "commit overrun: %llu", &v) == 1 ||
			    sscanf(line, "dropped events: %llu", &v) == 1)
				sum += v;
		}
		free(text);
	}
	closedir(d);
	return sum;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int __attribute__((format(printf, 3, 4)))
not_measured(struct lr_ktrace *kt, int e, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e)
		snprintf(kt->why, sizeof(kt->why), "%s: %s", msg, strerror(e));
	else
		snprintf(kt->why, sizeof(kt->why), "%s", msg);
	return -1;
}

int lr_ktrace_open(struct lr_ktrace *kt, const char *root, unsigned buffer_kb)
{
	char path[600], val[32];
	const char *env = getenv("LRBENCH_TRACEFS");
	int rc;

	memset(kt, 0, sizeof(*kt));
	snprintf(kt->root, sizeof(kt->root), "%s",
		 root ? root : (env && *env ? env : "/sys/kernel/tracing"));
	snprintf(path, sizeof(path), "%s/instances", kt->root);
	if (!is_dir(path)) {
		/* not mounted yet (a minimal init, UML): mount it ourselves */
		if (mount("nodev", kt->root, "tracefs", 0, NULL))
			return not_measured(kt, errno,
					    "tracefs: %.200s/instances missing and mounting failed",
					    kt->root);
		kt->mounted = true;
		if (!is_dir(path)) {
			lr_ktrace_close(kt);
			return not_measured(kt, 0, "tracefs: no %.200s/instances", kt->root);
		}
	}
	snprintf(path, sizeof(path), "%s/events/vlr", kt->root);
	if (!is_dir(path)) {
		lr_ktrace_close(kt);
		return not_measured(kt, 0,
				    "the kernel has no vlr tracepoints (%.200s/events/vlr missing: "
				    "an older series or another driver)",
				    kt->root);
	}
	snprintf(kt->dir, sizeof(kt->dir), "%.200s/instances/lrbench-%ld", kt->root,
		 (long)getpid());
	if (mkdir(kt->dir, 0750) && errno != EEXIST) {
		int e = errno;

		kt->dir[0] = '\0';
		lr_ktrace_close(kt);
		return not_measured(kt, e, "tracefs: cannot create an instance in %.200s/instances",
				    kt->root);
	}
	snprintf(val, sizeof(val), "%u", buffer_kb);
	if ((rc = write_file(kt->dir, "tracing_on", "0")) ||
	    (rc = write_file(kt->dir, "trace_clock", "mono")) ||
	    (rc = write_file(kt->dir, "buffer_size_kb", val)) ||
	    (rc = write_file(kt->dir, "events/vlr/enable", "1"))) {
		lr_ktrace_close(kt);
		return not_measured(kt, -rc, "tracefs: setting up the instance in %.200s failed",
				    kt->root);
	}
	kt->active = true;
	return 0;
}

int lr_ktrace_start(struct lr_ktrace *kt)
{
	int rc;

	if (!kt->active)
		return -1;
	if ((rc = write_file(kt->dir, "tracing_on", "0")) ||
	    (rc = write_file(kt->dir, "trace", ""))) {
		snprintf(kt->why, sizeof(kt->why), "tracefs: clearing %.200s/trace: %s", kt->dir,
			 strerror(-rc));
		return -1;
	}
	kt->base_lost = lost_events(kt->dir);
	if ((rc = write_file(kt->dir, "tracing_on", "1"))) {
		snprintf(kt->why, sizeof(kt->why), "tracefs: %.200s/tracing_on: %s", kt->dir,
			 strerror(-rc));
		return -1;
	}
	/* a restore requested before this is not broken down */
	kt->start_ns = mono_ns();
	return 0;
}

int lr_ktrace_stop(struct lr_ktrace *kt, struct lr_kt_parse *p, uint64_t *lost)
{
	char path[600];
	size_t len;
	char *text;
	uint64_t l;
	int rc;

	*lost = 0;
	if (!kt->active)
		return -1;
	if ((rc = write_file(kt->dir, "tracing_on", "0"))) {
		snprintf(kt->why, sizeof(kt->why), "tracefs: %.200s/tracing_on: %s", kt->dir,
			 strerror(-rc));
		return -1;
	}
	l = lost_events(kt->dir);
	*lost = l > kt->base_lost ? l - kt->base_lost : 0;
	snprintf(path, sizeof(path), "%s/trace", kt->dir);
	text = read_file(path, &len);
	if (!text) {
		snprintf(kt->why, sizeof(kt->why), "tracefs: reading %.200s: %s", path,
			 strerror(errno));
		return -1;
	}
	lr_kt_parse_text(p, text, len);
	free(text);
	return 0;
}

void lr_ktrace_close(struct lr_ktrace *kt)
{
	if (kt->dir[0]) {
		write_file(kt->dir, "tracing_on", "0");
		write_file(kt->dir, "events/vlr/enable", "0");
		rmdir(kt->dir);
		kt->dir[0] = '\0';
	}
	if (kt->mounted) {
		umount(kt->root);
		kt->mounted = false;
	}
	kt->active = false;
}
