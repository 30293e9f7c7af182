/* SPDX-License-Identifier: MIT */
/*
 * sysphase analysis: comparing allowlists and the HTML report.
 */
#ifndef SYSPHASE_ANALYSIS_H
#define SYSPHASE_ANALYSIS_H

#include "sysphase/core.h"
#include "sysphase/policy.h"

/*
 * Syscall sets and their comparison (`sysphase compare`, the report's
 * summary, bench/thesis.sh).  A set holds x86-64 syscalls by number, as
 * libseccomp names them, so that sets from different sources (a policy,
 * a seccomp profile, a list of names or numbers, the thesis's appendix)
 * meet on common ground.  Every input is read into one; names that do
 * not exist on x86-64 are an error in a hand-made list and are only
 * counted (skipped) in a profile written for several architectures.
 *
 * Comparing A with B gives the sizes, the intersection and both
 * differences, each split by threat level (filters/threat.h), plus
 *   completeness of A w.r.t. B = |A ∩ B| / |B|  (share of B that A allows)
 *   attack-surface reduction   = |A \ B| / |A|  (share of A that B drops).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* x86-64 syscall numbers are dense below 512 (libseccomp knows none above). */
#define SP_SET_NR_MAX 512

/* A set of syscalls (opaque: analysis/set.h). */
struct sp_syscall_set;

/* A new empty set with a copy of label; NULL on ENOMEM. */
struct sp_syscall_set *sp_set_new(const char *label);
void sp_set_free(struct sp_syscall_set *s);

/* Adds x86-64 syscall nr: 0, or -ENOENT when libseccomp has no name for it. */
int sp_set_add_nr(struct sp_syscall_set *s, long nr);

/* Adds a syscall by name: 0, or -ENOENT when it has no x86-64 number. */
int sp_set_add_name(struct sp_syscall_set *s, const char *name);

/* Marks a member as allowed only for some argument values. */
void sp_set_mark_cond(struct sp_syscall_set *s, long nr);

/* Records a name that was skipped (no x86-64 number); 0 or -ENOMEM. */
int sp_set_skip(struct sp_syscall_set *s, const char *name);

bool sp_set_has(const struct sp_syscall_set *s, long nr);
bool sp_set_is_cond(const struct sp_syscall_set *s, long nr);
size_t sp_set_size(const struct sp_syscall_set *s);

/* Its label, for output (borrowed). */
const char *sp_set_label(const struct sp_syscall_set *s);

/* The names skipped for having no x86-64 number, in input order (borrowed; NULL out of range). */
size_t sp_set_skipped_count(const struct sp_syscall_set *s);
const char *sp_set_skipped_at(const struct sp_syscall_set *s, size_t i);

/*
 * Where built-in data and the running system come from; every member
 * may be NULL/0 to mean the default.  Tests set them to pin the answer.
 */
struct sp_set_env {
	const char *exe_dir;        /* to find share/sysphase/data next to the binary */
	const char *docker_profile; /* docker:default file; default SP_DOCKER_DEFAULT_PROFILE */
	const char *kernel;         /* release for minKernel; default uname -r */
};

/* Where Debian's golang-github-docker-docker-dev puts Docker's default profile. */
#define SP_DOCKER_DEFAULT_PROFILE \
	"/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json"

/*
 * Loads a set from a spec:
 *   thesis:PROG:TOOL    PROG nginx|pwd, TOOL chestnut|sysfilter|manual
 *   thesis:PROG:manual:PHASE   one of the thesis's manual phase tables
 *   docker:default      Docker's default profile (conditions evaluated for
 *                       x86-64, the running kernel, Docker's default caps)
 *   FILE                policy.json (union of every phase's exact list),
 *                       an OCI/Docker or Kubernetes seccomp profile, a JSON
 *                       array or a plain list of syscall names or numbers
 *   FILE:PHASE[:VIEW]   one phase of a policy.json, VIEW exact (default)
 *                       or enforce
 * On error diag holds one line, with "file:line:col" when the fault is
 * in a file: -ENOENT (no such file, built-in or phase), -EINVAL
 * (malformed), -ENOMEM.  *out is the caller's (sp_set_free).
 */
int sp_set_load(const char *spec, const struct sp_set_env *env, struct sp_syscall_set **out,
                struct sp_diag *diag);

