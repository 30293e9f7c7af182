/* SPDX-License-Identifier: MIT */
/*
 * sysphase policy: the per-phase allowlist model.
 */
#ifndef SYSPHASE_POLICY_H
#define SYSPHASE_POLICY_H

#include "sysphase/core.h"
#include "sysphase/filters.h"

/*
 * The policy: what each phase of a program used, and what each phase's
 * filter must allow.  Built from a stream of phase-stamped events (the
 * detector's output, online or from a trace), written as policy.json
 * (docs/policy-format.md) and read back by `run` and `compare`.
 *
 *   exact    the syscalls a phase itself made (counts, first/last time,
 *            call-site modules, optional argument constraints);
 *   graph    the phase changes seen: transitions inside a process and
 *            fork edges (parent's phase -> child's first phase);
 *   enforce  the union of `exact` over every phase reachable from this
 *            one in the graph, itself included: seccomp filters stack
 *            and only narrow, so a phase's filter must already allow
 *            everything that comes after it (in the process and in the
 *            children it forks).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SP_POLICY_FORMAT  "sysphase-policy"
#define SP_POLICY_VERSION 1

/* At most this many distinct observed values make a constraint (--args). */
#define SP_POLICY_MAX_VALUES 8

/* Why a phase allows (or lists without allowing) a syscall. */
enum sp_provenance {
	SP_PROV_OBSERVED = 0, /* the phase made it (counts, times, call sites) */
	SP_PROV_BASELINE,     /* the kernel or C runtime makes it on the program's behalf */
	SP_PROV_COMPLETED,    /* reached statically from the phase's observed call sites */
	SP_PROV_HELD_BACK,    /* completion reached it, but it is dangerous: listed, NOT allowed */
	SP_PROV_COUNT,
};

enum sp_edge_kind {
	SP_EDGE_TRANSITION = 0, /* a process moved from one phase to the next */
	SP_EDGE_FORK,           /* a process in `from` forked a child that started in `to` */
};

struct sp_policy_edge {
	int from, to; /* phase indexes */
	enum sp_edge_kind kind;
	uint64_t count;
};

/* The policy (opaque: read it with the accessors below). */
struct sp_policy;

/* Builds a policy from events. */
struct sp_policy_builder;

/*
 * A new builder; with args, argument constraints are collected (see
 * docs/policy-format.md for which calls and arguments).  phase_order
 * (borrowed, may be NULL) lists phase names in the order the policy
 * should list them (the rule set's); phases not in it follow in order of
 * first appearance.  NULL on ENOMEM.
 */
struct sp_policy_builder *sp_policy_builder_new(bool args, const char *const *phase_order,
                                                size_t n_order);

/*
 * Adds one event (borrowed).  ev->phase must be set: -EINVAL (diag says
 * so) for an event without a phase.  0 or -ENOMEM.
 */
int sp_policy_feed(struct sp_policy_builder *b, const struct sp_event *ev, struct sp_diag *diag);

/*
 * Closes the graph and computes the enforce views.  -EINVAL when there
 * is no phase at all or a phase that was entered has no syscall to allow
 * (diag names it).  The builder is freed either way; *out is the caller's
 * (sp_policy_free).
 */
int sp_policy_builder_finish(struct sp_policy_builder *b, struct sp_policy **out,
                             struct sp_diag *diag);

void sp_policy_builder_free(struct sp_policy_builder *b);

/*
 * Adds syscall name to phase `phase` with provenance prov (not OBSERVED:
 * those come from events); why is a JSON object whose reference is
 * stolen ({"reason": "..."} for BASELINE; {"module":.., "function"|
 * "address":.., "chain":[...]} for COMPLETED and HELD_BACK).  HELD_BACK
 * names are listed in the policy, never allowed.  An observed call keeps
 * OBSERVED; of several additions of one name the strongest wins
 * (BASELINE, then COMPLETED, then HELD_BACK) with its why.  The phase
 * must be one of phase_order or already seen in an event; a phase no
 * event entered gets no filter, whatever was added to it.  0, -EINVAL
 * (unknown phase or syscall, diag says which), -ENOMEM.
 */
