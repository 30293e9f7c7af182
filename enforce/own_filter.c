/* SPDX-License-Identifier: MIT */
/*
 * A thread that installed a seccomp filter of its own which forbids
 * further filters (OpenSSH's privilege-separated child: its sandbox kills
 * seccomp() and refuses openat) can never be narrowed again, nor get a
 * Landlock layer.  Filters only narrow: it holds sysphase's filters of the
 * phase it is in, verified when they went in, and its own, for the rest
 * of its life and its children's.  Injecting the next phase's filter
 * would only get it killed.  Why letting it go is sound against a
 * hostile program: docs/security.md ("A filter that forbids further
 * filters").
 *
 * The filters are read back from the kernel (PTRACE_SECCOMP_GET_FILTER,
 * which needs CAP_SYS_ADMIN and a stopped tracee) and run, by the BPF
 * simulator, on the calls a hand-over makes.  Where they cannot be read
 * the hand-over is tried as always, and fails closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "internal.h"

/* Older glibc headers lack it; the kernel has had it since 4.4. */
#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif

/*
 * The calls a hand-over makes in the thread (tracer/install.c and
 * tracer/landlock.c): the seccomp() that installs the filter, and for a
 * Landlock layer the calls that build it, first.
 */
static const struct handover_call {
	const char *name;
	long nr;
	uint64_t arg0, arg1;
	bool landlock;
} handover_calls[] = {
    {"seccomp", SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, false},
    {"prctl", SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, true},
    {"openat", SYS_openat, (uint64_t)-100 /* AT_FDCWD */, 0, true},
    {"landlock_create_ruleset", SYS_landlock_create_ruleset, 0, 0, true},
    {"landlock_add_rule", SYS_landlock_add_rule, 0, 0, true},
    {"landlock_restrict_self", SYS_landlock_restrict_self, 0, 0, true},
    {"close", SYS_close, 0, 0, true},
};

static bool same_program(const struct sock_filter *a, size_t alen, const struct sock_filter *b,
                         size_t blen)
{
	return a && alen == blen && memcmp(a, b, blen * sizeof(*b)) == 0;
}

/* Whether prog is one sysphase built (a phase's filter, LOG filter, answers, trigger filter). */
static bool ours(const struct sp_enforcer *e, const struct sock_filter *prog, size_t len)
{
	for (size_t i = 0; i < e->n_phases; i++) {
		const struct phase_filter *f = &e->filters[i];
		const struct phase_watch *w = &e->watch[i];

		if (same_program(f->insns, f->len, prog, len) ||
		    same_program(f->log_insns, f->log_len, prog, len) ||
		    same_program(f->answer_insns, f->answer_len, prog, len) ||
		    same_program(w->trace_insns, w->trace_len, prog, len))
			return true;
	}
	return false;
}

/* The first hand-over call prog does not let through, or NULL. */
static const char *first_refused(const struct sock_filter *prog, size_t len, bool landlock)
{
	for (size_t i = 0; i < sizeof(handover_calls) / sizeof(*handover_calls); i++) {
		const struct handover_call *c = &handover_calls[i];
		struct seccomp_data sd = {.nr = (int)c->nr, .arch = AUDIT_ARCH_X86_64};
		uint32_t action = SECCOMP_RET_KILL_PROCESS;

		if (c->landlock && !landlock)
			continue;
		sd.args[0] = c->arg0;
		sd.args[1] = c->arg1;
		if (sp_bpf_run(prog, len, &sd, &action) < 0)
			return c->name; /* a program the simulator cannot run: assume the worst */
		action &= SECCOMP_RET_ACTION_FULL;
		if (action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG)
			return c->name;
	}
	return NULL;
}

/* Filter number index of tid (0 the oldest) into *prog: its length, 0 past the last, -errno. */
static long read_filter(pid_t tid, long index, struct sock_filter **prog)
{
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, NULL);

	*prog = NULL;
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	*prog = calloc((size_t)n ? (size_t)n : 1, sizeof(**prog));
	if (!*prog)
		return -ENOMEM;
	if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, *prog) != n) {
		free(*prog);
		*prog = NULL;
		return -EIO;
	}
	return n;
}

const char *sp_enforce_sealed(const struct sp_enforcer *e, struct thr *t, bool landlock)
{
	const char *refused = NULL;

	/*
	 * A thread holds at most a few dozen filters: the kernel caps their
	 * total size.  Those its ours_filters counts were read before and are
	 * sysphase's programs: the filter numbered i (from the oldest) never
	 * changes, since filters only stack up on the newest end (TSYNC
	 * too: it gives a thread a chain its own is the oldest part of), and
	 * a child inherits its creator's chain whole.  A fork-per-connection
	 * server's children read one or two filters per hand-over, not all.
	 */
	for (long index = t->ours_filters; !refused && index < 4096; index++) {
		struct sock_filter *prog;
		long n = read_filter(t->tid, index, &prog);

		if (n <= 0)
			break; /* the last one read, or no way to tell: the hand-over is tried */
		if (!ours(e, prog, (size_t)n))
			refused = first_refused(prog, (size_t)n, landlock);
		else if (index == t->ours_filters)
			t->ours_filters++;
		free(prog);
	}
	return refused;
}

void sp_enforce_note_sealed(struct sp_enforcer *e, const struct thr *t, const char *refused)
{
	const struct proc *p = sp_proc_find(e, t->pid);
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_SEALED,
	    .pid = t->pid,
	    .tid = t->tid,
	    .comm = p ? p->comm : "",
	    .phase = sp_enforce_phase_name(e, t->pending),
	    .held_phase = sp_enforce_phase_name(e, t->installed),
	    .reason = refused,
	};

	if (t->installed >= 0 && t->installed < 64) {
		if (e->sealed_noted & (1ULL << t->installed))
			return;
		e->sealed_noted |= 1ULL << t->installed;
	}
	sp_enforce_note(e, &n);
}
