/* SPDX-License-Identifier: MIT */
/*
 * The HTML report's parts, private to analysis/: the event collector
 * (report_collect.c), text and colour helpers (report_text.c), the SVG
 * pictures (report_svg.c), the per-phase allowlists (report_phase.c), the
 * policy's further sections (report_extra.c) and the document
 * (report_html.c).  Everything is printed straight to the output stream.
 */
#ifndef SYSPHASE_REPORT_IMPL_H
#define SYSPHASE_REPORT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "sysphase/analysis.h"
#include "sysphase/core.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- what the collector keeps (report_collect.c) ---- */

#define HIST_E0      1e-6
#define HIST_R       1.02
#define HIST_BUCKETS 1400

/*
 * Syscall counts in buckets that grow geometrically from the anchor: its
 * first event, and again after each exec (an epoch), so that a process
 * started late in a long trace (a container's entrypoint after seconds of
 * runtime) keeps fine buckets for its own milliseconds.
 */
struct hist {
	uint32_t *n;       /* HIST_BUCKETS counts, allocated at the first event */
	double anchor;     /* the time bucket 0 starts at */
	struct hist *prev; /* the epoch before the last exec, owned; NULL */
};

struct rthread {
	pid_t tid, pid;
	double first, last;
	unsigned long syscalls;
	struct hist h;
};

struct rproc {
	pid_t pid;
	struct hist h;
	size_t n_threads; /* rthreads seen for it */
};

struct rfork {
	pid_t parent, child;
	double ts;
	char via[8];
};

struct rexec {
	pid_t pid, former_tid;
	double ts;
	char *path;
};

/* An open-addressing map from a pid/tid to an index, grown at half load. */
struct idmap {
	size_t cap, n;
	pid_t *key;
	size_t *val;
};

struct sp_report {
	struct rthread *threads;
	size_t n_threads, cap_threads;
	struct rproc *procs;
	size_t n_procs, cap_procs;
	struct idmap tmap, pmap;
	struct rfork *forks;
	size_t n_forks, cap_forks;
	struct rexec *execs;
	size_t n_execs, cap_execs;
	double t_end;
};

/* The left edge of density bucket k, in seconds from its histogram's anchor. */
double rp_hist_edge(size_t k);

/* The index stored for key, or SIZE_MAX. */
size_t rp_idmap_get(const struct idmap *m, pid_t key);

/* Makes room for one more element of size sz in *arr.  0 or -ENOMEM. */
int rp_grow(void **arr, size_t *cap, size_t n, size_t sz);

/* ---- text and colours (report_text.c) ---- */

/*
 * Text and attribute values: the five XML entities; control characters
 * dropped; bytes that are not UTF-8 become U+FFFD.
 */
void rp_esc(FILE *out, const char *str);

/* A time in seconds for people: "812 µs", "4.39 ms", "1.25 s"; buf returned. */
const char *rp_fmt_time(char *buf, size_t len, double s);

/* CSS classes and labels of the threat levels, [0] = not rated. */
extern const char *const rp_level_class[SP_THREAT_LEVELS + 1];
const char *rp_level_label(int l);

/* A syscall's level as a table cell, as a chip, and a phase's counts per level. */
void rp_level_cell(FILE *out, const char *name);
void rp_chip(FILE *out, const char *name);
void rp_level_counts(FILE *out, const unsigned *c);

/* The colour of phase i (an hsl() value); i < 0 is grey. */
void rp_phase_colour(char *buf, size_t len, int i);

/* The phases in colour order: the policy's, then those only the timeline has. */
struct rp_names {
	const char **v; /* borrowed */
	size_t n, cap;
};

int rp_names_add(struct rp_names *nm, const char *s);           /* its index, or -ENOMEM */
int rp_colour_of(const struct rp_names *nm, const char *phase); /* -1: no phase (grey) */

/* Not a phase: "-" (unstamped) or SP_RUNTIME_PHASE (a container runtime's events). */
bool rp_no_phase(const char *phase);

const char *rp_base_name(const char *path);

/* A process's program: its exe, else its nearest ancestor's (a forked child). */
const char *rp_exe_of(json_t *procs, json_t *p);

/* ---- pictures (report_svg.c) ---- */

/*
 * The timeline of a trace: a lane per process (sp_timeline JSON), r may be
 * NULL.  entry_pid: a container runtime's entrypoint process (0: none),
 * from whose first phase the program's time is counted.
 */
int rp_timeline_svg(FILE *out, const struct sp_report *r, json_t *procs, const struct rp_names *nm,
                    enum sp_report_axis mode, pid_t entry_pid);

/* A policy alone: when each phase was active. */
void rp_policy_svg(FILE *out, const struct sp_policy *p, const struct rp_names *nm,
                   enum sp_report_axis mode);

/* The phase graph as an arc diagram. */
void rp_graph_svg(FILE *out, const struct sp_policy *p, const struct rp_names *nm);

/* The phase colours' legend; runtime: a key for a container runtime's events. */
void rp_legend(FILE *out, const struct rp_names *nm, bool runtime);

/* ---- the policy's sections (report_phase.c, report_extra.c) ---- */

/* Phase i: what it is, when, and its exact, held-back and enforce lists.  0 or -ENOMEM. */
int rp_phase_section(FILE *out, const struct sp_report_input *in, size_t i);

/* policy.json's "landlock" (doc may be NULL): each phase's layer.  0 or -EIO. */
int rp_landlock_section(FILE *out, const json_t *doc);

/* A container runtime in front of the program (in->runtime): its processes and the entrypoint. */
void rp_runtime_section(FILE *out, const struct sp_report_input *in);

#endif /* SYSPHASE_REPORT_IMPL_H */
