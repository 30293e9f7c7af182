/* SPDX-License-Identifier: MIT */
/*
 * Inside of a rule set, shared by the loader (rules.c), the trigger
 * parser and matcher (trigger.c) and the detector.  Not a public header.
 */
#ifndef SYSPHASE_PHASES_RULES_INT_H
#define SYSPHASE_PHASES_RULES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sysphase/core.h"
#include "sysphase/phases.h"

/* A list of strings (globs, syscall names...). */
struct sp_strv {
	char **v;
	size_t n;
};

/*
 * Where a named argument is in one syscall's event, and the predicate's
 * names parsed with that argument's own tables: the same name can be
 * "flags" of openat (open flags) and of clone (clone flags).
 */
struct sp_pred_site {
	const char *syscall; /* core's spec name: static storage */
	const char *key;     /* its key in the decoded arguments */
	const char *field;   /* the field of that struct argument it is, or NULL */
	int index;           /* its register, -1 when it is not in one */
	int kind;            /* enum sp_arg_kind of the argument or field */
	uint64_t set, clear;
	uint64_t *nums; /* "eq"/"in" values as numbers (integers, names) */
	size_t nnums;
	bool text; /* "eq"/"in" strings compare with the decoded text (paths...) */
};

/* One argument predicate: every member given must hold. */
struct sp_pred {
	char *arg;                  /* decoded argument name, or "argN" */
	int raw;                    /* N for "argN" (raw register), else -1 */
	struct sp_pred_site *sites; /* named: one per syscall it applies to, by name */
	size_t nsites;
	struct sp_pred_site rawsite; /* "argN": the values parsed with every table */
	struct sp_strv globs;        /* the string form matches one of these */
	struct sp_strv exclude;      /* ... and none of these */
	json_t *in;                  /* "eq"/"in" as given (strings, integers), or NULL */
	bool has_set, has_clear;
	int64_t *families; /* accepted address families (AF_* values) */
	size_t nfamilies;
	struct sp_strv kinds; /* fd kinds (globs) */
};

enum sp_cmp {
	SP_CMP_EQ,
	SP_CMP_NE,
	SP_CMP_LT,
	SP_CMP_LE,
	SP_CMP_GT,
	SP_CMP_GE
};

enum sp_errno_mode {
	SP_ERRNO_ANY = 0, /* not constrained */
	SP_ERRNO_LIST,    /* one of errnos */
	SP_ERRNO_FAILED,  /* any error */
	SP_ERRNO_OK,      /* success */
};

struct sp_trigger {
	enum sp_event_type event;
	struct sp_strv syscalls; /* empty: any syscall */
	struct sp_pred *preds;
	size_t npreds;
	bool has_ret;
	enum sp_cmp ret_op;
	int64_t ret_val;
	enum sp_errno_mode errno_mode;
	int *errnos;
	size_t nerrnos;
	struct sp_strv sites;     /* call-site module globs */
	struct sp_strv not_sites; /* call-site modules that do not match */
	struct sp_strv stack;     /* stack function globs (any frame) */
	struct sp_strv paths;     /* exec: program path globs */
	int *signals;             /* signal: accepted numbers */
	size_t nsignals;
	struct sp_trigger *after; /* ordering: only after this matched in the process */
	unsigned nth;             /* fire on the nth match in the from phase (1 = first) */
	bool need_exit;           /* looks at ret/errno */
	/*
	 * The longest string an argument predicate needs to see whole: the
	 * shortest match of its longest glob or "eq"/"in" string.
	 */
	size_t string_need;
};

struct sp_phase {
	char *name;
	char *description;
	bool final;
	bool has_exits;
};

struct sp_rules {
	char *name;
	json_t *json; /* the validated definition, for sp_rules_to_json */
	struct sp_phase *phases;
	size_t nphases;
	int initial;
	struct sp_rules_edge *edges;
	struct sp_trigger **edge_trigger; /* borrowed from triggers */
	size_t nedges;
	struct sp_trigger **triggers; /* owned, one per "when" */
	size_t ntriggers;
	int *on_fork; /* per parent phase: the child's phase, or -1 to inherit */
	bool need_exit;
	bool need_stack;    /* some trigger tests stack function names */
	size_t string_need; /* the largest of the triggers' string_need */
};

/* Parsing context: where messages point. */
struct sp_pctx {
	const char *file;
	const struct sp_jpos *jp;
	struct sp_diag *diag;
};

/* Sets diag to "file:line:col: msg" for the value (or key) at pointer; returns -EINVAL. */
int sp_perr(const struct sp_pctx *c, const char *pointer, bool key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks that obj has only the given keys (NULL-terminated); error with a suggestion. */
int sp_check_keys(const struct sp_pctx *c, const char *pointer, json_t *obj,
                  const char *const *keys);

/* Helpers of trigger parsing shared by trigger.c and trigger_pred.c. */
void sp_strv_free(struct sp_strv *sv);
/* base/key and base/i as JSON pointers, cut visibly where buf is too small. */
void sp_ptr_child(char *buf, size_t n, const char *base, const char *key);
void sp_ptr_index(char *buf, size_t n, const char *base, size_t i);
/*
 * Calls fn for a string or each string of an array at pointer; "what"
 * names the expected thing for messages.
 */
typedef int (*sp_str_fn)(const struct sp_pctx *c, const char *pointer, const char *s, void *arg);
int sp_each_string(const struct sp_pctx *c, const char *pointer, json_t *v, const char *what,
                   sp_str_fn fn, void *arg);
/* An sp_str_fn: a well-formed glob, or an error where it is. */
int sp_add_glob(const struct sp_pctx *c, const char *pointer, const char *s, void *arg);

/*
 * The predicate of argument arg at pointer (trigger_pred.c), for the
 * trigger's syscalls (none: any); *p freed with sp_pred_free.
 */
int sp_pred_parse(const struct sp_pctx *c, const char *pointer, const char *arg, json_t *v,
                  const struct sp_strv *syscalls, struct sp_pred *p);
void sp_pred_free(struct sp_pred *p);

/* Parses the trigger at pointer; *out owned by the caller (sp_trigger_free). */
int sp_trigger_parse(const struct sp_pctx *c, const char *pointer, json_t *v,
                     struct sp_trigger **out);
void sp_trigger_free(struct sp_trigger *t);

/* Whether ev matches t, ignoring t->after and t->nth (the detector's business). */
bool sp_trigger_match(const struct sp_trigger *t, const struct sp_event *ev);

#endif /* SYSPHASE_PHASES_RULES_INT_H */
