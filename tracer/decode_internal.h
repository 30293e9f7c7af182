/* SPDX-License-Identifier: MIT */
/*
 * Shared by decode.c and decode_json.c (private to tracer/): JSON values,
 * and the descriptions of file descriptors and socket addresses.
 */
#ifndef SYSPHASE_TRACER_DECODE_INTERNAL_H
#define SYSPHASE_TRACER_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "decode.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct sp_xlat *dec_xlat(enum sp_xlat_kind k);
json_t *dec_hex_json(uint64_t v);
json_t *dec_bytes_json(const char *s, size_t len);
json_t *dec_flags_json(uint64_t v, enum sp_xlat_kind k);
json_t *dec_enum_json(uint64_t v, enum sp_xlat_kind k);
json_t *dec_kind_json(enum sp_arg_kind kind, uint64_t v);
json_t *dec_signal_json(uint64_t signo);
void dec_put(json_t *obj, const char *key, json_t *val);
void dec_put_truncated(json_t *obj, const char *name);
json_t *dec_fd_json(const struct sp_decode_ctx *ctx, int fd);
json_t *dec_dirfd_json(const struct sp_decode_ctx *ctx, int fd);
json_t *dec_sockaddr_json(const struct sp_decode_ctx *ctx, uint64_t addr, uint64_t len);

#endif /* SYSPHASE_TRACER_DECODE_INTERNAL_H */
