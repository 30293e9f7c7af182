/* SPDX-License-Identifier: MIT */
/*
 * The rule loader: one test per class of error, each checking the message
 * and the line:column it points at.  The expected position is marked with
 * '@' in the rule text (the marker is removed before parsing), so the
 * tests say where the error is rather than counting columns by hand.
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

/* Parses text (with its '@' marker removed); returns rc and fills msg. */
static int parse_marked(const char *marked, char *msg, size_t n, char *where, size_t wn)
{
	char *text = strdup(marked);
	const char *at = strchr(marked, '@');
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	int line = 1, col = 1, rc;

	assert_non_null(text);
	if (at) {
		for (const char *p = marked; p < at; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xc0) != 0x80) {
				col++;
			}
		}
		memmove(text + (at - marked), text + (at - marked) + 1, strlen(at));
	}
	snprintf(where, wn, "t.json:%d:%d: ", line, col);
	rc = sp_rules_parse(text, strlen(text), "t.json", &r, &diag);
	snprintf(msg, n, "%s", diag.msg);
	if (rc == 0)
		sp_rules_free(r);
	free(text);
	return rc;
}

/* Asserts that marked text fails with message `expect` at its '@'. */
static void expect_error(const char *marked, const char *expect)
{
	char msg[1024], where[64], full[1200];
	int rc = parse_marked(marked, msg, sizeof(msg), where, sizeof(where));

	assert_int_equal(rc, -EINVAL);
	snprintf(full, sizeof(full), "%s%s", where, expect);
	assert_string_equal(msg, full);
}

/* A valid two-phase skeleton whose trigger the tests replace. */
static char *with_trigger(const char *trigger)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
	         "{\n"
	         "\t\"phases\": [\n"
	         "\t\t{\"name\": \"a\", \"description\": \"first\"},\n"
	         "\t\t{\"name\": \"b\", \"description\": \"second\"}\n"
	         "\t],\n"
	         "\t\"transitions\": [\n"
	         "\t\t{\"from\": \"a\", \"to\": \"b\", \"when\": %s}\n"
	         "\t]\n"
	         "}\n",
	         trigger);
	return buf;
}

static void test_valid_skeleton(void **state)
{
	char msg[1024], where[64];

	(void)state;
	assert_int_equal(parse_marked(with_trigger("{\"syscall\": \"openat\"}"), msg, sizeof(msg),
	                              where, sizeof(where)),
	                 0);
}

static void test_json_syntax(void **state)
{
	(void)state;
	/* jansson reports the position of the token it could not take. */
	expect_error("{\n\t\"phases\": [\n\t\t{\"name\": \"a\",@, \"x\"}\n\t]\n}\n",
	             "string or '}' expected near ','");
}

static void test_json_duplicate_key(void **state)
{
	char msg[1024], where[64];

	(void)state;
	assert_int_equal(parse_marked("{\"name\": \"x\", \"name\": \"y\", \"phases\": []}", msg,
	                              sizeof(msg), where, sizeof(where)),
	                 -EINVAL);
	assert_non_null(strstr(msg, "duplicate object key"));
	assert_true(!strncmp(msg, "t.json:1:", 9));
}

static void test_unknown_key_suggests(void **state)
{
	(void)state;
	expect_error(with_trigger("{@\"sycall\": \"openat\"}"),
	             "unknown key \"sycall\" (did you mean \"syscall\"?)");
	expect_error(
	    "{\"phases\": [{\"name\": \"a\", \"description\": \"d\"}], @\"transition\": []}",
	    "unknown key \"transition\" (did you mean \"transitions\"?)");
}

static void test_unknown_syscall_suggests(void **state)
{
	(void)state;
	expect_error(with_trigger("{\"syscall\": @\"opnat\"}"),
	             "unknown syscall \"opnat\" (did you mean \"openat\"?)");
	expect_error(with_trigger("{\"syscall\": [\"read\", @\"no_such_call_at_all\"]}"),
	             "unknown syscall \"no_such_call_at_all\"");
}

static void test_unknown_phase(void **state)
{
	(void)state;
	expect_error("{\n\"phases\": [{\"name\": \"alpha\", \"description\": \"d\"},\n"
	             "  {\"name\": \"beta\", \"description\": \"d\"}],\n"
	             "\"transitions\": [{\"from\": \"alpha\", \"to\": @\"btea\", \"when\": {}}]\n}",
	             "unknown phase \"btea\" (did you mean \"beta\"?)");
	expect_error("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"}],\n"
	             " \"initial\": @\"zzz\"}",
	             "unknown phase \"zzz\"");
	expect_error("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},\n"
	             "  {\"name\": \"b\", \"description\": \"d\"}],\n"
	             " \"on_fork\": [{\"parent\": \"a\", \"child\": @\"c\"}]}",
	             "unknown phase \"c\"");
}

