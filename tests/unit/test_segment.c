/* SPDX-License-Identifier: MIT */
/*
 * The one segmentation pipeline and the one rules loader (trace/segment.c):
 * which rules a trace gets, what an unstamped event is, what a callback
 * sees, and the rules loader's refusals (a header naming a file, a
 * directory, a file that is not JSON rules: never quoted).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/trace.h"

static char dir[] = "/tmp/sp-test-segment-XXXXXX";

static void path_in(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * A trace of one process: execve, getcwd, exit_group, exit; phases are
 * stamped as given (NULL: none) and rules names the header's rules.
 */
static void write_trace(const char *path, const char *rules, const char *const stamps[4])
{
	struct sp_trace_header h = {.kernel = "6.1", .arch = "x86_64", .rules = rules};
	struct sp_trace_writer *w = NULL;
	static const char *const names[] = {"execve", "getcwd", "exit_group"};
	static const long nrs[] = {59, 79, 231};
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	h.command = json_pack("[s]", "/bin/pwd");
	assert_int_equal(sp_trace_writer_new(f, &h, &w), 0);
	for (int i = 0; i < 4; i++) {
		struct sp_event ev = {.tid = 7, .pid = 7, .ts = i * 0.5, .phase = stamps[i]};

		if (i < 3) {
			ev.type = SP_EV_SYSCALL;
			ev.name = names[i];
			ev.nr = nrs[i];
			ev.has_exit = i < 2;
		} else {
			ev.type = SP_EV_EXIT;
			ev.whole_process = true;
		}
		assert_int_equal(sp_trace_write(w, &ev), 0);
	}
	assert_int_equal(sp_trace_writer_free(w), 0);
	assert_int_equal(fclose(f), 0);
	json_decref(h.command);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A header is data: only built-in names are loaded from it. */
static void test_header_rules(void **state)
{
	struct sp_rules *r = NULL;
	struct sp_diag diag = {{0}};
	char secret[256];

	(void)state;
	path_in(secret, sizeof(secret), "secret.json");
	write_text(secret, "root:TOPSECRET:19000:0:99999:7:::\n");
	assert_int_equal(sp_segment_rules_load(secret, SP_RULES_FROM_HEADER, NULL, &r, &diag),
	                 -EPERM);
	assert_null(r);
	assert_null(strstr(diag.msg, "TOPSECRET"));
	assert_non_null(strstr(diag.msg, "--rules"));
	assert_int_equal(sp_segment_rules_load("../pwd", SP_RULES_FROM_HEADER, NULL, &r, &diag),
	                 -EPERM);
	assert_int_equal(sp_segment_rules_load("pwd.json", SP_RULES_FROM_HEADER, NULL, &r, &diag),
	                 -EPERM);
	/* A control character in the header's string does not reach the message. */
	assert_int_equal(
	    sp_segment_rules_load("a\n\x1b[2Jb/c", SP_RULES_FROM_HEADER, NULL, &r, &diag), -EPERM);
	assert_null(strchr(diag.msg, '\n'));
	assert_null(strchr(diag.msg, '\x1b'));
	assert_int_equal(sp_segment_rules_load("pwd", SP_RULES_FROM_HEADER, NULL, &r, &diag), 0);
	assert_string_equal(sp_rules_name(r), "pwd");
	sp_rules_free(r);
}

/* The user's --rules: directories, non-JSON and non-rules are refused in one unquoting line. */
static void test_user_rules(void **state)
{
	struct sp_rules *r = NULL;
	struct sp_diag diag = {{0}};
	char path[256], want[300];

	(void)state;
	path_in(path, sizeof(path), "secret");
	write_text(path, "root:TOPSECRET:19000:0:99999:7:::\n");
	assert_int_equal(sp_segment_rules_load(path, SP_RULES_FROM_USER, NULL, &r, &diag), -EINVAL);
	snprintf(want, sizeof(want), "%s:1:", path);
	assert_memory_equal(diag.msg, want, strlen(want));
	assert_non_null(strstr(diag.msg, "not a JSON rule file"));
	assert_null(strstr(diag.msg, "root"));
	assert_null(strstr(diag.msg, "TOPSECRET"));

	path_in(path, sizeof(path), "other.json");
	write_text(path, "{\"TOPSECRET\": 1}");
	assert_int_equal(sp_segment_rules_load(path, SP_RULES_FROM_USER, NULL, &r, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "not a sysphase rule set"));
	assert_null(strstr(diag.msg, "TOPSECRET"));

	path_in(path, sizeof(path), "rules.d/");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sp_segment_rules_load(path, SP_RULES_FROM_USER, NULL, &r, &diag), -EISDIR);
	assert_non_null(strstr(diag.msg, "is a directory"));
	assert_null(strstr(diag.msg, "Input/output"));

	path_in(path, sizeof(path), "missing.json");
	assert_int_equal(sp_segment_rules_load(path, SP_RULES_FROM_USER, NULL, &r, &diag), -ENOENT);

	/* A real rule file with a mistake still gets the rules parser's file:line:col. */
	path_in(path, sizeof(path), "typo.json");
	write_text(path, "{\"phases\": [{\"name\": \"a\", \"description\": \"d\"}],\n "
	                 "\"transitions\": [{\"from\": \"a\", "
	                 "\"to\": \"b\", \"when\": {\"syscall\": \"read\"}}]}\n");
	assert_int_equal(sp_segment_rules_load(path, SP_RULES_FROM_USER, NULL, &r, &diag), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:", path);
	assert_memory_equal(diag.msg, want, strlen(want));
	assert_null(r);
}

struct seen {
	int events, transitions, stop_at;
	char phases[8][64];
	char stamps[8][64];
	long lines[8];
};

static int on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct seen *s = ctx;

	if (s->events < 8) {
		snprintf(s->phases[s->events], 64, "%s", ev->phase ? ev->phase : "(null)");
		snprintf(s->stamps[s->events], 64, "%s", info->stamp ? info->stamp : "(null)");
		s->lines[s->events] = info->line;
	}
	s->events++;
	s->transitions += info->tr != NULL;
	return s->stop_at && s->events == s->stop_at ? 42 : 0;
}

