/* SPDX-License-Identifier: MIT */
/*
 * Which edges of a rule set a thread can take under a given allowlist:
 * an edge whose trigger needs a syscall the thread's filter denies is
 * never taken without a denial, so a policy need not make it enforceable.
 */
#include <string.h>

#include "rules_int.h"

static bool any_allowed(const char *const *names, bool (*allowed)(void *ctx, const char *name),
                        void *ctx)
{
	for (; *names; names++)
		if (allowed(ctx, *names))
			return true;
	return false;
}

bool sp_rules_edge_possible(const struct sp_rules *r, size_t i,
                            bool (*allowed)(void *ctx, const char *name), void *ctx)
{
	static const char *const exec[] = {"execve", "execveat", NULL};
	static const char *const fork[] = {"fork", "vfork", "clone", "clone3", NULL};
	static const char *const clone[] = {"clone", "clone3", NULL};
	const struct sp_trigger *t;

	if (i >= r->nedges)
		return false;
	t = r->edge_trigger[i];
	/*
	 * Only the trigger's own event is judged: `after`, `nth`, sites and
	 * argument predicates only narrow it further, and a thread may have
	 * met `after` in an earlier phase, so they never make an edge
	 * impossible here.
	 */
	switch (t->event) {
	case SP_EV_SYSCALL:
		/*
		 * A call that belongs to the phase it opens is that phase's
		 * first: the filter `from` holds must let it through for the
		 * edge to be enforceable, so it is never what rules the edge
		 * out.  A call that belongs to `from` must pass from's filter
		 * as it is.
		 */
		if (!r->edges[i].closes || t->syscalls.n == 0)
			return true;
		for (size_t k = 0; k < t->syscalls.n; k++)
			if (allowed(ctx, t->syscalls.v[k]))
				return true;
		return false;
	case SP_EV_EXEC:
		return any_allowed(exec, allowed, ctx);
	case SP_EV_FORK:
		return any_allowed(fork, allowed, ctx);
	case SP_EV_CLONE:
		return any_allowed(clone, allowed, ctx);
	default:
		/* Signals come from outside; an exit (a kill, a crash) needs no call. */
		return true;
	}
}

bool sp_rules_fork_possible(bool (*allowed)(void *ctx, const char *name), void *ctx)
{
	static const char *const fork[] = {"fork", "vfork", "clone", "clone3", NULL};

	return any_allowed(fork, allowed, ctx);
}