static void test_unreachable_phase(void **state)
{
	(void)state;
	expect_error("{\n\t\"phases\": [\n"
	             "\t\t{\"name\": \"a\", \"description\": \"d\"},\n"
	             "\t\t{\"name\": \"b\", \"description\": \"d\"},\n"
	             "\t\t{\"name\": @\"orphan\", \"description\": \"d\"}\n\t],\n"
	             "\t\"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"when\": {}}]\n}\n",
	             "phase \"orphan\" is unreachable from the initial phase \"a\"");
}

static void test_on_fork_makes_reachable(void **state)
{
	char msg[1024], where[64];

	(void)state;
	/* A phase only a forked child can be in is reachable. */
	assert_int_equal(parse_marked("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	                              " {\"name\": \"child\", \"description\": \"d\"}],"
	                              " \"on_fork\": \"child\"}",
	                              msg, sizeof(msg), where, sizeof(where)),
	                 0);
}

static void test_malformed_glob(void **state)
{
	(void)state;
	expect_error(with_trigger("{\"args\": {\"pathname\": @\"/etc/[abc\"}}"),
	             "malformed glob \"/etc/[abc\": unterminated '[' in glob at offset 5");
	expect_error(with_trigger("{\"site\": [\"libc*\", @\"ld\\\\\"]}"),
	             "malformed glob \"ld\\\": glob ends in an unescaped backslash at offset 2");
	expect_error(with_trigger("{\"args\": {\"pathname\": {\"glob\": @\"\"}}}"),
	             "malformed glob \"\": empty glob at offset 0");
}

static void test_unknown_flag(void **state)
{
	(void)state;
	expect_error(with_trigger("{\"args\": {\"flags\": {\"set\": @\"O_WRONLY|O_APEND\"}}}"),
	             "unknown flag \"O_APEND\" (did you mean \"O_APPEND\"?)");
	expect_error(with_trigger("{\"args\": {\"flags\": {\"set\": @\"O_RDONLY\"}}}"),
	             "\"O_RDONLY\" has no bits to test (O_RDONLY is 0: test that O_WRONLY|O_RDWR "
	             "are clear instead)");
}

static void test_unknown_signal_errno_family(void **state)
{
	(void)state;
	expect_error(with_trigger("{\"signal\": @\"SIGHUPP\"}"),
	             "unknown signal \"SIGHUPP\" (did you mean \"SIGHUP\"?)");
	expect_error(with_trigger("{\"syscall\": \"mkdir\", \"errno\": @\"EEXISTS\"}"),
	             "unknown errno name \"EEXISTS\"");
	expect_error(with_trigger("{\"args\": {\"domain\": {\"family\": @\"AF_INETT\"}}}"),
	             "unknown address family \"AF_INETT\"");
	/* A socket fd has a family; a path does not. */
	expect_error(with_trigger("{\"syscall\": \"openat\", \"args\": {\"pathname\": "
	                          "@{\"family\": \"AF_INET\"}}}"),
	             "\"family\" applies to socket domains, addresses and socket fds, and pathname "
	             "of openat is not one");
}

static void test_event_kinds(void **state)
{
	(void)state;
	expect_error(with_trigger("{\"event\": @\"forkk\"}"),
	             "unknown event \"forkk\" (did you mean \"fork\"?)");
	expect_error(with_trigger("{\"signal\": \"SIGHUP\", @\"args\": {\"x\": 1}}"),
	             "\"args\" does not apply to signal events");
	expect_error(with_trigger("{\"after\": {\"syscall\": \"setuid\", @\"after\": {}}}"),
	             "\"after\" cannot be nested");
	expect_error(with_trigger("{\"nth\": @0}"), "\"nth\" takes a positive integer");
}

static void test_phase_definitions(void **state)
{
	(void)state;
	expect_error("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},\n"
	             "  {\"name\": @\"a\", \"description\": \"again\"}]}",
	             "duplicate phase \"a\"");
	expect_error("{\"phases\": [@{\"name\": \"a\"}]}",
	             "phase \"a\" needs a one-line \"description\"");
	expect_error("{\"phases\": @[]}", "\"phases\" must be a non-empty array");
	expect_error("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},\n"
	             "  {\"name\": \"b\", \"description\": \"d\"}],\n"
	             " \"transitions\": [{\"from\": @\"b\", \"to\": \"b\", \"when\": {}}]}",
	             "a transition from a phase to itself never fires");
	expect_error(with_trigger("{\"syscall\": \"read\"}, \"belongs\": @\"after\""),
	             "\"belongs\" is \"to\" (the phase the event opens) or \"from\" (the one it "
	             "closes)");
}

static void test_utf8_columns(void **state)
{
	(void)state;
	/* Columns count characters, like jansson's: "é" is one column. */
	expect_error(with_trigger("{\"comment\": \"é\", \"syscall\": @\"opnat\"}"),
	             "unknown syscall \"opnat\" (did you mean \"openat\"?)");
}

static void test_from_json_uses_pointers(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	json_t *root = json_loads("{\"phases\": [{\"name\": \"a\", \"description\": \"d\"},"
	                          " {\"name\": \"b\", \"description\": \"d\"}],"
	                          " \"transitions\": [{\"from\": \"a\", \"to\": \"b\","
	                          " \"when\": {\"syscall\": \"opnat\"}}]}",
	                          0, NULL);

	(void)state;
	assert_non_null(root);
	assert_int_equal(sp_rules_from_json(root, "policy.json", &r, &diag), -EINVAL);
	assert_string_equal(diag.msg, "policy.json: /transitions/0/when/syscall: unknown syscall "
	                              "\"opnat\" (did you mean \"openat\"?)");
	json_decref(root);
}

static void test_builtins_load_and_round_trip(void **state)
{
	static const char *const names[] = {"nginx", "pwd", "generic"};
	static const size_t nphases[] = {13, 7, 7};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct sp_diag diag = {{0}};
		struct sp_rules *r = NULL, *back = NULL;
		json_t *j;

		assert_int_equal(sp_rules_load(names[i], NULL, &r, &diag), 0);
		assert_string_equal(sp_rules_name(r), names[i]);
		assert_int_equal(sp_rules_phase_count(r), nphases[i]);
		assert_int_equal(sp_rules_initial(r), 0);
		j = sp_rules_to_json(r);
		assert_non_null(j);
		assert_int_equal(sp_rules_from_json(j, names[i], &back, &diag), 0);
		assert_int_equal(sp_rules_phase_count(back), sp_rules_phase_count(r));
		assert_int_equal(sp_rules_edge_count(back), sp_rules_edge_count(r));
		for (int k = 0; k < (int)sp_rules_phase_count(r); k++) {
			assert_string_equal(sp_rules_phase_name(back, k),
			                    sp_rules_phase_name(r, k));
			assert_int_equal(sp_rules_phase_final(back, k), sp_rules_phase_final(r, k));
			assert_int_equal(sp_rules_on_fork(back, k), sp_rules_on_fork(r, k));
		}
		json_decref(j);
		sp_rules_free(back);
		sp_rules_free(r);
	}
}

