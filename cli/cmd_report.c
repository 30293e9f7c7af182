/* SPDX-License-Identifier: MIT */
/*
 * sysphase report: one self-contained HTML file from a trace (cut into
 * phases by the same detector and timeline as `sysphase phases`, and
 * turned into a policy as `sysphase export` does) or from a policy.json.
 * The file is written next to its destination and renamed into place,
 * so a half-written report never replaces a good one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "runtime_opts.h"
#include "help.h"
#include "sysphase/analysis.h"

#define DEFAULT_OUT "report.html"

#define MAX_AGAINST 4

struct report_opts {
	const char *against[MAX_AGAINST];
	size_t n_against;
	const char *rules;
	const char *input;
	const char *out;
	const char *title;
	enum sp_report_axis axis;
	struct sp_report_doc_opts doc; /* export's options for the policy */
	struct runtime_opts rt;
};

static void usage(FILE *out)
{
	help_print(help_find("report"), out);
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	enum {
		OPT_AXIS = 256,
		OPT_TITLE,
		OPT_AGAINST,
		OPT_ARGS,
		OPT_IO_URING,
		OPT_NO_COMPLETE,
		OPT_ALLOW_HELD,
		OPT_NO_LANDLOCK
	};
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"axis", required_argument, NULL, OPT_AXIS},
	    {"title", required_argument, NULL, OPT_TITLE},
	    {"against", required_argument, NULL, OPT_AGAINST},
	    {"args", no_argument, NULL, OPT_ARGS},
	    {"allow-io-uring", no_argument, NULL, OPT_IO_URING},
	    {"no-complete", no_argument, NULL, OPT_NO_COMPLETE},
	    {"allow-held-back", no_argument, NULL, OPT_ALLOW_HELD},
	    {"no-landlock", no_argument, NULL, OPT_NO_LANDLOCK},
	    RUNTIME_OPTS_LONG,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, v;

	*o = (struct report_opts){.out = DEFAULT_OUT};
	while ((c = getopt_long(argc, argv, ":r:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_AXIS:
			v = sp_report_axis_from_name(optarg);
			if (v < 0) {
				sp_err("report: --axis takes auto, linear or log, not '%s'",
				       optarg);
				return -1;
			}
			o->axis = (enum sp_report_axis)v;
			break;
		case OPT_TITLE:
			o->title = optarg;
			break;
		case OPT_AGAINST:
			if (o->n_against == MAX_AGAINST) {
				sp_err("report: at most %d --against", MAX_AGAINST);
				return -1;
			}
			o->against[o->n_against++] = optarg;
			break;
		case OPT_ARGS:
			o->doc.args = true;
			break;
		case OPT_IO_URING:
			o->doc.allow_io_uring = true;
			break;
		case OPT_NO_COMPLETE:
			o->doc.no_complete = true;
			break;
		case OPT_ALLOW_HELD:
			o->doc.allow_held_back = true;
			break;
		case OPT_NO_LANDLOCK:
			o->doc.no_landlock = true;
			break;
		case RUNTIME_OPT_NO_DETECT:
		case RUNTIME_OPT_ENTRY_EXEC:
			if (runtime_opts_set(&o->rt, c, optarg, "report") < 0)
				return -1;
			o->doc.no_runtime_detect = o->rt.no_detect;
			o->doc.entrypoint_exec = o->rt.entry_exec;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			sp_bad_option("report", c, argv);
			return -1;
		}
	}
	if (optind != argc - 1) {
		sp_err(
		    "report: give exactly one TRACE or policy.json (see 'sysphase report --help')");
		return -1;
	}
	o->input = argv[optind];
	o->doc.input = o->input;
	o->doc.rules = o->rules;
	o->doc.exe_dir = sp_exe_dir();
	if (!*o->out) {
		sp_err("report: -o needs a file name");
		return -1;
	}
	return 0;
}

