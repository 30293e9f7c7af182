/* SPDX-License-Identifier: MIT */
/*
 * Trigger stops: a thread that stays in a phase whose exits are syscall
 * triggers pays a ptrace stop only at the calls that may fire or arm one
 * of them (DESIGN.md, invariant 6), not at every call.
 *
 * Such a thread gets, on top of its phase's filter, a trigger filter that
 * answers SECCOMP_RET_TRACE (data SP_TRACER_TRACE_MARK) for those calls,
 * and for calls of any other ABI, and SECCOMP_RET_ALLOW for the rest: the
 * phase's filter, which it holds already, still judges every call (the
 * kernel takes the most restrictive verdict of all, and re-runs them after
 * our stop), so nothing is widened.  The thread is then resumed with
 * PTRACE_CONT and stops only at those calls, each run to its exit and
 * handed to the detector whole, as with syscall stops.  The calls left
 * out can match no trigger that may fire from there, so the detector
 * moves the thread exactly as it would with every call seen.
 *
 * The price: a RET_TRACE filter can never be removed, and with no tracer
 * the kernel fails the calls it traces with ENOSYS.  A thread holding one
 * (and every thread and child it makes, which inherit it) is never let
 * go: in a final phase it stays followed by events and pays one stop per
 * traced call for good.  So it goes only to threads that show they stay:
 * SP_TRIGGER_STOPS_AFTER calls the trigger filter would let through, made
 * in the same phase without a transition, and none of them creating a
 * thread or a process (creates_tasks).  A thread about to reach its
 * steady state (a server's main thread, unbound's workers) gets there
 * well before that and is let go at native speed as before; a worker that
 * never makes a steady-state wait (redis's I/O and bio threads) crosses it
 * early in its life.  Counted in calls, never in time: the same program
 * makes the same choice on a loaded machine.
 *
 * Complain mode keeps syscall stops: it judges every call of a followed
 * thread with the simulator (complain.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "internal.h"

/*
 * Calls the trigger filter would let through, made in one phase without a
 * transition, before a thread gets one.  Measured under the generic rules
 * (docs/run.md): before their first steady-state wait redis's main thread
 * makes about 200 such calls, unbound's workers about 950 (mprotect as
 * their caches grow: more with larger caches), memcached's workers 10; a
 * redis I/O thread makes one per reply it writes.  10000 is ten times the
 * most seen in a thread that then reached its steady state, and costs a
 * thread that stays about 20000 stops, once.
 */
#define SP_TRIGGER_STOPS_AFTER 10000

static void mark(struct phase_watch *w, long nr)
{
	if (nr >= 0 && nr < 1024)
		w->trace_nr[nr / 8] |= (uint8_t)(1u << (nr % 8));
}

static bool marked(const struct phase_watch *w, long nr)
{
	return nr >= 0 && nr < 1024 && ((w->trace_nr[nr / 8] >> (nr % 8)) & 1);
}

struct marking {
	struct phase_watch *w;
	bool unseen; /* a call the phase's filter may fail with an errno, before our TRACE */
};

/*
 * Calls every filter run installs may fail with an errno whatever the
 * allowlist (docs/run.md, "Children stay visible", "userfaultfd is
 * refused"): clone3, io_uring_setup, clone with CLONE_UNTRACED,
 * userfaultfd and its ioctls.  An ERRNO outranks TRACE: such a call would
 * never stop a thread on trigger stops, where syscall stops see it fail.
 */
static bool may_fail_by_design(const char *name)
{
	return sp_filter_graceful_errno(name) != 0 || strcmp(name, "clone") == 0 ||
	       strcmp(name, "userfaultfd") == 0 || strcmp(name, "ioctl") == 0;
}

/* One call a trigger names, unless the tracer shows it without a stop (exit, exit_group). */
static void mark_name(void *ctx, const char *name)
{
	struct marking *m = ctx;

	if (strcmp(name, "exit") == 0 || strcmp(name, "exit_group") == 0)
		return;
	m->unseen |= may_fail_by_design(name);
	mark(m->w, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name));
}

/*
 * Phase i's calls: every trigger of an edge leaving it, and every "after"
 * trigger of an edge reachable from it (reach: without an exec, which
 * clears what was met), which a call here may arm.  Whether no trigger
 * filter serves: some trigger matches any call at all, or names one that
 * a filter may fail with an errno before our TRACE could stop it.
 */
static bool phase_calls(const struct sp_enforcer *e, size_t i, const uint64_t *reach,
                        struct phase_watch *w)
{
	const struct sp_rules *r = e->rules;
	struct marking m = {.w = w};
	bool any = false;

	for (size_t k = 0; k < sp_rules_edge_count(r); k++) {
		const struct sp_rules_edge *edge = sp_rules_edge(r, k);

		if ((size_t)edge->from == i)
			any |= sp_rules_edge_calls(r, k, false, mark_name, &m) == 1;
		if (reach[i] & (1ULL << edge->from))
			any |= sp_rules_edge_calls(r, k, true, mark_name, &m) == 1;
	}
	any |= m.unseen;
	/*
	 * A filter of the program's own would outrank the trigger filter
	 * (its ERRNO or KILL hides a trigger call): the calls that install one
	 * stop too, and the tracer goes back to syscall stops (tracer/events.c).
	 */
	mark(w, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "seccomp"));
	mark(w, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "prctl"));
	return any;
}

/*
 * TRACE for the marked calls and for every call of another ABI (i386
 * through int 0x80, x32: libseccomp sends x32 numbers to the bad-arch
 * action when the filter has no x32), ALLOW for the rest.
 */
