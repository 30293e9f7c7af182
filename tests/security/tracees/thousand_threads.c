/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17 (a stall): many threads that each make both phase
 * triggers, so each needs two hand-overs.  When every hand-over held
 * every thread, they cost O(threads^2): 1000 threads took 92 s where they
 * take milliseconds natively, and every other traced process waited.
 * Threads waiting at an entry stop with a filter due get theirs under the
 * one holding.  argv[1]: how many threads (1000).  Each thread reports
 * its filter count after the triggers; main says how many hold 3.
 */
#include <pthread.h>

#include "attack.h"

static pthread_barrier_t start;
static long *counts;

static void *worker(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&start);
	enter_ready();
	enter_serving();
	counts[i] = my_filters();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000, three = 0;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t attr;

	counts = calloc((size_t)n, sizeof(*counts));
	if (!t || !counts || n < 1 || pthread_barrier_init(&start, NULL, (unsigned)n) != 0)
		return 2;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], &attr, worker, (void *)i) != 0)
			return 2;
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (long i = 0; i < n; i++)
		three += counts[i] == 3;
	say("thousand: %ld of %ld threads hold 3 filters\n", three, n);
	return 0;
}
