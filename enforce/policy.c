/* SPDX-License-Identifier: MIT */
/*
 * From policy.json to one seccomp program per phase of its rules, and the
 * checks that the policy can be enforced at all.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include "internal.h"

const char *sp_enforce_phase_name(const struct sp_enforcer *e, int i)
{
	return i >= 0 ? sp_rules_phase_name(e->rules, i) : "(none)";
}

/*
 * Phases of the rules absent from the policy were never entered while
 * recording (pwd's error handling on a good run): they have no filter,
 * and a process entering one keeps the filter it holds.  A policy phase
 * the rules do not know means the two do not belong together.
 */
static int check_policy_matches_rules(const struct sp_enforcer *e, struct sp_diag *diag)
{
	const struct sp_policy *pol = e->policy;

	for (size_t i = 0; i < sp_policy_phase_count(pol); i++)
		if (sp_rules_phase_index(e->rules, sp_policy_phase_name(pol, i)) < 0)
			return sp_diag_set(diag, EINVAL,
			                   "policy does not match its rules: phase '%s' is not in "
			                   "the rules",
			                   sp_policy_phase_name(pol, i));
	if (sp_policy_phase_index(pol, sp_rules_phase_name(e->rules, e->initial)) < 0)
		return sp_diag_set(diag, EINVAL,
		                   "policy does not match its rules: the initial phase '%s' has no "
		                   "entry in the policy",
		                   sp_rules_phase_name(e->rules, e->initial));
	return 0;
}

static int allow_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_allow *)elem)->name);
}

bool sp_enforce_allows(const struct phase_filter *f, const char *name)
{
	return sp_bsearch(name, f->allow, f->n_allow, sizeof(*f->allow), allow_cmp) != NULL;
}

/* Is every syscall phase `to` may use also allowed in `from`?  Stacked filters only narrow. */
static const char *first_not_nested(const struct phase_filter *from, const struct phase_filter *to)
{
	for (size_t i = 0; i < to->n_allow; i++)
		if (!sp_bsearch(to->allow[i].name, from->allow, from->n_allow, sizeof(*from->allow),
		                allow_cmp) &&
		    strcmp(to->allow[i].name, "seccomp") != 0)
			return to->allow[i].name;
	return NULL;
}

static bool filter_allows(void *ctx, const char *name)
{
	const struct phase_filter *f = ctx;

	return sp_bsearch(name, f->allow, f->n_allow, sizeof(*f->allow), allow_cmp) != NULL;
}

/*
 * Whether phase i's filter lets `run` install the next one: the injected
 * call is seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, ...),
 * judged by the simulator exactly as the kernel will.
 */
