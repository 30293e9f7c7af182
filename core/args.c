/* SPDX-License-Identifier: MIT */
/*
 * The syscall argument table (names, kinds, what the exit decodes) and the
 * symbolic rendering of each flag and enumeration kind, over the
 * generated constant tables.  Pure data and pure functions: the tracer's
 * decoder reads memory around them, the rules loader checks names with
 * them, and both print and parse a value the same way.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sysphase/core.h"
#include "xlat_tables.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the argument table ------------------------------------------------- */

#define A(n, k)          \
	{                \
		n, k, -1 \
	}
#define R(n, k, r)      \
	{               \
		n, k, r \
	}
/* A syscall and its arguments; SYSX adds what its exit decodes. */
#define SYS(n, ...)                                \
	{                                          \
		.name = n, .args = { __VA_ARGS__ } \
	}
#define SYSX(n, x, a, b, rf, ...)                                                             \
	{                                                                                     \
		.name = n, .exit = x, .xa = a, .xb = b, .ret_fd = rf, .args = { __VA_ARGS__ } \
	}
#define SYSFD(n, ...) SYSX(n, SP_EXIT_NONE, -1, -1, SP_RET_FD_YES, __VA_ARGS__)

/* Sorted by name (strcmp order): sp_syscall_spec finds entries with bsearch. */
static const struct sp_syscall_spec sc_table[] = {
    SYSX("accept", SP_EXIT_SOCKADDR, 1, 2, SP_RET_FD_YES, A("sockfd", SP_ARG_FD),
         A("addr", SP_ARG_PTR), A("addrlen", SP_ARG_PTR)),
    SYSX("accept4", SP_EXIT_SOCKADDR, 1, 2, SP_RET_FD_YES, A("sockfd", SP_ARG_FD),
         A("addr", SP_ARG_PTR), A("addrlen", SP_ARG_PTR), A("flags", SP_ARG_SOCK_FLAGS)),
    SYS("access", A("pathname", SP_ARG_PATH), A("mode", SP_ARG_ACCESS_MODE)),
    SYS("arch_prctl", A("code", SP_ARG_ARCH_PRCTL), A("addr", SP_ARG_PTR)),
    SYS("bind", A("sockfd", SP_ARG_FD), R("addr", SP_ARG_SOCKADDR, 2), A("addrlen", SP_ARG_INT)),
    SYS("brk", A("addr", SP_ARG_PTR)),
    SYS("chdir", A("path", SP_ARG_PATH)),
    SYS("chmod", A("pathname", SP_ARG_PATH), A("mode", SP_ARG_MODE)),
    SYS("chown", A("pathname", SP_ARG_PATH), A("owner", SP_ARG_INT), A("group", SP_ARG_INT)),
    SYS("chroot", A("path", SP_ARG_PATH)),
    SYS("clock_nanosleep", A("clockid", SP_ARG_CLOCKID), A("flags", SP_ARG_TIMER_FLAGS),
        A("request", SP_ARG_PTR), A("remain", SP_ARG_PTR)),
    SYS("clone", A("flags", SP_ARG_CLONE_FLAGS), A("stack", SP_ARG_PTR),
        A("parent_tid", SP_ARG_PTR), A("child_tid", SP_ARG_PTR), A("tls", SP_ARG_PTR)),
    SYS("clone3", R("cl_args", SP_ARG_CLONE_ARGS, 1), A("size", SP_ARG_LONG)),
    SYS("close", A("fd", SP_ARG_FD)),
    SYS("close_range", A("fd", SP_ARG_UINT), A("max_fd", SP_ARG_UINT), A("flags", SP_ARG_HEX)),
    SYS("connect", A("sockfd", SP_ARG_FD), R("addr", SP_ARG_SOCKADDR, 2), A("addrlen", SP_ARG_INT)),
    SYS("copy_file_range", A("fd_in", SP_ARG_FD), A("off_in", SP_ARG_PTR), A("fd_out", SP_ARG_FD),
        A("off_out", SP_ARG_PTR), A("len", SP_ARG_LONG), A("flags", SP_ARG_UINT)),
    SYSFD("creat", A("pathname", SP_ARG_PATH), A("mode", SP_ARG_MODE)),
    SYSFD("dup", A("oldfd", SP_ARG_FD)),
    SYSFD("dup2", A("oldfd", SP_ARG_FD), A("newfd", SP_ARG_FD)),
    SYSFD("dup3", A("oldfd", SP_ARG_FD), A("newfd", SP_ARG_FD), A("flags", SP_ARG_FD_FLAGS)),
    SYSFD("epoll_create", A("size", SP_ARG_INT)),
    SYSFD("epoll_create1", A("flags", SP_ARG_FD_FLAGS)),
    SYS("epoll_ctl", A("epfd", SP_ARG_FD), A("op", SP_ARG_EPOLL_OP), A("fd", SP_ARG_FD),
        A("event", SP_ARG_EPOLL_EVENT)),
    SYS("epoll_pwait", A("epfd", SP_ARG_FD), A("events", SP_ARG_PTR), A("maxevents", SP_ARG_INT),
        A("timeout", SP_ARG_INT), A("sigmask", SP_ARG_SIGSET), A("sigsetsize", SP_ARG_LONG)),
    SYS("epoll_wait", A("epfd", SP_ARG_FD), A("events", SP_ARG_PTR), A("maxevents", SP_ARG_INT),
        A("timeout", SP_ARG_INT)),
    SYSFD("eventfd", A("initval", SP_ARG_UINT)),
    SYSFD("eventfd2", A("initval", SP_ARG_UINT), A("flags", SP_ARG_EFD_FLAGS)),
    SYS("execve", A("pathname", SP_ARG_PATH), A("argv", SP_ARG_ARGV), A("envp", SP_ARG_PTR)),
    SYS("execveat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("argv", SP_ARG_ARGV),
        A("envp", SP_ARG_PTR), A("flags", SP_ARG_AT_FLAGS)),
    SYS("exit", A("status", SP_ARG_INT)),
    SYS("exit_group", A("status", SP_ARG_INT)),
    SYS("faccessat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
        A("mode", SP_ARG_ACCESS_MODE)),
    SYS("faccessat2", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
        A("mode", SP_ARG_ACCESS_MODE), A("flags", SP_ARG_AT_ACCESS_FLAGS)),
    SYS("fadvise64", A("fd", SP_ARG_FD), A("offset", SP_ARG_LONG), A("len", SP_ARG_LONG),
        A("advice", SP_ARG_INT)),
    SYS("fchdir", A("fd", SP_ARG_FD)),
    SYS("fchmod", A("fd", SP_ARG_FD), A("mode", SP_ARG_MODE)),
    SYS("fchmodat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("mode", SP_ARG_MODE)),
    SYS("fchown", A("fd", SP_ARG_FD), A("owner", SP_ARG_INT), A("group", SP_ARG_INT)),
    SYS("fchownat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("owner", SP_ARG_INT),
        A("group", SP_ARG_INT), A("flags", SP_ARG_AT_FLAGS)),
    SYSX("fcntl", SP_EXIT_NONE, -1, -1, SP_RET_FD_FCNTL_DUP, A("fd", SP_ARG_FD),
         A("cmd", SP_ARG_FCNTL_CMD), R("arg", SP_ARG_FCNTL_ARG, 1)),
    SYS("fdatasync", A("fd", SP_ARG_FD)),
    SYS("flock", A("fd", SP_ARG_FD), A("operation", SP_ARG_FLOCK_OP)),
    SYS("fork"),
    SYS("fstat", A("fd", SP_ARG_FD), A("statbuf", SP_ARG_PTR)),
    SYS("fstatfs", A("fd", SP_ARG_FD), A("buf", SP_ARG_PTR)),
    SYS("fsync", A("fd", SP_ARG_FD)),
    SYS("ftruncate", A("fd", SP_ARG_FD), A("length", SP_ARG_LONG)),
    SYS("futex", A("uaddr", SP_ARG_PTR), A("futex_op", SP_ARG_FUTEX_OP), A("val", SP_ARG_UINT),
        A("timeout", SP_ARG_PTR), A("uaddr2", SP_ARG_PTR), A("val3", SP_ARG_UINT)),
    SYSX("getcwd", SP_EXIT_CWD, 0, -1, SP_RET_FD_NO, A("buf", SP_ARG_PTR), A("size", SP_ARG_LONG)),
    SYS("getdents64", A("fd", SP_ARG_FD), A("dirp", SP_ARG_PTR), A("count", SP_ARG_UINT)),
    SYSX("getpeername", SP_EXIT_SOCKADDR, 1, 2, SP_RET_FD_NO, A("sockfd", SP_ARG_FD),
         A("addr", SP_ARG_PTR), A("addrlen", SP_ARG_PTR)),
    SYS("getrandom", A("buf", SP_ARG_PTR), A("buflen", SP_ARG_LONG), A("flags", SP_ARG_GRND_FLAGS)),
    SYSX("getsockname", SP_EXIT_SOCKADDR, 1, 2, SP_RET_FD_NO, A("sockfd", SP_ARG_FD),
         A("addr", SP_ARG_PTR), A("addrlen", SP_ARG_PTR)),
    SYS("getsockopt", A("sockfd", SP_ARG_FD), A("level", SP_ARG_SOCKOPT_LEVEL),
        R("optname", SP_ARG_SOCKOPT_NAME, 1), A("optval", SP_ARG_PTR), A("optlen", SP_ARG_PTR)),
    SYS("inotify_add_watch", A("fd", SP_ARG_FD), A("pathname", SP_ARG_PATH), A("mask", SP_ARG_HEX)),
    SYSFD("inotify_init1", A("flags", SP_ARG_FD_FLAGS)),
    SYS("ioctl", A("fd", SP_ARG_FD), A("request", SP_ARG_IOCTL_REQ), A("arg", SP_ARG_PTR)),
    SYS("kill", A("pid", SP_ARG_INT), A("sig", SP_ARG_SIGNAL)),
    SYS("lchown", A("pathname", SP_ARG_PATH), A("owner", SP_ARG_INT), A("group", SP_ARG_INT)),
    SYS("link", A("oldpath", SP_ARG_PATH), A("newpath", SP_ARG_PATH)),
    SYS("linkat", A("olddirfd", SP_ARG_DIRFD), A("oldpath", SP_ARG_PATH),
        A("newdirfd", SP_ARG_DIRFD), A("newpath", SP_ARG_PATH), A("flags", SP_ARG_AT_FLAGS)),
    SYS("listen", A("sockfd", SP_ARG_FD), A("backlog", SP_ARG_INT)),
    SYS("lseek", A("fd", SP_ARG_FD), A("offset", SP_ARG_LONG), A("whence", SP_ARG_SEEK_WHENCE)),
    SYS("lstat", A("pathname", SP_ARG_PATH), A("statbuf", SP_ARG_PTR)),
    SYS("madvise", A("addr", SP_ARG_PTR), A("length", SP_ARG_LONG), A("advice", SP_ARG_MADVISE)),
    SYSFD("memfd_create", A("name", SP_ARG_STRING), A("flags", SP_ARG_HEX)),
    SYS("mkdir", A("pathname", SP_ARG_PATH), A("mode", SP_ARG_MODE)),
    SYS("mkdirat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("mode", SP_ARG_MODE)),
    SYS("mmap", A("addr", SP_ARG_PTR), A("length", SP_ARG_LONG), A("prot", SP_ARG_PROT),
        A("flags", SP_ARG_MAP_FLAGS), A("fd", SP_ARG_FD), A("offset", SP_ARG_LONG)),
    SYS("mount", A("source", SP_ARG_STRING), A("target", SP_ARG_PATH),
        A("filesystemtype", SP_ARG_STRING), A("mountflags", SP_ARG_MOUNT_FLAGS),
        A("data", SP_ARG_PTR)),
    SYS("mprotect", A("addr", SP_ARG_PTR), A("len", SP_ARG_LONG), A("prot", SP_ARG_PROT)),
    SYS("mremap", A("old_address", SP_ARG_PTR), A("old_size", SP_ARG_LONG),
        A("new_size", SP_ARG_LONG), A("flags", SP_ARG_MREMAP_FLAGS), A("new_address", SP_ARG_PTR)),
    SYS("munmap", A("addr", SP_ARG_PTR), A("length", SP_ARG_LONG)),
    SYS("nanosleep", A("req", SP_ARG_PTR), A("rem", SP_ARG_PTR)),
    SYS("newfstatat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
        A("statbuf", SP_ARG_PTR), A("flags", SP_ARG_AT_FLAGS)),
    SYSFD("open", A("pathname", SP_ARG_PATH), A("flags", SP_ARG_OPEN_FLAGS),
          R("mode", SP_ARG_OPEN_MODE, 1)),
    SYSFD("openat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
          A("flags", SP_ARG_OPEN_FLAGS), R("mode", SP_ARG_OPEN_MODE, 2)),
    SYSFD("openat2", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
          A("how", SP_ARG_OPEN_HOW), A("size", SP_ARG_LONG)),
    SYSFD("pidfd_open", A("pid", SP_ARG_INT), A("flags", SP_ARG_HEX)),
    SYSX("pipe", SP_EXIT_FD_PAIR, 0, -1, SP_RET_FD_NO, A("pipefd", SP_ARG_PTR)),
    SYSX("pipe2", SP_EXIT_FD_PAIR, 0, -1, SP_RET_FD_NO, A("pipefd", SP_ARG_PTR),
         A("flags", SP_ARG_FD_FLAGS)),
    SYS("poll", A("fds", SP_ARG_PTR), A("nfds", SP_ARG_UINT), A("timeout", SP_ARG_INT)),
    SYS("ppoll", A("fds", SP_ARG_PTR), A("nfds", SP_ARG_UINT), A("tmo_p", SP_ARG_PTR),
        A("sigmask", SP_ARG_SIGSET), A("sigsetsize", SP_ARG_LONG)),
    SYS("prctl", A("option", SP_ARG_PRCTL_OPTION), R("arg2", SP_ARG_PRCTL_ARG, 0),
        A("arg3", SP_ARG_LONG), A("arg4", SP_ARG_LONG), A("arg5", SP_ARG_LONG)),
    SYS("pread64", A("fd", SP_ARG_FD), A("buf", SP_ARG_PTR), A("count", SP_ARG_LONG),
        A("offset", SP_ARG_LONG)),
    SYS("prlimit64", A("pid", SP_ARG_INT), A("resource", SP_ARG_RLIMIT), A("new_limit", SP_ARG_PTR),
        A("old_limit", SP_ARG_PTR)),
    SYS("pselect6", A("nfds", SP_ARG_INT), A("readfds", SP_ARG_PTR), A("writefds", SP_ARG_PTR),
        A("exceptfds", SP_ARG_PTR), A("timeout", SP_ARG_PTR), A("sigmask", SP_ARG_PTR)),
    SYS("pwrite64", A("fd", SP_ARG_FD), A("buf", SP_ARG_PTR), A("count", SP_ARG_LONG),
        A("offset", SP_ARG_LONG)),
    SYS("read", A("fd", SP_ARG_FD), A("buf", SP_ARG_PTR), A("count", SP_ARG_LONG)),
    SYSX("readlink", SP_EXIT_LINK, 1, -1, SP_RET_FD_NO, A("pathname", SP_ARG_PATH),
         A("buf", SP_ARG_PTR), A("bufsiz", SP_ARG_LONG)),
    SYSX("readlinkat", SP_EXIT_LINK, 2, -1, SP_RET_FD_NO, A("dirfd", SP_ARG_DIRFD),
         A("pathname", SP_ARG_PATH), A("buf", SP_ARG_PTR), A("bufsiz", SP_ARG_LONG)),
    SYS("readv", A("fd", SP_ARG_FD), A("iov", SP_ARG_PTR), A("iovcnt", SP_ARG_INT)),
    SYSX("recvfrom", SP_EXIT_SOCKADDR, 4, 5, SP_RET_FD_NO, A("sockfd", SP_ARG_FD),
         A("buf", SP_ARG_PTR), A("len", SP_ARG_LONG), A("flags", SP_ARG_MSG_FLAGS),
         A("src_addr", SP_ARG_PTR), A("addrlen", SP_ARG_PTR)),
    SYS("recvmmsg", A("sockfd", SP_ARG_FD), A("msgvec", SP_ARG_PTR), A("vlen", SP_ARG_UINT),
        A("flags", SP_ARG_MSG_FLAGS), A("timeout", SP_ARG_PTR)),
    SYS("recvmsg", A("sockfd", SP_ARG_FD), A("msg", SP_ARG_PTR), A("flags", SP_ARG_MSG_FLAGS)),
    SYS("rename", A("oldpath", SP_ARG_PATH), A("newpath", SP_ARG_PATH)),
    SYS("renameat", A("olddirfd", SP_ARG_DIRFD), A("oldpath", SP_ARG_PATH),
        A("newdirfd", SP_ARG_DIRFD), A("newpath", SP_ARG_PATH)),
    SYS("renameat2", A("olddirfd", SP_ARG_DIRFD), A("oldpath", SP_ARG_PATH),
        A("newdirfd", SP_ARG_DIRFD), A("newpath", SP_ARG_PATH), A("flags", SP_ARG_RENAME_FLAGS)),
    SYS("rmdir", A("pathname", SP_ARG_PATH)),
    SYS("rseq", A("rseq", SP_ARG_PTR), A("rseq_len", SP_ARG_UINT), A("flags", SP_ARG_INT),
        A("sig", SP_ARG_HEX)),
    SYS("rt_sigaction", A("signum", SP_ARG_SIGNAL), A("act", SP_ARG_SIGACTION),
        A("oldact", SP_ARG_PTR), A("sigsetsize", SP_ARG_LONG)),
    SYS("rt_sigprocmask", A("how", SP_ARG_SIGMASK_HOW), A("set", SP_ARG_SIGSET),
        A("oldset", SP_ARG_PTR), A("sigsetsize", SP_ARG_LONG)),
    SYS("rt_sigsuspend", A("mask", SP_ARG_SIGSET), A("sigsetsize", SP_ARG_LONG)),
    SYS("seccomp", A("operation", SP_ARG_SECCOMP_OP), A("flags", SP_ARG_SECCOMP_FLAGS),
        A("args", SP_ARG_PTR)),
    SYS("select", A("nfds", SP_ARG_INT), A("readfds", SP_ARG_PTR), A("writefds", SP_ARG_PTR),
        A("exceptfds", SP_ARG_PTR), A("timeout", SP_ARG_PTR)),
    SYS("sendfile", A("out_fd", SP_ARG_FD), A("in_fd", SP_ARG_FD), A("offset", SP_ARG_PTR),
        A("count", SP_ARG_LONG)),
    SYS("sendmmsg", A("sockfd", SP_ARG_FD), A("msgvec", SP_ARG_PTR), A("vlen", SP_ARG_UINT),
        A("flags", SP_ARG_MSG_FLAGS)),
    SYS("sendmsg", A("sockfd", SP_ARG_FD), A("msg", SP_ARG_PTR), A("flags", SP_ARG_MSG_FLAGS)),
    SYS("sendto", A("sockfd", SP_ARG_FD), A("buf", SP_ARG_PTR), A("len", SP_ARG_LONG),
        A("flags", SP_ARG_MSG_FLAGS), R("dest_addr", SP_ARG_SOCKADDR, 5), A("addrlen", SP_ARG_INT)),
    SYS("set_robust_list", A("head", SP_ARG_PTR), A("len", SP_ARG_LONG)),
    SYS("set_tid_address", A("tidptr", SP_ARG_PTR)),
    SYS("setgid", A("gid", SP_ARG_INT)),
    SYS("setgroups", A("size", SP_ARG_INT), A("list", SP_ARG_PTR)),
    SYS("setresgid", A("rgid", SP_ARG_INT), A("egid", SP_ARG_INT), A("sgid", SP_ARG_INT)),
    SYS("setresuid", A("ruid", SP_ARG_INT), A("euid", SP_ARG_INT), A("suid", SP_ARG_INT)),
    SYS("setsockopt", A("sockfd", SP_ARG_FD), A("level", SP_ARG_SOCKOPT_LEVEL),
        R("optname", SP_ARG_SOCKOPT_NAME, 1), R("optval", SP_ARG_SOCKOPT_VAL, 4),
        A("optlen", SP_ARG_INT)),
    SYS("setuid", A("uid", SP_ARG_INT)),
    SYS("shutdown", A("sockfd", SP_ARG_FD), A("how", SP_ARG_SHUTDOWN_HOW)),
    SYSFD("signalfd4", A("fd", SP_ARG_INT), A("mask", SP_ARG_SIGSET), A("sizemask", SP_ARG_LONG),
          A("flags", SP_ARG_FD_FLAGS)),
    SYSFD("socket", A("domain", SP_ARG_SOCK_DOMAIN), A("type", SP_ARG_SOCK_TYPE),
          A("protocol", SP_ARG_INT)),
    SYSX("socketpair", SP_EXIT_FD_PAIR, 3, -1, SP_RET_FD_NO, A("domain", SP_ARG_SOCK_DOMAIN),
         A("type", SP_ARG_SOCK_TYPE), A("protocol", SP_ARG_INT), A("sv", SP_ARG_PTR)),
    SYS("stat", A("pathname", SP_ARG_PATH), A("statbuf", SP_ARG_PTR)),
    SYS("statfs", A("path", SP_ARG_PATH), A("buf", SP_ARG_PTR)),
    SYS("statx", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("flags", SP_ARG_AT_FLAGS),
        A("mask", SP_ARG_HEX), A("statxbuf", SP_ARG_PTR)),
    SYS("symlink", A("target", SP_ARG_STRING), A("linkpath", SP_ARG_PATH)),
    SYS("symlinkat", A("target", SP_ARG_STRING), A("newdirfd", SP_ARG_DIRFD),
        A("linkpath", SP_ARG_PATH)),
    SYS("tgkill", A("tgid", SP_ARG_INT), A("tid", SP_ARG_INT), A("sig", SP_ARG_SIGNAL)),
    SYSFD("timerfd_create", A("clockid", SP_ARG_CLOCKID), A("flags", SP_ARG_FD_FLAGS)),
    SYS("tkill", A("tid", SP_ARG_INT), A("sig", SP_ARG_SIGNAL)),
    SYS("truncate", A("path", SP_ARG_PATH), A("length", SP_ARG_LONG)),
    SYS("umask", A("mask", SP_ARG_MODE)),
    SYS("umount2", A("target", SP_ARG_PATH), A("flags", SP_ARG_UMOUNT_FLAGS)),
    SYS("unlink", A("pathname", SP_ARG_PATH)),
    SYS("unlinkat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH),
        A("flags", SP_ARG_AT_FLAGS)),
    SYS("utimensat", A("dirfd", SP_ARG_DIRFD), A("pathname", SP_ARG_PATH), A("times", SP_ARG_PTR),
        A("flags", SP_ARG_AT_FLAGS)),
    SYS("vfork"),
    SYSX("wait4", SP_EXIT_WSTATUS, 1, -1, SP_RET_FD_NO, A("pid", SP_ARG_INT),
         A("wstatus", SP_ARG_PTR), A("options", SP_ARG_WAIT_OPTIONS), A("rusage", SP_ARG_PTR)),
    SYS("write", A("fd", SP_ARG_FD), A("buf", SP_ARG_PTR), A("count", SP_ARG_LONG)),
    SYS("writev", A("fd", SP_ARG_FD), A("iov", SP_ARG_PTR), A("iovcnt", SP_ARG_INT)),
};

static int spec_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_syscall_spec *)elem)->name);
}

