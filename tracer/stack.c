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
#include <sys/ptrace.h>
#include <sys/user.h>

#include <libunwind-ptrace.h>

#include "stack.h"
#include "stack_eh.h"
#include "stack_internal.h"
#include "stack_path.h"

#define SP_STACK_MAX_FRAMES 64
#define SP_STACK_NAME_MAX   512
#define SP_STACK_UPT_SLOTS  4

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
	struct sp_path_cache *paths; /* stacks already unwound, by call path */
	struct sp_stack_eh *eh;      /* tables of the modules without .eh_frame_hdr */
};

/*
 * State of the capture in progress, seen by the accessors below.  The
 * accessors' own argument must stay the _UPT_ state: libunwind-ptrace
 * hands it on to the address space's accessors from inside
 * _UPT_find_proc_info, so a different struct there would be taken for
 * one.  The supervisor is single-threaded; the pointer is per thread
 * anyway and only set during sp_stack_capture.
 */
#define SP_STACK_PAGES 4
#define SP_STACK_PAGE  4096

struct capture {
	void *upt; /* the _UPT_ state of this capture's thread */
	pid_t tid;
	struct stack_proc *proc; /* tid's process */
	struct sp_maps *maps;
	/* The thread's registers, read once (PTRACE_GETREGS) for the key and the unwinder. */
	struct user_regs_struct regs;
	/* Every register and word the unwinder read: the evidence a cached path is checked by. */
	struct sp_path_log log;
	/*
	 * Unwinding restarted above a leaf without unwind information: the
	 * instruction and stack pointers libunwind is to start from.
	 */
	bool override;
	unw_word_t ip, sp;
	/* A look-up for unwind information failed: the step that made it went by guesswork. */
	bool guessed;
	/*
	 * Pages of the tracee read during this capture.  The unwinder reads
	 * the stack a word at a time, PTRACE_PEEKDATA one syscall each; one
	 * process_vm_readv per page serves them all.  Only valid while the
	 * tracee stays stopped, i.e. for one capture.
	 */
	struct {
		uint64_t base;
		bool valid;
		unsigned char data[SP_STACK_PAGE];
	} pages[SP_STACK_PAGES];
	unsigned int next_page;
	struct sp_mem_handle mem; /* /proc/TID/mem of the thread captured last */
};

static _Thread_local struct capture *_stack_cur;

static struct capture *_stack_cur_for(void *arg)
{
	return _stack_cur && _stack_cur->upt == arg ? _stack_cur : NULL;
}

static int _acc_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                               int need_unwind_info, void *arg)
{
	struct capture *c = _stack_cur_for(arg);
	int rc;

	if (!c)
		return _UPT_find_proc_info(as, ip, pi, need_unwind_info, arg);
	/* With the capture's process known, modules without .eh_frame_hdr are unwound too. */
	rc = sp_stack_eh_find_proc_info(c->proc->eh, c->maps, c->proc->pid, as, ip, pi,
	                                need_unwind_info, arg);
	if (rc < 0)
		c->guessed = true;
	return rc;
}

static void _acc_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	_UPT_put_unwind_info(as, pi, arg);
}

static int _acc_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return _UPT_get_dyn_info_list_addr(as, addr, arg);
}

/* The word at addr from the page cache, reading its page on a miss; false when unreadable. */
static bool _acc_cached_word(struct capture *c, unw_word_t addr, unw_word_t *val)
{
	uint64_t base = addr & ~(uint64_t)(SP_STACK_PAGE - 1);
	unsigned int i;

	if (addr - base > SP_STACK_PAGE - sizeof(*val))
		return false; /* straddles two pages: rare, left to ptrace */
	for (i = 0; i < SP_STACK_PAGES; i++)
		if (c->pages[i].valid && c->pages[i].base == base)
			break;
	if (i == SP_STACK_PAGES) {
		i = c->next_page;
		c->next_page = (i + 1) % SP_STACK_PAGES;
		c->pages[i].valid =
		    sp_mem_handle_read(&c->mem, c->tid, base, c->pages[i].data, SP_STACK_PAGE) == 0;
		c->pages[i].base = base;
		if (!c->pages[i].valid)
			return false;
	}
	memcpy(val, c->pages[i].data + (addr - base), sizeof(*val));
	return true;
}

