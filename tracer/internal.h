/* SPDX-License-Identifier: MIT */
/*
 * The tracer's state, shared by its files (private to tracer/):
 * tracer.c the event loop (next_event, dispatch, the one restart),
 * events.c what each stop means, launch.c launching and attaching,
 * quiesce.c holding every task that shares a program's memory, install.c
 * the filter hand-over.
 */
#ifndef SYSPHASE_TRACER_INTERNAL_H
#define SYSPHASE_TRACER_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/filter.h>
#include <linux/ptrace.h>
#include <sys/types.h>

#include "decode.h"
#include "maps.h"
#include "stack.h"
#include "sysphase/core.h"
#include "sysphase/procfs.h"
#include "sysphase/tracer.h"

#define THREAD_BUCKETS 256

/* What every tracee is seized with (launch, attach, a task seized for a hand-over). */
#define SP_SEIZE_OPTIONS                                                                          \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
	 PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

/* The data of our filters' SECCOMP_RET_TRACE, to tell them from the program's own. */
#define SP_TRACE_MARK SP_TRACER_TRACE_MARK

/* How a tracee leaves the stop we are handling. */
enum restart_how {
	RESTART_RESUME, /* PTRACE_SYSCALL, or PTRACE_CONT in entry-only mode */
	RESTART_LISTEN, /* group-stop: stay stopped, but report the SIGCONT (PTRACE_LISTEN) */
	RESTART_DETACH, /* leave it running without us */
	RESTART_NONE,   /* it is gone, or already restarted */
};

/* What sp_tracer_install_filter asked for a thread. */
struct filter_request {
	const struct sock_filter *insns;
	size_t len;
	unsigned long flags;
	bool refuse_io_uring;
	long tag;
	const struct sp_landlock_request *landlock;
	bool trace; /* a trigger filter (sp_filter_request.trace) */
};

struct thread {
	struct thread *next; /* hash chain */
	pid_t tid;
	pid_t pid;
	void
	    *data; /* the caller's record of it (sp_tracer_thread_data), handed to on_thread_gone */

	bool in_syscall;       /* an entry was seen and its exit is due */
	struct sp_event entry; /* what the entry stop told */
	bool entry_decoded;    /* its arguments were decoded at the entry (opts->want_decode) */

	bool exec_seen; /* PTRACE_EVENT_EXEC came; the execve exit stop follows */
	pid_t exec_former_tid;

	bool vanished; /* died while borrowed for an injection */
	int vanished_status;

	/*
	 * A new task's first stop can reach us before its creator's
	 * fork/clone event.  Such a task is held in that stop until the
	 * event arrives, so that no event of a child precedes its birth.
	 */
	bool awaiting_birth; /* seen before its creator's event */
	bool held;           /* ... and kept in its first stop for it */
	pid_t ppid;          /* its parent process, for releasing it if that dies first */

	bool detaching; /* let go at its next stop (begin_detach) */

	/*
	 * A stop (or death) collected while the process was held still for
	 * an injection (tr_quiesce): the loop dispatches it next, in
	 * the order it would have, before waiting for anything new.
	 */
	bool has_deferred;
	int deferred_status;

	/*
	 * Entry-only mode misses calls that a seccomp filter of the
	 * program's own fails or kills: its ERRNO/KILL outranks our
	 * SECCOMP_RET_TRACE.  A process that installs one is followed with
	 * syscall stops from then on (full_stops), where every call shows.
	 */
	bool full_stops;
	bool entry_from_seccomp; /* the pending entry came from a seccomp stop */

	/*
	 * Followed by process events alone (sp_tracer_set_events_only):
	 * resumed with PTRACE_CONT once no call of it is in progress, so its
	 * syscalls cost no stop; forks, clones, exec, signals and exits still
	 * stop it (the seize options).
	 */
	bool events_only;

	/*
	 * Followed by its trigger stops (sp_tracer_set_trigger_only): it
	 * holds a trigger filter (holds_trace), is resumed with PTRACE_CONT,
	 * and stops at the calls that filter traces.  A thread holding one
	 * is never let go, and its threads and children inherit it.
	 */
	bool trigger_only;
	bool holds_trace;
	/*
	 * The seccomp filters it holds that sysphase knows of: those in place
	 * at the launched program's execve (the initial phase's), inherited,
	 * and those handed over since; -1 unknown.  A thread holding others
	 * (the program's own) gets no trigger filter.
	 */
	long known_filters;

	/*
	 * A filter asked for (sp_tracer_install_filter), installed at the
	 * thread's next syscall-entry stop (install.c); insns NULL: none.
	 */
	struct filter_request req;
	/*
	 * Its memory is its own: no other task uses its mm, so a hand-over
	 * has nobody to hold (tr_quiesce).  Set at its birth when the
	 * kernel says its mm differs from its creator's (kcmp KCMP_VM at the
	 * creator's fork event: a clone without CLONE_VM gets a fresh mm
	 * that only the new task uses); cleared for good once it could have
	 * shared it: a creation call seen at its entry (clone, clone3,
	 * fork, vfork, whether or not it succeeds or is traced), a new task
	 * of its that shares it, or a restart that lets its calls go unseen
	 * (PTRACE_CONT).  Only a task using an mm can add a user to it
	 * (clone shares the caller's own), so nobody else can.
	 */
	bool sole_mm;
	bool detach_after; /* sp_tracer_detach_thread_after: let go after this stop */
	bool start_armed;  /* opts->start_filter was asked for it at an execve entry (attach.c) */
};

