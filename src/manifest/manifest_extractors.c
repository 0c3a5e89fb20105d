/* response.body of a manifest: format ("json" or "html") and extractors with their
 * predicates, or the legacy {json: path, contains: text}. Every predicate is checked for a
 * supported (type, comparison, value) combination and every html selector parsed here, so
 * that a manifest is rejected up front rather than at proving time. */
#include "manifest/manifest_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/json_exact.h"

/* "any" (EXT_ANY) is not a type a manifest can name: it is the legacy json path's. */
static const char *const k_ext_types[] = {"string", "number", "boolean", "array", "object",
                                          "null",   "any"};
static const char *const k_pred_types[] = {"value", "length", "regex", "string", "array"};
static const char *const k_comparisons[] = {
    "equal",    "notEqual", "greaterThan", "lessThan",   "greaterThanOrEqual", "lessThanOrEqual",
    "contains", "notContains", "startsWith", "endsWith", "includes"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *tp_mf_ext_type_name(ext_type t) { return k_ext_types[t]; }
const char *tp_mf_comparison_name(comparison c) { return k_comparisons[c]; }

static int lookup(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

static tp_err ext_error(tp_error *err, const char *id, const char *what)
{
    return tp_error_set(err, TP_ERR_MANIFEST, "manifest: extractor %.64s: %s", id ? id : "?",
                        what);
}

static int is_ordering(comparison c)
{
    return c == CMP_GREATER || c == CMP_LESS || c == CMP_GREATER_EQ || c == CMP_LESS_EQ;
}

/* Which comparisons each predicate type supports, and what its value must be. */
static const char *check_combination(const predicate *p)
{
    const json_t *v = p->value;
    switch (p->type) {
    case PRED_VALUE:
        if (is_ordering(p->cmp) && !json_is_number(v))
            return "predicates.value must be a number for an ordering comparison";
        if ((p->cmp == CMP_STARTS_WITH || p->cmp == CMP_ENDS_WITH) && !json_is_string(v))
            return "predicates.value must be a string for startsWith/endsWith";
        if (p->cmp == CMP_INCLUDES)
            return "comparison includes needs predicate type array";
        return NULL;
    case PRED_LENGTH:
        if (!is_ordering(p->cmp) && p->cmp != CMP_EQUAL && p->cmp != CMP_NOT_EQUAL)
            return "length predicates support equal, notEqual and orderings";
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return "predicates.value must be a non-negative integer for a length predicate";
        return NULL;
    case PRED_REGEX:
        if (p->cmp != CMP_EQUAL && p->cmp != CMP_NOT_EQUAL && p->cmp != CMP_CONTAINS &&
            p->cmp != CMP_NOT_CONTAINS)
            return "regex predicates support equal, notEqual, contains, notContains";
        if (!json_is_string(v))
            return "predicates.value must be a string for a regex predicate";
        return NULL;
    case PRED_STRING:
        if (p->cmp != CMP_STARTS_WITH && p->cmp != CMP_ENDS_WITH)
            return "string predicates support startsWith and endsWith";
        if (!json_is_string(v))
            return "predicates.value must be a string for a string predicate";
        return NULL;
    case PRED_ARRAY:
        if (p->cmp != CMP_INCLUDES)
            return "array predicates support includes";
        return NULL;
    }
    return "unknown predicate type";
}

/* Flags as Pluto reads them: "i" (case-insensitive) and "s" ('.' matches a newline, as it
 * always does in POSIX). "m" would need REG_NEWLINE, which also keeps [^x] from matching a
 * newline: a different meaning, refused; so is any other flag. */
static tp_err compile_regex(predicate *p, const char *flags, const char *id, tp_manifest *m,
                            tp_error *err)
{
    int cflags = 0;
    for (const char *f = flags ? flags : ""; *f; f++) {
        if (*f != 'i' && *f != 's')
            return ext_error(err, id, "predicates.flags supports only \"i\" and \"s\"");
        if (*f == 'i')
            cflags |= REG_ICASE;
    }
    if (!p->case_sensitive)
        cflags |= REG_ICASE;
    const char *why = tp_mf_posix_dialect_refusal(json_string_value(p->value));
    if (why)
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: extractor %.64s: predicates.value: %s is not supported "
                            "in a regex (its meaning differs between regex dialects)",
                            id ? id : "?", why);
    if (!tp_mf_compile_regex(&p->regex, json_string_value(p->value), cflags, 0, m))
        return ext_error(err, id, "predicates.value is not a valid POSIX extended regex "
                                  "(backreferences not supported), or the manifest's regexes "
                                  "together are too large");
    p->has_regex = 1;
    return TP_OK;
}

static tp_err parse_predicate(predicate *p, const json_t *spec, const char *id, tp_manifest *m,
                              tp_error *err)
{
    static const char *const k_keys[] = {"type",  "comparison",  "value", "caseSensitive",
                                         "case_sensitive", "flags", "description", NULL};
    if (!json_is_object(spec))
        return ext_error(err, id, "predicates entries must be objects");
    tp_err rc = tp_mf_check_keys(spec, k_keys, "response.body.extractors.predicates", err);
    if (rc != TP_OK)
        return rc;
    int t = lookup(json_string_value(json_object_get(spec, "type")), k_pred_types,
                   COUNT(k_pred_types));
    int c = lookup(json_string_value(json_object_get(spec, "comparison")), k_comparisons,
                   COUNT(k_comparisons));
    if (t < 0)
        return ext_error(err, id, "predicates.type missing or unknown");
    if (c < 0)
        return ext_error(err, id, "predicates.comparison missing or unknown");
    p->type = (pred_type)t;
    p->cmp = (comparison)c;
    p->value = json_object_get(spec, "value");
    if (p->value == NULL)
        return ext_error(err, id, "predicates.value missing");
    /* Manifest numbers are canonical (tp_manifest_parse), so their RFC 8785 text is the
     * author's token. */
    p->exact_value = tp_json_numbers_to_text(p->value);
    if (p->exact_value == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    /* case_sensitive is Pluto's key, caseSensitive an alias; both must then agree. */
    const json_t *cs = json_object_get(spec, "case_sensitive");
    const json_t *alias = json_object_get(spec, "caseSensitive");
    if ((cs && !json_is_boolean(cs)) || (alias && !json_is_boolean(alias)))
        return ext_error(err, id, "predicates.case_sensitive must be a boolean");
    if (cs && alias && json_is_true(cs) != json_is_true(alias))
        return ext_error(err, id, "predicates.case_sensitive and caseSensitive disagree");
    if (cs == NULL)
        cs = alias;
    p->case_sensitive = cs ? json_is_true(cs) : 1;
    const json_t *flags = json_object_get(spec, "flags");
    if (flags && (!json_is_string(flags) || p->type != PRED_REGEX))
        return ext_error(err, id, "predicates.flags must be a string, for regex predicates");
    const json_t *desc = json_object_get(spec, "description");
    if (desc && !json_is_string(desc))
        return ext_error(err, id, "predicates.description must be a string");
    const char *bad = check_combination(p);
    if (bad)
        return ext_error(err, id, bad);
    return p->type == PRED_REGEX ? compile_regex(p, json_string_value(flags), id, m, err) : TP_OK;
}

static tp_err check_selector(const json_t *sel, const char *id, tp_error *err)
{
    if (!json_is_array(sel))
        return ext_error(err, id, "selector must be an array");
    for (size_t i = 0; i < json_array_size(sel); i++) {
        const json_t *step = json_array_get(sel, i);
        if (!(json_is_string(step) || (json_is_integer(step) && json_integer_value(step) >= 0)))
            return ext_error(err, id, "selector steps must be strings or non-negative integers");
    }
    return TP_OK;
}

static tp_err parse_predicates(extractor *e, const json_t *preds, tp_manifest *m, tp_error *err)
{
    if (preds == NULL)
        return TP_OK;
    if (!json_is_array(preds))
        return ext_error(err, e->id, "predicates must be an array");
    if (json_array_size(preds) > TP_MF_MAX_PREDICATES)
        return ext_error(err, e->id, "too many predicates");
    e->preds = calloc(json_array_size(preds) + 1, sizeof(*e->preds));
    if (e->preds == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    for (size_t i = 0; i < json_array_size(preds); i++) {
        tp_err rc = parse_predicate(&e->preds[e->n_preds++], json_array_get(preds, i), e->id, m,
                                    err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

/* An html extractor: selector steps are CSS selectors (css_selector.h), the value is text
 * (or an attribute's value), so its type is string, number, boolean or array (of
 * strings). */
static tp_err parse_html_selector(extractor *e, const json_t *spec, tp_error *err)
{
    const json_t *attr = json_object_get(spec, "attribute");
    if (attr && (!json_is_string(attr) || json_string_length(attr) == 0 ||
                 json_string_length(attr) != strlen(json_string_value(attr))))
        return ext_error(err, e->id, "attribute must be a non-empty string");
    e->attribute = json_string_value(attr);
    if (e->type != EXT_STRING && e->type != EXT_NUMBER && e->type != EXT_BOOLEAN &&
        e->type != EXT_ARRAY)
        return ext_error(err, e->id, "an html value is a string, number, boolean or array");
    size_t n = json_is_array(e->selector) ? json_array_size(e->selector) : 0;
    if (n == 0 || n > TP_MF_MAX_HTML_STEPS)
        return ext_error(err, e->id, "an html selector is an array of 1 to 8 CSS selectors");
    e->css = calloc(n, sizeof(*e->css));
    if (e->css == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    for (size_t i = 0; i < n; i++, e->n_css++) {
        const json_t *step = json_array_get(e->selector, i);
        const char *why = "a step that is not a string";
        if (!json_is_string(step) || strlen(json_string_value(step)) != json_string_length(step) ||
            !tp_css_parse(json_string_value(step), &e->css[i], &why))
            return tp_error_set(err, TP_ERR_MANIFEST,
                                "manifest: extractor %.64s: selector step %zu: %s is not "
                                "supported (CSS subset: type, .class, #id, [attr], [attr=value], "
                                "descendant and > combinators, :nth-child)",
                                e->id, i, why);
    }
    return TP_OK;
}

static tp_err parse_extractor(extractor *e, const json_t *spec, int html, tp_manifest *m,
                              tp_error *err)
{
    static const char *const k_keys[] = {"id",       "description", "selector",  "type",
                                         "required", "predicates",  "attribute", NULL};
    if (!json_is_object(spec))
        return ext_error(err, NULL, "extractors entries must be objects");
    tp_err rc = tp_mf_check_keys(spec, k_keys, "response.body.extractors", err);
    if (rc != TP_OK)
        return rc;
    e->id = json_string_value(json_object_get(spec, "id"));
    if (e->id == NULL || e->id[0] == '\0')
        return ext_error(err, NULL, "id missing or not a string");
    const json_t *desc = json_object_get(spec, "description");
    if (desc && !json_is_string(desc))
        return ext_error(err, e->id, "description must be a string");
    e->selector = json_object_get(spec, "selector");
    if (e->selector == NULL)
        return ext_error(err, e->id, "selector missing");
    int t = lookup(json_string_value(json_object_get(spec, "type")), k_ext_types,
                   COUNT(k_ext_types) - 1);
    if (t < 0)
        return ext_error(err, e->id, "type missing or unknown");
    e->type = (ext_type)t;
    if (html)
        rc = parse_html_selector(e, spec, err);
    else if (json_object_get(spec, "attribute"))
        rc = ext_error(err, e->id, "attribute is for html extractors only");
    else
        rc = check_selector(e->selector, e->id, err);
    if (rc != TP_OK)
        return rc;
    const json_t *req = json_object_get(spec, "required");
    if (req && !json_is_boolean(req))
        return ext_error(err, e->id, "required must be a boolean");
    e->required = req ? json_is_true(req) : 1;
    return parse_predicates(e, json_object_get(spec, "predicates"), m, err);
}

static tp_err check_unique_ids(const tp_manifest *m, tp_error *err)
{
    for (size_t i = 0; i < m->n_extractors; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->extractors[i].id, m->extractors[j].id) == 0)
                return ext_error(err, m->extractors[i].id, "id used twice");
    return TP_OK;
}

/* The legacy response.body.json path: an extractor "json" of any type, required. */
static tp_err legacy_json_path(tp_manifest *m, const json_t *path, tp_error *err)
{
    extractor *e = &m->extractors[m->n_extractors++];
    e->id = "json";
    e->selector = path;
    e->type = EXT_ANY;
    e->required = 1;
    tp_err rc = check_selector(path, "json", err);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "response.body.json");
}

/* response.body: {format, extractors} and/or the legacy {json: path, contains: string}. */
static tp_err parse_body_shape(tp_manifest *m, const json_t *body, const char **format,
                               tp_error *err)
{
    static const char *const k_keys[] = {"format", "extractors", "json", "contains", NULL};
    tp_err rc = tp_mf_check_keys(body, k_keys, "response.body", err);
    if (rc != TP_OK)
        return rc;
    const json_t *f = json_object_get(body, "format");
    const json_t *contains = json_object_get(body, "contains");
    *format = json_string_value(f);
    if (f && *format == NULL)
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: response.body.format must be a string");
    if (contains && (!json_is_string(contains) || json_string_length(contains) == 0))
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: response.body.contains must be a non-empty string");
    m->body_contains = contains;
    if (*format == NULL && json_object_get(body, "extractors"))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: missing field response.body.format");
    if (*format == NULL && !contains && !json_object_get(body, "json"))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: response.body has no rule (format, "
                                                  "json or contains)");
    m->body_is_html = *format && strcmp(*format, "html") == 0;
    if (m->body_is_html && (contains || json_object_get(body, "json")))
        return tp_error_set(err, TP_ERR_MANIFEST, "manifest: response.body: json and contains "
                                                  "are not rules of an html body");
    if (m->body_is_html)
        return TP_OK;
    if (*format && strcmp(*format, "json") != 0)
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: response.body.format must be \"json\" or \"html\"");
    m->body_is_json = *format != NULL || json_object_get(body, "json") != NULL;
    return TP_OK;
}

tp_err tp_mf_parse_extractors(tp_manifest *m, const json_t *body, tp_error *err)
{
    const char *format;
    tp_err rc = parse_body_shape(m, body, &format, err);
    if (rc != TP_OK)
        return rc;
    const json_t *path = json_object_get(body, "json");
    const json_t *list = json_object_get(body, "extractors");
    if (list && !json_is_array(list))
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: response.body.extractors must be an array");
    size_t n = list ? json_array_size(list) : 0;
    if (n > TP_MF_MAX_EXTRACTORS)
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: response.body.extractors: more than %d",
                            TP_MF_MAX_EXTRACTORS);
    m->extractors = calloc(n + 2, sizeof(*m->extractors));
    if (m->extractors == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    if (path && (rc = legacy_json_path(m, path, err)) != TP_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        rc = parse_extractor(&m->extractors[m->n_extractors++], json_array_get(list, i),
                             m->body_is_html, m, err);
        if (rc != TP_OK)
            return rc;
    }
    return check_unique_ids(m, err);
}

void tp_mf_free_extractors(tp_manifest *m)
{
    for (size_t i = 0; i < m->n_extractors; i++) {
        extractor *e = &m->extractors[i];
        for (size_t j = 0; j < e->n_preds; j++) {
            if (e->preds[j].has_regex)
                tp_mf_regex_free(&e->preds[j].regex);
            json_decref(e->preds[j].exact_value);
        }
        free(e->preds);
        free(e->css);
    }
    free(m->extractors);
    m->extractors = NULL;
    m->n_extractors = 0;
}
