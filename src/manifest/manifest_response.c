/* Checking a response against the manifest: status, headers (case-insensitive names, exact
 * values, exactly one occurrence), the legacy body.contains substring, then every
 * extractor over the JSON body (selector -> byte span -> value -> type -> predicates) or
 * over the HTML body (CSS selectors -> texts -> value -> type -> predicates). The value is read losslessly: numbers keep
 * their token text, and the claims carry each number as a JSON string of that token. An
 * optional extractor whose selector finds nothing is left out; any other failure fails the
 * whole check. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/json_exact.h"
#include "manifest/html_extract.h"
#include "manifest/json_span.h"
#include "manifest/manifest_check.h"

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

static tp_err check_status(const tp_manifest *m, const tp_http_message *resp, tp_error *err)
{
    if (resp->status == m->status)
        return TP_OK;
    return tp_error_set(err, TP_ERR_MANIFEST_RESPONSE, "response status %d, manifest wants %d",
                        resp->status, m->status);
}

static tp_err check_headers(const tp_manifest *m, const tp_http_message *resp, tp_error *err)
{
    const char *name;
    json_t *want;
    if (m->resp_headers == NULL)
        return TP_OK;
    json_object_foreach((json_t *)m->resp_headers, name, want)
    {
        size_t count = tp_http_header_count(resp, name);
        if (count != 1)
            return tp_error_set(err, TP_ERR_MANIFEST_RESPONSE,
                                "response header %.64s appears %zu times, manifest wants one",
                                name, count);
        tp_span got = tp_http_header_find(resp, name)->value;
        if (got.len != json_string_length(want) ||
            (got.len && memcmp(got.p, json_string_value(want), got.len) != 0))
            return tp_error_set(err, TP_ERR_MANIFEST_RESPONSE,
                                "response header %.64s is not \"%.80s\"", name,
                                json_string_value(want));
    }
    return TP_OK;
}

/* The (validated) span read losslessly: the kind and exact trees of the value. */
static int decode_span(const uint8_t *p, size_t n, json_t **kind, json_t **exact)
{
    *kind = tp_json_load_numbers(p, n, TP_JSON_NUMBERS_AS_ZERO);
    *exact = *kind ? tp_json_load_numbers(p, n, TP_JSON_NUMBERS_AS_TEXT) : NULL;
    if (*exact)
        return 1;
    json_decref(*kind);
    *kind = NULL;
    return 0;
}

static int type_matches(ext_type t, const json_t *v)
{
    switch (t) {
    case EXT_STRING: return json_is_string(v);
    case EXT_NUMBER: return json_is_number(v);
    case EXT_BOOLEAN: return json_is_boolean(v);
    case EXT_ARRAY: return json_is_array(v);
    case EXT_OBJECT: return json_is_object(v);
    case EXT_NULL: return json_is_null(v);
    case EXT_ANY: return 1;
    }
    return 0;
}

static tp_err check_value(const extractor *e, tp_mf_value v, tp_error *err)
{
    if (!type_matches(e->type, v.kind))
        return tp_error_set(err, TP_ERR_EXTRACT_TYPE, "extractor %.64s: expected %s, got %s",
                            e->id, tp_mf_ext_type_name(e->type), json_type_name(v.kind));
    for (size_t i = 0; i < e->n_preds; i++) {
        tp_err rc = tp_mf_eval_predicate(&e->preds[i], v, err);
        if (rc != TP_OK)
            return tp_error_prefix(err, rc, "extractor %.64s", e->id);
    }
    return TP_OK;
}

static tp_err run_extractor(const extractor *e, const tp_json_match *match, tp_span body,
                            json_t *values, tp_error *err)
{
    if (!match->found && !e->required)
        return TP_OK;
    if (!match->found) {
        char path[160];
        tp_json_selector_str(e->selector, path, sizeof(path));
        return tp_error_set(err, TP_ERR_SELECTOR, "extractor %.64s: selector %s not found", e->id,
                            path);
    }
    json_t *kind, *exact;
    if (!decode_span(body.p + match->off, match->len, &kind, &exact))
        return tp_error_set(err, TP_ERR_JSON, "extractor %.64s: value cannot be represented",
                            e->id);
    tp_err rc = check_value(e, (tp_mf_value){kind, exact}, err);
    json_decref(kind);
    /* The claim carries the exact tree: each number as the string of the site's token. */
    if (rc == TP_OK && json_object_set_new(values, e->id, exact) != 0)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    if (rc != TP_OK)
        json_decref(exact);
    return rc;
}

/* Each extractor's value is decoded into two trees and kept in the claims, and its
 * predicates walk it: 256 extractors on the root of a 16 MiB array would cost the notary
 * gigabytes and minutes (a site of the prover's own choosing can send it). A proof must
 * fit in one frame anyway, so the values together may not exceed TP_MF_MAX_VALUES_BYTES
 * of the body, checked before anything is decoded. */
static tp_err check_extracted_size(const tp_json_match *matches, size_t n, tp_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += matches[i].found ? matches[i].len : 0;
        if (total > TP_MF_MAX_VALUES_BYTES)
            return tp_error_set(err, TP_ERR_LIMIT,
                                "the extracted values together exceed %u bytes of the body",
                                TP_MF_MAX_VALUES_BYTES);
    }
    return TP_OK;
}