/*
 * A set from a recorded trace (analysis/trace_set.c, through the one
 * segmentation pipeline): spec is TRACE (every x86-64 syscall it made) or
 * TRACE:PHASE (those its stamps put in PHASE).  Calls through other ABIs
 * are recorded as skipped.  1 when spec names no trace (try sp_set_load),
 * 0 with *out, or -errno with diag (-ENOENT: no such phase).
 */
int sp_set_from_trace(const char *spec, const char *exe_dir, struct sp_syscall_set **out,
                      struct sp_diag *diag);

/*
 * The same from text already in memory: a plain list or a JSON array of
 * names/numbers (name is used in messages).  Separators are white space
 * and commas; '#' starts a comment.
 */
int sp_set_parse_list(const char *text, size_t len, const char *name, struct sp_syscall_set *into,
                      struct sp_diag *diag);

/*
 * An OCI/Docker seccomp profile (root borrowed): the syscalls it lets an
 * x86-64 process make.  Docker's includes/excludes (arches, caps) and
 * minKernel are evaluated for amd64, Docker's default capabilities and
 * kernel (a release string such as "6.1.0-13-amd64").
 */
int sp_set_from_oci(json_t *root, const char *name, const char *kernel, struct sp_syscall_set *into,
                    struct sp_diag *diag);

/* Docker's default capability set (NULL-terminated), as its profile's conditions see it. */
extern const char *const sp_docker_default_caps[];

/*
 * Whether kernel release `have` is at least `want` ("4.8"): numeric
 * comparison of the dotted leading numbers.
 */
bool sp_kernel_at_least(const char *have, const char *want);

/* One part of a comparison: a syscall list and its count per threat level. */
struct sp_cmp_part {
	size_t n;
	unsigned by_level[SP_THREAT_LEVELS + 1]; /* [0] = not rated */
	uint64_t bits[SP_SET_NR_MAX / 64];
};

enum sp_cmp_which {
	SP_CMP_A = 0,
	SP_CMP_B,
	SP_CMP_BOTH,
	SP_CMP_ONLY_A,
	SP_CMP_ONLY_B,
	SP_CMP_PARTS
};

struct sp_comparison {
	struct sp_cmp_part part[SP_CMP_PARTS];
	double completeness; /* |A ∩ B| / |B|; negative when B is empty */
	double reduction;    /* |A \ B| / |A|; negative when A is empty */
};

void sp_compare(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                struct sp_comparison *out);

/* "a", "b", "both", "only_a", "only_b". */
const char *sp_cmp_part_name(enum sp_cmp_which w);

/*
 * The comparison as JSON (a new reference, NULL on ENOMEM):
 *   {"a": SET, "b": SET, "both": PART, "only_a": PART, "only_b": PART,
 *    "completeness": x|null, "reduction": x|null}
 * SET = PART + {"label", "conditional": [...], "skipped": [...]},
 * PART = {"size", "by_level": {"1".."4", "unrated"}, "syscalls": {"1": [...], ...}}.
 */
json_t *sp_comparison_to_json(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                              const struct sp_comparison *c);

/* The x86-64 name of number nr (interned), NULL when none. */
const char *sp_set_nr_name(long nr);

/* Every x86-64 syscall number, sorted by name (static storage, *n entries). */
const long *sp_set_name_order(size_t *n);

/*
 * The HTML report (`sysphase report`, docs/report.md): one self-contained
 * file, no network, no scripts, that a person reads to see a program's
 * phases and what each phase's filter allows.
 *
 *   - a timeline picture (inline SVG): one lane per process, sub-lanes per
 *     thread when a process has several, the phases as coloured bands on
 *     a time axis, fork and exec edges, the syscall density inside each
 *     band, and a <title> tooltip on every band;
 *   - the timeline as a table, with the numbers of `sysphase phases
 *     --format json` (the same sp_timeline) in data-* attributes;
 *   - a summary: distinct syscalls per phase and the Level 1 and 2 calls
 *     each phase's filter drops from a whole-run allowlist;
 *   - per phase, the exact and enforce allowlists coloured by threat level
 *     with counts, call-site modules and first use.
 *
 * The document is well-formed XML as well as HTML5 (every element closed,
 * only the five XML entities), so that a test can parse it strictly.
 * A report made from a policy.json alone has no processes: its picture
 * shows when each phase was active instead.
 */

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Collects, from the event stream, what the picture needs beyond the timeline. */
struct sp_report;

/* NULL on ENOMEM. */
struct sp_report *sp_report_new(void);
void sp_report_free(struct sp_report *r);

