/* SPDX-License-Identifier: MIT */
/*
 * Each phase's Landlock layer from the phases' own rules.
 *
 * Layers stack and only narrow, as seccomp filters do, so a phase's layer
 * must already allow everything of every phase reachable from it (the
 * process's later phases and its forked children's, which inherit it):
 * the union of their own rules.  A phase gets a layer only where that
 * union is narrower than what a thread entering it already holds, and
 * along any path through the phases at most the budget of layers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_impl.h"

void ll_phase_free(struct ll_phase *ph)
{
	ll_set_free(&ph->own);
	for (size_t i = 0; i < ph->n_paths; i++) {
		free(ph->layer_rules[i].path);
		free(ph->layer_rules[i].why);
	}
	free(ph->layer_rules);
	free(ph->paths);
	free(ph->ports);
	free(ph->no_layer);
	free(ph->fs_off);
	memset(ph, 0, sizeof(*ph));
}

void sp_landlock_free(struct sp_landlock *ll)
{
	if (!ll)
		return;
	for (size_t i = 0; ll->ph && i < ll->n_phases; i++)
		ll_phase_free(&ll->ph[i]);
	free(ll->ph);
	free(ll);
}

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(((const struct ll_rule *)a)->path, ((const struct ll_rule *)b)->path);
}

/* Whether dir is path or one of its ancestors. */
static bool beneath(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(dir, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

#define WRITES                                                                                \
	(SP_LL_FS_WRITE_FILE | SP_LL_FS_MAKE_REG | SP_LL_FS_MAKE_DIR | SP_LL_FS_REMOVE_FILE | \
	 SP_LL_FS_REMOVE_DIR | SP_LL_FS_TRUNCATE)
#define DATA_ROOT_MIN 3
#define DATA_ROOT_WHY "data directory: generalised"

/* The parent of r's path when it is at least two levels below / ("/a/b/c" -> "/a/b"). */
static bool deep_parent(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || !memchr(path + 1, '/', (size_t)(slash - path - 1)))
		return false;
	snprintf(out, n, "%.*s", (int)(slash - path), path);
	return true;
}

/*
 * A data directory: one the phases write in through three or more of its
 * entries (postgres's base, global, pg_wal, pg_xact...) is generalised to
 * one rule beneath it, with the union of their rights and read_dir: a
 * path the recording did not take (crash recovery's pg_notify) is the same
 * kind of file in the same tree.  Never "/" or a directory right below it.
 * A new rule is added at the end (*rules may move).
 */
static int data_roots(struct ll_rule **rules, size_t *n)
{
	struct ll_rule *r = *rules;
	size_t orig = *n;

	for (size_t i = 0; i < orig; i++) {
		char dir[4096], why[512];
		uint64_t acc = 0;
		size_t count = 0, len;
		struct ll_rule *grown;

		if (!(r[i].access & WRITES) || !deep_parent(r[i].path, dir, sizeof(dir)))
			continue;
		len = strlen(dir);
		for (size_t j = 0; j < *n && count != SIZE_MAX; j++) {
			const char *p = r[j].path;

			if (strcmp(p, dir) == 0 && j >= orig)
				count = SIZE_MAX; /* made already, for an earlier entry */
			else if (strcmp(p, dir) == 0)
				acc |= r[j].access; /* a narrower rule: the new one covers it */
			else if (j < orig && strncmp(p, dir, len) == 0 && p[len] == '/' &&
			         (r[j].access & WRITES)) {
				count += strchr(p + len + 1, '/') == NULL;
				acc |= r[j].access;
			}
		}
		if (count < DATA_ROOT_MIN || count == SIZE_MAX)
			continue;
		grown = realloc(r, (*n + 1) * sizeof(*r));
		if (!grown)
			return -ENOMEM;
		r = *rules = grown;
		snprintf(why, sizeof(why), DATA_ROOT_WHY ", the phases write in %zu entries of it",
		         count);
		r[*n] = (struct ll_rule){.path = strdup(dir),
		                         .access = acc | SP_LL_FS_READ_DIR | SP_LL_FS_READ_FILE,
		                         .dir = true,
		                         .why = strdup(why)};
		if (!r[*n].path || !r[*n].why)
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

/*
 * The union of the rules of phases reach[0..n): rules on one path merged,
 * and a rule dropped where a directory above it already grants all it
 * grants.  Quadratic in the rules of the union, which are few (tens).
 */
static void rule_free(struct ll_rule *r)
{
	free(r->path);
	free(r->why);
	r->path = r->why = NULL;
}

/*
 * A rule on or beneath a directory some phase of the reach makes moves to
 * the first directory above it that none of them makes: this layer goes in
 * before that mkdir, when the rule's path does not exist yet.  (The layer
 * of a phase after the mkdir keeps the rule where it is: there it exists.)
 */
static int rehome_made(const struct sp_landlock *ll, const int *reach, size_t n, struct ll_rule *r)
{
	char top[4096] = "", up[4096], why[4096 + 64];

	for (size_t i = 0; i < n; i++) {
		const struct ll_set *s = &ll->ph[reach[i]].own;

		for (size_t m = 0; m < s->n_made; m++)
			if (beneath(s->made[m], r->path) &&
			    (!top[0] || strlen(s->made[m]) < strlen(top)))
				snprintf(top, sizeof(top), "%s", s->made[m]);
	}
	if (!top[0])
		return 0;
	ll_dir_of(top, up, sizeof(up));
	snprintf(why, sizeof(why), "beneath %s, which a phase it reaches makes", top);
	rule_free(r);
	r->path = strdup(up);
	r->why = strdup(why);
	r->dir = true;
	return r->path && r->why ? 0 : -ENOMEM;
}

static int union_rules(const struct sp_landlock *ll, const int *reach, size_t n,
                       struct ll_phase *out)
{
	size_t total = 0, k = 0;
	struct ll_rule *r;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		total += ll->ph[reach[i]].own.n_rules;
	r = calloc(total + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	out->layer_rules = r; /* owned from here on: ll_phase_free() frees n_paths of them */
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct ll_set *s = &ll->ph[reach[i]].own;

		for (size_t j = 0; j < s->n_rules && rc == 0; j++) {
			r[k] = s->rules[j];
			r[k].path = strdup(s->rules[j].path);
			r[k].why = strdup(s->rules[j].why ? s->rules[j].why : "");
			out->n_paths = ++k;
			rc = r[k - 1].path && r[k - 1].why ? rehome_made(ll, reach, n, &r[k - 1])
			                                   : -ENOMEM;
		}
	}
	if (rc < 0)
		return rc;
	if (k)
		qsort(r, k, sizeof(*r), cmp_rule);
	/* Merge equal paths (adjacent once sorted). */
	total = 0;
	for (size_t i = 0; i < k; i++) {
		if (total && strcmp(r[total - 1].path, r[i].path) == 0) {
			r[total - 1].access |= r[i].access;
			r[total - 1].dir |= r[i].dir;
			rule_free(&r[i]);
		} else
			r[total++] = r[i];
	}
	out->n_paths = total;
	rc = data_roots(&r, &total);
	out->layer_rules = r;
	out->n_paths = total;
	if (rc < 0)
		return rc;
	k = 0;
	for (size_t i = 0; i < total; i++) {
		bool covered = false;

		for (size_t j = 0; j < total && !covered; j++)
			covered = j != i && r[j].path && r[j].dir &&
			          beneath(r[j].path, r[i].path) &&
			          (r[i].access & ~r[j].access) == 0;
		if (covered)
			rule_free(&r[i]);
	}
	for (size_t i = 0; i < total; i++)
		if (r[i].path)
			r[k++] = r[i];
	out->n_paths = k;
	if (k)
		qsort(r, k, sizeof(*r), cmp_rule);
	out->paths = calloc(k + 1, sizeof(*out->paths));
	if (!out->paths)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++)
		out->paths[i] = (struct sp_ll_path){r[i].path, r[i].access};
	return 0;
}

static int union_ports(const struct sp_landlock *ll, const int *reach, size_t n,
                       struct ll_phase *out)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += ll->ph[reach[i]].own.n_ports;
	out->ports = calloc(total + 1, sizeof(*out->ports));
	if (!out->ports)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ll_set *s = &ll->ph[reach[i]].own;

		for (size_t j = 0; j < s->n_ports; j++) {
			size_t at = 0;

			while (at < out->n_ports && out->ports[at].port != s->ports[j].port)
				at++;
			if (at == out->n_ports)
				out->ports[out->n_ports++] =
				    (struct sp_ll_port){s->ports[j].port, 0};
			out->ports[at].access |= s->ports[j].access;
		}
	}
	return 0;
}

