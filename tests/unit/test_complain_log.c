/* SPDX-License-Identifier: MIT */
/*
 * The complain-log format (policy/complain_log.c): what the writer writes
 * the reader reads back unchanged; malformed lines are refused with their
 * position; a stream that cannot be written is an error, never a cut log.
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

#include "sysphase/policy.h"

static void test_round_trip(void **state)
{
	struct sp_event ev = {
	    .type = SP_EV_SYSCALL,
	    .pid = 42,
	    .tid = 43,
	    .ts = 1.25,
	    .abi = SP_ABI_X86_64,
	    .nr = 41,
	    .name = "socket",
	    .args = {2, 1, 0, 0xffffffffffffffffULL, 5, 6},
	    .site = "libc.so.6",
	};
	struct sp_event got;
	struct sp_diag diag = {{0}};
	struct sp_complain_reader *r;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(f);
	assert_int_equal(sp_complain_write(f, &ev, "serving", &diag), 0);
	ev.abi = SP_ABI_I386;
	ev.nr = 20;
	ev.name = NULL;
	ev.site = NULL;
	assert_int_equal(sp_complain_write(f, &ev, "init", &diag), 0);
	fclose(f);

	f = fmemopen(buf, size, "r");
	r = sp_complain_reader_new(f, "mem.log");
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 1);
	assert_int_equal(got.type, SP_EV_SYSCALL);
	assert_int_equal(got.pid, 42);
	assert_int_equal(got.tid, 43);
	assert_int_equal(got.nr, 41);
	assert_string_equal(got.name, "socket");
	assert_string_equal(got.phase, "serving");
	assert_string_equal(got.site, "libc.so.6");
	assert_int_equal(got.abi, SP_ABI_X86_64);
	assert_true(got.args[3] == 0xffffffffffffffffULL && got.args[5] == 6);
	assert_true(got.ts == 1.25);
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 1);
	assert_int_equal(got.abi, SP_ABI_I386);
	assert_null(got.name);
	assert_null(got.site);
	assert_string_equal(got.phase, "init");
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 0);
	assert_int_equal(sp_complain_reader_line(r), 2);
	sp_complain_reader_free(r);
	fclose(f);
	free(buf);
}

/* A call answered by design (complain mode gave enforcing's errno) says so, and reads back as a
 * call. */
static void test_answered(void **state)
{
	struct sp_complaint c = {.pid = 7,
	                         .tid = 7,
	                         .phase = "start",
	                         .name = "io_uring_setup",
	                         .abi = SP_ABI_X86_64,
	                         .nr = 425,
	                         .count = 1,
	                         .first = -1,
	                         .kernel = true,
	                         .answer = EPERM};
	struct sp_diag diag = {{0}};
	struct sp_complain_reader *r;
	struct sp_event got;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	assert_non_null(f);
	assert_int_equal(sp_complain_write_entry(f, &c, &diag), 0);
	c.answer = 0;
	c.name = "io_uring_enter";
	c.nr = 426;
	assert_int_equal(sp_complain_write_entry(f, &c, &diag), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"syscall\":\"io_uring_setup\""));
	assert_non_null(strstr(buf, "\"answer\":\"EPERM\""));
	/* A denial has no answer. */
	assert_null(strstr(strstr(buf, "io_uring_enter"), "answer"));

	f = fmemopen(buf, size, "r");
	r = sp_complain_reader_new(f, "mem.log");
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 1);
	assert_string_equal(got.name, "io_uring_setup");
	assert_string_equal(got.phase, "start");
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 1);
	assert_int_equal(sp_complain_reader_next(r, &got, &diag), 0);
	sp_complain_reader_free(r);
	fclose(f);
	free(buf);
}

