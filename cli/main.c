/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"record", cmd_record, "run or attach to a program and record its syscalls"},
    {"phases", cmd_phases, "cut a trace into lifecycle phases and print the timeline"},
    {"export", cmd_export, "write policy.json and one seccomp filter per phase"},
    {"run", cmd_run, "run a program under the per-phase filters of a policy"},
    {"report", cmd_report, "write a self-contained HTML report of a trace or policy"},
    {"compare", cmd_compare, "compare two allowlists (policies, profiles, lists, built-ins)"},
    {"infer", cmd_infer, "write a program's own rule set from a trace with stacks"},
};

void sp_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sysphase: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sp_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("sysphase: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *sp_exe_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ".";
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	return dir;
}

void sp_bad_option(const char *cmd, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		sp_err("%s: option '%s' needs an argument (see 'sysphase %s --help')", cmd, arg,
		       cmd);
	else if (optopt)
		sp_err("%s: unknown option '-%c' (see 'sysphase %s --help')", cmd, optopt, cmd);
	else
		sp_err("%s: unknown option '%s' (see 'sysphase %s --help')", cmd, arg, cmd);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: sysphase COMMAND [OPTIONS] [ARGS]\n\n"
	             "The smallest system-call sandbox for each stage of a program's life.\n\n"
	             "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'sysphase COMMAND --help' describes each command's options.\n"
	             "  -h, --help     this text\n"
	             "  -V, --version  the version\n");
}

int main(int argc, char **argv)
{
	/* Subcommands report bad options themselves, in one line (sp_bad_option). */
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return SP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sysphase %s\n", SYSPHASE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	sp_err("unknown command '%s' (see 'sysphase --help')", argv[1]);
	return SP_EXIT_USAGE;
}
