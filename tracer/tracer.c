/* SPDX-License-Identifier: MIT */
/*
 * The ptrace supervisor: one event loop in the shape strace taught us.
 * The loop waits for one tracee stop; dispatch_stop() classifies it,
 * turns it into events and says how the tracee must be restarted; the
 * restart happens in exactly one place, restart_thread().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "decode.h"
#include "handover.h"
#include "inject.h"
#include "maps.h"
#include "stack.h"
#include "sysphase/core.h"
#include "sysphase/tracer.h"

#define THREAD_BUCKETS 256

/* The data of the entry-only filter's SECCOMP_RET_TRACE, to tell it from the program's own. */
#define SP_TRACE_MARK 0x5350

/* How a tracee leaves the stop we are handling. */
enum restart_how {
	RESTART_RESUME, /* PTRACE_SYSCALL, or PTRACE_CONT in entry-only mode */
	RESTART_LISTEN, /* group-stop: stay stopped, but report the SIGCONT (PTRACE_LISTEN) */
	RESTART_DETACH, /* leave it running without us */
	RESTART_NONE,   /* it is gone, or already restarted */
};

struct thread {
	struct thread *next; /* hash chain */
	pid_t tid;
	pid_t pid;

	bool in_syscall;       /* an entry was seen and its exit is due */
	struct sp_event entry; /* what the entry stop told */

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
	 * an injection (quiesce_process): the loop dispatches it next, in
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
	pid_t detach_tid;    /* set by sp_tracer_detach_thread_after() during a callback */
	unsigned n_deferred; /* threads with a deferred status */
	int callback_error;
	unsigned long syscalls;
};

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

static struct thread *thread_find(struct sp_tracer *t, pid_t tid)
{
	for (struct thread *th = *bucket_of(t, tid); th; th = th->next)
		if (th->tid == tid)
			return th;
	return NULL;
}

static struct thread *thread_add(struct sp_tracer *t, pid_t tid, pid_t pid)
{
	struct thread *th = calloc(1, sizeof(*th));

	if (!th)
		return NULL;
	th->tid = tid;
	th->pid = pid;
	th->next = *bucket_of(t, tid);
	*bucket_of(t, tid) = th;
	t->nthreads++;
	return th;
}

static void thread_remove(struct sp_tracer *t, struct thread *victim)
{
	for (struct thread **link = bucket_of(t, victim->tid); *link; link = &(*link)->next) {
		if (*link == victim) {
			*link = victim->next;
			if (victim->has_deferred)
				t->n_deferred--;
			sp_event_clear(&victim->entry);
			free(victim);
			t->nthreads--;
			return;
		}
	}
}

/* The process (thread group) and parent process of a tid, from /proc: the one source that cannot
 * race. */
static int read_ids(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*tgid = *ppid = -1;
	while (found < 2 && fgets(line, sizeof(line), f))
		found += sscanf(line, "Tgid: %d", tgid) == 1 || sscanf(line, "PPid: %d", ppid) == 1;
	fclose(f);
	return found == 2 ? 0 : -ENOENT;
}

static pid_t read_tgid(pid_t tid)
{
	pid_t tgid, ppid;

	return read_ids(tid, &tgid, &ppid) == 0 ? tgid : -1;
}

static double now_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- delivering events ---- */

static void deliver(struct sp_tracer *t, struct sp_event *ev)
{
	int rc;

	if (!t->recording || t->callback_error)
		return;
	if (ev->type == SP_EV_SYSCALL)
		t->syscalls++;
	rc = t->opts->on_event(t->opts->ctx, t, ev);
	if (rc < 0)
		t->callback_error = rc;
}

static void base_event(struct sp_tracer *t, struct thread *th, enum sp_event_type type,
                       struct sp_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->tid = th->tid;
	ev->pid = th->pid;
	ev->ts = now_since(&t->t0);
}

/* A syscall whose exit will never be seen (the thread died in it, or exec replaced it). */
static void flush_unfinished(struct sp_tracer *t, struct thread *th)
{
	if (!th->in_syscall)
		return;
	th->in_syscall = false;
	th->entry_from_seccomp = false;
	th->entry.has_exit = false;
	deliver(t, &th->entry);
	sp_event_clear(&th->entry);
}

/* ---- syscall stops ---- */

