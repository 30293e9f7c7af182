/* SPDX-License-Identifier: MIT */
/*
 * The decoder's JSON values, and what it says of file descriptors (from
 * /proc) and socket addresses.  decode.c reads strings, decodes each kind
 * of argument and dispatches.
 */
#define _GNU_SOURCE
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

const struct sp_xlat *dec_xlat(enum sp_xlat_kind k)
{
	return sp_xlat_get(k);
}

/* ---- JSON values ---------------------------------------------------------- */

json_t *dec_hex_json(uint64_t v)
{
	char buf[24];

	/* "%#llx" prints 0 without its "0x"; a pointer field should look like one. */
	if (v == 0)
		return json_string("0x0");
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
	return json_string(buf);
}

/*
 * A JSON string from bytes of the tracee, which owe nothing to UTF-8:
 * when jansson refuses them, every byte above 0x7f is spelt "\xNN" so the
 * trace stays valid JSON and the bytes stay recoverable.
 */
json_t *dec_bytes_json(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *esc, *p;

	if (j)
		return j;
	esc = malloc(len * 4 + 1);
	if (!esc)
		return NULL;
	p = esc;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			*p++ = (char)c;
		} else {
			snprintf(p, 5, "\\x%02x", c);
			p += 4;
		}
	}
	j = json_stringn(esc, (size_t)(p - esc));
	free(esc);
	return j;
}

/* A flag word of table k: its names, hex for the rest, the zero name or "0". */
json_t *dec_flags_json(uint64_t v, enum sp_xlat_kind k)
{
	char buf[512];

	return json_string(sp_xlat_format_flags(dec_xlat(k), v, buf, sizeof(buf)));
}

/* An enumerated value of table k: its name, or the number in decimal. */
json_t *dec_enum_json(uint64_t v, enum sp_xlat_kind k)
{
	char buf[64];

	return json_string(sp_xlat_format_enum(dec_xlat(k), v, buf, sizeof(buf)));
}

/* A symbolic kind as core prints it (the form rules parse back). */
json_t *dec_kind_json(enum sp_arg_kind kind, uint64_t v)
{
	char buf[512];

	return json_string(sp_arg_format(kind, v, buf, sizeof(buf)));
}

json_t *dec_signal_json(uint64_t signo)
{
	return dec_kind_json(SP_ARG_SIGNAL, signo);
}

/* Sets key in obj; a NULL value (jansson out of memory) is simply left out. */
void dec_put(json_t *obj, const char *key, json_t *val)
{
	if (val)
		json_object_set_new(obj, key, val);
}

/* "<name>_truncated": true, beside the argument that was cut. */
void dec_put_truncated(json_t *obj, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_truncated", name);
	json_object_set_new(obj, key, json_true());
}

/* ---- file descriptors ------------------------------------------------------ */

/* What an anon_inode:... link names, as the kind of the fd. */
static const char *anon_kind(const char *what)
{
	static const struct {
		const char *tag;
		const char *kind;
	} tab[] = {
	    {"[eventfd]", "eventfd"},
	    {"[eventpoll]", "epoll"},
	    {"[timerfd]", "timerfd"},
	    {"[signalfd]", "signalfd"},
	    {"inotify", "inotify"},
	    {"[pidfd]", "pidfd"},
	    {"[io_uring]", "io_uring"},
	    {"[fanotify]", "fanotify"},
	    {"[userfaultfd]", "userfaultfd"},
	    {"[perf_event]", "perf_event"},
	    {"[seccomp notify]", "seccomp_notify"},
	};

	for (size_t i = 0; i < NELEM(tab); i++)
		if (strcmp(what, tab[i].tag) == 0)
			return tab[i].kind;
	if (strncmp(what, "bpf", 3) == 0)
		return "bpf";
	return "anon";
}

/* Terminal majors (devices.txt): 4 ttyN/ttySN, 5 tty/console/ptmx, 136-143 pts. */
static bool is_tty_major(unsigned int maj)
{
	return maj == 4 || maj == 5 || (maj >= 136 && maj <= 143);
}

/*
 * The kind of an fd from its /proc link text; a path needs one stat of the
 * link (which follows it to the open file) to tell a directory, a terminal
 * or a device from a regular file.
 */
static const char *fd_kind(const char *link, const char *target)
{
	static const struct {
		const char *prefix;
		const char *kind;
	} tab[] = {
	    {"socket:[", "socket"}, {"pipe:[", "pipe"}, {"pidfd:", "pidfd"}, {"net:[", "ns"},
	    {"mnt:[", "ns"},        {"user:[", "ns"},   {"pid:[", "ns"},     {"uts:[", "ns"},
	    {"ipc:[", "ns"},        {"cgroup:[", "ns"}, {"time:[", "ns"},
	};
	struct stat st;

	if (target[0] == '/') {
		if (strncmp(target, "/memfd:", 7) == 0)
			return "memfd";
		if (stat(link, &st) < 0)
			return "file";
		if (S_ISDIR(st.st_mode))
			return "dir";
		if (S_ISCHR(st.st_mode))
			return is_tty_major(major(st.st_rdev)) ? "tty" : "chr";
		if (S_ISBLK(st.st_mode))
			return "blk";
		if (S_ISFIFO(st.st_mode))
			return "fifo";
		if (S_ISSOCK(st.st_mode))
			return "socket";
		return "file";
	}
	if (strncmp(target, "anon_inode:", 11) == 0)
		return anon_kind(target + 11);
	for (size_t i = 0; i < NELEM(tab); i++)
		if (strncmp(target, tab[i].prefix, strlen(tab[i].prefix)) == 0)
			return tab[i].kind;
	return "other";
}

