/* Strict HTTP/1.1 message parser over decrypted bytes (RFC 9112), with chunked transfer
 * decoding and content decoding (gzip, deflate, br, zstd). Spans point into the input. */
#ifndef TP_HTTP_HTTP_H
#define TP_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

typedef struct tp_span {
    const uint8_t *p;
    size_t len;
} tp_span;

typedef struct tp_http_header {
    tp_span name;
    tp_span value; /* surrounding whitespace trimmed */
} tp_http_header;

typedef struct tp_http_message {
    /* request line */
    tp_span method;
    tp_span target;
    /* status line */
    int status;
    tp_span reason;
    int minor_version;          /* HTTP/1.x */
    tp_http_header *headers;    /* owned array; spans into the input */
    size_t n_headers;
    tp_span body;               /* the de-chunked, content-decoded body: the input's own bytes
                                 * when it is neither chunked nor encoded (no copy), else
                                 * body_store's */
    tp_buf body_store;          /* owned bytes of a de-chunked or decoded body */
    size_t consumed;            /* input bytes that made up the whole message */
} tp_http_message;

/* Parses one complete message from the start of p. Returns TP_ERR_HTTP_INCOMPLETE when
 * more bytes are needed (callers reading a live stream use this to know when to stop).
 * For responses, stream_closed_cleanly says the stream ended with a close_notify: only
 * then is a body delimited by connection close accepted (anything else may be truncated). */
tp_err tp_http_parse_request(const uint8_t *p, size_t n, tp_http_message *out, tp_error *err);
tp_err tp_http_parse_response(const uint8_t *p, size_t n, int stream_closed_cleanly,
                              tp_http_message *out, tp_error *err);
/* Same, for the response to a request of the given method (NUL-terminated, e.g. "HEAD"):
 * a response to HEAD has no body whatever its framing headers say. tp_http_parse_response
 * is this with request_method NULL (a method whose responses may have a body). */
tp_err tp_http_parse_response_for(const uint8_t *p, size_t n, const char *request_method,
                                  int stream_closed_cleanly, tp_http_message *out,
                                  tp_error *err);

/* A response being received, scanned as it grows without reading its body into memory:
 * zero it, then call tp_http_response_scan on the bytes so far after each read. */
typedef struct tp_http_scan {
    size_t body_start;          /* 0 until the head is whole, then where the body starts */
    size_t pos;                 /* chunked: where the next chunk-size line starts */
    size_t length;              /* Content-Length; chunked: the chunk data so far */
    int framing;                /* how the body ends (http_parse.c) */
} tp_http_scan;

/* 1 when p[0..n) (the bytes of the last call and more) holds a whole response to a request
 * of request_method (NULL: one whose responses may have a body), or one that can never
 * become whole (a malformed head or chunk, a limit: tp_http_parse_response_for then names
 * the error); 0 while more bytes may complete it (a body delimited by close: until the
 * stream ends). The head is parsed until it is whole; after that each chunk-size line is
 * read once over all calls, and body bytes are not read at all: O(n) in all. */
int tp_http_response_scan(tp_http_scan *s, const uint8_t *p, size_t n, const char *request_method);

/* Limits. A body (before and after content decoding) may not exceed TP_HTTP_MAX_BODY. */
#define TP_HTTP_MAX_HEADERS 100
#define TP_HTTP_MAX_HEADER_SECTION (64u * 1024u)
#define TP_HTTP_MAX_BODY (16u * 1024u * 1024u)

/* Semantics (RFC 9112): HTTP/1.1 and HTTP/1.0 only; field lines end in CR LF; obs-fold,
 * bare CR, bare LF and NUL are rejected; Content-Length is digits only (identical
 * duplicates allowed, conflicting ones rejected); Content-Length together with
 * Transfer-Encoding is rejected, and the only transfer coding accepted is "chunked"
 * (chunk extensions skipped, trailer fields validated and discarded); 1xx interim
 * responses (except 101, rejected) are skipped; 204, 304 and responses to HEAD have no
 * body; Content-Encoding (gzip, x-gzip, deflate, br, zstd, identity, stacked) is
 * removed from the body (the 16 MiB cap makes decompression bombs fail with
 * TP_ERR_LIMIT; an unknown or corrupt coding is TP_ERR_ENCODING). A 1.x request without
 * framing headers has an empty body. Messages after `consumed` (pipelining) are left alone.
 * On any failure *out is left empty (safe to free). */

/* 1 when value (an Accept-Encoding field value) is a non-empty comma-separated list of
 * content codings this decoder handles, without parameters; 0 otherwise. */
int tp_http_accept_encoding_ok(const char *value);

/* Case-insensitive lookup: the first header of that name, or NULL. */
const tp_http_header *tp_http_header_find(const tp_http_message *m, const char *name);
/* Number of headers with that name. */
size_t tp_http_header_count(const tp_http_message *m, const char *name);
void tp_http_message_free(tp_http_message *m);

#endif
