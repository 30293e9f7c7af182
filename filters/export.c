/* SPDX-License-Identifier: MIT */
/*
 * The export directory: policy.json and one filter per phase per format,
 * each format in the allowlist variant it takes, written into a
 * temporary directory next to DIR and renamed into place.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysphase/filters.h"

const char *sp_view_name(enum sp_view v)
{
	return v == SP_VIEW_EXACT ? "exact" : v == SP_VIEW_ENFORCE ? "enforce" : NULL;
}

int sp_view_from_name(const char *name)
{
	if (name && strcmp(name, "exact") == 0)
		return SP_VIEW_EXACT;
	if (name && strcmp(name, "enforce") == 0)
		return SP_VIEW_ENFORCE;
	return -EINVAL;
}

enum variant {
	VAR_PLAIN = 0,
	VAR_STACK,
	VAR_RUNTIME,
	VAR_INSPECT,
	VAR_COUNT
};

struct built {
	struct sp_allow *allow;
	size_t n;
	scmp_filter_ctx ctx;
};

struct exporter {
	const struct sp_export_source *src;
	const struct sp_export_opts *o;
	char **stems;        /* per phase: its file name stem */
	char dest[PATH_MAX]; /* DIR, or the directory its symlink names */
	char tmp[PATH_MAX + 32];
	struct sp_diag *diag;
};

static enum sp_view variant_view(const struct sp_export_opts *o, enum variant v)
{
	return v == VAR_INSPECT ? SP_VIEW_EXACT : o->view;
}

static enum variant variant_of(const struct sp_export_opts *o, enum sp_format f)
{
	if (f == SP_FMT_PFC && !o->view_set)
		return VAR_INSPECT;
	if (f == SP_FMT_C)
		return VAR_STACK;
	if ((f == SP_FMT_OCI || f == SP_FMT_K8S) && o->runtime)
		return VAR_RUNTIME;
	return VAR_PLAIN;
}

static const char *phase_name(const struct exporter *x, size_t i)
{
	return x->src->phase_name(x->src->ctx, i);
}

/* ---- file names ---- */

/* Whether the start profile is written (sp_export_opts.start). */
static bool wants_start(const struct sp_export_opts *o, size_t n_phases)
{
	return o->start && o->start_phase < n_phases &&
	       (o->formats & ((1u << SP_FMT_OCI) | (1u << SP_FMT_K8S)));
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

static int name_files(struct exporter *x)
{
	size_t n = x->src->n_phases;

	x->stems = calloc(n + 1, sizeof(*x->stems));
	if (!x->stems)
		return sp_diag_set(x->diag, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char header[PATH_MAX];

		x->stems[i] = stem_of(phase_name(x, i));
		if (!x->stems[i])
			return sp_diag_set(x->diag, ENOMEM, "out of memory");
		for (size_t j = 0; j < i; j++)
			if (strcmp(x->stems[i], x->stems[j]) == 0)
				return sp_diag_set(x->diag, EINVAL,
				                   "phases '%s' and '%s' would share the file "
				                   "name '%s'",
				                   phase_name(x, j), phase_name(x, i), x->stems[i]);
		if (wants_start(x->o, n) && strcmp(x->stems[i], SP_START_STEM_OTHER) == 0)
			return sp_diag_set(x->diag, EINVAL,
			                   "phase '%s' clashes with the start profile's file name",
			                   phase_name(x, i));
		snprintf(header, sizeof(header), "%s.h", x->stems[i]);
		if ((x->o->formats & (1u << SP_FMT_C)) && strcmp(header, SP_C_HEADER_NAME) == 0)
			return sp_diag_set(x->diag, EINVAL,
			                   "phase '%s' clashes with the C header's file name",
			                   phase_name(x, i));
	}
	return 0;
}

/* ---- writing one file ---- */

static FILE *out_file(struct exporter *x, const char *name, const char *ext)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s", x->tmp, name, ext);
	f = fopen(path, "we");
	if (!f)
		sp_diag_set(x->diag, errno, "cannot write '%s': %s", path, strerror(errno));
	return f;
}

/* Closes f after its writer returned rc; why (may be NULL) says why a writer refused. */
static int close_file(struct exporter *x, FILE *f, int rc, const char *what,
                      const struct sp_diag *why)
{
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0 && why && why->msg[0])
		return sp_diag_set(x->diag, -rc, "%s: %s", what, why->msg);
	if (rc < 0)
		return sp_diag_set(x->diag, -rc, "cannot write %s: %s", what, strerror(-rc));
	return 0;
}