int sp_policy_builder_add(struct sp_policy_builder *b, const char *phase, const char *name,
                          enum sp_provenance prov, json_t *why, struct sp_diag *diag);

/*
 * The same with one argument condition (copied) every allowed call of
 * name in that phase must meet, also when the phase observed it: static
 * completion's W^X, mmap and mprotect with (prot & PROT_EXEC) == 0 in the
 * phases that load no code.  A condition --args finds on the same
 * argument takes its place.  Errors as sp_policy_builder_add, and -EINVAL
 * for a malformed condition.
 */
int sp_policy_builder_add_cond(struct sp_policy_builder *b, const char *phase, const char *name,
                               enum sp_provenance prov, const struct sp_arg_cond *cond, json_t *why,
                               struct sp_diag *diag);

/*
 * Holds name back in every phase, observed or not: it is listed with why
 * (a JSON object, stolen) and never allowed.  For calls no filter can
 * judge, such as io_uring's (sp_policy_unfilterable()).  0, -EINVAL
 * (unknown syscall, diag says so).
 */
int sp_policy_builder_hold_back(struct sp_policy_builder *b, const char *name, json_t *why,
                                struct sp_diag *diag);

/*
 * Syscalls whose work seccomp cannot see (NULL-terminated, static):
 * io_uring_setup/enter/register, whose ring operations (open, connect,
 * unlink...) the kernel runs without a syscall a filter could judge.
 * Docker's default profile denies them for the same reason.
 */
const char *const *sp_policy_unfilterable(void);

/*
 * Starts a new source (a trace, a complain log): the events fed from now
 * on are credited to it, and policy.json says which sources contributed
 * each call.  At most 64 sources: -E2BIG; -ENOMEM.  Without any call,
 * every event belongs to one unnamed source.
 */
int sp_policy_builder_begin_source(struct sp_policy_builder *b, const char *label);

/*
 * What the policy carries besides the events: the program ({"command":
 * [...], ...}) and the rule set, embedded, with its name.  program and
 * rules are stolen (either may be NULL).  0 or -ENOMEM.
 */
int sp_policy_builder_set_origin(struct sp_policy_builder *b, json_t *program, json_t *rules,
                                 const char *rules_name);

/*
 * The runtime baseline (docs/baseline.md): what the kernel or the C
 * runtime makes on the program's behalf at moments no recording predicts.
 * Fed the same phase-stamped events as a builder, it notes every phase
 * that made syscalls and those that create threads; sp_baseline_apply()
 * then adds, each with provenance SP_PROV_BASELINE and its reason,
 * restart_syscall, rt_sigreturn, exit and exit_group to every phase that
 * made syscalls, and a new
 * thread's start-up and tear-down calls (rseq, set_robust_list,
 * rt_sigprocmask, madvise) to the phases that create threads.
 */
struct sp_baseline;

struct sp_baseline *sp_baseline_new(void); /* NULL on ENOMEM */
void sp_baseline_free(struct sp_baseline *bl);

/* Notes ev (borrowed; one without a phase is ignored).  0, -ENOMEM, -E2BIG (over 64 phases). */
int sp_baseline_feed(struct sp_baseline *bl, const struct sp_event *ev);

/* Adds the baseline to b, before sp_policy_builder_finish().  0 or sp_policy_builder_add()'s
 * -errno. */
int sp_baseline_apply(const struct sp_baseline *bl, struct sp_policy_builder *b,
                      struct sp_diag *diag);

void sp_policy_free(struct sp_policy *p);

/* The index of phase name, or -ENOENT. */
int sp_policy_phase_index(const struct sp_policy *p, const char *name);

/*
 * The policy as JSON (docs/policy-format.md); a new reference.  Keys and
 * arrays in a fixed order, so the same policy always prints the same.
 */
json_t *sp_policy_to_json(const struct sp_policy *p);

/*
 * Reads a policy back from JSON (root borrowed).  -EINVAL with diag
 * "name: /json/pointer: what" on a malformed policy, -ENOMEM.
 */
int sp_policy_from_json(json_t *root, const char *name, struct sp_policy **out,
                        struct sp_diag *diag);

/*
 * The same with the positions of the text root was parsed from (may be
 * NULL): diag then says "name:line:col: /json/pointer: what".
 */
