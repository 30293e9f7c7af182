/* SPDX-License-Identifier: MIT */
/*
 * sp_infer on made-up events: a server whose main thread waits in a loop
 * of its own binary and forks a worker that waits in another.  The serving
 * loops are the innermost program functions under the waits (not libc's,
 * not an outer function that init shares), a function under one wait only
 * is no loop, and the rules load and cut the events as inferred.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sysphase/phases.h"

/* A syscall of tid in pid with a stack of "fn@module" frames, innermost first. */
static void sys(struct sp_event *ev, pid_t pid, pid_t tid, const char *name, const char *frames)
{
	char buf[512], *save = NULL;

	memset(ev, 0, sizeof(*ev));
	ev->type = SP_EV_SYSCALL;
	ev->pid = pid;
	ev->tid = tid;
	ev->name = name;
	ev->abi = SP_ABI_X86_64;
	ev->has_exit = true;
	ev->site = "libc.so.6";
	ev->stack = json_array();
	snprintf(buf, sizeof(buf), "%s", frames);
	for (char *f = strtok_r(buf, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		char *at = strchr(f, '@');

		*at = '\0';
		json_array_append_new(ev->stack,
		                      json_pack("{s:s, s:s}", "fn", f, "module", at + 1));
	}
}

static void feed(struct sp_infer *in, struct sp_detector *d, struct sp_event *ev)
{
	if (in)
		assert_int_equal(sp_infer_feed(in, ev), 0);
	if (d)
		assert_true(sp_detector_feed(d, ev, NULL) >= 0);
}

/* The life of pid 100 ("srv") and its worker 101; stamps checked when d is given. */
static void life(struct sp_infer *in, struct sp_detector *d)
{
	struct sp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_EXEC;
	ev.pid = ev.tid = 100;
	ev.path = "/usr/sbin/srv";
	feed(in, d, &ev);
	sys(&ev, 100, 100, "openat", "open@ld-linux-x86-64.so.2");
	ev.site = "ld-linux-x86-64.so.2";
	feed(in, d, &ev);
	sp_event_clear(&ev);
	/* One poll during init, under setup(): no loop. */
	sys(&ev, 100, 100, "poll", "poll@libc.so.6 setup@srv main@srv");
	feed(in, d, &ev);
	if (d)
		assert_string_equal(ev.phase, "initialization");
	sp_event_clear(&ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = SP_EV_FORK;
	ev.pid = ev.tid = 100;
	ev.child = 101;
	feed(in, d, &ev);
	for (int i = 0; i < 3; i++) {
		sys(&ev, 100, 100, "rt_sigsuspend",
		    "sigsuspend@libc.so.6 master_cycle@srv main@srv");
		feed(in, d, &ev);
		if (d)
			assert_string_equal(ev.phase, "serving");
		sp_event_clear(&ev);
		sys(&ev, 101, 101, "epoll_wait",
		    "epoll_wait@libc.so.6 process_events@srv worker_cycle@srv master_cycle@srv "
		    "main@srv");
		feed(in, d, &ev);
		if (d)
			assert_string_equal(ev.phase, "worker serving");
		sp_event_clear(&ev);
	}
}

static void test_infer_server(void **state)
{
	struct sp_infer *in = sp_infer_new("srv");
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	struct sp_detector *d;
	json_t *rules = NULL, *t;
	char *text;
	size_t i;

	(void)state;
	assert_non_null(in);
	life(in, NULL);
	assert_int_equal(sp_infer_rules(in, &rules, &diag), 0);
	text = json_dumps(rules, 0);
	/* The innermost of the program's own functions, for each role. */
	assert_non_null(strstr(text, "\"stack\": [\"master_cycle\"]"));
	assert_non_null(strstr(text, "\"stack\": [\"process_events\"]"));
	assert_null(strstr(text, "\"setup\""));
	assert_null(strstr(text, "\"sigsuspend\""));
	json_array_foreach(json_object_get(rules, "transitions"), i, t) {
		assert_non_null(json_object_get(t, "comment"));
	}
	free(text);
	assert_string_equal(json_string_value(json_object_get(rules, "name")), "srv-inferred");
	assert_int_equal(sp_rules_from_json(rules, "inferred", &r, &diag), 0);
	d = sp_detector_new(r);
	life(NULL, d);
	sp_detector_free(d);
	sp_rules_free(r);
	json_decref(rules);
	sp_infer_free(in);
}

/* No program function names, or no recurring wait: -ENODATA, said. */
static void test_infer_nothing(void **state)
{
	struct sp_infer *in = sp_infer_new("srv");
	struct sp_diag diag = {{0}};
	struct sp_event ev;
	json_t *rules = NULL;

	(void)state;
	sys(&ev, 100, 100, "poll", "poll@libc.so.6");
	assert_int_equal(sp_infer_feed(in, &ev), 0);
	sp_event_clear(&ev);
	assert_int_equal(sp_infer_rules(in, &rules, &diag), -ENODATA);
	assert_non_null(strstr(diag.msg, "--stack"));
	assert_null(rules);
	sp_infer_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_infer_server),
	    cmocka_unit_test(test_infer_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
