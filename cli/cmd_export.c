/* SPDX-License-Identifier: MIT */
/*
 * sysphase export: traces (and rules, complain logs) in, policy.json and
 * one filter per phase per format out.  The policy is assembled in
 * policy/ (sp_policy_assemble), completed in completion/, written in
 * filters/ (sp_export_write); this file holds options, printing and exit
 * statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "help.h"
#include "export.h"
#include "runtime_opts.h"
#include "sysphase/completion.h"
#include "sysphase/filters.h"
#include "sysphase/phases.h"
#include "sysphase/policy.h"
#include "sysphase/trace.h"

#define DEFAULT_DIR "sysphase-policy"

static void usage(FILE *out)
{
	help_print(help_find("export"), out);
}

static int add_input(const char **list, size_t *n, const char *s)
{
	if (*n == MAX_INPUTS) {
		sp_err("export: at most %d traces and %d --merge logs", MAX_INPUTS, MAX_INPUTS);
		return -1;
	}
	list[(*n)++] = s;
	return 0;
}

enum {
	VIEW = 256,
	ARGS,
	RUNTIME,
	FORCE,
	MERGE,
	NO_COMPLETE,
	ALLOW_HELD,
	IO_URING,
	ARCH,
	NO_LANDLOCK
};

/* An option with a value to check: 0, or -1 after saying what is wrong. */
static int set_value(struct export_opts *o, int c, const char *arg)
{
	struct sp_diag diag = {{0}};
	int v = 0;

	if (c == 'F' && sp_formats_parse(arg, &o->out.formats, &diag) < 0)
		sp_err("export: %s", diag.msg);
	else if (c == VIEW && (v = sp_view_from_name(arg)) < 0)
		sp_err("export: --view takes exact or enforce, not '%s'", arg);
	else if (c == 'd' && (v = sp_action_from_name(arg)) < 0)
		sp_err("export: --default-action takes kill, errno or log, not '%s'", arg);
	else if (c == RUNTIME && !sp_runtime_syscalls(arg))
		sp_err("export: unknown --runtime '%s' (known: runc, crun)", arg);
	else if (c == ARCH && sp_arches_parse(arg, &o->out.arches, &diag) < 0)
		sp_err("export: --arch: %s", diag.msg);
	else if (c == MERGE)
		return add_input(o->merge, &o->in.n_logs, arg);
	else {
		if (c == VIEW) {
			o->out.view = (enum sp_view)v;
			o->out.view_set = true;
		}
		if (c == 'd')
			o->out.def = (enum sp_action)v;
		if (c == RUNTIME)
			o->out.runtime = arg;
		return 0;
	}
	return -1;
}

