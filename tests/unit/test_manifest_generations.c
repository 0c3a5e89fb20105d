/* Unit tests: the rules added to read every Pluto manifest generation, each accepted form
 * and each refused construct with its message: ECMAScript pattern translation, the two
 * variable forms and defaults, legacy json path / contains bodies, extra headers, mode,
 * version, case_sensitive, unknown members, and html extractors (CSS subset). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"
#include "http/http.h"
#include "manifest/css_selector.h"
#include "manifest/html_extract.h"
#include "manifest/manifest_check.h"
#include "manifest/manifest_internal.h"
#include "teeproof/manifest.h"

static char g_text[1 << 16];

/* A manifest around a request and a response (JSON fragments), extra top-level members. */
static const char *mk(const char *top, const char *req, const char *resp)
{
    snprintf(g_text, sizeof(g_text),
             "{%s\"id\":\"t\",\"title\":\"T\",\"description\":\"d\",\"request\":%s,"
             "\"response\":%s}",
             top, req, resp);
    return g_text;
}

#define REQ_GET "{\"method\":\"GET\",\"url\":\"https://h.example/a\"}"
#define RESP_200 "{\"status\":\"200\"}"

static tp_manifest *ok(const char *text)
{
    tp_manifest *m = NULL;
    tp_error e;
    if (tp_manifest_parse(text, strlen(text), &m, &e) != TP_OK)
        fail_msg("refused: %s\n%s", e.detail, text);
    return m;
}

static void refused(const char *text, const char *want)
{
    tp_manifest *m = NULL;
    tp_error e;
    tp_err rc = tp_manifest_parse(text, strlen(text), &m, &e);
    if (rc != TP_ERR_MANIFEST || strstr(e.detail, want) == NULL)
        fail_msg("rc %d '%s', want a refusal with '%s'\n%s", rc, rc ? e.detail : "", want, text);
    assert_null(m);
}

/* --- ECMAScript patterns --- */

static void translate(const char *pattern, const char *want_ere, const char *want_why)
{
    tp_buf out = TP_BUF_PUBLIC_INIT;
    int ascii = 0;
    const char *why = NULL;
    tp_err rc = tp_mf_ecma_to_ere(pattern, &out, &ascii, &why);
    if (want_ere) {
        if (rc != TP_OK || !tp_buf_terminate(&out) || strcmp((char *)out.data, want_ere) != 0)
            fail_msg("%s -> '%.*s' (%s), want '%s'", pattern, (int)out.len,
                     out.data ? (char *)out.data : "", why ? why : "ok", want_ere);
    } else if (rc == TP_OK || why == NULL || strstr(why, want_why) == NULL) {
        fail_msg("%s: %s, want refused with '%s'", pattern, why ? why : "accepted", want_why);
    }
    tp_buf_free(&out);
}

static void ecmascript_patterns_translate_or_refuse(void **state)
{
    (void)state;
    translate("^[a-z]{1,20}$", "[a-z]{1,20}", NULL);
    translate("^[A-Za-z0-9+/]{32}={0,2}$", "[+/-9A-Za-z]{32}[=]{0,2}", NULL);
    translate("\\d+(?:-\\d+)*", "[0-9]+([-][0-9]+)*", NULL);
    translate("[\\w.-]+@x\\.com", "[.0-9A-Z_a-z-]+[@]x[.]com", NULL);
    translate("a|b", "a|b", NULL);
    translate("[^\\]]", "[^]]", NULL);
    translate("[a\\-z]", "[az-]", NULL);
    translate("\\s", "[\t-\r ]", NULL);
    translate("x{2,}", "x{2,}", NULL);
    /* '^' alone, or with '-', must not read as a negation (found by fuzz_ecma_regex) */
    translate("\\^d|a", "\\^d|a", NULL);
    translate("[\\^]", "\\^", NULL);
    translate("[\\^-]", "[-^]", NULL);
    translate("[^\\^]", "[^^]", NULL);
    translate("", NULL, "empty");
    translate("^$", NULL, "empty");
    translate("[a-z]{,20}+", NULL, "not a quantifier");
    translate("a{", NULL, "not a quantifier");
    translate("a{3,1}", NULL, "not a quantifier");
    translate("(?=a)b", NULL, "lookaround");
    translate("(?<n>a)", NULL, "named group");
    translate("(a)\\1", NULL, "backreference");
    translate("\\bword", NULL, "word boundary");
    translate("a+?", NULL, "lazy");
    translate("a*+", NULL, "repeated quantifier");
    translate("\\u0041", NULL, "unicode");
    translate("\\p{L}", NULL, "unicode");
    translate("\\q", NULL, "escaped letter");
    translate("[\\D]", NULL, "inside a class");
    translate("a^b", NULL, "'^' or '$'");
    translate("a$|b", NULL, "'^' or '$'");
    translate("é", NULL, "non-ASCII");
    translate("*a", NULL, "nothing to repeat");
    translate("(a", NULL, "unbalanced");
    translate("a)", NULL, "unbalanced");
    translate("[]", NULL, "empty character class");
    translate("[b-a]", NULL, "invalid class range");
    translate("a]", NULL, "unescaped");
}

