/* SPDX-License-Identifier: MIT */
/*
 * The HTML report: an event collector for the picture, and the writer.
 * Everything is printed straight to the output stream; the document is
 * XML-well-formed HTML5 with inline CSS and SVG only, so it renders from
 * a file with no network and parses with a strict XML parser.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/analysis.h"
#include "sysphase/core.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- density histograms ------------------------------------------------ */

/*
 * Buckets whose width grows geometrically from the trace's zero: bucket 0
 * is [0, 1 us), bucket k is [1 us * R^(k-1), 1 us * R^k) with R = 1.02, up
 * to 10^6 s.  Any axis (linear or log, known only at the end) can then be
 * drawn from them at 2% resolution, in memory fixed per thread.
 */
#define HIST_E0      1e-6
#define HIST_R       1.02
#define HIST_BUCKETS 1400

struct hist {
	uint32_t *n; /* HIST_BUCKETS counts, allocated at the first event */
};

static double hist_edge(size_t k)
{
	return k == 0 ? 0 : HIST_E0 * pow(HIST_R, (double)(k - 1));
}

static int hist_add(struct hist *h, double ts)
{
	size_t k = 0;

	if (!h->n && !(h->n = calloc(HIST_BUCKETS, sizeof(*h->n))))
		return -ENOMEM;
	if (ts >= HIST_E0) {
		double kd = 1 + log(ts / HIST_E0) / log(HIST_R);

		k = kd < HIST_BUCKETS ? (size_t)kd : HIST_BUCKETS - 1;
	}
	/* The float division may land one off; the edges decide. */
	while (k > 0 && ts < hist_edge(k))
		k--;
	while (k + 1 < HIST_BUCKETS && ts >= hist_edge(k + 1))
		k++;
	if (h->n[k] < UINT32_MAX)
		h->n[k]++;
	return 0;
}

/* ---- the collector ------------------------------------------------------ */

struct rthread {
	pid_t tid, pid;
	double first, last;
	unsigned long syscalls;
	struct hist h;
};

struct rproc {
	pid_t pid;
	struct hist h;
	size_t n_threads; /* rthreads seen for it */
};

struct rfork {
	pid_t parent, child;
	double ts;
	char via[8];
};

struct rexec {
	pid_t pid, former_tid;
	double ts;
	char *path;
};

/* An open-addressing map from a pid/tid to an index, grown at half load. */
struct idmap {
	size_t cap, n;
	pid_t *key;
	size_t *val;
};

struct sp_report {
	struct rthread *threads;
	size_t n_threads, cap_threads;
	struct rproc *procs;
	size_t n_procs, cap_procs;
	struct idmap tmap, pmap;
	struct rfork *forks;
	size_t n_forks, cap_forks;
	struct rexec *execs;
	size_t n_execs, cap_execs;
	double t_end;
};

static size_t idmap_slot(const struct idmap *m, pid_t key)
{
	size_t i = ((size_t)(uint32_t)key * 2654435761u) & (m->cap - 1);

	while (m->key[i] && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The index stored for key, or SIZE_MAX. */
static size_t idmap_get(const struct idmap *m, pid_t key)
{
	size_t i;

	if (!m->cap)
		return SIZE_MAX;
	i = idmap_slot(m, key);
	return m->key[i] ? m->val[i] : SIZE_MAX;
}

static int idmap_put(struct idmap *m, pid_t key, size_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct idmap bigger = {.cap = m->cap ? 2 * m->cap : 64};

		bigger.key = calloc(bigger.cap, sizeof(*bigger.key));
		bigger.val = calloc(bigger.cap, sizeof(*bigger.val));
		if (!bigger.key || !bigger.val) {
			free(bigger.key);
			free(bigger.val);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t j = idmap_slot(&bigger, m->key[i]);

				bigger.key[j] = m->key[i];
				bigger.val[j] = m->val[i];
				bigger.n++;
			}
		free(m->key);
		free(m->val);
		*m = bigger;
	}
	i = idmap_slot(m, key);
	if (!m->key[i])
		m->n++;
	m->key[i] = key;
	m->val[i] = val;
	return 0;
}

static void idmap_free(struct idmap *m)
{
	free(m->key);
	free(m->val);
}

/* Makes room for one more element of size sz in *arr. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? 2 * *cap : 16) * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? 2 * *cap : 16;
	return 0;
}

struct sp_report *sp_report_new(void)
{
	return calloc(1, sizeof(struct sp_report));
}

void sp_report_free(struct sp_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_execs; i++)
		free(r->execs[i].path);
	free(r->execs);
	free(r->forks);
	for (size_t i = 0; i < r->n_threads; i++)
		free(r->threads[i].h.n);
	for (size_t i = 0; i < r->n_procs; i++)
		free(r->procs[i].h.n);
	free(r->threads);
	free(r->procs);
	idmap_free(&r->tmap);
	idmap_free(&r->pmap);
	free(r);
}

static struct rproc *proc_of(struct sp_report *r, pid_t pid)
{
	size_t i = idmap_get(&r->pmap, pid);

	if (i != SIZE_MAX)
		return &r->procs[i];
	if (grow((void **)&r->procs, &r->cap_procs, r->n_procs, sizeof(*r->procs)) < 0 ||
	    idmap_put(&r->pmap, pid, r->n_procs) < 0)
		return NULL;
	r->procs[r->n_procs] = (struct rproc){.pid = pid};
	return &r->procs[r->n_procs++];
}

static struct rthread *thread_of(struct sp_report *r, pid_t tid, pid_t pid, double ts)
{
	size_t i = idmap_get(&r->tmap, tid);
	struct rproc *p;

	if (i != SIZE_MAX) {
		/* exec from a non-leader thread: the tid now belongs to another process. */
		r->threads[i].pid = pid;
		return &r->threads[i];
	}
	p = proc_of(r, pid);
	if (!p ||
	    grow((void **)&r->threads, &r->cap_threads, r->n_threads, sizeof(*r->threads)) < 0 ||
	    idmap_put(&r->tmap, tid, r->n_threads) < 0)
		return NULL;
	p->n_threads++;
	r->threads[r->n_threads] =
	    (struct rthread){.tid = tid, .pid = pid, .first = ts, .last = ts};
	return &r->threads[r->n_threads++];
}

int sp_report_feed(struct sp_report *r, const struct sp_event *ev)
{
	struct rthread *t = thread_of(r, ev->tid, ev->pid, ev->ts);
	struct rproc *p;

	if (!t)
		return -ENOMEM;
	if (ev->ts > t->last)
		t->last = ev->ts;
	if (ev->ts > r->t_end)
		r->t_end = ev->ts;
	switch (ev->type) {
	case SP_EV_SYSCALL:
		p = proc_of(r, ev->pid);
		if (!p)
			return -ENOMEM;
		t->syscalls++;
		if (hist_add(&t->h, ev->ts) < 0 || hist_add(&p->h, ev->ts) < 0)
			return -ENOMEM;
		break;
	case SP_EV_FORK:
		if (grow((void **)&r->forks, &r->cap_forks, r->n_forks, sizeof(*r->forks)) < 0)
			return -ENOMEM;
		r->forks[r->n_forks] =
		    (struct rfork){.parent = ev->pid, .child = ev->child, .ts = ev->ts};
		snprintf(r->forks[r->n_forks].via, sizeof(r->forks[0].via), "%s",
		         ev->via ? ev->via : "fork");
		r->n_forks++;
		break;
	case SP_EV_CLONE:
		/* The new thread's lane starts when it was made, not at its first syscall. */
		if (!thread_of(r, ev->child, ev->pid, ev->ts))
			return -ENOMEM;
		break;
	case SP_EV_EXEC:
		if (grow((void **)&r->execs, &r->cap_execs, r->n_execs, sizeof(*r->execs)) < 0)
			return -ENOMEM;
		r->execs[r->n_execs] =
		    (struct rexec){.pid = ev->pid, .former_tid = ev->former_tid, .ts = ev->ts};
		r->execs[r->n_execs].path = strdup(ev->path ? ev->path : "?");
		if (!r->execs[r->n_execs].path)
			return -ENOMEM;
		r->n_execs++;
		break;
	default:
		break;
	}
	return 0;
}

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
static void esc(FILE *out, const char *str)
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
static const char *fmt_time(char *buf, size_t len, double s)
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

