/* SPDX-License-Identifier: MIT */
/*
 * What each stop means: syscall entry and exit stops, seccomp stops,
 * process events (fork, clone, exec, exit), each turned into the
 * struct sp_event values the callback gets.  Nothing here restarts a
 * tracee except a new task held for its creator's event (tr_restart_thread).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"

static double now_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- delivering events ---- */

void tr_deliver(struct sp_tracer *t, struct sp_event *ev)
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

void tr_base_event(struct sp_tracer *t, struct thread *th, enum sp_event_type type,
                   struct sp_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->tid = th->tid;
	ev->pid = th->pid;
	ev->ts = now_since(&t->t0);
}

/* A syscall whose exit will never be seen (the thread died in it, or exec replaced it). */
void tr_flush_unfinished(struct sp_tracer *t, struct thread *th)
{
	if (!th->in_syscall)
		return;
	th->in_syscall = false;
	th->entry_from_seccomp = false;
	th->entry.has_exit = false;
	tr_deliver(t, &th->entry);
	sp_event_clear(&th->entry);
}

/* ---- syscall stops ---- */

static void fill_entry(struct sp_tracer *t, struct thread *th,
                       const struct __ptrace_syscall_info *si, const uint64_t *args, uint64_t nr)
{
	struct sp_event *ev = &th->entry;

	tr_base_event(t, th, SP_EV_SYSCALL, ev);
	ev->nr = (long)nr;
	ev->abi = sp_abi_classify(si->arch, ev->nr);
	ev->name = sp_syscall_name(ev->abi, ev->nr);
	memcpy(ev->args, args, sizeof(ev->args));
	ev->site = sp_maps_module(t->maps, th->pid, si->instruction_pointer);
	th->entry_decoded = ev->abi == SP_ABI_X86_64 && ev->name &&
	                    (!t->opts->want_decode || t->opts->want_decode(t->opts->ctx, ev));
	if (th->entry_decoded) {
		t->dctx.tid = th->tid;
		t->dctx.pid = th->pid;
		ev->dec = sp_decode_entry(&t->dctx, ev->name, ev->args);
	}
	if (t->stack && (!t->opts->want_stack || t->opts->want_stack(t->opts->ctx, ev)))
		ev->stack = sp_stack_capture_at(t->stack, th->pid, th->tid, si->instruction_pointer,
		                                si->stack_pointer);
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
	if (!t->recording && th->tid == t->leader && is_exec_name(name)) {
		t->recording = true;
		/*
		 * Every filter the program starts with is in place now: the
		 * initial phase's (pre_exec), and sysphase's own, which are not
		 * ours to vouch for (they may answer TRACE).
		 */
		th->known_filters =
		    t->own_filters == 0 ? sp_proc_seccomp_filters(th->pid, th->tid) : -1;
	}
}

/*
 * seccomp(SECCOMP_SET_MODE_FILTER) or prctl(PR_SET_SECCOMP,
 * SECCOMP_MODE_FILTER), of any ABI: i386's numbers differ, so the call
 * is named for its own.
 */
static bool installs_filter(enum sp_abi abi, long nr, const uint64_t *args)
{
	const char *name = sp_syscall_name(abi, nr);

	if (!name || (abi != SP_ABI_X86_64 && abi != SP_ABI_I386))
		return false;
	if (strcmp(name, "seccomp") == 0)
		return args[0] == SECCOMP_SET_MODE_FILTER;
	return strcmp(name, "prctl") == 0 && args[0] == PR_SET_SECCOMP &&
	       args[1] == SECCOMP_MODE_FILTER;
}

/*
 * A filter of the program's own can fail or kill a call before our
 * RET_TRACE stops it (ERRNO and KILL outrank TRACE): a thread of its
 * process is followed with syscall stops from then on, where every call
 * shows.  Its threads and children inherit that (tr_on_new_task).
 */
static void follow_with_syscall_stops(struct sp_tracer *t, pid_t pid)
{
	for (unsigned b = 0; b < THREAD_BUCKETS; b++)
		for (struct thread *th = t->buckets[b]; th; th = th->next)
			if (th->pid == pid)
				th->full_stops = true;
}

