/* SPDX-License-Identifier: MIT */
/*
 * The contract between the decoder and the rules: a rule written with the
 * names the decoder prints matches the event the decoder decoded.  Events
 * here are decoded for real (the test process plays the tracee, as in
 * test_decode: strings, sockaddrs and struct clone_args are read from its
 * memory, fds named through /proc), and the rules run through the real
 * loader and detector.  Named bit and value tests look at the register, so
 * these hold whatever the decoded string looks like.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/phases.h"
#include "tracer/decode.h"

#define U(p) ((uint64_t)(uintptr_t)(p))

/* An x86-64 syscall event of this process, decoded by the tracer's decoder. */
static void decoded(struct sp_event *ev, const char *name, const uint64_t args[SP_MAX_ARGS])
{
	struct sp_decode_ctx ctx = {.tid = getpid(), .pid = getpid(), .strsize = 256};

	memset(ev, 0, sizeof(*ev));
	ev->type = SP_EV_SYSCALL;
	ev->pid = ev->tid = 10;
	ev->abi = SP_ABI_X86_64;
	ev->name = name;
	memcpy(ev->args, args, sizeof(ev->args));
	ev->dec = sp_decode_entry(&ctx, name, args);
	assert_non_null(ev->dec);
}

static struct sp_rules *load(const char *trigger, struct sp_diag *diag)
{
	char text[8192];
	struct sp_rules *r = NULL;

	snprintf(text, sizeof(text),
	         "{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	         " {\"name\": \"b\", \"description\": \"d\"}],"
	         " \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"when\": %s}]}",
	         trigger);
	if (sp_rules_parse(text, strlen(text), "t.json", &r, diag) < 0)
		return NULL;
	return r;
}

/* Does the trigger fire on ev?  ev is cleared. */
static bool fires(const char *trigger, struct sp_event *ev)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = load(trigger, &diag);
	struct sp_detector *d;
	struct sp_transition tr;
	struct sp_event start;
	int rc;

	if (!r)
		fail_msg("%s: %s", trigger, diag.msg);
	d = sp_detector_new(r);
	assert_non_null(d);
	/* Make the process known first, so the event under test is not its start. */
	memset(&start, 0, sizeof(start));
	start.type = SP_EV_CLONE;
	start.pid = start.tid = ev->pid;
	start.child = ev->pid + 1;
	assert_true(sp_detector_feed(d, &start, &tr) >= 0);
	rc = sp_detector_feed(d, ev, &tr);
	assert_true(rc >= 0);
	sp_event_clear(ev);
	sp_detector_free(d);
	sp_rules_free(r);
	return rc == 1 && tr.kind == SP_TR_RULE;
}

