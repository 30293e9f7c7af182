/* SPDX-License-Identifier: MIT */
/*
 * With SECCOMP_FILTER_FLAG_LOG every denial becomes an audit record
 * (AUDIT_SECCOMP: pid, arch, syscall number, action): the only witness of
 * a syscall that killed a process already let go.  The audit netlink
 * multicast group gets every record; /dev/kmsg gets them only through
 * printk, rate-limited to a burst of 10 (kauditd_printk_skb), so it is the
 * fallback when the group is closed to us (no CAP_AUDIT_READ).
 *
 * The record's text holds fields the traced program controls (comm, exe),
 * so the parser trusts nothing: the kernel escapes such strings as hex
 * when they hold a space, a quote or a control character
 * (audit_log_untrustedstring), which means no value can contain a
 * " key=" of its own; a record with a key twice is refused anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "audit.h"

#define LL_PENDING 32 /* Landlock ACCESS records waiting for their event's SYSCALL record */
#define LL_DOMAINS 64 /* domains whose creator a DOMAIN record named */
#define LL_WAIT_MS 200

struct ll_pending {
	bool used, complete;
	long long at_ms; /* when it came (CLOCK_MONOTONIC) */
	struct sp_audit_landlock rec;
};

struct sp_audit {
	int fd;
	bool netlink;
	unsigned long long lost; /* overflows seen (ENOBUFS, EPIPE) */
	/* Netlink messages are read in place as struct nlmsghdr: align for it. */
	_Alignas(struct nlmsghdr) char buf[8192];
	/* Landlock records (audit_landlock.c parses them), correlated by event serial. */
	struct ll_pending pending[LL_PENDING];
	struct {
		uint64_t domain;
		pid_t pid;
	} domains[LL_DOMAINS];
	size_t domains_head;
};

/* Each field the parser wants; `seen` bits catch repeats. */
enum {
	F_PID,
	F_ARCH,
	F_SYSCALL,
	F_CODE,
	F_TYPE,
	F_COUNT
};

bool sp_audit_number(const char *s, size_t n, int base, unsigned long long max,
                     unsigned long long *v)
{
	unsigned long long acc = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (acc > (max - d) / (unsigned)base)
			return false;
		acc = acc * (unsigned)base + d;
	}
	*v = acc;
	return true;
}

static int field_of(const char *key, size_t n)
{
	static const char *const names[F_COUNT] = {"pid", "arch", "syscall", "code", "type"};

	for (int f = 0; f < F_COUNT; f++)
		if (strlen(names[f]) == n && memcmp(names[f], key, n) == 0)
			return f;
	return -1;
}

/* One key=value token: false when the record must be refused. */
static bool take_field(const char *key, size_t klen, const char *val, size_t vlen, unsigned *seen,
                       struct sp_audit_seccomp *out)
{
	int f = field_of(key, klen);
	unsigned long long v;

	if (f < 0)
		return true;
	if (*seen & (1u << f))
		return false;
	*seen |= 1u << f;
	switch (f) {
	case F_PID:
		if (!sp_audit_number(val, vlen, 10, 0x7fffffff, &v) || v == 0)
			return false;
		out->pid = (pid_t)v;
		return true;
	case F_ARCH:
		if (!sp_audit_number(val, vlen, 16, 0xffffffffu, &v))
			return false;
		out->arch = (uint32_t)v;
		return true;
	case F_SYSCALL:
		if (!sp_audit_number(val, vlen, 10, 0x7fffffff, &v))
			return false;
		out->nr = (long)v;
		return true;
	case F_CODE:
		if (vlen < 3 || val[0] != '0' || val[1] != 'x' ||
		    !sp_audit_number(val + 2, vlen - 2, 16, 0xffffffffu, &v))
			return false;
		out->code = (uint32_t)v;
		return true;
	default: /* F_TYPE: /dev/kmsg names the record type; netlink puts it in the header */
		return sp_audit_number(val, vlen, 10, 0xffff, &v) && v == AUDIT_SECCOMP;
	}
}