static void fill_entry(struct sp_tracer *t, struct thread *th,
                       const struct __ptrace_syscall_info *si, const uint64_t *args, uint64_t nr)
{
	struct sp_event *ev = &th->entry;

	base_event(t, th, SP_EV_SYSCALL, ev);
	ev->nr = (long)nr;
	ev->abi = sp_abi_classify(si->arch, ev->nr);
	ev->name = sp_syscall_name(ev->abi, ev->nr);
	memcpy(ev->args, args, sizeof(ev->args));
	ev->site = sp_maps_module(t->maps, th->pid, si->instruction_pointer);
	if (ev->abi == SP_ABI_X86_64 && ev->name) {
		t->dctx.tid = th->tid;
		t->dctx.pid = th->pid;
		ev->dec = sp_decode_entry(&t->dctx, ev->name, ev->args);
	}
	if (t->stack)
		ev->stack = sp_stack_capture(t->stack, th->pid, th->tid);
}

static bool is_exec_name(const char *name)
{
	return name && (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0);
}

static void start_recording_at(struct sp_tracer *t, struct thread *th, uint32_t arch, uint64_t nr)
{
	const char *name = sp_syscall_name(sp_abi_classify(arch, (long)nr), (long)nr);

	/*
	 * A launched child runs sysphase's own code (raise, filters) before
	 * the program exists; its execve is where the program's life starts,
	 * and where strace -f's output starts too.
	 */
	if (!t->recording && th->tid == t->leader && is_exec_name(name))
		t->recording = true;
}

static void on_syscall_entry(struct sp_tracer *t, struct thread *th,
                             const struct __ptrace_syscall_info *si)
{
	if (th->in_syscall && th->entry_from_seccomp && th->entry.nr == (long)si->entry.nr) {
		th->entry_from_seccomp = false; /* the same call, seen at its seccomp stop */
		return;
	}
	flush_unfinished(t, th);
	start_recording_at(t, th, si->arch, si->entry.nr);
	fill_entry(t, th, si, si->entry.args, si->entry.nr);
	th->in_syscall = true;
}

static void deliver_exec_event(struct sp_tracer *t, struct thread *th)
{
	struct sp_event ev;
	char path[64], exe[4096];
	ssize_t n;

	base_event(t, th, SP_EV_EXEC, &ev);
	snprintf(path, sizeof(path), "/proc/%d/exe", th->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	ev.path = exe;
	ev.former_tid = th->exec_former_tid;
	deliver(t, &ev);
}

/*
 * A call a seccomp filter killed still gives an exit stop: the kernel
 * skips it, rolls the registers back (rax = the syscall number) and
 * leaves the thread to die of the forced SIGSYS.  That is no return
 * value: the thread's seccomp mode is SECCOMP_MODE_DEAD from then on.
 * Only a call "returning" its own number can be one, so /proc is read
 * only then.
 */
static bool killed_by_seccomp(const struct thread *th, const struct __ptrace_syscall_info *si,
                              long nr)
{
	return !si->exit.is_error && si->exit.rval == nr &&
	       sp_seccomp_mode(th->pid, th->tid) == 3 /* SECCOMP_MODE_DEAD */;
}

/* The entry of a killed call, delivered as the call the thread died in. */
static void flush_unfinished_killed(struct sp_tracer *t, struct thread *th)
{
	th->entry.has_exit = false;
	th->entry.killed = true;
	deliver(t, &th->entry);
	sp_event_clear(&th->entry);
}

static void on_syscall_exit(struct sp_tracer *t, struct thread *th,
                            const struct __ptrace_syscall_info *si)
{
	struct sp_event *ev = &th->entry;

	if (!th->in_syscall)
		return; /* attached in the middle of a syscall: its entry is unknown */
	th->in_syscall = false;
	th->entry_from_seccomp = false;
	if (killed_by_seccomp(th, si, ev->nr)) {
		flush_unfinished_killed(t, th);
		return;
	}
	ev->has_exit = true;
	ev->ret = si->exit.rval;
	ev->err = si->exit.is_error ? (int)-si->exit.rval : 0;
	if (ev->abi == SP_ABI_X86_64 && ev->name) {
		t->dctx.tid = th->tid;
		t->dctx.pid = th->pid;
		ev->dec = sp_decode_exit(&t->dctx, ev->name, ev->args, ev->ret, ev->dec);
	}
	deliver(t, ev);
	sp_event_clear(ev);
	if (th->exec_seen) {
		th->exec_seen = false;
		deliver_exec_event(t, th);
	}
}

/* seccomp(SECCOMP_SET_MODE_FILTER) or prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) */
static bool installs_filter(const struct sp_event *ev)
{
	if (ev->abi != SP_ABI_X86_64 || !ev->name)
		return false;
	if (strcmp(ev->name, "seccomp") == 0)
		return ev->args[0] == SECCOMP_SET_MODE_FILTER;
	return strcmp(ev->name, "prctl") == 0 && ev->args[0] == PR_SET_SECCOMP &&
	       ev->args[1] == SECCOMP_MODE_FILTER;
}

static void follow_with_syscall_stops(struct sp_tracer *t, pid_t pid)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next)
			if (th->pid == pid)
				th->full_stops = true;
}