/* The candidate layer of phase i: the union over its reach. */
static int candidate(struct sp_landlock *ll, const struct sp_policy *p, size_t i)
{
	struct ll_phase *ph = &ll->ph[i];
	size_t n = sp_policy_reach_count(p, i);
	int *reach = calloc(n + 1, sizeof(*reach));
	const char *unres = NULL, *unres_phase = NULL;
	bool sig = false, abst = false, any_bind = false, any_connect = false;
	int rc;

	if (!reach)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		const struct ll_set *s;

		reach[k] = sp_policy_reach_at(p, i, k);
		s = &ll->ph[reach[k]].own;
		sig |= s->signals_others;
		abst |= s->abstract_unix;
		any_connect |= s->connect_unpredictable;
		for (size_t j = 0; j < s->n_ports; j++) {
			any_bind |= (s->ports[j].access & SP_LL_NET_BIND_TCP) != 0;
			any_connect |= (s->ports[j].access & SP_LL_NET_CONNECT_TCP) != 0;
		}
		if (s->unresolved && !unres) {
			unres = s->unresolved;
			unres_phase = sp_policy_phase_name(p, (size_t)reach[k]);
		}
	}
	/*
	 * A port is configuration, not code: the same server binds another
	 * port, or proxies to another backend, when its configuration says
	 * so, and a recording shows one configuration.  So the layer takes a
	 * right away only from phases that never used it (a serving phase
	 * that binds nothing may bind nothing); where a reached phase binds
	 * or connects at all, that right is left to the seccomp filter.
	 */
	ph->handled_net = SP_LL_NET_ALL & ~(any_bind ? SP_LL_NET_BIND_TCP : 0) &
	                  ~(any_connect ? SP_LL_NET_CONNECT_TCP : 0);
	ph->scoped = SP_LL_SCOPE_ALL & ~(sig ? SP_LL_SCOPE_SIGNAL : 0) &
	             ~(abst ? SP_LL_SCOPE_ABSTRACT_UNIX : 0);
	rc = union_ports(ll, reach, n, ph);
	if (rc == 0) {
		size_t kept = 0;

		/* A rule may only name rights its ruleset handles (landlock_add_rule: EINVAL). */
		for (size_t j = 0; j < ph->n_ports; j++) {
			ph->ports[j].access &= ph->handled_net;
			if (ph->ports[j].access)
				ph->ports[kept++] = ph->ports[j];
		}
		ph->n_ports = kept;
	}
	if (rc == 0 && unres) {
		char buf[1024];

		snprintf(buf, sizeof(buf), "phase '%s' reached from here: %s", unres_phase, unres);
		ph->fs_off = strdup(buf);
		rc = ph->fs_off ? 0 : -ENOMEM;
		ph->paths = calloc(1, sizeof(*ph->paths));
		rc = rc == 0 && ph->paths ? 0 : -ENOMEM;
	} else if (rc == 0) {
		ph->handled_fs = SP_LL_FS_ALL;
		rc = union_rules(ll, reach, n, ph);
	}
	free(reach);
	return rc;
}