int sp_audit_parse_seccomp(const char *text, size_t len, struct sp_audit_seccomp *out)
{
	const unsigned need = 1u << F_PID | 1u << F_ARCH | 1u << F_SYSCALL | 1u << F_CODE;
	struct sp_audit_seccomp rec = {0};
	unsigned seen = 0;
	size_t i = 0;

	if (!text)
		return 0;
	while (i < len) {
		size_t start, eq = 0, end;

		while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\0'))
			i++;
		start = i;
		while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\0') {
			if (!eq && text[i] == '=')
				eq = i;
			i++;
		}
		end = i;
		if (end == start || !eq || eq == start)
			continue;
		if (!take_field(text + start, eq - start, text + eq + 1, end - eq - 1, &seen, &rec))
			return 0;
	}
	if ((seen & need) != need)
		return 0;
	*out = rec;
	return 1;
}

struct sp_audit *sp_audit_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
	                         .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
	struct sp_audit *a = calloc(1, sizeof(*a));
	int fd;

	if (!a)
		return NULL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		a->fd = fd;
		a->netlink = true;
		return a;
	}
	if (fd >= 0)
		close(fd);
	a->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (a->fd >= 0)
		lseek(a->fd, 0, SEEK_END);
	return a;
}

struct sp_audit *sp_audit_from_kmsg_fd(int fd)
{
	struct sp_audit *a = calloc(1, sizeof(*a));

	if (a)
		a->fd = fd;
	return a;
}

