/* SPDX-License-Identifier: MIT */
/*
 * Complain mode's Landlock (docs/run.md): Landlock cannot log without
 * denying, so nothing is put on; instead each call of a thread followed
 * with syscall stops is judged, at its exit stop, against the layers
 * enforcing would have the thread hold at that moment (those of every
 * phase whose filter it holds: layers stack, and every one must allow an
 * access), on the paths and ports the decoder read.  What one would deny
 * is noted once per (process, phase, object), in the phase of the
 * narrowest layer that denies it (sp_enforce_blame: merging there widens
 * the layers before it too), and written with the seccomp entries.
 *
 * The objects are those the policy's derivation turns into rules
 * (policy/landlock.c), so that a merged line is a rule of the same
 * shape: the file the kernel opened (ret_fd's path: symlinks resolved),
 * the parent of a name made or removed, the program executed, a TCP port,
 * a scope.  Paths named relative to a dirfd or the working directory are
 * resolved through /proc at the exit stop, while the thread is stopped.
 * A thread let go (and one followed by events alone) makes no stop: what
 * it touches is not seen (docs/run.md says so).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "internal.h"

#define LL_SIM_BUCKETS 256

enum ll_kind {
	LL_FS,
	LL_NET,
	LL_SCOPE
};

/* One would-be denial: per (process, phase, object), its rights united. */
struct ll_denial {
	struct ll_denial *next;
	pid_t pid, tid;
	int phase;
	enum ll_kind kind;
	char *path; /* LL_FS */
	bool dir;   /* LL_FS: the rights are beneath path */
	long port;  /* LL_NET */
	uint64_t rights;
	uint64_t count;
	double first;
	const char *syscall; /* constant (sp_syscall_name) */
};

struct ll_sim {
	struct ll_denial *b[LL_SIM_BUCKETS];
	size_t n;
};

/* What one call needs: up to three objects (rename: both parents). */
struct need {
	enum ll_kind kind;
	char path[PATH_MAX];
	bool dir;
	long port;
	uint64_t rights;
};

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

static int need_fs(struct need *n, int k, const char *path, bool dir, uint64_t rights)
{
	if (snprintf(n[k].path, sizeof(n[k].path), "%s", path) >= (int)sizeof(n[k].path))
		return k;
	n[k].kind = LL_FS;
	n[k].dir = dir;
	n[k].rights = rights;
	return k + 1;
}

/* A successful open: the file the kernel opened, or its parent when it may have made it. */
static int needs_of_open(const struct sp_event *ev, uint64_t flags, const char *dirkey,
                         struct need *n)
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
                           uint64_t rights, struct need *n, int k)
{
	char parent[PATH_MAX];

	return parent_of(ev->tid, ev->dec, dirkey, key, parent, sizeof(parent))
	           ? need_fs(n, k, parent, true, rights)
	           : k;
}

static int needs_of_move(const struct sp_event *ev, bool dirfds, uint64_t from_acc, uint64_t to_acc,
                         struct need *n)
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
static int needs_of_unix_bind(const struct sp_event *ev, struct need *n)
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
static int needs_of_inet(const struct sp_event *ev, uint64_t right, struct need *n)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *proto =
	    json_string_value(json_object_get(json_object_get(ev->dec, "sockfd"), "proto"));
	const json_t *port = json_object_get(addr, "port");

	if (!family || (strcmp(family, "AF_INET") && strcmp(family, "AF_INET6")) ||
	    !json_is_integer(port) || (proto && !strstr(proto, "TCP")))
		return 0;
	n[0].kind = LL_NET;
	n[0].port = (long)json_integer_value(port);
	n[0].rights = right;
	return 1;
}

static int needs_of_abstract(const struct sp_event *ev, struct need *n)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *path = json_string_value(json_object_get(addr, "path"));

	if (!family || strcmp(family, "AF_UNIX") || !path || path[0] != '@')
		return 0;
	n[0].kind = LL_SCOPE;
	n[0].rights = SP_LL_SCOPE_ABSTRACT_UNIX;
	return 1;
}

/* A signal to another thread or process (raise() and pthread_kill(self) stay in the domain). */
static int needs_of_signal(const struct sp_event *ev, struct need *n)
{
	if (((is(ev, "tgkill") || is(ev, "rt_tgsigqueueinfo")) && (pid_t)ev->args[1] == ev->tid) ||
	    (is(ev, "tkill") && (pid_t)ev->args[0] == ev->tid))
		return 0;
	n[0].kind = LL_SCOPE;
	n[0].rights = SP_LL_SCOPE_SIGNAL;
	return 1;
}

