/* SPDX-License-Identifier: MIT */
/*
 * sp_output_*: a regular file is replaced whole or not at all (keeping its
 * permissions, through a symlink too), everything else is written through
 * the way a shell redirect would: a character device stays a device, a
 * FIFO is written to its reader, a dangling symlink creates its target.
 * The device node is made here with mknod (as root), never /dev/null
 * itself: a broken helper must not break the machine.
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysphase/core.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sp-output-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	static char buf[4][128];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void content_is(const char *path, const char *want)
{
	char got[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, want);
}

/* Every entry of dir but the ones named: no temporary file may be left behind. */
static int count_entries(void)
{
	char cmd[160];
	FILE *p;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF)
		n += c == '\n';
	pclose(p);
	return n;
}

static int write_all(const char *path, unsigned flags, const char *text, bool commit)
{
	struct sp_diag diag = {{0}};
	struct sp_output *o;
	int rc = sp_output_open(path, flags, &o, &diag);

	if (rc < 0)
		return rc;
	fputs(text, sp_output_stream(o));
	if (!commit) {
		sp_output_abort(o);
		return 0;
	}
	return sp_output_commit(o, &diag);
}

static void test_regular_file(void **state)
{
	char *f = path_of("out.txt");
	struct stat st;

	(void)state;
	/* A new file gets 0666 less the umask, as a shell makes it. */
	umask(022);
	assert_int_equal(write_all(f, 0, "one\n", true), 0);
	content_is(f, "one\n");
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Replacing keeps its permissions. */
	assert_int_equal(chmod(f, 0600), 0);
	assert_int_equal(write_all(f, 0, "two\n", true), 0);
	content_is(f, "two\n");
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* An aborted write leaves the old file, and no temporary. */
	assert_int_equal(write_all(f, 0, "half", false), 0);
	content_is(f, "two\n");
	assert_int_equal(count_entries(), 1);
	/* Appending and streaming write into it. */
	assert_int_equal(write_all(f, SP_OUTPUT_APPEND, "three\n", true), 0);
	content_is(f, "two\nthree\n");
	assert_int_equal(write_all(f, SP_OUTPUT_STREAM, "four\n", true), 0);
	content_is(f, "four\n");
	unlink(f);
}

static void test_symlinks(void **state)
{
	char *target = path_of("target.txt"), *link = path_of("link.txt");
	char *dangling = path_of("dangling"), *made = path_of("made.txt");
	struct stat st;

	(void)state;
	put(target, "old\n");
	assert_int_equal(symlink("target.txt", link), 0);
	assert_int_equal(write_all(link, 0, "new\n", true), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* the link stays a link */
	content_is(target, "new\n");
	/* A dangling link: the shell creates its target. */
	assert_int_equal(symlink("made.txt", dangling), 0);
	assert_int_equal(write_all(dangling, 0, "made\n", true), 0);
	assert_int_equal(lstat(dangling, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	content_is(made, "made\n");
	assert_int_equal(count_entries(), 4);
	unlink(target);
	unlink(link);
	unlink(dangling);
	unlink(made);
}

static void test_char_device(void **state)
{
	char *dev = path_of("null");
	struct stat st;

	(void)state;
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) < 0) {
		print_message("no mknod here (%s): device case skipped\n", strerror(errno));
		skip();
	}
	assert_int_equal(write_all(dev, 0, "gone\n", true), 0);
	assert_int_equal(lstat(dev, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(count_entries(), 1);
	unlink(dev);
}

static void test_fifo(void **state)
{
	char *fifo = path_of("fifo");
	char got[64] = "";
	struct stat st;
	int status, pipefd[2];
	pid_t pid;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The reader: what comes through the FIFO goes back up the pipe. */
		int fd = open(fifo, O_RDONLY);
		char buf[64];
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

		_exit(n > 0 && write(pipefd[1], buf, (size_t)n) == n ? 0 : 1);
	}
	close(pipefd[1]);
	assert_int_equal(write_all(fifo, 0, "through\n", true), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(read(pipefd[0], got, sizeof(got) - 1) > 0);
	close(pipefd[0]);
	assert_string_equal(got, "through\n");
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	unlink(fifo);
}

static void test_errors(void **state)
{
	struct sp_diag diag = {{0}};
	struct sp_output *o;

	(void)state;
	assert_int_equal(sp_output_open(dir, 0, &o, &diag), -EISDIR);
	assert_non_null(strstr(diag.msg, dir));
	assert_int_equal(sp_output_open(path_of("no/such/dir"), 0, &o, &diag), -ENOENT);
	/* A full device: the error comes at commit, never a silent short write. */
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(sp_output_open("/dev/full", 0, &o, &diag), 0);
		for (int i = 0; i < 1000; i++)
			fputs("0123456789abcdef", sp_output_stream(o));
		assert_int_equal(sp_output_commit(o, &diag), -ENOSPC);
		assert_non_null(strstr(diag.msg, "/dev/full"));
	}
	assert_int_equal(count_entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_regular_file), cmocka_unit_test(test_symlinks),
	    cmocka_unit_test(test_char_device),  cmocka_unit_test(test_fifo),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
