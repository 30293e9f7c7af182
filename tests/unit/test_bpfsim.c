/* SPDX-License-Identifier: MIT */
/*
 * The BPF simulator against the kernel: each case is a classic BPF program
 * and a call (number, arguments); the simulator's answer is compared with
 * what the kernel does with the same program loaded in a forked child
 * (how the call ends: returned, an errno carrying the data, SIGSYS), and
 * the simulator's checker with whether seccomp() takes the program.  The
 * programs use every instruction class seccomp accepts, and the refused
 * ones are the kernel checker's own cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sysphase/filters.h"

#define MAX_CASE_INSNS 24
#define OFF_NR         0
#define OFF_ARCH       4
#define OFF_ARG_LO(i)  (16 + 8 * (i))
#define OFF_ARG_HI(i)  (20 + 8 * (i))
#define ERRNO(d)       (SECCOMP_RET_ERRNO | (d))

struct sim_case {
	const char *what;
	struct sock_filter insns[MAX_CASE_INSNS];
	long nr;
	uint64_t args[3];
};

#define I(code, k)         BPF_STMT(code, k)
#define J(code, k, jt, jf) BPF_JUMP(code, k, jt, jf)
#define RET_ALLOW          I(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* clang-format off */
static const struct sim_case run_cases[] = {
	{"nr test, hit", {I(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
	  J(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1), I(BPF_RET | BPF_K, ERRNO(11)), RET_ALLOW},
	 SYS_getppid, {0}},
	{"nr test, miss", {I(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
	  J(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1), I(BPF_RET | BPF_K, ERRNO(11)), RET_ALLOW},
	 SYS_getpid, {0}},
	{"arch is x86-64", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH),
	  J(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), I(BPF_RET | BPF_K, ERRNO(12)),
	  I(BPF_RET | BPF_K, ERRNO(13))}, SYS_getpid, {0}},
	{"high half of an argument", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_HI(1)),
	  J(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1), I(BPF_RET | BPF_K, ERRNO(14)), RET_ALLOW},
	 SYS_getpid, {0, 0x700000001ULL}},
	/* RET A with A built by every ALU operation, K and X forms. */
	{"alu K chain", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)), I(BPF_ALU | BPF_ADD | BPF_K, 3),
	  I(BPF_ALU | BPF_MUL | BPF_K, 5), I(BPF_ALU | BPF_SUB | BPF_K, 2),
	  I(BPF_ALU | BPF_DIV | BPF_K, 3), I(BPF_ALU | BPF_XOR | BPF_K, 0x5),
	  I(BPF_ALU | BPF_LSH | BPF_K, 2), I(BPF_ALU | BPF_RSH | BPF_K, 1),
	  I(BPF_ALU | BPF_AND | BPF_K, 0xff), I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	  I(BPF_RET | BPF_A, 0)}, SYS_getpid, {9}},
	{"alu X chain", {I(BPF_LDX | BPF_IMM, 3), I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  I(BPF_ALU | BPF_ADD | BPF_X, 0), I(BPF_ALU | BPF_MUL | BPF_X, 0),
	  I(BPF_ALU | BPF_SUB | BPF_X, 0), I(BPF_ALU | BPF_DIV | BPF_X, 0),
	  I(BPF_ALU | BPF_XOR | BPF_X, 0), I(BPF_ALU | BPF_LSH | BPF_X, 0),
	  I(BPF_ALU | BPF_RSH | BPF_X, 0), I(BPF_ALU | BPF_OR | BPF_X, 0),
	  I(BPF_ALU | BPF_AND | BPF_K, 0xff), I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	  I(BPF_RET | BPF_A, 0)}, SYS_getpid, {20}},
	{"neg", {I(BPF_LD | BPF_IMM, 0xffffff9c), I(BPF_ALU | BPF_NEG, 0),
	  I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	{"32-bit wrap-around", {I(BPF_LD | BPF_IMM, 0xfffffff0), I(BPF_ALU | BPF_ADD | BPF_K, 0x25),
	  I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	{"shift by X of 33", {I(BPF_LDX | BPF_IMM, 33), I(BPF_LD | BPF_IMM, 5),
	  I(BPF_ALU | BPF_LSH | BPF_X, 0), I(BPF_ALU | BPF_AND | BPF_K, 0xff),
	  I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	{"divide by a zero X", {I(BPF_LDX | BPF_IMM, 0), I(BPF_LD | BPF_IMM, 5),
	  I(BPF_ALU | BPF_DIV | BPF_X, 0), I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	  I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	/* Scratch memory, register moves, the length loads. */
	{"st/ldx/txa", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(2)), I(BPF_ST, 3),
	  I(BPF_LD | BPF_IMM, 0), I(BPF_LDX | BPF_MEM, 3), I(BPF_MISC | BPF_TXA, 0),
	  I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), I(BPF_RET | BPF_A, 0)}, SYS_getpid,
	 {0, 0, 42}},
	{"tax/stx/ld mem", {I(BPF_LD | BPF_IMM, 17), I(BPF_MISC | BPF_TAX, 0), I(BPF_STX, 15),
	  I(BPF_LD | BPF_IMM, 0), I(BPF_LD | BPF_MEM, 15),
	  I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO), I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	{"ld len", {I(BPF_LD | BPF_W | BPF_LEN, 0), I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	  I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	{"ldx len", {I(BPF_LDX | BPF_W | BPF_LEN, 0), I(BPF_MISC | BPF_TXA, 0),
	  I(BPF_ALU | BPF_ADD | BPF_K, 1), I(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	  I(BPF_RET | BPF_A, 0)}, SYS_getpid, {0}},
	/* Every jump, K and X, both ways. */
	{"jge K taken", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGE | BPF_K, 10, 0, 1), I(BPF_RET | BPF_K, ERRNO(21)),
	  I(BPF_RET | BPF_K, ERRNO(22))}, SYS_getpid, {10}},
	{"jge K not taken", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGE | BPF_K, 10, 0, 1), I(BPF_RET | BPF_K, ERRNO(21)),
	  I(BPF_RET | BPF_K, ERRNO(22))}, SYS_getpid, {9}},
	{"jgt K at the bound", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGT | BPF_K, 10, 0, 1), I(BPF_RET | BPF_K, ERRNO(23)),
	  I(BPF_RET | BPF_K, ERRNO(24))}, SYS_getpid, {10}},
	{"jgt K unsigned", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGT | BPF_K, 10, 0, 1), I(BPF_RET | BPF_K, ERRNO(23)),
	  I(BPF_RET | BPF_K, ERRNO(24))}, SYS_getpid, {0xffffffffULL}},
	{"jset K", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JSET | BPF_K, 0x800000, 0, 1), I(BPF_RET | BPF_K, ERRNO(25)),
	  I(BPF_RET | BPF_K, ERRNO(26))}, SYS_getpid, {0x800011}},
	{"jset K clear", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JSET | BPF_K, 0x800000, 0, 1), I(BPF_RET | BPF_K, ERRNO(25)),
	  I(BPF_RET | BPF_K, ERRNO(26))}, SYS_getpid, {0x11}},
	{"jeq X", {I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(1)), I(BPF_MISC | BPF_TAX, 0),
	  I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)), J(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
	  I(BPF_RET | BPF_K, ERRNO(27)), I(BPF_RET | BPF_K, ERRNO(28))}, SYS_getpid, {5, 5}},
	{"jgt X", {I(BPF_LDX | BPF_IMM, 7), I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), I(BPF_RET | BPF_K, ERRNO(29)),
	  I(BPF_RET | BPF_K, ERRNO(30))}, SYS_getpid, {8}},
	{"jge X", {I(BPF_LDX | BPF_IMM, 7), I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 1), I(BPF_RET | BPF_K, ERRNO(31)),
	  I(BPF_RET | BPF_K, ERRNO(32))}, SYS_getpid, {6}},
	{"jset X", {I(BPF_LDX | BPF_IMM, 6), I(BPF_LD | BPF_W | BPF_ABS, OFF_ARG_LO(0)),
	  J(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), I(BPF_RET | BPF_K, ERRNO(33)),
	  I(BPF_RET | BPF_K, ERRNO(34))}, SYS_getpid, {4}},
	{"ja over a return", {I(BPF_JMP | BPF_JA, 1), I(BPF_RET | BPF_K, ERRNO(35)),
	  I(BPF_RET | BPF_K, ERRNO(36))}, SYS_getpid, {0}},
	/* The actions themselves. */
	{"kill process", {I(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)}, SYS_getpid, {0}},
	{"kill thread", {I(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD)}, SYS_getpid, {0}},
	{"errno 0", {I(BPF_RET | BPF_K, ERRNO(0))}, SYS_getpid, {0}},
	{"allow", {RET_ALLOW}, SYS_getpid, {0}},
};

