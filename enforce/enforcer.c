/* SPDX-License-Identifier: MIT */
/*
 * The run engine: the phase detector online on every event, and each
 * thread moved to its phase's filter.
 *
 * The child installs the initial phase's filter before execve.  Phases
 * are per thread, as seccomp filters are (docs/rules.md): when a thread
 * enters a new phase, the supervisor makes that thread, and that thread
 * only, install the phase's (narrower) filter by injecting seccomp()
 * through ptrace, without TSYNC.  A new thread holds its creator's filter
 * (the kernel copies it at clone) and narrows when it reaches a
 * transition itself.  A thread in a phase it can never leave is detached
 * alone and runs on under BPF; the process's other threads stay followed.
 *
 * Phases' filters are pure allow/deny.  A stacked RET_TRACE turns into
 * -ENOSYS once no tracer is attached, so the one filter with RET_TRACE, a
 * thread's trigger filter (triggers.c), goes only to a thread that shows
 * it stays in its phase, and such a thread is never let go.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "internal.h"
#include "sysphase/tracer.h"

/*
 * LOG makes the kernel audit every denial, which is how violations are
 * named.  No TSYNC: a filter goes to the thread whose phase it is.  TSYNC
 * would also move a thread still in glibc's start-up (rseq,
 * set_robust_list) or one its own filters keep apart.
 */
#define INJECT_FLAGS SECCOMP_FILTER_FLAG_LOG

void sp_enforce_note(const struct sp_enforcer *e, struct sp_enforce_note *n)
{
	if (e->opts.on_note)
		e->opts.on_note(e->opts.ctx, n);
}

bool sp_enforce_violation(uint32_t verdict, const struct sp_event *ev)
{
	uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;

	if (action == SECCOMP_RET_ALLOW)
		return false;
	/*
	 * run's filters answer calls with a known fallback by design: clone3
	 * ENOSYS (glibc falls back to clone), io_uring_setup EPERM.
	 */
	return !(action == SECCOMP_RET_ERRNO && ev->abi == SP_ABI_X86_64 &&
	         (int)(verdict & SECCOMP_RET_DATA) ==
	             sp_filter_graceful_errno(sp_syscall_name(SP_ABI_X86_64, ev->nr)) &&
	         sp_filter_graceful_errno(sp_syscall_name(SP_ABI_X86_64, ev->nr)) != 0);
}

/* ---- naming violations from the kernel's audit records ---- */

