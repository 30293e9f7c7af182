/* SPDX-License-Identifier: MIT */
/*
 * Syscall sets and comparisons: plain lists and JSON arrays (with the
 * position of a bad entry), OCI profiles with Docker's conditions
 * evaluated for a pinned kernel, policy.json phases and views, the
 * thesis's built-in lists, and comparisons whose results were worked
 * out by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/analysis.h"
#include "sysphase/policy.h"

static struct sp_syscall_set *list(const char *text, int expect_rc, struct sp_diag *diag)
{
	struct sp_syscall_set *s = sp_set_new("test");

	assert_non_null(s);
	assert_int_equal(sp_set_parse_list(text, strlen(text), "l.txt", s, diag), expect_rc);
	return s;
}

static bool has(const struct sp_syscall_set *s, const char *name)
{
	long nr = -1;
	size_t n;
	const long *order = sp_set_name_order(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(sp_set_nr_name(order[i]), name) == 0)
			nr = order[i];
	assert_true(nr >= 0);
	return sp_set_has(s, nr);
}

static void test_plain_list(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	/* 1 is write (again), 2 is open: four distinct calls. */
	s = list("read write 1,2 # open and write by number\n\n  openat\n", 0, &diag);
	assert_int_equal(sp_set_size(s), 4);
	assert_true(has(s, "read") && has(s, "write") && has(s, "open") && has(s, "openat"));
	assert_false(has(s, "close"));
	sp_set_free(s);
}

static void test_plain_list_errors(void **state)
{
	struct sp_diag diag = {{0}};

	(void)state;
	sp_set_free(list("read\n  wirte close\n", -EINVAL, &diag));
	assert_string_equal(diag.msg,
	                    "l.txt:2:3: unknown x86-64 syscall 'wirte' (did you mean 'write'?)");
	sp_set_free(list("read 999\n", -EINVAL, &diag));
	assert_string_equal(diag.msg, "l.txt:1:6: 999 is not an x86-64 syscall number");
	sp_set_free(list("# nothing\n  \n", -EINVAL, &diag));
	assert_string_equal(diag.msg, "l.txt: no syscalls in it");
	/* socketcall is a pseudo-syscall on x86-64: no filter could allow it. */
	sp_set_free(list("socketcall", -EINVAL, &diag));
	assert_non_null(strstr(diag.msg, "l.txt:1:1: unknown x86-64 syscall 'socketcall'"));
}

static void test_json_list(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	s = list("[\"read\", 1,\n \"mmap\"]", 0, &diag);
	assert_int_equal(sp_set_size(s), 3);
	assert_true(has(s, "mmap"));
	sp_set_free(s);
	sp_set_free(list("[\"read\",\n  \"nosuch\"]", -EINVAL, &diag));
	assert_string_equal(diag.msg, "l.txt:2:4: unknown x86-64 syscall 'nosuch'");
	sp_set_free(list("[\"read\", {\"a\": 1}]", -EINVAL, &diag));
	assert_string_equal(diag.msg, "l.txt:1:10: expected a syscall name or number");
	/* A syntax error: jansson's position. */
	sp_set_free(list("[\"read\",\n", -EINVAL, &diag));
	assert_non_null(strstr(diag.msg, "l.txt:2:"));
}

static bool kernel(const char *have, const char *want)
{
	return sp_kernel_at_least(have, want);
}

static void test_kernel_versions(void **state)
{
	(void)state;
	assert_true(kernel("6.1.0-13-amd64", "4.8"));
	assert_true(kernel("4.8.0", "4.8"));
	assert_true(kernel("4.10", "4.8")); /* numbers, not strings */
	assert_false(kernel("4.7.10", "4.8"));
	assert_false(kernel("6.1.0-13-amd64", "6.2"));
	assert_true(kernel("6.1.5", "6.1.4"));
}

static struct sp_syscall_set *oci(const char *text, const char *kern, int expect_rc,
                                  struct sp_diag *diag)
{
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	struct sp_syscall_set *s = sp_set_new("oci");

	assert_non_null(root);
	assert_int_equal(sp_set_from_oci(root, "p.json", kern, s, diag), expect_rc);
	json_decref(root);
	return s;
}

