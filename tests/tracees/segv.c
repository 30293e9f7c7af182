/* SPDX-License-Identifier: MIT */
/* Tracee: makes a few syscalls, then crashes with SIGSEGV (a shell reports 139). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
	/* No core file: the crash is the point, a core in the test's cwd is not. */
	const struct rlimit nocore = {0, 0};
	volatile char *page;

	setrlimit(RLIMIT_CORE, &nocore);
	/*
	 * A page with no access rights: a store to it faults for certain,
	 * where a null store is undefined behaviour the compiler may drop.
	 */
	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("segv: mmap");
		return 1;
	}
	printf("segv: expect death by SIGSEGV\n");
	fflush(stdout);
	getppid();
	page[0] = 1;
	printf("segv: still alive after writing to a PROT_NONE page\n");
	return 1;
}
