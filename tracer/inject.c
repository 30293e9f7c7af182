/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "inject.h"
#include "sysphase/procfs.h"
#include "mem.h"

/* The x86-64 ABI lets leaf code use 128 bytes below %rsp; stay clear of it. */
#define RED_ZONE  128
/* Largest classic BPF program the kernel takes (BPF_MAXINSNS). */
#define MAX_INSNS 4096

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/*
 * Waits for tid's next stop without ever blocking: a thread whose call
 * sleeps (a USER_NOTIF nobody answers) must not hold the supervisor.
 * Polls, from 20 us up to 1 ms between looks.
 */
static int wait_stop_bounded(pid_t tid, int *status, const struct timespec *deadline,
                             volatile sig_atomic_t *stop)
{
	long pause_ns = 20 * 1000;

	for (;;) {
		pid_t got = waitpid(tid, status, __WALL | WNOHANG);
		struct timespec ts;

		if (got == tid)
			return 0;
		if (got < 0 && errno != EINTR)
			return -errno;
		if (stop && *stop)
			return -EINTR;
		if (past(deadline))
			return -ETIMEDOUT;
		ts.tv_sec = 0;
		ts.tv_nsec = pause_ns;
		nanosleep(&ts, NULL);
		if (pause_ns < 1000 * 1000)
			pause_ns *= 2;
	}
}

/*
 * Runs the thread to the exit stop of the injected call.  Blockable
 * signals wait in the queue (see block_signals); a signal-delivery stop
 * here can only be one that cannot be blocked, such as SIGSTOP.  It is
 * held back (and re-sent afterwards), since delivering it in the middle
 * would act on half-injected registers.
 */
static int run_to_exit_stop(pid_t tid, const struct timespec *deadline, volatile sig_atomic_t *stop,
                            struct sp_inject_outcome *out)
{
	int status, rc;

	if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		rc = wait_stop_bounded(tid, &status, deadline, stop);
		if (rc == -ETIMEDOUT || rc == -EINTR) {
			out->stuck = true;
			return rc;
		}
		if (rc < 0)
			return rc;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			out->gone = true;
			out->gone_status = status;
			return -ESRCH;
		}
		if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if (WIFSTOPPED(status) && (status >> 16) == 0 && !out->pending_signal)
			out->pending_signal = WSTOPSIG(status);
		if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
			return -errno;
	}
}

/*
 * The kernel's signal set as PTRACE_GETSIGMASK/SETSIGMASK take it: 64 bits
 * on x86-64 (the size is passed as the request's addr argument).
 */
typedef uint64_t kernel_sigset;

/*
 * Blocks every signal the thread can block while it runs our syscall.
 * Signals that are pending when it leaves its stop would otherwise be
 * delivered right away: suppressing them and re-sending them later drops
 * all but one and turns their siginfo (si_code, sigqueue values, senders)
 * into a tkill's.  Blocked, they stay queued with everything they carry
 * and are delivered once the old mask is back.
 */
static int block_signals(pid_t tid, kernel_sigset *saved)
{
	kernel_sigset all = ~(kernel_sigset)0; /* the kernel leaves out SIGKILL and SIGSTOP */

	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(*saved), saved) < 0)
		return -errno;
	if (ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(all), &all) < 0)
		return -errno;
	return 0;
}

/* Where the fprog and the program go: below the red zone, 16-byte aligned. */
static uint64_t scratch_area(const struct user_regs_struct *regs, size_t area_len)
{
	return (regs->rsp - RED_ZONE - area_len) & ~(uint64_t)15;
}

int sp_inject_area_fit(pid_t tid, uint64_t area, size_t len, const char **why_not)
{
	int rc = sp_proc_private_area(tid, area, len);

	if (rc == -EPERM)
		*why_not = "its stack pointer points into a shared mapping (MAP_SHARED), which "
			   "another process could write while the injected data sits below it";
	else if (rc == -EFAULT)
		*why_not = "its stack pointer leaves no mapped memory below its red zone";
	else if (rc < 0)
		*why_not = "reading its mappings";
	return rc;
}

static int fail(struct sp_inject_outcome *out, const char *step, int rc)
{
	out->step = step;
	return rc;
}

