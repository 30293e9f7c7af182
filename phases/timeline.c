/* SPDX-License-Identifier: MIT */
/*
 * Timelines: per process, its phases in the order it went through them.
 * Only aggregates are kept (counts and per-syscall tallies per segment),
 * so a long trace costs no more memory than a short one with the same
 * phases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/phases.h"

#define NBUCKETS 1024

struct segment {
	char *phase;
	double start, last;
	long syscalls;
	json_t *set; /* name -> count */
};

struct tproc {
	pid_t pid, ppid;
	char *exe;
	double start, end;
	bool exited, killed;
	int status, signo;
	long threads;
	struct segment *seg;
	size_t nseg;
	struct tproc *next_live; /* hash chain of processes still alive */
};

struct sp_timeline {
	struct tproc **procs; /* in order of first appearance */
	size_t nprocs;
	struct tproc *live[NBUCKETS];
};

struct sp_timeline *sp_timeline_new(void)
{
	return calloc(1, sizeof(struct sp_timeline));
}

void sp_timeline_free(struct sp_timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprocs; i++) {
		struct tproc *p = t->procs[i];

		for (size_t s = 0; s < p->nseg; s++) {
			free(p->seg[s].phase);
			json_decref(p->seg[s].set);
		}
		free(p->seg);
		free(p->exe);
		free(p);
	}
	free(t->procs);
	free(t);
}

static struct tproc *live_find(struct sp_timeline *t, pid_t pid)
{
	for (struct tproc *p = t->live[(size_t)pid % NBUCKETS]; p; p = p->next_live)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void live_remove(struct sp_timeline *t, pid_t pid)
{
	for (struct tproc **pp = &t->live[(size_t)pid % NBUCKETS]; *pp; pp = &(*pp)->next_live) {
		if ((*pp)->pid == pid) {
			*pp = (*pp)->next_live;
			return;
		}
	}
}

static struct tproc *proc_add(struct sp_timeline *t, pid_t pid, pid_t ppid, double ts)
{
	struct tproc **v = realloc(t->procs, (t->nprocs + 1) * sizeof(*v));
	struct tproc *p;

	if (!v)
		return NULL;
	t->procs = v;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->ppid = ppid;
	p->start = p->end = ts;
	p->threads = 1;
	v[t->nprocs++] = p;
	p->next_live = t->live[(size_t)pid % NBUCKETS];
	t->live[(size_t)pid % NBUCKETS] = p;
	return p;
}

/*
 * The segment an event of phase `phase` goes to: the current one or a new
 * one.  Phases are per thread (docs/rules.md), and the process's timeline
 * follows its main thread: an event of another thread in a phase the
 * process has had a segment for goes to the latest such segment (a helper
 * thread born in initialization and still there is no return to it).
 */
static struct segment *segment_for(struct tproc *p, const char *phase, bool main_thread, double ts)
{
	struct segment *s;

	if (!phase)
		phase = "-";
	if (p->nseg && !strcmp(p->seg[p->nseg - 1].phase, phase))
		return &p->seg[p->nseg - 1];
	for (size_t i = p->nseg; !main_thread && i-- > 0;)
		if (!strcmp(p->seg[i].phase, phase))
			return &p->seg[i];
	s = realloc(p->seg, (p->nseg + 1) * sizeof(*s));
	if (!s)
		return NULL;
	p->seg = s;
	s = &p->seg[p->nseg];
	memset(s, 0, sizeof(*s));
	s->phase = strdup(phase);
	s->set = json_object();
	if (!s->phase || !s->set) {
		free(s->phase);
		json_decref(s->set);
		return NULL;
	}
	s->start = s->last = ts;
	p->nseg++;
	return s;
}

static int count_syscall(struct segment *s, const struct sp_event *ev)
{
	char unknown[32];
	const char *name = ev->name;
	json_t *n;

	if (!name) {
		snprintf(unknown, sizeof(unknown), "%s:%ld", sp_abi_name(ev->abi), ev->nr);
		name = unknown;
	} else if (ev->abi != SP_ABI_X86_64) {
		/* i386 and x32 calls are different syscalls for a filter: keep them apart. */
		snprintf(unknown, sizeof(unknown), "%s:%s", sp_abi_name(ev->abi), ev->name);
		name = unknown;
	}
	n = json_object_get(s->set, name);
	s->syscalls++;
	return json_object_set_new(s->set, name, json_integer(n ? json_integer_value(n) + 1 : 1));
}

int sp_timeline_feed(struct sp_timeline *t, const struct sp_event *ev)
{
	struct tproc *p = live_find(t, ev->pid);
	struct segment *s;

	if (!p) {
		p = proc_add(t, ev->pid, 0, ev->ts);
		if (!p)
			return -ENOMEM;
	}
	if (ev->ts > p->end)
		p->end = ev->ts;

	/* Fork and exit events belong to the process but are not its syscalls. */
	switch (ev->type) {
	case SP_EV_FORK: {
		struct tproc *c = live_find(t, ev->child);

		if (!c) {
			c = proc_add(t, ev->child, ev->pid, ev->ts);
			if (!c)
				return -ENOMEM;
		} else if (!c->ppid) {
			c->ppid = ev->pid;
		}
		break;
	}
	case SP_EV_CLONE:
		p->threads++;
		break;
	case SP_EV_EXEC:
		free(p->exe);
		p->exe = ev->path ? strdup(ev->path) : NULL;
		break;
	case SP_EV_EXIT:
		if (ev->whole_process) {
			p->exited = true;
			p->killed = ev->killed;
			p->status = ev->status;
			p->signo = ev->signo;
			live_remove(t, ev->pid);
		}
		break;
	default:
		break;
	}
	if (ev->type == SP_EV_EXIT && p->nseg)
		return 0; /* the exit ends the last segment; it is not a phase of its own */
	s = segment_for(p, ev->phase, ev->tid <= 0 || ev->tid == ev->pid, ev->ts);
	if (!s)
		return -ENOMEM;
	if (ev->ts > s->last)
		s->last = ev->ts;
	if (ev->type == SP_EV_SYSCALL)
		return count_syscall(s, ev) < 0 ? -ENOMEM : 0;
	return 0;
}

/* A segment ends where the next one starts, the last one at the process's end. */
static double seg_end(const struct tproc *p, size_t i)
{
	return i + 1 < p->nseg ? p->seg[i + 1].start : p->end;
}

/* Syscall names of a segment, most used first (then by name), as a new array. */
static json_t *sorted_names(json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	const char **names = calloc(n ? n : 1, sizeof(*names));
	json_t *arr = json_array();
	const char *key;
	json_t *v;

	if (!names || !arr) {
		free(names);
		json_decref(arr);
		return NULL;
	}
	json_object_foreach(set, key, v)
		names[i++] = key;
	for (size_t a = 1; a < n; a++) {
		for (size_t b = a; b > 0; b--) {
			json_int_t cb = json_integer_value(json_object_get(set, names[b]));
			json_int_t ca = json_integer_value(json_object_get(set, names[b - 1]));

			if (cb > ca || (cb == ca && strcmp(names[b], names[b - 1]) < 0)) {
				const char *tmp = names[b];

				names[b] = names[b - 1];
				names[b - 1] = tmp;
			} else {
				break;
			}
		}
	}
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(names[i]));
	free(names);
	return arr;
}