static void test_nginx_accessors(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	int master, worker, serving;

	(void)state;
	assert_int_equal(sp_rules_load("nginx", NULL, &r, &diag), 0);
	master = sp_rules_phase_index(r, "setting up worker processes");
	worker = sp_rules_phase_index(r, "worker process initialization");
	serving = sp_rules_phase_index(r, "accepting and serving requests");
	assert_true(master >= 0 && worker >= 0 && serving >= 0);
	assert_int_equal(sp_rules_on_fork(r, master), worker);
	assert_int_equal(sp_rules_on_fork(r, worker), -1);
	assert_true(sp_rules_phase_final(r, serving));
	assert_false(sp_rules_phase_final(r, master));
	assert_true(sp_rules_phase_has_exits(r, master));
	assert_ptr_equal(sp_rules_phase_intern(r, "shutdown"),
	                 sp_rules_phase_name(r, sp_rules_phase_index(r, "shutdown")));
	assert_null(sp_rules_phase_intern(r, "no such phase"));
	assert_int_equal(sp_rules_phase_index(r, "no such phase"), -ENOENT);
	assert_null(sp_rules_phase_name(r, 99));
	sp_rules_free(r);
}

static void test_load_errors(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;

	(void)state;
	assert_int_equal(sp_rules_load("nosuchset", NULL, &r, &diag), -ENOENT);
	assert_non_null(strstr(diag.msg, "no built-in rule set \"nosuchset\""));
	assert_int_equal(sp_rules_load("/nonexistent/x.json", NULL, &r, &diag), -ENOENT);
	assert_string_equal(diag.msg, "/nonexistent/x.json: No such file or directory");
}

