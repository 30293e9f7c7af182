/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: under --default-action graded, calls the 1998 threat
 * table never rated were let through with a log.  In serving, --attack
 * NAME makes one such call, with arguments that would do no harm had it
 * run, and says what it returned.  Graded lets through only calls rated
 * harmless now: each of these kills the process.
 */
#include <linux/keyctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "attack.h"

static long dangerous(const char *name)
{
	if (strcmp(name, "ptrace") == 0)
		return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	if (strcmp(name, "process_vm_writev") == 0)
		return syscall(SYS_process_vm_writev, getpid(), NULL, 0, NULL, 0, 0);
	if (strcmp(name, "pidfd_getfd") == 0)
		return syscall(SYS_pidfd_getfd, -1, 0, 0);
	if (strcmp(name, "bpf") == 0)
		return syscall(SYS_bpf, -1, NULL, 0);
	if (strcmp(name, "perf_event_open") == 0)
		return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	if (strcmp(name, "unshare") == 0)
		return syscall(SYS_unshare, 0);
	if (strcmp(name, "setns") == 0)
		return syscall(SYS_setns, -1, 0);
	if (strcmp(name, "kexec_load") == 0)
		return syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL);
	if (strcmp(name, "finit_module") == 0)
		return syscall(SYS_finit_module, -1, "", 0);
	if (strcmp(name, "userfaultfd") == 0)
		return syscall(SYS_userfaultfd, 0);
	if (strcmp(name, "keyctl") == 0)
		return syscall(SYS_keyctl, -1, 0, 0, 0, 0);
	if (strcmp(name, "fsopen") == 0)
		return syscall(SYS_fsopen, NULL, 0);
	if (strcmp(name, "unlink") == 0)
		return syscall(SYS_unlink, "/nonexistent/sysphase-graded");
	return -2;
}

int main(int argc, char **argv)
{
	enter_ready();
	enter_serving();
	if (argc == 3 && strcmp(argv[1], "--attack") == 0) {
		long r = dangerous(argv[2]);

		say("graded: %s returned %ld (%s)\n", argv[2], r,
		    r < 0 ? strerrorname_np(errno) : "-");
	}
	say("graded: done\n");
	return 0;
}
