/* SPDX-License-Identifier: MIT */
/*
 * The seccomp audit-record parser (enforce/audit.c) on the two shapes the
 * kernel gives (netlink payload, /dev/kmsg line) and on hostile or broken
 * text: a record is taken only whole, with every field once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/audit.h>

#include "sysphase/enforce.h"

#define NETLINK_TEXT                                                                     \
	"audit(1764400000.123:45): auid=4294967295 uid=0 gid=0 ses=4294967295 "          \
	"subj=unconfined pid=4242 comm=\"ls\" exe=\"/usr/bin/ls\" sig=31 arch=c000003e " \
	"syscall=59 compat=0 ip=0x7f0012345678 code=0x80000000"

static int parse(const char *text, struct sp_audit_seccomp *rec)
{
	return sp_audit_parse_seccomp(text, strlen(text), rec);
}

static void test_netlink_record(void **state)
{
	struct sp_audit_seccomp rec;

	(void)state;
	assert_int_equal(parse(NETLINK_TEXT, &rec), 1);
	assert_int_equal(rec.pid, 4242);
	assert_int_equal(rec.arch, AUDIT_ARCH_X86_64);
	assert_int_equal(rec.nr, 59);
	assert_int_equal(rec.code, 0x80000000u);
}

static void test_kmsg_record(void **state)
{
	struct sp_audit_seccomp rec;

	(void)state;
	assert_int_equal(parse("5,1234,5678901,-;audit: type=1326 " NETLINK_TEXT "\n", &rec), 1);
	assert_int_equal(rec.pid, 4242);
	assert_int_equal(parse("5,1234,5678901,-;audit: type=1400 " NETLINK_TEXT "\n", &rec), 0);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "pid=1 arch=c000003e syscall=59",                       /* no code */
	    "pid=1 arch=c000003e code=0x0",                         /* no syscall */
	    "pid=1 pid=2 arch=c000003e syscall=59 code=0x80000000", /* a key twice */
	    "pid=-1 arch=c000003e syscall=59 code=0x80000000",
	    "pid=0 arch=c000003e syscall=59 code=0x80000000",
	    "pid=99999999999 arch=c000003e syscall=59 code=0x80000000",
	    "pid=1 arch=1c000003e syscall=59 code=0x80000000",
	    "pid=1 arch=c000003e syscall=59 code=80000000",
	    "pid=1 arch=c000003e syscall=5x9 code=0x80000000",
	    "pid=1 arch=c000003e syscall= code=0x80000000",
	    "pid=1 arch=c000003e syscall=59 code=0x",
	};
	struct sp_audit_seccomp rec = {.pid = 77};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &rec) != 0)
			fail_msg("took '%s'", bad[i]);
	assert_int_equal(rec.pid, 77); /* untouched */
}

/* comm is the program's to choose; the kernel hex-encodes it when it holds a space or quote. */
static void test_hostile_comm(void **state)
{
	struct sp_audit_seccomp rec;

	(void)state;
	assert_int_equal(parse("pid=10 comm=pid=20 arch=c000003e syscall=59 code=0x80000000", &rec),
	                 1);
	assert_int_equal(rec.pid, 10);
	assert_int_equal(
	    parse("pid=10 comm=7069643D3230 arch=c000003e syscall=59 code=0x80000000", &rec), 1);
	assert_int_equal(rec.pid, 10);
}

/* Every prefix of a record: never read past len, never take a cut record. */
static void test_prefixes(void **state)
{
	const char *text = NETLINK_TEXT;
	size_t n = strlen(text);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		char *copy = malloc(len ? len : 1);
		struct sp_audit_seccomp rec;

		memcpy(copy, text, len);
		/* The code's value is cut below its full length: still digits, so taken. */
		if (sp_audit_parse_seccomp(copy, len, &rec) == 1)
			assert_true(len > strlen(text) - strlen("80000000") - 1);
		free(copy);
	}
	assert_int_equal(sp_audit_parse_seccomp(NULL, 4, &(struct sp_audit_seccomp){0}), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netlink_record), cmocka_unit_test(test_kmsg_record),
	    cmocka_unit_test(test_refused),        cmocka_unit_test(test_hostile_comm),
	    cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
