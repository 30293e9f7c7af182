/* SPDX-License-Identifier: MIT */
/*
 * Tracee: a parent that opens a socket (its phase allows socket), then
 * forks CHILDREN children, all alive at once, whose phase of their own
 * (rules tests/data/rules/fork_first_call.json, on_fork) allows only
 * getppid, close, read and exit_group.  With --evil each child's very first system
 * call is socket(): under `sysphase run` its phase's filter must already
 * judge it (the kernel kills it with SIGSYS), although the filter it
 * inherited from its parent allows it.  The children are made with a raw
 * clone(SIGCHLD), not glibc's fork(), whose child makes calls of its own
 * first (set_robust_list).  Each child waits on a pipe until every one
 * is born, so their hand-overs overlap.
 *   output: "fork_first_call: child N exited S" or "... killed by signal S"
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 8

/* As in fork_wait.c: SIGCHLD blocked, so the recorded calls do not depend on scheduling. */
static int block_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

/* The child: raw calls only, the first of them socket() under --evil. */
static void child(bool evil, const int gate[2])
{
	char c;

	if (evil && syscall(SYS_socket, AF_INET, SOCK_STREAM, 0) >= 0)
		syscall(SYS_exit_group, 7); /* the inherited filter judged it: escaped */
	if (!evil)
		syscall(SYS_getppid);
	/* Until the parent has made them all (EOF once every write end is closed). */
	syscall(SYS_close, gate[1]);
	(void)syscall(SYS_read, gate[0], &c, 1);
	syscall(SYS_exit_group, 0);
}

int main(int argc, char **argv)
{
	bool evil = argc > 1 && strcmp(argv[1], "--evil") == 0;
	pid_t kids[CHILDREN];
	int gate[2], fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (block_sigchld() != 0 || pipe(gate) != 0)
		return 1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	close(fd);
	for (int i = 0; i < CHILDREN; i++) {
		long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);

		if (pid == 0)
			child(evil, gate);
		if (pid < 0)
			return 1;
		kids[i] = (pid_t)pid;
	}
	close(gate[1]);
	for (int i = 0; i < CHILDREN; i++) {
		int status;

		if (waitpid(kids[i], &status, 0) != kids[i])
			return 1;
		if (WIFSIGNALED(status))
			printf("fork_first_call: child %d killed by signal %d\n", i,
			       WTERMSIG(status));
		else
			printf("fork_first_call: child %d exited %d\n", i, WEXITSTATUS(status));
	}
	return 0;
}
