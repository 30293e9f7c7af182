/* SPDX-License-Identifier: MIT */
/*
 * The trace reader (docs/trace-format.md) and the sniffed input it reads.
 *
 * Input is read with read(2) into one large buffer and lines are handed
 * out in place: no per-line copy, no stdio locking.  The buffer only grows
 * for a line longer than it, so memory does not grow with the trace.
 *
 * Each event line is parsed twice over only when something is odd:
 *  - the fast path (scan_line) knows the keys of an event line, reads their
 *    values straight into the event, and only checks the syntax of `dec`
 *    and `stack` unless the consumer asked for them (then jansson builds
 *    just that value).  It never reports an error: on anything it does not
 *    handle (an escape \u, a duplicate key, a missing or mistyped field,
 *    bad syntax, a number out of range) it gives up on the line;
 *  - the slow path parses that line with jansson and checks each field, and
 *    is the only one that writes diagnostics.  So messages (file:line:col,
 *    jansson's own syntax errors) and the truncated-last-line rule are
 *    those of one code path, and the fast path is held to it by a test
 *    that reads the same inputs both ways (tests/unit/test_trace.c).
 * The fast path is at least as strict as jansson: whatever it accepts,
 * json_loadb() accepts with the same values.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_int.h"

/* ----------------------------------------------------------------- input */

#define INPUT_CHUNK (1u << 20)

struct sp_input {
	int fd;
	bool own_fd;
	char *path;
	char *buf;
	size_t cap, start, end; /* unread bytes are buf[start, end) */
	bool eof;
	enum sp_input_kind kind;
};

/* Reads more into the buffer (compacting or growing it); 1, 0 at end of file, -errno. */
static int _input_fill(struct sp_input *in)
{
	ssize_t n;

	if (in->eof)
		return 0;
	if (in->start > 0 && in->start == in->end) {
		in->start = in->end = 0;
	} else if (in->start > 0 && in->end == in->cap) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->end == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : INPUT_CHUNK;
		char *p = realloc(in->buf, cap + 1);

		if (!p)
			return -ENOMEM;
		in->buf = p;
		in->cap = cap;
	}
	do
		n = read(in->fd, in->buf + in->end, in->cap - in->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0) {
		in->eof = true;
		return 0;
	}
	in->end += (size_t)n;
	return 1;
}

/*
 * The next line, without its newline, in place in the buffer (valid until
 * the next call).  1, 0 at the end, -errno.
 */
static int _input_line(struct sp_input *in, char **line, size_t *len, bool *newline)
{
	size_t scanned = 0;
	char *nl;
	int rc;

	for (;;) {
		if (in->end > in->start + scanned &&
		    (nl = memchr(in->buf + in->start + scanned, '\n',
		                 in->end - in->start - scanned)))
			break;
		scanned = in->end - in->start;
		rc = _input_fill(in);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (in->start == in->end)
				return 0;
			*line = in->buf + in->start;
			*len = in->end - in->start;
			*newline = false;
			(*line)[*len] = '\0'; /* the +1 of the allocation */
			in->start = in->end;
			return 1;
		}
	}
	*line = in->buf + in->start;
	*len = (size_t)(nl - *line);
	*newline = true;
	*nl = '\0';
	in->start += *len + 1;
	return 1;
}

/* Whether the first line (len bytes at line) is a sysphase trace header. */
static bool _is_trace_header(const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	const char *fmt = json_string_value(json_object_get(j, "format"));
	bool yes = fmt && strcmp(fmt, SP_TRACE_FORMAT) == 0;

	json_decref(j);
	return yes;
}

/* Opens path ("-": standard input, not closed later); 0 or -errno with diag. */
static int _input_new(const char *path, struct sp_input **out, struct sp_diag *diag)
{
	struct sp_input *in = calloc(1, sizeof(*in));
	struct stat st;
	int rc;

	*out = NULL;
	if (!in || !(in->path = strdup(path))) {
		free(in);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	if (!strcmp(path, "-")) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			rc = -errno;
			goto fail;
		}
		in->own_fd = true;
	}
	/* read(2) on a directory fails with EISDIR only at the first read; say it up front. */
	if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto fail;
	}
	*out = in;
	return 0;
