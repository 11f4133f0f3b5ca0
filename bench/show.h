/* SPDX-License-Identifier: MIT */
/* Terminal rendering of a result document (lrbench show, end-of-run summary). */
#ifndef LR_SHOW_H
#define LR_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "backend.h"

/* Render a result document as text. */
void lr_show_json(json_t *root, FILE *out);
/* The machine-readable rendering (`show --json`, schema "lrbench-show"):
 * run facts and per metric its summary and the statistics of its
 * per-repetition values (stats.h definitions, as compare uses them). */
json_t *lr_show_doc(json_t *root, const char *path);
/* Load DIR/result.json (or a result file given directly), check its schema
 * name and format version (1 or 2), and render it as text or (@json) as the
 * lrbench-show document. LR_ERR with a message on error. */
int lr_show_path(const char *path, bool json, FILE *out, struct lr_err *err);

#endif /* LR_SHOW_H */