/*
 * A socket's protocol as the kernel names it, and its address family: one
 * getxattr(2) of the /proc link (sockets answer "system.sockprotoname"),
 * so that rules can tell a netlink socket from a TCP one.
 */
static void put_socket_proto(json_t *o, const char *link)
{
	char proto[64];
	ssize_t n = getxattr(link, "system.sockprotoname", proto, sizeof(proto) - 1);
	const char *fam;

	if (n <= 0)
		return;
	proto[n] = '\0';
	dec_put(o, "proto", dec_bytes_json(proto, strnlen(proto, (size_t)n)));
	fam = sp_xlat_name(sp_xlat_get(SP_XLAT_SOCK_DOMAIN),
	                   (uint64_t)(int64_t)sp_sock_proto_family(proto));
	if (fam)
		dec_put(o, "family", json_string(fam));
}

/* {"fd":N,"kind":...,"path":...}; kind and path only when the fd is open. */
json_t *dec_fd_json(const struct sp_decode_ctx *ctx, int fd)
{
	char link[64], target[PATH_MAX];
	json_t *o = json_object();
	const char *kind;
	ssize_t n;

	if (!o)
		return NULL;
	dec_put(o, "fd", json_integer(fd));
	if (fd < 0)
		return o;
	/*
	 * The thread's own table: /proc/PID/fd is the leader's, empty once the
	 * leader has left with pthread_exit() while other threads run (and a
	 * thread may have unshared its files).
	 */
	if (ctx->tid > 0)
		snprintf(link, sizeof(link), "/proc/%d/task/%d/fd/%d", (int)ctx->pid, (int)ctx->tid,
		         fd);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)ctx->pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return o;
	target[n] = '\0';
	kind = fd_kind(link, target);
	dec_put(o, "kind", json_string(kind));
	dec_put(o, "path", dec_bytes_json(target, (size_t)n));
	if (strcmp(kind, "socket") == 0)
		put_socket_proto(o, link);
	return o;
}

json_t *dec_dirfd_json(const struct sp_decode_ctx *ctx, int fd)
{
	if (fd == AT_FDCWD)
		return json_string("AT_FDCWD");
	return dec_fd_json(ctx, fd);
}

/* ---- socket addresses -------------------------------------------------------- */

json_t *dec_sockaddr_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t len)
{
	struct sockaddr_storage ss;
	json_t *o;

	if (addr == 0)
		return json_null();
	if (len > sizeof(ss))
		len = sizeof(ss);
	if (len < sizeof(sa_family_t))
		return dec_hex_json(addr);
	memset(&ss, 0, sizeof(ss));
	if (sp_mem_read(ctx->tid, addr, &ss, len) < 0)
		return dec_hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;

	switch (ss.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)&ss;
		char a[INET_ADDRSTRLEN];

		dec_put(o, "family", json_string("AF_INET"));
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		dec_put(o, "addr", json_string(a));
		dec_put(o, "port", json_integer(ntohs(in->sin_port)));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)&ss;
		char a[INET6_ADDRSTRLEN];

		dec_put(o, "family", json_string("AF_INET6"));
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		dec_put(o, "addr", json_string(a));
		dec_put(o, "port", json_integer(ntohs(in6->sin6_port)));
		if (in6->sin6_scope_id)
			dec_put(o, "scope_id", json_integer(in6->sin6_scope_id));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)&ss;
		size_t plen = len - offsetof(struct sockaddr_un, sun_path);

		/* A caller may claim more than sun_path holds; the kernel reads no further. */
		if (plen > sizeof(un->sun_path))
			plen = sizeof(un->sun_path);
		dec_put(o, "family", json_string("AF_UNIX"));
		if (plen == 0)
			break; /* unnamed (socketpair, unbound) */
		if (un->sun_path[0] == '\0') {
			/* Abstract namespace: all plen bytes count, NULs included (unix(7)). */
			char name[sizeof(un->sun_path) + 1];

			name[0] = '@';
			memcpy(name + 1, un->sun_path + 1, plen - 1);
			dec_put(o, "path", dec_bytes_json(name, plen));
		} else {
			dec_put(o, "path",
			        dec_bytes_json(un->sun_path, strnlen(un->sun_path, plen)));
		}
		break;
	}
	case AF_NETLINK: {
		const struct sockaddr_nl *nl = (const void *)&ss;

		dec_put(o, "family", json_string("AF_NETLINK"));
		dec_put(o, "pid", json_integer(nl->nl_pid));
		dec_put(o, "groups", json_integer(nl->nl_groups));
		break;
	}
	default:
		dec_put(o, "family", json_integer(ss.ss_family));
		break;
	}
	return o;
}
