/* Lossless reading of JSON numbers. jansson turns a number into a double or an int64, which
 * rounds 999.99999999999999999 to 1000 and 23-digit integers to 17 digits; these helpers
 * keep each number token's text instead. They take a text that a strict parser has already
 * validated (tp_json_validate / tp_json_select): they only find where strings and numbers
 * are, they do not check the grammar again. */
#ifndef TP_BASE_JSON_EXACT_H
#define TP_BASE_JSON_EXACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* How the numbers of a text appear in the tree built from it. */
typedef enum {
    TP_JSON_NUMBERS_AS_TEXT, /* a string holding the exact token: 999.99999999999999999 -> "999.99999999999999999" */
    TP_JSON_NUMBERS_AS_ZERO  /* the integer 0: the tree says which nodes are numbers */
} tp_json_number_form;

/* The value of the valid JSON text p[0..n) with its numbers in the given form (strings may
 * hold NUL; duplicate names refused); NULL on failure. Reading a text in both forms gives
 * two trees of the same shape: "exact" and "kind". */
json_t *tp_json_load_numbers(const uint8_t *p, size_t n, tp_json_number_form form);

/* Calls fn on each number token of the valid JSON text p[0..n), in order; stops at the
 * first call that returns 0 and returns 0 then, 1 otherwise. */
typedef int (*tp_json_number_fn)(const char *tok, size_t len, void *ctx);
int tp_json_each_number(const uint8_t *p, size_t n, tp_json_number_fn fn, void *ctx);

/* A deep copy of a jansson value with each number replaced by a string of its RFC 8785 form
 * (exact for a number written canonically); NULL on failure. */
json_t *tp_json_numbers_to_text(const json_t *v);

#endif
