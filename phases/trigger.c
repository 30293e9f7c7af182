/* SPDX-License-Identifier: MIT */
/*
 * Triggers: what one event must look like to fire a transition.  Parsing
 * validates every name (syscalls through libseccomp, flags, signals,
 * errnos, address families) and every glob, so that matching never meets
 * a bad rule and a typo is reported where it is instead of silently never
 * matching.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "consts.h"
#include "glob.h"
#include "rules_int.h"
#include "sysphase/core.h"

/* ---------------------------------------------------------------- helpers */

static void strv_free(struct sp_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static int strv_push(struct sp_strv *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	sv->v = v;
	v[sv->n] = strdup(s);
	if (!v[sv->n])
		return -ENOMEM;
	sv->n++;
	return 0;
}

/* JSON pointers longer than the buffer only happen in absurd rule files: cut them, visibly. */
static void ptr_child(char *buf, size_t n, const char *base, const char *key)
{
	int len = snprintf(buf, n, "%s/%s", base, key);

	if (len < 0 || (size_t)len >= n)
		buf[n - 1] = '\0';
}

static void ptr_index(char *buf, size_t n, const char *base, size_t i)
{
	int len = snprintf(buf, n, "%s/%zu", base, i);

	if (len < 0 || (size_t)len >= n)
		buf[n - 1] = '\0';
}

/*
 * Calls fn for a string or each string of an array at pointer; "what"
 * names the expected thing for messages.
 */
typedef int (*str_fn)(const struct sp_pctx *c, const char *pointer, const char *s, void *arg);

static int each_string(const struct sp_pctx *c, const char *pointer, json_t *v, const char *what,
		       str_fn fn, void *arg)
{
	char p[512];
	size_t i;
	json_t *e;
	int rc;

	if (json_is_string(v))
		return fn(c, pointer, json_string_value(v), arg);
	if (!json_is_array(v) || !json_array_size(v))
		return sp_perr(c, pointer, false, "expected %s or a non-empty array of them", what);
	json_array_foreach(v, i, e)
	{
		ptr_index(p, sizeof(p), pointer, i);
		if (!json_is_string(e))
			return sp_perr(c, p, false, "expected %s", what);
		rc = fn(c, p, json_string_value(e), arg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_glob(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	int off = 0;
	const char *why = sp_glob_check(s, &off);

	if (why)
		return sp_perr(c, pointer, false, "malformed glob \"%s\": %s at offset %d", s, why,
			       off);
	return strv_push(arg, s);
}

static int add_syscall(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	if (sp_syscall_nr(s) < 0) {
		const char *near = sp_syscall_suggest(s);

		if (near)
			return sp_perr(c, pointer, false,
				       "unknown syscall \"%s\" (did you mean \"%s\"?)", s, near);
		return sp_perr(c, pointer, false, "unknown syscall \"%s\"", s);
	}
	return strv_push(arg, s);
}

struct intv {
	int *v;
	size_t n;
};

static int intv_push(struct intv *iv, int x)
{
	int *v = realloc(iv->v, (iv->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	iv->v = v;
	v[iv->n++] = x;
	return 0;
}

static int add_signal(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	int sig = sp_const_signal(s);

	if (sig < 0)
		return sp_perr(c, pointer, false, "unknown signal \"%s\"", s);
	return intv_push(arg, sig);
}

static int add_errno(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	int e = sp_const_errno(s);

	if (e < 0)
		return sp_perr(c, pointer, false, "unknown errno name \"%s\"", s);
	return intv_push(arg, e);
}

static const struct {
	const char *name;
	int64_t val;
} family_table[] = {
    {"AF_UNIX", AF_UNIX},     {"AF_LOCAL", AF_LOCAL},	  {"AF_INET", AF_INET},
    {"AF_INET6", AF_INET6},   {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
    {"AF_UNSPEC", AF_UNSPEC}, {"AF_VSOCK", AF_VSOCK},	  {"AF_BLUETOOTH", AF_BLUETOOTH},
    {"AF_ALG", AF_ALG},
};

static int family_value(const char *name, int64_t *val)
{
	for (size_t i = 0; i < sizeof(family_table) / sizeof(family_table[0]); i++) {
		if (!strcmp(family_table[i].name, name)) {
			*val = family_table[i].val;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *family_name(int64_t val)
{
	for (size_t i = 0; i < sizeof(family_table) / sizeof(family_table[0]); i++)
		if (family_table[i].val == val && strcmp(family_table[i].name, "AF_LOCAL"))
			return family_table[i].name;
	return NULL;
}

static int add_family(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	struct sp_pred *p = arg;
	int64_t *v;
	int64_t f;

	if (family_value(s, &f) < 0)
		return sp_perr(c, pointer, false, "unknown address family \"%s\"", s);
	v = realloc(p->families, (p->nfamilies + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->families = v;
	v[p->nfamilies++] = f;
	return 0;
}

/* "set"/"clear": a number, "A|B" or ["A", "B"]. */
static int parse_bits(const struct sp_pctx *c, const char *pointer, json_t *v, uint64_t *out)
{
	char p[512];
	size_t i;
	json_t *e;

	*out = 0;
	if (json_is_integer(v)) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *bad = NULL;

		if (sp_const_flags_parse(json_string_value(v), out, &bad) < 0)
			return sp_perr(c, pointer, false, "unknown flag \"%s\"", bad);
		if (!*out)
			return sp_perr(c, pointer, false,
				       "\"%s\" has no bits to test (O_RDONLY is 0: test that "
				       "O_WRONLY|O_RDWR are clear instead)",
				       json_string_value(v));
		return 0;
	}
	if (json_is_array(v) && json_array_size(v)) {
		json_array_foreach(v, i, e)
		{
			uint64_t one;
			int rc;

			ptr_index(p, sizeof(p), pointer, i);
			if (!json_is_string(e) && !json_is_integer(e))
				return sp_perr(c, p, false, "expected a flag name or a number");
			rc = parse_bits(c, p, e, &one);
			if (rc < 0)
				return rc;
			*out |= one;
		}
		return 0;
	}
	return sp_perr(c, pointer, false, "expected flag names (\"A|B\" or an array) or a number");
}

/* ------------------------------------------------------------- predicates */

static const char *const pred_keys[] = {"glob",	 "exclude", "eq",   "in",      "set",
					"clear", "family",  "kind", "comment", NULL};

static int pred_parse(const struct sp_pctx *c, const char *pointer, const char *arg, json_t *v,
		      struct sp_pred *p)
{
	char sub[512];
	json_t *m;
	int rc;

	p->raw = -1;
	p->arg = strdup(arg);
	if (!p->arg)
		return -ENOMEM;
	if (!strncmp(arg, "arg", 3) && arg[3] >= '0' && arg[3] <= '5' && !arg[4])
		p->raw = arg[3] - '0';

	/* Shorthands: a string is a glob, a number an equality. */
	if (json_is_string(v))
		return add_glob(c, pointer, json_string_value(v), &p->globs);
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
		ptr_child(sub, sizeof(sub), pointer, "glob");
		rc = each_string(c, sub, m, "a glob", add_glob, &p->globs);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "exclude"))) {
		ptr_child(sub, sizeof(sub), pointer, "exclude");
		rc = each_string(c, sub, m, "a glob", add_glob, &p->exclude);
		if (rc < 0)
			return rc;
	}
	if (json_object_get(v, "eq") && json_object_get(v, "in"))
		return sp_perr(c, pointer, false, "give \"eq\" or \"in\", not both");
	if ((m = json_object_get(v, "eq"))) {
		ptr_child(sub, sizeof(sub), pointer, "eq");
		if (!json_is_string(m) && !json_is_integer(m))
			return sp_perr(c, sub, false, "\"eq\" takes a string or an integer");
		p->in = json_pack("[O]", m);
		if (!p->in)
			return -ENOMEM;
	}
	if ((m = json_object_get(v, "in"))) {
		size_t i;
		json_t *e;

		ptr_child(sub, sizeof(sub), pointer, "in");
		if (!json_is_array(m) || !json_array_size(m))
			return sp_perr(c, sub, false, "\"in\" takes a non-empty array");
		json_array_foreach(m, i, e)
		{
			if (!json_is_string(e) && !json_is_integer(e)) {
				char ep[512];

				ptr_index(ep, sizeof(ep), sub, i);
				return sp_perr(c, ep, false, "expected a string or an integer");
			}
		}
		p->in = json_incref(m);
	}
	if ((m = json_object_get(v, "set"))) {
		ptr_child(sub, sizeof(sub), pointer, "set");
		rc = parse_bits(c, sub, m, &p->set);
		if (rc < 0)
			return rc;
		p->has_set = true;
	}
	if ((m = json_object_get(v, "clear"))) {
		ptr_child(sub, sizeof(sub), pointer, "clear");
		rc = parse_bits(c, sub, m, &p->clear);
		if (rc < 0)
			return rc;
		p->has_clear = true;
	}
	if ((m = json_object_get(v, "family"))) {
		ptr_child(sub, sizeof(sub), pointer, "family");
		rc = each_string(c, sub, m, "an address family name", add_family, p);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "kind"))) {
		ptr_child(sub, sizeof(sub), pointer, "kind");
		rc = each_string(c, sub, m, "an fd kind glob", add_glob, &p->kinds);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void pred_free(struct sp_pred *p)
{
	free(p->arg);
	strv_free(&p->globs);
	strv_free(&p->exclude);
	json_decref(p->in);
	free(p->families);
	strv_free(&p->kinds);
}

/* --------------------------------------------------------------- triggers */

static const char *const trigger_keys[] = {"event", "syscall",	"args",	   "ret",  "errno",
					   "site",  "not_site", "stack",   "path", "signal",
					   "after", "nth",	"comment", NULL};

static const char *const event_names[] = {"syscall", "fork", "clone", "exec",
					  "signal",  "exit", NULL};

static int parse_ret(const struct sp_pctx *c, const char *pointer, json_t *v, struct sp_trigger *t)
{
	static const char *const ops[] = {"eq", "ne", "lt", "le", "gt", "ge", NULL};
	const char *key;
	json_t *m;
	int rc;

	t->has_ret = true;
	t->need_exit = true;
	if (json_is_integer(v)) {
		t->ret_op = SP_CMP_EQ;
		t->ret_val = json_integer_value(v);
		return 0;
	}
	if (!json_is_object(v) || json_object_size(v) != 1)
		return sp_perr(c, pointer, false,
			       "\"ret\" takes an integer or one comparison like {\"ge\": 0}");
	rc = sp_check_keys(c, pointer, v, ops);
	if (rc < 0)
		return rc;
	json_object_foreach(v, key, m)
	{
		char sub[512];

		ptr_child(sub, sizeof(sub), pointer, key);
		if (!json_is_integer(m))
			return sp_perr(c, sub, false, "expected an integer");
		for (int i = 0; ops[i]; i++)
			if (!strcmp(ops[i], key))
				t->ret_op = (enum sp_cmp)i;
		t->ret_val = json_integer_value(m);
	}
	return 0;
}

static int parse_errno(const struct sp_pctx *c, const char *pointer, json_t *v,
		       struct sp_trigger *t)
{
	struct intv iv = {0};
	int rc;

	t->need_exit = true;
	if (json_is_true(v)) {
		t->errno_mode = SP_ERRNO_FAILED;
		return 0;
	}
	if (json_is_false(v)) {
		t->errno_mode = SP_ERRNO_OK;
		return 0;
	}
	rc = each_string(c, pointer, v, "an errno name (or true/false)", add_errno, &iv);
	t->errnos = iv.v;
	t->nerrnos = iv.n;
	t->errno_mode = SP_ERRNO_LIST;
	return rc;
}

static int parse_args(const struct sp_pctx *c, const char *pointer, json_t *v, struct sp_trigger *t)
{
	const char *key;
	json_t *m;
	int rc;

	if (!json_is_object(v) || !json_object_size(v))
		return sp_perr(c, pointer, false,
			       "\"args\" takes an object: argument name -> predicate");
	t->preds = calloc(json_object_size(v), sizeof(*t->preds));
	if (!t->preds)
		return -ENOMEM;
	json_object_foreach(v, key, m)
	{
		char sub[512];

		ptr_child(sub, sizeof(sub), pointer, key);
		rc = pred_parse(c, sub, key, m, &t->preds[t->npreds++]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Members that only make sense for one kind of event. */
static int check_applies(const struct sp_pctx *c, const char *pointer, json_t *v,
			 enum sp_event_type ev)
{
	static const struct {
		const char *key;
		enum sp_event_type ev;
	} only[] = {
	    {"syscall", SP_EV_SYSCALL},	 {"args", SP_EV_SYSCALL}, {"ret", SP_EV_SYSCALL},
	    {"errno", SP_EV_SYSCALL},	 {"site", SP_EV_SYSCALL}, {"stack", SP_EV_SYSCALL},
	    {"not_site", SP_EV_SYSCALL}, {"path", SP_EV_EXEC},	  {"signal", SP_EV_SIGNAL},
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		char sub[512];

		if (only[i].ev == ev || !json_object_get(v, only[i].key))
			continue;
		ptr_child(sub, sizeof(sub), pointer, only[i].key);
		return sp_perr(c, sub, true, "\"%s\" does not apply to %s events", only[i].key,
			       sp_event_type_name(ev));
	}
	return 0;
}

static int trigger_fill(const struct sp_pctx *c, const char *pointer, json_t *v,
			struct sp_trigger *t)
{
	char sub[512];
	json_t *m;
	int rc;

	if (!json_is_object(v))
		return sp_perr(c, pointer, false, "a trigger must be an object");
	rc = sp_check_keys(c, pointer, v, trigger_keys);
	if (rc < 0)
		return rc;

	t->event = SP_EV_SYSCALL;
	if (json_object_get(v, "signal"))
		t->event = SP_EV_SIGNAL;
	else if (json_object_get(v, "path"))
		t->event = SP_EV_EXEC;
	if ((m = json_object_get(v, "event"))) {
		int e;

		ptr_child(sub, sizeof(sub), pointer, "event");
		if (!json_is_string(m) || (e = sp_event_type_from_name(json_string_value(m))) < 0) {
			const char *near = json_is_string(m)
					       ? sp_nearest(json_string_value(m), event_names)
					       : NULL;

			if (near)
				return sp_perr(c, sub, false,
					       "unknown event \"%s\" (did you mean \"%s\"?)",
					       json_string_value(m), near);
			return sp_perr(
			    c, sub, false,
			    "\"event\" is one of syscall, fork, clone, exec, signal, exit");
		}
		t->event = (enum sp_event_type)e;
	}
	rc = check_applies(c, pointer, v, t->event);
	if (rc < 0)
		return rc;

	if ((m = json_object_get(v, "syscall"))) {
		ptr_child(sub, sizeof(sub), pointer, "syscall");
		rc = each_string(c, sub, m, "a syscall name", add_syscall, &t->syscalls);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "args"))) {
		ptr_child(sub, sizeof(sub), pointer, "args");
		rc = parse_args(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "ret"))) {
		ptr_child(sub, sizeof(sub), pointer, "ret");
		rc = parse_ret(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "errno"))) {
		ptr_child(sub, sizeof(sub), pointer, "errno");
		rc = parse_errno(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "site"))) {
		ptr_child(sub, sizeof(sub), pointer, "site");
		rc = each_string(c, sub, m, "a module glob", add_glob, &t->sites);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "not_site"))) {
		ptr_child(sub, sizeof(sub), pointer, "not_site");
		rc = each_string(c, sub, m, "a module glob", add_glob, &t->not_sites);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "stack"))) {
		ptr_child(sub, sizeof(sub), pointer, "stack");
		rc = each_string(c, sub, m, "a function glob", add_glob, &t->stack);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "path"))) {
		ptr_child(sub, sizeof(sub), pointer, "path");
		rc = each_string(c, sub, m, "a path glob", add_glob, &t->paths);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "signal"))) {
		struct intv iv = {0};

		ptr_child(sub, sizeof(sub), pointer, "signal");
		rc = each_string(c, sub, m, "a signal name", add_signal, &iv);
		t->signals = iv.v;
		t->nsignals = iv.n;
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "nth"))) {
		ptr_child(sub, sizeof(sub), pointer, "nth");
		if (!json_is_integer(m) || json_integer_value(m) < 1 ||
		    json_integer_value(m) > 1000000)
			return sp_perr(c, sub, false, "\"nth\" takes a positive integer");
		t->nth = (unsigned)json_integer_value(m);
	}
	if ((m = json_object_get(v, "after"))) {
		ptr_child(sub, sizeof(sub), pointer, "after");
		rc = sp_trigger_parse(c, sub, m, &t->after);
		if (rc < 0)
			return rc;
		if (t->after->after) {
			char sub2[512];

			ptr_child(sub2, sizeof(sub2), sub, "after");
			return sp_perr(c, sub2, true, "\"after\" cannot be nested");
		}
		if (t->after->need_exit)
			t->need_exit = true;
	}
	return 0;
}

