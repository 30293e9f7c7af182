/* SPDX-License-Identifier: MIT */
/*
 * Complain mode's Landlock (docs/run.md): Landlock cannot log without
 * denying, so nothing is put on; instead each call of a thread followed
 * with syscall stops is judged, at its exit stop, against the layers
 * enforcing would have the thread hold at that moment (those of every
 * phase whose filter it holds: layers stack, and every one must allow an
 * access), on the paths and ports the decoder read.  What one would deny
 * is noted once per (process, phase, object), in the phase of the
 * narrowest layer that denies it (sp_enforce_blame: merging there widens
 * the layers before it too), and written with the seccomp entries.
 *
 * The objects a call touches are landlock_needs.c's.  A thread let go
 * (and one followed by events alone) makes no stop: what it touches is
 * not seen (docs/run.md says so).  The same judging names run's own
 * Landlock denials: a followed thread's call that failed with EACCES or
 * EPERM, and the kernel's audit records of them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "landlock_needs.h"

#define LL_SIM_BUCKETS 256

/* One would-be denial: per (process, phase, object), its rights united. */
struct ll_denial {
	struct ll_denial *next;
	pid_t pid, tid;
	int phase;
	enum ll_kind kind;
	char *path; /* LL_FS */
	bool dir;   /* LL_FS: the rights are beneath path */
	long port;  /* LL_NET */
	uint64_t rights;
	uint64_t count;
	double first;
	const char *syscall; /* constant (sp_syscall_name) */
};

struct ll_sim {
	struct ll_denial *b[LL_SIM_BUCKETS];
	size_t n;
};

/* ---- judging a call against the layers the thread would hold ---- */

/* The rights of l granted at path: rules on it, or on a directory above it. */
static uint64_t granted_at(const struct sp_landlock_layer *l, const char *path)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < l->n_paths; i++) {
		const char *rp = l->paths[i].path;
		size_t len = strlen(rp);

		if (strcmp(rp, "/") == 0 ||
		    (strncmp(rp, path, len) == 0 && (path[len] == '/' || path[len] == '\0')))
			acc |= l->paths[i].access;
	}
	return acc;
}

/* The rights of need the layer denies (0: it allows it all). */
static uint64_t denied_by(const struct sp_landlock_layer *l, const struct ll_need *nd)
{
	switch (nd->kind) {
	case LL_FS:
		return nd->rights & l->handled_fs & ~granted_at(l, nd->path);
	case LL_NET: {
		uint64_t ok = 0;

		for (size_t i = 0; i < l->n_ports; i++)
			if (l->ports[i].port == (uint64_t)nd->port)
				ok |= l->ports[i].access;
		return nd->rights & l->handled_net & ~ok;
	}
	default:
		return nd->rights & l->scoped;
	}
}

static size_t bucket(pid_t pid, int phase, const struct ll_need *nd)
{
	size_t h = (size_t)pid * 31u + (size_t)phase * 7u + (size_t)nd->kind;

	if (nd->kind == LL_FS)
		for (const char *c = nd->path; *c; c++)
			h = h * 131u + (unsigned char)*c;
	else
		h = h * 131u + (size_t)nd->port;
	return h % LL_SIM_BUCKETS;
}

/*
 * The phases whose layers (among those t holds) deny nd, the narrowest
 * as sp_enforce_blame keeps them, and in *rights what they deny.
 */
static uint64_t blame(const struct sp_enforcer *e, const struct thr *t, const struct ll_need *nd,
                      uint64_t *rights)
{
	uint64_t denying = 0;

	*rights = 0;
	for (int ph = 0; ph < (int)e->n_phases; ph++) {
		const struct sp_landlock_layer *l = sp_enforce_landlock_layer(e, ph);
		uint64_t d = l && (t->held & (1ULL << ph)) ? denied_by(l, nd) : 0;

		if (d) {
			denying |= 1ULL << ph;
			*rights |= d;
		}
	}
	return denying ? sp_enforce_blame(e, denying) : 0;
}

/*
 * Notes a denial of (pid, phase, nd): *fresh says whether it adds a right
 * to what was noted before.  0 or -ENOMEM.
 */