int sp_trigger_filter_bpf(const uint8_t *calls, struct sock_filter **insns, size_t *len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	*insns = NULL;
	*len = 0;
	if (!ctx)
		return -ENOMEM;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(SP_TRACER_TRACE_MARK));
	for (long nr = 0; rc == 0 && nr < 1024; nr++)
		if ((calls[nr / 8] >> (nr % 8)) & 1)
			rc =
			    seccomp_rule_add(ctx, SCMP_ACT_TRACE(SP_TRACER_TRACE_MARK), (int)nr, 0);
	if (rc == 0)
		rc = sp_filter_bpf(ctx, insns, len);
	seccomp_release(ctx);
	return rc;
}

static int build_trace_filter(struct sp_enforcer *e, size_t i, struct sp_diag *diag)
{
	struct phase_watch *w = &e->watch[i];
	int rc = sp_trigger_filter_bpf(w->trace_nr, &w->trace_insns, &w->trace_len);

	if (rc < 0)
		return sp_diag_set(diag, -rc, "phase '%s': cannot build its trigger filter: %s",
		                   sp_enforce_phase_name(e, (int)i), strerror(-rc));
	return 0;
}

int sp_enforce_triggers_load(struct sp_enforcer *e, const uint64_t *reach_no_exec,
                             struct sp_diag *diag)
{
	/*
	 * Under --default-action errno a call outside the phase's list fails
	 * with EPERM, which outranks TRACE: a trigger call the phase denies
	 * would go unseen, where syscall stops see it (and move the thread on).
	 * Under kill the process dies of it either way; log and graded's LOG
	 * rank below TRACE.
	 */
	if (e->opts.def == SP_ACTION_ERRNO)
		return 0;
	for (size_t i = 0; i < e->n_phases; i++) {
		struct phase_watch *w = &e->watch[i];
		int rc;

		if (w->events_only || !e->filters[i].observed || e->opts.complain)
			continue;
		if (phase_calls(e, i, reach_no_exec, w))
			continue;
		rc = build_trace_filter(e, i, diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void sp_enforce_triggers_unload(struct sp_enforcer *e)
{
	for (size_t i = 0; e->watch && i < e->n_phases; i++)
		free(e->watch[i].trace_insns);
}

bool sp_enforce_trace_covers(const struct sp_enforcer *e, int held, int phase)
{
	const struct phase_watch *h, *p;

	if (held < 0 || phase < 0 || (size_t)held >= e->n_phases || (size_t)phase >= e->n_phases)
		return false;
	h = &e->watch[held];
	p = &e->watch[phase];
	/* A phase no trigger filter serves needs every call. */
	if (!p->trace_insns)
		return false;
	for (size_t b = 0; b < sizeof(p->trace_nr); b++)
		if (p->trace_nr[b] & ~h->trace_nr[b])
			return false;
	return true;
}

/*
 * A thread that creates threads or processes in its phase gets no trigger
 * filter there: they would inherit it and never be let go, and the
 * workers a main thread starts in its start-up are what most often reach
 * a steady state and run at native speed once let go.
 */
static bool creates_tasks(const struct sp_event *ev)
{
	return ev->name && (strcmp(ev->name, "clone") == 0 || strcmp(ev->name, "clone3") == 0 ||
	                    strcmp(ev->name, "fork") == 0 || strcmp(ev->name, "vfork") == 0);
}

/* Tags of trigger filters' hand-overs: phases' are >= 0. */
#define TRACE_TAG(phase) (-2L - (phase))

int sp_enforce_trace_phase_of_tag(long tag)
{
	return tag <= -2 ? (int)(-2L - tag) : -1;
}

int sp_enforce_count_call(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                          const struct sp_event *ev)
{
	int phase = sp_detector_thread_phase_index_of(e->detector, t->tid);
	const struct phase_watch *w;
	struct sp_filter_request req;

	if (phase < 0 || (size_t)phase >= e->n_phases || e->opts.complain)
		return 0;
	if (phase != t->calls_phase) {
		t->calls_phase = phase;
		t->calls = 0;
		t->spawned = false;
	}
	w = &e->watch[phase];
	if (!w->trace_insns || t->trace_phase >= 0 || t->trace_asked || t->trace_refused ||
	    t->pending >= 0)
		return 0;
	if (creates_tasks(ev))
		t->spawned = true;
	if (t->spawned)
		return 0;
	if (ev->abi != SP_ABI_X86_64 || marked(w, ev->nr) || ++t->calls < SP_TRIGGER_STOPS_AFTER)
		return 0;
	req = (struct sp_filter_request){
	    .insns = w->trace_insns,
	    .len = w->trace_len,
	    /* No SECCOMP_FILTER_FLAG_LOG: it would audit every traced call. */
	    .flags = 0,
	    .tag = TRACE_TAG(phase),
	    .trace = true,
	};
	t->trace_asked = true;
	return sp_tracer_install_filter(tracer, t->tid, &req) == -ENOMEM ? -ENOMEM : 0;
}

void sp_enforce_trace_handed_over(struct sp_enforcer *e, struct thr *t, int phase, int rc,
                                  const char *why)
{
	struct proc *p = sp_proc_find(e, t->pid);
	struct sp_enforce_note n = {
	    .kind = SP_NOTE_TRIGGER_STOPS,
	    .pid = t->pid,
	    .tid = t->tid,
	    .comm = p ? p->comm : "",
	    .phase = sp_enforce_phase_name(e, phase),
	    .calls = t->calls,
	    .reason = rc < 0 ? why : NULL,
	};

	t->trace_asked = false;
	if (rc == 0) {
		t->trace_phase = phase;
		e->res->trigger_stops++;
	} else {
		/* It keeps its syscall stops, where every call shows: correct, only slower. */
		t->trace_refused = true;
	}
	sp_enforce_note(e, &n);
}
