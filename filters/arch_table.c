/* SPDX-License-Identifier: MIT */
/*
 * The one fact table of cross-architecture translation: which call(s) a
 * program built for another architecture makes where its x86-64 build
 * makes `from`.  Numbers never appear here: every name is resolved per
 * architecture by libseccomp (filters/arch.c), and tests/unit/test_arch.c
 * checks the table against libseccomp's own (every x86-64 syscall is
 * either present on each target, translated, or listed with a reason why
 * it has no counterpart).
 *
 * Two kinds of entries:
 *   SP_MAP_ABSENT  applies on an architecture that has no call named `from`
 *                  (asm-generic arches such as aarch64 dropped the legacy
 *                  path-based and non-"at" calls; 32-bit ARM EABI dropped
 *                  others);
 *   SP_MAP_ALSO    applies on the 32-bit targets even though `from` exists
 *                  there, because their C library calls another variant
 *                  (32-bit uids, 64-bit offsets, 64-bit time_t) instead or
 *                  first;
 *   SP_MAP_VDSO    applies on every target but x86-64 to any non-empty
 *                  allowlist: what x86-64's vDSO did without a syscall.
 * `to` lists alternatives, first that exists on the target wins, as glibc's
 * own #ifdef __NR_x chains pick them; an entry with no `to` says why the
 * call has no counterpart.  Several entries for one `from` all apply.
 * Reasons cite what glibc 2.36 (Debian 12) does on the target.
 */
#include "arch_int.h"

#define B32 (SP_ARCH_BIT(SP_ARCH_I386) | SP_ARCH_BIT(SP_ARCH_ARM))

