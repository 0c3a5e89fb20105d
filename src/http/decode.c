/* Content decoding (RFC 9110 section 8.4): gzip / x-gzip, deflate (zlib, or raw deflate as
 * sent by some servers), br, zstd and identity, stacked in any order. The decoded size is
 * capped at TP_HTTP_MAX_BODY (decompression bombs fail with TP_ERR_LIMIT). */
#include "http/http_internal.h"

#include <brotli/decode.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_CHUNK (64u * 1024u)
#define MAX_CODINGS 8
#define ZSTD_WINDOW_LOG_MAX 23 /* 8 MiB, the limit RFC 8878 sets for HTTP */

typedef enum { CODING_IDENTITY, CODING_GZIP, CODING_DEFLATE, CODING_BR, CODING_ZSTD } coding;

static tp_err bomb(tp_error *err)
{
    return tp_error_set(err, TP_ERR_LIMIT, "http: decoded body exceeds %u bytes",
                        TP_HTTP_MAX_BODY);
}

static tp_err corrupt(tp_error *err, const char *name, const char *what)
{
    return tp_error_set(err, TP_ERR_ENCODING, "http: %s content coding: %s", name, what);
}

static int reserve_chunk(tp_buf *out) { return tp_buf_reserve(out, OUT_CHUNK); }

/* zlib family: window_bits selects gzip (31), zlib (15) or raw deflate (-15). gzip may
 * hold several members back to back. */
static tp_err inflate_all(const uint8_t *in, size_t n, int window_bits, tp_buf *out,
                          tp_error *err)
{
    const char *name = window_bits > 15 ? "gzip" : "deflate";
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return tp_error_set(err, TP_ERR_NOMEM, "http: zlib init failed");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n; /* n <= TP_HTTP_MAX_BODY */
    tp_err rc = TP_OK;
    for (;;) {
        if (!reserve_chunk(out)) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
            break;
        }
        zs.next_out = out->data + out->len;
        zs.avail_out = OUT_CHUNK;
        int z = inflate(&zs, Z_NO_FLUSH);
        out->len += OUT_CHUNK - zs.avail_out;
        if (out->len > TP_HTTP_MAX_BODY) {
            rc = bomb(err);
            break;
        }
        if (z == Z_STREAM_END && zs.avail_in == 0)
            break;
        if (z == Z_STREAM_END && window_bits > 15) {
            inflateReset(&zs); /* next gzip member */
            continue;
        }
        if (z == Z_STREAM_END) {
            rc = corrupt(err, name, "data after the end of the stream");
            break;
        }
        if (z != Z_OK) { /* Z_BUF_ERROR: no progress possible with output room left */
            rc = corrupt(err, name, zs.avail_in == 0 ? "truncated" : "corrupt data");
            break;
        }
    }
    inflateEnd(&zs);
    return rc;
}

/* RFC 9110 "deflate" is the zlib format; a body that does not start with a zlib header is
 * taken as raw deflate, as browsers do. */
static int looks_like_zlib(const uint8_t *in, size_t n)
{
    return n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && ((in[0] << 8) | in[1]) % 31 == 0;
}

static tp_err brotli_all(const uint8_t *in, size_t n, tp_buf *out, tp_error *err)
{
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (st == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "http: brotli init failed");
    size_t avail_in = n;
    const uint8_t *next_in = in;
    tp_err rc = TP_OK;
    for (;;) {
        if (!reserve_chunk(out)) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
            break;
        }
        size_t avail_out = OUT_CHUNK;
        uint8_t *next_out = out->data + out->len;
        BrotliDecoderResult res =
            BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        out->len += OUT_CHUNK - avail_out;
        if (out->len > TP_HTTP_MAX_BODY) {
            rc = bomb(err);
            break;
        }
        if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        if (res == BROTLI_DECODER_RESULT_SUCCESS && avail_in != 0)
            rc = corrupt(err, "br", "data after the end of the stream");
        else if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
            rc = corrupt(err, "br", "truncated");
        else if (res != BROTLI_DECODER_RESULT_SUCCESS)
            rc = corrupt(err, "br", "corrupt data");
        break;
    }
    BrotliDecoderDestroyInstance(st);
    return rc;
}

