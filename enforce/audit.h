/* SPDX-License-Identifier: MIT */
/*
 * Reading the kernel's seccomp audit records: which call a filter denied.
 */
#ifndef SYSPHASE_ENFORCE_AUDIT_H
#define SYSPHASE_ENFORCE_AUDIT_H

#include <stdbool.h>

#include "sysphase/enforce.h"

struct sp_audit;

/*
 * Subscribes to the audit netlink multicast group, or falls back to
 * /dev/kmsg (from its end).  Never fails for lack of a source: a reader
 * without one just never has a record.  NULL on ENOMEM.
 */
struct sp_audit *sp_audit_open(void);
void sp_audit_close(struct sp_audit *a);

/*
 * A reader of records in /dev/kmsg's shape from fd (taken: closed with the
 * reader), one record per read(): for tests, which cannot make the kernel
 * write.  NULL on ENOMEM.
 */
struct sp_audit *sp_audit_from_kmsg_fd(int fd);

/* The next seccomp record already there (never blocks): 1, or 0 when none is waiting. */
int sp_audit_next(struct sp_audit *a, struct sp_audit_seccomp *rec);

/*
 * The next Landlock denial the records read so far by sp_audit_next tell
 * (audit_landlock.c): 1 with *out, its pid from the SYSCALL record of its
 * event, else (after a moment, or with flush) from the DOMAIN record of its
 * domain (pid_creator), else 0.  Called by the thread that calls
 * sp_audit_next.
 */
int sp_audit_next_landlock(struct sp_audit *a, struct sp_audit_landlock *out, bool flush);

/* Waits up to ms milliseconds for more records: true when some may be readable. */
bool sp_audit_wait(struct sp_audit *a, int ms);

/*
 * How many times records were lost so far: the netlink socket overflowed
 * (ENOBUFS) or /dev/kmsg overwrote records before they were read (EPIPE).
 */
unsigned long long sp_audit_lost(const struct sp_audit *a);

/*
 * A record field's unsigned number of base 10 or 16 in [s, s + n), at most
 * max: true with *v when all of it is digits.
 */
bool sp_audit_number(const char *s, size_t n, int base, unsigned long long max,
                     unsigned long long *v);

/* Whether there is a source at all. */
bool sp_audit_available(const struct sp_audit *a);

/*
 * Why the records cannot name the processes sysphase follows, one clause
 * (no source; records in host pids, seen from a container's PID
 * namespace), or NULL when they can.
 */
const char *sp_audit_why_unnamed(const struct sp_audit *a);

#endif /* SYSPHASE_ENFORCE_AUDIT_H */
