/* SPDX-License-Identifier: MIT */
/*
 * The ptrace supervisor: one event loop in the shape strace taught us.
 * The loop waits for one tracee stop; dispatch_stop() classifies it,
 * turns it into events (events.c) and says how the tracee must be
 * restarted; the restart happens in exactly one place, tr_restart_thread().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "handover.h"
#include "internal.h"
#include "sysphase/procfs.h"

static volatile sig_atomic_t stop_signal;

void sp_tracer_request_stop(int signo)
{
	stop_signal = signo;
}

/* ---- the thread table ---- */

static struct thread **bucket_of(struct sp_tracer *t, pid_t tid)
{
	return &t->buckets[(unsigned)tid % THREAD_BUCKETS];
}

struct thread *tr_thread_find(struct sp_tracer *t, pid_t tid)
{
	for (struct thread *th = *bucket_of(t, tid); th; th = th->next)
		if (th->tid == tid)
			return th;
	return NULL;
}

struct thread *tr_thread_add(struct sp_tracer *t, pid_t tid, pid_t pid)
{
	struct thread *th = calloc(1, sizeof(*th));

	if (!th)
		return NULL;
	th->tid = tid;
	th->pid = pid;
	th->known_filters = -1;
	th->next = *bucket_of(t, tid);
	*bucket_of(t, tid) = th;
	t->nthreads++;
	return th;
}

void tr_thread_remove(struct sp_tracer *t, struct thread *victim)
{
	if (t->current == victim)
		t->current = NULL;
	for (struct thread **link = bucket_of(t, victim->tid); *link; link = &(*link)->next) {
		if (*link == victim) {
			*link = victim->next;
			if (victim->has_deferred)
				t->n_deferred--;
			if (victim->data && t->opts->on_thread_gone)
				t->opts->on_thread_gone(t->opts->ctx, victim->tid, victim->data);
			sp_event_clear(&victim->entry);
			free(victim);
			t->nthreads--;
			return;
		}
	}
}

static bool is_group_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* ---- restart, in one place ---- */

void tr_restart_thread(struct sp_tracer *t, struct thread *th, enum restart_how how, int sig)
{
	long rc = 0;

	switch (how) {
	case RESTART_RESUME:
		/*
		 * A thread holding a trigger filter is never let go: once no
		 * tracer is attached, the kernel fails every call it traces
		 * with ENOSYS (seccomp(2), SECCOMP_RET_TRACE).  It is followed
		 * by events instead, and costs a stop per traced call.
		 */
		if (th->detach_after && th->holds_trace) {
			th->detach_after = false;
			th->events_only = true;
		}
		if (th->detach_after) {
			tr_restart_thread(t, th, RESTART_DETACH, sig);
			return;
		}
		/*
		 * A call in progress keeps its exit stop, even for a thread
		 * followed by events, and so does the next call of a thread
		 * with a filter due (install.c takes it at its entry stop).
		 */
		if ((t->opts->entry_only && !th->full_stops) ||
		    (tr_no_syscall_stops(th) && !th->in_syscall && !th->req.insns)) {
			/* Its calls go unseen from here: a clone(CLONE_VM) among them too. */
			th->sole_mm = false;
			rc = ptrace(PTRACE_CONT, th->tid, 0, (void *)(long)sig);
		} else {
			rc = ptrace(PTRACE_SYSCALL, th->tid, 0, (void *)(long)sig);
		}
		break;
	case RESTART_LISTEN:
		rc = ptrace(PTRACE_LISTEN, th->tid, 0, 0);
		break;
	case RESTART_DETACH:
		rc = ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)sig);
		tr_flush_unfinished(t, th);
		tr_thread_remove(t, th);
		break;
	case RESTART_NONE:
		break;
	}
	/* ESRCH is not an error: the tracee died, and wait4 will say so. */
	(void)rc;
}

/*
 * Detaching needs the thread in a ptrace-stop.  Rather than waiting for
 * that stop here (a thread inside vfork() gives none until its child
 * execs, and the child may be waiting for us), ask for it and let the
 * event loop detach the thread when the stop comes (on_detaching_stop).
 */
