/* SPDX-License-Identifier: MIT */
/* Tracee: fork; the child makes a few syscalls and exits 3; the parent waits and checks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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
	int status;
	pid_t child;

	if (block_sigchld() != 0) {
		perror("fork_wait: sigprocmask");
		return 1;
	}
	/* Flush now, or the child would write the parent's buffer again. */
	printf("fork_wait: expect child exit status 3\n");
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork_wait: fork");
		return 1;
	}
	if (child == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0 || getppid() <= 0 || write(fd, "child", 5) != 5)
			_exit(1);
		close(fd);
		_exit(3);
	}
	if (waitpid(child, &status, 0) != child) {
		perror("fork_wait: waitpid");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3) {
		printf("fork_wait: child ended with status 0x%x, not exit 3\n", status);
		return 1;
	}
	printf("fork_wait: child exited 3 as expected\n");
	return 0;
}
