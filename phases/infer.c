/* SPDX-License-Identifier: MIT */
/*
 * A program's own rule set from a trace with symbolised stacks.
 *
 * Where the generic rules guess from syscalls alone, the program's code
 * says where it serves: a server's recurring waits for input (epoll_wait,
 * poll, accept, sigsuspend...) all sit under the function that runs its
 * loop.  Per thread, that function is the innermost frame of the
 * program's own module, in the stack of its last wait, that also holds at
 * least half of its waits (and two): nginx's worker waits under
 * ngx_epoll_process_events, its master under ngx_master_process_cycle,
 * redis under aeProcessEvents.  The first wait under one of them moves a
 * thread to the serving phase of its role: the process the program was
 * started as (and whatever it execs), or a forked worker, which starts a
 * phase of its own at its fork.  Loading ends with the first syscall
 * made outside the dynamic loader, as in the generic rules.
 *
 * The rule set is plain JSON in the rules language with a comment on
 * every transition saying what it was inferred from, to be read and
 * edited; it loads with `--rules FILE` like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysphase/phases.h"

/* The waits a serving loop blocks in, for input or for signals. */
static const char *const wait_calls[] = {
    "accept",       "accept4",  "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "poll",         "ppoll",    "select",     "pselect6",    "rt_sigsuspend",
    "pause",        "recvfrom", "recvmsg",    "recvmmsg",    "rt_sigtimedwait",
    "io_getevents", "read",     "readv",      NULL,
};

#define MIN_WAITS 2 /* one wait is not a loop */

struct fn_count {
	char *fn;
	unsigned n; /* waits whose stack holds fn */
};

struct thr {
	pid_t tid, pid;
	bool child;         /* of a forked worker (not exec'd since) */
	const char *module; /* the program's module, owned by its process */
	struct fn_count *counts;
	size_t ncounts;
	unsigned nwaits;
	char **last; /* program frames of its last wait, innermost first */
	size_t nlast;
	const char *last_call; /* the last wait's syscall (static) */
	double last_ts;
};

struct proc {
	pid_t pid;
	bool child;
	char *module;
};

struct sp_infer {
	char *name;
	struct thr *thr;
	size_t nthr;
	struct proc *proc;
	size_t nproc;
	unsigned long stacks;       /* syscalls with a stack */
	unsigned long named_frames; /* program frames with a function name */
	bool forks;                 /* some process forked a child */
};

struct sp_infer *sp_infer_new(const char *name)
{
	struct sp_infer *in = calloc(1, sizeof(*in));

	if (in && !(in->name = strdup(name ? name : "program"))) {
		free(in);
		return NULL;
	}
	return in;
}

static void _thr_clear_last(struct thr *t)
{
	for (size_t i = 0; i < t->nlast; i++)
		free(t->last[i]);
	free(t->last);
	t->last = NULL;
	t->nlast = 0;
}

void sp_infer_free(struct sp_infer *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->nthr; i++) {
		for (size_t k = 0; k < in->thr[i].ncounts; k++)
			free(in->thr[i].counts[k].fn);
		free(in->thr[i].counts);
		_thr_clear_last(&in->thr[i]);
	}
	for (size_t i = 0; i < in->nproc; i++)
		free(in->proc[i].module);
	free(in->thr);
	free(in->proc);
	free(in->name);
	free(in);
}

static struct proc *_proc(struct sp_infer *in, pid_t pid, bool create)
{
	struct proc *p;

	for (size_t i = 0; i < in->nproc; i++)
		if (in->proc[i].pid == pid)
			return &in->proc[i];
	if (!create)
		return NULL;
	p = realloc(in->proc, (in->nproc + 1) * sizeof(*p));
	if (!p)
		return NULL;
	in->proc = p;
	p = &in->proc[in->nproc++];
	*p = (struct proc){.pid = pid};
	return p;
}

/* The thread's record; a tid met again in another process starts afresh. */
static struct thr *_thr(struct sp_infer *in, pid_t tid, pid_t pid)
{
	struct thr *t;

