/* SPDX-License-Identifier: MIT */
/*
 * Static facts of purpose-built binaries (tests/unit/completion/
 * facts_prog.c at -O2, with symbols and stripped), of the real libc they
 * call into, the facts cache (a planted or broken entry is recomputed),
 * and scoping over stacks placed in that program.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>

#include "sysphase/completion.h"
#include "sysphase/policy.h"

#ifndef FACTS_PROG
#error "FACTS_PROG must name the built test program"
#endif

static const char *libc_path(void)
{
	static const char *const cands[] = {"/lib/x86_64-linux-gnu/libc.so.6",
	                                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
	                                    "/lib64/libc.so.6"};

	for (size_t i = 0; i < sizeof(cands) / sizeof(*cands); i++)
		if (access(cands[i], R_OK) == 0)
			return cands[i];
	return NULL;
}

static struct sp_facts *load(const char *path, const char *cache)
{
	struct sp_diag d = {0};
	struct sp_facts *f = NULL;
	int rc = sp_facts_load(path, cache, &f, &d);

	if (rc != 0)
		fail_msg("%s: %d %s", path, rc, d.msg);
	return f;
}

static long named(const struct sp_facts *f, const char *name)
{
	long i = sp_facts_func_named(f, name);

	if (i < 0)
		fail_msg("no function %s", name);
	return i;
}

static bool has_syscall(const struct sp_facts *f, long fn, long nr)
{
	for (size_t k = 0; k < sp_facts_nsyscalls(f, (size_t)fn); k++)
		if (sp_facts_syscall(f, (size_t)fn, k) == nr)
			return true;
	return false;
}

static bool calls_local(const struct sp_facts *f, long fn, long callee)
{
	for (size_t k = 0; k < sp_facts_ncallees(f, (size_t)fn); k++) {
		struct sp_callee c;

		sp_facts_callee(f, (size_t)fn, k, &c);
		if (c.local == callee)
			return true;
	}
	return false;
}

static bool calls_import(const struct sp_facts *f, long fn, const char *name)
{
	for (size_t k = 0; k < sp_facts_ncallees(f, (size_t)fn); k++) {
		struct sp_callee c;

		sp_facts_callee(f, (size_t)fn, k, &c);
		if (c.local < 0 && strcmp(c.import, name) == 0)
			return true;
	}
	return false;
}

/* The only local callee of fn; fails when there is not exactly one. */
static long only_local_callee(const struct sp_facts *f, long fn)
{
	long found = -1;

	for (size_t k = 0; k < sp_facts_ncallees(f, (size_t)fn); k++) {
		struct sp_callee c;

		sp_facts_callee(f, (size_t)fn, k, &c);
		if (c.local >= 0) {
			assert_int_equal(found, -1);
			found = c.local;
		}
	}
	assert_true(found >= 0);
	return found;
}

static void test_call_chain(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long top = named(f, "fp_top"), mid = named(f, "mid"), leaf = named(f, "leaf_getpid");

	(void)state;
	assert_true(calls_local(f, top, mid));
	assert_true(calls_local(f, mid, leaf));
	assert_true(has_syscall(f, leaf, SYS_getpid));
	assert_int_equal(sp_facts_nsyscalls(f, (size_t)leaf), 1);
	assert_int_equal(sp_facts_nsyscalls(f, (size_t)top), 0);
	assert_int_equal(sp_facts_unresolved(f, (size_t)leaf), 0);
	sp_facts_free(f);
}

static void test_tail_call(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long caller = named(f, "fp_tail_caller"), target = named(f, "tail_target");

	(void)state;
	assert_true(calls_local(f, caller, target));
	assert_true(has_syscall(f, target, SYS_getuid));
	sp_facts_free(f);
}

static void test_plt_into_libc(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, ""), *libc;
	const char *lp = libc_path();
	long fn = named(f, "fp_via_plt"), exp;

	(void)state;
	assert_true(calls_import(f, fn, "getppid"));
	if (!lp)
		skip();
	libc = load(lp, "");
	exp = sp_facts_export(libc, "getppid");
	assert_true(exp >= 0);
	assert_true(has_syscall(libc, exp, SYS_getppid));
	/* libc's syscall() takes its number from edi: not constant there, and counted. */
	assert_true(sp_facts_unresolved(libc, (size_t)sp_facts_export(libc, "syscall")) >= 1);
	sp_facts_free(libc);
	sp_facts_free(f);
}

