/* SPDX-License-Identifier: MIT */
/*
 * The run engine: the phase detector online on every event, and each
 * thread moved to its phase's filter.
 *
 * The child installs the initial phase's filter before execve.  Phases
 * are per thread, as seccomp filters are (docs/rules.md): when a thread
 * enters a new phase, the supervisor makes that thread, and that thread
 * only, install the phase's (narrower) filter by injecting seccomp()
 * through ptrace, without TSYNC.  A new thread holds its creator's filter
 * (the kernel copies it at clone) and narrows when it reaches a
 * transition itself.  A thread in a phase it can never leave is detached
 * alone and runs on under BPF; the process's other threads stay followed.
 *
 * Why not SECCOMP_RET_TRACE triggers: a stacked RET_TRACE turns into
 * -ENOSYS once no tracer is attached, so enforced filters are pure
 * allow/deny and the triggers are watched with ordinary syscall stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "internal.h"
#include "sysphase/tracer.h"

/*
 * LOG makes the kernel audit every denial, which is how violations are
 * named.  No TSYNC: a filter goes to the thread whose phase it is.  TSYNC
 * would also move a thread still in glibc's start-up (rseq,
 * set_robust_list) or one its own filters keep apart.
 */
#define INJECT_FLAGS SECCOMP_FILTER_FLAG_LOG

/* ---- the process table ---- */

static struct proc *proc_find(struct sp_enforcer *e, pid_t pid)
{
	for (size_t i = 0; i < e->n_procs; i++)
		if (e->procs[i].pid == pid)
			return &e->procs[i];
	return NULL;
}

static struct proc *proc_get(struct sp_enforcer *e, pid_t pid)
{
	struct proc *p = proc_find(e, pid);

	if (p)
		return p;
	if (e->n_procs == e->cap_procs) {
		size_t cap = e->cap_procs ? e->cap_procs * 2 : 16;
		struct proc *grown = realloc(e->procs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		e->procs = grown;
		e->cap_procs = cap;
	}
	p = &e->procs[e->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->installed = -1;
	return p;
}

/* ---- the thread table ---- */

static struct thr *thr_find(struct sp_enforcer *e, pid_t tid)
{
	for (size_t i = 0; i < e->n_thrs; i++)
		if (e->thrs[i].tid == tid)
			return &e->thrs[i];
	return NULL;
}

static struct thr *thr_get(struct sp_enforcer *e, pid_t tid, pid_t pid)
{
	struct thr *t = thr_find(e, tid);

	if (t) {
		t->pid = pid;
		return t;
	}
	if (e->n_thrs == e->cap_thrs) {
		size_t cap = e->cap_thrs ? e->cap_thrs * 2 : 16;
		struct thr *grown = realloc(e->thrs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		e->thrs = grown;
		e->cap_thrs = cap;
	}
	t = &e->thrs[e->n_thrs++];
	*t = (struct thr){.tid = tid, .pid = pid, .installed = -1, .pending = -1};
	return t;
}

static void thr_drop(struct sp_enforcer *e, pid_t tid)
{
	struct thr *t = thr_find(e, tid);

	if (t)
		*t = e->thrs[--e->n_thrs];
}

static void proc_read_comm(struct proc *p)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, p->comm, sizeof(p->comm) - 1);
	close(fd);
	p->comm[n > 0 ? n : 0] = '\0';
	p->comm[strcspn(p->comm, "\n")] = '\0';
}

static void note(const struct sp_enforcer *e, struct sp_enforce_note *n)
{
	if (e->opts.on_note)
		e->opts.on_note(e->opts.ctx, n);
}

/* ---- naming violations from the kernel's audit records ---- */

static void report_audit_record(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	struct proc *p = proc_find(e, rec->pid);
	struct sp_enforce_note n = {.kind = SP_NOTE_DENIAL, .nr = rec->nr};

	if (!p)
		return;
	switch (rec->code & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		n.how = SP_DENIED_KILLED;
		break;
	case SECCOMP_RET_ERRNO:
		n.how = SP_DENIED_EPERM;
		break;
	case SECCOMP_RET_LOG:
		n.how = SP_DENIED_LOGGED;
		break;
	default:
		return; /* clone3's ENOSYS is an ERRNO; TRACE/TRAP are not ours */
	}
	/*
	 * run's filters fail clone3 with ENOSYS on purpose, and nothing else
	 * with an errno but calls outside the list.  The record holds the
	 * action without its data (seccomp_log gets ACTION_FULL only), so
	 * clone3's own ERRNO is told apart by its number.
	 */
	if ((rec->code & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO &&
	    sp_abi_classify(rec->arch, rec->nr) == SP_ABI_X86_64 && rec->nr == SYS_clone3)
		return;
	p->named = true;
	n.pid = p->pid;
	n.comm = p->comm;
	n.phase = sp_enforce_phase_name(e, p->installed);
	n.abi = sp_abi_classify(rec->arch, rec->nr);
	n.syscall = sp_syscall_name(n.abi, rec->nr);
	note(e, &n);
}

static void audit_scan(struct sp_enforcer *e)
{
	struct sp_audit_seccomp rec;

	if (e->opts.complain)
		return; /* the audit thread reads the stream (complain_start) */
	while (sp_audit_next(e->audit, &rec))
		report_audit_record(e, &rec);
}

/*
 * The kernel hands audit records to kauditd, which prints them a little
 * later: a process can be reaped before the record of the call that
 * killed it is in the log.  Wait for one about p, up to limit_ms.
 */
static bool audit_wait_for(struct sp_enforcer *e, struct proc *p, int limit_ms)
{
	struct timespec start, now;

	if (!sp_audit_available(e->audit))
		return p->named;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (audit_scan(e); !p->named; audit_scan(e)) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &now);
		spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= limit_ms || !sp_audit_wait(e->audit, (int)(limit_ms - spent)))
			break;
	}
	return p->named;
}

