/* SPDX-License-Identifier: MIT */
/*
 * Threat levels of syscalls, after Figure 1 of the thesis (Mussa, Malaiya
 * and Ray 2015), shipped as filters/data/threat-model.json:
 *   1 full control of the system, 2 denial of service,
 *   3 subverting the invoking process, 4 harmless; 0 = not rated.
 * The table predates the *at, *2 and *3 calls; a modern variant gets the level
 * of its classic form (openat -> open, clone3 -> clone, ...), listed in
 * docs/policy-format.md.  "dup" is listed at levels 2 and 3: 2 wins.
 */
#ifndef SYSPHASE_FILTERS_THREAT_H
#define SYSPHASE_FILTERS_THREAT_H

#include <stddef.h>

#define SP_THREAT_LEVELS 4

/* The level of a syscall name, 0 when the table does not rate it. */
int sp_threat_level(const char *name);

/*
 * The name the table rates it under: name itself when listed, its classic
 * form for a modern variant, NULL when not rated.  Static storage.
 */
const char *sp_threat_class(const char *name);

/* "Full control of the system" ... for levels 1-4, NULL otherwise. */
const char *sp_threat_level_name(int level);

/*
 * The compiled tables, for the test that checks them against the JSON:
 * entry i of the classic table is sp_threat_entry(i, &level) (NULL past
 * the end); variants likewise with their classic name.
 */
const char *sp_threat_entry(size_t i, int *level);
const char *sp_threat_variant(size_t i, const char **classic);

#endif /* SYSPHASE_FILTERS_THREAT_H */
