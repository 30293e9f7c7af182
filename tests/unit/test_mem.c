/* SPDX-License-Identifier: MIT */
/*
 * sp_mem_read and sp_mem_read_str on real memory: the test process itself
 * (process_vm_readv on oneself needs no privilege) and a forked child
 * stopped under ptrace for the PTRACE_PEEKDATA fallback.  Strings are put
 * against unreadable pages so that any over-read shows as a failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/mem.h"
#include "tracer/mem_internal.h"

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Two pages: the first readable, the second made unreadable in the given way. */
static char *guarded_pages(int second_prot)
{
	size_t pg = page_size();
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memset(p, 'A', 2 * pg);
	assert_int_equal(mprotect(p + pg, pg, second_prot), 0);
	return p;
}

static void test_read_self(void **state)
{
	(void)state;
	static const char src[] = "the quick brown fox jumps over the lazy dog";
	char dst[sizeof(src)];

	memset(dst, 0, sizeof(dst));
	assert_int_equal(sp_mem_read(getpid(), (uintptr_t)src, dst, sizeof(src)), 0);
	assert_memory_equal(src, dst, sizeof(src));
	/* Zero bytes is a success that reads nothing, even from address 0. */
	assert_int_equal(sp_mem_read(getpid(), 0, dst, 0), 0);
}

static void test_read_self_unmapped(void **state)
{
	(void)state;
	size_t pg = page_size();
	char *p = guarded_pages(PROT_NONE);
	char dst[16];

	/* All of it readable: fine right up to the last byte of the first page. */
	assert_int_equal(sp_mem_read(getpid(), (uintptr_t)(p + pg - 16), dst, 16), 0);
	/* Into the PROT_NONE page: /proc/PID/mem reads it as ptrace does (FOLL_FORCE). */
	assert_int_equal(sp_mem_read(getpid(), (uintptr_t)(p + pg - 15), dst, 16), 0);
	/* Into an unmapped page: nothing there. */
	assert_int_equal(munmap(p + pg, pg), 0);
	assert_int_equal(sp_mem_read(getpid(), (uintptr_t)(p + pg - 15), dst, 16), -EFAULT);
	assert_int_equal(sp_mem_read(getpid(), 0, dst, sizeof(dst)), -EFAULT);
	munmap(p, pg);
}

static void test_str_self(void **state)
{
	(void)state;
	char buf[65];
	bool trunc = true;
	long n;

	n = sp_mem_read_str(getpid(), (uintptr_t) "/etc/passwd", buf, 64, &trunc);
	assert_int_equal(n, 11);
	assert_string_equal(buf, "/etc/passwd");
	assert_false(trunc);

	/* Exactly cap bytes is whole; cap + 1 is cut to cap. */
	n = sp_mem_read_str(getpid(), (uintptr_t) "12345678", buf, 8, &trunc);
	assert_int_equal(n, 8);
	assert_string_equal(buf, "12345678");
	assert_false(trunc);
	n = sp_mem_read_str(getpid(), (uintptr_t) "123456789", buf, 8, &trunc);
	assert_int_equal(n, 8);
	assert_string_equal(buf, "12345678");
	assert_true(trunc);

	n = sp_mem_read_str(getpid(), (uintptr_t) "", buf, 8, &trunc);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	assert_false(trunc);

	assert_int_equal(sp_mem_read_str(getpid(), 0, buf, 8, &trunc), -EFAULT);
}

/* Both kinds of guard: an unmapped page and a PROT_NONE one. */
static void str_before_guard(bool unmap)
{
	size_t pg = page_size();
	char *p = guarded_pages(PROT_NONE);
	static const char s[] = "/right/before/the/guard";
	char *at = p + pg - sizeof(s);
	char buf[257];
	bool trunc = true;
	long n;

	if (unmap)
		assert_int_equal(munmap(p + pg, pg), 0);
	memcpy(at, s, sizeof(s)); /* its NUL is the last byte of the readable page */
	n = sp_mem_read_str(getpid(), (uintptr_t)at, buf, 256, &trunc);
	assert_int_equal(n, (long)strlen(s));
	assert_string_equal(buf, s);
	assert_false(trunc);

	/* No NUL before the guard: what is readable comes back, marked truncated. */
	memset(p + pg - 10, 'x', 10);
	n = sp_mem_read_str(getpid(), (uintptr_t)(p + pg - 10), buf, 256, &trunc);
	assert_int_equal(n, 10);
	assert_string_equal(buf, "xxxxxxxxxx");
	assert_true(trunc);

	/* A string starting in the guard itself cannot be read. */
	assert_int_equal(sp_mem_read_str(getpid(), (uintptr_t)(p + pg), buf, 256, &trunc), -EFAULT);
	munmap(p, unmap ? pg : 2 * pg);
}