#define VARS_REQ(vars, url) \
    "{\"method\":\"GET\",\"url\":\"https://h.example/" url "\",\"vars\":" vars "}"

static tp_err check_value(const tp_manifest *m, const char *name, const char *value)
{
    tp_var v = {name, value};
    tp_vars vs = {&v, 1};
    tp_error e;
    return tp_manifest_check_vars(m, &vs, &e);
}

static void pattern_matches_whole_value(void **state)
{
    (void)state;
    tp_manifest *m = ok(mk("", VARS_REQ("{\"u\":{\"pattern\":\"[a-z]+\\\\d?\"}}", "<% u %>"),
                           RESP_200));
    assert_int_equal(check_value(m, "u", "abc7"), TP_OK);
    assert_int_equal(check_value(m, "u", "abc"), TP_OK);
    assert_int_equal(check_value(m, "u", "abc77"), TP_ERR_VAR); /* full match only */
    assert_int_equal(check_value(m, "u", "Xabc"), TP_ERR_VAR);
    tp_manifest_free(m);
    /* '.' may match a non-ASCII character in one dialect and a byte in the other: such a
     * pattern accepts ASCII values only */
    m = ok(mk("", VARS_REQ("{\"u\":{\"pattern\":\"^.{2}$\"}}", "<% u %>"), RESP_200));
    assert_int_equal(check_value(m, "u", "ab"), TP_OK);
    assert_int_equal(check_value(m, "u", "\xc3\xa9"), TP_ERR_VAR);
    tp_manifest_free(m);
}

static void variable_forms_and_rules(void **state)
{
    (void)state;
    /* {} is the current form with every default: required, any string */
    tp_manifest *m = ok(mk("", VARS_REQ("{\"u\":{}}", "<% u %>"), RESP_200));
    tp_manifest_free(m);
    /* no vars, or "vars": {}, declares nothing: placeholders are implicit string variables */
    tp_manifest_free(ok(mk("", VARS_REQ("{}", "<% u %>"), RESP_200)));
    refused(mk("", VARS_REQ("{\"u\":{\"pattern\":\"x{,2}\"}}", "<% u %>"), RESP_200),
            "request.vars.u.pattern: a '{' that is not a quantifier");
    refused(mk("", VARS_REQ("{\"u\":{\"pattern\":\"\"}}", "<% u %>"), RESP_200),
            "empty pattern");
    refused(mk("", VARS_REQ("{\"u\":{\"required\":false}}", "<% u %>"), RESP_200),
            "an optional variable (required: false) needs a default");
    refused(mk("", VARS_REQ("{\"u\":{\"required\":false,\"default\":\"AB\",\"pattern\":\"[a-z]+\"}}",
                            "<% u %>"),
               RESP_200),
            "default does not match the pattern");
    refused(mk("", VARS_REQ("{\"u\":{\"required\":\"yes\"}}", "<% u %>"), RESP_200),
            "required must be a boolean");
    refused(mk("", VARS_REQ("{\"u\":{\"default\":7}}", "<% u %>"), RESP_200),
            "u.default must be a string");
    refused(mk("", VARS_REQ("{\"u\":{}}", "a"), RESP_200), "required but used by no placeholder");
    refused(mk("", VARS_REQ("{\"u\":{}}", "<% u %>/<% w %>"), RESP_200),
            "placeholder <% w %> is not declared in request.vars");
    refused(mk("", VARS_REQ("{\"u\":{\"regex\":\"a\",\"pattern\":\"a\"}}", "<% u %>"), RESP_200),
            "mixes the legacy form");
    refused(mk("", VARS_REQ("{\"u\":{\"minLength\":3}}", "<% u %>"), RESP_200),
            "unknown field request.vars.<name>.minLength");
    refused(mk("", VARS_REQ("[]", "a"), RESP_200), "request.vars must be an object");
    /* the legacy form keeps its POSIX regex, length and type; a var not used is fine */
    m = ok(mk("", VARS_REQ("{\"u\":{\"regex\":\"[0-9]+\",\"length\":3,\"type\":\"integer\"},"
                           "\"spare\":{\"type\":\"hex\"}}",
                           "<% u %>"),
              RESP_200));
    assert_int_equal(check_value(m, "u", "123"), TP_OK);
    assert_int_equal(check_value(m, "u", "12"), TP_ERR_VAR);
    tp_manifest_free(m);
}

