// SPDX-License-Identifier: MIT
/*
 * vlr-fuzz: structure-aware fuzzer of the vlr render node (see
 * tests/fuzz/README.md). A supervisor forks --procs worker processes, each
 * with --files open render nodes shared by --threads threads that make
 * mostly valid calls over every vlr ioctl (fuzz-ops.c). The supervisor
 * kills some workers with SIGKILL while they have work in flight, respawns
 * them, and watches every call through shared memory: an ioctl that does not
 * return within --hang-timeout, or a dying child that is not reaped within
 * --reap-timeout, is a failure reported with the seed and the last calls of
 * every thread.
 *
 * Exit: 0 clean, 1 failure found, 2 usage, 77 no vlr device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "vlr_ioctl.h"

#define EXIT_FAIL   1
#define EXIT_USAGE  2
#define EXIT_SKIP   77
#define EXIT_NOFILE 3 /* a worker could not open the render node */

struct fz_opts fz_opts = {
    .threads = 4,
    .procs = 2,
    .files = 2,
    .max_bo_size = 16ull << 20,
    .max_total = 48ull << 20,
    .garbage_pct = 7,
    .kill_pct = 30,
    .close_permille = 3,
    .hang_s = 30,
    .reap_s = 30,
    .wait_slack_s = 5,
    .leak_limit = 64ull << 20,
    .mode = -1,
};
struct fz_shm *fz_shm;
static char **fz_argv;
static int fz_argc;
static bool seed_given;

/* ---- options: a table (name, type, where, bounds, help) ---- */
enum otype { OT_U64, OT_UINT, OT_DBL, OT_SIZE, OT_STR, OT_MODE, OT_FLAG };
struct fz_opt {
	const char *name;
	enum otype type;
	void *ptr;
	double min, max;
	const char *help;
};
static const struct fz_opt opts[] = {
    {"seed", OT_U64, &fz_opts.seed, 0, 0, "seed of the whole run (default: from the clock)"},
    {"calls", OT_U64, &fz_opts.calls, 0, 1e12, "calls per thread slot (0: no limit)"},
    {"time", OT_DBL, &fz_opts.time_s, 0, 1e6, "seconds to run (default 20 without --calls)"},
    {"threads", OT_UINT, &fz_opts.threads, 1, FZ_MAX_THREADS, "threads per process"},
    {"procs", OT_UINT, &fz_opts.procs, 1, FZ_MAX_PROCS, "worker processes"},
    {"files", OT_UINT, &fz_opts.files, 1, FZ_MAX_FILES, "render-node files per process"},
    {"max-bo-size", OT_SIZE, &fz_opts.max_bo_size, 4096, 1 << 30, "largest BO (K/M/G)"},
    {"max-total", OT_SIZE, &fz_opts.max_total, 4096, 1ull << 40,
     "BO bytes a process creates at most"},
    {"garbage", OT_UINT, &fz_opts.garbage_pct, 0, 100, "percent of calls with a mutated argument"},
    {"kill", OT_UINT, &fz_opts.kill_pct, 0, 100, "percent of process lives ended by SIGKILL"},
    {"close", OT_UINT, &fz_opts.close_permille, 0, 1000, "file closes per 1000 calls"},
    {"hang-timeout", OT_DBL, &fz_opts.hang_s, 1, 3600, "an ioctl not back after S s: failure"},
    {"reap-timeout", OT_DBL, &fz_opts.reap_s, 1, 3600,
     "a dying process not gone after S s: failure"},
    {"wait-slack", OT_DBL, &fz_opts.wait_slack_s, 0, 3600,
     "WAIT_UFENCE may return this late past its timeout"},
    {"leak-limit", OT_SIZE, &fz_opts.leak_limit, 0, 1ull << 40,
     "MemAvailable lost after every process is gone: failure (0: off)"},
    {"mode", OT_MODE, &fz_opts.mode, 0, 0, "preempt-fence | open-coded | both (halves)"},
    {"json", OT_STR, &fz_opts.json, 0, 0, "write the figures to FILE"},
    {"verbose", OT_FLAG, &fz_opts.verbose, 0, 0, "print every process start and end"},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: vlr-fuzz [--OPTION VALUE]... | --list | --help\n"
		     "Structure-aware fuzzer of the vlr render node: mostly valid ioctls over\n"
		     "what each file holds (BOs, VMs, mappings, queues, syncobjs, mmaps,\n"
		     "dma-bufs), ~garbage%% with one mutated argument, threads sharing files,\n"
		     "processes killed with work in flight.\n\n");
	for (unsigned int i = 0; i < NOPTS; i++) {
		const struct fz_opt *o = &opts[i];

		fprintf(out, "  --%-14s %s", o->name, o->help);
		switch (o->type) {
		case OT_UINT:
			fprintf(out, " [%u]", *(unsigned int *)o->ptr);
			break;
		case OT_DBL:
			fprintf(out, " [%g]", *(double *)o->ptr);
			break;
		case OT_SIZE:
			fprintf(out, " [%" PRIu64 "M]", *(uint64_t *)o->ptr >> 20);
			break;
		case OT_MODE:
			fprintf(out, " [both]");
			break;
		default:
			break;
		}
		fputc('\n', out);
	}
	fprintf(out, "\nDeterminism: the same seed and options give every thread slot the same\n"
		     "sub-seed per process life, so a single-threaded run (--threads 1 --procs 1\n"
		     "--kill 0 --close 0) replays the same calls while the kernel answers the\n"
		     "same. With several threads or processes the interleaving (and so the\n"
		     "results each thread sees, and the calls that follow) differs run to run;\n"
		     "the seed still reproduces the same mix of calls and usually the bug.\n\n"
		     "Exit: 0 clean, 1 failure (invariant, unexpected errno, hung call, a\n"
		     "process that does not die), 2 usage, 77 no vlr render node.\n");
}

