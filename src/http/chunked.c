/* Chunked transfer coding (RFC 9112 section 7.1): chunk sizes, skipped chunk extensions,
 * chunk data and the trailer section (validated, then discarded). */
#include "http/http_internal.h"

#include "base/codec.h"

#include <stdlib.h>

#define CHUNK_LINE_MAX 4096

/* chunk-size [ BWS ";" chunk-ext ]: the size; extensions are only checked for stray
 * control characters. */
static tp_err parse_chunk_size(tp_span line, size_t *size, tp_error *err)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < line.len && tp_hex_digit(line.p[i]) >= 0) {
        v = v * 16 + (uint64_t)tp_hex_digit(line.p[i]);
        if (v > TP_HTTP_MAX_BODY)
            return tp_error_set(err, TP_ERR_LIMIT, "http: chunk size exceeds %u bytes",
                                TP_HTTP_MAX_BODY);
        i++;
    }
    if (i == 0)
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid chunk size");
    while (i < line.len && (line.p[i] == ' ' || line.p[i] == '\t'))
        i++;
    if (i < line.len && line.p[i] != ';')
        return tp_error_set(err, TP_ERR_HTTP, "http: invalid chunk size");
    for (; i < line.len; i++)
        if (line.p[i] != '\t' && (line.p[i] < 0x20 || line.p[i] == 0x7f))
            return tp_error_set(err, TP_ERR_HTTP, "http: control character in chunk extension");
    *size = (size_t)v;
    return TP_OK;
}

static tp_err read_trailers(tp_reader *r, tp_error *err)
{
    size_t budget = TP_HTTP_MAX_HEADER_SECTION;
    tp_http_header *trailers = NULL;
    size_t n = 0;
    tp_err rc = tp_http_read_fields(r, &budget, &trailers, &n, err);
    free(trailers);
    return rc;
}

static tp_err read_chunk_data(tp_reader *r, size_t size, size_t so_far, tp_buf *body, tp_error *err)
{
    if (size > TP_HTTP_MAX_BODY - so_far)
        return tp_error_set(err, TP_ERR_LIMIT, "http: chunked body exceeds %u bytes",
                            TP_HTTP_MAX_BODY);
    const uint8_t *data, *crlf;
    if (!tp_read_bytes(r, size, &data))
        return tp_error_set(err, TP_ERR_HTTP_INCOMPLETE, "http: chunk data incomplete");
    if (!tp_read_bytes(r, 2, &crlf))
        return tp_error_set(err, TP_ERR_HTTP_INCOMPLETE, "http: chunk data incomplete");
    if (crlf[0] != '\r' || crlf[1] != '\n')
        return tp_error_set(err, TP_ERR_HTTP, "http: chunk data not followed by CRLF");
    if (body != NULL && !tp_buf_append(body, data, size))
        return tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
    return TP_OK;
}

tp_err tp_http_read_chunk(tp_reader *r, tp_buf *body, size_t so_far, size_t *size, tp_error *err)
{
    tp_span line;
    tp_err rc = tp_http_read_line(r, CHUNK_LINE_MAX, &line, err);
    if (rc == TP_ERR_LIMIT)
        return tp_error_set(err, TP_ERR_HTTP, "http: chunk size line too long");
    if (rc != TP_OK)
        return rc;
    *size = 0;
    if ((rc = parse_chunk_size(line, size, err)) != TP_OK)
        return rc;
    return *size == 0 ? read_trailers(r, err) : read_chunk_data(r, *size, so_far, body, err);
}

tp_err tp_http_read_chunked(tp_reader *r, tp_buf *body, tp_error *err)
{
    for (;;) {
        size_t size = 0;
        tp_err rc = tp_http_read_chunk(r, body, body->len, &size, err);
        if (rc != TP_OK || size == 0)
            return rc;
    }
}
