/* SPDX-License-Identifier: MIT */
/*
 * The HTML report writer on events made here: the same events feed the
 * timeline, the policy builder and the report collector, as `sysphase
 * report` does.  Checks the picture's parts (a lane per process, a
 * sub-lane per thread, fork edges, exec markers, bands with titles), the
 * summary's drops against the whole run, escaping of names, the axis
 * choice, a report from a policy alone, and the refusals.
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

#include "sysphase/analysis.h"
#include "sysphase/phases.h"

struct run {
	struct sp_timeline *tl;
	struct sp_policy_builder *b;
	struct sp_report *rep;
};

static void feed(struct run *r, struct sp_event ev)
{
	struct sp_diag diag = {{0}};

	assert_int_equal(sp_timeline_feed(r->tl, &ev), 0);
	assert_int_equal(sp_policy_feed(r->b, &ev, &diag), 0);
	assert_int_equal(sp_report_feed(r->rep, &ev), 0);
}

static struct sp_event sys(pid_t pid, pid_t tid, double ts, const char *phase, const char *name)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL,
	                      .tid = tid,
	                      .pid = pid,
	                      .ts = ts,
	                      .abi = SP_ABI_X86_64,
	                      .has_exit = true,
	                      .phase = phase,
	                      .name = name,
	                      .site = "libc.so.6"};

	ev.nr = sp_filter_syscall_nr(name);
	assert_true(ev.nr >= 0);
	return ev;
}

static const char *const order[] = {"start <&>", "serve"};

/*
 * pid 10 execs, starts in "start <&>" (execve, openat, clone), forks pid
 * 11 and moves to "serve" (write, read); pid 11 serves with two threads.
 */
static void run_events(struct run *r)
{
	struct sp_event ev;

	r->tl = sp_timeline_new();
	r->b = sp_policy_builder_new(false, order, 2);
	r->rep = sp_report_new();
	assert_true(r->tl && r->b && r->rep);
	feed(r, sys(10, 10, 0.0001, order[0], "execve"));
	ev = (struct sp_event){.type = SP_EV_EXEC,
	                       .tid = 10,
	                       .pid = 10,
	                       .ts = 0.0002,
	                       .path = "/bin/a\"b",
	                       .phase = order[0]};
	feed(r, ev);
	feed(r, sys(10, 10, 0.0003, order[0], "openat"));
	feed(r, sys(10, 10, 0.0004, order[0], "clone"));
	ev = (struct sp_event){.type = SP_EV_FORK,
	                       .tid = 10,
	                       .pid = 10,
	                       .ts = 0.0005,
	                       .child = 11,
	                       .via = "fork",
	                       .phase = order[0]};
	feed(r, ev);
	feed(r, sys(11, 11, 0.0006, order[1], "read"));
	ev = (struct sp_event){.type = SP_EV_CLONE,
	                       .tid = 11,
	                       .pid = 11,
	                       .ts = 0.0007,
	                       .child = 12,
	                       .via = "clone3",
	                       .phase = order[1]};
	feed(r, ev);
	feed(r, sys(10, 10, 0.0008, order[1], "write"));
	for (int i = 0; i < 50; i++)
		feed(r, sys(11, 12, 0.001 + i * 0.01, order[1], "write"));
	feed(r, sys(10, 10, 0.6, order[1], "read"));
}

