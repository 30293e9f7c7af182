/* SPDX-License-Identifier: MIT */
/*
 * The policy builder on event streams built here: exact sets, the phase
 * graph (transitions and fork edges, also when a child's first event
 * beats its parent's fork report), the enforce union over reachable
 * phases, --args constraints and their widening, the JSON round trip,
 * and the bad inputs (no phase, empty phase).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <linux/seccomp.h>

#include "sysphase/policy.h"

static double clock_ts;

static struct sp_event sys(pid_t pid, const char *phase, const char *name, uint64_t a0, uint64_t a1,
                           uint64_t a2)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL, .tid = pid, .pid = pid, .abi = SP_ABI_X86_64};

	ev.ts = clock_ts += 0.001;
	ev.phase = phase;
	ev.name = name;
	ev.nr = sp_filter_syscall_nr(name);
	assert_true(ev.nr >= 0);
	ev.args[0] = a0;
	ev.args[1] = a1;
	ev.args[2] = a2;
	ev.site = strcmp(name, "openat") == 0 ? "ld-linux-x86-64.so.2" : "libc.so.6";
	return ev;
}

static struct sp_event forked(pid_t parent, const char *phase, pid_t child)
{
	struct sp_event ev = {.type = SP_EV_FORK, .tid = parent, .pid = parent, .child = child};

	ev.ts = clock_ts += 0.001;
	ev.phase = phase;
	ev.via = "fork";
	return ev;
}

static void feed(struct sp_policy_builder *b, struct sp_event ev)
{
	struct sp_diag diag = {{0}};

	assert_int_equal(sp_policy_feed(b, &ev, &diag), 0);
}

static const char *const order[] = {"start", "load", "serve", "child", "unused"};

/*
 * start -> load -> serve in pid 100; serve forks pid 101 into "child";
 * pid 102 is forked from serve but its first event comes before the fork
 * event, as it can with ptrace.
 */
static struct sp_policy *build(bool args)
{
	struct sp_policy_builder *b = sp_policy_builder_new(args, order, 5);
	struct sp_diag diag = {{0}};
	struct sp_policy *p;

