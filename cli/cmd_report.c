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
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sysphase/policy.h"
#include "sysphase/analysis.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"

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
};

/* What the report is made of; freed by report_data_free(). */
struct report_data {
	struct sp_rules *rules;
	struct sp_policy *policy;
	struct sp_report *rep;
	json_t *timeline;
	char *title;
	char *kernel;
	const char **desc;
	struct sp_syscall_set *refs[MAX_AGAINST];
	char note[1280];
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: sysphase report [--rules R] TRACE|POLICY.json [-o report.html]\n"
	    "                       [--axis auto|linear|log] [--title T] [--against A]...\n\n"
	    "Writes one self-contained HTML file: a timeline picture (a lane per process,\n"
	    "phases as bands, fork and exec edges, syscall density), the phases per process,\n"
	    "a summary of what each phase's filter drops, and per phase the exact and\n"
	    "enforce allowlists coloured by threat level.\n"
	    "  -r, --rules R    re-cut the trace with rule set R (default: the trace's stamps)\n"
	    "  -o, --output F   the HTML file (default " DEFAULT_OUT ", '-' for stdout)\n"
	    "      --axis A     time axis: auto (default: log when short phases would vanish),\n"
	    "                   linear or log\n"
	    "      --title T    the report's title (default: the traced command)\n"
	    "      --against A  also hold each phase against allowlist A (anything\n"
	    "                   'sysphase compare' reads: thesis:nginx:chestnut,\n"
	    "                   docker:default, a profile, a list); up to 4 times\n");
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	enum { OPT_AXIS = 256, OPT_TITLE, OPT_AGAINST };
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"axis", required_argument, NULL, OPT_AXIS},
	    {"title", required_argument, NULL, OPT_TITLE},
	    {"against", required_argument, NULL, OPT_AGAINST},
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
	if (!*o->out) {
		sp_err("report: -o needs a file name");
		return -1;
	}
	return 0;
}

static void report_data_free(struct report_data *d)
{
	sp_rules_free(d->rules);
	sp_policy_free(d->policy);
	sp_report_free(d->rep);
	json_decref(d->timeline);
	free(d->title);
	free(d->kernel);
	free(d->desc);
	for (size_t k = 0; k < MAX_AGAINST; k++)
		sp_set_free(d->refs[k]);
}

/* The --against allowlists, read before the trace so that a typo fails fast. */
static int load_against(const struct report_opts *o, struct report_data *d)
{
	struct sp_set_env env = {.exe_dir = sp_exe_dir()};
	struct sp_diag diag = {{0}};

	for (size_t k = 0; k < o->n_against; k++) {
		int rc = sp_set_load(o->against[k], &env, &d->refs[k], &diag);

		if (rc == -ENOMEM) {
			sp_err("out of memory");
			return SP_EXIT_FAILURE;
		}
		if (rc < 0) {
			sp_err("report: --against: %s", diag.msg);
			return SP_EXIT_USAGE;
		}
	}
	return 0;
}

/* The command line as one string, for the title. */
static char *command_text(json_t *cmd)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&s, &len);
	json_t *v;

	if (!m)
		return NULL;
	json_array_foreach(cmd, i, v)
	    fprintf(m, "%s%s", i ? " " : "", json_string_value(v) ? json_string_value(v) : "?");
	if (json_is_string(cmd))
		fputs(json_string_value(cmd), m);
	fclose(m);
	return s;
}

/* Whether path holds a policy.json rather than a trace (whose first line is its header). */
static bool is_policy(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, JSON_DISABLE_EOF_CHECK, &err);
	const char *fmt = json_string_value(json_object_get(root, "format"));
	bool yes = fmt && strcmp(fmt, SP_POLICY_FORMAT) == 0;

	json_decref(root);
	return yes;
}

/* Descriptions of the policy's phases from the rules, parallel to the policy's phases. */
static int describe_phases(struct report_data *d)
{
	if (!d->policy || !d->rules)
		return 0;
	d->desc = calloc(sp_policy_phase_count(d->policy) + 1, sizeof(*d->desc));
	if (!d->desc)
		return -ENOMEM;
	for (size_t i = 0; i < sp_policy_phase_count(d->policy); i++) {
		int k = sp_rules_phase_index(d->rules, sp_policy_phase_name(d->policy, i));

		d->desc[i] = k >= 0 ? sp_rules_phase_description(d->rules, k) : NULL;
	}
	return 0;
}

