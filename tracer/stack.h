/* SPDX-License-Identifier: MIT */
/*
 * Call stacks of a stopped tracee through libunwind-ptrace.  Symbol
 * look-ups are what makes unwinding slow (each walks the ELF symbol table
 * of the module), so names are cached per (process, address); and whole
 * stacks are cached per call path, so a loop's syscall is unwound once.
 */
#ifndef SYSPHASE_TRACER_STACK_H
#define SYSPHASE_TRACER_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "maps.h"

struct sp_stack;

/*
 * maps is borrowed and must outlive the unwinder.  Without symbols,
 * frames name their module and offset only (what static completion
 * needs), and no symbol table is ever searched.  NULL on ENOMEM.
 */
struct sp_stack *sp_stack_new(struct sp_maps *maps, bool symbols);
void sp_stack_free(struct sp_stack *st);

/*
 * The stack of stopped thread tid of process pid, innermost frame first,
 * as a new array of {"ip": "0x...", "module": "...", "module_off": N,
 * "fn": "...", "off": N} ("fn"/"off" absent when no symbol is known or
 * symbols are off, "module_off" when no module is mapped at ip).  At most 64 frames.
 * NULL when unwinding fails.  A call path is unwound once: a later stop on
 * the same path gets a reference to the same array (stack_path.h says when
 * two stops are on the same path), so the array must not be modified.
 */
json_t *sp_stack_capture(struct sp_stack *st, pid_t pid, pid_t tid);

/*
 * The same, for a thread whose instruction and stack pointer the caller
 * already knows (a syscall stop's PTRACE_GET_SYSCALL_INFO gives both): a
 * stop on a known call path then costs one process_vm_readv and no
 * register read.
 */
json_t *sp_stack_capture_at(struct sp_stack *st, pid_t pid, pid_t tid, uint64_t ip, uint64_t sp);

/* Forget cached symbols and address spaces of pid (it exec'd or exited). */
void sp_stack_forget(struct sp_stack *st, pid_t pid);

#endif /* SYSPHASE_TRACER_STACK_H */
