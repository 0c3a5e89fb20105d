/* Unit tests: numbers never go through a double. The exact decimal comparator
 * (src/base/decimal.c), the canonical-number test and the lossless canonical form of a JSON
 * text (src/base/jcs.c), and reading a text with its number tokens kept
 * (src/base/json_exact.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/decimal.h"
#include "base/jcs.h"
#include "base/json_exact.h"

/* want: -1, 0, 1, or 2 for "not comparable". */
static void expect_compare(const char *a, const char *b, int want)
{
    int cmp = 99;
    int ok = tp_decimal_compare(a, strlen(a), b, strlen(b), &cmp);
    int got = ok ? cmp : 2;
    if (got != want)
        fail_msg("compare(%s, %s) = %d, want %d", a, b, got, want);
    if (ok) { /* antisymmetric */
        int back = 99;
        assert_true(tp_decimal_compare(b, strlen(b), a, strlen(a), &back));
        assert_int_equal(back, -cmp);
    }
}

static void decimal_comparison_is_exact(void **state)
{
    (void)state;
    expect_compare("999.99999999999999999", "1000", -1);
    expect_compare("1000", "1000.000000000000000000", 0);
    expect_compare("1000", "1e3", 0);
    expect_compare("1000", "1E+3", 0);
    expect_compare("10000", "1e3", 1);
    expect_compare("12345678901234567890123", "12345678901234567890124", -1);
    expect_compare("12345678901234567890123", "1.2345678901234568e+22", -1);
    expect_compare("12345678901234567890123", "1.2345678901234567890123e22", 0);
    expect_compare("-12345678901234567890123", "-12345678901234567890124", 1);
    expect_compare("12.500000000000000001", "12.5", 1);
    expect_compare("0.1", "0.10000000000000000001", -1);
    expect_compare("0.1", "1e-1", 0);
    expect_compare("0.1", "100e-3", 0);
    expect_compare("0.1", "99e-3", 1);
    /* zero has no sign */
    expect_compare("0", "-0", 0);
    expect_compare("0", "0.0", 0);
    expect_compare("-0.0e-5", "0e99", 0);
    expect_compare("-0", "1e-10000", -1);
    expect_compare("-0", "-1e-10000", 1);
    /* signs, and magnitudes of different lengths */
    expect_compare("-1", "1", -1);
    expect_compare("-2", "-10", 1);
    expect_compare("9", "10", -1);
    expect_compare("0.0099", "0.01", -1);
    expect_compare("123.456", "123.4560001", -1);
    expect_compare("100", "99.999", 1);
    /* huge and tiny exponents up to the limit */
    expect_compare("1e10000", "9e9999", 1);
    expect_compare("1e-10000", "0", 1);
    expect_compare("1e10000", "10e9999", 0);
    expect_compare("1e-10000", "1E-10000", 0);
    /* beyond the limits, or not a JSON number: not comparable */
    expect_compare("1e10001", "1", 2);
    expect_compare("1e-10001", "1", 2);
    expect_compare("1e99999999999999999999999", "1", 2);
    expect_compare("01", "1", 2);
    expect_compare("1.", "1", 2);
    expect_compare(".5", "1", 2);
    expect_compare("+1", "1", 2);
    expect_compare("1e", "1", 2);
    expect_compare("NaN", "1", 2);
    expect_compare("", "1", 2);
    expect_compare("0x10", "1", 2);
    char *big = malloc(TP_DECIMAL_MAX_TOKEN + 2);
    memset(big, '9', TP_DECIMAL_MAX_TOKEN + 1);
    big[TP_DECIMAL_MAX_TOKEN] = '\0'; /* exactly at the limit: compared */
    expect_compare(big, "1e4095", 1);
    big[TP_DECIMAL_MAX_TOKEN] = '9';
    big[TP_DECIMAL_MAX_TOKEN + 1] = '\0'; /* one over */
    expect_compare(big, "1", 2);
    free(big);
}