	assert_non_null(b);
	feed(b, sys(100, "start", "execve", 0, 0, 0));
	feed(b, sys(100, "start", "brk", 0, 0, 0));
	feed(b, sys(100, "load", "openat", (uint64_t)AT_FDCWD, 0, O_RDONLY | O_CLOEXEC));
	feed(b, sys(100, "load", "mmap", 0, 4096, PROT_READ | PROT_EXEC));
	feed(b, sys(100, "load", "openat", (uint64_t)AT_FDCWD, 0, O_RDONLY));
	feed(b, sys(100, "serve", "socket", AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	feed(b, sys(100, "serve", "socket", AF_UNIX, SOCK_STREAM, 0));
	feed(b, sys(100, "serve", "mmap", 0, 4096, PROT_READ | PROT_WRITE));
	feed(b, forked(100, "serve", 101));
	feed(b, sys(101, "child", "write", 1, 0, 3));
	feed(b, sys(101, "child", "openat", (uint64_t)AT_FDCWD, 0, O_WRONLY | O_APPEND));
	feed(b, sys(101, "child", "mmap", 0, 4096, PROT_READ));
	for (int i = 0; i < 9; i++)
		feed(b, sys(101, "child", "ioctl", 1, 0x5400 + i, 0));
	feed(b, sys(102, "child", "exit_group", 0, 0, 0));
	feed(b, forked(100, "serve", 102));
	feed(b, sys(100, "serve", "write", 1, 0, 3));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	return p;
}

/* Phase i's own entry for name, which must exist. */
static struct sp_call_info exact(const struct sp_policy *p, size_t i, const char *name)
{
	struct sp_call_info ci;
	int at = sp_policy_exact_find(p, i, name);

	assert_true(at >= 0);
	assert_int_equal(sp_policy_exact_call(p, i, (size_t)at, &ci), 0);
	assert_string_equal(ci.name, name);
	return ci;
}

static const struct sp_allow *enforce(const struct sp_policy *p, size_t i, const char *name)
{
	const struct sp_allow *al;

	for (size_t c = 0; (al = sp_policy_enforce_at(p, i, c)); c++)
		if (strcmp(al->name, name) == 0)
			return al;
	fail_msg("no %s in the enforce list of phase %zu", name, i);
	return NULL;
}

static struct sp_phase_info info(const struct sp_policy *p, size_t i)
{
	struct sp_phase_info ph;

	assert_int_equal(sp_policy_phase_info(p, i, &ph), 0);
	return ph;
}

static struct sp_policy_edge edge(const struct sp_policy *p, size_t e)
{
	struct sp_policy_edge ed;

	assert_int_equal(sp_policy_edge_at(p, e, &ed), 0);
	return ed;
}

static void names_are(const struct sp_policy *p, size_t i, bool enf, const char *want)
{
	char got[512] = "";
	const struct sp_allow *al;
	struct sp_call_info ci;

	for (size_t c = 0; enf ? (al = sp_policy_enforce_at(p, i, c)) != NULL
	                       : sp_policy_exact_call(p, i, c, &ci) == 0;
	     c++) {
		strcat(got, c ? " " : "");
		strcat(got, enf ? al->name : ci.name);
	}
	assert_string_equal(got, want);
}

enum {
	START,
	LOAD,
	SERVE,
	CHILD
};

static void test_graph_and_views(void **state)
{
	struct sp_policy *p = build(false);

	(void)state;
	/* The rules' order, and "unused" (never entered) is not there. */
	assert_int_equal(sp_policy_phase_count(p), 4);
	assert_string_equal(sp_policy_phase_name(p, START), "start");
	assert_string_equal(sp_policy_phase_name(p, CHILD), "child");
	assert_null(sp_policy_phase_name(p, 4));
	names_are(p, LOAD, false, "mmap openat");
	assert_int_equal(exact(p, LOAD, "openat").count, 2);
	assert_int_equal(exact(p, LOAD, "openat").prov, SP_PROV_OBSERVED);
	assert_null(exact(p, LOAD, "openat").why);
	assert_int_equal(exact(p, LOAD, "openat").n_sites, 1);
	assert_string_equal(exact(p, LOAD, "openat").sites[0], "ld-linux-x86-64.so.2");
	assert_true(exact(p, LOAD, "openat").first < exact(p, LOAD, "openat").last);
	/* Edges: two transitions, and two forks counted as one edge. */
	assert_int_equal(sp_policy_edge_count(p), 3);
	assert_int_equal(edge(p, 0).from, 0);
	assert_int_equal(edge(p, 0).to, 1);
	assert_int_equal(edge(p, 1).kind, SP_EDGE_TRANSITION);
	assert_int_equal(edge(p, 2).from, 2);
	assert_int_equal(edge(p, 2).to, 3);
	assert_int_equal(edge(p, 2).kind, SP_EDGE_FORK);
	assert_int_equal(edge(p, 2).count, 2);
	/* Only pid 100 started on its own: 102 was re-parented when its fork showed up. */
	assert_int_equal(info(p, START).processes_started, 1);
	assert_int_equal(info(p, CHILD).processes_started, 0);
	/* enforce = union over what is reachable, itself included. */
	names_are(p, CHILD, true, "exit_group ioctl mmap openat write");
	names_are(p, SERVE, true, "exit_group ioctl mmap openat socket write");
	names_are(p, START, true, "brk execve exit_group ioctl mmap openat socket write");
	assert_int_equal(sp_policy_reach_count(p, START), 4);
	assert_int_equal(sp_policy_reach_count(p, CHILD), 1);
	assert_int_equal(sp_policy_reach_at(p, CHILD, 0), CHILD);
	assert_true(info(p, SERVE).has_exits);
	assert_false(info(p, CHILD).has_exits);
	/* No constraints without --args. */
	assert_int_equal(enforce(p, START, "openat")->n_conds, 0);
	/* Threat levels: execve and openat are level 1, ioctl 2, write 3. */
	assert_int_equal(info(p, START).threat_enforce[1], 2);
	assert_int_equal(info(p, START).threat_enforce[2], 1);
	assert_int_equal(info(p, START).threat_enforce[3], 1);
	assert_int_equal(info(p, START).threat_exact[1], 1);
	/* Every call was observed. */
	assert_int_equal(info(p, LOAD).by_prov[SP_PROV_OBSERVED], 2);
	assert_int_equal(info(p, LOAD).n_held_back, 0);
	sp_policy_free(p);
}

static bool has_value(const struct sp_arg_cond *c, uint64_t v)
{
	for (size_t i = 0; i < c->n_values; i++)
		if (c->values[i] == v)
			return true;
	return false;
}

static void test_args(void **state)
{
	struct sp_policy *p = build(true);
	struct sp_call_info c;
	const struct sp_allow *a;

	(void)state;
	/* Access mode of openat: only O_RDONLY in load. */
	c = exact(p, LOAD, "openat");
	assert_int_equal(c.n_conds, 1);
	assert_int_equal(c.conds[0].index, 2);
	assert_int_equal(c.conds[0].op, SCMP_CMP_MASKED_EQ);
	assert_int_equal(c.conds[0].mask, O_ACCMODE);
	assert_int_equal(c.conds[0].n_values, 1);
	assert_int_equal(c.conds[0].values[0], O_RDONLY);
	/* load mapped code: no PROT_EXEC constraint there; serve did not. */
	assert_int_equal(exact(p, LOAD, "mmap").n_conds, 0);
	c = exact(p, SERVE, "mmap");
	assert_int_equal(c.n_conds, 1);
	assert_int_equal(c.conds[0].mask, PROT_EXEC);
	assert_true(has_value(&c.conds[0], 0));
	/* socket: domain and type value sets. */
	c = exact(p, SERVE, "socket");
	assert_int_equal(c.n_conds, 2);
	assert_int_equal(c.conds[0].n_values, 2);
	assert_true(has_value(&c.conds[0], AF_INET) && has_value(&c.conds[0], AF_UNIX));
	assert_true(has_value(&c.conds[1], SOCK_STREAM | SOCK_NONBLOCK));
	/* Nine ioctl requests are too many for a constraint. */
	assert_int_equal(exact(p, CHILD, "ioctl").n_conds, 0);
	/* Enforce widens: serve's openat = child's O_WRONLY only; load's = RDONLY + WRONLY. */
	a = enforce(p, SERVE, "openat");
	assert_int_equal(a->n_conds, 1);
	assert_int_equal(a->conds[0].n_values, 1);
	assert_int_equal(a->conds[0].values[0], O_WRONLY);
	a = enforce(p, LOAD, "openat");
	assert_int_equal(a->n_conds, 1);
	assert_int_equal(a->conds[0].n_values, 2);
	assert_int_equal(a->conds[0].values[0], O_RDONLY);
	assert_int_equal(a->conds[0].values[1], O_WRONLY);
	/* load's unconstrained mmap wins over the later no-PROT_EXEC ones. */
	assert_int_equal(enforce(p, LOAD, "mmap")->n_conds, 0);
	assert_int_equal(enforce(p, SERVE, "mmap")->n_conds, 1);
	sp_policy_free(p);
}

static void test_json_round_trip(void **state)
{
	struct sp_policy *p = build(true), *q;
	struct sp_diag diag = {{0}};
	json_t *a, *b;

	(void)state;
	a = sp_policy_to_json(p);
	json_object_set_new(a, "program", json_pack("{s:[s]}", "command", "/bin/true"));
	assert_non_null(a);
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), 0);
	b = sp_policy_to_json(q);
	assert_true(json_equal(a, b));
	assert_string_equal(sp_policy_program_path(q), "/bin/true");
	assert_int_equal(sp_policy_reach_count(q, SERVE), 2);
	assert_true(info(q, SERVE).has_exits);
	assert_int_equal(info(q, START).threat_enforce[1], info(p, START).threat_enforce[1]);
	json_decref(b);
	sp_policy_free(q);
	/* A name libseccomp does not know is refused with a JSON pointer. */
	json_array_set_new(
	    json_object_get(json_array_get(json_object_get(a, "phases"), 1), "enforce"), 0,
	    json_string("no_such_call"));
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "/phases/1/enforce/0"));
	json_decref(a);
	sp_policy_free(p);
}

