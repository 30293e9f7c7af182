/* SPDX-License-Identifier: MIT */
/*
 * Argument decoding on real syscall arguments in real memory: the test
 * process plays the tracee (ctx.tid = ctx.pid = getpid()), so strings,
 * sockaddrs and argv arrays are read with process_vm_readv and fds are
 * named through /proc/PID/fd exactly as for a traced program.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/decode.h"

static struct sp_decode_ctx self_ctx(size_t strsize)
{
	struct sp_decode_ctx ctx = {.tid = getpid(), .pid = getpid(), .strsize = strsize};

	return ctx;
}

#define U(p) ((uint64_t)(uintptr_t)(p))

static const char *str_of(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v || !json_is_string(v))
		fail_msg("key %s: not a string", key);
	return json_string_value(v);
}

static json_int_t int_of(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!v || !json_is_integer(v))
		fail_msg("key %s: not an integer", key);
	return json_integer_value(v);
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- sp_arg_format ------------------------------------------------------------- */

static void test_fmt_open_flags(void **state)
{
	(void)state;
	char b[256];

	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, 0, b, sizeof(b)), "O_RDONLY");
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_RDONLY | O_CLOEXEC, b, sizeof(b)),
	                    "O_RDONLY|O_CLOEXEC");
	assert_string_equal(
	    sp_arg_format(SP_ARG_OPEN_FLAGS, O_WRONLY | O_CREAT | O_TRUNC, b, sizeof(b)),
	    "O_WRONLY|O_CREAT|O_TRUNC");
	assert_string_equal(
	    sp_arg_format(SP_ARG_OPEN_FLAGS, O_RDWR | O_APPEND | O_NONBLOCK, b, sizeof(b)),
	    "O_RDWR|O_APPEND|O_NONBLOCK");
	/* Multi-bit flags win over the bits they contain. */
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_SYNC, b, sizeof(b)),
	                    "O_RDONLY|O_SYNC");
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_DSYNC, b, sizeof(b)),
	                    "O_RDONLY|O_DSYNC");
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_RDWR | O_TMPFILE, b, sizeof(b)),
	                    "O_RDWR|O_TMPFILE");
	assert_string_equal(
	    sp_arg_format(SP_ARG_OPEN_FLAGS, O_DIRECTORY | O_NOFOLLOW | O_PATH, b, sizeof(b)),
	    "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_PATH");
	/* The kernel's O_LARGEFILE, which glibc spells 0 on x86-64. */
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, 0100000, b, sizeof(b)),
	                    "O_RDONLY|O_LARGEFILE");
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS,
	                                  O_EXCL | O_NOCTTY | O_DIRECT | O_NOATIME, b, sizeof(b)),
	                    "O_RDONLY|O_EXCL|O_NOCTTY|O_DIRECT|O_NOATIME");
	/* Unknown bits, and the access mode 3 that names no mode, stay in hex. */
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_CLOEXEC | 0x40000000, b, sizeof(b)),
	                    "O_RDONLY|O_CLOEXEC|0x40000000");
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, 3, b, sizeof(b)), "0x3");
	/* A small buffer cuts, never overflows. */
	assert_string_equal(sp_arg_format(SP_ARG_OPEN_FLAGS, O_WRONLY | O_CREAT, b, 8), "O_WRONL");
}

static void test_fmt_prot_map(void **state)
{
	(void)state;
	char b[256];

	assert_string_equal(sp_arg_format(SP_ARG_PROT, PROT_NONE, b, sizeof(b)), "PROT_NONE");
	assert_string_equal(sp_arg_format(SP_ARG_PROT, PROT_READ | PROT_EXEC, b, sizeof(b)),
	                    "PROT_READ|PROT_EXEC");
	assert_string_equal(sp_arg_format(SP_ARG_PROT, PROT_READ | PROT_WRITE | 0x10, b, sizeof(b)),
	                    "PROT_READ|PROT_WRITE|0x10");
	assert_string_equal(sp_arg_format(SP_ARG_PROT, 0x10, b, sizeof(b)), "0x10");

	assert_string_equal(
	    sp_arg_format(SP_ARG_MAP_FLAGS, MAP_PRIVATE | MAP_ANONYMOUS, b, sizeof(b)),
	    "MAP_PRIVATE|MAP_ANONYMOUS");
	assert_string_equal(
	    sp_arg_format(SP_ARG_MAP_FLAGS, MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, b, sizeof(b)),
	    "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
	assert_string_equal(
	    sp_arg_format(SP_ARG_MAP_FLAGS, MAP_SHARED_VALIDATE | MAP_SYNC, b, sizeof(b)),
	    "MAP_SHARED_VALIDATE|MAP_SYNC");
	assert_string_equal(sp_arg_format(SP_ARG_MAP_FLAGS, MAP_SHARED | 0x200000, b, sizeof(b)),
	                    "MAP_SHARED|0x200000");
	assert_string_equal(sp_arg_format(SP_ARG_MAP_FLAGS, 0, b, sizeof(b)), "0");
	assert_string_equal(
	    sp_arg_format(SP_ARG_MAP_FLAGS,
	                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21U << MAP_HUGE_SHIFT), b,
	                  sizeof(b)),
	    "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB");
}

