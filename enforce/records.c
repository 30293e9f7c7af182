/* SPDX-License-Identifier: MIT */
/*
 * The kernel's seccomp records, drained all along by a thread of their
 * own.  The audit socket receives every seccomp record of the machine,
 * and a thread followed by events alone gives the supervisor no stop to
 * read them at: left to the event loop, the socket's buffer overflows
 * (ENOBUFS) and records of ours are lost with the others.  The thread
 * moves them into a queue the event loop empties at every event, and at
 * the end; what neither can keep is counted as lost and reported
 * (SP_NOTE_RECORDS_LOST), never skipped silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "internal.h"
#include "sysphase/procfs.h"

/* Queues one record; the caller holds the lock. */
static void push(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	struct sp_record *slot;

	if (e->marker_pid && rec->pid == e->marker_pid) {
		e->marker_seen = true;
		pthread_cond_broadcast(&e->rq_cond);
		return;
	}
	if (e->rq_len == SP_RECORD_QUEUE) {
		e->rq_dropped++;
		return;
	}
	slot = &e->rq[(e->rq_head + e->rq_len) % SP_RECORD_QUEUE];
	slot->rec = *rec;
	/*
	 * Complain mode: a LOG record of a process nothing announced is
	 * told by its ancestry, read while the process is still there.
	 */
	slot->ppid = e->opts.complain && (rec->code & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_LOG &&
	                     !e->opts.graded
	                 ? sp_proc_ppid(rec->pid)
	                 : 0;
	e->rq_len++;
	pthread_cond_signal(&e->rq_cond);
}

static bool pids_as_records_name_them(void);

/*
 * Queues the Landlock denials the kernel audited so far, when run puts
 * layers on and records name our pids (the initial pid namespace); the
 * caller holds the lock.  A full ring drops the newest, counted as lost.
 */
static void push_landlock(struct sp_enforcer *e, bool flush)
{
	struct sp_audit_landlock rec;

	while (sp_audit_next_landlock(e->audit, &rec, flush)) {
		if (!e->ll || e->ll_simulate || !pids_as_records_name_them())
			continue;
		if (!e->llq && !(e->llq = calloc(SP_LL_RECORDS, sizeof(*e->llq))))
			return;
		if (e->llq_len == SP_LL_RECORDS) {
			e->rq_dropped++;
			continue;
		}
		e->llq[(e->llq_head + e->llq_len++) % SP_LL_RECORDS] = rec;
	}
}

bool sp_records_next_landlock(struct sp_enforcer *e, struct sp_audit_landlock *out)
{
	bool got = false;

	pthread_mutex_lock(&e->lock);
	if (!e->audit_thread_running)
		push_landlock(e, false);
	if (e->llq_len) {
		*out = e->llq[e->llq_head];
		e->llq_head = (e->llq_head + 1) % SP_LL_RECORDS;
		e->llq_len--;
		got = true;
	}
	pthread_mutex_unlock(&e->lock);
	return got;
}

static void *reader_main(void *opaque)
{
	struct sp_enforcer *e = opaque;
	struct sp_audit_seccomp rec;

	for (;;) {
		bool stop;

		pthread_mutex_lock(&e->lock);
		stop = e->stop_audit;
		pthread_mutex_unlock(&e->lock);
		if (stop)
			break;
		sp_audit_wait(e->audit, 100);
		while (sp_audit_next(e->audit, &rec)) {
			pthread_mutex_lock(&e->lock);
			push(e, &rec);
			pthread_mutex_unlock(&e->lock);
		}
		pthread_mutex_lock(&e->lock);
		push_landlock(e, false);
		e->audit_lost = sp_audit_lost(e->audit);
		pthread_mutex_unlock(&e->lock);
	}
	return NULL;
}

void sp_records_start(struct sp_enforcer *e)
{
	e->stop_audit = false;
	if (sp_audit_available(e->audit) &&
	    pthread_create(&e->audit_thread, NULL, reader_main, e) == 0)
		e->audit_thread_running = true;
}

void sp_records_stop(struct sp_enforcer *e)
{
	struct sp_audit_seccomp rec;

	if (!e->audit_thread_running)
		return;
	pthread_mutex_lock(&e->lock);
	e->stop_audit = true;
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->audit_thread, NULL);
	e->audit_thread_running = false;
	/* What came meanwhile, read here now. */
	while (sp_audit_next(e->audit, &rec))
		push(e, &rec);
	pthread_mutex_lock(&e->lock);
	push_landlock(e, true);
	pthread_mutex_unlock(&e->lock);
}

