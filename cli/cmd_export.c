/* SPDX-License-Identifier: MIT */
/*
 * sysphase export: a trace (and rules) in, policy.json and one filter per
 * phase per format out.  The output directory appears whole or not at
 * all: everything is written to a temporary directory next to it, which
 * is then renamed into place (swapped atomically with --force).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sysphase/completion.h"
#include "sysphase/policy.h"
#include "sysphase/filters.h"
#include "sysphase/phases.h"
#include "sysphase/trace.h"

#define DEFAULT_DIR "sysphase-policy"

struct export_opts {
	const char *rules;
	const char *trace;
	const char *dir;
	unsigned formats;
	enum sp_view view;
	bool view_set; /* --view given: every format takes it */
	enum sp_action def;
	bool args;
	const char *runtime;
	bool force;
	const char *merge[8]; /* complain logs of `sysphase run` to fold in */
	size_t n_merge;
	bool no_complete;     /* no static completion */
	bool allow_held_back; /* completed dangerous calls are allowed, not held back */
};

/* Per phase: its file name stem (the phase name made safe for a path). */
struct export_ctx {
	struct export_opts *o;
	struct sp_policy *p;
	char **stems;
	char tmp[PATH_MAX];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sysphase export [--rules R] TRACE [-o DIR] [--format LIST]\n"
		"                       [--view exact|enforce] [--default-action kill|errno|log]\n"
		"                       [--args] [--runtime runc] [--force]\n\n"
		"Writes DIR/policy.json and one seccomp filter per phase per format.\n"
		"  -r, --rules R           rule set (built-in name or file); default: the one the\n"
		"                          trace was recorded with\n"
		"  -o, --output DIR        output directory (default " DEFAULT_DIR ")\n"
		"  -f, --format LIST       bpf,pfc,oci,k8s,systemd,c or all (default all)\n"
		"      --view V            allowlist in the filters: enforce or exact (default:\n"
		"                          enforce, and exact for the pfc files people read)\n"
		"  -d, --default-action A  kill (default), errno (EPERM) or log\n"
		"      --args              constrain arguments seen with few values\n"
		"      --runtime runc      OCI/k8s profiles also allow what runc's init needs\n"
		"      --force             replace a non-empty DIR\n"
		"      --merge LOG         also allow what a 'sysphase run --complain=LOG' run\n"
		"                          logged, each call in the phase it was logged in\n"
		"                          (repeatable, up to 8 logs)\n"
		"      --no-complete       no static completion: only what the trace shows\n"
		"      --allow-held-back   allow the dangerous calls completion reaches instead\n"
		"                          of only listing them (held back)\n");
}

