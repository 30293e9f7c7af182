/* SPDX-License-Identifier: MIT */
/*
 * Landlock rules from decoded events (policy/landlock*.c): rights per open
 * flag, O_CREAT on the parent, generalisation to a directory only with two
 * names looked up in it, relative paths with and without a known working
 * directory, the layer as the union over reach, "no layer where nothing
 * narrows", signal scoping, the JSON round trip, the allowlist's injection
 * calls and what an older ABI keeps; read_dir on a directory generalised
 * for reading only where the phase's filter allows getdents64.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sysphase/policy.h"

static double clock_ts;

/* A syscall with decoded arguments given as JSON text. */
static struct sp_event sys(pid_t pid, const char *phase, const char *name, uint64_t a1, uint64_t a2,
                           int64_t ret, const char *dec)
{
	struct sp_event ev = {.type = SP_EV_SYSCALL, .tid = pid, .pid = pid, .abi = SP_ABI_X86_64};
	json_error_t err;

	ev.ts = clock_ts += 0.001;
	ev.phase = phase;
	ev.name = name;
	ev.nr = sp_filter_syscall_nr(name);
	assert_true(ev.nr >= 0);
	ev.args[1] = a1;
	ev.args[2] = a2;
	ev.has_exit = true;
	ev.ret = ret;
	ev.err = ret < 0 && ret > -4096 ? (int)-ret : 0;
	ev.dec = dec ? json_loads(dec, 0, &err) : NULL;
	assert_true(!dec || ev.dec);
	return ev;
}

static void feed(struct sp_policy_builder *b, struct sp_landlock_collector *c, struct sp_event ev)
{
	struct sp_diag diag = {{0}};

	assert_int_equal(sp_policy_feed(b, &ev, &diag), 0);
	assert_int_equal(sp_landlock_collector_feed(c, &ev), 0);
	json_decref(ev.dec);
}

#define OPENAT(path, real, kind)                                                                  \
	"{\"dirfd\":\"AT_FDCWD\",\"pathname\":\"" path "\",\"ret_fd\":{\"fd\":3,\"kind\":\"" kind \
	"\",\"path\":\"" real "\"}}"

static const char *const order[] = {"start", "serve", "stop"};

/* start -> serve -> stop in pid 10; what each phase touches is below. */
static struct sp_policy *build(bool with_cwd)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 3);
	struct sp_landlock_collector *c = sp_landlock_collector_new();
	struct sp_diag diag = {{0}};
	struct sp_policy *p;

	assert_non_null(b);
	assert_non_null(c);
	feed(b, c,
	     sys(10, "start", "openat", 0, O_RDONLY | O_CLOEXEC, 3,
	         OPENAT("/etc/app.conf", "/etc/app.conf", "file")));
	feed(b, c,
	     sys(10, "start", "openat", 0, O_WRONLY | O_CREAT | O_APPEND, 4,
	         OPENAT("/var/log/app/app.log", "/var/log/app/app.log", "file")));
	/* A file start did not make but truncates, where it makes files: beneath the directory. */
	feed(b, c,
	     sys(10, "start", "ftruncate", 0, 0, 0,
	         "{\"fd\":{\"fd\":4,\"kind\":\"file\",\"path\":\"/var/log/app/rot.1\"}}"));
	feed(b, c,
	     sys(10, "start", "bind", 0, 0, 0,
	         "{\"addr\":{\"family\":\"AF_INET\",\"addr\":\"127.0.0.1\",\"port\":8080}}"));
	if (with_cwd)
		feed(b, c, sys(10, "start", "chdir", 0, 0, 0, "{\"path\":\"/srv\"}"));
	feed(b, c,
	     sys(10, "start", "mkdir", 0, 0, 0, "{\"pathname\":\"cache\",\"mode\":\"0700\"}"));
	/* serve: one file opened, one missing name looked up next to it: a document root. */
	feed(b, c,
	     sys(10, "serve", "openat", 0, O_RDONLY, 5,
	         OPENAT("/srv/www/index.html", "/srv/www/index.html", "file")));
	feed(b, c,
	     sys(10, "serve", "newfstatat", 0, 0, -ENOENT,
	         "{\"dirfd\":\"AT_FDCWD\",\"pathname\":\"/srv/www/missing\"}"));
	feed(b, c,
	     sys(10, "serve", "openat", 0, O_RDONLY, 6,
	         OPENAT("/srv/data/only.db", "/srv/data/only.db", "file")));
	feed(b, c, sys(10, "stop", "unlink", 0, 0, 0, "{\"pathname\":\"/run/app.pid\"}"));
	feed(b, c, sys(10, "stop", "kill", 0, 0, 0, "{\"pid\":11,\"sig\":\"SIGTERM\"}"));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_landlock_attach(c, p, &diag), 0);
	sp_landlock_collector_free(c);
	return p;
}

