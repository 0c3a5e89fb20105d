/* Unit tests: the one request a manifest allows (issue 6, holes 1 and 2). Each position's
 * encoding, the attack values of the issue giving a structurally fixed request, the fixed
 * header set and order, the manifest's header rules, variable types and full-match
 * regexes, and the byte-for-byte check the notary makes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "manifest/manifest_check.h"
#include "teeproof/manifest.h"

#define MAX_DOC 4096

/* A whole manifest around a request object given as JSON text. */
static tp_err parse_request_json(const char *request, tp_manifest **m, tp_error *e)
{
    char doc[MAX_DOC];
    int n = snprintf(doc, sizeof(doc),
                     "{\"manifestVersion\":\"2\",\"id\":\"t\",\"title\":\"T\",\"description\":\"d\","
                     "\"request\":%s,\"response\":{\"status\":\"200\"}}",
                     request);
    assert_true(n > 0 && (size_t)n < sizeof(doc));
    return tp_manifest_parse(doc, (size_t)n, m, e);
}

static tp_manifest *manifest_ok(const char *request)
{
    tp_manifest *m = NULL;
    tp_error e;
    if (parse_request_json(request, &m, &e) != TP_OK)
        fail_msg("manifest refused: %s", e.detail);
    return m;
}

static void expect_manifest_refused(const char *request, const char *want)
{
    tp_manifest *m = NULL;
    tp_error e;
    tp_err rc = parse_request_json(request, &m, &e);
    if (rc != TP_ERR_MANIFEST || strstr(e.detail, want) == NULL)
        fail_msg("manifest %s: rc %d '%s', want '%s'", request, rc, e.detail, want);
    assert_null(m);
}

/* A manifest around request, and its request built with one variable (text NULL and rc
 * set when refused). */
typedef struct built {
    tp_manifest *m;
    tp_var var[1];
    tp_vars vars;
    tp_err rc;
    tp_error e;
    char *text;
} built;

static void build_one(built *b, const char *request, const char *name, const char *value)
{
    b->m = manifest_ok(request);
    b->var[0] = (tp_var){name, value};
    b->vars = (tp_vars){b->var, name ? 1 : 0};
    b->text = NULL;
    tp_buf req = TP_BUF_INIT;
    b->rc = tp_manifest_build_request(b->m, &b->vars, &req, &b->e);
    if (b->rc == TP_OK) {
        assert_true(tp_buf_terminate(&req));
        size_t len;
        b->text = (char *)tp_buf_detach(&req, &len);
    }
    assert_int_equal(req.len, 0);
    tp_buf_free(&req);
}

static void built_free(built *b)
{
    free(b->text);
    tp_manifest_free(b->m);
}

static void expect_request(const char *request, const char *name, const char *value,
                           const char *want)
{
    built b;
    build_one(&b, request, name, value);
    if (b.text == NULL)
        fail_msg("build refused: %s", b.e.detail);
    assert_string_equal(b.text, want);
    /* the notary accepts exactly these bytes */
    assert_int_equal(tp_manifest_check_request(b.m, &b.vars, (const uint8_t *)b.text,
                                               strlen(b.text), &b.e),
                     TP_OK);
    built_free(&b);
}

static void expect_var_refused(const char *request, const char *name, const char *value,
                               const char *want)
{
    built b;
    build_one(&b, request, name, value);
    if (b.text != NULL || b.rc != TP_ERR_VAR || strstr(b.e.detail, want) == NULL)
        fail_msg("value for %s: rc %d '%s', want '%s'", name, b.rc, b.text ? b.text : b.e.detail,
                 want);
    if (value[0] && strstr(b.e.detail, value))
        fail_msg("value in the error: %s", b.e.detail);
    built_free(&b);
}

#define TAIL "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"

