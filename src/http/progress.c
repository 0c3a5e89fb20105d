/* Whether a response read from a live stream is whole yet (see http.h), without parsing
 * everything again on every read: the head once, then the framing it announced. Only the
 * end of a message is ever decided by the full parser (tp_http_parse_response_for), so what
 * counts as whole is exactly what it accepts; this walk only skips the calls that could
 * only say "incomplete". */
#include "http/http_internal.h"

#include "base/codec.h"

#include <string.h>

/* A chunk-size line longer than this is left to the full parser (it has its own limit). */
#define PROGRESS_CHUNK_LINE_MAX 4096

void tp_http_progress_init(tp_http_progress *pr, const char *request_method)
{
    memset(pr, 0, sizeof(*pr));
    pr->method = request_method;
}

size_t tp_http_progress_expected(const tp_http_progress *pr)
{
    if (!pr->have_head || pr->framing.kind != TP_HTTP_FRAMING_LENGTH)
        return 0;
    return pr->framing.head_len + pr->framing.length;
}

static int full_parse_complete(const tp_http_progress *pr, const uint8_t *p, size_t n)
{
    tp_http_message m;
    tp_err rc = tp_http_parse_response_for(p, n, pr->method, 0, &m, NULL);
    tp_http_message_free(&m);
    return rc != TP_ERR_HTTP_INCOMPLETE;
}

/* A byte the full parser refuses in a chunk extension (and CR, LF and NUL end it). */
static int ext_stop(uint8_t c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

/* The chunk-size line at p[0..n): 1 with *size and *line_len (CR LF included) when it is
 * hex digits, optionally ';' and an extension, then CR LF; 0 when incomplete; -1 when it is
 * anything else or nears the line limit (the full parser decides). Exact in both cases:
 * 0 only where the full parser too would still wait. */
static int chunk_line(const uint8_t *p, size_t n, size_t *size, size_t *line_len)
{
    size_t i = 0, v = 0;
    for (; i < n && tp_hex_digit(p[i]) >= 0; i++) {
        v = v * 16 + (size_t)tp_hex_digit(p[i]);
        if (v > TP_HTTP_MAX_BODY)
            return -1;
    }
    if (i == 0)
        return n == 0 ? 0 : -1;
    if (i < n && p[i] == ';')
        while (i < n && !ext_stop(p[i]))
            i++;
    if (i + 2 > PROGRESS_CHUNK_LINE_MAX)
        return -1;
    if (i + 2 > n)
        return i < n && p[i] != '\r' ? -1 : 0;
    if (p[i] != '\r' || p[i + 1] != '\n')
        return -1;
    *size = v;
    *line_len = i + 2;
    return 1;
}

static int chunked_complete(tp_http_progress *pr, const uint8_t *p, size_t n)
{
    for (;;) {
        size_t size = 0, line_len = 0;
        int got = chunk_line(p + pr->cursor, n - pr->cursor, &size, &line_len);
        if (got == 0)
            return 0;
        /* malformed, over the cap, or the last chunk (trailers, then the end) */
        if (got < 0 || size == 0 || size > TP_HTTP_MAX_BODY - pr->body)
            return full_parse_complete(pr, p, n);
        size_t data = pr->cursor + line_len;
        if (n - data < size + 2)
            return 0;
        if (p[data + size] != '\r' || p[data + size + 1] != '\n')
            return full_parse_complete(pr, p, n);
        pr->body += size;
        pr->cursor = data + size + 2;
    }
}

int tp_http_progress_complete(tp_http_progress *pr, const uint8_t *p, size_t n)
{
    if (!pr->have_head) {
        tp_err rc = tp_http_response_framing(p, n, pr->method, &pr->framing, NULL);
        if (rc == TP_ERR_HTTP_INCOMPLETE)
            return 0;
        if (rc != TP_OK)
            return 1;
        pr->have_head = 1;
        pr->cursor = pr->framing.head_len;
    }
    switch (pr->framing.kind) {
    case TP_HTTP_FRAMING_NONE:
        return 1;
    case TP_HTTP_FRAMING_LENGTH:
        return n - pr->framing.head_len >= pr->framing.length;
    case TP_HTTP_FRAMING_CHUNKED:
        return chunked_complete(pr, p, n);
    case TP_HTTP_FRAMING_CLOSE:
        break;
    }
    return 0; /* until the stream ends */
}
