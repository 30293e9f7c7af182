/* SPDX-License-Identifier: MIT */
/*
 * The runtime is not the program: which events of a trace belong to a
 * container runtime (runc, crun, podman + conmon...) in front of the
 * program, and which to the program from its entrypoint on.
 *
 * The evidence, as runc 1.1, crun 1.8 and podman 4.3 leave it in a trace:
 * the container's process lives in a PID namespace the traced command did
 * not start in.  runc's init unshares CLONE_NEWPID and forks (nsexec's
 * stage 1 -> stage 2); crun clones with CLONE_NEWPID; `runc exec` and
 * podman exec setns() into a pid namespace.  A process is in a new PID
 * namespace when it was cloned with CLONE_NEWPID, or forked by one that is
 * or that unshared/setns'd into one (unshare(CLONE_NEWPID) moves only the
 * children).  The entrypoint is the first successful execve/execveat of
 * such a process: the runtime's own init runs in the container's
 * namespaces up to that exec.  From there the entrypoint's process and
 * its descendants are the program; everything before, and every other
 * process, is the runtime's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trace_int.h"

/* <linux/sched.h>: unshare(2), setns(2), clone(2). */
#ifndef CLONE_NEWPID
#define CLONE_NEWPID 0x20000000
#endif

struct pidset {
	pid_t *v;
	size_t n, cap;
};

/* What one process did after loading a seccomp filter (its calls, by name). */
struct loaded {
	pid_t pid;
	bool nnp; /* no_new_privs was set before the load */
	char **names;
	size_t n, cap;
};

struct sp_runtime {
	long entry_exec;     /* 0: the first exec in a new PID namespace; N: the Nth exec */
	long execs;          /* successful execs counted so far */
	pid_t exec_pending;  /* counted at its execve line; its exec event is the same exec */
	bool entered;        /* the entrypoint was seen */
	pid_t entry_pid;     /* its process */
	struct pidset newns; /* processes in a new PID namespace */
	struct pidset moved; /* unshared or setns'd: their children are */
	struct pidset prog;  /* the entrypoint and its descendants */
	struct pidset nnp;   /* processes that set no_new_privs */
	struct loaded *loaded;
	size_t n_loaded, cap_loaded;
	struct loaded after; /* the entrypoint's process, up to its exec */
	bool after_set;
	char runtime[32]; /* the last runtime binary exec'd before the entrypoint */
	int oom;
};

static bool has(const struct pidset *s, pid_t pid)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i] == pid)
			return true;
	return false;
}

static void add(struct sp_runtime *rt, struct pidset *s, pid_t pid)
{
	if (has(s, pid))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		pid_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			rt->oom = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = pid;
}

struct sp_runtime *sp_runtime_new(long entry_exec)
{
	struct sp_runtime *rt = calloc(1, sizeof(*rt));

	if (rt)
		rt->entry_exec = entry_exec > 0 ? entry_exec : 0;
	return rt;
}

static void loaded_release(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	*l = (struct loaded){0};
}

void sp_runtime_free(struct sp_runtime *rt)
{
	if (!rt)
		return;
	for (size_t i = 0; i < rt->n_loaded; i++)
		loaded_release(&rt->loaded[i]);
	free(rt->loaded);
	loaded_release(&rt->after);
	free(rt->nnp.v);
	free(rt->newns.v);
	free(rt->moved.v);
	free(rt->prog.v);
	free(rt);
}

bool sp_runtime_entered(const struct sp_runtime *rt)
{
	return rt && rt->entered;
}

const char *sp_runtime_name(const struct sp_runtime *rt)
{
	return rt && rt->runtime[0] ? rt->runtime : NULL;
}

int sp_runtime_filter_loaded(const struct sp_runtime *rt)
{
	if (!rt || !rt->after_set)
		return -1;
	return rt->after.nnp ? 1 : 0;
}

const char *sp_runtime_after_load(const struct sp_runtime *rt, size_t i)
{
	return rt && rt->after_set && i < rt->after.n ? rt->after.names[i] : NULL;
}

pid_t sp_runtime_entry_pid(const struct sp_runtime *rt)
{
	return rt && rt->entered ? rt->entry_pid : 0;
}

/* The CLONE_NEWPID bit of a clone-family call: raw flags, or clone3's decoded struct. */
static bool clones_newpid(const struct sp_event *ev)
{
	const char *flags;

	if (strcmp(ev->name, "clone") == 0)
		return ev->args[0] & CLONE_NEWPID;
	if (strcmp(ev->name, "clone3") != 0)
		return false;
	/* clone3's flags are in memory: the recorder decoded them (cl_args.flags). */
	flags = json_string_value(json_object_get(json_object_get(ev->dec, "cl_args"), "flags"));
	return flags && strstr(flags, "CLONE_NEWPID");
}

