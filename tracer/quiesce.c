/* SPDX-License-Identifier: MIT */
/*
 * Holding still every task that can touch a program's memory while a
 * filter sits in it for a hand-over (install.c): every thread of the
 * process, and every task of another process that shares its memory
 * (clone(CLONE_VM) without CLONE_THREAD, a vfork parent or child), found
 * with kcmp(KCMP_VM).  A task that shares the memory can rewrite the
 * program between the moment sysphase writes it and the moment the kernel
 * copies it; held, it runs no instruction of its own meanwhile.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"

/* How a task ended up. */
enum quiet {
	QUIET_STOPPED,   /* in a ptrace stop; its status is deferred to the loop */
	QUIET_IN_KERNEL, /* asleep in the kernel with the interrupt pending */
	QUIET_GONE,
	QUIET_STUCK, /* neither, by the deadline */
};

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Waits for the task to stop or die without blocking on one that cannot answer. */
static enum quiet wait_quiet(struct sp_tracer *t, struct thread *th,
                             const struct timespec *deadline)
{
	const struct timespec tick = {.tv_nsec = 20 * 1000};

	for (;;) {
		int status;
		pid_t got = waitpid(th->tid, &status, __WALL | WNOHANG);
		char state;

		if (got == th->tid) {
			th->has_deferred = true;
			th->deferred_status = status;
			t->n_deferred++;
			return WIFSTOPPED(status) ? QUIET_STOPPED : QUIET_GONE;
		}
		if (got < 0 && errno != EINTR)
			return QUIET_GONE; /* ECHILD: reaped already */
		/*
		 * Asleep in the kernel, with the interrupt pending: it can only
		 * go back to user code through a ptrace stop (the trap is
		 * checked on every return to user mode), so it runs nothing of
		 * the program's before we let it.  Such a thread (a vfork()
		 * parent waiting for its child, say) may never stop for us.
		 */
		state = sp_proc_task_state(th->pid, th->tid);
		if (state == 'S' || state == 'D')
			return QUIET_IN_KERNEL;
		if (state == 'Z' || state == 'X' || state == '?')
			return QUIET_GONE;
		if (past(deadline))
			return QUIET_STUCK;
		nanosleep(&tick, NULL);
	}
}

int tr_hold_thread(struct sp_tracer *t, struct thread *th, const struct timespec *deadline)
{
	ptrace(PTRACE_INTERRUPT, th->tid, 0, 0); /* ESRCH: dying; wait4 reports it */
	return wait_quiet(t, th, deadline) == QUIET_STUCK ? -ETIMEDOUT : 0;
}

/* What adopt() made of a task that the table did not know. */
enum adopted {
	ADOPTED,  /* in the table now, interrupted: hold_known waits for it */
	DEAD,     /* exited (a zombie, or being reaped): it runs nothing any more */
	VANISHED, /* not found by its tid: reaped since the listing, or not findable yet */
};

/* Takes tid into the table, interrupted; borrowed: seized for this hand-over only. */
static int take(struct sp_tracer *t, pid_t tid, bool borrowed, enum adopted *res,
                struct sp_diag *why)
{
	struct thread *th = tr_adopt_unannounced(t, tid);

	if (!th)
		return sp_diag_set(why, ENOMEM, "out of memory");
	th->detaching = borrowed;
	*res = ADOPTED;
	return 0;
}

/* How many times a refused seize is retried after /proc said it should not be refused. */
#define ADOPT_ATTEMPTS 3

/*
 * A task of process pid that the table does not know: a thread being
 * born, a thread `run` let go (phases are per thread) or one it made
 * since, or a task of another process that shares the memory and is not
 * ours.  It can write the program's memory too: seize it for the
 * hand-over (run's filters deny CLONE_UNTRACED, so nothing hides from
 * that), and let it go again at its next stop.
 *
 * PTRACE_SEIZE refuses (EPERM, kernel/ptrace.c ptrace_attach()) a task
 * already traced, or one that has exited (exit_state set: a thread run let
 * go is released by the kernel right after; a leader stays a zombie while
 * its threads live).  So a refusal is judged by /proc:
 * - a zombie or a dead task (State Z or X; exit_state never clears) runs
 *   no instruction any more: not a threat;
 * - TracerPid ours: TRACECLONE attached it at its birth, and the
 *   interrupt came in the moment it was listed but not yet findable by
 *   its tid (copy_process() lists it, then attaches its pid): it is ours
 *   to interrupt now, and its first stop cannot run any user code first;
 * - TracerPid another process: really traced by someone else, it cannot
 *   be held: fail closed;
 * - TracerPid 0 and alive: a tracer let it go since, or the kernel's
 *   ptrace policy refuses us (a non-dumpable program, sysphase without
 *   CAP_SYS_PTRACE): retried a few times, then failed closed.
 * Whatever changed between the calls and the read, the next attempt
 * re-asks the kernel first: /proc only chooses which question is next.
 */
