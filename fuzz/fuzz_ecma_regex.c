/* libFuzzer target: ECMAScript pattern translation. Whatever it accepts must be a POSIX
 * extended regex that compiles (alone and anchored) or is refused by the regex guard; a
 * refusal always names its construct. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 600 || memchr(data, 0, size))
        return 0;
    char pattern[601];
    memcpy(pattern, data, size);
    pattern[size] = '\0';
    tp_buf ere = TP_BUF_PUBLIC_INIT;
    int ascii = 0;
    const char *why = NULL;
    tp_err rc = tp_mf_ecma_to_ere(pattern, &ere, &ascii, &why);
    if ((rc == TP_OK) != (why == NULL))
        abort();
    if (rc == TP_OK) {
        if (!tp_buf_append(&ere, "", 1))
            abort();
        tp_mf_regex re;
        tp_manifest m = {0}; /* only its regex budgets are used */
        m.regex_size_left = TP_MF_MAX_REGEX_SIZE_TOTAL;
        m.regex_work_left = TP_MF_MAX_REGEX_WORK;
        /* the guard may refuse a costly pattern; a pattern it lets through must compile */
        if (tp_mf_compile_regex(&re, (const char *)ere.data, 0, 1, &m))
            tp_mf_regex_free(&re);
        else if (ere.len < 400 && strpbrk((const char *)ere.data, "{*+?") == NULL)
            abort();
    }
    tp_buf_free(&ere);
    return 0;
}
