/* SPDX-License-Identifier: MIT */
/*
 * Argument predicates of triggers ("args": {"fd": {"kind": "socket"}}):
 * which register or decoded field each names for each syscall of the
 * trigger, and the values, globs, flags and families it accepts, all
 * checked at parse time so that matching (trigger_match.c) never meets a
 * bad rule.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "glob.h"
#include "rules_int.h"
#include "sysphase/core.h"

/* Address families are socket domains: the decoder's table. */
static const struct sp_xlat *families(void)
{
	return sp_xlat_get(SP_XLAT_SOCK_DOMAIN);
}

static int add_family(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	struct sp_pred *p = arg;
	uint64_t f;
	int64_t *v;

	if (sp_xlat_value(families(), s, &f) < 0)
		return sp_perr(c, pointer, false, "unknown address family \"%s\"", s);
	v = realloc(p->families, (p->nfamilies + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->families = v;
	v[p->nfamilies++] = (int64_t)f;
	return 0;
}

/* ------------------------------------------------- argument names and sites */

/* Whether a kind prints as names (flags, enumerations), so that names in a rule are values. */
static bool symbolic(int kind)
{
	char buf[8];

	return sp_arg_format((enum sp_arg_kind)kind, 0, buf, sizeof(buf)) != NULL;
}

/* Finds arg in spec: one of its arguments, or a field of a struct argument. */
static bool site_resolve(const struct sp_syscall_spec *spec, const char *arg,
                         struct sp_pred_site *site)
{
	int i = sp_syscall_arg_index(spec, arg);

	memset(site, 0, sizeof(*site));
	site->syscall = spec->name;
	if (i >= 0) {
		site->key = spec->args[i].name;
		site->kind = spec->args[i].kind;
		site->index = sp_arg_in_register((enum sp_arg_kind)site->kind) ? i : -1;
		return true;
	}
	for (i = 0; i < SP_MAX_ARGS && spec->args[i].name; i++) {
		const struct sp_arg_field *f = sp_arg_fields((enum sp_arg_kind)spec->args[i].kind);

		for (; f && f->name; f++) {
			if (strcmp(f->name, arg))
				continue;
			site->key = spec->args[i].name;
			site->field = f->name;
			site->kind = f->kind;
			site->index = -1;
			return true;
		}
	}
	return false;
}

/* Every argument and field name of spec (or of every spec when NULL), NULL-terminated. */
static const char **arg_names(const struct sp_syscall_spec *spec)
{
	size_t n = 0, cap = 64;
	const char **v = malloc(cap * sizeof(*v));

	for (size_t s = 0; v; s++) {
		const struct sp_syscall_spec *sc = spec ? (s ? NULL : spec) : sp_syscall_spec_at(s);

		if (!sc)
			break;
		for (int i = 0; v && i < SP_MAX_ARGS && sc->args[i].name; i++) {
			const struct sp_arg_field *f =
			    sp_arg_fields((enum sp_arg_kind)sc->args[i].kind);

			for (int k = -1; v && (k < 0 || (f && f[k].name)); k++) {
				if (n + 2 > cap) {
					const char **nv = realloc(v, (cap *= 2) * sizeof(*v));

					if (!nv)
						free(v);
					v = nv;
					if (!v)
						break;
				}
				v[n++] = k < 0 ? sc->args[i].name : f[k].name;
			}
		}
	}
	if (v)
		v[n] = NULL;
	return v;
}

/* "fdd is not an argument of recvfrom (did you mean sockfd?)", at the key. */
static int unknown_arg(const struct sp_pctx *c, const char *pointer, const char *arg,
                       const struct sp_syscall_spec *spec)
{
	const char **names = arg_names(spec);
	const char *near = names ? sp_nearest(arg, names) : NULL;
	size_t len = strlen(arg);
	int rc;

	if (!names)
		return -ENOMEM;
	/* Not a typo but a longer name for the same thing: fd -> sockfd, epfd. */
	for (size_t i = 0; spec && !near && names[i]; i++) {
		size_t nl = strlen(names[i]);

		if (nl > len && !strcmp(names[i] + nl - len, arg))
			near = names[i];
	}
	if (near)
		rc = sp_perr(c, pointer, true,
		             "\"%s\" is not an argument of %s (did you mean \"%s\"?)", arg,
		             spec ? spec->name : "any decoded syscall", near);
	else
		rc = sp_perr(c, pointer, true, "\"%s\" is not an argument of %s", arg,
		             spec ? spec->name : "any decoded syscall");
	free(names);
	return rc;
}

static int site_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sp_pred_site *)a)->syscall,
	              ((const struct sp_pred_site *)b)->syscall);
}

