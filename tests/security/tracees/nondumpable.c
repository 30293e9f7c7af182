/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: prctl(PR_SET_DUMPABLE, 0) in init.  A supervisor
 * without CAP_SYS_PTRACE (uid 65534) can then no longer read or write the
 * program's memory.  The hand-over took a failed read for "not at a
 * syscall instruction yet" and postponed itself forever, silently: the
 * payload ran under init's filter and the run exited 0.  A failed read or
 * write is a failed hand-over now: the process is killed, and run says
 * why.  As root (CAP_SYS_PTRACE) the hand-over works.
 */
#include <sys/prctl.h>

#include "attack.h"

int main(int argc, char **argv)
{
	int s = socket(AF_INET, SOCK_STREAM, 0); /* init allows sockets: an escape shows */

	if (s < 0)
		return 2;
	close(s);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 2;
	enter_ready();
	enter_serving();
	say("nondumpable: serving, %ld filters\n", my_filters());
	if (attacking(argc, argv))
		payload("nondumpable");
	return 0;
}
