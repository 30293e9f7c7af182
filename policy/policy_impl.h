/* SPDX-License-Identifier: MIT */
/*
 * The representation of a policy: private to policy/.  Everything else
 * reads a policy through include/sysphase/policy.h's accessors and builds
 * one with its builder, so that no caller can make the views disagree
 * (an enforce list that is not the union of its reach, a threat count
 * that is not its list's).
 */
#ifndef SYSPHASE_POLICY_IMPL_H
#define SYSPHASE_POLICY_IMPL_H

#include "sysphase/policy.h"

/* One syscall of a phase's own list (or of its held-back list). */
struct sp_policy_call {
	const char *name; /* interned in the policy */
	uint64_t count;
	double first, last; /* trace times of its first and last call in the phase */
	size_t n_sites;
	const char **sites; /* distinct call-site modules, sorted; interned */
	/* --args: conditions every observed call satisfies; none = any arguments */
	size_t n_conds;
	struct sp_arg_cond conds[6];
	enum sp_provenance prov;
	json_t *why;      /* owned; NULL when observed */
	uint64_t sources; /* bit s: source s contributed it */
};

struct sp_policy_phase {
	const char *name;           /* interned */
	uint64_t events;            /* events stamped with it (all kinds) */
	uint64_t processes_started; /* processes first seen in it (no fork seen) */
	double first, last;
	size_t n_exact;
	struct sp_policy_call *exact; /* sorted by name; every provenance but held back */
	size_t n_held;
	struct sp_policy_call *held; /* held back: listed, never allowed; sorted by name */
	size_t n_enforce;
	struct sp_allow *enforce; /* sorted by name; names interned */
	size_t n_reach;
	int *reach;     /* phases reachable from this one, itself included, ascending */
	bool has_exits; /* an edge leaves it for another phase */
	/* Calls that no x86-64 filter can allow: other ABIs, unknown numbers. */
	uint64_t other_abi, unknown;
	unsigned threat_exact[SP_THREAT_LEVELS + 1]; /* [0] = not rated */
	unsigned threat_enforce[SP_THREAT_LEVELS + 1];
};

struct sp_policy {
	json_t *program; /* {"command": [...]} or similar; owned, may be NULL */
	json_t *rules;   /* the rule set, embedded; owned, may be NULL */
	char *rules_name;
	bool args; /* argument constraints were collected */
	size_t n_phases;
	struct sp_policy_phase *phases;
	size_t n_edges;
	struct sp_policy_edge *edges; /* sorted by (from, to, kind) */
	size_t n_sources;
	char **sources; /* labels of the traces and logs it was built from; owned */
	struct sp_landlock
	    *landlock; /* per-phase Landlock rules (policy/landlock*.c); may be NULL */
	struct sp_policy_recording rec; /* recording.c */
	/* private: interned strings */
	size_t n_strs, cap_strs;
	char **strs;
};

/* *arr holds at least need elements of size bytes (doubling): 0 or -ENOMEM. */
int sp_policy_grow(void **arr, size_t *cap, size_t need, size_t size);

/* qsort/bsearch order of struct sp_allow: by name. */
int sp_policy_cmp_allow(const void *a, const void *b);

/* recording.c: what one trace's events carried, folded into a policy's recording at its end. */
struct sp_rec_source {
	size_t syscalls, stacked;
	bool symbols;
	bool unread_stacks, unread_strings; /* the reader did not build them for this trace */
	bool stacks_unknown, cut_unknown;   /* some trace's were not read: sticky */
};

void sp_rec_init(struct sp_policy_recording *r);
/* One event of a trace: its stack, and the strings its decoder cut (r->cut_at). */
void sp_rec_note(struct sp_rec_source *s, struct sp_policy_recording *r, const struct sp_event *ev);
/* Whether the reader builds the current trace's stacks and decoded strings (else unknown). */
void sp_rec_source_reads(struct sp_rec_source *s, bool stacks, bool strings);
/* The trace ends: its stacks count in r (the weakest trace's), and s starts afresh. */
void sp_rec_fold(struct sp_rec_source *s, struct sp_policy_recording *r);
/* policy.json's `recording`, NULL when unknown (nothing to write); read back: 0 or -EINVAL. */
json_t *sp_rec_to_json(const struct sp_policy_recording *r);
int sp_rec_from_json(json_t *v, struct sp_policy_recording *r);

/*
 * Whether the events of the trace about to be fed carry their stacks and
 * decoded strings as recorded (the reader builds them only when asked):
 * what the policy's `recording` can say of it.  Both by default.
 */
void sp_policy_builder_reads(struct sp_policy_builder *b, bool stacks, bool strings);

/* A copy of s owned by p, the same pointer for equal strings; NULL on ENOMEM. */
const char *sp_policy_intern(struct sp_policy *p, const char *s);

/*
 * Every phase's reach and has_exits, closed over the recorded edges and
 * the edges of the embedded rules a thread in it can take (nesting.c).
 * Needs the exact lists; 0 or -ENOMEM.
 */
int sp_policy_close_reach(struct sp_policy *p);

/* has_exits alone, for a policy read back: an edge of the rules or of the recording leaves. */
int sp_policy_derive_exits(struct sp_policy *p);

/*
 * A call of a complain log (ev->phase set): counted in its phase, but no
 * process is followed (a log names calls, not the moves between phases),
 * and without args_known its zeros constrain nothing.  0, -EINVAL,
 * -ENOMEM.
 */
int sp_policy_feed_logged(struct sp_policy_builder *b, const struct sp_event *ev, bool args_known,
                          struct sp_diag *diag);

/*
 * Where io_uring was used and is held back, what its users fall back to
 * (libaio's calls), as baseline.  Errors as sp_policy_builder_add().
 */
int sp_policy_builder_add_fallbacks(struct sp_policy_builder *b, struct sp_diag *diag);

/*
 * Whether phase may create threads by what was added to it: a clone that
 * must have CLONE_THREAD (completion's, SP_COMPLETE_ADD_THREAD_ONLY).
 */
bool sp_policy_builder_makes_threads(const struct sp_policy_builder *b, const char *phase);

/* Roles that share code (roles.c): what a forked child's role did, per parent phase. */
struct sp_roles;

/* The life of one forked thread, once it is over (or the input is). */
struct sp_role_life {
	int parent, first;     /* builder phase indexes: the parent's at the fork, its first */
	uint64_t worked;       /* bit i: it made a call other than ending itself in phase i */
	bool execd;            /* it ran another program: not its parent's code any more */
	const uint64_t *calls; /* what it called in its first phase (1024 bits), may be NULL */
};

struct sp_roles *sp_roles_new(void); /* NULL on ENOMEM */
void sp_roles_free(struct sp_roles *rl);
int sp_roles_note(struct sp_roles *rl, const struct sp_role_life *life); /* 0, -ENOMEM */

/*
 * Adds, with provenance completed, what children that never left their
 * first phase called to the other phases their siblings (forked from the
 * same parent phase) were seen working in.  Errors as
 * sp_policy_builder_add().
 */
int sp_roles_apply(const struct sp_roles *rl, struct sp_policy_builder *b,
                   const char *(*phase_name)(const struct sp_policy_builder *b, int i),
                   struct sp_diag *diag);

#endif /* SYSPHASE_POLICY_IMPL_H */
