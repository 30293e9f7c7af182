/* SPDX-License-Identifier: MIT */
/*
 * Table-driven argument decoding for x86-64 syscalls.
 *
 * The table (sorted by name, searched with bsearch) says for each syscall
 * what each argument is; decode_arg() hands the raw value to the one
 * routine of that kind.  This runs at every syscall stop of the traced
 * program, so: no memory is read unless an argument is a pointer the
 * table wants followed, strings go to a stack buffer unless the user asked
 * for very long ones, and the exit decoder only reads what the kernel
 * wrote (buffers, returned fds), never what the entry already read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/xattr.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <asm/prctl.h>

#include "decode.h"
#include "decode_internal.h"
#include "mem.h"

/* ---- strings from the tracee ---------------------------------------------- */

/*
 * A string buffer of cap + 1 bytes: on the stack for the default size and
 * anything reasonable, on the heap only when the user asked for long ones.
 */
#define STACK_STR 1024

struct strbuf {
	char stack[STACK_STR + 1];
	char *p;
	size_t cap;
};

static bool strbuf_init(struct strbuf *sb, size_t cap)
{
	sb->cap = cap;
	if (cap <= STACK_STR) {
		sb->p = sb->stack;
		return true;
	}
	sb->p = malloc(cap + 1);
	return sb->p != NULL;
}

static void strbuf_fini(struct strbuf *sb)
{
	if (sb->p != sb->stack)
		free(sb->p);
}

/*
 * The string at addr as JSON: null for a NULL pointer, the pointer in hex
 * when it cannot be read (the syscall will fail with EFAULT anyway).
 */
static json_t *string_at(const struct sp_decode_ctx *ctx, struct strbuf *sb, uint64_t addr,
                         bool *truncated)
{
	long len;

	*truncated = false;
	if (addr == 0)
		return json_null();
	len = sp_mem_read_str(ctx->tid, addr, sb->p, sb->cap, truncated);
	if (len < 0)
		return dec_hex_json(addr);
	return dec_bytes_json(sb->p, (size_t)len);
}

static size_t ctx_strsize(const struct sp_decode_ctx *ctx)
{
	return ctx->strsize ? ctx->strsize : 256;
}

static void put_string(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
                       uint64_t addr, size_t cap)
{
	struct strbuf sb;
	bool truncated;

	if (!strbuf_init(&sb, cap)) {
		dec_put(obj, name, dec_hex_json(addr));
		return;
	}
	dec_put(obj, name, string_at(ctx, &sb, addr, &truncated));
	if (truncated)
		dec_put_truncated(obj, name);
	strbuf_fini(&sb);
}

/* ---- one routine per kind that reads memory or looks at a sibling ---------- */

/* open(2): the mode is only read with O_CREAT or O_TMPFILE; otherwise it is noise. */
static json_t *open_mode_json(uint64_t mode, uint64_t flags)
{
	char buf[16];

	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
		return NULL;
	snprintf(buf, sizeof(buf), "%#o", (unsigned int)mode);
	return json_string(buf);
}

static json_t *mode_json(uint64_t mode)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%#o", (unsigned int)mode);
	return json_string(buf);
}

static json_t *open_flags_json(uint64_t flags)
{
	return dec_kind_json(SP_ARG_OPEN_FLAGS, flags);
}

/* struct open_how (openat2(2)): three u64 fields, fixed since 5.6. */
static json_t *open_how_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t how[3];
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, how, sizeof(how)) < 0)
		return dec_hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	dec_put(o, "flags", open_flags_json(how[0]));
	dec_put(o, "mode", mode_json(how[1]));
	dec_put(o, "resolve", dec_kind_json(SP_ARG_RESOLVE_FLAGS, how[2]));
	return o;
}

/*
 * struct clone_args (clone3(2)): flags first, exit_signal at offset 32.
 * Only the fields the given size covers are the caller's.
 */