static void test_fmt_clone(void **state)
{
	(void)state;
	char b[512];
	/* What glibc's pthread_create passes. */
	uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	                  CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;

	assert_string_equal(
	    sp_arg_format(SP_ARG_CLONE_FLAGS, thread, b, sizeof(b)),
	    "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
	    "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
	/* fork(): the low byte is the exit signal. */
	assert_string_equal(sp_arg_format(SP_ARG_CLONE_FLAGS,
	                                  CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD, b,
	                                  sizeof(b)),
	                    "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	assert_string_equal(
	    sp_arg_format(SP_ARG_CLONE_FLAGS, CLONE_VM | CLONE_VFORK | SIGCHLD, b, sizeof(b)),
	    "CLONE_VM|CLONE_VFORK|SIGCHLD");
	assert_string_equal(sp_arg_format(SP_ARG_CLONE_FLAGS, SIGCHLD, b, sizeof(b)), "SIGCHLD");
	assert_string_equal(sp_arg_format(SP_ARG_CLONE_FLAGS, 0, b, sizeof(b)), "0");
	assert_string_equal(
	    sp_arg_format(SP_ARG_CLONE_FLAGS, CLONE_NEWNET | (1ULL << 40), b, sizeof(b)),
	    "CLONE_NEWNET|0x10000000000");
}

static void test_fmt_socket(void **state)
{
	(void)state;
	char b[256];

	assert_string_equal(sp_arg_format(SP_ARG_SOCK_DOMAIN, AF_INET, b, sizeof(b)), "AF_INET");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_DOMAIN, AF_INET6, b, sizeof(b)), "AF_INET6");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_DOMAIN, AF_UNIX, b, sizeof(b)), "AF_UNIX");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_DOMAIN, AF_NETLINK, b, sizeof(b)),
	                    "AF_NETLINK");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_DOMAIN, 200, b, sizeof(b)), "200");

	assert_string_equal(sp_arg_format(SP_ARG_SOCK_TYPE, SOCK_STREAM, b, sizeof(b)),
	                    "SOCK_STREAM");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_TYPE,
	                                  SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, b, sizeof(b)),
	                    "SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_TYPE, SOCK_STREAM | 0x100000, b, sizeof(b)),
	                    "SOCK_STREAM|0x100000");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_TYPE, 9 | SOCK_CLOEXEC, b, sizeof(b)),
	                    "SOCK_CLOEXEC|0x9");
	assert_string_equal(sp_arg_format(SP_ARG_SOCK_TYPE, 0, b, sizeof(b)), "0");
}

static void test_fmt_enums(void **state)
{
	(void)state;
	char b[64];

	assert_string_equal(sp_arg_format(SP_ARG_PRCTL_OPTION, PR_SET_NAME, b, sizeof(b)),
	                    "PR_SET_NAME");
	assert_string_equal(sp_arg_format(SP_ARG_PRCTL_OPTION, PR_SET_NO_NEW_PRIVS, b, sizeof(b)),
	                    "PR_SET_NO_NEW_PRIVS");
	assert_string_equal(sp_arg_format(SP_ARG_PRCTL_OPTION, PR_SET_SECCOMP, b, sizeof(b)),
	                    "PR_SET_SECCOMP");
	assert_string_equal(sp_arg_format(SP_ARG_PRCTL_OPTION, 9999, b, sizeof(b)), "9999");

	assert_string_equal(sp_arg_format(SP_ARG_FCNTL_CMD, F_DUPFD, b, sizeof(b)), "F_DUPFD");
	assert_string_equal(sp_arg_format(SP_ARG_FCNTL_CMD, F_SETFL, b, sizeof(b)), "F_SETFL");
	assert_string_equal(sp_arg_format(SP_ARG_FCNTL_CMD, F_DUPFD_CLOEXEC, b, sizeof(b)),
	                    "F_DUPFD_CLOEXEC");
	assert_string_equal(sp_arg_format(SP_ARG_FCNTL_CMD, F_OFD_SETLKW, b, sizeof(b)),
	                    "F_OFD_SETLKW");
	assert_string_equal(sp_arg_format(SP_ARG_FCNTL_CMD, 77, b, sizeof(b)), "77");

	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, SIGHUP, b, sizeof(b)), "SIGHUP");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, SIGKILL, b, sizeof(b)), "SIGKILL");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, SIGCHLD, b, sizeof(b)), "SIGCHLD");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, SIGSYS, b, sizeof(b)), "SIGSYS");
	/*
	 * Kernel numbering of the real-time signals (glibc's SIGRTMIN is 34),
	 * spelt as strace and the trace's "sig" spell them.
	 */
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, 32, b, sizeof(b)), "SIGRT_0");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, 34, b, sizeof(b)), "SIGRT_2");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, 64, b, sizeof(b)), "SIGRT_32");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, 0, b, sizeof(b)), "0");
	assert_string_equal(sp_arg_format(SP_ARG_SIGNAL, 65, b, sizeof(b)), "65");
}

/* ---- the table -------------------------------------------------------------- */

static void test_table_covers(void **state)
{
	(void)state;
	/* Each must be found: the table is searched with bsearch, so this also checks its order. */
	static const char *const names[] = {
	    "read",
	    "write",
	    "pread64",
	    "pwrite64",
	    "readv",
	    "writev",
	    "close",
	    "open",
	    "openat",
	    "openat2",
	    "creat",
	    "stat",
	    "lstat",
	    "fstat",
	    "newfstatat",
	    "statx",
	    "access",
	    "faccessat",
	    "faccessat2",
	    "readlink",
	    "readlinkat",
	    "mkdir",
	    "mkdirat",
	    "rmdir",
	    "unlink",
	    "unlinkat",
	    "rename",
	    "renameat",
	    "renameat2",
	    "link",
	    "linkat",
	    "symlink",
	    "symlinkat",
	    "chmod",
	    "fchmod",
	    "fchmodat",
	    "chown",
	    "fchown",
	    "lchown",
	    "fchownat",
	    "chdir",
	    "fchdir",
	    "truncate",
	    "ftruncate",
	    "getdents64",
	    "lseek",
	    "dup",
	    "dup2",
	    "dup3",
	    "fcntl",
	    "ioctl",
	    "pipe",
	    "pipe2",
	    "socket",
	    "socketpair",
	    "bind",
	    "connect",
	    "listen",
	    "accept",
	    "accept4",
	    "getsockname",
	    "getpeername",
	    "setsockopt",
	    "getsockopt",
	    "sendto",
	    "recvfrom",
	    "sendmsg",
	    "recvmsg",
	    "sendfile",
	    "shutdown",
	    "mmap",
	    "mprotect",
	    "munmap",
	    "mremap",
	    "madvise",
	    "brk",
	    "execve",
	    "execveat",
	    "clone",
	    "clone3",
	    "fork",
	    "vfork",
	    "wait4",
	    "kill",
	    "tgkill",
	    "tkill",
	    "rt_sigaction",
	    "rt_sigprocmask",
	    "rt_sigsuspend",
	    "prctl",
	    "arch_prctl",
	    "epoll_create",
	    "epoll_create1",
	    "epoll_ctl",
	    "epoll_wait",
	    "epoll_pwait",
	    "eventfd2",
	    "poll",
	    "ppoll",
	    "select",
	    "pselect6",
	    "getcwd",
	    "setuid",
	    "setgid",
	    "setgroups",
	    "setresuid",
	    "setresgid",
	    "exit",
	    "exit_group",
	    "getrandom",
	    "prlimit64",
	    "set_robust_list",
	    "set_tid_address",
	    "rseq",
	    "futex",
	    "nanosleep",
	    "clock_nanosleep",
	    "umask",
	    "mount",
	    "umount2",
	    "chroot",
	    "statfs",
	    "fstatfs",
	    "seccomp",
	    /* beyond the required list */
	    "close_range",
	    "copy_file_range",
	    "eventfd",
	    "fadvise64",
	    "fdatasync",
	    "flock",
	    "fsync",
	    "inotify_add_watch",
	    "inotify_init1",
	    "memfd_create",
	    "pidfd_open",
	    "recvmmsg",
	    "sendmmsg",
	    "signalfd4",
	    "timerfd_create",
	    "utimensat",
	};
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {0};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *d = sp_decode_entry(&ctx, names[i], args);

		if (!d)
			fail_msg("%s has no table entry", names[i]);
		json_decref(d);
	}
	assert_null(sp_decode_entry(&ctx, "getpid", args));
	assert_null(sp_decode_entry(&ctx, "no_such_call", args));
	assert_null(sp_decode_entry(&ctx, NULL, args));
}

