/* SPDX-License-Identifier: MIT */
/*
 * pwd, installing its own phase filters through the header that
 * `sysphase export --format c` generates from a trace of /bin/pwd.
 *
 *   filter_pwd WORK OUTPUT END [violate]
 *
 * enters every phase listed before WORK, then WORK before getcwd, OUTPUT
 * before printing, END before closing stdout and exiting, the way
 * /bin/pwd's phases follow one another; the syscalls in between are the
 * ones /bin/pwd makes there.  With
 * "violate" it calls getcwd again once in END, which END's filter lacks:
 * the default action must stop it: SIGSYS, or exit status 4 for EPERM
 * (5: it was allowed, 6: another error).
 *
 * tests/e2e/filters_consumers.sh compiles it with the generated header.
 * The build also compiles every tracee without it: that copy only says
 * so and exits 77 (skip).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if __has_include("sysphase_phases.h")
#include "sysphase_phases.h"

static const char *current;

static void enter(const char *phase)
{
	/* Stacking the same phase again would need seccomp in a phase that may lack it. */
	if (current && strcmp(current, phase) == 0)
		return;
	if (sysphase_enter_phase(phase) != 0) {
		fprintf(stderr, "filter_pwd: cannot enter phase %s: %s\n", phase, strerror(errno));
		exit(3);
	}
	current = phase;
}

int main(int argc, char **argv)
{
	char *cwd;

	if (argc < 4) {
		fputs("usage: filter_pwd WORK OUTPUT END [violate]\n", stderr);
		return 2;
	}
	/*
	 * pwd's start-up before its work: setlocale() (reading nothing with
	 * LANG=C) and the heap's first use (getrandom for malloc's tcache,
	 * brk) happen in its earlier phases, so they must happen here first.
	 */
	setlocale(LC_ALL, "");
	free(malloc(1));
	/*
	 * The phases before WORK (exec, loader, start-up) are over by now;
	 * stack their filters in order anyway, as pwd would have gone
	 * through them: each must still allow the next one's installation.
	 */
	for (size_t i = 0; i < sizeof(sysphase_phases) / sizeof(sysphase_phases[0]); i++) {
		if (strcmp(sysphase_phases[i].name, argv[1]) == 0)
			break;
		enter(sysphase_phases[i].name);
	}
	enter(argv[1]);
	/* As coreutils' pwd: getcwd(NULL, 0) allocates, which is where its heap grows. */
	cwd = getcwd(NULL, 0);
	if (!cwd) {
		perror("filter_pwd: getcwd");
		return 1;
	}
	enter(argv[2]);
	if (puts(cwd) == EOF || fflush(stdout) != 0)
		return 1;
	enter(argv[3]);
	if (argc > 4 && strcmp(argv[4], "violate") == 0) {
		char buf[64];

		/*
		 * Only returns when the filter let it through or made it fail;
		 * END may not allow write either, so the answer is the status.
		 */
		if (getcwd(buf, sizeof(buf)))
			_exit(5);
		_exit(errno == EPERM ? 4 : 6);
	}
	/* pwd ends with close(1), close(2), exit_group. */
	if (fclose(stdout) != 0)
		return 1;
	fclose(stderr);
	return 0;
}

#else

int main(void)
{
	fputs("filter_pwd: built without a generated sysphase_phases.h: nothing to test\n", stderr);
	return 77;
}

#endif
