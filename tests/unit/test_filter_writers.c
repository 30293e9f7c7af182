/* SPDX-License-Identifier: MIT */
/*
 * The writers' output, read back: OCI and Kubernetes JSON structure (one
 * entry per argument combination, MASKED_EQ as value=mask/valueTwo=datum),
 * systemd lines per default action, BPF equal to the context's program,
 * the C header's shape, format lists and the runtime base sets.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "sysphase/filters.h"

static const struct sp_allow allow[] = {
    {.name = "getpid"},
    {"mmap", 1, {{.index = 2, .op = SCMP_CMP_MASKED_EQ, .mask = PROT_EXEC, .n_values = 1}}},
    {"socket",
     2,
     {{.index = 0, .op = SCMP_CMP_EQ, .n_values = 2, .values = {AF_INET, AF_INET6}},
      {.index = 1, .op = SCMP_CMP_EQ, .n_values = 1, .values = {SOCK_STREAM}}}},
    {.name = "write"},
};

static struct sp_phase_filter make(enum sp_action def)
{
	struct sp_filter_spec spec = {def, 4, allow};
	struct sp_phase_filter f = {
	    "/usr/sbin/My_Server", "Serving Requests", "enforce", def, 4, allow, NULL};
	struct sp_diag diag = {{0}};

	assert_int_equal(sp_filter_build(&spec, &f.ctx, &diag), 0);
	return f;
}

/* What a writer wrote, as a string (free()). */
typedef int writer_fn(const struct sp_phase_filter *, FILE *, struct sp_diag *);

static char *capture(writer_fn *w, const struct sp_phase_filter *f, size_t *len)
{
	struct sp_diag diag = {{0}};
	FILE *tmp = tmpfile();
	char *buf;
	long size;

	assert_non_null(tmp);
	assert_int_equal(w(f, tmp, &diag), 0);
	size = ftell(tmp);
	assert_true(size > 0);
	buf = malloc((size_t)size + 1);
	rewind(tmp);
	assert_int_equal(fread(buf, 1, (size_t)size, tmp), (size_t)size);
	buf[size] = '\0';
	fclose(tmp);
	if (len)
		*len = (size_t)size;
	return buf;
}

static void check_profile(json_t *prof, enum sp_action def, bool oci)
{
	json_t *sc = json_object_get(prof, "syscalls"), *e, *names, *args, *a;
	size_t i;

	assert_string_equal(json_string_value(json_object_get(prof, "defaultAction")),
	                    sp_action_oci(def));
	if (oci && def == SP_ACTION_ERRNO)
		assert_int_equal(json_integer_value(json_object_get(prof, "defaultErrnoRet")),
		                 EPERM);
	else
		assert_null(json_object_get(prof, "defaultErrnoRet"));
	assert_int_equal(json_array_size(json_object_get(prof, "architectures")), 1);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(prof, "architectures"), 0)),
	    "SCMP_ARCH_X86_64");
	/* Unconstrained names first, then mmap once, then socket for AF_INET and AF_INET6. */
	assert_int_equal(json_array_size(sc), 4);
	names = json_object_get(json_array_get(sc, 0), "names");
	assert_int_equal(json_array_size(names), 2);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "getpid");
	assert_string_equal(json_string_value(json_array_get(names, 1)), "write");
	e = json_array_get(sc, 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "names"), 0)),
	                    "mmap");
	a = json_array_get(json_object_get(e, "args"), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "index")), 2);
	assert_int_equal(json_integer_value(json_object_get(a, "value")), PROT_EXEC);
	assert_int_equal(json_integer_value(json_object_get(a, "valueTwo")), 0);
	assert_string_equal(json_string_value(json_object_get(a, "op")), "SCMP_CMP_MASKED_EQ");
	json_array_foreach(sc, i, e) {
		assert_string_equal(json_string_value(json_object_get(e, "action")),
		                    "SCMP_ACT_ALLOW");
		if (i < 2)
			continue;
		args = json_object_get(e, "args");
		assert_int_equal(json_array_size(args), 2);
		assert_int_equal(
		    json_integer_value(json_object_get(json_array_get(args, 0), "value")),
		    i == 2 ? AF_INET : AF_INET6);
		assert_int_equal(
		    json_integer_value(json_object_get(json_array_get(args, 1), "value")),
		    SOCK_STREAM);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(args, 1), "op")),
		    "SCMP_CMP_EQ");
	}
}

