/* SPDX-License-Identifier: MIT */
/*
 * Tracee for `sysphase run`: signals that are pending, unblocked, at the
 * very syscall that changes the phase (rules run_signals.json: init ->
 * serving at rt_sigprocmask(SIG_UNBLOCK), serving final).
 *
 * In init it blocks SIGUSR1, SIGUSR2 and SIGRTMIN, then queues them to
 * itself: SIGUSR1 with sigqueue (si_code SI_QUEUE, a value), SIGUSR2 with
 * kill, SIGRTMIN twice with sigqueue (real-time signals queue).  Then it
 * unblocks them all with one rt_sigprocmask: the kernel delivers all four
 * on that syscall's way back to user space, which is exactly when a
 * supervisor injects the next phase's filter.  The handlers record what
 * they got; the program prints it, so a run under sysphase can be
 * compared with a native one line for line: every signal delivered once,
 * with its own si_code and value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACEE_NAME "signals"
#include "run_say.h"

struct seen {
	volatile sig_atomic_t count;
	volatile sig_atomic_t code;
	volatile sig_atomic_t value;
};

static struct seen usr1, usr2, rt;

static void on_signal(int sig, siginfo_t *si, void *uctx)
{
	struct seen *s = sig == SIGUSR1 ? &usr1 : sig == SIGUSR2 ? &usr2 : &rt;

	(void)uctx;
	s->count++;
	s->code = si->si_code;
	s->value = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
}

static const char *code_name(int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TKILL:
		return "SI_TKILL";
	default:
		return "other";
	}
}

static void report_status(void)
{
	char status[4096], *at;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/status");
	n = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (n < 0)
		die("read /proc/self/status");
	status[n] = '\0';
	at = strstr(status, "\nTracerPid:");
	say("signals: TracerPid=%ld\n", at ? strtol(at + 11, NULL, 10) : -1L);
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
	union sigval v;
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR2, &sa, NULL) < 0 ||
	    sigaction(SIGRTMIN, &sa, NULL) < 0)
		die("sigaction");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask(SIG_BLOCK)");

	v.sival_int = 42;
	if (sigqueue(getpid(), SIGUSR1, v) < 0)
		die("sigqueue SIGUSR1");
	if (kill(getpid(), SIGUSR2) < 0)
		die("kill SIGUSR2");
	v.sival_int = 7;
	if (sigqueue(getpid(), SIGRTMIN, v) < 0 || sigqueue(getpid(), SIGRTMIN, v) < 0)
		die("sigqueue SIGRTMIN");

	/* The phase changes here, with four signals waiting for this call to return. */
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		die("sigprocmask(SIG_UNBLOCK)");

	say("signals: SIGUSR1 count=%d code=%s value=%d\n", (int)usr1.count, code_name(usr1.code),
	    (int)usr1.value);
	say("signals: SIGUSR2 count=%d code=%s\n", (int)usr2.count, code_name(usr2.code));
	say("signals: SIGRTMIN count=%d code=%s value=%d\n", (int)rt.count, code_name(rt.code),
	    (int)rt.value);
	report_status();
	return 0;
}
