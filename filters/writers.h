/* SPDX-License-Identifier: MIT */
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
#ifndef SYSPHASE_FILTERS_WRITERS_H
#define SYSPHASE_FILTERS_WRITERS_H

#include <stdio.h>

#include "filter.h"
#include "tracer/diag.h"

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
	scmp_filter_ctx ctx;	      /* built from allow */
};

/*
 * Extra syscalls `--runtime runc` adds to OCI profiles: what runc's own
 * init (Go) does between loading the filter and exec'ing the container's
 * program.  NULL-terminated, static.  NULL for an unknown runtime.
 */
const char *const *sp_runtime_syscalls(const char *runtime);

/*
 * Each returns 0 or -errno: -EIO for a stream error, -EINVAL for a name
 * libseccomp does not know on x86-64 (nothing is written then), -ERANGE
 * for an argument value above INT64_MAX in a JSON format.
 */
int sp_write_bpf(const struct sp_phase_filter *f, FILE *out);
int sp_write_pfc(const struct sp_phase_filter *f, FILE *out);
int sp_write_oci(const struct sp_phase_filter *f, FILE *out);
int sp_write_k8s(const struct sp_phase_filter *f, FILE *out);
int sp_write_systemd(const struct sp_phase_filter *f, FILE *out);

/*
 * The C header for every phase at once: each phase's BPF (exported from
 * its context) as a static sock_filter array, and
 *   int sysphase_enter_phase(const char *name);
 * which sets NO_NEW_PRIVS (first call) and installs the phase's filter
 * with seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC).
 * Compiles cleanly with -Wall -Wextra -Werror.
 */
int sp_write_c_header(const struct sp_phase_filter *phases, size_t n, FILE *out);

#endif /* SYSPHASE_FILTERS_WRITERS_H */
