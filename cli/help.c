/* SPDX-License-Identifier: MIT */
/*
 * Renders the tables of help_text.c as `--help` text, and `sysphase help`
 * itself; the man pages are help_man.c's, the shell completions
 * help_complete.c's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "help.h"
#include "sysphase/core.h"

#define WIDTH   79
#define OPT_COL 24

/* The statuses of cli.h, one row each: the table every --help and man page prints. */
const struct help_exit_row help_exit_rows[] = {
    {"0", "success"},
    {"1", "sysphase itself failed (ptrace refused, nothing to attach to, out of memory)"},
    {"2", "usage: an unknown option, a missing or malformed argument"},
    {"3", "refused: inputs that do not belong together"},
    {"4", "input error: a file given cannot be read or is not what it should be"},
    {"5", "output error: an output cannot be written (a full disk, /dev/full)"},
    {"124", "run -p, hook: the process could not be attached to; it runs on unchanged"},
    {"125", "run: a filter could not be handed over; the program was killed"},
    {"126", "the program exists but cannot be executed"},
    {"127", "the program is not found"},
    {NULL, NULL},
};

const struct help_cmd *help_find(const char *name)
{
	for (size_t i = 0; help_cmds[i]; i++)
		if (strcmp(help_cmds[i]->name, name) == 0)
			return help_cmds[i];
	return NULL;
}

/* ---- text ---- */

/* Prints text wrapped to WIDTH, every line indented by indent, the first after col. */
static void wrap(FILE *out, const char *text, int indent, int col)
{
	const char *p = text;

	while (*p) {
		size_t word = strcspn(p, " \n");

		if (col > indent && col + 1 + (int)word > WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		} else if (col < indent) {
			fprintf(out, "%*s", indent - col, "");
			col = indent;
		}
		fwrite(p, 1, word, out);
		col += (int)word;
		p += word;
		if (*p == '\n' && p[1] == '\n') {
			fputs("\n\n", out);
			col = 0;
			p += 2;
			continue;
		}
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', out);
}

int help_opt_label(const struct help_opt *o, char *buf, size_t len)
{
	int n = 0;

	if (o->shrt)
		n = snprintf(buf, len, "-%c, ", o->shrt);
	else
		n = snprintf(buf, len, "    ");
	n += snprintf(buf + n, len - (size_t)n, "--%s", o->lng);
	if (o->arg)
		n += snprintf(buf + n, len - (size_t)n, o->optional ? "[=%s]" : " %s", o->arg);
	return n;
}

static void print_exit_table(FILE *out)
{
	fputs("Exit status:\n", out);
	for (const struct help_exit_row *r = help_exit_rows; r->code; r++)
		fprintf(out, "  %-4s %s\n", r->code, r->text);
}

void help_print(const struct help_cmd *h, FILE *out)
{
	char label[128];

	for (int i = 0; i < 4 && h->synopsis[i]; i++)
		fprintf(out, "%s sysphase%s%s %s\n", i ? "      " : "usage:", h->name ? " " : "",
		        h->name ? h->name : "", h->synopsis[i]);
	fputc('\n', out);
	wrap(out, h->description, 0, 0);
	fputc('\n', out);
	if (!h->name) {
		fputs("Commands:\n", out);
		for (size_t i = 0; help_cmds[i]; i++)
			fprintf(out, "  %-9s %s\n", help_cmds[i]->name, help_cmds[i]->summary);
		fputc('\n', out);
	}
	fputs("Options:\n", out);
	for (const struct help_opt *o = h->opts; o->lng; o++) {
		int n = help_opt_label(o, label, sizeof(label));

		fprintf(out, "  %s", label);
		if (n + 2 >= OPT_COL) {
			fputc('\n', out);
			n = 0;
		} else {
			n += 2;
		}
		wrap(out, o->text, OPT_COL, n);
	}
	fputc('\n', out);
	print_exit_table(out);
	if (h->exit)
		wrap(out, h->exit, 2, 0);
	if (h->examples) {
		fputs("\nExamples:\n", out);
		for (const char *p = h->examples; *p;) {
			size_t n = strcspn(p, "\n");

			fprintf(out, "  %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	if (h->name)
		fprintf(out, "\n'man sysphase-%s' and docs/ say more.\n", h->name);
	else
		fputs("\n'sysphase help COMMAND' (or COMMAND --help) describes each command.\n",
		      out);
}

const char *help_suggest(const char *s)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; help_cmds[i]; i++) {
		size_t d = sp_edit_distance(s, help_cmds[i]->name);

		if (d < best_d) {
			best_d = d;
			best = help_cmds[i]->name;
		}
	}
	return best;
}

/* ---- sysphase help ---- */

int cmd_help(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"man", no_argument, NULL, 'm'},
	    {"completion", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct help_cmd *h = &help_top;
	const char *shell = NULL;
	bool man = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			man = true;
			break;
		case 'c':
			shell = optarg;
			break;
		case 'h':
			help_print(help_find("help"), stdout);
			return 0;
		default:
			sp_bad_option("help", c, argv);
			return SP_EXIT_USAGE;
		}
	}
	if (shell) {
		if (help_completion(shell, stdout) < 0) {
			sp_err("help: --completion takes bash, zsh or fish, not '%s'", shell);
			return SP_EXIT_USAGE;
		}
		return 0;
	}
	if (argc - optind > 1) {
		sp_err("help: give at most one COMMAND (see 'sysphase help --help')");
		return SP_EXIT_USAGE;
	}
	if (optind < argc && strcmp(argv[optind], "sysphase") != 0) {
		h = help_find(argv[optind]);
		if (!h) {
			const char *near = help_suggest(argv[optind]);

			if (near)
				sp_err("help: unknown command '%s'; did you mean '%s'?",
				       argv[optind], near);
			else
				sp_err("help: unknown command '%s' (see 'sysphase --help')",
				       argv[optind]);
			return SP_EXIT_USAGE;
		}
	}
	if (man)
		help_man(h, stdout);
	else
		help_print(h, stdout);
	return 0;
}
