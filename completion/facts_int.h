/* SPDX-License-Identifier: MIT */
/*
 * The representation of struct sp_facts, shared by the code that computes
 * facts from an ELF file (elf.c), the cache (cache.c) and the accessors.
 */
#ifndef SYSPHASE_COMPLETION_FACTS_INT_H
#define SYSPHASE_COMPLETION_FACTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysphase/completion.h"

/* A callee is a function index, or an import index with this bit set. */
#define FACTS_IMPORT    0x80000000u
/* Bounds that keep indices in 31 bits and a planted cache from asking for absurd sizes. */
#define FACTS_MAX_ITEMS (1u << 24)

struct facts_fn {
	uint64_t start, end;
	char *name; /* NULL when no symbol starts here */
	uint32_t *callees;
	size_t ncallees, capcallees;
	long *sys;
	size_t nsys, capsys;
	unsigned int unresolved;
};

struct facts_call {
	uint64_t ret;    /* return address of the call instruction */
	uint32_t callee; /* encoded as above */
};

struct facts_load {
	uint64_t off, vaddr, filesz;
};

struct facts_name {
	char *name;
	uint32_t fn;
};

struct sp_facts {
	char build_id[129]; /* hex, "" when none */
	bool cached;
	struct facts_load *loads;
	size_t nloads;
	struct facts_fn *fns; /* sorted by start, not overlapping */
	size_t nfns;
	char **imports;
	size_t nimports;
	struct facts_call *calls; /* sorted by ret */
	size_t ncalls;
	struct facts_name *exports; /* sorted by name */
	size_t nexports;
	struct facts_name *symbols; /* every function symbol, aliases too; sorted by name */
	size_t nsymbols;
	char **needed;
	size_t nneeded;
	struct sp_facts_stats stats;
};

/* Version of what the analysis computes: a cache entry of another version is recomputed. */
#define FACTS_VERSION 1

/* An empty struct; NULL on ENOMEM. */
struct sp_facts *facts_alloc(void);

/* Adds nr (once) to fn's syscalls, or callee (once) to its callees.  0 or -ENOMEM. */
int facts_fn_add_syscall(struct facts_fn *fn, long nr);
int facts_fn_add_callee(struct facts_fn *fn, uint32_t callee);

/* Sorts what must be sorted (syscalls, calls, names); 0 or -ENOMEM never: in place. */
void facts_finish(struct sp_facts *f);

/* The build-id of an open ELF file descriptor, into hex (size >= 129); 0, -ENOEXEC. */
int facts_elf_build_id(int fd, char *hex, size_t size);

/* Computes the facts of the ELF file open on fd (build_id already known). */
int facts_compute(int fd, const char *path, const char *build_id, struct sp_facts **out,
                  struct sp_diag *diag);

/* The cached facts for build_id, or -ENOENT (absent, unreadable or not strictly valid). */
int facts_cache_read(const char *dir, const char *build_id, struct sp_facts **out);
/* Writes f to the cache atomically; 0 or -errno (callers ignore failures). */
int facts_cache_write(const char *dir, const struct sp_facts *f);
/* The default cache directory, malloc'd; NULL when neither XDG_CACHE_HOME nor HOME is set. */
char *facts_cache_default_dir(void);

/* Modules of a session: loaded, of which from the cache, and not loadable (real files only). */
void sp_completion_counts(const struct sp_completion *c, size_t *loaded, size_t *cached,
                          size_t *missing);
/* Distinct stacks held by a scope. */
size_t sp_scope_nstacks(const struct sp_scope *s);

#endif /* SYSPHASE_COMPLETION_FACTS_INT_H */
