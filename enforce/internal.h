/* SPDX-License-Identifier: MIT */
/*
 * The enforcer's state, shared by its files (private to enforce/).
 */
#ifndef SYSPHASE_ENFORCE_INTERNAL_H
#define SYSPHASE_ENFORCE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <linux/seccomp.h>

#include "audit.h"
#include "sysphase/tracer.h"
#include "sysphase/enforce.h"
#include "sysphase/phases.h"
#include "sysphase/policy.h"

/* One phase of the rules and the filter that enforces it. */
struct phase_filter {
	bool observed; /* the policy has it: the recorded run entered it */
	struct sock_filter *insns;
	size_t len;
	bool leaves; /* the rules let a process leave it (not final, has exits) */
	/*
	 * A thread there is let go: it can never leave the phase, and the
	 * children it forks start in it too (a thread let go no longer
	 * reports its forks, so a phase whose children start elsewhere keeps
	 * its threads followed).
	 */
	bool detach;
	/*
	 * Complain mode, detach phases: the same allowlist with SECCOMP_RET_LOG
	 * as its default, installed when a thread is let go, so the kernel
	 * logs what it would have denied.
	 */
	struct sock_filter *log_insns;
	size_t log_len;
	/*
	 * Complain mode: what the enforced filter answers with an errno
	 * (io_uring_setup EPERM, clone3 ENOSYS...), everything else allowed:
	 * what a thread the supervisor judges itself holds, so that the
	 * program takes the path it will take under enforcement.
	 */
	struct sock_filter *answer_insns;
	size_t answer_len;
	size_t n_allow;
	struct sp_allow *allow; /* the enforce allowlist, sorted by name (nesting checks) */
};

/*
 * What the supervisor knows of each thread it follows: filters and phases
 * are per thread (docs/run.md).  Hung on the tracer's entry for the thread
 * (sp_tracer_thread_data), freed when the tracer stops following it.
 */
struct thr {
	pid_t tid, pid;
	void *phases;  /* the detector's state machine for it (sp_detector_lend_slots) */
	bool let_go;   /* being let go: its process's let-go bookkeeping when it is freed */
	int installed; /* phase whose filter the thread holds (last installed), -1 none */
	int pending;   /* phase whose filter it must get at its next syscall entry, -1 none */
	/*
	 * Every phase whose filter it holds, inherited ones included: the
	 * kernel runs them all and the most restrictive verdict wins.  In
	 * complain mode, the filters enforcing would have installed.
	 */
	uint64_t held;
	uint64_t logging; /* complain mode: phases whose LOG filter it really holds */
	bool events_only; /* followed by process events alone (sp_tracer_set_events_only) */
	int ll_id;        /* the Landlock layer it holds, as landlock.c numbers them; 0 none */
	/*
	 * Trigger stops (triggers.c): the phase whose trigger filter it holds
	 * (inherited; -1 none: then it may be let go), whether one is asked
	 * for or was refused, and the calls that filter would let through
	 * made since it entered calls_phase (enforce/triggers.c).
	 */
	int trace_phase;
	bool trace_asked, trace_refused;
	bool trigger_only; /* followed by its trigger stops (sp_tracer_set_trigger_only) */
	int calls_phase;
	unsigned long calls;
	bool spawned; /* it made a thread or process in calls_phase: no trigger filter there */
	/*
	 * How many of its oldest filters were read back and are sysphase's
	 * programs (sp_enforce_sealed): not read again.  Inherited.
	 */
	long ours_filters;
};

/*
 * What the supervisor knows of each process it follows.  Freed after a
 * stay among the recently gone (for an audit record that comes late) once
 * the process exits, or once every thread of it is let go and a sweep
 * finds it gone.
 */
struct proc {
	struct proc *next; /* hash chain */
	pid_t pid;
	int installed;     /* phase of its denials' filter (a thread's, last seen), -1 none */
	unsigned nthreads; /* threads of it still followed */
	bool gone;         /* ended: kept a while to name a denial whose record comes late */
	bool let_go;       /* every thread of it is let go (and it is not known gone) */
	bool named;        /* a note has named a denial of it */
	char comm[32];
	/* The last unfinished call its filter denies: what killed it, if it dies of SIGSYS. */
	const char *denied;
	enum sp_abi denied_abi;
	long denied_nr;
};

#define SP_ENFORCE_BUCKETS   1024
/*
 * Ended processes, followed or let go, kept for their late audit records
 * (state.c): about 100 bytes each.
 */
#define SP_ENFORCE_GRAVEYARD 1024

