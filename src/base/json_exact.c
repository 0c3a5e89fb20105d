/* Lossless JSON number reading; see json_exact.h. Number tokens are found by a small lexer
 * that skips strings (a '"' opens one, an unescaped '"' closes it); outside strings, in a
 * valid text, '-' or a digit starts a number and it runs over [0-9.eE+-]. The text is then
 * rewritten with each token quoted (or replaced by 0) and handed to jansson, which decodes
 * strings exactly. */
#include "base/json_exact.h"

#include <string.h>

#include "base/bytes.h"
#include "base/jcs.h"

static int starts_number(uint8_t c) { return c == '-' || (c >= '0' && c <= '9'); }

static int in_number(uint8_t c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

/* Index just past the string that opens at p[i] == '"'. */
static size_t string_end(const uint8_t *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return n;
}

/* Calls fn on every number token and copy on every run of other bytes, in order. */
typedef int (*run_fn)(const uint8_t *s, size_t len, void *ctx);
static int lex(const uint8_t *p, size_t n, run_fn number, run_fn other, void *ctx)
{
    size_t i = 0, plain = 0;
    while (i < n) {
        if (p[i] == '"') {
            i = string_end(p, n, i);
        } else if (starts_number(p[i])) {
            size_t end = i + 1;
            while (end < n && in_number(p[end]))
                end++;
            if ((other && !other(p + plain, i - plain, ctx)) || !number(p + i, end - i, ctx))
                return 0;
            i = plain = end;
        } else {
            i++;
        }
    }
    return other == NULL || other(p + plain, n - plain, ctx);
}

struct rewrite {
    tp_buf out;
    tp_json_number_form form;
};

static int copy_other(const uint8_t *s, size_t len, void *ctx)
{
    return tp_buf_append(&((struct rewrite *)ctx)->out, s, len);
}

static int rewrite_number(const uint8_t *s, size_t len, void *ctx)
{
    struct rewrite *rw = ctx;
    if (rw->form == TP_JSON_NUMBERS_AS_ZERO)
        return tp_buf_put_u8(&rw->out, '0');
    return tp_buf_put_u8(&rw->out, '"') && tp_buf_append(&rw->out, s, len) &&
           tp_buf_put_u8(&rw->out, '"');
}

json_t *tp_json_load_numbers(const uint8_t *p, size_t n, tp_json_number_form form)
{
    struct rewrite rw = {TP_BUF_INIT, form}; /* may hold a site's bytes: wiped */
    json_t *v = NULL;
    if (lex(p, n, rewrite_number, copy_other, &rw)) {
        json_error_t jerr;
        v = json_loadb((const char *)rw.out.data, rw.out.len,
                       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    }
    tp_buf_free(&rw.out);
    return v;
}

struct each {
    tp_json_number_fn fn;
    void *ctx;
};

static int each_number(const uint8_t *s, size_t len, void *ctx)
{
    struct each *e = ctx;
    return e->fn((const char *)s, len, e->ctx);
}

int tp_json_each_number(const uint8_t *p, size_t n, tp_json_number_fn fn, void *ctx)
{
    struct each e = {fn, ctx};
    return lex(p, n, each_number, NULL, &e);
}

static json_t *number_text(const json_t *v)
{
    tp_buf b = TP_BUF_PUBLIC_INIT;
    json_t *s = tp_jcs_serialize(v, &b) ? json_stringn((const char *)b.data, b.len) : NULL;
    tp_buf_free(&b);
    return s;
}

json_t *tp_json_numbers_to_text(const json_t *v)
{
    if (json_is_number(v))
        return number_text(v);
    if (json_is_array(v)) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < json_array_size(v); i++)
            if (json_array_append_new(a, tp_json_numbers_to_text(json_array_get(v, i))) != 0) {
                json_decref(a);
                return NULL;
            }
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *key;
        size_t key_len;
        json_t *child;
        json_object_keylen_foreach((json_t *)v, key, key_len, child)
        {
            if (o && json_object_setn_new(o, key, key_len, tp_json_numbers_to_text(child)) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    return json_deep_copy(v);
}