/* Notes that the unwinder read val at addr (or failed to read addr). */
static void _acc_log_word(struct capture *c, unw_word_t addr, const unw_word_t *val)
{
	struct sp_path_log *log = &c->log;

	if (!val || log->nwords == SP_PATH_MAX_WORDS) {
		log->overflow = true;
		return;
	}
	log->addr[log->nwords] = addr;
	log->val[log->nwords++] = *val;
}

static int _acc_access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write,
                           void *arg)
{
	struct capture *c = _stack_cur_for(arg);
	int rc;

	/* Unwinding only looks: nothing may change the tracee. */
	if (write)
		return -UNW_EINVAL;
	/* stack_eh.c's tables and .eh_frame copies: never changing, so not logged. */
	rc = sp_stack_eh_word(c ? c->proc->eh : NULL, addr, val);
	if (rc != -ENOENT)
		return rc == 0 ? 0 : -UNW_EINVAL;
	if (c && _acc_cached_word(c, addr, val)) {
		_acc_log_word(c, addr, val);
		return 0;
	}
	rc = _UPT_access_mem(as, addr, val, 0, arg);
	if (c)
		_acc_log_word(c, addr, rc == 0 ? val : NULL);
	return rc;
}

static int _acc_access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write,
                           void *arg)
{
	struct capture *c = _stack_cur_for(arg);

	if (write)
		return -UNW_EREADONLYREG;
	if (c && c->override && reg == UNW_REG_IP) {
		*val = c->ip;
		return 0;
	}
	if (c && c->override && reg == UNW_REG_SP) {
		*val = c->sp;
		return 0;
	}
	/* Served from the capture's one PTRACE_GETREGS, not a PTRACE_PEEKUSER each. */
	if (c && reg >= 0 && reg < SP_PATH_NREGS) {
		uint64_t v;

		sp_path_reg(&c->regs, reg, &v);
		*val = (unw_word_t)v;
		c->log.regs |= 1u << reg;
		return 0;
	}
	if (c)
		c->log.overflow = true; /* a register the path cache does not check */
	return _UPT_access_reg(as, reg, val, 0, arg);
}

static int _acc_access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
                             void *arg)
{
	struct capture *c = _stack_cur_for(arg);

	if (write)
		return -UNW_EREADONLYREG;
	if (c)
		c->log.overflow = true; /* not evidence the path cache checks */
	return _UPT_access_fpreg(as, reg, val, 0, arg);
}

static int _acc_resume(unw_addr_space_t as, unw_cursor_t *cursor, void *arg)
{
	(void)as;
	(void)cursor;
	(void)arg;
	return -UNW_EINVAL;
}

static int _acc_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
                              unw_word_t *off, void *arg)
{
	return _UPT_get_proc_name(as, addr, buf, len, off, arg);
}

/*
 * libunwind-ptrace's accessors, except that memory comes through the page
 * cache, the starting registers can be overridden, and nothing writes to
 * the tracee or resumes it.
 */
static unw_accessors_t _stack_accessors = {
    .find_proc_info = _acc_find_proc_info,
    .put_unwind_info = _acc_put_unwind_info,
    .get_dyn_info_list_addr = _acc_get_dyn_info_list_addr,
    .access_mem = _acc_access_mem,
    .access_reg = _acc_access_reg,
    .access_fpreg = _acc_access_fpreg,
    .resume = _acc_resume,
    .get_proc_name = _acc_get_proc_name,
};

struct sp_stack {
	struct sp_maps *maps;
	bool symbols; /* false: frames are module + offset only, unw_get_proc_name never runs */
	struct stack_proc **procs; /* sorted by pid */
	size_t nprocs, capprocs;
	struct sp_stack_stats stats;
	struct capture cap; /* 16 KiB of page cache: kept here, not on the stack */
};

struct sp_stack *sp_stack_new(struct sp_maps *maps, bool symbols)
{
	struct sp_stack *st = calloc(1, sizeof(*st));

