/* SPDX-License-Identifier: MIT */
/*
 * Table-driven argument decoding for x86-64 syscalls.
 *
 * The table (sorted by name, searched with bsearch) says for each syscall
 * what each argument is; decode_arg() hands the raw value to the one
 * routine of that kind.  This runs at every syscall stop of the traced
 * program, so: no memory is read unless an argument is a pointer the
 * table wants followed, strings go to a stack buffer unless the user asked
 * for very long ones, and the exit decoder only reads what the kernel
 * wrote (buffers, returned fds), never what the entry already read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <asm/prctl.h>

#include "decode.h"
#include "mem.h"

/* ---- bounded string building ------------------------------------------ */

/* Appends into a fixed buffer; output is cut, never overflowed. */
struct sbuf {
	char *p;
	size_t n;
	size_t len;
};

static void sb_puts(struct sbuf *sb, const char *s)
{
	size_t l = strlen(s);

	if (sb->n == 0)
		return;
	if (sb->len + 1 < sb->n) {
		size_t room = sb->n - 1 - sb->len;

		memcpy(sb->p + sb->len, s, l < room ? l : room);
		sb->len += l < room ? l : room;
	}
	sb->p[sb->len] = '\0';
}

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_puts(sb, tmp);
}

static struct sbuf sb_init(char *buf, size_t n)
{
	struct sbuf sb = { .p = buf, .n = n, .len = 0 };

	if (n)
		buf[0] = '\0';
	return sb;
}

/* ---- flag and enumeration tables ----------------------------------------- */

struct flag {
	uint64_t val;
	const char *name;
};

#define F(x) { (uint64_t)(x), #x }
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Names every table bit present in v ("A|B"), multi-bit entries first where
 * the table lists them first (O_SYNC contains O_DSYNC), then what is left
 * in hex.  Writes nothing and returns false when v is 0.
 */
static bool sb_flags(struct sbuf *sb, uint64_t v, const struct flag *tab, size_t ntab)
{
	bool any = sb->len > 0;
	bool wrote = false;

	for (size_t i = 0; i < ntab && v; i++) {
		if (tab[i].val == 0 || (v & tab[i].val) != tab[i].val)
			continue;
		if (any)
			sb_puts(sb, "|");
		sb_puts(sb, tab[i].name);
		v &= ~tab[i].val;
		any = wrote = true;
	}
	if (v) {
		if (any)
			sb_puts(sb, "|");
		sb_printf(sb, "%#llx", (unsigned long long)v);
		wrote = true;
	}
	return wrote;
}

/* A whole flag word: its names, or the zero name (or "0") when nothing is set. */
static char *fmt_flags(uint64_t v, const struct flag *tab, size_t ntab, const char *zero,
		       char *buf, size_t n)
{
	struct sbuf sb = sb_init(buf, n);

	if (!sb_flags(&sb, v, tab, ntab))
		sb_puts(&sb, zero ? zero : "0");
	return buf;
}

/* An enumerated value: its name, or the number in decimal. */
static char *fmt_enum(uint64_t v, const struct flag *tab, size_t ntab, char *buf, size_t n)
{
	for (size_t i = 0; i < ntab; i++) {
		if (tab[i].val == v) {
			snprintf(buf, n, "%s", tab[i].name);
			return buf;
		}
	}
	snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

/*
 * The kernel's x86-64 O_LARGEFILE; glibc defines O_LARGEFILE as 0 on
 * 64-bit targets, yet 32-bit-minded code still passes the real bit.
 */
#define KERNEL_O_LARGEFILE 0100000

static const struct flag open_flag_tab[] = {
	F(O_CREAT),	F(O_EXCL),     F(O_NOCTTY),   F(O_TRUNC),	F(O_APPEND),
	F(O_NONBLOCK), F(O_SYNC) /* before O_DSYNC, which it contains */,
	F(O_DSYNC),	F(O_ASYNC),    F(O_DIRECT),   { KERNEL_O_LARGEFILE, "O_LARGEFILE" },
	F(O_TMPFILE) /* before O_DIRECTORY, which it contains */,
	F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME),	F(O_CLOEXEC),	F(O_PATH),
};

static const char *const accmode_names[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };

char *sp_fmt_open_flags(uint64_t flags, char *buf, size_t n)
{
	struct sbuf sb = sb_init(buf, n);
	uint64_t acc = flags & O_ACCMODE;

	/* O_RDONLY is 0, so the access mode is always named; 3 is no mode and stays hex. */
	if (acc < NELEM(accmode_names)) {
		sb_puts(&sb, accmode_names[acc]);
		flags &= ~(uint64_t)O_ACCMODE;
	}
	sb_flags(&sb, flags, open_flag_tab, NELEM(open_flag_tab));
	return buf;
}

/* Kernel uapi values glibc's headers leave out. */
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef EPOLLNVAL
#define EPOLLNVAL 0x20
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

static const struct flag prot_tab[] = {
	F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC), F(PROT_SEM), F(PROT_GROWSDOWN), F(PROT_GROWSUP),
};

char *sp_fmt_prot(uint64_t prot, char *buf, size_t n)
{
	return fmt_flags(prot, prot_tab, NELEM(prot_tab), "PROT_NONE", buf, n);
}

/* MAP_TYPE is a 2-bit field, not flags: SHARED_VALIDATE is SHARED|PRIVATE. */
static const struct flag map_type_tab[] = {
	F(MAP_SHARED),
	F(MAP_PRIVATE),
	F(MAP_SHARED_VALIDATE),
};

static const struct flag map_flag_tab[] = {
	F(MAP_FIXED),	  F(MAP_ANONYMOUS), F(MAP_32BIT),	   F(MAP_GROWSDOWN),
	F(MAP_DENYWRITE), F(MAP_EXECUTABLE), F(MAP_LOCKED),	   F(MAP_NORESERVE),
	F(MAP_POPULATE),  F(MAP_NONBLOCK),   F(MAP_STACK),	   F(MAP_HUGETLB),
	F(MAP_SYNC),	  F(MAP_FIXED_NOREPLACE),
};

char *sp_fmt_map_flags(uint64_t flags, char *buf, size_t n)
{
	struct sbuf sb = sb_init(buf, n);
	uint64_t type = flags & 0x3;

	if (type) {
		sb_puts(&sb, map_type_tab[type - 1].name);
		flags &= ~(uint64_t)0x3;
	}
	/* With MAP_HUGETLB the bits from MAP_HUGE_SHIFT up are log2 of the page size. */
	if (flags & MAP_HUGETLB) {
		unsigned int shift = (unsigned int)(flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

		if (shift == 21 || shift == 30) {
			uint64_t rest = flags & ~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT);

			sb_flags(&sb, rest, map_flag_tab, NELEM(map_flag_tab));
			sb_puts(&sb, shift == 21 ? "|MAP_HUGE_2MB" : "|MAP_HUGE_1GB");
			return buf;
		}
	}
	if (!sb_flags(&sb, flags, map_flag_tab, NELEM(map_flag_tab)) && sb.len == 0)
		sb_puts(&sb, "0");
	return buf;
}

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static const struct flag clone_flag_tab[] = {
	F(CLONE_VM),		 F(CLONE_FS),		  F(CLONE_FILES),	  F(CLONE_SIGHAND),
	F(CLONE_PIDFD),		 F(CLONE_PTRACE),	  F(CLONE_VFORK),	  F(CLONE_PARENT),
	F(CLONE_THREAD),	 F(CLONE_NEWNS),	  F(CLONE_SYSVSEM),	  F(CLONE_SETTLS),
	F(CLONE_PARENT_SETTID),	 F(CLONE_CHILD_CLEARTID), F(CLONE_DETACHED),	  F(CLONE_UNTRACED),
	F(CLONE_CHILD_SETTID),	 F(CLONE_NEWCGROUP),	  F(CLONE_NEWUTS),	  F(CLONE_NEWIPC),
	F(CLONE_NEWUSER),	 F(CLONE_NEWPID),	  F(CLONE_NEWNET),	  F(CLONE_IO),
	F(CLONE_CLEAR_SIGHAND),	 F(CLONE_INTO_CGROUP),
};

/* Kernel numbering: glibc's SIGRTMIN (34) hides the two it keeps for itself. */
#define KERNEL_SIGRTMIN 32
#define KERNEL_SIGRTMAX 64

static const char *const signal_names[KERNEL_SIGRTMIN] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR", [SIGSYS] = "SIGSYS",
};

char *sp_fmt_signal(uint64_t signo, char *buf, size_t n)
{
	if (signo > 0 && signo < KERNEL_SIGRTMIN && signal_names[signo])
		snprintf(buf, n, "%s", signal_names[signo]);
	else if (signo == KERNEL_SIGRTMIN)
		snprintf(buf, n, "SIGRTMIN");
	else if (signo > KERNEL_SIGRTMIN && signo <= KERNEL_SIGRTMAX)
		snprintf(buf, n, "SIGRTMIN+%u", (unsigned int)(signo - KERNEL_SIGRTMIN));
	else
		snprintf(buf, n, "%llu", (unsigned long long)signo);
	return buf;
}

char *sp_fmt_clone_flags(uint64_t flags, char *buf, size_t n)
{
	struct sbuf sb = sb_init(buf, n);
	uint64_t sig = flags & CSIGNAL;
	uint64_t rest = flags & ~(uint64_t)CSIGNAL;
	bool wrote = sb_flags(&sb, rest, clone_flag_tab, NELEM(clone_flag_tab));

	/* The low byte is the signal the parent gets when the child ends. */
	if (sig) {
		char name[24];

		if (wrote)
			sb_puts(&sb, "|");
		sb_puts(&sb, sp_fmt_signal(sig, name, sizeof(name)));
	} else if (!wrote) {
		sb_puts(&sb, "0");
	}
	return buf;
}

static const struct flag domain_tab[] = {
	F(AF_UNSPEC), F(AF_UNIX), F(AF_INET), F(AF_AX25), F(AF_IPX), F(AF_APPLETALK),
	F(AF_NETROM), F(AF_BRIDGE), F(AF_ATMPVC), F(AF_X25), F(AF_INET6), F(AF_ROSE),
	F(AF_DECnet), F(AF_NETBEUI), F(AF_SECURITY), F(AF_KEY), F(AF_NETLINK), F(AF_PACKET),
	F(AF_ASH), F(AF_ECONET), F(AF_ATMSVC), F(AF_RDS), F(AF_SNA), F(AF_IRDA),
	F(AF_PPPOX), F(AF_WANPIPE), F(AF_LLC), F(AF_IB), F(AF_MPLS), F(AF_CAN),
	F(AF_TIPC), F(AF_BLUETOOTH), F(AF_IUCV), F(AF_RXRPC), F(AF_ISDN), F(AF_PHONET),
	F(AF_IEEE802154), F(AF_CAIF), F(AF_ALG), F(AF_NFC), F(AF_VSOCK), F(AF_KCM),
	F(AF_QIPCRTR), F(AF_SMC), F(AF_XDP),
};