static char *build(const tp_manifest *m, const tp_var *v, size_t n, tp_err want)
{
    tp_vars vs = {v, n};
    tp_buf req = TP_BUF_INIT;
    tp_error e;
    tp_err rc = tp_manifest_build_request(m, &vs, &req, &e);
    if (rc != want)
        fail_msg("build: rc %d '%s', want %d", rc, rc ? e.detail : "", want);
    char *s = NULL;
    if (rc == TP_OK) {
        assert_true(tp_buf_terminate(&req));
        s = strdup((const char *)req.data);
    }
    tp_buf_free(&req);
    return s;
}

static void optional_variable_takes_its_default(void **state)
{
    (void)state;
    tp_manifest *m = ok(mk("", VARS_REQ("{\"u\":{},\"lang\":{\"required\":false,\"default\":\"en\","
                                        "\"pattern\":\"^[a-z]{2}$\"}}",
                                        "<% u %>?lang=<% lang %>"),
                           RESP_200));
    const tp_var only_u[] = {{"u", "x"}};
    char *req = build(m, only_u, 1, TP_OK);
    assert_non_null(strstr(req, "GET /x?lang=en HTTP/1.1\r\n"));
    free(req);
    const tp_var both[] = {{"u", "x"}, {"lang", "fr"}};
    req = build(m, both, 2, TP_OK);
    assert_non_null(strstr(req, "GET /x?lang=fr HTTP/1.1\r\n"));
    free(req);
    const tp_var bad[] = {{"u", "x"}, {"lang", "fra"}};
    free(build(m, bad, 2, TP_ERR_VAR));
    free(build(m, NULL, 0, TP_ERR_VAR)); /* u is required */
    tp_manifest_free(m);
}

/* --- request.extra, mode, version, unknown members --- */

static void extra_headers_join_the_request(void **state)
{
    (void)state;
    tp_manifest *m = ok(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\","
                               "\"headers\":{\"A\":\"1\"},\"extra\":{\"headers\":{\"B\":\"2\"}}}",
                           RESP_200));
    char *req = build(m, NULL, 0, TP_OK);
    assert_string_equal(req, "GET /a HTTP/1.1\r\nHost: h.example\r\nA: 1\r\nB: 2\r\n"
                             "Accept-Encoding: identity\r\nConnection: close\r\n\r\n");
    free(req);
    tp_manifest_free(m);
    refused(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\",\"headers\":{\"A\":\"1\"},"
                   "\"extra\":{\"headers\":{\"a\":\"2\"}}}",
               RESP_200),
            "appears twice");
    refused(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\","
                   "\"extra\":{\"headers\":{\"Content-Length\":\"2\"}}}",
               RESP_200),
            "may not be set");
    refused(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\","
                   "\"extra\":{\"body\":\"x\"}}",
               RESP_200),
            "unknown field request.extra.body");
    refused(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\",\"extra\":[]}", RESP_200),
            "request.extra must be an object");
}

