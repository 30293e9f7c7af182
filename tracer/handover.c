/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/ptrace.h>

#include "handover.h"
#include "sysphase/procfs.h"

/* Older glibc headers lack it; the kernel has had it since 4.4. */
#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

static int counts_add(struct sp_filter_counts *c, pid_t tid, long filters)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *grown = realloc(c->t, cap * sizeof(*c->t));

		if (!grown)
			return -ENOMEM;
		c->t = grown;
		c->cap = cap;
	}
	c->t[c->n].tid = tid;
	c->t[c->n].filters = filters;
	c->n++;
	return 0;
}

int sp_filter_counts_read(pid_t pid, struct sp_filter_counts *c)
{
	char dirpath[64];
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	c->n = 0;
	snprintf(dirpath, sizeof(dirpath), "/proc/%d/task", pid);
	dir = opendir(dirpath);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while (rc == 0 && (de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		long n;

		if (tid <= 0)
			continue;
		n = sp_proc_seccomp_filters(pid, tid);
		if (n == -ESRCH)
			continue; /* exited since the listing: it runs nothing any more */
		rc = n < 0 ? (int)n : counts_add(c, tid, n);
	}
	closedir(dir);
	return rc;
}

void sp_filter_counts_free(struct sp_filter_counts *c)
{
	free(c->t);
	memset(c, 0, sizeof(*c));
}

int sp_handover_check_counts(pid_t pid, long want, struct sp_diag *why)
{
	struct sp_filter_counts c = {0};
	int rc = sp_filter_counts_read(pid, &c);

	if (rc < 0) {
		sp_filter_counts_free(&c);
		return sp_diag_set(why, EPERM, "cannot read the threads' filter counts: %s",
		                   strerror(-rc));
	}
	for (size_t i = 0; i < c.n; i++)
		if (c.t[i].filters != want) {
			rc = sp_diag_set(why, EPERM,
			                 "thread %d holds %ld seccomp filters after the hand-over, "
			                 "not %ld",
			                 c.t[i].tid, c.t[i].filters, want);
			break;
		}
	if (rc == 0 && c.n == 0)
		rc = sp_diag_set(why, EPERM, "the process has no thread left to check");
	sp_filter_counts_free(&c);
	return rc;
}

int sp_handover_check_thread(pid_t pid, pid_t tid, long want, struct sp_diag *why)
{
	long n = sp_proc_seccomp_filters(pid, tid);

	if (n < 0)
		return sp_diag_set(why, EPERM, "cannot read thread %d's filter count: %s", tid,
		                   strerror((int)-n));
	if (n != want)
		return sp_diag_set(
		    why, EPERM, "thread %d holds %ld seccomp filters after the hand-over, not %ld",
		    tid, n, want);
	return 0;
}

int sp_handover_check_program(pid_t tid, long index, const struct sock_filter *insns, size_t len,
                              struct sp_diag *why)
{
	struct sock_filter *got = calloc(len + 1, sizeof(*got));
	long n;
	int rc;

	if (!got)
		return sp_diag_set(why, ENOMEM, "out of memory");
	/*
	 * The index counts from the oldest filter (get_nth_filter() walks
	 * back from the newest count - index steps).  With a NULL buffer
	 * the kernel only says how long the program is.
	 */
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, NULL);
	if (n < 0 && (errno == EACCES || errno == EPERM)) {
		free(got);
		return 1; /* needs CAP_SYS_ADMIN (and no seccomp of our own): the counts must do */
	}
	if (n < 0)
		rc = sp_diag_set(why, EPERM, "cannot read the newest filter back: %s",
		                 strerror(errno));
	else if ((size_t)n != len)
		rc = sp_diag_set(why, EPERM,
		                 "the newest filter has %ld instructions, not the %zu built", n,
		                 len);
	else if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)index, got) != n)
		rc = sp_diag_set(why, EPERM, "cannot read the newest filter back: %s",
		                 strerror(errno));
	else if (memcmp(got, insns, len * sizeof(*insns)) != 0)
		rc = sp_diag_set(why, EPERM,
		                 "the newest filter is not the program built (rewritten in the "
		                 "program's memory?)");
	else
		rc = 0;
	free(got);
	return rc;
}
