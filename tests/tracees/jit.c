/* SPDX-License-Identifier: MIT */
/*
 * Tracee for the learning loop on a program that maps code late, as a JIT
 * does (tests/data/rules/jit.json):
 *   setup    from exec: allocates (brk)
 *   serving  opened by getppid: maps a page read-write and writes to it;
 *            with "jit", then makes it executable (mprotect PROT_EXEC)
 *            and runs it.
 * It prints one line per step before the next, "done" at the end.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACEE_NAME "jit"
#include "run_say.h"

int main(int argc, char **argv)
{
	static const unsigned char ret42[] = {0xb8, 0x2a, 0x00,
	                                      0x00, 0x00, 0xc3}; /* mov eax,42; ret */
	bool jit = argc > 1 && strcmp(argv[1], "jit") == 0;
	void *heap = malloc(64);
	unsigned char *page;

	if (!heap)
		die("malloc");
	say(TRACEE_NAME ": serving %ld\n", syscall(SYS_getppid) > 0 ? 1L : 0L);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		die("mmap");
	memcpy(page, ret42, sizeof(ret42));
	say(TRACEE_NAME ": mapped\n");
	if (jit) {
		if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0)
			die("mprotect");
		say(TRACEE_NAME ": code says %d\n", ((int (*)(void))(void *)page)());
	}
	say(TRACEE_NAME ": done\n");
	free(heap);
	return 0;
}
