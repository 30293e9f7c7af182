/* SPDX-License-Identifier: MIT */
/* sysphase export: the Landlock layers it wrote into policy.json, per phase. */
#include <stdio.h>

#include "cli.h"
#include "export.h"

static void print_layer(const struct sp_policy *p, size_t i, const struct sp_landlock_layer *l,
                        int id)
{
	const char *path, *why, *no_fs = sp_policy_landlock_no_fs(p, i);
	char buf[512];
	uint64_t acc;

	printf("  %s: layer %d, %zu path%s, %zu port%s", sp_policy_phase_name(p, i), id, l->n_paths,
	       l->n_paths == 1 ? "" : "s", l->n_ports, l->n_ports == 1 ? "" : "s");
	printf(", scoped: %s\n",
	       l->scoped ? sp_ll_scope_format(l->scoped, ", ", buf, sizeof(buf)) : "nothing");
	if (no_fs)
		printf("      no file system rules: %s\n", no_fs);
	for (size_t k = 0; sp_policy_landlock_rule(p, i, k, &path, &acc, &why) == 0; k++)
		printf("      %s  %s  (%s)\n", path, sp_ll_fs_format(acc, ",", buf, sizeof(buf)),
		       why);
	for (size_t k = 0; k < l->n_ports; k++)
		printf("      port %llu  %s\n", (unsigned long long)l->ports[k].port,
		       sp_ll_net_format(l->ports[k].access, ",", buf, sizeof(buf)));
}

void export_print_landlock(const struct sp_policy *p)
{
	int abi = sp_landlock_abi();

	if (!sp_policy_has_landlock(p))
		return;
	printf("\nLandlock layers (file trees, TCP ports, scopes; this kernel's ABI: %d%s):\n", abi,
	       abi ? "" : ", Landlock is off: run will refuse the layers");
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_landlock_layer l;
		const char *why = NULL;
		int id;

		if (sp_policy_landlock_layer(p, i, &l, &id, &why) == 1)
			print_layer(p, i, &l, id);
		else
			printf("  %s: no layer: %s\n", sp_policy_phase_name(p, i), why ? why : "");
	}
}