void sp_audit_close(struct sp_audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

unsigned long long sp_audit_lost(const struct sp_audit *a)
{
	return a ? a->lost : 0;
}

bool sp_audit_available(const struct sp_audit *a)
{
	return a && a->fd >= 0;
}

/*
 * The kernel writes a record's pid as the initial PID namespace sees it
 * (audit_log_task_info: task_tgid_nr), and that namespace's inode is the
 * fixed PROC_PID_INIT_INO (include/linux/proc_ns.h).
 */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

const char *sp_audit_why_unnamed(const struct sp_audit *a)
{
	struct stat st;

	if (!sp_audit_available(a))
		return "no audit stream can be read here (the audit socket needs CAP_AUDIT_READ in "
		       "the initial namespaces, and /dev/kmsg is not there or not readable)";
	if (stat("/proc/self/ns/pid", &st) == 0 && st.st_ino != PROC_PID_INIT_INO)
		return "the kernel's audit records name processes by the host's pids, which this "
		       "PID namespace (a container's) does not see";
	return NULL;
}

/*
 * A /dev/kmsg record the kernel made itself: its "<prefix>," is facility 0.
 * Anything a process writes to /dev/kmsg is forced to LOG_USER
 * (devkmsg_write), so a program cannot forge a record about another pid.
 */
static bool from_kernel_log(const char *rec, size_t n)
{
	unsigned long long prefix;
	size_t digits = 0;

	while (digits < n && rec[digits] >= '0' && rec[digits] <= '9')
		digits++;
	return digits < n && rec[digits] == ',' &&
	       sp_audit_number(rec, digits, 10, 0xffffffff, &prefix) && prefix < 8 &&
	       memmem(rec, n, "type=1326 ", 10);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A Landlock record: an ACCESS record waits (pending) for the SYSCALL
 * record of its event, which names the task; a DOMAIN record names a
 * domain's creator, the fallback when no SYSCALL record comes (a task
 * without an audit context).  A full table drops the oldest pending one.
 */
static void ll_take(struct sp_audit *a, int type, const char *text, size_t n)
{
	struct sp_audit_landlock rec;
	struct ll_pending *slot = NULL;

	if (!sp_audit_parse_landlock(type, text, n, &rec))
		return;
	if (type == SP_AUDIT_LANDLOCK_DOMAIN) {
		a->domains[a->domains_head].domain = rec.domain;
		a->domains[a->domains_head].pid = rec.pid;
		a->domains_head = (a->domains_head + 1) % LL_DOMAINS;
		return;
	}
	for (size_t i = 0; i < LL_PENDING; i++) {
		struct ll_pending *p = &a->pending[i];

		if (type == AUDIT_SYSCALL && p->used && !p->complete &&
		    p->rec.serial == rec.serial) {
			p->rec.pid = rec.pid;
			p->rec.nr = rec.nr;
			p->complete = true;
		}
		if (type == SP_AUDIT_LANDLOCK_ACCESS &&
		    (!slot || (slot->used && (!p->used || p->at_ms < slot->at_ms))))
			slot = p;
	}
	if (!slot)
		return;
	if (slot->used)
		a->lost++;
	*slot = (struct ll_pending){.used = true, .at_ms = now_ms(), .rec = rec};
}

int sp_audit_next_landlock(struct sp_audit *a, struct sp_audit_landlock *out, bool flush)
{
	long long now = now_ms();

	if (!a)
		return 0;
	for (size_t i = 0; i < LL_PENDING; i++) {
		struct ll_pending *p = &a->pending[i];

		if (!p->used || !(p->complete || flush || now - p->at_ms >= LL_WAIT_MS))
			continue;
		*out = p->rec;
		p->used = false;
		for (size_t d = 0; !out->pid && d < LL_DOMAINS; d++)
			if (a->domains[d].pid && a->domains[d].domain == out->domain) {
				out->pid = a->domains[d].pid;
				out->pid_creator = true;
			}
		return 1;
	}
	return 0;
}

/* The record type of a /dev/kmsg line the kernel made ("audit: type=1423 audit(...)"), or 0. */
static int kmsg_type(const char *rec, size_t n)
{
	unsigned long long prefix, type;
	size_t digits = 0;
	const char *t;

	while (digits < n && rec[digits] >= '0' && rec[digits] <= '9')
		digits++;
	if (!(digits < n && rec[digits] == ',' &&
	      sp_audit_number(rec, digits, 10, 0xffffffff, &prefix) && prefix < 8))
		return 0;
	t = memmem(rec, n, " type=", 6);
	if (!t || (size_t)(t - rec) + 10 > n || !sp_audit_number(t + 6, 4, 10, 9999, &type))
		return 0;
	return (int)type;
}

int sp_audit_next(struct sp_audit *a, struct sp_audit_seccomp *rec)
{
	if (!sp_audit_available(a))
		return 0;
	for (;;) {
		struct sockaddr_nl from = {0};
		socklen_t from_len = sizeof(from);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)a->buf;
		ssize_t n = a->netlink ? recvfrom(a->fd, a->buf, sizeof(a->buf), 0,
		                                  (struct sockaddr *)&from, &from_len)
		                       : read(a->fd, a->buf, sizeof(a->buf));

		if (n < 0 && (errno == EPIPE || errno == ENOBUFS)) {
			a->lost++; /* records were lost before we read them: counted, go on */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (!a->netlink) {
			int type = kmsg_type(a->buf, (size_t)n);

			if (from_kernel_log(a->buf, (size_t)n) &&
			    sp_audit_parse_seccomp(a->buf, (size_t)n, rec))
				return 1;
			if (type == SP_AUDIT_LANDLOCK_ACCESS || type == SP_AUDIT_LANDLOCK_DOMAIN ||
			    type == AUDIT_SYSCALL)
				ll_take(a, type, a->buf, (size_t)n);
			continue;
		}
		/* Only the kernel (port 0) speaks for the audit subsystem. */
		if (from.nl_pid != 0 || (size_t)n < NLMSG_HDRLEN)
			continue;
		if (nh->nlmsg_type == SP_AUDIT_LANDLOCK_ACCESS ||
		    nh->nlmsg_type == SP_AUDIT_LANDLOCK_DOMAIN || nh->nlmsg_type == AUDIT_SYSCALL)
			ll_take(a, nh->nlmsg_type, a->buf + NLMSG_HDRLEN, (size_t)n - NLMSG_HDRLEN);
		if (nh->nlmsg_type != AUDIT_SECCOMP)
			continue;
		if (sp_audit_parse_seccomp(a->buf + NLMSG_HDRLEN, (size_t)n - NLMSG_HDRLEN, rec))
			return 1;
	}
}

bool sp_audit_wait(struct sp_audit *a, int ms)
{
	struct pollfd pfd = {.fd = a ? a->fd : -1, .events = POLLIN};

	if (!sp_audit_available(a))
		return false;
	return poll(&pfd, 1, ms) > 0;
}
