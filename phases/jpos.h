/* SPDX-License-Identifier: MIT */
/*
 * Source positions of JSON values.  jansson reports where a syntax error
 * is but keeps no positions in the parsed tree, and rule validation needs
 * them for its "file:line:col" messages.  This scans the (already valid)
 * text once and maps each value's JSON pointer ("/transitions/3/when") to
 * the line and column where the value starts, and where its key starts.
 */
#ifndef SYSPHASE_PHASES_JPOS_H
#define SYSPHASE_PHASES_JPOS_H

#include <stddef.h>

struct sp_jpos;

/* Indexes text (len bytes of valid JSON).  NULL on ENOMEM or if the scan fails. */
struct sp_jpos *sp_jpos_new(const char *text, size_t len);
void sp_jpos_free(struct sp_jpos *jp);

/*
 * Position of the value at pointer (key: of its member name instead);
 * 0 with the line and column set (1-based), or -ENOENT.  jp may be NULL.
 */
int sp_jpos_find(const struct sp_jpos *jp, const char *pointer, int key, int *line, int *col);

#endif /* SYSPHASE_PHASES_JPOS_H */
