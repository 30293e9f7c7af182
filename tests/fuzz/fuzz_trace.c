/* SPDX-License-Identifier: MIT */
/*
 * The trace reader on arbitrary bytes: the header, then every event until
 * the end or the first refusal, read twice, by the fast line scanner and
 * by jansson alone (sp_trace_reader_force_slow).  Both must agree on every
 * event, every refusal and its message, the line numbers and truncation:
 * the scanner is a shortcut, never a second opinion.  The reader takes a
 * path, so the input is handed to it as a memory file (memfd) under
 * /proc/self/fd, which each reader opens on its own: it reads exactly as
 * on a trace on disk.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sysphase/trace.h"
#include "tests/fuzz/fuzz.h"
#include "trace/trace_int.h"

/* The memory file, made once: a harness is one process reading inputs in turn. */
static int memfd = -1;
static char memfd_path[64];

static void put_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz-trace", MFD_CLOEXEC);
		if (memfd < 0)
			fuzz_bug("memfd_create", strerror(errno));
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) < 0)
		fuzz_bug("ftruncate", strerror(errno));
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);

		if (n <= 0)
			fuzz_bug("pwrite", strerror(errno));
		done += (size_t)n;
	}
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_json(json_t *a, json_t *b)
{
	return (!a && !b) || (a && b && json_equal(a, b));
}

static bool same_event(const struct sp_event *a, const struct sp_event *b)
{
	return a->type == b->type && !memcmp(&a->ts, &b->ts, sizeof(a->ts)) && a->tid == b->tid &&
	       a->pid == b->pid && a->abi == b->abi && a->nr == b->nr &&
	       same_str(a->name, b->name) && !memcmp(a->args, b->args, sizeof(a->args)) &&
	       a->has_exit == b->has_exit && a->ret == b->ret && a->err == b->err &&
	       same_str(a->site, b->site) && same_json(a->dec, b->dec) &&
	       same_json(a->stack, b->stack) && a->child == b->child && same_str(a->via, b->via) &&
	       same_str(a->path, b->path) && a->former_tid == b->former_tid &&
	       a->signo == b->signo && a->whole_process == b->whole_process &&
	       a->killed == b->killed && a->status == b->status && same_str(a->phase, b->phase);
}

/* sp_trace_read: 1 with an event, 0 at the end, <0 refused with a one-line message. */
static int read_one(struct sp_trace_reader *r, struct sp_event *ev, struct sp_diag *diag)
{
	int rc = sp_trace_read(r, ev, diag);

	return rc == 1 ? 1 : fuzz_check_rc(rc, diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag dfast = {{0}}, dslow = {{0}};
	struct sp_trace_reader *fast = NULL, *slow = NULL;
	struct sp_event efast = {0}, eslow = {0};
	int rfast, rslow;

	put_input(data, size);
	rfast = fuzz_check_rc(sp_trace_reader_open(memfd_path, &fast, &dfast), &dfast);
	rslow = fuzz_check_rc(sp_trace_reader_open(memfd_path, &slow, &dslow), &dslow);
	if (rfast != rslow)
		fuzz_bug("opening the same trace twice gives two answers", NULL);
	if (rfast < 0)
		return 0;
	sp_trace_reader_force_slow(slow, 1);
	do {
		dfast.msg[0] = dslow.msg[0] = '\0';
		rfast = read_one(fast, &efast, &dfast);
		rslow = read_one(slow, &eslow, &dslow);
		if (rfast != rslow)
			fuzz_bug("the scanner and jansson disagree on a line", dslow.msg);
		if (rfast > 0 && !same_event(&efast, &eslow))
			fuzz_bug("the scanner and jansson read different events", NULL);
		if (rfast < 0 && strcmp(dfast.msg, dslow.msg))
			fuzz_bug("the scanner and jansson refuse a line differently", dfast.msg);
		if (sp_trace_reader_line(fast) != sp_trace_reader_line(slow))
			fuzz_bug("the scanner and jansson count lines differently", NULL);
	} while (rfast > 0);
	if (sp_trace_reader_truncated(fast) != sp_trace_reader_truncated(slow))
		fuzz_bug("the scanner and jansson disagree on truncation", NULL);
	sp_event_clear(&efast);
	sp_event_clear(&eslow);
	sp_trace_reader_free(fast);
	sp_trace_reader_free(slow);
	return 0;
}
