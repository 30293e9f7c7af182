/* SPDX-License-Identifier: MIT */
/*
 * Filters in real processes, kselftest style: each case forks a child that
 * loads the filter built by sp_filter_build(), makes one syscall, and
 * exits with a code saying how the call ended; the parent asserts that
 * ending (returned, EPERM, ENOSYS, or killed by SIGSYS).
 */
#include <errno.h>
#include <setjmp.h>
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
#include <sched.h>
#include <linux/seccomp.h>

#include "sysphase/filters.h"
#include "tests/tracees/ia32.h"

/* How a call ended; a case lists the endings it accepts as a bit set. */
enum {
	END_OK = 1 << 0,     /* the call returned without error */
	END_EPERM = 1 << 1,  /* -1/EPERM: denied by SECCOMP_RET_ERRNO */
	END_ENOSYS = 1 << 2, /* passed the filter, but the kernel has no such call */
	END_ERR = 1 << 3,    /* another errno */
	END_SIGSYS = 1 << 4, /* killed by SIGSYS: SECCOMP_RET_KILL_PROCESS */
	END_BROKEN = 1 << 5, /* the child could not load the filter, or died otherwise */
};

enum via {
	VIA_X86_64, /* syscall(2) */
	VIA_I386,   /* int $0x80, the i386 ABI inside an x86-64 process */
};

struct filter_case {
	const char *what;
	enum sp_action def;
	struct sp_allow allow[2];
	size_t n_allow;
	enum via via;
	long nr;
	uint64_t args[3];
	unsigned expect;
};

#define X32_BIT     0x40000000L
#define I386_GETPID IA32_NR_GETPID

/* One case per line reads better than the formatter's layout. */
/* clang-format off */
#define ALLOW(n) {.name = (n)}
#define COND(i, o, ...)                                                                            \
	{                                                                                          \
		.index = (i), .op = (o), .n_values = sizeof((uint64_t[]){__VA_ARGS__}) / 8,        \
		.values = {__VA_ARGS__}                                                            \
	}
#define MCOND(i, m, ...)                                                                           \
	{                                                                                          \
		.index = (i), .op = SCMP_CMP_MASKED_EQ, .mask = (m),                               \
		.n_values = sizeof((uint64_t[]){__VA_ARGS__}) / 8, .values = {__VA_ARGS__}         \
	}

