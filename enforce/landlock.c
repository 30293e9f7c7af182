/* SPDX-License-Identifier: MIT */
/*
 * run's Landlock layers (docs/run.md, docs/security.md): each phase's
 * layer from policy.json, fitted once to the running kernel's ABI, and
 * handed to a thread together with its phase's seccomp filter, at the
 * same syscall-entry stop and under the same holding of every task that
 * shares its memory, before the filter (the outgoing filters still allow
 * the calls the layer needs: policy.c's allowlists).  The initial phase's
 * layer goes in before execve, in the launched child itself.  Layers are
 * per thread, like the phases: a thread keeps the id of the layer it
 * holds, new threads and children inherit it, and a phase whose layer
 * the thread already holds adds none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Older libc headers lack the numbers: the kernel's, since 5.13. */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif
/*
 * landlock_restrict_self()'s LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (ABI 7):
 * the kernel audits a domain's denials only until the next execve unless
 * asked, and the initial layer goes in before the program's execve.
 */
#define LL_LOG_NEW_EXEC_ON   (1U << 1)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT     2
#define MAX_PROBES           8

struct ll_run {
	int id; /* 0: the phase adds no layer */
	struct sp_landlock_layer layer;
	struct sp_ll_path *owned; /* layer.paths, fitted to the ABI */
	const char *probes[MAX_PROBES];
	struct sp_landlock_request req;
};

/* Whether l grants right on path: a rule on it or on a directory above it. */
static bool grants(const struct sp_landlock_layer *l, const char *path, uint64_t right)
{
	for (size_t i = 0; i < l->n_paths; i++) {
		size_t n = strlen(l->paths[i].path);

		if ((l->paths[i].access & right) && (strcmp(l->paths[i].path, "/") == 0 ||
		                                     (strncmp(l->paths[i].path, path, n) == 0 &&
		                                      (path[n] == '/' || path[n] == '\0'))))
			return true;
	}
	return false;
}

/* What opening path for reading needs, by what it is in sysphase's view: 0 for anything else. */
static uint64_t read_right(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return S_ISDIR(st.st_mode)   ? SP_LL_FS_READ_DIR
	       : S_ISREG(st.st_mode) ? SP_LL_FS_READ_FILE
	                             : 0;
}

/*
 * Probes for phase i's layer: "/" and the directories and regular files
 * other layers let a thread read and this one does not.  Whichever the
 * thread can still open before the layer, it must not after: the proof
 * that the layer took.
 */
static void choose_probes(struct ll_run *all, size_t n, size_t i)
{
	struct ll_run *r = &all[i];
	size_t k = 0;

	if (!(r->layer.handled_fs & (SP_LL_FS_READ_DIR | SP_LL_FS_READ_FILE)))
		return;
	if ((r->layer.handled_fs & SP_LL_FS_READ_DIR) && !grants(&r->layer, "/", SP_LL_FS_READ_DIR))
		r->probes[k++] = "/";
	for (size_t j = 0; j < n && k < MAX_PROBES; j++)
		for (size_t p = 0; j != i && p < all[j].layer.n_paths && k < MAX_PROBES; p++) {
			const struct sp_ll_path *lp = &all[j].layer.paths[p];
			uint64_t need = read_right(lp->path);
			bool dup = false;

			for (size_t q = 0; q < k; q++)
				dup |= strcmp(r->probes[q], lp->path) == 0;
			if (!dup && need && (lp->access & need) && (r->layer.handled_fs & need) &&
			    !grants(&r->layer, lp->path, need))
				r->probes[k++] = lp->path;
		}
	r->req.probes = r->probes;
	r->req.n_probes = k;
}

/* Adds to all (", "-separated names) the names of lost it lacks: every layer's loss is said. */
static void lost_union(char *all, size_t n, const char *lost)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", lost);
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(all), tlen;
		const char *at;
		bool have = false;

		tok += strspn(tok, " ");
		tlen = strlen(tok);
		for (at = strstr(all, tok); at && !have; at = strstr(at + 1, tok))
			have = (at == all || at[-1] == ' ') && (at[tlen] == ',' || !at[tlen]);
		if (!have && tlen)
			snprintf(all + len, n - len, "%s%s", len ? ", " : "", tok);
	}
}

