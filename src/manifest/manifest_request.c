/* The request a manifest allows: its rules checked at parse time, its exact bytes built
 * from the manifest and the variable values (by the prover to send it, by the notary to
 * compare), and the byte-for-byte check of the request really sent. Header set and order
 * are fixed (docs/manifest.md, "Request"): request line, Host, the manifest's headers in
 * document order, Content-Length (only with a body), Accept-Encoding, Connection: close.
 * Buffers holding values are wiped when freed; no message holds a value or request bytes. */
#include "manifest/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/codec.h"
#include "http/http.h"
#include "manifest/manifest_check.h"

/* The coding asked for when the manifest does not name one: the response is then plain. */
#define DEFAULT_ACCEPT_ENCODING "identity"

/* Headers that frame or route the message, or change the connection: teeproof sets
 * Content-Length and Connection itself; the others may not be sent at all. */
static const char *const k_forbidden[] = {"content-length", "transfer-encoding", "upgrade",
                                          "te", "trailer", "expect", "keep-alive", NULL};
#define PROXY_PREFIX "proxy-"

/* Headers written at fixed places rather than in the manifest's order. */
static int is_fixed_header(const char *name)
{
    return strcasecmp(name, "host") == 0 || strcasecmp(name, "connection") == 0 ||
           strcasecmp(name, "accept-encoding") == 0;
}

static const json_t *manifest_header(const tp_manifest *m, const char *name)
{
    const char *key;
    json_t *v;
    if (m->req_headers == NULL)
        return NULL;
    json_object_foreach((json_t *)m->req_headers, key, v)
    {
        if (strcasecmp(key, name) == 0)
            return v;
    }
    return NULL;
}

/* The value with surrounding spaces and tabs removed: [*start, *end). */
static void trim(const char *s, size_t n, size_t *start, size_t *end)
{
    *start = 0, *end = n;
    while (*start < *end && (s[*start] == ' ' || s[*start] == '\t'))
        (*start)++;
    while (*end > *start && (s[*end - 1] == ' ' || s[*end - 1] == '\t'))
        (*end)--;
}

static tp_err refuse_header(const char *name, const char *why, tp_error *err)
{
    return tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.headers.%.64s %s", name, why);
}

static tp_err check_one_header(const tp_manifest *m, const char *name, const json_t *v,
                               tp_error *err)
{
    const char *s = json_string_value(v);
    size_t start, end;
    trim(s, json_string_length(v), &start, &end);
    for (size_t i = 0; k_forbidden[i]; i++)
        if (strcasecmp(name, k_forbidden[i]) == 0)
            return refuse_header(name, "may not be set by a manifest", err);
    if (strncasecmp(name, PROXY_PREFIX, sizeof(PROXY_PREFIX) - 1) == 0)
        return refuse_header(name, "may not be set by a manifest", err);
    if (strcasecmp(name, "connection") == 0 &&
        (end - start != 5 || strncasecmp(s + start, "close", 5) != 0))
        return refuse_header(name, "may only be \"close\"", err);
    if (strcasecmp(name, "accept-encoding") == 0 && !tp_http_accept_encoding_ok(s))
        return refuse_header(name, "may only list codings teeproof decodes", err);
    if (strcasecmp(name, "content-type") == 0 && strstr(s, "<%"))
        return refuse_header(name, "may not hold a placeholder", err);
    if (strcasecmp(name, "host") == 0) {
        char *authority = tp_mf_authority(m);
        int same = authority && end - start == strlen(authority) &&
                   strncasecmp(s + start, authority, end - start) == 0;
        free(authority);
        if (!same)
            return refuse_header(name, "differs from the URL authority", err);
    }
    return TP_OK;
}

/* Visible ASCII, and every "%" starts a whole percent-encoding inside the literal: a "%"
 * right before a placeholder would let the value choose the byte it decodes to
 * ("/f/%<% x %>" with "2F" or "00"). */
static tp_err target_literal_ok(const char *s, size_t n, void *ctx, tp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return tp_error_set(err, TP_ERR_MANIFEST,
                                "manifest: request.url: the path and query must be visible ASCII "
                                "(percent-encode the rest)");
        if (s[i] == '%' && (i + 2 >= n || tp_hex_digit((unsigned char)s[i + 1]) < 0 ||
                            tp_hex_digit((unsigned char)s[i + 2]) < 0))
            return tp_error_set(err, TP_ERR_MANIFEST,
                                "manifest: request.url: \"%%\" must be followed by two hex digits");
    }
    return TP_OK;
}

static tp_err placeholder_any(const char *name, size_t len, void *ctx, tp_error *err)
{
    return TP_OK;
}