static void test_oci_allowlist(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	s = oci("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	        " {\"names\": [\"read\", \"write\", \"arm_fadvise64_64\"], \"action\": "
	        "\"SCMP_ACT_ALLOW\"},"
	        " {\"name\": \"close\", \"action\": \"SCMP_ACT_LOG\"},"
	        " {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\","
	        "  \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
	        " {\"names\": [\"mmap\"], \"action\": \"SCMP_ACT_KILL\"}]}",
	        "6.1.0", 0, &diag);
	assert_int_equal(sp_set_size(s), 4);
	assert_true(has(s, "read") && has(s, "write") && has(s, "close") && has(s, "socket"));
	assert_false(has(s, "mmap"));
	assert_true(sp_set_is_cond(s, 41)); /* socket */
	assert_false(sp_set_is_cond(s, 0));
	/* An ARM-only name is skipped, not an error: profiles list every architecture. */
	assert_int_equal(sp_set_skipped_count(s), 1);
	assert_string_equal(sp_set_skipped_at(s, 0), "arm_fadvise64_64");
	sp_set_free(s);
}

static void test_oci_denylist(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s, *all;
	size_t n;

	(void)state;
	sp_set_name_order(&n);
	s = oci("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	        " {\"names\": [\"ptrace\", \"kill\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	        " {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\","
	        "  \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	        "6.1.0", 0, &diag);
	assert_int_equal(sp_set_size(s), n - 2);
	assert_false(has(s, "ptrace"));
	assert_false(has(s, "kill"));
	assert_true(has(s, "socket"));
	assert_true(sp_set_is_cond(s, 41));
	/* The same through a Kubernetes SeccompProfile wrapper. */
	all = oci("{\"kind\": \"SeccompProfile\", \"spec\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
	          " \"syscalls\": [{\"names\": [\"ptrace\", \"kill\"], \"action\": "
	          "\"SCMP_ACT_ERRNO\"}]}}",
	          "6.1.0", 0, &diag);
	assert_int_equal(sp_set_size(all), n - 2);
	sp_set_free(all);
	sp_set_free(s);
}

/* Docker's includes/excludes: arches for amd64, caps against Docker's defaults, minKernel. */
static void test_oci_docker_conditions(void **state)
{
	static const char profile[] =
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	    " {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {}, "
	    "\"excludes\": {}},"
	    " {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
	    "{\"arches\": [\"amd64\", \"x32\"]}},"
	    " {\"names\": [\"sync_file_range\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
	    "{\"arches\": [\"arm64\"]}},"
	    " {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
	    "[\"CAP_SYS_BOOT\"]}},"
	    " {\"names\": [\"chroot\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
	    "[\"CAP_SYS_CHROOT\"]}},"
	    " {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
	    "[\"CAP_SYS_ADMIN\"]},"
	    "  \"args\": [{\"index\": 0, \"value\": 2114060288, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
	    " {\"names\": [\"setns\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
	    "[\"CAP_KILL\"]}},"
	    " {\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": "
	    "{\"arches\": [\"amd64\"]}},"
	    " {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
	    "{\"minKernel\": \"4.8\"}}]}";
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	s = oci(profile, "6.1.0-13-amd64", 0, &diag);
	/* read arch_prctl chroot clone(conditional) ptrace */
	assert_int_equal(sp_set_size(s), 5);
	assert_true(has(s, "read") && has(s, "arch_prctl") && has(s, "chroot") && has(s, "clone") &&
	            has(s, "ptrace"));
	assert_true(sp_set_is_cond(s, 56)); /* clone */
	assert_false(has(s, "reboot") || has(s, "setns") || has(s, "unshare") ||
	             has(s, "sync_file_range"));
	sp_set_free(s);
	s = oci(profile, "4.4.0", 0, &diag);
	assert_int_equal(sp_set_size(s), 4);
	assert_false(has(s, "ptrace"));
	sp_set_free(s);
}

static void test_oci_errors(void **state)
{
	struct sp_diag diag = {{0}};

	(void)state;
	/* Without source text there are no positions: the JSON pointer says where. */
	sp_set_free(oci("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	                " {\"names\": [\"read\"], \"action\": \"SCMP_ACT_MAYBE\"}]}",
	                "6.1", -EINVAL, &diag));
	assert_string_equal(diag.msg,
	                    "p.json: /syscalls/0/action: unknown action 'SCMP_ACT_MAYBE'");
	sp_set_free(oci("{\"syscalls\": []}", "6.1", -EINVAL, &diag));
	assert_string_equal(diag.msg, "p.json: /: expected a \"defaultAction\" string");
	sp_set_free(oci("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	                " {\"names\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"}]}",
	                "6.1", -EINVAL, &diag));
	assert_string_equal(diag.msg,
	                    "p.json: /syscalls/0/names: expected an array of syscall names");
	sp_set_free(oci("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	                " {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
	                " \"includes\": {\"flavour\": []}}]}",
	                "6.1", -EINVAL, &diag));
	assert_string_equal(diag.msg, "p.json: /syscalls/0/includes/flavour: unknown condition "
	                              "'flavour' (arches, caps, minKernel)");
}

/* Writes text to a temporary file; returns its path (static buffer per slot). */
static const char *tmpfile_with(int slot, const char *text)
{
	static char paths[4][64];
	FILE *f;
	int fd;

	snprintf(paths[slot], sizeof(paths[slot]), "/tmp/test_compare.XXXXXX");
	fd = mkstemp(paths[slot]);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return paths[slot];
}

static struct sp_syscall_set *load(const char *spec, int expect_rc, struct sp_diag *diag)
{
	static const struct sp_set_env env = {.kernel = "6.1.0"};
	struct sp_syscall_set *s = NULL;

	assert_int_equal(sp_set_load(spec, &env, &s, diag), expect_rc);
	return s;
}

static void test_files_with_positions(void **state)
{
	struct sp_diag diag = {{0}};
	const char *p;
	char want[160];

	(void)state;
	p = tmpfile_with(0, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n"
	                    "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\"}\n  ]\n}\n");
	sp_set_free(load(p, -EINVAL, &diag));
	snprintf(want, sizeof(want), "%s:4:35: unknown action 'SCMP_ACT_NOPE'", p);
	assert_string_equal(diag.msg, want);
	unlink(p);
	p = tmpfile_with(0, "{\n  \"hello\": 1\n}\n");
	sp_set_free(load(p, -EINVAL, &diag));
	snprintf(want, sizeof(want), "%s:1:1: neither a sysphase policy", p);
	assert_memory_equal(diag.msg, want, strlen(want));
	unlink(p);
	p = tmpfile_with(0, "{\n  \"defaultAction\": \n");
	sp_set_free(load(p, -EINVAL, &diag));
	snprintf(want, sizeof(want), "%s:3:", p);
	assert_memory_equal(diag.msg, want, strlen(want));
	unlink(p);
	p = tmpfile_with(0, "read write\n");
	snprintf(want, sizeof(want), "%s:exact", p);
	sp_set_free(load(want, -EINVAL, &diag));
	snprintf(want, sizeof(want), "%s: a list of syscalls has no phase 'exact'", p);
	assert_string_equal(diag.msg, want);
	unlink(p);
	sp_set_free(load("/nonexistent/list", -ENOENT, &diag));
	assert_string_equal(diag.msg, "/nonexistent/list: no such file or built-in");
}

static double clock_ts;

static void feed(struct sp_policy_builder *b, pid_t pid, const char *phase, const char *name)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL, .tid = pid, .pid = pid, .abi = SP_ABI_X86_64};
	struct sp_diag diag = {{0}};

	ev.ts = clock_ts += 0.001;
	ev.phase = phase;
	ev.name = name;
	ev.nr = sp_filter_syscall_nr(name);
	ev.site = "libc.so.6";
	assert_int_equal(sp_policy_feed(b, &ev, &diag), 0);
}

/* init (execve, openat, read) -> serve (accept4, read, write); its enforce = both. */
static const char *write_policy(void)
{
	static const char *const order[] = {"init", "serve"};
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 2);
	struct sp_diag diag = {{0}};
	struct sp_policy *p = NULL;
	json_t *j;
	char *text;
	const char *path;

	assert_non_null(b);
	feed(b, 7, "init", "execve");
	feed(b, 7, "init", "openat");
	feed(b, 7, "init", "read");
	feed(b, 7, "serve", "accept4");
	feed(b, 7, "serve", "read");
	feed(b, 7, "serve", "write");
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	j = sp_policy_to_json(p);
	text = json_dumps(j, JSON_INDENT(1));
	path = tmpfile_with(1, text);
	free(text);
	json_decref(j);
	sp_policy_free(p);
	return path;
}

static void test_policy_inputs(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;
	const char *p = write_policy();
	char spec[128];

	(void)state;
	s = load(p, 0, &diag);
	assert_int_equal(sp_set_size(s), 5); /* union of exact */
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:serve", p);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 3);
	assert_false(has(s, "execve"));
	assert_non_null(strstr(sp_set_label(s), ":serve (exact)"));
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:init", p);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 3);
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:init:enforce", p);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 5); /* init must allow what serve needs */
	assert_non_null(strstr(sp_set_label(s), ":init (enforce)"));
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:serve:enforce", p);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 3);
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:teardown", p);
	sp_set_free(load(spec, -ENOENT, &diag));
	assert_non_null(strstr(diag.msg, ": no phase 'teardown' (it has: init, serve)"));
	unlink(p);
}

/* A phase name with colons: FILE is the shortest existing prefix, a last ":enforce" the view. */
static void test_policy_phase_with_colon(void **state)
{
	static const char *const order[] = {"start", "serve:tls"};
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 2);
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;
	struct sp_policy *p = NULL;
	const char *path;
	char spec[128], *text;
	json_t *j;

	(void)state;
	assert_non_null(b);
	feed(b, 9, "start", "execve");
	feed(b, 9, "serve:tls", "read");
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	j = sp_policy_to_json(p);
	text = json_dumps(j, 0);
	path = tmpfile_with(2, text);
	free(text);
	json_decref(j);
	sp_policy_free(p);
	snprintf(spec, sizeof(spec), "%s:serve:tls", path);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 1);
	assert_true(has(s, "read"));
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:start:enforce", path);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 2);
	sp_set_free(s);
	snprintf(spec, sizeof(spec), "%s:serve:tls:enforce", path);
	s = load(spec, 0, &diag);
	assert_int_equal(sp_set_size(s), 1);
	sp_set_free(s);
	unlink(path);
}

