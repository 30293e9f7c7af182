/* SPDX-License-Identifier: MIT */
/*
 * The trace file: every event type written and read back, the exact text
 * of lines, odd strings, errno and signal names, and the reader's
 * diagnostics (truncated last line, malformed middle line, wrong header,
 * type errors).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strerrorname_np, sigabbrev_np */
#endif
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/trace.h"

struct tmp {
	char path[64];
	FILE *f;
};

static void tmp_open(struct tmp *t)
{
	int fd;

	strcpy(t->path, "/tmp/sp-test-trace-XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	t->f = fdopen(fd, "w+");
	assert_non_null(t->f);
}

static void tmp_close(struct tmp *t)
{
	if (t->f)
		fclose(t->f);
	unlink(t->path);
}

/* A file holding exactly text. */
static void tmp_text(struct tmp *t, const char *text)
{
	tmp_open(t);
	assert_int_equal(fputs(text, t->f) >= 0, 1);
	assert_int_equal(fflush(t->f), 0);
}

/* The whole file as a string (caller frees). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static struct sp_trace_header test_header(json_t *cmd)
{
	struct sp_trace_header h = {
	    .command = cmd,
	    .kernel = "6.1.0",
	    .arch = "x86_64",
	    .start_time = 1764158400.123456,
	    .rules = NULL,
	    .entry_only = false,
	    .attached = false,
	};
	return h;
}

static void write_events(struct tmp *t, const struct sp_trace_header *h, const struct sp_event *evs,
                         size_t n)
{
	struct sp_trace_writer *w = NULL;

	tmp_open(t);
	assert_int_equal(sp_trace_writer_new(t->f, h, &w), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sp_trace_write(w, &evs[i]), 0);
	assert_int_equal(sp_trace_writer_free(w), 0);
}

static void test_header_text(void **state)
{
	struct sp_trace_header h;
	json_t *cmd = json_pack("[sss]", "/usr/bin/pwd", "-L", "x\"y");
	struct tmp t;
	char *text;

	(void)state;
	h = test_header(cmd);
	h.rules = "nginx";
	h.attached = true;
	write_events(&t, &h, NULL, 0);
	text = slurp(t.path);
	assert_string_equal(text,
	                    "{\"format\":\"sysphase-trace\",\"version\":1,\"command\":[\"/usr/bin/"
	                    "pwd\",\"-L\",\"x\\\"y\"],\"kernel\":\"6.1.0\",\"arch\":\"x86_64\","
	                    "\"start_time\":1764158400.123456,\"rules\":\"nginx\",\"entry_only\":"
	                    "false,\"attached\":true}\n");
	free(text);
	tmp_close(&t);
	json_decref(cmd);
}

static void test_syscall_line_text(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event ev = {
	    .type = SP_EV_SYSCALL,
	    .ts = 0.000123,
	    .tid = 101,
	    .pid = 100,
	    .abi = SP_ABI_X86_64,
	    .nr = 257,
	    .name = "openat",
	    .args = {0xffffff9c, 0x7ffd1000, 0x80000, 0, 0, 0xffffffffffffffffULL},
	    .has_exit = true,
	    .ret = -2,
	    .err = 2,
	    .site = "libc.so.6",
	    .phase = "init",
	};
	struct tmp t;
	char *text, *nl;

	(void)state;
	ev.dec = json_pack("{s:{s:i,s:s}s:s}", "dirfd", "fd", -100, "kind", "cwd", "path", "/etc");
	assert_non_null(ev.dec);
	write_events(&t, &h, &ev, 1);
	text = slurp(t.path);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1,
	                    "{\"type\":\"syscall\",\"ts\":0.000123,\"tid\":101,\"pid\":100,\"abi\":"
	                    "\"x86_64\",\"nr\":257,\"name\":\"openat\",\"args\":[\"0xffffff9c\","
	                    "\"0x7ffd1000\",\"0x80000\",\"0x0\",\"0x0\",\"0xffffffffffffffff\"],"
	                    "\"dec\":{\"dirfd\":{\"fd\":-100,\"kind\":\"cwd\"},\"path\":\"/etc\"},"
	                    "\"ret\":-2,\"errno\":\"ENOENT\",\"site\":\"libc.so.6\",\"phase\":"
	                    "\"init\"}\n");
	free(text);
	tmp_close(&t);
	sp_event_clear(&ev);
}

/* Every type, and every optional field both present and absent. */
static void test_roundtrip_all_types(void **state)
{
	json_t *cmd = json_array();
	struct sp_trace_header h;
	struct sp_event evs[11] = {0};
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	const struct sp_trace_header *rh;
	struct tmp t;
	size_t i;

	(void)state;
	json_array_append_new(cmd, json_string("prog"));
	/* argv can hold any bytes: the tracer passes them unchecked. */
	json_array_append_new(cmd, json_stringn_nocheck("a\xff"
	                                                "b",
	                                                3));
	h = test_header(cmd);
	h.entry_only = true;

	evs[0] = (struct sp_event){.type = SP_EV_SYSCALL,
	                           .ts = 1.5,
	                           .tid = 7,
	                           .pid = 7,
	                           .abi = SP_ABI_X86_64,
	                           .nr = 1,
	                           .name = "write",
	                           .args = {1, 0x5555, 12, 0, 0, 0},
	                           .has_exit = true,
	                           .ret = 12,
	                           .site = "libc.so.6"};
	evs[0].dec =
	    json_pack("{s:s,s:b}", "buf", "q\"uote\nnew\\line\ttab\x01", "buf_truncated", 1);
	evs[0].stack = json_pack("[{s:s,s:s,s:s,s:i}]", "ip", "0x7f0000001234", "module",
	                         "libc.so.6", "fn", "__GI___libc_write", "off", 23);
	evs[1] = (struct sp_event){.type = SP_EV_SYSCALL,
	                           .ts = 2,
	                           .tid = 8,
	                           .pid = 7,
	                           .abi = SP_ABI_I386,
	                           .nr = 5,
	                           .name = NULL,
	                           .args = {0xffffffff, 1, 2, 3, 4, 5},
	                           .has_exit = false};
	evs[2] = (struct sp_event){.type = SP_EV_SYSCALL,
	                           .ts = 3,
	                           .tid = 8,
	                           .pid = 7,
	                           .abi = SP_ABI_X32,
	                           .nr = 0x40000000 | 257,
	                           .name = "openat",
	                           .has_exit = true,
	                           .ret = -13,
	                           .err = 13,
	                           .phase = "main"};
	evs[2].dec = json_object();
	json_object_set_new(evs[2].dec, "path", json_stringn_nocheck("/tmp/\xc3\x28x", 8));
	evs[3] = (struct sp_event){
	    .type = SP_EV_FORK, .ts = 4, .tid = 7, .pid = 7, .child = 9, .via = "clone"};
	evs[4] = (struct sp_event){.type = SP_EV_CLONE,
	                           .ts = 4.25,
	                           .tid = 7,
	                           .pid = 7,
	                           .child = 10,
	                           .via = "clone3",
	                           .phase = "p"};
	evs[5] = (struct sp_event){
	    .type = SP_EV_EXEC, .ts = 5, .tid = 9, .pid = 9, .path = "/usr/bin/pwd"};
	evs[6] = (struct sp_event){.type = SP_EV_EXEC,
	                           .ts = 5.5,
	                           .tid = 9,
	                           .pid = 9,
	                           .path = "/bin/\"odd\npath",
	                           .former_tid = 11};
	evs[7] = (struct sp_event){.type = SP_EV_SIGNAL, .ts = 6, .tid = 9, .pid = 9, .signo = 1};
	evs[8] =
	    (struct sp_event){.type = SP_EV_SIGNAL, .ts = 6.5, .tid = 9, .pid = 9, .signo = 34};
	evs[9] = (struct sp_event){.type = SP_EV_EXIT,
	                           .ts = 7,
	                           .tid = 9,
	                           .pid = 9,
	                           .whole_process = true,
	                           .killed = false,
	                           .status = 3};
	evs[10] = (struct sp_event){.type = SP_EV_EXIT,
	                            .ts = 8,
	                            .tid = 7,
	                            .pid = 7,
	                            .whole_process = false,
	                            .killed = true,
	                            .signo = 9};

	write_events(&t, &h, evs, 11);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	rh = sp_trace_reader_header(r);
	assert_string_equal(rh->kernel, "6.1.0");
	assert_string_equal(rh->arch, "x86_64");
	assert_true(rh->start_time == 1764158400.123456);
	assert_null(rh->rules);
	assert_true(rh->entry_only);
	assert_false(rh->attached);
	assert_int_equal(json_array_size(rh->command), 2);
	assert_string_equal(json_string_value(json_array_get(rh->command, 0)), "prog");
	/* The invalid byte comes back as U+00FF, in UTF-8. */
	assert_string_equal(json_string_value(json_array_get(rh->command, 1)), "a\xc3\xbf"
	                                                                       "b");

	for (i = 0; i < 11; i++) {
		const struct sp_event *w = &evs[i];

		assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
		assert_int_equal(sp_trace_reader_line(r), (long)i + 2);
		assert_int_equal(ev.type, w->type);
		assert_true(ev.ts == w->ts);
		assert_int_equal(ev.tid, w->tid);
		assert_int_equal(ev.pid, w->pid);
		if (w->phase)
			assert_string_equal(ev.phase, w->phase);
		else
			assert_null(ev.phase);
		switch (w->type) {
		case SP_EV_SYSCALL:
			assert_int_equal(ev.abi, w->abi);
			assert_int_equal(ev.nr, w->nr);
			if (w->name)
				assert_string_equal(ev.name, w->name);
			else
				assert_null(ev.name);
			assert_memory_equal(ev.args, w->args, sizeof(ev.args));
			assert_int_equal(ev.has_exit, w->has_exit);
			assert_int_equal(ev.ret, w->ret);
			assert_int_equal(ev.err, w->err);
			if (w->site)
				assert_string_equal(ev.site, w->site);
			else
				assert_null(ev.site);
			if (i == 2) {
				/* \xc3 not followed by a continuation byte is escaped alone. */
				assert_string_equal(
				    json_string_value(json_object_get(ev.dec, "path")),
				    "/tmp/\xc3\x83(x");
			} else if (w->dec) {
				assert_true(json_equal(ev.dec, w->dec));
			} else {
				assert_null(ev.dec);
			}
			if (w->stack)
				assert_true(json_equal(ev.stack, w->stack));
			else
				assert_null(ev.stack);
			break;
		case SP_EV_FORK:
		case SP_EV_CLONE:
			assert_int_equal(ev.child, w->child);
			assert_string_equal(ev.via, w->via);
			break;
		case SP_EV_EXEC:
			assert_string_equal(ev.path, w->path);
			assert_int_equal(ev.former_tid, w->former_tid);
			break;
		case SP_EV_SIGNAL:
			assert_int_equal(ev.signo, w->signo);
			break;
		case SP_EV_EXIT:
			assert_int_equal(ev.whole_process, w->whole_process);
			assert_int_equal(ev.killed, w->killed);
			assert_int_equal(ev.status, w->status);
			assert_int_equal(ev.signo, w->signo);
			break;
		}
	}
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	assert_false(sp_trace_reader_truncated(r));
	sp_event_clear(&ev);
	sp_trace_reader_free(r);

	/* Signal names, and "sig" next to "signo" of a killed exit. */
	{
		char *text = slurp(t.path);

		assert_non_null(strstr(text, "\"signo\":1,\"sig\":\"SIGHUP\"}"));
		assert_non_null(strstr(text, "\"signo\":34,\"sig\":\"SIGRT_2\"}"));
		assert_non_null(
		    strstr(text, "\"whole_process\":false,\"killed\":true,\"signo\":9,\"sig\":"
		                 "\"SIGKILL\"}"));
		assert_non_null(strstr(text, "\"abi\":\"i386\",\"nr\":5,\"name\":null,"));
		assert_non_null(strstr(text, "\"/tmp/\\u00C3(x\""));
		assert_non_null(
		    strstr(text, "\"path\":\"/bin/\\\"odd\\npath\",\"former_tid\":11}"));
		assert_non_null(strstr(text, "q\\\"uote\\nnew\\\\line\\ttab\\u0001"));
		free(text);
	}
	for (i = 0; i < 11; i++)
		sp_event_clear(&evs[i]);
	json_decref(cmd);
	tmp_close(&t);
}

/* errno values to names and back, with the numeric fallback. */
static void test_errno_names(void **state)
{
	static const struct {
		int err;
		const char *name;
	} cases[] = {
	    {1, "EPERM"},       {2, "ENOENT"},        {11, "EAGAIN"},
	    {38, "ENOSYS"},     {95, "EOPNOTSUPP"},   {110, "ETIMEDOUT"},
	    {133, "EHWPOISON"}, {512, "ERESTARTSYS"}, {516, "ERESTART_RESTARTBLOCK"},
	    {4000, "E4000"},
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	struct sp_trace_header h = test_header(NULL);
	struct sp_event evs[sizeof(cases) / sizeof(cases[0])];
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	struct tmp t;
	char *text;

	(void)state;
	for (size_t i = 0; i < n; i++)
		evs[i] = (struct sp_event){.type = SP_EV_SYSCALL,
		                           .tid = 1,
		                           .pid = 1,
		                           .name = "read",
		                           .has_exit = true,
		                           .ret = -cases[i].err,
		                           .err = cases[i].err};
	write_events(&t, &h, evs, n);
	text = slurp(t.path);
	for (size_t i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"ret\":-%d,\"errno\":\"%s\"}", cases[i].err,
		         cases[i].name);
		assert_non_null(strstr(text, want));
	}
	free(text);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
		assert_int_equal(ev.err, cases[i].err);
		assert_int_equal(ev.ret, -cases[i].err);
	}
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	sp_trace_reader_free(r);
	tmp_close(&t);
}