static void top_level_generations(void **state)
{
    (void)state;
    tp_manifest_free(ok(mk("", REQ_GET, RESP_200))); /* no manifestVersion */
    tp_manifest_free(ok(mk("\"manifestVersion\":\"1\",", REQ_GET, RESP_200)));
    tp_manifest_free(ok(mk("\"manifestVersion\":\"3\",\"mode\":\"TLSN\",\"loginUrl\":\"x\","
                           "\"manifest_version\":7,\"prepareUrl\":\"https://h.example/\",",
                           REQ_GET, RESP_200)));
    tp_manifest_free(ok(mk("\"mode\":\"TEE\",", REQ_GET, "{\"status\":200}")));
    refused(mk("\"manifestVersion\":\"4\",", REQ_GET, RESP_200), "manifestVersion must be");
    tp_manifest *proxy = ok(mk("\"mode\":\"Proxy\",", REQ_GET, RESP_200)); /* direct mode only */
    assert_int_equal(tp_manifest_requires_direct(proxy), 1);
    tp_manifest_free(proxy);
    proxy = ok(mk("\"mode\":\"TEE\",", REQ_GET, RESP_200));
    assert_int_equal(tp_manifest_requires_direct(proxy), 0);
    tp_manifest_free(proxy);
    refused(mk("\"mode\":1,", REQ_GET, RESP_200), "manifest.mode must be a string");
    refused(mk("\"prepareUrl\":1,", REQ_GET, RESP_200), "prepareUrl must be a string");
    refused(mk("", "{\"method\":\"GET\",\"url\":\"https://h.example/a\",\"query\":{}}", RESP_200),
            "unknown field request.query");
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"bodyHash\":\"x\"}"),
            "unknown field response.bodyHash");
}

/* --- legacy bodies --- */

static tp_err respond(const tp_manifest *m, const char *ctype, const char *body, json_t **values)
{
    char msg[8192];
    snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
             ctype, strlen(body), body);
    tp_http_message resp;
    tp_error e;
    assert_int_equal(tp_http_parse_response((const uint8_t *)msg, strlen(msg), 0, &resp, &e), TP_OK);
    tp_err rc = tp_manifest_check_response(m, &resp, values, &e);
    tp_http_message_free(&resp);
    if (rc != TP_OK)
        assert_null(*values);
    return rc;
}

static void expect_values(const tp_manifest *m, const char *ctype, const char *body,
                          const char *want)
{
    json_t *values = NULL;
    assert_int_equal(respond(m, ctype, body, &values), TP_OK);
    tp_buf b = TP_BUF_PUBLIC_INIT;
    assert_true(tp_jcs_serialize(values, &b) && tp_buf_terminate(&b));
    if (strcmp((char *)b.data, want) != 0)
        fail_msg("values %s, want %s", (char *)b.data, want);
    tp_buf_free(&b);
    json_decref(values);
}

static void legacy_json_path_and_contains(void **state)
{
    (void)state;
    json_t *v = NULL;
    tp_manifest *m = ok(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"json\":[\"a\",1,\"b\"],"
                                        "\"contains\":\"ok\"}}"));
    expect_values(m, "application/json", "{\"a\":[0,{\"b\":[1,2.50]}],\"s\":\"ok\"}",
                  "{\"json\":[\"1\",\"2.50\"]}");
    assert_int_equal(respond(m, "application/json", "{\"a\":[0,{\"c\":1}],\"s\":\"ok\"}", &v),
                     TP_ERR_SELECTOR);
    assert_int_equal(respond(m, "application/json", "{\"a\":[0,{\"b\":1}],\"s\":\"OK\"}", &v),
                     TP_ERR_PREDICATE);
    assert_int_equal(respond(m, "application/json", "{\"a\":[0,{\"b\":1}]} ok {", &v), TP_ERR_JSON);
    tp_manifest_free(m);
    /* contains alone: any body, a substring of the decoded bytes */
    m = ok(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"contains\":\"Welcome, \"}}"));
    expect_values(m, "text/plain", "<p>Welcome, Ada</p>", "{}");
    assert_int_equal(respond(m, "text/plain", "<p>welcome, Ada</p>", &v), TP_ERR_PREDICATE);
    tp_manifest_free(m);
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"contains\":\"\"}}"),
            "contains must be a non-empty string");
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"json\":\"a.b\"}}"),
            "response.body.json: manifest: extractor json: selector must be an array");
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{}}"), "response.body has no rule");
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"extractors\":[]}}"),
            "missing field response.body.format");
    refused(mk("", REQ_GET, "{\"status\":\"200\",\"body\":{\"json\":[\"a\"],\"format\":\"json\","
                            "\"extractors\":[{\"id\":\"json\",\"selector\":[\"b\"],"
                            "\"type\":\"string\"}]}}"),
            "id used twice");
}

