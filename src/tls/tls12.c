/* The TLS 1.2 transcript verifier: replays a relayed TLS 1.2 session (ECDHE with an AEAD
 * suite, full handshake only) from the two recorded byte streams and the client's revealed
 * ECDHE private key, with the same rigor as the TLS 1.3 replay. Order:
 * ClientHello -> ServerHello -> Certificate -> [CertificateStatus] -> ServerKeyExchange
 * (signature checked against the verified leaf) -> [CertificateRequest] -> ServerHelloDone ->
 * [empty client Certificate] -> ClientKeyExchange (must be the revealed key's public point)
 * -> master secret (extended, RFC 7627, when negotiated) -> key block -> client CCS +
 * Finished -> [NewSessionTicket] -> server CCS + Finished -> application data. Refused with
 * the reason named: TLS 1.0/1.1, compression, non-ECDHE or non-AEAD suites, session
 * resumption, renegotiation, client certificates. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

#define MAX_POINT 133 /* uncompressed P-521 point, the largest a server may send */

typedef struct session12 {
    const tp_tls_verify_input *in;
    tp_tls_verify_result *out;
    const tp_tls_options *opt;
    tp_flow c, s;
    tp_client_hello ch;
    tp_server_hello12 sh;
    const tp_suite12 *suite;
    tp_transcript th;
    tp_buf ch_msg;
    STACK_OF(X509) *chain;
    uint8_t server_point[MAX_POINT];
    size_t server_point_len;
    int cert_requested;
    uint8_t master[TP_TLS12_MASTER_LEN];
} session12;

static tp_err th_add(session12 *S, tp_reader whole, tp_error *err)
{
    return tp_flow_th_add(&S->th, whole, err);
}

static tp_err th_peek(session12 *S, uint8_t *out, tp_error *err)
{
    return tp_flow_th_peek(&S->th, out, err);
}

static tp_err do_client_hello(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = tp_flow_expect_msg(&S->c, TP_HS_CLIENT_HELLO, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_client_hello_any(body, S->in->group, &S->ch, err);
    if (rc == TP_OK && !tp_buf_append(&S->ch_msg, tp_reader_data(&whole), tp_reader_left(&whole)))
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->c, "ClientHello", err);
    return rc;
}

static const char *old_version_name(uint16_t v)
{
    return v == 0x0301 ? "TLS 1.0" : v == 0x0302 ? "TLS 1.1" : v == 0x0300 ? "SSL 3.0" : "SSL";
}

static tp_err check_server_choice(session12 *S, tp_error *err)
{
    char name[96];
    if (S->sh.version < 0x0303)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the server offers only %s (it negotiated version 0x%04x); TLS 1.2 "
                            "or 1.3 is required", old_version_name(S->sh.version), S->sh.version);
    /* RFC 8446 §4.1.3: a TLS 1.3 server negotiating 1.2 marks its random; a client that
     * offered 1.3 must abort (someone removed 1.3 from the ClientHello the server saw). */
    static const uint8_t k_downgrade12[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 1};
    if (S->ch.offers_tls13 && memcmp(S->sh.random + 24, k_downgrade12, 8) == 0)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "ServerHello carries the TLS 1.3 downgrade sentinel: the server "
                            "supports TLS 1.3 but saw a ClientHello without it");
    if (S->sh.version != 0x0303)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "ServerHello: version 0x%04x without supported_versions",
                            S->sh.version);
    if (S->sh.compression != 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the server selected compression method %u; TLS compression is "
                            "not supported", S->sh.compression);
    S->suite = tp_suite12_find(S->sh.suite);
    if (!S->suite) {
        const char *why = tp_suite12_refusal(S->sh.suite, name, sizeof(name));
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the server selected TLS 1.2 suite %s (0x%04x), %s; only ECDHE with "
                            "AES-GCM or ChaCha20-Poly1305 is supported", name, S->sh.suite, why);
    }
    if (!(S->ch.suites12_offered & (1u << tp_suite12_index(S->sh.suite))))
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "server selected %s which the client did not offer",
                            S->suite->base.name);
    if (S->sh.resumed)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the server resumed a session (it echoed the client's session id); "
                            "TLS 1.2 session resumption is not supported");
    return TP_OK;
}

