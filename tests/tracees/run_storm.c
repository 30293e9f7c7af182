/* SPDX-License-Identifier: MIT */
/*
 * Tracee for tests/e2e/run_thread_phases.sh: threads created at random
 * moments around phase changes, for tests/data/rules/run_threads.json
 * (init -> ready at getppid() -> serving at getpgrp(), serving final).
 *
 * The main thread creates 1 to 4 workers in each of the three phases (an
 * era), spinning a random while (no syscall) between creations and before
 * each marker call.  A worker spins a random while too, then makes its
 * era's own call (getuid, getgid, geteuid: calls the main thread never
 * makes), reports on a pipe and ends.  So a worker born just before a
 * marker may still be in glibc's start-up (rseq, set_robust_list), or
 * before its own call, when the main thread changes phase: the moment
 * varies from run to run, the calls each thread makes do not.  Stacks
 * are given (pthread_attr_setstack), so creating a thread maps nothing,
 * and the main thread reads the pipe instead of joining: the set of calls
 * does not depend on whether a worker has already finished.  One set does
 * depend on timing: glibc's stack-list lock, which pthread_create and an
 * ending thread both take, makes a futex call only when contended, so
 * every thread also makes one uncontended futex wake of its own.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/futex.h>
#include <x86intrin.h>

#define TRACEE_NAME "storm"
#include "run_say.h"

#define MAX_PER_ERA 4
#define ERAS        3
#define STACK_SIZE  (256 * 1024)

static int done_pipe[2];
static char stacks[ERAS * MAX_PER_ERA][STACK_SIZE] __attribute__((aligned(4096)));
static uint64_t rng_state;
static int futex_word;

/* A futex call in every phase, whatever glibc's locks do (see above). */
static void futex_touch(void)
{
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* xorshift64, seeded from the time-stamp counter: no syscall. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void spin(uint64_t iterations)
{
	for (volatile uint64_t i = 0; i < iterations; i++)
		;
}

static void *worker(void *arg)
{
	uintptr_t era = (uintptr_t)arg;
	char one = (char)era;

	futex_touch();
	spin((uint64_t)__rdtsc() % 200000);
	if (era == 0)
		syscall(SYS_getuid);
	else if (era == 1)
		syscall(SYS_getgid);
	else
		syscall(SYS_geteuid);
	if (write(done_pipe[1], &one, 1) != 1)
		die("write");
	return NULL;
}

static int start_era(uintptr_t era, int *slot)
{
	int n = 1 + (int)(rnd() % MAX_PER_ERA);

	futex_touch();

	for (int i = 0; i < n; i++) {
		pthread_attr_t attr;
		pthread_t th;

		spin(rnd() % 100000);
		if (pthread_attr_init(&attr) != 0 ||
		    pthread_attr_setstack(&attr, stacks[(*slot)++], STACK_SIZE) != 0 ||
		    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0)
			die("pthread_attr");
		if (pthread_create(&th, &attr, worker, (void *)era) != 0)
			die("pthread_create");
		pthread_attr_destroy(&attr);
	}
	spin(rnd() % 100000);
	return n;
}

int main(void)
{
	int slot = 0, started = 0;
	char c;

	rng_state = __rdtsc() | 1;
	if (pipe(done_pipe) < 0)
		die("pipe");
	started += start_era(0, &slot);
	getppid(); /* -> ready */
	started += start_era(1, &slot);
	getpgrp(); /* -> serving: final */
	started += start_era(2, &slot);
	for (int i = 0; i < started; i++)
		if (read(done_pipe[0], &c, 1) != 1)
			die("read");
	say("storm: %d threads, every one finished\n", started);
	return 0;
}