/* Author-written POSIX regexes (legacy var regex, regex predicates): constructs other
 * dialects read differently are refused, POSIX ones kept. */
static void posix_regexes_refuse_dialect_constructs(void **state)
{
    (void)state;
    const char *ok_res[] = {"[[:digit:]]+", "[]a]+", "[^]a]", "a\\\\.b", "(ab|c){1,3}", "x{2}"};
    for (size_t i = 0; i < sizeof(ok_res) / sizeof(*ok_res); i++) {
        char vars[256];
        snprintf(vars, sizeof(vars), "{\"u\":{\"regex\":\"%s\"}}", ok_res[i]);
        char req[512];
        snprintf(req, sizeof(req), "{\"method\":\"GET\",\"url\":\"https://h.example/<%% u %%>\","
                                   "\"vars\":%s}", vars);
        tp_manifest_free(ok(mk("", req, RESP_200)));
    }
    refused(mk("", VARS_REQ("{\"u\":{\"regex\":\"\\\\d+\"}}", "<% u %>"), RESP_200),
            "an escaped letter or digit");
    refused(mk("", VARS_REQ("{\"u\":{\"regex\":\"[\\\\d]\"}}", "<% u %>"), RESP_200),
            "a backslash inside [...]");
    refused(mk("", VARS_REQ("{\"u\":{\"regex\":\"x{,3}\"}}", "<% u %>"), RESP_200), "{,n}");
    refused(mk("", VARS_REQ("{\"u\":{\"regex\":\"(?:x)\"}}", "<% u %>"), RESP_200), "(?...)");
    const char *fmt = "{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":[{\"id\":"
                      "\"n\",\"selector\":[\"n\"],\"type\":\"string\",\"predicates\":[{\"type\":"
                      "\"regex\",\"comparison\":\"equal\",\"value\":\"%s\"%s}]}]}}";
    char resp[1024];
    snprintf(resp, sizeof(resp), fmt, "^a.b$", ",\"flags\":\"is\"");
    tp_manifest *m = ok(mk("", REQ_GET, resp));
    expect_values(m, "application/json", "{\"n\":\"A\\nB\"}", "{\"n\":\"A\\nB\"}");
    tp_manifest_free(m);
    snprintf(resp, sizeof(resp), fmt, "^a$", ",\"flags\":\"m\"");
    refused(mk("", REQ_GET, resp), "flags supports only");
    snprintf(resp, sizeof(resp), fmt, "^a$", ",\"flags\":\"g\"");
    refused(mk("", REQ_GET, resp), "flags supports only");
    snprintf(resp, sizeof(resp), fmt, "\\\\w+", "");
    refused(mk("", REQ_GET, resp), "predicates.value: an escaped letter or digit");
}

static void case_sensitive_key_and_alias(void **state)
{
    (void)state;
    const char *fmt = "{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":[{\"id\":"
                      "\"n\",\"selector\":[\"n\"],\"type\":\"string\",\"predicates\":[{\"type\":"
                      "\"value\",\"comparison\":\"equal\",\"value\":\"ADA\",%s}]}]}}";
    char resp[1024];
    json_t *v = NULL;
    snprintf(resp, sizeof(resp), fmt, "\"case_sensitive\":false");
    tp_manifest *m = ok(mk("", REQ_GET, resp));
    expect_values(m, "application/json", "{\"n\":\"ada\"}", "{\"n\":\"ada\"}");
    tp_manifest_free(m);
    snprintf(resp, sizeof(resp), fmt, "\"caseSensitive\":true");
    m = ok(mk("", REQ_GET, resp));
    assert_int_equal(respond(m, "application/json", "{\"n\":\"ada\"}", &v), TP_ERR_PREDICATE);
    tp_manifest_free(m);
    snprintf(resp, sizeof(resp), fmt, "\"case_sensitive\":false,\"caseSensitive\":true");
    refused(mk("", REQ_GET, resp), "disagree");
    snprintf(resp, sizeof(resp), fmt, "\"case_sensitive\":\"no\"");
    refused(mk("", REQ_GET, resp), "case_sensitive must be a boolean");
    snprintf(resp, sizeof(resp), fmt, "\"negate\":true");
    refused(mk("", REQ_GET, resp), "unknown field response.body.extractors.predicates.negate");
}

/* --- html --- */

#define PAGE                                                                                  \
    "<!DOCTYPE html><html><head><title>T &amp; co</title></head><body>"                       \
    "<div id=\"main\"><ul class=\"list big\"><li>one</li><li data-k=\"2\">two</li>"            \
    "<li>three <b>bold</b></li></ul><p><span class=\"n\"> 42.50 </span>"                     \
    "<span class=\"flag\">true</span></p><div><ul><li>inner</li></ul></div></div></body></html>"

static tp_manifest *html_manifest(const char *ext)
{
    char resp[2048];
    snprintf(resp, sizeof(resp),
             "{\"status\":\"200\",\"body\":{\"format\":\"html\",\"extractors\":[%s]}}", ext);
    return ok(mk("", REQ_GET, resp));
}

static void expect_html(const char *ext, const char *want)
{
    tp_manifest *m = html_manifest(ext);
    expect_values(m, "text/html", PAGE, want);
    tp_manifest_free(m);
}

static void expect_html_error(const char *ext, tp_err want)
{
    tp_manifest *m = html_manifest(ext);
    json_t *v = NULL;
    assert_int_equal(respond(m, "text/html", PAGE, &v), want);
    tp_manifest_free(m);
}

static void html_extractors_select_what_css_means(void **state)
{
    (void)state;
    expect_html("{\"id\":\"t\",\"selector\":[\"title\"],\"type\":\"string\"}", "{\"t\":\"T & co\"}");
    expect_html("{\"id\":\"l\",\"selector\":[\"div#main\",\"ul.list > li\"],\"type\":\"array\"}",
                "{\"l\":[\"one\",\"two\",\"three bold\"]}");
    /* descendant: the inner list too, in document order */
    expect_html("{\"id\":\"l\",\"selector\":[\"#main li\"],\"type\":\"array\"}",
                "{\"l\":[\"one\",\"two\",\"three bold\",\"inner\"]}");
    expect_html("{\"id\":\"l\",\"selector\":[\"#main > ul > li:nth-child(2n+1)\"],\"type\":\"array\"}",
                "{\"l\":[\"one\",\"three bold\"]}");
    expect_html("{\"id\":\"l\",\"selector\":[\"LI:nth-child(odd)\"],\"type\":\"array\"}",
                "{\"l\":[\"one\",\"three bold\",\"inner\"]}");
    expect_html("{\"id\":\"k\",\"selector\":[\"li[data-k]\"],\"type\":\"string\",\"attribute\":\"data-k\"}",
                "{\"k\":\"2\"}");
    expect_html("{\"id\":\"k\",\"selector\":[\"li[data-k='2']\"],\"type\":\"string\"}", "{\"k\":\"two\"}");
    expect_html("{\"id\":\"k\",\"selector\":[\"ul[class='list big'] li:nth-child(3)\"],\"type\":\"string\"}",
                "{\"k\":\"three bold\"}");
    expect_html("{\"id\":\"n\",\"selector\":[\"span.n\"],\"type\":\"number\",\"predicates\":[{\"type\":"
                "\"value\",\"comparison\":\"greaterThan\",\"value\":42.4}]}",
                "{\"n\":\"42.50\"}");
    expect_html("{\"id\":\"f\",\"selector\":[\"p\",\"span.flag\"],\"type\":\"boolean\"}",
                "{\"f\":true}");
    expect_html("{\"id\":\"x\",\"selector\":[\"table\"],\"type\":\"string\",\"required\":false}", "{}");
    expect_html_error("{\"id\":\"x\",\"selector\":[\"table\"],\"type\":\"string\"}", TP_ERR_SELECTOR);
    expect_html_error("{\"id\":\"x\",\"selector\":[\"li\"],\"type\":\"array\",\"attribute\":\"data-k\"}",
                      TP_ERR_SELECTOR);
    expect_html_error("{\"id\":\"x\",\"selector\":[\"span.flag\"],\"type\":\"number\"}",
                      TP_ERR_EXTRACT_TYPE);
    expect_html_error("{\"id\":\"x\",\"selector\":[\"span.n\"],\"type\":\"boolean\"}",
                      TP_ERR_EXTRACT_TYPE);
    expect_html_error("{\"id\":\"x\",\"selector\":[\"title\"],\"type\":\"string\",\"predicates\":"
                      "[{\"type\":\"value\",\"comparison\":\"equal\",\"value\":\"T &amp; co\"}]}",
                      TP_ERR_PREDICATE);
}

static void html_selector_refused(const char *sel, const char *want)
{
    char ext[512], resp[1024];
    snprintf(ext, sizeof(ext), "{\"id\":\"x\",\"selector\":[\"%s\"],\"type\":\"string\"}", sel);
    snprintf(resp, sizeof(resp),
             "{\"status\":\"200\",\"body\":{\"format\":\"html\",\"extractors\":[%s]}}", ext);
    refused(mk("", REQ_GET, resp), want);
}

static void html_selectors_outside_the_subset_are_refused(void **state)
{
    (void)state;
    html_selector_refused("a, b", "a selector list");
    html_selector_refused("a ~ b", "sibling combinator");
    html_selector_refused("a+b", "sibling combinator");
    html_selector_refused("a:hover", "pseudo-class other than :nth-child");
    html_selector_refused("a::before", "pseudo-class other than :nth-child");
    html_selector_refused("li:nth-child(2n + 1)", "invalid :nth-child argument");
    html_selector_refused("li:nth-child(x)", "invalid :nth-child argument");
    html_selector_refused("a[href^=x]", "attribute operator");
    html_selector_refused("a[href='x' i]", "after the value");
    html_selector_refused("#\\\\31 23", "invalid name");
    html_selector_refused("\xc3\xa9", "invalid compound");
    html_selector_refused("", "empty or invalid compound");
    html_selector_refused("a >", "empty or invalid compound");
    html_selector_refused("a\\tb", "unexpected character");
    html_selector_refused("a b c d e f g h i", "more than 8 compound");
    char resp[1024];
    snprintf(resp, sizeof(resp), "{\"status\":\"200\",\"body\":{\"format\":\"html\",\"extractors\":"
                                 "[{\"id\":\"x\",\"selector\":[],\"type\":\"string\"}]}}");
    refused(mk("", REQ_GET, resp), "array of 1 to 8 CSS selectors");
    snprintf(resp, sizeof(resp), "{\"status\":\"200\",\"body\":{\"format\":\"html\",\"extractors\":"
                                 "[{\"id\":\"x\",\"selector\":[\"a\"],\"type\":\"object\"}]}}");
    refused(mk("", REQ_GET, resp), "an html value is a string, number, boolean or array");
    snprintf(resp, sizeof(resp), "{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":"
                                 "[{\"id\":\"x\",\"selector\":[\"a\"],\"type\":\"string\","
                                 "\"attribute\":\"href\"}]}}");
    refused(mk("", REQ_GET, resp), "attribute is for html extractors only");
    snprintf(resp, sizeof(resp), "{\"status\":\"200\",\"body\":{\"format\":\"html\",\"json\":[\"a\"]}}");
    refused(mk("", REQ_GET, resp), "not rules of an html body");
}

/* A deeply nested page is walked without recursion (and freed at once); too many tags or
 * attributes are refused before gumbo's quadratic work starts. */
static void html_deep_nesting(void **state)
{
    (void)state;
    enum { DEPTH = 5000 };
    tp_buf page = TP_BUF_PUBLIC_INIT;
    for (int i = 0; i < DEPTH; i++)
        assert_true(tp_buf_append_str(&page, "<div>"));
    assert_true(tp_buf_append_str(&page, "<b>deep</b>"));
    assert_true(tp_buf_terminate(&page));
    tp_manifest *m = html_manifest("{\"id\":\"b\",\"selector\":[\"div > b\"],\"type\":\"string\"}");
    char *msg = malloc(page.len + 256);
    int n = sprintf(msg, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", page.len,
                    (char *)page.data);
    tp_http_message resp;
    tp_error e;
    assert_int_equal(tp_http_parse_response((const uint8_t *)msg, (size_t)n, 0, &resp, &e), TP_OK);
    json_t *values = NULL;
    assert_int_equal(tp_manifest_check_response(m, &resp, &values, &e), TP_OK);
    assert_string_equal(json_string_value(json_object_get(values, "b")), "deep");
    json_decref(values);
    tp_manifest_free(m);
    /* every div selected: each match's text walk revisits the nodes below it, so the work
     * is quadratic; the visit budget stops it (limit), nothing extracted */
    m = html_manifest("{\"id\":\"d\",\"selector\":[\"div\"],\"type\":\"array\"}");
    values = NULL;
    assert_int_equal(tp_manifest_check_response(m, &resp, &values, &e), TP_ERR_LIMIT);
    assert_null(values);
    tp_manifest_free(m);
    tp_http_message_free(&resp);
    free(msg);
    tp_buf_free(&page);
}

static tp_err parse_page(const char *unit, size_t times, const char *tail)
{
    tp_buf page = TP_BUF_PUBLIC_INIT;
    for (size_t i = 0; i < times; i++)
        assert_true(tp_buf_append_str(&page, unit));
    assert_true(tp_buf_append_str(&page, tail));
    tp_html_doc *doc = NULL;
    tp_error e;
    tp_err rc = tp_html_parse(page.data, page.len, &doc, &e);
    tp_html_free(doc);
    tp_buf_free(&page);
    return rc;
}

static void html_work_is_bounded(void **state)
{
    (void)state;
    assert_int_equal(parse_page("<i>", TP_HTML_MAX_TAGS, ""), TP_OK);
    assert_int_equal(parse_page("<i>", TP_HTML_MAX_TAGS + 1, ""), TP_ERR_LIMIT);
    /* tags inside comments and scripts count too (counting up is the safe side) */
    assert_int_equal(parse_page("<!--<b>-->", TP_HTML_MAX_TAGS + 1, ""), TP_ERR_LIMIT);
    assert_int_equal(parse_page(" a", TP_HTML_MAX_ATTRS, "<p>"), TP_OK);
    assert_int_equal(parse_page(" a", TP_HTML_MAX_ATTRS + 1, "<p>"), TP_OK); /* not in a tag */
    tp_buf tag = TP_BUF_PUBLIC_INIT;
    assert_true(tp_buf_append_str(&tag, "<p"));
    for (unsigned i = 0; i <= TP_HTML_MAX_ATTRS; i++)
        assert_true(tp_buf_append_str(&tag, i % 2 ? " a='x y z'" : " \"b"));
    assert_true(tp_buf_terminate(&tag));
    assert_int_equal(parse_page((const char *)tag.data, 1, ">"), TP_ERR_LIMIT);
    tp_buf_free(&tag);
    assert_int_equal(parse_page("x", 1, "<p a=\"1 2 3 4\" b c>"), TP_OK);
    assert_int_equal(parse_page("\xff", 1, ""), TP_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ecmascript_patterns_translate_or_refuse),
        cmocka_unit_test(pattern_matches_whole_value),
        cmocka_unit_test(variable_forms_and_rules),
        cmocka_unit_test(optional_variable_takes_its_default),
        cmocka_unit_test(extra_headers_join_the_request),
        cmocka_unit_test(top_level_generations),
        cmocka_unit_test(legacy_json_path_and_contains),
        cmocka_unit_test(posix_regexes_refuse_dialect_constructs),
        cmocka_unit_test(case_sensitive_key_and_alias),
        cmocka_unit_test(html_extractors_select_what_css_means),
        cmocka_unit_test(html_selectors_outside_the_subset_are_refused),
        cmocka_unit_test(html_deep_nesting),
        cmocka_unit_test(html_work_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
