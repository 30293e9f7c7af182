/* SPDX-License-Identifier: MIT */
/*
 * A zombie leader during a hand-over: the main thread reaches the final
 * phase (run lets it go, phases are per thread) and leaves with
 * pthread_exit(); the kernel keeps it listed in /proc/PID/task as a
 * zombie for as long as the process has threads.  A worker still in the
 * first phase then makes both triggers: each hand-over holds every task
 * of the process, and finds the leader it does not trace.  A zombie runs
 * nothing, so it is no threat; a supervisor that tries to seize it
 * (EPERM: it has exited) must neither fail closed nor list the tasks
 * again forever.  The leader's name holds what a stat parser may trip
 * on: ") R 1 (".
 */
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include "attack.h"

static int go[2];

/* The scheduler state of thread tid of this process, after comm's last ')'; '?' if unknown. */
static char state_of(pid_t tid)
{
	char path[64], buf[1024], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void *worker(void *arg)
{
	const struct timespec tick = {.tv_nsec = 1000 * 1000};
	char c;

	(void)arg;
	if (read(go[0], &c, 1) != 1)
		_exit(2);
	/*
	 * A condition, not a delay: the leader is a zombie from here on.  At
	 * least one nanosleep, so that the recording makes the calls any run
	 * makes.
	 */
	do
		nanosleep(&tick, NULL);
	while (state_of(getpid()) != 'Z');
	enter_ready();
	enter_serving();
	say("zombie_leader: the worker holds %ld filters\n", my_filters());
	exit(0);
}

int main(void)
{
	pthread_t t;

	if (pipe(go) != 0 || prctl(PR_SET_NAME, "z) R 1 (y", 0, 0, 0) != 0 ||
	    pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	enter_ready();
	enter_serving();
	if (write(go[1], "x", 1) != 1)
		return 2;
	pthread_exit(NULL);
}
