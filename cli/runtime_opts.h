/* SPDX-License-Identifier: MIT */
/*
 * The options every trace-reading command takes about a container runtime
 * in front of the program (trace/runtime.c, docs/containers.md).
 */
#ifndef SYSPHASE_CLI_RUNTIME_OPTS_H
#define SYSPHASE_CLI_RUNTIME_OPTS_H

#include <stdbool.h>

#include "sysphase/trace.h"

struct runtime_opts {
	bool no_detect;  /* --no-runtime-detect */
	long entry_exec; /* --entrypoint-exec N, 0 when not given */
};

/* getopt values, above every command's own. */
enum {
	RUNTIME_OPT_NO_DETECT = 0x1000,
	RUNTIME_OPT_ENTRY_EXEC,
};

#define RUNTIME_OPTS_LONG                                                          \
	{"no-runtime-detect", no_argument, NULL, RUNTIME_OPT_NO_DETECT},           \
	{                                                                          \
		"entrypoint-exec", required_argument, NULL, RUNTIME_OPT_ENTRY_EXEC \
	}

#define RUNTIME_OPTS_HELP                                                                   \
	"      --no-runtime-detect  no container runtime in front: every process is the\n"  \
	"                       program's (default: a runtime is recognised by its\n"       \
	"                       container's first exec in a new PID namespace)\n"           \
	"      --entrypoint-exec N  the Nth successful exec of the trace (1 = the traced\n" \
	"                       command) is the container's entrypoint\n"

/* Takes option c; 0, or -1 after saying what is wrong (cmd names the command). */
int runtime_opts_set(struct runtime_opts *o, int c, const char *arg, const char *cmd);

/* After a run: one line on stderr when a runtime was in front (not with json on stdout either). */
void runtime_opts_report(const struct sp_segment *s, bool quiet);

#endif /* SYSPHASE_CLI_RUNTIME_OPTS_H */
