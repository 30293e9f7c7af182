/* SPDX-License-Identifier: MIT */
/*
 * Shell-style globs (fnmatch(3) syntax: * ? [...] and backslash escapes;
 * '*' also crosses '/').  fnmatch treats a malformed pattern as literal
 * text, which would make a typo in a rule silently never match, so rules
 * validate their globs first.
 */
#ifndef SYSPHASE_PHASES_GLOB_H
#define SYSPHASE_PHASES_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* NULL when pattern is well formed, else what is wrong with it (static string). */
const char *sp_glob_check(const char *pattern, int *offset);

bool sp_glob_match(const char *pattern, const char *s);

/*
 * The length of the shortest string a well-formed pattern matches: every
 * character, escape, '?' and [...] takes one, '*' none.
 */
size_t sp_glob_min_len(const char *pattern);

#endif /* SYSPHASE_PHASES_GLOB_H */
