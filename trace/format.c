/* SPDX-License-Identifier: MIT */
/*
 * An event as one strace-like line (`PID [PHASE] name(args) = ret`, or
 * the process event), for `sysphase show`.  Arguments are written from the
 * decoder's own table (sp_syscall_spec): the decoded value where the trace
 * has one, else the register as the kernel reads it.  The line is built in
 * memory: the caller prints it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/trace.h"

struct fmt {
	FILE *f;
	const struct sp_format_style *style;
	size_t strsize;
};

#define STYLE(s, part) ((s)->style ? (s)->style->part : NULL)

static void color_on(const struct fmt *s, const char *code)
{
	if (code)
		fputs(code, s->f);
}

static void color_off(const struct fmt *s)
{
	if (s->style && s->style->off)
		fputs(s->style->off, s->f);
}

/* A string as strace quotes it: escapes for what is not printable, "..." past strsize. */
static void print_string(const struct fmt *s, const char *str)
{
	size_t n = 0;

	fputc('"', s->f);
	for (const unsigned char *p = (const unsigned char *)str; *p; p++, n++) {
		if (n == s->strsize) {
			fputs("\"...", s->f);
			return;
		}
		if (*p == '"' || *p == '\\')
			fprintf(s->f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", s->f);
		else if (*p == '\t')
			fputs("\\t", s->f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(s->f, "\\x%02x", *p);
		else
			fputc(*p, s->f);
	}
	fputc('"', s->f);
}

/* An fd as the decoder describes it: 3</etc/passwd>, 4<socket:[1234]>, or the number. */
static void print_fd(const struct fmt *s, const json_t *v)
{
	const json_t *fd = json_object_get(v, "fd");
	const char *path = json_string_value(json_object_get(v, "path"));
	const char *kind = json_string_value(json_object_get(v, "kind"));

	if (json_is_integer(fd))
		fprintf(s->f, "%" JSON_INTEGER_FORMAT, json_integer_value(fd));
	if (path)
		fprintf(s->f, "<%s>", path);
	else if (kind && strcmp(kind, "file") != 0)
		fprintf(s->f, "<%s>", kind);
	(void)s;
}

static void print_value(const struct fmt *s, const json_t *v, int kind);

static void print_object(const struct fmt *s, const json_t *v)
{
	const char *key;
	json_t *m;
	bool first = true;

	if (json_object_get(v, "fd") && json_object_size(v) <= 3) {
		print_fd(s, v);
		return;
	}
	fputc('{', s->f);
	json_object_foreach((json_t *)v, key, m) {
		fprintf(s->f, "%s%s=", first ? "" : ", ", key);
		print_value(s, m, -1);
		first = false;
	}
	fputc('}', s->f);
}

/* One decoded value; kind is the spec's (a string is quoted only for a path or string). */
static void print_value(const struct fmt *s, const json_t *v, int kind)
{
	size_t i;
	json_t *m;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (kind == SP_ARG_PATH || kind == SP_ARG_STRING || kind == SP_ARG_ARGV || kind < 0)
			print_string(s, json_string_value(v));
		else
			fputs(json_string_value(v), s->f);
		break;
	case JSON_INTEGER:
		fprintf(s->f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(s->f, "%g", json_real_value(v));
		break;
	case JSON_ARRAY:
		fputc('[', s->f);
		json_array_foreach(v, i, m) {
			if (i)
				fputs(", ", s->f);
			print_value(s, m, kind == SP_ARG_ARGV ? SP_ARG_STRING : kind);
		}
		fputc(']', s->f);
		break;
	case JSON_OBJECT:
		print_object(s, v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		fputs(json_is_true(v) ? "true" : "false", s->f);
		break;
	default:
		fputs("NULL", s->f);
		break;
	}
}

/* The register as the kernel reads it: a number in decimal, anything else in hex. */
static void print_raw(const struct fmt *s, uint64_t reg, int kind)
{
	uint64_t v = sp_arg_value((enum sp_arg_kind)kind, reg);

	if (kind == SP_ARG_INT || kind == SP_ARG_FD || kind == SP_ARG_DIRFD)
		fprintf(s->f, "%" PRId64, (int64_t)v);
	else if (kind == SP_ARG_UINT || kind == SP_ARG_LONG)
		fprintf(s->f, "%" PRIu64, v);
	else
		fprintf(s->f, "%#" PRIx64, v);
}

static void print_args(const struct fmt *s, const struct sp_event *ev)
{
	const struct sp_syscall_spec *spec =
	    ev->abi == SP_ABI_X86_64 && ev->name ? sp_syscall_spec(ev->name) : NULL;
	int n = SP_MAX_ARGS;

	if (spec) {
		for (int i = 0; i < SP_MAX_ARGS && spec->args[i].name; i++) {
			const json_t *v = json_object_get(ev->dec, spec->args[i].name);

			if (i)
				fputs(", ", s->f);
			if (v)
				print_value(s, v, spec->args[i].kind);
			else
				print_raw(s, ev->args[i], spec->args[i].kind);
		}
		return;
	}
	/* No table entry: the registers that are not trailing zeros. */
	while (n > 0 && ev->args[n - 1] == 0)
		n--;
	for (int i = 0; i < n; i++)
		fprintf(s->f, "%s%#" PRIx64, i ? ", " : "", ev->args[i]);
}

static void print_ret(const struct fmt *s, const struct sp_event *ev)
{
	const json_t *ret_fd = json_object_get(ev->dec, "ret_fd");

	fputs(" = ", s->f);
	if (ev->killed) {
		color_on(s, STYLE(s, err));
		fputs("? <killed in this call>", s->f);
		color_off(s);
		return;
	}
	if (!ev->has_exit) {
		fputc('?', s->f);
		return;
	}
	if (ev->err) {
		const char *name = sp_errno_name(ev->err);

		color_on(s, STYLE(s, err));
		if (name)
			fprintf(s->f, "-1 %s (%s)", name, strerror(ev->err));
		else
			fprintf(s->f, "-1 E%d (%s)", ev->err, strerror(ev->err));
		color_off(s);
		return;
	}
	if (ret_fd && json_is_object(ret_fd)) {
		print_fd(s, ret_fd);
		return;
	}
	/* Addresses (mmap, brk) read better in hex, as strace prints them. */
	if (ev->ret > 0xffffffffLL)
		fprintf(s->f, "%#" PRIx64, (uint64_t)ev->ret);
	else
		fprintf(s->f, "%" PRId64, ev->ret);
}

static void print_prefix(const struct fmt *s, const struct sp_event *ev)
{
	color_on(s, STYLE(s, pid));
	if (ev->tid && ev->tid != ev->pid)
		fprintf(s->f, "%d/%d", (int)ev->pid, (int)ev->tid);
	else
		fprintf(s->f, "%d", (int)ev->pid);
	color_off(s);
	fputc(' ', s->f);
	if (ev->phase) {
		color_on(s, STYLE(s, phase));
		fprintf(s->f, "[%s]", ev->phase);
		color_off(s);
		fputc(' ', s->f);
	}
}

static const char *signame(int signo, char *buf, size_t n)
{
	const char *name = sp_signal_name(signo, buf, n);

	if (!name)
		snprintf(buf, n, "signal %d", signo);
	return name ? name : buf;
}

static void print_event(const struct fmt *s, const struct sp_event *ev)
{
	char sig[32];

	print_prefix(s, ev);
	switch (ev->type) {
	case SP_EV_SYSCALL:
		color_on(s, STYLE(s, name));
		if (ev->name)
			fputs(ev->name, s->f);
		else
			fprintf(s->f, "syscall_%ld", ev->nr);
		color_off(s);
		fputc('(', s->f);
		print_args(s, ev);
		fputc(')', s->f);
		print_ret(s, ev);
		if (ev->abi != SP_ABI_X86_64)
			fprintf(s->f, " [%s]", sp_abi_name(ev->abi));
		break;
	case SP_EV_FORK:
	case SP_EV_CLONE:
		color_on(s, STYLE(s, event));
		fprintf(s->f, "--- %s: new %s %d ---", ev->via ? ev->via : "fork",
		        ev->type == SP_EV_FORK ? "process" : "thread", (int)ev->child);
		color_off(s);
		break;
	case SP_EV_EXEC:
		color_on(s, STYLE(s, event));
		fprintf(s->f, "--- exec %s ---", ev->path ? ev->path : "?");
		color_off(s);
		break;
	case SP_EV_SIGNAL:
		color_on(s, STYLE(s, event));
		fprintf(s->f, "--- %s ---", signame(ev->signo, sig, sizeof(sig)));
		color_off(s);
		break;
	case SP_EV_EXIT:
		color_on(s, ev->killed ? STYLE(s, err) : STYLE(s, event));
		if (ev->killed)
			fprintf(s->f, "+++ killed by %s +++", signame(ev->signo, sig, sizeof(sig)));
		else
			fprintf(s->f, "+++ %s with %d +++",
			        ev->whole_process ? "exited" : "thread exited", ev->status);
		color_off(s);
		break;
	}
}

int sp_event_format(const struct sp_event *ev, const struct sp_format_style *style, size_t strsize,
                    char **out)
{
	struct fmt s = {.style = style, .strsize = strsize};
	size_t len = 0;

	*out = NULL;
	s.f = open_memstream(out, &len);
	if (!s.f)
		return -ENOMEM;
	print_event(&s, ev);
	if (fclose(s.f) != 0 || !*out) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
