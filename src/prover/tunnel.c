/* The prover's own TLS session with the target (1.3 preferred, 1.2 with ECDHE + AEAD),
 * carried in DATA frames through the notary's tunnel (OpenSSL reads the frames' bytes where
 * the channel decoded them, through a source BIO; it writes into a memory BIO), with the
 * ephemeral key captured for revealing (1.3 key share, the second ClientHello's after a
 * HelloRetryRequest, or the 1.2 ClientKeyExchange key, through tls/keycapture.c). */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "http/http.h"
#include "prover/prover_int.h"
#include "tls/client.h"
#include "tls/keycapture.h"
#include "tls/transcript.h"

/* What OpenSSL reads from the target: the current DATA frame's bytes, in place in the
 * channel's decoder (no copy into a memory BIO), after any left over from earlier frames. */
typedef struct tunnel_source {
    const uint8_t *in;  /* unread bytes of the current frame (valid until the next recv) */
    size_t in_len;
    tp_buf carry;       /* unread bytes of earlier frames (TLS records: public) */
    size_t carry_pos;
    int eof;            /* the notary reported the target closed */
} tunnel_source;

typedef struct pump {
    tp_channel *chan;
    SSL *ssl;
    tunnel_source src; /* bytes from the target (the ssl's read BIO reads them) */
    BIO *wbio;   /* bytes to the target, owned by ssl */
    const char *groups; /* the user's --tls-groups, or NULL */
} pump;

static size_t take(const uint8_t **from, size_t *from_len, uint8_t *out, size_t want)
{
    size_t n = *from_len < want ? *from_len : want;
    if (n > 0) {
        memcpy(out, *from, n);
        *from += n;
        *from_len -= n;
    }
    return n;
}

static int source_read(BIO *b, char *out, int len)
{
    tunnel_source *src = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    size_t want = len > 0 ? (size_t)len : 0, got = 0;
    if (src->carry.len > src->carry_pos) {
        const uint8_t *c = src->carry.data + src->carry_pos;
        size_t c_len = src->carry.len - src->carry_pos;
        got = take(&c, &c_len, (uint8_t *)out, want);
        src->carry_pos += got;
        if (src->carry_pos == src->carry.len)
            src->carry.len = src->carry_pos = 0;
    }
    got += take(&src->in, &src->in_len, (uint8_t *)out + got, want - got);
    if (got > 0)
        return (int)got;
    if (src->eof)
        return 0;
    BIO_set_retry_read(b); /* "no data yet", not the end */
    return -1;
}

static long source_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    const tunnel_source *src = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_PENDING:
        return (long)(src->carry.len - src->carry_pos + src->in_len);
    case BIO_CTRL_EOF:
        return src->eof && src->carry.len == src->carry_pos && src->in_len == 0;
    case BIO_CTRL_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static int source_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *g_source_method;
static CRYPTO_ONCE g_source_once = CRYPTO_ONCE_STATIC_INIT;

static void source_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "teeproof tunnel source");
    if (m && BIO_meth_set_read(m, source_read) && BIO_meth_set_ctrl(m, source_ctrl) &&
        BIO_meth_set_create(m, source_create))
        g_source_method = m;
    else
        BIO_meth_free(m);
}

/* A read BIO over src (NULL when out of memory). */
static BIO *source_bio(tunnel_source *src)
{
    if (!CRYPTO_THREAD_run_once(&g_source_once, source_method_init) || g_source_method == NULL)
        return NULL;
    BIO *b = BIO_new(g_source_method);
    if (b != NULL)
        BIO_set_data(b, src);
    return b;
}

/* Queues what OpenSSL wrote for the target; it goes out with the next frames or when the
 * prover waits for the target (tp_channel_recv flushes): the client Finished and the
 * request, or the close_notify, TUNNEL_CLOSE and PROVE_REQ, reach the notary together. */
