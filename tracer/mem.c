/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing a tracee's memory.  /proc/TID/mem first: one
 * pread moves a whole string or struct, and it never sleeps on a page a
 * userfaultfd holds (open_mem says why: process_vm_readv would).
 * PTRACE_PEEKDATA/POKEDATA second, a word per call, where /proc is not
 * there to use.  Neither works on a non-dumpable tracee for a tracer
 * without CAP_SYS_PTRACE: the caller gets -EPERM/-EACCES/-EFAULT and must
 * fail closed where the read matters (a hand-over), never take it for
 * "nothing there".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "mem.h"
#include "mem_internal.h"

/*
 * ptrace reports a bad address as EIO (ptrace(2)); callers want to tell a
 * bad address from a vanished tracee, so both APIs say EFAULT for it.
 */
static int peek_errno(int err)
{
	return err == EIO ? EFAULT : err;
}

/* One aligned word: aligned words never straddle a page, so a word
 * holding the last bytes of a mapping is readable on its own. */
static int peek_word(pid_t tid, uint64_t aligned, unsigned char word[sizeof(long)])
{
	long w;

	errno = 0;
	w = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)aligned, NULL);
	if (w == -1 && errno != 0)
		return -peek_errno(errno);
	memcpy(word, &w, sizeof(w));
	return 0;
}

int sp_mem_peek_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	unsigned char *out = buf;
	unsigned char word[sizeof(long)];
	size_t done = 0;

	while (done < len) {
		uint64_t at = addr + done;
		size_t off = at % sizeof(long);
		size_t take = sizeof(long) - off;
		int rc = peek_word(tid, at - off, word);

		if (rc < 0)
			return rc;
		if (take > len - done)
			take = len - done;
		memcpy(out + done, word + off, take);
		done += take;
	}
	return 0;
}

long sp_mem_peek_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated)
{
	unsigned char word[sizeof(long)];
	size_t got = 0;

	/* cap + 1 bytes are looked at: a NUL right at index cap means "not truncated". */
	while (got <= cap) {
		uint64_t at = addr + got;
		size_t off = at % sizeof(long);
		int rc = peek_word(tid, at - off, word);

		if (rc < 0) {
			if (got == 0)
				return rc;
			/* Unterminated up to an unreadable word: what came is all there is. */
			buf[got] = '\0';
			*truncated = true;
			return (long)got;
		}
		for (; off < sizeof(long) && got <= cap; off++, got++) {
			if (word[off] == '\0') {
				buf[got] = '\0';
				*truncated = false;
				return (long)got;
			}
			if (got < cap)
				buf[got] = (char)word[off];
		}
	}
	buf[cap] = '\0';
	*truncated = true;
	return (long)cap;
}

/*
 * Opens /proc/TID/mem.  Reads and writes through it go through
 * access_remote_vm(), which faults pages in without FAULT_FLAG_ALLOW_RETRY:
 * a page registered with a userfaultfd nobody serves makes the access fail
 * (handle_userfault answers VM_FAULT_SIGBUS) instead of sleeping until
 * someone fills it, as process_vm_readv() does, in a sleep only SIGKILL
 * ends.  It reads PROT_NONE pages too (FOLL_FORCE), as ptrace does.
 */
