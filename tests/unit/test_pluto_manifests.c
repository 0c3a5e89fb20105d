/* Unit tests: every real Pluto manifest collected in tests/data/pluto-manifests/ is
 * accepted, or refused with the error its REFUSED entry names; and what each generation
 * means once parsed (legacy json path and contains, extra headers, mode, variable forms,
 * html extractors on a real manifest). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jcs.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "teeproof/manifest.h"

#define DIR_PATH "tests/data/pluto-manifests"
#define MIN_COLLECTED 100

/* REFUSED: "file<TAB>substring" lines; the substring expected for name, or NULL. */
static const char *refusal_for(const char *refused, const char *name)
{
    static char want[256];
    size_t n = strlen(name);
    for (const char *p = refused; (p = strstr(p, name)) != NULL; p += n) {
        if ((p != refused && p[-1] != '\n') || p[n] != '\t')
            continue;
        const char *end = strchr(p + n + 1, '\n');
        size_t len = end ? (size_t)(end - (p + n + 1)) : strlen(p + n + 1);
        snprintf(want, sizeof(want), "%.*s", (int)len, p + n + 1);
        return want;
    }
    return NULL;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void every_collected_manifest(void **state)
{
    (void)state;
    char *refused = read_all(DIR_PATH "/REFUSED");
    DIR *d = opendir(DIR_PATH);
    assert_non_null(d);
    struct dirent *ent;
    size_t total = 0, accepted = 0, refusals = 0;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len < 5 || strcmp(ent->d_name + len - 5, ".json") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", DIR_PATH, ent->d_name);
        tp_manifest *m = NULL;
        tp_error e;
        tp_err rc = tp_manifest_load_file(path, &m, &e);
        const char *want = refusal_for(refused, ent->d_name);
        total++;
        if (want == NULL && rc != TP_OK)
            fail_msg("%s refused: %s", ent->d_name, e.detail);
        if (want && (rc != TP_ERR_MANIFEST || strstr(e.detail, want) == NULL))
            fail_msg("%s: rc %d '%s', want a refusal with '%s'", ent->d_name, rc,
                     rc ? e.detail : "", want);
        accepted += rc == TP_OK;
        refusals += want != NULL;
        tp_manifest_free(m);
    }
    closedir(d);
    free(refused);
    printf("pluto manifests: %zu collected, %zu accepted, %zu refused as listed\n", total,
           accepted, refusals);
    assert_true(total >= MIN_COLLECTED);
    assert_int_equal(accepted + refusals, total);
}

static tp_manifest *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", DIR_PATH, name);
    tp_manifest *m = NULL;
    tp_error e;
    if (tp_manifest_load_file(path, &m, &e) != TP_OK)
        fail_msg("%s: %s", name, e.detail);
    return m;
}

static char *build(const tp_manifest *m, const tp_var *vars, size_t n, tp_err want)
{
    tp_vars vs = {vars, n};
    tp_buf req = TP_BUF_INIT;
    tp_error e;
    tp_err rc = tp_manifest_build_request(m, &vs, &req, &e);
    if (rc != want)
        fail_msg("build: rc %d '%s', want %d", rc, rc ? e.detail : "", want);
    if (rc != TP_OK) {
        tp_buf_free(&req);
        return NULL;
    }
    assert_true(tp_buf_terminate(&req));
    char *s = strdup((const char *)req.data);
    tp_buf_free(&req);
    return s;
}

static tp_err respond(const tp_manifest *m, const char *headers, const char *body,
                      json_t **values, tp_error *e)
{
    static char msg[1 << 16];
    snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\n%sContent-Length: %zu\r\n\r\n%s", headers,
             strlen(body), body);
    tp_http_message resp;
    assert_int_equal(tp_http_parse_response((const uint8_t *)msg, strlen(msg), 0, &resp, e),
                     TP_OK);
    tp_err rc = tp_manifest_check_response(m, &resp, values, e);
    tp_http_message_free(&resp);
    return rc;
}

static char *canon(const json_t *v)
{
    tp_buf b = TP_BUF_PUBLIC_INIT;
    assert_true(tp_jcs_serialize(v, &b) && tp_buf_terminate(&b));
    char *s = strdup((const char *)b.data);
    tp_buf_free(&b);
    return s;
}

