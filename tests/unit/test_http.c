/* Unit tests: strict HTTP/1.1 parsing, framing, smuggling shapes, content decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "http/http.h"

/* Brotli streams made once with libbrotlienc (quality 11 / 9), so the tests need only the
 * decoder: a JSON text, and 17 MiB of zeros (a decompression bomb). */
static const char k_br_plain[] =
    "{\"hello\":\"brotli world\",\"n\":[1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,6,7,8,9,10]}";
static const uint8_t k_br_json[] = {
    0x1b, 0x47, 0x00, 0xf8, 0xad, 0x0e, 0x6c, 0xb7, 0xd1, 0x4c, 0xac, 0x30, 0xc4, 0xa4,
    0x40, 0x2b, 0xdd, 0x53, 0xf4, 0xb5, 0xc8, 0x96, 0xdc, 0xde, 0x14, 0x73, 0xeb, 0x6b,
    0x16, 0x1d, 0x98, 0xae, 0x6e, 0x30, 0x36, 0x37, 0xad, 0x05, 0x42, 0xd7, 0x22, 0x69,
    0x6c, 0x6f, 0x5a, 0x92, 0x49, 0x76, 0xd9, 0x4a, 0x91, 0x90, 0x91, 0xf7, 0xb9, 0xc6,
    0x9e, 0x2c, 0x21, 0x05, 0x24, 0x16, 0x35, 0xe7, 0x61, 0xf0, 0x01};
static const uint8_t k_br_bomb[] = {
    0xcb, 0xff, 0xff, 0x3f, 0x00, 0x24, 0x00, 0xe2, 0xb1, 0x40, 0x72, 0xef, 0xff,
    0xf8, 0xff, 0xff, 0x07, 0x80, 0x04, 0x40, 0x1c, 0x16, 0x80, 0xee, 0xfd, 0x5f,
    0xfd, 0xff, 0x3f, 0x00, 0x09, 0x80, 0x38, 0x2c, 0x00, 0xdd, 0xfb, 0x07};

static tp_err parse_req(const char *s, tp_http_message *m)
{
    tp_error e;
    return tp_http_parse_request((const uint8_t *)s, strlen(s), m, &e);
}

static tp_err parse_resp(const char *s, int closed, tp_http_message *m)
{
    tp_error e;
    return tp_http_parse_response((const uint8_t *)s, strlen(s), closed, m, &e);
}

static void expect_req(const char *s, tp_err want)
{
    tp_http_message m;
    tp_err rc = parse_req(s, &m);
    if (rc != want)
        fail_msg("request %s: got %d want %d", s, rc, want);
    tp_http_message_free(&m);
}

static void expect_resp(const char *s, int closed, tp_err want)
{
    tp_http_message m;
    tp_err rc = parse_resp(s, closed, &m);
    if (rc != want)
        fail_msg("response %s: got %d want %d", s, rc, want);
    tp_http_message_free(&m);
}

