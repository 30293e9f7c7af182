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
 * The reader keeps only the current line and its parsed object, so memory
 * does not grow with the length of the trace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fwrite_unlocked */
#endif
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/trace.h"

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

/* The value of an errno name the writer produces (or an alias); -1 when unknown. */
static int _trace_errno_value(const char *name)
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
static size_t _utf8_seq(const unsigned char *s, size_t n)
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
		if (c >= 0x80 && (seq = _utf8_seq(s + i, n - i)) > 0) {
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
		json_object_foreach((json_t *)j, key, v)
		{
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
		json_array_foreach(j, i, v)
		{
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
	struct sbuf line;
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
	if (ev->site) {
		rc |= KEY(b, "site");
		rc |= _sbuf_cstr(b, ev->site);
	}
	if (ev->stack) {
		rc |= KEY(b, "stack");
		rc |= _sbuf_json_walk(b, ev->stack);
	}
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
	int rc = 0;

	if (!w)
		return 0;
	errno = 0;
	if (fflush(w->f) != 0)
		rc = errno ? -errno : -EIO;
	free(w->line.p);
	free(w);
	return rc;
}

/* ---------------------------------------------------------------- reader */

struct sp_trace_reader {
	FILE *f;
	bool own_f;
	char *path;
	char *line; /* getline's buffer, reused for every line */
	size_t linecap;
	long lineno;	  /* lines read so far */
	long event_line;  /* line of the last event returned */
	json_t *hdr_json; /* owns the header's strings */
	json_t *cur;	  /* the current event's line: owns its strings */
	struct sp_trace_header hdr;
	bool truncated, done;
};

/* Reads the next line without its newline; 1, 0 at the end, -errno. */
static int _reader_line(struct sp_trace_reader *r, size_t *len, bool *newline)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->line, &r->linecap, r->f);
	if (n < 0)
		return ferror(r->f) ? (errno ? -errno : -EIO) : 0;
	r->lineno++;
	*newline = n > 0 && r->line[n - 1] == '\n';
	if (*newline)
		r->line[--n] = '\0';
	*len = (size_t)n;
	return 1;
}