static uint64_t parse_size(const char *s, bool *ok)
{
	char *end;
	double v = strtod(s, &end);

	switch (*end) {
	case 'k':
	case 'K':
		v *= 1024, end++;
		break;
	case 'm':
	case 'M':
		v *= 1 << 20, end++;
		break;
	case 'g':
	case 'G':
		v *= 1 << 30, end++;
		break;
	}
	*ok = end != s && !*end && v >= 0;
	return (uint64_t)v;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct fz_opt *o = NULL;
		bool ok = true;
		double v = 0;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(a, "--list")) {
			for (unsigned int k = 0; k < fz_nops; k++)
				printf("%s\t%u\n", fz_ops[k].name, fz_ops[k].weight);
			exit(0);
		}
		if (strncmp(a, "--", 2))
			goto bad;
		for (unsigned int k = 0; k < NOPTS; k++)
			if (!strcmp(a + 2, opts[k].name))
				o = &opts[k];
		if (!o)
			goto bad;
		if (o->type == OT_FLAG) {
			*(bool *)o->ptr = true;
			continue;
		}
		if (++i >= argc) {
			fprintf(stderr, "vlr-fuzz: %s needs a value\n", a);
			return -1;
		}
		const char *s = argv[i];
		char *end = NULL;

		switch (o->type) {
		case OT_U64:
			*(uint64_t *)o->ptr = strtoull(s, &end, 0);
			ok = end != s && !*end;
			v = *(uint64_t *)o->ptr;
			if (o->ptr == &fz_opts.seed)
				seed_given = true;
			break;
		case OT_UINT:
			v = strtod(s, &end);
			ok = end != s && !*end;
			*(unsigned int *)o->ptr = (unsigned int)v;
			break;
		case OT_DBL:
			v = strtod(s, &end);
			ok = end != s && !*end;
			*(double *)o->ptr = v;
			break;
		case OT_SIZE:
			*(uint64_t *)o->ptr = parse_size(s, &ok);
			v = *(uint64_t *)o->ptr;
			break;
		case OT_STR:
			*(const char **)o->ptr = s;
			break;
		case OT_MODE:
			if (!strcmp(s, "preempt-fence"))
				fz_opts.mode = DRM_VLR_MODE_PREEMPT_FENCE;
			else if (!strcmp(s, "open-coded"))
				fz_opts.mode = DRM_VLR_MODE_OPEN_CODED;
			else if (!strcmp(s, "both"))
				fz_opts.mode = -1;
			else
				ok = false;
			break;
		default:
			break;
		}
		if (ok && (o->type == OT_UINT || o->type == OT_DBL || o->type == OT_SIZE ||
			   (o->type == OT_U64 && o->max)))
			ok = v >= o->min && v <= o->max;
		if (!ok) {
			fprintf(stderr, "vlr-fuzz: bad value '%s' for %s\n", s, a);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, "vlr-fuzz: unknown argument '%s' (see --help)\n", a);
		return -1;
	}
	if (!fz_opts.calls && !fz_opts.time_s)
		fz_opts.time_s = 20;
	return 0;
}

/* ---- randomness: splitmix64, one state per thread ---- */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t s = a ^ splitmix(&b);

	return splitmix(&s);
}

uint64_t fz_rand(struct fz_thread *t)
{
	return splitmix(&t->rng);
}

uint64_t fz_below(struct fz_thread *t, uint64_t n)
{
	return n ? fz_rand(t) % n : 0;
}

bool fz_chance(struct fz_thread *t, unsigned int pct)
{
	return fz_below(t, 100) < pct;
}

uint64_t fz_now_ns(void)
{
	return vlr_now_ns();
}

static double now_s(void)
{
	return fz_now_ns() / 1e9;
}

/* ---- the call ring ---- */
void fz_begin(struct fz_thread *t, unsigned int op)
{
	t->shm->cur_op = op;
	__atomic_store_n(&t->shm->cur_start_ns, fz_now_ns(), __ATOMIC_RELEASE);
}

