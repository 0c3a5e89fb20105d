/* Strict RFC 8259 scanner that validates a whole JSON document and finds the exact byte
 * span of the value a selector path names. Strict: valid UTF-8 only, no lone surrogate
 * escapes, nesting depth <= TP_JSON_MAX_DEPTH, and an object with two members of the same
 * (unescaped) name makes the document invalid (ambiguous for a selector). */
#ifndef TP_MANIFEST_JSON_SPAN_H
#define TP_MANIFEST_JSON_SPAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

#define TP_JSON_MAX_DEPTH 64

/* Validates p[0..n) as one JSON text; TP_ERR_JSON with the offset when it is not. */
tp_err tp_json_validate(const uint8_t *p, size_t n, tp_error *err);

/* Validates the document, then resolves selector (a JSON array whose steps are strings =
 * object member names, or non-negative integers = array indexes; a string of decimal
 * digits applied to an array is an index too). *off / *len: the value's bytes (no
 * surrounding whitespace). TP_ERR_JSON: invalid document; TP_ERR_SELECTOR: no such value
 * (the detail names the first step that did not match). */
tp_err tp_json_select(const uint8_t *p, size_t n, const json_t *selector, size_t *off,
                      size_t *len, tp_error *err);

/* Several selectors resolved in one pass (the cost of one scan, whatever their number). */
typedef struct tp_json_match {
    const json_t *selector; /* in */
    int found;              /* out: 0 when no value is at that path */
    size_t off, len;        /* out */
} tp_json_match;
tp_err tp_json_select_many(const uint8_t *p, size_t n, tp_json_match *matches, size_t count,
                           tp_error *err);

/* Writes the selector as a dotted path ("data.user.id", "items.0.name") for messages. */
void tp_json_selector_str(const json_t *selector, char *out, size_t out_size);

#endif
