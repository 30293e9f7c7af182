/* SPDX-License-Identifier: MIT */
/*
 * sysphase run: enforce a policy's phases on an unmodified program.  The
 * engine is enforce/ (sp_enforcer_*); this file parses the options,
 * prints what the engine tells and picks the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "init.h"
#include "help.h"
#include "sysphase/enforce.h"
#include "sysphase/trace.h"
#include "sysphase/tracer.h"

struct run_opts {
	const char *policy;
	bool complain;
	const char *log_path; /* NULL: stderr */
	enum sp_action def;
	bool graded; /* --default-action graded */
	bool no_landlock;
	bool quiet;             /* -q: no denial lines */
	bool verbose;           /* -v: how threads are followed */
	char **argv;            /* PROG [ARGS...]; with pid, the start command (NULL: none) */
	pid_t pid;              /* -p: a process that has not exec'd its program yet */
	const char *daemon_log; /* a hook's: the supervisor outlives us, writing here */
};

static void run_usage(FILE *out)
{
	help_print(help_find("run"), out);
}

/* 0 to go on, else the exit status (0 for --help). */
static int parse_options(int argc, char **argv, struct run_opts *o, int *status)
{
	static const struct option longopts[] = {
	    {"policy", required_argument, NULL, 'P'},
	    {"complain", optional_argument, NULL, 'C'},
	    {"default-action", required_argument, NULL, 'd'},
	    {"no-landlock", no_argument, NULL, 'L'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"follow", no_argument, NULL, 'f'},
	    {"pid", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc;

	optind = 1;
	*status = SP_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "+:P:d:qvfhp:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (run_parse_pid(optarg, &o->pid) < 0) {
				sp_err("run: -p needs a process id, not '%s'", optarg);
				return -1;
			}
			break;
		case 'P':
			o->policy = optarg;
			break;
		case 'C':
			o->complain = true;
			o->log_path = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'f':
			break; /* children are always followed; strace users type it */
		case 'd':
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
	if (!o->policy || (optind >= argc && !o->pid)) {
		sp_err(
		    "run: give --policy POLICY and -- PROG [ARGS...] (see 'sysphase run --help')");
		return -1;
	}
	if (o->pid && o->complain) {
		sp_err(
		    "run: --complain learns from a launched program: it cannot be given with -p");
		return -1;
	}
	if (o->log_path && !*o->log_path) {
		sp_err("run: --complain= needs a file name (or no '=' for stderr)");
		return -1;
	}
	o->argv = optind < argc ? argv + optind : NULL;
	return 0;
}

/*
 * Denials already printed: errno and log mode let the program go on, so
 * one missing call may be denied thousands of times.  Each (command,
 * phase, syscall, action) is printed once, and its count at the end.
 */
struct denial_seen {
	char *comm, *phase;
	long nr;
	enum sp_abi abi;
	enum sp_denial_how how;
	unsigned long count;
};

struct run_ctx {
	const struct run_opts *o;
	const char *prog;      /* for the next step's command line */
	bool unnamed;          /* the engine said why denials cannot all be named */
	struct attach_job job; /* -p */
	bool attached;
	struct denial_seen *seen;
	size_t n_seen, cap_seen;
	unsigned long denials;
};

static struct denial_seen *find_seen(struct run_ctx *r, const struct sp_enforce_note *n)
{
	for (size_t i = 0; i < r->n_seen; i++) {
		struct denial_seen *d = &r->seen[i];

		if (d->nr == n->nr && d->abi == n->abi && d->how == n->how &&
		    strcmp(d->comm, n->comm) == 0 && strcmp(d->phase, n->phase) == 0)
			return d;
	}
	return NULL;
}

/* Notes a denial; true when it is the first of its kind (print it). */
static bool first_of_kind(struct run_ctx *r, const struct sp_enforce_note *n)
{
	struct denial_seen *d = find_seen(r, n);

	if (d) {
		d->count++;
		return false;
	}
	if (r->n_seen == r->cap_seen) {
		size_t cap = r->cap_seen ? 2 * r->cap_seen : 16;
		struct denial_seen *grown = realloc(r->seen, cap * sizeof(*grown));

		if (!grown)
			return true; /* printing every line is the safe side */
		r->seen = grown;
		r->cap_seen = cap;
	}
	d = &r->seen[r->n_seen];
	*d = (struct denial_seen){strdup(n->comm), strdup(n->phase), n->nr, n->abi, n->how, 1};
	if (!d->comm || !d->phase) {
		free(d->comm);
		free(d->phase);
		return true;
	}
	r->n_seen++;
	return true;
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

/*
 * The next step, said once, on the first denial's own line (one line per
 * denial): learn with --complain, then fold the log into the policy.
 */
static void next_step(const struct run_ctx *r, char *buf, size_t len)
{
	if (r->denials > 1)
		buf[0] = '\0';
	else if (r->o->pid)
		/* Complain mode launches the program: an attached one learns by being recorded. */
		snprintf(buf, len,
		         "; to allow it: record a workload that makes it (in the container), then "
		         "'sysphase export TRACE...' again");
	else if (r->o->complain)
		snprintf(buf, len,
		         "; complain mode: 'sysphase export TRACE... --merge %s' allows it",
		         r->o->log_path ? r->o->log_path : "LOG");
	else
		snprintf(buf, len,
		         "; to allow it: 'sysphase run --complain=LOG --policy %s -- %s ...', then "
		         "'sysphase export TRACE... --merge LOG'",
		         r->o->policy, r->prog);
}

static void print_denial(struct run_ctx *r, const struct sp_enforce_note *n)
{
	bool other_abi = n->abi != SP_ABI_X86_64;
	char next[512];

	r->denials++;
	if (r->o->quiet || !first_of_kind(r, n))
		return;
	next_step(r, next, sizeof(next));
	if (n->nr < 0) {
		sp_err("process %d (%s) in phase '%s': killed by SIGSYS (a syscall outside its "
		       "filter%s)%s",
		       n->pid, n->comm, n->phase,
		       r->unnamed ? ", which cannot be named here" : "; the kernel log names it",
		       next);
		return;
	}
	sp_err("process %d (%s) in phase '%s': %s%s%s (%s nr %ld) %s%s", n->pid, n->comm, n->phase,
	       n->syscall ? n->syscall : "syscall", other_abi ? " " : "",
	       other_abi ? sp_abi_name(n->abi) : "", sp_abi_name(n->abi), n->nr, denial_how(n->how),
	       next);
}

/*
 * A Landlock denial: the program got EACCES (or EPERM) and went on.  The
 * engine says each (phase, object, right) once.
 */
static void print_landlock(struct run_ctx *r, const struct sp_enforce_note *n)
{
	char next[512], how[128] = "";

	r->denials++;
	if (r->o->quiet)
		return;
	next_step(r, next, sizeof(next));
	if (n->syscall || n->err)
		snprintf(how, sizeof(how), " (%s%s%s)", n->syscall ? n->syscall : "",
		         n->syscall && n->err ? ": " : "", n->err ? strerror(n->err) : "");
	sp_err("process %d (%s) in phase '%s': Landlock denied %s on %s%s%s%s", n->pid, n->comm,
	       n->phase, n->rights, n->object, how, n->by_kernel ? " [kernel audit]" : "", next);
}

/* How often each repeated denial happened in all, in one line each. */
static void print_denial_summary(struct run_ctx *r)
{
	for (size_t i = 0; i < r->n_seen; i++) {
		struct denial_seen *d = &r->seen[i];
		const char *name = d->nr >= 0 ? sp_syscall_name(d->abi, d->nr) : NULL;

		if (d->count > 1 && !r->o->quiet)
			sp_err("%s %s %lu times in all (%s, phase '%s')", name ? name : "a syscall",
			       denial_how(d->how), d->count, d->comm, d->phase);
		free(d->comm);
		free(d->phase);
	}
	free(r->seen);
	r->seen = NULL;
}

/* The engine's notes, one line each. */
static void on_note(void *ctx, const struct sp_enforce_note *n)
{
	struct run_ctx *r = ctx;

	switch (n->kind) {
	case SP_NOTE_DENIAL:
		print_denial(r, n);
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
	case SP_NOTE_LANDLOCK:
		print_landlock(r, n);
		break;
	case SP_NOTE_UNNAMED:
		r->unnamed = true;
		if (!r->o->quiet)
			sp_warn(
			    "denials cannot all be named: %s.  A denied call of a thread followed "
			    "with syscall stops is named from what sysphase sees; in a process "
			    "followed by events alone or let go, a kill is said without its call "
			    "and an EPERM or a logged call is not seen",
			    n->reason);
		break;
	case SP_NOTE_SEALED:
		sp_warn("process %d (%s)%s installed a seccomp filter of its own that refuses %s, "
		        "so no further filter: it keeps the filter of phase '%s' and its own, not "
		        "narrowed to '%s' (%s; said once per phase)",
		        n->pid, n->comm, n->tid != n->pid ? " (a thread of it)" : "", n->reason,
		        n->held_phase, n->phase,
		        r->o->complain ? "complain mode judges its calls at its stops"
		                       : "let go, as a thread that never leaves that phase");
		break;
	case SP_NOTE_TRIGGER_STOPS:
		if (!r->o->verbose)
			break;
		if (n->reason)
			sp_err("thread %d of process %d (%s) in phase '%s' keeps its syscall stops "
			       "after %lu calls: %s",
			       n->tid, n->pid, n->comm, n->phase, n->calls, n->reason);
		else
			sp_err(
			    "thread %d of process %d (%s) in phase '%s' stops at its trigger calls "
			    "only, after %lu calls without one",
			    n->tid, n->pid, n->comm, n->phase, n->calls);
		break;
	case SP_NOTE_PHASE:
		if (r->o->verbose)
			sp_err("thread %d of process %d (%s): phase '%s' -> '%s'", n->tid, n->pid,
			       n->comm, n->held_phase, n->phase);
		break;
	case SP_NOTE_RECORDS_LOST:
		sp_warn("the kernel's audit stream overflowed %llu time%s: some denials (complain "
		        "mode: some logged calls) are missing",
		        n->lost, n->lost == 1 ? "" : "s");
		break;
	}
}

/* A symlink (or hard link) to the recorded binary is the same program: compared by inode. */
static void warn_if_other_program(struct sp_enforcer *e, const char *prog)
{
	const char *recorded = sp_enforcer_recorded_program(e);
	char *want, *have;
	struct stat sw, sh;

	if (!recorded)
		return;
	want = sp_tracer_resolve_program(recorded);
	have = sp_tracer_resolve_program(prog);
	if (want && have && strcmp(want, have) != 0 &&
	    !(stat(want, &sw) == 0 && stat(have, &sh) == 0 && sw.st_dev == sh.st_dev &&
	      sw.st_ino == sh.st_ino)) {
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

/* One line when the recording lacked what the rules need: phases cut where they were not. */
static void warn_if_recording_lacks(const struct sp_enforcer *e)
{
	char what[768];

	if (sp_enforcer_recording_lacks(e, what, sizeof(what)) > 0)
		sp_warn("run: the policy was recorded without %s; a transition or a program path "
		        "the recording missed may be denied",
		        what);
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

static int run_status(const struct run_ctx *r, int rc, const struct sp_enforce_result *res,
                      const struct sp_diag *diag)
{
	if (r->o->pid && !r->attached && rc < 0) {
		/* Nothing was seized, or every thread seized was let go: it runs on, unchanged. */
		sp_err("%s: %s", r->o->daemon_log ? "hook" : "run", diag->msg);
		return SP_EXIT_ATTACH;
	}
	if (rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC) {
		sp_err("%s", diag->msg);
		return sp_exit_noexec(-rc);
	}
	if (rc < 0) {
		sp_err("%s", diag->msg);
		/* The complain log could not be written (a full disk): an output error. */
		if (rc == -ENOSPC || rc == -EDQUOT || rc == -EFBIG)
			return SP_EXIT_OUTPUT;
		return SP_EXIT_FAILURE;
	}
	if (res->failed > 0)
		return SP_EXIT_HANDOVER;
	return res->status;
}

/*
 * The policy file --policy names: DIR/policy.json for an export directory
 * (what people pass after `export -o DIR`), the file itself otherwise.  A
 * trace is refused with the command that turns it into a policy.  NULL
 * after saying why; *buf holds the path it returns when it built one.
 */
static const char *policy_path(const char *arg, char **buf)
{
	struct sp_diag diag = {{0}};
	struct sp_input *in = NULL;
	struct stat st;
	bool trace;

	*buf = NULL;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (asprintf(buf, "%s/policy.json", arg) < 0) {
			*buf = NULL;
			sp_err("out of memory");
			return NULL;
		}
		if (access(*buf, F_OK) != 0) {
			sp_err("run: %s is a directory without a policy.json: give the directory "
			       "'sysphase export -o DIR' wrote, or its policy.json",
			       arg);
			return NULL;
		}
		return *buf;
	}
	/* A FIFO or stdin cannot be read twice: only a regular file is sniffed. */
	if (stat(arg, &st) != 0 || !S_ISREG(st.st_mode) || sp_input_open(arg, &in, &diag) < 0)
		return arg;
	trace = sp_input_kind(in) == SP_INPUT_TRACE;
	sp_input_free(in);
	if (trace) {
		sp_err("run: %s is a trace, not a policy: run 'sysphase export %s -o DIR' first, "
		       "then 'sysphase run --policy DIR -- PROG'",
		       arg, arg);
		return NULL;
	}
	return arg;
}

int run_parse_pid(const char *s, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return -1;
	*out = (pid_t)v;
	return 0;
}

/* -p: every thread of the process is seized; its program may be started now. */
static void on_attached(void *ctx)
{
	struct run_ctx *r = ctx;

	r->attached = true;
	attach_ready(&r->job);
	sp_err("attached to process %d: its program runs under the policy from its execve on",
	       (int)r->o->pid);
}

/*
 * A process that runs the recorded program already has exec'd it: its
 * first filter can no longer go in before its first instruction.  The
 * recorded path is looked up in the process's own root (a container's).
 */
static bool runs_program_already(struct sp_enforcer *e, pid_t pid)
{
	const char *recorded = sp_enforcer_recorded_program(e);
	struct stat have, want;
	char path[4200];

	if (!recorded || recorded[0] != '/')
		return false;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &have) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, recorded);
	return stat(path, &want) == 0 && want.st_dev == have.st_dev && want.st_ino == have.st_ino;
}

/*
 * -p: the supervisor attaches in a child (attach.c); the parent starts
 * the process (o->argv) once it is attached and waits.  Returns in the
 * child (ATTACH_CHILD) to go on; otherwise *status is the end.
 */
static int fork_attached(struct run_ctx *r, struct sp_enforcer *e, int *status)
{
	const struct run_opts *o = r->o;
	int side;

	if (runs_program_already(e, o->pid)) {
		sp_err("run: process %d runs %s already: -p attaches to a process before it execs "
		       "its program (a container's init after 'runc create', or from 'sysphase "
		       "hook')",
		       (int)o->pid, sp_enforcer_recorded_program(e));
		*status = SP_EXIT_ATTACH;
		return ATTACH_FAILED;
	}
	r->job.log_fd = -1;
	if (o->daemon_log) {
		r->job.daemon = true;
		r->job.log_fd =
		    open(o->daemon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (r->job.log_fd < 0) {
			sp_err("hook: cannot open the log %s: %s", o->daemon_log, strerror(errno));
			*status = SP_EXIT_OUTPUT;
			return ATTACH_FAILED;
		}
	}
	side = attach_fork(&r->job, status);
	if (side < 0) {
		sp_err("run: fork: %s", strerror(errno));
		*status = SP_EXIT_FAILURE;
		return ATTACH_FAILED;
	}
	if (side == ATTACH_ATTACHED)
		*status = o->daemon_log ? 0 : attach_finish(&r->job, o->argv);
	return side;
}

static int run_with(struct run_opts *o)
{
	struct sp_enforcer_opts eo = {.on_note = on_note};
	struct sp_enforcer *e = NULL;
	struct sp_enforce_result res;
	struct sp_diag diag = {{0}};
	struct sp_output *log = NULL;
	struct run_ctx r = {.o = o};
	const char *policy;
	char *policy_buf = NULL;
	int rc, status;

	eo.ctx = &r;
	policy = policy_path(o->policy, &policy_buf);
	if (!policy)
		return SP_EXIT_INPUT;
	if (o->complain && o->log_path) {
		log = open_complain_log(o->log_path);
		if (!log) {
			free(policy_buf);
			return SP_EXIT_OUTPUT;
		}
	}
	eo.def = o->def;
	eo.graded = o->graded;
	eo.no_landlock = o->no_landlock || o->pid;
	eo.complain = log ? sp_output_stream(log) : o->complain ? stderr : NULL;
	if (o->pid)
		eo.on_attached = on_attached;
	rc = sp_enforcer_new(policy, &eo, &e, &diag);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_INPUT;
		goto out;
	}
	r.prog = o->pid ? sp_enforcer_recorded_program(e) : o->argv[0];
	if (!r.prog)
		r.prog = "PROG";
	if (!o->pid)
		warn_if_other_program(e, o->argv[0]);
	warn_if_recording_lacks(e);
	if (sp_enforcer_landlock_lost(e))
		sp_warn("run: this kernel's Landlock ABI (%d) cannot enforce all of the policy's "
		        "layers: not enforced: %s",
		        sp_enforcer_landlock_abi(e), sp_enforcer_landlock_lost(e));
	if (!o->complain && !sp_tracer_can_read_filters())
		sp_warn("filters cannot be read back here (no CAP_SYS_ADMIN): each hand-over is "
		        "verified by the kernel's filter count, with every task that shares the "
		        "program's memory held while the filter sits in it (docs/security.md)");
	if (o->pid && fork_attached(&r, e, &status) != ATTACH_CHILD)
		goto out;
	forward_stop_signals();
	/* A container's PID 1: an init of its own in front, every signal forwarded (cli/init.c). */
	if (!o->pid && init_setup())
		init_forward_all(on_stop_signal);
	rc = o->pid ? sp_enforcer_attach(e, o->pid, &res, &diag)
	            : sp_enforcer_run(e, o->argv, &res, &diag);
	status = run_status(&r, rc, &res, &diag);
	if (rc == 0 && o->verbose)
		sp_err("run: %u filter%s handed over, %u thread%s on trigger stops", res.handovers,
		       res.handovers == 1 ? "" : "s", res.trigger_stops,
		       res.trigger_stops == 1 ? "" : "s");
	print_denial_summary(&r);
out:
	sp_enforcer_free(e);
	free(policy_buf);
	if (log && sp_output_commit(log, &diag) < 0 && status == 0) {
		sp_err("run: --complain: %s", diag.msg);
		status = SP_EXIT_OUTPUT;
	}
	return status;
}

int run_hook(const char *policy, pid_t pid, const char *log_path, bool quiet)
{
	struct run_opts o = {
	    .policy = policy,
	    .def = SP_ACTION_KILL,
	    .quiet = quiet,
	    .pid = pid,
	    .daemon_log = log_path,
	};

	return run_with(&o);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {.def = SP_ACTION_KILL};
	int status;

	if (parse_options(argc, argv, &o, &status) < 0)
		return status;
	return run_with(&o);
}
