/* SPDX-License-Identifier: MIT */
/*
 * sysphase record: the tracer's front end.  Opens the trace before
 * anything runs (an unwritable path must not cost a run of the program),
 * streams every event into it, and exits like a shell would.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"
#include "sysphase/tracer.h"

struct record_ctx {
	struct sp_trace_writer *writer;
	struct sp_rules *rules;       /* NULL without --rules */
	struct sp_detector *detector; /* stamps each event online */
	struct progress *progress;    /* NULL unless stderr is a terminal */
	struct sp_runtime *runtime;   /* recognises a container runtime in front */
	char entry_path[256];         /* the entrypoint's executable, once seen */
	int write_error;
};

static void record_usage(FILE *out)
{
	fprintf(out,
	        "usage: sysphase record [OPTIONS] (-p PID | -- PROG [ARGS...])\n\n"
	        "Runs PROG (or attaches to process PID) under a ptrace supervisor that follows\n"
	        "every thread and child, and writes each syscall, fork, exec, signal and exit\n"
	        "as one JSON line (docs/trace-format.md).\n\n"
	        "  -o, --output TRACE   write the trace to TRACE ('-' for stdout;\n"
	        "                       default: trace.jsonl)\n"
	        "  -p, --pid PID        attach to every thread of running process PID;\n"
	        "                       SIGINT/SIGTERM detach and leave it running\n"
	        "  -r, --rules R        stamp each event with its phase: a rule file or a\n"
	        "                       built-in set (nginx, pwd, generic)\n"
	        "      --stack[=addr]   symbolised call stacks (function names, for 'stack'\n"
	        "                       triggers); with addr, or by default, module+offset\n"
	        "                       frames only: what export's static completion needs\n"
	        "      --no-stack       no call stacks: export cannot complete the policy\n"
	        "      --no-exit        entry-only recording through a SECCOMP_RET_TRACE\n"
	        "                       filter: one stop per syscall, no return values\n"
	        "  -s, --strsize N      cap decoded strings at N bytes (default 256)\n"
	        "  -h, --help           this text\n\n"
	        "Exit status: the program's, or 128+signal if it was killed; 127 when it\n"
	        "is not found, 126 when it cannot be executed; 2 for bad usage; 1 when\n"
	        "tracing itself fails.\n");
}

static int on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev)
{
	struct record_ctx *ctx = opaque;
	int rc;

	(void)tracer;
	if (ctx->runtime && !sp_runtime_entered(ctx->runtime)) {
		rc = sp_runtime_feed(ctx->runtime, ev);
		if (rc < 0)
			return rc;
		if (ev->type == SP_EV_SYSCALL && sp_runtime_entered(ctx->runtime) && ev->dec)
			snprintf(ctx->entry_path, sizeof(ctx->entry_path), "%s",
			         json_string_value(json_object_get(ev->dec, "pathname"))
			             ? json_string_value(json_object_get(ev->dec, "pathname"))
			             : "?");
	}
	if (ctx->detector) {
		rc = sp_detector_feed(ctx->detector, ev, NULL);
		if (rc < 0)
			return rc;
	}
	rc = sp_trace_write(ctx->writer, ev);
	if (rc < 0) {
		ctx->write_error = rc;
		return rc;
	}
	progress_event(ctx->progress, ev, ctx->detector);
	return 0;
}

static void on_stop_signal(int signo)
{
	sp_tracer_request_stop(signo);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	/* No SA_RESTART: waitpid() must return EINTR so the loop sees the request. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

struct record_args {
	struct sp_tracer_opts opts;
	const char *output;
	const char *rules; /* --rules, or NULL */
};

/* Fills a from the command line: -1 to go on, else the exit status to return. */
static int parse_record_args(int argc, char **argv, struct record_args *a)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"pid", required_argument, NULL, 'p'},
	    {"rules", required_argument, NULL, 'r'},
	    {"stack", optional_argument, NULL, 'S'},
	    {"no-exit", no_argument, NULL, 'E'},
	    {"strsize", required_argument, NULL, 's'},
	    {"no-stack", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	/*
	 * Stacks by default (module + offset frames): without them export
	 * cannot complete a policy, and the plain flow must give completed
	 * ones.  The call-path cache makes them cheap (tracer/stack_path.h).
	 */
	*a = (struct record_args){.opts = {.strsize = 256, .stack = true, .stack_addrs = true},
	                          .output = "trace.jsonl"};
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:o:p:r:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'p':
			if (parse_pid(optarg, &a->opts.attach_pid) < 0) {
				sp_err("record: -p needs a process id, not '%s'", optarg);
				return SP_EXIT_USAGE;
			}
			break;
		case 'r':
			a->rules = optarg;
			break;
		case 'S':
			if (optarg && strcmp(optarg, "addr") != 0) {
				sp_err("record: --stack takes no value or 'addr', not '%s'",
				       optarg);
				return SP_EXIT_USAGE;
			}
			a->opts.stack = true;
			a->opts.stack_addrs = optarg != NULL;
			break;
		case 'N':
			a->opts.stack = false;
			break;
		case 'E':
			a->opts.entry_only = true;
			break;
		case 's': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || end == optarg || v == 0 || v > 1 << 20) {
				sp_err("record: -s needs a size between 1 and 1048576, not '%s'",
				       optarg);
				return SP_EXIT_USAGE;
			}
			a->opts.strsize = v;
			break;
		}
		case 'h':
			record_usage(stdout);
			return 0;
		default:
			sp_bad_option("record", c, argv);
			return SP_EXIT_USAGE;
		}
	}
	if (optind < argc)
		a->opts.argv = argv + optind;
	if (!a->opts.argv == !a->opts.attach_pid) {
		sp_err("record: give either -p PID or -- PROG [ARGS...] (see 'sysphase record "
		       "--help')");
		return SP_EXIT_USAGE;
	}
	if (a->opts.attach_pid && a->opts.entry_only) {
		sp_err("record: --no-exit needs a filter installed before exec; it cannot be used "
		       "with -p");
		return SP_EXIT_USAGE;
	}
	return -1;
}