/*
 * A RET_TRACE that is the program's own, not the one of sysphase's
 * entry-only filter: among stacked filters returning the same action the
 * newest one's data wins (seccomp_run_filters), so a data other than
 * SP_TRACE_MARK means a filter the program installed asked for a tracer.
 * Natively it has none, and the kernel fails the call with ENOSYS
 * (seccomp(2), SECCOMP_RET_TRACE): do what the kernel would, skip the
 * call (number -1) with -ENOSYS as its result, instead of letting our
 * stop swallow the program's own TRACE.  Returns whether it did.
 */
static bool fail_foreign_trace(struct thread *th, const struct __ptrace_syscall_info *si)
{
	struct user_regs_struct regs;

	if (si->seccomp.ret_data == SP_TRACE_MARK)
		return false;
	if (ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return false; /* ESRCH: it died; wait4 says so */
	regs.orig_rax = (unsigned long long)-1;
	regs.rax = (unsigned long long)-ENOSYS;
	return ptrace(PTRACE_SETREGS, th->tid, 0, &regs) == 0;
}

/* SECCOMP_RET_TRACE stop: in entry-only mode, the entry is all there will be. */
static void on_seccomp_stop(struct sp_tracer *t, struct thread *th,
                            const struct __ptrace_syscall_info *si)
{
	bool failed = fail_foreign_trace(th, si);

	if (th->full_stops && th->in_syscall && th->entry.nr == (long)si->seccomp.nr)
		return; /* its syscall-entry stop came first and recorded it */
	start_recording_at(t, th, si->arch, si->seccomp.nr);
	flush_unfinished(t, th);
	fill_entry(t, th, si, si->seccomp.args, si->seccomp.nr);
	if (!th->full_stops && installs_filter(&th->entry))
		follow_with_syscall_stops(t, th->pid);
	if (th->full_stops) {
		/* Resumed with PTRACE_SYSCALL: the exit stop (or a late entry stop) follows. */
		th->in_syscall = true;
		th->entry_from_seccomp = true;
		return;
	}
	/* Failed for the program's own TRACE, the call's end is known already. */
	th->entry.has_exit = failed;
	th->entry.ret = failed ? -ENOSYS : 0;
	th->entry.err = failed ? ENOSYS : 0;
	deliver(t, &th->entry);
	sp_event_clear(&th->entry);
}

static void on_syscall_stop(struct sp_tracer *t, struct thread *th)
{
	struct __ptrace_syscall_info si;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(si), &si) < 0)
		return; /* ESRCH: it died under us; wait4 reports it */
	switch (si.op) {
	case PTRACE_SYSCALL_INFO_ENTRY:
		on_syscall_entry(t, th, &si);
		break;
	case PTRACE_SYSCALL_INFO_EXIT:
		on_syscall_exit(t, th, &si);
		break;
	case PTRACE_SYSCALL_INFO_SECCOMP:
		on_seccomp_stop(t, th, &si);
		break;
	default:
		break;
	}
}

/* ---- ptrace events ---- */

/* A tid we have no record of: a new task whose creator's event has not come yet. */
static struct thread *adopt_unannounced(struct sp_tracer *t, pid_t tid)
{
	struct thread *th;
	pid_t tgid, ppid;

