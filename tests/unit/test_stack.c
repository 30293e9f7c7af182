/* SPDX-License-Identifier: MIT */
/*
 * Call stacks of a real stopped tracee: a forked copy of this test stops
 * itself inside stack_probe(), and the parent unwinds it through ptrace.
 * The frames must name stack_probe and main (the test binary is built
 * with its symbol table), and the second capture must come from the
 * symbol cache.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/maps.h"
#include "tracer/stack.h"
#include "tracer/stack_internal.h"

/* Where the child stops; noinline and not static so that it keeps its own frame and symbol. */
__attribute__((noinline)) int stack_probe(int depth)
{
	raise(SIGSTOP);
	/* Work after the call keeps it from becoming a tail call. */
	return depth + 1;
}

__attribute__((noinline)) int stack_outer(int depth)
{
	int r = stack_probe(depth + 1);

	return r * 2;
}

/*
 * The body of a child that only needs to exist: it dies with this test
 * (PR_SET_PDEATHSIG), so a failing assertion cannot leave it holding
 * ctest's output pipe.
 */
static pid_t test_pid; /* this test process, set by main */

static void idle_child(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != test_pid)
		_exit(0);
	for (;;)
		pause();
}

/* A child stopped (as our tracee) inside stack_probe. */
static pid_t spawn_stopped(void)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(1);
		_exit(stack_outer(0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(WSTOPSIG(status), SIGSTOP);
	/* If this test dies, the child must not linger. */
	assert_int_equal(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_EXITKILL), 0);
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void self_name(char *buf, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *base;

	assert_true(len > 0);
	exe[len] = '\0';
	base = strrchr(exe, '/');
	assert_true((size_t)snprintf(buf, n, "%s", base ? base + 1 : exe) < n);
}

/* Index of the first frame whose "fn" is fn, or -1. */
static int find_fn(json_t *frames, const char *fn)
{
	size_t i;
	json_t *f;

	json_array_foreach(frames, i, f) {
		const char *name = json_string_value(json_object_get(f, "fn"));

		if (name && !strcmp(name, fn))
			return (int)i;
	}
	return -1;
}

/* The frames of a stop in stack_probe called from caller (and main, when want_main). */
static void check_frames(json_t *frames, const char *caller, bool want_main)
{
	char self[256];
	int probe, outer, main_at;
	size_t i;
	json_t *f;

	self_name(self, sizeof(self));
	assert_non_null(frames);
	assert_true(json_is_array(frames));
	assert_true(json_array_size(frames) >= 4);
	assert_true(json_array_size(frames) <= 64);
	json_array_foreach(frames, i, f) {
		const char *ip = json_string_value(json_object_get(f, "ip"));

		assert_non_null(ip);
		assert_memory_equal(ip, "0x", 2);
		/* A symbol comes with its offset; otherwise the module offset stands in. */
		if (json_object_get(f, "fn"))
			assert_true(json_is_integer(json_object_get(f, "off")));
		else if (json_object_get(f, "module"))
			assert_true(json_is_integer(json_object_get(f, "module_off")));
	}
	probe = find_fn(frames, "stack_probe");
	outer = find_fn(frames, caller);
	main_at = find_fn(frames, "main");
	assert_true(probe > 0); /* raise's own frames come first */
	assert_int_equal(outer, probe + 1);
	if (want_main)
		assert_true(main_at > outer);
	else
		assert_true(main_at < 0);
	f = json_array_get(frames, (size_t)probe);
	assert_string_equal(json_string_value(json_object_get(f, "module")), self);
	assert_true(json_integer_value(json_object_get(f, "off")) > 0);
	/* The innermost frame is in libc, inside raise. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(frames, 0), "module")),
	                    "libc.so.6");
}

/*
 * Every libc frame that carries a name is really inside that function: the
 * child is a fork of this process, so the dynamic linker here knows where
 * each libc symbol starts and how long it is.  (libc is stripped: a bare
 * nearest-symbol look-up would name static functions after an unrelated
 * exported one before them.)
 */
static void check_libc_names(json_t *frames)
{
	size_t i;
	json_t *f;
	int named = 0;

	json_array_foreach(frames, i, f) {
		const char *module = json_string_value(json_object_get(f, "module"));
		const char *fn = json_string_value(json_object_get(f, "fn"));
		uint64_t ip = strtoull(json_string_value(json_object_get(f, "ip")), NULL, 16);
		uint64_t off = (uint64_t)json_integer_value(json_object_get(f, "off"));
		const ElfW(Sym) *sym = NULL;
		Dl_info info;

		if (!fn || !module || strcmp(module, "libc.so.6"))
			continue;
		/* ip - 1: a return address may lie just past its call's function. */
		assert_true(dladdr1((void *)(uintptr_t)(ip - 1), &info, (void **)&sym,
		                    RTLD_DL_SYMENT) != 0);
		assert_non_null(sym);
		assert_int_equal(ip - off, (uint64_t)(uintptr_t)info.dli_saddr);
		assert_true(ip - 1 < (uint64_t)(uintptr_t)info.dli_saddr + sym->st_size);
		named++;
	}
	/* raise (alias gsignal) is exported: at least that one is named. */
	assert_true(named >= 1);
}

static void test_capture_and_cache(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, true);
	struct sp_stack_stats s1, s2, s3;
	json_t *a, *b, *c;
	pid_t pid;

	(void)state;
	assert_non_null(st);
	pid = spawn_stopped();

	a = sp_stack_capture(st, pid, pid);
	check_frames(a, "stack_outer", true);
	check_libc_names(a);
	sp_stack_get_stats(st, &s1);
	assert_int_equal(s1.captures, 1);
	assert_int_equal(s1.procs, 1);
	assert_true(s1.sym_lookups > 0);

	/*
	 * The same stop again: no symbol is looked up again, and the frames are
	 * the same (from the call-path cache, or from the symbol cache when the
	 * first capture read too much to be kept as a path).
	 */
	b = sp_stack_capture(st, pid, pid);
	sp_stack_get_stats(st, &s2);
	assert_true(json_equal(a, b));
	assert_int_equal(s2.sym_lookups, s1.sym_lookups);
	assert_true(s2.path_hits == s1.path_hits + 1 ||
	            s2.sym_hits - s1.sym_hits == json_array_size(b));

	/* Forgotten: the address space and the symbols go, and are rebuilt. */
	sp_stack_forget(st, pid);
	sp_stack_get_stats(st, &s3);
	assert_int_equal(s3.procs, 0);
	c = sp_stack_capture(st, pid, pid);
	sp_stack_get_stats(st, &s3);
	assert_true(json_equal(a, c));
	assert_int_equal(s3.sym_lookups - s2.sym_lookups, s1.sym_lookups);

	json_decref(a);
	json_decref(b);
	json_decref(c);
	reap(pid);
	sp_stack_free(st);
	sp_maps_free(maps);
}

/* Two tracees at once keep separate caches; capture order does not matter. */
static void test_two_processes(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, true);
	struct sp_stack_stats s;
	pid_t p1, p2;
	json_t *a, *b;

	(void)state;
	p1 = spawn_stopped();
	p2 = spawn_stopped();
	a = sp_stack_capture(st, p2, p2);
	b = sp_stack_capture(st, p1, p1);
	check_frames(a, "stack_outer", true);
	check_frames(b, "stack_outer", true);
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.procs, 2);
	json_decref(a);
	json_decref(b);
	reap(p1);
	sp_stack_forget(st, p1);
	reap(p2);
	sp_stack_forget(st, p2);
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.procs, 0);
	sp_stack_free(st);
	sp_maps_free(maps);
}