tp_err tp_mf_check_request_template(const tp_manifest *m, tp_error *err)
{
    const char *name;
    json_t *v;
    tp_err rc = tp_mf_scan_template(m->target, strlen(m->target), target_literal_ok,
                                    placeholder_any, NULL, err);
    if (rc == TP_OK && m->req_headers) {
        json_object_foreach((json_t *)m->req_headers, name, v)
        {
            if ((rc = check_one_header(m, name, v, err)) != TP_OK)
                return rc;
        }
    }
    if (rc == TP_OK && json_is_string(m->req_body) && tp_mf_body_is_json(m))
        rc = tp_mf_check_json_template(json_string_value(m->req_body),
                                       json_string_length(m->req_body), err);
    return rc;
}

static int append_line(tp_buf *out, const char *name, const void *v, size_t n)
{
    return tp_buf_append_str(out, name) && tp_buf_append_str(out, ": ") &&
           tp_buf_append(out, v, n) && tp_buf_append_str(out, "\r\n");
}

/* One manifest header: its value with variables substituted (header encoding), then
 * trimmed of surrounding spaces and tabs. */
static tp_err append_manifest_header(const char *name, const json_t *value,
                                     const tp_vars *vars, tp_buf *out, tp_error *err)
{
    tp_buf raw = TP_BUF_INIT;
    tp_err rc = tp_mf_substitute(json_string_value(value), json_string_length(value), vars,
                                 TP_MF_ENC_HEADER, &raw, err);
    size_t start = 0, end = 0;
    if (rc == TP_OK)
        trim((const char *)raw.data, raw.len, &start, &end);
    if (rc == TP_OK && !append_line(out, name, raw.data + start, end - start))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    tp_buf_free(&raw);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "request header %.64s", name);
}

static tp_err append_headers(const tp_manifest *m, const tp_vars *vars, size_t body_len,
                             tp_buf *out, tp_error *err)
{
    char *authority = tp_mf_authority(m);
    int ok = authority != NULL && append_line(out, "Host", authority, strlen(authority));
    free(authority);
    const char *name;
    json_t *value;
    if (ok && m->req_headers) {
        json_object_foreach((json_t *)m->req_headers, name, value)
        {
            if (is_fixed_header(name))
                continue;
            tp_err rc = append_manifest_header(name, value, vars, out, err);
            if (rc != TP_OK)
                return rc;
        }
    }
    char cl[32];
    int cl_len = snprintf(cl, sizeof(cl), "%zu", body_len);
    if (ok && body_len > 0)
        ok = append_line(out, "Content-Length", cl, (size_t)cl_len);
    const json_t *ae = manifest_header(m, "accept-encoding");
    size_t start = 0, end = strlen(DEFAULT_ACCEPT_ENCODING);
    const char *ae_value = ae ? json_string_value(ae) : DEFAULT_ACCEPT_ENCODING;
    if (ae)
        trim(ae_value, json_string_length(ae), &start, &end);
    if (ok)
        ok = append_line(out, "Accept-Encoding", ae_value + start, end - start) &&
             append_line(out, "Connection", "close", 5);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
}

/* How many dots s is made of ("." or "%2E"), or 0 when it holds anything else or nothing. */
static size_t dot_count(const uint8_t *s, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n; dots++) {
        if (s[i] == '.')
            i += 1;
        else if (i + 3 <= n && s[i] == '%' && s[i + 1] == '2' &&
                 (s[i + 2] == 'e' || s[i + 2] == 'E'))
            i += 3;
        else
            return 0;
    }
    return dots;
}

/* "%2F" or "%5C": a "/" or "\" that some servers decode, then take as a separator (nginx
 * proxy_pass with a URI part, IIS). */
static int is_encoded_separator(const uint8_t *s, size_t n, size_t i)
{
    if (i + 3 > n || s[i] != '%')
        return 0;
    return (s[i + 1] == '2' && (s[i + 2] == 'F' || s[i + 2] == 'f')) ||
           (s[i + 1] == '5' && (s[i + 2] == 'C' || s[i + 2] == 'c'));
}

/* An empty segment (merged with its neighbour by many servers), or one with a part that
 * RFC 3986 5.2.4 removes or resolves ("." or "..", "%2E" counting as a dot, as servers
 * decode it first), parts being split at "/" and at encoded separators. */
static int is_unsafe_segment(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0, start = 0; i <= n;) {
        if (i < n && !is_encoded_separator(s, n, i)) {
            i++;
            continue;
        }
        size_t dots = dot_count(s + start, i - start);
        if (dots == 1 || dots == 2)
            return 1;
        i += 3;
        start = i;
    }
    return 0;
}

/* Percent-encoding keeps "." (unreserved) and an empty value is nothing, so a value could
 * still make a path segment "..", "." or empty: /users/<% u %>/balance with ".." is
 * /users/../balance, which a server resolves to /balance. Values never hold "/" or "?"
 * once encoded, so the built path has the template's segments one for one: each segment
 * with a placeholder must not have become one of those. */
