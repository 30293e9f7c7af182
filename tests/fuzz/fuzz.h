/* SPDX-License-Identifier: MIT */
/*
 * What every harness shares: a parser either accepts its input or refuses
 * it with -errno and a one-line message.  Anything else (a refusal without
 * a message, a positive return, a broken round trip) is a bug, reported by
 * aborting so that libFuzzer saves the input.
 */
#ifndef SYSPHASE_FUZZ_H
#define SYSPHASE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sysphase/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with what went wrong: libFuzzer keeps the input as a crash. */
static inline __attribute__((noreturn)) void fuzz_bug(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* A parser's result: 0 accepted, <0 refused with a one-line message. */
static inline int fuzz_check_rc(int rc, const struct sp_diag *diag)
{
	if (rc > 0)
		fuzz_bug("a parser returned a positive value", NULL);
	if (rc < 0 && (diag->msg[0] == '\0' || strchr(diag->msg, '\n')))
		fuzz_bug("a refusal must say why in one line", diag->msg);
	return rc;
}

#endif
