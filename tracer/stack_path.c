/* SPDX-License-Identifier: MIT */
/*
 * The call-path cache of the stack unwinder (stack_path.h says why a hit
 * is sound).  One direct-mapped table per process: bounded memory however
 * many paths a server walks, and a path evicted by a collision is simply
 * unwound again.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stack_path.h"

#define SP_PATH_SLOTS 256 /* per process; a power of two */
/*
 * Words this close together are read as one span: the kernel pins each
 * remote iovec's pages on its own, and a call path's return addresses
 * usually sit within a few hundred bytes.  Only the logged words of the
 * span are compared (the locals between them change at will).
 */
#define SP_PATH_SPAN  (SP_PATH_MAX_WORDS * 8)

/* A run of adjacent stack words the unwinder read. */
struct path_run {
	uint64_t addr;
	uint32_t len; /* bytes */
};

struct path_entry {
	json_t *frames; /* NULL: the slot is empty */
	uint64_t ip, sp;
	uint32_t regs;
	uint64_t regval[SP_PATH_NREGS];
	struct path_run *runs; /* what to read (one run, mostly) */
	size_t nruns;
	size_t bytes;   /* their total length, at most SP_PATH_SPAN */
	uint64_t *vals; /* the words the unwinder read ... */
	uint32_t *offs; /* ... and where each is in what the runs read */
	size_t nvals;
};

struct sp_path_cache {
	struct path_entry slots[SP_PATH_SLOTS];
	size_t used;
};

/* libunwind's x86-64 register numbers to the kernel's user_regs_struct. */
static const size_t _path_reg_off[SP_PATH_NREGS] = {
    offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rdx),
    offsetof(struct user_regs_struct, rcx), offsetof(struct user_regs_struct, rbx),
    offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
    offsetof(struct user_regs_struct, rbp), offsetof(struct user_regs_struct, rsp),
    offsetof(struct user_regs_struct, r8),  offsetof(struct user_regs_struct, r9),
    offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
    offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
    offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
    offsetof(struct user_regs_struct, rip),
};

bool sp_path_reg(const struct user_regs_struct *regs, int r, uint64_t *val)
{
	unsigned long long v;

	if (r < 0 || r >= SP_PATH_NREGS)
		return false;
	memcpy(&v, (const char *)regs + _path_reg_off[r], sizeof(v));
	*val = (uint64_t)v;
	return true;
}

struct sp_path_cache *sp_path_cache_new(void)
{
	return calloc(1, sizeof(struct sp_path_cache));
}

static void _path_entry_clear(struct path_entry *e)
{
	json_decref(e->frames);
	free(e->runs);
	free(e->vals);
	free(e->offs);
	memset(e, 0, sizeof(*e));
}

void sp_path_cache_free(struct sp_path_cache *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < SP_PATH_SLOTS; i++)
		_path_entry_clear(&pc->slots[i]);
	free(pc);
}

size_t sp_path_cache_size(const struct sp_path_cache *pc)
{
	return pc->used;
}

static size_t _path_slot(uint64_t ip, uint64_t sp)
{
	/* Fibonacci hashing; sp's low bits carry the depth, ip's the call site. */
	uint64_t h = (ip ^ (sp * 0x9E3779B97F4A7C15ULL)) * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 56) & (SP_PATH_SLOTS - 1);
}

/* Whether every register the unwinder read, other than ip and sp, still holds its value. */
static bool _path_regs_hold(const struct path_entry *e, const struct user_regs_struct *regs)
{
	for (int r = 0; r < SP_PATH_NREGS; r++) {
		if (r == SP_PATH_REG_SP || r == SP_PATH_REG_IP)
			continue; /* the key */
		uint64_t v;

		if ((e->regs & (1u << r)) && (!sp_path_reg(regs, r, &v) || v != e->regval[r]))
			return false;
	}
	return true;
}

/*
 * Whether every word the unwinder read still holds its value: a pread of
 * /proc/TID/mem per run (one, mostly), not process_vm_readv, which sleeps
 * on a userfaultfd page until SIGKILL.
 */