void fz_end(struct fz_thread *t, unsigned int op, int ret)
{
	struct fz_thread_shm *s = t->shm;
	struct fz_call *c = &s->ring[s->ring_pos % FZ_RING];

	c->t_ns = fz_now_ns();
	c->op = op;
	c->garbage = t->mutated;
	c->file = t->fidx;
	c->ret = ret;
	snprintf(c->args, sizeof(c->args), "%s", t->note);
	__atomic_store_n(&s->ring_pos, s->ring_pos + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&s->cur_start_ns, 0, __ATOMIC_RELEASE);
	s->ncalls++;
	__atomic_fetch_add(&fz_shm->calls[op], 1, __ATOMIC_RELAXED);
	if (ret < 0 && -ret < FZ_NERR)
		__atomic_fetch_add(&fz_shm->errs[op][-ret], 1, __ATOMIC_RELAXED);
}

void fz_record(struct fz_thread *t, unsigned int op, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->note, sizeof(t->note), fmt, ap);
	va_end(ap);
	t->mutated = false;
	fz_end(t, op, ret);
}

void fz_fail(struct fz_thread *t, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&fz_shm->failed, 1, __ATOMIC_SEQ_CST)) {
		if (t)
			snprintf(fz_shm->fail_msg, sizeof(fz_shm->fail_msg), "p%u.g%u t%u: %s",
				 t->p->slot, t->p->gen, t->idx, msg);
		else
			snprintf(fz_shm->fail_msg, sizeof(fz_shm->fail_msg), "%s", msg);
	}
	if (t)
		_exit(EXIT_FAIL); /* the supervisor prints the rings */
}

/* ---- worker process ---- */
static void *thread_main(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_proc *p = t->p;
	unsigned int total = 0;

	t->shm->tid = gettid();
	t->shm->gen = p->gen;
	for (unsigned int i = 0; i < fz_nops; i++)
		total += fz_ops[i].weight;
	while (!fz_shm->stop && t->budget && t->shm->ncalls < t->limit) {
		for (int tries = 0; tries < 8; tries++) {
			unsigned int op = 0, w;
			struct fz_file *f = &p->file[fz_below(t, p->nfiles)];
			int ret;

			if (fz_below(t, 1000) < fz_opts.close_permille) {
				op = fz_op_index("file-close");
			} else {
				w = fz_below(t, total);
				while (w >= fz_ops[op].weight)
					w -= fz_ops[op++].weight;
			}
			t->fidx = f->idx;
			t->garbage = fz_chance(t, fz_opts.garbage_pct);
			t->note[0] = 0;
			if (fz_ops[op].own_lock) {
				ret = fz_ops[op].fn(t, f);
			} else {
				pthread_rwlock_rdlock(&f->rw);
				ret = f->fd < 0 ? FZ_SKIP : fz_ops[op].fn(t, f);
				pthread_rwlock_unlock(&f->rw);
			}
			if (ret != FZ_SKIP)
				break;
		}
		t->budget--;
	}
	return NULL;
}

static void set_oom_score(int v)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "w");

	if (f) {
		fprintf(f, "%d\n", v);
		fclose(f);
	}
}

static void worker(unsigned int slot, unsigned int gen, int mode, const uint64_t *left)
{
	struct fz_proc *p = calloc(1, sizeof(*p));
	struct fz_thread *t = calloc(fz_opts.threads, sizeof(*t));
	pthread_t th[FZ_MAX_THREADS];
	uint32_t st[FZ_NSTATE];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	set_oom_score(500); /* the OOM killer takes workers before the supervisor */
	if (!p || !t)
		_exit(EXIT_NOFILE);
	p->slot = slot;
	p->gen = gen;
	p->mode = mode;
	p->nfiles = fz_opts.files;
	pthread_mutex_init(&p->dmu, NULL);
	for (unsigned int i = 0; i < p->nfiles; i++) {
		struct fz_file *f = &p->file[i];

		f->idx = i;
		f->fd = vlr_open_render();
		if (f->fd < 0)
			_exit(EXIT_NOFILE);
		pthread_rwlock_init(&f->rw, NULL);
		pthread_mutex_init(&f->mu, NULL);
	}
	for (unsigned int i = 0; i < fz_opts.threads; i++) {
		uint64_t s = mix(fz_opts.seed, (uint64_t)slot << 40 | (uint64_t)gen << 8 | i);

		t[i].p = p;
		t[i].idx = i;
		t[i].rng = s;
		t[i].shm = &fz_shm->thr[slot][i];
		t[i].shm->sub_seed = s;
		/* A life of 100..2000 calls per thread, within what is left. */
		t[i].budget = 100 + fz_below(&t[i], 1900);
		if (left[i] < t[i].budget)
			t[i].budget = left[i];
		/* Composite ops record several calls: --calls counts those. */
		t[i].limit = t[i].shm->ncalls + left[i]; /* no overflow: left = target - ncalls */
	}
	for (unsigned int i = 0; i < fz_opts.threads; i++)
		if (pthread_create(&th[i], NULL, thread_main, &t[i]))
			_exit(EXIT_NOFILE);
	for (unsigned int i = 0; i < fz_opts.threads; i++)
		pthread_join(th[i], NULL);
	/* Exit with the queues in whatever state they are: the kernel cleans up. */
	for (unsigned int i = 0; i < p->nfiles; i++) {
		if (p->file[i].fd < 0)
			continue;
		fz_file_census(&p->file[i], st);
		for (unsigned int s = 0; s < FZ_NSTATE; s++)
			__atomic_fetch_add(&fz_shm->exits_by_state[s], st[s], __ATOMIC_RELAXED);
	}
	_exit(0);
}

