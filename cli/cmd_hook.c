/* SPDX-License-Identifier: MIT */
/*
 * sysphase hook: an OCI createRuntime (or prestart) hook that puts a
 * container's program under the phases of a policy, from the host,
 * without changing the image.  The runtime-spec gives a hook the
 * container's state on stdin: {"ociVersion", "id", "status", "pid",
 * "bundle", ...}.  At createRuntime (runc 1.1: status "creating"; crun
 * 1.8: "created") pid is the host pid of the container's init, which has
 * not exec'd the entrypoint yet; createContainer and startContainer hooks
 * run in the container's namespaces and see another pid (runc: 1, crun:
 * 0), so they are refused.  The supervisor attaches (run -p), outlives
 * the hook and writes to a log; the hook exits 0 once every thread is
 * seized, and with one line and status 124 when it cannot attach, which
 * makes the runtime abort the container: its entrypoint never runs
 * unfiltered.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "help.h"

struct hook_state {
	pid_t pid;
	char id[256];
	char bundle[PATH_MAX];
};

/* The state on stdin: 0, or an exit status after one line. */
static int read_state(struct hook_state *st)
{
	json_error_t err;
	json_t *root = json_loadf(stdin, 0, &err), *pid, *status, *id, *bundle;
	int rc = SP_EXIT_INPUT;

	if (!root) {
		sp_err("hook: the container state on stdin: %d:%d: %s", err.line, err.column,
		       err.text);
		return SP_EXIT_INPUT;
	}
	pid = json_object_get(root, "pid");
	status = json_object_get(root, "status");
	id = json_object_get(root, "id");
	bundle = json_object_get(root, "bundle");
	if (!json_is_object(root) || !json_is_integer(pid)) {
		sp_err("hook: the container state on stdin has no \"pid\" (an OCI runtime gives "
		       "it to a createRuntime hook)");
		goto out;
	}
	if (json_integer_value(pid) <= 1 || json_integer_value(pid) > 0x3fffffff) {
		sp_err("hook: the state's pid is %lld, not a process of this PID namespace: "
		       "install 'sysphase hook' as a createRuntime hook (createContainer and "
		       "startContainer hooks run in the container's namespaces)",
		       (long long)json_integer_value(pid));
		goto out;
	}
	/* After "created" (crun's createRuntime) the entrypoint runs: too late. */
	if (json_is_string(status) && strcmp(json_string_value(status), "creating") != 0 &&
	    strcmp(json_string_value(status), "created") != 0) {
		sp_err("hook: the container is '%s': its entrypoint runs already; install "
		       "'sysphase hook' as a createRuntime hook",
		       json_string_value(status));
		goto out;
	}
	st->pid = (pid_t)json_integer_value(pid);
	snprintf(st->id, sizeof(st->id), "%s", json_is_string(id) ? json_string_value(id) : "");
	snprintf(st->bundle, sizeof(st->bundle), "%s",
	         json_is_string(bundle) ? json_string_value(bundle) : "");
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int cmd_hook(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"policy", required_argument, NULL, 'P'},
	    {"log", required_argument, NULL, 'l'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct hook_state st = {0};
	const char *policy = NULL, *log = NULL;
	char *log_buf = NULL;
	bool quiet = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:P:l:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			policy = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help_print(help_find("hook"), stdout);
			return 0;
		default:
			sp_bad_option("hook", c, argv);
			return SP_EXIT_USAGE;
		}
	}
	if (!policy || optind < argc) {
		sp_err("hook: give --policy POLICY, and the container's state on stdin (see "
		       "'sysphase hook --help')");
		return SP_EXIT_USAGE;
	}
	rc = read_state(&st);
	if (rc)
		return rc;
	/* By default next to the bundle's config.json, which only the runtime's user writes. */
	if (!log) {
		if (!st.bundle[0]) {
			sp_err("hook: the state names no bundle: give --log FILE");
			return SP_EXIT_USAGE;
		}
		if (asprintf(&log_buf, "%s/sysphase.log", st.bundle) < 0) {
			sp_err("out of memory");
			return SP_EXIT_FAILURE;
		}
		log = log_buf;
	}
	rc = run_hook(policy, st.pid, log, quiet);
	free(log_buf);
	return rc;
}
