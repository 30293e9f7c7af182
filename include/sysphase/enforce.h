/* SPDX-License-Identifier: MIT */
/*
 * sysphase enforce: the engine of `sysphase run`.
 */
#ifndef SYSPHASE_ENFORCE_H
#define SYSPHASE_ENFORCE_H

#include "sysphase/core.h"
#include "sysphase/filters.h"

/*
 * Runs a program under the phases of a policy (docs/run.md): the first
 * phase's filter is installed before execve, each later phase's is
 * injected when a process enters it (every other thread stopped, the
 * result verified on every thread), and a process in a phase it can
 * never leave is let go to run under BPF alone.  Anything the engine has
 * to tell (a denied call, a phase the policy never saw, a process killed
 * because its filter could not be handed over) reaches the caller as a
 * struct sp_enforce_note through a callback; the engine never prints.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct sp_enforcer;

enum sp_enforce_note_kind {
	SP_NOTE_DENIAL,          /* a call its filter denied (kernel audit record, or seen) */
	SP_NOTE_UNSEEN_PHASE,    /* entered a phase the policy never saw: it keeps its filter */
	SP_NOTE_HANDOVER_FAILED, /* its next filter could not be installed or verified: killed */
	SP_NOTE_RECORDS_LOST,    /* the kernel's audit stream overflowed: denials went unnamed */
	SP_NOTE_LANDLOCK,        /* a Landlock layer denied an access (EACCES/EPERM, not a kill) */
	/*
	 * Once a run, when a denial may go unnamed: the kernel's records
	 * cannot name the processes followed (reason says why: a container's
	 * PID namespace, no audit access, no /dev/kmsg).  Denials are then
	 * named from what the supervisor sees; those it cannot see are not.
	 */
	SP_NOTE_UNNAMED,
	/*
	 * A thread holds a filter of its own that refuses the next hand-over
	 * (reason: the call it refuses): it keeps the filter of held_phase and
	 * its own, is not narrowed to phase, and is let go (complain mode:
	 * judged at its stops).  Once per held phase and run.
	 */
	SP_NOTE_SEALED,
	/*
	 * A thread that stayed in a phase with syscall triggers now stops at
	 * its trigger calls only (reason NULL), or keeps its syscall stops
	 * because its trigger filter could not go in (reason: why).
	 */
	SP_NOTE_TRIGGER_STOPS,
	/* A rule moved a thread (tid) from held_phase to phase, as in record (docs/rules.md). */
	SP_NOTE_PHASE,
};

enum sp_denial_how {
	SP_DENIED_KILLED, /* SECCOMP_RET_KILL_*: the process died of SIGSYS */
	SP_DENIED_EPERM,  /* SECCOMP_RET_ERRNO */
	SP_DENIED_LOGGED, /* SECCOMP_RET_LOG: allowed, logged */
};

struct sp_enforce_note {
	enum sp_enforce_note_kind kind;
	pid_t pid;
	const char *comm;  /* its command name, "" when unknown */
	const char *phase; /* DENIAL: the phase whose filter it holds; UNSEEN_PHASE: the phase it
	                      entered; HANDOVER_FAILED: the phase it was moving to */
	const char *held_phase; /* UNSEEN_PHASE, SEALED: the phase whose filter it keeps */
	pid_t tid;              /* SEALED, TRIGGER_STOPS, PHASE: the thread */

	/* DENIAL */
	const char *syscall; /* NULL when the number has no name */
	enum sp_abi abi;
	long nr; /* -1: nothing names the call (no audit record, not seen) */
	enum sp_denial_how how;

	/* HANDOVER_FAILED: why, one clause ("thread 42 still holds 3 filters, not 4"); UNNAMED;
	 * SEALED: the call its own filter refuses */
	const char *reason;

	/*
	 * LANDLOCK: what was denied ("/etc/passwd", "TCP port 8080", "a signal
	 * to another process") and which rights ("read_file"), the errno the
	 * program got (0: not known), and whether a kernel audit record named
	 * it (else the supervisor saw the call fail at a ptrace stop).  phase
	 * is the phase whose layer denied it; syscall NULL when not known.
	 */
	const char *object, *rights;
	int err;
	bool by_kernel;

