/* SPDX-License-Identifier: MIT */
/*
 * Tracee: a group-stop of a multi-threaded process.  Three threads block
 * reading an internal pipe; the main thread blocks reading stdin.  The
 * test, once /proc shows all four blocked in read, writes "stop": the
 * main thread raises SIGSTOP, which stops every thread (the blocked reads
 * are interrupted, and restarted once continued).  The test sends SIGCONT
 * when all threads show stopped, then writes "go": the main thread wakes
 * the others with one byte each and checks that they all finish.
 *
 * SIGCONT is blocked in every thread, so it only continues the process
 * and is never delivered: the recorded sequence does not depend on when
 * the test sends it.  Joins spin on pthread_tryjoin_np, as in threads.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 3

static int wake[2];

static void *worker(void *arg)
{
	char c;

	(void)arg;
	/* A read interrupted by the stop is restarted by the kernel, not returned. */
	while (read(wake[0], &c, 1) != 1)
		;
	return NULL;
}

/* Reads one command line from stdin (the test writes each in one write). */
static int expect(const char *word)
{
	char buf[16];
	ssize_t n = read(0, buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strncmp(buf, word, strlen(word)) == 0 ? 0 : -1;
}

int main(void)
{
	pthread_t th[NTHREADS];
	sigset_t cont;

	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);
	if (sigprocmask(SIG_BLOCK, &cont, NULL) != 0 || pipe2(wake, O_CLOEXEC) != 0) {
		perror("stop_threads: setup");
		return 1;
	}
	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "stop_threads: pthread_create failed\n");
			return 1;
		}
	}
	printf("stop_threads: pid %d, %d threads waiting; write 'stop', SIGCONT, then 'go'\n",
	       getpid(), NTHREADS);
	fflush(stdout);
	if (expect("stop") != 0) {
		fprintf(stderr, "stop_threads: expected 'stop' on stdin\n");
		return 1;
	}
	raise(SIGSTOP);
	if (expect("go") != 0) {
		fprintf(stderr, "stop_threads: expected 'go' on stdin\n");
		return 1;
	}
	if (write(wake[1], "xyz", NTHREADS) != NTHREADS) {
		perror("stop_threads: write");
		return 1;
	}
	for (int i = 0; i < NTHREADS; i++) {
		while (pthread_tryjoin_np(th[i], NULL) == EBUSY)
			__builtin_ia32_pause();
	}
	printf("stop_threads: continued, all %d threads woke and ended\n", NTHREADS);
	return 0;
}
