/* SPDX-License-Identifier: MIT */
/*
 * Call-site modules, checked against what the dynamic linker says about
 * this very process: its own functions lie in the test binary, libc's in
 * libc.so.6, and the file offsets agree with the ELF program headers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr, dl_iterate_phdr */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tracer/maps.h"

/* A function of the test binary whose address is looked up. */
__attribute__((noinline)) int maps_probe(int x)
{
	return x * 3 + 1;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The basename of this test's executable, from the kernel. */
static void self_name(char *buf, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(len > 0);
	exe[len] = '\0';
	assert_true((size_t)snprintf(buf, n, "%s", base_name(exe)) < n);
}

static uint64_t libc_address(void)
{
	/*
	 * gnu_get_libc_version exists only in glibc and no sanitizer
	 * intercepts it, so dlsym finds libc's own definition.
	 */
	void *p = dlsym(RTLD_DEFAULT, "gnu_get_libc_version");

	assert_non_null(p);
	return (uint64_t)(uintptr_t)p;
}

/*
 * The body of a child that only needs to exist: it dies with this test
 * (PR_SET_PDEATHSIG), so a failing assertion cannot leave it holding
 * ctest's output pipe.
 */
static pid_t test_pid; /* this test process, set by main */

static void idle_child(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != test_pid)
		_exit(0);
	for (;;)
		pause();
}

static void test_own_function_and_libc(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	char self[256];
	Dl_info info;
	uint64_t libc = libc_address();
	const char *m;

	(void)state;
	assert_non_null(maps);
	self_name(self, sizeof(self));
	m = sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)&maps_probe);
	assert_non_null(m);
	assert_string_equal(m, self);

	m = sp_maps_module(maps, getpid(), libc);
	assert_non_null(m);
	assert_string_equal(m, "libc.so.6");
	assert_true(dladdr((void *)(uintptr_t)libc, &info) != 0);
	assert_string_equal(m, base_name(info.dli_fname));
	/* The same name is handed out again: names are interned. */
	assert_ptr_equal(sp_maps_module(maps, getpid(), libc + 1), m);
	sp_maps_free(maps);
}

static void test_special_mappings(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
	int local = 0;
	const char *m;

	(void)state;
	if (vdso) {
		m = sp_maps_module(maps, getpid(), vdso);
		assert_non_null(m);
		assert_string_equal(m, "[vdso]");
	}
	m = sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)&local);
	/* ASan may move locals to a fake stack in anonymous memory, not kept. */
	if (m)
		assert_string_equal(m, "[stack]");
	/* Page 0 is never mapped (vm.mmap_min_addr). */
	assert_null(sp_maps_module(maps, getpid(), 0x10));
	sp_maps_free(maps);
}

struct phdr_query {
	uint64_t addr;
	uint64_t file_off;
	bool found;
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct phdr_query *q = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || q->addr < start || q->addr >= start + ph->p_filesz)
			continue;
		q->file_off = q->addr - start + ph->p_offset;
		q->found = true;
		return 1;
	}
	return 0;
}

/* sp_maps_locate's offset is the offset in the file, as the ELF headers place it. */
static void test_locate_offset(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	uint64_t addrs[2] = {(uint64_t)(uintptr_t)&maps_probe, libc_address()};
	const char *module = NULL;
	uint64_t off = 0;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct phdr_query q = {.addr = addrs[i]};

		dl_iterate_phdr(phdr_cb, &q);
		assert_true(q.found);
		assert_int_equal(sp_maps_locate(maps, getpid(), addrs[i], &module, &off), 0);
		assert_int_equal(off, q.file_off);
	}
	assert_string_equal(module, "libc.so.6");
	assert_int_equal(sp_maps_locate(maps, getpid(), 0x10, &module, &off), -ENOENT);
	sp_maps_free(maps);
}

/* Mappings made after the first read are found: a miss re-reads the maps. */
static void test_miss_rereads(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	char path[] = "/tmp/sp-maps-test-XXXXXX";
	const char *m;
	void *anon, *file;
	int fd;

	(void)state;
	/* Fill the cache first. */
	assert_non_null(sp_maps_module(maps, getpid(), libc_address()));

	anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	m = sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)anon + 100);
	assert_non_null(m);
	assert_string_equal(m, "[anon]");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	file = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(file != MAP_FAILED);
	/* Unlinked: the kernel says "(deleted)", which is not part of the name. */
	unlink(path);
	m = sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)file + 5000);
	assert_non_null(m);
	assert_string_equal(m, base_name(path));

	munmap(anon, 4096);
	munmap(file, 8192);
	close(fd);
	sp_maps_free(maps);
}

/* Anonymous data is not a module, even after a re-read. */
static void test_anon_data(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	void *anon;

	(void)state;
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_null(sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)anon));
	assert_null(sp_maps_module(maps, getpid(), (uint64_t)(uintptr_t)anon + 4095));
	munmap(anon, 4096);
	sp_maps_free(maps);
}

/*
 * Another process: a forked child has the same layout; once it is gone and
 * forgotten, nothing is found for it (its maps are not served stale), while
 * names handed out earlier stay valid.
 */
static void test_other_process_and_forget(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	uint64_t ip = (uint64_t)(uintptr_t)&maps_probe;
	char self[256];
	const char *m;
	int status;
	pid_t child;

	(void)state;
	self_name(self, sizeof(self));
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		idle_child();
	}
	m = sp_maps_module(maps, child, ip);
	assert_non_null(m);
	assert_string_equal(m, self);
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);

	/* Still cached: the lookup does not need the process. */
	assert_ptr_equal(sp_maps_module(maps, child, ip), m);
	sp_maps_forget(maps, child);
	assert_null(sp_maps_module(maps, child, ip));
	assert_string_equal(m, self);
	/* Forgetting an unknown pid is harmless. */
	sp_maps_forget(maps, child);
	assert_non_null(sp_maps_module(maps, getpid(), ip));
	sp_maps_free(maps);
}

/* Many processes in the cache at once, forgotten in another order. */
static void test_many_pids(void **state)
{
	struct sp_maps *maps = sp_maps_new();
	uint64_t ip = (uint64_t)(uintptr_t)&maps_probe;
	pid_t kids[24];
	int status;

	(void)state;
	for (int i = 0; i < 24; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			idle_child();
		}
	}
	for (int i = 23; i >= 0; i--)
		assert_non_null(sp_maps_module(maps, kids[i], ip));
	for (int i = 0; i < 24; i += 2) {
		sp_maps_forget(maps, kids[i]);
		kill(kids[i], SIGKILL);
		waitpid(kids[i], &status, 0);
	}
	for (int i = 1; i < 24; i += 2) {
		assert_non_null(sp_maps_module(maps, kids[i], ip));
		kill(kids[i], SIGKILL);
		waitpid(kids[i], &status, 0);
	}
	for (int i = 0; i < 24; i += 2)
		assert_null(sp_maps_module(maps, kids[i], ip));
	sp_maps_free(maps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_own_function_and_libc),
	    cmocka_unit_test(test_special_mappings),
	    cmocka_unit_test(test_locate_offset),
	    cmocka_unit_test(test_miss_rereads),
	    cmocka_unit_test(test_anon_data),
	    cmocka_unit_test(test_other_process_and_forget),
	    cmocka_unit_test(test_many_pids),
	};

	test_pid = getpid();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