int sp_trigger_parse(const struct sp_pctx *c, const char *pointer, json_t *v,
		     struct sp_trigger **out)
{
	struct sp_trigger *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = trigger_fill(c, pointer, v, t);
	if (rc < 0) {
		sp_trigger_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void sp_trigger_free(struct sp_trigger *t)
{
	if (!t)
		return;
	strv_free(&t->syscalls);
	for (size_t i = 0; i < t->npreds; i++)
		pred_free(&t->preds[i]);
	free(t->preds);
	free(t->errnos);
	strv_free(&t->sites);
	strv_free(&t->not_sites);
	strv_free(&t->stack);
	strv_free(&t->paths);
	free(t->signals);
	sp_trigger_free(t->after);
	free(t);
}

/* --------------------------------------------------------------- matching */

static bool any_glob(const struct sp_strv *sv, const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < sv->n; i++)
		if (sp_glob_match(sv->v[i], s))
			return true;
	return false;
}

/* The string form of a decoded value: the string, or an fd/sockaddr's path. */
static const char *value_string(json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v)) {
		json_t *p = json_object_get(v, "path");

		if (json_is_string(p))
			return json_string_value(p);
	}
	return NULL;
}

/*
 * The numeric form: an integer, an fd object's number, or a rendering of
 * flags ("O_WRONLY|O_APPEND", hex for unnamed bits) turned back into bits.
 */
