/* Strict JSON scanner with selector resolution; see json_span.h. One pass validates the
 * whole document and records the span of the value on each selector path. While scanning,
 * each value carries how many steps of each selector its path has matched (NULL when no
 * selector is on its path, the common case, which costs nothing). */
#include "manifest/json_span.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/utf8.h"

#define NOT_ON_PATH ((size_t)-1)

typedef struct scanner {
    tp_reader r;
    size_t n;              /* document length, for offsets */
    tp_json_match *sel;    /* the selectors and their results */
    size_t n_sel;
    tp_error *err;
} scanner;

typedef struct key_ref {
    size_t off, len; /* into the object's key arena when in_arena */
    const uint8_t *p; /* else the key's bytes in the input (no escape in it) */
    int in_arena;
} key_ref;

static size_t pos(const scanner *s) { return s->n - tp_reader_left(&s->r); }

static int peek(const scanner *s, uint8_t *c)
{
    if (tp_reader_left(&s->r) == 0)
        return 0;
    *c = tp_reader_data(&s->r)[0];
    return 1;
}

static tp_err fail(scanner *s, const char *what)
{
    return tp_error_set(s->err, TP_ERR_JSON, "json: %s at offset %zu", what, pos(s));
}

static int is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static inline void skip_ws(scanner *s)
{
    const uint8_t *d = tp_reader_data(&s->r);
    size_t left = tp_reader_left(&s->r), k = 0;
    if (left == 0 || !is_ws(d[0])) /* the common case in compact JSON: nothing to skip */
        return;
    while (k < left && is_ws(d[k]))
        k++;
    tp_read_skip(&s->r, k);
}

static int accept(scanner *s, uint8_t want)
{
    uint8_t c;
    if (!peek(s, &c) || c != want)
        return 0;
    tp_read_skip(&s->r, 1);
    return 1;
}

static int read_hex4(scanner *s, uint32_t *out)
{
    const uint8_t *p;
    if (!tp_read_bytes(&s->r, 4, &p))
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return 0;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* \uXXXX (and its low-surrogate partner) after the "\u" has been read. */
static tp_err parse_unicode_escape(scanner *s, uint32_t *cp)
{
    uint32_t hi, lo;
    if (!read_hex4(s, &hi))
        return fail(s, "invalid \\u escape");
    if (hi >= 0xdc00 && hi <= 0xdfff)
        return fail(s, "lone low surrogate");
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = hi;
        return TP_OK;
    }
    if (!accept(s, '\\') || !accept(s, 'u') || !read_hex4(s, &lo) || lo < 0xdc00 || lo > 0xdfff)
        return fail(s, "lone high surrogate");
    *cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    return TP_OK;
}

static tp_err parse_escape(scanner *s, tp_buf *decoded)
{
    static const char k_from[] = "\"\\/bfnrt", k_to[] = "\"\\/\b\f\n\r\t";
    uint8_t c;
    if (!tp_read_u8(&s->r, &c))
        return fail(s, "unterminated string");
    uint32_t cp = 0;
    const char *hit = c ? strchr(k_from, c) : NULL;
    if (hit) {
        cp = (uint8_t)k_to[hit - k_from];
    } else if (c == 'u') {
        tp_err rc = parse_unicode_escape(s, &cp);
        if (rc != TP_OK)
            return rc;
    } else {
        return fail(s, "invalid escape");
    }
    uint8_t utf8[4];
    size_t ulen = tp_utf8_encode(cp, utf8);
    if (decoded && !tp_buf_append(decoded, utf8, ulen))
        return tp_error_set(s->err, TP_ERR_NOMEM, "json: out of memory");
    return TP_OK;
}

/* A string; when decoded is non-NULL its unescaped bytes are appended there; *escaped
 * (optional) says whether it held an escape. */
