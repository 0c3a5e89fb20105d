/* Unit tests: RFC 8785 canonical JSON (the RFC's examples and number table). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/jcs.h"

static void expect_canonical(const char *json, const char *want)
{
    json_error_t jerr;
    json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v == NULL)
        fail_msg("cannot load %s: %s", json, jerr.text);
    tp_buf out = TP_BUF_INIT;
    assert_true(tp_jcs_serialize(v, &out));
    assert_true(tp_buf_terminate(&out));
    if (strcmp((const char *)out.data, want) != 0)
        fail_msg("jcs(%s) = %s, want %s", json, (const char *)out.data, want);
    tp_buf_free(&out);
    json_decref(v);
}

static void expect_number(double d, const char *want)
{
    json_t *v = json_real(d);
    tp_buf out = TP_BUF_INIT;
    assert_true(tp_jcs_serialize(v, &out));
    assert_true(tp_buf_terminate(&out));
    if (strcmp((const char *)out.data, want) != 0)
        fail_msg("number %.17g = %s, want %s", d, (const char *)out.data, want);
    tp_buf_free(&out);
    json_decref(v);
}

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

static void rfc8785_main_example(void **state)
{
    (void)state;
    expect_canonical(
        "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n"
        "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        "  \"literals\": [null, true, false]\n}",
        "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
        "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

static void rfc8785_sorting_example(void **state)
{
    (void)state;
    expect_canonical("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
                     " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\","
                     " \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
                     " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}",
                     "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                     "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
                     "\"\xe2\x82\xac\":\"Euro Sign\","
                     "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
                     "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

static void rfc8785_number_table(void **state)
{
    (void)state;
    static const struct {
        uint64_t bits;
        const char *want;
    } k_cases[] = {
        {0x0000000000000000ull, "0"},
        {0x8000000000000000ull, "0"},
        {0x0000000000000001ull, "5e-324"},
        {0x8000000000000001ull, "-5e-324"},
        {0x7fefffffffffffffull, "1.7976931348623157e+308"},
        {0xffefffffffffffffull, "-1.7976931348623157e+308"},
        {0x4340000000000000ull, "9007199254740992"},
        {0xc340000000000000ull, "-9007199254740992"},
        {0x4430000000000000ull, "295147905179352830000"},
        {0x44b52d02c7e14af5ull, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6ull, "1e+23"},
        {0x44b52d02c7e14af7ull, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4eull, "999999999999999700000"},
        {0x444b1ae4d6e2ef4full, "999999999999999900000"},
        {0x444b1ae4d6e2ef50ull, "1e+21"},
        {0x3eb0c6f7a0b5ed8cull, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8dull, "0.000001"},
        {0x41b3de4355555553ull, "333333333.3333332"},
        {0x41b3de4355555554ull, "333333333.33333325"},
        {0x41b3de4355555555ull, "333333333.3333333"},
        {0x41b3de4355555556ull, "333333333.3333334"},
        {0x41b3de4355555557ull, "333333333.33333343"},
        {0xbecbf647612f3696ull, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959ull, "1424953923781206.2"},
    };
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++)
        expect_number(from_bits(k_cases[i].bits), k_cases[i].want);
}

static void ecmascript_number_rules(void **state)
{
    (void)state;
    expect_number(1e21, "1e+21");
    expect_number(1e20, "100000000000000000000");
    expect_number(1e-7, "1e-7");
    expect_number(1e-6, "0.000001");
    expect_number(0.1, "0.1");
    expect_number(-0.0, "0");
    expect_number(1.5, "1.5");
    expect_number(-123.456, "-123.456");
    expect_number(2.5e-8, "2.5e-8");
    expect_number(1234.56, "1234.56");
    expect_canonical("[1.0, 10, -0.0, 9007199254740993, -9223372036854775808]",
                     "[1,10,0,9007199254740993,-9223372036854775808]");
}

static void non_finite_and_bad_utf8_fail(void **state)
{
    (void)state;
    tp_buf out = TP_BUF_INIT;
    json_t *v = json_pack("[f]", INFINITY);
    if (v) {
        assert_false(tp_jcs_serialize(v, &out));
        json_decref(v);
    }
    v = json_real(NAN);
    if (v) {
        assert_false(tp_jcs_serialize(v, &out));
        json_decref(v);
    }
    v = json_stringn_nocheck("\xff\xfe", 2);
    assert_false(tp_jcs_serialize(v, &out));
    assert_int_equal(out.len, 0); /* nothing half-written */
    json_decref(v);
    tp_buf_free(&out);
}

static void controls_and_nul_are_escaped(void **state)
{
    (void)state;
    expect_canonical("[\"a\\u0000b\\u001f\\u007f\\b\\f\\t\"]",
                     "[\"a\\u0000b\\u001f\x7f\\b\\f\\t\"]");
    expect_canonical("{\"b\":{\"z\":1,\"a\":[]},\"a\":{}}", "{\"a\":{},\"b\":{\"a\":[],\"z\":1}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8785_main_example),    cmocka_unit_test(rfc8785_sorting_example),
        cmocka_unit_test(rfc8785_number_table),    cmocka_unit_test(ecmascript_number_rules),
        cmocka_unit_test(non_finite_and_bad_utf8_fail), cmocka_unit_test(controls_and_nul_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
