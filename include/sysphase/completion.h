/* SPDX-License-Identifier: MIT */
/*
 * sysphase completion: static facts of ELF modules and the hybrid
 * completion of a phase from the code it was seen executing.
 *
 * A recorded trace only holds the syscalls one workload made; the facts
 * say what else the same code can reach.  Per module (the program and
 * every library it maps), computed once and cached by build-id:
 *   - function bounds: symbols where present, else .eh_frame FDEs (Debian
 *     strips its binaries; libc's internal functions have no names);
 *   - the direct call graph from disassembly (Capstone): call rel32, and
 *     jmp/jcc that leave their function (tail calls, .cold parts); PLT
 *     stubs and call/jmp [rip+GOT] become imports, resolved by name to the
 *     library exporting the symbol;
 *   - the syscalls each function makes: `syscall` with a constant eax
 *     (simple register copies tracked), calls to libc's syscall() with a
 *     constant edi.  Sites whose number is not constant are counted.
 * Indirect calls are never followed: a function pointer is how an
 * exploit reaches execve, and how a filter keeps it from doing so.
 */
#ifndef SYSPHASE_COMPLETION_H
#define SYSPHASE_COMPLETION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sysphase/core.h"

/* The facts of one module; immutable once made. */
struct sp_facts;

/*
 * The facts of the ELF file at path.  cache_dir: where facts are cached
 * by build-id; NULL for the default ($XDG_CACHE_HOME/sysphase, else
 * ~/.cache/sysphase), "" for no cache.  A cache entry that does not parse
 * strictly (wrong version, build-id, types, indices) is ignored,
 * recomputed and replaced; failing to write the cache is not an error.
 * 0, -ENOENT/-EACCES (no such file), -ENOEXEC (not an x86-64 ELF file),
 * -ENOMEM.  *out is the caller's (sp_facts_free).
 */
int sp_facts_load(const char *path, const char *cache_dir, struct sp_facts **out,
                  struct sp_diag *diag);
void sp_facts_free(struct sp_facts *f);

/* Whether f came from the cache rather than from disassembly. */
bool sp_facts_cached(const struct sp_facts *f);

/* The GNU build-id in hex, "" when the module has none (then it is never cached). */
const char *sp_facts_build_id(const struct sp_facts *f);

struct sp_func {
	uint64_t start, end; /* link-time virtual addresses, end exclusive */
	const char *name;    /* symbol, NULL when only an FDE marks it; owned by f */
};

size_t sp_facts_nfuncs(const struct sp_facts *f);
/* Function i (< sp_facts_nfuncs); functions are sorted and do not overlap. */
void sp_facts_func(const struct sp_facts *f, size_t i, struct sp_func *out);
/* The index of the function holding vaddr, -ENOENT when none does. */
long sp_facts_func_at(const struct sp_facts *f, uint64_t vaddr);
/* The index of the function a symbol of this name starts (exported or not), or -ENOENT. */
long sp_facts_func_named(const struct sp_facts *f, const char *name);
/* The index of the function exported (.dynsym, defined) under name, or -ENOENT. */
long sp_facts_export(const struct sp_facts *f, const char *name);

/* The link-time address of file offset off (a stack frame's module_off); -ENOENT outside code. */
int sp_facts_vaddr(const struct sp_facts *f, uint64_t off, uint64_t *vaddr);

/* A call edge: a function of the same module, or an import by name. */
struct sp_callee {
	long local;         /* function index, -1 for an import */
	const char *import; /* symbol name when local < 0; owned by f */
};

size_t sp_facts_ncallees(const struct sp_facts *f, size_t fn);
void sp_facts_callee(const struct sp_facts *f, size_t fn, size_t k, struct sp_callee *out);
/* The callee of the call instruction that returns to retaddr; -ENOENT when not a direct call. */
int sp_facts_call_at(const struct sp_facts *f, uint64_t retaddr, struct sp_callee *out);