	if (read_ids(tid, &tgid, &ppid) < 0)
		tgid = ppid = tid;
	th = thread_add(t, tid, tgid > 0 ? tgid : tid);
	if (th) {
		th->awaiting_birth = true;
		th->ppid = ppid;
	}
	return th;
}

static void restart_thread(struct sp_tracer *t, struct thread *th, enum restart_how how, int sig);

static void on_new_task(struct sp_tracer *t, struct thread *parent, int event)
{
	unsigned long msg = 0;
	struct thread *child;
	struct sp_event ev;
	const char *via;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) < 0)
		return;
	child = thread_find(t, (pid_t)msg);
	if (!child) {
		/* Not from the event kind: CLONE_THREAD | CLONE_VFORK makes a thread yet reports
		 * VFORK. */
		pid_t pid = read_tgid((pid_t)msg);

		child = thread_add(t, (pid_t)msg, pid > 0 ? pid : (pid_t)msg);
		if (!child)
			return;
	}
	if (event == PTRACE_EVENT_VFORK)
		via = "vfork";
	else if (event == PTRACE_EVENT_FORK)
		via = "fork";
	else if (parent->in_syscall && parent->entry.name &&
	         strcmp(parent->entry.name, "clone3") == 0)
		via = "clone3";
	else
		via = "clone";
	/* Seccomp filters are inherited by threads and children alike. */
	child->full_stops = parent->full_stops;
	base_event(t, parent, child->pid == parent->pid ? SP_EV_CLONE : SP_EV_FORK, &ev);
	ev.child = child->tid;
	ev.via = via;
	deliver(t, &ev);
	child->awaiting_birth = false;
	if (child->held) {
		child->held = false;
		restart_thread(t, child, RESTART_RESUME, 0);
	}
}

/* The creator died before announcing its children: they may go on unannounced. */
static void release_orphans(struct sp_tracer *t, pid_t dead_pid)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next)
			if (th->held && (th->ppid == dead_pid || th->pid == dead_pid)) {
				th->held = false;
				th->awaiting_birth = false;
				restart_thread(t, th, RESTART_RESUME, 0);
			}
}

static void on_exec_event(struct sp_tracer *t, struct thread *th)
{
	unsigned long former = (unsigned long)th->tid;
	struct thread *old;

	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &former);
	if ((pid_t)former != th->tid) {
		/*
		 * A non-leader thread exec'd: the kernel gave it the leader's
		 * tid, and the old leader vanished without an exit report
		 * (ptrace(2), "execve(2) under ptrace").  Its unfinished
		 * syscall ends here; the exec'ing thread's state moves over.
		 */
		old = thread_find(t, (pid_t)former);
		flush_unfinished(t, th);
		if (old) {
			sp_event_clear(&th->entry);
			/* The execve event keeps the tid of the thread that called it. */
			th->entry = old->entry;
			th->in_syscall = old->in_syscall;
			memset(&old->entry, 0, sizeof(old->entry));
			thread_remove(t, old);
		}
	}
	/* Other threads of the process were killed by the exec; wait4 reports them. */
	th->exec_former_tid = (pid_t)former != th->tid ? (pid_t)former : 0;
	sp_maps_forget(t->maps, th->pid);
	if (t->stack)
		sp_stack_forget(t->stack, th->pid);
	/*
	 * The exec event follows the execve syscall event, which is complete
	 * at its exit stop; entry-only tracing has no exit stop to wait for,
	 * and a thread followed by events alone was never seen entering it.
	 */
	if (t->opts->entry_only || (th->events_only && !th->in_syscall))
		deliver_exec_event(t, th);
	else
		th->exec_seen = true;
}

/*
 * PTRACE_EVENT_EXIT, the thread about to exit with its registers intact.
 * A thread followed by events alone (no syscall stops) that got here
 * through exit or exit_group is still in that call (orig_rax holds its
 * number; a thread another one's exit_group killed holds whatever it was
 * in): its entry is made now, from the registers, and delivered at the
 * thread's death like any call whose exit never comes.  Rules whose
 * trigger is exit_group then fire as when every call stops.
 */
