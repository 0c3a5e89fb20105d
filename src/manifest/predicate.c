/* Predicates over extracted values (Pluto's predicate types value, length, regex, string,
 * array). Numbers compare as exact decimals on the tokens the site and the manifest wrote
 * (never through a double; a token beyond src/base/decimal.h's limits compares with
 * nothing, so no predicate over it holds), strings byte-wise or, with
 * caseSensitive false, ASCII case-insensitively; length counts UTF-8 bytes of a string, the
 * elements of an array or the members of an object; regex is an unanchored POSIX extended
 * search over at most TP_MF_MAX_REGEX_SUBJECT bytes. A predicate applied to a value of the
 * wrong kind does not hold. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/decimal.h"
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

/* Result of comparing two values that cannot be compared (a number token beyond the
 * limits of src/base/decimal.h): no predicate over them holds, notEqual included. */
#define NOT_COMPARABLE (-1)

static tp_mf_value array_child(tp_mf_value v, size_t i)
{
    return (tp_mf_value){json_array_get(v.kind, i), json_array_get(v.exact, i)};
}

/* Exact decimal comparison of two number nodes: 1 and *cmp, or 0 when not comparable. */
static int compare_numbers(tp_mf_value a, tp_mf_value b, int *cmp)
{
    return json_is_string(a.exact) && json_is_string(b.exact) &&
           tp_decimal_compare(json_string_value(a.exact), json_string_length(a.exact),
                              json_string_value(b.exact), json_string_length(b.exact), cmp);
}

/* 1 when every part is equal, 0 when one part differs, else NOT_COMPARABLE. */
static int combine(int so_far, int part)
{
    return (so_far == 0 || part == 0) ? 0 : (so_far == NOT_COMPARABLE ? so_far : part);
}

static int values_equal(tp_mf_value a, tp_mf_value b, int case_sensitive);

static int arrays_equal(tp_mf_value a, tp_mf_value b)
{
    if (json_array_size(a.kind) != json_array_size(b.kind))
        return 0;
    int eq = 1;
    for (size_t i = 0; eq != 0 && i < json_array_size(a.kind); i++)
        eq = combine(eq, values_equal(array_child(a, i), array_child(b, i), 1));
    return eq;
}

static int objects_equal(tp_mf_value a, tp_mf_value b)
{
    if (json_object_size(a.kind) != json_object_size(b.kind))
        return 0;
    int eq = 1;
    const char *key;
    size_t key_len;
    json_t *child;
    json_object_keylen_foreach((json_t *)a.kind, key, key_len, child)
    {
        tp_mf_value x = {child, json_object_getn(a.exact, key, key_len)};
        tp_mf_value y = {json_object_getn(b.kind, key, key_len),
                         json_object_getn(b.exact, key, key_len)};
        eq = y.kind ? combine(eq, values_equal(x, y, 1)) : 0;
        if (eq == 0)
            break;
    }
    return eq;
}

/* 1, 0 or NOT_COMPARABLE. Numbers equal as exact decimals (1.0 == 1, 0 == -0), wherever
 * they are nested; case_sensitive applies to a top-level string only. */
static int values_equal(tp_mf_value a, tp_mf_value b, int case_sensitive)
{
    int cmp;
    if (json_is_number(a.kind) && json_is_number(b.kind))
        return compare_numbers(a, b, &cmp) ? cmp == 0 : NOT_COMPARABLE;
    if (json_is_string(a.kind) && json_is_string(b.kind))
        return json_string_length(a.kind) == json_string_length(b.kind) &&
               bytes_equal(json_string_value(a.kind), json_string_value(b.kind),
                           json_string_length(a.kind), case_sensitive);
    if (json_is_array(a.kind) && json_is_array(b.kind))
        return arrays_equal(a, b);
    if (json_is_object(a.kind) && json_is_object(b.kind))
        return objects_equal(a, b);
    return json_typeof(a.kind) == json_typeof(b.kind) && !json_is_number(a.kind) &&
           !json_is_string(a.kind); /* true, false, null */
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

/* 1 an element equals v; 0 none does; NOT_COMPARABLE none does but one was not comparable. */
static int array_includes(tp_mf_value arr, tp_mf_value v, int case_sensitive)
{
    int found = 0;
    for (size_t i = 0; i < json_array_size(arr.kind); i++) {
        int eq = values_equal(array_child(arr, i), v, case_sensitive);
        if (eq == 1)
            return 1;
        if (eq == NOT_COMPARABLE)
            found = NOT_COMPARABLE;
    }
    return found;
}

/* 1 holds, 0 does not, -1 not applicable to this kind of value (or not comparable). */
static int contains(tp_mf_value v, tp_mf_value want, int case_sensitive)
{
    if (json_is_string(v.kind) && json_is_string(want.kind))
        return string_contains(v.kind, want.kind, case_sensitive);
    if (json_is_array(v.kind))
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

static int eval_value(const predicate *p, tp_mf_value v)
{
    tp_mf_value want = {p->value, p->exact_value};
    int c;
    switch (p->cmp) {
    case CMP_EQUAL: return values_equal(v, want, p->case_sensitive) == 1;
    case CMP_NOT_EQUAL: return values_equal(v, want, p->case_sensitive) == 0;
    case CMP_CONTAINS: return contains(v, want, p->case_sensitive) == 1;
    case CMP_NOT_CONTAINS: return contains(v, want, p->case_sensitive) == 0;
    case CMP_STARTS_WITH: return affix(v.kind, p->value, 0, p->case_sensitive);
    case CMP_ENDS_WITH: return affix(v.kind, p->value, 1, p->case_sensitive);
    default:
        return json_is_number(v.kind) && compare_numbers(v, want, &c) &&
               ordering_holds(p->cmp, c);
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

/* 1 holds, 0 does not, -1 the manifest's matching budget is spent. */
static int eval_regex(const predicate *p, const json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
        json_string_length(v) > TP_MF_MAX_REGEX_SUBJECT)
        return 0; /* regexec cannot see past a NUL; matching time is bounded */
    int match = tp_mf_regex_match(&p->regex, json_string_value(v), json_string_length(v));
    if (match < 0)
        return -1;
    return (p->cmp == CMP_EQUAL || p->cmp == CMP_CONTAINS) ? match : !match;
}

static int holds(const predicate *p, tp_mf_value v)
{
    tp_mf_value want = {p->value, p->exact_value};
    switch (p->type) {
    case PRED_VALUE: return eval_value(p, v);
    case PRED_LENGTH: return eval_length(p, v.kind);
    case PRED_REGEX: return eval_regex(p, v.kind);
    case PRED_STRING:
        return affix(v.kind, p->value, p->cmp == CMP_ENDS_WITH, p->case_sensitive);
    case PRED_ARRAY:
        return json_is_array(v.kind) && array_includes(v, want, p->case_sensitive) == 1;
    }
    return 0;
}

tp_err tp_mf_eval_predicate(const predicate *p, tp_mf_value v, tp_error *err)
{
    static const char *const k_type_prefix[] = {"", "length ", "regex ", "string ", "array "};
    int held = holds(p, v);
    if (held < 0)
        return tp_error_set(err, TP_ERR_LIMIT, "the manifest's regexes need more than %zu units "
                            "of matching (subject bytes x pattern size)", TP_MF_MAX_REGEX_WORK);
    if (held)
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
