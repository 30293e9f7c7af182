/* SPDX-License-Identifier: MIT */
/* What `sysphase export` prints: the summary table, completion's figures, what was held back. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "sysphase/phases.h"

/* Per phase: sizes, the enforce list per threat level, and each provenance's count. */
void export_print_summary(const struct export_opts *o, const struct sp_policy *p, size_t files)
{
	struct sp_rules *rules = NULL;
	struct sp_call_info ci;
	struct sp_phase_info ph;
	int w = 5;

	for (size_t i = 0; i < sp_policy_phase_count(p); i++)
		if ((int)strlen(sp_policy_phase_name(p, i)) > w)
			w = (int)strlen(sp_policy_phase_name(p, i));
	printf("%-*s  exact  enforce  L1  L2  L3  L4   observed baseline completed held-back\n", w,
	       "phase");
	for (size_t i = 0; sp_policy_phase_info(p, i, &ph) == 0; i++)
		printf("%-*s  %5zu  %7zu %3u %3u %3u %3u   %8zu %8zu %9zu %9zu\n", w,
		       sp_policy_phase_name(p, i), ph.n_exact, ph.n_enforce, ph.threat_enforce[1],
		       ph.threat_enforce[2], ph.threat_enforce[3], ph.threat_enforce[4],
		       ph.by_prov[SP_PROV_OBSERVED], ph.by_prov[SP_PROV_BASELINE],
		       ph.by_prov[SP_PROV_COMPLETED], ph.by_prov[SP_PROV_HELD_BACK]);
	if (sp_rules_from_json(sp_policy_rules(p), sp_policy_rules_name(p), &rules, NULL) == 0)
		for (size_t i = 0; i < sp_rules_phase_count(rules); i++)
			if (sp_policy_phase_index(p, sp_rules_phase_name(rules, (int)i)) < 0)
				printf("%-*s  (never entered: no filter)\n", w,
				       sp_rules_phase_name(rules, (int)i));
	sp_rules_free(rules);
	printf("\nsyscalls of each phase (exact; [1] full control, [2] denial of service; "
	       "+ baseline, * completed):\n");
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		printf("  %s:", sp_policy_phase_name(p, i));
		for (size_t c = 0; sp_policy_exact_call(p, i, c, &ci) == 0; c++) {
			int level = sp_threat_level(ci.name);

			printf(" %s%s",
			       ci.prov == SP_PROV_BASELINE    ? "+"
			       : ci.prov == SP_PROV_COMPLETED ? "*"
			                                      : "",
			       ci.name);
			if (level == 1 || level == 2)
				printf("[%d]", level);
		}
		putchar('\n');
	}
	printf("%zu phases, %zu graph edges, from %zu traces and %zu logs; %s view%s, default "
	       "action %s%s; wrote %s/ (policy.json and %zu filter files)\n",
	       sp_policy_phase_count(p), sp_policy_edge_count(p), o->in.n_traces, o->in.n_logs,
	       sp_view_name(o->out.view),
	       !o->out.view_set && (o->out.formats & (1u << SP_FMT_PFC)) ? " (pfc: exact)" : "",
	       sp_action_name(o->out.def), o->in.args ? ", argument constraints" : "", o->dir,
	       files);
}

/*
 * What was held back, with why: completion's chain on stdout, and one
 * warning per phase for calls denied for a reason (io_uring).
 */
void export_print_held_back(const struct sp_policy *p)
{
	struct sp_phase_info ph;
	struct sp_call_info ci;

	for (size_t i = 0; sp_policy_phase_info(p, i, &ph) == 0; i++) {
		char names[256] = "";
		const char *reason = NULL;

		if (ph.other_abi || ph.unknown)
			sp_warn("export: phase '%s' made %llu calls no x86-64 filter can allow "
			        "(i386, x32 or unknown numbers): they get the default action",
			        sp_policy_phase_name(p, i),
			        (unsigned long long)(ph.other_abi + ph.unknown));
		for (size_t c = 0; sp_policy_held_back_call(p, i, c, &ci) == 0; c++) {
			const char *why = json_string_value(json_object_get(ci.why, "reason"));
			const json_t *chain = json_object_get(ci.why, "chain"), *step;
			size_t n = strlen(names);

			if (why) {
				snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
				         ci.name);
				reason = why;
				continue;
			}
			printf("  held back in %s: %s via", sp_policy_phase_name(p, i), ci.name);
			json_array_foreach(chain, n, step)
				printf("%s %s", n ? " >" : "", json_string_value(step));
			putchar('\n');
		}
		if (reason)
			sp_warn("export: phase '%s' uses %s: denied in its filter, as %s",
			        sp_policy_phase_name(p, i), names, reason);
	}
}

void export_print_completion(const struct export_opts *o, const struct completion *c)
{
	if (o->no_complete)
		return;
	if (c->st.stacks == 0) {
		printf("completion: no stacks in the traces (recorded with --no-stack): only "
		       "malloc's family added (%zu)\n",
		       c->st.memory);
		return;
	}
	printf("completion: %zu stacks in %zu processes, %zu modules (%zu cached, %zu not "
	       "found), %zu functions reached, %zu syscall sites without a constant number; "
	       "%zu completed, %zu held back%s, %zu of malloc's family\n",
	       c->st.stacks, c->st.processes, c->st.modules, c->st.cached, c->st.missing,
	       c->st.scope.reached, c->st.unresolved, c->st.added, c->st.held_back,
	       c->st.held_back && !o->allow_held_back ? " (--allow-held-back allows them)" : "",
	       c->st.memory);
}

/*
 * One line per architecture: each translation once (open->openat), then
 * the calls with no counterpart, each with the table's reason, since
 * those are what a program built for that architecture may still need.
 */
void export_print_arches(const struct export_opts *o, const struct sp_arch_notes *notes)
{
	for (unsigned a = 0; a < SP_ARCH_COUNT; a++) {
		const struct sp_arch_notes *n = &notes[a];
		size_t translated = 0, dropped = 0;

		if (a == SP_ARCH_X86_64 || !(o->out.arches & SP_ARCH_BIT(a)))
			continue;
		printf("%s:", sp_arch_name((enum sp_arch)a));
		for (size_t i = 0; i < n->n; i++)
			if (n->v[i].to && n->v[i].to != n->v[i].from) {
				printf(" %s->%s", n->v[i].from, n->v[i].to);
				translated++;
			} else if (n->v[i].to) {
				dropped++;
			}
		printf("%s (%zu translated", translated ? "" : " nothing to translate", translated);
		if (dropped)
			printf("; %zu calls allowed without their x86-64 argument constraints",
			       dropped);
		printf(")\n");
		for (size_t i = 0; i < n->n; i++)
			if (!n->v[i].to)
				printf("  %s: no counterpart on %s: %s\n", n->v[i].from,
				       sp_arch_name((enum sp_arch)a), n->v[i].why);
	}
}
