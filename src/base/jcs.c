/* RFC 8785 JSON Canonicalization Scheme: object members sorted by the UTF-16 code units of
 * their names, minimal string escaping, ECMAScript Number::toString for numbers. jansson
 * integers are written as exact integers (jansson keeps them apart from reals). The exact
 * form (tp_jcs_serialize_exact) walks a tree whose numbers are their token text beside a
 * tree that says which nodes are numbers, and copies each token verbatim. */
#include "base/jcs.h"

#include "base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 128
/* Longer than any canonical number (an int64 is 20 bytes, a double at most 24). */
#define MAX_CANONICAL_NUMBER 32

struct utf16_iter {
    const uint8_t *s;
    size_t n, i;
    uint16_t pending; /* low surrogate still to return, or 0 */
};

/* Next UTF-16 code unit: 1 with *unit set, 0 at the end, -1 on invalid UTF-8. */
static int utf16_next(struct utf16_iter *it, uint16_t *unit)
{
    if (it->pending) {
        *unit = it->pending;
        it->pending = 0;
        return 1;
    }
    if (it->i >= it->n)
        return 0;
    uint32_t cp;
    if (!tp_utf8_next(it->s, it->n, &it->i, &cp))
        return -1;
    if (cp < 0x10000) {
        *unit = (uint16_t)cp;
    } else {
        cp -= 0x10000;
        *unit = (uint16_t)(0xd800 + (cp >> 10));
        it->pending = (uint16_t)(0xdc00 + (cp & 0x3ff));
    }
    return 1;
}

struct member {
    const char *key;
    size_t key_len;
    json_t *value;
};

static int compare_utf16(const void *a, const void *b)
{
    const struct member *ma = a, *mb = b;
    struct utf16_iter ia = {(const uint8_t *)ma->key, ma->key_len, 0, 0};
    struct utf16_iter ib = {(const uint8_t *)mb->key, mb->key_len, 0, 0};
    for (;;) {
        uint16_t ua = 0, ub = 0;
        int ra = utf16_next(&ia, &ua), rb = utf16_next(&ib, &ub);
        if (ra <= 0 || rb <= 0)
            return ra <= 0 && rb <= 0 ? 0 : (ra <= 0 ? -1 : 1);
        if (ua != ub)
            return ua < ub ? -1 : 1;
    }
}

/* Printable ASCII other than '"' and '\\': copied as is. */
static int plain_ascii(uint8_t c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static int put_string(const char *s, size_t n, tp_buf *out)
{
    const uint8_t *u = (const uint8_t *)s;
    if (!tp_buf_put_u8(out, '"'))
        return 0;
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && plain_ascii(u[i])) /* a run of bytes written verbatim, in one copy */
            i++;
        if (i > start && !tp_buf_append(out, u + start, i - start))
            return 0;
        if (i == n)
            break;
        start = i;
        uint32_t cp;
        if (!tp_utf8_next(u, n, &i, &cp))
            return 0;
        const char *esc = NULL;
        char tmp[8];
        switch (cp) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (cp < 0x20) {
                snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
                esc = tmp;
            }
        }
        if (esc ? !tp_buf_append_str(out, esc) : !tp_buf_append(out, u + start, i - start))
            return 0;
    }
    return tp_buf_put_u8(out, '"');
}

static int round_trips(uint64_t s, int exp10, double d)
{
    char buf[48];
    snprintf(buf, sizeof(buf), "%llue%d", (unsigned long long)s, exp10);
    return strtod(buf, NULL) == d;
}

/* Shortest decimal digits that round-trip to d (d > 0, finite), and among those the closest
 * to d (ECMA-262 Number::toString): digits and the exponent n with d ~ 0.DIGITS * 10^n.
 * printf gives the closest k-digit decimal; at a binade boundary the rounding interval is
 * lopsided, so a neighbour may round-trip when the closest does not. */