static int parse_args(int argc, char **argv, struct export_opts *o)
{
	enum {
		OPT_VIEW = 256,
		OPT_ARGS,
		OPT_RUNTIME,
		OPT_FORCE,
		OPT_MERGE,
		OPT_NO_COMPLETE,
		OPT_ALLOW_HELD
	};
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},
	    {"view", required_argument, NULL, OPT_VIEW},
	    {"default-action", required_argument, NULL, 'd'},
	    {"args", no_argument, NULL, OPT_ARGS},
	    {"runtime", required_argument, NULL, OPT_RUNTIME},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"merge", required_argument, NULL, OPT_MERGE},
	    {"no-complete", no_argument, NULL, OPT_NO_COMPLETE},
	    {"allow-held-back", no_argument, NULL, OPT_ALLOW_HELD},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sp_diag diag = {{0}};
	int c, v;

	*o = (struct export_opts){.dir = DEFAULT_DIR,
				  .formats = (1u << SP_FMT_COUNT) - 1,
				  .view = SP_VIEW_ENFORCE,
				  .def = SP_ACTION_KILL};
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":r:o:f:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'o':
			o->dir = optarg;
			break;
		case 'f':
			if (sp_formats_parse(optarg, &o->formats, &diag) < 0) {
				sp_err("export: %s", diag.msg);
				return -1;
			}
			break;
		case OPT_VIEW:
			v = sp_view_from_name(optarg);
			if (v < 0) {
				sp_err("export: --view takes exact or enforce, not '%s'", optarg);
				return -1;
			}
			o->view = (enum sp_view)v;
			o->view_set = true;
			break;
		case 'd':
			v = sp_action_from_name(optarg);
			if (v < 0) {
				sp_err(
				    "export: --default-action takes kill, errno or log, not '%s'",
				    optarg);
				return -1;
			}
			o->def = (enum sp_action)v;
			break;
		case OPT_ARGS:
			o->args = true;
			break;
		case OPT_RUNTIME:
			if (!sp_runtime_syscalls(optarg)) {
				sp_err("export: unknown --runtime '%s' (known: runc)", optarg);
				return -1;
			}
			o->runtime = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_MERGE:
			if (o->n_merge == sizeof(o->merge) / sizeof(o->merge[0])) {
				sp_err("export: at most 8 --merge logs");
				return -1;
			}
			o->merge[o->n_merge++] = optarg;
			break;
		case OPT_NO_COMPLETE:
			o->no_complete = true;
			break;
		case OPT_ALLOW_HELD:
			o->allow_held_back = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			sp_bad_option("export", c, argv);
			return -1;
		}
	}
	if (optind != argc - 1) {
		sp_err("export: give exactly one TRACE (see 'sysphase export --help')");
		return -1;
	}
	o->trace = argv[optind];
	if (!*o->dir) {
		sp_err("export: -o needs a directory name");
		return -1;
	}
	return 0;
}

/* 1 when dir exists and holds something, 0 when absent or empty, -errno. */
static int dir_busy(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int busy = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			busy = 1;
			break;
		}
	closedir(d);
	return busy;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The phase name as a file name: no '/', no leading '.', nothing a shell trips on. */
static char *stem_of(const char *phase)
{
	char *s = strdup(phase);

	for (char *c = s; c && *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			*c = '_';
	if (s && s[0] == '.')
		s[0] = '_';
	return s;
}

static int make_stems(struct export_ctx *x)
{
	const struct sp_policy *p = x->p;

	x->stems = calloc(sp_policy_phase_count(p), sizeof(*x->stems));
	if (!x->stems)
		return -ENOMEM;
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		x->stems[i] = stem_of(sp_policy_phase_name(p, i));
		if (!x->stems[i])
			return -ENOMEM;
		for (size_t j = 0; j < i; j++)
			if (strcmp(x->stems[i], x->stems[j]) == 0) {
				sp_err(
				    "export: phases '%s' and '%s' would share the file name '%s'",
				    sp_policy_phase_name(p, j), sp_policy_phase_name(p, i),
				    x->stems[i]);
				return -EINVAL;
			}
	}
	return 0;
}

/* Opens DIR_TMP/name for writing. */
static FILE *out_file(struct export_ctx *x, const char *name, const char *ext)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s", x->tmp, name, ext);
	f = fopen(path, "we");
	if (!f)
		sp_err("export: cannot write '%s': %s", path, strerror(errno));
	return f;
}

/* Closes f after its writer returned rc; diag (may be NULL) says why a writer refused. */
static int close_file(FILE *f, int rc, const char *what, const struct sp_diag *diag)
{
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0 && diag && diag->msg[0])
		sp_err("export: %s: %s", what, diag->msg);
	else if (rc < 0)
		sp_err("export: cannot write %s: %s", what, strerror(-rc));
	return rc;
}

static int write_policy(struct export_ctx *x)
{
	json_t *root = sp_policy_to_json(x->p);
	FILE *f;
	int rc = 0;

	if (!root) {
		sp_err("out of memory");
		return -ENOMEM;
	}
	f = out_file(x, "policy", ".json");
	if (!f) {
		json_decref(root);
		return -EIO;
	}
	if (json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) < 0 ||
	    fputc('\n', f) == EOF)
		rc = -EIO;
	json_decref(root);
	return close_file(f, rc, "policy.json", NULL);
}