/* getpid ignores its arguments, so any value can be fed to the filter through it. */
static const struct filter_case cases[] = {
	/* Every default action, on a call outside the list. */
	{"allowed getpid, kill", SP_ACTION_KILL, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getpid,
	 {0}, END_OK},
	{"denied getppid, kill", SP_ACTION_KILL, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getppid,
	 {0}, END_SIGSYS},
	{"denied getppid, errno", SP_ACTION_ERRNO, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getppid,
	 {0}, END_EPERM},
	{"denied getppid, log", SP_ACTION_LOG, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getppid,
	 {0}, END_OK},
	{"allowed getpid, errno", SP_ACTION_ERRNO, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getpid,
	 {0}, END_OK},
	/* i386 getpid through int 0x80 while the x86-64 getpid is allowed. */
	{"i386 getpid, kill", SP_ACTION_KILL, {ALLOW("getpid")}, 1, VIA_I386, I386_GETPID, {0},
	 END_SIGSYS},
	{"i386 getpid, errno", SP_ACTION_ERRNO, {ALLOW("getpid")}, 1, VIA_I386, I386_GETPID, {0},
	 END_EPERM},
	{"i386 getpid, log", SP_ACTION_LOG, {ALLOW("getpid")}, 1, VIA_I386, I386_GETPID, {0},
	 END_OK},
	/*
	 * x32 getpid (39 | 0x40000000).  Passed through, it gives ENOSYS on
	 * a kernel without x32 (or works with it); denied, EPERM or SIGSYS.
	 */
	{"x32 getpid, kill", SP_ACTION_KILL, {ALLOW("getpid")}, 1, VIA_X86_64,
	 SYS_getpid | X32_BIT, {0}, END_SIGSYS},
	{"x32 getpid, errno", SP_ACTION_ERRNO, {ALLOW("getpid")}, 1, VIA_X86_64,
	 SYS_getpid | X32_BIT, {0}, END_EPERM},
	{"x32 getpid, log", SP_ACTION_LOG, {ALLOW("getpid")}, 1, VIA_X86_64, SYS_getpid | X32_BIT,
	 {0}, END_ENOSYS | END_OK},
	/* Argument constraints, both ways, on all 64 bits. */
	{"EQ 5 with 5", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {5}, END_OK},
	{"EQ 5 with 6", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {6}, END_EPERM},
	{"EQ 5 with 2^32+5", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {0x100000005ULL}, END_EPERM},
	{"EQ 5 with 6, kill", SP_ACTION_KILL, {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {6}, END_SIGSYS},
	{"EQ set, high value", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5, 0xffffffff00000000ULL)}}}, 1, VIA_X86_64,
	 SYS_getpid, {0xffffffff00000000ULL}, END_OK},
	{"EQ set, low half of high value", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5, 0xffffffff00000000ULL)}}}, 1, VIA_X86_64,
	 SYS_getpid, {0}, END_EPERM},
	{"no PROT_EXEC, 3", SP_ACTION_ERRNO, {{"getpid", 1, {MCOND(2, 4, 0)}}}, 1, VIA_X86_64,
	 SYS_getpid, {0, 0, 3}, END_OK},
	{"no PROT_EXEC, 7", SP_ACTION_ERRNO, {{"getpid", 1, {MCOND(2, 4, 0)}}}, 1, VIA_X86_64,
	 SYS_getpid, {0, 0, 7}, END_EPERM},
	{"access mode O_RDONLY|O_CLOEXEC", SP_ACTION_ERRNO, {{"getpid", 1, {MCOND(1, 3, 0)}}}, 1,
	 VIA_X86_64, SYS_getpid, {0, 02000000}, END_OK},
	{"access mode O_RDWR", SP_ACTION_ERRNO, {{"getpid", 1, {MCOND(1, 3, 0)}}}, 1, VIA_X86_64,
	 SYS_getpid, {0, 2}, END_EPERM},
	{"NE 5 with 5", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_NE, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {5}, END_EPERM},
	{"NE 5 with 2^32+5", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_NE, 5)}}}, 1,
	 VIA_X86_64, SYS_getpid, {0x100000005ULL}, END_OK},
	{"LT 10 with 9", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_LT, 10)}}}, 1,
	 VIA_X86_64, SYS_getpid, {9}, END_OK},
	{"LT 10 with 2^32", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_LT, 10)}}}, 1,
	 VIA_X86_64, SYS_getpid, {0x100000000ULL}, END_EPERM},
	{"LE 10 with 10", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_LE, 10)}}}, 1,
	 VIA_X86_64, SYS_getpid, {10}, END_OK},
	{"LE 10 with 11", SP_ACTION_ERRNO, {{"getpid", 1, {COND(0, SCMP_CMP_LE, 10)}}}, 1,
	 VIA_X86_64, SYS_getpid, {11}, END_EPERM},
	{"GT 2^32 with 2^32", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_GT, 0x100000000ULL)}}}, 1, VIA_X86_64, SYS_getpid,
	 {0x100000000ULL}, END_EPERM},
	{"GT 2^32 with 2^32+1", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_GT, 0x100000000ULL)}}}, 1, VIA_X86_64, SYS_getpid,
	 {0x100000001ULL}, END_OK},
	{"GE 2^32 with 2^32-1", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_GE, 0x100000000ULL)}}}, 1, VIA_X86_64, SYS_getpid,
	 {0xffffffffULL}, END_EPERM},
	{"two args, both match", SP_ACTION_ERRNO,
	 {{"getpid", 2, {COND(0, SCMP_CMP_EQ, 1), COND(1, SCMP_CMP_EQ, 2, 3)}}}, 1, VIA_X86_64,
	 SYS_getpid, {1, 3}, END_OK},
	{"two args, second misses", SP_ACTION_ERRNO,
	 {{"getpid", 2, {COND(0, SCMP_CMP_EQ, 1), COND(1, SCMP_CMP_EQ, 2, 3)}}}, 1, VIA_X86_64,
	 SYS_getpid, {1, 4}, END_EPERM},
	{"two args, first misses", SP_ACTION_ERRNO,
	 {{"getpid", 2, {COND(0, SCMP_CMP_EQ, 1), COND(1, SCMP_CMP_EQ, 2, 3)}}}, 1, VIA_X86_64,
	 SYS_getpid, {2, 2}, END_EPERM},
	/* A constraint on one call leaves the other allowed call alone. */
	{"unconstrained neighbour", SP_ACTION_ERRNO,
	 {{"getpid", 1, {COND(0, SCMP_CMP_EQ, 5)}}, ALLOW("getppid")}, 2, VIA_X86_64, SYS_getppid,
	 {7}, END_OK},
};
/* clang-format on */

