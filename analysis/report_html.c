/* SPDX-License-Identifier: MIT */
/*
 * The report as a document: head and style, the timeline table, the
 * summary and the comparison with other allowlists; the pictures and the
 * phase sections come from the other report_*.c files.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"

/* ---- tables -------------------------------------------------------------- */

static void write_timeline_table(FILE *out, json_t *procs)
{
	size_t i, k;
	json_t *p, *seg;
	char a[32], b[32], c[32];

	fputs("<div class=\"wide\"><table "
	      "class=\"tl-table\"><thead><tr><th>pid</th><th>program</th><th>phase</th>"
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
			rp_esc(out, ph);
			fprintf(
			    out,
			    "\" data-start=\"%.12g\" data-end=\"%.12g\" data-duration=\"%.12g\" "
			    "data-syscalls=\"%lld\" data-distinct=\"%lld\"><td>%d</td><td>",
			    s, e, d, n, dn, pid);
			rp_esc(out, k == 0 ? rp_base_name(rp_exe_of(procs, p)) : "");
			fputs("</td><td>", out);
			rp_esc(out, ph);
			fprintf(out,
			        "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
			        "<td class=\"num\">%s</td><td class=\"num\">%lld</td>"
			        "<td class=\"num\">%lld</td></tr>\n",
			        rp_fmt_time(a, sizeof(a), s), rp_fmt_time(b, sizeof(b), e),
			        rp_fmt_time(c, sizeof(c), d), n, dn);
		}
	}
	fputs("</tbody></table></div>\n", out);
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
			rp_chip(out, name);
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
	fputs("<div class=\"wide\"><table class=\"summary\"><thead><tr><th>phase</th><th>distinct "
	      "(exact)</th>"
	      "<th>enforce</th><th><span class=\"prov prov-observed\">observed</span></th>"
	      "<th><span class=\"prov prov-baseline\">baseline</span></th>"
	      "<th><span class=\"prov prov-completed\">completed</span></th>"
	      "<th><span class=\"prov prov-held_back\">held back</span></th>"
	      "<th>L1 dropped</th><th>L2 dropped</th><th>reduction</th>"
	      "<th>Level 1 and 2 syscalls the phase's filter drops</th></tr></thead>\n<tbody>\n",
	      out);
	fprintf(out,
	        "<tr class=\"whole\" data-phase=\"\" data-distinct=\"%zu\"><td>whole run (union of "
	        "all phases)</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
	        "<td class=\"num\" colspan=\"4\">\xe2\x80\x94</td>"
	        "<td class=\"num\">\xe2\x80\x94</td><td class=\"num\">\xe2\x80\x94</td>"
	        "<td class=\"num\">\xe2\x80\x94</td><td>",
	        c.part[SP_CMP_A].n, c.part[SP_CMP_A].n, c.part[SP_CMP_A].n);
	rp_level_counts(out, c.part[SP_CMP_A].by_level);
	fputs("</td></tr>\n", out);
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_phase_info ph;

		sp_policy_phase_info(p, i, &ph);
		rc = enforce_set(p, i, &e);
		if (rc < 0)
			break;
		sp_compare(w, e, &c);
		fprintf(out, "<tr class=\"phase-sum\" data-phase=\"");
		rp_esc(out, sp_policy_phase_name(p, i));
		fprintf(out,
		        "\" data-distinct=\"%zu\" data-enforce=\"%zu\" data-drop-l1=\"%u\" "
		        "data-drop-l2=\"%u\" data-observed=\"%zu\" data-baseline=\"%zu\" "
		        "data-completed=\"%zu\" data-held-back=\"%zu\"><td><a href=\"#phase-%zu\">",
		        ph.n_exact, ph.n_enforce, c.part[SP_CMP_ONLY_A].by_level[1],
		        c.part[SP_CMP_ONLY_A].by_level[2], ph.by_prov[SP_PROV_OBSERVED],
		        ph.by_prov[SP_PROV_BASELINE], ph.by_prov[SP_PROV_COMPLETED],
		        ph.by_prov[SP_PROV_HELD_BACK], i);
		rp_esc(out, sp_policy_phase_name(p, i));
		fprintf(out, "</a></td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
		        ph.n_exact, ph.n_enforce);
		for (int k = SP_PROV_OBSERVED; k < SP_PROV_COUNT; k++)
			fprintf(out, "<td class=\"num\">%zu</td>", ph.by_prov[k]);
		fprintf(out,
		        "<td class=\"num\">%u</td><td class=\"num\">%u</td><td "
		        "class=\"num\">%.0f%%</td>"
		        "<td>",
		        c.part[SP_CMP_ONLY_A].by_level[1], c.part[SP_CMP_ONLY_A].by_level[2],
		        c.reduction < 0 ? 0.0 : 100.0 * c.reduction);
		dropped_names(out, &c.part[SP_CMP_ONLY_A], 1);
		dropped_names(out, &c.part[SP_CMP_ONLY_A], 2);
		fputs("</td></tr>\n", out);
		sp_set_free(e);
		e = NULL;
	}
	fputs("</tbody></table></div>\n", out);
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
	      "Level 1 and 2 syscalls among them.</p>\n<div class=\"wide\"><table "
	      "class=\"against\"><thead><tr>"
	      "<th>allowlist</th><th>size</th>",
	      out);
	for (size_t k = 0; k < in->n_refs; k++) {
		fputs("<th>", out);
		rp_esc(out, sp_set_label(in->refs[k]));
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
		rp_esc(out, i ? sp_policy_phase_name(p, i - 1) : "");
		fputs("\"><td>", out);
		rp_esc(out, i ? sp_policy_phase_name(p, i - 1) : "whole run");
		fprintf(out, "%s</td><td class=\"num\">%zu</td>", i ? " (enforce)" : "",
		        sp_set_size(ours));
		for (size_t k = 0; k < in->n_refs; k++)
			against_cells(out, in->refs[k], ours);
		fputs("</tr>\n", out);
		sp_set_free(e);
		e = NULL;
	}
	fputs("</tbody></table></div>\n", out);
	sp_set_free(w);
	return rc;
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
    ".dens-key{background:rgba(0,0,0,.35)}.rt-key{background:hsl(0,0%,80%)}.note,.desc{color:#555}"
    "svg.timeline{border:1px solid #ccc;background:#fff;max-width:100%;height:auto}"
    /* A phone: the page never scrolls sideways; wide tables and pictures do, in their box. */
    ".wide{overflow-x:auto;max-width:100%}h1,.meta,.desc,.note{overflow-wrap:anywhere}"
    "@media (max-width:700px){body{margin:.6em}svg.timeline{max-width:none;width:760px}}"
    "svg .bg{fill:#fafafa}svg .tick{stroke:#ddd;stroke-width:1}"
    "svg text{font:11px sans-serif;fill:#333}svg .tl{text-anchor:middle}"
    "svg .al{fill:#777}svg .sl{fill:#777;font-size:9px}"
    "svg .band{stroke:#fff;stroke-width:.5}svg .band.sub{opacity:.55}"
    "svg .dens{fill:#000;opacity:.35}svg .fork{stroke:#333;stroke-width:1.3}"
    "svg .exec{stroke:#333;stroke-width:1.2;stroke-dasharray:3 2}"
    "svg .execm{fill:#111}svg .entry{stroke:#b00;stroke-width:1.5;stroke-dasharray:5 "
    "3}svg.graph{display:block;margin:.4em 0;max-width:100%;height:auto}"
    "svg .node{stroke:#888;stroke-width:.5}svg .nl{font-size:12px;dominant-baseline:middle}"
    "svg .edge{fill:none;stroke:#444;stroke-width:1.2}svg .fork-e{stroke-dasharray:4 3}";

