/* Unit tests: manifest parsing, hash, variables, request building/checking, response
 * checking with extractors and every predicate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/jcs.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "manifest/manifest_internal.h" /* the regex work budget */
#include "teeproof/manifest.h"

#define SAMPLE "docs/examples/account.manifest.json"
#define SECRET "s3cr3tTOKENvalue"

static const char k_base[] =
    "{\"manifestVersion\":\"2\",\"id\":\"t\",\"title\":\"T\",\"description\":\"d\","
    "\"request\":{\"method\":\"GET\",\"url\":\"https://api.example.com/v1/me?x=1\","
    "\"headers\":{\"Authorization\":\"Bearer <% token %>\"},"
    "\"vars\":{\"token\":{\"regex\":\"[a-zA-Z0-9]+\",\"length\":16}}},"
    "\"response\":{\"status\":\"200\",\"headers\":{\"Content-Type\":\"application/json\"},"
    "\"body\":{\"format\":\"json\",\"extractors\":["
    "{\"id\":\"owner\",\"description\":\"o\",\"selector\":[\"account\",\"owner\"],\"type\":\"string\","
    "\"predicates\":[{\"type\":\"value\",\"comparison\":\"equal\",\"value\":\"Ada Lovelace\"}]},"
    "{\"id\":\"balance\",\"description\":\"b\",\"selector\":[\"account\",\"balance\"],\"type\":\"number\","
    "\"predicates\":[{\"type\":\"value\",\"comparison\":\"greaterThan\",\"value\":1000}]},"
    "{\"id\":\"nick\",\"description\":\"n\",\"selector\":[\"account\",\"nick\"],\"type\":\"string\","
    "\"required\":false}]}}}";

static const char k_body[] = "{\"account\":{\"id\":\"acct-1\",\"owner\":\"Ada Lovelace\","
                             "\"balance\":1234.56,\"currency\":\"USD\",\"verified\":true}}";

static const tp_var k_token[] = {{"token", SECRET}};
static const tp_vars k_vars = {k_token, 1};

static tp_manifest *parse_ok(const char *json)
{
    tp_manifest *m = NULL;
    tp_error e;
    tp_err rc = tp_manifest_parse(json, strlen(json), &m, &e);
    if (rc != TP_OK)
        fail_msg("manifest rejected: %s", e.detail);
    return m;
}

/* k_base with the value at path (keys, then an array index as "#n") replaced, or removed
 * when value is NULL; returns the new manifest text (caller frees). */
static char *mutate(const char *const *path, size_t n, const char *value)
{
    json_t *doc = json_loads(k_base, 0, NULL);
    assert_non_null(doc);
    json_t *at = doc;
    for (size_t i = 0; i + 1 < n; i++)
        at = path[i][0] == '#' ? json_array_get(at, (size_t)atoi(path[i] + 1))
                               : json_object_get(at, path[i]);
    assert_non_null(at);
    if (value == NULL) {
        json_object_del(at, path[n - 1]);
    } else {
        json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        if (path[n - 1][0] == '#')
            json_array_set_new(at, (size_t)atoi(path[n - 1] + 1), v);
        else
            json_object_set_new(at, path[n - 1], v);
    }
    char *s = json_dumps(doc, 0);
    json_decref(doc);
    return s;
}

static void expect_manifest_error(const char *const *path, size_t n, const char *value,
                                  const char *want_in_detail)
{
    char *text = mutate(path, n, value);
    tp_manifest *m = NULL;
    tp_error e;
    tp_err rc = tp_manifest_parse(text, strlen(text), &m, &e);
    if (rc != TP_ERR_MANIFEST || strstr(e.detail, want_in_detail) == NULL)
        fail_msg("mutation %s=%s: rc %d detail '%s', want '%s'", path[n - 1],
                 value ? value : "(deleted)", rc, rc ? e.detail : "", want_in_detail);
    tp_manifest_free(m);
    free(text);
}

#define P(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

static void sample_manifest_loads(void **state)
{
    (void)state;
    tp_manifest *m = NULL;
    tp_error e;
    assert_int_equal(tp_manifest_load_file(SAMPLE, &m, &e), TP_OK);
    assert_string_equal(tp_manifest_method(m), "GET");
    assert_string_equal(tp_manifest_url_template(m), "https://localhost:8443/api/account");
    assert_string_equal(tp_manifest_host(m), "localhost");
    assert_int_equal(tp_manifest_port(m), 8443);
    tp_buf req = TP_BUF_INIT;
    assert_int_equal(tp_manifest_build_request(m, &k_vars, &req, &e), TP_OK);
    assert_true(tp_buf_terminate(&req));
    assert_string_equal((const char *)req.data,
                        "GET /api/account HTTP/1.1\r\nHost: localhost:8443\r\n"
                        "Authorization: Bearer " SECRET "\r\nAccept: application/json\r\n"
                        "Accept-Encoding: identity\r\nConnection: close\r\n\r\n");
    tp_buf_free(&req);
    tp_manifest_free(m);
    assert_int_equal(tp_manifest_load_file("no/such/file.json", &m, &e), TP_ERR_IO);
}