static void begin_detach(struct sp_tracer *t, struct thread *th)
{
	if (th->detaching)
		return;
	th->detaching = true;
	if (th->held) {
		/* A held new task sits in its first stop already: no interrupt would answer. */
		th->held = false;
		tr_restart_thread(t, th, RESTART_DETACH, 0);
		return;
	}
	/* ESRCH: it is dying, and wait4 will report it. */
	ptrace(PTRACE_INTERRUPT, th->tid, 0, 0);
}

/* The stop a detaching thread was asked for, or any other it reached first. */
static void on_detaching_stop(struct sp_tracer *t, struct thread *th, int status)
{
	int event = status >> 16, sig = WSTOPSIG(status);

	/*
	 * A child it was creating is auto-attached already: announce it, or
	 * it would wait forever for the creator's event.
	 */
	if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
	    event == PTRACE_EVENT_CLONE)
		tr_on_new_task(t, th, event);
	/* A signal-delivery stop passes its signal on as we leave; other stops carry none. */
	tr_restart_thread(t, th, RESTART_DETACH, event == 0 && sig != (SIGTRAP | 0x80) ? sig : 0);
}

/* Let every thread of process pid go; current (may be NULL) sits in a stop now. */
static void detach_process(struct sp_tracer *t, pid_t pid, struct thread *current)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++) {
		struct thread *th = t->buckets[b], *next;

		for (; th; th = next) {
			next = th->next;
			if (th->pid == pid && th != current)
				begin_detach(t, th);
		}
	}
	if (current)
		tr_restart_thread(t, current, RESTART_DETACH, 0);
}

/* ---- dispatch ---- */

static void dispatch_stop(struct sp_tracer *t, pid_t tid, int status)
{
	struct thread *th = tr_thread_find(t, tid);
	enum restart_how how = RESTART_RESUME;
	int sig = 0, event;

	if (!th)
		th = tr_adopt_unannounced(t, tid);
	if (!th)
		return;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		tr_on_thread_gone(t, th, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (th->detaching) {
		on_detaching_stop(t, th, status);
		return;
	}

	event = status >> 16;
	sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		tr_on_syscall_stop(t, th);
		sig = 0;
	} else if (event) {
		switch (event) {
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			tr_on_new_task(t, th, event);
			break;
		case PTRACE_EVENT_EXEC:
			tr_on_exec_event(t, th);
			break;
		case PTRACE_EVENT_EXIT:
			tr_on_exit_event(t, th);
			break;
		case PTRACE_EVENT_SECCOMP:
			tr_on_syscall_stop(t, th);
			break;
		case PTRACE_EVENT_STOP:
			/* A group-stop must stay a stop (PTRACE_LISTEN); anything else is an
			 * interrupt. */
			if (is_group_stop_signal(sig)) {
				how = RESTART_LISTEN;
			} else if (th->awaiting_birth) {
				th->held = true;
				how = RESTART_NONE;
			}
			break;
		default:
			break;
		}
		sig = 0;
	} else {
		/* Signal-delivery-stop (PTRACE_SEIZE reports group-stops as EVENT_STOP). */
		struct sp_event ev;

		tr_base_event(t, th, SP_EV_SIGNAL, &ev);
		ev.signo = sig;
		tr_deliver(t, &ev);
	}

	if (th->vanished) {
		tr_on_thread_gone(t, th, th->vanished_status);
		return;
	}
	if (t->detach_pid && t->detach_pid == th->pid) {
		pid_t pid = t->detach_pid;

		t->detach_pid = 0;
		detach_process(t, pid, th);
		return;
	}
	tr_restart_thread(t, th, how, sig);
}

static void dispatch(struct sp_tracer *t, pid_t tid, int status)
{
	t->current = tr_thread_find(t, tid);
	dispatch_stop(t, tid, status);
	t->current = NULL;
}

/* ---- the loop ---- */

/* Kill what we launched; let go of what we attached to.  The loop then drains (drain()). */
static void end_everything(struct sp_tracer *t)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++) {
		struct thread *th = t->buckets[b], *next;

		for (; th; th = next) {
			next = th->next;
			if (t->launched) {
				kill(th->pid, SIGKILL);
				tr_flush_unfinished(t, th);
				tr_thread_remove(t, th);
			} else {
				begin_detach(t, th);
			}
		}
	}
}

