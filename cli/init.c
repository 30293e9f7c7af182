/* SPDX-License-Identifier: MIT */
/*
 * `sysphase run` as a container's PID 1 (docs/containers.md).
 *
 * PID 1 has two duties no other process has.  Orphans are re-parented to
 * it, so it must reap them or they stay zombies; and the kernel delivers
 * to it only the signals it has a handler for (signal(7): "the only
 * signals that can be sent to process ID 1, the init process, are those
 * for which init has explicitly established signal handlers"), so a
 * `docker stop` or `runc kill ID QUIT` is lost unless it forwards them.
 *
 * The ptrace supervisor waits for its tracees, not for strangers, so the
 * two jobs are split as tini splits them: PID 1 forks, stays a small init
 * that forwards every catchable signal to the program (its child `sysphase
 * run` traces it and delivers the signal) and reaps every process that
 * ends, and exits with the child's status.  `sysphase run` itself forwards
 * to the program whatever it is sent directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "init.h"

/*
 * Signals a process gets for what it did itself (a fault, abort, a bad
 * syscall): never forwarded, as tini does not; SIGCHLD is the init's own;
 * SIGKILL and SIGSTOP cannot be caught.
 */
static bool forwardable(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGCHLD:
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGABRT:
	case SIGTRAP:
	case SIGSYS:
		return false;
	default:
		return sig >= 1 && sig <= SIGRTMAX && !(sig > SIGSYS && sig < SIGRTMIN);
	}
}

/*
 * Where a forwarded signal goes: the program, which is `sysphase run`'s
 * first child (/proc/PID/task/PID/children, CONFIG_PROC_CHILDREN), else
 * run itself.  Sent to the program, a signal stops it for its tracer, which
 * delivers it (a signal-delivery-stop is restarted with the signal); sent
 * to run it would wait for run's next ptrace event, which an idle server
 * may never make.
 */
static pid_t target_of(pid_t child)
{
	char path[64], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)child, (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return child;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return child;
	buf[n] = '\0';
	return atoi(buf) > 1 ? (pid_t)atoi(buf) : child;
}

/* Reaps every child that ended; *status gets the child's when it was among them. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	int st;
	pid_t got;

	while ((got = waitpid(-1, &st, WNOHANG)) > 0)
		if (got == child) {
			*status = st;
			done = true;
		}
	return done;
}

/* The init: returns only as the child, in which the caller goes on. */
static void become_init(void)
{
	sigset_t all, old;
	pid_t child;
	int status = 0;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	child = fork();
	if (child < 0) {
		/* Cannot split: run as PID 1 itself, still forwarding every signal. */
		sigprocmask(SIG_SETMASK, &old, NULL);
		sp_warn("run: PID 1 cannot fork its init (%s): orphans will not be reaped",
		        strerror(errno));
		return;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				break;
			continue;
		}
		if (forwardable(sig))
			kill(target_of(child), sig);
	}
	/* The program's status is the container's; zombies left are the kernel's to clean. */
	_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

bool init_setup(void)
{
	if (getpid() != 1)
		return false;
	become_init();
	return true;
}

void init_forward_all(void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};

	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		if (forwardable(sig))
			sigaction(sig, &sa, NULL);
}
