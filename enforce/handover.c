/* SPDX-License-Identifier: MIT */
/*
 * Moving threads between filters: which phase's filter a thread must get
 * (make_pending), asking the tracer to inject it (install_pending), the
 * tracer's answer (on_handover), and the decisions around it: which stops
 * a thread is followed by, when it is let go, and failing closed when a
 * hand-over fails.  Filters are per thread (docs/run.md): every decision
 * here is about one thread.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "sysphase/tracer.h"

void sp_enforce_fail_closed(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                            const char *reason)
{
	struct proc *p = sp_proc_find(e, t->pid);
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_HANDOVER_FAILED,
	    .pid = t->pid,
	    .comm = p ? p->comm : "",
	    .phase = sp_enforce_phase_name(e, t->pending),
	    .held_phase = sp_enforce_phase_name(e, t->installed),
	    .reason = reason,
	};

	/* Never let a program run on under a wider filter than its phase allows. */
	sp_tracer_kill_process(tracer, t->pid);
	e->res->failed++;
	t->pending = -1;
	sp_enforce_note(e, &n);
}

/*
 * Thread t is let go once this event is handled: its detector state goes
 * now, its record when the tracer drops its entry (sp_enforce_on_thread_gone).
 */
void sp_enforce_let_go(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	/*
	 * A thread holding a trigger filter is never let go (triggers.c): it
	 * stays followed, by events where its phase allows, and keeps the
	 * filters it holds.
	 */
	if (t->trace_phase >= 0)
		return;
	t->let_go = true;
	/*
	 * Its denials are named by their records alone: run_traced drains them
	 * up to a barrier (complain mode drains its own, sp_complain_finish).
	 */
	if (!e->opts.complain)
		e->expect_records = true;
	sp_tracer_detach_thread_after(tracer, t->tid);
	sp_detector_forget(e->detector, t->tid);
}

/* Thread t holds the filter of its pending phase from now on. */
static void took_phase(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	struct proc *p = sp_proc_find(e, t->pid);

	sp_enforce_landlock_took(e, t, t->pending);
	t->installed = t->pending;
	t->held |= 1ULL << t->installed;
	t->pending = -1;
	if (p)
		p->installed = t->installed;
	if (e->filters[t->installed].detach)
		sp_enforce_let_go(e, tracer, t);
}

/*
 * Phase's filter as the tracer injects it.  A hand-over into a phase
 * without io_uring is refused while the process holds a ring: a ring made
 * earlier runs its operations without seccomp (docs/security.md).
 */
struct sp_filter_request sp_enforce_phase_request(const struct sp_enforcer *e, int phase)
{
	const struct phase_filter *f = &e->filters[phase];
	struct sp_filter_request req = {
	    .insns = f->insns,
	    .len = f->len,
	    .flags = SP_ENFORCE_INJECT_FLAGS,
	    .refuse_io_uring = !sp_enforce_allows(f, "io_uring_enter"),
	    .tag = phase,
	};

	return req;
}

/*
 * Asks the tracer to hand thread t the filter of its pending phase at its
 * next syscall-entry stop; sp_enforce_on_handover says how it went.
 */
int sp_enforce_install_pending(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	const struct phase_filter *f = &e->filters[t->pending];
	const struct phase_filter *held = t->installed >= 0 ? &e->filters[t->installed] : NULL;
	struct sp_filter_request req = sp_enforce_phase_request(e, t->pending);
	const char *refused;

	req.landlock = sp_enforce_landlock_request(e, t, t->pending);
	/*
	 * The same program as the one held narrows nothing: stacking it again
	 * would only make every later syscall run one more filter (unless a
	 * Landlock layer goes in with it).
	 */
	/* A trigger filter asked for and not yet in is replaced by this request. */
	t->trace_asked = false;
	if (held && !req.landlock && held->len == f->len &&
	    memcmp(held->insns, f->insns, f->len * sizeof(*f->insns)) == 0) {
		took_phase(e, tracer, t);
		return 0;
	}
	/* A filter of its own refuses the hand-over: own_filter.c, docs/security.md. */
	if ((refused = sp_enforce_sealed(e, t, req.landlock != NULL)) != NULL) {
		sp_enforce_note_sealed(e, t, refused);
		t->pending = -1;
		sp_enforce_let_go(e, tracer, t);
		return 0;
	}
	return sp_tracer_install_filter(tracer, t->tid, &req) == -ENOMEM ? -ENOMEM : 0;
}

