/* SPDX-License-Identifier: MIT */
/* The representation of a syscall set: private to analysis/ (include/sysphase/analysis.h). */
#ifndef SYSPHASE_ANALYSIS_SET_H
#define SYSPHASE_ANALYSIS_SET_H

#include "sysphase/analysis.h"

struct sp_syscall_set {
	char *label;                       /* for output; owned */
	uint64_t bits[SP_SET_NR_MAX / 64]; /* allowed (maybe only for some arguments) */
	uint64_t cond[SP_SET_NR_MAX / 64]; /* allowed only for some argument values */
	size_t n_skipped;                  /* names with no x86-64 number, ignored */
	char **skipped;                    /* owned, in input order, distinct */
};

#endif /* SYSPHASE_ANALYSIS_SET_H */
