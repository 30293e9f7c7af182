/* SPDX-License-Identifier: MIT */
/*
 * Tracee for attach tests: prints its pid, then makes a syscall every
 * 10 ms until it is killed.  With an argument N, N more threads do the
 * same, so that attaching must find every thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static void *loop(void *arg)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};

	(void)arg;
	for (;;) {
		getppid();
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	pthread_t th;

	if (n < 0 || n > MAX_THREADS) {
		fprintf(stderr, "busy: thread count must be 0..%d\n", MAX_THREADS);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		if (pthread_create(&th, NULL, loop, NULL) != 0) {
			fprintf(stderr, "busy: pthread_create failed\n");
			return 1;
		}
	}
	printf("busy: pid %d, %ld extra thread(s), looping until killed\n", getpid(), n);
	fflush(stdout);
	loop(NULL);
	return 0;
}
