/* SPDX-License-Identifier: MIT */
/*
 * Work done only in a signal handler: a recording that never sees the
 * signal never sees the handler's getppid().  Prints "ready", then reads
 * lines from stdin until "quit"; SIGALRM makes it call getppid() and say
 * "handled".  Exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	static const char msg[] = "handled\n";

	(void)sig;
	if (getppid() > 0 && write(STDOUT_FILENO, msg, sizeof(msg) - 1) > 0)
		handled = 1;
}

int main(void)
{
	struct sigaction sa;
	char line[64];
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: the read returns EINTR */
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return 1;
	if (write(STDOUT_FILENO, "ready\n", 6) != 6)
		return 1;
	for (;;) {
		n = read(STDIN_FILENO, line, sizeof(line) - 1);
		if (n == 0)
			return 0;
		if (n < 0)
			continue; /* EINTR */
		line[n] = '\0';
		if (strncmp(line, "quit", 4) == 0)
			return 0;
	}
}