static void test_plain_numbers(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {
	    0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0};
	json_t *d;

	/* mmap: no memory is read, numbers stay numbers, the -1 fd is just -1. */
	d = sp_decode_entry(&ctx, "mmap", args);
	assert_non_null(d);
	assert_string_equal(str_of(d, "addr"), "0x0");
	assert_int_equal(int_of(d, "length"), 8192);
	assert_string_equal(str_of(d, "prot"), "PROT_READ|PROT_WRITE");
	assert_string_equal(str_of(d, "flags"), "MAP_PRIVATE|MAP_ANONYMOUS");
	assert_int_equal(int_of(json_object_get(d, "fd"), "fd"), -1);
	assert_null(json_object_get(json_object_get(d, "fd"), "kind"));
	json_decref(d);

	/* kill(-1, SIGTERM): a 32-bit int is sign-extended. */
	memset(args, 0, sizeof(args));
	args[0] = 0xffffffff;
	args[1] = SIGTERM;
	d = sp_decode_entry(&ctx, "kill", args);
	assert_int_equal(int_of(d, "pid"), -1);
	assert_string_equal(str_of(d, "sig"), "SIGTERM");
	json_decref(d);

	/* exit_group(3) and a syscall without arguments. */
	args[0] = 3;
	d = sp_decode_entry(&ctx, "exit_group", args);
	assert_int_equal(int_of(d, "status"), 3);
	json_decref(d);
	d = sp_decode_entry(&ctx, "fork", args);
	assert_int_equal(json_object_size(d), 0);
	json_decref(d);

	/* arch_prctl(ARCH_SET_FS, addr), prctl, access, *at flags, sigprocmask how, epoll op. */
	args[0] = 0x1002;
	args[1] = 0x7f00deadb000;
	d = sp_decode_entry(&ctx, "arch_prctl", args);
	assert_string_equal(str_of(d, "code"), "ARCH_SET_FS");
	assert_string_equal(str_of(d, "addr"), "0x7f00deadb000");
	json_decref(d);

	args[0] = PR_SET_NO_NEW_PRIVS;
	args[1] = 1;
	d = sp_decode_entry(&ctx, "prctl", args);
	assert_string_equal(str_of(d, "option"), "PR_SET_NO_NEW_PRIVS");
	assert_int_equal(int_of(d, "arg2"), 1);
	json_decref(d);

	args[0] = PR_SET_NAME;
	args[1] = U("worker-thread-with-a-long-name");
	d = sp_decode_entry(&ctx, "prctl", args);
	assert_string_equal(str_of(d, "arg2"), "worker-thread-w");
	json_decref(d);

	memset(args, 0, sizeof(args));
	args[0] = (uint64_t)AT_FDCWD;
	args[1] = U("/tmp");
	args[2] = R_OK | X_OK;
	args[3] = AT_EACCESS | AT_SYMLINK_NOFOLLOW;
	d = sp_decode_entry(&ctx, "faccessat2", args);
	assert_string_equal(str_of(d, "mode"), "R_OK|X_OK");
	assert_string_equal(str_of(d, "flags"), "AT_SYMLINK_NOFOLLOW|AT_EACCESS");
	json_decref(d);

	args[2] = F_OK;
	d = sp_decode_entry(&ctx, "faccessat", args);
	assert_string_equal(str_of(d, "mode"), "F_OK");
	json_decref(d);

	args[2] = AT_REMOVEDIR;
	d = sp_decode_entry(&ctx, "unlinkat", args);
	assert_string_equal(str_of(d, "flags"), "AT_REMOVEDIR");
	json_decref(d);

	args[3] = 0;
	args[4] = 0;
	args[2] = U(NULL);
	args[3] = AT_EMPTY_PATH | 0x100000;
	d = sp_decode_entry(&ctx, "newfstatat", args);
	assert_string_equal(str_of(d, "flags"), "AT_EMPTY_PATH|0x100000");
	json_decref(d);

	memset(args, 0, sizeof(args));
	args[0] = SIG_BLOCK;
	d = sp_decode_entry(&ctx, "rt_sigprocmask", args);
	assert_string_equal(str_of(d, "how"), "SIG_BLOCK");
	assert_true(json_is_null(json_object_get(d, "set")));
	json_decref(d);

	args[0] = 0;
	args[1] = FIONBIO;
	d = sp_decode_entry(&ctx, "ioctl", args);
	assert_string_equal(str_of(d, "request"), "0x5421");
	assert_string_equal(str_of(d, "request_name"), "FIONBIO");
	json_decref(d);
	args[1] = TIOCGWINSZ;
	d = sp_decode_entry(&ctx, "ioctl", args);
	assert_string_equal(str_of(d, "request_name"), "TIOCGWINSZ");
	json_decref(d);
	args[1] = 0xc0de;
	d = sp_decode_entry(&ctx, "ioctl", args);
	assert_string_equal(str_of(d, "request"), "0xc0de");
	assert_null(json_object_get(d, "request_name"));
	json_decref(d);
}