fail:
	sp_diag_set(diag, -rc, "%s: %s", path, strerror(-rc));
	sp_input_free(in);
	return rc;
}

/*
 * A trace header is one line of a few kilobytes (a long argv at most);
 * past this much without a newline the input is no trace, and sniffing
 * stops rather than reading, say, /dev/zero into memory.
 */
#define SNIFF_MAX (16u << 20)

int sp_input_open(const char *path, struct sp_input **out, struct sp_diag *diag)
{
	struct sp_input *in = NULL;
	size_t len = 0;
	char *nl = NULL;
	int rc;

	*out = NULL;
	rc = _input_new(path, &in, diag);
	if (rc < 0)
		return rc;
	/* The first line stays in the buffer (start is not moved): nothing is lost. */
	for (;;) {
		if (in->end > len && (nl = memchr(in->buf + len, '\n', in->end - len)))
			break;
		len = in->end;
		if (len >= SNIFF_MAX)
			break;
		rc = _input_fill(in);
		if (rc < 0) {
			sp_diag_set(diag, -rc, "%s: %s", path, strerror(-rc));
			sp_input_free(in);
			return rc;
		}
		if (rc == 0)
			break;
	}
	len = nl ? (size_t)(nl - in->buf) : in->end;
	in->kind = in->end && len < SNIFF_MAX && _is_trace_header(in->buf, len) ? SP_INPUT_TRACE
	                                                                        : SP_INPUT_OTHER;
	*out = in;
	return 0;
}

enum sp_input_kind sp_input_kind(const struct sp_input *in)
{
	return in->kind;
}

const char *sp_input_path(const struct sp_input *in)
{
	return in->path;
}

/* Larger than any policy or rule file sysphase writes, by far. */
#define SLURP_MAX (256u << 20)

int sp_input_slurp(struct sp_input *in, char **text, size_t *len, struct sp_diag *diag)
{
	int rc;

	while ((rc = _input_fill(in)) > 0)
		if (in->end - in->start > SLURP_MAX)
			return sp_diag_set(diag, EFBIG,
			                   "%s: larger than %u MiB: not a sysphase file", in->path,
			                   SLURP_MAX >> 20);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "%s: %s", in->path, strerror(-rc));
	*len = in->end - in->start;
	*text = malloc(*len + 1);
	if (!*text)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	if (*len)
		memcpy(*text, in->buf + in->start, *len);
	(*text)[*len] = '\0';
	in->start = in->end;
	return 0;
}

void sp_input_free(struct sp_input *in)
{
	if (!in)
		return;
	if (in->own_fd)
		close(in->fd);
	free(in->buf);
	free(in->path);
	free(in);
}

/* ---------------------------------------------------------------- reader */

struct sp_trace_reader {
	struct sp_input *in;
	long lineno;      /* lines read so far */
	long event_line;  /* line of the last event returned */
	json_t *hdr_json; /* owns the header's strings */
	json_t *cur;      /* the current event's line on the slow path: owns its strings */
	struct sp_trace_header hdr;
	bool truncated, done, slow;
	unsigned want;
	long fast_lines; /* events the scanner read (for the tests) */
	char *arena;     /* the fast path's strings of the current line */
	size_t arena_cap;
};

static int _reader_line(struct sp_trace_reader *r, char **line, size_t *len, bool *newline)
{
	int rc = _input_line(r->in, line, len, newline);

	if (rc > 0)
		r->lineno++;
	return rc;
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
	return sp_diag_at(diag, EINVAL, r->in->path, (int)r->lineno, col, "%s", what);
}

/* ------------------------------------------------ slow path (jansson) */

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

