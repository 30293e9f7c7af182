/* SPDX-License-Identifier: MIT */
/*
 * The report's event collector: per thread and per process the syscall
 * density in geometric time buckets, and the forks and execs the
 * picture draws.  Memory grows with threads, not with events.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_impl.h"

/* ---- density histograms ------------------------------------------------ */

/*
 * Buckets whose width grows geometrically from the anchor: bucket 0 is
 * [0, 1 us), bucket k is [1 us * R^(k-1), 1 us * R^k) with R = 1.02, up to
 * 10^6 s.  Any axis (linear or log, known only at the end) can then be
 * drawn from them at 2% of the time since the anchor, in memory fixed per
 * thread and exec.
 */
double rp_hist_edge(size_t k)
{
	return k == 0 ? 0 : HIST_E0 * pow(HIST_R, (double)(k - 1));
}

static int hist_add(struct hist *h, double ts)
{
	size_t k = 0;

	if (!h->n) {
		h->n = calloc(HIST_BUCKETS, sizeof(*h->n));
		if (!h->n)
			return -ENOMEM;
		h->anchor = ts;
	}
	ts = ts > h->anchor ? ts - h->anchor : 0;
	if (ts >= HIST_E0) {
		double kd = 1 + log(ts / HIST_E0) / log(HIST_R);

		k = kd < HIST_BUCKETS ? (size_t)kd : HIST_BUCKETS - 1;
	}
	/* The float division may land one off; the edges decide. */
	while (k > 0 && ts < rp_hist_edge(k))
		k--;
	while (k + 1 < HIST_BUCKETS && ts >= rp_hist_edge(k + 1))
		k++;
	if (h->n[k] < UINT32_MAX)
		h->n[k]++;
	return 0;
}

/* An exec: the counts so far become an epoch of their own; the next event anchors anew. */
static int hist_epoch(struct hist *h)
{
	struct hist *old;

	if (!h->n)
		return 0;
	old = malloc(sizeof(*old));
	if (!old)
		return -ENOMEM;
	*old = *h;
	*h = (struct hist){.prev = old};
	return 0;
}

static void hist_free(struct hist *h)
{
	struct hist *e = h->prev, *next;

	free(h->n);
	for (; e; e = next) {
		next = e->prev;
		free(e->n);
		free(e);
	}
}

/* ---- the collector ------------------------------------------------------ */

static size_t idmap_slot(const struct idmap *m, pid_t key)
{
	size_t i = ((size_t)(uint32_t)key * 2654435761u) & (m->cap - 1);

	while (m->key[i] && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The index stored for key, or SIZE_MAX. */
size_t rp_idmap_get(const struct idmap *m, pid_t key)
{
	size_t i;

	if (!m->cap)
		return SIZE_MAX;
	i = idmap_slot(m, key);
	return m->key[i] ? m->val[i] : SIZE_MAX;
}

static int idmap_put(struct idmap *m, pid_t key, size_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct idmap bigger = {.cap = m->cap ? 2 * m->cap : 64};

		bigger.key = calloc(bigger.cap, sizeof(*bigger.key));
		bigger.val = calloc(bigger.cap, sizeof(*bigger.val));
		if (!bigger.key || !bigger.val) {
			free(bigger.key);
			free(bigger.val);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t j = idmap_slot(&bigger, m->key[i]);

				bigger.key[j] = m->key[i];
				bigger.val[j] = m->val[i];
				bigger.n++;
			}
		free(m->key);
		free(m->val);
		*m = bigger;
	}
	i = idmap_slot(m, key);
	if (!m->key[i])
		m->n++;
	m->key[i] = key;
	m->val[i] = val;
	return 0;
}

static void idmap_free(struct idmap *m)
{
	free(m->key);
	free(m->val);
}

/* Makes room for one more element of size sz in *arr. */
int rp_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? 2 * *cap : 16) * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? 2 * *cap : 16;
	return 0;
}

struct sp_report *sp_report_new(void)
{
	return calloc(1, sizeof(struct sp_report));
}

