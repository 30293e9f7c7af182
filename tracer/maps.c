/* SPDX-License-Identifier: MIT */
/*
 * Call-site modules from /proc/PID/maps.
 *
 * Each process gets a sorted array of the ranges worth naming: every
 * file-backed mapping, the kernel's special mappings ("[vdso]", "[stack]",
 * "[heap]"...), and anonymous executable memory ("[anon]", JIT code).
 * Anonymous data is left out: no instruction pointer lies there.  The
 * kernel lists mappings in ascending address order (proc(5)), so the array
 * comes out sorted and a lookup is a binary search.
 *
 * Module names are interned in one table for the life of the cache, so a
 * name handed out stays valid after its process is forgotten (trace events
 * borrow it until the writer has used it).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "sysphase/procfs.h"

struct map_range {
	uint64_t start;
	uint64_t end;    /* exclusive */
	uint64_t offset; /* file offset of start; 0 for special mappings */
	const char *name;
	uint32_t major, minor; /* the file's device; 0 for special mappings */
	uint64_t inode;        /* the file's inode; 0 for special mappings */
};

struct proc_maps {
	pid_t pid;
	struct map_range *ranges;
	size_t n;
};

struct sp_maps {
	/* Processes sorted by pid: a handful to a few thousand, looked up per syscall. */
	struct proc_maps **procs;
	size_t nprocs, capprocs;
	struct proc_maps
	    *last; /* one-entry cache: consecutive syscalls mostly come from one process */

	/* Interned names: open addressing, power-of-two size, never shrinks. */
	char **names;
	size_t nnames, capnames;
};

static uint64_t _maps_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int _maps_intern_grow(struct sp_maps *maps)
{
	size_t cap = maps->capnames ? maps->capnames * 2 : 64;
	char **names = calloc(cap, sizeof(*names));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < maps->capnames; i++) {
		char *s = maps->names[i];
		size_t j;

		if (!s)
			continue;
		for (j = _maps_hash(s) & (cap - 1); names[j]; j = (j + 1) & (cap - 1))
			;
		names[j] = s;
	}
	free(maps->names);
	maps->names = names;
	maps->capnames = cap;
	return 0;
}

/* The interned copy of the first len bytes of s; NULL on ENOMEM. */
static const char *_maps_intern(struct sp_maps *maps, const char *s, size_t len)
{
	char tmp[4096];
	size_t j;

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* Keep the load under one half so that probe chains stay short. */
	if ((maps->nnames + 1) * 2 > maps->capnames && _maps_intern_grow(maps) < 0)
		return NULL;
	for (j = _maps_hash(tmp) & (maps->capnames - 1); maps->names[j];
	     j = (j + 1) & (maps->capnames - 1))
		if (!strcmp(maps->names[j], tmp))
			return maps->names[j];
	maps->names[j] = strdup(tmp);
	if (!maps->names[j])
		return NULL;
	maps->nnames++;
	return maps->names[j];
}

struct sp_maps *sp_maps_new(void)
{
	return calloc(1, sizeof(struct sp_maps));
}

static void _maps_proc_free(struct proc_maps *pm)
{
	if (!pm)
		return;
	free(pm->ranges);
	free(pm);
}

void sp_maps_free(struct sp_maps *maps)
{
	if (!maps)
		return;
	for (size_t i = 0; i < maps->nprocs; i++)
		_maps_proc_free(maps->procs[i]);
	free(maps->procs);
	for (size_t i = 0; i < maps->capnames; i++)
		free(maps->names[i]);
	free(maps->names);
	free(maps);
}

/* Index of pid in procs, or of where it would go (then *found is false). */
static size_t _maps_proc_index(const struct sp_maps *maps, pid_t pid, bool *found)
{
	size_t lo = 0, hi = maps->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maps->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < maps->nprocs && maps->procs[lo]->pid == pid;
	return lo;
}

/*
 * The interned name a maps line's pathname field (path[0..len)) gives a
 * kept range (NULL on ENOMEM).  The kernel appends " (deleted)" to files
 * unlinked since they were mapped (a package upgrade under a running
 * program), which is not part of the name.
 */
static const char *_maps_range_name(struct sp_maps *maps, const char *path, size_t len)
{
	static const char deleted[] = " (deleted)";
	const char *base;

	if (len == 0)
		return _maps_intern(maps, "[anon]", 6);
	if (path[0] == '[')
		return _maps_intern(maps, path, len);
	if (len > sizeof(deleted) - 1 &&
	    !memcmp(path + len - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1))
		len -= sizeof(deleted) - 1;
	base = memrchr(path, '/', len);
	base = base ? base + 1 : path;
	return _maps_intern(maps, base, len - (size_t)(base - path));
}

