/* SPDX-License-Identifier: MIT */
/*
 * The sysphase command: one function per subcommand, each parsing its own
 * options (getopt_long) and returning the process exit status.  Only cli/
 * prints to the user or decides exit statuses.
 *
 * The exit statuses, one table for every subcommand (each --help and
 * the man pages print it from help.c; docs/exit-status.md):
 *   0   success
 *   1   sysphase itself failed (ptrace refused, nothing to attach to,
 *       out of memory); phases --diff: the stamps differ
 *   2   usage: an unknown option, a missing or malformed argument
 *   3   refused: inputs that do not belong together (traces of other
 *       rules, a complain log of another policy)
 *   4   input error: a file given cannot be read or is not what it
 *       should be (trace, rules, policy, list, log), with file:line:col
 *   5   output error: an output cannot be written (a file, a directory,
 *       stdout: a full disk, /dev/full)
 *   124 run -p, hook: the process could not be attached to (it runs on,
 *       unchanged; a hook's runtime then aborts the container)
 *   125 run: a filter could not be handed over and the program was killed
 *   126 the program to run exists but cannot be executed (as a shell says)
 *   127 the program to run is not found
 *   other: record and run pass the program's own status through, or
 *       128+signal when it was killed
 */
#ifndef SYSPHASE_CLI_H
#define SYSPHASE_CLI_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define SP_EXIT_FAILURE     1
#define SP_EXIT_USAGE       2
#define SP_EXIT_REFUSED     3
#define SP_EXIT_MISMATCH    SP_EXIT_REFUSED
#define SP_EXIT_INPUT       4
#define SP_EXIT_OUTPUT      5
#define SP_EXIT_ATTACH      124
#define SP_EXIT_HANDOVER    125
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
int cmd_show(int argc, char **argv);
int cmd_hook(int argc, char **argv);

/* run.c for hook: run -p PID --policy POLICY, the supervisor outliving us, writing to log. */
int run_hook(const char *policy, pid_t pid, const char *log_path, bool quiet);
/* A process id (decimal, > 0): 0, or -1 for anything else. */
int run_parse_pid(const char *s, pid_t *out);

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
