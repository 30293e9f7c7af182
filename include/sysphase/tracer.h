/* SPDX-License-Identifier: MIT */
/*
 * sysphase tracer: the ptrace supervisor.
 */
#ifndef SYSPHASE_TRACER_H
#define SYSPHASE_TRACER_H

#include "sysphase/core.h"

/*
 * The ptrace supervisor.  It launches a program (or attaches to a running
 * process), follows every thread and child, and turns ptrace stops into
 * struct sp_event values handed to a callback in the order it saw them.
 * It never prints; the callback decides what becomes of each event.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sp_tracer;
struct sp_filter_request;

struct sp_tracer_opts {
	char *const *argv; /* program to launch (argv[0] searched in PATH), or NULL */
	pid_t attach_pid;  /* process to attach to when argv is NULL */

	/*
	 * With attach_pid: a process that has not exec'd its program yet (a
	 * container runtime's init, waiting to exec the entrypoint).  Nothing
	 * is delivered until its next successful execve; each thread of it
	 * that enters execve or execveat first sets no_new_privs where
	 * /proc says it lacks it (an injected prctl, verified), then gets
	 * this filter at that entry stop through the verified hand-over of
	 * sp_tracer_install_filter (on_handover reports it with its tag), and
	 * makes its execve under it.  So the program never runs a single
	 * instruction outside the filter.  NULL: attach as record -p does.
	 */
	const struct sp_filter_request *start_filter;
	/* With attach_pid: called once every thread is seized, before any runs on under us. */
	void (*on_attached)(void *ctx);
	size_t strsize;   /* cap on decoded strings */
	bool stack;       /* symbolised call stack per syscall */
	bool stack_addrs; /* with stack: module + offset per frame, no symbols (cheaper) */
	bool entry_only;  /* SECCOMP_RET_TRACE: one stop per syscall, no exit values */

	/*
	 * Runs in the launched child after it has been seized and before
	 * execve: where `run` sets NO_NEW_PRIVS and installs the first filter.
	 * A negative return aborts the launch (the child exits 127 and the
	 * error is reported as errno -ret).
	 */
	int (*pre_exec)(void *ctx);

	/*
	 * Each event, in order.  ev is only valid during the call.  Returning
	 * a negative errno ends tracing: launched tracees are killed,
	 * attached ones detached.
	 */
	int (*on_event)(void *ctx, struct sp_tracer *tracer, struct sp_event *ev);

	/*
	 * The outcome of a hand-over asked for with sp_tracer_install_filter,
	 * called at the stop where it was performed: rc 0 when thread tid
	 * holds the filter (from the re-issued call on); -ESRCH when tid
	 * died meanwhile with its process, or of another thread's exec (it
	 * runs nothing more: no filter is owed, nothing was killed); else
	 * -errno with why, and the process has been killed.  tid sits in a
	 * stop, so sp_tracer_detach_thread_after() may be called for it.
	 */
	void (*on_handover)(void *ctx, struct sp_tracer *tracer, pid_t tid, long tag, int rc,
	                    const char *why);

	/*
	 * With stack: whether to capture the call stack of this syscall
	 * entry (ev has everything but the stack); NULL for every call.
	 * Unwinding costs: run captures only at the calls a stack trigger
	 * that may fire in the thread's phase names.
	 */
	bool (*want_stack)(void *ctx, const struct sp_event *ev);

	/*
	 * Whether to decode this syscall's arguments (ev->dec), asked at its
	 * entry (ev has no exit yet) and, when it said no, again at its exit
	 * (has_exit, ret and err set: the entry's arguments are decoded then,
	 * from memory as it is at the exit); NULL: every call, at its entry.
	 * run decodes only what its triggers and its naming of denials read.
	 */
	bool (*want_decode)(void *ctx, const struct sp_event *ev);

	/*
	 * A thread the tracer stops following (it exited, was let go, or
	 * tracing ended) whose record (sp_tracer_thread_data) is not NULL:
	 * the caller frees data.  Called once per such thread.
	 */
	void (*on_thread_gone)(void *ctx, pid_t tid, void *data);

	/*
	 * Bound on an injected seccomp(), in seconds (0: 5); holding the tasks
	 * that share the memory is bounded at six times that.
	 */
	int handover_timeout_s;
	void *ctx;
};

