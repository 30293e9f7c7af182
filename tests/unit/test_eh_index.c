/* SPDX-License-Identifier: MIT */
/*
 * Unwinding code whose module has .eh_frame but no .eh_frame_hdr
 * (tracer/eh_index.c, tracer/stack_eh.c), on tracees/stack_static linked
 * -static -Wl,--no-eh-frame-hdr (as Debian's busybox is) and its static-PIE
 * twin (loaded at a random address: the load bias):
 * - the table built from the file names, for every function the symbol
 *   table has, the FDE that starts there, with and without a bias;
 * - a module with its own index needs none; a truncated or corrupted
 *   image is an error or a table, never a crash (ASan in sanitized builds);
 * - the tracee, stopped by itself three calls below main, unwinds through
 *   those calls to main, where libunwind alone stopped at the first frame.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/eh_index.h"
#include "tracer/maps.h"
#include "tracer/stack.h"
#include "tracer/stack_internal.h"

/* A function of the program's symbol table. */
struct fn {
	char name[64];
	uint64_t start, size;
};

/* What a test needs of a program: its functions, its code segment, whether it has the header. */
struct prog {
	struct fn *fns;
	size_t nfns;
	uint64_t text_vaddr, text_offset; /* the executable PT_LOAD */
	bool has_hdr, pie;
};

static void prog_read(const char *path, struct prog *p)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	size_t nph;
	Elf *elf;

	memset(p, 0, sizeof(*p));
	assert_true(fd >= 0);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_non_null(gelf_getehdr(elf, &eh));
	p->pie = eh.e_type == ET_DYN;
	assert_int_equal(elf_getphdrnum(elf, &nph), 0);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(elf, (int)i, &ph));
		if (ph.p_type == PT_GNU_EH_FRAME)
			p->has_hdr = true;
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			p->text_vaddr = ph.p_vaddr;
			p->text_offset = ph.p_offset;
		}
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_size == 0 ||
			    !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
				continue;
			p->fns = realloc(p->fns, (p->nfns + 1) * sizeof(*p->fns));
			assert_non_null(p->fns);
			snprintf(p->fns[p->nfns].name, sizeof(p->fns[p->nfns].name), "%s", name);
			p->fns[p->nfns].start = sym.st_value;
			p->fns[p->nfns++].size = sym.st_size;
		}
	}
	elf_end(elf);
	close(fd);
}

/* The function holding link-time address a, NULL when none does. */
static const struct fn *prog_fn(const struct prog *p, uint64_t a)
{
	for (size_t i = 0; i < p->nfns; i++)
		if (a >= p->fns[i].start && a - p->fns[i].start < p->fns[i].size)
			return &p->fns[i];
	return NULL;
}

/* Skips the test when the toolchain could not link the tracee without .eh_frame_hdr. */
static bool prog_usable(const char *path, struct prog *p)
{
	prog_read(path, p);
	if (p->has_hdr) {
		free(p->fns);
		print_message("skip: %s has .eh_frame_hdr (toolchain)\n", path);
		return false;
	}
	return true;
}

/* The table of path as if its code were mapped with load bias bias. */
static int index_at(const char *path, const struct prog *p, uint64_t bias, struct sp_eh_index **ix)
{
	struct sp_eh_mapping m = {
	    .start = (p->text_vaddr & ~4095ULL) + bias,
	    .offset = p->text_offset & ~4095ULL,
	};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	assert_true(fd >= 0);
	rc = sp_eh_index_from_fd(fd, &m, ix);
	close(fd);
	return rc;
}

/* Every function's start finds the row that starts there (libc's asm without CFI aside). */
static void check_table(const char *path, uint64_t bias)
{
	const char *ours[] = {"stack_static_probe", "stack_static_middle", "stack_static_outer",
	                      "main"};
	struct sp_eh_index *ix = NULL;
	size_t exact = 0;
	struct prog p;

	if (!prog_usable(path, &p))
		return;
	assert_int_equal(index_at(path, &p, bias, &ix), 0);
	assert_true(ix->nrows > 100); /* static glibc is in there too */
	for (size_t i = 1; i < ix->nrows; i++)
		assert_true(ix->rows[i - 1].start < ix->rows[i].start);
	for (size_t i = 0; i < p.nfns; i++) {
		uint64_t at = p.fns[i].start + bias;
		const struct sp_eh_row *r = sp_eh_index_find(ix, at + p.fns[i].size / 2);

		if (r && ix->eh_frame + (uint64_t)(int64_t)r->start == at)
			exact++;
	}
	/* A few glibc functions are written in assembly without CFI. */
	assert_true(exact * 10 >= p.nfns * 9);
	for (size_t k = 0; k < sizeof(ours) / sizeof(*ours); k++) {
		const struct fn *f = NULL;
		const struct sp_eh_row *r;

		for (size_t i = 0; i < p.nfns && !f; i++)
			if (!strcmp(p.fns[i].name, ours[k]))
				f = &p.fns[i];
		assert_non_null(f);
		r = sp_eh_index_find(ix, f->start + bias + 1);
		assert_non_null(r);
		assert_int_equal(ix->eh_frame + (uint64_t)(int64_t)r->start, f->start + bias);
		assert_true(ix->lo <= f->start + bias && f->start + bias < ix->hi);
	}
	assert_null(sp_eh_index_find(ix, ix->lo - 1));
	sp_eh_index_free(ix);
	free(p.fns);
}

static void test_table_static(void **state)
{
	(void)state;
	check_table(STACK_STATIC, 0);
}

