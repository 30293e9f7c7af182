/* SPDX-License-Identifier: MIT */
/*
 * The facts cache: one JSON file per build-id, $XDG_CACHE_HOME/sysphase/
 * facts-<build-id>.json.  Anyone who can write there can plant an entry,
 * so an entry is parsed strictly (format, version, build-id, every type,
 * every index and the order binary searches rely on); anything off and the
 * entry is ignored, recomputed and replaced.  Entries are written to a
 * temporary file and renamed over the old one (rename(2) is atomic within
 * a directory), so a reader never sees half an entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts_int.h"

#define CACHE_FORMAT    "sysphase-facts"
/* libc's entry is about 1 MiB; far beyond this is not ours. */
#define CACHE_MAX_BYTES (256L << 20)

char *facts_cache_default_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = NULL;

	/* XDG Base Directory: a relative XDG_CACHE_HOME is invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/sysphase", xdg) < 0)
			return NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&dir, "%s/.cache/sysphase", home) < 0)
			return NULL;
	}
	return dir;
}

static char *_entry_path(const char *dir, const char *build_id)
{
	char *p;

	return asprintf(&p, "%s/facts-%s.json", dir, build_id) < 0 ? NULL : p;
}

/* --- reading ------------------------------------------------------------ */

static bool _u64(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool _small(const json_t *v, uint64_t max, uint64_t *out)
{
	return _u64(v, out) && *out <= max;
}

/* A JSON string without NUL bytes, copied; NULL when not one (or ENOMEM). */
static char *_str(const json_t *v)
{
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return strdup(json_string_value(v));
}

static bool _array(const json_t *v, size_t *n)
{
	if (!json_is_array(v) || json_array_size(v) > FACTS_MAX_ITEMS)
		return false;
	*n = json_array_size(v);
	return true;
}

static bool _strings(const json_t *v, char ***out, size_t *n)
{
	size_t count;

	if (!_array(v, &count))
		return false;
	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out)
		return false;
	for (*n = 0; *n < count; (*n)++)
		if (!((*out)[*n] = _str(json_array_get(v, *n))))
			return false;
	return true;
}

static bool _callee_ok(const struct sp_facts *f, uint64_t code)
{
	if (code & FACTS_IMPORT)
		return (code & ~(uint64_t)FACTS_IMPORT) < f->nimports;
	return code < f->nfns;
}

static bool _read_fn(const json_t *v, struct facts_fn *fn, uint64_t prev_end)
{
	const json_t *name;
	size_t nc, ns;
	uint64_t u;

	if (!json_is_array(v) || json_array_size(v) != 6 ||
	    !_u64(json_array_get(v, 0), &fn->start) || !_u64(json_array_get(v, 1), &fn->end) ||
	    fn->start >= fn->end || fn->start < prev_end)
		return false;
	name = json_array_get(v, 2);
	if (!json_is_null(name) && !(fn->name = _str(name)))
		return false;
	if (!_array(json_array_get(v, 3), &nc) || !_array(json_array_get(v, 4), &ns))
		return false;
	fn->callees = calloc(nc ? nc : 1, sizeof(*fn->callees));
	fn->sys = calloc(ns ? ns : 1, sizeof(*fn->sys));
	if (!fn->callees || !fn->sys)
		return false;
	fn->capcallees = nc;
	fn->capsys = ns;
	for (size_t i = 0; i < nc; i++) {
		if (!_small(json_array_get(json_array_get(v, 3), i), UINT32_MAX, &u))
			return false;
		fn->callees[fn->ncallees++] = (uint32_t)u;
	}
	for (size_t i = 0; i < ns; i++) {
		if (!_small(json_array_get(json_array_get(v, 4), i), 1023, &u) ||
		    (i > 0 && (long)u <= fn->sys[i - 1]))
			return false;
		fn->sys[fn->nsys++] = (long)u;
	}
	if (!_small(json_array_get(v, 5), UINT_MAX, &u))
		return false;
	fn->unresolved = (unsigned int)u;
	return true;
}