/* Product manifest (attest-integrations, "3", mode TLSN): vars {}, extra.headers sent after
 * the headers, the legacy json path is the extractor "json". */
static void product_v3_legacy_json_path(void **state)
{
    (void)state;
    tp_manifest *m = load("2025-02-14_venmo-user-balance_9af93ebc.json");
    const tp_var v[] = {{"authToken", "tok-123"}};
    char *req = build(m, v, 1, TP_OK);
    assert_non_null(strstr(req, "POST /graphql HTTP/1.1\r\nHost: api.venmo.com\r\n"
                                "Authorization: Bearer tok-123\r\n"
                                "Content-Type: application/json\r\n"));
    assert_non_null(strstr(req, "\r\n\r\n{\"operationName\":\"Identity\""));
    free(req);
    free(build(m, NULL, 0, TP_ERR_VAR)); /* authToken is required */
    json_t *values = NULL;
    tp_error e;
    const char *ct = "Content-Type: application/json\r\n";
    assert_int_equal(respond(m, ct,
                             "{\"data\":{\"profile\":{\"identity\":{\"balance\":{\"userBalance\":"
                             "{\"value\":12.50}}}}}}",
                             &values, &e),
                     TP_OK);
    char *s = canon(values);
    assert_string_equal(s, "{\"json\":\"12.50\"}");
    free(s);
    json_decref(values);
    assert_int_equal(respond(m, ct, "{\"data\":{}}", &values, &e), TP_ERR_SELECTOR);
    assert_null(values);
    tp_manifest_free(m);
}

/* 2025 web-prover test manifest, "1": current variables (a required one with a null default,
 * an optional unused one with a default), legacy json + contains body. */
static void web_prover_v1_current_vars_and_contains(void **state)
{
    (void)state;
    tp_manifest *m = load("2025-03-10_reddit-user-karma_aa0f8ed0.json");
    const tp_var ok[] = {{"userId", "alice"}};
    char *req = build(m, ok, 1, TP_OK);
    assert_non_null(strstr(req, "\r\n\r\n{\"userId\":\"alice\"}"));
    free(req);
    const tp_var upper[] = {{"userId", "Alice"}}; /* pattern ^[a-z]{1,20}$ */
    free(build(m, upper, 1, TP_ERR_VAR));
    const tp_var longer[] = {{"userId", "abcdefghijklmnopqrstu"}};
    free(build(m, longer, 1, TP_ERR_VAR));
    const tp_var token[] = {{"userId", "bob"}, {"token", "short"}}; /* checked when given */
    free(build(m, token, 2, TP_ERR_VAR));
    tp_manifest_free(m);
}

/* The real Wikipedia html manifest over a small page of the same shape. */
static void web_prover_html_manifest(void **state)
{
    (void)state;
    tp_manifest *m = load("2025-03-14_wikipedia-claude-shannon_1eedfe69.json");
    char *page = read_all("tests/data/html/shannon.html");
    json_t *values = NULL;
    tp_error e;
    assert_int_equal(respond(m, "Content-Type: text/html; charset=UTF-8\r\n", page, &values, &e),
                     TP_OK);
    char *s = canon(values);
    assert_string_equal(s, "{\"pageTitle\":\"Claude Shannon - Wikipedia\",\"roles\":["
                           "\"mathematician\",\"electrical engineer\",\"computer\\nscientist\","
                           "\"cryptographer\"]}");
    free(s);
    json_decref(values);
    /* a page without "cryptographer" among the links fails the predicate */
    char *edited = strdup(page);
    char *at = strstr(edited, ">cryptographer<");
    memcpy(at + 1, "codebreaker!!", 13);
    assert_int_equal(respond(m, "Content-Type: text/html; charset=UTF-8\r\n", edited, &values, &e),
                     TP_ERR_PREDICATE);
    assert_null(values);
    free(edited);
    free(page);
    tp_manifest_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_collected_manifest),
        cmocka_unit_test(product_v3_legacy_json_path),
        cmocka_unit_test(web_prover_v1_current_vars_and_contains),
        cmocka_unit_test(web_prover_html_manifest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