int sp_policy_from_json_pos(json_t *root, const char *name, const struct sp_jpos *pos,
                            struct sp_policy **out, struct sp_diag *diag);

/* The same from a file, with line and column in every message. */
int sp_policy_load(const char *path, struct sp_policy **out, struct sp_diag *diag);

/* ---- reading a policy: everything borrowed from p, valid until sp_policy_free() ---- */

/* "observed", "baseline", "completed", "held_back"; NULL when out of range. */
const char *sp_provenance_name(enum sp_provenance prov);

/* The provenance called name, or -EINVAL. */
int sp_provenance_from_name(const char *name);

size_t sp_policy_phase_count(const struct sp_policy *p);

/* The name of phase i; NULL when i is out of range. */
const char *sp_policy_phase_name(const struct sp_policy *p, size_t i);

/* Figures of one phase, copied out. */
struct sp_phase_info {
	uint64_t events;             /* events stamped with it (all kinds) */
	uint64_t processes_started;  /* processes first seen in it (no fork seen) */
	double first, last;          /* trace times of its first and last event */
	bool has_exits;              /* an edge leaves it for another phase */
	uint64_t other_abi, unknown; /* calls no x86-64 filter can allow */
	size_t n_exact;              /* its own allowlist (every provenance but held back) */
	size_t n_enforce;            /* what its filter allows: the union over its reach */
	size_t n_held_back;
	size_t by_prov[SP_PROV_COUNT]; /* exact entries (and held back ones) per provenance */
	unsigned threat_exact[SP_THREAT_LEVELS + 1]; /* [0] = not rated */
	unsigned threat_enforce[SP_THREAT_LEVELS + 1];
};

/* -EINVAL when i is out of range. */
int sp_policy_phase_info(const struct sp_policy *p, size_t i, struct sp_phase_info *out);

/* One syscall of a phase's own list, copied out (pointers borrowed from p). */
struct sp_call_info {
	const char *name;
	enum sp_provenance prov;
	uint64_t count;     /* observed calls; 0 unless SP_PROV_OBSERVED */
	double first, last; /* trace times of the first and last observed call */
	size_t n_sites;
	const char *const *sites; /* distinct call-site modules, sorted */
	size_t n_conds;           /* --args: conditions every observed call satisfies */
	const struct sp_arg_cond *conds;
	const json_t *
	    why; /* the reason (baseline) or the chain (completed, held back); NULL when observed */
	uint64_t sources; /* bit s set: source s (sp_policy_source_*) contributed it */
};

/*
 * Entry c of phase i's own allowlist, sorted by name: every syscall the
 * phase allows for itself whatever its provenance.  -EINVAL out of range.
 */
int sp_policy_exact_call(const struct sp_policy *p, size_t i, size_t c, struct sp_call_info *out);

/* The index of name in phase i's own allowlist, or -ENOENT. */
int sp_policy_exact_find(const struct sp_policy *p, size_t i, const char *name);

/* Entry c of phase i's held-back list (listed, never allowed), sorted by name. */
int sp_policy_held_back_call(const struct sp_policy *p, size_t i, size_t c,
                             struct sp_call_info *out);

/*
 * Entry c of phase i's enforce allowlist (sorted by name), NULL out of
 * range.  Borrowed from p.
 */
const struct sp_allow *sp_policy_enforce_at(const struct sp_policy *p, size_t i, size_t c);

/* Phases reachable from phase i, itself included, ascending. */
size_t sp_policy_reach_count(const struct sp_policy *p, size_t i);
int sp_policy_reach_at(const struct sp_policy *p, size_t i, size_t k); /* -EINVAL out of range */

/* The phase graph's edges, sorted by (from, to, kind). */
size_t sp_policy_edge_count(const struct sp_policy *p);
int sp_policy_edge_at(const struct sp_policy *p, size_t e, struct sp_policy_edge *out);

/* What the policy carries besides the events (borrowed, may be NULL). */
const json_t *sp_policy_program(const struct sp_policy *p);
json_t *sp_policy_rules(const struct sp_policy *p); /* do not modify */
const char *sp_policy_rules_name(const struct sp_policy *p);
bool sp_policy_has_args(const struct sp_policy *p); /* argument constraints were collected */

