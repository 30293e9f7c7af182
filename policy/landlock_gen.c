/* SPDX-License-Identifier: MIT */
/*
 * The collector's end: each phase's own rules generalised where the trace
 * supports it, then attached to the policy with their layers; and the
 * string map the collector indexes paths with.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_impl.h"

/* ---- a string set with an index per string (open addressing) ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of key: its value in *val when present.  1 found, 0 absent. */
int ll_strmap_find(const struct ll_strmap *m, const char *key, size_t *val)
{
	if (!m->cap)
		return 0;
	for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return 0;
		if (strcmp(m->keys[i], key) == 0) {
			*val = m->vals[i];
			return 1;
		}
	}
}

int ll_strmap_put(struct ll_strmap *m, const char *key, size_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct ll_strmap g = {.cap = m->cap ? 2 * m->cap : 64};

		g.keys = calloc(g.cap, sizeof(*g.keys));
		g.vals = calloc(g.cap, sizeof(*g.vals));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return -ENOMEM;
		}
		for (size_t k = 0; k < m->cap; k++)
			if (m->keys[k]) {
				for (i = hash(m->keys[k]) & (g.cap - 1); g.keys[i];
				     i = (i + 1) & (g.cap - 1))
					;
				g.keys[i] = m->keys[k];
				g.vals[i] = m->vals[k];
			}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	for (i = hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		;
	if (!(m->keys[i] = strdup(key)))
		return -ENOMEM;
	m->vals[i] = val;
	m->n++;
	return 0;
}

void ll_strmap_free(struct ll_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- the phase's own rules: generalised, sorted ---- */

static int cmp_rule(const void *a, const void *b)
{
	return strcmp(((const struct ll_rule *)a)->path, ((const struct ll_rule *)b)->path);
}

static int cmp_port(const void *a, const void *b)
{
	uint64_t x = ((const struct sp_ll_port *)a)->port, y = ((const struct sp_ll_port *)b)->port;

	return x < y ? -1 : x > y;
}

/* "generalised: 3 names looked up in it (a, b, c)": up to three names of dir. */
static char *evidence(const struct cphase *ph, const char *dir, size_t count)
{
	char buf[512];
	size_t len, dlen = strlen(dir), shown = 0;

	len = (size_t)snprintf(buf, sizeof(buf), "generalised: %zu names looked up in it (", count);
	for (size_t i = 0; i < ph->looked.cap && shown < 3; i++) {
		const char *k = ph->looked.keys[i];

		if (!k || strncmp(k, dir, dlen) != 0 || k[dlen] != '/' ||
		    strchr(k + dlen + 1, '/') || (dlen == 1 && k[0] != '/'))
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", shown ? ", " : "",
		                        k + dlen + 1);
		shown++;
		if (len >= sizeof(buf))
			break;
	}
	if (len < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, "%s)", count > shown ? ", ..." : "");
	return strdup(buf);
}

/*
 * Files directly in a directory where the phase looked up two names or
 * more become one rule beneath the directory: the program picks names
 * there from its input (a document root) or a search path (libraries),
 * and another run picks others.  Never "/".
 */
/* The first directory above path that the phase did not make, into target; false: none made. */
static bool above_made(const struct cphase *ph, const char *path, char *target, size_t n, char *top,
                       size_t ntop)
{
	char cur[PATH_MAX], up[PATH_MAX];
	size_t dummy;

	top[0] = '\0';
	snprintf(cur, sizeof(cur), "%s", path);
	while (strcmp(cur, "/") != 0) {
		if (ll_strmap_find(&ph->made, cur, &dummy))
			snprintf(top, ntop, "%s", cur);
		ll_dir_of(cur, up, sizeof(up));
		snprintf(cur, sizeof(cur), "%s", up);
	}
	if (!top[0])
		return false;
	ll_dir_of(top, target, n);
	return true;
}

/*
 * Rules on or beneath a directory the phase made itself move up to the
 * first directory above it that the phase did not make: at the moment the
 * layer is made the made one does not exist yet (a rule holds an inode),
 * and its name may be the run's own (postgres's pgsql_tmp1234.0.fileset).
 * The rules are added again from scratch, so the path index stays right.
 */