static void shortest_digits(double d, char digits[32], int *n)
{
    uint64_t s = 0;
    int exp10 = 0;
    for (int prec = 0; prec <= 16; prec++) {
        char buf[48];
        snprintf(buf, sizeof(buf), "%.*e", prec, d);
        const char *p = buf;
        s = 0;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                s = s * 10 + (uint64_t)(*p - '0');
        exp10 = atoi(p + 1) - prec;
        uint64_t low = 1;
        for (int i = 0; i < prec; i++)
            low *= 10;
        if (round_trips(s, exp10, d))
            break;
        if (s - 1 >= low && round_trips(s - 1, exp10, d)) {
            s -= 1;
            break;
        }
        if (s + 1 < low * 10 && round_trips(s + 1, exp10, d)) {
            s += 1;
            break;
        }
    }
    int k = snprintf(digits, 32, "%llu", (unsigned long long)s);
    *n = exp10 + k;
    while (k > 1 && digits[k - 1] == '0')
        digits[--k] = '\0';
}

static int put_zeros(tp_buf *out, int count)
{
    for (int i = 0; i < count; i++)
        if (!tp_buf_put_u8(out, '0'))
            return 0;
    return 1;
}

/* ECMAScript Number::toString (ECMA-262 7.1.12.1) for finite d. */
static int put_number(double d, tp_buf *out)
{
    if (!isfinite(d))
        return 0;
    if (d == 0)
        return tp_buf_append_str(out, "0"); /* also -0 */
    if (d < 0 && !tp_buf_put_u8(out, '-'))
        return 0;
    char digits[32];
    int n;
    shortest_digits(fabs(d), digits, &n);
    int k = (int)strlen(digits);
    if (k <= n && n <= 21)
        return tp_buf_append(out, digits, (size_t)k) && put_zeros(out, n - k);
    if (0 < n && n <= 21)
        return tp_buf_append(out, digits, (size_t)n) && tp_buf_put_u8(out, '.') &&
               tp_buf_append(out, digits + n, (size_t)(k - n));
    if (-6 < n && n <= 0)
        return tp_buf_append_str(out, "0.") && put_zeros(out, -n) &&
               tp_buf_append(out, digits, (size_t)k);
    char exp[16];
    snprintf(exp, sizeof(exp), "e%c%d", n - 1 > 0 ? '+' : '-', abs(n - 1));
    return tp_buf_put_u8(out, (uint8_t)digits[0]) &&
           (k == 1 || (tp_buf_put_u8(out, '.') && tp_buf_append(out, digits + 1, (size_t)(k - 1)))) &&
           tp_buf_append_str(out, exp);
}

/* One serialization: plain (kind NULL: numbers are jansson numbers) or exact (kind is a
 * tree of the same shape whose numbers mark which strings of the value tree are number
 * tokens). */
struct jcs_run {
    tp_buf *out;
    int exact;
    int noncanonical; /* exact: a token was not in canonical form */
};

static int serialize(const json_t *v, const json_t *kind, struct jcs_run *run, int depth);

static int put_object(const json_t *v, const json_t *kind, struct jcs_run *run, int depth)
{
    size_t n = json_object_size(v);
    if (run->exact && (!json_is_object(kind) || json_object_size(kind) != n))
        return 0;
    struct member *members = calloc(n ? n : 1, sizeof(*members));
    if (members == NULL)
        return 0;
    size_t i = 0;
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)v, key, key_len, value)
    {
        members[i].key = key;
        members[i].key_len = key_len;
        members[i].value = value;
        i++;
    }
    qsort(members, n, sizeof(*members), compare_utf16);
    tp_buf *out = run->out;
    int ok = tp_buf_put_u8(out, '{');
    for (i = 0; ok && i < n; i++) {
        const json_t *k = run->exact ? json_object_getn(kind, members[i].key, members[i].key_len)
                                     : NULL;
        ok = (i == 0 || tp_buf_put_u8(out, ',')) &&
             put_string(members[i].key, members[i].key_len, out) && tp_buf_put_u8(out, ':') &&
             serialize(members[i].value, k, run, depth + 1);
    }
    free(members);
    return ok && tp_buf_put_u8(out, '}');
}