static void test_allowlist_stacking(void **state)
{
	struct sp_policy *p = build(true);
	const char *const runtime[] = {"futex", "openat"};
	struct sp_diag diag = {{0}};
	struct sp_allow *al;
	scmp_filter_ctx ctx;
	size_t n, i;

	(void)state;
	/* serve has exits: stacking adds seccomp(SECCOMP_SET_MODE_FILTER) only. */
	assert_int_equal(sp_policy_allowlist(p, 2, SP_VIEW_ENFORCE, true, NULL, 0, &al, &n, &diag),
	                 0);
	for (i = 0; i < n && strcmp(al[i].name, "seccomp"); i++)
		;
	assert_true(i < n);
	assert_int_equal(al[i].conds[0].values[0], SECCOMP_SET_MODE_FILTER);
	free(al);
	/* child has none: nothing added. */
	assert_int_equal(sp_policy_allowlist(p, 3, SP_VIEW_ENFORCE, true, NULL, 0, &al, &n, &diag),
	                 0);
	assert_int_equal(n, 5);
	free(al);
	/* Extras are added unconstrained and the list builds into a filter. */
	assert_int_equal(
	    sp_policy_allowlist(p, 1, SP_VIEW_EXACT, false, runtime, 2, &al, &n, &diag), 0);
	assert_int_equal(n, 3);
	assert_string_equal(al[0].name, "futex");
	assert_string_equal(al[2].name, "openat");
	assert_int_equal(al[2].n_conds, 0);
	assert_int_equal(
	    sp_filter_build(&(struct sp_filter_spec){SP_ACTION_KILL, n, al}, &ctx, &diag), 0);
	seccomp_release(ctx);
	free(al);
	sp_policy_free(p);
}