static void hash_is_sha256_of_canonical_form(void **state)
{
    (void)state;
    tp_manifest *a = parse_ok(k_base);
    json_t *doc = json_loads(k_base, 0, NULL);
    tp_buf canon = TP_BUF_INIT;
    assert_true(tp_jcs_serialize(doc, &canon));
    uint8_t want[32], got[32];
    tp_sha256(canon.data, canon.len, want);
    tp_manifest_hash(a, got);
    assert_memory_equal(got, want, 32);
    /* the same document reordered and reformatted hashes the same */
    char *pretty = json_dumps(doc, JSON_INDENT(3) | JSON_SORT_KEYS);
    tp_manifest *b = parse_ok(pretty);
    tp_manifest_hash(b, want);
    assert_memory_equal(got, want, 32);
    /* a changed rule does not */
    char *changed = mutate(P("response", "status"), "\"201\"");
    tp_manifest *c = parse_ok(changed);
    tp_manifest_hash(c, want);
    assert_memory_not_equal(got, want, 32);
    tp_manifest_free(a);
    tp_manifest_free(b);
    tp_manifest_free(c);
    free(pretty);
    free(changed);
    json_decref(doc);
    tp_buf_free(&canon);
}

static void malformed_manifests_name_the_field(void **state)
{
    (void)state;
    expect_manifest_error(P("manifestVersion"), "\"4\"", "manifestVersion");
    expect_manifest_error(P("manifestVersion"), "2", "manifestVersion");
    expect_manifest_error(P("title"), NULL, "missing field manifest.title");
    expect_manifest_error(P("request", "url"), NULL, "missing field request.url");
    expect_manifest_error(P("request", "url"), "42", "request.url must be a string");
    expect_manifest_error(P("request", "url"), "\"http://a.example/\"", "only https");
    expect_manifest_error(P("request", "url"), "\"https://u@a.example/\"", "user info");
    expect_manifest_error(P("request", "url"), "\"https://a.example:0/\"", "invalid port");
    expect_manifest_error(P("request", "url"), "\"https://a.example:70000/\"", "invalid port");
    expect_manifest_error(P("request", "url"), "\"https://a.example/#x\"", "fragment");
    expect_manifest_error(P("request", "url"), "\"https://<% h %>/\"", "host");
    expect_manifest_error(P("request", "method"), "\"G T\"", "request.method");
    expect_manifest_error(P("request", "headers"), "{\"Content-Length\":\"5\"}", "may not be set");
    expect_manifest_error(P("request", "headers"), "{\"Host\":\"evil.example\"}", "URL authority");
    expect_manifest_error(P("request", "headers"), "{\"A\":\"x\",\"a\":\"y\"}", "appears twice");
    expect_manifest_error(P("request", "headers"), "{\"A\":\"x\\r\\nB: y\"}", "without control characters");
    expect_manifest_error(P("request", "headers"), "{\"A\":\"<% bad\"}", "malformed template");
    expect_manifest_error(P("request", "vars", "token", "regex"), "\"[\"", "regex is invalid");
    expect_manifest_error(P("request", "vars", "token", "pattern"), "\"x\"", "mixes the legacy form");
    expect_manifest_error(P("request", "vars", "token", "minLength"), "3", "unknown field");
    /* an alternation may not escape the anchors: it must compile on its own */
    expect_manifest_error(P("request", "vars", "token", "regex"), "\"x)|(.*\"", "regex is invalid");
    expect_manifest_error(P("request", "vars", "token", "regex"), "\"(a)\\\\1\"",
                          "an escaped letter or digit");
    /* patterns whose compiled form explodes (a denial of service on the notary) */
    expect_manifest_error(P("request", "vars", "token", "regex"),
                          "\"[a-z]++++++++++++++++++++++++++++++++++++++\"", "regex is invalid");
    expect_manifest_error(P("request", "vars", "token", "regex"),
                          "\"((((a{50}){50}){50}){50})\"", "regex is invalid");
    expect_manifest_error(P("request", "vars", "token", "regex"), "\"a*****************\"",
                          "regex is invalid");
    expect_manifest_error(P("response", "body", "extractors", "#0", "predicates"),
                          "[{\"type\":\"regex\",\"comparison\":\"equal\","
                          "\"value\":\"((((((((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)\"}]",
                          "not a valid POSIX extended regex");
    expect_manifest_error(P("request", "body"), "42", "request.body");
    expect_manifest_error(P("response", "status"), "\"2000\"", "response.status");
    expect_manifest_error(P("response", "body", "format"), "\"xml\"", "response.body.format");
    expect_manifest_error(P("response", "body", "extractors", "#0", "type"), "\"date\"",
                          "extractor owner: type missing or unknown");
    expect_manifest_error(P("response", "body", "extractors", "#0", "selector"), "\"a.b\"",
                          "selector must be an array");
    expect_manifest_error(P("response", "body", "extractors", "#0", "selector"), "[-1]",
                          "selector steps");
    expect_manifest_error(P("response", "body", "extractors", "#0", "id"), "\"balance\"",
                          "id used twice");
    expect_manifest_error(P("response", "body", "extractors", "#0", "required"), "\"yes\"",
                          "required must be a boolean");
    expect_manifest_error(P("response", "body", "extractors", "#1", "predicates", "#0",
                            "comparison"),
                          "\"between\"", "extractor balance: predicates.comparison");
    expect_manifest_error(P("response", "body", "extractors", "#1", "predicates", "#0", "type"),
                          "\"fuzzy\"", "predicates.type");
    expect_manifest_error(P("response", "body", "extractors", "#1", "predicates", "#0", "value"),
                          "\"1000\"", "must be a number");
    expect_manifest_error(P("response", "body", "extractors", "#1", "predicates", "#0", "value"),
                          NULL, "predicates.value missing");
    expect_manifest_error(P("request", "unknownX"), "1", "unknown field request.unknownX");
    expect_manifest_error(P("response", "unknownX"), "1", "unknown field response.unknownX");
    tp_manifest *m = NULL;
    tp_error e;
    assert_int_equal(tp_manifest_parse("{\"a\":1,\"a\":2}", 13, &m, &e), TP_ERR_MANIFEST);
    assert_int_equal(tp_manifest_parse("[]", 2, &m, &e), TP_ERR_MANIFEST);
}