/* ---- strings and paths -------------------------------------------------------- */

static void test_openat_path(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	static const char path[] = "/etc/passwd";
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)AT_FDCWD, U(path), O_RDONLY | O_CLOEXEC, 0644};
	json_t *d = sp_decode_entry(&ctx, "openat", args);

	assert_string_equal(str_of(d, "dirfd"), "AT_FDCWD");
	assert_string_equal(str_of(d, "pathname"), "/etc/passwd");
	assert_string_equal(str_of(d, "flags"), "O_RDONLY|O_CLOEXEC");
	/* No O_CREAT: the mode register is noise and is left out. */
	assert_null(json_object_get(d, "mode"));
	assert_null(json_object_get(d, "pathname_truncated"));
	json_decref(d);

	args[2] = O_WRONLY | O_CREAT | O_TRUNC;
	d = sp_decode_entry(&ctx, "openat", args);
	assert_string_equal(str_of(d, "mode"), "0644");
	json_decref(d);

	args[2] = O_RDWR | O_TMPFILE;
	args[3] = 04755;
	d = sp_decode_entry(&ctx, "openat", args);
	assert_string_equal(str_of(d, "mode"), "04755");
	json_decref(d);

	/* NULL and unreadable pointers. */
	args[1] = 0;
	d = sp_decode_entry(&ctx, "openat", args);
	assert_true(json_is_null(json_object_get(d, "pathname")));
	json_decref(d);
	args[1] = 8;
	d = sp_decode_entry(&ctx, "openat", args);
	assert_string_equal(str_of(d, "pathname"), "0x8");
	json_decref(d);
}

static void test_path_before_guard(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	size_t pg = page_size();
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const char s[] = "/var/lib/at/the/very/end";
	uint64_t args[SP_MAX_ARGS] = {0};
	json_t *d;

	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p + pg, pg), 0);
	memcpy(p + pg - sizeof(s), s, sizeof(s));
	args[0] = U(p + pg - sizeof(s));
	d = sp_decode_entry(&ctx, "chdir", args);
	assert_string_equal(str_of(d, "path"), s);
	assert_null(json_object_get(d, "path_truncated"));
	json_decref(d);

	/* No NUL before the unmapped page: the readable part, marked truncated. */
	memset(p + pg - 6, 'z', 6);
	args[0] = U(p + pg - 6);
	d = sp_decode_entry(&ctx, "unlink", args);
	assert_string_equal(str_of(d, "pathname"), "zzzzzz");
	assert_true(json_is_true(json_object_get(d, "pathname_truncated")));
	json_decref(d);
	munmap(p, pg);
}

static void test_path_truncated(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(8);
	uint64_t args[SP_MAX_ARGS] = {U("/usr/lib/x86_64-linux-gnu"), 0755};
	json_t *d = sp_decode_entry(&ctx, "mkdir", args);

	assert_string_equal(str_of(d, "pathname"), "/usr/lib");
	assert_true(json_is_true(json_object_get(d, "pathname_truncated")));
	assert_string_equal(str_of(d, "mode"), "0755");
	json_decref(d);

	args[0] = U("/usr/lib"); /* exactly strsize: whole */
	d = sp_decode_entry(&ctx, "mkdir", args);
	assert_string_equal(str_of(d, "pathname"), "/usr/lib");
	assert_null(json_object_get(d, "pathname_truncated"));
	json_decref(d);

	/* Both paths of rename, each with its own mark. */
	args[0] = U("/a");
	args[1] = U("/a/much/longer/path");
	d = sp_decode_entry(&ctx, "rename", args);
	assert_string_equal(str_of(d, "oldpath"), "/a");
	assert_null(json_object_get(d, "oldpath_truncated"));
	assert_string_equal(str_of(d, "newpath"), "/a/much/");
	assert_true(json_is_true(json_object_get(d, "newpath_truncated")));
	json_decref(d);
}

static void test_path_not_utf8(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	static const char path[] = "/tmp/\xff\xfe-latin1-\xe9";
	uint64_t args[SP_MAX_ARGS] = {U(path)};
	json_t *d = sp_decode_entry(&ctx, "unlink", args);

	assert_string_equal(str_of(d, "pathname"), "/tmp/\\xff\\xfe-latin1-\\xe9");
	json_decref(d);
}

static void test_execve_argv(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	size_t pg = page_size();
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* The pointer array ends exactly at an unmapped page. */
	const char **argv = (const char **)(p + pg) - 4;
	uint64_t args[SP_MAX_ARGS] = {0};
	json_t *d, *a;

	assert_true(p != MAP_FAILED);
	assert_int_equal(munmap(p + pg, pg), 0);
	argv[0] = "/bin/echo";
	argv[1] = "hello";
	argv[2] = "world";
	argv[3] = NULL;
	args[0] = U("/bin/echo");
	args[1] = U(argv);
	args[2] = U(environ);
	d = sp_decode_entry(&ctx, "execve", args);
	assert_string_equal(str_of(d, "pathname"), "/bin/echo");
	a = json_object_get(d, "argv");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "/bin/echo");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "hello");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "world");
	assert_null(json_object_get(d, "argv_truncated"));
	json_decref(d);

	/* An empty argv. */
	args[1] = U(argv + 3);
	d = sp_decode_entry(&ctx, "execve", args);
	assert_int_equal(json_array_size(json_object_get(d, "argv")), 0);
	json_decref(d);
	munmap(p, pg);
}