struct sp_tracer_result {
	int status;             /* shell-style: exit status, or 128 + signal */
	bool interrupted;       /* ended by sp_tracer_request_stop() (SIGINT/SIGTERM) */
	unsigned long syscalls; /* syscall events delivered */
};

/*
 * The program argv[0] would run: itself when it holds a '/', else the first
 * executable match in $PATH.  Returns a malloc'd path, or NULL with errno
 * ENOENT (nothing found) or EACCES (found but not executable).
 */
char *sp_tracer_resolve_program(const char *prog);

/*
 * Runs the supervisor to completion: until every tracee has exited, or
 * the callback or a stop request ends it.  Returns 0 (with *res filled) or
 * -errno with diag set: -ENOENT/-EACCES when the program cannot be
 * executed, -ESRCH/-EPERM when attaching fails.  Nothing is left stopped
 * on any path: launched tracees are killed (PTRACE_O_EXITKILL covers a
 * crash of sysphase itself), attached ones detached.
 */
int sp_tracer_run(const struct sp_tracer_opts *opts, struct sp_tracer_result *res,
                  struct sp_diag *diag);

/*
 * Async-signal-safe: asks the event loop to finish.  Attached processes are
 * detached and left running; launched ones get the signal forwarded.
 */
void sp_tracer_request_stop(int signo);

/*
 * From inside on_event, for a syscall event whose thread sits at its exit
 * stop (ev->has_exit): stop following process pid once this event is
 * handled.  Every thread of it is detached and runs on without ptrace.
 */
void sp_tracer_detach_after(struct sp_tracer *tracer, pid_t pid);

/*
 * From inside on_event, for an event whose thread sits in a stop (a
 * syscall event at its exit stop): stop following thread tid once this
 * event is handled; it alone is detached, and the process's other
 * threads go on being followed.  Threads and children it creates from
 * then on are not followed: they inherit its filter.  A later hand-over
 * in the process seizes such threads for its duration (they can write
 * the program's memory too) and lets them go again.
 */
void sp_tracer_detach_thread_after(struct sp_tracer *tracer, pid_t tid);

/*
 * From inside on_event: follow thread tid by process events alone (on),
 * or with a stop at every syscall's entry and exit again (off, the
 * default for every thread), from its next restart.  A thread followed
 * by events alone costs no stop per syscall; its forks and clones, its
 * exec, its signals and its exit still stop it and are delivered.  A call
 * in progress still gets its exit stop.  Of its syscalls only exit and
 * exit_group are delivered (their entry, taken at PTRACE_EVENT_EXIT from
 * the registers, as the call the thread ended in), and its exec event
 * comes without the execve call before it.  -ESRCH when tid is not
 * followed.  Threads it creates are followed with syscall stops unless
 * this is called for them too (from their birth event, say).
 */
int sp_tracer_set_events_only(struct sp_tracer *tracer, pid_t tid, bool on);

/*
 * The data of the SECCOMP_RET_TRACE of sysphase's own filters (record's
 * --no-exit filter, run's trigger filters), which tells their stops from
 * those a filter of the program's own asks for.
 */
#define SP_TRACER_TRACE_MARK 0x5350