static void test_oci(void **state)
{
	(void)state;
	for (int d = SP_ACTION_KILL; d <= SP_ACTION_LOG; d++) {
		struct sp_phase_filter f = make((enum sp_action)d);
		char *text = capture(sp_write_oci, &f, NULL);
		json_error_t err;
		json_t *root = json_loads(text, 0, &err);

		assert_non_null(root);
		check_profile(root, (enum sp_action)d, true);
		json_decref(root);
		free(text);
		seccomp_release(f.ctx);
	}
}

static void test_k8s(void **state)
{
	struct sp_phase_filter f = make(SP_ACTION_ERRNO);
	char *text = capture(sp_write_k8s, &f, NULL);
	json_t *root = json_loads(text, 0, NULL), *meta;
	const char *name;

	(void)state;
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "apiVersion")),
	                    "security-profiles-operator.x-k8s.io/v1beta1");
	assert_string_equal(json_string_value(json_object_get(root, "kind")), "SeccompProfile");
	meta = json_object_get(root, "metadata");
	name = json_string_value(json_object_get(meta, "name"));
	/* DNS-1123: lower case, digits, '-', '.'; from the program's base name and the phase. */
	assert_string_equal(name, "sysphase-my-server-serving-requests");
	check_profile(json_object_get(root, "spec"), SP_ACTION_ERRNO, false);
	json_decref(root);
	free(text);
	seccomp_release(f.ctx);
}

static void test_systemd(void **state)
{
	struct sp_phase_filter f = make(SP_ACTION_KILL);
	char *text = capture(sp_write_systemd, &f, NULL);

	(void)state;
	assert_non_null(strstr(text, "\n[Service]\n"));
	assert_non_null(strstr(text, "\nSystemCallArchitectures=native\n"));
	assert_non_null(strstr(text, "\nSystemCallFilter=getpid mmap socket write\n"));
	assert_null(strstr(text, "SystemCallErrorNumber"));
	assert_non_null(strstr(text, "argument constraints are not applied"));
	free(text);
	seccomp_release(f.ctx);
	f = make(SP_ACTION_ERRNO);
	text = capture(sp_write_systemd, &f, NULL);
	assert_non_null(strstr(text, "\nSystemCallErrorNumber=EPERM\n"));
	free(text);
	seccomp_release(f.ctx);
	f = make(SP_ACTION_LOG);
	text = capture(sp_write_systemd, &f, NULL);
	assert_non_null(strstr(text, "\nSystemCallLog=~getpid mmap socket write\n"));
	assert_null(strstr(text, "\nSystemCallFilter="));
	free(text);
	seccomp_release(f.ctx);
}

static void test_bpf_pfc(void **state)
{
	struct sp_phase_filter f = make(SP_ACTION_KILL);
	struct sock_filter *insns;
	size_t n, len;
	char *bpf = capture(sp_write_bpf, &f, &len), *pfc;

	(void)state;
	assert_int_equal(sp_filter_bpf(f.ctx, &insns, &n), 0);
	assert_int_equal(len, n * sizeof(*insns));
	assert_memory_equal(bpf, insns, len);
	pfc = capture(sp_write_pfc, &f, NULL);
	assert_non_null(strstr(pfc, "getpid"));
	assert_non_null(strstr(pfc,
	                       "# sysphase: phase \"Serving Requests\" of /usr/sbin/My_Server, "
	                       "enforce view, 4 syscalls, default action kill\n"));
	assert_non_null(strstr(pfc, "KILL_PROCESS"));
	free(pfc);
	free(bpf);
	free(insns);
	seccomp_release(f.ctx);
}

