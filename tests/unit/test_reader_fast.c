/* SPDX-License-Identifier: MIT */
/*
 * The reader's fast line scanner against jansson: the same inputs read
 * with the scanner and with every line forced through json_loadb() must
 * give the same events, the same return codes, the same diagnostics and
 * the same truncation.  Inputs are hand-made edge cases (escapes, number
 * forms, duplicate and unknown keys, whitespace, UTF-8) and seeded random
 * mutations of real lines.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace/trace_int.h"

#define HDR                                                                                  \
	"{\"format\":\"sysphase-trace\",\"version\":1,\"command\":[\"x\"],\"kernel\":\"6\"," \
	"\"arch\":\"x86_64\",\"start_time\":1.5,\"rules\":null}\n"

static const char *const base_lines[] = {
    "{\"type\":\"syscall\",\"ts\":0.081891,\"tid\":8881,\"pid\":8881,\"abi\":\"x86_64\",\"nr\":110,"
    "\"name\":\"getppid\",\"args\":[\"0xa\",\"0x3e8\",\"0x0\",\"0x7f7480059590\","
    "\"0x1999999999999999\",\"0x0\"],\"ret\":8880,\"site\":\"libc.so.6\",\"phase\":\"init\"}",
    "{\"type\":\"syscall\",\"ts\":0.033882,\"tid\":1,\"pid\":1,\"abi\":\"x86_64\",\"nr\":257,"
    "\"name\":\"openat\",\"args\":[\"0xffffff9c\",\"0x7f\",\"0x80000\",\"0x0\",\"0x0\",\"0x0\"],"
    "\"dec\":{\"dirfd\":\"AT_FDCWD\",\"pathname\":\"/etc/\\u00C3(x\\n\",\"flags\":\"O_RDONLY\","
    "\"ret_fd\":{\"fd\":3,\"kind\":\"file\"}},\"ret\":-2,\"errno\":\"ENOENT\","
    "\"site\":\"ld.so\",\"stack\":[{\"fn\":\"main\",\"off\":12}],\"phase\":\"a \\\"q\\\" "
    "\\u00e9\"}",
    "{\"type\":\"exec\",\"ts\":1,\"tid\":11,\"pid\":10,\"path\":\"/bin/\\\"odd\\npath\","
    "\"former_tid\":11,\"phase\":\"p\"}",
    "{\"type\":\"exit\",\"ts\":2.5e0,\"tid\":5,\"pid\":5,\"whole_process\":true,\"killed\":true,"
    "\"signo\":9,\"sig\":\"SIGKILL\"}",
    "{\"type\":\"exit\",\"ts\":3.25,\"tid\":5,\"pid\":5,\"whole_process\":false,\"killed\":false,"
    "\"status\":-1}",
    "{\"type\":\"fork\",\"ts\":0.5,\"tid\":5,\"pid\":5,\"child\":6,\"via\":\"clone3\"}",
    "{\"type\":\"signal\",\"ts\":0.000001,\"tid\":5,\"pid\":5,\"signo\":34,\"sig\":\"SIGRT_2\"}",
    " { \"type\" : \"clone\" ,\"ts\":-0.0,\"tid\":5,\"pid\":5,\"child\":7 , "
    "\"x\":[1,{\"a\":null}]} "
    "\r",
    "{\"type\":\"syscall\",\"ts\":12345678901.123456,\"tid\":2,\"pid\":2,\"abi\":\"i386\","
    "\"nr\":-9223372036854775808,\"name\":null,\"args\":[\"0X0\",\"0x0000000000000000001\","
    "\"0xFFFFFFFFFFFFFFFF\",\"0x0\",\"0x0\",\"0x0\"],\"ret\":9223372036854775807}",
    "{\"type\":\"syscall\",\"ts\":1,\"tid\":2,\"pid\":2,\"abi\":\"x86_64\",\"nr\":0,"
    "\"name\":\"read\",\"args\":[\"0x0\",\"0x1\",\"0x2\",\"0x3\",\"0x4\",\"0x5\"],"
    "\"ret\":-11,\"errno\":\"EWOULDBLOCK\",\"ret\":-4}",
    "{\"type\":\"syscall\",\"ts\":1e400,\"tid\":2,\"pid\":2}",
    "{\"type\":\"exec\",\"ts\":1,\"tid\":2,\"pid\":2,\"path\":null,\"dec\":{\"k\":1E-400}}",
    "{\"ty\\u0070e\":\"exec\",\"ts\":1,\"tid\":2,\"pid\":2,\"path\":\"/x\"}",
    "{\"type\":\"exec\",\"ts\":1,\"tid\":2,\"pid\":2,\"path\":\"\\ud83d\\ude00\\u0000\"}",
    "{\"type\":\"signal\",\"ts\":0.1234567890123456789,\"tid\":2,\"pid\":2,\"signo\":1}",
    "{\"type\":\"signal\",\"ts\":00.5,\"tid\":2,\"pid\":2,\"signo\":1}",
    "{\"type\":\"signal\",\"ts\":1,\"tid\":2,\"pid\":2,\"signo\":1,\"u\":99999999999999999999}",
    "{\"type\":\"signal\",\"ts\":1,\"tid\":2,\"pid\":2,\"signo\":1,\"u\":\"a\\u0000b\"}",
    "{\"type\":\"signal\",\"ts\":1,\"tid\":2,\"pid\":2,\"signo\":1,\"u\":[\"\\udc00\"]}",
    "{\"type\":\"signal\",\"ts\":1,\"tid\":2,\"pid\":2,\"signo\":1,\"u\":[\"\\ud83d\\ude00\"]}",
};

struct buf {
	char *p;
	size_t n;
};

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One line, mutated in 1-3 places with bytes JSON cares about. */
static struct buf mutate(const char *line)
{
	static const char alphabet[] = "\"{}[],:\\0123456789eE.-+u xnt\x80\xc3\xa9\xff\t";
	size_t n = strlen(line);
	struct buf b = {malloc(n + 8), n};
	int edits = 1 + (int)(next_rand() % 3);