/* A PROT_NONE page ends nothing: /proc/PID/mem reads through it (FOLL_FORCE), as ptrace does. */
static void test_str_before_prot_none(void **state)
{
	size_t pg = page_size();
	char *p = guarded_pages(PROT_NONE);
	char buf[257];
	bool trunc = true;
	long n;

	(void)state;
	memset(p + pg - 10, 'x', 10); /* then the PROT_NONE page's 'A's, up to the cap */
	n = sp_mem_read_str(getpid(), (uintptr_t)(p + pg - 10), buf, 16, &trunc);
	assert_int_equal(n, 16);
	assert_string_equal(buf, "xxxxxxxxxxAAAAAA");
	assert_true(trunc);
	munmap(p, 2 * pg);
}

static void test_str_before_unmapped(void **state)
{
	(void)state;
	str_before_guard(true);
}

/* A string spanning many pages: more iovecs than one batch holds. */
static void test_str_long(void **state)
{
	(void)state;
	size_t pg = page_size();
	size_t len = 20 * pg + 123;
	char *s = malloc(len + 1);
	char *buf = malloc(len + 2);
	bool trunc = true;
	long n;

	assert_non_null(s);
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		s[i] = (char)('a' + i % 26);
	s[len] = '\0';
	n = sp_mem_read_str(getpid(), (uintptr_t)s, buf, len + 1, &trunc);
	assert_int_equal(n, (long)len);
	assert_false(trunc);
	assert_memory_equal(buf, s, len + 1);

	n = sp_mem_read_str(getpid(), (uintptr_t)s, buf, len - 1, &trunc);
	assert_int_equal(n, (long)len - 1);
	assert_true(trunc);
	assert_int_equal(buf[len - 1], '\0');
	free(s);
	free(buf);
}

/* ---- a ptrace-stopped child --------------------------------------------- */

static char child_data[64] = "parent's copy";

struct child {
	pid_t pid;
	char *guarded; /* page 1 readable, page 2 PROT_NONE, inherited by the child */
	char *edge;    /* page 1 readable, page 2 unmapped in the child only */
};

static struct child start_stopped_child(void)
{
	struct child c;
	size_t pg = page_size();
	int st;

	c.guarded = guarded_pages(PROT_NONE);
	c.edge = guarded_pages(PROT_READ);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		/* The child's memory differs from the parent's: reads must reach the child. */
		strcpy(child_data, "written by the child after fork");
		mprotect(c.guarded + pg, pg, PROT_READ | PROT_WRITE);
		strcpy(c.guarded + pg + 64, "behind PROT_NONE");
		memcpy(c.guarded + pg - 4, "span", 4);
		strcpy(c.guarded + pg, "ning");
		mprotect(c.guarded + pg, pg, PROT_NONE);
		/* "abcd" and its NUL are the last 5 bytes before a hole: no aligned word spans it.
		 */
		memcpy(c.edge + pg - 5, "abcd", 5);
		munmap(c.edge + pg, pg);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(WSTOPSIG(st), SIGSTOP);
	return c;
}

static void stop_child(struct child *c)
{
	int st;

	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	munmap(c->guarded, 2 * page_size());
	munmap(c->edge, 2 * page_size());
}

static void test_peek_read_child(void **state)
{
	(void)state;
	struct child c = start_stopped_child();
	const char *want = "written by the child after fork";
	char buf[64];

	/* Misaligned start and odd length exercise the partial first and last words. */
	for (size_t off = 0; off < 9; off++) {
		size_t len = strlen(want) + 1 - off;

		memset(buf, 0, sizeof(buf));
		assert_int_equal(sp_mem_peek_read(c.pid, (uintptr_t)(child_data + off), buf, len),
		                 0);
		assert_memory_equal(buf, want + off, len);
	}
	assert_int_equal(sp_mem_peek_read(c.pid, 0, buf, 8), -EFAULT);
	stop_child(&c);
}