static const char *const level_class[SP_THREAT_LEVELS + 1] = {"lv0", "lv1", "lv2", "lv3", "lv4"};

static const char *level_label(int l)
{
	static const char *const labels[SP_THREAT_LEVELS + 1] = {"unrated", "L1", "L2", "L3", "L4"};

	return labels[l];
}

/* Distinct colours for phases: the golden angle around the hue circle. */
static void phase_colour(char *buf, size_t len, int i)
{
	if (i < 0)
		snprintf(buf, len, "hsl(0,0%%,80%%)");
	else
		snprintf(buf, len, "hsl(%d,65%%,%d%%)", (int)fmod(20 + i * 137.508, 360),
		         i % 2 ? 62 : 72);
}

/* ---- phase names and colours ------------------------------------------- */

struct names {
	const char **v;
	size_t n, cap;
};

static int names_index(const struct names *nm, const char *s)
{
	for (size_t i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], s) == 0)
			return (int)i;
	return -1;
}

static int names_add(struct names *nm, const char *s)
{
	int i = names_index(nm, s);

	if (i >= 0)
		return i;
	if (grow((void **)&nm->v, &nm->cap, nm->n, sizeof(*nm->v)) < 0)
		return -ENOMEM;
	nm->v[nm->n] = s;
	return (int)nm->n++;
}

/* The colour index of a phase; "-" (no phase) is grey. */
static int colour_of(const struct names *nm, const char *phase)
{
	return !phase || strcmp(phase, "-") == 0 ? -1 : names_index(nm, phase);
}

/* ---- the time axis ------------------------------------------------------ */

#define SVG_W        1200
#define LABEL_W      190
#define PLOT_W       (SVG_W - LABEL_W - 20)
#define AXIS_H       34
#define LANE_H       26
#define SUB_H        13
#define LANE_GAP     6
#define MAX_LANES    200
#define MAX_SUBLANES 16

struct axis {
	double t0, t1; /* the interval drawn */
	double tau;    /* log: the time that gets one e-fold of width; 0 = linear */
};

static double ax_x(const struct axis *a, double t)
{
	double span = a->t1 - a->t0, u;

	if (span <= 0)
		return LABEL_W;
	if (t < a->t0)
		t = a->t0;
	if (t > a->t1)
		t = a->t1;
	u = a->tau > 0 ? log1p((t - a->t0) / a->tau) / log1p(span / a->tau) : (t - a->t0) / span;
	return LABEL_W + u * PLOT_W;
}

/*
 * Start-up phases last microseconds to milliseconds, serving lasts
 * seconds: on a linear axis the former are invisible.  auto picks a
 * log1p axis when the shortest phase is under 1% of the run.
 */
static void axis_setup(struct axis *a, enum sp_report_axis mode, double t0, double t1,
                       double shortest)
{
	a->t0 = t0;
	a->t1 = t1 > t0 ? t1 : t0 + 1e-6;
	a->tau = 0;
	if (mode == SP_AXIS_LINEAR)
		return;
	if (mode == SP_AXIS_AUTO && !(shortest > 0 && shortest < 0.01 * (a->t1 - a->t0)))
		return;
	a->tau = shortest > 0 ? shortest : (a->t1 - a->t0) * 1e-3;
	if (a->tau < (a->t1 - a->t0) * 1e-5)
		a->tau = (a->t1 - a->t0) * 1e-5;
}

static void axis_tick(FILE *out, const struct axis *a, double t, double y_top, double y_bot,
                      double *last_x)
{
	char buf[32];
	double x = ax_x(a, t);

	if (x - *last_x < 55)
		return;
	*last_x = x;
	fprintf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
	        y_top, x, y_bot);
	fprintf(out, "<text class=\"tl\" x=\"%.1f\" y=\"%.1f\">", x, y_top - 6);
	/* The origin is the first event; later ticks count from it, as "+1 ms". */
	if (t > a->t0 && a->t0 > 0)
		fputc('+', out);
	esc(out, fmt_time(buf, sizeof(buf), t > a->t0 ? t - a->t0 : t));
	fputs("</text>\n", out);
}

static void axis_draw(FILE *out, const struct axis *a, double y_top, double y_bot)
{
	double span = a->t1 - a->t0, last_x = -1e9, step;

	fprintf(out, "<text class=\"al\" x=\"4\" y=\"%.1f\">time (%s axis)</text>\n", y_top - 6,
	        a->tau > 0 ? "log" : "linear");
	axis_tick(out, a, a->t0, y_top, y_bot, &last_x);
	if (a->tau > 0) {
		for (double dec = pow(10, floor(log10(a->tau))); dec <= span; dec *= 10)
			for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) /* 1, 2, 5 */
				if (dec * m <= span)
					axis_tick(out, a, a->t0 + dec * m, y_top, y_bot, &last_x);
		return;
	}
	step = pow(10, floor(log10(span / 8)));
	if (span / step > 40)
		step *= 5;
	else if (span / step > 16)
		step *= 2;
	for (double t = step; t <= span + step * 1e-9; t += step)
		axis_tick(out, a, a->t0 + t, y_top, y_bot, &last_x);
}

/* ---- the timeline picture ---------------------------------------------- */

struct lane {
	json_t *proc; /* from the timeline JSON */
	pid_t pid;
	double y;                 /* top of the process lane */
	size_t n_sub;             /* thread sub-lanes drawn */
	size_t sub[MAX_SUBLANES]; /* indexes into r->threads */
	int depth;                /* in the process tree */
};

static int cmp_thread_first(const void *a, const void *b, void *arg)
{
	const struct sp_report *r = arg;
	const struct rthread *x = &r->threads[*(const size_t *)a];
	const struct rthread *y = &r->threads[*(const size_t *)b];

	return x->first < y->first ? -1 : x->first > y->first ? 1 : x->tid - y->tid;
}

/* Lanes in process-tree order: each child right below its parent's subtree start. */
static size_t order_lanes(json_t *procs, struct lane *lanes, size_t max)
{
	size_t n = json_array_size(procs), count = 0;
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t *stack = calloc(n ? n : 1, sizeof(*stack));
	int *depth = calloc(n ? n : 1, sizeof(*depth));

	if (!done || !stack || !depth)
		goto out;
	for (size_t root = 0; root < n && count < max; root++) {
		size_t sp = 0;

		if (done[root])
			continue;
		/* A root: no parent among the traced processes seen before it. */
		stack[sp++] = root;
		done[root] = true;
		depth[root] = 0;
		while (sp && count < max) {
			size_t i = stack[--sp];
			pid_t pid = (pid_t)json_integer_value(
			    json_object_get(json_array_get(procs, i), "pid"));

			lanes[count++] = (struct lane){
			    .proc = json_array_get(procs, i), .pid = pid, .depth = depth[i]};
			/* Push children in reverse so the first-born is drawn first. */
			for (size_t c = n; c-- > 0;) {
				json_t *pp = json_object_get(json_array_get(procs, c), "ppid");

				if (!done[c] && json_is_integer(pp) &&
				    json_integer_value(pp) == pid && c > i) {
					done[c] = true;
					depth[c] = depth[i] + 1;
					stack[sp++] = c;
				}
			}
		}
	}
out:
	free(done);
	free(stack);
	free(depth);
	return count;
}

/*
 * The syscall density as a profile: the counts of the time buckets spread
 * over columns of DENS_COL pixels (in proportion to overlap, so that the
 * axis may stretch or squeeze time), heights on a square-root scale so
 * that a few calls stay visible next to a burst.
 */
#define DENS_COL  2
#define DENS_COLS (PLOT_W / DENS_COL + 1)

