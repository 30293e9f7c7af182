/* SPDX-License-Identifier: MIT */
/*
 * What a report is made of, assembled from a trace or from a policy.json.
 *
 * A trace goes through the one segmentation pipeline (trace/segment.c),
 * which decides the rules and what an unstamped event means; here each
 * event feeds the timeline, the picture's collector and export's policy
 * assembly (sp_policy_assembly_*: the code `sysphase export` runs, with
 * its options and its completion hooks), so that the report's allowlists
 * are policy.json's.  An assembly that refuses the trace (a phase without
 * a syscall...) costs the report its allowlists, not the report: export's
 * reason is shown in their place.  The input is sniffed without losing a
 * byte, so `-` and /dev/stdin work.
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
	json_t *timeline;
	json_t *document; /* policy.json: the file read, or the assembled policy's */
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
                        const struct sp_report_doc_opts *o, struct sp_diag *diag)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	const char *fmt = json_string_value(json_object_get(root, "format"));
	struct sp_diag ignored = {{0}};
	int rc;

	/* JSON that does not parse: where, as jansson says (a policy.json edited by hand). */
	if (!root && (text[strspn(text, " \t\r\n")] == '{'))
		return sp_diag_set(diag, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column,
		                   jerr.text);
	/* Neither a trace nor a policy: say so without quoting the file (it may be anything). */
	if (!fmt || strcmp(fmt, SP_POLICY_FORMAT) != 0) {
		json_decref(root);
		return sp_diag_set(diag, EINVAL, "%s: not a sysphase trace or policy.json", name);
	}
	rc = sp_policy_from_json(root, name, &d->policy, diag);
	if (rc < 0) {
		json_decref(root);
		return rc;
	}
	d->document = root;
	if (o->rules)
		_warn(d, "--rules is ignored for a policy: its phases are already cut");
	if (o->args || o->allow_io_uring || o->no_complete || o->allow_held_back ||
	    o->no_landlock || o->no_runtime_detect || o->entrypoint_exec)
		_warn(d,
		      "export's options are ignored for a policy: its allowlists are already made");
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

/*
 * Reading a trace: every event goes to the timeline and the picture's
 * collector, and to export's own policy assembly (policy/assemble.c) for
 * as long as it accepts them.  A refusal (rules the trace cannot name, a
 * phase with no syscall...) ends the assembly with export's message and
 * costs the report its allowlists, never its timeline.
 */
struct _feed {
	struct sp_report_doc *d;
	struct sp_timeline *tl;
	struct sp_policy_inputs in;   /* export's options, for the assembly */
	struct sp_policy_assembly *a; /* NULL once refused */
	/* export's later stages, through the assembly's hooks (cli/cmd_export.c wires the same) */
	struct sp_completer *k;           /* static completion; NULL with --no-complete */
	struct sp_landlock_collector *ll; /* Landlock rules; NULL with --no-landlock */
	bool allow_held_back;
	struct sp_diag pdiag; /* the assembly's refusal */
};

static void _warn_line(void *ctx, const char *line)
{
	_warn(ctx, "%s", line);
}

static int _stage_event(void *ctx, const struct sp_event *ev)
{
	struct _feed *f = ctx;
	int rc = f->k ? sp_completer_feed(f->k, ev) : 0;

	return rc == 0 && f->ll ? sp_landlock_collector_feed(f->ll, ev) : rc;
}

/* As export's: what completion reaches from the recorded stacks, before the baseline. */
static int _complete_policy(void *ctx, struct sp_policy_builder *b)
{
	struct _feed *f = ctx;
	struct sp_completer_stats st;
	struct sp_diag diag = {{0}};
	int rc;

	if (!f->k)
		return 0;
	rc = sp_completer_finish(f->k, f->allow_held_back, sp_completion_to_builder, b, &st, &diag);
	if (rc < 0 && rc != -ENOMEM)
		sp_diag_set(&f->pdiag, -rc, "completion: %s",
		            diag.msg[0] ? diag.msg : strerror(-rc));
	return rc;
}

/* The assembly ends here; its reason is shown in place of the allowlists. */
static int _refused(struct _feed *f, int rc)
{
	sp_policy_assembly_free(f->a);
	f->a = NULL;
	if (rc == -ENOMEM)
		return rc;
	snprintf(f->d->note, sizeof(f->d->note), "%s",
	         f->pdiag.msg[0] ? f->pdiag.msg : strerror(-rc));
	return 0;
}

static int _on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct _feed *f = ctx;
	int rc;

	if (sp_timeline_feed(f->tl, ev) < 0 || sp_report_feed(f->d->rep, ev) < 0)
		return -ENOMEM;
	/* A container runtime's events are drawn, and in no phase and no filter. */
	if (f->a && !info->runtime && (rc = sp_policy_assembly_feed(f->a, ev, info)) != 0)
		return _refused(f, rc);
	return 0;
}