/* A cursor over one line of maps text. */
struct _maps_cur {
	const char *p, *end;
};

/* A hexadecimal number of up to 64 bits: 0 or -EINVAL. */
static int _maps_hex(struct _maps_cur *c, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = c->p;

	for (; c->p < c->end; c->p++) {
		char ch = *c->p;
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			break;
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (c->p == start)
		return -EINVAL;
	*out = v;
	return 0;
}

/* sep, then a token of up to max bytes that holds no space: its length, or -EINVAL. */
static int _maps_token(struct _maps_cur *c, char sep, size_t max)
{
	const char *start;

	if (c->p >= c->end || *c->p != sep)
		return -EINVAL;
	start = ++c->p;
	while (c->p < c->end && *c->p != ' ')
		c->p++;
	if (c->p == start || (size_t)(c->p - start) > max)
		return -EINVAL;
	return (int)(c->p - start);
}

/* " major:minor", the device in hex (proc(5)): 0 or -EINVAL. */
static int _maps_dev(struct _maps_cur *c, struct map_range *r)
{
	uint64_t major, minor;

	if (c->p >= c->end || *c->p++ != ' ' || _maps_hex(c, &major) < 0 || c->p >= c->end ||
	    *c->p++ != ':' || _maps_hex(c, &minor) < 0 || major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	r->major = (uint32_t)major;
	r->minor = (uint32_t)minor;
	return 0;
}

/*
 * Parses one line of maps text (line[0..len), without its newline) into
 * r: 1 when kept, 0 when skipped, -errno.  "start-end perms offset
 * major:minor inode   pathname" (proc(5)); the pathname is the rest of
 * the line, whatever it holds (the kernel escapes only newlines in it).
 */
static int _maps_parse_line(struct sp_maps *maps, const char *line, size_t len, struct map_range *r)
{
	struct _maps_cur c = {.p = line, .end = line + len};
	const char *perms, *path, *digits;
	int plen;
	bool exec;

	if (_maps_hex(&c, &r->start) < 0 || c.p >= c.end || *c.p++ != '-' ||
	    _maps_hex(&c, &r->end) < 0 || r->start > r->end)
		return -EINVAL;
	perms = c.p + 1;
	plen = _maps_token(&c, ' ', 4);
	if (plen < 0 || c.p >= c.end || *c.p++ != ' ' || _maps_hex(&c, &r->offset) < 0 ||
	    _maps_dev(&c, r) < 0 || c.p >= c.end || *c.p++ != ' ')
		return -EINVAL;
	/* The inode, in decimal. */
	digits = c.p;
	r->inode = 0;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		if (r->inode > UINT64_MAX / 10)
			return -EINVAL;
		r->inode = r->inode * 10 + (uint64_t)(*c.p++ - '0');
	}
	if (c.p == digits || (c.p < c.end && *c.p != ' '))
		return -EINVAL;
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	path = c.p;
	exec = memchr(perms, 'x', (size_t)plen) != NULL;
	if (path == c.end && !exec)
		return 0;
	r->name = _maps_range_name(maps, path, (size_t)(c.end - path));
	if (!r->name)
		return -ENOMEM;
	if (path == c.end || path[0] == '[') {
		r->offset = 0;
		r->major = r->minor = 0;
		r->inode = 0;
	}
	return 1;
}

/* Parses maps text into pm's ranges, replacing what was there.  0 or -errno. */
static int _maps_parse(struct sp_maps *maps, struct proc_maps *pm, const char *text, size_t len)
{
	const char *line = text, *end = text + len;
	size_t cap = 0, n = 0;
	struct map_range *ranges = NULL, *grown;
	int rc = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		struct map_range r;

		rc = _maps_parse_line(maps, line, (size_t)(eol - line), &r);
		line = eol + 1;
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(ranges, cap * sizeof(*ranges));
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			ranges = grown;
		}
		ranges[n++] = r;
	}
	/* A process that exited between open and read gives an empty file. */
	if (rc >= 0)
		rc = n ? 0 : -ESRCH;
	if (rc < 0) {
		free(ranges);
		return rc;
	}
	free(pm->ranges);
	pm->ranges = ranges;
	pm->n = n;
	return 0;
}

/* Reads /proc/pid/maps into pm's ranges, replacing what was there.  0 or -errno. */
static int _maps_read(struct sp_maps *maps, struct proc_maps *pm)
{
	char fname[64], *text;
	size_t len;
	int rc;

	snprintf(fname, sizeof(fname), "/proc/%d/maps", (int)pm->pid);
	rc = sp_proc_read(fname, &text, &len);
	if (rc < 0)
		return rc == -ESRCH ? -ENOENT : rc;
	rc = _maps_parse(maps, pm, text, len);
	free(text);
	return rc;
}

