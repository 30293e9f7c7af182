/* SPDX-License-Identifier: MIT */
/*
 * The policy loader (sp_policy_from_json) on whatever JSON the bytes
 * parse to.  An accepted policy must print (sp_policy_to_json) as JSON
 * that loads again and prints the same: `run` and `compare` read what
 * `export` wrote.
 */
#include <jansson.h>

#include "sysphase/policy.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag diag = {{0}};
	struct sp_policy *p = NULL, *back = NULL;
	json_t *root, *once, *twice;
	json_error_t jerr;

	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return 0;
	if (fuzz_check_rc(sp_policy_from_json(root, "fuzz.json", &p, &diag), &diag) < 0) {
		json_decref(root);
		return 0;
	}
	json_decref(root);
	once = sp_policy_to_json(p);
	if (!once)
		fuzz_bug("sp_policy_to_json failed on an accepted policy", NULL);
	if (sp_policy_from_json(once, "fuzz.json", &back, &diag) < 0)
		fuzz_bug("an accepted policy, printed, is refused", diag.msg);
	twice = sp_policy_to_json(back);
	if (!twice || !json_equal(once, twice))
		fuzz_bug("printing a re-read policy gives other JSON", NULL);
	json_decref(once);
	json_decref(twice);
	sp_policy_free(back);
	sp_policy_free(p);
	return 0;
}