static const char *const signalling[] = {
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};

static int needs_of_names(const struct sp_event *ev, struct need *n);

/* At the exit stop of a successful exec the new program is /proc/PID/exe. */
static int needs_of_exec(const struct sp_event *ev, struct need *n)
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
static int needs_of_opens(const struct sp_event *ev, struct need *n)
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
static int needs_of_names(const struct sp_event *ev, struct need *n)
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

/* What a finished call needed of the layers, into n (up to 3): how many. */
static int needs_of(const struct sp_event *ev, struct need *n)
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

/*
 * What a call that failed with EACCES (files, ports) or EPERM (scopes)
 * asked of the layers: the same objects as needs_of, found from its
 * arguments since it opened nothing.
 */
static int needs_of_failed(const struct sp_event *ev, struct need *n)
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

/* ---- judging a call against the layers the thread would hold ---- */

/* The rights of l granted at path: rules on it, or on a directory above it. */
static uint64_t granted_at(const struct sp_landlock_layer *l, const char *path)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < l->n_paths; i++) {
		const char *rp = l->paths[i].path;
		size_t len = strlen(rp);

		if (strcmp(rp, "/") == 0 ||
		    (strncmp(rp, path, len) == 0 && (path[len] == '/' || path[len] == '\0')))
			acc |= l->paths[i].access;
	}
	return acc;
}

/* The rights of need the layer denies (0: it allows it all). */
static uint64_t denied_by(const struct sp_landlock_layer *l, const struct need *nd)
{
	switch (nd->kind) {
	case LL_FS:
		return nd->rights & l->handled_fs & ~granted_at(l, nd->path);
	case LL_NET: {
		uint64_t ok = 0;

		for (size_t i = 0; i < l->n_ports; i++)
			if (l->ports[i].port == (uint64_t)nd->port)
				ok |= l->ports[i].access;
		return nd->rights & l->handled_net & ~ok;
	}
	default:
		return nd->rights & l->scoped;
	}
}

static size_t bucket(pid_t pid, int phase, const struct need *nd)
{
	size_t h = (size_t)pid * 31u + (size_t)phase * 7u + (size_t)nd->kind;

	if (nd->kind == LL_FS)
		for (const char *c = nd->path; *c; c++)
			h = h * 131u + (unsigned char)*c;
	else
		h = h * 131u + (size_t)nd->port;
	return h % LL_SIM_BUCKETS;
}

/*
 * The phases whose layers (among those t holds) deny nd, the narrowest
 * as sp_enforce_blame keeps them, and in *rights what they deny.
 */
static uint64_t blame(const struct sp_enforcer *e, const struct thr *t, const struct need *nd,
                      uint64_t *rights)
{
	uint64_t denying = 0;

	*rights = 0;
	for (int ph = 0; ph < (int)e->n_phases; ph++) {
		const struct sp_landlock_layer *l = sp_enforce_landlock_layer(e, ph);
		uint64_t d = l && (t->held & (1ULL << ph)) ? denied_by(l, nd) : 0;

		if (d) {
			denying |= 1ULL << ph;
			*rights |= d;
		}
	}
	return denying ? sp_enforce_blame(e, denying) : 0;
}

/*
 * Notes a denial of (pid, phase, nd): *fresh says whether it adds a right
 * to what was noted before.  0 or -ENOMEM.
 */
static int note(struct sp_enforcer *e, pid_t pid, pid_t tid, int phase, const struct need *nd,
                uint64_t rights, const struct sp_event *ev, bool *fresh)
{
	struct ll_denial **head, *d;

	if (!e->ll_sim && !(e->ll_sim = calloc(1, sizeof(*e->ll_sim))))
		return -ENOMEM;
	head = &e->ll_sim->b[bucket(pid, phase, nd)];
	for (d = *head; d; d = d->next)
		if (d->pid == pid && d->phase == phase && d->kind == nd->kind &&
		    (nd->kind != LL_FS || (d->dir == nd->dir && strcmp(d->path, nd->path) == 0)) &&
		    (nd->kind != LL_NET || d->port == nd->port))
			break;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d || (nd->kind == LL_FS && !(d->path = strdup(nd->path)))) {
			free(d);
			return -ENOMEM;
		}
		*d = (struct ll_denial){.next = *head,
		                        .pid = pid,
		                        .tid = tid,
		                        .phase = phase,
		                        .kind = nd->kind,
		                        .path = d->path,
		                        .dir = nd->dir,
		                        .port = nd->port,
		                        .first = ev->ts,
		                        .syscall = sp_syscall_name(ev->abi, ev->nr)};
		*head = d;
		e->ll_sim->n++;
	}
	*fresh = (rights & ~d->rights) != 0;
	d->rights |= rights;
	d->count++;
	return 0;
}