static int rehome(struct cphase *ph)
{
	struct ll_rule *old = ph->s.rules;
	size_t n = ph->s.n_rules;
	int rc = 0;

	if (!ph->made.n)
		return 0;
	ph->s.rules = NULL;
	ph->s.n_rules = 0;
	ph->cap_rules = 0;
	ll_strmap_free(&ph->rule_of);
	for (size_t i = 0; i < n; i++) {
		char target[PATH_MAX], top[PATH_MAX], why[PATH_MAX + 64];

		if (rc == 0 &&
		    above_made(ph, old[i].path, target, sizeof(target), top, sizeof(top))) {
			snprintf(why, sizeof(why), "beneath %s, which the phase makes", top);
			rc = ll_add_rule(ph, target, old[i].access, true, why);
		} else if (rc == 0)
			rc = ll_add_rule(ph, old[i].path, old[i].access, old[i].dir, old[i].why);
		free(old[i].path);
		free(old[i].why);
	}
	free(old);
	return rc;
}

/*
 * A file a phase only reads stands for its directory, beneath: which file
 * is read is the input's choice (the page a client asks for, the table a
 * query touches), and a recording sees a few.  Not in a top-level
 * directory (/etc, /dev, /tmp...), where neighbours are unrelated files:
 * there two names looked up are the evidence asked for.  The rule is still
 * on what the kernel resolved, so a symlink out of the directory stays out.
 */
static bool read_only_below_top(const struct ll_rule *r, const char *dir)
{
	const char *second = strchr(dir + 1, '/');

	return (r->access & ~SP_LL_FS_READ_FILE) == 0 && dir[0] == '/' && second && second[1];
}

/*
 * A rule generalised from one a complain log added keeps saying so:
 * "merged from complain log L; generalised: ...".  Takes gen (NULL on ENOMEM).
 */
static char *merged_why(const char *rule_why, char *gen)
{
	char *both;

	if (!gen || !rule_why || strncmp(rule_why, "merged from", 11) != 0)
		return gen;
	if (asprintf(&both, "%s; %s", rule_why, gen) < 0)
		both = NULL;
	free(gen);
	return both;
}

/*
 * A directory generalised for reading may be listed too, where the
 * phase's seccomp filter lets it list at all (call: "getdents64" or
 * "getdents", NULL when its enforce view has neither): there a listing of
 * another directory of the same tree (an nginx autoindex, a lighttpd
 * dirlisting of a folder the recording never opened) is the same kind of
 * access as reading its files, and it shows only names of files the phase
 * may read anyway.  Where the filter has no getdents, read_dir would let
 * the open through only for the filter to kill the listing: a graceful
 * EACCES is the better failure.  Never "/" or a directory right below it
 * (/etc, /tmp), where the files are unrelated.
 */
static int grant_listing(struct ll_rule *r, const char *dir, const char *call)
{
	const char *second = strchr(dir + 1, '/');
	char *why;

	if (!call || (r->access & SP_LL_FS_READ_DIR) || dir[0] != '/' || !second || !second[1])
		return 0;
	if (asprintf(&why,
	             "%s; read_dir: files read in it were generalised to it and the phase's "
	             "filter allows %s, so listing a directory of this tree is the same kind of "
	             "read",
	             r->why ? r->why : "", call) < 0)
		return -ENOMEM;
	free(r->why);
	r->why = why;
	r->access |= SP_LL_FS_READ_DIR;
	return 0;
}

