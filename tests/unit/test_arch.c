/* SPDX-License-Identifier: MIT */
/*
 * Filters for other architectures: the fact table of filters/arch_table.c
 * against libseccomp's own syscall tables (every x86-64 call is present on
 * each target, translated, or listed with why it has none), the
 * translations the table exists for, and filters built for aarch64, i386
 * and arm judged by the BPF simulator on each architecture's numbers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/net.h>

#include "filters/arch_int.h"
#include "sysphase/filters.h"

static const enum sp_arch foreign[] = {SP_ARCH_AARCH64, SP_ARCH_I386, SP_ARCH_ARM};

static bool has_name(const struct sp_allow *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return true;
	return false;
}

/* Every entry names real calls and says why. */
static void test_table_sane(void **state)
{
	(void)state;
	for (const struct sp_arch_map *m = sp_arch_maps; m->from; m++) {
		bool somewhere = m->to[0] == NULL;

		assert_non_null(m->why);
		assert_true(strlen(m->why) > 10);
		if (strcmp(m->from, SP_MAP_VDSO_FROM) != 0 && sp_filter_syscall_nr(m->from) < 0)
			fail_msg("table: '%s' is not an x86-64 call", m->from);
		for (size_t k = 0; k < SP_MAP_TO_MAX && m->to[k]; k++) {
			bool any = false;

			for (size_t a = 0; a < 3; a++)
				any |= sp_arch_has(foreign[a], m->to[k]);
			if (!any)
				fail_msg("table: '%s' -> '%s' exists on no target", m->from,
				         m->to[k]);
			somewhere = true;
		}
		assert_true(somewhere);
		if (m->kind == SP_MAP_ALSO)
			assert_true(m->arches != 0);
	}
}

/*
 * Every x86-64 call libseccomp knows, on every target: it exists there,
 * the table translates it, or the table says why it has no counterpart.
 * A libseccomp that learns new calls makes this fail until the table
 * says something about each.
 */
static void test_table_complete(void **state)
{
	char missing[4096] = "";

	(void)state;
	for (size_t a = 0; a < 3; a++)
		for (int nr = 0; nr < 1024; nr++) {
			const char *name = sp_syscall_name(SP_ABI_X86_64, nr);
			struct sp_arch_notes notes = {0};
			struct sp_allow *out;
			size_t n;
			bool said = false;

			if (!name)
				continue;
			assert_int_equal(sp_arch_translate(foreign[a],
			                                   &(struct sp_allow){.name = name}, 1,
			                                   &out, &n, &notes, NULL),
			                 0);
			/* Translated, or left out with the table's own reason. */
			for (size_t i = 0; i < notes.n; i++)
				said |= strcmp(notes.v[i].from, name) == 0 &&
				        (notes.v[i].to ||
				         strcmp(notes.v[i].why, "no call of that name, and none in "
				                                "the table") != 0);
			if (!has_name(out, n, name) && !said) {
				size_t len = strlen(missing);

				snprintf(missing + len, sizeof(missing) - len, " %s:%s",
				         sp_arch_name(foreign[a]), name);
			}
			free(out);
			sp_arch_notes_free(&notes);
		}
	if (missing[0])
		fail_msg("x86-64 calls the table says nothing about:%s", missing);
}

struct expect {
	enum sp_arch arch;
	const char *from;
	const char *to[4]; /* must be in the translation */
	const char *gone;  /* must not be (NULL: none) */
};

static const struct expect expects[] = {
    {SP_ARCH_AARCH64, "open", {"openat"}, "open"},
    {SP_ARCH_AARCH64, "epoll_wait", {"epoll_pwait"}, "epoll_wait"},
    {SP_ARCH_AARCH64, "fork", {"clone"}, "fork"},
    {SP_ARCH_AARCH64, "stat", {"newfstatat"}, "stat"},
    {SP_ARCH_AARCH64, "dup2", {"dup3", "fcntl"}, "dup2"},
    {SP_ARCH_AARCH64, "pipe", {"pipe2"}, "pipe"},
    {SP_ARCH_AARCH64, "poll", {"ppoll"}, "poll"},
    {SP_ARCH_AARCH64, "select", {"pselect6"}, "select"},
    {SP_ARCH_AARCH64, "unlink", {"unlinkat"}, "unlink"},
    {SP_ARCH_AARCH64, "rename", {"renameat"}, "renameat2"},
    {SP_ARCH_AARCH64, "openat", {"openat"}, NULL},
    {SP_ARCH_I386, "stat", {"stat", "statx", "fstatat64"}, NULL},
    {SP_ARCH_I386, "newfstatat", {"fstatat64", "statx"}, "newfstatat"},
    {SP_ARCH_I386, "mmap", {"mmap", "mmap2"}, NULL},
    {SP_ARCH_I386, "getuid", {"getuid", "getuid32"}, NULL},
    {SP_ARCH_I386, "futex", {"futex", "futex_time64"}, NULL},
    {SP_ARCH_ARM, "mmap", {"mmap2"}, "mmap"},
    {SP_ARCH_ARM, "arch_prctl", {"set_tls"}, "arch_prctl"},
    {SP_ARCH_ARM, "fadvise64", {"arm_fadvise64_64"}, "fadvise64"},
    {SP_ARCH_X86_64, "open", {"open"}, "openat"},
};

