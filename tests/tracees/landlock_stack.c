/* SPDX-License-Identifier: MIT */
/*
 * landlock_stack N PROG [ARGS...]: a program that already holds Landlock
 * layers of its own (a sandbox it runs in, a library that uses Landlock):
 * puts N layers on itself, then execs PROG.  Each layer handles execute
 * and allows it beneath "/": it denies nothing, it only takes one of the
 * kernel's 16 places (tests/e2e/run_landlock_budget.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif

/* One layer that allows what it handles everywhere.  0, or the errno. */
static int one_layer(void)
{
	uint64_t handled = 1; /* LANDLOCK_ACCESS_FS_EXECUTE */
	struct {
		uint64_t access;
		int32_t fd;
	} __attribute__((packed)) beneath = {1, -1};
	long rs = syscall(SYS_landlock_create_ruleset, &handled, sizeof(handled), 0);
	int err = 0;

	if (rs < 0)
		return errno;
	beneath.fd = open("/", O_PATH | O_CLOEXEC);
	if (beneath.fd < 0 ||
	    syscall(SYS_landlock_add_rule, rs, 1 /* PATH_BENEATH */, &beneath, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		err = errno;
	if (beneath.fd >= 0)
		close(beneath.fd);
	close((int)rs);
	return err;
}

int main(int argc, char **argv)
{
	int n, err;

	if (argc < 3 || (n = atoi(argv[1])) < 0) {
		fprintf(stderr, "usage: %s N PROG [ARGS...]\n", argv[0]);
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("landlock_stack: prctl");
		return 1;
	}
	for (int i = 0; i < n; i++)
		if ((err = one_layer()) != 0) {
			fprintf(stderr, "landlock_stack: layer %d of %d: %s\n", i + 1, n,
			        strerror(err));
			return 1;
		}
	execv(argv[2], argv + 2);
	perror("landlock_stack: exec");
	return 127;
}