static bool _read_names(const struct sp_facts *f, const json_t *v, struct facts_name **out,
                        size_t *n)
{
	size_t count;
	uint64_t fn;

	if (!_array(v, &count))
		return false;
	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out)
		return false;
	*n = 0;
	for (size_t i = 0; i < count; i++) {
		const json_t *e = json_array_get(v, i);
		struct facts_name *cur = &(*out)[i];

		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    !(cur->name = _str(json_array_get(e, 0))))
			return false;
		/* The entry owns its name from here: counted, it is freed with the rest on failure.
		 */
		*n = i + 1;
		if (!_small(json_array_get(e, 1), f->nfns ? f->nfns - 1 : 0, &fn) || f->nfns == 0)
			return false;
		cur->fn = (uint32_t)fn;
		/* Look-ups are binary searches: the order is part of the format. */
		if (i > 0) {
			int c = strcmp(cur[-1].name, cur->name);

			if (c > 0 || (c == 0 && cur[-1].fn >= cur->fn))
				return false;
		}
	}
	return true;
}

static bool _parse(const json_t *root, const char *build_id, struct sp_facts *f)
{
	const json_t *v, *stats;
	size_t n;
	uint64_t prev = 0, u[3];

	if (!json_is_object(root) || json_object_size(root) != 11 ||
	    !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), CACHE_FORMAT) != 0 ||
	    !json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != FACTS_VERSION ||
	    !json_is_string(json_object_get(root, "build_id")) ||
	    strcmp(json_string_value(json_object_get(root, "build_id")), build_id) != 0)
		return false;
	snprintf(f->build_id, sizeof(f->build_id), "%s", build_id);

	if (!_array(v = json_object_get(root, "loads"), &n) ||
	    !(f->loads = calloc(n ? n : 1, sizeof(*f->loads))))
		return false;
	for (f->nloads = 0; f->nloads < n; f->nloads++) {
		const json_t *e = json_array_get(v, f->nloads);

		if (!json_is_array(e) || json_array_size(e) != 3)
			return false;
		for (size_t k = 0; k < 3; k++)
			if (!_u64(json_array_get(e, k), &u[k]))
				return false;
		f->loads[f->nloads] = (struct facts_load){u[0], u[1], u[2]};
	}
	if (!_strings(json_object_get(root, "imports"), &f->imports, &f->nimports) ||
	    !_strings(json_object_get(root, "needed"), &f->needed, &f->nneeded))
		return false;

	if (!_array(v = json_object_get(root, "funcs"), &n) ||
	    !(f->fns = calloc(n ? n : 1, sizeof(*f->fns))))
		return false;
	for (f->nfns = 0; f->nfns < n;) {
		/* Counted before it is checked, so that a failure frees what it holds. */
		struct facts_fn *fn = &f->fns[f->nfns++];

		if (!_read_fn(json_array_get(v, f->nfns - 1), fn, prev))
			return false;
		prev = fn->end;
	}
	for (size_t i = 0; i < f->nfns; i++)
		for (size_t k = 0; k < f->fns[i].ncallees; k++)
			if (!_callee_ok(f, f->fns[i].callees[k]))
				return false;

	if (!_array(v = json_object_get(root, "calls"), &n) ||
	    !(f->calls = calloc(n ? n : 1, sizeof(*f->calls))))
		return false;
	for (f->ncalls = 0; f->ncalls < n; f->ncalls++) {
		const json_t *e = json_array_get(v, f->ncalls);

		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    !_u64(json_array_get(e, 0), &u[0]) ||
		    !_small(json_array_get(e, 1), UINT32_MAX, &u[1]) || !_callee_ok(f, u[1]) ||
		    (f->ncalls > 0 && u[0] <= f->calls[f->ncalls - 1].ret))
			return false;
		f->calls[f->ncalls] = (struct facts_call){u[0], (uint32_t)u[1]};
	}
	if (!_read_names(f, json_object_get(root, "exports"), &f->exports, &f->nexports) ||
	    !_read_names(f, json_object_get(root, "symbols"), &f->symbols, &f->nsymbols))
		return false;

	stats = json_object_get(root, "stats");
	if (!json_is_array(stats) || json_array_size(stats) != 6)
		return false;
	size_t *fields[] = {&f->stats.funcs,      &f->stats.named,
	                    &f->stats.calls,      &f->stats.syscall_sites,
	                    &f->stats.unresolved, &f->stats.unknown_targets};
	for (size_t k = 0; k < 6; k++) {
		if (!_u64(json_array_get(stats, k), &u[0]))
			return false;
		*fields[k] = (size_t)u[0];
	}
	return true;
}

