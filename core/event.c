/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "sysphase/core.h"

static const char *const abi_names[] = {
    [SP_ABI_X86_64] = "x86_64",
    [SP_ABI_I386] = "i386",
    [SP_ABI_X32] = "x32",
    [SP_ABI_UNKNOWN] = "unknown",
};

static const char *const type_names[] = {
    [SP_EV_SYSCALL] = "syscall", [SP_EV_FORK] = "fork",     [SP_EV_CLONE] = "clone",
    [SP_EV_EXEC] = "exec",       [SP_EV_SIGNAL] = "signal", [SP_EV_EXIT] = "exit",
};

const char *sp_abi_name(enum sp_abi abi)
{
	if ((unsigned)abi > SP_ABI_UNKNOWN)
		abi = SP_ABI_UNKNOWN;
	return abi_names[abi];
}

enum sp_abi sp_abi_from_name(const char *name)
{
	for (unsigned i = 0; i < SP_ABI_UNKNOWN; i++)
		if (name && strcmp(name, abi_names[i]) == 0)
			return (enum sp_abi)i;
	return SP_ABI_UNKNOWN;
}

const char *sp_event_type_name(enum sp_event_type type)
{
	if ((unsigned)type >= sizeof(type_names) / sizeof(type_names[0]))
		return "unknown";
	return type_names[type];
}

int sp_event_type_from_name(const char *name)
{
	for (unsigned i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (name && strcmp(name, type_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

void sp_event_clear(struct sp_event *ev)
{
	json_decref(ev->dec);
	json_decref(ev->stack);
	memset(ev, 0, sizeof(*ev));
}
