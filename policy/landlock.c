/* SPDX-License-Identifier: MIT */
/*
 * Landlock rules from a trace: what each phase was seen touching.
 *
 * Fed the same phase-stamped events as the policy builder, it turns each
 * decoded call into rights on paths and ports:
 *   - a successful open gives read/write/truncate on the file the kernel
 *     opened (ret_fd's path, so symlinks are already resolved), or
 *     read_dir on a directory; with O_CREAT, make_reg and the same rights
 *     beneath the parent, since the file may not exist when the layer is
 *     made (Landlock rules hold inodes, not names);
 *   - mkdir, unlink, rmdir, rename, link, symlink, bind of a unix socket:
 *     make/remove rights on the parent, refer where a file changes parent;
 *   - getdents64: read_dir; truncate/ftruncate: truncate; ioctl on a
 *     device: ioctl_dev; execve: execute and read_file on the program and
 *     its interpreters (the kernel opens both with __FMODE_EXEC);
 *   - bind and connect on AF_INET/AF_INET6: the TCP port;
 *   - a signal to another task, a connect to an abstract unix socket:
 *     the phase cannot be scoped.
 * Relative paths are resolved against the process's working directory
 * (chdir, fchdir, getcwd) or the dirfd's path; where that is unknown, the
 * phase is marked unresolved and gets no file system layer.  Lookups
 * (stat, failed opens) are only evidence for generalisation: a directory
 * in which a phase looked up two or more names (a document root, a
 * library directory) gets its files' rights beneath it, never "/".
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "landlock_impl.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the collector ---- */

struct cproc {
	pid_t pid;
	char *cwd; /* NULL: unknown */
};

static int grow(void **arr, size_t *cap, size_t want, size_t size)
{
	size_t cap2;
	void *p;

	if (want <= *cap)
		return 0;
	cap2 = *cap ? *cap * 2 : 8;
	while (cap2 < want)
		cap2 *= 2;
	p = realloc(*arr, cap2 * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = cap2;
	return 0;
}

struct sp_landlock_collector *sp_landlock_collector_new(void)
{
	return calloc(1, sizeof(struct sp_landlock_collector));
}

void ll_set_free(struct ll_set *s)
{
	for (size_t i = 0; i < s->n_rules; i++) {
		free(s->rules[i].path);
		free(s->rules[i].why);
	}
	free(s->rules);
	free(s->ports);
	free(s->unresolved);
	for (size_t i = 0; i < s->n_made; i++)
		free(s->made[i]);
	free(s->made);
	memset(s, 0, sizeof(*s));
}

void sp_landlock_collector_free(struct sp_landlock_collector *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_ph; i++) {
		free(c->ph[i].name);
		ll_set_free(&c->ph[i].s);
		ll_strmap_free(&c->ph[i].rule_of);
		ll_strmap_free(&c->ph[i].looked);
		ll_strmap_free(&c->ph[i].names_in);
		ll_strmap_free(&c->ph[i].made);
	}
	free(c->ph);
	for (size_t i = 0; i < c->n_procs; i++)
		free(c->procs[i].cwd);
	free(c->procs);
	ll_strmap_free(&c->ephemeral);
	free(c);
}

struct cphase *ll_phase_get(struct sp_landlock_collector *c, const char *name)
{
	for (size_t i = 0; i < c->n_ph; i++)
		if (strcmp(c->ph[i].name, name) == 0)
			return &c->ph[i];
	if (grow((void **)&c->ph, &c->cap_ph, c->n_ph + 1, sizeof(*c->ph)) < 0)
		return NULL;
	memset(&c->ph[c->n_ph], 0, sizeof(c->ph[0]));
	if (!(c->ph[c->n_ph].name = strdup(name)))
		return NULL;
	return &c->ph[c->n_ph++];
}