/* The cached maps of pid, or an empty entry made for it (*made); NULL on ENOMEM. */
static struct proc_maps *_maps_entry(struct sp_maps *maps, pid_t pid, bool *made)
{
	struct proc_maps *pm, **grown;
	bool found;
	size_t i;

	*made = false;
	if (maps->last && maps->last->pid == pid)
		return maps->last;
	i = _maps_proc_index(maps, pid, &found);
	if (found)
		return maps->last = maps->procs[i];
	if (maps->nprocs == maps->capprocs) {
		size_t cap = maps->capprocs ? maps->capprocs * 2 : 16;

		grown = realloc(maps->procs, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		maps->procs = grown;
		maps->capprocs = cap;
	}
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return NULL;
	pm->pid = pid;
	memmove(&maps->procs[i + 1], &maps->procs[i], (maps->nprocs - i) * sizeof(*maps->procs));
	maps->procs[i] = pm;
	maps->nprocs++;
	*made = true;
	return maps->last = pm;
}

/* The cached maps of pid, read now if absent (*fresh); NULL with *rc on failure. */
static struct proc_maps *_maps_proc(struct sp_maps *maps, pid_t pid, bool *fresh, int *rc)
{
	struct proc_maps *pm = _maps_entry(maps, pid, fresh);

	if (!pm) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (!*fresh)
		return pm;
	*rc = _maps_read(maps, pm);
	if (*rc < 0) {
		sp_maps_forget(maps, pid);
		return NULL;
	}
	return pm;
}

int sp_maps_parse(struct sp_maps *maps, pid_t pid, const char *text, size_t len)
{
	bool made;
	struct proc_maps *pm = _maps_entry(maps, pid, &made);
	int rc;

	if (!pm)
		return -ENOMEM;
	rc = _maps_parse(maps, pm, text, len);
	if (rc < 0 && made)
		sp_maps_forget(maps, pid);
	return rc;
}

static const struct map_range *_maps_search(const struct proc_maps *pm, uint64_t ip)
{
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->ranges[mid].end <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < pm->n && pm->ranges[lo].start <= ip)
		return &pm->ranges[lo];
	return NULL;
}

/*
 * The range holding ip in pid.  A miss in a cached copy re-reads the maps
 * once: the process may have mapped something since (dlopen, JIT).
 */
static int _maps_lookup(struct sp_maps *maps, pid_t pid, uint64_t ip, const struct map_range **out)
{
	struct proc_maps *pm;
	bool fresh;
	int rc = 0;

	pm = _maps_proc(maps, pid, &fresh, &rc);
	if (!pm)
		return rc;
	*out = _maps_search(pm, ip);
	if (*out || fresh)
		return *out ? 0 : -ENOENT;
	rc = _maps_read(maps, pm);
	if (rc < 0)
		return rc;
	*out = _maps_search(pm, ip);
	return *out ? 0 : -ENOENT;
}

const char *sp_maps_module(struct sp_maps *maps, pid_t pid, uint64_t ip)
{
	const struct map_range *r;

	if (_maps_lookup(maps, pid, ip, &r) < 0)
		return NULL;
	return r->name;
}

int sp_maps_locate(struct sp_maps *maps, pid_t pid, uint64_t ip, const char **module,
                   uint64_t *offset)
{
	const struct map_range *r;
	int rc;

	rc = _maps_lookup(maps, pid, ip, &r);
	if (rc < 0)
		return rc;
	*module = r->name;
	/* For a file this is the offset in the file, what addr2line -e wants for a PIE. */
	*offset = ip - r->start + r->offset;
	return 0;
}

int sp_maps_range(struct sp_maps *maps, pid_t pid, uint64_t ip, struct sp_maps_range *out)
{
	const struct map_range *r;
	int rc;

	rc = _maps_lookup(maps, pid, ip, &r);
	if (rc < 0)
		return rc;
	*out = (struct sp_maps_range){r->start, r->end,   r->offset, r->name,
	                              r->major, r->minor, r->inode};
	return 0;
}

void sp_maps_forget(struct sp_maps *maps, pid_t pid)
{
	bool found;
	size_t i = _maps_proc_index(maps, pid, &found);

	if (!found)
		return;
	if (maps->last == maps->procs[i])
		maps->last = NULL;
	_maps_proc_free(maps->procs[i]);
	memmove(&maps->procs[i], &maps->procs[i + 1],
	        (maps->nprocs - i - 1) * sizeof(*maps->procs));
	maps->nprocs--;
}