/* Programs the kernel refuses: bpf_check_classic() and seccomp_check_filter(). */
static const struct sim_case refused_cases[] = {
	{"load past seccomp_data", {I(BPF_LD | BPF_W | BPF_ABS, 64), RET_ALLOW}, 0, {0}},
	{"unaligned load", {I(BPF_LD | BPF_W | BPF_ABS, 2), RET_ALLOW}, 0, {0}},
	{"byte load", {I(BPF_LD | BPF_B | BPF_ABS, 0), RET_ALLOW}, 0, {0}},
	{"half-word load", {I(BPF_LD | BPF_H | BPF_ABS, 0), RET_ALLOW}, 0, {0}},
	{"indirect load", {I(BPF_LD | BPF_W | BPF_IND, 0), RET_ALLOW}, 0, {0}},
	{"ldx msh", {I(BPF_LDX | BPF_B | BPF_MSH, 0), RET_ALLOW}, 0, {0}},
	{"mod", {I(BPF_ALU | BPF_MOD | BPF_K, 3), RET_ALLOW}, 0, {0}},
	{"divide by K 0", {I(BPF_ALU | BPF_DIV | BPF_K, 0), RET_ALLOW}, 0, {0}},
	{"shift by K 32", {I(BPF_ALU | BPF_LSH | BPF_K, 32), RET_ALLOW}, 0, {0}},
	{"jt past the end", {J(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_ALLOW}, 0, {0}},
	{"jf past the end", {J(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 1), RET_ALLOW}, 0, {0}},
	{"ja past the end", {I(BPF_JMP | BPF_JA, 1), RET_ALLOW}, 0, {0}},
	{"ja far", {I(BPF_JMP | BPF_JA, 0xffffffff), RET_ALLOW}, 0, {0}},
	{"scratch word 16", {I(BPF_ST, 16), RET_ALLOW}, 0, {0}},
	{"read before write", {I(BPF_LD | BPF_MEM, 2), RET_ALLOW}, 0, {0}},
	{"written on one path only", {I(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
	  J(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), I(BPF_ST, 4), I(BPF_LDX | BPF_MEM, 4), RET_ALLOW},
	 0, {0}},
	{"no final return", {RET_ALLOW, I(BPF_LD | BPF_W | BPF_ABS, 0)}, 0, {0}},
	{"unknown opcode", {I(0xffff, 0), RET_ALLOW}, 0, {0}},
	{"ret X", {I(BPF_RET | BPF_X, 0), RET_ALLOW}, 0, {0}},
};
/* clang-format on */

/* The program's length: up to the last non-empty instruction (a zero insn is `ld #0`, not used). */
static size_t case_len(const struct sim_case *c)
{
	size_t n = MAX_CASE_INSNS;

	while (n > 0 && c->insns[n - 1].code == 0 && c->insns[n - 1].k == 0)
		n--;
	return n;
}

/*
 * Every program gets a two-instruction head letting exit_group through, so
 * the child can report; jumps are relative, so the case is unchanged.
 */
static size_t with_exit_allowed(const struct sim_case *c, struct sock_filter *out)
{
	size_t n = case_len(c);

	out[0] = (struct sock_filter)I(BPF_LD | BPF_W | BPF_ABS, OFF_NR);
	out[1] = (struct sock_filter)J(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 0, 1);
	out[2] = (struct sock_filter)RET_ALLOW;
	memcpy(out + 3, c->insns, n * sizeof(*out));
	return n + 3;
}

/* How a call ends: 0 returned, 1..255 the errno it failed with, 256 + signal when killed. */
enum {
	LOAD_REFUSED = 1000,
	BROKEN = 1001
};

static int ending_of_action(uint32_t action)
{
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return 0;
	case SECCOMP_RET_ERRNO:
		return (int)(action & SECCOMP_RET_DATA);
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		return 256 + SIGSYS;
	default:
		return BROKEN;
	}
}

static int kernel_ending(const struct sock_filter *insns, size_t len, long nr, const uint64_t *args)
{
	struct sock_fprog prog = {.len = (unsigned short)len,
	                          .filter = (struct sock_filter *)insns};
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			_exit(252);
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
			_exit(errno == EINVAL ? 253 : 254);
		errno = 0;
		r = syscall(nr, args[0], args[1], args[2]);
		/* exit_group directly: libc's exit could make calls the filter refuses. */
		syscall(SYS_exit_group, r == -1 ? (errno > 0 && errno < 250 ? errno : 251) : 0);
		_exit(255);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 256 + WTERMSIG(status);
	if (WEXITSTATUS(status) == 253)
		return LOAD_REFUSED;
	return WEXITSTATUS(status) >= 251 ? BROKEN : WEXITSTATUS(status);
}

static void test_runs_as_the_kernel(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
		const struct sim_case *c = &run_cases[i];
		struct sock_filter prog[MAX_CASE_INSNS + 3];
		size_t len = with_exit_allowed(c, prog);
		struct seccomp_data sd = {.nr = (int)c->nr, .arch = AUDIT_ARCH_X86_64};
		uint32_t action = 0xdeadbeef;
		int sim, kern;

		memcpy(sd.args, c->args, sizeof(c->args));
		if (sp_bpf_run(prog, len, &sd, &action) != 0) {
			print_error("case '%s': the simulator refused the program\n", c->what);
			failed++;
			continue;
		}
		sim = ending_of_action(action);
		kern = kernel_ending(prog, len, c->nr, c->args);
		if (sim != kern) {
			print_error("case '%s': simulator 0x%x (ending %d), kernel ending %d\n",
			            c->what, action, sim, kern);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_refuses_as_the_kernel(void **state)
{
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(refused_cases) / sizeof(refused_cases[0]); i++) {
		const struct sim_case *c = &refused_cases[i];
		struct sock_filter prog[MAX_CASE_INSNS + 3];
		size_t len = with_exit_allowed(c, prog);
		uint64_t none[3] = {0};
		uint32_t action = 0;
		struct seccomp_data sd = {0};

		if (kernel_ending(prog, len, SYS_getpid, none) != LOAD_REFUSED) {
			print_error("case '%s': the kernel took the program\n", c->what);
			failed++;
		}
		if (sp_bpf_check(prog, len) != -EINVAL ||
		    sp_bpf_run(prog, len, &sd, &action) != -EINVAL) {
			print_error("case '%s': the simulator took the program\n", c->what);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_lengths(void **state)
{
	static struct sock_filter big[BPF_MAXINSNS + 1];
	uint64_t none[3] = {0};

	(void)state;
	for (size_t i = 0; i < BPF_MAXINSNS + 1; i++)
		big[i] = (struct sock_filter)RET_ALLOW;
	assert_int_equal(sp_bpf_check(big, 0), -EINVAL);
	assert_int_equal(sp_bpf_check(NULL, 1), -EINVAL);
	assert_int_equal(sp_bpf_check(big, BPF_MAXINSNS), 0);
	assert_int_equal(kernel_ending(big, BPF_MAXINSNS, SYS_getpid, none), 0);
	assert_int_equal(sp_bpf_check(big, BPF_MAXINSNS + 1), -EINVAL);
	assert_int_equal(kernel_ending(big, BPF_MAXINSNS + 1, SYS_getpid, none), LOAD_REFUSED);
}

/* A libseccomp filter, as run builds it, gives the same verdicts simulated and loaded. */
static void test_libseccomp_filter(void **state)
{
	struct sp_allow allow[] = {
	    {.name = "exit_group"},
	    {.name = "getpid",
	     .n_conds = 1,
	     .conds = {{.index = 0, .op = SCMP_CMP_MASKED_EQ, .mask = 4, .n_values = 1}}},
	    {.name = "clone"},
	};
	struct sp_filter_spec spec = {SP_ACTION_ERRNO, 3, allow, true};
	struct sp_diag diag = {{0}};
	struct sock_filter *insns;
	scmp_filter_ctx ctx;
	size_t len;
	static const struct {
		long nr;
		uint64_t args[3];
	} calls[] = {
	    {SYS_getpid, {3}},        {SYS_getpid, {7}}, {SYS_getpid, {0x100000003ULL}},
	    {SYS_getppid, {0}},       {SYS_clone3, {0}}, {SYS_getpid | 0x40000000, {0}},
	    {SYS_getuid, {0x800000}},
	};

	(void)state;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &len), 0);
	seccomp_release(ctx);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct seccomp_data sd = {.nr = (int)calls[i].nr, .arch = AUDIT_ARCH_X86_64};
		uint32_t action;

		memcpy(sd.args, calls[i].args, sizeof(calls[i].args));
		assert_int_equal(sp_bpf_run(insns, len, &sd, &action), 0);
		assert_int_equal(ending_of_action(action),
		                 kernel_ending(insns, len, calls[i].nr, calls[i].args));
	}
	free(insns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runs_as_the_kernel),
	    cmocka_unit_test(test_refuses_as_the_kernel),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_libseccomp_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