int sp_complain_landlock_judge(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev)
{
	struct need n[3];
	bool fresh;
	int k;

	if (!e->ll_simulate || ev->type != SP_EV_SYSCALL || !ev->name || ev->abi != SP_ABI_X86_64)
		return 0;
	k = needs_of(ev, n);
	for (int i = 0; i < k; i++) {
		uint64_t rights, blamed = blame(e, t, &n[i], &rights);

		for (int ph = 0; blamed && ph < (int)e->n_phases; ph++)
			if ((blamed & (1ULL << ph)) &&
			    note(e, t->pid, t->tid, ph, &n[i], rights, ev, &fresh) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int cmp_denial(const void *a, const void *b)
{
	const struct ll_denial *x = *(const struct ll_denial *const *)a;
	const struct ll_denial *y = *(const struct ll_denial *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == LL_FS)
		return strcmp(x->path, y->path) ? strcmp(x->path, y->path)
		                                : (int)x->dir - (int)y->dir;
	return x->port < y->port ? -1 : x->port > y->port;
}

int sp_complain_landlock_write(struct sp_enforcer *e, struct sp_diag *diag)
{
	const struct ll_denial **all;
	size_t n = 0;
	int rc = 0;

	if (!e->ll_sim || !e->ll_sim->n)
		return 0;
	all = calloc(e->ll_sim->n, sizeof(*all));
	if (!all)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t b = 0; b < LL_SIM_BUCKETS; b++)
		for (const struct ll_denial *d = e->ll_sim->b[b]; d; d = d->next)
			all[n++] = d;
	sp_qsort(all, n, sizeof(*all), cmp_denial);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct ll_denial *d = all[i];
		struct sp_complain_landlock out = {
		    .pid = d->pid,
		    .tid = d->tid,
		    .phase = sp_enforce_phase_name(e, d->phase),
		    .syscall = d->syscall,
		    .path = d->kind == LL_FS ? d->path : NULL,
		    .dir = d->dir,
		    .fs = d->kind == LL_FS ? d->rights : 0,
		    .port = d->kind == LL_NET ? d->port : -1,
		    .net = d->kind == LL_NET ? d->rights : 0,
		    .scope = d->kind == LL_SCOPE ? d->rights : 0,
		    .count = d->count,
		    .first = d->first,
		};

		rc = sp_complain_write_landlock(e->opts.complain, &out, diag);
	}
	free(all);
	return rc;
}

void sp_complain_landlock_free(struct sp_enforcer *e)
{
	free(e->llq);
	e->llq = NULL;
	e->llq_len = 0;
	if (!e->ll_sim)
		return;
	for (size_t b = 0; b < LL_SIM_BUCKETS; b++)
		while (e->ll_sim->b[b]) {
			struct ll_denial *d = e->ll_sim->b[b];

			e->ll_sim->b[b] = d->next;
			free(d->path);
			free(d);
		}
	free(e->ll_sim);
	e->ll_sim = NULL;
}

/* ---- run: a Landlock denial seen at a ptrace stop, named ---- */

/* What the note says the denial was on: a path, "TCP port 8080", a scope. */
static void object_name(const struct need *nd, uint64_t rights, char *obj, size_t n, char *acc,
                        size_t na)
{
	if (nd->kind == LL_FS) {
		snprintf(obj, n, "%s%s", nd->path, nd->dir ? " (beneath)" : "");
		sp_ll_fs_format(rights, ",", acc, na);
	} else if (nd->kind == LL_NET) {
		snprintf(obj, n, "TCP port %ld", nd->port);
		sp_ll_net_format(rights, ",", acc, na);
	} else {
		snprintf(obj, n, "%s",
		         rights & SP_LL_SCOPE_SIGNAL ? "a signal to another process"
		                                     : "an abstract unix socket");
		sp_ll_scope_format(rights, ",", acc, na);
	}
}

int sp_enforce_landlock_denied(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev)
{
	struct proc *p = sp_proc_find(e, t->pid);
	struct need n[3];
	int k;

	if (!e->ll || e->ll_simulate || ev->type != SP_EV_SYSCALL || !ev->has_exit || !ev->name ||
	    ev->abi != SP_ABI_X86_64 || (ev->err != EACCES && ev->err != EPERM))
		return 0;
	k = needs_of_failed(ev, n);
	for (int i = 0; i < k; i++) {
		uint64_t rights, blamed = blame(e, t, &n[i], &rights);
		char obj[PATH_MAX + 16], acc[256];
		struct sp_enforce_note nt = {.kind = SP_NOTE_LANDLOCK};
		bool fresh = false;
		int ph = 0;

		while (blamed && !(blamed & (1ULL << ph)))
			ph++;
		/* Once per (phase, object) and right: a server denied per request says it once. */
		if (!blamed)
			continue;
		if (note(e, 0, t->tid, ph, &n[i], rights, ev, &fresh) < 0)
			return -ENOMEM;
		if (!fresh)
			continue;
		object_name(&n[i], rights, obj, sizeof(obj), acc, sizeof(acc));
		nt.pid = t->pid;
		nt.comm = p ? p->comm : "";
		nt.phase = sp_enforce_phase_name(e, ph);
		nt.syscall = sp_syscall_name(ev->abi, ev->nr);
		nt.abi = ev->abi;
		nt.nr = ev->nr;
		nt.object = obj;
		nt.rights = acc;
		nt.err = ev->err;
		sp_enforce_note(e, &nt);
	}
	return 0;
}

/*
 * The kernel's blockers ("fs.read_file,fs.make_reg", "net.bind_tcp",
 * "scope.signal") as one need: kind, rights; false when none is Landlock's
 * as sysphase knows it.
 */
static bool need_of_record(const struct sp_audit_landlock *rec, struct need *nd)
{
	char list[sizeof(rec->blockers)], *save = NULL;

	memset(nd, 0, sizeof(*nd));
	nd->port = rec->port;
	snprintf(list, sizeof(list), "%s", rec->blockers);
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "fs.", 3) && sp_ll_fs_parse(tok + 3)) {
			nd->kind = LL_FS;
			nd->rights |= sp_ll_fs_parse(tok + 3);
		} else if (!strncmp(tok, "net.", 4) && sp_ll_net_parse(tok + 4)) {
			nd->kind = LL_NET;
			nd->rights |= sp_ll_net_parse(tok + 4);
		} else if (!strncmp(tok, "scope.", 6) && sp_ll_scope_parse(tok + 6)) {
			nd->kind = LL_SCOPE;
			nd->rights |= sp_ll_scope_parse(tok + 6);
		}
	}
	/* Making, removing and moving names: the kernel names the directory. */
	nd->dir = nd->kind == LL_FS && (nd->rights & ~(SP_LL_FS_FILE | SP_LL_FS_READ_DIR));
	snprintf(nd->path, sizeof(nd->path), "%s", rec->object[0] ? rec->object : "?");
	return nd->rights != 0;
}

