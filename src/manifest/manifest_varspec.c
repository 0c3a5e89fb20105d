/* request.vars of a manifest, in both forms Pluto wrote (docs/manifest.md, "Variables"):
 * the current {description?, required?, default?, pattern?} (pattern: ECMAScript,
 * translated by regex_ecma.c; an optional variable needs a default, which must match the
 * pattern; a required one must be used) and the legacy {regex (POSIX), length, type}.
 * A spec mixing both forms is refused. Also: the values in effect (given ones, plus the
 * defaults of optional variables left out), used by both prover and notary. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const k_current_keys[] = {"required", "default", "pattern", NULL};
static const char *const k_legacy_keys[] = {"regex", "length", "type", NULL};

static int has_any(const json_t *spec, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++)
        if (json_object_get(spec, keys[i]))
            return 1;
    return 0;
}

static tp_err var_error(tp_error *err, const char *name, const char *what)
{
    return tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.vars.%.64s: %s", name, what);
}

/* Optional string member: NULL when absent, error when not a string (or holding NUL). */
static tp_err opt_string(const json_t *spec, const char *key, const char *name, const char **out,
                         tp_error *err)
{
    const json_t *v = json_object_get(spec, key);
    *out = NULL;
    if (v == NULL || (json_is_null(v) && strcmp(key, "default") == 0))
        return TP_OK;
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: request.vars.%.64s.%s must be a string (no NUL)", name,
                            key);
    *out = json_string_value(v);
    return TP_OK;
}

static tp_err parse_legacy(var_spec *vs, const json_t *spec, tp_manifest *m, tp_error *err)
{
    const json_t *len = json_object_get(spec, "length");
    if (len && (!json_is_integer(len) || json_integer_value(len) < 0))
        return var_error(err, vs->name, "length must be a non-negative integer");
    if (len)
        vs->length = json_integer_value(len);
    const char *type, *re;
    tp_err rc = opt_string(spec, "type", vs->name, &type, err);
    if (rc == TP_OK)
        rc = tp_mf_parse_var_type(vs->name, type, &vs->type, err);
    if (rc == TP_OK)
        rc = opt_string(spec, "regex", vs->name, &re, err);
    if (rc != TP_OK || re == NULL)
        return rc;
    if (re[0] == '\0')
        return var_error(err, vs->name, "regex is empty");
    const char *why = tp_mf_posix_dialect_refusal(re);
    if (why)
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: request.vars.%.64s.regex: %s is not supported (its "
                            "meaning differs between regex dialects)",
                            vs->name, why);
    if (!tp_mf_compile_regex(&vs->regex, re, 0, 1, m))
        return var_error(err, vs->name, "regex is invalid or refused (POSIX extended regex; "
                                        "no backreference, no stacked quantifier such as "
                                        "{,20}+, no nested repetition that explodes)");
    vs->has_regex = 1;
    return TP_OK;
}

static tp_err compile_pattern(var_spec *vs, const char *pattern, tp_manifest *m, tp_error *err)
{
    tp_buf ere = TP_BUF_PUBLIC_INIT;
    const char *why = NULL;
    tp_err rc = tp_mf_ecma_to_ere(pattern, &ere, &vs->ascii_only, &why);
    if (rc == TP_OK && !tp_buf_append(&ere, "", 1))
        why = "out of memory";
    if (rc != TP_OK || why) {
        tp_buf_free(&ere);
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: request.vars.%.64s.pattern: %s is not supported (its "
                            "meaning differs between ECMAScript and POSIX regexes)",
                            vs->name, why ? why : "?");
    }
    int ok = tp_mf_compile_regex(&vs->regex, (const char *)ere.data, 0, 1, m);
    tp_buf_free(&ere);
    if (!ok)
        return var_error(err, vs->name, "pattern is invalid or too large");
    vs->has_regex = 1;
    return TP_OK;
}

static tp_err parse_current(var_spec *vs, const json_t *spec, tp_manifest *m, tp_error *err)
{
    const json_t *req = json_object_get(spec, "required");
    if (req && !json_is_boolean(req))
        return var_error(err, vs->name, "required must be a boolean");
    vs->optional = req && json_is_false(req);
    const char *pattern;
    tp_err rc = opt_string(spec, "default", vs->name, &vs->default_value, err);
    if (rc == TP_OK)
        rc = opt_string(spec, "pattern", vs->name, &pattern, err);
    if (rc != TP_OK)
        return rc;
    if (vs->optional && vs->default_value == NULL)
        return var_error(err, vs->name, "an optional variable (required: false) needs a default");
    if (vs->default_value && strpbrk(vs->default_value, "\r\n"))
        return var_error(err, vs->name, "default contains CR or LF");
    if (pattern && (rc = compile_pattern(vs, pattern, m, err)) != TP_OK)
        return rc;
    if (vs->default_value && tp_mf_var_matches(vs, vs->default_value) != 1)
        return var_error(err, vs->name, "default does not match the pattern");
    return TP_OK;
}