/*
 * Syscall stops only while a call of the thread could move it to another
 * phase, or while it has a filter to install (at a syscall stop); else it
 * is followed by process events alone (watch.c).  In complain mode, only
 * once it holds its phase's LOG filter: until then the simulator judges it.
 */
void sp_enforce_choose_stops(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	int phase = sp_detector_thread_phase_index_of(e->detector, t->tid);
	bool events = phase >= 0 && t->pending < 0 && e->watch[phase].events_only;
	bool triggers;

	if (events && e->opts.complain)
		events = t->installed == phase && (t->logging & (1ULL << phase));
	/* Its trigger filter's stops, where they cover what the phase's triggers need. */
	triggers = !events && t->pending < 0 && sp_enforce_trace_covers(e, t->trace_phase, phase);
	if (events != t->events_only && sp_tracer_set_events_only(tracer, t->tid, events) == 0)
		t->events_only = events;
	if (triggers != t->trigger_only &&
	    sp_tracer_set_trigger_only(tracer, t->tid, triggers) == 0)
		t->trigger_only = triggers;
}

/* The tracer's word on a filter asked for (sp_enforce_install_pending, sp_complain_step). */
void sp_enforce_on_handover(void *opaque, struct sp_tracer *tracer, pid_t tid, long tag, int rc,
                            const char *why)
{
	struct sp_enforcer *e = opaque;
	struct proc *p;
	struct thr *t;

	e->tracer = tracer;
	t = sp_thr_find(e, tid);
	/* An attached process's start filter fails before any event of it made a record. */
	if (!t && rc < 0 && e->attach_pid && (p = sp_proc_get(e, e->attach_pid))) {
		if (!p->comm[0])
			sp_proc_read_comm(p);
		sp_thr_get(e, tid, e->attach_pid, &t);
	}
	if (!t)
		return;
	/* It died with its process, or of another thread's exec: it runs nothing more. */
	if (rc == -ESRCH) {
		t->pending = -1;
		return;
	}
	if (sp_enforce_trace_phase_of_tag(tag) >= 0) {
		int phase = sp_enforce_trace_phase_of_tag(tag);

		/* Anything but -ECANCELED killed the process: a hand-over that failed. */
		if (rc < 0 && rc != -ECANCELED) {
			t->pending = phase;
			sp_enforce_fail_closed(e, tracer, t, why ? why : strerror(-rc));
			return;
		}
		sp_enforce_trace_handed_over(e, t, phase, rc, why);
		sp_enforce_choose_stops(e, tracer, t);
		return;
	}
	t->pending = (int)tag;
	if (rc < 0) {
		sp_enforce_fail_closed(e, tracer, t, why ? why : strerror(-rc));
		return;
	}
	e->res->handovers++;
	if (!e->opts.complain)
		took_phase(e, tracer, t);
	else if (sp_complain_handed_over(e, t) < 0 && !e->error)
		e->error =
		    sp_diag_set(&e->diag, ENOMEM, "out of memory"); /* on_event ends the run */
	t = sp_thr_find(e, tid);                                    /* let go meanwhile? */
	if (t)
		sp_enforce_choose_stops(e, tracer, t);
}

/*
 * Thread t must get the filter of phase `to`, unless it holds it or the
 * policy never saw it.  A phase the policy never saw is said once per
 * phase and run, not once per process that enters it.
 */
void sp_enforce_make_pending(struct sp_enforcer *e, struct thr *t, int to)
{
	struct proc *p = sp_proc_find(e, t->pid);

	t->pending = -1;
	if (to < 0 || to == t->installed)
		return;
	if (!e->filters[to].observed) {
		struct sp_enforce_note n = {
		    .kind = SP_NOTE_UNSEEN_PHASE,
		    .pid = t->pid,
		    .comm = p ? p->comm : "",
		    .phase = sp_enforce_phase_name(e, to),
		    .held_phase = sp_enforce_phase_name(e, t->installed),
		};

		if (!(e->unseen_noted & (1ULL << to)))
			sp_enforce_note(e, &n);
		e->unseen_noted |= 1ULL << to;
		return;
	}
	t->pending = to;
}
