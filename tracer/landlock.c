/* SPDX-License-Identifier: MIT */
/*
 * Making a stopped tracee put a Landlock layer on itself.
 *
 * landlock_restrict_self(2) only ever acts on the calling thread, and a
 * rule names a file by a descriptor of the caller's, so the program has
 * to make every call itself: at a syscall stop, the thread runs
 *   [prctl(PR_SET_NO_NEW_PRIVS)]    unless it is set already
 *   openat(probe, O_RDONLY)         a file or directory the layer must deny, still readable
 *   landlock_create_ruleset(attr)
 *   per path: openat(O_PATH) + landlock_add_rule(PATH_BENEATH) + close
 *   per port: landlock_add_rule(NET_PORT)
 *   landlock_restrict_self + close
 *   openat(probe, O_RDONLY)         now EACCES: the layer took
 * and is put back exactly: registers, signal mask, the stack bytes used.
 * Paths resolve in the thread's own view (mount namespace, root), which
 * is what a container's program sees.
 *
 * The mechanisms are tracer/inject.c's: the structures go below the red
 * zone (the x86-64 ABI lets leaf code use 128 bytes under %rsp), every
 * blockable signal is blocked while our calls run (so none is delivered
 * on borrowed registers), and a call after the first re-executes the
 * thread's own `syscall` instruction (rip - 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/ptrace.h>

#include "inject.h"
#include "mem.h"
#include "sysphase/tracer.h"

/* Older libc headers lack these (Landlock is 5.13+, net rules 6.7+): the kernel's numbers. */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif
/* enum landlock_rule_type (uapi/linux/landlock.h); Debian 12's header lacks the net one. */
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT     2

#define RED_ZONE        128
/* How long one injected call may take: a program's own filter may park it (USER_NOTIF). */
#define CALL_TIMEOUT_MS 5000

/*
 * The thread's memory we borrow: the ruleset attribute (struct
 * landlock_ruleset_attr, 24 bytes with ABI 6's scoped), one rule
 * attribute (struct landlock_path_beneath_attr is packed: 8 + 4 bytes;
 * struct landlock_net_port_attr: 8 + 8), then the strings.
 */
#define OFF_RULESET 0
#define OFF_RULE    24
#define OFF_STRINGS 48

struct borrowed {
	pid_t tid;
	struct user_regs_struct saved;
	uint64_t saved_mask;
	bool at_entry;   /* the thread sat at an entry stop */
	bool used_entry; /* its own call was replaced by our first */
	uint64_t area;
	size_t area_len;
	unsigned char *backup;
	struct sp_landlock_outcome *out;
};

static int write_mem(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = {.iov_base = (void *)buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};

	if (process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	/* Refused (a non-dumpable tracee without CAP_SYS_PTRACE): whole words; len is a multiple.
	 */
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word;

		memcpy(&word, (const unsigned char *)buf + off, sizeof(word));
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)(addr + off), (void *)word) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Resumes the thread to its next syscall stop, within the deadline.
 * Blockable signals wait (blocked); one that cannot be blocked (SIGSTOP)
 * is held back and re-sent afterwards.  -ESRCH when the thread died,
 * -ETIMEDOUT when it did not stop in time.
 */