static void test_builtin_thesis(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	/* The counts the thesis states for its appendix lists (A.1, A.2). */
	s = load("thesis:pwd:chestnut", 0, &diag);
	assert_int_equal(sp_set_size(s), 41);
	sp_set_free(s);
	s = load("thesis:pwd:sysfilter", 0, &diag);
	assert_int_equal(sp_set_size(s), 49);
	sp_set_free(s);
	s = load("thesis:nginx:chestnut", 0, &diag);
	assert_int_equal(sp_set_size(s), 107);
	sp_set_free(s);
	/* The text says 115 for sysfilter on nginx; its appendix prints 71 numbers. */
	s = load("thesis:nginx:sysfilter", 0, &diag);
	assert_int_equal(sp_set_size(s), 71);
	sp_set_free(s);
	/* pwd's manual tables: execve brk access openat fstat mmap close arch_prctl mprotect munmap
	 * getcwd stat write exit_group */
	s = load("thesis:pwd:manual", 0, &diag);
	assert_int_equal(sp_set_size(s), 14);
	sp_set_free(s);
	s = load("thesis:nginx:manual:accepting_and_serving_requests", 0, &diag);
	assert_int_equal(sp_set_size(s), 11);
	assert_true(has(s, "accept4") && has(s, "epoll_wait"));
	sp_set_free(s);
	sp_set_free(load("thesis:nginx:manual:dancing", -ENOENT, &diag));
	assert_non_null(strstr(diag.msg, "no such manual phase"));
	sp_set_free(load("thesis:apache:chestnut", -ENOENT, &diag));
	assert_non_null(strstr(diag.msg, "unknown built-in 'thesis:apache:chestnut'"));
	sp_set_free(load("thesis:pwd:chestnut:x", -ENOENT, &diag));
	sp_set_free(load("docker:strict", -ENOENT, &diag));
}