static bool same_layer(const struct ll_phase *a, const struct ll_phase *b)
{
	if (a->handled_fs != b->handled_fs || a->handled_net != b->handled_net ||
	    a->scoped != b->scoped || a->n_paths != b->n_paths || a->n_ports != b->n_ports)
		return false;
	for (size_t i = 0; i < a->n_paths; i++)
		if (strcmp(a->paths[i].path, b->paths[i].path) != 0 ||
		    a->paths[i].access != b->paths[i].access)
			return false;
	for (size_t i = 0; i < a->n_ports; i++)
		if (a->ports[i].port != b->ports[i].port ||
		    a->ports[i].access != b->ports[i].access)
			return false;
	return true;
}

static int set_why(struct ll_phase *ph, const char *why)
{
	free(ph->no_layer);
	ph->no_layer = strdup(why);
	return ph->no_layer ? 0 : -ENOMEM;
}

/*
 * The most layers a thread can hold in each phase (sysphase's), with
 * `run`'s rule: entering phase i stacks its layer unless the thread holds
 * one with the same id.  eff[i] is the id a thread holds in i (0 none,
 * -1 depends on the way in).  Depths saturate at budget + 1.
 */
static void depths(struct sp_landlock *ll, const struct sp_policy *p, int *eff)
{
	size_t n = ll->n_phases, ne = sp_policy_edge_count(p);
	bool changed = true;

	for (size_t i = 0; i < n; i++) {
		ll->ph[i].depth = ll->ph[i].has_layer ? 1 : 0;
		eff[i] = ll->ph[i].has_layer ? ll->ph[i].layer_id : 0;
	}
	for (size_t round = 0; changed && round < 4 * n + 4; round++) {
		changed = false;
		for (size_t e = 0; e < ne; e++) {
			struct sp_policy_edge ed;
			struct ll_phase *to;
			int d;

			if (sp_policy_edge_at(p, e, &ed) < 0 || ed.from == ed.to)
				continue;
			to = &ll->ph[ed.to];
			d = ll->ph[ed.from].depth +
			    (to->has_layer && eff[ed.from] != to->layer_id ? 1 : 0);
			if (d > (int)ll->budget + 1)
				d = (int)ll->budget + 1;
			if (d > to->depth) {
				to->depth = d;
				changed = true;
			}
			if (!to->has_layer && eff[ed.to] != eff[ed.from] && eff[ed.to] != -1) {
				eff[ed.to] = -1;
				changed = true;
			}
		}
	}
}

