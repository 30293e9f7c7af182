/* SPDX-License-Identifier: MIT */
/*
 * What a system call asks of Landlock, from its decoded arguments
 * (private to enforce/): the objects the policy's derivation turns into
 * rules (policy/landlock.c), so that a complain log's line is a rule of
 * the same shape, and run's judging of a denial matches the layers.
 */
#ifndef SYSPHASE_ENFORCE_LANDLOCK_NEEDS_H
#define SYSPHASE_ENFORCE_LANDLOCK_NEEDS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "sysphase/core.h"

enum ll_kind {
	LL_FS,
	LL_NET,
	LL_SCOPE
};

/* One object and the rights asked on it. */
struct ll_need {
	enum ll_kind kind;
	char path[PATH_MAX]; /* LL_FS: absolute, canonical */
	bool dir;            /* LL_FS: the rights are beneath path (a name made or removed in it) */
	long port;           /* LL_NET */
	uint64_t rights;     /* SP_LL_FS_*, SP_LL_NET_* or SP_LL_SCOPE_* by kind */
};

/*
 * What a finished call (at its exit stop, the thread stopped: paths named
 * relative to the working directory are read from /proc now) needed:
 * up to 3 objects into n (rename: both parents), how many.
 */
int ll_needs_of(const struct sp_event *ev, struct ll_need n[3]);

/*
 * What a call that failed with EACCES (files, ports) or EPERM (scopes)
 * asked: the same objects, found from its arguments as the kernel
 * resolves them (a symlink to its target; a name that does not exist, its
 * parent).  Touches the file system (realpath): a FUSE mount the program
 * serves itself can make it wait (docs/security.md, a known limit).
 */
int ll_needs_of_failed(const struct sp_event *ev, struct ll_need n[3]);

#endif /* SYSPHASE_ENFORCE_LANDLOCK_NEEDS_H */
