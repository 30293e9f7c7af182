/* SPDX-License-Identifier: MIT */
/*
 * Call stacks of stopped tracees through libunwind-ptrace.
 *
 * Each process gets one libunwind address space, created with
 * UNW_CACHE_GLOBAL so that the unwind tables libunwind parses stay cached
 * across captures (the tracee's code does not change between two stops;
 * exec and exit end the address space through sp_stack_forget).  The
 * _UPT_ accessor state is kept too, for the last few threads unwound in
 * the process: it holds the ELF image libunwind mapped for the last
 * module, which a new one would map again.
 *
 * unw_get_proc_name walks a module's symbol table on every call, by far
 * the slowest step, so its answers (found or not) are cached per process
 * and address: each return address is symbolised once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libunwind-ptrace.h>

#include "stack.h"
#include "stack_internal.h"

#define SP_STACK_MAX_FRAMES 64
#define SP_STACK_NAME_MAX 512
#define SP_STACK_UPT_SLOTS 4

/*
 * What a frame at ip says, worked out once per process and address: the
 * symbol (the slow part) and the module, so that a cached frame costs
 * neither libunwind nor a maps look-up (whose misses re-read the maps).
 */
struct sym_entry {
	uint64_t ip;
	char *name; /* NULL: libunwind knows no symbol here */
	uint64_t off;
	const char *module; /* interned by sp_maps; NULL when nothing is mapped at ip */
	uint64_t module_off;
	bool used;
};

struct stack_proc {
	pid_t pid;
	unw_addr_space_t as;
	/*
	 * _UPT_ state of the last few threads unwound (NULL when unused),
	 * replaced round-robin: enough for a worker pool taking turns, and
	 * bounded when threads come and go (they are not reported here).
	 */
	void *upt[SP_STACK_UPT_SLOTS];
	pid_t upt_tid[SP_STACK_UPT_SLOTS];
	unsigned int upt_next;
	struct sym_entry *syms; /* open addressing, power-of-two size */
	size_t nsyms, capsyms;
};

struct sp_stack {
	struct sp_maps *maps;
	struct stack_proc **procs; /* sorted by pid */
	size_t nprocs, capprocs;
	struct sp_stack_stats stats;
};

struct sp_stack *sp_stack_new(struct sp_maps *maps)
{
	struct sp_stack *st = calloc(1, sizeof(*st));

	if (st)
		st->maps = maps;
	return st;
}

static void _stack_proc_free(struct stack_proc *sp)
{
	if (!sp)
		return;
	for (unsigned int i = 0; i < SP_STACK_UPT_SLOTS; i++)
		if (sp->upt[i])
			_UPT_destroy(sp->upt[i]);
	if (sp->as)
		unw_destroy_addr_space(sp->as);
	for (size_t i = 0; i < sp->capsyms; i++)
		free(sp->syms[i].name);
	free(sp->syms);
	free(sp);
}

void sp_stack_free(struct sp_stack *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nprocs; i++)
		_stack_proc_free(st->procs[i]);
	free(st->procs);
	free(st);
}

static size_t _stack_proc_index(const struct sp_stack *st, pid_t pid, bool *found)
{
	size_t lo = 0, hi = st->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < st->nprocs && st->procs[lo]->pid == pid;
	return lo;
}

/* The state of process pid, created on first use; NULL on failure. */
static struct stack_proc *_stack_proc(struct sp_stack *st, pid_t pid)
{
	struct stack_proc *sp, **grown;
	bool found;
	size_t i = _stack_proc_index(st, pid, &found);