static void report_audit_record(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	struct proc *p = sp_proc_find(e, rec->pid);
	struct sp_enforce_note n = {.kind = SP_NOTE_DENIAL, .nr = rec->nr};

	/* Holding no filter of ours (an attached runtime's init), it was denied by another's. */
	if (!p || p->installed < 0)
		return;
	switch (rec->code & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		n.how = SP_DENIED_KILLED;
		break;
	case SECCOMP_RET_ERRNO:
		n.how = SP_DENIED_EPERM;
		break;
	case SECCOMP_RET_LOG:
		n.how = SP_DENIED_LOGGED;
		break;
	default:
		return; /* TRACE/TRAP are not ours */
	}
	/*
	 * run's filters fail clone3 and io_uring_setup with an errno on
	 * purpose (sp_filter_graceful_errno()), and nothing else with an errno
	 * but calls outside the list.  The record holds the action without its
	 * data (seccomp_log gets ACTION_FULL only), so those are told apart by
	 * their numbers.
	 */
	if ((rec->code & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO &&
	    sp_abi_classify(rec->arch, rec->nr) == SP_ABI_X86_64 &&
	    sp_filter_graceful_errno(sp_syscall_name(SP_ABI_X86_64, rec->nr)))
		return;
	p->named = true;
	n.pid = p->pid;
	n.comm = p->comm;
	n.phase = sp_enforce_phase_name(e, p->installed);
	n.abi = sp_abi_classify(rec->arch, rec->nr);
	n.syscall = sp_syscall_name(n.abi, rec->nr);
	sp_enforce_note(e, &n);
}

/* Records the kernel could not hand us (the socket overflowed): said, never skipped silently. */
static void report_lost_records(struct sp_enforcer *e)
{
	unsigned long long lost = sp_records_lost(e);
	struct sp_enforce_note n = {.kind = SP_NOTE_RECORDS_LOST, .comm = ""};

	if (lost <= e->lost_noted)
		return;
	n.lost = lost - e->lost_noted;
	e->lost_noted = lost;
	sp_enforce_note(e, &n);
}

/* The records queued so far (records.c); complain mode judges them itself (complain.c). */
static void audit_scan(struct sp_enforcer *e)
{
	struct sp_record r;

	if (e->opts.complain)
		return;
	while (sp_records_next(e, &r))
		report_audit_record(e, &r.rec);
	sp_enforce_landlock_records(e);
	report_lost_records(e);
}

/*
 * The kernel hands audit records to kauditd, which prints them a little
 * later: a process can be reaped before the record of the call that
 * killed it is in the log.  Wait for one about p, up to limit_ms.
 */
static bool audit_wait_for(struct sp_enforcer *e, struct proc *p, int limit_ms)
{
	struct timespec start, now;

	if (!sp_audit_available(e->audit))
		return p->named;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (audit_scan(e); !p->named; audit_scan(e)) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &now);
		spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= limit_ms || !sp_records_wait(e, (int)(limit_ms - spent)))
			break;
	}
	return p->named;
}

/*
 * No audit record came (auditd takes them, printk's rate limit dropped
 * them, /dev/kmsg is closed to us): name what we saw ourselves, the
 * denied call the process was in when it died, or at least the phase.
 */
/* Why the kernel's records cannot name our denials, said once a run. */
static void say_unnamed(struct sp_enforcer *e)
{
	struct sp_enforce_note n = {.kind = SP_NOTE_UNNAMED, .comm = "", .reason = e->unnamed_why};

	if (!e->unnamed_why || e->unnamed_noted)
		return;
	e->unnamed_noted = true;
	sp_enforce_note(e, &n);
}

static void report_unlogged_kill(struct sp_enforcer *e, struct proc *p)
{
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_DENIAL,
	    .pid = p->pid,
	    .comm = p->comm,
	    .phase = sp_enforce_phase_name(e, p->installed),
	    .syscall = p->denied,
	    .abi = p->denied_abi,
	    .nr = p->denied ? p->denied_nr : -1,
	    .how = SP_DENIED_KILLED,
	};

	p->named = true;
	if (!p->denied)
		say_unnamed(e);
	sp_enforce_note(e, &n);
}

/*
 * Where the kernel's records cannot name our processes (a container):
 * a followed thread's call that its filter fails (ERRNO) or logs (LOG)
 * is named from what ptrace saw, its verdict given by the filter it
 * holds.  A kill is note_denied_call's.
 */
static void note_seen_denial(struct sp_enforcer *e, struct proc *p, const struct thr *t,
                             const struct sp_event *ev)
{
	struct sp_enforce_note n = {.kind = SP_NOTE_DENIAL, .pid = p->pid, .comm = p->comm};
	uint32_t verdict;

	if (!e->unnamed_why || !ev->has_exit || t->installed < 0 ||
	    !e->filters[t->installed].observed)
		return;
	verdict = sp_enforce_verdict(e, t->installed, ev);
	if (!sp_enforce_violation(verdict, ev))
		return;
	switch (verdict & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ERRNO:
		n.how = SP_DENIED_EPERM;
		break;
	case SECCOMP_RET_LOG:
		n.how = SP_DENIED_LOGGED;
		break;
	default:
		return;
	}
	n.phase = sp_enforce_phase_name(e, t->installed);
	n.abi = ev->abi;
	n.nr = ev->nr;
	n.syscall = ev->name;
	p->named = true;
	sp_enforce_note(e, &n);
}

