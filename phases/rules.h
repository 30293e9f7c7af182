/* SPDX-License-Identifier: MIT */
/*
 * Rule sets: a per-process state machine over trace events, loaded from
 * JSON (format in docs/rules.md).  A rule set names its phases, the phase
 * a process starts in, the transitions `from -> to` and the trigger that
 * fires each one, and which phase a forked child starts in.
 *
 * Loading validates everything up front (syscall names, phase names,
 * reachability, globs, flag/errno/signal names) so that the detector never
 * meets a bad rule at run time.  Errors are reported as
 * "file:line:column: message" in the sp_diag.
 *
 * A loaded rule set is immutable and may be shared by any number of
 * detectors.  Phase names are interned in it: the `phase` strings the
 * detector stamps on events stay valid until sp_rules_free().
 */
#ifndef SYSPHASE_PHASES_RULES_H
#define SYSPHASE_PHASES_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tracer/diag.h"

/* Phases are numbered from 0 in the order the rule set lists them. */
#define SP_RULES_MAX_PHASES 64

struct sp_rules;

/* One `from -> to` edge of the state machine (a `from` list is expanded). */
struct sp_rules_edge {
	int from;    /* phase index */
	int to;	     /* phase index */
	bool repeat; /* may re-enter a phase the process has already been in */
	bool closes; /* the triggering event belongs to `from` (else to `to`) */
};

/*
 * Loads a rule set.  path_or_builtin is a file path (it contains a '/' or
 * ends in ".json") or a built-in name ("nginx", "pwd", "generic") looked
 * up as NAME.json in, in order: $SYSPHASE_RULES_DIR,
 * <exe_dir>/../share/sysphase/rules, SYSPHASE_DATADIR/rules,
 * SYSPHASE_SOURCE_DIR/phases/rules.  exe_dir may be NULL.
 * On success *out is a new rule set (free with sp_rules_free) and 0 is
 * returned; otherwise -ENOENT (no such file or built-in), -EINVAL (bad
 * JSON or bad rules: diag holds "file:line:col: message"), -ENOMEM.
 */
int sp_rules_load(const char *path_or_builtin, const char *exe_dir, struct sp_rules **out,
		  struct sp_diag *diag);

/*
 * The same from JSON text already in memory; filename is used in messages
 * only.  For tests and for tools that got the text elsewhere.
 */
int sp_rules_parse(const char *text, size_t len, const char *filename, struct sp_rules **out,
		   struct sp_diag *diag);

/*
 * The same from a parsed JSON object (root is borrowed; it is deep-copied),
 * e.g. the rule set embedded in a policy.json.  No source text means no
 * line numbers: messages say "name: /json/pointer: message".
 */
int sp_rules_from_json(json_t *root, const char *name, struct sp_rules **out, struct sp_diag *diag);

/*
 * The rule set as JSON, for embedding (e.g. in policy.json); a new
 * reference the caller owns.  sp_rules_from_json() of it gives back an
 * equivalent rule set.  NULL on ENOMEM.
 */
json_t *sp_rules_to_json(const struct sp_rules *r);

void sp_rules_free(struct sp_rules *r);

/* The rule set's "name" member (or the built-in/file name); owned by r. */
const char *sp_rules_name(const struct sp_rules *r);

/* Where the rules were loaded from (the resolved file path), or NULL from JSON. */
const char *sp_rules_source(const struct sp_rules *r);

size_t sp_rules_phase_count(const struct sp_rules *r);

/* Name and one-line description of phase i (interned in r), NULL when out of range. */
const char *sp_rules_phase_name(const struct sp_rules *r, int i);
const char *sp_rules_phase_description(const struct sp_rules *r, int i);

/* The index of the phase called name, or -ENOENT. */
int sp_rules_phase_index(const struct sp_rules *r, const char *name);

/*
 * The interned name pointer equal (strcmp) to name, or NULL; lets callers
 * that read phase names from a file compare by pointer afterwards.
 */
const char *sp_rules_phase_intern(const struct sp_rules *r, const char *name);

/* The phase a process that nothing else tells about starts in. */
int sp_rules_initial(const struct sp_rules *r);

/*
 * Whether the rules mark phase i `final`: once a process is there, no
 * later phase needs a narrower filter (run may stop watching it).
 */
bool sp_rules_phase_final(const struct sp_rules *r, int i);

/* Whether any transition leaves phase i (a phase without one is terminal). */
bool sp_rules_phase_has_exits(const struct sp_rules *r, int i);

size_t sp_rules_edge_count(const struct sp_rules *r);

/* Edge i (owned by r), NULL when out of range. */
const struct sp_rules_edge *sp_rules_edge(const struct sp_rules *r, size_t i);

/*
 * The phase a child forked by a process in parent_phase starts in, or -1
 * when it inherits parent_phase (no on_fork entry for it).
 */
int sp_rules_on_fork(const struct sp_rules *r, int parent_phase);

/*
 * Whether any trigger looks at return values or errno: such triggers only
 * match events that carry their exit (has_exit), which `run` must know
 * if it decides at syscall entry.
 */
bool sp_rules_need_exit(const struct sp_rules *r);

#endif /* SYSPHASE_PHASES_RULES_H */
