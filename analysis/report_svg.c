/* SPDX-License-Identifier: MIT */
/*
 * The report's pictures, inline SVG: the timeline (a lane per process,
 * sub-lanes per thread, phases as bands, density, fork and exec edges),
 * the phases of a policy alone, and the phase graph.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "sysphase/trace.h"

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
	/*
	 * A container runtime in front: its seconds before the entrypoint
	 * (te) would squeeze the program's milliseconds into the last pixels
	 * of a log axis from t0.  Then [t0, te] gets the first `split` of the
	 * width on a log scale of its own (tau0), and the program's time is
	 * counted from te.  te = 0: one scale.
	 */
	double te, tau0, split;
};

/* Where d of span falls, 0..1, on a log1p scale of tau (linear when tau is 0). */
static double ax_u(double d, double span, double tau)
{
	if (span <= 0)
		return 0;
	return tau > 0 ? log1p(d / tau) / log1p(span / tau) : d / span;
}

static double ax_x(const struct axis *a, double t)
{
	double u;

	if (a->t1 - a->t0 <= 0)
		return LABEL_W;
	if (t < a->t0)
		t = a->t0;
	if (t > a->t1)
		t = a->t1;
	if (a->te > 0)
		u = t <= a->te ? a->split * ax_u(t - a->t0, a->te - a->t0, a->tau0)
		               : a->split + (1 - a->split) * ax_u(t - a->te, a->t1 - a->te, a->tau);
	else
		u = ax_u(t - a->t0, a->t1 - a->t0, a->tau);
	return LABEL_W + u * PLOT_W;
}

/* An e-fold of width for a log scale over span: its shortest phase, within sane bounds. */
static double log_tau(double shortest, double span)
{
	double tau = shortest > 0 ? shortest : span * 1e-3;

	return tau < span * 1e-5 ? span * 1e-5 : tau;
}

/*
 * Start-up phases last microseconds to milliseconds, serving lasts
 * seconds: on a linear axis the former are invisible.  auto picks a
 * log1p axis when the shortest phase is under 1% of the run.
 */
static void axis_setup(struct axis *a, enum sp_report_axis mode, double t0, double t1,
                       double shortest)
{
	*a = (struct axis){.t0 = t0, .t1 = t1 > t0 ? t1 : t0 + 1e-6};
	if (mode == SP_AXIS_LINEAR)
		return;
	if (mode == SP_AXIS_AUTO && !(shortest > 0 && shortest < 0.01 * (a->t1 - a->t0)))
		return;
	a->tau = log_tau(shortest, a->t1 - a->t0);
}

/*
 * With a container runtime in front (the program's first phase starts at
 * te), auto and log axes give the runtime's time the first 30% of the
 * width and the program the rest, each on its own log scale.
 */
static void axis_split(struct axis *a, enum sp_report_axis mode, double te, double shortest_rt,
                       double shortest_prog)
{
	if (mode == SP_AXIS_LINEAR || !(te > a->t0 && te < a->t1))
		return;
	a->te = te;
	a->split = 0.3;
	a->tau0 = log_tau(shortest_rt, te - a->t0);
	a->tau = log_tau(shortest_prog, a->t1 - te);
}

/*
 * A tick at t, labelled with its distance from origin: the first event
 * (ticks read "+1 ms"), or the container's entrypoint ("e+1 ms").
 */
static void axis_tick(FILE *out, const struct axis *a, double t, double origin, const char *prefix,
                      double y_top, double y_bot, double *last_x)
{
	char buf[32];
	double x = ax_x(a, t);

	if (x - *last_x < 55)
		return;
	*last_x = x;
	fprintf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
	        y_top, x, y_bot);
	fprintf(out, "<text class=\"tl\" x=\"%.1f\" y=\"%.1f\">", x, y_top - 6);
	if (t > origin && origin > 0)
		fputs(prefix, out);
	rp_esc(out, rp_fmt_time(buf, sizeof(buf), t > origin ? t - origin : t));
	fputs("</text>\n", out);
}