char *sp_fmt_socket_domain(uint64_t domain, char *buf, size_t n)
{
	return fmt_enum(domain, domain_tab, NELEM(domain_tab), buf, n);
}

static const struct flag sock_type_tab[] = {
	F(SOCK_STREAM), F(SOCK_DGRAM),	   F(SOCK_RAW),	   F(SOCK_RDM),
	F(SOCK_SEQPACKET), F(SOCK_DCCP), F(SOCK_PACKET),
};

static const struct flag sock_flag_tab[] = {
	F(SOCK_NONBLOCK),
	F(SOCK_CLOEXEC),
};

/* The socket type lives in the low 4 bits; the rest are SOCK_NONBLOCK and SOCK_CLOEXEC. */
#define SOCK_TYPE_BITS 0xf

char *sp_fmt_socket_type(uint64_t type, char *buf, size_t n)
{
	struct sbuf sb = sb_init(buf, n);
	uint64_t base = type & SOCK_TYPE_BITS;

	for (size_t i = 0; i < NELEM(sock_type_tab); i++) {
		if (base && sock_type_tab[i].val == base) {
			sb_puts(&sb, sock_type_tab[i].name);
			type &= ~(uint64_t)SOCK_TYPE_BITS;
			break;
		}
	}
	if (!sb_flags(&sb, type, sock_flag_tab, NELEM(sock_flag_tab)) && sb.len == 0)
		sb_puts(&sb, "0");
	return buf;
}

/* Newer than Debian 12's <linux/prctl.h> (6.1); values from the kernel's uapi header. */
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

static const struct flag prctl_tab[] = {
	F(PR_SET_PDEATHSIG),	   F(PR_GET_PDEATHSIG),		 F(PR_GET_DUMPABLE),
	F(PR_SET_DUMPABLE),	   F(PR_GET_UNALIGN),		 F(PR_SET_UNALIGN),
	F(PR_GET_KEEPCAPS),	   F(PR_SET_KEEPCAPS),		 F(PR_GET_FPEMU),
	F(PR_SET_FPEMU),	   F(PR_GET_FPEXC),		 F(PR_SET_FPEXC),
	F(PR_GET_TIMING),	   F(PR_SET_TIMING),		 F(PR_SET_NAME),
	F(PR_GET_NAME),		   F(PR_GET_ENDIAN),		 F(PR_SET_ENDIAN),
	F(PR_GET_SECCOMP),	   F(PR_SET_SECCOMP),		 F(PR_CAPBSET_READ),
	F(PR_CAPBSET_DROP),	   F(PR_GET_TSC),		 F(PR_SET_TSC),
	F(PR_GET_SECUREBITS),	   F(PR_SET_SECUREBITS),	 F(PR_SET_TIMERSLACK),
	F(PR_GET_TIMERSLACK),	   F(PR_TASK_PERF_EVENTS_DISABLE), F(PR_TASK_PERF_EVENTS_ENABLE),
	F(PR_MCE_KILL),		   F(PR_MCE_KILL_GET),		 F(PR_SET_MM),
	F(PR_SET_PTRACER),	   F(PR_SET_CHILD_SUBREAPER),	 F(PR_GET_CHILD_SUBREAPER),
	F(PR_SET_NO_NEW_PRIVS),	   F(PR_GET_NO_NEW_PRIVS),	 F(PR_GET_TID_ADDRESS),
	F(PR_SET_THP_DISABLE),	   F(PR_GET_THP_DISABLE),	 F(PR_MPX_ENABLE_MANAGEMENT),
	F(PR_MPX_DISABLE_MANAGEMENT), F(PR_SET_FP_MODE),	 F(PR_GET_FP_MODE),
	F(PR_CAP_AMBIENT),	   F(PR_SVE_SET_VL),		 F(PR_SVE_GET_VL),
	F(PR_GET_SPECULATION_CTRL), F(PR_SET_SPECULATION_CTRL),	 F(PR_PAC_RESET_KEYS),
	F(PR_SET_TAGGED_ADDR_CTRL), F(PR_GET_TAGGED_ADDR_CTRL),	 F(PR_SET_IO_FLUSHER),
	F(PR_GET_IO_FLUSHER),	   F(PR_SET_SYSCALL_USER_DISPATCH), F(PR_PAC_SET_ENABLED_KEYS),
	F(PR_PAC_GET_ENABLED_KEYS), F(PR_SCHED_CORE),		 F(PR_SME_SET_VL),
	F(PR_SME_GET_VL),	   F(PR_SET_MDWE),		 F(PR_GET_MDWE),
	F(PR_SET_MEMORY_MERGE),	   F(PR_GET_MEMORY_MERGE),	 F(PR_SET_VMA),
};

char *sp_fmt_prctl_option(uint64_t option, char *buf, size_t n)
{
	/* prctl's option is an int: the upper half of the register is noise. */
	return fmt_enum((uint32_t)option, prctl_tab, NELEM(prctl_tab), buf, n);
}

/* Not in glibc's <fcntl.h>; from the kernel's uapi/linux/fcntl.h. */
#ifndef F_GETOWNER_UIDS
#define F_GETOWNER_UIDS 17
#endif
#ifndef F_GET_RW_HINT
#define F_GET_RW_HINT 1035
#define F_SET_RW_HINT 1036
#define F_GET_FILE_RW_HINT 1037
#define F_SET_FILE_RW_HINT 1038
#endif

static const struct flag fcntl_tab[] = {
	F(F_DUPFD),	    F(F_GETFD),		F(F_SETFD),	       F(F_GETFL),
	F(F_SETFL),	    F(F_GETLK),		F(F_SETLK),	       F(F_SETLKW),
	F(F_SETOWN),	    F(F_GETOWN),	F(F_SETSIG),	       F(F_GETSIG),
	F(F_SETOWN_EX),	    F(F_GETOWN_EX),	F(F_GETOWNER_UIDS),    F(F_OFD_GETLK),
	F(F_OFD_SETLK),	    F(F_OFD_SETLKW),	F(F_SETLEASE),	       F(F_GETLEASE),
	F(F_NOTIFY),	    F(F_DUPFD_CLOEXEC), F(F_SETPIPE_SZ),       F(F_GETPIPE_SZ),
	F(F_ADD_SEALS),	    F(F_GET_SEALS),	F(F_GET_RW_HINT),      F(F_SET_RW_HINT),
	F(F_GET_FILE_RW_HINT), F(F_SET_FILE_RW_HINT),
};

char *sp_fmt_fcntl_cmd(uint64_t cmd, char *buf, size_t n)
{
	return fmt_enum((uint32_t)cmd, fcntl_tab, NELEM(fcntl_tab), buf, n);
}

/* The requests programs commonly make on terminals and sockets. */
static const struct flag ioctl_tab[] = {
	F(TCGETS),	F(TCSETS),	F(TCSETSW),	F(TCSETSF),	F(TCGETA),     F(TCSETA),
	F(TCSETAW),	F(TCSETAF),	F(TCSBRK),	F(TCXONC),	F(TCFLSH),     F(TIOCEXCL),
	F(TIOCNXCL),	F(TIOCSCTTY),	F(TIOCGPGRP),	F(TIOCSPGRP),	F(TIOCOUTQ),   F(TIOCSTI),
	F(TIOCGWINSZ),	F(TIOCSWINSZ),	F(TIOCMGET),	F(TIOCMSET),	F(FIONREAD),   F(TIOCLINUX),
	F(TIOCCONS),	F(FIONBIO),	F(TIOCNOTTY),	F(TIOCSETD),	F(TIOCGETD),   F(TIOCSBRK),
	F(TIOCCBRK),	F(TIOCGSID),	F(TIOCGPTN),	F(TIOCSPTLCK),	F(TIOCGPTPEER), F(FIONCLEX),
	F(FIOCLEX), F(FIOASYNC), F(FIOQSIZE), F(SIOCADDRT), F(SIOCDELRT), F(SIOCGIFNAME),
	F(SIOCGIFCONF), F(SIOCGIFFLAGS), F(SIOCSIFFLAGS), F(SIOCGIFADDR), F(SIOCGIFNETMASK),
	F(SIOCGIFMTU),	F(SIOCGIFHWADDR), F(SIOCGIFINDEX), F(SIOCATMARK),
	F(SIOCGIFBRDADDR),
};

static const char *ioctl_name(uint32_t req)
{
	for (size_t i = 0; i < NELEM(ioctl_tab); i++)
		if (ioctl_tab[i].val == req)
			return ioctl_tab[i].name;
	return NULL;
}

static const struct flag sigmask_how_tab[] = { F(SIG_BLOCK), F(SIG_UNBLOCK), F(SIG_SETMASK) };

static const struct flag epoll_op_tab[] = { F(EPOLL_CTL_ADD), F(EPOLL_CTL_DEL), F(EPOLL_CTL_MOD) };

static const struct flag epoll_event_tab[] = {
	F(EPOLLIN),	F(EPOLLPRI),	F(EPOLLOUT),	  F(EPOLLERR),	     F(EPOLLHUP),
	F(EPOLLNVAL),	F(EPOLLRDNORM), F(EPOLLRDBAND),	  F(EPOLLWRNORM),    F(EPOLLWRBAND),
	F(EPOLLMSG),	F(EPOLLRDHUP),	F(EPOLLEXCLUSIVE), F(EPOLLWAKEUP),   F(EPOLLONESHOT),
	F(EPOLLET),
};

static const struct flag arch_prctl_tab[] = {
	F(ARCH_SET_GS),		  F(ARCH_SET_FS),	  F(ARCH_GET_FS),
	F(ARCH_GET_GS),		  F(ARCH_GET_CPUID),	  F(ARCH_SET_CPUID),
	F(ARCH_GET_XCOMP_SUPP),	  F(ARCH_GET_XCOMP_PERM), F(ARCH_REQ_XCOMP_PERM),
	F(ARCH_GET_XCOMP_GUEST_PERM), F(ARCH_REQ_XCOMP_GUEST_PERM), F(ARCH_MAP_VDSO_X32),
	F(ARCH_MAP_VDSO_32),	  F(ARCH_MAP_VDSO_64),
};

/* R_OK, W_OK, X_OK; F_OK is the zero name. */
static const struct flag access_tab[] = { F(R_OK), F(W_OK), F(X_OK) };

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/* 0x200 means AT_REMOVEDIR to unlinkat and AT_EACCESS to faccessat2: two tables. */
static const struct flag at_flag_tab[] = {
	F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR), F(AT_SYMLINK_FOLLOW), F(AT_NO_AUTOMOUNT),
	F(AT_EMPTY_PATH),	F(AT_STATX_FORCE_SYNC), F(AT_STATX_DONT_SYNC), F(AT_RECURSIVE),
};

static const struct flag at_access_flag_tab[] = {
	F(AT_SYMLINK_NOFOLLOW),
	F(AT_EACCESS),
	F(AT_EMPTY_PATH),
};

static const struct flag rename_flag_tab[] = {
	F(RENAME_NOREPLACE),
	F(RENAME_EXCHANGE),
	F(RENAME_WHITEOUT),
};