/*
 * At the end: the records still in flight, up to a record of our own made
 * now (sp_records_barrier); where the stream cannot say, until it has been
 * quiet for a moment.
 */
static void audit_settle(struct sp_enforcer *e)
{
	audit_scan(e);
	if (!e->expect_records)
		return;
	if (sp_records_barrier(e, 10000)) {
		audit_scan(e);
		return;
	}
	for (int rounds = 0; rounds < 20 && sp_records_wait(e, 50); rounds++)
		audit_scan(e);
}

/* ---- moving threads between filters ---- */

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
 * now, its record when the tracer drops its entry (on_thread_gone).
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
	/* Its denials are named by their records alone: run_traced drains them up to a barrier. */
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
 * Asks the tracer to hand thread t the filter of its pending phase at its
 * next syscall-entry stop; on_handover says how it went.  A hand-over into
 * a phase without io_uring is refused while the process holds a ring: a
 * ring made earlier runs its operations without seccomp (docs/security.md).
 */
static int install_pending(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	const struct phase_filter *f = &e->filters[t->pending];
	const struct phase_filter *held = t->installed >= 0 ? &e->filters[t->installed] : NULL;
	struct sp_filter_request req = {
	    .insns = f->insns,
	    .len = f->len,
	    .flags = INJECT_FLAGS,
	    .refuse_io_uring = !sp_enforce_allows(f, "io_uring_enter"),
	    .tag = t->pending,
	    .landlock = sp_enforce_landlock_request(e, t, t->pending),
	};
	const char *refused;

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
	if ((refused = sp_enforce_sealed(e, t->tid, req.landlock != NULL)) != NULL) {
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
static void choose_stops(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
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

/* The tracer's word on a filter asked for (install_pending, sp_complain_step). */
static void on_handover(void *opaque, struct sp_tracer *tracer, pid_t tid, long tag, int rc,
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
	if (sp_enforce_trace_phase_of_tag(tag) >= 0) {
		int phase = sp_enforce_trace_phase_of_tag(tag);

		/* Anything but -ECANCELED killed the process: a hand-over that failed. */
		if (rc < 0 && rc != -ECANCELED) {
			t->pending = phase;
			sp_enforce_fail_closed(e, tracer, t, why ? why : strerror(-rc));
			return;
		}
		sp_enforce_trace_handed_over(e, t, phase, rc, why);
		choose_stops(e, tracer, t);
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
		choose_stops(e, tracer, t);
}

/*
 * Thread t must get the filter of phase `to`, unless it holds it or the
 * policy never saw it.  A phase the policy never saw is said once per
 * phase and run, not once per process that enters it.
 */
static void make_pending(struct sp_enforcer *e, struct thr *t, int to)
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
	child->trace_phase = creator ? creator->trace_phase : -1; /* so is a trigger filter */
	make_pending(e, child, sp_detector_thread_phase_index_of(e->detector, ev->child));
	return 0;
}

/* A phase entered at exit or exit_group: the thread (or process) ends there, and needs no filter.
 */
static bool ends_there(const struct sp_event *ev)
{
	return ev->type == SP_EV_EXIT ||
	       (ev->type == SP_EV_SYSCALL && ev->name &&
	        (strcmp(ev->name, "exit_group") == 0 || strcmp(ev->name, "exit") == 0));
}

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
	make_pending(e, t, tr->to);
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
	if (ev->killed && ev->signo == SIGSYS && !audit_wait_for(e, p, 1000))
		report_unlogged_kill(e, p);
	sp_proc_gone(e, p);
}

/* A call the filter it holds denies, before it finishes: what killed it if it dies of SIGSYS. */
static void note_denied_call(struct sp_enforcer *e, struct proc *p, const struct thr *t,
                             const struct sp_event *ev)
{
	if (ev->has_exit || t->installed < 0 || !e->filters[t->installed].observed ||
	    !sp_enforce_violation(sp_enforce_verdict(e, t->installed, ev), ev))
		return;
	p->denied = ev->name;
	p->denied_abi = ev->abi;
	p->denied_nr = ev->nr;
	p->installed = t->installed;
}

/* The tracer stops following a thread: its record goes. */
static void on_thread_gone(void *opaque, pid_t tid, void *data)
{
	(void)tid;
	sp_thr_gone(opaque, data);
}

static int on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev)
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
	if (!e->opts.complain)
		audit_scan(e); /* cheap when nothing is queued: the reader thread fills it */
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
		    (rc = install_pending(e, tracer, child)) < 0)
			return rc;
		child = sp_thr_find(e, ev->child);
		if (child)
			choose_stops(e, tracer, child);
	}
	if (ev->type == SP_EV_SYSCALL) {
		note_denied_call(e, p, t, ev);
		if (!e->opts.complain)
			note_seen_denial(e, p, t, ev);
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
	if (!e->opts.complain && t->pending >= 0 && (rc = install_pending(e, tracer, t)) < 0)
		return rc;
	t = sp_thr_find(e, ev->tid); /* let go meanwhile? */
	if (t && !t->let_go && ev->type == SP_EV_SYSCALL &&
	    (rc = sp_enforce_count_call(e, tracer, t, ev)) < 0)
		return rc;
	if (t)
		choose_stops(e, tracer, t);
	return 0;
}

