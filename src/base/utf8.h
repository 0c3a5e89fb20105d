/* UTF-8 decoding (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
#ifndef TP_BASE_UTF8_H
#define TP_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the scalar value starting at s[*i] (i < n) into *cp and advances *i; 0 when the
 * bytes there are not valid UTF-8 (then *i is unchanged). */
int tp_utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp);
/* Appends the UTF-8 encoding of cp (a scalar value) to out[0..3]; returns its length. */
size_t tp_utf8_encode(uint32_t cp, uint8_t out[4]);
/* 1 when s[0..n) is entirely valid UTF-8. */
int tp_utf8_valid(const uint8_t *s, size_t n);

#endif