/* Syscall numbers (x86-64) function fn makes with a constant number, each once, sorted. */
size_t sp_facts_nsyscalls(const struct sp_facts *f, size_t fn);
long sp_facts_syscall(const struct sp_facts *f, size_t fn, size_t k);
/* Sites in fn whose number is not constant (syscall insn or syscall() call). */
unsigned int sp_facts_unresolved(const struct sp_facts *f, size_t fn);

/* DT_NEEDED entries, in order. */
size_t sp_facts_nneeded(const struct sp_facts *f);
const char *sp_facts_needed(const struct sp_facts *f, size_t k);

struct sp_facts_stats {
	size_t funcs;           /* functions */
	size_t named;           /* of which with a symbol */
	size_t calls;           /* call edges (local and imports) */
	size_t syscall_sites;   /* syscall instructions and syscall() calls */
	size_t unresolved;      /* of which with no constant number */
	size_t unknown_targets; /* direct branches into no known function (mostly ifunc PLT
	                         * stubs such as memcpy's, which have no symbol) */
};
void sp_facts_get_stats(const struct sp_facts *f, struct sp_facts_stats *out);

/*
 * Completion of phases from recorded stacks.  A session holds the modules
 * of one traced program (loaded on demand, located by name); per process,
 * stacks are added with the phase they were recorded in, then
 * sp_scope_complete says, per phase, which syscalls the code seen there
 * reaches by direct calls and through which chain.
 */
struct sp_completion;

struct sp_completion_opts {
	const char *cache_dir;          /* as for sp_facts_load */
	const char *const *search_dirs; /* where libraries are looked for by name; NULL: the
	                                 * system's (/lib/x86_64-linux-gnu, /usr/lib/...) */
	size_t n_search_dirs;
};

/* NULL on ENOMEM.  opts may be NULL; its strings are copied. */
struct sp_completion *sp_completion_new(const struct sp_completion_opts *opts);
void sp_completion_free(struct sp_completion *c);

/*
 * The facts of a module named as in a trace: a path (the program, from
 * its exec event) or a basename looked up in the search directories and
 * among the paths already given.  Loaded once per session; borrowed.
 */
int sp_completion_module(struct sp_completion *c, const char *name, const struct sp_facts **out,
                         struct sp_diag *diag);

/* One process's stacks, grouped by phase. */
struct sp_scope;

/* program: the executable's path (exec event), borrowed for the scope's life.  NULL on ENOMEM. */
struct sp_scope *sp_scope_new(struct sp_completion *c, const char *program);
void sp_scope_free(struct sp_scope *s);

/*
 * Adds the stack of one recorded syscall in phase (copied): the trace's
 * frames, innermost first, each with "module" and "module_off".  Frames
 * without them are skipped.  0 or -ENOMEM.
 */
int sp_scope_add_stack(struct sp_scope *s, const char *phase, const json_t *stack);

/*
 * A signal handler installed and in force in phase: the function that
 * starts at module_off of module (a frame's basename and file offset).
 * Completion seeds it as it seeds the phase's frames.  0, -ENOENT when no
 * function of that module starts there (nothing is added), -ENOMEM.
 */
int sp_scope_add_handler(struct sp_scope *s, const char *phase, const char *module,
                         uint64_t module_off);

/*
 * Called once per (phase, syscall) reached.  why is a new object
 * {"module":..,"function"|"address":..,"chain":[...]} naming where the
 * syscall is made and the chain from a seed to it; the callee owns it.
 * A non-zero return stops the walk and is returned by sp_scope_complete.
 */
typedef int (*sp_complete_fn)(const char *phase, long nr, json_t *why, void *arg);

struct sp_scope_stats {
	size_t stop_nodes; /* common outer functions */
	size_t seeds;      /* seed functions, over all phases */
	size_t reached;    /* functions reached, over all phases */
	size_t unresolved; /* unresolved syscall sites in reached functions */
	size_t missing;    /* modules that could not be loaded */
};

/*
 * Stop nodes are the functions on the stacks of every phase of the
 * process (with one phase: on every stack); a phase's seeds are the
 * functions of its frames inside them plus the direct callee at each
 * return address; from the seeds, direct calls are followed (not into a
 * stop node, never through a pointer) and every constant syscall number
 * found is reported.  0, -ENOMEM, or the callback's non-zero value.
 */
