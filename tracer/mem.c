/* SPDX-License-Identifier: MIT */
/*
 * Reading a tracee's memory.  process_vm_readv first: one syscall moves a
 * whole string or struct.  PTRACE_PEEKDATA second, a word per call, for
 * what process_vm_readv cannot do: a tracee that refuses it (EPERM on a
 * non-dumpable process for a tracer lacking CAP_SYS_PTRACE, ENOSYS on a
 * kernel without CONFIG_CROSS_MEMORY_ATTACH) and pages it may not touch
 * (PROT_NONE: ptrace reads with FOLL_FORCE, process_vm_readv does not).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mem.h"
#include "mem_internal.h"

/* Remote iovecs per process_vm_readv when reading a string page by page. */
#define STR_BATCH_IOV 16

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

int sp_mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {.iov_base = buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)addr, .iov_len = len};
	ssize_t n;
	int err, rc;

	if (len == 0)
		return 0;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	/* A short count means the range ran into a page process_vm_readv cannot read. */
	err = n < 0 ? errno : EFAULT;
	if (err == ESRCH)
		return -ESRCH;
	if (n < 0)
		n = 0;
	rc = sp_mem_peek_read(tid, addr + (size_t)n, (char *)buf + n, len - (size_t)n);
	if (rc == 0)
		return 0;
	/* ESRCH from ptrace: tid is not our stopped tracee, so the first error says more. */
	return rc == -ESRCH ? -err : rc;
}

/*
 * Remote iovecs for want bytes at addr, each ending at a page boundary:
 * process_vm_readv stops at the first iovec it cannot read and returns
 * what it copied so far, so a string that ends just before an unmapped
 * page is still read whole.  Returns how many bytes the iovecs cover.
 */
static size_t split_pages(uint64_t addr, size_t want, size_t page, struct iovec *iov, int *niov)
{
	size_t total = 0;
	int k = 0;

	while (total < want && k < STR_BATCH_IOV) {
		uint64_t at = addr + total;
		size_t chunk = page - (size_t)(at & (page - 1));

		if (chunk > want - total)
			chunk = want - total;
		iov[k].iov_base = (void *)(uintptr_t)at;
		iov[k].iov_len = chunk;
		total += chunk;
		k++;
	}
	*niov = k;
	return total;
}

/* The rest of a string process_vm_readv could not reach, through ptrace. */
static long finish_with_peek(pid_t tid, uint64_t addr, char *buf, size_t cap, size_t done, int err,
                             bool *truncated)
{
	long r = sp_mem_peek_str(tid, addr + done, buf + done, cap - done, truncated);

	if (r >= 0)
		return (long)done + r;
	if (done == 0)
		return r == -ESRCH ? -err : r;
	/* Readable bytes without a NUL, then nothing: unterminated, so truncated. */
	buf[done] = '\0';
	*truncated = true;
	return (long)done;
}

long sp_mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap, bool *truncated)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = cap + 1; /* the byte at index cap tells "exactly cap" from "longer" */
	size_t done = 0;

	*truncated = false;
	while (done < want) {
		struct iovec remote[STR_BATCH_IOV];
		struct iovec local;
		int niov;
		size_t batch = split_pages(addr + done, want - done, page, remote, &niov);
		ssize_t n;
		char *nul;

		local.iov_base = buf + done;
		local.iov_len = batch;
		n = process_vm_readv(tid, &local, 1, remote, (unsigned long)niov, 0);
		if (n < 0 && errno == ESRCH)
			return -ESRCH;
		if (n < 0 && done == 0)
			return finish_with_peek(tid, addr, buf, cap, 0, errno, truncated);
		if (n < 0)
			n = 0;
		nul = memchr(buf + done, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		done += (size_t)n;
		/* Short: the next page refused; done <= cap here since n < batch. */
		if ((size_t)n < batch)
			return finish_with_peek(tid, addr, buf, cap, done, EFAULT, truncated);
	}
	buf[cap] = '\0';
	*truncated = true;
	return (long)cap;
}