const struct sp_syscall_spec *sp_syscall_spec(const char *name)
{
	if (!name)
		return NULL;
	return sp_bsearch(name, sc_table, NELEM(sc_table), sizeof(sc_table[0]), spec_cmp);
}

const struct sp_syscall_spec *sp_syscall_spec_at(size_t i)
{
	return i < NELEM(sc_table) ? &sc_table[i] : NULL;
}

int sp_syscall_arg_index(const struct sp_syscall_spec *s, const char *arg)
{
	for (int i = 0; i < SP_MAX_ARGS && s->args[i].name; i++)
		if (!strcmp(s->args[i].name, arg))
			return i;
	return -ENOENT;
}

/* struct clone_args (clone3(2)) and struct open_how (openat2(2)) as the decoder prints them. */
static const struct sp_arg_field clone_args_fields[] = {
    {"flags", SP_ARG_CLONE_FLAGS},
    {"exit_signal", SP_ARG_SIGNAL},
    {NULL, 0},
};

static const struct sp_arg_field open_how_fields[] = {
    {"flags", SP_ARG_OPEN_FLAGS},
    {"mode", SP_ARG_MODE},
    {"resolve", SP_ARG_RESOLVE_FLAGS},
    {NULL, 0},
};

const struct sp_arg_field *sp_arg_fields(enum sp_arg_kind kind)
{
	switch (kind) {
	case SP_ARG_CLONE_ARGS:
		return clone_args_fields;
	case SP_ARG_OPEN_HOW:
		return open_how_fields;
	default:
		return NULL;
	}
}

