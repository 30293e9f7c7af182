/* SPDX-License-Identifier: MIT */
/*
 * Call-site modules: which mapped file (ld.so, libc, the program...) an
 * instruction pointer lies in, from /proc/PID/maps.  The maps of each
 * process are cached and re-read only when an address misses the cache
 * (a new dlopen) or after exec.
 */
#ifndef SYSPHASE_TRACER_MAPS_H
#define SYSPHASE_TRACER_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sp_maps;

/* A new, empty cache; NULL on ENOMEM.  Freed with sp_maps_free(). */
struct sp_maps *sp_maps_new(void);
void sp_maps_free(struct sp_maps *maps);

/*
 * The basename of the file mapped at ip in process pid ("libc.so.6",
 * "ld-linux-x86-64.so.2", "nginx"), "[vdso]"-style names for special
 * mappings, or NULL when nothing is mapped there.  Interned in maps:
 * valid until sp_maps_free().
 */
const char *sp_maps_module(struct sp_maps *maps, pid_t pid, uint64_t ip);

/* The file and offset of ip, for stack frames of stripped binaries; 0 or -errno. */
int sp_maps_locate(struct sp_maps *maps, pid_t pid, uint64_t ip, const char **module,
                   uint64_t *offset);

/* One mapping, as /proc/PID/maps lists it. */
struct sp_maps_range {
	uint64_t start, end; /* [start, end) */
	uint64_t offset;     /* file offset of start; 0 for special mappings */
	const char *module;  /* as sp_maps_module names it */
	uint32_t major, minor;
	uint64_t inode; /* the file's device and inode; all 0 for special and anonymous mappings */
};

/* The mapping holding ip in pid: 0, -ENOENT when none does, -errno. */
int sp_maps_range(struct sp_maps *maps, pid_t pid, uint64_t ip, struct sp_maps_range *out);

/*
 * Takes text, what /proc/PID/maps says, as pid's maps (replacing any
 * cached): 0, -EINVAL for a line the kernel would not write, -ESRCH for
 * no mapping at all, -ENOMEM.  The reading is apart (sp_proc_read), so
 * that the parser can be fuzzed (tests/fuzz/fuzz_procfs.c).
 */
int sp_maps_parse(struct sp_maps *maps, pid_t pid, const char *text, size_t len);

/* Forget pid's maps (it exec'd or exited). */
void sp_maps_forget(struct sp_maps *maps, pid_t pid);

#endif /* SYSPHASE_TRACER_MAPS_H */
