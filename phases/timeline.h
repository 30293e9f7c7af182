/* SPDX-License-Identifier: MIT */
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
#ifndef SYSPHASE_PHASES_TIMELINE_H
#define SYSPHASE_PHASES_TIMELINE_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "tracer/event.h"

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

#endif /* SYSPHASE_PHASES_TIMELINE_H */