static const char hdr_line[] = "{\"format\":\"sysphase-trace\",\"version\":1,\"command\":[\"x\"],"
			       "\"kernel\":\"6.1.0\",\"arch\":\"x86_64\",\"start_time\":1.5,"
			       "\"rules\":null,\"entry_only\":false,\"attached\":false}\n";
static const char ev_line[] = "{\"type\":\"exit\",\"ts\":1.0,\"tid\":5,\"pid\":5,"
			      "\"whole_process\":true,\"killed\":false,\"status\":0}\n";

/*
 * Every errno 1..133 and signal 1..31 is named as the C library names it
 * (strerrorname_np, sigabbrev_np: glibc 2.32; SIGIO excepted), the values it has no name
 * for as "E<n>" / "SIG<n>".
 */
static void test_names_match_libc(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event evs[133 + 31];
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char *text, *p;
	struct tmp t;
	int i;

	(void)state;
	for (i = 0; i < 133; i++)
		evs[i] = (struct sp_event){.type = SP_EV_SYSCALL,
		                           .tid = 1,
		                           .pid = 1,
		                           .has_exit = true,
		                           .ret = -(i + 1),
		                           .err = i + 1};
	for (i = 0; i < 31; i++)
		evs[133 + i] =
		    (struct sp_event){.type = SP_EV_SIGNAL, .tid = 1, .pid = 1, .signo = i + 1};
	write_events(&t, &h, evs, 133 + 31);
	text = slurp(t.path);
	p = text;
	for (i = 1; i <= 133 + 31; i++) {
		char want[64], name[32];
		const char *libc;

		if (i <= 133) {
			libc = strerrorname_np(i);
			if (libc)
				snprintf(name, sizeof(name), "%s", libc);
			else
				snprintf(name, sizeof(name), "E%d", i);
			snprintf(want, sizeof(want), "\"errno\":\"%s\"}", name);
		} else {
			libc = sigabbrev_np(i - 133);
			/* glibc says POLL, the kernel's headers and strace say IO: the trace
			 * follows the kernel. */
			if (i - 133 == SIGIO)
				libc = "IO";
			if (libc)
				snprintf(name, sizeof(name), "SIG%s", libc);
			else
				snprintf(name, sizeof(name), "SIG%d", i - 133);
			snprintf(want, sizeof(want), "\"sig\":\"%s\"}", name);
		}
		p = strchr(p, '\n') + 1;
		if (strncmp(strstr(p, i <= 133 ? "\"errno\"" : "\"sig\""), want, strlen(want)))
			fail_msg("value %d: want %s in %.*s", i, want, (int)(strchr(p, '\n') - p),
			         p);
	}
	free(text);
	/* And the reader maps every errno name back. */
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	for (i = 1; i <= 133; i++) {
		assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
		assert_int_equal(ev.err, i);
	}
	sp_trace_reader_free(r);
	tmp_close(&t);
}

