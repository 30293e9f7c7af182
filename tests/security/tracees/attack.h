/* SPDX-License-Identifier: MIT */
/*
 * Shared by the attack tracees of tests/security: each runs the phases of
 * tests/security/attacks.json (init -> ready at getppid() -> serving at
 * getpgrp(), serving final) and attacks sysphase run on the way.  Run
 * without --attack, a tracee does the same work minus the attack, which
 * is what the test records to make the policy.  Output: one write(2) per
 * line (stdio would lose lines when SIGSYS kills the process).
 */
#ifndef SYSPHASE_TESTS_ATTACK_H
#define SYSPHASE_TESTS_ATTACK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static __attribute__((unused)) void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		_exit(3);
}

static __attribute__((unused)) bool attacking(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--attack") == 0)
			return true;
	return false;
}

/* This thread's filter count, from /proc/thread-self/status; -1 when unreadable. */
static __attribute__((unused)) long my_filters(void)
{
	char buf[4096], *at;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	at = strstr(buf, "Seccomp_filters:");
	return at ? strtol(at + 16, NULL, 10) : -1;
}

/*
 * One sweep of [lo, hi) for an injected struct sock_fprog (its len, then
 * a pointer to the 16 bytes after it) whose program starts with a load
 * (libseccomp's first instruction: the arch), each overwritten with
 * `ret ALLOW`: how many it found.  The attacker's half of the rewrite
 * attacks, from a thread, a clone(CLONE_VM) child or another process.
 */
static __attribute__((unused)) unsigned long rewrite_fprogs(uintptr_t lo, uintptr_t hi)
{
	unsigned long found = 0;

	for (uintptr_t p = lo; p + 16 <= hi; p += 8) {
		uint16_t len = *(volatile uint16_t *)p;
		uint64_t ptr = *(volatile uint64_t *)(p + 8);

		if (len > 0 && len <= BPF_MAXINSNS && ptr == p + 16 &&
		    ((volatile struct sock_filter *)ptr)->code == (BPF_LD | BPF_W | BPF_ABS)) {
			volatile struct sock_filter *insn = (struct sock_filter *)ptr;

			insn->code = BPF_RET | BPF_K;
			insn->jt = 0;
			insn->jf = 0;
			insn->k = SECCOMP_RET_ALLOW;
			found++;
		}
	}
	return found;
}

/* The phase markers of attacks.json, made as raw syscalls. */
static __attribute__((unused)) void enter_ready(void)
{
	syscall(SYS_getppid);
}

static __attribute__((unused)) void enter_serving(void)
{
	syscall(SYS_getpgrp);
}

/*
 * What the serving phase never did while recorded: a socket and a shell.
 * Under sysphase run neither may work; each success is said.
 */
static __attribute__((unused)) void payload(const char *who)
{
	char *const sh[] = {"sh", "-c", "echo attack: the shell ran", NULL};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0)
		say("%s: socket succeeded\n", who);
	else
		say("%s: socket failed: %s\n", who, strerrorname_np(errno));
	execv("/bin/sh", sh);
	say("%s: execve failed: %s\n", who, strerrorname_np(errno));
}

#endif /* SYSPHASE_TESTS_ATTACK_H */
