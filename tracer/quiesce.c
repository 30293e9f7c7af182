/* SPDX-License-Identifier: MIT */
/*
 * Holding a process still for a hand-over, and the hand-over itself.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"
#include "handover.h"
#include "inject.h"

/* Waits for the task to stop or die without blocking on one that cannot answer. */
enum quiet {
	QUIET_STOPPED,
	QUIET_IN_KERNEL,
	QUIET_GONE
};

static enum quiet wait_quiet(struct sp_tracer *t, struct thread *th)
{
	const struct timespec tick = {.tv_nsec = 50 * 1000};

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
		nanosleep(&tick, NULL);
	}
}

/* A task of the process that the table does not know yet: a thread being born. */
static int adopt_for_quiesce(struct sp_tracer *t, pid_t pid, pid_t tid, struct sp_diag *why)
{
	struct thread *th;

	bool borrowed = false;

	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
		if (errno == ESRCH && sp_proc_task_state(pid, tid) != 'R' &&
		    sp_proc_task_state(pid, tid) != 'S')
			return 0; /* exited meanwhile */
		/*
		 * Not our tracee: a thread `run` let go (phases are per thread),
		 * or one it made since (run's filters deny CLONE_UNTRACED, so
		 * nothing else makes one).  It can write the program's memory
		 * too: seize it for the hand-over, and let it go again at its
		 * next stop.
		 */
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)SP_SEIZE_OPTIONS) < 0 ||
		    ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
			if (errno == ESRCH && sp_proc_task_state(pid, tid) != 'R' &&
			    sp_proc_task_state(pid, tid) != 'S')
				return 0;
			return sp_diag_set(why, EPERM, "thread %d is not traced and cannot be: %s",
			                   tid, strerror(errno));
		}
		borrowed = true;
	}
	th = tr_adopt_unannounced(t, tid);
	if (!th)
		return sp_diag_set(why, ENOMEM, "out of memory");
	th->detaching = borrowed;
	wait_quiet(t, th);
	return 0;
}

/*
 * Holds every thread of self's process but self still: PTRACE_INTERRUPT
 * each one, and wait until it is stopped, or asleep in the kernel where
 * the pending interrupt stops it before it runs any user code.  The
 * program's memory can then be written without another thread of it
 * seeing or changing it (the injected program sits in memory every
 * thread can write).  Tasks born meanwhile (a clone in flight) are
 * found in /proc and held too, until a pass finds none new.  What the
 * threads reported meanwhile is deferred to the event loop, which then
 * restarts them as usual.
 */
int tr_quiesce_process(struct sp_tracer *t, struct thread *self, struct sp_diag *why)
{
	char dirpath[64];
	bool added;

	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next) {
			if (th->pid != self->pid || th == self || th->held || th->has_deferred)
				continue;
			if (ptrace(PTRACE_INTERRUPT, th->tid, 0, 0) < 0)
				continue; /* ESRCH: dying; wait4 reports it */
			wait_quiet(t, th);
		}
	snprintf(dirpath, sizeof(dirpath), "/proc/%d/task", self->pid);
	do {
		DIR *dir = opendir(dirpath);
		struct dirent *de;
		int rc = 0;

		if (!dir)
			return sp_diag_set(why, ESRCH, "the process is gone");
		added = false;
		while (rc == 0 && (de = readdir(dir))) {
			pid_t tid = (pid_t)atoi(de->d_name);

			if (tid <= 0 || tr_thread_find(t, tid))
				continue;
			rc = adopt_for_quiesce(t, self->pid, tid, why);
			added = true;
		}
		closedir(dir);
		if (rc < 0)
			return rc;
	} while (added);
	return 0;
}

/* Whether tid is a thread of process pid (/proc/PID/task/TID exists). */
static bool thread_find_in(pid_t pid, int tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, tid);
	return access(path, F_OK) == 0;
}

/* The injected call itself, with the thread's death noted for the loop. */
static int inject(struct thread *th, const void *insns, size_t len, unsigned long flags,
                  struct sp_diag *why)
{
	struct sp_inject_outcome out;
	int rc = sp_inject_seccomp(th->tid, insns, len, flags, &out);

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
	if (rc < 0)
		return sp_diag_set(why, -rc, "the injection failed: %s", strerror(-rc));
	/*
	 * A positive result is TSYNC's refusal, naming a thread of the
	 * process whose filters diverge, or else a filter of the program's
	 * own at work: TRAP and KILL skip the call and leave the syscall
	 * number in rax (syscall_rollback), ERRNO can return anything.
	 */
	if (out.seccomp_ret > 0 && thread_find_in(th->pid, out.seccomp_ret))
		return sp_diag_set(why, EPERM,
		                   "thread %d holds filters of its own that TSYNC cannot join",
		                   out.seccomp_ret);
	if (out.seccomp_ret > 0)
		return sp_diag_set(why, EPERM,
		                   "seccomp() returned %d, not 0: a filter of the program's own "
		                   "intercepted it",
		                   out.seccomp_ret);
	if (out.seccomp_ret < 0)
		return sp_diag_set(why, -out.seccomp_ret, "seccomp() failed: %s",
		                   strerror(-out.seccomp_ret));
	return 0;
}

int sp_tracer_install_filter(struct sp_tracer *tracer, pid_t tid, const struct sock_filter *insns,
                             size_t len, unsigned long flags, struct sp_diag *why)
{
	struct thread *th = tr_thread_find(tracer, tid);
	long before;
	int rc;

	if (!th)
		return sp_diag_set(why, ESRCH, "thread %d is not traced", tid);
	if (!sp_inject_ready(tid))
		return -ENOTSUP;
	rc = tr_quiesce_process(tracer, th, why);
	if (rc < 0)
		return rc;
	/*
	 * The kernel's count is the witness: the injected call's result is
	 * not, since a filter of the program's own can answer seccomp() with
	 * ERRNO|0 (a fake success), and with TSYNC every thread ends up with
	 * the caller's filters plus the new one.
	 */
	before = sp_proc_seccomp_filters(th->pid, tid);
	if (before < 0)
		return sp_diag_set(why, -before, "cannot read thread %d's filter count: %s", tid,
		                   strerror((int)-before));
	rc = inject(th, insns, len, flags, why);
	if (rc < 0)
		return rc;
	/* Without TSYNC the filter is tid's alone, and the other threads keep theirs. */
	if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		rc = sp_handover_check_counts(th->pid, before + 1, why);
	else
		rc = sp_handover_check_thread(th->pid, tid, before + 1, why);
	if (rc < 0)
		return rc;
	/* The filters are numbered from the oldest: the new one is number `before`. */
	rc = sp_handover_check_program(tid, before, insns, len, why);
	return rc < 0 ? rc : 0;
}
