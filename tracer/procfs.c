/* SPDX-License-Identifier: MIT */
/*
 * The one /proc reader (include/sysphase/procfs.h).  Everything here
 * reads text the kernel writes, but some of it (comm, the children list)
 * is shaped by the traced program: parse it as hostile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysphase/procfs.h"

static int gone_or(int err)
{
	return err == ENOENT ? -ESRCH : -err;
}

long sp_proc_status_field(pid_t pid, pid_t tid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long value = -ENOTSUP;
	FILE *f;

	if (tid > 0)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return gone_or(errno);
	/* Name: comes first and may hold anything but a newline; keys start a line. */
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && sscanf(line + klen, "%ld", &value) == 1)
			break;
	fclose(f);
	return value;
}

int sp_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return gone_or(errno);
	*tgid = *ppid = -1;
	while (found < 2 && fgets(line, sizeof(line), f))
		found += sscanf(line, "Tgid: %d", tgid) == 1 || sscanf(line, "PPid: %d", ppid) == 1;
	fclose(f);
	return found == 2 ? 0 : -ENOENT;
}

pid_t sp_proc_ppid(pid_t pid)
{
	pid_t tgid, ppid;

	return sp_proc_ids(pid, &tgid, &ppid) == 0 ? ppid : 0;
}

pid_t sp_proc_tgid(pid_t tid)
{
	pid_t tgid, ppid;

	return sp_proc_ids(tid, &tgid, &ppid) == 0 ? tgid : -1;
}

long sp_proc_seccomp_filters(pid_t pid, pid_t tid)
{
	return sp_proc_status_field(pid, tid, "Seccomp_filters:");
}

long sp_proc_seccomp_mode(pid_t pid, pid_t tid)
{
	return sp_proc_status_field(pid, tid, "Seccomp:");
}

char sp_proc_task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so look after its last ')'. */
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

/* PF_IO_WORKER (include/linux/sched.h): io_uring's kernel threads in a process. */
#define PF_IO_WORKER 0x00000010

bool sp_proc_is_io_thread(pid_t pid, pid_t tid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* After comm's last ')': state ppid pgrp session tty_nr tpgid flags. */
	p = strrchr(buf, ')');
	return p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 &&
	       (flags & PF_IO_WORKER);
}

void sp_pids_free(struct sp_pids *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool sp_pids_has(const struct sp_pids *l, pid_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return true;
	return false;
}

int sp_pids_add(struct sp_pids *l, pid_t id)
{
	if (sp_pids_has(l, id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		pid_t *grown = realloc(l->v, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n++] = id;
	return 0;
}

int sp_proc_threads(pid_t pid, struct sp_pids *out)
{
	char path[64];
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return gone_or(errno);
	while (rc == 0 && (de = readdir(dir))) {
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid > 0)
			rc = sp_pids_add(out, tid);
	}
	closedir(dir);
	return rc;
}

/* Appends the ids of one children file ("12 34 "). */
static int read_children_file(const char *path, struct sp_pids *out)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return gone_or(errno);
	while (rc == 0 && fscanf(f, "%4095s", buf) == 1) {
		pid_t id = (pid_t)atoi(buf);

		if (id > 0)
			rc = sp_pids_add(out, id);
	}
	fclose(f);
	return rc;
}

int sp_proc_children(pid_t pid, struct sp_pids *out)
{
	struct sp_pids threads = {0};
	int rc = sp_proc_threads(pid, &threads);

	for (size_t i = 0; rc == 0 && i < threads.n; i++) {
		char path[96];

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, threads.v[i]);
		rc = read_children_file(path, out);
		if (rc == -ESRCH) {
			/* No file in a task that is there: a kernel without CONFIG_PROC_CHILDREN.
			 */
			snprintf(path, sizeof(path), "/proc/%d/task/%d", pid, threads.v[i]);
			rc = access(path, F_OK) == 0 ? -ENOTSUP : 0;
		}
	}
	sp_pids_free(&threads);
	return rc;
}

/* Whether fd (a name in /proc/PID/fd) is an io_uring; *sqpoll when it has a poller thread. */
static bool fd_is_io_uring(pid_t pid, const char *fd, bool *sqpoll)
{
	char path[320], target[64], line[128];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[io_uring]") != 0)
		return false;
	*sqpoll = false;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		int sq;

		/* SqThread: the poller's pid, -1 without IORING_SETUP_SQPOLL. */
		if (sscanf(line, "SqThread: %d", &sq) == 1) {
			*sqpoll = sq >= 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return true;
}

static int count_fds(pid_t pid, struct sp_io_uring_use *out)
{
	char path[64];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return gone_or(errno);
	while ((de = readdir(dir))) {
		bool sqpoll;

		if (de->d_name[0] == '.' || !fd_is_io_uring(pid, de->d_name, &sqpoll))
			continue;
		out->fds++;
		out->sqpoll += sqpoll;
	}
	closedir(dir);
	return 0;
}

static int count_mappings(pid_t pid, struct sp_io_uring_use *out)
{
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return gone_or(errno);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		/* A ring's mapping keeps it alive after its fd is closed; the name ends the line.
		 */
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len >= 21 && strcmp(line + len - 21, "anon_inode:[io_uring]") == 0)
			out->mappings++;
	}
	fclose(f);
	return 0;
}

static int count_pollers(pid_t pid, struct sp_io_uring_use *out)
{
	struct sp_pids threads = {0};
	int rc = sp_proc_threads(pid, &threads);

	for (size_t i = 0; rc == 0 && i < threads.n; i++) {
		char path[96], comm[32] = "";
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, threads.v[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[n > 0 ? n : 0] = '\0';
		/*
		 * The kernel names SQPOLL threads iou-sqp-PID; a program can name
		 * a thread so too, which only makes sysphase more careful.
		 */
		if (strncmp(comm, "iou-sqp-", 8) == 0)
			out->pollers++;
	}
	sp_pids_free(&threads);
	return rc;
}

int sp_proc_io_uring(pid_t pid, struct sp_io_uring_use *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = count_fds(pid, out);
	if (rc == 0)
		rc = count_mappings(pid, out);
	if (rc == 0)
		rc = count_pollers(pid, out);
	return rc;
}

bool sp_io_uring_in_use(const struct sp_io_uring_use *u)
{
	/*
	 * A poller thread alone (no fd, no mapping) is a ring being torn down
	 * (io_ring_exit_work runs after the last close), or one that serves a
	 * process the fd was passed to: nothing here can submit to it.
	 */
	return u->fds || u->mappings;
}