static tp_err parse_string(scanner *s, tp_buf *decoded, int *escaped)
{
    if (!accept(s, '"'))
        return fail(s, "expected string");
    for (;;) {
        uint8_t c;
        if (!peek(s, &c))
            return fail(s, "unterminated string");
        if (c == '"') {
            tp_read_skip(&s->r, 1);
            return TP_OK;
        }
        if (c == '\\') {
            tp_read_skip(&s->r, 1);
            if (escaped)
                *escaped = 1;
            tp_err rc = parse_escape(s, decoded);
            if (rc != TP_OK)
                return rc;
            continue;
        }
        if (c < 0x20)
            return fail(s, "control character in string");
        /* A run of plain ASCII (no quote, backslash or control character) in one step:
         * each such byte is a whole UTF-8 character by itself. */
        const uint8_t *run = tp_reader_data(&s->r);
        size_t k = 0, left = tp_reader_left(&s->r);
        while (k < left && run[k] >= 0x20 && run[k] < 0x80 && run[k] != '"' && run[k] != '\\')
            k++;
        if (k > 0) {
            if (decoded && !tp_buf_append(decoded, run, k))
                return tp_error_set(s->err, TP_ERR_NOMEM, "json: out of memory");
            tp_read_skip(&s->r, k);
            continue;
        }
        size_t i = 0;
        uint32_t cp;
        if (!tp_utf8_next(tp_reader_data(&s->r), tp_reader_left(&s->r), &i, &cp))
            return fail(s, "invalid UTF-8");
        const uint8_t *bytes = tp_reader_data(&s->r);
        tp_read_bytes(&s->r, i, &bytes);
        if (decoded && !tp_buf_append(decoded, bytes, i))
            return tp_error_set(s->err, TP_ERR_NOMEM, "json: out of memory");
    }
}

/* The common string, in line: printable ASCII without escapes up to its closing quote
 * (the reader at the opening one). 1 and past it; 0 and the reader unchanged for anything
 * else, which parse_string then reads (and judges). */
static inline int plain_string(scanner *s)
{
    const uint8_t *d = tp_reader_data(&s->r);
    size_t left = tp_reader_left(&s->r), k = 1;
    if (left == 0 || d[0] != '"')
        return 0;
    while (k < left && d[k] >= 0x20 && d[k] < 0x80 && d[k] != '"' && d[k] != '\\')
        k++;
    if (k == left || d[k] != '"')
        return 0;
    tp_read_skip(&s->r, k + 1);
    return 1;
}

static size_t skip_digits(scanner *s)
{
    const uint8_t *d = tp_reader_data(&s->r);
    size_t left = tp_reader_left(&s->r), count = 0;
    while (count < left && d[count] >= '0' && d[count] <= '9')
        count++;
    if (count > 0)
        tp_read_skip(&s->r, count);
    return count;
}

static tp_err parse_number(scanner *s)
{
    accept(s, '-');
    if (accept(s, '0')) {
        uint8_t c;
        if (peek(s, &c) && c >= '0' && c <= '9')
            return fail(s, "leading zero in number");
    } else if (skip_digits(s) == 0) {
        return fail(s, "invalid number");
    }
    if (accept(s, '.') && skip_digits(s) == 0)
        return fail(s, "invalid number fraction");
    if (accept(s, 'e') || accept(s, 'E')) {
        if (!accept(s, '+'))
            accept(s, '-');
        if (skip_digits(s) == 0)
            return fail(s, "invalid number exponent");
    }
    return TP_OK;
}

static tp_err parse_literal(scanner *s, const char *word, size_t n)
{
    const uint8_t *d = tp_reader_data(&s->r);
    if (tp_reader_left(&s->r) < n)
        return fail(s, "invalid literal");
    for (size_t i = 0; i < n; i++)
        if (d[i] != (uint8_t)word[i])
            return fail(s, "invalid literal");
    tp_read_skip(&s->r, n);
    return TP_OK;
}

static tp_err parse_value(scanner *s, int depth, const size_t *paths);

/* Selector j has matched paths[j] steps and has more to go. */
static int on_path(const scanner *s, const size_t *paths, size_t j)
{
    return paths[j] != NOT_ON_PATH && paths[j] < json_array_size(s->sel[j].selector);
}