static tp_err do_server_hello(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = tp_flow_expect_msg(&S->s, TP_HS_SERVER_HELLO, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_server_hello12(body, &S->ch, &S->sh, err);
    if (rc == TP_OK)
        rc = check_server_choice(S, err);
    if (rc != TP_OK)
        return rc;
    if (!tp_transcript_init(&S->th, S->suite->base.md()) ||
        !tp_transcript_add(&S->th, S->ch_msg.data, S->ch_msg.len))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    S->s.ccs_error = " (an abbreviated handshake: session resumption is not supported)";
    return th_add(S, whole, err);
}

static tp_err do_server_certificate(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t type;
    tp_err rc = tp_flow_next_msg(&S->s, "Certificate", &type, &body, &whole, err);
    if (rc != TP_OK)
        return rc;
    if (type != TP_HS_CERTIFICATE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "server sent %s where Certificate was expected", tp_hs_name(type));
    S->s.ccs_error = NULL;
    rc = tp_parse_certificate12(body, &S->chain, S->out->leaf_cert_sha256, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    return rc;
}

static tp_err check_server_group(session12 *S, const tp_server_kx *kx, tp_error *err)
{
    const char *name = tp_tls_group_name(kx->group);
    int bit = tp_tls_group_bit(kx->group);
    if (!tp_tls_group_is_ec(kx->group))
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "ServerKeyExchange: group 0x%04x is not an elliptic curve "
                            "(TLS 1.2 ECDHE)", kx->group);
    if (kx->group != S->in->group)
        return tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                            "the server chose group %s (0x%04x) in ServerKeyExchange but the "
                            "revealed key is for %s", name ? name : "unknown", kx->group,
                            tp_tls_group_name(S->in->group));
    if (S->ch.has_supported_groups && (bit < 0 || !(S->ch.groups_offered & (1u << bit))))
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "the server chose group %s which the client did not offer", name);
    if (kx->point_len > sizeof(S->server_point))
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "ServerKeyExchange: point too long");
    memcpy(S->server_point, kx->point, kx->point_len);
    S->server_point_len = kx->point_len;
    return TP_OK;
}

/* ServerKeyExchange, then the chain, the host and the signature over the ECDHE parameters. */
static tp_err do_server_key_exchange(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t type;
    tp_server_kx kx;
    tp_err rc = tp_flow_next_msg(&S->s, "ServerKeyExchange", &type, &body, &whole, err);
    if (rc == TP_OK && type == TP_HS_CERTIFICATE_STATUS && S->sh.status_request) {
        rc = th_add(S, whole, err); /* OCSP staple: hashed, not judged */
        if (rc == TP_OK)
            rc = tp_flow_next_msg(&S->s, "ServerKeyExchange", &type, &body, &whole, err);
    }
    if (rc != TP_OK)
        return rc;
    if (type != TP_HS_SERVER_KEY_EXCHANGE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "server sent %s where ServerKeyExchange was expected",
                            tp_hs_name(type));
    X509 *leaf = sk_X509_value(S->chain, 0);
    rc = tp_parse_server_kx(body, &kx, err);
    if (rc == TP_OK)
        rc = check_server_group(S, &kx, err);
    if (rc == TP_OK)
        rc = tp_cert_verify_chain(S->chain, S->in->trust, S->in->verify_time, err);
    if (rc == TP_OK)
        rc = tp_cert_check_host(leaf, S->in->expected_host, &S->ch,
                                !(S->opt && S->opt->skip_cert_name_check), err);
    if (rc == TP_OK)
        rc = tp_cert_verify_ske(leaf, kx.scheme, S->ch.sigschemes_offered, S->suite->auth,
                                kx.sig, S->ch.random, S->sh.random, kx.params, kx.params_len,
                                err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    return rc;
}

static tp_err do_server_hello_done(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t type;
    tp_err rc = tp_flow_next_msg(&S->s, "ServerHelloDone", &type, &body, &whole, err);
    if (rc == TP_OK && type == TP_HS_CERTIFICATE_REQUEST) {
        S->cert_requested = 1;
        rc = th_add(S, whole, err);
        if (rc == TP_OK)
            rc = tp_flow_next_msg(&S->s, "ServerHelloDone", &type, &body, &whole, err);
    }
    if (rc != TP_OK)
        return rc;
    if (type != TP_HS_SERVER_HELLO_DONE || tp_reader_left(&body) != 0)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "server sent %s where an empty ServerHelloDone was expected",
                            tp_hs_name(type));
    rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->s, "ServerHelloDone", err);
    return rc;
}

static tp_err derive_master(session12 *S, const uint8_t *pms, size_t pms_len, tp_error *err)
{
    const EVP_MD *md = S->suite->base.md();
    uint8_t session_hash[TP_TLS_MAX_HASH];
    int ok;
    if (S->sh.ems) { /* RFC 7627: session_hash = Hash(ClientHello .. ClientKeyExchange) */
        tp_err rc = th_peek(S, session_hash, err);
        if (rc != TP_OK)
            return rc;
        ok = tp_tls12_prf(md, pms, pms_len, "extended master secret", session_hash,
                          S->suite->base.hash_len, NULL, 0, S->master, TP_TLS12_MASTER_LEN);
    } else {
        ok = tp_tls12_prf(md, pms, pms_len, "master secret", S->ch.random, 32, S->sh.random, 32,
                          S->master, TP_TLS12_MASTER_LEN);
    }
    if (!ok)
        return tp_error_set(err, TP_ERR_CRYPTO, "TLS 1.2 master secret derivation failed");
    return tp_tls12_keys(S->suite, S->master, S->ch.random, S->sh.random, &S->c.pending,
                         &S->s.pending, err);
}

