/* libFuzzer target: the strict JSON scanner and selector. Every document it accepts must
 * load in jansson too (barring what jansson cannot represent), and every span it returns
 * must lie inside the input and decode on its own. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/json_span.h"

static const char *const k_selectors[] = {"[]", "[\"a\"]", "[0]", "[\"a\",0]", "[\"a\",\"b\"]",
                                          "[1,\"a\",\"0\"]", "[\"\"]"};

static int jansson_accepts(const uint8_t *p, size_t n)
{
    json_error_t jerr;
    json_t *v = json_loadb((const char *)p, n,
                           JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (v == NULL)
        v = json_loadb((const char *)p, n,
                       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL |
                           JSON_DECODE_INT_AS_REAL,
                       &jerr);
    if (v) {
        json_decref(v);
        return 1;
    }
    /* Valid JSON that jansson cannot represent: numbers out of its range, and "\u0000" in
     * an object key (RFC 8259 allows it; jansson keys are C strings). */
    return strstr(jerr.text, "overflow") != NULL || strstr(jerr.text, "too big") != NULL ||
           strstr(jerr.text, "NUL byte in object key") != NULL;
}

#define N_SEL (sizeof(k_selectors) / sizeof(k_selectors[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err;
    if (tp_json_validate(data, size, &err) != TP_OK)
        return 0;
    if (!jansson_accepts(data, size))
        abort();
    tp_json_match all[N_SEL];
    for (size_t i = 0; i < N_SEL; i++)
        all[i].selector = json_loads(k_selectors[i], 0, NULL);
    if (tp_json_select_many(data, size, all, N_SEL, &err) != TP_OK)
        abort();
    for (size_t i = 0; i < N_SEL; i++) {
        size_t off, len;
        int found = tp_json_select(data, size, all[i].selector, &off, &len, &err) == TP_OK;
        if (found != all[i].found || (found && (off != all[i].off || len != all[i].len)))
            abort(); /* one pass for many selectors = one pass each */
        if (found) {
            if (off > size || len > size - off || len == 0)
                abort();
            if (tp_json_validate(data + off, len, &err) != TP_OK || !jansson_accepts(data + off, len))
                abort();
        }
        json_decref((json_t *)all[i].selector);
    }
    return 0;
}