static int adopt(struct sp_tracer *t, pid_t pid, pid_t tid, enum adopted *res, struct sp_diag *why)
{
	const pid_t me = (pid_t)syscall(SYS_gettid);
	struct sp_proc_task_status st = {0};
	int err = 0, rc;

	for (int attempt = 0; attempt < ADOPT_ATTEMPTS; attempt++) {
		/* Ours already: auto-attached at its birth, its stops not collected yet. */
		if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) == 0)
			return take(t, tid, false, res, why);
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)SP_SEIZE_OPTIONS) == 0) {
			/* Ours from now on: it cannot be reaped before we wait for it. */
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			return take(t, tid, true, res, why);
		}
		err = errno;
		if (err == ESRCH) {
			*res = VANISHED;
			return 0;
		}
		if (err != EPERM)
			break;
		rc = sp_proc_task_status(pid, tid, &st);
		if (rc == -ESRCH) {
			*res = VANISHED;
			return 0;
		}
		if (rc < 0)
			return sp_diag_set(why, EPERM,
			                   "task %d shares the program's memory and cannot be "
			                   "held: %s; its status cannot be read: %s",
			                   tid, strerror(err), strerror(-rc));
		if (st.state == 'Z' || st.state == 'X') {
			*res = DEAD;
			return 0;
		}
		if (st.tracer > 0 && st.tracer != me)
			return sp_diag_set(why, EPERM,
			                   "task %d shares the program's memory and is traced by "
			                   "process %d: it cannot be held",
			                   tid, st.tracer);
	}
	if (err == EPERM)
		return sp_diag_set(why, EPERM,
		                   "task %d shares the program's memory and cannot be held: %s "
		                   "(state %c, traced by %s)",
		                   tid, strerror(err), st.state ? st.state : '?',
		                   st.tracer == me ? "sysphase" : "nobody");
	return sp_diag_set(why, err, "task %d shares the program's memory and cannot be held: %s",
	                   tid, strerror(err));
}

/* Interrupts, then waits for, every task of pid in the table but self. */
static int hold_known(struct sp_tracer *t, pid_t pid, const struct thread *self,
                      const struct timespec *deadline, struct sp_diag *why)
{
	for (int pass = 0; pass < 2; pass++)
		for (unsigned b = 0; b < THREAD_BUCKETS; b++)
			for (struct thread *th = t->buckets[b]; th; th = th->next) {
				if (th->pid != pid || th == self || th->held || th->has_deferred)
					continue;
				if (pass == 0) {
					/* ESRCH: dying; wait4 reports it. */
					ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
					continue;
				}
				if (wait_quiet(t, th, deadline) == QUIET_STUCK)
					return sp_diag_set(why, ETIMEDOUT,
					                   "thread %d did not stop to be held",
					                   th->tid);
			}
	return 0;
}

/*
 * Holds every task of process pid: those the table knows, then, until a
 * pass of /proc/PID/task finds none new, those it does not (a clone in
 * flight, threads let go).
 */