/* Complain mode: one entry per (process, phase, syscall). */
struct complaint {
	struct complaint *next; /* hash chain */
	pid_t pid, tid;
	int phase;
	enum sp_abi abi;
	long nr;
	uint64_t count;
	double first;
	bool has_args, kernel;
	int answer; /* the errno enforcing answers it with by design, 0 for a denial */
	uint64_t args[6];
	char *site;
};

/* A seccomp record the reader thread queued (records.c). */
struct sp_record {
	struct sp_audit_seccomp rec;
	pid_t ppid; /* complain mode, LOG records: its parent then, 0 unknown */
};

#define SP_RECORD_QUEUE 16384 /* records kept between two events; more are lost, and said */
#define SP_LL_RECORDS   64    /* Landlock denials kept between two events (the same) */

/*
 * Complain mode: per process id, the phases whose LOG filters its threads
 * hold (installed there, or inherited at fork).  Kept after the process
 * is gone, since the kernel's records come later; a fork that reuses the
 * pid starts it afresh.
 */
struct log_holder {
	struct log_holder *next;
	pid_t pid;
	uint64_t held;    /* every filter its threads hold, LOG or only "would hold" */
	uint64_t logging; /* those really installed, with SECCOMP_RET_LOG */
};

/* Per phase of the rules: what the supervisor must watch there (watch.c). */
struct phase_watch {
	/*
	 * No syscall-triggered transition leaves it, nor can any "after"
	 * trigger still to be armed be matched by a syscall: a thread there
	 * is followed by process events alone (DESIGN.md, invariant 6).
	 */
	bool events_only;
	/*
	 * The phases reachable from it along edges that are not repeats: their
	 * filters nest in its own (policy.c checks), so a call one of them
	 * lacks is added to them, and a merge widens this one by closure.
	 */
	uint64_t narrows_to;
	/* Some trigger that may fire there looks at the stack: capture it at these calls. */
	uint8_t stack_nr[1024 / 8];
	/*
	 * Some trigger that may fire or be armed there may match these calls:
	 * only their arguments are decoded (the rest match no trigger, so the
	 * detector never looks at them).
	 */
	uint8_t args_nr[1024 / 8];
	/*
	 * Trigger stops (triggers.c): the x86-64 calls that may fire or arm a
	 * transition of a thread there, and the trigger filter that traces
	 * them; trace_insns NULL where none serves (the phase is followed by
	 * events, a trigger matches any call, complain mode).
	 */
	uint8_t trace_nr[1024 / 8];
	struct sock_filter *trace_insns;
	size_t trace_len;
};

struct sp_enforcer {
	struct sp_enforcer_opts opts;
	struct sp_policy *policy;
	struct sp_rules *rules;
	struct sp_detector *detector;
	struct phase_filter *filters; /* indexed by rules phase */
	size_t n_phases;
	int initial;

	struct sp_audit *audit;
	bool expect_records;     /* a denial may still be on its way to the kernel log */
	const char *unnamed_why; /* why the records cannot name our processes; NULL: they can */
	bool unnamed_noted;      /* SP_NOTE_UNNAMED said */

	struct phase_watch *watch; /* indexed by rules phase */
	bool rules_need_stack;     /* some trigger looks at stacks */
	uint64_t unseen_noted;     /* phases the policy never saw, already noted */
	uint64_t sealed_noted;     /* phases kept by a thread its own filter seals, already noted */

	struct proc *procs[SP_ENFORCE_BUCKETS];
	struct sp_tracer *tracer; /* during a run: the thread records hang on its entries */
	size_t n_procs, n_thrs, n_let_go, sweep_at;
	pid_t graveyard[SP_ENFORCE_GRAVEYARD]; /* ring of ended processes, oldest first */
	size_t n_graveyard, graveyard_head;
	pid_t leader;     /* the launched program */
	pid_t attach_pid; /* sp_enforcer_attach's process, 0 when launched */
	bool leader_gone; /* and its exit was seen */
	int leader_installed;

	struct complaint *complaints[SP_ENFORCE_BUCKETS];
	size_t n_complaints;
	struct log_holder *log_holders[SP_ENFORCE_BUCKETS];
	/* The reader thread (records.c) and its queue, under lock. */
	pthread_t audit_thread;
	bool audit_thread_running;
	pthread_mutex_t lock;
	pthread_cond_t rq_cond;
	bool stop_audit; /* under lock */
	struct sp_record rq[SP_RECORD_QUEUE];
	size_t rq_head, rq_len;        /* under lock (rq_len read atomically as a hint) */
	unsigned long long rq_dropped; /* under lock: records the full queue could not take */
	unsigned long long audit_lost; /* under lock: the socket's overflows, as the reader saw */
	unsigned long long lost_noted; /* losses already reported */
	/* under lock: Landlock denials the kernel audited (records.c), a ring of SP_LL_RECORDS */
	struct sp_audit_landlock *llq;
	size_t llq_head, llq_len;
	pid_t marker_pid; /* under lock: the barrier's child (records.c), 0 none */
	bool marker_seen; /* under lock: its record came: all before it are queued */

