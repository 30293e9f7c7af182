/* SPDX-License-Identifier: MIT */
/*
 * The enforcer's thread and process records.  A thread's record hangs on
 * the tracer's own entry for it, and the detector keeps the thread's
 * state machine in it (one table for the three), and is freed when the
 * tracer stops following the thread (it exited or was let go).
 * Processes are hashed by id; one that ended, followed or let go, stays
 * among the SP_ENFORCE_GRAVEYARD last gone for its late audit records,
 * then is freed, so that memory follows the live tracees (a
 * fork-per-connection server stays flat) and a reused pid never meets a
 * dead process's state (sp_proc_fresh).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "sysphase/procfs.h"

static size_t bucket(pid_t id)
{
	return (size_t)id % SP_ENFORCE_BUCKETS;
}

static void sweep_let_go(struct sp_enforcer *e);

/* ---- threads: records hung on the tracer's own entries (sp_tracer_thread_data) ---- */

struct thr *sp_thr_find(const struct sp_enforcer *e, pid_t tid)
{
	void **slot = sp_tracer_thread_data(e->tracer, tid);

	return slot ? *slot : NULL;
}

/* The detector's slot in thread tid's record (sp_detector_slots). */
static void **phases_slot(void *opaque, pid_t tid)
{
	struct thr *t = sp_thr_find(opaque, tid);

	return t ? &t->phases : NULL;
}

void sp_thr_lend_phases(struct sp_enforcer *e)
{
	struct sp_detector_slots slots = {.slot = phases_slot, .ctx = e};

	sp_detector_lend_slots(e->detector, &slots);
}

int sp_thr_get(struct sp_enforcer *e, pid_t tid, pid_t pid, struct thr **out)
{
	void **slot = sp_tracer_thread_data(e->tracer, tid);
	struct thr *t = slot ? *slot : NULL;
	struct proc *p;

	*out = NULL;
	if (!slot)
		return -ESRCH; /* not followed: nothing of it to enforce */
	if (t && t->pid == pid) {
		*out = t;
		return 0;
	}
	p = sp_proc_get(e, pid);
	if (!p)
		return -ENOMEM;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		e->n_thrs++;
	} else {
		/* A tid now in another process: its record starts over. */
		struct proc *was = sp_proc_find(e, t->pid);

		if (was && was->nthreads)
			was->nthreads--;
	}
	/*
	 * The detector's state stays: it judges a recycled tid at the
	 * thread's first event (a state of the old process is dropped there).
	 */
	*t = (struct thr){.tid = tid,
	                  .pid = pid,
	                  .phases = t->phases,
	                  .installed = -1,
	                  .pending = -1,
	                  .trace_phase = -1,
	                  .calls_phase = -1};
	*slot = t;
	p->nthreads++;
	*out = t;
	return 0;
}

void sp_thr_gone(struct sp_enforcer *e, struct thr *t)
{
	struct proc *p = sp_proc_find(e, t->pid);
	bool let_go = t->let_go;

	/* Its phase goes with it: an exit event or a let-go freed it already, else now. */
	sp_detector_forget_slot(e->detector, &t->phases);
	free(t);
	e->n_thrs--;
	if (!p)
		return;
	if (p->nthreads)
		p->nthreads--;
	if (!let_go || p->nthreads || p->let_go || p->gone)
		return;
	p->let_go = true;
	e->n_let_go++;
	sweep_let_go(e);
}

/* ---- processes ---- */

struct proc *sp_proc_find(const struct sp_enforcer *e, pid_t pid)
{
	for (struct proc *p = e->procs[bucket(pid)]; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void proc_unlink(struct sp_enforcer *e, pid_t pid)
{
	for (struct proc **link = &e->procs[bucket(pid)]; *link; link = &(*link)->next) {
		struct proc *p = *link;

		if (p->pid != pid)
			continue;
		if (p->let_go && e->n_let_go)
			e->n_let_go--;
		*link = p->next;
		free(p);
		e->n_procs--;
		return;
	}
}

struct proc *sp_proc_get(struct sp_enforcer *e, pid_t pid)
{
	struct proc *p = sp_proc_find(e, pid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->installed = -1;
	p->next = e->procs[bucket(pid)];
	e->procs[bucket(pid)] = p;
	e->n_procs++;
	return p;
}

struct proc *sp_proc_fresh(struct sp_enforcer *e, pid_t pid)
{
	struct proc *p = sp_proc_find(e, pid);

	/*
	 * A process we were told of before its fork event (its first stop
	 * came first) has followed threads already; one whose threads were
	 * all let go or that exited is a dead process's pid.
	 */
	if (p && (p->gone || p->let_go))
		proc_unlink(e, pid);
	return sp_proc_get(e, pid);
}

/*
 * Among the recently gone: a record of a call it made before it ended may
 * still be on its way (kauditd hands records on a little later), and
 * must find its name and phase.  The oldest of them makes room.
 */
static void bury(struct sp_enforcer *e, struct proc *p)
{
	size_t slot;

	if (e->n_graveyard == SP_ENFORCE_GRAVEYARD) {
		struct proc *old = sp_proc_find(e, e->graveyard[e->graveyard_head]);

		/* Not p itself (a pid buried before, alive again in p): still unburied. */
		if (old && old->gone)
			proc_unlink(e, old->pid);
		e->graveyard_head = (e->graveyard_head + 1) % SP_ENFORCE_GRAVEYARD;
		e->n_graveyard--;
	}
	p->gone = true;
	slot = (e->graveyard_head + e->n_graveyard) % SP_ENFORCE_GRAVEYARD;
	e->graveyard[slot] = p->pid;
	e->n_graveyard++;
}

/*
 * Processes let go cannot tell us when they end.  Once there are twice
 * as many as at the last sweep, the ones that no longer exist join the
 * recently gone (a denial killed them, maybe, and its record is still to
 * come): the cost stays linear in the number let go, the memory bounded.
 */
static void sweep_let_go(struct sp_enforcer *e)
{
	if (e->n_let_go < e->sweep_at)
		return;
	for (size_t b = 0; b < SP_ENFORCE_BUCKETS; b++) {
		struct proc *p = e->procs[b], *next;

		for (; p; p = next) {
			next = p->next;
			if (!p->let_go || p->gone || p->pid == e->leader ||
			    !(kill(p->pid, 0) < 0 && errno == ESRCH))
				continue;
			/* Counted among the gone from now on, not the let go. */
			p->let_go = false;
			e->n_let_go--;
			/* Making room may free the next one of this chain: the chain again. */
			bury(e, p);
			next = e->procs[b];
		}
	}
	e->sweep_at = e->n_let_go * 2 > 64 ? e->n_let_go * 2 : 64;
}

void sp_proc_gone(struct sp_enforcer *e, struct proc *p)
{
	if (p->gone)
		return;
	if (p->pid == e->leader) {
		e->leader_gone = true;
		e->leader_installed = p->installed;
	}
	bury(e, p);
}

void sp_proc_read_comm(struct proc *p)
{
	char path[64], raw[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, raw, sizeof(raw));
	close(fd);
	/* The program chose its name: printed on the user's terminal, it must not drive it. */
	sp_proc_parse_comm(raw, n > 0 ? (size_t)n : 0, p->comm, sizeof(p->comm));
}

void sp_state_free(struct sp_enforcer *e)
{
	for (size_t b = 0; b < SP_ENFORCE_BUCKETS; b++)
		while (e->procs[b]) {
			struct proc *p = e->procs[b];

			e->procs[b] = p->next;
			free(p);
		}
	e->n_procs = e->n_let_go = e->n_graveyard = 0;
}
