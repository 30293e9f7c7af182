/* SPDX-License-Identifier: MIT */
/*
 * The parsers of the /proc files the tracer reads (include/sysphase/procfs.h),
 * on a buffer and nothing else: procfs.c reads, these parse, and
 * tests/fuzz/fuzz_procfs.c feeds them anything.  The text is the
 * kernel's, but part of it is the program's: its comm (raw in stat, where
 * it may hold spaces, ')' and newlines; escaped in status), the names of
 * the files it maps.  No parser reads past len or needs a NUL.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sysphase/procfs.h"

/* A cursor over buf[0..len). */
struct cur {
	const char *p, *end;
};

static bool at_end(const struct cur *c)
{
	return c->p >= c->end;
}

/* Scheduler states are letters (fs/proc/array.c, task_state_array). */
static bool is_letter(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static void skip_blanks(struct cur *c)
{
	while (!at_end(c) && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* A decimal number, optionally negative, within long: 0 or -EINVAL. */
static int take_long(struct cur *c, long *out)
{
	bool neg = false;
	unsigned long v = 0, limit;
	const char *start;

	if (!at_end(c) && *c->p == '-') {
		neg = true;
		c->p++;
	}
	limit = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	start = c->p;
	for (; !at_end(c) && *c->p >= '0' && *c->p <= '9'; c->p++) {
		unsigned d = (unsigned)(*c->p - '0');

		if (v > (limit - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (c->p == start)
		return -EINVAL;
	/* -LONG_MIN: computed in unsigned, then negated without overflow. */
	*out = neg ? (v == limit ? LONG_MIN : -(long)v) : (long)v;
	return 0;
}

/* A number that ends its field: then a blank, a newline or the end. */
static int take_field(struct cur *c, long *out)
{
	int rc = take_long(c, out);

	if (rc == 0 && !at_end(c) && *c->p != ' ' && *c->p != '\t' && *c->p != '\n')
		return -EINVAL;
	return rc;
}

/* A pid: a number in 0..INT_MAX. */
static int take_pid(struct cur *c, pid_t *out)
{
	long v;
	int rc = take_field(c, &v);

	if (rc == 0 && (v < 0 || v > INT_MAX))
		rc = -EINVAL;
	if (rc == 0)
		*out = (pid_t)v;
	return rc;
}

/* The start of the value of the first line that begins with key, or NULL. */
static const char *find_key(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *line = buf, *end = buf + len;

	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		if ((size_t)(end - line) >= klen && memcmp(line, key, klen) == 0)
			return line + klen;
		if (!nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

int sp_proc_parse_field(const char *buf, size_t len, const char *key, long *value)
{
	struct cur c = {.end = buf + len};

	c.p = find_key(buf, len, key);
	if (!c.p)
		return -ENOTSUP;
	skip_blanks(&c);
	return take_field(&c, value);
}

static int parse_pid_field(const char *buf, size_t len, const char *key, pid_t *out)
{
	struct cur c = {.end = buf + len};

	c.p = find_key(buf, len, key);
	if (!c.p)
		return -ENOTSUP;
	skip_blanks(&c);
	return take_pid(&c, out);
}

int sp_proc_parse_task_status(const char *buf, size_t len, struct sp_proc_task_status *out)
{
	struct cur c = {.end = buf + len};
	int rc;

	/* "State:\tS (sleeping)": one letter, then a blank or the line's end. */
	c.p = find_key(buf, len, "State:");
	if (!c.p)
		return -ENOTSUP;
	skip_blanks(&c);
	if (at_end(&c) || !is_letter(*c.p) ||
	    (c.p + 1 < c.end && c.p[1] != ' ' && c.p[1] != '\t' && c.p[1] != '\n'))
		return -EINVAL;
	out->state = *c.p;
	rc = parse_pid_field(buf, len, "Tgid:", &out->tgid);
	if (rc == 0)
		rc = parse_pid_field(buf, len, "PPid:", &out->ppid);
	if (rc == 0)
		rc = parse_pid_field(buf, len, "TracerPid:", &out->tracer);
	return rc;
}

int sp_proc_parse_stat(const char *buf, size_t len, struct sp_proc_stat *out)
{
	/* "pid (comm) S ppid pgrp session tty_nr tpgid flags ...": comm may hold ')'. */
	const char *paren = len ? memrchr(buf, ')', len) : NULL;
	struct cur c = {.end = buf + len};
	long skip, flags;
	int rc = 0;

	if (!paren || (size_t)(c.end - paren) < 4 || paren[1] != ' ' || paren[3] != ' ')
		return -EINVAL;
	out->state = paren[2];
	if (!is_letter(out->state))
		return -EINVAL;
	c.p = paren + 4;
	rc = take_pid(&c, &out->ppid);
	/* pgrp, session, tty_nr, tpgid (-1 without a terminal), then flags. */
	for (int i = 0; rc == 0 && i < 4; i++) {
		if (at_end(&c) || *c.p++ != ' ')
			return -EINVAL;
		rc = take_field(&c, &skip);
	}
	if (rc == 0 && (at_end(&c) || *c.p++ != ' '))
		return -EINVAL;
	if (rc == 0)
		rc = take_field(&c, &flags);
	if (rc == 0 && flags < 0)
		rc = -EINVAL;
	if (rc == 0)
		out->flags = (unsigned long)flags;
	return rc;
}

int sp_proc_parse_pids(const char *buf, size_t len, struct sp_pids *out)
{
	struct cur c = {.p = buf, .end = buf + len};

	for (;;) {
		pid_t id;
		int rc;

		while (!at_end(&c) && (*c.p == ' ' || *c.p == '\t' || *c.p == '\n'))
			c.p++;
		if (at_end(&c))
			return 0;
		rc = take_pid(&c, &id);
		if (rc == 0 && id > 0)
			rc = sp_pids_add(out, id);
		if (rc < 0)
			return rc;
	}
}

int sp_proc_parse_ring_mappings(const char *buf, size_t len)
{
	static const char ring[] = "anon_inode:[io_uring]";
	const size_t rlen = sizeof(ring) - 1;
	const char *line = buf, *end = buf + len;
	int n = 0;

	/*
	 * A ring's mapping keeps it alive after its fd is closed; its name
	 * ends the line.  The kernel escapes newlines in mapped files' names
	 * (show_map_vma), so a line is one mapping.  A file of the program's
	 * named so only makes run refuse more.
	 */
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - line) >= rlen && memcmp(eol - rlen, ring, rlen) == 0 &&
		    n < INT_MAX)
			n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	return n;
}

size_t sp_proc_parse_comm(const char *buf, size_t len, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return 0;
	/* The kernel ends the file with one '\n'; any other is the program's. */
	if (len && buf[len - 1] == '\n')
		len--;
	for (; n < len && n + 1 < size; n++)
		out[n] = buf[n] >= 0x20 && buf[n] < 0x7f ? buf[n] : '?';
	out[n] = '\0';
	return n;
}

/* A hexadecimal number up to stop, at least one digit, within 64 bits. */
static bool hex_until(struct cur *c, char stop, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = c->p;

	for (; !at_end(c) && *c->p != stop; c->p++) {
		char ch = *c->p;
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else
			return false;
		if (v >> 60)
			return false;
		v = v << 4 | d;
	}
	if (at_end(c) || c->p == start)
		return false;
	c->p++; /* the stop */
	*out = v;
	return true;
}

int sp_proc_parse_private_area(const char *buf, size_t len, uint64_t addr, uint64_t size)
{
	struct cur c = {buf, buf + len};
	uint64_t want_end = addr + size, covered = addr;

	if (size == 0 || want_end < addr)
		return -EFAULT;
	/*
	 * The kernel lists mappings by address, one per line (a mapped
	 * file's name has its newlines escaped): the area is private when
	 * the mappings it spans follow each other without a gap and every
	 * one of them is private (the fourth flag, 'p').
	 */
	while (!at_end(&c) && covered < want_end) {
		const char *nl = memchr(c.p, '\n', (size_t)(c.end - c.p));
		struct cur line = {c.p, nl ? nl : c.end};
		uint64_t start, end;

		c.p = nl ? nl + 1 : c.end;
		if (!hex_until(&line, '-', &start) || !hex_until(&line, ' ', &end) || end < start ||
		    line.end - line.p < 4)
			return -EINVAL;
		if (end <= covered)
			continue;
		if (start > covered)
			return -EFAULT; /* a hole in the area */
		if (line.p[3] != 'p')
			return -EPERM;
		covered = end;
	}
	return covered >= want_end ? 0 : -EFAULT;
}