static void canonical_numbers(void **state)
{
    (void)state;
    static const char *const k_yes[] = {"0", "1", "-1", "12.5", "1000", "0.1", "1e+21",
                                        "1e-7", "1.2345678901234568e+22", "-20.5",
                                        "9223372036854775807", "-9223372036854775808",
                                        "9007199254740993", "5e-324", "0.000001"};
    static const char *const k_no[] = {"-0", "01", "1.0", "1E3", "1e3", "12.50",
                                       "12.500000000000000001", "1000.0", "0.10", "1e+400",
                                       "9223372036854775808", "12345678901234567890123",
                                       "1e21", "1E+21", "0.0000001", "1e-6", "", "-", "+1",
                                       " 1", "1e+021"};
    for (size_t i = 0; i < sizeof(k_yes) / sizeof(k_yes[0]); i++)
        if (!tp_jcs_number_is_canonical(k_yes[i], strlen(k_yes[i])))
            fail_msg("%s should be canonical", k_yes[i]);
    for (size_t i = 0; i < sizeof(k_no) / sizeof(k_no[0]); i++)
        if (tp_jcs_number_is_canonical(k_no[i], strlen(k_no[i])))
            fail_msg("%s should not be canonical", k_no[i]);
}

static void numbers_are_read_as_their_tokens(void **state)
{
    (void)state;
    static const char k_text[] =
        " {\"amount\": 999.99999999999999999, \"id\":12345678901234567890123,"
        " \"s\":\"1e3 \\\" -5\", \"n\":[ -0, 1E3, {\"x\":0.1}], \"t\":true, \"z\":null}";
    json_t *exact = tp_json_load_numbers((const uint8_t *)k_text, strlen(k_text),
                                         TP_JSON_NUMBERS_AS_TEXT);
    json_t *kind = tp_json_load_numbers((const uint8_t *)k_text, strlen(k_text),
                                        TP_JSON_NUMBERS_AS_ZERO);
    assert_non_null(exact);
    assert_non_null(kind);
    assert_string_equal(json_string_value(json_object_get(exact, "amount")),
                        "999.99999999999999999");
    assert_string_equal(json_string_value(json_object_get(exact, "id")),
                        "12345678901234567890123");
    assert_string_equal(json_string_value(json_object_get(exact, "s")), "1e3 \" -5");
    const json_t *n = json_object_get(exact, "n");
    assert_string_equal(json_string_value(json_array_get(n, 0)), "-0");
    assert_string_equal(json_string_value(json_array_get(n, 1)), "1E3");
    assert_string_equal(json_string_value(json_object_get(json_array_get(n, 2), "x")), "0.1");
    assert_true(json_is_integer(json_object_get(kind, "amount")));
    assert_true(json_is_string(json_object_get(kind, "s")));
    assert_true(json_is_true(json_object_get(exact, "t")));
    /* exact canonical form refuses the noncanonical -0 and 1E3 */
    tp_buf out = TP_BUF_PUBLIC_INIT;
    assert_int_equal(tp_jcs_serialize_exact(exact, kind, &out), -1);
    assert_int_equal(out.len, 0);
    json_decref(exact);
    json_decref(kind);

    /* a bare number, and a string with NUL */
    exact = tp_json_load_numbers((const uint8_t *)"-1.5e-3", 7, TP_JSON_NUMBERS_AS_TEXT);
    assert_string_equal(json_string_value(exact), "-1.5e-3");
    json_decref(exact);
    exact = tp_json_load_numbers((const uint8_t *)"\"a\\u0000b\"", 10, TP_JSON_NUMBERS_AS_TEXT);
    assert_int_equal(json_string_length(exact), 3);
    json_decref(exact);
    tp_buf_free(&out);
}