/* An optional object or array field, as a new reference when wanted. */
static int _field_json(const struct sp_trace_reader *r, json_t *o, const char *key, json_type type,
                       bool want, json_t **out, struct sp_diag *diag)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (json_typeof(v) != type)
		return _reader_err(r, diag, 1,
		                   type == JSON_OBJECT ? "field '%s' must be an object"
		                                       : "field '%s' must be an array",
		                   key);
	if (want)
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
	if ((rc = _field_json(r, o, "dec", JSON_OBJECT, r->want & SP_TRACE_WANT_DEC, &ev->dec,
	                      diag)) < 0)
		return rc;
	if ((rc = _field_int(r, o, "ret", false, LLONG_MIN, LLONG_MAX, &v, diag)) < 0)
		return rc;
	if (rc > 0) {
		ev->has_exit = true;
		ev->ret = v;
	}
	if ((rc = _field_bool(r, o, "killed", false, &ev->killed, diag)) < 0)
		return rc;
	if ((rc = _field_str(r, o, "errno", false, false, &err, diag)) < 0)
		return rc;
	if (rc > 0) {
		ev->err = sp_trace_errno_value(err);
		if (ev->err < 0)
			return _reader_err(r, diag, 1, "field 'errno': unknown errno name '%s'",
			                   err);
	}
	if ((rc = _field_str(r, o, "site", false, false, &ev->site, diag)) < 0)
		return rc;
	if ((rc = _field_json(r, o, "stack", JSON_ARRAY, r->want & SP_TRACE_WANT_STACK, &ev->stack,
	                      diag)) < 0)
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

/*
 * One event line through jansson.  Flags 0: integers stay integers
 * (JSON_DECODE_INT_AS_REAL off) so 64-bit return values round-trip.
 * 1 with an event, 0 for a truncated last line, -errno with diag.
 */
static int _slow_line(struct sp_trace_reader *r, const char *line, size_t len, bool newline,
                      struct sp_event *ev, struct sp_diag *diag)
{
	json_error_t jerr;
	int rc;

	r->cur = json_loadb(line, len, 0, &jerr);
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
	return rc < 0 ? rc : 1;
}

/* ------------------------------------------------- fast path (scanner) */

enum key {
	K_TYPE,
	K_TS,
	K_TID,
	K_PID,
	K_PHASE,
	K_ABI,
	K_NR,
	K_NAME,
	K_ARGS,
	K_DEC,
	K_RET,
	K_ERRNO,
	K_SITE,
	K_STACK,
	K_CHILD,
	K_VIA,
	K_PATH,
	K_FORMER_TID,
	K_SIGNO,
	K_WHOLE,
	K_KILLED,
	K_STATUS,
	K_COUNT,
	K_UNKNOWN = K_COUNT,
};

enum vkind {
	V_NONE = 0,
	V_STR,
	V_NULL,
	V_INT,
	V_REAL,
	V_TRUE,
	V_FALSE,
	V_ARGS,
	V_OBJ,
	V_ARR
};

struct val {
	enum vkind kind;
	const char *s;    /* V_STR: NUL-terminated, in the arena */
	long long i;      /* V_INT */
	double d;         /* V_REAL */
	const char *span; /* V_OBJ/V_ARR: the value's text in the line */
	size_t span_len;
};

struct scan {
	const char *p, *end;
	char *arena; /* where decoded strings go; as large as the line */
	struct val v[K_COUNT];
	uint64_t args[SP_MAX_ARGS];
};

/* jansson's JSON_PARSER_MAX_DEPTH is 2048; deeper values are left to it. */
#define SCAN_MAX_DEPTH 256

static inline void _ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static inline bool _hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * A string starting at the opening quote.  With out, its value is copied
 * there NUL-terminated (out advanced past it).  false when jansson might
 * see it differently: \u escapes are only checked (value wanted: give up),
 * and \u0000 and surrogate escapes are left to jansson altogether.
 */
