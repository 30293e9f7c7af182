/* SPDX-License-Identifier: MIT */
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
#ifndef SYSPHASE_FILTERS_REPORT_H
#define SYSPHASE_FILTERS_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "compare.h"
#include "policy.h"
#include "tracer/event.h"

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
	const char *const *phase_desc;	/* one line per policy phase, parallel to policy->phases */
	json_t *timeline;		/* sp_timeline_to_json(t, true); NULL for a policy alone */
	const struct sp_policy *policy; /* NULL when none could be built */
	const char *policy_note;	/* why there is no policy, shown in its place */
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

#endif /* SYSPHASE_FILTERS_REPORT_H */