static void test_table_static_pie(void **state)
{
	(void)state;
	check_table(STACK_STATIC_PIE, 0);
	check_table(STACK_STATIC_PIE, 0x7f1234560000ULL);
}

/* An ET_EXEC is where it was linked: a mapping that says otherwise is not that file. */
static void test_exec_moved(void **state)
{
	struct sp_eh_index *ix = NULL;
	struct prog p;

	(void)state;
	if (!prog_usable(STACK_STATIC, &p) || p.pie)
		return;
	assert_int_equal(index_at(STACK_STATIC, &p, 0x10000, &ix), -ENOEXEC);
	assert_null(ix);
	free(p.fns);
}

/* A module with PT_GNU_EH_FRAME (this test: a dynamic PIE) is libunwind's own business. */
static void test_has_header(void **state)
{
	struct sp_eh_index *ix = NULL;
	struct prog p;

	(void)state;
	prog_read("/proc/self/exe", &p);
	assert_true(p.has_hdr);
	assert_int_equal(index_at("/proc/self/exe", &p, 0x555555554000ULL, &ix), -ENOENT);
	assert_null(ix);
	free(p.fns);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* The answer to a damaged image: an error the header names, or a table in order. */
static void check_damaged(const unsigned char *buf, size_t len, const struct sp_eh_mapping *m)
{
	struct sp_eh_index *ix = NULL;
	unsigned char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	rc = sp_eh_index_from_mem(copy, len, m, &ix);
	if (rc == 0) {
		assert_non_null(ix);
		for (size_t i = 1; i < ix->nrows; i++)
			assert_true(ix->rows[i - 1].start < ix->rows[i].start);
		sp_eh_index_free(ix);
	} else {
		assert_true(rc == -ENOENT || rc == -ENOEXEC || rc == -ENOMEM);
	}
	free(copy);
}

static void test_damaged(void **state)
{
	struct sp_eh_mapping m;
	unsigned char *buf, *bad;
	size_t len;
	struct prog p;
	unsigned int seed = 1;

	(void)state;
	if (!prog_usable(STACK_STATIC, &p))
		return;
	m = (struct sp_eh_mapping){p.text_vaddr & ~4095ULL, p.text_offset & ~4095ULL};
	buf = slurp(STACK_STATIC, &len);
	/* Cut short anywhere: the section headers, at the end, go first. */
	for (size_t n = 0; n < len; n += len / 211 + 1)
		check_damaged(buf, n, &m);
	check_damaged(buf, len - 1, &m);
	/* Bytes overwritten anywhere (a fixed seed: the same damage each run). */
	bad = malloc(len);
	assert_non_null(bad);
	for (int round = 0; round < 200; round++) {
		memcpy(bad, buf, len);
		for (int k = 0; k < 64; k++)
			bad[(size_t)rand_r(&seed) % len] = (unsigned char)rand_r(&seed);
		check_damaged(bad, len, &m);
	}
	free(bad);
	free(buf);
	free(p.fns);
}

/*
 * Runs path as a tracee until it stops itself, unwinds it, and checks
 * that the frames go through stack_static_probe, _middle, _outer and
 * main in that order, each a return address inside its function.
 */
static void check_unwind(const char *path)
{
	const char *want[] = {"stack_static_probe", "stack_static_middle", "stack_static_outer",
	                      "main"};
	struct sp_maps *maps = sp_maps_new();
	struct sp_stack *st = sp_stack_new(maps, false);
	const char *base = strrchr(path, '/') + 1;
	struct sp_stack_stats s;
	size_t k = 0, i;
	struct prog p;
	json_t *frames, *f;
	int status;
	pid_t pid;

	if (!prog_usable(path, &p))
		goto out;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(127);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP); /* at exec */
	assert_int_equal(ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_EXITKILL), 0);
	assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	frames = sp_stack_capture(st, pid, pid);
	assert_non_null(frames);
	json_array_foreach(frames, i, f) {
		const char *module = json_string_value(json_object_get(f, "module"));
		json_t *off = json_object_get(f, "module_off");
		const struct fn *fn;

		assert_non_null(module);
		assert_string_equal(module, base);
		assert_true(json_is_integer(off));
		/* ip - 1: a return address may lie just past its call's function. */
		fn = prog_fn(&p, (uint64_t)json_integer_value(off) - p.text_offset + p.text_vaddr -
		                     (i ? 1 : 0));
		if (k < sizeof(want) / sizeof(*want) && fn && !strcmp(fn->name, want[k]))
			k++;
	}
	if (k < sizeof(want) / sizeof(*want)) {
		char *dump = json_dumps(frames, 0);

		print_message("%s: %s not found in order in %s\n", path, want[k], dump);
		free(dump);
	}
	assert_int_equal(k, sizeof(want) / sizeof(*want));
	sp_stack_get_stats(st, &s);
	assert_int_equal(s.eh_tables, 1);
	json_decref(frames);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	sp_stack_forget(st, pid);
	free(p.fns);
out:
	sp_stack_free(st);
	sp_maps_free(maps);
}

static void test_unwind_static(void **state)
{
	(void)state;
	check_unwind(STACK_STATIC);
}

static void test_unwind_static_pie(void **state)
{
	(void)state;
	check_unwind(STACK_STATIC_PIE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_static),      cmocka_unit_test(test_table_static_pie),
	    cmocka_unit_test(test_exec_moved),        cmocka_unit_test(test_has_header),
	    cmocka_unit_test(test_damaged),           cmocka_unit_test(test_unwind_static),
	    cmocka_unit_test(test_unwind_static_pie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
