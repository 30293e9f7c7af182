/* SPDX-License-Identifier: MIT */
/*
 * Roles that share code (docs/generalisation.md, "Sibling roles").
 *
 * Children forked from one parent phase run the same program image and
 * start in the same phase; which of their lifecycle's phases a child is
 * in when it runs a piece of that code depends on its role, not on the
 * code.  postgres forks backends and parallel workers from its steady
 * state: a backend reads a query (child steady state) and then sorts
 * into a temporary directory (mkdir); a parallel worker gets its task in
 * shared memory, never waits for input, and does the same mkdir in
 * child initialization.  A child that stayed in its first phase for its
 * whole life (it never moved on, nor exec'd another program) did its
 * role's work there, not only its set-up: what it called, a sibling of
 * the same parent phase may call in the other phases the siblings were
 * seen working in.  Set-up stays in the first phase only: what the
 * siblings that did move on called there before moving (postgres's
 * children all call setsid and signalfd4 first) is not taken for work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"

#define NR_WORDS (1024 / 64)

struct role {
	int parent;               /* the parent's phase at the fork */
	uint64_t worked;          /* phases its children made calls in (but their exit) */
	int first;                /* -1, or a first phase some child never left */
	uint64_t work[NR_WORDS];  /* what those children called */
	uint64_t setup[NR_WORDS]; /* what children that moved on called there first */
};

struct sp_roles {
	size_t n;
	struct role *v;
};

struct sp_roles *sp_roles_new(void)
{
	return calloc(1, sizeof(struct sp_roles));
}

void sp_roles_free(struct sp_roles *rl)
{
	if (rl)
		free(rl->v);
	free(rl);
}

static struct role *role_of(struct sp_roles *rl, int parent, int first)
{
	struct role *grown;

	for (size_t i = 0; i < rl->n; i++)
		if (rl->v[i].parent == parent && rl->v[i].first == first)
			return &rl->v[i];
	grown = realloc(rl->v, (rl->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	rl->v = grown;
	grown[rl->n] = (struct role){.parent = parent, .first = first};
	return &grown[rl->n++];
}

int sp_roles_note(struct sp_roles *rl, const struct sp_role_life *life)
{
	struct role *r;

	if (life->parent < 0 || life->parent >= 64 || life->first < 0 || life->first >= 64 ||
	    life->execd || life->worked == 0)
		return 0;
	r = role_of(rl, life->parent, -1);
	if (!r)
		return -ENOMEM;
	r->worked |= life->worked;
	if (!life->calls)
		return 0;
	r = role_of(rl, life->parent, life->first);
	if (!r)
		return -ENOMEM;
	for (size_t w = 0; w < NR_WORDS; w++)
		if (life->worked == 1ull << life->first)
			r->work[w] |= life->calls[w];
		else
			r->setup[w] |= life->calls[w];
	return 0;
}

int sp_roles_apply(const struct sp_roles *rl, struct sp_policy_builder *b,
                   const char *(*phase_name)(const struct sp_policy_builder *b, int i),
                   struct sp_diag *diag)
{
	for (size_t i = 0; i < rl->n; i++) {
		const struct role *r = &rl->v[i], *all = NULL;

		if (r->first < 0)
			continue;
		for (size_t k = 0; k < rl->n; k++)
			if (rl->v[k].parent == r->parent && rl->v[k].first < 0)
				all = &rl->v[k];
		for (int to = 0; all && to < 64; to++) {
			if (to == r->first || !(all->worked >> to & 1))
				continue;
			for (int nr = 0; nr < 1024; nr++) {
				const char *name;
				char why[512];
				int rc;

				if (!((r->work[nr / 64] & ~r->setup[nr / 64]) >> (nr % 64) & 1))
					continue;
				name = sp_syscall_name(SP_ABI_X86_64, nr);
				if (!name)
					continue;
				snprintf(
				    why, sizeof(why),
				    "a sibling role's work: a child forked from '%s' that never "
				    "left '%s' made it, and its siblings, the same program, work "
				    "in '%s' too",
				    phase_name(b, r->parent), phase_name(b, r->first),
				    phase_name(b, to));
				rc = sp_policy_builder_add(b, phase_name(b, to), name,
				                           SP_PROV_COMPLETED,
				                           json_pack("{s:s}", "reason", why), diag);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}
