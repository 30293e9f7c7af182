/* SPDX-License-Identifier: MIT */
/*
 * Trigger matching: does one event fire a parsed trigger.  Parsing
 * (trigger.c) has validated every name and glob, so a mismatch here is a
 * real "no", never a bad rule.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "rules_int.h"
#include "sysphase/core.h"

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
 * The number a site tests: the register itself when the argument is in
 * one (what the kernel reads, as docs/rules.md promises), else the decoded
 * value: an integer, an fd object's number, or a struct field read back
 * with the very table that printed it.
 */
static bool site_number(const struct sp_pred_site *s, const struct sp_event *ev, json_t *v,
                        uint64_t *out)
{
	if (s->index >= 0) {
		*out = sp_arg_value((enum sp_arg_kind)s->kind, ev->args[s->index]);
		return true;
	}
	if (json_is_integer(v)) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_object(v) && json_is_integer(json_object_get(v, "fd"))) {
		*out = (uint64_t)json_integer_value(json_object_get(v, "fd"));
		return true;
	}
	if (json_is_string(v) && s->field)
		return sp_arg_parse((enum sp_arg_kind)s->kind, json_string_value(v), out, NULL,
		                    NULL) == 0;
	return false;
}

static int site_find_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_pred_site *)elem)->syscall);
}

/*
 * The site of the event's syscall.  The argument table describes x86-64
 * calls; i386 and x32 lay their arguments out differently: no site.
 */
static const struct sp_pred_site *site_of(const struct sp_pred *p, const struct sp_event *ev)
{
	if (p->raw >= 0)
		return &p->rawsite;
	if (ev->abi != SP_ABI_X86_64 || !ev->name)
		return NULL;
	return sp_bsearch(ev->name, p->sites, p->nsites, sizeof(*p->sites), site_find_cmp);
}

static bool in_match(const struct sp_pred *p, const struct sp_pred_site *s, const char *str,
                     bool has_num, uint64_t num)
{
	size_t i;
	json_t *e;

	for (i = 0; has_num && i < s->nnums; i++)
		if (s->nums[i] == num)
			return true;
	json_array_foreach(p->in, i, e) {
		if (json_is_string(e) && s->text && str && !strcmp(str, json_string_value(e)))
			return true;
	}
	return false;
}

/*
 * The family of a socket domain (its register), of a decoded sockaddr, or
 * of a socket fd (the decoder names it from the kernel's protocol name).
 */
static bool family_match(const struct sp_pred *p, const struct sp_pred_site *s, json_t *v,
                         bool has_num, uint64_t num)
{
	uint64_t fam;
	bool known = false;

	if (p->raw >= 0 || s->kind == SP_ARG_SOCK_DOMAIN) {
		fam = num;
		known = has_num;
	} else if (json_is_object(v)) {
		json_t *f = json_object_get(v, "family");

		if (json_is_integer(f)) {
			fam = (uint64_t)json_integer_value(f);
			known = true;
		} else if (json_is_string(f)) {
			known = sp_xlat_value(sp_xlat_get(SP_XLAT_SOCK_DOMAIN),
			                      json_string_value(f), &fam) == 0;
		}
	}
	for (size_t i = 0; known && i < p->nfamilies; i++)
		if ((uint64_t)p->families[i] == fam)
			return true;
	return false;
}

static bool pred_match(const struct sp_pred *p, const struct sp_event *ev)
{
	const struct sp_pred_site *s = site_of(p, ev);
	json_t *v = NULL;
	const char *str;
	uint64_t num = 0;
	bool has_num;

	if (!s)
		return false;
	if (p->raw < 0) {
		v = ev->dec ? json_object_get(ev->dec, s->key) : NULL;
		if (s->field)
			v = json_is_object(v) ? json_object_get(v, s->field) : NULL;
	}
	str = value_string(v);
	has_num = site_number(s, ev, v, &num);

	if (p->globs.n && !any_glob(&p->globs, str))
		return false;
	if (p->exclude.n && (!str || any_glob(&p->exclude, str)))
		return false;
	if (p->in && !in_match(p, s, str, has_num, num))
		return false;
	if (p->has_set && (!has_num || (num & s->set) != s->set))
		return false;
	if (p->has_clear && (!has_num || (num & s->clear)))
		return false;
	if (p->nfamilies && !family_match(p, s, v, has_num, num))
		return false;
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
	json_array_foreach(stack, i, frame) {
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
