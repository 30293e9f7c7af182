/* SPDX-License-Identifier: MIT */
/*
 * Text, numbers and colours as the report prints them.  File names and
 * rule names are bytes from the user: whatever they hold, the document
 * stays well-formed XML.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "sysphase/trace.h"

/* ---- output helpers ----------------------------------------------------- */

const char *sp_report_axis_name(enum sp_report_axis a)
{
	static const char *const names[] = {"auto", "linear", "log"};

	return (size_t)a < N(names) ? names[a] : NULL;
}

int sp_report_axis_from_name(const char *name)
{
	for (int a = SP_AXIS_AUTO; a <= SP_AXIS_LOG; a++)
		if (strcmp(name, sp_report_axis_name((enum sp_report_axis)a)) == 0)
			return a;
	return -EINVAL;
}

/*
 * The length of the valid UTF-8 sequence at s that XML accepts as a
 * character (no surrogates, no U+FFFE/U+FFFF, nothing above U+10FFFF),
 * or 0.  File names and rule names are bytes: a report must stay
 * well-formed whatever they hold.
 */
static size_t utf8_char(const unsigned char *s)
{
	size_t n = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	uint32_t cp;

	if (!n)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/*
 * Text and attribute values: the five XML entities; control characters
 * dropped; bytes that are not UTF-8 become U+FFFD.
 */
void rp_esc(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (s && *s) {
		size_t n;

		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			if (*s >= 0x80) {
				n = utf8_char(s);
				if (n) {
					fwrite(s, 1, n, out);
					s += n;
				} else {
					fputs("\xef\xbf\xbd", out);
					s++;
				}
				continue;
			}
			if (*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
		s++;
	}
}

/* A time in seconds for people: "812 µs", "4.39 ms", "1.25 s". */
const char *rp_fmt_time(char *buf, size_t len, double s)
{
	double a = fabs(s);

	/* Units by the rounded value: 999.7 us is "1 ms", not "1000 us" or "1e+03 ms". */
	if (a == 0)
		snprintf(buf, len, "0");
	else if (a < 0.9995e-3)
		snprintf(buf, len, "%.0f \xc2\xb5s", s * 1e6);
	else if (a < 0.9995)
		snprintf(buf, len, "%.3g ms", s * 1e3);
	else if (a < 999.5)
		snprintf(buf, len, "%.3g s", s);
	else
		snprintf(buf, len, "%.0f s", s);
	return buf;
}

const char *const rp_level_class[SP_THREAT_LEVELS + 1] = {"lv0", "lv1", "lv2", "lv3", "lv4"};

const char *rp_level_label(int l)
{
	static const char *const labels[SP_THREAT_LEVELS + 1] = {"unrated", "L1", "L2", "L3", "L4"};

	return labels[l];
}

/* Distinct colours for phases: the golden angle around the hue circle. */
void rp_phase_colour(char *buf, size_t len, int i)
{
	if (i < 0)
		snprintf(buf, len, "hsl(0,0%%,80%%)");
	else
		snprintf(buf, len, "hsl(%d,65%%,%d%%)", (int)fmod(20 + i * 137.508, 360),
		         i % 2 ? 62 : 72);
}

/* ---- phase names and colours ------------------------------------------- */

static int names_index(const struct rp_names *nm, const char *s)
{
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], s) == 0)
			return (int)i;
	return -1;
}

int rp_names_add(struct rp_names *nm, const char *s)
{
	int i = names_index(nm, s);

	if (i >= 0)
		return i;
	if (rp_grow((void **)&nm->v, &nm->cap, nm->n, sizeof(*nm->v)) < 0)
		return -ENOMEM;
	nm->v[nm->n] = s;
	return (int)nm->n++;
}

bool rp_no_phase(const char *phase)
{
	return !phase || strcmp(phase, "-") == 0 || strcmp(phase, SP_RUNTIME_PHASE) == 0;
}

/* The colour index of a phase; no phase ("-", the container runtime's) is grey. */
int rp_colour_of(const struct rp_names *nm, const char *phase)
{
	return rp_no_phase(phase) ? -1 : names_index(nm, phase);
}

const char *rp_base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	/* A path ending in '/' (runc's init execs "/"...) is shown whole. */
	return s && s[1] ? s + 1 : path ? path : "?";
}

/*
 * A forked child runs its parent's program until it execs, and the
 * timeline has no exe for it: take the nearest ancestor's.
 */
const char *rp_exe_of(json_t *procs, json_t *p)
{
	for (int hops = 0; p && hops < 64; hops++) {
		const char *exe = json_string_value(json_object_get(p, "exe"));
		json_t *pp = json_object_get(p, "ppid"), *q = NULL, *c;
		size_t i;

		if (exe)
			return exe;
		if (!json_is_integer(pp))
			break;
		json_array_foreach(procs, i, c)
			if (json_integer_value(json_object_get(c, "pid")) == json_integer_value(pp))
				q = c;
		p = q;
	}
	return NULL;
}

void rp_level_cell(FILE *out, const char *name)
{
	int l = sp_threat_level(name);

	fprintf(out, "<td class=\"lv %s\">%s</td>", rp_level_class[l], rp_level_label(l));
}

/* A syscall name chip, coloured by level. */
void rp_chip(FILE *out, const char *name)
{
	fprintf(out, "<span class=\"chip %s\">", rp_level_class[sp_threat_level(name)]);
	rp_esc(out, name);
	fputs("</span> ", out);
}

void rp_level_counts(FILE *out, const unsigned *c)
{
	fprintf(out, "L1 %u, L2 %u, L3 %u, L4 %u, unrated %u", c[1], c[2], c[3], c[4], c[0]);
}