static bool lets_seccomp_through(const struct phase_filter *f)
{
	struct seccomp_data sd = {.nr = SYS_seccomp, .arch = AUDIT_ARCH_X86_64};
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	sd.args[0] = SECCOMP_SET_MODE_FILTER;
	sd.args[1] = SECCOMP_FILTER_FLAG_LOG;
	return sp_bpf_run(f->insns, f->len, &sd, &action) == 0 &&
	       (action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
}

struct nest_walk {
	const struct sp_enforcer *e;
	bool *seen;
	int *queue;
	size_t tail;
};

static void nest_visit(struct nest_walk *w, int phase)
{
	if (phase < 0 || w->seen[phase])
		return;
	w->seen[phase] = true;
	w->queue[w->tail++] = phase;
}

/*
 * The phases a thread holding phase a's filter can reach by the rules:
 * transitions and on_fork edges whose trigger the filter it holds lets
 * through (sp_rules_edge_possible()), through phases the policy lacks
 * (a thread there keeps the filter it holds).  Export closes each
 * phase's enforce view over the same walk (policy/nesting.c), so every
 * policy it writes passes.
 */
static void nest_reach(struct nest_walk *w, int a)
{
	const struct sp_rules *r = w->e->rules;
	size_t head = 0;

	memset(w->seen, 0, w->e->n_phases * sizeof(*w->seen));
	w->tail = 0;
	nest_visit(w, a);
	while (head < w->tail) {
		int at = w->queue[head++];
		const struct phase_filter *f =
		    w->e->filters[at].observed ? &w->e->filters[at] : &w->e->filters[a];
		int child = sp_rules_on_fork(r, at);

		for (size_t i = 0; i < sp_rules_edge_count(r); i++) {
			const struct sp_rules_edge *edge = sp_rules_edge(r, i);

			if (edge->from == at &&
			    sp_rules_edge_possible(r, i, filter_allows, (void *)f))
				nest_visit(w, edge->to);
		}
		if (child >= 0 && sp_rules_fork_possible(filter_allows, (void *)f))
			nest_visit(w, child);
	}
}

/*
 * Stacked filters only narrow: every phase with a filter that a thread
 * can reach must allow no more than the one it holds, and a phase a
 * thread leaves must let the next filter in.  A policy that fails either
 * would kill on a path its rules allow: refused at load, naming the
 * phases.
 */
static int check_nesting(const struct sp_enforcer *e, struct sp_diag *diag)
{
	struct nest_walk w = {.e = e};
	int rc = 0;

	w.seen = calloc(e->n_phases + 1, sizeof(*w.seen));
	w.queue = calloc(e->n_phases + 1, sizeof(*w.queue));
	if (!w.seen || !w.queue) {
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t a = 0; rc == 0 && a < e->n_phases; a++) {
		const struct phase_filter *from = &e->filters[a];

		if (!from->observed)
			continue;
		if (!from->detach && !lets_seccomp_through(from)) {
			rc = sp_diag_set(
			    diag, EINVAL,
			    "policy cannot hand over: sysphase's filter for '%s' denies "
			    "the seccomp() that installs the next phase's",
			    sp_enforce_phase_name(e, (int)a));
			break;
		}
		nest_reach(&w, (int)a);
		for (size_t k = 1; rc == 0 && k < w.tail; k++) {
			int b = w.queue[k];
			const char *missing;

			if (!e->filters[b].observed)
				continue;
			missing = first_not_nested(from, &e->filters[b]);
			if (missing)
				rc = sp_diag_set(
				    diag, EINVAL,
				    "policy phases do not nest: '%s' allows %s, which '%s' "
				    "before it does not",
				    sp_enforce_phase_name(e, b), missing,
				    sp_enforce_phase_name(e, (int)a));
		}
	}
out:
	free(w.seen);
	free(w.queue);
	return rc;
}

/*
 * Calls the threat table leaves unrated that change nothing: they read
 * the caller's own state or the clock, wait, or read file metadata
 * (names, sizes, modes: what a directory listing shows).  The graded
 * default lets them through with a log; every other unrated call dies.
 */
static const char *const graded_harmless[] = {
    /* the caller's own state, the clock, waiting */
    "capget", "clock_getres", "clock_gettime", "clock_nanosleep", "getcpu", "getcwd", "getitimer",
    "getpgid", "getrandom", "getsid", "gettid", "gettimeofday", "nanosleep", "pause",
    "rt_sigpending", "sched_getaffinity", "sched_yield", "sysinfo", "time", "uname",
    /* file metadata, read only */
    "access", "faccessat", "faccessat2", "fstat", "fstatfs", "getdents", "getdents64", "lstat",
    "newfstatat", "readlink", "readlinkat", "stat", "statfs", "statx", "fgetxattr", "getxattr",
    "lgetxattr", "flistxattr", "listxattr", "llistxattr"};

static bool graded_logs(const char *name)
{
	int level = sp_threat_level(name);

	if (level == 3 || level == 4)
		return true;
	for (size_t i = 0; level == 0 && i < sizeof(graded_harmless) / sizeof(*graded_harmless);
	     i++)
		if (strcmp(graded_harmless[i], name) == 0)
			return true;
	return false;
}

/*
 * The graded default: the filter's default action stays KILL (which also
 * takes numbers libseccomp does not know, and other ABIs), and a known
 * x86-64 call outside the allowlist that is rated harmless (threat level
 * 3 or 4, or graded_harmless) gets SECCOMP_RET_LOG instead: it goes
 * through, and the kernel logs it.  Every call rated dangerous (level 1
 * or 2: ptrace, process_vm_*, bpf, mount, module loading, io_uring...)
 * and every call no one rated is killed.
 */
static int add_graded_logs(scmp_filter_ctx ctx, const struct phase_filter *f, struct sp_diag *diag)
{
	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		int rc = 0;

		if (!name)
			continue;
		if (!sp_enforce_allows(f, name) && graded_logs(name))
			rc = seccomp_rule_add_exact(ctx, SCMP_ACT_LOG, nr, 0);
		free(name);
		/* -EEXIST: a rule run's filters add themselves (clone3's ENOSYS, clone's check). */
		if (rc < 0 && rc != -EEXIST)
			return sp_diag_set(diag, -rc,
			                   "graded default: libseccomp refused a rule "
			                   "for syscall %d: %s",
			                   nr, strerror(-rc));
	}
	return 0;
}

/* The userfaultfd ioctl type (Documentation/userspace-api/ioctl/ioctl-number.rst: 0xAA). */
#define UFFDIO_TYPE 0xAA

