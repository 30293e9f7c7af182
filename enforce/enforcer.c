/* SPDX-License-Identifier: MIT */
/*
 * The run engine: the phase detector online on every event, and each
 * thread moved to its phase's filter.
 *
 * The child installs the initial phase's filter before execve.  Phases
 * are per thread, as seccomp filters are (docs/rules.md): when a thread
 * enters a new phase, the supervisor makes that thread, and that thread
 * only, install the phase's (narrower) filter by injecting seccomp()
 * through ptrace, without TSYNC.  A new thread holds its creator's filter
 * (the kernel copies it at clone) and narrows when it reaches a
 * transition itself.  A thread in a phase it can never leave is detached
 * alone and runs on under BPF; the process's other threads stay followed.
 *
 * Phases' filters are pure allow/deny.  A stacked RET_TRACE turns into
 * -ENOSYS once no tracer is attached, so the one filter with RET_TRACE, a
 * thread's trigger filter (triggers.c), goes only to a thread that shows
 * it stays in its phase, and such a thread is never let go.
 *
 * This file is the library's face: the enforcer made and freed, the run
 * launched or attached, the child's first filter.  The rest of the
 * engine: events.c (each event), handover.c (moving threads between
 * filters), violations.c (naming denials).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "internal.h"
#include "sysphase/tracer.h"

void sp_enforce_note(const struct sp_enforcer *e, struct sp_enforce_note *n)
{
	if (e->opts.on_note)
		e->opts.on_note(e->opts.ctx, n);
}

/* ---- the child's side: the first filter, before execve ---- */

static int install_initial_filter(void *opaque)
{
	const struct sp_enforcer *e = opaque;
	const struct phase_filter *f = &e->filters[e->initial];
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};
	unsigned flags = SP_ENFORCE_INJECT_FLAGS;
	int rc;

	/*
	 * Unprivileged filters need it, and it keeps setuid binaries from
	 * escaping the filter.  Complain mode too: it injects a filter where
	 * run lets a thread go.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* The Landlock layer before the filter, which need not allow its calls. */
	rc = sp_enforce_landlock_self(e);
	if (rc < 0)
		return rc;
	if (e->opts.complain) {
		size_t len = 0;

		prog.filter = (struct sock_filter *)sp_complain_initial_filter(e, &len, &flags);
		prog.len = (unsigned short)len;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
		return -errno;
	return 0;
}

/* ---- the library's face ---- */

int sp_enforcer_new(const char *policy_path, const struct sp_enforcer_opts *opts,
                    struct sp_enforcer **out, struct sp_diag *diag)
{
	struct sp_enforcer *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (!e)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	e->opts = *opts;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->rq_cond, NULL);
	rc = sp_enforce_load(e, policy_path, diag);
	if (rc < 0) {
		sp_enforcer_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void sp_enforcer_free(struct sp_enforcer *e)
{
	if (!e)
		return;
	sp_enforce_unload(e);
	sp_audit_close(e->audit);
	sp_state_free(e);
	sp_complain_free(e);
	sp_records_stop(e);
	pthread_cond_destroy(&e->rq_cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void sp_enforcer_request_stop(int signo)
{
	sp_tracer_request_stop(signo);
}

/* The run itself, launched or attached: topts says which. */
static int run_traced(struct sp_enforcer *e, struct sp_tracer_opts *topts, char *const *argv,
                      struct sp_enforce_result *res, struct sp_diag *diag)
{
	struct sp_tracer_result tres;
	struct proc *leader;
	int rc;

	memset(res, 0, sizeof(*res));
	e->res = res;
	e->error = 0;
	if (!e->audit) {
		e->audit = sp_audit_open();
		if (!e->audit)
			return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	/* Denials of errno and log filters leave no other trace than their record. */
	e->expect_records = e->opts.def != SP_ACTION_KILL || e->opts.graded;
	/* Then a followed thread's are named from what ptrace sees, and the rest cannot be. */
	e->unnamed_why = e->opts.complain ? NULL : sp_audit_why_unnamed(e->audit);
	if (e->expect_records)
		sp_enforce_say_unnamed(e);
	/*
	 * Triggers fire as they did in record: stacks (symbolised: a stack
	 * trigger tests function names) where a stack trigger may fire, and
	 * strings whole up to what the rules' string predicates need.
	 */
	topts->strsize = 256;
	topts->stack = e->rules_need_stack;
	topts->want_stack = sp_enforce_want_stack;
	topts->want_decode = sp_enforce_want_decode;
	if (sp_rules_string_need(e->rules) > topts->strsize)
		topts->strsize = sp_rules_string_need(e->rules);
	topts->on_event = sp_enforce_on_event;
	topts->on_handover = sp_enforce_on_handover;
	topts->on_thread_gone = sp_enforce_on_thread_gone;
	topts->ctx = e;
	if (e->opts.complain && (rc = sp_complain_start(e, argv, diag)) < 0)
		return rc;
	sp_records_start(e);
	rc = sp_tracer_run(topts, &tres, diag);
	e->tracer = NULL; /* its entries, and the thread records on them, are gone */
	if (e->opts.complain && !e->error)
		e->error = sp_complain_finish(e, &e->diag);
	sp_records_stop(e);
	sp_enforce_report_lost(e);
	if (e->error) {
		if (diag)
			*diag = e->diag;
		return e->error;
	}
	if (rc == 0 && tres.status == 128 + SIGSYS)
		e->expect_records = true;
	sp_enforce_audit_settle(e);
	/* A detached program's death is seen only here, through its exit status. */
	leader = sp_proc_find(e, e->leader);
	if (rc == 0 && tres.status == 128 + SIGSYS && leader && !e->leader_gone)
		sp_enforce_name_kill(e, leader);
	if (rc < 0)
		return rc;
	res->status = tres.status;
	res->interrupted = tres.interrupted;
	return 0;
}

int sp_enforcer_run(struct sp_enforcer *e, char *const *argv, struct sp_enforce_result *res,
                    struct sp_diag *diag)
{
	struct sp_tracer_opts topts = {.argv = argv, .pre_exec = install_initial_filter};

	return run_traced(e, &topts, argv, res, diag);
}

/* The attached process's first filter: what install_initial_filter installs in a child. */
static void on_attached(void *opaque)
{
	struct sp_enforcer *e = opaque;

	if (e->opts.on_attached)
		e->opts.on_attached(e->opts.ctx);
}

int sp_enforcer_attach(struct sp_enforcer *e, pid_t pid, struct sp_enforce_result *res,
                       struct sp_diag *diag)
{
	struct sp_filter_request start = sp_enforce_phase_request(e, e->initial);
	struct sp_tracer_opts topts = {
	    .attach_pid = pid,
	    .start_filter = &start,
	    .on_attached = on_attached,
	};

	memset(res, 0, sizeof(*res));
	if (e->opts.complain)
		return sp_diag_set(
		    diag, ENOTSUP,
		    "complain mode cannot attach: it learns from a launched program");
	/* The layers are the launch's (sp_enforce_landlock_self, before execve): none here. */
	sp_enforcer_drop_landlock(e);
	e->attach_pid = pid;
	return run_traced(e, &topts, NULL, res, diag);
}
