/* SPDX-License-Identifier: MIT */
/*
 * sysphase Landlock: per-phase file, port and scope rules.
 *
 * seccomp decides which calls a phase may make, never on what: nginx's
 * serving phase keeps openat, so a symlink planted in its document root
 * is followed wherever it points.  A Landlock layer per phase narrows
 * the files and TCP ports the phase may reach to those the recording
 * saw it reach (docs/policy-format.md, "landlock").
 *
 * Three parts:
 *   - the layer itself (struct sp_landlock_layer): plain data, what the
 *     tracer's injection (sp_inject_landlock, sysphase/tracer.h) and
 *     `run` consume;
 *   - the collector, fed phase-stamped trace events, which derives each
 *     phase's own rules and, as seccomp's enforce view, the layer of
 *     every phase: the union over the phases it can reach;
 *   - the model attached to a policy (policy.json's "landlock" key).
 */
#ifndef SYSPHASE_LANDLOCK_H
#define SYSPHASE_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysphase/core.h"

/*
 * The kernel's access bits (include/uapi/linux/landlock.h).  Spelled out
 * here because Debian 12's headers stop at ABI 2 while kernels run ABI 7:
 * the values are kernel ABI and never change.
 */
#define SP_LL_FS_EXECUTE     (1ULL << 0)
#define SP_LL_FS_WRITE_FILE  (1ULL << 1)
#define SP_LL_FS_READ_FILE   (1ULL << 2)
#define SP_LL_FS_READ_DIR    (1ULL << 3)
#define SP_LL_FS_REMOVE_DIR  (1ULL << 4)
#define SP_LL_FS_REMOVE_FILE (1ULL << 5)
#define SP_LL_FS_MAKE_CHAR   (1ULL << 6)
#define SP_LL_FS_MAKE_DIR    (1ULL << 7)
#define SP_LL_FS_MAKE_REG    (1ULL << 8)
#define SP_LL_FS_MAKE_SOCK   (1ULL << 9)
#define SP_LL_FS_MAKE_FIFO   (1ULL << 10)
#define SP_LL_FS_MAKE_BLOCK  (1ULL << 11)
#define SP_LL_FS_MAKE_SYM    (1ULL << 12)
#define SP_LL_FS_REFER       (1ULL << 13) /* ABI 2 */
#define SP_LL_FS_TRUNCATE    (1ULL << 14) /* ABI 3 */
#define SP_LL_FS_IOCTL_DEV   (1ULL << 15) /* ABI 5 */
#define SP_LL_FS_ALL         ((1ULL << 16) - 1)
/* The rights a rule on a file (not a directory) may carry; others are EINVAL. */
#define SP_LL_FS_FILE                                                                      \
	(SP_LL_FS_EXECUTE | SP_LL_FS_WRITE_FILE | SP_LL_FS_READ_FILE | SP_LL_FS_TRUNCATE | \
	 SP_LL_FS_IOCTL_DEV)

#define SP_LL_NET_BIND_TCP    (1ULL << 0) /* ABI 4 */
#define SP_LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define SP_LL_NET_ALL         ((1ULL << 2) - 1)

#define SP_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SP_LL_SCOPE_SIGNAL        (1ULL << 1) /* ABI 6 */
#define SP_LL_SCOPE_ALL           ((1ULL << 2) - 1)

/* The kernel's limit on stacked Landlock domains per thread. */
#define SP_LL_MAX_LAYERS 16
/*
 * Layers sysphase leaves to the program itself (a program that uses
 * Landlock, a sandbox it runs in): policies stack at most
 * SP_LL_MAX_LAYERS - SP_LL_RESERVED layers on any path through the phases.
 */
#define SP_LL_RESERVED   4
/* The newest ABI sysphase knows what to do with. */
#define SP_LL_ABI_KNOWN  7

struct sp_ll_path {
	const char *path; /* absolute */
	uint64_t access;  /* SP_LL_FS_* allowed beneath path (on path alone for a file) */
};

struct sp_ll_port {
	uint64_t port;
	uint64_t access; /* SP_LL_NET_* */
};

/*
 * One Landlock layer: what it handles (denies unless a rule allows it),
 * the rules, and the scopes.  A right it does not handle stays allowed.
 */
struct sp_landlock_layer {
	uint64_t handled_fs, handled_net, scoped;
	size_t n_paths;
	const struct sp_ll_path *paths;
	size_t n_ports;
	const struct sp_ll_port *ports;
};

/*
 * The running kernel's Landlock ABI (landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)): 1.., 0 when Landlock is built out
 * or disabled at boot.  Never negative.
 */
int sp_landlock_abi(void);

/*
 * What a kernel of ABI abi can enforce of in (best effort, as the kernel
 * documentation recommends): rights, net and scopes it does not know are
 * left unhandled.  One exception fails safe the other way: before ABI 2
 * a rename or link across directories (REFER) is always denied, so a
 * layer that grants it gets no file system part at all.  *out borrows
 * in's arrays (ports and paths are kept; their access masked in place is
 * impossible, so out->paths is a new array: free(out_paths)).  lost
 * (size n, may be NULL) names what is not enforced ("truncate, ioctl_dev"
 * or ""); 0, or -ENOMEM.
 */
int sp_landlock_layer_for_abi(const struct sp_landlock_layer *in, int abi,
                              struct sp_landlock_layer *out, struct sp_ll_path **out_paths,
                              char *lost, size_t n);

/* Whether the layer restricts anything at all. */
bool sp_landlock_layer_empty(const struct sp_landlock_layer *l);

/*
 * Names of the rights, as policy.json spells them ("read_file", "bind_tcp",
 * "signal"): the bits of mask joined by sep into buf (size n), in bit
 * order.  Returns buf.  sp_ll_*_parse: one name's bit, or 0 when unknown.
 */
char *sp_ll_fs_format(uint64_t mask, const char *sep, char *buf, size_t n);
char *sp_ll_net_format(uint64_t mask, const char *sep, char *buf, size_t n);
char *sp_ll_scope_format(uint64_t mask, const char *sep, char *buf, size_t n);
uint64_t sp_ll_fs_parse(const char *name);
uint64_t sp_ll_net_parse(const char *name);
uint64_t sp_ll_scope_parse(const char *name);

#endif /* SYSPHASE_LANDLOCK_H */
