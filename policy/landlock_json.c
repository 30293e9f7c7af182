/* SPDX-License-Identifier: MIT */
/*
 * policy.json's "landlock" object, both ways, and the accessors `run`,
 * `export` and the allowlists read it through.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_impl.h"

/* ---- writing ---- */

static json_t *rights_json(uint64_t mask, char *(*fmt)(uint64_t, const char *, char *, size_t))
{
	char buf[512], *save = NULL;
	json_t *a = json_array();

	fmt(mask, ",", buf, sizeof(buf));
	for (char *tok = strtok_r(buf, ",", &save); a && tok; tok = strtok_r(NULL, ",", &save))
		if (json_array_append_new(a, json_string(tok)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int set(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -1;
}

static json_t *rules_json(const struct ll_rule *r, size_t n, bool with_kind)
{
	json_t *a = json_array();
	int rc = a ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *o = json_object();

		rc |= o ? 0 : -1;
		rc |= set(o, "path", json_string(r[i].path));
		rc |= set(o, "access", rights_json(r[i].access, sp_ll_fs_format));
		if (with_kind)
			rc |= set(o, "beneath", json_boolean(r[i].dir));
		rc |= set(o, "why", json_string(r[i].why ? r[i].why : ""));
		rc |= o && json_array_append_new(a, o) == 0 ? 0 : -1;
	}
	if (rc) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *ports_json(const struct sp_ll_port *pt, size_t n)
{
	json_t *a = json_array();
	int rc = a ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *o = json_object();

		rc |= o ? 0 : -1;
		rc |= set(o, "port", json_integer((json_int_t)pt[i].port));
		rc |= set(o, "access", rights_json(pt[i].access, sp_ll_net_format));
		rc |= o && json_array_append_new(a, o) == 0 ? 0 : -1;
	}
	if (rc) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *own_json(const struct ll_set *s)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;

	rc |= set(o, "rules", rules_json(s->rules, s->n_rules, true));
	rc |= set(o, "ports", ports_json(s->ports, s->n_ports));
	rc |= set(o, "signals_others", json_boolean(s->signals_others));
	rc |= set(o, "abstract_unix", json_boolean(s->abstract_unix));
	if (s->connect_unpredictable)
		rc |= set(o, "connect_unpredictable", json_true());
	if (s->unresolved)
		rc |= set(o, "unresolved", json_string(s->unresolved));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *layer_json(const struct ll_phase *ph)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;

	rc |= set(o, "id", json_integer(ph->layer_id));
	rc |= set(o, "depth", json_integer(ph->depth));
	rc |= set(o, "handled_fs", rights_json(ph->handled_fs, sp_ll_fs_format));
	rc |= set(o, "handled_net", rights_json(ph->handled_net, sp_ll_net_format));
	rc |= set(o, "scoped", rights_json(ph->scoped, sp_ll_scope_format));
	rc |= set(o, "rules", rules_json(ph->layer_rules, ph->n_paths, false));
	rc |= set(o, "ports", ports_json(ph->ports, ph->n_ports));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *ll_to_json(const struct sp_landlock *ll, const struct sp_policy *p)
{
	json_t *root = json_object(), *phases = json_array();
	int rc = root && phases ? 0 : -1;

	rc |= set(root, "budget", json_integer((json_int_t)ll->budget));
	for (size_t i = 0; rc == 0 && i < ll->n_phases; i++) {
		const struct ll_phase *ph = &ll->ph[i];
		json_t *o = json_object();

		rc |= o ? 0 : -1;
		rc |= set(o, "phase", json_string(sp_policy_phase_name(p, i)));
		rc |= set(o, "own", own_json(&ph->own));
		rc |= set(o, "layer", ph->has_layer ? layer_json(ph) : json_null());
		if (!ph->has_layer)
			rc |= set(o, "no_layer", json_string(ph->no_layer ? ph->no_layer : ""));
		if (ph->fs_off)
			rc |= set(o, "no_file_system", json_string(ph->fs_off));
		rc |= o && json_array_append_new(phases, o) == 0 ? 0 : -1;
	}
	rc |= set(root, "phases", phases);
	if (rc) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- reading ---- */

struct rd {
	const char *name;
	struct sp_diag *diag;
};

static int bad(struct rd *r, const char *ptr, const char *what)
{
	return sp_diag_set(r->diag, EINVAL, "%s: /landlock%s: %s", r->name, ptr, what);
}

static int read_rights(struct rd *r, const json_t *a, uint64_t (*parse)(const char *),
                       const char *ptr, uint64_t *out)
{
	size_t i;
	json_t *v;

	*out = 0;
	if (!json_is_array(a))
		return bad(r, ptr, "expected an array of rights");
	json_array_foreach(a, i, v) {
		uint64_t bit = json_is_string(v) ? parse(json_string_value(v)) : 0;

		if (!bit)
			return bad(r, ptr, "unknown right");
		*out |= bit;
	}
	return 0;
}

static int read_rules(struct rd *r, const json_t *a, const char *ptr, struct ll_rule **out,
                      size_t *n)
{
	size_t i;
	json_t *v;

	*n = 0;
	if (!json_is_array(a))
		return bad(r, ptr, "expected an array of rules");
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(a, i, v) {
		const char *path = json_string_value(json_object_get(v, "path"));
		const char *why = json_string_value(json_object_get(v, "why"));
		struct ll_rule *rule = &(*out)[*n];
		int rc;

		if (!path || path[0] != '/')
			return bad(r, ptr, "a rule needs an absolute \"path\"");
		rc = read_rights(r, json_object_get(v, "access"), sp_ll_fs_parse, ptr,
		                 &rule->access);
		if (rc < 0)
			return rc;
		rule->dir = json_is_true(json_object_get(v, "beneath"));
		rule->path = strdup(path);
		rule->why = strdup(why ? why : "");
		(*n)++;
		if (!rule->path || !rule->why)
			return sp_diag_set(r->diag, ENOMEM, "out of memory");
	}
	return 0;
}

static int read_ports(struct rd *r, const json_t *a, const char *ptr, struct sp_ll_port **out,
                      size_t *n)
{
	size_t i;
	json_t *v;

	*n = 0;
	if (!json_is_array(a))
		return bad(r, ptr, "expected an array of ports");
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return sp_diag_set(r->diag, ENOMEM, "out of memory");
	json_array_foreach(a, i, v) {
		json_t *port = json_object_get(v, "port");
		int rc;

		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535)
			return bad(r, ptr, "a port is an integer from 0 to 65535");
		(*out)[*n].port = (uint64_t)json_integer_value(port);
		rc = read_rights(r, json_object_get(v, "access"), sp_ll_net_parse, ptr,
		                 &(*out)[*n].access);
		if (rc < 0)
			return rc;
		(*n)++;
	}
	return 0;
}

static int read_layer(struct rd *r, const json_t *o, const char *ptr, struct ll_phase *ph)
{
	int rc;

	if (!json_is_object(o))
		return bad(r, ptr, "expected an object or null");
	ph->has_layer = true;
	ph->layer_id = (int)json_integer_value(json_object_get(o, "id"));
	ph->depth = (int)json_integer_value(json_object_get(o, "depth"));
	if (ph->layer_id <= 0)
		return bad(r, ptr, "a layer needs a positive \"id\"");
	rc = read_rights(r, json_object_get(o, "handled_fs"), sp_ll_fs_parse, ptr, &ph->handled_fs);
	if (rc == 0)
		rc = read_rights(r, json_object_get(o, "handled_net"), sp_ll_net_parse, ptr,
		                 &ph->handled_net);
	if (rc == 0)
		rc = read_rights(r, json_object_get(o, "scoped"), sp_ll_scope_parse, ptr,
		                 &ph->scoped);
	if (rc == 0)
		rc =
		    read_rules(r, json_object_get(o, "rules"), ptr, &ph->layer_rules, &ph->n_paths);
	if (rc == 0)
		rc = read_ports(r, json_object_get(o, "ports"), ptr, &ph->ports, &ph->n_ports);
	if (rc == 0 && !(ph->paths = calloc(ph->n_paths + 1, sizeof(*ph->paths))))
		rc = sp_diag_set(r->diag, ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < ph->n_paths; i++)
		ph->paths[i] =
		    (struct sp_ll_path){ph->layer_rules[i].path, ph->layer_rules[i].access};
	return rc;
}

static int read_own(struct rd *r, const json_t *o, const char *ptr, struct ll_set *s)
{
	const char *unres = json_string_value(json_object_get(o, "unresolved"));
	int rc;

	if (!json_is_object(o))
		return bad(r, ptr, "expected an object");
	rc = read_rules(r, json_object_get(o, "rules"), ptr, &s->rules, &s->n_rules);
	if (rc == 0)
		rc = read_ports(r, json_object_get(o, "ports"), ptr, &s->ports, &s->n_ports);
	s->signals_others = json_is_true(json_object_get(o, "signals_others"));
	s->abstract_unix = json_is_true(json_object_get(o, "abstract_unix"));
	s->connect_unpredictable = json_is_true(json_object_get(o, "connect_unpredictable"));
	if (rc == 0 && unres && !(s->unresolved = strdup(unres)))
		rc = sp_diag_set(r->diag, ENOMEM, "out of memory");
	return rc;
}

static int dup_opt(const json_t *v, char **out)
{
	const char *s = json_string_value(v);

	return s && !(*out = strdup(s)) ? -ENOMEM : 0;
}

int ll_from_json(const json_t *o, struct sp_policy *p, const char *name, struct sp_diag *diag)
{
	struct rd r = {name, diag};
	json_t *phases = json_object_get(o, "phases"), *v;
	struct sp_landlock *ll;
	size_t i;
	int rc = 0;

	if (!json_is_object(o) || !json_is_array(phases))
		return bad(&r, "", "expected an object with a \"phases\" array");
	ll = calloc(1, sizeof(*ll));
	if (!ll || !(ll->ph = calloc(p->n_phases + 1, sizeof(*ll->ph)))) {
		free(ll);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	ll->n_phases = p->n_phases;
	ll->budget = (size_t)json_integer_value(json_object_get(o, "budget"));
	json_array_foreach(phases, i, v) {
		char ptr[64];
		const char *pname = json_string_value(json_object_get(v, "phase"));
		int at = pname ? sp_policy_phase_index(p, pname) : -1;
		const json_t *layer = json_object_get(v, "layer");
		struct ll_phase *ph;

		snprintf(ptr, sizeof(ptr), "/phases/%zu", i);
		if (at < 0) {
			rc = bad(&r, ptr, "names no phase of the policy");
			break;
		}
		ph = &ll->ph[at];
		if (ph->own.rules || ph->has_layer) {
			rc = bad(&r, ptr, "phase listed twice");
			break;
		}
		rc = read_own(&r, json_object_get(v, "own"), ptr, &ph->own);
		if (rc == 0 && !json_is_null(layer))
			rc = read_layer(&r, layer, ptr, ph);
		if (rc == 0 && (dup_opt(json_object_get(v, "no_layer"), &ph->no_layer) < 0 ||
		                dup_opt(json_object_get(v, "no_file_system"), &ph->fs_off) < 0))
			rc = sp_diag_set(diag, ENOMEM, "out of memory");
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		sp_landlock_free(ll);
		return rc;
	}
	sp_landlock_free(p->landlock);
	p->landlock = ll;
	return 0;
}

/* ---- accessors ---- */

bool sp_policy_has_landlock(const struct sp_policy *p)
{
	return p->landlock != NULL;
}

int sp_policy_landlock_layer(const struct sp_policy *p, size_t i, struct sp_landlock_layer *out,
                             int *id, const char **why_not)
{
	const struct ll_phase *ph;

	memset(out, 0, sizeof(*out));
	if (id)
		*id = 0;
	if (why_not)
		*why_not = p->landlock ? NULL : "the policy has no Landlock rules";
	if (!p->landlock || i >= p->landlock->n_phases)
		return 0;
	ph = &p->landlock->ph[i];
	if (!ph->has_layer) {
		if (why_not)
			*why_not = ph->no_layer ? ph->no_layer : "no layer";
		return 0;
	}
	*out = (struct sp_landlock_layer){
	    .handled_fs = ph->handled_fs,
	    .handled_net = ph->handled_net,
	    .scoped = ph->scoped,
	    .n_paths = ph->n_paths,
	    .paths = ph->paths,
	    .n_ports = ph->n_ports,
	    .ports = ph->ports,
	};
	if (id)
		*id = ph->layer_id;
	return 1;
}

const char *sp_policy_landlock_no_fs(const struct sp_policy *p, size_t i)
{
	return p->landlock && i < p->landlock->n_phases ? p->landlock->ph[i].fs_off : NULL;
}

int sp_policy_landlock_rule(const struct sp_policy *p, size_t i, size_t k, const char **path,
                            uint64_t *access, const char **why)
{
	const struct ll_phase *ph;

	if (!p->landlock || i >= p->landlock->n_phases)
		return -EINVAL;
	ph = &p->landlock->ph[i];
	if (!ph->has_layer || k >= ph->n_paths)
		return -EINVAL;
	*path = ph->layer_rules[k].path;
	*access = ph->layer_rules[k].access;
	*why = ph->layer_rules[k].why;
	return 0;
}

bool sp_policy_landlock_leads_into_layer(const struct sp_policy *p, size_t i)
{
	size_t n = sp_policy_reach_count(p, i);

	if (!p->landlock)
		return false;
	for (size_t k = 0; k < n; k++) {
		int j = sp_policy_reach_at(p, i, k);

		if (j >= 0 && (size_t)j != i && (size_t)j < p->landlock->n_phases &&
		    p->landlock->ph[j].has_layer)
			return true;
	}
	return false;
}

const char *const *sp_landlock_injection_calls(void)
{
	/* What sp_inject_landlock() makes the thread call (sysphase/tracer.h). */
	static const char *const calls[] = {"landlock_create_ruleset",
	                                    "landlock_add_rule",
	                                    "landlock_restrict_self",
	                                    "openat",
	                                    "close",
	                                    NULL};

	return calls;
}