	for (size_t i = in->nthr; i-- > 0;)
		if (in->thr[i].tid == tid && in->thr[i].pid == pid)
			return &in->thr[i];
	t = realloc(in->thr, (in->nthr + 1) * sizeof(*t));
	if (!t)
		return NULL;
	in->thr = t;
	t = &in->thr[in->nthr++];
	*t = (struct thr){.tid = tid, .pid = pid};
	return t;
}

static const char *_basename(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

/* The static name of a wait syscall, or NULL when name is none. */
static const char *_wait_name(const struct sp_event *ev)
{
	json_t *fd;
	const char *kind;

	for (size_t i = 0; ev->name && wait_calls[i]; i++) {
		if (strcmp(ev->name, wait_calls[i]) != 0)
			continue;
		if (strncmp(ev->name, "read", 4) != 0)
			return wait_calls[i];
		/* A read waits for input only on a socket, pipe or terminal, not a file. */
		fd = ev->dec ? json_object_get(ev->dec, "fd") : NULL;
		kind = json_string_value(json_object_get(fd, "kind"));
		if (kind && (!strcmp(kind, "socket") || !strcmp(kind, "pipe") ||
		             !strcmp(kind, "fifo") || !strcmp(kind, "tty")))
			return wait_calls[i];
		return NULL;
	}
	return NULL;
}

static int _count_fn(struct thr *t, const char *fn)
{
	struct fn_count *c;

	for (size_t i = 0; i < t->ncounts; i++)
		if (!strcmp(t->counts[i].fn, fn)) {
			t->counts[i].n++;
			return 0;
		}
	c = realloc(t->counts, (t->ncounts + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	t->counts = c;
	c = &t->counts[t->ncounts];
	c->fn = strdup(fn);
	if (!c->fn)
		return -ENOMEM;
	c->n = 1;
	t->ncounts++;
	return 0;
}

/* Whether fn is already in the first n entries of v. */
static bool _seen(char **v, size_t n, const char *fn)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], fn))
			return true;
	return false;
}

/* A wait of thread t: counts its program frames, keeps them as the last. */
static int _wait(struct sp_infer *in, struct thr *t, const struct sp_event *ev, const char *call)
{
	size_t n = json_array_size(ev->stack);
	char **last = calloc(n ? n : 1, sizeof(*last));
	size_t nlast = 0;
	json_t *f;
	size_t i;

	if (!last)
		return -ENOMEM;
	json_array_foreach(ev->stack, i, f) {
		const char *fn = json_string_value(json_object_get(f, "fn"));
		const char *mod = json_string_value(json_object_get(f, "module"));

		if (!fn || !mod || !t->module || strcmp(mod, t->module) != 0 ||
		    _seen(last, nlast, fn))
			continue;
		in->named_frames++;
		last[nlast] = strdup(fn);
		if (!last[nlast] || _count_fn(t, fn) < 0) {
			for (size_t k = 0; k <= nlast; k++)
				free(last[k]);
			free(last);
			return -ENOMEM;
		}
		nlast++;
	}
	t->nwaits++;
	_thr_clear_last(t);
	t->last = last;
	t->nlast = nlast;
	t->last_call = call;
	t->last_ts = ev->ts;
	return 0;
}

int sp_infer_feed(struct sp_infer *in, const struct sp_event *ev)
{
	struct proc *p = _proc(in, ev->pid, true), *c;
	const char *call;
	struct thr *t;

	if (!p)
		return -ENOMEM;
	switch (ev->type) {
	case SP_EV_EXEC:
		free(p->module);
		p->module = ev->path ? strdup(_basename(ev->path)) : NULL;
		p->child = false;
		/* The process's threads are the caller alone now, with a new program. */
		for (size_t i = 0; i < in->nthr; i++)
			if (in->thr[i].pid == ev->pid)
				in->thr[i].module = NULL, in->thr[i].pid = -1;
		return 0;
	case SP_EV_FORK:
		c = _proc(in, ev->child, true);
		if (!c)
			return -ENOMEM;
		p = _proc(in, ev->pid, false); /* the array may have moved */
		free(c->module);
		c->module = p && p->module ? strdup(p->module) : NULL;
		c->child = true;
		in->forks = true;
		return 0;
	case SP_EV_SYSCALL:
		break;
	default:
		return 0;
	}
	if (ev->stack)
		in->stacks++;
	call = _wait_name(ev);
	if (!call || !ev->stack)
		return 0;
	t = _thr(in, ev->tid > 0 ? ev->tid : ev->pid, ev->pid);
	if (!t)
		return -ENOMEM;
	p = _proc(in, ev->pid, false);
	t->child = p->child;
	t->module = p->module;
	return _wait(in, t, ev, call);
}

