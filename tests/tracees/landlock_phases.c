/* SPDX-License-Identifier: MIT */
/*
 * Tracee for Landlock under `sysphase run` (tests/e2e/run_landlock_phases.sh,
 * rules tests/data/rules/landlock_phases.json): a tiny server in DIR.
 *
 *   setup  from exec: reads conf/app.conf, appends to logs/app.log
 *          (O_CREAT), makes state/run, binds 127.0.0.1:0, listens
 *   work   opened by listen(): connects to itself, reads data/a.txt and
 *          data/b.txt, writes state/run/pid
 *   serve  opened by accept4(): reads www/index.html, looks up www/missing
 *
 * With --probe it also tries, at the end of each phase, what the
 * recording never did, and prints one line per try ("probe NAME: ok" or
 * the errno name), so the test sees what each phase's layer allows:
 * reading conf/app.conf, data/c.txt, www/other.html, www/leak (a symlink
 * the test plants to a file outside DIR), secret.txt, and creating
 * www/new.txt.  Only openat is used for them: every phase's filter has it.
 *
 * --probe-all adds probes that need calls some phases' filters lack (run
 * it with --default-action errno: a seccomp denial is then EPERM, a
 * Landlock one EACCES): writing logs/app.log, data/a.txt and
 * state/run/pid (without creating), executing bin/garbage (a file of
 * mode 0755 that is no program: ENOEXEC once the kernel let it be opened
 * for execution) and binding a TCP socket on 127.0.0.1.  work also binds
 * a unix socket (state/run/sock), so its filter has bind while no TCP bind
 * is ever made from there.
 *
 * --thread starts a helper thread in work, before the connect: it never
 * makes a call that moves it on, so it stays in work, with work's layer,
 * while the main thread moves to serve.  It waits until serve's probes
 * are done, then probes as "helper" what work allows and serve does not
 * (data/c.txt) and what neither does (conf/app.conf); the main thread
 * joins it before saying done.
 *
 * --read=REL (repeatable) makes work also read DIR/REL, which the
 * recording never did: a held-out path for the complain -> merge ->
 * enforce loop (tests/e2e/run_landlock_complain.sh).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *dir;
static int probing, probing_all, threaded;
static int helper_go[2];
static const char *extra[4];
static int n_extra;

/* Writes a, b and c as one line (write(2): a line must survive a kill that follows). */
static void say(const char *a, const char *b, const char *c)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s%s%s\n", a, b, c);

	if (n > 0 && write(1, line, (size_t)n) < 0)
		_exit(3);
}

static void die(const char *what)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s: %s", what, strerror(errno));
	say("landlock_phases: ", buf, "");
	exit(1);
}

/* Opens DIR/rel with flags; the descriptor or -errno. */
static int open_in(const char *rel, int flags)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, flags | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

static void must_read(const char *rel)
{
	char buf[64];
	int fd = open_in(rel, O_RDONLY);

	if (fd < 0) {
		errno = -fd;
		die(rel);
	}
	if (read(fd, buf, sizeof(buf)) < 0)
		die(rel);
	close(fd);
}

static void try(const char *phase, const char *rel, int flags)
{
	int fd = open_in(rel, flags);
	char what[128];

	snprintf(what, sizeof(what), "%s %s", phase, rel);
	if (fd >= 0)
		close(fd);
	say("probe ", what, fd >= 0 ? ": ok" : -fd == EACCES ? ": EACCES" : ": other error");
}

static const char *errno_word(int err)
{
	return err == 0         ? "ok"
	       : err == EACCES  ? "EACCES"
	       : err == EPERM   ? "EPERM"
	       : err == ENOEXEC ? "ENOEXEC"
	                        : "other error";
}

static void say_probe(const char *phase, const char *what, int err)
{
	char line[256];

	snprintf(line, sizeof(line), "%s %s: %s", phase, what, errno_word(err));
	say("probe ", line, "");
}

