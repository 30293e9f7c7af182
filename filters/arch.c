/* SPDX-License-Identifier: MIT */
/*
 * Filters for other architectures: names, libseccomp tokens, and the
 * translation of an x86-64 allowlist through the fact table of
 * filters/arch_table.c.  No syscall number is written here: libseccomp
 * resolves every name for every architecture.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch_int.h"

struct arch_desc {
	const char *name, *oci;
	uint32_t token;
	const char *aliases[3];
};

static const struct arch_desc arches[SP_ARCH_COUNT] = {
    [SP_ARCH_X86_64] = {"x86_64", "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, {"amd64", "x86-64"}},
    [SP_ARCH_AARCH64] = {"aarch64", "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, {"arm64"}},
    [SP_ARCH_I386] = {"i386", "SCMP_ARCH_X86", SCMP_ARCH_X86, {"x86", "i686"}},
    [SP_ARCH_ARM] = {"arm", "SCMP_ARCH_ARM", SCMP_ARCH_ARM, {"armhf", "armel"}},
};

const char *sp_arch_name(enum sp_arch a)
{
	return (unsigned)a < SP_ARCH_COUNT ? arches[a].name : NULL;
}

const char *sp_arch_oci(enum sp_arch a)
{
	return (unsigned)a < SP_ARCH_COUNT ? arches[a].oci : NULL;
}

uint32_t sp_arch_scmp(enum sp_arch a)
{
	return (unsigned)a < SP_ARCH_COUNT ? arches[a].token : 0;
}

static int arch_from(const char *name, size_t len)
{
	for (unsigned a = 0; a < SP_ARCH_COUNT; a++) {
		if (strlen(arches[a].name) == len && strncmp(name, arches[a].name, len) == 0)
			return (int)a;
		for (size_t k = 0; k < 3 && arches[a].aliases[k]; k++)
			if (strlen(arches[a].aliases[k]) == len &&
			    strncmp(name, arches[a].aliases[k], len) == 0)
				return (int)a;
	}
	return -EINVAL;
}

int sp_arch_from_name(const char *name)
{
	return name ? arch_from(name, strlen(name)) : -EINVAL;
}

int sp_arches_parse(const char *list, unsigned *set, struct sp_diag *diag)
{
	const char *p = list;

	*set = 0;
	if (!list || !*list)
		return sp_diag_set(diag, EINVAL, "empty architecture list");
	while (*p) {
		size_t len = strcspn(p, ",");
		int a = arch_from(p, len);

		if (a < 0)
			return sp_diag_set(
			    diag, EINVAL,
			    "unknown architecture '%.*s' (x86_64, aarch64, i386, arm)", (int)len,
			    p);
		*set |= SP_ARCH_BIT(a);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * libseccomp's pseudo-numbers of the calls that i386 multiplexes through
 * socketcall (-101..-120) and ipc (-201..-224): a rule on one of them is
 * rewritten by libseccomp into both the direct call and the multiplexer
 * (seccomp_rule_add(3)), which is what a 32-bit x86 libc needs.
 */
static bool multiplexed(int nr)
{
	return (nr <= -101 && nr >= -120) || (nr <= -201 && nr >= -224);
}

bool sp_arch_has(enum sp_arch a, const char *name)
{
	int nr;

	if ((unsigned)a >= SP_ARCH_COUNT || !name || !*name)
		return false;
	nr = seccomp_syscall_resolve_name_arch(arches[a].token, name);
	return nr >= 0 || (a == SP_ARCH_I386 && multiplexed(nr) && nr != __NR_SCMP_ERROR);
}

void sp_arch_notes_free(struct sp_arch_notes *notes)
{
	if (!notes)
		return;
	free(notes->v);
	*notes = (struct sp_arch_notes){0};
}

static int note(struct sp_arch_notes *notes, const char *from, const char *to, const char *why)
{
	if (!notes)
		return 0;
	for (size_t i = 0; i < notes->n; i++)
		if (strcmp(notes->v[i].from, from) == 0 &&
		    (notes->v[i].to == to || (to && notes->v[i].to && !strcmp(notes->v[i].to, to))))
			return 0;
	if (notes->n == notes->cap) {
		size_t cap = notes->cap ? notes->cap * 2 : 16;
		struct sp_arch_note *v = realloc(notes->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		notes->v = v;
		notes->cap = cap;
	}
	notes->v[notes->n++] = (struct sp_arch_note){from, to, why};
	return 0;
}

/* A growing allowlist whose names are kept distinct. */
struct list {
	struct sp_allow *v;
	size_t n, cap;
};

static int list_add(struct list *l, const struct sp_allow *al)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, al->name) == 0) {
			/* Once allowed whole, a call stays allowed whole. */
			if (al->n_conds == 0)
				l->v[i].n_conds = 0;
			return 0;
		}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct sp_allow *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *al;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct sp_allow *)a)->name, ((const struct sp_allow *)b)->name);
}