static void test_bad_input(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, NULL, 0);
	struct sp_event ev = sys(1, NULL, "read", 0, 0, 0);
	struct sp_diag diag = {{0}};
	struct sp_policy *p;

	(void)state;
	/* An event without a phase. */
	assert_int_equal(sp_policy_feed(b, &ev, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "no phase"));
	/* Nothing at all. */
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), -EINVAL);
	assert_null(p);
	/* A phase entered by a non-syscall event only, or only by i386 calls. */
	b = sp_policy_builder_new(false, NULL, 0);
	feed(b, sys(1, "a", "read", 0, 0, 0));
	ev = forked(1, "b", 2);
	feed(b, ev);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "'b'"));
	b = sp_policy_builder_new(false, NULL, 0);
	feed(b, sys(1, "a", "read", 0, 0, 0));
	ev = sys(1, "c", "getpid", 0, 0, 0);
	ev.abi = SP_ABI_I386;
	ev.nr = 20;
	feed(b, ev);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "'c'"));
}

static void test_foreign_abi(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, NULL, 0);
	struct sp_event ev = sys(1, "a", "getpid", 0, 0, 0);
	struct sp_diag diag = {{0}};
	struct sp_policy *p;

	(void)state;
	feed(b, ev);
	ev.abi = SP_ABI_I386;
	ev.nr = 20;
	feed(b, ev);
	ev.abi = SP_ABI_X32;
	ev.nr = 39 | 0x40000000;
	feed(b, ev);
	ev = sys(1, "a", "getpid", 0, 0, 0);
	ev.name = NULL;
	ev.nr = 999;
	feed(b, ev);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(info(p, 0).n_exact, 1);
	assert_int_equal(exact(p, 0, "getpid").count, 1);
	assert_int_equal(info(p, 0).other_abi, 2);
	assert_int_equal(info(p, 0).unknown, 1);
	sp_policy_free(p);
}

static json_t *reason(const char *text)
{
	return json_pack("{s:s}", "reason", text);
}

static json_t *chain(const char *fn)
{
	return json_pack("{s:s,s:s,s:[s,s]}", "module", "libc.so.6", "function", fn, "chain",
	                 "handler", fn);
}

/*
 * Additions: baseline and completed calls join the phase's allowlist (and
 * the enforce view of the phases before it), held-back ones are listed
 * but never allowed, an observed call stays observed, and everything
 * survives the JSON round trip.
 */