/*
 * The serving loop of thread t: the innermost program function in its
 * last wait's stack that holds at least half of its waits; NULL if none.
 */
static const struct fn_count *_loop_of(const struct thr *t)
{
	unsigned need = t->nwaits / 2 + t->nwaits % 2;

	if (t->nwaits < MIN_WAITS || need < MIN_WAITS)
		need = MIN_WAITS;
	for (size_t i = 0; i < t->nlast; i++)
		for (size_t k = 0; k < t->ncounts; k++)
			if (!strcmp(t->counts[k].fn, t->last[i]) && t->counts[k].n >= need)
				return &t->counts[k];
	return NULL;
}

static json_t *_strings(const char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *_phase(const char *name, const char *desc, bool final)
{
	json_t *p = json_pack("{s:s, s:s}", "name", name, "description", desc);

	if (p && final && json_object_set_new(p, "final", json_true()) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/*
 * The loop functions of one role (workers or not) and a comment saying
 * where each came from; both NULL-free arrays, possibly empty.
 */
static int _role_loops(const struct sp_infer *in, bool child, json_t *fns, json_t *why)
{
	for (size_t i = 0; i < in->nthr; i++) {
		const struct thr *t = &in->thr[i];
		const struct fn_count *loop;
		char line[512];
		bool dup = false;
		size_t k;
		json_t *v;

		if (t->child != child || t->pid < 0 || !(loop = _loop_of(t)))
			continue;
		json_array_foreach(fns, k, v) {
			if (!strcmp(json_string_value(v), loop->fn))
				dup = true;
		}
		snprintf(line, sizeof(line),
		         "%s: the innermost function of %s under %u of the %u waits of thread %d "
		         "of process %d (its last: %s at %.6f s)",
		         loop->fn, t->module, loop->n, t->nwaits, (int)t->tid, (int)t->pid,
		         t->last_call, t->last_ts);
		if ((!dup && json_array_append_new(fns, json_string(loop->fn)) < 0) ||
		    json_array_append_new(why, json_string(line)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A transition from -> to fired by a wait under one of fns. */
static json_t *_serving_edge(json_t *from, const char *to, json_t *fns, json_t *why)
{
	json_t *waits = _strings(wait_calls);

	if (!waits)
		return NULL;
	return json_pack("{s:o, s:s, s:O, s:{s:o, s:O}}", "from", from, "to", to, "comment", why,
	                 "when", "syscall", waits, "stack", fns);
}

static int _append(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -ENOMEM;
}

int sp_infer_rules(const struct sp_infer *in, json_t **out, struct sp_diag *diag)
{
	json_t *root = NULL, *phases, *edges, *main_fns, *main_why, *child_fns, *child_why;
	bool serving, workers, worker_serving;
	char desc[512], name[256];
	int rc = -ENOMEM;

	main_fns = json_array();
	main_why = json_array();
	child_fns = json_array();
	child_why = json_array();
	phases = json_array();
	edges = json_array();
	if (!main_fns || !main_why || !child_fns || !child_why || !phases || !edges)
		goto out;
	if (_role_loops(in, false, main_fns, main_why) < 0 ||
	    _role_loops(in, true, child_fns, child_why) < 0)
		goto out;
	serving = json_array_size(main_fns) > 0;
	workers = in->forks;
	worker_serving = json_array_size(child_fns) > 0;
	if (!serving && !worker_serving) {
		rc =
		    sp_diag_set(diag, ENODATA,
		                in->named_frames
		                    ? "no serving loop in the trace: no thread waited %d times or "
		                      "more under one function of its program"
		                    : "no function names of the program in the trace's stacks: "
		                      "record with --stack (symbolised stacks), of a program whose "
		                      "binary names its functions (%d waits needed per loop)",
		                MIN_WAITS);
		goto out;
	}

	rc = -ENOMEM;
	if (_append(phases, _phase("loading", "exec and the dynamic loader", false)) < 0 ||
	    _append(phases, _phase("initialization",
	                           "the program sets itself up, from its first syscall "
	                           "outside the dynamic loader",
	                           false)) < 0)
		goto out;
	if (serving) {
		snprintf(desc, sizeof(desc), "the serving loop: from the first wait under %s",
		         json_string_value(json_array_get(main_fns, 0)));
		if (_append(phases, _phase("serving", desc, true)) < 0)
			goto out;
	}
	if (workers &&
	    _append(phases,
	            _phase("worker initialization",
	                   "a forked child (a worker) sets itself up, from its fork", false)) < 0)
		goto out;
	if (workers && worker_serving) {
		snprintf(desc, sizeof(desc),
		         "a worker's serving loop: from its first wait under %s",
		         json_string_value(json_array_get(child_fns, 0)));
		if (_append(phases, _phase("worker serving", desc, true)) < 0)
			goto out;
	}
	if (_append(phases, _phase("termination", "exit_group: the whole process ends", true)) < 0)
		goto out;

	if (_append(edges, json_pack("{s:s, s:s, s:s, s:{s:s, s:{s:s}}}", "from", "loading", "to",
	                             "initialization", "comment",
	                             "the end of dynamic loading: the first syscall made outside "
	                             "ld.so after exec",
	                             "when", "not_site", "ld-*.so*", "after", "event", "exec")) < 0)
		goto out;
	if (serving && _append(edges, _serving_edge(json_pack("[ss]", "loading", "initialization"),
	                                            "serving", main_fns, main_why)) < 0)
		goto out;
	if (workers && worker_serving &&
	    _append(edges, _serving_edge(json_string("worker initialization"), "worker serving",
	                                 child_fns, child_why)) < 0)
		goto out;
	if (_append(edges,
	            json_pack("{s:s, s:s, s:s, s:{s:s}}", "from", "*", "to", "termination",
	                      "comment",
	                      "exit_group ends the process; a thread's exit ends only itself",
	                      "when", "syscall", "exit_group")) < 0 ||
	    _append(edges, json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "from", "*", "to", "loading",
	                             "repeat", 1, "comment",
	                             "a process that execs a program starts over (a master "
	                             "re-executing itself on reload)",
	                             "when", "event", "exec")) < 0)
		goto out;

	snprintf(desc, sizeof(desc),
	         "%s's own phases, inferred by sysphase infer from a trace (%lu syscalls with "
	         "stacks): transitions at its own functions, edit freely",
	         in->name, in->stacks);
	snprintf(name, sizeof(name), "%s-inferred", in->name);
	root = json_pack("{s:s, s:s, s:s, s:o}", "name", name, "description", desc, "initial",
	                 "loading", "phases", phases);
	phases = NULL;
	if (!root)
		goto out;
	if (workers &&
	    json_object_set_new(
		root, "on_fork",
		json_pack("[{s:o, s:s, s:s}]", "parent",
	                  serving ? json_pack("[ss]", "initialization", "serving")
	                          : json_pack("[s]", "initialization"),
	                  "child", "worker initialization", "comment",
	                  "a child forked by the program starts as a worker: the worker's start")) <
	        0)
		goto out;
	if (json_object_set_new(root, "transitions", edges) < 0) {
		edges = NULL;
		goto out;
	}
	edges = NULL;
	*out = root;
	root = NULL;
	rc = 0;
out:
	json_decref(root);
	json_decref(phases);
	json_decref(edges);
	json_decref(main_fns);
	json_decref(main_why);
	json_decref(child_fns);
	json_decref(child_why);
	return rc;
}