static bool value_number(json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_object(v)) {
		json_t *fd = json_object_get(v, "fd");

		if (json_is_integer(fd)) {
			*out = (uint64_t)json_integer_value(fd);
			return true;
		}
		return false;
	}
	if (json_is_string(v))
		return sp_const_flags_parse(json_string_value(v), out, NULL) == 0;
	return false;
}

static bool pred_match(const struct sp_pred *p, const struct sp_event *ev)
{
	json_t *v = NULL;
	const char *str = NULL;
	uint64_t num = 0;
	bool has_num = false;

	if (p->raw >= 0) {
		num = ev->args[p->raw];
		has_num = true;
	} else {
		v = ev->dec ? json_object_get(ev->dec, p->arg) : NULL;
		if (!v)
			return false;
		str = value_string(v);
		has_num = value_number(v, &num);
	}

	if (p->globs.n && !any_glob(&p->globs, str))
		return false;
	if (p->exclude.n && (!str || any_glob(&p->exclude, str)))
		return false;
	if (p->in) {
		bool ok = false;
		size_t i;
		json_t *e;

		json_array_foreach(p->in, i, e)
		{
			if (json_is_string(e) && str && !strcmp(str, json_string_value(e)))
				ok = true;
			else if (json_is_integer(e) && has_num &&
				 num == (uint64_t)json_integer_value(e))
				ok = true;
		}
		if (!ok)
			return false;
	}
	if (p->has_set && (!has_num || (num & p->set) != p->set))
		return false;
	if (p->has_clear && (!has_num || (num & p->clear)))
		return false;
	if (p->nfamilies) {
		const char *fam = NULL;
		bool ok = false;

		if (json_is_object(v))
			v = json_object_get(v, "family");
		if (json_is_string(v))
			fam = json_string_value(v);
		else if (json_is_integer(v))
			fam = family_name(json_integer_value(v));
		else if (p->raw >= 0)
			fam = family_name((int64_t)num);
		for (size_t i = 0; fam && i < p->nfamilies; i++)
			if (!strcmp(fam,
				    family_name(p->families[i]) ? family_name(p->families[i]) : ""))
				ok = true;
		if (!ok)
			return false;
	}
	if (p->kinds.n) {
		json_t *k = json_is_object(v) ? json_object_get(v, "kind") : NULL;

		if (!any_glob(&p->kinds, json_is_string(k) ? json_string_value(k) : NULL))
			return false;
	}
	return true;
}

