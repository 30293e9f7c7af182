/* SPDX-License-Identifier: MIT */
/*
 * Static facts of one ELF module, computed with libelf (sections, symbols,
 * relocations, notes), libdw (the .eh_frame entries) and Capstone (the
 * instructions).  Function bounds come from symbols and FDEs; every
 * function is then disassembled linearly from start to end, which covers
 * every basic block GCC emits between the two (jump tables included) and
 * none of the data, since x86-64 code keeps data out of .text.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include "facts_int.h"

/* Syscall numbers beyond this are not x86-64 calls (x32's carry bit 30): counted as unresolved. */
#define FACTS_MAX_NR 1024
#define GPRS         16

struct sec {
	uint64_t addr, size;
	const uint8_t *data;
	bool plt;
};

struct slot {
	uint64_t addr; /* GOT slot, or PLT stub's jmp instruction */
	uint32_t imp;
};

struct cand {
	uint64_t start, end;
	const char *name; /* borrowed from libelf */
};

struct ctx {
	Elf *elf;
	const char *path;
	struct sp_facts *f;
	csh cs;
	struct sec *secs;
	size_t nsecs;
	struct sec got[4]; /* .got and .got.plt: the only slots read as imports */
	size_t ngot;
	struct slot *slots; /* GOT slots with a symbol, sorted */
	size_t nslots;
	struct slot *plts; /* PLT stubs' jmp [rip+GOT], sorted */
	size_t nplts, capplts;
	size_t capcalls;
	struct cand *cands;
	size_t ncands, capcands;
	uint64_t *targets; /* branch targets inside the function being read */
	size_t ntargets, captargets;
	long syscall_imp; /* import index of "syscall", -1 */
};

/* Known constant values of the 16 general-purpose registers. */
struct regs {
	bool known[GPRS];
	uint64_t val[GPRS];
};

static int _grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *grown;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	grown = realloc(*arr, c * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = c;
	return 0;
}

int facts_elf_build_id(int fd, char *hex, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	Elf *elf;
	int rc = -ENOEXEC;

	hex[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64 ||
	    !gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		goto out;
	rc = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const uint8_t *desc = (const uint8_t *)d->d_buf + doff;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + noff, "GNU", 4) != 0 ||
			    nh.n_descsz * 2 + 1 > size || nh.n_descsz == 0)
				continue;
			for (size_t i = 0; i < nh.n_descsz; i++) {
				hex[2 * i] = "0123456789abcdef"[desc[i] >> 4];
				hex[2 * i + 1] = "0123456789abcdef"[desc[i] & 15];
			}
			hex[2 * nh.n_descsz] = '\0';
			goto out;
		}
	}
out:
	elf_end(elf);
	return rc;
}

static const struct sec *_sec_of(const struct ctx *c, uint64_t addr)
{
	for (size_t i = 0; i < c->nsecs; i++)
		if (addr >= c->secs[i].addr && addr - c->secs[i].addr < c->secs[i].size)
			return &c->secs[i];
	return NULL;
}

