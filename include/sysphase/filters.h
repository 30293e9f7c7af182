/* SPDX-License-Identifier: MIT */
/*
 * sysphase filters: libseccomp filters and the formats they are written in.
 */
#ifndef SYSPHASE_FILTERS_H
#define SYSPHASE_FILTERS_H

#include "sysphase/core.h"

/*
 * One seccomp filter from an allowlist, built with libseccomp and written
 * out in the formats people deploy.  Every filter here:
 *   - is a libseccomp context (never hand-made BPF);
 *   - is pinned to x86-64: i386 (`int 0x80`) and x32 (nr | 0x40000000)
 *     calls get the default action whatever the allowlist says;
 *   - compares arguments on all 64 bits (libseccomp's SCMP_CMP64 form).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/filter.h>
#include <seccomp.h>

/*
 * Architectures a filter can be built for (filters/arch.c).  Recordings
 * are x86-64; a filter for another architecture is built from the
 * recording's calls translated into that architecture's (open becomes
 * openat on aarch64, mmap gains mmap2 on 32-bit...) by one fact table with
 * a reason per entry (filters/arch_table.c), and every number comes from
 * libseccomp's resolver for that architecture.
 */
enum sp_arch {
	SP_ARCH_X86_64 = 0,
	SP_ARCH_AARCH64,
	SP_ARCH_I386,
	SP_ARCH_ARM,
	SP_ARCH_COUNT,
};

#define SP_ARCH_BIT(a) (1u << (a))

/* "x86_64", "aarch64", "i386", "arm"; NULL when out of range. */
const char *sp_arch_name(enum sp_arch a);

/* The OCI/Kubernetes spelling: "SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_X86",
 * "SCMP_ARCH_ARM". */
const char *sp_arch_oci(enum sp_arch a);

/* libseccomp's token (SCMP_ARCH_*). */
uint32_t sp_arch_scmp(enum sp_arch a);

/* The arch called name (also amd64, arm64, x86, armhf), or -EINVAL. */
int sp_arch_from_name(const char *name);

/* A comma-separated list as a set of SP_ARCH_BIT(); -EINVAL with diag for an unknown name. */
int sp_arches_parse(const char *list, unsigned *set, struct sp_diag *diag);

/*
 * Whether a filter for a can allow name: libseccomp resolves it to a real
 * call there (on i386 the socket and SysV IPC calls multiplexed through
 * socketcall and ipc count: libseccomp's rules cover both entries).
 */
bool sp_arch_has(enum sp_arch a, const char *name);

/* What a call outside the allowlist gets. */
enum sp_action {
	SP_ACTION_KILL = 0, /* SECCOMP_RET_KILL_PROCESS: the whole process dies of SIGSYS */
	SP_ACTION_ERRNO,    /* SECCOMP_RET_ERRNO with EPERM */
	SP_ACTION_LOG,      /* SECCOMP_RET_LOG: allowed, and logged by the kernel audit */
};

/* "kill", "errno", "log". */
const char *sp_action_name(enum sp_action a);

/* The action called name, or -EINVAL. */
int sp_action_from_name(const char *name);

/* The libseccomp action value (SCMP_ACT_*) of a. */
uint32_t sp_action_scmp(enum sp_action a);

/* OCI/Kubernetes spelling: "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG". */
const char *sp_action_oci(enum sp_action a);

/* Most values one argument condition may list (more means "no constraint"). */
#define SP_ARG_MAX_VALUES 16

/*
 * A condition on one argument: the call matches when, for at least one of
 * values[], `arg OP value` holds (for SCMP_CMP_MASKED_EQ: (arg & mask) ==
 * value).  Comparisons are on all 64 bits.
 */
struct sp_arg_cond {
	unsigned index;       /* 0..5 */
	enum scmp_compare op; /* SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, _MASKED_EQ */
	uint64_t mask;        /* only for SCMP_CMP_MASKED_EQ */
	size_t n_values;      /* 1..SP_ARG_MAX_VALUES */
	uint64_t values[SP_ARG_MAX_VALUES];
};

/*
 * One allowed syscall.  With no conditions any call is allowed; with
 * several, every condition must hold (they are on distinct arguments).
 */
struct sp_allow {
	const char *name; /* borrowed */
	size_t n_conds;
	struct sp_arg_cond conds[6];
};

struct sp_filter_spec {
	enum sp_action def;
	size_t n_allow;
	const struct sp_allow *allow; /* borrowed; any order, names must be distinct */
	/*
	 * A filter `sysphase run` installs: every child must stay visible to
	 * its ptrace supervisor, so clone with CLONE_UNTRACED in its flags
	 * gets SP_ACTION_KILL's SIGSYS (EPERM under the errno and log
	 * defaults: a child nobody watches is never allowed), and clone3,
	 * whose flags live in memory seccomp cannot read, fails with ENOSYS
	 * (glibc then falls back to clone); where clone3 was allowed, clone is.
	 * Every call with a fallback programs already handle gets its errno
	 * where the list leaves it out (sp_filter_graceful_errno()).
	 */
	bool for_run;
	/*
	 * The architecture the filter is for (x86-64 unless set).  Names are
	 * that architecture's (sp_arch_translate()); calls from any other
	 * architecture get the default action.  Not with for_run.
	 */
	enum sp_arch arch;
};