int facts_cache_read(const char *dir, const char *build_id, struct sp_facts **out)
{
	char *path = _entry_path(dir, build_id);
	struct sp_facts *f = NULL;
	json_t *root = NULL;
	json_error_t err;
	struct stat st;
	FILE *fp = NULL;
	int fd = -1, rc = -ENOENT;

	*out = NULL;
	if (!path)
		return -ENOMEM;
	/* Only a regular file of ours, of sane size; a symlink planted there is not followed. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CACHE_MAX_BYTES ||
	    st.st_uid != geteuid())
		goto out;
	fp = fdopen(fd, "r");
	if (!fp)
		goto out;
	fd = -1;
	root = json_loadf(fp, JSON_REJECT_DUPLICATES, &err);
	f = facts_alloc();
	if (!root || !f)
		goto out;
	if (!_parse(root, build_id, f))
		goto out;
	*out = f;
	f = NULL;
	rc = 0;
out:
	sp_facts_free(f);
	json_decref(root);
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* --- writing ------------------------------------------------------------ */

static int _add(json_t *arr, json_t *v)
{
	return v ? json_array_append_new(arr, v) : -1;
}

static json_t *_names_json(const struct facts_name *names, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (_add(a, json_pack("[s,I]", names[i].name, (json_int_t)names[i].fn)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *_strings_json(char *const *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (_add(a, json_string(s[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *_fn_json(const struct facts_fn *fn)
{
	json_t *callees = json_array(), *sys = json_array();

	for (size_t i = 0; callees && i < fn->ncallees; i++)
		if (_add(callees, json_integer(fn->callees[i])) < 0)
			goto fail;
	for (size_t i = 0; sys && i < fn->nsys; i++)
		if (_add(sys, json_integer(fn->sys[i])) < 0)
			goto fail;
	if (!callees || !sys)
		goto fail;
	/* json_pack's "o" steals both arrays, even on failure. */
	return json_pack("[I,I,s?,o,o,I]", (json_int_t)fn->start, (json_int_t)fn->end, fn->name,
	                 callees, sys, (json_int_t)fn->unresolved);
fail:
	json_decref(callees);
	json_decref(sys);
	return NULL;
}

static json_t *_to_json(const struct sp_facts *f)
{
	json_t *loads = json_array(), *funcs = json_array(), *calls = json_array();
	const struct sp_facts_stats *s = &f->stats;

	for (size_t i = 0; loads && i < f->nloads; i++)
		if (_add(loads, json_pack("[I,I,I]", (json_int_t)f->loads[i].off,
		                          (json_int_t)f->loads[i].vaddr,
		                          (json_int_t)f->loads[i].filesz)) < 0)
			goto fail;
	for (size_t i = 0; funcs && i < f->nfns; i++)
		if (_add(funcs, _fn_json(&f->fns[i])) < 0)
			goto fail;
	for (size_t i = 0; calls && i < f->ncalls; i++)
		if (_add(calls, json_pack("[I,I]", (json_int_t)f->calls[i].ret,
		                          (json_int_t)f->calls[i].callee)) < 0)
			goto fail;
	if (!loads || !funcs || !calls)
		goto fail;
	return json_pack(
	    "{s:s,s:i,s:s,s:[I,I,I,I,I,I],s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "format", CACHE_FORMAT,
	    "version", FACTS_VERSION, "build_id", f->build_id, "stats", (json_int_t)s->funcs,
	    (json_int_t)s->named, (json_int_t)s->calls, (json_int_t)s->syscall_sites,
	    (json_int_t)s->unresolved, (json_int_t)s->unknown_targets, "loads", loads, "imports",
	    _strings_json(f->imports, f->nimports), "needed", _strings_json(f->needed, f->nneeded),
	    "funcs", funcs, "calls", calls, "exports", _names_json(f->exports, f->nexports),
	    "symbols", _names_json(f->symbols, f->nsymbols));
fail:
	json_decref(loads);
	json_decref(funcs);
	json_decref(calls);
	return NULL;
}

/* mkdir -p with mode 0700 for what it creates. */
static int _mkdirs(const char *dir)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

int facts_cache_write(const char *dir, const struct sp_facts *f)
{
	char *path = NULL, *tmp = NULL, *text = NULL;
	json_t *root;
	int fd = -1, rc;
	size_t len, done = 0;

	if ((rc = _mkdirs(dir)) < 0)
		return rc;
	root = _to_json(f);
	if (!root)
		return -EINVAL; /* ENOMEM, or a symbol name that is not UTF-8 */
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	path = _entry_path(dir, f->build_id);
	if (!text || !path || asprintf(&tmp, "%s/.facts-%s.XXXXXX", dir, f->build_id) < 0) {
		tmp = NULL;
		rc = -ENOMEM;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	len = strlen(text);
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	rc = rename(tmp, path) < 0 ? -errno : 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp && rc < 0)
		unlink(tmp);
	free(tmp);
	free(path);
	free(text);
	return rc;
}
