/* SPDX-License-Identifier: MIT */
/*
 * Making a stopped tracee install a seccomp filter on itself.  seccomp(2)
 * only ever acts on the calling thread (and, with TSYNC, its siblings), so
 * a supervisor that wants to narrow a running program's filter has to make
 * the program call it.  It is done at a syscall-entry stop, where the
 * kernel has not yet run the call through seccomp (since Linux 4.8 the
 * filters run after the ptrace entry stop, "to catch any tracer
 * changes"): the call is replaced by seccomp(), and the thread then
 * re-issues its own call, which the new filter judges.
 */
#ifndef SYSPHASE_TRACER_INJECT_H
#define SYSPHASE_TRACER_INJECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct sp_inject_outcome {
	int seccomp_ret;    /* the injected call's result: 0 or -errno */
	int pending_signal; /* a signal that arrived meanwhile, re-sent with tkill */
	bool gone;          /* the thread died during the injection */
	int gone_status;    /* its wait status then */
	bool stuck;         /* the call did not return by the deadline (or a stop request) */
	const char *step;   /* what failed, for a message, when the result is < 0 */
	bool unfit_area;    /* step says why the memory below the red zone cannot hold it */
};

/*
 * Whether the len bytes at area, which an injection borrows below thread
 * tid's red zone, are memory that no task outside the held ones can write
 * while a program or a path sits there: private mappings only.  A program
 * that points its stack pointer into a MAP_SHARED mapping before a call
 * would let another process (which no holding stops) rewrite the filter
 * between sysphase's write and the kernel's copy.  0, or -EPERM (shared),
 * -EFAULT (not mapped), -errno (maps unreadable) with *why_not saying so.
 */
int sp_inject_area_fit(pid_t tid, uint64_t area, size_t len, const char **why_not);

/*
 * Thread tid sits at the syscall-entry stop of an x86-64 (or x32) call.
 * Writes struct sock_fprog and the len instructions at insns below the
 * thread's red zone, replaces the call by
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &fprog), runs it to its exit
 * stop, then restores the stack bytes used, the signal mask and the
 * registers of the entry stop with the instruction pointer rewound over
 * the 2-byte `syscall` (rip - 2, rax = orig_rax = the call's number): on
 * its restart the thread makes its own call again, under the new filter.
 * No instruction byte is read: at an x86-64 entry the kernel came through
 * `syscall`, whose 2 bytes end at rip.
 *
 * The wait for the injected call ends at *deadline (CLOCK_MONOTONIC) or
 * when *stop becomes non-zero: a filter of the program's own may answer
 * seccomp() with SECCOMP_RET_USER_NOTIF and a listener nobody reads.
 * Then out->stuck is set, -ETIMEDOUT (-EINTR for *stop) returned, and the
 * thread is in the kernel, not restored: the caller must kill it.
 *
 * Returns 0 when the injection ran (out says how seccomp answered), or
 * -errno (out->step says which step) when the thread could not be
 * borrowed, its memory read or written, or restored.  The thread is left
 * at the injected call's exit stop unless out->gone or out->stuck.
 */
int sp_inject_seccomp_at_entry(pid_t tid, const void *insns, size_t len, unsigned long flags,
                               const struct timespec *deadline, volatile sig_atomic_t *stop,
                               struct sp_inject_outcome *out);

#endif /* SYSPHASE_TRACER_INJECT_H */