	if (found)
		return st->procs[i];
	if (st->nprocs == st->capprocs) {
		size_t cap = st->capprocs ? st->capprocs * 2 : 16;

		grown = realloc(st->procs, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		st->procs = grown;
		st->capprocs = cap;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->pid = pid;
	sp->as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!sp->as) {
		free(sp);
		return NULL;
	}
	unw_set_caching_policy(sp->as, UNW_CACHE_GLOBAL);
	memmove(&st->procs[i + 1], &st->procs[i], (st->nprocs - i) * sizeof(*st->procs));
	st->procs[i] = sp;
	st->nprocs++;
	return sp;
}

/* The _UPT_ state for thread tid, made on first use; NULL on failure. */
static void *_stack_upt(struct sp_stack *st, struct stack_proc *sp, pid_t tid)
{
	unsigned int i;

	for (i = 0; i < SP_STACK_UPT_SLOTS; i++)
		if (sp->upt[i] && sp->upt_tid[i] == tid)
			return sp->upt[i];
	i = sp->upt_next;
	sp->upt_next = (i + 1) % SP_STACK_UPT_SLOTS;
	if (sp->upt[i])
		_UPT_destroy(sp->upt[i]);
	sp->upt[i] = _UPT_create(tid);
	st->stats.upt_creates++;
	sp->upt_tid[i] = tid;
	return sp->upt[i];
}

static size_t _sym_slot(const struct sym_entry *syms, size_t cap, uint64_t ip)
{
	/* Fibonacci hashing: return addresses share their low bits' alignment. */
	size_t j = (size_t)((ip * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);

	while (syms[j].used && syms[j].ip != ip)
		j = (j + 1) & (cap - 1);
	return j;
}

static int _sym_grow(struct stack_proc *sp)
{
	size_t cap = sp->capsyms ? sp->capsyms * 2 : 256;
	struct sym_entry *syms = calloc(cap, sizeof(*syms));

	if (!syms)
		return -ENOMEM;
	for (size_t i = 0; i < sp->capsyms; i++)
		if (sp->syms[i].used)
			syms[_sym_slot(syms, cap, sp->syms[i].ip)] = sp->syms[i];
	free(sp->syms);
	sp->syms = syms;
	sp->capsyms = cap;
	return 0;
}

/*
 * Whether the symbol libunwind found (ip - off) is the function holding
 * ip.  In a stripped module only .dynsym is left, and libunwind answers
 * with the nearest exported symbol below ip however far it is: a static
 * function of ld.so comes out as "_dl_catch_error+30663".  The unwind
 * tables know where the function really starts; a symbol that starts
 * elsewhere is not its name, and the frame is better described by its
 * module offset.  Without unwind information the symbol is kept.
 */
static bool _stack_symbol_fits(unw_cursor_t *cursor, uint64_t ip, unw_word_t off)
{
	unw_proc_info_t pi;

	if (unw_get_proc_info(cursor, &pi) < 0 || pi.start_ip == 0)
		return true;
	return ip - off == pi.start_ip;
}

/*
 * The cached description of ip, asking libunwind and the maps on a miss.  NULL only on
 * ENOMEM; an entry with a NULL name means "no symbol".
 */
static const struct sym_entry *_stack_symbol(struct sp_stack *st, struct stack_proc *sp,
					     unw_cursor_t *cursor, uint64_t ip)
{
	char name[SP_STACK_NAME_MAX];
	struct sym_entry *e;
	unw_word_t off = 0;
	int rc;

	if (sp->capsyms) {
		e = &sp->syms[_sym_slot(sp->syms, sp->capsyms, ip)];
		if (e->used) {
			st->stats.sym_hits++;
			return e;
		}
	}
	if ((sp->nsyms + 1) * 2 > sp->capsyms && _sym_grow(sp) < 0)
		return NULL;
	e = &sp->syms[_sym_slot(sp->syms, sp->capsyms, ip)];
	st->stats.sym_lookups++;
	if (sp_maps_locate(st->maps, sp->pid, ip, &e->module, &e->module_off) < 0)
		e->module = NULL;
	rc = unw_get_proc_name(cursor, name, sizeof(name), &off);
	/* UNW_ENOMEM: the name was cut to fit, still the best name there is. */
	if ((rc == 0 || rc == -UNW_ENOMEM) && _stack_symbol_fits(cursor, ip, off)) {
		name[sizeof(name) - 1] = '\0';
		e->name = strdup(name);
		if (!e->name)
			return NULL;
		e->off = off;
	}
	e->ip = ip;
	e->used = true;
	sp->nsyms++;
	return e;
}

static int _obj_set(json_t *o, const char *key, json_t *v)
{
	/* _new steals v even on failure. */
	return v ? json_object_set_new(o, key, v) : -1;
}

/*
 * One frame object; NULL on ENOMEM.  json_string refuses invalid UTF-8: a
 * module or symbol name that is not (a file named so) is left out as if
 * unknown rather than losing the whole stack.
 */
static json_t *_stack_frame(struct sp_stack *st, struct stack_proc *sp, unw_cursor_t *cursor,
			    uint64_t ip)
{
	const struct sym_entry *sym;
	bool module = false;
	char hex[24];
	json_t *f;
	int rc = 0;

	sym = _stack_symbol(st, sp, cursor, ip);
	f = json_object();
	if (!sym || !f) {
		json_decref(f);
		return NULL;
	}
	snprintf(hex, sizeof(hex), "0x%" PRIx64, ip);
	rc |= _obj_set(f, "ip", json_string(hex));
	if (sym->module)
		module = json_object_set_new(f, "module", json_string(sym->module)) == 0;
	if (sym->name && json_object_set_new(f, "fn", json_string(sym->name)) == 0)
		rc |= _obj_set(f, "off", json_integer((json_int_t)sym->off));
	else if (module)
		rc |= _obj_set(f, "module_off", json_integer((json_int_t)sym->module_off));
	if (rc) {
		json_decref(f);
		return NULL;
	}
	return f;
}

json_t *sp_stack_capture(struct sp_stack *st, pid_t pid, pid_t tid)
{
	struct stack_proc *sp;
	unw_cursor_t cursor;
	json_t *frames;
	void *upt;
	int n = 0;

	sp = _stack_proc(st, pid);
	if (!sp)
		return NULL;
	upt = _stack_upt(st, sp, tid);
	if (!upt || unw_init_remote(&cursor, sp->as, upt) < 0)
		return NULL;
	frames = json_array();
	if (!frames)
		return NULL;
	do {
		unw_word_t ip;
		json_t *f;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		f = _stack_frame(st, sp, &cursor, (uint64_t)ip);
		if (!f || json_array_append_new(frames, f) < 0) {
			json_decref(frames);
			return NULL;
		}
	} while (++n < SP_STACK_MAX_FRAMES && unw_step(&cursor) > 0);
	if (n == 0) {
		json_decref(frames);
		return NULL;
	}
	st->stats.captures++;
	st->stats.frames += (unsigned long)n;
	return frames;
}

void sp_stack_forget(struct sp_stack *st, pid_t pid)
{
	bool found;
	size_t i = _stack_proc_index(st, pid, &found);

	if (!found)
		return;
	_stack_proc_free(st->procs[i]);
	memmove(&st->procs[i], &st->procs[i + 1], (st->nprocs - i - 1) * sizeof(*st->procs));
	st->nprocs--;
}

void sp_stack_get_stats(const struct sp_stack *st, struct sp_stack_stats *out)
{
	*out = st->stats;
	out->procs = st->nprocs;
}