/* ---- supervisor ---- */
static uint64_t mem_available(void)
{
	char line[128];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

struct slot {
	pid_t pid;
	unsigned int gen;
	double started, kill_at, killed_at, exiting_since;
	bool killed, done;
};
static struct slot slots[FZ_MAX_PROCS];
static uint64_t sup_rng;
static struct {
	uint64_t spawned, exited, killed, oom_killed, open_failed, sigbus;
} procs;
static double t_start;
static uint64_t mem_start;
static int sysrq_done;

static const char *state_name[FZ_NSTATE] = {"idle", "running", "preempted", "banned", "gone"};

static unsigned long long task_flags(const char *statpath, char *state)
{
	char buf[1024], *p;
	unsigned long long flags = 0;
	FILE *f = fopen(statpath, "r");

	*state = '?';
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		/* ") S ppid pgrp session tty tpgid flags" */
		char st;
		int d;

		if (sscanf(p + 1, " %c %d %d %d %d %d %llu", &st, &d, &d, &d, &d, &d, &flags) == 7)
			*state = st;
	}
	fclose(f);
	return flags;
}

#define PF_EXITING 0x4

/* Is any task of @pid exiting (PF_EXITING)? */
static bool proc_exiting(pid_t pid)
{
	char path[64], st;
	struct dirent *de;
	bool exiting = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", pid, de->d_name);
		if (task_flags(path, &st) & PF_EXITING)
			exiting = true;
	}
	closedir(d);
	return exiting;
}

static void cat_file(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "%s%s", prefix, line);
	fclose(f);
}

/* Every task of @pid: state and flags (UML has no /proc/PID/stack; its
 * /proc/PID/wchan trips KASAN in __get_wchan, so it is not read). */
static void dump_tasks(pid_t pid)
{
	char path[96], st;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long flags;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", pid, de->d_name);
		flags = task_flags(path, &st);
		fprintf(stderr, "vlr-fuzz:   pid %d task %s: state %c flags %#llx%s\n", pid,
			de->d_name, st, flags, flags & PF_EXITING ? " (exiting)" : "");
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stack", pid, de->d_name);
		cat_file(path, "vlr-fuzz:     ");
	}
	closedir(d);
}

/* Ask the kernel to log blocked tasks and held locks (the signature in kernel.log). */
static void sysrq_blocked(void)
{
	FILE *f;

	if (sysrq_done++)
		return;
	/* w: tasks in D state with their stacks; d: every lock held and by whom. */
	for (const char *c = "wd"; *c; c++) {
		f = fopen("/proc/sysrq-trigger", "w");
		if (f) {
			fputc(*c, f);
			fclose(f);
		}
	}
}

static void print_replay(FILE *out)
{
	fprintf(out, "vlr-fuzz: replay: vlr-fuzz");
	if (!seed_given)
		fprintf(out, " --seed %" PRIu64, fz_opts.seed);
	for (int i = 1; i < fz_argc; i++)
		fprintf(out, " %s", fz_argv[i]);
	fputc('\n', out);
}

static void print_rings(void)
{
	for (unsigned int s = 0; s < fz_opts.procs; s++) {
		for (unsigned int i = 0; i < fz_opts.threads; i++) {
			struct fz_thread_shm *ts = &fz_shm->thr[s][i];
			uint32_t end = ts->ring_pos, n = end < FZ_RING ? end : FZ_RING;

			if (!ts->ncalls)
				continue;
			fprintf(stderr,
				"vlr-fuzz: p%u t%u (pid %d tid %d gen %u sub-seed %#" PRIx64
				") last %u calls of %" PRIu64 "%s:\n",
				s, i, slots[s].pid, ts->tid, ts->gen, ts->sub_seed, n, ts->ncalls,
				ts->cur_start_ns ? ", one in progress" : "");
			for (uint32_t k = end - n; k != end; k++) {
				struct fz_call *c = &ts->ring[k % FZ_RING];
				char err[32];

				if (c->ret < 0)
					snprintf(err, sizeof(err), "%s",
						 strerrorname_np(-c->ret) ?: "?");
				else
					snprintf(err, sizeof(err), "%d", c->ret);
				fprintf(stderr, "vlr-fuzz:   %9.3f f%u %-16s %s%s = %s\n",
					c->t_ns / 1e9 - t_start, c->file, fz_ops[c->op].name,
					c->garbage ? "[garbage] " : "", c->args, err);
			}
			if (ts->cur_start_ns)
				fprintf(stderr,
					"vlr-fuzz:   %9.3f    %-16s (in progress for %.1f s)\n",
					ts->cur_start_ns / 1e9 - t_start, fz_ops[ts->cur_op].name,
					(fz_now_ns() - ts->cur_start_ns) / 1e9);
		}
	}
}