static void test_provenance(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 5);
	struct sp_diag diag = {{0}};
	struct sp_policy *p, *q;
	struct sp_call_info ci;
	json_t *a, *c;

	(void)state;
	assert_non_null(b);
	/* Added before any event: known from the rules' order. */
	assert_int_equal(sp_policy_builder_add(b, "serve", "restart_syscall", SP_PROV_BASELINE,
	                                       reason("the kernel restarts sleeps"), &diag),
	                 0);
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "write", SP_PROV_COMPLETED, chain("write"), &diag),
	    0);
	/* A phase only additions name gets no filter. */
	assert_int_equal(
	    sp_policy_builder_add(b, "unused", "read", SP_PROV_BASELINE, reason("x"), &diag), 0);
	feed(b, sys(1, "start", "execve", 0, 0, 0));
	feed(b, sys(1, "serve", "read", 0, 0, 0));
	feed(b, sys(1, "serve", "write", 1, 0, 3));
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "gettid", SP_PROV_COMPLETED, chain("gettid"), &diag),
	    0);
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "socket", SP_PROV_HELD_BACK, chain("socket"), &diag),
	    0);
	/* The stronger reason wins: gettid completed, then baseline. */
	assert_int_equal(sp_policy_builder_add(b, "serve", "gettid", SP_PROV_BASELINE,
	                                       reason("glibc asks for it"), &diag),
	                 0);
	/* A held-back addition does not take back an allowed one. */
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "gettid", SP_PROV_HELD_BACK, chain("gettid"), &diag),
	    0);
	/* Refusals, each saying which. */
	assert_int_equal(
	    sp_policy_builder_add(b, "nowhere", "read", SP_PROV_BASELINE, reason("x"), &diag),
	    -EINVAL);
	assert_non_null(strstr(diag.msg, "'nowhere'"));
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "no_such_call", SP_PROV_BASELINE, reason("x"), &diag),
	    -EINVAL);
	assert_non_null(strstr(diag.msg, "'no_such_call'"));
	assert_int_equal(
	    sp_policy_builder_add(b, "serve", "read", SP_PROV_OBSERVED, reason("x"), &diag),
	    -EINVAL);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);

	assert_int_equal(sp_policy_phase_count(p), 2); /* start, serve: never "unused" */
	assert_int_equal(sp_policy_phase_index(p, "unused"), -ENOENT);
	names_are(p, 1, false, "gettid read restart_syscall write");
	names_are(p, 1, true, "gettid read restart_syscall write");
	names_are(p, 0, true, "execve gettid read restart_syscall write");
	ci = exact(p, 1, "write");
	assert_int_equal(ci.prov, SP_PROV_OBSERVED); /* it was seen: observed it stays */
	assert_int_equal(ci.count, 1);
	ci = exact(p, 1, "restart_syscall");
	assert_int_equal(ci.prov, SP_PROV_BASELINE);
	assert_int_equal(ci.count, 0);
	assert_string_equal(json_string_value(json_object_get(ci.why, "reason")),
	                    "the kernel restarts sleeps");
	ci = exact(p, 1, "gettid");
	assert_int_equal(ci.prov, SP_PROV_BASELINE);
	assert_string_equal(json_string_value(json_object_get(ci.why, "reason")),
	                    "glibc asks for it");
	assert_int_equal(sp_policy_exact_find(p, 1, "socket"), -ENOENT);
	assert_int_equal(sp_policy_held_back_call(p, 1, 0, &ci), 0);
	assert_string_equal(ci.name, "socket");
	assert_int_equal(ci.prov, SP_PROV_HELD_BACK);
	assert_string_equal(json_string_value(json_object_get(ci.why, "function")), "socket");
	assert_int_equal(sp_policy_held_back_call(p, 1, 1, &ci), -EINVAL);
	assert_int_equal(info(p, 1).by_prov[SP_PROV_OBSERVED], 2);
	assert_int_equal(info(p, 1).by_prov[SP_PROV_BASELINE], 2);
	assert_int_equal(info(p, 1).by_prov[SP_PROV_COMPLETED], 0);
	assert_int_equal(info(p, 1).by_prov[SP_PROV_HELD_BACK], 1);

	/* The round trip keeps every provenance and reason. */
	a = sp_policy_to_json(p);
	assert_non_null(a);
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), 0);
	c = sp_policy_to_json(q);
	assert_true(json_equal(a, c));
	json_decref(c);
	assert_int_equal(
	    sp_policy_exact_call(q, 1, (size_t)sp_policy_exact_find(q, 1, "gettid"), &ci), 0);
	assert_int_equal(ci.prov, SP_PROV_BASELINE);
	sp_policy_free(q);
	/* A held-back call listed in "exact" would be allowed: refused. */
	c = json_object_get(json_array_get(json_object_get(a, "phases"), 1), "exact");
	json_object_set_new(json_array_get(c, 0), "provenance", json_string("held_back"));
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "/phases/1/exact/0"));
	json_decref(a);
	sp_policy_free(p);
}

