/* SPDX-License-Identifier: MIT */
/*
 * The generated constant tables: every entry round-trips name -> value ->
 * name (a list naming a constant twice, or two constants with one value,
 * would print one name and parse another), the values are the headers'
 * own, and the signal and errno names have one spelling.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <seccomp.h>

#include "sysphase/core.h"

static void test_every_entry_round_trips(void **state)
{
	(void)state;
	for (int k = 0; k < SP_XLAT_KIND_COUNT; k++) {
		const struct sp_xlat *x = sp_xlat_get((enum sp_xlat_kind)k);

		if (!x)
			fail_msg("kind %d has no table", k);
		if (x->n == 0)
			fail_msg("table %s is empty", x->kind);
		for (size_t i = 0; i < x->n; i++) {
			const struct sp_xlat_entry *e = &x->entries[i];
			uint64_t v = ~e->val;

			if (sp_xlat_value(x, e->name, &v) < 0 || v != e->val)
				fail_msg("%s: %s does not parse back to %#llx", x->kind, e->name,
				         (unsigned long long)e->val);
			if (strcmp(sp_xlat_name(x, v), e->name))
				fail_msg("%s: %#llx prints as %s, not %s", x->kind,
				         (unsigned long long)v, sp_xlat_name(x, v), e->name);
		}
		/* An alias names a value the table prints under its own name. */
		for (size_t i = 0; i < x->naliases; i++)
			if (!sp_xlat_name(x, x->aliases[i].val))
				fail_msg("%s: alias %s names no printed value", x->kind,
				         x->aliases[i].name);
	}
	assert_null(sp_xlat_get(SP_XLAT_KIND_COUNT));
}

static void test_signals(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(sp_signal_name(SIGHUP, b, sizeof(b)), "SIGHUP");
	assert_string_equal(sp_signal_name(SIGSYS, b, sizeof(b)), "SIGSYS");
	assert_string_equal(sp_signal_name(SIGCHLD, b, sizeof(b)), "SIGCHLD");
	/* Real-time signals in the kernel's numbering: glibc's SIGRTMIN is SIGRT_2. */
	assert_string_equal(sp_signal_name(32, b, sizeof(b)), "SIGRT_0");
	assert_string_equal(sp_signal_name(SIGRTMIN, b, sizeof(b)), "SIGRT_2");
	assert_string_equal(sp_signal_name(64, b, sizeof(b)), "SIGRT_32");
	assert_null(sp_signal_name(0, b, sizeof(b)));
	assert_null(sp_signal_name(65, b, sizeof(b)));
	for (int sig = 1; sig <= 64; sig++)
		assert_int_equal(sp_signal_parse(sp_signal_name(sig, b, sizeof(b))), sig);
	assert_int_equal(sp_signal_parse("SIGIOT"), SIGABRT);
	assert_int_equal(sp_signal_parse("SIGRT_33"), -ENOENT);
	assert_int_equal(sp_signal_parse("SIGRT_02"), -ENOENT);
	assert_int_equal(sp_signal_parse("SIGRT_"), -ENOENT);
	assert_int_equal(sp_signal_parse("SIGRTMIN+2"), -ENOENT);
	assert_int_equal(sp_signal_parse("HUP"), -ENOENT);
}

