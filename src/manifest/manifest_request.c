/* The request a manifest describes: building it (prover) and checking the one that was
 * really sent (notary). Buffers holding substituted values are wiped when freed, and no
 * error message contains a header value, the target or the body (they may hold secrets). */
#include "manifest/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "manifest/manifest_check.h"

/* Headers a client may add that the manifest does not list. */
static const char *const k_extra_headers[] = {"host",        "content-length", "connection",
                                              "accept-encoding", "user-agent", "accept", NULL};

static int is_target_char(unsigned char c) { return c >= 0x21 && c <= 0x7e; }
static int is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static const json_t *manifest_header(const tp_manifest *m, const char *name, size_t len)
{
    const char *key;
    json_t *v;
    if (m->req_headers == NULL)
        return NULL;
    json_object_foreach((json_t *)m->req_headers, key, v)
    {
        if (strlen(key) == len && strncasecmp(key, name, len) == 0)
            return v;
    }
    return NULL;
}

static tp_err expand_target(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                            tp_error *err)
{
    tp_err rc = tp_mf_substitute(m->target, strlen(m->target), vars, out, err);
    for (size_t i = 0; rc == TP_OK && i < out->len; i++)
        if (!is_target_char(out->data[i]))
            rc = tp_error_set(err, TP_ERR_VAR,
                              "a variable in the URL makes an invalid request target");
    return rc;
}

/* The header value with variables substituted and surrounding whitespace trimmed. */
static tp_err expand_header(const char *name, const json_t *value, const tp_vars *vars,
                            tp_buf *out, tp_error *err)
{
    tp_buf raw = TP_BUF_INIT;
    tp_err rc = tp_mf_substitute(json_string_value(value), json_string_length(value), vars, &raw,
                                 err);
    size_t start = 0, end = raw.len;
    while (start < end && (raw.data[start] == ' ' || raw.data[start] == '\t'))
        start++;
    while (end > start && (raw.data[end - 1] == ' ' || raw.data[end - 1] == '\t'))
        end--;
    for (size_t i = start; rc == TP_OK && i < end; i++)
        if (!is_value_char(raw.data[i]))
            rc = tp_error_set(err, TP_ERR_VAR, "a variable makes header %.64s invalid", name);
    if (rc == TP_OK && !tp_buf_append(out, raw.data + start, end - start))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    tp_buf_free(&raw);
    return rc;
}

static int append_line(tp_buf *out, const char *name, const uint8_t *v, size_t n)
{
    return tp_buf_append_str(out, name) && tp_buf_append_str(out, ": ") &&
           tp_buf_append(out, v, n) && tp_buf_append_str(out, "\r\n");
}

static tp_err append_headers(const tp_manifest *m, const tp_vars *vars, size_t body_len,
                             tp_buf *out, tp_error *err)
{
    char *authority = tp_mf_authority(m);
    int ok = authority != NULL;
    if (ok && !manifest_header(m, "host", 4))
        ok = append_line(out, "Host", (const uint8_t *)authority, strlen(authority));
    free(authority);
    const char *name;
    json_t *value;
    if (m->req_headers) {
        json_object_foreach((json_t *)m->req_headers, name, value)
        {
            tp_buf v = TP_BUF_INIT;
            tp_err rc = expand_header(name, value, vars, &v, err);
            if (rc == TP_OK && ok)
                ok = append_line(out, name, v.data, v.len);
            tp_buf_free(&v);
            if (rc != TP_OK)
                return rc;
        }
    }
    char cl[32];
    snprintf(cl, sizeof(cl), "%zu", body_len);
    if (ok && body_len > 0)
        ok = append_line(out, "Content-Length", (const uint8_t *)cl, strlen(cl));
    if (ok && !manifest_header(m, "accept-encoding", 15))
        ok = append_line(out, "Accept-Encoding", (const uint8_t *)"identity", 8);
    if (ok && !manifest_header(m, "connection", 10))
        ok = append_line(out, "Connection", (const uint8_t *)"close", 5);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
}

tp_err tp_manifest_build_request(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                                 tp_error *err)
{
    size_t start = out->len;
    tp_buf target = TP_BUF_INIT, body = TP_BUF_INIT;
    tp_err rc = tp_manifest_check_vars(m, vars, err);
    if (rc == TP_OK)
        rc = expand_target(m, vars, &target, err);
    if (rc == TP_OK)
        rc = tp_mf_request_body(m, vars, &body, err);
    if (rc == TP_OK && !(tp_buf_append_str(out, m->method) && tp_buf_append_str(out, " ") &&
                         tp_buf_append(out, target.data, target.len) &&
                         tp_buf_append_str(out, " HTTP/1.1\r\n")))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    if (rc == TP_OK)
        rc = append_headers(m, vars, body.len, out, err);
    if (rc == TP_OK && !(tp_buf_append_str(out, "\r\n") && tp_buf_append(out, body.data, body.len)))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    tp_buf_free(&target);
    tp_buf_free(&body);
    if (rc != TP_OK && out->data) {
        memset(out->data + start, 0, out->len - start);
        out->len = start;
    }
    return rc;
}

