/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>
#include <seccomp.h>

#include "syscall_names.h"
#include "sysphase/core.h"

/*
 * x86-64 numbers with this bit set are x32 calls (arch/x86/include/uapi/
 * asm/unistd.h).  They share AUDIT_ARCH_X86_64, so the number is the only
 * way to tell them apart.
 */
#define X32_SYSCALL_BIT 0x40000000L

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

const char *sp_syscall_name(enum sp_abi abi, long nr)
{
	const char *const *names;
	size_t len;

	switch (abi) {
	case SP_ABI_X86_64:
		names = sp_syscall_names_x86_64;
		len = sp_syscall_names_x86_64_len;
		break;
	case SP_ABI_I386:
		names = sp_syscall_names_i386;
		len = sp_syscall_names_i386_len;
		break;
	case SP_ABI_X32:
		names = sp_syscall_names_x32;
		len = sp_syscall_names_x32_len;
		nr &= ~X32_SYSCALL_BIT;
		break;
	default:
		return NULL;
	}
	if (nr < 0 || (unsigned long)nr >= len)
		return NULL;
	return names[nr];
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

	for (long nr = 0; nr < (long)sp_syscall_names_x86_64_len; nr++) {
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
