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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/seccomp.h>

#include "internal.h"

/* The parent of pid, from /proc (0 when it is gone). */
static pid_t parent_of(pid_t pid)
{
	char path[64], line[256];
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

/* Queues one record; the caller holds the lock. */
static void push(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	struct sp_record *slot;

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
	                 ? parent_of(rec->pid)
	                 : 0;
	e->rq_len++;
	pthread_cond_signal(&e->rq_cond);
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
}

bool sp_records_next(struct sp_enforcer *e, struct sp_record *out)
{
	bool got = false;

	if (!e->audit_thread_running) {
		/* No thread (not started, or stopped): the queue, then the socket itself. */
		if (e->rq_len == 0) {
			struct sp_audit_seccomp rec;

			if (!sp_audit_next(e->audit, &rec))
				return false;
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
