/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/core.h"

struct jpos_entry {
	char *pointer;
	int line, col;         /* of the value */
	int key_line, key_col; /* of the member name; 0 for array elements and the root */
};

struct sp_jpos {
	struct jpos_entry *v;
	size_t n, cap;
};

struct scanner {
	const char *s;
	size_t len, i;
	int line, col;
	struct sp_jpos *jp;
};

static void sc_advance(struct scanner *sc)
{
	/* Columns count characters, as jansson's do: skip UTF-8 continuation bytes. */
	if (sc->s[sc->i] == '\n') {
		sc->line++;
		sc->col = 1;
	} else if (((unsigned char)sc->s[sc->i] & 0xc0) != 0x80) {
		sc->col++;
	}
	sc->i++;
}

static void sc_skip_ws(struct scanner *sc)
{
	while (sc->i < sc->len && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
		sc_advance(sc);
}

static int jp_add(struct sp_jpos *jp, const char *pointer, int line, int col, int kline, int kcol)
{
	struct jpos_entry *e;

	if (jp->n == jp->cap) {
		size_t cap = jp->cap ? jp->cap * 2 : 64;
		struct jpos_entry *v = realloc(jp->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		jp->v = v;
		jp->cap = cap;
	}
	e = &jp->v[jp->n];
	e->pointer = strdup(pointer);
	if (!e->pointer)
		return -ENOMEM;
	e->line = line;
	e->col = col;
	e->key_line = kline;
	e->key_col = kcol;
	jp->n++;
	return 0;
}

/*
 * Reads a string token, appending its pointer-escaped contents to out
 * (when out is not NULL) so member names become pointer segments.
 */
static int sc_string(struct scanner *sc, char **out, size_t *outlen)
{
	size_t cap = 0;

	sc_advance(sc); /* the opening quote */
	while (sc->i < sc->len && sc->s[sc->i] != '"') {
		char c = sc->s[sc->i];
		const char *app = NULL;
		char one[2] = {c, 0};

		if (c == '\\' && sc->i + 1 < sc->len) {
			sc_advance(sc);
			c = sc->s[sc->i];
			one[0] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			if (c == 'u') {
				/* Rare in rule files; keep the escape as written. */
				one[0] = 'u';
			}
		}
		app = one[0] == '~' ? "~0" : one[0] == '/' ? "~1" : one;
		if (out) {
			size_t l = strlen(app);

			if (*outlen + l + 1 > cap) {
				char *p;

				cap = (*outlen + l + 1) * 2;
				p = realloc(*out, cap);
				if (!p)
					return -ENOMEM;
				*out = p;
			}
			memcpy(*out + *outlen, app, l + 1);
			*outlen += l;
		}
		sc_advance(sc);
	}
	if (sc->i >= sc->len)
		return -EINVAL;
	sc_advance(sc); /* the closing quote */
	return 0;
}

static int sc_value(struct scanner *sc, char *ptr, int kline, int kcol, int depth);

static int sc_container(struct scanner *sc, char *ptr, int depth, int object)
{
	size_t base = strlen(ptr);
	long index = 0;
	int rc;

	sc_advance(sc); /* '{' or '[' */
	for (;;) {
		int kline = 0, kcol = 0;
		char *seg = NULL;
		size_t seglen = 0;
		char *child;

		sc_skip_ws(sc);
		if (sc->i >= sc->len)
			return -EINVAL;
		if (sc->s[sc->i] == (object ? '}' : ']')) {
			sc_advance(sc);
			return 0;
		}
		if (sc->s[sc->i] == ',') {
			sc_advance(sc);
			continue;
		}
		if (object) {
			kline = sc->line;
			kcol = sc->col;
			if (sc->s[sc->i] != '"')
				return -EINVAL;
			rc = sc_string(sc, &seg, &seglen);
			if (rc < 0) {
				free(seg);
				return rc;
			}
			sc_skip_ws(sc);
			if (sc->i >= sc->len || sc->s[sc->i] != ':') {
				free(seg);
				return -EINVAL;
			}
			sc_advance(sc);
			sc_skip_ws(sc);
		}
		child = malloc(base + (seg ? seglen : 24) + 2);
		if (!child) {
			free(seg);
			return -ENOMEM;
		}
		if (object)
			sprintf(child, "%s/%s", ptr, seg ? seg : "");
		else
			sprintf(child, "%s/%ld", ptr, index++);
		free(seg);
		rc = sc_value(sc, child, kline, kcol, depth + 1);
		free(child);
		if (rc < 0)
			return rc;
	}
}

static int sc_value(struct scanner *sc, char *ptr, int kline, int kcol, int depth)
{
	int rc;

	if (depth > 256)
		return -EINVAL;
	sc_skip_ws(sc);
	if (sc->i >= sc->len)
		return -EINVAL;
	rc = jp_add(sc->jp, ptr, sc->line, sc->col, kline, kcol);
	if (rc < 0)
		return rc;
	switch (sc->s[sc->i]) {
	case '{':
		return sc_container(sc, ptr, depth, 1);
	case '[':
		return sc_container(sc, ptr, depth, 0);
	case '"':
		return sc_string(sc, NULL, NULL);
	default:
		/* number, true, false, null: up to the next delimiter */
		while (sc->i < sc->len && !strchr(",]} \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
			sc_advance(sc);
		return 0;
	}
}

struct sp_jpos *sp_jpos_new(const char *text, size_t len)
{
	struct scanner sc = {.s = text, .len = len, .line = 1, .col = 1};
	char root[1] = "";

	sc.jp = calloc(1, sizeof(*sc.jp));
	if (!sc.jp)
		return NULL;
	if (sc_value(&sc, root, 0, 0, 0) < 0) {
		sp_jpos_free(sc.jp);
		return NULL;
	}
	return sc.jp;
}

void sp_jpos_free(struct sp_jpos *jp)
{
	if (!jp)
		return;
	for (size_t i = 0; i < jp->n; i++)
		free(jp->v[i].pointer);
	free(jp->v);
	free(jp);
}

int sp_jpos_find(const struct sp_jpos *jp, const char *pointer, int key, int *line, int *col)
{
	if (!jp)
		return -ENOENT;
	/* The last match wins: with duplicate keys jansson keeps the last one too. */
	for (size_t i = jp->n; i-- > 0;) {
		const struct jpos_entry *e = &jp->v[i];

		if (strcmp(e->pointer, pointer))
			continue;
		if (key && e->key_line) {
			*line = e->key_line;
			*col = e->key_col;
		} else {
			*line = e->line;
			*col = e->col;
		}
		return 0;
	}
	return -ENOENT;
}