/* ---- what a register holds ------------------------------------------------ */

bool sp_arg_in_register(enum sp_arg_kind kind)
{
	switch (kind) {
	case SP_ARG_PATH:
	case SP_ARG_STRING:
	case SP_ARG_OPEN_HOW:
	case SP_ARG_CLONE_ARGS:
	case SP_ARG_SOCKADDR:
	case SP_ARG_SOCKOPT_VAL:
	case SP_ARG_SIGSET:
	case SP_ARG_SIGACTION:
	case SP_ARG_EPOLL_EVENT:
	case SP_ARG_ARGV:
		return false;
	default:
		return (unsigned int)kind < SP_ARG_KIND_COUNT;
	}
}

/*
 * The C type of each in-register kind decides how much of the register
 * the kernel reads (the syscall's prototype in the man page): an int or
 * unsigned int argument is its low half, whatever the upper half holds.
 */
uint64_t sp_arg_value(enum sp_arg_kind kind, uint64_t reg)
{
	switch (kind) {
	case SP_ARG_INT:
	case SP_ARG_FD:
	case SP_ARG_DIRFD:
		return (uint64_t)(int64_t)(int32_t)(uint32_t)reg;
	case SP_ARG_UINT:
	case SP_ARG_OPEN_MODE:
	case SP_ARG_MODE:
	case SP_ARG_MADVISE:
	case SP_ARG_SOCK_DOMAIN:
	case SP_ARG_SOCK_TYPE:
	case SP_ARG_SOCKOPT_LEVEL:
	case SP_ARG_SOCKOPT_NAME:
	case SP_ARG_MSG_FLAGS:
	case SP_ARG_SHUTDOWN_HOW:
	case SP_ARG_PRCTL_OPTION:
	case SP_ARG_ARCH_PRCTL:
	case SP_ARG_FCNTL_CMD:
	case SP_ARG_IOCTL_REQ:
	case SP_ARG_SIGNAL:
	case SP_ARG_SIGMASK_HOW:
	case SP_ARG_EPOLL_OP:
	case SP_ARG_ACCESS_MODE:
	case SP_ARG_AT_FLAGS:
	case SP_ARG_AT_ACCESS_FLAGS:
	case SP_ARG_RENAME_FLAGS:
	case SP_ARG_SEEK_WHENCE:
	case SP_ARG_WAIT_OPTIONS:
	case SP_ARG_GRND_FLAGS:
	case SP_ARG_RLIMIT:
	case SP_ARG_FUTEX_OP:
	case SP_ARG_CLOCKID:
	case SP_ARG_TIMER_FLAGS:
	case SP_ARG_UMOUNT_FLAGS:
	case SP_ARG_SECCOMP_OP:
	case SP_ARG_SECCOMP_FLAGS:
	case SP_ARG_FLOCK_OP:
		return (uint32_t)reg;
	default:
		/* long, pointers, and the flags the kernel takes as unsigned long */
		return reg;
	}
}

