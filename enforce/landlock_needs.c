/* SPDX-License-Identifier: MIT */
/*
 * The objects a call touches, as Landlock checks them (landlock_needs.h):
 * the file the kernel opened (ret_fd's path: symlinks resolved) with the
 * rights its flags ask, the parent of a name made or removed (O_CREAT,
 * mkdir, unlink, rename with refer across directories, symlink, a unix
 * socket's bind), the program executed (/proc/PID/exe at the exit stop of
 * execve), truncate, ioctl on a device, a TCP port, a signal to another
 * task, an abstract unix socket.  Names relative to a dirfd or to the
 * working directory are resolved through the decoded descriptor and
 * /proc/TID/cwd while the thread is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "landlock_needs.h"
#include "sysphase/landlock.h"

static bool is(const struct sp_event *ev, const char *name)
{
	return strcmp(ev->name, name) == 0;
}

/* ---- the objects a call touches ---- */

/* A decoded path the trace holds whole (not cut, no byte the decoder escaped). */
static const char *whole(const json_t *dec, const char *key)
{
	char trunc[64];
	const char *s = json_string_value(json_object_get(dec, key));

	snprintf(trunc, sizeof(trunc), "%s_truncated", key);
	if (!s || !*s || json_is_true(json_object_get(dec, trunc)) || strstr(s, "\\x"))
		return NULL;
	return s;
}

/* The path and kind of a decoded fd object, when it names a file of the tree. */
static const char *fd_path(const json_t *fd, const char **kind)
{
	const char *p = json_string_value(json_object_get(fd, "path"));

	*kind = json_string_value(json_object_get(fd, "kind"));
	if (!p || p[0] != '/' || !*kind || strstr(p, " (deleted)") || strstr(p, "\\x"))
		return NULL;
	return p;
}

/*
 * The directory path names its last component in, canonical: against
 * base (a directory fd's path) or else the thread's working directory,
 * read from /proc now, at the exit stop.  The directory exists (the call
 * succeeded).  true with out filled.
 */
static bool parent_of_path(pid_t tid, const char *path, const char *base, char *out, size_t n)
{
	char cwd[PATH_MAX], full[2 * PATH_MAX + 2], real[PATH_MAX], link[64];
	size_t len;
	char *slash;
	ssize_t got;

	if (path[0] != '/' && !base) {
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)tid);
		got = readlink(link, cwd, sizeof(cwd) - 1);
		if (got <= 0)
			return false;
		cwd[got] = '\0';
		base = cwd;
	}
	if (snprintf(full, sizeof(full), "%s/%s", path[0] == '/' ? "" : base, path) >=
	    (int)sizeof(full))
		return false;
	for (len = strlen(full); len > 1 && full[len - 1] == '/'; len--)
		full[len - 1] = '\0';
	slash = strrchr(full, '/');
	if (!slash)
		return false;
	if (slash == full)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (!realpath(full, real) || strlen(real) >= n)
		return false;
	memcpy(out, real, strlen(real) + 1);
	return true;
}

/* The same for dec[key], relative to dec[dirkey] (an fd object) when it is one. */
static bool parent_of(pid_t tid, const json_t *dec, const char *dirkey, const char *key, char *out,
                      size_t n)
{
	const char *path = whole(dec, key), *kind, *base = NULL;
	const json_t *dirfd = dirkey ? json_object_get(dec, dirkey) : NULL;

	if (!path)
		return false;
	if (path[0] != '/' && json_is_object(dirfd)) {
		base = fd_path(dirfd, &kind);
		if (!base || strcmp(kind, "dir") != 0)
			return false;
	}
	return parent_of_path(tid, path, base, out, n);
}

static uint64_t open_rights(uint64_t flags)
{
	uint64_t acc = (flags & O_ACCMODE) == O_RDONLY   ? SP_LL_FS_READ_FILE
	               : (flags & O_ACCMODE) == O_WRONLY ? SP_LL_FS_WRITE_FILE
	                                                 : SP_LL_FS_READ_FILE | SP_LL_FS_WRITE_FILE;

	return flags & O_TRUNC ? acc | SP_LL_FS_TRUNCATE : acc;
}

static int need_fs(struct ll_need *n, int k, const char *path, bool dir, uint64_t rights)
{
	if (snprintf(n[k].path, sizeof(n[k].path), "%s", path) >= (int)sizeof(n[k].path))
		return k;
	n[k].kind = LL_FS;
	n[k].dir = dir;
	n[k].port = -1;
	n[k].rights = rights;
	return k + 1;
}