bool sp_records_next(struct sp_enforcer *e, struct sp_record *out)
{
	bool got = false;

	if (!e->audit_thread_running) {
		/* No thread (not started, or stopped): the queue, then the socket itself. */
		if (e->rq_len == 0) {
			struct sp_audit_seccomp rec;

			for (;;) {
				if (!sp_audit_next(e->audit, &rec))
					return false;
				if (!e->marker_pid || rec.pid != e->marker_pid)
					break;
				e->marker_seen = true; /* the barrier's own, not the program's */
			}
			*out = (struct sp_record){.rec = rec};
			return true;
		}
	} else if (__atomic_load_n(&e->rq_len, __ATOMIC_RELAXED) == 0) {
		return false;
	}
	pthread_mutex_lock(&e->lock);
	if (e->rq_len) {
		*out = e->rq[e->rq_head];
		e->rq_head = (e->rq_head + 1) % SP_RECORD_QUEUE;
		e->rq_len--;
		got = true;
	}
	pthread_mutex_unlock(&e->lock);
	return got;
}

bool sp_records_wait(struct sp_enforcer *e, int ms)
{
	struct timespec until;
	bool some;

	if (!e->audit_thread_running)
		return e->rq_len > 0 || sp_audit_wait(e->audit, ms);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&e->lock);
	while (e->rq_len == 0)
		if (pthread_cond_timedwait(&e->rq_cond, &e->lock, &until) == ETIMEDOUT)
			break;
	some = e->rq_len > 0;
	pthread_mutex_unlock(&e->lock);
	return some;
}

unsigned long long sp_records_lost(struct sp_enforcer *e)
{
	unsigned long long lost;

	pthread_mutex_lock(&e->lock);
	/* While the reader runs, the socket's count is the one it copied last. */
	lost = e->rq_dropped + (e->audit_thread_running ? e->audit_lost : sp_audit_lost(e->audit));
	pthread_mutex_unlock(&e->lock);
	return lost;
}

/*
 * The child of the barrier: waits for the go on fd, then makes one call
 * that its own filter answers SECCOMP_RET_LOG.  Only raw system calls:
 * it is a fork of a threaded process.
 */
static void __attribute__((noreturn)) marker_child(int fd)
{
	struct sock_filter insns[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
	char go;

	if (syscall(SYS_read, fd, &go, 1) == 1 &&
	    syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		syscall(SYS_getppid);
	syscall(SYS_exit_group, 0);
	__builtin_unreachable();
}

/*
 * kauditd hands records on in the order the kernel made them, to the
 * audit socket and to the kernel log alike.  So when a record made now
 * has come through, every record made before it has too: a condition to
 * wait for, where a quiet spell of some length is only a guess that a
 * loaded machine proves wrong.
 */
/*
 * Whether our pids are the ones the kernel's records carry: records name
 * tasks by their pid in the initial namespace, so inside a container the
 * marker's record would never be recognised.  The initial pid namespace's
 * inode is fixed (PROC_PID_INIT_INO, include/linux/proc_ns.h), whichever
 * /proc is mounted.
 */
static bool pids_as_records_name_them(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCU;
}

bool sp_records_barrier(struct sp_enforcer *e, int limit_ms)
{
	struct timespec until;
	int go[2];
	pid_t pid;
	bool seen;

	if (!sp_audit_available(e->audit) || !pids_as_records_name_them() ||
	    pipe2(go, O_CLOEXEC) < 0)
		return false;
	pid = fork();
	if (pid == 0)
		marker_child(go[0]);
	close(go[0]);
	if (pid < 0) {
		close(go[1]);
		return false;
	}
	/* Known before the child's call can be read: the go comes after. */
	pthread_mutex_lock(&e->lock);
	e->marker_pid = pid;
	e->marker_seen = false;
	pthread_mutex_unlock(&e->lock);
	if (write(go[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += limit_ms / 1000;
	until.tv_nsec += (long)(limit_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (e->audit_thread_running) {
		pthread_mutex_lock(&e->lock);
		while (!e->marker_seen)
			if (pthread_cond_timedwait(&e->rq_cond, &e->lock, &until) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&e->lock);
	} else {
		struct sp_audit_seccomp rec;
		struct timespec now;

		/* No reader: read the socket here, queueing what comes before the marker. */
		while (!e->marker_seen) {
			long left;

			while (!e->marker_seen && sp_audit_next(e->audit, &rec))
				push(e, &rec);
			clock_gettime(CLOCK_REALTIME, &now);
			left = (until.tv_sec - now.tv_sec) * 1000 +
			       (until.tv_nsec - now.tv_nsec) / 1000000;
			if (e->marker_seen || left <= 0)
				break;
			sp_audit_wait(e->audit, (int)(left < 100 ? left : 100));
		}
	}
	pthread_mutex_lock(&e->lock);
	seen = e->marker_seen;
	e->marker_pid = 0;
	pthread_mutex_unlock(&e->lock);
	return seen;
}