/* ---- printing ------------------------------------------------------------- */

/* The one table of a plain flag or enumeration kind; SP_XLAT_KIND_COUNT if it has none. */
static enum sp_xlat_kind simple_table(enum sp_arg_kind kind, bool *flags)
{
	static const struct {
		uint8_t kind;
		uint8_t xlat;
		bool flags;
	} map[] = {
	    {SP_ARG_FD_FLAGS, SP_XLAT_FD_FLAGS, true},
	    {SP_ARG_EFD_FLAGS, SP_XLAT_EFD_FLAGS, true},
	    {SP_ARG_PROT, SP_XLAT_PROT, true},
	    {SP_ARG_MREMAP_FLAGS, SP_XLAT_MREMAP_FLAGS, true},
	    {SP_ARG_MADVISE, SP_XLAT_MADVISE, false},
	    {SP_ARG_SOCK_DOMAIN, SP_XLAT_SOCK_DOMAIN, false},
	    {SP_ARG_SOCK_FLAGS, SP_XLAT_SOCK_FLAGS, true},
	    {SP_ARG_SOCKOPT_LEVEL, SP_XLAT_SOCKOPT_LEVEL, false},
	    {SP_ARG_MSG_FLAGS, SP_XLAT_MSG_FLAGS, true},
	    {SP_ARG_SHUTDOWN_HOW, SP_XLAT_SHUTDOWN_HOW, false},
	    {SP_ARG_PRCTL_OPTION, SP_XLAT_PRCTL_OPTION, false},
	    {SP_ARG_ARCH_PRCTL, SP_XLAT_ARCH_PRCTL, false},
	    {SP_ARG_FCNTL_CMD, SP_XLAT_FCNTL_CMD, false},
	    {SP_ARG_IOCTL_REQ, SP_XLAT_IOCTL_REQ, false},
	    {SP_ARG_SIGMASK_HOW, SP_XLAT_SIGMASK_HOW, false},
	    {SP_ARG_EPOLL_OP, SP_XLAT_EPOLL_OP, false},
	    {SP_ARG_ACCESS_MODE, SP_XLAT_ACCESS_MODE, true},
	    {SP_ARG_AT_FLAGS, SP_XLAT_AT_FLAGS, true},
	    {SP_ARG_AT_ACCESS_FLAGS, SP_XLAT_AT_ACCESS_FLAGS, true},
	    {SP_ARG_RENAME_FLAGS, SP_XLAT_RENAME_FLAGS, true},
	    {SP_ARG_SEEK_WHENCE, SP_XLAT_SEEK_WHENCE, false},
	    {SP_ARG_WAIT_OPTIONS, SP_XLAT_WAIT_OPTIONS, true},
	    {SP_ARG_GRND_FLAGS, SP_XLAT_GRND_FLAGS, true},
	    {SP_ARG_RLIMIT, SP_XLAT_RLIMIT, false},
	    {SP_ARG_CLOCKID, SP_XLAT_CLOCKID, false},
	    {SP_ARG_TIMER_FLAGS, SP_XLAT_TIMER_FLAGS, true},
	    {SP_ARG_MOUNT_FLAGS, SP_XLAT_MOUNT_FLAGS, true},
	    {SP_ARG_UMOUNT_FLAGS, SP_XLAT_UMOUNT_FLAGS, true},
	    {SP_ARG_SECCOMP_OP, SP_XLAT_SECCOMP_OP, false},
	    {SP_ARG_SECCOMP_FLAGS, SP_XLAT_SECCOMP_FLAGS, true},
	    {SP_ARG_FLOCK_OP, SP_XLAT_FLOCK_OP, true},
	    {SP_ARG_RESOLVE_FLAGS, SP_XLAT_RESOLVE_FLAGS, true},
	};