static void url_values_are_percent_encoded(void **state)
{
    (void)state;
    /* hole 1: the path injection of the issue is refused outright: percent-encoded it would
     * stay in its segment, but a server that decodes the path before routing would see
     * the structure again */
    expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/s/<% token %>/api/users/alice/balance\"}",
                       "token", "abc123/api/users/admin/balance?", "URL path");
    static const char *const structural[] = {"a/b", "a\\b", "a?b", "a#b", "a%2Fb", "50%off"};
    for (size_t i = 0; i < sizeof(structural) / sizeof(structural[0]); i++)
        expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/s/<% t %>/x?q=1\"}",
                           "t", structural[i], "URL path");
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/s/<% t %>/x\"}", "t",
                   "abc 123+=&", "GET /s/abc%20123%2B%3D%26/x HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    /* query value: no new parameter */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/q?user=<% u %>&scope=read\"}",
                   "u", "alice&user=admin#x",
                   "GET /q?user=alice%26user%3Dadmin%23x&scope=read HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    /* query name, unreserved kept, everything else %XX uppercase, UTF-8 byte by byte */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example:8443/q?<% k %>=1\"}", "k",
                   "aZ09-._~ %+/\xc3\xa9",
                   "GET /q?aZ09-._~%20%25%2B%2F%C3%A9=1 HTTP/1.1\r\nHost: h.example:8443\r\n" TAIL);
    /* the literal part of the target is the manifest's: visible ASCII only */
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/a b\"}", "visible ASCII");
}

/* Red-team review: "." is unreserved, so a value could make a path segment "..", "." or
 * empty (a server resolves /users/../balance to /balance): refused, wherever the dots come
 * from; the same values elsewhere are kept. */
static void values_never_make_dot_segments(void **state)
{
    (void)state;
    static const char *const bad[] = {"..", ".", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/users/<% u %>/balance\"}",
                           "u", bad[i], "path segment");
        expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/users/<% u %>\"}", "u",
                           bad[i], "path segment");
    }
    /* a literal dot or %2E next to the value */
    expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/a/.<% u %>/b\"}", "u", ".",
                       "path segment");
    expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/a/%2e<% u %>/b\"}", "u", ".",
                       "path segment");
    expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/a/<% u %>%2E/b?x=1\"}", "u",
                       ".", "path segment");
    /* dot parts between separators a server may decode: no path value holds a separator */
    static const char *const encoded[] = {"x/../admin", "../admin", "a/.", "x/..", "..\\admin",
                                          "a\\.\\b"};
    for (size_t i = 0; i < sizeof(encoded) / sizeof(encoded[0]); i++)
        expect_var_refused("{\"method\":\"GET\",\"url\":\"https://h.example/users/<% u %>/balance\"}",
                           "u", encoded[i], "URL path");
    /* not dot segments: kept */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/a/<% u %>/b\"}", "u", "...",
                   "GET /a/.../b HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/a/<% u %>.json\"}", "u", ".",
                   "GET /a/..json HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    /* in the query a value may be anything */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/a?p=<% u %>&q=/<% u %>\"}", "u",
                   "..", "GET /a?p=..&q=/.. HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/a?p=<% u %>\"}", "u", "",
                   "GET /a?p= HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    /* a "%" right before a placeholder would let the value pick the decoded byte */
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/f/%<% u %>\"}",
                            "two hex digits");
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/f/%2<% u %>\"}",
                            "two hex digits");
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/f?a=%\"}", "two hex digits");
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/f%20g/<% u %>\"}", "u", "x",
                   "GET /f%20g/x HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    /* the manifest's own literal dot segments are its author's */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example/a/../<% u %>\"}", "u", "b",
                   "GET /a/../b HTTP/1.1\r\nHost: h.example\r\n" TAIL);
}

static void form_bodies_are_form_encoded(void **state)
{
    (void)state;
    const char *form = "{\"method\":\"POST\",\"url\":\"https://h.example/pay\","
                       "\"headers\":{\"Content-Type\":\"application/x-www-form-urlencoded\"},"
                       "\"body\":\"amount=<% amt %>&to=alice\"}";
    expect_request(form, "amt", "5&to=eve",
                   "POST /pay HTTP/1.1\r\nHost: h.example\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 28\r\n" TAIL
                   "amount=5%26to%3Deve&to=alice");
    expect_request(form, "amt", "1 2+3", "POST /pay HTTP/1.1\r\nHost: h.example\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 23\r\n" TAIL
                   "amount=1+2%2B3&to=alice");
    /* a text body without Content-Type is form-encoded too */
    expect_request("{\"method\":\"PUT\",\"url\":\"https://h.example/t\",\"body\":\"note: <% n %>\"}", "n",
                   "a\"b", "PUT /t HTTP/1.1\r\nHost: h.example\r\nContent-Length: 11\r\n" TAIL
                   "note: a%22b");
}

