/* SPDX-License-Identifier: MIT */
/*
 * From the builder to the model: each phase's exact list (provenance,
 * argument conditions), its enforce view (the union over its reach) and
 * its threat counts, the edges, in the rules' order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder_impl.h"

/* ---- finishing ---- */

static int cmp_call(const void *a, const void *b)
{
	return strcmp(((const struct sp_policy_call *)a)->name,
	              ((const struct sp_policy_call *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct sp_policy_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from - y->from;
	if (x->to != y->to)
		return x->to - y->to;
	return (int)x->kind - (int)y->kind;
}

/* Whether the values of a masked condition cover every possible (arg & mask). */
static bool covers_all(const struct sp_arg_cond *c)
{
	int bits = __builtin_popcountll(c->mask);

	return c->op == SCMP_CMP_MASKED_EQ && bits < 8 && c->n_values >= (1u << bits);
}

static void acc_to_cond(const struct argacc *a, struct sp_policy_call *pc)
{
	struct sp_arg_cond *c = &pc->conds[pc->n_conds];

	if (a->overflow || a->n == 0)
		return;
	if (a->rule->forbid && (a->n != 1 || a->v[0] != 0))
		return;
	*c = (struct sp_arg_cond){.index = a->rule->index,
	                          .op = a->rule->mask ? SCMP_CMP_MASKED_EQ : SCMP_CMP_EQ,
	                          .mask = a->rule->mask,
	                          .n_values = a->n};
	memcpy(c->values, a->v, a->n * sizeof(a->v[0]));
	if (!covers_all(c))
		pc->n_conds++;
}

static bool find_cond_index(const struct sp_arg_cond *conds, size_t n, unsigned index)
{
	for (size_t i = 0; i < n; i++)
		if (conds[i].index == index)
			return true;
	return false;
}

static void move_call(struct sp_policy_call *pc, struct bcall *c, json_t *hold)
{
	if (hold) {
		/* Held back whatever its provenance; an observed one keeps its counts. */
		json_decref(c->why);
		c->why = json_incref(hold);
		c->prov = SP_PROV_HELD_BACK;
	}
	pc->name = c->name;
	pc->prov = c->count && !hold ? SP_PROV_OBSERVED : c->prov;
	pc->count = c->count;
	pc->first = c->first;
	pc->last = c->last;
	pc->sources = c->sources;
	pc->n_sites = c->n_sites;
	pc->sites = c->sites; /* moved */
	c->sites = NULL;
	sp_qsort(pc->sites, pc->n_sites, sizeof(*pc->sites), cmp_str);
	if (pc->prov != SP_PROV_OBSERVED) {
		pc->why = c->why; /* moved */
		c->why = NULL;
	}
	for (size_t i = 0; i < c->n_acc; i++)
		acc_to_cond(&c->acc[i], pc);
	/*
	 * A fixed condition joins what --args found, unless that already
	 * constrains the same argument (its observed values are narrower, and
	 * a filter compares one argument once).
	 */
	if (c->has_fixed && !find_cond_index(pc->conds, pc->n_conds, c->fixed.index) &&
	    pc->n_conds < sizeof(pc->conds) / sizeof(pc->conds[0]))
		pc->conds[pc->n_conds++] = c->fixed;
}

/* Whether the call is in the phase's allowlist (observed, baseline, completed). */
static bool allowed(const struct sp_policy_builder *b, size_t nr, const struct bcall *c)
{
	return !b->hold[nr] && (c->count > 0 || c->prov != SP_PROV_HELD_BACK);
}

static size_t n_allowed(const struct sp_policy_builder *b, const struct bphase *ph)
{
	size_t n = 0;

	for (size_t nr = 0; nr < NR_SLOTS; nr++)
		n += ph->calls[nr] && allowed(b, nr, ph->calls[nr]);
	return n;
}

static int finish_exact(const struct sp_policy_builder *b, struct sp_policy_phase *out,
                        struct bphase *ph)
{
	size_t n = 0, h = 0;

	out->exact = calloc(ph->n_calls ? ph->n_calls : 1, sizeof(*out->exact));
	out->held = calloc(ph->n_calls ? ph->n_calls : 1, sizeof(*out->held));
	if (!out->exact || !out->held)
		return -ENOMEM;
	for (size_t nr = 0; nr < NR_SLOTS; nr++) {
		struct bcall *c = ph->calls[nr];

		if (c)
			move_call(allowed(b, nr, c) ? &out->exact[n++] : &out->held[h++], c,
			          b->hold[nr]);
	}
	out->n_exact = n;
	out->n_held = h;
	sp_qsort(out->exact, n, sizeof(*out->exact), cmp_call);
	sp_qsort(out->held, h, sizeof(*out->held), cmp_call);
	return 0;
}

static const struct sp_arg_cond *find_cond(const struct sp_arg_cond *conds, size_t n,
                                           const struct sp_arg_cond *like)
{
	for (size_t i = 0; i < n; i++)
		if (conds[i].index == like->index && conds[i].op == like->op &&
		    conds[i].mask == like->mask)
			return &conds[i];
	return NULL;
}

/*
 * Widens the conditions of an enforce entry so that calls allowed by
 * another phase's conditions (conds) pass too: an argument stays
 * constrained only if both constrain it the same way, with the union of
 * their values, and no more than SP_POLICY_MAX_VALUES of them.
 */
static void merge_conds(struct sp_allow *al, const struct sp_arg_cond *conds, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < al->n_conds; i++) {
		struct sp_arg_cond c = al->conds[i];
		const struct sp_arg_cond *o = find_cond(conds, n, &c);
		bool keep = o != NULL;

		for (size_t j = 0; keep && j < o->n_values; j++) {
			size_t v;

			for (v = 0; v < c.n_values && c.values[v] != o->values[j]; v++)
				;
			if (v < c.n_values)
				continue;
			if (c.n_values == SP_POLICY_MAX_VALUES) {
				keep = false;
				break;
			}
			c.values[c.n_values++] = o->values[j];
		}
		if (!keep || covers_all(&c))
			continue;
		/* Keep the values sorted: the output must not depend on the merge order. */
		for (size_t x = 1; x < c.n_values; x++)
			for (size_t y = x; y > 0 && c.values[y - 1] > c.values[y]; y--) {
				uint64_t t = c.values[y];

				c.values[y] = c.values[y - 1];
				c.values[y - 1] = t;
			}
		al->conds[k++] = c;
	}
	al->n_conds = k;
}

static int finish_enforce(struct sp_policy *p, size_t i)
{
	struct sp_policy_phase *ph = &p->phases[i];
	struct sp_allow *slot[NR_SLOTS] = {0};
	size_t cap = 0, n = 0;

	for (size_t r = 0; r < ph->n_reach; r++)
		cap += p->phases[ph->reach[r]].n_exact;
	ph->enforce = calloc(cap ? cap : 1, sizeof(*ph->enforce));
	if (!ph->enforce)
		return -ENOMEM;
	for (size_t r = 0; r < ph->n_reach; r++) {
		const struct sp_policy_phase *q = &p->phases[ph->reach[r]];

		for (size_t c = 0; c < q->n_exact; c++) {
			const struct sp_policy_call *pc = &q->exact[c];
			int nr = sp_filter_syscall_nr(pc->name);
			struct sp_allow *al;

			if (nr < 0 || nr >= NR_SLOTS)
				return -EINVAL;
			al = slot[nr];
			if (al) {
				merge_conds(al, pc->conds, pc->n_conds);
				continue;
			}
			al = slot[nr] = &ph->enforce[n++];
			al->name = pc->name;
			al->n_conds = pc->n_conds;
			memcpy(al->conds, pc->conds, sizeof(al->conds));
		}
	}
	ph->n_enforce = n;
	sp_qsort(ph->enforce, n, sizeof(*ph->enforce), sp_policy_cmp_allow);
	return 0;
}

static void count_threats(struct sp_policy_phase *ph)
{
	memset(ph->threat_exact, 0, sizeof(ph->threat_exact));
	memset(ph->threat_enforce, 0, sizeof(ph->threat_enforce));
	for (size_t i = 0; i < ph->n_exact; i++)
		ph->threat_exact[sp_threat_level(ph->exact[i].name)]++;
	for (size_t i = 0; i < ph->n_enforce; i++)
		ph->threat_enforce[sp_threat_level(ph->enforce[i].name)]++;
}

/*
 * Phase indexes in output order: the given order first, then order of
 * appearance; -1 for a phase no event entered (only additions named it).
 */
static int *output_order(const struct sp_policy_builder *b)
{
	int *map = malloc((b->n_ph ? b->n_ph : 1) * sizeof(*map)); /* builder index -> output */
	size_t next = 0;

	if (!map)
		return NULL;
	for (size_t i = 0; i < b->n_ph; i++)
		map[i] = -1;
	for (size_t o = 0; o < b->n_order; o++)
		for (size_t i = 0; i < b->n_ph; i++)
			if (map[i] < 0 && b->ph[i]->events && b->order[o] &&
			    strcmp(b->order[o], b->ph[i]->name) == 0)
				map[i] = (int)next++;
	for (size_t i = 0; i < b->n_ph; i++)
		if (map[i] < 0 && b->ph[i]->events)
			map[i] = (int)next++;
	return map;
}

static const char *bphase_name(const struct sp_policy_builder *b, int i)
{
	return b->ph[i]->name;
}

int sp_policy_builder_finish(struct sp_policy_builder *b, struct sp_policy **out,
                             struct sp_diag *diag)
{
	struct sp_policy *p = b->p;
	int *map = NULL;
	int rc = -ENOMEM;

	size_t n_entered = 0;

	*out = NULL;
	sp_rec_fold(&b->rec, &p->rec);
	/* What sibling roles did is known once every life is over (roles.c). */
	rc = sp_builder_threads_end(b);
	if (rc == 0)
		rc = sp_roles_apply(b->roles, b, bphase_name, diag);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	for (size_t i = 0; i < b->n_ph; i++)
		n_entered += b->ph[i]->events > 0;
	if (n_entered == 0) {
		rc = sp_diag_set(diag, EINVAL, "no event carries a phase: nothing to build");
		goto out;
	}
	for (size_t i = 0; i < b->n_ph; i++)
		if (b->ph[i]->events && n_allowed(b, b->ph[i]) == 0) {
			rc = sp_diag_set(diag, EINVAL,
			                 "phase '%s' was entered but made no x86-64 syscall: "
			                 "an empty phase has nothing to allow",
			                 b->ph[i]->name);
			goto out;
		}
	map = output_order(b);
	p->phases = calloc(n_entered, sizeof(*p->phases));
	p->edges = calloc(b->n_edges ? b->n_edges : 1, sizeof(*p->edges));
	if (!map || !p->phases || !p->edges)
		goto out;
	p->n_phases = n_entered;
	for (size_t i = 0; i < b->n_ph; i++) {
		struct sp_policy_phase *ph;
		struct bphase *bp = b->ph[i];

		if (map[i] < 0)
			continue;
		ph = &p->phases[map[i]];

		ph->name = bp->name;
		ph->events = bp->events;
		ph->processes_started = bp->started;
		ph->first = bp->first;
		ph->last = bp->last;
		ph->other_abi = bp->other_abi;
		ph->unknown = bp->unknown;
		if (finish_exact(b, ph, bp) < 0)
			goto out;
	}
	for (size_t e = 0; e < b->n_edges; e++) {
		p->edges[e] = b->edges[e];
		p->edges[e].from = map[b->edges[e].from];
		p->edges[e].to = map[b->edges[e].to];
	}
	p->n_edges = b->n_edges;
	sp_qsort(p->edges, p->n_edges, sizeof(*p->edges), cmp_edge);
	rc = sp_policy_close_reach(p);
	for (size_t i = 0; rc == 0 && i < p->n_phases; i++) {
		rc = finish_enforce(p, i);
		if (rc == 0)
			count_threats(&p->phases[i]);
	}
	if (rc < 0)
		goto out;
	*out = p;
	b->p = NULL;
	rc = 0;
out:
	if (rc == -ENOMEM)
		sp_diag_set(diag, ENOMEM, "out of memory");
	free(map);
	sp_policy_builder_free(b);
	return rc;
}
