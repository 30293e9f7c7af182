/* SPDX-License-Identifier: MIT */
/*
 * Tracee for tests/e2e/run_thread_phases.sh: a helper thread sleeps in a
 * loop while the main thread changes phase and is let go, for
 * tests/data/rules/run_threads.json (init -> ready at getppid() ->
 * serving at getpgrp(), serving final).
 *
 * The helper is born in init and never makes a marker call: its phase
 * stays init while the main thread goes on to serving and is detached.
 * Each marker call is made once /proc shows the helper inside
 * clock_nanosleep (no timing involved).  Then the main thread sends the
 * helper a signal with tgkill: signal 0 (nothing) normally, SIGWINCH with
 * --poke.  SIGWINCH is ignored by default, but a traced thread still stops
 * for it, and when it goes on the kernel resumes the interrupted sleep
 * through restart_syscall (restart_syscall(2)), a call no recording
 * without the signal contains.
 *
 * Each thread prints its Seccomp_filters and whether it is traced once
 * the main thread is in serving.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TRACEE_NAME "sleeper"
#include "run_say.h"

static atomic_int helper_tid;
static atomic_long sleeps;
static atomic_bool stop;

/* Reads a small /proc file whole into buf (NUL-terminated). */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* Whether thread tid is inside clock_nanosleep (x86-64 nr 230) right now. */
static bool sleeping(int tid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	return read_file(path, buf, sizeof(buf)) == 0 && strncmp(buf, "230 ", 4) == 0;
}

static void wait_until_sleeping(int tid)
{
	while (!sleeping(tid))
		sched_yield();
}

/* "Seccomp_filters=N TracerPid=M" of thread tid. */
static void status_of(int tid, char *out, size_t len)
{
	char path[64], buf[4096], *f, *t;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		die("read status");
	f = strstr(buf, "Seccomp_filters:");
	t = strstr(buf, "TracerPid:");
	snprintf(out, len, "Seccomp_filters=%ld traced=%s", f ? strtol(f + 16, NULL, 10) : -1,
	         t && strtol(t + 10, NULL, 10) != 0 ? "yes" : "no");
}

static void *helper(void *arg)
{
	const struct timespec ms = {.tv_nsec = 1000 * 1000};

	(void)arg;
	atomic_store(&helper_tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&stop)) {
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
		atomic_fetch_add(&sleeps, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	bool poke = argc > 1 && strcmp(argv[1], "--poke") == 0;
	char main_st[128], helper_st[128];
	pthread_t th;
	long before;
	int tid;

	if (pthread_create(&th, NULL, helper, NULL) != 0)
		die("pthread_create");
	while (!(tid = atomic_load(&helper_tid)))
		sched_yield();
	wait_until_sleeping(tid);
	getppid(); /* -> ready */
	wait_until_sleeping(tid);
	getpgrp(); /* -> serving: final, the main thread is let go */
	wait_until_sleeping(tid);
	before = atomic_load(&sleeps);
	if (syscall(SYS_tgkill, getpid(), tid, poke ? SIGWINCH : 0) < 0)
		die("tgkill");
	/* The helper must go on sleeping after the signal: two more rounds. */
	while (atomic_load(&sleeps) < before + 2)
		sched_yield();
	status_of((int)syscall(SYS_gettid), main_st, sizeof(main_st));
	status_of(tid, helper_st, sizeof(helper_st));
	atomic_store(&stop, true);
	if (pthread_join(th, NULL) != 0)
		die("pthread_join");
	say("sleeper: main %s\n", main_st);
	say("sleeper: helper %s\n", helper_st);
	say("sleeper: the helper slept on after the signal\n");
	return 0;
}