static void test_peek_str_child(void **state)
{
	(void)state;
	struct child c = start_stopped_child();
	char buf[65];
	bool trunc = true;
	long n;

	n = sp_mem_peek_str(c.pid, (uintptr_t)(child_data + 3), buf, 64, &trunc);
	assert_int_equal(n, (long)strlen("tten by the child after fork"));
	assert_string_equal(buf, "tten by the child after fork");
	assert_false(trunc);

	n = sp_mem_peek_str(c.pid, (uintptr_t)child_data, buf, 7, &trunc);
	assert_int_equal(n, 7);
	assert_string_equal(buf, "written");
	assert_true(trunc);

	/* Exactly cap long: the NUL sits at index cap. */
	n = sp_mem_peek_str(c.pid, (uintptr_t)(child_data + 25), buf, 6, &trunc);
	assert_int_equal(n, 6);
	assert_string_equal(buf, "r fork");
	assert_false(trunc);

	/* Unaligned reads ending right before an unmapped page in the child. */
	n = sp_mem_peek_str(c.pid, (uintptr_t)(c.edge + page_size() - 5), buf, 64, &trunc);
	assert_int_equal(n, 4);
	assert_string_equal(buf, "abcd");
	assert_false(trunc);
	assert_int_equal(sp_mem_peek_read(c.pid, (uintptr_t)(c.edge + page_size() - 3), buf, 3), 0);
	assert_memory_equal(buf, "cd", 3);
	assert_int_equal(sp_mem_peek_read(c.pid, (uintptr_t)(c.edge + page_size() - 3), buf, 4),
	                 -EFAULT);

	assert_int_equal(sp_mem_peek_str(c.pid, 0, buf, 8, &trunc), -EFAULT);
	stop_child(&c);
}

/* ptrace reads through PROT_NONE (FOLL_FORCE); process_vm_readv does not, so this is the fallback.
 */
static void test_read_falls_back_to_peek(void **state)
{
	(void)state;
	struct child c = start_stopped_child();
	size_t pg = page_size();
	char buf[65];
	bool trunc = true;
	long n;

	assert_int_equal(sp_mem_read(c.pid, (uintptr_t)(c.guarded + pg + 64), buf, 17), 0);
	assert_string_equal(buf, "behind PROT_NONE");
	/* Half readable, half behind PROT_NONE: process_vm_readv's part plus ptrace's. */
	assert_int_equal(sp_mem_read(c.pid, (uintptr_t)(c.guarded + pg - 4), buf, 9), 0);
	assert_memory_equal(buf, "spanning", 9);

	n = sp_mem_read_str(c.pid, (uintptr_t)(c.guarded + pg + 64), buf, 64, &trunc);
	assert_int_equal(n, 16);
	assert_string_equal(buf, "behind PROT_NONE");
	assert_false(trunc);
	n = sp_mem_read_str(c.pid, (uintptr_t)(c.guarded + pg - 4), buf, 64, &trunc);
	assert_int_equal(n, 8);
	assert_string_equal(buf, "spanning");
	assert_false(trunc);

	/* And the plain path still reads the child's own copy. */
	n = sp_mem_read_str(c.pid, (uintptr_t)child_data, buf, 64, &trunc);
	assert_string_equal(buf, "written by the child after fork");
	stop_child(&c);
}

static void test_read_gone(void **state)
{
	(void)state;
	struct child c = start_stopped_child();
	pid_t pid = c.pid;
	char buf[8];
	bool trunc;

	stop_child(&c);
	/* Reaped: nothing of it is left to read. */
	assert_int_equal(sp_mem_read(pid, (uintptr_t)child_data, buf, sizeof(buf)), -ESRCH);
	assert_int_equal(sp_mem_read_str(pid, (uintptr_t)child_data, buf, 7, &trunc), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_self),
	    cmocka_unit_test(test_read_self_unmapped),
	    cmocka_unit_test(test_str_self),
	    cmocka_unit_test(test_str_before_prot_none),
	    cmocka_unit_test(test_str_before_unmapped),
	    cmocka_unit_test(test_str_long),
	    cmocka_unit_test(test_peek_read_child),
	    cmocka_unit_test(test_peek_str_child),
	    cmocka_unit_test(test_read_falls_back_to_peek),
	    cmocka_unit_test(test_read_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