static int step(struct borrowed *b)
{
	const struct timespec tick = {.tv_nsec = 20 * 1000};
	long waited_us = 0;
	int status;

	if (ptrace(PTRACE_SYSCALL, b->tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		pid_t got = waitpid(b->tid, &status, __WALL | WNOHANG);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0) {
			if (waited_us >= CALL_TIMEOUT_MS * 1000L)
				return -ETIMEDOUT;
			/* Most calls return at once: spin a little before sleeping. */
			if (waited_us++ > 64)
				nanosleep(&tick, NULL), waited_us += 19;
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			b->out->gone = true;
			b->out->gone_status = status;
			return -ESRCH;
		}
		if (WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if (WIFSTOPPED(status) && (status >> 16) == 0 && !b->out->pending_signal)
			b->out->pending_signal = WSTOPSIG(status);
		if (ptrace(PTRACE_SYSCALL, b->tid, 0, 0) < 0)
			return -errno;
	}
}

/*
 * One call in the thread: *ret its result.  The first, at an entry stop,
 * replaces the thread's own call (the kernel reads the number from
 * orig_rax after the stop, and seccomp judges what it reads); every other
 * rewinds over the `syscall` instruction and goes through an entry stop.
 */
static int call(struct borrowed *b, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                long *ret)
{
	struct user_regs_struct regs = b->saved;
	int rc;

	regs.orig_rax = (uint64_t)nr;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.r10 = a3;
	regs.r8 = regs.r9 = 0;
	if (!(b->at_entry && !b->used_entry)) {
		regs.rip = b->saved.rip - 2;
		regs.rax = (uint64_t)nr;
	}
	if (ptrace(PTRACE_SETREGS, b->tid, 0, &regs) < 0)
		return -errno;
	if (b->at_entry && !b->used_entry)
		b->used_entry = true;
	else if ((rc = step(b)) < 0) /* to the entry stop */
		return rc;
	rc = step(b); /* to the exit stop */
	if (rc < 0)
		return rc;
	if (ptrace(PTRACE_GETREGS, b->tid, 0, &regs) < 0)
		return -errno;
	*ret = (long)regs.rax;
	return 0;
}

/* The stop the thread is at: entry or exit of an x86-64 `syscall`.  0 or -ENOTSUP. */
static int classify_stop(struct borrowed *b)
{
	struct __ptrace_syscall_info si;
	unsigned char insn[2];

	if (ptrace(PTRACE_GET_SYSCALL_INFO, b->tid, (void *)sizeof(si), &si) <= 0)
		return -errno ? -errno : -ENOTSUP;
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
		/*
		 * An x86-64 entry came through the 2-byte `syscall` (int 0x80
		 * reports AUDIT_ARCH_I386, whose numbers differ): rip - 2 is it.
		 */
		if (si.arch != AUDIT_ARCH_X86_64 || (si.entry.nr & 0x40000000))
			return -ENOTSUP;
		b->at_entry = true;
		return 0;
	}
	if (si.op != PTRACE_SYSCALL_INFO_EXIT)
		return -ENOTSUP;
	/* At an exit the call may have rewritten its own instruction: check the bytes. */
	if (sp_mem_read(b->tid, b->saved.rip - 2, insn, sizeof(insn)) < 0 || insn[0] != 0x0f ||
	    insn[1] != 0x05)
		return -ENOTSUP;
	return 0;
}

/* Lays the strings out; *len the bytes used from OFF_STRINGS, 16-aligned in total. */
static unsigned char *image_of(const struct sp_landlock_request *req, uint64_t area,
                               uint64_t *path_at, uint64_t *probe_at, size_t *len)
{
	size_t n = OFF_STRINGS;
	unsigned char *img;

	for (size_t i = 0; i < req->layer->n_paths; i++)
		n += strlen(req->layer->paths[i].path) + 1;
	for (size_t i = 0; i < req->n_probes; i++)
		n += strlen(req->probes[i]) + 1;
	n = (n + 15) & ~(size_t)15;
	img = calloc(1, n);
	if (!img)
		return NULL;
	*len = n;
	n = OFF_STRINGS;
	for (size_t i = 0; i < req->layer->n_paths; i++) {
		path_at[i] = area + n;
		strcpy((char *)img + n, req->layer->paths[i].path);
		n += strlen(req->layer->paths[i].path) + 1;
	}
	for (size_t i = 0; i < req->n_probes; i++) {
		probe_at[i] = area + n;
		strcpy((char *)img + n, req->probes[i]);
		n += strlen(req->probes[i]) + 1;
	}
	return img;
}

/* Opens a probe for reading, and closes it again: *res the descriptor or -errno. */
static int probe(struct borrowed *b, uint64_t path, long *res)
{
	long fd, ignored;
	int rc = call(b, SYS_openat, (uint64_t)AT_FDCWD, path,
	              O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0, &fd);

	*res = fd;
	if (rc == 0 && fd >= 0)
		rc = call(b, SYS_close, (uint64_t)fd, 0, 0, 0, &ignored);
	return rc;
}

/* A rule failing on a path the thread cannot open: nothing of it could be reached anyway. */
static bool skippable(long err)
{
	return err == -ENOENT || err == -EACCES || err == -ENOTDIR || err == -ELOOP;
}