static void draw_density(FILE *out, const struct hist *h, const struct axis *a, double y,
                         double height, const char *cls)
{
	double col[DENS_COLS] = {0}, max = 0;

	if (!h->n)
		return;
	for (size_t k = 0; k < HIST_BUCKETS; k++) {
		double x0, x1, c0, c1;

		if (!h->n[k])
			continue;
		x0 = (ax_x(a, hist_edge(k)) - LABEL_W) / DENS_COL;
		x1 = (ax_x(a, hist_edge(k + 1)) - LABEL_W) / DENS_COL;
		if (x1 - x0 < 1e-9) {
			size_t c = (size_t)x0;

			col[c < DENS_COLS ? c : DENS_COLS - 1] += h->n[k];
			continue;
		}
		for (c0 = floor(x0); c0 < x1 && c0 < DENS_COLS; c0 = c1) {
			double lo = x0 > c0 ? x0 : c0;

			c1 = c0 + 1;
			col[(size_t)c0] += h->n[k] * ((x1 < c1 ? x1 : c1) - lo) / (x1 - x0);
		}
	}
	for (size_t c = 0; c < DENS_COLS; c++)
		max = col[c] > max ? col[c] : max;
	if (max <= 0)
		return;
	fprintf(out, "<path class=\"%s\" d=\"", cls);
	for (size_t c = 0; c < DENS_COLS; c++) {
		double bh;

		if (col[c] <= 0)
			continue;
		bh = height * sqrt(col[c] / max);
		fprintf(out, "M%d %.1fh%dv%.1fh%dz", LABEL_W + (int)c * DENS_COL, y + height,
		        DENS_COL, -(bh < 0.8 ? 0.8 : bh), -DENS_COL);
	}
	fputs("\"/>\n", out);
}

static void segment_title(FILE *out, pid_t pid, json_t *seg)
{
	char a[32], b[32];

	fputs("<title>", out);
	esc(out, json_string_value(json_object_get(seg, "phase")));
	fprintf(out, " \xe2\x80\x94 pid %d\nfrom %s, lasting %s\n%lld syscalls, %lld distinct",
	        (int)pid, fmt_time(a, sizeof(a), json_real_value(json_object_get(seg, "start"))),
	        fmt_time(b, sizeof(b), json_real_value(json_object_get(seg, "duration"))),
	        (long long)json_integer_value(json_object_get(seg, "syscalls")),
	        (long long)json_integer_value(json_object_get(seg, "distinct")));
	fputs("</title>", out);
}

/* The segments of a process as bands over [lo, hi], at y with height h. */
static void draw_bands(FILE *out, const struct lane *ln, const struct names *nm,
                       const struct axis *a, double y, double h, double lo, double hi,
                       const char *cls)
{
	json_t *segs = json_object_get(ln->proc, "phases"), *seg;
	size_t i;

	json_array_foreach(segs, i, seg) {
		double s = json_real_value(json_object_get(seg, "start"));
		double e = json_real_value(json_object_get(seg, "end"));
		double x0, x1;
		char col[40];

		if (s < lo)
			s = lo;
		if (e > hi)
			e = hi;
		if (e < s)
			continue;
		x0 = ax_x(a, s);
		x1 = ax_x(a, e);
		phase_colour(col, sizeof(col),
		             colour_of(nm, json_string_value(json_object_get(seg, "phase"))));
		fprintf(out,
		        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		        "fill=\"%s\">",
		        cls, x0, y, x1 - x0 < 1 ? 1.0 : x1 - x0, h, col);
		segment_title(out, ln->pid, seg);
		fputs("</rect>\n", out);
	}
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path ? path : "?";
}

/*
 * A forked child runs its parent's program until it execs, and the
 * timeline has no exe for it: take the nearest ancestor's.
 */
static const char *exe_of(json_t *procs, json_t *p)
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

static void draw_lane(FILE *out, const struct sp_report *r, const struct lane *ln,
                      const struct names *nm, const struct axis *a, json_t *procs)
{
	json_t *p = ln->proc, *ex = json_object_get(p, "exit");
	const char *exe = exe_of(procs, p);
	double start = json_real_value(json_object_get(p, "start"));
	double end = json_real_value(json_object_get(p, "end"));
	size_t pi = r ? idmap_get(&r->pmap, ln->pid) : SIZE_MAX;

	fprintf(out, "<g class=\"lane\" data-pid=\"%d\">", (int)ln->pid);
	fprintf(out, "<text class=\"ll\" x=\"%d\" y=\"%.1f\">",
	        4 + 8 * (ln->depth > 6 ? 6 : ln->depth), ln->y + LANE_H / 2.0 + 4);
	fprintf(out, "%d ", (int)ln->pid);
	esc(out, base_name(exe));
	fputs("<title>pid ", out);
	fprintf(out, "%d", (int)ln->pid);
	if (json_is_integer(json_object_get(p, "ppid")))
		fprintf(out, ", child of %lld",
		        (long long)json_integer_value(json_object_get(p, "ppid")));
	fputs("\n", out);
	esc(out, exe ? exe : "?");
	if (json_is_integer(json_object_get(ex, "status")))
		fprintf(out, "\nexit status %lld",
		        (long long)json_integer_value(json_object_get(ex, "status")));
	else if (json_is_integer(json_object_get(ex, "signal")))
		fprintf(out, "\nkilled by signal %lld",
		        (long long)json_integer_value(json_object_get(ex, "signal")));
	fputs("</title></text>\n", out);
	draw_bands(out, ln, nm, a, ln->y, LANE_H, start, end, "band");
	if (pi != SIZE_MAX)
		draw_density(out, &r->procs[pi].h, a, ln->y + LANE_H * 0.35, LANE_H * 0.65, "dens");
	for (size_t k = 0; k < ln->n_sub; k++) {
		const struct rthread *t = &r->threads[ln->sub[k]];
		double y = ln->y + LANE_H + 2 + (double)k * SUB_H;

		fprintf(out, "<text class=\"sl\" x=\"%d\" y=\"%.1f\">tid %d</text>\n",
		        16 + 8 * (ln->depth > 6 ? 6 : ln->depth), y + SUB_H - 3, (int)t->tid);
		draw_bands(out, ln, nm, a, y, SUB_H - 2, t->first, t->last, "band sub");
		draw_density(out, &t->h, a, y, SUB_H - 2, "dens");
	}
	fputs("</g>\n", out);
}

static double lane_y_of(const struct lane *lanes, size_t n, pid_t pid, double *bottom)
{
	for (size_t i = 0; i < n; i++)
		if (lanes[i].pid == pid) {
			if (bottom)
				*bottom = lanes[i].y + LANE_H;
			return lanes[i].y;
		}
	return -1;
}

/* The middle of the lane of thread tid: its sub-lane, else a process lane of that pid. */
static double former_y(const struct sp_report *r, const struct lane *lanes, size_t n, pid_t tid)
{
	for (size_t l = 0; l < n; l++)
		for (size_t k = 0; k < lanes[l].n_sub; k++)
			if (r->threads[lanes[l].sub[k]].tid == tid)
				return lanes[l].y + LANE_H + 2 + (double)k * SUB_H + SUB_H / 2.0;
	for (size_t l = 0; l < n; l++)
		if (lanes[l].pid == tid)
			return lanes[l].y + LANE_H / 2.0;
	return -1;
}

