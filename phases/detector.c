/* SPDX-License-Identifier: MIT */
/*
 * The phase detector: one state machine per live thread.  Everything it
 * decides depends only on the events fed so far, in order, so the online
 * run (events from the supervisor) and the offline one (events read back
 * from the trace) stamp the same phases.
 *
 * Why per thread: a seccomp filter belongs to a thread.  A new thread
 * inherits its creator's filter at clone time (kernel/fork.c,
 * copy_seccomp()), and a filter installed without TSYNC narrows only the
 * thread that installs it.  A thread's phase that moved whenever another
 * thread fired a trigger would depend on how the threads interleave: what
 * one run attributes to a phase another run would make under a narrower
 * filter (a new thread still in glibc's start-up, rseq and
 * set_robust_list, when its creator's epoll_wait moves the process on).
 * A thread's phase therefore changes only on its own events, and a new
 * thread starts with its creator's state at the clone event: in any
 * interleaving each thread goes through the same phases at the same
 * points of its own life.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/phases.h"
#include "rules_int.h"

#define NBUCKETS 1024

/*
 * One thread's state machine.  It lives in the detector's own table
 * (slot NULL), or in a slot its supervisor lent for it in the record it
 * keeps of the thread (sp_detector_lend_slots): then *slot points here.
 */
struct thr {
	pid_t tid;
	struct proc *proc;
	void **slot;
	int phase;
	uint64_t visited;     /* phases entered since birth or the last repeat transition */
	unsigned *count;      /* per edge: matches during the current stay in its from phase */
	unsigned char *armed; /* per edge: its "after" trigger has matched */
	struct thr *next;     /* hash chain */
	struct thr *sibling;  /* the next thread of the same process */
};

struct proc {
	pid_t pid;
	bool implicit; /* first seen without a fork event (its fork may come later) */
	struct thr *threads;
	struct proc *next;
};

struct sp_detector {
	const struct sp_rules *rules;
	struct proc *procs[NBUCKETS];
	struct thr *threads[NBUCKETS];
	struct sp_detector_slots slots;
	size_t live;
	/* Per phase, the edges leaving it, in rule order: the first that fires wins. */
	size_t **by_from;
	size_t *nby_from;
	/* Edges with an "after" trigger, whose armed flag every event may set. */
	size_t *with_after;
	size_t nwith_after;
};

static size_t bucket(pid_t id)
{
	return (size_t)id % NBUCKETS;
}

/* ---- the tables ---- */

