/* SPDX-License-Identifier: MIT */
/*
 * Attack 4, clone3: its flags live in a struct in memory, out of
 * seccomp's reach, so a clone3(CLONE_UNTRACED) cannot be told apart by a
 * filter.  sysphase run's filters fail every clone3 with ENOSYS (glibc
 * then falls back to clone): the untraced child is never made, and the
 * program's own threads and fork() still work.
 */
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "attack.h"

static void *worker(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	struct clone_args args = {.flags = CLONE_UNTRACED, .exit_signal = SIGCHLD};
	pthread_t t;
	int status;
	long pid;
	pid_t forked;

	if (attacking(argc, argv)) {
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0) {
			payload("clone3 child");
			_exit(0);
		}
		if (pid < 0)
			say("clone3: failed: %s\n", strerrorname_np(errno));
		else
			waitpid((pid_t)pid, &status, 0);
	}
	/* glibc's own clone3 users fall back to clone. */
	if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 2;
	forked = fork();
	if (forked == 0)
		_exit(7);
	waitpid(forked, &status, 0);
	say("clone3: a thread and a fork child (status %d) still work\n", WEXITSTATUS(status));
	enter_ready();
	enter_serving();
	return 0;
}
