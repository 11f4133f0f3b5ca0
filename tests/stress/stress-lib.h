/* SPDX-License-Identifier: MIT */
/*
 * What the stress tier's C tools (vlr-faults, vlr-soak) share beyond
 * tests/uml/vlr-lib.h: the kernel's run-time knobs (fault-injection
 * attribute directories in debugfs, module parameters in sysfs) and a small
 * JSON writer for their figures. Errors name the file they concern.
 */
#ifndef STRESS_LIB_H
#define STRESS_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VLR_FAULT_DIR "/sys/kernel/debug/vlr"
#define VLR_PARAM_DIR "/sys/module/vlr/parameters"
#define FAILSLAB_DIR  "/sys/kernel/debug/failslab"
#define FAIL_PAGE_DIR "/sys/kernel/debug/fail_page_alloc"

/* Read a file holding one integer (a knob): 0 or -errno. */
int knob_get(const char *path, long long *v);
/* Write a string to a knob: 0 or -errno (the message names the path). */
int knob_set(const char *path, const char *val);
int knob_set_ll(const char *path, long long v);
bool path_exists(const char *path);

/*
 * A fault-injection attribute directory (lib/fault-inject.c: probability,
 * interval, times, space, verbose, task-filter). fault_arm() makes the next
 * @times calls of the fault point fail (probability 100, interval 1, quiet:
 * verbose 0 prints nothing, so no stack dump reaches the kernel log);
 * fault_disarm() turns it off (probability 0, times 0); fault_left() reads
 * back how many of the armed faults are still to come.
 */
int fault_arm(const char *dir, long long times, bool task_filter);
int fault_disarm(const char *dir);
int fault_left(const char *dir, long long *left);

/* vlr module parameters by name (VLR_PARAM_DIR/NAME). */
int vlr_param_get(const char *name, long long *v);
int vlr_param_set(const char *name, long long v);

/*
 * Save every knob the stress tools touch (the vlr fault attributes, failslab,
 * fail_page_alloc, the writable vlr parameters) to @file once (an existing
 * file is kept: it holds the values from before the first tool changed
 * anything), and put them back from it; knobs_restore() also disarms every
 * fault attribute. Both return 0 or -errno.
 */
int knobs_save(const char *file);
int knobs_restore(const char *file);

/* ---- a minimal streaming JSON writer (objects, arrays, scalars) ---- */
struct jw {
	FILE *f;
	int depth;
	bool first[16];
	char close[16]; /* '}' or ']' per open level */
};
void jw_begin(struct jw *w, FILE *f);
void jw_obj(struct jw *w, const char *key); /* key NULL inside arrays / at top */
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w); /* closes the innermost object or array */
void jw_str(struct jw *w, const char *key, const char *v);
void jw_int(struct jw *w, const char *key, long long v);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_num(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);

/* Open @path.tmp for a JSON document; jw_commit() renames it into place. */
FILE *json_open(const char *path);
int json_commit(FILE *f, const char *path);

double stress_now(void);

#endif