static int from_policy(const struct report_opts *o, struct report_data *d)
{
	struct sp_diag diag = {{0}};
	int rc = sp_policy_load(o->input, &d->policy, &diag);

	if (rc < 0) {
		sp_err("report: %s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
	}
	if (o->rules)
		sp_warn("report: --rules is ignored for a policy: its phases are already cut");
	/* Descriptions are a nicety: a policy whose rules do not load still reports. */
	if (sp_policy_rules(d->policy) &&
	    sp_rules_from_json(sp_policy_rules(d->policy),
			       sp_policy_rules_name(d->policy) ? sp_policy_rules_name(d->policy)
							       : "policy",
			       &d->rules, &diag) < 0)
		d->rules = NULL;
	d->title = command_text(json_object_get(sp_policy_program(d->policy), "command"));
	return 0;
}

static int load_rules(const struct report_opts *o, const struct sp_trace_header *h,
		      struct report_data *d)
{
	struct sp_diag diag = {{0}};
	const char *name = o->rules ? o->rules : h->rules;
	int rc;

	if (!name) {
		sp_err("report: %s has no phase stamps (recorded without --rules): give --rules R "
		       "(nginx, pwd, generic or a file)",
		       o->input);
		return SP_EXIT_USAGE;
	}
	rc = sp_rules_load(name, sp_exe_dir(), &d->rules, &diag);
	if (rc == -ENOENT && !diag.msg[0])
		snprintf(diag.msg, sizeof(diag.msg), "no rule set '%s'", name);
	if (rc < 0 && o->rules) {
		sp_err("report: %s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
	}
	/* The trace's own rules only give phase order and descriptions; its stamps suffice. */
	if (rc < 0) {
		sp_warn("report: %s (the trace's rules): phases listed in order of appearance",
			diag.msg);
		d->rules = NULL;
	}
	return 0;
}

/* Feeds every event to the timeline, the picture's collector and the policy builder. */
static int read_trace(const struct report_opts *o, struct sp_trace_reader *r,
		      struct sp_detector *det, struct sp_timeline *tl, struct sp_policy_builder **b,
		      struct report_data *d)
{
	struct sp_event ev = {0};
	struct sp_diag diag = {{0}};
	int rc;

	while ((rc = sp_trace_read(r, &ev, &diag)) == 1) {
		if ((det && sp_detector_feed(det, &ev, NULL) < 0) ||
		    sp_timeline_feed(tl, &ev) < 0 || sp_report_feed(d->rep, &ev) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (!*b)
			continue;
		if (!ev.phase) {
			snprintf(d->note, sizeof(d->note),
				 "%.200s:%ld: an event without a phase stamp", o->input,
				 sp_trace_reader_line(r));
			sp_policy_builder_free(*b);
			*b = NULL;
			continue;
		}
		rc = sp_policy_feed(*b, &ev, &diag);
		if (rc == -ENOMEM)
			break;
		if (rc < 0) {
			snprintf(d->note, sizeof(d->note), "%.200s:%ld: %s", o->input,
				 sp_trace_reader_line(r), diag.msg);
			sp_policy_builder_free(*b);
			*b = NULL;
		}
	}
	sp_event_clear(&ev);
	if (rc == -ENOMEM) {
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	if (rc < 0) {
		sp_err("report: %s", diag.msg);
		return SP_EXIT_USAGE;
	}
	if (sp_trace_reader_truncated(r))
		sp_warn("report: %s ends in a truncated line (the run was killed): using the "
			"events before it",
			o->input);
	return 0;
}

static int from_trace(const struct report_opts *o, struct report_data *d)
{
	struct sp_trace_reader *r = NULL;
	struct sp_detector *det = NULL;
	struct sp_timeline *tl = NULL;
	struct sp_policy_builder *b = NULL;
	const struct sp_trace_header *h;
	struct sp_diag diag = {{0}};
	const char **order = NULL;
	size_t n_order = 0;
	int rc, status;

	rc = sp_trace_reader_open(o->input, &r, &diag);
	if (rc < 0) {
		sp_err("report: %s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
	}
	h = sp_trace_reader_header(r);
	status = load_rules(o, h, d);
	if (status)
		goto out;
	status = SP_EXIT_FAILURE;
	n_order = d->rules ? sp_rules_phase_count(d->rules) : 0;
	order = calloc(n_order + 1, sizeof(*order));
	if (!order)
		goto oom;
	for (size_t i = 0; i < n_order; i++)
		order[i] = sp_rules_phase_name(d->rules, (int)i);
	/* As in `phases`: --rules re-cuts the trace, otherwise its own stamps count. */
	if (o->rules && !(det = sp_detector_new(d->rules)))
		goto oom;
	tl = sp_timeline_new();
	b = sp_policy_builder_new(false, order, n_order);
	d->rep = sp_report_new();
	if (!tl || !b || !d->rep)
		goto oom;
	status = read_trace(o, r, det, tl, &b, d);
	if (status)
		goto out;
	if (b) {
		rc = sp_policy_builder_finish(b, &d->policy, &diag);
		b = NULL;
		if (rc == -ENOMEM)
			goto oom;
		if (rc < 0)
			snprintf(d->note, sizeof(d->note), "%s", diag.msg);
	}
	if (d->note[0])
		sp_warn("report: no allowlists in the report: %s", d->note);
	d->timeline = sp_timeline_to_json(tl, true);
	d->title = command_text(h->command);
	d->kernel = h->kernel ? strdup(h->kernel) : NULL;
	if (!d->timeline || !d->title)
		goto oom;
	status = 0;
	goto out;
oom:
	sp_err("out of memory");
	status = SP_EXIT_FAILURE;
out:
	sp_policy_builder_free(b);
	sp_timeline_free(tl);
	sp_detector_free(det);
	free(order);
	sp_trace_reader_free(r);
	return status;
}

/* Writes the report into a temporary file next to o->out, then renames it there. */
static int write_out(const struct report_opts *o, struct report_data *d)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct sp_report_input in = {
	    .title = o->title		     ? o->title
		     : d->title && *d->title ? d->title
					     : o->input,
	    .source = o->input,
	    .rules_name = d->rules    ? sp_rules_name(d->rules)
			  : d->policy ? sp_policy_rules_name(d->policy)
				      : NULL,
	    .phase_desc = d->desc,
	    .timeline = d->timeline,
	    .policy = d->policy,
	    .policy_note = d->note[0] ? d->note : NULL,
	    .kernel = d->kernel,
	    .generator = "sysphase " SYSPHASE_VERSION,
	    .axis = o->axis,
	    .refs = (const struct sp_syscall_set *const *)d->refs,
	    .n_refs = o->n_against,
	};
	FILE *f;
	int fd, rc;

	if (strcmp(o->out, "-") == 0) {
		rc = sp_report_write(d->rep, &in, stdout);
		if (rc == 0 && fflush(stdout) != 0)
			rc = -errno;
		goto done;
	}
	snprintf(dir, sizeof(dir), "%s", o->out);
	snprintf(tmp, sizeof(tmp), "%s/.sysphase-report.XXXXXX", dirname(dir));
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		sp_err("report: cannot write next to %s: %s", o->out, strerror(-rc));
		return SP_EXIT_FAILURE;
	}
	rc = sp_report_write(d->rep, &in, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	/* mkstemp makes it 0600; a report is for reading, like any file the user writes. */
	if (rc == 0) {
		mode_t mask = umask(0);

		umask(mask);
		if (chmod(tmp, 0666 & ~mask) < 0 || rename(tmp, o->out) < 0)
			rc = -errno;
	}
	if (rc < 0)
		unlink(tmp);
done:
	if (rc == -ENOMEM) {
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	if (rc < 0) {
		sp_err("report: cannot write %s: %s", o->out, strerror(-rc));
		return SP_EXIT_FAILURE;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_data d = {0};
	struct report_opts o;
	int status = parse_args(argc, argv, &o);

	if (status != 0)
		return status > 0 ? 0 : SP_EXIT_USAGE;
	if (access(o.input, R_OK) != 0 && strcmp(o.input, "-") != 0) {
		sp_err("report: cannot read %s: %s", o.input, strerror(errno));
		return SP_EXIT_USAGE;
	}
	status = load_against(&o, &d);
	if (status == 0 && strcmp(o.input, "-") && is_policy(o.input))
		status = from_policy(&o, &d);
	else if (status == 0)
		status = from_trace(&o, &d);
	if (status == 0 && describe_phases(&d) < 0) {
		sp_err("out of memory");
		status = SP_EXIT_FAILURE;
	}
	if (status == 0)
		status = write_out(&o, &d);
	if (status == 0 && strcmp(o.out, "-"))
		printf("wrote %s\n", o.out);
	report_data_free(&d);
	return status;
}