/* The access of path in phase's layer, or 0 when the layer has no rule on it. */
static uint64_t rule(const struct sp_policy *p, const char *phase, const char *path)
{
	int i = sp_policy_phase_index(p, phase);
	const char *rp, *why;
	uint64_t acc;

	assert_true(i >= 0);
	for (size_t k = 0; sp_policy_landlock_rule(p, (size_t)i, k, &rp, &acc, &why) == 0; k++)
		if (strcmp(rp, path) == 0)
			return acc;
	return 0;
}

static void test_rights_and_generalisation(void **state)
{
	struct sp_policy *p = build(true);
	struct sp_landlock_layer l;
	const char *why;
	int id;

	(void)state;
	/*
	 * serve: the docroot beneath; a single file only read stands for its
	 * directory too (another run reads others there), but not in a
	 * top-level directory, where it stays alone.
	 */
	assert_int_equal(rule(p, "serve", "/srv/www"), SP_LL_FS_READ_FILE);
	assert_int_equal(rule(p, "serve", "/srv/www/index.html"), 0);
	assert_int_equal(rule(p, "serve", "/srv/data"), SP_LL_FS_READ_FILE);
	assert_int_equal(rule(p, "serve", "/srv/data/only.db"), 0);
	/* serve's layer holds stop's too (it reaches stop), but not start's. */
	assert_int_equal(rule(p, "serve", "/run"), SP_LL_FS_REMOVE_FILE);
	assert_int_equal(rule(p, "serve", "/etc/app.conf"), 0);
	/* start: O_CREAT gives the parent, mkdir relative to the chdir'd /srv. */
	assert_int_equal(rule(p, "start", "/var/log/app"),
	                 SP_LL_FS_WRITE_FILE | SP_LL_FS_MAKE_REG | SP_LL_FS_TRUNCATE);
	assert_int_equal(rule(p, "start", "/var/log/app/rot.1"), 0);
	assert_int_equal(rule(p, "start", "/srv"), SP_LL_FS_MAKE_DIR);
	assert_int_equal(rule(p, "start", "/etc/app.conf"), SP_LL_FS_READ_FILE);
	/* start binds 8080: a port is configuration, so its layer leaves bind to seccomp. */
	assert_int_equal(sp_policy_landlock_layer(p, 0, &l, &id, &why), 1);
	assert_int_equal(l.n_ports, 0);
	assert_int_equal(l.handled_net, SP_LL_NET_CONNECT_TCP);
	/* stop sends a signal to another process: no phase reaching it is signal-scoped. */
	assert_int_equal(l.scoped, SP_LL_SCOPE_ABSTRACT_UNIX);
	assert_int_equal(sp_policy_landlock_layer(p, 1, &l, &id, &why), 1);
	assert_int_equal(l.n_ports, 0);
	assert_int_equal(l.handled_net, SP_LL_NET_ALL);
	assert_int_equal(l.handled_fs, SP_LL_FS_ALL);
	/* Every phase before a layered one must let the injection through its filter. */
	assert_true(sp_policy_landlock_leads_into_layer(p, 0));
	assert_true(sp_policy_landlock_leads_into_layer(p, 1));
	assert_false(sp_policy_landlock_leads_into_layer(p, 2));
	sp_policy_free(p);
}

static void test_unknown_cwd(void **state)
{
	struct sp_policy *p = build(false);
	struct sp_landlock_layer l;
	const char *why;
	int id;

	(void)state;
	/* start made a directory by a relative name with no known cwd: no file system part. */
	assert_int_equal(sp_policy_landlock_layer(p, 0, &l, &id, &why), 1);
	assert_int_equal(l.handled_fs, 0);
	assert_non_null(sp_policy_landlock_no_fs(p, 0));
	assert_non_null(strstr(sp_policy_landlock_no_fs(p, 0), "working directory"));
	/* serve does not reach start: it keeps its file system rules. */
	assert_int_equal(sp_policy_landlock_layer(p, 1, &l, &id, &why), 1);
	assert_int_equal(l.handled_fs, SP_LL_FS_ALL);
	sp_policy_free(p);
}

