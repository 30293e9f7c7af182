/* SPDX-License-Identifier: MIT */
/*
 * The compiled threat table against the shipped threat-model.json: no
 * drift, dup at its higher threat (2), and every modern variant mapped to
 * a rated classic call that libseccomp knows on x86-64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sysphase/filters.h"
#include "sysphase/core.h"

static json_t *load_model(void)
{
	json_error_t err;
	json_t *root =
	    json_load_file(SYSPHASE_SOURCE_DIR "/analysis/data/threat-model.json", 0, &err);

	if (!root)
		print_error("threat-model.json: %d: %s\n", err.line, err.text);
	assert_non_null(root);
	return root;
}

/* The level the JSON gives name: the most threatening (lowest) one listing it. */
static int json_level(json_t *levels, const char *name)
{
	const char *key;
	json_t *lv;
	int best = 0;

	json_object_foreach(levels, key, lv) {
		size_t i;
		json_t *s;
		int level = atoi(key);

		json_array_foreach(json_object_get(lv, "syscalls"), i, s)
			if (strcmp(json_string_value(s), name) == 0 && (!best || level < best))
				best = level;
	}
	return best;
}

static void test_table_matches_json(void **state)
{
	json_t *root = load_model(), *levels = json_object_get(root, "levels"), *lv, *s;
	const char *key, *name;
	size_t distinct = 0, i, n;
	int level;

	(void)state;
	assert_non_null(levels);
	/* Every JSON name is in the table at its JSON level. */
	json_object_foreach(levels, key, lv) {
		assert_string_equal(sp_threat_level_name(atoi(key)),
		                    json_string_value(json_object_get(lv, "name")));
		json_array_foreach(json_object_get(lv, "syscalls"), i, s) {
			const char *nm = json_string_value(s);

			if (json_level(levels, nm) != atoi(key))
				continue; /* counted at its winning level */
			distinct++;
			if (sp_threat_level(nm) != atoi(key))
				print_error("%s: table says %d, JSON %s\n", nm, sp_threat_level(nm),
				            key);
			assert_int_equal(sp_threat_level(nm), atoi(key));
		}
	}
	/* And the table holds nothing else. */
	for (n = 0; (name = sp_threat_entry(n, &level)); n++)
		assert_int_equal(json_level(levels, name), level);
	assert_int_equal(n, distinct);
	json_decref(root);
}

static void test_variants(void **state)
{
	const char *name, *classic;
	int level;

	(void)state;
	for (size_t i = 0; (name = sp_threat_variant(i, &classic)); i++) {
		/* A variant is not itself in Figure 1, and its classic form is. */
		for (size_t j = 0; sp_threat_entry(j, &level); j++)
			assert_string_not_equal(sp_threat_entry(j, &level), name);
		assert_true(sp_threat_level(name) >= 1);
		assert_int_equal(sp_threat_level(name), sp_threat_level(classic));
		if (sp_filter_syscall_nr(name) < 0)
			print_error("%s: not an x86-64 syscall for libseccomp\n", name);
		assert_true(sp_filter_syscall_nr(name) >= 0);
	}
}

/* sysphase's own ratings: not in Figure 1, each with a reason, each a real x86-64 call. */
static void test_additions(void **state)
{
	json_t *root = load_model(), *levels = json_object_get(root, "levels");
	const char *name, *classic;
	size_t n = 0;
	int level;

	(void)state;
	for (size_t i = 0; (name = sp_threat_addition(i, &level)); i++, n++) {
		assert_int_equal(json_level(levels, name), 0);
		for (size_t j = 0; sp_threat_variant(j, &classic); j++)
			assert_string_not_equal(sp_threat_variant(j, &classic), name);
		assert_true(level >= 1 && level <= SP_THREAT_LEVELS);
		assert_int_equal(sp_threat_level(name), level);
		assert_non_null(sp_threat_reason(name));
		assert_true(sp_filter_syscall_nr(name) >= 0);
	}
	assert_true(n >= 3);
	/* io_uring at the highest threat: its operations never meet a filter. */
	assert_int_equal(sp_threat_level("io_uring_setup"), 1);
	assert_int_equal(sp_threat_level("io_uring_enter"), 1);
	assert_int_equal(sp_threat_level("io_uring_register"), 1);
	assert_non_null(strstr(sp_threat_reason("io_uring_enter"), "seccomp"));
	assert_null(sp_threat_reason("openat"));
	json_decref(root);
}

static void test_examples(void **state)
{
	(void)state;
	assert_int_equal(sp_threat_level("dup"), 2);
	assert_int_equal(sp_threat_level("dup3"), 2);
	assert_int_equal(sp_threat_level("openat"), 1);
	assert_int_equal(sp_threat_level("execveat"), 1);
	assert_int_equal(sp_threat_level("renameat2"), 1);
	assert_int_equal(sp_threat_level("fchmodat"), 1);
	assert_int_equal(sp_threat_level("clone3"), 2);
	assert_int_equal(sp_threat_level("vfork"), 2);
	assert_int_equal(sp_threat_level("pread64"), 3);
	assert_int_equal(sp_threat_level("getppid"), 4);
	assert_int_equal(sp_threat_level("gettid"), 0);
	assert_int_equal(sp_threat_level("no_such_call"), 0);
	assert_int_equal(sp_threat_level(NULL), 0);
	assert_string_equal(sp_threat_class("openat2"), "open");
	assert_null(sp_threat_class("mmap"));
	assert_null(sp_threat_level_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_matches_json),
	    cmocka_unit_test(test_variants),
	    cmocka_unit_test(test_additions),
	    cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
