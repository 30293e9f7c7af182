/* SPDX-License-Identifier: MIT */
/*
 * The trace file: JSON Lines (docs/trace-format.md).
 *
 * The writer runs once per traced syscall, so it formats the fixed fields
 * itself into one reusable line buffer and hands the stream one fwrite per
 * event; only the free-form parts (decoded arguments, stack) go through
 * jansson.  Strings are escaped here rather than by jansson because paths
 * and argv are arbitrary bytes: jansson refuses invalid UTF-8, while the
 * trace must record whatever the tracee used.  Each byte that is not part
 * of a valid UTF-8 sequence is written as \u00XX (XX its value), which
 * keeps every line valid JSON; readers get U+00XX back (documented as
 * lossy).  Valid text is escaped exactly as jansson's compact dump does,
 * so both paths give the same bytes for the same string.
 *
 * The reader is reader.c; the pipeline over it, segment.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fwrite_unlocked */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_int.h"

/* ---------------------------------------------------------------- names */

/* The name of errno err (core's generated table), or "E<err>" in buf for values without one. */
static const char *_trace_errno_name(int err, char *buf, size_t n)
{
	const char *name = sp_errno_name(err);

	if (name)
		return name;
	snprintf(buf, n, "E%d", err);
	return buf;
}

int sp_trace_errno_value(const char *name)
{
	int e = sp_errno_parse(name);
	char *end;
	long v;

	if (e > 0)
		return e;
	if (name[0] != 'E' || name[1] < '0' || name[1] > '9')
		return -1;
	errno = 0;
	v = strtol(name + 1, &end, 10);
	if (errno || *end || v <= 0 || v > 4095)
		return -1;
	return (int)v;
}

/* The one spelling of signal names (core's), or "SIG<n>" for numbers without one. */
static const char *_trace_signal_name(int signo, char *buf, size_t n)
{
	const char *name = sp_signal_name(signo, buf, n);

	if (name)
		return name;
	snprintf(buf, n, "SIG%d", signo);
	return buf;
}

/* ----------------------------------------------------------- line buffer */

struct sbuf {
	char *p;
	size_t len, cap;
};