static void draw_edges(FILE *out, const struct sp_report *r, const struct lane *lanes, size_t n,
                       const struct axis *a)
{
	char tb[32];
	double ty;

	for (size_t i = 0; r && i < r->n_forks; i++) {
		const struct rfork *f = &r->forks[i];
		double yp = lane_y_of(lanes, n, f->parent, NULL);
		double yc = lane_y_of(lanes, n, f->child, NULL), x = ax_x(a, f->ts);

		if (yp < 0 || yc < 0)
			continue;
		yp += LANE_H / 2.0;
		yc += yc > yp ? 0 : LANE_H;
		fprintf(out,
		        "<line class=\"fork\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		        "marker-end=\"url(#arrow)\"><title>",
		        x, yp, x, yc);
		esc(out, f->via);
		fprintf(out, ": pid %d \xe2\x86\x92 pid %d at %s</title></line>\n", (int)f->parent,
		        (int)f->child, fmt_time(tb, sizeof(tb), f->ts));
	}
	for (size_t i = 0; r && i < r->n_execs; i++) {
		const struct rexec *e = &r->execs[i];
		double y = lane_y_of(lanes, n, e->pid, NULL), x = ax_x(a, e->ts);

		if (y < 0)
			continue;
		/*
		 * exec from a non-leader thread: the edge runs from that thread's
		 * lane (a sub-lane, or its own when the trace saw it as a process).
		 */
		ty = e->former_tid && e->former_tid != e->pid ? former_y(r, lanes, n, e->former_tid)
		                                              : -1;
		if (ty >= 0)
			fprintf(out,
			        "<line class=\"exec\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			        "y2=\"%.1f\"><title>exec by thread %d</title></line>\n",
			        x, ty, x, y + LANE_H / 2.0, (int)e->former_tid);
		fprintf(out, "<path class=\"execm\" d=\"M%.1f %.1fl5 6l-5 6l-5 -6z\"><title>exec ",
		        x, y + LANE_H / 2.0 - 6);
		esc(out, e->path);
		fprintf(out, " at %s</title></path>\n", fmt_time(tb, sizeof(tb), e->ts));
	}
}

/* Thread sub-lanes: only for processes with more than one thread. */
static int pick_sublanes(const struct sp_report *r, struct lane *ln)
{
	size_t *idx, n = 0;

	if (!r)
		return 0;
	idx = malloc((r->n_threads ? r->n_threads : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_threads; i++)
		if (r->threads[i].pid == ln->pid)
			idx[n++] = i;
	if (n > 1) {
		qsort_r(idx, n, sizeof(*idx), cmp_thread_first, (void *)r);
		ln->n_sub = n < MAX_SUBLANES ? n : MAX_SUBLANES;
		memcpy(ln->sub, idx, ln->n_sub * sizeof(*idx));
	}
	free(idx);
	return 0;
}

static double shortest_segment(json_t *procs)
{
	double best = 0;
	size_t i, k;
	json_t *p, *seg;

	json_array_foreach(procs, i, p)
		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			double d = json_real_value(json_object_get(seg, "duration"));

			if (d > 0 && (best == 0 || d < best))
				best = d;
		}
	return best;
}

static int write_timeline_svg(FILE *out, const struct sp_report *r, json_t *procs,
                              const struct names *nm, enum sp_report_axis mode)
{
	size_t n_all = json_array_size(procs), n, i;
	struct lane *lanes = calloc(n_all ? n_all : 1, sizeof(*lanes));
	double t0 = INFINITY, t1 = 0, y = AXIS_H, height;
	struct axis a;
	json_t *p;

	if (!lanes)
		return -ENOMEM;
	n = order_lanes(procs, lanes, n_all < MAX_LANES ? n_all : MAX_LANES);
	json_array_foreach(procs, i, p) {
		double s = json_real_value(json_object_get(p, "start"));
		double e = json_real_value(json_object_get(p, "end"));

		t0 = s < t0 ? s : t0;
		t1 = e > t1 ? e : t1;
	}
	if (!isfinite(t0))
		t0 = 0;
	axis_setup(&a, mode, t0, t1, shortest_segment(procs));
	for (i = 0; i < n; i++) {
		if (pick_sublanes(r, &lanes[i]) < 0) {
			free(lanes);
			return -ENOMEM;
		}
		lanes[i].y = y;
		y += LANE_H + (lanes[i].n_sub ? 2 + (double)lanes[i].n_sub * SUB_H : 0) + LANE_GAP;
	}
	height = y + 8;
	fprintf(out,
	        "<svg class=\"timeline\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
	        "role=\"img\" aria-label=\"phase timeline\">\n",
	        SVG_W, height, SVG_W, height);
	fputs("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
	      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
	      "<path d=\"M0 0L10 5L0 10z\" fill=\"#333\"/></marker></defs>\n",
	      out);
	fprintf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%.0f\"/>\n",
	        LABEL_W, AXIS_H, PLOT_W, height - AXIS_H - 4);
	axis_draw(out, &a, AXIS_H, height - 4);
	for (i = 0; i < n; i++)
		draw_lane(out, r, &lanes[i], nm, &a, procs);
	draw_edges(out, r, lanes, n, &a);
	fputs("</svg>\n", out);
	if (n < n_all)
		fprintf(out,
		        "<p class=\"note\">%zu more processes are not drawn (the table below "
		        "lists them all).</p>\n",
		        n_all - n);
	free(lanes);
	return 0;
}

/* A policy alone: when each phase was active, one row per phase. */
static void write_policy_svg(FILE *out, const struct sp_policy *p, const struct names *nm,
                             enum sp_report_axis mode)
{
	double t0 = INFINITY, t1 = 0, shortest = 0, height;
	struct axis a;
	char col[40], ta[32], tb[32];

	size_t n_phases = sp_policy_phase_count(p);
	struct sp_phase_info ph;

	for (size_t i = 0; i < n_phases; i++) {
		double d;

		sp_policy_phase_info(p, i, &ph);
		d = ph.last - ph.first;
		t0 = ph.first < t0 ? ph.first : t0;
		t1 = ph.last > t1 ? ph.last : t1;
		if (d > 0 && (shortest == 0 || d < shortest))
			shortest = d;
	}
	if (!isfinite(t0))
		t0 = 0;
	axis_setup(&a, mode, t0, t1, shortest);
	height = AXIS_H + (double)n_phases * (LANE_H + LANE_GAP) + 8;
	fprintf(out,
	        "<svg class=\"timeline\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
	        "role=\"img\" aria-label=\"phase activity\">\n",
	        SVG_W, height, SVG_W, height);
	fprintf(out, "<rect class=\"bg\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%.0f\"/>\n",
	        LABEL_W, AXIS_H, PLOT_W, height - AXIS_H - 4);
	axis_draw(out, &a, AXIS_H, height - 4);
	for (size_t i = 0; i < n_phases; i++) {
		const char *name = sp_policy_phase_name(p, i);
		double y = AXIS_H + (double)i * (LANE_H + LANE_GAP) + LANE_GAP / 2.0;
		double x0, x1;

		sp_policy_phase_info(p, i, &ph);
		x0 = ax_x(&a, ph.first);
		x1 = ax_x(&a, ph.last);
		fprintf(out, "<text class=\"ll\" x=\"4\" y=\"%.1f\">", y + LANE_H / 2.0 + 4);
		esc(out, name);
		fputs("</text>\n", out);
		phase_colour(col, sizeof(col), colour_of(nm, name));
		fprintf(out,
		        "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
		        "fill=\"%s\"><title>",
		        x0, y, x1 - x0 < 1 ? 1.0 : x1 - x0, LANE_H, col);
		esc(out, name);
		fprintf(
		    out,
		    "\nactive from %s to %s\n%llu events, %zu distinct syscalls</title></rect>\n",
		    fmt_time(ta, sizeof(ta), ph.first), fmt_time(tb, sizeof(tb), ph.last),
		    (unsigned long long)ph.events, ph.n_exact);
	}
	fputs("</svg>\n", out);
}

/*
 * The phase graph as an arc diagram: phases top to bottom in the policy's
 * order (long names stay readable), each edge an arc on the right from
 * one row to another, transitions solid, forks dashed, wider for rows
 * further apart so that arcs nest instead of crossing labels.
 */
#define GRAPH_ROW    24
#define GRAPH_NODE_W 300

