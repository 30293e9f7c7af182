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
#include "help.h"
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
	FILE *trace_stream;           /* -o - with a launched program: the saved stdout */
	int write_error;
	pid_t attached_to; /* -p with --rules: said once the attach has worked */
};

static void record_usage(FILE *out)
{
	help_print(help_find("record"), out);
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
	if (ctx->detector && ctx->attached_to) {
		/*
		 * Attached, the process is past whatever phases it went through
		 * before: the detector cannot know which, and starts it in the first.
		 */
		sp_warn("attached to %d, which the rules '%s' start in their first phase '%s': "
		        "what it did before the attach is not seen, so the phases may lag behind",
		        (int)ctx->attached_to, sp_rules_name(ctx->rules),
		        sp_rules_phase_name(ctx->rules, sp_rules_initial(ctx->rules)));
		ctx->attached_to = 0;
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
	bool quiet;        /* -q: no status line */
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
	    {"quiet", no_argument, NULL, 'q'},
	    {"follow", no_argument, NULL, 'f'},
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
	while ((c = getopt_long(argc, argv, "+:o:p:r:s:qfh", longopts, NULL)) != -1) {
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
		case 'q':
			a->quiet = true;
			break;
		case 'f':
			break; /* children are always followed; strace users type it */
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
		return rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
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
	ctx->attached_to = a->opts.attach_pid;
	ctx->detector = sp_detector_new(ctx->rules);
	if (!ctx->detector) {
		sp_err("out of memory");
		return SP_EXIT_FAILURE;
	}
	return 0;
}

/*
 * With -o - the trace owns stdout: the launched program's stdout goes to
 * sysphase's stderr instead (it inherits fd 1 = fd 2), so that only the
 * trace flows down a pipe.  Returns the stream the trace is written to,
 * or NULL with errno.
 */
static FILE *take_stdout(void)
{
	int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		int err = errno;

		if (f)
			fclose(f);
		else
			close(fd);
		errno = err;
		return NULL;
	}
	return f;
}

/*
 * The trace, opened before anything runs (an unwritable path must not cost
 * a run).  A file grows under a temporary name and replaces TRACE only when
 * the recording succeeds (sp_trace_writer_create); 0 or -errno, said.
 */
static int start_trace(struct record_ctx *ctx, const struct record_args *a)
{
	struct sp_diag diag = {{0}};
	struct sp_trace_header hdr;
	int rc = sp_trace_header_make(&hdr, a->opts.argv, a->opts.attach_pid,
	                              ctx->rules ? a->rules : NULL, a->opts.entry_only);

	if (rc < 0) {
		sp_err("out of memory");
		return rc;
	}
	if (strcmp(a->output, "-") == 0 && a->opts.argv) {
		ctx->trace_stream = take_stdout();
		rc = ctx->trace_stream ? sp_trace_writer_new(ctx->trace_stream, &hdr, &ctx->writer)
		                       : -errno;
		if (rc < 0)
			sp_diag_set(&diag, -rc, "cannot write the trace to stdout: %s",
			            strerror(-rc));
	} else {
		rc = sp_trace_writer_create(a->output, &hdr, &ctx->writer, &diag);
	}
	sp_trace_header_release(&hdr);
	if (rc < 0)
		sp_err("%s", diag.msg);
	return rc;
}

/* Ends the trace: kept (renamed into place) when keep, else dropped; 0 or -errno. */
static int end_trace(struct record_ctx *ctx, bool keep)
{
	int rc = 0;

	if (!keep) {
		sp_trace_writer_abort(ctx->writer);
		ctx->writer = NULL;
		if (ctx->trace_stream)
			fclose(ctx->trace_stream);
		ctx->trace_stream = NULL;
		return 0;
	}
	rc = sp_trace_writer_free(ctx->writer);
	ctx->writer = NULL;
	if (ctx->trace_stream && fclose(ctx->trace_stream) != 0 && rc == 0)
		rc = -errno;
	ctx->trace_stream = NULL;
	return rc;
}

int cmd_record(int argc, char **argv)
{
	struct record_args a;
	struct record_ctx ctx = {0};
	struct sp_tracer_result res;
	struct sp_diag diag = {{0}};
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
	rc = start_trace(&ctx, &a);
	if (rc < 0) {
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_OUTPUT;
		goto out;
	}

	a.opts.on_event = on_event;
	a.opts.ctx = &ctx;
	/* Only to say so: phases, export and report find the entrypoint in the trace. */
	ctx.runtime = sp_runtime_new(0);
	catch_stop_signals();
	ctx.progress = a.quiet ? NULL : progress_new();
	rc = sp_tracer_run(&a.opts, &res, &diag);
	progress_end(ctx.progress);
	ctx.progress = NULL;
	/*
	 * A recording that failed (nothing to attach to, a program that did
	 * not start, a write error) leaves TRACE as it was.  Else the first
	 * write error of the whole run, or the flush's or rename's.
	 */
	rc2 = end_trace(&ctx, rc == 0 && !ctx.write_error);
	if (!ctx.write_error)
		ctx.write_error = rc2;
	if (ctx.write_error) {
		sp_err("cannot write trace '%s': %s", a.output, strerror(-ctx.write_error));
		status = SP_EXIT_OUTPUT;
		goto out;
	}
	if (rc < 0) {
		sp_err("%s", diag.msg);
		if ((rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC) && a.opts.argv)
			status = sp_exit_noexec(-rc);
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
	end_trace(&ctx, false);
	sp_detector_free(ctx.detector);
	sp_rules_free(ctx.rules);
	return status;
}