static void write_json(const char *result, double wall)
{
	FILE *f;
	uint64_t total = 0, errtot[FZ_NERR] = {0};

	if (!fz_opts.json)
		return;
	f = fopen(fz_opts.json, "w");
	if (!f) {
		fprintf(stderr, "vlr-fuzz: cannot write %s: %s\n", fz_opts.json, strerror(errno));
		return;
	}
	for (unsigned int i = 0; i < fz_nops; i++) {
		total += fz_shm->calls[i];
		for (int e = 1; e < FZ_NERR; e++)
			errtot[e] += fz_shm->errs[i][e];
	}
	fprintf(f, "{\n  \"schema\": \"lrbench-vlr-fuzz\", \"version\": 1,\n");
	fprintf(f, "  \"seed\": %" PRIu64 ", \"result\": \"%s\",\n", fz_opts.seed, result);
	if (fz_shm->failed) {
		fprintf(f, "  \"failure\": \"");
		for (const char *c = fz_shm->fail_msg; *c; c++)
			fprintf(f, *c == '"' || *c == '\\' ? "\\%c" : (*c < 32 ? "?" : "%c"), *c);
		fprintf(f, "\",\n");
	}
	fprintf(
	    f,
	    "  \"options\": {\"threads\": %u, \"procs\": %u, \"files\": %u, \"calls\": %" PRIu64
	    ", \"time_s\": %g, \"max_bo_size\": %" PRIu64 ", \"max_total\": %" PRIu64
	    ", \"garbage_pct\": %u, \"kill_pct\": %u, \"close_permille\": %u, \"mode\": \"%s\"},\n",
	    fz_opts.threads, fz_opts.procs, fz_opts.files, fz_opts.calls, fz_opts.time_s,
	    fz_opts.max_bo_size, fz_opts.max_total, fz_opts.garbage_pct, fz_opts.kill_pct,
	    fz_opts.close_permille,
	    fz_opts.mode < 0 ? "both"
	    : fz_opts.mode   ? "open-coded"
			     : "preempt-fence");
	fprintf(f, "  \"wall_s\": %.3f, \"calls\": %" PRIu64 ", \"calls_per_s\": %.1f,\n", wall,
		total, wall > 0 ? total / wall : 0);
	fprintf(f, "  \"per_call\": {");
	for (unsigned int i = 0; i < fz_nops; i++) {
		bool first = true;

		fprintf(f,
			"%s\n    \"%s\": {\"calls\": %" PRIu64 ", \"garbage\": %" PRIu64
			", \"garbage_accepted\": %" PRIu64 ", \"bad_pointer_not_efault\": %" PRIu64
			", \"errors\": {",
			i ? "," : "", fz_ops[i].name, fz_shm->calls[i], fz_shm->garbage[i],
			fz_shm->garbage_ok[i], fz_shm->garbage_efault[i]);
		for (int e = 1; e < FZ_NERR; e++)
			if (fz_shm->errs[i][e]) {
				fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ",
					strerrorname_np(e) ?: "?", fz_shm->errs[i][e]);
				first = false;
			}
		fprintf(f, "}}");
	}
	fprintf(f, "\n  },\n  \"errors\": {");
	for (int e = 1, first = 1; e < FZ_NERR; e++)
		if (errtot[e]) {
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ",
				strerrorname_np(e) ?: "?", errtot[e]);
			first = 0;
		}
	fprintf(f, "},\n");
	const char *names[3] = {"kills_by_queue_state", "exits_by_queue_state",
				"closes_by_queue_state"};
	uint64_t *arr[3] = {fz_shm->kills_by_state, fz_shm->exits_by_state,
			    fz_shm->closes_by_state};
	for (int k = 0; k < 3; k++) {
		fprintf(f, "  \"%s\": {", names[k]);
		for (int s = 0; s < FZ_NSTATE; s++)
			fprintf(f, "%s\"%s\": %" PRIu64, s ? ", " : "", state_name[s], arr[k][s]);
		fprintf(f, "},\n");
	}
	fprintf(f,
		"  \"processes\": {\"spawned\": %" PRIu64 ", \"exited\": %" PRIu64
		", \"killed\": %" PRIu64 ", \"oom_killed\": %" PRIu64 ", \"open_failed\": %" PRIu64
		", \"sigbus\": %" PRIu64 "},\n",
		procs.spawned, procs.exited, procs.killed, procs.oom_killed, procs.open_failed,
		procs.sigbus);
	fprintf(f,
		"  \"verify\": {\"ok\": %" PRIu64 ", \"timeout\": %" PRIu64 ", \"lost\": %" PRIu64
		", \"ufence_rechecks\": %" PRIu64 "},\n",
		fz_shm->verify_ok, fz_shm->verify_timeout, fz_shm->verify_lost,
		fz_shm->ufence_rechecks);
	fprintf(f,
		"  \"mem_sigbus\": %" PRIu64 ", \"bo_cap_hits\": %" PRIu64
		", \"max_wait_overrun_s\": %.3f\n}\n",
		fz_shm->mem_faults, fz_shm->oom_skips, fz_shm->max_wait_overrun_ns / 1e9);
	fclose(f);
}

