/* SPDX-License-Identifier: MIT */
/*
 * The tracer's events, one at a time: each is fed to the phase detector,
 * and what it moved (a transition, a birth, an exec, an exit) updates the
 * thread and process records; then the thread is handed its phase's
 * filter (handover.c) and its denials named (violations.c).  The one
 * place the enforcer reacts to an event (sp_enforce_on_event).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "internal.h"
#include "sysphase/tracer.h"

/*
 * What the kernel does at clone and fork: the new thread holds its
 * creator's filters.  The detector put it in the phase the creator's event
 * is stamped with, which may be narrower (a transition the creator has not
 * installed yet, or the rules' on_fork phase): then it narrows at its own
 * first syscall stop.
 */
static int note_birth(struct sp_enforcer *e, const struct sp_event *ev)
{
	bool fork = ev->type == SP_EV_FORK;
	struct thr *creator = sp_thr_find(e, ev->tid);
	struct thr *child;
	struct proc *p;
	int rc;

	if (fork) {
		p = sp_proc_fresh(e, ev->child);
		if (!p)
			return -ENOMEM;
		p->installed = creator ? creator->installed : -1;
		sp_proc_read_comm(p);
		if (e->opts.complain && sp_complain_birth(e, ev->pid, ev->child) < 0)
			return -ENOMEM;
	}
	rc = sp_thr_get(e, ev->child, fork ? ev->child : ev->pid, &child);
	if (rc == -ESRCH)
		return 0; /* not followed (born to a thread let go, or gone already) */
	if (rc < 0)
		return rc;
	child->installed = creator ? creator->installed : -1;
	child->held = creator ? creator->held : 0;
	child->logging = creator ? creator->logging : 0;
	child->ll_id = creator ? creator->ll_id : 0; /* Landlock domains are inherited too */
	child->trace_phase = creator ? creator->trace_phase : -1;  /* so is a trigger filter */
	child->ours_filters = creator ? creator->ours_filters : 0; /* and every filter */
	sp_enforce_make_pending(e, child,
	                        sp_detector_thread_phase_index_of(e->detector, ev->child));
	return 0;
}

/*
 * A phase entered at exit or exit_group: the thread (or process) ends
 * there, and needs no filter.
 */
static bool ends_there(const struct sp_event *ev)
{
	return ev->type == SP_EV_EXIT ||
	       (ev->type == SP_EV_SYSCALL && ev->name &&
	        (strcmp(ev->name, "exit_group") == 0 || strcmp(ev->name, "exit") == 0));
}

/* A transition the detector made: a rule's is said, and the thread's next filter made pending. */
static int note_transition(struct sp_enforcer *e, const struct sp_event *ev,
                           const struct sp_transition *tr)
{
	struct proc *p = sp_proc_get(e, tr->pid);
	struct thr *t;
	int rc;

	if (!p)
		return -ENOMEM;
	if (!p->comm[0])
		sp_proc_read_comm(p);
	if (tr->kind == SP_TR_RULE) {
		struct sp_enforce_note n = {
		    .kind = SP_NOTE_PHASE,
		    .pid = tr->pid,
		    .tid = tr->tid,
		    .comm = p->comm,
		    .phase = sp_enforce_phase_name(e, tr->to),
		    .held_phase = sp_enforce_phase_name(e, tr->from),
		};

		sp_enforce_note(e, &n);
	}
	if (tr->kind == SP_TR_FORK)
		return 0; /* note_birth, from the fork event itself */
	if (ends_there(ev))
		return 0;
	rc = sp_thr_get(e, tr->tid, tr->pid, &t);
	if (rc == -ESRCH)
		return 0;
	if (rc < 0)
		return rc;
	if (tr->kind == SP_TR_START && t->installed < 0 && !e->leader) {
		/* Only the launched program starts unannounced: it holds the initial filter. */
		t->installed = e->initial;
		t->held = 1ULL << e->initial;
		t->ll_id = sp_enforce_landlock_initial_id(e);
		/* Complain mode: install_initial_filter put the LOG filter in where it could. */
		if (e->opts.complain && e->watch[e->initial].events_only &&
		    e->filters[e->initial].log_insns)
			t->logging = 1ULL << e->initial;
		if (t->logging && sp_complain_hold(e, t) < 0)
			return -ENOMEM;
		p->installed = e->initial;
		e->leader = p->pid;
	}
	sp_enforce_make_pending(e, t, tr->to);
	return 0;
}

/*
 * exec from a non-leader thread: it goes on under the leader's id, the
 * others are gone.  The tracer moved its record to the leader's entry.
 */
static void note_exec(struct sp_enforcer *e, const struct sp_event *ev)
{
	struct thr *caller = sp_thr_find(e, ev->pid);

	if (caller)
		caller->tid = ev->pid;
}

/* The thread's record goes when the tracer drops its entry, right after this event. */
static void on_exit_event(struct sp_enforcer *e, struct proc *p, const struct sp_event *ev)
{
	if (!ev->whole_process || !p)
		return;
	if (ev->killed && ev->signo == SIGSYS)
		sp_enforce_name_kill(e, p);
	sp_proc_gone(e, p);
}