static void url_forms(void **state)
{
    (void)state;
    char *text = mutate(P("request", "url"), "\"HTTPS://[::1]:9443?q=<% token %>\"");
    tp_manifest *m = parse_ok(text);
    assert_string_equal(tp_manifest_host(m), "::1");
    assert_int_equal(tp_manifest_port(m), 9443);
    tp_buf req = TP_BUF_INIT;
    tp_error e;
    assert_int_equal(tp_manifest_build_request(m, &k_vars, &req, &e), TP_OK);
    assert_true(tp_buf_terminate(&req));
    assert_non_null(strstr((const char *)req.data, "GET /?q=" SECRET " HTTP/1.1\r\nHost: [::1]:9443\r\n"));
    tp_buf_free(&req);
    tp_manifest_free(m);
    free(text);
    text = mutate(P("request", "url"), "\"https://API.Example.COM\"");
    m = parse_ok(text);
    assert_string_equal(tp_manifest_host(m), "api.example.com");
    assert_int_equal(tp_manifest_port(m), 443);
    assert_string_equal(tp_manifest_url_template(m), "https://API.Example.COM");
    tp_manifest_free(m);
    free(text);
}

static void expect_var_error(const tp_manifest *m, const tp_var *items, size_t n,
                             const char *want)
{
    tp_vars vars = {items, n};
    tp_error e;
    tp_err rc = tp_manifest_check_vars(m, &vars, &e);
    if (rc != TP_ERR_VAR || strstr(e.detail, want) == NULL)
        fail_msg("vars: rc %d '%s', want '%s'", rc, e.detail, want);
    for (size_t i = 0; i < n; i++)
        if (items[i].value && items[i].value[0] && strstr(e.detail, items[i].value))
            fail_msg("secret value in error: %s", e.detail);
}

static void variables_are_checked_without_leaking(void **state)
{
    (void)state;
    tp_manifest *m = parse_ok(k_base);
    tp_error e;
    assert_int_equal(tp_manifest_check_vars(m, &k_vars, &e), TP_OK);
    expect_var_error(m, NULL, 0, "variable token has no value");
    const tp_var unknown[] = {{"token", SECRET}, {"other", "zzzzzzzzzzzz"}};
    expect_var_error(m, unknown, 2, "unknown variable other");
    const tp_var bad_re[] = {{"token", "s3cr3t-TOKENvalu"}};
    expect_var_error(m, bad_re, 1, "variable token does not match its regex");
    const tp_var bad_len[] = {{"token", "s3cr3tTOKEN"}};
    expect_var_error(m, bad_len, 1, "variable token must be 16 bytes long");
    const tp_var crlf[] = {{"token", "s3cr3tTOKENv\r\nX:"}};
    expect_var_error(m, crlf, 1, "contains CR or LF");
    const tp_var twice[] = {{"token", SECRET}, {"token", SECRET}};
    expect_var_error(m, twice, 2, "given twice");
    tp_buf req = TP_BUF_INIT;
    tp_vars none = {NULL, 0};
    assert_int_equal(tp_manifest_build_request(m, &none, &req, &e), TP_ERR_VAR);
    assert_int_equal(req.len, 0);
    tp_buf_free(&req);
    tp_manifest_free(m);
}

/* Builds the manifest's request, optionally edits it (replace first `from` by `to`),
 * parses it and checks it. */
static tp_err check_built_request(const tp_manifest *m, const tp_vars *vars, const char *from,
                                  const char *to, tp_error *e)
{
    tp_buf req = TP_BUF_INIT;
    assert_int_equal(tp_manifest_build_request(m, vars, &req, e), TP_OK);
    assert_true(tp_buf_terminate(&req));
    char edited[2048];
    const char *s = (const char *)req.data;
    const char *at = from ? strstr(s, from) : NULL;
    if (from)
        assert_non_null(at);
    if (at)
        snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    else
        snprintf(edited, sizeof(edited), "%s", s);
    tp_http_message msg;
    tp_err rc = tp_http_parse_request((const uint8_t *)edited, strlen(edited), &msg, e);
    assert_int_equal(rc, TP_OK);
    tp_http_message_free(&msg);
    rc = tp_manifest_check_request(m, vars, (const uint8_t *)edited, strlen(edited), e);
    tp_buf_free(&req);
    return rc;
}

