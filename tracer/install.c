/* SPDX-License-Identifier: MIT */
/*
 * The filter hand-over: a thread with a filter asked for
 * (sp_tracer_install_filter) gets it at its next syscall-entry stop,
 * before the kernel has judged that call: the call is replaced by an
 * injected seccomp() and then re-issued under the new filter (inject.c).
 * From the injected call's return on, nothing the thread does escapes the
 * new filter; nothing is postponed, and no instruction byte is read.
 *
 * Every task that shares the memory is held meanwhile (quiesce.c); the
 * kernel's filter count is the witness of the installation, and the
 * program is read back where the kernel lets us (CAP_SYS_ADMIN).  Every
 * held thread of the process that waits at an entry stop with a filter
 * asked for of its own gets it under the same holding: a thousand threads
 * reaching their phase at once cost a handful of holdings, not a thousand.
 * Any failure kills the process (SIGKILL) before one of its threads runs
 * again, and on_handover says why.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "handover.h"
#include "inject.h"
#include "internal.h"
#include "sysphase/procfs.h"

/* Whether tid is a thread of process pid (/proc/PID/task/TID exists). */
static bool thread_of(pid_t pid, int tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, tid);
	return access(path, F_OK) == 0;
}

/* For a refused access to the program: the usual reason, which the program chose. */
static const char *refusal_hint(int err)
{
	return err == EPERM || err == EACCES
	           ? " (the program made itself non-dumpable, and sysphase "
	             "has no CAP_SYS_PTRACE over it)"
	           : "";
}

/* Why the injected call did not install the filter, from what it answered. */
static int judge_result(const struct thread *th, int ret, struct sp_diag *why)
{
	/*
	 * A positive result is TSYNC's refusal, naming a thread of the
	 * process whose filters diverge, or else a filter of the program's
	 * own at work: TRAP and KILL skip the call and leave the syscall
	 * number in rax (syscall_rollback), ERRNO can return anything.
	 */
	if (ret > 0 && thread_of(th->pid, ret))
		return sp_diag_set(
		    why, EPERM, "thread %d holds filters of its own that TSYNC cannot join", ret);
	if (ret > 0)
		return sp_diag_set(why, EPERM,
		                   "seccomp() returned %d, not 0: a filter of the program's own "
		                   "intercepted it",
		                   ret);
	if (ret < 0)
		return sp_diag_set(why, -ret, "seccomp() failed: %s", strerror(-ret));
	return 0;
}

/*
 * The injected call itself, with the thread's death noted for the loop.
 * *restored (may be NULL): the call ran and the thread is back at its
 * entry stop as it was, whatever seccomp() answered.
 */
static int inject(struct sp_tracer *t, struct thread *th, struct sp_diag *why, bool *restored)
{
	const struct filter_request *req = &th->req;
	struct sp_inject_outcome out;
	struct timespec deadline;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += t->handover_timeout_s;
	rc = sp_inject_seccomp_at_entry(th->tid, req->insns, req->len, req->flags, &deadline,
	                                t->stop_signal, &out);
	if (restored)
		*restored = rc == 0 && !out.gone && !out.stuck;
	if (out.gone) {
		/* The loop reports its death once the current event is handled. */
		th->vanished = true;
		th->vanished_status = out.gone_status;
		return sp_diag_set(why, ESRCH, "thread %d died during the injection%s", th->tid,
		                   WIFSIGNALED(out.gone_status) &&
		                           WTERMSIG(out.gone_status) == SIGSYS
		                       ? " (killed by SIGSYS: a filter of its own denies seccomp)"
		                       : "");
	}
	if (out.stuck && rc == -EINTR)
		return sp_diag_set(why, EINTR,
		                   "sysphase was asked to stop while thread %d was in the injected "
		                   "seccomp()",
		                   th->tid);
	if (out.stuck)
		return sp_diag_set(
		    why, ETIMEDOUT,
		    "the seccomp() injected into thread %d did not return within %d s "
		    "(a filter of the program's own holds it: SECCOMP_RET_USER_NOTIF?)",
		    th->tid, t->handover_timeout_s);
	if (rc < 0 && out.unfit_area)
		return sp_diag_set(why, -rc, "the filter cannot be injected: %s", out.step);
	if (rc < 0)
		return sp_diag_set(why, -rc, "the injection failed: %s: %s%s", out.step,
		                   strerror(-rc), refusal_hint(-rc));
	return judge_result(th, out.seccomp_ret, why);
}

