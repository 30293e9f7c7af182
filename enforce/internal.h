/* SPDX-License-Identifier: MIT */
/*
 * The enforcer's state, shared by its files (private to enforce/).
 */
#ifndef SYSPHASE_ENFORCE_INTERNAL_H
#define SYSPHASE_ENFORCE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit.h"
#include "sysphase/enforce.h"
#include "sysphase/phases.h"
#include "sysphase/policy.h"

/* One phase of the rules and the filter that enforces it. */
struct phase_filter {
	bool observed; /* the policy has it: the recorded run entered it */
	struct sock_filter *insns;
	size_t len;
	bool leaves; /* the rules let a process leave it (not final, has exits) */
	/*
	 * A thread there is let go: it can never leave the phase, and the
	 * children it forks start in it too (a thread let go no longer
	 * reports its forks, so a phase whose children start elsewhere keeps
	 * its threads followed).
	 */
	bool detach;
	/*
	 * Complain mode, detach phases: the same allowlist with SECCOMP_RET_LOG
	 * as its default, installed when a thread is let go, so the kernel
	 * logs what it would have denied.
	 */
	struct sock_filter *log_insns;
	size_t log_len;
	size_t n_allow;
	struct sp_allow *allow; /* the enforce allowlist, sorted by name (nesting checks) */
};

/*
 * What the supervisor knows of each thread: filters and phases are per
 * thread (docs/run.md).
 */
struct thr {
	pid_t tid, pid;
	int installed; /* phase whose filter the thread holds, -1 none */
	int pending;   /* phase whose filter it must get at its next syscall exit, -1 none */
};

/* What the supervisor knows of each process it has seen. */
struct proc {
	pid_t pid;
	int installed;   /* phase of its denials' filter (a thread's, last seen), -1 none */
	bool gone;       /* exited: kept to name a denial whose audit record comes late */
	uint64_t let_go; /* complain mode: phases of its threads let go under a LOG filter */
	bool named;      /* a note has named a denial of it */
	char comm[32];
	/* The last unfinished call its filter denies: what killed it, if it dies of SIGSYS. */
	const char *denied;
	enum sp_abi denied_abi;
	long denied_nr;
};

/* Complain mode: one entry per (process, phase, syscall). */
struct complaint {
	pid_t pid, tid;
	int phase;
	enum sp_abi abi;
	long nr;
	uint64_t count;
	double first;
	bool has_args, kernel;
	uint64_t args[6];
	char *site;
};

/* A seccomp LOG record the audit thread collected: (pid, arch, nr) and how often. */
struct logged {
	pid_t pid;
	uint32_t arch;
	long nr;
	uint64_t count;
};

struct sp_enforcer {
	struct sp_enforcer_opts opts;
	struct sp_policy *policy;
	struct sp_rules *rules;
	struct sp_detector *detector;
	struct phase_filter *filters; /* indexed by rules phase */
	size_t n_phases;
	int initial;

	struct sp_audit *audit;
	bool expect_records; /* a denial may still be on its way to the kernel log */

	struct proc *procs;
	size_t n_procs, cap_procs;
	struct thr *thrs;
	size_t n_thrs, cap_thrs;
	pid_t leader; /* the launched program */

	struct complaint *complaints;
	size_t n_complaints, cap_complaints;
	/* The audit thread (complain mode) and what it collected, under lock. */
	pthread_t audit_thread;
	bool audit_thread_running;
	pthread_mutex_t lock;
	bool stop_audit;   /* under lock */
	bool audit_enomem; /* under lock: a record could not be kept */
	struct logged *logged;
	size_t n_logged, cap_logged;

	char digest[80]; /* the policy's, which a complain log's header names */

	int error;           /* -errno that ends the run (complain log write) */
	struct sp_diag diag; /* ... and its message */
	struct sp_enforce_result *res;
};

/* policy.c: loads and checks the policy, builds each phase's filter. */
int sp_enforce_load(struct sp_enforcer *e, const char *path, struct sp_diag *diag);
void sp_enforce_unload(struct sp_enforcer *e);

/* The name of rules phase i, "(none)" for -1. */
const char *sp_enforce_phase_name(const struct sp_enforcer *e, int i);

/* What the filter of phase i answers for ev (an SP_EV_SYSCALL): the seccomp return value. */
uint32_t sp_enforce_verdict(const struct sp_enforcer *e, int i, const struct sp_event *ev);

#endif /* SYSPHASE_ENFORCE_INTERNAL_H */