static bool _path_words_hold(const struct path_entry *e, struct sp_mem_handle *mem, pid_t tid)
{
	unsigned char now[SP_PATH_SPAN];
	size_t at = 0;

	if (e->nruns == 0)
		return true;
	for (size_t i = 0; i < e->nruns; i++) {
		if (sp_mem_handle_read(mem, tid, e->runs[i].addr, now + at, e->runs[i].len) < 0)
			return false;
		at += e->runs[i].len;
	}
	for (size_t i = 0; i < e->nvals; i++) {
		uint64_t v;

		memcpy(&v, now + e->offs[i], sizeof(v));
		if (v != e->vals[i])
			return false;
	}
	return true;
}

json_t *sp_path_lookup(struct sp_path_cache *pc, struct sp_mem_handle *mem, pid_t tid, uint64_t ip,
                       uint64_t sp, const struct user_regs_struct *regs, bool *need_regs)
{
	struct path_entry *e = &pc->slots[_path_slot(ip, sp)];
	uint32_t key_regs = (1u << SP_PATH_REG_SP) | (1u << SP_PATH_REG_IP);

	*need_regs = false;
	if (!e->frames || e->ip != ip || e->sp != sp)
		return NULL;
	if (e->regs & ~key_regs) {
		if (!regs) {
			*need_regs = true;
			return NULL;
		}
		if (!_path_regs_hold(e, regs))
			return NULL;
	}
	if (!_path_words_hold(e, mem, tid))
		return NULL;
	return json_incref(e->frames);
}

static int _path_cmp_addr(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * The logged words sorted by address, each once, with their values, and
 * what to read to check them: their span when it is short, else runs of
 * adjacent words.  0 or -ENOMEM.
 */
static int _path_runs(struct path_entry *e, const struct sp_path_log *log)
{
	uint64_t pairs[SP_PATH_MAX_WORDS][2];
	size_t n = 0, w = log->nwords ? log->nwords : 1;
	bool span;

	for (size_t i = 0; i < log->nwords; i++) {
		pairs[i][0] = log->addr[i];
		pairs[i][1] = log->val[i];
	}
	qsort(pairs, log->nwords, sizeof(pairs[0]), _path_cmp_addr);
	e->runs = calloc(w, sizeof(*e->runs));
	e->vals = calloc(w, sizeof(*e->vals));
	e->offs = calloc(w, sizeof(*e->offs));
	if (!e->runs || !e->vals || !e->offs)
		return -ENOMEM;
	span = log->nwords &&
	       pairs[log->nwords - 1][0] - pairs[0][0] <= SP_PATH_SPAN - sizeof(uint64_t);
	if (span) {
		e->runs[0] =
		    (struct path_run){pairs[0][0], (uint32_t)(pairs[log->nwords - 1][0] -
		                                              pairs[0][0] + sizeof(uint64_t))};
		e->nruns = 1;
		e->bytes = e->runs[0].len;
	}
	for (size_t i = 0; i < log->nwords; i++) {
		if (i && pairs[i][0] == pairs[i - 1][0])
			continue; /* read twice: the same word, the same value */
		if (span) {
			e->offs[n] = (uint32_t)(pairs[i][0] - pairs[0][0]);
		} else {
			if (e->nruns &&
			    e->runs[e->nruns - 1].addr + e->runs[e->nruns - 1].len == pairs[i][0])
				e->runs[e->nruns - 1].len += sizeof(uint64_t);
			else
				e->runs[e->nruns++] =
				    (struct path_run){pairs[i][0], sizeof(uint64_t)};
			e->offs[n] = (uint32_t)e->bytes;
			e->bytes += sizeof(uint64_t);
		}
		e->vals[n++] = pairs[i][1];
	}
	e->nvals = n;
	return 0;
}

int sp_path_store(struct sp_path_cache *pc, const struct user_regs_struct *regs,
                  const struct sp_path_log *log, json_t *frames)
{
	struct path_entry *e = &pc->slots[_path_slot(regs->rip, regs->rsp)];

	if (log->overflow)
		return 0;
	if (e->frames)
		pc->used--;
	_path_entry_clear(e);
	if (_path_runs(e, log) < 0) {
		_path_entry_clear(e);
		return -ENOMEM;
	}
	e->ip = regs->rip;
	e->sp = regs->rsp;
	e->regs = log->regs;
	for (int r = 0; r < SP_PATH_NREGS; r++)
		if (log->regs & (1u << r))
			sp_path_reg(regs, r, &e->regval[r]);
	e->frames = json_incref(frames);
	pc->used++;
	return 0;
}