static int span_is(tp_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void request_with_body_parses(void **state)
{
    (void)state;
    const char *s = "POST /api/x?y=1 HTTP/1.1\r\nHost: example.com\r\n"
                    "Content-Type:  application/json \r\nContent-Length: 5\r\n\r\nhelloEXTRA";
    tp_http_message m;
    assert_int_equal(parse_req(s, &m), TP_OK);
    assert_true(span_is(m.method, "POST"));
    assert_true(span_is(m.target, "/api/x?y=1"));
    assert_int_equal(m.minor_version, 1);
    assert_int_equal(m.n_headers, 3);
    assert_true(span_is(tp_http_header_find(&m, "content-type")->value, "application/json"));
    assert_int_equal(tp_http_header_count(&m, "HOST"), 1);
    assert_null(tp_http_header_find(&m, "cookie"));
    assert_int_equal(m.body.len, 5);
    assert_memory_equal(m.body.p, "hello", 5);
    assert_int_equal(m.consumed, strlen(s) - 5);
    tp_http_message_free(&m);
}

static void request_without_length_has_empty_body(void **state)
{
    (void)state;
    tp_http_message m;
    assert_int_equal(parse_req("GET / HTTP/1.0\r\nA: b\r\n\r\n", &m), TP_OK);
    assert_int_equal(m.minor_version, 0);
    assert_int_equal(m.body.len, 0);
    tp_http_message_free(&m);
}

static void malformed_heads_are_rejected(void **state)
{
    (void)state;
    expect_req("GET / HTTP/1.1\r\nA: b\r\n continued\r\n\r\n", TP_ERR_HTTP); /* obs-fold */
    expect_req("GET / HTTP/1.1\nA: b\r\n\r\n", TP_ERR_HTTP);                /* bare LF */
    expect_req("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", TP_ERR_HTTP);           /* bare CR */
    expect_req("GET / HTTP/1.1\r\nA : b\r\n\r\n", TP_ERR_HTTP); /* space before colon */
    expect_req("GET / HTTP/1.1\r\n: b\r\n\r\n", TP_ERR_HTTP);
    expect_req("GET / HTTP/2.0\r\n\r\n", TP_ERR_HTTP);
    expect_req("GET  / HTTP/1.1\r\n\r\n", TP_ERR_HTTP);
    expect_req("GET / HTTP/1.1 \r\n\r\n", TP_ERR_HTTP);
    expect_req("G(T / HTTP/1.1\r\n\r\n", TP_ERR_HTTP);
    expect_req("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", TP_ERR_HTTP);
    expect_resp("HTTP/1.1 20 OK\r\n\r\n", 1, TP_ERR_HTTP);
    expect_resp("HTTP/1.1 099 X\r\n\r\n", 1, TP_ERR_HTTP);
    expect_resp("HTTP/1.1 200 O\x7fK\r\n\r\n", 1, TP_ERR_HTTP);
    const char nul[] = "GET / HTTP/1.1\r\nA: \0\r\n\r\n";
    tp_http_message m;
    tp_error e;
    assert_int_equal(tp_http_parse_request((const uint8_t *)nul, sizeof(nul) - 1, &m, &e),
                     TP_ERR_HTTP);
    tp_http_message_free(&m);
}

static void smuggling_shapes_are_rejected(void **state)
{
    (void)state;
    expect_req("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
               "0\r\n\r\n",
               TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
               TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: 0x3\r\n\r\nabc", TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: \r\n\r\nabc", TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nContent-Length: ,\r\n\r\nabc", TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
               TP_ERR_HTTP);
    expect_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
               TP_ERR_HTTP);
    expect_req("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", TP_ERR_HTTP);
    /* identical duplicates are one length */
    expect_req("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc", TP_OK);
    expect_req("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", TP_ERR_LIMIT);
}

static void chunked_body_with_extensions_and_trailers(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
                    "5;name=\"v\"\r\nhello\r\n0006 ; x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
    tp_http_message m;
    assert_int_equal(parse_resp(s, 0, &m), TP_OK);
    assert_int_equal(m.status, 200);
    assert_true(span_is(m.reason, "OK"));
    assert_int_equal(m.body.len, 11);
    assert_memory_equal(m.body.p, "hello world", 11);
    assert_int_equal(m.consumed, strlen(s));
    assert_null(tp_http_header_find(&m, "x-trailer")); /* trailers are not merged */
    tp_http_message_free(&m);
}

static void bad_chunks_are_rejected(void **state)
{
    (void)state;
    const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const char *bodies[] = {"zz\r\nab\r\n0\r\n\r\n", "\r\n", "2\r\nabc\r\n0\r\n\r\n",
                            "-1\r\n", "2 x\r\nab\r\n0\r\n\r\n", "2;\x01\r\nab\r\n0\r\n\r\n"};
    char buf[256];
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        snprintf(buf, sizeof(buf), "%s%s", head, bodies[i]);
        expect_resp(buf, 1, TP_ERR_HTTP);
    }
    snprintf(buf, sizeof(buf), "%sffffffffffffffffffffff\r\n", head);
    expect_resp(buf, 1, TP_ERR_LIMIT);
    snprintf(buf, sizeof(buf), "%s1000001\r\n", head); /* 16 MiB + 1 */
    expect_resp(buf, 1, TP_ERR_LIMIT);
}