/* Step `path` of selector j as an array index when it is one; -1 otherwise. */
static long long step_index(const scanner *s, size_t j, size_t path)
{
    const json_t *step = json_array_get(s->sel[j].selector, path);
    if (json_is_integer(step))
        return json_integer_value(step) >= 0 ? json_integer_value(step) : -1;
    if (!json_is_string(step) || json_string_length(step) == 0 ||
        json_string_length(step) > 15 ||
        (json_string_length(step) > 1 && json_string_value(step)[0] == '0'))
        return -1; /* no leading zeros: "01" is a name, not an index */
    long long v = 0;
    for (const char *c = json_string_value(step); *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (*c - '0');
    }
    return v;
}

static int key_matches_step(const scanner *s, size_t j, size_t path, const uint8_t *key,
                            size_t len)
{
    const json_t *step = json_array_get(s->sel[j].selector, path);
    return json_is_string(step) && json_string_length(step) == len &&
           (len == 0 || memcmp(json_string_value(step), key, len) == 0);
}

/* Scratch for the children of one container: per selector, the steps matched by the child
 * (child) and, for arrays, the index the selector wants there (want). */
typedef struct child_paths {
    size_t *child;
    long long *want;
} child_paths;

static tp_err child_paths_init(scanner *s, const size_t *paths, child_paths *cp)
{
    cp->child = NULL;
    cp->want = NULL;
    if (paths == NULL)
        return TP_OK;
    cp->child = calloc(s->n_sel, sizeof(*cp->child));
    cp->want = calloc(s->n_sel, sizeof(*cp->want));
    if (cp->child == NULL || cp->want == NULL)
        return tp_error_set(s->err, TP_ERR_NOMEM, "json: out of memory");
    for (size_t j = 0; j < s->n_sel; j++)
        cp->want[j] = on_path(s, paths, j) ? step_index(s, j, paths[j]) : -1;
    return TP_OK;
}

static void child_paths_free(child_paths *cp)
{
    if (cp->child == NULL && cp->want == NULL) /* off every selector's path: the common case */
        return;
    free(cp->child);
    free(cp->want);
}

/* The paths of an array element (index i) or object member (key), or NULL when none. */
static inline const size_t *element_paths(const scanner *s, const size_t *paths, child_paths *cp,
                                   long long i, const uint8_t *key, size_t key_len)
{
    if (paths == NULL)
        return NULL;
    int any = 0;
    for (size_t j = 0; j < s->n_sel; j++) {
        int match = on_path(s, paths, j) &&
                    (key ? key_matches_step(s, j, paths[j], key, key_len) : cp->want[j] == i);
        cp->child[j] = match ? paths[j] + 1 : NOT_ON_PATH;
        any |= match;
    }
    return any ? cp->child : NULL;
}

static tp_err parse_array(scanner *s, int depth, const size_t *paths)
{
    tp_read_skip(&s->r, 1); /* '[' */
    skip_ws(s);
    if (accept(s, ']'))
        return TP_OK;
    child_paths cp;
    tp_err rc = child_paths_init(s, paths, &cp);
    for (long long i = 0; rc == TP_OK; i++) {
        rc = parse_value(s, depth, element_paths(s, paths, &cp, i, NULL, 0));
        if (rc != TP_OK)
            break;
        skip_ws(s);
        if (accept(s, ']'))
            break;
        if (!accept(s, ','))
            rc = fail(s, "expected ',' or ']'");
    }
    child_paths_free(&cp);
    return rc;
}

/* Objects with at most this many members are checked for duplicates pair by pair. */
#define TP_JSON_SMALL_OBJECT 8

static int compare_keys(const void *a, const void *b)
{
    const key_ref *ka = a, *kb = b;
    size_t n = ka->len < kb->len ? ka->len : kb->len;
    int c = n ? memcmp(ka->p, kb->p, n) : 0;
    if (c != 0)
        return c;
    return ka->len < kb->len ? -1 : ka->len > kb->len;
}

