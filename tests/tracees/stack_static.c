/* SPDX-License-Identifier: MIT */
/*
 * A static program without .eh_frame_hdr, as Debian's busybox is: linked
 * -static -Wl,--no-eh-frame-hdr, and as a static PIE (stack_static_pie,
 * loaded anywhere) by tests/CMakeLists.txt.  It stops itself with SIGSTOP
 * three calls below main, for tests/unit/test_eh_index.c to unwind, then
 * exits 0.  The functions keep their frames (noinline, work after each
 * call: no tail calls) and their symbols, which the test checks frames by.
 */
#include <signal.h>

__attribute__((noinline)) int stack_static_probe(int depth)
{
	raise(SIGSTOP);
	return depth + 1;
}

__attribute__((noinline)) int stack_static_middle(int depth)
{
	return stack_static_probe(depth + 1) * 2;
}

__attribute__((noinline)) int stack_static_outer(int depth)
{
	return stack_static_middle(depth + 1) + 1;
}

int main(void)
{
	return stack_static_outer(0) == 9 ? 0 : 1;
}
