/* SPDX-License-Identifier: MIT */
/*
 * .eh_frame search tables for modules without .eh_frame_hdr.
 *
 * libdw's dwarf_next_cfi walks the section's CIEs and FDEs and checks
 * that each lies within the section; what it leaves to its caller is the
 * FDE's initial location and range, in the pointer encoding its CIE's
 * augmentation names ('R'; GCC and clang write pcrel sdata4).  Those are
 * decoded here, within the FDE's bounds.  The table holds offsets from
 * .eh_frame's start, so libunwind looks for each FDE where the process
 * has it mapped, at .eh_frame + row.fde: the section must lie in a
 * loadable segment, which is what SHF_ALLOC and the check against the
 * program headers make sure of.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include "eh_index.h"

/*
 * A bound on what one module may cost: the section is read into memory,
 * and glibc's whole .eh_frame is a few hundred KiB.
 */
#define EH_MAX_SECTION (256u << 20)
#define EH_PAGE        4096u

/* DWARF pointer encodings (the LSB's DW_EH_PE_*), the ones .eh_frame uses. */
#define PE_FORMAT 0x0f
#define PE_APPL   0x70
#define PE_ABSPTR 0x00
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL  0x10

struct cie_enc {
	Dwarf_Off off;
	uint8_t enc;
	bool ok; /* false: an augmentation this file cannot decode, its FDEs are left out */
};

/* A row while building, with the procedure's range. */
struct cand {
	uint64_t range;
	int32_t rel; /* the procedure's start - .eh_frame's address: what the row holds */
	int32_t fde;
};

struct build {
	bool pic;             /* ET_DYN: an absolute address would be relocated in the process */
	struct cie_enc *cies; /* in section order, so sorted by offset */
	size_t ncies, capcies;
	struct cand *cands;
	size_t ncands, capcands;
};

