/* SPDX-License-Identifier: MIT */
/*
 * What a report is made of, assembled from a trace or from a policy.json.
 *
 * A trace goes through the one segmentation pipeline (trace/segment.c),
 * which decides the rules and what an unstamped event means; here each
 * event feeds the timeline, the picture's collector and a policy builder.
 * A policy builder that refuses the events (a phase without a syscall...)
 * costs the report its allowlists, not the report: the reason is shown in
 * their place.  The input is sniffed without losing a byte, so `-` and
 * /dev/stdin work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/analysis.h"
#include "sysphase/completion.h"
#include "sysphase/policy.h"
#include "sysphase/trace.h"

#define MAX_WARNINGS 4

struct sp_report_doc {
	struct sp_rules *rules;   /* from a policy (descriptions only) */
	struct sp_segment *seg;   /* from a trace: owns the rules in use */
	struct sp_policy *policy; /* NULL when none could be built */
	struct sp_report *rep;    /* NULL for a policy alone */
	struct sp_policy_builder *b;
	struct sp_baseline *bl; /* what export adds for the kernel and C runtime */
	struct sp_completer *k; /* export's static completion, from the trace's stacks */
	const char **order;     /* the builder's phase order (borrowed by it) */
	json_t *timeline;
	char *title, *kernel;
	const char **desc;
	char note[1280];
	char warnings[MAX_WARNINGS][1280];
	size_t n_warnings;
};

static void _warn(struct sp_report_doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void _warn(struct sp_report_doc *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n_warnings == MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->warnings[d->n_warnings++], sizeof(d->warnings[0]), fmt, ap);
	va_end(ap);
}

/* The command line as one string, for the title. */
static char *_command_text(json_t *cmd)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&s, &len);
	json_t *v;

	if (!m)
		return NULL;
	json_array_foreach(cmd, i, v)
		fprintf(m, "%s%s", i ? " " : "", json_string_value(v) ? json_string_value(v) : "?");
	if (json_is_string(cmd))
		fputs(json_string_value(cmd), m);
	fclose(m);
	return s;
}

static const struct sp_rules *_rules(const struct sp_report_doc *d)
{
	return d->seg ? sp_segment_rules(d->seg) : d->rules;
}

/* Descriptions of the policy's phases from the rules, parallel to the policy's phases. */
static int _describe_phases(struct sp_report_doc *d)
{
	const struct sp_rules *rules = _rules(d);

	if (!d->policy || !rules)
		return 0;
	d->desc = calloc(sp_policy_phase_count(d->policy) + 1, sizeof(*d->desc));
	if (!d->desc)
		return -ENOMEM;
	for (size_t i = 0; i < sp_policy_phase_count(d->policy); i++) {
		int k = sp_rules_phase_index(rules, sp_policy_phase_name(d->policy, i));

		d->desc[i] = k >= 0 ? sp_rules_phase_description(rules, k) : NULL;
	}
	return 0;
}

/* A policy.json (the whole input, text): its allowlists and its embedded rules' descriptions. */
static int _from_policy(struct sp_report_doc *d, const char *name, const char *text, size_t len,
                        const char *rules, struct sp_diag *diag)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	const char *fmt = json_string_value(json_object_get(root, "format"));
	struct sp_diag ignored = {{0}};
	int rc;

	/* Neither a trace nor a policy: say so without quoting the file (it may be anything). */
	if (!fmt || strcmp(fmt, SP_POLICY_FORMAT) != 0) {
		json_decref(root);
		return sp_diag_set(diag, EINVAL, "%s: not a sysphase trace or policy.json", name);
	}
	rc = sp_policy_from_json(root, name, &d->policy, diag);
	json_decref(root);
	if (rc < 0)
		return rc;
	if (rules)
		_warn(d, "--rules is ignored for a policy: its phases are already cut");
	/* Descriptions are a nicety: a policy whose rules do not load still reports. */
	if (sp_policy_rules(d->policy) &&
	    sp_rules_from_json(sp_policy_rules(d->policy),
	                       sp_policy_rules_name(d->policy) ? sp_policy_rules_name(d->policy)
	                                                       : "policy",
	                       &d->rules, &ignored) < 0)
		d->rules = NULL;
	d->title = _command_text(json_object_get(sp_policy_program(d->policy), "command"));
	return 0;
}

struct _feed {
	struct sp_report_doc *d;
	struct sp_timeline *tl;
	const char *input;
};

/* Every event: the timeline, the picture, and the policy builder while it lasts. */
static int _on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct _feed *f = ctx;
	struct sp_report_doc *d = f->d;
	struct sp_diag diag = {{0}};
	int rc;

	if (sp_timeline_feed(f->tl, ev) < 0 || sp_report_feed(d->rep, ev) < 0)
		return -ENOMEM;
	if (!d->b)
		return 0;
	rc = sp_policy_feed(d->b, ev, &diag);
	if (rc == 0)
		rc = sp_baseline_feed(d->bl, ev);
	if (rc == 0)
		rc = sp_completer_feed(d->k, ev);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(d->note, sizeof(d->note), "%.200s:%ld: %s", f->input, info->line,
		         diag.msg);
		sp_policy_builder_free(d->b);
		d->b = NULL;
	}
	return 0;
}

