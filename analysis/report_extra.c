/* SPDX-License-Identifier: MIT */
/*
 * What policy.json holds besides the allowlists, rendered from the JSON
 * document by its documented shape (docs/policy-format.md), so that a
 * policy read from a file and one the report assembled from a trace show
 * the same: the Landlock layer of each phase (top-level "landlock").
 * And, from the trace, a container runtime in front of the program.
 * Every string in it is the user's data (paths from the trace, hand
 * edits): all of it goes through rp_esc().  A member of a shape this
 * file does not know is shown as compact JSON rather than dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"
#include "sysphase/trace.h"

/* Any JSON value as text for people: strings as they are, the rest compact JSON. */
static void json_text(FILE *out, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		rp_esc(out, json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	rp_esc(out, s ? s : "?");
	free(s);
}

/* An array of names (rights, scopes) as a comma-separated list; anything else as JSON. */
static void name_list(FILE *out, const json_t *v)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(v)) {
		json_text(out, v);
		return;
	}
	json_array_foreach(v, i, x) {
		fputs(i ? ", " : "", out);
		json_text(out, x);
	}
}

/* The same list in a data-* attribute, names separated by spaces (tests split on them). */
static void name_attr(FILE *out, const char *attr, const json_t *v)
{
	const json_t *x;
	size_t i;

	fprintf(out, " %s=\"", attr);
	json_array_foreach(v, i, x) {
		fputs(i ? " " : "", out);
		json_text(out, x);
	}
	fputc('"', out);
}

/* {"path", "access": [...], "why", "beneath"}: one row. */
static void landlock_rule_row(FILE *out, const json_t *rule)
{
	const json_t *path = json_object_get(rule, "path");
	const json_t *access = json_object_get(rule, "access");
	const json_t *why = json_object_get(rule, "why");

	fputs("<tr class=\"ll-rule\" data-path=\"", out);
	json_text(out, path);
	fputc('"', out);
	name_attr(out, "data-access", access);
	fputs("><td class=\"sc\">", out);
	json_text(out, path);
	if (json_is_true(json_object_get(rule, "beneath")))
		fputs(" <span class=\"cond\">and beneath</span>", out);
	fputs("</td><td>", out);
	name_list(out, access);
	fputs("</td><td>", out);
	if (why)
		json_text(out, why);
	fputs("</td></tr>\n", out);
}

/* A port: a number, or {"port", "access": [...]}. */
static void landlock_port(FILE *out, const json_t *port, size_t i)
{
	const json_t *n = json_is_object(port) ? json_object_get(port, "port") : port;
	const json_t *access = json_object_get(port, "access");

	fputs(i ? "; " : "", out);
	fputs("<span class=\"ll-port\" data-port=\"", out);
	json_text(out, n);
	fputs("\">", out);
	json_text(out, n);
	if (access) {
		fputs(" (", out);
		name_list(out, access);
		fputc(')', out);
	}
	fputs("</span>", out);
}

/* The rules and ports of a layer or of what a phase did itself. */
static void landlock_rules(FILE *out, const json_t *set, const char *cls)
{
	const json_t *rules = json_object_get(set, "rules");
	const json_t *ports = json_object_get(set, "ports");
	const json_t *x;
	size_t i;

	if (json_array_size(rules)) {
		fprintf(out,
		        "<div class=\"wide\"><table class=\"landlock %s\"><thead><tr><th>path</th>"
		        "<th>rights</th><th>why</th></tr></thead>\n<tbody>\n",
		        cls);
		json_array_foreach(rules, i, x)
			landlock_rule_row(out, x);
		fputs("</tbody></table></div>\n", out);
	} else {
		fputs("<p class=\"note\">No file system rule.</p>\n", out);
	}
	fputs("<p>TCP ports: ", out);
	json_array_foreach(ports, i, x)
		landlock_port(out, x, i);
	fputs(json_array_size(ports) ? ".</p>\n" : "none.</p>\n", out);
}

