/* UTF-8 decoding and encoding; see utf8.h. */
#include "base/utf8.h"

int tp_utf8_next(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
    if (*i >= n)
        return 0;
    uint8_t c = s[*i];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        (*i)++;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n - *i)
        return 0;
    for (size_t k = 1; k < len; k++) {
        uint8_t cc = s[*i + k];
        if ((cc & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (cc & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    *i += len;
    return 1;
}

size_t tp_utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

int tp_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;
    while (i < n)
        if (!tp_utf8_next(s, n, &i, &cp))
            return 0;
    return 1;
}