/* The rule set and its online detector; 0 or an exit status, the message said. */
static int load_rules(struct record_ctx *ctx, const struct record_args *a)
{
	struct sp_diag diag = {{0}};
	int rc;

	if (!a->rules)
		return 0;
	rc = sp_segment_rules_load(a->rules, SP_RULES_FROM_USER, sp_exe_dir(), &ctx->rules, &diag);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
	}
	if (a->opts.entry_only && sp_rules_need_exit(ctx->rules))
		sp_warn("rules '%s' test return values, which --no-exit does not record: those "
		        "triggers will not fire",
		        sp_rules_name(ctx->rules));
	/* What the rules test and the trace would lack: those triggers would never fire. */
	if (sp_rules_need_stack(ctx->rules) && (!a->opts.stack || a->opts.stack_addrs))
		sp_warn("rules '%s' test stack function names, which only symbolised stacks carry "
		        "(record --stack): those triggers will not fire",
		        sp_rules_name(ctx->rules));
	if (sp_rules_string_need(ctx->rules) > a->opts.strsize)
		sp_warn("rules '%s' match strings of %zu bytes, longer than -s %zu cuts them to: "
		        "those predicates will not match (give -s %zu or more)",
		        sp_rules_name(ctx->rules), sp_rules_string_need(ctx->rules),
		        a->opts.strsize, sp_rules_string_need(ctx->rules));
	ctx->detector = sp_detector_new(ctx->rules);
	if (!ctx->detector) {
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	return 0;
}

/*
 * The trace, opened before anything runs (an unwritable path must not cost
 * a run) and written through (sp_trace_writer_create); 0 or -errno, said.
 */
static int start_trace(struct record_ctx *ctx, const struct record_args *a)
{
	struct sp_diag diag = {{0}};
	struct sp_trace_header hdr;
	int rc = sp_trace_header_make(&hdr, a->opts.argv, a->opts.attach_pid,
	                              ctx->rules ? a->rules : NULL, a->opts.entry_only);

	if (rc == 0)
		rc = sp_trace_writer_create(a->output, &hdr, &ctx->writer, &diag);
	else
		sp_diag_set(&diag, -rc, "out of memory");
	sp_trace_header_release(&hdr);
	if (rc < 0)
		sp_err("%s", diag.msg);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a;
	struct record_ctx ctx = {0};
	struct sp_tracer_result res;
	struct sp_diag diag = {{0}};
	struct stat st;
	char *resolved;
	int rc, rc2, status;

	status = parse_record_args(argc, argv, &a);
	if (status >= 0)
		return status;
	status = load_rules(&ctx, &a);
	if (status)
		goto out;
	status = SP_EXIT_FAILURE;
	/* A program that cannot run is reported before the trace file is touched. */
	if (a.opts.argv) {
		resolved = sp_tracer_resolve_program(a.opts.argv[0]);
		if (!resolved) {
			status = sp_exit_noexec(errno);
			sp_err("cannot execute '%s': %s", a.opts.argv[0], strerror(errno));
			goto out;
		}
		free(resolved);
	}
	if (start_trace(&ctx, &a) < 0)
		goto out;

	a.opts.on_event = on_event;
	a.opts.ctx = &ctx;
	/* Only to say so: phases, export and report find the entrypoint in the trace. */
	ctx.runtime = sp_runtime_new(0);
	catch_stop_signals();
	ctx.progress = progress_new();
	rc = sp_tracer_run(&a.opts, &res, &diag);
	progress_end(ctx.progress);
	ctx.progress = NULL;
	/* The first write error of the whole run, else the flush's or commit's. */
	rc2 = sp_trace_writer_free(ctx.writer);
	ctx.writer = NULL;
	if (!ctx.write_error)
		ctx.write_error = rc2;

	if (ctx.write_error) {
		sp_err("cannot write trace '%s': %s", a.output, strerror(-ctx.write_error));
		goto out;
	}
	if (rc < 0) {
		sp_err("%s", diag.msg);
		if ((rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC) && a.opts.argv) {
			status = sp_exit_noexec(-rc);
			/*
			 * Nothing ran: no trace is better than a header without a
			 * program.  Only a file is removed: `-o /dev/null` stays.
			 */
			if (strcmp(a.output, "-") != 0 && lstat(a.output, &st) == 0 &&
			    S_ISREG(st.st_mode))
				unlink(a.output);
		}
		goto out;
	}
	status = res.status;
	if (sp_runtime_entered(ctx.runtime))
		fprintf(stderr,
		        "sysphase: a container runtime is in front of the program: its entrypoint "
		        "is process %d's exec of %s; phases, export and report start there\n",
		        (int)sp_runtime_entry_pid(ctx.runtime),
		        ctx.entry_path[0] ? ctx.entry_path : "its program");
out:
	sp_runtime_free(ctx.runtime);
	sp_trace_writer_free(ctx.writer);
	sp_detector_free(ctx.detector);
	sp_rules_free(ctx.rules);
	return status;
}
