/* SPDX-License-Identifier: MIT */
/*
 * Loading and validating rule sets (format: docs/rules.md).  Everything is
 * checked here, once, with the position of the offending value, so that
 * the detector can trust its rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin_rules.h"
#include "rules_int.h"

/* ------------------------------------------------------------ diagnostics */

int sp_perr(const struct sp_pctx *c, const char *pointer, bool key, const char *fmt, ...)
{
	char msg[768];
	int line = 0, col = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->jp) {
		/* Fall back to the closest enclosing value that has a position. */
		char p[512];

		snprintf(p, sizeof(p), "%s", pointer);
		while (sp_jpos_find(c->jp, p, key, &line, &col) < 0) {
			char *slash = strrchr(p, '/');

			if (!slash) {
				line = col = 0;
				break;
			}
			*slash = 0;
			key = false;
		}
		return sp_diag_at(c->diag, EINVAL, c->file, line, col, "%s", msg);
	}
	/* No source text (rules embedded in a policy): say where by JSON pointer. */
	return sp_diag_set(c->diag, EINVAL, "%s: %s: %s", c->file, *pointer ? pointer : "/", msg);
}

int sp_check_keys(const struct sp_pctx *c, const char *pointer, json_t *obj,
                  const char *const *keys)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool known = false;
		char p[512];
		const char *near;

		for (size_t i = 0; keys[i]; i++)
			if (!strcmp(keys[i], key))
				known = true;
		if (known)
			continue;
		snprintf(p, sizeof(p), "%s/%s", pointer, key);
		near = sp_nearest(key, keys);
		if (near)
			return sp_perr(c, p, true, "unknown key \"%s\" (did you mean \"%s\"?)", key,
			               near);
		return sp_perr(c, p, true, "unknown key \"%s\"", key);
	}
	return 0;
}

/* ---------------------------------------------------------------- phases */

static int phase_lookup(const struct sp_rules *r, const char *name)
{
	for (size_t i = 0; i < r->nphases; i++)
		if (!strcmp(r->phases[i].name, name))
			return (int)i;
	return -ENOENT;
}

/* A phase name at pointer that must exist; suggests the nearest. */
static int phase_ref(const struct sp_pctx *c, const struct sp_rules *r, const char *pointer,
                     json_t *v, int *out)
{
	const char *names[SP_RULES_MAX_PHASES + 1];
	const char *near;
	int i;

	if (!json_is_string(v))
		return sp_perr(c, pointer, false, "expected a phase name");
	i = phase_lookup(r, json_string_value(v));
	if (i >= 0) {
		*out = i;
		return 0;
	}
	for (size_t k = 0; k < r->nphases; k++)
		names[k] = r->phases[k].name;
	names[r->nphases] = NULL;
	near = sp_nearest(json_string_value(v), names);
	if (near)
		return sp_perr(c, pointer, false, "unknown phase \"%s\" (did you mean \"%s\"?)",
		               json_string_value(v), near);
	return sp_perr(c, pointer, false, "unknown phase \"%s\"", json_string_value(v));
}

