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
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts_int.h"
#include "sysphase/completion.h"

static const char *const default_dirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    "/usr/local/lib",
};

/*
 * Functions completion does not enter.  The fatal paths (abort, assertion
 * and fortify failures, ld.so's fatal errors) only run to end the process:
 * their sigaction/rt_sigprocmask/writev/tgkill would make every phase
 * allow what a dying process does, and a filter's kill ends it the same
 * way.  gettext's lookups find no catalog in the C locale; with another
 * locale they open and map one (openat and mmap, which completion holds
 * back anyway), and what they add besides (getcwd, getdents64 and lseek
 * for relative catalog directories, qsort's sysconf) is noise on every
 * path that formats a message.
 */
static const char *const sinks[] = {
    "abort",
    "__assert_fail",
    "__assert_perror_fail",
    "__assert",
    "__libc_fatal",
    "__fortify_fail",
    "__chk_fail",
    "__stack_chk_fail",
    "_dl_fatal_printf",
    "_dl_signal_error",
    "_dl_signal_exception",
    "dcgettext",
    "dcngettext",
    "__dcgettext",
    "__dcngettext",
    "gettext",
    "ngettext",
    "dgettext",
    "dngettext",
    "__dcigettext",
};

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

/* A set of frefs: open addressing, power-of-two size. */
struct set {
	fref *keys;
	size_t n, cap;
};

#define SET_EMPTY UINT64_MAX

static size_t _set_slot(const struct set *s, fref k)
{
	size_t j = (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 17) & (s->cap - 1);

	while (s->keys[j] != SET_EMPTY && s->keys[j] != k)
		j = (j + 1) & (s->cap - 1);
	return j;
}

static bool _set_has(const struct set *s, fref k)
{
	return s->cap && s->keys[_set_slot(s, k)] == k;
}

/* 1 when added, 0 when present, -ENOMEM. */
static int _set_add(struct set *s, fref k)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap) {
		struct set g = {.cap = s->cap ? s->cap * 2 : 64};

		g.keys = malloc(g.cap * sizeof(*g.keys));
		if (!g.keys)
			return -ENOMEM;
		memset(g.keys, 0xff, g.cap * sizeof(*g.keys));
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i] != SET_EMPTY)
				g.keys[_set_slot(&g, s->keys[i])] = s->keys[i];
		g.n = s->n;
		free(s->keys);
		*s = g;
	}
	j = _set_slot(s, k);
	if (s->keys[j] == k)
		return 0;
	s->keys[j] = k;
	s->n++;
	return 1;
}

static void _set_free(struct set *s)
{
	free(s->keys);
	*s = (struct set){0};
}

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

