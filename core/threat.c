/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "sysphase/core.h"

struct rated {
	const char *name;
	int level;
};

/*
 * Figure 1 as in analysis/data/threat-model.json (test_threat checks that
 * the two agree).  Names are the JSON's: some (_newselect, putmsg,
 * sgetmask, umount) do not exist on x86-64 and simply never match.
 */
static const struct rated classic[] = {
    {"chmod", 1},
    {"fchmod", 1},
    {"chown", 1},
    {"fchown", 1},
    {"lchown", 1},
    {"execve", 1},
    {"mount", 1},
    {"rename", 1},
    {"open", 1},
    {"link", 1},
    {"umount", 2},
    {"mkdir", 2},
    {"rmdir", 2},
    {"umount2", 2},
    {"ioctl", 2},
    {"nfsservctl", 2},
    {"truncate", 2},
    {"ftruncate", 2},
    {"quotactl", 2},
    {"dup", 2},
    {"dup2", 2},
    {"flock", 2},
    {"fork", 2},
    {"kill", 2},
    {"iopl", 2},
    {"reboot", 2},
    {"ioperm", 2},
    {"clone", 2},
    {"read", 3},
    {"write", 3},
    {"close", 3},
    {"chdir", 3},
    {"lseek", 3},
    {"fcntl", 3},
    {"umask", 3},
    {"chroot", 3},
    {"select", 3},
    {"fsync", 3},
    {"fchdir", 3},
    {"_newselect", 3},
    {"readv", 3},
    {"writev", 3},
    {"poll", 3},
    {"pread64", 3},
    {"pwrite64", 3},
    {"sendfile", 3},
    {"putmsg", 3},
    {"utime", 3},
    {"getpid", 4},
    {"getppid", 4},
    {"getuid", 4},
    {"getgid", 4},
    {"geteuid", 4},
    {"getegid", 4},
    {"acct", 4},
    {"getpgrp", 4},
    {"sgetmask", 4},
    {"getrlimit", 4},
    {"getrusage", 4},
    {"getgroups", 4},
    {"getpriority", 4},
    {"sched_getscheduler", 4},
    {"sched_getparam", 4},
    {"sched_get_priority_max", 4},
    {"sched_get_priority_min", 4},
};

struct variant {
	const char *name;
	const char *classic;
};

/*
 * Calls that do the same job as a rated one through a newer interface: a
 * filter that allows the variant grants what the classic call would.
 * Only true variants are listed (symlink is not link, prlimit64 also
 * sets limits so it is not getrlimit).
 */
static const struct variant variants[] = {
    {"openat", "open"},
    {"openat2", "open"},
    {"creat", "open"},
    {"open_by_handle_at", "open"},
    {"execveat", "execve"},
    {"renameat", "rename"},
    {"renameat2", "rename"},
    {"fchmodat", "chmod"},
    {"fchmodat2", "chmod"},
    {"fchownat", "chown"},
    {"linkat", "link"},
    /* The new mount API (Linux 5.2) mounts as well as mount(2) does. */
    {"fsopen", "mount"},
    {"fsconfig", "mount"},
    {"fsmount", "mount"},
    {"move_mount", "mount"},
    {"open_tree", "mount"},
    {"mount_setattr", "mount"},
    {"mkdirat", "mkdir"},
    /* unlinkat(AT_REMOVEDIR) is rmdir. */
    {"unlinkat", "rmdir"},
    {"dup3", "dup2"},
    {"vfork", "fork"},
    {"clone3", "clone"},
    {"tkill", "kill"},
    {"tgkill", "kill"},
    {"pidfd_send_signal", "kill"},
    {"quotactl_fd", "quotactl"},
    {"preadv", "readv"},
    {"preadv2", "readv"},
    {"pwritev", "writev"},
    {"pwritev2", "writev"},
    {"close_range", "close"},
    {"pselect6", "select"},
    {"ppoll", "poll"},
    {"fdatasync", "fsync"},
    {"utimes", "utime"},
    {"utimensat", "utime"},
    {"futimesat", "utime"},
    {"getresuid", "getuid"},
    {"getresgid", "getgid"},
};

/*
 * Calls Figure 1 predates and no classic call stands for: rated here, each
 * with its reason.  Kept apart from the figure so that the figure stays
 * the thesis's (test_threat checks it against the JSON).
 */
