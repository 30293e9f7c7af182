/* SPDX-License-Identifier: MIT */
/*
 * Not a tracee: the e2e tests' probe for the i386 ABI (see ia32.h).
 * Exits 0 and prints "ia32: yes" when `int $0x80` works, exits 1 and says
 * why when this kernel has no IA32 emulation, exits 2 when the probe
 * cannot tell.
 */
#include <stdio.h>
#include <string.h>

#include "ia32.h"

int main(void)
{
	int r = ia32_available();

	if (r > 0) {
		puts("ia32: yes");
		return 0;
	}
	if (r == 0) {
		puts("ia32: no (int $0x80 getpid dies of SIGSEGV: no IA32 emulation)");
		return 1;
	}
	printf("ia32: probe failed: %s\n", strerror(-r));
	return 2;
}