static struct cproc *proc_get(struct sp_landlock_collector *c, pid_t pid)
{
	for (size_t i = 0; i < c->n_procs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	if (grow((void **)&c->procs, &c->cap_procs, c->n_procs + 1, sizeof(*c->procs)) < 0)
		return NULL;
	c->procs[c->n_procs] = (struct cproc){.pid = pid};
	return &c->procs[c->n_procs++];
}

static void proc_drop(struct sp_landlock_collector *c, pid_t pid)
{
	for (size_t i = 0; i < c->n_procs; i++)
		if (c->procs[i].pid == pid) {
			free(c->procs[i].cwd);
			c->procs[i] = c->procs[--c->n_procs];
			return;
		}
}

static int set_cwd(struct cproc *p, const char *cwd)
{
	char *copy = cwd ? strdup(cwd) : NULL;

	if (cwd && !copy)
		return -ENOMEM;
	free(p->cwd);
	p->cwd = copy;
	return 0;
}

/* Marks the phase unresolved (the first reason is kept). */
static int unresolved(struct cphase *ph, const struct sp_event *ev, const char *what)
{
	char buf[512];

	if (ph->s.unresolved)
		return 0;
	snprintf(buf, sizeof(buf), "%s of pid %d (%s): %s", ev->name, ev->pid,
	         ev->phase ? ev->phase : "", what);
	return (ph->s.unresolved = strdup(buf)) ? 0 : -ENOMEM;
}

int ll_add_rule(struct cphase *ph, const char *path, uint64_t access, bool dir, const char *why)
{
	size_t at;

	if (ll_strmap_find(&ph->rule_of, path, &at)) {
		ph->s.rules[at].access |= access;
		ph->s.rules[at].dir |= dir;
		return 0;
	}
	if (grow((void **)&ph->s.rules, &ph->cap_rules, ph->s.n_rules + 1, sizeof(*ph->s.rules)) <
	    0)
		return -ENOMEM;
	ph->s.rules[ph->s.n_rules] = (struct ll_rule){
	    .path = strdup(path), .access = access, .dir = dir, .why = strdup(why)};
	if (!ph->s.rules[ph->s.n_rules].path || !ph->s.rules[ph->s.n_rules].why) {
		free(ph->s.rules[ph->s.n_rules].path);
		free(ph->s.rules[ph->s.n_rules].why);
		return -ENOMEM;
	}
	ph->s.n_rules++;
	return ll_strmap_put(&ph->rule_of, path, ph->s.n_rules - 1);
}

int ll_add_port(struct cphase *ph, uint64_t port, uint64_t access)
{
	for (size_t i = 0; i < ph->s.n_ports; i++)
		if (ph->s.ports[i].port == port) {
			ph->s.ports[i].access |= access;
			return 0;
		}
	if (grow((void **)&ph->s.ports, &ph->cap_ports, ph->s.n_ports + 1, sizeof(*ph->s.ports)) <
	    0)
		return -ENOMEM;
	ph->s.ports[ph->s.n_ports++] = (struct sp_ll_port){port, access};
	return 0;
}

/* The directory part of an absolute normalised path ("/" for "/x"). */
void ll_dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;

	snprintf(out, n, "%.*s", (int)len, path);
}

/* Notes that the phase looked up path's last component in its directory. */
int ll_looked_up(struct cphase *ph, const char *path)
{
	char dir[PATH_MAX];
	size_t count = 0, dummy;
	int rc;

	if (strcmp(path, "/") == 0 || ll_strmap_find(&ph->looked, path, &dummy))
		return 0;
	rc = ll_strmap_put(&ph->looked, path, 0);
	if (rc < 0)
		return rc;
	ll_dir_of(path, dir, sizeof(dir));
	if (ll_strmap_find(&ph->names_in, dir, &count)) {
		for (size_t i = 0; i < ph->names_in.cap; i++)
			if (ph->names_in.keys[i] && strcmp(ph->names_in.keys[i], dir) == 0)
				ph->names_in.vals[i] = count + 1;
		return 0;
	}
	return ll_strmap_put(&ph->names_in, dir, 1);
}