json_t *sp_timeline_to_json(const struct sp_timeline *t, bool with_syscalls)
{
	json_t *root = json_object();
	json_t *procs = json_array();

	if (!root || !procs)
		goto fail;
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tproc *p = t->procs[i];
		json_t *phases = json_array();
		json_t *o = json_pack("{s:i, s:o, s:o, s:f, s:f, s:i}", "pid", (int)p->pid, "ppid",
		                      p->ppid ? json_integer(p->ppid) : json_null(), "exe",
		                      p->exe ? json_string(p->exe) : json_null(), "start", p->start,
		                      "end", p->end, "threads", (int)p->threads);

		if (!o || !phases) {
			json_decref(o);
			json_decref(phases);
			goto fail;
		}
		if (p->exited && p->killed)
			json_object_set_new(o, "exit", json_pack("{s:i}", "signal", p->signo));
		else if (p->exited)
			json_object_set_new(o, "exit", json_pack("{s:i}", "status", p->status));
		else
			json_object_set_new(o, "exit", json_null());
		for (size_t s = 0; s < p->nseg; s++) {
			const struct segment *sg = &p->seg[s];
			double end = seg_end(p, s);
			json_t *ph =
			    json_pack("{s:s, s:f, s:f, s:f, s:I, s:I}", "phase", sg->phase, "start",
			              sg->start, "end", end, "duration", end - sg->start,
			              "syscalls", (json_int_t)sg->syscalls, "distinct",
			              (json_int_t)json_object_size(sg->set));

			if (!ph)
				goto fail_proc;
			if (with_syscalls)
				json_object_set(ph, "set", sg->set);
			json_array_append_new(phases, ph);
		}
		json_object_set_new(o, "phases", phases);
		json_array_append_new(procs, o);
		continue;
	fail_proc:
		json_decref(o);
		json_decref(phases);
		goto fail;
	}
	json_object_set_new(root, "processes", procs);
	return root;
fail:
	json_decref(procs);
	json_decref(root);
	return NULL;
}

/* A growing string for the text rendering. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
}

char *sp_timeline_to_text(const struct sp_timeline *t, bool with_syscalls)
{
	struct sbuf b = {0};

	sb_printf(&b, "%s", "");
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tproc *p = t->procs[i];

		if (i)
			sb_printf(&b, "\n");
		sb_printf(&b, "process %d", (int)p->pid);
		if (p->exe)
			sb_printf(&b, " (%s)", p->exe);
		if (p->ppid)
			sb_printf(&b, ", child of %d", (int)p->ppid);
		sb_printf(&b, ", %.6f .. %.6f s", p->start, p->end);
		if (p->threads > 1)
			sb_printf(&b, ", %ld threads", p->threads);
		if (p->exited && p->killed)
			sb_printf(&b, ", killed by signal %d", p->signo);
		else if (p->exited)
			sb_printf(&b, ", exit status %d", p->status);
		sb_printf(&b, "\n  %-40s %12s %12s %12s %8s %8s\n", "phase", "start", "end",
		          "duration", "syscalls", "distinct");
		for (size_t s = 0; s < p->nseg; s++) {
			const struct segment *sg = &p->seg[s];
			double end = seg_end(p, s);

			sb_printf(&b, "  %-40s %12.6f %12.6f %12.6f %8ld %8zu\n", sg->phase,
			          sg->start, end, end - sg->start, sg->syscalls,
			          json_object_size(sg->set));
			if (with_syscalls && json_object_size(sg->set)) {
				json_t *names = sorted_names(sg->set);
				size_t k;
				json_t *nm;

				if (!names) {
					b.oom = true;
					break;
				}
				sb_printf(&b, "    ");
				json_array_foreach(names, k, nm) {
					const char *n = json_string_value(nm);

					sb_printf(&b, "%s%s(%lld)", k ? " " : "", n,
					          (long long)json_integer_value(
						      json_object_get(sg->set, n)));
				}
				sb_printf(&b, "\n");
				json_decref(names);
			}
		}
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