static int _grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = reallocarray(*v, ncap, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/*
 * The value at p (before end) in format fmt: its size in *len, false for a
 * format .eh_frame has no business using here (LEB128, omit, ...).
 */
static bool _read_fmt(uint8_t fmt, const uint8_t *p, const uint8_t *end, uint64_t *v, size_t *len)
{
	size_t n;

	switch (fmt) {
	case PE_UDATA2:
	case PE_SDATA2:
		n = 2;
		break;
	case PE_UDATA4:
	case PE_SDATA4:
		n = 4;
		break;
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		n = 8;
		break;
	default:
		return false;
	}
	if (p > end || (size_t)(end - p) < n)
		return false;
	if (n == 2) {
		uint16_t u;

		memcpy(&u, p, 2);
		*v = fmt == PE_SDATA2 ? (uint64_t)(int64_t)(int16_t)u : u;
	} else if (n == 4) {
		uint32_t u;

		memcpy(&u, p, 4);
		*v = fmt == PE_SDATA4 ? (uint64_t)(int64_t)(int32_t)u : u;
	} else {
		memcpy(v, p, 8);
	}
	*len = n;
	return true;
}

/*
 * The encoding a CIE gives its FDEs' addresses: absptr unless a 'z'
 * augmentation holds 'R'.  'P' (personality: an encoding byte and a
 * pointer) and 'L' (one byte) come before it in the data and are skipped.
 */
static bool _cie_fde_encoding(const Dwarf_CIE *cie, uint8_t *enc)
{
	const char *a = cie->augmentation;
	const uint8_t *p = cie->augmentation_data;
	const uint8_t *end = p ? p + cie->augmentation_data_size : NULL;

	*enc = PE_ABSPTR;
	if (!a)
		return false;
	if (a[0] != 'z')
		return a[0] == '\0'; /* no augmentation data to find 'R' in: absptr */
	for (a++; *a; a++) {
		uint64_t v;
		size_t len;

		if (*a == 'S' || *a == 'B')
			continue; /* signal frame, AArch64 B key: no data */
		if (!p || p >= end)
			return false;
		if (*a == 'R') {
			*enc = *p;
			return true;
		}
		if (*a == 'L') {
			p++;
		} else if (*a == 'P') {
			if (!_read_fmt(*p & PE_FORMAT, p + 1, end, &v, &len))
				return false;
			p += 1 + len;
		} else {
			return false; /* unknown: where 'R' would be is unknown too */
		}
	}
	return true;
}

/* The CIE at off, met earlier in the section; NULL when there is none. */
static const struct cie_enc *_cie_at(const struct build *b, Dwarf_Off off)
{
	size_t lo = 0, hi = b->ncies;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->cies[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->ncies && b->cies[lo].off == off ? &b->cies[lo] : NULL;
}

/*
 * The procedure an FDE covers, link-time: false when its CIE is unknown
 * or undecodable, the encoding is not one of .eh_frame's, or it covers
 * nothing.  vaddr is the link-time address of the FDE's initial location.
 */
static bool _fde_span(const struct build *b, const Dwarf_FDE *fde, uint64_t vaddr, uint64_t *start,
                      uint64_t *range)
{
	const struct cie_enc *cie = _cie_at(b, fde->CIE_pointer);
	size_t len;

	if (!cie || !cie->ok || (cie->enc & PE_APPL) & ~PE_PCREL || cie->enc & 0x80)
		return false;
	if (b->pic && !(cie->enc & PE_PCREL))
		return false; /* relocated in the process: the file's bytes are not what it runs */
	if (!_read_fmt(cie->enc & PE_FORMAT, fde->start, fde->end, start, &len))
		return false;
	if (cie->enc & PE_PCREL)
		*start += vaddr;
	if (!_read_fmt(cie->enc & PE_FORMAT, fde->start + len, fde->end, range, &len))
		return false;
	return *range != 0;
}

static int _add_cie(struct build *b, Dwarf_Off off, const Dwarf_CIE *cie)
{
	if (_grow((void **)&b->cies, &b->capcies, b->ncies, sizeof(*b->cies)) < 0)
		return -ENOMEM;
	b->cies[b->ncies].off = off;
	b->cies[b->ncies].ok = _cie_fde_encoding(cie, &b->cies[b->ncies].enc);
	b->ncies++;
	return 0;
}

/*
 * Candidates from every FDE of .eh_frame (data, at link-time address
 * sh_addr); those whose start is too far from the section for the
 * table's 32-bit offsets are left out (libunwind could not look them up).
 */
static int _walk(struct build *b, const unsigned char *ident, Elf_Data *data, uint64_t sh_addr)
{
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;

	while (off < data->d_size && dwarf_next_cfi(ident, data, true, off, &next, &e) == 0) {
		if (next <= off)
			break; /* no progress: never loop on a broken entry */
		if (dwarf_cfi_cie_p(&e)) {
			if (_add_cie(b, off, &e.cie) < 0)
				return -ENOMEM;
		} else {
			uint64_t fde_off = (uint64_t)(e.fde.start - (const uint8_t *)data->d_buf);
			uint64_t start, range, rel;

			if (_fde_span(b, &e.fde, sh_addr + fde_off, &start, &range)) {
				rel = start - sh_addr;
				if ((int64_t)rel == (int32_t)rel && range < UINT32_MAX &&
				    off <= INT32_MAX) {
					if (_grow((void **)&b->cands, &b->capcands, b->ncands,
					          sizeof(*b->cands)) < 0)
						return -ENOMEM;
					b->cands[b->ncands++] =
					    (struct cand){range, (int32_t)rel, (int32_t)off};
				}
			}
		}
		off = next;
	}
	return 0;
}

static int _cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->rel != b->rel)
		return a->rel < b->rel ? -1 : 1;
	/* At one start, the widest first: it is the one kept. */
	return (a->range < b->range) - (a->range > b->range);
}

/*
 * The load bias of the mapping m: the loadable segment holding its file
 * offset says which link-time address it is.  -ENOEXEC when none does,
 * or when an ET_EXEC (loaded where it was linked) would have moved.
 */
static int _bias(Elf *elf, const GElf_Ehdr *eh, const struct sp_eh_mapping *m, uint64_t *bias)
{
	size_t n;
	bool found = false;

	if (elf_getphdrnum(elf, &n) != 0)
		return -ENOEXEC;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type == PT_GNU_EH_FRAME)
			return -ENOENT; /* libunwind has an index of its own */
		if (found || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~(uint64_t)(EH_PAGE - 1)) <= m->offset &&
		    m->offset - ph.p_offset < ph.p_filesz) {
			*bias = m->start - (ph.p_vaddr + (m->offset - ph.p_offset));
			found = true;
		}
	}
	if (!found || (eh->e_type == ET_EXEC && *bias != 0))
		return -ENOEXEC;
	return 0;
}

/* Whether [addr, addr + size) is loaded: inside one PT_LOAD's file-backed part. */
static bool _loaded(Elf *elf, uint64_t addr, uint64_t size)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && addr >= ph.p_vaddr &&
		    addr - ph.p_vaddr <= ph.p_filesz && size <= ph.p_filesz - (addr - ph.p_vaddr))
			return true;
	}
	return false;
}