/*
 * What the recordings a policy was built from carried, which rules may
 * need (run warns when they lacked it): call stacks, the weakest of the
 * traces (a trace without syscalls counts for nothing), and the length at
 * which decoded strings were cut.  policy.json's `recording`; a policy
 * without it (older, or built from complain logs alone) says UNKNOWN.
 */
enum sp_rec_stacks {
	SP_REC_UNKNOWN = -1,
	SP_REC_NO_STACKS = 0, /* record --no-stack */
	SP_REC_ADDRESSES,     /* module and offset per frame (the default, --stack=addr) */
	SP_REC_SYMBOLS,       /* function names too (--stack), which stack triggers test */
};

struct sp_policy_recording {
	int stacks; /* enum sp_rec_stacks */
	/* The shortest length a string was cut at (record -s); 0 none was cut; -1 unknown. */
	long cut_at;
};

const struct sp_policy_recording *sp_policy_recording(const struct sp_policy *p);

/* The program's path (command[0]), NULL when the policy does not say. */
const char *sp_policy_program_path(const struct sp_policy *p);

/*
 * The inputs the policy was built from (traces, complain logs), in the
 * order they were fed; a call's `sources` bit s stands for source s.
 */
size_t sp_policy_source_count(const struct sp_policy *p);
const char *sp_policy_source_label(const struct sp_policy *p, size_t s); /* NULL out of range */

/*
 * Assembling the policy `export` writes (docs/policy-format.md):
 *   - every trace recorded with the same rules (compared as JSON), each
 *     phase the union over them, read through the segmentation pipeline
 *     (sp_segment_*): with rules, every trace is re-cut by the detector
 *     with those instead of its own stamps;
 *   - then each complain log of `run --complain`, every call in the
 *     phase it was logged in;
 *   - the runtime baseline (sp_baseline_*, docs/baseline.md), after the
 *     before_finish hook;
 *   - io_uring held back in every phase (sp_policy_unfilterable())
 *     unless allow_io_uring.
 * Each trace and log is a source (sp_policy_source_label(): its base
 * name, "merge:" before a log's).  Errors, diag saying which (file:line
 * when in a file): -EINVAL malformed input, -ENOENT a file or rule set
 * that does not exist, -EXDEV inputs that do not belong together (a trace
 * recorded with other rules, a log naming a phase the rules lack or made
 * under another policy), -E2BIG more than 64 inputs, -ENOMEM.
 */
struct sp_policy_inputs {
	const char *const *traces;
	size_t n_traces;
	const char *rules;   /* re-cut with these (name or file); NULL: the traces' stamps */
	const char *exe_dir; /* where built-in rule sets are found */
	const char *const *logs;
	size_t n_logs;
	bool args;           /* collect argument constraints */
	bool allow_io_uring; /* keep io_uring_* allowed where observed */
	/* A container runtime in front (sp_segment_opts): as there. */
	bool no_runtime_detect;
	long entrypoint_exec;
	/* Things worth a warning that do not stop the export (a truncated trace): one line each. */
	void (*warn)(void *ctx, const char *line);
	void *warn_ctx;
	/*
	 * Hooks for a later stage (static completion): each trace event, and
	 * each call of a complain log, after the builder took it (want:
	 * SP_TRACE_WANT_* it reads; a logged mmap or mprotect whose arguments
	 * only the kernel saw comes with PROT_EXEC in prot, see
	 * docs/policy-format.md), and the
	 * builder before it finishes, to add to it (sp_policy_builder_add).
	 * A non-zero return stops the assembly and is returned.
	 */
	int (*on_event)(void *ctx, const struct sp_event *ev);
	/*
	 * Each call of a complain log, in place of on_event when set: a logged
	 * call has no decoded arguments, and what it touched is said by the
	 * log's Landlock lines (sp_complain_reader_next_landlock), not by it.
	 */
	int (*on_logged)(void *ctx, const struct sp_event *ev);
	int (*before_finish)(void *ctx, struct sp_policy_builder *b);
	void *hook_ctx;
	unsigned want;
};