/* setns(fd, nstype) into a pid namespace: by nstype, or by the fd's target (pid:[...]). */
static bool setns_pid(const struct sp_event *ev)
{
	const char *path;

	if (ev->args[1] & CLONE_NEWPID)
		return true;
	if (ev->args[1] != 0)
		return false;
	path = json_string_value(json_object_get(json_object_get(ev->dec, "fd"), "path"));
	return path && strncmp(path, "pid:[", 5) == 0;
}

static struct loaded *loaded_of(struct sp_runtime *rt, pid_t pid)
{
	for (size_t i = 0; i < rt->n_loaded; i++)
		if (rt->loaded[i].pid == pid)
			return &rt->loaded[i];
	return NULL;
}

/* A process loaded a seccomp filter: from now on its calls are noted. */
static void on_load(struct sp_runtime *rt, pid_t pid)
{
	if (loaded_of(rt, pid))
		return;
	if (rt->n_loaded == rt->cap_loaded) {
		size_t cap = rt->cap_loaded ? rt->cap_loaded * 2 : 4;
		struct loaded *v = realloc(rt->loaded, cap * sizeof(*v));

		if (!v) {
			rt->oom = 1;
			return;
		}
		rt->loaded = v;
		rt->cap_loaded = cap;
	}
	rt->loaded[rt->n_loaded++] = (struct loaded){.pid = pid, .nnp = has(&rt->nnp, pid)};
}

static void note_call(struct sp_runtime *rt, struct loaded *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **v = realloc(l->names, cap * sizeof(*v));

		if (!v) {
			rt->oom = 1;
			return;
		}
		l->names = v;
		l->cap = cap;
	}
	if (!(l->names[l->n] = strdup(name)))
		rt->oom = 1;
	else
		l->n++;
}

/* The runtime's name from an executable it ran: runc, crun... (its memfd copy is "/"). */
static void note_runtime(struct sp_runtime *rt, const char *path)
{
	static const char *const known[] = {"runc", "crun", "youki", "runsc"};
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	for (size_t i = 0; base && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(base, known[i]) == 0)
			snprintf(rt->runtime, sizeof(rt->runtime), "%s", known[i]);
}

/* An exec of pid happened (its execve line or its exec event): the entrypoint? */
static void on_exec(struct sp_runtime *rt, pid_t pid, bool from_line)
{
	if (!from_line && rt->exec_pending == pid) {
		rt->exec_pending = 0; /* the exec event of an exec already counted */
		return;
	}
	rt->exec_pending = from_line ? pid : 0;
	rt->execs++;
	if (rt->entered)
		return;
	if (rt->entry_exec ? rt->execs == rt->entry_exec : has(&rt->newns, pid)) {
		struct loaded *l = loaded_of(rt, pid);

		rt->entered = true;
		rt->entry_pid = pid;
		add(rt, &rt->prog, pid);
		if (l) {
			/* What the runtime ran under the container's filter: kept. */
			rt->after = *l;
			rt->after_set = true;
			*l = (struct loaded){.pid = -1};
		}
	}
}

/* A filter load: seccomp(SECCOMP_SET_MODE_FILTER) or prctl(PR_SET_SECCOMP, 2) (runc's). */
static bool loads_filter(const struct sp_event *ev)
{
	if (strcmp(ev->name, "seccomp") == 0)
		return ev->args[0] == 1;
	return strcmp(ev->name, "prctl") == 0 && ev->args[0] == 22 && ev->args[1] == 2;
}

static void on_syscall(struct sp_runtime *rt, const struct sp_event *ev)
{
	bool ok = ev->has_exit && ev->err == 0 && ev->ret >= 0;
	struct loaded *l;

	if (!ev->name)
		return;
	if (!rt->entered && (l = loaded_of(rt, ev->pid)))
		note_call(rt, l, ev->name);
	if (!ok)
		return;
	if (loads_filter(ev))
		on_load(rt, ev->pid);
	/* prctl(PR_SET_NO_NEW_PRIVS, 1) */
	if (strcmp(ev->name, "prctl") == 0 && ev->args[0] == 38 && ev->args[1] == 1)
		add(rt, &rt->nnp, ev->pid);
	if ((strcmp(ev->name, "execve") == 0 || strcmp(ev->name, "execveat") == 0) && ev->ret == 0)
		on_exec(rt, ev->pid, true);
	else if (strcmp(ev->name, "unshare") == 0 && (ev->args[0] & CLONE_NEWPID))
		add(rt, &rt->moved, ev->pid);
	else if (strcmp(ev->name, "setns") == 0 && setns_pid(ev))
		add(rt, &rt->moved, ev->pid);
	else if (ev->ret > 0 && clones_newpid(ev))
		add(rt, &rt->newns, (pid_t)ev->ret);
}