	char digest[80]; /* the policy's, which a complain log's header names */

	struct ll_run *ll;     /* landlock.c: per rules phase, its layer; NULL without layers */
	bool ll_simulate;      /* complain mode: the layers are judged, never put on */
	struct ll_sim *ll_sim; /* complain_landlock.c: the would-be denials */
	int ll_abi;            /* the kernel's Landlock ABI */
	char ll_lost[256];     /* what of the layers that ABI cannot enforce */

	int error;           /* -errno that ends the run (complain log write) */
	struct sp_diag diag; /* ... and its message */
	struct sp_enforce_result *res;
};

/* state.c: the thread records (on the tracer's entries) and the process table. */
struct thr *sp_thr_find(const struct sp_enforcer *e, pid_t tid);
/* Thread tid's record, made when new: 0, -ESRCH when the tracer does not follow tid, -ENOMEM. */
int sp_thr_get(struct sp_enforcer *e, pid_t tid, pid_t pid, struct thr **out);
/* The tracer no longer follows t (opts->on_thread_gone): freed, its process told. */
void sp_thr_gone(struct sp_enforcer *e, struct thr *t);
/* The detector keeps each thread's state in its record from now on (sp_detector_slots). */
void sp_thr_lend_phases(struct sp_enforcer *e);
struct proc *sp_proc_find(const struct sp_enforcer *e, pid_t pid);
struct proc *sp_proc_get(struct sp_enforcer *e, pid_t pid);   /* NULL on ENOMEM */
struct proc *sp_proc_fresh(struct sp_enforcer *e, pid_t pid); /* born now: stale state dropped */
void sp_proc_gone(struct sp_enforcer *e, struct proc *p);     /* exited */
void sp_proc_read_comm(struct proc *p);
void sp_state_free(struct sp_enforcer *e);

/* watch.c: per phase, what must be watched; computed once at load. */
int sp_enforce_watch_load(struct sp_enforcer *e, struct sp_diag *diag);
/*
 * Of the phases whose held filters deny a call (a mask), those a complaint
 * names: a phase whose denial a later, narrower one of them covers (it
 * reaches it along edges that are not repeats) is left out, as merging the
 * call into the narrower phase widens it too.  Never empty when denying is not.
 */
uint64_t sp_enforce_blame(const struct sp_enforcer *e, uint64_t denying);
/* Whether a stack must be captured for call name (x86-64 nr) of a thread in phase. */
bool sp_enforce_wants_stack(const struct sp_enforcer *e, int phase, long nr);
/* Whether the arguments of call nr (x86-64) of a thread in phase may matter to a trigger. */
bool sp_enforce_wants_args(const struct sp_enforcer *e, int phase, long nr);

/*
 * triggers.c: trigger stops.  Builds each phase's trigger filter (reach:
 * per phase, the phases reachable from it without an exec).
 */
int sp_enforce_triggers_load(struct sp_enforcer *e, const uint64_t *reach_no_exec,
                             struct sp_diag *diag);
void sp_enforce_triggers_unload(struct sp_enforcer *e);
/*
 * A trigger filter: SECCOMP_RET_TRACE (SP_TRACER_TRACE_MARK) for the x86-64
 * calls whose bit is set in calls (1024 bits) and for every call of another
 * ABI, ALLOW for the rest.  *insns malloc'd.  0 or -errno.
 */
int sp_trigger_filter_bpf(const uint8_t *calls, struct sock_filter **insns, size_t *len);
/* Whether a thread holding phase held's trigger filter stops at every call phase's triggers need.
 */
bool sp_enforce_trace_covers(const struct sp_enforcer *e, int held, int phase);
/* The phase of a trigger filter's hand-over tag, -1 for a phase filter's. */
int sp_enforce_trace_phase_of_tag(long tag);
/* Counts t's call ev; asks for its trigger filter once it has made enough. 0 or -ENOMEM. */
int sp_enforce_count_call(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                          const struct sp_event *ev);
/* The tracer's word on it: rc 0 in, -ECANCELED not (t unchanged, keeps syscall stops). */
void sp_enforce_trace_handed_over(struct sp_enforcer *e, struct thr *t, int phase, int rc,
                                  const char *why);

