/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "inject.h"
#include "mem.h"

/* The x86-64 ABI lets leaf code use 128 bytes below %rsp; stay clear of it. */
#define RED_ZONE  128
/* Largest classic BPF program the kernel takes (BPF_MAXINSNS). */
#define MAX_INSNS 4096

static int write_words(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	const unsigned char *p = buf;

	if (process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	/* Refused (e.g. no CAP_SYS_PTRACE over a non-dumpable tracee): a word at a time. */
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word;

		memcpy(&word, p + off, sizeof(word));
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)(addr + off), (void *)word) < 0)
			return -errno;
	}
	return 0;
}

/* Is the instruction before the exit stop's %rip the two-byte `syscall` (0f 05)? */
static bool came_through_syscall_insn(pid_t tid, uint64_t rip)
{
	unsigned char insn[2];

	if (sp_mem_read(tid, rip - 2, insn, sizeof(insn)) < 0)
		return false;
	return insn[0] == 0x0f && insn[1] == 0x05;
}

/*
 * Runs the thread to its next syscall stop.  Blockable signals wait in
 * the queue (see block_signals); a signal-delivery stop here can only be
 * one that cannot be blocked, such as SIGSTOP.  It is held back (and
 * re-sent afterwards), since delivering it in the middle would act on
 * half-injected registers.
 */
static int step_to_syscall_stop(pid_t tid, struct sp_inject_outcome *out)
{
	int status;

	if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		pid_t got = waitpid(tid, &status, __WALL);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
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
 * Signals that are pending when it leaves its stop (e.g. those the very
 * syscall that triggered the injection just unblocked) would otherwise be
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

bool sp_inject_ready(pid_t tid)
{
	struct user_regs_struct regs;

	return ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0 &&
	       came_through_syscall_insn(tid, regs.rip);
}

int sp_inject_seccomp(pid_t tid, const void *insns, size_t len, unsigned long flags,
                      struct sp_inject_outcome *out)
{
	struct user_regs_struct saved, regs;
	kernel_sigset saved_mask;
	struct sock_fprog fprog;
	size_t prog_bytes = len * sizeof(struct sock_filter);
	size_t area_len;
	uint64_t area, prog_addr;
	unsigned char *backup = NULL, *image = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > MAX_INSNS)
		return -EINVAL;
	if (ptrace(PTRACE_GETREGS, tid, 0, &saved) < 0)
		return -errno;
	if (!came_through_syscall_insn(tid, saved.rip))
		return -ENOTSUP;

	/* fprog first, the instructions after it; whole words so PEEK/POKE fallbacks fit. */
	area_len = (sizeof(fprog) + prog_bytes + 15) & ~(size_t)15;
	area = (saved.rsp - RED_ZONE - area_len) & ~(uint64_t)15;
	prog_addr = area + sizeof(fprog);
	backup = malloc(area_len);
	image = calloc(1, area_len);
	if (!backup || !image) {
		rc = -ENOMEM;
		goto out;
	}
	rc = sp_mem_read(tid, area, backup, area_len);
	if (rc < 0)
		goto out;
	fprog.len = (unsigned short)len;
	fprog.filter = (struct sock_filter *)(uintptr_t)prog_addr;
	memcpy(image, &fprog, sizeof(fprog));
	memcpy(image + sizeof(fprog), insns, prog_bytes);
	rc = write_words(tid, area, image, area_len);
	if (rc < 0)
		goto out;

	rc = block_signals(tid, &saved_mask);
	if (rc < 0)
		goto restore_memory;

	regs = saved;
	regs.rip = saved.rip - 2;
	regs.rax = regs.orig_rax = SYS_seccomp;
	regs.rdi = SECCOMP_SET_MODE_FILTER;
	regs.rsi = flags;
	regs.rdx = area;
	if (ptrace(PTRACE_SETREGS, tid, 0, &regs) < 0) {
		rc = -errno;
		goto restore_mask;
	}
	/* Entry stop of our seccomp(), then its exit stop. */
	rc = step_to_syscall_stop(tid, out);
	if (rc == 0)
		rc = step_to_syscall_stop(tid, out);
	if (rc < 0)
		goto restore_regs;
	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0) {
		rc = -errno;
		goto restore_regs;
	}
	out->seccomp_ret = (int)(long)regs.rax;

restore_regs:
	if (!out->gone && ptrace(PTRACE_SETREGS, tid, 0, &saved) < 0 && rc == 0)
		rc = -errno;
restore_mask:
	if (!out->gone &&
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(saved_mask), &saved_mask) < 0 && rc == 0)
		rc = -errno;
restore_memory:
	if (!out->gone) {
		int wrc = write_words(tid, area, backup, area_len);

		if (wrc < 0 && rc == 0)
			rc = wrc;
	}
	if (!out->gone && out->pending_signal)
		syscall(SYS_tkill, tid, out->pending_signal);
out:
	free(backup);
	free(image);
	return rc;
}