/* 0 to go on, 1 after --help, -1 after a usage error (said). */
static int parse_args(int argc, char **argv, struct export_opts *o)
{
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'F'},
	    {"view", required_argument, NULL, VIEW},
	    {"default-action", required_argument, NULL, 'd'},
	    {"args", no_argument, NULL, ARGS},
	    {"runtime", required_argument, NULL, RUNTIME},
	    {"force", no_argument, NULL, FORCE},
	    {"merge", required_argument, NULL, MERGE},
	    {"no-complete", no_argument, NULL, NO_COMPLETE},
	    {"allow-held-back", no_argument, NULL, ALLOW_HELD},
	    {"allow-io-uring", no_argument, NULL, IO_URING},
	    {"arch", required_argument, NULL, ARCH},
	    {"no-landlock", no_argument, NULL, NO_LANDLOCK},
	    RUNTIME_OPTS_LONG,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->dir = DEFAULT_DIR;
	o->out = (struct sp_export_opts){
	    .formats = (1u << SP_FMT_COUNT) - 1, .view = SP_VIEW_ENFORCE, .def = SP_ACTION_KILL};
	o->in = (struct sp_policy_inputs){.traces = o->traces, .logs = o->merge};
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":r:o:F:d:h", longopts, NULL)) != -1) {
		bool *flag = c == ARGS          ? &o->in.args
		             : c == FORCE       ? &o->out.force
		             : c == NO_COMPLETE ? &o->no_complete
		             : c == ALLOW_HELD  ? &o->allow_held_back
		             : c == IO_URING    ? &o->in.allow_io_uring
		             : c == NO_LANDLOCK ? &o->no_landlock
		                                : NULL;

		if (flag)
			*flag = true;
		else if (c == 'r')
			o->in.rules = optarg;
		else if (c == 'o')
			o->dir = optarg;
		else if (c == 'h')
			return usage(stdout), 1;
		else if (c == RUNTIME_OPT_NO_DETECT || c == RUNTIME_OPT_ENTRY_EXEC) {
			if (runtime_opts_set(&o->rt, c, optarg, "export") < 0)
				return -1;
			o->in.no_runtime_detect = o->rt.no_detect;
			o->in.entrypoint_exec = o->rt.entry_exec;
		} else if (c == 'F' || c == VIEW || c == 'd' || c == RUNTIME || c == MERGE ||
		           c == ARCH) {
			o->formats_set |= c == 'F';
			if (set_value(o, c, optarg) < 0)
				return -1;
		} else {
			sp_bad_option("export", c, argv);
			return -1;
		}
	}
	for (; optind < argc; optind++)
		if (add_input(o->traces, &o->in.n_traces, argv[optind]) < 0)
			return -1;
	if (o->out.arches && !(o->out.arches & SP_ARCH_BIT(SP_ARCH_X86_64)) &&
	    (o->out.formats & (1u << SP_FMT_C))) {
		/* The C header installs filters on the machine that compiles it: x86-64's. */
		if (o->formats_set) {
			sp_err("export: the c format holds x86-64 filters: add x86_64 to --arch");
			return -1;
		}
		o->out.formats &= ~(1u << SP_FMT_C);
	}
	if (strcmp(o->dir, "-") == 0) {
		sp_err("export: -o - cannot be: export writes a directory (policy.json and "
		       "a filter per phase); give -o DIR, and run 'sysphase compare "
		       "DIR/policy.json ...' or cat a file from it");
		return -1;
	}
	if (o->in.n_traces == 0 || !*o->dir) {
		sp_err(o->in.n_traces
		           ? "export: -o needs a directory name"
		           : "export: give at least one TRACE (see 'sysphase export --help')");
		return -1;
	}
	return 0;
}

/* ---- static completion, wired in through the assembly's hooks ---- */

static int complete_event(void *ctx, const struct sp_event *ev)
{
	struct completion *c = ctx;
	int rc = c->k ? sp_completer_feed(c->k, ev) : 0;

	return rc == 0 && c->ll ? sp_landlock_collector_feed(c->ll, ev) : rc;
}

/* A logged call: completion reads its call site; its files are the log's Landlock lines. */
static int complete_logged(void *ctx, const struct sp_event *ev)
{
	struct completion *c = ctx;

	return c->k ? sp_completer_feed(c->k, ev) : 0;
}

static int complete_policy(void *ctx, struct sp_policy_builder *b)
{
	struct completion *c = ctx;

	if (!c->k)
		return 0;
	struct sp_diag diag = {{0}};
	int rc = sp_completer_finish(c->k, c->allow_held_back, sp_completion_to_builder, b, &c->st,
	                             &diag);

	if (rc < 0)
		sp_err("export: completion: %s", diag.msg[0] ? diag.msg : strerror(-rc));
	return rc;
}

/*
 * What a complain log says of files and ports: the Landlock would-be
 * denials it simulated on the threads it followed widen their phases'
 * rules; a call logged where it could not see the files (a thread let go,
 * a run that simulated no Landlock) leaves its phase's files unknown.
 * The log's policy was checked line by line while assembling; its
 * Landlock lines are checked here the same way.
 */
static int learned_from(struct sp_landlock_collector *c, const struct sp_policy *p, const char *log,
                        struct sp_diag *diag)
{
	struct sp_complain_reader *r = NULL;
	struct sp_complain_landlock d;
	struct sp_event ev;
	char digest[64];
	int rc = sp_complain_policy_digest(sp_policy_program_path(p), sp_policy_rules(p), digest,
	                                   sizeof(digest));