int sp_runtime_feed(struct sp_runtime *rt, const struct sp_event *ev)
{
	switch (ev->type) {
	case SP_EV_SYSCALL:
		on_syscall(rt, ev);
		break;
	case SP_EV_FORK:
		if (has(&rt->newns, ev->pid) || has(&rt->moved, ev->pid))
			add(rt, &rt->newns, ev->child);
		if (rt->entered && has(&rt->prog, ev->pid))
			add(rt, &rt->prog, ev->child);
		break;
	case SP_EV_EXEC:
		on_exec(rt, ev->pid, false);
		if (!rt->entered)
			note_runtime(rt, ev->path);
		break;
	default:
		break;
	}
	if (rt->oom)
		return -ENOMEM;
	return rt->entered && has(&rt->prog, ev->pid) ? SP_RUNTIME_PROGRAM : SP_RUNTIME_RUNTIME;
}

/* ---- the scan: is there an entrypoint at all? ---- */

/*
 * Whether a trace line can matter to the classifier, without parsing it:
 * process events, and the few syscalls it reads.  The writer puts "type"
 * and "name" in this form (docs/trace-format.md).
 */
static bool candidate(const struct sp_runtime *rt, const char *line)
{
	static const char *const names[] = {"\"name\":\"unshare\"", "\"name\":\"setns\"",
	                                    "\"name\":\"clone",     "\"name\":\"execve",
	                                    "\"name\":\"prctl\"",   "\"name\":\"seccomp\""};
	char pid[32];

	if (strstr(line, "\"type\":\"fork\"") || strstr(line, "\"type\":\"exec\""))
		return true;
	if (!strstr(line, "\"type\":\"syscall\""))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strstr(line, names[i]))
			return true;
	/* Every call of a process that loaded a filter (few, up to its exec). */
	for (size_t i = 0; i < rt->n_loaded; i++) {
		snprintf(pid, sizeof(pid), "\"pid\":%d,", (int)rt->loaded[i].pid);
		if (rt->loaded[i].pid > 0 && strstr(line, pid))
			return true;
	}
	return false;
}

/* The few fields the classifier reads, from one parsed line. */
static bool event_of(json_t *o, struct sp_event *ev)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	json_t *args = json_object_get(o, "args"), *ret = json_object_get(o, "ret");

	*ev = (struct sp_event){.pid = (pid_t)json_integer_value(json_object_get(o, "pid"))};
	if (!type)
		return false;
	if (strcmp(type, "fork") == 0) {
		ev->type = SP_EV_FORK;
		ev->child = (pid_t)json_integer_value(json_object_get(o, "child"));
		return true;
	}
	if (strcmp(type, "exec") == 0) {
		ev->type = SP_EV_EXEC;
		ev->path = json_string_value(json_object_get(o, "path"));
		return true;
	}
	ev->type = SP_EV_SYSCALL;
	ev->name = json_string_value(json_object_get(o, "name"));
	for (size_t i = 0; i < 2 && i < json_array_size(args); i++) {
		const char *a = json_string_value(json_array_get(args, i));

		ev->args[i] = a ? strtoull(a, NULL, 0) : 0;
	}
	ev->has_exit = json_is_integer(ret);
	ev->ret = json_integer_value(ret);
	ev->err = json_object_get(o, "errno") ? 1 : 0;
	ev->dec = json_object_get(o, "dec");
	return ev->name != NULL;
}

int sp_runtime_scan(const char *path, struct sp_runtime **out, struct sp_diag *diag)
{
	struct sp_runtime *rt;
	struct stat st;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int rc = 0;

	*out = NULL;
	/* A pipe cannot be read twice: only a regular file is scanned. */
	if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	rt = sp_runtime_new(0);
	if (!rt) {
		fclose(f);
		return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	while (rc == 0 && !rt->entered && getline(&line, &cap, f) > 0) {
		struct sp_event ev;
		json_t *o;

		if (!candidate(rt, line))
			continue;
		o = json_loads(line, 0, NULL);
		if (o && event_of(o, &ev) && sp_runtime_feed(rt, &ev) == -ENOMEM)
			rc = sp_diag_set(diag, ENOMEM, "out of memory");
		json_decref(o);
	}
	free(line);
	fclose(f);
	if (rc < 0 || !rt->entered) {
		sp_runtime_free(rt);
		return rc;
	}
	*out = rt;
	return 1;
}
