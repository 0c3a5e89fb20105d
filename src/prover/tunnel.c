/* The prover's own TLS session with the target (1.3 preferred, 1.2 with ECDHE + AEAD),
 * carried in DATA frames through the notary's tunnel (OpenSSL over memory BIOs), with the
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

typedef struct pump {
    tp_channel *chan;
    SSL *ssl;
    BIO *rbio;   /* bytes from the target, owned by ssl */
    BIO *wbio;   /* bytes to the target, owned by ssl */
    int eof;     /* the notary reported the target closed */
    const char *groups; /* the user's --tls-groups, or NULL */
} pump;

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
    tp_frame f;
    tp_err rc = tp_channel_recv(p->chan, &f, err);
    if (rc != TP_OK)
        return rc;
    if (f.type == TP_MSG_TUNNEL_CLOSE) {
        p->eof = 1;
        BIO_set_mem_eof_return(p->rbio, 0);
        return TP_OK;
    }
    if (f.type != TP_MSG_DATA)
        return tp_error_set(err, TP_ERR_PROTOCOL, "unexpected message 0x%02x in the tunnel", f.type);
    if (f.len > 0 && BIO_write(p->rbio, f.payload, (int)f.len) != (int)f.len)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
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
        if (SSL_get_error(p->ssl, rc) != SSL_ERROR_WANT_READ || p->eof)
            return tp_tls_client_handshake_error(p->ssl, p->eof, p->groups, err);
        if ((frc = pull_from_target(p, err)) != TP_OK)
            return frc;
    }
}

/* 1 when buf holds a whole response (or one that can never become whole). */
static int response_complete(const tp_buf *resp, const char *method)
{
    tp_http_message m = {0};
    tp_err rc = tp_http_parse_response_for(resp->data, resp->len, method, 0, &m, NULL);
    tp_http_message_free(&m);
    return rc != TP_ERR_HTTP_INCOMPLETE;
}

static tp_err read_response(pump *p, const char *method, tp_buf *resp, tp_error *err)
{
    uint8_t buf[16384];
    for (;;) {
        int n = SSL_read(p->ssl, buf, sizeof(buf));
        if (n > 0) {
            if (!tp_buf_append(resp, buf, (size_t)n))
                return tp_error_set(err, TP_ERR_NOMEM, NULL);
            if (response_complete(resp, method))
                return TP_OK;
            continue;
        }
        int e = SSL_get_error(p->ssl, n);
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN || p->eof)
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
    if (rc == TP_OK)
        rc = read_response(p, o->method, &ts->response, err);
    if (rc == TP_OK && !p->eof) { /* end our side properly: close_notify, not a bare stop */
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
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    if (ssl == NULL || rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        rc = tp_error_set(err, TP_ERR_NOMEM, "cannot set up TLS to the target");
    } else {
        BIO_set_mem_eof_return(rbio, -1); /* "no data yet", not EOF */
        SSL_set_bio(ssl, rbio, wbio);
        SSL_set_connect_state(ssl);
        rc = tp_tls_client_set_host(ssl, o->host, err);
    }
    if (rc == TP_OK && !tp_keyshare_capture_install(ssl, &ts->key))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot install key share capture");
    if (rc == TP_OK) {
        pump p = {.chan = c, .ssl = ssl, .rbio = rbio, .wbio = wbio, .groups = o->groups};
        rc = exchange(&p, o, request, request_len, ts, err);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return rc;
}

void tp_target_session_free(tp_target_session *ts)
{
    tp_keyshare_wipe(&ts->key);
    tp_buf_free(&ts->response);
}