static void expect_request_error(const tp_manifest *m, const char *from, const char *to,
                                 const char *want)
{
    tp_error e;
    tp_err rc = check_built_request(m, &k_vars, from, to, &e);
    if (rc != TP_ERR_MANIFEST_REQUEST || strstr(e.detail, want) == NULL)
        fail_msg("edit %s -> %s: rc %d '%s', want '%s'", from, to, rc, e.detail, want);
    if (strstr(e.detail, SECRET) || strstr(e.detail, "OTHERtokenVALUE1"))
        fail_msg("secret in error: %s", e.detail);
}

static void built_request_passes_and_edits_fail(void **state)
{
    (void)state;
    tp_manifest *m = parse_ok(k_base);
    tp_error e;
    assert_int_equal(check_built_request(m, &k_vars, NULL, NULL, &e), TP_OK);
    expect_request_error(m, "\r\n\r\n", "\r\nUser-Agent: x\r\n\r\n", "header section");
    expect_request_error(m, "\r\n\r\n", "\r\nCookie: a=b\r\n\r\n", "header section");
    expect_request_error(m, SECRET, "OTHERtokenVALUE1", "header section");
    expect_request_error(m, "GET ", "POST ", "request line");
    expect_request_error(m, "x=1", "x=2", "request line");
    expect_request_error(m, "Host: api.example.com", "Host: evil.example", "header section");
    expect_request_error(m, "Host: api.example.com", "Host: API.example.com", "header section");
    expect_request_error(m, "Authorization", "X-Authorization", "header section");
    expect_request_error(m, "Authorization", "authorization", "header section");
    expect_request_error(m, "Bearer ", "Bearer  ", "header section");
    expect_request_error(m, "\r\n\r\n", "\r\nAuthorization: Bearer " SECRET "\r\n\r\n",
                         "header section");
    expect_request_error(m, "Connection: close", "Connection: close, X-Api-Version",
                         "header section");
    expect_request_error(m, "Accept-Encoding: identity", "Accept-Encoding: gzip", "header section");
    expect_request_error(m, "\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n", "header section");
    expect_request_error(m, "\r\n\r\n", "\r\nContent-Length: 2\r\n\r\nhi", "header section");
    tp_manifest_free(m);
}

static void json_body_is_canonical_with_escaped_values(void **state)
{
    (void)state;
    char *text = mutate(P("request", "body"), "{\"z\":1.50,\"user\":\"<% token %>\"}");
    tp_manifest *m = parse_ok(text);
    const tp_var quote[] = {{"token", "ab\"cd\\efghijklmn"}};
    tp_vars vars = {quote, 1};
    tp_buf req = TP_BUF_INIT;
    tp_error e;
    /* the base manifest's regex forbids quotes */
    assert_int_equal(tp_manifest_build_request(m, &vars, &req, &e), TP_ERR_VAR);
    tp_manifest_free(m);
    free(text);
    char *t2 = mutate(P("request", "vars"), NULL);
    json_t *doc = json_loads(t2, 0, NULL);
    json_object_set_new(json_object_get(doc, "request"), "body",
                        json_loads("{\"z\":1.50,\"user\":\"<% token %>\"}", 0, NULL));
    /* only in the body: a quote or backslash may not stand in a header */
    json_object_set_new(json_object_get(doc, "request"), "headers", json_object());
    char *t3 = json_dumps(doc, 0);
    m = parse_ok(t3);
    assert_int_equal(tp_manifest_build_request(m, &vars, &req, &e), TP_OK);
    assert_true(tp_buf_terminate(&req));
    const char *want_body = "{\"user\":\"ab\\\"cd\\\\efghijklmn\",\"z\":1.5}";
    const char *body = strstr((const char *)req.data, "\r\n\r\n") + 4;
    assert_string_equal(body, want_body);
    char cl[64];
    snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(want_body));
    assert_non_null(strstr((const char *)req.data, cl));
    assert_int_equal(check_built_request(m, &vars, NULL, NULL, &e), TP_OK);
    tp_buf_free(&req);
    tp_manifest_free(m);
    json_decref(doc);
    free(t2);
    free(t3);
}

/* --- responses --- */

static tp_err check_response_text(const tp_manifest *m, const char *head_status,
                                  const char *body, json_t **values, tp_error *e)
{
    char msg[4096];
    snprintf(msg, sizeof(msg), "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n%s", head_status, strlen(body), body);
    tp_http_message resp;
    assert_int_equal(tp_http_parse_response((const uint8_t *)msg, strlen(msg), 0, &resp, e), TP_OK);
    tp_err rc = tp_manifest_check_response(m, &resp, values, e);
    tp_http_message_free(&resp);
    return rc;
}