static const char *_base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Loads name (path, or basename searched for) as module number *idx; 0 or -errno. */
static int _module(struct sp_completion *c, const char *name, size_t *idx, struct sp_diag *diag)
{
	struct module *m, *grown;
	int rc = -ENOENT;

	for (size_t i = 0; i < c->nmods; i++)
		if (strcmp(c->mods[i].name, name) == 0 ||
		    (!strchr(name, '/') && c->mods[i].path &&
		     strcmp(_base(c->mods[i].path), name) == 0)) {
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
	int rc = _module(c, name, &i, diag);

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
	if (s->program && strcmp(_base(s->program), name) == 0)
		name = s->program;
	return _module(s->c, name, idx, NULL);
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

/*
 * The function of frame k: the innermost frame's ip follows the syscall
 * instruction, an outer one is a return address, so the call lies just
 * before it (a call as a function's last instruction returns past its end).
 */
static int _frame_fn(const struct sp_scope *s, const struct stack *st, size_t k, fref *out)
{
	const struct frame *f = &st->frames[k];
	long fn = sp_facts_func_at(s->c->mods[f->mod].f, f->vaddr - 1);

	if (fn < 0)
		return -ENOENT;
	*out = FREF(f->mod, fn);
	return 0;
}

/* The process's modules in look-up order: the program, its DT_NEEDED breadth first, the rest. */
static int _process_modules(struct sp_scope *s)
{
	struct sp_completion *c = s->c;
	size_t idx;
	int rc;

	free(s->mods);
	s->nmods = 0;
	s->mods = NULL;
	if (s->program && _module(c, s->program, &idx, NULL) == 0) {
		s->mods = malloc(sizeof(*s->mods));
		if (!s->mods)
			return -ENOMEM;
		s->mods[s->nmods++] = idx;
	}
	for (size_t q = 0; q < s->nmods; q++) {
		const struct sp_facts *f = c->mods[s->mods[q]].f;

		for (size_t k = 0; k < sp_facts_nneeded(f); k++) {
			bool seen = false;
			size_t *grown;

			rc = _module(c, sp_facts_needed(f, k), &idx, NULL);
			if (rc == -ENOMEM)
				return rc;
			for (size_t j = 0; j < s->nmods; j++)
				seen |= s->mods[j] == idx;
			if (rc < 0 || seen)
				continue;
			grown = realloc(s->mods, (s->nmods + 1) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			s->mods = grown;
			s->mods[s->nmods++] = idx;
		}
		/* dlopen'd modules (seen on stacks only) come last, after the breadth-first pass.
		 */
		if (q + 1 == s->nmods)
			for (size_t m = 0; m < c->nmods; m++) {
				bool seen = false;
				size_t *grown;

				for (size_t j = 0; j < s->nmods; j++)
					seen |= s->mods[j] == m;
				if (seen || c->mods[m].err)
					continue;
				grown = realloc(s->mods, (s->nmods + 1) * sizeof(*grown));
				if (!grown)
					return -ENOMEM;
				s->mods = grown;
				s->mods[s->nmods++] = m;
			}
	}
	return 0;
}

/* Where a call edge of module m leads; -ENOENT when an import has no exporter. */
static int _resolve(const struct sp_scope *s, size_t m, const struct sp_callee *cal, fref *out)
{
	if (cal->local >= 0) {
		*out = FREF(m, cal->local);
		return 0;
	}
	for (size_t i = 0; i < s->nmods; i++) {
		long fn = sp_facts_export(s->c->mods[s->mods[i]].f, cal->import);

		if (fn >= 0) {
			*out = FREF(s->mods[i], fn);
			return 0;
		}
	}
	return -ENOENT;
}

/* Functions on the stacks of one phase (all of them, or those on every stack). */
static int _phase_functions(const struct sp_scope *s, const struct phase *p, bool every,
                            struct set *out)
{
	struct set cur = {0};
	int rc = 0;

	for (size_t k = 0; k < p->nstacks && rc >= 0; k++) {
		struct set one = {0};
		fref r;

		for (size_t i = 0; i < p->stacks[k].n && rc >= 0; i++)
			if (_frame_fn(s, &p->stacks[k], i, &r) == 0)
				rc = _set_add(&one, r);
		if (rc < 0) {
			_set_free(&one);
			break;
		}
		if (!every || k == 0) {
			for (size_t j = 0; j < one.cap && rc >= 0; j++)
				if (one.keys[j] != SET_EMPTY)
					rc = _set_add(&cur, one.keys[j]);
		} else {
			for (size_t j = 0; j < cur.cap; j++)
				if (cur.keys[j] != SET_EMPTY && !_set_has(&one, cur.keys[j])) {
					cur.keys[j] =
					    SET_EMPTY - 1; /* a tombstone: never a real key */
					cur.n--;
				}
		}
		_set_free(&one);
	}
	/* Copied without tombstones. */
	for (size_t j = 0; j < cur.cap && rc >= 0; j++)
		if (cur.keys[j] < SET_EMPTY - 1)
			rc = _set_add(out, cur.keys[j]);
	_set_free(&cur);
	return rc < 0 ? rc : 0;
}

/*
 * The outermost function of a stack that is known (_start, ld.so's entry,
 * a thread's start routine): ld.so's own entry code has no unwind entry
 * nor symbol, so the next frame in is the root there.
 */
static int _root(const struct sp_scope *s, const struct stack *st, fref *out)
{
	for (size_t k = st->n; k-- > 0;)
		if (_frame_fn(s, st, k, out) == 0)
			return 0;
	return -ENOENT;
}

/* What the stacks of one phase that start from one root all share. */
struct spine {
	size_t phase;
	fref root;
	struct set fns;
};

/* Appends the spine of every (phase, root) pair to *out. */
static int _spines(const struct sp_scope *s, struct spine **out, size_t *n)
{
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->nphases && rc >= 0; i++) {
		const struct phase *p = &s->phases[i];
		struct set roots = {0};

		for (size_t k = 0; k < p->nstacks && rc >= 0; k++) {
			fref r;

			if (_root(s, &p->stacks[k], &r) == 0)
				rc = _set_add(&roots, r);
		}
		for (size_t j = 0; j < roots.cap && rc >= 0; j++) {
			struct phase sub = {0};
			struct spine *grown;

			if (roots.keys[j] == SET_EMPTY)
				continue;
			grown = realloc(*out, (*n + 1) * sizeof(*grown));
			sub.stacks = malloc(p->nstacks * sizeof(*sub.stacks));
			if (grown)
				*out = grown;
			if (!grown || !sub.stacks) {
				free(sub.stacks);
				rc = -ENOMEM;
				break;
			}
			grown[*n] = (struct spine){.phase = i, .root = roots.keys[j]};
			for (size_t k = 0; k < p->nstacks; k++) {
				fref r;

				if (_root(s, &p->stacks[k], &r) == 0 && r == roots.keys[j])
					sub.stacks[sub.nstacks++] = p->stacks[k];
			}
			rc = _phase_functions(s, &sub, true, &grown[*n].fns);
			(*n)++;
			free(sub.stacks);
		}
		_set_free(&roots);
	}
	return rc < 0 ? rc : 0;
}

/*
 * The stop nodes: the outer frames phases share.  A spine is what all the
 * stacks of one phase from one root have in common (main, the worker
 * cycle, libc's start-up).  A function on the spines of two phases or
 * more is a stop node; so is the whole spine of a root that only one
 * phase has (a process with a single phase, a thread of its own).  Short
 * stacks do not shrink the set: the exit phase of a program whose main
 * returned shares only libc's start-up, and main stays a stop node of
 * the phases that all run under it.
 */
static int _stop_nodes(const struct sp_scope *s, struct set *stop)
{
	struct spine *sp;
	size_t n;
	int rc = _spines(s, &sp, &n);

	for (size_t a = 0; a < n && rc >= 0; a++) {
		bool lone = true;

		for (size_t b = 0; b < n && lone; b++)
			lone = !(sp[b].root == sp[a].root && sp[b].phase != sp[a].phase);
		for (size_t j = 0; j < sp[a].fns.cap && rc >= 0; j++) {
			fref f = sp[a].fns.keys[j];
			bool shared = false;

			if (f == SET_EMPTY)
				continue;
			for (size_t b = 0; b < n && !shared; b++)
				shared = sp[b].phase != sp[a].phase && _set_has(&sp[b].fns, f);
			if (lone || shared)
				rc = _set_add(stop, f);
		}
	}
	for (size_t a = 0; a < n; a++)
		_set_free(&sp[a].fns);
	free(sp);
	return rc < 0 ? rc : 0;
}

/* "module:function" or "module:0xaddr" for a chain. */
static json_t *_fref_json(const struct sp_scope *s, fref r)
{
	const struct module *m = &s->c->mods[FREF_MOD(r)];
	struct sp_func fn;

	sp_facts_func(m->f, FREF_FN(r), &fn);
	if (fn.name)
		return json_sprintf("%s:%s", _base(m->path), fn.name);
	return json_sprintf("%s:0x%" PRIx64, _base(m->path), fn.start);
}

struct walk {
	fref *queue; /* BFS order; parent[i] is the index of queue[i]'s caller, or SIZE_MAX */
	size_t *parent;
	size_t n, cap;
	struct set seen;
};

static int _walk_push(struct walk *w, fref r, size_t parent)
{
	int rc = _set_add(&w->seen, r);

	if (rc <= 0)
		return rc;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		fref *q = realloc(w->queue, cap * sizeof(*q));
		size_t *p;

		if (!q)
			return -ENOMEM;
		w->queue = q;
		p = realloc(w->parent, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		w->parent = p;
		w->cap = cap;
	}
	w->queue[w->n] = r;
	w->parent[w->n] = parent;
	w->n++;
	return 0;
}

static json_t *_why(const struct sp_scope *s, const struct walk *w, size_t at)
{
	const struct module *m = &s->c->mods[FREF_MOD(w->queue[at])];
	json_t *chain = json_array(), *why;
	struct sp_func fn;
	size_t depth = 0;

	for (size_t i = at; chain && i != SIZE_MAX; i = w->parent[i], depth++)
		if (json_array_insert_new(chain, 0, _fref_json(s, w->queue[i])) < 0 ||
		    depth > 4096) {
			json_decref(chain);
			return NULL;
		}
	if (!chain)
		return NULL;
	sp_facts_func(m->f, FREF_FN(w->queue[at]), &fn);
	why = json_pack("{s:s,s:o}", "module", _base(m->path), "chain", chain);
	if (why && json_object_set_new(why, fn.name ? "function" : "address",
	                               fn.name ? json_string(fn.name)
	                                       : json_sprintf("0x%" PRIx64, fn.start)) < 0) {
		json_decref(why);
		return NULL;
	}
	return why;
}

/* Seeds of one phase: frames inside the stop nodes and the callees at their return addresses. */
static int _seeds(const struct sp_scope *s, const struct phase *p, const struct set *stop,
                  struct walk *w)
{
	int rc = 0;

	/*
	 * A signal handler runs whenever its signal comes, in any phase after
	 * it was installed (haproxy's watchdog re-arms its timer from one,
	 * once a thread has used a second of CPU): its code is seeded as a
	 * frame of the phase would be.
	 */
	for (size_t k = 0; k < p->nhandlers && rc >= 0; k++)
		if (!_set_has(stop, p->handlers[k]))
			rc = _walk_push(w, p->handlers[k], SIZE_MAX);

	for (size_t k = 0; k < p->nstacks && rc >= 0; k++) {
		const struct stack *st = &p->stacks[k];

		for (size_t i = 0; i < st->n && rc >= 0; i++) {
			struct sp_callee cal;
			fref r, callee;
			bool stops = _frame_fn(s, st, i, &r) == 0 && _set_has(stop, r);

			if (_frame_fn(s, st, i, &r) == 0 && !stops)
				rc = _walk_push(w, r, SIZE_MAX);
			if (rc >= 0 && i > 0 &&
			    sp_facts_call_at(s->c->mods[st->frames[i].mod].f, st->frames[i].vaddr,
			                     &cal) == 0 &&
			    _resolve(s, st->frames[i].mod, &cal, &callee) == 0 &&
			    !_set_has(stop, callee))
				rc = _walk_push(w, callee, SIZE_MAX);
			if (stops)
				break;
		}
	}
	return rc;
}

static bool _is_sink(const struct sp_scope *s, fref r)
{
	struct sp_func fn;

	sp_facts_func(s->c->mods[FREF_MOD(r)].f, FREF_FN(r), &fn);
	for (size_t i = 0; fn.name && i < sizeof(sinks) / sizeof(*sinks); i++)
		if (strcmp(fn.name, sinks[i]) == 0)
			return true;
	return false;
}

static int _complete_phase(const struct sp_scope *s, const struct phase *p, const struct set *stop,
                           sp_complete_fn cb, void *arg, struct sp_scope_stats *st)
{
	struct walk w = {0};
	struct set reported = {0};
	int rc = _seeds(s, p, stop, &w);

	st->seeds += w.n;
	for (size_t i = 0; i < w.n && rc >= 0; i++) {
		size_t m = FREF_MOD(w.queue[i]), fn = FREF_FN(w.queue[i]);
		const struct sp_facts *f = s->c->mods[m].f;

		st->unresolved += sp_facts_unresolved(f, fn);
		for (size_t k = 0; k < sp_facts_nsyscalls(f, fn) && rc >= 0; k++) {
			long nr = sp_facts_syscall(f, fn, k);
			json_t *why;

			if ((rc = _set_add(&reported, (fref)nr)) <= 0)
				continue;
			why = _why(s, &w, i);
			if (!why) {
				rc = -ENOMEM;
				break;
			}
			rc = cb(p->name, nr, why, arg);
			if (rc != 0)
				goto out;
		}
		for (size_t k = 0; k < sp_facts_ncallees(f, fn) && rc >= 0; k++) {
			struct sp_callee cal;
			fref r;

			sp_facts_callee(f, fn, k, &cal);
			if (_resolve(s, m, &cal, &r) == 0 && !_set_has(stop, r) && !_is_sink(s, r))
				rc = _walk_push(&w, r, i);
		}
	}
	st->reached += w.n;
out:
	_set_free(&reported);
	_set_free(&w.seen);
	free(w.queue);
	free(w.parent);
	return rc < 0 || rc > 0 ? rc : 0;
}

int sp_scope_complete(struct sp_scope *s, sp_complete_fn fn, void *arg, struct sp_scope_stats *st,
                      struct sp_diag *diag)
{
	struct sp_scope_stats local = {0};
	struct set stop = {0};
	int rc;

	if (!st)
		st = &local;
	*st = (struct sp_scope_stats){0};
	rc = _process_modules(s);
	if (rc == 0)
		rc = _stop_nodes(s, &stop);
	st->stop_nodes = stop.n;
	for (size_t i = 0; i < s->nphases && rc == 0; i++)
		rc = _complete_phase(s, &s->phases[i], &stop, fn, arg, st);
	for (size_t i = 0; i < s->c->nmods; i++)
		st->missing += s->c->mods[i].err != 0 && s->c->mods[i].name[0] != '[';
	_set_free(&stop);
	if (rc == -ENOMEM)
		sp_diag_set(diag, ENOMEM, "out of memory");
	return rc;
}