static void on_exit_event(struct sp_tracer *t, struct thread *th)
{
	struct __ptrace_syscall_info si;
	struct user_regs_struct regs;
	uint64_t args[6];
	const char *name;
	long nr;

	if (!th->events_only || th->in_syscall || t->opts->entry_only)
		return;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(si), &si) <= 0 ||
	    ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return; /* ESRCH: it died under us */
	nr = (long)regs.orig_rax;
	name = sp_syscall_name(sp_abi_classify(si.arch, nr), nr);
	if (!name || (strcmp(name, "exit_group") != 0 && strcmp(name, "exit") != 0))
		return;
	if (sp_abi_classify(si.arch, nr) == SP_ABI_I386) {
		/* int 0x80: arguments in ebx, ecx, edx, esi, edi, ebp (32 bits each). */
		uint64_t a[6] = {(uint32_t)regs.rbx, (uint32_t)regs.rcx, (uint32_t)regs.rdx,
		                 (uint32_t)regs.rsi, (uint32_t)regs.rdi, (uint32_t)regs.rbp};

		memcpy(args, a, sizeof(args));
	} else {
		uint64_t a[6] = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};

		memcpy(args, a, sizeof(args));
	}
	si.instruction_pointer = regs.rip;
	fill_entry(t, th, &si, args, (uint64_t)nr);
	th->in_syscall = true;
}

static bool is_group_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* ---- exits ---- */

static void on_thread_gone(struct sp_tracer *t, struct thread *th, int status)
{
	struct sp_event ev;
	bool whole = th->tid == th->pid;

	flush_unfinished(t, th);
	base_event(t, th, SP_EV_EXIT, &ev);
	ev.whole_process = whole;
	if (WIFSIGNALED(status)) {
		ev.killed = true;
		ev.signo = WTERMSIG(status);
	} else {
		ev.status = WEXITSTATUS(status);
	}
	deliver(t, &ev);
	if (th->tid == t->leader) {
		t->leader_done = true;
		t->leader_status = ev.killed ? 128 + ev.signo : ev.status;
	}
	if (whole) {
		release_orphans(t, th->pid);
		sp_maps_forget(t->maps, th->pid);
		if (t->stack)
			sp_stack_forget(t->stack, th->pid);
	}
	thread_remove(t, th);
}

/* ---- restart, in one place ---- */

static void restart_thread(struct sp_tracer *t, struct thread *th, enum restart_how how, int sig)
{
	long rc = 0;

	switch (how) {
	case RESTART_RESUME:
		/* A call in progress keeps its exit stop, even for a thread followed by events. */
		rc = ptrace((t->opts->entry_only && !th->full_stops) ||
		                    (th->events_only && !th->in_syscall)
		                ? PTRACE_CONT
		                : PTRACE_SYSCALL,
		            th->tid, 0, (void *)(long)sig);
		break;
	case RESTART_LISTEN:
		rc = ptrace(PTRACE_LISTEN, th->tid, 0, 0);
		break;
	case RESTART_DETACH:
		rc = ptrace(PTRACE_DETACH, th->tid, 0, (void *)(long)sig);
		flush_unfinished(t, th);
		thread_remove(t, th);
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
		restart_thread(t, th, RESTART_DETACH, 0);
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
		on_new_task(t, th, event);
	/* A signal-delivery stop passes its signal on as we leave; other stops carry none. */
	restart_thread(t, th, RESTART_DETACH, event == 0 && sig != (SIGTRAP | 0x80) ? sig : 0);
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
		restart_thread(t, current, RESTART_DETACH, 0);
}

/* ---- dispatch ---- */

static void dispatch_stop(struct sp_tracer *t, pid_t tid, int status)
{
	struct thread *th = thread_find(t, tid);
	enum restart_how how = RESTART_RESUME;
	int sig = 0, event;

	if (!th)
		th = adopt_unannounced(t, tid);
	if (!th)
		return;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_thread_gone(t, th, status);
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
		on_syscall_stop(t, th);
		sig = 0;
	} else if (event) {
		switch (event) {
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			on_new_task(t, th, event);
			break;
		case PTRACE_EVENT_EXEC:
			on_exec_event(t, th);
			break;
		case PTRACE_EVENT_EXIT:
			on_exit_event(t, th);
			break;
		case PTRACE_EVENT_SECCOMP:
			on_syscall_stop(t, th);
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

		base_event(t, th, SP_EV_SIGNAL, &ev);
		ev.signo = sig;
		deliver(t, &ev);
	}

	if (th->vanished) {
		on_thread_gone(t, th, th->vanished_status);
		return;
	}
	if (t->detach_pid && t->detach_pid == th->pid) {
		pid_t pid = t->detach_pid;

		t->detach_pid = 0;
		detach_process(t, pid, th);
		return;
	}
	if (t->detach_tid && t->detach_tid == th->tid) {
		/* This thread alone: the others go on being followed, undisturbed. */
		t->detach_tid = 0;
		restart_thread(t, th, RESTART_DETACH, sig);
		return;
	}
	restart_thread(t, th, how, sig);
}

/* ---- launching ---- */

char *sp_tracer_resolve_program(const char *prog)
{
	const char *path_env = getenv("PATH");
	bool found_unexecutable = false;
	char *candidate = NULL;

	if (!prog || !*prog) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(prog, '/')) {
		if (access(prog, X_OK) == 0)
			return strdup(prog);
		return NULL; /* errno from access(): ENOENT or EACCES */
	}
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path_env;; p++) {
		const char *end = strchrnul(p, ':');
		int len = (int)(end - p);

		free(candidate);
		if (asprintf(&candidate, "%.*s%s%s", len, p, len ? "/" : "", prog) < 0)
			return NULL;
		if (access(candidate, X_OK) == 0)
			return candidate;
		if (errno == EACCES)
			found_unexecutable = true;
		if (!*end)
			break;
		p = end;
	}
	free(candidate);
	errno = found_unexecutable ? EACCES : ENOENT;
	return NULL;
}