struct sp_tracer {
	const struct sp_tracer_opts *opts;
	struct thread *buckets[THREAD_BUCKETS];
	unsigned nthreads;

	struct sp_maps *maps;
	struct sp_stack *stack;
	struct sp_decode_ctx dctx;
	struct timespec t0;

	pid_t leader; /* the launched child or the attached process */
	bool launched;
	bool recording;    /* launch mode records from the program's execve on */
	int leader_status; /* shell-style */
	bool leader_done;

	pid_t detach_pid;    /* set by sp_tracer_detach_after() during a callback */
	unsigned n_deferred; /* threads with a deferred status */
	int callback_error;
	unsigned long syscalls;

	struct thread *current;             /* the thread whose stop is being dispatched */
	volatile sig_atomic_t *stop_signal; /* sp_tracer_request_stop()'s flag */
	int handover_timeout_s;             /* bound on an injected call */
	int hold_timeout_s; /* bound on holding the tasks (many, on a busy machine) */
	long own_filters;   /* sysphase's own seccomp filters, which the program inherits */
};

/*
 * Whether th is resumed with PTRACE_CONT between its calls: followed by
 * events alone, or by the stops of a trigger filter it holds (unless its
 * process installed a filter of its own: full_stops).
 */
static inline bool tr_no_syscall_stops(const struct thread *th)
{
	return th->events_only || (th->trigger_only && th->holds_trace && !th->full_stops);
}

/* tracer.c: the thread table and the one restart. */
struct thread *tr_thread_find(struct sp_tracer *t, pid_t tid);
struct thread *tr_thread_add(struct sp_tracer *t, pid_t tid, pid_t pid);
void tr_thread_remove(struct sp_tracer *t, struct thread *victim);
void tr_restart_thread(struct sp_tracer *t, struct thread *th, enum restart_how how, int sig);

/* events.c: turning stops into events. */
void tr_deliver(struct sp_tracer *t, struct sp_event *ev);
void tr_base_event(struct sp_tracer *t, struct thread *th, enum sp_event_type type,
                   struct sp_event *ev);
void tr_flush_unfinished(struct sp_tracer *t, struct thread *th);
void tr_on_syscall_stop(struct sp_tracer *t, struct thread *th);
struct thread *tr_adopt_unannounced(struct sp_tracer *t, pid_t tid);
void tr_on_new_task(struct sp_tracer *t, struct thread *parent, int event);
void tr_on_exec_event(struct sp_tracer *t, struct thread *th);
void tr_on_exit_event(struct sp_tracer *t, struct thread *th);
void tr_on_thread_gone(struct sp_tracer *t, struct thread *th, int status);

/* launch.c */
int tr_probe_syscall_info(struct sp_diag *diag);
int tr_launch(struct sp_tracer *t, struct sp_diag *diag, int *err_fd);

/* attach.c: every thread of opts->attach_pid seized (opts->on_attached told). */
int tr_attach(struct sp_tracer *t, struct sp_diag *diag);
/*
 * attach.c, at th's syscall-entry stop (si) with no filter asked for:
 * with opts->start_filter, an execve of the attached process before its
 * program runs gets that filter now (no_new_privs set first), so that
 * the caller hands it over at this very stop.
 */
void tr_arm_start_filter(struct sp_tracer *t, struct thread *th,
                         const struct __ptrace_syscall_info *si);
/* attach.c, at the exec event of th: the attached process's program starts here. */
void tr_start_at_exec(struct sp_tracer *t, const struct thread *th);

/*
 * quiesce.c: holds every task that shares self's memory (self's process
 * and, by kcmp, tasks of other processes), their stops deferred to the
 * loop.  *held gets the processes held.  0, or -errno with why.
 */
int tr_quiesce(struct sp_tracer *t, struct thread *self, struct sp_pids *held, struct sp_diag *why);

/*
 * quiesce.c: interrupts th and waits until it is stopped (its status
 * deferred) or asleep in the kernel: 0, or -ETIMEDOUT past deadline.
 */
int tr_hold_thread(struct sp_tracer *t, struct thread *th, const struct timespec *deadline);

/*
 * install.c: self, at a syscall-entry stop (si) with a filter asked for,
 * gets it, and so does every held thread waiting at an entry stop with
 * one of its own; on_handover reports each.  Self is left at the
 * injected call's exit stop, its own call to be re-issued on restart.
 */
void tr_hand_over(struct sp_tracer *t, struct thread *self, const struct __ptrace_syscall_info *si);

/*
 * A hand-over's outcome as on_handover gets it.  -ESRCH is kept for a
 * thread that died in it of a death that was not the injection's doing: a
 * thread held in a ptrace stop dies only when its process ends or another
 * of its threads execs (the kernel kills the rest), so nothing of it runs
 * again and no filter is owed.  Killed by SIGSYS, a filter of its own
 * refused the injected call: a failure.  Any other failure that said
 * ESRCH (the thread gone from /proc, its end not seen) fails as EIO.
 */
int tr_handover_outcome(const struct thread *th, int rc);
/* Whether a hand-over that ended with rc leaves the process as it was, or dead: nothing to kill. */
bool tr_handover_harmless(int rc);

#endif /* SYSPHASE_TRACER_INTERNAL_H */
