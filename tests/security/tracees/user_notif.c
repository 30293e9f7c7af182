/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: the program's own filter answers seccomp() with
 * SECCOMP_RET_USER_NOTIF, and nobody reads the listener.  The injected
 * seccomp() never returns; the supervisor waited for it forever and
 * ignored SIGINT and SIGTERM.  The injected call is bounded now: past
 * the deadline the process is killed and run says why.  Without
 * --attack the filter notifies on nothing the program calls (sync), so
 * the recording has the same calls.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include "attack.h"

int main(int argc, char **argv)
{
	int nr = attacking(argc, argv) ? SYS_seccomp : SYS_sync;
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(*insns), .filter = insns};
	long listener;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 2;
	listener =
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		return 2;
	say("user_notif: own filter in, listener %ld, nobody reads it\n", listener);
	enter_ready();
	say("user_notif: ready\n");
	enter_serving();
	if (attacking(argc, argv))
		payload("user_notif");
	return 0;
}