/* In entry-only mode every syscall of every ABI must stop us once: trace all, allow nothing else.
 */
static int install_trace_everything_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(SP_TRACE_MARK));
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (rc == 0 || rc == -EEXIST)
		rc = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	if (rc == 0 || rc == -EEXIST)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(SP_TRACE_MARK));
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

static void __attribute__((noreturn))
run_child(const struct sp_tracer_opts *opts, const char *path, int err_fd)
{
	int err;

	/* The parent seizes us while we are stopped, so nothing here runs untraced after that. */
	raise(SIGSTOP);
	if (opts->entry_only) {
		err = install_trace_everything_filter();
		if (err < 0)
			goto fail;
	}
	if (opts->pre_exec) {
		err = opts->pre_exec(opts->ctx);
		if (err < 0)
			goto fail;
	}
	execv(path, opts->argv);
	err = -errno;
fail:
	/*
	 * Straight to exit_group: the first phase's filter is in force now,
	 * and _exit()'s wrappers (a sanitizer's runtime tears down its
	 * sigaltstack) may make calls the filter kills.
	 */
	if (write(err_fd, &err, sizeof(err)) < 0)
		syscall(SYS_exit_group, 127);
	syscall(SYS_exit_group, 127);
	__builtin_unreachable();
}

/*
 * TRACEEXIT: a thread followed by events alone shows its exit and
 * exit_group calls at the exit stop (on_exit_event), not at a syscall stop.
 */
static const int seize_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                                 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;

/*
 * Every syscall stop is read with PTRACE_GET_SYSCALL_INFO (Linux 5.3); an
 * older kernel answers EIO to it at every stop, and each syscall would be
 * dropped as if its thread had died.  Ask once, on a child of our own
 * stopped under PTRACE_TRACEME, before touching the program: a kernel
 * that knows the request fills in at least the header of the struct.
 */
static int probe_syscall_info(struct sp_diag *diag)
{
	struct __ptrace_syscall_info si;
	int status, err = 0;
	long got;
	pid_t child = fork();

	if (child < 0)
		return sp_diag_set(diag, errno, "fork: %s", strerror(errno));
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0)
			raise(SIGSTOP);
		_exit(127);
	}
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
		waitpid(child, &status, 0);
		return sp_diag_set(diag, EPERM,
		                   "cannot trace a child of sysphase (ptrace refused)");
	}
	got = ptrace(PTRACE_GET_SYSCALL_INFO, child, sizeof(si), &si);
	if (got <= 0)
		err = errno ? errno : EIO;
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	if (got <= 0)
		return sp_diag_set(
		    diag, err == EIO ? ENOSYS : err,
		    "the kernel has no PTRACE_GET_SYSCALL_INFO (Linux 5.3 or later is "
		    "needed): %s",
		    strerror(err));
	return 0;
}

