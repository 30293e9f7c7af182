/* SPDX-License-Identifier: MIT */
/*
 * Reading a tracee's memory.  process_vm_readv does a whole string or
 * struct in one call; PTRACE_PEEKDATA (a word per call) is the fallback
 * when it is refused (e.g. a non-dumpable tracee without CAP_SYS_PTRACE
 * on some kernels) or when the range crosses into an unmapped page.
 */
#ifndef SYSPHASE_TRACER_MEM_H
#define SYSPHASE_TRACER_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads len bytes at addr of tid into buf.  0 or -errno. */
int sp_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * Reads a NUL-terminated string of at most cap bytes at addr into buf
 * (which holds cap + 1 bytes).  *truncated says whether the string was
 * longer than cap.  Returns its length or -errno.
 */
long sp_mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated);

#endif /* SYSPHASE_TRACER_MEM_H */
