/* SPDX-License-Identifier: MIT */
/*
 * What completion reports, as the policy builder takes it: export and
 * report both complete a policy, and must add the very same things.
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

#include "sysphase/completion.h"
#include "sysphase/policy.h"

int sp_completion_to_builder(const char *phase, const char *name, enum sp_completion_kind kind,
                             json_t *why, void *b)
{
	static const enum sp_provenance prov[] = {
	    [SP_COMPLETE_ADD] = SP_PROV_COMPLETED,
	    [SP_COMPLETE_HELD_BACK] = SP_PROV_HELD_BACK,
	    [SP_COMPLETE_MEMORY] = SP_PROV_BASELINE,
	    [SP_COMPLETE_MEMORY_NO_EXEC] = SP_PROV_BASELINE,
	    [SP_COMPLETE_ADD_NO_EXEC] = SP_PROV_COMPLETED,
	    [SP_COMPLETE_ADD_THREAD_ONLY] = SP_PROV_COMPLETED,
	};
	/* W^X: mmap's and mprotect's prot (argument 2) without PROT_EXEC. */
	static const struct sp_arg_cond no_exec = {
	    .index = 2, .op = SCMP_CMP_MASKED_EQ, .mask = PROT_EXEC, .n_values = 1, .values = {0}};
	/* Threads only: clone's flags (argument 0) with CLONE_THREAD set. */
	static const struct sp_arg_cond thread_only = {.index = 0,
	                                               .op = SCMP_CMP_MASKED_EQ,
	                                               .mask = CLONE_THREAD,
	                                               .n_values = 1,
	                                               .values = {CLONE_THREAD}};
	bool wx = kind == SP_COMPLETE_MEMORY_NO_EXEC || kind == SP_COMPLETE_ADD_NO_EXEC;
	int rc =
	    wx ? sp_policy_builder_add_cond(b, phase, name, prov[kind], &no_exec, why, NULL)
	    : kind == SP_COMPLETE_ADD_THREAD_ONLY
		? sp_policy_builder_add_cond(b, phase, name, prov[kind], &thread_only, why, NULL)
		: sp_policy_builder_add(b, phase, name, prov[kind], why, NULL);

	/* A number libseccomp names but the policy cannot hold is skipped, not fatal. */
	return rc == -EINVAL ? 0 : rc;
}
