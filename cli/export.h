/* SPDX-License-Identifier: MIT */
/* sysphase export: its options, and what it prints (cli/export_print.c). */
#ifndef SYSPHASE_CLI_EXPORT_H
#define SYSPHASE_CLI_EXPORT_H

#include "runtime_opts.h"
#include "sysphase/completion.h"
#include "sysphase/filters.h"
#include "sysphase/policy.h"

#define MAX_INPUTS 32

struct export_opts {
	struct sp_policy_inputs in;
	const char *traces[MAX_INPUTS], *merge[MAX_INPUTS];
	const char *dir;
	struct sp_export_opts out;
	bool no_complete;     /* no static completion */
	bool allow_held_back; /* completed dangerous calls are allowed, not held back */
	bool formats_set;     /* -f was given */
	bool no_landlock;     /* no Landlock rules in the policy */
	struct runtime_opts rt;
};

struct completion {
	struct sp_completer *k;
	bool allow_held_back;
	struct sp_completer_stats st;
	struct sp_landlock_collector *ll; /* Landlock rules from the same events, or NULL */
};

/* The start profile's inputs (cli/export_start.c). */
struct export_start {
	char **extra; /* NULL-terminated: what the runtime runs after loading the profile */
	size_t n, cap;
	size_t observed; /* how many only the traces showed */
	char runtime[32];
	bool loaded_nnp, loaded_plain; /* the traces show a load with / without no_new_privs */
	const char *phase;             /* the starting phase */
	const char *stem;              /* the profile's file stem (sp_export_start_stem) */
};

/* Sets o->out's start profile from p and the traces; -1 when out of memory (not said). */
int export_start_prepare(struct export_opts *o, const struct sp_policy *p, struct export_start *st);
void export_start_print(const struct export_opts *o, const struct export_start *st);
void export_start_free(struct export_start *st);

/* Per phase: sizes, the enforce list per threat level, each provenance's count; then the lists. */
void export_print_summary(const struct export_opts *o, const struct sp_policy *p, size_t files);

/* What completion did. */
void export_print_completion(const struct export_opts *o, const struct completion *c);

/* Held-back calls with their chains, and one warning per phase for the denied ones (io_uring). */
void export_print_held_back(const struct sp_policy *p);

/* Per architecture other than x86-64: what was translated, and what has no counterpart. */
void export_print_arches(const struct export_opts *o, const struct sp_arch_notes *notes);

/* Each phase's Landlock layer (cli/export_landlock.c); nothing without Landlock rules. */
void export_print_landlock(const struct sp_policy *p);

#endif /* SYSPHASE_CLI_EXPORT_H */