/* The child: load, call, exit with a code saying how it went.  Nothing else may run. */
static __attribute__((noreturn)) void child(const struct sock_fprog *prog,
                                            const struct filter_case *c)
{
	long r;
	int code;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) != 0)
		_exit(100);
	errno = 0;
	if (c->via == VIA_I386) {
		r = ia32_syscall0(c->nr);
		if (r < 0 && r >= -4095) {
			errno = (int)-r;
			r = -1;
		}
	} else {
		r = syscall(c->nr, c->args[0], c->args[1], c->args[2]);
	}
	if (r != -1)
		code = 0;
	else if (errno == EPERM)
		code = 1;
	else if (errno == ENOSYS)
		code = 2;
	else
		code = 3;
	/* exit_group directly: libc's exit could make calls the filter lacks. */
	syscall(SYS_exit_group, code);
	_exit(101);
}

static unsigned run_case(const struct filter_case *c)
{
	struct sp_allow allow[3];
	struct sp_filter_spec spec;
	struct sp_diag diag = {{0}};
	struct sock_filter *insns;
	struct sock_fprog prog;
	scmp_filter_ctx ctx;
	size_t n;
	pid_t pid;
	int status;

	memcpy(allow, c->allow, c->n_allow * sizeof(allow[0]));
	allow[c->n_allow] = (struct sp_allow){.name = "exit_group"};
	spec = (struct sp_filter_spec){.def = c->def, .n_allow = c->n_allow + 1, .allow = allow};
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &n), 0);
	seccomp_release(ctx);
	prog.len = (unsigned short)n;
	prog.filter = insns;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(&prog, c);
	free(insns);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSYS ? END_SIGSYS : END_BROKEN;
	switch (WEXITSTATUS(status)) {
	case 0:
		return END_OK;
	case 1:
		return END_EPERM;
	case 2:
		return END_ENOSYS;
	case 3:
		return END_ERR;
	default:
		return END_BROKEN;
	}
}

static void test_cases(void **state)
{
	int failed = 0, ia32 = ia32_available();
	size_t skipped = 0;

	(void)state;
	assert_true(ia32 >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got;

		if (cases[i].via == VIA_I386 && !ia32) {
			skipped++;
			continue;
		}
		got = run_case(&cases[i]);

		if (!(got & cases[i].expect)) {
			print_error("case '%s': ended 0x%x, expected one of 0x%x\n", cases[i].what,
			            got, cases[i].expect);
			failed++;
		}
	}
	if (skipped)
		print_message("skip: %zu i386 cases: this kernel has no IA32 emulation "
		              "(int $0x80 dies of SIGSEGV with no filter)\n",
		              skipped);
	assert_int_equal(failed, 0);
}

