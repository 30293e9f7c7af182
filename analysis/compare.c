/* SPDX-License-Identifier: MIT */
/*
 * Syscall sets (the bit sets every input becomes) and their comparison
 * (`sysphase compare`, the report's summaries).  Reading the inputs is in
 * set_load.c (lists, policy.json, files, built-ins) and set_oci.c
 * (OCI/Docker and Kubernetes profiles).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "set.h"
#include "sysphase/core.h"
#include "sysphase/policy.h"

/* ---- the set ---------------------------------------------------------- */

struct sp_syscall_set *sp_set_new(const char *label)
{
	struct sp_syscall_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->label = strdup(label ? label : "");
	if (!s->label) {
		free(s);
		return NULL;
	}
	return s;
}

void sp_set_free(struct sp_syscall_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_skipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	free(s->label);
	free(s);
}

const char *sp_set_nr_name(long nr)
{
	if (nr < 0 || nr >= SP_SET_NR_MAX)
		return NULL;
	return sp_syscall_name(SP_ABI_X86_64, nr);
}

static int cmp_nr_name(const void *a, const void *b)
{
	return strcmp(sp_set_nr_name(*(const long *)a), sp_set_nr_name(*(const long *)b));
}

const long *sp_set_name_order(size_t *n)
{
	static long order[SP_SET_NR_MAX];
	static size_t count;

	if (!count) {
		for (long nr = 0; nr < SP_SET_NR_MAX; nr++)
			if (sp_set_nr_name(nr))
				order[count++] = nr;
		sp_qsort(order, count, sizeof(order[0]), cmp_nr_name);
	}
	*n = count;
	return order;
}

static void bit_set(uint64_t *bits, long nr)
{
	bits[nr / 64] |= 1ull << (nr % 64);
}

static bool bit_get(const uint64_t *bits, long nr)
{
	return nr >= 0 && nr < SP_SET_NR_MAX && (bits[nr / 64] >> (nr % 64)) & 1;
}

int sp_set_add_nr(struct sp_syscall_set *s, long nr)
{
	if (!sp_set_nr_name(nr))
		return -ENOENT;
	bit_set(s->bits, nr);
	return 0;
}

/* The x86-64 number of name, or -ENOENT (libseccomp's pseudo-syscalls included). */
long set_name_nr(const char *name)
{
	long nr = sp_syscall_nr(name);

	return nr >= 0 && nr < SP_SET_NR_MAX ? nr : -ENOENT;
}

int sp_set_add_name(struct sp_syscall_set *s, const char *name)
{
	long nr = set_name_nr(name);

	return nr < 0 ? (int)nr : sp_set_add_nr(s, nr);
}

void sp_set_mark_cond(struct sp_syscall_set *s, long nr)
{
	if (bit_get(s->bits, nr))
		bit_set(s->cond, nr);
}

