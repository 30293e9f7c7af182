/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing a tracee's memory through /proc/TID/mem (a whole
 * string or struct per call, and no sleep on a userfaultfd page), with
 * PTRACE_PEEKDATA/POKEDATA (a word per call) where /proc cannot be used.
 */
#ifndef SYSPHASE_TRACER_MEM_H
#define SYSPHASE_TRACER_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads len bytes at addr of tid into buf.  0 or -errno: -EFAULT for an
 * address with nothing readable, -ESRCH when tid is gone, -EPERM/-EACCES
 * when the kernel refuses (a non-dumpable tracee without CAP_SYS_PTRACE).
 * Never sleeps on a userfaultfd-registered page (it fails instead).
 */
int sp_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Writes len bytes of buf at addr of tid (a ptrace-stopped tracee): 0 or -errno, as above. */
int sp_mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

/*
 * Reads a NUL-terminated string of at most cap bytes at addr into buf
 * (which holds cap + 1 bytes).  *truncated says whether the string was
 * longer than cap.  Returns its length or -errno.
 */
long sp_mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated);

/*
 * /proc/TID/mem kept open for the reads of one thread after another (the
 * stack unwinder's, several per syscall): reopened when the thread
 * changes, or when its memory is gone (exit, exec) under the open file.
 * fd < 0: none open; zero it with SP_MEM_HANDLE_INIT.
 */
struct sp_mem_handle {
	pid_t tid;
	int fd;
};
#define SP_MEM_HANDLE_INIT ((struct sp_mem_handle){.tid = 0, .fd = -1})

/*
 * Reads len bytes at addr of tid into buf through h: 0, or -errno as
 * sp_mem_read (never a sleep on a userfaultfd page, which
 * process_vm_readv would sleep on until SIGKILL).
 */
int sp_mem_handle_read(struct sp_mem_handle *h, pid_t tid, uint64_t addr, void *buf, size_t len);

void sp_mem_handle_close(struct sp_mem_handle *h);

#endif /* SYSPHASE_TRACER_MEM_H */
