/* SPDX-License-Identifier: MIT */
/*
 * Tracee for `sysphase run`: a process changes phase while its other
 * threads sit blocked in syscalls, for tests/data/rules/run_threads.json.
 *
 *   init     from exec: opens a socket (the call later phases must deny),
 *            starts the threads
 *   ready    opened by getppid(), made while every thread is blocked
 *   serving  opened by getpgrp(), made while every thread is blocked again
 *
 * Threads 1 and 2 block in read() on their own pipe, thread 3 in a futex
 * wait (sem_wait).  The main thread makes each marker call only once it has
 * seen, in /proc/self/task/TID/syscall, that every thread is inside the
 * blocking call: no sleeps, no timing.  After each marker it wakes the
 * threads with data they check byte for byte, so a supervisor that moves
 * the process between filters (injecting seccomp() with TSYNC, then
 * detaching) must not disturb a blocked syscall nor its result.
 *
 * Each thread prints, per step, its own Seccomp_filters and TracerPid
 * (/proc/thread-self/status).  With --probe, after the last phase every
 * thread (main included) tries socket(), which only init used: under
 * `sysphase run --default-action errno` each must get EPERM.
 *
 * With --diverge, thread 0 installs an allow-all filter of its own in init,
 * so that its filters are no longer an ancestor of the main thread's: a
 * filter installed with SECCOMP_FILTER_FLAG_TSYNC from the main thread
 * then cannot reach it, and the kernel refuses the whole call (it returns
 * thread 0's tid).  A supervisor must not take that for success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACEE_NAME "threads"
#include "run_say.h"

#define NTHREADS     3
#define FUTEX_THREAD 2 /* index of the thread that waits in a futex */

struct worker {
	int index;
	pid_t tid;     /* set by the thread before it first blocks */
	int pipefd[2]; /* read end, write end (pipe threads) */
	int failures;
};

static struct worker workers[NTHREADS];
static sem_t sem;
static sem_t started;
static bool probe;
static bool diverge;

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

static void status_field(const char *status, const char *key, char *out, size_t len)
{
	const char *at = strstr(status, key);

	snprintf(out, len, "?");
	if (!at)
		return;
	at += strlen(key);
	at += strspn(at, " \t");
	snprintf(out, len, "%.*s", (int)strcspn(at, "\n"), at);
}

/* One line with the calling thread's own filter count and tracer. */
static void report(const char *who, const char *step)
{
	char status[4096], filters[16], tracer[16];

	if (read_file("/proc/thread-self/status", status, sizeof(status)) < 0)
		die("reading /proc/thread-self/status");
	status_field(status, "\nSeccomp_filters:", filters, sizeof(filters));
	status_field(status, "\nTracerPid:", tracer, sizeof(tracer));
	say("threads: %s %s: Seccomp_filters=%s TracerPid=%s\n", who, step, filters, tracer);
}

static void try_socket(const char *who)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		say("threads: %s probe socket: ok\n", who);
		close(fd);
	} else {
		say("threads: %s probe socket: %s\n", who, strerrorname_np(errno));
	}
}

/* Blocks once: in read() on the pipe, or in sem_wait(); checks what woke it. */
static void block_once(struct worker *w, const char *want)
{
	char buf[32];
	ssize_t n;

	if (w->index == FUTEX_THREAD) {
		int rc;

		/* sem_wait may return EINTR; that would be a lost wakeup to us, so count it. */
		rc = sem_wait(&sem);
		if (rc < 0) {
			say("threads: thread %d sem_wait: %s\n", w->index, strerrorname_np(errno));
			w->failures++;
		}
		return;
	}
	n = read(w->pipefd[0], buf, sizeof(buf));
	if (n != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)n) != 0) {
		say("threads: thread %d read returned %zd (%s), want \"%s\"\n", w->index, n,
		    n < 0 ? strerrorname_np(errno) : "wrong bytes", want);
		w->failures++;
	}
}

/* A filter on the calling thread only, which allows everything. */
static void install_own_filter(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("prctl(PR_SET_NO_NEW_PRIVS)");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die("seccomp");
}