/*
 * Whether a call may make a task (one that could share the caller's
 * memory): the creation calls of every ABI by name, and any call without
 * a name, which sysphase cannot judge.
 */
static bool may_create_task(const char *name)
{
	return !name || strcmp(name, "clone") == 0 || strcmp(name, "clone3") == 0 ||
	       strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0;
}

static void on_syscall_entry(struct sp_tracer *t, struct thread *th,
                             const struct __ptrace_syscall_info *si)
{
	if (th->in_syscall && th->entry_from_seccomp && th->entry.nr == (long)si->entry.nr) {
		th->entry_from_seccomp = false; /* the same call, seen at its seccomp stop */
		return;
	}
	tr_flush_unfinished(t, th);
	start_recording_at(t, th, si->arch, si->entry.nr);
	fill_entry(t, th, si, si->entry.args, si->entry.nr);
	th->in_syscall = true;
	/* Seen before the kernel runs it, even a CLONE_UNTRACED one that no event would show. */
	if (may_create_task(th->entry.name))
		th->sole_mm = false;
	/* Before its execve the launched child runs sysphase's code: the initial filter. */
	if (t->recording && installs_filter(th->entry.abi, th->entry.nr, th->entry.args))
		follow_with_syscall_stops(t, th->pid);
}

static void deliver_exec_event(struct sp_tracer *t, struct thread *th)
{
	struct sp_event ev;
	char path[64], exe[4096];
	ssize_t n;

	tr_base_event(t, th, SP_EV_EXEC, &ev);
	snprintf(path, sizeof(path), "/proc/%d/exe", th->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	ev.path = exe;
	ev.former_tid = th->exec_former_tid;
	tr_deliver(t, &ev);
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
	       sp_proc_seccomp_mode(th->pid, th->tid) == 3 /* SECCOMP_MODE_DEAD */;
}

/* The entry of a killed call, delivered as the call the thread died in. */
static void flush_unfinished_killed(struct sp_tracer *t, struct thread *th)
{
	th->entry.has_exit = false;
	th->entry.killed = true;
	tr_deliver(t, &th->entry);
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
	if (ev->abi == SP_ABI_X86_64 && ev->name && !th->entry_decoded && t->opts->want_decode &&
	    t->opts->want_decode(t->opts->ctx, ev)) {
		/* Not wanted at its entry, wanted now that it failed: read from memory as it is. */
		t->dctx.tid = th->tid;
		t->dctx.pid = th->pid;
		ev->dec = sp_decode_entry(&t->dctx, ev->name, ev->args);
		th->entry_decoded = true;
	}
	if (th->entry_decoded) {
		t->dctx.tid = th->tid;
		t->dctx.pid = th->pid;
		ev->dec = sp_decode_exit(&t->dctx, ev->name, ev->args, ev->ret, ev->dec);
	}
	tr_deliver(t, ev);
	sp_event_clear(ev);
	if (th->exec_seen) {
		th->exec_seen = false;
		deliver_exec_event(t, th);
	}
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

/*
 * SECCOMP_RET_TRACE stop.  In entry-only mode (record --no-exit) the
 * entry is all there will be.  Otherwise (run's trigger filters) the call
 * is run to its exit stop (in_syscall: the restart is PTRACE_SYSCALL) and
 * delivered whole, as with syscall stops; a thread followed by events
 * alone has none of its calls delivered and is let on.
 */
static void on_seccomp_stop(struct sp_tracer *t, struct thread *th,
                            const struct __ptrace_syscall_info *si)
{
	bool failed = fail_foreign_trace(th, si);
	enum sp_abi abi = sp_abi_classify(si->arch, (long)si->seccomp.nr);

	/* Followed with syscall stops: its syscall-entry stop came first and recorded it. */
	if (th->in_syscall && !th->entry_from_seccomp && th->entry.nr == (long)si->seccomp.nr)
		return;
	if ((t->recording || t->opts->entry_only) &&
	    installs_filter(abi, (long)si->seccomp.nr, si->seccomp.args))
		follow_with_syscall_stops(t, th->pid);
	if (!t->opts->entry_only && th->events_only && !th->full_stops)
		return;
	start_recording_at(t, th, si->arch, si->seccomp.nr);
	tr_flush_unfinished(t, th);
	fill_entry(t, th, si, si->seccomp.args, si->seccomp.nr);
	if (th->full_stops || !t->opts->entry_only) {
		/* Resumed with PTRACE_SYSCALL: the exit stop (or a late entry stop) follows. */
		th->in_syscall = true;
		th->entry_from_seccomp = true;
		return;
	}
	/* Failed for the program's own TRACE, the call's end is known already. */
	th->entry.has_exit = failed;
	th->entry.ret = failed ? -ENOSYS : 0;
	th->entry.err = failed ? ENOSYS : 0;
	tr_deliver(t, &th->entry);
	sp_event_clear(&th->entry);
}

void tr_on_syscall_stop(struct sp_tracer *t, struct thread *th)
{
	struct __ptrace_syscall_info si;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(si), &si) < 0)
		return; /* ESRCH: it died under us; wait4 reports it */
	switch (si.op) {
	case PTRACE_SYSCALL_INFO_ENTRY:
		/* An attached runtime's init about to exec the program: its first filter
		 * (attach.c). */
		if (!th->req.insns)
			tr_arm_start_filter(t, th, &si);
		/* A filter is due: the call is re-issued under it, and its entry comes again. */
		if (th->req.insns) {
			tr_flush_unfinished(t, th);
			tr_hand_over(t, th, &si);
			break;
		}
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
struct thread *tr_adopt_unannounced(struct sp_tracer *t, pid_t tid)
{
	struct thread *th;
	pid_t tgid, ppid;

	if (sp_proc_ids(tid, &tgid, &ppid) < 0)
		tgid = ppid = tid;
	th = tr_thread_add(t, tid, tgid > 0 ? tgid : tid);
	if (th) {
		th->awaiting_birth = true;
		th->ppid = ppid;
	}
	return th;
}

/* Whether tid is a thread of process pid (/proc/PID/task/TID exists). */
static bool task_of(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

/*
 * Whether child's memory is its own (thread.sole_mm), asked of the kernel
 * while parent sits in its fork/clone event stop: copy_mm() gives a task
 * made without CLONE_VM a new mm, and one made with it its creator's, so
 * an mm other than parent's is new and child is its only user (child has
 * run no instruction of its own yet: a seized child's first stop comes
 * first).  Parent, stopped inside the call, cannot have exec'd meanwhile.
 * A refused or failed kcmp() counts as sharing: the full holding.
 */
static void note_memory(struct thread *parent, struct thread *child)
{
	long r = syscall(SYS_kcmp, parent->tid, child->tid, KCMP_VM, 0, 0);
	bool apart = (r == 1 || r == 2) && child->pid != parent->pid;

	child->sole_mm = apart;
	if (!apart)
		parent->sole_mm = false;
}

void tr_on_new_task(struct sp_tracer *t, struct thread *parent, int event)
{
	unsigned long msg = 0;
	struct thread *child;
	struct sp_event ev;
	const char *via;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) < 0)
		return;
	child = tr_thread_find(t, (pid_t)msg);
	if (!child) {
		/*
		 * Not from the event kind: CLONE_THREAD | CLONE_VFORK makes a
		 * thread yet reports VFORK, and CLONE_THREAD with SIGCHLD reports
		 * FORK.  A thread of the creator's process is found under its
		 * task directory (proc_task_lookup() checks the thread group),
		 * anything else is a process of its own: one lookup per fork, not
		 * a status file.
		 */
		pid_t pid = task_of(parent->pid, (pid_t)msg) ? parent->pid : (pid_t)msg;

		child = tr_thread_add(t, (pid_t)msg, pid);
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
	note_memory(parent, child);
	/* Seccomp filters are inherited by threads and children alike. */
	child->full_stops = parent->full_stops;
	child->holds_trace = parent->holds_trace;
	child->known_filters = parent->known_filters;
	tr_base_event(t, parent, child->pid == parent->pid ? SP_EV_CLONE : SP_EV_FORK, &ev);
	ev.child = child->tid;
	ev.via = via;
	tr_deliver(t, &ev);
	child->awaiting_birth = false;
	if (child->held) {
		child->held = false;
		tr_restart_thread(t, child, RESTART_RESUME, 0);
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
				tr_restart_thread(t, th, RESTART_RESUME, 0);
			}
}

void tr_on_exec_event(struct sp_tracer *t, struct thread *th)
{
	unsigned long former = (unsigned long)th->tid;
	struct thread *old;

	tr_start_at_exec(t, th);
	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &former);
	if ((pid_t)former != th->tid) {
		/*
		 * A non-leader thread exec'd: the kernel gave it the leader's
		 * tid, and the old leader vanished without an exit report
		 * (ptrace(2), "execve(2) under ptrace").  Its unfinished
		 * syscall ends here; the exec'ing thread's state moves over.
		 */
		old = tr_thread_find(t, (pid_t)former);
		tr_flush_unfinished(t, th);
		if (old) {
			void *data = th->data;

			sp_event_clear(&th->entry);
			/* The execve event keeps the tid of the thread that called it. */
			th->entry = old->entry;
			th->entry_decoded = old->entry_decoded;
			th->in_syscall = old->in_syscall;
			th->entry_from_seccomp = old->entry_from_seccomp;
			memset(&old->entry, 0, sizeof(old->entry));
			/* Its filters, and how it must be followed for them, go with it too. */
			th->full_stops = old->full_stops;
			th->holds_trace = old->holds_trace;
			th->known_filters = old->known_filters;
			th->trigger_only = old->trigger_only;
			th->events_only = old->events_only;
			/* The caller's record goes with it; the vanished leader's is let go. */
			th->data = old->data;
			old->data = data;
			tr_thread_remove(t, old);
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
	if (t->opts->entry_only || (tr_no_syscall_stops(th) && !th->in_syscall))
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
 * trigger is exit_group then fire as when every call stops.  So is the
 * call a filter killed it in (delivered as killed), which names the
 * denial where no audit record can.
 */
void tr_on_exit_event(struct sp_tracer *t, struct thread *th)
{
	struct __ptrace_syscall_info si;
	struct user_regs_struct regs;
	uint64_t args[6];
	const char *name;
	bool dead;
	long nr;

	if (!tr_no_syscall_stops(th) || th->in_syscall || t->opts->entry_only)
		return;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, sizeof(si), &si) <= 0 ||
	    ptrace(PTRACE_GETREGS, th->tid, 0, &regs) < 0)
		return; /* ESRCH: it died under us */
	nr = (long)regs.orig_rax;
	name = sp_syscall_name(sp_abi_classify(si.arch, nr), nr);
	/*
	 * SECCOMP_MODE_DEAD: a filter killed it in this call, and
	 * syscall_rollback left the call's registers for the core dump.
	 * Where no audit record can name it (a container), this does.
	 */
	dead = sp_proc_seccomp_mode(th->pid, th->tid) == 3;
	if (!dead && (!name || (strcmp(name, "exit_group") != 0 && strcmp(name, "exit") != 0)))
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
	th->entry.killed = dead;
	th->in_syscall = true;
}

/* ---- exits ---- */

void tr_on_thread_gone(struct sp_tracer *t, struct thread *th, int status)
{
	struct sp_event ev;
	bool whole = th->tid == th->pid;

	tr_flush_unfinished(t, th);
	tr_base_event(t, th, SP_EV_EXIT, &ev);
	ev.whole_process = whole;
	if (WIFSIGNALED(status)) {
		ev.killed = true;
		ev.signo = WTERMSIG(status);
	} else {
		ev.status = WEXITSTATUS(status);
	}
	tr_deliver(t, &ev);
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
	tr_thread_remove(t, th);
}
