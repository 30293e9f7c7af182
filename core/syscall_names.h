/* SPDX-License-Identifier: MIT */
/*
 * The syscall names of each ABI, indexed by number (x32 without its
 * 0x40000000 bit), generated at build time by core/gen/syscalls.c from
 * libseccomp; NULL where libseccomp has no name.  Private to core.
 */
#ifndef SYSPHASE_CORE_SYSCALL_NAMES_H
#define SYSPHASE_CORE_SYSCALL_NAMES_H

#include <stddef.h>

extern const char *const sp_syscall_names_x86_64[];
extern const size_t sp_syscall_names_x86_64_len;
extern const char *const sp_syscall_names_i386[];
extern const size_t sp_syscall_names_i386_len;
extern const char *const sp_syscall_names_x32[];
extern const size_t sp_syscall_names_x32_len;

#endif /* SYSPHASE_CORE_SYSCALL_NAMES_H */
