/* SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sysphase/filters.h"

static const char *const fmt_names[SP_FMT_COUNT] = {
    [SP_FMT_BPF] = "bpf", [SP_FMT_PFC] = "pfc",         [SP_FMT_OCI] = "oci",
    [SP_FMT_K8S] = "k8s", [SP_FMT_SYSTEMD] = "systemd", [SP_FMT_C] = "c",
};

static const char *const fmt_exts[SP_FMT_COUNT] = {
    [SP_FMT_BPF] = ".bpf",      [SP_FMT_PFC] = ".pfc",      [SP_FMT_OCI] = ".oci.json",
    [SP_FMT_K8S] = ".k8s.json", [SP_FMT_SYSTEMD] = ".conf", [SP_FMT_C] = ".h",
};

const char *sp_format_name(enum sp_format f)
{
	return (unsigned)f < SP_FMT_COUNT ? fmt_names[f] : NULL;
}

const char *sp_format_ext(enum sp_format f)
{
	return (unsigned)f < SP_FMT_COUNT ? fmt_exts[f] : NULL;
}

int sp_formats_parse(const char *list, unsigned *set, struct sp_diag *diag)
{
	const char *p = list;

	*set = 0;
	if (!list || !*list)
		return sp_diag_set(diag, EINVAL, "empty format list");
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned f;

		if (len == 3 && strncmp(p, "all", 3) == 0) {
			*set |= (1u << SP_FMT_COUNT) - 1;
		} else if (len == 6 && strncmp(p, "docker", 6) == 0) {
			*set |= 1u << SP_FMT_OCI; /* Docker reads the OCI profile as it is */
		} else {
			for (f = 0; f < SP_FMT_COUNT; f++)
				if (strlen(fmt_names[f]) == len &&
				    strncmp(p, fmt_names[f], len) == 0)
					break;
			if (f == SP_FMT_COUNT)
				return sp_diag_set(
				    diag, EINVAL,
				    "unknown format '%.*s' (bpf, pfc, oci or docker, "
				    "k8s, systemd, c, all)",
				    (int)len, p);
			*set |= 1u << f;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * What runc (1.1, Go) does after it loads the container's filter and
 * before its execve.  With "noNewPrivileges": true (runc's default, which
 * loads the filter as late as it can): closing its exec fifo and the fds
 * it inherited (openat, getdents64 on /proc/self/fd, fstatfs to check
 * that /proc is procfs, fcntl, close), reporting (write, read, getpid)
 * and the Go runtime's own work on every thread: futex, nanosleep,
 * sched_yield, epoll, signals for preemption (tgkill, rt_sigreturn,
 * sigaltstack, rt_sigprocmask), memory (mmap, munmap, madvise) and
 * thread exit.  Without no_new_privs (Docker's default) runc loads the
 * filter before it drops privileges, so these run under it too: capget,
 * capset, prctl (capability bounding set, keepcaps), setgroups, setgid,
 * setuid, and the cwd and exec checks (chdir, getcwd, faccessat2, fstat,
 * newfstatat, getppid).  Seen with `sysphase record -- runc run` on
 * Debian 12's runc 1.1.5, between runc's prctl(PR_SET_SECCOMP) and the
 * entrypoint's execve (docs/containers.md); tests/e2e/filters_consumers.sh
 * and start_profile.sh run containers under it.
 */
static const char *const runc_syscalls[] = {
    "capget",  "capset",    "chdir",      "close",          "epoll_ctl",    "epoll_pwait",
    "execve",  "exit",      "exit_group", "faccessat2",     "fcntl",        "fstat",
    "fstatfs", "futex",     "getcwd",     "getdents64",     "getpid",       "getppid",
    "gettid",  "madvise",   "mmap",       "munmap",         "nanosleep",    "newfstatat",
    "openat",  "prctl",     "read",       "rt_sigprocmask", "rt_sigreturn", "sched_yield",
    "setgid",  "setgroups", "setuid",     "sigaltstack",    "tgkill",       "write",
    NULL,
};

/*
 * crun (1.8, C) loads the filter last: with no_new_privs only close and
 * execve follow; without, it still drops privileges under it (capset,
 * prctl, setresgid, setresuid), resets signals (rt_sigaction,
 * rt_sigprocmask) and may report an error (write).  Seen the same way.
 * After `crun create` it then waits for `crun start` on its exec fifo
 * (pselect6, then read; strace of crun create + start).
 */
static const char *const crun_syscalls[] = {
    "capset",       "close",          "execve",    "exit_group", "prctl", "pselect6", "read",
    "rt_sigaction", "rt_sigprocmask", "setresgid", "setresuid",  "write", NULL,
};

const char *const sp_runtimes[] = {"runc", "crun", NULL};

const char *const *sp_runtime_syscalls(const char *runtime)
{
	if (runtime && strcmp(runtime, "runc") == 0)
		return runc_syscalls;
	if (runtime && strcmp(runtime, "crun") == 0)
		return crun_syscalls;
	return NULL;
}

static int stream_status(FILE *out)
{
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}

/*
 * A program path or a phase name inside a comment.  Both are hostile: the
 * traced program picks its path and the names it makes a trace carry, a
 * rule file picks phase names.  Printable ASCII stays, a backslash is
 * doubled, every other byte becomes \xNN, so the text stays on its line:
 * a newline in it can never start a systemd directive or a PFC line of its
 * own.  In a C comment, '*' and '/' next to each other are escaped too, so
 * the text can neither end the comment nor open one (-Wcomment), and "??"
 * never forms a trigraph (-std=c17 reads ??/ as a backslash).
 */
static void comment_text(FILE *out, const char *s, bool c_comment)
{
	unsigned char prev = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\x%02x", c);
		else if (c_comment && ((c == '/' && prev == '*') || (c == '*' && prev == '/') ||
		                       (c == '?' && prev == '?')))
			fprintf(out, "\\%c", c);
		else
			fputc(c, out);
		prev = c;
	}
}

/* The architectures of f: x86-64 unless it names others. */
static unsigned arches_of(const struct sp_phase_filter *f)
{
	return f->arches ? f->arches : SP_ARCH_BIT(SP_ARCH_X86_64);
}

/* Whether libseccomp knows name on one of f's architectures. */
static bool known_name(const struct sp_phase_filter *f, const char *name)
{
	unsigned set = arches_of(f);

	if (set == SP_ARCH_BIT(SP_ARCH_X86_64))
		return sp_filter_syscall_nr(name) >= 0;
	for (unsigned a = 0; a < SP_ARCH_COUNT; a++)
		if ((set & SP_ARCH_BIT(a)) && sp_arch_has((enum sp_arch)a, name))
			return true;
	return false;
}

/* Every name the filter allows is one libseccomp knows on its architectures, or -EINVAL. */
static int check_names(const struct sp_phase_filter *f, struct sp_diag *diag)
{
	for (size_t i = 0; i < f->n_allow; i++)
		if (!f->allow[i].name || !known_name(f, f->allow[i].name))
			return sp_diag_set(
			    diag, EINVAL, "'%s' is not a syscall libseccomp knows on %s",
			    f->allow[i].name ? f->allow[i].name : "(null)",
			    arches_of(f) == SP_ARCH_BIT(SP_ARCH_X86_64) ? "x86-64"
									: "these arches");
	return 0;
}

/* The BPF of f's context, or -E2BIG (with diag) when the kernel would refuse it. */
static int program_of(const struct sp_phase_filter *f, struct sock_filter **insns, size_t *n,
                      struct sp_diag *diag)
{
	int rc = sp_filter_bpf(f->ctx, insns, n);

	if (rc == -E2BIG)
		return sp_diag_set(diag, E2BIG,
		                   "the filter is longer than the kernel's %d BPF instructions",
		                   BPF_MAXINSNS);
	if (rc < 0)
		return sp_diag_set(diag, -rc, "cannot export the filter's BPF: %s", strerror(-rc));
	return 0;
}

int sp_write_bpf(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	struct sock_filter *insns;
	size_t n;
	int rc;

	/* Through memory: a program the kernel would refuse (-E2BIG) is not written. */
	rc = program_of(f, &insns, &n, diag);
	if (rc < 0)
		return rc;
	if (fwrite(insns, sizeof(*insns), n, out) != n)
		rc = -EIO;
	free(insns);
	return rc < 0 ? rc : stream_status(out);
}

/* "# sysphase: phase "P" of PROGRAM" with both escaped, for the line-based formats. */
static void hash_comment(FILE *out, const struct sp_phase_filter *f)
{
	fputs("# sysphase: phase \"", out);
	comment_text(out, f->phase, false);
	fputs("\" of ", out);
	comment_text(out, f->program ? f->program : "the program", false);
}

int sp_write_pfc(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	int rc;

	(void)diag;
	hash_comment(out, f);
	fprintf(out, ", %s view, %zu syscalls, default action %s\n", f->view ? f->view : "enforce",
	        f->n_allow, sp_action_name(f->def));
	if (fflush(out) != 0)
		return -EIO;
	rc = seccomp_export_pfc(f->ctx, fileno(out));
	return rc < 0 ? rc : stream_status(out);
}

/* ---- OCI and Kubernetes: the same syscalls array ---- */

static int set(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

static int push(json_t *a, json_t *v)
{
	return v ? json_array_append_new(a, v) : -1;
}

/*
 * One entry per combination of argument values (OCI ANDs the args of an
 * entry and ORs entries), after one entry with every unconstrained name.
 * For SCMP_CMP_MASKED_EQ the OCI "value" is the mask and "valueTwo" the
 * datum, as runc and crun hand them to libseccomp.
 */
static int add_constrained(json_t *arr, const struct sp_allow *al)
{
	size_t pos[6] = {0};
	int rc = 0;

	for (;;) {
		json_t *e = json_object(), *names = json_array(), *args = json_array();

		rc |= push(names, json_string(al->name));
		rc |= set(e, "names", names);
		rc |= set(e, "action", json_string("SCMP_ACT_ALLOW"));
		for (size_t i = 0; args && i < al->n_conds; i++) {
			const struct sp_arg_cond *c = &al->conds[i];
			json_t *a = json_object();
			uint64_t value, value_two;

			sp_cond_datums(c, pos[i], &value, &value_two);
			rc |= set(a, "index", json_integer(c->index));
			rc |= set(a, "value", json_integer((json_int_t)value));
			rc |= set(a, "valueTwo", json_integer((json_int_t)value_two));
			rc |= set(a, "op", json_string(sp_cmp_name(c->op)));
			rc |= push(args, a);
		}
		rc |= set(e, "args", args);
		rc |= push(arr, e);
		if (rc)
			return -ENOMEM;
		if (!sp_allow_next_combination(al, pos))
			return 0;
	}
}

/*
 * What a text format may not carry: a name libseccomp does not know on
 * x86-64 (runc and crun drop those silently, systemd refuses the unit),
 * or a value jansson would mangle (it writes signed 64-bit integers).
 */
static int check_allow(const struct sp_phase_filter *f, struct sp_diag *diag)
{
	int rc = check_names(f, diag);

	for (size_t i = 0; rc == 0 && i < f->n_allow; i++)
		for (size_t c = 0; c < f->allow[i].n_conds; c++) {
			const struct sp_arg_cond *cd = &f->allow[i].conds[c];
			bool big = cd->mask > INT64_MAX;

			for (size_t v = 0; v < cd->n_values; v++)
				big |= cd->values[v] > INT64_MAX;
			if (big)
				return sp_diag_set(diag, ERANGE,
				                   "%s: an argument value above 2^63-1, which "
				                   "JSON profiles cannot carry",
				                   f->allow[i].name);
		}
	return rc;
}

static json_t *syscalls_json(const struct sp_phase_filter *f)
{
	json_t *arr = json_array(), *plain = json_object(), *names = json_array();
	int rc = 0;

	for (size_t i = 0; names && i < f->n_allow; i++)
		if (f->allow[i].n_conds == 0)
			rc |= push(names, json_string(f->allow[i].name));
	rc |= set(plain, "names", names);
	rc |= set(plain, "action", json_string("SCMP_ACT_ALLOW"));
	rc |= push(arr, plain);
	for (size_t i = 0; !rc && i < f->n_allow; i++)
		if (f->allow[i].n_conds)
			rc |= add_constrained(arr, &f->allow[i]);
	if (rc) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* The profile body shared by OCI and the SeccompProfile spec. */
static json_t *profile_json(const struct sp_phase_filter *f, bool oci)
{
	json_t *o = json_object(), *arch = json_array();
	int rc = 0;

	rc |= set(o, "defaultAction", json_string(sp_action_oci(f->def)));
	/* SCMP_ACT_ERRNO without a number means EPERM in runc; say it anyway. */
	if (oci && f->def == SP_ACTION_ERRNO)
		rc |= set(o, "defaultErrnoRet", json_integer(EPERM));
	/*
	 * The architectures asked for (x86-64 alone by default): the runtime
	 * builds no part for any other (i386, x32 on an x86-64 node), so
	 * those calls get the bad-arch action instead of the allowlist.
	 */
	for (unsigned a = 0; a < SP_ARCH_COUNT; a++)
		if (arches_of(f) & SP_ARCH_BIT(a))
			rc |= push(arch, json_string(sp_arch_oci((enum sp_arch)a)));
	rc |= set(o, "architectures", arch);
	rc |= set(o, "syscalls", syscalls_json(f));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int dump(json_t *root, FILE *out)
{
	int rc;

	if (!root)
		return -ENOMEM;
	rc = json_dumpf(root, out, JSON_INDENT(2));
	json_decref(root);
	if (rc < 0 || fputc('\n', out) == EOF)
		return -EIO;
	return stream_status(out);
}

int sp_write_oci(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	int rc = check_allow(f, diag);

	return rc < 0 ? rc : dump(profile_json(f, true), out);
}

/*
 * A Kubernetes object name, valid as a DNS-1123 subdomain whatever the
 * program and the phase are called: lower-case letters, digits and
 * single '-' (no '.', which would need a letter or digit on both sides).
 */
static void k8s_name(const struct sp_phase_filter *f, char *buf, size_t size)
{
	const char *prog = f->program ? strrchr(f->program, '/') : NULL;
	size_t n = 0;
	char raw[512];

	prog = prog ? prog + 1 : f->program ? f->program : "program";
	/* The start profile (view "start") is the program's, not its first phase's. */
	snprintf(raw, sizeof(raw), "sysphase-%s-%s", prog,
	         f->view && strcmp(f->view, SP_START_STEM) == 0 ? SP_START_STEM : f->phase);
	for (const char *s = raw; *s && n + 1 < size && n < 253; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (!isalnum((unsigned char)c) || (unsigned char)c >= 0x80)
			c = '-';
		if (c == '-' && n > 0 && buf[n - 1] == '-')
			continue;
		buf[n++] = c;
	}
	while (n > 0 && !isalnum((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
}

int sp_write_k8s(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	json_t *root = json_object(), *meta = json_object(), *ann = json_object();
	/* jansson escapes whatever JSON needs; it refuses bytes that are not UTF-8. */
	json_t *phase = json_string(f->phase);
	char name[254];
	int rc = check_allow(f, diag);

	if (rc == 0 && !phase)
		rc = sp_diag_set(diag, EINVAL,
		                 "a phase name that is not UTF-8 cannot be a "
		                 "Kubernetes annotation");
	if (rc < 0) {
		json_decref(root);
		json_decref(meta);
		json_decref(ann);
		json_decref(phase);
		return rc;
	}
	k8s_name(f, name, sizeof(name));
	rc |= set(root, "apiVersion", json_string("security-profiles-operator.x-k8s.io/v1beta1"));
	rc |= set(root, "kind", json_string("SeccompProfile"));
	rc |= set(meta, "name", json_string(name));
	rc |= set(ann, "sysphase/phase", phase);
	rc |= set(ann, "sysphase/view", json_string(f->view ? f->view : "enforce"));
	rc |= set(meta, "annotations", ann);
	rc |= set(root, "metadata", meta);
	rc |= set(root, "spec", profile_json(f, false));
	if (rc) {
		json_decref(root);
		return -ENOMEM;
	}
	return dump(root, out);
}

int sp_write_systemd(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	bool constrained = false;
	int rc = check_names(f, diag);

	if (rc < 0)
		return rc;
	/*
	 * Only libseccomp's syscall names reach a directive; the program and
	 * the phase stay in this comment, escaped onto its one line.
	 */
	hash_comment(out, f);
	fprintf(out, " (%s view), default action %s\n", f->view ? f->view : "enforce",
	        sp_action_name(f->def));
	for (size_t i = 0; i < f->n_allow; i++)
		constrained |= f->allow[i].n_conds > 0;
	if (constrained)
		fputs(
		    "# SystemCallFilter= takes names only: argument constraints are not applied.\n",
		    out);
	fputs("# systemd also allows its @default set (execve, exit, time, sleep...).\n", out);
	fputs("[Service]\n", out);
	/* native = x86-64 alone: i386 and x32 calls are refused whatever the list says. */
	fputs("SystemCallArchitectures=native\n", out);
	if (f->def == SP_ACTION_LOG) {
		/* Allow everything, log what is outside the list (systemd >= 247). */
		fputs("SystemCallLog=~", out);
	} else {
		fputs("SystemCallFilter=", out);
	}
	for (size_t i = 0; i < f->n_allow; i++)
		fprintf(out, "%s%s", i ? " " : "", f->allow[i].name);
	fputc('\n', out);
	/* Without it, a call outside the list kills the process with SIGSYS. */
	if (f->def == SP_ACTION_ERRNO)
		fputs("SystemCallErrorNumber=EPERM\n", out);
	return stream_status(out);
}

/* ---- the C header ---- */

/* A C string literal; '?' too is escaped, so that no "??/" trigraph eats a quote. */
static void c_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\' || c == '?')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static int c_phase(const struct sp_phase_filter *f, size_t idx, FILE *out, struct sp_diag *diag)
{
	struct sock_filter *insns;
	size_t n, col = 0;
	int rc = program_of(f, &insns, &n, diag);

	if (rc < 0)
		return rc;
	fputs("/*\n * Phase \"", out);
	comment_text(out, f->phase, true);
	fprintf(out, "\", %s view, %zu syscalls:\n *", f->view ? f->view : "enforce", f->n_allow);
	for (size_t i = 0; i < f->n_allow; i++) {
		size_t len = strlen(f->allow[i].name) + 1;

		if (col + len > 76) {
			fputs("\n *", out);
			col = 0;
		}
		fprintf(out, " %s%s", f->allow[i].name, f->allow[i].n_conds ? "()" : "");
		col += len + (f->allow[i].n_conds ? 2 : 0);
	}
	fputs("\n * (name() = with argument constraints)\n */\n", out);
	fprintf(out, "static const struct sock_filter sysphase_filter_%zu[%zu] = {\n", idx, n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t{0x%04x, %u, %u, 0x%08x},\n", insns[i].code, insns[i].jt,
		        insns[i].jf, insns[i].k);
	fputs("};\n\n", out);
	free(insns);
	return 0;
}

static const char c_prologue[] =
    "#include <errno.h>\n"
    "#include <stddef.h>\n"
    "#include <string.h>\n"
    "#include <sys/prctl.h>\n"
    "#include <sys/syscall.h>\n"
    "#include <unistd.h>\n"
    "\n"
    "#include <linux/filter.h>\n"
    "#include <linux/seccomp.h>\n"
    "\n"
    "/* <unistd.h> declares syscall(2) only with _DEFAULT_SOURCE: say it for -std=c17 too. */\n"
    "extern long syscall(long number, ...);\n"
    "\n";

static const char c_enter[] =
    "/*\n"
    " * Installs the filter of phase `name` for the whole process and returns\n"
    " * 0, or -1 with errno: ENOENT for an unknown phase, ESRCH when a thread\n"
    " * could not be synchronised, else what prctl(2) or seccomp(2) said.\n"
    " * Filters stack and only narrow: call it at each phase boundary, in\n"
    " * order.  The first call sets NO_NEW_PRIVS, which seccomp(2) requires\n"
    " * without CAP_SYS_ADMIN; every phase with a later phase allows\n"
    " * seccomp(SECCOMP_SET_MODE_FILTER) so that the next call can succeed.\n"
    " * TSYNC puts every thread of the process under the new filter at once.\n"
    " */\n"
    "static inline __attribute__((unused)) int sysphase_enter_phase(const char *name)\n"
    "{\n"
    "\tstatic int sysphase_nnp_done;\n"
    "\tstruct sock_fprog prog;\n"
    "\tsize_t i;\n"
    "\tlong rc;\n"
    "\n"
    "\tfor (i = 0; i < sizeof(sysphase_phases) / sizeof(sysphase_phases[0]); i++)\n"
    "\t\tif (strcmp(sysphase_phases[i].name, name) == 0)\n"
    "\t\t\tbreak;\n"
    "\tif (i == sizeof(sysphase_phases) / sizeof(sysphase_phases[0])) {\n"
    "\t\terrno = ENOENT;\n"
    "\t\treturn -1;\n"
    "\t}\n"
    "\tif (!sysphase_nnp_done) {\n"
    "\t\tif (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)\n"
    "\t\t\treturn -1;\n"
    "\t\tsysphase_nnp_done = 1;\n"
    "\t}\n"
    "\tprog.len = sysphase_phases[i].len;\n"
    "\tprog.filter = (struct sock_filter *)sysphase_phases[i].filter;\n"
    "\trc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);\n"
    "\tif (rc > 0) {\n"
    "\t\t/* TSYNC failed: rc is the thread that could not take the filter. */\n"
    "\t\terrno = ESRCH;\n"
    "\t\treturn -1;\n"
    "\t}\n"
    "\treturn rc == 0 ? 0 : -1;\n"
    "}\n";

int sp_write_c_header(const struct sp_phase_filter *phases, size_t n, FILE *out,
                      struct sp_diag *diag)
{
	const char *prog = n && phases[0].program ? phases[0].program : "the program";
	int rc;

	fputs("/*\n * Generated by sysphase export: the seccomp filters of ", out);
	comment_text(out, prog, true);
	fprintf(out, ",\n * one per phase, default action %s, x86-64 only.\n */\n",
	        n ? sp_action_name(phases[0].def) : "kill");
	fputs("#ifndef SYSPHASE_PHASES_H\n#define SYSPHASE_PHASES_H\n\n", out);
	fputs(c_prologue, out);
	for (size_t i = 0; i < n; i++) {
		rc = c_phase(&phases[i], i, out, diag);
		if (rc < 0)
			return rc;
	}
	fputs("static const struct {\n\tconst char *name;\n\tconst struct sock_filter *filter;\n"
	      "\tunsigned short len;\n} sysphase_phases[] __attribute__((unused)) = {\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		fputs("\t{", out);
		c_string(out, phases[i].phase);
		fprintf(out,
		        ", sysphase_filter_%zu,\n\t (unsigned short)(sizeof(sysphase_filter_%zu) "
		        "/ sizeof(sysphase_filter_%zu[0]))},\n",
		        i, i, i);
	}
	fputs("};\n\n", out);
	fputs(c_enter, out);
	fputs("\n#endif /* SYSPHASE_PHASES_H */\n", out);
	return stream_status(out);
}
