/* SPDX-License-Identifier: MIT */
/*
 * The generated tables (build/xlat/<kind>.c, from core/xlat/<kind>.in).
 * Private to core: other libraries reach them through sp_xlat_get().
 */
#ifndef SYSPHASE_CORE_XLAT_TABLES_H
#define SYSPHASE_CORE_XLAT_TABLES_H

#include "sysphase/core.h"

extern const struct sp_xlat sp_xlat_errno;
extern const struct sp_xlat sp_xlat_signals;
extern const struct sp_xlat sp_xlat_access_mode;
extern const struct sp_xlat sp_xlat_arch_prctl;
extern const struct sp_xlat sp_xlat_at_access_flags;
extern const struct sp_xlat sp_xlat_at_flags;
extern const struct sp_xlat sp_xlat_clockid;
extern const struct sp_xlat sp_xlat_clone_flags;
extern const struct sp_xlat sp_xlat_efd_flags;
extern const struct sp_xlat sp_xlat_epoll_events;
extern const struct sp_xlat sp_xlat_epoll_op;
extern const struct sp_xlat sp_xlat_fcntl_cmd;
extern const struct sp_xlat sp_xlat_fcntl_fd_flags;
extern const struct sp_xlat sp_xlat_fcntl_lease;
extern const struct sp_xlat sp_xlat_fcntl_seals;
extern const struct sp_xlat sp_xlat_fd_flags;
extern const struct sp_xlat sp_xlat_flock_op;
extern const struct sp_xlat sp_xlat_futex_cmd;
extern const struct sp_xlat sp_xlat_futex_flags;
extern const struct sp_xlat sp_xlat_grnd_flags;
extern const struct sp_xlat sp_xlat_ioctl_req;
extern const struct sp_xlat sp_xlat_ip_opts;
extern const struct sp_xlat sp_xlat_ipv6_opts;
extern const struct sp_xlat sp_xlat_madvise;
extern const struct sp_xlat sp_xlat_map_flags;
extern const struct sp_xlat sp_xlat_map_huge;
extern const struct sp_xlat sp_xlat_map_type;
extern const struct sp_xlat sp_xlat_mount_flags;
extern const struct sp_xlat sp_xlat_mremap_flags;
extern const struct sp_xlat sp_xlat_msg_flags;
extern const struct sp_xlat sp_xlat_open_accmode;
extern const struct sp_xlat sp_xlat_open_flags;
extern const struct sp_xlat sp_xlat_prctl_option;
extern const struct sp_xlat sp_xlat_prot;
extern const struct sp_xlat sp_xlat_rename_flags;
extern const struct sp_xlat sp_xlat_resolve_flags;
extern const struct sp_xlat sp_xlat_rlimit;
extern const struct sp_xlat sp_xlat_sa_flags;
extern const struct sp_xlat sp_xlat_seccomp_flags;
extern const struct sp_xlat sp_xlat_seccomp_op;
extern const struct sp_xlat sp_xlat_seek_whence;
extern const struct sp_xlat sp_xlat_shutdown_how;
extern const struct sp_xlat sp_xlat_sigmask_how;
extern const struct sp_xlat sp_xlat_so_opts;
extern const struct sp_xlat sp_xlat_sock_domain;
extern const struct sp_xlat sp_xlat_sock_flags;
extern const struct sp_xlat sp_xlat_sock_type;
extern const struct sp_xlat sp_xlat_sockopt_level;
extern const struct sp_xlat sp_xlat_tcp_opts;
extern const struct sp_xlat sp_xlat_timer_flags;
extern const struct sp_xlat sp_xlat_umount_flags;
extern const struct sp_xlat sp_xlat_wait_options;

/* Appends s to buf (size n) holding len bytes; cuts, never overflows.  The new length. */
size_t sp_xlat_cat(char *buf, size_t n, size_t len, const char *s);

/*
 * sp_xlat_parse_flags and sp_xlat_suggest over several tables at once (a
 * composite kind's field and flags), signal names too when signals is set.
 */
int sp_xlat_parse_in(const struct sp_xlat *const *tabs, size_t ntabs, bool signals, const char *s,
                     uint64_t *val, size_t *bad_off, size_t *bad_len);
const char *sp_xlat_nearest_in(const struct sp_xlat *const *tabs, size_t ntabs, const char *name);

#endif /* SYSPHASE_CORE_XLAT_TABLES_H */
