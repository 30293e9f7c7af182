/* SPDX-License-Identifier: MIT */
/*
 * Output of the run_* tracees.  Each line is one write(2), unbuffered:
 * a process killed by SIGSYS would lose what stdio still held, and the
 * tests read the last line to see which call never returned.
 * Define TRACEE_NAME before including it.
 */
#ifndef SYSPHASE_TRACEES_RUN_SAY_H
#define SYSPHASE_TRACEES_RUN_SAY_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		_exit(3);
}

static void die(const char *what)
{
	say("%s: %s failed: %s\n", TRACEE_NAME, what, strerrorname_np(errno));
	_exit(2);
}

#endif /* SYSPHASE_TRACEES_RUN_SAY_H */
