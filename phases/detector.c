/* SPDX-License-Identifier: MIT */
/*
 * The phase detector: one state machine per live process.  Everything it
 * decides depends only on the events fed so far, in order, so the online
 * run (events from the supervisor) and the offline one (events read back
 * from the trace) stamp the same phases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/phases.h"
#include "rules_int.h"

#define NBUCKETS 1024

struct proc {
	pid_t pid;
	int phase;
	uint64_t visited;     /* phases entered since birth or the last repeat transition */
	bool implicit;	      /* first seen without a fork event (its fork may come later) */
	unsigned *count;      /* per edge: matches during the current stay in its from phase */
	unsigned char *armed; /* per edge: its "after" trigger has matched */
	struct proc *next;
};

struct sp_detector {
	const struct sp_rules *rules;
	struct proc *buckets[NBUCKETS];
	size_t live;
	/* Per phase, the edges leaving it, in rule order: the first that fires wins. */
	size_t **by_from;
	size_t *nby_from;
	/* Edges with an "after" trigger, whose armed flag every event may set. */
	size_t *with_after;
	size_t nwith_after;
};

static size_t bucket(pid_t pid)
{
	return (size_t)pid % NBUCKETS;
}

static struct proc *proc_find(const struct sp_detector *d, pid_t pid)
{
	for (struct proc *p = d->buckets[bucket(pid)]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct proc *proc_new(struct sp_detector *d, pid_t pid, int phase)
{
	size_t ne = d->rules->nedges;
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->count = calloc(ne ? ne : 1, sizeof(*p->count));
	p->armed = calloc(ne ? ne : 1, 1);
	if (!p->count || !p->armed) {
		free(p->count);
		free(p->armed);
		free(p);
		return NULL;
	}
	p->pid = pid;
	p->phase = phase;
	p->visited = 1ULL << phase;
	p->next = d->buckets[bucket(pid)];
	d->buckets[bucket(pid)] = p;
	d->live++;
	return p;
}

static void proc_free(struct proc *p)
{
	free(p->count);
	free(p->armed);
	free(p);
}

static void proc_remove(struct sp_detector *d, pid_t pid)
{
	for (struct proc **pp = &d->buckets[bucket(pid)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct proc *p = *pp;

			*pp = p->next;
			proc_free(p);
			d->live--;
			return;
		}
	}
}

struct sp_detector *sp_detector_new(const struct sp_rules *rules)
{
	struct sp_detector *d = calloc(1, sizeof(*d));
	size_t np = rules->nphases;

	if (!d)
		return NULL;
	d->rules = rules;
	d->by_from = calloc(np, sizeof(*d->by_from));
	d->nby_from = calloc(np, sizeof(*d->nby_from));
	d->with_after = calloc(rules->nedges ? rules->nedges : 1, sizeof(*d->with_after));
	if (!d->by_from || !d->nby_from || !d->with_after)
		goto fail;
	for (size_t e = 0; e < rules->nedges; e++) {
		int f = rules->edges[e].from;
		size_t *v = realloc(d->by_from[f], (d->nby_from[f] + 1) * sizeof(*v));

		if (!v)
			goto fail;
		d->by_from[f] = v;
		v[d->nby_from[f]++] = e;
		if (rules->edge_trigger[e]->after)
			d->with_after[d->nwith_after++] = e;
	}
	return d;
fail:
	sp_detector_free(d);
	return NULL;
}

void sp_detector_free(struct sp_detector *d)
{
	if (!d)
		return;
	for (size_t b = 0; b < NBUCKETS; b++) {
		while (d->buckets[b]) {
			struct proc *p = d->buckets[b];

			d->buckets[b] = p->next;
			proc_free(p);
		}
	}
	for (size_t i = 0; d->by_from && i < d->rules->nphases; i++)
		free(d->by_from[i]);
	free(d->by_from);
	free(d->nby_from);
	free(d->with_after);
	free(d);
}

static const char *phase_name(const struct sp_detector *d, int i)
{
	return d->rules->phases[i].name;
}

static void enter(const struct sp_detector *d, struct proc *p, int to, bool repeat)
{
	p->phase = to;
	/* A repeat (e.g. a reload) starts the phase sequence over. */
	p->visited = repeat ? 1ULL << to : p->visited | 1ULL << to;
	memset(p->count, 0, d->rules->nedges * sizeof(*p->count));
}

/*
 * Runs p's transitions on ev; returns the edge that fired or -1.  Arming
 * of "after" triggers happens once the event has been judged, so that an
 * event never counts as coming after itself.
 */
static long step(struct sp_detector *d, struct proc *p, const struct sp_event *ev)
{
	const struct sp_rules *r = d->rules;
	long fired = -1;
	int from = p->phase;

	for (size_t k = 0; k < d->nby_from[from]; k++) {
		size_t e = d->by_from[from][k];
		const struct sp_rules_edge *edge = &r->edges[e];
		const struct sp_trigger *t = r->edge_trigger[e];

		if (!edge->repeat && (p->visited & (1ULL << edge->to)))
			continue;
		if (t->after && !p->armed[e])
			continue;
		if (!sp_trigger_match(t, ev))
			continue;
		p->count[e]++;
		if (t->nth && p->count[e] < t->nth)
			continue;
		fired = (long)e;
		break;
	}
	for (size_t k = 0; k < d->nwith_after; k++) {
		size_t e = d->with_after[k];

		if (!p->armed[e] && sp_trigger_match(r->edge_trigger[e]->after, ev))
			p->armed[e] = 1;
	}
	if (fired >= 0) {
		const struct sp_rules_edge *edge = &r->edges[fired];

		enter(d, p, edge->to, edge->repeat);
		/* The ordering condition is consumed: a later repeat needs it again. */
		p->armed[fired] = 0;
	}
	return fired;
}

static void report(struct sp_transition *out, enum sp_transition_kind kind, pid_t pid, pid_t parent,
		   double ts, int from, int to, const struct sp_detector *d, long edge, bool closes)
{
	if (!out)
		return;
	out->kind = kind;
	out->pid = pid;
	out->parent = parent;
	out->ts = ts;
	out->from = from;
	out->to = to;
	out->from_name = from >= 0 ? phase_name(d, from) : NULL;
	out->to_name = phase_name(d, to);
	out->edge = (int)edge;
	out->closes = closes;
}

/* A fork event: the child starts in its on_fork phase or its parent's. */
static int birth(struct sp_detector *d, pid_t child, int parent_phase, struct proc **out)
{
	int start = sp_rules_on_fork(d->rules, parent_phase);
	struct proc *c;

	if (start < 0)
		start = parent_phase;
	c = proc_find(d, child);
	if (c && c->implicit) {
		/*
		 * The child's first event was seen before its fork event (ptrace
		 * may report them in either order): it is the same process.
		 */
		c->implicit = false;
		enter(d, c, start, true);
	} else if (c) {
		/* A recycled pid whose exit we never saw: start it afresh. */
		proc_remove(d, child);
		c = NULL;
	}
	if (!c) {
		c = proc_new(d, child, start);
		if (!c)
			return -ENOMEM;
	}
	*out = c;
	return 0;
}

int sp_detector_feed(struct sp_detector *d, struct sp_event *ev, struct sp_transition *out)
{
	struct proc *p = proc_find(d, ev->pid);
	bool is_new = false;
	int from;
	long edge;

	if (!p) {
		p = proc_new(d, ev->pid, d->rules->initial);
		if (!p)
			return -ENOMEM;
		p->implicit = true;
		is_new = true;
	}
	from = p->phase;
	edge = step(d, p, ev);
	if (edge >= 0 && d->rules->edges[edge].closes)
		ev->phase = phase_name(d, from);
	else
		ev->phase = phase_name(d, p->phase);

	if (ev->type == SP_EV_FORK) {
		struct proc *c;
		/* The child gets the phase its parent was in when it forked. */
		int at = edge >= 0 && !d->rules->edges[edge].closes ? p->phase : from;
		int rc = birth(d, ev->child, at, &c);

		if (rc < 0)
			return rc;
		if (edge < 0) {
			report(out, SP_TR_FORK, ev->child, ev->pid, ev->ts, -1, c->phase, d, -1,
			       false);
			return 1;
		}
	}
	if (ev->type == SP_EV_EXIT && ev->whole_process) {
		/* Report before freeing: the names are the rules', not the state's. */
		if (edge >= 0)
			report(out, SP_TR_RULE, ev->pid, 0, ev->ts, from, p->phase, d, edge,
			       d->rules->edges[edge].closes);
		proc_remove(d, ev->pid);
		return edge >= 0 ? 1 : 0;
	}
	if (edge >= 0) {
		report(out, SP_TR_RULE, ev->pid, 0, ev->ts, from, p->phase, d, edge,
		       d->rules->edges[edge].closes);
		return 1;
	}
	if (is_new) {
		report(out, SP_TR_START, ev->pid, 0, ev->ts, -1, p->phase, d, -1, false);
		return 1;
	}
	return 0;
}

const char *sp_detector_phase_of(const struct sp_detector *d, pid_t pid)
{
	const struct proc *p = proc_find(d, pid);

	return p ? phase_name(d, p->phase) : NULL;
}

int sp_detector_phase_index_of(const struct sp_detector *d, pid_t pid)
{
	const struct proc *p = proc_find(d, pid);

	return p ? p->phase : -ENOENT;
}

size_t sp_detector_live(const struct sp_detector *d)
{
	return d->live;
}
