/* SPDX-License-Identifier: MIT */
/*
 * Lookups, printing and parsing over the generated constant tables, and
 * the signal and errno names built on them.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sysphase/core.h"
#include "xlat_tables.h"

static const struct sp_xlat *const tables[SP_XLAT_KIND_COUNT] = {
    [SP_XLAT_ERRNO] = &sp_xlat_errno,
    [SP_XLAT_SIGNALS] = &sp_xlat_signals,
    [SP_XLAT_ACCESS_MODE] = &sp_xlat_access_mode,
    [SP_XLAT_ARCH_PRCTL] = &sp_xlat_arch_prctl,
    [SP_XLAT_AT_ACCESS_FLAGS] = &sp_xlat_at_access_flags,
    [SP_XLAT_AT_FLAGS] = &sp_xlat_at_flags,
    [SP_XLAT_CLOCKID] = &sp_xlat_clockid,
    [SP_XLAT_CLONE_FLAGS] = &sp_xlat_clone_flags,
    [SP_XLAT_EFD_FLAGS] = &sp_xlat_efd_flags,
    [SP_XLAT_EPOLL_EVENTS] = &sp_xlat_epoll_events,
    [SP_XLAT_EPOLL_OP] = &sp_xlat_epoll_op,
    [SP_XLAT_FCNTL_CMD] = &sp_xlat_fcntl_cmd,
    [SP_XLAT_FCNTL_FD_FLAGS] = &sp_xlat_fcntl_fd_flags,
    [SP_XLAT_FCNTL_LEASE] = &sp_xlat_fcntl_lease,
    [SP_XLAT_FCNTL_SEALS] = &sp_xlat_fcntl_seals,
    [SP_XLAT_FD_FLAGS] = &sp_xlat_fd_flags,
    [SP_XLAT_FLOCK_OP] = &sp_xlat_flock_op,
    [SP_XLAT_FUTEX_CMD] = &sp_xlat_futex_cmd,
    [SP_XLAT_FUTEX_FLAGS] = &sp_xlat_futex_flags,
    [SP_XLAT_GRND_FLAGS] = &sp_xlat_grnd_flags,
    [SP_XLAT_IOCTL_REQ] = &sp_xlat_ioctl_req,
    [SP_XLAT_IP_OPTS] = &sp_xlat_ip_opts,
    [SP_XLAT_IPV6_OPTS] = &sp_xlat_ipv6_opts,
    [SP_XLAT_MADVISE] = &sp_xlat_madvise,
    [SP_XLAT_MAP_FLAGS] = &sp_xlat_map_flags,
    [SP_XLAT_MAP_HUGE] = &sp_xlat_map_huge,
    [SP_XLAT_MAP_TYPE] = &sp_xlat_map_type,
    [SP_XLAT_MOUNT_FLAGS] = &sp_xlat_mount_flags,
    [SP_XLAT_MREMAP_FLAGS] = &sp_xlat_mremap_flags,
    [SP_XLAT_MSG_FLAGS] = &sp_xlat_msg_flags,
    [SP_XLAT_OPEN_ACCMODE] = &sp_xlat_open_accmode,
    [SP_XLAT_OPEN_FLAGS] = &sp_xlat_open_flags,
    [SP_XLAT_PRCTL_OPTION] = &sp_xlat_prctl_option,
    [SP_XLAT_PROT] = &sp_xlat_prot,
    [SP_XLAT_RENAME_FLAGS] = &sp_xlat_rename_flags,
    [SP_XLAT_RESOLVE_FLAGS] = &sp_xlat_resolve_flags,
    [SP_XLAT_RLIMIT] = &sp_xlat_rlimit,
    [SP_XLAT_SA_FLAGS] = &sp_xlat_sa_flags,
    [SP_XLAT_SECCOMP_FLAGS] = &sp_xlat_seccomp_flags,
    [SP_XLAT_SECCOMP_OP] = &sp_xlat_seccomp_op,
    [SP_XLAT_SEEK_WHENCE] = &sp_xlat_seek_whence,
    [SP_XLAT_SHUTDOWN_HOW] = &sp_xlat_shutdown_how,
    [SP_XLAT_SIGMASK_HOW] = &sp_xlat_sigmask_how,
    [SP_XLAT_SO_OPTS] = &sp_xlat_so_opts,
    [SP_XLAT_SOCK_DOMAIN] = &sp_xlat_sock_domain,
    [SP_XLAT_SOCK_FLAGS] = &sp_xlat_sock_flags,
    [SP_XLAT_SOCK_TYPE] = &sp_xlat_sock_type,
    [SP_XLAT_SOCKOPT_LEVEL] = &sp_xlat_sockopt_level,
    [SP_XLAT_TCP_OPTS] = &sp_xlat_tcp_opts,
    [SP_XLAT_TIMER_FLAGS] = &sp_xlat_timer_flags,
    [SP_XLAT_UMOUNT_FLAGS] = &sp_xlat_umount_flags,
    [SP_XLAT_WAIT_OPTIONS] = &sp_xlat_wait_options,
};

const struct sp_xlat *sp_xlat_get(enum sp_xlat_kind kind)
{
	if ((unsigned int)kind >= SP_XLAT_KIND_COUNT)
		return NULL;
	return tables[kind];
}

const char *sp_xlat_name(const struct sp_xlat *x, uint64_t val)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->entries[i].val == val)
			return x->entries[i].name;
	return NULL;
}

int sp_xlat_value(const struct sp_xlat *x, const char *name, uint64_t *val)
{
	for (size_t i = 0; i < x->n; i++) {
		if (!strcmp(x->entries[i].name, name)) {
			*val = x->entries[i].val;
			return 0;
		}
	}
	for (size_t i = 0; i < x->naliases; i++) {
		if (!strcmp(x->aliases[i].name, name)) {
			*val = x->aliases[i].val;
			return 0;
		}
	}
	return -ENOENT;
}

size_t sp_xlat_cat(char *buf, size_t n, size_t len, const char *s)
{
	size_t l = strlen(s);

	if (n == 0 || len + 1 >= n)
		return len;
	if (l > n - 1 - len)
		l = n - 1 - len;
	memcpy(buf + len, s, l);
	buf[len + l] = '\0';
	return len + l;
}

char *sp_xlat_format_flags(const struct sp_xlat *x, uint64_t v, char *buf, size_t n)
{
	const char *zero = NULL;
	bool wrote = false;
	size_t len = 0;
	char hex[24];

	if (n == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < x->n; i++) {
		uint64_t bits = x->entries[i].val;

		if (bits == 0) {
			if (!zero)
				zero = x->entries[i].name;
			continue;
		}
		if ((v & bits) != bits)
			continue;
		if (wrote)
			len = sp_xlat_cat(buf, n, len, "|");
		len = sp_xlat_cat(buf, n, len, x->entries[i].name);
		v &= ~bits;
		wrote = true;
	}
	if (v) {
		snprintf(hex, sizeof(hex), "%#llx", (unsigned long long)v);
		if (wrote)
			len = sp_xlat_cat(buf, n, len, "|");
		sp_xlat_cat(buf, n, len, hex);
		wrote = true;
	}
	if (!wrote)
		sp_xlat_cat(buf, n, 0, zero ? zero : "0");
	return buf;
}

char *sp_xlat_format_enum(const struct sp_xlat *x, uint64_t v, char *buf, size_t n)
{
	const char *name = sp_xlat_name(x, v);

	if (name)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

/* A number as the format functions write it: decimal, 0x hex, or a 0-led octal mode. */
static bool parse_number(const char *tok, uint64_t *val)
{
	char *end;

	if (tok[0] < '0' || tok[0] > '9')
		return false;
	errno = 0;
	*val = strtoull(tok, &end, 0);
	return !errno && !*end;
}