static void write_graph_svg(FILE *out, const struct sp_policy *p, const struct names *nm)
{
	double height = (double)sp_policy_phase_count(p) * GRAPH_ROW + 16,
	       width = GRAPH_NODE_W + 40;
	struct sp_policy_edge edge;
	char col[40];

	for (size_t e = 0; sp_policy_edge_at(p, e, &edge) == 0; e++) {
		int span = abs(edge.to - edge.from);
		double reach = GRAPH_NODE_W + 30 + span * 22.0;

		width = reach + 20 > width ? reach + 20 : width;
	}
	fprintf(out,
	        "<svg class=\"graph\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	        "role=\"img\" aria-label=\"phase graph\">\n<defs><marker id=\"garrow\" "
	        "viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" "
	        "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#444\"/></marker>"
	        "</defs>\n",
	        width, height, width, height);
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		double y = 8 + (double)i * GRAPH_ROW;

		phase_colour(col, sizeof(col), colour_of(nm, sp_policy_phase_name(p, i)));
		fprintf(
		    out,
		    "<rect class=\"node\" x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"4\" "
		    "fill=\"%s\"/><text class=\"nl\" x=\"10\" y=\"%.1f\">",
		    y, GRAPH_NODE_W, GRAPH_ROW - 6, col, y + (GRAPH_ROW - 6) / 2.0);
		esc(out, sp_policy_phase_name(p, i));
		fputs("</text>\n", out);
	}
	for (size_t e = 0; sp_policy_edge_at(p, e, &edge) == 0; e++) {
		const struct sp_policy_edge *ed = &edge;
		double y0 = 8 + ed->from * (double)GRAPH_ROW + (GRAPH_ROW - 6) / 2.0;
		double y1 = 8 + ed->to * (double)GRAPH_ROW + (GRAPH_ROW - 6) / 2.0;
		double x = 4 + GRAPH_NODE_W, bulge = 26 + abs(ed->to - ed->from) * 22.0;
		bool fork = ed->kind == SP_EDGE_FORK;

		/* A self-edge (a process forking a child into its own phase) is a small loop. */
		if (ed->from == ed->to)
			fprintf(
			    out,
			    "<path class=\"edge%s\" d=\"M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f\" "
			    "marker-end=\"url(#garrow)\">",
			    fork ? " fork-e" : "", x, y0 - 4, x + 30, y0 - 14, x + 30, y0 + 14, x,
			    y0 + 4);
		else
			fprintf(
			    out,
			    "<path class=\"edge%s\" d=\"M%.1f %.1fC%.1f %.1f %.1f %.1f %.1f %.1f\" "
			    "marker-end=\"url(#garrow)\">",
			    fork ? " fork-e" : "", x, y0, x + bulge, y0, x + bulge, y1, x, y1);
		fputs("<title>", out);
		esc(out, sp_policy_phase_name(p, (size_t)ed->from));
		fputs(" \xe2\x86\x92 ", out);
		esc(out, sp_policy_phase_name(p, (size_t)ed->to));
		fprintf(out, " (%s, seen %llu\xc3\x97)</title></path>\n",
		        fork ? "fork" : "transition", (unsigned long long)ed->count);
	}
	fputs("</svg>\n", out);
}

static void write_legend(FILE *out, const struct names *nm)
{
	char col[40];

	fputs("<p class=\"legend\">", out);
	for (size_t i = 0; i < nm->n; i++) {
		phase_colour(col, sizeof(col), (int)i);
		fprintf(out,
		        "<span class=\"key\"><span class=\"sw\" style=\"background:%s\"></span>",
		        col);
		esc(out, nm->v[i]);
		fputs("</span> ", out);
	}
	fputs("<span class=\"key\"><span class=\"sw dens-key\"></span>syscall density</span> "
	      "<span class=\"key\">\xe2\x86\x93 fork</span> "
	      "<span class=\"key\">\xe2\x97\x86 exec</span></p>\n",
	      out);
}

/* ---- tables -------------------------------------------------------------- */

static void write_timeline_table(FILE *out, json_t *procs)
{
	size_t i, k;
	json_t *p, *seg;
	char a[32], b[32], c[32];

	fputs("<table class=\"tl-table\"><thead><tr><th>pid</th><th>program</th><th>phase</th>"
	      "<th>start</th><th>end</th><th>duration</th><th>syscalls</th><th>distinct</th>"
	      "</tr></thead>\n<tbody>\n",
	      out);
	json_array_foreach(procs, i, p) {
		int pid = (int)json_integer_value(json_object_get(p, "pid"));

		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			double s = json_real_value(json_object_get(seg, "start"));
			double e = json_real_value(json_object_get(seg, "end"));
			double d = json_real_value(json_object_get(seg, "duration"));
			long long n = json_integer_value(json_object_get(seg, "syscalls"));
			long long dn = json_integer_value(json_object_get(seg, "distinct"));
			const char *ph = json_string_value(json_object_get(seg, "phase"));

			/*
			 * data-*: the values as `sysphase phases --format json` prints
			 * them (12 significant digits), so that both read back equal.
			 */
			fprintf(
			    out,
			    "<tr class=\"seg\" data-pid=\"%d\" data-index=\"%zu\" data-phase=\"",
			    pid, k);
			esc(out, ph);
			fprintf(
			    out,
			    "\" data-start=\"%.12g\" data-end=\"%.12g\" data-duration=\"%.12g\" "
			    "data-syscalls=\"%lld\" data-distinct=\"%lld\"><td>%d</td><td>",
			    s, e, d, n, dn, pid);
			esc(out, k == 0 ? base_name(exe_of(procs, p)) : "");
			fputs("</td><td>", out);
			esc(out, ph);
			fprintf(out,
			        "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			        "<td class=\"num\">%s</td><td class=\"num\">%lld</td>"
			        "<td class=\"num\">%lld</td></tr>\n",
			        fmt_time(a, sizeof(a), s), fmt_time(b, sizeof(b), e),
			        fmt_time(c, sizeof(c), d), n, dn);
		}
	}
	fputs("</tbody></table>\n", out);
}

static void level_cell(FILE *out, const char *name)
{
	int l = sp_threat_level(name);

	fprintf(out, "<td class=\"lv %s\">%s</td>", level_class[l], level_label(l));
}

/* A syscall name chip, coloured by level. */
static void chip(FILE *out, const char *name)
{
	fprintf(out, "<span class=\"chip %s\">", level_class[sp_threat_level(name)]);
	esc(out, name);
	fputs("</span> ", out);
}

static void level_counts(FILE *out, const unsigned *c)
{
	fprintf(out, "L1 %u, L2 %u, L3 %u, L4 %u, unrated %u", c[1], c[2], c[3], c[4], c[0]);
}

/* The whole run: every syscall any phase made. */
static int whole_run_set(const struct sp_policy *p, struct sp_syscall_set **out)
{
	struct sp_syscall_set *w = sp_set_new("whole run");

	if (!w)
		return -ENOMEM;
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_call_info ci;

		for (size_t c = 0; sp_policy_exact_call(p, i, c, &ci) == 0; c++)
			sp_set_add_name(w, ci.name);
	}
	*out = w;
	return 0;
}

static int enforce_set(const struct sp_policy *p, size_t i, struct sp_syscall_set **out)
{
	struct sp_syscall_set *e = sp_set_new(sp_policy_phase_name(p, i));
	const struct sp_allow *al;

	if (!e)
		return -ENOMEM;
	for (size_t c = 0; (al = sp_policy_enforce_at(p, i, c)); c++)
		sp_set_add_name(e, al->name);
	*out = e;
	return 0;
}

static void dropped_names(FILE *out, const struct sp_cmp_part *part, int level)
{
	size_t n;
	const long *order = sp_set_name_order(&n);

	for (size_t k = 0; k < n; k++) {
		long nr = order[k];
		const char *name = sp_set_nr_name(nr);

		if (((part->bits[nr / 64] >> (nr % 64)) & 1) && sp_threat_level(name) == level)
			chip(out, name);
	}
}

