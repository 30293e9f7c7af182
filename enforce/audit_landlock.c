/* SPDX-License-Identifier: MIT */
/*
 * The kernel's audit records of Landlock denials (Linux 6.15+): parsed
 * here, correlated in audit.c.  An AUDIT_LANDLOCK_ACCESS record names the
 * domain that denied and what ("blockers=fs.read_file path=..."), but no
 * task: the task is in the AUDIT_SYSCALL record of the same event (same
 * serial), which exists only where the task has an audit context, and the
 * domain's creator is in an AUDIT_LANDLOCK_DOMAIN record at the domain's
 * first denial.  The text holds strings the program controls (a path it
 * made, comm): the parser trusts none, refuses a key twice, and decodes
 * hex-encoded values (audit_log_untrustedstring) itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "audit.h"

enum {
	L_DOMAIN,
	L_BLOCKERS,
	L_PATH,
	L_PORT,
	L_PID,
	L_SYSCALL,
	L_STATUS,
	L_COUNT
};

static int key_of(const char *key, size_t n)
{
	static const struct {
		const char *name;
		int field;
	} keys[] = {
	    {"domain", L_DOMAIN},   {"blockers", L_BLOCKERS}, {"path", L_PATH},  {"lport", L_PORT},
	    {"dport", L_PORT},      {"dest", L_PORT},         {"fport", L_PORT}, {"pid", L_PID},
	    {"syscall", L_SYSCALL}, {"status", L_STATUS},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == n && memcmp(keys[i].name, key, n) == 0)
			return keys[i].field;
	return -1;
}

/* A string value: "quoted" (no quote inside), or hex (the kernel's encoding of unsafe bytes). */
static bool string_value(const char *v, size_t n, char *out, size_t size)
{
	size_t len = 0;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		if (n - 2 >= size || memchr(v + 1, '"', n - 2))
			return false;
		memcpy(out, v + 1, n - 2);
		out[n - 2] = '\0';
		return true;
	}
	if (n % 2 || n / 2 >= size)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		unsigned long long byte;

		if (!sp_audit_number(v + i, 2, 16, 0xff, &byte) || byte == 0)
			return false;
		out[len++] = (char)byte;
	}
	out[len] = '\0';
	return true;
}

/* "audit(SECONDS.MILLIS:SERIAL):" at the start (after a kmsg prefix, anywhere). */
static bool serial_of(const char *text, size_t len, uint64_t *serial)
{
	const char *a = memmem(text, len, "audit(", 6), *colon, *close;
	unsigned long long v;

	if (!a)
		return false;
	close = memchr(a, ')', len - (size_t)(a - text));
	colon = close ? memchr(a, ':', (size_t)(close - a)) : NULL;
	if (!colon || !sp_audit_number(colon + 1, (size_t)(close - colon - 1), 10, ~0ULL, &v))
		return false;
	*serial = v;
	return true;
}

static bool take(int f, const char *v, size_t n, struct sp_audit_landlock *r)
{
	unsigned long long x;

	switch (f) {
	case L_DOMAIN:
		if (!sp_audit_number(v, n, 16, ~0ULL, &x))
			return false;
		r->domain = x;
		return true;
	case L_BLOCKERS:
		if (n >= sizeof(r->blockers))
			return false;
		memcpy(r->blockers, v, n);
		r->blockers[n] = '\0';
		return true;
	case L_PATH:
		return string_value(v, n, r->object, sizeof(r->object));
	case L_PORT:
		if (!sp_audit_number(v, n, 10, 65535, &x))
			return false;
		r->port = (long)x;
		return true;
	case L_PID:
		if (!sp_audit_number(v, n, 10, 0x7fffffff, &x) || x == 0)
			return false;
		r->pid = (pid_t)x;
		return true;
	case L_SYSCALL:
		if (!sp_audit_number(v, n, 10, 0x7fffffff, &x))
			return false;
		r->nr = (long)x;
		return true;
	default: /* L_STATUS: only a domain's allocation names its creator */
		return n == 9 && memcmp(v, "allocated", 9) == 0;
	}
}

int sp_audit_parse_landlock(int type, const char *text, size_t len, struct sp_audit_landlock *out)
{
	struct sp_audit_landlock r = {.type = type, .nr = -1, .port = -1};
	unsigned seen = 0, need;
	size_t i = 0;

	if (!text || !serial_of(text, len, &r.serial))
		return 0;
	switch (type) {
	case SP_AUDIT_LANDLOCK_ACCESS:
		need = 1u << L_DOMAIN | 1u << L_BLOCKERS;
		break;
	case SP_AUDIT_LANDLOCK_DOMAIN:
		need = 1u << L_DOMAIN | 1u << L_STATUS | 1u << L_PID;
		break;
	case AUDIT_SYSCALL:
		need = 1u << L_PID | 1u << L_SYSCALL;
		break;
	default:
		return 0;
	}
	while (i < len) {
		size_t start, eq = 0;
		int f;

		while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\0'))
			i++;
		start = i;
		while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\0') {
			if (!eq && text[i] == '=')
				eq = i;
			i++;
		}
		if (!eq || eq == start || (f = key_of(text + start, eq - start)) < 0)
			continue;
		/* A SYSCALL record has ppid and the task's own strings; only need's fields count.
		 */
		if (!(need & (1u << f)) &&
		    !(type == SP_AUDIT_LANDLOCK_ACCESS && (f == L_PATH || f == L_PORT)))
			continue;
		if (seen & (1u << f))
			return 0;
		seen |= 1u << f;
		if (!take(f, text + eq + 1, i - eq - 1, &r))
			return 0;
	}
	if ((seen & need) != need)
		return 0;
	*out = r;
	return 1;
}
