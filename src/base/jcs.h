/* RFC 8785 JSON Canonicalization Scheme over a jansson value. */
#ifndef TP_BASE_JCS_H
#define TP_BASE_JCS_H

#include <jansson.h>

#include "base/bytes.h"

/* Appends the canonical form of v; 1/0 (0 on non-finite numbers or invalid UTF-8). */
int tp_jcs_serialize(const json_t *v, tp_buf *out);

#endif
