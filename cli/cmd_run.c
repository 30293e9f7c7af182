/* SPDX-License-Identifier: MIT */
/*
 * sysphase run: enforce a policy's phases on an unmodified program.
 *
 * The child installs the initial phase's enforce filter before execve.
 * The supervisor then runs the phase detector on every syscall, and when
 * a process enters a new phase it makes that process install the phase's
 * (narrower) filter by injecting seccomp() through ptrace.  A process in a
 * phase it can never leave is detached and runs on under BPF alone.
 *
 * Why not SECCOMP_RET_TRACE triggers: a stacked RET_TRACE turns into
 * -ENOSYS once no tracer is attached, so enforced filters are pure
 * allow/deny and the triggers are watched with ordinary syscall stops.
 */
#include <poll.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "cli.h"
#include "sysphase/filters.h"
#include "sysphase/policy.h"
#include "sysphase/phases.h"
#include "sysphase/core.h"
#include "sysphase/tracer.h"

/* LOG makes the kernel audit every denial, which is how violations are named. */
#define INJECT_FLAGS (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG)

struct phase_filter {
	bool observed; /* the policy has it: the recorded run entered it */
	struct sock_filter *insns;
	size_t len;
	struct sp_allow *allow; /* the enforce allowlist, sorted by name */
	size_t n_allow;
	bool leaves; /* the rules let a process leave it (not final, has exits) */
};

/* What the supervisor knows of each process it has seen. */
struct proc {
	pid_t pid;
	int installed; /* phase whose filter the process holds, -1 none */
	int pending;   /* phase whose filter it must get at its next syscall exit, -1 none */
	bool gone;     /* exited: kept to name a denial whose audit record comes late */
	bool named;    /* a line has named a denial of it */
	char comm[32];
	/* The last unfinished call its filter denies: what killed it, if it dies of SIGSYS. */
	const char *denied;
	enum sp_abi denied_abi;
	long denied_nr;
};

struct run_ctx {
	struct sp_policy *policy;
	struct sp_rules *rules;
	struct sp_detector *detector;
	struct phase_filter *filters; /* indexed by rules phase */
	size_t n_phases;
	int initial;
	bool complain;
	FILE *complain_log;
	int audit_fd; /* audit netlink socket, or /dev/kmsg */
	bool audit_netlink;

	struct proc *procs;
	size_t n_procs, cap_procs;
	bool expect_records; /* a denial may still be on its way to the kernel log */
	pid_t leader;	     /* the launched program */
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: sysphase run --policy POLICY [OPTIONS] -- PROG [ARGS...]\n\n"
		"Runs PROG under the phases of POLICY (the policy.json of 'sysphase export'):\n"
		"the first phase's filter is installed before exec, each later phase's when\n"
		"the program enters it, and a process in a final phase is let go to run\n"
		"under its filter alone.\n\n"
		"  -P, --policy FILE         the policy.json to enforce\n"
		"      --complain[=LOG]      deny nothing: log each syscall the current phase\n"
		"                            would deny as a JSON line to LOG (default stderr)\n"
		"      --default-action A    kill (default), errno (EPERM) or log\n"
		"  -h, --help                this text\n\n"
		"Exit status: the program's, or 128+signal; 2 for a bad policy or usage;\n"
		"127 when PROG cannot be executed; 1 when enforcement itself fails.\n");
}

/* ---- the process table ---- */

static struct proc *proc_find(struct run_ctx *ctx, pid_t pid)
{
	for (size_t i = 0; i < ctx->n_procs; i++)
		if (ctx->procs[i].pid == pid)
			return &ctx->procs[i];
	return NULL;
}

static struct proc *proc_get(struct run_ctx *ctx, pid_t pid)
{
	struct proc *p = proc_find(ctx, pid);