static bool _string(struct scan *s, char **out)
{
	const unsigned char *p = (const unsigned char *)s->p + 1;
	const unsigned char *end = (const unsigned char *)s->end;
	char *o = out ? *out : NULL;

	for (;;) {
		const unsigned char *q = p;

		/* The common run of plain ASCII, copied at once. */
		while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (o) {
			memcpy(o, p, (size_t)(q - p));
			o += q - p;
		}
		p = q;
		if (p >= end)
			return false;
		if (*p == '"')
			break;
		if (*p < 0x20)
			return false;
		if (*p >= 0x80) {
			size_t n = sp_utf8_seq(p, (size_t)(end - p));

			if (!n)
				return false;
			if (o) {
				memcpy(o, p, n);
				o += n;
			}
			p += n;
			continue;
		}
		/* A backslash. */
		if (p + 1 >= end)
			return false;
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			if (o)
				*o++ = (char)p[1];
			break;
		case 'b':
			if (o)
				*o++ = '\b';
			break;
		case 'f':
			if (o)
				*o++ = '\f';
			break;
		case 'n':
			if (o)
				*o++ = '\n';
			break;
		case 'r':
			if (o)
				*o++ = '\r';
			break;
		case 't':
			if (o)
				*o++ = '\t';
			break;
		case 'u':
			if (o || end - p < 6 || !_hex(p[2]) || !_hex(p[3]) || !_hex(p[4]) ||
			    !_hex(p[5]))
				return false;
			/* \u0000 and \uD800-\uDFFF: jansson's rules, jansson's call. */
			if (!memcmp(p + 2, "0000", 4) || ((p[2] | 0x20) == 'd' && p[3] >= '8'))
				return false;
			p += 4;
			break;
		default:
			return false;
		}
		p += 2;
	}
	if (o) {
		*o++ = '\0';
		*out = o;
	}
	s->p = (const char *)p + 1;
	return true;
}

/*
 * A JSON number as jansson lexes it, into v when not NULL: V_INT when it
 * has no fraction or exponent.  Even when skipped, a number jansson would
 * refuse ("too big integer", "real number overflow") gives up the line.
 */
static bool _number(struct scan *s, struct val *v)
{
	/* Exact powers of ten as doubles (10^22 is the last one a double holds exactly). */
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	const char *p = s->p, *start = s->p;
	bool neg = false, real = false, exp = false;
	unsigned long long u = 0, m;
	int digits = 0, frac = 0;
	char tmp[64];
	double d;

	if (p < s->end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= s->end || *p < '0' || *p > '9')
		return false;
	if (*p == '0' && p + 1 < s->end && p[1] >= '0' && p[1] <= '9')
		return false;
	while (p < s->end && *p >= '0' && *p <= '9') {
		if (u > (ULLONG_MAX - 9) / 10)
			return false; /* long integers and long mantissas: jansson's call */
		u = u * 10 + (unsigned)(*p++ - '0');
		digits++;
	}
	m = u;
	if (p < s->end && *p == '.') {
		real = true;
		if (++p >= s->end || *p < '0' || *p > '9')
			return false;
		for (; p < s->end && *p >= '0' && *p <= '9'; p++, frac++)
			if (digits + frac < 19)
				m = m * 10 + (unsigned)(*p - '0');
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		real = exp = true;
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= s->end || *p < '0' || *p > '9')
			return false;
		while (p < s->end && *p >= '0' && *p <= '9')
			p++;
	}
	s->p = p;
	if (!real) {
		if (neg ? u > (unsigned long long)LLONG_MAX + 1 : u > (unsigned long long)LLONG_MAX)
			return false;
		if (v) {
			v->kind = V_INT;
			v->i = neg ? (long long)(0 - u) : (long long)u;
		}
		return true;
	}
	/*
	 * Timestamps ("12.345678"): at most 15 digits are an exact double, and
	 * dividing it by an exact power of ten rounds once, correctly: the
	 * value strtod gives, at a fraction of its cost.  Anything else goes
	 * through strtod, which is what jansson uses (in the C locale, as
	 * sysphase runs).
	 */
	if (!exp && digits + frac <= 15 && frac <= 22) {
		d = (double)m / pow10[frac];
		if (v) {
			v->kind = V_REAL;
			v->d = neg ? -d : d;
		}
		return true;
	}
	if ((size_t)(p - start) >= sizeof(tmp))
		return false;
	memcpy(tmp, start, (size_t)(p - start));
	tmp[p - start] = '\0';
	errno = 0;
	d = strtod(tmp, NULL);
	if (errno == ERANGE && (d > 1.0 || d < -1.0))
		return false; /* jansson: "real number overflow" */
	if (v) {
		v->kind = V_REAL;
		v->d = d;
	}
	return true;
}

