/* SPDX-License-Identifier: MIT */
/*
 * Tracee: installs a seccomp filter of its own that fails getppid with
 * EPERM, then calls getppid.  The call still happens (and strace shows
 * it, returning EPERM); a tracer relying on SECCOMP_RET_TRACE would miss
 * it, because seccomp lets ERRNO win over TRACE when filters stack.
 *
 * With the argument "trace" its filter answers getppid with
 * SECCOMP_RET_TRACE instead: with no tracer asking for seccomp stops the
 * kernel fails the call with ENOSYS, and a tracer's own RET_TRACE stop
 * (record --no-exit) must not turn that into a successful getppid.
 * With "kill" it answers getppid with SECCOMP_RET_KILL_PROCESS: the
 * program dies of SIGSYS in that call, which a trace must show as killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int trace = argc > 1 && strcmp(argv[1], "trace") == 0;
	int kill = argc > 1 && strcmp(argv[1], "kill") == 0;
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, trace  ? SECCOMP_RET_TRACE | 7
	                              : kill ? SECCOMP_RET_KILL_PROCESS
	                                     : SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(insns) / sizeof(insns[0]), insns};
	long r;

	int want = trace ? ENOSYS : EPERM;

	printf("own_filter: expect getppid to fail with %s under its own filter\n",
	       strerrorname_np(want));
	fflush(stdout);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		perror("own_filter: seccomp");
		return 1;
	}
	errno = 0;
	r = syscall(SYS_getppid);
	if (r != -1 || errno != want) {
		printf("own_filter: getppid returned %ld (errno %d), not %s\n", r, errno,
		       strerrorname_np(want));
		return 1;
	}
	printf("own_filter: getppid failed with %s as expected\n", strerrorname_np(want));
	return 0;
}
