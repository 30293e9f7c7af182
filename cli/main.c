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
#include "help.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/* In the order of help_cmds (help_text.c), which holds each one's summary and options. */
static const struct command commands[] = {
    {"record", cmd_record}, {"phases", cmd_phases},   {"export", cmd_export}, {"run", cmd_run},
    {"report", cmd_report}, {"compare", cmd_compare}, {"infer", cmd_infer},   {"show", cmd_show},
    {"hook", cmd_hook},     {"help", cmd_help},
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

/*
 * Output errors on stdout (a full disk, /dev/full, a closed pipe's EPIPE
 * is SIGPIPE's) are errors, as coreutils' close_stdout says: a status of
 * 0 becomes SP_EXIT_OUTPUT with one line naming why.
 */
static int close_stdout(int status)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) != 0 && !err)
		err = errno ? errno : EIO;
	if (err && status == 0) {
		sp_err("cannot write to stdout: %s", strerror(err));
		return SP_EXIT_OUTPUT;
	}
	return status;
}

static int dispatch(int argc, char **argv)
{
	const char *near;

	/* Subcommands report bad options themselves, in one line (sp_bad_option). */
	opterr = 0;
	if (argc < 2) {
		help_print(&help_top, stderr);
		return SP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		help_print(&help_top, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("sysphase %s\n", SYSPHASE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		sp_err("unknown option '%s' (see 'sysphase --help'; a command comes first: "
		       "sysphase COMMAND [OPTIONS])",
		       argv[1]);
		return SP_EXIT_USAGE;
	}
	near = help_suggest(argv[1]);
	if (near)
		sp_err("unknown command '%s'; did you mean '%s'? (see 'sysphase --help')", argv[1],
		       near);
	else
		sp_err("unknown command '%s' (see 'sysphase --help')", argv[1]);
	return SP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return close_stdout(dispatch(argc, argv));
}
