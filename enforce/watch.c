/* SPDX-License-Identifier: MIT */
/*
 * What run must watch in each phase, worked out once from the rules when
 * the policy is loaded (DESIGN.md, invariant 6: native speed is the
 * default).
 *
 * A thread pays a ptrace stop per syscall only while one of its calls
 * could move it to another phase.  The detector moves a thread on its
 * own events only, and arms "after" triggers on any of them, so a phase
 * needs syscall stops when
 *   - an edge leaving it has a trigger that matches syscalls, exit and
 *     exit_group aside (the tracer reports those at PTRACE_EVENT_EXIT, and
 *     a phase entered at exit_group needs no filter: the process ends
 *     there, so nothing is ever installed for it), or
 *   - an edge the thread can still take from it, itself or later without
 *     an exec in between (an exec clears every "after" met), has an
 *     "after" trigger that matches syscalls: that ordering may be armed by
 *     a call made here.
 * Everywhere else a thread is followed by process events alone: forks,
 * clones, exec, signals and exits, the only ways out.
 *
 * Stacks are costly (an unwind per call): captured only at the calls a
 * stack trigger that may fire in the thread's phase names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/filter.h>

#include "internal.h"

enum reach_by {
	REACH_ALL,       /* every edge */
	REACH_NO_REPEAT, /* edges that are not repeats: filters nest along them */
	REACH_NO_EXEC,   /* edges not fired by exec, which clears every "after" met */
};

/* Phases reachable from each phase along the rules' edges of a kind (itself included). */
static void reachable(const struct sp_rules *r, size_t n, enum reach_by by, uint64_t *reach)
{
	bool grew = true;

	for (size_t i = 0; i < n; i++)
		reach[i] = 1ULL << i;
	while (grew) {
		grew = false;
		for (size_t k = 0; k < sp_rules_edge_count(r); k++) {
			const struct sp_rules_edge *edge = sp_rules_edge(r, k);
			struct sp_rules_watch w;

			sp_rules_edge_watch(r, k, &w);
			if ((by == REACH_NO_REPEAT && edge->repeat) ||
			    (by == REACH_NO_EXEC && w.exec))
				continue;
			for (size_t i = 0; i < n; i++)
				if ((reach[i] & (1ULL << edge->from)) &&
				    !(reach[i] & (1ULL << edge->to))) {
					reach[i] |= 1ULL << edge->to;
					grew = true;
				}
		}
	}
}

static void mark_stack_calls(const struct sp_enforcer *e, size_t edge, struct phase_watch *w)
{
	for (long nr = 0; nr < 1024; nr++) {
		const char *name = sp_syscall_name(SP_ABI_X86_64, nr);

		if (name && sp_rules_edge_may_match(e->rules, edge, name, true))
			w->stack_nr[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
}

/* Every call edge's trigger or "after" trigger may match (all, for one that names none). */
static void mark_arg_calls(const struct sp_enforcer *e, size_t edge, struct phase_watch *w)
{
	for (long nr = 0; nr < 1024; nr++) {
		const char *name = sp_syscall_name(SP_ABI_X86_64, nr);

		if (name && sp_rules_edge_may_match(e->rules, edge, name, false))
			w->args_nr[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
}

/*
 * Complain mode lets no thread go (its forks must be seen): a thread in a
 * phase followed by events alone gets that phase's filter with
 * SECCOMP_RET_LOG as its default, and the kernel logs the rest.
 */
static int build_log_filter(struct sp_enforcer *e, int phase, struct sp_diag *diag)
{
	struct phase_filter *f = &e->filters[phase];
	struct sp_filter_spec spec = {
	    .def = SP_ACTION_LOG, .n_allow = f->n_allow, .allow = f->allow, .for_run = true};
	scmp_filter_ctx sctx = NULL;
	int rc;

	if (!f->observed || f->log_insns)
		return 0;
	rc = sp_filter_build(&spec, &sctx, diag);
	if (rc < 0)
		return rc;
	rc = sp_filter_bpf(sctx, &f->log_insns, &f->log_len);
	seccomp_release(sctx);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "phase '%s': cannot build its log filter: %s",
		                   sp_enforce_phase_name(e, phase), strerror(-rc));
	return 0;
}

int sp_enforce_watch_load(struct sp_enforcer *e, struct sp_diag *diag)
{
	const struct sp_rules *r = e->rules;
	size_t n = e->n_phases;
	uint64_t reach[SP_RULES_MAX_PHASES];
	uint64_t stops = 0; /* phases that need syscall stops */

	e->watch = calloc(n ? n : 1, sizeof(*e->watch));
	if (!e->watch)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	reachable(r, n, REACH_NO_REPEAT, reach);
	for (size_t i = 0; i < n; i++)
		e->watch[i].narrows_to = reach[i];
	/* An "after" met before an exec counts for nothing after it (sp_detector_feed). */
	reachable(r, n, REACH_NO_EXEC, reach);
	for (size_t k = 0; k < sp_rules_edge_count(r); k++) {
		const struct sp_rules_edge *edge = sp_rules_edge(r, k);
		struct sp_rules_watch w;

		sp_rules_edge_watch(r, k, &w);
		/*
		 * Arguments are decoded only where a trigger may test them: at
		 * the calls this edge's trigger may match, in its own phase and
		 * wherever its "after" may be armed before it (as for stacks).
		 */
		for (size_t i = 0; i < n; i++)
			if (i == (size_t)edge->from || (reach[i] & (1ULL << edge->from)))
				mark_arg_calls(e, k, &e->watch[i]);
		if (w.syscalls)
			stops |= 1ULL << edge->from;
		if (w.after_syscalls)
			for (size_t i = 0; i < n; i++)
				if (reach[i] & (1ULL << edge->from))
					stops |= 1ULL << i;
		if (w.stack) {
			e->rules_need_stack = true;
			/* An "after" with a stack may be armed anywhere before the edge. */
			for (size_t i = 0; i < n; i++)
				if (i == (size_t)edge->from || (reach[i] & (1ULL << edge->from)))
					mark_stack_calls(e, k, &e->watch[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int rc;

		e->watch[i].events_only = !(stops & (1ULL << i));
		if (e->watch[i].events_only && e->opts.complain &&
		    (rc = build_log_filter(e, (int)i, diag)) < 0)
			return rc;
	}
	return sp_enforce_triggers_load(e, reach, diag);
}

uint64_t sp_enforce_blame(const struct sp_enforcer *e, uint64_t denying)
{
	uint64_t keep = denying;

	for (size_t h = 0; h < e->n_phases; h++) {
		uint64_t later = e->watch[h].narrows_to & ~(1ULL << h);

		if ((denying & (1ULL << h)) && (later & denying))
			keep &= ~(1ULL << h);
	}
	return keep;
}

bool sp_enforce_wants_stack(const struct sp_enforcer *e, int phase, long nr)
{
	if (phase < 0 || (size_t)phase >= e->n_phases || nr < 0 || nr >= 1024)
		return false;
	return (e->watch[phase].stack_nr[nr / 8] >> (nr % 8)) & 1;
}

bool sp_enforce_wants_args(const struct sp_enforcer *e, int phase, long nr)
{
	/* A thread the detector has no phase for yet, or a number past the table: decoded. */
	if (phase < 0 || (size_t)phase >= e->n_phases || nr < 0 || nr >= 1024)
		return true;
	return (e->watch[phase].args_nr[nr / 8] >> (nr % 8)) & 1;
}
