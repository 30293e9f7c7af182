/* SPDX-License-Identifier: MIT */
/*
 * The complain log of `sysphase run --complain` (docs/run.md), written by
 * run and read back by `export --merge`: one JSON object per line, each a
 * call the enforced filter would have denied.  Writer and reader live
 * here together so that the format has one definition.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/policy.h"

int sp_complain_write(FILE *out, const struct sp_event *ev, const char *phase, struct sp_diag *diag)
{
	json_t *line = json_object(), *args = json_array();
	char hex[32];
	int rc = 0;

	if (!line || !args) {
		json_decref(line);
		json_decref(args);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	for (int i = 0; i < SP_MAX_ARGS; i++) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ev->args[i]);
		json_array_append_new(args, json_string(hex));
	}
	json_object_set_new(line, "type", json_string("violation"));
	json_object_set_new(line, "ts", json_real(ev->ts));
	json_object_set_new(line, "pid", json_integer(ev->pid));
	json_object_set_new(line, "tid", json_integer(ev->tid));
	json_object_set_new(line, "phase", json_string(phase));
	json_object_set_new(line, "syscall", ev->name ? json_string(ev->name) : json_null());
	json_object_set_new(line, "abi", json_string(sp_abi_name(ev->abi)));
	json_object_set_new(line, "nr", json_integer(ev->nr));
	json_object_set_new(line, "args", args);
	if (ev->dec)
		json_object_set(line, "dec", ev->dec);
	json_object_set_new(line, "site", ev->site ? json_string(ev->site) : json_null());
	/*
	 * Flushed line by line: a run that is killed keeps every line before
	 * it, and a full disk or a closed pipe shows up at this very line
	 * instead of in a silent fclose() at the end.
	 */
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

struct sp_complain_reader {
	FILE *in;
	bool owned;
	char *name;
	char *text;
	size_t cap;
	long lineno;
	json_t *line; /* the current line, which the last event's strings point into */
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
	*what = "\"pid\", \"tid\" and \"nr\" must be integers";
	if (!json_is_integer(json_object_get(line, "pid")) ||
	    !json_is_integer(json_object_get(line, "tid")) ||
	    !json_is_integer(json_object_get(line, "nr")))
		return -EINVAL;
	ev->pid = (pid_t)json_integer_value(json_object_get(line, "pid"));
	ev->tid = (pid_t)json_integer_value(json_object_get(line, "tid"));
	ev->nr = (long)json_integer_value(json_object_get(line, "nr"));
	ev->ts = json_number_value(json_object_get(line, "ts"));
	ev->abi = sp_abi_from_name(json_string_value(json_object_get(line, "abi")));
	ev->name = json_string_value(json_object_get(line, "syscall"));
	ev->site = json_string_value(json_object_get(line, "site"));
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
		if (!json_is_object(r->line) || violation_event(r->line, ev, &what) < 0) {
			if (!json_is_object(r->line))
				what = "a line must be a JSON object";
			return sp_diag_at(diag, EINVAL, r->name, (int)r->lineno, 1,
					  "not a violation line: %s", what);
		}
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

void sp_complain_reader_free(struct sp_complain_reader *r)
{
	if (!r)
		return;
	json_decref(r->line);
	if (r->owned)
		fclose(r->in);
	free(r->text);
	free(r->name);
	free(r);
}
