/* SPDX-License-Identifier: MIT */
/*
 * sysphase core: trace events, diagnostics, syscall names and threat levels, JSON positions.  Everything the other libraries share.
 */
#ifndef SYSPHASE_CORE_H
#define SYSPHASE_CORE_H

/*
 * Diagnostics from library code.  Libraries never print: they fill an
 * sp_diag with one line ("file:line:col: what is wrong", or just "what is
 * wrong") and return -errno; the CLI decides how to show it.
 */

#include <stddef.h>

struct sp_diag {
	char msg[1024];
};

/* printf-style; a NULL diag is allowed and ignored.  Returns -err for `return sp_diag_set(...)`. */
int sp_diag_set(struct sp_diag *diag, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a source position; line and col are 1-based, 0 meaning unknown. */
int sp_diag_at(struct sp_diag *diag, int err, const char *file, int line, int col, const char *fmt,
	       ...) __attribute__((format(printf, 6, 7)));

/*
 * One trace event, the unit every stage of sysphase passes along:
 * the tracer produces them, the trace writer serialises them, the trace
 * reader parses them back, and the phase detector consumes them.  Online
 * (inside `record`) and offline (on a trace file) the detector sees the
 * very same struct, which is what makes both segmentations agree.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

enum sp_event_type {
	SP_EV_SYSCALL = 0, /* one syscall, entry and exit merged */
	SP_EV_FORK,	   /* a new process (fork, vfork, clone without CLONE_THREAD) */
	SP_EV_CLONE,	   /* a new thread in an existing process */
	SP_EV_EXEC,	   /* a successful execve/execveat completed */
	SP_EV_SIGNAL,	   /* a signal delivered to a thread */
	SP_EV_EXIT,	   /* a thread or process ended */
};

/* The ABI a syscall was made through; x86-64 processes can use all three. */
enum sp_abi {
	SP_ABI_X86_64 = 0,
	SP_ABI_I386,
	SP_ABI_X32,
	SP_ABI_UNKNOWN,
};

#define SP_MAX_ARGS 6

struct sp_event {
	enum sp_event_type type;
	pid_t tid; /* thread that caused the event */
	pid_t pid; /* its process (tgid) */
	double ts; /* seconds since the trace started */

	/* SP_EV_SYSCALL */
	enum sp_abi abi;
	long nr;	  /* as the ABI numbers it (x32 with its 0x40000000 bit) */
	const char *name; /* NULL when libseccomp does not know the number */
	uint64_t args[SP_MAX_ARGS];
	bool has_exit; /* false with --no-exit or when the thread died in it */
	int64_t ret;	/* raw return value, meaningful when has_exit */
	int err;	/* errno (positive) when ret is in [-4095, -1], else 0 */
	const char *site; /* call-site module (basename) or NULL */
	json_t *dec;	  /* decoded arguments, object keyed by argument name; owned */
	json_t *stack;	  /* array of frames with --stack, else NULL; owned */

	/* SP_EV_FORK / SP_EV_CLONE */
	pid_t child;	     /* the new tid (== new pid for FORK) */
	const char *via;     /* "fork", "vfork", "clone", "clone3" */

	/* SP_EV_EXEC */
	const char *path;    /* the executable */
	pid_t former_tid;    /* the thread that called exec, when not the leader */

	/* SP_EV_SIGNAL */
	int signo;

	/* SP_EV_EXIT */
	bool whole_process;  /* the last thread of the process went away */
	bool killed;	     /* ended by a signal (signo says which) */
	int status;	     /* exit status when !killed */

	/* Set by the phase detector; NULL when no rules are in use. */
	const char *phase;
};

/* Names used in the trace for the ABIs, and back; unknown names give SP_ABI_UNKNOWN. */
const char *sp_abi_name(enum sp_abi abi);
enum sp_abi sp_abi_from_name(const char *name);
const char *sp_event_type_name(enum sp_event_type type);
int sp_event_type_from_name(const char *name); /* -EINVAL when unknown */

/*
 * Strings in an event are borrowed: they stay valid until its producer
 * (tracer or trace reader) makes its next event.  dec and stack are owned
 * references; this drops them and zeroes the struct.
 */
void sp_event_clear(struct sp_event *ev);

/*
 * Syscall names and numbers, resolved through libseccomp so that sysphase
 * carries no hand-written table that could drift from the kernel's.
 */


/* AUDIT_ARCH value of each ABI (x32 shares x86-64's and sets __X32_SYSCALL_BIT). */
uint32_t sp_abi_audit_arch(enum sp_abi abi);

/*
 * The ABI of a syscall from the AUDIT_ARCH reported by PTRACE_GET_SYSCALL_INFO
 * and its number: x32 calls are x86-64 calls with bit 0x40000000 set.
 */
enum sp_abi sp_abi_classify(uint32_t audit_arch, long nr);

/*
 * The name of syscall nr under abi, or NULL when libseccomp has none.
 * The string is interned: valid for the life of the program, never freed
 * by the caller.  Not thread-safe (the supervisor is single-threaded).
 */
const char *sp_syscall_name(enum sp_abi abi, long nr);

/* The x86-64 number of name, or -ENOENT when libseccomp does not know it. */
long sp_syscall_nr(const char *name);

/*
 * The known x86-64 syscall name closest to name (edit distance), for
 * "did you mean" messages.  Interned; NULL only when nothing is close.
 */
const char *sp_syscall_suggest(const char *name);

/*
 * Constant tables: one per kind of name (errno, signals, open flags...),
 * generated at build time by core/gen-xlat.sh from the lists in
 * core/xlat/, each compiled against the kernel UAPI or C library header it
 * names.  The decoder prints with them and the rules loader parses with the
 * very same tables, so a name the decoder writes is a name a rule can use.
 * Tables are constant; every function here is pure (no state, no locks).
 */