static int note(struct sp_enforcer *e, pid_t pid, pid_t tid, int phase, const struct ll_need *nd,
                uint64_t rights, const struct sp_event *ev, bool *fresh)
{
	struct ll_denial **head, *d;

	if (!e->ll_sim && !(e->ll_sim = calloc(1, sizeof(*e->ll_sim))))
		return -ENOMEM;
	head = &e->ll_sim->b[bucket(pid, phase, nd)];
	for (d = *head; d; d = d->next)
		if (d->pid == pid && d->phase == phase && d->kind == nd->kind &&
		    (nd->kind != LL_FS || (d->dir == nd->dir && strcmp(d->path, nd->path) == 0)) &&
		    (nd->kind != LL_NET || d->port == nd->port))
			break;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d || (nd->kind == LL_FS && !(d->path = strdup(nd->path)))) {
			free(d);
			return -ENOMEM;
		}
		*d = (struct ll_denial){.next = *head,
		                        .pid = pid,
		                        .tid = tid,
		                        .phase = phase,
		                        .kind = nd->kind,
		                        .path = d->path,
		                        .dir = nd->dir,
		                        .port = nd->port,
		                        .first = ev->ts,
		                        .syscall = sp_syscall_name(ev->abi, ev->nr)};
		*head = d;
		e->ll_sim->n++;
	}
	*fresh = (rights & ~d->rights) != 0;
	d->rights |= rights;
	d->count++;
	return 0;
}

int sp_complain_landlock_judge(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev)
{
	struct ll_need n[3];
	bool fresh;
	int k;

	if (!e->ll_simulate || ev->type != SP_EV_SYSCALL || !ev->name || ev->abi != SP_ABI_X86_64)
		return 0;
	k = ll_needs_of(ev, n);
	for (int i = 0; i < k; i++) {
		uint64_t rights, blamed = blame(e, t, &n[i], &rights);

		for (int ph = 0; blamed && ph < (int)e->n_phases; ph++)
			if ((blamed & (1ULL << ph)) &&
			    note(e, t->pid, t->tid, ph, &n[i], rights, ev, &fresh) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int cmp_denial(const void *a, const void *b)
{
	const struct ll_denial *x = *(const struct ll_denial *const *)a;
	const struct ll_denial *y = *(const struct ll_denial *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == LL_FS)
		return strcmp(x->path, y->path) ? strcmp(x->path, y->path)
		                                : (int)x->dir - (int)y->dir;
	return x->port < y->port ? -1 : x->port > y->port;
}

int sp_complain_landlock_write(struct sp_enforcer *e, struct sp_diag *diag)
{
	const struct ll_denial **all;
	size_t n = 0;
	int rc = 0;

	if (!e->ll_sim || !e->ll_sim->n)
		return 0;
	all = calloc(e->ll_sim->n, sizeof(*all));
	if (!all)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t b = 0; b < LL_SIM_BUCKETS; b++)
		for (const struct ll_denial *d = e->ll_sim->b[b]; d; d = d->next)
			all[n++] = d;
	sp_qsort(all, n, sizeof(*all), cmp_denial);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct ll_denial *d = all[i];
		struct sp_complain_landlock out = {
		    .pid = d->pid,
		    .tid = d->tid,
		    .phase = sp_enforce_phase_name(e, d->phase),
		    .syscall = d->syscall,
		    .path = d->kind == LL_FS ? d->path : NULL,
		    .dir = d->dir,
		    .fs = d->kind == LL_FS ? d->rights : 0,
		    .port = d->kind == LL_NET ? d->port : -1,
		    .net = d->kind == LL_NET ? d->rights : 0,
		    .scope = d->kind == LL_SCOPE ? d->rights : 0,
		    .count = d->count,
		    .first = d->first,
		};

		rc = sp_complain_write_landlock(e->opts.complain, &out, diag);
	}
	free(all);
	return rc;
}

void sp_complain_landlock_free(struct sp_enforcer *e)
{
	free(e->llq);
	e->llq = NULL;
	e->llq_len = 0;
	if (!e->ll_sim)
		return;
	for (size_t b = 0; b < LL_SIM_BUCKETS; b++)
		while (e->ll_sim->b[b]) {
			struct ll_denial *d = e->ll_sim->b[b];

			e->ll_sim->b[b] = d->next;
			free(d->path);
			free(d);
		}
	free(e->ll_sim);
	e->ll_sim = NULL;
}

/* ---- run: a Landlock denial seen at a ptrace stop, named ---- */

/* What the note says the denial was on: a path, "TCP port 8080", a scope. */
static void object_name(const struct ll_need *nd, uint64_t rights, char *obj, size_t n, char *acc,
                        size_t na)
{
	if (nd->kind == LL_FS) {
		snprintf(obj, n, "%s%s", nd->path, nd->dir ? " (beneath)" : "");
		sp_ll_fs_format(rights, ",", acc, na);
	} else if (nd->kind == LL_NET) {
		snprintf(obj, n, "TCP port %ld", nd->port);
		sp_ll_net_format(rights, ",", acc, na);
	} else {
		snprintf(obj, n, "%s",
		         rights & SP_LL_SCOPE_SIGNAL ? "a signal to another process"
		                                     : "an abstract unix socket");
		sp_ll_scope_format(rights, ",", acc, na);
	}
}

int sp_enforce_landlock_denied(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev)
{
	struct proc *p = sp_proc_find(e, t->pid);
	struct ll_need n[3];
	int k;

	if (!e->ll || e->ll_simulate || ev->type != SP_EV_SYSCALL || !ev->has_exit || !ev->name ||
	    ev->abi != SP_ABI_X86_64 || (ev->err != EACCES && ev->err != EPERM))
		return 0;
	k = ll_needs_of_failed(ev, n);
	for (int i = 0; i < k; i++) {
		uint64_t rights, blamed = blame(e, t, &n[i], &rights);
		char obj[PATH_MAX + 16], acc[256];
		struct sp_enforce_note nt = {.kind = SP_NOTE_LANDLOCK};
		bool fresh = false;
		int ph = 0;

		while (blamed && !(blamed & (1ULL << ph)))
			ph++;
		/* Once per (phase, object) and right: a server denied per request says it once. */
		if (!blamed)
			continue;
		if (note(e, 0, t->tid, ph, &n[i], rights, ev, &fresh) < 0)
			return -ENOMEM;
		if (!fresh)
			continue;
		object_name(&n[i], rights, obj, sizeof(obj), acc, sizeof(acc));
		nt.pid = t->pid;
		nt.comm = p ? p->comm : "";
		nt.phase = sp_enforce_phase_name(e, ph);
		nt.syscall = sp_syscall_name(ev->abi, ev->nr);
		nt.abi = ev->abi;
		nt.nr = ev->nr;
		nt.object = obj;
		nt.rights = acc;
		nt.err = ev->err;
		sp_enforce_note(e, &nt);
	}
	return 0;
}

/*
 * The kernel's blockers ("fs.read_file,fs.make_reg", "net.bind_tcp",
 * "scope.signal") as one need: kind, rights; false when none is Landlock's
 * as sysphase knows it.
 */
static bool need_of_record(const struct sp_audit_landlock *rec, struct ll_need *nd)
{
	char list[sizeof(rec->blockers)], *save = NULL;

	memset(nd, 0, sizeof(*nd));
	nd->port = rec->port;
	snprintf(list, sizeof(list), "%s", rec->blockers);
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "fs.", 3) && sp_ll_fs_parse(tok + 3)) {
			nd->kind = LL_FS;
			nd->rights |= sp_ll_fs_parse(tok + 3);
		} else if (!strncmp(tok, "net.", 4) && sp_ll_net_parse(tok + 4)) {
			nd->kind = LL_NET;
			nd->rights |= sp_ll_net_parse(tok + 4);
		} else if (!strncmp(tok, "scope.", 6) && sp_ll_scope_parse(tok + 6)) {
			nd->kind = LL_SCOPE;
			nd->rights |= sp_ll_scope_parse(tok + 6);
		}
	}
	/* Making, removing and moving names: the kernel names the directory. */
	nd->dir = nd->kind == LL_FS && (nd->rights & ~(SP_LL_FS_FILE | SP_LL_FS_READ_DIR));
	snprintf(nd->path, sizeof(nd->path), "%s", rec->object[0] ? rec->object : "?");
	return nd->rights != 0;
}

