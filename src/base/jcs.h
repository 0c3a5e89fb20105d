/* RFC 8785 JSON Canonicalization Scheme over a jansson value. */
#ifndef TP_BASE_JCS_H
#define TP_BASE_JCS_H

#include <jansson.h>

#include "base/bytes.h"

/* Appends the canonical form of v; 1/0 (0 on non-finite numbers or invalid UTF-8). */
int tp_jcs_serialize(const json_t *v, tp_buf *out);

/* Appends s[0..n) as a canonical JSON string (quoted, escaped); 1/0 (0 on invalid UTF-8). */
int tp_jcs_string(const char *s, size_t n, tp_buf *out);

/* The canonical form of a value read losslessly (tp_json_load_numbers): exact is the tree
 * with every number as a string of its token, kind the same tree with numbers as numbers.
 * Number tokens are copied verbatim, never through a double, and only when each already is
 * its own canonical form. 1 done; -1 a token is not canonical; 0 other failure (the trees
 * differ in shape, invalid UTF-8, too deep, no memory). */
int tp_jcs_serialize_exact(const json_t *exact, const json_t *kind, tp_buf *out);

/* 1 when tok[0..n) is the canonical form of its number: an integer without leading zeros
 * that fits in 64 bits (not "-0"; as jansson integers are written), or otherwise exactly the
 * ECMAScript Number::toString of its double (12.5, 1e+21; not 12.50, 1E3, 1.0 or
 * 12.500000000000000001, which rounds to 12.5). */
int tp_jcs_number_is_canonical(const char *tok, size_t n);

#endif