/*
 * Which allowlist a format takes: the program's own, +stacking (the C
 * header installs filters one after the other), +a runtime's base set, or
 * the exact view for reading (pfc, unless --view says otherwise).
 */
enum variant { VAR_PLAIN = 0, VAR_STACK, VAR_RUNTIME, VAR_INSPECT, VAR_COUNT };

static enum sp_view variant_view(const struct export_opts *o, enum variant v)
{
	return v == VAR_INSPECT ? SP_VIEW_EXACT : o->view;
}

static enum variant variant_of(const struct export_opts *o, enum sp_format f)
{
	if (f == SP_FMT_PFC && !o->view_set)
		return VAR_INSPECT;
	if (f == SP_FMT_C)
		return VAR_STACK;
	if ((f == SP_FMT_OCI || f == SP_FMT_K8S) && o->runtime)
		return VAR_RUNTIME;
	return VAR_PLAIN;
}

struct built {
	struct sp_allow *allow;
	size_t n;
	scmp_filter_ctx ctx;
};

static int build_variant(struct export_ctx *x, size_t i, enum variant v, struct built *b)
{
	const char *const *extra = v == VAR_RUNTIME ? sp_runtime_syscalls(x->o->runtime) : NULL;
	struct sp_diag diag = {{0}};
	size_t n_extra = 0;
	int rc;

	while (extra && extra[n_extra])
		n_extra++;
	rc = sp_policy_allowlist(x->p, i, variant_view(x->o, v), v == VAR_STACK, extra, n_extra,
				 &b->allow, &b->n, &diag);
	if (rc == 0)
		rc = sp_filter_build(&(struct sp_filter_spec){x->o->def, b->n, b->allow}, &b->ctx,
				     &diag);
	if (rc < 0)
		sp_err("export: phase '%s': %s", sp_policy_phase_name(x->p, i), diag.msg);
	return rc;
}

static int write_phase(struct export_ctx *x, size_t i, struct built *var,
		       struct sp_phase_filter *c_out)
{
	static int (*const writers[SP_FMT_COUNT])(const struct sp_phase_filter *, FILE *,
						  struct sp_diag *) = {
	    [SP_FMT_BPF] = sp_write_bpf,	 [SP_FMT_PFC] = sp_write_pfc,
	    [SP_FMT_OCI] = sp_write_oci,	 [SP_FMT_K8S] = sp_write_k8s,
	    [SP_FMT_SYSTEMD] = sp_write_systemd,
	};
	int rc;

