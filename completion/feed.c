/* SPDX-License-Identifier: MIT */
/*
 * Completion of a whole trace: which program each process runs (exec
 * events; a forked child runs its parent's), one scope per process image,
 * the syscalls each phase observed, and the classification of what
 * completion reaches (allowed, held back, memory family).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "facts_int.h"
#include "sysphase/completion.h"

/* A signal handler in force: where its function starts, as a frame names it. */
struct handler {
	char *module;
	uint64_t off;
};

struct proc {
	pid_t pid;
	char *program; /* NULL: unknown (attached to a running process) */
	struct sp_scope *scope;
	bool has_stacks;
	struct handler *handlers; /* installed and not reset: they survive fork, not exec */
	size_t nhandlers;
	char *last_phase; /* the phase its handlers were last given to */
	int *listening;   /* its descriptors that listen: inherited at fork, kept across exec */
	size_t nlistening;
};

struct observed {
	char *phase;
	bool maps_code;       /* an mmap/mprotect with PROT_EXEC was made in it */
	bool waits_listening; /* a process holding a listening socket waited for input in it */
	char **names;
	size_t n, cap;
};

struct sp_completer {
	struct sp_completion *c;
	struct proc *procs; /* live and finished process images; the last per pid is current */
	size_t nprocs, capprocs;
	struct observed *obs;
	size_t nobs;
	size_t stacks;
};

/*
 * Beyond the threat table (levels 1-2): calls it leaves unrated that give
 * a process new powers or new reach; and the mapping calls, whose
 * PROT_EXEC (code injection) a static reading cannot rule out.
 */
static const char *const dangerous[] = {
    "setuid",
    "setgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "setfsuid",
    "setfsgid",
    "setgroups",
    "capset",
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "unlink",
    "unlinkat",
    "ptrace",
    "process_vm_writev",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "pivot_root",
    "setns",
    "unshare",
    "mknod",
    "mknodat",
    "symlink",
    "symlinkat",
    "memfd_create",
    "bpf",
    "personality",
    "userfaultfd",
    "seccomp",
    "mmap",
    "mprotect",
    "pkey_mprotect",
    "execve",
    "execveat",
    "fork",
    "vfork",
    "clone",
    "clone3",
    "kill",
    "tkill",
    "tgkill",
    "io_uring_setup",
};

/* malloc's calls besides mmap: it may trim, advise or grow its arenas in any phase. */
static const char *const memory_family[] = {"brk", "munmap", "madvise", "mremap"};

bool sp_completion_dangerous(const char *name)
{
	int level = sp_threat_level(name);

	if (level == 1 || level == 2)
		return true;
	for (size_t i = 0; i < sizeof(dangerous) / sizeof(*dangerous); i++)
		if (strcmp(dangerous[i], name) == 0)
			return true;
	return false;
}

struct sp_completer *sp_completer_new(const struct sp_completion_opts *opts)
{
	struct sp_completer *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->c = sp_completion_new(opts);
	if (!k->c) {
		free(k);
		return NULL;
	}
	return k;
}

void sp_completer_free(struct sp_completer *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nprocs; i++) {
		sp_scope_free(k->procs[i].scope);
		free(k->procs[i].program);
		for (size_t j = 0; j < k->procs[i].nhandlers; j++)
			free(k->procs[i].handlers[j].module);
		free(k->procs[i].handlers);
		free(k->procs[i].last_phase);
		free(k->procs[i].listening);
	}
	free(k->procs);
	for (size_t i = 0; i < k->nobs; i++) {
		for (size_t j = 0; j < k->obs[i].n; j++)
			free(k->obs[i].names[j]);
		free(k->obs[i].names);
		free(k->obs[i].phase);
	}
	free(k->obs);
	sp_completion_free(k->c);
	free(k);
}

/* The current image of pid, NULL when none has been seen. */
static struct proc *_current(struct sp_completer *k, pid_t pid)
{
	for (size_t i = k->nprocs; i-- > 0;)
		if (k->procs[i].pid == pid)
			return &k->procs[i];
	return NULL;
}

/* A new image of pid running program (copied; may be NULL). */
static struct proc *_image(struct sp_completer *k, pid_t pid, const char *program)
{
	struct proc *p;