int sp_set_skip(struct sp_syscall_set *s, const char *name)
{
	char **v;

	for (size_t i = 0; i < s->n_skipped; i++)
		if (strcmp(s->skipped[i], name) == 0)
			return 0;
	v = realloc(s->skipped, (s->n_skipped + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->skipped = v;
	v[s->n_skipped] = strdup(name);
	if (!v[s->n_skipped])
		return -ENOMEM;
	s->n_skipped++;
	return 0;
}

bool sp_set_has(const struct sp_syscall_set *s, long nr)
{
	return bit_get(s->bits, nr);
}

bool sp_set_is_cond(const struct sp_syscall_set *s, long nr)
{
	return bit_get(s->cond, nr);
}

size_t sp_set_size(const struct sp_syscall_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < N(s->bits); i++)
		n += (size_t)__builtin_popcountll(s->bits[i]);
	return n;
}

const char *sp_set_label(const struct sp_syscall_set *s)
{
	return s->label;
}

size_t sp_set_skipped_count(const struct sp_syscall_set *s)
{
	return s->n_skipped;
}

const char *sp_set_skipped_at(const struct sp_syscall_set *s, size_t i)
{
	return i < s->n_skipped ? s->skipped[i] : NULL;
}

/* ---- comparing ---------------------------------------------------------- */

static void part_fill(struct sp_cmp_part *p, const uint64_t *bits)
{
	memcpy(p->bits, bits, sizeof(p->bits));
	p->n = 0;
	memset(p->by_level, 0, sizeof(p->by_level));
	for (long nr = 0; nr < SP_SET_NR_MAX; nr++)
		if (bit_get(bits, nr)) {
			p->n++;
			p->by_level[sp_threat_level(sp_set_nr_name(nr))]++;
		}
}

void sp_compare(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                struct sp_comparison *out)
{
	uint64_t both[SP_SET_NR_MAX / 64], oa[SP_SET_NR_MAX / 64], ob[SP_SET_NR_MAX / 64];

	for (size_t i = 0; i < N(both); i++) {
		both[i] = a->bits[i] & b->bits[i];
		oa[i] = a->bits[i] & ~b->bits[i];
		ob[i] = b->bits[i] & ~a->bits[i];
	}
	part_fill(&out->part[SP_CMP_A], a->bits);
	part_fill(&out->part[SP_CMP_B], b->bits);
	part_fill(&out->part[SP_CMP_BOTH], both);
	part_fill(&out->part[SP_CMP_ONLY_A], oa);
	part_fill(&out->part[SP_CMP_ONLY_B], ob);
	out->completeness = out->part[SP_CMP_B].n
	                        ? (double)out->part[SP_CMP_BOTH].n / (double)out->part[SP_CMP_B].n
	                        : -1;
	out->reduction = out->part[SP_CMP_A].n
	                     ? (double)out->part[SP_CMP_ONLY_A].n / (double)out->part[SP_CMP_A].n
	                     : -1;
}

const char *sp_cmp_part_name(enum sp_cmp_which w)
{
	static const char *const names[SP_CMP_PARTS] = {"a", "b", "both", "only_a", "only_b"};

	return w < SP_CMP_PARTS ? names[w] : NULL;
}

static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static int push(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

static json_t *part_json(const struct sp_cmp_part *p)
{
	json_t *o = json_object(), *lv = json_object(), *names = json_object();
	json_t *per[SP_THREAT_LEVELS + 1];
	const long *order;
	size_t n_order;
	int rc = 0;

	for (int l = 0; l <= SP_THREAT_LEVELS; l++)
		per[l] = json_array();
	order = sp_set_name_order(&n_order);
	for (size_t k = 0; k < n_order; k++)
		if (bit_get(p->bits, order[k])) {
			const char *n = sp_set_nr_name(order[k]);

			rc |= push(per[sp_threat_level(n)], json_string(n));
		}
	rc |= set(o, "size", json_integer((json_int_t)p->n));
	for (int l = 1; l <= SP_THREAT_LEVELS + 1; l++) {
		int lvl = l % (SP_THREAT_LEVELS + 1); /* 1..4, then 0 = unrated last */
		char key[8];

		snprintf(key, sizeof(key), "%d", lvl);
		rc |= set(lv, lvl ? key : "unrated", json_integer(p->by_level[lvl]));
		rc |= set(names, lvl ? key : "unrated", per[lvl]);
	}
	rc |= set(o, "by_level", lv);
	rc |= set(o, "syscalls", names);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *set_json(const struct sp_syscall_set *s, const struct sp_cmp_part *p)
{
	json_t *o = part_json(p), *cond = json_array(), *skipped = json_array();
	int rc = o ? 0 : -1;
	size_t n_order;

	const long *order = sp_set_name_order(&n_order);

	for (size_t k = 0; k < n_order; k++)
		if (sp_set_is_cond(s, order[k]))
			rc |= push(cond, json_string(sp_set_nr_name(order[k])));
	for (size_t i = 0; i < s->n_skipped; i++)
		rc |= push(skipped, json_string(s->skipped[i]));
	if (o) {
		rc |= set(o, "label", json_string(s->label));
		rc |= set(o, "conditional", cond);
		rc |= set(o, "skipped", skipped);
	} else {
		json_decref(cond);
		json_decref(skipped);
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ratio_json(double r)
{
	return r < 0 ? json_null() : json_real(r);
}

json_t *sp_comparison_to_json(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                              const struct sp_comparison *c)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;

	rc |= set(o, "a", set_json(a, &c->part[SP_CMP_A]));
	rc |= set(o, "b", set_json(b, &c->part[SP_CMP_B]));
	for (int w = SP_CMP_BOTH; w < SP_CMP_PARTS; w++)
		rc |= set(o, sp_cmp_part_name((enum sp_cmp_which)w), part_json(&c->part[w]));
	rc |= set(o, "completeness", ratio_json(c->completeness));
	rc |= set(o, "reduction", ratio_json(c->reduction));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
