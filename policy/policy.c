/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <fcntl.h>
#include <linux/seccomp.h>

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

static const struct arg_rule arg_rules[] = {
    {"socket", 0, 0}, /* domain */
    {"socket", 1, 0}, /* type, with SOCK_NONBLOCK/SOCK_CLOEXEC */
    {"prctl", 0, 0},  /* option */
    {"fcntl", 1, 0},  /* command */
    {"ioctl", 1, 0},  /* request */
    {"clone", 0, 0},  /* flags: threads (CLONE_THREAD) vs processes */
    /*
     * prot: a phase that never asked for PROT_EXEC gets "no PROT_EXEC";
     * one that did is not limited to executable mappings (it also maps
     * data), so it gets no constraint.
     */
    {"mmap", 2, PROT_EXEC, true},
    {"mprotect", 2, PROT_EXEC, true},
    {"pkey_mprotect", 2, PROT_EXEC, true},
    {"openat", 2, O_ACCMODE}, /* flags */
    {"open", 1, O_ACCMODE},   /* flags */
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
	json_t *hold[NR_SLOTS]; /* held back in every phase, observed or not: why (owned) */
};

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * size);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

const char *sp_policy_intern(struct sp_policy *p, const char *s)
{
	char *c;

	for (size_t i = 0; i < p->n_strs; i++)
		if (strcmp(p->strs[i], s) == 0)
			return p->strs[i];
	if (grow((void **)&p->strs, &p->cap_strs, p->n_strs + 1, sizeof(*p->strs)) < 0)
		return NULL;
	c = strdup(s);
	if (!c)
		return NULL;
	p->strs[p->n_strs++] = c;
	return c;
}

struct sp_policy_builder *sp_policy_builder_new(bool args, const char *const *phase_order,
                                                size_t n_order)
{
	struct sp_policy_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->p = calloc(1, sizeof(*b->p));
	if (!b->p) {
		free(b);
		return NULL;
	}
	b->roles = sp_roles_new();
	if (!b->roles) {
		free(b->p);
		free(b);
		return NULL;
	}
	b->args = args;
	b->p->args = args;
	b->order = phase_order;
	b->n_order = n_order;
	return b;
}

static void free_bphase(struct bphase *ph)
{
	if (!ph)
		return;
	for (size_t i = 0; i < NR_SLOTS; i++) {
		if (ph->calls[i]) {
			free(ph->calls[i]->sites);
			json_decref(ph->calls[i]->why);
		}
		free(ph->calls[i]);
	}
	free(ph);
}

void sp_policy_builder_free(struct sp_policy_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_ph; i++)
		free_bphase(b->ph[i]);
	free(b->ph);
	free(b->edges);
	for (size_t i = 0; i < b->n_procs; i++)
		free(b->procs[i].calls);
	free(b->procs);
	sp_roles_free(b->roles);
	for (size_t i = 0; i < NR_SLOTS; i++)
		json_decref(b->hold[i]);
	sp_policy_free(b->p);
	free(b);
}

static int phase_of(struct sp_policy_builder *b, const char *name)
{
	struct bphase *ph;

	/* Consecutive events mostly share their phase: try the last one first. */
	if (b->last_ph < b->n_ph && strcmp(b->ph[b->last_ph]->name, name) == 0)
		return (int)b->last_ph;
	for (size_t i = 0; i < b->n_ph; i++)
		if (strcmp(b->ph[i]->name, name) == 0) {
			b->last_ph = i;
			return (int)i;
		}
	if (b->n_ph >= 4096)
		return -E2BIG;
	if (grow((void **)&b->ph, &b->cap_ph, b->n_ph + 1, sizeof(*b->ph)) < 0)
		return -ENOMEM;
	ph = calloc(1, sizeof(*ph));
	if (!ph)
		return -ENOMEM;
	ph->name = sp_policy_intern(b->p, name);
	if (!ph->name) {
		free(ph);
		return -ENOMEM;
	}
	b->ph[b->n_ph] = ph;
	return (int)b->n_ph++;
}

static struct bproc *proc_of(struct sp_policy_builder *b, pid_t tid, pid_t pid)
{
	for (size_t i = 0; i < b->n_procs; i++)
		if (b->procs[i].tid == tid)
			return &b->procs[i];
	if (grow((void **)&b->procs, &b->cap_procs, b->n_procs + 1, sizeof(*b->procs)) < 0)
		return NULL;
	b->procs[b->n_procs] =
	    (struct bproc){.tid = tid, .pid = pid, .cur = -1, .fork_from = -1, .first = -1};
	return &b->procs[b->n_procs++];
}

/* A thread's life is over: what its role did is noted (roles.c). */
static int proc_end(struct sp_policy_builder *b, struct bproc *pr)
{
	struct sp_role_life life = {.parent = pr->fork_from,
	                            .first = pr->first,
	                            .worked = pr->worked,
	                            .execd = pr->execd,
	                            .calls = pr->calls};
	int rc = sp_roles_note(b->roles, &life);

	free(pr->calls);
	pr->calls = NULL;
	return rc;
}

