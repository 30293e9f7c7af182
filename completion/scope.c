/* SPDX-License-Identifier: MIT */
/*
 * Scoping: which code a phase was seen executing, and what that code
 * reaches.
 *
 * A stack says which functions were active at a recorded syscall.  The
 * outer frames every phase of a process shares (main, the master/worker
 * cycles, libc's start-up) would reach everything: they are stop nodes.
 * Below them, every frame's function is a seed, and so is the direct
 * callee at every return address: GCC turns `handle -> respond -> write`
 * into jumps, so the handler that was running leaves no frame of its own.
 * From the seeds, direct calls are followed with no depth limit, never
 * into a stop node, never through a function pointer.
 *
 * This file holds the session (modules by name) and what each phase was
 * seen running (stacks, signal handlers); scope_reach.c the seeds and
 * the walk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope_int.h"

static const char *const default_dirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    "/usr/local/lib",
};

/* --- the session: modules by name ----------------------------------------- */

struct sp_completion *sp_completion_new(const struct sp_completion_opts *opts)
{
	struct sp_completion *c = calloc(1, sizeof(*c));
	const char *const *dirs = default_dirs;
	size_t ndirs = sizeof(default_dirs) / sizeof(*default_dirs);

	if (!c)
		return NULL;
	if (opts && opts->search_dirs) {
		dirs = opts->search_dirs;
		ndirs = opts->n_search_dirs;
	}
	if (opts && opts->cache_dir && !(c->cache_dir = strdup(opts->cache_dir)))
		goto fail;
	c->dirs = calloc(ndirs ? ndirs : 1, sizeof(*c->dirs));
	if (!c->dirs)
		goto fail;
	for (; c->ndirs < ndirs; c->ndirs++)
		if (!(c->dirs[c->ndirs] = strdup(dirs[c->ndirs])))
			goto fail;
	return c;
fail:
	sp_completion_free(c);
	return NULL;
}

void sp_completion_free(struct sp_completion *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nmods; i++) {
		free(c->mods[i].name);
		free(c->mods[i].path);
		sp_facts_free(c->mods[i].f);
	}
	free(c->mods);
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	free(c->dirs);
	free(c->cache_dir);
	free(c);
}

const char *scope_base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Loads name (path, or basename searched for) as module number *idx; 0 or -errno. */
int scope_module(struct sp_completion *c, const char *name, size_t *idx, struct sp_diag *diag)
{
	struct module *m, *grown;
	int rc = -ENOENT;

	for (size_t i = 0; i < c->nmods; i++)
		if (strcmp(c->mods[i].name, name) == 0 ||
		    (!strchr(name, '/') && c->mods[i].path &&
		     strcmp(scope_base_name(c->mods[i].path), name) == 0)) {
			*idx = i;
			return c->mods[i].err;
		}
	grown = realloc(c->mods, (c->nmods + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	c->mods = grown;
	m = &c->mods[c->nmods];
	*m = (struct module){.name = strdup(name)};
	if (!m->name)
		return -ENOMEM;
	if (strchr(name, '/')) {
		m->path = strdup(name);
		if (!m->path) {
			free(m->name);
			return -ENOMEM;
		}
		rc = sp_facts_load(m->path, c->cache_dir, &m->f, diag);
	} else if (name[0] != '[') { /* [vdso] and the like are no file */
		for (size_t d = 0; d < c->ndirs && rc == -ENOENT; d++) {
			char *p;

			if (asprintf(&p, "%s/%s", c->dirs[d], name) < 0)
				return -ENOMEM;
			rc = sp_facts_load(p, c->cache_dir, &m->f, diag);
			if (rc == 0)
				m->path = p;
			else
				free(p);
		}
		if (rc == -ENOENT)
			sp_diag_set(diag, ENOENT, "%s: not found in the library directories", name);
	}
	m->err = rc;
	*idx = c->nmods++;
	return rc;
}

int sp_completion_module(struct sp_completion *c, const char *name, const struct sp_facts **out,
                         struct sp_diag *diag)
{
	size_t i;
	int rc = scope_module(c, name, &i, diag);

	*out = rc == 0 ? c->mods[i].f : NULL;
	return rc;
}

void sp_completion_counts(const struct sp_completion *c, size_t *loaded, size_t *cached,
                          size_t *missing)
{
	*loaded = *cached = *missing = 0;
	for (size_t i = 0; i < c->nmods; i++) {
		if (c->mods[i].err == 0) {
			(*loaded)++;
			*cached += sp_facts_cached(c->mods[i].f);
		} else if (c->mods[i].name[0] != '[') {
			(*missing)++;
		}
	}
}

/* --- one process ---------------------------------------------------------- */

size_t sp_scope_nstacks(const struct sp_scope *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nphases; i++)
		n += s->phases[i].nstacks;
	return n;
}

struct sp_scope *sp_scope_new(struct sp_completion *c, const char *program)
{
	struct sp_scope *s = calloc(1, sizeof(*s));

	if (s) {
		s->c = c;
		s->program = program;
	}
	return s;
}

void sp_scope_free(struct sp_scope *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nphases; i++) {
		for (size_t k = 0; k < s->phases[i].nstacks; k++)
			free(s->phases[i].stacks[k].frames);
		free(s->phases[i].stacks);
		free(s->phases[i].handlers);
		free(s->phases[i].name);
	}
	free(s->phases);
	free(s->mods);
	free(s);
}

