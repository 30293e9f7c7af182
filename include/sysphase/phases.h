/* SPDX-License-Identifier: MIT */
/*
 * sysphase phases: rule sets, the phase detector and timelines.
 */
#ifndef SYSPHASE_PHASES_H
#define SYSPHASE_PHASES_H

#include "sysphase/core.h"

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

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Phases are numbered from 0 in the order the rule set lists them. */
#define SP_RULES_MAX_PHASES 64

struct sp_rules;

/* One `from -> to` edge of the state machine (a `from` list is expanded). */
struct sp_rules_edge {
	int from;    /* phase index */
	int to;      /* phase index */
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
 * Whether a thread whose filter allows what allowed(ctx, name) says can
 * take edge i at all: its trigger's syscalls (any of them), execve or
 * execveat for an exec, a fork or clone call for a fork, clone or clone3
 * for a clone; a signal or an exit always can.  An edge that needs a call
 * the filter denies is never taken without a denial (docs/policy-format.md,
 * "Nesting over the rules").  False when i is out of range.
 */
bool sp_rules_edge_possible(const struct sp_rules *r, size_t i,
                            bool (*allowed)(void *ctx, const char *name), void *ctx);

/* Whether such a thread can fork at all (an on_fork edge): fork, vfork, clone or clone3. */
bool sp_rules_fork_possible(bool (*allowed)(void *ctx, const char *name), void *ctx);

/*
 * Whether any trigger looks at return values or errno: such triggers only
 * match events that carry their exit (has_exit), which a trace recorded
 * with --no-exit does not have (`record` warns).
 */
bool sp_rules_need_exit(const struct sp_rules *r);

/*
 * What the trigger of an edge (or its "after" trigger) looks at, for an
 * online supervisor that feeds the detector only what may fire a
 * transition (run: no syscall stops where none can, stacks only at the
 * calls a stack trigger names).
 */
struct sp_rules_watch {
	bool syscalls;       /* its trigger matches syscalls other than exit and exit_group */
	bool after_syscalls; /* its "after" trigger does (armed in whatever phase) */
	bool stack;          /* it looks at call stacks (function names: symbolised stacks) */
	bool site;           /* it looks at call-site modules */
	bool strings;        /* it compares decoded strings: the string size counts */
	bool exec;           /* it fires on exec, which clears every "after" condition met */
};

/* Fills *out for edge i; -ENOENT when out of range. */
int sp_rules_edge_watch(const struct sp_rules *r, size_t i, struct sp_rules_watch *out);

/*
 * Whether the trigger of edge i, or its "after" trigger, may match a
 * syscall called name (any name when the trigger lists none); with
 * stack_only, only a trigger that looks at the stack counts.
 */
bool sp_rules_edge_may_match(const struct sp_rules *r, size_t i, const char *name, bool stack_only);

/*
 * The syscalls the trigger of edge i (after false) or its "after" trigger
 * (after true) can match, each name handed to each(ctx, name): 0 when it
 * names them (none when it is no syscall trigger), 1 when it matches any
 * call (it names none), -ENOENT when i is out of range.  An online
 * supervisor that stops only at the calls that may fire or arm a
 * transition (run's trigger stops) stops at these.
 */
int sp_rules_edge_calls(const struct sp_rules *r, size_t i, bool after,
                        void (*each)(void *ctx, const char *name), void *ctx);

/*
 * Whether any trigger tests the function names of the call stack
 * (`stack`): only symbolised stacks (`record --stack`) carry them.
 */
bool sp_rules_need_stack(const struct sp_rules *r);

/*
 * The longest string an argument predicate must see whole to match: the
 * shortest string its longest glob or "eq"/"in" string matches.  Decoded
 * strings are cut at `record -s` bytes; past that such a predicate never
 * matches (`record` warns).  0 when no predicate tests a string.
 */
size_t sp_rules_string_need(const struct sp_rules *r);

/*
 * A program's own rule set, inferred from a trace with symbolised stacks
 * (phases/infer.c says how): its serving loops are the functions of its
 * own module its recurring waits sit under.  Feed every event of the
 * trace in order, then ask for the rules: a new JSON object in the rules
 * language (sp_rules_from_json() loads it), with a comment on each
 * transition saying where it came from.  -ENODATA (diag says why) when
 * no serving loop shows: no function names, or no recurring waits.
 */
struct sp_infer;

/* name: the program's, for the rule set's name ("<name>-inferred"). NULL on ENOMEM. */
struct sp_infer *sp_infer_new(const char *name);
int sp_infer_feed(struct sp_infer *in, const struct sp_event *ev);
int sp_infer_rules(const struct sp_infer *in, json_t **out, struct sp_diag *diag);
void sp_infer_free(struct sp_infer *in);

/*
 * The phase detector: runs a rule set's per-process state machine over a
 * stream of events.  The same engine runs online (inside `record --rules`
 * and `run`, fed by the ptrace supervisor) and offline (`phases`, fed by
 * the trace reader); given the same events in the same order it stamps
 * the same phases, deterministically.
 *
 * State is kept per thread, as seccomp filters are: a thread's phase
 * changes only on its own events (its syscalls, the signals it receives,
 * the threads and children it creates, its exec and exit), so it does
 * not depend on how threads interleave.  A new thread starts with a copy
 * of its creator's state machine (the filter it inherits at clone time),
 * in the phase its creator's clone event is stamped with.  A process
 * first seen without a fork event starts in the rules' initial phase; a
 * forked child starts in the on_fork phase for the phase its parent's
 * fork event is stamped with, else in that phase.  A thread's exit frees
 * its state and nothing else; the exit of a whole process frees all of
 * it, so memory grows with the number of live threads, not with the
 * length of the trace.  A process's phase is the least advanced of its
 * threads' (the first in the rules' order).
 */

#include <stdbool.h>
#include <sys/types.h>

enum sp_transition_kind {
	SP_TR_RULE = 0, /* a transition rule fired in thread tid of process pid */
	SP_TR_FORK,     /* process pid was born (fork event) in phase `to` */
	SP_TR_START,    /* thread tid (of process pid) was first seen unannounced, in phase `to` */
};

/* What sp_detector_feed() reports when a process enters a phase. */
struct sp_transition {
	enum sp_transition_kind kind;
	pid_t pid;             /* the process whose phase changed (the child for SP_TR_FORK) */
	pid_t tid;             /* the thread whose phase changed (the child's for SP_TR_FORK) */
	pid_t parent;          /* SP_TR_FORK: the forking process; else 0 */
	double ts;             /* the triggering event's time */
	int from;              /* phase index before, -1 for a new process */
	int to;                /* phase index after */
	const char *from_name; /* interned in the rules; NULL when from == -1 */
	const char *to_name;   /* interned in the rules */
	int edge;              /* SP_TR_RULE: index for sp_rules_edge(); else -1 */
	bool closes;           /* SP_TR_RULE: the event was stamped with `from` */
};

struct sp_detector;

/* rules is borrowed and must outlive the detector.  NULL on ENOMEM. */
struct sp_detector *sp_detector_new(const struct sp_rules *rules);
void sp_detector_free(struct sp_detector *d);

/*
 * Feeds one event.  Sets ev->phase to the phase the event belongs to
 * (interned in the rules: the parent's phase for a fork event, the phase
 * the process was in for an exit).  Returns 1 when a process entered a
 * phase (a rule fired, a child was forked, or an unknown process appeared)
 * and fills *out (out may be NULL); 0 when no phase changed; -ENOMEM.
 * One transition is reported per event: when a fork event also fires a
 * rule in the parent, the parent's SP_TR_RULE is reported and the child's
 * phase is read with sp_detector_phase_of(d, ev->child).  A clone event
 * reports no transition for the new thread (it starts in the phase the
 * event is stamped with: read it with sp_detector_thread_phase_of()).  A
 * rule that fires on an exit is reported, then the state is freed.
 */
int sp_detector_feed(struct sp_detector *d, struct sp_event *ev, struct sp_transition *out);

/*
 * The current phase of process pid (interned): the least advanced of its
 * threads' phases, or NULL when it is unknown.
 */
const char *sp_detector_phase_of(const struct sp_detector *d, pid_t pid);

/* The same as an index, or -ENOENT. */
int sp_detector_phase_index_of(const struct sp_detector *d, pid_t pid);

/* The current phase of thread tid (interned), or NULL when it is unknown. */
const char *sp_detector_thread_phase_of(const struct sp_detector *d, pid_t tid);

/* The same as an index, or -ENOENT. */
int sp_detector_thread_phase_index_of(const struct sp_detector *d, pid_t tid);

/*
 * Frees thread tid's state machine, and its process's once it has no
 * thread left: a supervisor that stops following a thread (run lets it
 * go) will feed no more of its events.  Nothing is reported.
 */
void sp_detector_forget(struct sp_detector *d, pid_t tid);

/*
 * Where a supervisor that keeps a record of each thread it follows (run:
 * the tracer's entry, and the enforcer's record on it) lets the detector
 * keep that thread's state machine: one table for every stage, and one
 * look-up of it per event.  slot(ctx, tid) is a pointer-sized slot in the
 * record of thread tid, NULL when there is none (the detector then keeps
 * the state in a table of its own until there is).  The detector stores
 * and clears the slot; the supervisor initialises it to NULL, keeps it at
 * the same address for as long as it is not NULL, and gives it to
 * sp_detector_forget_slot() before it frees or reuses the record.
 */
struct sp_detector_slots {
	void **(*slot)(void *ctx, pid_t tid);
	void *ctx;
};

void sp_detector_lend_slots(struct sp_detector *d, const struct sp_detector_slots *slots);

/*
 * Frees the thread state a lent slot holds (none: nothing), and its
 * process's once it has no thread left, as sp_detector_forget() does.
 */
void sp_detector_forget_slot(struct sp_detector *d, void **slot);

/* How many processes the detector is tracking (for the streaming tests). */
size_t sp_detector_live(const struct sp_detector *d);

/*
 * Timelines: per process, the sequence of phases it went through, each
 * with its start and end time, number of syscalls and the set of distinct
 * syscalls (with counts).  Fed with events that already carry their phase
 * (stamped by the detector or read back from a stamped trace).
 *
 * A segment starts at the first event of a phase and ends where the next
 * segment of the same process starts (or at its last event), so a
 * process's segments tile its life.  Memory grows with processes and
 * phase segments, not with the number of events.
 */

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

struct sp_timeline;

/* A new, empty timeline; NULL on ENOMEM. */
struct sp_timeline *sp_timeline_new(void);
void sp_timeline_free(struct sp_timeline *t);

/*
 * Adds one event (borrowed; its strings are copied when kept).  Events
 * without a phase are counted in a segment named "-".  0 or -ENOMEM.
 */
int sp_timeline_feed(struct sp_timeline *t, const struct sp_event *ev);

/*
 * The timeline as JSON (a new reference):
 *   {"processes": [{"pid", "ppid", "exe", "start", "end", "exit",
 *     "phases": [{"phase", "start", "end", "duration", "syscalls",
 *                 "distinct", "set": {"name": count, ...}}]}]}
 * "set" only with with_syscalls.  Processes in order of first appearance.
 */
json_t *sp_timeline_to_json(const struct sp_timeline *t, bool with_syscalls);

/*
 * The same as a text table for people; a new string (free()).  With
 * with_syscalls each phase line is followed by its syscall set.
 */
char *sp_timeline_to_text(const struct sp_timeline *t, bool with_syscalls);

#endif /* SYSPHASE_PHASES_H */
