/* SPDX-License-Identifier: MIT */
/* Reading a policy: the accessors that keep its representation private to policy/. */
#include <errno.h>
#include <string.h>

#include "policy_impl.h"

static const char *const prov_names[SP_PROV_COUNT] = {
    [SP_PROV_OBSERVED] = "observed",
    [SP_PROV_BASELINE] = "baseline",
    [SP_PROV_COMPLETED] = "completed",
    [SP_PROV_HELD_BACK] = "held_back",
};

const char *sp_provenance_name(enum sp_provenance prov)
{
	return prov >= 0 && prov < SP_PROV_COUNT ? prov_names[prov] : NULL;
}

int sp_provenance_from_name(const char *name)
{
	for (int i = 0; name && i < SP_PROV_COUNT; i++)
		if (strcmp(prov_names[i], name) == 0)
			return i;
	return -EINVAL;
}

size_t sp_policy_phase_count(const struct sp_policy *p)
{
	return p->n_phases;
}

const char *sp_policy_phase_name(const struct sp_policy *p, size_t i)
{
	return i < p->n_phases ? p->phases[i].name : NULL;
}

int sp_policy_phase_info(const struct sp_policy *p, size_t i, struct sp_phase_info *out)
{
	const struct sp_policy_phase *ph;

	memset(out, 0, sizeof(*out));
	if (i >= p->n_phases)
		return -EINVAL;
	ph = &p->phases[i];
	out->events = ph->events;
	out->processes_started = ph->processes_started;
	out->first = ph->first;
	out->last = ph->last;
	out->has_exits = ph->has_exits;
	out->other_abi = ph->other_abi;
	out->unknown = ph->unknown;
	out->n_exact = ph->n_exact;
	out->n_enforce = ph->n_enforce;
	out->n_held_back = ph->n_held;
	for (size_t c = 0; c < ph->n_exact; c++)
		out->by_prov[ph->exact[c].prov]++;
	out->by_prov[SP_PROV_HELD_BACK] += ph->n_held;
	memcpy(out->threat_exact, ph->threat_exact, sizeof(out->threat_exact));
	memcpy(out->threat_enforce, ph->threat_enforce, sizeof(out->threat_enforce));
	return 0;
}

static void call_info(const struct sp_policy_call *c, struct sp_call_info *out)
{
	*out = (struct sp_call_info){
	    .name = c->name,
	    .prov = c->prov,
	    .count = c->count,
	    .first = c->first,
	    .last = c->last,
	    .n_sites = c->n_sites,
	    .sites = c->sites,
	    .n_conds = c->n_conds,
	    .conds = c->conds,
	    .why = c->why,
	    .sources = c->sources,
	};
}

int sp_policy_exact_call(const struct sp_policy *p, size_t i, size_t c, struct sp_call_info *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= p->n_phases || c >= p->phases[i].n_exact)
		return -EINVAL;
	call_info(&p->phases[i].exact[c], out);
	return 0;
}

int sp_policy_exact_find(const struct sp_policy *p, size_t i, const char *name)
{
	size_t lo = 0, hi;

	if (i >= p->n_phases)
		return -ENOENT;
	/* exact is sorted by name */
	hi = p->phases[i].n_exact;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->phases[i].exact[mid].name, name);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

int sp_policy_held_back_call(const struct sp_policy *p, size_t i, size_t c,
                             struct sp_call_info *out)
{
	memset(out, 0, sizeof(*out));
	if (i >= p->n_phases || c >= p->phases[i].n_held)
		return -EINVAL;
	call_info(&p->phases[i].held[c], out);
	return 0;
}

const struct sp_allow *sp_policy_enforce_at(const struct sp_policy *p, size_t i, size_t c)
{
	if (i >= p->n_phases || c >= p->phases[i].n_enforce)
		return NULL;
	return &p->phases[i].enforce[c];
}

size_t sp_policy_reach_count(const struct sp_policy *p, size_t i)
{
	return i < p->n_phases ? p->phases[i].n_reach : 0;
}

int sp_policy_reach_at(const struct sp_policy *p, size_t i, size_t k)
{
	if (i >= p->n_phases || k >= p->phases[i].n_reach)
		return -EINVAL;
	return p->phases[i].reach[k];
}

size_t sp_policy_edge_count(const struct sp_policy *p)
{
	return p->n_edges;
}

int sp_policy_edge_at(const struct sp_policy *p, size_t e, struct sp_policy_edge *out)
{
	memset(out, 0, sizeof(*out));
	if (e >= p->n_edges)
		return -EINVAL;
	*out = p->edges[e];
	return 0;
}

const json_t *sp_policy_program(const struct sp_policy *p)
{
	return p->program;
}

json_t *sp_policy_rules(const struct sp_policy *p)
{
	return p->rules;
}

const char *sp_policy_rules_name(const struct sp_policy *p)
{
	return p->rules_name;
}

bool sp_policy_has_args(const struct sp_policy *p)
{
	return p->args;
}

const char *sp_policy_program_path(const struct sp_policy *p)
{
	/* jansson's getters take no const, but only read. */
	json_t *cmd = p->program ? json_object_get(p->program, "command") : NULL;

	return json_string_value(json_array_get(cmd, 0));
}

size_t sp_policy_source_count(const struct sp_policy *p)
{
	return p->n_sources;
}

const char *sp_policy_source_label(const struct sp_policy *p, size_t s)
{
	return s < p->n_sources ? p->sources[s] : NULL;
}

const char *const *sp_policy_unfilterable(void)
{
	static const char *const names[] = {"io_uring_setup", "io_uring_enter", "io_uring_register",
	                                    NULL};

	return names;
}

static const char *source_phase_name(const void *ctx, size_t i)
{
	return sp_policy_phase_name(ctx, i);
}

static int source_allowlist(const void *ctx, size_t i, enum sp_view view, bool stacking,
                            const char *const *extra, size_t n_extra, struct sp_allow **out,
                            size_t *n_out, struct sp_diag *diag)
{
	return sp_policy_allowlist(ctx, i, view, stacking, extra, n_extra, out, n_out, diag);
}

void sp_policy_export_source(const struct sp_policy *p, json_t *document,
                             struct sp_export_source *src)
{
	*src = (struct sp_export_source){
	    .program = sp_policy_program_path(p),
	    .n_phases = p->n_phases,
	    .phase_name = source_phase_name,
	    .allowlist = source_allowlist,
	    .ctx = p,
	    .document = document,
	};
}