static tp_err zstd_all(const uint8_t *in, size_t n, tp_buf *out, tp_error *err)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (dc == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "http: zstd init failed");
    ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
    ZSTD_inBuffer ib = {in, n, 0};
    size_t hint = 1;
    tp_err rc = TP_OK;
    for (;;) {
        if (!reserve_chunk(out)) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
            break;
        }
        ZSTD_outBuffer ob = {out->data + out->len, OUT_CHUNK, 0};
        hint = ZSTD_decompressStream(dc, &ob, &ib);
        if (ZSTD_isError(hint)) {
            rc = corrupt(err, "zstd", "corrupt data");
            break;
        }
        out->len += ob.pos;
        if (out->len > TP_HTTP_MAX_BODY) {
            rc = bomb(err);
            break;
        }
        if (ib.pos == ib.size && ob.pos < ob.size) {
            if (hint != 0)
                rc = corrupt(err, "zstd", "truncated");
            break;
        }
    }
    ZSTD_freeDCtx(dc);
    return rc;
}

static tp_err decode_one(coding c, tp_span in, tp_buf *out, tp_error *err)
{
    switch (c) {
    case CODING_GZIP:
        return inflate_all(in.p, in.len, 15 + 16, out, err);
    case CODING_DEFLATE:
        return inflate_all(in.p, in.len, looks_like_zlib(in.p, in.len) ? 15 : -15, out, err);
    case CODING_BR:
        return brotli_all(in.p, in.len, out, err);
    case CODING_ZSTD:
        return zstd_all(in.p, in.len, out, err);
    case CODING_IDENTITY:
        break;
    }
    if (!tp_buf_append(out, in.p, in.len))
        return tp_error_set(err, TP_ERR_NOMEM, "http: out of memory");
    return TP_OK;
}

static tp_err coding_of(tp_span name, coding *c, tp_error *err)
{
    static const struct {
        const char *name;
        coding c;
    } k_codings[] = {{"identity", CODING_IDENTITY}, {"gzip", CODING_GZIP},
                     {"x-gzip", CODING_GZIP},       {"deflate", CODING_DEFLATE},
                     {"br", CODING_BR},             {"zstd", CODING_ZSTD}};
    for (size_t i = 0; i < sizeof(k_codings) / sizeof(k_codings[0]); i++) {
        if (tp_span_eq_nocase(name, k_codings[i].name)) {
            *c = k_codings[i].c;
            return TP_OK;
        }
    }
    return tp_error_set(err, TP_ERR_ENCODING, "http: unsupported content coding");
}

struct coding_list {
    coding items[MAX_CODINGS];
    size_t n;
};

static tp_err take_coding(tp_span name, void *ctx, tp_error *err)
{
    struct coding_list *list = ctx;
    if (list->n >= MAX_CODINGS)
        return tp_error_set(err, TP_ERR_LIMIT, "http: too many content codings");
    tp_err rc = coding_of(name, &list->items[list->n], err);
    if (rc == TP_OK)
        list->n++;
    return rc;
}

/* The codings of every Content-Encoding field, in the order they were applied. */
static tp_err list_codings(const tp_http_message *m, struct coding_list *list, tp_error *err)
{
    list->n = 0;
    for (size_t h = 0; h < m->n_headers; h++) {
        if (!tp_span_eq_nocase(m->headers[h].name, "content-encoding"))
            continue;
        tp_err rc = tp_http_for_each_element(m->headers[h].value, take_coding, list, err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

tp_err tp_http_decode_content(tp_http_message *m, tp_error *err)
{
    struct coding_list list;
    tp_err rc = list_codings(m, &list, err);
    for (size_t i = list.n; rc == TP_OK && i > 0; i--) {
        if (list.items[i - 1] == CODING_IDENTITY)
            continue;
        tp_buf decoded = TP_BUF_INIT;
        rc = decode_one(list.items[i - 1], m->body, &decoded, err);
        if (rc != TP_OK) {
            tp_buf_free(&decoded);
            break;
        }
        tp_buf_free(&m->body_store); /* the body was a view of it, or of the input */
        m->body_store = decoded;
        m->body.p = decoded.data;
        m->body.len = decoded.len;
    }
    return rc;
}

static tp_err known_coding(tp_span name, void *ctx, tp_error *err)
{
    coding c;
    (*(size_t *)ctx)++;
    return coding_of(name, &c, err);
}

int tp_http_accept_encoding_ok(const char *value)
{
    size_t n = 0;
    tp_span v = {(const uint8_t *)value, strlen(value)};
    return tp_http_for_each_element(v, known_coding, &n, NULL) == TP_OK && n > 0;
}