/* Every strict prefix of a complete message is incomplete, never an error or a success. */
static void every_prefix_is_incomplete(void **state)
{
    (void)state;
    const char *msgs[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"};
    for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
        size_t n = strlen(msgs[k]);
        for (size_t i = 0; i < n; i++) {
            tp_http_message m;
            tp_error e;
            tp_err rc = tp_http_parse_response((const uint8_t *)msgs[k], i, 0, &m, &e);
            if (rc != TP_ERR_HTTP_INCOMPLETE)
                fail_msg("message %zu prefix %zu: %d (%s)", k, i, rc, e.detail);
            tp_http_message_free(&m);
        }
        expect_resp(msgs[k], 0, TP_OK);
    }
}

/* The incremental scan says "whole" exactly when the full parse stops saying incomplete,
 * both fed one more byte at a time (one scan kept across calls) and fresh on each prefix. */
static void scan_agrees_with_the_parser(void **state)
{
    (void)state;
    const char *msgs[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n10\r\n0123456789abcdef\r\n"
        "0\r\nT: v\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", /* bad chunk end */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",     /* bad chunk size */
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", /* conflicting */
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",    /* never whole */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nFFFFFF\r\nx"}; /* limit */
    for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
        size_t n = strlen(msgs[k]);
        tp_http_scan kept = {0};
        for (size_t i = 0; i <= n; i++) {
            tp_http_message m;
            tp_http_scan fresh = {0};
            tp_err rc = tp_http_parse_response((const uint8_t *)msgs[k], i, 0, &m, NULL);
            tp_http_message_free(&m);
            int whole = rc != TP_ERR_HTTP_INCOMPLETE;
            if (tp_http_response_scan(&kept, (const uint8_t *)msgs[k], i, NULL) != whole ||
                tp_http_response_scan(&fresh, (const uint8_t *)msgs[k], i, NULL) != whole)
                fail_msg("message %zu prefix %zu: the scan says %swhole", k, i, whole ? "not " : "");
        }
    }
    /* A response to HEAD has no body, whatever its Content-Length says. */
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
    tp_http_scan sc = {0};
    assert_int_equal(tp_http_response_scan(&sc, (const uint8_t *)head, strlen(head), "HEAD"), 1);
}

