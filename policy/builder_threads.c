/* SPDX-License-Identifier: MIT */
/*
 * The threads the policy builder follows through a trace (phases are per
 * thread: docs/rules.md), the edges they take between phases, and what a
 * forked child's role did (roles.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder_impl.h"

static struct bproc *proc_of(struct sp_policy_builder *b, pid_t tid, pid_t pid)
{
	for (size_t i = 0; i < b->n_procs; i++)
		if (b->procs[i].tid == tid)
			return &b->procs[i];
	if (sp_policy_grow((void **)&b->procs, &b->cap_procs, b->n_procs + 1, sizeof(*b->procs)) <
	    0)
		return NULL;
	b->procs[b->n_procs] =
	    (struct bproc){.tid = tid, .pid = pid, .cur = -1, .fork_from = -1, .first = -1};
	return &b->procs[b->n_procs++];
}

/* A thread's life is over: what its role did is noted (roles.c). */
static int proc_end(struct sp_policy_builder *b, struct bproc *pr)
{
	struct sp_role_life life = {.parent = pr->fork_from,
	                            .first = pr->first,
	                            .worked = pr->worked,
	                            .execd = pr->execd,
	                            .calls = pr->calls};
	int rc = sp_roles_note(b->roles, &life);

	free(pr->calls);
	pr->calls = NULL;
	return rc;
}

/* A thread's end (tid), or its whole process's (every thread of pid). */
static int proc_drop(struct sp_policy_builder *b, pid_t tid, pid_t pid)
{
	int rc = 0;

	for (size_t i = 0; i < b->n_procs;)
		if (b->procs[i].tid == tid || (pid && b->procs[i].pid == pid)) {
			rc |= proc_end(b, &b->procs[i]);
			b->procs[i] = b->procs[--b->n_procs];
		} else {
			i++;
		}
	return rc < 0 ? -ENOMEM : 0;
}

/* Every thread's life is over: the input ended. */
int sp_builder_threads_end(struct sp_policy_builder *b)
{
	int rc = 0;

	for (size_t i = 0; i < b->n_procs; i++)
		rc |= proc_end(b, &b->procs[i]);
	b->n_procs = 0;
	return rc < 0 ? -ENOMEM : 0;
}

/* What a forked child did, for its role: where it worked, and what it called at first. */
static int note_work(struct bproc *pr, int idx, const struct sp_event *ev)
{
	if (pr->fork_from < 0 || ev->abi != SP_ABI_X86_64 || !ev->name || ev->nr < 0 ||
	    ev->nr >= NR_SLOTS || strcmp(ev->name, "exit_group") == 0 ||
	    strcmp(ev->name, "exit") == 0)
		return 0;
	if (idx < 64)
		pr->worked |= 1ull << idx;
	if (idx != pr->first)
		return 0;
	if (!pr->calls && !(pr->calls = calloc(NR_SLOTS / 64, sizeof(*pr->calls))))
		return -ENOMEM;
	pr->calls[ev->nr / 64] |= 1ull << (ev->nr % 64);
	return 0;
}

/* A thread announced by a clone event: it starts where its creator is, with no edge. */
static int note_clone(struct sp_policy_builder *b, int creator_phase, pid_t child, pid_t pid)
{
	struct bproc *pr = proc_of(b, child, pid);

	if (!pr)
		return -ENOMEM;
	pr->has_parent = true;
	if (pr->cur < 0)
		pr->cur = creator_phase;
	return 0;
}

static int add_edge(struct sp_policy_builder *b, int from, int to, enum sp_edge_kind kind)
{
	for (size_t i = 0; i < b->n_edges; i++) {
		struct sp_policy_edge *e = &b->edges[i];

		if (e->from == from && e->to == to && e->kind == kind) {
			e->count++;
			return 0;
		}
	}
	if (sp_policy_grow((void **)&b->edges, &b->cap_edges, b->n_edges + 1, sizeof(*b->edges)) <
	    0)
		return -ENOMEM;
	b->edges[b->n_edges++] = (struct sp_policy_edge){from, to, kind, 1};
	return 0;
}

/* Moves process pr into phase idx, recording the edge that took it there. */
static int enter(struct sp_policy_builder *b, struct bproc *pr, int idx)
{
	int rc = 0;

	if (pr->cur < 0) {
		pr->first = idx;
		if (pr->fork_from >= 0)
			rc = add_edge(b, pr->fork_from, idx, SP_EDGE_FORK);
		else if (pr->tid == pr->pid)
			b->ph[idx]->started++;
	} else if (pr->cur != idx) {
		rc = add_edge(b, pr->cur, idx, SP_EDGE_TRANSITION);
	}
	pr->cur = idx;
	return rc;
}

/*
 * A fork event for child.  The child's own first event may already have
 * been seen (a child's first stop can beat its parent's fork report): then
 * it was counted as a process of its own and is re-parented here.
 */
static int note_fork(struct sp_policy_builder *b, int parent_phase, pid_t child)
{
	struct bproc *pr = proc_of(b, child, child);

	if (!pr)
		return -ENOMEM;
	if (pr->has_parent)
		return 0;
	pr->has_parent = true;
	if (pr->cur < 0) {
		pr->fork_from = parent_phase;
		return 0;
	}
	/* Its first phase is the one it has been in since: no transition seen yet is lost. */
	b->ph[pr->cur]->started--;
	pr->fork_from = parent_phase;
	return add_edge(b, parent_phase, pr->cur, SP_EDGE_FORK);
}

int sp_policy_feed(struct sp_policy_builder *b, const struct sp_event *ev, struct sp_diag *diag)
{
	struct bphase *ph;
	struct bproc *pr;
	int idx, rc;

	if (!ev->phase)
		return sp_diag_set(diag, EINVAL, "event of pid %d at %.6f has no phase",
		                   (int)ev->pid, ev->ts);
	idx = sp_builder_count_event(b, ev, diag);
	if (idx < 0)
		return idx;
	sp_rec_note(&b->rec, &b->p->rec, ev);
	ph = b->ph[idx];
	pr = proc_of(b, ev->tid > 0 ? ev->tid : ev->pid, ev->pid);
	if (!pr)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (ev->type == SP_EV_EXEC && ev->former_tid) {
		/* The exec'ing thread goes on under the leader's id (docs/rules.md). */
		int former = -1;

		for (size_t i = 0; i < b->n_procs; i++)
			if (b->procs[i].tid == ev->former_tid)
				former = b->procs[i].cur;
		if (proc_drop(b, ev->former_tid, 0) < 0)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		pr = proc_of(b, ev->tid, ev->pid);
		if (!pr)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		if (former >= 0)
			pr->cur = former;
	}
	rc = enter(b, pr, idx);
	if (ev->type == SP_EV_EXEC)
		pr->execd = true;
	if (rc == 0 && ev->type == SP_EV_SYSCALL)
		rc = note_work(pr, idx, ev);
	if (rc == 0 && ev->type == SP_EV_FORK)
		rc = note_fork(b, idx, ev->child);
	if (rc == 0 && ev->type == SP_EV_CLONE)
		rc = note_clone(b, idx, ev->child, ev->pid);
	if (rc == 0 && ev->type == SP_EV_SYSCALL)
		rc = sp_builder_add_syscall(b, ph, ev);
	if (rc == 0 && ev->type == SP_EV_EXIT)
		rc = proc_drop(b, ev->tid > 0 ? ev->tid : ev->pid, ev->whole_process ? ev->pid : 0);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "out of memory");
	return 0;
}