static tp_err flush_to_target(pump *p, tp_error *err)
{
    uint8_t buf[TP_DATA_CHUNK];
    while (BIO_ctrl_pending(p->wbio) > 0) {
        int n = BIO_read(p->wbio, buf, sizeof(buf));
        if (n <= 0)
            break;
        tp_err rc = tp_channel_queue(p->chan, TP_MSG_DATA, buf, (size_t)n, err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

static tp_err pull_from_target(pump *p, tp_error *err)
{
    tunnel_source *src = &p->src;
    /* The next frame may move the decoder's buffer: keep what OpenSSL has not read yet. */
    if (src->in_len > 0 && !tp_buf_append(&src->carry, src->in, src->in_len))
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    src->in_len = 0;
    tp_frame f;
    tp_err rc = tp_channel_recv(p->chan, &f, err);
    if (rc != TP_OK)
        return rc;
    if (f.type == TP_MSG_TUNNEL_CLOSE) {
        src->eof = 1;
        return TP_OK;
    }
    if (f.type != TP_MSG_DATA)
        return tp_error_set(err, TP_ERR_PROTOCOL, "unexpected message 0x%02x in the tunnel", f.type);
    src->in = f.payload;
    src->in_len = f.len;
    return TP_OK;
}

static tp_err run_handshake(pump *p, tp_error *err)
{
    for (;;) {
        int rc = SSL_do_handshake(p->ssl);
        tp_err frc = flush_to_target(p, err);
        if (frc != TP_OK)
            return frc;
        if (rc == 1)
            return TP_OK;
        if (SSL_get_error(p->ssl, rc) != SSL_ERROR_WANT_READ || p->src.eof)
            return tp_tls_client_handshake_error(p->ssl, p->src.eof, p->groups, err);
        if ((frc = pull_from_target(p, err)) != TP_OK)
            return frc;
    }
}

/* Room for one TLS record's plaintext at the end of the response buffer. */
#define READ_CHUNK 16384

/* Reads the response until it is whole (or the target closed): decrypted straight into the
 * end of resp, which is sized once when the head is in (its Content-Length; for a chunked
 * body only the chunks announced so far: a hint, the buffer still grows). Whole-ness is
 * scanned incrementally (tp_http_response_scan: the head once, each chunk-size line once). */
static tp_err read_response(pump *p, const char *method, tp_buf *resp, tp_error *err)
{
    tp_http_scan scan = {0};
    int sized = 0;
    for (;;) {
        if (!tp_buf_reserve(resp, READ_CHUNK))
            return tp_error_set(err, TP_ERR_NOMEM, NULL);
        int n = SSL_read(p->ssl, resp->data + resp->len, READ_CHUNK);
        if (n > 0) {
            resp->len += (size_t)n;
            if (tp_http_response_scan(&scan, resp->data, resp->len, method))
                return TP_OK;
            size_t whole = scan.body_start ? scan.body_start + scan.length : 0;
            if (!sized && whole > resp->len && !tp_buf_reserve(resp, whole - resp->len + READ_CHUNK))
                return tp_error_set(err, TP_ERR_NOMEM, NULL);
            sized = scan.body_start != 0;
            continue;
        }
        int e = SSL_get_error(p->ssl, n);
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN || p->src.eof)
            return TP_OK; /* the target closed; the notary judges what arrived */
        if (e != SSL_ERROR_WANT_READ)
            return tp_error_set(err, TP_ERR_TLS_RECORD, "TLS error reading the target's response");
        tp_err rc = flush_to_target(p, err);
        if (rc == TP_OK)
            rc = pull_from_target(p, err);
        if (rc != TP_OK)
            return rc;
    }
}

/* Context settings are copied into an SSL at SSL_new, so they are made first. */
static tp_err configure_ctx(SSL_CTX *ctx, const tp_target_opts *o, tp_error *err)
{
    tp_err rc = tp_tls_client_ctx_setup(ctx, o->ciphersuites, o->groups, err);
    if (rc != TP_OK || o->no_verify)
        return rc;
    int ok = o->ca_file ? SSL_CTX_load_verify_file(ctx, o->ca_file) : SSL_CTX_set_default_verify_paths(ctx);
    if (!ok)
        return tp_error_set(err, TP_ERR_IO, "cannot load CA file %s", o->ca_file ? o->ca_file : "(system)");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return TP_OK;
}

/* Why no key could be captured: a group the notary cannot replay, or a capture failure. */
static tp_err uncaptured_key(SSL *ssl, tp_error *err)
{
    int nid = SSL_get_negotiated_group(ssl);
    const char *g = nid ? SSL_group_to_name(ssl, nid) : NULL;
    if (g && tp_tls_group_from_name(g) == 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "the target chose key exchange group %s; "
                            "supported are %s (--tls-groups)", g, TP_TLS_CLIENT_GROUP_NAMES);
    return tp_error_set(err, TP_ERR_CRYPTO, "could not capture the TLS key share");
}

static tp_err exchange(pump *p, const tp_target_opts *o, const uint8_t *req, size_t req_len,
                       tp_target_session *ts, tp_error *err)
{
    tp_err rc = run_handshake(p, err); /* a HelloRetryRequest is answered by OpenSSL */
    if (rc == TP_OK && !ts->key.captured)
        rc = uncaptured_key(p->ssl, err);
    if (rc == TP_OK && SSL_version(p->ssl) == TLS1_2_VERSION && !ts->key.tls12)
        rc = tp_error_set(err, TP_ERR_CRYPTO, "could not capture the TLS 1.2 ECDHE key");
    if (rc == TP_OK && SSL_write(p->ssl, req, (int)req_len) != (int)req_len)
        rc = tp_error_set(err, TP_ERR_IO, "cannot send the request");
    if (rc == TP_OK)
        rc = flush_to_target(p, err);
    tp_buf_set_large(&ts->response); /* sized from Content-Length: huge pages if big */
    if (rc == TP_OK)
        rc = read_response(p, o->method, &ts->response, err);
    if (rc == TP_OK && !p->src.eof) { /* end our side properly: close_notify, not a bare stop */
        SSL_shutdown(p->ssl);
        rc = flush_to_target(p, err);
    }
    return rc;
}

tp_err tp_target_exchange(tp_channel *c, const tp_target_opts *o, const uint8_t *request,
                          size_t request_len, tp_target_session *ts, tp_error *err)
{
    SSL_CTX *ctx = tp_keycapture_ctx_new(TLS_client_method()); /* records the 1.2 ECDHE key */
    tp_err rc = ctx ? configure_ctx(ctx, o, err) : tp_error_set(err, TP_ERR_NOMEM, NULL);
    if (rc != TP_OK) {
        SSL_CTX_free(ctx);
        return rc;
    }
    SSL *ssl = SSL_new(ctx);
    pump p = {.chan = c, .ssl = ssl, .groups = o->groups, .src = {.carry = TP_BUF_PUBLIC_INIT}};
    BIO *rbio = source_bio(&p.src), *wbio = BIO_new(BIO_s_mem());
    if (ssl == NULL || rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        rc = tp_error_set(err, TP_ERR_NOMEM, "cannot set up TLS to the target");
    } else {
        SSL_set_bio(ssl, rbio, wbio);
        SSL_set_connect_state(ssl);
        p.wbio = wbio;
        rc = tp_tls_client_set_host(ssl, o->host, err);
    }
    if (rc == TP_OK && !tp_keyshare_capture_install(ssl, &ts->key))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot install key share capture");
    if (rc == TP_OK)
        rc = exchange(&p, o, request, request_len, ts, err);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    tp_buf_free(&p.src.carry);
    return rc;
}

void tp_target_session_free(tp_target_session *ts)
{
    tp_keyshare_wipe(&ts->key);
    tp_buf_free(&ts->response);
}
