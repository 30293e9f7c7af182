/* SPDX-License-Identifier: MIT */
/*
 * sysphase run: enforce a policy's phases on an unmodified program.  The
 * engine is enforce/ (sp_enforcer_*); this file parses the options,
 * prints what the engine tells and picks the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "init.h"
#include "sysphase/enforce.h"
#include "sysphase/tracer.h"

/* A filter could not be handed over and sysphase killed the process (docs/run.md). */
#define SP_EXIT_HANDOVER 125

struct run_opts {
	const char *policy;
	bool complain;
	const char *log_path; /* NULL: stderr */
	enum sp_action def;
	bool graded; /* --default-action graded */
	bool no_landlock;
	char **argv;
};

static void run_usage(FILE *out)
{
	fprintf(out,
	        "usage: sysphase run --policy POLICY [OPTIONS] -- PROG [ARGS...]\n\n"
	        "Runs PROG under the phases of POLICY (the policy.json of 'sysphase export'):\n"
	        "the first phase's filter is installed before exec, each later phase's when\n"
	        "the program enters it, and a process in a final phase is let go to run\n"
	        "under its filter alone.\n\n"
	        "  -P, --policy FILE         the policy.json to enforce\n"
	        "      --complain[=LOG]      deny nothing: the same phases, and each call the\n"
	        "                            phase's filter would deny appended to LOG (default\n"
	        "                            stderr), once per process, phase and syscall\n"
	        "      --default-action A    kill (default), errno (EPERM), log, or graded:\n"
	        "                            kill only on dangerous calls (threat levels 1-2,\n"
	        "                            unknown numbers), let the rest through, logged\n"
	        "      --no-landlock         no Landlock layers (files, ports), only filters\n"
	        "  -h, --help                this text\n\n"
	        "Exit status: the program's, or 128+signal; 2 for a bad policy or usage;\n"
	        "127 when PROG is not found, 126 when it cannot be executed; 125 when a\n"
	        "filter could not be handed over and sysphase killed the program; 1 when\n"
	        "enforcement itself fails.\n");
}

/* 0 to go on, else the exit status (0 for --help). */
static int parse_options(int argc, char **argv, struct run_opts *o, int *status)
{
	static const struct option longopts[] = {
	    {"policy", required_argument, NULL, 'P'},
	    {"complain", optional_argument, NULL, 'C'},
	    {"default-action", required_argument, NULL, 'A'},
	    {"no-landlock", no_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc;

	optind = 1;
	*status = SP_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "+:P:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->policy = optarg;
			break;
		case 'C':
			o->complain = true;
			o->log_path = optarg;
			break;
		case 'A':
			o->graded = strcmp(optarg, "graded") == 0;
			rc = o->graded ? SP_ACTION_KILL : sp_action_from_name(optarg);
			if (rc < 0) {
				sp_err(
				    "run: --default-action must be kill, errno, log or graded, not "
				    "'%s'",
				    optarg);
				return -1;
			}
			o->def = (enum sp_action)rc;
			break;
		case 'L':
			o->no_landlock = true;
			break;
		case 'h':
			run_usage(stdout);
			*status = 0;
			return -1;
		default:
			sp_bad_option("run", c, argv);
			return -1;
		}
	}
	if (!o->policy || optind >= argc) {
		sp_err(
		    "run: give --policy POLICY and -- PROG [ARGS...] (see 'sysphase run --help')");
		return -1;
	}
	if (o->log_path && !*o->log_path) {
		sp_err("run: --complain= needs a file name (or no '=' for stderr)");
		return -1;
	}
	o->argv = argv + optind;
	return 0;
}

static const char *denial_how(enum sp_denial_how how)
{
	switch (how) {
	case SP_DENIED_EPERM:
		return "denied with EPERM";
	case SP_DENIED_LOGGED:
		return "allowed and logged";
	default:
		return "killed by SIGSYS";
	}
}

static void print_denial(const struct sp_enforce_note *n)
{
	bool other_abi = n->abi != SP_ABI_X86_64;

	if (n->nr < 0) {
		sp_err("process %d (%s) in phase '%s': killed by SIGSYS (a syscall outside its "
		       "filter; the kernel log names it)",
		       n->pid, n->comm, n->phase);
		return;
	}
	sp_err("process %d (%s) in phase '%s': %s%s%s (%s nr %ld) %s", n->pid, n->comm, n->phase,
	       n->syscall ? n->syscall : "syscall", other_abi ? " " : "",
	       other_abi ? sp_abi_name(n->abi) : "", sp_abi_name(n->abi), n->nr,
	       denial_how(n->how));
}

