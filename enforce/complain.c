/* SPDX-License-Identifier: MIT */
/*
 * Complain mode (docs/run.md): the same phases as enforcing, nothing
 * denied, every call enforcing would deny noted.
 *
 * A thread followed with syscall stops installs nothing: each of its calls
 * is run through the BPF program of every filter enforcing would have it
 * hold at that moment (filters stack, and the kernel takes the most
 * restrictive verdict of all: STYLE.md, pitfall 11), and a call one of
 * them denies is noted in that filter's phase.  Where run would follow a
 * thread by events alone, or let it go, it gets its phase's filter with
 * SECCOMP_RET_LOG as default instead, and is followed by events alone: it
 * runs at native speed, the kernel logs what the filter does not list,
 * and its forks are still seen, so that every process's records can be
 * told apart (the log holders below, copied at each fork event).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/seccomp.h>
#include <sys/mman.h>
#include <pthread.h>

#include "internal.h"
#include "sysphase/procfs.h"

/*
 * A LOG filter goes in with SP_ENFORCE_INJECT_FLAGS: the kernel audits
 * every call the filter does not list.  The answers make no record: the
 * supervisor judges those threads at their stops, and a record of theirs,
 * drained after the thread took a LOG filter, would be blamed on the
 * wrong phase.  (Where a LOG filter answers too, the newest filter of the
 * same action is the one whose flag counts: kernel/seccomp.c,
 * seccomp_run_filters.)
 */
#define ANSWER_FLAGS 0

static size_t hash(pid_t pid, long nr, int phase)
{
	return ((size_t)pid * 31u + (size_t)nr * 7u + (size_t)phase) % SP_ENFORCE_BUCKETS;
}

/* ---- entries: one per (process, phase, syscall) ---- */

static struct complaint *complaint_get(struct sp_enforcer *e, pid_t pid, int phase, enum sp_abi abi,
                                       long nr)
{
	struct complaint **head = &e->complaints[hash(pid, nr, phase)], *c;

	for (c = *head; c; c = c->next)
		if (c->pid == pid && c->phase == phase && c->abi == abi && c->nr == nr)
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = (struct complaint){.pid = pid, .phase = phase, .abi = abi, .nr = nr, .first = -1};
	c->next = *head;
	*head = c;
	e->n_complaints++;
	return c;
}

/*
 * Whether ev maps code where the complaint's arguments did not: one line
 * per call keeps one call's arguments, and export --merge lifts W^X only
 * from a logged PROT_EXEC (an exec'd program's ld.so maps data first, its
 * libraries with PROT_EXEC after).
 */
static bool maps_code_first(const struct complaint *c, const struct sp_event *ev)
{
	bool prot =
	    ev->name && (strcmp(ev->name, "mmap") == 0 || strcmp(ev->name, "mprotect") == 0 ||
	                 strcmp(ev->name, "pkey_mprotect") == 0);

	return prot && (ev->args[2] & PROT_EXEC) && !(c->args[2] & PROT_EXEC);
}

/*
 * A call the supervisor saw, which the filter of phase does not list (or
 * answers with errno answer, by design).
 */