int ll_derive_layers(struct sp_landlock *ll, const struct sp_policy *p)
{
	size_t n = ll->n_phases, ne = sp_policy_edge_count(p);
	int *eff = calloc(n + 1, sizeof(*eff)), next_id = 1, rc = 0;
	char budget[128];

	if (!eff)
		return -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = candidate(ll, p, i);
	/* Equal layers share an id. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		ll->ph[i].layer_id = 0;
		for (size_t j = 0; j < i && !ll->ph[i].layer_id; j++)
			if (same_layer(&ll->ph[i], &ll->ph[j]))
				ll->ph[i].layer_id = ll->ph[j].layer_id;
		if (!ll->ph[i].layer_id)
			ll->ph[i].layer_id = next_id++;
	}
	/* A layer where it narrows what some way in holds; a start phase narrows nothing held. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ll_phase *ph = &ll->ph[i];
		const char *same_as = NULL;
		bool has_pred = false, narrows = false;

		for (size_t e = 0; e < ne; e++) {
			struct sp_policy_edge ed;

			if (sp_policy_edge_at(p, e, &ed) < 0 || (size_t)ed.to != i ||
			    ed.from == ed.to)
				continue;
			has_pred = true;
			if (ll->ph[ed.from].layer_id != ph->layer_id)
				narrows = true;
			else
				same_as = sp_policy_phase_name(p, (size_t)ed.from);
		}
		ph->has_layer = has_pred ? narrows
		                         : !sp_landlock_layer_empty(&(struct sp_landlock_layer){
					       ph->handled_fs, ph->handled_net, ph->scoped});
		if (!ph->has_layer && same_as) {
			char why[512];

			snprintf(why, sizeof(why), "the same as the layer of '%s' before it",
			         same_as);
			rc = set_why(ph, why);
		} else if (!ph->has_layer)
			rc = set_why(ph, "nothing to restrict");
	}
	/* The budget: drop the first layer, in phase order, that a thread could hold one too many
	 * of. */
	for (size_t guard = 0; rc == 0 && guard <= n; guard++) {
		size_t over = n;

		depths(ll, p, eff);
		for (size_t i = 0; i < n && over == n; i++)
			if (ll->ph[i].has_layer && ll->ph[i].depth > (int)ll->budget)
				over = i;
		if (over == n)
			break;
		snprintf(budget, sizeof(budget),
		         "over the budget of %zu layers on a path through the phases", ll->budget);
		ll->ph[over].has_layer = false;
		rc = set_why(&ll->ph[over], budget);
	}
	free(eff);
	return rc;
}