static int run(const char *trace, const char *rules, struct seen *s, struct sp_diag *diag)
{
	struct sp_segment_opts o = {.trace = trace, .rules = rules};
	struct sp_segment_sink sink = {.event = on_event, .ctx = s};
	struct sp_segment *seg = NULL;
	int rc = sp_segment_open(&o, &seg, diag);

	if (rc < 0)
		return rc;
	rc = sp_segment_run(seg, &sink, diag);
	sp_segment_free(seg);
	return rc;
}

static void test_stamps_and_recut(void **state)
{
	static const char *const stamped[4] = {"execution initiation", "reading configuration",
	                                       "termination", "termination"};
	static const char *const none[4] = {NULL, NULL, NULL, NULL};
	struct sp_diag diag = {{0}};
	struct seen s = {0};
	char trace[256], plain[256];

	(void)state;
	path_in(trace, sizeof(trace), "stamped.jsonl");
	write_trace(trace, "pwd", stamped);
	/* The trace's stamps, as written; no detector, no transitions. */
	assert_int_equal(run(trace, NULL, &s, &diag), 0);
	assert_int_equal(s.events, 4);
	assert_int_equal(s.transitions, 0);
	assert_string_equal(s.phases[1], "reading configuration");
	assert_int_equal(s.lines[0], 2);
	assert_int_equal(s.lines[3], 5);

	/* Re-cut: the detector's phases, the trace's stamps alongside. */
	path_in(plain, sizeof(plain), "plain.jsonl");
	write_trace(plain, NULL, none);
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(plain, "pwd", &s, &diag), 0);
	assert_int_equal(s.events, 4);
	assert_true(s.transitions >= 1);
	assert_string_equal(s.phases[0], "execution initiation");
	assert_string_equal(s.stamps[0], "(null)");

	/* No stamps and no rules: cut with generic, the rule set for any program. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(plain, NULL, &s, &diag), 0);
	assert_int_equal(s.events, 4);
	assert_string_equal(s.phases[0], "execution initiation");
	assert_string_equal(s.stamps[0], "(null)");

	/* A callback's non-zero return stops the run and comes back. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(run(trace, NULL, &s, &diag), 42);
	assert_int_equal(s.events, 2);
}

/* An unstamped event in a stamped trace is an error at its line, whoever reads it. */
static void test_unstamped_event(void **state)
{
	static const char *const holes[4] = {"execution initiation", NULL, "termination",
	                                     "termination"};
	struct sp_diag diag = {{0}};
	struct seen s = {0};
	char trace[256], want[300];

	(void)state;
	path_in(trace, sizeof(trace), "hole.jsonl");
	write_trace(trace, "pwd", holes);
	assert_int_equal(run(trace, NULL, &s, &diag), -EINVAL);
	assert_int_equal(s.events, 1);
	snprintf(want, sizeof(want), "%s:3:1: event without a phase stamp", trace);
	assert_memory_equal(diag.msg, want, strlen(want));
}