/* A successful open: the file the kernel opened, or its parent when it may have made it. */
static int needs_of_open(const struct sp_event *ev, uint64_t flags, const char *dirkey,
                         struct ll_need *n)
{
	const char *kind, *real = fd_path(json_object_get(ev->dec, "ret_fd"), &kind);
	uint64_t acc = open_rights(flags);
	char parent[PATH_MAX];

	if (flags & O_PATH) /* Landlock checks no right on an O_PATH descriptor */
		return 0;
	if (flags & 020000000) /* the kernel's __O_TMPFILE: a file made in that directory */
		return parent_of(ev->tid, ev->dec, dirkey, "pathname", parent, sizeof(parent))
		           ? need_fs(n, 0, parent, true, acc | SP_LL_FS_MAKE_REG)
		           : 0;
	if (!real)
		return 0;
	if (strcmp(kind, "dir") == 0)
		return need_fs(n, 0, real, true, SP_LL_FS_READ_DIR);
	if (strcmp(kind, "file") && strcmp(kind, "chr") && strcmp(kind, "blk") &&
	    strcmp(kind, "fifo"))
		return 0;
	if (flags & O_CREAT) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", real);
		slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		return need_fs(n, 0, dir, true, acc | SP_LL_FS_MAKE_REG);
	}
	return need_fs(n, 0, real, false, acc);
}

static int needs_of_parent(const struct sp_event *ev, const char *dirkey, const char *key,
                           uint64_t rights, struct ll_need *n, int k)
{
	char parent[PATH_MAX];

	return parent_of(ev->tid, ev->dec, dirkey, key, parent, sizeof(parent))
	           ? need_fs(n, k, parent, true, rights)
	           : k;
}

static int needs_of_move(const struct sp_event *ev, bool dirfds, uint64_t from_acc, uint64_t to_acc,
                         struct ll_need *n)
{
	char from[PATH_MAX], to[PATH_MAX];
	bool f =
	    parent_of(ev->tid, ev->dec, dirfds ? "olddirfd" : NULL, "oldpath", from, sizeof(from));
	bool t = parent_of(ev->tid, ev->dec, dirfds ? "newdirfd" : NULL, "newpath", to, sizeof(to));
	/* A file that changes directory also needs refer on both. */
	uint64_t refer = f && t && strcmp(from, to) != 0 ? SP_LL_FS_REFER : 0;
	int k = 0;

	if (f && (from_acc || refer))
		k = need_fs(n, k, from, true, from_acc | refer);
	return t ? need_fs(n, k, to, true, to_acc | refer) : k;
}

/* bind of a named unix socket makes a socket file in its directory. */
static int needs_of_unix_bind(const struct sp_event *ev, struct ll_need *n)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *path = json_string_value(json_object_get(addr, "path"));
	char parent[PATH_MAX];

	if (!family || strcmp(family, "AF_UNIX") || !path || !path[0] || path[0] == '@' ||
	    !parent_of_path(ev->tid, path, NULL, parent, sizeof(parent)))
		return 0;
	return need_fs(n, 0, parent, true, SP_LL_FS_MAKE_SOCK);
}

/* A TCP port (the socket's protocol, where the decoder read it, is TCP). */
static int needs_of_inet(const struct sp_event *ev, uint64_t right, struct ll_need *n)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *proto =
	    json_string_value(json_object_get(json_object_get(ev->dec, "sockfd"), "proto"));
	const json_t *port = json_object_get(addr, "port");

	if (!family || (strcmp(family, "AF_INET") && strcmp(family, "AF_INET6")) ||
	    !json_is_integer(port) || (proto && !strstr(proto, "TCP")))
		return 0;
	n[0] = (struct ll_need){
	    .kind = LL_NET, .port = (long)json_integer_value(port), .rights = right};
	return 1;
}

static int needs_of_abstract(const struct sp_event *ev, struct ll_need *n)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *path = json_string_value(json_object_get(addr, "path"));

	if (!family || strcmp(family, "AF_UNIX") || !path || path[0] != '@')
		return 0;
	n[0] = (struct ll_need){.kind = LL_SCOPE, .port = -1, .rights = SP_LL_SCOPE_ABSTRACT_UNIX};
	return 1;
}

/* A signal to another thread or process (raise() and pthread_kill(self) stay in the domain). */
static int needs_of_signal(const struct sp_event *ev, struct ll_need *n)
{
	if (((is(ev, "tgkill") || is(ev, "rt_tgsigqueueinfo")) && (pid_t)ev->args[1] == ev->tid) ||
	    (is(ev, "tkill") && (pid_t)ev->args[0] == ev->tid))
		return 0;
	n[0] = (struct ll_need){.kind = LL_SCOPE, .port = -1, .rights = SP_LL_SCOPE_SIGNAL};
	return 1;
}