/* The policy builder, its phases in the rules' order when there are rules. */
static int _builder(struct sp_report_doc *d)
{
	const struct sp_rules *rules = sp_segment_rules(d->seg);
	size_t n = rules ? sp_rules_phase_count(rules) : 0;

	d->order = calloc(n + 1, sizeof(*d->order));
	if (!d->order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		d->order[i] = sp_rules_phase_name(rules, (int)i);
	d->b = sp_policy_builder_new(false, d->order, n);
	d->bl = sp_baseline_new();
	d->k = sp_completer_new(NULL);
	return d->b && d->bl && d->k ? 0 : -ENOMEM;
}

static int _from_trace(struct sp_report_doc *d, struct sp_input **in,
                       const struct sp_report_doc_opts *o, struct sp_diag *diag)
{
	struct sp_segment_opts so = {.input = *in, .rules = o->rules, .exe_dir = o->exe_dir};
	struct _feed f = {.d = d, .input = o->input};
	struct sp_segment_sink sink = {.event = _on_event, .ctx = &f, .want = SP_TRACE_WANT_STACK};
	struct sp_completer_stats st;
	const struct sp_trace_header *h;
	int rc;

	*in = NULL;
	rc = sp_segment_open(&so, &d->seg, diag);
	if (rc < 0)
		return rc;
	if (sp_segment_note(d->seg))
		_warn(d, "%s (the trace's rules): phases listed in order of appearance",
		      sp_segment_note(d->seg));
	f.tl = sp_timeline_new();
	d->rep = sp_report_new();
	rc = f.tl && d->rep ? _builder(d) : -ENOMEM;
	if (rc == 0)
		rc = sp_segment_run(d->seg, &sink, diag);
	if (rc == 0 && sp_segment_truncated(d->seg))
		_warn(
		    d,
		    "%s ends in a truncated line (the run was killed): using the events before it",
		    o->input);
	/*
	 * As export does, in its order: what completion reaches from the
	 * recorded stacks, then the kernel's and the C runtime's calls
	 * (docs/baseline.md), so that the report's allowlists are policy.json's.
	 */
	if (rc == 0 && d->b &&
	    (rc = sp_completer_finish(d->k, false, sp_completion_to_builder, d->b, &st, diag)) <
	        0 &&
	    rc != -ENOMEM) {
		snprintf(d->note, sizeof(d->note), "completion: %s", diag->msg);
		diag->msg[0] = '\0';
		sp_policy_builder_free(d->b);
		d->b = NULL;
		rc = 0;
	}
	if (rc == 0 && d->b && (rc = sp_baseline_apply(d->bl, d->b, diag)) < 0 && rc != -ENOMEM) {
		snprintf(d->note, sizeof(d->note), "%s", diag->msg);
		diag->msg[0] = '\0';
		sp_policy_builder_free(d->b);
		d->b = NULL;
		rc = 0;
	}
	if (rc == 0 && d->b) {
		rc = sp_policy_builder_finish(d->b, &d->policy, diag);
		d->b = NULL;
		if (rc < 0 && rc != -ENOMEM) {
			snprintf(d->note, sizeof(d->note), "%s", diag->msg);
			diag->msg[0] = '\0';
			rc = 0;
		}
	}
	if (rc == 0 && d->note[0])
		_warn(d, "no allowlists in the report: %s", d->note);
	if (rc == 0) {
		h = sp_segment_header(d->seg);
		d->timeline = sp_timeline_to_json(f.tl, true);
		d->title = _command_text(h->command);
		d->kernel = h->kernel ? strdup(h->kernel) : NULL;
		if (!d->timeline || !d->title || (h->kernel && !d->kernel))
			rc = -ENOMEM;
	}
	sp_timeline_free(f.tl);
	if (rc == -ENOMEM)
		sp_diag_set(diag, ENOMEM, "out of memory");
	return rc;
}

int sp_report_doc_load(const struct sp_report_doc_opts *o, struct sp_report_doc **out,
                       struct sp_diag *diag)
{
	struct sp_report_doc *d = calloc(1, sizeof(*d));
	struct sp_input *in = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (!d)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	rc = sp_input_open(o->input, &in, diag);
	if (rc == 0 && sp_input_kind(in) == SP_INPUT_TRACE) {
		rc = _from_trace(d, &in, o, diag);
	} else if (rc == 0) {
		rc = sp_input_slurp(in, &text, &len, diag);
		if (rc == 0)
			rc = _from_policy(d, o->input, text, len, o->rules, diag);
		free(text);
	}
	sp_input_free(in);
	if (rc == 0 && _describe_phases(d) < 0)
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
	if (rc < 0) {
		sp_report_doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

size_t sp_report_doc_warning_count(const struct sp_report_doc *d)
{
	return d->n_warnings;
}

const char *sp_report_doc_warning(const struct sp_report_doc *d, size_t i)
{
	return i < d->n_warnings ? d->warnings[i] : NULL;
}

int sp_report_doc_write(const struct sp_report_doc *d, const struct sp_report_input *base,
                        FILE *out)
{
	const struct sp_rules *rules = _rules(d);
	struct sp_report_input in = *base;

	if (!in.title)
		in.title = d->title && *d->title ? d->title : in.source;
	if (d->seg)
		in.rules_name = sp_segment_rules_name(d->seg);
	else
		in.rules_name = rules ? sp_rules_name(rules) : sp_policy_rules_name(d->policy);
	in.phase_desc = d->desc;
	in.timeline = d->timeline;
	in.policy = d->policy;
	in.policy_note = d->note[0] ? d->note : NULL;
	in.kernel = d->kernel;
	return sp_report_write(d->rep, &in, out);
}

void sp_report_doc_free(struct sp_report_doc *d)
{
	if (!d)
		return;
	sp_policy_builder_free(d->b);
	sp_baseline_free(d->bl);
	sp_completer_free(d->k);
	sp_segment_free(d->seg);
	sp_rules_free(d->rules);
	sp_policy_free(d->policy);
	sp_report_free(d->rep);
	json_decref(d->timeline);
	free(d->title);
	free(d->kernel);
	free(d->desc);
	free(d->order);
	free(d);
}
