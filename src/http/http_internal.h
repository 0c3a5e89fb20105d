/* Internal to src/http: line reading shared by the message parser and the chunked decoder,
 * and the content decoder. */
#ifndef TP_HTTP_INTERNAL_H
#define TP_HTTP_INTERNAL_H

#include "http/http.h"

/* Reads one line ending in CR LF from r into *line (without the CR LF). Rejects NUL, a CR
 * not followed by LF and a bare LF (TP_ERR_HTTP). TP_ERR_HTTP_INCOMPLETE when no line end
 * is within the input; TP_ERR_LIMIT when the line would exceed max_len bytes. */
tp_err tp_http_read_line(tp_reader *r, size_t max_len, tp_span *line, tp_error *err);

/* Parses field lines up to and including the empty line (header section or trailer
 * section). Appends to *headers / *n (max TP_HTTP_MAX_HEADERS in all); *budget is the
 * number of bytes the section may still use and is decreased. */
tp_err tp_http_read_fields(tp_reader *r, size_t *budget, tp_http_header **headers, size_t *n,
                           tp_error *err);

/* Reads a chunked body from r (positioned at the first chunk-size) into body. */
tp_err tp_http_read_chunked(tp_reader *r, tp_buf *body, tp_error *err);
/* Reads one chunk (r at its chunk-size line): its data appended to body, or only skipped
 * when body is NULL; so_far is the chunk data before it (TP_ERR_LIMIT past
 * TP_HTTP_MAX_BODY); *size is its size, 0 for the last chunk, whose trailer section is read
 * too. */
tp_err tp_http_read_chunk(tp_reader *r, tp_buf *body, size_t so_far, size_t *size, tp_error *err);

/* Removes the message's Content-Encoding codings (in reverse order of application) from
 * m->body, capping the decoded size at TP_HTTP_MAX_BODY. */
tp_err tp_http_decode_content(tp_http_message *m, tp_error *err);

/* Calls fn on each non-empty element of a comma-separated list value (OWS trimmed). */
typedef tp_err (*tp_http_element_fn)(tp_span el, void *ctx, tp_error *err);
tp_err tp_http_for_each_element(tp_span v, tp_http_element_fn fn, void *ctx, tp_error *err);

/* Case-insensitive comparison of a span with a C string. */
int tp_span_eq_nocase(tp_span s, const char *str);

#endif
