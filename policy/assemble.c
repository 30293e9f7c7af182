/* SPDX-License-Identifier: MIT */
/*
 * Assembling a policy from what `export` is given: one or more traces
 * recorded with the same rules, each phase the union over them, and the
 * complain logs of `run --complain` folded in after checking that they
 * belong to this policy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sysphase/phases.h"
#include "sysphase/trace.h"

#include "policy_impl.h"

struct assembly {
	const struct sp_policy_inputs *in;
	struct sp_diag *diag;
	json_t *rules_json;     /* the first trace's rules, to compare the others' with */
	const char *rules_from; /* that trace */
	struct sp_rules *rules; /* a copy of them: phase order, merge checks */
	struct sp_policy_builder *b;
	struct sp_baseline *bl; /* what the kernel and the C runtime add (docs/baseline.md) */
	const char **order;     /* the rules' phase names, which the builder borrows */
	const char *trace;      /* being read */
	uint64_t said_wx;       /* phases (below 64) a log showed mapping code: said once */
	uint64_t said_uring;    /* the same for io_uring held back */
	char digest[80];        /* the policy a complain log's run headers must name */
};

static void warn(const struct assembly *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(const struct assembly *a, const char *fmt, ...)
{
	struct sp_diag note = {{0}};
	char text[sizeof(note.msg)];
	va_list ap;

	if (!a->in->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sp_diag_set(&note, 0, "%s", text); /* one line, whatever the names hold */
	a->in->warn(a->in->warn_ctx, note.msg);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* The builder, set up from the first trace: phase order, program, rules, what is held back. */
static int set_up(struct assembly *a, const struct sp_segment *s)
{
	const struct sp_trace_header *h = sp_segment_header(s);
	size_t n_order = sp_rules_phase_count(a->rules);
	json_t *program = json_pack("{s:O?,s:s?}", "command", h->command, "arch", h->arch);
	json_t *rules_json = json_deep_copy(a->rules_json);
	char why[256];
	int rc = -ENOMEM;

	a->order = calloc(n_order + 1, sizeof(*a->order));
	if (!a->order || !program || !rules_json)
		goto out;
	for (size_t i = 0; i < n_order; i++)
		a->order[i] = sp_rules_phase_name(a->rules, (int)i);
	a->b = sp_policy_builder_new(a->in->args, a->order, n_order);
	if (!a->b || sp_complain_policy_digest(json_string_value(json_array_get(h->command, 0)),
	                                       a->rules_json, a->digest, sizeof(a->digest)) < 0)
		goto out;
	rc = sp_policy_builder_set_origin(a->b, program, rules_json, sp_rules_name(a->rules));
	program = rules_json = NULL;
	for (const char *const *u = sp_policy_unfilterable();
	     rc == 0 && !a->in->allow_io_uring && *u; u++) {
		snprintf(
		    why, sizeof(why),
		    "its operations are invisible to seccomp (io_uring runs them without a "
		    "syscall; Docker's default profile denies it too): --allow-io-uring keeps it");
		rc = sp_policy_builder_hold_back(a->b, *u, json_pack("{s:s}", "reason", why),
		                                 a->diag);
	}
out:
	json_decref(program);
	json_decref(rules_json);
	if (rc == -ENOMEM)
		sp_diag_set(a->diag, ENOMEM, "out of memory");
	return rc;
}

/*
 * Every trace must have been cut with the same rules as the first
 * (compared as JSON, not by name: a file edited between two recordings
 * is other rules).  With --rules all of them are re-cut with one set.
 */
static int check_rules(struct assembly *a, const struct sp_segment *s, const char *trace)
{
	json_t *j = sp_rules_to_json(sp_segment_rules(s));
	int rc = 0;

	if (!j)
		return sp_diag_set(a->diag, ENOMEM, "out of memory");
	if (!a->rules_json) {
		a->rules_json = j;
		a->rules_from = trace;
		rc = sp_rules_from_json(j, sp_rules_name(sp_segment_rules(s)), &a->rules, a->diag);
		return rc == 0 ? set_up(a, s) : rc;
	}
	if (!json_equal(a->rules_json, j))
		rc = sp_diag_set(a->diag, EXDEV,
		                 "%s was recorded with other rules ('%s') than %s ('%s'): export "
		                 "them separately, or re-cut them with --rules",
		                 trace, sp_rules_name(sp_segment_rules(s)), a->rules_from,
		                 sp_rules_name(a->rules));
	json_decref(j);
	return rc;
}

static int on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct assembly *a = ctx;
	int rc = sp_policy_feed(a->b, ev, a->diag);

	if (rc < 0 && rc != -ENOMEM) {
		char what[sizeof(a->diag->msg)];

		snprintf(what, sizeof(what), "%s", a->diag->msg);
		return sp_diag_at(a->diag, -rc, a->trace, (int)info->line, 0, "%s", what);
	}
	if (rc == 0 && (rc = sp_baseline_feed(a->bl, ev)) < 0 && rc != -ENOMEM)
		rc = sp_diag_at(a->diag, -rc, a->trace, (int)info->line, 0,
		                "more phases than a policy can have");
	if (rc == 0 && a->in->on_event)
		rc = a->in->on_event(a->in->hook_ctx, ev);
	return rc;
}

/* A trace opened, before its events: same rules as the first, and a source of its own. */
static int begin_trace(struct assembly *a, const struct sp_segment *s, const char *trace)
{
	int rc = check_rules(a, s, trace);

	if (rc == 0)
		rc = sp_policy_builder_begin_source(a->b, base_name(trace));
	if (rc == -E2BIG)
		sp_diag_set(a->diag, E2BIG, "at most 64 traces and logs");
	else if (rc == -ENOMEM)
		sp_diag_set(a->diag, ENOMEM, "out of memory");
	a->trace = trace;
	return rc;
}

static int add_trace(struct assembly *a, const char *trace)
{
	struct sp_segment_opts o = {.trace = trace,
	                            .rules = a->in->rules,
	                            .exe_dir = a->in->exe_dir,
	                            .need_rules = true,
	                            .no_runtime_detect = a->in->no_runtime_detect,
	                            .entrypoint_exec = a->in->entrypoint_exec};
	struct sp_segment_sink sink = {.event = on_event, .ctx = a, .want = a->in->want};
	struct sp_segment *s = NULL;
	int rc;

	rc = sp_segment_open(&o, &s, a->diag);
	if (rc == 0)
		rc = begin_trace(a, s, trace);
	/* Stacks come whole when asked for or when the detector tests them (segment.c). */
	if (rc == 0)
		sp_policy_builder_reads(a->b,
		                        (sink.want & SP_TRACE_WANT_STACK) ||
		                            sp_rules_need_stack(sp_segment_rules(s)),
		                        sink.want & SP_TRACE_WANT_DEC);
	if (rc == 0)
		rc = sp_segment_run(s, &sink, a->diag);
	if (rc == 0 && sp_segment_runtime(s))
		warn(a,
		     "%s: a container runtime is in front of the program: the policy starts at "
		     "its entrypoint (process %d); the runtime's calls are in no phase",
		     trace, (int)sp_segment_entry_pid(s));
	if (rc == 0 && sp_segment_truncated(s))
		warn(a,
		     "%s ends in a truncated line (the run was killed): using the events before it",
		     trace);
	sp_segment_free(s);
	return rc;
}

/* mmap, mprotect, pkey_mprotect: the calls W^X constrains (prot is argument 2). */
static bool maps_memory(const struct sp_event *ev)
{
	return ev->name && (strcmp(ev->name, "mmap") == 0 || strcmp(ev->name, "mprotect") == 0 ||
	                    strcmp(ev->name, "pkey_mprotect") == 0);
}

/*
 * A logged call that maps code lifts W^X in its phase, and says so.  A
 * call only the kernel saw has no arguments; completion lets mmap and
 * mprotect through without PROT_EXEC in every phase that allocates, so
 * one the filter still denied is taken as mapping code (a JIT's, a late
 * dlopen's).  The hooks get it with PROT_EXEC in prot.
 */
static void note_code_mapping(struct assembly *a, struct sp_event *ev, bool args_known,
                              const char *log)
{
	int idx = sp_rules_phase_index(a->rules, ev->phase);

	if (!maps_memory(ev) || (args_known && !(ev->args[2] & PROT_EXEC)))
		return;
	ev->args[2] |= PROT_EXEC;
	if (idx < 0 || idx >= 64 || (a->said_wx >> idx & 1))
		return;
	a->said_wx |= 1ull << idx;
	warn(a,
	     "%s: phase '%s' was seen mapping code (%s%s): W^X is lifted there, its mmap "
	     "and mprotect may map executable memory",
	     log, ev->phase, ev->name,
	     args_known ? " with PROT_EXEC"
	                : ", denied by a filter that lets it through without "
	                  "PROT_EXEC");
}

/*
 * io_uring in a log is merged only with allow_io_uring; otherwise it stays
 * held back, which `run` answers with EPERM (sp_filter_graceful_errno()):
 * the program's own fallback runs, nothing is killed, and the next round
 * logs nothing more.  One line per phase says which.
 */
static void note_io_uring(struct assembly *a, const struct sp_event *ev, const char *log)
{
	int idx = sp_rules_phase_index(a->rules, ev->phase);

	if (a->in->allow_io_uring || !ev->name || strncmp(ev->name, "io_uring", 8) != 0 ||
	    idx < 0 || idx >= 64 || (a->said_uring >> idx & 1))
		return;
	a->said_uring |= 1ull << idx;
	warn(a,
	     "%s: phase '%s' called %s: held back (io_uring's operations bypass seccomp); "
	     "run answers io_uring_setup with EPERM and the program falls back to libaio "
	     "(allowed there in its place) or threads; --allow-io-uring merges it",
	     log, ev->phase, ev->name);
}

/*
 * Folds a complain log in, each call in the phase it was logged in.  A
 * phase the rules do not have means the log was made under another
 * policy: refused, rather than a policy `run` would then reject.
 */
static int add_log(struct assembly *a, const char *log)
{
	struct sp_complain_reader *r = NULL;
	struct sp_event ev;
	bool warned = false;
	char label[300];
	int rc;

	snprintf(label, sizeof(label), "merge:%s", base_name(log));
	rc = sp_policy_builder_begin_source(a->b, label);
	if (rc == -E2BIG)
		return sp_diag_set(a->diag, E2BIG, "at most 64 traces and logs");
	if (rc < 0)
		return sp_diag_set(a->diag, -rc, "out of memory");
	rc = sp_complain_reader_open(log, &r, a->diag);
	while (rc == 0 && (rc = sp_complain_reader_next(r, &ev, a->diag)) == 1) {
		const char *of = sp_complain_reader_policy(r);

		if (of && strcmp(of, a->digest) != 0) {
			rc = sp_diag_at(
			    a->diag, EXDEV, log, (int)sp_complain_reader_line(r), 1,
			    "the log was made under another policy (%s, program '%s'), "
			    "not this one (%s)",
			    of, sp_complain_reader_program(r) ? sp_complain_reader_program(r) : "?",
			    a->digest);
			break;
		}
		if (!of && !warned) {
			warn(a,
			     "%s: a log without run headers: which policy it was made under cannot "
			     "be checked",
			     log);
			warned = true;
		}
		if (sp_rules_phase_index(a->rules, ev.phase) < 0) {
			rc = sp_diag_set(a->diag, EXDEV,
			                 "%s:%ld: phase '%s' is not in the rules '%s': a log of "
			                 "another policy",
			                 log, sp_complain_reader_line(r), ev.phase,
			                 sp_rules_name(a->rules));
			break;
		}
		note_io_uring(a, &ev, log);
		note_code_mapping(a, &ev, sp_complain_reader_has_args(r), log);
		rc = sp_policy_feed_logged(a->b, &ev, sp_complain_reader_has_args(r), a->diag);
		if (rc == 0 && (rc = sp_baseline_feed(a->bl, &ev)) < 0 && rc != -ENOMEM)
			rc = sp_diag_set(a->diag, -rc, "more phases than a policy can have");
		if (rc == 0 && (a->in->on_logged || a->in->on_event))
			rc = (a->in->on_logged ? a->in->on_logged
			                       : a->in->on_event)(a->in->hook_ctx, &ev);
	}
	sp_complain_reader_free(r);
	return rc < 0 ? rc : 0;
}

static void assembly_release(struct assembly *a)
{
	sp_policy_builder_free(a->b);
	sp_baseline_free(a->bl);
	free(a->order);
	json_decref(a->rules_json);
	sp_rules_free(a->rules);
}

/* After the traces: the logs, the before_finish hook, the baseline, the enforce views. */
static int assembly_finish(struct assembly *a, struct sp_policy **out)
{
	const struct sp_policy_inputs *in = a->in;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < in->n_logs; i++)
		rc = add_log(a, in->logs[i]);
	if (rc == 0 && in->before_finish)
		rc = in->before_finish(in->hook_ctx, a->b);
	/* What the kernel and the C runtime do on the program's behalf, with its reasons. */
	if (rc == 0)
		rc = sp_baseline_apply(a->bl, a->b, a->diag);
	/* What io_uring's users fall back to where it is held back (run answers EPERM). */
	if (rc == 0 && !in->allow_io_uring)
		rc = sp_policy_builder_add_fallbacks(a->b, a->diag);
	if (rc == 0) {
		rc = sp_policy_builder_finish(a->b, out, a->diag);
		a->b = NULL;
	}
	return rc;
}

int sp_policy_assemble(const struct sp_policy_inputs *in, struct sp_policy **out,
                       struct sp_diag *diag)
{
	struct assembly a = {.in = in, .diag = diag};
	int rc = 0;

	*out = NULL;
	if (in->n_traces == 0)
		return sp_diag_set(diag, EINVAL, "no trace to build a policy from");
	a.bl = sp_baseline_new();
	if (!a.bl)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < in->n_traces; i++)
		rc = add_trace(&a, in->traces[i]);
	if (rc == 0)
		rc = assembly_finish(&a, out);
	assembly_release(&a);
	return rc;
}