/* Flags that dup3, pipe2, epoll_create1, inotify_init1... take: open flags without a mode. */
static const struct flag fd_flag_tab[] = {
	F(O_CLOEXEC),
	F(O_NONBLOCK),
	F(O_DIRECT),
};

static const struct flag efd_flag_tab[] = {
	F(EFD_SEMAPHORE),
	F(EFD_CLOEXEC),
	F(EFD_NONBLOCK),
};

static const struct flag msg_flag_tab[] = {
	F(MSG_OOB),	 F(MSG_PEEK),	     F(MSG_DONTROUTE),	F(MSG_CTRUNC),	    F(MSG_PROXY),
	F(MSG_TRUNC),	 F(MSG_DONTWAIT),    F(MSG_EOR),	F(MSG_WAITALL),	    F(MSG_FIN),
	F(MSG_SYN),	 F(MSG_CONFIRM),     F(MSG_RST),	F(MSG_ERRQUEUE),    F(MSG_NOSIGNAL),
	F(MSG_MORE),	 F(MSG_WAITFORONE),  F(MSG_BATCH),	F(MSG_ZEROCOPY),    F(MSG_FASTOPEN),
	F(MSG_CMSG_CLOEXEC),
};

static const struct flag shutdown_tab[] = { F(SHUT_RD), F(SHUT_WR), F(SHUT_RDWR) };

static const struct flag sockopt_level_tab[] = {
	F(SOL_SOCKET), F(SOL_IP),  F(SOL_TCP),	  F(SOL_UDP),	 F(SOL_IPV6),
	F(SOL_RAW),    F(SOL_PACKET), F(SOL_NETLINK), F(SOL_TLS),
};

static const struct flag so_tab[] = {
	F(SO_DEBUG),	   F(SO_REUSEADDR),   F(SO_TYPE),	    F(SO_ERROR),
	F(SO_DONTROUTE),   F(SO_BROADCAST),   F(SO_SNDBUF),	    F(SO_RCVBUF),
	F(SO_KEEPALIVE),   F(SO_OOBINLINE),   F(SO_NO_CHECK),	    F(SO_PRIORITY),
	F(SO_LINGER),	   F(SO_BSDCOMPAT),   F(SO_REUSEPORT),	    F(SO_PASSCRED),
	F(SO_PEERCRED),	   F(SO_RCVLOWAT),    F(SO_SNDLOWAT),	    F(SO_RCVTIMEO),
	F(SO_SNDTIMEO),	   F(SO_BINDTODEVICE), F(SO_ATTACH_FILTER), F(SO_DETACH_FILTER),
	F(SO_PEERNAME),	   F(SO_TIMESTAMP),   F(SO_ACCEPTCONN),	    F(SO_PEERSEC),
	F(SO_SNDBUFFORCE), F(SO_RCVBUFFORCE), F(SO_PASSSEC),	    F(SO_MARK),
	F(SO_PROTOCOL),	   F(SO_DOMAIN),      F(SO_RXQ_OVFL),	    F(SO_BUSY_POLL),
	F(SO_INCOMING_CPU), F(SO_ATTACH_BPF), F(SO_ATTACH_REUSEPORT_CBPF), F(SO_COOKIE),
	F(SO_ZEROCOPY),
};

static const struct flag tcp_opt_tab[] = {
	F(TCP_NODELAY),	   F(TCP_MAXSEG),	F(TCP_CORK),	     F(TCP_KEEPIDLE),
	F(TCP_KEEPINTVL),  F(TCP_KEEPCNT),	F(TCP_SYNCNT),	     F(TCP_LINGER2),
	F(TCP_DEFER_ACCEPT), F(TCP_WINDOW_CLAMP), F(TCP_INFO),	     F(TCP_QUICKACK),
	F(TCP_CONGESTION), F(TCP_USER_TIMEOUT), F(TCP_FASTOPEN),     F(TCP_NOTSENT_LOWAT),
};

static const struct flag ip_opt_tab[] = {
	F(IP_TOS),	  F(IP_TTL),	     F(IP_HDRINCL),	 F(IP_OPTIONS),
	F(IP_PKTINFO),	  F(IP_MTU_DISCOVER), F(IP_RECVERR),	 F(IP_RECVTTL),
	F(IP_RECVTOS),	  F(IP_MTU),	     F(IP_FREEBIND),	 F(IP_TRANSPARENT),
	F(IP_BIND_ADDRESS_NO_PORT), F(IP_ADD_MEMBERSHIP), F(IP_DROP_MEMBERSHIP),
};

static const struct flag ipv6_opt_tab[] = {
	F(IPV6_UNICAST_HOPS), F(IPV6_MULTICAST_IF), F(IPV6_MULTICAST_HOPS), F(IPV6_MULTICAST_LOOP),
	F(IPV6_MTU_DISCOVER), F(IPV6_MTU),	    F(IPV6_RECVERR),	    F(IPV6_V6ONLY),
	F(IPV6_RECVPKTINFO),  F(IPV6_PKTINFO),	    F(IPV6_TCLASS),	    F(IPV6_FREEBIND),
};

static const struct flag seek_tab[] = {
	F(SEEK_SET), F(SEEK_CUR), F(SEEK_END), F(SEEK_DATA), F(SEEK_HOLE),
};

static const struct flag wait_option_tab[] = {
	F(WNOHANG), F(WUNTRACED), F(WEXITED), F(WCONTINUED), F(WNOWAIT),
	F(__WNOTHREAD), F(__WALL), F(__WCLONE),
};

static const struct flag grnd_tab[] = { F(GRND_NONBLOCK), F(GRND_RANDOM), F(GRND_INSECURE) };

static const struct flag rlimit_tab[] = {
	F(RLIMIT_CPU),	  F(RLIMIT_FSIZE),   F(RLIMIT_DATA),	   F(RLIMIT_STACK),
	F(RLIMIT_CORE),	  F(RLIMIT_RSS),     F(RLIMIT_NPROC),	   F(RLIMIT_NOFILE),
	F(RLIMIT_MEMLOCK), F(RLIMIT_AS),     F(RLIMIT_LOCKS),	   F(RLIMIT_SIGPENDING),
	F(RLIMIT_MSGQUEUE), F(RLIMIT_NICE),  F(RLIMIT_RTPRIO),	   F(RLIMIT_RTTIME),
};

static const struct flag futex_cmd_tab[] = {
	F(FUTEX_WAIT),		 F(FUTEX_WAKE),		   F(FUTEX_FD),
	F(FUTEX_REQUEUE),	 F(FUTEX_CMP_REQUEUE),	   F(FUTEX_WAKE_OP),
	F(FUTEX_LOCK_PI),	 F(FUTEX_UNLOCK_PI),	   F(FUTEX_TRYLOCK_PI),
	F(FUTEX_WAIT_BITSET),	 F(FUTEX_WAKE_BITSET),	   F(FUTEX_WAIT_REQUEUE_PI),
	F(FUTEX_CMP_REQUEUE_PI), F(FUTEX_LOCK_PI2),
};

static const struct flag futex_flag_tab[] = { F(FUTEX_PRIVATE_FLAG), F(FUTEX_CLOCK_REALTIME) };

static const struct flag clock_tab[] = {
	F(CLOCK_REALTIME),	  F(CLOCK_MONOTONIC),	    F(CLOCK_PROCESS_CPUTIME_ID),
	F(CLOCK_THREAD_CPUTIME_ID), F(CLOCK_MONOTONIC_RAW), F(CLOCK_REALTIME_COARSE),
	F(CLOCK_MONOTONIC_COARSE), F(CLOCK_BOOTTIME),	    F(CLOCK_REALTIME_ALARM),
	F(CLOCK_BOOTTIME_ALARM),  F(CLOCK_TAI),
};

static const struct flag timer_flag_tab[] = { F(TIMER_ABSTIME) };

static const struct flag mount_flag_tab[] = {
	F(MS_RDONLY),	 F(MS_NOSUID),	   F(MS_NODEV),	      F(MS_NOEXEC),	F(MS_SYNCHRONOUS),
	F(MS_REMOUNT),	 F(MS_MANDLOCK),   F(MS_DIRSYNC),     F(MS_NOSYMFOLLOW), F(MS_NOATIME),
	F(MS_NODIRATIME), F(MS_BIND),	   F(MS_MOVE),	      F(MS_REC),	F(MS_SILENT),
	F(MS_POSIXACL),	 F(MS_UNBINDABLE), F(MS_PRIVATE),     F(MS_SLAVE),	F(MS_SHARED),
	F(MS_RELATIME),	 F(MS_KERNMOUNT),  F(MS_I_VERSION),   F(MS_STRICTATIME), F(MS_LAZYTIME),
};

static const struct flag umount_flag_tab[] = {
	F(MNT_FORCE), F(MNT_DETACH), F(MNT_EXPIRE), F(UMOUNT_NOFOLLOW),
};

static const struct flag mremap_flag_tab[] = {
	F(MREMAP_MAYMOVE),
	F(MREMAP_FIXED),
	F(MREMAP_DONTUNMAP),
};

static const struct flag madvise_tab[] = {
	F(MADV_NORMAL),	    F(MADV_RANDOM),	F(MADV_SEQUENTIAL),  F(MADV_WILLNEED),
	F(MADV_DONTNEED),   F(MADV_FREE),	F(MADV_REMOVE),	     F(MADV_DONTFORK),
	F(MADV_DOFORK),	    F(MADV_MERGEABLE),	F(MADV_UNMERGEABLE), F(MADV_HUGEPAGE),
	F(MADV_NOHUGEPAGE), F(MADV_DONTDUMP),	F(MADV_DODUMP),	     F(MADV_WIPEONFORK),
	F(MADV_KEEPONFORK), F(MADV_COLD),	F(MADV_PAGEOUT),     F(MADV_POPULATE_READ),
	F(MADV_POPULATE_WRITE), F(MADV_HWPOISON),
};

static const struct flag seccomp_op_tab[] = {
	F(SECCOMP_SET_MODE_STRICT), F(SECCOMP_SET_MODE_FILTER), F(SECCOMP_GET_ACTION_AVAIL),
	F(SECCOMP_GET_NOTIF_SIZES),
};

static const struct flag seccomp_flag_tab[] = {
	F(SECCOMP_FILTER_FLAG_TSYNC),	    F(SECCOMP_FILTER_FLAG_LOG),
	F(SECCOMP_FILTER_FLAG_SPEC_ALLOW), F(SECCOMP_FILTER_FLAG_NEW_LISTENER),
	F(SECCOMP_FILTER_FLAG_TSYNC_ESRCH), F(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV),
};

static const struct flag flock_tab[] = { F(LOCK_SH), F(LOCK_EX), F(LOCK_NB), F(LOCK_UN) };

static const struct flag sa_flag_tab[] = {
	F(SA_NOCLDSTOP), F(SA_NOCLDWAIT), F(SA_SIGINFO),  F(SA_RESTORER), F(SA_ONSTACK),
	F(SA_RESTART),	 F(SA_NODEFER),	  F(SA_RESETHAND),
};

