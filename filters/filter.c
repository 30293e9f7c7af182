/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysphase/filters.h"

static const char *const action_names[] = {
    [SP_ACTION_KILL] = "kill",
    [SP_ACTION_ERRNO] = "errno",
    [SP_ACTION_LOG] = "log",
};

static const char *const action_oci[] = {
    [SP_ACTION_KILL] = "SCMP_ACT_KILL_PROCESS",
    [SP_ACTION_ERRNO] = "SCMP_ACT_ERRNO",
    [SP_ACTION_LOG] = "SCMP_ACT_LOG",
};

const char *sp_action_name(enum sp_action a)
{
	if ((unsigned)a > SP_ACTION_LOG)
		return NULL;
	return action_names[a];
}

int sp_action_from_name(const char *name)
{
	for (unsigned i = 0; i <= SP_ACTION_LOG; i++)
		if (name && strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

uint32_t sp_action_scmp(enum sp_action a)
{
	switch (a) {
	case SP_ACTION_ERRNO:
		return SCMP_ACT_ERRNO(EPERM);
	case SP_ACTION_LOG:
		return SCMP_ACT_LOG;
	default:
		/*
		 * KILL_PROCESS, not KILL_THREAD: a thread killed alone leaves
		 * the rest of the program running in a state nobody planned.
		 */
		return SCMP_ACT_KILL_PROCESS;
	}
}

const char *sp_action_oci(enum sp_action a)
{
	if ((unsigned)a > SP_ACTION_LOG)
		return NULL;
	return action_oci[a];
}

const char *sp_cmp_name(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE:
		return "SCMP_CMP_NE";
	case SCMP_CMP_LT:
		return "SCMP_CMP_LT";
	case SCMP_CMP_LE:
		return "SCMP_CMP_LE";
	case SCMP_CMP_EQ:
		return "SCMP_CMP_EQ";
	case SCMP_CMP_GE:
		return "SCMP_CMP_GE";
	case SCMP_CMP_GT:
		return "SCMP_CMP_GT";
	case SCMP_CMP_MASKED_EQ:
		return "SCMP_CMP_MASKED_EQ";
	default:
		return NULL;
	}
}

int sp_filter_syscall_nr(const char *name)
{
	int nr;

	if (!name || !*name)
		return -ENOENT;
	/*
	 * Negative numbers are libseccomp's pseudo-syscalls (e.g. socketcall
	 * on x86-64): names it knows for some other arch only.  Runtimes
	 * silently drop those, so they must never reach an output.
	 */
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	if (nr < 0)
		return -ENOENT;
	return nr;
}

static int cmp_allow_name(const void *a, const void *b)
{
	const struct sp_allow *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int check_cond(const struct sp_allow *al, const struct sp_arg_cond *c, struct sp_diag *diag)
{
	if (c->index > 5)
		return sp_diag_set(diag, EINVAL, "%s: argument index %u out of range 0-5", al->name,
		                   c->index);
	if (!sp_cmp_name(c->op))
		return sp_diag_set(diag, EINVAL, "%s: argument %u: invalid comparison %d", al->name,
		                   c->index, (int)c->op);
	if (c->n_values == 0 || c->n_values > SP_ARG_MAX_VALUES)
		return sp_diag_set(diag, EINVAL, "%s: argument %u: %zu values (1-%d allowed)",
		                   al->name, c->index, c->n_values, SP_ARG_MAX_VALUES);
	for (size_t i = 0; i < al->n_conds; i++)
		if (&al->conds[i] != c && al->conds[i].index == c->index)
			return sp_diag_set(diag, EINVAL, "%s: two conditions on argument %u",
			                   al->name, c->index);
	return 0;
}

/*
 * Adds the rules of one allowed syscall: one rule per combination of its
 * conditions' values (the rules are ORed by the filter, the comparisons
 * inside one rule ANDed), walked like an odometer so the order is fixed.
 */
static int add_allow(scmp_filter_ctx ctx, const struct sp_allow *al, int nr, bool exact,
                     struct sp_diag *diag)
{
	struct scmp_arg_cmp cmp[6];
	size_t pos[6] = {0};
	int rc;

	if (al->n_conds > 6)
		return sp_diag_set(diag, EINVAL, "%s: %zu argument conditions", al->name,
		                   al->n_conds);
	for (size_t i = 0; i < al->n_conds; i++) {
		rc = check_cond(al, &al->conds[i], diag);
		if (rc < 0)
			return rc;
	}
	for (;;) {
		for (size_t i = 0; i < al->n_conds; i++) {
			cmp[i].arg = al->conds[i].index;
			cmp[i].op = al->conds[i].op;
			sp_cond_datums(&al->conds[i], pos[i], &cmp[i].datum_a, &cmp[i].datum_b);
		}
		/*
		 * _exact on x86-64: libseccomp must not rewrite the rule; we
		 * want what we asked.  On another architecture it must: i386's
		 * socket calls need socketcall's entry too, as its libc makes
		 * them (what runc does with the same names).
		 */
		rc = exact ? seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr,
		                                          (unsigned)al->n_conds, cmp)
		           : seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, (unsigned)al->n_conds,
		                                    cmp);
		if (rc < 0)
			return sp_diag_set(diag, -rc, "%s: libseccomp refused the rule: %s",
			                   al->name, strerror(-rc));
		if (!sp_allow_next_combination(al, pos))
			return 0;
	}
}

