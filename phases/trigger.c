/* SPDX-License-Identifier: MIT */
/*
 * Triggers: what one event must look like to fire a transition.  Parsing
 * validates every name (syscalls through libseccomp, flags, signals,
 * errnos, address families) and every glob, so that matching
 * (trigger_match.c) never meets a bad rule, and a typo is reported where
 * it is instead of silently never matching.  Argument predicates are
 * parsed in trigger_pred.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "glob.h"
#include "rules_int.h"
#include "sysphase/core.h"

/* ---------------------------------------------------------------- helpers */

void sp_strv_free(struct sp_strv *sv)
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
void sp_ptr_child(char *buf, size_t n, const char *base, const char *key)
{
	int len = snprintf(buf, n, "%s/%s", base, key);

	if (len < 0 || (size_t)len >= n)
		buf[n - 1] = '\0';
}

void sp_ptr_index(char *buf, size_t n, const char *base, size_t i)
{
	int len = snprintf(buf, n, "%s/%zu", base, i);

	if (len < 0 || (size_t)len >= n)
		buf[n - 1] = '\0';
}

/* Calls fn for a string or each string of an array at pointer (rules_int.h). */
int sp_each_string(const struct sp_pctx *c, const char *pointer, json_t *v, const char *what,
                   sp_str_fn fn, void *arg)
{
	char p[512];
	size_t i;
	json_t *e;
	int rc;

	if (json_is_string(v))
		return fn(c, pointer, json_string_value(v), arg);
	if (!json_is_array(v) || !json_array_size(v))
		return sp_perr(c, pointer, false, "expected %s or a non-empty array of them", what);
	json_array_foreach(v, i, e) {
		sp_ptr_index(p, sizeof(p), pointer, i);
		if (!json_is_string(e))
			return sp_perr(c, p, false, "expected %s", what);
		rc = fn(c, p, json_string_value(e), arg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sp_add_glob(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
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
	char full[64];
	int sig;

	/* "HUP" for "SIGHUP", as people write them in kill -HUP. */
	snprintf(full, sizeof(full), "%s%s", strncmp(s, "SIG", 3) ? "SIG" : "", s);
	sig = sp_signal_parse(full);
	if (sig < 0) {
		const char *near = sp_xlat_suggest(sp_xlat_get(SP_XLAT_SIGNALS), full);

		if (!strncmp(full, "SIGRTMIN", 8))
			return sp_perr(
			    c, pointer, false,
			    "unknown signal \"%s\" (real-time signals are SIGRT_<n> in the "
			    "kernel's numbering: glibc's SIGRTMIN is SIGRT_2)",
			    s);
		if (near)
			return sp_perr(c, pointer, false,
			               "unknown signal \"%s\" (did you mean \"%s\"?)", s, near);
		return sp_perr(c, pointer, false, "unknown signal \"%s\"", s);
	}
	return intv_push(arg, sig);
}

static int add_errno(const struct sp_pctx *c, const char *pointer, const char *s, void *arg)
{
	int e = sp_errno_parse(s);

	if (e < 0)
		return sp_perr(c, pointer, false, "unknown errno name \"%s\"", s);
	return intv_push(arg, e);
}

/* --------------------------------------------------------------- triggers */

static const char *const trigger_keys[] = {"event", "syscall",  "args",    "ret",  "errno",
                                           "site",  "not_site", "stack",   "path", "signal",
                                           "after", "nth",      "comment", NULL};

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
	json_object_foreach(v, key, m) {
		char sub[512];

		sp_ptr_child(sub, sizeof(sub), pointer, key);
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
	rc = sp_each_string(c, pointer, v, "an errno name (or true/false)", add_errno, &iv);
	t->errnos = iv.v;
	t->nerrnos = iv.n;
	t->errno_mode = SP_ERRNO_LIST;
	return rc;
}

/*
 * Raises *need to the longest string p must see whole: the shortest match
 * of each glob, and each "eq"/"in" string compared as text.
 */
static void pred_string_need(const struct sp_pred *p, size_t *need)
{
	bool text = false;
	size_t i;
	json_t *e;

	for (i = 0; i < p->globs.n; i++)
		if (sp_glob_min_len(p->globs.v[i]) > *need)
			*need = sp_glob_min_len(p->globs.v[i]);
	for (i = 0; i < p->nsites; i++)
		text |= p->sites[i].text;
	json_array_foreach(p->in, i, e) {
		if (text && json_is_string(e) && json_string_length(e) > *need)
			*need = json_string_length(e);
	}
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
	json_object_foreach(v, key, m) {
		char sub[512];

		sp_ptr_child(sub, sizeof(sub), pointer, key);
		rc = sp_pred_parse(c, sub, key, m, &t->syscalls, &t->preds[t->npreds++]);
		if (rc < 0)
			return rc;
		pred_string_need(&t->preds[t->npreds - 1], &t->string_need);
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
	    {"syscall", SP_EV_SYSCALL},  {"args", SP_EV_SYSCALL}, {"ret", SP_EV_SYSCALL},
	    {"errno", SP_EV_SYSCALL},    {"site", SP_EV_SYSCALL}, {"stack", SP_EV_SYSCALL},
	    {"not_site", SP_EV_SYSCALL}, {"path", SP_EV_EXEC},    {"signal", SP_EV_SIGNAL},
	};

	for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
		char sub[512];

		if (only[i].ev == ev || !json_object_get(v, only[i].key))
			continue;
		sp_ptr_child(sub, sizeof(sub), pointer, only[i].key);
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

		sp_ptr_child(sub, sizeof(sub), pointer, "event");
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
		sp_ptr_child(sub, sizeof(sub), pointer, "syscall");
		rc = sp_each_string(c, sub, m, "a syscall name", add_syscall, &t->syscalls);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "args"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "args");
		rc = parse_args(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "ret"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "ret");
		rc = parse_ret(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "errno"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "errno");
		rc = parse_errno(c, sub, m, t);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "site"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "site");
		rc = sp_each_string(c, sub, m, "a module glob", sp_add_glob, &t->sites);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "not_site"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "not_site");
		rc = sp_each_string(c, sub, m, "a module glob", sp_add_glob, &t->not_sites);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "stack"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "stack");
		rc = sp_each_string(c, sub, m, "a function glob", sp_add_glob, &t->stack);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "path"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "path");
		rc = sp_each_string(c, sub, m, "a path glob", sp_add_glob, &t->paths);
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "signal"))) {
		struct intv iv = {0};

		sp_ptr_child(sub, sizeof(sub), pointer, "signal");
		rc = sp_each_string(c, sub, m, "a signal name", add_signal, &iv);
		t->signals = iv.v;
		t->nsignals = iv.n;
		if (rc < 0)
			return rc;
	}
	if ((m = json_object_get(v, "nth"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "nth");
		if (!json_is_integer(m) || json_integer_value(m) < 1 ||
		    json_integer_value(m) > 1000000)
			return sp_perr(c, sub, false, "\"nth\" takes a positive integer");
		t->nth = (unsigned)json_integer_value(m);
	}
	if ((m = json_object_get(v, "after"))) {
		sp_ptr_child(sub, sizeof(sub), pointer, "after");
		rc = sp_trigger_parse(c, sub, m, &t->after);
		if (rc < 0)
			return rc;
		if (t->after->after) {
			char sub2[512];

			sp_ptr_child(sub2, sizeof(sub2), sub, "after");
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
	sp_strv_free(&t->syscalls);
	for (size_t i = 0; i < t->npreds; i++)
		sp_pred_free(&t->preds[i]);
	free(t->preds);
	free(t->errnos);
	sp_strv_free(&t->sites);
	sp_strv_free(&t->not_sites);
	sp_strv_free(&t->stack);
	sp_strv_free(&t->paths);
	free(t->signals);
	sp_trigger_free(t->after);
	free(t);
}
