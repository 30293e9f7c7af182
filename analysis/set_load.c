/* SPDX-License-Identifier: MIT */
/*
 * Every kind of input `sysphase compare` takes, as a syscall set: plain
 * lists and JSON arrays, policy.json (whole run, a phase, a view), any
 * file by its content, the built-in thesis and Docker lists; and where in
 * a file a fault is, for messages.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "set.h"
#include "sysphase/core.h"
#include "sysphase/policy.h"

/* ---- files and positions --------------------------------------------- */

/* Reads a whole file; *text is NUL-terminated (free()).  0 or -errno. */
static int slurp(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 4096, n = 0;
	char *buf = NULL, *tmp;
	int rc = 0;

	if (!f)
		return -errno;
	for (;;) {
		tmp = realloc(buf, cap + 1);
		if (!tmp) {
			rc = -ENOMEM;
			break;
		}
		buf = tmp;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap) {
			if (ferror(f))
				rc = -EIO;
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int set_jdoc_parse(struct jdoc *d, const char *name, const char *text, size_t len,
                   struct sp_diag *diag)
{
	json_error_t err;

	d->name = name;
	d->root = json_loadb(text, len, 0, &err);
	if (!d->root)
		return sp_diag_at(diag, EINVAL, name, err.line, err.column, "%s", err.text);
	/* Without positions messages fall back to the JSON pointer; not fatal. */
	d->pos = sp_jpos_new(text, len);
	return 0;
}

void set_jdoc_free(struct jdoc *d)
{
	json_decref(d->root);
	sp_jpos_free(d->pos);
}

/* "name:line:col: msg" for the value at pointer, "name: pointer: msg" if unknown. */
int set_jbad(const struct jdoc *d, struct sp_diag *diag, const char *ptr, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sp_jpos_find(d->pos, ptr, 0, &line, &col) == 0)
		return sp_diag_at(diag, EINVAL, d->name, line, col, "%s", msg);
	return sp_diag_at(diag, EINVAL, d->name, 0, 0, "%s: %s", *ptr ? ptr : "/", msg);
}

/* ---- plain lists and JSON arrays --------------------------------------- */

static bool is_sep(char c, bool json)
{
	return isspace((unsigned char)c) || c == ',' ||
	       (json && (c == '[' || c == ']' || c == '"'));
}

static int list_token(struct sp_syscall_set *into, const char *tok, size_t n, const char *name,
                      int line, int col, struct sp_diag *diag)
{
	char word[64];
	bool digits = true;
	const char *hint;
	long nr;

	if (n >= sizeof(word))
		return sp_diag_at(diag, EINVAL, name, line, col,
		                  "'%.*s...' is too long for a syscall name", 20, tok);
	memcpy(word, tok, n);
	word[n] = '\0';
	for (size_t i = 0; i < n; i++)
		digits &= isdigit((unsigned char)word[i]) != 0;
	if (digits) {
		nr = strtol(word, NULL, 10);
		if (n > 4 || sp_set_add_nr(into, nr) < 0)
			return sp_diag_at(diag, EINVAL, name, line, col,
			                  "%s is not an x86-64 syscall number", word);
		return 0;
	}
	if (sp_set_add_name(into, word) == 0)
		return 0;
	hint = sp_syscall_suggest(word);
	if (hint)
		return sp_diag_at(diag, EINVAL, name, line, col,
		                  "unknown x86-64 syscall '%s' (did you mean '%s'?)", word, hint);
	return sp_diag_at(diag, EINVAL, name, line, col, "unknown x86-64 syscall '%s'", word);
}

/* Checks a JSON array holds only names and numbers, before its tokens are read. */
static int json_list_check(const char *text, size_t len, const char *name, struct sp_diag *diag)
{
	struct jdoc d;
	size_t i;
	json_t *v;
	int rc = set_jdoc_parse(&d, name, text, len, diag);

	if (rc < 0)
		return rc;
	if (!json_is_array(d.root))
		rc = set_jbad(&d, diag, "", "expected an array of syscall names or numbers");
	json_array_foreach(d.root, i, v) {
		char ptr[32];

		if (rc < 0 || json_is_string(v) || json_is_integer(v))
			continue;
		snprintf(ptr, sizeof(ptr), "/%zu", i);
		rc = set_jbad(&d, diag, ptr, "expected a syscall name or number");
	}
	set_jdoc_free(&d);
	return rc;
}

int sp_set_parse_list(const char *text, size_t len, const char *name, struct sp_syscall_set *into,
                      struct sp_diag *diag)
{
	size_t i = 0, start, tokens = 0;
	int line = 1, col = 1, tcol, rc;
	bool json;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	json = i < len && text[i] == '[';
	if (json && (rc = json_list_check(text, len, name, diag)) < 0)
		return rc;
	for (i = 0; i < len;) {
		char c = text[i];

		if (c == '\n') {
			line++;
			col = 1;
			i++;
			continue;
		}
		if (c == '#' && !json) {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (is_sep(c, json)) {
			i++;
			col++;
			continue;
		}
		if (c == '\0')
			return sp_diag_at(diag, EINVAL, name, line, col,
			                  "a NUL byte: not a text list");
		start = i;
		tcol = col;
		while (i < len && !is_sep(text[i], json) && text[i] != '#' && text[i] != '\0') {
			i++;
			col++;
		}
		rc = list_token(into, text + start, i - start, name, line, tcol, diag);
		if (rc < 0)
			return rc;
		tokens++;
	}
	if (!tokens)
		return sp_diag_at(diag, EINVAL, name, 0, 0, "no syscalls in it");
	return 0;
}

/* ---- policy.json ------------------------------------------------------- */

/* policy_json.c says "name: /pointer: what"; turn the pointer into line:col. */
static void policy_diag_pos(const struct jdoc *d, struct sp_diag *diag)
{
	size_t nl = strlen(d->name);
	char ptr[256], what[sizeof(diag->msg)];
	const char *p, *end;
	int line, col;

	if (!diag || strncmp(diag->msg, d->name, nl) || strncmp(diag->msg + nl, ": /", 3))
		return;
	p = diag->msg + nl + 2;
	end = strstr(p, ": ");
	if (!end || (size_t)(end - p) >= sizeof(ptr))
		return;
	memcpy(ptr, p, (size_t)(end - p));
	ptr[end - p] = '\0';
	if (sp_jpos_find(d->pos, ptr, 0, &line, &col) < 0)
		return;
	snprintf(what, sizeof(what), "%s", end + 2);
	sp_diag_at(diag, EINVAL, d->name, line, col, "%s", what);
}

static int add_policy_name(struct sp_syscall_set *into, const char *name, bool cond)
{
	long nr = set_name_nr(name);

	/* policy.json only lists calls libseccomp named on x86-64; be safe anyway. */
	if (nr < 0)
		return sp_set_skip(into, name);
	sp_set_add_nr(into, nr);
	if (cond)
		sp_set_mark_cond(into, nr);
	return 0;
}

static int policy_doc(const struct jdoc *d, const char *phase, enum sp_view view,
                      struct sp_syscall_set *into, struct sp_diag *diag)
{
	struct sp_policy *p = NULL;
	int rc = sp_policy_from_json(d->root, d->name, &p, diag), i;

	if (rc < 0) {
		policy_diag_pos(d, diag);
		return rc;
	}
	if (!phase) {
		char *label;

		/* Say which view of the policy this is: output shows the label. */
		if (asprintf(&label, "%s (whole run: every phase, exact)", d->name) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		free(into->label);
		into->label = label;
		for (size_t k = 0; k < sp_policy_phase_count(p) && rc == 0; k++) {
			struct sp_call_info ci;

			for (size_t c = 0; sp_policy_exact_call(p, k, c, &ci) == 0 && rc == 0; c++)
				rc = add_policy_name(into, ci.name, false);
		}
		goto out;
	}
	i = sp_policy_phase_index(p, phase);
	if (i < 0) {
		char list[512] = "";
		size_t n = 0;

		for (size_t k = 0; k < sp_policy_phase_count(p) && n < sizeof(list); k++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", k ? ", " : "",
			                      sp_policy_phase_name(p, k));
		rc = sp_diag_set(diag, ENOENT, "%s: no phase '%s' (it has: %s)", d->name, phase,
		                 list);
		goto out;
	}
	if (view == SP_VIEW_EXACT) {
		struct sp_call_info ci;

		for (size_t c = 0; sp_policy_exact_call(p, (size_t)i, c, &ci) == 0 && rc == 0; c++)
			rc = add_policy_name(into, ci.name, ci.n_conds > 0);
	} else {
		const struct sp_allow *al;

		for (size_t c = 0; (al = sp_policy_enforce_at(p, (size_t)i, c)) && rc == 0; c++)
			rc = add_policy_name(into, al->name, al->n_conds > 0);
	}
out:
	sp_policy_free(p);
	return rc;
}

/* ---- files ------------------------------------------------------------- */

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int load_file(const char *path, const char *phase, enum sp_view view, const char *kernel,
                     struct sp_syscall_set *into, struct sp_diag *diag)
{
	struct jdoc d = {0};
	char *text = NULL;
	size_t len, i = 0;
	json_t *fmt;
	int rc = slurp(path, &text, &len);

	if (rc < 0)
		return sp_diag_set(diag, -rc, "cannot read '%s': %s", path, strerror(-rc));
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len || text[i] != '{') {
		if (phase)
			rc = sp_diag_set(diag, EINVAL, "%s: a list of syscalls has no phase '%s'",
			                 path, phase);
		else
			rc = sp_set_parse_list(text, len, path, into, diag);
		goto out;
	}
	rc = set_jdoc_parse(&d, path, text, len, diag);
	if (rc < 0)
		goto out;
	fmt = json_object_get(d.root, "format");
	if (json_is_string(fmt) && strcmp(json_string_value(fmt), SP_POLICY_FORMAT) == 0) {
		rc = policy_doc(&d, phase, view, into, diag);
	} else if (json_object_get(d.root, "defaultAction") || json_object_get(d.root, "kind")) {
		if (phase)
			rc = sp_diag_set(diag, EINVAL, "%s: a seccomp profile has no phase '%s'",
			                 path, phase);
		else
			rc = set_oci_doc(&d, kernel, into, diag);
	} else {
		rc =
		    set_jbad(&d, diag, "",
		             "neither a sysphase policy (\"format\": \"%s\") nor a seccomp profile "
		             "(\"defaultAction\")",
		             SP_POLICY_FORMAT);
	}
out:
	set_jdoc_free(&d);
	free(text);
	return rc;
}

/* ---- built-ins --------------------------------------------------------- */

/* Built-in data: $SYSPHASE_DATA_DIR, next to the binary, installed, the source tree. */
static int find_data(const char *file, const char *exe_dir, char *out, size_t len)
{
	const char *env = getenv("SYSPHASE_DATA_DIR");

	if (env && *env) {
		snprintf(out, len, "%s/%s", env, file);
		if (is_file(out))
			return 0;
	}
	if (exe_dir) {
		snprintf(out, len, "%s/../share/sysphase/data/%s", exe_dir, file);
		if (is_file(out))
			return 0;
	}
	snprintf(out, len, "%s/data/%s", SYSPHASE_DATADIR, file);
	if (is_file(out))
		return 0;
	snprintf(out, len, "%s/analysis/data/%s", SYSPHASE_SOURCE_DIR, file);
	return is_file(out) ? 0 : -ENOENT;
}

static const char *const thesis_progs[] = {"nginx", "pwd"};
static const char *const thesis_tools[] = {"chestnut", "sysfilter", "manual"};

static int thesis_unknown(const char *spec, struct sp_diag *diag)
{
	return sp_diag_set(diag, ENOENT,
	                   "unknown built-in '%s' (known: thesis:nginx|pwd:chestnut|sysfilter|"
	                   "manual[:PHASE], docker:default)",
	                   spec);
}

static int thesis_numbers(const struct jdoc *d, const char *key, struct sp_syscall_set *into,
                          struct sp_diag *diag)
{
	json_t *arr = json_object_get(d->root, key), *v;
	char ptr[64];
	size_t i;

	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!json_is_array(arr))
		return set_jbad(d, diag, "", "no \"%s\" array", key);
	json_array_foreach(arr, i, v) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if (!json_is_integer(v) || sp_set_add_nr(into, (long)json_integer_value(v)) < 0)
			return set_jbad(d, diag, ptr, "not an x86-64 syscall number");
	}
	return 0;
}

