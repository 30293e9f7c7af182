/* SPDX-License-Identifier: MIT */
/*
 * Loading facts (cache first, else computed and cached) and reading them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts_int.h"

struct sp_facts *facts_alloc(void)
{
	return calloc(1, sizeof(struct sp_facts));
}

void sp_facts_free(struct sp_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nfns; i++) {
		free(f->fns[i].name);
		free(f->fns[i].callees);
		free(f->fns[i].sys);
	}
	free(f->fns);
	for (size_t i = 0; i < f->nimports; i++)
		free(f->imports[i]);
	free(f->imports);
	for (size_t i = 0; i < f->nexports; i++)
		free(f->exports[i].name);
	free(f->exports);
	for (size_t i = 0; i < f->nsymbols; i++)
		free(f->symbols[i].name);
	free(f->symbols);
	for (size_t i = 0; i < f->nneeded; i++)
		free(f->needed[i]);
	free(f->needed);
	free(f->calls);
	free(f->loads);
	free(f);
}

int facts_fn_add_syscall(struct facts_fn *fn, long nr)
{
	for (size_t i = 0; i < fn->nsys; i++)
		if (fn->sys[i] == nr)
			return 0;
	if (fn->nsys == fn->capsys) {
		size_t cap = fn->capsys ? fn->capsys * 2 : 4;
		long *grown = realloc(fn->sys, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		fn->sys = grown;
		fn->capsys = cap;
	}
	fn->sys[fn->nsys++] = nr;
	return 0;
}

int facts_fn_add_callee(struct facts_fn *fn, uint32_t callee)
{
	for (size_t i = 0; i < fn->ncallees; i++)
		if (fn->callees[i] == callee)
			return 0;
	if (fn->ncallees == fn->capcallees) {
		size_t cap = fn->capcallees ? fn->capcallees * 2 : 4;
		uint32_t *grown = realloc(fn->callees, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		fn->callees = grown;
		fn->capcallees = cap;
	}
	fn->callees[fn->ncallees++] = callee;
	return 0;
}

static int _cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int _cmp_call(const void *a, const void *b)
{
	const struct facts_call *x = a, *y = b;

	return (x->ret > y->ret) - (x->ret < y->ret);
}

static int _cmp_name(const void *a, const void *b)
{
	const struct facts_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* Ties by index, so that the order (and the cache file) is deterministic. */
	return c ? c : (x->fn > y->fn) - (x->fn < y->fn);
}

void facts_finish(struct sp_facts *f)
{
	for (size_t i = 0; i < f->nfns; i++)
		sp_qsort(f->fns[i].sys, f->fns[i].nsys, sizeof(long), _cmp_long);
	sp_qsort(f->calls, f->ncalls, sizeof(*f->calls), _cmp_call);
	sp_qsort(f->exports, f->nexports, sizeof(*f->exports), _cmp_name);
	sp_qsort(f->symbols, f->nsymbols, sizeof(*f->symbols), _cmp_name);
}

int sp_facts_load(const char *path, const char *cache_dir, struct sp_facts **out,
                  struct sp_diag *diag)
{
	char build_id[129];
	char *def = NULL;
	const char *dir = cache_dir;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	rc = facts_elf_build_id(fd, build_id, sizeof(build_id));
	if (rc < 0) {
		sp_diag_set(diag, -rc, "%s: not an x86-64 ELF file", path);
		goto out;
	}
	if (!dir) {
		def = facts_cache_default_dir();
		dir = def ? def : "";
	}
	if (*dir && *build_id && facts_cache_read(dir, build_id, out) == 0) {
		(*out)->cached = true;
		rc = 0;
		goto out;
	}
	rc = facts_compute(fd, path, build_id, out, diag);
	if (rc == 0 && *dir && *build_id)
		(void)facts_cache_write(dir,
		                        *out); /* a cache that cannot be written only costs time */
out:
	free(def);
	close(fd);
	return rc;
}

bool sp_facts_cached(const struct sp_facts *f)
{
	return f->cached;
}

const char *sp_facts_build_id(const struct sp_facts *f)
{
	return f->build_id;
}

size_t sp_facts_nfuncs(const struct sp_facts *f)
{
	return f->nfns;
}

void sp_facts_func(const struct sp_facts *f, size_t i, struct sp_func *out)
{
	out->start = f->fns[i].start;
	out->end = f->fns[i].end;
	out->name = f->fns[i].name;
}

long sp_facts_func_at(const struct sp_facts *f, uint64_t vaddr)
{
	size_t lo = 0, hi = f->nfns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->fns[mid].end <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->nfns && f->fns[lo].start <= vaddr && vaddr < f->fns[lo].end)
		return (long)lo;
	return -ENOENT;
}

static long _find_name(const struct facts_name *names, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strcmp(names[lo].name, name) == 0)
		return (long)names[lo].fn;
	return -ENOENT;
}

long sp_facts_func_named(const struct sp_facts *f, const char *name)
{
	return _find_name(f->symbols, f->nsymbols, name);
}

long sp_facts_export(const struct sp_facts *f, const char *name)
{
	return _find_name(f->exports, f->nexports, name);
}

int sp_facts_vaddr(const struct sp_facts *f, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < f->nloads; i++)
		if (off >= f->loads[i].off && off - f->loads[i].off < f->loads[i].filesz) {
			*vaddr = f->loads[i].vaddr + (off - f->loads[i].off);
			return 0;
		}
	return -ENOENT;
}

static void _decode_callee(const struct sp_facts *f, uint32_t code, struct sp_callee *out)
{
	if (code & FACTS_IMPORT) {
		out->local = -1;
		out->import = f->imports[code & ~FACTS_IMPORT];
	} else {
		out->local = (long)code;
		out->import = NULL;
	}
}

size_t sp_facts_ncallees(const struct sp_facts *f, size_t fn)
{
	return f->fns[fn].ncallees;
}

void sp_facts_callee(const struct sp_facts *f, size_t fn, size_t k, struct sp_callee *out)
{
	_decode_callee(f, f->fns[fn].callees[k], out);
}

int sp_facts_call_at(const struct sp_facts *f, uint64_t retaddr, struct sp_callee *out)
{
	size_t lo = 0, hi = f->ncalls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->calls[mid].ret < retaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == f->ncalls || f->calls[lo].ret != retaddr)
		return -ENOENT;
	_decode_callee(f, f->calls[lo].callee, out);
	return 0;
}

size_t sp_facts_nsyscalls(const struct sp_facts *f, size_t fn)
{
	return f->fns[fn].nsys;
}

long sp_facts_syscall(const struct sp_facts *f, size_t fn, size_t k)
{
	return f->fns[fn].sys[k];
}

unsigned int sp_facts_unresolved(const struct sp_facts *f, size_t fn)
{
	return f->fns[fn].unresolved;
}

size_t sp_facts_nneeded(const struct sp_facts *f)
{
	return f->nneeded;
}

const char *sp_facts_needed(const struct sp_facts *f, size_t k)
{
	return f->needed[k];
}

void sp_facts_get_stats(const struct sp_facts *f, struct sp_facts_stats *out)
{
	*out = f->stats;
}
