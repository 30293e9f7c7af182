/* SPDX-License-Identifier: MIT */
/*
 * sp_inject_landlock() on a real tracee: a forked child that, between two
 * getppid() markers, opens what it is told and reports the errno, plus a
 * second thread that does the same on its own and is never given a layer.
 * Checked before and after each layer: reads and writes inside and
 * outside the allowed trees, injection at an entry stop (the program's
 * own call re-issued: getppid must still answer right) and at an exit
 * stop, stacking, the probe that verifies a layer, NO_NEW_PRIVS set by
 * injection, the 16-layer limit, and a filter that refuses Landlock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>

#include "sysphase/tracer.h"

static char tmp[64];

struct tracee {
	pid_t pid;
	int cmd, res;   /* the main thread's commands and answers */
	int cmd2, res2; /* the second thread's */
	long last_nr;   /* the number of the call whose entry was seen last */
};

/* "r PATH": open it read-only; "w PATH": create or open it for writing; "x": exit. */
static int do_cmd(const char *c)
{
	int fd;

	if (c[0] == 'x')
		_exit(0);
	fd = open(c + 2, c[0] == 'w' ? O_WRONLY | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void serve(int cmd, int res)
{
	char line[512];

	for (;;) {
		ssize_t n = read(cmd, line, sizeof(line) - 1);
		int r;

		if (n <= 0)
			_exit(2);
		line[n] = '\0';
		r = do_cmd(line);
		if (write(res, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

static int thread_fds[2];

static void *second_thread(void *arg)
{
	(void)arg;
	serve(thread_fds[0], thread_fds[1]);
	return NULL;
}

static void child(pid_t ppid, int go, int cmd, int res, bool nnp, bool deny_landlock)
{
	pthread_t th;
	char c;

	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(4);
	if (deny_landlock) {
		/* A filter of the program's own: landlock_create_ruleset gets EPERM. */
		struct sock_filter insns[] = {
		    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 444, 0, 1),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {.len = 4, .filter = insns};

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(5);
	}
	if (pthread_create(&th, NULL, second_thread, NULL) != 0 || read(go, &c, 1) != 1)
		_exit(6);
	for (;;) {
		char line[512];
		ssize_t n;
		int r;

		/* The marker: where the test stops the thread; its answer must survive an
		 * injection. */
		if (syscall(SYS_getppid) != ppid)
			_exit(3);
		n = read(cmd, line, sizeof(line) - 1);
		if (n <= 0)
			_exit(2);
		line[n] = '\0';
		r = do_cmd(line);
		if (write(res, &r, sizeof(r)) != sizeof(r))
			_exit(2);
	}
}

/* Runs the main thread to the entry (or exit) stop of its next marker. */
static void to_marker(struct tracee *t, bool entry)
{
	for (;;) {
		struct __ptrace_syscall_info si;
		int status;

		assert_int_equal(ptrace(PTRACE_SYSCALL, t->pid, 0, 0), 0);
		assert_int_equal(waitpid(t->pid, &status, __WALL), t->pid);
		assert_true(WIFSTOPPED(status));
		if (WSTOPSIG(status) != (SIGTRAP | 0x80))
			continue; /* the interrupt's stop */
		assert_true(ptrace(PTRACE_GET_SYSCALL_INFO, t->pid, (void *)sizeof(si), &si) > 0);
		if (si.op == PTRACE_SYSCALL_INFO_ENTRY)
			t->last_nr = (long)si.entry.nr;
		if (t->last_nr == SYS_getppid && (si.op == PTRACE_SYSCALL_INFO_ENTRY) == entry)
			return;
	}
}

static struct tracee start(bool nnp, bool deny_landlock)
{
	int go[2], cmd[2], res[2], cmd2[2], res2[2], status;
	struct tracee t = {0};
	pid_t self = getpid(); /* the child's only getppid() is the marker */

	assert_int_equal(pipe(go) | pipe(cmd) | pipe(res) | pipe(cmd2) | pipe(res2), 0);
	thread_fds[0] = cmd2[0];
	thread_fds[1] = res2[1];
	t.pid = fork();
	assert_true(t.pid >= 0);
	if (t.pid == 0)
		child(self, go[0], cmd[0], res[1], nnp, deny_landlock);
	t.cmd = cmd[1];
	t.res = res[0];
	t.cmd2 = cmd2[1];
	t.res2 = res2[0];
	assert_int_equal(ptrace(PTRACE_SEIZE, t.pid, 0,
	                        (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)),
	                 0);
	/* Stopped before it may go on: it cannot pass its first marker unseen. */
	assert_int_equal(ptrace(PTRACE_INTERRUPT, t.pid, 0, 0), 0);
	assert_int_equal(waitpid(t.pid, &status, __WALL), t.pid);
	assert_int_equal(write(go[1], "g", 1), 1);
	to_marker(&t, true);
	return t;
}

/* The main thread runs one command between two markers; its errno (0: it worked). */
static int run(struct tracee *t, const char *c)
{
	int r = -1;

	assert_int_equal(write(t->cmd, c, strlen(c)), (ssize_t)strlen(c));
	to_marker(t, true);
	assert_int_equal(read(t->res, &r, sizeof(r)), sizeof(r));
	return r;
}

/* The second thread, which runs freely and never gets a layer. */
static int run2(struct tracee *t, const char *c)
{
	int r = -1;

	assert_int_equal(write(t->cmd2, c, strlen(c)), (ssize_t)strlen(c));
	assert_int_equal(read(t->res2, &r, sizeof(r)), sizeof(r));
	return r;
}

static void stop(struct tracee *t)
{
	int status;

	assert_int_equal(write(t->cmd, "x", 1), 1);
	assert_int_equal(ptrace(PTRACE_CONT, t->pid, 0, 0), 0);
	assert_int_equal(waitpid(t->pid, &status, __WALL), t->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(t->cmd);
	close(t->res);
	close(t->cmd2);
	close(t->res2);
}

static char path_a[96], path_sub[96], in_a[128], in_sub[128], in_b[128], new_a[128], new_b[128];
static char c_in_a[160], c_in_sub[160], c_in_b[160], w_new_a[160], w_new_b[160];

static int setup(void **state)
{
	(void)state;
	if (sp_landlock_abi() < 1)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/sp-ll-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(path_a, sizeof(path_a), "%s/a", tmp);
	snprintf(path_sub, sizeof(path_sub), "%s/a/sub", tmp);
	snprintf(in_a, sizeof(in_a), "%s/a/x", tmp);
	snprintf(in_sub, sizeof(in_sub), "%s/a/sub/y", tmp);
	snprintf(in_b, sizeof(in_b), "%s/b/secret", tmp);
	snprintf(new_a, sizeof(new_a), "%s/a/new", tmp);
	snprintf(new_b, sizeof(new_b), "%s/b/new", tmp);
	snprintf(c_in_a, sizeof(c_in_a), "r %s", in_a);
	snprintf(c_in_sub, sizeof(c_in_sub), "r %s", in_sub);
	snprintf(c_in_b, sizeof(c_in_b), "r %s", in_b);
	snprintf(w_new_a, sizeof(w_new_a), "w %s", new_a);
	snprintf(w_new_b, sizeof(w_new_b), "w %s", new_b);
	{
		char b[96];

		snprintf(b, sizeof(b), "%s/b", tmp);
		assert_int_equal(mkdir(path_a, 0755) | mkdir(path_sub, 0755) | mkdir(b, 0755), 0);
	}
	for (const char *f = in_a; f; f = f == in_a ? in_sub : f == in_sub ? in_b : NULL)
		close(open(f, O_CREAT | O_WRONLY, 0644));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		assert_int_equal(system(cmd), 0);
	}
	return 0;
}

#define FS_HANDLED                                                                          \
	(SP_LL_FS_READ_FILE | SP_LL_FS_WRITE_FILE | SP_LL_FS_READ_DIR | SP_LL_FS_MAKE_REG | \
	 SP_LL_FS_TRUNCATE)

static void test_layers_on_a_tracee(void **state)
{
	struct sp_ll_path a_rules[] = {{path_a, FS_HANDLED}};
	struct sp_ll_path sub_rules[] = {{path_sub, SP_LL_FS_READ_FILE | SP_LL_FS_READ_DIR}};
	struct sp_landlock_layer a = {.handled_fs = FS_HANDLED, .n_paths = 1, .paths = a_rules};
	struct sp_landlock_layer sub = {.handled_fs = FS_HANDLED, .n_paths = 1, .paths = sub_rules};
	const char *root_probe[] = {"/"}, *probes[] = {"/", path_a};
	struct sp_landlock_request req = {.layer = &a, .probes = root_probe, .n_probes = 1};
	struct sp_landlock_outcome out;
	struct sp_diag why = {{0}};
	struct tracee t;
	int layers = 0, rc;

	(void)state;
	if (sp_landlock_abi() < 1)
		skip();
	t = start(true, false);
	/* Before: everything opens. */
	assert_int_equal(run(&t, c_in_a), 0);
	assert_int_equal(run(&t, c_in_b), 0);
	assert_int_equal(run2(&t, c_in_b), 0);

	/* Layer one, at the marker's entry stop: only the a tree, and "/" no longer listable. */
	rc = sp_inject_landlock(t.pid, &req, &out, &why);
	assert_int_equal(rc, 0);
	assert_string_equal(out.probe, "/");
	assert_int_equal(out.skipped, 0);
	layers++;
	assert_int_equal(run(&t, c_in_a), 0);
	assert_int_equal(run(&t, w_new_a), 0);
	assert_int_equal(run(&t, c_in_b), EACCES);
	assert_int_equal(run(&t, w_new_b), EACCES);
	/* The thread that never moved keeps its wider (here: no) layer. */
	assert_int_equal(run2(&t, c_in_b), 0);
	assert_int_equal(run2(&t, w_new_b), 0);

	/* Layer two, at an exit stop, stacked: only a/sub for reading; "/" proves nothing now. */
	to_marker(&t, false);
	req.layer = &sub;
	req.probes = probes;
	req.n_probes = 2;
	rc = sp_inject_landlock(t.pid, &req, &out, &why);
	assert_int_equal(rc, 0);
	assert_string_equal(out.probe, path_a);
	layers++;
	assert_int_equal(run(&t, c_in_sub), 0);
	assert_int_equal(run(&t, c_in_a), EACCES);
	assert_int_equal(run(&t, w_new_a), EACCES);
	assert_int_equal(run(&t, c_in_b), EACCES);
	assert_int_equal(run2(&t, c_in_a), 0);

	/* The kernel's limit: 16 layers, then E2BIG, and the tracee carries on. */
	req.n_probes = 0;
	while ((rc = sp_inject_landlock(t.pid, &req, &out, &why)) == 0)
		layers++;
	assert_int_equal(rc, -E2BIG);
	assert_int_equal(layers, SP_LL_MAX_LAYERS);
	assert_non_null(strstr(why.msg, "16 Landlock layers"));
	assert_int_equal(run(&t, c_in_sub), 0);
	assert_int_equal(run(&t, c_in_a), EACCES);
	stop(&t);
}

/* NoNewPrivs of pid's status: 1 or 0. */
static int no_new_privs(pid_t pid)
{
	char path[64], line[256];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "NoNewPrivs: %d", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void test_no_new_privs_and_missing_paths(void **state)
{
	char missing[128];
	struct sp_ll_path rules[] = {{path_a, FS_HANDLED}, {missing, SP_LL_FS_READ_FILE}};
	struct sp_landlock_layer a = {.handled_fs = FS_HANDLED, .n_paths = 2, .paths = rules};
	struct sp_landlock_request req = {.layer = &a, .set_no_new_privs = true};
	struct sp_landlock_outcome out;
	struct sp_diag why = {{0}};
	struct tracee t;

	(void)state;
	if (sp_landlock_abi() < 1)
		skip();
	snprintf(missing, sizeof(missing), "%s/not-there", tmp);
	t = start(false, false);
	assert_int_equal(no_new_privs(t.pid), 0);
	assert_int_equal(sp_inject_landlock(t.pid, &req, &out, &why), 0);
	assert_int_equal(no_new_privs(t.pid), 1);
	/* A path that does not exist cannot be reached anyway: left out, counted. */
	assert_int_equal(out.skipped, 1);
	assert_null(out.probe);
	assert_int_equal(run(&t, c_in_a), 0);
	assert_int_equal(run(&t, c_in_b), EACCES);
	stop(&t);
}

static void test_refused_by_a_filter(void **state)
{
	struct sp_ll_path rules[] = {{path_a, FS_HANDLED}};
	struct sp_landlock_layer a = {.handled_fs = FS_HANDLED, .n_paths = 1, .paths = rules};
	struct sp_landlock_request req = {.layer = &a};
	struct sp_landlock_outcome out;
	struct sp_diag why = {{0}};
	struct tracee t;

	(void)state;
	if (sp_landlock_abi() < 1)
		skip();
	t = start(true, true);
	/* Fails closed with the reason, and the thread is put back as it was. */
	assert_int_equal(sp_inject_landlock(t.pid, &req, &out, &why), -EPERM);
	assert_non_null(strstr(why.msg, "landlock_create_ruleset"));
	assert_int_equal(run(&t, c_in_b), 0);
	stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layers_on_a_tracee),
	    cmocka_unit_test(test_no_new_privs_and_missing_paths),
	    cmocka_unit_test(test_refused_by_a_filter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
