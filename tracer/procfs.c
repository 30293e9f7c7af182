/* SPDX-License-Identifier: MIT */
/*
 * The one /proc reader (include/sysphase/procfs.h).  Everything here
 * reads text the kernel writes, but some of it (comm, mapped files' names)
 * is shaped by the traced program: the reads are here, the parsing, on a
 * buffer and written for hostile input, in procfs_parse.c.
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

int sp_proc_read(const char *path, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *text = malloc(cap);
	int fd, rc = 0;

	if (!text)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = gone_or(errno);
		free(text);
		return rc;
	}
	for (;;) {
		ssize_t got;

		if (cap - n < 2) {
			char *grown = realloc(text, cap * 2);

			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			text = grown;
			cap *= 2;
		}
		got = read(fd, text + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			/* A task that died between open and read: ESRCH. */
			rc = errno == ESRCH ? -ESRCH : -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (rc < 0) {
		free(text);
		return rc;
	}
	text[n] = '\0';
	*buf = text;
	*len = n;
	return 0;
}

/* A short file (stat, comm) into buf, NUL-terminated: its length, or -errno (-ESRCH: gone). */
static ssize_t read_short(const char *path, char *buf, size_t cap)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return gone_or(errno);
	while (n < cap - 1) {
		ssize_t got = read(fd, buf + n, cap - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got < 0 && n == 0) {
				int err = errno;

				close(fd);
				return -err;
			}
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static void status_path(char *path, size_t size, pid_t pid, pid_t tid)
{
	if (tid > 0)
		snprintf(path, size, "/proc/%d/task/%d/status", pid, tid);
	else
		snprintf(path, size, "/proc/%d/status", pid);
}

long sp_proc_status_field(pid_t pid, pid_t tid, const char *key)
{
	char path[64], *text;
	size_t len;
	long value;
	int rc;

	status_path(path, sizeof(path), pid, tid);
	rc = sp_proc_read(path, &text, &len);
	if (rc < 0)
		return rc;
	rc = sp_proc_parse_field(text, len, key, &value);
	free(text);
	if (rc == -EINVAL)
		return -EIO; /* not what the kernel writes */
	return rc < 0 ? rc : value;
}

int sp_proc_task_status(pid_t pid, pid_t tid, struct sp_proc_task_status *out)
{
	char path[64], *text;
	size_t len;
	int rc;

	status_path(path, sizeof(path), pid, tid);
	rc = sp_proc_read(path, &text, &len);
	if (rc < 0)
		return rc;
	rc = sp_proc_parse_task_status(text, len, out);
	free(text);
	/* An empty file: the task died between open and read. */
	return rc < 0 && len == 0 ? -ESRCH : rc;
}

int sp_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid)
{
	struct sp_proc_task_status st;
	int rc = sp_proc_task_status(tid, 0, &st);

	if (rc < 0)
		return rc;
	*tgid = st.tgid;
	*ppid = st.ppid;
	return 0;
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

/* Thread tid's stat: 0 or -errno. */
static int task_stat(pid_t pid, pid_t tid, struct sp_proc_stat *out)
{
	/* About 50 numbers after a comm of at most 64 bytes: this holds what we parse. */
	char path[64], buf[2048];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	n = read_short(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return n == 0 ? -ESRCH : sp_proc_parse_stat(buf, (size_t)n, out);
}

char sp_proc_task_state(pid_t pid, pid_t tid)
{
	struct sp_proc_stat st;

	return task_stat(pid, tid, &st) == 0 ? st.state : '?';
}

/* PF_IO_WORKER (include/linux/sched.h): io_uring's kernel threads in a process. */
#define PF_IO_WORKER 0x00000010

bool sp_proc_is_io_thread(pid_t pid, pid_t tid)
{
	struct sp_proc_stat st;

	return task_stat(pid, tid, &st) == 0 && (st.flags & PF_IO_WORKER);
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
	char *text;
	size_t len;
	int rc = sp_proc_read(path, &text, &len);

	if (rc < 0)
		return rc;
	rc = sp_proc_parse_pids(text, len, out);
	free(text);
	return rc == -EINVAL ? -EIO : rc;
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
	char path[320], target[64], *text = NULL;
	size_t len;
	ssize_t n;
	long sq = -1;

	snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[io_uring]") != 0)
		return false;
	/* SqThread: the poller's pid, -1 without IORING_SETUP_SQPOLL (only said, not judged). */
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	*sqpoll = sp_proc_read(path, &text, &len) == 0 &&
	          sp_proc_parse_field(text, len, "SqThread:", &sq) == 0 && sq >= 0;
	free(text);
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
	char path[64], *text;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	rc = sp_proc_read(path, &text, &len);
	if (rc < 0)
		return rc;
	out->mappings += sp_proc_parse_ring_mappings(text, len);
	free(text);
	return 0;
}

static int count_pollers(pid_t pid, struct sp_io_uring_use *out)
{
	struct sp_pids threads = {0};
	int rc = sp_proc_threads(pid, &threads);

	for (size_t i = 0; rc == 0 && i < threads.n; i++) {
		char path[96], comm[32];

		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, threads.v[i]);
		if (read_short(path, comm, sizeof(comm)) < 0)
			continue;
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
	/*
	 * Poller threads only name what a ring found does (sp_io_uring_in_use
	 * judges fds and mappings): no listing of the tasks where there is none.
	 */
	if (rc == 0 && sp_io_uring_in_use(out))
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

int sp_proc_private_area(pid_t pid, uint64_t addr, uint64_t size)
{
	char path[64], *text;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	rc = sp_proc_read(path, &text, &len);
	if (rc < 0)
		return rc;
	rc = sp_proc_parse_private_area(text, len, addr, size);
	free(text);
	return rc == -EINVAL ? -EIO : rc; /* not what the kernel writes */
}