/* One scan of the body validates it and finds every extractor's value. */
static tp_err run_extractors(const tp_manifest *m, const tp_http_message *resp, json_t *values,
                             tp_error *err)
{
    if (!m->body_is_json)
        return TP_OK;
    tp_json_match *matches = calloc(m->n_extractors + 1, sizeof(*matches));
    if (matches == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    for (size_t i = 0; i < m->n_extractors; i++)
        matches[i].selector = m->extractors[i].selector;
    tp_err rc = tp_json_select_many(resp->body.p, resp->body.len, matches, m->n_extractors, err);
    if (rc != TP_OK)
        tp_error_prefix(err, rc, "response body");
    if (rc == TP_OK)
        rc = check_extracted_size(matches, m->n_extractors, err);
    for (size_t i = 0; rc == TP_OK && i < m->n_extractors; i++)
        rc = run_extractor(&m->extractors[i], &matches[i], resp->body, values, err);
    free(matches);
    return rc;
}

/* An html extractor's value from the texts of the elements it selected: the array, or the
 * first text as a string, a number (an RFC 8259 number token, surrounding ASCII
 * whitespace trimmed, kept exact) or a boolean ("true" / "false", trimmed). */
static tp_err html_value(const extractor *e, json_t *texts, json_t **kind, json_t **exact,
                         tp_error *err)
{
    if (e->type == EXT_ARRAY) {
        *kind = json_incref(texts);
        *exact = json_incref(texts);
        return TP_OK;
    }
    const char *t = json_string_value(json_array_get(texts, 0));
    size_t n = json_string_length(json_array_get(texts, 0));
    while (n && strchr(" \t\n\f\r", t[0]))
        t++, n--;
    while (n && strchr(" \t\n\f\r", t[n - 1]))
        n--;
    if (e->type == EXT_STRING) {
        *kind = json_incref(json_array_get(texts, 0));
        *exact = json_incref(*kind);
        return TP_OK;
    }
    int ok = e->type == EXT_BOOLEAN
                 ? (n == 4 && memcmp(t, "true", 4) == 0) || (n == 5 && memcmp(t, "false", 5) == 0)
                 : n > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) &&
                       tp_json_validate((const uint8_t *)t, n, NULL) == TP_OK;
    if (!ok || !decode_span((const uint8_t *)t, n, kind, exact))
        return tp_error_set(err, TP_ERR_EXTRACT_TYPE, "extractor %.64s: the text is not a %s",
                            e->id, tp_mf_ext_type_name(e->type));
    return TP_OK;
}

static tp_err run_html_extractor(const extractor *e, const tp_html_doc *doc, json_t *values,
                                 tp_error *err)
{
    json_t *texts, *kind = NULL, *exact = NULL;
    tp_err rc = tp_html_select(doc, e->css, e->n_css, e->attribute, &texts, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "extractor %.64s", e->id);
    if (json_array_size(texts) == 0) {
        json_decref(texts);
        return e->required ? tp_error_set(err, TP_ERR_SELECTOR,
                                          "extractor %.64s: html selector matches nothing", e->id)
                           : TP_OK;
    }
    rc = html_value(e, texts, &kind, &exact, err);
    json_decref(texts);
    if (rc == TP_OK)
        rc = check_value(e, (tp_mf_value){kind, exact}, err);
    json_decref(kind);
    if (rc == TP_OK && json_object_set_new(values, e->id, exact) != 0)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    if (rc != TP_OK)
        json_decref(exact);
    return rc;
}

static tp_err run_html_extractors(const tp_manifest *m, const tp_http_message *resp,
                                  json_t *values, tp_error *err)
{
    if (!m->body_is_html)
        return TP_OK;
    tp_html_doc *doc;
    tp_err rc = tp_html_parse(resp->body.p, resp->body.len, &doc, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "response body");
    for (size_t i = 0; rc == TP_OK && i < m->n_extractors; i++)
        rc = run_html_extractor(&m->extractors[i], doc, values, err);
    tp_html_free(doc);
    return rc;
}

/* The legacy response.body.contains: a substring of the decoded body, bytes as written. */
static tp_err check_contains(const tp_manifest *m, const tp_http_message *resp, tp_error *err)
{
    if (m->body_contains == NULL)
        return TP_OK;
    const char *want = json_string_value(m->body_contains);
    size_t n = json_string_length(m->body_contains);
    if (resp->body.len >= n && memmem(resp->body.p, resp->body.len, want, n) != NULL)
        return TP_OK;
    return tp_error_set(err, TP_ERR_PREDICATE,
                        "response body does not contain the manifest's response.body.contains");
}

tp_err tp_manifest_check_response(const tp_manifest *m, const tp_http_message *resp,
                                  json_t **values, tp_error *err)
{
    *values = NULL;
    json_t *obj = json_object();
    if (obj == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    tp_err rc = check_status(m, resp, err);
    if (rc == TP_OK)
        rc = check_headers(m, resp, err);
    if (rc == TP_OK)
        rc = check_contains(m, resp, err);
    if (rc == TP_OK)
        rc = run_extractors(m, resp, obj, err);
    if (rc == TP_OK)
        rc = run_html_extractors(m, resp, obj, err);
    if (rc != TP_OK) {
        json_decref(obj);
        return rc;
    }
    *values = obj;
    return TP_OK;
}
