/* Pluto manifests of every generation (manifestVersion "1", "2", "3" or none; the parser
 * goes by shape): parsing and validation of the document, accessors and hash. Unknown
 * top-level members are metadata and ignored; unknown members inside request and response
 * are refused (a field we ignored there could be a rule the author relies on). The table
 * is in docs/manifest.md. */
#include "manifest/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/codec.h"
#include "base/jcs.h"
#include "base/json_exact.h"
#include "manifest/json_span.h"

#define MAX_MANIFEST_BYTES (1024u * 1024u)

tp_err tp_mf_check_keys(const json_t *obj, const char *const *allowed, const char *where,
                        tp_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return tp_error_set(err, TP_ERR_MANIFEST, "manifest: unknown field %s.%.64s", where,
                                key);
    }
    return TP_OK;
}

/* obj[key] as a string: required (missing is an error) or optional (NULL when missing). */
static tp_err get_string(const json_t *obj, const char *key, int required, const char *where,
                         const char **out, tp_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL && !required)
        return TP_OK;
    if (v == NULL)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: missing field %s.%s", where, key);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: %s.%s must be a string (no NUL)",
                            where, key);
    *out = json_string_value(v);
    return TP_OK;
}

static tp_err get_object(const json_t *obj, const char *key, int required, const char *where,
                         const json_t **out, tp_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = v;
    if (v == NULL && !required)
        return TP_OK;
    if (v == NULL)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: missing field %s.%s", where, key);
    if (!json_is_object(v))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: %s.%s must be an object", where,
                            key);
    return TP_OK;
}

static int is_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!is_tchar(*s))
            return 0;
    return 1;
}

/* A string that is a valid field value: no control character but HTAB. */
static int is_field_value(const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    const unsigned char *p = (const unsigned char *)json_string_value(v);
    for (size_t i = 0; i < json_string_length(v); i++)
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

/* Header names are tokens, appear once (case-insensitively), values are strings without
 * CR, LF or NUL. (Rules on request headers: tp_mf_check_request_template.) */
static tp_err check_headers(const json_t *headers, const char *where, tp_error *err)
{
    const char *name;
    json_t *v;
    if (json_object_size(headers) > TP_MF_MAX_HEADERS)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: %s: more than %d headers", where,
                            TP_MF_MAX_HEADERS);
    json_object_foreach((json_t *)headers, name, v)
    {
        if (!is_token(name))
            return tp_error_set(err, TP_ERR_MANIFEST, "manifest: %s: invalid header name",
                                where);
        if (!is_field_value(v))
            return tp_error_set(err, TP_ERR_MANIFEST,
                                "manifest: %s.%.64s must be a string without control characters",
                                where, name);
        const char *other;
        json_t *w;
        json_object_foreach((json_t *)headers, other, w)
        {
            if (other != name && strcasecmp(other, name) == 0)
                return tp_error_set(err, TP_ERR_MANIFEST, "manifest: %s.%.64s appears twice",
                                    where, name);
        }
    }
    return TP_OK;
}

/* Placeholders must be well formed; checked once at parse time. */
static tp_err placeholder_ok(const char *name, size_t len, void *ctx, tp_error *err)
{
    return TP_OK;
}

/* request.extra.headers (Pluto sends them with the request): they join request.headers,
 * after them, under the same request rules; a name in both is refused. */
static tp_err merge_extra(tp_manifest *m, const json_t *req, tp_error *err)
{
    static const char *const k_keys[] = {"headers", NULL};
    const json_t *extra, *headers;
    tp_err rc = get_object(req, "extra", 0, "request", &extra, err);
    if (rc != TP_OK || extra == NULL)
        return rc;
    if ((rc = tp_mf_check_keys(extra, k_keys, "request.extra", err)) != TP_OK ||
        (rc = get_object(extra, "headers", 0, "request.extra", &headers, err)) != TP_OK ||
        headers == NULL)
        return rc;
    if ((rc = check_headers(headers, "request.extra.headers", err)) != TP_OK)
        return rc;
    m->req_headers_merged = m->req_headers ? json_deep_copy(m->req_headers) : json_object();
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)headers, name, v)
    {
        if (m->req_headers_merged == NULL ||
            json_object_set(m->req_headers_merged, name, v) != 0)
            return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    }
    m->req_headers = m->req_headers_merged;
    rc = check_headers(m->req_headers, "request.headers + request.extra.headers", err);
    if (rc == TP_OK && json_object_size(m->req_headers) !=
                           json_object_size(json_object_get(req, "headers")) +
                               json_object_size(headers))
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: a header is in both request.headers "
                                                "and request.extra.headers");
    return rc;
}

