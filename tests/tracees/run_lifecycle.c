/* SPDX-License-Identifier: MIT */
/*
 * Tracee for `sysphase run`: a tiny server with a known lifecycle, for the
 * rule set tests/data/rules/run_lifecycle.json.
 *
 *   init     from exec: socket, setsockopt, bind 127.0.0.1:0, getsockname
 *   ready    opened by listen(): connects a client socket to itself
 *   serving  opened by accept4(): reads what the client wrote, answers it
 *
 * At each phase it prints one line with its pid and its own NoNewPrivs,
 * Seccomp_filters and TracerPid (from /proc/self/status), so a test sees which filters it
 * holds and whether it is still traced.  Options add what the recorded run
 * never does:
 *   --evil           in serving, execve("/bin/true", ...)
 *   --fork           in serving, fork a child that calls sysinfo() and
 *                    exits, and wait for it (fork, sysinfo and wait4 are
 *                    none of them in the recorded serving phase); given
 *                    twice, two children one after the other
 *   --thread         in init, start a thread and join it (glibc tries
 *                    clone3 first, then clone)
 *   --count-stops    in serving, 1000 getppid() and how many times the
 *                    thread slept meanwhile (voluntary_ctxt_switches): a
 *                    ptrace stop at each syscall entry and exit is a sleep,
 *                    so about 2000 under syscall stops, about 0 without
 *   --i386=PHASES    in each listed phase, getpid through `int $0x80`
 *   --x32=PHASES     in each listed phase, getpid with the x32 number
 * PHASES is a comma-separated list of init, ready, serving.  Each attempt
 * prints its result ("ok PID" or the errno name) before the next step, so
 * a run killed by SIGSYS shows how far it got.
 *
 * Output goes through write(2) with no stdio buffer: a process killed by
 * a filter must not lose lines it already produced.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACEE_NAME "lifecycle"
#include "run_say.h"

#define I386_NR_GETPID  20
#define X32_SYSCALL_BIT 0x40000000L
#define X32_NR_GETPID   39

static const char *i386_phases = "";
static const char *x32_phases = "";

/* The value of "Key:" in /proc/self/status, or "?" when absent. */
static void status_field(const char *status, const char *key, char *out, size_t len)
{
	const char *at = strstr(status, key);
	size_t n;

	snprintf(out, len, "?");
	if (!at)
		return;
	at += strlen(key);
	at += strspn(at, " \t");
	n = strcspn(at, "\n");
	snprintf(out, len, "%.*s", (int)n, at);
}

static void report_phase(const char *phase)
{
	char status[4096], nnp[16], filters[16], tracer[16];
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/self/status");
	n = read(fd, status, sizeof(status) - 1);
	if (n < 0)
		die("read /proc/self/status");
	close(fd);
	status[n] = '\0';
	status_field(status, "\nNoNewPrivs:", nnp, sizeof(nnp));
	status_field(status, "\nSeccomp_filters:", filters, sizeof(filters));
	status_field(status, "\nTracerPid:", tracer, sizeof(tracer));
	say("lifecycle: phase %s: pid=%d NoNewPrivs=%s Seccomp_filters=%s TracerPid=%s\n", phase,
	    (int)getpid(), nnp, filters, tracer);
}

/* Whether the comma-separated list holds name. */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n;
		p += *p == ',';
	}
	return false;
}

