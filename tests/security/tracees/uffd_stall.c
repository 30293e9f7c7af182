/* SPDX-License-Identifier: MIT */
/*
 * Stall of issue 17: a syscall argument on a page registered with a
 * userfaultfd that nobody serves.  The supervisor's read of the path
 * (process_vm_readv) slept in the kernel until the page was filled, which
 * never happens: SIGINT and SIGTERM did nothing, and every traced process
 * stalled.  Reads through /proc/PID/mem fail on such a page instead.  The
 * program then stalls in its own openat(), which is its business: a
 * SIGTERM to sysphase reaches the program and ends the run.
 * In init: a userfaultfd (the recording has it too), a page registered
 * for missing faults.  In ready (followed call by call): openat() of
 * /dev/null, or (--attack) of the registered page.  Needs a userfaultfd that handles kernel
 * faults: root, or vm.unprivileged_userfaultfd.
 */
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "attack.h"

int main(int argc, char **argv)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	long uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const char *path;
	int fd;

	if (uffd < 0) {
		say("uffd: no userfaultfd: %s\n", strerrorname_np(errno));
		return 77;
	}
	if (page == MAP_FAILED || ioctl((int)uffd, UFFDIO_API, &api) != 0)
		return 2;
	reg.range.start = (unsigned long)page;
	reg.range.len = 4096;
	if (ioctl((int)uffd, UFFDIO_REGISTER, &reg) != 0)
		return 2;
	enter_ready();
	/* In ready, where the thread is still followed call by call: its calls are decoded. */
	path = attacking(argc, argv) ? page : "/dev/null";
	say("uffd: pid %d opens its path\n", getpid());
	fd = openat(AT_FDCWD, path, O_RDONLY);
	say("uffd: openat returned %d\n", fd);
	enter_serving();
	return 0;
}