/*
 * A page registered with a userfaultfd stalls every access to it until
 * the program serves it: a syscall argument there holds any reader, the
 * kernel's included, as long as the program likes.  Unless the recorded
 * program used userfaultfd, every filter run builds refuses it, and the
 * ioctls of a descriptor from /dev/userfaultfd, whatever the default
 * action (LOG would let them through).  libseccomp drops a conditional
 * rule next to an unconditional allow of the same call, so the check is
 * a prefix of the program: on x86-64, userfaultfd, or ioctl with request
 * type 0xAA (UFFDIO_*, USERFAULTFD_IOC_NEW), gets deny; the rest goes on
 * to libseccomp's program, whose jumps are relative and unchanged.
 */
static int prefix_userfaultfd_denial(struct sock_filter **insns, size_t *len, uint32_t deny)
{
	const struct sock_filter prefix[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 7),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 4, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 4),
	    /* The request's low 32 bits (little endian): the kernel's ioctl takes an unsigned int.
	     */
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff00),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UFFDIO_TYPE << 8, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, deny),
	};
	size_t n = sizeof(prefix) / sizeof(*prefix);
	struct sock_filter *out;

	if (*len + n > BPF_MAXINSNS)
		return -E2BIG;
	out = malloc((*len + n) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + n, *insns, *len * sizeof(*out));
	free(*insns);
	*insns = out;
	*len += n;
	return 0;
}

/* What a denied call gets under default action def: LOG would let it through. */
static uint32_t deny_action(enum sp_action def)
{
	return def == SP_ACTION_KILL ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | EPERM;
}

static int build_phase_filter(struct sp_enforcer *e, int phase, struct sp_diag *diag)
{
	struct phase_filter *f = &e->filters[phase];
	int pi = sp_policy_phase_index(e->policy, sp_rules_phase_name(e->rules, phase));
	struct sp_filter_spec spec = {.def = e->opts.def, .for_run = true};
	scmp_filter_ctx sctx = NULL;
	int rc;

	f->leaves =
	    !sp_rules_phase_final(e->rules, phase) && sp_rules_phase_has_exits(e->rules, phase);
	f->detach = !f->leaves && (sp_rules_on_fork(e->rules, phase) < 0 ||
	                           sp_rules_on_fork(e->rules, phase) == phase);
	if (pi < 0)
		return 0;
	f->observed = true;
	/* Whoever is not let go may still get a narrower filter: it must allow seccomp. */
	rc = sp_policy_allowlist(e->policy, (size_t)pi, SP_VIEW_ENFORCE, !f->detach, NULL, 0,
	                         &f->allow, &f->n_allow, diag);
	if (rc < 0)
		return rc;
	spec.n_allow = f->n_allow;
	spec.allow = f->allow;
	rc = sp_filter_build(&spec, &sctx, diag);
	if (rc < 0)
		return rc;
	if (e->opts.graded && (rc = add_graded_logs(sctx, f, diag)) < 0) {
		seccomp_release(sctx);
		return rc;
	}
	rc = sp_filter_bpf(sctx, &f->insns, &f->len);
	seccomp_release(sctx);
	if (rc == 0 && !sp_enforce_allows(f, "userfaultfd"))
		rc = prefix_userfaultfd_denial(&f->insns, &f->len, deny_action(e->opts.def));
	if (rc == 0 && e->opts.complain && f->detach) {
		/* What a thread let go holds in complain mode: the kernel logs the rest. */
		spec.def = SP_ACTION_LOG;
		rc = sp_filter_build(&spec, &sctx, diag);
		if (rc < 0)
			return rc;
		rc = sp_filter_bpf(sctx, &f->log_insns, &f->log_len);
		seccomp_release(sctx);
		if (rc == 0 && !sp_enforce_allows(f, "userfaultfd"))
			rc = prefix_userfaultfd_denial(&f->log_insns, &f->log_len,
			                               deny_action(SP_ACTION_LOG));
	}
	if (rc == 0 && e->opts.complain) {
		/* What a thread judged by the simulator holds: enforcing's errno answers. */
		rc = sp_filter_build_answers(&spec, &sctx, diag);
		if (rc < 0)
			return rc;
		rc = sp_filter_bpf(sctx, &f->answer_insns, &f->answer_len);
		seccomp_release(sctx);
		if (rc == 0 && !sp_enforce_allows(f, "userfaultfd"))
			rc = prefix_userfaultfd_denial(&f->answer_insns, &f->answer_len,
			                               deny_action(SP_ACTION_LOG));
	}
	if (rc == 0 && sp_bpf_check(f->insns, f->len) < 0)
		rc = -EINVAL; /* the simulator must be able to run what the kernel would take */
	if (rc < 0)
		return sp_diag_set(diag, -rc, "phase '%s': cannot export its filter: %s",
		                   sp_enforce_phase_name(e, phase), strerror(-rc));
	return 0;
}