	assert_non_null(b.p);
	memcpy(b.p, line, n);
	for (int e = 0; e < edits && b.n > 0; e++) {
		size_t at = next_rand() % b.n;
		char c = alphabet[next_rand() % (sizeof(alphabet) - 1)];

		switch (next_rand() % 3) {
		case 0:
			b.p[at] = c;
			break;
		case 1:
			memmove(b.p + at, b.p + at + 1, b.n - at - 1);
			b.n--;
			break;
		default:
			memmove(b.p + at + 1, b.p + at, b.n - at);
			b.p[at] = c;
			b.n++;
			break;
		}
	}
	return b;
}

static void assert_same_json(json_t *a, json_t *b)
{
	if (!a || !b) {
		assert_true(a == b);
		return;
	}
	assert_true(json_equal(a, b));
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void assert_same_event(const struct sp_event *a, const struct sp_event *b)
{
	assert_int_equal(a->type, b->type);
	assert_memory_equal(&a->ts, &b->ts, sizeof(double));
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->abi, b->abi);
	assert_int_equal(a->nr, b->nr);
	assert_same_str(a->name, b->name);
	assert_memory_equal(a->args, b->args, sizeof(a->args));
	assert_int_equal(a->has_exit, b->has_exit);
	assert_int_equal(a->ret, b->ret);
	assert_int_equal(a->err, b->err);
	assert_same_str(a->site, b->site);
	assert_same_json(a->dec, b->dec);
	assert_same_json(a->stack, b->stack);
	assert_int_equal(a->child, b->child);
	assert_same_str(a->via, b->via);
	assert_same_str(a->path, b->path);
	assert_int_equal(a->former_tid, b->former_tid);
	assert_int_equal(a->signo, b->signo);
	assert_int_equal(a->whole_process, b->whole_process);
	assert_int_equal(a->killed, b->killed);
	assert_int_equal(a->status, b->status);
	assert_same_str(a->phase, b->phase);
}