static void test_docker_default(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *s;

	(void)state;
	if (access(SP_DOCKER_DEFAULT_PROFILE, R_OK) != 0)
		skip();
	s = load("docker:default", 0, &diag);
	/* Conditions as Docker evaluates them on amd64 with its default capabilities. */
	assert_true(has(s, "arch_prctl") && has(s, "modify_ldt") && has(s, "ptrace") &&
	            has(s, "chroot") && has(s, "clone") && has(s, "personality"));
	assert_true(sp_set_is_cond(s, 56) && sp_set_is_cond(s, 135)); /* clone, personality */
	assert_false(has(s, "reboot") || has(s, "mount") || has(s, "clone3") || has(s, "bpf") ||
	             has(s, "init_module") || has(s, "open_by_handle_at"));
	assert_true(sp_set_skipped_count(s) > 0); /* 32-bit names such as _llseek */
	sp_set_free(s);
}

static void test_compare_by_hand(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_syscall_set *a = list("read write open execve getpid", 0, &diag);
	struct sp_syscall_set *b = list("read open mmap", 0, &diag);
	struct sp_comparison c;
	json_t *j;

	(void)state;
	sp_compare(a, b, &c);
	assert_int_equal(c.part[SP_CMP_A].n, 5);
	assert_int_equal(c.part[SP_CMP_B].n, 3);
	assert_int_equal(c.part[SP_CMP_BOTH].n, 2);
	assert_int_equal(c.part[SP_CMP_ONLY_A].n, 3);
	assert_int_equal(c.part[SP_CMP_ONLY_B].n, 1);
	/* A: open execve (L1), read write (L3), getpid (L4). */
	assert_int_equal(c.part[SP_CMP_A].by_level[1], 2);
	assert_int_equal(c.part[SP_CMP_A].by_level[3], 2);
	assert_int_equal(c.part[SP_CMP_A].by_level[4], 1);
	assert_int_equal(c.part[SP_CMP_BOTH].by_level[1], 1);
	assert_int_equal(c.part[SP_CMP_BOTH].by_level[3], 1);
	assert_int_equal(c.part[SP_CMP_ONLY_A].by_level[1], 1);
	assert_int_equal(c.part[SP_CMP_ONLY_B].by_level[0], 1); /* mmap is not rated */
	assert_true(c.completeness > 2.0 / 3 - 1e-9 && c.completeness < 2.0 / 3 + 1e-9);
	assert_true(c.reduction > 0.6 - 1e-9 && c.reduction < 0.6 + 1e-9);
	j = sp_comparison_to_json(a, b, &c);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "only_a"), "size")),
	                 3);
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(json_object_get(j, "only_a"), "syscalls"), "1"),
		0)),
	    "execve");
	assert_string_equal(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(json_object_get(j, "only_b"), "syscalls"),
	                        "unrated"),
		0)),
	    "mmap");
	json_decref(j);
	/* Against itself: complete, nothing to reduce. */
	sp_compare(a, a, &c);
	assert_true(c.completeness == 1.0 && c.reduction == 0.0);
	sp_set_free(a);
	sp_set_free(b);
	/* Empty sets have no ratio. */
	a = sp_set_new("empty");
	b = sp_set_new("empty");
	sp_compare(a, b, &c);
	assert_true(c.completeness < 0 && c.reduction < 0);
	j = sp_comparison_to_json(a, b, &c);
	assert_true(json_is_null(json_object_get(j, "completeness")));
	json_decref(j);
	sp_set_free(a);
	sp_set_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_list),
	    cmocka_unit_test(test_plain_list_errors),
	    cmocka_unit_test(test_json_list),
	    cmocka_unit_test(test_kernel_versions),
	    cmocka_unit_test(test_oci_allowlist),
	    cmocka_unit_test(test_oci_denylist),
	    cmocka_unit_test(test_oci_docker_conditions),
	    cmocka_unit_test(test_oci_errors),
	    cmocka_unit_test(test_files_with_positions),
	    cmocka_unit_test(test_policy_inputs),
	    cmocka_unit_test(test_policy_phase_with_colon),
	    cmocka_unit_test(test_builtin_thesis),
	    cmocka_unit_test(test_docker_default),
	    cmocka_unit_test(test_compare_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