/*
 * Whether every thread still ours waits in an uninterruptible sleep, like
 * a vfork() parent whose child has not exec'd: none of them will stop for
 * us, and the kernel detaches them when we exit (ptrace(2), "the tracer
 * dies").
 */
static bool only_unstoppable_left(struct sp_tracer *t)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next)
			if (!th->detaching || sp_proc_task_state(th->pid, th->tid) != 'D')
				return false;
	return true;
}

/* A status collected during an injection, to dispatch before waiting: its tid, or 0. */
static pid_t next_deferred(struct sp_tracer *t, int *status)
{
	if (t->n_deferred == 0)
		return 0;
	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next)
			if (th->has_deferred) {
				th->has_deferred = false;
				t->n_deferred--;
				*status = th->deferred_status;
				return th->tid;
			}
	t->n_deferred = 0;
	return 0;
}

/* Runs the loop until every thread has been let go or has gone, or cannot be reached. */
static void drain(struct sp_tracer *t)
{
	const struct timespec tick = {.tv_nsec = 5 * 1000 * 1000};
	int status;

	while (t->nthreads > 0) {
		pid_t tid = next_deferred(t, &status);

		if (tid <= 0)
			tid = waitpid(-1, &status, __WALL | WNOHANG);
		if (tid > 0) {
			dispatch(t, tid, status);
			continue;
		}
		if (tid < 0 && errno != EINTR)
			break; /* ECHILD */
		if (!t->launched && only_unstoppable_left(t))
			break;
		nanosleep(&tick, NULL);
	}
}

static void reap_launched(void)
{
	int status;

	/*
	 * EXITKILL and SIGKILL do the killing; collect every zombie so none
	 * outlives us.  A killed tracee may still stop on its way out
	 * (PTRACE_EVENT_EXIT): let it go on, or it would wait for us forever.
	 */
	for (;;) {
		pid_t got = waitpid(-1, &status, __WALL);

		if (got > 0 && WIFSTOPPED(status))
			ptrace(PTRACE_CONT, got, 0, 0);
		else if (got < 0 && errno != EINTR)
			break;
	}
}

/*
 * A launched program that was detached (run lets a process in a final
 * phase go) is still our child: its end is the program's exit status,
 * and a shell-like supervisor waits for it, forwarding stop requests.
 */
