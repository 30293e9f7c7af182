/* SPDX-License-Identifier: MIT */
/*
 * The trace reader on arbitrary bytes: the header, then every event until
 * the end or the first refusal.  The reader takes a path, so the input is
 * handed to it as a memory file (memfd) under /proc/self/fd: the reader
 * runs exactly as on a trace on disk, whatever way it reads its input.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sysphase/trace.h"
#include "tests/fuzz/fuzz.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag diag = {{0}};
	struct sp_trace_reader *r = NULL;
	struct sp_event ev = {0};
	int rc;

	put_input(data, size);
	if (fuzz_check_rc(sp_trace_reader_open(memfd_path, &r, &diag), &diag) < 0)
		return 0;
	do {
		diag.msg[0] = '\0';
		rc = sp_trace_read(r, &ev, &diag);
		if (rc < 0)
			fuzz_check_rc(rc, &diag);
	} while (rc > 0);
	sp_event_clear(&ev);
	sp_trace_reader_free(r);
	return 0;
}
