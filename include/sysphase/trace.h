/* SPDX-License-Identifier: MIT */
/*
 * sysphase trace: the trace file format.
 */
#ifndef SYSPHASE_TRACE_H
#define SYSPHASE_TRACE_H

#include "sysphase/core.h"

/*
 * The trace file: JSON Lines, documented in docs/trace-format.md.
 * Line 1 is a header; each further line is one struct sp_event.
 * The writer streams (nothing is kept per event); the reader parses one
 * line at a time and tolerates a truncated last line (a killed run).
 */

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>


#define SP_TRACE_FORMAT "sysphase-trace"
#define SP_TRACE_VERSION 1

struct sp_trace_header {
	json_t *command;    /* array of strings (argv), or the attached PID's cmdline */
	const char *kernel; /* uname -r */
	const char *arch;   /* "x86_64" */
	double start_time;  /* Unix time of the first event's zero */
	const char *rules;  /* rule set name given to record --rules, or NULL */
	bool entry_only;    /* recorded with --no-exit */
	bool attached;	    /* -p PID rather than a launched program */
};

struct sp_trace_writer;

/*
 * Starts a trace on f (borrowed; the caller closes it after
 * sp_trace_writer_free) and writes the header line.  0 or -errno.
 */
int sp_trace_writer_new(FILE *f, const struct sp_trace_header *hdr, struct sp_trace_writer **out);

/* Appends one event as one line.  0 or -errno (e.g. -ENOSPC from the stream). */
int sp_trace_write(struct sp_trace_writer *w, const struct sp_event *ev);

/* Flushes and frees the writer; 0 or -errno of the flush. */
int sp_trace_writer_free(struct sp_trace_writer *w);

struct sp_trace_reader;

/*
 * Opens path ("-" for stdin) and parses its header.  On error diag says
 * "path:line:col: what".  The header's strings and json belong to the reader.
 */
int sp_trace_reader_open(const char *path, struct sp_trace_reader **out, struct sp_diag *diag);

/* The parsed header (valid while the reader lives). */
const struct sp_trace_header *sp_trace_reader_header(const struct sp_trace_reader *r);

/*
 * Reads the next event into ev (cleared first with sp_event_clear()).
 * Returns 1 with an event, 0 at the end, -errno with diag set on a
 * malformed line.  A truncated final line is not an error: it ends the
 * trace and sp_trace_reader_truncated() says so.
 */
int sp_trace_read(struct sp_trace_reader *r, struct sp_event *ev, struct sp_diag *diag);

/* Whether the trace ended in a truncated line (the run was killed). */
bool sp_trace_reader_truncated(const struct sp_trace_reader *r);

/* The 1-based line number of the last event read, for messages. */
long sp_trace_reader_line(const struct sp_trace_reader *r);

void sp_trace_reader_free(struct sp_trace_reader *r);

#endif /* SYSPHASE_TRACE_H */