static void test_json_round_trip_and_allowlist(void **state)
{
	struct sp_policy *p = build(true), *q;
	struct sp_diag diag = {{0}};
	json_t *a = sp_policy_to_json(p), *b, *own;
	struct sp_allow *al;
	size_t n;
	bool has_restrict = false;

	(void)state;
	assert_non_null(a);
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), 0);
	b = sp_policy_to_json(q);
	assert_true(json_equal(a, b));
	assert_int_equal(rule(q, "serve", "/srv/www"), SP_LL_FS_READ_FILE);
	assert_int_equal(sp_policy_allowlist(q, 0, SP_VIEW_ENFORCE, true, NULL, 0, &al, &n, &diag),
	                 0);
	for (size_t i = 0; i < n; i++)
		has_restrict |= strcmp(al[i].name, "landlock_restrict_self") == 0;
	assert_true(has_restrict);
	free(al);
	/* The final phase leads nowhere: its filter does not allow the injection. */
	assert_int_equal(sp_policy_allowlist(q, 2, SP_VIEW_ENFORCE, true, NULL, 0, &al, &n, &diag),
	                 0);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(al[i].name, "landlock_restrict_self");
	free(al);
	/* A bad right is refused with its place. */
	own = json_object_get(
	    json_array_get(json_object_get(json_object_get(a, "landlock"), "phases"), 1), "own");
	json_object_set_new(own, "rules",
	                    json_pack("[{s:s,s:[s]}]", "path", "/x", "access", "read_everything"));
	sp_policy_free(q);
	assert_int_equal(sp_policy_from_json(a, "test", &q, &diag), -EINVAL);
	assert_non_null(strstr(diag.msg, "/landlock/phases/1"));
	json_decref(a);
	json_decref(b);
	sp_policy_free(p);
}

static void test_older_abi(void **state)
{
	const struct sp_ll_path paths[] = {
	    {"/a", SP_LL_FS_READ_FILE | SP_LL_FS_TRUNCATE},
	    {"/b", SP_LL_FS_IOCTL_DEV},
	};
	const struct sp_ll_path refer[] = {{"/a", SP_LL_FS_REFER | SP_LL_FS_MAKE_REG}};
	struct sp_landlock_layer in =
				     {
					 .handled_fs = SP_LL_FS_ALL,
					 .handled_net = SP_LL_NET_ALL,
					 .scoped = SP_LL_SCOPE_ALL,
					 .n_paths = 2,
					 .paths = paths,
				     },
				 out;
	struct sp_ll_path *owned;
	char lost[256];

	(void)state;
	assert_int_equal(sp_landlock_layer_for_abi(&in, 7, &out, &owned, lost, sizeof(lost)), 0);
	assert_string_equal(lost, "");
	assert_int_equal(out.handled_fs, SP_LL_FS_ALL);
	assert_int_equal(out.n_paths, 2);
	free(owned);
	/* ABI 3: no ioctl_dev (the /b rule goes), no net, no scopes. */
	assert_int_equal(sp_landlock_layer_for_abi(&in, 3, &out, &owned, lost, sizeof(lost)), 0);
	assert_int_equal(out.handled_fs, SP_LL_FS_ALL & ~SP_LL_FS_IOCTL_DEV);
	assert_int_equal(out.handled_net, 0);
	assert_int_equal(out.scoped, 0);
	assert_int_equal(out.n_paths, 1);
	assert_int_equal(out.paths[0].access, SP_LL_FS_READ_FILE | SP_LL_FS_TRUNCATE);
	assert_non_null(strstr(lost, "ioctl_dev"));
	assert_non_null(strstr(lost, "TCP ports"));
	free(owned);
	/* ABI 1 with a rename across directories: the file system part is dropped whole. */
	in.paths = refer;
	in.n_paths = 1;
	assert_int_equal(sp_landlock_layer_for_abi(&in, 1, &out, &owned, lost, sizeof(lost)), 0);
	assert_int_equal(out.handled_fs, 0);
	assert_int_equal(out.n_paths, 0);
	assert_non_null(strstr(lost, "ABI 1"));
	free(owned);
	assert_int_equal(sp_landlock_abi() >= 0, 1);
}

