/* SPDX-License-Identifier: MIT */
/*
 * The PTRACE_PEEKDATA half of mem.c, reachable by the unit tests so that
 * the fallback is exercised on its own (process_vm_readv succeeds on a
 * stopped child, so sp_mem_read alone would rarely take this path).
 */
#ifndef SYSPHASE_TRACER_MEM_INTERNAL_H
#define SYSPHASE_TRACER_MEM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads len bytes at addr of tid, a ptrace-stopped tracee of the caller,
 * one aligned word at a time.  0 or -errno.
 */
int sp_mem_peek_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * sp_mem_read_str's contract, word by word: at most cap bytes into buf
 * (cap + 1 bytes), *truncated when no NUL came within them.  Length or
 * -errno (only when not even the first word could be read).
 */
long sp_mem_peek_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated);

#endif /* SYSPHASE_TRACER_MEM_INTERNAL_H */
