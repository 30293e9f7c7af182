/* SPDX-License-Identifier: MIT */
/*
 * Unwind tables for modules without .eh_frame_hdr.
 *
 * libunwind-ptrace finds a procedure's unwind information only through a
 * module's PT_GNU_EH_FRAME; without it (a static binary linked without
 * --eh-frame-hdr: Debian's busybox) every stack ended at the syscall's
 * own frame.  Here, when libunwind-ptrace has nothing for an address, the
 * module mapped there is opened once and its .eh_frame indexed
 * (eh_index.c); later look-ups in that module go to the table straight
 * away, without libunwind-ptrace, which would map the file again each
 * time only to find no header.  The FDE search and the CFI themselves are
 * libunwind's (dwarf_search_unwind_table, given the table as
 * .eh_frame_hdr's would be).  libunwind reads the FDEs at the address the
 * process has .eh_frame mapped at; those reads are answered from the
 * file's copy of the section, kept with the table: the words of a
 * module's unwind information then cost no read of the tracee, and are
 * not logged as evidence a cached call path must check again at each
 * stop (an honest program does not rewrite its unwind information; a
 * hostile one controls its stack anyway).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libunwind-ptrace.h>

#include "eh_index.h"
#include "stack_eh.h"

/*
 * libunwind's FDE search over a sorted table (libunwind's own, exported
 * but declared only in its internal headers): for a remote address space
 * it reads the table, rows of two 32-bit offsets from segbase, through
 * the accessors' access_mem.
 */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

/*
 * Table t lives at EH_WINDOW + t * 4 GiB: the kernel's half of the address
 * space, which no tracee can map, so a read there can only be libunwind
 * reading a table (or a hostile CFI expression pointing there, which
 * then reads a table: harmless).
 */
#define EH_WINDOW      0xffff800000000000ULL
#define EH_SLOT_SHIFT  32
/* Bounds against a process mapping file after file: modules met, tables built. */
#define EH_MAX_MODULES 4096
#define EH_MAX_TABLES  1024

_Static_assert(sizeof(struct sp_eh_row) == sizeof(unw_word_t),
               "libunwind counts a table's length in words: one row, one word");

struct eh_module {
	uint64_t start, end;    /* the mapping of code met: [start, end) */
	struct sp_eh_index *ix; /* NULL: libunwind-ptrace's to answer */
	unsigned int slot;      /* where ix lives in the window */
};

struct sp_stack_eh {
	struct eh_module *mods; /* sorted by start */
	size_t nmods, capmods;
	struct sp_eh_index **tables; /* by slot; owned */
	unsigned int ntables, captables;
};

struct sp_stack_eh *sp_stack_eh_new(void)
{
	return calloc(1, sizeof(struct sp_stack_eh));
}

void sp_stack_eh_free(struct sp_stack_eh *eh)
{
	if (!eh)
		return;
	for (unsigned int i = 0; i < eh->ntables; i++)
		sp_eh_index_free(eh->tables[i]);
	free(eh->tables);
	free(eh->mods);
	free(eh);
}

/* Where ip's module is or would go in eh->mods (the last one starting at or before ip, plus one).
 */
