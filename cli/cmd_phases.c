/* SPDX-License-Identifier: MIT */
/*
 * sysphase phases: cut a recorded trace into phases and print a timeline
 * per process.  With --rules the trace is re-segmented offline by the same
 * detector `record --rules` runs online; without, the phase stamps already
 * in the trace are used.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime_opts.h"
#include "help.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"

struct phases_opts {
	const char *rules;
	const char *trace;
	bool json;
	bool syscalls;
	bool diff;
	struct runtime_opts rt;
};

static void phases_usage(FILE *out)
{
	help_print(help_find("phases"), out);
}

static int parse_opts(int argc, char **argv, struct phases_opts *o)
{
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"format", required_argument, NULL, 'F'},
	    {"syscalls", no_argument, NULL, 's'},
	    {"diff", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    RUNTIME_OPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'F':
			if (!strcmp(optarg, "json")) {
				o->json = true;
			} else if (strcmp(optarg, "text")) {
				sp_err("phases: --format takes text or json, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 's':
			o->syscalls = true;
			break;
		case 'D':
			o->diff = true;
			break;
		case 'h':
			phases_usage(stdout);
			return 1;
		case RUNTIME_OPT_NO_DETECT:
		case RUNTIME_OPT_ENTRY_EXEC:
			if (runtime_opts_set(&o->rt, c, optarg, "phases") < 0)
				return -EINVAL;
			break;
		default:
			sp_bad_option("phases", c, argv);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		sp_err("phases takes one TRACE (see 'sysphase phases --help')");
		return -EINVAL;
	}
	if (o->diff && !o->rules) {
		sp_err("--diff needs --rules: it compares new phases with the trace's stamps");
		return -EINVAL;
	}
	o->trace = argv[optind];
	return 0;
}

struct phases_sink {
	const struct phases_opts *o;
	struct sp_timeline *tl;
	unsigned long events, differ, compared;
};

/* With --diff: note an event whose stamp differs from the new phase. */
static void diff_event(struct phases_sink *ps, const struct sp_event *ev,
                       const struct sp_segment_info *info)
{
	const char *now = ev->phase ? ev->phase : "";

	ps->compared++;
	if (info->stamp && !strcmp(info->stamp, now))
		return;
	if (ps->differ++ < 10)
		sp_warn("%s:%ld: pid %d %s: trace says \"%s\", rules say \"%s\"", ps->o->trace,
		        info->line, (int)ev->pid,
		        ev->type == SP_EV_SYSCALL && ev->name ? ev->name
		                                              : sp_event_type_name(ev->type),
		        info->stamp ? info->stamp : "(none)", now);
}

static int on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct phases_sink *ps = ctx;

	ps->events++;
	if (ps->o->diff && !info->runtime)
		diff_event(ps, ev, info);
	return sp_timeline_feed(ps->tl, ev);
}

static int print_timeline(const struct phases_opts *o, const struct sp_timeline *tl,
                          const char *rules_name)
{
	if (o->json) {
		json_t *j = sp_timeline_to_json(tl, o->syscalls);

		if (!j) {
			sp_err("out of memory");
			return SP_EXIT_FAILURE;
		}
		json_object_set_new(j, "rules", rules_name ? json_string(rules_name) : json_null());
		json_object_set_new(j, "trace", json_string(o->trace));
		/* 12 digits: microseconds of runs up to a day, without binary noise. */
		if (json_dumpf(j, stdout,
		               JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) <
		    0) {
			json_decref(j);
			sp_err("cannot write the timeline: %s", strerror(errno ? errno : EIO));
			return SP_EXIT_OUTPUT;
		}
		fputc('\n', stdout);
		json_decref(j);
	} else {
		char *text = sp_timeline_to_text(tl, o->syscalls);

		if (!text) {
			sp_err("out of memory");
			return SP_EXIT_FAILURE;
		}
		printf("rules: %s\n\n%s", rules_name ? rules_name : "(none)", text);
		free(text);
	}
	if (fflush(stdout) != 0) {
		sp_err("cannot write the timeline: %s", strerror(errno));
		return SP_EXIT_OUTPUT;
	}
	return 0;
}

int cmd_phases(int argc, char **argv)
{
	struct phases_opts o = {0};
	struct sp_diag diag = {{0}};
	struct sp_segment *seg = NULL;
	struct phases_sink ps = {.o = &o};
	struct sp_segment_sink sink = {
	    .event = on_event, .ctx = &ps, .want = SP_TRACE_WANT_RUNTIME};
	int rc, status;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : SP_EXIT_USAGE;
	rc = sp_segment_open(&(struct sp_segment_opts){.trace = o.trace,
	                                               .rules = o.rules,
	                                               .exe_dir = sp_exe_dir(),
	                                               .no_runtime_detect = o.rt.no_detect,
	                                               .entrypoint_exec = o.rt.entry_exec},
	                     &seg, &diag);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
	}
	ps.tl = sp_timeline_new();
	if (!ps.tl) {
		sp_err("out of memory");
		status = SP_EXIT_FAILURE;
		goto out;
	}
	rc = sp_segment_run(seg, &sink, &diag);
	if (rc < 0) {
		sp_err("%s", rc == -ENOMEM ? "out of memory" : diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		goto out;
	}
	/* A header alone: the recording failed before the program ran, nothing to cut. */
	if (ps.events == 0) {
		sp_err("%s holds no events: its recording ended before the program made a "
		       "syscall (record it again)",
		       o.trace);
		status = SP_EXIT_INPUT;
		goto out;
	}
	if (sp_segment_truncated(seg))
		sp_warn("%s ends in a truncated line (the recording was killed); the timeline "
		        "stops there",
		        o.trace);
	runtime_opts_report(seg, o.json);
	status = print_timeline(&o, ps.tl, sp_segment_rules_name(seg));
	if (!status && o.diff && ps.differ) {
		sp_warn("%lu of %lu events are stamped differently in %s", ps.differ, ps.compared,
		        o.trace);
		status = SP_EXIT_FAILURE;
	}
out:
	sp_timeline_free(ps.tl);
	sp_segment_free(seg);
	return status;
}