static void test_execve_argv_limits(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(4);
	const char *many[71];
	uint64_t args[SP_MAX_ARGS] = {0};
	json_t *d, *a;

	for (int i = 0; i < 70; i++)
		many[i] = "arg";
	many[70] = NULL;
	args[0] = (uint64_t)AT_FDCWD;
	args[1] = U("/usr/bin/env");
	args[2] = U(many);
	d = sp_decode_entry(&ctx, "execveat", args);
	a = json_object_get(d, "argv");
	assert_int_equal(json_array_size(a), 64);
	assert_true(json_is_true(json_object_get(d, "argv_truncated")));
	/* strsize 4 cuts the path too. */
	assert_string_equal(str_of(d, "pathname"), "/usr");
	assert_true(json_is_true(json_object_get(d, "pathname_truncated")));
	json_decref(d);

	/* A long element alone is enough to mark the array. */
	many[0] = "abcdefgh";
	many[1] = NULL;
	d = sp_decode_entry(&ctx, "execveat", args);
	a = json_object_get(d, "argv");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "abcd");
	assert_true(json_is_true(json_object_get(d, "argv_truncated")));
	json_decref(d);
}

/* ---- sockaddrs ------------------------------------------------------------------ */

static json_t *decode_connect(const void *sa, socklen_t len)
{
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)-1, U(sa), len};
	json_t *d = sp_decode_entry(&ctx, "connect", args);
	json_t *addr = json_incref(json_object_get(d, "addr"));

	assert_int_equal(int_of(d, "addrlen"), len);
	json_decref(d);
	return addr;
}

static void test_sockaddr_inet(void **state)
{
	(void)state;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(8080)};
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	json_t *a;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	a = decode_connect(&sin, sizeof(sin));
	assert_string_equal(str_of(a, "family"), "AF_INET");
	assert_string_equal(str_of(a, "addr"), "127.0.0.1");
	assert_int_equal(int_of(a, "port"), 8080);
	json_decref(a);

	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	a = decode_connect(&sin6, sizeof(sin6));
	assert_string_equal(str_of(a, "family"), "AF_INET6");
	assert_string_equal(str_of(a, "addr"), "::1");
	assert_int_equal(int_of(a, "port"), 443);
	assert_null(json_object_get(a, "scope_id"));
	json_decref(a);

	inet_pton(AF_INET6, "fe80::1:2", &sin6.sin6_addr);
	sin6.sin6_scope_id = 2;
	a = decode_connect(&sin6, sizeof(sin6));
	assert_string_equal(str_of(a, "addr"), "fe80::1:2");
	assert_int_equal(int_of(a, "scope_id"), 2);
	json_decref(a);
}

static void test_sockaddr_unix(void **state)
{
	(void)state;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK, .nl_pid = 1234, .nl_groups = 5};
	struct sockaddr other = {.sa_family = AF_APPLETALK};
	json_t *a;

	strcpy(sun.sun_path, "/run/app.sock");
	a = decode_connect(&sun, offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
	assert_string_equal(str_of(a, "family"), "AF_UNIX");
	assert_string_equal(str_of(a, "path"), "/run/app.sock");
	json_decref(a);

	/* Abstract: leading NUL shown as '@', the length decides where the name ends. */
	memset(sun.sun_path, 'X', sizeof(sun.sun_path));
	memcpy(sun.sun_path, "\0ctl-sock", 9);
	a = decode_connect(&sun, offsetof(struct sockaddr_un, sun_path) + 9);
	assert_string_equal(str_of(a, "path"), "@ctl-sock");
	json_decref(a);

	/* An oversized length is held to sun_path: the name is all 108 bytes, no more. */
	a = decode_connect(&sun, 1000);
	assert_int_equal(strlen(str_of(a, "path")), sizeof(sun.sun_path));
	assert_memory_equal(str_of(a, "path"), "@ctl-sock", 9);
	json_decref(a);

	/* Unnamed: just the family. */
	a = decode_connect(&sun, sizeof(sa_family_t));
	assert_string_equal(str_of(a, "family"), "AF_UNIX");
	assert_null(json_object_get(a, "path"));
	json_decref(a);

	a = decode_connect(&snl, sizeof(snl));
	assert_string_equal(str_of(a, "family"), "AF_NETLINK");
	assert_int_equal(int_of(a, "pid"), 1234);
	assert_int_equal(int_of(a, "groups"), 5);
	json_decref(a);

	a = decode_connect(&other, sizeof(other));
	assert_int_equal(int_of(a, "family"), AF_APPLETALK);
	json_decref(a);
}

/* ---- fds --------------------------------------------------------------------------- */

static json_t *fd_of(int fd)
{
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)fd};
	json_t *d = sp_decode_entry(&ctx, "close", args);
	json_t *o = json_incref(json_object_get(d, "fd"));

	json_decref(d);
	assert_int_equal(int_of(o, "fd"), fd);
	return o;
}

static void expect_kind(int fd, const char *kind, const char *path_prefix)
{
	json_t *o = fd_of(fd);
	const char *path = str_of(o, "path");

	assert_string_equal(str_of(o, "kind"), kind);
	if (strncmp(path, path_prefix, strlen(path_prefix)) != 0)
		fail_msg("fd %d: path %s does not start with %s", fd, path, path_prefix);
	json_decref(o);
}

