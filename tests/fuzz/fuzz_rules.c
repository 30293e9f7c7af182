/* SPDX-License-Identifier: MIT */
/*
 * The rules parser (sp_rules_parse) on arbitrary bytes.  An accepted rule
 * set must survive the round trip policy.json relies on: to_json, then
 * from_json, gives a rule set that prints the same JSON.
 */
#include <jansson.h>

#include "sysphase/phases.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag diag = {{0}};
	struct sp_rules *r = NULL, *back = NULL;
	json_t *once, *twice;
	int rc;

	rc = sp_rules_parse((const char *)data, size, "fuzz.json", &r, &diag);
	if (fuzz_check_rc(rc, &diag) < 0)
		return 0;
	once = sp_rules_to_json(r);
	if (!once)
		fuzz_bug("sp_rules_to_json failed on an accepted rule set", NULL);
	if (sp_rules_from_json(once, "fuzz.json", &back, &diag) < 0)
		fuzz_bug("an accepted rule set, printed, is refused", diag.msg);
	twice = sp_rules_to_json(back);
	if (!twice || !json_equal(once, twice))
		fuzz_bug("printing a re-read rule set gives other JSON", NULL);
	json_decref(once);
	json_decref(twice);
	sp_rules_free(back);
	sp_rules_free(r);
	return 0;
}