int sp_enforce_landlock_load(struct sp_enforcer *e, struct sp_diag *diag)
{
	bool any = false;

	e->ll_lost[0] = '\0';
	if (e->opts.no_landlock || !sp_policy_has_landlock(e->policy))
		return 0;
	/*
	 * Landlock cannot log without denying: log mode, which denies
	 * nothing, gets no layer; complain mode gets none either, but judges
	 * the calls of the threads it follows against them
	 * (complain_landlock.c).
	 */
	if (e->opts.def == SP_ACTION_LOG && !e->opts.complain)
		return 0;
	e->ll_simulate = e->opts.complain != NULL;
	e->ll = calloc(e->n_phases + 1, sizeof(*e->ll));
	if (!e->ll)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	e->ll_abi = sp_landlock_abi();
	/*
	 * For testing only (docs/run.md): SYSPHASE_LANDLOCK_ABI=N makes run
	 * act as on a kernel whose Landlock ABI is at most N (0: none), to
	 * exercise the best-effort fallback on this kernel.
	 */
	const char *cap = getenv("SYSPHASE_LANDLOCK_ABI");
	if (cap && cap[0] >= '0' && cap[0] <= '9' && !cap[1] && cap[0] - '0' < e->ll_abi)
		e->ll_abi = cap[0] - '0';
	for (size_t i = 0; i < e->n_phases; i++) {
		int pi = sp_policy_phase_index(e->policy, sp_rules_phase_name(e->rules, (int)i));
		struct ll_run *r = &e->ll[i];
		struct sp_landlock_layer l;
		char lost[256];
		int id;

		if (pi < 0 || sp_policy_landlock_layer(e->policy, (size_t)pi, &l, &id, NULL) != 1)
			continue;
		if (!e->ll_abi) {
			/* Best effort, as for an older ABI: the filters alone, and run says so. */
			snprintf(e->ll_lost, sizeof(e->ll_lost),
			         "any of them (this kernel has no Landlock: not built in, or not "
			         "in lsm=)");
			break;
		}
		if (sp_landlock_layer_for_abi(&l, e->ll_abi, &r->layer, &r->owned, lost,
		                              sizeof(lost)) < 0)
			return sp_diag_set(diag, ENOMEM, "out of memory");
		lost_union(e->ll_lost, sizeof(e->ll_lost), lost);
		if (sp_landlock_layer_empty(&r->layer))
			continue;
		r->id = id;
		r->req.layer = &r->layer;
		r->req.restrict_flags = e->ll_abi >= 7 ? LL_LOG_NEW_EXEC_ON : 0;
		any = true;
	}
	for (size_t i = 0; any && !e->ll_simulate && i < e->n_phases; i++)
		if (e->ll[i].id)
			choose_probes(e->ll, e->n_phases, i);
	return 0;
}

void sp_enforce_landlock_unload(struct sp_enforcer *e)
{
	e->ll_simulate = false;
	for (size_t i = 0; e->ll && i < e->n_phases; i++)
		free(e->ll[i].owned);
	free(e->ll);
	e->ll = NULL;
}

const struct sp_landlock_request *sp_enforce_landlock_request(const struct sp_enforcer *e,
                                                              const struct thr *t, int phase)
{
	if (!e->ll || e->ll_simulate || phase < 0 || !e->ll[phase].id ||
	    e->ll[phase].id == t->ll_id)
		return NULL;
	return &e->ll[phase].req;
}

const struct sp_landlock_layer *sp_enforce_landlock_layer(const struct sp_enforcer *e, int i)
{
	return e->ll && i >= 0 && (size_t)i < e->n_phases && e->ll[i].id ? &e->ll[i].layer : NULL;
}

void sp_enforce_landlock_took(const struct sp_enforcer *e, struct thr *t, int phase)
{
	if (e->ll && phase >= 0 && e->ll[phase].id)
		t->ll_id = e->ll[phase].id;
}

int sp_enforce_landlock_initial_id(const struct sp_enforcer *e)
{
	return e->ll ? e->ll[e->initial].id : 0;
}

/*
 * The launched child, before execve: the initial phase's layer on itself
 * (no probe needed: nothing of the program has run yet).  0 or -errno.
 */
int sp_enforce_landlock_self(const struct sp_enforcer *e)
{
	const struct ll_run *r = e->ll ? &e->ll[e->initial] : NULL;
	uint64_t attr[3];
	long rfd;
	int rc = 0;

	if (!r || !r->id || e->ll_simulate)
		return 0;
	attr[0] = r->layer.handled_fs;
	attr[1] = r->layer.handled_net;
	attr[2] = r->layer.scoped;
	rfd = syscall(SYS_landlock_create_ruleset, attr,
	              r->layer.scoped        ? 24
	              : r->layer.handled_net ? 16
	                                     : 8,
	              0);
	if (rfd < 0)
		return -errno;
	for (size_t i = 0; rc == 0 && i < r->layer.n_paths; i++) {
		struct {
			uint64_t access;
			int32_t fd;
		} __attribute__((packed)) pb = {r->layer.paths[i].access, -1};

		pb.fd = open(r->layer.paths[i].path, O_PATH | O_CLOEXEC);
		if (pb.fd < 0)
			continue; /* as the injection: what cannot be opened cannot be reached */
		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pb, 0) < 0 &&
		    !(errno == EINVAL && (pb.access &= SP_LL_FS_FILE) &&
		      syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pb, 0) == 0))
			rc = -errno;
		close(pb.fd);
	}
	for (size_t i = 0; rc == 0 && i < r->layer.n_ports; i++) {
		uint64_t np[2] = {r->layer.ports[i].access, r->layer.ports[i].port};

		if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_NET_PORT, np, 0) < 0)
			rc = -errno;
	}
	if (rc == 0 && syscall(SYS_landlock_restrict_self, rfd, r->req.restrict_flags) < 0)
		rc = -errno;
	close((int)rfd);
	return rc;
}

const char *sp_enforcer_landlock_lost(const struct sp_enforcer *e)
{
	return e->ll && !e->ll_simulate && e->ll_lost[0] ? e->ll_lost : NULL;
}

int sp_enforcer_landlock_abi(const struct sp_enforcer *e)
{
	return e->ll && !e->ll_simulate ? e->ll_abi : -1;
}

void sp_enforcer_drop_landlock(struct sp_enforcer *e)
{
	sp_enforce_landlock_unload(e);
}
