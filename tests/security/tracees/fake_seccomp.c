/* SPDX-License-Identifier: MIT */
/*
 * Attack 2 of issue 10: the program fakes the injection's result.  Every
 * filter of a phase that can be left allows seccomp (the injection needs
 * it), so in init the program stacks a filter of its own that answers
 * seccomp() with ERRNO|0 (a fake success), TRACE, TRAP or KILL, and
 * allows everything else.  sysphase must see that its filter did not
 * arrive and kill the program; otherwise it would reach serving under
 * init's filter and its payload would work.
 *
 *   fake_seccomp [--attack errno0|trace|trap|kill]
 * Without --attack the same filter is stacked with ALLOW for seccomp,
 * which is what the test records.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "attack.h"

static unsigned action_of(const char *mode)
{
	if (!mode)
		return SECCOMP_RET_ALLOW;
	if (strcmp(mode, "errno0") == 0)
		return SECCOMP_RET_ERRNO | 0;
	if (strcmp(mode, "trace") == 0)
		return SECCOMP_RET_TRACE;
	if (strcmp(mode, "trap") == 0)
		return SECCOMP_RET_TRAP;
	if (strcmp(mode, "kill") == 0)
		return SECCOMP_RET_KILL_PROCESS;
	say("fake: unknown mode '%s'\n", mode);
	_exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 2 && strcmp(argv[1], "--attack") == 0 ? argv[2] : NULL;
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, action_of(mode)),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};

	/* sysphase run set it before exec already; recording needs it here. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		say("fake: cannot install its own filter: %s\n", strerrorname_np(errno));
		return 2;
	}
	say("fake: own filter installed, %ld filters\n", my_filters());
	enter_ready();
	say("fake: ready with %ld filters\n", my_filters());
	enter_serving();
	if (mode)
		payload("fake");
	return 0;
}