static struct proc *proc_find(const struct sp_detector *d, pid_t pid)
{
	for (struct proc *p = d->procs[bucket(pid)]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* Thread tid's slot in its supervisor's record, or NULL (none lent, or tid not followed). */
static void **lent_slot(const struct sp_detector *d, pid_t tid)
{
	return d->slots.slot ? d->slots.slot(d->slots.ctx, tid) : NULL;
}

/* The state in the lent slot of tid, when it is tid's (a slot can hold one that moved). */
static struct thr *in_slot(void **slot, pid_t tid)
{
	struct thr *t = slot ? *slot : NULL;

	return t && t->tid == tid ? t : NULL;
}

static struct thr *hashed_find(const struct sp_detector *d, pid_t tid)
{
	for (struct thr *t = d->threads[bucket(tid)]; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct thr *thr_find(const struct sp_detector *d, pid_t tid)
{
	struct thr *t = in_slot(lent_slot(d, tid), tid);

	return t ? t : hashed_find(d, tid);
}

static void hash_unlink(struct sp_detector *d, struct thr *t)
{
	for (struct thr **pp = &d->threads[bucket(t->tid)]; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
}

/*
 * Where t is kept: the slot lent for its tid when there is one and it is
 * free, else the detector's own table.
 */
static void thr_place(struct sp_detector *d, struct thr *t)
{
	void **slot = lent_slot(d, t->tid);

	if (slot && !*slot) {
		*slot = t;
		t->slot = slot;
		return;
	}
	t->slot = NULL;
	t->next = d->threads[bucket(t->tid)];
	d->threads[bucket(t->tid)] = t;
}

/*
 * Thread tid's state for one of its events.  One kept in the own table
 * because its supervisor had no record of it yet (the detector sees a new
 * thread's clone event first) moves into the slot lent for it since: from
 * then on the supervisor's table is the only one its events look it up in.
 */
static struct thr *thr_get(struct sp_detector *d, pid_t tid)
{
	void **slot = lent_slot(d, tid);
	struct thr *t = in_slot(slot, tid);

	if (t)
		return t;
	t = hashed_find(d, tid);
	if (t && slot && !*slot) {
		hash_unlink(d, t);
		*slot = t;
		t->slot = slot;
	}
	return t;
}

static void thr_free(struct thr *t)
{
	if (!t)
		return;
	free(t->count);
	free(t->armed);
	free(t);
}

static struct thr *thr_alloc(const struct sp_detector *d)
{
	size_t ne = d->rules->nedges ? d->rules->nedges : 1;
	struct thr *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->count = calloc(ne, sizeof(*t->count));
	t->armed = calloc(ne, 1);
	if (!t->count || !t->armed) {
		thr_free(t);
		return NULL;
	}
	return t;
}

/* Unlinks t from the hash and from its process, and frees it. */
static void thr_remove(struct sp_detector *d, struct thr *t)
{
	if (!t->slot)
		hash_unlink(d, t);
	else if (*t->slot == t)
		*t->slot = NULL;
	for (struct thr **pp = &t->proc->threads; *pp; pp = &(*pp)->sibling)
		if (*pp == t) {
			*pp = t->sibling;
			break;
		}
	thr_free(t);
}

static void thr_link(struct sp_detector *d, struct proc *p, struct thr *t, pid_t tid)
{
	t->tid = tid;
	t->proc = p;
	thr_place(d, t);
	t->sibling = p->threads;
	p->threads = t;
}

/* A fresh state machine for thread tid of p, in phase. */
static struct thr *thr_new(struct sp_detector *d, struct proc *p, pid_t tid, int phase)
{
	struct thr *t = thr_alloc(d);

	if (!t)
		return NULL;
	t->phase = phase;
	t->visited = 1ULL << phase;
	thr_link(d, p, t, tid);
	return t;
}

/* A copy of src's state machine (phase, history, counts, ordering), unlinked. */
static struct thr *thr_clone_state(const struct sp_detector *d, const struct thr *src)
{
	size_t ne = d->rules->nedges;
	struct thr *t = thr_alloc(d);

	if (!t)
		return NULL;
	t->phase = src->phase;
	t->visited = src->visited;
	memcpy(t->count, src->count, ne * sizeof(*t->count));
	memcpy(t->armed, src->armed, ne);
	return t;
}

static struct proc *proc_new(struct sp_detector *d, pid_t pid)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->next = d->procs[bucket(pid)];
	d->procs[bucket(pid)] = p;
	d->live++;
	return p;
}

static void proc_remove(struct sp_detector *d, struct proc *p)
{
	while (p->threads)
		thr_remove(d, p->threads);
	for (struct proc **pp = &d->procs[bucket(p->pid)]; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
	d->live--;
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
	for (size_t b = 0; b < NBUCKETS; b++)
		while (d->procs[b])
			proc_remove(d, d->procs[b]);
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

/* ---- the state machine ---- */

static void enter(const struct sp_detector *d, struct thr *t, int to, bool repeat)
{
	t->phase = to;
	/* A repeat (e.g. a reload) starts the phase sequence over. */
	t->visited = repeat ? 1ULL << to : t->visited | 1ULL << to;
	memset(t->count, 0, d->rules->nedges * sizeof(*t->count));
}

/*
 * Runs t's transitions on ev; returns the edge that fired or -1.  Arming
 * of "after" triggers happens once the event has been judged, so that an
 * event never counts as coming after itself.
 */
static long step(struct sp_detector *d, struct thr *t, const struct sp_event *ev)
{
	const struct sp_rules *r = d->rules;
	long fired = -1;
	int from = t->phase;

	for (size_t k = 0; k < d->nby_from[from]; k++) {
		size_t e = d->by_from[from][k];
		const struct sp_rules_edge *edge = &r->edges[e];
		const struct sp_trigger *tg = r->edge_trigger[e];

		if (!edge->repeat && (t->visited & (1ULL << edge->to)))
			continue;
		if (tg->after && !t->armed[e])
			continue;
		if (!sp_trigger_match(tg, ev))
			continue;
		t->count[e]++;
		if (tg->nth && t->count[e] < tg->nth)
			continue;
		fired = (long)e;
		break;
	}
	for (size_t k = 0; k < d->nwith_after; k++) {
		size_t e = d->with_after[k];

		if (!t->armed[e] && sp_trigger_match(r->edge_trigger[e]->after, ev))
			t->armed[e] = 1;
	}
	if (fired >= 0) {
		const struct sp_rules_edge *edge = &r->edges[fired];

		enter(d, t, edge->to, edge->repeat);
		/* The ordering condition is consumed: a later repeat needs it again. */
		t->armed[fired] = 0;
	}
	return fired;
}

static void report(struct sp_transition *out, enum sp_transition_kind kind, pid_t pid, pid_t tid,
                   pid_t parent, double ts, int from, int to, const struct sp_detector *d,
                   long edge, bool closes)
{
	if (!out)
		return;
	out->kind = kind;
	out->pid = pid;
	out->tid = tid;
	out->parent = parent;
	out->ts = ts;
	out->from = from;
	out->to = to;
	out->from_name = from >= 0 ? phase_name(d, from) : NULL;
	out->to_name = phase_name(d, to);
	out->edge = (int)edge;
	out->closes = closes;
}

/* A fork event: the child process starts in its on_fork phase or its parent's. */
static int birth(struct sp_detector *d, pid_t child, int parent_phase, struct thr **out)
{
	int start = sp_rules_on_fork(d->rules, parent_phase);
	struct proc *c = proc_find(d, child);
	struct thr *main;

	if (start < 0)
		start = parent_phase;
	if (c && c->implicit) {
		/*
		 * The child's first event was seen before its fork event (ptrace
		 * may report them in either order): it is the same process.
		 * Whatever it did so far it did holding its parent's filter.
		 */
		c->implicit = false;
		for (struct thr *t = c->threads; t; t = t->sibling)
			enter(d, t, start, true);
		main = thr_find(d, child);
		if (main) {
			*out = main;
			return 0;
		}
	} else if (c) {
		/* A recycled pid whose exit we never saw: start it afresh. */
		proc_remove(d, c);
		c = NULL;
	}
	if (!c && !(c = proc_new(d, child)))
		return -ENOMEM;
	main = thr_new(d, c, child, start);
	if (!main)
		return -ENOMEM;
	*out = main;
	return 0;
}

/*
 * A clone event: thread child starts as a copy of its creator's state
 * machine as it stood for the event (snap: before the event, or the
 * creator itself when the event moved it on and belongs to the new
 * phase), which is the filter it inherits from the creator.
 */
static int thread_birth(struct sp_detector *d, struct thr *creator, const struct thr *state,
                        pid_t child)
{
	struct thr *c = thr_find(d, child), *copy;

	if (c) {
		/* Seen before its clone event, or a recycled tid: its state is its creator's. */
		thr_remove(d, c);
	}
	copy = thr_clone_state(d, state);
	if (!copy)
		return -ENOMEM;
	thr_link(d, creator->proc, copy, child);
	return 0;
}

/*
 * exec leaves one thread: the one that called it, now under the process's
 * id (a non-leader's former tid is in the event).  The kernel killed the
 * others; their exits, reported later, find no state and change nothing.
 * *out is that thread (a fresh one in the initial phase when the caller
 * was never seen).  0 or -ENOMEM.
 *
 * The new program starts over: no "after" condition the old one met
 * holds for it (the exec event itself may arm them again).  So what a
 * thread does before an exec never changes a phase after it, and run can
 * follow by events alone a phase whose only way to the "after"-triggered
 * edges is an exec (phases/watch.c).
 */
static int after_exec(struct sp_detector *d, struct proc *p, const struct sp_event *ev,
                      struct thr **out)
{
	pid_t caller = ev->former_tid ? ev->former_tid : ev->tid;
	struct thr *keep = thr_find(d, caller);
	struct thr *t, *next;

	/* A supervisor's record of the caller moved to the process id with it (tracer.h). */
	if (!keep && ev->former_tid)
		keep = in_slot(lent_slot(d, ev->pid), caller);

	if (keep && keep->proc != p)
		keep = NULL;
	for (t = p->threads; t; t = next) {
		next = t->sibling;
		if (t != keep)
			thr_remove(d, t);
	}
	if (!keep) {
		keep = thr_new(d, p, ev->pid, d->rules->initial);
	} else if (keep->tid != ev->pid) {
		struct thr *moved = thr_clone_state(d, keep);

		if (!moved)
			return -ENOMEM;
		thr_remove(d, keep);
		thr_link(d, p, moved, ev->pid);
		keep = moved;
	}
	if (keep)
		memset(keep->armed, 0, d->rules->nedges);
	*out = keep;
	return keep ? 0 : -ENOMEM;
}

/* The thread an event is about, made up when it is new; NULL on ENOMEM. */
static struct thr *thread_of(struct sp_detector *d, const struct sp_event *ev, bool *is_new)
{
	pid_t tid = ev->tid > 0 ? ev->tid : ev->pid;
	struct thr *t = thr_get(d, tid);
	struct proc *p;

	*is_new = false;
	if (t && t->proc->pid == ev->pid)
		return t;
	if (t)
		thr_remove(d, t); /* a tid recycled into another process */
	p = proc_find(d, ev->pid);
	if (!p) {
		p = proc_new(d, ev->pid);
		if (!p)
			return NULL;
		p->implicit = true;
	}
	/*
	 * A thread nothing announced (attached to, or its clone event lost
	 * with its creator) starts where a process does: nothing tells more.
	 */
	*is_new = true;
	return thr_new(d, p, tid, d->rules->initial);
}

int sp_detector_feed(struct sp_detector *d, struct sp_event *ev, struct sp_transition *out)
{
	struct proc *p = proc_find(d, ev->pid);
	struct thr *t, *snap = NULL;
	bool is_new;
	int from, rc;
	long edge;

	if (ev->type == SP_EV_EXIT && !ev->whole_process && p &&
	    !thr_find(d, ev->tid > 0 ? ev->tid : ev->pid)) {
		/* A thread exec killed (its state went with the exec): nothing to end. */
		int least = sp_detector_phase_index_of(d, ev->pid);

		ev->phase = phase_name(d, least >= 0 ? least : d->rules->initial);
		return 0;
	}
	if (ev->type == SP_EV_EXEC && p) {
		rc = after_exec(d, p, ev, &t);
		if (rc < 0)
			return rc;
		is_new = false;
	} else {
		t = thread_of(d, ev, &is_new);
		if (!t)
			return -ENOMEM;
	}
	p = t->proc;
	if (ev->type == SP_EV_CLONE && !(snap = thr_clone_state(d, t)))
		return -ENOMEM;
	from = t->phase;
	edge = step(d, t, ev);
	if (edge >= 0 && d->rules->edges[edge].closes)
		ev->phase = phase_name(d, from);
	else
		ev->phase = phase_name(d, t->phase);

	if (ev->type == SP_EV_CLONE) {
		/* The new thread starts in the phase its creator's clone event is stamped with. */
		bool moved_on = edge >= 0 && !d->rules->edges[edge].closes;

		rc = thread_birth(d, t, moved_on ? t : snap, ev->child);
		thr_free(snap);
		if (rc < 0)
			return rc;
	}
	if (ev->type == SP_EV_FORK) {
		struct thr *c;
		/* The child gets the phase its parent's fork event is stamped with. */
		int at = edge >= 0 && !d->rules->edges[edge].closes ? t->phase : from;

		rc = birth(d, ev->child, at, &c);
		if (rc < 0)
			return rc;
		if (edge < 0) {
			report(out, SP_TR_FORK, ev->child, ev->child, ev->pid, ev->ts, -1, c->phase,
			       d, -1, false);
			return 1;
		}
	}
	if (ev->type == SP_EV_EXIT) {
		/* Report before freeing: the names are the rules', not the state's. */
		if (edge >= 0)
			report(out, SP_TR_RULE, ev->pid, t->tid, 0, ev->ts, from, t->phase, d, edge,
			       d->rules->edges[edge].closes);
		/* A thread's end is not its process's: the other threads keep their phases. */
		if (ev->whole_process)
			proc_remove(d, p);
		else
			thr_remove(d, t);
		return edge >= 0 ? 1 : 0;
	}
	if (edge >= 0) {
		report(out, SP_TR_RULE, ev->pid, t->tid, 0, ev->ts, from, t->phase, d, edge,
		       d->rules->edges[edge].closes);
		return 1;
	}
	if (is_new) {
		report(out, SP_TR_START, ev->pid, t->tid, 0, ev->ts, -1, t->phase, d, -1, false);
		return 1;
	}
	return 0;
}

/* Frees t (NULL: nothing), and its process once it has no thread left. */
static void forget(struct sp_detector *d, struct thr *t)
{
	struct proc *p;

	if (!t)
		return;
	p = t->proc;
	thr_remove(d, t);
	if (!p->threads)
		proc_remove(d, p);
}

void sp_detector_forget(struct sp_detector *d, pid_t tid)
{
	forget(d, thr_find(d, tid));
}

void sp_detector_lend_slots(struct sp_detector *d, const struct sp_detector_slots *slots)
{
	d->slots = *slots;
}

void sp_detector_forget_slot(struct sp_detector *d, void **slot)
{
	forget(d, slot ? *slot : NULL);
}

/*
 * The least advanced phase of a process's threads: the first in the
 * rules' order.  It is what the whole process can be said to be in (it
 * is through with a phase only when every thread is).
 */
int sp_detector_phase_index_of(const struct sp_detector *d, pid_t pid)
{
	const struct proc *p = proc_find(d, pid);
	int least = -ENOENT;

	if (!p)
		return -ENOENT;
	for (const struct thr *t = p->threads; t; t = t->sibling)
		if (least < 0 || t->phase < least)
			least = t->phase;
	return least;
}

const char *sp_detector_phase_of(const struct sp_detector *d, pid_t pid)
{
	int i = sp_detector_phase_index_of(d, pid);

	return i >= 0 ? phase_name(d, i) : NULL;
}

int sp_detector_thread_phase_index_of(const struct sp_detector *d, pid_t tid)
{
	const struct thr *t = thr_find(d, tid);

	return t ? t->phase : -ENOENT;
}

const char *sp_detector_thread_phase_of(const struct sp_detector *d, pid_t tid)
{
	const struct thr *t = thr_find(d, tid);

	return t ? phase_name(d, t->phase) : NULL;
}

size_t sp_detector_live(const struct sp_detector *d)
{
	return d->live;
}