/*
 * No audit record came (auditd takes them, printk's rate limit dropped
 * them, /dev/kmsg is closed to us): name what we saw ourselves, the
 * denied call the process was in when it died, or at least the phase.
 */
static void report_unlogged_kill(struct sp_enforcer *e, struct proc *p)
{
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_DENIAL,
	    .pid = p->pid,
	    .comm = p->comm,
	    .phase = sp_enforce_phase_name(e, p->installed),
	    .syscall = p->denied,
	    .abi = p->denied_abi,
	    .nr = p->denied ? p->denied_nr : -1,
	    .how = SP_DENIED_KILLED,
	};

	p->named = true;
	note(e, &n);
}

/* At the end: the records still in flight, until the log has been quiet for a moment. */
static void audit_settle(struct sp_enforcer *e)
{
	audit_scan(e);
	if (!e->expect_records)
		return;
	for (int rounds = 0; rounds < 20 && sp_audit_wait(e->audit, 50); rounds++)
		audit_scan(e);
}

/* ---- moving threads between filters ---- */

static void fail_closed(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                        const char *reason)
{
	struct proc *p = proc_find(e, t->pid);
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_HANDOVER_FAILED,
	    .pid = t->pid,
	    .comm = p ? p->comm : "",
	    .phase = sp_enforce_phase_name(e, t->pending),
	    .held_phase = sp_enforce_phase_name(e, t->installed),
	    .reason = reason,
	};

	/* Never let a program run on under a wider filter than its phase allows. */
	sp_tracer_kill_process(tracer, t->pid);
	e->res->failed++;
	t->pending = -1;
	note(e, &n);
}

static int install_pending(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t)
{
	const struct phase_filter *f = &e->filters[t->pending];
	const struct phase_filter *held = t->installed >= 0 ? &e->filters[t->installed] : NULL;
	struct proc *p = proc_find(e, t->pid);
	struct sp_diag why = {{0}};
	int rc;

	/*
	 * The same program as the one held narrows nothing: stacking it again
	 * would only make every later syscall run one more filter.
	 */
	if (held && held->len == f->len &&
	    memcmp(held->insns, f->insns, f->len * sizeof(*f->insns)) == 0)
		goto installed;
	rc = sp_tracer_install_filter(tracer, t->tid, f->insns, f->len, INJECT_FLAGS, &why);
	if (rc == -ENOTSUP)
		return 0; /* not at a `syscall` instruction (execve, sigreturn): at the next exit */
	if (rc < 0) {
		fail_closed(e, tracer, t, why.msg);
		return 0;
	}
	e->res->handovers++;
installed:
	t->installed = t->pending;
	t->pending = -1;
	if (p)
		p->installed = t->installed;
	if (f->detach)
		sp_tracer_detach_thread_after(tracer, t->tid);
	return 0;
}