/* Log ticks at 1, 2, 5 times each power of ten from origin, up to span. */
static void log_ticks(FILE *out, const struct axis *a, double origin, double span, double tau,
                      const char *prefix, double y_top, double y_bot, double *last_x)
{
	for (double dec = pow(10, floor(log10(tau))); dec <= span; dec *= 10)
		for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) /* 1, 2, 5 */
			if (dec * m <= span)
				axis_tick(out, a, origin + dec * m, origin, prefix, y_top, y_bot,
				          last_x);
}

static void axis_draw(FILE *out, const struct axis *a, double y_top, double y_bot)
{
	double span = a->t1 - a->t0, last_x = -1e9, step, xe;

	fprintf(out, "<text class=\"al\" x=\"4\" y=\"%.1f\">time (%s axis)</text>\n", y_top - 6,
	        a->te > 0    ? "log; e: entrypoint"
	        : a->tau > 0 ? "log"
	                     : "linear");
	axis_tick(out, a, a->t0, a->t0, "+", y_top, y_bot, &last_x);
	if (a->te > 0) {
		/* The runtime's part, then a mark at the entrypoint, then the program's. */
		log_ticks(out, a, a->t0, (a->te - a->t0) * 0.999, a->tau0, "+", y_top, y_bot,
		          &last_x);
		xe = ax_x(a, a->te);
		fprintf(
		    out,
		    "<line class=\"entry\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
		    "<title>the container's entrypoint: the program starts here</title></line>\n",
		    xe, y_top, xe, y_bot);
		last_x = xe;
		log_ticks(out, a, a->te, a->t1 - a->te, a->tau, "e+", y_top, y_bot, &last_x);
		return;
	}
	if (a->tau > 0) {
		log_ticks(out, a, a->t0, span, a->tau, "+", y_top, y_bot, &last_x);
		return;
	}
	step = pow(10, floor(log10(span / 8)));
	if (span / step > 40)
		step *= 5;
	else if (span / step > 16)
		step *= 2;
	for (double t = step; t <= span + step * 1e-9; t += step)
		axis_tick(out, a, a->t0 + t, a->t0, "+", y_top, y_bot, &last_x);
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

	/* Every epoch (one per exec) into the same columns. */
	for (const struct hist *e = h; e; e = e->prev)
		for (size_t k = 0; e->n && k < HIST_BUCKETS; k++) {
			double x0, x1, c0, c1;

			if (!e->n[k])
				continue;
			x0 = (ax_x(a, e->anchor + rp_hist_edge(k)) - LABEL_W) / DENS_COL;
			x1 = (ax_x(a, e->anchor + rp_hist_edge(k + 1)) - LABEL_W) / DENS_COL;
			if (x1 - x0 < 1e-9) {
				size_t c = (size_t)x0;

				col[c < DENS_COLS ? c : DENS_COLS - 1] += e->n[k];
				continue;
			}
			for (c0 = floor(x0); c0 < x1 && c0 < DENS_COLS; c0 = c1) {
				double lo = x0 > c0 ? x0 : c0;

				c1 = c0 + 1;
				col[(size_t)c0] += e->n[k] * ((x1 < c1 ? x1 : c1) - lo) / (x1 - x0);
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
	rp_esc(out, json_string_value(json_object_get(seg, "phase")));
	fprintf(out, " \xe2\x80\x94 pid %d\nfrom %s, lasting %s\n%lld syscalls, %lld distinct",
	        (int)pid, rp_fmt_time(a, sizeof(a), json_real_value(json_object_get(seg, "start"))),
	        rp_fmt_time(b, sizeof(b), json_real_value(json_object_get(seg, "duration"))),
	        (long long)json_integer_value(json_object_get(seg, "syscalls")),
	        (long long)json_integer_value(json_object_get(seg, "distinct")));
	fputs("</title>", out);
}

/* The segments of a process as bands over [lo, hi], at y with height h. */
static void draw_bands(FILE *out, const struct lane *ln, const struct rp_names *nm,
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
		rp_phase_colour(col, sizeof(col),
		                rp_colour_of(nm, json_string_value(json_object_get(seg, "phase"))));
		fprintf(out,
		        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		        "fill=\"%s\">",
		        cls, x0, y, x1 - x0 < 1 ? 1.0 : x1 - x0, h, col);
		segment_title(out, ln->pid, seg);
		fputs("</rect>\n", out);
	}
}

static void draw_lane(FILE *out, const struct sp_report *r, const struct lane *ln,
                      const struct rp_names *nm, const struct axis *a, json_t *procs)
{
	json_t *p = ln->proc, *ex = json_object_get(p, "exit");
	const char *exe = rp_exe_of(procs, p);
	double start = json_real_value(json_object_get(p, "start"));
	double end = json_real_value(json_object_get(p, "end"));
	size_t pi = r ? rp_idmap_get(&r->pmap, ln->pid) : SIZE_MAX;

	fprintf(out, "<g class=\"lane\" data-pid=\"%d\">", (int)ln->pid);
	fprintf(out, "<text class=\"ll\" x=\"%d\" y=\"%.1f\">",
	        4 + 8 * (ln->depth > 6 ? 6 : ln->depth), ln->y + LANE_H / 2.0 + 4);
	fprintf(out, "%d ", (int)ln->pid);
	rp_esc(out, rp_base_name(exe));
	fputs("<title>pid ", out);
	fprintf(out, "%d", (int)ln->pid);
	if (json_is_integer(json_object_get(p, "ppid")))
		fprintf(out, ", child of %lld",
		        (long long)json_integer_value(json_object_get(p, "ppid")));
	fputs("\n", out);
	rp_esc(out, exe ? exe : "?");
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
		rp_esc(out, f->via);
		fprintf(out, ": pid %d \xe2\x86\x92 pid %d at %s</title></line>\n", (int)f->parent,
		        (int)f->child, rp_fmt_time(tb, sizeof(tb), f->ts));
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
		rp_esc(out, e->path);
		fprintf(out, " at %s</title></path>\n", rp_fmt_time(tb, sizeof(tb), e->ts));
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

static bool is_runtime(json_t *seg)
{
	const char *ph = json_string_value(json_object_get(seg, "phase"));

	return ph && strcmp(ph, SP_RUNTIME_PHASE) == 0;
}

/* The shortest segment: of every phase (which < 0), the program's (0), the runtime's (1). */
static double shortest_segment(json_t *procs, int which)
{
	double best = 0;
	size_t i, k;
	json_t *p, *seg;

	json_array_foreach(procs, i, p)
		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			double d = json_real_value(json_object_get(seg, "duration"));

			if (which >= 0 && is_runtime(seg) != (which == 1))
				continue;
			if (d > 0 && (best == 0 || d < best))
				best = d;
		}
	return best;
}

/* When the entrypoint's process began its first phase: the program's start; 0 if never. */
static double entry_time(json_t *procs, pid_t entry_pid)
{
	size_t i, k;
	json_t *p, *seg;

	json_array_foreach(procs, i, p) {
		if (!entry_pid || json_integer_value(json_object_get(p, "pid")) != entry_pid)
			continue;
		json_array_foreach(json_object_get(p, "phases"), k, seg)
			if (!is_runtime(seg))
				return json_real_value(json_object_get(seg, "start"));
	}
	return 0;
}

int rp_timeline_svg(FILE *out, const struct sp_report *r, json_t *procs, const struct rp_names *nm,
                    enum sp_report_axis mode, pid_t entry_pid)
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
	axis_setup(&a, mode, t0, t1, shortest_segment(procs, -1));
	axis_split(&a, mode, entry_time(procs, entry_pid), shortest_segment(procs, 1),
	           shortest_segment(procs, 0));
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
	        "<div class=\"wide\"><svg class=\"timeline\" width=\"%d\" height=\"%.0f\" "
	        "viewBox=\"0 0 %d %.0f\" "
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
	fputs("</svg></div>\n", out);
	if (n < n_all)
		fprintf(out,
		        "<p class=\"note\">%zu more processes are not drawn (the table below "
		        "lists them all).</p>\n",
		        n_all - n);
	free(lanes);
	return 0;
}

