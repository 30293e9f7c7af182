/* SPDX-License-Identifier: MIT */
/*
 * The complain-log reader (policy/complain_log.c, what `export --merge`
 * folds into a policy) on arbitrary bytes.  Every violation it accepts,
 * written back with sp_complain_write and read again, must be the same
 * call: the writer and the reader are one format.
 */
#include <jansson.h>

#include "sysphase/policy.h"
#include "tests/fuzz/fuzz.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* ev (accepted by the reader) through the writer and the reader again. */
static void round_trip(const struct sp_event *ev)
{
	struct sp_diag diag = {{0}};
	struct sp_complain_reader *r;
	struct sp_event back = {0};
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		fuzz_bug("open_memstream", NULL);
	if (sp_complain_write(f, ev, ev->phase, &diag) < 0)
		fuzz_bug("an accepted violation cannot be written", diag.msg);
	fclose(f);
	f = fmemopen(buf, size, "r");
	r = f ? sp_complain_reader_new(f, "again.log") : NULL;
	if (!r)
		fuzz_bug("fmemopen or sp_complain_reader_new", NULL);
	if (sp_complain_reader_next(r, &back, &diag) != 1)
		fuzz_bug("a written violation is not read back", diag.msg);
	if (back.type != ev->type || back.pid != ev->pid || back.tid != ev->tid ||
	    back.abi != ev->abi || back.nr != ev->nr || !same_str(back.name, ev->name) ||
	    !same_str(back.phase, ev->phase) || !same_str(back.site, ev->site) ||
	    memcmp(back.args, ev->args, sizeof(ev->args)) ||
	    !(back.dec ? ev->dec && json_equal(back.dec, ev->dec) : !ev->dec))
		fuzz_bug("a violation read back differs from the one written", buf);
	if (sp_complain_reader_next(r, &back, &diag) != 0)
		fuzz_bug("one written violation reads back as more", buf);
	sp_event_clear(&back);
	sp_complain_reader_free(r);
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag diag = {{0}};
	struct sp_complain_reader *r;
	struct sp_event ev = {0};
	FILE *f;
	int rc;

	/* fmemopen refuses an empty buffer: an empty log is /dev/null. */
	f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "re");
	if (!f)
		fuzz_bug("fmemopen", strerror(errno));
	r = sp_complain_reader_new(f, "fuzz.log");
	if (!r)
		fuzz_bug("sp_complain_reader_new", NULL);
	while ((rc = sp_complain_reader_next(r, &ev, &diag)) > 0)
		round_trip(&ev);
	fuzz_check_rc(rc, &diag);
	sp_event_clear(&ev);
	sp_complain_reader_free(r);
	fclose(f);
	return 0;
}
