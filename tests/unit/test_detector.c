/* SPDX-License-Identifier: MIT */
/*
 * The detector and its trigger matching: one test per predicate kind, with
 * events built here, plus the state machine's process semantics (fork,
 * threads, exit, repeat, ordering) and the timeline built from its stamps.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sysphase/phases.h"

/* Two phases a -> b fired by the trigger given (JSON text). */
static struct sp_rules *two_phase(const char *trigger)
{
	char text[4096];
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	int rc;

	snprintf(text, sizeof(text),
	         "{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	         " {\"name\": \"b\", \"description\": \"d\"}],"
	         " \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"when\": %s}]}",
	         trigger);
	rc = sp_rules_parse(text, strlen(text), "test", &r, &diag);
	if (rc)
		fail_msg("%s", diag.msg);
	return r;
}

static struct sp_rules *rules_text(const char *text)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;

	if (sp_rules_parse(text, strlen(text), "test", &r, &diag))
		fail_msg("%s", diag.msg);
	return r;
}

/* A successful syscall of process pid with decoded arguments dec (JSON or NULL). */
static void sys(struct sp_event *ev, pid_t pid, const char *name, const char *dec)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SP_EV_SYSCALL;
	ev->pid = ev->tid = pid;
	ev->name = name;
	ev->abi = SP_ABI_X86_64;
	ev->has_exit = true;
	if (dec) {
		ev->dec = json_loads(dec, 0, NULL);
		assert_non_null(ev->dec);
	}
}

/* The registers the decoded arguments came from: rules test those. */
static void regs(struct sp_event *ev, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	ev->args[0] = a0;
	ev->args[1] = a1;
	ev->args[2] = a2;
	ev->args[3] = a3;
}

/* Feeds ev to d, returns the phase it was stamped with and clears ev. */
static const char *feed(struct sp_detector *d, struct sp_event *ev, int *fired)
{
	struct sp_transition tr;
	int rc = sp_detector_feed(d, ev, &tr);
	const char *phase = ev->phase;

	assert_true(rc >= 0);
	if (fired)
		*fired = rc == 1 && tr.kind == SP_TR_RULE;
	sp_event_clear(ev);
	return phase;
}

/* Runs one event through a fresh a->b detector: did it fire? */
static bool fires(const char *trigger, struct sp_event *ev)
{
	struct sp_rules *r = two_phase(trigger);
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event start;
	int fired = 0;

	assert_non_null(d);
	/*
	 * Make the process known first, so the event under test is not its
	 * start; a new thread is an event none of these triggers looks at.
	 */
	memset(&start, 0, sizeof(start));
	start.type = SP_EV_CLONE;
	start.pid = start.tid = ev->pid;
	start.child = ev->pid + 1;
	feed(d, &start, NULL);
	feed(d, ev, &fired);
	sp_detector_free(d);
	sp_rules_free(r);
	return fired;
}

static void test_syscall_name(void **state)
{
	const char *t = "{\"syscall\": [\"openat\", \"open\"]}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "read", NULL);
	assert_false(fires(t, &ev));
	sys(&ev, 10, "open", NULL);
	assert_true(fires(t, &ev));
	sys(&ev, 10, NULL, NULL); /* a number libseccomp could not name */
	assert_false(fires(t, &ev));
	/* No syscall member: any syscall, but not other kinds of events. */
	sys(&ev, 10, "read", NULL);
	assert_true(fires("{}", &ev));
	sys(&ev, 10, "read", NULL);
	ev.type = SP_EV_EXEC;
	assert_false(fires("{}", &ev));
}

static void test_path_glob(void **state)
{
	const char *t =
	    "{\"syscall\": \"openat\", \"args\": {\"pathname\": {\"glob\": \"/etc/*.conf\","
	    " \"exclude\": \"/etc/nsswitch.conf\"}}}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "openat", "{\"pathname\": \"/etc/nginx.conf\"}");
	assert_true(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"pathname\": \"/etc/nsswitch.conf\"}");
	assert_false(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"pathname\": \"/tmp/nginx.conf\"}");
	assert_false(fires(t, &ev));
	/* '*' crosses '/' (no FNM_PATHNAME). */
	sys(&ev, 10, "openat", "{\"pathname\": \"/etc/nginx/sites/a.conf\"}");
	assert_true(fires(t, &ev));
	/* No decoded arguments: nothing to match. */
	sys(&ev, 10, "openat", NULL);
	assert_false(fires(t, &ev));
	/* A glob on an fd matches the path it refers to. */
	sys(&ev, 10, "write",
	    "{\"fd\": {\"fd\": 4, \"kind\": \"file\", \"path\": \"/var/log/e.log\"}}");
	assert_true(fires("{\"args\": {\"fd\": \"*.log\"}}", &ev));
}