int sp_enforce_landlock_records(struct sp_enforcer *e)
{
	struct sp_audit_landlock rec;

	while (sp_records_next_landlock(e, &rec)) {
		struct proc *p = sp_proc_find(e, rec.pid);
		char obj[PATH_MAX + 48], acc[256];
		struct sp_enforce_note nt = {.kind = SP_NOTE_LANDLOCK, .by_kernel = true};
		struct need nd;
		bool fresh = false;

		/* Records of the whole machine: only our processes' are named. */
		if (!p || !need_of_record(&rec, &nd) || p->installed < 0)
			continue;
		if (note(e, 0, 0, p->installed, &nd, nd.rights,
		         &(struct sp_event){.abi = SP_ABI_X86_64, .nr = rec.nr, .ts = -1},
		         &fresh) < 0)
			return -ENOMEM;
		if (!fresh)
			continue;
		object_name(&nd, nd.rights, obj, sizeof(obj), acc, sizeof(acc));
		if (rec.pid_creator) /* no SYSCALL record: the domain's creator, or a child of it */
			snprintf(obj + strlen(obj), sizeof(obj) - strlen(obj),
			         " (by it or a child it forked)");
		nt.pid = p->pid;
		nt.comm = p->comm;
		nt.phase = sp_enforce_phase_name(e, p->installed);
		nt.syscall = rec.nr >= 0 ? sp_syscall_name(SP_ABI_X86_64, rec.nr) : NULL;
		nt.abi = SP_ABI_X86_64;
		nt.nr = rec.nr;
		nt.object = obj;
		nt.rights = acc;
		sp_enforce_note(e, &nt);
	}
	return 0;
}