static int _cmp_slot(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static const struct slot *_slot_at(const struct slot *s, size_t n, uint64_t addr)
{
	struct slot key = {.addr = addr};

	return sp_bsearch(&key, s, n, sizeof(*s), _cmp_slot);
}

/* The import index of name, interning it.  -ENOMEM or the index. */
static long _import(struct ctx *c, const char *name)
{
	struct sp_facts *f = c->f;
	size_t cap = f->nimports;

	for (size_t i = 0; i < f->nimports; i++)
		if (strcmp(f->imports[i], name) == 0)
			return (long)i;
	/* Arrays here grow one at a time: imports number in the hundreds. */
	char **grown = realloc(f->imports, (cap + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->imports = grown;
	f->imports[f->nimports] = strdup(name);
	if (!f->imports[f->nimports])
		return -ENOMEM;
	if (strcmp(name, "syscall") == 0)
		c->syscall_imp = (long)f->nimports;
	return (long)f->nimports++;
}

/*
 * Whether addr is a GOT slot.  A pointer variable in .data initialised
 * with &execve carries the same relocation, but the program may change
 * it: a call through it is an indirect call, never an edge.
 */
static bool _in_got(const struct ctx *c, uint64_t addr)
{
	for (size_t i = 0; i < c->ngot; i++)
		if (addr >= c->got[i].addr && addr - c->got[i].addr < c->got[i].size)
			return true;
	return false;
}

/* GOT slots filled by the dynamic linker with a named symbol's address. */
static int _read_relocs(struct ctx *c, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Scn *symscn = elf_getscn(c->elf, sh->sh_link);
	GElf_Shdr symsh;
	Elf_Data *d = elf_getdata(scn, NULL), *symd;
	size_t capslots = c->nslots;

	if (!d || !symscn || !gelf_getshdr(symscn, &symsh) || !(symd = elf_getdata(symscn, NULL)))
		return 0;
	for (size_t i = 0; sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;
		unsigned long type;
		long imp;

		if (!gelf_getrela(d, (int)i, &r))
			break;
		type = GELF_R_TYPE(r.r_info);
		if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT && type != R_X86_64_64)
			continue;
		if (GELF_R_SYM(r.r_info) == 0 || !_in_got(c, r.r_offset) ||
		    !gelf_getsym(symd, (int)GELF_R_SYM(r.r_info), &sym))
			continue;
		name = elf_strptr(c->elf, symsh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		imp = _import(c, name);
		if (imp < 0)
			return (int)imp;
		if (_grow((void **)&c->slots, &capslots, c->nslots, sizeof(*c->slots)) < 0)
			return -ENOMEM;
		c->slots[c->nslots++] = (struct slot){r.r_offset, (uint32_t)imp};
	}
	return 0;
}

static int _read_needed(struct ctx *c, Elf_Scn *scn, const GElf_Shdr *sh)
{
	struct sp_facts *f = c->f;
	Elf_Data *d = elf_getdata(scn, NULL);

	for (size_t i = 0; d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Dyn dyn;
		const char *name;
		char **grown;

		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED ||
		    !(name = elf_strptr(c->elf, sh->sh_link, (size_t)dyn.d_un.d_val)))
			continue;
		grown = realloc(f->needed, (f->nneeded + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		f->needed = grown;
		if (!(f->needed[f->nneeded] = strdup(name)))
			return -ENOMEM;
		f->nneeded++;
	}
	return 0;
}

static int _add_cand(struct ctx *c, uint64_t start, uint64_t end, const char *name)
{
	const struct sec *s = _sec_of(c, start);

	/* Functions of PLT sections are stubs, resolved to their imports instead. */
	if (!s || s->plt)
		return 0;
	if (_grow((void **)&c->cands, &c->capcands, c->ncands, sizeof(*c->cands)) < 0)
		return -ENOMEM;
	c->cands[c->ncands++] = (struct cand){start, end, name};
	return 0;
}

static int _add_name(struct facts_name **arr, size_t *n, const char *name)
{
	struct facts_name *grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown)
		return -ENOMEM;
	*arr = grown;
	grown[*n].fn = 0; /* numbered by _bind_names once functions are */
	grown[*n].name = strdup(name);
	if (!grown[*n].name)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/*
 * Function symbols: candidates for bounds and names, and (dynsym) the
 * exports other modules' imports resolve to.  starts[] receives each
 * name's start address, in step with the names array.
 */
static int _read_symbols(struct ctx *c, Elf_Scn *scn, const GElf_Shdr *sh, bool dynamic, bool cands,
                         uint64_t **starts, size_t *nstarts)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	struct sp_facts *f = c->f;

	for (size_t i = 1; d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;
		int type, bind, rc;
		struct facts_name **arr;
		size_t *n;
		uint64_t *grown;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_value == 0)
			continue;
		name = elf_strptr(c->elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (cands &&
		    (rc = _add_cand(c, sym.st_value, sym.st_value + sym.st_size, name)) < 0)
			return rc;
		if (dynamic) {
			if (bind != STB_GLOBAL && bind != STB_WEAK)
				continue;
			arr = &f->exports;
			n = &f->nexports;
		} else {
			arr = &f->symbols;
			n = &f->nsymbols;
		}
		grown = realloc(*starts, (*nstarts + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		*starts = grown;
		grown[(*nstarts)++] = sym.st_value;
		if ((rc = _add_name(arr, n, name)) < 0)
			return rc;
	}
	return 0;
}

/* Reads one pointer of DWARF EH encoding enc at p (field at vaddr); false when not understood. */
static bool _eh_read(uint8_t enc, const uint8_t *p, const uint8_t *end, uint64_t vaddr,
                     uint64_t *out, size_t *len)
{
	uint64_t v;

	switch (enc & 0x0f) {
	case 0x00: /* absptr */
	case 0x04: /* udata8 */
	case 0x0c: /* sdata8 */
		if (end - p < 8)
			return false;
		memcpy(&v, p, 8);
		*len = 8;
		break;
	case 0x03: { /* udata4 */
		uint32_t u;

		if (end - p < 4)
			return false;
		memcpy(&u, p, 4);
		v = u;
		*len = 4;
		break;
	}
	case 0x0b: { /* sdata4 */
		int32_t s;

		if (end - p < 4)
			return false;
		memcpy(&s, p, 4);
		v = (uint64_t)(int64_t)s;
		*len = 4;
		break;
	}
	default:
		return false;
	}
	switch (enc & 0x70) {
	case 0x00:
		break;
	case 0x10: /* pcrel */
		v += vaddr;
		break;
	default:
		return false;
	}
	*out = v;
	return true;
}

/* The FDE pointer encoding a CIE's augmentation names ('R'), absptr without one. */
static bool _cie_encoding(const Dwarf_CIE *cie, uint8_t *enc)
{
	const uint8_t *p = cie->augmentation_data, *end = p + cie->augmentation_data_size;
	const char *a = cie->augmentation;

	*enc = 0x00;
	if (!a || a[0] != 'z')
		return a && a[0] == '\0';
	for (a++; *a; a++) {
		uint64_t ignored;
		size_t len;

		switch (*a) {
		case 'R':
			if (p >= end)
				return false;
			*enc = *p++;
			break;
		case 'P':
			if (p >= end ||
			    !_eh_read((uint8_t)(*p & 0x0f), p + 1, end, 0, &ignored, &len))
				return false;
			p += 1 + len;
			break;
		case 'L':
			p++;
			break;
		case 'S':
		case 'B':
			break;
		default:
			return true; /* 'z' says the rest is skippable: R came first if at all */
		}
	}
	return true;
}

/*
 * Function bounds from .eh_frame: libdw walks the CIE/FDE records and
 * their augmentations; the FDE's initial location and range are then in
 * the pointer encoding its CIE names (GCC: pcrel sdata4).
 */
static int _read_eh_frame(struct ctx *c, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	const unsigned char *ident = (const unsigned char *)elf_getident(c->elf, NULL);
	struct {
		Dwarf_Off off;
		uint8_t enc;
		bool ok;
	} *cies = NULL;
	size_t ncies = 0, capcies = 0;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	int rc = 0;

	if (!d || !ident)
		return 0;
	while (dwarf_next_cfi(ident, d, true, off, &next, &e) == 0) {
		if (dwarf_cfi_cie_p(&e)) {
			if (_grow((void **)&cies, &capcies, ncies, sizeof(*cies)) < 0) {
				rc = -ENOMEM;
				break;
			}
			cies[ncies].off = off;
			cies[ncies].ok = _cie_encoding(&e.cie, &cies[ncies].enc);
			ncies++;
		} else {
			const uint8_t *p = e.fde.start, *end = e.fde.end;
			uint64_t vaddr = sh->sh_addr + (uint64_t)(p - (const uint8_t *)d->d_buf);
			uint64_t start, range;
			size_t len, k;

			for (k = 0; k < ncies && cies[k].off != e.fde.CIE_pointer; k++)
				;
			if (k < ncies && cies[k].ok &&
			    _eh_read(cies[k].enc, p, end, vaddr, &start, &len) &&
			    _eh_read((uint8_t)(cies[k].enc & 0x0f), p + len, end, 0, &range,
			             &len) &&
			    range > 0 && (rc = _add_cand(c, start, start + range, NULL)) < 0)
				break;
		}
		off = next;
	}
	free(cies);
	return rc;
}

static int _cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* The better of two names for one address: the shortest, then the first in byte order. */
static const char *_better_name(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return a ? a : b;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? a : b;
	return strcmp(a, b) <= 0 ? a : b;
}

/*
 * Candidates to functions: one per start address, ends from the widest
 * candidate there (a symbol without a size ends where the next one
 * starts), clipped so that functions do not overlap.
 */
static int _number_functions(struct ctx *c)
{
	struct sp_facts *f = c->f;
	size_t n = 0;

	sp_qsort(c->cands, c->ncands, sizeof(*c->cands), _cmp_cand);
	f->fns = calloc(c->ncands ? c->ncands : 1, sizeof(*f->fns));
	if (!f->fns)
		return -ENOMEM;
	for (size_t i = 0; i < c->ncands;) {
		struct cand m = c->cands[i];
		const struct sec *s = _sec_of(c, m.start);
		size_t j;

		for (j = i + 1; j < c->ncands && c->cands[j].start == m.start; j++) {
			if (c->cands[j].end > m.end)
				m.end = c->cands[j].end;
			m.name = _better_name(m.name, c->cands[j].name);
		}
		if (m.end <= m.start)
			m.end = j < c->ncands ? c->cands[j].start : s->addr + s->size;
		if (j < c->ncands && m.end > c->cands[j].start)
			m.end = c->cands[j].start;
		if (m.end > s->addr + s->size)
			m.end = s->addr + s->size;
		f->fns[n].start = m.start;
		f->fns[n].end = m.end;
		if (m.name && !(f->fns[n].name = strdup(m.name)))
			return -ENOMEM;
		if (m.name)
			f->stats.named++;
		n++;
		i = j;
	}
	f->nfns = n;
	f->stats.funcs = n;
	return 0;
}

/* Numbers names by the function starting at their address; names of no function go. */
static void _bind_names(struct sp_facts *f, struct facts_name *arr, size_t *n,
                        const uint64_t *starts)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		long fn = sp_facts_func_at(f, starts[i]);

		if (fn < 0 || f->fns[fn].start != starts[i]) {
			free(arr[i].name);
			continue;
		}
		arr[k] = arr[i];
		arr[k].fn = (uint32_t)fn;
		k++;
	}
	*n = k;
}

/* PLT stubs: each jmp [rip+slot] with a named slot, so that a call into the stub is an import. */
static int _read_plt(struct ctx *c, const struct sec *s)
{
	const uint8_t *code = s->data;
	size_t size = s->size;
	uint64_t addr = s->addr;
	cs_insn *insn = cs_malloc(c->cs);

	if (!insn)
		return -ENOMEM;
	while (size) {
		const cs_x86 *x;
		const struct slot *sl;

		if (!cs_disasm_iter(c->cs, &code, &size, &addr, insn)) {
			code++, size--, addr++;
			continue;
		}
		x = &insn->detail->x86;
		if (insn->id != X86_INS_JMP || x->op_count != 1 ||
		    x->operands[0].type != X86_OP_MEM || x->operands[0].mem.base != X86_REG_RIP ||
		    x->operands[0].mem.index != X86_REG_INVALID)
			continue;
		sl = _slot_at(c->slots, c->nslots,
		              insn->address + insn->size + (uint64_t)x->operands[0].mem.disp);
		if (!sl)
			continue;
		if (_grow((void **)&c->plts, &c->capplts, c->nplts, sizeof(*c->plts)) < 0) {
			cs_free(insn, 1);
			return -ENOMEM;
		}
		c->plts[c->nplts++] = (struct slot){insn->address, sl->imp};
	}
	cs_free(insn, 1);
	return 0;
}

/*
 * What a direct branch to t reaches: a PLT stub (the import its jmp
 * names: the stub's jmp lies within 16 bytes of its start in .plt,
 * .plt.sec and .plt.got alike) or a function of this module.
 */
static int _target(struct ctx *c, uint64_t t, uint32_t *code)
{
	const struct sec *s = _sec_of(c, t);
	long fn;

	if (s && s->plt) {
		size_t lo = 0, hi = c->nplts;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->plts[mid].addr < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < c->nplts && c->plts[lo].addr - t < 16) {
			*code = c->plts[lo].imp | FACTS_IMPORT;
			return 0;
		}
		return -ENOENT;
	}
	fn = sp_facts_func_at(c->f, t);
	if (fn < 0)
		return -ENOENT;
	*code = (uint32_t)fn;
	return 0;
}

/* Register number 0-15 (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15) of any of its views, -1. */
static int _gpr(unsigned int r)
{
	switch (r) {
	case X86_REG_RAX:
	case X86_REG_EAX:
	case X86_REG_AX:
	case X86_REG_AH:
	case X86_REG_AL:
		return 0;
	case X86_REG_RCX:
	case X86_REG_ECX:
	case X86_REG_CX:
	case X86_REG_CH:
	case X86_REG_CL:
		return 1;
	case X86_REG_RDX:
	case X86_REG_EDX:
	case X86_REG_DX:
	case X86_REG_DH:
	case X86_REG_DL:
		return 2;
	case X86_REG_RBX:
	case X86_REG_EBX:
	case X86_REG_BX:
	case X86_REG_BH:
	case X86_REG_BL:
		return 3;
	case X86_REG_RSP:
	case X86_REG_ESP:
	case X86_REG_SP:
	case X86_REG_SPL:
		return 4;
	case X86_REG_RBP:
	case X86_REG_EBP:
	case X86_REG_BP:
	case X86_REG_BPL:
		return 5;
	case X86_REG_RSI:
	case X86_REG_ESI:
	case X86_REG_SI:
	case X86_REG_SIL:
		return 6;
	case X86_REG_RDI:
	case X86_REG_EDI:
	case X86_REG_DI:
	case X86_REG_DIL:
		return 7;
	case X86_REG_R8:
	case X86_REG_R8D:
	case X86_REG_R8W:
	case X86_REG_R8B:
		return 8;
	case X86_REG_R9:
	case X86_REG_R9D:
	case X86_REG_R9W:
	case X86_REG_R9B:
		return 9;
	case X86_REG_R10:
	case X86_REG_R10D:
	case X86_REG_R10W:
	case X86_REG_R10B:
		return 10;
	case X86_REG_R11:
	case X86_REG_R11D:
	case X86_REG_R11W:
	case X86_REG_R11B:
		return 11;
	case X86_REG_R12:
	case X86_REG_R12D:
	case X86_REG_R12W:
	case X86_REG_R12B:
		return 12;
	case X86_REG_R13:
	case X86_REG_R13D:
	case X86_REG_R13W:
	case X86_REG_R13B:
		return 13;
	case X86_REG_R14:
	case X86_REG_R14D:
	case X86_REG_R14W:
	case X86_REG_R14B:
		return 14;
	case X86_REG_R15:
	case X86_REG_R15D:
	case X86_REG_R15W:
	case X86_REG_R15B:
		return 15;
	default:
		return -1;
	}
}

static void _regs_forget_all(struct regs *r)
{
	memset(r->known, 0, sizeof(r->known));
}

/* The System V ABI's caller-saved registers: a call leaves them unknown. */
static void _regs_forget_call(struct regs *r)
{
	static const int clobbered[] = {0, 1, 2, 6, 7, 8, 9, 10, 11};

	for (size_t i = 0; i < sizeof(clobbered) / sizeof(*clobbered); i++)
		r->known[clobbered[i]] = false;
}

/*
 * Constant tracking for one instruction: mov of an immediate or of a known
 * register (32-bit writes zero the upper half), xor of a register with
 * itself; any other write leaves its register unknown.
 */
static void _regs_step(csh cs, const cs_insn *insn, struct regs *r)
{
	const cs_x86 *x = &insn->detail->x86;
	cs_regs rd, wr;
	uint8_t nrd, nwr;

	if (x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	    (x->operands[0].size == 4 || x->operands[0].size == 8)) {
		int d = _gpr(x->operands[0].reg);
		uint64_t mask = x->operands[0].size == 4 ? 0xffffffffu : ~(uint64_t)0;

		if (d >= 0 && insn->id == X86_INS_MOV && x->operands[1].type == X86_OP_IMM) {
			r->known[d] = true;
			r->val[d] = (uint64_t)x->operands[1].imm & mask;
			return;
		}
		if (d >= 0 && insn->id == X86_INS_MOV && x->operands[1].type == X86_OP_REG &&
		    x->operands[1].size == x->operands[0].size) {
			int s = _gpr(x->operands[1].reg);

			r->known[d] = s >= 0 && r->known[s];
			if (r->known[d])
				r->val[d] = r->val[s] & mask;
			return;
		}
		if (d >= 0 && insn->id == X86_INS_XOR && x->operands[1].type == X86_OP_REG &&
		    x->operands[1].reg == x->operands[0].reg) {
			r->known[d] = true;
			r->val[d] = 0;
			return;
		}
	}
	if (cs_regs_access(cs, insn, rd, &nrd, wr, &nwr) != CS_ERR_OK) {
		_regs_forget_all(r);
		return;
	}
	for (uint8_t i = 0; i < nwr; i++) {
		int g = _gpr(wr[i]);

		if (g >= 0)
			r->known[g] = false;
	}
}

static int _cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The immediate target of a direct branch, false for any other operand. */
static bool _direct(const cs_insn *insn, uint64_t *t)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*t = (uint64_t)x->operands[0].imm;
	return true;
}

/* The GOT slot a call/jmp [rip+disp] reads, false for any other operand. */
static bool _got(const cs_insn *insn, uint64_t *slot)
{
	const cs_x86 *x = &insn->detail->x86;

	if (x->op_count != 1 || x->operands[0].type != X86_OP_MEM ||
	    x->operands[0].mem.base != X86_REG_RIP || x->operands[0].mem.index != X86_REG_INVALID)
		return false;
	*slot = insn->address + insn->size + (uint64_t)x->operands[0].mem.disp;
	return true;
}

static bool _is_jump(csh cs, const cs_insn *insn)
{
	return cs_insn_group(cs, insn, CS_GRP_JUMP);
}

/* Pass one: where branches inside fn land (constants known before them do not hold there). */
static int _collect_targets(struct ctx *c, const struct facts_fn *fn, const struct sec *s,
                            cs_insn *insn)
{
	const uint8_t *code = s->data + (fn->start - s->addr);
	size_t size = fn->end - fn->start;
	uint64_t addr = fn->start, t;

	c->ntargets = 0;
	while (size) {
		if (!cs_disasm_iter(c->cs, &code, &size, &addr, insn)) {
			code++, size--, addr++;
			continue;
		}
		if (!_is_jump(c->cs, insn) || !_direct(insn, &t) || t < fn->start || t >= fn->end)
			continue;
		if (_grow((void **)&c->targets, &c->captargets, c->ntargets, sizeof(*c->targets)) <
		    0)
			return -ENOMEM;
		c->targets[c->ntargets++] = t;
	}
	sp_qsort(c->targets, c->ntargets, sizeof(*c->targets), _cmp_u64);
	return 0;
}

static bool _is_target(const struct ctx *c, uint64_t a)
{
	return sp_bsearch(&a, c->targets, c->ntargets, sizeof(a), _cmp_u64) != NULL;
}

/* A syscall number site: nr constant when known. */
static int _site(struct ctx *c, struct facts_fn *fn, bool known, uint64_t nr)
{
	c->f->stats.syscall_sites++;
	if (!known || nr >= FACTS_MAX_NR) {
		fn->unresolved++;
		c->f->stats.unresolved++;
		return 0;
	}
	return facts_fn_add_syscall(fn, (long)nr);
}

static bool _is_syscall_fn(const struct ctx *c, uint32_t code)
{
	if (code & FACTS_IMPORT)
		return (long)(code & ~FACTS_IMPORT) == c->syscall_imp;
	return c->f->fns[code].name && strcmp(c->f->fns[code].name, "syscall") == 0;
}

static int _add_call(struct ctx *c, uint64_t ret, uint32_t code)
{
	if (_grow((void **)&c->f->calls, &c->capcalls, c->f->ncalls, sizeof(*c->f->calls)) < 0)
		return -ENOMEM;
	c->f->calls[c->f->ncalls++] = (struct facts_call){ret, code};
	return 0;
}

/* One call or jump: its edge (when it leaves fn) and, for calls, the return address. */
static int _branch(struct ctx *c, size_t fi, const cs_insn *insn, bool call, struct regs *r)
{
	struct facts_fn *fn = &c->f->fns[fi];
	uint64_t t, slot;
	uint32_t code;
	const struct slot *sl;
	int rc;

	if (_direct(insn, &t)) {
		if (!call && t >= fn->start && t < fn->end)
			return 0;
		if (_target(c, t, &code) < 0) {
			c->f->stats.unknown_targets++;
			return 0;
		}
	} else if (_got(insn, &slot) && (sl = _slot_at(c->slots, c->nslots, slot))) {
		code = sl->imp | FACTS_IMPORT;
	} else {
		return 0; /* through a register or memory: never followed */
	}
	/* syscall(nr, ...) called, or jumped to as a sibling call (GCC at -O2). */
	if (_is_syscall_fn(c, code) &&
	    (rc = _site(c, fn, r->known[7], r->val[7] & 0xffffffffu)) < 0)
		return rc;
	if (call && (rc = _add_call(c, insn->address + insn->size, code)) < 0)
		return rc;
	if (code == (uint32_t)fi)
		return 0;
	c->f->stats.calls++;
	return facts_fn_add_callee(fn, code);
}

/* Pass two: edges and syscall sites of function fi. */
static int _read_function(struct ctx *c, size_t fi, cs_insn *insn)
{
	struct facts_fn *fn = &c->f->fns[fi];
	const struct sec *s = _sec_of(c, fn->start);
	const uint8_t *code;
	size_t size;
	uint64_t addr;
	struct regs r;
	int rc;

	if ((rc = _collect_targets(c, fn, s, insn)) < 0)
		return rc;
	code = s->data + (fn->start - s->addr);
	size = fn->end - fn->start;
	addr = fn->start;
	_regs_forget_all(&r);
	while (size) {
		bool call;

		if (_is_target(c, addr))
			_regs_forget_all(&r);
		if (!cs_disasm_iter(c->cs, &code, &size, &addr, insn)) {
			code++, size--, addr++;
			_regs_forget_all(&r);
			continue;
		}
		if (insn->id == X86_INS_SYSCALL) {
			if ((rc = _site(c, fn, r.known[0], r.val[0] & 0xffffffffu)) < 0)
				return rc;
			/* The kernel returns in rax and clobbers rcx and r11 (entry_64.S). */
			r.known[0] = r.known[1] = r.known[11] = false;
			continue;
		}
		call = cs_insn_group(c->cs, insn, CS_GRP_CALL);
		if (call || _is_jump(c->cs, insn)) {
			if ((rc = _branch(c, fi, insn, call, &r)) < 0)
				return rc;
			if (call)
				_regs_forget_call(&r);
			else if (insn->id == X86_INS_JMP)
				_regs_forget_all(&r);
			continue;
		}
		if (cs_insn_group(c->cs, insn, CS_GRP_RET)) {
			_regs_forget_all(&r);
			continue;
		}
		_regs_step(c->cs, insn, &r);
	}
	return 0;
}

/* Sections: code (PLT stubs apart), symbols, relocations, unwind tables, DT_NEEDED. */
static int _read_sections(struct ctx *c, uint64_t **sym_starts, size_t *nsym, uint64_t **exp_starts,
                          size_t *nexp)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr sh, symtab_sh, dynsym_sh;
	size_t shstrndx, capsecs = 0;
	int rc;

	if (elf_getshdrstrndx(c->elf, &shstrndx) != 0)
		return -ENOEXEC;
	while ((scn = elf_nextscn(c->elf, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(c->elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) && sh.sh_size &&
		    (d = elf_getdata(scn, NULL)) && d->d_size == sh.sh_size) {
			if (_grow((void **)&c->secs, &capsecs, c->nsecs, sizeof(*c->secs)) < 0)
				return -ENOMEM;
			c->secs[c->nsecs++] = (struct sec){sh.sh_addr, sh.sh_size, d->d_buf,
			                                   name && strncmp(name, ".plt", 4) == 0};
		}
		if (name && (strcmp(name, ".got") == 0 || strcmp(name, ".got.plt") == 0) &&
		    c->ngot < sizeof(c->got) / sizeof(*c->got))
			c->got[c->ngot++] = (struct sec){sh.sh_addr, sh.sh_size, NULL, false};
	}
	while ((scn = elf_nextscn(c->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(c->elf, shstrndx, sh.sh_name);

		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_sh = sh;
		} else if (sh.sh_type == SHT_RELA) {
			if ((rc = _read_relocs(c, scn, &sh)) < 0)
				return rc;
		} else if (sh.sh_type == SHT_DYNAMIC) {
			if ((rc = _read_needed(c, scn, &sh)) < 0)
				return rc;
		} else if (name && strcmp(name, ".eh_frame") == 0 && sh.sh_type == SHT_PROGBITS) {
			if ((rc = _read_eh_frame(c, scn, &sh)) < 0)
				return rc;
		}
	}
	sp_qsort(c->slots, c->nslots, sizeof(*c->slots), _cmp_slot);
	/* Bounds and names from .symtab when present, else from .dynsym. */
	if (symtab &&
	    (rc = _read_symbols(c, symtab, &symtab_sh, false, true, sym_starts, nsym)) < 0)
		return rc;
	if (dynsym &&
	    (rc = _read_symbols(c, dynsym, &dynsym_sh, false, !symtab, sym_starts, nsym)) < 0)
		return rc;
	if (dynsym &&
	    (rc = _read_symbols(c, dynsym, &dynsym_sh, true, false, exp_starts, nexp)) < 0)
		return rc;
	return 0;
}

static int _read_loads(struct ctx *c)
{
	size_t n;

	if (elf_getphdrnum(c->elf, &n) != 0)
		return -ENOEXEC;
	c->f->loads = calloc(n ? n : 1, sizeof(*c->f->loads));
	if (!c->f->loads)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(c->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			c->f->loads[c->f->nloads++] =
			    (struct facts_load){ph.p_offset, ph.p_vaddr, ph.p_filesz};
	}
	return 0;
}

int facts_compute(int fd, const char *path, const char *build_id, struct sp_facts **out,
                  struct sp_diag *diag)
{
	struct ctx c = {.path = path, .syscall_imp = -1};
	uint64_t *sym_starts = NULL, *exp_starts = NULL;
	size_t nsym = 0, nexp = 0;
	cs_insn *insn = NULL;
	bool have_cs = false;
	int rc = -ENOMEM;

	*out = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return sp_diag_set(diag, ENOEXEC, "%s: libelf: %s", path, elf_errmsg(-1));
	c.f = facts_alloc();
	if (!c.f)
		return sp_diag_set(diag, ENOMEM, "out of memory");
	snprintf(c.f->build_id, sizeof(c.f->build_id), "%s", build_id);
	c.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!c.elf) {
		rc = sp_diag_set(diag, ENOEXEC, "%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &c.cs) != CS_ERR_OK) {
		rc = sp_diag_set(diag, ENOMEM, "capstone: cannot open an x86-64 disassembler");
		goto out;
	}
	have_cs = true;
	cs_option(c.cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(c.cs);
	if (!insn)
		goto oom;
	if ((rc = _read_loads(&c)) < 0 ||
	    (rc = _read_sections(&c, &sym_starts, &nsym, &exp_starts, &nexp)) < 0)
		goto fail;
	for (size_t i = 0; i < c.nsecs; i++)
		if (c.secs[i].plt && (rc = _read_plt(&c, &c.secs[i])) < 0)
			goto fail;
	sp_qsort(c.plts, c.nplts, sizeof(*c.plts), _cmp_slot);
	if ((rc = _number_functions(&c)) < 0)
		goto fail;
	_bind_names(c.f, c.f->symbols, &c.f->nsymbols, sym_starts);
	_bind_names(c.f, c.f->exports, &c.f->nexports, exp_starts);
	for (size_t i = 0; i < c.f->nfns; i++)
		if ((rc = _read_function(&c, i, insn)) < 0)
			goto fail;
	facts_finish(c.f);
	*out = c.f;
	c.f = NULL;
	rc = 0;
	goto out;
oom:
	rc = -ENOMEM;
fail:
	if (rc == -ENOMEM)
		sp_diag_set(diag, ENOMEM, "out of memory");
	else
		sp_diag_set(diag, -rc, "%s: unreadable ELF file", path);
out:
	if (insn)
		cs_free(insn, 1);
	if (have_cs)
		cs_close(&c.cs);
	if (c.elf)
		elf_end(c.elf);
	free(sym_starts);
	free(exp_starts);
	free(c.secs);
	free(c.slots);
	free(c.plts);
	free(c.cands);
	free(c.targets);
	sp_facts_free(c.f);
	return rc;
}
