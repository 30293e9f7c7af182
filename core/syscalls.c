/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <seccomp.h>

#include "sysphase/core.h"

/*
 * x86-64 numbers with this bit set are x32 calls (arch/x86/include/uapi/
 * asm/unistd.h).  They share AUDIT_ARCH_X86_64, so the number is the only
 * way to tell them apart.
 */
#define X32_SYSCALL_BIT 0x40000000L

/*
 * libseccomp hands back malloc'd names; intern them once per (abi, nr) in
 * an open-addressing table.  Three ABIs of a few hundred calls each fill
 * well under half of it, and numbers no table knows are cached as NULL.
 */
#define NAME_CACHE_SIZE 4096

struct name_slot {
	long nr;
	enum sp_abi abi;
	const char *name;
	bool used;
};

static struct name_slot name_cache[NAME_CACHE_SIZE];

uint32_t sp_abi_audit_arch(enum sp_abi abi)
{
	switch (abi) {
	case SP_ABI_I386:
		return AUDIT_ARCH_I386;
	case SP_ABI_X86_64:
	case SP_ABI_X32:
		return AUDIT_ARCH_X86_64;
	default:
		return 0;
	}
}

enum sp_abi sp_abi_classify(uint32_t audit_arch, long nr)
{
	if (audit_arch == AUDIT_ARCH_I386)
		return SP_ABI_I386;
	if (audit_arch != AUDIT_ARCH_X86_64)
		return SP_ABI_UNKNOWN;
	if (nr >= 0 && (nr & X32_SYSCALL_BIT))
		return SP_ABI_X32;
	return SP_ABI_X86_64;
}

static uint32_t abi_scmp_arch(enum sp_abi abi)
{
	switch (abi) {
	case SP_ABI_I386:
		return SCMP_ARCH_X86;
	case SP_ABI_X32:
		return SCMP_ARCH_X32;
	default:
		return SCMP_ARCH_X86_64;
	}
}

static const char *resolve_name(enum sp_abi abi, long nr)
{
	if (nr < 0 || nr > INT_MAX)
		return NULL;
	/*
	 * libseccomp's x32 table is keyed by the number with the x32 bit set;
	 * it answers for the x86-64 number too, so keep the bit.
	 */
	return seccomp_syscall_resolve_num_arch(abi_scmp_arch(abi), (int)nr);
}

const char *sp_syscall_name(enum sp_abi abi, long nr)
{
	unsigned long h;

	if (abi == SP_ABI_UNKNOWN || nr < 0)
		return NULL;
	h = ((unsigned long)nr * 31 + (unsigned long)abi) % NAME_CACHE_SIZE;
	for (unsigned long probe = 0; probe < NAME_CACHE_SIZE; probe++) {
		struct name_slot *slot = &name_cache[(h + probe) % NAME_CACHE_SIZE];

		if (slot->used && slot->nr == nr && slot->abi == abi)
			return slot->name;
		if (!slot->used) {
			slot->used = true;
			slot->nr = nr;
			slot->abi = abi;
			slot->name = resolve_name(abi, nr);
			return slot->name;
		}
	}
	return NULL; /* full: only reachable by probing thousands of bogus numbers */
}

long sp_syscall_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);

	return nr == __NR_SCMP_ERROR || nr < 0 ? -ENOENT : nr;
}

const char *sp_syscall_suggest(const char *name)
{
	const char *best = NULL;
	size_t best_dist = (size_t)-1;

	/* x86-64 numbers are dense below 512; every name is one of them. */
	for (long nr = 0; nr < 512; nr++) {
		const char *cand = sp_syscall_name(SP_ABI_X86_64, nr);
		size_t d;

		if (!cand)
			continue;
		d = sp_edit_distance(name, cand);
		if (d < best_dist) {
			best_dist = d;
			best = cand;
		}
	}
	/* Beyond a third of the name, a "did you mean" confuses more than it helps. */
	if (best && best_dist > strlen(name) / 3 + 1)
		return NULL;
	return best;
}