int sp_inject_seccomp_at_entry(pid_t tid, const void *insns, size_t len, unsigned long flags,
                               const struct timespec *deadline, volatile sig_atomic_t *stop,
                               struct sp_inject_outcome *out)
{
	struct user_regs_struct saved, regs;
	kernel_sigset saved_mask;
	struct sock_fprog fprog;
	size_t prog_bytes = len * sizeof(struct sock_filter);
	size_t area_len;
	uint64_t area;
	unsigned char *backup = NULL, *image = NULL;
	int rc, wrc;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > MAX_INSNS)
		return fail(out, "the filter's length", -EINVAL);
	if (ptrace(PTRACE_GETREGS, tid, 0, &saved) < 0)
		return fail(out, "reading its registers", -errno);

	/* fprog first, the instructions after it; whole words so the POKE fallback fits. */
	area_len = (sizeof(fprog) + prog_bytes + 15) & ~(size_t)15;
	area = scratch_area(&saved, area_len);
	backup = malloc(area_len);
	image = calloc(1, area_len);
	if (!backup || !image) {
		rc = fail(out, "memory", -ENOMEM);
		goto out;
	}
	rc = sp_inject_area_fit(tid, area, area_len, &out->step);
	if (rc < 0) {
		out->unfit_area = true;
		goto out;
	}
	/* A read or write refused here is no "try later": the caller fails closed. */
	rc = sp_mem_read(tid, area, backup, area_len);
	if (rc < 0) {
		fail(out, "reading the program's stack", rc);
		goto out;
	}
	fprog.len = (unsigned short)len;
	fprog.filter = (struct sock_filter *)(uintptr_t)(area + sizeof(fprog));
	memcpy(image, &fprog, sizeof(fprog));
	memcpy(image + sizeof(fprog), insns, prog_bytes);
	rc = sp_mem_write(tid, area, image, area_len);
	if (rc < 0) {
		fail(out, "writing the filter into the program's memory", rc);
		goto restore_memory;
	}

	rc = block_signals(tid, &saved_mask);
	if (rc < 0) {
		fail(out, "blocking its signals", rc);
		goto restore_memory;
	}

	/* The entry stop's call becomes seccomp(): the kernel reads orig_rax after the stop. */
	regs = saved;
	regs.orig_rax = SYS_seccomp;
	regs.rdi = SECCOMP_SET_MODE_FILTER;
	regs.rsi = flags;
	regs.rdx = area;
	if (ptrace(PTRACE_SETREGS, tid, 0, &regs) < 0) {
		rc = fail(out, "setting its registers", -errno);
		goto restore_mask;
	}
	rc = run_to_exit_stop(tid, deadline, stop, out);
	if (out->stuck) {
		/* In the kernel, not stopped: nothing can be restored; the caller kills it. */
		fail(out, "waiting for the injected seccomp()", rc);
		goto out;
	}
	if (rc < 0) {
		fail(out, "running the injected seccomp()", rc);
		goto restore_regs;
	}
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0) {
		rc = fail(out, "reading its registers", -errno);
		goto restore_regs;
	}
	out->seccomp_ret = (int)(long)regs.rax;

restore_regs:
	/*
	 * The entry stop's registers, rewound over the `syscall` instruction
	 * with the call's number in rax, as the kernel does itself to restart
	 * a call (-ERESTARTNOINTR): the thread makes its own call again.
	 */
	regs = saved;
	regs.rip = saved.rip - 2;
	regs.rax = saved.orig_rax;
	if (!out->gone && ptrace(PTRACE_SETREGS, tid, 0, &regs) < 0 && rc == 0)
		rc = fail(out, "restoring its registers", -errno);
restore_mask:
	if (!out->gone &&
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(saved_mask), &saved_mask) < 0 && rc == 0)
		rc = fail(out, "restoring its signal mask", -errno);
restore_memory:
	wrc = out->gone ? 0 : sp_mem_write(tid, area, backup, area_len);
	if (wrc < 0 && rc == 0)
		rc = fail(out, "restoring the program's stack", wrc);
	if (!out->gone && out->pending_signal)
		syscall(SYS_tkill, tid, out->pending_signal);
out:
	free(backup);
	free(image);
	return rc;
}