static int write_header(const struct sp_phase_filter *f, FILE *out, struct sp_diag *diag)
{
	struct sp_phase_filter two[2] = {*f, *f};

	two[1].phase = "second \"phase\"";
	return sp_write_c_header(two, 2, out, diag);
}

static void test_c_header(void **state)
{
	struct sp_phase_filter f = make(SP_ACTION_KILL);
	char *text = capture(write_header, &f, NULL);
	struct sock_filter *insns;
	char line[64];
	size_t n;

	(void)state;
	assert_non_null(strstr(text, "#ifndef SYSPHASE_PHASES_H"));
	assert_non_null(strstr(text, "int sysphase_enter_phase(const char *name)"));
	assert_non_null(strstr(text, "SECCOMP_FILTER_FLAG_TSYNC"));
	assert_non_null(strstr(text, "PR_SET_NO_NEW_PRIVS"));
	assert_non_null(strstr(text, "sysphase_filter_1["));
	assert_non_null(strstr(text, "{\"second \\\"phase\\\"\", sysphase_filter_1,"));
	/* The arrays hold the context's own BPF, instruction by instruction. */
	assert_int_equal(sp_filter_bpf(f.ctx, &insns, &n), 0);
	snprintf(line, sizeof(line), "sysphase_filter_0[%zu] = {\n\t{0x%04x, %u, %u, 0x%08x},", n,
	         insns[0].code, insns[0].jt, insns[0].jf, insns[0].k);
	assert_non_null(strstr(text, line));
	free(insns);
	free(text);
	seccomp_release(f.ctx);
}

/* A name libseccomp does not know never reaches a text format. */
static void test_unknown_name(void **state)
{
	struct sp_phase_filter f = make(SP_ACTION_KILL);
	struct sp_allow bad[] = {{.name = "getpid"}, {.name = "no_such_call"}};
	writer_fn *text_formats[] = {sp_write_oci, sp_write_k8s, sp_write_systemd};
	FILE *tmp = tmpfile();

	(void)state;
	f.allow = bad;
	f.n_allow = 2;
	for (size_t i = 0; i < sizeof(text_formats) / sizeof(text_formats[0]); i++) {
		struct sp_diag diag = {{0}};

		assert_int_equal(text_formats[i](&f, tmp, &diag), -EINVAL);
		assert_non_null(strstr(diag.msg, "'no_such_call'"));
	}
	assert_int_equal(ftell(tmp), 0);
	fclose(tmp);
	seccomp_release(f.ctx);
}

/*
 * Names a traced program or a rule file can choose, each aimed at one way
 * out of a format: a line of its own (systemd, PFC), the end of a C
 * comment or string, a trigraph, a shell or specifier expansion, markup.
 */
static const char *const hostile[] = {
    "x\n[Service]\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'",
    "a\r\nExecStart=/bin/evil",
    "ends in a backslash\\",
    "\\\n[Service]",
    "*/ int evil; /*",
    "**/ int evil(void) { return 1; } /*",
    "/* nested",
    "\"; int evil; const char *x = \"",
    /* Trigraphs ("?\?/" is "??/" without one in this file). */
    "?\?/\" ) evil(",
    "?\?=?\?(?\?)?\?<?\?>?\?!?\?'?\?-",
    "tab\tbell\aesc\x1b[31mdel\x7f",
    "]]></script><script>alert(1)</script><!--",
    "%n%s%x ${HOME} %h $(id)",
    "..dots..-.in.-a..row.",
    "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x92\xa5",
    "",
};

static struct sp_phase_filter hostile_filter(enum sp_action def, const char *name)
{
	struct sp_phase_filter f = make(def);

	f.phase = name;
	f.program = name;
	return f;
}