static bool cmp_holds(enum sp_cmp op, int64_t a, int64_t b)
{
	switch (op) {
	case SP_CMP_EQ:
		return a == b;
	case SP_CMP_NE:
		return a != b;
	case SP_CMP_LT:
		return a < b;
	case SP_CMP_LE:
		return a <= b;
	case SP_CMP_GT:
		return a > b;
	case SP_CMP_GE:
		return a >= b;
	}
	return false;
}

static bool stack_match(const struct sp_strv *globs, json_t *stack)
{
	size_t i;
	json_t *frame;

	if (!json_is_array(stack))
		return false;
	json_array_foreach(stack, i, frame)
	{
		json_t *fn = json_object_get(frame, "fn");

		if (json_is_string(fn) && any_glob(globs, json_string_value(fn)))
			return true;
	}
	return false;
}

static bool syscall_match(const struct sp_trigger *t, const struct sp_event *ev)
{
	if (t->syscalls.n) {
		bool ok = false;

		for (size_t i = 0; ev->name && i < t->syscalls.n; i++)
			if (!strcmp(ev->name, t->syscalls.v[i]))
				ok = true;
		if (!ok)
			return false;
	}
	if (t->sites.n && !any_glob(&t->sites, ev->site))
		return false;
	/* An unknown call site is not known to be elsewhere: no match. */
	if (t->not_sites.n && (!ev->site || any_glob(&t->not_sites, ev->site)))
		return false;
	if (t->stack.n && !stack_match(&t->stack, ev->stack))
		return false;
	for (size_t i = 0; i < t->npreds; i++)
		if (!pred_match(&t->preds[i], ev))
			return false;
	/* Without the exit nothing is known about the result: no match. */
	if ((t->has_ret || t->errno_mode != SP_ERRNO_ANY) && !ev->has_exit)
		return false;
	if (t->has_ret && !cmp_holds(t->ret_op, ev->ret, t->ret_val))
		return false;
	switch (t->errno_mode) {
	case SP_ERRNO_ANY:
		break;
	case SP_ERRNO_FAILED:
		if (!ev->err)
			return false;
		break;
	case SP_ERRNO_OK:
		if (ev->err)
			return false;
		break;
	case SP_ERRNO_LIST: {
		bool ok = false;

		for (size_t i = 0; i < t->nerrnos; i++)
			if (ev->err == t->errnos[i])
				ok = true;
		if (!ok)
			return false;
		break;
	}
	}
	return true;
}

bool sp_trigger_match(const struct sp_trigger *t, const struct sp_event *ev)
{
	if (ev->type != t->event)
		return false;
	switch (t->event) {
	case SP_EV_SYSCALL:
		return syscall_match(t, ev);
	case SP_EV_EXEC:
		return !t->paths.n || any_glob(&t->paths, ev->path);
	case SP_EV_SIGNAL:
		if (!t->nsignals)
			return true;
		for (size_t i = 0; i < t->nsignals; i++)
			if (ev->signo == t->signals[i])
				return true;
		return false;
	case SP_EV_FORK:
	case SP_EV_CLONE:
	case SP_EV_EXIT:
		return true;
	}
	return false;
}
