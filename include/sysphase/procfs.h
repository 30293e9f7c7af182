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
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The number after key (e.g. "Seccomp_filters:", "TracerPid:") in
 * /proc/PID/task/TID/status, or /proc/PID/status when tid is 0.
 * -ENOTSUP when the kernel shows no such line.
 */
long sp_proc_status_field(pid_t pid, pid_t tid, const char *key);

/* What /proc/PID/task/TID/status says of a task's life and tracer. */
struct sp_proc_task_status {
	char state;   /* 'R', 'S', 'D', 't', 'Z', 'X'... (State:) */
	pid_t tgid;   /* Tgid: */
	pid_t ppid;   /* PPid: */
	pid_t tracer; /* TracerPid: 0 when nobody traces it */
};

/* Thread tid of pid's status (pid's own when tid is 0): 0 or -errno (-ESRCH: gone). */
int sp_proc_task_status(pid_t pid, pid_t tid, struct sp_proc_task_status *out);

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

/* Counts pid's rings as above (pollers only where an fd or a mapping is found): 0 or -errno. */
int sp_proc_io_uring(pid_t pid, struct sp_io_uring_use *out);

/* Whether the process can still submit to a ring: an fd or a ring mapping. */
bool sp_io_uring_in_use(const struct sp_io_uring_use *u);

/*
 * The whole of a /proc file in a buffer of its own (*buf, *len; free()
 * it), NUL-terminated: 0 or -errno (-ESRCH: the task is gone).  The
 * parsers below take what it read, so that they can be fuzzed apart
 * (tests/fuzz/fuzz_procfs.c).
 */
int sp_proc_read(const char *path, char **buf, size_t *len);

/*
 * The parsers of what the kernel writes in /proc about a program that
 * named itself: comm is raw in stat (spaces, ')', newlines), escaped in
 * status.  Each reads only buf[0..len), which need not end in NUL, and
 * returns 0 or -errno: -ENOTSUP when the field is not there, -EINVAL
 * when it is malformed.
 */

/*
 * The number after key ("TracerPid:", "SqThread:") at the start of a line
 * of a status-like file (status, fdinfo).  The kernel escapes newlines in
 * the only program-given text before such keys (status's Name:), so the
 * first line that starts with key is the kernel's.
 */
int sp_proc_parse_field(const char *buf, size_t len, const char *key, long *value);

/* State:, Tgid:, PPid: and TracerPid: of a status file. */
int sp_proc_parse_task_status(const char *buf, size_t len, struct sp_proc_task_status *out);

/* The fields of /proc/PID/stat that the tracer uses, found after comm's last ')'. */
struct sp_proc_stat {
	char state;
	pid_t ppid;
	unsigned long flags; /* PF_* */
};
int sp_proc_parse_stat(const char *buf, size_t len, struct sp_proc_stat *out);

/* Appends the ids of a children file ("12 34 "); -ENOMEM. */
int sp_proc_parse_pids(const char *buf, size_t len, struct sp_pids *out);

/*
 * A task's name from its comm file (the raw comm and the kernel's '\n'),
 * fit to print on a terminal: every byte outside printable ASCII (a
 * newline, ESC, a carriage return the program put in its name) becomes
 * '?'.  out gets at most size - 1 bytes and a NUL; returns its length.
 */
size_t sp_proc_parse_comm(const char *buf, size_t len, char *out, size_t size);

/* How many lines of a maps text map an io_uring ring (anon_inode:[io_uring]). */
int sp_proc_parse_ring_mappings(const char *buf, size_t len);

/*
 * Whether [addr, addr + size) lies in private mappings of a maps text: 0;
 * -EPERM when part of it is a shared mapping (MAP_SHARED, which another
 * process can map and write too); -EFAULT when part of it is not mapped;
 * -EINVAL on a line that is not a mapping's.
 */
int sp_proc_parse_private_area(const char *buf, size_t len, uint64_t addr, uint64_t size);

/* The same for process (or thread) pid's mappings: 0 or -errno. */
int sp_proc_private_area(pid_t pid, uint64_t addr, uint64_t size);

#endif /* SYSPHASE_PROCFS_H */