void sp_cond_datums(const struct sp_arg_cond *c, size_t pos, uint64_t *a, uint64_t *b)
{
	if (c->op == SCMP_CMP_MASKED_EQ) {
		*a = c->mask;
		*b = c->values[pos];
	} else {
		*a = c->values[pos];
		*b = 0;
	}
}

bool sp_allow_next_combination(const struct sp_allow *al, size_t pos[6])
{
	for (size_t k = 0; k < al->n_conds; k++) {
		if (++pos[k] < al->conds[k].n_values)
			return true;
		pos[k] = 0;
	}
	return false;
}

/*
 * clone's allowance with CLONE_UNTRACED (bit of its flags, argument 0)
 * ruled out.  libseccomp refuses a deny rule next to an unconditional
 * allow of the same call (-EACCES), so the check goes into the allow
 * rule itself.  Returns 0, 1 when no value is left to allow, -EINVAL for
 * a flags condition the check cannot be folded into.
 */
static int clone_without_untraced(const struct sp_allow *in, struct sp_allow *out,
                                  struct sp_diag *diag)
{
	struct sp_arg_cond *c = NULL;
	size_t kept = 0;

	*out = *in;
	for (size_t i = 0; i < out->n_conds; i++)
		if (out->conds[i].index == 0)
			c = &out->conds[i];
	if (!c) {
		if (out->n_conds >= 6)
			return sp_diag_set(diag, EINVAL, "clone: too many conditions");
		c = &out->conds[out->n_conds++];
		*c = (struct sp_arg_cond){
		    .index = 0, .op = SCMP_CMP_MASKED_EQ, .mask = CLONE_UNTRACED, .n_values = 1};
		return 0;
	}
	if (c->op == SCMP_CMP_MASKED_EQ)
		c->mask |= CLONE_UNTRACED; /* values without the bit now also require it clear */
	else if (c->op != SCMP_CMP_EQ)
		return sp_diag_set(diag, EINVAL,
		                   "clone: its flags condition (%s) cannot also rule out "
		                   "CLONE_UNTRACED",
		                   sp_cmp_name(c->op));
	for (size_t v = 0; v < c->n_values; v++)
		if (!(c->values[v] & CLONE_UNTRACED))
			c->values[kept++] = c->values[v];
	c->n_values = kept;
	return kept ? 0 : 1;
}

/* clone3's flags are in a struct in memory that seccomp cannot read: it gets ENOSYS instead. */
static bool is_clone3(const struct sp_allow *al)
{
	return al->name && strcmp(al->name, "clone3") == 0;
}

/*
 * The allowlist a run filter enforces (see sp_filter_spec.for_run): clone
 * (with clone3's allowance) without CLONE_UNTRACED, clone3 left out.
 * *list is malloc'd.
 */
static int run_allowlist(const struct sp_filter_spec *spec, struct sp_allow **list, size_t *n,
                         struct sp_diag *diag)
{
	bool clone3 = false, clone = false;
	struct sp_allow *out = calloc(spec->n_allow + 1, sizeof(*out));
	size_t k = 0;
	int rc;

	*list = NULL;
	*n = 0;
	if (!out)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	for (size_t i = 0; i < spec->n_allow; i++) {
		const struct sp_allow *al = &spec->allow[i];

		if (is_clone3(al)) {
			clone3 = true;
			continue;
		}
		if (al->name && strcmp(al->name, "clone") == 0) {
			clone = true;
			rc = clone_without_untraced(al, &out[k], diag);
			if (rc < 0) {
				free(out);
				return rc;
			}
			k += rc == 0;
			continue;
		}
		out[k++] = *al;
	}
	/* glibc falls back from clone3 to clone on ENOSYS: what clone3 did, clone must do. */
	if (clone3 && !clone)
		clone_without_untraced(&(struct sp_allow){.name = "clone"}, &out[k++], diag);
	*list = out;
	*n = k;
	return 0;
}