static void write_head(FILE *out, const struct sp_report_input *in)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\"/>\n<title>sysphase report: ",
	      out);
	rp_esc(out, in->title);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>sysphase report: ", style);
	rp_esc(out, in->title);
	fputs("</h1>\n<p class=\"meta\">", out);
	if (in->source) {
		fputs("From <code>", out);
		rp_esc(out, in->source);
		fputs("</code>", out);
	}
	if (in->rules_name) {
		fputs(", rules <code>", out);
		rp_esc(out, in->rules_name);
		fputs("</code>", out);
	}
	if (in->kernel) {
		fputs(", kernel ", out);
		rp_esc(out, in->kernel);
	}
	if (in->generator) {
		fputs("; made by ", out);
		rp_esc(out, in->generator);
	}
	fputs(".</p>\n", out);
}

static int collect_names(const struct sp_report_input *in, struct rp_names *nm)
{
	size_t i, k;
	json_t *p, *seg;

	for (i = 0; in->policy && i < sp_policy_phase_count(in->policy); i++)
		if (rp_names_add(nm, sp_policy_phase_name(in->policy, i)) < 0)
			return -ENOMEM;
	json_array_foreach(json_object_get(in->timeline, "processes"), i, p)
		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			const char *ph = json_string_value(json_object_get(seg, "phase"));

			if (!rp_no_phase(ph) && rp_names_add(nm, ph) < 0)
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
    "clone).</p>\n"
    "<p>Provenance, why a phase allows a syscall: "
    "<span class=\"prov prov-observed\">observed</span> the phase made it while recorded "
    "(or under <code>run --complain</code>, merged); "
    "<span class=\"prov prov-baseline\">baseline</span> the kernel or the C runtime makes it "
    "on the program's behalf at moments no recording predicts; "
    "<span class=\"prov prov-completed\">completed</span> reachable by direct calls from the "
    "code the phase was seen running (static completion); "
    "<span class=\"prov prov-held_back\">held back</span> reachable too, or invisible to "
    "seccomp (io_uring), but dangerous: listed for a person to decide, <strong>not "
    "allowed</strong>.</p>\n";

int sp_report_write(const struct sp_report *r, const struct sp_report_input *in, FILE *out)
{
	json_t *procs = json_object_get(in->timeline, "processes");
	struct rp_names nm = {0};
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
		rc = rp_timeline_svg(out, r, procs, &nm, in->axis, in->runtime ? in->entry_pid : 0);
		if (rc < 0)
			goto out;
	} else {
		fputs("<p>Made from a policy alone: each phase is drawn from its first to its last "
		      "event.</p>\n",
		      out);
		rp_policy_svg(out, in->policy, &nm, in->axis);
	}
	rp_legend(out, &nm, in->runtime);
	if (in->timeline) {
		fputs("<h3>Phases per process</h3>\n", out);
		write_timeline_table(out, procs);
		rp_runtime_section(out, in);
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
		rp_graph_svg(out, in->policy, &nm);
		fputs(levels_text, out);
		fputs("<h2 id=\"phases\">Allowlists per phase</h2>\n<p><em>exact</em>: what the "
		      "phase itself made. <em>enforce</em>: what its filter must allow, the union "
		      "over every phase reachable from it, because stacked seccomp filters only "
		      "narrow.</p>\n",
		      out);
		for (size_t i = 0; rc == 0 && i < sp_policy_phase_count(in->policy); i++)
			rc = rp_phase_section(out, in, i);
		if (rc < 0)
			goto out;
		rc = rp_landlock_section(out, in->document);
		if (rc < 0)
			goto out;
	} else {
		fputs("<p class=\"note\">No allowlists: ", out);
		rp_esc(out, in->policy_note ? in->policy_note : "no policy");
		fputs("</p>\n", out);
	}
	fputs("</body>\n</html>\n", out);
	rc = ferror(out) ? -EIO : 0;
out:
	free(nm.v);
	return rc;
}