/* Thread t must get the filter of phase `to`, unless it holds it or the policy never saw it. */
static void make_pending(struct sp_enforcer *e, struct thr *t, int to)
{
	struct proc *p = proc_find(e, t->pid);

	t->pending = -1;
	if (to < 0 || to == t->installed)
		return;
	if (!e->filters[to].observed) {
		struct sp_enforce_note n = {
		    .kind = SP_NOTE_UNSEEN_PHASE,
		    .pid = t->pid,
		    .comm = p ? p->comm : "",
		    .phase = sp_enforce_phase_name(e, to),
		    .held_phase = sp_enforce_phase_name(e, t->installed),
		};

		note(e, &n);
		return;
	}
	t->pending = to;
}

/*
 * What the kernel does at clone and fork: the new thread holds its
 * creator's filter.  The detector put it in the phase the creator's event
 * is stamped with, which may be narrower (a transition the creator has not
 * installed yet): then it narrows at its own first syscall exit.
 */
static int note_birth(struct sp_enforcer *e, const struct sp_event *ev)
{
	bool fork = ev->type == SP_EV_FORK;
	struct thr *creator = thr_find(e, ev->tid);
	int held = creator ? creator->installed : -1;
	struct thr *child = thr_get(e, ev->child, fork ? ev->child : ev->pid);
	struct proc *p;

	if (!child)
		return -ENOMEM;
	child->installed = held;
	if (fork) {
		p = proc_get(e, ev->child);
		if (!p)
			return -ENOMEM;
		p->installed = held;
		proc_read_comm(p);
	}
	make_pending(e, child, sp_detector_thread_phase_index_of(e->detector, ev->child));
	return 0;
}

static int note_transition(struct sp_enforcer *e, const struct sp_transition *tr)
{
	struct proc *p = proc_get(e, tr->pid);
	struct thr *t;

	if (!p)
		return -ENOMEM;
	if (!p->comm[0])
		proc_read_comm(p);
	if (tr->kind == SP_TR_FORK)
		return 0; /* note_birth, from the fork event itself */
	t = thr_get(e, tr->tid, tr->pid);
	if (!t)
		return -ENOMEM;
	if (tr->kind == SP_TR_START && t->installed < 0 && !e->leader) {
		/* Only the launched program starts unannounced: it holds the initial filter. */
		t->installed = e->initial;
		p->installed = e->initial;
		e->leader = p->pid;
	}
	make_pending(e, t, tr->to);
	return 0;
}

/* exec from a non-leader thread: it goes on under the leader's id, the others are gone. */
static void note_exec(struct sp_enforcer *e, const struct sp_event *ev)
{
	struct thr *caller = thr_find(e, ev->former_tid);
	int installed = caller ? caller->installed : -1, pending = caller ? caller->pending : -1;
	struct thr *leader;

	thr_drop(e, ev->former_tid);
	leader = thr_get(e, ev->pid, ev->pid);
	if (leader && caller) {
		leader->installed = installed;
		leader->pending = pending;
	}
}