/* A policy alone: when each phase was active, one row per phase. */
void rp_policy_svg(FILE *out, const struct sp_policy *p, const struct rp_names *nm,
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
	        "<div class=\"wide\"><svg class=\"timeline\" width=\"%d\" height=\"%.0f\" "
	        "viewBox=\"0 0 %d %.0f\" "
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
		rp_esc(out, name);
		fputs("</text>\n", out);
		rp_phase_colour(col, sizeof(col), rp_colour_of(nm, name));
		fprintf(out,
		        "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
		        "fill=\"%s\"><title>",
		        x0, y, x1 - x0 < 1 ? 1.0 : x1 - x0, LANE_H, col);
		rp_esc(out, name);
		fprintf(
		    out,
		    "\nactive from %s to %s\n%llu events, %zu distinct syscalls</title></rect>\n",
		    rp_fmt_time(ta, sizeof(ta), ph.first), rp_fmt_time(tb, sizeof(tb), ph.last),
		    (unsigned long long)ph.events, ph.n_exact);
	}
	fputs("</svg></div>\n", out);
}

/*
 * The phase graph as an arc diagram: phases top to bottom in the policy's
 * order (long names stay readable), each edge an arc on the right from
 * one row to another, transitions solid, forks dashed, wider for rows
 * further apart so that arcs nest instead of crossing labels.
 */