/*
 * Calls a program already has a fallback for, answered with an errno
 * instead of the default action where the allowlist leaves them out:
 * clone3's flags are in memory seccomp cannot read, and glibc falls back
 * to clone on ENOSYS; io_uring's operations bypass seccomp, and its users
 * (liburing's io_uring_queue_init, MariaDB's InnoDB, libuv) fall back to
 * threads or libaio when io_uring_setup fails, as under Docker's default
 * profile, which answers EPERM.  The fallback is decided at set-up:
 * io_uring_enter and io_uring_register on a ring the filter never let be
 * made keep the default action.
 */
static const struct {
	const char *name;
	int err;
	bool fixed; /* no run filter allows it (run_allowlist), whatever the policy */
} graceful[] = {
    {"clone3", ENOSYS, true},
    {"io_uring_setup", EPERM, false},
};

int sp_filter_graceful_errno(const char *name)
{
	for (size_t i = 0; name && i < sizeof(graceful) / sizeof(*graceful); i++)
		if (strcmp(graceful[i].name, name) == 0)
			return graceful[i].err;
	return 0;
}

bool sp_filter_graceful_fixed(const char *name)
{
	for (size_t i = 0; name && i < sizeof(graceful) / sizeof(*graceful); i++)
		if (strcmp(graceful[i].name, name) == 0)
			return graceful[i].fixed;
	return false;
}

static bool listed(const struct sp_filter_spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n_allow; i++)
		if (spec->allow[i].name && strcmp(spec->allow[i].name, name) == 0)
			return true;
	return false;
}

/* The rules run's filters add to the allowlist. */
static int add_run_rules(scmp_filter_ctx ctx, const struct sp_filter_spec *spec,
                         struct sp_diag *diag)
{
	int rc = 0;

	/* run_allowlist() took clone3 out of every list: it always gets its errno. */
	for (size_t i = 0; rc == 0 && i < sizeof(graceful) / sizeof(*graceful); i++) {
		/* libseccomp refuses a rule whose action is the default's (-EACCES): it needs none.
		 */
		if (listed(spec, graceful[i].name) ||
		    sp_action_scmp(spec->def) == SCMP_ACT_ERRNO((unsigned)graceful[i].err))
			continue;
		rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO((unsigned)graceful[i].err),
		                            sp_filter_syscall_nr(graceful[i].name), 0);
		if (rc < 0)
			return sp_diag_set(diag, -rc, "%s: libseccomp refused the rule: %s",
			                   graceful[i].name, strerror(-rc));
	}
	/*
	 * Outside the allowlist a clone with CLONE_UNTRACED gets the default
	 * action, which kills or fails it; only the log default would let it
	 * through, and an unwatched child is never allowed.
	 */
	if (spec->def != SP_ACTION_LOG)
		return 0;
	rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
	                            SCMP_A0_64(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));
	if (rc < 0)
		return sp_diag_set(diag, -rc, "clone: libseccomp refused the rule: %s",
		                   strerror(-rc));
	return 0;
}

/*
 * A filter for another architecture holds that architecture alone: the
 * native x86-64 part goes, so x86-64 calls get the bad-arch action.
 */
static int pin_arch(scmp_filter_ctx ctx, const struct sp_filter_spec *spec, struct sp_diag *diag)
{
	int rc;

	if (spec->for_run || (unsigned)spec->arch >= SP_ARCH_COUNT)
		return sp_diag_set(diag, EINVAL, "a filter for %s cannot be a run filter",
		                   sp_arch_name(spec->arch) ? sp_arch_name(spec->arch) : "?");
	rc = seccomp_arch_add(ctx, sp_arch_scmp(spec->arch));
	if (rc == 0)
		rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "libseccomp: cannot pin the filter to %s: %s",
		                   sp_arch_name(spec->arch), strerror(-rc));
	return 0;
}

/*
 * The number a rule names a call by on another architecture: libseccomp
 * takes native (x86-64) numbers, pseudo-numbers for calls x86-64 lacks,
 * and translates them by name for each architecture of the filter.
 */
static int rule_nr(enum sp_arch a, const char *name, int *nr)
{
	if (a == SP_ARCH_X86_64) {
		*nr = sp_filter_syscall_nr(name);
		return *nr < 0 ? -ENOENT : 0;
	}
	if (!sp_arch_has(a, name))
		return -ENOENT;
	*nr = seccomp_syscall_resolve_name(name);
	return 0;
}

