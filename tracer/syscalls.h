/* SPDX-License-Identifier: MIT */
/*
 * Syscall names and numbers, resolved through libseccomp so that sysphase
 * carries no hand-written table that could drift from the kernel's.
 */
#ifndef SYSPHASE_TRACER_SYSCALLS_H
#define SYSPHASE_TRACER_SYSCALLS_H

#include "event.h"

/* AUDIT_ARCH value of each ABI (x32 shares x86-64's and sets __X32_SYSCALL_BIT). */
uint32_t sp_abi_audit_arch(enum sp_abi abi);

/*
 * The ABI of a syscall from the AUDIT_ARCH reported by PTRACE_GET_SYSCALL_INFO
 * and its number: x32 calls are x86-64 calls with bit 0x40000000 set.
 */
enum sp_abi sp_abi_classify(uint32_t audit_arch, long nr);

/*
 * The name of syscall nr under abi, or NULL when libseccomp has none.
 * The string is interned: valid for the life of the program, never freed
 * by the caller.  Not thread-safe (the supervisor is single-threaded).
 */
const char *sp_syscall_name(enum sp_abi abi, long nr);

/* The x86-64 number of name, or -ENOENT when libseccomp does not know it. */
long sp_syscall_nr(const char *name);

/*
 * The known x86-64 syscall name closest to name (edit distance), for
 * "did you mean" messages.  Interned; NULL only when nothing is close.
 */
const char *sp_syscall_suggest(const char *name);

#endif /* SYSPHASE_TRACER_SYSCALLS_H */