static const char *const signalling[] = {
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};

static int needs_of_names(const struct sp_event *ev, struct ll_need *n);

/* At the exit stop of a successful exec the new program is /proc/PID/exe. */
static int needs_of_exec(const struct sp_event *ev, struct ll_need *n)
{
	char link[64], full[PATH_MAX];
	ssize_t got;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)ev->pid);
	got = readlink(link, full, sizeof(full) - 1);
	if (got <= 0 || full[0] != '/')
		return 0;
	full[got] = '\0';
	return need_fs(n, 0, full, false, SP_LL_FS_EXECUTE | SP_LL_FS_READ_FILE);
}

/* A successful open (or signal): what it needed. */
static int needs_of_opens(const struct sp_event *ev, struct ll_need *n)
{
	for (size_t i = 0; i < sizeof(signalling) / sizeof(signalling[0]); i++)
		if (is(ev, signalling[i]))
			return needs_of_signal(ev, n);
	if (is(ev, "open"))
		return needs_of_open(ev, ev->args[1], NULL, n);
	if (is(ev, "openat"))
		return needs_of_open(ev, ev->args[2], "dirfd", n);
	if (is(ev, "creat"))
		return needs_of_open(ev, O_CREAT | O_WRONLY | O_TRUNC, NULL, n);
	if (is(ev, "openat2")) /* struct open_how is not decoded: the widest a file open can ask */
		return needs_of_open(ev, O_RDWR | O_TRUNC, "dirfd", n);
	return 0;
}

/* mkdir, unlink, symlink, rename, link: rights on the parents. */
static int needs_of_names(const struct sp_event *ev, struct ll_need *n)
{
	if (is(ev, "mkdir") || is(ev, "mkdirat"))
		return needs_of_parent(ev, is(ev, "mkdirat") ? "dirfd" : NULL, "pathname",
		                       SP_LL_FS_MAKE_DIR, n, 0);
	if (is(ev, "unlink") || is(ev, "rmdir") || is(ev, "unlinkat"))
		return needs_of_parent(ev, is(ev, "unlinkat") ? "dirfd" : NULL, "pathname",
		                       is(ev, "rmdir") ||
		                               (is(ev, "unlinkat") && (ev->args[2] & AT_REMOVEDIR))
		                           ? SP_LL_FS_REMOVE_DIR
		                           : SP_LL_FS_REMOVE_FILE,
		                       n, 0);
	if (is(ev, "symlink") || is(ev, "symlinkat"))
		return needs_of_parent(ev, is(ev, "symlinkat") ? "newdirfd" : NULL, "linkpath",
		                       SP_LL_FS_MAKE_SYM, n, 0);
	if (is(ev, "rename") || is(ev, "renameat") || is(ev, "renameat2"))
		return needs_of_move(ev, !is(ev, "rename"),
		                     SP_LL_FS_REMOVE_FILE | SP_LL_FS_MAKE_REG,
		                     SP_LL_FS_REMOVE_FILE | SP_LL_FS_MAKE_REG, n);
	if (is(ev, "link") || is(ev, "linkat"))
		return needs_of_move(ev, is(ev, "linkat"), 0, SP_LL_FS_MAKE_REG, n);
	return 0;
}

int ll_needs_of(const struct sp_event *ev, struct ll_need n[3])
{
	bool ok = ev->has_exit && ev->ret >= 0;
	const char *kind, *p;
	int k;

	if (is(ev, "connect") && ev->has_exit && (ok || ev->err == EINPROGRESS))
		return needs_of_inet(ev, SP_LL_NET_CONNECT_TCP, n) + needs_of_abstract(ev, n);
	if ((is(ev, "execve") || is(ev, "execveat")) && (!ev->has_exit || ev->ret == 0))
		return needs_of_exec(ev, n);
	if (!ok)
		return 0;
	if ((k = needs_of_opens(ev, n)) > 0 || (k = needs_of_names(ev, n)) > 0)
		return k;
	if (is(ev, "truncate") && (p = whole(ev->dec, "path")) && p[0] == '/')
		return need_fs(n, 0, p, false, SP_LL_FS_TRUNCATE);
	if ((is(ev, "ftruncate") || is(ev, "ioctl")) &&
	    (p = fd_path(json_object_get(ev->dec, "fd"), &kind))) {
		if (is(ev, "ftruncate") && !strcmp(kind, "file"))
			return need_fs(n, 0, p, false, SP_LL_FS_TRUNCATE);
		if (is(ev, "ioctl") && (!strcmp(kind, "chr") || !strcmp(kind, "blk")))
			return need_fs(n, 0, p, false, SP_LL_FS_IOCTL_DEV);
		return 0;
	}
	if (is(ev, "bind"))
		return needs_of_inet(ev, SP_LL_NET_BIND_TCP, n) + needs_of_unix_bind(ev, n);
	if (is(ev, "sendto") || is(ev, "sendmsg"))
		return needs_of_abstract(ev, n);
	return 0;
}

