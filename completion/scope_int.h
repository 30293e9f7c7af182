/* SPDX-License-Identifier: MIT */
/*
 * Scoping's state, private to completion/: scope.c collects the stacks and
 * signal handlers of each phase and resolves their frames to functions;
 * scope_reach.c computes each phase's seeds and walks what they reach.
 */
#ifndef SYSPHASE_COMPLETION_SCOPE_INT_H
#define SYSPHASE_COMPLETION_SCOPE_INT_H

#include "facts_int.h"
#include "sysphase/completion.h"

struct module {
	char *name; /* as asked: a path or a basename */
	char *path; /* where it was found, NULL when not */
	struct sp_facts *f;
	int err;
};

struct sp_completion {
	char *cache_dir; /* NULL: the default */
	char **dirs;
	size_t ndirs;
	struct module *mods;
	size_t nmods;
};

/* A function of some module: module index << 32 | function index. */
typedef uint64_t fref;
#define FREF(m, fn) (((uint64_t)(m) << 32) | (uint32_t)(fn))
#define FREF_MOD(r) ((size_t)((r) >> 32))
#define FREF_FN(r)  ((size_t)((r)&0xffffffffu))

struct frame {
	uint32_t mod;
	uint64_t vaddr;
};

struct stack {
	struct frame *frames;
	size_t n;
	uint64_t hash;
};

struct phase {
	char *name;
	struct stack *stacks;
	size_t nstacks, capstacks;
	/* Signal handlers installed while it ran: entry points the kernel calls, not a call. */
	fref *handlers;
	size_t nhandlers;
};

struct sp_scope {
	struct sp_completion *c;
	const char *program;
	struct phase *phases;
	size_t nphases;
	size_t *mods; /* the process's modules, in look-up order */
	size_t nmods;
};

/* Loads name (path, or basename searched for) as module number *idx; 0 or -errno. */
int scope_module(struct sp_completion *c, const char *name, size_t *idx, struct sp_diag *diag);

/* The file name of path p (after its last '/'). */
const char *scope_base_name(const char *p);

#endif /* SYSPHASE_COMPLETION_SCOPE_INT_H */