static void close_delimited_body_needs_clean_close(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close";
    tp_http_message m;
    assert_int_equal(parse_resp(s, 1, &m), TP_OK);
    assert_int_equal(m.body.len, 11);
    tp_http_message_free(&m);
    expect_resp(s, 0, TP_ERR_HTTP_INCOMPLETE);
    expect_resp("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 1, TP_ERR_HTTP_INCOMPLETE);
}

static void interim_responses_are_skipped(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    tp_http_message m;
    assert_int_equal(parse_resp(s, 0, &m), TP_OK);
    assert_int_equal(m.status, 200);
    assert_null(tp_http_header_find(&m, "link"));
    assert_int_equal(m.consumed, strlen(s));
    tp_http_message_free(&m);
    expect_resp("HTTP/1.1 101 Switching Protocols\r\n\r\n", 1, TP_ERR_HTTP);
}

static void bodiless_responses(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    tp_http_message m;
    tp_error e;
    assert_int_equal(tp_http_parse_response_for((const uint8_t *)s, strlen(s), "HEAD", 0, &m, &e),
                     TP_OK);
    assert_int_equal(m.body.len, 0);
    assert_int_equal(m.consumed, strlen(s));
    tp_http_message_free(&m);
    expect_resp(s, 0, TP_ERR_HTTP_INCOMPLETE);
    expect_resp("HTTP/1.1 204 No Content\r\n\r\n", 0, TP_OK);
    expect_resp("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 0, TP_OK);
    expect_resp("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, TP_OK); /* no reason */
}

static void header_limits(void **state)
{
    (void)state;
    tp_buf b = TP_BUF_INIT;
    tp_buf_append_str(&b, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 101; i++) {
        char line[32];
        snprintf(line, sizeof(line), "H%d: v\r\n", i);
        tp_buf_append_str(&b, line);
    }
    tp_buf_append_str(&b, "\r\n");
    tp_http_message m;
    tp_error e;
    assert_int_equal(tp_http_parse_request(b.data, b.len, &m, &e), TP_ERR_LIMIT);
    tp_buf_reset(&b);
    tp_buf_append_str(&b, "GET / HTTP/1.1\r\nBig: ");
    for (int i = 0; i < 70000; i++)
        tp_buf_put_u8(&b, 'a');
    /* no line end yet: the limit is still seen */
    assert_int_equal(tp_http_parse_request(b.data, b.len, &m, &e), TP_ERR_LIMIT);
    tp_buf_free(&b);
}

static void pipelined_requests_consume_one(void **state)
{
    (void)state;
    const char *s = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    tp_http_message m;
    assert_int_equal(parse_req(s, &m), TP_OK);
    assert_int_equal(m.consumed, strlen(s) / 2);
    tp_http_message_free(&m);
}

/* --- content decoding --- */

static void zlib_compress(const void *in, size_t n, int window_bits, tp_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    assert_true(tp_buf_reserve(out, cap));
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out->len += cap - zs.avail_out;
    deflateEnd(&zs);
}

static void zstd_compress(const void *in, size_t n, tp_buf *out)
{
    size_t cap = ZSTD_compressBound(n);
    assert_true(tp_buf_reserve(out, cap));
    size_t got = ZSTD_compress(out->data + out->len, cap, in, n, 3);
    assert_false(ZSTD_isError(got));
    out->len += got;
}

/* A response with the given Content-Encoding and body, parsed from *msg (which the
 * message's spans point into: the caller frees it after the message). */
static tp_err parse_encoded(const char *coding, const tp_buf *body, tp_http_message *m,
                            tp_buf *msg_out)
{
    tp_buf msg = TP_BUF_INIT;
    char head[256];
    snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
             coding, body->len);
    tp_buf_append_str(&msg, head);
    tp_buf_append(&msg, body->data, body->len);
    tp_error e;
    tp_err rc = tp_http_parse_response(msg.data, msg.len, 0, m, &e);
    *msg_out = msg;
    return rc;
}

static void expect_decodes_to(const char *coding, const tp_buf *body, const char *plain)
{
    tp_http_message m;
    tp_buf msg;
    tp_err rc = parse_encoded(coding, body, &m, &msg);
    if (rc != TP_OK)
        fail_msg("coding %s: %d", coding, rc);
    assert_int_equal(m.body.len, strlen(plain));
    assert_memory_equal(m.body.p, plain, strlen(plain));
    tp_http_message_free(&m);
    tp_buf_free(&msg);
}

static void expect_decode_error(const char *coding, const tp_buf *body, tp_err want)
{
    tp_http_message m;
    tp_buf msg;
    tp_err rc = parse_encoded(coding, body, &m, &msg);
    if (rc != want)
        fail_msg("coding %s: got %d want %d", coding, rc, want);
    tp_http_message_free(&m);
    tp_buf_free(&msg);
}

static const char k_plain[] = "{\"account\":{\"owner\":\"Ada Lovelace\",\"balance\":1234.56}}";

static void each_content_coding_round_trips(void **state)
{
    (void)state;
    tp_buf gz = TP_BUF_INIT, zl = TP_BUF_INIT, raw = TP_BUF_INIT, zs = TP_BUF_INIT;
    tp_buf id = TP_BUF_INIT, br = TP_BUF_INIT;
    zlib_compress(k_plain, strlen(k_plain), 15 + 16, &gz);
    zlib_compress(k_plain, strlen(k_plain), 15, &zl);
    zlib_compress(k_plain, strlen(k_plain), -15, &raw);
    zstd_compress(k_plain, strlen(k_plain), &zs);
    tp_buf_append_str(&id, k_plain);
    tp_buf_append(&br, k_br_json, sizeof(k_br_json));
    expect_decodes_to("gzip", &gz, k_plain);
    expect_decodes_to("X-GZIP", &gz, k_plain);
    expect_decodes_to("deflate", &zl, k_plain);
    expect_decodes_to("deflate", &raw, k_plain);
    expect_decodes_to("zstd", &zs, k_plain);
    expect_decodes_to("identity", &id, k_plain);
    expect_decodes_to("br", &br, k_br_plain);
    /* two gzip members back to back */
    tp_buf two = TP_BUF_INIT;
    tp_buf_append(&two, gz.data, gz.len);
    tp_buf_append(&two, gz.data, gz.len);
    char doubled[sizeof(k_plain) * 2];
    snprintf(doubled, sizeof(doubled), "%s%s", k_plain, k_plain);
    expect_decodes_to("gzip", &two, doubled);
    /* stacked: gzip applied first, then zstd */
    tp_buf stacked = TP_BUF_INIT;
    zstd_compress(gz.data, gz.len, &stacked);
    expect_decodes_to("gzip, identity, zstd", &stacked, k_plain);
    tp_buf *all[] = {&gz, &zl, &raw, &zs, &id, &br, &two, &stacked};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tp_buf_free(all[i]);
}

static void corrupt_and_unknown_codings_fail(void **state)
{
    (void)state;
    tp_buf gz = TP_BUF_INIT, trunc = TP_BUF_INIT, junk = TP_BUF_INIT, zs = TP_BUF_INIT;
    zlib_compress(k_plain, strlen(k_plain), 15 + 16, &gz);
    tp_buf_append(&trunc, gz.data, gz.len - 5);
    tp_buf_append_str(&junk, "this is not compressed at all");
    zstd_compress(k_plain, strlen(k_plain), &zs);
    expect_decode_error("compress", &junk, TP_ERR_ENCODING);
    expect_decode_error("gzip", &trunc, TP_ERR_ENCODING);
    expect_decode_error("gzip", &junk, TP_ERR_ENCODING);
    expect_decode_error("br", &junk, TP_ERR_ENCODING);
    expect_decode_error("zstd", &junk, TP_ERR_ENCODING);
    zs.len -= 3;
    expect_decode_error("zstd", &zs, TP_ERR_ENCODING);
    tp_buf_append_str(&gz, "trailing");
    expect_decode_error("gzip", &gz, TP_ERR_ENCODING);
    tp_buf *all[] = {&gz, &trunc, &junk, &zs};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tp_buf_free(all[i]);
}

static void decompression_bombs_hit_the_cap(void **state)
{
    (void)state;
    size_t n = TP_HTTP_MAX_BODY + 1;
    uint8_t *zeros = calloc(1, n);
    assert_non_null(zeros);
    tp_buf gz = TP_BUF_INIT, zs = TP_BUF_INIT, br = TP_BUF_INIT, ok = TP_BUF_INIT;
    zlib_compress(zeros, n, 15 + 16, &gz);
    zstd_compress(zeros, n, &zs);
    zlib_compress(zeros, n - 1, 15 + 16, &ok); /* exactly the cap is fine */
    tp_buf_append(&br, k_br_bomb, sizeof(k_br_bomb));
    expect_decode_error("gzip", &gz, TP_ERR_LIMIT);
    expect_decode_error("zstd", &zs, TP_ERR_LIMIT);
    expect_decode_error("br", &br, TP_ERR_LIMIT);
    tp_http_message m;
    tp_buf msg;
    assert_int_equal(parse_encoded("gzip", &ok, &m, &msg), TP_OK);
    assert_int_equal(m.body.len, TP_HTTP_MAX_BODY);
    tp_http_message_free(&m);
    tp_buf_free(&msg);
    free(zeros);
    tp_buf *all[] = {&gz, &zs, &br, &ok};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tp_buf_free(all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_with_body_parses),
        cmocka_unit_test(request_without_length_has_empty_body),
        cmocka_unit_test(malformed_heads_are_rejected),
        cmocka_unit_test(smuggling_shapes_are_rejected),
        cmocka_unit_test(chunked_body_with_extensions_and_trailers),
        cmocka_unit_test(bad_chunks_are_rejected),
        cmocka_unit_test(every_prefix_is_incomplete),
        cmocka_unit_test(scan_agrees_with_the_parser),
        cmocka_unit_test(close_delimited_body_needs_clean_close),
        cmocka_unit_test(interim_responses_are_skipped),
        cmocka_unit_test(bodiless_responses),
        cmocka_unit_test(header_limits),
        cmocka_unit_test(pipelined_requests_consume_one),
        cmocka_unit_test(each_content_coding_round_trips),
        cmocka_unit_test(corrupt_and_unknown_codings_fail),
        cmocka_unit_test(decompression_bombs_hit_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