static int parse_phases(const struct sp_pctx *c, struct sp_rules *r, json_t *arr)
{
	static const char *const keys[] = {"name", "description", "final", "comment", NULL};
	size_t i;
	json_t *ph;
	int rc;

	if (!json_is_array(arr) || !json_array_size(arr))
		return sp_perr(c, "/phases", false, "\"phases\" must be a non-empty array");
	if (json_array_size(arr) > SP_RULES_MAX_PHASES)
		return sp_perr(c, "/phases", false, "at most %d phases", SP_RULES_MAX_PHASES);
	r->phases = calloc(json_array_size(arr), sizeof(*r->phases));
	if (!r->phases)
		return -ENOMEM;
	json_array_foreach(arr, i, ph) {
		char p[128], pn[160];
		json_t *name, *desc, *final;

		snprintf(p, sizeof(p), "/phases/%zu", i);
		if (!json_is_object(ph))
			return sp_perr(c, p, false,
			               "a phase is an object with name and description");
		rc = sp_check_keys(c, p, ph, keys);
		if (rc < 0)
			return rc;
		name = json_object_get(ph, "name");
		desc = json_object_get(ph, "description");
		final = json_object_get(ph, "final");
		snprintf(pn, sizeof(pn), "%s/name", p);
		if (!json_is_string(name) || !json_string_length(name))
			return sp_perr(c, name ? pn : p, false,
			               "a phase needs a non-empty \"name\"");
		if (phase_lookup(r, json_string_value(name)) >= 0)
			return sp_perr(c, pn, false, "duplicate phase \"%s\"",
			               json_string_value(name));
		snprintf(pn, sizeof(pn), "%s/description", p);
		if (!json_is_string(desc) || !json_string_length(desc))
			return sp_perr(c, desc ? pn : p, false,
			               "phase \"%s\" needs a one-line \"description\"",
			               json_string_value(name));
		if (strchr(json_string_value(desc), '\n'))
			return sp_perr(c, pn, false, "a description is one line");
		snprintf(pn, sizeof(pn), "%s/final", p);
		if (final && !json_is_boolean(final))
			return sp_perr(c, pn, false, "\"final\" is true or false");
		r->phases[i].name = strdup(json_string_value(name));
		r->phases[i].description = strdup(json_string_value(desc));
		r->phases[i].final = json_is_true(final);
		r->nphases++;
		if (!r->phases[i].name || !r->phases[i].description)
			return -ENOMEM;
	}
	return 0;
}

/* ----------------------------------------------------------- transitions */

static int push_edge(struct sp_rules *r, int from, int to, bool repeat, bool closes,
                     struct sp_trigger *t)
{
	struct sp_rules_edge *e = realloc(r->edges, (r->nedges + 1) * sizeof(*e));
	struct sp_trigger **et;

	if (!e)
		return -ENOMEM;
	r->edges = e;
	et = realloc(r->edge_trigger, (r->nedges + 1) * sizeof(*et));
	if (!et)
		return -ENOMEM;
	r->edge_trigger = et;
	e[r->nedges] = (struct sp_rules_edge){from, to, repeat, closes};
	et[r->nedges] = t;
	r->nedges++;
	r->phases[from].has_exits = true;
	return 0;
}

static int own_trigger(struct sp_rules *r, struct sp_trigger *t)
{
	struct sp_trigger **v = realloc(r->triggers, (r->ntriggers + 1) * sizeof(*v));

	if (!v) {
		sp_trigger_free(t);
		return -ENOMEM;
	}
	r->triggers = v;
	v[r->ntriggers++] = t;
	if (t->need_exit)
		r->need_exit = true;
	if (t->stack.n || (t->after && t->after->stack.n))
		r->need_stack = true;
	if (t->string_need > r->string_need)
		r->string_need = t->string_need;
	if (t->after && t->after->string_need > r->string_need)
		r->string_need = t->after->string_need;
	return 0;
}

/* "from": a phase, a list of phases, or "*" (every phase but "to"). */
static int parse_from(const struct sp_pctx *c, const struct sp_rules *r, const char *p, json_t *v,
                      int to, uint64_t *mask)
{
	char q[192];
	size_t i;
	json_t *e;
	int idx = 0, rc;

	*mask = 0;
	if (json_is_string(v) && !strcmp(json_string_value(v), "*")) {
		for (size_t k = 0; k < r->nphases; k++)
			if ((int)k != to)
				*mask |= 1ULL << k;
		return 0;
	}
	if (json_is_string(v)) {
		rc = phase_ref(c, r, p, v, &idx);
		if (rc < 0)
			return rc;
		*mask = 1ULL << idx;
	} else if (json_is_array(v) && json_array_size(v)) {
		json_array_foreach(v, i, e) {
			snprintf(q, sizeof(q), "%s/%zu", p, i);
			rc = phase_ref(c, r, q, e, &idx);
			if (rc < 0)
				return rc;
			*mask |= 1ULL << idx;
		}
	} else {
		return sp_perr(c, p, false, "\"from\" is a phase name, a list of them, or \"*\"");
	}
	if (to >= 0 && (*mask & (1ULL << to)))
		return sp_perr(c, p, false, "a transition from a phase to itself never fires");
	return 0;
}