static int write_summary(FILE *out, const struct sp_policy *p)
{
	struct sp_syscall_set *w = NULL, *e = NULL;
	struct sp_comparison c;
	int rc = whole_run_set(p, &w);

	if (rc < 0)
		return rc;
	sp_compare(w, w, &c);
	fputs("<table class=\"summary\"><thead><tr><th>phase</th><th>distinct (exact)</th>"
	      "<th>enforce</th><th>L1 dropped</th><th>L2 dropped</th><th>reduction</th>"
	      "<th>Level 1 and 2 syscalls the phase's filter drops</th></tr></thead>\n<tbody>\n",
	      out);
	fprintf(out,
	        "<tr class=\"whole\" data-phase=\"\" data-distinct=\"%zu\"><td>whole run (union of "
	        "all phases)</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
	        "<td class=\"num\">\xe2\x80\x94</td><td class=\"num\">\xe2\x80\x94</td>"
	        "<td class=\"num\">\xe2\x80\x94</td><td>",
	        c.part[SP_CMP_A].n, c.part[SP_CMP_A].n, c.part[SP_CMP_A].n);
	level_counts(out, c.part[SP_CMP_A].by_level);
	fputs("</td></tr>\n", out);
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_phase_info ph;

		sp_policy_phase_info(p, i, &ph);
		rc = enforce_set(p, i, &e);
		if (rc < 0)
			break;
		sp_compare(w, e, &c);
		fprintf(out, "<tr class=\"phase-sum\" data-phase=\"");
		esc(out, sp_policy_phase_name(p, i));
		fprintf(out,
		        "\" data-distinct=\"%zu\" data-enforce=\"%zu\" data-drop-l1=\"%u\" "
		        "data-drop-l2=\"%u\"><td><a href=\"#phase-%zu\">",
		        ph.n_exact, ph.n_enforce, c.part[SP_CMP_ONLY_A].by_level[1],
		        c.part[SP_CMP_ONLY_A].by_level[2], i);
		esc(out, sp_policy_phase_name(p, i));
		fprintf(out,
		        "</a></td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
		        "<td class=\"num\">%u</td><td class=\"num\">%u</td><td "
		        "class=\"num\">%.0f%%</td>"
		        "<td>",
		        ph.n_exact, ph.n_enforce, c.part[SP_CMP_ONLY_A].by_level[1],
		        c.part[SP_CMP_ONLY_A].by_level[2],
		        c.reduction < 0 ? 0.0 : 100.0 * c.reduction);
		dropped_names(out, &c.part[SP_CMP_ONLY_A], 1);
		dropped_names(out, &c.part[SP_CMP_ONLY_A], 2);
		fputs("</td></tr>\n", out);
		sp_set_free(e);
		e = NULL;
	}
	fputs("</tbody></table>\n", out);
	sp_set_free(w);
	return rc;
}

/* One cell pair of the reference table: how REF and OURS compare. */
static void against_cells(FILE *out, const struct sp_syscall_set *ref,
                          const struct sp_syscall_set *ours)
{
	struct sp_comparison c;

	sp_compare(ref, ours, &c);
	fprintf(out,
	        "<td class=\"num\" data-covers=\"%.6f\">%.0f%%</td><td class=\"num\" "
	        "data-drops=\"%.6f\" data-drop-l1=\"%u\" data-drop-l2=\"%u\">%.0f%% (%u, %u)</td>",
	        c.completeness, c.completeness < 0 ? 0.0 : 100.0 * c.completeness, c.reduction,
	        c.part[SP_CMP_ONLY_A].by_level[1], c.part[SP_CMP_ONLY_A].by_level[2],
	        c.reduction < 0 ? 0.0 : 100.0 * c.reduction, c.part[SP_CMP_ONLY_A].by_level[1],
	        c.part[SP_CMP_ONLY_A].by_level[2]);
}

/*
 * Other allowlists (a static tool's, Docker's default...) against the
 * whole run and each phase's filter: the numbers of `sysphase compare
 * REF OURS` (covers = completeness, drops = reduction).
 */
static int write_against(FILE *out, const struct sp_report_input *in)
{
	const struct sp_policy *p = in->policy;
	struct sp_syscall_set *w = NULL, *e = NULL;
	int rc = whole_run_set(p, &w);

	if (rc < 0)
		return rc;
	fputs("<h3>Against other allowlists</h3>\n<p><em>covers</em>: the share of our list that "
	      "the other allows (under 100%, its filter would have stopped the program); "
	      "<em>drops</em>: the share of the other list that ours does without, with the "
	      "Level 1 and 2 syscalls among them.</p>\n<table class=\"against\"><thead><tr>"
	      "<th>allowlist</th><th>size</th>",
	      out);
	for (size_t k = 0; k < in->n_refs; k++) {
		fputs("<th>", out);
		esc(out, sp_set_label(in->refs[k]));
		fprintf(out, " (%zu): covers</th><th>drops (L1, L2)</th>",
		        sp_set_size(in->refs[k]));
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i <= sp_policy_phase_count(p); i++) {
		const struct sp_syscall_set *ours = w;

		if (i > 0) {
			rc = enforce_set(p, i - 1, &e);
			if (rc < 0)
				break;
			ours = e;
		}
		fputs("<tr class=\"ref-row\" data-phase=\"", out);
		esc(out, i ? sp_policy_phase_name(p, i - 1) : "");
		fputs("\"><td>", out);
		esc(out, i ? sp_policy_phase_name(p, i - 1) : "whole run");
		fprintf(out, "%s</td><td class=\"num\">%zu</td>", i ? " (enforce)" : "",
		        sp_set_size(ours));
		for (size_t k = 0; k < in->n_refs; k++)
			against_cells(out, in->refs[k], ours);
		fputs("</tr>\n", out);
		sp_set_free(e);
		e = NULL;
	}
	fputs("</tbody></table>\n", out);
	sp_set_free(w);
	return rc;
}

static int cmp_call_first(const void *a, const void *b)
{
	const struct sp_call_info *x = a, *y = b;

	/* Calls not observed (first = 0) come after the observed ones. */
	if ((x->prov == SP_PROV_OBSERVED) != (y->prov == SP_PROV_OBSERVED))
		return x->prov == SP_PROV_OBSERVED ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Why a call that was not observed is there: the reason, or module/function and the chain. */
static void why_text(FILE *out, const struct sp_call_info *call)
{
	json_t *why = (json_t *)call->why; /* jansson's getters take no const, but only read */
	json_t *chain = json_object_get(why, "chain"), *v;
	const char *reason = json_string_value(json_object_get(why, "reason"));
	const char *module = json_string_value(json_object_get(why, "module"));
	const char *fn = json_string_value(json_object_get(why, "function"));
	const char *addr = json_string_value(json_object_get(why, "address"));
	size_t k;

	if (reason)
		esc(out, reason);
	if (module || fn || addr) {
		esc(out, fn ? fn : addr ? addr : "?");
		fputs(module ? " in " : "", out);
		esc(out, module ? module : "");
	}
	json_array_foreach(chain, k, v) {
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT);

		fputs(k ? " \xe2\x86\x92 " : ": ", out);
		esc(out, json_is_string(v) ? json_string_value(v) : text ? text : "?");
		free(text);
	}
}

/* A badge per provenance, so that what was seen and what was added never look alike. */
static void prov_cell(FILE *out, enum sp_provenance prov)
{
	const char *name = sp_provenance_name(prov);

	fprintf(out, "<td><span class=\"prov prov-%s\">%s</span></td>", name, name);
}

/* A value as people read flags and numbers: small ones in decimal, the rest in hex. */
static void cond_value(FILE *out, uint64_t v)
{
	fprintf(out, v < 4096 ? "%llu" : "0x%llx", (unsigned long long)v);
}

/*
 * The argument conditions an allowed call must meet, for people
 * ("arg2 & 0x4 is 0"), and in data-args for tests, in policy.json's
 * terms: "index:op:mask:v1,v2" per condition, ';' between them.
 */
static void cond_attr(FILE *out, const struct sp_arg_cond *conds, size_t n)
{
	fputs(" data-args=\"", out);
	for (size_t i = 0; i < n; i++) {
		const struct sp_arg_cond *c = &conds[i];

		fprintf(out, "%s%u:%s:", i ? ";" : "", c->index, sp_cmp_name(c->op));
		if (c->op == SCMP_CMP_MASKED_EQ)
			fprintf(out, "%llu", (unsigned long long)c->mask);
		fputc(':', out);
		for (size_t v = 0; v < c->n_values; v++)
			fprintf(out, "%s%llu", v ? "," : "", (unsigned long long)c->values[v]);
	}
	fputc('"', out);
}