int sp_policy_assemble(const struct sp_policy_inputs *in, struct sp_policy **out,
                       struct sp_diag *diag);

/*
 * The same assembly for a caller that runs the segmentation pipeline
 * itself, because it reads the events for more than the policy (the
 * report's timeline): one trace, opened by the caller (sp_segment_open(),
 * borrowed until finish), each of its events fed here in order, then
 * finished as sp_policy_assemble() finishes (in->logs, before_finish,
 * baseline, io_uring held back).  in (borrowed until finish) is read as
 * sp_policy_assemble() reads it, but for traces, rules and exe_dir,
 * which the segment already applied; diag (borrowed too) receives every
 * error.  A segment without a rule set is refused as export refuses it.
 * A refusal ends the assembly, not the caller's pipeline:
 * sp_policy_assembly_free() and read on.  Errors as sp_policy_assemble().
 */
struct sp_segment;
struct sp_segment_info;
struct sp_policy_assembly;

int sp_policy_assembly_new(const struct sp_policy_inputs *in, const struct sp_segment *s,
                           struct sp_policy_assembly **out, struct sp_diag *diag);
int sp_policy_assembly_feed(struct sp_policy_assembly *a, struct sp_event *ev,
                            const struct sp_segment_info *info);
/* Frees a either way; *out is the caller's (sp_policy_free). */
int sp_policy_assembly_finish(struct sp_policy_assembly *a, struct sp_policy **out);
void sp_policy_assembly_free(struct sp_policy_assembly *a);

/*
 * The export's view of p (sysphase/filters.h, sp_export_write()), with
 * document (borrowed: sp_policy_to_json(p)) as policy.json.
 */
void sp_policy_export_source(const struct sp_policy *p, json_t *document,
                             struct sp_export_source *src);

/* enum sp_view (exact, enforce) is in sysphase/filters.h: the export takes it too. */

/*
 * The allowlist of phase i in a view, ready for sp_filter_build(): a new
 * array (free(); names borrowed from p).  With stacking, a phase with
 * exits also allows seccomp(SECCOMP_SET_MODE_FILTER, ...): whoever moves
 * the program to its next phase (the program itself through the C
 * header, or `run` by injection) installs the next filter with it.
 * Extra names (borrowed, may be NULL) are added unconstrained, e.g. a
 * container runtime's own needs; -EINVAL if libseccomp does not know one.
 */
int sp_policy_allowlist(const struct sp_policy *p, size_t i, enum sp_view view, bool stacking,
                        const char *const *extra, size_t n_extra, struct sp_allow **out,
                        size_t *n_out, struct sp_diag *diag);

/*
 * The complain log of `sysphase run --complain` (docs/run.md): one JSON
 * line per call the enforced filter would have denied, folded into a
 * policy by `export --merge`.  The format's one definition, both ways.
 */
#include <stdio.h>

/*
 * Each run appends to the log (never truncates): first a header line
 *   {"type":"run","program":[argv...],"policy":DIGEST,"time":"2026-...Z"}
 * then, when the run ends, one line per (process, phase, syscall) with how
 * many times it came ("count") and the first call's thread, time,
 * arguments and call site when the supervisor saw it ("seen": "ptrace"),
 * or none of those when only the kernel's audit record did ("seen":
 * "kernel", a thread let go under a SECCOMP_RET_LOG filter).
 */
struct sp_complaint {
	pid_t pid, tid;    /* tid 0: unknown (kernel) */
	const char *phase; /* the phase whose filter did not list it */
	const char *name;  /* NULL when the number has no name */
	enum sp_abi abi;
	long nr;
	uint64_t count;
	double first;  /* time of the first (-1: unknown) */
	bool has_args; /* args and site are the first call's */
	uint64_t args[SP_MAX_ARGS];
	const char *site; /* may be NULL */
	bool kernel;      /* from an audit record, not a ptrace stop */
	/*
	 * Not a denial: the errno enforcing answers the call with by design
	 * (sp_filter_graceful_errno(): io_uring_setup EPERM), which complain
	 * mode gave too; written as "answer".  0 for a call it would deny.
	 */
	int answer;
};