/*
 * Where the named argument is for every syscall the trigger names (each
 * must have it: a name the decoder never writes for one of them would make
 * the rule silently miss it), or for every decoded syscall that has it when
 * the trigger names none.  Sorted by syscall, for matching.
 */
static int resolve_sites(const struct sp_pctx *c, const char *pointer, const char *arg,
                         const struct sp_strv *syscalls, struct sp_pred *p)
{
	size_t max = syscalls->n;

	if (!max)
		while (sp_syscall_spec_at(max))
			max++;
	p->sites = calloc(max ? max : 1, sizeof(*p->sites));
	if (!p->sites)
		return -ENOMEM;
	for (size_t i = 0; i < max; i++) {
		const struct sp_syscall_spec *spec =
		    syscalls->n ? sp_syscall_spec(syscalls->v[i]) : sp_syscall_spec_at(i);

		if (!spec)
			return sp_perr(
			    c, pointer, true,
			    "the decoder names no arguments of %s: use arg0..arg5 for its "
			    "registers",
			    syscalls->v[i]);
		if (site_resolve(spec, arg, &p->sites[p->nsites])) {
			p->nsites++;
			continue;
		}
		if (syscalls->n)
			return unknown_arg(c, pointer, arg, spec);
	}
	if (!p->nsites)
		return unknown_arg(c, pointer, arg, NULL);
	sp_qsort(p->sites, p->nsites, sizeof(*p->sites), site_cmp);
	return 0;
}

/* ------------------------------------------------------------- predicates */

/* One name or number of "set"/"clear"/"eq"/"in", parsed with the kind's tables. */
static int parse_name(const struct sp_pctx *c, const char *pointer, const char *s, int kind,
                      uint64_t *out)
{
	size_t off = 0, len = 0;
	char bad[64];
	const char *near;

	if (sp_arg_parse((enum sp_arg_kind)kind, s, out, &off, &len) == 0)
		return 0;
	snprintf(bad, sizeof(bad), "%.*s", (int)len, s + off);
	near = len ? sp_arg_suggest((enum sp_arg_kind)kind, bad) : NULL;
	if (near)
		return sp_perr(c, pointer, false, "unknown flag \"%s\" (did you mean \"%s\"?)", bad,
		               near);
	return sp_perr(c, pointer, false, "unknown flag \"%s\"", bad);
}

/* "set"/"clear": a number, "A|B" or ["A", "B"]. */
static int parse_bits(const struct sp_pctx *c, const char *pointer, json_t *v, int kind,
                      uint64_t *out)
{
	char p[512];
	size_t i;
	json_t *e;
	int rc;

	*out = 0;
	if (json_is_integer(v)) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		rc = parse_name(c, pointer, json_string_value(v), kind, out);
		if (rc < 0)
			return rc;
		if (!*out)
			return sp_perr(c, pointer, false,
			               "\"%s\" has no bits to test (O_RDONLY is 0: test that "
			               "O_WRONLY|O_RDWR are clear instead)",
			               json_string_value(v));
		return 0;
	}
	if (json_is_array(v) && json_array_size(v)) {
		json_array_foreach(v, i, e) {
			uint64_t one;

			sp_ptr_index(p, sizeof(p), pointer, i);
			if (!json_is_string(e) && !json_is_integer(e))
				return sp_perr(c, p, false, "expected a flag name or a number");
			rc = parse_bits(c, p, e, kind, &one);
			if (rc < 0)
				return rc;
			*out |= one;
		}
		return 0;
	}
	return sp_perr(c, pointer, false, "expected flag names (\"A|B\" or an array) or a number");
}

/*
 * The "eq"/"in" values of a site as numbers: integers, and names when the
 * argument prints as names ("SIG_BLOCK", "O_WRONLY|O_CREAT").  Other
 * strings (paths) are compared with the decoded text at match time.
 */
static int parse_nums(const struct sp_pctx *c, const char *pointer, json_t *in, int kind,
                      struct sp_pred_site *s)
{
	char p[512];
	size_t i;
	json_t *e;