static void expect_response_error(const tp_manifest *m, const char *status, const char *body,
                                  tp_err want, const char *want_detail)
{
    json_t *values = NULL;
    tp_error e;
    tp_err rc = check_response_text(m, status, body, &values, &e);
    if (rc != want || strcmp(e.detail, want_detail) != 0)
        fail_msg("response %s: rc %d '%s', want %d '%s'", body, rc, e.detail, want, want_detail);
    assert_null(values);
}

static void response_checks(void **state)
{
    (void)state;
    tp_manifest *m = parse_ok(k_base);
    json_t *values = NULL;
    tp_error e;
    assert_int_equal(check_response_text(m, "200 OK", k_body, &values, &e), TP_OK);
    tp_buf canon = TP_BUF_INIT;
    assert_true(tp_jcs_serialize(values, &canon) && tp_buf_terminate(&canon));
    assert_string_equal((const char *)canon.data, "{\"balance\":\"1234.56\",\"owner\":\"Ada Lovelace\"}");
    tp_buf_free(&canon);
    json_decref(values);
    expect_response_error(m, "401 Unauthorized", k_body, TP_ERR_MANIFEST_RESPONSE,
                          "response status 401, manifest wants 200");
    expect_response_error(m, "200 OK", "{\"account\":{\"owner\":\"Ada Lovelace\",\"balance\":999}}",
                          TP_ERR_PREDICATE,
                          "extractor balance: predicate greaterThan 1000 does not hold");
    expect_response_error(m, "200 OK", "{\"account\":{\"owner\":7,\"balance\":1001}}",
                          TP_ERR_EXTRACT_TYPE, "extractor owner: expected string, got number");
    expect_response_error(m, "200 OK", "{\"account\":{\"balance\":1001}}", TP_ERR_SELECTOR,
                          "extractor owner: selector account.owner not found");
    expect_response_error(m, "200 OK", "{\"account\":{\"owner\":\"Ada Lovelace\",\"owner\":\"Eve\"}}",
                          TP_ERR_JSON,
                          "response body: json: duplicate object member name (ambiguous) at offset 49");
    /* optional extractor present: included */
    assert_int_equal(check_response_text(m, "200 OK",
                                         "{\"account\":{\"owner\":\"Ada Lovelace\",\"balance\":1e4,"
                                         "\"nick\":\"ada\"}}",
                                         &values, &e),
                     TP_OK);
    assert_string_equal(json_string_value(json_object_get(values, "nick")), "ada");
    json_decref(values);
    tp_manifest_free(m);
}

static void response_header_rules(void **state)
{
    (void)state;
    char *text = mutate(P("response", "headers"), "{\"content-type\":\"text/html\"}");
    tp_manifest *m = parse_ok(text);
    expect_response_error(m, "200 OK", k_body, TP_ERR_MANIFEST_RESPONSE,
                          "response header content-type is not \"text/html\"");
    tp_manifest_free(m);
    free(text);
    text = mutate(P("response", "headers"), "{\"X-Missing\":\"1\"}");
    m = parse_ok(text);
    expect_response_error(m, "200 OK", k_body, TP_ERR_MANIFEST_RESPONSE,
                          "response header X-Missing appears 0 times, manifest wants one");
    tp_manifest_free(m);
    free(text);
}