static int hold_process(struct sp_tracer *t, pid_t pid, const struct thread *self,
                        const struct timespec *deadline, struct sp_diag *why)
{
	bool added;
	int rc = hold_known(t, pid, self, deadline, why);

	if (rc < 0)
		return rc;
	do {
		struct sp_pids tids = {0};

		/* Each pass holds what it adds; a task list that never settles stalls too. */
		if (past(deadline))
			return sp_diag_set(why, ETIMEDOUT,
			                   "the tasks of %d kept changing while held", pid);
		added = false;
		rc = sp_proc_threads(pid, &tids);
		if (rc == -ESRCH && (!self || self->pid != pid))
			rc = 0; /* a sharer that exited: it writes nothing any more */
		else if (rc < 0)
			rc = sp_diag_set(why, -rc, "cannot list the threads of %d: %s", pid,
			                 strerror(-rc));
		for (size_t i = 0; rc == 0 && i < tids.n; i++) {
			/*
			 * io_uring's threads run no user code and never stop for
			 * ptrace; what a ring can do is refused apart (install.c).
			 */
			enum adopted res = DEAD;

			if (tr_thread_find(t, tids.v[i]) || sp_proc_is_io_thread(pid, tids.v[i]))
				continue;
			rc = adopt(t, pid, tids.v[i], &res, why);
			/*
			 * A dead task needs no new pass (a zombie leader stays
			 * listed for as long as its threads live); a vanished
			 * one does: it may be a thread not findable yet.
			 */
			if (res != DEAD)
				added = true;
		}
		sp_pids_free(&tids);
		if (rc == 0 && added)
			rc = hold_known(t, pid, self, deadline, why);
	} while (rc == 0 && added);
	return rc;
}

/*
 * Whether process other shares pid's memory: 1 yes, 0 no.  kcmp() needs
 * PTRACE_MODE_READ over both; where it is refused, a task we trace counts
 * as a sharer (holding it costs little), and one we do not trace cannot
 * be (sharing the memory means sharing its dumpable flag and, for a
 * program without privileges, its credentials, which would let us).
 */
static int shares_memory(struct sp_tracer *t, pid_t pid, pid_t other)
{
	long r = syscall(SYS_kcmp, pid, other, KCMP_VM, 0, 0);

	if (r == 0)
		return 1;
	if (r > 0 || errno == ESRCH)
		return 0;
	return tr_thread_find(t, other) ? 1 : 0;
}

/* Processes that might share pid's memory: those we trace, its parent, its children. */
static int candidates(struct sp_tracer *t, pid_t pid, struct sp_pids *out)
{
	pid_t tgid, ppid;
	int rc = 0;

	for (unsigned b = 0; rc == 0 && b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; rc == 0 && th; th = th->next)
			rc = sp_pids_add(out, th->pid);
	if (rc == 0 && sp_proc_ids(pid, &tgid, &ppid) == 0 && ppid > 1 && ppid != getpid())
		rc = sp_pids_add(out, ppid);
	if (rc == 0) {
		rc = sp_proc_children(pid, out);
		if (rc == -ENOTSUP || rc == -ESRCH)
			rc = 0; /* no children files: the traced tasks are what can be known */
	}
	return rc;
}

int tr_quiesce(struct sp_tracer *t, struct thread *self, struct sp_pids *held, struct sp_diag *why)
{
	struct timespec deadline;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += t->hold_timeout_s;
	held->n = 0;
	rc = sp_pids_add(held, self->pid);
	/*
	 * A task whose memory is its own (thread.sole_mm: a forked child
	 * that has made no call that could share it) has nobody to hold: no
	 * thread of its process and no task of another can touch the
	 * program, so no listing can find one.  A fork-per-connection
	 * server's child is handed over twice, each time without a pass over
	 * /proc or a kcmp() against every traced process.
	 */
	if (rc == 0 && self->sole_mm)
		return 0;
	if (rc == 0)
		rc = hold_process(t, self->pid, self, &deadline, why);
	/*
	 * Sharers, found from every held process until none is new: a sharer
	 * held after a clone(CLONE_VM) of its own finished has a child that
	 * shares the memory too.
	 */
	for (size_t i = 0; rc == 0 && i < held->n; i++) {
		struct sp_pids cand = {0};

		rc = candidates(t, held->v[i], &cand);
		for (size_t j = 0; rc == 0 && j < cand.n; j++) {
			pid_t other = cand.v[j];

			if (sp_pids_has(held, other) || !shares_memory(t, self->pid, other))
				continue;
			rc = sp_pids_add(held, other);
			if (rc == 0)
				rc = hold_process(t, other, NULL, &deadline, why);
		}
		sp_pids_free(&cand);
	}
	if (rc == -ENOMEM && !why->msg[0])
		sp_diag_set(why, ENOMEM, "out of memory");
	return rc;
}