static int complain_seen(struct sp_enforcer *e, struct thr *t, int phase, const struct sp_event *ev,
                         int answer)
{
	struct complaint *c = complaint_get(e, t->pid, phase, ev->abi, ev->nr);

	if (!c)
		return -ENOMEM;
	c->answer = answer;
	if (c->has_args && maps_code_first(c, ev))
		memcpy(c->args, ev->args, sizeof(c->args));
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

/* ---- which filters each process holds, kept past its end for late records ---- */

static struct log_holder *holder_find(const struct sp_enforcer *e, pid_t pid)
{
	for (struct log_holder *h = e->log_holders[hash(pid, 0, 0)]; h; h = h->next)
		if (h->pid == pid)
			return h;
	return NULL;
}

static struct log_holder *holder_get(struct sp_enforcer *e, pid_t pid)
{
	struct log_holder *h = holder_find(e, pid);

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->pid = pid;
	h->next = e->log_holders[hash(pid, 0, 0)];
	e->log_holders[hash(pid, 0, 0)] = h;
	return h;
}

int sp_complain_birth(struct sp_enforcer *e, pid_t parent, pid_t child)
{
	const struct log_holder *from = holder_find(e, parent);
	struct log_holder *to;

	if (!from && !holder_find(e, child))
		return 0;
	to = holder_get(e, child);
	if (!to)
		return -ENOMEM;
	/* A reused pid starts afresh: the child holds its parent's filters, no more. */
	to->held = from ? from->held : 0;
	to->logging = from ? from->logging : 0;
	return 0;
}

/* ---- a followed thread's calls ---- */

/* The phases of the filters in held that deny ev. */
static uint64_t denying(const struct sp_enforcer *e, uint64_t held, const struct sp_event *ev)
{
	uint64_t out = 0;

	for (int ph = 0; ph < (int)e->n_phases; ph++)
		if ((held & (1ULL << ph)) && e->filters[ph].observed &&
		    sp_enforce_violation(sp_enforce_verdict(e, ph, ev), ev))
			out |= 1ULL << ph;
	return out;
}

/*
 * The errno enforcing answers ev with by design where the policy decides
 * it (io_uring_setup's EPERM, held back unless export --allow-io-uring),
 * or 0.  Such a call is logged with its answer: the program tried it, got
 * the answer and took its fallback, and the merge says what that means.
 * clone3's ENOSYS is the same under every policy: not logged (no noise).
 */
static int decided_answer(const struct sp_event *ev)
{
	const char *name = ev->abi == SP_ABI_X86_64 ? sp_syscall_name(SP_ABI_X86_64, ev->nr) : NULL;

	return sp_filter_graceful_fixed(name) ? 0 : sp_filter_graceful_errno(name);
}

/* The phases of the filters in held that answer ev with errno err. */
static uint64_t answering(const struct sp_enforcer *e, uint64_t held, const struct sp_event *ev,
                          int err)
{
	uint64_t out = 0;

	for (int ph = 0; err && ph < (int)e->n_phases; ph++)
		if ((held & (1ULL << ph)) && e->filters[ph].observed &&
		    sp_enforce_verdict(e, ph, ev) == (SECCOMP_RET_ERRNO | (uint32_t)err))
			out |= 1ULL << ph;
	return out;
}

/*
 * Every filter t holds (or would hold) is judged, not only its phase's
 * (a process that execs keeps the filters of before): an entry in the
 * phase of each one that denies ev, but where a denial is covered by a
 * narrower one's (sp_enforce_blame).  A call they answer by design is
 * logged the same way, with its answer.
 */
static int judge(struct sp_enforcer *e, struct thr *t, const struct sp_event *ev)
{
	uint64_t blamed = sp_enforce_blame(e, denying(e, t->held, ev));
	int answer = 0;

	if (!blamed && (answer = decided_answer(ev)) != 0)
		blamed = sp_enforce_blame(e, answering(e, t->held, ev, answer));
	for (int ph = 0; blamed && ph < (int)e->n_phases; ph++)
		if ((blamed & (1ULL << ph)) && complain_seen(e, t, ph, ev, answer) < 0)
			return -ENOMEM;
	return 0;
}

static void take_phase(struct thr *t)
{
	t->installed = t->pending;
	t->held |= 1ULL << t->installed;
	t->pending = -1;
}

/*
 * Where a thread of the phase is followed by events alone, it gets the
 * phase's LOG filter; everywhere else the simulator judges its calls and
 * it holds the phase's answers only (answer_insns).
 */
static bool gets_log_filter(const struct sp_enforcer *e, int phase)
{
	return e->watch[phase].events_only && e->filters[phase].log_insns;
}

const struct sock_filter *sp_complain_initial_filter(const struct sp_enforcer *e, size_t *len,
                                                     unsigned *flags)
{
	const struct phase_filter *f = &e->filters[e->initial];

	*len = gets_log_filter(e, e->initial) ? f->log_len : f->answer_len;
	*flags = gets_log_filter(e, e->initial) ? SP_ENFORCE_INJECT_FLAGS : ANSWER_FLAGS;
	return gets_log_filter(e, e->initial) ? f->log_insns : f->answer_insns;
}

/*
 * Whether phase to answers a call differently from phase from: a thread
 * holds its phase's answers (or its LOG filter, which gives the same), so
 * moving between two phases that answer alike needs no filter.  Answers
 * only grow along the rules (filters nest): io_uring_setup allowed
 * before, answered EPERM after.
 */
static bool answers_change(const struct sp_enforcer *e, int from, int to)
{
	const struct phase_filter *a = from >= 0 ? &e->filters[from] : NULL;
	const struct phase_filter *b = &e->filters[to];

	return !a || a->answer_len != b->answer_len ||
	       memcmp(a->answer_insns, b->answer_insns, b->answer_len * sizeof(*b->answer_insns));
}

int sp_complain_step(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                     const struct sp_event *ev)
{
	const struct phase_filter *f;
	struct sp_filter_request req = {.flags = SP_ENFORCE_INJECT_FLAGS};
	const char *refused;
	int rc;

	if (judge(e, t, ev) < 0 || sp_complain_landlock_judge(e, t, ev) < 0)
		return -ENOMEM;
	if (t->pending < 0 || !ev->has_exit)
		return 0;
	f = &e->filters[t->pending];
	if (gets_log_filter(e, t->pending)) {
		req.insns = f->log_insns;
		req.len = f->log_len;
	} else if (answers_change(e, t->installed, t->pending)) {
		req.insns = f->answer_insns;
		req.len = f->answer_len;
		req.flags = ANSWER_FLAGS;
	} else {
		req.insns = NULL; /* nothing to install: the simulator judges */
	}
	/*
	 * A filter of its own refuses further filters (own_filter.c): it
	 * stays followed with stops, and the simulator judges its calls.
	 */
	if (req.insns && (refused = sp_enforce_sealed(e, t, false)) != NULL) {
		sp_enforce_note_sealed(e, t, refused);
		req.insns = NULL;
	}
	if (!req.insns) {
		/* What its process's filters logged so far is judged by them, not the next. */
		if ((rc = sp_complain_drain(e)) < 0)
			return rc;
		take_phase(t); /* what enforcing would install, judged by the simulator */
		return 0;
	}
	/* At the thread's next syscall-entry stop; sp_complain_handed_over when done. */
	req.tag = t->pending;
	return sp_tracer_install_filter(tracer, t->tid, &req) == -ENOMEM ? -ENOMEM : 0;
}

int sp_complain_handed_over(struct sp_enforcer *e, struct thr *t)
{
	int rc = sp_complain_drain(e); /* what was logged before is judged by the filters before */

	if (rc < 0)
		return rc;
	take_phase(t);
	if (!gets_log_filter(e, t->installed))
		return 0; /* its phase's answers: the simulator judges the rest */
	t->logging |= 1ULL << t->installed;
	return sp_complain_hold(e, t);
}

int sp_complain_hold(struct sp_enforcer *e, const struct thr *t)
{
	struct log_holder *h = holder_get(e, t->pid);

	if (!h)
		return -ENOMEM;
	h->held |= t->held;
	h->logging |= t->logging;
	return 0;
}

/* ---- the kernel's records ---- */

/*
 * The filters of the process that made a logged call: its own (every
 * process is followed, at least by events, and copies its parent's at its
 * fork event), or, for a process nothing announced, its nearest ancestor's,
 * from the parent read when its record came, then from /proc.
 */
static const struct log_holder *holder_of(const struct sp_enforcer *e, pid_t pid, pid_t ppid)
{
	const struct log_holder *h = holder_find(e, pid);

	for (int depth = 0; !h && ppid > 1 && depth < 16; depth++) {
		h = holder_find(e, ppid);
		ppid = sp_proc_ppid(ppid);
	}
	return h;
}

/*
 * A record's entry: in the phase of each held filter that denies the
 * call (sp_enforce_blame), else in each LOG filter's.  An answer by
 * design (answer, an errno) goes in the phases of the filters that give it.
 */
static int attribute(struct sp_enforcer *e, const struct sp_audit_seccomp *rec,
                     const struct log_holder *h, int answer)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL, .nr = rec->nr};
	uint64_t phases;

	ev.abi = sp_abi_classify(rec->arch, rec->nr);
	ev.name = sp_syscall_name(ev.abi, rec->nr);
	/* The record has no arguments: an argument-checked rule is judged on zeros. */
	phases = answer ? sp_enforce_blame(e, answering(e, h->held, &ev, answer))
	                : sp_enforce_blame(e, denying(e, h->held, &ev));
	if (!phases)
		phases = h->logging;
	for (int ph = 0; ph < (int)e->n_phases; ph++) {
		struct complaint *c;

		if (!(phases & (1ULL << ph)))
			continue;
		c = complaint_get(e, rec->pid, ph, ev.abi, rec->nr);
		if (!c)
			return -ENOMEM;
		if (c->count && !c->kernel)
			continue; /* seen at a ptrace stop already: the kernel saw the same calls */
		c->kernel = true;
		c->answer = answer;
		c->count++;
	}
	return 0;
}