/* The access of path among the own rules of the policy's first phase, read from its JSON. */
static uint64_t own_access(const struct sp_policy *p, const char *path)
{
	json_t *doc = sp_policy_to_json(p), *rules, *r;
	uint64_t acc = 0;
	size_t i, k;
	json_t *a;

	rules = json_object_get(
	    json_object_get(
		json_array_get(json_object_get(json_object_get(doc, "landlock"), "phases"), 0),
		"own"),
	    "rules");
	json_array_foreach(rules, i, r)
		if (strcmp(json_string_value(json_object_get(r, "path")), path) == 0)
			json_array_foreach(json_object_get(r, "access"), k, a)
				acc |= sp_ll_fs_parse(json_string_value(a));
	json_decref(doc);
	return acc;
}

/* A directory the phase makes, a file in it, a directory opened with O_DIRECTORY, an own port. */
static void test_made_dirs_and_chosen_ports(void **state)
{
	static const char *const one[] = {"run"};
	struct sp_policy_builder *b = sp_policy_builder_new(false, one, 1);
	struct sp_landlock_collector *c = sp_landlock_collector_new();
	struct sp_diag diag = {{0}};
	struct sp_landlock_layer l;
	struct sp_policy *p;
	const char *why;
	int id;

	(void)state;
	feed(b, c, sys(7, "run", "mkdir", 0, 0, 0, "{\"pathname\":\"/srv/db/tmp/set.1234\"}"));
	feed(b, c,
	     sys(7, "run", "openat", 0, O_RDWR | O_CREAT, 3,
	         OPENAT("/srv/db/tmp/set.1234/0", "/srv/db/tmp/set.1234/0", "file")));
	feed(b, c,
	     sys(7, "run", "openat", 0, O_RDONLY | O_DIRECTORY, 4,
	         OPENAT("/srv/db/wal", "/srv/db/wal", "dir")));
	feed(b, c,
	     sys(7, "run", "openat", 0, O_WRONLY | O_CREAT, 5,
	         OPENAT("/srv/db/a/log", "/srv/db/a/log", "file")));
	feed(b, c,
	     sys(7, "run", "openat", 0, O_WRONLY | O_CREAT, 6,
	         OPENAT("/srv/db/b/log", "/srv/db/b/log", "file")));
	feed(b, c,
	     sys(7, "run", "bind", 0, 0, 0,
	         "{\"addr\":{\"family\":\"AF_INET\",\"addr\":\"127.0.0.1\",\"port\":0}}"));
	feed(b, c,
	     sys(7, "run", "getsockname", 0, 0, 0,
	         "{\"addr\":{\"family\":\"AF_INET\",\"addr\":\"127.0.0.1\",\"port\":40001}}"));
	feed(b, c,
	     sys(7, "run", "connect", 0, 0, 0,
	         "{\"addr\":{\"family\":\"AF_INET\",\"addr\":\"127.0.0.1\",\"port\":40001}}"));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_landlock_attach(c, p, &diag), 0);
	sp_landlock_collector_free(c);
	/* What happens in the made directory is granted beneath the directory above it. */
	assert_int_equal(own_access(p, "/srv/db/tmp"), SP_LL_FS_MAKE_DIR | SP_LL_FS_READ_FILE |
	                                                   SP_LL_FS_WRITE_FILE | SP_LL_FS_MAKE_REG);
	assert_int_equal(own_access(p, "/srv/db/tmp/set.1234"), 0);
	/* Three entries of /srv/db written in: /srv/db is a data directory, one rule beneath it. */
	assert_int_equal(rule(p, "run", "/srv/db/wal"), 0);
	assert_true(rule(p, "run", "/srv/db") & SP_LL_FS_WRITE_FILE);
	assert_true(rule(p, "run", "/srv/db") & SP_LL_FS_READ_DIR);
	/* O_DIRECTORY is not O_TMPFILE: read_dir only (own rule, before the union). */
	assert_int_equal(own_access(p, "/srv/db/wal"), SP_LL_FS_READ_DIR);
	/* A phase that binds and connects at all: neither right is the layer's to restrict. */
	assert_int_equal(sp_policy_landlock_layer(p, 0, &l, &id, &why), 1);
	assert_int_equal(l.handled_net, 0);
	assert_int_equal(l.n_ports, 0);
	sp_policy_free(p);
}