static struct phase *_phase(struct sp_scope *s, const char *name)
{
	struct phase *grown;

	for (size_t i = 0; i < s->nphases; i++)
		if (strcmp(s->phases[i].name, name) == 0)
			return &s->phases[i];
	grown = realloc(s->phases, (s->nphases + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	s->phases = grown;
	grown[s->nphases] = (struct phase){.name = strdup(name)};
	if (!grown[s->nphases].name)
		return NULL;
	return &grown[s->nphases++];
}

/* The module a frame names: the program by its basename, else by name. */
static int _frame_module(struct sp_scope *s, const char *name, size_t *idx)
{
	/*
	 * The tracer writes basenames: a frame naming a path (a trace edited
	 * by hand, or made to point elsewhere) does not pick the file read.
	 */
	if (strchr(name, '/'))
		return -EINVAL;
	if (s->program && strcmp(scope_base_name(s->program), name) == 0)
		name = s->program;
	return scope_module(s->c, name, idx, NULL);
}

int sp_scope_add_stack(struct sp_scope *s, const char *phase, const json_t *stack)
{
	struct stack st = {.hash = 1469598103934665603ULL};
	struct phase *p;
	size_t i;
	json_t *fr;

	if (!json_is_array(stack) || json_array_size(stack) == 0)
		return 0;
	st.frames = calloc(json_array_size(stack), sizeof(*st.frames));
	if (!st.frames)
		return -ENOMEM;
	json_array_foreach(stack, i, fr) {
		const char *mod = json_string_value(json_object_get(fr, "module"));
		json_t *off = json_object_get(fr, "module_off");
		uint64_t vaddr;
		size_t m;

		/*
		 * A frame that cannot be placed ends the stack: the frames
		 * above it would be taken for the ones it called.
		 */
		if (!mod || !json_is_integer(off) || json_integer_value(off) < 0 ||
		    _frame_module(s, mod, &m) < 0 ||
		    sp_facts_vaddr(s->c->mods[m].f, (uint64_t)json_integer_value(off), &vaddr) < 0)
			break;
		st.frames[st.n++] = (struct frame){(uint32_t)m, vaddr};
		st.hash = (st.hash ^ vaddr ^ ((uint64_t)m << 48)) * 1099511628211ULL;
	}
	p = _phase(s, phase);
	if (!p) {
		free(st.frames);
		return -ENOMEM;
	}
	/* Most syscalls repeat a stack already seen: keep one of each. */
	for (size_t k = 0; k < p->nstacks; k++)
		if (p->stacks[k].hash == st.hash && p->stacks[k].n == st.n &&
		    memcmp(p->stacks[k].frames, st.frames, st.n * sizeof(*st.frames)) == 0) {
			free(st.frames);
			return 0;
		}
	if (st.n == 0) {
		free(st.frames);
		return 0;
	}
	if (p->nstacks == p->capstacks) {
		size_t cap = p->capstacks ? p->capstacks * 2 : 16;
		struct stack *grown = realloc(p->stacks, cap * sizeof(*grown));

		if (!grown) {
			free(st.frames);
			return -ENOMEM;
		}
		p->stacks = grown;
		p->capstacks = cap;
	}
	p->stacks[p->nstacks++] = st;
	return 0;
}

int sp_scope_add_handler(struct sp_scope *s, const char *phase, const char *module,
                         uint64_t module_off)
{
	struct sp_func fn;
	struct phase *p;
	uint64_t vaddr;
	fref *grown, r;
	size_t m;
	long i;

	if (_frame_module(s, module, &m) < 0 ||
	    sp_facts_vaddr(s->c->mods[m].f, module_off, &vaddr) < 0)
		return -ENOENT;
	i = sp_facts_func_at(s->c->mods[m].f, vaddr);
	if (i < 0)
		return -ENOENT;
	/* A handler is a function's entry: anything else is not the address we think. */
	sp_facts_func(s->c->mods[m].f, (size_t)i, &fn);
	if (fn.start != vaddr)
		return -ENOENT;
	r = FREF(m, i);
	p = _phase(s, phase);
	if (!p)
		return -ENOMEM;
	for (size_t k = 0; k < p->nhandlers; k++)
		if (p->handlers[k] == r)
			return 0;
	grown = realloc(p->handlers, (p->nhandlers + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->handlers = grown;
	p->handlers[p->nhandlers++] = r;
	return 0;
}
