/* SPDX-License-Identifier: MIT */
/*
 * sysphase trace: the trace file format (writer, reader) and the one
 * segmentation pipeline (reader -> optional detector -> callback) that
 * `phases`, `export`, `report` and `compare` share.
 */
#ifndef SYSPHASE_TRACE_H
#define SYSPHASE_TRACE_H

#include "sysphase/core.h"
#include "sysphase/phases.h"

/*
 * The trace file: JSON Lines, documented in docs/trace-format.md.
 * Line 1 is a header; each further line is one struct sp_event.
 * The writer streams (nothing is kept per event); the reader parses one
 * line at a time and tolerates a truncated last line (a killed run).
 */

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#define SP_TRACE_FORMAT  "sysphase-trace"
#define SP_TRACE_VERSION 1

struct sp_trace_header {
	json_t *command;    /* array of strings (argv), or the attached PID's cmdline */
	const char *kernel; /* uname -r */
	const char *arch;   /* "x86_64" */
	double start_time;  /* Unix time of the first event's zero */
	const char *rules;  /* rule set name given to record --rules, or NULL */
	bool entry_only;    /* recorded with --no-exit */
	bool attached;      /* -p PID rather than a launched program */
};

struct sp_trace_writer;

/*
 * Starts a trace on f (borrowed; the caller closes it after
 * sp_trace_writer_free) and writes the header line.  0 or -errno.
 */
int sp_trace_writer_new(FILE *f, const struct sp_trace_header *hdr, struct sp_trace_writer **out);

/* Appends one event as one line.  0 or -errno (e.g. -ENOSPC from the stream). */
int sp_trace_write(struct sp_trace_writer *w, const struct sp_event *ev);

/*
 * A writer on path ("-" for stdout) opened with sp_output: a regular file
 * is written under a temporary name next to it and renamed over path by
 * sp_trace_writer_free(), a FIFO or device written through.  The header
 * is written.  0 or -errno with diag.
 */
int sp_trace_writer_create(const char *path, const struct sp_trace_header *hdr,
                           struct sp_trace_writer **out, struct sp_diag *diag);

/*
 * Flushes and frees the writer (and commits the output sp_trace_writer_create
 * opened); 0 or -errno of the flush or commit.
 */
int sp_trace_writer_free(struct sp_trace_writer *w);

/*
 * Frees the writer and drops what it wrote: the temporary file of
 * sp_trace_writer_create() is removed and path keeps what it held.
 */
void sp_trace_writer_abort(struct sp_trace_writer *w);

/* The temporary name a sp_trace_writer_create() trace grows under, or NULL (written through). */
const char *sp_trace_writer_temp_path(const struct sp_trace_writer *w);

/*
 * The header of a new recording: argv (or, attached, /proc/PID/cmdline),
 * this machine's `uname -r` and machine, the time now, and the rules as a
 * header names them: a built-in by its name, a rule file by its absolute
 * path (which readers show but never load: see sp_segment_rules_load).
 * h's strings are its own until sp_trace_header_release().  0 or -ENOMEM.
 */
int sp_trace_header_make(struct sp_trace_header *h, char *const *argv, pid_t pid, const char *rules,
                         bool entry_only);
void sp_trace_header_release(struct sp_trace_header *h);

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

/* The name the reader was opened with (the path, or "-"). */
const char *sp_trace_reader_path(const struct sp_trace_reader *r);

/*
 * Which free-form parts of a syscall event the reader builds: decoded
 * arguments (ev->dec) and the call stack (ev->stack).  Both are on by
 * default.  A consumer that never looks at them turns them off: the
 * reader then only checks their syntax, which is most of the saving on
 * a large trace (building json_t trees is what a line costs).
 */
enum {
	SP_TRACE_WANT_DEC = 1u << 0,
	SP_TRACE_WANT_STACK = 1u << 1,
	/*
	 * For a segmentation sink only: also the events of a container
	 * runtime in front of the program (see sp_runtime_*), with phase
	 * SP_RUNTIME_PHASE and info->runtime set.  Without it a sink never
	 * sees them.
	 */
	SP_TRACE_WANT_RUNTIME = 1u << 2,
};
void sp_trace_reader_want(struct sp_trace_reader *r, unsigned want);

