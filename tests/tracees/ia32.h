/* SPDX-License-Identifier: MIT */
/*
 * The i386 ABI inside an x86-64 process (`int $0x80`), and a probe for
 * kernels that lack it.  A kernel built without CONFIG_IA32_EMULATION, or
 * booted with ia32_emulation=0 (Linux 6.7+), has no 32-bit entry: the
 * instruction faults and the process dies of SIGSEGV before any seccomp
 * filter or tracer sees a syscall.  Tests of i386 behaviour probe first
 * and skip (saying so) where the ABI does not exist.
 */
#ifndef SYSPHASE_TRACEES_IA32_H
#define SYSPHASE_TRACEES_IA32_H

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define IA32_NR_GETPID 20L

/* Calls i386 syscall NR without arguments; returns the raw result (-errno on error). */
static inline long ia32_syscall0(long nr)
{
	long ret;

	/*
	 * The compat entry does not preserve r8-r11 for 64-bit callers
	 * (arch/x86/entry/entry_64_compat.S).
	 */
	__asm__ volatile("int $0x80"
	                 : "=a"(ret)
	                 : "a"(nr)
	                 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret;
}

/*
 * 1 when an i386 getpid works in a forked child without any filter, 0 when
 * the child dies of SIGSEGV (no IA32 emulation), -errno when the probe
 * itself fails or the child ends some other way (which no kernel should do).
 */
static inline int ia32_available(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* The caller may catch SIGSEGV (cmocka does): the child must die of it. */
		signal(SIGSEGV, SIG_DFL);
		_exit(ia32_syscall0(IA32_NR_GETPID) == (long)getpid() ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		return 0;
	return -EPROTO;
}

#endif
