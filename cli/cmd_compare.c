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
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "sysphase/analysis.h"

struct compare_opts {
	const char *a, *b;
	bool json;
	bool brief;
};

static void usage(FILE *out)
{
	help_print(help_find("compare"), out);
}

static int parse_args(int argc, char **argv, struct compare_opts *o)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'F'},
	    {"brief", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct compare_opts){0};
	while ((c = getopt_long(argc, argv, ":F:bh", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
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

	printf("A: %s\nB: %s\n\n", strcmp(o->a, "-") ? sp_set_label(a) : "- (stdin)",
	       strcmp(o->b, "-") ? sp_set_label(b) : "- (stdin)");
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

/*
 * The spec as the loaders take it: '-' (or -:PHASE...) is stdin, copied
 * into a memfd first (a trace is read twice: sniffed, then parsed); an
 * export DIR (or DIR:PHASE...) is its policy.json.  Returns spec itself
 * or a malloc'd rewrite in *buf; NULL after saying why.
 */
static const char *resolve_spec(const char *spec, char **buf)
{
	const char *colon = strchr(spec, ':');
	size_t head = colon ? (size_t)(colon - spec) : strlen(spec);
	char dir[4096];
	struct stat st;

	*buf = NULL;
	if (head == 1 && spec[0] == '-') {
		int fd = memfd_create("sysphase-stdin", MFD_CLOEXEC);
		char chunk[65536];
		ssize_t n;

		if (fd < 0) {
			sp_err("compare: cannot buffer stdin: %s", strerror(errno));
			return NULL;
		}
		while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0)
			if (write(fd, chunk, (size_t)n) != n) {
				n = -1;
				break;
			}
		if (n < 0 || asprintf(buf, "/proc/self/fd/%d%s", fd, spec + 1) < 0) {
			sp_err("compare: cannot read stdin: %s", strerror(errno));
			*buf = NULL;
			return NULL;
		}
		return *buf; /* the memfd stays open until exit: the path names it */
	}
	if (head >= sizeof(dir))
		return spec;
	memcpy(dir, spec, head);
	dir[head] = '\0';
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (asprintf(buf, "%s/policy.json%s", dir, spec + head) < 0) {
			*buf = NULL;
			sp_err("out of memory");
			return NULL;
		}
		if (access(*buf, F_OK) != 0 && !(errno == ENOTDIR || colon)) {
			sp_err("compare: %s is a directory without a policy.json: give an export "
			       "directory, a policy.json, a profile, a list or a trace",
			       dir);
			return NULL;
		}
		return *buf;
	}
	return spec;
}

static int compare_run(const struct compare_opts *o)
{
	struct sp_set_env env = {.exe_dir = sp_exe_dir()};
	struct sp_syscall_set *a = NULL, *b = NULL;
	struct sp_diag diag = {{0}};
	struct sp_comparison c;
	char *buf_a = NULL, *buf_b = NULL;
	const char *spec_a, *spec_b;
	int rc, status = SP_EXIT_INPUT;

	if (strcmp(o->a, "-") == 0 && strcmp(o->b, "-") == 0) {
		sp_err("compare: only one of A and B can be '-' (stdin)");
		return SP_EXIT_USAGE;
	}
	spec_a = resolve_spec(o->a, &buf_a);
	spec_b = spec_a ? resolve_spec(o->b, &buf_b) : NULL;
	if (!spec_a || !spec_b) {
		status = SP_EXIT_INPUT;
		goto out;
	}
	rc = load_set(spec_a, &env, &a, &diag);
	if (rc == 0)
		rc = load_set(spec_b, &env, &b, &diag);
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
	status = fflush(stdout) == 0 ? 0 : SP_EXIT_OUTPUT;
	if (status)
		sp_err("compare: cannot write the result: %s", strerror(errno));
out:
	free(buf_a);
	free(buf_b);
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
