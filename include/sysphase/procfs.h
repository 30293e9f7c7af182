/* SPDX-License-Identifier: MIT */
/*
 * sysphase procfs: the one reader of /proc that the tracer and the
 * enforcer share (status fields, thread lists, scheduler state, io_uring
 * rings).  Every function returns a value or -errno; -ESRCH means the
 * task is gone (its /proc entry vanished).
 */
#ifndef SYSPHASE_PROCFS_H
#define SYSPHASE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The number after key (e.g. "Seccomp_filters:", "TracerPid:") in
 * /proc/PID/task/TID/status, or /proc/PID/status when tid is 0.
 * -ENOTSUP when the kernel shows no such line.
 */
long sp_proc_status_field(pid_t pid, pid_t tid, const char *key);

/* The thread group and the parent process of task tid: 0 or -errno. */
int sp_proc_ids(pid_t tid, pid_t *tgid, pid_t *ppid);

/* The parent process of process pid, or 0 when it is gone. */
pid_t sp_proc_ppid(pid_t pid);

/* The thread group of task tid, or -1 when it is gone. */
pid_t sp_proc_tgid(pid_t tid);

/* How many seccomp filters thread tid of pid holds (Seccomp_filters), or -errno. */
long sp_proc_seccomp_filters(pid_t pid, pid_t tid);

/*
 * Thread tid's seccomp mode (Seccomp:): 0 none, 1 strict, 2 filter,
 * 3 dead (SECCOMP_MODE_DEAD: a filter killed it), or -errno.
 */
long sp_proc_seccomp_mode(pid_t pid, pid_t tid);

/* The scheduler state of tid ('R', 'S', 'D', 't', 'Z'...), '?' when unknown. */
char sp_proc_task_state(pid_t pid, pid_t tid);

/*
 * Whether tid is one of io_uring's kernel threads in process pid (iou-sqp,
 * iou-wrk: PF_IO_WORKER in /proc/PID/task/TID/stat): it never runs user
 * code, and ptrace cannot stop it.
 */
bool sp_proc_is_io_thread(pid_t pid, pid_t tid);

/* A list of task or process ids. */
struct sp_pids {
	size_t n, cap;
	pid_t *v;
};

void sp_pids_free(struct sp_pids *l);
/* Appends id unless it is there already: 0 or -ENOMEM. */
int sp_pids_add(struct sp_pids *l, pid_t id);
bool sp_pids_has(const struct sp_pids *l, pid_t id);

/* Appends every thread of pid (/proc/PID/task): 0 or -errno (-ESRCH: gone). */
int sp_proc_threads(pid_t pid, struct sp_pids *out);

/*
 * Appends the children of every thread of pid (/proc/PID/task/TID/children,
 * CONFIG_PROC_CHILDREN): 0, -ENOTSUP when the kernel has no such file, or
 * -errno.
 */
int sp_proc_children(pid_t pid, struct sp_pids *out);

/* What /proc shows of the io_uring instances a process can still use. */
struct sp_io_uring_use {
	int fds;      /* open io_uring descriptors (/proc/PID/fd) */
	int sqpoll;   /* ... of which with a kernel poller thread (fdinfo SqThread >= 0) */
	int mappings; /* ring mappings (/proc/PID/maps), alive even with the fd closed */
	int pollers;  /* iou-sqp-* threads of the process: submitters without a syscall */
};

/* Counts pid's rings as above: 0 or -errno. */
int sp_proc_io_uring(pid_t pid, struct sp_io_uring_use *out);

/* Whether the process can still submit to a ring: an fd or a ring mapping. */
bool sp_io_uring_in_use(const struct sp_io_uring_use *u);

#endif /* SYSPHASE_PROCFS_H */