static tp_err parse_request(tp_manifest *m, const json_t *req, tp_error *err)
{
    static const char *const k_keys[] = {"method", "url",     "headers", "body",
                                         "vars",   "version", "extra",   NULL};
    const char *version;
    const json_t *vars = NULL;
    tp_err rc = tp_mf_check_keys(req, k_keys, "request", err);
    if (rc == TP_OK)
        rc = get_string(req, "method", 1, "request", &m->method, err);
    if (rc == TP_OK && !is_token(m->method))
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.method is not a token");
    if (rc == TP_OK)
        rc = get_string(req, "url", 1, "request", &m->url, err);
    if (rc == TP_OK)
        rc = tp_mf_parse_url(m, err);
    if (rc == TP_OK)
        rc = get_string(req, "version", 0, "request", &version, err);
    if (rc == TP_OK && version && strcmp(version, "HTTP/1.1") != 0)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.version must be HTTP/1.1");
    if (rc == TP_OK)
        rc = get_object(req, "headers", 0, "request", &m->req_headers, err);
    if (rc == TP_OK && m->req_headers)
        rc = check_headers(m->req_headers, "request.headers", err);
    if (rc == TP_OK)
        rc = merge_extra(m, req, err);
    m->req_body = json_object_get(req, "body");
    if (json_is_null(m->req_body))
        m->req_body = NULL;
    if (rc == TP_OK && m->req_body && !json_is_string(m->req_body) &&
        !json_is_object(m->req_body) && !json_is_array(m->req_body))
        rc = tp_error_set(err, TP_ERR_MANIFEST,
                          "manifest: request.body must be a string, object or array");
    if (rc == TP_OK)
        rc = tp_mf_request_placeholders(m, placeholder_ok, NULL, err);
    if (rc == TP_OK)
        vars = json_object_get(req, "vars");
    if (rc == TP_OK && !json_is_null(vars))
        rc = tp_mf_parse_vars(m, vars, err);
    if (rc == TP_OK)
        rc = tp_mf_check_request_template(m, err);
    return rc;
}

static tp_err parse_status(tp_manifest *m, const json_t *status, tp_error *err)
{
    const char *s = json_string_value(status);
    if (json_is_integer(status) && json_integer_value(status) >= 100 &&
        json_integer_value(status) <= 999) {
        m->status = (int)json_integer_value(status);
        return TP_OK;
    }
    if (s == NULL || strlen(s) != 3 || s[0] < '1' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9')
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: response.status must be a 3-digit status code");
    m->status = atoi(s);
    return TP_OK;
}

static tp_err parse_response(tp_manifest *m, const json_t *resp, tp_error *err)
{
    static const char *const k_keys[] = {"status", "headers", "body", "message", "version",
                                         NULL};
    const char *tmp;
    const json_t *body;
    tp_err rc = tp_mf_check_keys(resp, k_keys, "response", err);
    if (rc == TP_OK && json_object_get(resp, "status") == NULL)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: missing field response.status");
    if (rc == TP_OK)
        rc = parse_status(m, json_object_get(resp, "status"), err);
    if (rc == TP_OK)
        rc = get_string(resp, "message", 0, "response", &tmp, err);
    if (rc == TP_OK)
        rc = get_string(resp, "version", 0, "response", &tmp, err);
    if (rc == TP_OK && tmp && strcmp(tmp, "HTTP/1.1") != 0)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: response.version must be HTTP/1.1");
    if (rc == TP_OK)
        rc = get_object(resp, "headers", 0, "response", &m->resp_headers, err);
    if (rc == TP_OK && m->resp_headers)
        rc = check_headers(m->resp_headers, "response.headers", err);
    if (rc == TP_OK)
        rc = get_object(resp, "body", 0, "response", &body, err);
    if (rc == TP_OK && body)
        rc = tp_mf_parse_extractors(m, body, err);
    return rc;
}

/* manifestVersion says little (Pluto changed the shape within "1" and kept it across "2"
 * and "3"): any of them, or none, and the shape decides. */
static tp_err check_version(const json_t *doc, tp_error *err)
{
    const json_t *v = json_object_get(doc, "manifestVersion");
    const char *s = json_string_value(v);
    if (v == NULL)
        return TP_OK;
    if (s == NULL || (strcmp(s, "1") != 0 && strcmp(s, "2") != 0 && strcmp(s, "3") != 0))
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: manifestVersion must be \"1\", \"2\" or \"3\"");
    return TP_OK;
}

/* Pluto's `mode` chooses how the proof is made; every mode's proof is about what the site
 * sent, which is what teeproof proves. "Proxy" needs the notary to be the TLS client:
 * such a manifest is proven in direct mode only (docs/manifest.md). */
static tp_err check_mode(tp_manifest *m, tp_error *err)
{
    const char *mode;
    tp_err rc = get_string(m->doc, "mode", 0, "manifest", &mode, err);
    m->direct = rc == TP_OK && mode && strcasecmp(mode, "proxy") == 0;
    return rc;
}