	/* RECORDS_LOST: how many overflows since the last such note (each lost one or more) */
	unsigned long long lost;

	/* TRIGGER_STOPS: the calls it made in the phase */
	unsigned long calls;
};

struct sp_enforcer_opts {
	enum sp_action def; /* what a call outside a phase's allowlist gets */
	/*
	 * The graded default (def must be SP_ACTION_KILL): outside a phase's
	 * allowlist only dangerous calls kill, those of threat levels 1 and 2
	 * (sp_threat_level) and numbers libseccomp does not know; every other
	 * call goes through with a kernel log line (SECCOMP_RET_LOG), which
	 * run reports.  A safety net while a deployment learns.
	 */
	bool graded;
	/*
	 * Complain mode when not NULL (borrowed): the same phases and detach
	 * points as enforcing; threads still followed are checked by the
	 * supervisor, threads let go get their phase's filter with
	 * SECCOMP_RET_LOG as default and the kernel logs the rest.  Entries go
	 * to it at the end of the run, after a header written at its start
	 * (sp_complain_write_header).  A write error ends the run (see
	 * sp_enforcer_run).
	 */
	FILE *complain;
	/* No Landlock layers, whatever the policy has (docs/run.md). */
	bool no_landlock;
	void (*on_note)(void *ctx, const struct sp_enforce_note *note);
	/* sp_enforcer_attach: every thread of the process is seized (it may be started now). */
	void (*on_attached)(void *ctx);
	void *ctx;
};

/*
 * Loads the policy at path and checks it against its embedded rules
 * (every phase known to both, stacked filters nesting along every edge),
 * and builds every phase's filter.  -EINVAL with diag for a bad policy,
 * -ENOMEM, other -errno when it cannot be read.  *out: sp_enforcer_free().
 */
int sp_enforcer_new(const char *policy_path, const struct sp_enforcer_opts *opts,
                    struct sp_enforcer **out, struct sp_diag *diag);

void sp_enforcer_free(struct sp_enforcer *e);

/*
 * What of the policy's Landlock layers this kernel's ABI cannot enforce
 * ("truncate, TCP ports"), NULL when all of it; and that ABI (-1 when
 * run applies no layer: none in the policy, --no-landlock, complain mode).
 */
const char *sp_enforcer_landlock_lost(const struct sp_enforcer *e);
int sp_enforcer_landlock_abi(const struct sp_enforcer *e);

/* Applies no Landlock layer after all (before sp_enforcer_run: another program than recorded). */
void sp_enforcer_drop_landlock(struct sp_enforcer *e);

/*
 * What the recording the policy was built from lacked that its rules need
 * (policy.json's `recording`): stack function names for `stack` triggers,
 * stacks at all for static completion, strings as long as the rules'
 * string predicates need.  The number of such lacks (0 also when the
 * policy does not say), and buf (len bytes) names them, "; " apart.
 */
int sp_enforcer_recording_lacks(const struct sp_enforcer *e, char *buf, size_t len);

/* argv[0] of the recorded program, from the policy; NULL when it has none. */
const char *sp_enforcer_recorded_program(const struct sp_enforcer *e);

struct sp_enforce_result {
	int status;             /* the program's, shell-style (128 + signal when killed) */
	bool interrupted;       /* ended by sp_enforcer_request_stop() */
	unsigned handovers;     /* filters injected and verified */
	unsigned failed;        /* processes killed because a hand-over failed */
	unsigned trigger_stops; /* threads given a trigger filter (stops at trigger calls only) */
};

/*
 * Runs argv under the policy until the launched program and everything
 * it forked has ended.  0 with *res, or -errno with diag: -ENOENT/-EACCES
 * when argv[0] cannot be executed; the write error of the complain log
 * (-ENOSPC, -EPIPE, -EIO...: the program is killed, since a cut log must
 * not pass for a whole one); others when tracing fails.
 */
int sp_enforcer_run(struct sp_enforcer *e, char *const *argv, struct sp_enforce_result *res,
                    struct sp_diag *diag);