/* ---- the same assembly, fed by a caller that runs the pipeline itself ---- */

struct sp_policy_assembly {
	struct assembly a;
};

int sp_policy_assembly_new(const struct sp_policy_inputs *in, const struct sp_segment *s,
                           struct sp_policy_assembly **out, struct sp_diag *diag)
{
	struct sp_policy_assembly *pa = calloc(1, sizeof(*pa));
	int rc;

	*out = NULL;
	if (!pa || !(pa->a.bl = sp_baseline_new())) {
		free(pa);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	pa->a.in = in;
	pa->a.diag = diag;
	/* What sp_segment_open() with need_rules says, as export would say it. */
	if (!sp_segment_rules(s))
		rc = sp_diag_set(diag, EINVAL, "%s: %s", sp_segment_path(s),
		                 sp_segment_note(s) ? sp_segment_note(s) : "no rule set");
	else
		rc = begin_trace(&pa->a, s, sp_segment_path(s));
	if (rc < 0) {
		sp_policy_assembly_free(pa);
		return rc;
	}
	*out = pa;
	return 0;
}

int sp_policy_assembly_feed(struct sp_policy_assembly *pa, struct sp_event *ev,
                            const struct sp_segment_info *info)
{
	return on_event(&pa->a, ev, info);
}

int sp_policy_assembly_finish(struct sp_policy_assembly *pa, struct sp_policy **out)
{
	int rc;

	*out = NULL;
	rc = assembly_finish(&pa->a, out);
	sp_policy_assembly_free(pa);
	return rc;
}

void sp_policy_assembly_free(struct sp_policy_assembly *pa)
{
	if (!pa)
		return;
	assembly_release(&pa->a);
	free(pa);
}