static void test_syscall_function(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long fn = named(f, "fp_via_syscall_fn");

	(void)state;
	assert_true(calls_import(f, fn, "syscall"));
	assert_true(has_syscall(f, fn, SYS_gettid));
	assert_int_equal(sp_facts_unresolved(f, (size_t)fn), 0);
	sp_facts_free(f);
}

static void test_register_copy_and_unresolved(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long copy = named(f, "fp_copy"), unres = named(f, "fp_unresolved");
	struct sp_facts_stats st;

	(void)state;
	assert_true(has_syscall(f, copy, SYS_uname));
	assert_int_equal(sp_facts_nsyscalls(f, (size_t)unres), 0);
	assert_int_equal(sp_facts_unresolved(f, (size_t)unres), 1);
	sp_facts_get_stats(f, &st);
	assert_true(st.unresolved >= 1);
	assert_true(st.syscall_sites >= 6);
	sp_facts_free(f);
}

static void test_indirect_not_followed(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long ind = named(f, "fp_indirect"), ind_exec = named(f, "fp_indirect_exec");
	long secret = named(f, "secret_exec");

	(void)state;
	assert_true(has_syscall(f, secret, SYS_execve));
	assert_int_equal(sp_facts_ncallees(f, (size_t)ind), 0);
	assert_false(calls_import(f, ind_exec, "execve"));
	for (size_t i = 0; i < sp_facts_nfuncs(f); i++)
		assert_false(calls_local(f, (long)i, secret));
	sp_facts_free(f);
}

/* Stripped: the same functions (from .eh_frame), no names, the same facts. */
static void test_stripped(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, ""), *s = load(FACTS_PROG_STRIPPED, "");
	const char *fns[] = {"fp_top",       "mid",        "leaf_getpid",       "fp_tail_caller",
	                     "tail_target",  "fp_via_plt", "fp_via_syscall_fn", "fp_copy",
	                     "fp_unresolved"};

	(void)state;
	assert_int_equal(sp_facts_func_named(s, "fp_top"), -ENOENT);
	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++) {
		long a = named(f, fns[i]), b;
		struct sp_func fa, fb;

		sp_facts_func(f, (size_t)a, &fa);
		b = sp_facts_func_at(s, fa.start);
		assert_true(b >= 0);
		sp_facts_func(s, (size_t)b, &fb);
		assert_int_equal(fb.start, fa.start);
		assert_null(fb.name);
		assert_int_equal(sp_facts_nsyscalls(s, (size_t)b),
		                 sp_facts_nsyscalls(f, (size_t)a));
		for (size_t k = 0; k < sp_facts_nsyscalls(f, (size_t)a); k++)
			assert_int_equal(sp_facts_syscall(s, (size_t)b, k),
			                 sp_facts_syscall(f, (size_t)a, k));
		assert_int_equal(sp_facts_unresolved(s, (size_t)b),
		                 sp_facts_unresolved(f, (size_t)a));
		assert_int_equal(sp_facts_ncallees(s, (size_t)b), sp_facts_ncallees(f, (size_t)a));
	}
	/* The chain survives stripping: fp_top -> mid -> leaf_getpid, by address. */
	{
		struct sp_func ft;
		long b;

		sp_facts_func(f, (size_t)named(f, "fp_top"), &ft);
		b = sp_facts_func_at(s, ft.start);
		b = only_local_callee(s, b);
		b = only_local_callee(s, b);
		assert_true(has_syscall(s, b, SYS_getpid));
	}
	assert_string_equal(sp_facts_build_id(f), sp_facts_build_id(s));
	sp_facts_free(s);
	sp_facts_free(f);
}

static void test_call_at(void **state)
{
	struct sp_facts *f = load(FACTS_PROG, "");
	long top = named(f, "fp_top"), mid = named(f, "mid");
	struct sp_func ft;
	struct sp_callee c;
	bool found = false;

	(void)state;
	sp_facts_func(f, (size_t)top, &ft);
	/* Some address inside fp_top is the return address of its call to mid. */
	for (uint64_t a = ft.start + 1; a <= ft.end; a++)
		if (sp_facts_call_at(f, a, &c) == 0 && c.local == mid)
			found = true;
	assert_true(found);
	assert_int_equal(sp_facts_call_at(f, ft.start, &c), -ENOENT);
	sp_facts_free(f);
}

