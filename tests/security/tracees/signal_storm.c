/* SPDX-License-Identifier: MIT */
/*
 * Signals arriving mid-injection: a child process sends SIGUSR1 to its
 * parent without pause while the parent goes through its phases (the
 * parent waits for signals before each marker, so they do overlap the
 * injections).  The parent must see its signals, and reach serving with
 * its filters; no hand-over may fail.
 */
#include <signal.h>
#include <sys/wait.h>

#include "attack.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static void wait_for_signals(sig_atomic_t want)
{
	sigset_t none;

	sigemptyset(&none);
	while (got < want)
		sigsuspend(&none);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	pid_t parent = getpid(), child;
	sigset_t usr1;
	int stop[2], status;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (pipe2(stop, O_NONBLOCK) != 0)
		return 2;
	child = fork();
	if (child == 0) {
		char c;

		close(stop[1]);
		/* EOF on the pipe: the parent is done. */
		while (read(stop[0], &c, 1) < 0 && errno == EAGAIN)
			kill(parent, SIGUSR1);
		_exit(0);
	}
	close(stop[0]);
	wait_for_signals(1);
	enter_ready();
	wait_for_signals(got + 1);
	enter_serving();
	/* One handled for sure in serving, so that the recording saw its rt_sigreturn there. */
	raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	close(stop[1]);
	waitpid(child, &status, 0);
	say("signals: got some (%s), %ld filters\n", got >= 2 ? "yes" : "no", my_filters());
	return 0;
}