/*
 * From inside on_event: follow thread tid by its trigger stops (on): it
 * must hold a trigger filter (sp_filter_request.trace), which answers
 * SECCOMP_RET_TRACE with SP_TRACER_TRACE_MARK for the calls that may fire
 * or arm a transition and lets the others through.  It is resumed with
 * PTRACE_CONT: only those calls stop it (PTRACE_EVENT_SECCOMP), each then
 * run to its exit stop and delivered whole as with syscall stops; its
 * process events, and its exit and exit_group calls, come as for a thread
 * followed by events alone.  Off: syscall stops again.  A thread whose
 * process installed a filter of its own since is followed with syscall
 * stops whatever this says (such a filter's ERRNO or KILL outranks
 * TRACE and would hide a trigger call).  -ESRCH when tid is not
 * followed, -EPERM when it holds no trigger filter.
 */
int sp_tracer_set_trigger_only(struct sp_tracer *tracer, pid_t tid, bool on);

/*
 * The caller's record of thread tid, hung on the tracer's own entry for
 * it, so that one table serves both: a slot the caller fills (NULL at
 * first), or NULL when tid is not followed.  It lives as long as the
 * tracer follows tid and is handed to opts->on_thread_gone when that ends.
 * When a thread other than the leader execs, the slot moves with it to
 * the process id (the vanished leader's goes to on_thread_gone).
 */
void **sp_tracer_thread_data(struct sp_tracer *tracer, pid_t tid);

struct sp_landlock_request;

/* A filter for a thread (sp_tracer_install_filter). */
struct sp_filter_request {
	const struct sock_filter *insns; /* the program: valid until on_handover reports */
	size_t len;
	unsigned long flags;  /* SECCOMP_FILTER_FLAG_* */
	bool refuse_io_uring; /* fail while a task sharing the memory can use an io_uring ring */
	long tag;             /* the caller's, handed back to on_handover */
	/* A Landlock layer put on first, at the same stop (sp_inject_landlock), or NULL. */
	const struct sp_landlock_request *landlock;
	/*
	 * A trigger filter (sp_tracer_set_trigger_only), not a phase's: the
	 * thread gets PTRACE_O_TRACESECCOMP with it, and is never let go
	 * afterwards (a RET_TRACE with no tracer is ENOSYS), nor are the
	 * threads and children it makes, which inherit it.  It is only put
	 * in a thread whose filters are all sysphase's (the kernel's count
	 * says so): an older filter of the program's own that answers TRACE
	 * would be outranked by the newer TRACE's data.  A failure that
	 * leaves the thread as it was (no such count, the holding or the
	 * injected seccomp() refused) kills nothing: on_handover gets
	 * -ECANCELED and the thread keeps its syscall stops.
	 */
	bool trace;
};

/*
 * Thread tid must hold req's filter from its next syscall on: the tracer
 * installs it at tid's next syscall-entry stop (resuming tid with syscall
 * stops until then, even when it is followed by events alone), and says
 * how it went through opts->on_handover.  At that stop:
 *   1. Every task that shares the memory is held still: every other
 *      thread of the process, and every task of another process with the
 *      same memory (kcmp KCMP_VM: clone(CLONE_VM) siblings, vfork parents
 *      and children), threads born meanwhile and tasks not followed
 *      (seized for the while), so none can read or rewrite the program
 *      while it sits in the memory.  With refuse_io_uring, no held
 *      process may hold an io_uring ring (fd, mapping or poller thread).
 *   2. tid's call is replaced by seccomp(SECCOMP_SET_MODE_FILTER, flags,
 *      prog); its registers are then restored with the instruction
 *      pointer rewound, so that on restart it makes its own call again,
 *      which the new filter judges.  The injected call is bounded in time
 *      (opts->handover_timeout_s).
 *   3. With SECCOMP_FILTER_FLAG_TSYNC every thread's filter count
 *      (/proc/.../Seccomp_filters), without it tid's, must be tid's count
 *      before plus one, and, where the kernel lets the caller read filters
 *      back (CAP_SYS_ADMIN), tid's newest filter must be the program.
 * Other held threads waiting at an entry stop with a request of their own
 * get theirs under the same holding.  On any failure the process is
 * killed (SIGKILL) before on_handover is called.  A later call replaces a
 * request not yet performed; req NULL (or req->insns NULL) cancels it.
 * Returns 0, -ESRCH when tid is not followed, -EINVAL for a bad length.
 */
