/* SPDX-License-Identifier: MIT */
/*
 * Mutation fuzzing of every parser that reads user files: rule sets,
 * traces, policies, complain-style syscall lists and OCI profiles.
 * Seeds are real inputs (the built-in rule sets, a trace and a policy
 * made here); each iteration mutates one (bit flips, structural bytes,
 * deleted, duplicated and truncated ranges) with a fixed-seed PRNG, so a
 * failure replays.  The parser must either accept the input or refuse it
 * with a one-line message and -errno; run under ASan/UBSan (tests/run.sh
 * --sanitize) any over-read or leak on either path fails the test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/analysis.h"
#include "sysphase/policy.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"

#define ITERATIONS 5000

struct buf {
	char *data;
	size_t len;
};

static uint64_t rng_state = 0x5eed5eed5eedULL;

static uint64_t rng(void)
{
	/* xorshift64: small, fixed, replayable */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t rng_below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

static struct buf read_file(const char *path)
{
	struct buf b = {0};
	FILE *f = fopen(path, "re");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b.data = malloc((size_t)n + 1);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, (size_t)n, f), (size_t)n);
	b.data[n] = '\0';
	b.len = (size_t)n;
	fclose(f);
	return b;
}

/* A mutated copy of seed (NUL-terminated; may hold NULs inside). */
static struct buf mutate(const struct buf *seed)
{
	static const char structural[] = "{}[]\":,0123456789-.eE\\\n tfn/*?";
	struct buf m = {malloc(seed->len * 2 + 2), seed->len};
	int rounds = 1 + (int)rng_below(4);

	assert_non_null(m.data);
	memcpy(m.data, seed->data, seed->len);
	for (int r = 0; r < rounds && m.len > 0; r++) {
		size_t at = rng_below(m.len),
		       span = 1 + rng_below(m.len - at < 16 ? m.len - at : 16);

		switch (rng_below(6)) {
		case 0: /* flip one bit */
			m.data[at] ^= (char)(1u << rng_below(8));
			break;
		case 1: /* a structural character where it does not belong */
			m.data[at] = structural[rng_below(sizeof(structural) - 1)];
			break;
		case 2: /* delete a range */
			memmove(m.data + at, m.data + at + span, m.len - at - span);
			m.len -= span;
			break;
		case 3: /* duplicate a range, if there is room */
			if (m.len + span <= seed->len * 2) {
				memmove(m.data + at + span, m.data + at, m.len - at);
				m.len += span;
			}
			break;
		case 4: /* truncate */
			m.len = at;
			break;
		default: /* any byte at all */
			m.data[at] = (char)rng_below(256);
			break;
		}
	}
	m.data[m.len] = '\0';
	return m;
}

static const char *source_path(const char *rel, char *out, size_t n)
{
	assert_true((size_t)snprintf(out, n, "%s/%s", SYSPHASE_SOURCE_DIR, rel) < n);
	return out;
}

static void write_all(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* A refusal is -errno with one line of explanation, never a crash or a silent failure. */
static void assert_clean_refusal(int rc, const struct sp_diag *diag)
{
	if (rc >= 0)
		return;
	assert_true(rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM || rc == -E2BIG ||
	            rc == -ERANGE || rc == -EILSEQ || rc == -ENOTSUP);
	assert_true(diag->msg[0] != '\0');
	assert_null(strchr(diag->msg, '\n'));
}

static void test_fuzz_rules(void **state)
{
	static const char *const seeds[] = {"phases/rules/nginx.json", "phases/rules/pwd.json",
	                                    "phases/rules/generic.json"};
	char path[4096];

	(void)state;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct buf seed = read_file(source_path(seeds[s], path, sizeof(path)));

		for (int i = 0; i < ITERATIONS; i++) {
			struct buf m = mutate(&seed);
			struct sp_diag diag = {{0}};
			struct sp_rules *r = NULL;
			int rc = sp_rules_parse(m.data, m.len, "fuzz.json", &r, &diag);

			assert_clean_refusal(rc, &diag);
			if (rc == 0) {
				json_t *back = sp_rules_to_json(r);

				assert_non_null(back);
				json_decref(back);
			}
			sp_rules_free(r);
			free(m.data);
		}
		free(seed.data);
	}
}

/* A seed trace with every event kind, written by the real writer. */
static struct buf seed_trace(const char *path)
{
	struct sp_trace_header hdr = {.kernel = "6.1", .arch = "x86_64", .start_time = 1.5};
	struct sp_event ev = {0};
	struct sp_trace_writer *w;
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	hdr.command = json_pack("[ss]", "/bin/pwd", "-L");
	assert_int_equal(sp_trace_writer_new(f, &hdr, &w), 0);
	for (int i = 0; i < 6; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = (enum sp_event_type)i;
		ev.tid = ev.pid = 100;
		ev.ts = 0.25 * i;
		ev.name = "openat";
		ev.nr = 257;
		ev.has_exit = true;
		ev.ret = -2;
		ev.err = ENOENT;
		ev.site = "libc.so.6";
		ev.dec = json_pack("{s:s,s:{s:i,s:s}}", "pathname", "/etc/x", "fd", "fd", 3, "kind",
		                   "file");
		ev.child = 101;
		ev.via = "fork";
		ev.path = "/bin/pwd";
		ev.signo = 1;
		ev.phase = "init";
		assert_int_equal(sp_trace_write(w, &ev), 0);
		json_decref(ev.dec);
	}
	assert_int_equal(sp_trace_writer_free(w), 0);
	assert_int_equal(fclose(f), 0);
	json_decref(hdr.command);
	return read_file(path);
}

