/* libFuzzer target: the strict JSON scanner and selector. Every document it accepts must
 * load in jansson too (barring numbers outside jansson's range), and every span it returns
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
    return strstr(jerr.text, "overflow") != NULL || strstr(jerr.text, "too big") != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err;
    if (tp_json_validate(data, size, &err) != TP_OK)
        return 0;
    if (!jansson_accepts(data, size))
        abort();
    for (size_t i = 0; i < sizeof(k_selectors) / sizeof(k_selectors[0]); i++) {
        json_t *sel = json_loads(k_selectors[i], 0, NULL);
        size_t off, len;
        if (tp_json_select(data, size, sel, &off, &len, &err) == TP_OK) {
            if (off > size || len > size - off || len == 0)
                abort();
            if (tp_json_validate(data + off, len, &err) != TP_OK || !jansson_accepts(data + off, len))
                abort();
        }
        json_decref(sel);
    }
    return 0;
}