static tp_err check_path_segments(const char *tmpl, const uint8_t *built, size_t n,
                                  tp_error *err)
{
    size_t tn = strcspn(tmpl, "?"), bn = 0;
    while (bn < n && built[bn] != '?')
        bn++;
    for (size_t ti = 0, bi = 0; ti <= tn && bi <= bn;) {
        size_t te = ti, be = bi;
        while (te < tn && tmpl[te] != '/')
            te++;
        while (be < bn && built[be] != '/')
            be++;
        if (memmem(tmpl + ti, te - ti, "<%", 2) != NULL &&
            is_unsafe_segment(built + bi, be - bi))
            return tp_error_set(err, TP_ERR_VAR,
                                "a value would make a URL path segment empty or a dot segment");
        ti = te + 1;
        bi = be + 1;
    }
    return TP_OK;
}

/* A value in the URL path is percent-encoded, but servers and proxies that decode the path
 * before routing (a reverse proxy with a URI part, some frameworks) would read %2F as "/",
 * %3F as "?", %5C as "\\" and %23 as "#", and decode %25 a second time: such a value could
 * still move the request to another resource there. So a path value holds none of them. */
static tp_err path_value_ok(const char *name, size_t len, void *ctx, tp_error *err)
{
    const tp_var *v = tp_mf_find_var(ctx, name, len);
    if (v != NULL && v->value != NULL && strpbrk(v->value, "/\\?#%") != NULL)
        return tp_error_set(err, TP_ERR_VAR,
                            "variable %.*s is in the URL path and may not contain / \\ ? # or %%",
                            (int)(len > 64 ? 64 : len), name);
    return TP_OK;
}

static tp_err append_request_line(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                                  tp_error *err)
{
    tp_err prc = tp_mf_for_each_placeholder(m->target, strcspn(m->target, "?"), path_value_ok,
                                            (void *)vars, err);
    if (prc != TP_OK)
        return prc;
    if (!tp_buf_append_str(out, m->method) || !tp_buf_append_str(out, " "))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    size_t start = out->len;
    tp_err rc = tp_mf_substitute(m->target, strlen(m->target), vars, TP_MF_ENC_URL, out, err);
    if (rc == TP_OK)
        rc = check_path_segments(m->target, out->data + start, out->len - start, err);
    if (rc == TP_OK && !tp_buf_append_str(out, " HTTP/1.1\r\n"))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return rc;
}

tp_err tp_manifest_build_request(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                                 tp_error *err)
{
    size_t start = out->len;
    tp_buf body = TP_BUF_INIT;
    tp_vars all = {NULL, 0};
    tp_err rc = tp_manifest_check_vars(m, vars, err);
    if (rc == TP_OK)
        rc = tp_mf_effective_vars(m, vars, &all, err);
    if (rc == TP_OK)
        rc = tp_mf_request_body(m, &all, &body, err);
    if (rc == TP_OK)
        rc = append_request_line(m, &all, out, err);
    if (rc == TP_OK)
        rc = append_headers(m, &all, body.len, out, err);
    free((void *)all.items);
    if (rc == TP_OK && !(tp_buf_append_str(out, "\r\n") && tp_buf_append(out, body.data, body.len)))
        rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    tp_buf_free(&body);
    if (rc != TP_OK && out->data) {
        memset(out->data + start, 0, out->len - start);
        out->len = start;
    }
    return rc;
}

/* Which part of the built request holds byte off (for a message without the bytes). */
static const char *part_at(const uint8_t *req, size_t len, size_t off)
{
    const uint8_t *line_end = memchr(req, '\n', len);
    const uint8_t *head_end = memmem(req, len, "\r\n\r\n", 4);
    if (line_end && off <= (size_t)(line_end - req))
        return "request line";
    if (head_end && off < (size_t)(head_end - req) + 4)
        return "header section";
    return "body";
}

tp_err tp_manifest_check_request(const tp_manifest *m, const tp_vars *vars, const uint8_t *req,
                                 size_t len, tp_error *err)
{
    tp_buf want = TP_BUF_INIT;
    tp_err rc = tp_manifest_build_request(m, vars, &want, err);
    if (rc != TP_OK) {
        tp_buf_free(&want);
        return rc;
    }
    size_t same = 0;
    while (same < want.len && same < len && want.data[same] == req[same])
        same++;
    if (same == want.len && same == len) {
        tp_buf_free(&want);
        return TP_OK;
    }
    int longer = same == want.len;
    const char *part = longer ? "" : part_at(want.data, want.len, same);
    tp_buf_free(&want);
    if (longer)
        return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                            "the request sent goes on after the one the manifest allows");
    return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                        "the request sent is not the one the manifest allows (differs in the %s)",
                        part);
}