static size_t _module_index(const struct sp_stack_eh *eh, uint64_t ip)
{
	size_t lo = 0, hi = eh->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (eh->mods[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct eh_module *_module(struct sp_stack_eh *eh, uint64_t ip)
{
	size_t i = _module_index(eh, ip);

	if (i && ip < eh->mods[i - 1].end)
		return &eh->mods[i - 1];
	return NULL;
}

/*
 * The file mapped as r, opened for reading; -errno.  /proc/PID/map_files
 * gives the very file mapped, but needs CAP_SYS_ADMIN (proc(5)); with
 * ptrace rights alone, /proc/PID/exe is taken when it is the file mapped
 * there (same device and inode), which covers a static binary.  Only a
 * regular file is read: a device the process mapped could block a read.
 */
static int _open_module(pid_t pid, const struct sp_maps_range *r)
{
	char path[96];
	struct stat st;
	bool checked = true;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, r->start,
	         r->end);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		checked = false;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (!checked && (st.st_ino != r->inode || major(st.st_dev) != r->major ||
	                  minor(st.st_dev) != r->minor))) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* The table of the file mapped as r, NULL when there is none to have (or it cannot be read). */
static struct sp_eh_index *_index(pid_t pid, const struct sp_maps_range *r)
{
	struct sp_eh_mapping m = {.start = r->start, .offset = r->offset};
	struct sp_eh_index *ix = NULL;
	int fd;

	if (r->inode == 0 || !r->module || r->module[0] == '[')
		return NULL; /* anonymous or special (vdso: it has its header) */
	fd = _open_module(pid, r);
	if (fd < 0)
		return NULL;
	if (sp_eh_index_from_fd(fd, &m, &ix) < 0)
		ix = NULL;
	close(fd);
	return ix;
}

/* Room for one more table: 0 or -ENOMEM. */
static int _tables_room(struct sp_stack_eh *eh)
{
	struct sp_eh_index **t;
	unsigned int cap;

	if (eh->ntables < eh->captables)
		return 0;
	cap = eh->captables ? eh->captables * 2 : 4;
	t = reallocarray(eh->tables, cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	eh->tables = t;
	eh->captables = cap;
	return 0;
}

/* Meets the module mapped at ip: its entry, with its table when it needs and has one; NULL when
 * none. */
static struct eh_module *_module_add(struct sp_stack_eh *eh, struct sp_maps *maps, pid_t pid,
                                     uint64_t ip)
{
	struct sp_maps_range r;
	struct eh_module *m;
	size_t i;

	if (eh->nmods == EH_MAX_MODULES || sp_maps_range(maps, pid, ip, &r) < 0)
		return NULL;
	if (eh->nmods == eh->capmods) {
		size_t cap = eh->capmods ? eh->capmods * 2 : 16;

		m = reallocarray(eh->mods, cap, sizeof(*m));
		if (!m)
			return NULL;
		eh->mods = m;
		eh->capmods = cap;
	}
	i = _module_index(eh, ip);
	memmove(&eh->mods[i + 1], &eh->mods[i], (eh->nmods - i) * sizeof(*eh->mods));
	m = &eh->mods[i];
	*m = (struct eh_module){.start = r.start, .end = r.end};
	eh->nmods++;
	if (eh->ntables == EH_MAX_TABLES || _tables_room(eh) < 0)
		return m;
	m->ix = _index(pid, &r);
	if (m->ix) {
		m->slot = eh->ntables;
		eh->tables[eh->ntables++] = m->ix;
	}
	return m;
}

/* libunwind's search through m's table, given as .eh_frame_hdr's would be. */
static int _search(const struct eh_module *m, unw_addr_space_t as, unw_word_t ip,
                   unw_proc_info_t *pi, int need_unwind_info, void *arg)
{
	const struct sp_eh_index *ix = m->ix;
	unw_dyn_info_t di;

	/* dwarf_search_unwind_table asserts that ip is in the table's range. */
	if (ip < ix->lo || ip >= ix->hi)
		return -UNW_ENOINFO;
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = ix->lo;
	di.end_ip = ix->hi;
	di.u.rti.segbase = ix->eh_frame;
	di.u.rti.table_data = EH_WINDOW + ((uint64_t)m->slot << EH_SLOT_SHIFT);
	di.u.rti.table_len = ix->nrows;
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
}

int sp_stack_eh_find_proc_info(struct sp_stack_eh *eh, struct sp_maps *maps, pid_t pid,
                               unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                               int need_unwind_info, void *arg)
{
	struct eh_module *m = _module(eh, ip);
	int rc;

	if (m && m->ix)
		return _search(m, as, ip, pi, need_unwind_info, arg);
	rc = _UPT_find_proc_info(as, ip, pi, need_unwind_info, arg);
	if (rc == 0 || m)
		return rc;
	m = _module_add(eh, maps, pid, ip);
	if (m && m->ix)
		return _search(m, as, ip, pi, need_unwind_info, arg);
	return rc;
}

/* The word at addr when it lies in an indexed module's .eh_frame; false when not. */
static bool _section_word(const struct sp_stack_eh *eh, unw_word_t addr, unw_word_t *val)
{
	for (unsigned int i = 0; i < eh->ntables; i++) {
		const struct sp_eh_index *ix = eh->tables[i];

		if (addr >= ix->eh_frame && addr - ix->eh_frame <= ix->section_size &&
		    ix->section_size - (addr - ix->eh_frame) >= sizeof(*val)) {
			memcpy(val, ix->section + (addr - ix->eh_frame), sizeof(*val));
			return true;
		}
	}
	return false;
}

int sp_stack_eh_word(const struct sp_stack_eh *eh, unw_word_t addr, unw_word_t *val)
{
	const struct sp_eh_index *ix;
	uint64_t slot, off, size;

	if (addr < EH_WINDOW)
		return eh && _section_word(eh, addr, val) ? 0 : -ENOENT;
	slot = (addr - EH_WINDOW) >> EH_SLOT_SHIFT;
	off = (addr - EH_WINDOW) & ((1ULL << EH_SLOT_SHIFT) - 1);
	if (!eh || slot >= eh->ntables)
		return -EFAULT;
	ix = eh->tables[slot];
	size = ix->nrows * sizeof(*ix->rows);
	if (off >= size)
		return -EFAULT;
	*val = 0;
	memcpy(val, (const unsigned char *)ix->rows + off,
	       size - off < sizeof(*val) ? size - off : sizeof(*val));
	return 0;
}

unsigned long sp_stack_eh_tables(const struct sp_stack_eh *eh)
{
	return eh ? eh->ntables : 0;
}