static int put_array(const json_t *v, const json_t *kind, struct jcs_run *run, int depth)
{
    if (run->exact && (!json_is_array(kind) || json_array_size(kind) != json_array_size(v)))
        return 0;
    if (!tp_buf_put_u8(run->out, '['))
        return 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *k = run->exact ? json_array_get(kind, i) : NULL;
        if ((i > 0 && !tp_buf_put_u8(run->out, ',')) ||
            !serialize(json_array_get(v, i), k, run, depth + 1))
            return 0;
    }
    return tp_buf_put_u8(run->out, ']');
}

/* Exact mode: a number node, whose token is the string v; copied only if canonical. */
static int put_token(const json_t *v, struct jcs_run *run)
{
    if (!json_is_string(v))
        return 0;
    if (!tp_jcs_number_is_canonical(json_string_value(v), json_string_length(v))) {
        run->noncanonical = 1;
        return 0;
    }
    return tp_buf_append(run->out, json_string_value(v), json_string_length(v));
}

static int serialize(const json_t *v, const json_t *kind, struct jcs_run *run, int depth)
{
    char tmp[32];
    tp_buf *out = run->out;
    if (v == NULL || depth > MAX_DEPTH || (run->exact && kind == NULL))
        return 0;
    if (run->exact && json_is_number(kind))
        return put_token(v, run);
    if (run->exact && json_typeof(kind) != json_typeof(v))
        return 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return put_object(v, kind, run, depth);
    case JSON_ARRAY:
        return put_array(v, kind, run, depth);
    case JSON_STRING:
        return put_string(json_string_value(v), json_string_length(v), out);
    case JSON_INTEGER:
        if (run->exact)
            return 0;
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return tp_buf_append_str(out, tmp);
    case JSON_REAL:
        return !run->exact && put_number(json_real_value(v), out);
    case JSON_TRUE:
        return tp_buf_append_str(out, "true");
    case JSON_FALSE:
        return tp_buf_append_str(out, "false");
    case JSON_NULL:
        return tp_buf_append_str(out, "null");
    }
    return 0;
}

int tp_jcs_string(const char *s, size_t n, tp_buf *out)
{
    size_t start = out->len;
    if (put_string(s, n, out))
        return 1;
    out->len = start;
    return 0;
}

int tp_jcs_serialize(const json_t *v, tp_buf *out)
{
    size_t start = out->len;
    struct jcs_run run = {out, 0, 0};
    if (serialize(v, NULL, &run, 0))
        return 1;
    out->len = start;
    return 0;
}

int tp_jcs_serialize_exact(const json_t *exact, const json_t *kind, tp_buf *out)
{
    size_t start = out->len;
    struct jcs_run run = {out, 1, 0};
    if (serialize(exact, kind, &run, 0))
        return 1;
    out->len = start;
    return run.noncanonical ? -1 : 0;
}

/* "-"? ("0" | [1-9][0-9]*) within int64, and not "-0". */
static int is_canonical_integer(const char *s, size_t n, int *is_integer)
{
    size_t i = s[0] == '-';
    *is_integer = i < n;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            *is_integer = 0;
    if (!*is_integer)
        return 0;
    if (s[i] == '0')
        return n - i == 1 && i == 0; /* "0" only: no leading zero, no "-0" */
    unsigned long long v = 0, limit = i ? 9223372036854775808ull : 9223372036854775807ull;
    for (size_t k = i; k < n; k++) {
        unsigned d = (unsigned)(s[k] - '0');
        if (v > (limit - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return 1;
}

int tp_jcs_number_is_canonical(const char *tok, size_t n)
{
    char buf[MAX_CANONICAL_NUMBER + 1];
    if (tok == NULL || n == 0 || n > MAX_CANONICAL_NUMBER)
        return 0;
    int is_integer;
    if (is_canonical_integer(tok, n, &is_integer))
        return 1;
    if (is_integer)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789.eE+-", tok[i]) || tok[i] == '\0')
            return 0;
    memcpy(buf, tok, n);
    buf[n] = '\0';
    tp_buf printed = TP_BUF_PUBLIC_INIT;
    int ok = put_number(strtod(buf, NULL), &printed) && printed.len == n &&
             memcmp(printed.data, tok, n) == 0;
    tp_buf_free(&printed);
    return ok;
}
