/* SPDX-License-Identifier: MIT */
/*
 * The one source of every command's documentation: its synopsis, options,
 * description and exit statuses, as tables (help_text.c).  `--help`, the
 * man pages (`sysphase help --man`) and the shell completions (`sysphase
 * help --completion SHELL`) are all rendered from them (help.c), so none
 * can drift from another or from the options the parsers accept
 * (tests/e2e/cli_help.sh holds each parser against its table).
 */
#ifndef SYSPHASE_CLI_HELP_H
#define SYSPHASE_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* What a value or operand is, for completion. */
enum help_kind {
	HK_NONE = 0,
	HK_FILE,    /* any file */
	HK_JSON,    /* a .json file */
	HK_TRACE,   /* a .jsonl trace (or '-') */
	HK_DIR,     /* a directory */
	HK_RULES,   /* a built-in rule set name or a .json file */
	HK_PID,     /* a process id */
	HK_CHOICE,  /* one word of choices */
	HK_LIST,    /* a comma-separated list of choices */
	HK_COMMAND, /* a program and its arguments (after --) */
	HK_TOPIC,   /* a command name (sysphase help CMD) */
	HK_SET,     /* an allowlist spec of compare (a file, or a built-in of choices) */
	HK_TEXT,    /* free text, nothing to complete */
};

struct help_opt {
	char shrt;           /* the short option, or 0 */
	const char *lng;     /* the long option, without "--" */
	const char *arg;     /* its value's name, or NULL when it takes none */
	bool optional;       /* the value is optional: --lng[=ARG] */
	enum help_kind kind; /* what completes the value */
	const char *choices; /* HK_CHOICE/HK_LIST/HK_SET: the words, space-separated */
	const char *text;    /* one paragraph; wrapped when printed */
};

struct help_cmd {
	const char *name;            /* NULL: the top-level sysphase(1) page */
	const char *summary;         /* one line, no period */
	const char *synopsis[4];     /* each after "sysphase NAME " */
	const char *description;     /* paragraphs separated by blank lines */
	const struct help_opt *opts; /* ends with {0} */
	enum help_kind operand;      /* what completes the operands */
	const char *operand_choices; /* HK_SET: built-in names */
	const char *exit;            /* what the statuses mean for this command */
	const char *examples;        /* command lines, one per line, "# " comments */
};

extern const struct help_cmd help_top;
extern const struct help_cmd *const help_cmds[]; /* NULL-terminated */

/* The statuses of cli.h, one row each: the table every --help and man page prints. */
struct help_exit_row {
	const char *code, *text;
};
extern const struct help_exit_row help_exit_rows[]; /* ends with {NULL} */

/* "-s, --long ARG" of o into buf (at most len bytes); its length. */
int help_opt_label(const struct help_opt *o, char *buf, size_t len);

/* The help of command name, or NULL. */
const struct help_cmd *help_find(const char *name);

/* `sysphase NAME --help` text. */
void help_print(const struct help_cmd *h, FILE *out);

/* The man page of h (roff), NAME sysphase-NAME(1), or sysphase(1) for help_top. */
void help_man(const struct help_cmd *h, FILE *out);

/* The completion script for shell "bash", "zsh" or "fish"; -1 for another shell. */
int help_completion(const char *shell, FILE *out);

/* The closest command name to s (edit distance at most 2), or NULL. */
const char *help_suggest(const char *s);

/* `sysphase help [--man|--completion SHELL] [CMD]`. */
int cmd_help(int argc, char **argv);

#endif /* SYSPHASE_CLI_HELP_H */