static long i386_getpid(void)
{
	long ret;

	/* The compat entry does not preserve r8-r11 for 64-bit callers. */
	__asm__ volatile("int $0x80"
	                 : "=a"(ret)
	                 : "a"(I386_NR_GETPID)
	                 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

static void say_result(const char *phase, const char *what, long ret, int err)
{
	if (ret >= 0)
		say("lifecycle: phase %s: %s getpid: ok %ld\n", phase, what, ret);
	else
		say("lifecycle: phase %s: %s getpid: %s\n", phase, what, strerrorname_np(err));
}

/* The foreign-ABI attempts this phase was asked for. */
static void try_abis(const char *phase)
{
	long ret;

	if (listed(i386_phases, phase)) {
		say("lifecycle: phase %s: trying i386 getpid\n", phase);
		ret = i386_getpid();
		/* The kernel answers int $0x80 with -errno in eax, no libc in between. */
		say_result(phase, "i386", ret, ret < 0 ? (int)-ret : 0);
	}
	if (listed(x32_phases, phase)) {
		say("lifecycle: phase %s: trying x32 getpid\n", phase);
		errno = 0;
		ret = syscall(X32_SYSCALL_BIT | X32_NR_GETPID);
		say_result(phase, "x32", ret, errno);
	}
}

static void *thread_main(void *arg)
{
	return arg;
}

/* --thread: one thread, started and joined. */
static void run_thread(void)
{
	pthread_t th;
	int err = pthread_create(&th, NULL, thread_main, NULL);

	if (err) {
		errno = err;
		die("pthread_create");
	}
	pthread_join(th, NULL);
	say("lifecycle: thread started and joined\n");
}

/* This thread's voluntary context switches so far (/proc/thread-self/status). */
static long voluntary_switches(void)
{
	char status[4096], value[32];
	ssize_t n;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/thread-self/status");
	n = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (n < 0)
		die("read /proc/thread-self/status");
	status[n] = '\0';
	status_field(status, "\nvoluntary_ctxt_switches:", value, sizeof(value));
	return atol(value);
}

/* --count-stops */
static void count_stops(void)
{
	long before = voluntary_switches();

	for (int i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	say("lifecycle: phase serving: sleeps in 1000 getppid: %ld\n",
	    voluntary_switches() - before);
}

/* --fork: a child forked in serving makes a call of its own; the parent waits for it. */
static void serve_child(void)
{
	struct sysinfo si;
	int status;
	pid_t child = fork();

	if (child < 0)
		die("fork");
	if (child == 0) {
		report_phase("child");
		say("lifecycle: child %d: sysinfo %s\n", (int)getpid(),
		    sysinfo(&si) == 0 ? "ok" : strerrorname_np(errno));
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	say("lifecycle: child %d ended with status %d\n", (int)child,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	bool evil = false, thread = false, stops = false;
	int forks = 0;
	char buf[16];
	int one = 1, srv, cli, conn;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--evil") == 0)
			evil = true;
		else if (strcmp(argv[i], "--fork") == 0)
			forks++;
		else if (strcmp(argv[i], "--thread") == 0)
			thread = true;
		else if (strcmp(argv[i], "--count-stops") == 0)
			stops = true;
		else if (strncmp(argv[i], "--i386=", 7) == 0)
			i386_phases = argv[i] + 7;
		else if (strncmp(argv[i], "--x32=", 6) == 0)
			x32_phases = argv[i] + 6;
		else {
			say("usage: run_lifecycle [--evil] [--fork]... [--thread] [--count-stops] "
			    "[--i386=PHASES] [--x32=PHASES]\n");
			return 2;
		}
	}

	/* init */
	report_phase("init");
	try_abis("init");
	if (thread)
		run_thread();
	srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0)
		die("socket");
	if (setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (getsockname(srv, (struct sockaddr *)&addr, &alen) < 0)
		die("getsockname");

	/* ready: listen() opens it */
	if (listen(srv, 4) < 0)
		die("listen");
	report_phase("ready");
	try_abis("ready");
	cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cli < 0)
		die("client socket");
	/* A loopback connect completes against the backlog: no accept needed yet. */
	if (connect(cli, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect");
	if (write(cli, "ping", 4) != 4)
		die("client write");

	/* serving: accept4() opens it */
	conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept4");
	report_phase("serving");
	try_abis("serving");
	n = read(conn, buf, sizeof(buf));
	if (n != 4 || memcmp(buf, "ping", 4) != 0)
		die("read of the request");
	if (write(conn, "pong", 4) != 4)
		die("answer");
	n = read(cli, buf, sizeof(buf));
	if (n != 4 || memcmp(buf, "pong", 4) != 0)
		die("read of the answer");
	say("lifecycle: served ping/pong\n");

	if (stops)
		count_stops();
	for (int i = 0; i < forks; i++)
		serve_child();
	if (evil) {
		char *const args[] = {"/bin/true", NULL};

		say("lifecycle: phase serving: trying execve /bin/true\n");
		execve(args[0], args, environ);
		say("lifecycle: phase serving: execve: %s\n", strerrorname_np(errno));
	}
	close(conn);
	close(cli);
	close(srv);
	say("lifecycle: done\n");
	return 0;
}
