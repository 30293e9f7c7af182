/* SPDX-License-Identifier: MIT */
/*
 * Landlock layers as plain data: the running kernel's ABI, what an ABI
 * can enforce of a layer, and the names policy.json spells rights with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysphase/landlock.h"

/* Older libc headers lack the numbers; they are the same on every architecture since 5.13. */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
/* LANDLOCK_CREATE_RULESET_VERSION (uapi): ask for the ABI instead of making a ruleset. */
#define LL_CREATE_RULESET_VERSION (1U << 0)

int sp_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	/* ENOSYS: not built in; EOPNOTSUPP: built in, not enabled at boot (lsm=). */
	return abi < 0 ? 0 : (int)abi;
}

/* What each ABI added (Documentation/userspace-api/landlock.rst, "Previous limitations"). */
static uint64_t fs_of_abi(int abi)
{
	uint64_t fs = abi >= 1 ? (SP_LL_FS_MAKE_SYM << 1) - 1 : 0;

	if (abi >= 2)
		fs |= SP_LL_FS_REFER;
	if (abi >= 3)
		fs |= SP_LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= SP_LL_FS_IOCTL_DEV;
	return fs;
}

static const char *const fs_names[] = {
    "execute",   "write_file", "read_file", "read_dir",  "remove_dir", "remove_file",
    "make_char", "make_dir",   "make_reg",  "make_sock", "make_fifo",  "make_block",
    "make_sym",  "refer",      "truncate",  "ioctl_dev",
};
static const char *const net_names[] = {"bind_tcp", "connect_tcp"};
static const char *const scope_names[] = {"abstract_unix_socket", "signal"};

static char *format(const char *const *names, size_t n_names, uint64_t mask, const char *sep,
                    char *buf, size_t n)
{
	size_t len = 0;

	if (n)
		buf[0] = '\0';
	for (size_t b = 0; b < n_names && n; b++) {
		int w;

		if (!(mask & (1ULL << b)))
			continue;
		w = snprintf(buf + len, n - len, "%s%s", len ? sep : "", names[b]);
		if (w < 0 || (size_t)w >= n - len)
			break; /* cut: only a message gets shorter */
		len += (size_t)w;
	}
	return buf;
}

static uint64_t parse(const char *const *names, size_t n_names, const char *name)
{
	for (size_t b = 0; b < n_names; b++)
		if (strcmp(names[b], name) == 0)
			return 1ULL << b;
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

char *sp_ll_fs_format(uint64_t mask, const char *sep, char *buf, size_t n)
{
	return format(fs_names, N(fs_names), mask, sep, buf, n);
}

char *sp_ll_net_format(uint64_t mask, const char *sep, char *buf, size_t n)
{
	return format(net_names, N(net_names), mask, sep, buf, n);
}

char *sp_ll_scope_format(uint64_t mask, const char *sep, char *buf, size_t n)
{
	return format(scope_names, N(scope_names), mask, sep, buf, n);
}

uint64_t sp_ll_fs_parse(const char *name)
{
	return parse(fs_names, N(fs_names), name);
}

uint64_t sp_ll_net_parse(const char *name)
{
	return parse(net_names, N(net_names), name);
}

uint64_t sp_ll_scope_parse(const char *name)
{
	return parse(scope_names, N(scope_names), name);
}

bool sp_landlock_layer_empty(const struct sp_landlock_layer *l)
{
	return !l->handled_fs && !l->handled_net && !l->scoped;
}

/* Appends "what" to the list of things not enforced. */
static void lost_add(char *lost, size_t n, const char *what)
{
	size_t len;

	if (!lost || !n || !*what)
		return;
	len = strlen(lost);
	snprintf(lost + len, n - len, "%s%s", len ? ", " : "", what);
}

int sp_landlock_layer_for_abi(const struct sp_landlock_layer *in, int abi,
                              struct sp_landlock_layer *out, struct sp_ll_path **out_paths,
                              char *lost, size_t n)
{
	uint64_t fs = fs_of_abi(abi);
	struct sp_ll_path *paths = NULL;
	bool grants_refer = false;
	char names[256];

	*out = *in;
	*out_paths = NULL;
	if (lost && n)
		lost[0] = '\0';
	for (size_t i = 0; i < in->n_paths; i++)
		grants_refer |= (in->paths[i].access & SP_LL_FS_REFER) != 0;
	/*
	 * ABI 1 cannot handle REFER and denies every rename or link that
	 * changes a file's parent: a layer whose phase renames across
	 * directories would then deny what the recording did.
	 */
	if (in->handled_fs && abi < 2 && grants_refer) {
		lost_add(lost, n,
		         "the whole file system part (it renames or links across "
		         "directories, which ABI 1 always denies)");
		out->handled_fs = 0;
	} else if (in->handled_fs & ~fs) {
		lost_add(lost, n,
		         sp_ll_fs_format(in->handled_fs & ~fs, ", ", names, sizeof(names)));
		out->handled_fs = in->handled_fs & fs;
	}
	if (in->handled_net && abi < 4) {
		lost_add(lost, n, "TCP ports");
		out->handled_net = 0;
	}
	if (in->scoped && abi < 6) {
		lost_add(lost, n, sp_ll_scope_format(in->scoped, ", ", names, sizeof(names)));
		out->scoped = 0;
	}
	if (!out->handled_net) {
		out->n_ports = 0;
		out->ports = NULL;
	}
	if (!out->handled_fs) {
		out->n_paths = 0;
		out->paths = NULL;
		return 0;
	}
	if (in->n_paths) {
		paths = calloc(in->n_paths, sizeof(*paths));
		if (!paths)
			return -ENOMEM;
	}
	out->n_paths = 0;
	for (size_t i = 0; i < in->n_paths; i++) {
		uint64_t acc = in->paths[i].access & out->handled_fs;

		if (acc)
			paths[out->n_paths++] = (struct sp_ll_path){in->paths[i].path, acc};
	}
	out->paths = paths;
	*out_paths = paths;
	return 0;
}