static int launch(struct sp_tracer *t, struct sp_diag *diag, int *err_fd)
{
	const struct sp_tracer_opts *opts = t->opts;
	int pipefd[2], status;
	char *path;
	pid_t child;

	path = sp_tracer_resolve_program(opts->argv[0]);
	if (!path)
		return sp_diag_set(diag, errno, "cannot execute '%s': %s", opts->argv[0],
		                   strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(path);
		return sp_diag_set(diag, errno, "pipe: %s", strerror(errno));
	}
	child = fork();
	if (child < 0) {
		free(path);
		close(pipefd[0]);
		close(pipefd[1]);
		return sp_diag_set(diag, errno, "fork: %s", strerror(errno));
	}
	if (child == 0) {
		close(pipefd[0]);
		run_child(opts, path, pipefd[1]);
	}
	free(path);
	close(pipefd[1]);
	*err_fd = pipefd[0];

	if (waitpid(child, &status, WSTOPPED) < 0 || !WIFSTOPPED(status)) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return sp_diag_set(diag, ECHILD, "the child did not stop before exec");
	}
	if (ptrace(PTRACE_SEIZE, child, 0,
	           (void *)(long)(seize_options | PTRACE_O_EXITKILL |
	                          (opts->entry_only ? PTRACE_O_TRACESECCOMP : 0))) < 0) {
		int err = errno;

		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return sp_diag_set(diag, err, "cannot trace the child: %s", strerror(err));
	}
	t->leader = child;
	t->launched = true;
	if (!thread_add(t, child, child))
		return sp_diag_set(diag, ENOMEM, "out of memory");
	kill(child, SIGCONT);
	return 0;
}

/* ---- attaching ---- */

/*
 * Why PTRACE_SEIZE said EPERM, as far as /proc tells: a clause for the
 * message, in the caller's hint[n] (or a constant string).
 */
static const char *seize_refusal_hint(pid_t tid, int err, char *hint, size_t n)
{
	char path[64], line[256], exe[16];
	pid_t tracer = 0;
	FILE *f;

	if (err != EPERM)
		return "";
	snprintf(path, sizeof(path), "/proc/%d/exe", tid);
	if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT)
		return " (a kernel thread)";
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	if (f)
		fclose(f);
	if (tracer > 0) {
		snprintf(hint, n, " (already traced by process %d)", tracer);
		return hint;
	}
	return geteuid() == 0 ? " (refused by the kernel's ptrace policy)"
	                      : " (needs root or CAP_SYS_PTRACE)";
}

static int seize_all_threads(struct sp_tracer *t, pid_t pid, struct sp_diag *diag)
{
	char dirpath[64];
	bool added;

	snprintf(dirpath, sizeof(dirpath), "/proc/%d/task", pid);
	/* Threads created while we attach show up on the next pass; stop when a pass adds none. */
	do {
		DIR *dir = opendir(dirpath);
		struct dirent *de;

		if (!dir)
			return sp_diag_set(diag, errno == ENOENT ? ESRCH : errno,
			                   "cannot attach to %d: %s", pid,
			                   strerror(errno == ENOENT ? ESRCH : errno));
		added = false;
		while ((de = readdir(dir))) {
			pid_t tid = (pid_t)atoi(de->d_name);

			if (tid <= 0 || thread_find(t, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)seize_options) < 0) {
				int err = errno;
				char hint[96];

				if (err == ESRCH && tid != pid)
					continue; /* a thread that just exited */
				closedir(dir);
				return sp_diag_set(
				    diag, err, "cannot attach to %d: %s%s", pid, strerror(err),
				    seize_refusal_hint(tid, err, hint, sizeof(hint)));
			}
			if (!thread_add(t, tid, pid)) {
				closedir(dir);
				return sp_diag_set(diag, ENOMEM, "out of memory");
			}
			/* PTRACE_SYSCALL needs a ptrace-stop to act on. */
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			added = true;
		}
		closedir(dir);
	} while (added);
	return 0;
}