/* The report as a string (free()). */
static char *write_report(struct run *r, const struct sp_report_input *in, int want_rc)
{
	char *text = NULL, *copy;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(sp_report_write(r ? r->rep : NULL, in, f), want_rc);
	fclose(f);
	/*
	 * A copy: GCC 12 -O3 believes strstr() results on the memstream buffer
	 * may point at the local "text" itself (its address escaped into f) and
	 * warns -Wdangling-pointer in count().
	 */
	copy = strdup(text);
	free(text);
	assert_non_null(copy);
	return copy;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void free_run(struct run *r, struct sp_policy *p, json_t *tl)
{
	sp_policy_free(p);
	json_decref(tl);
	sp_timeline_free(r->tl);
	sp_report_free(r->rep);
}

static void test_trace_report(void **state)
{
	struct run r;
	struct sp_diag diag = {{0}};
	struct sp_policy *p = NULL;
	json_t *tl;
	char *html;

	(void)state;
	run_events(&r);
	assert_int_equal(sp_policy_builder_finish(r.b, &p, &diag), 0);
	tl = sp_timeline_to_json(r.tl, true);
	html =
	    write_report(&r,
	                 &(struct sp_report_input){
			     .title = "t<i>tle", .timeline = tl, .policy = p, .generator = "test"},
	                 0);
	assert_true(strncmp(html, "<!DOCTYPE html>\n<html", 21) == 0);
	assert_non_null(strstr(html, "</html>\n"));
	assert_null(strstr(html, "http:"));
	assert_null(strstr(html, "https:"));
	assert_null(strstr(html, "<script"));
	/* Two processes, the second with two threads. */
	assert_int_equal(count(html, "<g class=\"lane\""), 2);
	assert_int_equal(count(html, "class=\"sl\""), 2);
	assert_int_equal(count(html, "<line class=\"fork\""), 1);
	assert_int_equal(count(html, "<path class=\"execm\""), 1);
	/* Process bands: 10 has two phases, 11 one; sub-lane bands are extra. */
	assert_int_equal(count(html, "<rect class=\"band\""), 3);
	assert_int_equal(count(html, "<rect class=\"band sub\""), 2);
	/* The phase graph: start -> serve as a transition (pid 10) and a fork (pid 11). */
	assert_int_equal(sp_policy_edge_count(p), 2);
	assert_int_equal(count(html, "<path class=\"edge\""), 1);
	assert_int_equal(count(html, "<path class=\"edge fork-e\""), 1);
	/* Names are escaped everywhere. */
	assert_null(strstr(html, "start <&>"));
	assert_non_null(strstr(html, "start &lt;&amp;&gt;"));
	assert_non_null(strstr(html, "t&lt;i&gt;tle"));
	assert_non_null(strstr(html, "/bin/a&quot;b"));
	/*
	 * Whole run: execve openat clone read write.  "serve" keeps read and
	 * write: it drops execve and openat (L1, via open) and clone (L2).
	 */
	assert_non_null(strstr(html, "<tr class=\"whole\" data-phase=\"\" data-distinct=\"5\">"));
	assert_non_null(strstr(html, "data-phase=\"serve\" data-distinct=\"2\" data-enforce=\"2\" "
	                             "data-drop-l1=\"2\" data-drop-l2=\"1\""));
	assert_non_null(strstr(html, "data-distinct=\"3\" data-enforce=\"5\" data-drop-l1=\"0\" "
	                             "data-drop-l2=\"0\""));
	/* 0.1 ms to 0.6 s with a 0.7 ms phase: auto picks the log axis. */
	assert_non_null(strstr(html, "time (log axis)"));
	free(html);
	html = write_report(&r,
	                    &(struct sp_report_input){
				.title = "x", .timeline = tl, .policy = p, .axis = SP_AXIS_LINEAR},
	                    0);
	assert_non_null(strstr(html, "time (linear axis)"));
	free(html);
	free_run(&r, p, tl);
}

static void test_policy_only_and_refusals(void **state)
{
	struct run r;
	struct sp_diag diag = {{0}};
	struct sp_policy *p = NULL;
	json_t *tl;
	char *html;

	(void)state;
	run_events(&r);
	assert_int_equal(sp_policy_builder_finish(r.b, &p, &diag), 0);
	tl = sp_timeline_to_json(r.tl, true);
	/* A policy alone: one activity band per phase, no lanes. */
	html = write_report(NULL, &(struct sp_report_input){.title = "p", .policy = p}, 0);
	assert_int_equal(count(html, "<rect class=\"band\""), 2);
	assert_int_equal(count(html, "<g class=\"lane\""), 0);
	assert_int_equal(count(html, "<section class=\"phase\""), 2);
	free(html);
	/* A timeline without a policy says why. */
	html = write_report(&r,
	                    &(struct sp_report_input){
				.title = "t", .timeline = tl, .policy_note = "an empty <phase>"},
	                    0);
	assert_non_null(strstr(html, "No allowlists: an empty &lt;phase&gt;"));
	free(html);
	free(write_report(&r, &(struct sp_report_input){.timeline = tl}, -EINVAL));
	free(write_report(&r, &(struct sp_report_input){.title = "nothing"}, -EINVAL));
	free_run(&r, p, tl);
}

static void test_axis_names(void **state)
{
	(void)state;
	for (int a = SP_AXIS_AUTO; a <= SP_AXIS_LOG; a++)
		assert_int_equal(
		    sp_report_axis_from_name(sp_report_axis_name((enum sp_report_axis)a)), a);
	assert_int_equal(sp_report_axis_from_name("sideways"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trace_report),
	    cmocka_unit_test(test_policy_only_and_refusals),
	    cmocka_unit_test(test_axis_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
