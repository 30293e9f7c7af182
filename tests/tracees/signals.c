/* SPDX-License-Identifier: MIT */
/*
 * Tracee: handlers for SIGUSR1 and SIGUSR2; SIGUSR1 is sent with kill()
 * to itself, SIGUSR2 by a forked child.  Checks that both handlers ran.
 *
 * SIGUSR2 and SIGCHLD stay blocked except inside sigsuspend: otherwise
 * where they land (and which syscall they interrupt and restart) would
 * depend on scheduling, and so would the recorded sequence.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_usr2;

static void on_signal(int sig)
{
	/* One syscall inside the handler, to show it in the trace. */
	syscall(SYS_getppid);
	if (sig == SIGUSR1)
		got_usr1++;
	else if (sig == SIGUSR2)
		got_usr2++;
}

int main(void)
{
	struct sigaction sa;
	sigset_t block, waitmask;
	int status;
	pid_t child;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0) {
		perror("signals: sigaction");
		return 1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, NULL) != 0) {
		perror("signals: sigprocmask");
		return 1;
	}
	printf("signals: expect SIGUSR1 from self and SIGUSR2 from a child, each handled once\n");
	fflush(stdout);

	if (kill(getpid(), SIGUSR1) != 0) {
		perror("signals: kill");
		return 1;
	}

	child = fork();
	if (child < 0) {
		perror("signals: fork");
		return 1;
	}
	if (child == 0)
		_exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);

	sigfillset(&waitmask);
	sigdelset(&waitmask, SIGUSR2);
	while (!got_usr2)
		sigsuspend(&waitmask);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("signals: child failed\n");
		return 1;
	}
	printf("signals: SIGUSR1 handled %d time(s), SIGUSR2 handled %d time(s)\n", (int)got_usr1,
	       (int)got_usr2);
	return got_usr1 == 1 && got_usr2 == 1 ? 0 : 1;
}