static void json_bodies_escape_values_inside_strings(void **state)
{
    (void)state;
    const char *json = "{\"method\":\"POST\",\"url\":\"https://h.example/pay\","
                       "\"headers\":{\"Content-Type\":\"application/json\"},"
                       "\"body\":\"{\\\"memo\\\":\\\"<% memo %>\\\",\\\"to\\\":\\\"alice\\\"}\"}";
    expect_request(json, "memo", "x\",\"to\":\"eve",
                   "POST /pay HTTP/1.1\r\nHost: h.example\r\nContent-Type: application/json\r\n"
                   "Content-Length: 40\r\n" TAIL "{\"memo\":\"x\\\",\\\"to\\\":\\\"eve\",\"to\":\"alice\"}");
    /* a +json media type with parameters is JSON too */
    expect_request("{\"method\":\"POST\",\"url\":\"https://h.example/p\","
                   "\"headers\":{\"content-type\":\" application/vnd.api+JSON ; charset=utf-8\"},"
                   "\"body\":\"[\\\"<% v %>\\\"]\"}",
                   "v", "a\\b", "POST /p HTTP/1.1\r\nHost: h.example\r\n"
                   "content-type: application/vnd.api+JSON ; charset=utf-8\r\nContent-Length: 8\r\n" TAIL
                   "[\"a\\\\b\"]");
    /* an object body: canonical form, values escaped */
    expect_request("{\"method\":\"POST\",\"url\":\"https://h.example/p\",\"body\":{\"b\":\"<% v %>\",\"a\":1.5}}",
                   "v", "\"}", "POST /p HTTP/1.1\r\nHost: h.example\r\nContent-Length: 19\r\n" TAIL
                   "{\"a\":1.5,\"b\":\"\\\"}\"}");
    /* a placeholder outside a JSON string, in an escape, or a body that is not JSON */
    const char *outside[] = {"{\\\"n\\\":<% v %>}", "[\\\"\\\\<% v %>\\\"]",
                             "[\\\"\\\\u00<% v %>\\\"]", "<% v %>"};
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "{\"method\":\"POST\",\"url\":\"https://h.example/p\","
                 "\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"%s\"}", outside[i]);
        expect_manifest_refused(req, "must be inside a JSON string");
    }
    expect_manifest_refused("{\"method\":\"POST\",\"url\":\"https://h.example/p\","
                            "\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"{\\\"a\\\":\"}",
                            "not valid JSON");
    /* Red-team review: a placeholder inside a member name let the value pick the member
     * ({"<% k %>":"x"} with "role"), as object bodies already forbid */
    const char *in_names[] = {"{\\\"<% k %>\\\":\\\"x\\\"}", "[{\\\"a\\\":{\\\"p<% k %>\\\":1}}]"};
    for (size_t i = 0; i < sizeof(in_names) / sizeof(in_names[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "{\"method\":\"POST\",\"url\":\"https://h.example/p\","
                 "\"headers\":{\"Content-Type\":\"application/json\"},\"body\":\"%s\"}", in_names[i]);
        expect_manifest_refused(req, "member name");
    }
    /* a value that is not UTF-8 cannot be put in JSON */
    expect_var_refused(json, "memo", "\xff", "UTF-8");
}

static void header_values_have_no_delimiters(void **state)
{
    (void)state;
    const char *cookie = "{\"method\":\"GET\",\"url\":\"https://h.example/me\","
                         "\"headers\":{\"Cookie\":\"session=<% sid %>\"}}";
    expect_request(cookie, "sid", "abc=/+DEF 9", "GET /me HTTP/1.1\r\nHost: h.example\r\n"
                   "Cookie: session=abc=/+DEF 9\r\n" TAIL);
    const char *bad[] = {"abc; admin=1", "a,b", "a\"b", "a\\b", "a\tb", "a\x7f", "\xc3\xa9",
                         " abc", "abc "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_var_refused(cookie, "sid", bad[i], "header");
}

static void header_set_and_order_are_fixed(void **state)
{
    (void)state;
    /* Host first (the manifest's Host must be the authority), the manifest's headers in
     * document order, Content-Length, Accept-Encoding (the manifest's), Connection: close */
    expect_request("{\"method\":\"POST\",\"url\":\"https://H.example:8443/x\",\"headers\":{"
                   "\"Connection\":\"close\",\"X-B\":\"2\",\"Accept-Encoding\":\"gzip, br\","
                   "\"Host\":\"h.EXAMPLE:8443\",\"X-A\":\" <% v %> \"},\"body\":\"k=v\"}",
                   "v", "1",
                   "POST /x HTTP/1.1\r\nHost: h.example:8443\r\nX-B: 2\r\nX-A: 1\r\n"
                   "Content-Length: 3\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\nk=v");
    /* no User-Agent or Accept unless the manifest names them */
    expect_request("{\"method\":\"GET\",\"url\":\"https://h.example\"}", NULL, NULL,
                   "GET / HTTP/1.1\r\nHost: h.example\r\n" TAIL);
    const char *refused[][2] = {
        {"Content-Length", "5"},   {"Transfer-Encoding", "chunked"}, {"connection", "keep-alive"},
        {"Connection", "close, X-Api-Version"}, {"Upgrade", "h2c"}, {"TE", "trailers"},
        {"Trailer", "X"},          {"Expect", "100-continue"},      {"Keep-Alive", "timeout=5"},
        {"Proxy-Authorization", "Basic x"}, {"proxy-connection", "close"},
        {"Accept-Encoding", "compress"}, {"Accept-Encoding", "gzip;q=1"},
        {"Accept-Encoding", "<% v %>"}, {"Host", "evil.example"},
        {"Content-Type", "<% v %>"}};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "{\"method\":\"GET\",\"url\":\"https://h.example/\","
                 "\"headers\":{\"%s\":\"%s\"}}", refused[i][0], refused[i][1]);
        expect_manifest_refused(req, "request.headers.");
    }
}

