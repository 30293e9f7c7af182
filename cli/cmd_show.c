/* SPDX-License-Identifier: MIT */
/*
 * sysphase show: a trace as strace-like lines, one per syscall
 * (`PID [PHASE] name(args) = ret`, written by sp_event_format), the
 * process events between them and a marked line at each phase boundary;
 * filterable by process, phase and syscall.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "sysphase/trace.h"

#define MAX_FILTER 64

struct show_opts {
	const char *trace, *rules;
	pid_t pids[MAX_FILTER];
	size_t n_pids;
	const char *phases[MAX_FILTER];
	size_t n_phases;
	char *syscalls[MAX_FILTER];
	size_t n_syscalls;
	size_t strsize;
	int color;                   /* -1 auto, 0 never, 1 always */
	char *lists[3 * MAX_FILTER]; /* strdup'd option values, freed at the end */
	size_t n_lists;
};

/* The last phase printed per thread: boundaries are per thread (DESIGN.md, invariant 2). */
struct last_phase {
	pid_t tid;
	const char *phase; /* interned by the rules or the reader; compared by content */
	char *copy;
};

struct show_ctx {
	const struct show_opts *o;
	bool color;
	struct last_phase *last;
	size_t n_last, cap_last;
	unsigned long shown, matched_phase;
	char *seen_phases; /* "a, b, c" for the message when --phase matched nothing */
};

enum {
	OPT_PHASE = 256,
	OPT_COLOR
};

#define C_PID   "\033[2m"
#define C_PHASE "\033[36m"
#define C_NAME  "\033[1m"
#define C_ERR   "\033[31m"
#define C_EVENT "\033[33m"
#define C_MARK  "\033[1;35m"
#define C_OFF   "\033[0m"

/* ---- options ---- */

/* Splits a comma-separated value into list (the pieces point into a copy kept in o). */
static int split_into(struct show_opts *o, const char *arg, char **list, size_t *n)
{
	char *copy = strdup(arg), *save = NULL;

	if (!copy)
		return -ENOMEM;
	o->lists[o->n_lists++] = copy;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_FILTER)
			return -E2BIG;
		list[(*n)++] = t;
	}
	return 0;
}

static int add_pids(struct show_opts *o, const char *arg)
{
	char *list[MAX_FILTER];
	size_t n = 0;
	int rc = split_into(o, arg, list, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *end;
		long v = strtol(list[i], &end, 10);

		if (*end || end == list[i] || v <= 0 || v > INT_MAX) {
			sp_err("show: --pid needs process ids, not '%s'", list[i]);
			return -EINVAL;
		}
		if (o->n_pids == MAX_FILTER)
			return -E2BIG;
		o->pids[o->n_pids++] = (pid_t)v;
	}
	return rc;
}

/* 0 to go on, 1 after --help, -1 after a usage error (said). */
static int parse_args(int argc, char **argv, struct show_opts *o)
{
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"pid", required_argument, NULL, 'p'},
	    {"phase", required_argument, NULL, OPT_PHASE},
	    {"syscall", required_argument, NULL, 'e'},
	    {"strsize", required_argument, NULL, 's'},
	    {"color", optional_argument, NULL, OPT_COLOR},
	    {"colour", optional_argument, NULL, OPT_COLOR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	o->strsize = 32;
	o->color = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:p:e:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'p':
			rc = add_pids(o, optarg);
			break;
		case OPT_PHASE:
			rc = split_into(o, optarg, (char **)o->phases, &o->n_phases);
			break;
		case 'e':
			/* strace's -e trace=NAMES is accepted as it is written. */
			rc = split_into(o, strncmp(optarg, "trace=", 6) ? optarg : optarg + 6,
			                o->syscalls, &o->n_syscalls);
			break;
		case 's': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || end == optarg || v == 0 || v > 1 << 20) {
				sp_err("show: -s needs a size between 1 and 1048576, not '%s'",
				       optarg);
				return -1;
			}
			o->strsize = v;
			break;
		}
		case OPT_COLOR:
			if (!optarg || !strcmp(optarg, "always"))
				o->color = 1;
			else if (!strcmp(optarg, "never"))
				o->color = 0;
			else if (!strcmp(optarg, "auto"))
				o->color = -1;
			else {
				sp_err("show: --color takes auto, always or never, not '%s'",
				       optarg);
				return -1;
			}
			break;
		case 'h':
			help_print(help_find("show"), stdout);
			return 1;
		default:
			sp_bad_option("show", c, argv);
			return -1;
		}
		if (rc == -E2BIG) {
			sp_err("show: at most %d values per filter", MAX_FILTER);
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	if (optind != argc - 1) {
		sp_err("show: give one TRACE (see 'sysphase show --help')");
		return -1;
	}
	o->trace = argv[optind];
	return 0;
}

/* ---- printing ---- */

static void color_on(const struct show_ctx *s, const char *code)
{
	if (s->color)
		fputs(code, stdout);
}

static void color_off(const struct show_ctx *s)
{
	if (s->color)
		fputs(C_OFF, stdout);
}

static const struct sp_format_style colors = {
    .pid = C_PID, .phase = C_PHASE, .name = C_NAME, .err = C_ERR, .event = C_EVENT, .off = C_OFF};

/* The event's line (trace/format.c); -ENOMEM. */
static int print_event(const struct show_ctx *s, const struct sp_event *ev)
{
	char *line;
	int rc = sp_event_format(ev, s->color ? &colors : NULL, s->o->strsize, &line);

	if (rc < 0)
		return rc;
	puts(line);
	free(line);
	return 0;
}

/* ---- filtering ---- */

