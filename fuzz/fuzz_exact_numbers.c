/* libFuzzer target: exact numbers. Input "A\nB..." : the decimal comparator on the tokens A
 * and B must be antisymmetric and agree with the (monotone) rounding to doubles wherever the
 * doubles differ; and for the whole input as a JSON text, the lossless canonical form, when
 * every number is canonical, must equal the RFC 8785 form of jansson's parse (so signing one
 * and checking the other can never disagree). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/decimal.h"
#include "base/jcs.h"
#include "base/json_exact.h"
#include "manifest/json_span.h"

#define MAX_TOKEN 600

static double to_double(const char *s, size_t n)
{
    char buf[MAX_TOKEN + 1];
    memcpy(buf, s, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static void check_compare(const char *a, size_t an, const char *b, size_t bn)
{
    int ab = 9, ba = 9;
    int ok_ab = tp_decimal_compare(a, an, b, bn, &ab), ok_ba = tp_decimal_compare(b, bn, a, an, &ba);
    if (ok_ab != ok_ba || (ok_ab && ab != -ba))
        abort();
    int self = 9;
    if (tp_decimal_compare(a, an, a, an, &self) && self != 0)
        abort();
    if (!ok_ab || an > MAX_TOKEN || bn > MAX_TOKEN)
        return;
    double x = to_double(a, an), y = to_double(b, bn);
    if ((x < y && ab != -1) || (x > y && ab != 1) || (ab == 0 && x != y))
        abort();
}

static void check_canonical_form(const uint8_t *p, size_t n)
{
    if (tp_json_validate(p, n, NULL) != TP_OK)
        return;
    json_t *exact = tp_json_load_numbers(p, n, TP_JSON_NUMBERS_AS_TEXT);
    json_t *kind = tp_json_load_numbers(p, n, TP_JSON_NUMBERS_AS_ZERO);
    json_t *parsed = json_loadb((const char *)p, n,
                                JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    tp_buf lossless = TP_BUF_PUBLIC_INIT, plain = TP_BUF_PUBLIC_INIT;
    if (exact && kind && parsed && tp_jcs_serialize_exact(exact, kind, &lossless) == 1 &&
        tp_jcs_serialize(parsed, &plain) &&
        (plain.len != lossless.len || memcmp(plain.data, lossless.data, plain.len) != 0))
        abort();
    tp_buf_free(&lossless);
    tp_buf_free(&plain);
    json_decref(exact);
    json_decref(kind);
    json_decref(parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl) {
        const uint8_t *rest = nl + 1;
        size_t rest_len = size - (size_t)(rest - data);
        const uint8_t *end = memchr(rest, '\n', rest_len);
        check_compare((const char *)data, (size_t)(nl - data), (const char *)rest,
                      end ? (size_t)(end - rest) : rest_len);
    }
    check_canonical_form(data, size);
    return 0;
}