/* .eh_frame's section and header when it is loaded and not too large; NULL otherwise. */
static Elf_Scn *_eh_frame(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (!name || strcmp(name, ".eh_frame") != 0)
			continue;
		if ((sh->sh_type != SHT_PROGBITS && sh->sh_type != SHT_X86_64_UNWIND) ||
		    !(sh->sh_flags & SHF_ALLOC) || sh->sh_size == 0 ||
		    sh->sh_size > EH_MAX_SECTION || !_loaded(elf, sh->sh_addr, sh->sh_size))
			return NULL;
		return scn;
	}
	return NULL;
}

/* The rows from sorted candidates, one per start; the span of what they cover. */
static int _rows(struct build *b, uint64_t eh_frame, struct sp_eh_index *ix)
{
	int64_t end = INT64_MIN;

	ix->rows = calloc(b->ncands, sizeof(*ix->rows));
	if (!ix->rows)
		return -ENOMEM;
	for (size_t i = 0; i < b->ncands; i++) {
		const struct cand *c = &b->cands[i];

		if (i && b->cands[i - 1].rel == c->rel)
			continue;
		ix->rows[ix->nrows].start = c->rel;
		ix->rows[ix->nrows++].fde = c->fde;
		/* No overflow: rel is 32 bits, range under 2^32. */
		if ((int64_t)c->rel + (int64_t)c->range > end)
			end = (int64_t)c->rel + (int64_t)c->range;
	}
	ix->eh_frame = eh_frame;
	ix->lo = eh_frame + (uint64_t)(int64_t)ix->rows[0].start;
	ix->hi = eh_frame + (uint64_t)end;
	/* A span that wraps around the address space covers nothing libunwind may be asked about.
	 */
	if (ix->hi < ix->lo)
		ix->hi = ix->lo;
	return 0;
}

static int _build(Elf *elf, const struct sp_eh_mapping *m, struct sp_eh_index **out)
{
	struct build b = {0};
	struct sp_eh_index *ix = NULL;
	const unsigned char *ident;
	uint64_t bias = 0;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *data;
	int rc;

	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    !(ident = (const unsigned char *)elf_getident(elf, NULL)) ||
	    ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64)
		return -ENOEXEC;
	if ((rc = _bias(elf, &eh, m, &bias)) < 0)
		return rc;
	scn = _eh_frame(elf, &sh);
	if (!scn)
		return -ENOENT;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || data->d_size != sh.sh_size)
		return -ENOEXEC;
	b.pic = eh.e_type == ET_DYN;
	rc = _walk(&b, ident, data, sh.sh_addr);
	if (rc == 0 && b.ncands == 0)
		rc = -ENOENT;
	if (rc == 0) {
		qsort(b.cands, b.ncands, sizeof(*b.cands), _cmp_cand);
		ix = calloc(1, sizeof(*ix));
		rc = ix ? _rows(&b, sh.sh_addr + bias, ix) : -ENOMEM;
	}
	if (rc == 0) {
		ix->section = malloc(data->d_size);
		if (ix->section) {
			memcpy(ix->section, data->d_buf, data->d_size);
			ix->section_size = data->d_size;
		} else {
			rc = -ENOMEM;
		}
	}
	free(b.cies);
	free(b.cands);
	if (rc < 0) {
		sp_eh_index_free(ix);
		return rc;
	}
	*out = ix;
	return 0;
}

int sp_eh_index_from_fd(int fd, const struct sp_eh_mapping *m, struct sp_eh_index **out)
{
	Elf *elf;
	int rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	/* ELF_C_READ: pread on demand, never mmap (a file cut short would SIGBUS us). */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	rc = _build(elf, m, out);
	elf_end(elf);
	return rc;
}

int sp_eh_index_from_mem(const void *buf, size_t len, const struct sp_eh_mapping *m,
                         struct sp_eh_index **out)
{
	Elf *elf;
	int rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	/* Read only: libelf writes to an image only when asked to update it. */
	elf = elf_memory((char *)buf, len);
	rc = _build(elf, m, out);
	elf_end(elf);
	return rc;
}

void sp_eh_index_free(struct sp_eh_index *ix)
{
	if (!ix)
		return;
	free(ix->rows);
	free(ix->section);
	free(ix);
}

const struct sp_eh_row *sp_eh_index_find(const struct sp_eh_index *ix, uint64_t ip)
{
	int64_t rel = (int64_t)(ip - ix->eh_frame);
	size_t lo = 0, hi = ix->nrows;

	if (rel != (int32_t)rel)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->rows[mid].start <= rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ix->rows[lo - 1] : NULL;
}