int sp_scope_complete(struct sp_scope *s, sp_complete_fn fn, void *arg, struct sp_scope_stats *st,
                      struct sp_diag *diag);

/*
 * Completion of a whole trace: events go in as they are read (exec and
 * fork events say which program each process runs; syscall events with a
 * stack and a phase are the seeds), then sp_completer_finish reports what
 * each phase gains.
 */
struct sp_completer;

enum sp_completion_kind {
	SP_COMPLETE_ADD = 0,   /* reached, and allowed */
	SP_COMPLETE_HELD_BACK, /* reached, but dangerous: listed, not allowed */
	SP_COMPLETE_MEMORY,    /* the phase allocates: malloc may need the rest of the family */
	/* mmap/mprotect in a phase that allocates and maps no code: allowed only with
	 * (argument 2 & PROT_EXEC) == 0, W^X */
	SP_COMPLETE_MEMORY_NO_EXEC,
	/* mmap/mprotect reached in a phase that maps no code: allowed, W^X as above */
	SP_COMPLETE_ADD_NO_EXEC,
	/*
	 * clone reached: allowed only with CLONE_THREAD in its flags (argument
	 * 0).  A new thread holds its creator's filter and phase and gains no
	 * power (a lazily started thread pool: libuv's at the first file
	 * read); a new process is a fork, which stays held back.
	 */
	SP_COMPLETE_ADD_THREAD_ONLY,
};

/*
 * Dangerous if completed: threat levels 1-2 (sp_threat_level), what the
 * table leaves unrated but gives a process new powers (setuid family,
 * socket/connect/bind/listen, unlink, ptrace, module loading, namespaces,
 * memfd_create...), and mmap/mprotect/pkey_mprotect, whose PROT_EXEC a
 * static reading cannot rule out.
 */
bool sp_completion_dangerous(const char *name);

/* NULL on ENOMEM.  opts as for sp_completion_new. */
struct sp_completer *sp_completer_new(const struct sp_completion_opts *opts);
void sp_completer_free(struct sp_completer *k);

/* Takes one event (borrowed).  0 or -ENOMEM. */
int sp_completer_feed(struct sp_completer *k, const struct sp_event *ev);

/*
 * Called once per (phase, syscall name, kind); why as for sp_complete_fn
 * ({"reason": ...} for the memory kinds), stolen.  Non-zero stops.
 */
typedef int (*sp_completer_fn)(const char *phase, const char *name, enum sp_completion_kind kind,
                               json_t *why, void *arg);

struct sp_completer_stats {
	size_t processes;  /* processes with at least one stack */
	size_t stacks;     /* distinct stacks */
	size_t modules;    /* modules whose facts were loaded */
	size_t cached;     /* of which from the cache */
	size_t missing;    /* modules that could not be loaded */
	size_t unresolved; /* syscall sites without a constant number, in reached code */
	size_t added, held_back, memory;
	struct sp_scope_stats scope; /* summed over processes */
};

/*
 * Completes every process and reports what each phase reaches that the
 * phase did not make itself (observed calls are not reported again);
 * allow_dangerous reports dangerous calls as SP_COMPLETE_ADD.  0, -ENOMEM,
 * or the callback's value.
 */
int sp_completer_finish(struct sp_completer *k, bool allow_dangerous, sp_completer_fn fn, void *arg,
                        struct sp_completer_stats *st, struct sp_diag *diag);

/*
 * An sp_completer_fn that adds each report to the policy builder b
 * (struct sp_policy_builder *): reached calls as completed, dangerous ones
 * as held back, malloc's family as baseline, mmap/mprotect of a phase
 * that maps no code only without PROT_EXEC (W^X).  A name the policy
 * cannot hold is skipped.  0 or -ENOMEM.
 */
int sp_completion_to_builder(const char *phase, const char *name, enum sp_completion_kind kind,
                             json_t *why, void *b);

#endif /* SYSPHASE_COMPLETION_H */
