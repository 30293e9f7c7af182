/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "consts.h"

/* clang-format off */
#define C(x) {#x, (uint64_t)(x)}

static const struct {
	const char *name;
	uint64_t val;
} flag_table[] = {
	/* open(2) */
	C(O_RDONLY), C(O_WRONLY), C(O_RDWR), C(O_CREAT), C(O_EXCL), C(O_NOCTTY), C(O_TRUNC),
	C(O_APPEND), C(O_NONBLOCK), C(O_DSYNC), C(O_SYNC), C(O_DIRECT), C(O_LARGEFILE),
	C(O_DIRECTORY), C(O_NOFOLLOW), C(O_NOATIME), C(O_CLOEXEC), C(O_PATH), C(O_TMPFILE),
	/* *at(2) */
	C(AT_SYMLINK_NOFOLLOW), C(AT_REMOVEDIR), C(AT_SYMLINK_FOLLOW), C(AT_NO_AUTOMOUNT),
	C(AT_EMPTY_PATH), C(AT_EACCESS),
	/* socket(2) types and flags */
	C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET), C(SOCK_NONBLOCK),
	C(SOCK_CLOEXEC),
	/* clone(2) */
	C(CLONE_VM), C(CLONE_FS), C(CLONE_FILES), C(CLONE_SIGHAND), C(CLONE_PIDFD),
	C(CLONE_PTRACE), C(CLONE_VFORK), C(CLONE_PARENT), C(CLONE_THREAD), C(CLONE_NEWNS),
	C(CLONE_SYSVSEM), C(CLONE_SETTLS), C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID),
	C(CLONE_DETACHED), C(CLONE_UNTRACED), C(CLONE_CHILD_SETTID), C(CLONE_NEWCGROUP),
	C(CLONE_NEWUTS), C(CLONE_NEWIPC), C(CLONE_NEWUSER), C(CLONE_NEWPID), C(CLONE_NEWNET),
	C(CLONE_IO),
	/* mmap(2), mprotect(2) */
	C(PROT_NONE), C(PROT_READ), C(PROT_WRITE), C(PROT_EXEC), C(MAP_SHARED), C(MAP_PRIVATE),
	C(MAP_FIXED), C(MAP_ANONYMOUS), C(MAP_GROWSDOWN), C(MAP_DENYWRITE), C(MAP_EXECUTABLE),
	C(MAP_LOCKED), C(MAP_NORESERVE), C(MAP_POPULATE), C(MAP_NONBLOCK), C(MAP_STACK),
	C(MAP_HUGETLB), C(MAP_FIXED_NOREPLACE),
	/* sigprocmask(2) how */
	C(SIG_BLOCK), C(SIG_UNBLOCK), C(SIG_SETMASK),
};
/* clang-format on */

int sp_const_flag(const char *name, uint64_t *val)
{
	for (size_t i = 0; i < sizeof(flag_table) / sizeof(flag_table[0]); i++) {
		if (!strcmp(flag_table[i].name, name)) {
			*val = flag_table[i].val;
			return 0;
		}
	}
	return -ENOENT;
}

int sp_const_flags_parse(const char *s, uint64_t *val, const char **bad)
{
	static char badtok[64];
	uint64_t v = 0;

	while (*s) {
		size_t n = strcspn(s, "|");
		char tok[64];
		char *end;
		uint64_t one;

		/* Tolerate blanks around '|' as people write them. */
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n >= sizeof(tok))
			n = sizeof(tok) - 1;
		memcpy(tok, s, n);
		tok[n] = 0;
		while (n && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = 0;
		errno = 0;
		one = strtoull(tok, &end, 0);
		if (!n || ((*end || errno) && sp_const_flag(tok, &one) < 0)) {
			snprintf(badtok, sizeof(badtok), "%s", tok);
			if (bad)
				*bad = badtok;
			return -ENOENT;
		}
		v |= one;
		s += strcspn(s, "|");
		if (*s == '|')
			s++;
	}
	*val = v;
	return 0;
}

int sp_const_signal(const char *name)
{
	const char *n = name;

	if (!strncmp(n, "SIG", 3))
		n += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && !strcmp(abbrev, n))
			return sig;
	}
	return -ENOENT;
}

int sp_const_errno(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *en = strerrorname_np(e);

		if (en && !strcmp(en, name))
			return e;
	}
	return -ENOENT;
}