/* A policy written before provenance existed reads as all observed. */
static void test_old_policy(void **state)
{
	struct sp_policy *p = build(false), *q;
	struct sp_diag diag = {{0}};
	struct sp_call_info ci;
	json_t *a = sp_policy_to_json(p), *ph, *call;
	size_t i, k;

	(void)state;
	json_object_del(a, "sources");
	json_array_foreach(json_object_get(a, "phases"), i, ph) {
		json_object_del(ph, "held_back");
		json_object_del(ph, "provenance");
		json_array_foreach(json_object_get(ph, "exact"), k, call)
			json_object_del(call, "provenance");
	}
	assert_int_equal(sp_policy_from_json(a, "old", &q, &diag), 0);
	assert_int_equal(sp_policy_exact_call(q, LOAD, 0, &ci), 0);
	assert_int_equal(ci.prov, SP_PROV_OBSERVED);
	assert_int_equal(info(q, LOAD).by_prov[SP_PROV_OBSERVED], 2);
	sp_policy_free(q);
	json_decref(a);
	sp_policy_free(p);
}

/* Which source (trace, log) contributed each observed call. */
static void test_sources(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, NULL, 0);
	struct sp_diag diag = {{0}};
	struct sp_policy *p, *q;
	json_t *a;

	(void)state;
	assert_int_equal(sp_policy_builder_begin_source(b, "one.jsonl"), 0);
	feed(b, sys(1, "a", "read", 0, 0, 0));
	feed(b, sys(1, "a", "write", 0, 0, 0));
	assert_int_equal(sp_policy_builder_begin_source(b, "two.jsonl"), 0);
	feed(b, sys(7, "a", "write", 0, 0, 0));
	feed(b, sys(7, "a", "close", 0, 0, 0));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_policy_source_count(p), 2);
	assert_string_equal(sp_policy_source_label(p, 1), "two.jsonl");
	assert_int_equal(exact(p, 0, "read").sources, 1);
	assert_int_equal(exact(p, 0, "write").sources, 3);
	assert_int_equal(exact(p, 0, "close").sources, 2);
	a = sp_policy_to_json(p);
	assert_int_equal(sp_policy_from_json(a, "t", &q, &diag), 0);
	assert_int_equal(exact(q, 0, "write").sources, 3);
	sp_policy_free(q);
	json_decref(a);
	sp_policy_free(p);
}

/* Rules a -> b (getppid), b -> c and a -> c (getpgrp), and an exec edge back to a. */
static const char three_rules[] =
    "{\"name\": \"three\", \"initial\": \"a\", \"phases\": ["
    "{\"name\": \"a\", \"description\": \"a\"}, {\"name\": \"b\", \"description\": \"b\"},"
    "{\"name\": \"c\", \"description\": \"c\"}, {\"name\": \"d\", \"description\": \"d\"}],"
    "\"transitions\": ["
    "{\"from\": \"a\", \"to\": \"b\", \"when\": {\"syscall\": \"getppid\"}},"
    "{\"from\": \"b\", \"to\": \"c\", \"when\": {\"syscall\": \"getpgrp\"}},"
    "{\"from\": \"a\", \"to\": \"c\", \"when\": {\"syscall\": \"getpgrp\"}},"
    "{\"from\": \"c\", \"to\": \"d\", \"when\": {\"event\": \"exec\"}},"
    "{\"from\": \"*\", \"to\": \"a\", \"repeat\": true, \"when\": {\"event\": \"exec\"}}]}";

static const char *const three_order[] = {"a", "b", "c", "d"};

static bool in_enforce(const struct sp_policy *p, size_t i, const char *name)
{
	const struct sp_allow *al;

	for (size_t c = 0; (al = sp_policy_enforce_at(p, i, c)); c++)
		if (strcmp(al->name, name) == 0)
			return true;
	return false;
}

/*
 * Traces of a -> b and a -> c, built together: b's enforce view closes
 * over the rules' b -> c, which no trace took (the edge's trigger belongs
 * to c), and b has exits; the exec edges need execve, which no phase but
 * a allows, so b and c reach neither a nor d.  Read back with every
 * has_exits edited away, has_exits is derived again.
 */