/* complain.c: complain mode (docs/run.md). */
int sp_complain_start(struct sp_enforcer *e, char *const *argv, struct sp_diag *diag);
int sp_complain_step(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                     const struct sp_event *ev);
int sp_complain_birth(struct sp_enforcer *e, pid_t parent, pid_t child);
/* Thread t holds LOG filters now (t->logging): its process's records are judged by them. */
int sp_complain_hold(struct sp_enforcer *e, const struct thr *t);
/* The LOG filter sp_complain_step asked for is in: t takes its pending phase. */
int sp_complain_handed_over(struct sp_enforcer *e, struct thr *t);
int sp_complain_drain(struct sp_enforcer *e);
/* Before execve: the program the initial phase's thread holds in complain mode, and its flags. */
const struct sock_filter *sp_complain_initial_filter(const struct sp_enforcer *e, size_t *len,
                                                     unsigned *flags);
int sp_complain_finish(struct sp_enforcer *e, struct sp_diag *diag);
void sp_complain_free(struct sp_enforcer *e);

/*
 * complain_landlock.c: complain mode judges each call of a thread it
 * follows with syscall stops against the Landlock layers the thread would
 * hold (docs/run.md); the would-be denials go to the log at the end.
 */
int sp_complain_landlock_judge(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev);
int sp_complain_landlock_write(struct sp_enforcer *e, struct sp_diag *diag);
/*
 * run: a call of a followed thread that failed with EACCES or EPERM where
 * a layer it holds denies what the call asked is named (SP_NOTE_LANDLOCK),
 * once per (phase, object, right).  0 or -ENOMEM.
 */
int sp_enforce_landlock_denied(struct sp_enforcer *e, const struct thr *t,
                               const struct sp_event *ev);
/* run: the Landlock denials the kernel audited, named the same way (once each). */
int sp_enforce_landlock_records(struct sp_enforcer *e);
void sp_complain_landlock_free(struct sp_enforcer *e);

/* records.c: the audit stream, drained by a thread into a queue. */
void sp_records_start(struct sp_enforcer *e);
void sp_records_stop(struct sp_enforcer *e); /* joins the thread; the queue stays readable */
bool sp_records_next(struct sp_enforcer *e, struct sp_record *out);
/* The next Landlock denial the kernel audited for run's layers (docs/run.md). */
bool sp_records_next_landlock(struct sp_enforcer *e, struct sp_audit_landlock *out);
bool sp_records_wait(struct sp_enforcer *e, int ms); /* true when one may be there */
unsigned long long sp_records_lost(struct sp_enforcer *e);
/*
 * Makes a record of our own and waits, up to limit_ms, until it has come
 * through: every record the kernel made before it is queued then.  false
 * when the stream cannot say (no audit, the marker never came).
 */
bool sp_records_barrier(struct sp_enforcer *e, int limit_ms);

/*
 * own_filter.c: the first call of a hand-over (the seccomp() that installs
 * the next filter; with landlock, the calls of a Landlock layer too) that
 * a filter thread t installed itself would refuse, or NULL: none, or
 * its filters cannot be read (no CAP_SYS_ADMIN, t not stopped), when
 * the hand-over is tried and fails closed.  t must be in a ptrace stop;
 * t->ours_filters grows by the oldest filters found to be sysphase's.
 */
const char *sp_enforce_sealed(const struct sp_enforcer *e, struct thr *t, bool landlock);
/* Says once per held phase that thread t keeps its filters, not narrowed to its pending phase. */
void sp_enforce_note_sealed(struct sp_enforcer *e, const struct thr *t, const char *refused);

/* enforcer.c: the library's face.  Hands note n to the caller's on_note, if any. */
void sp_enforce_note(const struct sp_enforcer *e, struct sp_enforce_note *n);

/*
 * LOG makes the kernel audit every denial, which is how violations are
 * named.  No TSYNC: a filter goes to the thread whose phase it is.  TSYNC
 * would also move a thread still in glibc's start-up (rseq,
 * set_robust_list) or one its own filters keep apart.
 */
#define SP_ENFORCE_INJECT_FLAGS SECCOMP_FILTER_FLAG_LOG

/* events.c: the tracer's callbacks (struct sp_tracer_opts), each event fed to the detector. */
int sp_enforce_on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev);
/* The tracer stops following a thread: its record goes. */
void sp_enforce_on_thread_gone(void *opaque, pid_t tid, void *data);
/* At each syscall entry: does a stack trigger that may fire want the stack? */
bool sp_enforce_want_stack(void *opaque, const struct sp_event *ev);
/* At a syscall entry, and at the exit of one not decoded then: are its arguments wanted? */
bool sp_enforce_want_decode(void *opaque, const struct sp_event *ev);