#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20
#endif

static const struct flag resolve_tab[] = {
	F(RESOLVE_NO_XDEV), F(RESOLVE_NO_MAGICLINKS), F(RESOLVE_NO_SYMLINKS),
	F(RESOLVE_BENEATH), F(RESOLVE_IN_ROOT),	      F(RESOLVE_CACHED),
};

/* ---- JSON values ---------------------------------------------------------- */

static json_t *hex_json(uint64_t v)
{
	char buf[24];

	/* "%#llx" prints 0 without its "0x"; a pointer field should look like one. */
	if (v == 0)
		return json_string("0x0");
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
	return json_string(buf);
}

/*
 * A JSON string from bytes of the tracee, which owe nothing to UTF-8:
 * when jansson refuses them, every byte above 0x7f is spelt "\xNN" so the
 * trace stays valid JSON and the bytes stay recoverable.
 */
static json_t *bytes_json(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *esc, *p;

	if (j)
		return j;
	esc = malloc(len * 4 + 1);
	if (!esc)
		return NULL;
	p = esc;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			*p++ = (char)c;
		} else {
			snprintf(p, 5, "\\x%02x", c);
			p += 4;
		}
	}
	j = json_stringn(esc, (size_t)(p - esc));
	free(esc);
	return j;
}

static json_t *flags_json(uint64_t v, const struct flag *tab, size_t ntab, const char *zero)
{
	char buf[512];

	return json_string(fmt_flags(v, tab, ntab, zero, buf, sizeof(buf)));
}

static json_t *enum_json(uint64_t v, const struct flag *tab, size_t ntab)
{
	char buf[64];

	return json_string(fmt_enum(v, tab, ntab, buf, sizeof(buf)));
}

static json_t *signal_json(uint64_t signo)
{
	char buf[24];

	return json_string(sp_fmt_signal(signo, buf, sizeof(buf)));
}

/* Sets key in obj; a NULL value (jansson out of memory) is simply left out. */
static void put(json_t *obj, const char *key, json_t *val)
{
	if (val)
		json_object_set_new(obj, key, val);
}

/* "<name>_truncated": true, beside the argument that was cut. */
static void put_truncated(json_t *obj, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_truncated", name);
	json_object_set_new(obj, key, json_true());
}

/* ---- strings from the tracee ---------------------------------------------- */

/*
 * A string buffer of cap + 1 bytes: on the stack for the default size and
 * anything reasonable, on the heap only when the user asked for long ones.
 */
#define STACK_STR 1024

struct strbuf {
	char stack[STACK_STR + 1];
	char *p;
	size_t cap;
};

static bool strbuf_init(struct strbuf *sb, size_t cap)
{
	sb->cap = cap;
	if (cap <= STACK_STR) {
		sb->p = sb->stack;
		return true;
	}
	sb->p = malloc(cap + 1);
	return sb->p != NULL;
}

static void strbuf_fini(struct strbuf *sb)
{
	if (sb->p != sb->stack)
		free(sb->p);
}

/*
 * The string at addr as JSON: null for a NULL pointer, the pointer in hex
 * when it cannot be read (the syscall will fail with EFAULT anyway).
 */
static json_t *string_at(const struct sp_decode_ctx *ctx, struct strbuf *sb, uint64_t addr,
			 bool *truncated)
{
	long len;

	*truncated = false;
	if (addr == 0)
		return json_null();
	len = sp_mem_read_str(ctx->tid, addr, sb->p, sb->cap, truncated);
	if (len < 0)
		return hex_json(addr);
	return bytes_json(sb->p, (size_t)len);
}

static size_t ctx_strsize(const struct sp_decode_ctx *ctx)
{
	return ctx->strsize ? ctx->strsize : 256;
}

static void put_string(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
		       uint64_t addr, size_t cap)
{
	struct strbuf sb;
	bool truncated;

	if (!strbuf_init(&sb, cap)) {
		put(obj, name, hex_json(addr));
		return;
	}
	put(obj, name, string_at(ctx, &sb, addr, &truncated));
	if (truncated)
		put_truncated(obj, name);
	strbuf_fini(&sb);
}

/* ---- file descriptors ------------------------------------------------------ */

/* What an anon_inode:... link names, as the kind of the fd. */
static const char *anon_kind(const char *what)
{
	static const struct {
		const char *tag;
		const char *kind;
	} tab[] = {
		{ "[eventfd]", "eventfd" },	{ "[eventpoll]", "epoll" },
		{ "[timerfd]", "timerfd" },	{ "[signalfd]", "signalfd" },
		{ "inotify", "inotify" },	{ "[pidfd]", "pidfd" },
		{ "[io_uring]", "io_uring" },	{ "[fanotify]", "fanotify" },
		{ "[userfaultfd]", "userfaultfd" }, { "[perf_event]", "perf_event" },
		{ "[seccomp notify]", "seccomp_notify" },
	};

	for (size_t i = 0; i < NELEM(tab); i++)
		if (strcmp(what, tab[i].tag) == 0)
			return tab[i].kind;
	if (strncmp(what, "bpf", 3) == 0)
		return "bpf";
	return "anon";
}

/* Terminal majors (devices.txt): 4 ttyN/ttySN, 5 tty/console/ptmx, 136-143 pts. */
static bool is_tty_major(unsigned int maj)
{
	return maj == 4 || maj == 5 || (maj >= 136 && maj <= 143);
}

/*
 * The kind of an fd from its /proc link text; a path needs one stat of the
 * link (which follows it to the open file) to tell a directory, a terminal
 * or a device from a regular file.
 */
static const char *fd_kind(const char *link, const char *target)
{
	static const struct {
		const char *prefix;
		const char *kind;
	} tab[] = {
		{ "socket:[", "socket" }, { "pipe:[", "pipe" }, { "pidfd:", "pidfd" },
		{ "net:[", "ns" },	  { "mnt:[", "ns" },	{ "user:[", "ns" },
		{ "pid:[", "ns" },	  { "uts:[", "ns" },	{ "ipc:[", "ns" },
		{ "cgroup:[", "ns" },	  { "time:[", "ns" },
	};
	struct stat st;

	if (target[0] == '/') {
		if (strncmp(target, "/memfd:", 7) == 0)
			return "memfd";
		if (stat(link, &st) < 0)
			return "file";
		if (S_ISDIR(st.st_mode))
			return "dir";
		if (S_ISCHR(st.st_mode))
			return is_tty_major(major(st.st_rdev)) ? "tty" : "chr";
		if (S_ISBLK(st.st_mode))
			return "blk";
		if (S_ISFIFO(st.st_mode))
			return "fifo";
		if (S_ISSOCK(st.st_mode))
			return "socket";
		return "file";
	}
	if (strncmp(target, "anon_inode:", 11) == 0)
		return anon_kind(target + 11);
	for (size_t i = 0; i < NELEM(tab); i++)
		if (strncmp(target, tab[i].prefix, strlen(tab[i].prefix)) == 0)
			return tab[i].kind;
	return "other";
}

/* {"fd":N,"kind":...,"path":...}; kind and path only when the fd is open. */
static json_t *fd_json(const struct sp_decode_ctx *ctx, int fd)
{
	char link[64], target[PATH_MAX];
	json_t *o = json_object();
	ssize_t n;

	if (!o)
		return NULL;
	put(o, "fd", json_integer(fd));
	if (fd < 0)
		return o;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)ctx->pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return o;
	target[n] = '\0';
	put(o, "kind", json_string(fd_kind(link, target)));
	put(o, "path", bytes_json(target, (size_t)n));
	return o;
}

static json_t *dirfd_json(const struct sp_decode_ctx *ctx, int fd)
{
	if (fd == AT_FDCWD)
		return json_string("AT_FDCWD");
	return fd_json(ctx, fd);
}

/* ---- socket addresses -------------------------------------------------------- */

static json_t *sockaddr_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t len)
{
	struct sockaddr_storage ss;
	json_t *o;

	if (addr == 0)
		return json_null();
	if (len > sizeof(ss))
		len = sizeof(ss);
	if (len < sizeof(sa_family_t))
		return hex_json(addr);
	memset(&ss, 0, sizeof(ss));
	if (sp_mem_read(ctx->tid, addr, &ss, len) < 0)
		return hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;

	switch (ss.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)&ss;
		char a[INET_ADDRSTRLEN];

		put(o, "family", json_string("AF_INET"));
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		put(o, "addr", json_string(a));
		put(o, "port", json_integer(ntohs(in->sin_port)));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)&ss;
		char a[INET6_ADDRSTRLEN];

		put(o, "family", json_string("AF_INET6"));
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		put(o, "addr", json_string(a));
		put(o, "port", json_integer(ntohs(in6->sin6_port)));
		if (in6->sin6_scope_id)
			put(o, "scope_id", json_integer(in6->sin6_scope_id));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)&ss;
		size_t plen = len - offsetof(struct sockaddr_un, sun_path);

		/* A caller may claim more than sun_path holds; the kernel reads no further. */
		if (plen > sizeof(un->sun_path))
			plen = sizeof(un->sun_path);
		put(o, "family", json_string("AF_UNIX"));
		if (plen == 0)
			break; /* unnamed (socketpair, unbound) */
		if (un->sun_path[0] == '\0') {
			/* Abstract namespace: all plen bytes count, NULs included (unix(7)). */
			char name[sizeof(un->sun_path) + 1];

			name[0] = '@';
			memcpy(name + 1, un->sun_path + 1, plen - 1);
			put(o, "path", bytes_json(name, plen));
		} else {
			put(o, "path", bytes_json(un->sun_path, strnlen(un->sun_path, plen)));
		}
		break;
	}
	case AF_NETLINK: {
		const struct sockaddr_nl *nl = (const void *)&ss;

		put(o, "family", json_string("AF_NETLINK"));
		put(o, "pid", json_integer(nl->nl_pid));
		put(o, "groups", json_integer(nl->nl_groups));
		break;
	}
	default:
		put(o, "family", json_integer(ss.ss_family));
		break;
	}
	return o;
}

/* ---- argument kinds --------------------------------------------------------- */