/*
 * Which policy a log was made under, as its headers name it: a digest of
 * the program's path and the embedded rule set (canonical JSON), which
 * every round of the learning loop keeps; another program or other rules
 * give another.  Written into out (size >= 32).  0 or -ENOMEM.
 */
int sp_complain_policy_digest(const char *program, const json_t *rules, char *out, size_t size);

/*
 * Appends the header of a run of program (a JSON array of strings,
 * borrowed) under the policy whose digest is given, at `when` (seconds
 * since the epoch).  Flushed.  -errno with diag on a write error
 * (ENOSPC on a full disk, EPIPE...), -ENOMEM.
 */
int sp_complain_write_header(FILE *out, const json_t *program, const char *policy_digest,
                             long long when, struct sp_diag *diag);

/*
 * The same, for a run that simulated the policy's Landlock layers on the
 * threads it followed with syscall stops (the header says "landlock":
 * "simulated"): their would-be Landlock denials are in the log, so a
 * violation such a thread made says nothing about its files.
 */
int sp_complain_write_header_ll(FILE *out, const json_t *program, const char *policy_digest,
                                long long when, bool landlock_simulated, struct sp_diag *diag);

/*
 * A Landlock would-be denial of complain mode (docs/run.md): what a
 * followed thread did that the layers it would hold deny, once per
 * (process, phase, object) with the rights united and a count.  Exactly
 * one of path, port and scope names the object.
 */
struct sp_complain_landlock {
	pid_t pid, tid;
	const char *phase;   /* the phase whose layer denies it (the narrowest) */
	const char *syscall; /* the first call that needed it */
	const char *path;    /* absolute, as the kernel resolved it; NULL for a port or scope */
	bool dir;            /* the rights are beneath path (make_*, remove_*, refer) */
	uint64_t fs;         /* SP_LL_FS_* */
	long port;           /* -1 none */
	uint64_t net;        /* SP_LL_NET_* */
	uint64_t scope;      /* SP_LL_SCOPE_* */
	uint64_t count;
	double first; /* trace time of the first, or < 0 */
};

/* Appends one Landlock would-be denial ("type": "landlock") and flushes it.  Errors as above. */
int sp_complain_write_landlock(FILE *out, const struct sp_complain_landlock *c,
                               struct sp_diag *diag);

/* Appends one deduplicated entry and flushes it.  Errors as above. */
int sp_complain_write_entry(FILE *out, const struct sp_complaint *c, struct sp_diag *diag);

/* One call ev seen in phase, as an entry of count 1 (tests and tools). */
int sp_complain_write(FILE *out, const struct sp_event *ev, const char *phase,
                      struct sp_diag *diag);

struct sp_complain_reader;

/* Reads the log at path.  -errno with diag when it cannot be opened. */
int sp_complain_reader_open(const char *path, struct sp_complain_reader **out,
                            struct sp_diag *diag);

/* Reads from in (borrowed, not closed), naming it name in messages.  NULL on ENOMEM. */
struct sp_complain_reader *sp_complain_reader_new(FILE *in, const char *name);

/*
 * The next violation as a syscall event with ev->phase set: 1, or 0 at the
 * end.  Its strings are valid until the next call.  -EINVAL with diag
 * "name:line:col: ..." on a malformed line, -EIO on a read error.
 */
int sp_complain_reader_next(struct sp_complain_reader *r, struct sp_event *ev,
                            struct sp_diag *diag);

/*
 * The next Landlock would-be denial (violation lines are checked and
 * skipped; sp_complain_reader_next skips these): 1, or 0 at the end.
 * Strings valid until the next call.  Errors as sp_complain_reader_next.
 */
int sp_complain_reader_next_landlock(struct sp_complain_reader *r, struct sp_complain_landlock *out,
                                     struct sp_diag *diag);

/*
 * Whether the run the last line read belongs to simulated Landlock on the
 * threads it followed (its header says so): false for a log made without
 * layers, or before complain mode simulated them.
 */
bool sp_complain_reader_landlock_simulated(const struct sp_complain_reader *r);

/* Whether the last violation was seen by the kernel alone (a thread let go: "seen": "kernel"). */
bool sp_complain_reader_kernel_only(const struct sp_complain_reader *r);