/* Workers that have reported their "ready" step. */
static int ready_reports;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char who[32];

	snprintf(who, sizeof(who), "thread %d", w->index);
	if (diverge && w->index == 0)
		install_own_filter();
	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	report(who, "init");
	sem_post(&started);
	block_once(w, "first");
	report(who, "ready");
	__atomic_add_fetch(&ready_reports, 1, __ATOMIC_RELEASE);
	block_once(w, "second wakeup");
	report(who, "serving");
	if (probe)
		try_socket(who);
	return NULL;
}

/*
 * Whether thread tid sits in syscall nr (with first argument arg0 unless
 * arg0 < 0): /proc/PID/task/TID/syscall gives "NR ARG0 ..." for a thread
 * blocked in a syscall, "running" otherwise.
 */
static bool blocked_in(pid_t tid, long nr, long arg0)
{
	char path[64], buf[256];
	long got_nr;
	unsigned long got_arg0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return false;
	if (sscanf(buf, "%ld %lx", &got_nr, &got_arg0) != 2)
		return false;
	return got_nr == nr && (arg0 < 0 || got_arg0 == (unsigned long)arg0);
}

/*
 * Waiting without a syscall: how often a wait loop turns depends on the
 * scheduler, and a call made only sometimes (sched_yield) would be in the
 * recorded policy only sometimes, and kill the program under `run` when not.
 */
static void spin_pause(void)
{
	__builtin_ia32_pause();
}

/* Waits (by looking, not by sleeping a guessed time) until every thread is blocked. */
static void wait_all_blocked(void)
{
	for (int i = 0; i < NTHREADS; i++) {
		struct worker *w = &workers[i];
		bool futex = w->index == FUTEX_THREAD;

		while (!blocked_in(w->tid, futex ? SYS_futex : SYS_read, futex ? -1 : w->pipefd[0]))
			spin_pause();
	}
}

static void wake_all(const char *msg)
{
	for (int i = 0; i < NTHREADS; i++) {
		if (workers[i].index == FUTEX_THREAD) {
			if (sem_post(&sem) < 0)
				die("sem_post");
		} else if (write(workers[i].pipefd[1], msg, strlen(msg)) != (ssize_t)strlen(msg)) {
			die("write to a pipe");
		}
	}
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS];
	int failures = 0, fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--probe") == 0) {
			probe = true;
		} else if (strcmp(argv[i], "--diverge") == 0) {
			diverge = true;
		} else {
			say("usage: run_threads [--probe] [--diverge]\n");
			return 2;
		}
	}
	if (sem_init(&sem, 0, 0) < 0 || sem_init(&started, 0, 0) < 0)
		die("sem_init");

	/* init */
	report("main", "init");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	close(fd);
	for (int i = 0; i < NTHREADS; i++) {
		workers[i].index = i;
		if (i != FUTEX_THREAD && pipe2(workers[i].pipefd, O_CLOEXEC) < 0)
			die("pipe2");
		if (pthread_create(&th[i], NULL, worker_main, &workers[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < NTHREADS; i++)
		while (sem_wait(&started) < 0)
			if (errno != EINTR)
				die("sem_wait");

	/* ready, while every thread is blocked */
	wait_all_blocked();
	say("threads: main: all threads blocked, calling getppid\n");
	if (getppid() < 0)
		die("getppid");
	report("main", "ready");
	wake_all("first");

	/*
	 * serving, while every thread is blocked again: in its second wait,
	 * not still in the first one, which the wakeup may not have reached
	 * yet on a loaded machine.
	 */
	while (__atomic_load_n(&ready_reports, __ATOMIC_ACQUIRE) < NTHREADS)
		spin_pause();
	wait_all_blocked();
	say("threads: main: all threads blocked, calling getpgrp\n");
	if (getpgrp() < 0)
		die("getpgrp");
	report("main", "serving");
	wake_all("second wakeup");

	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_join(th[i], NULL) != 0)
			die("pthread_join");
		failures += workers[i].failures;
	}
	if (probe)
		try_socket("main");
	say("threads: %d lost or wrong syscall results\n", failures);
	return failures ? 1 : 0;
}