/* The reader reads standard input for "-". */
static void test_read_stdin(void **state)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char text[2048];
	struct tmp t;

	(void)state;
	snprintf(text, sizeof(text), "%s%s", hdr_line, ev_line);
	tmp_text(&t, text);
	assert_non_null(freopen(t.path, "r", stdin));
	assert_int_equal(sp_trace_reader_open("-", &r, &diag), 0);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_int_equal(ev.type, SP_EV_EXIT);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	sp_trace_reader_free(r);
	/* Not closed by the reader. */
	assert_int_equal(fileno(stdin), 0);
	tmp_close(&t);
}

/* A successful call has no "errno"; a producer that left err 0 on a failure still gets one. */
static void test_errno_presence(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event evs[3] = {
	    {.type = SP_EV_SYSCALL, .tid = 1, .pid = 1, .has_exit = true, .ret = 0},
	    {.type = SP_EV_SYSCALL, .tid = 1, .pid = 1, .has_exit = true, .ret = -9},
	    {.type = SP_EV_SYSCALL,
	     .tid = 1,
	     .pid = 1,
	     .has_exit = true,
	     .ret = (int64_t)0x7f0000000000},
	};
	struct tmp t;
	char *text;

	(void)state;
	write_events(&t, &h, evs, 3);
	text = slurp(t.path);
	assert_non_null(strstr(text, "\"ret\":0}"));
	assert_non_null(strstr(text, "\"ret\":-9,\"errno\":\"EBADF\"}"));
	assert_non_null(strstr(text, "\"ret\":139637976727552}"));
	free(text);
	tmp_close(&t);
}