/*
 * base + "/" + rel, normalised: "." and empty components dropped.  A ".."
 * is refused (-EINVAL): undoing a component lexically is wrong where it
 * was a symlink, and the trace does not say.  -ENAMETOOLONG too long.
 */
static int join(const char *base, const char *rel, char *out, size_t n)
{
	char tmp[PATH_MAX * 2];
	size_t len = 0;
	char *save = NULL, *tok;

	if (snprintf(tmp, sizeof(tmp), "%s/%s", rel[0] == '/' ? "" : base, rel) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	out[0] = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0)
			return -EINVAL;
		if (len + 1 + strlen(tok) + 1 > n)
			return -ENAMETOOLONG;
		len += (size_t)sprintf(out + len, "/%s", tok);
	}
	if (!len)
		snprintf(out, n, "/");
	return 0;
}

/* A decoded string the trace holds whole and exactly (not cut, no bytes the decoder escaped). */
static const char *exact_string(const json_t *dec, const char *key)
{
	char trunc[64];
	const char *s = json_string_value(json_object_get(dec, key));

	snprintf(trunc, sizeof(trunc), "%s_truncated", key);
	if (!s || json_is_true(json_object_get(dec, trunc)) || strstr(s, "\\x"))
		return NULL;
	return s;
}

/* The path of a decoded fd object ({"fd":3,"kind":"dir","path":...}), when it names a file. */
static const char *fd_path(const json_t *fd, const char **kind)
{
	const char *p = json_string_value(json_object_get(fd, "path"));

	*kind = json_string_value(json_object_get(fd, "kind"));
	if (!p || p[0] != '/' || strstr(p, " (deleted)") || strstr(p, "\\x"))
		return NULL;
	return p;
}

/*
 * The absolute path a call named: dec[key] against dec[dirkey] (an fd
 * object or "AT_FDCWD"; no dirkey: the working directory).  1 resolved
 * into out, 0 not (why says), -ENOMEM.
 */
static int resolve(const struct cproc *pr, const json_t *dec, const char *dirkey, const char *key,
                   char *out, size_t n, const char **why)
{
	const char *path = exact_string(dec, key), *base = pr ? pr->cwd : NULL, *kind;
	const json_t *dirfd = dirkey ? json_object_get(dec, dirkey) : NULL;

	if (!path) {
		*why = "its path is not in the trace whole (cut, unreadable or not UTF-8)";
		return 0;
	}
	if (path[0] != '/' && json_is_object(dirfd)) {
		base = fd_path(dirfd, &kind);
		if (!base || !kind || strcmp(kind, "dir") != 0) {
			*why = "relative to a descriptor that is not a known directory";
			return 0;
		}
	} else if (path[0] != '/' && !base) {
		*why = "a relative path, and the working directory is not known";
		return 0;
	}
	if (join(base ? base : "/", path, out, n) < 0) {
		*why = "a path with '..' or too long to resolve without the file system";
		return 0;
	}
	return 1;
}

/* ---- executables: the program and the interpreters the kernel opens for it ---- */

/* PT_INTERP of ELF file path into out, or "#!" interpreter of a script.  1 found, 0 none. */
static int interpreter_of(const char *path, char *out, size_t n)
{
	unsigned char head[256];
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	ssize_t got;

	if (fd < 0)
		return 0;
	got = pread(fd, head, sizeof(head) - 1, 0);
	if (got >= 2 && head[0] == '#' && head[1] == '!') {
		char *s = (char *)head + 2, *end;

		head[got] = '\0';
		s += strspn(s, " \t");
		end = s + strcspn(s, " \t\n");
		*end = '\0';
		if (s[0] == '/' && snprintf(out, n, "%s", s) < (int)n)
			found = 1;
	} else if (got >= (ssize_t)sizeof(eh) && memcmp(head, ELFMAG, SELFMAG) == 0 &&
	           head[EI_CLASS] == ELFCLASS64) {
		memcpy(&eh, head, sizeof(eh));
		for (unsigned i = 0; i < eh.e_phnum && i < 64 && !found; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)) !=
			    (ssize_t)sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP && ph.p_filesz > 1 && ph.p_filesz < n &&
			    pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) ==
			        (ssize_t)ph.p_filesz) {
				out[ph.p_filesz - 1] = '\0';
				found = out[0] == '/';
			}
		}
	}
	close(fd);
	return found;
}

