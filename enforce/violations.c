/* SPDX-License-Identifier: MIT */
/*
 * Naming the calls run's filters deny.  The kernel's audit records
 * (records.c) name them where it makes records for our processes; where
 * it cannot (a container, auditd holding the stream), what ptrace saw of a
 * followed thread does, and a process killed without a record is named by
 * the call it was in.  Kept apart from the hand-over (handover.c): this
 * file only reads the state and says what happened.
 */
#include <stdbool.h>
#include <time.h>

#include <linux/seccomp.h>

#include "internal.h"

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

/* What a seccomp return value (or a record's code) does to the call: false for TRACE, TRAP, ALLOW.
 */
static bool how_denied(uint32_t ret, enum sp_denial_how *how)
{
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		*how = SP_DENIED_KILLED;
		return true;
	case SECCOMP_RET_ERRNO:
		*how = SP_DENIED_EPERM;
		return true;
	case SECCOMP_RET_LOG:
		*how = SP_DENIED_LOGGED;
		return true;
	default:
		return false;
	}
}

/* One seccomp record: a denial named, unless the filter was not ours or answered by design. */
static void report_audit_record(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	struct proc *p = sp_proc_find(e, rec->pid);
	struct sp_enforce_note n = {.kind = SP_NOTE_DENIAL, .nr = rec->nr};

	/* Holding no filter of ours (an attached runtime's init), it was denied by another's. */
	if (!p || p->installed < 0)
		return;
	if (!how_denied(rec->code, &n.how))
		return; /* TRACE/TRAP are not ours */
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
void sp_enforce_report_lost(struct sp_enforcer *e)
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
void sp_enforce_audit_scan(struct sp_enforcer *e)
{
	struct sp_record r;

	if (e->opts.complain)
		return;
	while (sp_records_next(e, &r))
		report_audit_record(e, &r.rec);
	sp_enforce_landlock_records(e);
	sp_enforce_report_lost(e);
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
	for (sp_enforce_audit_scan(e); !p->named; sp_enforce_audit_scan(e)) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &now);
		spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= limit_ms || !sp_records_wait(e, (int)(limit_ms - spent)))
			break;
	}
	return p->named;
}

/* Why the kernel's records cannot name our denials, said once a run. */
void sp_enforce_say_unnamed(struct sp_enforcer *e)
{
	struct sp_enforce_note n = {.kind = SP_NOTE_UNNAMED, .comm = "", .reason = e->unnamed_why};

	if (!e->unnamed_why || e->unnamed_noted)
		return;
	e->unnamed_noted = true;
	sp_enforce_note(e, &n);
}

/*
 * No audit record came (auditd takes them, printk's rate limit dropped
 * them, /dev/kmsg is closed to us): name what we saw ourselves, the
 * denied call the process was in when it died, or at least the phase.
 */
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
		sp_enforce_say_unnamed(e);
	sp_enforce_note(e, &n);
}

/*
 * Where the kernel's records cannot name our processes (a container):
 * a followed thread's call that its filter fails (ERRNO) or logs (LOG)
 * is named from what ptrace saw, its verdict given by the filter it
 * holds.  A kill is sp_enforce_note_denied_call's.
 */
void sp_enforce_note_seen_denial(struct sp_enforcer *e, struct proc *p, const struct thr *t,
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
	if (!how_denied(verdict, &n.how) || n.how == SP_DENIED_KILLED)
		return;
	n.phase = sp_enforce_phase_name(e, t->installed);
	n.abi = ev->abi;
	n.nr = ev->nr;
	n.syscall = ev->name;
	p->named = true;
	sp_enforce_note(e, &n);
}

/* A call the filter it holds denies, before it finishes: what killed it if it dies of SIGSYS. */
void sp_enforce_note_denied_call(struct sp_enforcer *e, struct proc *p, const struct thr *t,
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

/*
 * At the end: the records still in flight, up to a record of our own made
 * now (sp_records_barrier); where the stream cannot say, until it has been
 * quiet for a moment.
 */
void sp_enforce_audit_settle(struct sp_enforcer *e)
{
	sp_enforce_audit_scan(e);
	if (!e->expect_records)
		return;
	if (sp_records_barrier(e, 10000)) {
		sp_enforce_audit_scan(e);
		return;
	}
	for (int rounds = 0; rounds < 20 && sp_records_wait(e, 50); rounds++)
		sp_enforce_audit_scan(e);
}

/* p died of SIGSYS: named by the kernel's record if one comes within a second, else by us. */
void sp_enforce_name_kill(struct sp_enforcer *e, struct proc *p)
{
	if (!audit_wait_for(e, p, 1000))
		report_unlogged_kill(e, p);
}