	s->nums = calloc(json_array_size(in), sizeof(*s->nums));
	if (!s->nums)
		return -ENOMEM;
	json_array_foreach(in, i, e) {
		int rc;

		if (json_is_integer(e)) {
			s->nums[s->nnums++] = (uint64_t)json_integer_value(e);
			continue;
		}
		if (!symbolic(kind))
			continue;
		sp_ptr_index(p, sizeof(p), pointer, i);
		rc = parse_name(c, json_array_size(in) > 1 ? p : pointer, json_string_value(e),
		                kind, &s->nums[s->nnums]);
		if (rc < 0)
			return rc;
		s->nnums++;
	}
	return 0;
}

/* Which members a site's argument can answer; the message when it cannot, else NULL. */
static const char *member_misfit(const struct sp_pred *p, const struct sp_pred_site *s)
{
	bool number = s->index >= 0 || s->field;

	if ((p->has_set || p->has_clear) && !number)
		return "\"set\" and \"clear\" test the bits of a number";
	if (p->nfamilies && s->kind != SP_ARG_SOCK_DOMAIN && s->kind != SP_ARG_SOCKADDR &&
	    s->kind != SP_ARG_PTR && s->kind != SP_ARG_FD)
		return "\"family\" applies to socket domains, addresses and socket fds";
	if (p->kinds.n && s->kind != SP_ARG_FD && s->kind != SP_ARG_DIRFD)
		return "\"kind\" applies to file descriptors";
	return NULL;
}

/*
 * Parses the numeric members for each site with that argument's own
 * tables.  A trigger naming no syscall parses them once with every table
 * (a name has one value whatever its table) and keeps the sites whose
 * argument the members apply to.
 */
static int pred_sites(const struct sp_pctx *c, const char *pointer, json_t *v, bool named,
                      struct sp_pred *p)
{
	json_t *set = json_is_object(v) ? json_object_get(v, "set") : NULL;
	json_t *clear = json_is_object(v) ? json_object_get(v, "clear") : NULL;
	char sp[512], cp[512], ip[512];
	size_t keep = 0;

	sp_ptr_child(sp, sizeof(sp), pointer, "set");
	sp_ptr_child(cp, sizeof(cp), pointer, "clear");
	sp_ptr_child(ip, sizeof(ip), pointer, json_object_get(v, "eq") ? "eq" : "in");
	for (size_t i = 0; i < p->nsites; i++) {
		struct sp_pred_site *s = &p->sites[i];
		int kind = named ? s->kind : SP_ARG_LONG; /* LONG has no table: all of them */
		const char *misfit = member_misfit(p, s);
		int rc;

		if (misfit && named)
			return sp_perr(c, pointer, false, "%s, and %s of %s is not one", misfit,
			               p->arg, s->syscall);
		if (misfit)
			continue;
		s->text = !(named && symbolic(s->kind));
		if ((set && (rc = parse_bits(c, sp, set, kind, &s->set)) < 0) ||
		    (clear && (rc = parse_bits(c, cp, clear, kind, &s->clear)) < 0) ||
		    (p->in && (rc = parse_nums(c, ip, p->in, kind, s)) < 0))
			return rc;
		if (keep != i) {
			p->sites[keep] = *s;
			s->nums = NULL; /* moved: freed once, from its new place */
		}
		keep++;
	}
	p->nsites = keep;
	if (!keep)
		return sp_perr(c, pointer, false,
		               "no decoded syscall has an argument \"%s\" these members apply to",
		               p->arg);
	return 0;
}

static const char *const pred_keys[] = {"glob",  "exclude", "eq",   "in",      "set",
                                        "clear", "family",  "kind", "comment", NULL};