static void wait_detached_leader(struct sp_tracer *t)
{
	int status;

	for (;;) {
		pid_t got = waitpid(t->leader, &status, __WALL);

		/* Killed with the others but still traced: its exit stop (PTRACE_EVENT_EXIT). */
		if (got == t->leader && WIFSTOPPED(status)) {
			ptrace(PTRACE_CONT, got, 0, 0);
			continue;
		}
		if (got == t->leader)
			break;
		if (got < 0 && errno != EINTR)
			return;
		if (stop_signal) {
			kill(t->leader, stop_signal);
			stop_signal = 0;
		}
	}
	t->leader_done = true;
	t->leader_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int sp_tracer_run(const struct sp_tracer_opts *opts, struct sp_tracer_result *res,
                  struct sp_diag *diag)
{
	struct sp_tracer t = {
	    .opts = opts,
	    .stop_signal = &stop_signal,
	    .handover_timeout_s = opts->handover_timeout_s > 0 ? opts->handover_timeout_s : 5,
	    .hold_timeout_s = 6 * (opts->handover_timeout_s > 0 ? opts->handover_timeout_s : 5),
	};
	int rc, err_fd = -1, status;

	memset(res, 0, sizeof(*res));
	stop_signal = 0;
	rc = tr_probe_syscall_info(diag);
	if (rc < 0)
		return rc;
	t.dctx.strsize = opts->strsize ? opts->strsize : 256;
	t.own_filters = sp_proc_seccomp_filters(getpid(), getpid());
	t.maps = sp_maps_new();
	if (!t.maps)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (opts->stack) {
		t.stack = sp_stack_new(t.maps, !opts->stack_addrs);
		if (!t.stack) {
			sp_maps_free(t.maps);
			return sp_diag_set(diag, ENOMEM, "cannot set up libunwind");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t.t0);

	rc = opts->argv ? tr_launch(&t, diag, &err_fd) : tr_attach(&t, diag);
	if (rc < 0)
		goto out;

	while (t.nthreads > 0) {
		pid_t tid;

		if (stop_signal && t.launched && !res->interrupted) {
			/* Like a shell: the program decides what SIGINT means to it. */
			kill(t.leader, stop_signal);
			stop_signal = 0;
			res->interrupted = true;
		}
		/*
		 * A second request for a launched program ends it: a traced
		 * task never takes SIGTERM as fatal while it sits in the kernel
		 * (complete_signal() leaves that to its tracer), so a program
		 * stalled in a call, on a userfaultfd page say, would outlive
		 * every request.  The first stays the program's to handle.
		 */
		if (stop_signal || t.callback_error) {
			/* Attached processes are let go, launched ones killed (callback error). */
			res->interrupted = stop_signal != 0;
			stop_signal = 0;
			end_everything(&t);
			drain(&t);
			break;
		}
		tid = next_deferred(&t, &status);
		if (tid <= 0)
			tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left to wait for */
		}
		dispatch(&t, tid, status);
	}

	if (err_fd >= 0) {
		int child_err = 0;

		/*
		 * The child writes only when execve (or pre_exec) failed, and
		 * before it ends. Not waited for: a child killed before its exec
		 * (a callback error, a second SIGINT) may still hold the pipe's
		 * other end in its exit stop, until reap_launched lets it go.
		 */
		if (fcntl(err_fd, F_SETFL, O_NONBLOCK) == 0 &&
		    read(err_fd, &child_err, sizeof(child_err)) == (ssize_t)sizeof(child_err) &&
		    child_err < 0) {
			rc = sp_diag_set(diag, -child_err, "cannot execute '%s': %s", opts->argv[0],
			                 strerror(-child_err));
			goto out;
		}
	}
	if (t.callback_error) {
		rc = t.callback_error;
		goto out;
	}
	if (t.launched && !t.leader_done)
		wait_detached_leader(&t);
	res->status = t.leader_done ? t.leader_status : 0;
	res->syscalls = t.syscalls;
out:
	if (t.nthreads) {
		end_everything(&t);
		drain(&t);
	}
	if (t.launched)
		reap_launched();
	if (err_fd >= 0)
		close(err_fd);
	if (t.stack)
		sp_stack_free(t.stack);
	sp_maps_free(t.maps);
	return rc;
}

/* ---- hooks for `run` ---- */

void sp_tracer_detach_after(struct sp_tracer *tracer, pid_t pid)
{
	tracer->detach_pid = pid;
}

void sp_tracer_detach_thread_after(struct sp_tracer *tracer, pid_t tid)
{
	struct thread *th = tr_thread_find(tracer, tid);

	/* This thread alone, at its restart: the others go on being followed, undisturbed. */
	if (th)
		th->detach_after = true;
}

void **sp_tracer_thread_data(struct sp_tracer *tracer, pid_t tid)
{
	struct thread *th = NULL;

	/* The thread whose stop is handled: the enforcer and the detector ask for it at each event.
	 */
	if (tracer && tracer->current && tracer->current->tid == tid)
		th = tracer->current;
	else if (tracer)
		th = tr_thread_find(tracer, tid);

	return th ? &th->data : NULL;
}

int sp_tracer_set_events_only(struct sp_tracer *tracer, pid_t tid, bool on)
{
	struct thread *th = tr_thread_find(tracer, tid);

	if (!th)
		return -ESRCH;
	th->events_only = on;
	return 0;
}

int sp_tracer_set_trigger_only(struct sp_tracer *tracer, pid_t tid, bool on)
{
	struct thread *th = tr_thread_find(tracer, tid);

	if (!th)
		return -ESRCH;
	if (on && !th->holds_trace)
		return -EPERM;
	th->trigger_only = on;
	return 0;
}

void sp_tracer_kill_process(struct sp_tracer *tracer, pid_t pid)
{
	(void)tracer;
	kill(pid, SIGKILL);
}