static void test_fd_kinds(void **state)
{
	(void)state;
	int file = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int pfd[2], sv[2];
	int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int efd = eventfd(0, EFD_CLOEXEC);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int closed = dup(file);
	json_t *o;

	assert_true(file >= 0 && dir >= 0 && null >= 0 && sock >= 0 && efd >= 0 && ep >= 0);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(closed);

	expect_kind(file, "file", "/etc/passwd");
	expect_kind(dir, "dir", "/");
	expect_kind(null, "chr", "/dev/null");
	expect_kind(pfd[0], "pipe", "pipe:[");
	expect_kind(pfd[1], "pipe", "pipe:[");
	expect_kind(sock, "socket", "socket:[");
	expect_kind(sv[0], "socket", "socket:[");
	expect_kind(efd, "eventfd", "anon_inode:[eventfd]");
	expect_kind(ep, "epoll", "anon_inode:[eventpoll]");

	/* A closed fd is just its number. */
	o = fd_of(closed);
	assert_null(json_object_get(o, "kind"));
	assert_null(json_object_get(o, "path"));
	json_decref(o);

	/* dirfd: a real directory fd is an fd object. */
	{
		struct sp_decode_ctx ctx = self_ctx(256);
		uint64_t args[SP_MAX_ARGS] = {(uint64_t)dir, U("etc"), O_RDONLY};
		json_t *d = sp_decode_entry(&ctx, "openat", args);

		assert_string_equal(str_of(json_object_get(d, "dirfd"), "kind"), "dir");
		json_decref(d);
	}

	close(file);
	close(dir);
	close(null);
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
	close(sock);
	close(efd);
	close(ep);
}

static void test_memory_structs(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {0};
	uint64_t clone_args[11] = {0};
	uint64_t kact[4] = {(uint64_t)(uintptr_t)SIG_IGN, SA_RESTART, 0,
	                    (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1))};
	uint64_t set = 1ULL << (SIGCHLD - 1);
	int one = 1;
	json_t *d, *o;

	/* clone3: flags and exit signal come from struct clone_args. */
	clone_args[0] = CLONE_VM | CLONE_VFORK | 0x100000000ULL; /* CLONE_CLEAR_SIGHAND */
	clone_args[4] = SIGCHLD;
	args[0] = U(clone_args);
	args[1] = 88; /* CLONE_ARGS_SIZE_VER2 */
	d = sp_decode_entry(&ctx, "clone3", args);
	o = json_object_get(d, "cl_args");
	assert_string_equal(str_of(o, "flags"), "CLONE_VM|CLONE_VFORK|CLONE_CLEAR_SIGHAND");
	assert_string_equal(str_of(o, "exit_signal"), "SIGCHLD");
	assert_int_equal(int_of(d, "size"), 88);
	json_decref(d);

	/* rt_sigaction(SIGPIPE, {SIG_IGN, SA_RESTART, [INT TERM]}). */
	memset(args, 0, sizeof(args));
	args[0] = SIGPIPE;
	args[1] = U(kact);
	args[3] = 8;
	d = sp_decode_entry(&ctx, "rt_sigaction", args);
	assert_string_equal(str_of(d, "signum"), "SIGPIPE");
	o = json_object_get(d, "act");
	assert_string_equal(str_of(o, "handler"), "SIG_IGN");
	assert_string_equal(str_of(o, "flags"), "SA_RESTART");
	assert_int_equal(json_array_size(json_object_get(o, "mask")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "mask"), 0)),
	                    "SIGINT");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "mask"), 1)),
	                    "SIGTERM");
	json_decref(d);

	args[0] = SIG_UNBLOCK;
	args[1] = U(&set);
	d = sp_decode_entry(&ctx, "rt_sigprocmask", args);
	assert_string_equal(str_of(d, "how"), "SIG_UNBLOCK");
	assert_int_equal(json_array_size(json_object_get(d, "set")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "set"), 0)),
	                    "SIGCHLD");
	json_decref(d);

	/* Everything but SIGKILL and SIGSTOP: said by what is missing. */
	set = ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	args[0] = SIG_BLOCK;
	d = sp_decode_entry(&ctx, "rt_sigprocmask", args);
	o = json_object_get(json_object_get(d, "set"), "except");
	assert_int_equal(json_array_size(o), 2);
	assert_string_equal(json_string_value(json_array_get(o, 0)), "SIGKILL");
	assert_string_equal(json_string_value(json_array_get(o, 1)), "SIGSTOP");
	json_decref(d);
	set = ~0ULL;
	d = sp_decode_entry(&ctx, "rt_sigprocmask", args);
	o = json_object_get(json_object_get(d, "set"), "except");
	assert_int_equal(json_array_size(o), 0);
	json_decref(d);

	/* setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &1, 4). */
	memset(args, 0, sizeof(args));
	args[0] = (uint64_t)-1;
	args[1] = SOL_SOCKET;
	args[2] = SO_REUSEADDR;
	args[3] = U(&one);
	args[4] = sizeof(one);
	d = sp_decode_entry(&ctx, "setsockopt", args);
	assert_string_equal(str_of(d, "level"), "SOL_SOCKET");
	assert_string_equal(str_of(d, "optname"), "SO_REUSEADDR");
	assert_int_equal(int_of(d, "optval"), 1);
	json_decref(d);

	/* fcntl(fd, F_SETFL, O_RDWR|O_NONBLOCK) and fcntl(fd, F_GETFL) with garbage in arg. */
	args[1] = F_SETFL;
	args[2] = O_RDWR | O_NONBLOCK;
	d = sp_decode_entry(&ctx, "fcntl", args);
	assert_string_equal(str_of(d, "cmd"), "F_SETFL");
	assert_string_equal(str_of(d, "arg"), "O_RDWR|O_NONBLOCK");
	json_decref(d);
	args[1] = F_GETFL;
	d = sp_decode_entry(&ctx, "fcntl", args);
	assert_null(json_object_get(d, "arg"));
	json_decref(d);

	/* socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, 0). */
	args[0] = AF_INET6;
	args[1] = SOCK_STREAM | SOCK_CLOEXEC;
	args[2] = 6;
	d = sp_decode_entry(&ctx, "socket", args);
	assert_string_equal(str_of(d, "domain"), "AF_INET6");
	assert_string_equal(str_of(d, "type"), "SOCK_STREAM|SOCK_CLOEXEC");
	assert_int_equal(int_of(d, "protocol"), 6);
	json_decref(d);
}

/* ---- exit ---------------------------------------------------------------------------- */