void sp_trace_reader_free(struct sp_trace_reader *r);

/*
 * Input that may be a trace or something else (`report` takes a trace or
 * a policy.json), told apart without losing a byte: sp_input_open()
 * reads the first line into memory and says what it is; the input is
 * then handed to the trace reader (which starts with that line) or read
 * whole.  Works on pipes, "-" and /dev/stdin, which cannot be rewound.
 */
struct sp_input;

enum sp_input_kind {
	SP_INPUT_TRACE = 0, /* the first line is a sysphase trace header */
	SP_INPUT_OTHER,     /* anything else (possibly a JSON document) */
};

/*
 * Opens path ("-" for stdin) and reads its first line.  0 or -errno with
 * diag "path: what" (a directory is -EISDIR).  Nothing is quoted from the
 * file.
 */
int sp_input_open(const char *path, struct sp_input **out, struct sp_diag *diag);
enum sp_input_kind sp_input_kind(const struct sp_input *in);
const char *sp_input_path(const struct sp_input *in);

/*
 * The whole input as one NUL-terminated buffer (first line included),
 * which the caller frees; *len without the NUL.  0 or -errno with diag.
 * Consumes the input: only sp_input_free() may follow.
 */
int sp_input_slurp(struct sp_input *in, char **text, size_t *len, struct sp_diag *diag);

/*
 * A trace reader over the input (which is consumed and freed, whatever
 * the result; *in is set to NULL).  Errors as for sp_trace_reader_open().
 */
int sp_trace_reader_from_input(struct sp_input **in, struct sp_trace_reader **out,
                               struct sp_diag *diag);

void sp_input_free(struct sp_input *in);

/*
 * Rule sets for the tools that read traces: ONE place decides which
 * rules a command uses and how a rules argument is resolved.
 *
 * - From the user (--rules R): a built-in name (nginx, pwd, generic) or
 *   a rule file.  A directory is refused in one line (-EISDIR); a file
 *   that is not JSON, or JSON that is not a rule set (no "phases"
 *   member), is refused without quoting any of its bytes, so that a
 *   mistyped path never echoes a secret (`--rules /etc/shadow`).
 * - From a trace header (`rules`): only a built-in NAME is loaded.  The
 *   header is data: whoever wrote the trace chooses it, and a path there
 *   would make sysphase open any file it names.  A header naming a file
 *   is answered with -EPERM and a message asking for --rules PATH.
 *
 * exe_dir as for sp_rules_load().  0, or -errno with diag (-ENOENT: no
 * such built-in or file; -EINVAL: bad rules, "file:line:col: what").
 */
enum sp_rules_from {
	SP_RULES_FROM_USER = 0,
	SP_RULES_FROM_HEADER,
};
int sp_segment_rules_load(const char *spec, enum sp_rules_from from, const char *exe_dir,
                          struct sp_rules **out, struct sp_diag *diag);

/*
 * The runtime is not the program (trace/runtime.c): a container runtime
 * in front of the program is recognised in the trace itself.  The
 * container's process lives in a PID namespace the traced command did not
 * start in (cloned with CLONE_NEWPID, or forked after an unshare or setns
 * into one); its first successful execve/execveat is the entrypoint.
 * From there the entrypoint's process and its descendants are the
 * program; everything before, and every other process, is the runtime's:
 * in no phase and no filter.
 */
enum {
	SP_RUNTIME_PROGRAM = 0,
	SP_RUNTIME_RUNTIME = 1,
};

/* The phase the runtime's events are shown in (never a rule set's phase). */
#define SP_RUNTIME_PHASE "(runtime)"

struct sp_runtime;

/*
 * A classifier fed every event in trace order.  entry_exec 0: the
 * entrypoint is the first exec in a new PID namespace; N > 0: the Nth
 * successful exec of the trace (1 is the traced command's own), for a
 * runtime that defeats the evidence.  NULL when out of memory.
 */