/* Landlock lines: read back by their own reader, skipped by the violations' (and back). */
static void test_landlock_lines(void **state)
{
	struct sp_complain_landlock in[3] = {
	    {.pid = 7,
	     .tid = 8,
	     .phase = "work",
	     .syscall = "openat",
	     .path = "/srv/d/x.txt",
	     .fs = SP_LL_FS_READ_FILE,
	     .port = -1,
	     .count = 2,
	     .first = 0.5},
	    {.pid = 7,
	     .phase = "serve",
	     .syscall = "bind",
	     .port = 8080,
	     .net = SP_LL_NET_BIND_TCP,
	     .count = 1,
	     .first = -1},
	    {.pid = 9,
	     .phase = "serve",
	     .syscall = "kill",
	     .port = -1,
	     .scope = SP_LL_SCOPE_SIGNAL,
	     .count = 1,
	     .first = -1},
	};
	struct sp_event ev = {.type = SP_EV_SYSCALL, .pid = 7, .tid = 7, .nr = 2, .name = "open"};
	struct sp_complain_landlock got;
	struct sp_diag diag = {{0}};
	struct sp_complain_reader *r;
	json_t *prog = json_pack("[s]", "/bin/x");
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	(void)state;
	assert_int_equal(sp_complain_write_header_ll(f, prog, "fnv1a64:1", 0, true, &diag), 0);
	assert_int_equal(sp_complain_write_landlock(f, &in[0], &diag), 0);
	assert_int_equal(sp_complain_write(f, &ev, "work", &diag), 0);
	assert_int_equal(sp_complain_write_landlock(f, &in[1], &diag), 0);
	assert_int_equal(sp_complain_write_landlock(f, &in[2], &diag), 0);
	fclose(f);
	json_decref(prog);

	f = fmemopen(buf, size, "r");
	r = sp_complain_reader_new(f, "mem.log");
	assert_int_equal(sp_complain_reader_next(r, &ev, &diag), 1);
	assert_string_equal(ev.name, "open");
	assert_true(sp_complain_reader_landlock_simulated(r));
	assert_false(sp_complain_reader_kernel_only(r));
	assert_int_equal(sp_complain_reader_next(r, &ev, &diag), 0);
	sp_complain_reader_free(r);
	fclose(f);

	f = fmemopen(buf, size, "r");
	r = sp_complain_reader_new(f, "mem.log");
	assert_int_equal(sp_complain_reader_next_landlock(r, &got, &diag), 1);
	assert_string_equal(got.path, "/srv/d/x.txt");
	assert_false(got.dir);
	assert_true(got.fs == SP_LL_FS_READ_FILE && got.port == -1 && got.count == 2);
	assert_int_equal(got.tid, 8);
	assert_int_equal(sp_complain_reader_next_landlock(r, &got, &diag), 1);
	assert_null(got.path);
	assert_true(got.port == 8080 && got.net == SP_LL_NET_BIND_TCP);
	assert_int_equal(sp_complain_reader_next_landlock(r, &got, &diag), 1);
	assert_true(got.scope == SP_LL_SCOPE_SIGNAL && got.port == -1 && !got.path);
	assert_int_equal(sp_complain_reader_next_landlock(r, &got, &diag), 0);
	sp_complain_reader_free(r);
	fclose(f);
	free(buf);

	/* Malformed Landlock lines are refused by either reader. */
	static const char *const bad[] = {
	    "{\"type\":\"landlock\",\"phase\":\"p\",\"pid\":1,\"path\":\"rel\","
	    "\"access\":[\"read_file\"]}\n",
	    "{\"type\":\"landlock\",\"phase\":\"p\",\"pid\":1,\"path\":\"/a\","
	    "\"access\":[\"fly\"]}\n",
	    "{\"type\":\"landlock\",\"phase\":\"p\",\"pid\":1,\"port\":70000,"
	    "\"access\":[\"bind_tcp\"]}\n",
	    "{\"type\":\"landlock\",\"phase\":\"p\",\"pid\":0,\"scope\":[\"signal\"]}\n",
	    "{\"type\":\"landlock\",\"phase\":\"p\",\"pid\":1}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fmemopen((void *)bad[i], strlen(bad[i]), "r");
		r = sp_complain_reader_new(f, "bad.log");
		assert_int_equal(sp_complain_reader_next(r, &ev, &diag), -EINVAL);
		assert_non_null(strstr(diag.msg, "bad.log:1:1: not a Landlock line"));
		sp_complain_reader_free(r);
		fclose(f);
	}
}

static int read_all(const char *text, struct sp_diag *diag)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct sp_complain_reader *r = sp_complain_reader_new(f, "bad.log");
	struct sp_event ev;
	int rc;

	while ((rc = sp_complain_reader_next(r, &ev, diag)) == 1)
		;
	sp_complain_reader_free(r);
	fclose(f);
	return rc;
}

static void test_malformed(void **state)
{
	static const char good[] = "{\"type\":\"violation\",\"phase\":\"p\",\"pid\":1,\"tid\":1,"
				   "\"nr\":1,\"args\":[\"0x1\",\"0\",\"0\",\"0\",\"0\",\"0\"]}\n";
	static const struct {
		const char *text, *says;
	} bad[] = {
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":1,\"tid\":1,\"nr\":1,\"args\":[]}\n",
	     "bad.log:1:1: not a violation line: \"args\" must be six hex strings"},
	    {"\n[1,2]\n", "bad.log:2:1: not a violation line"},
	    {"{\"type\":\"syscall\"}\n", "bad.log:1:1: not a violation line: \"type\""},
	    {"{\"type\":\"violation\",\"phase\":3}\n", "\"phase\" must be a string"},
	    /* Found by fuzz_complain: a tid of -5 was taken (and written back as the pid). */
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":1,\"tid\":-5,\"nr\":1}\n",
	     "a pid or tid is above 0"},
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":4294967297,\"nr\":1}\n",
	     "a pid or tid is above 0"},
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":\"1\",\"tid\":1,\"nr\":1}\n",
	     "must be integers"},
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":1,\"tid\":1,\"nr\":1,\"args\":"
	     "[\"-1\",\"0\",\"0\",\"0\",\"0\",\"0\"]}\n",
	     "six hex strings"},
	    {"{\"type\":\"violation\",\"phase\":\"p\",\"pid\":1,\"tid\":1,\"nr\":1,\"args\":"
	     "[\"0x1g\",\"0\",\"0\",\"0\",\"0\",\"0\"]}\n",
	     "six hex strings"},
	    {"{\"type\":", "bad.log:1:"},
	};
	struct sp_diag diag = {{0}};

	(void)state;
	assert_int_equal(read_all(good, &diag), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&diag, 0, sizeof(diag));
		assert_int_equal(read_all(bad[i].text, &diag), -EINVAL);
		if (!strstr(diag.msg, bad[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, diag.msg, bad[i].says);
	}
}

/* The bug: a full disk cut the log and the run exited 0. */
static void test_write_error(void **state)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL, .nr = 1, .name = "write"};
	struct sp_diag diag = {{0}};
	FILE *f = fopen("/dev/full", "we");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(sp_complain_write(f, &ev, "p", &diag), -ENOSPC);
	assert_non_null(strstr(diag.msg, "No space left on device"));
	fclose(f);
}

static void test_missing_file(void **state)
{
	struct sp_complain_reader *r = (void *)1;
	struct sp_diag diag = {{0}};

	(void)state;
	assert_int_equal(sp_complain_reader_open("/nonexistent/x.log", &r, &diag), -ENOENT);
	assert_null(r);
	assert_non_null(strstr(diag.msg, "/nonexistent/x.log"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_landlock_lines), cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_missing_file),   cmocka_unit_test(test_answered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
