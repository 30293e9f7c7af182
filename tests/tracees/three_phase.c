/* SPDX-License-Identifier: MIT */
/*
 * Tracee for policies that nest over the rules
 * (tests/data/rules/three_phase.json: a -> b at getppid, b -> c and
 * a -> c at getpgrp).  Its argument is the path it takes:
 *   ab   getppid (b), getuid
 *   ac   getpgrp (c), getgid
 *   abc  getppid (b), getuid, getpgrp (c), getgid
 * It prints one line per step, each before the next call, and "done" at
 * the end: a run killed by a filter shows how far it got.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACEE_NAME "three_phase"
#include "run_say.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "";

	if (strcmp(path, "ab") && strcmp(path, "ac") && strcmp(path, "abc"))
		die("usage: three_phase ab|ac|abc; parsing the argument");
	if (path[1] == 'b') {
		say(TRACEE_NAME ": b: getppid %ld\n", syscall(SYS_getppid));
		say(TRACEE_NAME ": b: getuid %ld\n", syscall(SYS_getuid));
	}
	if (strchr(path, 'c')) {
		say(TRACEE_NAME ": c: getpgrp %ld\n", syscall(SYS_getpgrp));
		say(TRACEE_NAME ": c: getgid %ld\n", syscall(SYS_getgid));
	}
	say(TRACEE_NAME ": done\n");
	return 0;
}