static int attach(struct sp_tracer *t, struct sp_diag *diag)
{
	pid_t pid = t->opts->attach_pid;
	int rc;

	if (pid <= 0 || kill(pid, 0) < 0)
		return sp_diag_set(diag, ESRCH, "cannot attach to %d: %s", pid, strerror(ESRCH));
	if (read_tgid(pid) != pid)
		return sp_diag_set(diag, ESRCH, "cannot attach to %d: not a process id", pid);
	rc = seize_all_threads(t, pid, diag);
	if (rc < 0)
		return rc; /* the threads seized so far are let go on the way out */
	t->leader = pid;
	t->recording = true;
	return 0;
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
				flush_unfinished(t, th);
				thread_remove(t, th);
			} else {
				begin_detach(t, th);
			}
		}
	}
}

/* The scheduler state of tid ('R', 'S', 'D', 't'...) from /proc, '?' when unknown. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so look after its last ')'. */
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
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
			if (!th->detaching || task_state(th->pid, th->tid) != 'D')
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
			dispatch_stop(t, tid, status);
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

	/* EXITKILL and SIGKILL do the killing; collect every zombie so none outlives us. */
	while (waitpid(-1, &status, __WALL) > 0 || errno == EINTR)
		;
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
		pid_t got = waitpid(t->leader, &status, 0);

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
	struct sp_tracer t = {.opts = opts};
	int rc, err_fd = -1, status;

	memset(res, 0, sizeof(*res));
	stop_signal = 0;
	rc = probe_syscall_info(diag);
	if (rc < 0)
		return rc;
	t.dctx.strsize = opts->strsize ? opts->strsize : 256;
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

	rc = opts->argv ? launch(&t, diag, &err_fd) : attach(&t, diag);
	if (rc < 0)
		goto out;

	while (t.nthreads > 0) {
		pid_t tid;

		if (stop_signal && t.launched) {
			/* Like a shell: the program decides what SIGINT means to it. */
			kill(t.leader, stop_signal);
			stop_signal = 0;
			res->interrupted = true;
		}
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
		dispatch_stop(&t, tid, status);
	}

	if (err_fd >= 0) {
		int child_err = 0;

		/* The child writes only when execve (or pre_exec) failed. */
		if (read(err_fd, &child_err, sizeof(child_err)) == (ssize_t)sizeof(child_err) &&
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
	tracer->detach_tid = tid;
}

int sp_tracer_set_events_only(struct sp_tracer *tracer, pid_t tid, bool on)
{
	struct thread *th = thread_find(tracer, tid);

	if (!th)
		return -ESRCH;
	th->events_only = on;
	return 0;
}

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
		state = task_state(th->pid, th->tid);
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
		if (errno == ESRCH && task_state(pid, tid) != 'R' && task_state(pid, tid) != 'S')
			return 0; /* exited meanwhile */
		/*
		 * Not our tracee: a thread `run` let go (phases are per thread),
		 * or one it made since (run's filters deny CLONE_UNTRACED, so
		 * nothing else makes one).  It can write the program's memory
		 * too: seize it for the hand-over, and let it go again at its
		 * next stop.
		 */
		if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)seize_options) < 0 ||
		    ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
			if (errno == ESRCH && task_state(pid, tid) != 'R' &&
			    task_state(pid, tid) != 'S')
				return 0;
			return sp_diag_set(why, EPERM, "thread %d is not traced and cannot be: %s",
			                   tid, strerror(errno));
		}
		borrowed = true;
	}
	th = adopt_unannounced(t, tid);
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
static int quiesce_process(struct sp_tracer *t, struct thread *self, struct sp_diag *why)
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

			if (tid <= 0 || thread_find(t, tid))
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
	struct thread *th = thread_find(tracer, tid);
	long before;
	int rc;

	if (!th)
		return sp_diag_set(why, ESRCH, "thread %d is not traced", tid);
	if (!sp_inject_ready(tid))
		return -ENOTSUP;
	rc = quiesce_process(tracer, th, why);
	if (rc < 0)
		return rc;
	/*
	 * The kernel's count is the witness: the injected call's result is
	 * not, since a filter of the program's own can answer seccomp() with
	 * ERRNO|0 (a fake success), and with TSYNC every thread ends up with
	 * the caller's filters plus the new one.
	 */
	before = sp_seccomp_filter_count(th->pid, tid);
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

void sp_tracer_kill_process(struct sp_tracer *tracer, pid_t pid)
{
	(void)tracer;
	kill(pid, SIGKILL);
}
