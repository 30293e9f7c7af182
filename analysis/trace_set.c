/* SPDX-License-Identifier: MIT */
/*
 * A syscall set from a recorded trace, read through the one segmentation
 * pipeline: what `compare TRACE B` holds against B.  The whole trace
 * needs no phases; TRACE:PHASE takes the events the trace's stamps put in
 * that phase.  Only x86-64 calls are members (a filter set is x86-64);
 * calls through other ABIs are listed as skipped, once per (ABI, number).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sysphase/analysis.h"
#include "sysphase/trace.h"

#define MAX_SEEN 64 /* phase names remembered for the "it has" list (SP_RULES_MAX_PHASES) */
#define OTHER_NR 1024

struct _collect {
	struct sp_syscall_set *set;
	const char *phase; /* NULL: every event */
	bool found;
	char *seen[MAX_SEEN];
	size_t n_seen;
	unsigned char other[SP_ABI_UNKNOWN + 1][OTHER_NR / 8];
};

static void _note_phase(struct _collect *c, const char *phase)
{
	for (size_t i = 0; i < c->n_seen; i++)
		if (!strcmp(c->seen[i], phase))
			return;
	if (c->n_seen < MAX_SEEN && (c->seen[c->n_seen] = strdup(phase)))
		c->n_seen++;
}

static int _skip_other(struct _collect *c, const struct sp_event *ev)
{
	char name[96];
	unsigned long nr = (unsigned long)ev->nr % OTHER_NR;
	unsigned char *bits = c->other[ev->abi <= SP_ABI_UNKNOWN ? ev->abi : SP_ABI_UNKNOWN];

	if (bits[nr / 8] & (1u << (nr % 8)))
		return 0;
	bits[nr / 8] |= (unsigned char)(1u << (nr % 8));
	snprintf(name, sizeof(name), "%s:%s", sp_abi_name(ev->abi),
	         ev->name ? ev->name : "(unknown)");
	return sp_set_skip(c->set, name);
}

static int _on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct _collect *c = ctx;

	(void)info;
	if (c->phase) {
		if (ev->phase)
			_note_phase(c, ev->phase);
		if (!ev->phase || strcmp(ev->phase, c->phase))
			return 0;
		c->found = true;
	}
	if (ev->type != SP_EV_SYSCALL)
		return 0;
	if (ev->abi != SP_ABI_X86_64 || sp_set_add_nr(c->set, ev->nr) == -ENOENT)
		return _skip_other(c, ev);
	return 0;
}

/* Whether path is a file whose first line is a trace header. */
static bool _is_trace(const char *path)
{
	struct sp_input *in = NULL;
	struct stat st;
	bool yes;

	if (stat(path, &st) < 0 || S_ISDIR(st.st_mode) || sp_input_open(path, &in, NULL) < 0)
		return false;
	yes = sp_input_kind(in) == SP_INPUT_TRACE;
	sp_input_free(in);
	return yes;
}

static int _collect(const char *path, const char *phase, const char *label, const char *exe_dir,
                    struct sp_syscall_set **out, struct sp_diag *diag)
{
	struct sp_segment_opts o = {.trace = path, .exe_dir = exe_dir, .no_phases = !phase};
	struct _collect c = {.phase = phase};
	struct sp_segment_sink sink = {.event = _on_event, .ctx = &c};
	struct sp_segment *seg = NULL;
	char list[512] = "";
	size_t n = 0;
	int rc;

	c.set = sp_set_new(label);
	if (!c.set)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	rc = sp_segment_open(&o, &seg, diag);
	if (rc == 0)
		rc = sp_segment_run(seg, &sink, diag);
	if (rc > 0 || rc == -ENOMEM)
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
	if (rc == 0 && phase && !c.found) {
		for (size_t i = 0; i < c.n_seen && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
			                      c.seen[i]);
		rc = sp_diag_set(diag, ENOENT, "%s: no phase '%s' (it has: %s)", path, phase, list);
	}
	for (size_t i = 0; i < c.n_seen; i++)
		free(c.seen[i]);
	sp_segment_free(seg);
	if (rc < 0) {
		sp_set_free(c.set);
		return rc;
	}
	*out = c.set;
	return 0;
}

int sp_set_from_trace(const char *spec, const char *exe_dir, struct sp_syscall_set **out,
                      struct sp_diag *diag)
{
	const char *colon = strrchr(spec, ':');
	char *path;
	int rc;

	*out = NULL;
	if (_is_trace(spec))
		return _collect(spec, NULL, spec, exe_dir, out, diag);
	if (!colon || colon == spec || !colon[1])
		return 1;
	path = strndup(spec, (size_t)(colon - spec));
	if (!path)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	rc = _is_trace(path) ? _collect(path, colon + 1, spec, exe_dir, out, diag) : 1;
	free(path);
	return rc;
}