static void test_ts_format(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event evs[4] = {
	    {.type = SP_EV_SIGNAL, .ts = 0, .tid = 1, .pid = 1, .signo = 2},
	    {.type = SP_EV_SIGNAL, .ts = 12.5, .tid = 1, .pid = 1, .signo = 2},
	    {.type = SP_EV_SIGNAL, .ts = 3.0000004, .tid = 1, .pid = 1, .signo = 2},
	    {.type = SP_EV_SIGNAL, .ts = 59.9999996, .tid = 1, .pid = 1, .signo = 2},
	};
	struct sp_event bad = {.type = SP_EV_SIGNAL, .ts = 0.0 / 0.0, .tid = 1, .pid = 1};
	struct sp_trace_writer *w = NULL;
	struct tmp t;
	char *text;

	(void)state;
	write_events(&t, &h, evs, 4);
	text = slurp(t.path);
	assert_non_null(strstr(text, "\"ts\":0.000000,"));
	assert_non_null(strstr(text, "\"ts\":12.500000,"));
	assert_non_null(strstr(text, "\"ts\":3.000000,"));
	assert_non_null(strstr(text, "\"ts\":60.000000,"));
	free(text);
	tmp_close(&t);

	tmp_open(&t);
	assert_int_equal(sp_trace_writer_new(t.f, &h, &w), 0);
	assert_int_equal(sp_trace_write(w, &bad), -EINVAL);
	assert_int_equal(sp_trace_writer_free(w), 0);
	tmp_close(&t);
}