static json_t *clone_args_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t size)
{
	uint64_t ca[5] = {0}; /* flags, pidfd, child_tid, parent_tid, exit_signal */
	json_t *o;

	if (addr == 0)
		return json_null();
	if (size > sizeof(ca))
		size = sizeof(ca);
	if (size < sizeof(ca[0]) || sp_mem_read(ctx->tid, addr, ca, size) < 0)
		return dec_hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	dec_put(o, "flags", dec_kind_json(SP_ARG_CLONE_FLAGS, ca[0]));
	if (size >= sizeof(ca))
		dec_put(o, "exit_signal", ca[4] ? dec_signal_json(ca[4]) : json_integer(0));
	return o;
}

static json_t *sockopt_name_json(uint64_t name, uint64_t level)
{
	switch ((int)level) {
	case SOL_SOCKET:
		return dec_enum_json((uint32_t)name, SP_XLAT_SO_OPTS);
	case SOL_TCP:
		return dec_enum_json((uint32_t)name, SP_XLAT_TCP_OPTS);
	case SOL_IP:
		return dec_enum_json((uint32_t)name, SP_XLAT_IP_OPTS);
	case SOL_IPV6:
		return dec_enum_json((uint32_t)name, SP_XLAT_IPV6_OPTS);
	default:
		return json_integer((int)name);
	}
}

/* Most options are one int: show it; anything else stays a pointer. */
static json_t *sockopt_val_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t len)
{
	int v;

	if (addr == 0)
		return json_null();
	if ((uint32_t)len != sizeof(int) || sp_mem_read(ctx->tid, addr, &v, sizeof(v)) < 0)
		return dec_hex_json(addr);
	return json_integer(v);
}

static json_t *prctl_arg_json(const struct sp_decode_ctx *ctx, uint64_t arg, uint64_t option)
{
	switch ((int)option) {
	case PR_SET_NAME: {
		/* The kernel keeps 16 bytes of a task name (TASK_COMM_LEN). */
		char name[16];
		bool truncated;
		long len = sp_mem_read_str(ctx->tid, arg, name, sizeof(name) - 1, &truncated);

		return len < 0 ? dec_hex_json(arg) : dec_bytes_json(name, (size_t)len);
	}
	case PR_SET_PDEATHSIG:
		return dec_signal_json(arg);
	case PR_GET_NAME:
	case PR_GET_PDEATHSIG:
	case PR_GET_TID_ADDRESS:
		return dec_hex_json(arg);
	default:
		return json_integer((json_int_t)arg);
	}
}

static json_t *fcntl_arg_json(uint64_t arg, uint64_t cmd)
{
	switch ((int)cmd) {
	case F_SETFL:
		return open_flags_json(arg);
	case F_SETFD:
		return dec_flags_json(arg, SP_XLAT_FCNTL_FD_FLAGS);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETOWN:
	case F_SETPIPE_SZ:
		return json_integer((int)arg);
	case F_SETSIG:
		return dec_signal_json(arg);
	case F_SETLEASE:
		return dec_enum_json(arg, SP_XLAT_FCNTL_LEASE);
	case F_ADD_SEALS:
		return dec_flags_json(arg, SP_XLAT_FCNTL_SEALS);
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
	case F_GETSIG:
	case F_GETLEASE:
	case F_GETPIPE_SZ:
	case F_GET_SEALS:
		return NULL; /* no argument: the register holds whatever was there */
	default:
		return dec_hex_json(
		    arg); /* struct flock and f_owner_ex pointers, unknown commands */
	}
}

static json_t *ioctl_req_json(json_t *obj, const char *name, uint64_t req)
{
	char key[64];
	const char *known = sp_xlat_name(dec_xlat(SP_XLAT_IOCTL_REQ), (uint32_t)req);

	if (known) {
		snprintf(key, sizeof(key), "%s_name", name);
		dec_put(obj, key, json_string(known));
	}
	return dec_hex_json((uint32_t)req);
}

static json_t *signal_list_json(uint64_t set)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a && i < 64; i++)
		if (set & (1ULL << i))
			json_array_append_new(a, dec_signal_json(i + 1));
	return a;
}

/*
 * The signals of a set, as an array of names.  Shells and servers block
 * "everything" often; 60-odd names on each such line would swamp the
 * trace, so a set with more than half the bits is {"except":[...]}.
 */