/* The line number of the last line read (1-based). */
long sp_complain_reader_line(const struct sp_complain_reader *r);

/*
 * The header of the run the last violation read belongs to: its policy
 * digest and its program (argv[0]), NULL before any header (a log
 * written before headers existed).  Valid until the next header is read.
 */
const char *sp_complain_reader_policy(const struct sp_complain_reader *r);
const char *sp_complain_reader_program(const struct sp_complain_reader *r);

/* The last violation's count (1 for a line without one). */
uint64_t sp_complain_reader_count(const struct sp_complain_reader *r);

/*
 * Whether the last violation carries its arguments (seen by ptrace); one
 * only the kernel saw has none, and its ev->args are zeros, not values.
 */
bool sp_complain_reader_has_args(const struct sp_complain_reader *r);

void sp_complain_reader_free(struct sp_complain_reader *r);

/*
 * Landlock rules per phase (policy/landlock*.c, docs/policy-format.md
 * "landlock").  A collector is fed the same phase-stamped events as the
 * builder (sp_policy_inputs.on_event), then attached to the finished
 * policy: each phase's own rules, and its layer, the union over every
 * phase it can reach, where that narrows what a thread entering it holds.
 */
#include "sysphase/landlock.h"

struct sp_landlock;
struct sp_landlock_collector;

struct sp_landlock_collector *sp_landlock_collector_new(void); /* NULL on ENOMEM */
void sp_landlock_collector_free(struct sp_landlock_collector *c);

/* One event (borrowed).  0 or -ENOMEM. */
int sp_landlock_collector_feed(struct sp_landlock_collector *c, const struct sp_event *ev);

/* Derives the rules and layers and attaches them to p (replacing any).  0 or -ENOMEM. */
int sp_landlock_attach(struct sp_landlock_collector *c, struct sp_policy *p, struct sp_diag *diag);

void sp_landlock_free(struct sp_landlock *ll);

/*
 * The learning loop (export --merge): a phase in which a complain run
 * logged calls the recording never saw, made by a thread whose files it
 * could not see (one it let go, seen by the kernel alone, or any thread
 * of a run that simulated no Landlock), did something unknown to its
 * files.  Its rules become unresolved ("source" named in why): no layer
 * reaching it restricts files, its ports and scopes stay.  0 or -ENOMEM.
 */
int sp_landlock_collector_learned(struct sp_landlock_collector *c, const char *phase,
                                  const char *source);

/*
 * The learning loop, for what complain mode did see: a Landlock would-be
 * denial of a thread it followed (sp_complain_reader_next_landlock) widens
 * the phase's own rules, generalised as the recording's are, with
 * "merged from complain log <source>" in the provenance.  0 or -ENOMEM.
 */
int sp_landlock_collector_merge(struct sp_landlock_collector *c,
                                const struct sp_complain_landlock *d, const char *source);

/* Whether p carries Landlock rules at all (export without --no-landlock). */
bool sp_policy_has_landlock(const struct sp_policy *p);

/*
 * Phase i's layer (borrowed from p): 1 with *out and *id (equal ids,
 * equal layers) filled, or 0 when the phase gets none, *why_not saying
 * why.
 */
int sp_policy_landlock_layer(const struct sp_policy *p, size_t i, struct sp_landlock_layer *out,
                             int *id, const char **why_not);

/* Why phase i's layer has no file system part, or NULL. */
const char *sp_policy_landlock_no_fs(const struct sp_policy *p, size_t i);

/* Rule k of phase i's layer with its provenance.  -EINVAL out of range. */
int sp_policy_landlock_rule(const struct sp_policy *p, size_t i, size_t k, const char **path,
                            uint64_t *access, const char **why);

/*
 * Whether a thread in phase i may yet be moved into a phase with a
 * layer: its filter, and those of the phases before it, which it still
 * holds, must then allow sp_landlock_injection_calls().
 */
bool sp_policy_landlock_leads_into_layer(const struct sp_policy *p, size_t i);

/* The calls an injected layer makes (NULL-terminated, static). */
const char *const *sp_landlock_injection_calls(void);

#endif /* SYSPHASE_POLICY_H */
