/* SPDX-License-Identifier: MIT */
/*
 * The phase detector: runs a rule set's per-process state machine over a
 * stream of events.  The same engine runs online (inside `record --rules`
 * and `run`, fed by the ptrace supervisor) and offline (`phases`, fed by
 * the trace reader); given the same events in the same order it stamps
 * the same phases, deterministically.
 *
 * State is kept per process (tgid): threads share their process's phase.
 * A process first seen without a fork event starts in the rules' initial
 * phase; a forked child starts in the on_fork phase for its parent's
 * current phase, else in its parent's phase.  The exit of a whole process
 * frees its state, so memory grows with the number of live processes,
 * not with the length of the trace.
 */
#ifndef SYSPHASE_PHASES_DETECTOR_H
#define SYSPHASE_PHASES_DETECTOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "tracer/event.h"
#include "rules.h"

enum sp_transition_kind {
	SP_TR_RULE = 0, /* a transition rule fired in process pid */
	SP_TR_FORK,	/* process pid was born (fork event) in phase `to` */
	SP_TR_START,	/* process pid was first seen (no fork event) in phase `to` */
};

/* What sp_detector_feed() reports when a process enters a phase. */
struct sp_transition {
	enum sp_transition_kind kind;
	pid_t pid;	       /* the process whose phase changed (the child for SP_TR_FORK) */
	pid_t parent;	       /* SP_TR_FORK: the forking process; else 0 */
	double ts;	       /* the triggering event's time */
	int from;	       /* phase index before, -1 for a new process */
	int to;		       /* phase index after */
	const char *from_name; /* interned in the rules; NULL when from == -1 */
	const char *to_name;   /* interned in the rules */
	int edge;	       /* SP_TR_RULE: index for sp_rules_edge(); else -1 */
	bool closes;	       /* SP_TR_RULE: the event was stamped with `from` */
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
 * phase is read with sp_detector_phase_of(d, ev->child).  A rule that
 * fires on a whole-process exit is reported, then the state is freed.
 */
int sp_detector_feed(struct sp_detector *d, struct sp_event *ev, struct sp_transition *out);

/* The current phase of process pid (interned), or NULL when it is unknown. */
const char *sp_detector_phase_of(const struct sp_detector *d, pid_t pid);

/* The same as an index, or -ENOENT. */
int sp_detector_phase_index_of(const struct sp_detector *d, pid_t pid);

/* How many processes the detector is tracking (for the streaming tests). */
size_t sp_detector_live(const struct sp_detector *d);

#endif /* SYSPHASE_PHASES_DETECTOR_H */
