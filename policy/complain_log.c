/* SPDX-License-Identifier: MIT */
/*
 * The complain log of `sysphase run --complain` (docs/run.md), written by
 * run and read back by `export --merge`: one JSON object per line, a
 * header per run, then each call the enforced filter would have denied,
 * once per (process, phase, syscall) with its count.  Writer and reader live
 * here together so that the format has one definition.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sysphase/landlock.h"
#include "sysphase/policy.h"

int sp_complain_policy_digest(const char *program, const json_t *rules, char *out, size_t size)
{
	char *text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 0xcbf29ce484222325ULL;

	if (!text)
		return -ENOMEM;
	/* FNV-1a, 64 bits: an identity, not a defence (the log is the user's own file). */
	for (const char *c = program ? program : ""; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	h *= 0x100000001b3ULL; /* a NUL between the two */
	for (const char *c = text; *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	free(text);
	snprintf(out, size, "fnv1a64:%016llx", (unsigned long long)h);
	return 0;
}

/* Writes line, a newline, and flushes: a full disk shows up here, not in a silent fclose(). */
static int put_line(FILE *out, json_t *line, struct sp_diag *diag)
{
	int rc = 0;

	errno = 0;
	if (json_dumpf(line, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) <
	        0 ||
	    fputc('\n', out) == EOF || fflush(out) == EOF) {
		int err = errno ? errno : EIO;

		rc = sp_diag_set(diag, err, "cannot write the complain log: %s", strerror(err));
	}
	json_decref(line);
	return rc;
}

int sp_complain_write_header_ll(FILE *out, const json_t *program, const char *policy_digest,
                                long long when, bool landlock_simulated, struct sp_diag *diag)
{
	time_t t = (time_t)when;
	char stamp[32];
	struct tm tm;
	json_t *line;

	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", when);
	line = json_pack("{s:s, s:O, s:s, s:s}", "type", "run", "program", program, "policy",
	                 policy_digest, "time", stamp);
	if (line && landlock_simulated &&
	    json_object_set_new(line, "landlock", json_string("simulated")) < 0) {
		json_decref(line);
		line = NULL;
	}
	if (!line)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	return put_line(out, line, diag);
}

int sp_complain_write_header(FILE *out, const json_t *program, const char *policy_digest,
                             long long when, struct sp_diag *diag)
{
	return sp_complain_write_header_ll(out, program, policy_digest, when, false, diag);
}

/* ["read_file", "make_reg"]: the names of the bits of mask, or NULL on ENOMEM. */
static json_t *rights_json(uint64_t mask, char *(*format)(uint64_t, const char *, char *, size_t))
{
	char names[512], *save = NULL;
	json_t *arr = json_array();

	format(mask, ",", names, sizeof(names));
	for (char *tok = strtok_r(names, ",", &save); arr && tok; tok = strtok_r(NULL, ",", &save))
		if (json_array_append_new(arr, json_string(tok)) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

int sp_complain_write_landlock(FILE *out, const struct sp_complain_landlock *c,
                               struct sp_diag *diag)
{
	json_t *line = json_object();
	int bad = 0;

	if (!line)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	bad |= json_object_set_new(line, "type", json_string("landlock"));
	bad |= json_object_set_new(line, "pid", json_integer(c->pid));
	if (c->tid > 0)
		bad |= json_object_set_new(line, "tid", json_integer(c->tid));
	bad |= json_object_set_new(line, "phase", json_string(c->phase));
	if (c->syscall)
		bad |= json_object_set_new(line, "syscall", json_string(c->syscall));
	if (c->path) {
		bad |= json_object_set_new(line, "path", json_string(c->path));
		bad |= json_object_set_new(line, "beneath", json_boolean(c->dir));
		bad |= json_object_set_new(line, "access", rights_json(c->fs, sp_ll_fs_format));
	} else if (c->port >= 0) {
		bad |= json_object_set_new(line, "port", json_integer(c->port));
		bad |= json_object_set_new(line, "access", rights_json(c->net, sp_ll_net_format));
	} else {
		bad |=
		    json_object_set_new(line, "scope", rights_json(c->scope, sp_ll_scope_format));
	}
	bad |= json_object_set_new(line, "count", json_integer((json_int_t)c->count));
	if (c->first >= 0)
		bad |= json_object_set_new(line, "ts", json_real(c->first));
	bad |= json_object_set_new(line, "seen", json_string("ptrace"));
	if (bad) {
		json_decref(line);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	return put_line(out, line, diag);
}

int sp_complain_write_entry(FILE *out, const struct sp_complaint *c, struct sp_diag *diag)
{
	json_t *line = json_object(), *args = NULL;
	char hex[32];
	int bad = 0;

	if (!line)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	bad |= json_object_set_new(line, "type", json_string("violation"));
	bad |= json_object_set_new(line, "pid", json_integer(c->pid));
	if (c->tid > 0)
		bad |= json_object_set_new(line, "tid", json_integer(c->tid));
	bad |= json_object_set_new(line, "phase", json_string(c->phase));
	bad |= json_object_set_new(line, "syscall", c->name ? json_string(c->name) : json_null());
	bad |= json_object_set_new(line, "abi", json_string(sp_abi_name(c->abi)));
	bad |= json_object_set_new(line, "nr", json_integer(c->nr));
	bad |= json_object_set_new(line, "count", json_integer((json_int_t)c->count));
	if (c->first >= 0)
		bad |= json_object_set_new(line, "ts", json_real(c->first));
	if (c->has_args) {
		args = json_array();
		for (int i = 0; args && i < SP_MAX_ARGS; i++) {
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)c->args[i]);
			bad |= json_array_append_new(args, json_string(hex));
		}
		bad |= json_object_set_new(line, "args", args);
		bad |=
		    json_object_set_new(line, "site", c->site ? json_string(c->site) : json_null());
	}
	bad |= json_object_set_new(line, "seen", json_string(c->kernel ? "kernel" : "ptrace"));
	if (c->answer > 0 && strerrorname_np(c->answer))
		bad |= json_object_set_new(line, "answer", json_string(strerrorname_np(c->answer)));
	if (bad) {
		json_decref(line);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	return put_line(out, line, diag);
}

int sp_complain_write(FILE *out, const struct sp_event *ev, const char *phase, struct sp_diag *diag)
{
	struct sp_complaint c = {
	    .pid = ev->pid,
	    .tid = ev->tid,
	    .phase = phase,
	    .name = ev->name,
	    .abi = ev->abi,
	    .nr = ev->nr,
	    .count = 1,
	    .first = ev->ts,
	    .has_args = true,
	    .site = ev->site,
	};

	memcpy(c.args, ev->args, sizeof(c.args));
	return sp_complain_write_entry(out, &c, diag);
}

struct sp_complain_reader {
	FILE *in;
	bool owned;
	char *name;
	char *text;
	size_t cap;
	long lineno;
	json_t *line;   /* the current line, which the last event's strings point into */
	json_t *header; /* the last run header read */
	uint64_t count;
};

/*
 * One violation line as the syscall event it stands for.  Strings point
 * into line.  *what says what is wrong when it returns -EINVAL.
 */
static int violation_event(json_t *line, struct sp_event *ev, const char **what)
{
	json_t *args = json_object_get(line, "args");
	const char *type = json_string_value(json_object_get(line, "type"));

	memset(ev, 0, sizeof(*ev));
	ev->type = SP_EV_SYSCALL;
	*what = "\"type\" must be \"violation\"";
	if (!type || strcmp(type, "violation") != 0)
		return -EINVAL;
	*what = "\"phase\" must be a string";
	ev->phase = json_string_value(json_object_get(line, "phase"));
	if (!ev->phase)
		return -EINVAL;
	*what = "\"pid\" and \"nr\" must be integers, and \"tid\" and \"count\" when given; "
		"a pid or tid is above 0";
	if (!json_is_integer(json_object_get(line, "pid")) ||
	    !json_is_integer(json_object_get(line, "nr")) ||
	    json_integer_value(json_object_get(line, "pid")) < 1 ||
	    json_integer_value(json_object_get(line, "pid")) > INT_MAX ||
	    (json_object_get(line, "tid") &&
	     (!json_is_integer(json_object_get(line, "tid")) ||
	      json_integer_value(json_object_get(line, "tid")) < 1 ||
	      json_integer_value(json_object_get(line, "tid")) > INT_MAX)) ||
	    (json_object_get(line, "count") &&
	     (!json_is_integer(json_object_get(line, "count")) ||
	      json_integer_value(json_object_get(line, "count")) < 1)))
		return -EINVAL;
	ev->pid = (pid_t)json_integer_value(json_object_get(line, "pid"));
	ev->tid = json_object_get(line, "tid")
	              ? (pid_t)json_integer_value(json_object_get(line, "tid"))
	              : ev->pid;
	ev->nr = (long)json_integer_value(json_object_get(line, "nr"));
	ev->ts = json_number_value(json_object_get(line, "ts"));
	ev->abi = sp_abi_from_name(json_string_value(json_object_get(line, "abi")));
	ev->name = json_string_value(json_object_get(line, "syscall"));
	ev->site = json_string_value(json_object_get(line, "site"));
	/* An entry only the kernel saw (a thread let go) has no arguments: zeros. */
	if (!args)
		return 0;
	*what = "\"args\" must be six hex strings";
	if (json_array_size(args) != SP_MAX_ARGS)
		return -EINVAL;
	for (size_t i = 0; i < SP_MAX_ARGS; i++) {
		const char *hex = json_string_value(json_array_get(args, i));
		char *end;

		if (!hex || !*hex)
			return -EINVAL;
		errno = 0;
		ev->args[i] = strtoull(hex, &end, 16);
		if (errno || *end || end == hex || hex[0] == '-')
			return -EINVAL;
	}
	return 0;
}

/* The bits of an array of right names (parse: one name's bit, 0 unknown); false when bad. */
static bool rights_of(const json_t *arr, uint64_t (*parse)(const char *), uint64_t *out)
{
	size_t i;
	const json_t *v;

	*out = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return false;
	json_array_foreach(arr, i, v) {
		uint64_t bit = json_is_string(v) ? parse(json_string_value(v)) : 0;

		if (!bit)
			return false;
		*out |= bit;
	}
	return true;
}

/*
 * One Landlock line ("type": "landlock") as a would-be denial.  Strings
 * point into line.  *what says what is wrong when it returns -EINVAL.
 */
static int landlock_entry(json_t *line, struct sp_complain_landlock *c, const char **what)
{
	const json_t *pid = json_object_get(line, "pid"), *tid = json_object_get(line, "tid");
	const json_t *port = json_object_get(line, "port"), *count = json_object_get(line, "count");
	const json_t *ts = json_object_get(line, "ts");

	memset(c, 0, sizeof(*c));
	c->port = -1;
	*what = "\"phase\" must be a string, \"pid\" (and \"tid\") integers above 0, "
		"\"count\" an integer above 0 when given";
	c->phase = json_string_value(json_object_get(line, "phase"));
	if (!c->phase || !json_is_integer(pid) || json_integer_value(pid) < 1 ||
	    json_integer_value(pid) > INT_MAX ||
	    (tid && (!json_is_integer(tid) || json_integer_value(tid) < 1 ||
	             json_integer_value(tid) > INT_MAX)) ||
	    (count && (!json_is_integer(count) || json_integer_value(count) < 1)))
		return -EINVAL;
	c->pid = (pid_t)json_integer_value(pid);
	c->tid = tid ? (pid_t)json_integer_value(tid) : c->pid;
	c->count = count ? (uint64_t)json_integer_value(count) : 1;
	c->first = json_is_number(ts) ? json_number_value(ts) : -1;
	c->syscall = json_string_value(json_object_get(line, "syscall"));
	c->path = json_string_value(json_object_get(line, "path"));
	if (c->path) {
		*what = "\"path\" must be absolute, with \"access\" file system rights "
			"(\"read_file\"...)";
		c->dir = json_is_true(json_object_get(line, "beneath"));
		return c->path[0] == '/' &&
		               rights_of(json_object_get(line, "access"), sp_ll_fs_parse, &c->fs)
		           ? 0
		           : -EINVAL;
	}
	if (port) {
		*what = "\"port\" must be 0..65535, with \"access\" net rights (\"bind_tcp\"...)";
		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535)
			return -EINVAL;
		c->port = (long)json_integer_value(port);
		return rights_of(json_object_get(line, "access"), sp_ll_net_parse, &c->net)
		           ? 0
		           : -EINVAL;
	}
	*what = "a Landlock line names a \"path\", a \"port\" or a \"scope\"";
	return rights_of(json_object_get(line, "scope"), sp_ll_scope_parse, &c->scope) ? 0
	                                                                               : -EINVAL;
}

static bool is_type(json_t *line, const char *type)
{
	const char *t = json_string_value(json_object_get(line, "type"));

	return t && strcmp(t, type) == 0;
}

/* A run's header line: {"type": "run", ...}. */
static bool is_header(json_t *line)
{
	const char *type = json_string_value(json_object_get(line, "type"));

	return type && strcmp(type, "run") == 0;
}

struct sp_complain_reader *sp_complain_reader_new(FILE *in, const char *name)
{
	struct sp_complain_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->in = in;
	r->name = strdup(name ? name : "complain log");
	if (!r->name) {
		free(r);
		return NULL;
	}
	return r;
}

int sp_complain_reader_open(const char *path, struct sp_complain_reader **out, struct sp_diag *diag)
{
	FILE *f = fopen(path, "re");

	*out = NULL;
	if (!f)
		return sp_diag_set(diag, errno, "cannot read '%s': %s", path, strerror(errno));
	*out = sp_complain_reader_new(f, path);
	if (!*out) {
		fclose(f);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	(*out)->owned = true;
	return 0;
}

/*
 * The next line of the kind asked for (a violation into ev, or a Landlock
 * line into ll), the other kind checked and skipped: 1, 0 at the end.
 */
static int next_line(struct sp_complain_reader *r, struct sp_event *ev,
                     struct sp_complain_landlock *ll, struct sp_diag *diag)
{
	struct sp_complain_landlock skip_ll;
	struct sp_event skip_ev;
	ssize_t len;

	json_decref(r->line);
	r->line = NULL;
	while ((len = getline(&r->text, &r->cap, r->in)) > 0) {
		json_error_t jerr;
		const char *what = "";

		r->lineno++;
		if (len == 1 && r->text[0] == '\n')
			continue;
		json_decref(r->line); /* a line of the other kind, skipped */
		r->line = json_loadb(r->text, (size_t)len, 0, &jerr);
		if (!r->line)
			return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, jerr.column, "%s",
			                  jerr.text);
		if (json_is_object(r->line) && is_header(r->line)) {
			if (!json_is_string(json_object_get(r->line, "policy")) ||
			    !json_is_array(json_object_get(r->line, "program")))
				return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, 1,
				                  "a run header needs \"policy\" (a digest) and "
				                  "\"program\" (its argv)");
			json_decref(r->header);
			r->header = r->line;
			r->line = NULL;
			continue;
		}
		if (json_is_object(r->line) && is_type(r->line, "landlock")) {
			if (landlock_entry(r->line, ll ? ll : &skip_ll, &what) < 0)
				return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, 1,
				                  "not a Landlock line: %s", what);
			if (!ll)
				continue;
			r->count = ll->count;
			return 1;
		}
		if (!json_is_object(r->line) ||
		    violation_event(r->line, ev ? ev : &skip_ev, &what) < 0) {
			if (!json_is_object(r->line))
				what = "a line must be a JSON object";
			return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, 1,
			                  "not a violation line: %s", what);
		}
		if (!ev)
			continue;
		r->count = json_object_get(r->line, "count")
		               ? (uint64_t)json_integer_value(json_object_get(r->line, "count"))
		               : 1;
		return 1;
	}
	if (ferror(r->in))
		return sp_diag_set(diag, EIO, "cannot read '%s': %s", r->name, strerror(EIO));
	return 0;
}