static json_t *sigset_bits_json(uint64_t set)
{
	json_t *o;

	if (__builtin_popcountll(set) <= 32)
		return signal_list_json(set);
	o = json_object();
	if (o)
		dec_put(o, "except", signal_list_json(~set));
	return o;
}

/* A kernel sigset_t is 64 bits on x86-64: one read, one array of names. */
static json_t *sigset_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t set;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, &set, sizeof(set)) < 0)
		return dec_hex_json(addr);
	return sigset_bits_json(set);
}

/* struct kernel_sigaction on x86-64: handler, flags, restorer, mask. */
static json_t *sigaction_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t sa[4];
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, sa, sizeof(sa)) < 0)
		return dec_hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	if (sa[0] == (uint64_t)(uintptr_t)SIG_DFL)
		dec_put(o, "handler", json_string("SIG_DFL"));
	else if (sa[0] == (uint64_t)(uintptr_t)SIG_IGN)
		dec_put(o, "handler", json_string("SIG_IGN"));
	else
		dec_put(o, "handler", dec_hex_json(sa[0]));
	dec_put(o, "flags", dec_flags_json(sa[1], SP_XLAT_SA_FLAGS));
	dec_put(o, "mask", sigset_bits_json(sa[3]));
	return o;
}

/* struct epoll_event is packed on x86-64: u32 events, u64 data (12 bytes). */
static json_t *epoll_event_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	unsigned char raw[12];
	uint32_t events;
	uint64_t data;
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, raw, sizeof(raw)) < 0)
		return dec_hex_json(addr);
	memcpy(&events, raw, sizeof(events));
	memcpy(&data, raw + 4, sizeof(data));
	o = json_object();
	if (!o)
		return NULL;
	dec_put(o, "events", dec_flags_json(events, SP_XLAT_EPOLL_EVENTS));
	dec_put(o, "data", dec_hex_json(data));
	return o;
}

/*
 * Reads up to max + 1 pointers of a NULL-terminated array, page by page
 * so that an array ending right before an unmapped page is read whole.
 * Returns how many non-NULL pointers came before the NULL (or max + 1
 * when there are more than max), -1 when the first read fails.
 */
static long read_ptr_array(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t *out,
                           size_t max, bool *unreadable)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t got = 0;

	*unreadable = false;
	while (got <= max) {
		uint64_t at = addr + got * sizeof(uint64_t);
		size_t room = (page - (size_t)(at & (page - 1))) / sizeof(uint64_t);

		if (room == 0)
			room = 1; /* a misaligned array: one pointer straddles the page */
		if (room > max + 1 - got)
			room = max + 1 - got;
		if (sp_mem_read(ctx->tid, at, out + got, room * sizeof(uint64_t)) < 0) {
			*unreadable = true;
			return got ? (long)got : -1;
		}
		for (size_t i = 0; i < room; i++)
			if (out[got + i] == 0)
				return (long)(got + i);
		got += room;
	}
	return (long)got;
}

/* execve's argv: 64 strings at most, each capped; "argv_truncated" when anything was cut. */
#define ARGV_MAX 64

static void put_argv(const struct sp_decode_ctx *ctx, json_t *obj, const char *name, uint64_t addr)
{
	uint64_t ptrs[ARGV_MAX + 1];
	struct strbuf sb;
	bool cut = false, unreadable;
	json_t *arr;
	long n;

	if (addr == 0) {
		dec_put(obj, name, json_null());
		return;
	}
	n = read_ptr_array(ctx, addr, ptrs, ARGV_MAX, &unreadable);
	if (n < 0 || !strbuf_init(&sb, ctx_strsize(ctx))) {
		dec_put(obj, name, dec_hex_json(addr));
		return;
	}
	if (n > ARGV_MAX || unreadable) {
		cut = true;
		if (n > ARGV_MAX)
			n = ARGV_MAX;
	}
	arr = json_array();
	for (long i = 0; arr && i < n; i++) {
		bool truncated;

		json_array_append_new(arr, string_at(ctx, &sb, ptrs[i], &truncated));
		cut |= truncated;
	}
	strbuf_fini(&sb);
	dec_put(obj, name, arr);
	if (cut)
		dec_put_truncated(obj, name);
}

