/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* Every backend, in the order `lrbench list` shows them. */
extern const struct lr_backend_ops lr_backend_opencl;
extern const struct lr_backend_ops lr_backend_vlr;

const struct lr_backend_ops *const lr_backends[] = {
    &lr_backend_opencl,
    &lr_backend_vlr,
    NULL,
};

int lr_fail(struct lr_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const struct lr_backend_ops *lr_backend_find(const char *name)
{
	for (const struct lr_backend_ops *const *b = lr_backends; *b; b++)
		if (!strcmp((*b)->name, name))
			return *b;
	return NULL;
}

int lr_samples_push(struct lr_samples *s, uint64_t x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return LR_ERR;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return LR_OK;
}

void lr_samples_free(struct lr_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void lr_kmetrics_free(struct lr_kmetrics *km)
{
	lr_samples_free(&km->preempt_lat_ns);
	lr_samples_free(&km->restore_lat_ns);
	lr_samples_free(&km->restore_bytes);
	lr_samples_free(&km->worker_lat_ns);
	lr_samples_free(&km->normal_lat_ns);
	lr_samples_free(&km->normal_user_lat_ns);
	lr_samples_free(&km->normal_late_ns);
	lr_samples_free(&km->normal_exec_ns);
	memset(km, 0, sizeof(*km));
}
