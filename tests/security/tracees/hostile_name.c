/* SPDX-License-Identifier: MIT */
/*
 * A name that drives the terminal: the process calls itself
 * "a ESC [2J CR LF b) R 1 (" (clear the screen, return, a new line, and a
 * fake stat tail), then forks a child that inherits the name, reaches
 * serving and, with --attack, makes a call serving forbids (serving is
 * final: the child is let go, and its line comes from the kernel's audit
 * record).  sysphase prints the child's name in the line that says it
 * was killed: the name must come out as text, on that one line.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "attack.h"

int main(int argc, char **argv)
{
	bool attack = attacking(argc, argv);
	int status;
	pid_t pid;

	if (prctl(PR_SET_NAME, "a\033[2J\r\nb) R 1 (", 0, 0, 0) != 0)
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		enter_ready();
		enter_serving();
		if (attack)
			payload("hostile_name");
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	say("hostile_name: the child %s\n",
	    WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS ? "was killed by SIGSYS" : "ended");
	return 0;
}