	if (rc == 0)
		rc = sp_complain_reader_open(log, &r, diag);
	/* A line read is 1: each turn starts again from 0, or the loop ends after one line. */
	while (rc == 0 && (rc = sp_complain_reader_next(r, &ev, diag)) == 1) {
		rc = 0;
		if (!sp_complain_reader_landlock_simulated(r) || sp_complain_reader_kernel_only(r))
			rc = sp_landlock_collector_learned(c, ev.phase, log);
	}
	sp_complain_reader_free(r);
	r = NULL;
	if (rc == 0)
		rc = sp_complain_reader_open(log, &r, diag);
	while (rc == 0 && (rc = sp_complain_reader_next_landlock(r, &d, diag)) == 1) {
		const char *of = sp_complain_reader_policy(r);

		if ((of && strcmp(of, digest) != 0) || sp_policy_phase_index(p, d.phase) < 0) {
			rc = sp_diag_set(
			    diag, EXDEV,
			    "%s:%ld: a Landlock line of another policy (%s, phase '%s')", log,
			    sp_complain_reader_line(r), of ? of : "no header", d.phase);
			break;
		}
		rc = sp_landlock_collector_merge(c, &d, log);
	}
	sp_complain_reader_free(r);
	return rc == -ENOMEM ? sp_diag_set(diag, ENOMEM, "out of memory") : rc;
}

static void print_warning(void *ctx, const char *line)
{
	(void)ctx;
	sp_warn("export: %s", line);
}

/*
 * -errno as an exit status: inputs that do not belong together, an
 * input that cannot be read or is wrong (traces, logs, rules), or an
 * output that cannot be written (DIR: exists without --force, a full
 * disk); a phase name no file can carry is the input's.
 */
static int status_of(int rc, bool assembling)
{
	if (rc == -EXDEV)
		return SP_EXIT_REFUSED;
	if (rc == -ENOMEM)
		return SP_EXIT_FAILURE;
	if (assembling || rc == -EINVAL)
		return SP_EXIT_INPUT;
	return SP_EXIT_OUTPUT;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o = {0};
	struct completion comp = {0};
	struct sp_export_source src;
	struct sp_arch_notes notes[SP_ARCH_COUNT] = {{0}};
	struct export_start start = {0};
	struct sp_policy *p = NULL;
	struct sp_diag diag = {{0}};
	json_t *doc = NULL;
	size_t files = 0;
	int status, rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : SP_EXIT_USAGE;
	o.in.exe_dir = sp_exe_dir();
	o.out.notes = notes;
	o.in.warn = print_warning;
	if (!o.no_complete) {
		comp.k = sp_completer_new(NULL);
		comp.allow_held_back = o.allow_held_back;
		o.in.want = SP_TRACE_WANT_STACK;
	}
	/* Landlock rules come from the decoded arguments (paths, flags, addresses). */
	if (!o.no_landlock) {
		comp.ll = sp_landlock_collector_new();
		o.in.want |= SP_TRACE_WANT_DEC;
	}
	o.in.on_event = complete_event;
	o.in.on_logged = complete_logged;
	o.in.before_finish = complete_policy;
	o.in.hook_ctx = &comp;
	rc = (!o.no_complete && !comp.k) || (!o.no_landlock && !comp.ll)
	         ? -ENOMEM
	         : sp_policy_assemble(&o.in, &p, &diag);
	for (size_t l = 0; rc == 0 && comp.ll && l < o.in.n_logs; l++)
		rc = learned_from(comp.ll, p, o.merge[l], &diag);
	if (rc == 0 && comp.ll)
		rc = sp_landlock_attach(comp.ll, p, &diag);
	if (rc == 0 && !(doc = sp_policy_to_json(p)))
		rc = -ENOMEM;
	if (rc == 0 && export_start_prepare(&o, p, &start) < 0)
		rc = sp_diag_set(&diag, ENOMEM, "out of memory");
	status = rc < 0 ? status_of(rc, true) : 0;
	if (rc == 0) {
		sp_policy_export_source(p, doc, &src);
		start.stem = sp_export_start_stem(&src);
		rc = sp_export_write(&src, &o.out, o.dir, &files, &diag);
		status = rc < 0 ? status_of(rc, false) : 0;
	}
	if (rc < 0 && (diag.msg[0] || rc == -ENOMEM))
		sp_err("export: %s", diag.msg[0] ? diag.msg : "out of memory");
	if (rc == 0) {
		export_print_summary(&o, p, files);
		export_print_completion(&o, &comp);
		export_print_held_back(p);
		export_print_arches(&o, notes);
		export_start_print(&o, &start);
		export_print_landlock(p);
	}
	json_decref(doc);
	sp_policy_free(p);
	sp_completer_free(comp.k);
	for (unsigned a = 0; a < SP_ARCH_COUNT; a++)
		sp_arch_notes_free(&notes[a]);
	export_start_free(&start);
	sp_landlock_collector_free(comp.ll);
	return status;
}