	if (p)
		return p;
	if (ctx->n_procs == ctx->cap_procs) {
		size_t cap = ctx->cap_procs ? ctx->cap_procs * 2 : 16;
		struct proc *grown = realloc(ctx->procs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		ctx->procs = grown;
		ctx->cap_procs = cap;
	}
	p = &ctx->procs[ctx->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->installed = -1;
	p->pending = -1;
	return p;
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

static const char *phase_name(const struct run_ctx *ctx, int i)
{
	return i >= 0 ? sp_rules_phase_name(ctx->rules, i) : "(none)";
}

/* ---- naming violations from the kernel's audit records ---- */

/*
 * With SECCOMP_FILTER_FLAG_LOG every denial becomes an audit record
 * (AUDIT_SECCOMP: pid, arch, syscall number, action): the only witness of
 * a syscall that killed a process we had already let go.  The audit
 * netlink multicast group gets every record; /dev/kmsg gets them only
 * through printk, rate-limited to a burst of 10 (kauditd_printk_skb), so
 * it is the fallback when the group is closed to us (no CAP_AUDIT_READ).
 */
static void audit_open(struct run_ctx *ctx)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		ctx->audit_fd = fd;
		ctx->audit_netlink = true;
		return;
	}
	if (fd >= 0)
		close(fd);
	ctx->audit_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (ctx->audit_fd >= 0)
		lseek(ctx->audit_fd, 0, SEEK_END);
}

static long audit_field(const char *rec, const char *key, int base)
{
	const char *at = strstr(rec, key);

	return at ? strtol(at + strlen(key), NULL, base) : -1;
}

/* Returns the pid the record is about, 0 when it is not one of ours. */
static pid_t report_audit_record(struct run_ctx *ctx, const char *rec)
{
	long pid = audit_field(rec, " pid=", 10);
	long nr = audit_field(rec, " syscall=", 10);
	unsigned long arch = (unsigned long)audit_field(rec, " arch=", 16);
	unsigned long code = (unsigned long)audit_field(rec, " code=0x", 16);
	struct proc *p = proc_find(ctx, (pid_t)pid);
	enum sp_abi abi;
	const char *name, *how;

	if (!p || nr < 0)
		return 0;
	abi = sp_abi_classify((uint32_t)arch, nr);
	name = sp_syscall_name(abi, nr);
	switch (code & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		how = "killed by SIGSYS";
		break;
	case SECCOMP_RET_ERRNO:
		how = "denied with EPERM";
		break;
	case SECCOMP_RET_LOG:
		how = "allowed and logged";
		break;
	default:
		return 0;
	}
	p->named = true;
	sp_err("process %d (%s) in phase '%s': %s%s%s (%s nr %ld) %s", p->pid, p->comm,
	       phase_name(ctx, p->installed), name ? name : "syscall",
	       abi != SP_ABI_X86_64 ? " " : "", abi != SP_ABI_X86_64 ? sp_abi_name(abi) : "",
	       sp_abi_name(abi), nr, how);
	return p->pid;
}

/* The next seccomp audit record's text into rec, NUL-terminated: 1, 0 when none is waiting. */
static int audit_next(struct run_ctx *ctx, char *rec, size_t size)
{
	for (;;) {
		ssize_t n = read(ctx->audit_fd, rec, size - 1);

		if (n < 0 && (errno == EPIPE || errno == ENOBUFS))
			continue; /* records were lost before we read them: go on with the rest */
		if (n <= 0)
			return 0;
		rec[n] = '\0';
		if (ctx->audit_netlink) {
			struct nlmsghdr *nh = (struct nlmsghdr *)rec;

			if ((size_t)n < NLMSG_HDRLEN || nh->nlmsg_type != AUDIT_SECCOMP)
				continue;
			memmove(rec, rec + NLMSG_HDRLEN, (size_t)n - NLMSG_HDRLEN);
			rec[(size_t)n - NLMSG_HDRLEN] = '\0';
			return 1;
		}
		if (strstr(rec, "type=1326"))
			return 1;
	}
}

/* Reports the records there are now. */
static void audit_scan(struct run_ctx *ctx)
{
	char rec[8192];

	if (ctx->audit_fd < 0)
		return;
	while (audit_next(ctx, rec, sizeof(rec)))
		report_audit_record(ctx, rec);
}

/*
 * The kernel hands audit records to kauditd, which prints them a little
 * later: a process can be reaped before the record of the call that
 * killed it is in the log.  Wait for one about p, up to limit_ms.
 */
static bool audit_wait_for(struct run_ctx *ctx, struct proc *p, int limit_ms)
{
	struct pollfd pfd = {.fd = ctx->audit_fd, .events = POLLIN};
	struct timespec start, now;

	if (ctx->audit_fd < 0)
		return p->named;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (audit_scan(ctx); !p->named; audit_scan(ctx)) {
		long spent;

		clock_gettime(CLOCK_MONOTONIC, &now);
		spent =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (spent >= limit_ms || poll(&pfd, 1, (int)(limit_ms - spent)) <= 0)
			break;
	}
	return p->named;
}

/*
 * No audit record came (auditd takes them, printk's rate limit dropped
 * them, /dev/kmsg is closed to us): name what we saw ourselves, the
 * denied call the process was in when it died, or at least the phase.
 */
static void report_unlogged_kill(struct run_ctx *ctx, struct proc *p)
{
	if (p->denied)
		sp_err("process %d (%s) in phase '%s': %s (%s nr %ld) killed by SIGSYS", p->pid,
		       p->comm, phase_name(ctx, p->installed), p->denied,
		       sp_abi_name(p->denied_abi), p->denied_nr);
	else
		sp_err("process %d (%s) in phase '%s': killed by SIGSYS (a syscall outside its "
		       "filter; the kernel log names it)",
		       p->pid, p->comm, phase_name(ctx, p->installed));
}

/* At the end: the records still in flight, until the log has been quiet for a moment. */
static void audit_settle(struct run_ctx *ctx)
{
	struct pollfd pfd = {.fd = ctx->audit_fd, .events = POLLIN};

	if (ctx->audit_fd < 0)
		return;
	audit_scan(ctx);
	if (!ctx->expect_records)
		return;
	for (int rounds = 0; rounds < 20 && poll(&pfd, 1, 50) > 0; rounds++)
		audit_scan(ctx);
}

/* ---- complain mode: what the filter would have said ---- */

static bool cond_holds(const struct sp_arg_cond *c, const uint64_t *args)
{
	uint64_t a = args[c->index];

	for (size_t i = 0; i < c->n_values; i++) {
		uint64_t v = c->values[i];
		bool ok;

		switch (c->op) {
		case SCMP_CMP_NE:
			ok = a != v;
			break;
		case SCMP_CMP_LT:
			ok = a < v;
			break;
		case SCMP_CMP_LE:
			ok = a <= v;
			break;
		case SCMP_CMP_GT:
			ok = a > v;
			break;
		case SCMP_CMP_GE:
			ok = a >= v;
			break;
		case SCMP_CMP_MASKED_EQ:
			ok = (a & c->mask) == v;
			break;
		default:
			ok = a == v;
			break;
		}
		if (ok)
			return true;
	}
	return false;
}

static int allow_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sp_allow *)elem)->name);
}