static int parse_transition(const struct sp_pctx *c, struct sp_rules *r, size_t i, json_t *tr)
{
	static const char *const keys[] = {"from",   "to",      "when", "belongs",
	                                   "repeat", "comment", NULL};
	char p[128], q[192];
	json_t *from, *to, *when, *belongs, *repeat;
	uint64_t mask;
	bool closes = false;
	int toi = 0, rc;

	snprintf(p, sizeof(p), "/transitions/%zu", i);
	if (!json_is_object(tr))
		return sp_perr(c, p, false, "a transition is an object with from, to and when");
	rc = sp_check_keys(c, p, tr, keys);
	if (rc < 0)
		return rc;
	from = json_object_get(tr, "from");
	to = json_object_get(tr, "to");
	when = json_object_get(tr, "when");
	belongs = json_object_get(tr, "belongs");
	repeat = json_object_get(tr, "repeat");
	if (!from || !to || !when)
		return sp_perr(c, p, false, "a transition needs \"from\", \"to\" and \"when\"");
	snprintf(q, sizeof(q), "%s/to", p);
	rc = phase_ref(c, r, q, to, &toi);
	if (rc < 0)
		return rc;
	snprintf(q, sizeof(q), "%s/from", p);
	rc = parse_from(c, r, q, from, toi, &mask);
	if (rc < 0)
		return rc;
	snprintf(q, sizeof(q), "%s/belongs", p);
	if (belongs) {
		if (!json_is_string(belongs) || (strcmp(json_string_value(belongs), "to") &&
		                                 strcmp(json_string_value(belongs), "from")))
			return sp_perr(c, q, false,
			               "\"belongs\" is \"to\" (the phase the event opens) or "
			               "\"from\" (the one it closes)");
		closes = !strcmp(json_string_value(belongs), "from");
	}
	snprintf(q, sizeof(q), "%s/repeat", p);
	if (repeat && !json_is_boolean(repeat))
		return sp_perr(c, q, false, "\"repeat\" is true or false");

	/* "when" is one trigger or a list of alternatives: one edge set each. */
	snprintf(q, sizeof(q), "%s/when", p);
	for (size_t k = 0; k < (json_is_array(when) ? json_array_size(when) : 1); k++) {
		char w[224];
		struct sp_trigger *t;
		json_t *tv = json_is_array(when) ? json_array_get(when, k) : when;

		if (json_is_array(when))
			snprintf(w, sizeof(w), "%s/%zu", q, k);
		else
			snprintf(w, sizeof(w), "%s", q);
		rc = sp_trigger_parse(c, w, tv, &t);
		if (rc < 0)
			return rc;
		rc = own_trigger(r, t);
		if (rc < 0)
			return rc;
		for (size_t f = 0; f < r->nphases; f++) {
			if (!(mask & (1ULL << f)))
				continue;
			rc = push_edge(r, (int)f, toi, json_is_true(repeat), closes, t);
			if (rc < 0)
				return rc;
		}
	}
	if (json_is_array(when) && !json_array_size(when))
		return sp_perr(c, q, false, "\"when\" is a trigger or a non-empty list of them");
	return 0;
}