static int write_document(struct exporter *x)
{
	FILE *f = out_file(x, "policy", ".json");
	int rc = 0;

	if (!f)
		return -EIO;
	if (json_dumpf(x->src->document, f, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) < 0 ||
	    fputc('\n', f) == EOF)
		rc = -EIO;
	return close_file(x, f, rc, "policy.json", NULL);
}

/* ---- the filters ---- */

static int build_variant(struct exporter *x, size_t i, enum variant v, struct built *b)
{
	const char *const *extra = v == VAR_RUNTIME ? sp_runtime_syscalls(x->o->runtime) : NULL;
	struct sp_diag diag = {{0}};
	size_t n_extra = 0;
	int rc;

	while (extra && extra[n_extra])
		n_extra++;
	rc = x->src->allowlist(x->src->ctx, i, variant_view(x->o, v), v == VAR_STACK, extra,
	                       n_extra, &b->allow, &b->n, &diag);
	if (rc == 0)
		rc = sp_filter_build(&(struct sp_filter_spec){x->o->def, b->n, b->allow}, &b->ctx,
		                     &diag);
	if (rc < 0)
		sp_diag_set(x->diag, -rc, "phase '%s': %s", phase_name(x, i), diag.msg);
	return rc;
}

/* One file of phase i: STEM.EXT, or STEM.ARCH.EXT for arch (-1: none). */
static int write_file(struct exporter *x, const char *stem, enum sp_format f, int arch,
                      const struct sp_phase_filter *pf)
{
	static int (*const writers[SP_FMT_COUNT])(const struct sp_phase_filter *, FILE *,
	                                          struct sp_diag *) = {
	    [SP_FMT_BPF] = sp_write_bpf,         [SP_FMT_PFC] = sp_write_pfc,
	    [SP_FMT_OCI] = sp_write_oci,         [SP_FMT_K8S] = sp_write_k8s,
	    [SP_FMT_SYSTEMD] = sp_write_systemd,
	};
	struct sp_diag why = {{0}};
	char ext[64];
	FILE *out;

	snprintf(ext, sizeof(ext), "%s%s%s", arch < 0 ? "" : ".",
	         arch < 0 ? "" : sp_arch_name((enum sp_arch)arch), sp_format_ext(f));
	out = out_file(x, stem, ext);
	if (!out)
		return -EIO;
	return close_file(x, out, writers[f](pf, out, &why), stem, &why);
}

/*
 * Phase i in format f for every architecture asked (filters/arch.c): one
 * OCI or k8s profile listing them all, one bpf, pfc or systemd file each
 * (x86-64's keeps its plain name), the C header x86-64's alone.
 */
static int write_arches(struct exporter *x, const char *stem, enum sp_format f,
                        const struct sp_phase_filter *pf)
{
	unsigned set = x->o->arches;
	struct sp_diag why = {{0}};
	int rc = 0;

	if (f == SP_FMT_OCI || f == SP_FMT_K8S) {
		struct sp_phase_filter u = *pf;
		struct sp_allow *all;

		rc =
		    sp_arch_union(set, pf->allow, pf->n_allow, &all, &u.n_allow, x->o->notes, &why);
		u.allow = all;
		u.arches = set;
		if (rc == 0)
			rc = write_file(x, stem, f, -1, &u);
		free(all);
		return rc < 0 && why.msg[0] ? sp_diag_set(x->diag, -rc, "%s", why.msg) : rc;
	}
	for (unsigned a = 0; a < SP_ARCH_COUNT && rc == 0; a++) {
		struct sp_phase_filter t = *pf;
		struct sp_allow *list = NULL;

		if (!(set & SP_ARCH_BIT(a)))
			continue;
		if (a == SP_ARCH_X86_64) {
			rc = write_file(x, stem, f, -1, pf);
			continue;
		}
		rc = sp_arch_translate((enum sp_arch)a, pf->allow, pf->n_allow, &list, &t.n_allow,
		                       x->o->notes ? &x->o->notes[a] : NULL, &why);
		t.allow = list;
		t.arches = SP_ARCH_BIT(a);
		if (rc == 0)
			rc = sp_filter_build(&(struct sp_filter_spec){.def = pf->def,
			                                              .n_allow = t.n_allow,
			                                              .allow = list,
			                                              .arch = (enum sp_arch)a},
			                     &t.ctx, &why);
		if (rc == 0)
			rc = write_file(x, stem, f, (int)a, &t);
		else
			sp_diag_set(x->diag, -rc, "phase '%s' on %s: %s", pf->phase,
			            sp_arch_name((enum sp_arch)a), why.msg);
		if (t.ctx)
			seccomp_release(t.ctx);
		free(list);
	}
	return rc;
}

