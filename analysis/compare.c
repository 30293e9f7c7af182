/* SPDX-License-Identifier: MIT */
/* Syscall sets from every kind of input, and their comparison. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "set.h"
#include "sysphase/core.h"
#include "sysphase/policy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Docker's oci/caps/defaults.go: what a container gets without --cap-add. */
const char *const sp_docker_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* ---- the set ---------------------------------------------------------- */

struct sp_syscall_set *sp_set_new(const char *label)
{
	struct sp_syscall_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->label = strdup(label ? label : "");
	if (!s->label) {
		free(s);
		return NULL;
	}
	return s;
}

void sp_set_free(struct sp_syscall_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_skipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
	free(s->label);
	free(s);
}

const char *sp_set_nr_name(long nr)
{
	if (nr < 0 || nr >= SP_SET_NR_MAX)
		return NULL;
	return sp_syscall_name(SP_ABI_X86_64, nr);
}

static int cmp_nr_name(const void *a, const void *b)
{
	return strcmp(sp_set_nr_name(*(const long *)a), sp_set_nr_name(*(const long *)b));
}

const long *sp_set_name_order(size_t *n)
{
	static long order[SP_SET_NR_MAX];
	static size_t count;

	if (!count) {
		for (long nr = 0; nr < SP_SET_NR_MAX; nr++)
			if (sp_set_nr_name(nr))
				order[count++] = nr;
		sp_qsort(order, count, sizeof(order[0]), cmp_nr_name);
	}
	*n = count;
	return order;
}

static void bit_set(uint64_t *bits, long nr)
{
	bits[nr / 64] |= 1ull << (nr % 64);
}

static bool bit_get(const uint64_t *bits, long nr)
{
	return nr >= 0 && nr < SP_SET_NR_MAX && (bits[nr / 64] >> (nr % 64)) & 1;
}

int sp_set_add_nr(struct sp_syscall_set *s, long nr)
{
	if (!sp_set_nr_name(nr))
		return -ENOENT;
	bit_set(s->bits, nr);
	return 0;
}

/* The x86-64 number of name, or -ENOENT (libseccomp's pseudo-syscalls included). */
static long name_nr(const char *name)
{
	long nr = sp_syscall_nr(name);

	return nr >= 0 && nr < SP_SET_NR_MAX ? nr : -ENOENT;
}

int sp_set_add_name(struct sp_syscall_set *s, const char *name)
{
	long nr = name_nr(name);

	return nr < 0 ? (int)nr : sp_set_add_nr(s, nr);
}

void sp_set_mark_cond(struct sp_syscall_set *s, long nr)
{
	if (bit_get(s->bits, nr))
		bit_set(s->cond, nr);
}

