/* SPDX-License-Identifier: MIT */
/*
 * The policy builder's state, private to the files that build a policy:
 * builder.c (phases and calls), builder_threads.c (the threads followed
 * and the edges they take), finish.c (from the builder to the model).
 */
#ifndef SYSPHASE_POLICY_BUILDER_IMPL_H
#define SYSPHASE_POLICY_BUILDER_IMPL_H

#include "policy_impl.h"

/* x86-64 syscall numbers are below this (libseccomp knows ~460 of them). */
#define NR_SLOTS 1024

/*
 * Which arguments --args constrains, and how.  Plain sets compare whole
 * values; masked sets compare (arg & mask): O_ACCMODE of the open flags,
 * PROT_EXEC of a protection (so "no PROT_EXEC" is the set {0}).
 */
struct arg_rule {
	const char *name;
	unsigned index;
	uint64_t mask; /* 0: compare the whole value */
	bool forbid;   /* constrain only to "none of mask" (never a set of masked values) */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct argacc {
	const struct arg_rule *rule;
	bool overflow; /* too many values, or one jansson cannot hold: no constraint */
	size_t n;
	uint64_t v[SP_POLICY_MAX_VALUES]; /* sorted */
};

struct bcall {
	const char *name;
	enum sp_provenance prov; /* of additions (sp_policy_builder_add); observed when count > 0 */
	json_t *why;             /* owned */
	uint64_t sources;
	uint64_t count;
	double first, last;
	size_t n_sites, cap_sites;
	const char **sites;
	size_t n_acc;
	struct argacc acc[2];
	bool has_fixed; /* a condition every allowed call must meet (sp_policy_builder_add_cond) */
	struct sp_arg_cond fixed;
};

struct bphase {
	const char *name;
	uint64_t events, started, other_abi, unknown;
	double first, last;
	size_t n_calls;
	struct bcall *calls[NR_SLOTS];
};

/*
 * A thread (phases are per thread: docs/rules.md).  A process's first
 * thread carries its fork edge; a thread a clone event announced starts
 * in its creator's phase, which is no edge at all.
 */
struct bproc {
	pid_t tid, pid;
	int cur;       /* phase it is in, -1 before its first event */
	int fork_from; /* its parent's phase when a fork event announced it, else -1 */
	bool has_parent;
	/* A forked child's role (roles.c): */
	int first;       /* the phase it started in */
	uint64_t worked; /* phases (below 64) it made calls in, but for ending itself */
	bool execd;
	uint64_t *calls; /* what it called in its first phase, 1024 bits; NULL until then */
};

struct sp_policy_builder {
	bool args;
	struct sp_policy *p; /* holds the interned strings from the start */
	const char *const *order;
	size_t n_order;
	size_t n_ph, cap_ph, last_ph;
	struct bphase **ph;
	size_t n_edges, cap_edges;
	struct sp_policy_edge *edges;
	size_t n_procs, cap_procs;
	struct bproc *procs;
	struct sp_roles *roles; /* what forked children's roles did (roles.c) */
	int source;             /* the source events are credited to */
	size_t cap_sources;
	json_t *hold[NR_SLOTS];   /* held back in every phase, observed or not: why (owned) */
	struct sp_rec_source rec; /* what the current trace's events carry (recording.c) */
};

/* builder.c: ev's phase index, made if new, with ev counted in its events and time span; -errno. */
int sp_builder_count_event(struct sp_policy_builder *b, const struct sp_event *ev,
                           struct sp_diag *diag);
/* builder.c: counts syscall ev in phase ph (its arguments, its call site).  0 or -ENOMEM. */
int sp_builder_add_syscall(struct sp_policy_builder *b, struct bphase *ph,
                           const struct sp_event *ev);
/* builder_threads.c: every thread's life is over (the input, or one source of it, ended). */
int sp_builder_threads_end(struct sp_policy_builder *b);

#endif /* SYSPHASE_POLICY_BUILDER_IMPL_H */
