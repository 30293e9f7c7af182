/* SPDX-License-Identifier: MIT */
/*
 * Threads born during an injection: a spawner thread makes short-lived
 * threads without pause while the main thread goes through its phases,
 * so that clones are in flight whenever sysphase holds the process still
 * to inject a filter.  Every thread, old or new, must end up with the
 * serving filter (3 filters), and no hand-over may fail.
 */
#include <pthread.h>

#include "attack.h"

static volatile int stop_spawning;
static volatile unsigned long spawned;

static void *short_lived(void *arg)
{
	return arg;
}

static void *spawner(void *arg)
{
	(void)arg;
	while (!stop_spawning) {
		pthread_t t;

		if (pthread_create(&t, NULL, short_lived, NULL) == 0) {
			pthread_join(t, NULL);
			spawned++;
		}
	}
	return NULL;
}

static void *report(void *arg)
{
	(void)arg;
	say("storm: a thread born in serving holds %ld filters\n", my_filters());
	return NULL;
}

int main(void)
{
	pthread_t s, last;

	if (pthread_create(&s, NULL, spawner, NULL) != 0)
		return 2;
	while (spawned < 20)
		; /* the storm is on before the first marker */
	enter_ready();
	enter_serving();
	stop_spawning = 1;
	pthread_join(s, NULL);
	say("storm: main holds %ld filters\n", my_filters());
	if (pthread_create(&last, NULL, report, NULL) != 0 || pthread_join(last, NULL) != 0)
		return 2;
	return 0;
}