static void summary(const char *result)
{
	double wall = now_s() - t_start;
	uint64_t total = 0, garbage = 0, gok = 0;

	for (unsigned int i = 0; i < fz_nops; i++) {
		total += fz_shm->calls[i];
		garbage += fz_shm->garbage[i];
		gok += fz_shm->garbage_ok[i];
	}
	printf("vlr-fuzz: calls:");
	for (unsigned int i = 0; i < fz_nops; i++)
		printf(" %s=%" PRIu64, fz_ops[i].name, fz_shm->calls[i]);
	printf("\nvlr-fuzz: queue states at kill/exit/close:");
	for (int s = 0; s < FZ_NSTATE; s++)
		printf(" %s=%" PRIu64 "/%" PRIu64 "/%" PRIu64, state_name[s],
		       fz_shm->kills_by_state[s], fz_shm->exits_by_state[s],
		       fz_shm->closes_by_state[s]);
	printf("\nvlr-fuzz: seed %" PRIu64 ": %" PRIu64 " calls in %.1f s (%.0f calls/s), "
	       "%" PRIu64 " processes (%" PRIu64 " killed, %" PRIu64 " OOM-killed, %" PRIu64
	       " exited), garbage %" PRIu64 " (%" PRIu64 " accepted), fill-verify %" PRIu64
	       " ok %" PRIu64 " timeout %" PRIu64 " lost: %s\n",
	       fz_opts.seed, total, wall, wall > 0 ? total / wall : 0, procs.spawned, procs.killed,
	       procs.oom_killed, procs.exited, garbage, gok, fz_shm->verify_ok,
	       fz_shm->verify_timeout, fz_shm->verify_lost, result);
	fflush(stdout);
	write_json(result, wall);
}

static void kill_all(void)
{
	for (unsigned int s = 0; s < fz_opts.procs; s++)
		if (slots[s].pid > 0)
			kill(slots[s].pid, SIGKILL);
}

/* Report a failure (fail_msg set), kill everything, exit 1. */
static void __attribute__((noreturn)) fail_out(pid_t stuck)
{
	double end;

	fflush(stdout);
	fprintf(stderr, "vlr-fuzz: FAIL: %s\n", fz_shm->fail_msg);
	fprintf(stderr, "vlr-fuzz: seed %" PRIu64 "\n", fz_opts.seed);
	print_replay(stderr);
	if (stuck > 0) {
		dump_tasks(stuck);
		sysrq_blocked();
	}
	print_rings();
	kill_all();
	/* Reap what dies; a task stuck in the kernel stays behind. */
	end = now_s() + 5;
	while (now_s() < end) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0)
			break;
		if (!pid)
			usleep(50000);
	}
	summary("fail");
	exit(EXIT_FAIL);
}

static void sup_fail(pid_t stuck, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void sup_fail(pid_t stuck, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_exchange_n(&fz_shm->failed, 1, __ATOMIC_SEQ_CST)) {
		va_start(ap, fmt);
		vsnprintf(fz_shm->fail_msg, sizeof(fz_shm->fail_msg), fmt, ap);
		va_end(ap);
	}
	fail_out(stuck);
}

static uint64_t slot_calls(unsigned int s, unsigned int i)
{
	return fz_shm->thr[s][i].ncalls;
}

static void spawn(unsigned int s, int mode, const uint64_t *target)
{
	uint64_t left[FZ_MAX_THREADS];
	struct slot *sl = &slots[s];
	pid_t pid;

	for (unsigned int i = 0; i < fz_opts.threads; i++) {
		uint64_t n = slot_calls(s, i);

		left[i] = target[i] > n ? target[i] - n : 0;
		fz_shm->thr[s][i].cur_start_ns = 0;
	}
	sl->gen++;
	fz_shm->proc[s].bo_bytes = 0;
	memset((void *)fz_shm->proc[s].census, 0, sizeof(fz_shm->proc[s].census));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		sup_fail(0, "fork: %s", strerror(errno));
	if (!pid)
		worker(s, sl->gen, mode, left);
	sl->pid = pid;
	fz_shm->proc[s].pid = pid;
	fz_shm->proc[s].gen = sl->gen;
	sl->started = now_s();
	sl->killed = false;
	sl->killed_at = sl->exiting_since = 0;
	sl->kill_at = splitmix(&sup_rng) % 100 < fz_opts.kill_pct
			  ? sl->started + 0.2 + (splitmix(&sup_rng) % 3800) / 1000.0
			  : 0;
	procs.spawned++;
	if (fz_opts.verbose)
		printf("vlr-fuzz: p%u gen %u: pid %d%s\n", s, sl->gen, pid,
		       sl->kill_at ? " (to be killed)" : "");
}

/* The supervisor's own short-lived file: SET_MODE needs no queue anywhere. */
static void set_mode(int mode)
{
	double end = now_s() + fz_opts.reap_s;
	int fd = vlr_open_render(), ret;

	if (fd < 0)
		sup_fail(0, "cannot open the vlr render node to set the mode");
	while ((ret = __vlr_set_mode(fd, mode)) == -EBUSY && now_s() < end)
		usleep(100000);
	close(fd);
	if (ret)
		sup_fail(0,
			 "SET_MODE %s with no worker alive: %s (a queue outlived its file, or "
			 "another user holds one)",
			 mode ? "open-coded" : "preempt-fence", strerror(-ret));
	printf("vlr-fuzz: mode %s\n", mode ? "open-coded" : "preempt-fence");
}

