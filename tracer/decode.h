/* SPDX-License-Identifier: MIT */
/*
 * Table-driven argument decoding.  Each syscall the table knows names its
 * arguments and says what each one is (path, fd, flags of some kind,
 * sockaddr, signal, plain number); one generic routine per argument kind
 * turns the raw value into JSON.  Syscalls absent from the table get no
 * decoded arguments (their raw values are in the trace anyway).
 *
 * Only the x86-64 ABI is decoded: i386 and x32 calls are recorded raw,
 * their argument layouts differ and they are rare enough to read by hand.
 */
#ifndef SYSPHASE_TRACER_DECODE_H
#define SYSPHASE_TRACER_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "sysphase/core.h"

struct sp_decode_ctx {
	pid_t tid;	/* whose memory is read */
	pid_t pid;	/* whose /proc/PID/fd names fds */
	size_t strsize; /* cap on each string read, 256 by default */
};

/*
 * Decodes what is known at syscall entry (input paths, flags, fds and what
 * they refer to...).  Returns a new object (caller owns it), or NULL when
 * the syscall has no table entry.
 */
json_t *sp_decode_entry(const struct sp_decode_ctx *ctx, const char *name,
			const uint64_t args[SP_MAX_ARGS]);

/*
 * Adds what only the exit knows (buffers the kernel filled: getcwd,
 * readlink, pipe fds, accept's peer address; the kind of a returned fd)
 * to dec, which may be NULL (then a new object is made if needed).
 * Returns dec or the new object.
 */
json_t *sp_decode_exit(const struct sp_decode_ctx *ctx, const char *name,
		       const uint64_t args[SP_MAX_ARGS], int64_t ret, json_t *dec);

/* Symbolic renderings, exposed for the unit tests and the rule engine. */
/* Each writes into buf (size n) and returns buf; unknown bits appear in hex. */
char *sp_fmt_open_flags(uint64_t flags, char *buf, size_t n);
char *sp_fmt_prot(uint64_t prot, char *buf, size_t n);
char *sp_fmt_map_flags(uint64_t flags, char *buf, size_t n);
char *sp_fmt_clone_flags(uint64_t flags, char *buf, size_t n);
char *sp_fmt_socket_domain(uint64_t domain, char *buf, size_t n);
char *sp_fmt_socket_type(uint64_t type, char *buf, size_t n);
char *sp_fmt_prctl_option(uint64_t option, char *buf, size_t n);
char *sp_fmt_fcntl_cmd(uint64_t cmd, char *buf, size_t n);
char *sp_fmt_signal(uint64_t signo, char *buf, size_t n);

#endif /* SYSPHASE_TRACER_DECODE_H */
