/* SPDX-License-Identifier: MIT */
/*
 * Tracee for attach tests: prints its pid, then makes a syscall every
 * 10 ms until it is killed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};

	printf("busy: pid %d, looping until killed\n", getpid());
	fflush(stdout);
	for (;;) {
		getppid();
		nanosleep(&tick, NULL);
	}
}
