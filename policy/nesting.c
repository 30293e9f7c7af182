/* SPDX-License-Identifier: MIT */
/*
 * Policies nest over the rules (DESIGN.md invariant 5): a phase's enforce
 * view is the union over every phase a thread in it can still reach, and
 * `run` follows the edges of the rules, not only those a recording took.
 * So a phase's reach is closed over the recorded edges and over every
 * edge of the rules (transitions, on_fork) whose trigger the phase's own
 * filter lets through: an edge that needs a call the filter denies
 * (an exec edge from a phase that never execs) is never taken without a
 * denial.  Phases of the rules the recording never entered have no filter
 * of their own (a thread there keeps the one it holds), so the closure
 * goes through them.  Adding a phase's calls can make more edges
 * possible, so the closure is iterated to its fixpoint.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/phases.h"

#include "policy_impl.h"

#define NR_WORDS (1024 / 64)

struct closure {
	struct sp_policy *p;
	struct sp_rules *r;          /* NULL: the recorded edges alone */
	size_t n_nodes;              /* policy phases, then phases of the rules it lacks */
	int *node_of_rule;           /* rule phase -> node */
	int *rule_of_node;           /* node -> rule phase, -1 when the rules lack it */
	uint64_t (*allow)[NR_WORDS]; /* per policy phase: its enforce names so far */
	bool *seen;
	int *queue;
};

static bool allowed(void *ctx, const char *name)
{
	const uint64_t *set = ctx;
	int nr = sp_filter_syscall_nr(name);

	return nr >= 0 && nr < 1024 && (set[nr / 64] >> (nr % 64) & 1);
}

static void visit(struct closure *c, size_t *tail, int node)
{
	if (node < 0 || c->seen[node])
		return;
	c->seen[node] = true;
	c->queue[(*tail)++] = node;
}

/* The nodes a thread holding phase i's filter can reach from i, in c->seen. */
static void walk(struct closure *c, size_t i)
{
	size_t head = 0, tail = 0;

	memset(c->seen, 0, c->n_nodes * sizeof(*c->seen));
	visit(c, &tail, (int)i);
	while (head < tail) {
		int at = c->queue[head++];
		int ra = c->rule_of_node[at];
		/*
		 * A thread in a phase with a filter holds that one too (it is
		 * narrower); one the recording never entered keeps the filter
		 * it came with, judged by i's here (at least as wide).
		 */
		uint64_t *set = at < (int)c->p->n_phases ? c->allow[at] : c->allow[i];

		for (size_t e = 0; at < (int)c->p->n_phases && e < c->p->n_edges; e++)
			if (c->p->edges[e].from == at)
				visit(c, &tail, c->p->edges[e].to);
		if (!c->r || ra < 0)
			continue;
		for (size_t e = 0; e < sp_rules_edge_count(c->r); e++) {
			const struct sp_rules_edge *ed = sp_rules_edge(c->r, e);

			if (ed->from == ra && sp_rules_edge_possible(c->r, e, allowed, set))
				visit(c, &tail, c->node_of_rule[ed->to]);
		}
		if (sp_rules_on_fork(c->r, ra) >= 0 && sp_rules_fork_possible(allowed, set))
			visit(c, &tail, c->node_of_rule[sp_rules_on_fork(c->r, ra)]);
	}
}

/* Adds the exact names of every policy phase c->seen holds to phase i's set: whether it grew. */
static bool gather(struct closure *c, size_t i)
{
	bool grew = false;

	for (size_t j = 0; j < c->p->n_phases; j++) {
		const struct sp_policy_phase *q = &c->p->phases[j];

		if (!c->seen[j])
			continue;
		for (size_t k = 0; k < q->n_exact; k++) {
			int nr = sp_filter_syscall_nr(q->exact[k].name);
			uint64_t bit;

			if (nr < 0 || nr >= 1024)
				continue;
			bit = 1ull << (nr % 64);
			if (!(c->allow[i][nr / 64] & bit)) {
				c->allow[i][nr / 64] |= bit;
				grew = true;
			}
		}
	}
	return grew;
}