/* One extractor "v" of the given type with one predicate, against {"v": value}. */
static tp_err run_predicate(const char *ptype, const char *cmp, const char *pvalue,
                            int case_sensitive, const char *value, tp_error *e)
{
    char manifest[2048], body[512];
    snprintf(manifest, sizeof(manifest),
             "{\"manifestVersion\":\"2\",\"id\":\"p\",\"title\":\"p\",\"description\":\"p\","
             "\"request\":{\"method\":\"GET\",\"url\":\"https://a.example/\"},"
             "\"response\":{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":["
             "{\"id\":\"v\",\"selector\":[\"v\"],\"type\":\"%s\",\"predicates\":[{\"type\":\"%s\","
             "\"comparison\":\"%s\",\"value\":%s,\"caseSensitive\":%s}]}]}}}",
             "string", ptype, cmp, pvalue, case_sensitive ? "true" : "false");
    /* the extractor type follows the value (by its first character: jansson cannot load
     * every number these tests use) */
    const char *type = value[0] == '"' ? "string" : value[0] == '[' ? "array"
                       : value[0] == '{' ? "object" : value[0] == 'n' ? "null"
                       : (value[0] == 't' || value[0] == 'f') ? "boolean" : "number";
    char *slot = strstr(manifest, "\"type\":\"string\"");
    char fixed[2100];
    snprintf(fixed, sizeof(fixed), "%.*s\"type\":\"%s\"%s", (int)(slot - manifest), manifest, type,
             slot + strlen("\"type\":\"string\""));
    tp_manifest *m = parse_ok(fixed);
    snprintf(body, sizeof(body), "{\"v\":%s}", value);
    json_t *values = NULL;
    tp_err rc = check_response_text(m, "200 OK", body, &values, e);
    json_decref(values);
    tp_manifest_free(m);
    return rc;
}

static void every_predicate_true_and_false(void **state)
{
    (void)state;
    static const struct {
        const char *ptype, *cmp, *pvalue;
        int cs;
        const char *value;
        int holds;
    } k_cases[] = {
        {"value", "equal", "\"Ada\"", 1, "\"Ada\"", 1},
        {"value", "equal", "\"ada\"", 1, "\"Ada\"", 0},
        {"value", "equal", "\"ada\"", 0, "\"Ada\"", 1},
        {"value", "equal", "1000", 1, "1000.0", 1},
        {"value", "equal", "true", 1, "true", 1},
        {"value", "equal", "true", 1, "false", 0},
        {"value", "notEqual", "\"Ada\"", 1, "\"Bob\"", 1},
        {"value", "notEqual", "5", 1, "5", 0},
        {"value", "greaterThan", "1000", 1, "1000.5", 1},
        {"value", "greaterThan", "1000", 1, "1000", 0},
        {"value", "greaterThan", "1000", 1, "\"2000\"", 0},
        {"value", "lessThan", "0", 1, "-1", 1},
        {"value", "lessThan", "0", 1, "0", 0},
        {"value", "greaterThanOrEqual", "10", 1, "10", 1},
        {"value", "greaterThanOrEqual", "10", 1, "9.99", 0},
        {"value", "lessThanOrEqual", "10", 1, "10", 1},
        {"value", "lessThanOrEqual", "10", 1, "11", 0},
        {"value", "contains", "\"Love\"", 1, "\"Ada Lovelace\"", 1},
        {"value", "contains", "\"love\"", 1, "\"Ada Lovelace\"", 0},
        {"value", "contains", "\"LOVE\"", 0, "\"Ada Lovelace\"", 1},
        {"value", "contains", "2", 1, "[1,2,3]", 1},
        {"value", "contains", "4", 1, "[1,2,3]", 0},
        {"value", "notContains", "\"Eve\"", 1, "\"Ada Lovelace\"", 1},
        {"value", "notContains", "\"Ada\"", 1, "\"Ada Lovelace\"", 0},
        {"value", "startsWith", "\"Ada\"", 1, "\"Ada Lovelace\"", 1},
        {"value", "startsWith", "\"ada\"", 0, "\"Ada Lovelace\"", 1},
        {"value", "startsWith", "\"Lovelace\"", 1, "\"Ada Lovelace\"", 0},
        {"value", "endsWith", "\"lace\"", 1, "\"Ada Lovelace\"", 1},
        {"value", "endsWith", "\"Ada\"", 1, "\"Ada Lovelace\"", 0},
        {"length", "equal", "3", 1, "\"abc\"", 1},
        {"length", "equal", "3", 1, "[1,2]", 0},
        {"length", "notEqual", "3", 1, "[1,2]", 1},
        {"length", "greaterThan", "1", 1, "{\"a\":1,\"b\":2}", 1},
        {"length", "lessThan", "2", 1, "\"abc\"", 0},
        {"length", "greaterThanOrEqual", "3", 1, "\"abc\"", 1},
        {"length", "lessThanOrEqual", "2", 1, "\"abc\"", 0},
        {"length", "equal", "1", 1, "5", 0},
        {"regex", "equal", "\"^acct-[0-9]+$\"", 1, "\"acct-1\"", 1},
        {"regex", "equal", "\"^acct-[0-9]+$\"", 1, "\"acct-x\"", 0},
        {"regex", "contains", "\"ACCT\"", 0, "\"my acct-1\"", 1},
        {"regex", "notEqual", "\"^x\"", 1, "\"acct\"", 1},
        {"regex", "notContains", "\"cc\"", 1, "\"acct\"", 0},
        {"string", "startsWith", "\"ac\"", 1, "\"acct\"", 1},
        {"string", "endsWith", "\"x\"", 1, "\"acct\"", 0},
        {"array", "includes", "\"b\"", 1, "[\"a\",\"b\"]", 1},
        {"array", "includes", "\"B\"", 0, "[\"a\",\"b\"]", 1},
        {"array", "includes", "\"c\"", 1, "[\"a\",\"b\"]", 0},
        /* exact decimals: the site's token, never a double */
        {"value", "greaterThanOrEqual", "1000", 1, "999.99999999999999999", 0},
        {"value", "lessThan", "1000", 1, "999.99999999999999999", 1},
        {"value", "equal", "1000", 1, "999.99999999999999999", 0},
        {"value", "notEqual", "1000", 1, "999.99999999999999999", 1},
        {"value", "greaterThan", "0.1", 1, "0.10000000000000000001", 1},
        {"value", "equal", "0.1", 1, "0.10000000000000000001", 0},
        {"value", "equal", "0.1", 1, "1e-1", 1},
        {"value", "equal", "1.2345678901234568e+22", 1, "12345678901234567890123", 0},
        {"value", "lessThan", "1.2345678901234568e+22", 1, "12345678901234567890123", 1},
        {"value", "greaterThan", "9223372036854775807", 1, "12345678901234567890123", 1},
        {"value", "equal", "0", 1, "-0", 1},
        {"value", "equal", "0", 1, "0.0e7", 1},
        {"value", "lessThan", "0", 1, "-0.0", 0},
        {"value", "greaterThan", "5", 1, "1e10000", 1},
        {"value", "greaterThan", "0", 1, "1e-10000", 1},
        {"value", "lessThan", "0", 1, "-1E-10000", 1},
        /* beyond the exponent limit: compares with nothing, no predicate holds */
        {"value", "greaterThan", "5", 1, "1e10001", 0},
        {"value", "lessThan", "5", 1, "1e10001", 0},
        {"value", "equal", "5", 1, "1e-10001", 0},
        {"value", "notEqual", "5", 1, "1e-10001", 0},
        {"value", "notContains", "5", 1, "[1e99999]", 0},
        /* numbers nested in arrays and objects compare exactly too */
        {"value", "contains", "2", 1, "[1,2.0,3]", 1},
        {"value", "contains", "1000", 1, "[999.99999999999999999]", 0},
        {"value", "notContains", "1000", 1, "[999.99999999999999999]", 1},
        {"array", "includes", "[1,2]", 1, "[[1,2.00],[3]]", 1},
        {"array", "includes", "1.2345678901234568e+22", 1, "[12345678901234567890123]", 0},
        {"value", "equal", "{\"a\":[1,0.5]}", 1, "{\"a\":[1.0,5e-1]}", 1},
        {"value", "equal", "{\"a\":[1,0.5]}", 1, "{\"a\":[1.0,0.50000000000000000001]}", 0},
        {"value", "equal", "1", 1, "\"1\"", 0},
        {"value", "equal", "\"1\"", 1, "1", 0},
    };
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        tp_error e;
        tp_err rc = run_predicate(k_cases[i].ptype, k_cases[i].cmp, k_cases[i].pvalue,
                                  k_cases[i].cs, k_cases[i].value, &e);
        tp_err want = k_cases[i].holds ? TP_OK : TP_ERR_PREDICATE;
        if (rc != want)
            fail_msg("case %zu (%s %s %s on %s): rc %d '%s'", i, k_cases[i].ptype,
                     k_cases[i].cmp, k_cases[i].pvalue, k_cases[i].value, rc,
                     rc ? e.detail : "");
    }
}