/* export --merge: a would-be denial widens its phase, generalised, with its provenance. */
static void test_merge_from_complain_log(void **state)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 3);
	struct sp_landlock_collector *c = sp_landlock_collector_new();
	struct sp_complain_landlock d = {.pid = 10,
	                                 .phase = "serve",
	                                 .syscall = "openat",
	                                 .path = "/srv/extra/new.txt",
	                                 .fs = SP_LL_FS_READ_FILE,
	                                 .port = -1,
	                                 .count = 1};
	struct sp_complain_landlock port = {
	    .pid = 10, .phase = "serve", .port = 9000, .net = SP_LL_NET_CONNECT_TCP, .count = 1};
	struct sp_diag diag = {{0}};
	struct sp_policy *p;
	const char *rp, *why;
	uint64_t acc;
	bool found = false;
	struct sp_landlock_layer l;
	int id, i;

	(void)state;
	feed(b, c,
	     sys(10, "start", "openat", 0, O_RDONLY, 3,
	         OPENAT("/etc/app.conf", "/etc/app.conf", "file")));
	feed(b, c,
	     sys(10, "serve", "openat", 0, O_RDONLY, 5,
	         OPENAT("/srv/www/index.html", "/srv/www/index.html", "file")));
	assert_int_equal(sp_landlock_collector_merge(c, &d, "c.log"), 0);
	assert_int_equal(sp_landlock_collector_merge(c, &port, "c.log"), 0);
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_landlock_attach(c, p, &diag), 0);
	i = sp_policy_phase_index(p, "serve");
	for (size_t k = 0; sp_policy_landlock_rule(p, (size_t)i, k, &rp, &acc, &why) == 0; k++)
		if (strcmp(rp, "/srv/extra") == 0) {
			found = true;
			assert_int_equal(acc, SP_LL_FS_READ_FILE);
			assert_non_null(strstr(why, "merged from complain log c.log; generalised"));
		}
	assert_true(found);
	/* A port it connects to: serve's layer leaves connect to seccomp now. */
	assert_int_equal(sp_policy_landlock_layer(p, (size_t)i, &l, &id, &why), 1);
	assert_int_equal(l.handled_net & SP_LL_NET_CONNECT_TCP, 0);
	sp_policy_free(p);
	sp_landlock_collector_free(c);
}

/*
 * start -> serve -> stop in pid 12: start reads a configuration file,
 * serve reads a page of its document root and (listing) lists one
 * directory of it, stop reads a template; /etc gets two names looked up.
 */
static struct sp_policy *build_listing(bool listing)
{
	struct sp_policy_builder *b = sp_policy_builder_new(false, order, 3);
	struct sp_landlock_collector *c = sp_landlock_collector_new();
	struct sp_diag diag = {{0}};
	struct sp_policy *p;

	assert_non_null(b);
	assert_non_null(c);
	feed(b, c,
	     sys(12, "start", "openat", 0, O_RDONLY, 3,
	         OPENAT("/srv/conf/app.conf", "/srv/conf/app.conf", "file")));
	feed(b, c,
	     sys(12, "serve", "openat", 0, O_RDONLY, 4,
	         OPENAT("/srv/www/index.html", "/srv/www/index.html", "file")));
	feed(
	    b, c,
	    sys(12, "serve", "openat", 0, O_RDONLY, 5, OPENAT("/etc/hosts", "/etc/hosts", "file")));
	feed(b, c,
	     sys(12, "serve", "newfstatat", 0, 0, -ENOENT,
	         "{\"dirfd\":\"AT_FDCWD\",\"pathname\":\"/etc/missing\"}"));
	if (listing) {
		feed(b, c,
		     sys(12, "serve", "openat", 0, O_RDONLY | O_DIRECTORY, 6,
		         OPENAT("/srv/www/a", "/srv/www/a", "dir")));
		feed(b, c,
		     sys(12, "serve", "getdents64", 0, 0, 48,
		         "{\"fd\":{\"fd\":6,\"kind\":\"dir\",\"path\":\"/srv/www/a\"}}"));
	}
	feed(b, c,
	     sys(12, "stop", "openat", 0, O_RDONLY, 7,
	         OPENAT("/srv/tmpl/bye.txt", "/srv/tmpl/bye.txt", "file")));
	assert_int_equal(sp_policy_builder_finish(b, &p, &diag), 0);
	assert_int_equal(sp_landlock_attach(c, p, &diag), 0);
	sp_landlock_collector_free(c);
	return p;
}