static void cond_text(FILE *out, const struct sp_arg_cond *conds, size_t n)
{
	static const char *const rel[] = {
	    [SCMP_CMP_NE] = "is not",   [SCMP_CMP_LT] = "&lt;",  [SCMP_CMP_LE] = "&lt;=",
	    [SCMP_CMP_EQ] = "is",       [SCMP_CMP_GE] = "&gt;=", [SCMP_CMP_GT] = "&gt;",
	    [SCMP_CMP_MASKED_EQ] = "is"};

	if (!n)
		return;
	fputs(" <span class=\"cond\">only if ", out);
	for (size_t i = 0; i < n; i++) {
		const struct sp_arg_cond *c = &conds[i];

		fprintf(out, "%sarg%u", i ? " and " : "", c->index);
		if (c->op == SCMP_CMP_MASKED_EQ) {
			fputs(" &amp; ", out);
			cond_value(out, c->mask);
		}
		fprintf(out, " %s ", (size_t)c->op < N(rel) && rel[c->op] ? rel[c->op] : "?");
		for (size_t v = 0; v < c->n_values; v++) {
			fputs(v == 0 ? "" : v + 1 == c->n_values ? " or " : ", ", out);
			cond_value(out, c->values[v]);
		}
	}
	fputs("</span>", out);
}

static void write_call_row(FILE *out, const struct sp_call_info *call)
{
	char tb[32];

	fprintf(out, "<tr class=\"prov-%s\" data-syscall=\"", sp_provenance_name(call->prov));
	esc(out, call->name);
	fprintf(out, "\" data-prov=\"%s\"", sp_provenance_name(call->prov));
	cond_attr(out, call->conds, call->n_conds);
	fputs("><td class=\"sc\">", out);
	esc(out, call->name);
	cond_text(out, call->conds, call->n_conds);
	fputs("</td>", out);
	level_cell(out, call->name);
	prov_cell(out, call->prov);
	if (call->prov != SP_PROV_OBSERVED) {
		fputs("<td class=\"num\">\xe2\x80\x94</td><td colspan=\"3\">", out);
		why_text(out, call);
		fputs("</td></tr>\n", out);
		return;
	}
	fprintf(out, "<td class=\"num\">%llu</td><td>", (unsigned long long)call->count);
	for (size_t s = 0; s < call->n_sites; s++) {
		esc(out, call->sites[s]);
		fputs(s + 1 < call->n_sites ? ", " : "", out);
	}
	fprintf(out, "</td><td class=\"num\">%s</td>", fmt_time(tb, sizeof(tb), call->first));
	fprintf(out, "<td class=\"num\">%s</td></tr>\n", fmt_time(tb, sizeof(tb), call->last));
}

static const char call_head[] =
    "<thead><tr><th>syscall</th><th>level</th><th>provenance</th><th>count</th>"
    "<th>call sites (or why)</th><th>first use</th><th>last use</th></tr></thead>\n<tbody>\n";

static void write_exact_table(FILE *out, const struct sp_policy *p, size_t i, size_t n)
{
	struct sp_call_info *rows = malloc((n ? n : 1) * sizeof(*rows));

	fprintf(out, "<table class=\"allow exact\">%s", call_head);
	for (size_t c = 0; rows && c < n; c++)
		sp_policy_exact_call(p, i, c, &rows[c]);
	/* In order of first use: the phase's story, read top to bottom. */
	if (rows)
		sp_qsort(rows, n, sizeof(*rows), cmp_call_first);
	for (size_t c = 0; c < n; c++) {
		struct sp_call_info one;

		if (!rows)
			sp_policy_exact_call(p, i, c, &one);
		write_call_row(out, rows ? &rows[c] : &one);
	}
	fputs("</tbody></table>\n", out);
	free(rows);
}

/* What completion reached but did not allow: listed so that a person can decide. */
static void write_held_table(FILE *out, const struct sp_policy *p, size_t i, size_t n)
{
	struct sp_call_info call;

	if (n == 0)
		return;
	fprintf(out,
	        "<h4>held back: %zu syscalls reachable from the phase's call sites but dangerous, "
	        "NOT allowed</h4>\n<table class=\"allow held\">%s",
	        n, call_head);
	for (size_t c = 0; sp_policy_held_back_call(p, i, c, &call) == 0; c++)
		write_call_row(out, &call);
	fputs("</tbody></table>\n", out);
}

