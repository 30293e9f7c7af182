/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

int sp_diag_set(struct sp_diag *diag, int err, const char *fmt, ...)
{
	va_list ap;

	if (diag) {
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return -err;
}

int sp_diag_at(struct sp_diag *diag, int err, const char *file, int line, int col, const char *fmt,
	       ...)
{
	va_list ap;
	int n;

	if (!diag)
		return -err;
	if (line > 0 && col > 0)
		n = snprintf(diag->msg, sizeof(diag->msg), "%s:%d:%d: ", file, line, col);
	else if (line > 0)
		n = snprintf(diag->msg, sizeof(diag->msg), "%s:%d: ", file, line);
	else
		n = snprintf(diag->msg, sizeof(diag->msg), "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof(diag->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(diag->msg + n, sizeof(diag->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -err;
}
