/* SPDX-License-Identifier: MIT */
/* Tracee: fork; the child makes a few syscalls and exits 3; the parent waits and checks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int status;
	pid_t child;

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