/* One step of a translation: from became to, or (to NULL) has no counterpart. */
struct sp_arch_note {
	const char *from; /* static or borrowed from the input */
	const char *to;   /* NULL: no counterpart; == from: kept, argument constraints dropped */
	const char *why;  /* static */
};

struct sp_arch_notes {
	struct sp_arch_note *v; /* distinct, in the order first met */
	size_t n, cap;
};

void sp_arch_notes_free(struct sp_arch_notes *notes);

/*
 * The allowlist in (x86-64 names) as architecture a's: each name a has is
 * kept, the table's counterparts added, sorted by name, each once.  On a
 * != x86-64 argument constraints are dropped (flag values differ between
 * architectures: O_DIRECTORY is 0x10000 on x86-64 and 0x4000 on arm), so
 * the call is allowed whole.  notes (may be NULL) gains what was
 * translated, dropped or left without a counterpart.  *out is malloc'd;
 * its names are static or in's.
 */
int sp_arch_translate(enum sp_arch a, const struct sp_allow *in, size_t n, struct sp_allow **out,
                      size_t *n_out, struct sp_arch_notes *notes, struct sp_diag *diag);

/*
 * The union of in's translations for every arch in set, for a profile
 * that lists them all (OCI, Kubernetes: the runtime resolves each name on
 * the node's own architecture and drops the names it lacks).  On
 * x86-64 alone it is in itself.  *out as for sp_arch_translate().
 */
int sp_arch_union(unsigned set, const struct sp_allow *in, size_t n, struct sp_allow **out,
                  size_t *n_out, struct sp_arch_notes *notes, struct sp_diag *diag);

/*
 * The errno a run filter answers name with where its allowlist leaves it
 * out, by design rather than as a denial: ENOSYS for clone3 (glibc falls
 * back to clone), EPERM for io_uring_setup (its users fall back to
 * threads or libaio).  0 for every other call.  A supervisor judging calls (complain mode) counts
 * these answers as the policy's, not as violations.
 */
int sp_filter_graceful_errno(const char *name);

/*
 * Whether name's graceful answer is the same under every policy: no run
 * filter allows clone3 (clone is allowed in its place).  io_uring_setup's
 * answer is the policy's (held back unless export --allow-io-uring).
 */
bool sp_filter_graceful_fixed(const char *name);

/*
 * What a run filter built from spec (for_run, x86-64) answers with an
 * errno, and nothing else: every other call, of every ABI, is allowed.
 * Complain mode installs it in a thread the supervisor judges itself, so
 * that the program gets the answers enforcing would give (io_uring_setup's
 * EPERM, clone3's ENOSYS, a hidden child's EPERM) and takes the same
 * fallback it will take under enforcement.  The caller owns *out.
 */
int sp_filter_build_answers(const struct sp_filter_spec *spec, scmp_filter_ctx *out,
                            struct sp_diag *diag);

/* "SCMP_CMP_EQ" and so on (the OCI names), NULL for an invalid op. */
const char *sp_cmp_name(enum scmp_compare op);

/*
 * A condition with values[pos] as the two data of a libseccomp
 * comparison (and of an OCI "value"/"valueTwo"): for SCMP_CMP_MASKED_EQ
 * the mask and the value, else the value and 0.
 */
void sp_cond_datums(const struct sp_arg_cond *c, size_t pos, uint64_t *a, uint64_t *b);

/*
 * An allowed call with conditions stands for one rule per combination of
 * their values.  pos[i] indexes conds[i].values; starting from all zeros,
 * this steps to the next combination like an odometer, in a fixed order,
 * and returns false once every combination was visited.
 */
bool sp_allow_next_combination(const struct sp_allow *al, size_t pos[6]);

/*
 * The x86-64 number of a syscall name as libseccomp knows it, or -ENOENT
 * (unknown, or a pseudo-syscall that does not exist on x86-64).
 */
int sp_filter_syscall_nr(const char *name);

/*
 * Builds the libseccomp context of spec.  Rules are added in name order,
 * so the same spec always gives the same BPF.  Errors: -EINVAL with diag
 * naming the syscall libseccomp does not know or the bad condition;
 * -ENOMEM; other -errno from libseccomp.  The caller owns *out
 * (seccomp_release()).
 */
int sp_filter_build(const struct sp_filter_spec *spec, scmp_filter_ctx *out, struct sp_diag *diag);