/* "on_fork": a phase name (every child), or [{"parent": ..., "child": ...}]. */
static int parse_on_fork(const struct sp_pctx *c, struct sp_rules *r, json_t *v)
{
	static const char *const keys[] = {"parent", "child", "comment", NULL};
	size_t i;
	json_t *e;
	int idx = 0, rc;

	r->on_fork = malloc(r->nphases * sizeof(*r->on_fork));
	if (!r->on_fork)
		return -ENOMEM;
	for (size_t k = 0; k < r->nphases; k++)
		r->on_fork[k] = -1;
	if (!v)
		return 0;
	if (json_is_string(v)) {
		rc = phase_ref(c, r, "/on_fork", v, &idx);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < r->nphases; k++)
			r->on_fork[k] = idx;
		return 0;
	}
	if (!json_is_array(v))
		return sp_perr(c, "/on_fork", false,
		               "\"on_fork\" is a phase name or a list of {parent, child}");
	json_array_foreach(v, i, e) {
		char p[64], q[96];
		json_t *child;
		uint64_t mask;

		snprintf(p, sizeof(p), "/on_fork/%zu", i);
		if (!json_is_object(e))
			return sp_perr(c, p, false, "expected {\"parent\": ..., \"child\": ...}");
		rc = sp_check_keys(c, p, e, keys);
		if (rc < 0)
			return rc;
		child = json_object_get(e, "child");
		if (!child || !json_object_get(e, "parent"))
			return sp_perr(c, p, false,
			               "an on_fork entry needs \"parent\" and \"child\"");
		snprintf(q, sizeof(q), "%s/child", p);
		rc = phase_ref(c, r, q, child, &idx);
		if (rc < 0)
			return rc;
		snprintf(q, sizeof(q), "%s/parent", p);
		/* A child may start in its parent's phase, so no self check here. */
		rc = parse_from(c, r, q, json_object_get(e, "parent"), -1, &mask);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < r->nphases; k++) {
			if (!(mask & (1ULL << k)))
				continue;
			if (r->on_fork[k] >= 0) {
				return sp_perr(c, q, false,
				               "phase \"%s\" already has an on_fork entry",
				               r->phases[k].name);
			}
			r->on_fork[k] = idx;
		}
	}
	return 0;
}

/* Every phase must be reachable from the initial one by transitions or forks. */
static int check_reachable(const struct sp_pctx *c, const struct sp_rules *r)
{
	uint64_t seen = 1ULL << r->initial;
	bool grew = true;

	while (grew) {
		grew = false;
		for (size_t e = 0; e < r->nedges; e++) {
			uint64_t to = 1ULL << r->edges[e].to;

			if ((seen & (1ULL << r->edges[e].from)) && !(seen & to)) {
				seen |= to;
				grew = true;
			}
		}
		for (size_t k = 0; k < r->nphases; k++) {
			uint64_t to = r->on_fork[k] >= 0 ? 1ULL << r->on_fork[k] : 0;

			if ((seen & (1ULL << k)) && to && !(seen & to)) {
				seen |= to;
				grew = true;
			}
		}
	}
	for (size_t k = 0; k < r->nphases; k++) {
		char p[64];

		if (seen & (1ULL << k))
			continue;
		snprintf(p, sizeof(p), "/phases/%zu/name", k);
		return sp_perr(c, p, false,
		               "phase \"%s\" is unreachable from the initial phase \"%s\"",
		               r->phases[k].name, r->phases[r->initial].name);
	}
	return 0;
}

static int rules_build(const struct sp_pctx *c, json_t *root, const char *fallback_name,
                       struct sp_rules *r)
{
	static const char *const keys[] = {"name",        "description", "initial", "phases",
	                                   "transitions", "on_fork",     "comment", NULL};
	json_t *v;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return sp_perr(c, "", false, "a rule set is a JSON object");
	rc = sp_check_keys(c, "", root, keys);
	if (rc < 0)
		return rc;
	v = json_object_get(root, "name");
	if (v && (!json_is_string(v) || !json_string_length(v)))
		return sp_perr(c, "/name", false, "\"name\" is a non-empty string");
	r->name = strdup(v ? json_string_value(v) : fallback_name);
	if (!r->name)
		return -ENOMEM;
	v = json_object_get(root, "description");
	if (v && !json_is_string(v))
		return sp_perr(c, "/description", false, "\"description\" is a string");
	v = json_object_get(root, "phases");
	if (!v)
		return sp_perr(c, "", false, "a rule set needs \"phases\"");
	rc = parse_phases(c, r, v);
	if (rc < 0)
		return rc;
	r->initial = 0;
	if ((v = json_object_get(root, "initial"))) {
		rc = phase_ref(c, r, "/initial", v, &r->initial);
		if (rc < 0)
			return rc;
	}
	v = json_object_get(root, "transitions");
	if (v && !json_is_array(v))
		return sp_perr(c, "/transitions", false, "\"transitions\" is an array");
	if (v) {
		json_t *tr;

		json_array_foreach(v, i, tr) {
			rc = parse_transition(c, r, i, tr);
			if (rc < 0)
				return rc;
		}
	}
	rc = parse_on_fork(c, r, json_object_get(root, "on_fork"));
	if (rc < 0)
		return rc;
	rc = check_reachable(c, r);
	if (rc < 0)
		return rc;
	r->json = json_deep_copy(root);
	return r->json ? 0 : -ENOMEM;
}

