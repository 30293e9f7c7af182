/* SPDX-License-Identifier: MIT */
/*
 * The runtime baseline: syscalls the kernel or the C runtime makes on the
 * program's behalf, at moments no recording can predict.  Each entry and
 * its reason is in docs/baseline.md; the reasons below are the ones
 * policy.json carries (provenance "baseline").
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "policy_impl.h"

struct baseline_entry {
	const char *name;
	const char *reason;
};

/* In every phase: any thread may be interrupted, get a signal or end, anywhere. */
static const struct baseline_entry every_phase[] = {
    {"restart_syscall",
     "the kernel resumes a sleep (nanosleep, clock_nanosleep, a timed futex or poll) that a "
     "stop, a ptrace stop or an ignored signal interrupted through restart_syscall; no program "
     "calls it and no recording without that interruption contains it"},
    {"rt_sigreturn",
     "every signal handler returns through it (the restorer glibc gives sigaction); signals "
     "arrive asynchronously, so a handler installed earlier may run in any phase"},
    {"exit",
     "a thread ends with it (pthread_exit, or its start routine returning) in whatever phase "
     "it is in; it ends that thread, not the process"},
    {"exit_group",
     "the process may end in any phase: exit(), a return from main, a fatal error path"},
};

/* In a phase that creates threads: what glibc's start_thread does in the new thread. */
static const struct baseline_entry thread_start[] = {
    {"rseq", "glibc registers a new thread's restartable-sequence area before its start routine "
             "runs (nptl start_thread); the new thread starts in its creator's phase"},
    {"set_robust_list",
     "glibc registers a new thread's robust futex list before its start routine runs"},
    {"rt_sigprocmask",
     "glibc restores in the new thread the signal mask pthread_create blocked around clone, "
     "and blocks signals again when the thread exits"},
    {"madvise", "glibc gives the unused part of an ending thread's stack back (MADV_DONTNEED) just "
                "before its exit"},
};

#define N(a)       (sizeof(a) / sizeof((a)[0]))
#define MAX_PHASES 64

struct sp_baseline {
	size_t n;
	char *phase[MAX_PHASES];
	bool creates_threads[MAX_PHASES];
};

struct sp_baseline *sp_baseline_new(void)
{
	return calloc(1, sizeof(struct sp_baseline));
}

void sp_baseline_free(struct sp_baseline *bl)
{
	if (!bl)
		return;
	for (size_t i = 0; i < bl->n; i++)
		free(bl->phase[i]);
	free(bl);
}

static int phase_slot(struct sp_baseline *bl, const char *phase)
{
	for (size_t i = 0; i < bl->n; i++)
		if (strcmp(bl->phase[i], phase) == 0)
			return (int)i;
	if (bl->n == MAX_PHASES)
		return -E2BIG;
	bl->phase[bl->n] = strdup(phase);
	if (!bl->phase[bl->n])
		return -ENOMEM;
	return (int)bl->n++;
}

/*
 * A thread created: the clone event, or the clone/clone3 call that makes
 * one (a trace recorded without thread events still shows the call).
 * clone3's flags are in memory, which a trace does not keep: any clone3
 * counts.
 */
static bool creates_thread(const struct sp_event *ev)
{
	if (ev->type == SP_EV_CLONE)
		return true;
	if (ev->type != SP_EV_SYSCALL || ev->abi != SP_ABI_X86_64 || !ev->name)
		return false;
	if (strcmp(ev->name, "clone") == 0)
		return (ev->args[0] & CLONE_THREAD) != 0;
	return strcmp(ev->name, "clone3") == 0;
}

int sp_baseline_feed(struct sp_baseline *bl, const struct sp_event *ev)
{
	int slot;

	/*
	 * Only phases that made syscalls: one entered by nothing but an exit
	 * or a signal stays empty, which the builder refuses.
	 */
	if (!ev->phase || (ev->type != SP_EV_SYSCALL && ev->type != SP_EV_CLONE))
		return 0;
	slot = phase_slot(bl, ev->phase);
	if (slot < 0)
		return slot;
	if (creates_thread(ev))
		bl->creates_threads[slot] = true;
	return 0;
}

static int add_entries(struct sp_policy_builder *b, const char *phase,
                       const struct baseline_entry *v, size_t n, struct sp_diag *diag)
{
	for (size_t i = 0; i < n; i++) {
		json_t *why = json_pack("{s:s}", "reason", v[i].reason);
		int rc;

		if (!why)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		rc = sp_policy_builder_add(b, phase, v[i].name, SP_PROV_BASELINE, why, diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sp_baseline_apply(const struct sp_baseline *bl, struct sp_policy_builder *b,
                      struct sp_diag *diag)
{
	for (size_t i = 0; i < bl->n; i++) {
		int rc = add_entries(b, bl->phase[i], every_phase, N(every_phase), diag);

		/* Also where completion let threads be made (clone with CLONE_THREAD). */
		if (rc == 0 &&
		    (bl->creates_threads[i] || sp_policy_builder_makes_threads(b, bl->phase[i])))
			rc = add_entries(b, bl->phase[i], thread_start, N(thread_start), diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}
