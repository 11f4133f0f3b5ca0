/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
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