/* ---- dispatch ------------------------------------------------------------------ */

static void decode_arg(const struct sp_decode_ctx *ctx, const uint64_t *args,
                       const struct sp_arg_spec *a, int i, json_t *obj)
{
	enum sp_arg_kind kind = (enum sp_arg_kind)a->kind;
	uint64_t v = sp_arg_value(kind, args[i]);
	uint64_t ref = a->ref >= 0 ? args[a->ref] : 0;
	json_t *val = NULL;

	switch (kind) {
	case SP_ARG_INT:
	case SP_ARG_UINT:
	case SP_ARG_LONG:
		val = json_integer((json_int_t)v);
		break;
	case SP_ARG_HEX:
	case SP_ARG_PTR:
		val = dec_hex_json(v);
		break;
	case SP_ARG_PATH:
	case SP_ARG_STRING:
		put_string(ctx, obj, a->name, v, ctx_strsize(ctx));
		return;
	case SP_ARG_FD:
		val = dec_fd_json(ctx, (int)v);
		break;
	case SP_ARG_DIRFD:
		val = dec_dirfd_json(ctx, (int)v);
		break;
	case SP_ARG_OPEN_MODE:
		val = open_mode_json(v, ref);
		break;
	case SP_ARG_MODE:
		val = mode_json(v);
		break;
	case SP_ARG_OPEN_HOW:
		val = open_how_json(ctx, v);
		break;
	case SP_ARG_CLONE_ARGS:
		val = clone_args_json(ctx, v, ref);
		break;
	case SP_ARG_SOCKADDR:
		val = dec_sockaddr_json(ctx, v, (uint32_t)ref);
		break;
	case SP_ARG_SOCKOPT_NAME:
		val = sockopt_name_json(v, ref);
		break;
	case SP_ARG_SOCKOPT_VAL:
		val = sockopt_val_json(ctx, v, ref);
		break;
	case SP_ARG_PRCTL_ARG:
		val = prctl_arg_json(ctx, v, ref);
		break;
	case SP_ARG_FCNTL_ARG:
		val = fcntl_arg_json(v, ref);
		break;
	case SP_ARG_IOCTL_REQ:
		val = ioctl_req_json(obj, a->name, v);
		break;
	case SP_ARG_SIGSET:
		val = sigset_json(ctx, v);
		break;
	case SP_ARG_SIGACTION:
		val = sigaction_json(ctx, v);
		break;
	case SP_ARG_EPOLL_EVENT:
		val = epoll_event_json(ctx, v);
		break;
	case SP_ARG_ARGV:
		put_argv(ctx, obj, a->name, v);
		return;
	default:
		/* Flags and enumerations: core prints them, as rules parse them. */
		val = dec_kind_json(kind, v);
		break;
	}
	dec_put(obj, a->name, val);
}

json_t *sp_decode_entry(const struct sp_decode_ctx *ctx, const char *name,
                        const uint64_t args[SP_MAX_ARGS])
{
	const struct sp_syscall_spec *d = sp_syscall_spec(name);
	json_t *obj;

	if (!d)
		return NULL;
	obj = json_object();
	if (!obj)
		return NULL;
	for (int i = 0; i < SP_MAX_ARGS && d->args[i].name; i++)
		decode_arg(ctx, args, &d->args[i], i, obj);
	return obj;
}

/* ---- exit -------------------------------------------------------------------------- */

/* A buffer of len bytes the kernel filled (getcwd, readlink), capped at strsize. */
static void put_filled(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
                       uint64_t addr, uint64_t len, bool nul_included)
{
	size_t cap = ctx_strsize(ctx);
	size_t take = len < cap ? (size_t)len : cap;
	struct strbuf sb;

	if (!strbuf_init(&sb, take))
		return;
	if (sp_mem_read(ctx->tid, addr, sb.p, take) == 0) {
		size_t l = nul_included ? strnlen(sb.p, take) : take;

		dec_put(obj, name, dec_bytes_json(sb.p, l));
		if (len > cap)
			dec_put_truncated(obj, name);
	}
	strbuf_fini(&sb);
}

