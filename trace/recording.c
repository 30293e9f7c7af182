/* SPDX-License-Identifier: MIT */
/*
 * The header of a new recording: what `record` says about the run before
 * its first event.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "trace_int.h"

/* argv, or the attached process's NUL-separated /proc/PID/cmdline. */
static json_t *_command_of(char *const *argv, pid_t pid)
{
	json_t *cmd = json_array();
	char path[64], buf[4096];
	size_t len = 0;
	FILE *f;

	if (!cmd)
		return NULL;
	if (argv) {
		for (; *argv; argv++)
			/* Any bytes at all: the trace writer escapes what is not UTF-8. */
			json_array_append_new(cmd, json_stringn_nocheck(*argv, strlen(*argv)));
		return cmd;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	for (size_t off = 0; off < len; off += strlen(buf + off) + 1)
		json_array_append_new(cmd, json_stringn_nocheck(buf + off, strlen(buf + off)));
	return cmd;
}

/*
 * A built-in by its name; a file by its absolute path, for the person
 * reading the trace later (the rule set's own "name" would not say which
 * file it was).  Readers load only built-in names from a header.
 */
static char *_rules_label(const char *arg)
{
	char buf[PATH_MAX];
	size_t len = strlen(arg);
	bool is_file = strchr(arg, '/') || (len > 5 && strcmp(arg + len - 5, ".json") == 0);

	return strdup(is_file && realpath(arg, buf) ? buf : arg);
}

int sp_trace_header_make(struct sp_trace_header *h, char *const *argv, pid_t pid, const char *rules,
                         bool entry_only)
{
	struct utsname uts;
	struct timespec ts;

	*h = (struct sp_trace_header){.entry_only = entry_only, .attached = !argv};
	uname(&uts);
	clock_gettime(CLOCK_REALTIME, &ts);
	h->start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	h->command = _command_of(argv, pid);
	h->kernel = strdup(uts.release);
	h->arch = strdup(uts.machine);
	h->rules = rules ? _rules_label(rules) : NULL;
	if (!h->command || !h->kernel || !h->arch || (rules && !h->rules)) {
		sp_trace_header_release(h);
		return -ENOMEM;
	}
	return 0;
}

void sp_trace_header_release(struct sp_trace_header *h)
{
	json_decref(h->command);
	/* The header's strings are const for readers; here they were made by strdup. */
	free((char *)h->kernel);
	free((char *)h->arch);
	free((char *)h->rules);
	*h = (struct sp_trace_header){0};
}