/* th's Landlock layer, at its entry stop, which it leaves as it found it (tracer/landlock.c). */
static int landlock_first(struct thread *th, struct sp_diag *why)
{
	struct sp_landlock_outcome out;
	int rc = sp_inject_landlock(th->tid, th->req.landlock, &out, why);

	if (out.gone) {
		th->vanished = true;
		th->vanished_status = out.gone_status;
	}
	return rc;
}

/* Whether a held process can still use an io_uring ring (it runs without seccomp). */
static int check_io_uring(const struct sp_pids *held, struct sp_diag *why)
{
	for (size_t i = 0; i < held->n; i++) {
		struct sp_io_uring_use u;
		int rc = sp_proc_io_uring(held->v[i], &u);

		if (rc == -ESRCH)
			continue;
		if (rc < 0)
			return sp_diag_set(
			    why, -rc, "cannot tell whether process %d holds an io_uring ring: %s%s",
			    held->v[i], strerror(-rc), refusal_hint(-rc));
		if (sp_io_uring_in_use(&u))
			return sp_diag_set(
			    why, EPERM,
			    "process %d holds an io_uring ring (%d fds, %d with a kernel "
			    "poller, %d mappings, %d poller threads), whose operations no "
			    "filter sees, and the new phase has no io_uring",
			    held->v[i], u.fds, u.sqpoll, u.mappings, u.pollers);
	}
	return 0;
}

/*
 * Installs th's requested filter, th at a syscall-entry stop of an x86-64
 * call, every sharer held.  0 when the kernel's account shows it.
 */
static int install_one(struct sp_tracer *t, struct thread *th, struct sp_diag *why)
{
	const struct filter_request *req = &th->req;
	long before;
	int rc;

	/*
	 * The kernel's count is the witness: the injected call's result is
	 * not, since a filter of the program's own can answer seccomp() with
	 * ERRNO|0 (a fake success), and with TSYNC every thread ends up with
	 * the caller's filters plus the new one.
	 */
	/* The layer first: the outgoing filters allow its calls, the new one may not. */
	if (req->landlock && (rc = landlock_first(th, why)) < 0)
		return rc;
	before = sp_proc_seccomp_filters(th->pid, th->tid);
	if (before < 0)
		return sp_diag_set(why, (int)-before, "cannot read thread %d's filter count: %s",
		                   th->tid, strerror((int)-before));
	rc = inject(t, th, why, NULL);
	if (rc < 0)
		return rc;
	/* Without TSYNC the filter is th's alone, and the other threads keep theirs. */
	if (req->flags & SECCOMP_FILTER_FLAG_TSYNC)
		rc = sp_handover_check_counts(th->pid, before + 1, why);
	else
		rc = sp_handover_check_thread(th->pid, th->tid, before + 1, why);
	if (rc < 0)
		return rc;
	/* The filters are numbered from the oldest: the new one is number `before`. */
	rc = sp_handover_check_program(th->tid, before, req->insns, req->len, why);
	return rc < 0 ? rc : 0;
}

/*
 * A failed hand-over kills every process that shares the memory: a
 * sharer could have rewritten it, and runs under no narrower filter.
 */
static void kill_sharers(const struct sp_pids *held)
{
	for (size_t i = 0; i < held->n; i++)
		kill(held->v[i], SIGKILL);
}

int tr_handover_outcome(const struct thread *th, int rc)
{
	int st = th->vanished_status;

	if (rc != -ESRCH)
		return rc;
	return th->vanished && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) ? -ESRCH : -EIO;
}

bool tr_handover_harmless(int rc)
{
	return rc == 0 || rc == -ECANCELED || rc == -ESRCH;
}

