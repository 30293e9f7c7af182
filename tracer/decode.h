/* SPDX-License-Identifier: MIT */
/*
 * Table-driven argument decoding.  core's argument table
 * (sp_syscall_spec) names each argument of a known syscall and says what
 * it is (path, fd, flags of some kind, sockaddr, signal, plain number);
 * one routine per kind turns the raw value into JSON, reading the
 * tracee's memory for pointers.  Flags and enumerations are printed by
 * core (sp_arg_format), the same tables rules parse names with.  Syscalls
 * absent from the table get no decoded arguments (their raw values are in
 * the trace anyway).
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
	pid_t tid;      /* whose memory is read, and whose fd table names fds */
	pid_t pid;      /* its process (/proc/PID/task/TID/fd) */
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

#endif /* SYSPHASE_TRACER_DECODE_H */