static int _reader_err(const struct sp_trace_reader *r, struct sp_diag *diag, int col,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "path:LINE:COL: what" for the current line; returns -EINVAL. */
static int _reader_err(const struct sp_trace_reader *r, struct sp_diag *diag, int col,
		       const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sp_diag_at(diag, EINVAL, r->path, (int)r->lineno, col, "%s", what);
}

/* Field look-ups: missing fields are errors only when required. */
static int _field_int(const struct sp_trace_reader *r, json_t *o, const char *key, bool required,
		      long long lo, long long hi, long long *out, struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? _reader_err(r, diag, 1, "missing field '%s'", key) : 0;
	if (!json_is_integer(v))
		return _reader_err(r, diag, 1, "field '%s' must be an integer", key);
	*out = json_integer_value(v);
	if (*out < lo || *out > hi)
		return _reader_err(r, diag, 1, "field '%s' is out of range", key);
	return 1;
}

static int _field_pid(const struct sp_trace_reader *r, json_t *o, const char *key, bool required,
		      pid_t *out, struct sp_diag *diag)
{
	long long v = 0;
	int rc = _field_int(r, o, key, required, 0, INT_MAX, &v, diag);

	if (rc > 0)
		*out = (pid_t)v;
	return rc;
}

static int _field_number(const struct sp_trace_reader *r, json_t *o, const char *key, double *out,
			 struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return _reader_err(r, diag, 1, "missing field '%s'", key);
	if (!json_is_number(v))
		return _reader_err(r, diag, 1, "field '%s' must be a number", key);
	*out = json_number_value(v);
	return 1;
}

/* A string field; null is accepted (as NULL) when nullable. */
static int _field_str(const struct sp_trace_reader *r, json_t *o, const char *key, bool required,
		      bool nullable, const char **out, struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? _reader_err(r, diag, 1, "missing field '%s'", key) : 0;
	if (nullable && json_is_null(v)) {
		*out = NULL;
		return 1;
	}
	if (!json_is_string(v))
		return _reader_err(r, diag, 1,
				   nullable ? "field '%s' must be a string or null"
					    : "field '%s' must be a string",
				   key);
	*out = json_string_value(v);
	return 1;
}

static int _field_bool(const struct sp_trace_reader *r, json_t *o, const char *key, bool required,
		       bool *out, struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return required ? _reader_err(r, diag, 1, "missing field '%s'", key) : 0;
	if (!json_is_boolean(v))
		return _reader_err(r, diag, 1, "field '%s' must be true or false", key);
	*out = json_is_true(v);
	return 1;
}

/* An optional object or array field, as a new reference. */
static int _field_json(const struct sp_trace_reader *r, json_t *o, const char *key, json_type type,
		       json_t **out, struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (json_typeof(v) != type)
		return _reader_err(r, diag, 1,
				   type == JSON_OBJECT ? "field '%s' must be an object"
						       : "field '%s' must be an array",
				   key);
	*out = json_incref(v);
	return 1;
}

static int _read_args(const struct sp_trace_reader *r, json_t *o, uint64_t *args,
		      struct sp_diag *diag)
{
	json_t *a = json_object_get(o, "args");

	if (!a)
		return _reader_err(r, diag, 1, "missing field '%s'", "args");
	if (!json_is_array(a) || json_array_size(a) != SP_MAX_ARGS)
		return _reader_err(r, diag, 1, "field '%s' must be an array of 6 hex strings",
				   "args");
	for (size_t i = 0; i < SP_MAX_ARGS; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		char *end;

		if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
			return _reader_err(r, diag, 1,
					   "field '%s' must be an array of 6 hex strings", "args");
		errno = 0;
		args[i] = strtoull(s + 2, &end, 16);
		if (errno || *end || s[2] == '-' || s[2] == '+' || s[2] == ' ')
			return _reader_err(r, diag, 1,
					   "field '%s' must be an array of 6 hex strings", "args");
	}
	return 1;
}

static int _read_syscall(const struct sp_trace_reader *r, json_t *o, struct sp_event *ev,
			 struct sp_diag *diag)
{
	const char *abi = NULL, *err = NULL;
	long long v = 0;
	int rc;

	if ((rc = _field_str(r, o, "abi", true, false, &abi, diag)) < 0)
		return rc;
	ev->abi = sp_abi_from_name(abi);
	if ((rc = _field_int(r, o, "nr", true, LONG_MIN, LONG_MAX, &v, diag)) < 0)
		return rc;
	ev->nr = (long)v;
	if ((rc = _field_str(r, o, "name", true, true, &ev->name, diag)) < 0)
		return rc;
	if ((rc = _read_args(r, o, ev->args, diag)) < 0)
		return rc;
	if ((rc = _field_json(r, o, "dec", JSON_OBJECT, &ev->dec, diag)) < 0)
		return rc;
	if ((rc = _field_int(r, o, "ret", false, LLONG_MIN, LLONG_MAX, &v, diag)) < 0)
		return rc;
	if (rc > 0) {
		ev->has_exit = true;
		ev->ret = v;
	}
	if ((rc = _field_str(r, o, "errno", false, false, &err, diag)) < 0)
		return rc;
	if (rc > 0) {
		ev->err = _trace_errno_value(err);
		if (ev->err < 0)
			return _reader_err(r, diag, 1, "field 'errno': unknown errno name '%s'",
					   err);
	}
	if ((rc = _field_str(r, o, "site", false, false, &ev->site, diag)) < 0)
		return rc;
	if ((rc = _field_json(r, o, "stack", JSON_ARRAY, &ev->stack, diag)) < 0)
		return rc;
	return 0;
}

static int _read_exit(const struct sp_trace_reader *r, json_t *o, struct sp_event *ev,
		      struct sp_diag *diag)
{
	long long v = 0;
	int rc;

	if ((rc = _field_bool(r, o, "whole_process", true, &ev->whole_process, diag)) < 0)
		return rc;
	if ((rc = _field_bool(r, o, "killed", true, &ev->killed, diag)) < 0)
		return rc;
	if (ev->killed) {
		rc = _field_int(r, o, "signo", true, 1, INT_MAX, &v, diag);
		ev->signo = (int)v;
	} else {
		rc = _field_int(r, o, "status", true, INT_MIN, INT_MAX, &v, diag);
		ev->status = (int)v;
	}
	return rc < 0 ? rc : 0;
}

/* The fields after "type", into ev; 0 or -EINVAL with diag. */
static int _read_event(const struct sp_trace_reader *r, json_t *o, struct sp_event *ev,
		       struct sp_diag *diag)
{
	const char *type = NULL;
	long long v = 0;
	int rc;

	if ((rc = _field_str(r, o, "type", true, false, &type, diag)) < 0)
		return rc;
	rc = sp_event_type_from_name(type);
	if (rc < 0)
		return _reader_err(r, diag, 1, "unknown event type '%s'", type);
	ev->type = (enum sp_event_type)rc;
	if ((rc = _field_number(r, o, "ts", &ev->ts, diag)) < 0 ||
	    (rc = _field_pid(r, o, "tid", true, &ev->tid, diag)) < 0 ||
	    (rc = _field_pid(r, o, "pid", true, &ev->pid, diag)) < 0 ||
	    (rc = _field_str(r, o, "phase", false, false, &ev->phase, diag)) < 0)
		return rc;
	switch (ev->type) {
	case SP_EV_SYSCALL:
		return _read_syscall(r, o, ev, diag);
	case SP_EV_FORK:
	case SP_EV_CLONE:
		if ((rc = _field_pid(r, o, "child", true, &ev->child, diag)) < 0)
			return rc;
		rc = _field_str(r, o, "via", false, false, &ev->via, diag);
		break;
	case SP_EV_EXEC:
		if ((rc = _field_str(r, o, "path", true, true, &ev->path, diag)) < 0)
			return rc;
		rc = _field_pid(r, o, "former_tid", false, &ev->former_tid, diag);
		break;
	case SP_EV_SIGNAL:
		rc = _field_int(r, o, "signo", true, 1, INT_MAX, &v, diag);
		ev->signo = (int)v;
		break;
	case SP_EV_EXIT:
		rc = _read_exit(r, o, ev, diag);
		break;
	}
	return rc < 0 ? rc : 0;
}

/* Parses line len bytes of the current line; NULL with diag on a syntax error. */
static json_t *_reader_parse(const struct sp_trace_reader *r, size_t len, json_error_t *jerr)
{
	/*
	 * Flags 0: integers stay integers (JSON_DECODE_INT_AS_REAL off) so
	 * 64-bit return values round-trip exactly.
	 */
	return json_loadb(r->line, len, 0, jerr);
}

static int _reader_header(struct sp_trace_reader *r, struct sp_diag *diag)
{
	struct sp_trace_header *h = &r->hdr;
	const char *format = NULL;
	json_error_t jerr;
	json_t *cmd;
	long long version = 0;
	bool newline = false;
	size_t len = 0;
	int rc;

	rc = _reader_line(r, &len, &newline);
	if (rc < 0)
		return sp_diag_at(diag, -rc, r->path, 0, 0, "%s", strerror(-rc));
	if (rc == 0) {
		r->lineno = 1;
		return _reader_err(r, diag, 1, "not a sysphase trace (%s)", "empty file");
	}
	r->hdr_json = _reader_parse(r, len, &jerr);
	if (!r->hdr_json || !json_is_object(r->hdr_json))
		return _reader_err(r, diag, 1, "%s", "not a sysphase trace");
	if (_field_str(r, r->hdr_json, "format", false, false, &format, diag) <= 0 ||
	    strcmp(format, SP_TRACE_FORMAT) != 0)
		return _reader_err(r, diag, 1, "%s", "not a sysphase trace");
	if ((rc = _field_int(r, r->hdr_json, "version", true, 0, INT_MAX, &version, diag)) < 0)
		return rc;
	if (version != SP_TRACE_VERSION)
		return sp_diag_at(diag, ENOTSUP, r->path, 1, 1,
				  "trace format version %lld is not supported (this sysphase "
				  "reads version %d)",
				  version, SP_TRACE_VERSION);
	cmd = json_object_get(r->hdr_json, "command");
	if (!cmd)
		return _reader_err(r, diag, 1, "missing field '%s'", "command");
	if (!json_is_array(cmd))
		return _reader_err(r, diag, 1, "field '%s' must be an array", "command");
	h->command = cmd;
	if ((rc = _field_str(r, r->hdr_json, "kernel", true, false, &h->kernel, diag)) < 0 ||
	    (rc = _field_str(r, r->hdr_json, "arch", true, false, &h->arch, diag)) < 0 ||
	    (rc = _field_number(r, r->hdr_json, "start_time", &h->start_time, diag)) < 0 ||
	    (rc = _field_str(r, r->hdr_json, "rules", false, true, &h->rules, diag)) < 0 ||
	    (rc = _field_bool(r, r->hdr_json, "entry_only", false, &h->entry_only, diag)) < 0 ||
	    (rc = _field_bool(r, r->hdr_json, "attached", false, &h->attached, diag)) < 0)
		return rc;
	return 0;
}

int sp_trace_reader_open(const char *path, struct sp_trace_reader **out, struct sp_diag *diag)
{
	struct sp_trace_reader *r;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	r->path = strdup(path);
	if (!r->path) {
		free(r);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	if (!strcmp(path, "-")) {
		r->f = stdin;
	} else {
		r->f = fopen(path, "re");
		if (!r->f) {
			rc = errno;
			sp_trace_reader_free(r);
			return sp_diag_set(diag, rc, "%s: %s", path, strerror(rc));
		}
		r->own_f = true;
	}
	rc = _reader_header(r, diag);
	if (rc < 0) {
		sp_trace_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const struct sp_trace_header *sp_trace_reader_header(const struct sp_trace_reader *r)
{
	return &r->hdr;
}

int sp_trace_read(struct sp_trace_reader *r, struct sp_event *ev, struct sp_diag *diag)
{
	json_error_t jerr;
	bool newline = false;
	size_t len = 0;
	int rc;

	sp_event_clear(ev);
	json_decref(r->cur);
	r->cur = NULL;
	if (r->done)
		return 0;
	rc = _reader_line(r, &len, &newline);
	if (rc <= 0) {
		r->done = true;
		if (rc < 0)
			return sp_diag_at(diag, -rc, r->path, (int)r->lineno + 1, 0, "%s",
					  strerror(-rc));
		return 0;
	}
	r->cur = _reader_parse(r, len, &jerr);
	if (!r->cur) {
		/*
		 * A killed writer leaves a partial last line: no newline and
		 * no complete object.  That ends the trace, it does not spoil it.
		 */
		if (!newline) {
			r->truncated = true;
			r->done = true;
			return 0;
		}
		return _reader_err(r, diag, jerr.column > 0 ? jerr.column : 1, "%s", jerr.text);
	}
	if (!json_is_object(r->cur))
		return _reader_err(r, diag, 1, "%s", "an event must be a JSON object");
	rc = _read_event(r, r->cur, ev, diag);
	if (rc < 0) {
		sp_event_clear(ev);
		return rc;
	}
	r->event_line = r->lineno;
	return 1;
}

bool sp_trace_reader_truncated(const struct sp_trace_reader *r)
{
	return r->truncated;
}

long sp_trace_reader_line(const struct sp_trace_reader *r)
{
	return r->event_line;
}

void sp_trace_reader_free(struct sp_trace_reader *r)
{
	if (!r)
		return;
	if (r->own_f && r->f)
		fclose(r->f);
	json_decref(r->cur);
	json_decref(r->hdr_json);
	free(r->line);
	free(r->path);
	free(r);
}
