/* Strict HTTP/1.1 message parsing (RFC 9112): start line, field lines, message framing.
 * Every byte is read through a tp_reader or with an index checked against a span length. */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_INTERIM_RESPONSES 16

typedef enum { MSG_REQUEST, MSG_RESPONSE } msg_kind;
typedef enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE } body_kind;

static int is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* VCHAR / obs-text / SP / HTAB: what a field value or reason phrase may hold. */
static int is_text_char(uint8_t c) { return is_ows(c) || (c >= 0x21 && c != 0x7f); }

static uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

int tp_span_eq_nocase(tp_span s, const char *str)
{
    size_t n = strlen(str);
    if (s.len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s.p[i]) != ascii_lower((uint8_t)str[i]))
            return 0;
    return 1;
}

tp_err tp_http_read_line(tp_reader *r, size_t max_len, tp_span *line, tp_error *err)
{
    const uint8_t *d = tp_reader_data(r);
    size_t left = tp_reader_left(r);
    for (size_t i = 0; i < left; i++) {
        if (i + 2 > max_len)
            return tp_error_set(err, TP_ERR_LIMIT, "http: line exceeds %zu bytes", max_len);
        uint8_t c = d[i];
        if (c == '\n')
            return tp_error_set(err, TP_ERR_HTTP, "http: bare LF in message head");
        if (c == '\0')
            return tp_error_set(err, TP_ERR_HTTP, "http: NUL in message head");
        if (c != '\r')
            continue;
        if (i + 1 >= left)
            break;
        if (d[i + 1] != '\n')
            return tp_error_set(err, TP_ERR_HTTP, "http: bare CR in message head");
        const uint8_t *p;
        tp_read_bytes(r, i, &p);
        tp_read_skip(r, 2);
        line->p = p;
        line->len = i;
        return TP_OK;
    }
    return tp_error_set(err, TP_ERR_HTTP_INCOMPLETE, "http: message head incomplete");
}

static tp_err parse_field_line(tp_span line, tp_http_header *h, tp_error *err)
{
    if (line.len > 0 && is_ows(line.p[0]))
        return tp_error_set(err, TP_ERR_HTTP, "http: obsolete line folding rejected");
    size_t i = 0;
    while (i < line.len && is_tchar(line.p[i]))
        i++;
    if (i == 0 || i >= line.len || line.p[i] != ':')
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid field name");
    h->name.p = line.p;
    h->name.len = i;
    size_t start = i + 1, end = line.len;
    while (start < end && is_ows(line.p[start]))
        start++;
    while (end > start && is_ows(line.p[end - 1]))
        end--;
    for (size_t k = start; k < end; k++)
        if (!is_text_char(line.p[k]))
            return tp_error_set(err, TP_ERR_HTTP, "http: control character in field value");
    h->value.p = line.p + start;
    h->value.len = end - start;
    return TP_OK;
}

tp_err tp_http_read_fields(tp_reader *r, size_t *budget, tp_http_header **headers, size_t *n,
                           tp_error *err)
{
    for (;;) {
        tp_span line;
        tp_err rc = tp_http_read_line(r, *budget, &line, err);
        if (rc == TP_ERR_LIMIT)
            return tp_error_set(err, TP_ERR_LIMIT, "http: header section exceeds %u bytes",
                                TP_HTTP_MAX_HEADER_SECTION);
        if (rc != TP_OK)
            return rc;
        *budget -= line.len + 2;
        if (line.len == 0)
            return TP_OK;
        if (*n >= TP_HTTP_MAX_HEADERS)
            return tp_error_set(err, TP_ERR_LIMIT, "http: more than %d header fields",
                                TP_HTTP_MAX_HEADERS);
        tp_http_header h;
        if ((rc = parse_field_line(line, &h, err)) != TP_OK)
            return rc;
        tp_http_header *grown = realloc(*headers, (*n + 1) * sizeof(**headers));
        if (grown == NULL)
            return tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
        grown[*n] = h;
        *headers = grown;
        (*n)++;
    }
}

static tp_err parse_version(tp_span v, int *minor, tp_error *err)
{
    static const char prefix[] = "HTTP/1.";
    if (v.len != 8 || memcmp(v.p, prefix, 7) != 0 || (v.p[7] != '0' && v.p[7] != '1'))
        return tp_error_set(err, TP_ERR_HTTP, "http: unsupported HTTP version");
    *minor = v.p[7] - '0';
    return TP_OK;
}