static bool phase_allows(const struct phase_filter *f, const struct sp_event *ev)
{
	const struct sp_allow *a;

	if (ev->abi != SP_ABI_X86_64 || !ev->name)
		return false;
	a = bsearch(ev->name, f->allow, f->n_allow, sizeof(*f->allow), allow_cmp);
	if (!a)
		return false;
	for (size_t i = 0; i < a->n_conds; i++)
		if (!cond_holds(&a->conds[i], ev->args))
			return false;
	return true;
}

static void complain_about(struct run_ctx *ctx, const struct sp_event *ev, int phase)
{
	json_t *line = json_object(), *args = json_array();
	char hex[32];

	for (int i = 0; i < SP_MAX_ARGS; i++) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ev->args[i]);
		json_array_append_new(args, json_string(hex));
	}
	json_object_set_new(line, "type", json_string("violation"));
	json_object_set_new(line, "ts", json_real(ev->ts));
	json_object_set_new(line, "pid", json_integer(ev->pid));
	json_object_set_new(line, "tid", json_integer(ev->tid));
	json_object_set_new(line, "phase", json_string(phase_name(ctx, phase)));
	json_object_set_new(line, "syscall", ev->name ? json_string(ev->name) : json_null());
	json_object_set_new(line, "abi", json_string(sp_abi_name(ev->abi)));
	json_object_set_new(line, "nr", json_integer(ev->nr));
	json_object_set_new(line, "args", args);
	if (ev->dec)
		json_object_set(line, "dec", ev->dec);
	json_object_set_new(line, "site", ev->site ? json_string(ev->site) : json_null());
	json_dumpf(line, ctx->complain_log,
		   JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	fputc('\n', ctx->complain_log);
	fflush(ctx->complain_log);
	json_decref(line);
}