static int thesis_names(const struct jdoc *d, const char *phase, json_t *arr,
                        struct sp_syscall_set *into, struct sp_diag *diag)
{
	char ptr[160];
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		snprintf(ptr, sizeof(ptr), "/manual_phases/%s/%zu", phase, i);
		if (!json_is_string(v) || sp_set_add_name(into, json_string_value(v)) < 0)
			return set_jbad(d, diag, ptr, "not an x86-64 syscall name");
	}
	return 0;
}

static int thesis_manual(const struct jdoc *d, const char *spec, const char *phase,
                         struct sp_syscall_set *into, struct sp_diag *diag)
{
	json_t *phases = json_object_get(d->root, "manual_phases"), *v;
	const char *key;
	int rc = 0;

	if (!json_is_object(phases))
		return set_jbad(d, diag, "", "no \"manual_phases\" object");
	if (phase) {
		v = json_object_get(phases, phase);
		if (!json_is_array(v)) {
			char list[768] = "";
			size_t n = 0;

			json_object_foreach(phases, key, v)
				if (n < sizeof(list))
					n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					                      n ? ", " : "", key);
			return sp_diag_set(diag, ENOENT, "%s: no such manual phase (phases: %s)",
			                   spec, list);
		}
		return thesis_names(d, phase, v, into, diag);
	}
	json_object_foreach(phases, key, v) {
		if (rc == 0)
			rc = thesis_names(d, key, v, into, diag);
	}
	return rc;
}

