/* SPDX-License-Identifier: MIT */
/*
 * The supervisor attached to a process, run in a child: ptrace makes the
 * thread that seized a process its tracer, so the process that must go on
 * (a hook's, which the runtime waits for; `run -p`'s, which starts the
 * container) cannot be it.  A pipe carries one byte once every thread is
 * seized; its end without that byte means the attach failed, and the
 * child has said why on the stderr it still shares with the parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "attach.h"
#include "cli.h"

static volatile sig_atomic_t forward_to;

static void forward(int signo)
{
	if (forward_to > 0)
		kill(forward_to, signo);
}

static int status_of(int wstatus)
{
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

static int wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return SP_EXIT_FAILURE;
	return status_of(st);
}

int attach_fork(struct attach_job *job, int *status)
{
	int p[2];
	char byte;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	job->child = fork();
	if (job->child < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (job->child == 0) {
		close(p[0]);
		job->ready_fd = p[1];
		if (job->daemon) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);

			/* Out of the runtime's session: a hook's process group may be killed. */
			setsid();
			if (null >= 0) {
				dup2(null, STDIN_FILENO);
				close(null);
			}
		}
		return ATTACH_CHILD;
	}
	close(p[1]);
	if (job->log_fd >= 0)
		close(job->log_fd);
	job->ready_fd = p[0];
	do
		n = read(p[0], &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		return ATTACH_ATTACHED;
	close(p[0]);
	*status = wait_child(job->child);
	return ATTACH_FAILED;
}

void attach_ready(struct attach_job *job)
{
	if (job->log_fd >= 0) {
		/* The parent (the runtime's hook) waits for its stdout and stderr to close. */
		fflush(stdout);
		fflush(stderr);
		dup2(job->log_fd, STDOUT_FILENO);
		dup2(job->log_fd, STDERR_FILENO);
		close(job->log_fd);
		job->log_fd = -1;
	}
	if (job->ready_fd >= 0 && write(job->ready_fd, "1", 1) < 0)
		sp_warn("cannot tell the parent that the attach worked: %s", strerror(errno));
	if (job->ready_fd >= 0)
		close(job->ready_fd);
	job->ready_fd = -1;
}

int attach_finish(struct attach_job *job, char **start_argv)
{
	struct sigaction sa = {.sa_handler = forward};
	int start_status = 0;
	pid_t starter;

	close(job->ready_fd);
	forward_to = job->child;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (start_argv) {
		starter = fork();
		if (starter == 0) {
			execvp(start_argv[0], start_argv);
			sp_err("run: cannot execute the start command '%s': %s", start_argv[0],
			       strerror(errno));
			_exit(sp_exit_noexec(errno));
		}
		start_status = starter < 0 ? SP_EXIT_FAILURE : wait_child(starter);
		if (start_status != 0) {
			sp_err(
			    "run: the start command '%s' failed (status %d): the process is let go "
			    "unstarted",
			    start_argv[0], start_status);
			kill(job->child, SIGTERM);
		}
	}
	{
		int traced = wait_child(job->child);

		return start_status ? start_status : traced;
	}
}
