/* SPDX-License-Identifier: MIT */
/*
 * The /proc parsers the tracer trusts during a hand-over
 * (tracer/procfs_parse.c: status, stat, children, maps' io_uring lines,
 * comm as printed;
 * tracer/maps.c: call-site modules) on arbitrary bytes.  Two checks:
 * - the raw input, given to every parser, is read within its length
 *   (ASan sees the end) and answered with 0 or a -errno the header names;
 * - the input as the name a hostile program chose (comm, a mapped file's
 *   name), placed where the kernel would print it around fixed fields:
 *   every parser must still find the kernel's fields, whatever the name
 *   holds (spaces, ')', newlines, "State:", a fake stat tail...).
 */
#include <limits.h>

#include "sysphase/procfs.h"
#include "tests/fuzz/fuzz.h"
#include "tracer/maps.h"

/* A pid with no /proc entry: a lookup that misses cannot read a real process's maps. */
#define NO_SUCH_PID INT_MAX

static void check_raw(const char *buf, size_t len)
{
	struct sp_proc_task_status st;
	struct sp_proc_stat stat;
	struct sp_pids pids = {0};
	struct sp_maps *maps;
	long value;
	int rc;

	rc = sp_proc_parse_field(buf, len, "TracerPid:", &value);
	if (rc != 0 && rc != -ENOTSUP && rc != -EINVAL)
		fuzz_bug("sp_proc_parse_field: an error the header does not name", NULL);
	rc = sp_proc_parse_task_status(buf, len, &st);
	if (rc != 0 && rc != -ENOTSUP && rc != -EINVAL)
		fuzz_bug("sp_proc_parse_task_status: an error the header does not name", NULL);
	if (rc == 0 && (st.tgid < 0 || st.ppid < 0 || st.tracer < 0))
		fuzz_bug("sp_proc_parse_task_status: a negative pid taken", NULL);
	rc = sp_proc_parse_stat(buf, len, &stat);
	if (rc != 0 && rc != -EINVAL)
		fuzz_bug("sp_proc_parse_stat: an error the header does not name", NULL);
	if (rc == 0 && stat.ppid < 0)
		fuzz_bug("sp_proc_parse_stat: a negative parent taken", NULL);
	rc = sp_proc_parse_pids(buf, len, &pids);
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		fuzz_bug("sp_proc_parse_pids: an error the header does not name", NULL);
	for (size_t i = 0; i < pids.n; i++)
		if (pids.v[i] <= 0)
			fuzz_bug("sp_proc_parse_pids: a pid that cannot be", NULL);
	sp_pids_free(&pids);
	if (sp_proc_parse_ring_mappings(buf, len) < 0)
		fuzz_bug("sp_proc_parse_ring_mappings: a negative count", NULL);
	rc = sp_proc_parse_private_area(buf, len, 0x7ffd0000f000, 4096);
	if (rc != 0 && rc != -EPERM && rc != -EFAULT && rc != -EINVAL)
		fuzz_bug("sp_proc_parse_private_area: an error the header does not name", NULL);
	if (sp_proc_parse_private_area(buf, len, ~(uint64_t)0 - 15, 4096) != -EFAULT)
		fuzz_bug("sp_proc_parse_private_area: an area past the address space", NULL);
	{
		char comm[32];
		size_t n = sp_proc_parse_comm(buf, len, comm, sizeof(comm));

		if (n >= sizeof(comm) || comm[n] != '\0' || strlen(comm) != n)
			fuzz_bug("sp_proc_parse_comm: not a string of its length", NULL);
		for (size_t i = 0; i < n; i++)
			if (comm[i] < 0x20 || comm[i] > 0x7e)
				fuzz_bug("sp_proc_parse_comm: a byte a terminal would act on",
				         NULL);
	}

	maps = sp_maps_new();
	if (!maps)
		return;
	rc = sp_maps_parse(maps, NO_SUCH_PID, buf, len);
	if (rc != 0 && rc != -EINVAL && rc != -ESRCH && rc != -ENOMEM)
		fuzz_bug("sp_maps_parse: an error the header does not name", NULL);
	if (rc == 0) {
		/* Lookups at addresses the input gives (a miss re-reads a /proc that is not there).
		 */
		uint64_t ip = 0;

		memcpy(&ip, buf, len < sizeof(ip) ? len : sizeof(ip));
		sp_maps_module(maps, NO_SUCH_PID, ip);
		sp_maps_module(maps, NO_SUCH_PID, 0x400000);
	}
	sp_maps_free(maps);
}