static void test_unknown_name(void **state)
{
	struct sp_allow allow[] = {{.name = "getpid"}, {.name = "no_such_call"}};
	struct sp_filter_spec spec = {SP_ACTION_KILL, 2, allow};
	struct sp_diag diag = {{0}};
	scmp_filter_ctx ctx;

	(void)state;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
	assert_null(ctx);
	assert_non_null(strstr(diag.msg, "no_such_call"));
}

static void test_pseudo_syscall(void **state)
{
	/* socketcall is an i386 multiplexer: libseccomp knows the name, x86-64 has no such call. */
	struct sp_allow allow[] = {{.name = "socketcall"}};
	struct sp_filter_spec spec = {SP_ACTION_KILL, 1, allow};
	struct sp_diag diag = {{0}};
	scmp_filter_ctx ctx;

	(void)state;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "socketcall"));
	assert_int_equal(sp_filter_syscall_nr("socketcall"), -ENOENT);
	assert_int_equal(sp_filter_syscall_nr("getpid"), SYS_getpid);
}

static void test_bad_conditions(void **state)
{
	struct sp_allow dup[] = {{.name = "getpid"}, {.name = "getpid"}};
	struct sp_allow twice[] = {
	    {"getpid", 2, {COND(0, SCMP_CMP_EQ, 1), COND(0, SCMP_CMP_EQ, 2)}}};
	struct sp_allow badidx[] = {{"getpid", 1, {COND(6, SCMP_CMP_EQ, 1)}}};
	struct sp_allow novals[] = {{"getpid", 1, {{.index = 0, .op = SCMP_CMP_EQ}}}};
	struct sp_filter_spec spec = {SP_ACTION_KILL, 2, dup};
	struct sp_diag diag = {{0}};
	scmp_filter_ctx ctx;

	(void)state;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "twice"));
	spec = (struct sp_filter_spec){SP_ACTION_KILL, 1, twice};
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
	spec.allow = badidx;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
	spec.allow = novals;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), -EINVAL);
}

static void bpf_of(const struct sp_allow *allow, size_t n, struct sock_filter **insns, size_t *len)
{
	struct sp_filter_spec spec = {SP_ACTION_ERRNO, n, allow};
	struct sp_diag diag = {{0}};
	scmp_filter_ctx ctx;

	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, insns, len), 0);
	seccomp_release(ctx);
}

/* The same set in any order gives the same bytes: exports must be reproducible. */
static void test_deterministic(void **state)
{
	struct sp_allow fwd[] = {
	    {.name = "read"},
	    {"mmap", 1, {MCOND(2, 4, 0)}},
	    {.name = "write"},
	    {"socket", 2, {COND(0, SCMP_CMP_EQ, 2, 10), COND(1, SCMP_CMP_EQ, 1)}}};
	struct sp_allow rev[] = {fwd[3], fwd[2], fwd[1], fwd[0]};
	struct sock_filter *a, *b;
	size_t na, nb;

	(void)state;
	bpf_of(fwd, 4, &a, &na);
	bpf_of(rev, 4, &b, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
	free(a);
	free(b);
}

/* 16 x 16 x 4 rules of 64-bit comparisons: more BPF than the kernel takes. */
static void test_too_long(void **state)
{
	struct sp_allow al[] = {{.name = "getpid", .n_conds = 3}};
	struct sp_filter_spec spec = {SP_ACTION_KILL, 1, al};
	struct sp_diag diag = {{0}};
	struct sock_filter *insns;
	scmp_filter_ctx ctx;
	size_t n;

	(void)state;
	for (unsigned a = 0; a < 3; a++) {
		al[0].conds[a].index = a;
		al[0].conds[a].op = SCMP_CMP_EQ;
		al[0].conds[a].n_values = a == 2 ? 4 : 16;
		for (unsigned v = 0; v < 16; v++)
			al[0].conds[a].values[v] = 0x100000000ULL * (v + 1) + v * 7 + a;
	}
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &n), -E2BIG);
	assert_null(insns);
	seccomp_release(ctx);
	/* Half as many values on the last argument fit. */
	al[0].conds[2].n_values = 2;
	assert_int_equal(sp_filter_build(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &n), 0);
	assert_true(n > 0 && n <= BPF_MAXINSNS);
	free(insns);
	seccomp_release(ctx);
}