static int write_phase(struct exporter *x, size_t i, struct built *var,
                       struct sp_phase_filter *c_out)
{
	bool multi = x->o->arches & ~SP_ARCH_BIT(SP_ARCH_X86_64);
	int rc;

	for (unsigned f = 0; f < SP_FMT_COUNT; f++) {
		enum variant v = variant_of(x->o, (enum sp_format)f);
		struct sp_phase_filter pf;

		if (!(x->o->formats & (1u << f)))
			continue;
		if (!var[v].ctx && (rc = build_variant(x, i, v, &var[v])) < 0)
			return rc;
		pf = (struct sp_phase_filter){
		    x->src->program, phase_name(x, i), sp_view_name(variant_view(x->o, v)),
		    x->o->def,       var[v].n,         var[v].allow,
		    var[v].ctx};
		if (f == SP_FMT_C) {
			*c_out = pf; /* all phases go into one header, written last */
			continue;
		}
		rc = multi ? write_arches(x, x->stems[i], (enum sp_format)f, &pf)
		           : write_file(x, x->stems[i], (enum sp_format)f, -1, &pf);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The one profile to give a container runtime (start.oci.json,
 * start.k8s.json): the starting phase's enforce view, which is what the
 * program needs from its first instruction on, and what the runtime runs
 * itself after loading it (o->start_extra).
 */
const char *sp_export_start_stem(const struct sp_export_source *src)
{
	for (size_t i = 0; i < src->n_phases; i++) {
		char *stem = stem_of(src->phase_name(src->ctx, i));
		bool clash = stem && strcmp(stem, SP_START_STEM) == 0;

		free(stem);
		if (clash)
			return SP_START_STEM_OTHER;
	}
	return SP_START_STEM;
}

static int write_start(struct exporter *x)
{
	const char *stem = sp_export_start_stem(x->src);
	const struct sp_export_opts *o = x->o;
	bool multi = o->arches & ~SP_ARCH_BIT(SP_ARCH_X86_64);
	struct sp_phase_filter pf = {.program = x->src->program,
	                             .phase = phase_name(x, o->start_phase),
	                             .view = "start",
	                             .def = o->def};
	struct sp_diag why = {{0}};
	struct sp_allow *allow = NULL;
	int rc;

	rc = x->src->allowlist(x->src->ctx, o->start_phase, SP_VIEW_ENFORCE, false, o->start_extra,
	                       o->n_start_extra, &allow, &pf.n_allow, &why);
	if (rc < 0)
		return sp_diag_set(x->diag, -rc, "the start profile: %s", why.msg);
	pf.allow = allow;
	for (unsigned f = SP_FMT_OCI; rc == 0 && f <= SP_FMT_K8S; f++)
		if (o->formats & (1u << f))
			rc = multi ? write_arches(x, stem, (enum sp_format)f, &pf)
			           : write_file(x, stem, (enum sp_format)f, -1, &pf);
	free(allow);
	return rc;
}

static int write_filters(struct exporter *x)
{
	size_t n = x->src->n_phases;
	struct built(*var)[VAR_COUNT] = calloc(n + 1, sizeof(*var));
	struct sp_phase_filter *c = calloc(n + 1, sizeof(*c));
	int rc = 0;

	if (!var || !c) {
		rc = sp_diag_set(x->diag, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = write_phase(x, i, var[i], &c[i]);
	if (rc == 0 && wants_start(x->o, n))
		rc = write_start(x);
	if (rc == 0 && (x->o->formats & (1u << SP_FMT_C))) {
		FILE *out = out_file(x, SP_C_HEADER_NAME, "");
		struct sp_diag why = {{0}};

		rc = out ? close_file(x, out, sp_write_c_header(c, n, out, &why), SP_C_HEADER_NAME,
		                      &why)
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

/* ---- the directory ---- */

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

/*
 * Where the result goes: DIR itself, or the directory a symlink DIR names
 * (renaming onto the link would replace the link, as `cp -r` never does).
 */
static int resolve_dest(struct exporter *x, const char *dir)
{
	struct stat st;
	char *real;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			return sp_diag_set(x->diag, errno, "%s: %s", dir, strerror(errno));
		snprintf(x->dest, sizeof(x->dest), "%s", dir);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		real = realpath(dir, NULL);
		if (!real)
			return sp_diag_set(x->diag, errno == ENOENT ? ENOTDIR : errno,
			                   "%s: a symlink to nothing: %s", dir, strerror(errno));
		snprintf(x->dest, sizeof(x->dest), "%s", real);
		free(real);
		if (stat(x->dest, &st) < 0)
			return sp_diag_set(x->diag, errno, "%s: %s", dir, strerror(errno));
	} else {
		snprintf(x->dest, sizeof(x->dest), "%s", dir);
	}
	if (!S_ISDIR(st.st_mode))
		return sp_diag_set(x->diag, ENOTDIR, "%s: not a directory", dir);
	return 0;
}

/* 1 when the destination exists and holds something, 0 when absent or empty, -errno. */
static int dest_busy(const struct exporter *x)
{
	struct dirent *de;
	DIR *d = opendir(x->dest);
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

/* Next to the destination, so that the final rename stays on one file system. */
static int make_temp(struct exporter *x, const char *dir)
{
	char parent[PATH_MAX];

	snprintf(parent, sizeof(parent), "%s", x->dest);
	snprintf(x->tmp, sizeof(x->tmp), "%s/.sysphase-export.XXXXXX", dirname(parent));
	if (!mkdtemp(x->tmp)) {
		int err = errno;

		x->tmp[0] = '\0';
		return sp_diag_set(x->diag, err, "cannot create a directory next to %s: %s", dir,
		                   strerror(err));
	}
	return 0;
}

/* Moves the finished temporary directory to its place. */
static int publish(struct exporter *x)
{
	mode_t mask = umask(0);

	umask(mask);
	/* mkdtemp made it 0700; the result should look like any directory the user makes. */
	if (chmod(x->tmp, 0777 & ~mask) < 0)
		return -errno;
	if (rename(x->tmp, x->dest) == 0)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return -errno;
	/* Replacing a non-empty directory: swap the two atomically, then drop the old one. */
	if (renameat2(AT_FDCWD, x->tmp, AT_FDCWD, x->dest, RENAME_EXCHANGE) < 0)
		return -errno;
	rm_tree(x->tmp);
	return 0;
}

static size_t count_files(const struct sp_export_source *src, const struct sp_export_opts *o)
{
	unsigned formats = o->formats, arches = o->arches;
	size_t files = 0, n_arches = 0;

	for (unsigned a = 0; a < SP_ARCH_COUNT; a++)
		n_arches += (arches & SP_ARCH_BIT(a)) != 0;
	if (!n_arches)
		n_arches = 1;

	if (wants_start(o, src->n_phases))
		files += !!(formats & (1u << SP_FMT_OCI)) + !!(formats & (1u << SP_FMT_K8S));
	for (unsigned f = 0; f < SP_FMT_COUNT; f++)
		if (formats & (1u << f))
			files += f == SP_FMT_C                        ? 1
			         : f == SP_FMT_OCI || f == SP_FMT_K8S ? src->n_phases
			                                              : src->n_phases * n_arches;
	return files;
}

int sp_export_write(const struct sp_export_source *src, const struct sp_export_opts *o,
                    const char *dir, size_t *files, struct sp_diag *diag)
{
	struct exporter x = {.src = src, .o = o, .diag = diag};
	int rc;

	*files = 0;
	rc = resolve_dest(&x, dir);
	if (rc == 0 && (rc = dest_busy(&x)) < 0)
		sp_diag_set(diag, -rc, "%s: %s", dir, strerror(-rc));
	if (rc > 0 && !o->force)
		rc = sp_diag_set(diag, EEXIST,
		                 "%s exists and is not empty (use --force to replace it)", dir);
	if (rc >= 0)
		rc = name_files(&x);
	if (rc == 0)
		rc = make_temp(&x, dir);
	if (rc == 0)
		rc = write_document(&x);
	if (rc == 0)
		rc = write_filters(&x);
	if (rc == 0) {
		rc = publish(&x);
		if (rc < 0)
			sp_diag_set(diag, -rc, "cannot move the result to %s: %s", dir,
			            strerror(-rc));
		else
			x.tmp[0] = '\0';
	}
	if (x.tmp[0])
		rm_tree(x.tmp);
	for (size_t i = 0; x.stems && i < src->n_phases; i++)
		free(x.stems[i]);
	free(x.stems);
	if (rc == 0)
		*files = count_files(src, o);
	return rc < 0 ? rc : 0;
}
