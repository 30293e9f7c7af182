/* SPDX-License-Identifier: MIT */
/*
 * Tracee: a non-leader thread calls execve of this very program with
 * "--after"; the re-executed program says so and exits 0.
 *
 * The thread is created with CLONE_THREAD | CLONE_VFORK so that the
 * leader is blocked inside clone() until the exec, and is killed there by
 * the exec (de_thread).  With pthread_create the leader would race the
 * exec and be killed before or inside whatever it calls next, and its
 * syscall sequence would differ from run to run.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STACK_SIZE (256 * 1024)

extern char **environ;

static int exec_self(void *arg)
{
	char *argv[] = {(char *)arg, "--after", NULL};

	/* A syscall of its own first, so the thread has a visible history. */
	syscall(SYS_gettid);
	execve("/proc/self/exe", argv, environ);
	/* Only reached if execve failed: end the whole process with an error. */
	syscall(SYS_exit_group, 2);
	return 2;
}

int main(int argc, char **argv)
{
	const int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                  CLONE_SYSVSEM | CLONE_VFORK;
	char *stack;

	if (argc > 1 && strcmp(argv[1], "--after") == 0) {
		printf("exec_thread: re-executed from a non-leader thread, pid %d\n", getpid());
		return 0;
	}
	printf("exec_thread: expect a non-leader thread to exec this program again\n");
	fflush(stdout);
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		perror("exec_thread: mmap");
		return 1;
	}
	/* Returns only if the thread could not be created: the exec kills this thread. */
	if (clone(exec_self, stack + STACK_SIZE, flags, argv[0]) < 0)
		perror("exec_thread: clone");
	return 1;
}