/* [empty client Certificate], ClientKeyExchange = the revealed key's point, keys armed. */
static tp_err do_client_key_exchange(session12 *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = TP_OK;
    if (S->cert_requested) {
        rc = tp_flow_expect_msg(&S->c, TP_HS_CERTIFICATE, &body, &whole, err);
        if (rc == TP_OK)
            rc = tp_parse_client_certificate12(body, err);
        if (rc == TP_OK)
            rc = th_add(S, whole, err);
    }
    const uint8_t *point = NULL;
    size_t point_len = 0, pms_len = 0;
    uint8_t pms[TP_TLS_MAX_SECRET];
    if (rc == TP_OK)
        rc = tp_flow_expect_msg(&S->c, TP_HS_CLIENT_KEY_EXCHANGE, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_client_kx(body, &point, &point_len, err);
    if (rc == TP_OK)
        rc = tp_ecdhe_shared(S->in->group, S->in->private_key, S->in->private_key_len, point,
                             point_len, S->server_point, S->server_point_len, pms, &pms_len,
                             err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->c, "ClientKeyExchange", err);
    if (rc == TP_OK)
        rc = derive_master(S, pms, pms_len, err);
    OPENSSL_cleanse(pms, sizeof(pms));
    return rc;
}

static tp_err check_finished(session12 *S, tp_flow *d, const char *label, tp_error *err)
{
    tp_reader body, whole;
    uint8_t th[TP_TLS_MAX_HASH], want[TP_TLS12_VERIFY_LEN];
    tp_err rc = tp_flow_expect_msg(d, TP_HS_FINISHED, &body, &whole, err);
    if (rc == TP_OK && !d->ccs_seen)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "%s Finished arrived without change_cipher_spec", d->who);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_tls12_prf(S->suite->base.md(), S->master, TP_TLS12_MASTER_LEN, label,
                                     th, S->suite->base.hash_len, NULL, 0, want, sizeof(want)))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "Finished computation failed");
    if (rc == TP_OK)
        rc = tp_flow_finished_match(d, body, want, sizeof(want), err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(d, "Finished", err);
    OPENSSL_cleanse(want, sizeof(want));
    d->finished = rc == TP_OK;
    return rc;
}

static tp_err do_server_finish(session12 *S, tp_error *err)
{
    if (!S->sh.ticket)
        return check_finished(S, &S->s, "server finished", err);
    tp_reader body, whole;
    tp_err rc = tp_flow_expect_msg(&S->s, TP_HS_NEW_SESSION_TICKET, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_new_session_ticket12(body, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->s, "NewSessionTicket", err);
    if (rc == TP_OK)
        rc = check_finished(S, &S->s, "server finished", err);
    return rc;
}

/* After the handshake TLS 1.2 has no handshake messages but a new handshake. */
static tp_err post_handshake12(tp_flow *d, int is_server, uint8_t type, tp_reader body,
                               tp_error *err)
{
    (void)body;
    if (is_server && type == TP_HS_HELLO_REQUEST)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the server asked to renegotiate (HelloRequest); TLS 1.2 "
                            "renegotiation is not supported");
    if (!is_server && type == TP_HS_CLIENT_HELLO)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "the client started a second handshake (renegotiation is not "
                            "supported)");
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s sent %s (%u) after the TLS 1.2 handshake",
                        d->who, tp_hs_name(type), type);
}

static tp_err run(session12 *S, tp_error *err)
{
    tp_err rc = do_client_hello(S, err);
    if (rc == TP_OK)
        rc = do_server_hello(S, err);
    if (rc == TP_OK)
        rc = do_server_certificate(S, err);
    if (rc == TP_OK)
        rc = do_server_key_exchange(S, err);
    if (rc == TP_OK)
        rc = do_server_hello_done(S, err);
    if (rc == TP_OK)
        rc = do_client_key_exchange(S, err);
    if (rc == TP_OK)
        rc = check_finished(S, &S->c, "client finished", err);
    if (rc == TP_OK)
        rc = do_server_finish(S, err);
    if (rc == TP_OK)
        rc = tp_flow_read_app(&S->c, 0, &S->out->client_app, S->out, post_handshake12, err);
    if (rc == TP_OK)
        rc = tp_flow_read_app(&S->s, 1, &S->out->server_app, S->out, post_handshake12, err);
    return rc;
}

tp_err tp_tls12_verify(const tp_tls_verify_input *in, tp_tls_verify_result *out,
                       const tp_tls_options *opt, tp_error *err)
{
    session12 *S = calloc(1, sizeof(*S));
    if (!S)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    S->in = in;
    S->out = out;
    S->opt = opt;
    tp_flow_init(&S->c, "client", in->client_bytes, in->client_len, 1);
    tp_flow_init(&S->s, "server", in->server_bytes, in->server_len, 1);
    tp_err rc = run(S, err);
    if (rc == TP_OK) {
        out->version = 0x0303;
        out->cipher_suite = S->suite->base.id;
        out->group = in->group;
        if (S->ch.has_sni)
            memcpy(out->server_name, S->ch.sni, sizeof(out->server_name));
    }
    tp_flow_free(&S->c);
    tp_flow_free(&S->s);
    tp_transcript_free(&S->th);
    tp_buf_free(&S->ch_msg);
    sk_X509_pop_free(S->chain, X509_free);
    OPENSSL_cleanse(S, sizeof(*S));
    free(S);
    return rc;
}
