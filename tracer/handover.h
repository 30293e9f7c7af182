/* SPDX-License-Identifier: MIT */
/*
 * Verifying a filter hand-over: after an injected seccomp(), the kernel's
 * own account of every thread's filters must show the program we built.
 * Nothing the program says (the injected call's result, its memory) is
 * taken on trust: its own filter can fake seccomp()'s result, and its
 * other threads can rewrite the program before the kernel copies it.
 */
#ifndef SYSPHASE_TRACER_HANDOVER_H
#define SYSPHASE_TRACER_HANDOVER_H

#include <stddef.h>
#include <sys/types.h>

#include <linux/filter.h>

#include "sysphase/core.h"

/* The filter count of each thread of a process, from /proc/PID/task/TID/status. */
struct sp_filter_counts {
	size_t n, cap;
	struct {
		pid_t tid;
		long filters;
	} * t;
};

/*
 * Every thread of pid now and its count: 0, or -errno (-ESRCH: the
 * process is gone; -ENOTSUP: the kernel shows no Seccomp_filters).
 */
int sp_filter_counts_read(pid_t pid, struct sp_filter_counts *c);
void sp_filter_counts_free(struct sp_filter_counts *c);

/*
 * Every thread of pid must hold exactly want filters.  0, or -EPERM with
 * why naming the first thread that does not.
 */
int sp_handover_check_counts(pid_t pid, long want, struct sp_diag *why);

/* Thread tid of pid must hold exactly want filters (a hand-over without TSYNC). */
int sp_handover_check_thread(pid_t pid, pid_t tid, long want, struct sp_diag *why);

/*
 * Filter number index (0 the oldest) of stopped thread tid, read back with
 * PTRACE_SECCOMP_GET_FILTER, must be insns[0..len).  0 when equal, 1 when
 * it cannot be read back without CAP_SYS_ADMIN (nothing checked), -EPERM
 * with why when it differs or the read fails otherwise.
 */
int sp_handover_check_program(pid_t tid, long index, const struct sock_filter *insns, size_t len,
                              struct sp_diag *why);

#endif /* SYSPHASE_TRACER_HANDOVER_H */
