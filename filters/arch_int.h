/* SPDX-License-Identifier: MIT */
/* The cross-architecture fact table (filters/arch_table.c), private to filters/. */
#ifndef SYSPHASE_FILTERS_ARCH_INT_H
#define SYSPHASE_FILTERS_ARCH_INT_H

#include "sysphase/filters.h"

enum sp_map_kind {
	SP_MAP_ABSENT = 1, /* where the target has no call named `from` */
	SP_MAP_ALSO,       /* on the targets in `arches`, even where `from` exists */
	SP_MAP_VDSO,       /* on every target but x86-64: what x86-64's vDSO answered */
};

/* The `from` of SP_MAP_VDSO entries, as notes show it. */
#define SP_MAP_VDSO_FROM "(vDSO)"

#define SP_MAP_TO_MAX 3

struct sp_arch_map {
	const char *from;              /* an x86-64 name */
	const char *to[SP_MAP_TO_MAX]; /* alternatives, first that exists; none: no counterpart */
	enum sp_map_kind kind;
	unsigned arches; /* SP_MAP_ALSO: SP_ARCH_BIT() set it applies to */
	const char *why;
};

/* Terminated by an entry whose from is NULL. */
extern const struct sp_arch_map sp_arch_maps[];

#endif /* SYSPHASE_FILTERS_ARCH_INT_H */