/*
 * The records queued so far become entries, judged by the filters their
 * processes hold now: called at every event, and before a thread's
 * filters change, so that a call is judged by the filters of its time
 * (kauditd hands records on within moments).
 */
int sp_complain_drain(struct sp_enforcer *e)
{
	struct sp_record r;

	while (sp_records_next(e, &r)) {
		const struct log_holder *h = holder_of(e, r.rec.pid, r.ppid);
		int answer = 0, rc;

		if (!h)
			continue;
		if ((r.rec.code & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO) {
			/*
			 * The answer of a filter that gives it (clone3's ENOSYS, a
			 * hidden child's EPERM are not violations): logged where the
			 * policy decides it, from the threads of a LOG filter only (a
			 * followed thread's call is judged at its stop, and its
			 * record may come first).  The record holds the action,
			 * not its errno: told by the number.
			 */
			struct sp_event ev = {.nr = r.rec.nr};

			ev.abi = sp_abi_classify(r.rec.arch, r.rec.nr);
			answer = h->logging ? decided_answer(&ev) : 0;
			if (!answer)
				continue;
		} else if ((r.rec.code & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_LOG) {
			continue;
		}
		if ((rc = attribute(e, &r.rec, h, answer)) < 0)
			return rc;
	}
	return 0;
}

static int cmp_complaint(const void *a, const void *b)
{
	const struct complaint *x = *(const struct complaint *const *)a;
	const struct complaint *y = *(const struct complaint *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->phase != y->phase)
		return x->phase < y->phase ? -1 : 1;
	if (x->abi != y->abi)
		return x->abi < y->abi ? -1 : 1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static int write_one(struct sp_enforcer *e, const struct complaint *c, struct sp_diag *diag)
{
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
	    .answer = c->answer,
	};

	memcpy(out.args, c->args, sizeof(out.args));
	return sp_complain_write_entry(e->opts.complain, &out, diag);
}

/* Every entry, in (pid, phase, abi, nr) order. */
static int write_all(struct sp_enforcer *e, struct sp_diag *diag)
{
	const struct complaint **all = calloc(e->n_complaints ? e->n_complaints : 1, sizeof(*all));
	size_t n = 0;
	int rc = 0;

	if (!all)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t b = 0; b < SP_ENFORCE_BUCKETS; b++)
		for (const struct complaint *c = e->complaints[b]; c; c = c->next)
			all[n++] = c;
	sp_qsort(all, n, sizeof(*all), cmp_complaint);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_one(e, all[i], diag);
	free(all);
	return rc < 0 ? rc : sp_complain_landlock_write(e, diag);
}

int sp_complain_finish(struct sp_enforcer *e, struct sp_diag *diag)
{
	int rc;

	/*
	 * kauditd hands records on a little later, and later still on a
	 * loaded machine: a record of our own made now comes after all of
	 * the program's (sp_records_barrier).  Only where the stream cannot
	 * say, what is in flight until it has been quiet for 200 ms (2 s at
	 * most).
	 */
	if (!sp_records_barrier(e, 10000)) {
		for (int rounds = 0, quiet = 0; rounds < 40 && quiet < 4; rounds++) {
			quiet = sp_records_wait(e, 50) ? 0 : quiet + 1;
			if ((rc = sp_complain_drain(e)) < 0)
				return sp_diag_set(diag, -rc, "out of memory");
		}
	}
	sp_records_stop(e);
	rc = sp_complain_drain(e);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "out of memory");
	return write_all(e, diag);
}

/* The run's header, and the audit thread; -errno with diag when the log cannot be written. */
int sp_complain_start(struct sp_enforcer *e, char *const *argv, struct sp_diag *diag)
{
	json_t *program = json_array();
	int rc;

	if (!program)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(program, json_string(argv[i]));
	rc = sp_complain_write_header_ll(e->opts.complain, program, e->digest,
	                                 (long long)time(NULL), e->ll_simulate, diag);
	json_decref(program);
	return rc < 0 ? rc : 0;
}

void sp_complain_free(struct sp_enforcer *e)
{
	sp_complain_landlock_free(e);
	for (size_t b = 0; b < SP_ENFORCE_BUCKETS; b++) {
		while (e->complaints[b]) {
			struct complaint *c = e->complaints[b];

			e->complaints[b] = c->next;
			free(c->site);
			free(c);
		}
		while (e->log_holders[b]) {
			struct log_holder *h = e->log_holders[b];

			e->log_holders[b] = h->next;
			free(h);
		}
	}
	e->n_complaints = 0;
}