/* A thread's end (tid), or its whole process's (every thread of pid). */
static int proc_drop(struct sp_policy_builder *b, pid_t tid, pid_t pid)
{
	int rc = 0;

	for (size_t i = 0; i < b->n_procs;)
		if (b->procs[i].tid == tid || (pid && b->procs[i].pid == pid)) {
			rc |= proc_end(b, &b->procs[i]);
			b->procs[i] = b->procs[--b->n_procs];
		} else {
			i++;
		}
	return rc < 0 ? -ENOMEM : 0;
}

/* Every thread's life is over: the input ended. */
static int procs_end(struct sp_policy_builder *b)
{
	int rc = 0;

	for (size_t i = 0; i < b->n_procs; i++)
		rc |= proc_end(b, &b->procs[i]);
	b->n_procs = 0;
	return rc < 0 ? -ENOMEM : 0;
}

/* What a forked child did, for its role: where it worked, and what it called at first. */
static int note_work(struct bproc *pr, int idx, const struct sp_event *ev)
{
	if (pr->fork_from < 0 || ev->abi != SP_ABI_X86_64 || !ev->name || ev->nr < 0 ||
	    ev->nr >= NR_SLOTS || strcmp(ev->name, "exit_group") == 0 ||
	    strcmp(ev->name, "exit") == 0)
		return 0;
	if (idx < 64)
		pr->worked |= 1ull << idx;
	if (idx != pr->first)
		return 0;
	if (!pr->calls && !(pr->calls = calloc(NR_SLOTS / 64, sizeof(*pr->calls))))
		return -ENOMEM;
	pr->calls[ev->nr / 64] |= 1ull << (ev->nr % 64);
	return 0;
}

/* A thread announced by a clone event: it starts where its creator is, with no edge. */
static int note_clone(struct sp_policy_builder *b, int creator_phase, pid_t child, pid_t pid)
{
	struct bproc *pr = proc_of(b, child, pid);

	if (!pr)
		return -ENOMEM;
	pr->has_parent = true;
	if (pr->cur < 0)
		pr->cur = creator_phase;
	return 0;
}

static int add_edge(struct sp_policy_builder *b, int from, int to, enum sp_edge_kind kind)
{
	for (size_t i = 0; i < b->n_edges; i++) {
		struct sp_policy_edge *e = &b->edges[i];

		if (e->from == from && e->to == to && e->kind == kind) {
			e->count++;
			return 0;
		}
	}
	if (grow((void **)&b->edges, &b->cap_edges, b->n_edges + 1, sizeof(*b->edges)) < 0)
		return -ENOMEM;
	b->edges[b->n_edges++] = (struct sp_policy_edge){from, to, kind, 1};
	return 0;
}

/* Moves process pr into phase idx, recording the edge that took it there. */
static int enter(struct sp_policy_builder *b, struct bproc *pr, int idx)
{
	int rc = 0;

	if (pr->cur < 0) {
		pr->first = idx;
		if (pr->fork_from >= 0)
			rc = add_edge(b, pr->fork_from, idx, SP_EDGE_FORK);
		else if (pr->tid == pr->pid)
			b->ph[idx]->started++;
	} else if (pr->cur != idx) {
		rc = add_edge(b, pr->cur, idx, SP_EDGE_TRANSITION);
	}
	pr->cur = idx;
	return rc;
}

/*
 * A fork event for child.  The child's own first event may already have
 * been seen (a child's first stop can beat its parent's fork report): then
 * it was counted as a process of its own and is re-parented here.
 */
static int note_fork(struct sp_policy_builder *b, int parent_phase, pid_t child)
{
	struct bproc *pr = proc_of(b, child, child);

	if (!pr)
		return -ENOMEM;
	if (pr->has_parent)
		return 0;
	pr->has_parent = true;
	if (pr->cur < 0) {
		pr->fork_from = parent_phase;
		return 0;
	}
	/* Its first phase is the one it has been in since: no transition seen yet is lost. */
	b->ph[pr->cur]->started--;
	pr->fork_from = parent_phase;
	return add_edge(b, parent_phase, pr->cur, SP_EDGE_FORK);
}

static int add_site(struct sp_policy *p, struct bcall *c, const char *site)
{
	const char *s;
	size_t i;

	for (i = 0; i < c->n_sites; i++)
		if (strcmp(c->sites[i], site) == 0)
			return 0;
	if (c->n_sites >= 64)
		return 0; /* a module list this long says nothing more */
	if (grow((void **)&c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites)) < 0)
		return -ENOMEM;
	s = sp_policy_intern(p, site);
	if (!s)
		return -ENOMEM;
	c->sites[c->n_sites++] = s;
	return 0;
}