	if (st) {
		st->maps = maps;
		st->symbols = symbols;
		st->cap.mem = SP_MEM_HANDLE_INIT;
	}
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
	sp_path_cache_free(sp->paths);
	sp_stack_eh_free(sp->eh);
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
	sp_mem_handle_close(&st->cap.mem);
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
	sp->as = unw_create_addr_space(&_stack_accessors, 0);
	sp->paths = sp_path_cache_new();
	sp->eh = sp_stack_eh_new();
	if (!sp->as || !sp->paths || !sp->eh) {
		_stack_proc_free(sp);
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
 * The unwind information of the cursor's frame, false when there is none.
 * unw_get_proc_info does not fail for code without any: it makes up a
 * one-byte procedure at the frame's ip (so that _start, which has none,
 * ends a stack quietly).  That answer is recognised and treated as none.
 */
static bool _stack_proc_info(unw_cursor_t *cursor, uint64_t ip, unw_proc_info_t *pi)
{
	if (unw_get_proc_info(cursor, pi) < 0 || pi->start_ip == 0)
		return false;
	return !(pi->start_ip == ip && pi->end_ip == ip + 1);
}

/*
 * Whether the symbol libunwind found (ip - off) is the function holding
 * ip.  In a stripped module only .dynsym is left, and libunwind answers
 * with the nearest exported symbol below ip however far it is: a static
 * function of ld.so comes out as "_dl_catch_error+30663".  The unwind
 * tables know where functions start and end: with unwind information for
 * ip, the symbol must start where ip's function does; without (_start,
 * glibc's clone), it must at least not be a function that the tables say
 * ends before ip.  A symbol that fails is not the frame's name, and the
 * frame is better described by its module offset.
 */
static bool _stack_symbol_fits(struct stack_proc *sp, unw_cursor_t *cursor, uint64_t ip,
                               unw_word_t off)
{
	unw_proc_info_t pi;
	uint64_t start = ip - off;

	if (_stack_proc_info(cursor, ip, &pi))
		return start == pi.start_ip;
	if (unw_get_proc_info_by_ip(sp->as, start, &pi, _stack_cur ? _stack_cur->upt : NULL) == 0 &&
	    pi.start_ip == start && pi.end_ip <= ip)
		return false;
	return true;
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
	if (sp_maps_locate(st->maps, sp->pid, ip, &e->module, &e->module_off) < 0)
		e->module = NULL;
	if (st->symbols) {
		st->stats.sym_lookups++;
		rc = unw_get_proc_name(cursor, name, sizeof(name), &off);
	} else {
		rc = -UNW_ENOINFO;
	}
	/* UNW_ENOMEM: the name was cut to fit, still the best name there is. */
	if ((rc == 0 || rc == -UNW_ENOMEM) && _stack_symbol_fits(sp, cursor, ip, off)) {
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
	/* Always with the module: static completion places frames by module and offset. */
	if (module)
		rc |= _obj_set(f, "module_off", json_integer((json_int_t)sym->module_off));
	if (rc) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/*
 * Appends the frames from cursor on to frames, up to the limit; *n counts
 * them.  Returns the last unw_step result (0 at the outermost frame,
 * negative when unwinding failed), or -UNW_ENOMEM.
 */
static int _stack_walk(struct sp_stack *st, struct stack_proc *sp, unw_cursor_t *cursor,
                       json_t *frames, int *n)
{
	int rc;

	do {
		unw_word_t ip;
		json_t *f;

		if (unw_get_reg(cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
			return 0;
		f = _stack_frame(st, sp, cursor, (uint64_t)ip);
		if (!f || json_array_append_new(frames, f) < 0)
			return -UNW_ENOMEM;
		if (++*n >= SP_STACK_MAX_FRAMES)
			return 0;
		st->cap.guessed = false;
		rc = unw_step(cursor);
		/*
		 * A step from code without unwind information goes by guesswork
		 * (libunwind takes %rbp for a frame pointer): right through code
		 * that keeps one (V8's builtins in node), anything in code that
		 * does not (busybox).  A guess that lands outside every mapping
		 * is no frame, and the stack ends there.
		 */
		if (rc > 0 && st->cap.guessed &&
		    (unw_get_reg(cursor, UNW_REG_IP, &ip) < 0 ||
		     !sp_maps_module(st->maps, sp->pid, (uint64_t)ip)))
			return 0;
	} while (rc > 0);
	return rc;
}

/*
 * Whether unwinding can restart above the innermost frame as a leaf: code
 * without unwind information that has not touched the stack, so the
 * return address is the word at the stack pointer.  That is glibc's clone
 * and clone3, which end their unwind information just before the syscall
 * on purpose (the new thread must not unwind into its creator).  The word
 * is only taken when it points into code with unwind information, i.e.
 * when it looks like what it must be.
 */
static bool _stack_leaf_restart(struct stack_proc *sp, struct capture *c, unw_cursor_t *first,
                                unw_cursor_t *cursor)
{
	unw_proc_info_t pi;
	unw_word_t ip, spv, ret;

	if (unw_get_reg(first, UNW_REG_IP, &ip) < 0 || _stack_proc_info(first, ip, &pi) ||
	    unw_get_reg(first, UNW_REG_SP, &spv) < 0 ||
	    _acc_access_mem(sp->as, spv, &ret, 0, c->upt) < 0 || ret == 0)
		return false;
	c->override = true;
	c->ip = ret;
	c->sp = spv + sizeof(ret);
	if (unw_init_remote(cursor, sp->as, c->upt) < 0 || !_stack_proc_info(cursor, ret, &pi)) {
		c->override = false;
		return false;
	}
	return true;
}

/* Unwinds thread tid afresh into a new array, logging what it read in c->log; NULL on failure. */
static json_t *_stack_unwind(struct sp_stack *st, struct stack_proc *sp, struct capture *c,
                             pid_t tid)
{
	unw_cursor_t first, cursor;
	json_t *frames = NULL;
	int n = 0, rc;

	c->upt = _stack_upt(st, sp, tid);
	if (!c->upt)
		return NULL;
	c->proc = sp;
	c->maps = st->maps;
	c->override = false;
	c->log.regs = 0;
	c->log.nwords = 0;
	c->log.overflow = false;
	for (unsigned int i = 0; i < SP_STACK_PAGES; i++)
		c->pages[i].valid = false;
	_stack_cur = c;
	if (unw_init_remote(&first, sp->as, c->upt) < 0)
		goto fail;
	frames = json_array();
	if (!frames)
		goto fail;
	cursor = first;
	rc = _stack_walk(st, sp, &cursor, frames, &n);
	if (rc == -UNW_ENOMEM)
		goto fail;
	if (n == 1 && rc <= 0 && _stack_leaf_restart(sp, c, &first, &cursor)) {
		st->stats.leaf_restarts++;
		if (_stack_walk(st, sp, &cursor, frames, &n) == -UNW_ENOMEM)
			goto fail;
	}
	_stack_cur = NULL;
	if (n == 0) {
		json_decref(frames);
		return NULL;
	}
	return frames;
fail:
	_stack_cur = NULL;
	json_decref(frames);
	return NULL;
}

/*
 * The stack of tid, stopped at ip with stack pointer sp; c->regs holds its
 * registers when have_regs.  From the call-path cache when the path's
 * evidence holds, else unwound and kept.
 */
static json_t *_stack_capture(struct sp_stack *st, pid_t pid, pid_t tid, uint64_t ip, uint64_t sp,
                              bool have_regs)
{
	struct capture *c = &st->cap;
	struct stack_proc *proc;
	bool need_regs;
	json_t *frames;

	proc = _stack_proc(st, pid);
	if (!proc)
		return NULL;
	c->tid = tid;
	frames = sp_path_lookup(proc->paths, &c->mem, tid, ip, sp, have_regs ? &c->regs : NULL,
	                        &need_regs);
	if (!frames && !have_regs) {
		/* Fails unless tid is our tracee and stopped: nothing to unwind then. */
		if (ptrace(PTRACE_GETREGS, tid, NULL, &c->regs) < 0)
			return NULL;
		if (need_regs)
			frames =
			    sp_path_lookup(proc->paths, &c->mem, tid, ip, sp, &c->regs, &need_regs);
	}
	if (frames) {
		st->stats.path_hits++;
	} else {
		frames = _stack_unwind(st, proc, c, tid);
		if (!frames)
			return NULL;
		st->stats.path_misses++;
		/* A path not kept (no memory) is only unwound again next time. */
		(void)sp_path_store(proc->paths, &c->regs, &c->log, frames);
	}
	st->stats.captures++;
	st->stats.frames += (unsigned long)json_array_size(frames);
	return frames;
}

json_t *sp_stack_capture(struct sp_stack *st, pid_t pid, pid_t tid)
{
	struct capture *c = &st->cap;

	/* Fails unless tid is our tracee and stopped: nothing to unwind then. */
	if (ptrace(PTRACE_GETREGS, tid, NULL, &c->regs) < 0)
		return NULL;
	return _stack_capture(st, pid, tid, c->regs.rip, c->regs.rsp, true);
}

json_t *sp_stack_capture_at(struct sp_stack *st, pid_t pid, pid_t tid, uint64_t ip, uint64_t sp)
{
	return _stack_capture(st, pid, tid, ip, sp, false);
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
	out->paths = 0;
	out->eh_tables = 0;
	for (size_t i = 0; i < st->nprocs; i++) {
		out->paths += sp_path_cache_size(st->procs[i]->paths);
		out->eh_tables += sp_stack_eh_tables(st->procs[i]->eh);
	}
}