/* --- the cache ------------------------------------------------------------ */

static char cache_dir[] = "/tmp/sysphase-test-cache-XXXXXX";

static char *entry(const struct sp_facts *f)
{
	char *p;

	assert_true(asprintf(&p, "%s/facts-%s.json", cache_dir, sp_facts_build_id(f)) > 0);
	return p;
}

static void same_facts(const struct sp_facts *a, const struct sp_facts *b)
{
	struct sp_facts_stats sa, sb;

	sp_facts_get_stats(a, &sa);
	sp_facts_get_stats(b, &sb);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	assert_int_equal(sp_facts_nfuncs(a), sp_facts_nfuncs(b));
	for (size_t i = 0; i < sp_facts_nfuncs(a); i++) {
		struct sp_func fa, fb;

		sp_facts_func(a, i, &fa);
		sp_facts_func(b, i, &fb);
		assert_int_equal(fa.start, fb.start);
		assert_int_equal(fa.end, fb.end);
		assert_true((fa.name == NULL) == (fb.name == NULL));
		assert_int_equal(sp_facts_nsyscalls(a, i), sp_facts_nsyscalls(b, i));
		assert_int_equal(sp_facts_ncallees(a, i), sp_facts_ncallees(b, i));
	}
	assert_int_equal(sp_facts_export(a, "main"), sp_facts_export(b, "main"));
	assert_int_equal(sp_facts_func_named(a, "mid"), sp_facts_func_named(b, "mid"));
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 4 << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, (4 << 20) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_cache_roundtrip(void **state)
{
	struct sp_facts *a = load(FACTS_PROG, cache_dir), *b;
	struct stat st;
	char *p = entry(a);

	(void)state;
	assert_false(sp_facts_cached(a));
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	b = load(FACTS_PROG, cache_dir);
	assert_true(sp_facts_cached(b));
	same_facts(a, b);
	sp_facts_free(b);
	sp_facts_free(a);
	free(p);
}

/*
 * Entries that must be refused: each replaces the good entry, and the next
 * load must recompute (not cached), give the same facts, and leave a good
 * entry behind.
 */
static void test_cache_rejects(void **state)
{
	struct sp_facts *a = load(FACTS_PROG, cache_dir), *b;
	char *p = entry(a), *good = read_file(p), *bad;
	const struct {
		const char *from, *to;
	} edits[] = {
	    {"\"version\":1", "\"version\":2"}, /* another analysis */
	    {"\"format\":\"sysphase-facts\"", "\"format\":\"x\""},
	    {"\"funcs\":[[", "\"funcs\":[[-1,"},              /* wrong shape */
	    {"\"calls\":[[", "\"calls\":[[1,999999999],["},   /* a callee out of range */
	    {"\"exports\":[", "\"exports\":[[\"zzzz\",0],"},  /* not sorted */
	    {"\"imports\":[", "\"imports\":[\"a\\u0000b\","}, /* a NUL in a name */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(edits) / sizeof(*edits) + 2; i++) {
		if (i < sizeof(edits) / sizeof(*edits)) {
			char *at = strstr(good, edits[i].from);

			assert_non_null(at);
			assert_true(asprintf(&bad, "%.*s%s%s", (int)(at - good), good, edits[i].to,
			                     at + strlen(edits[i].from)) > 0);
		} else if (i == sizeof(edits) / sizeof(*edits)) {
			bad = strndup(good, strlen(good) / 2); /* truncated */
		} else {
			bad = strdup("not json at all");
		}
		write_file(p, bad);
		free(bad);
		b = load(FACTS_PROG, cache_dir);
		if (sp_facts_cached(b))
			fail_msg("edit %zu was accepted", i);
		same_facts(a, b);
		sp_facts_free(b);
		b = load(FACTS_PROG, cache_dir);
		assert_true(sp_facts_cached(b)); /* rewritten */
		sp_facts_free(b);
	}
	/* A symlink planted in the entry's place is not followed. */
	unlink(p);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	b = load(FACTS_PROG, cache_dir);
	assert_false(sp_facts_cached(b));
	sp_facts_free(b);
	free(good);
	free(p);
	sp_facts_free(a);
}

/* --- scoping -------------------------------------------------------------- */

/* A frame at the return address inside function name (or at its entry + 1 for the innermost). */
static json_t *frame_in(const struct sp_facts *f, const char *name, const char *module, bool ret_of,
                        const char *callee)
{
	struct sp_func fn;
	long i = named(f, name), want = callee ? named(f, callee) : -1;
	uint64_t at = 0;

	sp_facts_func(f, (size_t)i, &fn);
	if (ret_of) {
		struct sp_callee c;

		for (uint64_t a = fn.start + 1; a <= fn.end && !at; a++)
			if (sp_facts_call_at(f, a, &c) == 0 && c.local == want)
				at = a;
		assert_true(at != 0);
	} else {
		at = fn.start + 1;
	}
	/* The file offset the tracer would report (module_off): the one that maps back to at. */
	for (uint64_t off = 0; off < (1u << 24); off++) {
		uint64_t v;

		if (sp_facts_vaddr(f, off, &v) == 0 && v == at)
			return json_pack("{s:s,s:I}", "module", module, "module_off",
			                 (json_int_t)off);
	}
	fail_msg("no offset for %s", name);
	return NULL;
}

struct got {
	long nrs[64];
	size_t n;
	json_t *why_getpid;
};

static int on_complete(const char *phase, long nr, json_t *why, void *arg)
{
	struct got *g = arg;

	if (strcmp(phase, "serve") == 0) {
		g->nrs[g->n++] = nr;
		if (nr == SYS_getpid && !g->why_getpid)
			g->why_getpid = json_incref(why);
	}
	json_decref(why);
	return 0;
}

static void test_scope(void **state)
{
	struct sp_completion_opts o = {.cache_dir = ""};
	struct sp_completion *c = sp_completion_new(&o);
	struct sp_facts *f = load(FACTS_PROG, "");
	const char *base = strrchr(FACTS_PROG, '/') + 1;
	struct sp_scope *s;
	struct sp_scope_stats st;
	struct got g = {0};
	json_t *init, *serve;
	bool getpid = false, getuid = false, execve = false;

	(void)state;
	assert_non_null(c);
	s = sp_scope_new(c, FACTS_PROG);
	/* init: a syscall straight from main; serve: leaf_getpid <- mid <- fp_top <- main. */
	init = json_pack("[o,o]", frame_in(f, "fp_copy", base, false, NULL),
	                 frame_in(f, "main", base, true, "fp_copy"));
	serve = json_pack("[o,o,o,o]", frame_in(f, "leaf_getpid", base, false, NULL),
	                  frame_in(f, "mid", base, true, "leaf_getpid"),
	                  frame_in(f, "fp_top", base, true, "mid"),
	                  frame_in(f, "main", base, true, "fp_top"));
	assert_int_equal(sp_scope_add_stack(s, "init", init), 0);
	assert_int_equal(sp_scope_add_stack(s, "serve", serve), 0);
	assert_int_equal(sp_scope_complete(s, on_complete, &g, &st, NULL), 0);
	for (size_t i = 0; i < g.n; i++) {
		getpid |= g.nrs[i] == SYS_getpid;
		getuid |= g.nrs[i] == SYS_getuid;
		execve |= g.nrs[i] == SYS_execve;
	}
	/* main is on both phases' stacks: a stop node, so main's other callees are not reached. */
	assert_true(getpid);
	assert_false(getuid);
	assert_false(execve);
	assert_true(st.stop_nodes >= 1);
	assert_non_null(g.why_getpid);
	assert_string_equal(json_string_value(json_object_get(g.why_getpid, "function")),
	                    "leaf_getpid");
	assert_true(json_array_size(json_object_get(g.why_getpid, "chain")) >= 1);
	json_decref(g.why_getpid);
	json_decref(init);
	json_decref(serve);
	sp_scope_free(s);
	sp_completion_free(c);
	sp_facts_free(f);
}

/* --- the completer: classification and malloc's family --------------------- */

static void test_dangerous(void **state)
{
	const char *yes[] = {"execve", "clone",  "setuid",   "socket", "connect",
	                     "bind",   "listen", "unlink",   "chmod",  "kill",
	                     "tgkill", "mmap",   "mprotect", "ptrace"};
	const char *no[] = {"gettid", "read", "write", "getrusage", "sched_yield", "munmap"};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (!sp_completion_dangerous(yes[i]))
			fail_msg("%s is not dangerous", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (sp_completion_dangerous(no[i]))
			fail_msg("%s is dangerous", no[i]);
}

struct kinds {
	char names[32][32];
	enum sp_completion_kind kind[32];
	char phase[32][16];
	size_t n;
};

static int on_kind(const char *phase, const char *name, enum sp_completion_kind kind, json_t *why,
                   void *arg)
{
	struct kinds *k = arg;

	json_decref(why);
	assert_true(k->n < 32);
	snprintf(k->names[k->n], sizeof(k->names[0]), "%s", name);
	snprintf(k->phase[k->n], sizeof(k->phase[0]), "%s", phase);
	k->kind[k->n++] = kind;
	return 0;
}

static int kind_of(const struct kinds *k, const char *phase, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->names[i], name) == 0 && strcmp(k->phase[i], phase) == 0)
			return (int)k->kind[i];
	return -1;
}