int ll_add_exec(struct cphase *ph, const char *path, const char *why)
{
	char cur[PATH_MAX], next[PATH_MAX];
	int rc = 0;

	snprintf(cur, sizeof(cur), "%s", path);
	/* The program, a script's interpreter, that interpreter's own (ld.so): three at most. */
	for (int depth = 0; depth < 3 && rc == 0; depth++) {
		char real[PATH_MAX];

		rc = ll_add_rule(ph, realpath(cur, real) ? real : cur,
		                 SP_LL_FS_EXECUTE | SP_LL_FS_READ_FILE, false,
		                 depth ? "interpreter of an executed program" : why);
		if (rc < 0 || !interpreter_of(cur, next, sizeof(next)))
			break;
		memcpy(cur, next, sizeof(cur));
	}
	return rc;
}

/* ---- one call ---- */

static uint64_t open_rights(uint64_t flags)
{
	uint64_t acc = 0;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		acc = SP_LL_FS_READ_FILE;
		break;
	case O_WRONLY:
		acc = SP_LL_FS_WRITE_FILE;
		break;
	default:
		acc = SP_LL_FS_READ_FILE | SP_LL_FS_WRITE_FILE;
	}
	if (flags & O_TRUNC)
		acc |= SP_LL_FS_TRUNCATE;
	return acc;
}

/* Per-process /proc files get a new inode in every process: the rule goes on /proc. */
static bool per_process_proc(const char *path)
{
	const char *rest;

	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	rest = path + 6;
	if (strncmp(rest, "self", 4) == 0 || strncmp(rest, "thread-self", 11) == 0)
		return true;
	return rest[0] >= '0' && rest[0] <= '9';
}

int ll_add_file(struct cphase *ph, const char *path, uint64_t access, bool dir, const char *why)
{
	if (per_process_proc(path))
		return ll_add_rule(ph, "/proc", access, true,
		                   "per-process /proc files (a new inode in every process)");
	return ll_add_rule(ph, path, access, dir, why);
}

static int on_open(struct cphase *ph, const struct cproc *pr, const struct sp_event *ev,
                   uint64_t flags, const char *dirkey)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *why = NULL, *kind, *real;
	uint64_t acc = open_rights(flags);
	int rc;

	if (ev->has_exit && ev->ret < 0) {
		/* Nothing to allow: only evidence of names looked up in a directory. */
		rc = resolve(pr, ev->dec, dirkey, "pathname", path, sizeof(path), &why);
		return rc > 0 ? ll_looked_up(ph, path) : rc;
	}
	if (flags & O_PATH) /* Landlock checks no right on an O_PATH descriptor */
		return 0;
	real = fd_path(json_object_get(ev->dec, "ret_fd"), &kind);
	/* The kernel's __O_TMPFILE bit alone: glibc's __O_TMPFILE has O_DIRECTORY in it too. */
	if (flags & 020000000) {
		rc = resolve(pr, ev->dec, dirkey, "pathname", path, sizeof(path), &why);
		if (rc <= 0)
			return rc < 0 ? rc : unresolved(ph, ev, why);
		return ll_add_file(ph, path, acc | SP_LL_FS_MAKE_REG, true, "O_TMPFILE in it");
	}
	if (!real || !kind)
		return ev->has_exit ? 0 : unresolved(ph, ev, "the opened file is not in the trace");
	if (strcmp(kind, "dir") == 0)
		return ll_add_file(ph, real, SP_LL_FS_READ_DIR, true, "opened");
	if (strcmp(kind, "file") && strcmp(kind, "chr") && strcmp(kind, "blk") &&
	    strcmp(kind, "fifo"))
		return 0; /* not in any file tree Landlock controls (a memfd, an anon inode) */
	rc = ll_looked_up(ph, real);
	if (rc == 0 && (flags & O_CREAT)) {
		/* The file may not exist when the layer is made: rights beneath its parent. */
		ll_dir_of(real, dir, sizeof(dir));
		return ll_add_file(ph, dir, acc | SP_LL_FS_MAKE_REG, true,
		                   "parent of a file opened with O_CREAT");
	}
	return rc < 0 ? rc : ll_add_file(ph, real, acc, false, "opened");
}