#include <linux/filter.h>

int sp_tracer_install_filter(struct sp_tracer *tracer, pid_t tid,
                             const struct sp_filter_request *req);

/*
 * Whether this process may read a tracee's filters back
 * (PTRACE_SECCOMP_GET_FILTER: CAP_SYS_ADMIN in the initial user namespace,
 * and no seccomp filter of its own), probed on a child.  Without it a
 * hand-over is verified by the kernel's filter count alone.
 */
bool sp_tracer_can_read_filters(void);

/*
 * Landlock layers put on a thread from outside (tracer/landlock.c).
 * landlock_restrict_self() acts on the calling thread only, so the thread
 * makes the calls: at a syscall stop (entry or exit, x86-64), with every
 * task that shares its memory held by the caller (the paths and rule
 * attributes sit in that memory), it runs [prctl(PR_SET_NO_NEW_PRIVS)],
 * landlock_create_ruleset, per path openat(O_PATH|O_CLOEXEC) +
 * landlock_add_rule + close, per port landlock_add_rule,
 * landlock_restrict_self and close, and is put back exactly (registers,
 * signal mask, the stack bytes used): at an entry stop its own call is
 * re-issued up to a new entry stop, where it sits as it was found.  Its
 * filters must allow those calls (sp_landlock_injection_calls()).
 */
#include "sysphase/landlock.h"

struct sp_landlock_request {
	const struct sp_landlock_layer *layer; /* fitted to the kernel's ABI already */
	/*
	 * Directories and regular files the layer denies reading (its own
	 * rules do not grant it there), tried in order: the first the thread
	 * can open (O_RDONLY|O_NONBLOCK|O_NOCTTY) before the layer must give
	 * EACCES after it, which shows the layer took.  Without one that
	 * opens, only landlock_restrict_self()'s result says so (out->probe
	 * NULL).  Never a device: opening one may act.
	 */
	const char *const *probes;
	size_t n_probes;
	bool set_no_new_privs; /* the thread may not have it yet (needed without CAP_SYS_ADMIN) */
	/*
	 * landlock_restrict_self()'s flags: LOG_NEW_EXEC_ON (ABI 7) keeps the
	 * kernel auditing the layer's denials after the program execs.
	 */
	uint32_t restrict_flags;
};

struct sp_landlock_outcome {
	size_t skipped;    /* rules left out: the thread cannot open the path (ENOENT, EACCES...) */
	const char *probe; /* the probe that verified the layer (one of req->probes), or NULL */
	int pending_signal; /* a signal that could not be held back, re-sent with tkill */
	bool gone;          /* the thread died meanwhile */
	int gone_status;
};

/*
 * Returns 0 when the layer is in place (and, with a probe, seen to deny);
 * -ENOTSUP when tid is not at an x86-64 syscall stop; -E2BIG when the
 * thread holds 16 layers already; else -errno with why (not NULL) saying
 * what failed: the caller must then not let the process run on.  Every
 * injected call is bounded in time (a filter of the program's own could
 * park it).
 */
int sp_inject_landlock(pid_t tid, const struct sp_landlock_request *req,
                       struct sp_landlock_outcome *out, struct sp_diag *why);

/*
 * Thread tid, at the syscall-entry stop of an x86-64 call, sets
 * no_new_privs on itself (an injected prctl, registers only; tracer/
 * landlock.c's mechanism) and is left at that entry stop as it was found.
 * 0, or -errno with why; out->gone when it died meanwhile.
 */
int sp_inject_no_new_privs(pid_t tid, struct sp_landlock_outcome *out, struct sp_diag *why);

/* Kills process pid with SIGKILL (a filter could not be installed). */
void sp_tracer_kill_process(struct sp_tracer *tracer, pid_t pid);

#endif /* SYSPHASE_TRACER_H */
