/* SPDX-License-Identifier: MIT */
/*
 * Getting tracees: launching a program seized before its execve
 * (attaching to a running process is attach.c's).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"

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

/*
 * Every syscall stop is read with PTRACE_GET_SYSCALL_INFO (Linux 5.3); an
 * older kernel answers EIO to it at every stop, and each syscall would be
 * dropped as if its thread had died.  Ask once, on a child of our own
 * stopped under PTRACE_TRACEME, before touching the program: a kernel
 * that knows the request fills in at least the header of the struct.
 */
int tr_probe_syscall_info(struct sp_diag *diag)
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

int tr_launch(struct sp_tracer *t, struct sp_diag *diag, int *err_fd)
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
	           (void *)(long)(SP_SEIZE_OPTIONS | PTRACE_O_EXITKILL |
	                          (opts->entry_only ? PTRACE_O_TRACESECCOMP : 0))) < 0) {
		int err = errno;

		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return sp_diag_set(diag, err, "cannot trace the child: %s", strerror(err));
	}
	t->leader = child;
	t->launched = true;
	if (!tr_thread_add(t, child, child))
		return sp_diag_set(diag, ENOMEM, "out of memory");
	kill(child, SIGCONT);
	return 0;
}

/* ---- what the kernel lets us verify ---- */

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

bool sp_tracer_can_read_filters(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	int status;
	long n;
	pid_t child = fork();

	if (child < 0)
		return false;
	if (child == 0) {
		/* A filter to read back, on a child stopped under us. */
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 &&
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
			raise(SIGSTOP);
		syscall(SYS_exit_group, 127);
	}
	if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
		waitpid(child, &status, 0);
		return false;
	}
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, child, 0, NULL);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return n == 1;
}
