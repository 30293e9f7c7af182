/* SPDX-License-Identifier: MIT */
/* Tracee: makes a few syscalls, then kills itself with SIGKILL (a shell reports 137). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("sigkill: expect death by SIGKILL\n");
	fflush(stdout);
	getppid();
	kill(getpid(), SIGKILL);
	printf("sigkill: still alive after SIGKILL\n");
	return 1;
}