/* The table's counterparts of one x86-64 name on a; *found counts those added. */
static int map_one(enum sp_arch a, const char *name, bool present, struct list *l,
                   struct sp_arch_notes *notes, size_t *found, const char **why)
{
	int rc = 0;

	for (const struct sp_arch_map *m = sp_arch_maps; m->from && rc == 0; m++) {
		const char *to = NULL;

		if (strcmp(m->from, name) != 0)
			continue;
		if (m->kind == SP_MAP_ABSENT ? present
		    : m->kind == SP_MAP_ALSO ? !(m->arches & SP_ARCH_BIT(a))
		                             : a == SP_ARCH_X86_64)
			continue;
		*why = m->why;
		for (size_t k = 0; k < SP_MAP_TO_MAX && m->to[k] && !to; k++)
			if (sp_arch_has(a, m->to[k]))
				to = m->to[k];
		if (!to)
			continue;
		rc = list_add(l, &(struct sp_allow){.name = to});
		if (rc == 0)
			rc = note(notes, name, to, m->why);
		(*found)++;
	}
	return rc;
}

int sp_arch_translate(enum sp_arch a, const struct sp_allow *in, size_t n, struct sp_allow **out,
                      size_t *n_out, struct sp_arch_notes *notes, struct sp_diag *diag)
{
	struct list l = {0};
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if ((unsigned)a >= SP_ARCH_COUNT)
		return sp_diag_set(diag, EINVAL, "invalid architecture %d", (int)a);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *why = NULL;
		bool present = sp_arch_has(a, in[i].name);
		size_t found = 0;

		if (!in[i].name)
			continue;
		if (a == SP_ARCH_X86_64) {
			rc = list_add(&l, &in[i]);
			continue;
		}
		if (present) {
			rc = list_add(&l, &(struct sp_allow){.name = in[i].name});
			if (rc == 0 && in[i].n_conds)
				rc = note(notes, in[i].name, in[i].name,
				          "argument constraints hold x86-64 values: the call is "
				          "allowed whole");
			found++;
		}
		if (rc == 0)
			rc = map_one(a, in[i].name, present, &l, notes, &found, &why);
		if (rc == 0 && found == 0)
			rc = note(notes, in[i].name, NULL,
			          why ? why : "no call of that name, and none in the table");
	}
	if (rc == 0 && n > 0 && a != SP_ARCH_X86_64) {
		const char *why = NULL;
		size_t found = 0;

		rc = map_one(a, SP_MAP_VDSO_FROM, false, &l, notes, &found, &why);
	}
	if (rc < 0) {
		free(l.v);
		return sp_diag_set(diag, -rc, "out of memory");
	}
	sp_qsort(l.v, l.n, sizeof(*l.v), cmp_name);
	*out = l.v;
	*n_out = l.n;
	return 0;
}

int sp_arch_union(unsigned set, const struct sp_allow *in, size_t n, struct sp_allow **out,
                  size_t *n_out, struct sp_arch_notes *notes, struct sp_diag *diag)
{
	struct list l = {0};
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (!set)
		set = SP_ARCH_BIT(SP_ARCH_X86_64);
	for (unsigned a = 0; a < SP_ARCH_COUNT && rc == 0; a++) {
		struct sp_allow *t;
		size_t nt;

		if (!(set & SP_ARCH_BIT(a)))
			continue;
		rc = sp_arch_translate((enum sp_arch)a, in, n, &t, &nt, notes ? &notes[a] : NULL,
		                       diag);
		for (size_t i = 0; rc == 0 && i < nt; i++)
			rc = list_add(&l, &t[i]);
		free(t);
	}
	if (rc < 0) {
		free(l.v);
		return rc == -ENOMEM ? sp_diag_set(diag, ENOMEM, "out of memory") : rc;
	}
	sp_qsort(l.v, l.n, sizeof(*l.v), cmp_name);
	*out = l.v;
	*n_out = l.n;
	return 0;
}
