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

static const struct sp_policy_call *exact(const struct sp_policy_phase *ph, const char *name)
{
	for (size_t i = 0; i < ph->n_exact; i++)
		if (strcmp(ph->exact[i].name, name) == 0)
			return &ph->exact[i];
	return NULL;
}

static const struct sp_allow *enforce(const struct sp_policy_phase *ph, const char *name)
{
	for (size_t i = 0; i < ph->n_enforce; i++)
		if (strcmp(ph->enforce[i].name, name) == 0)
			return &ph->enforce[i];
	return NULL;
}

static void names_are(const struct sp_policy_phase *ph, bool enf, const char *want)
{
	char got[512] = "";

	for (size_t i = 0; i < (enf ? ph->n_enforce : ph->n_exact); i++) {
		strcat(got, i ? " " : "");
		strcat(got, enf ? ph->enforce[i].name : ph->exact[i].name);
	}
	assert_string_equal(got, want);
}

static void test_graph_and_views(void **state)
{
	struct sp_policy *p = build(false);
	const struct sp_policy_phase *start, *load, *serve, *child;

	(void)state;
	/* The rules' order, and "unused" (never entered) is not there. */
	assert_int_equal(p->n_phases, 4);
	start = &p->phases[0];
	load = &p->phases[1];
	serve = &p->phases[2];
	child = &p->phases[3];
	assert_string_equal(start->name, "start");
	assert_string_equal(child->name, "child");
	names_are(load, false, "mmap openat");
	assert_int_equal(exact(load, "openat")->count, 2);
	assert_int_equal(exact(load, "openat")->n_sites, 1);
	assert_string_equal(exact(load, "openat")->sites[0], "ld-linux-x86-64.so.2");
	assert_true(exact(load, "openat")->first < exact(load, "openat")->last);
	/* Edges: two transitions, and two forks counted as one edge. */
	assert_int_equal(p->n_edges, 3);
	assert_int_equal(p->edges[0].from, 0);
	assert_int_equal(p->edges[0].to, 1);
	assert_int_equal(p->edges[1].kind, SP_EDGE_TRANSITION);
	assert_int_equal(p->edges[2].from, 2);
	assert_int_equal(p->edges[2].to, 3);
	assert_int_equal(p->edges[2].kind, SP_EDGE_FORK);
	assert_int_equal(p->edges[2].count, 2);
	/* Only pid 100 started on its own: 102 was re-parented when its fork showed up. */
	assert_int_equal(start->processes_started, 1);
	assert_int_equal(child->processes_started, 0);
	/* enforce = union over what is reachable, itself included. */
	names_are(child, true, "exit_group ioctl mmap openat write");
	names_are(serve, true, "exit_group ioctl mmap openat socket write");
	names_are(start, true, "brk execve exit_group ioctl mmap openat socket write");
	assert_int_equal(start->n_reach, 4);
	assert_int_equal(child->n_reach, 1);
	assert_true(serve->has_exits);
	assert_false(child->has_exits);
	/* No constraints without --args. */
	assert_int_equal(enforce(start, "openat")->n_conds, 0);
	/* Threat levels: execve and openat are level 1, ioctl 2, write 3. */
	assert_int_equal(start->threat_enforce[1], 2);
	assert_int_equal(start->threat_enforce[2], 1);
	assert_int_equal(start->threat_enforce[3], 1);
	assert_int_equal(start->threat_exact[1], 1);
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
	const struct sp_policy_phase *load = &p->phases[1], *serve = &p->phases[2];
	const struct sp_policy_phase *child = &p->phases[3];
	const struct sp_policy_call *c;
	const struct sp_allow *a;

	(void)state;
	/* Access mode of openat: only O_RDONLY in load. */
	c = exact(load, "openat");
	assert_int_equal(c->n_conds, 1);
	assert_int_equal(c->conds[0].index, 2);
	assert_int_equal(c->conds[0].op, SCMP_CMP_MASKED_EQ);
	assert_int_equal(c->conds[0].mask, O_ACCMODE);
	assert_int_equal(c->conds[0].n_values, 1);
	assert_int_equal(c->conds[0].values[0], O_RDONLY);
	/* load mapped code: no PROT_EXEC constraint there; serve did not. */
	assert_int_equal(exact(load, "mmap")->n_conds, 0);
	c = exact(serve, "mmap");
	assert_int_equal(c->n_conds, 1);
	assert_int_equal(c->conds[0].mask, PROT_EXEC);
	assert_true(has_value(&c->conds[0], 0));
	/* socket: domain and type value sets. */
	c = exact(serve, "socket");
	assert_int_equal(c->n_conds, 2);
	assert_int_equal(c->conds[0].n_values, 2);
	assert_true(has_value(&c->conds[0], AF_INET) && has_value(&c->conds[0], AF_UNIX));
	assert_true(has_value(&c->conds[1], SOCK_STREAM | SOCK_NONBLOCK));
	/* Nine ioctl requests are too many for a constraint. */
	assert_int_equal(exact(child, "ioctl")->n_conds, 0);
	/* Enforce widens: serve's openat = child's O_WRONLY only; load's = RDONLY + WRONLY. */
	a = enforce(serve, "openat");
	assert_int_equal(a->n_conds, 1);
	assert_int_equal(a->conds[0].n_values, 1);
	assert_int_equal(a->conds[0].values[0], O_WRONLY);
	a = enforce(load, "openat");
	assert_int_equal(a->n_conds, 1);
	assert_int_equal(a->conds[0].n_values, 2);
	assert_int_equal(a->conds[0].values[0], O_RDONLY);
	assert_int_equal(a->conds[0].values[1], O_WRONLY);
	/* load's unconstrained mmap wins over the later no-PROT_EXEC ones. */
	assert_int_equal(enforce(load, "mmap")->n_conds, 0);
	assert_int_equal(enforce(serve, "mmap")->n_conds, 1);
	sp_policy_free(p);
}

static void test_json_round_trip(void **state)
{
	struct sp_policy *p = build(true), *q;
	struct sp_diag diag = {{0}};
	json_t *a, *b;

	(void)state;
	p->program = json_pack("{s:[s]}", "command", "/bin/true");
	a = sp_policy_to_json(p);
	assert_non_null(a);
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), 0);
	b = sp_policy_to_json(q);
	assert_true(json_equal(a, b));
	assert_int_equal(q->phases[2].n_reach, 2);
	assert_true(q->phases[2].has_exits);
	assert_int_equal(q->phases[0].threat_enforce[1], p->phases[0].threat_enforce[1]);
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
	assert_int_equal(p->phases[0].n_exact, 1);
	assert_int_equal(p->phases[0].exact[0].count, 1);
	assert_int_equal(p->phases[0].other_abi, 2);
	assert_int_equal(p->phases[0].unknown, 1);
	sp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_graph_and_views), cmocka_unit_test(test_args),
	    cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_allowlist_stacking),
	    cmocka_unit_test(test_bad_input),	    cmocka_unit_test(test_foreign_abi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
