/* SPDX-License-Identifier: MIT */
/*
 * A serving loop for static completion (tests/e2e/complete_serve.sh):
 * reads one command per line from stdin (a pipe: the generic rules' steady
 * state begins at that read) and answers each on stdout.
 *   hit      the path the recording takes: write(2) only
 *   miss     the error path, never taken while recording: getrusage(2),
 *            syscall(SYS_gettid) and sched_yield(2), then a write
 *   exploit  reaches execve only through a function pointer, as an
 *            attacker who controls one would: completion must not allow it
 * Built at -O2 (handle() reaches its answers through sibling calls, so
 * its frame is not on the recorded stacks) with symbols and stripped.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TRACEE_NAME "complete_serve"
#include "run_say.h"

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

NOINLINE static int answer_hit(const char *what)
{
	say("hit %s\n", what);
	return 0;
}

NOINLINE static int answer_miss(const char *what)
{
	struct rusage ru;
	long tid = syscall(SYS_gettid);

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		die("getrusage");
	sched_yield();
	say("miss %s served by %ld\n", what, tid > 0 ? 1L : 0L);
	return 1;
}

NOINLINE static int spawn_shell(const char *what)
{
	char *const argv[] = {"/bin/true", NULL};

	say("exploit %s: execve\n", what);
	execve(argv[0], argv, NULL);
	die("execve");
	return 2;
}

/* Writable, so the compiler cannot turn calls through it into direct ones. */
int (*volatile complete_hook)(const char *) = spawn_shell;

NOINLINE static int handle(const char *line)
{
	if (strcmp(line, "hit") == 0)
		return answer_hit(line);
	if (strcmp(line, "exploit") == 0)
		return complete_hook(line);
	return answer_miss(line);
}

int main(void)
{
	char buf[256];
	size_t have = 0;
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			handle(buf);
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0; /* a line too long for us: dropped */
	}
	say("bye\n");
	return 0;
}
