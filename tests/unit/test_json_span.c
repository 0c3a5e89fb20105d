/* Unit tests: strict JSON scanner and selector spans. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "manifest/json_span.h"

static tp_err validate(const char *s)
{
    tp_error e;
    return tp_json_validate((const uint8_t *)s, strlen(s), &e);
}

/* Selects with a selector given as JSON text; *got receives the span text. */
static tp_err select_text(const char *doc, const char *selector, char *got, size_t got_size)
{
    json_t *sel = json_loads(selector, 0, NULL);
    assert_non_null(sel);
    size_t off = 0, len = 0;
    tp_error e;
    tp_err rc = tp_json_select((const uint8_t *)doc, strlen(doc), sel, &off, &len, &e);
    json_decref(sel);
    if (rc == TP_OK)
        snprintf(got, got_size, "%.*s", (int)len, doc + off);
    else
        snprintf(got, got_size, "%.200s", e.detail);
    return rc;
}

static void expect_span(const char *doc, const char *selector, const char *want)
{
    char got[256];
    tp_err rc = select_text(doc, selector, got, sizeof(got));
    if (rc != TP_OK || strcmp(got, want) != 0)
        fail_msg("select %s in %s: rc %d, got '%s', want '%s'", selector, doc, rc, got, want);
}

static void valid_documents(void **state)
{
    (void)state;
    const char *ok[] = {"{}", "[]", " 0 ", "-0.5e+10", "\"\\u00e9\\ud83d\\ude00\"", "null",
                        "true", "[1,[2,[3]]]", "{\"a\":{\"a\":1}}", "\"\xc3\xa9\"",
                        "{\"a\":1,\"b\":2}", "\t\r\n[ ]\n", "{\"\":1}",
                        "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"\\u006b9\":9}"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (validate(ok[i]) != TP_OK)
            fail_msg("valid %s rejected", ok[i]);
}

static void invalid_documents(void **state)
{
    (void)state;
    const char *bad[] = {"",           "{",          "[1,]",       "{\"a\":1,}",  "01",
                         "1.",         ".5",         "1e",         "+1",          "-",
                         "NaN",        "tru",        "\"\\x\"",    "\"a",         "[1 2]",
                         "{\"a\" 1}",  "{1:2}",      "\"\x01\"",   "\"\xff\"",    "\"\xc0\xaf\"",
                         "\"\xed\xa0\x80\"",          "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
                         "1 2",        "[]]",        "{\"a\":1,\"a\":2}",
                         "{\"a\":1,\"\\u0061\":2}", "[{\"x\":{\"k\":1,\"k\":1}}]", "{\"\":1,\"\":2}",
                         /* more members than the small-object check, the twin escaped */
                         "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"\\u006b3\":9}",
                         "{\"\\u006b0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k0\":9}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (validate(bad[i]) != TP_ERR_JSON)
            fail_msg("invalid %s accepted", bad[i]);
}

static void depth_limit(void **state)
{
    (void)state;
    char deep[2 * TP_JSON_MAX_DEPTH + 3];
    size_t n = 0;
    for (int i = 0; i < TP_JSON_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < TP_JSON_MAX_DEPTH; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    assert_int_equal(validate(deep), TP_OK);
    char deeper[2 * TP_JSON_MAX_DEPTH + 8];
    snprintf(deeper, sizeof(deeper), "[%s]", deep);
    assert_int_equal(validate(deeper), TP_ERR_JSON);
}

static void selector_spans(void **state)
{
    (void)state;
    const char *doc = "{ \"data\" : { \"user\": {\"id\": 42, \"name\" : \"Ada\\n\"},"
                      " \"items\": [ {\"v\": true}, [1, 2.5e3 ] , null ] }, \"0\": \"zero\" }";
    expect_span(doc, "[\"data\",\"user\",\"id\"]", "42");
    expect_span(doc, "[\"data\",\"user\",\"name\"]", "\"Ada\\n\"");
    expect_span(doc, "[\"data\",\"user\"]", "{\"id\": 42, \"name\" : \"Ada\\n\"}");
    expect_span(doc, "[\"data\",\"items\",1,1]", "2.5e3");
    expect_span(doc, "[\"data\",\"items\",\"0\",\"v\"]", "true"); /* digit string on array */
    expect_span(doc, "[\"data\",\"items\",2]", "null");
    expect_span(doc, "[\"0\"]", "\"zero\"");
    expect_span("[1,2]", "[]", "[1,2]");
    expect_span("{\"a\\u0062\":7}", "[\"ab\"]", "7"); /* names compare unescaped */
    expect_span("{\"x\":1,\"a\\u0062\":{\"c\":[5]},\"ab2\":3}", "[\"ab\",\"c\",0]", "5");
}

static void selector_misses(void **state)
{
    (void)state;
    const char *doc = "{\"data\":{\"user\":{\"id\":1}},\"list\":[1,2]}";
    const char *misses[] = {"[\"data\",\"user\",\"name\"]", "[\"data\",\"user\",\"id\",\"x\"]",
                            "[\"list\",2]", "[\"list\",\"x\"]", "[\"data\",0]", "[\"nope\"]",
                            "[\"list\",\"-1\"]"};
    char got[256];
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        if (select_text(doc, misses[i], got, sizeof(got)) != TP_ERR_SELECTOR)
            fail_msg("selector %s should miss: %s", misses[i], got);
    assert_int_equal(select_text(doc, "[\"data\",\"user\",\"name\"]", got, sizeof(got)),
                     TP_ERR_SELECTOR);
    assert_string_equal(got, "selector data.user.name not found");
    /* a match in an invalid document is still an error */
    assert_int_equal(select_text("{\"a\":1,\"a\":2}", "[\"a\"]", got, sizeof(got)), TP_ERR_JSON);
    assert_int_equal(select_text("{\"a\":1} x", "[\"a\"]", got, sizeof(got)), TP_ERR_JSON);
}

static void many_selectors_in_one_pass(void **state)
{
    (void)state;
    const char *doc = "{\"a\":{\"b\":[10,{\"c\":\"x\"}],\"d\":true},\"e\":null}";
    const char *sels[] = {"[\"a\"]", "[\"a\",\"b\",1,\"c\"]", "[\"a\",\"b\",0]", "[\"a\",\"zz\"]",
                          "[\"e\"]", "[\"a\",\"b\",1,\"c\"]"};
    const char *want[] = {"{\"b\":[10,{\"c\":\"x\"}],\"d\":true}", "\"x\"", "10", NULL, "null",
                          "\"x\""};
    tp_json_match m[6];
    for (size_t i = 0; i < 6; i++)
        m[i].selector = json_loads(sels[i], 0, NULL);
    tp_error e;
    assert_int_equal(tp_json_select_many((const uint8_t *)doc, strlen(doc), m, 6, &e), TP_OK);
    for (size_t i = 0; i < 6; i++) {
        if (want[i] == NULL) {
            assert_false(m[i].found);
        } else {
            assert_true(m[i].found);
            assert_int_equal(m[i].len, strlen(want[i]));
            assert_memory_equal(doc + m[i].off, want[i], m[i].len);
        }
        json_decref((json_t *)m[i].selector);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_documents), cmocka_unit_test(invalid_documents),
        cmocka_unit_test(depth_limit),     cmocka_unit_test(selector_spans),
        cmocka_unit_test(selector_misses), cmocka_unit_test(many_selectors_in_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