/* ---- moving processes between filters ---- */

static int install_pending(struct run_ctx *ctx, struct sp_tracer *tracer, struct proc *p, pid_t tid)
{
	const struct phase_filter *f = &ctx->filters[p->pending];
	const struct phase_filter *held = p->installed >= 0 ? &ctx->filters[p->installed] : NULL;
	int rc = 0;

	/*
	 * The same program as the one held narrows nothing: stacking it again
	 * would only make every later syscall run one more filter.
	 */
	if (!held || held->len != f->len ||
	    memcmp(held->insns, f->insns, f->len * sizeof(*f->insns)) != 0)
		rc = sp_tracer_inject_filter(tracer, tid, f->insns, f->len, INJECT_FLAGS);
	if (rc == -ENOTSUP)
		return 0; /* not at a `syscall` instruction (execve, sigreturn): at the next exit */
	if (rc != 0) {
		/*
		 * Never let a program run on under a wider filter than its phase
		 * allows.  A positive result is TSYNC's refusal: it names a thread
		 * whose own filters diverge, and no thread got the new filter.
		 */
		if (rc > 0)
			sp_err("process %d (%s): cannot install the filter of phase '%s': thread "
			       "%d holds filters of its own that TSYNC cannot join; killing it",
			       p->pid, p->comm, phase_name(ctx, p->pending), rc);
		else
			sp_err("process %d (%s): cannot install the filter of phase '%s': %s; "
			       "killing it",
			       p->pid, p->comm, phase_name(ctx, p->pending), strerror(-rc));
		sp_tracer_kill_process(tracer, p->pid);
		p->pending = -1;
		return 0;
	}
	p->installed = p->pending;
	p->pending = -1;
	if (!f->leaves)
		sp_tracer_detach_after(tracer, p->pid);
	return 0;
}

static void note_transition(struct run_ctx *ctx, const struct sp_transition *tr)
{
	struct proc *p = proc_get(ctx, tr->pid);
	struct proc *parent;

	if (!p)
		return;
	if (!p->comm[0])
		proc_read_comm(p);
	switch (tr->kind) {
	case SP_TR_FORK:
		/* Filters are inherited: the child holds what its parent held. */
		parent = proc_find(ctx, tr->parent);
		p->installed = parent ? parent->installed : -1;
		break;
	case SP_TR_START:
		/* Only the launched program starts unannounced: it holds the initial filter. */
		if (p->installed < 0)
			p->installed = ctx->initial;
		if (!ctx->leader)
			ctx->leader = p->pid;
		break;
	case SP_TR_RULE:
		break;
	}
	if (tr->to == p->installed)
		return;
	if (!ctx->filters[tr->to].observed) {
		sp_warn("process %d (%s) entered phase '%s', which the policy never saw: it keeps "
			"the filter of '%s'",
			p->pid, p->comm, phase_name(ctx, tr->to), phase_name(ctx, p->installed));
		p->pending = -1;
		return;
	}
	p->pending = tr->to;
}