int sp_enforce_load(struct sp_enforcer *e, const char *path, struct sp_diag *diag)
{
	int rc;

	rc = sp_policy_load(path, &e->policy, diag);
	if (rc < 0)
		return rc;
	if (!sp_policy_rules(e->policy))
		return sp_diag_set(diag, EINVAL, "%s: the policy embeds no rule set", path);
	rc = sp_rules_from_json(sp_policy_rules(e->policy), sp_policy_rules_name(e->policy),
	                        &e->rules, diag);
	if (rc < 0)
		return rc;
	if (sp_complain_policy_digest(sp_policy_program_path(e->policy), sp_policy_rules(e->policy),
	                              e->digest, sizeof(e->digest)) < 0)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	e->n_phases = sp_rules_phase_count(e->rules);
	e->initial = sp_rules_initial(e->rules);
	rc = check_policy_matches_rules(e, diag);
	if (rc < 0)
		return rc;
	e->filters = calloc(e->n_phases, sizeof(*e->filters));
	if (!e->filters)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; i < e->n_phases; i++) {
		rc = build_phase_filter(e, (int)i, diag);
		if (rc < 0)
			return rc;
	}
	rc = check_nesting(e, diag);
	if (rc < 0)
		return rc;
	rc = sp_enforce_watch_load(e, diag);
	if (rc < 0)
		return rc;
	e->detector = sp_detector_new(e->rules);
	if (!e->detector)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	sp_thr_lend_phases(e);
	return sp_enforce_landlock_load(e, diag);
}

void sp_enforce_unload(struct sp_enforcer *e)
{
	for (size_t i = 0; e->filters && i < e->n_phases; i++) {
		free(e->filters[i].insns);
		free(e->filters[i].log_insns);
		free(e->filters[i].answer_insns);
		free(e->filters[i].allow);
	}
	free(e->filters);
	sp_enforce_triggers_unload(e);
	free(e->watch);
	sp_enforce_landlock_unload(e);
	sp_detector_free(e->detector);
	sp_rules_free(e->rules);
	sp_policy_free(e->policy);
}

const char *sp_enforcer_recorded_program(const struct sp_enforcer *e)
{
	return sp_policy_program_path(e->policy);
}

/* Appends "; " and a clause to buf (cut where it is full: only a message shortens). */
static void clause(char *buf, size_t len, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, "%s%s", used ? "; " : "", text);
}

int sp_enforcer_recording_lacks(const struct sp_enforcer *e, char *buf, size_t len)
{
	const struct sp_policy_recording *rec = sp_policy_recording(e->policy);
	size_t need = sp_rules_string_need(e->rules);
	int n = 0;

	if (len)
		buf[0] = '\0';
	if (sp_rules_need_stack(e->rules) && rec->stacks != SP_REC_UNKNOWN &&
	    rec->stacks < SP_REC_SYMBOLS) {
		clause(buf, len,
		       "stack function names, which the rules' stack triggers test (record "
		       "--stack)");
		n++;
	}
	if (rec->stacks == SP_REC_NO_STACKS) {
		clause(buf, len,
		       "call stacks, without which export adds no static completion (record "
		       "without --no-stack)");
		n++;
	}
	if (rec->cut_at > 0 && need > (size_t)rec->cut_at) {
		char text[160];

		snprintf(text, sizeof(text),
		         "strings of %zu bytes, which the rules' string predicates test (they were "
		         "cut at %ld: record -s %zu)",
		         need, rec->cut_at, need);
		clause(buf, len, text);
		n++;
	}
	return n;
}

/* AUDIT_ARCH_* of the ABI a call came through, as seccomp_data.arch holds it. */
static uint32_t audit_arch_of(enum sp_abi abi)
{
	switch (abi) {
	case SP_ABI_X86_64:
	case SP_ABI_X32: /* x32 shares x86-64's arch and sets bit 30 of the number */
		return AUDIT_ARCH_X86_64;
	case SP_ABI_I386:
		return AUDIT_ARCH_I386;
	default:
		return 0;
	}
}

uint32_t sp_enforce_verdict(const struct sp_enforcer *e, int i, const struct sp_event *ev)
{
	const struct phase_filter *f = &e->filters[i];
	struct seccomp_data sd = {
	    .nr = (int)ev->nr,
	    .arch = audit_arch_of(ev->abi),
	    /* The event has no instruction pointer; sysphase's filters never test it. */
	    .instruction_pointer = 0,
	};
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	memcpy(sd.args, ev->args, sizeof(sd.args));
	/* Checked at load: a program the simulator refuses never gets here. */
	if (sp_bpf_run(f->insns, f->len, &sd, &action) < 0)
		return SECCOMP_RET_KILL_PROCESS;
	return action;
}