static void test_equality(void **state)
{
	const char *t =
	    "{\"syscall\": \"rt_sigprocmask\", \"args\": {\"how\": {\"eq\": \"SIG_BLOCK\"}}}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "rt_sigprocmask", "{\"how\": \"SIG_SETMASK\"}");
	regs(&ev, SIG_SETMASK, 0, 0, 8);
	assert_false(fires(t, &ev));
	sys(&ev, 10, "rt_sigprocmask", "{\"how\": \"SIG_BLOCK\"}");
	regs(&ev, SIG_BLOCK, 0, 0, 8);
	assert_true(fires(t, &ev));
	/* Integers compare with integers and with an fd object's number. */
	sys(&ev, 10, "close", "{\"fd\": {\"fd\": 2, \"kind\": \"chr\"}}");
	regs(&ev, 2, 0, 0, 0);
	assert_true(fires("{\"args\": {\"fd\": {\"in\": [1, 2]}}}", &ev));
	sys(&ev, 10, "close", "{\"fd\": {\"fd\": 3}}");
	regs(&ev, 3, 0, 0, 0);
	assert_false(fires("{\"args\": {\"fd\": {\"in\": [1, 2]}}}", &ev));
	sys(&ev, 10, "listen", "{\"backlog\": 511}");
	regs(&ev, 6, 511, 0, 0);
	assert_true(fires("{\"args\": {\"backlog\": 511}}", &ev));
	/* Raw registers: "argN". */
	sys(&ev, 10, "exit_group", NULL);
	ev.args[0] = 3;
	assert_true(fires("{\"args\": {\"arg0\": 3}}", &ev));
	sys(&ev, 10, "exit_group", NULL);
	assert_false(fires("{\"args\": {\"arg0\": 3}}", &ev));
}

static void test_flag_bits(void **state)
{
	const char *t = "{\"args\": {\"flags\": {\"set\": \"O_WRONLY|O_CREAT|O_APPEND\"}}}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "openat", "{\"flags\": \"O_RDONLY|O_CLOEXEC\"}");
	regs(&ev, (uint64_t)AT_FDCWD, 0x1000, O_RDONLY | O_CLOEXEC, 0);
	assert_false(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|O_CREAT|O_TRUNC\"}");
	regs(&ev, (uint64_t)AT_FDCWD, 0x1000, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_false(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC\"}");
	regs(&ev, (uint64_t)AT_FDCWD, 0x1000, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	assert_true(fires(t, &ev));
	/* Bits that must be clear. */
	sys(&ev, 10, "socket", "{\"type\": \"SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK\"}");
	regs(&ev, AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, 0);
	assert_false(fires("{\"args\": {\"type\": {\"clear\": \"SOCK_CLOEXEC\"}}}", &ev));
	sys(&ev, 10, "socket", "{\"type\": \"SOCK_STREAM\"}");
	regs(&ev, AF_INET, SOCK_STREAM, 0, 0);
	assert_true(fires("{\"args\": {\"type\": {\"clear\": \"SOCK_CLOEXEC\"}}}", &ev));
	/* Unnamed bits rendered in hex are bits too. */
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|0x20000000\"}");
	regs(&ev, (uint64_t)AT_FDCWD, 0x1000, O_WRONLY | 0x20000000, 0);
	assert_true(fires("{\"args\": {\"flags\": {\"set\": \"0x20000000\"}}}", &ev));
	/* On the raw 64-bit register, upper bits included. */
	sys(&ev, 10, "openat", NULL);
	ev.args[2] = 0x441 | 0x80000 | (1ULL << 40);
	assert_true(fires("{\"args\": {\"arg2\": {\"set\": [\"O_APPEND\", 1099511627776]}}}", &ev));
	sys(&ev, 10, "openat", NULL);
	ev.args[2] = 0x441;
	assert_false(
	    fires("{\"args\": {\"arg2\": {\"set\": [\"O_APPEND\", 1099511627776]}}}", &ev));
}

static void test_sockaddr_family(void **state)
{
	const char *t = "{\"args\": {\"addr\": {\"family\": [\"AF_INET\", \"AF_INET6\"]}}}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "bind",
	    "{\"addr\": {\"family\": \"AF_INET\", \"addr\": \"127.0.0.1\", \"port\": 80}}");
	assert_true(fires(t, &ev));
	sys(&ev, 10, "connect",
	    "{\"addr\": {\"family\": \"AF_UNIX\", \"path\": \"/run/nscd/socket\"}}");
	assert_false(fires(t, &ev));
	/* socket()'s domain is a plain enumeration string. */
	sys(&ev, 10, "socket", "{\"domain\": \"AF_UNIX\"}");
	regs(&ev, AF_UNIX, SOCK_STREAM, 0, 0);
	assert_true(fires("{\"args\": {\"domain\": {\"family\": \"AF_UNIX\"}}}", &ev));
	/* Families the decoder only knows by number, and raw registers. */
	sys(&ev, 10, "bind", "{\"addr\": {\"family\": 10}}");
	assert_true(fires(t, &ev));
	sys(&ev, 10, "socket", NULL);
	ev.args[0] = 2;
	assert_true(fires("{\"args\": {\"arg0\": {\"family\": \"AF_INET\"}}}", &ev));
}

static void test_fd_kind(void **state)
{
	const char *t = "{\"args\": {\"fd\": {\"kind\": [\"socket\", \"pipe\"]}}}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "read", "{\"fd\": {\"fd\": 0, \"kind\": \"pipe\", \"path\": \"pipe:[1]\"}}");
	assert_true(fires(t, &ev));
	sys(&ev, 10, "read",
	    "{\"fd\": {\"fd\": 3, \"kind\": \"file\", \"path\": \"/etc/passwd\"}}");
	assert_false(fires(t, &ev));
	sys(&ev, 10, "read", "{\"fd\": {\"fd\": 9}}"); /* not open: no kind */
	assert_false(fires(t, &ev));
}

