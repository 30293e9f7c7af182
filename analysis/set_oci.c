/* SPDX-License-Identifier: MIT */
/*
 * OCI/Docker seccomp profiles (and a Kubernetes SeccompProfile's spec) as
 * syscall sets, evaluated as a runtime would for an x86-64 process, with
 * Docker's own conditions (arches, capabilities, minimum kernel).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "set.h"
#include "sysphase/core.h"
#include "sysphase/policy.h"

/* Docker's oci/caps/defaults.go: what a container gets without --cap-add. */
const char *const sp_docker_default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

/* ---- OCI / Docker seccomp profiles ------------------------------------- */

bool sp_kernel_at_least(const char *have, const char *want)
{
	const char *h = have, *w = want;

	for (int part = 0; part < 3; part++) {
		long hv = 0, wv = 0;
		char *end;

		if (isdigit((unsigned char)*h)) {
			hv = strtol(h, &end, 10);
			h = *end == '.' ? end + 1 : end;
		}
		if (isdigit((unsigned char)*w)) {
			wv = strtol(w, &end, 10);
			w = *end == '.' ? end + 1 : end;
		}
		if (hv != wv)
			return hv > wv;
	}
	return true;
}

static int action_allows(const char *action)
{
	static const char *const allow[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};
	/* NOTIFY: a supervisor decides; TRACE: -ENOSYS without a tracer.  Neither is the filter
	 * allowing. */
	static const char *const deny[] = {
	    "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	    "SCMP_ACT_TRAP",  "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY"};

	for (size_t i = 0; i < N(allow); i++)
		if (strcmp(action, allow[i]) == 0)
			return 1;
	for (size_t i = 0; i < N(deny); i++)
		if (strcmp(action, deny[i]) == 0)
			return 0;
	return -1;
}

static bool str_in(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static bool cap_granted(const char *cap)
{
	for (size_t i = 0; sp_docker_default_caps[i]; i++)
		if (strcmp(sp_docker_default_caps[i], cap) == 0)
			return true;
	return false;
}

/* Checks Docker's includes/excludes member at ptr; 1 if the entry applies, 0 if not, -EINVAL. */
static int docker_cond(const struct jdoc *d, json_t *cond, const char *ptr, bool include,
                       const char *kernel, struct sp_diag *diag)
{
	const char *key;
	json_t *v;

	if (!cond || json_is_null(cond))
		return 1;
	if (!json_is_object(cond))
		return set_jbad(d, diag, ptr, "expected an object");
	json_object_foreach(cond, key, v) {
		char sub[320];
		size_t i;
		json_t *e;

		snprintf(sub, sizeof(sub), "%s/%s", ptr, key);
		if (strcmp(key, "minKernel") == 0) {
			if (!include || !json_is_string(v))
				return set_jbad(d, diag, sub, "expected a kernel version string");
			if (!sp_kernel_at_least(kernel, json_string_value(v)))
				return 0;
			continue;
		}
		if (strcmp(key, "arches") && strcmp(key, "caps"))
			return set_jbad(d, diag, sub, "unknown condition '%s' (arches, caps%s)",
			                key, include ? ", minKernel" : "");
		if (!json_is_array(v))
			return set_jbad(d, diag, sub, "expected an array of strings");
		json_array_foreach(v, i, e)
			if (!json_is_string(e)) {
				snprintf(sub, sizeof(sub), "%s/%s/%zu", ptr, key, i);
				return set_jbad(d, diag, sub, "expected a string");
			}
		if (json_array_size(v) == 0)
			continue;
		if (strcmp(key, "arches") == 0) {
			/* Docker spells x86-64 as Go does. */
			if (str_in(v, "amd64") != include)
				return 0;
			continue;
		}
		json_array_foreach(v, i, e) {
			bool has = cap_granted(json_string_value(e));

			/* includes: every cap needed; excludes: any cap held rules it out. */
			if (include ? !has : has)
				return 0;
		}
	}
	return 1;
}

struct oci_state {
	signed char uncond[SP_SET_NR_MAX]; /* -1 none, 0 deny, 1 allow: a rule without args */
	bool partial[SP_SET_NR_MAX];       /* a rule with args differs from the default */
};

static int oci_entry(const struct jdoc *d, json_t *e, const char *ptr, int def_allows,
                     const char *kernel, struct oci_state *st, struct sp_syscall_set *into,
                     struct sp_diag *diag)
{
	json_t *names = json_object_get(e, "names"), *name = json_object_get(e, "name");
	json_t *action = json_object_get(e, "action"), *args = json_object_get(e, "args");
	char sub[224];
	int allows, rc;
	bool has_args;
	size_t i;
	json_t *v;

	if (!json_is_object(e))
		return set_jbad(d, diag, ptr, "expected an object");
	snprintf(sub, sizeof(sub), "%s/action", ptr);
	if (!json_is_string(action))
		return set_jbad(d, diag, json_is_null(action) || !action ? ptr : sub,
		                "expected an \"action\" string");
	allows = action_allows(json_string_value(action));
	if (allows < 0)
		return set_jbad(d, diag, sub, "unknown action '%s'", json_string_value(action));
	snprintf(sub, sizeof(sub), "%s/args", ptr);
	if (args && !json_is_null(args) && !json_is_array(args))
		return set_jbad(d, diag, sub, "expected an array of argument conditions");
	has_args = json_array_size(args) > 0;
	snprintf(sub, sizeof(sub), "%s/includes", ptr);
	rc = docker_cond(d, json_object_get(e, "includes"), sub, true, kernel, diag);
	if (rc <= 0)
		return rc;
	snprintf(sub, sizeof(sub), "%s/excludes", ptr);
	rc = docker_cond(d, json_object_get(e, "excludes"), sub, false, kernel, diag);
	if (rc <= 0)
		return rc;
	if (names && !json_is_array(names)) {
		snprintf(sub, sizeof(sub), "%s/names", ptr);
		return set_jbad(d, diag, sub, "expected an array of syscall names");
	}
	if (!names && !json_is_string(name))
		return set_jbad(d, diag, ptr, "expected \"names\" (or \"name\")");
	for (i = 0; i < (names ? json_array_size(names) : 1); i++) {
		const char *n;
		long nr;

		v = names ? json_array_get(names, i) : name;
		if (!json_is_string(v)) {
			snprintf(sub, sizeof(sub), "%s/names/%zu", ptr, i);
			return set_jbad(d, diag, sub, "expected a syscall name");
		}
		n = json_string_value(v);
		nr = set_name_nr(n);
		if (nr < 0) {
			/* Profiles list every architecture's calls; others are not ours. */
			if (sp_set_skip(into, n) < 0)
				return -ENOMEM;
			continue;
		}
		if (!has_args)
			st->uncond[nr] = (signed char)allows;
		else if (allows != def_allows)
			st->partial[nr] = true;
	}
	return 0;
}

int set_oci_doc(const struct jdoc *d, const char *kernel, struct sp_syscall_set *into,
                struct sp_diag *diag)
{
	json_t *root = d->root, *def, *calls, *e;
	const char *prefix = "";
	struct oci_state *st;
	char ptr[160];
	int def_allows, rc = 0;
	size_t i;

	/* A Kubernetes SeccompProfile carries the OCI profile in its spec. */
	if (json_is_object(root) && json_is_string(json_object_get(root, "kind")) &&
	    strcmp(json_string_value(json_object_get(root, "kind")), "SeccompProfile") == 0) {
		root = json_object_get(root, "spec");
		prefix = "/spec";
		if (!json_is_object(root))
			return set_jbad(d, diag, "/kind",
			                "a SeccompProfile without a \"spec\" object");
	}
	def = json_object_get(root, "defaultAction");
	snprintf(ptr, sizeof(ptr), "%s/defaultAction", prefix);
	if (!json_is_string(def))
		return set_jbad(d, diag, def ? ptr : prefix, "expected a \"defaultAction\" string");
	def_allows = action_allows(json_string_value(def));
	if (def_allows < 0)
		return set_jbad(d, diag, ptr, "unknown action '%s'", json_string_value(def));
	calls = json_object_get(root, "syscalls");
	snprintf(ptr, sizeof(ptr), "%s/syscalls", prefix);
	if (calls && !json_is_null(calls) && !json_is_array(calls))
		return set_jbad(d, diag, ptr, "expected an array");
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	memset(st->uncond, -1, sizeof(st->uncond));
	memset(st->partial, 0, sizeof(st->partial));
	json_array_foreach(calls, i, e) {
		snprintf(ptr, sizeof(ptr), "%s/syscalls/%zu", prefix, i);
		rc = oci_entry(d, e, ptr, def_allows, kernel, st, into, diag);
		if (rc < 0)
			goto out;
	}
	for (long nr = 0; nr < SP_SET_NR_MAX; nr++) {
		int allowed = st->uncond[nr] >= 0 ? st->uncond[nr] : def_allows;

		if (!sp_set_nr_name(nr))
			continue;
		/* Some argument values take the other way: the call is reachable, but only so. */
		if (allowed || (st->uncond[nr] < 0 && st->partial[nr])) {
			sp_set_add_nr(into, nr);
			if (st->uncond[nr] < 0 && st->partial[nr])
				sp_set_mark_cond(into, nr);
		}
	}
out:
	free(st);
	return rc;
}

const char *set_running_kernel(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) < 0)
		return "0";
	snprintf(buf, len, "%s", u.release);
	return buf;
}

int sp_set_from_oci(json_t *root, const char *name, const char *kernel, struct sp_syscall_set *into,
                    struct sp_diag *diag)
{
	struct jdoc d = {.name = name, .root = root};
	char buf[128];

	return set_oci_doc(&d, kernel ? kernel : set_running_kernel(buf, sizeof(buf)), into, diag);
}
