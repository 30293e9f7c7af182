/* SPDX-License-Identifier: MIT */
/*
 * Counters of the stack unwinder, for its unit test (the symbol cache must
 * be seen to work) and for measuring.  Not part of the tracer's interface.
 */
#ifndef SYSPHASE_TRACER_STACK_INTERNAL_H
#define SYSPHASE_TRACER_STACK_INTERNAL_H

#include "stack.h"

struct sp_stack_stats {
	unsigned long captures;      /* sp_stack_capture calls that returned frames */
	unsigned long frames;        /* frames returned in total */
	unsigned long sym_lookups;   /* unw_get_proc_name calls: cache misses */
	unsigned long sym_hits;      /* frames symbolised from the cache */
	unsigned long procs;         /* processes with an address space right now */
	unsigned long upt_creates;   /* _UPT_create calls: threads (re)met */
	unsigned long leaf_restarts; /* stacks continued above a leaf without unwind info */
	unsigned long path_hits;     /* captures answered by the call-path cache */
	unsigned long path_misses;   /* captures unwound by libunwind */
	unsigned long paths;         /* call paths cached right now, over every process */
	unsigned long eh_tables; /* .eh_frame tables built for modules without .eh_frame_hdr, now */
};

/* Copies the counters into *out. */
void sp_stack_get_stats(const struct sp_stack *st, struct sp_stack_stats *out);

#endif /* SYSPHASE_TRACER_STACK_INTERNAL_H */