/* handover.c: moving threads between filters, one thread at a time. */
/* Phase's filter as the tracer injects it (no Landlock layer, tag phase). */
struct sp_filter_request sp_enforce_phase_request(const struct sp_enforcer *e, int phase);
/* Thread t must get phase to's filter (t->pending), unless it holds it or the policy never saw it.
 */
void sp_enforce_make_pending(struct sp_enforcer *e, struct thr *t, int to);
/* Asks the tracer to hand t its pending phase's filter at its next syscall entry.  0 or -ENOMEM. */
int sp_enforce_install_pending(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t);
/* The tracer's word on a filter asked for (opts->on_handover). */
void sp_enforce_on_handover(void *opaque, struct sp_tracer *tracer, pid_t tid, long tag, int rc,
                            const char *why);
/* Which stops t is followed by: syscall stops, trigger stops or process events alone. */
void sp_enforce_choose_stops(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t);
/* Thread t is let go once this event is handled (its detector state goes now). */
void sp_enforce_let_go(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t);
/* A hand-over failed: t's process is killed, never left under a wider filter. */
void sp_enforce_fail_closed(struct sp_enforcer *e, struct sp_tracer *tracer, struct thr *t,
                            const char *reason);

/* violations.c: naming the calls run's filters deny. */
/* Whether a filter's verdict on ev denies it (clone3's ENOSYS, by design, does not). */
bool sp_enforce_violation(uint32_t verdict, const struct sp_event *ev);
/* Names the denials in the audit records queued so far (not in complain mode: complain.c). */
void sp_enforce_audit_scan(struct sp_enforcer *e);
/* At the end of a run: the records still in flight. */
void sp_enforce_audit_settle(struct sp_enforcer *e);
/* Says the records the kernel could not hand us, once each. */
void sp_enforce_report_lost(struct sp_enforcer *e);
/* Says, once a run, why the kernel's records cannot name our denials. */
void sp_enforce_say_unnamed(struct sp_enforcer *e);
/* Where records cannot name them: a followed thread's ERRNO or LOG denial, from ptrace's view. */
void sp_enforce_note_seen_denial(struct sp_enforcer *e, struct proc *p, const struct thr *t,
                                 const struct sp_event *ev);
/* Remembers an unfinished call t's filter denies: what killed p if it dies of SIGSYS. */
void sp_enforce_note_denied_call(struct sp_enforcer *e, struct proc *p, const struct thr *t,
                                 const struct sp_event *ev);
/* p died of SIGSYS: names the denial, from its audit record or from what ptrace saw. */
void sp_enforce_name_kill(struct sp_enforcer *e, struct proc *p);

/* landlock.c: each phase's Landlock layer as run hands it over (docs/run.md). */
int sp_enforce_landlock_load(struct sp_enforcer *e, struct sp_diag *diag);
void sp_enforce_landlock_unload(struct sp_enforcer *e);
/* The layer thread t must get on entering phase, or NULL (none, or the one it holds). */
const struct sp_landlock_request *sp_enforce_landlock_request(const struct sp_enforcer *e,
                                                              const struct thr *t, int phase);
void sp_enforce_landlock_took(const struct sp_enforcer *e, struct thr *t, int phase);
int sp_enforce_landlock_initial_id(const struct sp_enforcer *e);
/* Phase i's layer as run would put it on here (fitted to the ABI), or NULL: none. */
const struct sp_landlock_layer *sp_enforce_landlock_layer(const struct sp_enforcer *e, int i);
/* In the launched child before execve: the initial phase's layer.  0 or -errno. */
int sp_enforce_landlock_self(const struct sp_enforcer *e);

/* policy.c: loads and checks the policy, builds each phase's filter. */
int sp_enforce_load(struct sp_enforcer *e, const char *path, struct sp_diag *diag);
void sp_enforce_unload(struct sp_enforcer *e);

/* Whether phase filter f's allowlist has syscall name. */
bool sp_enforce_allows(const struct phase_filter *f, const char *name);

/* The name of rules phase i, "(none)" for -1. */
const char *sp_enforce_phase_name(const struct sp_enforcer *e, int i);

/* What the filter of phase i answers for ev (an SP_EV_SYSCALL): the seccomp return value. */
uint32_t sp_enforce_verdict(const struct sp_enforcer *e, int i, const struct sp_event *ev);

#endif /* SYSPHASE_ENFORCE_INTERNAL_H */
