/* SPDX-License-Identifier: MIT */
/*
 * Private to sp_trace: what the writer (trace.c), the reader (reader.c)
 * and the pipeline (segment.c) share.
 */
#ifndef SP_TRACE_INT_H
#define SP_TRACE_INT_H

#include <stddef.h>

#include "sysphase/trace.h"

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), 0 when the
 * byte there starts none; the rules jansson's decoder applies (RFC 3629).
 */
size_t sp_utf8_seq(const unsigned char *s, size_t n);

/* The value of an errno name the writer produces (or an alias); -1 when unknown. */
int sp_trace_errno_value(const char *name);

/*
 * For the tests that hold the fast line scanner against jansson: with
 * slow set, every line is parsed by json_loadb() as before the scanner.
 */
void sp_trace_reader_force_slow(struct sp_trace_reader *r, int slow);

/* How many events the scanner read without jansson. */
long sp_trace_reader_fast_lines(const struct sp_trace_reader *r);

#endif /* SP_TRACE_INT_H */