/* export's inputs for the options given (cli/cmd_export.c makes the same). */
static int _assembly_inputs(struct _feed *f, const struct sp_report_doc_opts *o)
{
	f->in = (struct sp_policy_inputs){.args = o->args,
	                                  .allow_io_uring = o->allow_io_uring,
	                                  .warn = _warn_line,
	                                  .warn_ctx = f->d};
	f->allow_held_back = o->allow_held_back;
	if (!o->no_complete) {
		f->k = sp_completer_new(NULL);
		f->in.want |= SP_TRACE_WANT_STACK;
	}
	/* Landlock rules come from the decoded arguments (paths, flags, addresses). */
	if (!o->no_landlock) {
		f->ll = sp_landlock_collector_new();
		f->in.want |= SP_TRACE_WANT_DEC;
	}
	f->in.on_event = _stage_event;
	f->in.before_finish = _complete_policy;
	f->in.hook_ctx = f;
	return (!o->no_complete && !f->k) || (!o->no_landlock && !f->ll) ? -ENOMEM : 0;
}

static int _run(struct _feed *f, const struct sp_report_doc_opts *o, struct sp_diag *diag)
{
	struct sp_report_doc *d = f->d;
	struct sp_segment_sink sink = {.event = _on_event, .ctx = f};
	int rc = _assembly_inputs(f, o);

	sink.want = f->in.want | SP_TRACE_WANT_RUNTIME;
	if (rc == 0 && (rc = sp_policy_assembly_new(&f->in, d->seg, &f->a, &f->pdiag)) < 0)
		rc = _refused(f, rc);
	if (rc == 0)
		rc = sp_segment_run(d->seg, &sink, diag);
	if (rc == 0 && sp_segment_runtime(d->seg) && sp_segment_entry_pid(d->seg))
		_warn(d,
		      "%s: a container runtime is in front of the program: the policy starts at "
		      "its entrypoint (process %d); the runtime's calls are in no phase",
		      o->input, (int)sp_segment_entry_pid(d->seg));
	else if (rc == 0 && sp_segment_runtime(d->seg))
		_warn(d,
		      "--entrypoint-exec: the trace has fewer execs; every event is the runtime's");
	if (rc == 0 && sp_segment_truncated(d->seg))
		_warn(
		    d,
		    "%s ends in a truncated line (the run was killed): using the events before it",
		    o->input);
	if (rc == 0 && f->a) {
		rc = sp_policy_assembly_finish(f->a, &d->policy);
		f->a = NULL;
		/* As export, after the assembly: each phase's Landlock rules and layer. */
		if (rc == 0 && f->ll)
			rc = sp_landlock_attach(f->ll, d->policy, &f->pdiag);
		if (rc < 0) {
			sp_policy_free(d->policy);
			d->policy = NULL;
			rc = _refused(f, rc);
		}
	}
	sp_policy_assembly_free(f->a);
	sp_completer_free(f->k);
	sp_landlock_collector_free(f->ll);
	return rc;
}

static int _from_trace(struct sp_report_doc *d, struct sp_input **in,
                       const struct sp_report_doc_opts *o, struct sp_diag *diag)
{
	struct sp_segment_opts so = {.input = *in,
	                             .rules = o->rules,
	                             .exe_dir = o->exe_dir,
	                             .no_runtime_detect = o->no_runtime_detect,
	                             .entrypoint_exec = o->entrypoint_exec};
	struct _feed f = {.d = d};
	const struct sp_trace_header *h;
	int rc;

	*in = NULL;
	rc = sp_segment_open(&so, &d->seg, diag);
	if (rc < 0)
		return rc;
	f.tl = sp_timeline_new();
	d->rep = sp_report_new();
	rc = f.tl && d->rep ? _run(&f, o, diag) : -ENOMEM;
	if (rc == 0 && d->note[0])
		_warn(d, "no allowlists in the report: %s", d->note);
	if (rc == 0 && d->policy && !(d->document = sp_policy_to_json(d->policy)))
		rc = -ENOMEM;
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
			rc = _from_policy(d, o->input, text, len, o, diag);
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
	in.runtime = d->seg && sp_segment_runtime(d->seg);
	in.entry_pid = d->seg ? sp_segment_entry_pid(d->seg) : 0;
	in.document = d->document;
	in.policy = d->policy;
	in.policy_note = d->note[0] ? d->note : NULL;
	in.kernel = d->kernel;
	return sp_report_write(d->rep, &in, out);
}

void sp_report_doc_free(struct sp_report_doc *d)
{
	if (!d)
		return;
	sp_segment_free(d->seg);
	sp_rules_free(d->rules);
	sp_policy_free(d->policy);
	sp_report_free(d->rep);
	json_decref(d->timeline);
	json_decref(d->document);
	free(d->title);
	free(d->kernel);
	free(d->desc);
	free(d);
}