static bool pid_wanted(const struct show_opts *o, const struct sp_event *ev)
{
	if (!o->n_pids)
		return true;
	for (size_t i = 0; i < o->n_pids; i++)
		if (o->pids[i] == ev->pid || o->pids[i] == ev->tid)
			return true;
	return false;
}

static bool phase_wanted(const struct show_opts *o, const char *phase)
{
	if (!o->n_phases)
		return true;
	for (size_t i = 0; phase && i < o->n_phases; i++)
		if (strcmp(o->phases[i], phase) == 0)
			return true;
	return false;
}

static bool syscall_wanted(const struct show_opts *o, const struct sp_event *ev)
{
	if (!o->n_syscalls || ev->type != SP_EV_SYSCALL)
		return true;
	for (size_t i = 0; ev->name && i < o->n_syscalls; i++)
		if (strcmp(o->syscalls[i], ev->name) == 0)
			return true;
	return false;
}

/* Notes a phase name for the "no event in phase X" message. */
static void note_phase(struct show_ctx *s, const char *phase)
{
	size_t len = s->seen_phases ? strlen(s->seen_phases) : 0;
	char *grown;
	const char *p = s->seen_phases;

	/* Compare whole items of the ", "-separated list. */
	while (p && *p) {
		size_t item = strcspn(p, ",");

		if (item == strlen(phase) && strncmp(p, phase, item) == 0)
			return;
		p += item;
		while (*p == ',' || *p == ' ')
			p++;
	}
	grown = realloc(s->seen_phases, len + strlen(phase) + 3);
	if (!grown)
		return;
	sprintf(grown + len, "%s%s", len ? ", " : "", phase);
	s->seen_phases = grown;
}

/* Whether the thread's phase changed since its last event; records the new one. */
static bool phase_changed(struct show_ctx *s, const struct sp_event *ev)
{
	struct last_phase *l = NULL;

	for (size_t i = 0; i < s->n_last; i++)
		if (s->last[i].tid == ev->tid) {
			l = &s->last[i];
			break;
		}
	if (!l) {
		if (s->n_last == s->cap_last) {
			size_t cap = s->cap_last ? 2 * s->cap_last : 16;
			struct last_phase *grown = realloc(s->last, cap * sizeof(*grown));

			if (!grown)
				return false;
			s->last = grown;
			s->cap_last = cap;
		}
		l = &s->last[s->n_last++];
		*l = (struct last_phase){.tid = ev->tid};
	}
	if (l->copy && strcmp(l->copy, ev->phase) == 0)
		return false;
	free(l->copy);
	l->copy = strdup(ev->phase);
	return true;
}

static int on_event(void *ctx, struct sp_event *ev, const struct sp_segment_info *info)
{
	struct show_ctx *s = ctx;
	bool changed;

	(void)info;
	if (ev->phase)
		note_phase(s, ev->phase);
	changed = ev->phase && phase_changed(s, ev);
	if (!pid_wanted(s->o, ev) || !phase_wanted(s->o, ev->phase))
		return 0;
	s->matched_phase++;
	if (changed) {
		color_on(s, C_MARK);
		printf("--- %d enters phase '%s' ---", (int)ev->tid, ev->phase);
		color_off(s);
		putchar('\n');
	}
	if (!syscall_wanted(s->o, ev))
		return 0;
	s->shown++;
	if (print_event(s, ev) < 0)
		return -ENOMEM;
	return ferror(stdout) ? -EIO : 0;
}

static bool use_color(const struct show_opts *o)
{
	const char *no = getenv("NO_COLOR");

	if (o->color >= 0)
		return o->color;
	/* https://no-color.org: present and not empty. */
	return isatty(STDOUT_FILENO) && !(no && *no);
}

int cmd_show(int argc, char **argv)
{
	struct show_opts o = {0};
	struct show_ctx s = {.o = &o};
	struct sp_segment *seg = NULL;
	struct sp_diag diag = {{0}};
	struct sp_segment_sink sink = {.event = on_event, .ctx = &s, .want = SP_TRACE_WANT_DEC};
	int rc, status = SP_EXIT_USAGE;

	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		status = rc > 0 ? 0 : SP_EXIT_USAGE;
		goto out;
	}
	s.color = use_color(&o);
	/* Without --rules, the trace's own stamps if it has any, and no phases if not. */
	rc = sp_segment_open(
	    &(struct sp_segment_opts){
		.trace = o.trace, .rules = o.rules, .exe_dir = sp_exe_dir(), .no_phases = !o.rules},
	    &seg, &diag);
	if (rc < 0) {
		sp_err("show: %s", diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		goto out;
	}
	rc = sp_segment_run(seg, &sink, &diag);
	if (rc == -EIO && ferror(stdout)) {
		status = 0; /* main's close_stdout names the error and sets the status */
		goto out;
	}
	if (rc < 0) {
		sp_err("show: %s", rc == -ENOMEM ? "out of memory" : diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		goto out;
	}
	if (sp_segment_truncated(seg))
		sp_warn("%s ends in a truncated line (the recording was killed)", o.trace);
	status = 0;
	if (o.n_phases && !s.matched_phase) {
		sp_err("show: no event in phase '%s' (phases in %s: %s)", o.phases[0], o.trace,
		       s.seen_phases ? s.seen_phases : "none: give --rules R");
		status = SP_EXIT_USAGE;
	}
out:
	sp_segment_free(seg);
	for (size_t i = 0; i < s.n_last; i++)
		free(s.last[i].copy);
	free(s.last);
	free(s.seen_phases);
	for (size_t i = 0; i < o.n_lists; i++)
		free(o.lists[i]);
	return status;
}