/*
 * The object a failed call named, resolved as the kernel would have: the
 * file itself (symlinks followed), or for a name that does not exist, its
 * parent.  1 with out: the object; 2: its parent; 0 unknown.
 */
static int object_of(const struct sp_event *ev, const char *dirkey, const char *key, char *out,
                     size_t n)
{
	const char *path = whole(ev->dec, key), *kind, *base = NULL;
	const json_t *dirfd = dirkey ? json_object_get(ev->dec, dirkey) : NULL;
	char cwd[PATH_MAX], full[2 * PATH_MAX + 2], real[PATH_MAX], link[64];
	ssize_t got;

	if (!path)
		return 0;
	if (path[0] != '/' && json_is_object(dirfd)) {
		base = fd_path(dirfd, &kind);
		if (!base || strcmp(kind, "dir") != 0)
			return 0;
	} else if (path[0] != '/') {
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)ev->tid);
		got = readlink(link, cwd, sizeof(cwd) - 1);
		if (got <= 0)
			return 0;
		cwd[got] = '\0';
		base = cwd;
	}
	if (snprintf(full, sizeof(full), "%s/%s", path[0] == '/' ? "" : base, path) >=
	    (int)sizeof(full))
		return 0;
	if (realpath(full, real) && strlen(real) < n) {
		memcpy(out, real, strlen(real) + 1);
		return 1;
	}
	return parent_of_path(ev->tid, path, base, out, n) ? 2 : 0;
}

int ll_needs_of_failed(const struct sp_event *ev, struct ll_need n[3])
{
	char obj[PATH_MAX];
	struct stat st;
	int found;

	if (ev->err == EPERM) {
		for (size_t i = 0; i < sizeof(signalling) / sizeof(signalling[0]); i++)
			if (is(ev, signalling[i]))
				return needs_of_signal(ev, n);
		return is(ev, "connect") || is(ev, "sendto") || is(ev, "sendmsg")
		           ? needs_of_abstract(ev, n)
		           : 0;
	}
	if (ev->err != EACCES)
		return 0;
	if (is(ev, "bind") || is(ev, "connect"))
		return needs_of_inet(
		    ev, is(ev, "bind") ? SP_LL_NET_BIND_TCP : SP_LL_NET_CONNECT_TCP, n);
	if (is(ev, "open") || is(ev, "openat") || is(ev, "creat")) {
		uint64_t flags = is(ev, "open")     ? ev->args[1]
		                 : is(ev, "openat") ? ev->args[2]
		                                    : (uint64_t)(O_CREAT | O_WRONLY | O_TRUNC);

		found =
		    object_of(ev, is(ev, "openat") ? "dirfd" : NULL, "pathname", obj, sizeof(obj));
		if (found == 1 && stat(obj, &st) == 0)
			return S_ISDIR(st.st_mode) ? need_fs(n, 0, obj, true, SP_LL_FS_READ_DIR)
			                           : need_fs(n, 0, obj, false, open_rights(flags));
		return found == 2 && (flags & O_CREAT)
		           ? need_fs(n, 0, obj, true, open_rights(flags) | SP_LL_FS_MAKE_REG)
		           : 0;
	}
	if ((is(ev, "execve") || is(ev, "execveat")) &&
	    object_of(ev, is(ev, "execveat") ? "dirfd" : NULL, "pathname", obj, sizeof(obj)) == 1)
		return need_fs(n, 0, obj, false, SP_LL_FS_EXECUTE | SP_LL_FS_READ_FILE);
	if (is(ev, "truncate") && object_of(ev, NULL, "path", obj, sizeof(obj)) == 1)
		return need_fs(n, 0, obj, false, SP_LL_FS_TRUNCATE);
	/* The calls on a parent judge it whatever became of the name. */
	return needs_of_names(ev, n);
}