static void reap(int mode, const uint64_t *target, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		unsigned int s;

		for (s = 0; s < fz_opts.procs && slots[s].pid != pid; s++)
			;
		if (s == fz_opts.procs)
			continue;
		struct slot *sl = &slots[s];

		sl->pid = 0;
		fz_shm->proc[s].pid = 0;
		if (WIFSIGNALED(status)) {
			int sig = WTERMSIG(status);

			if (sig == SIGKILL && sl->killed) {
				procs.killed++;
			} else if (sig == SIGKILL) {
				procs.oom_killed++; /* not ours: the OOM killer */
				/* The kernel's "Killed process" line gives its anon-rss. */
				printf("vlr-fuzz: p%u gen %u (pid %d) was killed by the kernel "
				       "(OOM) holding %" PRId64 " MiB of BOs\n",
				       s, sl->gen, pid, fz_shm->proc[s].bo_bytes >> 20);
			} else if (sig == SIGBUS) {
				/* A BO fault the kernel could not serve (ENOMEM): allowed. */
				procs.sigbus++;
				printf("vlr-fuzz: p%u gen %u (pid %d) died of SIGBUS on a BO "
				       "mapping\n",
				       s, sl->gen, pid);
			} else {
				sup_fail(0, "worker p%u gen %u (pid %d) died of signal %d (%s)", s,
					 sl->gen, pid, sig, strsignal(sig));
			}
		} else if (WEXITSTATUS(status) == EXIT_FAIL) {
			if (!fz_shm->failed)
				sup_fail(0, "worker p%u exited 1 without a message", s);
			fail_out(0);
		} else if (WEXITSTATUS(status) == EXIT_NOFILE) {
			procs.open_failed++;
		} else {
			procs.exited++;
		}
		if (fz_opts.verbose)
			printf("vlr-fuzz: p%u gen %u: pid %d ended (%s %d) after %.2f s\n", s,
			       sl->gen, pid, WIFSIGNALED(status) ? "signal" : "status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
			       now_s() - sl->started);
		sl->done = true;
		for (unsigned int i = 0; i < fz_opts.threads; i++)
			if (slot_calls(s, i) < target[i])
				sl->done = false;
		if (!stopping && !sl->done)
			spawn(s, mode, target);
	}
}

static void watch(void)
{
	static double last_proc_scan;
	double now = now_s();
	bool scan = now - last_proc_scan > 0.5;

	if (scan)
		last_proc_scan = now;

	for (unsigned int s = 0; s < fz_opts.procs; s++) {
		struct slot *sl = &slots[s];

		if (sl->pid <= 0)
			continue;
		if (sl->kill_at && !sl->killed && now >= sl->kill_at) {
			for (int k = 0; k < FZ_NSTATE; k++)
				fz_shm->kills_by_state[k] += fz_shm->proc[s].census[k];
			kill(sl->pid, SIGKILL);
			sl->killed = true;
			sl->killed_at = now;
		}
		if (sl->killed && now - sl->killed_at > fz_opts.reap_s)
			sup_fail(sl->pid,
				 "p%u gen %u (pid %d) killed with SIGKILL %.1f s ago and not gone: "
				 "hung in the kernel's teardown",
				 s, sl->gen, sl->pid, now - sl->killed_at);
		if (sl->exiting_since || (scan && proc_exiting(sl->pid))) {
			if (!sl->exiting_since)
				sl->exiting_since = now;
			else if (now - sl->exiting_since > fz_opts.reap_s)
				sup_fail(
				    sl->pid,
				    "p%u gen %u (pid %d) has been exiting for %.1f s%s holding "
				    "%" PRId64 " MiB of BOs: hung in the kernel's teardown",
				    s, sl->gen, sl->pid, now - sl->exiting_since,
				    sl->killed ? " (killed by us)" : " (not killed by us: OOM?)",
				    fz_shm->proc[s].bo_bytes >> 20);
			continue; /* a dying process's calls are not hung calls */
		}
		for (unsigned int i = 0; i < fz_opts.threads; i++) {
			struct fz_thread_shm *ts = &fz_shm->thr[s][i];
			uint64_t start = __atomic_load_n(&ts->cur_start_ns, __ATOMIC_ACQUIRE);

			if (start && ts->gen == sl->gen && !sl->killed &&
			    now - start / 1e9 > fz_opts.hang_s)
				sup_fail(sl->pid,
					 "p%u t%u (pid %d tid %d): %s has not returned for %.1f s",
					 s, i, sl->pid, ts->tid, fz_ops[ts->cur_op].name,
					 now - start / 1e9);
		}
	}
}

