/* SPDX-License-Identifier: MIT */
/*
 * Tracee: a raw clone3 syscall (no glibc wrapper) creating a child
 * process; the child makes a syscall and exits 5, the parent checks.
 */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Under a tracer, SIGCHLD is delivered although its default action is to
 * ignore it, and it lands wherever this process happens to be when the
 * child ends: before or inside waitpid.  Blocked, it is never delivered,
 * so the recorded sequence does not depend on scheduling; waitpid works
 * the same.
 */
static int block_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

int main(void)
{
	struct clone_args args;
	int status;
	long child;

	if (block_sigchld() != 0) {
		perror("clone3: sigprocmask");
		return 1;
	}
	printf("clone3: expect a clone3 child to exit 5\n");
	fflush(stdout);
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	child = syscall(SYS_clone3, &args, sizeof(args));
	if (child < 0) {
		perror("clone3: clone3");
		return 1;
	}
	if (child == 0) {
		/* Raw syscalls only: glibc did not see this child being made. */
		syscall(SYS_getppid);
		syscall(SYS_exit_group, 5);
	}
	if (waitpid((pid_t)child, &status, 0) != child) {
		perror("clone3: waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 5) {
		printf("clone3: child ended with status 0x%x, not exit 5\n", status);
		return 1;
	}
	printf("clone3: child exited 5 as expected\n");
	return 0;
}