/* The members as given; names in them are parsed per site afterwards. */
static int pred_members(const struct sp_pctx *c, const char *pointer, json_t *v, struct sp_pred *p)
{
	char sub[512];
	json_t *m;
	int rc;

	/* Shorthands: a string is a glob, a number an equality. */
	if (json_is_string(v))
		return sp_add_glob(c, pointer, json_string_value(v), &p->globs);
	if (json_is_integer(v)) {
		p->in = json_pack("[O]", v);
		return p->in ? 0 : -ENOMEM;
	}
	if (!json_is_object(v))
		return sp_perr(c, pointer, false,
		               "expected a predicate object, a glob string or a number");
	rc = sp_check_keys(c, pointer, v, pred_keys);
	if (rc < 0)
		return rc;
	if (!json_object_size(v))
		return sp_perr(c, pointer, false, "empty predicate");

	if ((m = json_object_get(v, "glob"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "glob");
		rc = sp_each_string(c, sub, m, "a glob", sp_add_glob, &p->globs);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "exclude"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "exclude");
		rc = sp_each_string(c, sub, m, "a glob", sp_add_glob, &p->exclude);
		if (rc < 0)
			return rc;
	}
	if (json_object_get(v, "eq") && json_object_get(v, "in"))
		return sp_perr(c, pointer, false, "give \"eq\" or \"in\", not both");
	if ((m = json_object_get(v, "eq"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "eq");
		if (!json_is_string(m) && !json_is_integer(m))
			return sp_perr(c, sub, false, "\"eq\" takes a string or an integer");
		p->in = json_pack("[O]", m);
		if (!p->in)
			return -ENOMEM;
	}
	if ((m = json_object_get(v, "in"))) {
		size_t i;
		json_t *e;

		sp_ptr_child(sub, sizeof(sub), pointer, "in");
		if (!json_is_array(m) || !json_array_size(m))
			return sp_perr(c, sub, false, "\"in\" takes a non-empty array");
		json_array_foreach(m, i, e) {
			if (!json_is_string(e) && !json_is_integer(e)) {
				char ep[512];

				sp_ptr_index(ep, sizeof(ep), sub, i);
				return sp_perr(c, ep, false, "expected a string or an integer");
			}
		}
		p->in = json_incref(m);
	}
	p->has_set = json_object_get(v, "set") != NULL;
	p->has_clear = json_object_get(v, "clear") != NULL;
	if ((m = json_object_get(v, "family"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "family");
		rc = sp_each_string(c, sub, m, "an address family name", add_family, p);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "kind"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "kind");
		rc = sp_each_string(c, sub, m, "an fd kind glob", sp_add_glob, &p->kinds);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sp_pred_parse(const struct sp_pctx *c, const char *pointer, const char *arg, json_t *v,
                  const struct sp_strv *syscalls, struct sp_pred *p)
{
	int rc;

	p->raw = -1;
	p->arg = strdup(arg);
	if (!p->arg)
		return -ENOMEM;
	if (!strncmp(arg, "arg", 3) && arg[3] >= '0' && arg[3] <= '5' && !arg[4])
		p->raw = arg[3] - '0';
	rc = pred_members(c, pointer, v, p);
	if (rc < 0)
		return rc;
	if (p->raw >= 0) {
		/* A register is a number: names are parsed with every table. */
		json_t *o = json_is_object(v) ? v : NULL;
		char sub[512];

		p->rawsite.index = p->raw;
		p->rawsite.kind = SP_ARG_LONG;
		p->rawsite.text = true;
		sp_ptr_child(sub, sizeof(sub), pointer, "set");
		if (o && json_object_get(o, "set") &&
		    (rc = parse_bits(c, sub, json_object_get(o, "set"), SP_ARG_LONG,
		                     &p->rawsite.set)) < 0)
			return rc;
		sp_ptr_child(sub, sizeof(sub), pointer, "clear");
		if (o && json_object_get(o, "clear") &&
		    (rc = parse_bits(c, sub, json_object_get(o, "clear"), SP_ARG_LONG,
		                     &p->rawsite.clear)) < 0)
			return rc;
		sp_ptr_child(sub, sizeof(sub), pointer,
		             o && json_object_get(o, "eq") ? "eq" : "in");
		return p->in ? parse_nums(c, sub, p->in, SP_ARG_LONG, &p->rawsite) : 0;
	}
	rc = resolve_sites(c, pointer, arg, syscalls, p);
	if (rc < 0)
		return rc;
	return pred_sites(c, pointer, v, syscalls->n > 0, p);
}

void sp_pred_free(struct sp_pred *p)
{
	free(p->arg);
	for (size_t i = 0; i < p->nsites; i++)
		free(p->sites[i].nums);
	free(p->sites);
	free(p->rawsite.nums);
	sp_strv_free(&p->globs);
	sp_strv_free(&p->exclude);
	json_decref(p->in);
	free(p->families);
	sp_strv_free(&p->kinds);
}
