/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics from library code.  Libraries never print: they fill an
 * sp_diag with one line ("file:line:col: what is wrong", or just "what is
 * wrong") and return -errno; the CLI decides how to show it.
 */
#ifndef SYSPHASE_TRACER_DIAG_H
#define SYSPHASE_TRACER_DIAG_H

#include <stddef.h>

struct sp_diag {
	char msg[1024];
};

/* printf-style; a NULL diag is allowed and ignored.  Returns -err for `return sp_diag_set(...)`. */
int sp_diag_set(struct sp_diag *diag, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a source position; line and col are 1-based, 0 meaning unknown. */
int sp_diag_at(struct sp_diag *diag, int err, const char *file, int line, int col, const char *fmt,
	       ...) __attribute__((format(printf, 6, 7)));

#endif /* SYSPHASE_TRACER_DIAG_H */
