/* SPDX-License-Identifier: MIT */
/* Tracee: vfork, the child execs /bin/true, the parent waits for it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
	char *argv[] = {"true", NULL};
	int status;
	pid_t child;

	if (block_sigchld() != 0) {
		perror("vfork_exec: sigprocmask");
		return 1;
	}
	printf("vfork_exec: expect /bin/true to exit 0\n");
	fflush(stdout);
	child = vfork();
	if (child < 0) {
		perror("vfork_exec: vfork");
		return 1;
	}
	if (child == 0) {
		/* Only execve or _exit are allowed in a vfork child. */
		execve("/bin/true", argv, environ);
		_exit(127);
	}
	if (waitpid(child, &status, 0) != child) {
		perror("vfork_exec: waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("vfork_exec: child ended with status 0x%x\n", status);
		return 1;
	}
	printf("vfork_exec: /bin/true exited 0\n");
	return 0;
}