static bool denied(uint32_t verdict)
{
	return (verdict & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW;
}

/* ---- complain mode (docs/run.md): the same phases, unlisted calls logged ---- */

static struct complaint *complaint_get(struct sp_enforcer *e, pid_t pid, int phase, enum sp_abi abi,
                                       long nr)
{
	struct complaint *c;

	for (size_t i = 0; i < e->n_complaints; i++) {
		c = &e->complaints[i];
		if (c->pid == pid && c->phase == phase && c->abi == abi && c->nr == nr)
			return c;
	}
	if (e->n_complaints == e->cap_complaints) {
		size_t cap = e->cap_complaints ? e->cap_complaints * 2 : 32;
		struct complaint *grown = realloc(e->complaints, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		e->complaints = grown;
		e->cap_complaints = cap;
	}
	c = &e->complaints[e->n_complaints++];
	*c = (struct complaint){.pid = pid, .phase = phase, .abi = abi, .nr = nr, .first = -1};
	return c;
}

/* A call the supervisor saw, which the filter of t's phase does not list. */
static int complain_seen(struct sp_enforcer *e, struct thr *t, const struct sp_event *ev)
{
	struct complaint *c = complaint_get(e, t->pid, t->installed, ev->abi, ev->nr);

	if (!c)
		return -ENOMEM;
	if (c->count++ == 0 || !c->has_args) {
		c->tid = t->tid;
		c->first = ev->ts;
		c->has_args = true;
		c->kernel = false;
		memcpy(c->args, ev->args, sizeof(c->args));
		free(c->site);
		c->site = ev->site ? strdup(ev->site) : NULL;
	}
	return 0;
}

/*
 * Complain mode in a traced thread: the supervisor checks each call with
 * the filter of the phase the thread is in (sp_enforce_verdict runs the
 * real program), and moves it between phases without installing
 * anything, except where run would let it go: there it gets the phase's
 * filter with SECCOMP_RET_LOG as its default action and is let go, so
 * that it runs at full speed and the kernel logs what it would have
 * denied (complain_collect).
 */
static int complain(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                    const struct sp_event *ev)
{
	const struct phase_filter *f;
	struct sp_diag why = {{0}};
	struct proc *p;
	int rc;

	if (t->installed >= 0 && e->filters[t->installed].observed &&
	    denied(sp_enforce_verdict(e, t->installed, ev)) && complain_seen(e, t, ev) < 0)
		return -ENOMEM;
	if (t->pending < 0 || !ev->has_exit)
		return 0;
	f = &e->filters[t->pending];
	if (!f->detach || !f->log_insns) {
		t->installed = t->pending;
		t->pending = -1;
		return 0;
	}
	if (ev->abi != SP_ABI_X86_64)
		return 0;
	rc = sp_tracer_install_filter(tracer, t->tid, f->log_insns, f->log_len, INJECT_FLAGS, &why);
	if (rc == -ENOTSUP)
		return 0;
	if (rc < 0) {
		fail_closed(e, tracer, t, why.msg);
		return 0;
	}
	e->res->handovers++;
	t->installed = t->pending;
	t->pending = -1;
	p = proc_find(e, t->pid);
	if (p)
		p->let_go |= 1ULL << t->installed;
	sp_tracer_detach_thread_after(tracer, t->tid);
	return 0;
}

/* Counts one LOG record by (pid, arch, nr); the caller holds the lock. */
static int logged_add(struct sp_enforcer *e, const struct sp_audit_seccomp *rec)
{
	size_t i;

	if ((rec->code & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_LOG)
		return 0;
	for (i = 0; i < e->n_logged; i++)
		if (e->logged[i].pid == rec->pid && e->logged[i].arch == rec->arch &&
		    e->logged[i].nr == rec->nr) {
			e->logged[i].count++;
			return 0;
		}
	if (e->n_logged == e->cap_logged) {
		size_t cap = e->cap_logged ? e->cap_logged * 2 : 32;
		struct logged *grown = realloc(e->logged, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		e->logged = grown;
		e->cap_logged = cap;
	}
	e->logged[e->n_logged++] = (struct logged){rec->pid, rec->arch, rec->nr, 1};
	return 0;
}

/*
 * The audit thread: drains the stream all along, so that a burst of LOG
 * records from threads let go never overflows the socket's buffer while
 * the supervisor waits for ptrace stops.
 */
static void *audit_main(void *opaque)
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
			if (logged_add(e, &rec) < 0)
				e->audit_enomem = true;
			pthread_mutex_unlock(&e->lock);
		}
	}
	return NULL;
}

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

/*
 * The process whose let-go threads made a logged call of pid: pid itself,
 * or, for a child forked by a thread let go (never followed, it holds
 * that thread's filter), its nearest known ancestor.
 */
static struct proc *logging_proc(struct sp_enforcer *e, pid_t pid)
{
	for (int depth = 0; pid > 1 && depth < 16; depth++) {
		struct proc *p = proc_find(e, pid);

		if (p && p->let_go)
			return p;
		pid = parent_of(pid);
	}
	return NULL;
}

/*
 * The kernel's records become entries of the phases whose LOG filter made
 * them.  A record names the process, not the thread: when threads of one
 * process were let go in several phases, the call is an entry of each
 * (a merge then allows it in each, never too little).
 */
static int complain_collect(struct sp_enforcer *e)
{
	struct sp_audit_seccomp rec;

	pthread_mutex_lock(&e->lock);
	e->stop_audit = true;
	pthread_mutex_unlock(&e->lock);
	if (e->audit_thread_running)
		pthread_join(e->audit_thread, NULL);
	e->audit_thread_running = false;
	if (e->audit_enomem)
		return -ENOMEM;
	/* kauditd hands records on a little later: what is still in flight. */
	for (int rounds = 0; rounds < 4 && sp_audit_wait(e->audit, 50); rounds++)
		while (sp_audit_next(e->audit, &rec))
			if (logged_add(e, &rec) < 0)
				return -ENOMEM;
	for (size_t i = 0; i < e->n_logged; i++) {
		const struct logged *l = &e->logged[i];
		struct proc *p = logging_proc(e, l->pid);

		if (!p)
			continue; /* not one of ours */
		for (int ph = 0; ph < (int)e->n_phases; ph++) {
			struct complaint *c;

			if (!(p->let_go & (1ULL << ph)))
				continue;
			c = complaint_get(e, l->pid, ph, sp_abi_classify(l->arch, l->nr), l->nr);
			if (!c)
				return -ENOMEM;
			if (c->count == 0)
				c->kernel = true;
			c->count += l->count;
		}
	}
	return 0;
}

static int cmp_complaint(const void *a, const void *b)
{
	const struct complaint *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->abi != y->abi)
		return x->abi < y->abi ? -1 : 1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static int complain_write_all(struct sp_enforcer *e, struct sp_diag *diag)
{
	sp_qsort(e->complaints, e->n_complaints, sizeof(*e->complaints), cmp_complaint);
	for (size_t i = 0; i < e->n_complaints; i++) {
		const struct complaint *c = &e->complaints[i];
		struct sp_complaint out = {
		    .pid = c->pid,
		    .tid = c->tid,
		    .phase = sp_enforce_phase_name(e, c->phase),
		    .name = sp_syscall_name(c->abi, c->nr),
		    .abi = c->abi,
		    .nr = c->nr,
		    .count = c->count,
		    .first = c->first,
		    .has_args = c->has_args,
		    .site = c->site,
		    .kernel = c->kernel,
		};
		int rc;

		memcpy(out.args, c->args, sizeof(out.args));
		rc = sp_complain_write_entry(e->opts.complain, &out, diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The run's header, and the audit thread; -errno with diag when the log cannot be written. */
static int complain_start(struct sp_enforcer *e, char *const *argv, struct sp_diag *diag)
{
	json_t *program = json_array();
	int rc;

	if (!program)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(program, json_string(argv[i]));
	rc = sp_complain_write_header(e->opts.complain, program, e->digest, (long long)time(NULL),
	                              diag);
	json_decref(program);
	if (rc < 0)
		return rc;
	e->stop_audit = false;
	if (sp_audit_available(e->audit) &&
	    pthread_create(&e->audit_thread, NULL, audit_main, e) == 0)
		e->audit_thread_running = true;
	return 0;
}

static int on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev)
{
	struct sp_enforcer *e = opaque;
	struct sp_transition tr;
	struct proc *p;
	struct thr *t;
	int rc;

	rc = sp_detector_feed(e->detector, ev, &tr);
	if (rc < 0)
		return rc;
	if (rc == 1 && (rc = note_transition(e, &tr)) < 0)
		return rc;
	if ((ev->type == SP_EV_CLONE || ev->type == SP_EV_FORK) && (rc = note_birth(e, ev)) < 0)
		return rc;
	if (ev->type == SP_EV_EXEC && ev->former_tid)
		note_exec(e, ev);

	p = proc_find(e, ev->pid);
	t = thr_find(e, ev->tid);
	if (ev->type == SP_EV_EXEC && p)
		proc_read_comm(p);
	if (ev->type == SP_EV_SYSCALL && ev->err == EPERM)
		e->expect_records = true;
	if (ev->type == SP_EV_SIGNAL || ev->type == SP_EV_EXIT ||
	    (ev->type == SP_EV_SYSCALL && ev->err == EPERM))
		audit_scan(e);
	if (ev->type == SP_EV_EXIT) {
		thr_drop(e, ev->tid);
		if (ev->whole_process && p) {
			p->gone = true;
			if (ev->killed && ev->signo == SIGSYS && !audit_wait_for(e, p, 1000))
				report_unlogged_kill(e, p);
		}
		return 0;
	}
	if (ev->type != SP_EV_SYSCALL || !p || !t)
		return 0;
	if (!ev->has_exit && t->installed >= 0 && e->filters[t->installed].observed &&
	    denied(sp_enforce_verdict(e, t->installed, ev))) {
		p->denied = ev->name;
		p->denied_abi = ev->abi;
		p->denied_nr = ev->nr;
		p->installed = t->installed;
	}
	if (e->opts.complain)
		return complain(e, tracer, t, ev);
	/* Injection needs the thread at a syscall-exit stop: that is where we are now. */
	if (t->pending >= 0 && ev->has_exit && ev->abi == SP_ABI_X86_64)
		return install_pending(e, tracer, t);
	return 0;
}

/* ---- the child's side: the first filter, before execve ---- */

static int install_initial_filter(void *opaque)
{
	const struct sp_enforcer *e = opaque;
	const struct phase_filter *f = &e->filters[e->initial];
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};

	/*
	 * Unprivileged filters need it, and it keeps setuid binaries from
	 * escaping the filter.  Complain mode too: it injects a filter where
	 * run lets a thread go.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (e->opts.complain) {
		if (!f->detach || !f->log_insns)
			return 0;
		prog.len = (unsigned short)f->log_len;
		prog.filter = f->log_insns;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, INJECT_FLAGS, &prog) < 0)
		return -errno;
	return 0;
}

/* ---- the library's face ---- */

int sp_enforcer_new(const char *policy_path, const struct sp_enforcer_opts *opts,
                    struct sp_enforcer **out, struct sp_diag *diag)
{
	struct sp_enforcer *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (!e)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	e->opts = *opts;
	pthread_mutex_init(&e->lock, NULL);
	rc = sp_enforce_load(e, policy_path, diag);
	if (rc < 0) {
		sp_enforcer_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void sp_enforcer_free(struct sp_enforcer *e)
{
	if (!e)
		return;
	sp_enforce_unload(e);
	sp_audit_close(e->audit);
	free(e->procs);
	free(e->thrs);
	for (size_t i = 0; i < e->n_complaints; i++)
		free(e->complaints[i].site);
	free(e->complaints);
	free(e->logged);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

void sp_enforcer_request_stop(int signo)
{
	sp_tracer_request_stop(signo);
}

int sp_enforcer_run(struct sp_enforcer *e, char *const *argv, struct sp_enforce_result *res,
                    struct sp_diag *diag)
{
	struct sp_tracer_opts topts = {.argv = argv, .strsize = 256};
	struct sp_tracer_result tres;
	struct proc *leader;
	int rc;

	memset(res, 0, sizeof(*res));
	e->res = res;
	e->error = 0;
	if (!e->audit) {
		e->audit = sp_audit_open();
		if (!e->audit)
			return sp_diag_set(diag, ENOMEM, "out of memory");
	}
	/* Denials of errno and log filters leave no other trace than their record. */
	e->expect_records = e->opts.def != SP_ACTION_KILL || e->opts.graded;
	topts.pre_exec = install_initial_filter;
	topts.on_event = on_event;
	topts.ctx = e;
	if (e->opts.complain && (rc = complain_start(e, argv, diag)) < 0)
		return rc;
	rc = sp_tracer_run(&topts, &tres, diag);
	if (e->opts.complain && !e->error) {
		e->error = complain_collect(e);
		if (e->error == 0)
			e->error = complain_write_all(e, &e->diag);
		else
			sp_diag_set(&e->diag, -e->error, "out of memory");
	}
	if (e->error) {
		if (diag)
			*diag = e->diag;
		return e->error;
	}
	if (rc == 0 && tres.status == 128 + SIGSYS)
		e->expect_records = true;
	audit_settle(e);
	/* A detached program's death is seen only here, through its exit status. */
	leader = proc_find(e, e->leader);
	if (rc == 0 && tres.status == 128 + SIGSYS && leader && !leader->gone &&
	    !audit_wait_for(e, leader, 1000))
		report_unlogged_kill(e, leader);
	if (rc < 0)
		return rc;
	res->status = tres.status;
	res->interrupted = tres.interrupted;
	return 0;
}