/* The family of a socket fd, as the decoder names it from the kernel's protocol. */
static void test_fd_family(void **state)
{
	const char *t = "{\"syscall\": [\"recvmsg\", \"recvfrom\"], \"args\": {\"sockfd\": "
			"{\"family\": [\"AF_INET\", \"AF_INET6\", \"AF_UNIX\"]}}}";
	struct sp_event ev;

	(void)state;
	/* getifaddrs() waiting for the kernel's netlink reply. */
	sys(&ev, 10, "recvmsg",
	    "{\"sockfd\": {\"fd\": 3, \"kind\": \"socket\", \"path\": \"socket:[9]\", "
	    "\"proto\": \"NETLINK\", \"family\": \"AF_NETLINK\"}}");
	assert_false(fires(t, &ev));
	sys(&ev, 10, "recvfrom",
	    "{\"sockfd\": {\"fd\": 4, \"kind\": \"socket\", \"path\": \"socket:[8]\", "
	    "\"proto\": \"UDPv6\", \"family\": \"AF_INET6\"}}");
	assert_true(fires(t, &ev));
	/* A trace from before the decoder named families: not known, no match. */
	sys(&ev, 10, "recvfrom",
	    "{\"sockfd\": {\"fd\": 4, \"kind\": \"socket\", \"path\": \"socket:[8]\"}}");
	assert_false(fires(t, &ev));
}

static void test_return_and_errno(void **state)
{
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "mkdir", NULL);
	ev.ret = -EEXIST;
	ev.err = EEXIST;
	assert_true(fires("{\"syscall\": \"mkdir\", \"errno\": \"EEXIST\"}", &ev));
	sys(&ev, 10, "mkdir", NULL);
	assert_false(fires("{\"syscall\": \"mkdir\", \"errno\": [\"EEXIST\", \"EACCES\"]}", &ev));
	sys(&ev, 10, "write", NULL);
	ev.ret = -EBADF;
	ev.err = EBADF;
	assert_true(fires("{\"errno\": true}", &ev));
	sys(&ev, 10, "write", NULL);
	ev.ret = -EBADF;
	ev.err = EBADF;
	assert_false(fires("{\"errno\": false}", &ev));
	sys(&ev, 10, "write", NULL);
	ev.ret = 5;
	assert_true(fires("{\"ret\": {\"ge\": 0}}", &ev));
	sys(&ev, 10, "write", NULL);
	ev.ret = 5;
	assert_false(fires("{\"ret\": 4}", &ev));
	/* Without the exit (--no-exit, or run deciding at entry) nothing is known. */
	sys(&ev, 10, "write", NULL);
	ev.has_exit = false;
	assert_false(fires("{\"errno\": false}", &ev));
}

static void test_call_site(void **state)
{
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "openat", NULL);
	ev.site = "libc.so.6";
	assert_false(fires("{\"site\": \"ld-*.so*\"}", &ev));
	sys(&ev, 10, "openat", NULL);
	ev.site = "ld-linux-x86-64.so.2";
	assert_true(fires("{\"site\": \"ld-*.so*\"}", &ev));
	sys(&ev, 10, "openat", NULL);
	ev.site = "ld-linux-x86-64.so.2";
	assert_false(fires("{\"not_site\": \"ld-*.so*\"}", &ev));
	sys(&ev, 10, "openat", NULL);
	ev.site = "nginx";
	assert_true(fires("{\"not_site\": \"ld-*.so*\"}", &ev));
	/* Unknown site: neither known to be ld.so nor known not to be. */
	sys(&ev, 10, "openat", NULL);
	assert_false(fires("{\"site\": \"*\"}", &ev));
	sys(&ev, 10, "openat", NULL);
	assert_false(fires("{\"not_site\": \"ld-*\"}", &ev));
}

static void test_stack_function(void **state)
{
	const char *t = "{\"stack\": \"ngx_worker_*\"}";
	struct sp_event ev;

	(void)state;
	sys(&ev, 10, "epoll_wait", NULL);
	ev.stack = json_loads("[{\"fn\": \"epoll_wait\", \"module\": \"libc.so.6\"},"
	                      " {\"fn\": \"ngx_worker_process_cycle\", \"module\": \"nginx\"}]",
	                      0, NULL);
	assert_true(fires(t, &ev));
	sys(&ev, 10, "epoll_wait", NULL);
	ev.stack = json_loads("[{\"fn\": \"epoll_wait\"}, {\"module_off\": 4096}]", 0, NULL);
	assert_false(fires(t, &ev));
	sys(&ev, 10, "epoll_wait", NULL); /* recorded without --stack */
	assert_false(fires(t, &ev));
}

static const char *const fork_rules =
    "{\"phases\": [{\"name\": \"boot\", \"description\": \"d\"},"
    "  {\"name\": \"spawn\", \"description\": \"d\"},"
    "  {\"name\": \"child\", \"description\": \"d\"},"
    "  {\"name\": \"reload\", \"description\": \"d\"},"
    "  {\"name\": \"newprog\", \"description\": \"d\"}],"
    " \"on_fork\": [{\"parent\": \"spawn\", \"child\": \"child\"}],"
    " \"transitions\": ["
    "  {\"from\": \"boot\", \"to\": \"spawn\", \"when\": {\"syscall\": \"socketpair\"}},"
    "  {\"from\": \"spawn\", \"to\": \"reload\", \"repeat\": true, \"when\": {\"signal\": "
    "\"SIGHUP\"}},"
    "  {\"from\": \"reload\", \"to\": \"spawn\", \"repeat\": true, \"when\": {\"syscall\": "
    "\"socketpair\"}},"
    "  {\"from\": \"child\", \"to\": \"newprog\", \"when\": {\"event\": \"exec\", \"path\": "
    "\"*/nginx\"}}]}";

