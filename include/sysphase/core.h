/* SPDX-License-Identifier: MIT */
/*
 * sysphase core: trace events, diagnostics, syscall names and threat levels, JSON positions.
 * Everything the other libraries share.
 */
#ifndef SYSPHASE_CORE_H
#define SYSPHASE_CORE_H

/*
 * Diagnostics from library code.  Libraries never print: they fill an
 * sp_diag with one line ("file:line:col: what is wrong", or just "what is
 * wrong") and return -errno; the CLI decides how to show it.
 */

#include <stddef.h>
#include <stdlib.h>

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
	SP_EV_FORK,        /* a new process (fork, vfork, clone without CLONE_THREAD) */
	SP_EV_CLONE,       /* a new thread in an existing process */
	SP_EV_EXEC,        /* a successful execve/execveat completed */
	SP_EV_SIGNAL,      /* a signal delivered to a thread */
	SP_EV_EXIT,        /* a thread or process ended */
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
	long nr;          /* as the ABI numbers it (x32 with its 0x40000000 bit) */
	const char *name; /* NULL when libseccomp does not know the number */
	uint64_t args[SP_MAX_ARGS];
	bool has_exit;    /* false with --no-exit or when the thread died in it */
	int64_t ret;      /* raw return value, meaningful when has_exit */
	int err;          /* errno (positive) when ret is in [-4095, -1], else 0 */
	const char *site; /* call-site module (basename) or NULL */
	json_t *dec;      /* decoded arguments, object keyed by argument name; owned */
	json_t *stack;    /* array of frames with --stack, else NULL; owned */

	/* SP_EV_FORK / SP_EV_CLONE */
	pid_t child;     /* the new tid (== new pid for FORK) */
	const char *via; /* "fork", "vfork", "clone", "clone3" */

	/* SP_EV_EXEC */
	const char *path; /* the executable */
	pid_t former_tid; /* the thread that called exec, when not the leader */

	/* SP_EV_SIGNAL */
	int signo;

	/* SP_EV_EXIT */
	bool whole_process; /* the last thread of the process went away */
	bool killed;        /* ended by a signal (signo says which); for SP_EV_SYSCALL: a
	                       seccomp filter killed the thread in this call (no exit) */
	int status;         /* exit status when !killed */

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

/*
 * The ABI of a syscall from the AUDIT_ARCH reported by PTRACE_GET_SYSCALL_INFO
 * and its number: x32 calls are x86-64 calls with bit 0x40000000 set.
 */
enum sp_abi sp_abi_classify(uint32_t audit_arch, long nr);

/*
 * The name of syscall nr under abi (x32 numbers with their 0x40000000
 * bit), or NULL when libseccomp has none: a constant string from tables
 * generated from libseccomp at build time (core/gen/syscalls.c).
 */
const char *sp_syscall_name(enum sp_abi abi, long nr);

/* The x86-64 number of name, or -ENOENT when libseccomp does not know it. */
long sp_syscall_nr(const char *name);

/*
 * The known x86-64 syscall name closest to name (edit distance), for
 * "did you mean" messages.  Constant; NULL when nothing is close.
 */
const char *sp_syscall_suggest(const char *name);

/*
 * Constant tables: one per kind of name (errno, signals, open flags...),
 * generated at build time by core/gen/xlat.sh from the lists in
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
	const char *kind;                    /* the list's name: "open_flags" */
	const struct sp_xlat_entry *entries; /* printed and parsed, in the list's order */
	size_t n;
	const struct sp_xlat_entry *aliases; /* other spellings: parsed, never printed */
	size_t naliases;
};