__attribute__((noinline)) static void *thread_body(void *arg)
{
	(void)arg;
	stack_probe(7);
	return NULL;
}

/* The child of test_threads: both threads stop in stack_probe, by different ways. */
__attribute__((noinline)) static void threaded_child(void)
{
	pthread_t th;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(1);
	raise(SIGSTOP);
	if (pthread_create(&th, NULL, thread_body, NULL) != 0)
		_exit(2);
	stack_outer(0);
	pthread_join(th, NULL);
	_exit(0);
}

/*
 * The creator stopped at its clone event sits right after the syscall in
 * glibc's clone3, which has no unwind information there on purpose: the
 * stack must still reach pthread_create's caller and main.
 */
static void check_clone_stack(struct sp_stack *st, pid_t pid)
{
	struct sp_stack_stats s;
	json_t *frames = sp_stack_capture(st, pid, pid);

	assert_non_null(frames);
	assert_true(find_fn(frames, "threaded_child") > 0);
	assert_true(find_fn(frames, "main") > find_fn(frames, "threaded_child"));
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.leaf_restarts, 1);
	json_decref(frames);
}

/*
 * Two threads of one traced process stopped in stack_probe, reached from
 * thread_body and from stack_outer: each is unwound as itself, and taking
 * turns does not re-create their libunwind state.  On the way, the
 * creator's stack at its clone event.
 */