static void test_nesting_over_rules(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, three_order, 4);
	json_error_t err;
	json_t *rules = json_loads(three_rules, 0, &err), *doc, *ph;
	struct sp_diag diag = {{0}};
	struct sp_policy *p, *q;
	size_t i;

	(void)state;
	assert_non_null(rules);
	assert_int_equal(sp_policy_builder_set_origin(b, NULL, rules, "three"), 0);
	assert_int_equal(sp_policy_builder_begin_source(b, "ab"), 0);
	feed(b, sys(300, "a", "execve", 0, 0, 0));
	feed(b, sys(300, "b", "getppid", 0, 0, 0));
	feed(b, sys(300, "b", "getuid", 0, 0, 0));
	assert_int_equal(sp_policy_builder_begin_source(b, "ac"), 0);
	feed(b, sys(300, "a", "execve", 0, 0, 0));
	feed(b, sys(300, "c", "getpgrp", 0, 0, 0));
	feed(b, sys(300, "c", "getgid", 0, 0, 0));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_policy_phase_count(p), 3);
	assert_true(in_enforce(p, 1, "getpgrp"));
	assert_true(in_enforce(p, 1, "getgid"));
	assert_true(info(p, 1).has_exits);
	assert_true(info(p, 2).has_exits); /* the rules' exec edges leave c */
	assert_false(in_enforce(p, 1, "execve"));
	assert_false(in_enforce(p, 2, "execve"));
	assert_true(in_enforce(p, 0, "getuid") && in_enforce(p, 0, "getgid"));
	assert_int_equal(sp_policy_reach_count(p, 1), 2);

	doc = sp_policy_to_json(p);
	json_array_foreach(json_object_get(doc, "phases"), i, ph)
		json_object_set_new(ph, "has_exits", json_false());
	assert_int_equal(sp_policy_from_json(doc, "edited", &q, &diag), 0);
	assert_true(info(q, 1).has_exits);
	sp_policy_free(q);
	json_decref(doc);
	sp_policy_free(p);
}

/*
 * Sibling roles: children forked from serve all start in "child".  101
 * sets up (setsid) and moves on to "steady", where it reads; 102 never
 * leaves "child" and makes a directory there (its role's work).  "steady"
 * gets mkdir, completed, with the reason; not setsid (every sibling's
 * set-up), nor anything for "child" or a child that exec'd another program.
 */
static void test_sibling_roles(void **state)
{
	static const char *const roles_order[] = {"serve", "child", "steady"};
	struct sp_policy_builder *b = sp_policy_builder_new(false, roles_order, 3);
	struct sp_event ex = {.type = SP_EV_EXEC, .tid = 103, .pid = 103, .phase = "child"};
	struct sp_diag diag = {{0}};
	struct sp_call_info ci;
	struct sp_policy *p;

	(void)state;
	feed(b, sys(100, "serve", "accept4", 0, 0, 0));
	feed(b, forked(100, "serve", 101));
	feed(b, sys(101, "child", "setsid", 0, 0, 0));
	feed(b, sys(101, "steady", "read", 0, 0, 0));
	feed(b, forked(100, "serve", 102));
	feed(b, sys(102, "child", "setsid", 0, 0, 0));
	feed(b, sys(102, "child", "mkdir", 0, 0, 0));
	feed(b, sys(102, "child", "exit_group", 0, 0, 0));
	feed(b, forked(100, "serve", 103));
	feed(b, ex);
	feed(b, sys(103, "child", "unlink", 0, 0, 0));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	ci = exact(p, 2, "mkdir");
	assert_int_equal(ci.prov, SP_PROV_COMPLETED);
	assert_non_null(strstr(json_string_value(json_object_get(ci.why, "reason")), "sibling"));
	assert_true(sp_policy_exact_find(p, 2, "setsid") < 0);
	assert_true(sp_policy_exact_find(p, 2, "unlink") < 0);
	assert_true(sp_policy_exact_find(p, 2, "exit_group") < 0);
	assert_true(sp_policy_exact_find(p, 1, "read") < 0 || exact(p, 1, "read").count > 0);
	sp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_graph_and_views), cmocka_unit_test(test_args),
	    cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_allowlist_stacking),
	    cmocka_unit_test(test_bad_input),       cmocka_unit_test(test_foreign_abi),
	    cmocka_unit_test(test_provenance),      cmocka_unit_test(test_old_policy),
	    cmocka_unit_test(test_sources),         cmocka_unit_test(test_nesting_over_rules),
	    cmocka_unit_test(test_sibling_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