static void feed_call(struct sp_completer *c, const char *phase, const char *name, uint64_t arg2)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL,
	                      .tid = 42,
	                      .pid = 42,
	                      .abi = SP_ABI_X86_64,
	                      .name = name,
	                      .nr = sp_syscall_nr(name),
	                      .args = {0, 4096, arg2},
	                      .phase = phase};

	assert_int_equal(sp_completer_feed(c, &ev), 0);
}

/*
 * A phase that allocates and maps no code gets mmap/mprotect in W^X and
 * the rest of malloc's family; one that mapped code gets no W^X
 * (its own mmap stays as observed); one that does not allocate gets none.
 */
static void test_memory_family(void **state)
{
	struct sp_completion_opts o = {.cache_dir = ""};
	struct sp_completer *c = sp_completer_new(&o);
	struct sp_completer_stats st;
	struct kinds k = {0};

	(void)state;
	assert_non_null(c);
	feed_call(c, "load", "mmap", 0x5); /* PROT_READ|PROT_EXEC */
	feed_call(c, "serve", "brk", 0);
	feed_call(c, "serve", "mmap", 0x3); /* PROT_READ|PROT_WRITE */
	feed_call(c, "idle", "read", 0);
	assert_int_equal(sp_completer_finish(c, false, on_kind, &k, &st, NULL), 0);
	assert_int_equal(kind_of(&k, "serve", "mmap"), SP_COMPLETE_MEMORY_NO_EXEC);
	assert_int_equal(kind_of(&k, "serve", "mprotect"), SP_COMPLETE_MEMORY_NO_EXEC);
	assert_int_equal(kind_of(&k, "serve", "munmap"), SP_COMPLETE_MEMORY);
	assert_int_equal(kind_of(&k, "serve", "brk"), -1); /* observed: not reported again */
	assert_int_equal(kind_of(&k, "load", "mmap"), -1);
	assert_int_equal(kind_of(&k, "load", "mprotect"), -1);
	assert_int_equal(kind_of(&k, "load", "munmap"), SP_COMPLETE_MEMORY);
	assert_int_equal(kind_of(&k, "idle", "munmap"), -1);
	assert_int_equal(st.stacks, 0);
	sp_completer_free(c);
}