static void types_are_enforced(void **state)
{
    (void)state;
    static const struct {
        const char *type, *value;
        int ok;
    } cases[] = {
        {"number", "12", 1},     {"number", "-0.5e+3", 1}, {"number", "0", 1},
        {"number", "1E9", 1},    {"number", "012", 0},     {"number", "1.", 0},
        {"number", ".5", 0},     {"number", "1e", 0},      {"number", "+1", 0},
        {"number", "0x10", 0},   {"number", " 1", 0},      {"number", "NaN", 0},
        {"number", "", 0},       {"number", "1/x", 0},     {"integer", "-42", 1},
        {"integer", "4.2", 0},   {"integer", "-", 0},      {"boolean", "true", 1},
        {"boolean", "True", 0},  {"hex", "00aF", 1},       {"hex", "0g", 0},
        {"hex", "", 0},          {"base64", "aGk=", 1},    {"base64", "a-_b", 0},
        {"base64url", "a-_b", 1}, {"base64url", "a+/b", 0}, {"string", "any /?&", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "{\"method\":\"GET\",\"url\":\"https://h.example/<%%v%%>\","
                 "\"vars\":{\"v\":{\"type\":\"%s\"}}}", cases[i].type);
        tp_manifest *m = manifest_ok(req);
        tp_var v[] = {{"v", cases[i].value}};
        tp_vars vars = {v, 1};
        tp_error e;
        tp_err rc = tp_manifest_check_vars(m, &vars, &e);
        if ((rc == TP_OK) != cases[i].ok || (rc != TP_OK && rc != TP_ERR_VAR))
            fail_msg("type %s value '%s': rc %d", cases[i].type, cases[i].value, rc);
        if (rc != TP_OK && cases[i].value[0] && strstr(e.detail, cases[i].value))
            fail_msg("value in the error: %s", e.detail);
        tp_manifest_free(m);
    }
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                            "\"vars\":{\"v\":{\"type\":\"uuid\"}}}", "type must be one of");
}

