/* SPDX-License-Identifier: MIT */
/*
 * export's start profile (start.oci.json, start.k8s.json): the one
 * profile to give a container runtime.  The program's needs from its
 * first instruction are the starting phase's enforce view; the runtime's
 * own calls after loading the profile come from the traces (between its
 * filter load and the entrypoint's execve, where it loaded one) and from
 * what is known of runc and crun with and without no_new_privs
 * (sp_runtime_syscalls).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"

static int add_name(struct export_start *st, const char *name)
{
	if (sp_filter_syscall_nr(name) < 0)
		return 0; /* another ABI's, or unknown: no x86-64 profile can name it */
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->extra[i], name) == 0)
			return 0;
	if (st->n + 1 >= st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		char **v = realloc(st->extra, cap * sizeof(*v));

		if (!v)
			return -1;
		st->extra = v;
		st->cap = cap;
	}
	if (!(st->extra[st->n] = strdup(name)))
		return -1;
	st->extra[++st->n] = NULL;
	return 0;
}

static bool listed(const char *const *list, const char *name)
{
	while (list && *list && strcmp(*list, name) != 0)
		list++;
	return list && *list;
}

/* Adds list; a name read from the traces (the first `traced`) that it has is not "observed". */
static int add_list(struct export_start *st, const char *const *list, size_t traced, bool *known)
{
	for (size_t i = 0; i < traced; i++)
		known[i] |= listed(list, st->extra[i]);
	for (; list && *list; list++)
		if (add_name(st, *list) < 0)
			return -1;
	return 0;
}

/* What each trace shows of the runtime: its name, and its calls after its filter load. */
static int read_traces(const struct export_opts *o, struct export_start *st)
{
	for (size_t t = 0; t < o->in.n_traces; t++) {
		struct sp_runtime *rt = NULL;
		struct sp_diag diag = {{0}};
		const char *name;

		if (sp_runtime_scan(o->traces[t], &rt, &diag) < 0)
			return -1;
		if (!rt)
			continue;
		if (sp_runtime_name(rt) && !st->runtime[0])
			snprintf(st->runtime, sizeof(st->runtime), "%s", sp_runtime_name(rt));
		if (sp_runtime_filter_loaded(rt) >= 0) {
			st->loaded_nnp |= sp_runtime_filter_loaded(rt) == 1;
			st->loaded_plain |= sp_runtime_filter_loaded(rt) == 0;
		}
		for (size_t i = 0; (name = sp_runtime_after_load(rt, i)); i++)
			if (add_name(st, name) < 0) {
				sp_runtime_free(rt);
				return -1;
			}
		sp_runtime_free(rt);
	}
	return 0;
}

/* What the phases stacked from the host need of the start profile (export_start_prepare). */
static const char *const stacking[] = {"prctl", "seccomp"};

int export_start_prepare(struct export_opts *o, const struct sp_policy *p, struct export_start *st)
{
	const char *initial = json_string_value(json_object_get(sp_policy_rules(p), "initial"));
	int idx = initial ? sp_policy_phase_index(p, initial) : -1;

	if (idx < 0 || !(o->out.formats & ((1u << SP_FMT_OCI) | (1u << SP_FMT_K8S))))
		return 0;
	bool *known = NULL;
	size_t traced;
	int rc = 0;

	if (!o->rt.no_detect && o->rt.entry_exec == 0 && read_traces(o, st) < 0)
		return -1;
	traced = st->n;
	known = calloc(traced + 1, sizeof(*known));
	if (!known)
		return -1;
	/*
	 * The runtime asked for, else every runtime known: the profile is
	 * given to whichever runs the container (Kubernetes and Docker run
	 * runc, podman crun), not only to the one the recording used.
	 */
	if (o->out.runtime)
		rc = add_list(st, sp_runtime_syscalls(o->out.runtime), traced, known);
	else
		for (size_t r = 0; rc == 0 && sp_runtimes[r]; r++)
			rc = add_list(st, sp_runtime_syscalls(sp_runtimes[r]), traced, known);
	for (size_t i = 0; i < traced; i++)
		st->observed += !known[i];
	free(known);
	/*
	 * sysphase run -p and sysphase hook stack the phases under this
	 * profile: at the entrypoint's execve the runtime's init sets
	 * no_new_privs and installs the first phase's filter, both judged by
	 * it.  A filter can only narrow: allowing seccomp() widens nothing.
	 */
	for (size_t i = 0; rc == 0 && i < sizeof(stacking) / sizeof(*stacking); i++)
		rc = add_name(st, stacking[i]);
	if (rc < 0)
		return -1;
	st->phase = initial;
	o->out.start = true;
	o->out.start_phase = (size_t)idx;
	o->out.start_extra = (const char *const *)st->extra;
	o->out.n_start_extra = st->n;
	return 0;
}

void export_start_print(const struct export_opts *o, const struct export_start *st)
{
	const char *runtime = o->out.runtime;

	if (!o->out.start)
		return;
	printf("start profile (give it to the runtime: %s/%s.oci.json, Kubernetes %s.k8s.json): "
	       "phase '%s' (what the program needs from its first instruction) + %zu calls %s "
	       "runs after loading it, with and without no_new_privs (and prctl and seccomp, "
	       "which sysphase run -p and hook need to stack the phases under it)",
	       o->dir, st->stem, st->stem, st->phase, st->n, runtime ? runtime : "runc or crun");
	if (st->loaded_nnp || st->loaded_plain)
		printf(" (%zu of them only seen in the trace, where it loaded a filter %s "
		       "no_new_privs)",
		       st->observed,
		       st->loaded_nnp && st->loaded_plain ? "with and without"
		       : st->loaded_nnp                   ? "with"
		                                          : "without");
	if (st->runtime[0])
		printf("; recorded under %s", st->runtime);
	printf("\n");
}

void export_start_free(struct export_start *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->extra[i]);
	free(st->extra);
	*st = (struct export_start){0};
}
