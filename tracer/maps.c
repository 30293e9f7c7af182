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

struct map_range {
	uint64_t start;
	uint64_t end;    /* exclusive */
	uint64_t offset; /* file offset of start; 0 for special mappings */
	const char *name;
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
 * The interned name a maps line's pathname field gives a kept range
 * (NULL on ENOMEM).  path is the field without its newline;
 * the kernel appends " (deleted)" to files unlinked since they were mapped
 * (a package upgrade under a running program), which is not part of the name.
 */
static const char *_maps_range_name(struct sp_maps *maps, const char *path)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(path);
	const char *base;

	if (len == 0)
		return _maps_intern(maps, "[anon]", 6);
	if (path[0] == '[')
		return _maps_intern(maps, path, len);
	if (len > sizeof(deleted) - 1 && !strcmp(path + len - (sizeof(deleted) - 1), deleted))
		len -= sizeof(deleted) - 1;
	base = memrchr(path, '/', len);
	base = base ? base + 1 : path;
	return _maps_intern(maps, base, len - (size_t)(base - path));
}

/* Parses one line of /proc/PID/maps into r; 1 when kept, 0 when skipped, -errno. */
static int _maps_parse_line(struct sp_maps *maps, char *line, struct map_range *r)
{
	char perms[8];
	int pathpos = 0;
	size_t len = strlen(line);
	char *path;
	bool exec;

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	/* "start-end perms offset major:minor inode   pathname" (proc(5)) */
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*u %n", &r->start, &r->end,
	           perms, &r->offset, &pathpos) < 4 ||
	    pathpos == 0)
		return -EINVAL;
	path = line + pathpos;
	while (*path == ' ')
		path++;
	exec = strchr(perms, 'x') != NULL;
	if (*path == '\0' && !exec)
		return 0;
	r->name = _maps_range_name(maps, path);
	if (!r->name)
		return -ENOMEM;
	if (path[0] == '[' || path[0] == '\0')
		r->offset = 0;
	return 1;
}

/* Reads /proc/pid/maps into pm's ranges, replacing what was there.  0 or -errno. */
static int _maps_read(struct sp_maps *maps, struct proc_maps *pm)
{
	char fname[64];
	char *line = NULL;
	size_t linecap = 0, cap = 0, n = 0;
	struct map_range *ranges = NULL, *grown;
	FILE *f;
	int rc = 0;

	snprintf(fname, sizeof(fname), "/proc/%d/maps", (int)pm->pid);
	f = fopen(fname, "re");
	if (!f)
		return -errno;
	while (getline(&line, &linecap, f) > 0) {
		struct map_range r;

		rc = _maps_parse_line(maps, line, &r);
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(ranges, cap * sizeof(*ranges));
			if (!grown) {
				rc = -ENOMEM;
				goto out;
			}
			ranges = grown;
		}
		ranges[n++] = r;
	}
	/* A process that exited between open and read gives an empty file. */
	rc = ferror(f) ? -EIO : (n ? 0 : -ESRCH);
out:
	fclose(f);
	free(line);
	if (rc < 0) {
		free(ranges);
		return rc;
	}
	free(pm->ranges);
	pm->ranges = ranges;
	pm->n = n;
	return 0;
}

/* The cached maps of pid, read now if absent; NULL with *rc on failure. */
static struct proc_maps *_maps_proc(struct sp_maps *maps, pid_t pid, bool *fresh, int *rc)
{
	struct proc_maps *pm, **grown;
	bool found;
	size_t i;

	*fresh = false;
	if (maps->last && maps->last->pid == pid)
		return maps->last;
	i = _maps_proc_index(maps, pid, &found);
	if (found)
		return maps->last = maps->procs[i];
	pm = calloc(1, sizeof(*pm));
	if (!pm) {
		*rc = -ENOMEM;
		return NULL;
	}
	pm->pid = pid;
	*rc = _maps_read(maps, pm);
	if (*rc < 0)
		goto fail;
	if (maps->nprocs == maps->capprocs) {
		size_t cap = maps->capprocs ? maps->capprocs * 2 : 16;

		grown = realloc(maps->procs, cap * sizeof(*grown));
		if (!grown) {
			*rc = -ENOMEM;
			goto fail;
		}
		maps->procs = grown;
		maps->capprocs = cap;
	}
	memmove(&maps->procs[i + 1], &maps->procs[i], (maps->nprocs - i) * sizeof(*maps->procs));
	maps->procs[i] = pm;
	maps->nprocs++;
	*fresh = true;
	return maps->last = pm;
fail:
	_maps_proc_free(pm);
	return NULL;
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
