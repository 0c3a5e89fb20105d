/* Human-readable JSON output: sorted keys, two-space indentation, and the RFC 8785 form of
 * every scalar, so numbers print as their shortest round-trip form (1234.56, not
 * jansson's 1234.5599999999999) exactly as they were signed. */
#ifndef TP_BASE_JSON_PRETTY_H
#define TP_BASE_JSON_PRETTY_H

#include <jansson.h>

#include "base/bytes.h"

/* Appends the pretty form of v (no trailing newline); 1/0. */
int tp_json_pretty(const json_t *v, tp_buf *out);
/* The same as a NUL-terminated string (caller frees), or NULL. */
char *tp_json_pretty_string(const json_t *v);

#endif