/* mkdir, unlink, rename...: right on the parent of dec[key]. */
static int on_parent(struct cphase *ph, const struct cproc *pr, const struct sp_event *ev,
                     const char *dirkey, const char *key, uint64_t access, const char *why_rule,
                     char *parent, size_t n)
{
	char path[PATH_MAX];
	const char *why = NULL;
	int rc = resolve(pr, ev->dec, dirkey, key, path, sizeof(path), &why);

	if (rc <= 0)
		return rc < 0 ? rc : unresolved(ph, ev, why);
	ll_dir_of(path, parent, n);
	rc = ll_looked_up(ph, path);
	return rc < 0 ? rc : ll_add_file(ph, parent, access, true, why_rule);
}

static bool ok_or(const struct sp_event *ev, int err)
{
	return !ev->has_exit || ev->ret >= 0 || ev->err == err;
}

static bool is(const struct sp_event *ev, const char *name)
{
	return strcmp(ev->name, name) == 0;
}

/* Two parents: a file moving between directories also needs refer on both. */
static int on_move(struct cphase *ph, const struct cproc *pr, const struct sp_event *ev,
                   bool with_dirfds, uint64_t from_acc, uint64_t to_acc)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc = on_parent(ph, pr, ev, with_dirfds ? "olddirfd" : NULL, "oldpath", from_acc,
	                   "renamed or linked from it", from, sizeof(from));

	if (rc == 0 && !ph->s.unresolved)
		rc = on_parent(ph, pr, ev, with_dirfds ? "newdirfd" : NULL, "newpath", to_acc,
		               "renamed or linked into it", to, sizeof(to));
	if (rc == 0 && !ph->s.unresolved && strcmp(from, to) != 0) {
		rc = ll_add_file(ph, from, SP_LL_FS_REFER, true, "renamed or linked from it");
		if (rc == 0)
			rc = ll_add_file(ph, to, SP_LL_FS_REFER, true, "renamed or linked into it");
	}
	return rc;
}

static int on_sockaddr(struct cphase *ph, const struct cproc *pr, const struct sp_event *ev,
                       uint64_t net)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const char *upath = json_string_value(json_object_get(addr, "path"));
	const json_t *port = json_object_get(addr, "port");
	char parent[PATH_MAX];

	if (!family)
		return 0;
	if ((!strcmp(family, "AF_INET") || !strcmp(family, "AF_INET6")) && json_is_integer(port))
		return net ? ll_add_port(ph, (uint64_t)json_integer_value(port), net) : 0;
	if (strcmp(family, "AF_UNIX") != 0 || !upath)
		return 0;
	if (upath[0] == '@') {
		ph->s.abstract_unix |= net != SP_LL_NET_BIND_TCP;
		return 0;
	}
	if (net == SP_LL_NET_BIND_TCP && ok_or(ev, EADDRINUSE)) {
		/* bind of a named unix socket makes a socket file in its directory. */
		json_t *dec = json_pack("{s:s}", "pathname", upath);
		const json_t *saved = ev->dec;
		int rc;

		if (!dec)
			return -ENOMEM;
		((struct sp_event *)ev)->dec = dec;
		rc = on_parent(ph, pr, ev, NULL, "pathname", SP_LL_FS_MAKE_SOCK,
		               "a unix socket bound in it", parent, sizeof(parent));
		((struct sp_event *)ev)->dec = (json_t *)saved;
		json_decref(dec);
		return rc;
	}
	return 0;
}

