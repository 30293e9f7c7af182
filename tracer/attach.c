/* SPDX-License-Identifier: MIT */
/*
 * Attaching to a running process: every thread of it seized, as
 * record -p does, or (opts->start_filter) a process that has not exec'd
 * its program yet, a container runtime's init waiting to exec the
 * entrypoint, which gets the program's first filter at that execve.
 *
 * The runtime's init is no program of ours: nothing of it is delivered,
 * and it runs on (syscall stops, nothing else) until a thread of it
 * enters execve.  There, before the kernel has judged the call, the
 * thread sets no_new_privs where the runtime did not (seccomp(2): a
 * filter needs it without CAP_SYS_ADMIN, and it keeps a set-user-ID
 * entrypoint from escaping the filter), and gets the filter through the
 * hand-over every phase uses (install.c: every sharer of the memory held,
 * the kernel's filter count and the program read back as witnesses);
 * the execve is then made again, under the filter.  An exec the tracer
 * did not see enter (it was attached in the middle of one) kills the
 * process at its exec stop, before the program's first instruction.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ptrace.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"

/*
 * Why PTRACE_SEIZE said EPERM, as far as /proc tells: a clause for the
 * message, in the caller's hint[n] (or a constant string).
 */
static const char *seize_refusal_hint(pid_t tid, int err, char *hint, size_t n)
{
	char path[64], exe[16];
	struct sp_proc_task_status st;

	if (err != EPERM)
		return "";
	snprintf(path, sizeof(path), "/proc/%d/exe", tid);
	if (readlink(path, exe, sizeof(exe)) < 0 && errno == ENOENT)
		return " (a kernel thread)";
	if (sp_proc_task_status(tid, 0, &st) == 0 && st.tracer > 0) {
		snprintf(hint, n, " (already traced by process %d)", st.tracer);
		return hint;
	}
	return geteuid() == 0 ? " (refused by the kernel's ptrace policy)"
	                      : " (needs root or CAP_SYS_PTRACE)";
}

/*
 * Whether thread tid of pid has exited: PTRACE_SEIZE refuses such a task
 * with EPERM (ptrace_attach(): exit_state set), and it runs nothing any
 * more (exit_state never clears).
 */
static bool exited(pid_t pid, pid_t tid)
{
	struct sp_proc_task_status st;
	int rc = sp_proc_task_status(pid, tid, &st);

	return rc == -ESRCH || (rc == 0 && (st.state == 'Z' || st.state == 'X'));
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

			if (tid <= 0 || tr_thread_find(t, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)SP_SEIZE_OPTIONS) < 0) {
				int err = errno;
				char hint[96];

				if ((err == ESRCH || (err == EPERM && exited(pid, tid))) &&
				    tid != pid)
					continue; /* a thread that just exited */
				closedir(dir);
				return sp_diag_set(
				    diag, err, "cannot attach to %d: %s%s", pid, strerror(err),
				    seize_refusal_hint(tid, err, hint, sizeof(hint)));
			}
			if (!tr_thread_add(t, tid, pid)) {
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

int tr_attach(struct sp_tracer *t, struct sp_diag *diag)
{
	pid_t pid = t->opts->attach_pid;
	int rc;

	if (pid <= 0 || kill(pid, 0) < 0)
		return sp_diag_set(diag, ESRCH, "cannot attach to %d: %s", pid, strerror(ESRCH));
	if (sp_proc_tgid(pid) != pid)
		return sp_diag_set(diag, ESRCH, "cannot attach to %d: not a process id", pid);
	rc = seize_all_threads(t, pid, diag);
	if (rc < 0)
		return rc; /* the threads seized so far are let go on the way out */
	t->leader = pid;
	/* A runtime's init is not the program: its life starts at its exec (tr_start_at_exec). */
	t->recording = !t->opts->start_filter;
	if (t->opts->on_attached)
		t->opts->on_attached(t->opts->ctx);
	return 0;
}

static bool is_exec_call(const struct __ptrace_syscall_info *si)
{
	const char *name =
	    sp_syscall_name(sp_abi_classify(si->arch, (long)si->entry.nr), (long)si->entry.nr);

	return name && (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0);
}

/*
 * The start filter cannot go in: the process dies before it execs (unless
 * it is dying already: tr_handover_outcome), and the caller is told.
 */
static void start_failed(struct sp_tracer *t, const struct thread *th, int rc,
                         const struct sp_diag *why)
{
	rc = tr_handover_outcome(th, rc);
	if (!tr_handover_harmless(rc))
		kill(th->pid, SIGKILL);
	if (t->opts->on_handover)
		t->opts->on_handover(t->opts->ctx, t, th->tid, t->opts->start_filter->tag, rc,
		                     why->msg);
}

/* no_new_privs on th, unless /proc shows it set; verified by /proc afterwards. */
static int set_no_new_privs(struct thread *th, struct sp_diag *why)
{
	struct sp_landlock_outcome out;
	long nnp = sp_proc_status_field(th->pid, th->tid, "NoNewPrivs:");
	int rc;

	if (nnp == 1)
		return 0;
	if (nnp < 0)
		return sp_diag_set(why, (int)-nnp, "cannot read thread %d's NoNewPrivs: %s",
		                   th->tid, strerror((int)-nnp));
	rc = sp_inject_no_new_privs(th->tid, &out, why);
	if (out.gone) {
		/* The loop reports its death once this stop is handled. */
		th->vanished = true;
		th->vanished_status = out.gone_status;
	}
	if (rc < 0)
		return rc;
	/* The injected call's result could be a filter's fake: the kernel's word is /proc. */
	nnp = sp_proc_status_field(th->pid, th->tid, "NoNewPrivs:");
	if (nnp != 1)
		return sp_diag_set(
		    why, EPERM, "thread %d still has no no_new_privs after prctl() said it set it",
		    th->tid);
	return 0;
}

void tr_arm_start_filter(struct sp_tracer *t, struct thread *th,
                         const struct __ptrace_syscall_info *si)
{
	struct sp_diag why = {{0}};
	int rc;

	if (!t->opts->start_filter || t->recording || th->start_armed || th->pid != t->leader ||
	    !is_exec_call(si))
		return;
	/* Once: the re-issued execve comes back to this stop with the filter in place. */
	th->start_armed = true;
	rc = set_no_new_privs(th, &why);
	if (rc == 0)
		rc = sp_tracer_install_filter(t, th->tid, t->opts->start_filter);
	if (rc < 0 && !why.msg[0])
		sp_diag_set(&why, -rc, "cannot ask for the filter: %s", strerror(-rc));
	if (rc < 0)
		start_failed(t, th, rc, &why);
}

void tr_start_at_exec(struct sp_tracer *t, const struct thread *th)
{
	unsigned long former = (unsigned long)th->tid;
	const struct thread *caller;
	struct sp_diag why = {{0}};

	if (!t->opts->start_filter || t->recording || th->pid != t->leader)
		return;
	/* The exec'ing thread, which may not be the leader (ptrace(2), "execve(2) under ptrace").
	 */
	ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &former);
	caller = tr_thread_find(t, (pid_t)former);
	if (!caller)
		caller = th;
	if (!caller->start_armed) {
		/*
		 * Its execve was under way when we attached: the program is
		 * loaded without its filter.  It has not run an instruction yet.
		 */
		int rc = sp_diag_set(
		    &why, EPERM,
		    "process %d exec'd its program before sysphase saw the execve begin "
		    "(attached during it): killed before its first instruction",
		    th->pid);
		start_failed(t, th, rc, &why);
		return;
	}
	t->recording = true;
}