static int span_equals(tp_span s, const uint8_t *p, size_t n)
{
    return s.len == n && (n == 0 || memcmp(s.p, p, n) == 0);
}

static tp_err check_manifest_headers(const tp_manifest *m, const tp_vars *vars,
                                     const tp_http_message *req, tp_error *err)
{
    const char *name;
    json_t *value;
    if (m->req_headers == NULL)
        return TP_OK;
    json_object_foreach((json_t *)m->req_headers, name, value)
    {
        if (tp_http_header_count(req, name) != 1)
            return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                                "request header %.64s must appear exactly once", name);
        tp_buf want = TP_BUF_INIT;
        tp_err rc = expand_header(name, value, vars, &want, err);
        int same = rc == TP_OK && span_equals(tp_http_header_find(req, name)->value, want.data,
                                              want.len);
        tp_buf_free(&want);
        if (rc != TP_OK)
            return rc;
        if (!same)
            return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                                "request header %.64s differs from the manifest", name);
    }
    return TP_OK;
}

static int is_extra_header(tp_span name)
{
    for (size_t i = 0; k_extra_headers[i]; i++)
        if (name.len == strlen(k_extra_headers[i]) &&
            strncasecmp((const char *)name.p, k_extra_headers[i], name.len) == 0)
            return 1;
    return 0;
}

static tp_err check_no_other_headers(const tp_manifest *m, const tp_http_message *req,
                                     tp_error *err)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        tp_span name = req->headers[i].name;
        if (!is_extra_header(name) && !manifest_header(m, (const char *)name.p, name.len))
            return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                                "request header %.*s is not in the manifest",
                                (int)(name.len > 64 ? 64 : name.len), (const char *)name.p);
    }
    return TP_OK;
}

static tp_err check_host(const tp_manifest *m, const tp_http_message *req, tp_error *err)
{
    if (manifest_header(m, "host", 4))
        return TP_OK; /* checked as a manifest header */
    char *authority = tp_mf_authority(m);
    if (authority == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    const tp_http_header *h = tp_http_header_find(req, "host");
    int ok = tp_http_header_count(req, "host") == 1 && h->value.len == strlen(authority) &&
             strncasecmp((const char *)h->value.p, authority, h->value.len) == 0;
    free(authority);
    return ok ? TP_OK
              : tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                             "request Host header differs from the manifest URL");
}

static tp_err check_request_line(const tp_manifest *m, const tp_vars *vars,
                                 const tp_http_message *req, tp_error *err)
{
    if (!span_equals(req->method, (const uint8_t *)m->method, strlen(m->method)))
        return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                            "request method %.*s, manifest wants %.16s",
                            (int)(req->method.len > 16 ? 16 : req->method.len),
                            (const char *)req->method.p, m->method);
    if (req->minor_version != 1)
        return tp_error_set(err, TP_ERR_MANIFEST_REQUEST, "request is not HTTP/1.1");
    tp_buf target = TP_BUF_INIT;
    tp_err rc = expand_target(m, vars, &target, err);
    int same = rc == TP_OK && span_equals(req->target, target.data, target.len);
    tp_buf_free(&target);
    if (rc != TP_OK)
        return rc;
    return same ? TP_OK
                : tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                               "request target differs from the manifest URL");
}

static tp_err check_body(const tp_manifest *m, const tp_vars *vars, const tp_http_message *req,
                         tp_error *err)
{
    tp_buf body = TP_BUF_INIT;
    tp_err rc = tp_mf_request_body(m, vars, &body, err);
    int same = rc == TP_OK && req->body.len == body.len &&
               (body.len == 0 || memcmp(req->body.data, body.data, body.len) == 0);
    tp_buf_free(&body);
    if (rc != TP_OK)
        return rc;
    return same ? TP_OK
                : tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                               "request body differs from the manifest");
}

tp_err tp_manifest_check_request(const tp_manifest *m, const tp_vars *vars,
                                 const tp_http_message *req, tp_error *err)
{
    tp_err rc = tp_manifest_check_vars(m, vars, err);
    if (rc == TP_OK)
        rc = check_request_line(m, vars, req, err);
    if (rc == TP_OK)
        rc = check_host(m, req, err);
    if (rc == TP_OK)
        rc = check_manifest_headers(m, vars, req, err);
    if (rc == TP_OK)
        rc = check_no_other_headers(m, req, err);
    if (rc == TP_OK)
        rc = check_body(m, vars, req, err);
    return rc;
}
