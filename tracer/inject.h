/* SPDX-License-Identifier: MIT */
/*
 * Making a stopped tracee install a seccomp filter on itself.  seccomp(2)
 * only ever acts on the calling thread (and, with TSYNC, its siblings), so
 * a supervisor that wants to narrow a running program's filter has to make
 * the program call it: borrow the thread at a syscall-exit stop, run one
 * syscall of our own in it, and put everything back.
 */
#ifndef SYSPHASE_TRACER_INJECT_H
#define SYSPHASE_TRACER_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sp_inject_outcome {
	int seccomp_ret;    /* the injected call's result: 0 or -errno */
	int pending_signal; /* a signal that arrived meanwhile, re-sent with tgkill */
	bool gone;          /* the thread died during the injection */
	int gone_status;    /* its wait status then */
};

/*
 * Thread tid must sit at a syscall-exit stop of an x86-64 `syscall`
 * instruction.  Writes struct sock_fprog and the len instructions at
 * insns below the thread's red zone, runs
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &fprog) in it, then restores its
 * registers and the stack bytes used.  Returns 0 when the injection ran
 * (out says how seccomp answered), -errno when the thread could not be
 * borrowed or restored.  The thread is left at the syscall-exit stop
 * unless out->gone.
 */
/* Whether tid, at a syscall-exit stop, came through a `syscall` instruction it can re-run. */
bool sp_inject_ready(pid_t tid);

int sp_inject_seccomp(pid_t tid, const void *insns, size_t len, unsigned long flags,
                      struct sp_inject_outcome *out);

#endif /* SYSPHASE_TRACER_INJECT_H */
