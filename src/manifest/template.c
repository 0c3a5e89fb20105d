/* Template variables: `<% name %>` placeholders (name = [A-Za-z0-9_]+, optional spaces
 * inside the delimiters) in the URL, header values and body of a manifest request, and
 * their substitution with the encoding of each position (request_encode.c). Values are
 * secret: no message here ever contains one. */
#include "manifest/manifest_internal.h"

#include <string.h>

#include "base/jcs.h"
#include "manifest/json_span.h"

#define MAX_VAR_NAME 64

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Parses a placeholder at s[i] (which starts with "<%"); sets the name and the index just
 * after "%>". 0 when malformed. */
static int parse_placeholder(const char *s, size_t n, size_t i, size_t *name_off,
                             size_t *name_len, size_t *end)
{
    i += 2;
    while (i < n && s[i] == ' ')
        i++;
    *name_off = i;
    while (i < n && is_name_char(s[i]))
        i++;
    *name_len = i - *name_off;
    while (i < n && s[i] == ' ')
        i++;
    if (*name_len == 0 || *name_len > MAX_VAR_NAME || i + 1 >= n || s[i] != '%' || s[i + 1] != '>')
        return 0;
    *end = i + 2;
    return 1;
}

tp_err tp_mf_scan_template(const char *s, size_t n, tp_mf_literal_fn on_literal,
                           tp_mf_placeholder_fn on_placeholder, void *ctx, tp_error *err)
{
    size_t lit = 0, i = 0;
    tp_err rc = TP_OK;
    while (rc == TP_OK && i + 1 < n) {
        if (s[i] != '<' || s[i + 1] != '%') {
            i++;
            continue;
        }
        size_t name_off, name_len, end;
        if (!parse_placeholder(s, n, i, &name_off, &name_len, &end))
            return tp_error_set(err, TP_ERR_MANIFEST, "manifest: malformed template placeholder");
        if (on_literal)
            rc = on_literal(s + lit, i - lit, ctx, err);
        if (rc == TP_OK)
            rc = on_placeholder(s + name_off, name_len, ctx, err);
        lit = i = end;
    }
    if (rc == TP_OK && on_literal)
        rc = on_literal(s + lit, n - lit, ctx, err);
    return rc;
}

tp_err tp_mf_for_each_placeholder(const char *s, size_t n, tp_mf_placeholder_fn fn, void *ctx,
                                  tp_error *err)
{
    return tp_mf_scan_template(s, n, NULL, fn, ctx, err);
}

static tp_err json_placeholders(const json_t *v, tp_mf_placeholder_fn fn, void *ctx,
                                tp_error *err)
{
    tp_err rc = TP_OK;
    if (json_is_string(v))
        return tp_mf_for_each_placeholder(json_string_value(v), json_string_length(v), fn, ctx,
                                          err);
    if (json_is_array(v))
        for (size_t i = 0; rc == TP_OK && i < json_array_size(v); i++)
            rc = json_placeholders(json_array_get(v, i), fn, ctx, err);
    if (json_is_object(v)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
        {
            if (strstr(key, "<%"))
                return tp_error_set(err, TP_ERR_MANIFEST,
                                    "manifest: request.body: placeholders only in values");
            if ((rc = json_placeholders(member, fn, ctx, err)) != TP_OK)
                return rc;
        }
    }
    return rc;
}

tp_err tp_mf_request_placeholders(const tp_manifest *m, tp_mf_placeholder_fn fn, void *ctx,
                                  tp_error *err)
{
    tp_err rc = tp_mf_for_each_placeholder(m->target, strlen(m->target), fn, ctx, err);
    if (rc == TP_OK && m->req_headers)
        rc = json_placeholders(m->req_headers, fn, ctx, err);
    if (rc == TP_OK && m->req_body)
        rc = json_placeholders(m->req_body, fn, ctx, err);
    return rc;
}

const tp_var *tp_mf_find_var(const tp_vars *vars, const char *name, size_t len)
{
    for (size_t i = 0; vars && i < vars->n; i++)
        if (strlen(vars->items[i].name) == len && memcmp(vars->items[i].name, name, len) == 0)
            return &vars->items[i];
    return NULL;
}

struct subst_ctx {
    const tp_vars *vars;
    tp_mf_encoding enc;
    tp_buf *out;
};

static tp_err append_literal(const char *s, size_t n, void *ctx, tp_error *err)
{
    struct subst_ctx *c = ctx;
    if (!tp_buf_append(c->out, s, n))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return TP_OK;
}

static tp_err append_value(const char *name, size_t len, void *ctx, tp_error *err)
{
    struct subst_ctx *c = ctx;
    const tp_var *var = tp_mf_find_var(c->vars, name, len);
    if (var == NULL || var->value == NULL)
        return tp_error_set(err, TP_ERR_VAR, "variable %.*s has no value", (int)len, name);
    tp_err rc = tp_mf_append_encoded(c->enc, var->value, c->out, err);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "variable %.*s", (int)len, name);
}

tp_err tp_mf_substitute(const char *s, size_t n, const tp_vars *vars, tp_mf_encoding enc,
                        tp_buf *out, tp_error *err)
{
    struct subst_ctx c = {vars, enc, out};
    return tp_mf_scan_template(s, n, append_literal, append_value, &c, err);
}

/* A string body declared JSON gets its values JSON-escaped (the manifest was refused
 * unless every placeholder sits inside a JSON string); any other string body is
 * form-encoded. An object or array body is sent as its RFC 8785 form, values
 * JSON-escaped inside its strings (placeholders may not be in member names). A JSON body
 * is checked with the strict parser once built. */
tp_err tp_mf_request_body(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                          tp_error *err)
{
    if (m->req_body == NULL)
        return TP_OK;
    size_t start = out->len;
    int is_json = !json_is_string(m->req_body) || tp_mf_body_is_json(m);
    tp_buf canon = TP_BUF_INIT;
    tp_err rc = TP_OK;
    if (json_is_string(m->req_body)) {
        if (!tp_buf_append(&canon, json_string_value(m->req_body),
                           json_string_length(m->req_body)))
            rc = tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    } else if (!tp_jcs_serialize(m->req_body, &canon)) {
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.body cannot be serialized");
    }
    if (rc == TP_OK)
        rc = tp_mf_substitute((const char *)canon.data, canon.len, vars,
                              is_json ? TP_MF_ENC_JSON : TP_MF_ENC_FORM, out, err);
    if (rc == TP_OK && is_json && tp_json_validate(out->data + start, out->len - start, NULL) != TP_OK)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.body is not valid JSON");
    tp_buf_free(&canon);
    return rc;
}
