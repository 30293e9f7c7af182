/* SPDX-License-Identifier: MIT */
/*
 * The report's section per phase: when it was active, what follows it,
 * and its allowlists, each call with its provenance (observed, baseline,
 * completed, held back) and its argument conditions.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"

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
		rp_esc(out, reason);
	if (module || fn || addr) {
		rp_esc(out, fn ? fn : addr ? addr : "?");
		fputs(module ? " in " : "", out);
		rp_esc(out, module ? module : "");
	}
	json_array_foreach(chain, k, v) {
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT);

		fputs(k ? " \xe2\x86\x92 " : ": ", out);
		rp_esc(out, json_is_string(v) ? json_string_value(v) : text ? text : "?");
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
	rp_esc(out, call->name);
	fprintf(out, "\" data-prov=\"%s\"", sp_provenance_name(call->prov));
	cond_attr(out, call->conds, call->n_conds);
	fputs("><td class=\"sc\">", out);
	rp_esc(out, call->name);
	cond_text(out, call->conds, call->n_conds);
	fputs("</td>", out);
	rp_level_cell(out, call->name);
	prov_cell(out, call->prov);
	if (call->prov != SP_PROV_OBSERVED) {
		fputs("<td class=\"num\">\xe2\x80\x94</td><td colspan=\"3\">", out);
		why_text(out, call);
		fputs("</td></tr>\n", out);
		return;
	}
	fprintf(out, "<td class=\"num\">%llu</td><td>", (unsigned long long)call->count);
	for (size_t s = 0; s < call->n_sites; s++) {
		rp_esc(out, call->sites[s]);
		fputs(s + 1 < call->n_sites ? ", " : "", out);
	}
	fprintf(out, "</td><td class=\"num\">%s</td>", rp_fmt_time(tb, sizeof(tb), call->first));
	fprintf(out, "<td class=\"num\">%s</td></tr>\n", rp_fmt_time(tb, sizeof(tb), call->last));
}

static const char call_head[] =
    "<thead><tr><th>syscall</th><th>level</th><th>provenance</th><th>count</th>"
    "<th>call sites (or why)</th><th>first use</th><th>last use</th></tr></thead>\n<tbody>\n";

static void write_exact_table(FILE *out, const struct sp_policy *p, size_t i, size_t n)
{
	struct sp_call_info *rows = malloc((n ? n : 1) * sizeof(*rows));

	fprintf(out, "<div class=\"wide\"><table class=\"allow exact\">%s", call_head);
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
	fputs("</tbody></table></div>\n", out);
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
	        "NOT allowed</h4>\n<div class=\"wide\"><table class=\"allow held\">%s",
	        n, call_head);
	for (size_t c = 0; sp_policy_held_back_call(p, i, c, &call) == 0; c++)
		write_call_row(out, &call);
	fputs("</tbody></table></div>\n", out);
}

static void write_enforce_table(FILE *out, const struct sp_policy *p, size_t i)
{
	const struct sp_allow *al;

	fputs("<div class=\"wide\"><table class=\"allow "
	      "enforce\"><thead><tr><th>syscall</th><th>level</th>"
	      "<th>used by (this phase and the phases after it)</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t c = 0; (al = sp_policy_enforce_at(p, i, c)); c++) {
		bool first = true;

		fputs("<tr data-syscall=\"", out);
		rp_esc(out, al->name);
		fputc('"', out);
		cond_attr(out, al->conds, al->n_conds);
		fputs("><td class=\"sc\">", out);
		rp_esc(out, al->name);
		cond_text(out, al->conds, al->n_conds);
		fputs("</td>", out);
		rp_level_cell(out, al->name);
		fputs("<td>", out);
		for (size_t k = 0; k < sp_policy_reach_count(p, i); k++) {
			size_t r = (size_t)sp_policy_reach_at(p, i, k);
			struct sp_call_info ci;
			int at = sp_policy_exact_find(p, r, al->name);

			if (at < 0)
				continue;
			sp_policy_exact_call(p, r, (size_t)at, &ci);
			fputs(first ? "" : ", ", out);
			rp_esc(out, sp_policy_phase_name(p, r));
			if (ci.prov != SP_PROV_OBSERVED)
				fprintf(out, " <span class=\"prov prov-%s\">%s</span>",
				        sp_provenance_name(ci.prov), sp_provenance_name(ci.prov));
			first = false;
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}

/*
 * What the filter `run` installs (and the C header's) allows beyond the
 * enforce list: the calls that hand over to the next phase, seccomp to
 * install its filter and Landlock's to add its layer
 * (sp_policy_allowlist() with stacking).  0 or -ENOMEM.
 */
