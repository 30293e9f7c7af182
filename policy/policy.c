/* SPDX-License-Identifier: MIT */
/*
 * The policy model: its interned strings, its phases and the allowlists
 * a filter is built from.  Built by builder.c and finish.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/seccomp.h>

#include "policy_impl.h"

int sp_policy_grow(void **arr, size_t *cap, size_t need, size_t size)
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

int sp_policy_cmp_allow(const void *a, const void *b)
{
	return strcmp(((const struct sp_allow *)a)->name, ((const struct sp_allow *)b)->name);
}

const char *sp_policy_intern(struct sp_policy *p, const char *s)
{
	char *c;

	for (size_t i = 0; i < p->n_strs; i++)
		if (strcmp(p->strs[i], s) == 0)
			return p->strs[i];
	if (sp_policy_grow((void **)&p->strs, &p->cap_strs, p->n_strs + 1, sizeof(*p->strs)) < 0)
		return NULL;
	c = strdup(s);
	if (!c)
		return NULL;
	p->strs[p->n_strs++] = c;
	return c;
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
	sp_qsort(al, n, sizeof(*al), sp_policy_cmp_allow);
	*out = al;
	*n_out = n;
	return 0;
}