/* A frame naming a path instead of a module's basename is not followed to that file. */
static void test_frame_paths_refused(void **state)
{
	struct sp_completion_opts o = {.cache_dir = ""};
	struct sp_completion *c = sp_completion_new(&o);
	struct sp_scope *s = sp_scope_new(c, NULL);
	json_t *stack = json_pack("[{s:s,s:i}]", "module", FACTS_PROG, "module_off", 4096);
	struct sp_scope_stats st;
	struct got g = {0};

	(void)state;
	assert_int_equal(sp_scope_add_stack(s, "p", stack), 0);
	assert_int_equal(sp_scope_complete(s, on_complete, &g, &st, NULL), 0);
	assert_int_equal(st.seeds, 0);
	json_decref(stack);
	sp_scope_free(s);
	sp_completion_free(c);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(cache_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd;

	(void)state;
	if (asprintf(&cmd, "rm -rf '%s'", cache_dir) > 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", cache_dir);
		free(cmd);
	}
	return 0;
}

/*
 * A completed clone makes threads only: the builder gets it with
 * CLONE_THREAD required in its flags, the phase gets a new thread's
 * start-up from the baseline (rseq, set_robust_list: libuv's pool started
 * lazily in a steady state), and run's filter lets a thread's
 * clone through (pthread_create's flags) and stops a fork's (SIGCHLD).
 */
static void test_thread_only_clone(void **state)
{
	static const char *const order[] = {"serve"};
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 1);
	struct sp_event ev = {.type = SP_EV_SYSCALL,
	                      .tid = 7,
	                      .pid = 7,
	                      .abi = SP_ABI_X86_64,
	                      .name = "read",
	                      .nr = SYS_read,
	                      .phase = "serve"};
	const unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
	                             CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
	                             CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	struct seccomp_data sd = {.nr = SYS_clone, .arch = 0xc000003e /* AUDIT_ARCH_X86_64 */};
	struct sp_diag diag = {{0}};
	struct sock_filter *insns;
	struct sp_baseline *bl;
	struct sp_call_info ci;
	struct sp_policy *p;
	struct sp_allow *al;
	scmp_filter_ctx ctx;
	uint32_t action;
	size_t n, len;

	(void)state;
	assert_int_equal(sp_policy_feed(b, &ev, &diag), 0);
	assert_int_equal(sp_completion_to_builder("serve", "clone", SP_COMPLETE_ADD_THREAD_ONLY,
	                                          json_pack("{s:s}", "reason", "test"), b),
	                 0);
	/* The phase may now make threads: it gets their start-up, as the baseline gives it. */
	bl = sp_baseline_new();
	assert_non_null(bl);
	assert_int_equal(sp_baseline_feed(bl, &ev), 0);
	assert_int_equal(sp_baseline_apply(bl, b, &diag), 0);
	sp_baseline_free(bl);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_true(sp_policy_exact_find(p, 0, "rseq") >= 0);
	assert_true(sp_policy_exact_find(p, 0, "set_robust_list") >= 0);
	assert_int_equal(
	    sp_policy_exact_call(p, 0, (size_t)sp_policy_exact_find(p, 0, "clone"), &ci), 0);
	assert_int_equal(ci.prov, SP_PROV_COMPLETED);
	assert_int_equal(ci.n_conds, 1);
	assert_int_equal(ci.conds[0].mask, CLONE_THREAD);
	assert_int_equal(ci.conds[0].values[0], CLONE_THREAD);
	assert_int_equal(sp_policy_allowlist(p, 0, SP_VIEW_ENFORCE, false, NULL, 0, &al, &n, &diag),
	                 0);
	assert_int_equal(sp_filter_build(
			     &(struct sp_filter_spec){
				 .def = SP_ACTION_KILL, .n_allow = n, .allow = al, .for_run = true},
			     &ctx, &diag),
	                 0);
	assert_int_equal(sp_filter_bpf(ctx, &insns, &len), 0);
	sd.args[0] = thread;
	assert_int_equal(sp_bpf_run(insns, len, &sd, &action), 0);
	assert_int_equal(action & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW);
	sd.args[0] = SIGCHLD;
	assert_int_equal(sp_bpf_run(insns, len, &sd, &action), 0);
	assert_int_equal(action & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_KILL_PROCESS);
	free(insns);
	seccomp_release(ctx);
	free(al);
	sp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_chain),
	    cmocka_unit_test(test_tail_call),
	    cmocka_unit_test(test_plt_into_libc),
	    cmocka_unit_test(test_syscall_function),
	    cmocka_unit_test(test_register_copy_and_unresolved),
	    cmocka_unit_test(test_indirect_not_followed),
	    cmocka_unit_test(test_stripped),
	    cmocka_unit_test(test_call_at),
	    cmocka_unit_test(test_cache_roundtrip),
	    cmocka_unit_test(test_cache_rejects),
	    cmocka_unit_test(test_scope),
	    cmocka_unit_test(test_dangerous),
	    cmocka_unit_test(test_memory_family),
	    cmocka_unit_test(test_frame_paths_refused),
	    cmocka_unit_test(test_thread_only_clone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
