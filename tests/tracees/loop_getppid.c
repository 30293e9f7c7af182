/* SPDX-License-Identifier: MIT */
/* Tracee for the benchmark: argv[1] getppid() calls (default 200000). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	long sum = 0;

	if (n < 0) {
		fprintf(stderr, "loop_getppid: bad count '%s'\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < n; i++)
		sum += getppid();
	/* Use the result so that the loop cannot be dropped. */
	return sum == -1 ? 1 : 0;
}