int sp_complain_reader_next(struct sp_complain_reader *r, struct sp_event *ev, struct sp_diag *diag)
{
	return next_line(r, ev, NULL, diag);
}

int sp_complain_reader_next_landlock(struct sp_complain_reader *r, struct sp_complain_landlock *out,
                                     struct sp_diag *diag)
{
	return next_line(r, NULL, out, diag);
}

bool sp_complain_reader_landlock_simulated(const struct sp_complain_reader *r)
{
	const char *ll = json_string_value(json_object_get(r->header, "landlock"));

	return ll && strcmp(ll, "simulated") == 0;
}

bool sp_complain_reader_kernel_only(const struct sp_complain_reader *r)
{
	const char *seen = json_string_value(json_object_get(r->line, "seen"));

	return seen && strcmp(seen, "kernel") == 0;
}

long sp_complain_reader_line(const struct sp_complain_reader *r)
{
	return r->lineno;
}

const char *sp_complain_reader_policy(const struct sp_complain_reader *r)
{
	return json_string_value(json_object_get(r->header, "policy"));
}

const char *sp_complain_reader_program(const struct sp_complain_reader *r)
{
	return json_string_value(json_array_get(json_object_get(r->header, "program"), 0));
}

uint64_t sp_complain_reader_count(const struct sp_complain_reader *r)
{
	return r->count;
}

bool sp_complain_reader_has_args(const struct sp_complain_reader *r)
{
	return json_is_array(json_object_get(r->line, "args"));
}

void sp_complain_reader_free(struct sp_complain_reader *r)
{
	if (!r)
		return;
	json_decref(r->line);
	json_decref(r->header);
	if (r->owned)
		fclose(r->in);
	free(r->text);
	free(r->name);
	free(r);
}