enum arg_kind {
	K_INT,		/* int: JSON integer, sign-extended from 32 bits */
	K_UINT,		/* unsigned int */
	K_LONG,		/* long, off_t, size_t: JSON integer of the 64 bits */
	K_HEX,		/* a number best read in hex (masks, magic values) */
	K_PTR,		/* a pointer not followed: hex */
	K_PATH,		/* NUL-terminated path */
	K_STRING,	/* NUL-terminated string that is not a path */
	K_FD,
	K_DIRFD,	/* fd or AT_FDCWD */
	K_OPEN_FLAGS,
	K_OPEN_MODE,	/* mode of open/openat: only with O_CREAT or O_TMPFILE (ref = flags) */
	K_MODE,		/* mode_t, octal */
	K_OPEN_HOW,	/* struct open_how of openat2 */
	K_FD_FLAGS,	/* O_CLOEXEC, O_NONBLOCK... without an access mode */
	K_EFD_FLAGS,
	K_PROT,
	K_MAP_FLAGS,
	K_MREMAP_FLAGS,
	K_MADVISE,
	K_CLONE_FLAGS,
	K_CLONE_ARGS,	/* struct clone_args of clone3 (ref = its size) */
	K_SOCK_DOMAIN,
	K_SOCK_TYPE,
	K_SOCK_FLAGS,	/* accept4 */
	K_SOCKADDR,	/* ref = the length argument */
	K_SOCKOPT_LEVEL,
	K_SOCKOPT_NAME, /* ref = the level */
	K_SOCKOPT_VAL,	/* ref = the length; an int is shown as its value */
	K_MSG_FLAGS,
	K_SHUTDOWN_HOW,
	K_PRCTL_OPTION,
	K_PRCTL_ARG,	/* ref = the option */
	K_ARCH_PRCTL,
	K_FCNTL_CMD,
	K_FCNTL_ARG,	/* ref = the command */
	K_IOCTL_REQ,
	K_SIGNAL,
	K_SIGMASK_HOW,
	K_SIGSET,	/* a kernel sigset_t pointer */
	K_SIGACTION,	/* a struct kernel_sigaction pointer */
	K_EPOLL_OP,
	K_EPOLL_EVENT,
	K_ACCESS_MODE,
	K_AT_FLAGS,
	K_AT_ACCESS_FLAGS,
	K_RENAME_FLAGS,
	K_ARGV,
	K_SEEK_WHENCE,
	K_WAIT_OPTIONS,
	K_GRND_FLAGS,
	K_RLIMIT,
	K_FUTEX_OP,
	K_CLOCKID,
	K_TIMER_FLAGS,
	K_MOUNT_FLAGS,
	K_UMOUNT_FLAGS,
	K_SECCOMP_OP,
	K_SECCOMP_FLAGS,
	K_FLOCK_OP,
};

/* What only the exit knows. */
enum exit_kind {
	X_NONE = 0,
	X_CWD,		/* getcwd: arg a holds ret bytes, NUL included */
	X_LINK,		/* readlink(at): arg a holds ret bytes, no NUL */
	X_FD_PAIR,	/* arg a points to two fds */
	X_SOCKADDR,	/* arg a points to a sockaddr, arg b to its length */
	X_WSTATUS,	/* arg a points to a wait status */
};

/* Whether the return value is a new fd worth describing. */
enum ret_fd {
	RF_NO = 0,
	RF_YES,
	RF_FCNTL_DUP, /* only for F_DUPFD and F_DUPFD_CLOEXEC */
};

struct arg_desc {
	const char *name;
	uint8_t kind;
	int8_t ref; /* index of the argument this one's meaning depends on */
};

struct sc_desc {
	const char *name;
	struct arg_desc args[SP_MAX_ARGS];
	uint8_t exit;
	int8_t xa, xb;
	uint8_t ret_fd;
};

#define A(n, k) { n, k, -1 }
#define R(n, k, r) { n, k, r }
/* A syscall and its arguments; SYSX adds what its exit decodes. */
#define SYS(n, ...) { .name = n, .args = { __VA_ARGS__ } }
#define SYSX(n, x, a, b, rf, ...) \
	{ .name = n, .exit = x, .xa = a, .xb = b, .ret_fd = rf, .args = { __VA_ARGS__ } }
#define SYSFD(n, ...) SYSX(n, X_NONE, -1, -1, RF_YES, __VA_ARGS__)

