/* SPDX-License-Identifier: MIT */
/*
 * What a supervisor must watch for a rule set's transitions to fire: the
 * detector matches every trigger against the events it is fed, and an
 * online supervisor (run) that feeds it less (no syscall stops, no
 * stacks) must know, from the rules alone, where that changes nothing.
 */
#include <errno.h>
#include <string.h>

#include "sysphase/phases.h"
#include "rules_int.h"

/*
 * Whether a syscall trigger can match a call other than exit and
 * exit_group: those two are seen as process events too (the tracer takes
 * their entry at PTRACE_EVENT_EXIT), so a trigger on them alone needs no
 * syscall stop.
 */
static bool needs_syscall_stops(const struct sp_trigger *t)
{
	if (!t || t->event != SP_EV_SYSCALL)
		return false;
	if (t->syscalls.n == 0)
		return true;
	for (size_t i = 0; i < t->syscalls.n; i++)
		if (strcmp(t->syscalls.v[i], "exit_group") != 0 &&
		    strcmp(t->syscalls.v[i], "exit") != 0)
			return true;
	return false;
}

static bool compares_strings(const struct sp_trigger *t)
{
	for (size_t i = 0; i < t->npreds; i++) {
		const struct sp_pred *p = &t->preds[i];

		if (p->globs.n || p->exclude.n || (p->in && p->rawsite.text))
			return true;
		for (size_t k = 0; k < p->nsites; k++)
			if (p->sites[k].text && p->in)
				return true;
	}
	return false;
}

static void watch_of(const struct sp_trigger *t, struct sp_rules_watch *w)
{
	if (!t)
		return;
	w->stack |= t->event == SP_EV_SYSCALL && t->stack.n > 0;
	w->site |= t->event == SP_EV_SYSCALL && (t->sites.n > 0 || t->not_sites.n > 0);
	w->strings |= t->event == SP_EV_SYSCALL && compares_strings(t);
}

int sp_rules_edge_watch(const struct sp_rules *r, size_t i, struct sp_rules_watch *out)
{
	const struct sp_trigger *t;

	memset(out, 0, sizeof(*out));
	if (i >= r->nedges)
		return -ENOENT;
	t = r->edge_trigger[i];
	out->syscalls = needs_syscall_stops(t);
	out->exec = t->event == SP_EV_EXEC;
	out->after_syscalls = needs_syscall_stops(t->after);
	watch_of(t, out);
	watch_of(t->after, out);
	return 0;
}

static bool may_match(const struct sp_trigger *t, const char *name)
{
	if (!t || t->event != SP_EV_SYSCALL)
		return false;
	if (t->syscalls.n == 0)
		return true;
	for (size_t i = 0; name && i < t->syscalls.n; i++)
		if (strcmp(t->syscalls.v[i], name) == 0)
			return true;
	return false;
}

bool sp_rules_edge_may_match(const struct sp_rules *r, size_t i, const char *name, bool stack_only)
{
	const struct sp_trigger *t;

	if (i >= r->nedges)
		return false;
	t = r->edge_trigger[i];
	if (may_match(t, name) && (!stack_only || t->stack.n))
		return true;
	return may_match(t->after, name) && (!stack_only || t->after->stack.n);
}

int sp_rules_edge_calls(const struct sp_rules *r, size_t i, bool after,
                        void (*each)(void *ctx, const char *name), void *ctx)
{
	const struct sp_trigger *t;

	if (i >= r->nedges)
		return -ENOENT;
	t = after ? r->edge_trigger[i]->after : r->edge_trigger[i];
	if (!t || t->event != SP_EV_SYSCALL)
		return 0;
	if (t->syscalls.n == 0)
		return 1;
	for (size_t k = 0; k < t->syscalls.n; k++)
		each(ctx, t->syscalls.v[k]);
	return 0;
}
