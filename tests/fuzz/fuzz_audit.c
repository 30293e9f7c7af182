/* SPDX-License-Identifier: MIT */
/*
 * The audit-record parser (enforce/audit.c) on arbitrary bytes: `run`
 * reads these records from the kernel, and their comm and exe fields are
 * whatever the watched program named itself.  The parser takes a record
 * (1) or not (0), reads nothing beyond len (ASan sees the input's end),
 * and what it takes is a record seccomp could have written.
 */
#include "sysphase/enforce.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_audit_seccomp rec;
	int rc = sp_audit_parse_seccomp((const char *)data, size, &rec);

	if (rc != 0 && rc != 1)
		fuzz_bug("sp_audit_parse_seccomp returned neither 0 nor 1", NULL);
	if (rc == 1 && rec.pid <= 0)
		fuzz_bug("a record was taken with a pid that cannot be", NULL);
	return 0;
}