/* What a layer handles (denies unless a rule allows it), and the members not shown otherwise. */
static void landlock_layer_head(FILE *out, const json_t *layer)
{
	static const char *const shown[] = {"id",     "depth", "handled_fs", "handled_net",
	                                    "scoped", "rules", "ports"};
	const char *key;
	json_t *v;

	fputs("<p class=\"ll-layer\">Layer", out);
	if (json_object_get(layer, "id")) {
		fputs(" ", out);
		json_text(out, json_object_get(layer, "id"));
	}
	if (json_object_get(layer, "depth")) {
		fputs(", depth ", out);
		json_text(out, json_object_get(layer, "depth"));
		fputs(" (how many of sysphase's layers a thread holds here)", out);
	}
	fputs(". Handled (denied unless a rule below allows it): ", out);
	name_list(out, json_object_get(layer, "handled_fs"));
	if (json_array_size(json_object_get(layer, "handled_net"))) {
		fputs("; network: ", out);
		name_list(out, json_object_get(layer, "handled_net"));
	}
	fputs(". Scoped (no reach outside the domain): ", out);
	if (json_array_size(json_object_get(layer, "scoped")))
		name_list(out, json_object_get(layer, "scoped"));
	else
		fputs("nothing", out);
	fputs(".", out);
	json_object_foreach((json_t *)layer, key, v) {
		bool known = false;

		for (size_t k = 0; k < N(shown); k++)
			known |= strcmp(key, shown[k]) == 0;
		if (known)
			continue;
		fputs(" ", out);
		rp_esc(out, key);
		fputs(": ", out);
		json_text(out, v);
		fputs(".", out);
	}
	fputs("</p>\n", out);
}

/* The index of the phase called name in policy.json's phases (its section's id), or -1. */
static long phase_index(const json_t *doc, const json_t *name)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(doc, "phases"), i, p)
		if (json_is_string(name) && json_equal(json_object_get(p, "name"), name))
			return (long)i;
	return -1;
}

static void landlock_phase(FILE *out, const json_t *doc, const json_t *ph)
{
	long at = phase_index(doc, json_object_get(ph, "phase"));
	const json_t *layer = json_object_get(ph, "layer");
	const json_t *own = json_object_get(ph, "own");
	const json_t *no_layer = json_object_get(ph, "no_layer");
	const json_t *nofs = json_object_get(own, "no_file_system");

	fputs("<section class=\"landlock-phase\" data-phase=\"", out);
	json_text(out, json_object_get(ph, "phase"));
	fprintf(out, "\" data-layer=\"%s\">\n<h3>", json_is_object(layer) ? "yes" : "no");
	/* To the phase's allowlists, when policy.json has the phase. */
	if (at >= 0)
		fprintf(out, "<a href=\"#phase-%ld\">", at);
	json_text(out, json_object_get(ph, "phase"));
	fputs(at >= 0 ? "</a></h3>\n" : "</h3>\n", out);
	if (json_is_object(layer)) {
		landlock_layer_head(out, layer);
		landlock_rules(out, layer, "layer");
	} else {
		fputs("<p class=\"note\">No layer of its own", out);
		if (no_layer) {
			fputs(": ", out);
			json_text(out, no_layer);
		}
		fputs(".</p>\n", out);
	}
	if (nofs) {
		fputs("<p class=\"note\">No file system part: ", out);
		json_text(out, nofs);
		fputs("</p>\n", out);
	}
	if (json_is_object(own)) {
		/* What the phase itself was seen doing: the evidence, folded away. */
		size_t n = json_array_size(json_object_get(own, "rules"));

		fprintf(out, "<details><summary>What the phase itself was seen using (%zu rule%s",
		        n, n == 1 ? "" : "s");
		if (json_is_true(json_object_get(own, "signals_others")))
			fputs("; signals other processes", out);
		if (json_is_true(json_object_get(own, "abstract_unix")))
			fputs("; abstract unix sockets", out);
		fputs(")</summary>\n", out);
		landlock_rules(out, own, "own");
		fputs("</details>\n", out);
	}
	fputs("</section>\n", out);
}