/* Manifest numbers must be written as RFC 8785 prints them: then the manifest hash and the
 * predicate values are exactly the author's text, and 1000 and 0.1 compare as written. */
static void manifest_numbers_must_be_canonical(void **state)
{
    (void)state;
    static const char *const k_bad[] = {"1e3", "1E3", "1000.0", "12.500000000000000001", "-0",
                                        "0.10", "[1,{\"x\":2.50}]"};
    static const char *const k_refused_by_jansson[] = {"1e+400", "12345678901234567890123"};
    static const char *const k_good[] = {"1000", "0.1", "12.5", "-20.5", "1e+21", "0",
                                         "9223372036854775807", "5e-7"};
    char text[2048];
    const char *at = strstr(k_base, "\"value\":1000");
    assert_non_null(at);
    int pre = (int)(at - k_base) + 8;
    const char *post = at + strlen("\"value\":1000");
    tp_manifest *m = NULL;
    tp_error e;
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        snprintf(text, sizeof(text), "%.*s%s%s", pre, k_base, k_bad[i], post);
        tp_err rc = tp_manifest_parse(text, strlen(text), &m, &e);
        if (rc != TP_ERR_MANIFEST || strstr(e.detail, "RFC 8785") == NULL)
            fail_msg("%s: rc %d '%s'", k_bad[i], rc, rc ? e.detail : "");
    }
    for (size_t i = 0; i < sizeof(k_refused_by_jansson) / sizeof(k_refused_by_jansson[0]); i++) {
        snprintf(text, sizeof(text), "%.*s%s%s", pre, k_base, k_refused_by_jansson[i], post);
        assert_int_equal(tp_manifest_parse(text, strlen(text), &m, &e), TP_ERR_MANIFEST);
    }
    for (size_t i = 0; i < sizeof(k_good) / sizeof(k_good[0]); i++) {
        snprintf(text, sizeof(text), "%.*s%s%s", pre, k_base, k_good[i], post);
        tp_manifest_free(parse_ok(text));
    }
}

/* The notary's manifest cache: a hit only for the same bytes, lent to one user at a time,
 * with its regex work budget as a fresh parse leaves it; failures are never kept. */
