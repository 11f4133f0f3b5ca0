/* SPDX-License-Identifier: MIT */
/* Terminal rendering of a result document (lrbench show, end-of-run summary). */
#ifndef LR_SHOW_H
#define LR_SHOW_H

#include <stdio.h>

#include <jansson.h>

#include "backend.h"

/* Render a result document as text. */
void lr_show_json(json_t *root, FILE *out);
/* Load DIR/result.json (or a result file given directly), check its schema
 * name and format version, and render it. LR_ERR with a message on error. */
int lr_show_path(const char *path, FILE *out, struct lr_err *err);

#endif /* LR_SHOW_H */