/* The lines of text, as systemd reads a unit file: "\\\n" joins a line to the next. */
static void check_systemd_lines(const char *text, const char *name)
{
	static const char *const directives[] = {
	    "[Service]",
	    "SystemCallArchitectures=native",
	    "SystemCallFilter=getpid mmap socket write",
	    "SystemCallErrorNumber=EPERM",
	};
	const char *line = text;
	size_t n = 0;

	while (*line) {
		size_t len = strcspn(line, "\n");
		bool known = false;

		if (len && line[len - 1] == '\\')
			fail_msg("phase %zu: a line ends in a backslash, joining the next", n);
		if (line[0] != '#') {
			for (size_t d = 0; d < sizeof(directives) / sizeof(directives[0]); d++)
				known |= strlen(directives[d]) == len &&
				         !strncmp(line, directives[d], len);
			if (!known)
				fail_msg("name \"%s\": a line that is not ours: %.*s", name,
				         (int)len, line);
		}
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
				fail_msg("a control or non-ASCII byte 0x%02x in the unit",
				         (unsigned char)line[i]);
		line += len + (line[len] == '\n');
		n++;
	}
}

static void test_hostile_systemd(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct sp_phase_filter f = hostile_filter(SP_ACTION_ERRNO, hostile[i]);
		char *text = capture(sp_write_systemd, &f, NULL);

		check_systemd_lines(text, hostile[i]);
		assert_non_null(strstr(text, "\n[Service]\n"));
		free(text);
		seccomp_release(f.ctx);
	}
}

/* PFC: the comment line aside, the text is the one a plain name gives. */
static void test_hostile_pfc(void **state)
{
	struct sp_phase_filter plain = make(SP_ACTION_KILL);
	char *want = capture(sp_write_pfc, &plain, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct sp_phase_filter f = hostile_filter(SP_ACTION_KILL, hostile[i]);
		char *text = capture(sp_write_pfc, &f, NULL);

		assert_true(text[0] == '#');
		assert_string_equal(strchr(text, '\n'), strchr(want, '\n'));
		for (const char *c = text; *c != '\n'; c++)
			assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
		free(text);
		seccomp_release(f.ctx);
	}
	free(want);
	seccomp_release(plain.ctx);
}