static void regex_is_a_full_match(void **state)
{
    (void)state;
    tp_manifest *m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                                 "\"vars\":{\"v\":{\"regex\":\"a|b.*\",\"length\":3}}}");
    static const struct {
        const char *value;
        int ok;
    } cases[] = {{"bzz", 1}, {"b/.", 1}, {"aaa", 0}, {"xab", 0}, {"ab?", 0}, {"a", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tp_var v[] = {{"v", cases[i].value}};
        tp_vars vars = {v, 1};
        tp_error e;
        tp_err rc = tp_manifest_check_vars(m, &vars, &e);
        if ((rc == TP_OK) != cases[i].ok)
            fail_msg("regex a|b.* on '%s': rc %d", cases[i].value, rc);
    }
    tp_manifest_free(m);
    m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                    "\"vars\":{\"v\":{\"regex\":\"a|b.*\"}}}");
    tp_var ok[] = {{"v", "a"}}, bad[] = {{"v", "a/x"}};
    tp_vars vars_ok = {ok, 1}, vars_bad = {bad, 1};
    tp_error e;
    assert_int_equal(tp_manifest_check_vars(m, &vars_ok, &e), TP_OK);
    assert_int_equal(tp_manifest_check_vars(m, &vars_bad, &e), TP_ERR_VAR);
    tp_manifest_free(m);
    /* Red-team review (held): glibc takes an unmatched ")" as a literal, so "[0-9]+)|(x)"
     * compiles alone, and wrapped in ^( )$ it would be ^[0-9]+ or x)$; the affordability
     * guard refuses unbalanced parentheses first. */
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                            "\"vars\":{\"v\":{\"regex\":\"[0-9]+)|(x)\"}}}", "regex is invalid");
    /* a regex that would escape the anchors is not a regex */
    expect_manifest_refused("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                            "\"vars\":{\"v\":{\"regex\":\"a)|(b\"}}}", "regex is invalid");
}

/* Red-team review: glibc grows a DFA state per subject byte for "(a|b)*a.{900}c" (5 s and
 * 700 MB for 32 KiB); a manifest's regexes share one matching budget, past it: limit. */
static void regex_matching_has_a_budget(void **state)
{
    (void)state;
    char *value = malloc(8193);
    assert_non_null(value);
    for (size_t i = 0; i < 8192; i++)
        value[i] = "ab"[(i * 7 + i / 3) & 1];
    value[8191] = 'c';
    value[8192] = '\0';
    tp_manifest *m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                                 "\"vars\":{\"v\":{\"regex\":\"(a|b)*a.{900}c\"}}}");
    tp_var v[] = {{"v", value}};
    tp_vars vars = {v, 1};
    tp_error e;
    assert_int_equal(tp_manifest_check_vars(m, &vars, &e), TP_ERR_LIMIT);
    tp_manifest_free(m);
    /* a small pattern over the same value is well within it, several times over */
    m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/<% v %>\","
                    "\"vars\":{\"v\":{\"regex\":\"[ab]+c\"}}}");
    for (int i = 0; i < 8; i++)
        assert_int_equal(tp_manifest_check_vars(m, &vars, &e), TP_OK);
    tp_manifest_free(m);
    free(value);
}

/* Red-team review: each compiled pattern of size ~1000 costs glibc ~0.2 ms and 100 KB; a
 * 1 MiB manifest held 15000 of them (1.5 GB at PROVE_REQ). Compiled sizes share a budget. */
