/* SPDX-License-Identifier: MIT */
/*
 * The call-path cache of the stack unwinder: a stack is unwound once per
 * call path, and a later stop on the same path gets the same frames back
 * without libunwind.
 *
 * What makes a hit sound.  libunwind's answer is a function of what it
 * reads: registers, tracee memory (the stack words holding return
 * addresses and saved frame pointers) and the unwind tables of the code
 * mapped at those addresses.  A capture logs every register and memory
 * word the unwinder read, with their values.  An entry is looked up by
 * the cheap part of that evidence (instruction and stack pointer) and
 * taken only when every logged register and word still holds its logged
 * value, read again in one process_vm_readv: then the unwinder, run
 * again, would read the same inputs and return the same frames.  Two call
 * paths that meet at the same instruction and stack pointer (f called
 * from a() or from b(), with frames of the same size) differ in some
 * return address the unwinder read, so they never share an entry.
 *
 * The code at an address is taken not to change while a process lives
 * (exec and exit forget the process), as for the symbol cache and the
 * maps: a library unmapped and another mapped at the very same address,
 * reached through byte-identical stack words, would be the one stale case.
 */
#ifndef SYSPHASE_TRACER_STACK_PATH_H
#define SYSPHASE_TRACER_STACK_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include <jansson.h>

#include "mem.h"

/* Registers as libunwind numbers them on x86-64 (UNW_X86_64_RAX..RIP). */
#define SP_PATH_NREGS     17
#define SP_PATH_REG_SP    7  /* UNW_X86_64_RSP */
#define SP_PATH_REG_IP    16 /* UNW_X86_64_RIP */
/* Beyond this many words a path is not cached: it is unwound every time. */
#define SP_PATH_MAX_WORDS 256

/* What one capture read, built while libunwind runs. */
struct sp_path_log {
	uint32_t regs; /* bit r: register r was read */
	size_t nwords;
	bool overflow; /* more words than fit, or a read that failed: do not cache */
	uint64_t addr[SP_PATH_MAX_WORDS];
	uint64_t val[SP_PATH_MAX_WORDS];
};

struct sp_path_cache;

/* An empty cache for one process; NULL on ENOMEM. */
struct sp_path_cache *sp_path_cache_new(void);
void sp_path_cache_free(struct sp_path_cache *pc);

/* The value of libunwind register r in regs; false when r is not one of the 17. */
bool sp_path_reg(const struct user_regs_struct *regs, int r, uint64_t *val);

/*
 * The frames of the path thread tid (stopped at instruction ip with stack
 * pointer sp) is on, as a new reference, when an entry's evidence still
 * holds; else NULL.  regs may be NULL when the caller has not read the
 * registers: an entry whose unwind read registers other than ip and sp
 * then sets *need_regs, and the caller asks again with them.
 */
json_t *sp_path_lookup(struct sp_path_cache *pc, struct sp_mem_handle *mem, pid_t tid, uint64_t ip,
                       uint64_t sp, const struct user_regs_struct *regs, bool *need_regs);

/*
 * Keeps frames (a reference is taken) for the path log describes, read
 * with registers regs; replaces whatever entry held its slot.  A log that
 * overflowed is not kept.  0 or -ENOMEM.
 */
int sp_path_store(struct sp_path_cache *pc, const struct user_regs_struct *regs,
                  const struct sp_path_log *log, json_t *frames);

/* Entries held right now, for the unit test. */
size_t sp_path_cache_size(const struct sp_path_cache *pc);

#endif /* SYSPHASE_TRACER_STACK_PATH_H */