/*
 * Adds one event (borrowed): threads, forks, execs and the syscall
 * density per thread and per process.  Memory grows with threads, not
 * with events.  0 or -ENOMEM.
 */
int sp_report_feed(struct sp_report *r, const struct sp_event *ev);

enum sp_report_axis {
	SP_AXIS_AUTO = 0, /* logarithmic when short phases would vanish on a linear axis */
	SP_AXIS_LINEAR,
	SP_AXIS_LOG,
};

/* "auto", "linear", "log"; and back (-EINVAL when unknown). */
const char *sp_report_axis_name(enum sp_report_axis a);
int sp_report_axis_from_name(const char *name);

/* Everything but the events; all borrowed, any may be NULL unless said. */
struct sp_report_input {
	const char *title;  /* the program, e.g. "/usr/sbin/nginx -c ..." (required) */
	const char *source; /* the trace or policy file the report is made from */
	const char *rules_name;
	const char *const *phase_desc;  /* one line per policy phase, parallel to policy->phases */
	json_t *timeline;               /* sp_timeline_to_json(t, true); NULL for a policy alone */
	const struct sp_policy *policy; /* NULL when none could be built */
	const char *policy_note;        /* why there is no policy, shown in its place */
	/*
	 * The policy as policy.json (the file read, or sp_policy_to_json() of
	 * the one assembled): its sections beyond the allowlists (Landlock)
	 * are rendered from it, by docs/policy-format.md.
	 */
	const json_t *document;
	/*
	 * A container runtime was in front of the program (trace/runtime.c):
	 * its events are in the timeline as SP_RUNTIME_PHASE, in no phase;
	 * entry_pid is the entrypoint's process (0: it never came).
	 */
	bool runtime;
	pid_t entry_pid;
	const char *kernel, *generator;
	enum sp_report_axis axis;
	/* Other allowlists to hold each phase against (sp_set_load() of --against). */
	const struct sp_syscall_set *const *refs;
	size_t n_refs;
};

/*
 * Writes the report to out.  r may be NULL (no events: a policy alone).
 * 0, -EINVAL (no title, or neither a timeline nor a policy), -ENOMEM,
 * -EIO when out fails.
 */
int sp_report_write(const struct sp_report *r, const struct sp_report_input *in, FILE *out);

/*
 * What a report is made of (analysis/report_doc.c), from a trace cut by
 * the one segmentation pipeline (sp_segment_*, sysphase/trace.h) or from
 * a policy.json; the input is sniffed without losing bytes, so "-" and
 * /dev/stdin work.  From a trace: the timeline, the picture's events and
 * the policy `export` would build (or, when the events give none, the
 * reason, shown in its place).
 */
struct sp_report_doc;

struct sp_report_doc_opts {
	const char *input;   /* a trace or policy.json: path, "-" or /dev/stdin */
	const char *rules;   /* --rules (re-cut the trace), or NULL for its stamps */
	const char *exe_dir; /* where built-in rules are found */
	/*
	 * export's options, so that the allowlists are those `sysphase export`
	 * writes for the same trace and options (sp_policy_inputs).
	 */
	bool args;            /* --args: argument constraints */
	bool allow_io_uring;  /* --allow-io-uring: not held back */
	bool no_complete;     /* --no-complete: no static completion */
	bool allow_held_back; /* --allow-held-back: completion's dangerous calls allowed */
	bool no_landlock;     /* --no-landlock: no Landlock rules */
	/* A container runtime in front (sp_segment_opts): as there. */
	bool no_runtime_detect;
	long entrypoint_exec;
};

/* 0, or -errno with diag: -ENOMEM, else bad input (file:line:col where known). */
int sp_report_doc_load(const struct sp_report_doc_opts *o, struct sp_report_doc **out,
                       struct sp_diag *diag);

/* What the CLI should warn about (one line each, owned by d). */
size_t sp_report_doc_warning_count(const struct sp_report_doc *d);
const char *sp_report_doc_warning(const struct sp_report_doc *d, size_t i);

/*
 * sp_report_write() of d: base gives title (NULL: the traced command),
 * source, generator, axis and refs; the rest comes from d.
 */
int sp_report_doc_write(const struct sp_report_doc *d, const struct sp_report_input *base,
                        FILE *out);

void sp_report_doc_free(struct sp_report_doc *d);

#endif /* SYSPHASE_ANALYSIS_H */
