/* SPDX-License-Identifier: MIT */
/*
 * sysphase compare A B: two allowlists side by side, split by threat
 * level, with the completeness of A with respect to B and the attack
 * surface B removes from A.  Inputs are recorded traces (read through the
 * segmentation pipeline) and anything sp_set_load() reads.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sysphase/analysis.h"

struct compare_opts {
	const char *a, *b;
	bool json;
	bool brief;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: sysphase compare A B [--format text|json] [--brief]\n\n"
	    "Compares two syscall allowlists.  A and B are each one of:\n"
	    "  POLICY.json               union of every phase's exact allowlist\n"
	    "  POLICY.json:PHASE[:VIEW]  one phase, VIEW exact (default) or enforce\n"
	    "  PROFILE.json              an OCI/Docker or Kubernetes seccomp profile\n"
	    "  LIST                      syscall names or x86-64 numbers (text or JSON array)\n"
	    "  TRACE[:PHASE]             the x86-64 syscalls a recorded trace made (in PHASE,\n"
	    "                            by the trace's phase stamps)\n"
	    "  thesis:nginx|pwd:chestnut|sysfilter   the thesis's appendix lists\n"
	    "  thesis:nginx|pwd:manual[:PHASE]       the thesis's manual phase tables\n"
	    "  docker:default            Docker's default profile for x86-64 and this kernel\n\n"
	    "  -f, --format F  text (default) or json\n"
	    "  -b, --brief     text: counts only, no syscall names\n"
	    "Completeness: the share of B's syscalls that A allows.  Reduction: the share of\n"
	    "A's syscalls that B drops.  Threat levels L1-L4 after Figure 1 of the thesis.\n");
}

static int parse_args(int argc, char **argv, struct compare_opts *o)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"brief", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct compare_opts){0};
	while ((c = getopt_long(argc, argv, ":f:bh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				sp_err("compare: --format takes text or json, not '%s'", optarg);
				return -1;
			}
			o->json = strcmp(optarg, "json") == 0;
			break;
		case 'b':
			o->brief = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			sp_bad_option("compare", c, argv);
			return -1;
		}
	}
	if (argc - optind != 2) {
		sp_err(
		    "compare: give exactly two allowlists A and B (see 'sysphase compare --help')");
		return -1;
	}
	o->a = argv[optind];
	o->b = argv[optind + 1];
	return 0;
}

static void print_percent(const char *what, double r)
{
	if (r < 0)
		printf("%-26s n/a (empty set)\n", what);
	else
		printf("%-26s %5.1f%%\n", what, 100.0 * r);
}

static const char *const level_names[SP_THREAT_LEVELS + 1] = {"unrated", "L1", "L2", "L3", "L4"};

static void print_names(const struct sp_cmp_part *p, const struct sp_syscall_set *cond_a,
                        const struct sp_syscall_set *cond_b)
{
	size_t n_order;
	const long *order = sp_set_name_order(&n_order);

	for (int l = 1; l <= SP_THREAT_LEVELS + 1; l++) {
		int lvl = l % (SP_THREAT_LEVELS + 1);
		int col = 0;

		if (!p->by_level[lvl])
			continue;
		printf("  %-8s", level_names[lvl]);
		for (size_t k = 0; k < n_order; k++) {
			long nr = order[k];
			const char *n = sp_set_nr_name(nr);
			bool cond;

			if (!((p->bits[nr / 64] >> (nr % 64)) & 1) || sp_threat_level(n) != lvl)
				continue;
			cond = (cond_a && sp_set_is_cond(cond_a, nr)) ||
			       (cond_b && sp_set_is_cond(cond_b, nr));
			if (col > 60) {
				printf("\n  %-8s", "");
				col = 0;
			}
			col += printf(" %s%s", n, cond ? "*" : "");
		}
		putchar('\n');
	}
}

static void print_text(const struct compare_opts *o, const struct sp_syscall_set *a,
                       const struct sp_syscall_set *b, const struct sp_comparison *c)
{
	static const char *const rows[SP_CMP_PARTS] = {"A", "B", "both", "only in A", "only in B"};
	bool any_cond = false;

	printf("A: %s\nB: %s\n\n", sp_set_label(a), sp_set_label(b));
	printf("%-10s %5s %4s %4s %4s %4s %8s\n", "", "total", "L1", "L2", "L3", "L4", "unrated");
	for (int w = 0; w < SP_CMP_PARTS; w++) {
		const struct sp_cmp_part *p = &c->part[w];

		printf("%-10s %5zu %4u %4u %4u %4u %8u\n", rows[w], p->n, p->by_level[1],
		       p->by_level[2], p->by_level[3], p->by_level[4], p->by_level[0]);
	}
	putchar('\n');
	print_percent("completeness of A wrt B:", c->completeness);
	print_percent("reduction of A by B:", c->reduction);
	for (long nr = 0; nr < SP_SET_NR_MAX; nr++)
		any_cond |= sp_set_is_cond(a, nr) || sp_set_is_cond(b, nr);
	if (!o->brief) {
		for (int w = SP_CMP_ONLY_A; w < SP_CMP_PARTS; w++) {
			if (!c->part[w].n)
				continue;
			printf("\n%s:\n", rows[w]);
			print_names(&c->part[w], w == SP_CMP_ONLY_A ? a : NULL,
			            w == SP_CMP_ONLY_B ? b : NULL);
		}
		if (c->part[SP_CMP_BOTH].n) {
			printf("\nboth:\n");
			print_names(&c->part[SP_CMP_BOTH], a, b);
		}
		if (any_cond)
			printf("\n* allowed only for some argument values\n");
	}
	if (sp_set_skipped_count(a) || sp_set_skipped_count(b))
		printf("\nskipped (no x86-64 syscall of that name): A %zu, B %zu\n",
		       sp_set_skipped_count(a), sp_set_skipped_count(b));
}

/* A trace (read through the segmentation pipeline), else anything sp_set_load() reads. */
static int load_set(const char *spec, const struct sp_set_env *env, struct sp_syscall_set **out,
                    struct sp_diag *diag)
{
	int rc = sp_set_from_trace(spec, env->exe_dir, out, diag);

	return rc == 1 ? sp_set_load(spec, env, out, diag) : rc;
}

static int compare_run(const struct compare_opts *o)
{
	struct sp_set_env env = {.exe_dir = sp_exe_dir()};
	struct sp_syscall_set *a = NULL, *b = NULL;
	struct sp_diag diag = {{0}};
	struct sp_comparison c;
	int rc, status = SP_EXIT_USAGE;

	rc = load_set(o->a, &env, &a, &diag);
	if (rc == 0)
		rc = load_set(o->b, &env, &b, &diag);
	if (rc == -ENOMEM) {
		sp_err("out of memory");
		status = SP_EXIT_FAILURE;
		goto out;
	}
	if (rc < 0) {
		sp_err("compare: %s", diag.msg);
		goto out;
	}
	sp_compare(a, b, &c);
	if (o->json) {
		json_t *j = sp_comparison_to_json(a, b, &c);

		if (!j || json_dumpf(j, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) < 0) {
			json_decref(j);
			sp_err("out of memory");
			status = SP_EXIT_FAILURE;
			goto out;
		}
		putchar('\n');
		json_decref(j);
	} else {
		print_text(o, a, b, &c);
	}
	status = fflush(stdout) == 0 ? 0 : SP_EXIT_FAILURE;
	if (status)
		sp_err("compare: cannot write the result: %s", strerror(errno));
out:
	sp_set_free(a);
	sp_set_free(b);
	return status;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : SP_EXIT_USAGE;
	return compare_run(&o);
}