static int load_thesis(const char *spec, const struct sp_set_env *env, struct sp_syscall_set *into,
                       struct sp_diag *diag)
{
	char buf[256], file[64], path[PATH_MAX], *prog, *tool, *phase, *text = NULL;
	struct jdoc d = {0};
	size_t len, k, t;
	int rc;

	snprintf(buf, sizeof(buf), "%s", spec + strlen("thesis:"));
	prog = buf;
	tool = strchr(prog, ':');
	if (!tool)
		return thesis_unknown(spec, diag);
	*tool++ = '\0';
	phase = strchr(tool, ':');
	if (phase)
		*phase++ = '\0';
	for (t = 0; t < N(thesis_tools) && strcmp(tool, thesis_tools[t]); t++)
		;
	if (t == N(thesis_tools) || (phase && strcmp(tool, "manual")))
		return thesis_unknown(spec, diag);
	for (k = 0; k < N(thesis_progs) && strcmp(prog, thesis_progs[k]); k++)
		;
	if (k == N(thesis_progs))
		return thesis_unknown(spec, diag);
	snprintf(file, sizeof(file), "thesis-%s.json", thesis_progs[k]);
	if (find_data(file, env->exe_dir, path, sizeof(path)) < 0)
		return sp_diag_set(
		    diag, ENOENT,
		    "%s: built-in data %s not found (looked in $SYSPHASE_DATA_DIR, "
		    "share/sysphase/data next to the binary, %s/data, the source tree)",
		    spec, file, SYSPHASE_DATADIR);
	rc = slurp(path, &text, &len);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "cannot read '%s': %s", path, strerror(-rc));
	rc = set_jdoc_parse(&d, path, text, len, diag);
	if (rc == 0)
		rc = strcmp(tool, "manual") ? thesis_numbers(&d, tool, into, diag)
		                            : thesis_manual(&d, spec, phase, into, diag);
	set_jdoc_free(&d);
	free(text);
	return rc;
}