static void acc_add(struct argacc *a, uint64_t raw)
{
	uint64_t v = a->rule->mask ? raw & a->rule->mask : raw;
	size_t i;

	if (a->overflow)
		return;
	/* JSON integers are signed 64-bit (jansson): larger values cannot be written back. */
	if (v > INT64_MAX) {
		a->overflow = true;
		return;
	}
	for (i = 0; i < a->n && a->v[i] < v; i++)
		;
	if (i < a->n && a->v[i] == v)
		return;
	if (a->n == SP_POLICY_MAX_VALUES) {
		a->overflow = true;
		return;
	}
	memmove(&a->v[i + 1], &a->v[i], (a->n - i) * sizeof(a->v[0]));
	a->v[i] = v;
	a->n++;
}

static struct bcall *new_call(struct sp_policy_builder *b, const char *name)
{
	struct bcall *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->name = sp_policy_intern(b->p, name);
	if (!c->name) {
		free(c);
		return NULL;
	}
	for (size_t i = 0; b->args && i < N(arg_rules) && c->n_acc < N(c->acc); i++)
		if (strcmp(arg_rules[i].name, name) == 0)
			c->acc[c->n_acc++].rule = &arg_rules[i];
	return c;
}

static int add_syscall(struct sp_policy_builder *b, struct bphase *ph, const struct sp_event *ev)
{
	struct bcall *c;

	if (ev->abi != SP_ABI_X86_64) {
		ph->other_abi++;
		return 0;
	}
	if (ev->nr < 0 || ev->nr >= NR_SLOTS || !ev->name) {
		ph->unknown++;
		return 0;
	}
	c = ph->calls[ev->nr];
	if (!c) {
		/* Trust the number, but only under the name libseccomp gives it. */
		if (sp_filter_syscall_nr(ev->name) != ev->nr) {
			ph->unknown++;
			return 0;
		}
		c = new_call(b, ev->name);
		if (!c)
			return -ENOMEM;
		ph->calls[ev->nr] = c;
		ph->n_calls++;
	}
	if (c->count == 0)
		c->first = ev->ts; /* it may have been added before it was seen */
	c->count++;
	c->last = ev->ts;
	c->sources |= 1ull << b->source;
	for (size_t i = 0; i < c->n_acc; i++)
		acc_add(&c->acc[i], ev->args[c->acc[i].rule->index]);
	return ev->site ? add_site(b->p, c, ev->site) : 0;
}

/* The index of ev's phase, made if new, with ev counted in its events and time span; -errno. */
static int count_event(struct sp_policy_builder *b, const struct sp_event *ev, struct sp_diag *diag)
{
	struct bphase *ph;
	int idx = phase_of(b, ev->phase);

	if (idx < 0)
		return sp_diag_set(diag, -idx, "cannot add phase '%s': %s", ev->phase,
		                   strerror(-idx));
	ph = b->ph[idx];
	if (ph->events == 0 || ev->ts < ph->first)
		ph->first = ev->ts;
	if (ph->events == 0 || ev->ts > ph->last)
		ph->last = ev->ts;
	ph->events++;
	return idx;
}

int sp_policy_feed(struct sp_policy_builder *b, const struct sp_event *ev, struct sp_diag *diag)
{
	struct bphase *ph;
	struct bproc *pr;
	int idx, rc;

	if (!ev->phase)
		return sp_diag_set(diag, EINVAL, "event of pid %d at %.6f has no phase",
		                   (int)ev->pid, ev->ts);
	idx = count_event(b, ev, diag);
	if (idx < 0)
		return idx;
	ph = b->ph[idx];
	pr = proc_of(b, ev->tid > 0 ? ev->tid : ev->pid, ev->pid);
	if (!pr)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (ev->type == SP_EV_EXEC && ev->former_tid) {
		/* The exec'ing thread goes on under the leader's id (docs/rules.md). */
		int former = -1;

		for (size_t i = 0; i < b->n_procs; i++)
			if (b->procs[i].tid == ev->former_tid)
				former = b->procs[i].cur;
		if (proc_drop(b, ev->former_tid, 0) < 0)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		pr = proc_of(b, ev->tid, ev->pid);
		if (!pr)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		if (former >= 0)
			pr->cur = former;
	}
	rc = enter(b, pr, idx);
	if (ev->type == SP_EV_EXEC)
		pr->execd = true;
	if (rc == 0 && ev->type == SP_EV_SYSCALL)
		rc = note_work(pr, idx, ev);
	if (rc == 0 && ev->type == SP_EV_FORK)
		rc = note_fork(b, idx, ev->child);
	if (rc == 0 && ev->type == SP_EV_CLONE)
		rc = note_clone(b, idx, ev->child, ev->pid);
	if (rc == 0 && ev->type == SP_EV_SYSCALL)
		rc = add_syscall(b, ph, ev);
	if (rc == 0 && ev->type == SP_EV_EXIT)
		rc = proc_drop(b, ev->tid > 0 ? ev->tid : ev->pid, ev->whole_process ? ev->pid : 0);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "out of memory");
	return 0;
}

