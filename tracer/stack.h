/* SPDX-License-Identifier: MIT */
/*
 * Call stacks of a stopped tracee through libunwind-ptrace.  Symbol
 * look-ups are what makes unwinding slow (each walks the ELF symbol table
 * of the module), so names are cached per (process, address).
 */
#ifndef SYSPHASE_TRACER_STACK_H
#define SYSPHASE_TRACER_STACK_H

#include <sys/types.h>

#include <jansson.h>

#include "maps.h"

struct sp_stack;

/* maps is borrowed and must outlive the unwinder.  NULL on ENOMEM. */
struct sp_stack *sp_stack_new(struct sp_maps *maps);
void sp_stack_free(struct sp_stack *st);

/*
 * The stack of stopped thread tid of process pid, innermost frame first,
 * as a new array of {"ip": "0x...", "module": "...", "fn": "...", "off": N}
 * ("fn"/"off" absent when no symbol is known).  At most 64 frames.
 * NULL when unwinding fails.
 */
json_t *sp_stack_capture(struct sp_stack *st, pid_t pid, pid_t tid);

/* Forget cached symbols and address spaces of pid (it exec'd or exited). */
void sp_stack_forget(struct sp_stack *st, pid_t pid);

#endif /* SYSPHASE_TRACER_STACK_H */