struct sp_runtime *sp_runtime_new(long entry_exec);

/* SP_RUNTIME_PROGRAM or SP_RUNTIME_RUNTIME for ev (which may need ev->dec), or -ENOMEM. */
int sp_runtime_feed(struct sp_runtime *rt, const struct sp_event *ev);

/* Whether the entrypoint was seen, and its process (0 before). */
bool sp_runtime_entered(const struct sp_runtime *rt);
pid_t sp_runtime_entry_pid(const struct sp_runtime *rt);

/* The runtime by the last known binary it exec'd before the entrypoint (runc, crun...), or NULL. */
const char *sp_runtime_name(const struct sp_runtime *rt);

/*
 * Whether the runtime loaded a seccomp filter into the entrypoint's
 * process before its exec (seccomp(SECCOMP_SET_MODE_FILTER), or runc's
 * prctl(PR_SET_SECCOMP, 2)): -1 no, 1 with no_new_privs set before the
 * load, 0 without.  Then sp_runtime_after_load(rt, i) names, i = 0, 1...
 * until NULL, each call the process made from the load to its exec: what
 * the runtime itself runs under the container's profile.
 */
int sp_runtime_filter_loaded(const struct sp_runtime *rt);
const char *sp_runtime_after_load(const struct sp_runtime *rt, size_t i);

void sp_runtime_free(struct sp_runtime *rt);

/*
 * Whether the trace at path has a runtime in front: 1 with *out the
 * classifier fed up to the entrypoint (the caller frees it), 0 when not
 * (or when path is not a regular file, which cannot be read twice),
 * -ENOMEM.  Parses only the lines that can matter (process events,
 * unshare, setns, clone*, execve*, prctl, seccomp, and every call of a
 * process after its filter load), and stops at the entrypoint.
 */
int sp_runtime_scan(const char *path, struct sp_runtime **out, struct sp_diag *diag);

/*
 * The segmentation pipeline: trace reader -> optional detector -> one
 * callback per event (and per phase transition).
 *
 *     struct sp_segment_opts o = {.trace = path, .rules = opt_rules,
 *                                 .exe_dir = sp_exe_dir()};
 *     struct sp_segment *s;
 *     if (sp_segment_open(&o, &s, &diag) < 0) -> print diag.msg, exit 2
 *     ... sp_segment_rules(s), sp_segment_header(s) to set up sinks ...
 *     rc = sp_segment_run(s, &sink, &diag);
 *     if (sp_segment_truncated(s)) -> warn
 *     sp_segment_free(s);
 *
 * Which phases the events get (decided here, for every command):
 * - opts.rules given: the rules are loaded as the user's (see
 *   sp_segment_rules_load) and the trace is RE-CUT by the detector; the
 *   callback sees the trace's own stamp in info->stamp.
 * - else the trace's own stamps are used.  The header's rules are loaded
 *   (built-in names only) for phase order and descriptions; when they
 *   cannot be, sp_segment_rules() is NULL and sp_segment_note() says why
 *   (opts.need_rules turns that into an open error: export embeds them).
 *   A trace with no rules in its header and no opts.rules has no phases:
 *   open fails with "PATH has no phase stamps ...: give --rules R".
 * - Unstamped events: in a stamped trace every event carries `phase`
 *   (the recorder stamps all of them).  An event without one is a
 *   malformed trace: the run stops with "PATH:LINE:1: event without a
 *   phase stamp ..." (-EINVAL), the same for every command.
 *
 * The callback's event is borrowed until it returns; ev->phase is the
 * phase (interned in the rules when re-cut, else the trace's string).
 * A non-zero return from a callback stops the run and is returned.
 */
struct sp_segment_info {
	long line;                      /* the event's line in the trace */
	const char *stamp;              /* the trace's own phase stamp (NULL if none) */
	const struct sp_transition *tr; /* the transition this event made, or NULL */
	bool runtime;                   /* the container runtime's (SP_TRACE_WANT_RUNTIME) */
};

