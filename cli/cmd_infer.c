/* SPDX-License-Identifier: MIT */
/*
 * sysphase infer: a program's own rule set from a trace recorded with
 * symbolised stacks (phases/infer.c).  The rules are checked by loading
 * them before anything is written, and written through a temporary file
 * renamed into place, so FILE is either the old file or the whole new one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"

static void infer_usage(FILE *out)
{
	help_print(help_find("infer"), out);
}

/* The recorded command's basename, for the rule set's name. */
static const char *command_name(const struct sp_trace_header *h)
{
	const char *argv0 = json_string_value(json_array_get(h->command, 0));
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	return slash ? slash + 1 : argv0 ? argv0 : "program";
}

/* Feeds every event of path to a new inference; 0 or an exit status, the message said. */
static int read_trace(const char *path, const char *name, struct sp_infer **out)
{
	struct sp_trace_reader *r = NULL;
	struct sp_diag diag = {{0}};
	struct sp_event ev = {0};
	int rc;

	if (sp_trace_reader_open(path, &r, &diag) < 0) {
		sp_err("%s", diag.msg);
		return SP_EXIT_INPUT;
	}
	sp_trace_reader_want(r, SP_TRACE_WANT_DEC | SP_TRACE_WANT_STACK);
	*out = sp_infer_new(name ? name : command_name(sp_trace_reader_header(r)));
	if (!*out) {
		sp_trace_reader_free(r);
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	while ((rc = sp_trace_read(r, &ev, &diag)) > 0) {
		rc = sp_infer_feed(*out, &ev);
		if (rc < 0) {
			sp_diag_set(&diag, -rc, "out of memory");
			break;
		}
	}
	sp_event_clear(&ev);
	sp_trace_reader_free(r);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
	}
	return 0;
}

/* Writes text to path through path.tmp; 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	FILE *f;
	int rc = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	if (fputs(text, f) < 0 || fputc('\n', f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

int cmd_infer(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *output = NULL, *name = NULL;
	struct sp_diag diag = {{0}};
	struct sp_infer *in = NULL;
	struct sp_rules *check = NULL;
	json_t *rules = NULL;
	char *text = NULL;
	int c, rc, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			infer_usage(stdout);
			return 0;
		default:
			sp_bad_option("infer", c, argv);
			return SP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		sp_err("infer: give one TRACE (see 'sysphase infer --help')");
		return SP_EXIT_USAGE;
	}
	status = read_trace(argv[optind], name, &in);
	if (status)
		goto out;
	status = SP_EXIT_FAILURE;
	rc = sp_infer_rules(in, &rules, &diag);
	if (rc < 0) {
		sp_err("%s: %s", argv[optind], rc == -ENOMEM ? "out of memory" : diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		goto out;
	}
	/* What is written must load: the same checks as --rules FILE. */
	if (sp_rules_from_json(rules, "inferred", &check, &diag) < 0) {
		sp_err("the inferred rules do not load: %s", diag.msg);
		goto out;
	}
	text = json_dumps(rules, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		sp_err("out of memory");
		goto out;
	}
	if (!output || !strcmp(output, "-")) {
		if (puts(text) < 0 || fflush(stdout) != 0) {
			sp_err("cannot write the rules: %s", strerror(errno));
			status = SP_EXIT_OUTPUT;
			goto out;
		}
	} else if ((rc = write_file(output, text)) < 0) {
		sp_err("cannot write '%s': %s", output, strerror(-rc));
		status = SP_EXIT_OUTPUT;
		goto out;
	}
	status = 0;
out:
	free(text);
	sp_rules_free(check);
	json_decref(rules);
	sp_infer_free(in);
	return status;
}