	if (k->nprocs == k->capprocs) {
		size_t cap = k->capprocs ? k->capprocs * 2 : 16;
		struct proc *grown = realloc(k->procs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		k->procs = grown;
		k->capprocs = cap;
	}
	p = &k->procs[k->nprocs];
	*p = (struct proc){.pid = pid};
	if (program && !(p->program = strdup(program)))
		return NULL;
	p->scope = sp_scope_new(k->c, p->program);
	if (!p->scope) {
		free(p->program);
		return NULL;
	}
	k->nprocs++;
	return p;
}

static struct observed *_observed(struct sp_completer *k, const char *phase)
{
	struct observed *grown;

	for (size_t i = 0; i < k->nobs; i++)
		if (strcmp(k->obs[i].phase, phase) == 0)
			return &k->obs[i];
	grown = realloc(k->obs, (k->nobs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	k->obs = grown;
	grown[k->nobs] = (struct observed){.phase = strdup(phase)};
	if (!grown[k->nobs].phase)
		return NULL;
	return &grown[k->nobs++];
}

static bool _was_observed(const struct observed *o, const char *name)
{
	for (size_t i = 0; o && i < o->n; i++)
		if (strcmp(o->names[i], name) == 0)
			return true;
	return false;
}

static int _observe(struct sp_completer *k, const char *phase, const char *name)
{
	struct observed *o = _observed(k, phase);

	if (!o)
		return -ENOMEM;
	if (_was_observed(o, name))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 32;
		char **grown = realloc(o->names, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		o->names = grown;
		o->cap = cap;
	}
	o->names[o->n] = strdup(name);
	if (!o->names[o->n])
		return -ENOMEM;
	o->n++;
	return 0;
}

/* Whether ev maps code: mmap, mprotect or pkey_mprotect with PROT_EXEC (0x4) in prot. */
static bool _maps_code(const struct sp_event *ev)
{
	return (strcmp(ev->name, "mmap") == 0 || strcmp(ev->name, "mprotect") == 0 ||
	        strcmp(ev->name, "pkey_mprotect") == 0) &&
	       (ev->args[2] & 0x4);
}

/* A child starts with its parent's handlers (fork(2): dispositions are inherited). */
static int _inherit_handlers(struct proc *child, const struct proc *parent)
{
	if (!parent || !parent->nhandlers)
		return 0;
	child->handlers = calloc(parent->nhandlers, sizeof(*child->handlers));
	if (!child->handlers)
		return -ENOMEM;
	for (size_t i = 0; i < parent->nhandlers; i++) {
		child->handlers[i].module = strdup(parent->handlers[i].module);
		if (!child->handlers[i].module)
			return -ENOMEM;
		child->handlers[i].off = parent->handlers[i].off;
		child->nhandlers++;
	}
	return 0;
}

/* The handler a successful rt_sigaction installed, as an address; false for SIG_DFL/SIG_IGN. */
static bool _installed_handler(const struct sp_event *ev, uint64_t *addr)
{
	const char *h;
	char *end;

	if (!ev->name || strcmp(ev->name, "rt_sigaction") != 0 || !ev->has_exit || ev->ret != 0 ||
	    !ev->dec)
		return false;
	h = json_string_value(json_object_get(json_object_get(ev->dec, "act"), "handler"));
	if (!h || strncmp(h, "0x", 2) != 0)
		return false;
	errno = 0;
	*addr = strtoull(h, &end, 16);
	return errno == 0 && *end == '\0' && *addr > 1;
}

/*
 * The module and offset of a handler's address: a module of the stack
 * (the installer's code, or libc's) where a function starts exactly there.
 * The frames' ip - module_off is where that module's file is mapped.
 */
static int _place_handler(struct proc *p, const char *phase, const json_t *stack, uint64_t addr)
{
	size_t i;
	json_t *fr;

	json_array_foreach(stack, i, fr) {
		const char *mod = json_string_value(json_object_get(fr, "module"));
		const char *ip = json_string_value(json_object_get(fr, "ip"));
		json_t *off = json_object_get(fr, "module_off");
		struct handler *grown;
		uint64_t base, at;
		int rc;

		if (!mod || !ip || !json_is_integer(off) || json_integer_value(off) < 0)
			continue;
		base = strtoull(ip, NULL, 16) - (uint64_t)json_integer_value(off);
		if (addr < base)
			continue;
		at = addr - base;
		rc = sp_scope_add_handler(p->scope, phase, mod, at);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < p->nhandlers; j++)
			if (p->handlers[j].off == at && strcmp(p->handlers[j].module, mod) == 0)
				return 0;
		grown = realloc(p->handlers, (p->nhandlers + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		p->handlers = grown;
		p->handlers[p->nhandlers].module = strdup(mod);
		if (!p->handlers[p->nhandlers].module)
			return -ENOMEM;
		p->handlers[p->nhandlers++].off = at;
		return 0;
	}
	return 0;
}

/* The handlers in force go with the process into each phase it enters. */
static int _handlers_into(struct proc *p, const char *phase)
{
	int rc;

	if (!p->nhandlers || (p->last_phase && strcmp(p->last_phase, phase) == 0))
		return 0;
	free(p->last_phase);
	p->last_phase = strdup(phase);
	if (!p->last_phase)
		return -ENOMEM;
	for (size_t i = 0; i < p->nhandlers; i++) {
		rc = sp_scope_add_handler(p->scope, phase, p->handlers[i].module,
		                          p->handlers[i].off);
		if (rc < 0 && rc != -ENOENT)
			return rc;
	}
	return 0;
}

/* The listening descriptors of from, copied to p: fork(2) shares them, execve keeps them. */
static int _inherit_listening(struct proc *p, const struct proc *from)
{
	if (!from || !from->nlistening)
		return 0;
	p->listening = malloc(from->nlistening * sizeof(*p->listening));
	if (!p->listening)
		return -ENOMEM;
	memcpy(p->listening, from->listening, from->nlistening * sizeof(*p->listening));
	p->nlistening = from->nlistening;
	return 0;
}

static bool _listens_on(const struct proc *p, int fd)
{
	for (size_t i = 0; i < p->nlistening; i++)
		if (p->listening[i] == fd)
			return true;
	return false;
}

/* Descriptors in [lo, hi] stop listening: closed, or replaced by dup2/dup3. */
static void _forget_listening(struct proc *p, uint64_t lo, uint64_t hi)
{
	size_t out = 0;

	for (size_t i = 0; i < p->nlistening; i++)
		if ((uint64_t)p->listening[i] < lo || (uint64_t)p->listening[i] > hi)
			p->listening[out++] = p->listening[i];
	p->nlistening = out;
}

static bool _waits_for_input(const char *name)
{
	static const char *const waits[] = {"epoll_wait", "epoll_pwait", "epoll_pwait2",
	                                    "poll",       "ppoll",       "select",
	                                    "pselect6",   "accept",      "accept4"};

	for (size_t i = 0; i < sizeof(waits) / sizeof(*waits); i++)
		if (strcmp(waits[i], name) == 0)
			return true;
	return false;
}

/*
 * Which of p's descriptors listen, from its successful calls: postgres's
 * backends close the postmaster's listening sockets before they wait, so
 * accept is completed for the postmaster's phases, never for theirs.
 */
static int _track_listening(struct sp_completer *k, struct proc *p, const struct sp_event *ev)
{
	bool ok = ev->has_exit && ev->ret >= 0;

	if (!ok || ev->abi != SP_ABI_X86_64)
		return 0;
	if (strcmp(ev->name, "listen") == 0 && ev->args[0] <= INT32_MAX &&
	    !_listens_on(p, (int)ev->args[0])) {
		int *grown = realloc(p->listening, (p->nlistening + 1) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->listening = grown;
		p->listening[p->nlistening++] = (int)ev->args[0];
	} else if (strcmp(ev->name, "close") == 0) {
		_forget_listening(p, ev->args[0], ev->args[0]);
	} else if (strcmp(ev->name, "dup2") == 0 || strcmp(ev->name, "dup3") == 0) {
		if (ev->args[0] != ev->args[1])
			_forget_listening(p, ev->args[1], ev->args[1]);
	} else if (strcmp(ev->name, "close_range") == 0) {
		_forget_listening(p, ev->args[0], ev->args[1]);
	} else if (p->nlistening && _waits_for_input(ev->name)) {
		struct observed *o = _observed(k, ev->phase);

		if (!o)
			return -ENOMEM;
		o->waits_listening = true;
	}
	return 0;
}

int sp_completer_feed(struct sp_completer *k, const struct sp_event *ev)
{
	struct proc *p, *parent;
	uint64_t handler;
	int rc;

	switch (ev->type) {
	case SP_EV_EXEC:
		p = _image(k, ev->pid, ev->path);
		if (!p)
			return -ENOMEM;
		/* The image before it (if any) is the one before the new last entry. */
		for (size_t i = k->nprocs - 1; i-- > 0;)
			if (k->procs[i].pid == ev->pid)
				return _inherit_listening(p, &k->procs[i]);
		return 0;
	case SP_EV_FORK:
		parent = _current(k, ev->pid);
		p = _image(k, ev->child, parent ? parent->program : NULL);
		if (!p)
			return -ENOMEM;
		/* _image may have moved the table: the parent is looked up again. */
		parent = _current(k, ev->pid);
		rc = _inherit_handlers(p, parent);
		return rc < 0 ? rc : _inherit_listening(p, parent);
	case SP_EV_SYSCALL:
		break;
	default:
		return 0;
	}
	if (!ev->phase)
		return 0;
	if (ev->name && ev->abi == SP_ABI_X86_64 && (rc = _observe(k, ev->phase, ev->name)) < 0)
		return rc;
	if (ev->name && _maps_code(ev)) {
		struct observed *o = _observed(k, ev->phase);

		if (!o)
			return -ENOMEM;
		o->maps_code = true;
	}
	p = _current(k, ev->pid);
	if (!p && !(p = _image(k, ev->pid, NULL)))
		return -ENOMEM;
	if (ev->name && (rc = _track_listening(k, p, ev)) < 0)
		return rc;
	if (!ev->stack)
		return 0;
	p->has_stacks = true;
	if ((rc = _handlers_into(p, ev->phase)) < 0)
		return rc;
	if (_installed_handler(ev, &handler) &&
	    (rc = _place_handler(p, ev->phase, ev->stack, handler)) < 0)
		return rc;
	return sp_scope_add_stack(p->scope, ev->phase, ev->stack);
}

struct finish {
	struct sp_completer *k;
	bool allow_dangerous;
	sp_completer_fn fn;
	void *arg;
	struct sp_completer_stats *st;
};

static int _on_reached(const char *phase, long nr, json_t *why, void *arg)
{
	struct finish *f = arg;
	const char *name = sp_syscall_name(SP_ABI_X86_64, nr);
	struct observed *o = _observed(f->k, phase);
	enum sp_completion_kind kind = SP_COMPLETE_ADD;

	if (!o) {
		json_decref(why);
		return -ENOMEM;
	}
	/* Observed calls keep their provenance; numbers libseccomp does not know no filter names.
	 */
	if (!name || _was_observed(o, name)) {
		json_decref(why);
		return 0;
	}
	if (!f->allow_dangerous && sp_completion_dangerous(name))
		kind = SP_COMPLETE_HELD_BACK;
	/* malloc maps memory in any phase: without PROT_EXEC where the phase maps no code. */
	if (kind == SP_COMPLETE_HELD_BACK && !o->maps_code &&
	    (strcmp(name, "mmap") == 0 || strcmp(name, "mprotect") == 0))
		kind = SP_COMPLETE_ADD_NO_EXEC;
	/* A thread is no fork: its creator's filter and phase go with it. */
	if (kind == SP_COMPLETE_HELD_BACK && strcmp(name, "clone") == 0)
		kind = SP_COMPLETE_ADD_THREAD_ONLY;
	if (kind != SP_COMPLETE_HELD_BACK)
		f->st->added++;
	else
		f->st->held_back++;
	/* Several processes may reach the same call in one phase: report it once. */
	if (_observe(f->k, phase, name) < 0) {
		json_decref(why);
		return -ENOMEM;
	}
	return f->fn(phase, name, kind, why, f->arg);
}

/*
 * Phases that allocate (they observed brk or mmap) get the rest of
 * malloc's family; mmap and mprotect too where the phase maps no code,
 * then only without PROT_EXEC (W^X), also when the phase observed them.
 */
static int _memory(struct finish *f)
{
	static const char *const noexec[] = {"mmap", "mprotect"};
	struct sp_completer *k = f->k;

	for (size_t i = 0; i < k->nobs; i++) {
		struct observed *o = &k->obs[i];
		int rc;

		if (!_was_observed(o, "brk") && !_was_observed(o, "mmap"))
			continue;
		for (size_t m = 0; !o->maps_code && m < sizeof(noexec) / sizeof(*noexec); m++) {
			json_t *why = json_pack(
			    "{s:s}", "reason",
			    "the phase allocates and maps no code: malloc may map memory at any "
			    "time, never executable (W^X)");

			if (!why || _observe(k, o->phase, noexec[m]) < 0) {
				json_decref(why);
				return -ENOMEM;
			}
			f->st->memory++;
			rc = f->fn(o->phase, noexec[m], SP_COMPLETE_MEMORY_NO_EXEC, why, f->arg);
			if (rc)
				return rc;
		}
		for (size_t m = 0; m < sizeof(memory_family) / sizeof(*memory_family); m++) {
			json_t *why;

			if (_was_observed(o, memory_family[m]))
				continue;
			why = json_pack("{s:s}", "reason",
			                "the phase allocates: malloc may trim, advise or grow its "
			                "arenas at any time");
			if (!why || _observe(k, o->phase, memory_family[m]) < 0) {
				json_decref(why);
				return -ENOMEM;
			}
			f->st->memory++;
			rc = f->fn(o->phase, memory_family[m], SP_COMPLETE_MEMORY, why, f->arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * A phase where a process holding a listening socket waits for input gets
 * accept and accept4: a listening socket exists only to be accepted on,
 * so a connection the recording never got (unbound's TCP, recorded on UDP
 * queries) needs no more power than the listen already took, and the
 * event loop reaches the accept through a callback, a pointer completion
 * never follows.  A process that closed its listening sockets first (a
 * postgres backend) gives its phases nothing.
 */
static int _accepting(struct finish *f)
{
	static const char *const accepts[] = {"accept", "accept4"};
	struct sp_completer *k = f->k;

	for (size_t i = 0; i < k->nobs; i++) {
		struct observed *o = &k->obs[i];

		for (size_t a = 0; o->waits_listening && a < sizeof(accepts) / sizeof(*accepts);
		     a++) {
			json_t *why;
			int rc;

			if (_was_observed(o, accepts[a]))
				continue;
			why = json_pack(
			    "{s:s}", "reason",
			    "the program listens on a socket and the phase waits for input: "
			    "a listening socket is there to be accepted on");
			if (!why || _observe(k, o->phase, accepts[a]) < 0) {
				json_decref(why);
				return -ENOMEM;
			}
			f->st->added++;
			rc = f->fn(o->phase, accepts[a], SP_COMPLETE_ADD, why, f->arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int sp_completer_finish(struct sp_completer *k, bool allow_dangerous, sp_completer_fn fn, void *arg,
                        struct sp_completer_stats *st, struct sp_diag *diag)
{
	struct sp_completer_stats local;
	struct finish f = {k, allow_dangerous, fn, arg, st ? st : &local};
	int rc = 0;

	*f.st = (struct sp_completer_stats){0};
	/* First, so that completion does not report the family again, nor hold back its names. */
	rc = _memory(&f);
	if (rc == 0)
		rc = _accepting(&f);
	for (size_t i = 0; i < k->nprocs && rc == 0; i++) {
		struct sp_scope_stats ss;

		if (!k->procs[i].has_stacks)
			continue;
		f.st->processes++;
		rc = sp_scope_complete(k->procs[i].scope, _on_reached, &f, &ss, diag);
		f.st->scope.stop_nodes += ss.stop_nodes;
		f.st->scope.seeds += ss.seeds;
		f.st->scope.reached += ss.reached;
		f.st->scope.unresolved += ss.unresolved;
		f.st->unresolved += ss.unresolved;
	}
	sp_completion_counts(k->c, &f.st->modules, &f.st->cached, &f.st->missing);
	for (size_t i = 0; i < k->nprocs; i++)
		f.st->stacks += sp_scope_nstacks(k->procs[i].scope);
	return rc;
}
