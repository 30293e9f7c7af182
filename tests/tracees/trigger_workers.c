/* SPDX-License-Identifier: MIT */
/*
 * Tracee for tests/e2e/run_trigger_stops.sh, under the generic rules:
 * worker threads that stay in `initialization` making many calls, as
 * redis's I/O and bio threads do, so that `run` gives them trigger stops
 * (enforce/triggers.c), and then a trigger call in one of them.
 *
 *   main  creates a pipe with a byte in it and two workers, joins them.
 *   A     12000 getuid() (no trigger), reads this file (a read on a
 *         regular file: a call the trigger filter stops, which matches no
 *         trigger), then reads the pipe: generic's "read on a pipe" moves
 *         it to `steady state`.  With --deny-a it then calls getuid(),
 *         which steady state's filter denies.
 *   B     12000 getgid(), never a trigger; with --deny-b it then calls
 *         getpriority(), which no phase allows.  With --own-filter it then
 *         installs a filter of its own that answers getppid() with
 *         SECCOMP_RET_TRACE (ENOSYS with no tracer that asked for it) and
 *         readv() with ERRNO(EIO), and readv()s the pipe: a trigger call
 *         that fails natively, and still moves it to `steady state`.
 *
 * Every step is ordered by the threads themselves (the main thread starts
 * B once A is done): no timing.  Each thread says its tid and kernel
 * filter count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define TRACEE_NAME "trigger_workers"
#include "run_say.h"

#define CALLS 12000

static int pipefd[2];
static bool deny_a, deny_b, own_filter;
static const char *self_path;

/* This thread's Seccomp_filters line, from /proc/thread-self/status. */
static long filters(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/thread-self/status");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		die("read /proc/thread-self/status");
	buf[n] = '\0';
	p = strstr(buf, "Seccomp_filters:");
	return p ? strtol(p + strlen("Seccomp_filters:"), NULL, 10) : -1;
}

static void *worker_a(void *arg)
{
	char buf[64];
	int fd;

	(void)arg;
	say("A: tid %ld\n", (long)syscall(SYS_gettid));
	for (int i = 0; i < CALLS; i++)
		syscall(SYS_getuid);
	fd = open(self_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		die("read of a regular file");
	close(fd);
	say("A: before the pipe, %ld filters\n", filters());
	if (read(pipefd[0], buf, 1) != 1)
		die("read of the pipe");
	say("A: after the pipe, %ld filters\n", filters());
	if (deny_a) {
		say("A: getuid\n");
		syscall(SYS_getuid);
		say("A: getuid returned\n");
	}
	return NULL;
}

/* getppid: TRACE with data 0x1234 (not sysphase's); readv: EIO; the rest, and other ABIs: ALLOW. */
static void install_own_filter(void)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x1234),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_readv, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EIO),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die("installing a filter of its own");
}

static void own_filter_calls(void)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	long r;

	install_own_filter();
	r = syscall(SYS_getppid);
	say("B: getppid: %s\n", r < 0 ? strerrorname_np(errno) : "returned");
	if (write(pipefd[1], "y", 1) != 1)
		die("write to the pipe");
	r = readv(pipefd[0], &iov, 1);
	say("B: readv: %s\n", r < 0 ? strerrorname_np(errno) : "returned");
}

static void *worker_b(void *arg)
{
	(void)arg;
	say("B: tid %ld\n", (long)syscall(SYS_gettid));
	for (int i = 0; i < CALLS; i++)
		syscall(SYS_getgid);
	say("B: done, %ld filters\n", filters());
	if (own_filter)
		own_filter_calls();
	if (deny_b) {
		say("B: getpriority\n");
		syscall(SYS_getpriority, PRIO_PROCESS, 0);
		say("B: getpriority returned\n");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	self_path = argv[0];
	for (int i = 1; i < argc; i++) {
		deny_a |= strcmp(argv[i], "--deny-a") == 0;
		deny_b |= strcmp(argv[i], "--deny-b") == 0;
		own_filter |= strcmp(argv[i], "--own-filter") == 0;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 || write(pipefd[1], "x", 1) != 1)
		die("pipe");
	if (pthread_create(&a, NULL, worker_a, NULL) != 0)
		die("pthread_create");
	pthread_join(a, NULL);
	if (pthread_create(&b, NULL, worker_b, NULL) != 0)
		die("pthread_create");
	pthread_join(b, NULL);
	say("main: done, %ld filters\n", filters());
	return 0;
}