static int on_event(void *opaque, struct sp_tracer *tracer, struct sp_event *ev)
{
	struct run_ctx *ctx = opaque;
	struct sp_transition tr;
	struct proc *p;
	int rc;

	rc = sp_detector_feed(ctx->detector, ev, &tr);
	if (rc < 0)
		return rc;
	if (rc == 1)
		note_transition(ctx, &tr);

	p = proc_find(ctx, ev->pid);
	if (ev->type == SP_EV_EXEC && p)
		proc_read_comm(p);
	if (ev->type == SP_EV_SYSCALL && ev->err == EPERM)
		ctx->expect_records = true;
	if (ev->type == SP_EV_SIGNAL || ev->type == SP_EV_EXIT ||
	    (ev->type == SP_EV_SYSCALL && ev->err == EPERM))
		audit_scan(ctx);
	if (ev->type == SP_EV_EXIT && ev->whole_process && p) {
		p->gone = true;
		if (ev->killed && ev->signo == SIGSYS && !audit_wait_for(ctx, p, 1000))
			report_unlogged_kill(ctx, p);
		return 0;
	}
	if (ev->type == SP_EV_SYSCALL && !ev->has_exit && p && p->installed >= 0 &&
	    ctx->filters[p->installed].observed && !phase_allows(&ctx->filters[p->installed], ev)) {
		p->denied = ev->name;
		p->denied_abi = ev->abi;
		p->denied_nr = ev->nr;
	}
	if (ev->type != SP_EV_SYSCALL || !p)
		return 0;

	if (ctx->complain) {
		/* What enforcing would have installed by now: the pending filter is not in yet. */
		if (p->installed >= 0 && !phase_allows(&ctx->filters[p->installed], ev))
			complain_about(ctx, ev, p->installed);
		if (p->pending >= 0 && ev->has_exit) {
			p->installed = p->pending;
			p->pending = -1;
		}
		return 0;
	}
	/* Injection needs the thread at a syscall-exit stop: that is where we are now. */
	if (p->pending >= 0 && ev->has_exit && ev->abi == SP_ABI_X86_64)
		return install_pending(ctx, tracer, p, ev->tid);
	return 0;
}

/* ---- loading and checking the policy ---- */

/*
 * Phases of the rules absent from the policy were never entered while
 * recording (pwd's error handling on a good run): they have no filter,
 * and a process entering one keeps the filter it holds.  A policy phase
 * the rules do not know means the two do not belong together.
 */
static int check_policy_matches_rules(const struct run_ctx *ctx, struct sp_diag *diag)
{
	const struct sp_policy *pol = ctx->policy;

	for (size_t i = 0; i < sp_policy_phase_count(pol); i++)
		if (sp_rules_phase_index(ctx->rules, sp_policy_phase_name(pol, i)) < 0)
			return sp_diag_set(diag, EINVAL,
					   "policy does not match its rules: phase '%s' is not in "
					   "the rules",
					   sp_policy_phase_name(pol, i));
	if (sp_policy_phase_index(pol, sp_rules_phase_name(ctx->rules, ctx->initial)) < 0)
		return sp_diag_set(diag, EINVAL,
				   "policy does not match its rules: the initial phase '%s' has no "
				   "entry in the policy",
				   sp_rules_phase_name(ctx->rules, ctx->initial));
	return 0;
}

/* Is every syscall phase `to` may use also allowed in `from`?  Stacked filters only narrow. */
static const char *first_not_nested(const struct phase_filter *from, const struct phase_filter *to)
{
	for (size_t i = 0; i < to->n_allow; i++)
		if (!bsearch(to->allow[i].name, from->allow, from->n_allow, sizeof(*from->allow),
			     allow_cmp) &&
		    strcmp(to->allow[i].name, "seccomp") != 0)
			return to->allow[i].name;
	return NULL;
}