static void manifest_cache_lends_a_fresh_equivalent(void **st)
{
    (void)st;
    tp_error e;
    tp_manifest *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    tp_manifest_cache_clear();
    assert_int_equal(tp_manifest_acquire(k_base, strlen(k_base), &a, &e), TP_OK);
    assert_int_equal(tp_manifest_acquire(k_base, strlen(k_base), &b, &e), TP_OK);
    assert_ptr_not_equal(a, b); /* a is lent out: b is a parse of its own */
    uint8_t ha[32], hb[32];
    tp_manifest_hash(a, ha);
    tp_manifest_hash(b, hb);
    assert_memory_equal(ha, hb, 32);
    /* spend a's regex budget: the vars check then refuses to run the pattern */
    a->regex_work_left = 0;
    assert_int_equal(tp_manifest_check_vars(a, &k_vars, &e), TP_ERR_LIMIT);
    tp_manifest_release(a);
    tp_manifest_release(b);
    assert_int_equal(tp_manifest_acquire(k_base, strlen(k_base), &c, &e), TP_OK);
    assert_true(c == a || c == b);                            /* a hit */
    assert_int_equal(tp_manifest_check_vars(c, &k_vars, &e), TP_OK); /* budget as after parsing */
    char other[sizeof(k_base) + 1];
    memcpy(other, k_base, sizeof(k_base));
    other[sizeof(k_base) - 2] = ' ';                          /* same JSON, other bytes */
    other[sizeof(k_base) - 1] = '}';
    other[sizeof(k_base)] = '\0';
    assert_int_equal(tp_manifest_acquire(other, strlen(other), &d, &e), TP_OK);
    assert_ptr_not_equal(d, c);
    tp_manifest_release(c);
    tp_manifest_release(d);
    static const char bad[] = "{\"manifestVersion\":\"2\"}";
    for (int i = 0; i < 2; i++) {
        tp_manifest *x = (tp_manifest *)1;
        assert_int_equal(tp_manifest_acquire(bad, strlen(bad), &x, &e), TP_ERR_MANIFEST);
        assert_null(x);
    }
    tp_manifest_release(NULL);
    tp_manifest_cache_clear();
}

/* glibc keeps the DFA states regexec builds in the compiled pattern until regfree (tens of
 * MB per use of the work budget, again for every new subject): a manifest whose regexes did
 * much work over its uses is not kept, so repeating a proof cannot pile them up. */
static void manifest_cache_drops_regex_heavy_manifests(void **st)
{
    (void)st;
    tp_error e;
    tp_manifest *a = NULL;
    tp_manifest_cache_clear();
    assert_int_equal(tp_manifest_acquire(k_base, strlen(k_base), &a, &e), TP_OK);
    assert_int_equal(tp_manifest_check_vars(a, &k_vars, &e), TP_OK); /* a little work */
    assert_true(a->regex_work_left < TP_MF_MAX_REGEX_WORK);
    tp_manifest_release(a);
    assert_true(tp_manifest_cache_holds(k_base, strlen(k_base))); /* kept */
    assert_int_equal(tp_manifest_acquire(k_base, strlen(k_base), &a, &e), TP_OK);
    a->regex_work_left = 0; /* a use that spent the whole budget (e.g. (a|b)*a.{900}c) */
    tp_manifest_release(a);
    assert_false(tp_manifest_cache_holds(k_base, strlen(k_base))); /* freed, not kept */
    tp_manifest_cache_clear();
}

/* Parsing matches a default against its pattern, spending some of the regex budget: a
 * cached manifest starts each use with what its parse left, as a fresh parse would, not
 * with the full budget (else a use refused with limit when parsed afresh passes cached). */
static void manifest_cache_restores_the_parsed_budget(void **st)
{
    (void)st;
    static const char with_default[] =
        "{\"manifestVersion\":\"2\",\"id\":\"t\",\"title\":\"T\",\"description\":\"d\","
        "\"request\":{\"method\":\"GET\",\"url\":\"https://api.example.com/v1/<% u %>\","
        "\"vars\":{\"u\":{\"required\":false,\"default\":\"abcdefgh\",\"pattern\":\"[a-z]+\"}}},"
        "\"response\":{\"status\":\"200\",\"body\":{\"format\":\"json\",\"extractors\":[]}}}";
    tp_error e;
    tp_manifest *a = NULL, *fresh = NULL;
    tp_manifest_cache_clear();
    assert_int_equal(tp_manifest_parse(with_default, strlen(with_default), &fresh, &e), TP_OK);
    size_t parsed = fresh->regex_work_left;
    assert_true(parsed < TP_MF_MAX_REGEX_WORK); /* the default was matched */
    tp_manifest_free(fresh);
    assert_int_equal(tp_manifest_acquire(with_default, strlen(with_default), &a, &e), TP_OK);
    assert_int_equal(a->regex_work_left, parsed);
    tp_manifest_release(a);
    assert_true(tp_manifest_cache_holds(with_default, strlen(with_default)));
    assert_int_equal(tp_manifest_acquire(with_default, strlen(with_default), &a, &e), TP_OK);
    assert_int_equal(a->regex_work_left, parsed); /* a hit: as the parse left it */
    tp_manifest_release(a);
    tp_manifest_cache_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_manifest_loads),
        cmocka_unit_test(hash_is_sha256_of_canonical_form),
        cmocka_unit_test(malformed_manifests_name_the_field),
        cmocka_unit_test(url_forms),
        cmocka_unit_test(variables_are_checked_without_leaking),
        cmocka_unit_test(built_request_passes_and_edits_fail),
        cmocka_unit_test(json_body_is_canonical_with_escaped_values),
        cmocka_unit_test(response_checks),
        cmocka_unit_test(response_header_rules),
        cmocka_unit_test(every_predicate_true_and_false),
        cmocka_unit_test(manifest_numbers_must_be_canonical),
        cmocka_unit_test(manifest_cache_lends_a_fresh_equivalent),
        cmocka_unit_test(manifest_cache_drops_regex_heavy_manifests),
        cmocka_unit_test(manifest_cache_restores_the_parsed_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