static void test_exit_pipe_and_cwd(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	int fds[2];
	char cwd[PATH_MAX];
	uint64_t args[SP_MAX_ARGS] = {U(fds), O_CLOEXEC};
	json_t *d, *a;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	d = sp_decode_entry(&ctx, "pipe2", args);
	assert_string_equal(str_of(d, "flags"), "O_CLOEXEC");
	/* At entry the array is only a pointer; the exit replaces it with the fds. */
	assert_memory_equal(str_of(d, "pipefd"), "0x", 2);
	d = sp_decode_exit(&ctx, "pipe2", args, 0, d);
	a = json_object_get(d, "pipefd");
	assert_true(json_is_array(a));
	assert_int_equal(int_of(json_array_get(a, 0), "fd"), fds[0]);
	assert_int_equal(int_of(json_array_get(a, 1), "fd"), fds[1]);
	assert_string_equal(str_of(json_array_get(a, 0), "kind"), "pipe");
	assert_string_equal(str_of(json_array_get(a, 1), "kind"), "pipe");
	json_decref(d);

	/* With no entry object the exit makes one. */
	d = sp_decode_exit(&ctx, "pipe", args, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(d, "pipefd")), 2);
	json_decref(d);
	/* A failed call filled nothing. */
	assert_null(sp_decode_exit(&ctx, "pipe", args, -EMFILE, NULL));
	close(fds[0]);
	close(fds[1]);

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	args[0] = U(cwd);
	args[1] = sizeof(cwd);
	d = sp_decode_exit(&ctx, "getcwd", args, (int64_t)strlen(cwd) + 1, NULL);
	assert_string_equal(str_of(d, "buf"), cwd);
	json_decref(d);

	/* getcwd with strsize 1: cut, and said so. */
	ctx.strsize = 1;
	d = sp_decode_exit(&ctx, "getcwd", args, (int64_t)strlen(cwd) + 1, NULL);
	assert_string_equal(str_of(d, "buf"), "/");
	assert_true(json_is_true(json_object_get(d, "buf_truncated")));
	json_decref(d);

	/* Nothing to add for a call whose exit says nothing new. */
	assert_null(sp_decode_exit(&ctx, "close", args, 0, NULL));
	assert_null(sp_decode_exit(&ctx, "getpid", args, 1234, NULL));
}

static void test_exit_readlink_and_ret_fd(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	char buf[PATH_MAX], want[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
	uint64_t args[SP_MAX_ARGS] = {U("/proc/self/exe"), U(buf), sizeof(buf)};
	int fd;
	json_t *d;

	assert_true(n > 0);
	memcpy(want, buf, (size_t)n);
	want[n] = '\0';
	buf[n] = '#'; /* readlink writes no NUL: the length must bound the string */
	d = sp_decode_exit(&ctx, "readlink", args, n, NULL);
	assert_string_equal(str_of(d, "buf"), want);
	json_decref(d);

	fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	memset(args, 0, sizeof(args));
	d = sp_decode_exit(&ctx, "openat", args, fd, NULL);
	assert_string_equal(str_of(json_object_get(d, "ret_fd"), "kind"), "file");
	assert_int_equal(int_of(json_object_get(d, "ret_fd"), "fd"), fd);
	json_decref(d);

	/* fcntl only returns an fd for F_DUPFD(_CLOEXEC). */
	args[0] = (uint64_t)fd;
	args[1] = F_DUPFD_CLOEXEC;
	d = sp_decode_exit(&ctx, "fcntl", args, fd, NULL);
	assert_non_null(json_object_get(d, "ret_fd"));
	json_decref(d);
	args[1] = F_GETFD;
	assert_null(sp_decode_exit(&ctx, "fcntl", args, 1, NULL));
	close(fd);
}

static void test_exit_accept_peer(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_storage peer;
	struct sockaddr_in local;
	socklen_t len = sizeof(sin), peerlen = sizeof(peer), locallen = sizeof(local);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int afd;
	uint64_t args[SP_MAX_ARGS] = {0};
	json_t *d, *a;

	assert_true(lfd >= 0 && cfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(cfd, (struct sockaddr *)&local, &locallen), 0);
	afd = accept4(lfd, (struct sockaddr *)&peer, &peerlen, SOCK_CLOEXEC);
	assert_true(afd >= 0);

	args[0] = (uint64_t)lfd;
	args[1] = U(&peer);
	args[2] = U(&peerlen);
	args[3] = SOCK_CLOEXEC;
	d = sp_decode_entry(&ctx, "accept4", args);
	assert_string_equal(str_of(d, "flags"), "SOCK_CLOEXEC");
	d = sp_decode_exit(&ctx, "accept4", args, afd, d);
	a = json_object_get(d, "addr");
	assert_string_equal(str_of(a, "family"), "AF_INET");
	assert_string_equal(str_of(a, "addr"), "127.0.0.1");
	assert_int_equal(int_of(a, "port"), ntohs(local.sin_port));
	assert_string_equal(str_of(json_object_get(d, "ret_fd"), "kind"), "socket");
	json_decref(d);

	/* getsockname of the listener: the port the kernel chose. */
	args[1] = U(&sin);
	args[2] = U(&len);
	d = sp_decode_exit(&ctx, "getsockname", args, 0, NULL);
	assert_int_equal(int_of(json_object_get(d, "addr"), "port"), ntohs(sin.sin_port));
	assert_null(json_object_get(d, "ret_fd"));
	json_decref(d);

	close(afd);
	close(cfd);
	close(lfd);
}

static void test_exit_wait_status(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	int st;
	pid_t a = fork(), b;
	uint64_t args[SP_MAX_ARGS] = {0, U(&st), __WALL, 0};
	json_t *d, *w;

	assert_true(a >= 0);
	if (a == 0)
		_exit(7);
	assert_int_equal(waitpid(a, &st, 0), a);
	args[0] = (uint64_t)a;
	d = sp_decode_entry(&ctx, "wait4", args);
	assert_string_equal(str_of(d, "options"), "__WALL");
	d = sp_decode_exit(&ctx, "wait4", args, a, d);
	w = json_object_get(d, "wstatus");
	assert_int_equal(int_of(w, "exited"), 7);
	assert_null(json_object_get(w, "signaled"));
	json_decref(d);

	b = fork();
	assert_true(b >= 0);
	if (b == 0) {
		pause();
		_exit(0);
	}
	kill(b, SIGKILL);
	assert_int_equal(waitpid(b, &st, 0), b);
	d = sp_decode_exit(&ctx, "wait4", args, b, NULL);
	assert_string_equal(str_of(json_object_get(d, "wstatus"), "signaled"), "SIGKILL");
	json_decref(d);

	/* WNOHANG with nothing to report: the status was not written. */
	assert_null(sp_decode_exit(&ctx, "wait4", args, 0, NULL));
}

static void test_epoll_ctl_event(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u64 = 0xabc};
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)ep, EPOLL_CTL_ADD, (uint64_t)efd, U(&ev)};
	json_t *d, *e;

	assert_true(ep >= 0 && efd >= 0);
	d = sp_decode_entry(&ctx, "epoll_ctl", args);
	assert_string_equal(str_of(json_object_get(d, "epfd"), "kind"), "epoll");
	assert_string_equal(str_of(d, "op"), "EPOLL_CTL_ADD");
	assert_string_equal(str_of(json_object_get(d, "fd"), "kind"), "eventfd");
	e = json_object_get(d, "event");
	assert_string_equal(str_of(e, "events"), "EPOLLIN|EPOLLRDHUP|EPOLLET");
	assert_string_equal(str_of(e, "data"), "0xabc");
	json_decref(d);

	/* EPOLL_CTL_DEL takes no event: NULL is null. */
	args[1] = EPOLL_CTL_DEL;
	args[3] = 0;
	d = sp_decode_entry(&ctx, "epoll_ctl", args);
	assert_string_equal(str_of(d, "op"), "EPOLL_CTL_DEL");
	assert_true(json_is_null(json_object_get(d, "event")));
	json_decref(d);

	args[0] = (uint64_t)efd;
	args[1] = LOCK_EX | LOCK_NB;
	d = sp_decode_entry(&ctx, "flock", args);
	assert_string_equal(str_of(d, "operation"), "LOCK_EX|LOCK_NB");
	json_decref(d);

	args[0] = 0;
	args[1] = EFD_CLOEXEC | EFD_SEMAPHORE;
	d = sp_decode_entry(&ctx, "eventfd2", args);
	assert_string_equal(str_of(d, "flags"), "EFD_SEMAPHORE|EFD_CLOEXEC");
	json_decref(d);
	close(efd);
	close(ep);
}