/* The access and why of path among phase's own rules, read from the policy's JSON. */
static uint64_t own_rule(const struct sp_policy *p, const char *phase, const char *path, char *why,
                         size_t n)
{
	json_t *doc = sp_policy_to_json(p), *ph, *r, *a;
	uint64_t acc = 0;
	size_t i, k, j;

	why[0] = '\0';
	json_array_foreach(json_object_get(json_object_get(doc, "landlock"), "phases"), j, ph) {
		if (strcmp(json_string_value(json_object_get(ph, "phase")), phase) != 0)
			continue;
		json_array_foreach(json_object_get(json_object_get(ph, "own"), "rules"), i, r) {
			if (strcmp(json_string_value(json_object_get(r, "path")), path) != 0)
				continue;
			json_array_foreach(json_object_get(r, "access"), k, a)
				acc |= sp_ll_fs_parse(json_string_value(a));
			snprintf(why, n, "%s", json_string_value(json_object_get(r, "why")));
		}
	}
	json_decref(doc);
	return acc;
}

/*
 * read_dir on a directory generalised for reading, only where the phase's
 * filter (its enforce view) allows getdents64: a listing of another
 * directory of the document root is then the same kind of read.
 */
static void test_listing_follows_the_filter(void **state)
{
	struct sp_policy *p = build_listing(true);
	char why[1024];

	(void)state;
	/* serve lists: its document root may be listed beneath, and says why. */
	assert_int_equal(own_rule(p, "serve", "/srv/www", why, sizeof(why)),
	                 SP_LL_FS_READ_FILE | SP_LL_FS_READ_DIR);
	assert_non_null(strstr(why, "generalised: the directory of a file only read"));
	assert_non_null(strstr(why, "read_dir: files read in it were generalised"));
	assert_non_null(strstr(why, "filter allows getdents64"));
	/* The listed directory's own rule is beneath it: the layer keeps one rule. */
	assert_int_equal(rule(p, "serve", "/srv/www"), SP_LL_FS_READ_FILE | SP_LL_FS_READ_DIR);
	assert_int_equal(rule(p, "serve", "/srv/www/a"), 0);
	/* Never a directory right below "/", even generalised from two names. */
	assert_int_equal(own_rule(p, "serve", "/etc", why, sizeof(why)), SP_LL_FS_READ_FILE);
	/* start never lists, but its filter allows getdents64 (it reaches serve). */
	assert_int_equal(own_rule(p, "start", "/srv/conf", why, sizeof(why)),
	                 SP_LL_FS_READ_FILE | SP_LL_FS_READ_DIR);
	/* stop's filter has no getdents64: listing there is the filter's to kill. */
	assert_int_equal(own_rule(p, "stop", "/srv/tmpl", why, sizeof(why)), SP_LL_FS_READ_FILE);
	assert_null(strstr(why, "read_dir"));
	assert_int_equal(rule(p, "stop", "/srv/tmpl"), SP_LL_FS_READ_FILE);
	sp_policy_free(p);

	/* The same recording without the listing: no phase's filter lists, no read_dir. */
	p = build_listing(false);
	assert_int_equal(own_rule(p, "serve", "/srv/www", why, sizeof(why)), SP_LL_FS_READ_FILE);
	assert_null(strstr(why, "read_dir"));
	assert_int_equal(rule(p, "serve", "/srv/www"), SP_LL_FS_READ_FILE);
	assert_int_equal(own_rule(p, "start", "/srv/conf", why, sizeof(why)), SP_LL_FS_READ_FILE);
	sp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rights_and_generalisation),
	    cmocka_unit_test(test_unknown_cwd),
	    cmocka_unit_test(test_json_round_trip_and_allowlist),
	    cmocka_unit_test(test_older_abi),
	    cmocka_unit_test(test_merge_from_complain_log),
	    cmocka_unit_test(test_made_dirs_and_chosen_ports),
	    cmocka_unit_test(test_listing_follows_the_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
