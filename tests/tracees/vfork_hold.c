/* SPDX-License-Identifier: MIT */
/*
 * Tracee for attach tests: a parent held inside vfork.  It prints its pid
 * and reads one byte from stdin; then it makes a child with
 * CLONE_VM | CLONE_VFORK (on a stack of its own), which reads one more
 * byte from stdin before it execs /bin/true.  Until that byte comes, the
 * parent sleeps in the kernel waiting for the child's exec, where no
 * signal but SIGKILL wakes it and a tracer cannot make it stop.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

extern char **environ;

static int child(void *arg)
{
	char *argv[] = {"true", NULL};
	char c;

	(void)arg;
	if (read(0, &c, 1) != 1)
		_exit(126);
	execve("/bin/true", argv, environ);
	_exit(127);
}

int main(void)
{
	int status;
	char *stack;
	char c;
	pid_t pid;

	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		perror("vfork_hold: mmap");
		return 1;
	}
	printf("vfork_hold: pid %d, send one byte to vfork, one more to let the child exec\n",
	       getpid());
	fflush(stdout);
	if (read(0, &c, 1) != 1) {
		fprintf(stderr, "vfork_hold: no byte on stdin\n");
		return 1;
	}
	pid = clone(child, stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0) {
		perror("vfork_hold: clone");
		return 1;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("vfork_hold: child failed (status 0x%x)\n", status);
		return 1;
	}
	printf("vfork_hold: child exec'd /bin/true and exited 0\n");
	return 0;
}