/* The tracer stops following a thread: its record goes. */
void sp_enforce_on_thread_gone(void *opaque, pid_t tid, void *data)
{
	(void)tid;
	sp_thr_gone(opaque, data);
}

/*
 * Every event of every followed thread: the detector first (the phase the
 * event moves to), then the records, then the thread's filter and stops.
 */
int sp_enforce_on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev)
{
	struct sp_enforcer *e = opaque;
	struct sp_transition tr;
	struct proc *p;
	struct thr *t;
	int rc;

	e->tracer = tracer;
	if (e->error)
		return e->error;
	if (e->opts.complain && (rc = sp_complain_drain(e)) < 0)
		return rc;
	/* Cheap when nothing is queued: the reader thread fills it. */
	if (!e->opts.complain)
		sp_enforce_audit_scan(e);
	rc = sp_detector_feed(e->detector, ev, &tr);
	if (rc < 0)
		return rc;
	if (rc == 1 && (rc = note_transition(e, ev, &tr)) < 0)
		return rc;
	if ((ev->type == SP_EV_CLONE || ev->type == SP_EV_FORK) && (rc = note_birth(e, ev)) < 0)
		return rc;
	if (ev->type == SP_EV_EXEC && ev->former_tid)
		note_exec(e, ev);

	p = sp_proc_find(e, ev->pid);
	t = sp_thr_find(e, ev->tid);
	if (ev->type == SP_EV_EXEC && p)
		sp_proc_read_comm(p);
	if (ev->type == SP_EV_SYSCALL && ev->err == EPERM)
		e->expect_records = true;
	if (ev->type == SP_EV_EXIT) {
		on_exit_event(e, p, ev);
		return 0;
	}
	if (!p || !t)
		return 0;
	if ((ev->type == SP_EV_CLONE || ev->type == SP_EV_FORK)) {
		struct thr *child = sp_thr_find(e, ev->child);

		/* A child narrower than its creator gets its filter before its first call. */
		if (child && !e->opts.complain && child->pending >= 0 &&
		    (rc = sp_enforce_install_pending(e, tracer, child)) < 0)
			return rc;
		child = sp_thr_find(e, ev->child);
		if (child)
			sp_enforce_choose_stops(e, tracer, child);
	}
	if (ev->type == SP_EV_SYSCALL) {
		sp_enforce_note_denied_call(e, p, t, ev);
		if (!e->opts.complain)
			sp_enforce_note_seen_denial(e, p, t, ev);
		if (ev->err && sp_enforce_landlock_denied(e, t, ev) < 0)
			return -ENOMEM;
		rc = e->opts.complain ? sp_complain_step(e, tracer, t, ev) : 0;
		if (rc < 0)
			return rc;
	}
	/*
	 * The tracer installs it at the thread's next syscall-entry stop,
	 * whatever event moved it: a signal or an exec moves a thread
	 * followed by events alone.
	 */
	if (!e->opts.complain && t->pending >= 0 &&
	    (rc = sp_enforce_install_pending(e, tracer, t)) < 0)
		return rc;
	t = sp_thr_find(e, ev->tid); /* let go meanwhile? */
	if (t && !t->let_go && ev->type == SP_EV_SYSCALL &&
	    (rc = sp_enforce_count_call(e, tracer, t, ev)) < 0)
		return rc;
	if (t)
		sp_enforce_choose_stops(e, tracer, t);
	return 0;
}

/*
 * The tracer's question at each syscall entry (and at the exit of a call
 * it did not decode): are its arguments wanted?  Decoding costs a look at
 * each fd (/proc/PID/fd, a socket's protocol) and each string: a forked
 * child's close and dup2 calls cost more than their stops.  Wanted:
 *   - in complain mode, always (the layers it judges, every call's);
 *   - at a trigger that may fire or be armed in the thread's phase
 *     (watch.c): the calls no such trigger names match nothing, whatever
 *     their arguments, so the detector moves as under record;
 *   - at the exit of a call that failed with EACCES or EPERM under a
 *     Landlock layer: run names the denial from its arguments
 *     (sp_enforce_landlock_denied), read then (naming is not enforcing:
 *     the kernel refused the call already).
 */
bool sp_enforce_want_decode(void *opaque, const struct sp_event *ev)
{
	const struct sp_enforcer *e = opaque;

	if (e->opts.complain)
		return true;
	if (ev->has_exit)
		return e->ll && !e->ll_simulate && (ev->err == EACCES || ev->err == EPERM);
	return sp_enforce_wants_args(e, sp_detector_thread_phase_index_of(e->detector, ev->tid),
	                             ev->nr);
}

/* The tracer's question at each syscall entry: does a stack trigger that may fire want it? */
bool sp_enforce_want_stack(void *opaque, const struct sp_event *ev)
{
	const struct sp_enforcer *e = opaque;

	return ev->abi == SP_ABI_X86_64 &&
	       sp_enforce_wants_stack(e, sp_detector_thread_phase_index_of(e->detector, ev->tid),
	                              ev->nr);
}
