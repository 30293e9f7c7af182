/* SPDX-License-Identifier: MIT */
/* policy.json: writing and reading back (docs/policy-format.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_impl.h"
#include "policy_impl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* json_object_set_new() and friends fail only on ENOMEM; collect instead of checking each. */
static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static int push(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

static json_t *conds_json(const struct sp_arg_cond *conds, size_t n)
{
	json_t *arr = json_array();
	int rc = 0;

	for (size_t i = 0; arr && i < n; i++) {
		const struct sp_arg_cond *c = &conds[i];
		json_t *o = json_object(), *vals = json_array();

		rc |= set(o, "index", json_integer(c->index));
		rc |= set(o, "op", json_string(sp_cmp_name(c->op)));
		if (c->op == SCMP_CMP_MASKED_EQ)
			rc |= set(o, "mask", json_integer((json_int_t)c->mask));
		for (size_t v = 0; vals && v < c->n_values; v++)
			rc |= push(vals, json_integer((json_int_t)c->values[v]));
		rc |= set(o, "values", vals);
		rc |= push(arr, o);
	}
	if (rc) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *threat_json(const unsigned *counts)
{
	json_t *o = json_object();
	char key[4];
	int rc = 0;

	for (int l = 1; l <= SP_THREAT_LEVELS; l++) {
		snprintf(key, sizeof(key), "%d", l);
		rc |= set(o, key, json_integer(counts[l]));
	}
	rc |= set(o, "unrated", json_integer(counts[0]));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *sources_json(uint64_t bits)
{
	json_t *arr = json_array();
	int rc = 0;

	for (int s = 0; arr && s < 64; s++)
		if ((bits >> s) & 1)
			rc |= push(arr, json_integer(s));
	if (rc) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *call_json(const struct sp_policy *p, const struct sp_policy_call *c)
{
	json_t *o = json_object(), *sites = json_array();
	int rc = 0;

	rc |= set(o, "name", json_string(c->name));
	rc |= set(o, "provenance", json_string(sp_provenance_name(c->prov)));
	rc |= set(o, "count", json_integer((json_int_t)c->count));
	/* Times and sites belong to observed calls; the others carry their reason instead. */
	if (c->prov == SP_PROV_OBSERVED) {
		rc |= set(o, "first", json_real(c->first));
		rc |= set(o, "last", json_real(c->last));
	} else {
		rc |= set(o, "why", c->why ? json_incref(c->why) : json_object());
	}
	for (size_t s = 0; sites && s < c->n_sites; s++)
		rc |= push(sites, json_string(c->sites[s]));
	rc |= set(o, "sites", sites);
	if (c->n_conds)
		rc |= set(o, "args", conds_json(c->conds, c->n_conds));
	if (p->n_sources > 1 && c->prov == SP_PROV_OBSERVED)
		rc |= set(o, "sources", sources_json(c->sources));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *phase_json(const struct sp_policy *p, const struct sp_policy_phase *ph)
{
	json_t *o = json_object(), *exact = json_array(), *enforce = json_array();
	json_t *eargs = json_object(), *reach = json_array(), *threat = json_object();
	json_t *held = json_array(), *prov = json_object();
	size_t by_prov[SP_PROV_COUNT] = {0};
	int rc = 0;

	rc |= set(o, "name", json_string(ph->name));
	rc |= set(o, "events", json_integer((json_int_t)ph->events));
	rc |= set(o, "processes_started", json_integer((json_int_t)ph->processes_started));
	rc |= set(o, "first", json_real(ph->first));
	rc |= set(o, "last", json_real(ph->last));
	rc |= set(o, "has_exits", json_boolean(ph->has_exits));
	rc |= set(o, "other_abi", json_integer((json_int_t)ph->other_abi));
	rc |= set(o, "unknown", json_integer((json_int_t)ph->unknown));
	for (size_t i = 0; exact && i < ph->n_exact; i++) {
		rc |= push(exact, call_json(p, &ph->exact[i]));
		by_prov[ph->exact[i].prov]++;
	}
	rc |= set(o, "exact", exact);
	for (size_t i = 0; held && i < ph->n_held; i++)
		rc |= push(held, call_json(p, &ph->held[i]));
	rc |= set(o, "held_back", held);
	by_prov[SP_PROV_HELD_BACK] += ph->n_held;
	for (int k = 0; prov && k < SP_PROV_COUNT; k++)
		rc |= set(prov, sp_provenance_name((enum sp_provenance)k),
		          json_integer((json_int_t)by_prov[k]));
	rc |= set(o, "provenance", prov);
	for (size_t i = 0; enforce && eargs && i < ph->n_enforce; i++) {
		rc |= push(enforce, json_string(ph->enforce[i].name));
		if (ph->enforce[i].n_conds)
			rc |= set(eargs, ph->enforce[i].name,
			          conds_json(ph->enforce[i].conds, ph->enforce[i].n_conds));
	}
	rc |= set(o, "enforce", enforce);
	rc |= set(o, "enforce_args", eargs);
	for (size_t i = 0; reach && i < ph->n_reach; i++)
		rc |= push(reach, json_string(p->phases[ph->reach[i]].name));
	rc |= set(o, "reach", reach);
	rc |= set(threat, "exact", threat_json(ph->threat_exact));
	rc |= set(threat, "enforce", threat_json(ph->threat_enforce));
	rc |= set(o, "threat", threat);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *const edge_kinds[] = {
    [SP_EDGE_TRANSITION] = "transition",
    [SP_EDGE_FORK] = "fork",
};

json_t *sp_policy_to_json(const struct sp_policy *p)
{
	json_t *root = json_object(), *phases = json_array(), *graph = json_object();
	json_t *edges = json_array(), *sources = json_array();
	int rc = 0;

	rc |= set(root, "format", json_string(SP_POLICY_FORMAT));
	rc |= set(root, "version", json_integer(SP_POLICY_VERSION));
	rc |= set(root, "program", p->program ? json_incref(p->program) : json_null());
	rc |= set(root, "rules_name", p->rules_name ? json_string(p->rules_name) : json_null());
	rc |= set(root, "rules", p->rules ? json_incref(p->rules) : json_null());
	rc |= set(root, "args", json_boolean(p->args));
	for (size_t s = 0; sources && s < p->n_sources; s++)
		rc |= push(sources, json_string(p->sources[s]));
	rc |= set(root, "sources", sources);
	/* What the recordings carried, when a trace said (recording.c). */
	if (p->rec.stacks != SP_REC_UNKNOWN || p->rec.cut_at >= 0)
		rc |= set(root, "recording", sp_rec_to_json(&p->rec));
	for (size_t i = 0; phases && i < p->n_phases; i++)
		rc |= push(phases, phase_json(p, &p->phases[i]));
	rc |= set(root, "phases", phases);
	for (size_t e = 0; edges && e < p->n_edges; e++) {
		const struct sp_policy_edge *ed = &p->edges[e];
		json_t *o = json_object();

		rc |= set(o, "from", json_string(p->phases[ed->from].name));
		rc |= set(o, "to", json_string(p->phases[ed->to].name));
		rc |= set(o, "kind", json_string(edge_kinds[ed->kind]));
		rc |= set(o, "count", json_integer((json_int_t)ed->count));
		rc |= push(edges, o);
	}
	rc |= set(graph, "edges", edges);
	rc |= set(root, "graph", graph);
	if (p->landlock)
		rc |= set(root, "landlock", ll_to_json(p->landlock, p));
	if (rc) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- reading back ---- */

/* A JSON pointer for messages; a very long one is cut, which only shortens a message. */
static void __attribute__((format(printf, 3, 4))) jptr(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

struct rd {
	const char *name;
	struct sp_diag *diag;
	struct sp_policy *p;
	const struct sp_jpos *pos; /* positions of the text, or NULL: pointers only */
};

/* "name:line:col: ptr: what" as rules files say it, or "name: ptr: what" without the text. */
static int bad(struct rd *r, const char *ptr, const char *what)
{
	int line, col;

	if (sp_jpos_find(r->pos, ptr, 0, &line, &col) == 0)
		return sp_diag_set(r->diag, EINVAL, "%s:%d:%d: %s: %s", r->name, line, col, ptr,
		                   what);
	return sp_diag_set(r->diag, EINVAL, "%s: %s: %s", r->name, ptr, what);
}

/* An unknown syscall name, named, with the closest known one. */
static int bad_syscall(struct rd *r, const char *ptr, const char *name)
{
	const char *near = name ? sp_syscall_suggest(name) : NULL;
	char what[256];

	if (!name)
		return bad(r, ptr, "expected a syscall name libseccomp knows on x86_64");
	if (near)
		snprintf(what, sizeof(what),
		         "unknown x86-64 syscall \"%.64s\" (did you mean \"%s\"?)", name, near);
	else
		snprintf(what, sizeof(what), "unknown x86-64 syscall \"%.64s\"", name);
	return bad(r, ptr, what);
}

static int get_str(struct rd *r, json_t *o, const char *key, const char *ptr, const char **out)
{
	json_t *v = json_object_get(o, key);
	char where[256];

	jptr(where, sizeof(where), "%s/%s", ptr, key);
	if (!json_is_string(v))
		return bad(r, where, "expected a string");
	*out = sp_policy_intern(r->p, json_string_value(v));
	return *out ? 0 : sp_diag_set(r->diag, ENOMEM, "out of memory");
}

static int get_uint(struct rd *r, json_t *o, const char *key, const char *ptr, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	char where[256];

	jptr(where, sizeof(where), "%s/%s", ptr, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(r, where, "expected a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_num(struct rd *r, json_t *o, const char *key, const char *ptr, double *out)
{
	json_t *v = json_object_get(o, key);
	char where[256];

	jptr(where, sizeof(where), "%s/%s", ptr, key);
	if (!json_is_number(v))
		return bad(r, where, "expected a number");
	*out = json_number_value(v);
	return 0;
}

static int op_from_name(const char *s)
{
	static const enum scmp_compare ops[] = {SCMP_CMP_NE,       SCMP_CMP_LT, SCMP_CMP_LE,
	                                        SCMP_CMP_EQ,       SCMP_CMP_GE, SCMP_CMP_GT,
	                                        SCMP_CMP_MASKED_EQ};

	for (size_t i = 0; i < N(ops); i++)
		if (strcmp(sp_cmp_name(ops[i]), s) == 0)
			return (int)ops[i];
	return -EINVAL;
}

static int read_conds(struct rd *r, json_t *arr, const char *ptr, struct sp_arg_cond *conds,
                      size_t *n)
{
	char where[256];
	size_t i;
	json_t *c;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > 6)
		return bad(r, ptr, "expected an array of at most 6 conditions");
	json_array_foreach(arr, i, c) {
		struct sp_arg_cond *out = &conds[(*n)++];
		json_t *vals = json_object_get(c, "values"), *v;
		const char *op = ""; /* set by get_str; gcc -O2 cannot see it through bad() */
		uint64_t idx = 0;
		size_t k;
		int rc;

		jptr(where, sizeof(where), "%s/%zu", ptr, i);
		memset(out, 0, sizeof(*out));
		rc = get_uint(r, c, "index", where, &idx);
		if (rc == 0)
			rc = get_str(r, c, "op", where, &op);
		if (rc < 0)
			return rc;
		if (idx > 5 || op_from_name(op) < 0)
			return bad(r, where, "bad argument index or comparison");
		out->index = (unsigned)idx;
		out->op = (enum scmp_compare)op_from_name(op);
		if (out->op == SCMP_CMP_MASKED_EQ) {
			rc = get_uint(r, c, "mask", where, &out->mask);
			if (rc < 0)
				return rc;
		}
		if (!json_is_array(vals) || json_array_size(vals) == 0 ||
		    json_array_size(vals) > SP_ARG_MAX_VALUES)
			return bad(r, where, "'values' must be an array of 1-16 integers");
		json_array_foreach(vals, k, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return bad(r, where, "'values' must hold non-negative integers");
			out->values[out->n_values++] = (uint64_t)json_integer_value(v);
		}
	}
	return 0;
}

/* A call's provenance: absent in policies written before it existed, which only held observed
 * calls. */
static int read_provenance(struct rd *r, json_t *o, const char *ptr, struct sp_policy_call *c)
{
	json_t *prov = json_object_get(o, "provenance"), *why = json_object_get(o, "why");
	json_t *sources = json_object_get(o, "sources"), *v;
	char where[256];
	size_t i;
	int k;

	c->prov = SP_PROV_OBSERVED;
	jptr(where, sizeof(where), "%s/provenance", ptr);
	if (prov) {
		k = sp_provenance_from_name(json_string_value(prov));
		if (k < 0)
			return bad(r, where,
			           "expected \"observed\", \"baseline\", \"completed\" or "
			           "\"held_back\"");
		c->prov = (enum sp_provenance)k;
	}
	jptr(where, sizeof(where), "%s/why", ptr);
	if (c->prov != SP_PROV_OBSERVED) {
		if (!json_is_object(why))
			return bad(r, where, "expected an object saying why");
		c->why = json_deep_copy(why);
		if (!c->why)
			return sp_diag_set(r->diag, ENOMEM, "out of memory");
	}
	jptr(where, sizeof(where), "%s/sources", ptr);
	if (sources && !json_is_array(sources))
		return bad(r, where, "expected an array of source indexes");
	json_array_foreach(sources, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (size_t)json_integer_value(v) >= r->p->n_sources)
			return bad(r, where, "expected indexes into /sources");
		c->sources |= 1ull << json_integer_value(v);
	}
	return 0;
}

static int read_call(struct rd *r, json_t *o, const char *ptr, struct sp_policy_call *c)
{
	json_t *sites = json_object_get(o, "sites"), *s, *args = json_object_get(o, "args");
	char where[256];
	size_t i;
	int rc;

	rc = get_str(r, o, "name", ptr, &c->name);
	if (rc == 0)
		rc = read_provenance(r, o, ptr, c);
	if (rc == 0)
		rc = get_uint(r, o, "count", ptr, &c->count);
	if (rc == 0 && (c->prov == SP_PROV_OBSERVED || json_object_get(o, "first")))
		rc = get_num(r, o, "first", ptr, &c->first);
	if (rc == 0 && (c->prov == SP_PROV_OBSERVED || json_object_get(o, "last")))
		rc = get_num(r, o, "last", ptr, &c->last);
	if (rc < 0)
		return rc;
	if (sp_filter_syscall_nr(c->name) < 0) {
		jptr(where, sizeof(where), "%s/name", ptr);
		return bad_syscall(r, where, c->name);
	}
	if (!json_is_array(sites))
		return bad(r, ptr, "'sites' must be an array");
	c->sites = calloc(json_array_size(sites) + 1, sizeof(*c->sites));
	if (!c->sites)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(sites, i, s) {
		if (!json_is_string(s))
			return bad(r, ptr, "'sites' must hold strings");
		c->sites[c->n_sites] = sp_policy_intern(r->p, json_string_value(s));
		if (!c->sites[c->n_sites++])
			return sp_diag_set(r->diag, ENOMEM, "out of memory");
	}
	jptr(where, sizeof(where), "%s/args", ptr);
	return args ? read_conds(r, args, where, c->conds, &c->n_conds) : 0;
}

static int read_phase(struct rd *r, json_t *o, size_t idx, struct sp_policy_phase *ph)
{
	json_t *exact = json_object_get(o, "exact"), *enforce = json_object_get(o, "enforce");
	json_t *eargs = json_object_get(o, "enforce_args"), *reach = json_object_get(o, "reach");
	json_t *held = json_object_get(o, "held_back"), *v;
	char ptr[64], where[256];
	size_t i;
	int rc;

	jptr(ptr, sizeof(ptr), "/phases/%zu", idx);
	rc = get_str(r, o, "name", ptr, &ph->name);
	if (rc == 0)
		rc = get_uint(r, o, "events", ptr, &ph->events);
	if (rc == 0)
		rc = get_num(r, o, "first", ptr, &ph->first);
	if (rc == 0)
		rc = get_num(r, o, "last", ptr, &ph->last);
	if (rc < 0)
		return rc;
	if (json_is_integer(json_object_get(o, "processes_started")))
		rc = get_uint(r, o, "processes_started", ptr, &ph->processes_started);
	if (rc == 0 && json_is_integer(json_object_get(o, "other_abi")))
		rc = get_uint(r, o, "other_abi", ptr, &ph->other_abi);
	if (rc == 0 && json_is_integer(json_object_get(o, "unknown")))
		rc = get_uint(r, o, "unknown", ptr, &ph->unknown);
	if (rc < 0)
		return rc;
	if (!json_is_array(exact) || !json_is_array(enforce) || !json_is_array(reach) ||
	    (eargs && !json_is_object(eargs)) || (held && !json_is_array(held)))
		return bad(r, ptr,
		           "needs arrays 'exact', 'enforce', 'reach' (and object 'enforce_args', "
		           "array 'held_back')");
	ph->held = calloc(json_array_size(held) + 1, sizeof(*ph->held));
	if (!ph->held)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(held, i, v) {
		struct sp_policy_call *c = &ph->held[ph->n_held++];

		jptr(where, sizeof(where), "%s/held_back/%zu", ptr, i);
		rc = read_call(r, v, where, c);
		if (rc == 0 && c->prov != SP_PROV_HELD_BACK)
			rc = bad(r, where,
			         "a held-back call must say \"provenance\": \"held_back\"");
		if (rc < 0)
			return rc;
	}
	ph->exact = calloc(json_array_size(exact) + 1, sizeof(*ph->exact));
	ph->enforce = calloc(json_array_size(enforce) + 1, sizeof(*ph->enforce));
	ph->reach = calloc(json_array_size(reach) + 1, sizeof(*ph->reach));
	if (!ph->exact || !ph->enforce || !ph->reach)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(exact, i, v) {
		jptr(where, sizeof(where), "%s/exact/%zu", ptr, i);
		rc = read_call(r, v, where, &ph->exact[ph->n_exact++]);
		if (rc == 0 && ph->exact[ph->n_exact - 1].prov == SP_PROV_HELD_BACK)
			rc = bad(r, where, "a held-back call belongs in 'held_back', not 'exact'");
		if (rc < 0)
			return rc;
	}
	json_array_foreach(enforce, i, v) {
		struct sp_allow *al = &ph->enforce[ph->n_enforce++];
		json_t *a;

		jptr(where, sizeof(where), "%s/enforce/%zu", ptr, i);
		if (!json_is_string(v) || sp_filter_syscall_nr(json_string_value(v)) < 0)
			return bad_syscall(r, where, json_string_value(v));
		al->name = sp_policy_intern(r->p, json_string_value(v));
		if (!al->name)
			return sp_diag_set(r->diag, ENOMEM, "out of memory");
		a = eargs ? json_object_get(eargs, al->name) : NULL;
		jptr(where, sizeof(where), "%s/enforce_args/%s", ptr, al->name);
		if (a && (rc = read_conds(r, a, where, al->conds, &al->n_conds)) < 0)
			return rc;
	}
	json_array_foreach(reach, i, v) {
		if (!json_is_string(v))
			return bad(r, ptr, "'reach' must hold phase names");
		ph->reach[ph->n_reach++] = -1; /* resolved once every phase is named */
	}
	/* has_exits is derived (sp_policy_derive_exits), never trusted: it decides where seccomp is
	 * allowed. */
	return 0;
}

static int read_sources(struct rd *r, json_t *sources)
{
	struct sp_policy *p = r->p;
	size_t i;
	json_t *v;

	if (!sources)
		return 0;
	if (!json_is_array(sources) || json_array_size(sources) > 64)
		return bad(r, "/sources", "expected an array of at most 64 labels");
	p->sources = calloc(json_array_size(sources) + 1, sizeof(*p->sources));
	if (!p->sources)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(sources, i, v) {
		if (!json_is_string(v))
			return bad(r, "/sources", "expected an array of strings");
		p->sources[i] = strdup(json_string_value(v));
		if (!p->sources[i])
			return sp_diag_set(r->diag, ENOMEM, "out of memory");
		p->n_sources = i + 1;
	}
	return 0;
}

static int read_edges(struct rd *r, json_t *graph)
{
	json_t *edges = json_object_get(graph, "edges"), *e;
	struct sp_policy *p = r->p;
	char ptr[64];
	size_t i;

	if (!json_is_array(edges))
		return bad(r, "/graph/edges", "expected an array");
	p->edges = calloc(json_array_size(edges) + 1, sizeof(*p->edges));
	if (!p->edges)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(edges, i, e) {
		struct sp_policy_edge *ed = &p->edges[p->n_edges++];
		const char *from, *to, *kind;
		int rc;

		jptr(ptr, sizeof(ptr), "/graph/edges/%zu", i);
		rc = get_str(r, e, "from", ptr, &from);
		if (rc == 0)
			rc = get_str(r, e, "to", ptr, &to);
		if (rc == 0)
			rc = get_str(r, e, "kind", ptr, &kind);
		if (rc == 0)
			rc = get_uint(r, e, "count", ptr, &ed->count);
		if (rc < 0)
			return rc;
		ed->from = sp_policy_phase_index(p, from);
		ed->to = sp_policy_phase_index(p, to);
		if (ed->from < 0 || ed->to < 0)
			return bad(r, ptr, "edge between unknown phases");
		if (strcmp(kind, "transition") == 0)
			ed->kind = SP_EDGE_TRANSITION;
		else if (strcmp(kind, "fork") == 0)
			ed->kind = SP_EDGE_FORK;
		else
			return bad(r, ptr, "'kind' must be \"transition\" or \"fork\"");
	}
	return 0;
}

static int resolve_reach(struct rd *r, json_t *phases)
{
	struct sp_policy *p = r->p;

	for (size_t i = 0; i < p->n_phases; i++) {
		json_t *reach = json_object_get(json_array_get(phases, i), "reach");
		struct sp_policy_phase *ph = &p->phases[i];

		for (size_t k = 0; k < ph->n_reach; k++) {
			ph->reach[k] =
			    sp_policy_phase_index(p, json_string_value(json_array_get(reach, k)));
			if (ph->reach[k] < 0) {
				char ptr[64];

				jptr(ptr, sizeof(ptr), "/phases/%zu/reach/%zu", i, k);
				return bad(r, ptr, "unknown phase");
			}
		}
		for (size_t c = 0; c < ph->n_exact; c++)
			ph->threat_exact[sp_threat_level(ph->exact[c].name)]++;
		for (size_t c = 0; c < ph->n_enforce; c++)
			ph->threat_enforce[sp_threat_level(ph->enforce[c].name)]++;
	}
	return 0;
}

int sp_policy_from_json(json_t *root, const char *name, struct sp_policy **out,
                        struct sp_diag *diag)
{
	return sp_policy_from_json_pos(root, name, NULL, out, diag);
}

int sp_policy_from_json_pos(json_t *root, const char *name, const struct sp_jpos *pos,
                            struct sp_policy **out, struct sp_diag *diag)
{
	struct rd r = {name, diag, NULL, pos};
	json_t *phases = json_object_get(root, "phases"), *v, *rn;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_object(root) || !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), SP_POLICY_FORMAT) != 0)
		return sp_diag_set(diag, EINVAL, "%s: not a sysphase policy (format)", name);
	if (json_integer_value(json_object_get(root, "version")) != SP_POLICY_VERSION)
		return sp_diag_set(diag, EINVAL, "%s: /version: unsupported policy version", name);
	if (!json_is_array(phases) || json_array_size(phases) == 0)
		return sp_diag_set(diag, EINVAL, "%s: /phases: expected a non-empty array", name);
	r.p = calloc(1, sizeof(*r.p));
	if (!r.p)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	r.p->phases = calloc(json_array_size(phases), sizeof(*r.p->phases));
	if (!r.p->phases) {
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
		goto out;
	}
	r.p->args = json_is_true(json_object_get(root, "args"));
	if (sp_rec_from_json(json_object_get(root, "recording"), &r.p->rec) < 0) {
		rc = bad(&r, "/recording",
		         "expected {\"stacks\": \"none\", \"addresses\" or \"symbols\", "
		         "\"strings_cut_at\": a length, 0 for none}");
		goto out;
	}
	v = json_object_get(root, "program");
	r.p->program = json_is_null(v) ? NULL : json_incref(v);
	v = json_object_get(root, "rules");
	r.p->rules = json_is_object(v) ? json_deep_copy(v) : NULL;
	rn = json_object_get(root, "rules_name");
	if (json_is_string(rn) && !(r.p->rules_name = strdup(json_string_value(rn)))) {
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
		goto out;
	}
	rc = read_sources(&r, json_object_get(root, "sources"));
	if (rc < 0)
		goto out;
	json_array_foreach(phases, i, v) {
		rc = read_phase(&r, v, i, &r.p->phases[r.p->n_phases++]);
		if (rc < 0)
			goto out;
		if (sp_policy_phase_index(r.p, r.p->phases[i].name) != (int)i) {
			char ptr[64];

			jptr(ptr, sizeof(ptr), "/phases/%zu/name", i);
			rc = bad(&r, ptr, "phase listed twice");
			goto out;
		}
	}
	rc = read_edges(&r, json_object_get(root, "graph"));
	if (rc == 0)
		rc = resolve_reach(&r, phases);
	if (rc == 0 && (v = json_object_get(root, "landlock")))
		rc = ll_from_json(v, r.p, name, diag);
	if (rc == 0 && sp_policy_derive_exits(r.p) < 0)
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
out:
	if (rc < 0) {
		sp_policy_free(r.p);
		return rc;
	}
	*out = r.p;
	return 0;
}

/* The whole of f into *text (NUL-terminated, the caller frees); 0 or -errno. */
static int read_all(FILE *f, char **text, size_t *len)
{
	size_t cap = 0, n;
	char *buf = NULL, *grown;

	*len = 0;
	do {
		if (cap - *len < 65536) {
			cap = cap ? 2 * cap : 65536;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		int err = errno ? errno : EIO;

		free(buf);
		return -err;
	}
	buf[*len] = '\0';
	*text = buf;
	return 0;
}

int sp_policy_load(const char *path, struct sp_policy **out, struct sp_diag *diag)
{
	json_error_t err;
	struct sp_jpos *pos = NULL;
	json_t *root = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	*out = NULL;
	/* The text is kept for positions: a hand-edited policy's errors say line and column. */
	f = fopen(path, "re");
	if (!f)
		return sp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	errno = 0;
	rc = read_all(f, &text, &len);
	fclose(f);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "%s: %s", path, strerror(-rc));
	root = json_loadb(text, len, 0, &err);
	if (!root) {
		rc = sp_diag_at(diag, EINVAL, path, err.line, err.column, "%s", err.text);
		goto out;
	}
	pos = sp_jpos_new(text, len);
	rc = sp_policy_from_json_pos(root, path, pos, out, diag);
out:
	sp_jpos_free(pos);
	json_decref(root);
	free(text);
	return rc;
}