/* The engine's notes, one line each. */
static void on_note(void *ctx, const struct sp_enforce_note *n)
{
	(void)ctx;
	switch (n->kind) {
	case SP_NOTE_DENIAL:
		print_denial(n);
		break;
	case SP_NOTE_UNSEEN_PHASE:
		sp_warn("process %d (%s) entered phase '%s', which the policy never saw: it keeps "
		        "the filter of '%s'",
		        n->pid, n->comm, n->phase, n->held_phase);
		break;
	case SP_NOTE_HANDOVER_FAILED:
		sp_err("process %d (%s) killed: cannot hand over the filter of phase '%s': %s",
		       n->pid, n->comm, n->phase, n->reason);
		break;
	case SP_NOTE_RECORDS_LOST:
		sp_warn("the kernel's audit stream overflowed %llu time%s: some denials (complain "
		        "mode: some logged calls) are missing",
		        n->lost, n->lost == 1 ? "" : "s");
		break;
	}
}

static void warn_if_other_program(struct sp_enforcer *e, const char *prog)
{
	const char *recorded = sp_enforcer_recorded_program(e);
	char *want, *have;

	if (!recorded)
		return;
	want = sp_tracer_resolve_program(recorded);
	have = sp_tracer_resolve_program(prog);
	if (want && have && strcmp(want, have) != 0) {
		sp_warn("the policy was recorded for '%s', not '%s'", recorded, prog);
		/* Its layers name the recorded program's files: another program is not it. */
		if (sp_enforcer_landlock_abi(e) >= 0)
			sp_warn(
			    "run: the policy's Landlock layers are not applied to another program");
		sp_enforcer_drop_landlock(e);
	}
	free(want);
	free(have);
}

static void on_stop_signal(int signo)
{
	sp_enforcer_request_stop(signo);
}

static void forward_stop_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * The complain log is opened before anything runs: a path that cannot be
 * written is a usage error, found before the program has done anything.
 * It is written through (a FIFO, a device, a symlink's target), as the
 * shell's >> would, and read while it grows.
 */
static struct sp_output *open_complain_log(const char *path)
{
	struct sp_diag diag = {{0}};
	struct sp_output *out;

	/* Appended: every run adds its own header and entries (docs/run.md). */
	if (sp_output_open(path, SP_OUTPUT_APPEND, &out, &diag) < 0) {
		sp_err("run: --complain: %s", diag.msg);
		return NULL;
	}
	return out;
}

static int run_status(int rc, const struct sp_enforce_result *res, const struct sp_diag *diag)
{
	if (rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC) {
		sp_err("%s", diag->msg);
		return sp_exit_noexec(-rc);
	}
	if (rc < 0) {
		sp_err("%s", diag->msg);
		return SP_EXIT_FAILURE;
	}
	if (res->failed > 0)
		return SP_EXIT_HANDOVER;
	return res->status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {.def = SP_ACTION_KILL};
	struct sp_enforcer_opts eo = {.on_note = on_note};
	struct sp_enforcer *e = NULL;
	struct sp_enforce_result res;
	struct sp_diag diag = {{0}};
	struct sp_output *log = NULL;
	int rc, status;

	if (parse_options(argc, argv, &o, &status) < 0)
		return status;
	if (o.complain && o.log_path) {
		log = open_complain_log(o.log_path);
		if (!log)
			return SP_EXIT_USAGE;
	}
	eo.def = o.def;
	eo.graded = o.graded;
	eo.no_landlock = o.no_landlock;
	eo.complain = log ? sp_output_stream(log) : o.complain ? stderr : NULL;
	rc = sp_enforcer_new(o.policy, &eo, &e, &diag);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
		goto out;
	}
	warn_if_other_program(e, o.argv[0]);
	if (sp_enforcer_landlock_lost(e))
		sp_warn("run: this kernel's Landlock ABI (%d) cannot enforce all of the policy's "
		        "layers: not enforced: %s",
		        sp_enforcer_landlock_abi(e), sp_enforcer_landlock_lost(e));
	forward_stop_signals();
	/* A container's PID 1: an init of its own in front, every signal forwarded (cli/init.c). */
	if (init_setup())
		init_forward_all(on_stop_signal);
	rc = sp_enforcer_run(e, o.argv, &res, &diag);
	status = run_status(rc, &res, &diag);
out:
	sp_enforcer_free(e);
	if (log && sp_output_commit(log, &diag) < 0 && status == 0) {
		sp_err("run: --complain: %s", diag.msg);
		status = SP_EXIT_FAILURE;
	}
	return status;
}