/* What the --probe-all probes need of write, execute and bind. */
static void probes_all(const char *phase)
{
	static const char *const writes[] = {"logs/app.log", "data/a.txt", "state/run/pid"};
	struct sockaddr_in addr = {.sin_family = AF_INET};
	char path[1024], what[64];
	int fd, err;

	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		fd = open_in(writes[i], O_WRONLY | O_APPEND);
		if (fd >= 0)
			close(fd);
		snprintf(what, sizeof(what), "write %s", writes[i]);
		say_probe(phase, what, fd >= 0 ? 0 : -fd);
	}
	snprintf(path, sizeof(path), "%s/bin/garbage", dir);
	execve(path, (char *[]){path, NULL}, (char *[]){NULL});
	say_probe(phase, "exec bin/garbage", errno);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	err = fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	say_probe(phase, "bind tcp", err);
}

static void probes(const char *phase)
{
	if (probing_all)
		probes_all(phase);
	if (!probing)
		return;
	try(phase, "conf/app.conf", O_RDONLY);
	try(phase, "data/c.txt", O_RDONLY);
	try(phase, "www/other.html", O_RDONLY);
	try(phase, "www/leak", O_RDONLY);
	try(phase, "secret.txt", O_RDONLY);
	try(phase, "www/new.txt", O_WRONLY | O_CREAT);
}

/* The helper: waits for the go, probes in work's layer (it never moved), ends. */
static void *helper(void *arg)
{
	char c;

	(void)arg;
	if (read(helper_go[0], &c, 1) != 1)
		return NULL;
	if (probing) {
		try("helper", "data/c.txt", O_RDONLY);
		try("helper", "conf/app.conf", O_RDONLY);
	} else {
		must_read("data/a.txt");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	struct sockaddr_un sun = {0};
	int srv, cli, conn, fd, us;
	pthread_t th;
	char buf[16];
	struct stat st;

	if (argc < 2) {
		say("usage: ", argv[0], " DIR [--probe]");
		return 2;
	}
	dir = argv[1];
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--probe") == 0)
			probing = 1;
		else if (strcmp(argv[i], "--thread") == 0)
			threaded = 1;
		else if (strcmp(argv[i], "--probe-all") == 0)
			probing = probing_all = 1;
		else if (strncmp(argv[i], "--read=", 7) == 0 && n_extra < 4)
			extra[n_extra++] = argv[i] + 7;

	/* setup */
	must_read("conf/app.conf");
	fd = open_in("logs/app.log", O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0 || write(fd, "setup\n", 6) != 6)
		die("logs/app.log");
	if (mkdir(strcat(strcpy((char[1024]){0}, dir), "/state/run"), 0755) < 0 && errno != EEXIST)
		die("mkdir state/run");
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_STREAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    getsockname(srv, (struct sockaddr *)&addr, &alen) < 0)
		die("bind");
	probes("setup");
	if (listen(srv, 4) < 0)
		die("listen");

	/* work */
	if (threaded &&
	    (pipe2(helper_go, O_CLOEXEC) < 0 || pthread_create(&th, NULL, helper, NULL)))
		die("helper thread");
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect");
	must_read("data/a.txt");
	must_read("data/b.txt");
	for (int i = 0; i < n_extra; i++)
		must_read(extra[i]);
	/* A unix socket bound in state/run: bind in work's filter, no TCP bind from here on. */
	us = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/state/run/sock", dir);
	if (us < 0 || bind(us, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("bind state/run/sock");
	fd = open_in("state/run/pid", O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		die("state/run/pid");
	close(fd);
	probes("work");

	/* serve */
	conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept4");
	must_read("www/index.html");
	if (stat(strcat(strcpy((char[1024]){0}, dir), "/www/missing"), &st) == 0)
		die("www/missing exists");
	if (write(cli, "ping", 4) != 4 || read(conn, buf, sizeof(buf)) != 4)
		die("ping");
	probes("serve");
	if (threaded && (write(helper_go[1], "g", 1) != 1 || pthread_join(th, NULL) != 0))
		die("helper thread");
	say("landlock_phases: ", "done", "");
	return 0;
}
