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
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>

#include "enforce/audit.h"
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

/* Landlock's records (Linux 6.15+): ACCESS, DOMAIN and the event's SYSCALL record. */
static int parse_ll(int type, const char *text, struct sp_audit_landlock *rec)
{
	return sp_audit_parse_landlock(type, text, strlen(text), rec);
}

static void test_landlock_records(void **state)
{
	static struct sp_audit_landlock rec;

	(void)state;
	assert_int_equal(
	    parse_ll(SP_AUDIT_LANDLOCK_ACCESS,
	             "audit(1729738800.268:30): domain=195ba459b blockers=fs.read_file "
	             "path=\"/etc/passwd\" dev=\"vda2\" ino=351",
	             &rec),
	    1);
	assert_int_equal(rec.serial, 30);
	assert_true(rec.domain == 0x195ba459bULL);
	assert_string_equal(rec.blockers, "fs.read_file");
	assert_string_equal(rec.object, "/etc/passwd");
	assert_int_equal(rec.pid, 0);
	assert_int_equal(rec.port, -1);
	/* A path with a space is hex: decoded; a port of a net denial. */
	assert_int_equal(parse_ll(SP_AUDIT_LANDLOCK_ACCESS,
	                          "audit(1.2:31): domain=a blockers=fs.make_reg,fs.refer "
	                          "path=2F746D702F6120622F dev=\"vda2\" ino=9",
	                          &rec),
	                 1);
	assert_string_equal(rec.object, "/tmp/a b/");
	assert_int_equal(parse_ll(SP_AUDIT_LANDLOCK_ACCESS,
	                          "audit(1.2:32): domain=a blockers=net.bind_tcp lport=8080", &rec),
	                 1);
	assert_int_equal(rec.port, 8080);
	/* kmsg's shape: the prefix before audit(...). */
	assert_int_equal(parse_ll(SP_AUDIT_LANDLOCK_DOMAIN,
	                          "5,77,99,-;audit: type=1424 audit(1.2:32): domain=a "
	                          "status=allocated mode=enforcing pid=4242 uid=0 exe=\"/x\" "
	                          "comm=\"x\"",
	                          &rec),
	                 1);
	assert_int_equal(rec.pid, 4242);
	assert_int_equal(parse_ll(AUDIT_SYSCALL,
	                          "audit(1.2:32): arch=c000003e syscall=257 success=no exit=-13 "
	                          "ppid=1 pid=4243 auid=0 comm=\"x\" exe=\"/x\"",
	                          &rec),
	                 1);
	assert_int_equal(rec.pid, 4243);
	assert_int_equal(rec.nr, 257);
	assert_int_equal(rec.serial, 32);

	static const struct {
		int type;
		const char *text;
	} bad[] = {
	    {SP_AUDIT_LANDLOCK_ACCESS, "domain=a blockers=fs.read_file"}, /* no serial */
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): blockers=fs.read_file"},
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): domain=a domain=b blockers=fs.read_file"},
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): domain=a blockers=x path=\"a\"b\""},
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): domain=a blockers=x path=2F0"},
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): domain=a blockers=x path=2F00"},
	    {SP_AUDIT_LANDLOCK_ACCESS, "audit(1.2:3): domain=a blockers=x lport=70000"},
	    {SP_AUDIT_LANDLOCK_DOMAIN, "audit(1.2:3): domain=a status=deallocated pid=1"},
	    {AUDIT_SYSCALL, "audit(1.2:3): syscall=2 pid=0"},
	    {AUDIT_SYSCALL, "audit(1.2:3): syscall=2 pid=1 pid=2"},
	    {AUDIT_SECCOMP, "audit(1.2:3): pid=1 arch=c000003e syscall=59 code=0x0"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_ll(bad[i].type, bad[i].text, &rec) != 0)
			fail_msg("took '%s'", bad[i].text);
}

/* Writes one record as /dev/kmsg gives one: a message per read. */
static void put(int fd, const char *rec)
{
	assert_int_equal(write(fd, rec, strlen(rec)), (ssize_t)strlen(rec));
}

/*
 * The correlation (enforce/audit.c): an ACCESS record waits for its
 * event's SYSCALL record, which names the task; without one, the DOMAIN
 * record names the domain's creator; a line a process wrote is not the
 * kernel's; seccomp records still come through.
 */
static void test_landlock_correlation(void **state)
{
	static struct sp_audit_landlock ll;
	struct sp_audit_seccomp sec;
	struct sp_audit *a;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	a = sp_audit_from_kmsg_fd(sv[0]);
	assert_non_null(a);
	put(sv[1], "5,1,1,-;audit: type=1423 audit(1.2:7): domain=a blockers=fs.read_file "
	           "path=\"/srv/secret\" dev=\"vda\" ino=3\n");
	assert_int_equal(sp_audit_next(a, &sec), 0);
	assert_int_equal(sp_audit_next_landlock(a, &ll, false), 0); /* waits for its task */
	put(sv[1], "5,2,1,-;audit: type=1300 audit(1.2:7): arch=c000003e syscall=257 "
	           "success=no exit=-13 ppid=1 pid=42 comm=\"x\" exe=\"/x\"\n");
	put(sv[1], "5,3,1,-;audit: type=1326 " NETLINK_TEXT "\n");
	assert_int_equal(sp_audit_next(a, &sec), 1); /* the seccomp record, past the others */
	assert_int_equal(sec.pid, 4242);
	assert_int_equal(sp_audit_next_landlock(a, &ll, false), 1);
	assert_int_equal(ll.pid, 42);
	assert_int_equal(ll.nr, 257);
	assert_false(ll.pid_creator);
	assert_string_equal(ll.object, "/srv/secret");
	assert_string_equal(ll.blockers, "fs.read_file");
	assert_int_equal(sp_audit_next_landlock(a, &ll, true), 0);

	/* No SYSCALL record (no audit context): the domain's creator, from its DOMAIN record. */
	put(sv[1], "5,4,1,-;audit: type=1424 audit(1.2:8): domain=b status=allocated "
	           "mode=enforcing pid=50 uid=0 exe=\"/x\" comm=\"x\"\n");
	put(sv[1], "5,5,1,-;audit: type=1423 audit(1.2:9): domain=b blockers=net.bind_tcp "
	           "lport=8080\n");
	/* A line a process wrote (LOG_USER: facility 1) is not the kernel's. */
	put(sv[1], "13,6,1,-;audit: type=1300 audit(1.2:9): arch=c000003e syscall=49 pid=66\n");
	assert_int_equal(sp_audit_next(a, &sec), 0);
	assert_int_equal(sp_audit_next_landlock(a, &ll, true), 1);
	assert_int_equal(ll.pid, 50);
	assert_true(ll.pid_creator);
	assert_int_equal(ll.port, 8080);
	assert_string_equal(ll.blockers, "net.bind_tcp");
	sp_audit_close(a);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_netlink_record),       cmocka_unit_test(test_landlock_records),
	    cmocka_unit_test(test_kmsg_record),          cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_hostile_comm),         cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_landlock_correlation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