static tp_buf exact_canonical(const char *text, int want)
{
    json_t *exact = tp_json_load_numbers((const uint8_t *)text, strlen(text),
                                         TP_JSON_NUMBERS_AS_TEXT);
    json_t *kind = tp_json_load_numbers((const uint8_t *)text, strlen(text),
                                        TP_JSON_NUMBERS_AS_ZERO);
    tp_buf out = TP_BUF_PUBLIC_INIT;
    int got = tp_jcs_serialize_exact(exact, kind, &out);
    if (got != want)
        fail_msg("serialize_exact(%s) = %d, want %d", text, got, want);
    json_decref(exact);
    json_decref(kind);
    assert_true(tp_buf_terminate(&out));
    return out;
}

static void lossless_canonical_form(void **state)
{
    (void)state;
    /* Members sorted, whitespace gone, strings re-escaped, tokens verbatim. */
    tp_buf out = exact_canonical("{ \"b\" : [ 12.5, 1e+21, -3 ], \"a\" : \"\\u0063af\\u00e9\\n\","
                                 " \"\\u20ac\": 0, \"c\": {\"y\": true, \"x\": null} }", 1);
    assert_string_equal((const char *)out.data, "{\"a\":\"caf\xc3\xa9\\n\",\"b\":[12.5,1e+21,-3],"
                                                "\"c\":{\"x\":null,\"y\":true},\"\xe2\x82\xac\":0}");
    tp_buf_free(&out);
    /* and it is the same bytes as the canonical form of the jansson value */
    json_t *v = json_loads("{\"b\":[12.5,1e+21,-3],\"a\":\"caf\xc3\xa9\\n\",\"\xe2\x82\xac\":0,"
                           "\"c\":{\"y\":true,\"x\":null}}", 0, NULL);
    tp_buf plain = TP_BUF_PUBLIC_INIT;
    assert_true(tp_jcs_serialize(v, &plain) && tp_buf_terminate(&plain));
    out = exact_canonical("{\"b\":[12.5,1e+21,-3],\"a\":\"caf\xc3\xa9\\n\",\"\xe2\x82\xac\":0,"
                          "\"c\":{\"y\":true,\"x\":null}}", 1);
    assert_string_equal((const char *)out.data, (const char *)plain.data);
    tp_buf_free(&out);
    tp_buf_free(&plain);
    json_decref(v);
    /* any other spelling of a number is refused, not normalised */
    static const char *const k_edits[] = {"12.500000000000000001", "1E3", "1.0", "-0",
                                          "1e21", "12.50", "100000000000000000000000"};
    for (size_t i = 0; i < sizeof(k_edits) / sizeof(k_edits[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "{\"v\":[%s]}", k_edits[i]);
        out = exact_canonical(text, -1);
        tp_buf_free(&out);
    }
    /* trees of different shapes are refused */
    json_t *a = json_loads("[\"1\"]", 0, NULL), *b = json_loads("{}", 0, NULL);
    tp_buf none = TP_BUF_PUBLIC_INIT;
    assert_int_equal(tp_jcs_serialize_exact(a, b, &none), 0);
    assert_int_equal(tp_jcs_serialize_exact(a, NULL, &none), 0);
    json_decref(a);
    json_decref(b);
    tp_buf_free(&none);
}

static void numbers_to_text_copies(void **state)
{
    (void)state;
    json_t *v = json_loads("{\"a\":[1,0.1,{\"b\":-20.5}],\"s\":\"x\",\"n\":null}", 0, NULL);
    json_t *t = tp_json_numbers_to_text(v);
    assert_non_null(t);
    tp_buf out = TP_BUF_PUBLIC_INIT;
    assert_true(tp_jcs_serialize(t, &out) && tp_buf_terminate(&out));
    assert_string_equal((const char *)out.data, "{\"a\":[\"1\",\"0.1\",{\"b\":\"-20.5\"}],"
                                                "\"n\":null,\"s\":\"x\"}");
    tp_buf_free(&out);
    json_decref(t);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimal_comparison_is_exact),
        cmocka_unit_test(canonical_numbers),
        cmocka_unit_test(numbers_are_read_as_their_tokens),
        cmocka_unit_test(lossless_canonical_form),
        cmocka_unit_test(numbers_to_text_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
