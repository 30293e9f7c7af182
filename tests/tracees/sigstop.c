/* SPDX-License-Identifier: MIT */
/*
 * Tracee: prints its pid, stops itself with SIGSTOP and, once continued
 * from outside (the test sends SIGCONT by pid), says so and exits 0.
 *
 * SIGCONT is blocked throughout: its continuing effect happens when it is
 * sent, blocked or not, but a blocked SIGCONT is never delivered.  So a
 * test that sends SIGCONT more than once, or a little early, changes
 * nothing in the syscall and signal sequence a tracer records: the one
 * pending SIGCONT is taken with sigtimedwait at the end.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	const struct timespec zero = {0, 0};
	sigset_t cont;
	siginfo_t si;

	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);
	if (sigprocmask(SIG_BLOCK, &cont, NULL) != 0) {
		perror("sigstop: sigprocmask");
		return 1;
	}
	printf("sigstop: pid %d stopping, expect to be continued by SIGCONT\n", getpid());
	fflush(stdout);
	if (kill(getpid(), SIGSTOP) != 0) {
		perror("sigstop: kill");
		return 1;
	}
	/* Running again: a SIGCONT was sent, and stays pending while blocked. */
	if (sigtimedwait(&cont, &si, &zero) != SIGCONT) {
		printf("sigstop: continued but no SIGCONT pending\n");
		return 1;
	}
	printf("sigstop: continued by SIGCONT from pid %d\n", (int)si.si_pid);
	return 0;
}