/* ---------------------------------------------------------------- loading */

static int build(json_t *root, const char *file, const struct sp_jpos *jp,
                 const char *fallback_name, struct sp_rules **out, struct sp_diag *diag)
{
	struct sp_pctx c = {.file = file, .jp = jp, .diag = diag};
	struct sp_rules *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	rc = rules_build(&c, root, fallback_name, r);
	if (rc < 0) {
		if (rc == -ENOMEM)
			sp_diag_set(diag, ENOMEM, "%s: out of memory", file);
		sp_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* The rule set's default name from a file name: "nginx" for ".../nginx.json". */
static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = strdup(b ? b + 1 : path);
	char *dot;

	if (n && (dot = strrchr(n, '.')) && !strcmp(dot, ".json"))
		*dot = 0;
	return n;
}

int sp_rules_parse(const char *text, size_t len, const char *filename, struct sp_rules **out,
                   struct sp_diag *diag)
{
	json_error_t err;
	json_t *root;
	struct sp_jpos *jp;
	char *fallback;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return sp_diag_at(diag, EINVAL, filename, err.line, err.column, "%s", err.text);
	jp = sp_jpos_new(text, len);
	fallback = base_name(filename);
	if (!jp || !fallback) {
		json_decref(root);
		sp_jpos_free(jp);
		free(fallback);
		return sp_diag_set(diag, ENOMEM, "%s: out of memory", filename);
	}
	rc = build(root, filename, jp, fallback, out, diag);
	free(fallback);
	sp_jpos_free(jp);
	json_decref(root);
	return rc;
}

int sp_rules_from_json(json_t *root, const char *name, struct sp_rules **out, struct sp_diag *diag)
{
	return build(root, name ? name : "rules", NULL, name ? name : "rules", out, diag);
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 4096 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
	}
	fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*text = buf;
	*len = n;
	return 0;
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".json"));
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where a built-in rule set lives: the first directory that has NAME.json. */
static int builtin_path(const char *name, const char *exe_dir, char *buf, size_t n)
{
	const char *env = getenv("SYSPHASE_RULES_DIR");
	char dirs[4][PATH_MAX];
	int ndirs = 0;

	if (env && *env)
		snprintf(dirs[ndirs++], PATH_MAX, "%s", env);
	if (exe_dir && *exe_dir)
		snprintf(dirs[ndirs++], PATH_MAX, "%s/../share/sysphase/rules", exe_dir);
	snprintf(dirs[ndirs++], PATH_MAX, "%s/rules", SYSPHASE_DATADIR);
	snprintf(dirs[ndirs++], PATH_MAX, "%s/phases/rules", SYSPHASE_SOURCE_DIR);
	for (int i = 0; i < ndirs; i++) {
		if ((size_t)snprintf(buf, n, "%s/%s.json", dirs[i], name) >= n)
			continue;
		if (file_exists(buf))
			return 0;
	}
	return -ENOENT;
}