/*
 * Clears th's request and says how it went; a failure kills the process
 * first, unless it is harmless: -ECANCELED, a trigger filter that did not
 * go in and left the thread as it was (install_trace), or -ESRCH, the
 * thread's death (tr_handover_outcome).
 */
static void report(struct sp_tracer *t, struct thread *th, int rc, const struct sp_diag *why)
{
	long tag = th->req.tag;

	memset(&th->req, 0, sizeof(th->req));
	if (!tr_handover_harmless(rc))
		kill(th->pid, SIGKILL); /* fail closed: no thread of it runs on */
	if (t->opts->on_handover)
		t->opts->on_handover(t->opts->ctx, t, th->tid, tag, rc, rc < 0 ? why->msg : NULL);
}

/*
 * Whether th's filters are all sysphase's: a filter of the program's own
 * older than the trigger filter could answer a call with TRACE, which the
 * trigger filter's own TRACE (the newest filter's data wins) would hide
 * from fail_foreign_trace; one that fails or kills a call outranks TRACE
 * and hides a trigger call (events.c, follow_with_syscall_stops).
 */
static int only_known_filters(const struct thread *th, struct sp_diag *why)
{
	long count = sp_proc_seccomp_filters(th->pid, th->tid);

	if (count < 0)
		return sp_diag_set(why, (int)-count, "cannot read thread %d's filter count: %s",
		                   th->tid, strerror((int)-count));
	if (th->full_stops || th->known_filters < 0 || count != th->known_filters)
		return sp_diag_set(
		    why, EPERM, "thread %d holds %ld seccomp filters, of which sysphase put in %ld",
		    th->tid, count, th->known_filters);
	return 0;
}

/*
 * A trigger filter for th, every sharer held as for a phase's filter (a
 * rewritten program could let a trigger call through).  *intact: a
 * failure left th as it was, holding no new filter.
 */
static int install_trace(struct sp_tracer *t, struct thread *th, bool *intact, struct sp_diag *why)
{
	long before = sp_proc_seccomp_filters(th->pid, th->tid);
	long after;
	bool restored = false;
	int rc;

	*intact = true;
	if (before < 0)
		return sp_diag_set(why, (int)-before, "cannot read thread %d's filter count: %s",
		                   th->tid, strerror((int)-before));
	/*
	 * Without PTRACE_O_TRACESECCOMP a RET_TRACE is ENOSYS (seccomp(2)):
	 * set before the filter can act.  Options are per tracee, and
	 * inherited by the tasks it makes (auto-attached).
	 */
	if (ptrace(PTRACE_SETOPTIONS, th->tid, 0,
	           (void *)(long)(SP_SEIZE_OPTIONS | PTRACE_O_TRACESECCOMP |
	                          (t->launched ? PTRACE_O_EXITKILL : 0))) < 0)
		return sp_diag_set(why, errno, "cannot set thread %d's ptrace options: %s", th->tid,
		                   strerror(errno));
	rc = inject(t, th, why, &restored);
	after = sp_proc_seccomp_filters(th->pid, th->tid);
	if (rc < 0) {
		/* seccomp() refused it and the thread is back as it was: no harm done. */
		*intact = restored && after == before;
		return rc;
	}
	if (after == before)
		return sp_diag_set(why, EPERM, "thread %d holds no new filter after seccomp()",
		                   th->tid);
	*intact = false;
	rc = sp_handover_check_thread(th->pid, th->tid, before + 1, why);
	if (rc == 0)
		rc = sp_handover_check_program(th->tid, before, th->req.insns, th->req.len, why);
	return rc < 0 ? rc : 0;
}

/*
 * th's request, th at an x86-64 syscall-entry stop with every sharer
 * held: 0 when in place; -ECANCELED when a trigger filter did not go in
 * and th is as it was (nothing to kill: it keeps its syscall stops); else
 * -errno, and the process must die.
 */
static int install_request(struct sp_tracer *t, struct thread *th, struct sp_diag *why)
{
	bool intact = true;
	int rc;

	if (!th->req.trace) {
		rc = install_one(t, th, why);
		if (rc == 0 && th->known_filters >= 0)
			th->known_filters++;
		return rc;
	}
	rc = only_known_filters(th, why);
	if (rc == 0)
		rc = install_trace(t, th, &intact, why);
	if (rc == 0) {
		th->holds_trace = true;
		th->known_filters++;
	}
	return rc < 0 && intact ? -ECANCELED : rc;
}