struct sp_xlat_entry {
	const char *name;
	uint64_t val;
};

struct sp_xlat {
	const char *kind;		      /* the list's name: "open_flags" */
	const struct sp_xlat_entry *entries; /* printed and parsed, in the list's order */
	size_t n;
	const struct sp_xlat_entry *aliases; /* other spellings: parsed, never printed */
	size_t naliases;
};

enum sp_xlat_kind {
	SP_XLAT_ERRNO,
	SP_XLAT_SIGNALS,
	SP_XLAT_KIND_COUNT
};

/* The table of a kind; NULL for a value outside the enumeration. */
const struct sp_xlat *sp_xlat_get(enum sp_xlat_kind kind);

/* The name of exactly val (the first entry listed), or NULL. */
const char *sp_xlat_name(const struct sp_xlat *x, uint64_t val);

/* The value of name, an entry or an alias: 0, or -ENOENT. */
int sp_xlat_value(const struct sp_xlat *x, const char *name, uint64_t *val);

/*
 * A flag word into buf (size n, always terminated, cut when too small):
 * every entry whose bits are all in v, in table order (so a multi-bit
 * entry listed first wins over the bits it contains), then what no entry
 * names in hex, joined by '|'.  v == 0 gives the table's zero-valued entry
 * (PROT_NONE, F_OK) or "0".  Returns buf.
 */
char *sp_xlat_format_flags(const struct sp_xlat *x, uint64_t v, char *buf, size_t n);

/* An enumerated value: its name, or v in decimal.  Returns buf. */
char *sp_xlat_format_enum(const struct sp_xlat *x, uint64_t v, char *buf, size_t n);

/*
 * The inverse of sp_xlat_format_flags: "A|B|0x40" (names of x, or numbers;
 * blanks around '|' allowed) into *val.  0, or -ENOENT with the unknown
 * token at s + *bad_off, *bad_len bytes long (either pointer may be NULL).
 */
int sp_xlat_parse_flags(const struct sp_xlat *x, const char *s, uint64_t *val, size_t *bad_off,
			size_t *bad_len);

/* The name of x closest to name, for "did you mean"; NULL when none is close. */
const char *sp_xlat_suggest(const struct sp_xlat *x, const char *name);

/*
 * Signal names, in one spelling everywhere: "SIGHUP" ... "SIGSYS", and the
 * real-time signals in the kernel's numbering, "SIGRT_<n>" for 32 + n (as
 * strace writes them; glibc's SIGRTMIN, 34, is SIGRT_2).  NULL for numbers
 * without a name; a real-time name is built in buf (size n).
 */
const char *sp_signal_name(int signo, char *buf, size_t n);

/* The number of a signal name as sp_signal_name spells it (or an alias: SIGIOT), or -ENOENT. */
int sp_signal_parse(const char *name);

/* The name of an errno value (kernel-internal ones included), or NULL. */
const char *sp_errno_name(int err);

/* The value of an errno name (or an alias: EWOULDBLOCK), or -ENOENT. */
int sp_errno_parse(const char *name);

/*
 * Edit distance (insertions, deletions, substitutions) between two names,
 * and the closest of a NULL-terminated list to s when it looks like a typo
 * of it (within a third of its length), else NULL.  The one "did you mean"
 * helper of sysphase.
 */
size_t sp_edit_distance(const char *a, const char *b);
const char *sp_nearest(const char *s, const char *const *names);

/*
 * Threat levels of syscalls, after Figure 1 of the thesis (Mussa, Malaiya
 * and Ray 2015), shipped as analysis/data/threat-model.json:
 *   1 full control of the system, 2 denial of service,
 *   3 subverting the invoking process, 4 harmless; 0 = not rated.
 * The table predates the *at, *2 and *3 calls; a modern variant gets the level
 * of its classic form (openat -> open, clone3 -> clone, ...), listed in
 * docs/policy-format.md.  "dup" is listed at levels 2 and 3: 2 wins.
 */

#include <stddef.h>

#define SP_THREAT_LEVELS 4

/* The level of a syscall name, 0 when the table does not rate it. */
int sp_threat_level(const char *name);

/*
 * The name the table rates it under: name itself when listed, its classic
 * form for a modern variant, NULL when not rated.  Static storage.
 */
const char *sp_threat_class(const char *name);

/* "Full control of the system" ... for levels 1-4, NULL otherwise. */
const char *sp_threat_level_name(int level);

/*
 * The compiled tables, for the test that checks them against the JSON:
 * entry i of the classic table is sp_threat_entry(i, &level) (NULL past
 * the end); variants likewise with their classic name.
 */
const char *sp_threat_entry(size_t i, int *level);
const char *sp_threat_variant(size_t i, const char **classic);

/*
 * Source positions of JSON values.  jansson reports where a syntax error
 * is but keeps no positions in the parsed tree, and rule validation needs
 * them for its "file:line:col" messages.  This scans the (already valid)
 * text once and maps each value's JSON pointer ("/transitions/3/when") to
 * the line and column where the value starts, and where its key starts.
 */

#include <stddef.h>

struct sp_jpos;

/* Indexes text (len bytes of valid JSON).  NULL on ENOMEM or if the scan fails. */
struct sp_jpos *sp_jpos_new(const char *text, size_t len);
void sp_jpos_free(struct sp_jpos *jp);

/*
 * Position of the value at pointer (key: of its member name instead);
 * 0 with the line and column set (1-based), or -ENOENT.  jp may be NULL.
 */
int sp_jpos_find(const struct sp_jpos *jp, const char *pointer, int key, int *line, int *col);

#endif /* SYSPHASE_CORE_H */
