/* SPDX-License-Identifier: MIT */
/*
 * A search table for a module whose .eh_frame has no .eh_frame_hdr (no
 * PT_GNU_EH_FRAME): static binaries linked without --eh-frame-hdr, such
 * as Debian's busybox.  libunwind finds a procedure's FDE only through
 * that header's sorted table; this builds the same table from .eh_frame
 * itself, once per module, from the file's bytes (libelf and libdw's
 * dwarf_next_cfi), which the traced program controls: every read is
 * bounded and bad input is an error, never a crash.
 */
#ifndef SYSPHASE_TRACER_EH_INDEX_H
#define SYSPHASE_TRACER_EH_INDEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * One row, laid out as .eh_frame_hdr's table is (and as libunwind's
 * dwarf_search_unwind_table reads it): where a procedure starts and where
 * its FDE is, both relative to the start of .eh_frame.  Rows are sorted
 * by start, one per start.
 */
struct sp_eh_row {
	int32_t start;
	int32_t fde;
};

struct sp_eh_index {
	struct sp_eh_row *rows;
	size_t nrows;
	uint64_t eh_frame; /* where .eh_frame is in the process (bias applied) */
	uint64_t lo, hi;   /* the procedures' span in the process: [lo, hi) */
	/*
	 * The section's bytes as the file has them, which is what the
	 * process has mapped there: its FDEs can be read from here rather
	 * than from the process.  (Nothing relocates them: a position-
	 * independent module's FDEs are taken only when pc-relative.)
	 */
	unsigned char *section;
	size_t section_size;
};

/* Where a module's code is mapped: the mapping's address and file offset. */
struct sp_eh_mapping {
	uint64_t start;
	uint64_t offset;
};

/*
 * The table of the ELF image in fd for code mapped as m: 0 and a new
 * *out, -ENOENT when libunwind needs none (the module has
 * PT_GNU_EH_FRAME, or no .eh_frame it could read in the process: none,
 * not loaded, or not one FDE), -ENOEXEC for an image that is not one
 * (truncated, not x86-64 ELF, m not in a loadable segment), -ENOMEM.
 * The file is read, never mapped: a file truncated under us is an error,
 * not a SIGBUS.
 */
int sp_eh_index_from_fd(int fd, const struct sp_eh_mapping *m, struct sp_eh_index **out);

/* The same for an image in memory (len bytes at buf, borrowed). */
int sp_eh_index_from_mem(const void *buf, size_t len, const struct sp_eh_mapping *m,
                         struct sp_eh_index **out);

void sp_eh_index_free(struct sp_eh_index *ix);

/*
 * The row for ip: the last procedure starting at or before it (which
 * need not cover it: the FDE says how far it reaches).  NULL when ip is
 * before the first.
 */
const struct sp_eh_row *sp_eh_index_find(const struct sp_eh_index *ix, uint64_t ip);

#endif /* SYSPHASE_TRACER_EH_INDEX_H */