static tp_err parse_document(tp_manifest *m, tp_error *err)
{
    const char *tmp;
    const json_t *req, *resp;
    if (!json_is_object(m->doc))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: not a JSON object");
    tp_err rc = check_version(m->doc, err);
    if (rc == TP_OK)
        rc = check_mode(m, err);
    if (rc == TP_OK)
        rc = get_string(m->doc, "id", 1, "manifest", &tmp, err);
    if (rc == TP_OK)
        rc = get_string(m->doc, "title", 1, "manifest", &tmp, err);
    if (rc == TP_OK)
        rc = get_string(m->doc, "description", 1, "manifest", &tmp, err);
    if (rc == TP_OK)
        rc = get_string(m->doc, "prepareUrl", 0, "manifest", &tmp, err);
    if (rc == TP_OK)
        rc = get_object(m->doc, "request", 1, "manifest", &req, err);
    if (rc == TP_OK)
        rc = get_object(m->doc, "response", 1, "manifest", &resp, err);
    if (rc == TP_OK)
        rc = parse_request(m, req, err);
    if (rc == TP_OK)
        rc = parse_response(m, resp, err);
    return rc;
}

static tp_err compute_hash(tp_manifest *m, tp_error *err)
{
    tp_buf canon = TP_BUF_INIT;
    if (!tp_jcs_serialize(m->doc, &canon)) {
        tp_buf_free(&canon);
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: cannot be canonicalized");
    }
    tp_sha256(canon.data, canon.len, m->hash);
    tp_buf_free(&canon);
    return TP_OK;
}

static int report_noncanonical(const char *tok, size_t len, void *ctx)
{
    if (tp_jcs_number_is_canonical(tok, len))
        return 1;
    tp_error_set(ctx, TP_ERR_MANIFEST,
                 "manifest: number %.*s%s is not in RFC 8785 form (write 1000, not 1e3 or "
                 "1000.0; at most 17 significant digits), so it would not compare and hash "
                 "exactly as written",
                 (int)(len > 40 ? 40 : len), tok, len > 40 ? "..." : "");
    return 0;
}

/* Every number in the manifest text must be its own RFC 8785 form: then the manifest hash
 * (over the canonical form) and the predicate values are exactly what the author wrote, and
 * two manifests that compare differently never share a hash. */
static tp_err check_numbers(const char *json, size_t len, tp_error *err)
{
    if (tp_json_validate((const uint8_t *)json, len, NULL) != TP_OK)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: not strict JSON (RFC 8259, "
                            "nesting depth at most %d)", TP_JSON_MAX_DEPTH);
    if (!tp_json_each_number((const uint8_t *)json, len, report_noncanonical, err))
        return TP_ERR_MANIFEST;
    return TP_OK;
}

tp_err tp_manifest_parse(const char *json, size_t len, tp_manifest **out, tp_error *err)
{
    *out = NULL;
    if (json == NULL)
        return tp_error_set(err, TP_ERR_ARG, "manifest: no input");
    if (len > MAX_MANIFEST_BYTES)
        return tp_error_set(err, TP_ERR_LIMIT, "manifest: larger than %u bytes",
                            MAX_MANIFEST_BYTES);
    tp_manifest *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    m->regex_work_left = TP_MF_MAX_REGEX_WORK;
    m->regex_size_left = TP_MF_MAX_REGEX_SIZE_TOTAL;
    json_error_t jerr;
    m->doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    tp_err rc;
    if (m->doc == NULL)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: invalid JSON at line %d: %s",
                          jerr.line, jerr.text);
    else
        rc = check_numbers(json, len, err);
    if (rc == TP_OK)
        rc = parse_document(m, err);
    if (rc == TP_OK)
        rc = compute_hash(m, err);
    if (rc != TP_OK) {
        tp_manifest_free(m);
        return rc;
    }
    *out = m;
    return TP_OK;
}

tp_err tp_manifest_load_file(const char *path, tp_manifest **out, tp_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tp_error_set(err, TP_ERR_IO, "manifest: cannot open %s", path);
    tp_buf b = TP_BUF_INIT;
    uint8_t chunk[4096];
    size_t got;
    int ok = 1;
    while (ok && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ok = b.len + got <= MAX_MANIFEST_BYTES && tp_buf_append(&b, chunk, got);
    int read_err = ferror(f);
    fclose(f);
    tp_err rc;
    if (!ok)
        rc = tp_error_set(err, TP_ERR_LIMIT, "manifest: %s is too large", path);
    else if (read_err)
        rc = tp_error_set(err, TP_ERR_IO, "manifest: cannot read %s", path);
    else
        rc = tp_manifest_parse((const char *)b.data, b.len, out, err);
    tp_buf_free(&b);
    return rc;
}

void tp_manifest_free(tp_manifest *m)
{
    if (m == NULL)
        return;
    tp_mf_free_extractors(m);
    tp_mf_free_vars(m);
    json_decref(m->req_headers_merged);
    free(m->host);
    free(m->target);
    json_decref(m->doc);
    free(m);
}

void tp_manifest_hash(const tp_manifest *m, uint8_t out[32]) { memcpy(out, m->hash, 32); }
const char *tp_manifest_method(const tp_manifest *m) { return m->method; }
const char *tp_manifest_url_template(const tp_manifest *m) { return m->url; }
const char *tp_manifest_host(const tp_manifest *m) { return m->host; }
uint16_t tp_manifest_port(const tp_manifest *m) { return m->port; }
int tp_manifest_requires_direct(const tp_manifest *m) { return m->direct; }
