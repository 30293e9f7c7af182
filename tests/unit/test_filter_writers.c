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
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
static char *capture(int (*w)(const struct sp_phase_filter *, FILE *),
		     const struct sp_phase_filter *f, size_t *len)
{
	FILE *tmp = tmpfile();
	char *buf;
	long size;

	assert_non_null(tmp);
	assert_int_equal(w(f, tmp), 0);
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
	json_array_foreach(sc, i, e)
	{
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

static int write_header(const struct sp_phase_filter *f, FILE *out)
{
	struct sp_phase_filter two[2] = {*f, *f};

	two[1].phase = "second \"phase\"";
	return sp_write_c_header(two, 2, out);
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
	FILE *tmp = tmpfile();

	(void)state;
	f.allow = bad;
	f.n_allow = 2;
	assert_int_equal(sp_write_oci(&f, tmp), -EINVAL);
	assert_int_equal(sp_write_k8s(&f, tmp), -EINVAL);
	assert_int_equal(sp_write_systemd(&f, tmp), -EINVAL);
	assert_int_equal(ftell(tmp), 0);
	fclose(tmp);
	seccomp_release(f.ctx);
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
	    cmocka_unit_test(test_oci),		 cmocka_unit_test(test_k8s),
	    cmocka_unit_test(test_systemd),	 cmocka_unit_test(test_bpf_pfc),
	    cmocka_unit_test(test_c_header),	 cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_unknown_name), cmocka_unit_test(test_runtime_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