static int _sbuf_grow(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	cap = b->cap ? b->cap : 512;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Inlined: several dozen appends per event, almost never growing. */
static inline __attribute__((always_inline)) int _sbuf_reserve(struct sbuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return 0;
	return _sbuf_grow(b, more);
}

static inline __attribute__((always_inline)) int _sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (_sbuf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

#define SBUF_LIT(b, lit) _sbuf_add((b), (lit), sizeof(lit) - 1)

static int _sbuf_int(struct sbuf *b, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	/* Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t. */
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	return _sbuf_add(b, tmp + i, sizeof(tmp) - i);
}

static int _sbuf_hex(struct sbuf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	return _sbuf_add(b, tmp + i, sizeof(tmp) - i);
}

/*
 * Seconds with six decimals, rounded to the microsecond.  Done by hand
 * because printf("%.6f") is the single most expensive call of a line.
 */
static int _sbuf_seconds(struct sbuf *b, double s)
{
	char tmp[48];
	long long us, whole;
	int frac, n;

	if (!isfinite(s))
		return -EINVAL;
	/* Beyond 2^53 microseconds a double no longer holds every microsecond. */
	if (fabs(s) >= 9.0e9) {
		n = snprintf(tmp, sizeof(tmp), "%.6f", s);
		return _sbuf_add(b, tmp, (size_t)n);
	}
	us = llround(s * 1e6);
	if (us < 0 && _sbuf_add(b, "-", 1) < 0)
		return -ENOMEM;
	us = llabs(us);
	whole = us / 1000000;
	frac = (int)(us % 1000000);
	if (_sbuf_int(b, whole) < 0 || _sbuf_reserve(b, 7) < 0)
		return -ENOMEM;
	b->p[b->len++] = '.';
	for (int i = 5; i >= 0; i--) {
		b->p[b->len + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	b->len += 6;
	return 0;
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 when the
 * byte there starts none.  The same rules as jansson's decoder (RFC 3629):
 * no overlong forms, no surrogates, nothing above U+10FFFF, so whatever
 * passes here the reader's json_loads accepts.
 */
size_t sp_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* A JSON string literal of the n bytes at s, escaped as described at the top. */
static int _sbuf_str(struct sbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	/* Worst case: every byte becomes a six-byte \u00XX. */
	if (_sbuf_reserve(b, n * 6 + 2) < 0)
		return -ENOMEM;
	b->p[b->len++] = '"';
	while (i < n) {
		unsigned char c = s[i];
		char *o = b->p + b->len;
		size_t seq;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			*o = (char)c;
			b->len++;
			i++;
			continue;
		}
		if (c >= 0x80 && (seq = sp_utf8_seq(s + i, n - i)) > 0) {
			memcpy(o, s + i, seq);
			b->len += seq;
			i += seq;
			continue;
		}
		o[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			o[1] = (char)c;
			b->len += 2;
			break;
		case '\b':
			o[1] = 'b';
			b->len += 2;
			break;
		case '\f':
			o[1] = 'f';
			b->len += 2;
			break;
		case '\n':
			o[1] = 'n';
			b->len += 2;
			break;
		case '\r':
			o[1] = 'r';
			b->len += 2;
			break;
		case '\t':
			o[1] = 't';
			b->len += 2;
			break;
		default: /* other control characters, and bytes of invalid UTF-8 */
			memcpy(o + 1, "u00", 3);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			b->len += 6;
			break;
		}
		i++;
	}
	b->p[b->len++] = '"';
	return 0;
}

static int _sbuf_cstr(struct sbuf *b, const char *s)
{
	if (!s)
		return SBUF_LIT(b, "null");
	return _sbuf_str(b, s, strlen(s));
}

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/*
 * Any JSON value in compact form, keys in insertion order: byte for byte
 * what json_dumpb(JSON_COMPACT) gives for valid text (the unit test
 * compares them), but written here for two reasons.  json_dumpb fails on
 * strings made with json_stringn_nocheck() that hold invalid UTF-8 (a
 * decoder passing tracee bytes through), which this escapes like every
 * other string; and it is measured at less than half of json_dumpb's cost
 * on a typical decoded openat.  Reals still go through jansson so that
 * they print exactly as jansson prints them.
 */
static int _sbuf_json_walk(struct sbuf *b, const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i, n;
	int rc = 0;

	switch (json_typeof(j)) {
	case JSON_STRING:
		return _sbuf_str(b, json_string_value(j), json_string_length(j));
	case JSON_OBJECT:
		n = 0;
		rc = SBUF_LIT(b, "{");
		json_object_foreach((json_t *)j, key, v) {
			if (rc == 0 && n++)
				rc = SBUF_LIT(b, ",");
			if (rc == 0)
				rc = _sbuf_str(b, key, strlen(key));
			if (rc == 0)
				rc = SBUF_LIT(b, ":");
			if (rc == 0)
				rc = _sbuf_json_walk(b, v);
		}
		return rc ? rc : SBUF_LIT(b, "}");
	case JSON_ARRAY:
		rc = SBUF_LIT(b, "[");
		json_array_foreach(j, i, v) {
			if (rc == 0 && i)
				rc = SBUF_LIT(b, ",");
			if (rc == 0)
				rc = _sbuf_json_walk(b, v);
		}
		return rc ? rc : SBUF_LIT(b, "]");
	case JSON_INTEGER:
		return _sbuf_int(b, json_integer_value(j));
	case JSON_TRUE:
		return SBUF_LIT(b, "true");
	case JSON_FALSE:
		return SBUF_LIT(b, "false");
	case JSON_NULL:
		return SBUF_LIT(b, "null");
	default:
		if (_sbuf_reserve(b, 64) < 0)
			return -ENOMEM;
		n = json_dumpb(j, b->p + b->len, 64, DUMP_FLAGS | JSON_ENCODE_ANY);
		/* Only a NaN or infinite real fails (or overflows 64 bytes): JSON has no word for
		 * it. */
		if (n == 0 || n > 64)
			return SBUF_LIT(b, "null");
		b->len += n;
		return 0;
	}
}

/* ---------------------------------------------------------------- writer */

struct sp_trace_writer {
	FILE *f;
	struct sp_output *output; /* sp_trace_writer_create's, committed by sp_trace_writer_free */
	struct sbuf line;
	/*
	 * The last stack written and its text.  The tracer hands out one
	 * array per call path (tracer/stack.h: shared, never modified), so a
	 * loop's syscalls carry the very same array: held here by a
	 * reference, its address cannot be reused for another one.
	 */
	json_t *stack_key;
	struct sbuf stack_text;
};

/* Hands the line to the stream and empties the buffer; 0 or -errno. */
static int _trace_emit(struct sp_trace_writer *w)
{
	size_t len = w->line.len;

	w->line.len = 0;
	errno = 0;
	if (fwrite_unlocked(w->line.p, 1, len, w->f) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* ,"key": */
static int _trace_key(struct sbuf *b, const char *key, size_t keylen)
{
	if (_sbuf_reserve(b, keylen + 4) < 0)
		return -ENOMEM;
	b->p[b->len++] = ',';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, keylen);
	b->len += keylen;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
	return 0;
}

#define KEY(b, lit) _trace_key((b), (lit), sizeof(lit) - 1)

static int _trace_header(struct sbuf *b, const struct sp_trace_header *h)
{
	json_t *empty = NULL;
	int rc = 0;

	rc |= SBUF_LIT(b, "{\"format\":\"" SP_TRACE_FORMAT "\"");
	rc |= KEY(b, "version");
	rc |= _sbuf_int(b, SP_TRACE_VERSION);
	rc |= KEY(b, "command");
	if (h->command) {
		rc |= _sbuf_json_walk(b, h->command);
	} else {
		empty = json_array();
		rc |= empty ? _sbuf_json_walk(b, empty) : -ENOMEM;
		json_decref(empty);
	}
	rc |= KEY(b, "kernel");
	rc |= _sbuf_cstr(b, h->kernel ? h->kernel : "unknown");
	rc |= KEY(b, "arch");
	rc |= _sbuf_cstr(b, h->arch ? h->arch : "unknown");
	rc |= KEY(b, "start_time");
	if (_sbuf_seconds(b, h->start_time) < 0)
		return -EINVAL;
	rc |= KEY(b, "rules");
	rc |= _sbuf_cstr(b, h->rules);
	rc |= KEY(b, "entry_only");
	rc |= h->entry_only ? SBUF_LIT(b, "true") : SBUF_LIT(b, "false");
	rc |= KEY(b, "attached");
	rc |= h->attached ? SBUF_LIT(b, "true") : SBUF_LIT(b, "false");
	rc |= SBUF_LIT(b, "}\n");
	/* The only failure left is ENOMEM: the helpers return 0 or -ENOMEM. */
	return rc ? -ENOMEM : 0;
}

int sp_trace_writer_new(FILE *f, const struct sp_trace_header *hdr, struct sp_trace_writer **out)
{
	struct sp_trace_writer *w;
	int rc;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->f = f;
	rc = _trace_header(&w->line, hdr);
	if (rc == 0)
		rc = _trace_emit(w);
	/* Flushed now: an output that cannot take a line (/dev/full) fails before anything runs. */
	errno = 0;
	if (rc == 0 && fflush(f) != 0)
		rc = errno ? -errno : -EIO;
	if (rc < 0) {
		free(w->line.p);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

static int _trace_syscall(struct sbuf *b, const struct sp_event *ev)
{
	char ebuf[16];
	int rc = 0;

	rc |= KEY(b, "abi");
	rc |= _sbuf_cstr(b, sp_abi_name(ev->abi));
	rc |= KEY(b, "nr");
	rc |= _sbuf_int(b, ev->nr);
	rc |= KEY(b, "name");
	rc |= _sbuf_cstr(b, ev->name);
	rc |= KEY(b, "args");
	rc |= SBUF_LIT(b, "[");
	for (int i = 0; i < SP_MAX_ARGS; i++) {
		if (i)
			rc |= SBUF_LIT(b, ",");
		rc |= SBUF_LIT(b, "\"");
		rc |= _sbuf_hex(b, ev->args[i]);
		rc |= SBUF_LIT(b, "\"");
	}
	rc |= SBUF_LIT(b, "]");
	if (ev->dec) {
		rc |= KEY(b, "dec");
		rc |= _sbuf_json_walk(b, ev->dec);
	}
	if (ev->has_exit) {
		int err = ev->err;

		rc |= KEY(b, "ret");
		rc |= _sbuf_int(b, ev->ret);
		/* A producer that left err at 0 still gets its error named. */
		if (!err && ev->ret < 0 && ev->ret >= -4095)
			err = (int)-ev->ret;
		if (err) {
			rc |= KEY(b, "errno");
			rc |= _sbuf_cstr(b, _trace_errno_name(err, ebuf, sizeof(ebuf)));
		}
	}
	if (ev->killed) {
		rc |= KEY(b, "killed");
		rc |= SBUF_LIT(b, "true");
	}
	if (ev->site) {
		rc |= KEY(b, "site");
		rc |= _sbuf_cstr(b, ev->site);
	}
	/* The stack is the writer's (sp_trace_write): it keeps the last one's text. */
	return rc ? -ENOMEM : 0;
}

static int _trace_signame(struct sbuf *b, int signo)
{
	char sbuf[24];
	int rc = 0;

	rc |= KEY(b, "signo");
	rc |= _sbuf_int(b, signo);
	rc |= KEY(b, "sig");
	rc |= _sbuf_cstr(b, _trace_signal_name(signo, sbuf, sizeof(sbuf)));
	return rc;
}

/* The fields of each type after the common ones; 0 or -ENOMEM. */
static int _trace_fields(struct sbuf *b, const struct sp_event *ev)
{
	int rc = 0;

	switch (ev->type) {
	case SP_EV_SYSCALL:
		return _trace_syscall(b, ev);
	case SP_EV_FORK:
	case SP_EV_CLONE:
		rc |= KEY(b, "child");
		rc |= _sbuf_int(b, ev->child);
		if (ev->via) {
			rc |= KEY(b, "via");
			rc |= _sbuf_cstr(b, ev->via);
		}
		break;
	case SP_EV_EXEC:
		rc |= KEY(b, "path");
		rc |= _sbuf_cstr(b, ev->path);
		if (ev->former_tid && ev->former_tid != ev->pid) {
			rc |= KEY(b, "former_tid");
			rc |= _sbuf_int(b, ev->former_tid);
		}
		break;
	case SP_EV_SIGNAL:
		rc |= _trace_signame(b, ev->signo);
		break;
	case SP_EV_EXIT:
		rc |= KEY(b, "whole_process");
		rc |= ev->whole_process ? SBUF_LIT(b, "true") : SBUF_LIT(b, "false");
		rc |= KEY(b, "killed");
		if (ev->killed) {
			rc |= SBUF_LIT(b, "true");
			rc |= _trace_signame(b, ev->signo);
		} else {
			rc |= SBUF_LIT(b, "false");
			rc |= KEY(b, "status");
			rc |= _sbuf_int(b, ev->status);
		}
		break;
	}
	return rc ? -ENOMEM : 0;
}

/* "stack":[...] of ev, from the last stack's text when it is the same array. */
static int _trace_stack(struct sp_trace_writer *w, json_t *stack)
{
	int rc;

	if (stack != w->stack_key) {
		json_decref(w->stack_key);
		w->stack_key = NULL;
		w->stack_text.len = 0;
		if (_sbuf_json_walk(&w->stack_text, stack))
			return -1;
		w->stack_key = json_incref(stack);
	}
	rc = KEY(&w->line, "stack");
	rc |= _sbuf_add(&w->line, w->stack_text.p, w->stack_text.len);
	return rc;
}

int sp_trace_write(struct sp_trace_writer *w, const struct sp_event *ev)
{
	struct sbuf *b = &w->line;
	const char *type;
	int rc;

	if ((unsigned)ev->type > SP_EV_EXIT)
		return -EINVAL;
	type = sp_event_type_name(ev->type);
	b->len = 0;
	rc = SBUF_LIT(b, "{\"type\":\"");
	rc |= _sbuf_add(b, type, strlen(type));
	rc |= SBUF_LIT(b, "\",\"ts\":");
	if (rc)
		return -ENOMEM;
	rc = _sbuf_seconds(b, ev->ts);
	if (rc < 0)
		return rc;
	rc |= KEY(b, "tid");
	rc |= _sbuf_int(b, ev->tid);
	rc |= KEY(b, "pid");
	rc |= _sbuf_int(b, ev->pid);
	rc |= _trace_fields(b, ev);
	if (ev->type == SP_EV_SYSCALL && ev->stack)
		rc |= _trace_stack(w, ev->stack);
	if (ev->phase) {
		rc |= KEY(b, "phase");
		rc |= _sbuf_cstr(b, ev->phase);
	}
	rc |= SBUF_LIT(b, "}\n");
	if (rc) {
		b->len = 0;
		return -ENOMEM;
	}
	return _trace_emit(w);
}

int sp_trace_writer_free(struct sp_trace_writer *w)
{
	int rc = 0, rc2;

	if (!w)
		return 0;
	errno = 0;
	if (fflush(w->f) != 0)
		rc = errno ? -errno : -EIO;
	/* Closing is where NFS and full disks may report a write that failed. */
	if (w->output && (rc2 = sp_output_commit(w->output, NULL)) < 0 && rc == 0)
		rc = rc2;
	free(w->line.p);
	free(w->stack_text.p);
	json_decref(w->stack_key);
	free(w);
	return rc;
}

void sp_trace_writer_abort(struct sp_trace_writer *w)
{
	if (!w)
		return;
	sp_output_abort(w->output);
	free(w->line.p);
	free(w->stack_text.p);
	json_decref(w->stack_key);
	free(w);
}

const char *sp_trace_writer_temp_path(const struct sp_trace_writer *w)
{
	return w->output ? sp_output_temp_path(w->output) : NULL;
}

int sp_trace_writer_create(const char *path, const struct sp_trace_header *hdr,
                           struct sp_trace_writer **out, struct sp_diag *diag)
{
	struct sp_output *o = NULL;
	int rc;

	*out = NULL;
	/*
	 * A regular file grows under a temporary name next to path and takes
	 * its name only at sp_trace_writer_free(): a recording that fails
	 * (a pid that cannot be attached, a full disk) never replaces a good
	 * trace.  A killed sysphase leaves the temporary file, which the
	 * reader accepts (a truncated last line).  A FIFO or device is
	 * written through, as a shell redirection would.
	 */
	rc = sp_output_open(path, 0, &o, diag);
	if (rc < 0)
		return rc;
	rc = sp_trace_writer_new(sp_output_stream(o), hdr, out);
	if (rc < 0) {
		sp_output_abort(o);
		return sp_diag_set(diag, -rc, "cannot write trace '%s': %s", path, strerror(-rc));
	}
	(*out)->output = o;
	return 0;
}
