/* SPDX-License-Identifier: MIT */
/*
 * The policy builder: the phases, the calls counted in each (with their
 * arguments and call sites) and what is added to them (completion,
 * baseline, held back).  The threads it follows: builder_threads.c.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <fcntl.h>

#include "builder_impl.h"

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
	sp_rec_init(&b->p->rec);
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
	if (sp_policy_grow((void **)&b->ph, &b->cap_ph, b->n_ph + 1, sizeof(*b->ph)) < 0)
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

static int add_site(struct sp_policy *p, struct bcall *c, const char *site)
{
	const char *s;
	size_t i;

	for (i = 0; i < c->n_sites; i++)
		if (strcmp(c->sites[i], site) == 0)
			return 0;
	if (c->n_sites >= 64)
		return 0; /* a module list this long says nothing more */
	if (sp_policy_grow((void **)&c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites)) <
	    0)
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

int sp_builder_add_syscall(struct sp_policy_builder *b, struct bphase *ph,
                           const struct sp_event *ev)
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
int sp_builder_count_event(struct sp_policy_builder *b, const struct sp_event *ev,
                           struct sp_diag *diag)
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

int sp_policy_feed_logged(struct sp_policy_builder *b, const struct sp_event *ev, bool args_known,
                          struct sp_diag *diag)
{
	struct bphase *ph;
	struct bcall *c;
	int idx, rc;

	if (!ev->phase || ev->type != SP_EV_SYSCALL)
		return sp_diag_set(diag, EINVAL, "a logged call of pid %d has no phase",
		                   (int)ev->pid);
	idx = sp_builder_count_event(b, ev, diag);
	if (idx < 0)
		return idx;
	ph = b->ph[idx];
	rc = sp_builder_add_syscall(b, ph, ev);
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

void sp_policy_builder_reads(struct sp_policy_builder *b, bool stacks, bool strings)
{
	sp_rec_source_reads(&b->rec, stacks, strings);
}

int sp_policy_builder_begin_source(struct sp_policy_builder *b, const char *label)
{
	struct sp_policy *p = b->p;
	char *copy;

	if (p->n_sources >= 64)
		return -E2BIG;
	sp_rec_fold(&b->rec, &p->rec); /* the last trace is over */
	copy = strdup(label ? label : "");
	if (!copy)
		return -ENOMEM;
	if (sp_policy_grow((void **)&p->sources, &b->cap_sources, p->n_sources + 1,
	                   sizeof(*p->sources)) < 0) {
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
	return sp_builder_threads_end(b);
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