static json_int_t inet_port(const struct sp_event *ev)
{
	const json_t *addr = json_object_get(ev->dec, "addr");
	const char *family = json_string_value(json_object_get(addr, "family"));
	const json_t *port = json_object_get(addr, "port");

	if (!family || (strcmp(family, "AF_INET") && strcmp(family, "AF_INET6")) ||
	    !json_is_integer(port))
		return -1;
	return json_integer_value(port);
}

static int on_inet(struct sp_landlock_collector *c, struct cphase *ph, const struct cproc *pr,
                   const struct sp_event *ev)
{
	bool bind = is(ev, "bind");

	if (bind && inet_port(ev) == 0)
		c->bound_any_port = true;
	return on_sockaddr(ph, pr, ev, bind ? SP_LL_NET_BIND_TCP : SP_LL_NET_CONNECT_TCP);
}

/* After a bind to port 0, the port the kernel chose: a connect to it names no fixed port. */
static int on_getsockname(struct sp_landlock_collector *c, const struct sp_event *ev)
{
	json_int_t port = inet_port(ev);
	char key[32];
	size_t dummy;

	if (!c->bound_any_port || port <= 0)
		return 0;
	snprintf(key, sizeof(key), "%lld", (long long)port);
	return ll_strmap_find(&c->ephemeral, key, &dummy) ? 0
	                                                  : ll_strmap_put(&c->ephemeral, key, 0);
}

