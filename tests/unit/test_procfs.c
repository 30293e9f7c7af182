/* SPDX-License-Identifier: MIT */
/*
 * The /proc parsers (tracer/procfs_parse.c, tracer/maps.c) against what a
 * hostile program can put in them: a comm with spaces, ')' and a newline
 * (raw in stat, escaped in status), mapped files with such names; and the
 * readers on live tasks: a stopped child renamed so, a child we trace
 * (TracerPid is our tid), a zombie (State Z), a reaped one (-ESRCH).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "sysphase/procfs.h"
#include "tracer/maps.h"

#define NO_SUCH_PID 2147483647

static int parse_stat(const char *s, struct sp_proc_stat *st)
{
	return sp_proc_parse_stat(s, strlen(s), st);
}

static void test_stat_comm_is_found_by_its_last_paren(void **state)
{
	struct sp_proc_stat st;

	(void)state;
	assert_int_equal(parse_stat("42 (a) Z 1 (b\nc) S 7 42 42 0 -1 4194368 5 0\n", &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 7);
	assert_int_equal(st.flags, 4194368);
	assert_int_equal(parse_stat("42 ()) t 1 2 3 4 -1 16", &st), 0);
	assert_int_equal(st.state, 't');
	assert_int_equal(st.flags, 16);
	/* Truncated, malformed or empty: refused, never read past the end. */
	assert_int_equal(parse_stat("42 (x) S 7 42 42 0", &st), -EINVAL);
	assert_int_equal(parse_stat("42 (x) S", &st), -EINVAL);
	assert_int_equal(parse_stat("42 (x)", &st), -EINVAL);
	assert_int_equal(parse_stat("42 (x) 1 7 42 42 0 -1 0", &st), -EINVAL);
	assert_int_equal(parse_stat("42 (x) S 7 42 42 0 -1 -3", &st), -EINVAL);
	assert_int_equal(parse_stat("42 (x) S 7 42 42 0 -1 99999999999999999999999", &st), -EINVAL);
	assert_int_equal(parse_stat("", &st), -EINVAL);
	/* Not NUL-terminated: only len is read. */
	assert_int_equal(sp_proc_parse_stat("42 (x) S 7 1 1 0 -1 64 junk", 22, &st), 0);
	assert_int_equal(st.flags, 64);
}

static void test_status_keys_start_a_line(void **state)
{
	/* Name as the kernel prints it: the newline of "a\nTracerPid:\t1" escaped. */
	static const char status[] = "Name:\ta\\nTracerPid:\\t1 State: Z\n"
				     "Umask:\t0022\nState:\tt (tracing stop)\nTgid:\t42\n"
				     "Ngid:\t0\nPid:\t43\nPPid:\t7\nTracerPid:\t1234\n"
				     "Seccomp_filters:\t3\n";
	struct sp_proc_task_status st;
	long v;

	(void)state;
	assert_int_equal(sp_proc_parse_task_status(status, strlen(status), &st), 0);
	assert_int_equal(st.state, 't');
	assert_int_equal(st.tgid, 42);
	assert_int_equal(st.ppid, 7);
	assert_int_equal(st.tracer, 1234);
	assert_int_equal(sp_proc_parse_field(status, strlen(status), "Seccomp_filters:", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(sp_proc_parse_field(status, strlen(status), "Seccomp:", &v), -ENOTSUP);
	assert_int_equal(sp_proc_parse_field("A:\t12x\n", 7, "A:", &v), -EINVAL);
	assert_int_equal(sp_proc_parse_field("A:\t-1\n", 6, "A:", &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(sp_proc_parse_field("A:\t99999999999999999999\n", 24, "A:", &v), -EINVAL);
	/* Cut in the middle of a line, as a short read would. */
	assert_int_equal(sp_proc_parse_task_status(status, 60, &st), -ENOTSUP);
}

static void test_children_and_ring_lines(void **state)
{
	static const char maps[] =
	    "7f00-7f10 rw-s 00000000 00:0f 5678   anon_inode:[io_uring]\n"
	    "7f10-7f20 r-xp 00000000 fd:01 99     /tmp/anon_inode:[io_uring] (deleted)\n"
	    "7f20-7f30 rw-s 00000000 00:0f 5678   anon_inode:[io_uring]";
	struct sp_pids ids = {0};

	(void)state;
	assert_int_equal(sp_proc_parse_pids("12 34\n56 ", 9, &ids), 0);
	assert_int_equal(ids.n, 3);
	assert_int_equal(ids.v[2], 56);
	assert_int_equal(sp_proc_parse_pids("12 x4", 5, &ids), -EINVAL);
	sp_pids_free(&ids);
	assert_int_equal(sp_proc_parse_ring_mappings(maps, strlen(maps)), 2);
}

/* The memory an injection borrows: private mappings only, without a hole. */
static void test_private_area(void **state)
{
	static const char maps[] =
	    "7f0000000000-7f0000001000 rw-s 00000000 00:01 1234   /dev/zero (deleted)\n"
	    "7ffd00000000-7ffd00010000 rw-p 00000000 00:00 0      [stack]\n"
	    "7ffd00010000-7ffd00020000 rw-p 00000000 00:00 0 \n"
	    "7ffd00030000-7ffd00031000 r--p 00000000 08:01 99     /a\\012b-c d rw-s\n";
	size_t n = strlen(maps);

	(void)state;
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7ffd00000100, 256), 0);
	/* Across two adjacent private mappings. */
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7ffd0000ff00, 512), 0);
	/* Into the hole after them. */
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7ffd0001ff00, 512), -EFAULT);
	/* A shared mapping: another process can map it too. */
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7f0000000800, 64), -EPERM);
	/* Below every mapping, above every mapping, empty, wrapping. */
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x1000, 16), -EFAULT);
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7fff00000000, 16), -EFAULT);
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7ffd00000100, 0), -EFAULT);
	assert_int_equal(sp_proc_parse_private_area(maps, n, ~(uint64_t)0 - 8, 16), -EFAULT);
	/* A file's name cannot make a line of its own, nor a shared flag. */
	assert_int_equal(sp_proc_parse_private_area(maps, n, 0x7ffd00030010, 16), 0);
	assert_int_equal(sp_proc_parse_private_area("zz-1 rw-p\n", 10, 0, 16), -EINVAL);
	assert_int_equal(sp_proc_parse_private_area("1000-2000 rw", 12, 0x1000, 16), -EINVAL);
}