/* The --against allowlists, read before the trace so that a typo fails fast. */
static int load_against(const struct report_opts *o, struct sp_syscall_set **refs)
{
	struct sp_set_env env = {.exe_dir = sp_exe_dir()};
	struct sp_diag diag = {{0}};

	for (size_t k = 0; k < o->n_against; k++) {
		int rc = sp_set_load(o->against[k], &env, &refs[k], &diag);

		if (rc == -ENOMEM) {
			sp_err("out of memory");
			return SP_EXIT_FAILURE;
		}
		if (rc < 0) {
			sp_err("report: --against: %s", diag.msg);
			return SP_EXIT_INPUT;
		}
	}
	return 0;
}

/* Writes the report to o->out (sp_output: atomic for a file, through a device or FIFO). */
static int write_out(const struct report_opts *o, const struct sp_report_doc *d,
                     struct sp_syscall_set **refs)
{
	struct sp_report_input in = {
	    .title = o->title,
	    .source = o->input,
	    .generator = "sysphase " SYSPHASE_VERSION,
	    .axis = o->axis,
	    .refs = (const struct sp_syscall_set *const *)refs,
	    .n_refs = o->n_against,
	};
	struct sp_diag diag = {{0}};
	struct sp_output *out;
	int rc;

	/* Through a device, FIFO or symlink as a shell redirect would; atomic for a file. */
	rc = sp_output_open(o->out, 0, &out, &diag);
	if (rc < 0) {
		sp_err("report: %s", diag.msg);
		return SP_EXIT_OUTPUT;
	}
	/*
	 * The writer says -EIO for a stream in error; the write that failed
	 * left its errno (ENOSPC on a full disk), which is what to say.
	 */
	errno = 0;
	rc = sp_report_doc_write(d, &in, sp_output_stream(out));
	if (rc == -EIO && errno && errno != EIO)
		rc = -errno;
	if (rc < 0) {
		sp_output_abort(out);
		goto done;
	}
	rc = sp_output_commit(out, &diag);
	if (rc < 0 && rc != -ENOMEM) {
		sp_err("report: %s", diag.msg);
		return SP_EXIT_OUTPUT;
	}
done:
	if (rc == -ENOMEM) {
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	if (rc < 0) {
		sp_err("report: cannot write %s: %s", o->out, strerror(-rc));
		return SP_EXIT_OUTPUT;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct sp_syscall_set *refs[MAX_AGAINST] = {0};
	struct sp_report_doc *d = NULL;
	struct sp_diag diag = {{0}};
	struct report_opts o;
	char dir_policy[PATH_MAX];
	struct stat st;
	int rc, status = parse_args(argc, argv, &o);

	if (status != 0)
		return status > 0 ? 0 : SP_EXIT_USAGE;
	/* An export directory stands for its policy.json, as for run and compare. */
	if (stat(o.input, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (snprintf(dir_policy, sizeof(dir_policy), "%s/policy.json", o.input) >=
		        (int)sizeof(dir_policy) ||
		    access(dir_policy, R_OK) != 0) {
			sp_err("report: %s is a directory without a policy.json: give a trace, a "
			       "policy.json or the directory 'sysphase export -o DIR' wrote",
			       o.input);
			return SP_EXIT_INPUT;
		}
		o.input = o.doc.input = dir_policy;
	}
	if (access(o.input, R_OK) != 0 && strcmp(o.input, "-") != 0) {
		sp_err("report: cannot read %s: %s", o.input, strerror(errno));
		return SP_EXIT_INPUT;
	}
	status = load_against(&o, refs);
	if (status == 0) {
		rc = sp_report_doc_load(&o.doc, &d, &diag);
		if (rc < 0) {
			sp_err("report: %s", diag.msg);
			status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		}
	}
	for (size_t i = 0; status == 0 && i < sp_report_doc_warning_count(d); i++)
		sp_warn("report: %s", sp_report_doc_warning(d, i));
	if (status == 0)
		status = write_out(&o, d, refs);
	if (status == 0 && strcmp(o.out, "-"))
		printf("wrote %s\n", o.out);
	sp_report_doc_free(d);
	for (size_t k = 0; k < MAX_AGAINST; k++)
		sp_set_free(refs[k]);
	return status;
}
