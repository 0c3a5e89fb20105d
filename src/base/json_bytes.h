/* Bytes inside JSON documents: base64 string values in and out. */
#ifndef TP_BASE_JSON_BYTES_H
#define TP_BASE_JSON_BYTES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"

/* A new JSON string holding the padded standard base64 of p, or NULL. */
json_t *tp_json_base64(const uint8_t *p, size_t n);
/* Appends the bytes of obj[key], a base64 string; 0 when absent, not a string or not base64. */
int tp_json_get_base64(const json_t *obj, const char *key, tp_buf *out);
/* Overwrites every string value inside v (objects and arrays, recursively; keys are kept)
 * with zeros: jansson frees its copies of secrets without wiping them. */
void tp_json_wipe_strings(json_t *v);
/* tp_json_wipe_strings then json_decref (NULL is fine). */
void tp_json_wipe_decref(json_t *v);

#endif