static bool _literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return false;
	s->p += n;
	return true;
}

/* Any JSON value, syntax checked and skipped. */
static bool _skip(struct scan *s, int depth)
{
	char close;

	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '"':
		return _string(s, NULL);
	case '{':
	case '[':
		if (depth >= SCAN_MAX_DEPTH)
			return false;
		close = *s->p == '{' ? '}' : ']';
		s->p++;
		_ws(s);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return true;
		}
		for (;;) {
			if (close == '}') {
				if (s->p >= s->end || *s->p != '"' || !_string(s, NULL))
					return false;
				_ws(s);
				if (s->p >= s->end || *s->p++ != ':')
					return false;
				_ws(s);
			}
			if (!_skip(s, depth + 1))
				return false;
			_ws(s);
			if (s->p >= s->end)
				return false;
			if (*s->p == close) {
				s->p++;
				return true;
			}
			if (*s->p++ != ',')
				return false;
			_ws(s);
		}
	case 't':
		return _literal(s, "true", 4);
	case 'f':
		return _literal(s, "false", 5);
	case 'n':
		return _literal(s, "null", 4);
	default:
		return _number(s, NULL);
	}
}

/* "args": exactly six strings "0x" + 1 to 16 hex digits (what strtoull takes whole). */
static bool _args(struct scan *s)
{
	if (*s->p++ != '[')
		return false;
	for (int i = 0; i < SP_MAX_ARGS; i++) {
		const char *p;
		uint64_t v = 0;
		int n = 0;

		_ws(s);
		p = s->p;
		if (s->end - p < 4 || p[0] != '"' || p[1] != '0' || (p[2] != 'x' && p[2] != 'X'))
			return false;
		for (p += 3; p < s->end && _hex((unsigned char)*p); p++, n++)
			v = v << 4 | (uint64_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		if (n == 0 || n > 16 || p >= s->end || *p != '"')
			return false;
		s->args[i] = v;
		s->p = p + 1;
		_ws(s);
		if (s->p >= s->end || *s->p++ != (i == SP_MAX_ARGS - 1 ? ']' : ','))
			return false;
	}
	return true;
}

/* The key of n bytes at k: by length, then a compare or two (this runs ~12 times a line). */
static enum key _key(const char *k, size_t n)
{
#define IS(lit) (!memcmp(k, lit, n))
	switch (n) {
	case 2:
		return IS("ts") ? K_TS : IS("nr") ? K_NR : K_UNKNOWN;
	case 3:
		return IS("tid")   ? K_TID
		       : IS("pid") ? K_PID
		       : IS("abi") ? K_ABI
		       : IS("dec") ? K_DEC
		       : IS("ret") ? K_RET
		       : IS("via") ? K_VIA
		                   : K_UNKNOWN;
	case 4:
		return IS("type")   ? K_TYPE
		       : IS("name") ? K_NAME
		       : IS("args") ? K_ARGS
		       : IS("site") ? K_SITE
		       : IS("path") ? K_PATH
		                    : K_UNKNOWN;
	case 5:
		return IS("phase")   ? K_PHASE
		       : IS("errno") ? K_ERRNO
		       : IS("stack") ? K_STACK
		       : IS("child") ? K_CHILD
		       : IS("signo") ? K_SIGNO
		                     : K_UNKNOWN;
	case 6:
		return IS("killed") ? K_KILLED : IS("status") ? K_STATUS : K_UNKNOWN;
	case 10:
		return IS("former_tid") ? K_FORMER_TID : K_UNKNOWN;
	case 13:
		return IS("whole_process") ? K_WHOLE : K_UNKNOWN;
	default:
		return K_UNKNOWN;
	}
#undef IS
}

/* One value of a known key into s->v[k]; false to give up on the line. */
static bool _value(struct scan *s, enum key k, char **arena)
{
	struct val *v = &s->v[k];

	if (v->kind != V_NONE)
		return false; /* a duplicate key: jansson keeps the last; let it */
	switch (*s->p) {
	case '"':
		v->kind = V_STR;
		v->s = *arena;
		return _string(s, arena);
	case '{':
	case '[':
		if (k == K_ARGS) {
			v->kind = V_ARGS;
			return _args(s);
		}
		v->kind = *s->p == '{' ? V_OBJ : V_ARR;
		v->span = s->p;
		if (!_skip(s, 0))
			return false;
		v->span_len = (size_t)(s->p - v->span);
		return true;
	case 't':
		v->kind = V_TRUE;
		return _literal(s, "true", 4);
	case 'f':
		v->kind = V_FALSE;
		return _literal(s, "false", 5);
	case 'n':
		v->kind = V_NULL;
		return _literal(s, "null", 4);
	default:
		return _number(s, v);
	}
}

/* The object of one line into s->v; false when the slow path must look. */
static bool _scan_object(struct scan *s)
{
	char *arena = s->arena;

	_ws(s);
	if (s->p >= s->end || *s->p++ != '{')
		return false;
	_ws(s);
	if (s->p < s->end && *s->p == '}')
		return false; /* no "type": the slow path says so */
	for (;;) {
		const char *key;
		enum key k;

		if (s->p >= s->end || *s->p != '"')
			return false;
		key = s->p + 1;
		if (!_string(s, NULL))
			return false;
		/* Keys with escapes are rare enough to leave to jansson. */
		if (memchr(key, '\\', (size_t)(s->p - 1 - key)))
			return false;
		k = _key(key, (size_t)(s->p - 1 - key));
		_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return false;
		_ws(s);
		if (s->p >= s->end)
			return false;
		if (k == K_UNKNOWN ? !_skip(s, 0) : !_value(s, k, &arena))
			return false;
		_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == '}')
			break;
		if (*s->p++ != ',')
			return false;
		_ws(s);
	}
	s->p++;
	_ws(s);
	return s->p == s->end;
}