static void regex_compilation_has_a_budget(void **state)
{
    (void)state;
    static const char head[] =
        "{\"manifestVersion\":\"2\",\"id\":\"t\",\"title\":\"T\",\"description\":\"d\","
        "\"request\":{\"method\":\"GET\",\"url\":\"https://h.example/\"},"
        "\"response\":{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":["
        "{\"id\":\"a\",\"selector\":[\"a\"],\"type\":\"string\",\"predicates\":[";
    static const char pred[] = "{\"type\":\"regex\",\"comparison\":\"contains\",\"value\":\"x.{990}y\"}";
    for (int n = 8; n <= 64; n += 56) {
        tp_buf doc = TP_BUF_INIT;
        assert_true(tp_buf_append_str(&doc, head));
        for (int i = 0; i < n; i++)
            assert_true((i == 0 || tp_buf_append_str(&doc, ",")) && tp_buf_append_str(&doc, pred));
        assert_true(tp_buf_append_str(&doc, "]}]}}}"));
        tp_manifest *m = NULL;
        tp_error e;
        tp_err rc = tp_manifest_parse((const char *)doc.data, doc.len, &m, &e);
        if (n == 8)
            assert_int_equal(rc, TP_OK);
        else if (rc != TP_ERR_MANIFEST || strstr(e.detail, "regexes") == NULL)
            fail_msg("64 large regexes: rc %d '%s'", rc, rc ? e.detail : "");
        tp_manifest_free(m);
        tp_buf_free(&doc);
    }
}

/* What the old notary accepted (values substituted verbatim) is refused now. */
static void notary_wants_the_exact_bytes(void **state)
{
    (void)state;
    tp_manifest *m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/s?u=<% t %>&x=alice\"}");
    const char *verbatim = "GET /s?u=abc&u=admin&x=alice HTTP/1.1\r\nHost: h.example\r\n" TAIL;
    tp_var v[] = {{"t", "abc&u=admin"}};
    tp_vars vars = {v, 1};
    tp_error e;
    assert_int_equal(tp_manifest_check_request(m, &vars, (const uint8_t *)verbatim,
                                               strlen(verbatim), &e),
                     TP_ERR_MANIFEST_REQUEST);
    assert_non_null(strstr(e.detail, "request line"));
    assert_null(strstr(e.detail, "admin"));
    const char *good = "GET /s?u=abc%26u%3Dadmin&x=alice HTTP/1.1\r\nHost: h.example\r\n" TAIL;
    assert_int_equal(tp_manifest_check_request(m, &vars, (const uint8_t *)good, strlen(good), &e),
                     TP_OK);
    const char *longer = "GET /s?u=abc%26u%3Dadmin&x=alice HTTP/1.1\r\nHost: h.example\r\n" TAIL "G";
    assert_int_equal(tp_manifest_check_request(m, &vars, (const uint8_t *)longer,
                                               strlen(longer), &e),
                     TP_ERR_MANIFEST_REQUEST);
    assert_int_equal(tp_manifest_check_request(m, &vars, (const uint8_t *)good, strlen(good) - 1,
                                               &e),
                     TP_ERR_MANIFEST_REQUEST);
    tp_manifest_free(m);
}

/* A value for a declared variable that no placeholder uses would be committed in the claims
 * as if the site had received it: refused (red-team finding). Left out, it is fine. */
static void unused_variables_take_no_value(void **state)
{
    (void)state;
    tp_manifest *m = manifest_ok("{\"method\":\"GET\",\"url\":\"https://h.example/a?q=<% q %>\","
                                 "\"vars\":{\"q\":{},\"extra\":{\"required\":false,\"default\":\"d\"}}}");
    tp_var given[] = {{"q", "1"}, {"extra", "e"}};
    tp_vars both = {given, 2}, used = {given, 1};
    tp_error e;
    assert_int_equal(tp_manifest_check_vars(m, &both, &e), TP_ERR_VAR);
    assert_non_null(strstr(e.detail, "not used"));
    assert_int_equal(tp_manifest_check_vars(m, &used, &e), TP_OK);
    tp_manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_values_are_percent_encoded),
        cmocka_unit_test(values_never_make_dot_segments),
        cmocka_unit_test(form_bodies_are_form_encoded),
        cmocka_unit_test(json_bodies_escape_values_inside_strings),
        cmocka_unit_test(header_values_have_no_delimiters),
        cmocka_unit_test(header_set_and_order_are_fixed),
        cmocka_unit_test(types_are_enforced),
        cmocka_unit_test(regex_is_a_full_match),
        cmocka_unit_test(regex_matching_has_a_budget),
        cmocka_unit_test(regex_compilation_has_a_budget),
        cmocka_unit_test(notary_wants_the_exact_bytes),
        cmocka_unit_test(unused_variables_take_no_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
