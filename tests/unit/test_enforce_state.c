/* SPDX-License-Identifier: MIT */
/*
 * The enforcer's process table (enforce/state.c): memory follows the live
 * processes (a fork-per-connection server stays flat), a reused pid never
 * meets a dead process's state, processes let go are swept once gone and
 * kept among the recently gone for their late audit records.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforce/internal.h"

static struct sp_enforcer *new_enforcer(void)
{
	struct sp_enforcer *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	return e;
}

/* 100,000 short-lived children, each seen born and gone: the table stays small. */
static void test_fork_per_connection_stays_flat(void **state)
{
	struct sp_enforcer *e = new_enforcer();

	(void)state;
	for (pid_t pid = 1000; pid < 101000; pid++) {
		struct proc *p = sp_proc_fresh(e, pid);

		assert_non_null(p);
		p->installed = 3;
		sp_proc_gone(e, p);
		assert_true(e->n_procs <= SP_ENFORCE_GRAVEYARD + 1);
	}
	/* The last ones gone are still there, for an audit record that comes late. */
	assert_non_null(sp_proc_find(e, 100999));
	assert_null(sp_proc_find(e, 1000));
	sp_state_free(e);
	free(e);
}

/* A pid that comes back in a fork starts afresh, not with the dead process's state. */
static void test_reused_pid_starts_afresh(void **state)
{
	struct sp_enforcer *e = new_enforcer();
	struct proc *p = sp_proc_fresh(e, 4242);

	(void)state;
	p->installed = 5;
	p->named = true;
	strcpy(p->comm, "old");
	sp_proc_gone(e, p);
	p = sp_proc_fresh(e, 4242);
	assert_int_equal(p->installed, -1);
	assert_false(p->named);
	assert_false(p->gone);
	assert_string_equal(p->comm, "");
	assert_int_equal(e->n_procs, 1);
	sp_state_free(e);
	free(e);
}

/* Processes let go are swept once they no longer exist, the live ones kept. */
static void test_let_go_swept_once_gone(void **state)
{
	struct sp_enforcer *e = new_enforcer();
	pid_t live = getpid(), dead[70];

	(void)state;
	for (int i = 0; i < 70; i++) {
		pid_t child = fork();
		int status;

		if (child == 0)
			_exit(0);
		assert_true(child > 0);
		assert_int_equal(waitpid(child, &status, 0), child);
		dead[i] = child;
	}
	sp_proc_get(e, live)->let_go = true;
	e->n_let_go = 1;
	for (int i = 0; i < 70; i++) {
		struct proc *p = sp_proc_get(e, dead[i]);

		assert_non_null(p);
		/* What sp_thr_gone does for the last thread of a process let go. */
		p->let_go = true;
		e->n_let_go++;
	}
	/* The next thread let go sweeps: 71 let go, the dead ones go. */
	{
		struct thr *t = calloc(1, sizeof(*t));
		struct proc *p = sp_proc_get(e, 1);

		assert_non_null(t);
		t->pid = 1;
		t->let_go = true;
		p->nthreads = 1;
		e->n_thrs = 1;
		sp_thr_gone(e, t);
	}
	assert_non_null(sp_proc_find(e, live));
	assert_true(sp_proc_find(e, live)->let_go);
	/* The dead ones join the recently gone: a record of their last call may come late. */
	for (int i = 0; i < 70; i++) {
		struct proc *p = sp_proc_find(e, dead[i]);

		assert_non_null(p);
		assert_true(p->gone);
		assert_false(p->let_go);
	}
	assert_int_equal(e->n_let_go, 2); /* live, and pid 1 */
	/* As many others gone after them make room: then they are freed. */
	for (pid_t pid = 5000000; pid < 5000000 + SP_ENFORCE_GRAVEYARD; pid++)
		sp_proc_gone(e, sp_proc_fresh(e, pid));
	for (int i = 0; i < 70; i++)
		assert_null(sp_proc_find(e, dead[i]));
	assert_non_null(sp_proc_find(e, live));
	sp_state_free(e);
	free(e);
}

/* Its last thread let go: what the tracer's on_thread_gone does for a process let go. */
static void let_go_whole(struct sp_enforcer *e, pid_t pid)
{
	struct thr *t = calloc(1, sizeof(*t));
	struct proc *p = sp_proc_fresh(e, pid);

	assert_non_null(t);
	assert_non_null(p);
	p->installed = 2;
	t->pid = pid;
	t->let_go = true;
	p->nthreads = 1;
	e->n_thrs++;
	sp_thr_gone(e, t);
}

/*
 * A fork-per-connection server whose children are all let go: 100,000 of
 * them, all gone (pids above PID_MAX_LIMIT, which kill() never finds).
 * Memory stays bounded, and the last thousand or so are still found, with
 * their phase, for the record of a call that killed one of them.
 */
static void test_let_go_per_connection_stays_flat(void **state)
{
	struct sp_enforcer *e = new_enforcer();
	const pid_t first = 5000000, n = 100000;

	(void)state;
	for (pid_t pid = first; pid < first + n; pid++) {
		let_go_whole(e, pid);
		assert_true(e->n_procs <= SP_ENFORCE_GRAVEYARD + 64 + 1);
	}
	for (pid_t pid = first + n - (SP_ENFORCE_GRAVEYARD - 64); pid < first + n; pid++) {
		struct proc *p = sp_proc_find(e, pid);

		assert_non_null(p);
		assert_int_equal(p->installed, 2);
	}
	assert_null(sp_proc_find(e, first));
	sp_state_free(e);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fork_per_connection_stays_flat),
	    cmocka_unit_test(test_reused_pid_starts_afresh),
	    cmocka_unit_test(test_let_go_swept_once_gone),
	    cmocka_unit_test(test_let_go_per_connection_stays_flat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