static int add_paths(struct borrowed *b, const struct sp_landlock_layer *l, long rfd,
                     const uint64_t *path_at, struct sp_diag *why)
{
	for (size_t i = 0; i < l->n_paths; i++) {
		uint64_t access = l->paths[i].access;
		unsigned char attr[16] = {0};
		long fd, r, ignored;
		int rc =
		    call(b, SYS_openat, (uint64_t)AT_FDCWD, path_at[i], O_PATH | O_CLOEXEC, 0, &fd);

		if (rc < 0)
			return sp_diag_set(why, -rc, "openat(O_PATH) of %s: %s", l->paths[i].path,
			                   strerror(-rc));
		if (fd < 0 && skippable(fd)) {
			b->out->skipped++;
			continue;
		}
		if (fd < 0)
			return sp_diag_set(why, EPERM, "the thread cannot open %s (O_PATH): %s",
			                   l->paths[i].path, strerror((int)-fd));
		for (int attempt = 0; attempt < 2; attempt++) {
			int32_t fd32 = (int32_t)fd;

			memcpy(attr, &access, 8);
			memcpy(attr + 8, &fd32, 4);
			rc = write_mem(b->tid, b->area + OFF_RULE, attr, sizeof(attr));
			if (rc == 0)
				rc = call(b, SYS_landlock_add_rule, (uint64_t)rfd,
				          LL_RULE_PATH_BENEATH, b->area + OFF_RULE, 0, &r);
			if (rc < 0 || r != -EINVAL || !(access & ~SP_LL_FS_FILE) ||
			    !(access & SP_LL_FS_FILE))
				break;
			/* A directory right on what is now a file: the file's rights alone. */
			access &= SP_LL_FS_FILE;
		}
		if (rc == 0)
			rc = call(b, SYS_close, (uint64_t)fd, 0, 0, 0, &ignored);
		if (rc < 0)
			return sp_diag_set(why, -rc, "a rule on %s: %s", l->paths[i].path,
			                   strerror(-rc));
		if (r < 0)
			return sp_diag_set(why, EPERM, "landlock_add_rule on %s: %s",
			                   l->paths[i].path, strerror((int)-r));
	}
	return 0;
}

static int add_ports(struct borrowed *b, const struct sp_landlock_layer *l, long rfd,
                     struct sp_diag *why)
{
	for (size_t i = 0; i < l->n_ports; i++) {
		uint64_t attr[2] = {l->ports[i].access, l->ports[i].port};
		long r;
		int rc = write_mem(b->tid, b->area + OFF_RULE, attr, sizeof(attr));

		if (rc == 0)
			rc = call(b, SYS_landlock_add_rule, (uint64_t)rfd, LL_RULE_NET_PORT,
			          b->area + OFF_RULE, 0, &r);
		if (rc < 0)
			return sp_diag_set(why, -rc, "a rule on port %llu: %s",
			                   (unsigned long long)l->ports[i].port, strerror(-rc));
		if (r < 0)
			return sp_diag_set(why, EPERM, "landlock_add_rule on port %llu: %s",
			                   (unsigned long long)l->ports[i].port, strerror((int)-r));
	}
	return 0;
}