/* A header naming a file: stamps are used, the rules are not loaded, the note says why. */
static void test_header_file_rules(void **state)
{
	static const char *const stamped[4] = {"a", "a", "b", "b"};
	struct sp_segment_opts o = {0};
	struct sp_segment *seg = NULL;
	struct sp_diag diag = {{0}};
	char trace[256], rules[256];

	(void)state;
	path_in(rules, sizeof(rules), "secret.json");
	write_text(rules, "root:TOPSECRET\n");
	path_in(trace, sizeof(trace), "filerules.jsonl");
	write_trace(trace, rules, stamped);
	o.trace = trace;
	assert_int_equal(sp_segment_open(&o, &seg, &diag), 0);
	assert_null(sp_segment_rules(seg));
	assert_false(sp_segment_recut(seg));
	assert_non_null(sp_segment_note(seg));
	assert_null(strstr(sp_segment_note(seg), "TOPSECRET"));
	assert_string_equal(sp_segment_rules_name(seg), rules);
	sp_segment_free(seg);
	/* A command that embeds the rules (export) cannot go on without them. */
	o.need_rules = true;
	assert_int_equal(sp_segment_open(&o, &seg, &diag), -EPERM);
	assert_null(seg);
	assert_null(strstr(diag.msg, "TOPSECRET"));
}

/* Sniffing keeps every byte: the reader gets the header the sniffer read. */
static void test_input_sniff(void **state)
{
	static const char *const stamped[4] = {"a", "a", "b", "b"};
	struct sp_input *in = NULL;
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {{0}};
	struct sp_event ev = {0};
	char trace[256], other[256], *text = NULL;
	size_t len = 0;
	int n = 0;

	(void)state;
	path_in(trace, sizeof(trace), "sniff.jsonl");
	write_trace(trace, "pwd", stamped);
	assert_int_equal(sp_input_open(trace, &in, &diag), 0);
	assert_int_equal(sp_input_kind(in), SP_INPUT_TRACE);
	assert_int_equal(sp_trace_reader_from_input(&in, &r, &diag), 0);
	assert_null(in);
	while (sp_trace_read(r, &ev, &diag) == 1)
		n++;
	assert_int_equal(n, 4);
	sp_event_clear(&ev);
	sp_trace_reader_free(r);

	path_in(other, sizeof(other), "policy.json");
	write_text(other, "{\n  \"format\": \"sysphase-policy\"\n}\n");
	assert_int_equal(sp_input_open(other, &in, &diag), 0);
	assert_int_equal(sp_input_kind(in), SP_INPUT_OTHER);
	assert_int_equal(sp_input_slurp(in, &text, &len, &diag), 0);
	assert_string_equal(text, "{\n  \"format\": \"sysphase-policy\"\n}\n");
	free(text);
	sp_input_free(in);

	assert_int_equal(sp_input_open(dir, &in, &diag), -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_rules),      cmocka_unit_test(test_user_rules),
	    cmocka_unit_test(test_stamps_and_recut),  cmocka_unit_test(test_unstamped_event),
	    cmocka_unit_test(test_header_file_rules), cmocka_unit_test(test_input_sniff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