static tp_err check_duplicates(scanner *s, key_ref *keys, size_t n, const tp_buf *arena)
{
    for (size_t i = 0; arena->len > 0 && i < n; i++)
        if (keys[i].in_arena) /* the arena may have moved while it grew */
            keys[i].p = arena->data + keys[i].off;
    if (n <= TP_JSON_SMALL_OBJECT) { /* every pair: cheaper than sorting a few keys */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (keys[j].len == keys[i].len && compare_keys(&keys[j], &keys[i]) == 0)
                    return fail(s, "duplicate object member name (ambiguous)");
        return TP_OK;
    }
    qsort(keys, n, sizeof(*keys), compare_keys);
    for (size_t i = 1; i < n; i++)
        if (compare_keys(&keys[i - 1], &keys[i]) == 0)
            return fail(s, "duplicate object member name (ambiguous)");
    return TP_OK;
}

static tp_err parse_member(scanner *s, int depth, const size_t *paths, child_paths *cp,
                           tp_buf *arena, key_ref *key)
{
    skip_ws(s);
    /* A key without escapes is its own bytes in the input; only one with escapes is decoded
     * (into the arena), by parsing it again. */
    tp_reader at = s->r;
    int escaped = 0;
    tp_err rc = plain_string(s) ? TP_OK : parse_string(s, NULL, &escaped);
    if (rc != TP_OK)
        return rc;
    const uint8_t *raw = tp_reader_data(&at) + 1;
    size_t raw_len = (size_t)(tp_reader_data(&s->r) - raw) - 1;
    *key = (key_ref){.p = raw, .len = raw_len};
    if (escaped) {
        s->r = at;
        key->in_arena = 1;
        key->off = arena->len;
        if ((rc = parse_string(s, arena, NULL)) != TP_OK)
            return rc;
        key->len = arena->len - key->off;
    }
    skip_ws(s);
    if (!accept(s, ':'))
        return fail(s, "expected ':'");
    const uint8_t *name = !key->in_arena ? raw : arena->data ? arena->data + key->off : (const uint8_t *)"";
    return parse_value(s, depth, element_paths(s, paths, cp, -1, name, key->len));
}

/* Doubles the key array; the first one is the caller's (on its stack), never freed here. */
static tp_err grow_keys(scanner *s, key_ref **keys, size_t *cap, key_ref *first)
{
    size_t ncap = *cap * 2;
    key_ref *grown = realloc(*keys == first ? NULL : *keys, ncap * sizeof(**keys));
    if (grown == NULL)
        return tp_error_set(s->err, TP_ERR_NOMEM, "json: out of memory");
    if (*keys == first)
        memcpy(grown, first, *cap * sizeof(**keys));
    *keys = grown;
    *cap = ncap;
    return TP_OK;
}

static tp_err parse_object(scanner *s, int depth, const size_t *paths)
{
    tp_read_skip(&s->r, 1); /* '{' */
    skip_ws(s);
    if (accept(s, '}'))
        return TP_OK;
    tp_buf arena = TP_BUF_INIT;
    key_ref first[TP_JSON_SMALL_OBJECT];
    key_ref *keys = first;
    size_t n = 0, cap = TP_JSON_SMALL_OBJECT;
    child_paths cp;
    tp_err rc = child_paths_init(s, paths, &cp);
    while (rc == TP_OK) {
        if (n == cap && (rc = grow_keys(s, &keys, &cap, first)) != TP_OK)
            break;
        if ((rc = parse_member(s, depth, paths, &cp, &arena, &keys[n])) != TP_OK)
            break;
        n++;
        skip_ws(s);
        if (accept(s, '}')) {
            rc = check_duplicates(s, keys, n, &arena);
            break;
        }
        if (!accept(s, ','))
            rc = fail(s, "expected ',' or '}'");
    }
    child_paths_free(&cp);
    if (keys != first)
        free(keys);
    if (arena.data != NULL) /* only keys with escapes were decoded into it */
        tp_buf_free(&arena);
    return rc;
}

