/* SPDX-License-Identifier: MIT */
/*
 * Tracee: one i386 syscall through `int $0x80` (getpid, number 20 in the
 * i386 table) and one x32-numbered syscall (39 | __X32_SYSCALL_BIT, also
 * getpid) from an x86-64 process.  A tracer must record both under their
 * own ABI.  The x32 call fails with ENOSYS on kernels without x32.
 * With --no-i386 it makes only the x32 call, for kernels without IA32
 * emulation (where `int $0x80` dies of SIGSEGV, see ia32.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ia32.h"

#define X32_SYSCALL_BIT 0x40000000L
#define X32_NR_GETPID   39

int main(int argc, char **argv)
{
	bool i386 = !(argc > 1 && strcmp(argv[1], "--no-i386") == 0);
	long pid = getpid();
	long r32 = pid, rx32;
	int x32_errno;

	if (i386)
		r32 = ia32_syscall0(IA32_NR_GETPID);
	errno = 0;
	rx32 = syscall(X32_SYSCALL_BIT | X32_NR_GETPID);
	x32_errno = errno;

	if (i386)
		printf("int80: i386 getpid returned %ld, expected %ld\n", r32, pid);
	if (rx32 == -1)
		printf("int80: x32 getpid failed with %s (ENOSYS expected without x32)\n",
		       strerrorname_np(x32_errno));
	else
		printf("int80: x32 getpid returned %ld, expected %ld\n", rx32, pid);
	if (r32 != pid)
		return 1;
	if (rx32 != pid && !(rx32 == -1 && x32_errno == ENOSYS))
		return 1;
	return 0;
}