static void test_errno(void **state)
{
	(void)state;
	assert_string_equal(sp_errno_name(EPERM), "EPERM");
	assert_string_equal(sp_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(sp_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_string_equal(sp_errno_name(EHWPOISON), "EHWPOISON");
	assert_string_equal(sp_errno_name(512), "ERESTARTSYS");
	assert_null(sp_errno_name(0));
	assert_null(sp_errno_name(4000));
	assert_int_equal(sp_errno_parse("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(sp_errno_parse("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(sp_errno_parse("EEXIST"), EEXIST);
	assert_int_equal(sp_errno_parse("EEXISTS"), -ENOENT);
	/* Every value a program can see below EHWPOISON has a name. */
	for (int e = 1; e <= EHWPOISON; e++) {
		if (e == 41 || e == 58) /* never allocated (asm-generic/errno.h) */
			continue;
		if (!sp_errno_name(e))
			fail_msg("errno %d has no name", e);
		assert_int_equal(sp_errno_parse(sp_errno_name(e)), e);
	}
}

static void test_flags_format_and_parse(void **state)
{
	const struct sp_xlat *x = sp_xlat_get(SP_XLAT_SIGNALS);
	size_t off = 0, len = 0;
	uint64_t v = 0;
	char b[64];

	(void)state;
	/* Any table reads as flags; the signals one has no zero entry. */
	assert_string_equal(sp_xlat_format_flags(x, 0, b, sizeof(b)), "0");
	assert_string_equal(sp_xlat_format_enum(x, 9, b, sizeof(b)), "SIGKILL");
	assert_string_equal(sp_xlat_format_enum(x, 99, b, sizeof(b)), "99");
	assert_int_equal(sp_xlat_parse_flags(x, "SIGHUP | 0x40", &v, &off, &len), 0);
	assert_int_equal(v, SIGHUP | 0x40);
	assert_int_equal(sp_xlat_parse_flags(x, "SIGHUP|SIGHUPP|2", &v, &off, &len), -ENOENT);
	assert_int_equal(off, 7);
	assert_int_equal(len, 7);
	assert_int_equal(sp_xlat_parse_flags(x, "SIGHUP|", &v, &off, &len), -ENOENT);
	assert_int_equal(len, 0);
	assert_string_equal(sp_xlat_suggest(x, "SIGTERN"), "SIGTERM");
	assert_null(sp_xlat_suggest(x, "nothing-like-it"));
}

/* The build-time syscall tables say what the libseccomp linked at run time says. */
static void test_syscall_names_match_libseccomp(void **state)
{
	static const struct {
		enum sp_abi abi;
		uint32_t arch;
		int base;
	} abis[] = {
	    {SP_ABI_X86_64, SCMP_ARCH_X86_64, 0},
	    {SP_ABI_I386, SCMP_ARCH_X86, 0},
	    {SP_ABI_X32, SCMP_ARCH_X32, 0x40000000},
	};
	size_t named = 0;

	(void)state;
	for (size_t a = 0; a < sizeof(abis) / sizeof(abis[0]); a++) {
		for (int nr = 0; nr < 2048; nr++) {
			char *want =
			    seccomp_syscall_resolve_num_arch(abis[a].arch, abis[a].base + nr);
			const char *got = sp_syscall_name(abis[a].abi, abis[a].base + nr);

			if ((want == NULL) != (got == NULL) || (want && strcmp(want, got)))
				fail_msg("abi %d nr %d: libseccomp says %s, the table %s",
				         (int)abis[a].abi, nr, want ? want : "nothing",
				         got ? got : "nothing");
			named += want != NULL;
			free(want);
		}
	}
	assert_true(named > 900);
	assert_string_equal(sp_syscall_name(SP_ABI_X86_64, 0), "read");
	assert_string_equal(sp_syscall_name(SP_ABI_I386, 20), "getpid");
	assert_null(sp_syscall_name(SP_ABI_X86_64, -1));
	assert_null(sp_syscall_name(SP_ABI_UNKNOWN, 0));
	assert_int_equal(sp_syscall_nr("openat"), 257);
	assert_string_equal(sp_syscall_suggest("opnat"), "openat");
}

/* The kernel's protocol names of sockets to their address families. */
static void test_sock_proto_family(void **state)
{
	(void)state;
	assert_int_equal(sp_sock_proto_family("TCP"), AF_INET);
	assert_int_equal(sp_sock_proto_family("UDP"), AF_INET);
	assert_int_equal(sp_sock_proto_family("TCPv6"), AF_INET6);
	assert_int_equal(sp_sock_proto_family("UDPv6"), AF_INET6);
	assert_int_equal(sp_sock_proto_family("UNIX"), AF_UNIX);
	assert_int_equal(sp_sock_proto_family("UNIX-STREAM"), AF_UNIX);
	assert_int_equal(sp_sock_proto_family("NETLINK"), AF_NETLINK);
	assert_int_equal(sp_sock_proto_family("PACKET"), AF_PACKET);
	/* Not listed, or not a name: no family rather than a guess. */
	assert_int_equal(sp_sock_proto_family("TCPX"), -1);
	assert_int_equal(sp_sock_proto_family(""), -1);
	assert_int_equal(sp_sock_proto_family(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_entry_round_trips),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_errno),
	    cmocka_unit_test(test_flags_format_and_parse),
	    cmocka_unit_test(test_syscall_names_match_libseccomp),
	    cmocka_unit_test(test_sock_proto_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