/* One per list core/xlat/<kind>.in. */
enum sp_xlat_kind {
	SP_XLAT_ERRNO,
	SP_XLAT_SIGNALS,
	SP_XLAT_ACCESS_MODE,
	SP_XLAT_ARCH_PRCTL,
	SP_XLAT_AT_ACCESS_FLAGS,
	SP_XLAT_AT_FLAGS,
	SP_XLAT_CLOCKID,
	SP_XLAT_CLONE_FLAGS,
	SP_XLAT_EFD_FLAGS,
	SP_XLAT_EPOLL_EVENTS,
	SP_XLAT_EPOLL_OP,
	SP_XLAT_FCNTL_CMD,
	SP_XLAT_FCNTL_FD_FLAGS,
	SP_XLAT_FCNTL_LEASE,
	SP_XLAT_FCNTL_SEALS,
	SP_XLAT_FD_FLAGS,
	SP_XLAT_FLOCK_OP,
	SP_XLAT_FUTEX_CMD,
	SP_XLAT_FUTEX_FLAGS,
	SP_XLAT_GRND_FLAGS,
	SP_XLAT_IOCTL_REQ,
	SP_XLAT_IP_OPTS,
	SP_XLAT_IPV6_OPTS,
	SP_XLAT_MADVISE,
	SP_XLAT_MAP_FLAGS,
	SP_XLAT_MAP_HUGE,
	SP_XLAT_MAP_TYPE,
	SP_XLAT_MOUNT_FLAGS,
	SP_XLAT_MREMAP_FLAGS,
	SP_XLAT_MSG_FLAGS,
	SP_XLAT_OPEN_ACCMODE,
	SP_XLAT_OPEN_FLAGS,
	SP_XLAT_PRCTL_OPTION,
	SP_XLAT_PROT,
	SP_XLAT_RENAME_FLAGS,
	SP_XLAT_RESOLVE_FLAGS,
	SP_XLAT_RLIMIT,
	SP_XLAT_SA_FLAGS,
	SP_XLAT_SECCOMP_FLAGS,
	SP_XLAT_SECCOMP_OP,
	SP_XLAT_SEEK_WHENCE,
	SP_XLAT_SHUTDOWN_HOW,
	SP_XLAT_SIGMASK_HOW,
	SP_XLAT_SO_OPTS,
	SP_XLAT_SOCK_DOMAIN,
	SP_XLAT_SOCK_FLAGS,
	SP_XLAT_SOCK_TYPE,
	SP_XLAT_SOCKOPT_LEVEL,
	SP_XLAT_TCP_OPTS,
	SP_XLAT_TIMER_FLAGS,
	SP_XLAT_UMOUNT_FLAGS,
	SP_XLAT_WAIT_OPTIONS,
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

/*
 * The address family (AF_*) of a socket whose protocol the kernel names
 * proto (the "system.sockprotoname" attribute of a socket fd: "TCP",
 * "UDPv6", "UNIX-STREAM", "NETLINK"...), or -1 for a name not listed.
 */
int sp_sock_proto_family(const char *proto);

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
 * What each argument of a decoded syscall is: its name (the man page's),
 * its kind, and the argument its meaning depends on.  One table, for the
 * x86-64 ABI only: the tracer's decoder prints arguments from it, and the
 * rules loader checks argument names and finds their registers in it, so
 * a rule can only name what the decoder writes.
 */

enum sp_arg_kind {
	SP_ARG_INT,        /* int: sign-extended from 32 bits */
	SP_ARG_UINT,       /* unsigned int */
	SP_ARG_LONG,       /* long, off_t, size_t: the 64 bits */
	SP_ARG_HEX,        /* a number best read in hex (masks, magic values) */
	SP_ARG_PTR,        /* a pointer not followed: hex */
	SP_ARG_PATH,       /* NUL-terminated path */
	SP_ARG_STRING,     /* NUL-terminated string that is not a path */
	SP_ARG_FD,         /* int fd */
	SP_ARG_DIRFD,      /* fd or AT_FDCWD */
	SP_ARG_OPEN_FLAGS, /* access mode and open flags */
	SP_ARG_OPEN_MODE,  /* mode of open/openat: only with O_CREAT or O_TMPFILE (ref = flags) */
	SP_ARG_MODE,       /* mode_t, octal */
	SP_ARG_OPEN_HOW,   /* struct open_how of openat2 */
	SP_ARG_FD_FLAGS,   /* O_CLOEXEC, O_NONBLOCK... without an access mode */
	SP_ARG_EFD_FLAGS,
	SP_ARG_PROT,
	SP_ARG_MAP_FLAGS, /* mapping type, flags and huge page size */
	SP_ARG_MREMAP_FLAGS,
	SP_ARG_MADVISE,
	SP_ARG_CLONE_FLAGS, /* flags, and the exit signal in the low byte */
	SP_ARG_CLONE_ARGS,  /* struct clone_args of clone3 (ref = its size) */
	SP_ARG_SOCK_DOMAIN,
	SP_ARG_SOCK_TYPE,  /* type and SOCK_NONBLOCK/SOCK_CLOEXEC */
	SP_ARG_SOCK_FLAGS, /* accept4 */
	SP_ARG_SOCKADDR,   /* ref = the length argument */
	SP_ARG_SOCKOPT_LEVEL,
	SP_ARG_SOCKOPT_NAME, /* ref = the level */
	SP_ARG_SOCKOPT_VAL,  /* ref = the length; an int is shown as its value */
	SP_ARG_MSG_FLAGS,
	SP_ARG_SHUTDOWN_HOW,
	SP_ARG_PRCTL_OPTION,
	SP_ARG_PRCTL_ARG, /* ref = the option */
	SP_ARG_ARCH_PRCTL,
	SP_ARG_FCNTL_CMD,
	SP_ARG_FCNTL_ARG, /* ref = the command */
	SP_ARG_IOCTL_REQ,
	SP_ARG_SIGNAL,
	SP_ARG_SIGMASK_HOW,
	SP_ARG_SIGSET,    /* a kernel sigset_t pointer */
	SP_ARG_SIGACTION, /* a struct kernel_sigaction pointer */
	SP_ARG_EPOLL_OP,
	SP_ARG_EPOLL_EVENT, /* a struct epoll_event pointer */
	SP_ARG_ACCESS_MODE,
	SP_ARG_AT_FLAGS,
	SP_ARG_AT_ACCESS_FLAGS,
	SP_ARG_RENAME_FLAGS,
	SP_ARG_ARGV,
	SP_ARG_SEEK_WHENCE,
	SP_ARG_WAIT_OPTIONS,
	SP_ARG_GRND_FLAGS,
	SP_ARG_RLIMIT,
	SP_ARG_FUTEX_OP, /* command and flags */
	SP_ARG_CLOCKID,
	SP_ARG_TIMER_FLAGS,
	SP_ARG_MOUNT_FLAGS,
	SP_ARG_UMOUNT_FLAGS,
	SP_ARG_SECCOMP_OP,
	SP_ARG_SECCOMP_FLAGS,
	SP_ARG_FLOCK_OP,
	SP_ARG_RESOLVE_FLAGS, /* a field of struct open_how */
	SP_ARG_KIND_COUNT
};

/* What only the exit knows. */
enum sp_exit_kind {
	SP_EXIT_NONE = 0,
	SP_EXIT_CWD,      /* getcwd: arg xa holds ret bytes, NUL included */
	SP_EXIT_LINK,     /* readlink(at): arg xa holds ret bytes, no NUL */
	SP_EXIT_FD_PAIR,  /* arg xa points to two fds */
	SP_EXIT_SOCKADDR, /* arg xa points to a sockaddr, arg xb to its length */
	SP_EXIT_WSTATUS,  /* arg xa points to a wait status */
};

/* Whether the return value is a new fd worth describing. */
enum sp_ret_fd {
	SP_RET_FD_NO = 0,
	SP_RET_FD_YES,
	SP_RET_FD_FCNTL_DUP, /* only for F_DUPFD and F_DUPFD_CLOEXEC */
};

struct sp_arg_spec {
	const char *name; /* NULL past the last argument */
	uint8_t kind;     /* enum sp_arg_kind */
	int8_t ref;       /* index of the argument this one's meaning depends on, or -1 */
};

struct sp_syscall_spec {
	const char *name;
	struct sp_arg_spec args[SP_MAX_ARGS];
	uint8_t exit;   /* enum sp_exit_kind */
	int8_t xa, xb;  /* the arguments the exit decodes */
	uint8_t ret_fd; /* enum sp_ret_fd */
};

/*
 * A field of a struct an argument points to that the decoder prints under
 * the argument's key (clone3's cl_args.flags), so rules may name it like
 * an argument ("flags" of clone3 is clone's "flags").
 */
struct sp_arg_field {
	const char *name; /* the field, and the name rules use */
	uint8_t kind;     /* enum sp_arg_kind of the field */
};

/* The spec of an x86-64 syscall by name, or NULL when the decoder has none. */
const struct sp_syscall_spec *sp_syscall_spec(const char *name);

/* Spec i in name order, NULL past the end: for checking rules against every syscall. */
const struct sp_syscall_spec *sp_syscall_spec_at(size_t i);

/* The index of the argument called arg, or -ENOENT. */
int sp_syscall_arg_index(const struct sp_syscall_spec *s, const char *arg);

/* The fields the decoder prints for a struct kind (SP_ARG_CLONE_ARGS...), NULL-name terminated;
 * NULL if none. */
const struct sp_arg_field *sp_arg_fields(enum sp_arg_kind kind);

/*
 * Whether an argument of this kind is a value in its register (a number,
 * flags, an fd) rather than a pointer to what the decoder shows (a path, a
 * struct): only then can a rule test its register.
 */
bool sp_arg_in_register(enum sp_arg_kind kind);

/*
 * The register as the kernel reads an argument of this kind: an int is
 * its low 32 bits sign-extended, an unsigned int its low 32 bits, anything
 * else all 64.  The decoder prints this value and rules test it.
 */
uint64_t sp_arg_value(enum sp_arg_kind kind, uint64_t reg);

/*
 * The symbolic rendering of a flag or enumeration kind (open flags with
 * their access mode, mmap's type and huge page size, clone's exit signal,
 * a signal...) into buf; NULL for kinds that are not symbolic or whose
 * meaning depends on another argument.  Unknown bits appear in hex.
 */
char *sp_arg_format(enum sp_arg_kind kind, uint64_t v, char *buf, size_t n);

/*
 * The inverse: "O_WRONLY|O_CREAT|0x40" as a kind prints it, into *v.  For
 * kinds sp_arg_format does not render, any table's names are accepted.
 * 0, or -ENOENT with the unknown token at s + *bad_off (*bad_len bytes).
 */
int sp_arg_parse(enum sp_arg_kind kind, const char *s, uint64_t *v, size_t *bad_off,
                 size_t *bad_len);

/* A name of kind's table(s) close to name, for "did you mean"; NULL when none is. */
const char *sp_arg_suggest(enum sp_arg_kind kind, const char *name);

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
 * Calls the figure predates and no classic call stands for, rated by
 * sysphase with a reason (io_uring_*: level 1, its ring operations are
 * invisible to seccomp): sp_threat_reason() gives the reason (static),
 * NULL for every other call; entry i is sp_threat_addition(i, &level).
 */
const char *sp_threat_reason(const char *name);
const char *sp_threat_addition(size_t i, int *level);

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

/*
 * Output files, written the way `cp` or a shell redirect writes them.
 * Every file sysphase writes for the user goes through these.
 *
 *   default            a regular file (or a new one) is written to a
 *                      temporary file next to it and renamed over it at
 *                      commit: readers see the old file or the new one,
 *                      never half of one, and a failure leaves the old
 *                      one; a replaced file keeps its permissions.  A
 *                      symlink to a regular file has its target replaced
 *                      (the link stays).  A character device, FIFO or
 *                      dangling symlink is opened and written through, as
 *                      the shell would (`-o /dev/null` stays a device).
 *   SP_OUTPUT_STREAM   always written through (O_TRUNC), as a shell
 *                      redirection would (a trace is not: it grows under
 *                      a temporary name and is renamed when recording
 *                      succeeds, see sp_trace_writer_create);
 *   SP_OUTPUT_APPEND   written through, appended (O_APPEND).
 * "-" is stdout (flushed at commit, never closed).  A directory is
 * -EISDIR.  Errors fill diag with "cannot write PATH: reason".
 */

#include <stdio.h>

enum {
	SP_OUTPUT_STREAM = 1u << 0,
	SP_OUTPUT_APPEND = 1u << 1,
};

struct sp_output;

/* 0 or -errno; *out is the caller's until sp_output_commit() or sp_output_abort(). */
int sp_output_open(const char *path, unsigned flags, struct sp_output **out, struct sp_diag *diag);

/* The stream to write to (borrowed). */
FILE *sp_output_stream(const struct sp_output *o);

/* The temporary file an atomic output is written to until its commit, or NULL. */
const char *sp_output_temp_path(const struct sp_output *o);

/*
 * Flushes (and for a replacement fsyncs and renames into place): 0, or
 * -errno with diag saying so (a full disk is an error, never a short
 * file).  Frees o either way.
 */
int sp_output_commit(struct sp_output *o, struct sp_diag *diag);

/* Drops what was written to a temporary file (a written-through output keeps it); frees o. */
void sp_output_abort(struct sp_output *o);

/*
 * qsort() for arrays that may be empty: C declares its base non-null, and
 * an empty array here is often a NULL pointer (UBSan reports the call).
 */
static inline void sp_qsort(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* bsearch() for arrays that may be empty (NULL): not found, as it should be. */
static inline void *sp_bsearch(const void *key, const void *base, size_t n, size_t size,
                               int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif /* SYSPHASE_CORE_H */
