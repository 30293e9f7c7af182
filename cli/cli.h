/* SPDX-License-Identifier: MIT */
/*
 * The sysphase command: one function per subcommand, each parsing its own
 * options (getopt_long) and returning the process exit status.  Only cli/
 * prints to the user or decides exit statuses.
 *
 * Exit statuses shared by all subcommands:
 *   0   success
 *   1   a runtime failure (I/O, ptrace refused...)
 *   2   bad usage or bad input (options, rules, traces, policies)
 *   3   inputs that do not belong together (export: traces recorded with
 *       other rules, a complain log of another policy)
 *   126 the program to run exists but cannot be executed (as a shell says)
 *   127 the program to run is not found
 *   other: record/run return the traced program's status, 128+signal if killed
 */
#ifndef SYSPHASE_CLI_H
#define SYSPHASE_CLI_H

#include <errno.h>
#include <stdio.h>

#define SP_EXIT_FAILURE     1
#define SP_EXIT_USAGE       2
#define SP_EXIT_MISMATCH    3
#define SP_EXIT_CANNOT_EXEC 126
#define SP_EXIT_NOEXEC      127

/*
 * The status for a program that could not be executed with errno err, as
 * a shell picks it: 127 when it is not there, 126 when it is but execve
 * refuses it (EACCES, ENOEXEC, a directory...).
 */
static inline int sp_exit_noexec(int err)
{
	return err == ENOENT ? SP_EXIT_NOEXEC : SP_EXIT_CANNOT_EXEC;
}

int cmd_record(int argc, char **argv);
int cmd_phases(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_infer(int argc, char **argv);

/* "sysphase: " + message + newline on stderr; one line, always. */
void sp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The one-line message for what getopt_long returned as c ('?' or ':',
 * with an optstring starting "+:").  Call right after getopt_long.
 */
void sp_bad_option(const char *cmd, int c, char *const *argv);

/* The directory the running binary lives in (for finding built-in data). */
const char *sp_exe_dir(void);

#endif /* SYSPHASE_CLI_H */