static void test_comm_is_printable(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(sp_proc_parse_comm("a\033[2J\r\nb)\n", 10, out, sizeof(out)), 9);
	assert_string_equal(out, "a?[2J??b)");
	assert_int_equal(sp_proc_parse_comm("nginx\n", 6, out, sizeof(out)), 5);
	assert_string_equal(out, "nginx");
	assert_int_equal(sp_proc_parse_comm("abcdef", 6, out, 4), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(sp_proc_parse_comm("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_maps_with_hostile_names(void **state)
{
	static const char text[] =
	    "400000-401000 r-xp 00000000 fd:01 12   /opt/a b/x) (y\\012z\n"
	    "401000-402000 r-xp 00001000 fd:01 13   /opt/libfoo.so (deleted)\n"
	    "402000-403000 rw-p 00000000 00:00 0 \n"
	    "403000-404000 r-xp 00000000 00:00 0    [anon:  jit ]\n"
	    "404000-405000 r-xp 00000000 00:00 0\n";
	struct sp_maps *maps = sp_maps_new();
	const char *module;
	uint64_t off;

	(void)state;
	assert_non_null(maps);
	assert_int_equal(sp_maps_parse(maps, NO_SUCH_PID, text, strlen(text)), 0);
	assert_string_equal(sp_maps_module(maps, NO_SUCH_PID, 0x400010), "x) (y\\012z");
	assert_int_equal(sp_maps_locate(maps, NO_SUCH_PID, 0x401010, &module, &off), 0);
	assert_string_equal(module, "libfoo.so");
	assert_int_equal(off, 0x1010);
	assert_null(sp_maps_module(maps, NO_SUCH_PID, 0x402010));
	assert_string_equal(sp_maps_module(maps, NO_SUCH_PID, 0x403010), "[anon:  jit ]");
	assert_string_equal(sp_maps_module(maps, NO_SUCH_PID, 0x404010), "[anon]");
	/* A line the kernel would not write: refused, and the cache keeps what it had. */
	assert_int_equal(sp_maps_parse(maps, NO_SUCH_PID, "400000 r-xp 0 fd:01 1 /x\n", 26),
	                 -EINVAL);
	assert_int_equal(sp_maps_parse(maps, NO_SUCH_PID, "2-1 r-xp 0 fd:01 1 /x\n", 22), -EINVAL);
	assert_string_equal(sp_maps_module(maps, NO_SUCH_PID, 0x401010), "libfoo.so");
	sp_maps_free(maps);
}

/* A child renamed with what a stat parser may trip on, stopped by itself. */
static pid_t stopped_child(void)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "x) R 1 (y\nz", 0, 0, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	assert_true(WIFSTOPPED(status));
	return pid;
}

static void test_live_tasks(void **state)
{
	struct sp_proc_task_status st;
	siginfo_t si;
	pid_t pid = stopped_child();

	(void)state;
	assert_int_equal(sp_proc_task_state(pid, pid), 'T');
	assert_false(sp_proc_is_io_thread(pid, pid));
	assert_int_equal(sp_proc_task_status(pid, pid, &st), 0);
	assert_int_equal(st.state, 'T');
	assert_int_equal(st.tgid, pid);
	assert_int_equal(st.ppid, getpid());
	assert_int_equal(st.tracer, 0);
	/* Traced by us: TracerPid is this thread, what quiesce.c compares with. */
	assert_int_equal(ptrace(PTRACE_SEIZE, pid, 0, 0), 0);
	assert_int_equal(sp_proc_task_status(pid, pid, &st), 0);
	assert_int_equal(st.tracer, gettid());
	assert_int_equal(ptrace(PTRACE_DETACH, pid, 0, 0), 0);
	/* A zombie until reaped: State Z, then gone. */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(sp_proc_task_state(pid, pid), 'Z');
	assert_int_equal(sp_proc_task_status(pid, pid, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(sp_proc_task_status(pid, pid, &st), -ESRCH);
	assert_int_equal(sp_proc_task_state(pid, pid), '?');
}

static void test_children_of_self(void **state)
{
	struct sp_pids kids = {0};
	pid_t pid = stopped_child();
	int rc;

	(void)state;
	rc = sp_proc_children(getpid(), &kids);
	if (rc != -ENOTSUP) {
		assert_int_equal(rc, 0);
		assert_true(sp_pids_has(&kids, pid));
	}
	sp_pids_free(&kids);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_comm_is_found_by_its_last_paren),
	    cmocka_unit_test(test_status_keys_start_a_line),
	    cmocka_unit_test(test_children_and_ring_lines),
	    cmocka_unit_test(test_comm_is_printable),
	    cmocka_unit_test(test_private_area),
	    cmocka_unit_test(test_maps_with_hostile_names),
	    cmocka_unit_test(test_live_tasks),
	    cmocka_unit_test(test_children_of_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