static bool lookup_token(const struct sp_xlat *const *tabs, size_t ntabs, bool signals,
                         const char *tok, uint64_t *val)
{
	int sig;

	if (parse_number(tok, val))
		return true;
	for (size_t i = 0; i < ntabs; i++)
		if (sp_xlat_value(tabs[i], tok, val) == 0)
			return true;
	if (signals && (sig = sp_signal_parse(tok)) > 0) {
		*val = (uint64_t)sig;
		return true;
	}
	return false;
}

int sp_xlat_parse_in(const struct sp_xlat *const *tabs, size_t ntabs, bool signals, const char *s,
                     uint64_t *val, size_t *bad_off, size_t *bad_len)
{
	const char *p = s;
	uint64_t v = 0;

	for (;;) {
		size_t len = strcspn(p, "|");
		const char *tok = p;
		size_t tlen = len;
		char buf[64];
		uint64_t one;

		/* Blanks around '|', as people write them. */
		while (tlen && (*tok == ' ' || *tok == '\t')) {
			tok++;
			tlen--;
		}
		while (tlen && (tok[tlen - 1] == ' ' || tok[tlen - 1] == '\t'))
			tlen--;
		if (tlen && tlen < sizeof(buf)) {
			memcpy(buf, tok, tlen);
			buf[tlen] = '\0';
		}
		if (!tlen || tlen >= sizeof(buf) ||
		    !lookup_token(tabs, ntabs, signals, buf, &one)) {
			if (bad_off)
				*bad_off = (size_t)(tok - s);
			if (bad_len)
				*bad_len = tlen;
			return -ENOENT;
		}
		v |= one;
		if (p[len] != '|')
			break;
		p += len + 1;
	}
	*val = v;
	return 0;
}

int sp_xlat_parse_flags(const struct sp_xlat *x, const char *s, uint64_t *val, size_t *bad_off,
                        size_t *bad_len)
{
	return sp_xlat_parse_in(&x, 1, false, s, val, bad_off, bad_len);
}

