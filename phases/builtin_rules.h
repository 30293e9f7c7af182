/* SPDX-License-Identifier: MIT */
/*
 * The built-in rule sets compiled into the binary (generated at build time
 * from phases/rules/NAME.json by cmake/embed_rules.cmake): `--rules nginx`
 * needs no file on disk, as in a container holding only a static sysphase.
 */
#ifndef SYSPHASE_PHASES_BUILTIN_RULES_H
#define SYSPHASE_PHASES_BUILTIN_RULES_H

#include <stddef.h>

struct sp_builtin_rules {
	const char *name; /* the file's name without .json: "nginx" */
	const char *text; /* its bytes, NUL-terminated */
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct sp_builtin_rules sp_builtin_rules[];

#endif /* SYSPHASE_PHASES_BUILTIN_RULES_H */
