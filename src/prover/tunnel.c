/* The prover's own TLS session with the target (1.3 preferred, 1.2 with ECDHE + AEAD),
 * carried in DATA frames through the notary's tunnel (OpenSSL over memory BIOs), with the
 * ephemeral key captured for revealing (1.3 key share, the second ClientHello's after a
 * HelloRetryRequest, or the 1.2 ClientKeyExchange key, through tls/keycapture.c). */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "http/http.h"
#include "prover/prover_int.h"
#include "tls/keycapture.h"
#include "tls/transcript.h"

/* TLS 1.2 suites the notary replays: ECDHE with AES-GCM or ChaCha20-Poly1305 only, so a
 * server cannot pick CBC, RSA key transport or DHE. */
#define TP_PROVER_TLS12_SUITES                                                               \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"  \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* TLS 1.3 groups offered when the user names none: every group the notary replays, X25519
 * and P-256 first (OpenSSL sends a key share for the first only, so most servers need no
 * HelloRetryRequest; the others draw one, which the notary replays). */
#define TP_PROVER_GROUPS "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096"
#define TP_PROVER_GROUP_NAMES "x25519, P-256/384/521, x448, ffdhe2048/3072/4096"

typedef struct pump {
    tp_channel *chan;
    SSL *ssl;
    BIO *rbio;   /* bytes from the target, owned by ssl */
    BIO *wbio;   /* bytes to the target, owned by ssl */
    int eof;     /* the notary reported the target closed */
    const char *groups; /* the user's --tls-groups, or NULL */
} pump;

static tp_err flush_to_target(pump *p, tp_error *err)
{
    uint8_t buf[TP_DATA_CHUNK];
    while (BIO_ctrl_pending(p->wbio) > 0) {
        int n = BIO_read(p->wbio, buf, sizeof(buf));
        if (n <= 0)
            break;
        tp_err rc = tp_channel_send(p->chan, TP_MSG_DATA, buf, (size_t)n, err);
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

static tp_err handshake_error(pump *p, tp_error *err)
{
    long vr = SSL_get_verify_result(p->ssl);
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (vr == X509_V_ERR_HOSTNAME_MISMATCH)
        return tp_error_set(err, TP_ERR_TLS_HOSTNAME, "target certificate is not valid for this host");
    if (vr != X509_V_OK)
        return tp_error_set(err, TP_ERR_TLS_CERT_UNTRUSTED, "target certificate not trusted: %s",
                            X509_verify_cert_error_string(vr));
    int reason = ERR_GET_REASON(e);
    if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "the server offers only TLS 1.0/1.1 "
                            "(%s); TLS 1.2 or 1.3 is required", ERR_reason_error_string(e));
    if (reason == SSL_R_NO_SUITABLE_KEY_SHARE || reason == SSL_R_BAD_KEY_SHARE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "no common group: the target's "
                            "HelloRetryRequest asked for a group not offered (offered: %s)",
                            p->groups ? p->groups : TP_PROVER_GROUP_NAMES);
    if (p->eof)
        return tp_error_set(err, TP_ERR_TRUNCATED, "the target closed during the TLS handshake");
    if (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE || reason == SSL_R_NO_SHARED_CIPHER ||
        reason == SSL_R_WRONG_CIPHER_RETURNED)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "TLS handshake failed (%s): no common group "
                            "or suite: the target took none of the offered suites (TLS 1.3; "
                            "1.2 ECDHE+AES-GCM/ChaCha20, not CBC, RSA key exchange, DHE) and "
                            "groups (%s)",
                            ERR_reason_error_string(e), p->groups ? p->groups : TP_PROVER_GROUP_NAMES);
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "TLS handshake with the target failed: %s",
                        e ? ERR_reason_error_string(e) : "unknown reason");
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
            return handshake_error(p, err);
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
    int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) && /* 1.3 preferred */
             SSL_CTX_set_cipher_list(ctx, TP_PROVER_TLS12_SUITES) &&
             (o->ciphersuites == NULL || SSL_CTX_set_ciphersuites(ctx, o->ciphersuites)) &&
             SSL_CTX_set1_groups_list(ctx, o->groups ? o->groups : TP_PROVER_GROUPS);
    if (!ok)
        return tp_error_set(err, TP_ERR_ARG, "invalid TLS cipher suite or group list");
    if (!o->no_verify) {
        ok = o->ca_file ? SSL_CTX_load_verify_file(ctx, o->ca_file) : SSL_CTX_set_default_verify_paths(ctx);
        if (!ok)
            return tp_error_set(err, TP_ERR_IO, "cannot load CA file %s", o->ca_file ? o->ca_file : "(system)");
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return TP_OK;
}

static tp_err configure_ssl(SSL *ssl, const tp_target_opts *o, tp_error *err)
{
    int ok;
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(o->host);
    ERR_clear_error();
    ok = (ip != NULL || SSL_set_tlsext_host_name(ssl, o->host)) && SSL_set1_host(ssl, o->host);
    SSL_set_hostflags(ssl, TP_HOST_CHECK_FLAGS); /* the notary's rule: SAN only, no CN */
    ASN1_OCTET_STRING_free(ip); /* RFC 6066: no SNI for IP literals */
    return ok ? TP_OK : tp_error_set(err, TP_ERR_ARG, "invalid target host name");
}

/* Why no key could be captured: a group the notary cannot replay, or a capture failure. */
static tp_err uncaptured_key(SSL *ssl, tp_error *err)
{
    int nid = SSL_get_negotiated_group(ssl);
    const char *g = nid ? SSL_group_to_name(ssl, nid) : NULL;
    if (g && tp_tls_group_from_name(g) == 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "the target chose key exchange group %s; "
                            "supported are %s (--tls-groups)", g, TP_PROVER_GROUP_NAMES);
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
        rc = configure_ssl(ssl, o, err);
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
