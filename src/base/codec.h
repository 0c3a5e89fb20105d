/* Hex and base64 (standard and URL-safe) codecs, and digest helpers. */
#ifndef TP_BASE_CODEC_H
#define TP_BASE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"

/* Writes 2*n lowercase hex chars + NUL into out (size >= 2*n+1). */
void tp_hex_encode(const uint8_t *in, size_t n, char *out);
/* Value of one hex digit (either case), or -1. */
int tp_hex_digit(int c);
/* Appends the decoded bytes of a hex string (even length, either case); 1/0. */
int tp_hex_decode(const char *hex, size_t hex_len, tp_buf *out);
/* Decodes exactly n bytes into out; 1/0. */
int tp_hex_decode_fixed(const char *hex, uint8_t *out, size_t n);

/* Appends base64 of in (with padding; url=1: URL-safe alphabet without padding). */
int tp_base64_encode(const uint8_t *in, size_t n, int url, tp_buf *out);
/* Appends decoded bytes; accepts padded or unpadded input of the chosen alphabet,
 * rejects any other character. */
int tp_base64_decode(const char *in, size_t n, int url, tp_buf *out);

void tp_sha256(const void *p, size_t n, uint8_t out[32]);
void tp_sha384(const void *p, size_t n, uint8_t out[48]);
void tp_sha512(const void *p, size_t n, uint8_t out[64]);

#endif