/*
 * Attaches to process pid, which has not exec'd its program yet (a
 * container runtime's init waiting to exec the entrypoint, after
 * `runc create` or from a createRuntime hook), and runs it under the
 * policy from its next execve: that execve is made under the initial
 * phase's filter (no_new_privs set first where the process lacks it),
 * then every phase is enforced as under sp_enforcer_run.  Nothing the
 * process does before that execve is the program's.  opts->on_attached
 * is called once every thread is seized.  0 with *res when the process
 * has ended (res->failed > 0: the filter could not be handed over and
 * the process was killed before its program ran), or -errno with diag:
 * -ESRCH/-EPERM when it cannot attach (every thread seized so far is let
 * go, running and not stopped), -ENOTSUP in complain mode.  The policy's
 * Landlock layers are not applied.
 */
int sp_enforcer_attach(struct sp_enforcer *e, pid_t pid, struct sp_enforce_result *res,
                       struct sp_diag *diag);

/* Async-signal-safe: forwards signo to the program (SIGINT, SIGTERM, SIGHUP of `run`). */
void sp_enforcer_request_stop(int signo);

/*
 * The kernel's audit record of a seccomp action (AUDIT_SECCOMP, type
 * 1326), as the audit netlink socket or /dev/kmsg gives its text:
 *   ... pid=42 comm="ls" exe="/usr/bin/ls" sig=31 arch=c000003e syscall=59 compat=0
 *   ip=0x7f... code=0x80000000
 */
struct sp_audit_seccomp {
	pid_t pid;
	uint32_t arch; /* AUDIT_ARCH_* */
	long nr;
	uint32_t code; /* the filter's return value: action | data */
};

/*
 * Parses len bytes (no NUL needed) of one record's text: 1 with *out
 * filled when it is a seccomp record with pid, arch, syscall and code,
 * 0 when it is anything else (another type, a field missing, malformed
 * or repeated).  Reads nothing beyond len; any bytes are safe input.
 */
int sp_audit_parse_seccomp(const char *text, size_t len, struct sp_audit_seccomp *out);

/*
 * The kernel's audit records of a Landlock denial (Linux 6.15+, when audit
 * is enabled: docs/run.md): an AUDIT_LANDLOCK_ACCESS record (type 1423)
 *   audit(1764400000.123:45): domain=195ba459b blockers=fs.read_file path="/etc/passwd" ...
 * with, in the same event (the same serial), the AUDIT_SYSCALL record of
 * the task (type 1300: pid, syscall) where the task has an audit context,
 * and an AUDIT_LANDLOCK_DOMAIN record (type 1424: the domain's creator's
 * pid) at a domain's first denial.
 */
#define SP_AUDIT_LANDLOCK_ACCESS 1423
#define SP_AUDIT_LANDLOCK_DOMAIN 1424

struct sp_audit_landlock {
	int type;           /* 1423, 1424 or AUDIT_SYSCALL (1300) */
	uint64_t serial;    /* the event's; records of one event share it */
	uint64_t domain;    /* ACCESS, DOMAIN: the domain's id */
	pid_t pid;          /* SYSCALL: the task; DOMAIN: the domain's creator; ACCESS: 0 unknown */
	bool pid_creator;   /* ACCESS: pid is the domain's creator's (no SYSCALL record came) */
	long nr;            /* SYSCALL: the call; -1 unknown */
	char blockers[160]; /* ACCESS: "fs.read_file,fs.make_reg", "net.bind_tcp", "scope.signal" */
	char object[4096];  /* ACCESS: the path, "" when none */
	long port;          /* ACCESS: the TCP port, -1 none */
};

/*
 * Parses len bytes of a record's text (its netlink payload, "audit(...):
 * ..." with no NUL needed) of the given type: 1 with *out filled when it is
 * a well-formed Landlock ACCESS, DOMAIN or SYSCALL record, 0 otherwise (a
 * field twice, a field missing, bad numbers).  A hex-encoded path (the
 * kernel's way with a space, quote or control byte) is decoded.
 */
int sp_audit_parse_landlock(int type, const char *text, size_t len, struct sp_audit_landlock *out);

#endif /* SYSPHASE_ENFORCE_H */
