/* SPDX-License-Identifier: MIT */
/*
 * The unwinder's way to code whose module has .eh_frame but no
 * .eh_frame_hdr (tracer/eh_index.h): per process, the modules met so far
 * and the search table built for each (once), handed to libunwind's own
 * FDE search.  libunwind reads such a table through the address space's
 * access_mem, as it reads .eh_frame_hdr's in the tracee, so each table
 * is given an address no user-space mapping can have (the upper half of
 * the address space) and access_mem serves those addresses from here.
 */
#ifndef SYSPHASE_TRACER_STACK_EH_H
#define SYSPHASE_TRACER_STACK_EH_H

#include <stdbool.h>
#include <sys/types.h>

#include <libunwind.h>

#include "maps.h"

struct sp_stack_eh;

/* A new, empty set for one process; NULL on ENOMEM. */
struct sp_stack_eh *sp_stack_eh_new(void);
void sp_stack_eh_free(struct sp_stack_eh *eh);

/*
 * find_proc_info for ip in process pid (whose maps are maps): through
 * libunwind-ptrace first, and when it has nothing, through the table of
 * ip's module, built on its first use.  libunwind's return codes.
 */
int sp_stack_eh_find_proc_info(struct sp_stack_eh *eh, struct sp_maps *maps, pid_t pid,
                               unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                               int need_unwind_info, void *arg);

/*
 * The word at addr when it is one of eh's: in a table's address range, 0
 * and *val (zero-filled past a table's last byte), -EFAULT when no table
 * is there (eh may be NULL); in an indexed module's .eh_frame, 0 and the
 * file's bytes (what libunwind reads the FDEs from).  -ENOENT for any
 * other address: the tracee's to answer.  Such words never change while
 * eh exists: they are no evidence a cached call path needs to check.
 */
int sp_stack_eh_word(const struct sp_stack_eh *eh, unw_word_t addr, unw_word_t *val);

/* Tables built so far (modules met without .eh_frame_hdr that had an .eh_frame). */
unsigned long sp_stack_eh_tables(const struct sp_stack_eh *eh);

#endif /* SYSPHASE_TRACER_STACK_EH_H */