	for (unsigned f = 0; f < SP_FMT_COUNT; f++) {
		enum variant v = variant_of(x->o, (enum sp_format)f);
		struct sp_phase_filter pf;
		struct sp_diag diag = {{0}};
		FILE *out;

		if (!(x->o->formats & (1u << f)))
			continue;
		if (!var[v].ctx && (rc = build_variant(x, i, v, &var[v])) < 0)
			return rc;
		pf = (struct sp_phase_filter){sp_policy_program_path(x->p),
					      sp_policy_phase_name(x->p, i),
					      sp_view_name(variant_view(x->o, v)),
					      x->o->def,
					      var[v].n,
					      var[v].allow,
					      var[v].ctx};
		if (f == SP_FMT_C) {
			*c_out = pf; /* all phases go into one header, written last */
			continue;
		}
		out = out_file(x, x->stems[i], sp_format_ext((enum sp_format)f));
		if (!out)
			return -EIO;
		rc = close_file(out, writers[f](&pf, out, &diag), x->stems[i], &diag);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int write_filters(struct export_ctx *x)
{
	size_t n = sp_policy_phase_count(x->p);
	struct built(*var)[VAR_COUNT] = calloc(n, sizeof(*var));
	struct sp_phase_filter *c = calloc(n, sizeof(*c));
	int rc = 0;

	if (!var || !c) {
		sp_err("out of memory");
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_phase(x, i, var[i], &c[i]);
	if (rc == 0 && (x->o->formats & (1u << SP_FMT_C))) {
		FILE *out = out_file(x, SP_C_HEADER_NAME, "");

		struct sp_diag diag = {{0}};

		rc = out ? close_file(out, sp_write_c_header(c, n, out, &diag), SP_C_HEADER_NAME,
				      &diag)
			 : -EIO;
	}
out:
	for (size_t i = 0; var && i < n; i++)
		for (int v = 0; v < VAR_COUNT; v++) {
			free(var[i][v].allow);
			if (var[i][v].ctx)
				seccomp_release(var[i][v].ctx);
		}
	free(var);
	free(c);
	return rc;
}

/* A trace's events through the detector (with rules) into a policy builder (and completer). */
static int read_events(struct sp_trace_reader *r, struct sp_detector *det,
		       struct sp_policy_builder *b, struct sp_completer *k, struct sp_baseline *bl,
		       const char *trace)
{
	struct sp_event ev = {0};
	struct sp_diag diag = {{0}};
	int rc;

	while ((rc = sp_trace_read(r, &ev, &diag)) == 1) {
		if (det && sp_detector_feed(det, &ev, NULL) < 0) {
			rc = -ENOMEM; /* the caller says so */
			goto out;
		}
		if (!ev.phase) {
			sp_err("export: %s:%ld: event without a phase stamp: give --rules", trace,
			       sp_trace_reader_line(r));
			rc = -EINVAL;
			goto out;
		}
		rc = sp_policy_feed(b, &ev, &diag);
		if (rc == -ENOMEM || (rc == 0 && k && (rc = sp_completer_feed(k, &ev)) < 0))
			goto out;
		if (rc < 0) {
			sp_err("export: %s:%ld: %s", trace, sp_trace_reader_line(r), diag.msg);
			goto out;
		}
		rc = sp_baseline_feed(bl, &ev);
		if (rc < 0) {
			if (rc != -ENOMEM)
				sp_err("export: %s: more phases than a policy can have", trace);
			goto out;
		}
	}
	/* A malformed line: the reader's diag names it. */
	if (rc < 0 && rc != -ENOMEM)
		sp_err("export: %s", diag.msg);
	if (rc == 0 && sp_trace_reader_truncated(r))
		sp_warn("export: %s ends in a truncated line (the run was killed): using the "
			"events before it",
			trace);
out:
	sp_event_clear(&ev);
	return rc;
}

/*
 * Folds each violation of a complain log into the policy being built, in
 * its logged phase.  A log is refused, with one line, when a run's header
 * names another policy (another program or other rules: digest) or a
 * violation names a phase the rules lack.
 */
static int read_complain_log(const char *path, struct sp_policy_builder *b,
			     const struct sp_rules *rules, const char *digest)
{
	struct sp_complain_reader *r = NULL;
	struct sp_diag diag = {{0}};
	struct sp_event ev;
	bool warned = false;
	int rc;

	rc = sp_complain_reader_open(path, &r, &diag);
	if (rc < 0) {
		sp_err("export: %s", diag.msg);
		return rc;
	}
	while ((rc = sp_complain_reader_next(r, &ev, &diag)) == 1) {
		const char *of = sp_complain_reader_policy(r);

		if (of && strcmp(of, digest) != 0) {
			sp_err("export: %s:%ld: the log was made under another policy (%s, program "
			       "'%s'), not this one (%s)",
			       path, sp_complain_reader_line(r), of,
			       sp_complain_reader_program(r) ? sp_complain_reader_program(r) : "?",
			       digest);
			rc = -EXDEV;
			break;
		}
		if (!of && !warned) {
			sp_warn("export: %s: a log without run headers: which policy it was made "
				"under cannot be checked",
				path);
			warned = true;
		}
		if (sp_rules_phase_index(rules, ev.phase) < 0) {
			sp_err("export: %s:%ld: phase '%s' is not in the rules '%s'", path,
			       sp_complain_reader_line(r), ev.phase, sp_rules_name(rules));
			rc = -EXDEV;
			break;
		}
		rc = sp_policy_feed(b, &ev, &diag);
		if (rc < 0) {
			if (rc != -ENOMEM)
				sp_err("export: %s:%ld: %s", path, sp_complain_reader_line(r),
				       diag.msg);
			rc = rc == -ENOMEM ? rc : -EINVAL;
			sp_complain_reader_free(r);
			return rc;
		}
	}
	/* The reader's own errors: a malformed line (file:line:col) or a read error. */
	if (rc == -EINVAL || rc == -EIO)
		sp_err("export: %s", diag.msg);
	sp_complain_reader_free(r);
	return rc < 0 ? rc : 0;
}

/* Each phase's own syscalls, the dangerous ones (levels 1 and 2) marked with their level. */
static void print_sets(const struct sp_policy *p)
{
	printf("\nsyscalls of each phase (exact; [1] full control, [2] denial of service):\n");
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_call_info ci;

		printf("  %s:", sp_policy_phase_name(p, i));
		for (size_t c = 0; sp_policy_exact_call(p, i, c, &ci) == 0; c++) {
			int level = sp_threat_level(ci.name);

			printf(" %s", ci.name);
			if (level == 1 || level == 2)
				printf("[%d]", level);
		}
		putchar('\n');
	}
}

static void print_summary(const struct export_ctx *x, const struct sp_rules *rules, size_t files)
{
	const struct sp_policy *p = x->p;
	int w = 5;

	for (size_t i = 0; i < sp_policy_phase_count(p); i++)
		if ((int)strlen(sp_policy_phase_name(p, i)) > w)
			w = (int)strlen(sp_policy_phase_name(p, i));
	printf("%-*s  exact  enforce   enforce by threat level: L1  L2  L3  L4\n", w, "phase");
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_phase_info ph;

		sp_policy_phase_info(p, i, &ph);
		printf("%-*s  %5zu  %7zu  %27u %3u %3u %3u\n", w, sp_policy_phase_name(p, i),
		       ph.n_exact, ph.n_enforce, ph.threat_enforce[1], ph.threat_enforce[2],
		       ph.threat_enforce[3], ph.threat_enforce[4]);
	}
	for (size_t i = 0; rules && i < sp_rules_phase_count(rules); i++) {
		const char *name = sp_rules_phase_name(rules, (int)i);

		if (sp_policy_phase_index(p, name) < 0)
			printf("%-*s  (never entered: no filter)\n", w, name);
	}
	print_sets(p);
	printf("%zu phases, %zu graph edges; %s view%s, default action %s%s; wrote %s/ "
	       "(policy.json and %zu filter files)\n",
	       sp_policy_phase_count(p), sp_policy_edge_count(p), sp_view_name(x->o->view),
	       !x->o->view_set && (x->o->formats & (1u << SP_FMT_PFC)) ? " (pfc: exact)" : "",
	       sp_action_name(x->o->def), x->o->args ? ", argument constraints" : "", x->o->dir,
	       files);
}

/* Moves the finished temporary directory to its place. */
static int publish(struct export_ctx *x)
{
	mode_t mask = umask(0);

	umask(mask);
	/* mkdtemp made it 0700; the result should look like any directory the user makes. */
	if (chmod(x->tmp, 0777 & ~mask) < 0)
		return -errno;
	if (rename(x->tmp, x->o->dir) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -errno;
	/* --force on a non-empty directory: swap the two atomically, then drop the old one. */
	if (renameat2(AT_FDCWD, x->tmp, AT_FDCWD, x->o->dir, RENAME_EXCHANGE) < 0)
		return -errno;
	rm_tree(x->tmp);
	return 0;
}

static int load_rules(const struct export_opts *o, const struct sp_trace_header *h,
		      struct sp_rules **rules)
{
	struct sp_diag diag = {{0}};
	const char *name = o->rules ? o->rules : h->rules;
	int rc;

	*rules = NULL;
	if (!name) {
		sp_err("export: %s has no phase stamps (recorded without --rules): give --rules",
		       o->trace);
		return -EINVAL;
	}
	rc = sp_rules_load(name, sp_exe_dir(), rules, &diag);
	if (rc == -ENOENT && !diag.msg[0])
		snprintf(diag.msg, sizeof(diag.msg), "no rule set '%s'", name);
	if (rc < 0)
		sp_err("export: %s%s", diag.msg,
		       o->rules ? "" : " (the trace's own rules; give --rules)");
	return rc;
}

static int add_completed(const char *phase, const char *name, enum sp_completion_kind kind,
			 json_t *why, void *arg)
{
	static const enum sp_provenance prov[] = {
	    [SP_COMPLETE_ADD] = SP_PROV_COMPLETED,
	    [SP_COMPLETE_HELD_BACK] = SP_PROV_HELD_BACK,
	    [SP_COMPLETE_MEMORY] = SP_PROV_BASELINE,
	    [SP_COMPLETE_MEMORY_NO_EXEC] = SP_PROV_BASELINE,
	    [SP_COMPLETE_ADD_NO_EXEC] = SP_PROV_COMPLETED,
	};
	/* W^X: mmap's and mprotect's prot (argument 2) without PROT_EXEC. */
	static const struct sp_arg_cond no_exec = {
	    .index = 2, .op = SCMP_CMP_MASKED_EQ, .mask = PROT_EXEC, .n_values = 1, .values = {0}};
	struct sp_diag diag = {{0}};
	bool wx = kind == SP_COMPLETE_MEMORY_NO_EXEC || kind == SP_COMPLETE_ADD_NO_EXEC;
	int rc = wx ? sp_policy_builder_add_cond(arg, phase, name, prov[kind], &no_exec, why, &diag)
		    : sp_policy_builder_add(arg, phase, name, prov[kind], why, &diag);

	/* A number libseccomp names but the policy cannot hold is skipped, not fatal. */
	return rc == -EINVAL ? 0 : rc;
}

/*
 * Static completion: what the code each phase ran reaches by direct calls
 * (docs/generalisation.md), fed into the builder with its provenance.
 */
static int complete_policy(const struct export_opts *o, struct sp_completer *k,
			   struct sp_policy_builder *b, struct sp_completer_stats *st)
{
	struct sp_diag diag = {{0}};
	int rc = sp_completer_finish(k, o->allow_held_back, add_completed, b, st, &diag);

	if (rc < 0)
		sp_err("export: completion: %s", diag.msg[0] ? diag.msg : strerror(-rc));
	return rc;
}

/* What completion did, and what it held back with the chain that reaches it. */
static void print_completion(const struct export_opts *o, const struct sp_policy *p,
			     const struct sp_completer_stats *st)
{
	if (o->no_complete)
		return;
	if (st->stacks == 0) {
		printf("completion: %s has no stacks (record with --stack=addr): only malloc's "
		       "family added (%zu)\n",
		       o->trace, st->memory);
		return;
	}
	printf("completion: %zu stacks in %zu processes, %zu modules (%zu cached, %zu not "
	       "found), %zu functions reached, %zu syscall sites without a constant number; "
	       "%zu completed, %zu held back, %zu of malloc's family\n",
	       st->stacks, st->processes, st->modules, st->cached, st->missing, st->scope.reached,
	       st->unresolved, st->added, st->held_back, st->memory);
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_phase_info ph;
		struct sp_call_info ci;

		sp_policy_phase_info(p, i, &ph);
		if (!ph.by_prov[SP_PROV_COMPLETED] && !ph.n_held_back)
			continue;
		printf("  %s: %zu completed, %zu held back%s\n", sp_policy_phase_name(p, i),
		       ph.by_prov[SP_PROV_COMPLETED], ph.n_held_back,
		       ph.n_held_back ? " (--allow-held-back allows them):" : "");
		for (size_t c = 0; sp_policy_held_back_call(p, i, c, &ci) == 0; c++) {
			const json_t *chain = json_object_get(ci.why, "chain"), *step;
			size_t n;

			printf("    %s via", ci.name);
			json_array_foreach(chain, n, step)
			    printf("%s %s", n ? " >" : "", json_string_value(step));
			putchar('\n');
		}
	}
}

/*
 * Reads every event of the trace into a policy: through the detector with
 * --rules, else with the trace's own stamps.  0, -ENOMEM, or another
 * -errno after saying what is wrong.
 */
static int build_policy(const struct export_opts *o, struct sp_trace_reader *r,
			const struct sp_rules *rules, struct sp_policy **out,
			struct sp_completer_stats *cst)
{
	const struct sp_trace_header *h = sp_trace_reader_header(r);
	json_t *rules_json, *program;
	size_t n_order = sp_rules_phase_count(rules);
	const char **order = calloc(n_order + 1, sizeof(*order));
	struct sp_detector *det = NULL;
	struct sp_policy_builder *b = NULL;
	struct sp_completer *k = NULL;
	struct sp_baseline *bl = sp_baseline_new();
	struct sp_diag diag = {{0}};
	char digest[80];
	int rc = -ENOMEM;