/* Appends s[0..n) to out (cap bytes), escaped as status escapes Name: "\n" and "\\". */
static size_t put_escaped(char *out, size_t at, size_t cap, const char *s, size_t n)
{
	for (size_t i = 0; i < n && at + 2 < cap; i++) {
		if (s[i] == '\n' || s[i] == '\\') {
			out[at++] = '\\';
			out[at++] = s[i] == '\n' ? 'n' : '\\';
		} else {
			out[at++] = s[i];
		}
	}
	return at;
}

static size_t put(char *out, size_t at, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (at + n >= cap)
		n = cap - at - 1;
	memcpy(out + at, s, n);
	return at + n;
}

/* The name (at most a comm's 64 bytes, as a kernel thread's) where the kernel prints it. */
static void check_named(const char *name, size_t n)
{
	char text[1024];
	struct sp_proc_task_status st;
	struct sp_proc_stat stat;
	size_t at;

	if (n > 64)
		n = 64;
	/* stat: comm raw, between "(" and the last ")". */
	at = put(text, 0, sizeof(text), "4242 (");
	memcpy(text + at, name, n);
	at += n;
	at = put(text, at, sizeof(text),
	         ") t 17 4242 4242 0 -1 4194368 120 0 0 0 3 1 0 0 20 0 2 0\n");
	if (sp_proc_parse_stat(text, at, &stat) != 0 || stat.state != 't' || stat.ppid != 17 ||
	    stat.flags != 4194368)
		fuzz_bug("a comm fooled the stat parser", NULL);

	/* status: Name escaped, then the kernel's lines. */
	at = put(text, 0, sizeof(text), "Name:\t");
	at = put_escaped(text, at, sizeof(text), name, n);
	at = put(text, at, sizeof(text),
	         "\nUmask:\t0022\nState:\tZ (zombie)\nTgid:\t4242\nNgid:\t0\nPid:\t4243\n"
	         "PPid:\t17\nTracerPid:\t99\nUid:\t0\t0\t0\t0\n");
	if (sp_proc_parse_task_status(text, at, &st) != 0 || st.state != 'Z' || st.tgid != 4242 ||
	    st.ppid != 17 || st.tracer != 99)
		fuzz_bug("a comm fooled the status parser", NULL);
}

/* The name as a mapped file's, where maps prints it ("\n" escaped as \012). */
static void check_mapped(const char *name, size_t n)
{
	char text[4096];
	size_t at =
	    put(text, 0, sizeof(text), "7f0000000000-7f0000001000 r-xp 00000000 fd:01 42 /d/");
	struct sp_maps *maps;
	const char *mod;
	bool slash = false;

	for (size_t i = 0; i < n && at + 5 < sizeof(text); i++) {
		if (name[i] == '\n') {
			at = put(text, at, sizeof(text), "\\012");
		} else {
			slash |= name[i] == '/';
			text[at++] = name[i];
		}
	}
	at = put(text, at, sizeof(text), "\n7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n");
	if (sp_proc_parse_ring_mappings(text, at) > 1)
		fuzz_bug("one line counted as two ring mappings", NULL);
	maps = sp_maps_new();
	if (!maps)
		return;
	if (sp_maps_parse(maps, NO_SUCH_PID, text, at) != 0)
		fuzz_bug("a mapped file's name made the maps unreadable", NULL);
	mod = sp_maps_module(maps, NO_SUCH_PID, 0x7f0000000800);
	if (!mod)
		fuzz_bug("a mapped file's name lost its mapping", NULL);
	if (!slash && n > 0 && !memchr(name, '\n', n) && !memchr(name, '\0', n) && strlen(mod) > n)
		fuzz_bug("a mapped file's name came out longer than it is", mod);
	if (sp_maps_module(maps, NO_SUCH_PID, 0x7f0000001800))
		fuzz_bug("anonymous data was named", NULL);
	sp_maps_free(maps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	check_raw(buf, size);
	check_named(buf, size);
	check_mapped(buf, size < 1024 ? size : 1024);
	return 0;
}