static void write_enforce_table(FILE *out, const struct sp_policy *p, size_t i)
{
	const struct sp_allow *al;

	fputs("<table class=\"allow enforce\"><thead><tr><th>syscall</th><th>level</th>"
	      "<th>used by (this phase and the phases after it)</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t c = 0; (al = sp_policy_enforce_at(p, i, c)); c++) {
		bool first = true;

		fputs("<tr data-syscall=\"", out);
		esc(out, al->name);
		fputc('"', out);
		cond_attr(out, al->conds, al->n_conds);
		fputs("><td class=\"sc\">", out);
		esc(out, al->name);
		cond_text(out, al->conds, al->n_conds);
		fputs("</td>", out);
		level_cell(out, al->name);
		fputs("<td>", out);
		for (size_t k = 0; k < sp_policy_reach_count(p, i); k++) {
			size_t r = (size_t)sp_policy_reach_at(p, i, k);
			struct sp_call_info ci;
			int at = sp_policy_exact_find(p, r, al->name);

			if (at < 0)
				continue;
			sp_policy_exact_call(p, r, (size_t)at, &ci);
			fputs(first ? "" : ", ", out);
			esc(out, sp_policy_phase_name(p, r));
			if (ci.prov != SP_PROV_OBSERVED)
				fprintf(out, " <span class=\"prov prov-%s\">%s</span>",
				        sp_provenance_name(ci.prov), sp_provenance_name(ci.prov));
			first = false;
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void write_next_phases(FILE *out, const struct sp_policy *p, size_t i)
{
	struct sp_policy_edge ed;

	for (size_t e = 0, any = 0; sp_policy_edge_at(p, e, &ed) == 0; e++)
		if (ed.from == (int)i && ed.to != (int)i) {
			fputs(any++ ? ", " : "", out);
			esc(out, sp_policy_phase_name(p, (size_t)ed.to));
			fprintf(out, " (%s \xc3\x97%llu)",
			        ed.kind == SP_EDGE_FORK ? "fork" : "transition",
			        (unsigned long long)ed.count);
		}
}

static void write_phase_section(FILE *out, const struct sp_report_input *in, size_t i)
{
	const struct sp_policy *p = in->policy;
	const char *name = sp_policy_phase_name(p, i);
	struct sp_phase_info ph;
	char col[40], ta[32], tb[32];

	sp_policy_phase_info(p, i, &ph);
	phase_colour(col, sizeof(col), (int)i);
	fprintf(out, "<section class=\"phase\" id=\"phase-%zu\" data-phase=\"", i);
	esc(out, name);
	fprintf(out,
	        "\" data-observed=\"%zu\" data-baseline=\"%zu\" data-completed=\"%zu\" "
	        "data-held-back=\"%zu\">\n<h3><span class=\"sw\" style=\"background:%s\"></span>",
	        ph.by_prov[SP_PROV_OBSERVED], ph.by_prov[SP_PROV_BASELINE],
	        ph.by_prov[SP_PROV_COMPLETED], ph.by_prov[SP_PROV_HELD_BACK], col);
	esc(out, name);
	fputs("</h3>\n", out);
	if (in->phase_desc && in->phase_desc[i]) {
		fputs("<p class=\"desc\">", out);
		esc(out, in->phase_desc[i]);
		fputs("</p>\n", out);
	}
	fprintf(out, "<p>Active from %s to %s; %llu events", fmt_time(ta, sizeof(ta), ph.first),
	        fmt_time(tb, sizeof(tb), ph.last), (unsigned long long)ph.events);
	if (ph.other_abi || ph.unknown)
		fprintf(out,
		        "; %llu calls through i386/x32 or unknown numbers (no x86-64 filter "
		        "can allow them)",
		        (unsigned long long)(ph.other_abi + ph.unknown));
	fputs(". Next phases: ", out);
	write_next_phases(out, p, i);
	fputs(ph.has_exits ? ".</p>\n" : "none: a terminal phase.</p>\n", out);
	fprintf(out,
	        "<h4>exact: %zu syscalls the phase allows itself: %zu observed, %zu baseline, %zu "
	        "completed (",
	        ph.n_exact, ph.by_prov[SP_PROV_OBSERVED], ph.by_prov[SP_PROV_BASELINE],
	        ph.by_prov[SP_PROV_COMPLETED]);
	level_counts(out, ph.threat_exact);
	fputs(")</h4>\n", out);
	write_exact_table(out, p, i, ph.n_exact);
	write_held_table(out, p, i, ph.n_held_back);
	fprintf(out, "<h4>enforce: %zu syscalls its filter allows (", ph.n_enforce);
	level_counts(out, ph.threat_enforce);
	fputs(")</h4>\n", out);
	write_enforce_table(out, p, i);
	fputs("</section>\n", out);
}

/* ---- the document ---------------------------------------------------------- */

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    "h3{margin-bottom:.3em}h4{margin:.8em 0 .3em;font-weight:600}"
    "table{border-collapse:collapse;margin:.4em 0}"
    "th,td{border:1px solid #ddd;padding:2px 7px;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:"
    "nowrap}"
    "td.sc{font-family:monospace}.cond{color:#777;font-size:.85em}"
    ".prov{border-radius:3px;padding:0 .35em;font-size:.85em;white-space:nowrap}"
    ".prov-observed{background:#e4eefb;color:#134}.prov-baseline{background:#eee;color:#333}"
    ".prov-completed{background:#fff1c2;color:#540}"
    ".prov-held_back{background:#fbd5d5;color:#700;font-weight:600}"
    ".lv1{background:#d73027;color:#fff}.lv2{background:#fc8d59}.lv3{background:#fee08b}"
    ".lv4{background:#91cf60}.lv0{background:#e4e4e4;color:#555}"
    ".chip{display:inline-block;padding:0 4px;margin:1px;border-radius:3px;"
    "font-family:monospace;font-size:.9em}"
    ".sw{display:inline-block;width:1em;height:1em;margin-right:.35em;vertical-align:-2px;"
    "border:1px solid #888}.key{margin-right:1em;white-space:nowrap}"
    ".dens-key{background:rgba(0,0,0,.35)}.note,.desc{color:#555}"
    "svg.timeline{border:1px solid #ccc;background:#fff;max-width:100%;height:auto}"
    "svg .bg{fill:#fafafa}svg .tick{stroke:#ddd;stroke-width:1}"
    "svg text{font:11px sans-serif;fill:#333}svg .tl{text-anchor:middle}"
    "svg .al{fill:#777}svg .sl{fill:#777;font-size:9px}"
    "svg .band{stroke:#fff;stroke-width:.5}svg .band.sub{opacity:.55}"
    "svg .dens{fill:#000;opacity:.35}svg .fork{stroke:#333;stroke-width:1.3}"
    "svg .exec{stroke:#333;stroke-width:1.2;stroke-dasharray:3 2}"
    "svg .execm{fill:#111}svg.graph{display:block;margin:.4em 0}"
    "svg .node{stroke:#888;stroke-width:.5}svg .nl{font-size:12px;dominant-baseline:middle}"
    "svg .edge{fill:none;stroke:#444;stroke-width:1.2}svg .fork-e{stroke-dasharray:4 3}";

static void write_head(FILE *out, const struct sp_report_input *in)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\"/>\n<title>sysphase report: ",
	      out);
	esc(out, in->title);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>sysphase report: ", style);
	esc(out, in->title);
	fputs("</h1>\n<p class=\"meta\">", out);
	if (in->source) {
		fputs("From <code>", out);
		esc(out, in->source);
		fputs("</code>", out);
	}
	if (in->rules_name) {
		fputs(", rules <code>", out);
		esc(out, in->rules_name);
		fputs("</code>", out);
	}
	if (in->kernel) {
		fputs(", kernel ", out);
		esc(out, in->kernel);
	}
	if (in->generator) {
		fputs("; made by ", out);
		esc(out, in->generator);
	}
	fputs(".</p>\n", out);
}

static int collect_names(const struct sp_report_input *in, struct names *nm)
{
	size_t i, k;
	json_t *p, *seg;

	for (i = 0; in->policy && i < sp_policy_phase_count(in->policy); i++)
		if (names_add(nm, sp_policy_phase_name(in->policy, i)) < 0)
			return -ENOMEM;
	json_array_foreach(json_object_get(in->timeline, "processes"), i, p)
		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			const char *ph = json_string_value(json_object_get(seg, "phase"));

			if (ph && strcmp(ph, "-") && names_add(nm, ph) < 0)
				return -ENOMEM;
		}
	return 0;
}

static const char levels_text[] =
    "<p>Threat levels after Figure 1 of the thesis (Mussa, Malaiya and Ray): "
    "<span class=\"chip lv1\">L1 full control of the system</span> "
    "<span class=\"chip lv2\">L2 denial of service</span> "
    "<span class=\"chip lv3\">L3 subverting the invoking process</span> "
    "<span class=\"chip lv4\">L4 harmless</span> "
    "<span class=\"chip lv0\">not rated by the table</span>. "
    "Modern variants take the level of their classic call (openat as open, clone3 as "
    "clone).</p>\n";

int sp_report_write(const struct sp_report *r, const struct sp_report_input *in, FILE *out)
{
	json_t *procs = json_object_get(in->timeline, "processes");
	struct names nm = {0};
	int rc;

	if (!in->title || (!in->timeline && !in->policy))
		return -EINVAL;
	rc = collect_names(in, &nm);
	if (rc < 0)
		goto out;
	write_head(out, in);
	fputs("<h2 id=\"timeline\">Timeline</h2>\n", out);
	if (in->timeline) {
		fprintf(out,
		        "<p>%zu process%s. One lane per process (children below their parent, "
		        "threads in thin sub-lanes), phases as coloured bands, the dark profile "
		        "inside a band the syscall density; hover for details.</p>\n",
		        json_array_size(procs), json_array_size(procs) == 1 ? "" : "es");
		rc = write_timeline_svg(out, r, procs, &nm, in->axis);
		if (rc < 0)
			goto out;
	} else {
		fputs("<p>Made from a policy alone: each phase is drawn from its first to its last "
		      "event.</p>\n",
		      out);
		write_policy_svg(out, in->policy, &nm, in->axis);
	}
	write_legend(out, &nm);
	if (in->timeline) {
		fputs("<h3>Phases per process</h3>\n", out);
		write_timeline_table(out, procs);
	}
	fputs("<h2 id=\"summary\">Summary</h2>\n", out);
	if (in->policy) {
		fputs("<p>Distinct syscalls per phase, and the Level 1 and 2 syscalls that each "
		      "phase's filter (its <em>enforce</em> allowlist) no longer allows compared "
		      "with one allowlist for the whole run.</p>\n",
		      out);
		rc = write_summary(out, in->policy);
		if (rc == 0 && in->n_refs)
			rc = write_against(out, in);
		if (rc < 0)
			goto out;
		fputs("<h3>Phase graph</h3>\n<p>The phase changes the trace showed: transitions "
		      "within a process (solid) and forks into a child's first phase (dashed). A "
		      "phase's filter allows everything reachable from it.</p>\n",
		      out);
		write_graph_svg(out, in->policy, &nm);
		fputs(levels_text, out);
		fputs("<h2 id=\"phases\">Allowlists per phase</h2>\n<p><em>exact</em>: what the "
		      "phase itself made. <em>enforce</em>: what its filter must allow, the union "
		      "over every phase reachable from it, because stacked seccomp filters only "
		      "narrow.</p>\n",
		      out);
		for (size_t i = 0; i < sp_policy_phase_count(in->policy); i++)
			write_phase_section(out, in, i);
	} else {
		fputs("<p class=\"note\">No allowlists: ", out);
		esc(out, in->policy_note ? in->policy_note : "no policy");
		fputs("</p>\n", out);
	}
	fputs("</body>\n</html>\n", out);
	rc = ferror(out) ? -EIO : 0;
out:
	free(nm.v);
	return rc;
}