static int check_nesting(const struct run_ctx *ctx, struct sp_diag *diag)
{
	for (size_t e = 0; e < sp_rules_edge_count(ctx->rules); e++) {
		const struct sp_rules_edge *edge = sp_rules_edge(ctx->rules, e);
		const char *missing;

		if (edge->repeat)
			continue; /* re-entering an earlier phase keeps the narrower filter */
		if (!ctx->filters[edge->from].observed || !ctx->filters[edge->to].observed)
			continue;
		missing = first_not_nested(&ctx->filters[edge->from], &ctx->filters[edge->to]);
		if (missing)
			return sp_diag_set(diag, EINVAL,
					   "policy phases do not nest: '%s' allows %s, which '%s' "
					   "before it does not",
					   phase_name(ctx, edge->to), missing,
					   phase_name(ctx, edge->from));
	}
	return 0;
}

static int build_phase_filter(struct run_ctx *ctx, int phase, enum sp_action def,
			      struct sp_diag *diag)
{
	struct phase_filter *f = &ctx->filters[phase];
	int pi = sp_policy_phase_index(ctx->policy, sp_rules_phase_name(ctx->rules, phase));
	struct sp_filter_spec spec = {.def = def};
	scmp_filter_ctx sctx = NULL;
	int rc;

	f->leaves =
	    !sp_rules_phase_final(ctx->rules, phase) && sp_rules_phase_has_exits(ctx->rules, phase);
	if (pi < 0)
		return 0;
	f->observed = true;
	rc = sp_policy_allowlist(ctx->policy, (size_t)pi, SP_VIEW_ENFORCE, f->leaves, NULL, 0,
				 &f->allow, &f->n_allow, diag);
	if (rc < 0)
		return rc;
	spec.n_allow = f->n_allow;
	spec.allow = f->allow;
	rc = sp_filter_build(&spec, &sctx, diag);
	if (rc < 0)
		return rc;
	rc = sp_filter_bpf(sctx, &f->insns, &f->len);
	seccomp_release(sctx);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "phase '%s': cannot export its filter: %s",
				   phase_name(ctx, phase), strerror(-rc));
	return 0;
}

static int load_policy(struct run_ctx *ctx, const char *path, enum sp_action def,
		       struct sp_diag *diag)
{
	int rc;

	rc = sp_policy_load(path, &ctx->policy, diag);
	if (rc < 0)
		return rc;
	if (!sp_policy_rules(ctx->policy))
		return sp_diag_set(diag, EINVAL, "%s: the policy embeds no rule set", path);
	rc = sp_rules_from_json(sp_policy_rules(ctx->policy), sp_policy_rules_name(ctx->policy),
				&ctx->rules, diag);
	if (rc < 0)
		return rc;
	ctx->n_phases = sp_rules_phase_count(ctx->rules);
	ctx->initial = sp_rules_initial(ctx->rules);
	rc = check_policy_matches_rules(ctx, diag);
	if (rc < 0)
		return rc;
	ctx->filters = calloc(ctx->n_phases, sizeof(*ctx->filters));
	if (!ctx->filters)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; i < ctx->n_phases; i++) {
		rc = build_phase_filter(ctx, (int)i, def, diag);
		if (rc < 0)
			return rc;
	}
	rc = check_nesting(ctx, diag);
	if (rc < 0)
		return rc;
	ctx->detector = sp_detector_new(ctx->rules);
	if (!ctx->detector)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	return 0;
}

static void warn_if_other_program(const struct run_ctx *ctx, const char *prog)
{
	const char *recorded = sp_policy_program_path(ctx->policy);
	char *want, *have;

	if (!recorded)
		return;
	want = sp_tracer_resolve_program(recorded);
	have = sp_tracer_resolve_program(prog);
	if (want && have && strcmp(want, have) != 0)
		sp_warn("the policy was recorded for '%s', not '%s'", recorded, prog);
	free(want);
	free(have);
}

/* ---- the child's side: the first filter, before execve ---- */