/* Sorted by name (strcmp order): sp_decode_entry finds entries with bsearch. */
static const struct sc_desc sc_table[] = {
	SYSX("accept", X_SOCKADDR, 1, 2, RF_YES, A("sockfd", K_FD), A("addr", K_PTR),
		A("addrlen", K_PTR)),
	SYSX("accept4", X_SOCKADDR, 1, 2, RF_YES, A("sockfd", K_FD), A("addr", K_PTR),
		A("addrlen", K_PTR), A("flags", K_SOCK_FLAGS)),
	SYS("access", A("pathname", K_PATH), A("mode", K_ACCESS_MODE)),
	SYS("arch_prctl", A("code", K_ARCH_PRCTL), A("addr", K_PTR)),
	SYS("bind", A("sockfd", K_FD), R("addr", K_SOCKADDR, 2), A("addrlen", K_INT)),
	SYS("brk", A("addr", K_PTR)),
	SYS("chdir", A("path", K_PATH)),
	SYS("chmod", A("pathname", K_PATH), A("mode", K_MODE)),
	SYS("chown", A("pathname", K_PATH), A("owner", K_INT), A("group", K_INT)),
	SYS("chroot", A("path", K_PATH)),
	SYS("clock_nanosleep", A("clockid", K_CLOCKID), A("flags", K_TIMER_FLAGS),
		A("request", K_PTR), A("remain", K_PTR)),
	SYS("clone", A("flags", K_CLONE_FLAGS), A("stack", K_PTR), A("parent_tid", K_PTR),
		A("child_tid", K_PTR), A("tls", K_PTR)),
	SYS("clone3", R("cl_args", K_CLONE_ARGS, 1), A("size", K_LONG)),
	SYS("close", A("fd", K_FD)),
	SYS("close_range", A("fd", K_UINT), A("max_fd", K_UINT), A("flags", K_HEX)),
	SYS("connect", A("sockfd", K_FD), R("addr", K_SOCKADDR, 2), A("addrlen", K_INT)),
	SYS("copy_file_range", A("fd_in", K_FD), A("off_in", K_PTR), A("fd_out", K_FD),
		A("off_out", K_PTR), A("len", K_LONG), A("flags", K_UINT)),
	SYSFD("creat", A("pathname", K_PATH), A("mode", K_MODE)),
	SYSFD("dup", A("oldfd", K_FD)),
	SYSFD("dup2", A("oldfd", K_FD), A("newfd", K_FD)),
	SYSFD("dup3", A("oldfd", K_FD), A("newfd", K_FD), A("flags", K_FD_FLAGS)),
	SYSFD("epoll_create", A("size", K_INT)),
	SYSFD("epoll_create1", A("flags", K_FD_FLAGS)),
	SYS("epoll_ctl", A("epfd", K_FD), A("op", K_EPOLL_OP), A("fd", K_FD),
		A("event", K_EPOLL_EVENT)),
	SYS("epoll_pwait", A("epfd", K_FD), A("events", K_PTR), A("maxevents", K_INT),
		A("timeout", K_INT), A("sigmask", K_SIGSET), A("sigsetsize", K_LONG)),
	SYS("epoll_wait", A("epfd", K_FD), A("events", K_PTR), A("maxevents", K_INT),
		A("timeout", K_INT)),
	SYSFD("eventfd", A("initval", K_UINT)),
	SYSFD("eventfd2", A("initval", K_UINT), A("flags", K_EFD_FLAGS)),
	SYS("execve", A("pathname", K_PATH), A("argv", K_ARGV), A("envp", K_PTR)),
	SYS("execveat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("argv", K_ARGV),
		A("envp", K_PTR), A("flags", K_AT_FLAGS)),
	SYS("exit", A("status", K_INT)),
	SYS("exit_group", A("status", K_INT)),
	SYS("faccessat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("mode", K_ACCESS_MODE)),
	SYS("faccessat2", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("mode", K_ACCESS_MODE),
		A("flags", K_AT_ACCESS_FLAGS)),
	SYS("fadvise64", A("fd", K_FD), A("offset", K_LONG), A("len", K_LONG), A("advice", K_INT)),
	SYS("fchdir", A("fd", K_FD)),
	SYS("fchmod", A("fd", K_FD), A("mode", K_MODE)),
	SYS("fchmodat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("mode", K_MODE)),
	SYS("fchown", A("fd", K_FD), A("owner", K_INT), A("group", K_INT)),
	SYS("fchownat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("owner", K_INT),
		A("group", K_INT), A("flags", K_AT_FLAGS)),
	SYSX("fcntl", X_NONE, -1, -1, RF_FCNTL_DUP, A("fd", K_FD), A("cmd", K_FCNTL_CMD),
		R("arg", K_FCNTL_ARG, 1)),
	SYS("fdatasync", A("fd", K_FD)),
	SYS("flock", A("fd", K_FD), A("operation", K_FLOCK_OP)),
	SYS("fork"),
	SYS("fstat", A("fd", K_FD), A("statbuf", K_PTR)),
	SYS("fstatfs", A("fd", K_FD), A("buf", K_PTR)),
	SYS("fsync", A("fd", K_FD)),
	SYS("ftruncate", A("fd", K_FD), A("length", K_LONG)),
	SYS("futex", A("uaddr", K_PTR), A("futex_op", K_FUTEX_OP), A("val", K_UINT),
		A("timeout", K_PTR), A("uaddr2", K_PTR), A("val3", K_UINT)),
	SYSX("getcwd", X_CWD, 0, -1, RF_NO, A("buf", K_PTR), A("size", K_LONG)),
	SYS("getdents64", A("fd", K_FD), A("dirp", K_PTR), A("count", K_UINT)),
	SYSX("getpeername", X_SOCKADDR, 1, 2, RF_NO, A("sockfd", K_FD), A("addr", K_PTR),
		A("addrlen", K_PTR)),
	SYS("getrandom", A("buf", K_PTR), A("buflen", K_LONG), A("flags", K_GRND_FLAGS)),
	SYSX("getsockname", X_SOCKADDR, 1, 2, RF_NO, A("sockfd", K_FD), A("addr", K_PTR),
		A("addrlen", K_PTR)),
	SYS("getsockopt", A("sockfd", K_FD), A("level", K_SOCKOPT_LEVEL),
		R("optname", K_SOCKOPT_NAME, 1), A("optval", K_PTR), A("optlen", K_PTR)),
	SYS("inotify_add_watch", A("fd", K_FD), A("pathname", K_PATH), A("mask", K_HEX)),
	SYSFD("inotify_init1", A("flags", K_FD_FLAGS)),
	SYS("ioctl", A("fd", K_FD), A("request", K_IOCTL_REQ), A("arg", K_PTR)),
	SYS("kill", A("pid", K_INT), A("sig", K_SIGNAL)),
	SYS("lchown", A("pathname", K_PATH), A("owner", K_INT), A("group", K_INT)),
	SYS("link", A("oldpath", K_PATH), A("newpath", K_PATH)),
	SYS("linkat", A("olddirfd", K_DIRFD), A("oldpath", K_PATH), A("newdirfd", K_DIRFD),
		A("newpath", K_PATH), A("flags", K_AT_FLAGS)),
	SYS("listen", A("sockfd", K_FD), A("backlog", K_INT)),
	SYS("lseek", A("fd", K_FD), A("offset", K_LONG), A("whence", K_SEEK_WHENCE)),
	SYS("lstat", A("pathname", K_PATH), A("statbuf", K_PTR)),
	SYS("madvise", A("addr", K_PTR), A("length", K_LONG), A("advice", K_MADVISE)),
	SYSFD("memfd_create", A("name", K_STRING), A("flags", K_HEX)),
	SYS("mkdir", A("pathname", K_PATH), A("mode", K_MODE)),
	SYS("mkdirat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("mode", K_MODE)),
	SYS("mmap", A("addr", K_PTR), A("length", K_LONG), A("prot", K_PROT),
		A("flags", K_MAP_FLAGS), A("fd", K_FD), A("offset", K_LONG)),
	SYS("mount", A("source", K_STRING), A("target", K_PATH), A("filesystemtype", K_STRING),
		A("mountflags", K_MOUNT_FLAGS), A("data", K_PTR)),
	SYS("mprotect", A("addr", K_PTR), A("len", K_LONG), A("prot", K_PROT)),
	SYS("mremap", A("old_address", K_PTR), A("old_size", K_LONG), A("new_size", K_LONG),
		A("flags", K_MREMAP_FLAGS), A("new_address", K_PTR)),
	SYS("munmap", A("addr", K_PTR), A("length", K_LONG)),
	SYS("nanosleep", A("req", K_PTR), A("rem", K_PTR)),
	SYS("newfstatat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("statbuf", K_PTR),
		A("flags", K_AT_FLAGS)),
	SYSFD("open", A("pathname", K_PATH), A("flags", K_OPEN_FLAGS), R("mode", K_OPEN_MODE, 1)),
	SYSFD("openat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("flags", K_OPEN_FLAGS),
		R("mode", K_OPEN_MODE, 2)),
	SYSFD("openat2", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("how", K_OPEN_HOW),
		A("size", K_LONG)),
	SYSFD("pidfd_open", A("pid", K_INT), A("flags", K_HEX)),
	SYSX("pipe", X_FD_PAIR, 0, -1, RF_NO, A("pipefd", K_PTR)),
	SYSX("pipe2", X_FD_PAIR, 0, -1, RF_NO, A("pipefd", K_PTR), A("flags", K_FD_FLAGS)),
	SYS("poll", A("fds", K_PTR), A("nfds", K_UINT), A("timeout", K_INT)),
	SYS("ppoll", A("fds", K_PTR), A("nfds", K_UINT), A("tmo_p", K_PTR), A("sigmask", K_SIGSET),
		A("sigsetsize", K_LONG)),
	SYS("prctl", A("option", K_PRCTL_OPTION), R("arg2", K_PRCTL_ARG, 0), A("arg3", K_LONG),
		A("arg4", K_LONG), A("arg5", K_LONG)),
	SYS("pread64", A("fd", K_FD), A("buf", K_PTR), A("count", K_LONG), A("offset", K_LONG)),
	SYS("prlimit64", A("pid", K_INT), A("resource", K_RLIMIT), A("new_limit", K_PTR),
		A("old_limit", K_PTR)),
	SYS("pselect6", A("nfds", K_INT), A("readfds", K_PTR), A("writefds", K_PTR),
		A("exceptfds", K_PTR), A("timeout", K_PTR), A("sigmask", K_PTR)),
	SYS("pwrite64", A("fd", K_FD), A("buf", K_PTR), A("count", K_LONG), A("offset", K_LONG)),
	SYS("read", A("fd", K_FD), A("buf", K_PTR), A("count", K_LONG)),
	SYSX("readlink", X_LINK, 1, -1, RF_NO, A("pathname", K_PATH), A("buf", K_PTR),
		A("bufsiz", K_LONG)),
	SYSX("readlinkat", X_LINK, 2, -1, RF_NO, A("dirfd", K_DIRFD), A("pathname", K_PATH),
		A("buf", K_PTR), A("bufsiz", K_LONG)),
	SYS("readv", A("fd", K_FD), A("iov", K_PTR), A("iovcnt", K_INT)),
	SYSX("recvfrom", X_SOCKADDR, 4, 5, RF_NO, A("sockfd", K_FD), A("buf", K_PTR),
		A("len", K_LONG), A("flags", K_MSG_FLAGS), A("src_addr", K_PTR),
		A("addrlen", K_PTR)),
	SYS("recvmmsg", A("sockfd", K_FD), A("msgvec", K_PTR), A("vlen", K_UINT),
		A("flags", K_MSG_FLAGS), A("timeout", K_PTR)),
	SYS("recvmsg", A("sockfd", K_FD), A("msg", K_PTR), A("flags", K_MSG_FLAGS)),
	SYS("rename", A("oldpath", K_PATH), A("newpath", K_PATH)),
	SYS("renameat", A("olddirfd", K_DIRFD), A("oldpath", K_PATH), A("newdirfd", K_DIRFD),
		A("newpath", K_PATH)),
	SYS("renameat2", A("olddirfd", K_DIRFD), A("oldpath", K_PATH), A("newdirfd", K_DIRFD),
		A("newpath", K_PATH), A("flags", K_RENAME_FLAGS)),
	SYS("rmdir", A("pathname", K_PATH)),
	SYS("rseq", A("rseq", K_PTR), A("rseq_len", K_UINT), A("flags", K_INT), A("sig", K_HEX)),
	SYS("rt_sigaction", A("signum", K_SIGNAL), A("act", K_SIGACTION), A("oldact", K_PTR),
		A("sigsetsize", K_LONG)),
	SYS("rt_sigprocmask", A("how", K_SIGMASK_HOW), A("set", K_SIGSET), A("oldset", K_PTR),
		A("sigsetsize", K_LONG)),
	SYS("rt_sigsuspend", A("mask", K_SIGSET), A("sigsetsize", K_LONG)),
	SYS("seccomp", A("operation", K_SECCOMP_OP), A("flags", K_SECCOMP_FLAGS), A("args", K_PTR)),
	SYS("select", A("nfds", K_INT), A("readfds", K_PTR), A("writefds", K_PTR),
		A("exceptfds", K_PTR), A("timeout", K_PTR)),
	SYS("sendfile", A("out_fd", K_FD), A("in_fd", K_FD), A("offset", K_PTR),
		A("count", K_LONG)),
	SYS("sendmmsg", A("sockfd", K_FD), A("msgvec", K_PTR), A("vlen", K_UINT),
		A("flags", K_MSG_FLAGS)),
	SYS("sendmsg", A("sockfd", K_FD), A("msg", K_PTR), A("flags", K_MSG_FLAGS)),
	SYS("sendto", A("sockfd", K_FD), A("buf", K_PTR), A("len", K_LONG), A("flags", K_MSG_FLAGS),
		R("dest_addr", K_SOCKADDR, 5), A("addrlen", K_INT)),
	SYS("set_robust_list", A("head", K_PTR), A("len", K_LONG)),
	SYS("set_tid_address", A("tidptr", K_PTR)),
	SYS("setgid", A("gid", K_INT)),
	SYS("setgroups", A("size", K_INT), A("list", K_PTR)),
	SYS("setresgid", A("rgid", K_INT), A("egid", K_INT), A("sgid", K_INT)),
	SYS("setresuid", A("ruid", K_INT), A("euid", K_INT), A("suid", K_INT)),
	SYS("setsockopt", A("sockfd", K_FD), A("level", K_SOCKOPT_LEVEL),
		R("optname", K_SOCKOPT_NAME, 1), R("optval", K_SOCKOPT_VAL, 4),
		A("optlen", K_INT)),
	SYS("setuid", A("uid", K_INT)),
	SYS("shutdown", A("sockfd", K_FD), A("how", K_SHUTDOWN_HOW)),
	SYSFD("signalfd4", A("fd", K_INT), A("mask", K_SIGSET), A("sizemask", K_LONG),
		A("flags", K_FD_FLAGS)),
	SYSFD("socket", A("domain", K_SOCK_DOMAIN), A("type", K_SOCK_TYPE), A("protocol", K_INT)),
	SYSX("socketpair", X_FD_PAIR, 3, -1, RF_NO, A("domain", K_SOCK_DOMAIN),
		A("type", K_SOCK_TYPE), A("protocol", K_INT), A("sv", K_PTR)),
	SYS("stat", A("pathname", K_PATH), A("statbuf", K_PTR)),
	SYS("statfs", A("path", K_PATH), A("buf", K_PTR)),
	SYS("statx", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("flags", K_AT_FLAGS),
		A("mask", K_HEX), A("statxbuf", K_PTR)),
	SYS("symlink", A("target", K_STRING), A("linkpath", K_PATH)),
	SYS("symlinkat", A("target", K_STRING), A("newdirfd", K_DIRFD), A("linkpath", K_PATH)),
	SYS("tgkill", A("tgid", K_INT), A("tid", K_INT), A("sig", K_SIGNAL)),
	SYSFD("timerfd_create", A("clockid", K_CLOCKID), A("flags", K_FD_FLAGS)),
	SYS("tkill", A("tid", K_INT), A("sig", K_SIGNAL)),
	SYS("truncate", A("path", K_PATH), A("length", K_LONG)),
	SYS("umask", A("mask", K_MODE)),
	SYS("umount2", A("target", K_PATH), A("flags", K_UMOUNT_FLAGS)),
	SYS("unlink", A("pathname", K_PATH)),
	SYS("unlinkat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("flags", K_AT_FLAGS)),
	SYS("utimensat", A("dirfd", K_DIRFD), A("pathname", K_PATH), A("times", K_PTR),
		A("flags", K_AT_FLAGS)),
	SYS("vfork"),
	SYSX("wait4", X_WSTATUS, 1, -1, RF_NO, A("pid", K_INT), A("wstatus", K_PTR),
		A("options", K_WAIT_OPTIONS), A("rusage", K_PTR)),
	SYS("write", A("fd", K_FD), A("buf", K_PTR), A("count", K_LONG)),
	SYS("writev", A("fd", K_FD), A("iov", K_PTR), A("iovcnt", K_INT)),
};

/* ---- one routine per kind that reads memory or looks at a sibling ---------- */

/* open(2): the mode is only read with O_CREAT or O_TMPFILE; otherwise it is noise. */
static json_t *open_mode_json(uint64_t mode, uint64_t flags)
{
	char buf[16];

	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
		return NULL;
	snprintf(buf, sizeof(buf), "%#o", (unsigned int)mode);
	return json_string(buf);
}

static json_t *mode_json(uint64_t mode)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%#o", (unsigned int)mode);
	return json_string(buf);
}

static json_t *open_flags_json(uint64_t flags)
{
	char buf[512];

	return json_string(sp_fmt_open_flags(flags, buf, sizeof(buf)));
}

/* struct open_how (openat2(2)): three u64 fields, fixed since 5.6. */
static json_t *open_how_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t how[3];
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, how, sizeof(how)) < 0)
		return hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	put(o, "flags", open_flags_json(how[0]));
	put(o, "mode", mode_json(how[1]));
	put(o, "resolve", flags_json(how[2], resolve_tab, NELEM(resolve_tab), NULL));
	return o;
}

/*
 * struct clone_args (clone3(2)): flags first, exit_signal at offset 32.
 * Only the fields the given size covers are the caller's.
 */