static int open_mem(pid_t tid, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", tid);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* pread/pwrite at a tracee address: addresses above 2^63 are negative offsets. */
static ssize_t mem_io(int fd, void *buf, size_t len, uint64_t addr, bool write)
{
	ssize_t n;

	if (addr > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - addr)
		return -EFAULT; /* the kernel's half: nothing of the program's there */
	do
		n = write ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EIO ? -EFAULT : -errno;
	return n;
}

/*
 * Up to len bytes at addr into buf, stopping at the first page that cannot
 * be read.  How many came, or -errno when /proc/TID/mem cannot be used.
 */
static ssize_t read_some(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	int fd = open_mem(tid, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = mem_io(fd, buf, len, addr, false);
	close(fd);
	/* The mm is gone (the task exited or exec'd after the open): nothing to read. */
	if (n == 0 && len > 0)
		return -ESRCH;
	return n;
}

int sp_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;
	int rc;

	if (len == 0)
		return 0;
	n = read_some(tid, addr, buf, len);
	if (n == (ssize_t)len)
		return 0;
	if (n == -ESRCH)
		return -ESRCH;
	if (n >= 0 || n == -EFAULT)
		return -EFAULT; /* /proc/TID/mem reads all ptrace could: a hole */
	/* /proc refused (not mounted, or hidepid): ptrace, a word at a time. */
	rc = sp_mem_peek_read(tid, addr, buf, len);
	return rc == -ESRCH ? (int)n : rc;
}

int sp_mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int fd = open_mem(tid, O_WRONLY);
	ssize_t n;

	if (fd >= 0) {
		n = mem_io(fd, (void *)buf, len, addr, true);
		close(fd);
		if (n == (ssize_t)len)
			return 0;
		return n < 0 ? (int)n : -EFAULT;
	}
	if (fd == -ESRCH)
		return -ESRCH;
	/* /proc refused: ptrace, a word at a time (len is a multiple of a word). */
	if (len % sizeof(long))
		return -EINVAL;
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word;

		memcpy(&word, p + off, sizeof(word));
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)(addr + off), (void *)word) < 0)
			return errno == EIO ? -EFAULT : -errno;
	}
	return 0;
}

/* The rest of a string /proc/TID/mem could not reach, through ptrace. */
static long finish_with_peek(pid_t tid, uint64_t addr, char *buf, size_t cap, int err,
                             bool *truncated)
{
	long r = sp_mem_peek_str(tid, addr, buf, cap, truncated);

	return r == -ESRCH ? -err : r;
}

long sp_mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = cap + 1; /* the byte at index cap tells "exactly cap" from "longer" */
	size_t done = 0;
	int fd = open_mem(tid, O_RDONLY);

	*truncated = false;
	if (fd == -ESRCH)
		return -ESRCH;
	if (fd < 0)
		return finish_with_peek(tid, addr, buf, cap, -fd, truncated);
	/* A page at a time: a string that ends just before a hole is still read whole. */
	while (done < want) {
		uint64_t at = addr + done;
		size_t chunk = page - (size_t)(at & (page - 1));
		ssize_t n;
		char *nul;

		if (chunk > want - done)
			chunk = want - done;
		n = mem_io(fd, buf + done, chunk, at, false);
		if (n == 0)
			n = done == 0 ? -ESRCH : -EFAULT; /* the mm went away */
		if (n < 0) {
			close(fd);
			if (done == 0)
				return n;
			/* Readable bytes without a NUL, then nothing: unterminated, so truncated.
			 */
			buf[done] = '\0';
			*truncated = true;
			return (long)done;
		}
		nul = memchr(buf + done, '\0', (size_t)n);
		if (nul) {
			close(fd);
			return nul - buf;
		}
		done += (size_t)n;
	}
	close(fd);
	buf[cap] = '\0';
	*truncated = true;
	return (long)cap;
}

int sp_mem_handle_read(struct sp_mem_handle *h, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = -ESRCH;

	if (len == 0)
		return 0;
	for (int attempt = 0; attempt < 2 && n == -ESRCH; attempt++) {
		if (h->fd < 0 || h->tid != tid || attempt > 0) {
			sp_mem_handle_close(h);
			h->fd = open_mem(tid, O_RDONLY);
			if (h->fd < 0) {
				n = h->fd;
				h->fd = -1;
				break;
			}
			h->tid = tid;
		}
		n = mem_io(h->fd, buf, len, addr, false);
		/* 0: the memory the file was opened on is gone (exit, exec); a fresh open tells. */
		if (n == 0)
			n = -ESRCH;
	}
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? (int)n : -EFAULT;
}

void sp_mem_handle_close(struct sp_mem_handle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->tid = 0;
}