int sp_policy_feed_logged(struct sp_policy_builder *b, const struct sp_event *ev, bool args_known,
                          struct sp_diag *diag)
{
	struct bphase *ph;
	struct bcall *c;
	int idx, rc;

	if (!ev->phase || ev->type != SP_EV_SYSCALL)
		return sp_diag_set(diag, EINVAL, "a logged call of pid %d has no phase",
		                   (int)ev->pid);
	idx = count_event(b, ev, diag);
	if (idx < 0)
		return idx;
	ph = b->ph[idx];
	rc = add_syscall(b, ph, ev);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "out of memory");
	c = ev->nr >= 0 && ev->nr < NR_SLOTS ? ph->calls[ev->nr] : NULL;
	/* Zeros the kernel did not see are no values: nothing to constrain them to. */
	for (size_t i = 0; c && !args_known && i < c->n_acc; i++)
		c->acc[i].overflow = true;
	return 0;
}

int sp_policy_builder_add_fallbacks(struct sp_policy_builder *b, struct sp_diag *diag)
{
	/*
	 * What io_uring's users fall back to when io_uring_setup fails: libaio
	 * (MariaDB's InnoDB, liburing's callers that have it) or threads (the
	 * baseline's).  libaio's operations are reads, writes and syncs on fds
	 * the program already holds: no open, connect or unlink a filter
	 * would miss.
	 */
	static const char *const libaio[] = {"io_setup", "io_submit", "io_getevents", "io_destroy",
	                                     "io_cancel"};
	static const char *const reason =
	    "the phase used io_uring, which is held back: run answers io_uring_setup with EPERM, "
	    "and "
	    "its users fall back to libaio (MariaDB's InnoDB) or to threads";

	for (size_t i = 0; i < b->n_ph; i++) {
		bool used = false;

		for (const char *const *u = sp_policy_unfilterable(); *u && !used; u++) {
			int nr = sp_filter_syscall_nr(*u);
			const struct bcall *c =
			    nr >= 0 && nr < NR_SLOTS ? b->ph[i]->calls[nr] : NULL;

			used = c && c->count > 0 && b->hold[nr];
		}
		for (size_t k = 0; used && k < sizeof(libaio) / sizeof(*libaio); k++) {
			int rc =
			    sp_policy_builder_add(b, b->ph[i]->name, libaio[k], SP_PROV_BASELINE,
			                          json_pack("{s:s}", "reason", reason), diag);

			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

bool sp_policy_builder_makes_threads(const struct sp_policy_builder *b, const char *phase)
{
	int nr = sp_filter_syscall_nr("clone");

	for (size_t i = 0; nr >= 0 && i < b->n_ph; i++) {
		const struct bcall *c = b->ph[i]->calls[nr];

		if (strcmp(b->ph[i]->name, phase) == 0)
			return c && c->has_fixed && c->fixed.index == 0 &&
			       (c->fixed.mask & CLONE_THREAD) && c->fixed.n_values == 1 &&
			       (c->fixed.values[0] & CLONE_THREAD);
	}
	return false;
}

static bool phase_known(const struct sp_policy_builder *b, const char *name)
{
	for (size_t i = 0; i < b->n_order; i++)
		if (b->order[i] && strcmp(b->order[i], name) == 0)
			return true;
	for (size_t i = 0; i < b->n_ph; i++)
		if (strcmp(b->ph[i]->name, name) == 0)
			return true;
	return false;
}

int sp_policy_builder_add(struct sp_policy_builder *b, const char *phase, const char *name,
                          enum sp_provenance prov, json_t *why, struct sp_diag *diag)
{
	struct bcall *c;
	int idx, nr;

	if (prov <= SP_PROV_OBSERVED || prov >= SP_PROV_COUNT) {
		json_decref(why);
		return sp_diag_set(diag, EINVAL, "'%s': only events make a call observed",
		                   name ? name : "(null)");
	}
	if (!phase || !phase_known(b, phase)) {
		json_decref(why);
		return sp_diag_set(diag, EINVAL, "unknown phase '%s'", phase ? phase : "(null)");
	}
	nr = name ? sp_filter_syscall_nr(name) : -ENOENT;
	if (nr < 0 || nr >= NR_SLOTS) {
		json_decref(why);
		return sp_diag_set(diag, EINVAL,
		                   "syscall '%s' is not known to libseccomp on x86_64",
		                   name ? name : "(null)");
	}
	idx = phase_of(b, phase);
	if (idx < 0) {
		json_decref(why);
		return sp_diag_set(diag, -idx, "cannot add phase '%s': %s", phase, strerror(-idx));
	}
	c = b->ph[idx]->calls[nr];
	if (!c) {
		c = new_call(b, name);
		if (!c) {
			json_decref(why);
			return sp_diag_set(diag, ENOMEM, "out of memory");
		}
		c->prov = prov;
		c->why = why;
		b->ph[idx]->calls[nr] = c;
		b->ph[idx]->n_calls++;
		return 0;
	}
	/* The strongest reason to allow it wins: observed, then baseline, completed, held back. */
	if (c->prov == SP_PROV_OBSERVED || prov < c->prov) {
		json_decref(c->why);
		c->why = why;
		c->prov = prov;
	} else {
		json_decref(why);
	}
	return 0;
}

int sp_policy_builder_add_cond(struct sp_policy_builder *b, const char *phase, const char *name,
                               enum sp_provenance prov, const struct sp_arg_cond *cond, json_t *why,
                               struct sp_diag *diag)
{
	int idx, nr, rc;
	struct bcall *c;

	if (!cond || cond->index > 5 || cond->n_values == 0 || cond->n_values > SP_ARG_MAX_VALUES) {
		json_decref(why);
		return sp_diag_set(diag, EINVAL, "'%s': not a valid argument condition",
		                   name ? name : "(null)");
	}
	rc = sp_policy_builder_add(b, phase, name, prov, why, diag);
	if (rc < 0)
		return rc;
	idx = phase_of(b, phase);
	nr = sp_filter_syscall_nr(name);
	if (idx < 0 || nr < 0 || nr >= NR_SLOTS || !(c = b->ph[idx]->calls[nr]))
		return sp_diag_set(diag, EINVAL, "'%s' was not added", name);
	c->has_fixed = true;
	c->fixed = *cond;
	return 0;
}

int sp_policy_builder_hold_back(struct sp_policy_builder *b, const char *name, json_t *why,
                                struct sp_diag *diag)
{
	int nr = name ? sp_filter_syscall_nr(name) : -ENOENT;

	if (nr < 0 || nr >= NR_SLOTS || !json_is_object(why)) {
		json_decref(why);
		return sp_diag_set(diag, EINVAL,
		                   nr < 0 ? "syscall '%s' is not known to libseccomp on x86_64"
		                          : "'%s': the reason must be a JSON object",
		                   name ? name : "(null)");
	}
	json_decref(b->hold[nr]);
	b->hold[nr] = why;
	return 0;
}

int sp_policy_builder_begin_source(struct sp_policy_builder *b, const char *label)
{
	struct sp_policy *p = b->p;
	char *copy;

	if (p->n_sources >= 64)
		return -E2BIG;
	copy = strdup(label ? label : "");
	if (!copy)
		return -ENOMEM;
	if (grow((void **)&p->sources, &b->cap_sources, p->n_sources + 1, sizeof(*p->sources)) <
	    0) {
		free(copy);
		return -ENOMEM;
	}
	p->sources[p->n_sources] = copy;
	b->source = (int)p->n_sources++;
	/*
	 * Another trace's pids are other processes, even when the numbers
	 * repeat: a process of the last one must not "move" into a phase of
	 * this one.
	 */
	return procs_end(b);
}

int sp_policy_builder_set_origin(struct sp_policy_builder *b, json_t *program, json_t *rules,
                                 const char *rules_name)
{
	struct sp_policy *p = b->p;
	char *name = rules_name ? strdup(rules_name) : NULL;

	if (rules_name && !name) {
		json_decref(program);
		json_decref(rules);
		return -ENOMEM;
	}
	json_decref(p->program);
	json_decref(p->rules);
	free(p->rules_name);
	p->program = program;
	p->rules = rules;
	p->rules_name = name;
	return 0;
}

/* ---- finishing ---- */

static int cmp_call(const void *a, const void *b)
{
	return strcmp(((const struct sp_policy_call *)a)->name,
	              ((const struct sp_policy_call *)b)->name);
}

static int cmp_allow(const void *a, const void *b)
{
	return strcmp(((const struct sp_allow *)a)->name, ((const struct sp_allow *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct sp_policy_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from - y->from;
	if (x->to != y->to)
		return x->to - y->to;
	return (int)x->kind - (int)y->kind;
}

/* Whether the values of a masked condition cover every possible (arg & mask). */
static bool covers_all(const struct sp_arg_cond *c)
{
	int bits = __builtin_popcountll(c->mask);

	return c->op == SCMP_CMP_MASKED_EQ && bits < 8 && c->n_values >= (1u << bits);
}

static void acc_to_cond(const struct argacc *a, struct sp_policy_call *pc)
{
	struct sp_arg_cond *c = &pc->conds[pc->n_conds];

	if (a->overflow || a->n == 0)
		return;
	if (a->rule->forbid && (a->n != 1 || a->v[0] != 0))
		return;
	*c = (struct sp_arg_cond){.index = a->rule->index,
	                          .op = a->rule->mask ? SCMP_CMP_MASKED_EQ : SCMP_CMP_EQ,
	                          .mask = a->rule->mask,
	                          .n_values = a->n};
	memcpy(c->values, a->v, a->n * sizeof(a->v[0]));
	if (!covers_all(c))
		pc->n_conds++;
}

static bool find_cond_index(const struct sp_arg_cond *conds, size_t n, unsigned index)
{
	for (size_t i = 0; i < n; i++)
		if (conds[i].index == index)
			return true;
	return false;
}

static void move_call(struct sp_policy_call *pc, struct bcall *c, json_t *hold)
{
	if (hold) {
		/* Held back whatever its provenance; an observed one keeps its counts. */
		json_decref(c->why);
		c->why = json_incref(hold);
		c->prov = SP_PROV_HELD_BACK;
	}
	pc->name = c->name;
	pc->prov = c->count && !hold ? SP_PROV_OBSERVED : c->prov;
	pc->count = c->count;
	pc->first = c->first;
	pc->last = c->last;
	pc->sources = c->sources;
	pc->n_sites = c->n_sites;
	pc->sites = c->sites; /* moved */
	c->sites = NULL;
	sp_qsort(pc->sites, pc->n_sites, sizeof(*pc->sites), cmp_str);
	if (pc->prov != SP_PROV_OBSERVED) {
		pc->why = c->why; /* moved */
		c->why = NULL;
	}
	for (size_t i = 0; i < c->n_acc; i++)
		acc_to_cond(&c->acc[i], pc);
	/*
	 * A fixed condition joins what --args found, unless that already
	 * constrains the same argument (its observed values are narrower, and
	 * a filter compares one argument once).
	 */
	if (c->has_fixed && !find_cond_index(pc->conds, pc->n_conds, c->fixed.index) &&
	    pc->n_conds < sizeof(pc->conds) / sizeof(pc->conds[0]))
		pc->conds[pc->n_conds++] = c->fixed;
}

/* Whether the call is in the phase's allowlist (observed, baseline, completed). */
static bool allowed(const struct sp_policy_builder *b, size_t nr, const struct bcall *c)
{
	return !b->hold[nr] && (c->count > 0 || c->prov != SP_PROV_HELD_BACK);
}

static size_t n_allowed(const struct sp_policy_builder *b, const struct bphase *ph)
{
	size_t n = 0;

	for (size_t nr = 0; nr < NR_SLOTS; nr++)
		n += ph->calls[nr] && allowed(b, nr, ph->calls[nr]);
	return n;
}

static int finish_exact(const struct sp_policy_builder *b, struct sp_policy_phase *out,
                        struct bphase *ph)
{
	size_t n = 0, h = 0;

	out->exact = calloc(ph->n_calls ? ph->n_calls : 1, sizeof(*out->exact));
	out->held = calloc(ph->n_calls ? ph->n_calls : 1, sizeof(*out->held));
	if (!out->exact || !out->held)
		return -ENOMEM;
	for (size_t nr = 0; nr < NR_SLOTS; nr++) {
		struct bcall *c = ph->calls[nr];

		if (c)
			move_call(allowed(b, nr, c) ? &out->exact[n++] : &out->held[h++], c,
			          b->hold[nr]);
	}
	out->n_exact = n;
	out->n_held = h;
	sp_qsort(out->exact, n, sizeof(*out->exact), cmp_call);
	sp_qsort(out->held, h, sizeof(*out->held), cmp_call);
	return 0;
}

static const struct sp_arg_cond *find_cond(const struct sp_arg_cond *conds, size_t n,
                                           const struct sp_arg_cond *like)
{
	for (size_t i = 0; i < n; i++)
		if (conds[i].index == like->index && conds[i].op == like->op &&
		    conds[i].mask == like->mask)
			return &conds[i];
	return NULL;
}

/*
 * Widens the conditions of an enforce entry so that calls allowed by
 * another phase's conditions (conds) pass too: an argument stays
 * constrained only if both constrain it the same way, with the union of
 * their values, and no more than SP_POLICY_MAX_VALUES of them.
 */
static void merge_conds(struct sp_allow *al, const struct sp_arg_cond *conds, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < al->n_conds; i++) {
		struct sp_arg_cond c = al->conds[i];
		const struct sp_arg_cond *o = find_cond(conds, n, &c);
		bool keep = o != NULL;

		for (size_t j = 0; keep && j < o->n_values; j++) {
			size_t v;

			for (v = 0; v < c.n_values && c.values[v] != o->values[j]; v++)
				;
			if (v < c.n_values)
				continue;
			if (c.n_values == SP_POLICY_MAX_VALUES) {
				keep = false;
				break;
			}
			c.values[c.n_values++] = o->values[j];
		}
		if (!keep || covers_all(&c))
			continue;
		/* Keep the values sorted: the output must not depend on the merge order. */
		for (size_t x = 1; x < c.n_values; x++)
			for (size_t y = x; y > 0 && c.values[y - 1] > c.values[y]; y--) {
				uint64_t t = c.values[y];

				c.values[y] = c.values[y - 1];
				c.values[y - 1] = t;
			}
		al->conds[k++] = c;
	}
	al->n_conds = k;
}

static int finish_enforce(struct sp_policy *p, size_t i)
{
	struct sp_policy_phase *ph = &p->phases[i];
	struct sp_allow *slot[NR_SLOTS] = {0};
	size_t cap = 0, n = 0;

	for (size_t r = 0; r < ph->n_reach; r++)
		cap += p->phases[ph->reach[r]].n_exact;
	ph->enforce = calloc(cap ? cap : 1, sizeof(*ph->enforce));
	if (!ph->enforce)
		return -ENOMEM;
	for (size_t r = 0; r < ph->n_reach; r++) {
		const struct sp_policy_phase *q = &p->phases[ph->reach[r]];

		for (size_t c = 0; c < q->n_exact; c++) {
			const struct sp_policy_call *pc = &q->exact[c];
			int nr = sp_filter_syscall_nr(pc->name);
			struct sp_allow *al;

			if (nr < 0 || nr >= NR_SLOTS)
				return -EINVAL;
			al = slot[nr];
			if (al) {
				merge_conds(al, pc->conds, pc->n_conds);
				continue;
			}
			al = slot[nr] = &ph->enforce[n++];
			al->name = pc->name;
			al->n_conds = pc->n_conds;
			memcpy(al->conds, pc->conds, sizeof(al->conds));
		}
	}
	ph->n_enforce = n;
	sp_qsort(ph->enforce, n, sizeof(*ph->enforce), cmp_allow);
	return 0;
}

static void count_threats(struct sp_policy_phase *ph)
{
	memset(ph->threat_exact, 0, sizeof(ph->threat_exact));
	memset(ph->threat_enforce, 0, sizeof(ph->threat_enforce));
	for (size_t i = 0; i < ph->n_exact; i++)
		ph->threat_exact[sp_threat_level(ph->exact[i].name)]++;
	for (size_t i = 0; i < ph->n_enforce; i++)
		ph->threat_enforce[sp_threat_level(ph->enforce[i].name)]++;
}

/*
 * Phase indexes in output order: the given order first, then order of
 * appearance; -1 for a phase no event entered (only additions named it).
 */
static int *output_order(const struct sp_policy_builder *b)
{
	int *map = malloc((b->n_ph ? b->n_ph : 1) * sizeof(*map)); /* builder index -> output */
	size_t next = 0;

	if (!map)
		return NULL;
	for (size_t i = 0; i < b->n_ph; i++)
		map[i] = -1;
	for (size_t o = 0; o < b->n_order; o++)
		for (size_t i = 0; i < b->n_ph; i++)
			if (map[i] < 0 && b->ph[i]->events && b->order[o] &&
			    strcmp(b->order[o], b->ph[i]->name) == 0)
				map[i] = (int)next++;
	for (size_t i = 0; i < b->n_ph; i++)
		if (map[i] < 0 && b->ph[i]->events)
			map[i] = (int)next++;
	return map;
}

static const char *bphase_name(const struct sp_policy_builder *b, int i)
{
	return b->ph[i]->name;
}

int sp_policy_builder_finish(struct sp_policy_builder *b, struct sp_policy **out,
                             struct sp_diag *diag)
{
	struct sp_policy *p = b->p;
	int *map = NULL;
	int rc = -ENOMEM;

	size_t n_entered = 0;

	*out = NULL;
	/* What sibling roles did is known once every life is over (roles.c). */
	rc = procs_end(b);
	if (rc == 0)
		rc = sp_roles_apply(b->roles, b, bphase_name, diag);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	for (size_t i = 0; i < b->n_ph; i++)
		n_entered += b->ph[i]->events > 0;
	if (n_entered == 0) {
		rc = sp_diag_set(diag, EINVAL, "no event carries a phase: nothing to build");
		goto out;
	}
	for (size_t i = 0; i < b->n_ph; i++)
		if (b->ph[i]->events && n_allowed(b, b->ph[i]) == 0) {
			rc = sp_diag_set(diag, EINVAL,
			                 "phase '%s' was entered but made no x86-64 syscall: "
			                 "an empty phase has nothing to allow",
			                 b->ph[i]->name);
			goto out;
		}
	map = output_order(b);
	p->phases = calloc(n_entered, sizeof(*p->phases));
	p->edges = calloc(b->n_edges ? b->n_edges : 1, sizeof(*p->edges));
	if (!map || !p->phases || !p->edges)
		goto out;
	p->n_phases = n_entered;
	for (size_t i = 0; i < b->n_ph; i++) {
		struct sp_policy_phase *ph;
		struct bphase *bp = b->ph[i];

		if (map[i] < 0)
			continue;
		ph = &p->phases[map[i]];

		ph->name = bp->name;
		ph->events = bp->events;
		ph->processes_started = bp->started;
		ph->first = bp->first;
		ph->last = bp->last;
		ph->other_abi = bp->other_abi;
		ph->unknown = bp->unknown;
		if (finish_exact(b, ph, bp) < 0)
			goto out;
	}
	for (size_t e = 0; e < b->n_edges; e++) {
		p->edges[e] = b->edges[e];
		p->edges[e].from = map[b->edges[e].from];
		p->edges[e].to = map[b->edges[e].to];
	}
	p->n_edges = b->n_edges;
	sp_qsort(p->edges, p->n_edges, sizeof(*p->edges), cmp_edge);
	rc = sp_policy_close_reach(p);
	for (size_t i = 0; rc == 0 && i < p->n_phases; i++) {
		rc = finish_enforce(p, i);
		if (rc == 0)
			count_threats(&p->phases[i]);
	}
	if (rc < 0)
		goto out;
	*out = p;
	b->p = NULL;
	rc = 0;
out:
	if (rc == -ENOMEM)
		sp_diag_set(diag, ENOMEM, "out of memory");
	free(map);
	sp_policy_builder_free(b);
	return rc;
}

void sp_policy_free(struct sp_policy *p)
{
	if (!p)
		return;
	sp_landlock_free(p->landlock);
	for (size_t i = 0; i < p->n_phases; i++) {
		struct sp_policy_phase *ph = &p->phases[i];

		for (size_t c = 0; ph->exact && c < ph->n_exact; c++) {
			free(ph->exact[c].sites);
			json_decref(ph->exact[c].why);
		}
		for (size_t c = 0; ph->held && c < ph->n_held; c++) {
			free(ph->held[c].sites);
			json_decref(ph->held[c].why);
		}
		free(ph->exact);
		free(ph->held);
		free(ph->enforce);
		free(ph->reach);
	}
	free(p->phases);
	free(p->edges);
	for (size_t i = 0; i < p->n_sources; i++)
		free(p->sources[i]);
	free(p->sources);
	for (size_t i = 0; i < p->n_strs; i++)
		free(p->strs[i]);
	free(p->strs);
	json_decref(p->program);
	json_decref(p->rules);
	free(p->rules_name);
	free(p);
}

int sp_policy_phase_index(const struct sp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_phases; i++)
		if (strcmp(p->phases[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

static struct sp_allow *find_allow(struct sp_allow *al, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(al[i].name, name) == 0)
			return &al[i];
	return NULL;
}

int sp_policy_allowlist(const struct sp_policy *p, size_t i, enum sp_view view, bool stacking,
                        const char *const *extra, size_t n_extra, struct sp_allow **out,
                        size_t *n_out, struct sp_diag *diag)
{
	const struct sp_policy_phase *ph;
	struct sp_allow *al;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (i >= p->n_phases)
		return sp_diag_set(diag, EINVAL, "no phase %zu", i);
	ph = &p->phases[i];
	al = calloc((view == SP_VIEW_EXACT ? ph->n_exact : ph->n_enforce) + n_extra + 6,
	            sizeof(*al));
	if (!al)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (view == SP_VIEW_EXACT) {
		for (size_t c = 0; c < ph->n_exact; c++) {
			al[n].name = ph->exact[c].name;
			al[n].n_conds = ph->exact[c].n_conds;
			memcpy(al[n].conds, ph->exact[c].conds, sizeof(al[n].conds));
			n++;
		}
	} else {
		memcpy(al, ph->enforce, ph->n_enforce * sizeof(*al));
		n = ph->n_enforce;
	}
	for (size_t e = 0; e < n_extra; e++) {
		struct sp_allow *x = find_allow(al, n, extra[e]);

		if (sp_filter_syscall_nr(extra[e]) < 0) {
			free(al);
			return sp_diag_set(diag, EINVAL,
			                   "syscall '%s' is not known to libseccomp on x86_64",
			                   extra[e]);
		}
		/* A runtime's own needs are not the program's: no argument limits. */
		if (x)
			x->n_conds = 0;
		else
			al[n++] = (struct sp_allow){.name = extra[e]};
	}
	/* Whoever moves the thread into a phase with a Landlock layer makes it run these first. */
	for (const char *const *c = sp_landlock_injection_calls();
	     stacking && sp_policy_landlock_leads_into_layer(p, i) && *c; c++) {
		struct sp_allow *x = find_allow(al, n, *c);

		if (x)
			x->n_conds = 0;
		else
			al[n++] = (struct sp_allow){.name = *c};
	}
	if (stacking && ph->has_exits && !find_allow(al, n, "seccomp"))
		al[n++] = (struct sp_allow){
		    .name = "seccomp",
		    .n_conds = 1,
		    .conds = {{.index = 0,
		               .op = SCMP_CMP_EQ,
		               .n_values = 1,
		               .values = {SECCOMP_SET_MODE_FILTER}}},
		};
	sp_qsort(al, n, sizeof(*al), cmp_allow);
	*out = al;
	*n_out = n;
	return 0;
}