/* The tracer's question at each syscall entry: does a stack trigger that may fire want it? */
static bool want_stack(void *opaque, const struct sp_event *ev)
{
	const struct sp_enforcer *e = opaque;

	return ev->abi == SP_ABI_X86_64 &&
	       sp_enforce_wants_stack(e, sp_detector_thread_phase_index_of(e->detector, ev->tid),
	                              ev->nr);
}

/* ---- the child's side: the first filter, before execve ---- */

static int install_initial_filter(void *opaque)
{
	const struct sp_enforcer *e = opaque;
	const struct phase_filter *f = &e->filters[e->initial];
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};
	unsigned flags = INJECT_FLAGS;
	int rc;

	/*
	 * Unprivileged filters need it, and it keeps setuid binaries from
	 * escaping the filter.  Complain mode too: it injects a filter where
	 * run lets a thread go.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The Landlock layer before the filter, which need not allow its calls. */
	rc = sp_enforce_landlock_self(e);
	if (rc < 0)
		return rc;
	if (e->opts.complain) {
		size_t len = 0;

		prog.filter = (struct sock_filter *)sp_complain_initial_filter(e, &len, &flags);
		prog.len = (unsigned short)len;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
		return -errno;
	return 0;
}

/* ---- the library's face ---- */

int sp_enforcer_new(const char *policy_path, const struct sp_enforcer_opts *opts,
                    struct sp_enforcer **out, struct sp_diag *diag)
{
	struct sp_enforcer *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (!e)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	e->opts = *opts;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->rq_cond, NULL);
	rc = sp_enforce_load(e, policy_path, diag);
	if (rc < 0) {
		sp_enforcer_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void sp_enforcer_free(struct sp_enforcer *e)
{
	if (!e)
		return;
	sp_enforce_unload(e);
	sp_audit_close(e->audit);
	sp_state_free(e);
	sp_complain_free(e);
	sp_records_stop(e);
	pthread_cond_destroy(&e->rq_cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void sp_enforcer_request_stop(int signo)
{
	sp_tracer_request_stop(signo);
}

/* The run itself, launched or attached: topts says which. */
static int run_traced(struct sp_enforcer *e, struct sp_tracer_opts *topts, char *const *argv,
                      struct sp_enforce_result *res, struct sp_diag *diag)
{
	struct sp_tracer_result tres;
	struct proc *leader;
	int rc;

	memset(res, 0, sizeof(*res));
	e->res = res;
	e->error = 0;
	if (!e->audit) {
		e->audit = sp_audit_open();
		if (!e->audit)
			return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	/* Denials of errno and log filters leave no other trace than their record. */
	e->expect_records = e->opts.def != SP_ACTION_KILL || e->opts.graded;
	/* Then a followed thread's are named from what ptrace sees, and the rest cannot be. */
	e->unnamed_why = e->opts.complain ? NULL : sp_audit_why_unnamed(e->audit);
	if (e->expect_records)
		say_unnamed(e);
	/*
	 * Triggers fire as they did in record: stacks (symbolised: a stack
	 * trigger tests function names) where a stack trigger may fire, and
	 * strings whole up to what the rules' string predicates need.
	 */
	topts->strsize = 256;
	topts->stack = e->rules_need_stack;
	topts->want_stack = want_stack;
	if (sp_rules_string_need(e->rules) > topts->strsize)
		topts->strsize = sp_rules_string_need(e->rules);
	topts->on_event = on_event;
	topts->on_handover = on_handover;
	topts->on_thread_gone = on_thread_gone;
	topts->ctx = e;
	if (e->opts.complain && (rc = sp_complain_start(e, argv, diag)) < 0)
		return rc;
	sp_records_start(e);
	rc = sp_tracer_run(topts, &tres, diag);
	e->tracer = NULL; /* its entries, and the thread records on them, are gone */
	if (e->opts.complain && !e->error)
		e->error = sp_complain_finish(e, &e->diag);
	sp_records_stop(e);
	report_lost_records(e);
	if (e->error) {
		if (diag)
			*diag = e->diag;
		return e->error;
	}
	if (rc == 0 && tres.status == 128 + SIGSYS)
		e->expect_records = true;
	audit_settle(e);
	/* A detached program's death is seen only here, through its exit status. */
	leader = sp_proc_find(e, e->leader);
	if (rc == 0 && tres.status == 128 + SIGSYS && leader && !e->leader_gone &&
	    !audit_wait_for(e, leader, 1000))
		report_unlogged_kill(e, leader);
	if (rc < 0)
		return rc;
	res->status = tres.status;
	res->interrupted = tres.interrupted;
	return 0;
}

int sp_enforcer_run(struct sp_enforcer *e, char *const *argv, struct sp_enforce_result *res,
                    struct sp_diag *diag)
{
	struct sp_tracer_opts topts = {.argv = argv, .pre_exec = install_initial_filter};

	return run_traced(e, &topts, argv, res, diag);
}

/* The attached process's first filter: what install_initial_filter installs in a child. */
static void on_attached(void *opaque)
{
	struct sp_enforcer *e = opaque;

	if (e->opts.on_attached)
		e->opts.on_attached(e->opts.ctx);
}

int sp_enforcer_attach(struct sp_enforcer *e, pid_t pid, struct sp_enforce_result *res,
                       struct sp_diag *diag)
{
	const struct phase_filter *f = &e->filters[e->initial];
	struct sp_filter_request start = {
	    .insns = f->insns,
	    .len = f->len,
	    .flags = INJECT_FLAGS,
	    .refuse_io_uring = !sp_enforce_allows(f, "io_uring_enter"),
	    .tag = e->initial,
	};
	struct sp_tracer_opts topts = {
	    .attach_pid = pid,
	    .start_filter = &start,
	    .on_attached = on_attached,
	};

	memset(res, 0, sizeof(*res));
	if (e->opts.complain)
		return sp_diag_set(
		    diag, ENOTSUP,
		    "complain mode cannot attach: it learns from a launched program");
	/* The layers are the launch's (sp_enforce_landlock_self, before execve): none here. */
	sp_enforcer_drop_landlock(e);
	e->attach_pid = pid;
	return run_traced(e, &topts, NULL, res, diag);
}
