/* SPDX-License-Identifier: MIT */
/*
 * Attack 4 of issue 10: a child made with clone(CLONE_UNTRACED) is
 * invisible to the supervisor and keeps the filter it was made with for
 * life.  Made in init, it waits until its parent serves, then tries the
 * payload under init's (wide) filter.  sysphase run's filters deny clone
 * with CLONE_UNTRACED: the clone itself is killed (or fails with EPERM
 * under --default-action errno).  Without --attack the child is made with
 * a plain fork-like clone, which the recording sees.
 */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "attack.h"

int main(int argc, char **argv)
{
	bool attack = attacking(argc, argv);
	unsigned long flags = SIGCHLD | (attack ? CLONE_UNTRACED : 0);
	int go[2], status;
	char c;
	long pid;

	if (pipe(go) != 0)
		return 2;
	pid = syscall(SYS_clone, flags, 0, NULL, NULL, 0);
	if (pid < 0) {
		say("untraced: clone failed: %s\n", strerrorname_np(errno));
	} else if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) == 1 && attack)
			payload("untraced child");
		_exit(0);
	}
	enter_ready();
	enter_serving();
	if (pid > 0) {
		if (write(go[1], "g", 1) != 1)
			return 2;
		waitpid((pid_t)pid, &status, 0);
		say("untraced: child ended\n");
	}
	return 0;
}