static void test_unreadable_pointers(void **state)
{
	(void)state;
	struct sp_decode_ctx ctx = self_ctx(256);
	/* Address 0x10 is never mapped: each reader falls back to the pointer in hex. */
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)-1, 0x10, 16};
	json_t *d = sp_decode_entry(&ctx, "connect", args);

	assert_string_equal(str_of(d, "addr"), "0x10");
	json_decref(d);

	memset(args, 0, sizeof(args));
	args[0] = SIGINT;
	args[1] = 0x10;
	d = sp_decode_entry(&ctx, "rt_sigaction", args);
	assert_string_equal(str_of(d, "act"), "0x10");
	json_decref(d);

	args[0] = U("/bin/true");
	args[1] = 0x10;
	d = sp_decode_entry(&ctx, "execve", args);
	assert_string_equal(str_of(d, "argv"), "0x10");
	json_decref(d);

	args[0] = 0x10;
	args[1] = 88;
	d = sp_decode_entry(&ctx, "clone3", args);
	assert_string_equal(str_of(d, "cl_args"), "0x10");
	json_decref(d);
}

/* The decoder on another process: a ptrace-stopped child, as the tracer sees its tracees. */
static void test_decode_other_process(void **state)
{
	(void)state;
	size_t pg = page_size();
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sp_decode_ctx ctx = self_ctx(256);
	uint64_t args[SP_MAX_ARGS] = {(uint64_t)AT_FDCWD, U(p + 100), O_RDONLY};
	pid_t pid;
	int st;
	json_t *d;

	assert_true(p != MAP_FAILED);
	strcpy(p + 100, "the parent's string");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fds[2];

		/* Only the child has this string and this fd 100, and the page is PROT_NONE. */
		strcpy(p + 100, "/child/only/path");
		mprotect(p, pg, PROT_NONE);
		if (pipe(fds) == 0)
			dup2(fds[0], 100);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSTOPPED(st));
	ctx.tid = ctx.pid = pid;

	/* process_vm_readv refuses PROT_NONE; ptrace's PEEKDATA reads it. */
	d = sp_decode_entry(&ctx, "openat", args);
	assert_string_equal(str_of(d, "pathname"), "/child/only/path");
	json_decref(d);

	memset(args, 0, sizeof(args));
	args[0] = 100;
	d = sp_decode_entry(&ctx, "close", args);
	assert_string_equal(str_of(json_object_get(d, "fd"), "kind"), "pipe");
	json_decref(d);

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	munmap(p, pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fmt_open_flags),
	    cmocka_unit_test(test_fmt_prot_map),
	    cmocka_unit_test(test_fmt_clone),
	    cmocka_unit_test(test_fmt_socket),
	    cmocka_unit_test(test_fmt_enums),
	    cmocka_unit_test(test_table_covers),
	    cmocka_unit_test(test_plain_numbers),
	    cmocka_unit_test(test_openat_path),
	    cmocka_unit_test(test_path_before_guard),
	    cmocka_unit_test(test_path_truncated),
	    cmocka_unit_test(test_path_not_utf8),
	    cmocka_unit_test(test_execve_argv),
	    cmocka_unit_test(test_execve_argv_limits),
	    cmocka_unit_test(test_sockaddr_inet),
	    cmocka_unit_test(test_sockaddr_unix),
	    cmocka_unit_test(test_fd_kinds),
	    cmocka_unit_test(test_memory_structs),
	    cmocka_unit_test(test_exit_pipe_and_cwd),
	    cmocka_unit_test(test_exit_readlink_and_ret_fd),
	    cmocka_unit_test(test_exit_accept_peer),
	    cmocka_unit_test(test_exit_wait_status),
	    cmocka_unit_test(test_epoll_ctl_event),
	    cmocka_unit_test(test_unreadable_pointers),
	    cmocka_unit_test(test_decode_other_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