int rp_landlock_section(FILE *out, const json_t *doc)
{
	const json_t *ll = json_object_get(doc, "landlock");
	const json_t *phases = json_object_get(ll, "phases"), *ph;
	size_t i;

	if (!json_is_object(ll))
		return 0;
	fputs("<h2 id=\"landlock\">Landlock</h2>\n<p>seccomp decides which calls a phase may "
	      "make; Landlock, on what: the files, directories and TCP ports each phase was seen "
	      "using. <code>sysphase run</code> gives a phase its layer when the phase begins; "
	      "layers stack and only narrow, like the filters, so a layer holds what every phase "
	      "after it needs.",
	      out);
	if (json_object_get(ll, "budget")) {
		fputs(" At most ", out);
		json_text(out, json_object_get(ll, "budget"));
		fputs(" layers on any path through the phases.", out);
	}
	fputs("</p>\n", out);
	json_array_foreach(phases, i, ph)
		landlock_phase(out, doc, ph);
	if (!json_array_size(phases))
		fputs("<p class=\"note\">No phase has Landlock rules.</p>\n", out);
	return ferror(out) ? -EIO : 0;
}

static bool is_runtime(json_t *seg)
{
	const char *ph = json_string_value(json_object_get(seg, "phase"));

	return ph && strcmp(ph, SP_RUNTIME_PHASE) == 0;
}

/*
 * The runtime's side of the timeline (trace/runtime.c): every process
 * segment in SP_RUNTIME_PHASE, and the entrypoint the program starts at.
 */
void rp_runtime_section(FILE *out, const struct sp_report_input *in)
{
	json_t *procs = json_object_get(in->timeline, "processes"), *p, *seg, *entry = NULL;
	unsigned long long calls = 0;
	char a[32], b[32];
	size_t i, k, n = 0;

	if (!in->runtime)
		return;
	json_array_foreach(procs, i, p) {
		if (json_integer_value(json_object_get(p, "pid")) == in->entry_pid)
			entry = p;
		json_array_foreach(json_object_get(p, "phases"), k, seg)
			if (is_runtime(seg)) {
				calls += json_integer_value(json_object_get(seg, "syscalls"));
				n++;
			}
	}
	fputs("<h3 id=\"runtime\">Container runtime</h3>\n<p>A container runtime ran in front of "
	      "the program",
	      out);
	if (entry) {
		fprintf(out, ": the program starts at the container's entrypoint, process %d (",
		        (int)in->entry_pid);
		rp_esc(out, rp_base_name(rp_exe_of(procs, entry)));
		fputs(")", out);
	} else {
		fputs(", and the entrypoint never came: every event is the runtime's", out);
	}
	fprintf(out,
	        ". Before and around it the runtime made %llu syscalls; they are drawn in grey, "
	        "in no phase and in no filter (a profile the runtime installs must still let the "
	        "runtime reach the entrypoint: docs/containers.md).</p>\n",
	        calls);
	if (!n)
		return;
	fputs("<div class=\"wide\"><table class=\"runtime\"><thead><tr><th>pid</th><th>program</th>"
	      "<th>start</th><th>duration</th><th>syscalls</th><th>distinct</th></tr></thead>\n"
	      "<tbody>\n",
	      out);
	json_array_foreach(procs, i, p)
		json_array_foreach(json_object_get(p, "phases"), k, seg) {
			if (!is_runtime(seg))
				continue;
			fprintf(out,
			        "<tr class=\"rt-seg\" data-pid=\"%lld\" "
			        "data-syscalls=\"%lld\"><td>%lld</td>"
			        "<td>",
			        (long long)json_integer_value(json_object_get(p, "pid")),
			        (long long)json_integer_value(json_object_get(seg, "syscalls")),
			        (long long)json_integer_value(json_object_get(p, "pid")));
			rp_esc(out, rp_base_name(rp_exe_of(procs, p)));
			fprintf(out,
			        "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td "
			        "class=\"num\">%lld</td><td class=\"num\">%lld</td></tr>\n",
			        rp_fmt_time(a, sizeof(a),
			                    json_real_value(json_object_get(seg, "start"))),
			        rp_fmt_time(b, sizeof(b),
			                    json_real_value(json_object_get(seg, "duration"))),
			        (long long)json_integer_value(json_object_get(seg, "syscalls")),
			        (long long)json_integer_value(json_object_get(seg, "distinct")));
		}
	fputs("</tbody></table></div>\n", out);
}