/* Identical events give identical lines. */
static void test_deterministic(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event evs[2] = {0};
	struct tmp t;
	char *text, *l1, *l2, *l3;

	(void)state;
	for (int i = 0; i < 2; i++) {
		evs[i] = (struct sp_event){.type = SP_EV_SYSCALL,
		                           .ts = 0.1,
		                           .tid = 3,
		                           .pid = 3,
		                           .name = "mmap",
		                           .has_exit = true,
		                           .ret = 4096};
		evs[i].dec = json_pack("{s:s,s:s,s:i}", "prot", "PROT_READ|PROT_EXEC", "flags",
		                       "MAP_PRIVATE", "fd", 3);
	}
	write_events(&t, &h, evs, 2);
	text = slurp(t.path);
	l1 = strchr(text, '\n') + 1;
	l2 = strchr(l1, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	assert_int_equal(l2 - l1, l3 - l2);
	assert_memory_equal(l1, l2, (size_t)(l2 - l1));
	free(text);
	tmp_close(&t);
	sp_event_clear(&evs[0]);
	sp_event_clear(&evs[1]);
}

/* For valid text, "dec" and "stack" are byte for byte what jansson's compact dump gives. */
static void test_dec_matches_jansson(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_event ev = {.type = SP_EV_SYSCALL, .tid = 1, .pid = 1, .name = "x"};
	char *text, *dec_text, *stack_text;
	struct tmp t;

	(void)state;
	ev.dec = json_pack("{s:I,s:I,s:i,s:b,s:b,s:n,s:f,s:f,s:s,s:[i,s,{}],s:{},s:[]}", "min",
	                   (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX, "zero", 0, "t", 1,
	                   "f", 0, "nil", "real", 0.1, "big", 1e300, "str",
	                   "\"\\/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	                   "arr", -5, "s", "empty", "obj", "arr0");
	assert_non_null(ev.dec);
	/* Insertion order, not sorted order. */
	json_object_set_new(ev.dec, "b_after", json_integer(1));
	json_object_set_new(ev.dec, "a_last", json_integer(2));
	ev.stack = json_pack("[{s:s,s:s,s:s,s:i},{s:s,s:s,s:i}]", "ip", "0x1", "module", "m", "fn",
	                     "f", "off", 3, "ip", "0x2", "module", "[vdso]", "module_off", 2448);
	write_events(&t, &h, &ev, 1);
	text = slurp(t.path);
	dec_text = json_dumps(ev.dec, JSON_COMPACT);
	stack_text = json_dumps(ev.stack, JSON_COMPACT);
	assert_non_null(strstr(text, dec_text));
	assert_non_null(strstr(text, stack_text));
	free(dec_text);
	free(stack_text);
	free(text);
	tmp_close(&t);
	sp_event_clear(&ev);
}

/* Reads text and expects an error on the last event with message (after "path:"). */
static void expect_read_error(const char *text, int good_events, const char *msg)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char want[1100];
	struct tmp t;

	tmp_text(&t, text);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	for (int i = 0; i < good_events; i++)
		assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_int_equal(sp_trace_read(r, &ev, &diag), -EINVAL);
	snprintf(want, sizeof(want), "%s:%s", t.path, msg);
	assert_string_equal(diag.msg, want);
	assert_null(ev.dec);
	sp_trace_reader_free(r);
	tmp_close(&t);
}

static void test_truncated_last_line(void **state)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char text[2048];
	struct tmp t;

	(void)state;
	/* A run killed in the middle of writing its third event. */
	snprintf(text, sizeof(text), "%s%s%s{\"type\":\"syscall\",\"ts\":2.0,\"tid\":5,\"pi",
	         hdr_line, ev_line, ev_line);
	tmp_text(&t, text);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_false(sp_trace_reader_truncated(r));
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	assert_true(sp_trace_reader_truncated(r));
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	sp_trace_reader_free(r);
	tmp_close(&t);

	/* A complete last object without its newline is an event, not a truncation. */
	snprintf(text, sizeof(text), "%s%.*s", hdr_line, (int)strlen(ev_line) - 1, ev_line);
	tmp_text(&t, text);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	assert_false(sp_trace_reader_truncated(r));
	sp_trace_reader_free(r);
	tmp_close(&t);
}

/* The same partial line with a newline after it is damage, not truncation. */
static void test_malformed_middle_line(void **state)
{
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text), "%s%s{\"type\":\"exit\",\"ts\":1.0,,\"tid\":5}\n%s", hdr_line,
	         ev_line, ev_line);
	expect_read_error(text, 1, "3:25: string or '}' expected near ','");
	snprintf(text, sizeof(text), "%s%s{\"type\":\"syscall\",\"ts\":2.0,\"tid\":5,\"pi\n",
	         hdr_line, ev_line);
	expect_read_error(text, 1, "3:38: premature end of input near '\"pi'");
	snprintf(text, sizeof(text), "%s\n%s", hdr_line, ev_line);
	expect_read_error(text, 0, "2:1: '[' or '{' expected near end of file");
	snprintf(text, sizeof(text), "%s[1,2]\n", hdr_line);
	expect_read_error(text, 0, "2:1: an event must be a JSON object");
}