/* DNS-1123 subdomain: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 253. */
static bool dns1123(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static void test_hostile_json(void **state)
{
	struct sp_phase_filter plain = make(SP_ACTION_ERRNO);
	char *oci_want = capture(sp_write_oci, &plain, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct sp_phase_filter f = hostile_filter(SP_ACTION_ERRNO, hostile[i]);
		char *oci = capture(sp_write_oci, &f, NULL);
		char *k8s = capture(sp_write_k8s, &f, NULL);
		json_t *root = json_loads(k8s, JSON_REJECT_DUPLICATES, NULL), *meta;

		/* OCI carries no name at all. */
		assert_string_equal(oci, oci_want);
		assert_non_null(root);
		meta = json_object_get(root, "metadata");
		assert_true(dns1123(json_string_value(json_object_get(meta, "name"))));
		/* The annotation is the name itself, byte for byte, through JSON. */
		assert_string_equal(json_string_value(json_object_get(
					json_object_get(meta, "annotations"), "sysphase/phase")),
		                    hostile[i]);
		assert_int_equal(json_object_size(json_object_get(meta, "annotations")), 2);
		json_decref(root);
		free(k8s);
		free(oci);
		seccomp_release(f.ctx);
	}
	free(oci_want);
	seccomp_release(plain.ctx);
}

/* A phase name that is not UTF-8 cannot be a JSON string: refused, nothing written. */
static void test_k8s_not_utf8(void **state)
{
	struct sp_phase_filter f = hostile_filter(SP_ACTION_ERRNO, "bad\xff\xfe utf-8");
	struct sp_diag diag = {{0}};
	FILE *tmp = tmpfile();

	(void)state;
	assert_int_equal(sp_write_k8s(&f, tmp, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "UTF-8"));
	assert_int_equal(ftell(tmp), 0);
	fclose(tmp);
	seccomp_release(f.ctx);
}

/*
 * The C header with every hostile name as a phase (and the first as the
 * program) compiles warning-free as C17 with trigraphs, and the compiled
 * program reads every name back byte for byte.
 */
static void test_hostile_c_header(void **state)
{
	enum {
		N = sizeof(hostile) / sizeof(hostile[0])
	};
	struct sp_phase_filter f[N + 1];
	char dir[] = "/tmp/sysphase-hostile.XXXXXX", path[256], cmd[1024];
	struct sp_diag diag = {{0}};
	FILE *out, *in;
	char got[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < N; i++)
		f[i] = hostile_filter(SP_ACTION_KILL, hostile[i]);
	f[N] = hostile_filter(SP_ACTION_KILL, "bad\xff\xfe utf-8");
	snprintf(path, sizeof(path), "%s/sysphase_phases.h", dir);
	out = fopen(path, "w");
	assert_non_null(out);
	assert_int_equal(sp_write_c_header(f, N + 1, out, &diag), 0);
	assert_int_equal(fclose(out), 0);
	/* Not even in a comment: a trigraph there could join lines (??/ + newline). */
	snprintf(cmd, sizeof(cmd), "grep -q '?[?]' %s", path);
	assert_int_not_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/names.c", dir);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs("#include <stdio.h>\n#include \"sysphase_phases.h\"\nint main(void)\n{\n"
	      "\tfor (size_t i = 0; i < sizeof(sysphase_phases) / sizeof(sysphase_phases[0]); "
	      "i++)\n\t\tprintf(\"%s%c\", sysphase_phases[i].name, 0);\n"
	      "\treturn 0;\n}\n",
	      out);
	assert_int_equal(fclose(out), 0);
	snprintf(cmd, sizeof(cmd),
	         "cc -std=c17 -trigraphs -Wall -Wextra -Werror -o %s/names %s/names.c && %s/names",
	         dir, dir, dir);
	in = popen(cmd, "r");
	assert_non_null(in);
	for (size_t i = 0; i <= N; i++) {
		size_t n = 0;
		int c;

		while ((c = fgetc(in)) != EOF && c != 0 && n + 1 < sizeof(got))
			got[n++] = (char)c;
		got[n] = '\0';
		assert_string_equal(got, f[i].phase);
	}
	assert_int_equal(fgetc(in), EOF);
	assert_int_equal(pclose(in), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i <= N; i++)
		seccomp_release(f[i].ctx);
}

static void test_formats(void **state)
{
	struct sp_diag diag = {{0}};
	unsigned set;

	(void)state;
	assert_int_equal(sp_formats_parse("bpf,oci", &set, &diag), 0);
	assert_int_equal(set, (1u << SP_FMT_BPF) | (1u << SP_FMT_OCI));
	assert_int_equal(sp_formats_parse("all", &set, &diag), 0);
	assert_int_equal(set, (1u << SP_FMT_COUNT) - 1);
	assert_int_equal(sp_formats_parse("c,xml", &set, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "'xml'"));
	assert_int_equal(sp_formats_parse("", &set, &diag), -EINVAL);
	for (int i = 0; i < SP_FMT_COUNT; i++) {
		assert_non_null(sp_format_name((enum sp_format)i));
		assert_int_equal(sp_format_ext((enum sp_format)i)[0], '.');
	}
}

static void test_runtime_sets(void **state)
{
	const char *const *rt = sp_runtime_syscalls("runc");

	(void)state;
	assert_non_null(rt);
	for (; *rt; rt++)
		assert_true(sp_filter_syscall_nr(*rt) >= 0);
	assert_null(sp_runtime_syscalls("lxc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oci),
	    cmocka_unit_test(test_k8s),
	    cmocka_unit_test(test_systemd),
	    cmocka_unit_test(test_bpf_pfc),
	    cmocka_unit_test(test_c_header),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_unknown_name),
	    cmocka_unit_test(test_runtime_sets),
	    cmocka_unit_test(test_hostile_systemd),
	    cmocka_unit_test(test_hostile_pfc),
	    cmocka_unit_test(test_hostile_json),
	    cmocka_unit_test(test_k8s_not_utf8),
	    cmocka_unit_test(test_hostile_c_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