static void test_threads(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, true);
	struct sp_stack_stats s;
	bool main_stopped = false;
	int status, tid_stops = 0;
	pid_t pid, tid = 0, w;
	json_t *a, *b;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		threaded_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(
	    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE)),
	    0);
	assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
	/*
	 * In whatever order they come: the main thread's clone event (run
	 * on), the new thread's first stop (its automatic attach: run on,
	 * the SIGSTOP suppressed), then each thread's own SIGSTOP from
	 * stack_probe, where it is left.
	 */
	while (!main_stopped || tid_stops < 2) {
		w = waitpid(-1, &status, __WALL);
		assert_true(w > 0);
		assert_true(WIFSTOPPED(status));
		if (w == pid && status >> 16 == PTRACE_EVENT_CLONE) {
			check_clone_stack(st, pid);
			assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
		} else if (w == pid) {
			assert_int_equal(WSTOPSIG(status), SIGSTOP);
			main_stopped = true;
		} else {
			tid = w;
			if (++tid_stops == 1)
				assert_int_equal(ptrace(PTRACE_CONT, tid, NULL, NULL), 0);
		}
	}

	a = sp_stack_capture(st, pid, tid);
	check_frames(a, "thread_body", false);
	b = sp_stack_capture(st, pid, pid);
	check_frames(b, "stack_outer", true);
	assert_true(find_fn(b, "thread_body") < 0);
	json_decref(a);
	json_decref(b);
	for (int i = 0; i < 3; i++) {
		json_decref(sp_stack_capture(st, pid, tid));
		json_decref(sp_stack_capture(st, pid, pid));
	}
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.captures, 9);
	assert_int_equal(s.leaf_restarts, 1);
	assert_int_equal(s.upt_creates, 2);

	kill(pid, SIGKILL);
	while (waitpid(-1, &status, __WALL) > 0)
		;
	sp_stack_free(st);
	sp_maps_free(maps);
}

/* Where the child of test_path_cache stops: the same ip and sp on both paths. */
__attribute__((noinline)) int path_mid(int v)
{
	raise(SIGSTOP);
	return v + 1;
}

/* Two callers alike to the byte: their frames are the same size, so sp is too. */
__attribute__((noinline)) int path_a(int v)
{
	return path_mid(v) * 3;
}

__attribute__((noinline)) int path_b(int v)
{
	return path_mid(v) * 3;
}

static void path_child(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(1);
	path_a(1);
	path_b(2);
	_exit(0);
}

/* Continues the stopped child to its next SIGSTOP; its registers there. */
static void next_stop(pid_t pid, struct user_regs_struct *regs)
{
	int status;

	assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(WSTOPSIG(status), SIGSTOP);
	assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, regs), 0);
}

/*
 * A call path is unwound once, and only the same path shares its stack:
 * path_mid reached from path_a and from path_b stops at the same
 * instruction with the same stack pointer and the same return address at
 * it, yet the second stack must name path_b (a cache keyed by those alone
 * would hand back path_a's).
 */
static void test_path_cache(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, true);
	struct user_regs_struct ra, rb;
	struct sp_stack_stats s1, s2;
	json_t *a, *again, *b;
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		path_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_EXITKILL), 0);
	assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &ra), 0);
	/* The first SIGSTOP is raise's own, in path_a's path_mid. */
	assert_true(WIFSTOPPED(status));
	a = sp_stack_capture(st, pid, pid);
	assert_non_null(a);
	assert_true(find_fn(a, "path_a") > find_fn(a, "path_mid"));
	assert_true(find_fn(a, "path_mid") > 0);
	assert_int_equal(find_fn(a, "path_b"), -1);
	/* Captured until the path is kept and served from the cache. */
	sp_stack_get_stats(st, &s1);
	for (int i = 0; i < 3 && s1.path_hits == 0; i++) {
		/* The way the tracer asks: ip and sp from the syscall stop. */
		again = sp_stack_capture_at(st, pid, pid, ra.rip, ra.rsp);
		assert_true(json_equal(a, again));
		json_decref(again);
		sp_stack_get_stats(st, &s1);
	}
	assert_int_equal(s1.path_hits, 1);
	assert_int_equal(s1.paths, 1);

	next_stop(pid, &rb);
	assert_int_equal(rb.rip, ra.rip);
	assert_int_equal(rb.rsp, ra.rsp);
	b = sp_stack_capture_at(st, pid, pid, rb.rip, rb.rsp);
	sp_stack_get_stats(st, &s2);
	assert_non_null(b);
	assert_int_equal(s2.path_hits, s1.path_hits);
	assert_int_equal(s2.path_misses, s1.path_misses + 1);
	assert_true(find_fn(b, "path_b") > find_fn(b, "path_mid"));
	assert_int_equal(find_fn(b, "path_a"), -1);

	json_decref(a);
	json_decref(b);
	reap(pid);
	sp_stack_free(st);
	sp_maps_free(maps);
}

/* A process that is not our stopped tracee cannot be unwound: NULL, not a crash. */
static void test_not_traced(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, true);
	struct sp_stack_stats s;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		idle_child();
	}
	assert_null(sp_stack_capture(st, pid, pid));
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.captures, 0);
	reap(pid);
	sp_stack_forget(st, pid);
	sp_stack_free(st);
	sp_maps_free(maps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capture_and_cache), cmocka_unit_test(test_two_processes),
	    cmocka_unit_test(test_threads),           cmocka_unit_test(test_path_cache),
	    cmocka_unit_test(test_not_traced),
	};

	test_pid = getpid();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