static json_t *clone_args_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t size)
{
	uint64_t ca[5] = { 0 }; /* flags, pidfd, child_tid, parent_tid, exit_signal */
	char buf[512];
	json_t *o;

	if (addr == 0)
		return json_null();
	if (size > sizeof(ca))
		size = sizeof(ca);
	if (size < sizeof(ca[0]) || sp_mem_read(ctx->tid, addr, ca, size) < 0)
		return hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	put(o, "flags", json_string(sp_fmt_clone_flags(ca[0], buf, sizeof(buf))));
	if (size >= sizeof(ca))
		put(o, "exit_signal", ca[4] ? signal_json(ca[4]) : json_integer(0));
	return o;
}

static json_t *sockopt_name_json(uint64_t name, uint64_t level)
{
	switch ((int)level) {
	case SOL_SOCKET:
		return enum_json((uint32_t)name, so_tab, NELEM(so_tab));
	case SOL_TCP:
		return enum_json((uint32_t)name, tcp_opt_tab, NELEM(tcp_opt_tab));
	case SOL_IP:
		return enum_json((uint32_t)name, ip_opt_tab, NELEM(ip_opt_tab));
	case SOL_IPV6:
		return enum_json((uint32_t)name, ipv6_opt_tab, NELEM(ipv6_opt_tab));
	default:
		return json_integer((int)name);
	}
}

/* Most options are one int: show it; anything else stays a pointer. */
static json_t *sockopt_val_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t len)
{
	int v;

	if (addr == 0)
		return json_null();
	if ((uint32_t)len != sizeof(int) || sp_mem_read(ctx->tid, addr, &v, sizeof(v)) < 0)
		return hex_json(addr);
	return json_integer(v);
}

static json_t *prctl_arg_json(const struct sp_decode_ctx *ctx, uint64_t arg, uint64_t option)
{
	switch ((int)option) {
	case PR_SET_NAME: {
		/* The kernel keeps 16 bytes of a task name (TASK_COMM_LEN). */
		char name[16];
		bool truncated;
		long len = sp_mem_read_str(ctx->tid, arg, name, sizeof(name) - 1, &truncated);

		return len < 0 ? hex_json(arg) : bytes_json(name, (size_t)len);
	}
	case PR_SET_PDEATHSIG:
		return signal_json(arg);
	case PR_GET_NAME:
	case PR_GET_PDEATHSIG:
	case PR_GET_TID_ADDRESS:
		return hex_json(arg);
	default:
		return json_integer((json_int_t)arg);
	}
}

static json_t *fcntl_arg_json(uint64_t arg, uint64_t cmd)
{
	static const struct flag fd_flags[] = { F(FD_CLOEXEC) };
	static const struct flag lease_tab[] = { F(F_RDLCK), F(F_WRLCK), F(F_UNLCK) };
	static const struct flag seal_tab[] = {
		F(F_SEAL_SEAL),	 F(F_SEAL_SHRINK),	 F(F_SEAL_GROW),
		F(F_SEAL_WRITE), F(F_SEAL_FUTURE_WRITE),
	};

	switch ((int)cmd) {
	case F_SETFL:
		return open_flags_json(arg);
	case F_SETFD:
		return flags_json(arg, fd_flags, NELEM(fd_flags), NULL);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETOWN:
	case F_SETPIPE_SZ:
		return json_integer((int)arg);
	case F_SETSIG:
		return signal_json(arg);
	case F_SETLEASE:
		return enum_json(arg, lease_tab, NELEM(lease_tab));
	case F_ADD_SEALS:
		return flags_json(arg, seal_tab, NELEM(seal_tab), NULL);
	case F_GETFD:
	case F_GETFL:
	case F_GETOWN:
	case F_GETSIG:
	case F_GETLEASE:
	case F_GETPIPE_SZ:
	case F_GET_SEALS:
		return NULL; /* no argument: the register holds whatever was there */
	default:
		return hex_json(arg); /* struct flock and f_owner_ex pointers, unknown commands */
	}
}

static json_t *ioctl_req_json(json_t *obj, const char *name, uint64_t req)
{
	char key[64];
	const char *known = ioctl_name((uint32_t)req);

	if (known) {
		snprintf(key, sizeof(key), "%s_name", name);
		put(obj, key, json_string(known));
	}
	return hex_json((uint32_t)req);
}

static json_t *signal_list_json(uint64_t set)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a && i < 64; i++)
		if (set & (1ULL << i))
			json_array_append_new(a, signal_json(i + 1));
	return a;
}

/*
 * The signals of a set, as an array of names.  Shells and servers block
 * "everything" often; 60-odd names on each such line would swamp the
 * trace, so a set with more than half the bits is {"except":[...]}.
 */
static json_t *sigset_bits_json(uint64_t set)
{
	json_t *o;

	if (__builtin_popcountll(set) <= 32)
		return signal_list_json(set);
	o = json_object();
	if (o)
		put(o, "except", signal_list_json(~set));
	return o;
}

/* A kernel sigset_t is 64 bits on x86-64: one read, one array of names. */
static json_t *sigset_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t set;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, &set, sizeof(set)) < 0)
		return hex_json(addr);
	return sigset_bits_json(set);
}

/* struct kernel_sigaction on x86-64: handler, flags, restorer, mask. */
static json_t *sigaction_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	uint64_t sa[4];
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, sa, sizeof(sa)) < 0)
		return hex_json(addr);
	o = json_object();
	if (!o)
		return NULL;
	if (sa[0] == (uint64_t)(uintptr_t)SIG_DFL)
		put(o, "handler", json_string("SIG_DFL"));
	else if (sa[0] == (uint64_t)(uintptr_t)SIG_IGN)
		put(o, "handler", json_string("SIG_IGN"));
	else
		put(o, "handler", hex_json(sa[0]));
	put(o, "flags", flags_json(sa[1], sa_flag_tab, NELEM(sa_flag_tab), NULL));
	put(o, "mask", sigset_bits_json(sa[3]));
	return o;
}

/* struct epoll_event is packed on x86-64: u32 events, u64 data (12 bytes). */
static json_t *epoll_event_json(const struct sp_decode_ctx *ctx, uint64_t addr)
{
	unsigned char raw[12];
	uint32_t events;
	uint64_t data;
	json_t *o;

	if (addr == 0)
		return json_null();
	if (sp_mem_read(ctx->tid, addr, raw, sizeof(raw)) < 0)
		return hex_json(addr);
	memcpy(&events, raw, sizeof(events));
	memcpy(&data, raw + 4, sizeof(data));
	o = json_object();
	if (!o)
		return NULL;
	put(o, "events", flags_json(events, epoll_event_tab, NELEM(epoll_event_tab), NULL));
	put(o, "data", hex_json(data));
	return o;
}

static json_t *futex_op_json(uint64_t op)
{
	char buf[128];
	struct sbuf sb = sb_init(buf, sizeof(buf));
	uint32_t v = (uint32_t)op;
	uint32_t cmd = v & FUTEX_CMD_MASK;

	for (size_t i = 0; i < NELEM(futex_cmd_tab); i++) {
		if (futex_cmd_tab[i].val == cmd) {
			sb_puts(&sb, futex_cmd_tab[i].name);
			v &= ~cmd;
			break;
		}
	}
	/* FUTEX_WAIT is 0: with no command named, the flags still stand on their own. */
	if (!sb_flags(&sb, v, futex_flag_tab, NELEM(futex_flag_tab)) && sb.len == 0)
		sb_puts(&sb, "0");
	return json_string(buf);
}

/*
 * Reads up to max + 1 pointers of a NULL-terminated array, page by page
 * so that an array ending right before an unmapped page is read whole.
 * Returns how many non-NULL pointers came before the NULL (or max + 1
 * when there are more than max), -1 when the first read fails.
 */
static long read_ptr_array(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t *out,
			   size_t max, bool *unreadable)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t got = 0;

	*unreadable = false;
	while (got <= max) {
		uint64_t at = addr + got * sizeof(uint64_t);
		size_t room = (page - (size_t)(at & (page - 1))) / sizeof(uint64_t);

		if (room == 0)
			room = 1; /* a misaligned array: one pointer straddles the page */
		if (room > max + 1 - got)
			room = max + 1 - got;
		if (sp_mem_read(ctx->tid, at, out + got, room * sizeof(uint64_t)) < 0) {
			*unreadable = true;
			return got ? (long)got : -1;
		}
		for (size_t i = 0; i < room; i++)
			if (out[got + i] == 0)
				return (long)(got + i);
		got += room;
	}
	return (long)got;
}

/* execve's argv: 64 strings at most, each capped; "argv_truncated" when anything was cut. */
#define ARGV_MAX 64

static void put_argv(const struct sp_decode_ctx *ctx, json_t *obj, const char *name, uint64_t addr)
{
	uint64_t ptrs[ARGV_MAX + 1];
	struct strbuf sb;
	bool cut = false, unreadable;
	json_t *arr;
	long n;

	if (addr == 0) {
		put(obj, name, json_null());
		return;
	}
	n = read_ptr_array(ctx, addr, ptrs, ARGV_MAX, &unreadable);
	if (n < 0 || !strbuf_init(&sb, ctx_strsize(ctx))) {
		put(obj, name, hex_json(addr));
		return;
	}
	if (n > ARGV_MAX || unreadable) {
		cut = true;
		if (n > ARGV_MAX)
			n = ARGV_MAX;
	}
	arr = json_array();
	for (long i = 0; arr && i < n; i++) {
		bool truncated;

		json_array_append_new(arr, string_at(ctx, &sb, ptrs[i], &truncated));
		cut |= truncated;
	}
	strbuf_fini(&sb);
	put(obj, name, arr);
	if (cut)
		put_truncated(obj, name);
}

/* ---- dispatch ------------------------------------------------------------------ */

