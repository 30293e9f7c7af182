/* SPDX-License-Identifier: MIT */
/*
 * bpfcheck FILE.bpf ARCH CALL...: what the raw BPF filter in FILE answers
 * for each CALL made on ARCH, by the project's simulator (filters/bpfsim.c),
 * without loading it: one line "CALL NR ACTION" each, ACTION one of allow,
 * kill_process, kill_thread, errno(N), trap, trace, log, user_notif.  A
 * CALL is a name (resolved for ARCH by libseccomp) or #NR.  Lets the e2e
 * tests judge filters for architectures this machine cannot run.
 * Exit status: 0, 2 for bad usage or input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/filters.h"

static const char *action_name(uint32_t r, char *buf, size_t size)
{
	switch (r & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return "allow";
	case SECCOMP_RET_KILL_PROCESS:
		return "kill_process";
	case SECCOMP_RET_KILL_THREAD:
		return "kill_thread";
	case SECCOMP_RET_TRAP:
		return "trap";
	case SECCOMP_RET_TRACE:
		return "trace";
	case SECCOMP_RET_LOG:
		return "log";
	case SECCOMP_RET_ERRNO:
		snprintf(buf, size, "errno(%u)", r & SECCOMP_RET_DATA);
		return buf;
	default:
		return "user_notif";
	}
}

int main(int argc, char **argv)
{
	struct sock_filter insns[BPF_MAXINSNS + 1];
	size_t n;
	FILE *f;
	int a;

	if (argc < 4) {
		fprintf(stderr, "usage: bpfcheck FILE.bpf ARCH CALL...\n");
		return 2;
	}
	a = sp_arch_from_name(argv[2]);
	f = fopen(argv[1], "rb");
	if (a < 0 || !f) {
		fprintf(stderr, "bpfcheck: %s\n", a < 0 ? "unknown arch" : strerror(errno));
		return 2;
	}
	n = fread(insns, sizeof(insns[0]), BPF_MAXINSNS + 1, f);
	fclose(f);
	for (int i = 3; i < argc; i++) {
		struct seccomp_data d = {.arch = sp_arch_scmp((enum sp_arch)a)};
		char buf[32];
		uint32_t r;
		int nr = argv[i][0] == '#' ? atoi(argv[i] + 1)
		                           : seccomp_syscall_resolve_name_arch(d.arch, argv[i]);

		if (nr < 0) {
			fprintf(stderr, "bpfcheck: %s: not a call on %s\n", argv[i], argv[2]);
			return 2;
		}
		d.nr = nr;
		if (sp_bpf_run(insns, n, &d, &r) < 0) {
			fprintf(stderr, "bpfcheck: %s: not a program seccomp takes\n", argv[1]);
			return 2;
		}
		printf("%s %d %s\n", argv[i], nr, action_name(r, buf, sizeof(buf)));
	}
	return 0;
}