/* The calls themselves, once the memory is in place.  0, or -errno with why. */
static int run_calls(struct borrowed *b, const struct sp_landlock_request *req,
                     const uint64_t *path_at, const uint64_t *probe_at, struct sp_diag *why)
{
	const struct sp_landlock_layer *l = req->layer;
	/* The smallest struct landlock_ruleset_attr that carries what is set (older ABIs). */
	size_t attr_size = l->scoped ? 24 : l->handled_net ? 16 : 8;
	long r, rfd = -1, ignored;
	int chosen = -1, rc = 0;

	if (req->set_no_new_privs) {
		rc = call(b, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, &r);
		if (rc == 0 && r != 0)
			return sp_diag_set(why, EPERM, "prctl(PR_SET_NO_NEW_PRIVS) failed: %s",
			                   strerror((int)-r));
	}
	for (size_t i = 0; rc == 0 && chosen < 0 && i < req->n_probes; i++)
		if ((rc = probe(b, probe_at[i], &r)) == 0 && r >= 0)
			chosen = (int)i;
	if (rc == 0)
		rc = call(b, SYS_landlock_create_ruleset, b->area + OFF_RULESET, attr_size, 0, 0,
		          &rfd);
	if (rc < 0)
		return sp_diag_set(why, -rc, "an injected call failed: %s", strerror(-rc));
	if (rfd < 0)
		return sp_diag_set(why, EPERM, "landlock_create_ruleset: %s", strerror((int)-rfd));
	rc = add_paths(b, l, rfd, path_at, why);
	if (rc == 0)
		rc = add_ports(b, l, rfd, why);
	if (rc == 0 &&
	    (rc = call(b, SYS_landlock_restrict_self, (uint64_t)rfd, req->restrict_flags, 0, 0,
	               &r)) == 0 &&
	    r < 0)
		rc = sp_diag_set(why, r == -E2BIG ? E2BIG : EPERM, "landlock_restrict_self: %s%s",
		                 strerror((int)-r),
		                 r == -E2BIG ? " (the thread holds 16 Landlock layers already)"
		                             : "");
	else if (rc < 0 && !why->msg[0])
		sp_diag_set(why, -rc, "an injected call failed: %s", strerror(-rc));
	/* The ruleset's descriptor goes whatever happened; on error this is best effort. */
	if (!b->out->gone && call(b, SYS_close, (uint64_t)rfd, 0, 0, 0, &ignored) < 0 && rc == 0)
		rc = sp_diag_set(why, EIO, "cannot close the ruleset descriptor");
	if (rc < 0 || chosen < 0)
		return rc;
	/* The verification: what was readable a moment ago must now be refused. */
	rc = probe(b, probe_at[chosen], &r);
	if (rc < 0)
		return sp_diag_set(why, -rc, "the probe failed: %s", strerror(-rc));
	if (r != -EACCES)
		return sp_diag_set(
		    why, EPERM, "the layer did not take: opening %s gave %s, not EACCES",
		    req->probes[chosen], r >= 0 ? "a descriptor" : strerror((int)-r));
	b->out->probe = req->probes[chosen];
	return 0;
}

/* Back to the stop the thread was found at, with its registers. */
static int put_back(struct borrowed *b)
{
	struct user_regs_struct regs = b->saved;
	int rc;

	if (b->used_entry) {
		/*
		 * Its own call was replaced: make it again, up to the entry stop,
		 * where it sits as it was found (seccomp runs after that stop, so
		 * nothing of the call has happened yet).
		 */
		regs.rip = b->saved.rip - 2;
		regs.rax = b->saved.orig_rax;
		if (ptrace(PTRACE_SETREGS, b->tid, 0, &regs) < 0)
			return -errno;
		rc = step(b);
		if (rc < 0)
			return rc;
	}
	return ptrace(PTRACE_SETREGS, b->tid, 0, &b->saved) < 0 ? -errno : 0;
}

int sp_inject_landlock(pid_t tid, const struct sp_landlock_request *req,
                       struct sp_landlock_outcome *out, struct sp_diag *why)
{
	struct borrowed b = {.tid = tid, .out = out};
	uint64_t *path_at = NULL, *probe_at = NULL, all = ~(uint64_t)0;
	unsigned char *image = NULL;
	const char *why_not;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ptrace(PTRACE_GETREGS, tid, 0, &b.saved) < 0)
		return sp_diag_set(why, errno, "cannot read thread %d's registers: %s", tid,
		                   strerror(errno));
	rc = classify_stop(&b);
	if (rc < 0)
		return sp_diag_set(why, -rc, "thread %d is not at an x86-64 syscall stop", tid);
	path_at = calloc(req->layer->n_paths + 1, sizeof(*path_at));
	probe_at = calloc(req->n_probes + 1, sizeof(*probe_at));
	if (!path_at || !probe_at) {
		rc = sp_diag_set(why, ENOMEM, "out of memory");
		goto out;
	}
	/* Sized first, placed below the red zone, 16-aligned; whole words for POKEDATA. */
	image = image_of(req, 0, path_at, probe_at, &b.area_len);
	free(image);
	b.area = (b.saved.rsp - RED_ZONE - b.area_len) & ~(uint64_t)15;
	image = image_of(req, b.area, path_at, probe_at, &b.area_len);
	b.backup = malloc(b.area_len);
	if (!image || !b.backup) {
		rc = sp_diag_set(why, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(image + OFF_RULESET, &req->layer->handled_fs, 8);
	memcpy(image + OFF_RULESET + 8, &req->layer->handled_net, 8);
	memcpy(image + OFF_RULESET + 16, &req->layer->scoped, 8);
	/* A path rewritten there would be the one the layer grants. */
	rc = sp_inject_area_fit(tid, b.area, b.area_len, &why_not);
	if (rc < 0) {
		rc = sp_diag_set(why, -rc, "the Landlock layer cannot be injected: %s", why_not);
		goto out;
	}
	rc = sp_mem_read(tid, b.area, b.backup, b.area_len);
	if (rc == 0)
		rc = write_mem(tid, b.area, image, b.area_len);
	if (rc < 0) {
		rc = sp_diag_set(why, -rc, "cannot use thread %d's stack: %s", tid, strerror(-rc));
		goto out;
	}
	/* Signals pending when it leaves the stop would otherwise be delivered on our registers. */
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(b.saved_mask), &b.saved_mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(all), &all) < 0) {
		rc = sp_diag_set(why, errno, "cannot block thread %d's signals: %s", tid,
		                 strerror(errno));
		goto restore_memory;
	}
	rc = run_calls(&b, req, path_at, probe_at, why);
	if (out->gone) {
		rc = sp_diag_set(why, ESRCH, "thread %d died during the injection%s", tid,
		                 WIFSIGNALED(out->gone_status) &&
		                         WTERMSIG(out->gone_status) == SIGSYS
		                     ? " (killed by SIGSYS: a filter denies a Landlock call)"
		                     : "");
		goto out;
	}
	{
		int prc = put_back(&b);

		if (prc < 0 && rc == 0)
			rc = sp_diag_set(why, -prc, "cannot restore thread %d: %s", tid,
			                 strerror(-prc));
	}
	if (!out->gone &&
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(b.saved_mask), &b.saved_mask) < 0 &&
	    rc == 0)
		rc = sp_diag_set(why, errno, "cannot restore thread %d's signal mask", tid);