size_t sp_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = calloc(lb + 1, sizeof(*row));
	size_t d;

	if (!row)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

/* Suggest only what looks like a typo, not an unrelated word. */
static bool close_enough(const char *s, size_t d)
{
	return d <= 1 + strlen(s) / 3 && d < strlen(s);
}

const char *sp_nearest(const char *s, const char *const *names)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;

	for (size_t i = 0; names[i]; i++) {
		size_t d = sp_edit_distance(s, names[i]);

		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return best && close_enough(s, bestd) ? best : NULL;
}

const char *sp_xlat_nearest_in(const struct sp_xlat *const *tabs, size_t ntabs, const char *name)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;

	for (size_t t = 0; t < ntabs; t++) {
		for (size_t i = 0; i < tabs[t]->n; i++) {
			size_t d = sp_edit_distance(name, tabs[t]->entries[i].name);

			if (d < bestd) {
				bestd = d;
				best = tabs[t]->entries[i].name;
			}
		}
	}
	return best && close_enough(name, bestd) ? best : NULL;
}

const char *sp_xlat_suggest(const struct sp_xlat *x, const char *name)
{
	return sp_xlat_nearest_in(&x, 1, name);
}

/*
 * The kernel's real-time range (asm/signal.h: SIGRTMIN 32, _NSIG 64), which
 * glibc exports as __SIGRTMIN and __SIGRTMAX.  glibc's own SIGRTMIN is 34
 * because it keeps two for its threads: naming from it would shift every
 * number, so names follow the kernel, as strace's do.
 */
#define KERNEL_SIGRTMIN __SIGRTMIN
#define KERNEL_SIGRTMAX __SIGRTMAX
#define RT_PREFIX       "SIGRT_"

const char *sp_signal_name(int signo, char *buf, size_t n)
{
	const char *name;

	if (signo <= 0)
		return NULL;
	name = sp_xlat_name(&sp_xlat_signals, (uint64_t)signo);
	if (name)
		return name;
	if (signo < KERNEL_SIGRTMIN || signo > KERNEL_SIGRTMAX)
		return NULL;
	snprintf(buf, n, RT_PREFIX "%d", signo - KERNEL_SIGRTMIN);
	return buf;
}

int sp_signal_parse(const char *name)
{
	uint64_t v;

	if (sp_xlat_value(&sp_xlat_signals, name, &v) == 0)
		return (int)v;
	if (!strncmp(name, RT_PREFIX, strlen(RT_PREFIX))) {
		const char *num = name + strlen(RT_PREFIX);
		char *end;
		long rt;

		/* Digits only, and no leading zero: one spelling per signal. */
		if (num[0] < '0' || num[0] > '9' || (num[0] == '0' && num[1]))
			return -ENOENT;
		errno = 0;
		rt = strtol(num, &end, 10);
		if (errno || *end || rt > KERNEL_SIGRTMAX - KERNEL_SIGRTMIN)
			return -ENOENT;
		return KERNEL_SIGRTMIN + (int)rt;
	}
	return -ENOENT;
}

const char *sp_errno_name(int err)
{
	return err > 0 ? sp_xlat_name(&sp_xlat_errno, (uint64_t)err) : NULL;
}

int sp_errno_parse(const char *name)
{
	uint64_t v;

	if (sp_xlat_value(&sp_xlat_errno, name, &v) < 0)
		return -ENOENT;
	return (int)v;
}

int sp_sock_proto_family(const char *proto)
{
	/* The names of the kernel's struct proto (net/ipv4, net/ipv6, net/unix...). */
	static const struct {
		const char *name;
		int family;
	} tab[] = {
	    {"TCP", AF_INET},        {"UDP", AF_INET},         {"UDP-Lite", AF_INET},
	    {"RAW", AF_INET},        {"PING", AF_INET},        {"SCTP", AF_INET},
	    {"MPTCP", AF_INET},      {"DCCP", AF_INET},        {"L2TP/IP", AF_INET},
	    {"TCPv6", AF_INET6},     {"UDPv6", AF_INET6},      {"UDPLITEv6", AF_INET6},
	    {"RAWv6", AF_INET6},     {"PINGv6", AF_INET6},     {"SCTPv6", AF_INET6},
	    {"MPTCPv6", AF_INET6},   {"DCCPv6", AF_INET6},     {"L2TP/IPv6", AF_INET6},
	    {"UNIX", AF_UNIX},       {"UNIX-STREAM", AF_UNIX}, {"UNIX-DGRAM", AF_UNIX},
	    {"NETLINK", AF_NETLINK}, {"PACKET", AF_PACKET},    {"AF_VSOCK", AF_VSOCK},
	};

	for (size_t i = 0; proto && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(proto, tab[i].name) == 0)
			return tab[i].family;
	return -1;
}