static void record_matches(scanner *s, const size_t *paths, size_t start)
{
    for (size_t j = 0; paths && j < s->n_sel; j++) {
        if (paths[j] == json_array_size(s->sel[j].selector)) {
            s->sel[j].found = 1;
            s->sel[j].off = start;
            s->sel[j].len = pos(s) - start;
        }
    }
}

static tp_err parse_value(scanner *s, int depth, const size_t *paths)
{
    skip_ws(s);
    size_t start = paths ? pos(s) : 0;
    uint8_t c;
    tp_err rc;
    if (!peek(s, &c))
        return fail(s, "unexpected end of document");
    if ((c == '{' || c == '[') && depth >= TP_JSON_MAX_DEPTH)
        return fail(s, "nesting too deep");
    if (c == '{')
        rc = parse_object(s, depth + 1, paths);
    else if (c == '[')
        rc = parse_array(s, depth + 1, paths);
    else if (c == '"')
        rc = plain_string(s) ? TP_OK : parse_string(s, NULL, NULL);
    else if (c == '-' || (c >= '0' && c <= '9'))
        rc = parse_number(s);
    else if (c == 't')
        rc = parse_literal(s, "true", 4);
    else if (c == 'f')
        rc = parse_literal(s, "false", 5);
    else if (c == 'n')
        rc = parse_literal(s, "null", 4);
    else
        return fail(s, "unexpected character");
    if (rc == TP_OK && paths)
        record_matches(s, paths, start);
    return rc;
}

tp_err tp_json_select_many(const uint8_t *p, size_t n, tp_json_match *sel, size_t count,
                           tp_error *err)
{
    scanner s;
    memset(&s, 0, sizeof(s));
    tp_reader_init(&s.r, p, n);
    s.n = n;
    s.sel = sel;
    s.n_sel = count;
    s.err = err;
    for (size_t j = 0; j < count; j++) {
        if (!json_is_array(sel[j].selector))
            return tp_error_set(err, TP_ERR_ARG, "json: selector is not an array");
        sel[j].found = 0;
        sel[j].off = sel[j].len = 0;
    }
    size_t *start = count ? calloc(count, sizeof(*start)) : NULL; /* every selector at step 0 */
    if (count && start == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "json: out of memory");
    tp_err rc = parse_value(&s, 0, start);
    free(start);
    if (rc != TP_OK)
        return rc;
    skip_ws(&s);
    if (tp_reader_left(&s.r) != 0)
        return fail(&s, "data after the document");
    return TP_OK;
}

tp_err tp_json_validate(const uint8_t *p, size_t n, tp_error *err)
{
    return tp_json_select_many(p, n, NULL, 0, err);
}

tp_err tp_json_select(const uint8_t *p, size_t n, const json_t *selector, size_t *off,
                      size_t *len, tp_error *err)
{
    tp_json_match m = {selector, 0, 0, 0};
    tp_err rc = tp_json_select_many(p, n, &m, 1, err);
    if (rc != TP_OK)
        return rc;
    if (!m.found) {
        char path[160];
        tp_json_selector_str(selector, path, sizeof(path));
        return tp_error_set(err, TP_ERR_SELECTOR, "selector %s not found", path);
    }
    *off = m.off;
    *len = m.len;
    return TP_OK;
}

void tp_json_selector_str(const json_t *selector, char *out, size_t out_size)
{
    size_t used = 0;
    if (out_size == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(selector) && used < out_size; i++) {
        const json_t *step = json_array_get(selector, i);
        const char *sep = i ? "." : "";
        int w = json_is_integer(step)
                    ? snprintf(out + used, out_size - used, "%s%" JSON_INTEGER_FORMAT, sep,
                               json_integer_value(step))
                    : snprintf(out + used, out_size - used, "%s%s", sep,
                               json_is_string(step) ? json_string_value(step) : "?");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (json_array_size(selector) == 0)
        snprintf(out, out_size, "(root)");
}