#define GRAPH_ROW    24
#define GRAPH_NODE_W 300

void rp_graph_svg(FILE *out, const struct sp_policy *p, const struct rp_names *nm)
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
	        "<div class=\"wide\"><svg class=\"graph\" width=\"%.0f\" height=\"%.0f\" "
	        "viewBox=\"0 0 %.0f %.0f\" "
	        "role=\"img\" aria-label=\"phase graph\">\n<defs><marker id=\"garrow\" "
	        "viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" "
	        "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#444\"/></marker>"
	        "</defs>\n",
	        width, height, width, height);
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		double y = 8 + (double)i * GRAPH_ROW;

		rp_phase_colour(col, sizeof(col), rp_colour_of(nm, sp_policy_phase_name(p, i)));
		fprintf(
		    out,
		    "<rect class=\"node\" x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"4\" "
		    "fill=\"%s\"/><text class=\"nl\" x=\"10\" y=\"%.1f\">",
		    y, GRAPH_NODE_W, GRAPH_ROW - 6, col, y + (GRAPH_ROW - 6) / 2.0);
		rp_esc(out, sp_policy_phase_name(p, i));
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
		rp_esc(out, sp_policy_phase_name(p, (size_t)ed->from));
		fputs(" \xe2\x86\x92 ", out);
		rp_esc(out, sp_policy_phase_name(p, (size_t)ed->to));
		fprintf(out, " (%s, seen %llu\xc3\x97)</title></path>\n",
		        fork ? "fork" : "transition", (unsigned long long)ed->count);
	}
	fputs("</svg></div>\n", out);
}

void rp_legend(FILE *out, const struct rp_names *nm, bool runtime)
{
	char col[40];

	fputs("<p class=\"legend\">", out);
	for (size_t i = 0; i < nm->n; i++) {
		rp_phase_colour(col, sizeof(col), (int)i);
		fprintf(out,
		        "<span class=\"key\"><span class=\"sw\" style=\"background:%s\"></span>",
		        col);
		rp_esc(out, nm->v[i]);
		fputs("</span> ", out);
	}
	if (runtime)
		fputs("<span class=\"key\"><span class=\"sw rt-key\"></span>container runtime (no "
		      "phase)</span> ",
		      out);
	fputs("<span class=\"key\"><span class=\"sw dens-key\"></span>syscall density</span> "
	      "<span class=\"key\">\xe2\x86\x93 fork</span> "
	      "<span class=\"key\">\xe2\x97\x86 exec</span></p>\n",
	      out);
}