/* The run of bytes from *pos satisfying pred; advances *pos past it. */
static tp_span take_while(tp_span s, size_t *pos, int (*pred)(uint8_t))
{
    size_t start = *pos;
    while (*pos < s.len && pred(s.p[*pos]))
        (*pos)++;
    tp_span out = {s.p + start, *pos - start};
    return out;
}

static int take_sp(tp_span s, size_t *pos)
{
    if (*pos >= s.len || s.p[*pos] != ' ')
        return 0;
    (*pos)++;
    return 1;
}

static int is_target_char(uint8_t c) { return c >= 0x21 && c <= 0x7e; }

static tp_err parse_request_line(tp_span line, tp_http_message *m, tp_error *err)
{
    size_t pos = 0;
    m->method = take_while(line, &pos, is_tchar);
    if (m->method.len == 0 || !take_sp(line, &pos))
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid request method");
    m->target = take_while(line, &pos, is_target_char);
    if (m->target.len == 0 || !take_sp(line, &pos))
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid request target");
    tp_span version = {line.p + pos, line.len - pos};
    return parse_version(version, &m->minor_version, err);
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static tp_err parse_status_line(tp_span line, tp_http_message *m, tp_error *err)
{
    if (line.len < 12 || line.p[8] != ' ')
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid status line");
    tp_span version = {line.p, 8};
    tp_err rc = parse_version(version, &m->minor_version, err);
    if (rc != TP_OK)
        return rc;
    if (!is_digit(line.p[9]) || !is_digit(line.p[10]) || !is_digit(line.p[11]) ||
        line.p[9] == '0')
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid status code");
    m->status = (line.p[9] - '0') * 100 + (line.p[10] - '0') * 10 + (line.p[11] - '0');
    size_t pos = 12;
    if (pos < line.len && !take_sp(line, &pos))
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid status line");
    m->reason = take_while(line, &pos, is_text_char);
    if (pos != line.len)
        return tp_error_set(err, TP_ERR_HTTP, "http: control character in reason phrase");
    return TP_OK;
}

static tp_err parse_head(tp_reader *r, msg_kind kind, tp_http_message *m, tp_error *err)
{
    size_t budget = TP_HTTP_MAX_HEADER_SECTION;
    tp_span line;
    tp_err rc = tp_http_read_line(r, budget, &line, err);
    if (rc == TP_ERR_LIMIT)
        return tp_error_set(err, TP_ERR_LIMIT, "http: start line too long");
    if (rc != TP_OK)
        return rc;
    budget -= line.len + 2;
    rc = kind == MSG_REQUEST ? parse_request_line(line, m, err) : parse_status_line(line, m, err);
    if (rc != TP_OK)
        return rc;
    return tp_http_read_fields(r, &budget, &m->headers, &m->n_headers, err);
}

tp_err tp_http_for_each_element(tp_span v, tp_http_element_fn fn, void *ctx, tp_error *err)
{
    size_t pos = 0;
    while (pos <= v.len) {
        size_t start = pos;
        while (pos < v.len && v.p[pos] != ',')
            pos++;
        size_t end = pos;
        while (start < end && is_ows(v.p[start]))
            start++;
        while (end > start && is_ows(v.p[end - 1]))
            end--;
        if (end > start) {
            tp_span el = {v.p + start, end - start};
            tp_err rc = fn(el, ctx, err);
            if (rc != TP_OK)
                return rc;
        }
        pos++;
    }
    return TP_OK;
}

struct cl_state {
    int present;
    uint64_t value;
};

static tp_err take_content_length(tp_span el, void *ctx, tp_error *err)
{
    struct cl_state *st = ctx;
    uint64_t v = 0;
    for (size_t i = 0; i < el.len; i++) {
        if (!is_digit(el.p[i]))
            return tp_error_set(err, TP_ERR_HTTP, "http: invalid Content-Length");
        v = v * 10 + (uint64_t)(el.p[i] - '0');
        if (v > TP_HTTP_MAX_BODY)
            return tp_error_set(err, TP_ERR_LIMIT, "http: Content-Length exceeds %u bytes",
                                TP_HTTP_MAX_BODY);
    }
    if (st->present && st->value != v)
        return tp_error_set(err, TP_ERR_HTTP, "http: conflicting Content-Length values");
    st->present = 1;
    st->value = v;
    return TP_OK;
}

static tp_err content_length(const tp_http_message *m, struct cl_state *st, tp_error *err)
{
    st->present = 0;
    st->value = 0;
    for (size_t i = 0; i < m->n_headers; i++) {
        if (!tp_span_eq_nocase(m->headers[i].name, "content-length"))
            continue;
        if (m->headers[i].value.len == 0)
            return tp_error_set(err, TP_ERR_HTTP, "http: empty Content-Length");
        tp_err rc = tp_http_for_each_element(m->headers[i].value, take_content_length, st, err);
        if (rc != TP_OK)
            return rc;
        if (!st->present)
            return tp_error_set(err, TP_ERR_HTTP, "http: invalid Content-Length");
    }
    return TP_OK;
}

static tp_err take_transfer_coding(tp_span el, void *ctx, tp_error *err)
{
    int *n_chunked = ctx;
    if (!tp_span_eq_nocase(el, "chunked") || *n_chunked > 0)
        return tp_error_set(err, TP_ERR_HTTP, "http: unsupported Transfer-Encoding");
    (*n_chunked)++;
    return TP_OK;
}

/* 1 when Transfer-Encoding is present; only exactly "chunked" is accepted. */
static tp_err transfer_encoding(const tp_http_message *m, int *present, tp_error *err)
{
    int n_chunked = 0;
    *present = 0;
    for (size_t i = 0; i < m->n_headers; i++) {
        if (!tp_span_eq_nocase(m->headers[i].name, "transfer-encoding"))
            continue;
        *present = 1;
        tp_err rc = tp_http_for_each_element(m->headers[i].value, take_transfer_coding, &n_chunked, err);
        if (rc != TP_OK)
            return rc;
    }
    if (*present && n_chunked != 1)
        return tp_error_set(err, TP_ERR_HTTP, "http: unsupported Transfer-Encoding");
    return TP_OK;
}

static int response_has_no_body(const tp_http_message *m, const char *request_method)
{
    if (request_method && strcmp(request_method, "HEAD") == 0)
        return 1;
    return (m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304;
}

static tp_err choose_framing(const tp_http_message *m, msg_kind kind, const char *method,
                             body_kind *bk, size_t *len, tp_error *err)
{
    *len = 0;
    if (kind == MSG_RESPONSE && response_has_no_body(m, method)) {
        *bk = BODY_NONE;
        return TP_OK;
    }
    int te;
    struct cl_state cl;
    tp_err rc = transfer_encoding(m, &te, err);
    if (rc == TP_OK)
        rc = content_length(m, &cl, err);
    if (rc != TP_OK)
        return rc;
    if (te && cl.present)
        return tp_error_set(err, TP_ERR_HTTP, "http: both Content-Length and Transfer-Encoding");
    if (te && m->minor_version == 0)
        return tp_error_set(err, TP_ERR_HTTP, "http: Transfer-Encoding in an HTTP/1.0 message");
    if (te)
        *bk = BODY_CHUNKED;
    else if (cl.present) {
        *bk = BODY_LENGTH;
        *len = (size_t)cl.value;
    } else
        *bk = kind == MSG_REQUEST ? BODY_NONE : BODY_CLOSE;
    return TP_OK;
}

/* The body as a view: the input's own bytes for a length- or close-delimited body, the
 * de-chunked copy in body_store for a chunked one. */
static tp_err read_body(tp_reader *r, body_kind bk, size_t len, int closed, tp_http_message *m,
                        tp_error *err)
{
    const uint8_t *p = NULL;
    switch (bk) {
    case BODY_NONE:
        return TP_OK;
    case BODY_LENGTH:
        if (!tp_read_bytes(r, len, &p))
            return tp_error_set(err, TP_ERR_HTTP_INCOMPLETE,
                                "http: body shorter than its Content-Length");
        break;
    case BODY_CHUNKED: {
        tp_err rc = tp_http_read_chunked(r, &m->body_store, err);
        p = m->body_store.data;
        len = m->body_store.len;
        if (rc != TP_OK)
            return rc;
        break;
    }
    case BODY_CLOSE:
        if (!closed)
            return tp_error_set(err, TP_ERR_HTTP_INCOMPLETE,
                                "http: body delimited by close without a clean close");
        len = tp_reader_left(r);
        if (len > TP_HTTP_MAX_BODY)
            return tp_error_set(err, TP_ERR_LIMIT, "http: body exceeds %u bytes",
                                TP_HTTP_MAX_BODY);
        tp_read_bytes(r, len, &p);
        break;
    }
    m->body.p = p;
    m->body.len = len;
    return TP_OK;
}

static void clear_head(tp_http_message *m)
{
    free(m->headers);
    tp_buf_free(&m->body_store);
    memset(m, 0, sizeof(*m));
}

/* Parses the head of the final response, skipping 1xx interim responses. */
static tp_err parse_final_response_head(tp_reader *r, tp_http_message *m, tp_error *err)
{
    for (int interim = 0;; interim++) {
        tp_err rc = parse_head(r, MSG_RESPONSE, m, err);
        if (rc != TP_OK)
            return rc;
        if (m->status >= 200)
            return TP_OK;
        if (m->status == 101)
            return tp_error_set(err, TP_ERR_HTTP, "http: protocol upgrade (101) not supported");
        if (interim >= MAX_INTERIM_RESPONSES)
            return tp_error_set(err, TP_ERR_LIMIT, "http: too many interim responses");
        clear_head(m);
    }
}

static tp_err parse_message(const uint8_t *p, size_t n, msg_kind kind, const char *method,
                            int closed, tp_http_message *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    tp_reader r;
    tp_reader_init(&r, p, n);
    tp_err rc = kind == MSG_REQUEST ? parse_head(&r, kind, out, err)
                                    : parse_final_response_head(&r, out, err);
    body_kind bk = BODY_NONE;
    size_t len = 0;
    if (rc == TP_OK)
        rc = choose_framing(out, kind, method, &bk, &len, err);
    if (rc == TP_OK)
        rc = read_body(&r, bk, len, closed, out, err);
    if (rc == TP_OK && out->body.len > 0)
        rc = tp_http_decode_content(out, err);
    if (rc != TP_OK) {
        clear_head(out);
        return rc;
    }
    out->consumed = n - tp_reader_left(&r);
    return TP_OK;
}

/* The chunked body from s->pos on, one chunk at a time; s->pos moves past each whole one. */
static int scan_chunks(tp_http_scan *s, const uint8_t *p, size_t n)
{
    tp_error err;
    for (;;) {
        tp_reader r;
        size_t size = 0;
        tp_reader_init(&r, p + s->pos, n - s->pos);
        tp_err rc = tp_http_read_chunk(&r, NULL, s->length, &size, &err);
        if (rc != TP_OK)
            return rc != TP_ERR_HTTP_INCOMPLETE;
        if (size == 0)
            return 1;
        s->pos = n - tp_reader_left(&r);
        s->length += size;
    }
}

int tp_http_response_scan(tp_http_scan *s, const uint8_t *p, size_t n, const char *request_method)
{
    if (s->body_start == 0) {
        tp_http_message m = {0};
        tp_reader r;
        tp_error err;
        body_kind bk = BODY_NONE;
        tp_reader_init(&r, p, n);
        tp_err rc = parse_final_response_head(&r, &m, &err);
        if (rc == TP_OK)
            rc = choose_framing(&m, MSG_RESPONSE, request_method, &bk, &s->length, &err);
        clear_head(&m);
        if (rc != TP_OK)
            return rc != TP_ERR_HTTP_INCOMPLETE;
        s->body_start = s->pos = n - tp_reader_left(&r);
        s->framing = (int)bk;
        if (bk == BODY_CHUNKED)
            s->length = 0; /* from now on: the chunk data so far */
    }
    switch ((body_kind)s->framing) {
    case BODY_NONE:
        return 1;
    case BODY_LENGTH:
        return n - s->body_start >= s->length;
    case BODY_CHUNKED:
        return scan_chunks(s, p, n);
    case BODY_CLOSE:
        break;
    }
    return 0;
}

tp_err tp_http_parse_request(const uint8_t *p, size_t n, tp_http_message *out, tp_error *err)
{
    return parse_message(p, n, MSG_REQUEST, NULL, 0, out, err);
}

tp_err tp_http_parse_response(const uint8_t *p, size_t n, int stream_closed_cleanly,
                              tp_http_message *out, tp_error *err)
{
    return parse_message(p, n, MSG_RESPONSE, NULL, stream_closed_cleanly, out, err);
}

tp_err tp_http_parse_response_for(const uint8_t *p, size_t n, const char *request_method,
                                  int stream_closed_cleanly, tp_http_message *out,
                                  tp_error *err)
{
    return parse_message(p, n, MSG_RESPONSE, request_method, stream_closed_cleanly, out, err);
}

const tp_http_header *tp_http_header_find(const tp_http_message *m, const char *name)
{
    for (size_t i = 0; i < m->n_headers; i++)
        if (tp_span_eq_nocase(m->headers[i].name, name))
            return &m->headers[i];
    return NULL;
}

size_t tp_http_header_count(const tp_http_message *m, const char *name)
{
    size_t count = 0;
    for (size_t i = 0; i < m->n_headers; i++)
        if (tp_span_eq_nocase(m->headers[i].name, name))
            count++;
    return count;
}

void tp_http_message_free(tp_http_message *m)
{
    if (m)
        clear_head(m);
}