/* Whether th, held, waits at an x86-64 syscall-entry stop with a request of its own. */
static bool batchable(struct thread *th, const struct sp_pids *held)
{
	struct __ptrace_syscall_info si;

	if (!th->req.insns || !th->has_deferred || !sp_pids_has(held, th->pid) || th->detaching ||
	    !WIFSTOPPED(th->deferred_status) || WSTOPSIG(th->deferred_status) != (SIGTRAP | 0x80))
		return false;
	return ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(si), &si) > 0 &&
	       si.op == PTRACE_SYSCALL_INFO_ENTRY && si.arch == AUDIT_ARCH_X86_64;
}

/*
 * Whether th, held, sits in the stop our PTRACE_INTERRUPT made: a
 * PTRACE_EVENT_STOP that is no group-stop and no new task's first stop.
 * Such a stop carries nothing to deliver, and th was in user code.
 */
static bool at_interrupt_stop(const struct thread *th)
{
	int st = th->deferred_status;

	return th->has_deferred && !th->awaiting_birth && !th->held && !th->detaching &&
	       WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_STOP && WSTOPSIG(st) == SIGTRAP;
}

/* How long held threads with a filter due may run on to their next call. */
#define GATHER_NS (20 * 1000 * 1000)

/*
 * Held threads with a filter due that were caught in user code run on to
 * their next syscall-entry stop, so that this holding serves them too.
 * No program sits in the memory yet: letting them run is as safe as
 * before the holding.  Bounded: a thread that makes no call within
 * GATHER_NS is held again where it is, and gets its filter at its own
 * entry stop later.
 */
static void gather_at_entries(struct sp_tracer *t, struct thread *self, const struct sp_pids *held)
{
	struct timespec deadline, tick = {.tv_nsec = 20 * 1000};
	struct thread **run = NULL;
	size_t n = 0, cap = 0, left;

	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next) {
			if (th == self || !th->req.insns || !sp_pids_has(held, th->pid) ||
			    !at_interrupt_stop(th))
				continue;
			if (n == cap) {
				size_t grown_cap = cap ? cap * 2 : 64;
				struct thread **grown = realloc(run, grown_cap * sizeof(*grown));

				if (!grown)
					goto wait;
				run = grown;
				cap = grown_cap;
			}
			if (ptrace(PTRACE_SYSCALL, th->tid, 0, 0) < 0)
				continue; /* ESRCH: dying; its status comes */
			th->has_deferred = false;
			t->n_deferred--;
			run[n++] = th;
		}