static int load_docker(const char *spec, const struct sp_set_env *env, const char *kernel,
                       struct sp_syscall_set *into, struct sp_diag *diag)
{
	const char *path = env->docker_profile ? env->docker_profile : SP_DOCKER_DEFAULT_PROFILE;

	if (strcmp(spec, "docker:default"))
		return thesis_unknown(spec, diag);
	if (!is_file(path))
		return sp_diag_set(diag, ENOENT,
		                   "docker:default needs %s (Debian package "
		                   "golang-github-docker-docker-dev)",
		                   path);
	return load_file(path, NULL, SP_VIEW_EXACT, kernel, into, diag);
}

/*
 * Splits FILE:PHASE[:VIEW]: FILE is the shortest prefix before a ':' that
 * is an existing file, so phase names may hold colons; a last ":exact" or
 * ":enforce" is the view.  0, or -ENOENT.
 */
static int split_spec(const char *spec, char **file, char **phase, enum sp_view *view)
{
	char *copy = strdup(spec), *c, *v;

	if (!copy)
		return -ENOMEM;
	*view = SP_VIEW_EXACT;
	for (c = strchr(copy, ':'); c; c = strchr(c + 1, ':')) {
		*c = '\0';
		if (c[1] && is_file(copy))
			break;
		*c = ':';
	}
	if (!c) {
		free(copy);
		return -ENOENT;
	}
	*file = copy;
	*phase = c + 1;
	v = strrchr(*phase, ':');
	if (v && v > *phase && sp_view_from_name(v + 1) >= 0) {
		*view = (enum sp_view)sp_view_from_name(v + 1);
		*v = '\0';
	}
	return 0;
}