static void test_field_errors(void **state)
{
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text),
	         "%s%s%s{\"type\":\"exit\",\"ts\":1,\"tid\":\"12\",\"pid\":5}\n", hdr_line, ev_line,
	         ev_line);
	expect_read_error(text, 2, "4:1: field 'tid' must be an integer");
	snprintf(text, sizeof(text), "%s{\"type\":\"exit\",\"ts\":1,\"tid\":5}\n", hdr_line);
	expect_read_error(text, 0, "2:1: missing field 'pid'");
	snprintf(text, sizeof(text), "%s{\"type\":\"exec\",\"ts\":\"1\",\"tid\":5,\"pid\":5}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'ts' must be a number");
	snprintf(text, sizeof(text), "%s{\"type\":\"spawn\",\"ts\":1,\"tid\":5,\"pid\":5}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: unknown event type 'spawn'");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"syscall\",\"ts\":1,\"tid\":5,\"pid\":5,\"abi\":\"x86_64\","
	         "\"nr\":0,\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\"]}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'args' must be an array of 6 hex strings");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"syscall\",\"ts\":1,\"tid\":5,\"pid\":5,\"abi\":\"x86_64\","
	         "\"nr\":0,\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\","
	         "\"0xg\"]}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'args' must be an array of 6 hex strings");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"syscall\",\"ts\":1,\"tid\":5,\"pid\":5,\"abi\":\"x86_64\","
	         "\"nr\":0,\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\","
	         "\"0x5\"],\"dec\":{\"fd\":0},\"ret\":-2,\"errno\":\"ENOPE\"}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'errno': unknown errno name 'ENOPE'");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"syscall\",\"ts\":1,\"tid\":5,\"pid\":5,\"abi\":\"x86_64\","
	         "\"nr\":0,\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\","
	         "\"0x5\"],\"stack\":{}}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'stack' must be an array");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"exit\",\"ts\":1,\"tid\":5,\"pid\":5,\"whole_process\":1,"
	         "\"killed\":false,\"status\":0}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: field 'whole_process' must be true or false");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"exit\",\"ts\":1,\"tid\":5,\"pid\":5,\"whole_process\":true,"
	         "\"killed\":true,\"status\":0}\n",
	         hdr_line);
	expect_read_error(text, 0, "2:1: missing field 'signo'");
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"fork\",\"ts\":1,\"tid\":5,\"pid\":5000000000}\n", hdr_line);
	expect_read_error(text, 0, "2:1: field 'pid' is out of range");
}

