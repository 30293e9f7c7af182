/* SPDX-License-Identifier: MIT */
/* The container-runtime options of phases, export and report (cli/runtime_opts.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "cli.h"
#include "runtime_opts.h"

int runtime_opts_set(struct runtime_opts *o, int c, const char *arg, const char *cmd)
{
	char *end;
	long n;

	if (c == RUNTIME_OPT_NO_DETECT) {
		o->no_detect = true;
		return 0;
	}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || end == arg || n <= 0 || n > INT_MAX) {
		sp_err("%s: --entrypoint-exec takes a positive number, not '%s'", cmd, arg);
		return -1;
	}
	o->entry_exec = n;
	return 0;
}

void runtime_opts_report(const struct sp_segment *s, bool quiet)
{
	if (!sp_segment_runtime(s) || quiet)
		return;
	if (sp_segment_entry_pid(s))
		sp_warn("a container runtime is in front of the program: its phases start at "
		        "the entrypoint (process %d); the runtime's events are in no phase "
		        "(--no-runtime-detect: every process is the program's)",
		        (int)sp_segment_entry_pid(s));
	else
		sp_warn("--entrypoint-exec: the trace has fewer execs; every event is the "
		        "runtime's");
}