static void test_process_events(void **state)
{
	struct sp_rules *r = rules_text(fork_rules);
	struct sp_detector *d = sp_detector_new(r);
	struct sp_transition tr;
	struct sp_event ev;

	(void)state;
	/* A fork before the trigger: the child inherits its parent's phase. */
	sys(&ev, 100, "getpid", NULL);
	assert_string_equal(feed(d, &ev, NULL), "boot");
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_FORK;
	ev.pid = ev.tid = 100;
	ev.child = 101;
	assert_int_equal(sp_detector_feed(d, &ev, &tr), 1);
	assert_int_equal(tr.kind, SP_TR_FORK);
	assert_int_equal(tr.pid, 101);
	assert_int_equal(tr.parent, 100);
	assert_string_equal(tr.to_name, "boot");
	assert_string_equal(ev.phase, "boot");

	/* After it, on_fork applies. */
	sys(&ev, 100, "socketpair", NULL);
	assert_string_equal(feed(d, &ev, NULL), "spawn");
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_FORK;
	ev.pid = ev.tid = 100;
	ev.child = 102;
	assert_int_equal(sp_detector_feed(d, &ev, &tr), 1);
	assert_string_equal(tr.to_name, "child");
	assert_string_equal(sp_detector_phase_of(d, 102), "child");
	assert_string_equal(sp_detector_phase_of(d, 101), "boot");

	/* exec is an event rules can trigger on (with a path glob). */
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXEC;
	ev.pid = ev.tid = 102;
	ev.path = "/usr/bin/true";
	assert_string_equal(feed(d, &ev, NULL), "child");
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXEC;
	ev.pid = ev.tid = 102;
	ev.path = "/usr/sbin/nginx";
	assert_string_equal(feed(d, &ev, NULL), "newprog");

	/* A signal fires a repeat transition, and the cycle can run again. */
	for (int round = 0; round < 2; round++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SP_EV_SIGNAL;
		ev.pid = ev.tid = 100;
		ev.signo = 15;
		assert_string_equal(feed(d, &ev, NULL), "spawn");
		ev.type = SP_EV_SIGNAL;
		ev.pid = ev.tid = 100;
		ev.signo = 1;
		assert_string_equal(feed(d, &ev, NULL), "reload");
		sys(&ev, 100, "socketpair", NULL);
		assert_string_equal(feed(d, &ev, NULL), "spawn");
	}
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_no_reentry_without_repeat(void **state)
{
	struct sp_rules *r =
	    rules_text("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	               " {\"name\": \"b\", \"description\": \"d\"}],"
	               " \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"when\": "
	               "{\"syscall\": \"open\"}},"
	               "  {\"from\": \"b\", \"to\": \"a\", \"when\": {\"syscall\": \"close\"}}]}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 7, "open", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	/* b -> a is not a repeat transition and a was visited: it never fires. */
	sys(&ev, 7, "close", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_after_ordering(void **state)
{
	/* "The first epoll_wait after setuid." */
	struct sp_rules *r =
	    two_phase("{\"syscall\": \"epoll_wait\", \"after\": {\"syscall\": \"setuid\"}}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 5, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	sys(&ev, 5, "setuid", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	/* Another process's setuid does not count. */
	sys(&ev, 6, "setuid", NULL);
	feed(d, &ev, NULL);
	sys(&ev, 5, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sys(&ev, 8, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	sp_detector_free(d);
	sp_rules_free(r);

	/*
	 * An exec starts the program over: a setuid before it does not count
	 * after it (run follows a thread by events alone where only an exec
	 * leads to an "after" edge: phases/watch.c).
	 */
	r = two_phase("{\"syscall\": \"epoll_wait\", \"after\": {\"syscall\": \"setuid\"}}");
	d = sp_detector_new(r);
	sys(&ev, 5, "setuid", NULL);
	feed(d, &ev, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXEC;
	ev.pid = ev.tid = 5;
	ev.path = "/bin/true";
	feed(d, &ev, NULL);
	sys(&ev, 5, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	sys(&ev, 5, "setuid", NULL);
	feed(d, &ev, NULL);
	sys(&ev, 5, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sp_detector_free(d);
	sp_rules_free(r);

	/* An event is never "after" itself. */
	r = two_phase("{\"syscall\": \"read\", \"after\": {\"syscall\": \"read\"}}");
	d = sp_detector_new(r);
	sys(&ev, 5, "read", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	sys(&ev, 5, "read", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_nth(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"read\", \"nth\": 3}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	for (int i = 1; i <= 3; i++) {
		sys(&ev, 5, "read", NULL);
		assert_string_equal(feed(d, &ev, NULL), i < 3 ? "a" : "b");
		sys(&ev, 5, "write", NULL);
		feed(d, &ev, NULL);
	}
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_belongs(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"exit_group\"}, \"belongs\": \"from\"");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_transition tr;
	struct sp_event ev;

	(void)state;
	sys(&ev, 5, "getpid", NULL);
	feed(d, &ev, NULL);
	/* The triggering event is stamped with the phase it closes. */
	sys(&ev, 5, "exit_group", NULL);
	assert_int_equal(sp_detector_feed(d, &ev, &tr), 1);
	assert_string_equal(ev.phase, "a");
	assert_true(tr.closes);
	assert_string_equal(tr.from_name, "a");
	assert_string_equal(tr.to_name, "b");
	sp_event_clear(&ev);
	sys(&ev, 5, "getpid", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sp_detector_free(d);
	sp_rules_free(r);
}

/* A thread event of process pid, thread tid. */
static void thread_ev(struct sp_event *ev, enum sp_event_type type, pid_t pid, pid_t tid)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->pid = pid;
	ev->tid = tid;
}

static void test_threads_and_exit(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"open\"}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 20, "getpid", NULL);
	feed(d, &ev, NULL);
	thread_ev(&ev, SP_EV_CLONE, 20, 20);
	ev.child = 21;
	assert_string_equal(feed(d, &ev, NULL), "a");
	assert_string_equal(sp_detector_thread_phase_of(d, 21), "a");
	/* A thread's trigger moves that thread only: filters are per thread. */
	sys(&ev, 20, "open", NULL);
	ev.tid = 21;
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_string_equal(sp_detector_thread_phase_of(d, 21), "b");
	sys(&ev, 20, "read", NULL);
	assert_string_equal(feed(d, &ev, NULL), "a");
	/* The process is where its least advanced thread is. */
	assert_string_equal(sp_detector_phase_of(d, 20), "a");
	assert_int_equal(sp_detector_phase_index_of(d, 20), 0);
	assert_int_equal(sp_detector_live(d), 1);
	/* A thread's exit ends the thread, not the process, nor its phase. */
	thread_ev(&ev, SP_EV_EXIT, 20, 21);
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_int_equal(sp_detector_live(d), 1);
	assert_null(sp_detector_thread_phase_of(d, 21));
	assert_string_equal(sp_detector_phase_of(d, 20), "a");
	thread_ev(&ev, SP_EV_EXIT, 20, 20);
	ev.whole_process = true;
	assert_string_equal(feed(d, &ev, NULL), "a");
	assert_int_equal(sp_detector_live(d), 0);
	assert_null(sp_detector_phase_of(d, 20));
	assert_int_equal(sp_detector_phase_index_of(d, 20), -ENOENT);
	sp_detector_free(d);
	sp_rules_free(r);
}

/* A new thread starts with its creator's state: phase, history and ordering. */
static void test_thread_inherits_creator_state(void **state)
{
	struct sp_rules *r =
	    rules_text("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	               " {\"name\": \"b\", \"description\": \"d\"}, {\"name\": \"c\", "
	               "\"description\": \"d\"}],"
	               " \"transitions\": ["
	               "  {\"from\": \"a\", \"to\": \"b\", \"when\": {\"syscall\": \"open\"}},"
	               "  {\"from\": \"b\", \"to\": \"c\", \"when\": {\"syscall\": \"epoll_wait\","
	               "   \"after\": {\"syscall\": \"setuid\"}}},"
	               "  {\"from\": \"b\", \"to\": \"c\", \"when\": {\"event\": \"clone\"}, "
	               "\"belongs\": \"from\"}"
	               "]}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 30, "open", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	sys(&ev, 30, "setuid", NULL);
	feed(d, &ev, NULL);
	/*
	 * The clone event closes b for the creator (belongs: from): the new
	 * thread holds the filter its creator held when it cloned, b's.
	 */
	thread_ev(&ev, SP_EV_CLONE, 30, 30);
	ev.child = 31;
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_string_equal(sp_detector_thread_phase_of(d, 30), "c");
	assert_string_equal(sp_detector_thread_phase_of(d, 31), "b");
	/* It carries the creator's "after setuid" history. */
	sys(&ev, 30, "epoll_wait", NULL);
	ev.tid = 31;
	assert_string_equal(feed(d, &ev, NULL), "c");
	sp_detector_free(d);
	sp_rules_free(r);
}

/*
 * The point of per-thread state: each thread's stamps depend only on its
 * own events, whatever the interleaving.  Two threads, one moving to b
 * at open, the other making calls before and after; every interleaving
 * of the two sequences gives each thread the same stamps.
 */
static void test_interleaving_does_not_matter(void **state)
{
	static const char *const mine[] = {"getpid", "open", "read", "write"};
	static const char *const other[] = {"rseq", "set_robust_list", "read", "madvise"};
	struct sp_rules *r = two_phase("{\"syscall\": \"open\"}");
	const char *want_mine[4], *want_other[4];

	(void)state;
	/* Every way to interleave 4 + 4 events: 8 bits with 4 set. */
	for (unsigned mask = 0; mask < 256; mask++) {
		struct sp_detector *d;
		struct sp_event ev;
		size_t i = 0, j = 0;

		if (__builtin_popcount(mask) != 4)
			continue;
		d = sp_detector_new(r);
		sys(&ev, 40, "brk", NULL);
		feed(d, &ev, NULL);
		thread_ev(&ev, SP_EV_CLONE, 40, 40);
		ev.child = 41;
		feed(d, &ev, NULL);
		for (int k = 0; k < 8; k++) {
			bool main_thread = mask & (1u << k);
			const char *got;

			sys(&ev, 40, main_thread ? mine[i] : other[j], NULL);
			ev.tid = main_thread ? 40 : 41;
			got = feed(d, &ev, NULL);
			if (main_thread) {
				if (mask == 0x0f)
					want_mine[i] = got;
				assert_string_equal(got, want_mine[i]);
				i++;
			} else {
				if (mask == 0x0f)
					want_other[j] = got;
				assert_string_equal(got, want_other[j]);
				j++;
			}
		}
		sp_detector_free(d);
	}
	assert_string_equal(want_mine[0], "a");
	assert_string_equal(want_mine[1], "b");
	assert_string_equal(want_other[3], "a");
	sp_rules_free(r);
}

/* exec from a non-leader thread: it goes on under the leader's id, alone. */
static void test_exec_from_thread(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"open\"}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 50, "getpid", NULL);
	feed(d, &ev, NULL);
	thread_ev(&ev, SP_EV_CLONE, 50, 50);
	ev.child = 51;
	feed(d, &ev, NULL);
	sys(&ev, 50, "open", NULL);
	ev.tid = 51;
	assert_string_equal(feed(d, &ev, NULL), "b");
	thread_ev(&ev, SP_EV_EXEC, 50, 50);
	ev.former_tid = 51;
	ev.path = "/bin/true";
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_string_equal(sp_detector_thread_phase_of(d, 50), "b");
	assert_null(sp_detector_thread_phase_of(d, 51));
	assert_string_equal(sp_detector_phase_of(d, 50), "b");
	/* The old leader's late exit report changes nothing. */
	thread_ev(&ev, SP_EV_EXIT, 50, 52);
	feed(d, &ev, NULL);
	assert_string_equal(sp_detector_phase_of(d, 50), "b");
	sp_detector_free(d);
	sp_rules_free(r);
}

/*
 * The built-in generic rules: a helper thread's exit is not its process's
 * termination (python3 -m http.server ended its steady state at its first
 * request thread's exit), and a child forked in the steady state starts a
 * lifecycle of its own (postgres backends).
 */
static void test_generic_threads_and_children(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	struct sp_detector *d;
	struct sp_event ev;

	(void)state;
	assert_int_equal(sp_rules_load("generic", NULL, &r, &diag), 0);
	d = sp_detector_new(r);
	thread_ev(&ev, SP_EV_EXEC, 60, 60);
	ev.path = "/usr/bin/server";
	assert_string_equal(feed(d, &ev, NULL), "execution initiation");
	sys(&ev, 60, "openat", NULL);
	ev.site = "ld-linux-x86-64.so.2";
	assert_string_equal(feed(d, &ev, NULL), "dynamic loading");
	sys(&ev, 60, "brk", NULL);
	ev.site = "libc.so.6";
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	thread_ev(&ev, SP_EV_CLONE, 60, 60);
	ev.child = 61;
	feed(d, &ev, NULL);
	sys(&ev, 60, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "steady state");
	/* The helper thread is still in initialization, and its exit ends only it. */
	sys(&ev, 60, "exit", NULL);
	ev.tid = 61;
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	thread_ev(&ev, SP_EV_EXIT, 60, 61);
	feed(d, &ev, NULL);
	assert_string_equal(sp_detector_phase_of(d, 60), "steady state");
	/* A backend forked from the steady state has its own initialization. */
	thread_ev(&ev, SP_EV_FORK, 60, 60);
	ev.child = 62;
	assert_string_equal(feed(d, &ev, NULL), "steady state");
	assert_string_equal(sp_detector_phase_of(d, 62), "child initialization");
	sys(&ev, 62, "epoll_wait", NULL);
	assert_string_equal(feed(d, &ev, NULL), "child steady state");
	sys(&ev, 62, "exit_group", NULL);
	assert_string_equal(feed(d, &ev, NULL), "termination");
	assert_string_equal(sp_detector_phase_of(d, 60), "steady state");
	sp_detector_free(d);
	sp_rules_free(r);
}

/*
 * generic: a server's steady state is not a library's start-up exchange.
 * getifaddrs' netlink reply, a resolver's poll and UDP reply before the
 * server bound an address leave it in initialization; after its bind, a
 * poll is its wait for clients.
 */
static void test_generic_waits_for_clients(void **state)
{
	static const char netlink[] = "{\"sockfd\": {\"fd\": 3, \"kind\": \"socket\", "
				      "\"proto\": \"NETLINK\", \"family\": \"AF_NETLINK\"}}";
	static const char udp[] = "{\"sockfd\": {\"fd\": 4, \"kind\": \"socket\", "
				  "\"proto\": \"UDP\", \"family\": \"AF_INET\"}}";
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	struct sp_detector *d;
	struct sp_event ev;

	(void)state;
	assert_int_equal(sp_rules_load("generic", NULL, &r, &diag), 0);
	d = sp_detector_new(r);
	thread_ev(&ev, SP_EV_EXEC, 70, 70);
	ev.path = "/usr/sbin/server";
	feed(d, &ev, NULL);
	sys(&ev, 70, "brk", NULL);
	ev.site = "libc.so.6";
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "bind", "{\"addr\": {\"family\": \"AF_NETLINK\"}}");
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "recvmsg", netlink);
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "poll", NULL);
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "recvfrom", udp);
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "bind",
	    "{\"addr\": {\"family\": \"AF_INET\", \"addr\": \"0.0.0.0\", \"port\": 53}}");
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	/* Bound: netlink still never counts; a poll does. */
	sys(&ev, 70, "recvmsg", netlink);
	assert_string_equal(feed(d, &ev, NULL), "initialization");
	sys(&ev, 70, "poll", NULL);
	assert_string_equal(feed(d, &ev, NULL), "steady state");
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_child_seen_before_fork_event(void **state)
{
	struct sp_rules *r = rules_text(fork_rules);
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 100, "socketpair", NULL);
	assert_string_equal(feed(d, &ev, NULL), "spawn");
	/* ptrace may report the child's first stop before the parent's fork event. */
	sys(&ev, 101, "set_robust_list", NULL);
	assert_string_equal(feed(d, &ev, NULL), "boot");
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_FORK;
	ev.pid = ev.tid = 100;
	ev.child = 101;
	feed(d, &ev, NULL);
	assert_string_equal(sp_detector_phase_of(d, 101), "child");
	assert_int_equal(sp_detector_live(d), 2);
	sp_detector_free(d);
	sp_rules_free(r);
}

/*
 * A supervisor's records, as run keeps them: one per followed thread, on
 * its entry in a table by tid, with a slot lent to the detector
 * (sp_detector_lend_slots).  A record moves between entries, never in
 * memory.
 */
struct record {
	void *phases;
};

struct lender {
	struct record rec[8];
	struct record *by_tid[128];
};

static void **lent(void *ctx, pid_t tid)
{
	struct lender *l = ctx;

	return tid > 0 && tid < 128 && l->by_tid[tid] ? &l->by_tid[tid]->phases : NULL;
}

/* The supervisor follows tid from now on, in record i. */
static void follow(struct lender *l, pid_t tid, size_t i)
{
	l->by_tid[tid] = &l->rec[i];
}

/* The supervisor drops its record of tid (the tracer stopped following it). */
static void drop(struct sp_detector *d, struct lender *l, pid_t tid)
{
	sp_detector_forget_slot(d, &l->by_tid[tid]->phases);
	assert_null(l->by_tid[tid]->phases);
	l->by_tid[tid] = NULL;
}

/*
 * With lent slots, the detector stamps exactly what it stamps alone, keeps
 * each followed thread's state in its record (a thread it met before the
 * record existed moves in at its next event), follows a record moved by an
 * exec from a non-leader thread, and frees a state with its record.
 */
static void test_lent_slots(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"open\"}");
	struct sp_detector *alone = sp_detector_new(r), *d = sp_detector_new(r);
	struct lender l = {0};
	struct sp_detector_slots slots = {.slot = lent, .ctx = &l};
	struct sp_event ev, same;

	(void)state;
	sp_detector_lend_slots(d, &slots);
	follow(&l, 70, 0);
	sys(&ev, 70, "getpid", NULL);
	same = ev;
	assert_string_equal(feed(d, &ev, NULL), feed(alone, &same, NULL));
	assert_non_null(l.rec[0].phases);
	/* The clone event comes before the supervisor's record of the new thread. */
	thread_ev(&ev, SP_EV_CLONE, 70, 70);
	ev.child = 71;
	same = ev;
	assert_string_equal(feed(d, &ev, NULL), feed(alone, &same, NULL));
	assert_string_equal(sp_detector_thread_phase_of(d, 71), "a");
	follow(&l, 71, 1);
	sys(&ev, 70, "open", NULL);
	ev.tid = 71;
	same = ev;
	assert_string_equal(feed(d, &ev, NULL), feed(alone, &same, NULL));
	assert_non_null(l.rec[1].phases);
	assert_string_equal(sp_detector_thread_phase_of(d, 71), "b");
	assert_string_equal(sp_detector_thread_phase_of(d, 70), "a");
	/*
	 * Thread 71 execs: the supervisor drops the old leader's record and
	 * moves 71's to the process id, before the exec event (tracer.h).
	 */
	drop(d, &l, 70);
	l.by_tid[70] = l.by_tid[71];
	l.by_tid[71] = NULL;
	thread_ev(&ev, SP_EV_EXEC, 70, 70);
	ev.former_tid = 71;
	ev.path = "/bin/true";
	same = ev;
	assert_string_equal(feed(d, &ev, NULL), feed(alone, &same, NULL));
	assert_string_equal(sp_detector_thread_phase_of(d, 70), "b");
	assert_string_equal(sp_detector_thread_phase_of(alone, 70), "b");
	assert_null(sp_detector_thread_phase_of(d, 71));
	assert_non_null(l.rec[1].phases);
	/* A thread's exit clears its slot; the last record dropped frees its process. */
	thread_ev(&ev, SP_EV_CLONE, 70, 70);
	ev.child = 72;
	feed(d, &ev, NULL);
	follow(&l, 72, 2);
	sys(&ev, 70, "read", NULL);
	ev.tid = 72;
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_non_null(l.rec[2].phases);
	thread_ev(&ev, SP_EV_EXIT, 70, 72);
	feed(d, &ev, NULL);
	assert_null(l.rec[2].phases);
	assert_int_equal(sp_detector_live(d), 1);
	drop(d, &l, 70);
	assert_int_equal(sp_detector_live(d), 0);
	assert_null(sp_detector_phase_of(d, 70));
	sp_detector_free(d);
	sp_detector_free(alone);
	sp_rules_free(r);
}

static void test_memory_follows_live_processes(void **state)
{
	struct sp_rules *r = rules_text(fork_rules);
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 1, "socketpair", NULL);
	feed(d, &ev, NULL);
	for (pid_t child = 2; child < 20002; child++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SP_EV_FORK;
		ev.pid = ev.tid = 1;
		ev.child = child;
		feed(d, &ev, NULL);
		sys(&ev, child, "getpid", NULL);
		assert_string_equal(feed(d, &ev, NULL), "child");
		memset(&ev, 0, sizeof(ev));
		ev.type = SP_EV_EXIT;
		ev.pid = ev.tid = child;
		ev.whole_process = true;
		feed(d, &ev, NULL);
		assert_int_equal(sp_detector_live(d), 1);
	}
	sp_detector_free(d);
	sp_rules_free(r);
}

static void test_timeline(void **state)
{
	struct sp_timeline *t = sp_timeline_new();
	struct sp_event ev;
	json_t *j, *p0, *ph;
	char *text;
	static const struct {
		pid_t pid;
		const char *name;
		const char *phase;
		double ts;
	} evs[] = {
	    {50, "execve", "start", 0.0}, {50, "brk", "start", 0.5}, {50, "openat", "load", 1.0},
	    {50, "openat", "load", 1.5},  {50, "mmap", "load", 2.0}, {50, "write", "work", 3.0},
	};

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		sys(&ev, evs[i].pid, evs[i].name, NULL);
		ev.phase = evs[i].phase;
		ev.ts = evs[i].ts;
		assert_int_equal(sp_timeline_feed(t, &ev), 0);
		sp_event_clear(&ev);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_FORK;
	ev.pid = ev.tid = 50;
	ev.child = 51;
	ev.ts = 3.5;
	ev.phase = "work";
	assert_int_equal(sp_timeline_feed(t, &ev), 0);
	sys(&ev, 51, "getpid", NULL);
	ev.ts = 4.0;
	ev.phase = "child";
	assert_int_equal(sp_timeline_feed(t, &ev), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXIT;
	ev.pid = ev.tid = 50;
	ev.whole_process = true;
	ev.status = 3;
	ev.ts = 5.0;
	ev.phase = "work";
	assert_int_equal(sp_timeline_feed(t, &ev), 0);

	j = sp_timeline_to_json(t, true);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "processes")), 2);
	p0 = json_array_get(json_object_get(j, "processes"), 0);
	assert_int_equal(json_integer_value(json_object_get(p0, "pid")), 50);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p0, "exit"), "status")),
	                 3);
	assert_int_equal(json_array_size(json_object_get(p0, "phases")), 3);
	ph = json_array_get(json_object_get(p0, "phases"), 1);
	assert_string_equal(json_string_value(json_object_get(ph, "phase")), "load");
	assert_int_equal(json_integer_value(json_object_get(ph, "syscalls")), 3);
	assert_int_equal(json_integer_value(json_object_get(ph, "distinct")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ph, "set"), "openat")),
	                 2);
	/* A segment ends where the next begins; the last one at the process's end. */
	assert_true(json_real_value(json_object_get(ph, "end")) == 3.0);
	assert_true(json_real_value(json_object_get(ph, "duration")) == 2.0);
	ph = json_array_get(json_object_get(p0, "phases"), 2);
	assert_true(json_real_value(json_object_get(ph, "end")) == 5.0);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "processes"), 1), "ppid")),
	                 50);
	json_decref(j);

	text = sp_timeline_to_text(t, true);
	assert_non_null(text);
	assert_non_null(strstr(text, "process 50, 0.000000 .. 5.000000 s, exit status 3"));
	assert_non_null(strstr(text, "openat(2) mmap(1)"));
	assert_non_null(strstr(text, "process 51, child of 50"));
	free(text);
	sp_timeline_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syscall_name),
	    cmocka_unit_test(test_path_glob),
	    cmocka_unit_test(test_equality),
	    cmocka_unit_test(test_flag_bits),
	    cmocka_unit_test(test_sockaddr_family),
	    cmocka_unit_test(test_fd_family),
	    cmocka_unit_test(test_generic_waits_for_clients),
	    cmocka_unit_test(test_fd_kind),
	    cmocka_unit_test(test_return_and_errno),
	    cmocka_unit_test(test_call_site),
	    cmocka_unit_test(test_stack_function),
	    cmocka_unit_test(test_process_events),
	    cmocka_unit_test(test_no_reentry_without_repeat),
	    cmocka_unit_test(test_after_ordering),
	    cmocka_unit_test(test_nth),
	    cmocka_unit_test(test_belongs),
	    cmocka_unit_test(test_threads_and_exit),
	    cmocka_unit_test(test_thread_inherits_creator_state),
	    cmocka_unit_test(test_interleaving_does_not_matter),
	    cmocka_unit_test(test_exec_from_thread),
	    cmocka_unit_test(test_generic_threads_and_children),
	    cmocka_unit_test(test_child_seen_before_fork_event),
	    cmocka_unit_test(test_memory_follows_live_processes),
	    cmocka_unit_test(test_lent_slots),
	    cmocka_unit_test(test_timeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