/* The reader accepts the errno spellings people write by hand. */
static void test_errno_aliases(void **state)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char text[2048];
	struct tmp t;

	(void)state;
	snprintf(text, sizeof(text),
	         "%s{\"type\":\"syscall\",\"ts\":1,\"tid\":5,\"pid\":5,\"abi\":\"x32\","
	         "\"nr\":1073741824,\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\","
	         "\"0x4\",\"0x5\"],\"ret\":-11,\"errno\":\"EWOULDBLOCK\"}\n",
	         hdr_line);
	tmp_text(&t, text);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	assert_int_equal(sp_trace_read(r, &ev, &diag), 1);
	assert_int_equal(ev.err, EAGAIN);
	assert_int_equal(ev.abi, SP_ABI_X32);
	assert_int_equal(ev.nr, 0x40000000);
	sp_trace_reader_free(r);
	tmp_close(&t);
}

static void expect_open_error(const char *text, const char *msg)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	char want[1100];
	struct tmp t;

	tmp_text(&t, text);
	assert_true(sp_trace_reader_open(t.path, &r, &diag) < 0);
	assert_null(r);
	snprintf(want, sizeof(want), "%s:%s", t.path, msg);
	assert_string_equal(diag.msg, want);
	tmp_close(&t);
}

static void test_wrong_header(void **state)
{
	(void)state;
	expect_open_error("{\"format\":\"strace\",\"version\":1}\n", "1:1: not a sysphase trace");
	expect_open_error("execve(\"/bin/true\", [\"true\"], 0x7ffc /* 20 vars */) = 0\n",
	                  "1:1: not a sysphase trace");
	expect_open_error("", "1:1: not a sysphase trace (empty file)");
	expect_open_error("{\"version\":1}\n", "1:1: not a sysphase trace");
	expect_open_error("{\"format\":\"sysphase-trace\",\"version\":2}\n",
	                  "1:1: trace format version 2 is not supported (this sysphase reads "
	                  "version 1)");
	expect_open_error("{\"format\":\"sysphase-trace\",\"version\":1,\"command\":[],"
	                  "\"kernel\":6,\"arch\":\"x86_64\",\"start_time\":1}\n",
	                  "1:1: field 'kernel' must be a string");
	expect_open_error("{\"format\":\"sysphase-trace\",\"version\":1,\"command\":[],"
	                  "\"kernel\":\"6\",\"arch\":\"x86_64\"}\n",
	                  "1:1: missing field 'start_time'");
}