static int write_handover(FILE *out, const struct sp_policy *p, size_t i)
{
	struct sp_diag diag = {{0}};
	struct sp_allow *al = NULL;
	size_t n = 0, shown = 0;
	bool landlock = false;
	int rc = sp_policy_allowlist(p, i, SP_VIEW_ENFORCE, true, NULL, 0, &al, &n, &diag);

	if (rc < 0)
		return rc == -ENOMEM ? rc : 0; /* a name libseccomp lacks: export says so */
	for (size_t k = 0; k < n; k++) {
		const struct sp_allow *e = NULL;

		for (size_t c = 0; (e = sp_policy_enforce_at(p, i, c)); c++)
			if (strcmp(e->name, al[k].name) == 0)
				break;
		if (e)
			continue;
		fputs(shown++ ? ", "
		              : "<p class=\"handover\">To hand over to the next phase, the "
		                "filter <code>run</code> installs also allows ",
		      out);
		landlock |= strncmp(al[k].name, "landlock_", 9) == 0;
		fputs("<span class=\"sc\" data-syscall=\"", out);
		rp_esc(out, al[k].name);
		fputs("\">", out);
		rp_esc(out, al[k].name);
		cond_text(out, al[k].conds, al[k].n_conds);
		fputs("</span>", out);
	}
	if (shown)
		fputs(landlock
		          ? ": seccomp installs the next phase's filter, the others its Landlock "
		            "layer.</p>\n"
		          : ": seccomp installs the next phase's filter.</p>\n",
		      out);
	free(al);
	return 0;
}

static void write_next_phases(FILE *out, const struct sp_policy *p, size_t i)
{
	struct sp_policy_edge ed;

	for (size_t e = 0, any = 0; sp_policy_edge_at(p, e, &ed) == 0; e++)
		if (ed.from == (int)i && ed.to != (int)i) {
			fputs(any++ ? ", " : "", out);
			rp_esc(out, sp_policy_phase_name(p, (size_t)ed.to));
			fprintf(out, " (%s \xc3\x97%llu)",
			        ed.kind == SP_EDGE_FORK ? "fork" : "transition",
			        (unsigned long long)ed.count);
		}
}

int rp_phase_section(FILE *out, const struct sp_report_input *in, size_t i)
{
	const struct sp_policy *p = in->policy;
	const char *name = sp_policy_phase_name(p, i);
	struct sp_phase_info ph;
	char col[40], ta[32], tb[32];

	sp_policy_phase_info(p, i, &ph);
	rp_phase_colour(col, sizeof(col), (int)i);
	fprintf(out, "<section class=\"phase\" id=\"phase-%zu\" data-phase=\"", i);
	rp_esc(out, name);
	fprintf(out,
	        "\" data-observed=\"%zu\" data-baseline=\"%zu\" data-completed=\"%zu\" "
	        "data-held-back=\"%zu\">\n<h3><span class=\"sw\" style=\"background:%s\"></span>",
	        ph.by_prov[SP_PROV_OBSERVED], ph.by_prov[SP_PROV_BASELINE],
	        ph.by_prov[SP_PROV_COMPLETED], ph.by_prov[SP_PROV_HELD_BACK], col);
	rp_esc(out, name);
	fputs("</h3>\n", out);
	if (in->phase_desc && in->phase_desc[i]) {
		fputs("<p class=\"desc\">", out);
		rp_esc(out, in->phase_desc[i]);
		fputs("</p>\n", out);
	}
	fprintf(out, "<p>Active from %s to %s; %llu events", rp_fmt_time(ta, sizeof(ta), ph.first),
	        rp_fmt_time(tb, sizeof(tb), ph.last), (unsigned long long)ph.events);
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
	rp_level_counts(out, ph.threat_exact);
	fputs(")</h4>\n", out);
	write_exact_table(out, p, i, ph.n_exact);
	write_held_table(out, p, i, ph.n_held_back);
	fprintf(out, "<h4>enforce: %zu syscalls its filter allows (", ph.n_enforce);
	rp_level_counts(out, ph.threat_enforce);
	fputs(")</h4>\n", out);
	write_enforce_table(out, p, i);
	if (write_handover(out, p, i) < 0)
		return -ENOMEM;
	fputs("</section>\n", out);
	return 0;
}
