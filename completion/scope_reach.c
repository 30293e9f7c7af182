/* SPDX-License-Identifier: MIT */
/*
 * What each phase's code reaches (scope.c collected it): the spines that
 * every stack of a root shares, the stop nodes (functions on the spines of
 * two phases or more), each phase's seeds (its frames inside the stop
 * nodes, the direct callee at every return address, its signal handlers),
 * and the walk from the seeds along direct calls, never into a stop node
 * or a sink, never through a pointer (docs/generalisation.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope_int.h"

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
	if (s->program && scope_module(c, s->program, &idx, NULL) == 0) {
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

			rc = scope_module(c, sp_facts_needed(f, k), &idx, NULL);
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
		return json_sprintf("%s:%s", scope_base_name(m->path), fn.name);
	return json_sprintf("%s:0x%" PRIx64, scope_base_name(m->path), fn.start);
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
	why = json_pack("{s:s,s:o}", "module", scope_base_name(m->path), "chain", chain);
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