/* Typed access mirroring the slow path's: false whenever it would report something. */
static bool _get_int(const struct scan *s, enum key k, bool required, long long lo, long long hi,
                     long long *out)
{
	const struct val *v = &s->v[k];

	if (v->kind == V_NONE)
		return !required;
	if (v->kind != V_INT || v->i < lo || v->i > hi)
		return false;
	*out = v->i;
	return true;
}

static bool _get_pid(const struct scan *s, enum key k, bool required, pid_t *out)
{
	long long v = 0;

	if (!_get_int(s, k, required, 0, INT_MAX, &v))
		return false;
	if (s->v[k].kind != V_NONE)
		*out = (pid_t)v;
	return true;
}

static bool _get_str(const struct scan *s, enum key k, bool required, bool nullable,
                     const char **out)
{
	const struct val *v = &s->v[k];

	if (v->kind == V_NONE)
		return !required;
	if (nullable && v->kind == V_NULL) {
		*out = NULL;
		return true;
	}
	if (v->kind != V_STR)
		return false;
	*out = v->s;
	return true;
}

static bool _get_bool(const struct scan *s, enum key k, bool *out)
{
	const struct val *v = &s->v[k];

	if (v->kind != V_TRUE && v->kind != V_FALSE)
		return false;
	*out = v->kind == V_TRUE;
	return true;
}

/* dec/stack: absent, or of the right kind, built by jansson only when wanted. */
static bool _get_json(const struct scan *s, enum key k, enum vkind kind, bool want, json_t **out)
{
	const struct val *v = &s->v[k];

	if (v->kind == V_NONE)
		return true;
	if (v->kind != kind)
		return false;
	if (want) {
		*out = json_loadb(v->span, v->span_len, 0, NULL);
		if (!*out)
			return false;
	}
	return true;
}

static bool _fast_syscall(const struct sp_trace_reader *r, const struct scan *s,
                          struct sp_event *ev)
{
	const char *abi = NULL, *err = NULL;
	long long v = 0;

