/* SPDX-License-Identifier: MIT */
/*
 * The .eh_frame indexer (tracer/eh_index.c) on arbitrary bytes taken as
 * the ELF file a traced program mapped: it must answer with a table or
 * one of the errors its header names, read nothing outside the image
 * (ASan), and a table it gives must be what libunwind can search: rows
 * strictly sorted by start, each found by its own start, a span that
 * does not wrap, the section's bytes kept.  The seed is a 712-byte static
 * program linked -Wl,--no-eh-frame-hdr, code mapped at 0x400000 from
 * offset 0; the same image is also tried as if loaded with a bias.
 */
#include "tests/fuzz/fuzz.h"
#include "tracer/eh_index.h"

static void check(const uint8_t *data, size_t size, const struct sp_eh_mapping *m)
{
	struct sp_eh_index *ix = NULL;
	void *copy = malloc(size ? size : 1);
	int rc;

	if (!copy)
		return;
	memcpy(copy, data, size);
	rc = sp_eh_index_from_mem(copy, size, m, &ix);
	if (rc != 0 && rc != -ENOENT && rc != -ENOEXEC && rc != -ENOMEM)
		fuzz_bug("sp_eh_index_from_mem: an error the header does not name", NULL);
	if (rc != 0 && ix)
		fuzz_bug("sp_eh_index_from_mem: a table with an error", NULL);
	if (rc == 0) {
		if (!ix || ix->nrows == 0 || !ix->section || ix->section_size == 0)
			fuzz_bug("sp_eh_index_from_mem: an empty table accepted", NULL);
		if (ix->hi < ix->lo)
			fuzz_bug("sp_eh_index_from_mem: a span that wraps", NULL);
		for (size_t i = 0; i < ix->nrows; i++) {
			uint64_t at = ix->eh_frame + (uint64_t)(int64_t)ix->rows[i].start;

			if (i && ix->rows[i - 1].start >= ix->rows[i].start)
				fuzz_bug("sp_eh_index_from_mem: rows out of order", NULL);
			if (ix->rows[i].fde < 0 || (size_t)ix->rows[i].fde >= ix->section_size)
				fuzz_bug("sp_eh_index_from_mem: an FDE outside the section", NULL);
			if (sp_eh_index_find(ix, at) != &ix->rows[i])
				fuzz_bug("sp_eh_index_find: a row not found by its start", NULL);
		}
	}
	sp_eh_index_free(ix);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sp_eh_mapping as_linked = {0x400000, 0};
	static const struct sp_eh_mapping moved = {0x7f5a5a400000, 0};

	check(data, size, &as_linked);
	check(data, size, &moved);
	return 0;
}