static int install_initial_filter(void *opaque)
{
	const struct run_ctx *ctx = opaque;
	const struct phase_filter *f = &ctx->filters[ctx->initial];
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};

	if (ctx->complain)
		return 0;
	/* Unprivileged filters need it, and it keeps setuid binaries from escaping the filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, INJECT_FLAGS, &prog) < 0)
		return -errno;
	return 0;
}

static void on_stop_signal(int signo)
{
	sp_tracer_request_stop(signo);
}

static void free_ctx(struct run_ctx *ctx)
{
	for (size_t i = 0; ctx->filters && i < ctx->n_phases; i++) {
		free(ctx->filters[i].insns);
		free(ctx->filters[i].allow);
	}
	free(ctx->filters);
	free(ctx->procs);
	sp_detector_free(ctx->detector);
	sp_rules_free(ctx->rules);
	sp_policy_free(ctx->policy);
	if (ctx->audit_fd >= 0)
		close(ctx->audit_fd);
	if (ctx->complain_log && ctx->complain_log != stderr)
		fclose(ctx->complain_log);
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"policy", required_argument, NULL, 'P'},
	    {"complain", optional_argument, NULL, 'C'},
	    {"default-action", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct run_ctx ctx = {.audit_fd = -1};
	struct proc *leader;
	struct sp_tracer_opts opts = {.decode = true, .strsize = 256};
	struct sp_tracer_result res;
	struct sp_diag diag = {{0}};
	struct sigaction sa = {.sa_handler = on_stop_signal};
	const char *policy_path = NULL, *log_path = NULL;
	enum sp_action def = SP_ACTION_KILL;
	int c, rc, status = SP_EXIT_FAILURE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:P:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy_path = optarg;
			break;
		case 'C':
			ctx.complain = true;
			log_path = optarg;
			break;
		case 'A':
			rc = sp_action_from_name(optarg);
			if (rc < 0) {
				sp_err("run: --default-action must be kill, errno or log, not '%s'",
				       optarg);
				return SP_EXIT_USAGE;
			}
			def = (enum sp_action)rc;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			sp_bad_option("run", c, argv);
			return SP_EXIT_USAGE;
		}
	}
	if (!policy_path || optind >= argc) {
		sp_err(
		    "run: give --policy POLICY and -- PROG [ARGS...] (see 'sysphase run --help')");
		return SP_EXIT_USAGE;
	}
	opts.argv = argv + optind;

	rc = load_policy(&ctx, policy_path, def, &diag);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		status = rc == -ENOMEM ? SP_EXIT_FAILURE : SP_EXIT_USAGE;
		goto out;
	}
	warn_if_other_program(&ctx, opts.argv[0]);
	if (ctx.complain) {
		ctx.complain_log = log_path ? fopen(log_path, "we") : stderr;
		if (!ctx.complain_log) {
			sp_err("cannot write '%s': %s", log_path, strerror(errno));
			goto out;
		}
	}
	audit_open(&ctx);
	/* Denials of errno and log filters leave no other trace than their record. */
	ctx.expect_records = def != SP_ACTION_KILL;

	opts.pre_exec = install_initial_filter;
	opts.on_event = on_event;
	opts.ctx = &ctx;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = sp_tracer_run(&opts, &res, &diag);
	if (rc == 0 && res.status == 128 + SIGSYS)
		ctx.expect_records = true;
	audit_settle(&ctx);
	/* A detached program's death is seen only here, through its exit status. */
	leader = proc_find(&ctx, ctx.leader);
	if (rc == 0 && res.status == 128 + SIGSYS && leader && !leader->gone &&
	    !audit_wait_for(&ctx, leader, 1000))
		report_unlogged_kill(&ctx, leader);
	if (rc < 0) {
		sp_err("%s", diag.msg);
		status = rc == -ENOENT || rc == -EACCES ? SP_EXIT_NOEXEC : SP_EXIT_FAILURE;
		goto out;
	}
	status = res.status;
out:
	free_ctx(&ctx);
	return status;
}