wait:
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += GATHER_NS;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (left = n; left > 0;) {
		struct timespec now;

		for (size_t i = 0; i < n; i++) {
			int status;

			if (!run[i] ||
			    waitpid(run[i]->tid, &status, __WALL | WNOHANG) != run[i]->tid)
				continue;
			run[i]->has_deferred = true;
			run[i]->deferred_status = status;
			t->n_deferred++;
			run[i] = NULL;
			left--;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (left == 0 || now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			break;
		nanosleep(&tick, NULL);
	}
	/* The rest are held again; a stuck one fails nothing here, the injection's count does. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += t->hold_timeout_s;
	for (size_t i = 0; i < n; i++)
		if (run[i])
			tr_hold_thread(t, run[i], &deadline);
	free(run);
}

/*
 * The other held threads at an entry stop with a request: handed over
 * now, their entry stop consumed (the call is re-issued), and restarted
 * once every one is done, since a restarted thread could write the
 * memory where the next one's filter sits.
 */
static void hand_over_batch(struct sp_tracer *t, struct thread *self, const struct sp_pids *held)
{
	struct thread **done = NULL;
	size_t n = 0, cap = 0;
	bool io_uring_checked = false;

	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next) {
			struct sp_diag why = {{0}};
			int rc = 0;

			if (th == self || !batchable(th, held))
				continue;
			if (n == cap) {
				size_t grown_cap = cap ? cap * 2 : 64;
				struct thread **grown = realloc(done, grown_cap * sizeof(*grown));

				if (!grown)
					goto restart; /* the rest get theirs at their own stop */
				done = grown;
				cap = grown_cap;
			}
			th->has_deferred = false;
			t->n_deferred--;
			if (th->req.refuse_io_uring && !io_uring_checked) {
				rc = check_io_uring(held, &why);
				io_uring_checked = rc == 0;
			}
			if (rc == 0)
				rc = install_request(t, th, &why);
			rc = tr_handover_outcome(th, rc);
			if (!tr_handover_harmless(rc))
				kill_sharers(held);
			if (th->vanished) {
				/* Its death goes back to the loop as a deferred status. */
				th->vanished = false;
				th->has_deferred = true;
				th->deferred_status = th->vanished_status;
				t->n_deferred++;
			} else {
				done[n++] = th;
			}
			report(t, th, rc, &why);
		}
restart:
	for (size_t i = 0; i < n; i++)
		tr_restart_thread(t, done[i],
		                  done[i]->detach_after ? RESTART_DETACH : RESTART_RESUME, 0);
	free(done);
}

void tr_hand_over(struct sp_tracer *t, struct thread *self, const struct __ptrace_syscall_info *si)
{
	struct sp_diag why = {{0}};
	struct sp_pids held = {0};
	int rc;

	/*
	 * int 0x80 enters the i386 table, where 317 is not seccomp and a
	 * pointer has 32 bits.  run's filters never allow i386 calls; such
	 * a call at the hand-over is refused as the filter would refuse it.
	 * A trigger filter is merely not put in (the thread keeps its
	 * syscall stops), and so when the holding fails: each task held is
	 * in a stop the loop dispatches (deferred), or asleep with an
	 * interrupt that stops it later, each task borrowed let go at that
	 * stop, as after any hand-over.
	 */
	if (si->arch != AUDIT_ARCH_X86_64 || (self->req.trace && (si->entry.nr & 0x40000000)))
		rc = sp_diag_set(&why, EPERM,
		                 "thread %d made a call of another ABI (int 0x80) where its "
		                 "filter was due",
		                 self->tid);
	else
		rc = tr_quiesce(t, self, &held, &why);
	if (rc < 0 && self->req.trace)
		rc = -ECANCELED;
	if (rc == 0)
		gather_at_entries(t, self, &held);
	if (rc == 0 && self->req.refuse_io_uring)
		rc = check_io_uring(&held, &why);
	if (rc == 0)
		rc = install_request(t, self, &why);
	rc = tr_handover_outcome(self, rc);
	if (!tr_handover_harmless(rc))
		kill_sharers(&held);
	report(t, self, rc, &why);
	if (rc == 0 || rc == -ECANCELED)
		hand_over_batch(t, self, &held);
	sp_pids_free(&held);
}

int sp_tracer_install_filter(struct sp_tracer *tracer, pid_t tid,
                             const struct sp_filter_request *req)
{
	struct thread *th = tr_thread_find(tracer, tid);

	if (!th)
		return -ESRCH;
	if (req && req->insns && (req->len == 0 || req->len > 4096))
		return -EINVAL;
	memset(&th->req, 0, sizeof(th->req));
	if (!req || !req->insns)
		return 0; /* cancelled */
	th->req.insns = req->insns;
	th->req.len = req->len;
	th->req.flags = req->flags;
	th->req.refuse_io_uring = req->refuse_io_uring;
	th->req.tag = req->tag;
	th->req.landlock = req->landlock;
	th->req.trace = req->trace;
	/*
	 * A thread followed by events alone (or by trigger stops) makes no
	 * entry stop: it must
	 * stop at its next call.  Unless it sits in the stop being handled,
	 * interrupt it; the restart after that stop is a PTRACE_SYSCALL.
	 */
	if (tr_no_syscall_stops(th) && th != tracer->current)
		ptrace(PTRACE_INTERRUPT, tid, 0, 0);
	return 0;
}
