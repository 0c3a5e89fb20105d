/* Template variables: `<% name %>` placeholders (name = [A-Za-z0-9_]+, optional spaces
 * inside the delimiters) in the URL, header values and body of a manifest request.
 * Values are secret: no message here ever contains one. */
#include "manifest/manifest_internal.h"

#include <string.h>

#include "base/jcs.h"
#include "manifest/manifest_check.h"

#define MAX_VAR_NAME 64

typedef tp_err (*literal_fn)(const char *s, size_t n, void *ctx, tp_error *err);

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

/* Splits s into literal runs and placeholders. */
static tp_err scan_template(const char *s, size_t n, literal_fn on_literal,
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
    return scan_template(s, n, NULL, fn, ctx, err);
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

static const tp_var *find_var(const tp_vars *vars, const char *name, size_t len)
{
    for (size_t i = 0; vars && i < vars->n; i++)
        if (strlen(vars->items[i].name) == len && memcmp(vars->items[i].name, name, len) == 0)
            return &vars->items[i];
    return NULL;
}

struct subst_ctx {
    const tp_vars *vars;
    int json_escape; /* the text is serialized JSON: escape values as string content */
    tp_buf *out;
};

static tp_err append_literal(const char *s, size_t n, void *ctx, tp_error *err)
{
    struct subst_ctx *c = ctx;
    if (!tp_buf_append(c->out, s, n))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return TP_OK;
}

static tp_err append_json_escaped(const char *value, tp_buf *out, tp_error *err)
{
    json_t *str = json_string(value);
    tp_buf quoted = TP_BUF_INIT;
    int ok = str && tp_jcs_serialize(str, &quoted) && quoted.len >= 2 &&
             tp_buf_append(out, quoted.data + 1, quoted.len - 2);
    json_decref(str);
    tp_buf_free(&quoted);
    if (!ok)
        return tp_error_set(err, TP_ERR_VAR, "manifest: a variable value is not valid UTF-8");
    return TP_OK;
}

static tp_err append_value(const char *name, size_t len, void *ctx, tp_error *err)
{
    struct subst_ctx *c = ctx;
    const tp_var *var = find_var(c->vars, name, len);
    if (var == NULL || var->value == NULL)
        return tp_error_set(err, TP_ERR_VAR, "variable %.*s has no value", (int)len, name);
    if (c->json_escape)
        return append_json_escaped(var->value, c->out, err);
    return append_literal(var->value, strlen(var->value), ctx, err);
}

static tp_err substitute(const char *s, size_t n, const tp_vars *vars, int json_escape,
                         tp_buf *out, tp_error *err)
{
    struct subst_ctx c = {vars, json_escape, out};
    return scan_template(s, n, append_literal, append_value, &c, err);
}

tp_err tp_mf_substitute(const char *s, size_t n, const tp_vars *vars, tp_buf *out,
                        tp_error *err)
{
    return substitute(s, n, vars, 0, out, err);
}

/* A string body is sent as written; an object or array body as its RFC 8785 form, with
 * values substituted inside the strings (JSON-escaped). */
tp_err tp_mf_request_body(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                          tp_error *err)
{
    if (m->req_body == NULL)
        return TP_OK;
    if (json_is_string(m->req_body))
        return substitute(json_string_value(m->req_body), json_string_length(m->req_body), vars,
                          0, out, err);
    tp_buf canon = TP_BUF_INIT;
    tp_err rc = TP_OK;
    if (!tp_jcs_serialize(m->req_body, &canon))
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.body cannot be serialized");
    if (rc == TP_OK)
        rc = substitute((const char *)canon.data, canon.len, vars, 1, out, err);
    tp_buf_free(&canon);
    return rc;
}

/* check_vars: every placeholder has a value. */
static tp_err require_value(const char *name, size_t len, void *ctx, tp_error *err)
{
    const tp_var *var = find_var(ctx, name, len);
    if (var == NULL || var->value == NULL)
        return tp_error_set(err, TP_ERR_VAR, "variable %.*s has no value", (int)len, name);
    return TP_OK;
}

struct is_used_ctx {
    const char *name;
    int used;
};

static tp_err note_use(const char *name, size_t len, void *ctx, tp_error *err)
{
    struct is_used_ctx *c = ctx;
    if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
        c->used = 1;
    return TP_OK;
}

static const var_spec *find_spec(const tp_manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_vars; i++)
        if (strcmp(m->vars[i].name, name) == 0)
            return &m->vars[i];
    return NULL;
}

static tp_err check_one_var(const tp_manifest *m, const tp_vars *vars, size_t i, tp_error *err)
{
    const tp_var *v = &vars->items[i];
    if (v->name == NULL || v->value == NULL)
        return tp_error_set(err, TP_ERR_VAR, "variable without a name or value");
    if (find_var(vars, v->name, strlen(v->name)) != v)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s given twice", v->name);
    const var_spec *spec = find_spec(m, v->name);
    struct is_used_ctx used = {v->name, 0};
    tp_err rc = tp_mf_request_placeholders(m, note_use, &used, err);
    if (rc != TP_OK)
        return rc;
    if (!spec && !used.used)
        return tp_error_set(err, TP_ERR_VAR, "unknown variable %.64s", v->name);
    if (strlen(v->value) > TP_MF_MAX_REGEX_SUBJECT)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s is too long", v->name);
    if (strpbrk(v->value, "\r\n"))
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s contains CR or LF", v->name);
    if (spec && spec->length >= 0 && (long long)strlen(v->value) != spec->length)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s must be %lld bytes long", v->name,
                            spec->length);
    if (spec && spec->has_regex && regexec(&spec->regex, v->value, 0, NULL, 0) != 0)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s does not match its regex",
                            v->name);
    return TP_OK;
}

tp_err tp_manifest_check_vars(const tp_manifest *m, const tp_vars *vars, tp_error *err)
{
    tp_vars none = {NULL, 0};
    if (vars == NULL)
        vars = &none;
    if (vars->n > TP_MF_MAX_VARS)
        return tp_error_set(err, TP_ERR_VAR, "more than %d variables", TP_MF_MAX_VARS);
    for (size_t i = 0; i < vars->n; i++) {
        tp_err rc = check_one_var(m, vars, i, err);
        if (rc != TP_OK)
            return rc;
    }
    return tp_mf_request_placeholders(m, require_value, (void *)vars, err);
}