static int load_spec(const char *spec, const struct sp_set_env *env, const char *kernel,
                     struct sp_syscall_set *s, struct sp_diag *diag)
{
	char *file = NULL, *phase = NULL;
	enum sp_view view;
	int rc;

	if (strncmp(spec, "thesis:", 7) == 0)
		return load_thesis(spec, env, s, diag);
	if (strncmp(spec, "docker:", 7) == 0)
		return load_docker(spec, env, kernel, s, diag);
	if (is_file(spec))
		return load_file(spec, NULL, SP_VIEW_EXACT, kernel, s, diag);
	rc = split_spec(spec, &file, &phase, &view);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return sp_diag_set(diag, ENOENT, "%s: no such file or built-in", spec);
	free(s->label);
	if (asprintf(&s->label, "%s:%s (%s)", file, phase, sp_view_name(view)) < 0) {
		s->label = NULL;
		free(file);
		return -ENOMEM;
	}
	rc = load_file(file, phase, view, kernel, s, diag);
	free(file);
	return rc;
}

int sp_set_load(const char *spec, const struct sp_set_env *env, struct sp_syscall_set **out,
                struct sp_diag *diag)
{
	static const struct sp_set_env none;
	struct sp_syscall_set *s;
	char kbuf[128];
	const char *kernel;
	int rc;

	*out = NULL;
	if (!env)
		env = &none;
	kernel = env->kernel ? env->kernel : set_running_kernel(kbuf, sizeof(kbuf));
	s = sp_set_new(spec);
	if (!s)
		return -ENOMEM;
	rc = load_spec(spec, env, kernel, s, diag);
	if (rc == 0 && !s->label)
		rc = -ENOMEM;
	if (rc < 0) {
		sp_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}
