/* SPDX-License-Identifier: MIT */
/*
 * The one segmentation pipeline (trace reader -> optional detector ->
 * callback) and the one place that decides which rule set a command uses.
 * The decisions are stated in include/sysphase/trace.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

/* ------------------------------------------------------------- rules */

static bool _is_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/*
 * s for a message: at most 200 bytes, control characters as '?'.  A
 * header's string is whatever the trace's writer put there; it must not
 * reach a terminal as escape sequences or break the one-line message.
 */
static const char *_printable(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s[i] && i + 1 < n && i < 200; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/*
 * jansson's message without its " near '...'" tail, which quotes the
 * file's bytes: the file may be anything the user mistyped (/etc/shadow).
 */
static const char *_unquoted(const char *text, char *buf, size_t n)
{
	const char *near = strstr(text, " near ");
	size_t len = near ? (size_t)(near - text) : strlen(text);

	if (len >= n)
		len = n - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

/* A rule file the user named: checked to be a JSON rule set before the rules parser quotes it. */
static int _rules_file(const char *path, struct sp_rules **out, struct sp_diag *diag)
{
	struct sp_input *in = NULL;
	char *text = NULL, what[160];
	json_error_t jerr;
	json_t *root = NULL;
	size_t len = 0;
	int rc;

	rc = sp_input_open(path, &in, diag);
	if (rc == -EISDIR)
		return sp_diag_set(diag, EISDIR,
		                   "%s is a directory, not a rule file (give a .json file or a "
		                   "built-in: generic, nginx, pwd)",
		                   path);
	if (rc < 0)
		return rc;
	rc = sp_input_slurp(in, &text, &len, diag);
	sp_input_free(in);
	if (rc < 0)
		return rc;
	root = json_loadb(text, len, 0, &jerr);
	if (!root) {
		rc = sp_diag_at(diag, EINVAL, path, jerr.line > 0 ? jerr.line : 1,
		                jerr.column > 0 ? jerr.column : 1, "not a JSON rule file (%s)",
		                _unquoted(jerr.text, what, sizeof(what)));
	} else if (!json_is_object(root) || !json_object_get(root, "phases")) {
		rc = sp_diag_set(diag, EINVAL, "%s: not a sysphase rule set (no \"phases\" member)",
		                 path);
	} else {
		rc = sp_rules_parse(text, len, path, out, diag);
	}
	json_decref(root);
	free(text);
	return rc;
}

int sp_segment_rules_load(const char *spec, enum sp_rules_from from, const char *exe_dir,
                          struct sp_rules **out, struct sp_diag *diag)
{
	char shown[256];
	size_t n = strlen(spec);
	bool path = strchr(spec, '/') || (n > 5 && !strcmp(spec + n - 5, ".json"));

	*out = NULL;
	if (from == SP_RULES_FROM_HEADER && !_is_name(spec))
		return sp_diag_set(diag, EPERM,
		                   "the trace's header names rules '%s', which is not a built-in: "
		                   "a trace does not choose files to open; give --rules",
		                   _printable(spec, shown, sizeof(shown)));
	if (path)
		return _rules_file(spec, out, diag);
	return sp_rules_load(spec, exe_dir, out, diag);
}

/* ---------------------------------------------------------- pipeline */

struct sp_segment {
	struct sp_trace_reader *r;
	bool no_phases;
	struct sp_rules *rules;
	struct sp_detector *det; /* only when re-cutting */
	struct sp_runtime *rt;   /* a container runtime in front (trace/runtime.c) */
	char *note;
};

/* The rule set: the user's (re-cut), else the header's for order and descriptions. */
static int _segment_rules(struct sp_segment *s, const struct sp_segment_opts *o,
                          struct sp_diag *diag)
{
	const struct sp_trace_header *h = sp_trace_reader_header(s->r);
	struct sp_diag why = {{0}};
	int rc;

	if (o->no_phases)
		return 0;
	if (o->rules) {
		rc = sp_segment_rules_load(o->rules, SP_RULES_FROM_USER, o->exe_dir, &s->rules,
		                           diag);
		if (rc < 0)
			return rc;
		s->det = sp_detector_new(s->rules);
		return s->det ? 0 : sp_diag_set(diag, ENOMEM, "out of memory");
	}
	if (!h->rules) {
		/*
		 * Recorded without --rules: cut with `generic`, the rule set
		 * for any program, as if it had been given (DESIGN.md: the plain
		 * flow is the product; `record -- PROG` then `export TRACE`).
		 */
		rc = sp_segment_rules_load("generic", SP_RULES_FROM_USER, o->exe_dir, &s->rules,
		                           diag);
		if (rc < 0)
			return rc;
		s->det = sp_detector_new(s->rules);
		return s->det ? 0 : sp_diag_set(diag, ENOMEM, "out of memory");
	}
	rc = sp_segment_rules_load(h->rules, SP_RULES_FROM_HEADER, o->exe_dir, &s->rules, &why);
	if (rc == -ENOMEM)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (rc < 0 && o->need_rules)
		return sp_diag_set(diag, -rc, "%s: %s", sp_trace_reader_path(s->r), why.msg);
	if (rc < 0 && !(s->note = strdup(why.msg)))
		return sp_diag_set(diag, ENOMEM, "out of memory");
	return 0;
}

/*
 * A runtime in front: the classifier, and a re-cut from the entrypoint
 * (the recorder's stamps began with the runtime's own process, not with
 * the program's).  With the header's rules unloadable, stamps stay.
 */
static int _segment_runtime(struct sp_segment *s, const struct sp_segment_opts *o, const char *path,
                            struct sp_diag *diag)
{
	struct sp_runtime *scan = NULL;
	int rc = 0;

	if (o->no_phases || o->no_runtime_detect)
		return 0;
	if (o->entrypoint_exec <= 0)
		rc = sp_runtime_scan(path, &scan, diag);
	sp_runtime_free(scan);
	if (rc < 0 || (rc == 0 && o->entrypoint_exec <= 0))
		return rc;
	s->rt = sp_runtime_new(o->entrypoint_exec);
	if (s->rt && !s->det && s->rules)
		s->det = sp_detector_new(s->rules);
	return s->rt && (s->det || !s->rules) ? 0 : sp_diag_set(diag, ENOMEM, "out of memory");
}

int sp_segment_open(const struct sp_segment_opts *o, struct sp_segment **out, struct sp_diag *diag)
{
	struct sp_segment *s = calloc(1, sizeof(*s));
	struct sp_input *in = o->input;
	int rc;

	*out = NULL;
	if (!s) {
		sp_input_free(in);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	s->no_phases = o->no_phases;
	rc = in ? sp_trace_reader_from_input(&in, &s->r, diag)
	        : sp_trace_reader_open(o->trace, &s->r, diag);
	if (rc == 0)
		rc = _segment_rules(s, o, diag);
	if (rc == 0)
		rc = _segment_runtime(s, o, sp_trace_reader_path(s->r), diag);
	if (rc < 0) {
		sp_segment_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

const struct sp_trace_header *sp_segment_header(const struct sp_segment *s)
{
	return sp_trace_reader_header(s->r);
}

const struct sp_rules *sp_segment_rules(const struct sp_segment *s)
{
	return s->rules;
}

const char *sp_segment_rules_name(const struct sp_segment *s)
{
	return s->rules ? sp_rules_name(s->rules) : sp_trace_reader_header(s->r)->rules;
}

bool sp_segment_recut(const struct sp_segment *s)
{
	return s->det != NULL;
}

const char *sp_segment_note(const struct sp_segment *s)
{
	return s->note;
}

const char *sp_segment_path(const struct sp_segment *s)
{
	return sp_trace_reader_path(s->r);
}

bool sp_segment_runtime(const struct sp_segment *s)
{
	return s->rt != NULL;
}

pid_t sp_segment_entry_pid(const struct sp_segment *s)
{
	return sp_runtime_entry_pid(s->rt);
}

/*
 * A runtime's event: 1 to skip it, 0 once handed to a sink that wants it
 * (or that stopped the run: *rc), -ENOMEM.
 */
static int _runtime_event(struct sp_segment *s, const struct sp_segment_sink *sink,
                          struct sp_event *ev, struct sp_segment_info *info, int *rc)
{
	int who = sp_runtime_feed(s->rt, ev);

	if (who < 0)
		return who;
	if (who == SP_RUNTIME_PROGRAM)
		return 0;
	*rc = 0;
	if (sink->want & SP_TRACE_WANT_RUNTIME) {
		ev->phase = SP_RUNTIME_PHASE;
		info->runtime = true;
		*rc = sink->event(sink->ctx, ev, info);
	}
	return 1;
}

bool sp_segment_truncated(const struct sp_segment *s)
{
	return sp_trace_reader_truncated(s->r);
}

int sp_segment_run(struct sp_segment *s, const struct sp_segment_sink *sink, struct sp_diag *diag)
{
	struct sp_event ev = {0};
	struct sp_transition tr;
	struct sp_segment_info info;
	int rc;

	/*
	 * The detector's triggers may test decoded arguments and stack
	 * frames; the runtime classifier reads clone3's and setns's.
	 */
	sp_trace_reader_want(s->r, sink->want |
	                               (s->det ? SP_TRACE_WANT_DEC | SP_TRACE_WANT_STACK : 0) |
	                               (s->rt ? SP_TRACE_WANT_DEC : 0));
	while ((rc = sp_trace_read(s->r, &ev, diag)) == 1) {
		int skip = 0;

		info.line = sp_trace_reader_line(s->r);
		info.stamp = ev.phase; /* borrowed from the reader until the next read */
		info.tr = NULL;
		info.runtime = false;
		if (s->rt && (skip = _runtime_event(s, sink, &ev, &info, &rc)) < 0) {
			rc = sp_diag_set(diag, ENOMEM, "out of memory");
			break;
		}
		if (skip && rc != 0)
			break;
		if (skip)
			continue;
		if (s->det) {
			rc = sp_detector_feed(s->det, &ev, &tr);
			if (rc < 0) {
				rc = sp_diag_set(diag, ENOMEM, "out of memory");
				break;
			}
			if (rc > 0)
				info.tr = &tr;
		} else if (!ev.phase && !s->no_phases) {
			/* The recorder stamps every event once rules are in use: this is damage. */
			rc = sp_diag_at(diag, EINVAL, sp_trace_reader_path(s->r), (int)info.line, 1,
			                "event without a phase stamp in a stamped trace: give "
			                "--rules to re-cut it");
			break;
		}
		rc = sink->event(sink->ctx, &ev, &info);
		if (rc != 0)
			break;
	}
	sp_event_clear(&ev);
	return rc;
}

void sp_segment_free(struct sp_segment *s)
{
	if (!s)
		return;
	sp_detector_free(s->det);
	sp_runtime_free(s->rt);
	sp_rules_free(s->rules);
	sp_trace_reader_free(s->r);
	free(s->note);
	free(s);
}
