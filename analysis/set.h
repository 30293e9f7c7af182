/* SPDX-License-Identifier: MIT */
/* The representation of a syscall set: private to analysis/ (include/sysphase/analysis.h). */
#ifndef SYSPHASE_ANALYSIS_SET_H
#define SYSPHASE_ANALYSIS_SET_H

#include <jansson.h>

#include "sysphase/analysis.h"
#include "sysphase/core.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct sp_syscall_set {
	char *label;                       /* for output; owned */
	uint64_t bits[SP_SET_NR_MAX / 64]; /* allowed (maybe only for some arguments) */
	uint64_t cond[SP_SET_NR_MAX / 64]; /* allowed only for some argument values */
	size_t n_skipped;                  /* names with no x86-64 number, ignored */
	char **skipped;                    /* owned, in input order, distinct */
};

/* The x86-64 number of name, or -ENOENT (libseccomp's pseudo-syscalls included). */
long set_name_nr(const char *name);

/* uname's release, in buf ("0" when uname fails). */
const char *set_running_kernel(char *buf, size_t len);

/* A parsed JSON file and the positions of its values, for messages (set_load.c). */
struct jdoc {
	const char *name;
	json_t *root;
	struct sp_jpos *pos;
};

/* Parses text as name's JSON: 0, or -EINVAL with diag "name:line:col: ...". */
int set_jdoc_parse(struct jdoc *d, const char *name, const char *text, size_t len,
                   struct sp_diag *diag);
void set_jdoc_free(struct jdoc *d);

/* "name:line:col: msg" for the value at pointer, "name: pointer: msg" if unknown; -EINVAL. */
int set_jbad(const struct jdoc *d, struct sp_diag *diag, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The profile in d (set_oci.c) into into, judged for kernel. */
int set_oci_doc(const struct jdoc *d, const char *kernel, struct sp_syscall_set *into,
                struct sp_diag *diag);

#endif /* SYSPHASE_ANALYSIS_SET_H */