static void test_action_names(void **state)
{
	(void)state;
	assert_int_equal(sp_action_from_name("kill"), SP_ACTION_KILL);
	assert_int_equal(sp_action_from_name("errno"), SP_ACTION_ERRNO);
	assert_int_equal(sp_action_from_name("log"), SP_ACTION_LOG);
	assert_int_equal(sp_action_from_name("trap"), -EINVAL);
	assert_string_equal(sp_action_oci(SP_ACTION_KILL), "SCMP_ACT_KILL_PROCESS");
	assert_true(sp_action_scmp(SP_ACTION_ERRNO) == SCMP_ACT_ERRNO(EPERM));
}

/* What the answers filter of an allowlist says to one call, by the simulator. */
static uint32_t answer_to(const struct sp_allow *allow, size_t n, uint32_t arch, int nr,
                          uint64_t arg0)
{
	struct sp_filter_spec spec = {SP_ACTION_KILL, n, allow, .for_run = true};
	struct seccomp_data sd = {.nr = nr, .arch = arch, .args = {arg0}};
	struct sp_diag diag = {{0}};
	struct sock_filter *insns;
	uint32_t action = 0;
	scmp_filter_ctx ctx;
	size_t len;

	assert_int_equal(sp_filter_build_answers(&spec, &ctx, &diag), 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &len), 0);
	seccomp_release(ctx);
	assert_int_equal(sp_bpf_run(insns, len, &sd, &action), 0);
	free(insns);
	return action;
}

/*
 * Complain mode's answers: what a run filter answers with an errno (by
 * design) and nothing else, every other call of every ABI allowed.
 */
static void test_answers(void **state)
{
	const struct sp_allow none[] = {{.name = "read"}};
	const struct sp_allow uring[] = {{.name = "read"}, {.name = "io_uring_setup"}};

	(void)state;
	assert_true(answer_to(none, 1, AUDIT_ARCH_X86_64, SYS_io_uring_setup, 0) ==
	            (SECCOMP_RET_ERRNO | EPERM));
	assert_true(answer_to(uring, 2, AUDIT_ARCH_X86_64, SYS_io_uring_setup, 0) ==
	            SECCOMP_RET_ALLOW);
	assert_true(answer_to(uring, 2, AUDIT_ARCH_X86_64, SYS_clone3, 0) ==
	            (SECCOMP_RET_ERRNO | ENOSYS));
	assert_true(answer_to(none, 1, AUDIT_ARCH_X86_64, SYS_clone, CLONE_UNTRACED) ==
	            (SECCOMP_RET_ERRNO | EPERM));
	assert_true(answer_to(none, 1, AUDIT_ARCH_X86_64, SYS_clone, 0) == SECCOMP_RET_ALLOW);
	assert_true(answer_to(none, 1, AUDIT_ARCH_X86_64, SYS_execve, 0) == SECCOMP_RET_ALLOW);
	assert_true(answer_to(none, 1, AUDIT_ARCH_I386, 20, 0) == SECCOMP_RET_ALLOW);
	assert_true(sp_filter_graceful_fixed("clone3"));
	assert_false(sp_filter_graceful_fixed("io_uring_setup"));
	assert_false(sp_filter_graceful_fixed("read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),          cmocka_unit_test(test_unknown_name),
	    cmocka_unit_test(test_pseudo_syscall), cmocka_unit_test(test_bad_conditions),
	    cmocka_unit_test(test_deterministic),  cmocka_unit_test(test_action_names),
	    cmocka_unit_test(test_too_long),       cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