static const char *const signalling[] = {
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"};

static bool signals_another(const struct sp_event *ev)
{
	bool sig = false;

	for (size_t i = 0; i < N(signalling); i++)
		sig |= is(ev, signalling[i]);
	if (!sig)
		return false;
	/* raise() and pthread_kill(pthread_self()): the thread itself, always in its own domain. */
	if (is(ev, "tgkill") || is(ev, "rt_tgsigqueueinfo"))
		return (pid_t)ev->args[1] != ev->tid;
	if (is(ev, "tkill"))
		return (pid_t)ev->args[0] != ev->tid;
	return true;
}

/* Calls that need a right but whose paths the decoder does not write. */
static const char *const undecoded[] = {
    "mknod",         "mknodat", "name_to_handle_at", "open_by_handle_at",
    "fanotify_mark", "mount",   "move_mount",        "open_tree"};

/*
 * A directory the phase makes does not exist when the layer is made (and
 * its name may hold a pid: postgres's pgsql_tmp1234.0.fileset): what the
 * phase does in it is granted beneath the first directory above it that
 * the phase did not make (see rehome()).
 */
static int on_mkdir(struct cphase *ph, const struct cproc *pr, const struct sp_event *ev,
                    char *parent, size_t n)
{
	char path[PATH_MAX];
	const char *why = NULL;
	size_t dummy;
	int rc = on_parent(ph, pr, ev, is(ev, "mkdirat") ? "dirfd" : NULL, "pathname",
	                   SP_LL_FS_MAKE_DIR, "a directory made in it", parent, n);

	if (rc < 0 || !ev->has_exit || ev->ret != 0 ||
	    resolve(pr, ev->dec, is(ev, "mkdirat") ? "dirfd" : NULL, "pathname", path, sizeof(path),
	            &why) <= 0 ||
	    ll_strmap_find(&ph->made, path, &dummy))
		return rc;
	return ll_strmap_put(&ph->made, path, 0);
}

static int on_fs_call(struct cphase *ph, struct cproc *pr, const struct sp_event *ev)
{
	char parent[PATH_MAX], path[PATH_MAX];
	const char *why = NULL, *kind, *p;
	const json_t *dec = ev->dec;

	if (is(ev, "open"))
		return on_open(ph, pr, ev, ev->args[1], NULL);
	if (is(ev, "openat"))
		return on_open(ph, pr, ev, ev->args[2], "dirfd");
	if (is(ev, "creat"))
		return on_open(ph, pr, ev, O_CREAT | O_WRONLY | O_TRUNC, NULL);
	if (is(ev, "openat2")) /* struct open_how is not decoded: the widest a file open can ask */
		return on_open(ph, pr, ev, O_RDWR | O_TRUNC, "dirfd");
	if ((is(ev, "mkdir") || is(ev, "mkdirat")) && ok_or(ev, EEXIST))
		return on_mkdir(ph, pr, ev, parent, sizeof(parent));
	if ((is(ev, "unlink") || is(ev, "rmdir") || is(ev, "unlinkat")) && ok_or(ev, ENOENT)) {
		bool rmdir =
		    is(ev, "rmdir") || (is(ev, "unlinkat") && (ev->args[2] & AT_REMOVEDIR));

		return on_parent(ph, pr, ev, is(ev, "unlinkat") ? "dirfd" : NULL, "pathname",
		                 rmdir ? SP_LL_FS_REMOVE_DIR : SP_LL_FS_REMOVE_FILE,
		                 "removed from it", parent, sizeof(parent));
	}
	if ((is(ev, "symlink") || is(ev, "symlinkat")) && ok_or(ev, EEXIST))
		return on_parent(ph, pr, ev, is(ev, "symlinkat") ? "newdirfd" : NULL, "linkpath",
		                 SP_LL_FS_MAKE_SYM, "a symlink made in it", parent, sizeof(parent));
	/*
	 * read_file where a file is renamed into: writing a file and renaming it
	 * over the old one is how a program keeps state that its next start
	 * reads (redis's temp-PID.rdb into dump.rdb); a log is appended to.
	 */
	if ((is(ev, "rename") || is(ev, "renameat") || is(ev, "renameat2")) && ok_or(ev, 0))
		return on_move(ph, pr, ev, !is(ev, "rename"),
		               SP_LL_FS_REMOVE_FILE | SP_LL_FS_MAKE_REG,
		               SP_LL_FS_REMOVE_FILE | SP_LL_FS_MAKE_REG | SP_LL_FS_READ_FILE);
	if ((is(ev, "link") || is(ev, "linkat")) && ok_or(ev, 0))
		return on_move(ph, pr, ev, is(ev, "linkat"), 0, SP_LL_FS_MAKE_REG);
	if (is(ev, "truncate") && ok_or(ev, 0)) {
		int rc = resolve(pr, dec, NULL, "path", path, sizeof(path), &why);

		return rc <= 0 ? (rc < 0 ? rc : unresolved(ph, ev, why))
		               : ll_add_file(ph, path, SP_LL_FS_TRUNCATE, false, "truncated");
	}
	if ((is(ev, "ftruncate") || is(ev, "getdents64") || is(ev, "getdents") ||
	     is(ev, "ioctl")) &&
	    (p = fd_path(json_object_get(dec, "fd"), &kind)) && kind) {
		if (is(ev, "ftruncate") && !strcmp(kind, "file"))
			return ll_add_file(ph, p, SP_LL_FS_TRUNCATE, false, "truncated");
		if (!strncmp(ev->name, "getdents", 8) && !strcmp(kind, "dir"))
			return ll_add_file(ph, p, SP_LL_FS_READ_DIR, true, "listed");
		if (is(ev, "ioctl") && (!strcmp(kind, "chr") || !strcmp(kind, "blk")))
			return ll_add_file(ph, p, SP_LL_FS_IOCTL_DEV, false, "ioctl on the device");
		return 0;
	}
	if ((is(ev, "execve") || is(ev, "execveat")) && (!ev->has_exit || ev->ret == 0)) {
		int rc = resolve(pr, dec, is(ev, "execveat") ? "dirfd" : NULL, "pathname", path,
		                 sizeof(path), &why);

		return rc <= 0 ? (rc < 0 ? rc : unresolved(ph, ev, why))
		               : ll_add_exec(ph, path, "executed");
	}
	for (size_t i = 0; i < N(undecoded); i++)
		if (is(ev, undecoded[i]) && ok_or(ev, 0))
			return unresolved(ph, ev, "the trace does not hold its paths");
	return 0;
}

/* Calls that only look a name up: evidence for generalisation, no right. */
static const char *const lookups[] = {"stat",       "lstat",    "newfstatat",
                                      "statx",      "access",   "faccessat",
                                      "faccessat2", "readlink", "readlinkat"};

static int on_cwd(struct cproc *pr, const struct sp_event *ev)
{
	char path[PATH_MAX];
	const char *why, *kind, *p;

	if (ev->has_exit && ev->ret < 0)
		return 0;
	if (is(ev, "chdir"))
		return set_cwd(pr, resolve(pr, ev->dec, NULL, "path", path, sizeof(path), &why) > 0
		                       ? path
		                       : NULL);
	if (is(ev, "fchdir")) {
		p = fd_path(json_object_get(ev->dec, "fd"), &kind);
		return set_cwd(pr, p && kind && !strcmp(kind, "dir") ? p : NULL);
	}
	p = exact_string(ev->dec, "buf"); /* getcwd */
	return p && p[0] == '/' ? set_cwd(pr, p) : 0;
}

int sp_landlock_collector_feed(struct sp_landlock_collector *c, const struct sp_event *ev)
{
	struct cproc *pr, *child;
	struct cphase *ph;
	char path[PATH_MAX];
	const char *why;

	if (ev->type == SP_EV_FORK) {
		pr = proc_get(c, ev->pid);
		if (!pr)
			return -ENOMEM;
		child = proc_get(c, ev->child);
		/* proc_get may have moved the table: look the parent up again. */
		pr = child ? proc_get(c, ev->pid) : NULL;
		return !child || !pr ? -ENOMEM : set_cwd(child, pr->cwd);
	}
	if (ev->type == SP_EV_EXIT && ev->whole_process) {
		proc_drop(c, ev->pid);
		return 0;
	}
	if (ev->type != SP_EV_SYSCALL || !ev->phase || !ev->name || ev->abi != SP_ABI_X86_64)
		return 0;
	ph = ll_phase_get(c, ev->phase);
	pr = proc_get(c, ev->pid);
	if (!ph || !pr)
		return -ENOMEM;
	if (signals_another(ev))
		ph->s.signals_others = true;
	if (!ev->dec)
		return on_fs_call(ph, pr, ev);
	if (is(ev, "chdir") || is(ev, "fchdir") || is(ev, "getcwd"))
		return on_cwd(pr, ev);
	if (is(ev, "bind") || is(ev, "connect"))
		return on_inet(c, ph, pr, ev);
	if (is(ev, "getsockname"))
		return on_getsockname(c, ev);
	if (is(ev, "sendto") || is(ev, "sendmsg"))
		return on_sockaddr(ph, pr, ev, 0);
	for (size_t i = 0; i < N(lookups); i++)
		if (is(ev, lookups[i])) {
			if (resolve(pr, ev->dec, json_object_get(ev->dec, "dirfd") ? "dirfd" : NULL,
			            "pathname", path, sizeof(path), &why) > 0)
				return ll_looked_up(ph, path);
			return 0;
		}
	return on_fs_call(ph, pr, ev);
}
