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

int sp_complain_write_header(FILE *out, const json_t *program, const char *policy_digest,
                             long long when, struct sp_diag *diag)
{
	time_t t = (time_t)when;
	char stamp[32];
	struct tm tm;
	json_t *line;

	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", when);
	line = json_pack("{s:s, s:O, s:s, s:s}", "type", "run", "program", program, "policy",
	                 policy_digest, "time", stamp);
	if (!line)
		return sp_diag_set(diag, ENOMEM, "out of memory");
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

int sp_complain_reader_next(struct sp_complain_reader *r, struct sp_event *ev, struct sp_diag *diag)
{
	ssize_t len;

	json_decref(r->line);
	r->line = NULL;
	while ((len = getline(&r->text, &r->cap, r->in)) > 0) {
		json_error_t jerr;
		const char *what;

		r->lineno++;
		if (len == 1 && r->text[0] == '\n')
			continue;
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
		if (!json_is_object(r->line) || violation_event(r->line, ev, &what) < 0) {
			if (!json_is_object(r->line))
				what = "a line must be a JSON object";
			return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, 1,
			                  "not a violation line: %s", what);
		}
		r->count = json_object_get(r->line, "count")
		               ? (uint64_t)json_integer_value(json_object_get(r->line, "count"))
		               : 1;
		return 1;
	}
	if (ferror(r->in))
		return sp_diag_set(diag, EIO, "cannot read '%s': %s", r->name, strerror(EIO));
	return 0;
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