static void decode_arg(const struct sp_decode_ctx *ctx, const uint64_t *args,
		       const struct arg_desc *a, int i, json_t *obj)
{
	uint64_t v = args[i];
	uint64_t ref = a->ref >= 0 ? args[a->ref] : 0;
	json_t *val = NULL;
	char buf[512];

	switch ((enum arg_kind)a->kind) {
	case K_INT:
		val = json_integer((int)v);
		break;
	case K_UINT:
		val = json_integer((unsigned int)v);
		break;
	case K_LONG:
		val = json_integer((json_int_t)v);
		break;
	case K_HEX:
	case K_PTR:
		val = hex_json(v);
		break;
	case K_PATH:
	case K_STRING:
		put_string(ctx, obj, a->name, v, ctx_strsize(ctx));
		return;
	case K_FD:
		val = fd_json(ctx, (int)v);
		break;
	case K_DIRFD:
		val = dirfd_json(ctx, (int)v);
		break;
	case K_OPEN_FLAGS:
		val = open_flags_json(v);
		break;
	case K_OPEN_MODE:
		val = open_mode_json(v, ref);
		break;
	case K_MODE:
		val = mode_json(v);
		break;
	case K_OPEN_HOW:
		val = open_how_json(ctx, v);
		break;
	case K_FD_FLAGS:
		val = flags_json(v, fd_flag_tab, NELEM(fd_flag_tab), NULL);
		break;
	case K_EFD_FLAGS:
		val = flags_json(v, efd_flag_tab, NELEM(efd_flag_tab), NULL);
		break;
	case K_PROT:
		val = json_string(sp_fmt_prot(v, buf, sizeof(buf)));
		break;
	case K_MAP_FLAGS:
		val = json_string(sp_fmt_map_flags(v, buf, sizeof(buf)));
		break;
	case K_MREMAP_FLAGS:
		val = flags_json(v, mremap_flag_tab, NELEM(mremap_flag_tab), NULL);
		break;
	case K_MADVISE:
		val = enum_json((uint32_t)v, madvise_tab, NELEM(madvise_tab));
		break;
	case K_CLONE_FLAGS:
		val = json_string(sp_fmt_clone_flags(v, buf, sizeof(buf)));
		break;
	case K_CLONE_ARGS:
		val = clone_args_json(ctx, v, ref);
		break;
	case K_SOCK_DOMAIN:
		val = json_string(sp_fmt_socket_domain((uint32_t)v, buf, sizeof(buf)));
		break;
	case K_SOCK_TYPE:
		val = json_string(sp_fmt_socket_type((uint32_t)v, buf, sizeof(buf)));
		break;
	case K_SOCK_FLAGS:
		val = flags_json(v, sock_flag_tab, NELEM(sock_flag_tab), NULL);
		break;
	case K_SOCKADDR:
		val = sockaddr_json(ctx, v, (uint32_t)ref);
		break;
	case K_SOCKOPT_LEVEL:
		val = enum_json((uint32_t)v, sockopt_level_tab, NELEM(sockopt_level_tab));
		break;
	case K_SOCKOPT_NAME:
		val = sockopt_name_json(v, ref);
		break;
	case K_SOCKOPT_VAL:
		val = sockopt_val_json(ctx, v, ref);
		break;
	case K_MSG_FLAGS:
		val = flags_json((uint32_t)v, msg_flag_tab, NELEM(msg_flag_tab), NULL);
		break;
	case K_SHUTDOWN_HOW:
		val = enum_json((uint32_t)v, shutdown_tab, NELEM(shutdown_tab));
		break;
	case K_PRCTL_OPTION:
		val = json_string(sp_fmt_prctl_option(v, buf, sizeof(buf)));
		break;
	case K_PRCTL_ARG:
		val = prctl_arg_json(ctx, v, ref);
		break;
	case K_ARCH_PRCTL:
		val = enum_json((uint32_t)v, arch_prctl_tab, NELEM(arch_prctl_tab));
		break;
	case K_FCNTL_CMD:
		val = json_string(sp_fmt_fcntl_cmd(v, buf, sizeof(buf)));
		break;
	case K_FCNTL_ARG:
		val = fcntl_arg_json(v, ref);
		break;
	case K_IOCTL_REQ:
		val = ioctl_req_json(obj, a->name, v);
		break;
	case K_SIGNAL:
		val = signal_json((uint32_t)v);
		break;
	case K_SIGMASK_HOW:
		val = enum_json((uint32_t)v, sigmask_how_tab, NELEM(sigmask_how_tab));
		break;
	case K_SIGSET:
		val = sigset_json(ctx, v);
		break;
	case K_SIGACTION:
		val = sigaction_json(ctx, v);
		break;
	case K_EPOLL_OP:
		val = enum_json((uint32_t)v, epoll_op_tab, NELEM(epoll_op_tab));
		break;
	case K_EPOLL_EVENT:
		val = epoll_event_json(ctx, v);
		break;
	case K_ACCESS_MODE:
		val = flags_json((uint32_t)v, access_tab, NELEM(access_tab), "F_OK");
		break;
	case K_AT_FLAGS:
		val = flags_json((uint32_t)v, at_flag_tab, NELEM(at_flag_tab), NULL);
		break;
	case K_AT_ACCESS_FLAGS:
		val = flags_json((uint32_t)v, at_access_flag_tab, NELEM(at_access_flag_tab), NULL);
		break;
	case K_RENAME_FLAGS:
		val = flags_json((uint32_t)v, rename_flag_tab, NELEM(rename_flag_tab), NULL);
		break;
	case K_ARGV:
		put_argv(ctx, obj, a->name, v);
		return;
	case K_SEEK_WHENCE:
		val = enum_json((uint32_t)v, seek_tab, NELEM(seek_tab));
		break;
	case K_WAIT_OPTIONS:
		val = flags_json((uint32_t)v, wait_option_tab, NELEM(wait_option_tab), NULL);
		break;
	case K_GRND_FLAGS:
		val = flags_json((uint32_t)v, grnd_tab, NELEM(grnd_tab), NULL);
		break;
	case K_RLIMIT:
		val = enum_json((uint32_t)v, rlimit_tab, NELEM(rlimit_tab));
		break;
	case K_FUTEX_OP:
		val = futex_op_json(v);
		break;
	case K_CLOCKID:
		val = enum_json((uint32_t)v, clock_tab, NELEM(clock_tab));
		break;
	case K_TIMER_FLAGS:
		val = flags_json((uint32_t)v, timer_flag_tab, NELEM(timer_flag_tab), NULL);
		break;
	case K_MOUNT_FLAGS:
		val = flags_json(v, mount_flag_tab, NELEM(mount_flag_tab), NULL);
		break;
	case K_UMOUNT_FLAGS:
		val = flags_json((uint32_t)v, umount_flag_tab, NELEM(umount_flag_tab), NULL);
		break;
	case K_SECCOMP_OP:
		val = enum_json((uint32_t)v, seccomp_op_tab, NELEM(seccomp_op_tab));
		break;
	case K_SECCOMP_FLAGS:
		val = flags_json((uint32_t)v, seccomp_flag_tab, NELEM(seccomp_flag_tab), NULL);
		break;
	case K_FLOCK_OP:
		val = flags_json((uint32_t)v, flock_tab, NELEM(flock_tab), NULL);
		break;
	}
	put(obj, a->name, val);
}

static int sc_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sc_desc *)elem)->name);
}

static const struct sc_desc *sc_find(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, sc_table, NELEM(sc_table), sizeof(sc_table[0]), sc_cmp);
}

json_t *sp_decode_entry(const struct sp_decode_ctx *ctx, const char *name,
			const uint64_t args[SP_MAX_ARGS])
{
	const struct sc_desc *d = sc_find(name);
	json_t *obj;

	if (!d)
		return NULL;
	obj = json_object();
	if (!obj)
		return NULL;
	for (int i = 0; i < SP_MAX_ARGS && d->args[i].name; i++)
		decode_arg(ctx, args, &d->args[i], i, obj);
	return obj;
}

/* ---- exit -------------------------------------------------------------------------- */

/* A buffer of len bytes the kernel filled (getcwd, readlink), capped at strsize. */
static void put_filled(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
		       uint64_t addr, uint64_t len, bool nul_included)
{
	size_t cap = ctx_strsize(ctx);
	size_t take = len < cap ? (size_t)len : cap;
	struct strbuf sb;

	if (!strbuf_init(&sb, take))
		return;
	if (sp_mem_read(ctx->tid, addr, sb.p, take) == 0) {
		size_t l = nul_included ? strnlen(sb.p, take) : take;

		put(obj, name, bytes_json(sb.p, l));
		if (len > cap)
			put_truncated(obj, name);
	}
	strbuf_fini(&sb);
}

static void put_fd_pair(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
			uint64_t addr)
{
	int fds[2];
	json_t *arr;

	if (sp_mem_read(ctx->tid, addr, fds, sizeof(fds)) < 0)
		return;
	arr = json_array();
	if (!arr)
		return;
	json_array_append_new(arr, fd_json(ctx, fds[0]));
	json_array_append_new(arr, fd_json(ctx, fds[1]));
	put(obj, name, arr);
}

/* The kernel wrote the address and its true length; a longer one was cut to the buffer. */
static void put_sockaddr_out(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
			     uint64_t addr, uint64_t lenp)
{
	uint32_t len;

	if (addr == 0 || lenp == 0 || sp_mem_read(ctx->tid, lenp, &len, sizeof(len)) < 0)
		return;
	put(obj, name, sockaddr_json(ctx, addr, len));
}

static void put_wstatus(const struct sp_decode_ctx *ctx, json_t *obj, const char *name,
			uint64_t addr)
{
	int st;
	json_t *o;

	if (addr == 0 || sp_mem_read(ctx->tid, addr, &st, sizeof(st)) < 0)
		return;
	o = json_object();
	if (!o)
		return;
	if (WIFEXITED(st)) {
		put(o, "exited", json_integer(WEXITSTATUS(st)));
	} else if (WIFSIGNALED(st)) {
		put(o, "signaled", signal_json((unsigned int)WTERMSIG(st)));
		if (WCOREDUMP(st))
			put(o, "core", json_true());
	} else if (WIFSTOPPED(st)) {
		put(o, "stopped", signal_json((unsigned int)WSTOPSIG(st)));
	} else if (WIFCONTINUED(st)) {
		put(o, "continued", json_true());
	}
	put(obj, name, o);
}

static bool wants_ret_fd(const struct sc_desc *d, const uint64_t *args)
{
	if (d->ret_fd == RF_YES)
		return true;
	if (d->ret_fd == RF_FCNTL_DUP)
		return (int)args[1] == F_DUPFD || (int)args[1] == F_DUPFD_CLOEXEC;
	return false;
}

json_t *sp_decode_exit(const struct sp_decode_ctx *ctx, const char *name,
		       const uint64_t args[SP_MAX_ARGS], int64_t ret, json_t *dec)
{
	const struct sc_desc *d = sc_find(name);
	json_t *obj = dec;
	bool fd = false;

	/* A failed call filled nothing; most calls have nothing for the exit at all. */
	if (!d || ret < 0)
		return dec;
	fd = wants_ret_fd(d, args);
	if (d->exit == X_NONE && !fd)
		return dec;
	if (d->exit == X_WSTATUS && ret == 0)
		return dec; /* WNOHANG and nobody changed state: the status was not written */
	if (d->exit == X_LINK && ret == 0)
		return dec;
	if (!obj) {
		obj = json_object();
		if (!obj)
			return NULL;
	}

	switch ((enum exit_kind)d->exit) {
	case X_NONE:
		break;
	case X_CWD:
		put_filled(ctx, obj, d->args[d->xa].name, args[d->xa], (uint64_t)ret, true);
		break;
	case X_LINK:
		put_filled(ctx, obj, d->args[d->xa].name, args[d->xa], (uint64_t)ret, false);
		break;
	case X_FD_PAIR:
		put_fd_pair(ctx, obj, d->args[d->xa].name, args[d->xa]);
		break;
	case X_SOCKADDR:
		put_sockaddr_out(ctx, obj, d->args[d->xa].name, args[d->xa], args[d->xb]);
		break;
	case X_WSTATUS:
		put_wstatus(ctx, obj, d->args[d->xa].name, args[d->xa]);
		break;
	}
	if (fd)
		put(obj, "ret_fd", fd_json(ctx, (int)ret));
	return obj;
}
