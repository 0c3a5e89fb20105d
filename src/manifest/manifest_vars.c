/* Checks of the variable values against the manifest: every placeholder has a value, no
 * unknown or repeated name, and each value follows its declared `type` (exact grammar),
 * `length` (bytes) and `regex` (matched against the whole value). Values never contain
 * NUL (C strings; the notary's protocol parser refuses "\u0000"), CR or LF.
 * The notary runs this before anything else (tp_notarize); no message holds a value. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "manifest/manifest_check.h"

static const struct {
    const char *name;
    var_type type;
} k_types[] = {
    [VAR_STRING] = {"string", VAR_STRING},       [VAR_NUMBER] = {"number", VAR_NUMBER},
    [VAR_INTEGER] = {"integer", VAR_INTEGER},    [VAR_BOOLEAN] = {"boolean", VAR_BOOLEAN},
    [VAR_HEX] = {"hex", VAR_HEX},                [VAR_BASE64] = {"base64", VAR_BASE64},
    [VAR_BASE64URL] = {"base64url", VAR_BASE64URL},
};
#define N_TYPES (sizeof(k_types) / sizeof(k_types[0]))

tp_err tp_mf_parse_var_type(const char *name, const char *type, var_type *out, tp_error *err)
{
    *out = VAR_STRING;
    if (type == NULL)
        return TP_OK;
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(type, k_types[i].name) == 0) {
            *out = k_types[i].type;
            return TP_OK;
        }
    return tp_error_set(err, TP_ERR_MANIFEST,
                        "manifest: request.vars.%.64s.type must be one of string, number, "
                        "integer, boolean, hex, base64, base64url",
                        name);
}

static const char *skip_digits(const char *p)
{
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

/* -?(0|[1-9][0-9]*) at p; the end, or NULL. */
static const char *scan_int(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        return p + 1;
    if (*p < '1' || *p > '9')
        return NULL;
    return skip_digits(p);
}

/* RFC 8259 number: int frac? exp? */
static int is_json_number(const char *p)
{
    if ((p = scan_int(p)) == NULL)
        return 0;
    if (*p == '.') {
        const char *d = p + 1;
        if ((p = skip_digits(d)) == d)
            return 0;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        const char *d = p;
        if ((p = skip_digits(d)) == d)
            return 0;
    }
    return *p == '\0';
}

static int is_hex(const char *p)
{
    if (*p == '\0')
        return 0;
    for (; *p; p++)
        if (tp_hex_digit((unsigned char)*p) < 0)
            return 0;
    return 1;
}

static int is_base64(const char *p, int url)
{
    tp_buf tmp = TP_BUF_INIT;
    int ok = *p != '\0' && tp_base64_decode(p, strlen(p), url, &tmp);
    tp_buf_free(&tmp);
    return ok;
}

static int value_has_type(var_type t, const char *v)
{
    switch (t) {
    case VAR_STRING:
        return 1;
    case VAR_NUMBER:
        return is_json_number(v);
    case VAR_INTEGER: {
        const char *end = scan_int(v);
        return end != NULL && *end == '\0';
    }
    case VAR_BOOLEAN:
        return strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
    case VAR_HEX:
        return is_hex(v);
    case VAR_BASE64:
        return is_base64(v, 0);
    case VAR_BASE64URL:
        return is_base64(v, 1);
    }
    return 0;
}

/* check_vars: every placeholder has a value. */
static tp_err require_value(const char *name, size_t len, void *ctx, tp_error *err)
{
    const tp_var *var = tp_mf_find_var(ctx, name, len);
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
    if (tp_mf_find_var(vars, v->name, strlen(v->name)) != v)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s given twice", v->name);
    const var_spec *spec = find_spec(m, v->name);
    struct is_used_ctx used = {v->name, 0};
    tp_err rc = tp_mf_request_placeholders(m, note_use, &used, err);
    if (rc != TP_OK)
        return rc;
    if (!spec && !used.used)
        return tp_error_set(err, TP_ERR_VAR, "unknown variable %.64s", v->name);
    /* A value the request does not use would be committed in the claims as if the site had
     * received it: refused (a declared variable without a placeholder is optional). */
    if (!used.used)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s is declared but not used in the "
                            "request", v->name);
    if (strlen(v->value) > TP_MF_MAX_REGEX_SUBJECT)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s is too long", v->name);
    if (strpbrk(v->value, "\r\n"))
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s contains CR or LF", v->name);
    if (spec && !value_has_type(spec->type, v->value))
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s is not of type %s", v->name,
                            k_types[spec->type].name);
    if (spec && spec->length >= 0 && (long long)strlen(v->value) != spec->length)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s must be %lld bytes long", v->name,
                            spec->length);
    int match = spec ? tp_mf_var_matches(spec, v->value) : 1;
    if (match < 0)
        return tp_error_set(err, TP_ERR_LIMIT, "the manifest's regexes need more than %zu units "
                            "of matching (subject bytes x pattern size)", TP_MF_MAX_REGEX_WORK);
    if (match == 0)
        return tp_error_set(err, TP_ERR_VAR, "variable %.64s does not match its %s", v->name,
                            spec->legacy ? "regex" : "pattern");
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
    /* Optional variables left out take their default (checked when the manifest was
     * parsed); every other placeholder needs a value. */
    tp_vars all;
    tp_err rc = tp_mf_effective_vars(m, vars, &all, err);
    if (rc == TP_OK)
        rc = tp_mf_request_placeholders(m, require_value, &all, err);
    free((void *)all.items);
    return rc;
}
