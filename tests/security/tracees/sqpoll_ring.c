/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: an io_uring ring with a kernel poller thread
 * (IORING_SETUP_SQPOLL), made in init, where the policy allows io_uring
 * (export --allow-io-uring), outlives its phase: in serving, whose filter
 * has no io_uring call, the poller still submits what the program writes
 * into the ring's memory, without any syscall: here an openat() of
 * /etc/shadow.  run refuses a hand-over into a phase without io_uring
 * while the process holds a ring.  Without --attack the ring does one NOP
 * and is closed (fd and mappings) before the phases change.
 */
#include <linux/io_uring.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "attack.h"

struct ring {
	int fd;
	struct io_uring_params p;
	unsigned char *sq, *cq;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
};

static int ring_open(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->p.flags = IORING_SETUP_SQPOLL;
	r->p.sq_thread_idle = 60 * 1000; /* the poller stays awake: no io_uring_enter needed */
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &r->p);
	if (r->fd < 0)
		return -1;
	r->sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(uint32_t);
	r->cq_len = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
	             IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
	             IORING_OFF_CQ_RING);
	r->sqes_len = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
	               IORING_OFF_SQES);
	return r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* the vDSO's: no syscall */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Queues one SQE through memory alone and waits (no syscall, 20 s at most)
 * for its CQE: its result.  wake: a poller gone to sleep may be woken with
 * io_uring_enter (init only: serving must make no io_uring call).
 */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe, long *res, bool wake)
{
	uint32_t *sq_flags = (uint32_t *)(r->sq + r->p.sq_off.flags);
	double until = now() + 20;
	uint32_t *sq_tail = (uint32_t *)(r->sq + r->p.sq_off.tail);
	uint32_t mask = *(uint32_t *)(r->sq + r->p.sq_off.ring_mask);
	uint32_t *array = (uint32_t *)(r->sq + r->p.sq_off.array);
	uint32_t *cq_head = (uint32_t *)(r->cq + r->p.cq_off.head);
	uint32_t *cq_tail = (uint32_t *)(r->cq + r->p.cq_off.tail);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(r->cq + r->p.cq_off.cqes);
	uint32_t tail = *sq_tail, head = __atomic_load_n(cq_head, __ATOMIC_ACQUIRE);

	r->sqes[tail & mask] = *sqe;
	array[tail & mask] = tail & mask;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	/*
	 * Woken whether or not it sleeps yet: whether the poller has gone idle
	 * (IORING_SQ_NEED_WAKEUP) depends on the machine's load, and a call
	 * the recording made only sometimes would make the plain run die of
	 * SIGSYS now and then.
	 */
	if (wake)
		syscall(SYS_io_uring_enter, r->fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0);
	while (now() < until)
		if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) != head) {
			*res = cqes[head & *(uint32_t *)(r->cq + r->p.cq_off.ring_mask)].res;
			__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
			return 0;
		}
	say("sqpoll: no completion, ring flags %#x\n", __atomic_load_n(sq_flags, __ATOMIC_ACQUIRE));
	return -1;
}

int main(int argc, char **argv)
{
	struct io_uring_sqe nop = {.opcode = IORING_OP_NOP};
	struct ring r;
	long res;

	if (ring_open(&r) != 0) {
		say("sqpoll: no ring: %s\n", strerrorname_np(errno));
		return 77;
	}
	if (ring_run(&r, &nop, &res, true) != 0)
		return 2;
	say("sqpoll: ring up, NOP gave %ld\n", res);
	if (!attacking(argc, argv)) {
		munmap(r.sqes, r.sqes_len);
		munmap(r.cq, r.cq_len);
		munmap(r.sq, r.sq_len);
		close(r.fd);
	}
	enter_ready();
	enter_serving();
	if (attacking(argc, argv)) {
		struct io_uring_sqe open_shadow = {
		    .opcode = IORING_OP_OPENAT,
		    .fd = AT_FDCWD,
		    .addr = (uint64_t)(uintptr_t) "/etc/shadow",
		    .open_flags = O_RDONLY,
		};

		if (ring_run(&r, &open_shadow, &res, false) == 0)
			say("sqpoll: serving: the ring's openat(/etc/shadow) gave %ld\n", res);
		payload("sqpoll");
	}
	say("sqpoll: done\n");
	return 0;
}