/* clang-format off */
const struct sp_arch_map sp_arch_maps[] = {
	/* ---- path calls without a directory fd: the *at call with AT_FDCWD ---- */
	{"open", {"openat"}, SP_MAP_ABSENT, 0, "open(p, f, m) is openat(AT_FDCWD, p, f, m)"},
	{"creat", {"openat"}, SP_MAP_ABSENT, 0, "creat(p, m) is openat(AT_FDCWD, p, O_CREAT|O_WRONLY|O_TRUNC, m)"},
	{"access", {"faccessat"}, SP_MAP_ABSENT, 0, "access(p, m) is faccessat(AT_FDCWD, p, m) (glibc: the syscall without flags)"},
	{"stat", {"newfstatat", "fstatat64"}, SP_MAP_ABSENT, 0, "stat(p, s) is fstatat(AT_FDCWD, p, s, 0): newfstatat on 64-bit, fstatat64 on 32-bit"},
	{"lstat", {"newfstatat", "fstatat64"}, SP_MAP_ABSENT, 0, "lstat(p, s) is fstatat(AT_FDCWD, p, s, AT_SYMLINK_NOFOLLOW)"},
	{"readlink", {"readlinkat"}, SP_MAP_ABSENT, 0, "readlink(p, b, n) is readlinkat(AT_FDCWD, p, b, n)"},
	{"unlink", {"unlinkat"}, SP_MAP_ABSENT, 0, "unlink(p) is unlinkat(AT_FDCWD, p, 0)"},
	{"rmdir", {"unlinkat"}, SP_MAP_ABSENT, 0, "rmdir(p) is unlinkat(AT_FDCWD, p, AT_REMOVEDIR)"},
	{"mkdir", {"mkdirat"}, SP_MAP_ABSENT, 0, "mkdir(p, m) is mkdirat(AT_FDCWD, p, m)"},
	{"rename", {"renameat", "renameat2"}, SP_MAP_ABSENT, 0, "rename(a, b) is renameat(AT_FDCWD, a, AT_FDCWD, b), or renameat2 with flags 0 where renameat is gone too"},
	{"link", {"linkat"}, SP_MAP_ABSENT, 0, "link(a, b) is linkat(AT_FDCWD, a, AT_FDCWD, b, 0)"},
	{"symlink", {"symlinkat"}, SP_MAP_ABSENT, 0, "symlink(a, b) is symlinkat(a, AT_FDCWD, b)"},
	{"chmod", {"fchmodat"}, SP_MAP_ABSENT, 0, "chmod(p, m) is fchmodat(AT_FDCWD, p, m)"},
	{"chown", {"fchownat"}, SP_MAP_ABSENT, 0, "chown(p, u, g) is fchownat(AT_FDCWD, p, u, g, 0)"},
	{"lchown", {"fchownat"}, SP_MAP_ABSENT, 0, "lchown(p, u, g) is fchownat(AT_FDCWD, p, u, g, AT_SYMLINK_NOFOLLOW)"},
	{"mknod", {"mknodat"}, SP_MAP_ABSENT, 0, "mknod(p, m, d) is mknodat(AT_FDCWD, p, m, d)"},
	{"utime", {"utimensat", "utimensat_time64"}, SP_MAP_ABSENT, 0, "utime(p, t) is utimensat(AT_FDCWD, p, ts, 0)"},
	{"utimes", {"utimensat", "utimensat_time64"}, SP_MAP_ABSENT, 0, "utimes(p, tv) is utimensat(AT_FDCWD, p, ts, 0)"},
	{"futimesat", {"utimensat", "utimensat_time64"}, SP_MAP_ABSENT, 0, "futimesat(d, p, tv) is utimensat(d, p, ts, 0)"},
	{"newfstatat", {"fstatat64"}, SP_MAP_ABSENT, 0, "the 32-bit fstatat is fstatat64 (struct stat64)"},
	{"getdents", {"getdents64"}, SP_MAP_ABSENT, 0, "asm-generic kernels keep only the 64-bit dirent; glibc's readdir uses getdents64 everywhere"},
	/* ---- calls that became a more general one with a zero flag or mask ---- */
	{"dup2", {"dup3"}, SP_MAP_ABSENT, 0, "dup2(a, b) with a != b is dup3(a, b, 0)"},
	{"dup2", {"fcntl"}, SP_MAP_ABSENT, 0, "dup2(a, a) checks that a is open with fcntl(a, F_GETFL), since dup3 refuses equal fds"},
	{"pipe", {"pipe2"}, SP_MAP_ABSENT, 0, "pipe(f) is pipe2(f, 0)"},
	{"poll", {"ppoll", "ppoll_time64"}, SP_MAP_ABSENT, 0, "poll(f, n, ms) is ppoll(f, n, ts, NULL) with ms as a timespec"},
	{"select", {"pselect6", "pselect6_time64"}, SP_MAP_ABSENT, 0, "select is pselect6 with the timeval as a timespec and no mask"},
	{"epoll_wait", {"epoll_pwait"}, SP_MAP_ABSENT, 0, "epoll_wait(e, ev, n, ms) is epoll_pwait(e, ev, n, ms, NULL)"},
	{"epoll_create", {"epoll_create1"}, SP_MAP_ABSENT, 0, "epoll_create(n) is epoll_create1(0) (n is ignored since Linux 2.6.8)"},
	{"eventfd", {"eventfd2"}, SP_MAP_ABSENT, 0, "eventfd(v) is eventfd2(v, 0)"},
	{"signalfd", {"signalfd4"}, SP_MAP_ABSENT, 0, "signalfd(f, m, s) is signalfd4(f, m, s, 0)"},
	{"inotify_init", {"inotify_init1"}, SP_MAP_ABSENT, 0, "inotify_init() is inotify_init1(0)"},
	{"fork", {"clone"}, SP_MAP_ABSENT, 0, "fork() is clone(SIGCHLD, 0) (glibc forks with clone on every architecture)"},
	{"vfork", {"clone"}, SP_MAP_ABSENT, 0, "vfork() is clone(CLONE_VM|CLONE_VFORK|SIGCHLD, 0)"},
	{"getpgrp", {"getpgid"}, SP_MAP_ABSENT, 0, "getpgrp() is getpgid(0)"},
	{"alarm", {"setitimer"}, SP_MAP_ABSENT, 0, "glibc's alarm(s) sets ITIMER_REAL with setitimer where there is no alarm call"},
	{"pause", {"ppoll", "ppoll_time64"}, SP_MAP_ABSENT, 0, "glibc's pause() is ppoll(NULL, 0, NULL, NULL) where there is no pause call"},
	{"time", {"clock_gettime", "clock_gettime64"}, SP_MAP_ABSENT, 0, "time() reads CLOCK_REALTIME (in the vDSO, else with clock_gettime)"},
	{"getrlimit", {"prlimit64"}, SP_MAP_ABSENT, 0, "glibc's getrlimit is prlimit64(0, r, NULL, old)"},
	{"setrlimit", {"prlimit64"}, SP_MAP_ABSENT, 0, "glibc's setrlimit is prlimit64(0, r, new, NULL)"},
	{"ustat", {NULL}, SP_MAP_ABSENT, 0, "gone from asm-generic kernels, and glibc 2.28 dropped ustat()"},
	{"mmap", {"mmap2"}, SP_MAP_ABSENT, 0, "32-bit ARM has only mmap2 (offset in pages)"},
	{"fadvise64", {"fadvise64_64", "arm_fadvise64_64"}, SP_MAP_ABSENT, 0, "posix_fadvise on 32-bit ARM is arm_fadvise64_64 (64-bit offsets, reordered)"},
	{"sync_file_range", {"arm_sync_file_range"}, SP_MAP_ABSENT, 0, "32-bit ARM has arm_sync_file_range (sync_file_range2: flags moved to keep 64-bit arguments aligned)"},
	/* ---- x86-only calls with no counterpart ---- */
	{"arch_prctl", {"set_tls", "set_thread_area"}, SP_MAP_ABSENT, 0, "x86-64's TLS base (ARCH_SET_FS): arm sets it with set_tls, aarch64 writes TPIDR_EL0 from user space (no call)"},
	{"iopl", {NULL}, SP_MAP_ABSENT, 0, "x86 I/O privilege level: no other architecture has port I/O"},
	{"ioperm", {NULL}, SP_MAP_ABSENT, 0, "x86 I/O port permissions: no other architecture has port I/O"},
	{"modify_ldt", {NULL}, SP_MAP_ABSENT, 0, "the x86 local descriptor table: no other architecture has one"},
	{"set_thread_area", {"set_tls"}, SP_MAP_ABSENT, 0, "x86 TLS descriptors: arm sets its TLS register with set_tls, aarch64 from user space"},
	{"get_thread_area", {NULL}, SP_MAP_ABSENT, 0, "x86 TLS descriptors: other architectures read their TLS register from user space"},
	{"epoll_ctl_old", {NULL}, SP_MAP_ABSENT, 0, "never implemented outside early x86-64 kernels"},
	{"epoll_wait_old", {NULL}, SP_MAP_ABSENT, 0, "never implemented outside early x86-64 kernels"},
	{"uselib", {NULL}, SP_MAP_ABSENT, 0, "a.out libraries: gone from asm-generic kernels"},
	{"sysfs", {NULL}, SP_MAP_ABSENT, 0, "obsolete filesystem-type query: gone from asm-generic kernels (read /proc/filesystems)"},
	{"_sysctl", {NULL}, SP_MAP_ABSENT, 0, "removed from Linux 5.5 (use /proc/sys)"},
	{"create_module", {NULL}, SP_MAP_ABSENT, 0, "removed in Linux 2.6"},
	{"get_kernel_syms", {NULL}, SP_MAP_ABSENT, 0, "removed in Linux 2.6"},
	{"query_module", {NULL}, SP_MAP_ABSENT, 0, "removed in Linux 2.6"},
	{"nfsservctl", {NULL}, SP_MAP_ABSENT, 0, "removed in Linux 3.1"},
	{"getpmsg", {NULL}, SP_MAP_ABSENT, 0, "STREAMS: never implemented"},
	{"putpmsg", {NULL}, SP_MAP_ABSENT, 0, "STREAMS: never implemented"},
	{"afs_syscall", {NULL}, SP_MAP_ABSENT, 0, "never implemented"},
	{"tuxcall", {NULL}, SP_MAP_ABSENT, 0, "never implemented"},
	{"security", {NULL}, SP_MAP_ABSENT, 0, "never implemented"},
	{"vserver", {NULL}, SP_MAP_ABSENT, 0, "never implemented"},
	{"kexec_file_load", {NULL}, SP_MAP_ABSENT, 0, "not wired up on 32-bit x86"},
	{"memfd_secret", {NULL}, SP_MAP_ABSENT, 0, "not wired up on 32-bit ARM"},
	/*
	 * ---- the vDSO: calls x86-64's vDSO answered, so the recording never
	 * saw them, while another machine's may fall back to the real call
	 * (qemu-user has no vDSO for aarch64 before 8.1; a clock source the
	 * vDSO cannot read, as some arm64 timer errata, goes to the kernel) ----
	 */
	{SP_MAP_VDSO_FROM, {"clock_gettime"}, SP_MAP_VDSO, 0, "x86-64's vDSO answers clock_gettime; elsewhere it may fall back to the call"},
	{SP_MAP_VDSO_FROM, {"gettimeofday"}, SP_MAP_VDSO, 0, "x86-64's vDSO answers gettimeofday; elsewhere it may fall back to the call"},
	{SP_MAP_VDSO_FROM, {"clock_getres"}, SP_MAP_VDSO, 0, "x86-64's vDSO answers clock_getres; elsewhere it may fall back to the call"},
	{SP_MAP_VDSO_FROM, {"clock_gettime64"}, SP_MAP_VDSO, 0, "32-bit glibc reads the clock with clock_gettime64 when its vDSO cannot"},
	{SP_MAP_VDSO_FROM, {"time"}, SP_MAP_VDSO, 0, "x86's vDSO answers time; elsewhere it may fall back to the call"},
	/* ---- 32-bit targets: the C library calls a wider variant ---- */
	{"mmap", {"mmap2"}, SP_MAP_ALSO, B32, "32-bit glibc maps with mmap2 (offset in pages, files past 4 GiB)"},
	{"lseek", {"_llseek"}, SP_MAP_ALSO, B32, "32-bit glibc's lseek is _llseek (64-bit off_t)"},
	{"fcntl", {"fcntl64"}, SP_MAP_ALSO, B32, "32-bit glibc's fcntl is fcntl64 (struct flock64)"},
	{"sendfile", {"sendfile64"}, SP_MAP_ALSO, B32, "32-bit glibc's sendfile is sendfile64 (64-bit offset)"},
	{"statfs", {"statfs64"}, SP_MAP_ALSO, B32, "32-bit glibc's statfs is statfs64"},
	{"fstatfs", {"fstatfs64"}, SP_MAP_ALSO, B32, "32-bit glibc's fstatfs is fstatfs64"},
	{"truncate", {"truncate64"}, SP_MAP_ALSO, B32, "32-bit glibc's truncate is truncate64"},
	{"ftruncate", {"ftruncate64"}, SP_MAP_ALSO, B32, "32-bit glibc's ftruncate is ftruncate64"},
	{"fadvise64", {"fadvise64_64", "arm_fadvise64_64"}, SP_MAP_ALSO, B32, "32-bit posix_fadvise takes 64-bit offsets: fadvise64_64 (arm_fadvise64_64 on ARM)"},
	{"getrlimit", {"ugetrlimit"}, SP_MAP_ALSO, B32, "32-bit glibc falls back from prlimit64 to ugetrlimit (unsigned limits)"},
	{"prlimit64", {"ugetrlimit"}, SP_MAP_ALSO, B32, "x86-64 glibc's getrlimit is prlimit64; 32-bit glibc's getrlimit (32-bit rlim_t) is ugetrlimit"},
	{"arch_prctl", {"set_thread_area", "set_tls"}, SP_MAP_ALSO, B32, "x86-64 sets its TLS base with arch_prctl(ARCH_SET_FS); i386 with set_thread_area, arm with set_tls"},
	{"rt_sigreturn", {"sigreturn"}, SP_MAP_ALSO, B32, "32-bit handlers without SA_SIGINFO return through sigreturn"},
	{"stat", {"statx"}, SP_MAP_ALSO, B32, "32-bit glibc's stat with 64-bit time is statx first (fstatat64 if it fails)"},
	{"stat", {"fstatat64"}, SP_MAP_ALSO, B32, "32-bit glibc's stat falls back on fstatat64"},
	{"lstat", {"statx"}, SP_MAP_ALSO, B32, "32-bit glibc's lstat with 64-bit time is statx first"},
	{"lstat", {"fstatat64"}, SP_MAP_ALSO, B32, "32-bit glibc's lstat falls back on fstatat64"},
	{"fstat", {"statx"}, SP_MAP_ALSO, B32, "32-bit glibc's fstat with 64-bit time is statx(fd, \"\", AT_EMPTY_PATH) first"},
	{"fstat", {"fstatat64"}, SP_MAP_ALSO, B32, "32-bit glibc's fstat falls back on fstatat64"},
	{"newfstatat", {"statx"}, SP_MAP_ALSO, B32, "32-bit glibc's fstatat with 64-bit time is statx first"},
	{"select", {"_newselect"}, SP_MAP_ALSO, B32, "32-bit glibc's select falls back from pselect6_time64 to _newselect"},
	{"select", {"pselect6_time64"}, SP_MAP_ALSO, B32, "32-bit glibc's select is pselect6_time64 first (64-bit time_t)"},
	{"getuid", {"getuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"geteuid", {"geteuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"getgid", {"getgid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"getegid", {"getegid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"setuid", {"setuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"setgid", {"setgid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"setreuid", {"setreuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"setregid", {"setregid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"setresuid", {"setresuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"getresuid", {"getresuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"setresgid", {"setresgid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"getresgid", {"getresgid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"getgroups", {"getgroups32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"setgroups", {"setgroups32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"setfsuid", {"setfsuid32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"setfsgid", {"setfsgid32"}, SP_MAP_ALSO, B32, "32-bit gids: the 16-bit call kept the old name"},
	{"chown", {"chown32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"fchown", {"fchown32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	{"lchown", {"lchown32"}, SP_MAP_ALSO, B32, "32-bit uids: the 16-bit call kept the old name"},
	/* 64-bit time_t on 32-bit (glibc >= 2.34): the _time64 call first, the old one on ENOSYS. */
	{"clock_gettime", {"clock_gettime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"gettimeofday", {"clock_gettime64"}, SP_MAP_ALSO, B32, "32-bit glibc's gettimeofday is clock_gettime64(CLOCK_REALTIME) first"},
	{"clock_settime", {"clock_settime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"clock_getres", {"clock_getres_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"clock_nanosleep", {"clock_nanosleep_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"nanosleep", {"clock_nanosleep_time64"}, SP_MAP_ALSO, B32, "glibc's nanosleep is clock_nanosleep(CLOCK_REALTIME), 64-bit time first"},
	{"futex", {"futex_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"ppoll", {"ppoll_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"poll", {"ppoll_time64"}, SP_MAP_ALSO, B32, "32-bit glibc's poll with a timeout may go through ppoll_time64"},
	{"pselect6", {"pselect6_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"recvmmsg", {"recvmmsg_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"rt_sigtimedwait", {"rt_sigtimedwait_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"semtimedop", {"semtimedop_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"timer_settime", {"timer_settime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"timer_gettime", {"timer_gettime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"timerfd_settime", {"timerfd_settime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"timerfd_gettime", {"timerfd_gettime64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"utimensat", {"utimensat_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"io_pgetevents", {"io_pgetevents_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"mq_timedsend", {"mq_timedsend_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"mq_timedreceive", {"mq_timedreceive_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{"sched_rr_get_interval", {"sched_rr_get_interval_time64"}, SP_MAP_ALSO, B32, "64-bit time_t: the *_time64 call first"},
	{NULL, {NULL}, 0, 0, NULL},
};
/* clang-format on */