int sp_enforce_landlock_records(struct sp_enforcer *e)
{
	struct sp_audit_landlock rec;

	while (sp_records_next_landlock(e, &rec)) {
		struct proc *p = sp_proc_find(e, rec.pid);
		char obj[PATH_MAX + 48], acc[256];
		struct sp_enforce_note nt = {.kind = SP_NOTE_LANDLOCK, .by_kernel = true};
		struct ll_need nd;
		bool fresh = false;

		/* Records of the whole machine: only our processes' are named. */
		if (!p || !need_of_record(&rec, &nd) || p->installed < 0)
			continue;
		if (note(e, 0, 0, p->installed, &nd, nd.rights,
		         &(struct sp_event){.abi = SP_ABI_X86_64, .nr = rec.nr, .ts = -1},
		         &fresh) < 0)
			return -ENOMEM;
		if (!fresh)
			continue;
		object_name(&nd, nd.rights, obj, sizeof(obj), acc, sizeof(acc));
		if (rec.pid_creator) /* no SYSCALL record: the domain's creator, or a child of it */
			snprintf(obj + strlen(obj), sizeof(obj) - strlen(obj),
			         " (by it or a child it forked)");
		nt.pid = p->pid;
		nt.comm = p->comm;
		nt.phase = sp_enforce_phase_name(e, p->installed);
		nt.syscall = rec.nr >= 0 ? sp_syscall_name(SP_ABI_X86_64, rec.nr) : NULL;
		nt.abi = SP_ABI_X86_64;
		nt.nr = rec.nr;
		nt.object = obj;
		nt.rights = acc;
		sp_enforce_note(e, &nt);
	}
	return 0;
}