void sp_report_free(struct sp_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_execs; i++)
		free(r->execs[i].path);
	free(r->execs);
	free(r->forks);
	for (size_t i = 0; i < r->n_threads; i++)
		hist_free(&r->threads[i].h);
	for (size_t i = 0; i < r->n_procs; i++)
		hist_free(&r->procs[i].h);
	free(r->threads);
	free(r->procs);
	idmap_free(&r->tmap);
	idmap_free(&r->pmap);
	free(r);
}

static struct rproc *proc_of(struct sp_report *r, pid_t pid)
{
	size_t i = rp_idmap_get(&r->pmap, pid);

	if (i != SIZE_MAX)
		return &r->procs[i];
	if (rp_grow((void **)&r->procs, &r->cap_procs, r->n_procs, sizeof(*r->procs)) < 0 ||
	    idmap_put(&r->pmap, pid, r->n_procs) < 0)
		return NULL;
	r->procs[r->n_procs] = (struct rproc){.pid = pid};
	return &r->procs[r->n_procs++];
}

static struct rthread *thread_of(struct sp_report *r, pid_t tid, pid_t pid, double ts)
{
	size_t i = rp_idmap_get(&r->tmap, tid);
	struct rproc *p;

	if (i != SIZE_MAX) {
		/* exec from a non-leader thread: the tid now belongs to another process. */
		r->threads[i].pid = pid;
		return &r->threads[i];
	}
	p = proc_of(r, pid);
	if (!p ||
	    rp_grow((void **)&r->threads, &r->cap_threads, r->n_threads, sizeof(*r->threads)) < 0 ||
	    idmap_put(&r->tmap, tid, r->n_threads) < 0)
		return NULL;
	p->n_threads++;
	r->threads[r->n_threads] =
	    (struct rthread){.tid = tid, .pid = pid, .first = ts, .last = ts};
	return &r->threads[r->n_threads++];
}

int sp_report_feed(struct sp_report *r, const struct sp_event *ev)
{
	struct rthread *t = thread_of(r, ev->tid, ev->pid, ev->ts);
	struct rproc *p;

	if (!t)
		return -ENOMEM;
	if (ev->ts > t->last)
		t->last = ev->ts;
	if (ev->ts > r->t_end)
		r->t_end = ev->ts;
	switch (ev->type) {
	case SP_EV_SYSCALL:
		p = proc_of(r, ev->pid);
		if (!p)
			return -ENOMEM;
		t->syscalls++;
		if (hist_add(&t->h, ev->ts) < 0 || hist_add(&p->h, ev->ts) < 0)
			return -ENOMEM;
		break;
	case SP_EV_FORK:
		if (rp_grow((void **)&r->forks, &r->cap_forks, r->n_forks, sizeof(*r->forks)) < 0)
			return -ENOMEM;
		r->forks[r->n_forks] =
		    (struct rfork){.parent = ev->pid, .child = ev->child, .ts = ev->ts};
		snprintf(r->forks[r->n_forks].via, sizeof(r->forks[0].via), "%s",
		         ev->via ? ev->via : "fork");
		r->n_forks++;
		break;
	case SP_EV_CLONE:
		/* The new thread's lane starts when it was made, not at its first syscall. */
		if (!thread_of(r, ev->child, ev->pid, ev->ts))
			return -ENOMEM;
		break;
	case SP_EV_EXEC:
		p = proc_of(r, ev->pid);
		if (!p || hist_epoch(&p->h) < 0 || hist_epoch(&t->h) < 0)
			return -ENOMEM;
		if (rp_grow((void **)&r->execs, &r->cap_execs, r->n_execs, sizeof(*r->execs)) < 0)
			return -ENOMEM;
		r->execs[r->n_execs] =
		    (struct rexec){.pid = ev->pid, .former_tid = ev->former_tid, .ts = ev->ts};
		r->execs[r->n_execs].path = strdup(ev->path ? ev->path : "?");
		if (!r->execs[r->n_execs].path)
			return -ENOMEM;
		r->n_execs++;
		break;
	default:
		break;
	}
	return 0;
}
