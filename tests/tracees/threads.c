/* SPDX-License-Identifier: MIT */
/*
 * Tracee: 8 threads, each making the same few syscalls.  The oracle
 * compares the per-thread sequences as a multiset, so every thread's own
 * sequence must be deterministic: the main thread therefore joins only
 * threads that are already gone (pthread_tryjoin_np spins in user space),
 * because a pthread_join racing a live thread may or may not futex-wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 8
#define ROUNDS   3

static int devnull = -1;

static void *worker(void *arg)
{
	const struct timespec zero = {0, 0};
	long ok = 1;

	for (int i = 0; i < ROUNDS; i++) {
		if (getpid() <= 0)
			ok = 0;
		if (write(devnull, "x", 1) != 1)
			ok = 0;
		if (nanosleep(&zero, NULL) != 0)
			ok = 0;
	}
	*(long *)arg = ok;
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	long ok[NTHREADS] = {0};
	int failed = 0;

	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0) {
		perror("threads: /dev/null");
		return 1;
	}
	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_create(&th[i], NULL, worker, &ok[i]) != 0) {
			fprintf(stderr, "threads: pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < NTHREADS; i++) {
		/* Wait without syscalls until the kernel has cleared the tid. */
		while (pthread_tryjoin_np(th[i], NULL) == EBUSY)
			__builtin_ia32_pause();
		if (!ok[i])
			failed++;
	}
	close(devnull);
	printf("threads: %d threads x %d rounds of getpid/write/nanosleep, %d failed (expect 0)\n",
	       NTHREADS, ROUNDS, failed);
	return failed ? 1 : 0;
}