static void test_fuzz_trace(void **state)
{
	char dir[] = "/tmp/sysphase-fuzz.XXXXXX", seed_path[64], path[64];
	struct buf seed;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(seed_path, sizeof(seed_path), "%s/seed.jsonl", dir);
	snprintf(path, sizeof(path), "%s/fuzz.jsonl", dir);
	seed = seed_trace(seed_path);
	for (int i = 0; i < ITERATIONS; i++) {
		struct buf m = mutate(&seed);
		struct sp_diag diag = {{0}};
		struct sp_trace_reader *r = NULL;
		struct sp_event ev = {0};
		int rc;

		write_all(path, &m);
		rc = sp_trace_reader_open(path, &r, &diag);
		assert_clean_refusal(rc, &diag);
		while (rc == 0 && (rc = sp_trace_read(r, &ev, &diag)) == 1)
			;
		assert_clean_refusal(rc, &diag);
		sp_event_clear(&ev);
		sp_trace_reader_free(r);
		free(m.data);
	}
	free(seed.data);
	unlink(seed_path);
	unlink(path);
	rmdir(dir);
}

/* A seed policy from a few stamped events, serialised by the real writer. */
static struct buf seed_policy(void)
{
	static const char *const order[] = {"init", "serving"};
	struct sp_policy_builder *b = sp_policy_builder_new(true, order, 2);
	struct sp_diag diag = {{0}};
	struct sp_policy *p = NULL;
	struct buf out;
	json_t *j;

	assert_non_null(b);
	for (int i = 0; i < 4; i++) {
		struct sp_event ev = {.type = SP_EV_SYSCALL,
		                      .tid = 7,
		                      .pid = 7,
		                      .ts = i,
		                      .abi = SP_ABI_X86_64,
		                      .has_exit = true};

		ev.name = i < 2 ? "socket" : "accept4";
		ev.nr = i < 2 ? 41 : 288;
		ev.args[0] = 2;
		ev.args[1] = 1;
		ev.site = "libc.so.6";
		ev.phase = i < 2 ? "init" : "serving";
		assert_int_equal(sp_policy_feed(b, &ev, &diag), 0);
	}
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	j = sp_policy_to_json(p);
	assert_non_null(j);
	out.data = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	assert_non_null(out.data);
	out.len = strlen(out.data);
	json_decref(j);
	sp_policy_free(p);
	return out;
}

static void test_fuzz_policy(void **state)
{
	char dir[] = "/tmp/sysphase-fuzz.XXXXXX", path[64];
	struct buf seed = seed_policy();

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	for (int i = 0; i < ITERATIONS; i++) {
		struct buf m = mutate(&seed);
		struct sp_diag diag = {{0}};
		struct sp_policy *p = NULL;
		int rc;

		write_all(path, &m);
		rc = sp_policy_load(path, &p, &diag);
		assert_clean_refusal(rc, &diag);
		sp_policy_free(p);
		free(m.data);
	}
	free(seed.data);
	unlink(path);
	rmdir(dir);
}

static void test_fuzz_syscall_lists(void **state)
{
	static const char list[] = "# a hand-made allowlist\nread, write\nopenat 257\n"
				   "[\"close\", 3, \"mmap\"]\nexit_group\n";
	static const char oci[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":"
	    "[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\","
	    "\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[]},"
	    "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\","
	    "\"includes\":{\"minKernel\":\"4.8\",\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
	const struct buf seeds[] = {{(char *)list, sizeof(list) - 1},
	                            {(char *)oci, sizeof(oci) - 1}};

	(void)state;
	for (int i = 0; i < ITERATIONS; i++) {
		const struct buf *seed = &seeds[i % 2];
		struct buf m = mutate(seed);
		struct sp_syscall_set *set = sp_set_new("fuzz");
		struct sp_diag diag = {{0}};
		int rc;

		assert_non_null(set);
		if (seed->data == list) {
			rc = sp_set_parse_list(m.data, m.len, "fuzz.txt", set, &diag);
		} else {
			json_error_t jerr;
			json_t *root = json_loadb(m.data, m.len, 0, &jerr);

			rc = root ? sp_set_from_oci(root, "fuzz.json", "6.1.0", set, &diag) : 0;
			json_decref(root);
		}
		assert_clean_refusal(rc, &diag);
		sp_set_free(set);
		free(m.data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_rules),
	    cmocka_unit_test(test_fuzz_trace),
	    cmocka_unit_test(test_fuzz_policy),
	    cmocka_unit_test(test_fuzz_syscall_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