/*
 * The BPF program of ctx, as seccomp_export_bpf() gives it, in memory.
 * *insns is malloc'd (free()).  -E2BIG when longer than the kernel's
 * BPF_MAXINSNS; other -errno.
 */
int sp_filter_bpf(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *n_insns);

/*
 * A simulator of classic BPF as seccomp runs it: what the kernel would
 * answer for a call without loading the filter (complain mode, tests).
 */
#include <linux/seccomp.h>

/*
 * 0 when seccomp(SECCOMP_SET_MODE_FILTER) would take the program, else
 * -EINVAL: the kernel's checks (bpf_check_classic, seccomp_check_filter)
 * on length, opcodes (no packet-relative loads, no extensions, no MOD),
 * 32-bit aligned loads inside struct seccomp_data, forward jumps that stay
 * inside, scratch memory read only after it is written, a final return.
 */
int sp_bpf_check(const struct sock_filter *insns, size_t len);

/*
 * Runs the program on data: *action is the 32-bit value it returns
 * (SECCOMP_RET_ACTION_FULL | data), as the kernel's filter would.  -EINVAL
 * (and *action untouched) when sp_bpf_check() refuses the program.
 */
int sp_bpf_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *data,
               uint32_t *action);

/*
 * Writers: one phase's filter in the formats people deploy.  Each takes
 * the allowlist and the libseccomp context built from it (never BPF made
 * by hand) and writes to a stream; output depends on nothing but its
 * input, so exports are byte-for-byte reproducible.
 *
 *   bpf      raw BPF from seccomp_export_bpf()  (bwrap --seccomp FD); a program
 *            longer than the kernel's BPF_MAXINSNS is refused with -E2BIG
 *   pfc      libseccomp's pseudo filter code     (for reading)
 *   oci      OCI/Docker seccomp profile JSON     (docker --security-opt, runc config.json)
 *   k8s      Security Profiles Operator SeccompProfile (JSON, which kubectl reads as YAML)
 *   systemd  unit drop-in with SystemCallFilter= (names only: it has no argument filters)
 *   c        one header for all phases with sysphase_enter_phase("name")
 */

#include <stdio.h>

enum sp_format {
	SP_FMT_BPF = 0,
	SP_FMT_PFC,
	SP_FMT_OCI,
	SP_FMT_K8S,
	SP_FMT_SYSTEMD,
	SP_FMT_C,
	SP_FMT_COUNT,
};

/* "bpf", "pfc", "oci", "k8s", "systemd", "c". */
const char *sp_format_name(enum sp_format f);

/* The file name suffix: ".bpf", ".pfc", ".oci.json", ".k8s.json", ".conf", ".h". */
const char *sp_format_ext(enum sp_format f);

/* The name of the single C header, which holds every phase. */
#define SP_C_HEADER_NAME "sysphase_phases.h"

/*
 * A comma-separated list ("bpf,oci", or "all") as a bit set of
 * 1 << enum sp_format.  -EINVAL with diag naming an unknown format.
 */
int sp_formats_parse(const char *list, unsigned *set, struct sp_diag *diag);

/* One phase's filter, as the writers get it (everything borrowed). */
struct sp_phase_filter {
	const char *program; /* for names and comments, may be NULL */
	const char *phase;
	const char *view; /* "exact" or "enforce", for comments */
	enum sp_action def;
	size_t n_allow;
	const struct sp_allow *allow; /* sorted by name */
	scmp_filter_ctx ctx;          /* built from allow */
	/*
	 * SP_ARCH_BIT() set the names are for; 0 means x86-64.  OCI and
	 * Kubernetes profiles list every one in "architectures"; the other
	 * formats take a single architecture.
	 */
	unsigned arches;
};

/*
 * What a container runtime runs itself after loading the container's
 * filter and before exec'ing its entrypoint, with and without
 * no_new_privs (Docker sets none: runc's init then still drops
 * privileges under the filter): "runc" (1.1, Go) or "crun" (1.8).
 * NULL-terminated, static.  NULL for an unknown runtime.
 */
const char *const *sp_runtime_syscalls(const char *runtime);

/* The runtimes sp_runtime_syscalls() knows, NULL-terminated: "runc", "crun". */
extern const char *const sp_runtimes[];

/*
 * Each returns 0 or -errno: -EIO for a stream error; with diag saying why
 * (and nothing written): -EINVAL for a name libseccomp does not know on
 * x86-64 or a phase name a format cannot carry (k8s: not UTF-8), -ERANGE
 * for an argument value above INT64_MAX in a JSON format, -E2BIG for a
 * program longer than the kernel takes.  The program path and the phase
 * name are hostile text: they reach comments escaped onto one line (a
 * newline never starts a directive), JSON through jansson, C strings as
 * escaped literals; a Kubernetes name keeps only [a-z0-9-].
 */