static void put_fd_pair(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
                        uint64_t addr)
{
	int fds[2];
	json_t *arr;

	if (sp_mem_read(ctx->tid, addr, fds, sizeof(fds)) < 0)
		return;
	arr = json_array();
	if (!arr)
		return;
	json_array_append_new(arr, dec_fd_json(ctx, fds[0]));
	json_array_append_new(arr, dec_fd_json(ctx, fds[1]));
	dec_put(obj, name, arr);
}

/* The kernel wrote the address and its true length; a longer one was cut to the buffer. */
static void put_sockaddr_out(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
                             uint64_t addr, uint64_t lenp)
{
	uint32_t len;

	if (addr == 0 || lenp == 0 || sp_mem_read(ctx->tid, lenp, &len, sizeof(len)) < 0)
		return;
	dec_put(obj, name, dec_sockaddr_json(ctx, addr, len));
}

static void put_wstatus(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
                        uint64_t addr)
{
	int st;
	json_t *o;

	if (addr == 0 || sp_mem_read(ctx->tid, addr, &st, sizeof(st)) < 0)
		return;
	o = json_object();
	if (!o)
		return;
	if (WIFEXITED(st)) {
		dec_put(o, "exited", json_integer(WEXITSTATUS(st)));
	} else if (WIFSIGNALED(st)) {
		dec_put(o, "signaled", dec_signal_json((unsigned int)WTERMSIG(st)));
		if (WCOREDUMP(st))
			dec_put(o, "core", json_true());
	} else if (WIFSTOPPED(st)) {
		dec_put(o, "stopped", dec_signal_json((unsigned int)WSTOPSIG(st)));
	} else if (WIFCONTINUED(st)) {
		dec_put(o, "continued", json_true());
	}
	dec_put(obj, name, o);
}

static bool wants_ret_fd(const struct sp_syscall_spec *d, const uint64_t *args)
{
	if (d->ret_fd == SP_RET_FD_YES)
		return true;
	if (d->ret_fd == SP_RET_FD_FCNTL_DUP)
		return (int)args[1] == F_DUPFD || (int)args[1] == F_DUPFD_CLOEXEC;
	return false;
}

json_t *sp_decode_exit(const struct sp_decode_ctx *ctx, const char *name,
                       const uint64_t args[SP_MAX_ARGS], int64_t ret, json_t *dec)
{
	const struct sp_syscall_spec *d = sp_syscall_spec(name);
	json_t *obj = dec;
	bool fd = false;

	/* A failed call filled nothing; most calls have nothing for the exit at all. */
	if (!d || ret < 0)
		return dec;
	fd = wants_ret_fd(d, args);
	if (d->exit == SP_EXIT_NONE && !fd)
		return dec;
	if (d->exit == SP_EXIT_WSTATUS && ret == 0)
		return dec; /* WNOHANG and nobody changed state: the status was not written */
	if (d->exit == SP_EXIT_LINK && ret == 0)
		return dec;
	if (!obj) {
		obj = json_object();
		if (!obj)
			return NULL;
	}

	switch ((enum sp_exit_kind)d->exit) {
	case SP_EXIT_NONE:
		break;
	case SP_EXIT_CWD:
		put_filled(ctx, obj, d->args[d->xa].name, args[d->xa], (uint64_t)ret, true);
		break;
	case SP_EXIT_LINK:
		put_filled(ctx, obj, d->args[d->xa].name, args[d->xa], (uint64_t)ret, false);
		break;
	case SP_EXIT_FD_PAIR:
		put_fd_pair(ctx, obj, d->args[d->xa].name, args[d->xa]);
		break;
	case SP_EXIT_SOCKADDR:
		put_sockaddr_out(ctx, obj, d->args[d->xa].name, args[d->xa], args[d->xb]);
		break;
	case SP_EXIT_WSTATUS:
		put_wstatus(ctx, obj, d->args[d->xa].name, args[d->xa]);
		break;
	}
	if (fd)
		dec_put(obj, "ret_fd", dec_fd_json(ctx, (int)ret));
	return obj;
}