static struct sp_rules *parse_ok(const char *text)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;

	if (sp_rules_parse(text, strlen(text), "t.json", &r, &diag) != 0)
		fail_msg("%s", diag.msg);
	return r;
}

/* What a rule set needs of a recording: symbolised stacks, strings of some length. */
static void test_needs(void **state)
{
	static const char head[] =
	    "{\"phases\": [{\"name\": \"a\", \"description\": \"a\"}, {\"name\": \"b\", "
	    "\"description\": \"b\"}], \"transitions\": [{\"from\": \"a\", \"to\": \"b\", "
	    "\"when\": ";
	char text[1024];
	struct sp_rules *r;

	(void)state;
	snprintf(text, sizeof(text), "%s%s}]}", head, "{\"syscall\": \"getpid\"}");
	r = parse_ok(text);
	assert_false(sp_rules_need_stack(r));
	assert_int_equal(sp_rules_string_need(r), 0);
	sp_rules_free(r);

	/* A stack trigger inside "after" counts too. */
	snprintf(text, sizeof(text), "%s%s}]}", head,
	         "{\"syscall\": \"getpid\", \"after\": {\"stack\": \"main\"}}");
	r = parse_ok(text);
	assert_true(sp_rules_need_stack(r));
	sp_rules_free(r);

	/* '*' takes nothing, '?' and [...] one each, an escape one: 2 + 1 + 1 + 1 + 3. */
	snprintf(text, sizeof(text), "%s%s}]}", head,
	         "[{\"syscall\": \"openat\", \"args\": {\"pathname\": {\"glob\": "
	         "\"/e*?[abc]\\\\*.so\"}}}, {\"syscall\": \"openat\", \"args\": "
	         "{\"flags\": {\"in\": [\"O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC\"]}}}]");
	r = parse_ok(text);
	assert_false(sp_rules_need_stack(r));
	/* Flag names are numbers, not strings the decoder cuts. */
	assert_int_equal(sp_rules_string_need(r), 8);
	sp_rules_free(r);

	/* "eq" strings compared as text: the path itself. */
	snprintf(text, sizeof(text), "%s%s}]}", head,
	         "{\"syscall\": \"openat\", \"args\": {\"pathname\": {\"eq\": "
	         "\"/etc/nginx/nginx.conf\"}}}");
	r = parse_ok(text);
	assert_int_equal(sp_rules_string_need(r), strlen("/etc/nginx/nginx.conf"));
	sp_rules_free(r);
}

static void test_rules_dir_env(void **state)
{
	const char *data = getenv("SYSPHASE_TEST_DATA");
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL;
	char dir[1024];

	(void)state;
	if (!data)
		skip();
	/* $SYSPHASE_RULES_DIR comes before the installed and source directories. */
	snprintf(dir, sizeof(dir), "%s/rules", data);
	setenv("SYSPHASE_RULES_DIR", dir, 1);
	assert_int_equal(sp_rules_load("bad_unreachable", NULL, &r, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "/rules/bad_unreachable.json:"));
	assert_non_null(strstr(diag.msg, ": phase \"lost\" is unreachable"));
	unsetenv("SYSPHASE_RULES_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_skeleton),
	    cmocka_unit_test(test_json_syntax),
	    cmocka_unit_test(test_json_duplicate_key),
	    cmocka_unit_test(test_unknown_key_suggests),
	    cmocka_unit_test(test_unknown_syscall_suggests),
	    cmocka_unit_test(test_unknown_phase),
	    cmocka_unit_test(test_unreachable_phase),
	    cmocka_unit_test(test_on_fork_makes_reachable),
	    cmocka_unit_test(test_malformed_glob),
	    cmocka_unit_test(test_unknown_flag),
	    cmocka_unit_test(test_unknown_signal_errno_family),
	    cmocka_unit_test(test_event_kinds),
	    cmocka_unit_test(test_phase_definitions),
	    cmocka_unit_test(test_utf8_columns),
	    cmocka_unit_test(test_from_json_uses_pointers),
	    cmocka_unit_test(test_builtins_load_and_round_trip),
	    cmocka_unit_test(test_nginx_accessors),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_rules_dir_env),
	    cmocka_unit_test(test_needs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