static int generalise(struct cphase *ph, const char *listing)
{
	struct ll_set *s = &ph->s;
	char dir[PATH_MAX];
	size_t out = 0;
	int rc = rehome(ph);

	if (rc < 0)
		return rc;

	for (size_t i = 0; i < s->n_rules; i++) {
		struct ll_rule *r = &s->rules[i];
		size_t count = 0, at;

		if (!r->dir) {
			ll_dir_of(r->path, dir, sizeof(dir));
			bool looked = ll_strmap_find(&ph->names_in, dir, &count) && count >= 2;
			bool served = read_only_below_top(r, dir);
			/*
			 * A file in a directory where the phase makes files: their
			 * names are the run's (postgres's /dev/shm/PostgreSQL.<random>,
			 * truncated after it is made), so its rights go beneath the
			 * directory, which already lets the phase make and write
			 * files there.
			 */
			bool makes = ll_strmap_find(&ph->rule_of, dir, &at) && s->rules[at].dir &&
			             (s->rules[at].access & SP_LL_FS_MAKE_REG);

			if (strcmp(dir, "/") != 0 && (looked || served || makes)) {
				uint64_t acc = r->access;

				if (ll_strmap_find(&ph->rule_of, dir, &at) && s->rules[at].dir) {
					s->rules[at].access |= acc;
				} else {
					char *why = merged_why(
					    r->why,
					    looked ? evidence(ph, dir, count)
						   : strdup("generalised: the directory of a file "
					                    "only read (another run reads others "
					                    "there)"));

					rc = why ? ll_add_rule(ph, dir, acc, true, why) : -ENOMEM;
					free(why);
					if (rc < 0)
						return rc;
					r = &s->rules[i]; /* add_rule may have moved the array */
					/* Indexed by ll_add_rule, whose one failure is memory. */
					if (!ll_strmap_find(&ph->rule_of, dir, &at))
						return -ENOMEM;
				}
				if ((looked || served) && (acc & SP_LL_FS_READ_FILE) &&
				    (rc = grant_listing(&s->rules[at], dir, listing)) < 0)
					return rc;
				free(r->path);
				free(r->why);
				r->path = NULL;
				r->why = NULL;
				continue;
			}
		}
	}
	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].path)
			s->rules[out++] = s->rules[i];
		else
			free(s->rules[i].why);
	s->n_rules = out;
	if (s->n_rules)
		qsort(s->rules, s->n_rules, sizeof(*s->rules), cmp_rule);
	if (s->n_ports)
		qsort(s->ports, s->n_ports, sizeof(*s->ports), cmp_port);
	return 0;
}

/*
 * Connects to a port the kernel chose at bind(port 0) (a program talking
 * to its own listener) name no port another run will use: the phase
 * cannot restrict connect.
 */
static void drop_chosen_ports(const struct sp_landlock_collector *c, struct ll_set *s)
{
	size_t out = 0, dummy;

	for (size_t i = 0; i < s->n_ports; i++) {
		char key[32];

		snprintf(key, sizeof(key), "%llu", (unsigned long long)s->ports[i].port);
		if ((s->ports[i].access & SP_LL_NET_CONNECT_TCP) &&
		    ll_strmap_find(&c->ephemeral, key, &dummy)) {
			s->connect_unpredictable = true;
			s->ports[i].access &= ~SP_LL_NET_CONNECT_TCP;
		}
		if (s->ports[i].access)
			s->ports[out++] = s->ports[i];
	}
	s->n_ports = out;
}

/* The directories the phase made, for the layers of the phases before it (rehome_made()). */
static int keep_made(struct cphase *ph)
{
	struct ll_set *s = &ph->s;

	s->made = calloc(ph->made.n + 1, sizeof(*s->made));
	if (!s->made)
		return -ENOMEM;
	for (size_t i = 0; i < ph->made.cap; i++)
		if (ph->made.keys[i] && !(s->made[s->n_made++] = strdup(ph->made.keys[i])))
			return -ENOMEM;
	return 0;
}

/* "getdents64" or "getdents" when phase i's enforce view (its filter) has one, else NULL. */
static const char *listing_call(const struct sp_policy *p, size_t i)
{
	const struct sp_allow *a;

	for (size_t c = 0; (a = sp_policy_enforce_at(p, i, c)); c++)
		if (strcmp(a->name, "getdents64") == 0 || strcmp(a->name, "getdents") == 0)
			return a->name;
	return NULL;
}