static void test_translations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		const struct expect *e = &expects[i];
		struct sp_allow *out;
		size_t n;

		assert_int_equal(sp_arch_translate(e->arch, &(struct sp_allow){.name = e->from}, 1,
		                                   &out, &n, NULL, NULL),
		                 0);
		for (size_t k = 0; k < 4 && e->to[k]; k++)
			if (!has_name(out, n, e->to[k]))
				fail_msg("%s on %s: '%s' missing", e->from, sp_arch_name(e->arch),
				         e->to[k]);
		if (e->gone && has_name(out, n, e->gone))
			fail_msg("%s on %s: '%s' kept", e->from, sp_arch_name(e->arch), e->gone);
		for (size_t k = 1; k < n; k++)
			assert_true(strcmp(out[k - 1].name, out[k].name) < 0);
		free(out);
	}
}

/* No counterpart is reported, with the table's reason. */
static void test_no_counterpart(void **state)
{
	struct sp_arch_notes notes = {0};
	struct sp_allow in[] = {{.name = "arch_prctl"}, {.name = "openat"}}, *out;
	size_t n;
	bool seen = false;

	(void)state;
	assert_int_equal(sp_arch_translate(SP_ARCH_AARCH64, in, 2, &out, &n, &notes, NULL), 0);
	assert_false(has_name(out, n, "arch_prctl"));
	assert_true(has_name(out, n, "openat"));
	for (size_t i = 0; i < notes.n; i++)
		if (strcmp(notes.v[i].from, "arch_prctl") == 0 && !notes.v[i].to)
			seen = strstr(notes.v[i].why, "TPIDR_EL0") != NULL;
	assert_true(seen);
	free(out);
	sp_arch_notes_free(&notes);
}

static uint32_t simulate(struct sock_filter *insns, size_t n, uint32_t arch, int nr, uint64_t a0)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .args = {a0}};
	uint32_t r = 0;

	assert_int_equal(sp_bpf_run(insns, n, &d, &r), 0);
	return r & SECCOMP_RET_ACTION_FULL;
}

/*
 * A filter built for each target from one x86-64 allowlist: every call of
 * the translation is allowed on that architecture's numbers, a call
 * outside it and any x86-64 call are killed.
 */
static void test_filters(void **state)
{
	struct sp_allow in[] = {{.name = "open"}, {.name = "read"},  {.name = "epoll_wait"},
	                        {.name = "stat"}, {.name = "mmap"},  {.name = "socket"},
	                        {.name = "dup2"}, {.name = "futex"}, {.name = "exit_group"},
	                        {.name = "fork"}},
			*out;
	size_t n;

	(void)state;
	for (size_t a = 0; a < 3; a++) {
		uint32_t token = sp_arch_scmp(foreign[a]);
		struct sock_filter *insns;
		scmp_filter_ctx ctx;
		size_t len;

		assert_int_equal(sp_arch_translate(foreign[a], in, 10, &out, &n, NULL, NULL), 0);
		assert_int_equal(sp_filter_build(&(struct sp_filter_spec){.def = SP_ACTION_KILL,
		                                                          .n_allow = n,
		                                                          .allow = out,
		                                                          .arch = foreign[a]},
		                                 &ctx, NULL),
		                 0);
		assert_int_equal(sp_filter_bpf(ctx, &insns, &len), 0);
		for (size_t i = 0; i < n; i++) {
			int nr = seccomp_syscall_resolve_name_arch(token, out[i].name);

			if (nr < 0) /* i386's socket: through socketcall, below */
				continue;
			if (simulate(insns, len, token, nr, 0) != SECCOMP_RET_ALLOW)
				fail_msg("%s: %s (%d) not allowed", sp_arch_name(foreign[a]),
				         out[i].name, nr);
		}
		assert_int_equal(simulate(insns, len, token,
		                          seccomp_syscall_resolve_name_arch(token, "execve"), 0),
		                 SECCOMP_RET_KILL_PROCESS);
		/* The x86-64 number of read is 0: another architecture's call, killed. */
		assert_int_equal(simulate(insns, len, SCMP_ARCH_X86_64, 0, 0),
		                 SECCOMP_RET_KILL_PROCESS);
		if (foreign[a] == SP_ARCH_I386) {
			int sc = seccomp_syscall_resolve_name_arch(token, "socketcall");

			/* glibc's i386 socket() goes through socketcall(SYS_SOCKET, ...). */
			assert_int_equal(simulate(insns, len, token, sc, SYS_SOCKET),
			                 SECCOMP_RET_ALLOW);
			assert_int_equal(simulate(insns, len, token, sc, SYS_CONNECT),
			                 SECCOMP_RET_KILL_PROCESS);
		}
		free(insns);
		seccomp_release(ctx);
		free(out);
	}
}

static void test_names(void **state)
{
	struct sp_diag diag = {{0}};
	unsigned set;

	(void)state;
	assert_int_equal(sp_arches_parse("x86_64,arm64,i386,armhf", &set, &diag), 0);
	assert_int_equal(set, 0xfu);
	assert_int_equal(sp_arches_parse("x86_64,sparc", &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "sparc"));
	assert_string_equal(sp_arch_oci(SP_ARCH_AARCH64), "SCMP_ARCH_AARCH64");
	assert_string_equal(sp_arch_oci(SP_ARCH_I386), "SCMP_ARCH_X86");
	assert_int_equal(sp_arch_from_name("aarch64"), SP_ARCH_AARCH64);
	/* A run filter is x86-64's: another architecture is refused. */
	scmp_filter_ctx ctx;
	assert_int_equal(sp_filter_build(&(struct sp_filter_spec){.def = SP_ACTION_KILL,
	                                                          .for_run = true,
	                                                          .arch = SP_ARCH_AARCH64},
	                                 &ctx, &diag),
	                 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_sane),   cmocka_unit_test(test_table_complete),
	    cmocka_unit_test(test_translations), cmocka_unit_test(test_no_counterpart),
	    cmocka_unit_test(test_filters),      cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
