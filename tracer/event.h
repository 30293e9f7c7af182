/* SPDX-License-Identifier: MIT */
/*
 * One trace event, the unit every stage of sysphase passes along:
 * the tracer produces them, the trace writer serialises them, the trace
 * reader parses them back, and the phase detector consumes them.  Online
 * (inside `record`) and offline (on a trace file) the detector sees the
 * very same struct, which is what makes both segmentations agree.
 */
#ifndef SYSPHASE_TRACER_EVENT_H
#define SYSPHASE_TRACER_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

enum sp_event_type {
	SP_EV_SYSCALL = 0, /* one syscall, entry and exit merged */
	SP_EV_FORK,	   /* a new process (fork, vfork, clone without CLONE_THREAD) */
	SP_EV_CLONE,	   /* a new thread in an existing process */
	SP_EV_EXEC,	   /* a successful execve/execveat completed */
	SP_EV_SIGNAL,	   /* a signal delivered to a thread */
	SP_EV_EXIT,	   /* a thread or process ended */
};

/* The ABI a syscall was made through; x86-64 processes can use all three. */
enum sp_abi {
	SP_ABI_X86_64 = 0,
	SP_ABI_I386,
	SP_ABI_X32,
	SP_ABI_UNKNOWN,
};

#define SP_MAX_ARGS 6

struct sp_event {
	enum sp_event_type type;
	pid_t tid; /* thread that caused the event */
	pid_t pid; /* its process (tgid) */
	double ts; /* seconds since the trace started */

	/* SP_EV_SYSCALL */
	enum sp_abi abi;
	long nr;	  /* as the ABI numbers it (x32 with its 0x40000000 bit) */
	const char *name; /* NULL when libseccomp does not know the number */
	uint64_t args[SP_MAX_ARGS];
	bool has_exit; /* false with --no-exit or when the thread died in it */
	int64_t ret;	/* raw return value, meaningful when has_exit */
	int err;	/* errno (positive) when ret is in [-4095, -1], else 0 */
	const char *site; /* call-site module (basename) or NULL */
	json_t *dec;	  /* decoded arguments, object keyed by argument name; owned */
	json_t *stack;	  /* array of frames with --stack, else NULL; owned */

	/* SP_EV_FORK / SP_EV_CLONE */
	pid_t child;	     /* the new tid (== new pid for FORK) */
	const char *via;     /* "fork", "vfork", "clone", "clone3" */

	/* SP_EV_EXEC */
	const char *path;    /* the executable */
	pid_t former_tid;    /* the thread that called exec, when not the leader */

	/* SP_EV_SIGNAL */
	int signo;

	/* SP_EV_EXIT */
	bool whole_process;  /* the last thread of the process went away */
	bool killed;	     /* ended by a signal (signo says which) */
	int status;	     /* exit status when !killed */

	/* Set by the phase detector; NULL when no rules are in use. */
	const char *phase;
};

/* Names used in the trace for the ABIs, and back; unknown names give SP_ABI_UNKNOWN. */
const char *sp_abi_name(enum sp_abi abi);
enum sp_abi sp_abi_from_name(const char *name);
const char *sp_event_type_name(enum sp_event_type type);
int sp_event_type_from_name(const char *name); /* -EINVAL when unknown */

/*
 * Strings in an event are borrowed: they stay valid until its producer
 * (tracer or trace reader) makes its next event.  dec and stack are owned
 * references; this drops them and zeroes the struct.
 */
void sp_event_clear(struct sp_event *ev);

#endif /* SYSPHASE_TRACER_EVENT_H */