int sp_landlock_attach(struct sp_landlock_collector *c, struct sp_policy *p, struct sp_diag *diag)
{
	struct sp_landlock *ll = calloc(1, sizeof(*ll));
	int rc = 0;

	if (!ll)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	ll->n_phases = p->n_phases;
	ll->budget = SP_LL_MAX_LAYERS - SP_LL_RESERVED;
	ll->ph = calloc(p->n_phases + 1, sizeof(*ll->ph));
	if (!ll->ph)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < c->n_ph; i++) {
		int at = sp_policy_phase_index(p, c->ph[i].name);

		if (at < 0)
			continue; /* a phase with no syscall of its own gets no filter either */
		drop_chosen_ports(c, &c->ph[i].s);
		rc = generalise(&c->ph[i], listing_call(p, (size_t)at));
		if (rc == 0)
			rc = keep_made(&c->ph[i]);
		if (rc == 0) {
			ll->ph[at].own = c->ph[i].s;
			memset(&c->ph[i].s, 0, sizeof(c->ph[i].s));
		}
	}
	if (rc == 0)
		rc = ll_derive_layers(ll, p);
	if (rc < 0) {
		sp_landlock_free(ll);
		return sp_diag_set(diag, -rc, "out of memory");
	}
	sp_landlock_free(p->landlock);
	p->landlock = ll;
	return 0;
}

/* ---- the learning loop ---- */

int sp_landlock_collector_learned(struct sp_landlock_collector *c, const char *phase,
                                  const char *source)
{
	struct cphase *ph = ll_phase_get(c, phase);
	char why[512];

	if (!ph)
		return -ENOMEM;
	if (ph->s.unresolved)
		return 0;
	snprintf(why, sizeof(why),
	         "%s logged calls of this phase the recording never saw, made where complain mode "
	         "could not see the files (a thread let go, or a run without Landlock "
	         "simulation): record a workload that makes them",
	         source);
	return (ph->s.unresolved = strdup(why)) ? 0 : -ENOMEM;
}

/*
 * A Landlock would-be denial a complain run logged (export --merge): the
 * phase was seen needing it, so its own rules get it, generalised by the
 * same rule as what the recording showed (a file only read stands for its
 * directory, names looked up in a directory...), with its provenance.
 * A rule the recording already had is widened and says so.
 */
static int merge_rule(struct cphase *ph, const struct sp_complain_landlock *d, const char *why)
{
	size_t at;
	int rc;

	if (!d->dir) {
		rc = ll_looked_up(ph, d->path);
		if (rc < 0)
			return rc;
	}
	if (ll_strmap_find(&ph->rule_of, d->path, &at) && (d->fs & ~ph->s.rules[at].access)) {
		struct ll_rule *r = &ph->s.rules[at];
		char *wider;

		if (asprintf(&wider, "%s; widened: %s", r->why, why) < 0)
			return -ENOMEM;
		free(r->why);
		r->why = wider;
	}
	/* The kernel opens a program's interpreters for execution too (ld.so, a script's). */
	if ((d->fs & SP_LL_FS_EXECUTE) && !d->dir && (rc = ll_add_exec(ph, d->path, why)) < 0)
		return rc;
	return ll_add_file(ph, d->path, d->fs, d->dir, why);
}

int sp_landlock_collector_merge(struct sp_landlock_collector *c,
                                const struct sp_complain_landlock *d, const char *source)
{
	struct cphase *ph = ll_phase_get(c, d->phase);
	char why[PATH_MAX + 64];

	if (!ph)
		return -ENOMEM;
	snprintf(why, sizeof(why), "merged from complain log %s", source);
	if (d->path)
		return merge_rule(ph, d, why);
	if (d->port >= 0)
		return ll_add_port(ph, (uint64_t)d->port, d->net);
	if (d->scope & SP_LL_SCOPE_SIGNAL)
		ph->s.signals_others = true;
	if (d->scope & SP_LL_SCOPE_ABSTRACT_UNIX)
		ph->s.abstract_unix = true;
	return 0;
}