int tp_mf_var_matches(const var_spec *vs, const char *value)
{
    if (!vs->has_regex)
        return 1;
    if (vs->ascii_only)
        for (const unsigned char *p = (const unsigned char *)value; *p; p++)
            if (*p >= 0x80)
                return 0;
    return tp_mf_regex_match(&vs->regex, value, strlen(value));
}

static tp_err parse_var(var_spec *vs, const char *name, const json_t *spec, tp_manifest *m,
                        tp_error *err)
{
    static const char *const k_keys[] = {"description", "required", "default", "pattern",
                                         "regex",       "length",   "type",    NULL};
    vs->name = name;
    vs->length = -1;
    if (!json_is_object(spec))
        return var_error(err, name, "must be an object");
    tp_err rc = tp_mf_check_keys(spec, k_keys, "request.vars.<name>", err);
    const char *desc;
    if (rc == TP_OK)
        rc = opt_string(spec, "description", name, &desc, err);
    if (rc != TP_OK)
        return rc;
    vs->legacy = has_any(spec, k_legacy_keys);
    if (vs->legacy && has_any(spec, k_current_keys))
        return var_error(err, name, "mixes the legacy form (regex, length, type) with the "
                                    "current one (required, default, pattern)");
    return vs->legacy ? parse_legacy(vs, spec, m, err) : parse_current(vs, spec, m, err);
}

struct use_ctx {
    const char *name;
    int used;
};

static tp_err note_use(const char *name, size_t len, void *ctx, tp_error *err)
{
    struct use_ctx *c = ctx;
    if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
        c->used = 1;
    return TP_OK;
}

/* Every placeholder is declared (once vars declares one) and every required variable of
 * the current form is used (Pluto's rules). */
static tp_err declared(const char *name, size_t len, void *ctx, tp_error *err)
{
    const tp_manifest *m = ctx;
    for (size_t i = 0; i < m->n_vars; i++)
        if (strlen(m->vars[i].name) == len && memcmp(m->vars[i].name, name, len) == 0)
            return TP_OK;
    return tp_error_set(err, TP_ERR_MANIFEST,
                        "manifest: placeholder <%% %.*s %%> is not declared in request.vars",
                        (int)(len > 64 ? 64 : len), name);
}

static tp_err check_uses(const tp_manifest *m, tp_error *err)
{
    tp_err rc = tp_mf_request_placeholders(m, declared, (void *)m, err);
    for (size_t i = 0; rc == TP_OK && i < m->n_vars; i++) {
        const var_spec *vs = &m->vars[i];
        struct use_ctx u = {vs->name, 0};
        rc = tp_mf_request_placeholders(m, note_use, &u, err);
        if (rc == TP_OK && !vs->legacy && !vs->optional && !u.used)
            rc = var_error(err, vs->name, "required but used by no placeholder");
    }
    return rc;
}

tp_err tp_mf_parse_vars(tp_manifest *m, const json_t *vars, tp_error *err)
{
    if (vars == NULL)
        return TP_OK;
    if (json_is_object(vars) && json_object_size(vars) == 0)
        return TP_OK; /* "vars": {} declares nothing: as if absent */
    if (!json_is_object(vars))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.vars must be an object");
    if (json_object_size(vars) > TP_MF_MAX_VARS)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.vars: more than %d",
                            TP_MF_MAX_VARS);
    m->vars = calloc(json_object_size(vars) + 1, sizeof(*m->vars));
    if (m->vars == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    const char *name;
    json_t *spec;
    json_object_foreach((json_t *)vars, name, spec)
    {
        tp_err rc = parse_var(&m->vars[m->n_vars++], name, spec, m, err);
        if (rc != TP_OK)
            return rc;
    }
    return check_uses(m, err);
}

void tp_mf_free_vars(tp_manifest *m)
{
    for (size_t i = 0; i < m->n_vars; i++)
        if (m->vars[i].has_regex)
            tp_mf_regex_free(&m->vars[i].regex);
    free(m->vars);
    m->vars = NULL;
    m->n_vars = 0;
}

tp_err tp_mf_effective_vars(const tp_manifest *m, const tp_vars *vars, tp_vars *out,
                            tp_error *err)
{
    size_t given = vars ? vars->n : 0;
    tp_var *items = calloc(given + m->n_vars + 1, sizeof(*items));
    if (items == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    size_t n = 0;
    for (; n < given; n++)
        items[n] = vars->items[n];
    for (size_t i = 0; i < m->n_vars; i++) {
        const var_spec *vs = &m->vars[i];
        if (vs->optional && !tp_mf_find_var(vars, vs->name, strlen(vs->name)))
            items[n++] = (tp_var){vs->name, vs->default_value};
    }
    out->items = items;
    out->n = n;
    return TP_OK;
}
