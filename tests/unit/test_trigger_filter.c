/* SPDX-License-Identifier: MIT */
/*
 * run's trigger filters (enforce/triggers.c): SECCOMP_RET_TRACE with
 * sysphase's mark for the calls a phase's triggers name and for every
 * call of another ABI, ALLOW for the rest.  Judged by the BPF simulator
 * on a table of (arch, nr) -> action, then live, kselftest style, in a
 * forked child with no tracer: there the kernel fails a traced call with
 * ENOSYS (seccomp(2)), which is why a thread holding one is never let go.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforce/internal.h"
#include "tests/tracees/ia32.h"

#define TRACED (SECCOMP_RET_TRACE | SP_TRACER_TRACE_MARK)

static void set(uint8_t *bits, long nr)
{
	bits[nr / 8] |= (uint8_t)(1u << (nr % 8));
}

/* A filter tracing read and epoll_wait, as generic's initialization would (among others). */
static void build(struct sock_filter **insns, size_t *len)
{
	uint8_t bits[1024 / 8] = {0};

	set(bits, SYS_read);
	set(bits, SYS_epoll_wait);
	assert_int_equal(sp_trigger_filter_bpf(bits, insns, len), 0);
	assert_true(*len > 0);
}

static void test_table(void **state)
{
	static const struct {
		uint32_t arch;
		int nr;
		uint32_t want;
	} rows[] = {
	    {AUDIT_ARCH_X86_64, SYS_read, TRACED},
	    {AUDIT_ARCH_X86_64, SYS_epoll_wait, TRACED},
	    {AUDIT_ARCH_X86_64, SYS_write, SECCOMP_RET_ALLOW},
	    {AUDIT_ARCH_X86_64, SYS_futex, SECCOMP_RET_ALLOW},
	    /* x32 numbers share the arch: the bad-arch action, never ALLOW. */
	    {AUDIT_ARCH_X86_64, 0x40000000 | SYS_write, TRACED},
	    {AUDIT_ARCH_X86_64, 0x40000000 | SYS_read, TRACED},
	    /* i386 (int 0x80): 4 is write, 3 read there. */
	    {AUDIT_ARCH_I386, 4, TRACED},
	    {AUDIT_ARCH_I386, 3, TRACED},
	    {AUDIT_ARCH_AARCH64, SYS_write, TRACED},
	};
	struct sock_filter *insns;
	size_t len;

	(void)state;
	build(&insns, &len);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct seccomp_data sd = {.nr = rows[i].nr, .arch = rows[i].arch};
		uint32_t got = 0;

		assert_int_equal(sp_bpf_run(insns, len, &sd, &got), 0);
		if (got != rows[i].want)
			fail_msg("arch 0x%x nr 0x%x: 0x%x, want 0x%x", rows[i].arch, rows[i].nr,
			         got, rows[i].want);
	}
	free(insns);
}

enum {
	VIA_X86_64,
	VIA_I386
};

/* Loads the filter, makes one call, exits 0 (it ran), 2 (ENOSYS) or 3 (another error). */
static __attribute__((noreturn)) void child(const struct sock_fprog *prog, int via, long nr)
{
	long r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
		_exit(100);
	if (via == VIA_I386) {
		r = ia32_syscall0(nr);
		errno = r < 0 && r >= -4095 ? (int)-r : 0;
		r = r < 0 && r >= -4095 ? -1 : r;
	} else {
		/* read(-1) and write(-1) fail with EBADF when they run at all. */
		r = syscall(nr, -1, NULL, 0);
	}
	syscall(SYS_exit_group, r != -1 ? 0 : errno == ENOSYS ? 2 : 3);
	_exit(101);
}

static int run_live(int via, long nr)
{
	struct sock_filter *insns;
	struct sock_fprog prog;
	size_t len;
	pid_t pid;
	int status;

	build(&insns, &len);
	prog = (struct sock_fprog){.len = (unsigned short)len, .filter = insns};
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(&prog, via, nr);
	free(insns);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_live(void **state)
{
	int ia32 = ia32_available();

	(void)state;
	/* Without a tracer a traced call is ENOSYS; the others run (EBADF). */
	assert_int_equal(run_live(VIA_X86_64, SYS_read), 2);
	assert_int_equal(run_live(VIA_X86_64, SYS_write), 3);
	assert_true(ia32 >= 0);
	if (ia32)
		assert_int_equal(run_live(VIA_I386, IA32_NR_GETPID), 2);
	else
		print_message("skip: the i386 case: this kernel has no IA32 emulation\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