	*out = NULL;
	if (!order || !bl)
		goto out;
	if (!o->no_complete && !(k = sp_completer_new(NULL)))
		goto out;
	for (size_t i = 0; i < n_order; i++)
		order[i] = sp_rules_phase_name(rules, (int)i);
	if (o->rules && !(det = sp_detector_new(rules)))
		goto out;
	b = sp_policy_builder_new(o->args, order, n_order);
	if (!b)
		goto out;
	rules_json = sp_rules_to_json(rules);
	program = json_pack("{s:O?,s:s?}", "command", h->command, "arch", h->arch);
	if (!rules_json || !program) {
		json_decref(rules_json);
		json_decref(program);
		rc = -ENOMEM;
		goto out;
	}
	/* The identity a complain log's headers must name (before the builder owns rules_json). */
	if (sp_complain_policy_digest(json_string_value(json_array_get(h->command, 0)), rules_json,
				      digest, sizeof(digest)) < 0) {
		json_decref(rules_json);
		json_decref(program);
		rc = -ENOMEM;
		goto out;
	}
	rc = sp_policy_builder_set_origin(b, program, rules_json, sp_rules_name(rules));
	if (rc == 0)
		rc = read_events(r, det, b, k, bl, o->trace);
	for (size_t i = 0; rc >= 0 && i < o->n_merge; i++)
		rc = read_complain_log(o->merge[i], b, rules, digest);
	if (rc >= 0 && k)
		rc = complete_policy(o, k, b, cst);
	/* What the kernel and the C runtime do on the program's behalf (docs/baseline.md). */
	if (rc >= 0 && (rc = sp_baseline_apply(bl, b, &diag)) < 0 && rc != -ENOMEM)
		sp_err("export: %s", diag.msg);
	if (rc < 0)
		goto out;
	rc = sp_policy_builder_finish(b, out, &diag);
	b = NULL;
	if (rc < 0 && rc != -ENOMEM)
		sp_err("export: %s: %s", o->trace, diag.msg);
out:
	sp_completer_free(k);
	sp_policy_builder_free(b);
	sp_baseline_free(bl);
	sp_detector_free(det);
	free(order);
	return rc;
}

/* File names for the phases; 0 or -errno after saying what is wrong (-ENOMEM silently). */
static int name_files(struct export_ctx *x)
{
	int rc = make_stems(x);

	for (size_t i = 0; rc == 0 && i < sp_policy_phase_count(x->p); i++) {
		char name[PATH_MAX];

		snprintf(name, sizeof(name), "%s.h", x->stems[i]);
		if ((x->o->formats & (1u << SP_FMT_C)) && strcmp(name, SP_C_HEADER_NAME) == 0) {
			sp_err("export: phase '%s' clashes with the C header's file name",
			       sp_policy_phase_name(x->p, i));
			rc = -EINVAL;
		}
	}
	return rc;
}

/* Writes everything into a temporary directory and moves it into place; an exit status. */
static int write_outputs(struct export_ctx *x)
{
	char parent[PATH_MAX];
	int rc, status = SP_EXIT_FAILURE;

	/* Next to DIR, so that the final rename stays on one file system. */
	snprintf(parent, sizeof(parent), "%s", x->o->dir);
	snprintf(x->tmp, sizeof(x->tmp), "%s/.sysphase-export.XXXXXX", dirname(parent));
	if (!mkdtemp(x->tmp)) {
		sp_err("export: cannot create a directory next to %s: %s", x->o->dir,
		       strerror(errno));
		/* A parent that does not exist is the user's to fix: bad input. */
		if (errno == ENOENT || errno == ENOTDIR)
			status = SP_EXIT_USAGE;
		x->tmp[0] = '\0';
		return status;
	}
	if (write_policy(x) == 0 && write_filters(x) == 0) {
		rc = publish(x);
		if (rc == 0) {
			x->tmp[0] = '\0';
			status = 0;
		} else {
			sp_err("export: cannot move the result to %s: %s", x->o->dir,
			       strerror(-rc));
		}
	}
	if (x->tmp[0])
		rm_tree(x->tmp);
	x->tmp[0] = '\0';
	return status;
}

static void warn_foreign(const struct sp_policy *p)
{
	for (size_t i = 0; i < sp_policy_phase_count(p); i++) {
		struct sp_phase_info ph;

		sp_policy_phase_info(p, i, &ph);
		if (ph.other_abi || ph.unknown)
			sp_warn("export: phase '%s' made %llu calls no x86-64 filter can allow "
				"(i386, x32 or unknown numbers): they get the default action",
				sp_policy_phase_name(p, i),
				(unsigned long long)(ph.other_abi + ph.unknown));
	}
}

static int export_run(struct export_opts *o)
{
	struct export_ctx x = {.o = o};
	struct sp_completer_stats cst = {0};
	struct sp_trace_reader *r = NULL;
	struct sp_rules *rules = NULL;
	struct sp_diag diag = {{0}};
	size_t files = 0;
	int rc, status = SP_EXIT_USAGE;

	rc = dir_busy(o->dir);
	if (rc < 0) {
		sp_err("export: %s: %s", o->dir, strerror(-rc));
		return SP_EXIT_USAGE;
	}
	if (rc > 0 && !o->force) {
		sp_err("export: %s exists and is not empty (use --force to replace it)", o->dir);
		return SP_EXIT_USAGE;
	}
	rc = sp_trace_reader_open(o->trace, &r, &diag);
	if (rc < 0) {
		sp_err("export: %s", diag.msg);
		return SP_EXIT_USAGE;
	}
	rc = load_rules(o, sp_trace_reader_header(r), &rules);
	if (rc == 0)
		rc = build_policy(o, r, rules, &x.p, &cst);
	if (rc == 0)
		rc = name_files(&x);
	if (rc == -ENOMEM) {
		sp_err("out of memory");
		status = SP_EXIT_FAILURE;
	}
	if (rc < 0)
		goto out;
	status = write_outputs(&x);
	if (status != 0)
		goto out;
	for (unsigned f = 0; f < SP_FMT_COUNT; f++)
		if (o->formats & (1u << f))
			files += f == SP_FMT_C ? 1 : sp_policy_phase_count(x.p);
	print_summary(&x, rules, files);
	print_completion(o, x.p, &cst);
	warn_foreign(x.p);
out:
	for (size_t i = 0; x.stems && i < sp_policy_phase_count(x.p); i++)
		free(x.stems[i]);
	free(x.stems);
	sp_policy_free(x.p);
	sp_rules_free(rules);
	sp_trace_reader_free(r);
	return status;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : SP_EXIT_USAGE;
	return export_run(&o);
}