static int set_up(struct closure *c, struct sp_policy *p)
{
	size_t n_rules = 0;

	c->p = p;
	if (p->rules && sp_rules_from_json(p->rules, p->rules_name, &c->r, NULL) < 0)
		c->r = NULL; /* rules that do not load: what was recorded is all there is */
	n_rules = c->r ? sp_rules_phase_count(c->r) : 0;
	c->node_of_rule = calloc(n_rules + 1, sizeof(*c->node_of_rule));
	c->rule_of_node = calloc(p->n_phases + n_rules + 1, sizeof(*c->rule_of_node));
	if (!c->node_of_rule || !c->rule_of_node)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_phases; i++)
		c->rule_of_node[i] = c->r ? sp_rules_phase_index(c->r, p->phases[i].name) : -1;
	c->n_nodes = p->n_phases;
	for (size_t k = 0; k < n_rules; k++) {
		int pi = sp_policy_phase_index(p, sp_rules_phase_name(c->r, (int)k));

		if (pi < 0) {
			pi = (int)c->n_nodes++;
			c->rule_of_node[pi] = (int)k;
		}
		c->node_of_rule[k] = pi;
		if (pi < (int)p->n_phases)
			c->rule_of_node[pi] = (int)k;
	}
	c->allow = calloc(p->n_phases + 1, sizeof(*c->allow));
	c->seen = calloc(c->n_nodes + 1, sizeof(*c->seen));
	c->queue = calloc(c->n_nodes + 1, sizeof(*c->queue));
	return c->allow && c->seen && c->queue ? 0 : -ENOMEM;
}

static void tear_down(struct closure *c)
{
	sp_rules_free(c->r);
	free(c->node_of_rule);
	free(c->rule_of_node);
	free(c->allow);
	free(c->seen);
	free(c->queue);
}

/* Whether an edge of the rules, or of the recording, leaves phase i for another. */
static bool leaves(const struct closure *c, size_t i)
{
	int ri = c->rule_of_node[i];

	for (size_t e = 0; e < c->p->n_edges; e++)
		if (c->p->edges[e].from == (int)i && c->p->edges[e].to != (int)i)
			return true;
	if (!c->r || ri < 0)
		return false;
	for (size_t e = 0; e < sp_rules_edge_count(c->r); e++) {
		const struct sp_rules_edge *ed = sp_rules_edge(c->r, e);

		if (ed->from == ri && ed->to != ri)
			return true;
	}
	return sp_rules_on_fork(c->r, ri) >= 0 && sp_rules_on_fork(c->r, ri) != ri;
}

int sp_policy_derive_exits(struct sp_policy *p)
{
	struct closure c = {0};
	int rc = set_up(&c, p);

	for (size_t i = 0; rc == 0 && i < p->n_phases; i++)
		p->phases[i].has_exits = leaves(&c, i);
	tear_down(&c);
	return rc;
}

int sp_policy_close_reach(struct sp_policy *p)
{
	struct closure c = {0};
	bool grew = true;
	int rc = set_up(&c, p);

	for (size_t i = 0; rc == 0 && i < p->n_phases; i++) {
		memset(c.seen, 0, c.n_nodes * sizeof(*c.seen));
		c.seen[i] = true;
		gather(&c, i);
		p->phases[i].has_exits = leaves(&c, i);
	}
	/* Monotone: a set only grows, and more calls only make more edges possible. */
	while (rc == 0 && grew) {
		grew = false;
		for (size_t i = 0; i < p->n_phases; i++) {
			walk(&c, i);
			grew |= gather(&c, i);
		}
	}
	for (size_t i = 0; rc == 0 && i < p->n_phases; i++) {
		struct sp_policy_phase *ph = &p->phases[i];
		int *reach = calloc(p->n_phases, sizeof(*reach));

		if (!reach) {
			rc = -ENOMEM;
			break;
		}
		walk(&c, i);
		free(ph->reach);
		ph->n_reach = 0;
		for (size_t j = 0; j < p->n_phases; j++)
			if (c.seen[j])
				reach[ph->n_reach++] = (int)j;
		ph->reach = reach;
	}
	tear_down(&c);
	return rc;
}