	if (!_get_str(s, K_ABI, true, false, &abi) ||
	    !_get_int(s, K_NR, true, LONG_MIN, LONG_MAX, &v))
		return false;
	ev->abi = sp_abi_from_name(abi);
	ev->nr = (long)v;
	if (!_get_str(s, K_NAME, true, true, &ev->name) || s->v[K_ARGS].kind != V_ARGS)
		return false;
	memcpy(ev->args, s->args, sizeof(ev->args));
	if (s->v[K_RET].kind != V_NONE) {
		if (!_get_int(s, K_RET, false, LLONG_MIN, LLONG_MAX, &v))
			return false;
		ev->has_exit = true;
		ev->ret = v;
	}
	if (!_get_str(s, K_ERRNO, false, false, &err))
		return false;
	if (err && (ev->err = sp_trace_errno_value(err)) < 0)
		return false;
	if (s->v[K_KILLED].kind != V_NONE && !_get_bool(s, K_KILLED, &ev->killed))
		return false;
	if (!_get_str(s, K_SITE, false, false, &ev->site))
		return false;
	return _get_json(s, K_DEC, V_OBJ, r->want & SP_TRACE_WANT_DEC, &ev->dec) &&
	       _get_json(s, K_STACK, V_ARR, r->want & SP_TRACE_WANT_STACK, &ev->stack);
}

static bool _fast_fields(const struct sp_trace_reader *r, const struct scan *s, struct sp_event *ev)
{
	long long v = 0;

	switch (ev->type) {
	case SP_EV_SYSCALL:
		return _fast_syscall(r, s, ev);
	case SP_EV_FORK:
	case SP_EV_CLONE:
		return _get_pid(s, K_CHILD, true, &ev->child) &&
		       _get_str(s, K_VIA, false, false, &ev->via);
	case SP_EV_EXEC:
		return _get_str(s, K_PATH, true, true, &ev->path) &&
		       _get_pid(s, K_FORMER_TID, false, &ev->former_tid);
	case SP_EV_SIGNAL:
		if (!_get_int(s, K_SIGNO, true, 1, INT_MAX, &v))
			return false;
		ev->signo = (int)v;
		return true;
	case SP_EV_EXIT:
		if (!_get_bool(s, K_WHOLE, &ev->whole_process) ||
		    !_get_bool(s, K_KILLED, &ev->killed))
			return false;
		if (ev->killed) {
			if (!_get_int(s, K_SIGNO, true, 1, INT_MAX, &v))
				return false;
			ev->signo = (int)v;
		} else {
			if (!_get_int(s, K_STATUS, true, INT_MIN, INT_MAX, &v))
				return false;
			ev->status = (int)v;
		}
		return true;
	}
	return false;
}

/* The fast path: true with ev filled, false (ev cleared) to hand the line to jansson. */
static bool _fast_line(struct sp_trace_reader *r, const char *line, size_t len, struct sp_event *ev)
{
	struct scan s;
	const char *type = NULL;
	int t;

	/* Decoded strings are never longer than their JSON text. */
	if (len + 1 > r->arena_cap) {
		size_t cap = len + 1 > 4096 ? len + 1 : 4096;
		char *a = realloc(r->arena, cap);

		if (!a)
			return false;
		r->arena = a;
		r->arena_cap = cap;
	}
	for (int k = 0; k < K_COUNT; k++)
		s.v[k].kind = V_NONE;
	s.p = line;
	s.end = line + len;
	s.arena = r->arena;
	if (!_scan_object(&s) || !_get_str(&s, K_TYPE, true, false, &type) ||
	    (t = sp_event_type_from_name(type)) < 0)
		goto fail;
	ev->type = (enum sp_event_type)t;
	if (s.v[K_TS].kind == V_INT)
		ev->ts = (double)s.v[K_TS].i;
	else if (s.v[K_TS].kind == V_REAL)
		ev->ts = s.v[K_TS].d;
	else
		goto fail;
	if (_get_pid(&s, K_TID, true, &ev->tid) && _get_pid(&s, K_PID, true, &ev->pid) &&
	    _get_str(&s, K_PHASE, false, false, &ev->phase) && _fast_fields(r, &s, ev))
		return true;
fail:
	sp_event_clear(ev);
	return false;
}