struct sp_segment_sink {
	/* Called for every event, after the detector (if any) stamped it. */
	int (*event)(void *ctx, struct sp_event *ev, const struct sp_segment_info *info);
	void *ctx;
	/* SP_TRACE_WANT_* the sink reads (the detector's needs are added). */
	unsigned want;
};

struct sp_segment_opts {
	const char *trace;      /* path, "-" or /dev/stdin (ignored when input is set) */
	struct sp_input *input; /* or an input already sniffed; consumed by open */
	const char *rules;      /* --rules, or NULL for the trace's stamps */
	const char *exe_dir;    /* where built-in rules are looked up (sp_rules_load) */
	bool need_rules;        /* fail the open when no rule set can be had */
	/*
	 * The consumer ignores phases (a whole-trace syscall set): no rules
	 * are loaded, a trace without stamps is fine, no stamp is checked.
	 */
	bool no_phases;
	/*
	 * A container runtime in front of the program (see sp_runtime_*):
	 * by default recognised when the trace is a regular file that shows
	 * one, and then the trace is re-cut from the entrypoint (with rules,
	 * else the header's).  no_runtime_detect: every event is the
	 * program's.  entrypoint_exec N > 0: the Nth exec is the entrypoint,
	 * whatever the evidence (a runtime that defeats it, a pipe).
	 */
	bool no_runtime_detect;
	long entrypoint_exec;
};

struct sp_segment;

/* Opens the trace and picks the rules (see above).  0 or -errno with diag. */
int sp_segment_open(const struct sp_segment_opts *o, struct sp_segment **out, struct sp_diag *diag);

const struct sp_trace_header *sp_segment_header(const struct sp_segment *s);

/* The rule set in use (owned by s), or NULL (stamps only, header rules not loaded). */
const struct sp_rules *sp_segment_rules(const struct sp_segment *s);

/* The rules' name to show: the rule set's, else the header's string, else NULL. */
const char *sp_segment_rules_name(const struct sp_segment *s);

/* Whether the events are re-cut by the detector (opts.rules was given). */
bool sp_segment_recut(const struct sp_segment *s);

/* Why the header's rules were not loaded (one line), or NULL. */
const char *sp_segment_note(const struct sp_segment *s);

/*
 * After run: whether a container runtime was in front (the pipeline
 * classified events), and the entrypoint's process (0 when it never came).
 */
bool sp_segment_runtime(const struct sp_segment *s);
pid_t sp_segment_entry_pid(const struct sp_segment *s);

/*
 * Reads every event through the pipeline into sink.  0 at the end of
 * the trace; -errno with diag (file:line:col) on a malformed line or an
 * unstamped event; -ENOMEM; or a callback's non-zero return (diag is
 * then the callback's to fill, left empty here).
 */
int sp_segment_run(struct sp_segment *s, const struct sp_segment_sink *sink, struct sp_diag *diag);

/* Whether the trace ended in a truncated line (valid after run). */
bool sp_segment_truncated(const struct sp_segment *s);

/* The trace's name as opened (path or "-"), for messages. */
const char *sp_segment_path(const struct sp_segment *s);

void sp_segment_free(struct sp_segment *s);

/* ---- an event as text (sysphase show) ---- */

/* Terminal colours (escape sequences) for the parts of a line; all NULL in a plain one. */
struct sp_format_style {
	const char *pid, *phase, *name, *err, *event;
	const char *off; /* ends each coloured part */
};

/*
 * ev as one strace-like line, without a newline: "PID [PHASE] name(args) =
 * ret" (the thread as PID/TID), or the process event ("--- clone: new
 * thread 42 ---", "+++ exited with 0 +++").  Arguments from the decoder's
 * table (sp_syscall_spec): the decoded value where ev has one, else the
 * register; a string longer than strsize ends in "...".  style may be
 * NULL.  *out is malloc'd, the caller's.  0 or -ENOMEM.
 */
int sp_event_format(const struct sp_event *ev, const struct sp_format_style *style, size_t strsize,
                    char **out);

#endif /* SYSPHASE_TRACE_H */
