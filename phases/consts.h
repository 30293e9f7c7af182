/* SPDX-License-Identifier: MIT */
/*
 * Symbolic constants that rules may name: flag bits (O_*, SOCK_*, CLONE_*,
 * PROT_*, MAP_*, AT_*), signal and errno names.  Values come from the
 * system headers and glibc (sigabbrev_np, strerrorname_np), never from a
 * hand-written number table.
 */
#ifndef SYSPHASE_PHASES_CONSTS_H
#define SYSPHASE_PHASES_CONSTS_H

#include <stddef.h>
#include <stdint.h>

/* The value of flag name ("O_APPEND"); 0 or -ENOENT. */
int sp_const_flag(const char *name, uint64_t *val);

/*
 * Parses "O_WRONLY|O_CREAT|0x8000" (names or numbers joined by '|').
 * 0, or -ENOENT with *bad pointing at the unknown token in a static
 * buffer (valid until the next call).
 */
int sp_const_flags_parse(const char *s, uint64_t *val, const char **bad);

/* Signal number of "SIGHUP" / "HUP", or -ENOENT. */
int sp_const_signal(const char *name);

/* errno value of "EEXIST", or -ENOENT. */
int sp_const_errno(const char *name);

#endif /* SYSPHASE_PHASES_CONSTS_H */