restore_memory:
	if (!out->gone) {
		int wrc = write_mem(tid, b.area, b.backup, b.area_len);

		if (wrc < 0 && rc == 0)
			rc = sp_diag_set(why, -wrc, "cannot restore thread %d's stack", tid);
	}
	if (!out->gone && out->pending_signal)
		syscall(SYS_tkill, tid, out->pending_signal);
out:
	free(path_at);
	free(probe_at);
	free(image);
	free(b.backup);
	return rc;
}

int sp_inject_no_new_privs(pid_t tid, struct sp_landlock_outcome *out, struct sp_diag *why)
{
	struct borrowed b = {.tid = tid, .out = out};
	uint64_t all = ~(uint64_t)0;
	long r = 0;
	int rc, prc;

	memset(out, 0, sizeof(*out));
	if (ptrace(PTRACE_GETREGS, tid, 0, &b.saved) < 0)
		return sp_diag_set(why, errno, "cannot read thread %d's registers: %s", tid,
		                   strerror(errno));
	rc = classify_stop(&b);
	if (rc < 0 || !b.at_entry)
		return sp_diag_set(why, ENOTSUP, "thread %d is not at an x86-64 syscall-entry stop",
		                   tid);
	/* No memory is borrowed: the call's arguments are all in registers. */
	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(b.saved_mask), &b.saved_mask) < 0 ||
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(all), &all) < 0)
		return sp_diag_set(why, errno, "cannot block thread %d's signals: %s", tid,
		                   strerror(errno));
	rc = call(&b, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, &r);
	if (out->gone)
		return sp_diag_set(why, ESRCH, "thread %d died during the injected prctl()", tid);
	if (rc < 0)
		sp_diag_set(why, -rc, "the injected prctl(PR_SET_NO_NEW_PRIVS) failed: %s",
		            strerror(-rc));
	else if (r != 0)
		rc = sp_diag_set(why, EPERM, "prctl(PR_SET_NO_NEW_PRIVS) returned %ld%s%s", r,
		                 r < 0 ? ": " : "", r < 0 ? strerror((int)-r) : "");
	prc = put_back(&b);
	if (prc < 0 && rc == 0)
		rc = sp_diag_set(why, -prc, "cannot restore thread %d: %s", tid, strerror(-prc));
	if (!out->gone &&
	    ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(b.saved_mask), &b.saved_mask) < 0 &&
	    rc == 0)
		rc = sp_diag_set(why, errno, "cannot restore thread %d's signal mask", tid);
	if (!out->gone && out->pending_signal)
		syscall(SYS_tkill, tid, out->pending_signal);
	return rc;
}
