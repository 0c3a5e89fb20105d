/* Predicates over extracted values (Pluto's predicate types value, length, regex, string,
 * array). Numbers compare numerically (integers exactly), strings byte-wise or, with
 * caseSensitive false, ASCII case-insensitively; length counts UTF-8 bytes of a string, the
 * elements of an array or the members of an object; regex is an unanchored POSIX extended
 * search over at most TP_MF_MAX_REGEX_SUBJECT bytes. A predicate applied to a value of the
 * wrong kind does not hold. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"

static unsigned char fold(unsigned char c, int case_sensitive)
{
    return (!case_sensitive && c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int bytes_equal(const char *a, const char *b, size_t n, int case_sensitive)
{
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i], case_sensitive) != fold((unsigned char)b[i], case_sensitive))
            return 0;
    return 1;
}

/* -1, 0, 1; both must be numbers. */
static int compare_numbers(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    double x = json_number_value(a), y = json_number_value(b);
    return x < y ? -1 : x > y;
}

static int values_equal(const json_t *a, const json_t *b, int case_sensitive)
{
    if (json_is_number(a) && json_is_number(b))
        return compare_numbers(a, b) == 0;
    if (json_is_string(a) && json_is_string(b))
        return json_string_length(a) == json_string_length(b) &&
               bytes_equal(json_string_value(a), json_string_value(b), json_string_length(a),
                           case_sensitive);
    return json_equal(a, b);
}

static char *ascii_lower_copy(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    for (size_t i = 0; out && i < n; i++)
        out[i] = (char)fold((unsigned char)s[i], 0);
    return out;
}

/* Substring search in linear time (glibc memmem is two-way), folded copies when
 * case-insensitive. */
static int string_contains(const json_t *s, const json_t *needle, int case_sensitive)
{
    size_t n = json_string_length(s), k = json_string_length(needle);
    if (k == 0)
        return 1;
    if (case_sensitive)
        return memmem(json_string_value(s), n, json_string_value(needle), k) != NULL;
    char *hay = ascii_lower_copy(json_string_value(s), n);
    char *pat = ascii_lower_copy(json_string_value(needle), k);
    int found = hay && pat && memmem(hay, n, pat, k) != NULL;
    free(hay);
    free(pat);
    return found;
}

static int array_includes(const json_t *arr, const json_t *v, int case_sensitive)
{
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (values_equal(json_array_get(arr, i), v, case_sensitive))
            return 1;
    return 0;
}

/* 1 holds, 0 does not, -1 not applicable to this kind of value. */
static int contains(const json_t *v, const json_t *want, int case_sensitive)
{
    if (json_is_string(v) && json_is_string(want))
        return string_contains(v, want, case_sensitive);
    if (json_is_array(v))
        return array_includes(v, want, case_sensitive);
    return -1;
}

static int affix(const json_t *v, const json_t *want, int at_end, int case_sensitive)
{
    if (!json_is_string(v) || !json_is_string(want))
        return 0;
    size_t n = json_string_length(v), k = json_string_length(want);
    return k <= n && bytes_equal(json_string_value(v) + (at_end ? n - k : 0),
                                 json_string_value(want), k, case_sensitive);
}

static int ordering_holds(comparison c, int cmp)
{
    switch (c) {
    case CMP_GREATER: return cmp > 0;
    case CMP_LESS: return cmp < 0;
    case CMP_GREATER_EQ: return cmp >= 0;
    case CMP_LESS_EQ: return cmp <= 0;
    case CMP_EQUAL: return cmp == 0;
    case CMP_NOT_EQUAL: return cmp != 0;
    default: return 0;
    }
}

static int eval_value(const predicate *p, const json_t *v)
{
    int c;
    switch (p->cmp) {
    case CMP_EQUAL: return values_equal(v, p->value, p->case_sensitive);
    case CMP_NOT_EQUAL: return !values_equal(v, p->value, p->case_sensitive);
    case CMP_CONTAINS: return contains(v, p->value, p->case_sensitive) == 1;
    case CMP_NOT_CONTAINS:
        c = contains(v, p->value, p->case_sensitive);
        return c == 0;
    case CMP_STARTS_WITH: return affix(v, p->value, 0, p->case_sensitive);
    case CMP_ENDS_WITH: return affix(v, p->value, 1, p->case_sensitive);
    default:
        return json_is_number(v) && ordering_holds(p->cmp, compare_numbers(v, p->value));
    }
}

static int eval_length(const predicate *p, const json_t *v)
{
    json_int_t len;
    if (json_is_string(v))
        len = (json_int_t)json_string_length(v);
    else if (json_is_array(v))
        len = (json_int_t)json_array_size(v);
    else if (json_is_object(v))
        len = (json_int_t)json_object_size(v);
    else
        return 0;
    json_int_t want = json_integer_value(p->value);
    return ordering_holds(p->cmp, len < want ? -1 : len > want);
}

static int eval_regex(const predicate *p, const json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        json_string_length(v) > TP_MF_MAX_REGEX_SUBJECT)
        return 0; /* regexec cannot see past a NUL; matching time is bounded */
    int match = regexec(&p->regex, json_string_value(v), 0, NULL, 0) == 0;
    return (p->cmp == CMP_EQUAL || p->cmp == CMP_CONTAINS) ? match : !match;
}

static int holds(const predicate *p, const json_t *v)
{
    switch (p->type) {
    case PRED_VALUE: return eval_value(p, v);
    case PRED_LENGTH: return eval_length(p, v);
    case PRED_REGEX: return eval_regex(p, v);
    case PRED_STRING: return affix(v, p->value, p->cmp == CMP_ENDS_WITH, p->case_sensitive);
    case PRED_ARRAY: return json_is_array(v) && array_includes(v, p->value, p->case_sensitive);
    }
    return 0;
}

tp_err tp_mf_eval_predicate(const predicate *p, const json_t *v, tp_error *err)
{
    static const char *const k_type_prefix[] = {"", "length ", "regex ", "string ", "array "};
    if (holds(p, v))
        return TP_OK;
    tp_buf shown = TP_BUF_INIT;
    int ok = tp_jcs_serialize(p->value, &shown) && tp_buf_terminate(&shown);
    const char *text = ok ? (const char *)shown.data : "?";
    tp_error_set(err, TP_ERR_PREDICATE, "predicate %s%s %.80s%s does not hold",
                 k_type_prefix[p->type], tp_mf_comparison_name(p->cmp), text,
                 ok && shown.len > 80 ? "..." : "");
    tp_buf_free(&shown);
    return TP_ERR_PREDICATE;
}