static void test_missing_file(void **state)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};

	(void)state;
	assert_int_equal(sp_trace_reader_open("/nonexistent/trace.jsonl", &r, &diag), -ENOENT);
	assert_string_equal(diag.msg, "/nonexistent/trace.jsonl: No such file or directory");
}

/*
 * A full disk shows up as -ENOSPC when the writer starts: the header is
 * flushed at once, so that record fails before it runs anything.
 */
static void test_write_error(void **state)
{
	struct sp_trace_header h = test_header(NULL);
	struct sp_trace_writer *w = NULL;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(sp_trace_writer_new(f, &h, &w), -ENOSPC);
	assert_null(w);
	fclose(f);
}

/* The fixture in tests/data: a killed run as the tracer leaves it. */
static void test_fixture_truncated(void **state)
{
	const char *dir = getenv("SYSPHASE_TEST_DATA");
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	char path[4096];
	int n = 0, rc;

	(void)state;
	if (!dir)
		dir = SYSPHASE_SOURCE_DIR "/tests/data";
	snprintf(path, sizeof(path), "%s/truncated.jsonl", dir);
	assert_int_equal(sp_trace_reader_open(path, &r, &diag), 0);
	while ((rc = sp_trace_read(r, &ev, &diag)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 5);
	assert_true(sp_trace_reader_truncated(r));
	assert_int_equal(sp_trace_reader_line(r), 6);
	sp_event_clear(&ev);
	sp_trace_reader_free(r);
}

/*
 * Every event line shown in docs/trace-format.md is read without error,
 * after the header shown there: the documentation cannot drift from the reader.
 */
static void test_doc_examples(void **state)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {0};
	struct sp_event ev = {0};
	int header = 0, events = 0, rc;
	struct tmp t;
	FILE *doc;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/trace-format.md", SYSPHASE_SOURCE_DIR);
	doc = fopen(path, "r");
	assert_non_null(doc);
	tmp_open(&t);
	while (getline(&line, &cap, doc) > 0) {
		if (!strncmp(line, "{\"format\":", 10) && header++ == 0)
			fputs(line, t.f);
	}
	rewind(doc);
	while (getline(&line, &cap, doc) > 0) {
		if (!strncmp(line, "{\"type\":", 8)) {
			fputs(line, t.f);
			events++;
		}
	}
	fclose(doc);
	free(line);
	assert_int_equal(header, 1);
	assert_true(events >= 10);
	assert_int_equal(fflush(t.f), 0);
	assert_int_equal(sp_trace_reader_open(t.path, &r, &diag), 0);
	for (int i = 0; i < events; i++) {
		rc = sp_trace_read(r, &ev, &diag);
		if (rc != 1)
			fail_msg("%s", diag.msg);
	}
	assert_int_equal(sp_trace_read(r, &ev, &diag), 0);
	assert_false(sp_trace_reader_truncated(r));
	sp_trace_reader_free(r);
	tmp_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_text),
	    cmocka_unit_test(test_syscall_line_text),
	    cmocka_unit_test(test_roundtrip_all_types),
	    cmocka_unit_test(test_errno_names),
	    cmocka_unit_test(test_names_match_libc),
	    cmocka_unit_test(test_errno_presence),
	    cmocka_unit_test(test_ts_format),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_dec_matches_jansson),
	    cmocka_unit_test(test_truncated_last_line),
	    cmocka_unit_test(test_malformed_middle_line),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_errno_aliases),
	    cmocka_unit_test(test_wrong_header),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_write_error),
	    cmocka_unit_test(test_fixture_truncated),
	    cmocka_unit_test(test_doc_examples),
	    cmocka_unit_test(test_read_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
