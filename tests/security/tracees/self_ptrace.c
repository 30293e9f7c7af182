/* SPDX-License-Identifier: MIT */
/*
 * A program that ptraces itself, to get out from under its supervisor or
 * to take over a relative: PTRACE_TRACEME, a child seizing its parent,
 * the parent seizing its child.  The kernel refuses each (a task has one
 * tracer), so each must fail with EPERM, the phases go on, and the
 * payload in serving is killed (--attack).
 */
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "attack.h"

static const char *result(long rc)
{
	return rc == 0 ? "succeeded" : strerrorname_np(errno);
}

int main(int argc, char **argv)
{
	int hold[2], status;
	pid_t parent = getpid(), child;
	char c;

	say("ptrace: traceme %s\n", result(ptrace(PTRACE_TRACEME, 0, 0, 0)));
	if (pipe(hold) != 0)
		return 2;
	child = fork();
	if (child == 0) {
		long rc = ptrace(PTRACE_SEIZE, parent, 0, 0);

		say("ptrace: child seizing its parent %s\n", result(rc));
		close(hold[1]);
		if (read(hold[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(hold[0]);
	say("ptrace: parent seizing its child %s\n", result(ptrace(PTRACE_SEIZE, child, 0, 0)));
	close(hold[1]);
	waitpid(child, &status, 0);
	enter_ready();
	enter_serving();
	if (attacking(argc, argv))
		payload("ptrace");
	return 0;
}
