/* SPDX-License-Identifier: MIT */
/*
 * A program whose static facts test_completion checks: built at -O2 with
 * symbols, and stripped.  Each function is one shape the analysis must
 * read: a direct call chain to a syscall instruction, a tail call (GCC
 * emits `jmp` at -O2), a PLT call into libc, syscall(SYS_gettid), a
 * number copied through a register, a number that is not constant, and an
 * indirect call that must not become an edge.
 */
#include <sys/syscall.h>
#include <unistd.h>

/* noclone: GCC would otherwise specialise a function into a .constprop copy. */
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

NOINLINE static long leaf_getpid(void)
{
	long r;

	__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

NOINLINE static long mid(void)
{
	return leaf_getpid() + 1;
}

NOINLINE long fp_top(void)
{
	return mid() * 2;
}

NOINLINE static long tail_target(long x)
{
	long r;

	__asm__ volatile("mov $102, %%eax\n\tsyscall" : "=a"(r) : "D"(x) : "rcx", "r11", "memory");
	return r;
}

/* A sibling call at -O2: `jmp tail_target`, no frame of its own. */
NOINLINE long fp_tail_caller(long x)
{
	return tail_target(x + 1);
}

NOINLINE long fp_via_plt(void)
{
	return getppid();
}

NOINLINE long fp_via_syscall_fn(void)
{
	return syscall(SYS_gettid);
}

/* The number reaches eax through ecx: a simple copy the analysis tracks. */
NOINLINE long fp_copy(void)
{
	long r;

	__asm__ volatile("mov $63, %%ecx\n\tmov %%ecx, %%eax\n\tsyscall"
	                 : "=a"(r)
	                 :
	                 : "rcx", "r11", "memory");
	return r;
}

/* The number is the caller's: an unresolved site. */
NOINLINE long fp_unresolved(long nr)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(nr) : "rcx", "r11", "memory");
	return r;
}

NOINLINE static long secret_exec(void)
{
	long r;

	__asm__ volatile("mov $59, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

long (*volatile fp_pointer)(void) = secret_exec;

/* Calls through a pointer only: secret_exec must not be its callee. */
NOINLINE long fp_indirect(void)
{
	return fp_pointer();
}

/* A pointer to libc's execve in .data: its relocation names execve, yet it is no import. */
long (*volatile fp_exec_pointer)(const char *, char *const[], char *const[]) = (void *)execve;

NOINLINE long fp_indirect_exec(void)
{
	return fp_exec_pointer("/bin/true", NULL, NULL);
}

int main(int argc, char **argv)
{
	(void)argv;
	if (argc < 100)
		return 0;
	return (int)(fp_top() + fp_tail_caller(argc) + fp_via_plt() + fp_via_syscall_fn() +
	             fp_copy() + fp_unresolved(argc) + fp_indirect() + fp_indirect_exec());
}