int sp_filter_build(const struct sp_filter_spec *spec, scmp_filter_ctx *out, struct sp_diag *diag)
{
	const struct sp_allow **sorted = NULL;
	struct sp_allow *run_list = NULL;
	struct sp_filter_spec run_spec;
	scmp_filter_ctx ctx;
	uint32_t def;
	int rc;

	*out = NULL;
	if ((unsigned)spec->def > SP_ACTION_LOG)
		return sp_diag_set(diag, EINVAL, "invalid default action %d", (int)spec->def);
	if (spec->for_run) {
		run_spec = *spec;
		rc = run_allowlist(spec, &run_list, &run_spec.n_allow, diag);
		if (rc < 0)
			return rc;
		run_spec.allow = run_list;
		spec = &run_spec;
	}

	def = sp_action_scmp(spec->def);
	/* seccomp_init() adds the native arch (x86-64) and nothing else. */
	ctx = seccomp_init(def);
	if (!ctx) {
		free(run_list);
		return sp_diag_set(diag, ENOMEM, "libseccomp: cannot create a filter");
	}
	/*
	 * A call from another ABI gets the default action too, instead of
	 * libseccomp's KILL_THREAD: one rule for every way out of the list.
	 * x32 numbers share AUDIT_ARCH_X86_64; with no x32 arch in the
	 * context libseccomp sends nr >= 0x40000000 to this same action.
	 */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, def);
	if (rc < 0) {
		sp_diag_set(diag, -rc, "libseccomp: cannot set the bad-arch action: %s",
		            strerror(-rc));
		goto out;
	}
	if (spec->arch != SP_ARCH_X86_64) {
		rc = pin_arch(ctx, spec, diag);
		if (rc < 0)
			goto out;
	}
	if (spec->for_run) {
		rc = add_run_rules(ctx, spec, diag);
		if (rc < 0)
			goto out;
	}
	sorted = calloc(spec->n_allow ? spec->n_allow : 1, sizeof(*sorted));
	if (!sorted) {
		rc = sp_diag_set(diag, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < spec->n_allow; i++)
		sorted[i] = &spec->allow[i];
	sp_qsort(sorted, spec->n_allow, sizeof(*sorted), cmp_allow_name);
	for (size_t i = 0; i < spec->n_allow; i++) {
		int nr = 0;
		int known = sorted[i]->name ? rule_nr(spec->arch, sorted[i]->name, &nr) : -ENOENT;

		if (i > 0 && strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
			rc = sp_diag_set(diag, EINVAL, "%s: listed twice", sorted[i]->name);
			goto out;
		}
		if (known < 0) {
			rc = sp_diag_set(
			    diag, EINVAL, "syscall '%s' is not known to libseccomp on %s",
			    sorted[i]->name ? sorted[i]->name : "(null)", sp_arch_name(spec->arch));
			goto out;
		}
		rc = add_allow(ctx, sorted[i], nr, spec->arch == SP_ARCH_X86_64, diag);
		if (rc < 0)
			goto out;
	}
	*out = ctx;
	ctx = NULL;
	rc = 0;
out:
	free(sorted);
	free(run_list);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

int sp_filter_build_answers(const struct sp_filter_spec *spec, scmp_filter_ctx *out,
                            struct sp_diag *diag)
{
	struct sp_filter_spec run_spec = *spec;
	struct sp_allow *run_list = NULL;
	scmp_filter_ctx ctx = NULL;
	int rc;

	*out = NULL;
	if (!spec->for_run || spec->arch != SP_ARCH_X86_64)
		return sp_diag_set(diag, EINVAL, "answers are built for a run filter on x86-64");
	rc = run_allowlist(spec, &run_list, &run_spec.n_allow, diag);
	if (rc < 0)
		return rc;
	run_spec.allow = run_list;
	/* The errno rules of the log default: a hidden child's clone gets EPERM there too. */
	run_spec.def = SP_ACTION_LOG;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		rc = sp_diag_set(diag, ENOMEM, "libseccomp: cannot create a filter");
		goto out;
	}
	/* Every other ABI is allowed too: the supervisor judges those calls itself. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
	if (rc < 0) {
		rc = sp_diag_set(diag, -rc, "libseccomp: cannot set the bad-arch action: %s",
		                 strerror(-rc));
		goto out;
	}
	rc = add_run_rules(ctx, &run_spec, diag);
	if (rc < 0)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	free(run_list);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

int sp_filter_bpf(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *n_insns)
{
	struct sock_filter *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, rc;

	*insns = NULL;
	*n_insns = 0;
	/* libseccomp 2.5 exports BPF to a file descriptor only. */
	fd = memfd_create("sysphase-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)) {
		rc = -EIO;
		goto out;
	}
	/* The kernel refuses longer programs (seccomp(2), EINVAL). */
	if ((size_t)st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		rc = -E2BIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, (char *)buf + got, (size_t)st.st_size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)r;
	}
	*insns = buf;
	*n_insns = got / sizeof(struct sock_filter);
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