int sp_set_skip(struct sp_syscall_set *s, const char *name)
{
	char **v;

	for (size_t i = 0; i < s->n_skipped; i++)
		if (strcmp(s->skipped[i], name) == 0)
			return 0;
	v = realloc(s->skipped, (s->n_skipped + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->skipped = v;
	v[s->n_skipped] = strdup(name);
	if (!v[s->n_skipped])
		return -ENOMEM;
	s->n_skipped++;
	return 0;
}

bool sp_set_has(const struct sp_syscall_set *s, long nr)
{
	return bit_get(s->bits, nr);
}

bool sp_set_is_cond(const struct sp_syscall_set *s, long nr)
{
	return bit_get(s->cond, nr);
}

size_t sp_set_size(const struct sp_syscall_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < N(s->bits); i++)
		n += (size_t)__builtin_popcountll(s->bits[i]);
	return n;
}

const char *sp_set_label(const struct sp_syscall_set *s)
{
	return s->label;
}

size_t sp_set_skipped_count(const struct sp_syscall_set *s)
{
	return s->n_skipped;
}

const char *sp_set_skipped_at(const struct sp_syscall_set *s, size_t i)
{
	return i < s->n_skipped ? s->skipped[i] : NULL;
}

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

/* A parsed JSON file and the positions of its values, for messages. */
struct jdoc {
	const char *name;
	json_t *root;
	struct sp_jpos *pos;
};

static int jdoc_parse(struct jdoc *d, const char *name, const char *text, size_t len,
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

static void jdoc_free(struct jdoc *d)
{
	json_decref(d->root);
	sp_jpos_free(d->pos);
}

/* "name:line:col: msg" for the value at pointer, "name: pointer: msg" if unknown. */
static int __attribute__((format(printf, 4, 5)))
jbad(const struct jdoc *d, struct sp_diag *diag, const char *ptr, const char *fmt, ...)
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
	int rc = jdoc_parse(&d, name, text, len, diag);

	if (rc < 0)
		return rc;
	if (!json_is_array(d.root))
		rc = jbad(&d, diag, "", "expected an array of syscall names or numbers");
	json_array_foreach(d.root, i, v) {
		char ptr[32];

		if (rc < 0 || json_is_string(v) || json_is_integer(v))
			continue;
		snprintf(ptr, sizeof(ptr), "/%zu", i);
		rc = jbad(&d, diag, ptr, "expected a syscall name or number");
	}
	jdoc_free(&d);
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

/* ---- OCI / Docker seccomp profiles ------------------------------------- */

bool sp_kernel_at_least(const char *have, const char *want)
{
	const char *h = have, *w = want;

	for (int part = 0; part < 3; part++) {
		long hv = 0, wv = 0;
		char *end;

		if (isdigit((unsigned char)*h)) {
			hv = strtol(h, &end, 10);
			h = *end == '.' ? end + 1 : end;
		}
		if (isdigit((unsigned char)*w)) {
			wv = strtol(w, &end, 10);
			w = *end == '.' ? end + 1 : end;
		}
		if (hv != wv)
			return hv > wv;
	}
	return true;
}

static int action_allows(const char *action)
{
	static const char *const allow[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};
	/* NOTIFY: a supervisor decides; TRACE: -ENOSYS without a tracer.  Neither is the filter
	 * allowing. */
	static const char *const deny[] = {
	    "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	    "SCMP_ACT_TRAP",  "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY"};

	for (size_t i = 0; i < N(allow); i++)
		if (strcmp(action, allow[i]) == 0)
			return 1;
	for (size_t i = 0; i < N(deny); i++)
		if (strcmp(action, deny[i]) == 0)
			return 0;
	return -1;
}

static bool str_in(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static bool cap_granted(const char *cap)
{
	for (size_t i = 0; sp_docker_default_caps[i]; i++)
		if (strcmp(sp_docker_default_caps[i], cap) == 0)
			return true;
	return false;
}

/* Checks Docker's includes/excludes member at ptr; 1 if the entry applies, 0 if not, -EINVAL. */
static int docker_cond(const struct jdoc *d, json_t *cond, const char *ptr, bool include,
                       const char *kernel, struct sp_diag *diag)
{
	const char *key;
	json_t *v;

	if (!cond || json_is_null(cond))
		return 1;
	if (!json_is_object(cond))
		return jbad(d, diag, ptr, "expected an object");
	json_object_foreach(cond, key, v) {
		char sub[320];
		size_t i;
		json_t *e;

		snprintf(sub, sizeof(sub), "%s/%s", ptr, key);
		if (strcmp(key, "minKernel") == 0) {
			if (!include || !json_is_string(v))
				return jbad(d, diag, sub, "expected a kernel version string");
			if (!sp_kernel_at_least(kernel, json_string_value(v)))
				return 0;
			continue;
		}
		if (strcmp(key, "arches") && strcmp(key, "caps"))
			return jbad(d, diag, sub, "unknown condition '%s' (arches, caps%s)", key,
			            include ? ", minKernel" : "");
		if (!json_is_array(v))
			return jbad(d, diag, sub, "expected an array of strings");
		json_array_foreach(v, i, e)
			if (!json_is_string(e)) {
				snprintf(sub, sizeof(sub), "%s/%s/%zu", ptr, key, i);
				return jbad(d, diag, sub, "expected a string");
			}
		if (json_array_size(v) == 0)
			continue;
		if (strcmp(key, "arches") == 0) {
			/* Docker spells x86-64 as Go does. */
			if (str_in(v, "amd64") != include)
				return 0;
			continue;
		}
		json_array_foreach(v, i, e) {
			bool has = cap_granted(json_string_value(e));

			/* includes: every cap needed; excludes: any cap held rules it out. */
			if (include ? !has : has)
				return 0;
		}
	}
	return 1;
}

struct oci_state {
	signed char uncond[SP_SET_NR_MAX]; /* -1 none, 0 deny, 1 allow: a rule without args */
	bool partial[SP_SET_NR_MAX];       /* a rule with args differs from the default */
};

static int oci_entry(const struct jdoc *d, json_t *e, const char *ptr, int def_allows,
                     const char *kernel, struct oci_state *st, struct sp_syscall_set *into,
                     struct sp_diag *diag)
{
	json_t *names = json_object_get(e, "names"), *name = json_object_get(e, "name");
	json_t *action = json_object_get(e, "action"), *args = json_object_get(e, "args");
	char sub[224];
	int allows, rc;
	bool has_args;
	size_t i;
	json_t *v;

	if (!json_is_object(e))
		return jbad(d, diag, ptr, "expected an object");
	snprintf(sub, sizeof(sub), "%s/action", ptr);
	if (!json_is_string(action))
		return jbad(d, diag, json_is_null(action) || !action ? ptr : sub,
		            "expected an \"action\" string");
	allows = action_allows(json_string_value(action));
	if (allows < 0)
		return jbad(d, diag, sub, "unknown action '%s'", json_string_value(action));
	snprintf(sub, sizeof(sub), "%s/args", ptr);
	if (args && !json_is_null(args) && !json_is_array(args))
		return jbad(d, diag, sub, "expected an array of argument conditions");
	has_args = json_array_size(args) > 0;
	snprintf(sub, sizeof(sub), "%s/includes", ptr);
	rc = docker_cond(d, json_object_get(e, "includes"), sub, true, kernel, diag);
	if (rc <= 0)
		return rc;
	snprintf(sub, sizeof(sub), "%s/excludes", ptr);
	rc = docker_cond(d, json_object_get(e, "excludes"), sub, false, kernel, diag);
	if (rc <= 0)
		return rc;
	if (names && !json_is_array(names)) {
		snprintf(sub, sizeof(sub), "%s/names", ptr);
		return jbad(d, diag, sub, "expected an array of syscall names");
	}
	if (!names && !json_is_string(name))
		return jbad(d, diag, ptr, "expected \"names\" (or \"name\")");
	for (i = 0; i < (names ? json_array_size(names) : 1); i++) {
		const char *n;
		long nr;

		v = names ? json_array_get(names, i) : name;
		if (!json_is_string(v)) {
			snprintf(sub, sizeof(sub), "%s/names/%zu", ptr, i);
			return jbad(d, diag, sub, "expected a syscall name");
		}
		n = json_string_value(v);
		nr = name_nr(n);
		if (nr < 0) {
			/* Profiles list every architecture's calls; others are not ours. */
			if (sp_set_skip(into, n) < 0)
				return -ENOMEM;
			continue;
		}
		if (!has_args)
			st->uncond[nr] = (signed char)allows;
		else if (allows != def_allows)
			st->partial[nr] = true;
	}
	return 0;
}

static int oci_doc(const struct jdoc *d, const char *kernel, struct sp_syscall_set *into,
                   struct sp_diag *diag)
{
	json_t *root = d->root, *def, *calls, *e;
	const char *prefix = "";
	struct oci_state *st;
	char ptr[160];
	int def_allows, rc = 0;
	size_t i;

	/* A Kubernetes SeccompProfile carries the OCI profile in its spec. */
	if (json_is_object(root) && json_is_string(json_object_get(root, "kind")) &&
	    strcmp(json_string_value(json_object_get(root, "kind")), "SeccompProfile") == 0) {
		root = json_object_get(root, "spec");
		prefix = "/spec";
		if (!json_is_object(root))
			return jbad(d, diag, "/kind", "a SeccompProfile without a \"spec\" object");
	}
	def = json_object_get(root, "defaultAction");
	snprintf(ptr, sizeof(ptr), "%s/defaultAction", prefix);
	if (!json_is_string(def))
		return jbad(d, diag, def ? ptr : prefix, "expected a \"defaultAction\" string");
	def_allows = action_allows(json_string_value(def));
	if (def_allows < 0)
		return jbad(d, diag, ptr, "unknown action '%s'", json_string_value(def));
	calls = json_object_get(root, "syscalls");
	snprintf(ptr, sizeof(ptr), "%s/syscalls", prefix);
	if (calls && !json_is_null(calls) && !json_is_array(calls))
		return jbad(d, diag, ptr, "expected an array");
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	memset(st->uncond, -1, sizeof(st->uncond));
	memset(st->partial, 0, sizeof(st->partial));
	json_array_foreach(calls, i, e) {
		snprintf(ptr, sizeof(ptr), "%s/syscalls/%zu", prefix, i);
		rc = oci_entry(d, e, ptr, def_allows, kernel, st, into, diag);
		if (rc < 0)
			goto out;
	}
	for (long nr = 0; nr < SP_SET_NR_MAX; nr++) {
		int allowed = st->uncond[nr] >= 0 ? st->uncond[nr] : def_allows;

		if (!sp_set_nr_name(nr))
			continue;
		/* Some argument values take the other way: the call is reachable, but only so. */
		if (allowed || (st->uncond[nr] < 0 && st->partial[nr])) {
			sp_set_add_nr(into, nr);
			if (st->uncond[nr] < 0 && st->partial[nr])
				sp_set_mark_cond(into, nr);
		}
	}
out:
	free(st);
	return rc;
}

static const char *running_kernel(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) < 0)
		return "0";
	snprintf(buf, len, "%s", u.release);
	return buf;
}

int sp_set_from_oci(json_t *root, const char *name, const char *kernel, struct sp_syscall_set *into,
                    struct sp_diag *diag)
{
	struct jdoc d = {.name = name, .root = root};
	char buf[128];

	return oci_doc(&d, kernel ? kernel : running_kernel(buf, sizeof(buf)), into, diag);
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
	long nr = name_nr(name);

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
	rc = jdoc_parse(&d, path, text, len, diag);
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
			rc = oci_doc(&d, kernel, into, diag);
	} else {
		rc = jbad(&d, diag, "",
		          "neither a sysphase policy (\"format\": \"%s\") nor a seccomp profile "
		          "(\"defaultAction\")",
		          SP_POLICY_FORMAT);
	}
out:
	jdoc_free(&d);
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
		return jbad(d, diag, "", "no \"%s\" array", key);
	json_array_foreach(arr, i, v) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if (!json_is_integer(v) || sp_set_add_nr(into, (long)json_integer_value(v)) < 0)
			return jbad(d, diag, ptr, "not an x86-64 syscall number");
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
			return jbad(d, diag, ptr, "not an x86-64 syscall name");
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
		return jbad(d, diag, "", "no \"manual_phases\" object");
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
	rc = jdoc_parse(&d, path, text, len, diag);
	if (rc == 0)
		rc = strcmp(tool, "manual") ? thesis_numbers(&d, tool, into, diag)
		                            : thesis_manual(&d, spec, phase, into, diag);
	jdoc_free(&d);
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
	kernel = env->kernel ? env->kernel : running_kernel(kbuf, sizeof(kbuf));
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

/* ---- comparing ---------------------------------------------------------- */

static void part_fill(struct sp_cmp_part *p, const uint64_t *bits)
{
	memcpy(p->bits, bits, sizeof(p->bits));
	p->n = 0;
	memset(p->by_level, 0, sizeof(p->by_level));
	for (long nr = 0; nr < SP_SET_NR_MAX; nr++)
		if (bit_get(bits, nr)) {
			p->n++;
			p->by_level[sp_threat_level(sp_set_nr_name(nr))]++;
		}
}

void sp_compare(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                struct sp_comparison *out)
{
	uint64_t both[SP_SET_NR_MAX / 64], oa[SP_SET_NR_MAX / 64], ob[SP_SET_NR_MAX / 64];

	for (size_t i = 0; i < N(both); i++) {
		both[i] = a->bits[i] & b->bits[i];
		oa[i] = a->bits[i] & ~b->bits[i];
		ob[i] = b->bits[i] & ~a->bits[i];
	}
	part_fill(&out->part[SP_CMP_A], a->bits);
	part_fill(&out->part[SP_CMP_B], b->bits);
	part_fill(&out->part[SP_CMP_BOTH], both);
	part_fill(&out->part[SP_CMP_ONLY_A], oa);
	part_fill(&out->part[SP_CMP_ONLY_B], ob);
	out->completeness = out->part[SP_CMP_B].n
	                        ? (double)out->part[SP_CMP_BOTH].n / (double)out->part[SP_CMP_B].n
	                        : -1;
	out->reduction = out->part[SP_CMP_A].n
	                     ? (double)out->part[SP_CMP_ONLY_A].n / (double)out->part[SP_CMP_A].n
	                     : -1;
}

const char *sp_cmp_part_name(enum sp_cmp_which w)
{
	static const char *const names[SP_CMP_PARTS] = {"a", "b", "both", "only_a", "only_b"};

	return w < SP_CMP_PARTS ? names[w] : NULL;
}

static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static int push(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

static json_t *part_json(const struct sp_cmp_part *p)
{
	json_t *o = json_object(), *lv = json_object(), *names = json_object();
	json_t *per[SP_THREAT_LEVELS + 1];
	const long *order;
	size_t n_order;
	int rc = 0;

	for (int l = 0; l <= SP_THREAT_LEVELS; l++)
		per[l] = json_array();
	order = sp_set_name_order(&n_order);
	for (size_t k = 0; k < n_order; k++)
		if (bit_get(p->bits, order[k])) {
			const char *n = sp_set_nr_name(order[k]);

			rc |= push(per[sp_threat_level(n)], json_string(n));
		}
	rc |= set(o, "size", json_integer((json_int_t)p->n));
	for (int l = 1; l <= SP_THREAT_LEVELS + 1; l++) {
		int lvl = l % (SP_THREAT_LEVELS + 1); /* 1..4, then 0 = unrated last */
		char key[8];

		snprintf(key, sizeof(key), "%d", lvl);
		rc |= set(lv, lvl ? key : "unrated", json_integer(p->by_level[lvl]));
		rc |= set(names, lvl ? key : "unrated", per[lvl]);
	}
	rc |= set(o, "by_level", lv);
	rc |= set(o, "syscalls", names);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *set_json(const struct sp_syscall_set *s, const struct sp_cmp_part *p)
{
	json_t *o = part_json(p), *cond = json_array(), *skipped = json_array();
	int rc = o ? 0 : -1;
	size_t n_order;

	const long *order = sp_set_name_order(&n_order);

	for (size_t k = 0; k < n_order; k++)
		if (sp_set_is_cond(s, order[k]))
			rc |= push(cond, json_string(sp_set_nr_name(order[k])));
	for (size_t i = 0; i < s->n_skipped; i++)
		rc |= push(skipped, json_string(s->skipped[i]));
	if (o) {
		rc |= set(o, "label", json_string(s->label));
		rc |= set(o, "conditional", cond);
		rc |= set(o, "skipped", skipped);
	} else {
		json_decref(cond);
		json_decref(skipped);
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ratio_json(double r)
{
	return r < 0 ? json_null() : json_real(r);
}

json_t *sp_comparison_to_json(const struct sp_syscall_set *a, const struct sp_syscall_set *b,
                              const struct sp_comparison *c)
{
	json_t *o = json_object();
	int rc = o ? 0 : -1;

	rc |= set(o, "a", set_json(a, &c->part[SP_CMP_A]));
	rc |= set(o, "b", set_json(b, &c->part[SP_CMP_B]));
	for (int w = SP_CMP_BOTH; w < SP_CMP_PARTS; w++)
		rc |= set(o, sp_cmp_part_name((enum sp_cmp_which)w), part_json(&c->part[w]));
	rc |= set(o, "completeness", ratio_json(c->completeness));
	rc |= set(o, "reduction", ratio_json(c->reduction));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
