/* SPDX-License-Identifier: MIT */
/*
 * A classic BPF interpreter with the kernel's seccomp rules: what a filter
 * would answer for one struct seccomp_data, without loading it.  The
 * checks follow the kernel's two passes over a program handed to
 * seccomp(SECCOMP_SET_MODE_FILTER): bpf_check_classic() (net/core/filter.c:
 * opcodes, jump targets, scratch memory, a final return) and
 * seccomp_check_filter() (kernel/seccomp.c: only 32-bit aligned absolute
 * loads inside seccomp_data, no packet-relative loads, no extensions).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sysphase/filters.h"

/* The instructions seccomp_check_filter() lets through (after its rewrites). */
static bool seccomp_allows_code(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/* One instruction's own limits, as bpf_check_classic() and seccomp_check_filter() see them. */
static bool insn_valid(const struct sock_filter *f, size_t pc, size_t len)
{
	if (!seccomp_allows_code(f->code))
		return false;
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		/* seccomp: inside struct seccomp_data and 32-bit aligned. */
		return f->k < sizeof(struct seccomp_data) && (f->k & 3) == 0;
	case BPF_ALU | BPF_DIV | BPF_K:
		return f->k != 0;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return f->k < 32;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return f->k < BPF_MEMWORDS;
	case BPF_JMP | BPF_JA:
		return f->k < len - pc - 1;
	default:
		if (is_cond_jump(f->code))
			return pc + f->jt + 1 < len && pc + f->jf + 1 < len;
		return true;
	}
}

/*
 * check_load_and_stores(): a scratch word may only be read on paths where
 * it was written.  One bit per word; a jump target keeps the words valid
 * on every path into it.
 */
static bool memory_initialised(const struct sock_filter *insns, size_t len)
{
	uint16_t masks[BPF_MAXINSNS];
	uint16_t valid = 0;

	memset(masks, 0xff, len * sizeof(masks[0]));
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];

		valid &= masks[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1u << f->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(valid & (1u << f->k)))
				return false;
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= valid;
			valid = 0xffff;
			break;
		default:
			if (is_cond_jump(f->code)) {
				masks[pc + 1 + f->jt] &= valid;
				masks[pc + 1 + f->jf] &= valid;
				valid = 0xffff;
			}
			break;
		}
	}
	return true;
}

int sp_bpf_check(const struct sock_filter *insns, size_t len)
{
	uint16_t last;

	if (!insns || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (size_t pc = 0; pc < len; pc++)
		if (!insn_valid(&insns[pc], pc, len))
			return -EINVAL;
	last = insns[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	return memory_initialised(insns, len) ? 0 : -EINVAL;
}

static uint32_t load_word(const struct seccomp_data *data, uint32_t off)
{
	uint32_t w;

	memcpy(&w, (const unsigned char *)data + off, sizeof(w));
	return w;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t operand)
{
	switch (op) {
	case BPF_ADD:
		return a + operand;
	case BPF_SUB:
		return a - operand;
	case BPF_MUL:
		return a * operand;
	case BPF_DIV:
		return a / operand; /* the caller handles a zero X */
	case BPF_AND:
		return a & operand;
	case BPF_OR:
		return a | operand;
	case BPF_XOR:
		return a ^ operand;
	/* The kernel's interpreter and JITs shift 32-bit registers by the count modulo 32. */
	case BPF_LSH:
		return a << (operand & 31);
	case BPF_RSH:
		return a >> (operand & 31);
	default: /* BPF_NEG */
		return (uint32_t)-a;
	}
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t operand)
{
	switch (op) {
	case BPF_JEQ:
		return a == operand;
	case BPF_JGE:
		return a >= operand;
	case BPF_JGT:
		return a > operand;
	default: /* BPF_JSET */
		return (a & operand) != 0;
	}
}

int sp_bpf_run(const struct sock_filter *insns, size_t len, const struct seccomp_data *data,
               uint32_t *action)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	int rc = sp_bpf_check(insns, len);

	if (rc < 0)
		return rc;
	/* Checked: every jump goes forward and stays inside, so this ends at a return. */
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];
		uint32_t operand = BPF_SRC(f->code) == BPF_X ? x : f->k;

		switch (BPF_CLASS(f->code)) {
		case BPF_RET:
			*action = BPF_RVAL(f->code) == BPF_A ? a : f->k;
			return 0;
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS)
				a = load_word(data, f->k);
			else if (BPF_MODE(f->code) == BPF_LEN)
				a = sizeof(*data);
			else if (BPF_MODE(f->code) == BPF_MEM)
				a = mem[f->k];
			else
				a = f->k;
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_LEN)
				x = sizeof(*data);
			else if (BPF_MODE(f->code) == BPF_MEM)
				x = mem[f->k];
			else
				x = f->k;
			break;
		case BPF_ST:
			mem[f->k] = a;
			break;
		case BPF_STX:
			mem[f->k] = x;
			break;
		case BPF_ALU:
			/*
			 * A division by a zero X ends the program with 0 (the
			 * classic-to-eBPF conversion's "return 0"), which seccomp
			 * reads as SECCOMP_RET_KILL_THREAD.
			 */
			if (BPF_OP(f->code) == BPF_DIV && operand == 0) {
				*action = 0;
				return 0;
			}
			a = alu(BPF_OP(f->code), a, operand);
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA)
				pc += f->k;
			else
				pc += jump_taken(BPF_OP(f->code), a, operand) ? f->jt : f->jf;
			break;
		default: /* BPF_MISC */
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return -EINVAL; /* unreachable after sp_bpf_check */
}
