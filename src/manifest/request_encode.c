/* How a variable value is written at its position in the request, so that no value can
 * change the request's structure (docs/manifest.md, "Request"): percent-encoding in the
 * URL, form-encoding in a non-JSON string body, JSON string escaping in a JSON body, and
 * a restricted character set in header values. Also the parse-time rule that a
 * placeholder in a JSON string body sits inside a JSON string. No message holds a value. */
#include "manifest/manifest_internal.h"

#include <string.h>
#include <strings.h>

#include "base/jcs.h"
#include "manifest/json_span.h"

static const char k_hex[] = "0123456789ABCDEF";

/* RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
static int is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encoding of everything but unreserved; form: ' ' becomes '+'. */
static int append_percent(const char *value, int form, tp_buf *out)
{
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        uint8_t enc[3] = {'%', (uint8_t)k_hex[*p >> 4], (uint8_t)k_hex[*p & 15]};
        int ok = is_unreserved(*p)         ? tp_buf_append(out, p, 1)
                 : (form && *p == ' ')     ? tp_buf_append(out, "+", 1)
                                           : tp_buf_append(out, enc, 3);
        if (!ok)
            return 0;
    }
    return 1;
}

static tp_err append_json(const char *value, tp_buf *out, tp_error *err)
{
    json_t *str = json_string(value);
    tp_buf quoted = TP_BUF_INIT;
    int ok = str && tp_jcs_serialize(str, &quoted) && quoted.len >= 2;
    if (ok && !tp_buf_append(out, quoted.data + 1, quoted.len - 2)) {
        json_decref(str);
        tp_buf_free(&quoted);
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    }
    json_decref(str);
    tp_buf_free(&quoted);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_VAR, "value is not valid UTF-8");
}

/* Header values: printable ASCII and space, without the delimiters of RFC 9110 lists,
 * parameters and quoted strings and of Cookie (",", ";", '"', "\"), and without
 * surrounding spaces. */
static tp_err append_header(const char *value, tp_buf *out, tp_error *err)
{
    size_t n = strlen(value);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\')
            return tp_error_set(err, TP_ERR_VAR,
                                "value in a header may only hold printable ASCII and space, "
                                "without , ; \" or \\");
    }
    if (n > 0 && (value[0] == ' ' || value[n - 1] == ' '))
        return tp_error_set(err, TP_ERR_VAR, "value in a header may not start or end with a space");
    if (!tp_buf_append(out, value, n))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return TP_OK;
}

tp_err tp_mf_append_encoded(tp_mf_encoding enc, const char *value, tp_buf *out,
                            tp_error *err)
{
    switch (enc) {
    case TP_MF_ENC_URL:
    case TP_MF_ENC_FORM:
        if (!append_percent(value, enc == TP_MF_ENC_FORM, out))
            return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
        return TP_OK;
    case TP_MF_ENC_JSON:
        return append_json(value, out, err);
    case TP_MF_ENC_HEADER:
        return append_header(value, out, err);
    }
    return tp_error_set(err, TP_ERR_ARG, "manifest: unknown encoding");
}

int tp_mf_body_is_json(const tp_manifest *m)
{
    const char *name;
    json_t *v;
    if (m->req_headers == NULL)
        return 0;
    json_object_foreach((json_t *)m->req_headers, name, v)
    {
        if (strcasecmp(name, "content-type") != 0)
            continue;
        const char *s = json_string_value(v);
        size_t start = strspn(s, " \t"), end = start + strcspn(s + start, ";");
        while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
            end--;
        size_t len = end - start;
        static const char k_json[] = "application/json", k_suffix[] = "+json";
        const size_t suffix_len = sizeof(k_suffix) - 1;
        if (len == sizeof(k_json) - 1 && strncasecmp(s + start, k_json, len) == 0)
            return 1;
        return len > suffix_len && memchr(s + start, '/', len) != NULL &&
               strncasecmp(s + end - suffix_len, k_suffix, suffix_len) == 0;
    }
    return 0;
}

/* Lexical state of a JSON text read so far: inside a string, and inside an escape
 * sequence ("\" seen, or hex digits of "\uXXXX" still to come). */
struct json_lex {
    int in_string;
    int escape;    /* 1: right after "\" */
    int hex_left;  /* digits of \uXXXX still to read */
    tp_buf literal; /* the template without its placeholders */
};

static tp_err lex_literal(const char *s, size_t n, void *ctx, tp_error *err)
{
    struct json_lex *l = ctx;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (l->hex_left > 0)
            l->hex_left--;
        else if (l->escape)
            l->escape = 0, l->hex_left = c == 'u' ? 4 : 0;
        else if (l->in_string && c == '\\')
            l->escape = 1;
        else if (c == '"')
            l->in_string = !l->in_string;
    }
    if (!tp_buf_append(&l->literal, s, n))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return TP_OK;
}

/* Stands for a placeholder in the template's literal text: a private-use character,
 * written as a JSON escape, so that member names holding one can be found. */
#define PLACEHOLDER_MARK_JSON "\\ue000"
#define PLACEHOLDER_MARK_UTF8 "\xee\x80\x80"

static tp_err lex_placeholder(const char *name, size_t len, void *ctx, tp_error *err)
{
    struct json_lex *l = ctx;
    if (!l->in_string || l->escape || l->hex_left > 0)
        return tp_error_set(err, TP_ERR_MANIFEST,
                            "manifest: request.body is JSON: placeholder %.*s must be inside a "
                            "JSON string",
                            (int)(len > 64 ? 64 : len), name);
    if (!tp_buf_append_str(&l->literal, PLACEHOLDER_MARK_JSON))
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    return TP_OK;
}

/* 1 when a member name anywhere in v holds a placeholder mark. */
static int mark_in_member_name(const json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;
    json_t *item;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, member)
        {
            if (strstr(key, PLACEHOLDER_MARK_UTF8) || mark_in_member_name(member))
                return 1;
        }
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            if (mark_in_member_name(item))
                return 1;
        }
    }
    return 0;
}

/* The template with each placeholder replaced by a mark inside its string is strict JSON,
 * and no member name holds a mark: a value may fill a string value, never name a member
 * ({"<% k %>": "x"} with "role" would set any member the prover likes). */
tp_err tp_mf_check_json_template(const char *s, size_t n, tp_error *err)
{
    struct json_lex l = {0, 0, 0, TP_BUF_PUBLIC_INIT};
    tp_err rc = tp_mf_scan_template(s, n, lex_literal, lex_placeholder, &l, err);
    if (rc == TP_OK && tp_json_validate(l.literal.data, l.literal.len, NULL) != TP_OK)
        rc = tp_error_set(err, TP_ERR_MANIFEST,
                          "manifest: request.body is declared JSON but is not valid JSON");
    json_t *doc = rc == TP_OK ? json_loadb((const char *)l.literal.data, l.literal.len,
                                           JSON_DECODE_ANY, NULL) : NULL;
    if (rc == TP_OK && doc == NULL)
        rc = tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.body cannot be read as JSON");
    if (rc == TP_OK && mark_in_member_name(doc))
        rc = tp_error_set(err, TP_ERR_MANIFEST,
                          "manifest: request.body: a placeholder may not be in a member name");
    json_decref(doc);
    tp_buf_free(&l.literal);
    return rc;
}