int sp_rules_load(const char *path_or_builtin, const char *exe_dir, struct sp_rules **out,
                  struct sp_diag *diag)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (is_path(path_or_builtin)) {
		snprintf(path, sizeof(path), "%s", path_or_builtin);
	} else {
		for (const char *s = path_or_builtin; *s; s++)
			if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') ||
			      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
				return sp_diag_set(diag, EINVAL, "bad rule set name \"%s\"",
				                   path_or_builtin);
		/*
		 * The copy compiled in (phases/builtin_rules.h) is the one this
		 * binary was built and tested with, and it needs no file: a
		 * SYSPHASE_RULES_DIR set by the user still comes first.
		 */
		if (!getenv("SYSPHASE_RULES_DIR"))
			for (const struct sp_builtin_rules *b = sp_builtin_rules; b->name; b++)
				if (strcmp(b->name, path_or_builtin) == 0) {
					snprintf(path, sizeof(path), "%s.json", b->name);
					return sp_rules_parse(b->text, b->len, path, out, diag);
				}
		if (builtin_path(path_or_builtin, exe_dir, path, sizeof(path)) < 0)
			return sp_diag_set(diag, ENOENT,
			                   "no built-in rule set \"%s\" (built-ins: generic, "
			                   "nginx, pwd; or give a path to a .json file)",
			                   path_or_builtin);
	}
	rc = read_file(path, &text, &len);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "%s: %s", path, strerror(-rc));
	rc = sp_rules_parse(text, len, path, out, diag);
	free(text);
	return rc;
}

json_t *sp_rules_to_json(const struct sp_rules *r)
{
	return json_deep_copy(r->json);
}

void sp_rules_free(struct sp_rules *r)
{
	if (!r)
		return;
	free(r->name);
	json_decref(r->json);
	for (size_t i = 0; i < r->nphases; i++) {
		free(r->phases[i].name);
		free(r->phases[i].description);
	}
	free(r->phases);
	free(r->edges);
	free(r->edge_trigger);
	for (size_t i = 0; i < r->ntriggers; i++)
		sp_trigger_free(r->triggers[i]);
	free(r->triggers);
	free(r->on_fork);
	free(r);
}

/* -------------------------------------------------------------- accessors */

const char *sp_rules_name(const struct sp_rules *r)
{
	return r->name;
}

size_t sp_rules_phase_count(const struct sp_rules *r)
{
	return r->nphases;
}

static bool in_range(const struct sp_rules *r, int i)
{
	return i >= 0 && (size_t)i < r->nphases;
}

const char *sp_rules_phase_name(const struct sp_rules *r, int i)
{
	return in_range(r, i) ? r->phases[i].name : NULL;
}

const char *sp_rules_phase_description(const struct sp_rules *r, int i)
{
	return in_range(r, i) ? r->phases[i].description : NULL;
}

int sp_rules_phase_index(const struct sp_rules *r, const char *name)
{
	return name ? phase_lookup(r, name) : -ENOENT;
}

const char *sp_rules_phase_intern(const struct sp_rules *r, const char *name)
{
	int i = sp_rules_phase_index(r, name);

	return i >= 0 ? r->phases[i].name : NULL;
}

int sp_rules_initial(const struct sp_rules *r)
{
	return r->initial;
}

bool sp_rules_phase_final(const struct sp_rules *r, int i)
{
	return in_range(r, i) && r->phases[i].final;
}

bool sp_rules_phase_has_exits(const struct sp_rules *r, int i)
{
	return in_range(r, i) && r->phases[i].has_exits;
}

size_t sp_rules_edge_count(const struct sp_rules *r)
{
	return r->nedges;
}

const struct sp_rules_edge *sp_rules_edge(const struct sp_rules *r, size_t i)
{
	return i < r->nedges ? &r->edges[i] : NULL;
}

int sp_rules_on_fork(const struct sp_rules *r, int parent_phase)
{
	return in_range(r, parent_phase) ? r->on_fork[parent_phase] : -1;
}

bool sp_rules_need_exit(const struct sp_rules *r)
{
	return r->need_exit;
}

bool sp_rules_need_stack(const struct sp_rules *r)
{
	return r->need_stack;
}

size_t sp_rules_string_need(const struct sp_rules *r)
{
	return r->string_need;
}