/* -------------------------------------------------------------- reader */

static int _reader_header(struct sp_trace_reader *r, struct sp_diag *diag)
{
	struct sp_trace_header *h = &r->hdr;
	const char *format = NULL;
	json_error_t jerr;
	json_t *cmd;
	long long version = 0;
	bool newline = false;
	size_t len = 0;
	char *line = NULL;
	int rc;

	rc = _reader_line(r, &line, &len, &newline);
	if (rc < 0)
		return sp_diag_at(diag, -rc, r->in->path, 0, 0, "%s", strerror(-rc));
	if (rc == 0) {
		r->lineno = 1;
		return _reader_err(r, diag, 1, "not a sysphase trace (%s)", "empty file");
	}
	r->hdr_json = json_loadb(line, len, 0, &jerr);
	if (!r->hdr_json || !json_is_object(r->hdr_json))
		return _reader_err(r, diag, 1, "%s", "not a sysphase trace");
	if (_field_str(r, r->hdr_json, "format", false, false, &format, diag) <= 0 ||
	    strcmp(format, SP_TRACE_FORMAT) != 0)
		return _reader_err(r, diag, 1, "%s", "not a sysphase trace");
	if ((rc = _field_int(r, r->hdr_json, "version", true, 0, INT_MAX, &version, diag)) < 0)
		return rc;
	if (version != SP_TRACE_VERSION)
		return sp_diag_at(diag, ENOTSUP, r->in->path, 1, 1,
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

int sp_trace_reader_from_input(struct sp_input **in, struct sp_trace_reader **out,
                               struct sp_diag *diag)
{
	struct sp_trace_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r) {
		sp_input_free(*in);
		*in = NULL;
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	r->in = *in;
	*in = NULL;
	r->want = SP_TRACE_WANT_DEC | SP_TRACE_WANT_STACK;
	rc = _reader_header(r, diag);
	if (rc < 0) {
		sp_trace_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sp_trace_reader_open(const char *path, struct sp_trace_reader **out, struct sp_diag *diag)
{
	struct sp_input *in = NULL;
	int rc;

	*out = NULL;
	rc = _input_new(path, &in, diag);
	if (rc < 0)
		return rc;
	return sp_trace_reader_from_input(&in, out, diag);
}

const struct sp_trace_header *sp_trace_reader_header(const struct sp_trace_reader *r)
{
	return &r->hdr;
}

void sp_trace_reader_want(struct sp_trace_reader *r, unsigned want)
{
	r->want = want;
}

void sp_trace_reader_force_slow(struct sp_trace_reader *r, int slow)
{
	r->slow = slow != 0;
}

long sp_trace_reader_fast_lines(const struct sp_trace_reader *r)
{
	return r->fast_lines;
}

int sp_trace_read(struct sp_trace_reader *r, struct sp_event *ev, struct sp_diag *diag)
{
	bool newline = false;
	size_t len = 0;
	char *line = NULL;
	int rc;

	sp_event_clear(ev);
	json_decref(r->cur);
	r->cur = NULL;
	if (r->done)
		return 0;
	rc = _reader_line(r, &line, &len, &newline);
	if (rc <= 0) {
		r->done = true;
		if (rc < 0)
			return sp_diag_at(diag, -rc, r->in->path, (int)r->lineno + 1, 0, "%s",
			                  strerror(-rc));
		return 0;
	}
	if (!r->slow && _fast_line(r, line, len, ev)) {
		r->fast_lines++;
	} else {
		rc = _slow_line(r, line, len, newline, ev, diag);
		if (rc <= 0) {
			sp_event_clear(ev);
			return rc;
		}
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

const char *sp_trace_reader_path(const struct sp_trace_reader *r)
{
	return r->in->path;
}

void sp_trace_reader_free(struct sp_trace_reader *r)
{
	if (!r)
		return;
	sp_input_free(r->in);
	json_decref(r->cur);
	json_decref(r->hdr_json);
	free(r->arena);
	free(r);
}
