/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sysphase/core.h"

/*
 * Messages quote user input (a syscall name, a JSON string), which may
 * hold newlines or terminal escapes: a diagnostic must stay one line,
 * so control characters are written as \n, \t or \xNN.
 */
static void copy_one_line(struct sp_diag *diag, size_t at, const char *text)
{
	size_t cap = sizeof(diag->msg);

	for (; *text && at + 1 < cap; text++) {
		unsigned char c = (unsigned char)*text;
		char esc[5];
		int n;

		if (c >= 0x20 && c != 0x7f) {
			diag->msg[at++] = (char)c;
			continue;
		}
		n = c == '\n'   ? snprintf(esc, sizeof(esc), "\\n")
		    : c == '\t' ? snprintf(esc, sizeof(esc), "\\t")
		                : snprintf(esc, sizeof(esc), "\\x%02x", c);
		if (at + (size_t)n + 1 > cap)
			break;
		for (int i = 0; i < n; i++)
			diag->msg[at++] = esc[i];
	}
	diag->msg[at] = '\0';
}

int sp_diag_set(struct sp_diag *diag, int err, const char *fmt, ...)
{
	char text[sizeof(diag->msg)];
	va_list ap;

	if (diag) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		copy_one_line(diag, 0, text);
	}
	return -err;
}

int sp_diag_at(struct sp_diag *diag, int err, const char *file, int line, int col, const char *fmt,
               ...)
{
	char where[sizeof(diag->msg)], text[sizeof(diag->msg)];
	va_list ap;

	if (!diag)
		return -err;
	if (line > 0 && col > 0)
		snprintf(where, sizeof(where), "%s:%d:%d: ", file, line, col);
	else if (line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", file, line);
	else
		snprintf(where, sizeof(where), "%s: ", file);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	copy_one_line(diag, 0, where);
	copy_one_line(diag, strlen(diag->msg), text);
	return -err;
}