/* One phase: a mode, a time and a call budget; returns when all workers are gone. */
static void run_phase(int mode, double time_s, uint64_t calls)
{
	uint64_t target[FZ_MAX_PROCS][FZ_MAX_THREADS];
	double deadline = time_s ? now_s() + time_s : 0, stop_at = 0, next_progress = now_s() + 5;
	bool stopping = false;

	set_mode(mode);
	fz_shm->stop = 0;
	for (unsigned int s = 0; s < fz_opts.procs; s++) {
		for (unsigned int i = 0; i < fz_opts.threads; i++)
			target[s][i] = calls ? slot_calls(s, i) + calls : UINT64_MAX;
		slots[s].done = false;
		spawn(s, mode, target[s]);
	}
	for (;;) {
		bool live = false, all_done = true;

		usleep(20000);
		if (now_s() >= next_progress) {
			uint64_t total = 0;

			for (unsigned int i = 0; i < fz_nops; i++)
				total += fz_shm->calls[i];
			printf("vlr-fuzz: %.0f s: %" PRIu64 " calls, %" PRIu64
			       " processes, %" PRIu64 " killed, %" PRIu64 " fill-verify ok\n",
			       now_s() - t_start, total, procs.spawned, procs.killed,
			       fz_shm->verify_ok);
			next_progress += 5;
		}
		if (fz_shm->failed)
			fail_out(0);
		for (unsigned int s = 0; s < fz_opts.procs; s++)
			reap(mode, target[s], stopping);
		watch();
		for (unsigned int s = 0; s < fz_opts.procs; s++) {
			live |= slots[s].pid > 0;
			all_done &= slots[s].done;
		}
		if (!stopping && ((deadline && now_s() >= deadline) || all_done)) {
			stopping = true;
			stop_at = now_s();
			fz_shm->stop = 1;
		}
		if (stopping && !live)
			break;
		/* Threads finish their call; then the stragglers are killed. */
		if (stopping && now_s() - stop_at > fz_opts.hang_s) {
			for (unsigned int s = 0; s < fz_opts.procs; s++)
				if (slots[s].pid > 0 && !slots[s].killed)
					sup_fail(slots[s].pid,
						 "p%u (pid %d) still running %.1f s after the stop "
						 "flag",
						 s, slots[s].pid, now_s() - stop_at);
		}
	}
}

int main(int argc, char **argv)
{
	int fd;

	fz_argc = argc;
	fz_argv = argv;
	if (parse_args(argc, argv))
		return EXIT_USAGE;
	if (!seed_given)
		fz_opts.seed = fz_now_ns() ^ (uint64_t)getpid() << 32;
	printf("vlr-fuzz: seed %" PRIu64 "\n", fz_opts.seed);
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = vlr_open_render();
	if (fd < 0) {
		printf("vlr-fuzz: skip: no vlr render node in /dev/dri\n");
		return EXIT_SKIP;
	}
	close(fd);
	fz_shm =
	    mmap(NULL, sizeof(*fz_shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_shm == MAP_FAILED) {
		perror("vlr-fuzz: mmap");
		return EXIT_FAIL;
	}
	set_oom_score(-1000);
	signal(SIGPIPE, SIG_IGN);
	sup_rng = mix(fz_opts.seed, 0x5eedull);
	t_start = now_s();
	mem_start = mem_available();
	printf("vlr-fuzz: %u procs x %u threads, %u files each, %s%.0f s, BOs <= %" PRIu64
	       " MiB (%" PRIu64 " MiB per process), garbage %u%%, kills %u%%\n",
	       fz_opts.procs, fz_opts.threads, fz_opts.files,
	       fz_opts.calls ? "calls per thread capped, " : "", fz_opts.time_s,
	       fz_opts.max_bo_size >> 20, fz_opts.max_total >> 20, fz_opts.garbage_pct,
	       fz_opts.kill_pct);

	if (fz_opts.mode >= 0) {
		run_phase(fz_opts.mode, fz_opts.time_s, fz_opts.calls);
	} else {
		run_phase(DRM_VLR_MODE_PREEMPT_FENCE, fz_opts.time_s / 2, fz_opts.calls / 2);
		run_phase(DRM_VLR_MODE_OPEN_CODED, fz_opts.time_s / 2,
			  fz_opts.calls - fz_opts.calls / 2);
	}
	/* Every process is gone: the device must take a mode change again. */
	set_mode(fz_opts.mode == DRM_VLR_MODE_OPEN_CODED ? DRM_VLR_MODE_OPEN_CODED
							 : DRM_VLR_MODE_PREEMPT_FENCE);
	/*
	 * Every process is gone, so its GEM memory must come back (TTM frees
	 * BOs from a worker: give it a few seconds).
	 */
	if (fz_opts.leak_limit && mem_start) {
		double end = now_s() + 10;
		uint64_t now_avail;

		while ((now_avail = mem_available()) + fz_opts.leak_limit < mem_start &&
		       now_s() < end)
			usleep(200000);
		printf("vlr-fuzz: MemAvailable %" PRIu64 " MiB at the start, %" PRIu64
		       " MiB after every process is gone\n",
		       mem_start >> 20, now_avail >> 20);
		if (now_avail + fz_opts.leak_limit < mem_start)
			sup_fail(0,
				 "%" PRIu64 " MiB of memory did not come back after every process "
				 "exited (limit %" PRIu64
				 " MiB): GEM memory leaked or held by nobody",
				 (mem_start - now_avail) >> 20, fz_opts.leak_limit >> 20);
	}
	summary("clean");
	return 0;
}