int sp_write_bpf(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag);
int sp_write_pfc(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag);
int sp_write_oci(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag);
int sp_write_k8s(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag);
int sp_write_systemd(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag);

/*
 * The C header for every phase at once: each phase's BPF (exported from
 * its context) as a static sock_filter array, and
 *   int sysphase_enter_phase(const char *name);
 * which sets NO_NEW_PRIVS (first call) and installs the phase's filter
 * with seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC).
 * Compiles cleanly with -Wall -Wextra -Werror.
 */
int sp_write_c_header(const struct sp_phase_filter *phases, size_t n, FILE *out,
                      struct sp_diag *diag);

/*
 * The export directory (`sysphase export -o DIR`, docs/policy-format.md):
 * policy.json and one filter per phase per format, in the allowlist
 * variant each format takes:
 *   plain     the view's allowlist (bpf, oci, k8s, systemd);
 *   stacking  + seccomp(SECCOMP_SET_MODE_FILTER) in a phase with exits
 *             (the C header installs the next filter itself);
 *   runtime   + what a container runtime's own init needs (oci, k8s
 *             with a runtime);
 *   inspect   the exact view, for reading (pfc, unless the view was
 *             asked for explicitly).
 * The directory appears whole or not at all: everything is written into
 * a temporary directory next to it and renamed into place (swapped with
 * the old one when replacing, the old one then removed).  A DIR that is
 * a symlink to a directory keeps the link; the directory it names is
 * replaced.
 */

/* Which allowlist: what a phase made itself, or what its filter must allow. */
enum sp_view {
	SP_VIEW_EXACT = 0,
	SP_VIEW_ENFORCE,
};

const char *sp_view_name(enum sp_view v);
int sp_view_from_name(const char *name); /* -EINVAL when unknown */

/*
 * What an export reads its phases through (everything borrowed).  For a
 * policy, sp_policy_export_source() (sysphase/policy.h) fills it.
 */
struct sp_export_source {
	const char *program; /* for names and comments, may be NULL */
	size_t n_phases;
	const char *(*phase_name)(const void *ctx, size_t i);
	/* Phase i's allowlist, as sp_policy_allowlist() gives it (a new array). */
	int (*allowlist)(const void *ctx, size_t i, enum sp_view view, bool stacking,
	                 const char *const *extra, size_t n_extra, struct sp_allow **out,
	                 size_t *n_out, struct sp_diag *diag);
	const void *ctx;
	json_t *document; /* written as policy.json */
};

struct sp_export_opts {
	unsigned formats; /* 1 << enum sp_format */
	enum sp_view view;
	bool view_set;       /* every format takes view (else pfc takes exact) */
	enum sp_action def;  /* default action of every filter */
	const char *runtime; /* NULL, or a name sp_runtime_syscalls() knows */
	bool force;          /* replace a non-empty DIR */
	/*
	 * SP_ARCH_BIT() set; 0 means x86-64 alone.  With another arch:
	 * OCI and k8s profiles cover every one (sp_arch_union()), bpf, pfc
	 * and systemd files are written per arch (PHASE.ARCH.bpf, x86-64's
	 * keeping PHASE.bpf), the C header holds x86-64's filters only.
	 */
	unsigned arches;
	/* NULL, or SP_ARCH_COUNT notes filled with each arch's translation. */
	struct sp_arch_notes *notes;
	/*
	 * With start (and oci or k8s): the one profile to give a container
	 * runtime, SP_START_STEM.oci.json and .k8s.json: phase start_phase's
	 * enforce view (what the program needs from its first instruction)
	 * and start_extra (what the runtime runs itself after loading it).
	 */
	bool start;
	size_t start_phase;
	const char *const *start_extra; /* borrowed */
	size_t n_start_extra;
};

#define SP_START_STEM "start"

/*
 * The start profile's file stem: SP_START_STEM, or SP_START_STEM_OTHER
 * when a phase's own files are called start (a phase of that name then
 * is an error).
 */
#define SP_START_STEM_OTHER "start.profile"
const char *sp_export_start_stem(const struct sp_export_source *src);

/*
 * Writes the directory; *files counts the filter files written.  Errors,
 * with diag saying which: -EEXIST (DIR not empty, no force), -ENOTDIR
 * (DIR, or what its symlink names, is not a directory), -ENOENT (its
 * parent does not exist), -EINVAL (two phases would share a file name, or
 * a phase name clashes with the C header), -E2BIG (a filter longer than
 * BPF_MAXINSNS), -ENOMEM, other -errno while writing.  On any error
 * nothing is left behind and an old DIR is untouched.
 */
int sp_export_write(const struct sp_export_source *src, const struct sp_export_opts *o,
                    const char *dir, size_t *files, struct sp_diag *diag);

#endif /* SYSPHASE_FILTERS_H */
