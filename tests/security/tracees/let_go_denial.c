/* SPDX-License-Identifier: MIT */
/*
 * Denials that only the kernel's audit records can name: 100 forked
 * children each reach serving, the final phase, where run lets them go;
 * with --attack one of them then makes a call serving forbids and is
 * killed by SIGSYS, unseen by the tracer.
 *
 *   first: the killed child is the first one; the parent reaps it before
 *          it forks the 99 others, whose ends make run sweep the processes
 *          it let go (every 64): the dead one must stay resolvable.
 *   last:  the killed child is the last one; the parent reaps them all and
 *          ends at once, with no further call: run must drain the audit
 *          stream before it exits.
 *
 * Exit status 0 when the killed child (with --attack) died of SIGSYS and
 * every other child ended with 0; 1 otherwise.  No output: the parent's
 * last call is its exit.
 */
#include <sys/wait.h>

#include "attack.h"

#define CHILDREN 100

static void child(bool killer)
{
	enter_ready();
	enter_serving();
	/* Let go in serving: this call is seen by the kernel alone. */
	if (killer)
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	syscall(SYS_exit_group, 0);
}

/* Whether child pid ended as it should have. */
static bool reaped_well(pid_t pid, bool killer)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (killer)
		return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	bool attack = attacking(argc, argv), ok = true;
	bool last = argc > 1 && strcmp(argv[argc - 1], "last") == 0;
	int killer = !attack ? -1 : last ? CHILDREN - 1 : 0;
	pid_t pids[CHILDREN];

	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 2;
		if (pids[i] == 0)
			child(i == killer);
		/* first: dead and reaped before any other child is let go. */
		if (i == 0 && killer == 0)
			ok = reaped_well(pids[0], true) && ok;
	}
	for (int i = killer == 0 ? 1 : 0; i < CHILDREN; i++)
		ok = reaped_well(pids[i], i == killer) && ok;
	syscall(SYS_exit_group, ok ? 0 : 1);
	return 1;
}