static const char *dec_str(const struct sp_event *ev, const char *key)
{
	json_t *v = json_object_get(ev->dec, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

/*
 * glibc's fork() is clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD);
 * pthread_create is clone3 with CLONE_THREAD in struct clone_args.  The
 * detector used to re-parse the decoded string with a smaller table that
 * did not know SIGCHLD, so "clear CLONE_THREAD" never fired on a fork.
 */
static void test_clone_thread_on_fork(void **state)
{
	const char *t = "{\"syscall\": [\"clone\", \"clone3\"], \"args\": {\"flags\": {\"clear\": "
			"\"CLONE_THREAD\"}}}";
	const uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                        CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
	                        CLONE_CHILD_CLEARTID;
	uint64_t fork_args[SP_MAX_ARGS] = {CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD};
	uint64_t thread_args[SP_MAX_ARGS] = {thread};
	uint64_t cl[11] = {0};
	uint64_t clone3_args[SP_MAX_ARGS] = {U(cl), sizeof(cl)};
	struct sp_event ev;

	(void)state;
	decoded(&ev, "clone", fork_args);
	assert_string_equal(dec_str(&ev, "flags"),
	                    "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	assert_true(fires(t, &ev));
	decoded(&ev, "clone", thread_args);
	assert_false(fires(t, &ev));
	/* The exit signal is part of clone's flags word, by name too. */
	decoded(&ev, "clone", fork_args);
	assert_true(
	    fires("{\"syscall\": \"clone\", \"args\": {\"flags\": {\"set\": \"SIGCHLD\"}}}", &ev));

	/* clone3: the flags are a field of struct clone_args, in memory. */
	cl[0] = thread;
	decoded(&ev, "clone3", clone3_args);
	assert_false(fires(t, &ev));
	cl[0] = CLONE_VM | CLONE_VFORK;
	cl[4] = SIGCHLD;
	decoded(&ev, "clone3", clone3_args);
	assert_true(fires(t, &ev));
	decoded(&ev, "clone3", clone3_args);
	assert_true(fires(
	    "{\"syscall\": \"clone3\", \"args\": {\"exit_signal\": {\"eq\": \"SIGCHLD\"}}}", &ev));
}

/* Flags the old rule table did not know: O_ASYNC, MAP_32BIT. */
static void test_flags_old_table_missed(void **state)
{
	const char *path = "/tmp";
	uint64_t open_args[SP_MAX_ARGS] = {(uint64_t)AT_FDCWD, U(path), O_WRONLY | O_ASYNC};
	uint64_t mmap_args[SP_MAX_ARGS] = {
	    0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, (uint64_t)-1, 0};
	struct sp_event ev;

	(void)state;
	decoded(&ev, "openat", open_args);
	assert_string_equal(dec_str(&ev, "flags"), "O_WRONLY|O_ASYNC");
	assert_true(
	    fires("{\"syscall\": \"openat\", \"args\": {\"flags\": {\"set\": \"O_ASYNC\"}}}", &ev));
	decoded(&ev, "openat", open_args);
	assert_true(fires("{\"syscall\": [\"open\", \"openat\"], \"args\": {\"flags\": {\"eq\": "
	                  "\"O_WRONLY|O_ASYNC\"}}}",
	                  &ev));
	decoded(&ev, "mmap", mmap_args);
	assert_string_equal(dec_str(&ev, "flags"), "MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT");
	assert_true(
	    fires("{\"syscall\": \"mmap\", \"args\": {\"flags\": {\"set\": \"MAP_32BIT\"}}}", &ev));
	mmap_args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
	decoded(&ev, "mmap", mmap_args);
	assert_false(
	    fires("{\"syscall\": \"mmap\", \"args\": {\"flags\": {\"set\": \"MAP_32BIT\"}}}", &ev));
}

/* Real-time signals: one spelling in the decoder, the trace and rules. */
static void test_realtime_signal(void **state)
{
	uint64_t kill_args[SP_MAX_ARGS] = {42, (uint64_t)SIGRTMIN};
	struct sp_event ev;

	(void)state;
	decoded(&ev, "kill", kill_args);
	assert_string_equal(dec_str(&ev, "sig"), "SIGRT_2");
	assert_true(
	    fires("{\"syscall\": \"kill\", \"args\": {\"sig\": {\"eq\": \"SIGRT_2\"}}}", &ev));
	decoded(&ev, "kill", kill_args);
	assert_false(
	    fires("{\"syscall\": \"kill\", \"args\": {\"sig\": {\"eq\": \"SIGRT_3\"}}}", &ev));
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_SIGNAL;
	ev.pid = ev.tid = 10;
	ev.signo = SIGRTMIN;
	assert_true(fires("{\"signal\": [\"SIGRT_2\", \"SIGUSR1\"]}", &ev));
}

/* errno names: the trace's table is the rules'. */
static void test_errno_names(void **state)
{
	uint64_t args[SP_MAX_ARGS] = {U("/nonexistent")};
	struct sp_event ev;

	(void)state;
	for (int e = 1; e < 134; e++) {
		char t[128];
		const char *name = sp_errno_name(e);

		if (!name)
			continue;
		decoded(&ev, "chdir", args);
		ev.has_exit = true;
		ev.ret = -e;
		ev.err = e;
		snprintf(t, sizeof(t), "{\"syscall\": \"chdir\", \"errno\": \"%s\"}", name);
		if (!fires(t, &ev))
			fail_msg("errno %s did not match", name);
	}
}

/* fds, paths, addresses: what only memory and /proc tell. */
static void test_fd_path_sockaddr(void **state)
{
	char path[] = "/tmp/sysphase-contract-XXXXXX";
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(8080)};
	int fd = mkstemp(path);
	uint64_t close_args[SP_MAX_ARGS] = {(uint64_t)fd};
	uint64_t open_args[SP_MAX_ARGS] = {(uint64_t)AT_FDCWD, U(path), O_RDONLY};
	uint64_t bind_args[SP_MAX_ARGS] = {(uint64_t)fd, U(&in), sizeof(in)};
	uint64_t sock_args[SP_MAX_ARGS] = {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0};
	char t[256];
	struct sp_event ev;

	(void)state;
	assert_true(fd >= 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	decoded(&ev, "close", close_args);
	assert_true(
	    fires("{\"syscall\": \"close\", \"args\": {\"fd\": {\"kind\": \"file\", \"glob\": "
	          "\"/tmp/sysphase-contract-*\"}}}",
	          &ev));
	snprintf(t, sizeof(t), "{\"syscall\": \"close\", \"args\": {\"fd\": %d}}", fd);
	decoded(&ev, "close", close_args);
	assert_true(fires(t, &ev));
	/* An fd is an int: what the upper half of the register holds does not count. */
	close_args[0] |= 0xdead00000000ULL;
	decoded(&ev, "close", close_args);
	assert_true(fires(t, &ev));

	decoded(&ev, "openat", open_args);
	assert_true(fires("{\"syscall\": \"openat\", \"args\": {\"pathname\": \"/tmp/sysphase-*\", "
	                  "\"dirfd\": {\"eq\": \"AT_FDCWD\"}}}",
	                  &ev));
	decoded(&ev, "bind", bind_args);
	assert_true(
	    fires("{\"syscall\": \"bind\", \"args\": {\"addr\": {\"family\": \"AF_INET\"}}}", &ev));
	decoded(&ev, "socket", sock_args);
	assert_true(
	    fires("{\"syscall\": \"socket\", \"args\": {\"domain\": {\"family\": \"AF_UNIX\"},"
	          " \"type\": {\"set\": \"SOCK_CLOEXEC\", \"clear\": \"SOCK_NONBLOCK\"}}}",
	          &ev));
	close(fd);
	unlink(path);
}

/*
 * Every flag and enumeration argument of every decoded syscall: whatever
 * the decoder prints for a value, a rule testing equality with that very
 * string fires on the event (and a rule with the value plus one does not).
 */
static void test_every_symbolic_argument(void **state)
{
	static const uint64_t values[] = {
	    0,    1,     2,     3,      4,       0x11,       0x22,
	    0x80, 0x101, 0x800, 0x4000, 0x80000, 0x40000000, 0x100000001ULL};
	size_t checked = 0;

	(void)state;
	for (size_t s = 0; sp_syscall_spec_at(s); s++) {
		const struct sp_syscall_spec *spec = sp_syscall_spec_at(s);

		for (int i = 0; i < SP_MAX_ARGS && spec->args[i].name; i++) {
			enum sp_arg_kind kind = (enum sp_arg_kind)spec->args[i].kind;
			char buf[8];

			if (!sp_arg_in_register(kind) || !sp_arg_format(kind, 0, buf, sizeof(buf)))
				continue;
			for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
				uint64_t args[SP_MAX_ARGS] = {0};
				struct sp_event ev;
				char t[1024];
				uint64_t want = sp_arg_value(kind, values[k]);
				uint64_t back = ~want;

				args[i] = values[k];
				decoded(&ev, spec->name, args);
				const char *shown = dec_str(&ev, spec->args[i].name);

				if (sp_arg_parse(kind, shown, &back, NULL, NULL) < 0 ||
				    back != want)
					fail_msg(
					    "%s %s: %#llx printed as \"%s\" does not read back",
					    spec->name, spec->args[i].name,
					    (unsigned long long)values[k], shown);
				snprintf(
				    t, sizeof(t),
				    "{\"syscall\": \"%s\", \"args\": {\"%s\": {\"eq\": \"%s\"}}}",
				    spec->name, spec->args[i].name, shown);
				if (!fires(t, &ev))
					fail_msg("%s did not fire", t);
				args[i] = values[k] + 1;
				decoded(&ev, spec->name, args);
				if (fires(t, &ev))
					fail_msg("%s fired on %#llx", t,
					         (unsigned long long)values[k] + 1);
				checked++;
			}
		}
	}
	/* Dozens of arguments of some thirty kinds. */
	assert_true(checked > 500);
}

/* A name the decoder does not write for one of the syscalls is a load error. */
static void test_argument_names_checked(void **state)
{
	struct sp_diag diag = {{0}};

	(void)state;
	assert_null(load("{\"syscall\": \"close\", \"args\": {\"fdd\": 3}}", &diag));
	assert_non_null(strstr(diag.msg, "t.json:1:"));
	assert_non_null(
	    strstr(diag.msg, "\"fdd\" is not an argument of close (did you mean \"fd\"?)"));
	assert_null(load("{\"syscall\": [\"read\", \"recvfrom\"], \"args\": {\"fd\": {\"kind\": "
	                 "\"socket\"}}}",
	                 &diag));
	assert_non_null(
	    strstr(diag.msg, "\"fd\" is not an argument of recvfrom (did you mean \"sockfd\"?)"));
	assert_null(load("{\"args\": {\"fdd\": 3}}", &diag));
	assert_non_null(strstr(diag.msg, "\"fdd\" is not an argument of any decoded syscall"));
	assert_null(load("{\"syscall\": \"getpid\", \"args\": {\"pid\": 3}}", &diag));
	assert_non_null(strstr(diag.msg, "the decoder names no arguments of getpid"));
	/* Names are checked against the argument's own table. */
	assert_null(load(
	    "{\"syscall\": \"openat\", \"args\": {\"flags\": {\"set\": \"CLONE_VM\"}}}", &diag));
	assert_non_null(strstr(diag.msg, "unknown flag \"CLONE_VM\""));
	assert_null(
	    load("{\"syscall\": \"openat\", \"args\": {\"pathname\": {\"set\": 1}}}", &diag));
	assert_non_null(strstr(diag.msg, "test the bits of a number"));
	assert_null(load("{\"signal\": \"SIGRTMIN+2\"}", &diag));
	assert_non_null(strstr(diag.msg, "glibc's SIGRTMIN is SIGRT_2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clone_thread_on_fork),
	    cmocka_unit_test(test_flags_old_table_missed),
	    cmocka_unit_test(test_realtime_signal),
	    cmocka_unit_test(test_errno_names),
	    cmocka_unit_test(test_fd_path_sockaddr),
	    cmocka_unit_test(test_every_symbolic_argument),
	    cmocka_unit_test(test_argument_names_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