	for (size_t i = 0; i < NELEM(map); i++) {
		if (map[i].kind == kind) {
			*flags = map[i].flags;
			return (enum sp_xlat_kind)map[i].xlat;
		}
	}
	return SP_XLAT_KIND_COUNT;
}

/*
 * The tables a composite kind's names come from: its field (an access
 * mode, a mapping type, a socket type, a futex command) first, then its
 * flags.  Signals also parse for clone flags (the exit signal).
 */
static size_t kind_tables(enum sp_arg_kind kind, const struct sp_xlat **out, bool *signals)
{
	enum sp_xlat_kind k[4];
	size_t n = 0;
	bool flags;

	*signals = false;
	switch (kind) {
	case SP_ARG_OPEN_FLAGS:
		k[n++] = SP_XLAT_OPEN_ACCMODE;
		k[n++] = SP_XLAT_OPEN_FLAGS;
		break;
	case SP_ARG_MAP_FLAGS:
		k[n++] = SP_XLAT_MAP_TYPE;
		k[n++] = SP_XLAT_MAP_FLAGS;
		k[n++] = SP_XLAT_MAP_HUGE;
		break;
	case SP_ARG_CLONE_FLAGS:
		k[n++] = SP_XLAT_CLONE_FLAGS;
		*signals = true;
		break;
	case SP_ARG_SOCK_TYPE:
		k[n++] = SP_XLAT_SOCK_TYPE;
		k[n++] = SP_XLAT_SOCK_FLAGS;
		break;
	case SP_ARG_FUTEX_OP:
		k[n++] = SP_XLAT_FUTEX_CMD;
		k[n++] = SP_XLAT_FUTEX_FLAGS;
		break;
	case SP_ARG_SIGNAL:
		*signals = true;
		break;
	case SP_ARG_SOCKOPT_NAME:
		k[n++] = SP_XLAT_SO_OPTS;
		k[n++] = SP_XLAT_TCP_OPTS;
		k[n++] = SP_XLAT_IP_OPTS;
		k[n++] = SP_XLAT_IPV6_OPTS;
		break;
	default:
		if ((k[n] = simple_table(kind, &flags)) != SP_XLAT_KIND_COUNT)
			n++;
		break;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = sp_xlat_get(k[i]);
	return n;
}

/* Appends "|flags" (or just the flags at the start) when v has any bit; the new length. */
static size_t cat_flags(enum sp_xlat_kind k, uint64_t v, char *buf, size_t n, size_t len)
{
	char tmp[512];

	if (!v)
		return len;
	sp_xlat_format_flags(sp_xlat_get(k), v, tmp, sizeof(tmp));
	if (len)
		len = sp_xlat_cat(buf, n, len, "|");
	return sp_xlat_cat(buf, n, len, tmp);
}

/* Starts buf with the name of field (an enumeration), when it has one. */
static size_t start_field(enum sp_xlat_kind k, uint64_t field, char *buf, size_t n, bool *named)
{
	const char *name = sp_xlat_name(sp_xlat_get(k), field);

	*named = name != NULL;
	return name ? sp_xlat_cat(buf, n, 0, name) : 0;
}

static char *fmt_open_flags(uint64_t v, char *buf, size_t n)
{
	bool named;
	size_t len = start_field(SP_XLAT_OPEN_ACCMODE, v & O_ACCMODE, buf, n, &named);

	/* O_RDONLY is 0, so a mode is always named; 3 is no mode and stays hex. */
	if (named)
		v &= ~(uint64_t)O_ACCMODE;
	cat_flags(SP_XLAT_OPEN_FLAGS, v, buf, n, len);
	return buf;
}

/* MAP_TYPE is a 2-bit field, not flags: MAP_SHARED_VALIDATE is SHARED|PRIVATE. */
#define MAP_TYPE_BITS 0x3

static char *fmt_map_flags(uint64_t v, char *buf, size_t n)
{
	const uint64_t huge_bits = (uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT;
	const char *huge = NULL;
	size_t len = 0;
	bool named = false;

	if (v & MAP_TYPE_BITS)
		len = start_field(SP_XLAT_MAP_TYPE, v & MAP_TYPE_BITS, buf, n, &named);
	if (named)
		v &= ~(uint64_t)MAP_TYPE_BITS;
	/* With MAP_HUGETLB the bits from MAP_HUGE_SHIFT up are log2 of the page size. */
	if (v & MAP_HUGETLB)
		huge = sp_xlat_name(sp_xlat_get(SP_XLAT_MAP_HUGE), v & huge_bits);
	if (huge)
		v &= ~huge_bits;
	len = cat_flags(SP_XLAT_MAP_FLAGS, v, buf, n, len);
	if (huge)
		len = sp_xlat_cat(buf, n, sp_xlat_cat(buf, n, len, "|"), huge);
	if (!len)
		sp_xlat_cat(buf, n, 0, "0");
	return buf;
}

static char *fmt_signal(uint64_t v, char *buf, size_t n)
{
	const char *name = v <= 64 ? sp_signal_name((int)v, buf, n) : NULL;

	if (!name)
		snprintf(buf, n, "%llu", (unsigned long long)v);
	else if (name != buf)
		snprintf(buf, n, "%s", name);
	return buf;
}

static char *fmt_clone_flags(uint64_t v, char *buf, size_t n)
{
	uint64_t sig = v & CSIGNAL;
	size_t len = cat_flags(SP_XLAT_CLONE_FLAGS, v & ~(uint64_t)CSIGNAL, buf, n, 0);

	/* The low byte is the signal the parent gets when the child ends. */
	if (sig) {
		char name[24];

		if (len)
			len = sp_xlat_cat(buf, n, len, "|");
		len = sp_xlat_cat(buf, n, len, fmt_signal(sig, name, sizeof(name)));
	}
	if (!len)
		sp_xlat_cat(buf, n, 0, "0");
	return buf;
}

/* The socket type lives in the low 4 bits; the rest are SOCK_NONBLOCK and SOCK_CLOEXEC. */
#define SOCK_TYPE_BITS 0xf

static char *fmt_sock_type(uint64_t v, char *buf, size_t n)
{
	bool named = false;
	size_t len = 0;

	if (v & SOCK_TYPE_BITS)
		len = start_field(SP_XLAT_SOCK_TYPE, v & SOCK_TYPE_BITS, buf, n, &named);
	if (named)
		v &= ~(uint64_t)SOCK_TYPE_BITS;
	if (!cat_flags(SP_XLAT_SOCK_FLAGS, v, buf, n, len))
		sp_xlat_cat(buf, n, 0, "0");
	return buf;
}

static char *fmt_futex_op(uint64_t v, char *buf, size_t n)
{
	bool named;
	size_t len = start_field(SP_XLAT_FUTEX_CMD, v & FUTEX_CMD_MASK, buf, n, &named);

	/* FUTEX_WAIT is 0: with no command named, the flags still stand on their own. */
	if (named)
		v &= ~(uint64_t)FUTEX_CMD_MASK;
	if (!cat_flags(SP_XLAT_FUTEX_FLAGS, v, buf, n, len))
		sp_xlat_cat(buf, n, 0, "0");
	return buf;
}

char *sp_arg_format(enum sp_arg_kind kind, uint64_t v, char *buf, size_t n)
{
	enum sp_xlat_kind k;
	bool flags;

	if (n == 0)
		return NULL;
	buf[0] = '\0';
	switch (kind) {
	case SP_ARG_OPEN_FLAGS:
		return fmt_open_flags(v, buf, n);
	case SP_ARG_MAP_FLAGS:
		return fmt_map_flags(v, buf, n);
	case SP_ARG_CLONE_FLAGS:
		return fmt_clone_flags(v, buf, n);
	case SP_ARG_SOCK_TYPE:
		return fmt_sock_type(v, buf, n);
	case SP_ARG_FUTEX_OP:
		return fmt_futex_op(v, buf, n);
	case SP_ARG_SIGNAL:
		return fmt_signal(v, buf, n);
	default:
		break;
	}
	k = simple_table(kind, &flags);
	if (k == SP_XLAT_KIND_COUNT)
		return NULL;
	if (flags)
		return sp_xlat_format_flags(sp_xlat_get(k), v, buf, n);
	return sp_xlat_format_enum(sp_xlat_get(k), v, buf, n);
}

/* ---- parsing ------------------------------------------------------------- */

/* Every table, for kinds without their own (a raw register, fcntl's argument). */
static size_t all_tables(const struct sp_xlat **out)
{
	for (int k = 0; k < SP_XLAT_KIND_COUNT; k++)
		out[k] = sp_xlat_get((enum sp_xlat_kind)k);
	return SP_XLAT_KIND_COUNT;
}

int sp_arg_parse(enum sp_arg_kind kind, const char *s, uint64_t *v, size_t *bad_off,
                 size_t *bad_len)
{
	const struct sp_xlat *tabs[SP_XLAT_KIND_COUNT];
	bool signals;
	size_t ntabs = kind_tables(kind, tabs, &signals);

	if (!ntabs && !signals) {
		ntabs = all_tables(tabs);
		signals = true;
	}
	return sp_xlat_parse_in(tabs, ntabs, signals, s, v, bad_off, bad_len);
}

const char *sp_arg_suggest(enum sp_arg_kind kind, const char *name)
{
	const struct sp_xlat *tabs[SP_XLAT_KIND_COUNT];
	bool signals;
	size_t ntabs = kind_tables(kind, tabs, &signals);

	if (signals)
		tabs[ntabs++] = sp_xlat_get(SP_XLAT_SIGNALS);
	if (!ntabs)
		ntabs = all_tables(tabs);
	return sp_xlat_nearest_in(tabs, ntabs, name);
}