/* Reads path with the scanner and with jansson alone; everything must agree. */
static void compare_readers(const char *path, unsigned want)
{
	struct sp_trace_reader *fast = NULL, *slow = NULL;
	struct sp_diag df = {{0}}, ds = {{0}};
	struct sp_event ef = {0}, es = {0};
	int rf, rs;

	rf = sp_trace_reader_open(path, &fast, &df);
	rs = sp_trace_reader_open(path, &slow, &ds);
	assert_int_equal(rf, 0);
	assert_int_equal(rs, 0);
	sp_trace_reader_want(fast, want);
	sp_trace_reader_want(slow, want);
	sp_trace_reader_force_slow(slow, 1);
	do {
		rf = sp_trace_read(fast, &ef, &df);
		rs = sp_trace_read(slow, &es, &ds);
		assert_int_equal(rf, rs);
		if (rf == 1)
			assert_same_event(&ef, &es);
		else if (rf < 0)
			assert_string_equal(df.msg, ds.msg);
		assert_int_equal(sp_trace_reader_line(fast), sp_trace_reader_line(slow));
	} while (rf == 1);
	assert_int_equal(sp_trace_reader_truncated(fast), sp_trace_reader_truncated(slow));
	sp_event_clear(&ef);
	sp_event_clear(&es);
	sp_trace_reader_free(fast);
	sp_trace_reader_free(slow);
}

static void write_file(const char *path, const char *a, size_t an, const char *b, size_t bn,
                       bool newline)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(a, 1, an, f), an);
	if (bn)
		assert_int_equal(fwrite(b, 1, bn, f), bn);
	if (newline)
		fputc('\n', f);
	assert_int_equal(fclose(f), 0);
}

/* Every hand-made line, with and without its newline, building dec/stack or not. */
static void test_edge_cases(void **state)
{
	char path[] = "/tmp/sp-test-fast-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(base_lines) / sizeof(base_lines[0]); i++)
		for (int nl = 0; nl < 2; nl++)
			for (unsigned want = 0; want < 4; want++) {
				write_file(path, HDR, strlen(HDR), base_lines[i],
				           strlen(base_lines[i]), nl);
				compare_readers(path, want);
			}
	unlink(path);
}

/* Seeded mutations of each line: whatever the scanner accepts, jansson reads the same. */
static void test_mutations(void **state)
{
	char path[] = "/tmp/sp-test-fast-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (int it = 0; it < 6000; it++) {
		const char *line = base_lines[it % (sizeof(base_lines) / sizeof(base_lines[0]))];
		struct buf m = mutate(line);

		write_file(path, HDR, strlen(HDR), m.p, m.n, it % 5 != 0);
		compare_readers(path, (unsigned)(it % 4));
		free(m.p);
	}
	unlink(path);
}

/* A long trace across the reader's buffer boundary: lines are never cut or merged. */
static void test_buffer_boundaries(void **state)
{
	char path[] = "/tmp/sp-test-fast-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(HDR, f);
	/* ~3 MiB of lines of varying length, plus one line longer than the 1 MiB buffer. */
	for (int i = 0; i < 12000; i++)
		fprintf(f, "%s\n", base_lines[i % 7]);
	fputs("{\"type\":\"signal\",\"ts\":1,\"tid\":2,\"pid\":2,\"signo\":1,\"pad\":\"", f);
	for (int i = 0; i < (3 << 19); i++)
		fputc('a' + i % 26, f);
	fputs("\"}\n", f);
	for (int i = 0; i < 3000; i++)
		fprintf(f, "%s\n", base_lines[i % 7]);
	assert_int_equal(fclose(f), 0);
	compare_readers(path, SP_TRACE_WANT_DEC | SP_TRACE_WANT_STACK);
	unlink(path);
}

/* The scanner does read the lines the recorder writes (else this file tests nothing). */
static void test_scanner_used(void **state)
{
	char path[] = "/tmp/sp-test-fast-XXXXXX";
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {{0}};
	struct sp_event ev = {0};
	int fd = mkstemp(path), n = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* Lines 0-6 are what the writer produces (escapes included). */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(HDR, f);
		for (int i = 0; i < 7; i++)
			fprintf(f, "%s\n", base_lines[i]);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(sp_trace_reader_open(path, &r, &diag), 0);
	while (sp_trace_read(r, &ev, &diag) == 1)
		n++;
	assert_int_equal(n, 7);
	/* Line 1's \u00C3 is left to jansson; every other one is the scanner's. */
	assert_int_equal(sp_trace_reader_fast_lines(r), 6);
	sp_event_clear(&ev);
	sp_trace_reader_free(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edge_cases),
	    cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_buffer_boundaries),
	    cmocka_unit_test(test_scanner_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