struct addition {
	const char *name;
	int level;
	const char *reason;
};

#define IO_URING_REASON                                                                          \
	"its ring runs opens, connects, unlinks and more as operations no seccomp filter sees: " \
	"allowing it allows them all"

#define PROCESS_VM_REASON                                                                       \
	"reads or writes the memory of another process it may trace: its secrets, or its code " \
	"and data to take it over"
#define KEYS_REASON                                                                            \
	"reaches the kernel keyrings the user's other processes share (session, user): reads " \
	"their keys and plants its own"
#define KEXEC_REASON  "loads a new kernel to boot in place of the running one"
#define MODULE_REASON "loads code into the running kernel"

static const struct addition additions[] = {
    {"io_uring_setup", 1, IO_URING_REASON},
    {"io_uring_enter", 1, IO_URING_REASON},
    {"io_uring_register", 1, IO_URING_REASON},
    {"ptrace", 1,
     "controls another process (registers, memory, its system calls), the supervisor's "
     "included where it may trace it"},
    {"process_vm_readv", 1, PROCESS_VM_REASON},
    {"process_vm_writev", 1, PROCESS_VM_REASON},
    {"pidfd_getfd", 1, "takes a copy of another process's file descriptor"},
    {"bpf", 1,
     "loads programs into the kernel and reads and writes its maps: kernel attack surface, "
     "and tracing of other processes"},
    {"perf_event_open", 1,
     "observes other processes and the kernel (samples, tracepoints, kprobes): side "
     "channels and kernel attack surface"},
    {"userfaultfd", 2,
     "holds any access to a page, the kernel's included, until the program lets it go: "
     "stalls other tasks and widens kernel races"},
    {"unshare", 1,
     "new namespaces (a user namespace gives capabilities within them): a way out of what "
     "the process could reach"},
    {"setns", 1, "joins another process's namespaces"},
    {"kexec_load", 1, KEXEC_REASON},
    {"kexec_file_load", 1, KEXEC_REASON},
    {"init_module", 1, MODULE_REASON},
    {"finit_module", 1, MODULE_REASON},
    {"delete_module", 2, "unloads kernel code the system relies on"},
    {"keyctl", 1, KEYS_REASON},
    {"add_key", 1, KEYS_REASON},
    {"request_key", 1, KEYS_REASON},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const level_names[SP_THREAT_LEVELS + 1] = {
    NULL,
    "Full control of the system",
    "Denial of service",
    "Used for subverting the invoking process",
    "Harmless",
};

static const struct rated *find_classic(const char *name)
{
	for (size_t i = 0; i < N(classic); i++)
		if (strcmp(classic[i].name, name) == 0)
			return &classic[i];
	return NULL;
}

static const struct addition *find_addition(const char *name)
{
	for (size_t i = 0; name && i < N(additions); i++)
		if (strcmp(additions[i].name, name) == 0)
			return &additions[i];
	return NULL;
}

const char *sp_threat_class(const char *name)
{
	const struct rated *r;

	if (!name)
		return NULL;
	r = find_classic(name);
	if (r)
		return r->name;
	if (find_addition(name))
		return find_addition(name)->name;
	for (size_t i = 0; i < N(variants); i++)
		if (strcmp(variants[i].name, name) == 0)
			return variants[i].classic;
	return NULL;
}

int sp_threat_level(const char *name)
{
	const char *c = sp_threat_class(name);
	const struct rated *r = c ? find_classic(c) : NULL;
	const struct addition *a = find_addition(name);

	return r ? r->level : a ? a->level : 0;
}

const char *sp_threat_reason(const char *name)
{
	const struct addition *a = find_addition(name);

	return a ? a->reason : NULL;
}

const char *sp_threat_addition(size_t i, int *level)
{
	if (i >= N(additions))
		return NULL;
	*level = additions[i].level;
	return additions[i].name;
}

const char *sp_threat_level_name(int level)
{
	if (level < 1 || level > SP_THREAT_LEVELS)
		return NULL;
	return level_names[level];
}

const char *sp_threat_entry(size_t i, int *level)
{
	if (i >= N(classic))
		return NULL;
	*level = classic[i].level;
	return classic[i].name;
}

const char *sp_threat_variant(size_t i, const char **classic_name)
{
	if (i >= N(variants))
		return NULL;
	*classic_name = variants[i].classic;
	return variants[i].name;
}
