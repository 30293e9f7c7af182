/* SPDX-License-Identifier: MIT */
/*
 * `run -p` and `hook`: the supervisor attached to a process runs in a
 * child (the tracer), and the parent learns once every thread is seized,
 * so that the process is started only then (cli/attach.c).
 */
#ifndef SYSPHASE_CLI_ATTACH_H
#define SYSPHASE_CLI_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

struct attach_job {
	pid_t child;  /* the tracer */
	int ready_fd; /* child: where it says "attached"; parent: where it reads it */
	int log_fd;   /* daemon: stdout and stderr from the attach on; -1: kept */
	bool daemon;  /* the child outlives the parent (a hook) */
};

enum attach_side {
	ATTACH_CHILD,    /* the tracer to be: go on and attach */
	ATTACH_ATTACHED, /* the parent: every thread is seized */
	ATTACH_FAILED,   /* the parent: the child ended without attaching (*status) */
};

/*
 * Forks.  In the child (ATTACH_CHILD) of a daemon job: a session of its
 * own, stdin from /dev/null.  In the parent: waits for the child's word
 * (ATTACH_ATTACHED) or its end (ATTACH_FAILED, *status its exit status);
 * -1 with errno when it cannot fork.
 */
int attach_fork(struct attach_job *job, int *status);

/* Child: every thread is seized; a daemon's output goes to its log from now on. */
void attach_ready(struct attach_job *job);

/*
 * Parent, after ATTACH_ATTACHED: runs start_argv (NULL: none) and waits for
 * it, then for the tracer, forwarding SIGINT, SIGTERM and SIGHUP to it.
 * When start_argv fails, the tracer is asked to let the process go, and
 * the start command's status is returned; else the tracer's.
 */
int attach_finish(struct attach_job *job, char **start_argv);

#endif /* SYSPHASE_CLI_ATTACH_H */
