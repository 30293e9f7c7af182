/* SPDX-License-Identifier: MIT */
/*
 * The detector and its trigger matching: one test per predicate kind, with
 * events built here, plus the state machine's process semantics (fork,
 * threads, exit, repeat, ordering) and the timeline built from its stamps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	assert_false(fires(t, &ev));
	sys(&ev, 10, "rt_sigprocmask", "{\"how\": \"SIG_BLOCK\"}");
	assert_true(fires(t, &ev));
	/* Integers compare with integers and with an fd object's number. */
	sys(&ev, 10, "close", "{\"fd\": {\"fd\": 2, \"kind\": \"chr\"}}");
	assert_true(fires("{\"args\": {\"fd\": {\"in\": [1, 2]}}}", &ev));
	sys(&ev, 10, "close", "{\"fd\": {\"fd\": 3}}");
	assert_false(fires("{\"args\": {\"fd\": {\"in\": [1, 2]}}}", &ev));
	sys(&ev, 10, "listen", "{\"backlog\": 511}");
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
	assert_false(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|O_CREAT|O_TRUNC\"}");
	assert_false(fires(t, &ev));
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC\"}");
	assert_true(fires(t, &ev));
	/* Bits that must be clear. */
	sys(&ev, 10, "socket", "{\"type\": \"SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK\"}");
	assert_false(fires("{\"args\": {\"type\": {\"clear\": \"SOCK_CLOEXEC\"}}}", &ev));
	sys(&ev, 10, "socket", "{\"type\": \"SOCK_STREAM\"}");
	assert_true(fires("{\"args\": {\"type\": {\"clear\": \"SOCK_CLOEXEC\"}}}", &ev));
	/* Unnamed bits rendered in hex are bits too. */
	sys(&ev, 10, "openat", "{\"flags\": \"O_WRONLY|0x20000000\"}");
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

static void test_threads_and_exit(void **state)
{
	struct sp_rules *r = two_phase("{\"syscall\": \"open\"}");
	struct sp_detector *d = sp_detector_new(r);
	struct sp_event ev;

	(void)state;
	sys(&ev, 20, "getpid", NULL);
	feed(d, &ev, NULL);
	/* A thread's trigger moves its whole process. */
	sys(&ev, 20, "open", NULL);
	ev.tid = 21;
	assert_string_equal(feed(d, &ev, NULL), "b");
	sys(&ev, 20, "read", NULL);
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_int_equal(sp_detector_live(d), 1);
	/* A thread's exit keeps the state, the process's frees it. */
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXIT;
	ev.pid = 20;
	ev.tid = 21;
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_int_equal(sp_detector_live(d), 1);
	ev.type = SP_EV_EXIT;
	ev.pid = ev.tid = 20;
	ev.whole_process = true;
	assert_string_equal(feed(d, &ev, NULL), "b");
	assert_int_equal(sp_detector_live(d), 0);
	assert_null(sp_detector_phase_of(d, 20));
	assert_int_equal(sp_detector_phase_index_of(d, 20), -ENOENT);
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
	    cmocka_unit_test(test_child_seen_before_fork_event),
	    cmocka_unit_test(test_memory_follows_live_processes),
	    cmocka_unit_test(test_timeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
