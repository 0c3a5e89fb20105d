/* The TLS 1.3 transcript verifier (and the entry point: a session whose ServerHello
 * negotiates TLS 1.2 goes to tls12.c): replays a relayed session from the two recorded byte
 * streams and the client's revealed (EC)DHE private key. Order of the replay:
 * ClientHello -> [HelloRetryRequest -> second ClientHello (hrr.c)] -> ServerHello -> (EC)DHE + handshake keys -> EncryptedExtensions ->
 * [CertificateRequest] -> Certificate -> CertificateVerify -> server Finished ->
 * [empty client Certificate] -> client Finished -> application data in both directions. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

typedef struct session {
    const tp_tls_verify_input *in;
    tp_tls_verify_result *out;
    const tp_tls_options *opt;
    tp_flow c, s;
    tp_client_hello ch;
    tp_server_hello sh;
    const tp_suite *suite;
    tp_schedule ks;
    tp_transcript th;
    tp_buf ch_msg;        /* the first ClientHello, whole */
    int retried;          /* a HelloRetryRequest was replayed */
    tp_hrr_info hrr;
    STACK_OF(X509) *chain;
    int cert_requested;
} session;

static tp_err th_add(session *S, tp_reader whole, tp_error *err)
{
    return tp_flow_th_add(&S->th, whole, err);
}

static tp_err th_peek(session *S, uint8_t *out, tp_error *err)
{
    return tp_flow_th_peek(&S->th, out, err);
}

static tp_err do_client_hello(session *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = tp_flow_expect_msg(&S->c, TP_HS_CLIENT_HELLO, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_client_hello(body, S->in->group, &S->ch, err);
    if (rc == TP_OK && !tp_buf_append(&S->ch_msg, tp_reader_data(&whole), tp_reader_left(&whole)))
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->c, "ClientHello", err);
    return rc;
}

/* HRR: the transcript restarts with message_hash, then HRR, the second ClientHello. */
static tp_err do_retry(session *S, tp_reader hrr_whole, tp_error *err)
{
    const tp_suite *suite = tp_suite_find(S->sh.suite);
    tp_reader body, whole, ch1;
    if (!suite || !(S->ch.suites_offered & (1u << tp_suite_index(S->sh.suite))))
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "HelloRetryRequest selects cipher suite "
                            "0x%04x which the client did not offer", S->sh.suite);
    tp_err rc = tp_hrr_check(&S->ch, &S->sh, &S->hrr, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->s, "HelloRetryRequest", err);
    if (rc != TP_OK)
        return rc;
    if (!tp_hrr_transcript_start(&S->th, suite->md(), S->ch_msg.data, S->ch_msg.len))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    S->retried = 1;
    if ((rc = th_add(S, hrr_whole, err)) != TP_OK)
        return rc;
    /* The server stream is not read again before the cookie is compared. */
    rc = tp_flow_expect_msg(&S->c, TP_HS_CLIENT_HELLO, &body, &whole, err);
    if (rc == TP_OK) /* first judged with the selected group's share, then the revealed one's */
        rc = tp_parse_client_hello(body, S->hrr.has_group ? S->hrr.group : S->in->group,
                                   &S->ch, err);
    tp_reader_init(&ch1, S->ch_msg.data + 4, S->ch_msg.len - 4);
    if (rc == TP_OK)
        rc = tp_hrr_check_second_hello(ch1, body, &S->sh, &S->ch, err);
    if (rc == TP_OK)
        rc = tp_parse_client_hello(body, S->in->group, &S->ch, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(&S->c, "ClientHello", err);
    return rc;
}

static tp_err read_server_hello(session *S, tp_reader *whole, tp_error *err)
{
    tp_reader body;
    tp_err rc = tp_flow_expect_msg(&S->s, TP_HS_SERVER_HELLO, &body, whole, err);
    if (rc == TP_OK)
        rc = tp_parse_server_hello(body, &S->ch, &S->sh, err);
    if (rc == TP_OK && S->sh.is_hrr && !S->retried) {
        rc = do_retry(S, *whole, err);
        if (rc == TP_OK)
            rc = tp_flow_expect_msg(&S->s, TP_HS_SERVER_HELLO, &body, whole, err);
        if (rc == TP_OK)
            rc = tp_parse_server_hello(body, &S->ch, &S->sh, err);
        if (rc == TP_OK)
            rc = tp_hrr_check_server_hello(&S->hrr, &S->sh, err);
    }
    return rc;
}

static tp_err do_server_hello(session *S, tp_error *err)
{
    tp_reader whole;
    tp_err rc = read_server_hello(S, &whole, err);
    if (rc != TP_OK)
        return rc;
    S->suite = tp_suite_find(S->sh.suite);
    if (!S->suite)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "cipher suite 0x%04x not supported",
                            S->sh.suite);
    if (!(S->ch.suites_offered & (1u << tp_suite_index(S->sh.suite))))
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "server selected %s which the client did not offer", S->suite->name);
    if (!S->ch.share)
        return tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                            "ClientHello has no key_share for %s, the revealed key's group",
                            tp_tls_group_name(S->in->group));
    if (S->sh.group != S->in->group)
        return tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                            "server selected group 0x%04x but the revealed key is for %s",
                            S->sh.group, tp_tls_group_name(S->in->group));
    if ((rc = tp_flow_require_boundary(&S->s, "ServerHello", err)) != TP_OK)
        return rc;
    if (!S->retried && (!tp_transcript_init(&S->th, S->suite->md()) ||
                        !tp_transcript_add(&S->th, S->ch_msg.data, S->ch_msg.len)))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return th_add(S, whole, err);
}

static tp_err do_key_exchange(session *S, tp_error *err)
{
    uint8_t shared[TP_TLS_MAX_SECRET], th[TP_TLS_MAX_HASH];
    size_t shared_len = 0;
    tp_err rc = tp_ecdhe_shared(S->in->group, S->in->private_key, S->in->private_key_len,
                                S->ch.share, S->ch.share_len, S->sh.share, S->sh.share_len,
                                shared, &shared_len, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_schedule_handshake(&S->ks, S->suite, shared, shared_len, th))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "handshake key schedule failed");
    OPENSSL_cleanse(shared, sizeof(shared));
    if (rc == TP_OK)
        rc = tp_traffic_set(&S->s.key, S->suite, S->ks.s_hs, "handshake", err);
    if (rc == TP_OK)
        rc = tp_traffic_set(&S->c.key, S->suite, S->ks.c_hs, "handshake", err);
    return rc;
}

static tp_err do_server_certificate(session *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t type;
    tp_err rc = tp_flow_next_msg(&S->s, "Certificate", &type, &body, &whole, err);
    if (rc == TP_OK && type == TP_HS_CERTIFICATE_REQUEST) {
        S->cert_requested = 1;
        rc = tp_parse_certificate_request(body, err);
        if (rc == TP_OK)
            rc = th_add(S, whole, err);
        if (rc == TP_OK)
            rc = tp_flow_next_msg(&S->s, "Certificate", &type, &body, &whole, err);
    }
    if (rc != TP_OK)
        return rc;
    if (type != TP_HS_CERTIFICATE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "server sent %s where Certificate was "
                            "expected", tp_hs_name(type));
    rc = tp_parse_certificate(body, &S->chain, S->out->leaf_cert_sha256, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    return rc;
}

static tp_err do_server_auth(session *S, tp_error *err)
{
    tp_reader body, whole, sig;
    uint16_t scheme;
    uint8_t th[TP_TLS_MAX_HASH];
    X509 *leaf = sk_X509_value(S->chain, 0);
    tp_err rc = tp_flow_expect_msg(&S->s, TP_HS_CERTIFICATE_VERIFY, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_certificate_verify(body, &scheme, &sig, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK)
        rc = tp_cert_verify_chain(S->chain, S->in->trust, S->in->verify_time, err);
    if (rc == TP_OK)
        rc = tp_cert_check_host(leaf, S->in->expected_host, &S->ch,
                                !(S->opt && S->opt->skip_cert_name_check), err);
    if (rc == TP_OK)
        rc = tp_cert_verify_signature(leaf, scheme, S->ch.sigschemes_offered, sig, th,
                                      S->suite->hash_len, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    return rc;
}

static tp_err check_finished(session *S, tp_flow *d, const uint8_t *base, tp_error *err)
{
    tp_reader body, whole;
    uint8_t th[TP_TLS_MAX_HASH], want[TP_TLS_MAX_HASH];
    size_t hl = S->suite->hash_len;
    tp_err rc = tp_flow_expect_msg(d, TP_HS_FINISHED, &body, &whole, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_finished_verify_data(S->suite, base, th, want))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "Finished computation failed");
    if (rc == TP_OK)
        rc = tp_flow_finished_match(d, body, want, hl, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = tp_flow_require_boundary(d, "Finished", err);
    OPENSSL_cleanse(want, sizeof(want));
    d->finished = rc == TP_OK;
    return rc;
}

static tp_err do_server_flight(session *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t th[TP_TLS_MAX_HASH];
    tp_err rc = tp_flow_expect_msg(&S->s, TP_HS_ENCRYPTED_EXTENSIONS, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_encrypted_extensions(body, err);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = do_server_certificate(S, err);
    if (rc == TP_OK)
        rc = do_server_auth(S, err);
    if (rc == TP_OK)
        rc = check_finished(S, &S->s, S->ks.s_hs, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_schedule_application(&S->ks, th))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "application key schedule failed");
    if (rc == TP_OK)
        rc = tp_traffic_set(&S->s.key, S->suite, S->ks.s_ap, "application", err);
    return rc;
}

static tp_err do_client_finish(session *S, tp_error *err)
{
    tp_err rc = TP_OK;
    if (S->cert_requested) {
        tp_reader body, whole;
        rc = tp_flow_expect_msg(&S->c, TP_HS_CERTIFICATE, &body, &whole, err);
        if (rc == TP_OK)
            rc = tp_parse_client_certificate(body, err);
        if (rc == TP_OK)
            rc = th_add(S, whole, err);
    }
    if (rc == TP_OK)
        rc = check_finished(S, &S->c, S->ks.c_hs, err);
    if (rc == TP_OK)
        rc = tp_traffic_set(&S->c.key, S->suite, S->ks.c_ap, "application", err);
    return rc;
}

static tp_err post_handshake_msg(tp_flow *d, int is_server, uint8_t type, tp_reader body,
                                 tp_error *err)
{
    if (type == TP_HS_NEW_SESSION_TICKET && is_server)
        return tp_parse_new_session_ticket(body, err);
    if (type == TP_HS_KEY_UPDATE) {
        tp_err rc = tp_parse_key_update(body, err);
        if (rc == TP_OK)
            rc = tp_flow_require_boundary(d, "KeyUpdate", err);
        if (rc == TP_OK)
            rc = tp_traffic_update(&d->key, err);
        return rc;
    }
    if (type == TP_HS_CERTIFICATE_REQUEST && is_server)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "post-handshake client authentication is not supported");
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s sent unexpected post-handshake %s (%u)",
                        d->who, tp_hs_name(type), type);
}

static tp_err read_app(tp_flow *d, int is_server, tp_buf *app, tp_tls_verify_result *out,
                       tp_error *err)
{
    return tp_flow_read_app(d, is_server, app, out, post_handshake_msg, err);
}

static tp_err check_input(const tp_tls_verify_input *in, tp_error *err)
{
    if (!in || (!in->client_bytes && in->client_len) || (!in->server_bytes && in->server_len))
        return tp_error_set(err, TP_ERR_ARG, "transcript input missing");
    if (!in->private_key || !in->trust || !in->expected_host)
        return tp_error_set(err, TP_ERR_ARG, "private key, trust store and host are required");
    if (!tp_tls_group_name(in->group))
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "named group 0x%04x not supported",
                            in->group);
    return TP_OK;
}

static tp_err run(session *S, tp_error *err)
{
    tp_err rc = do_client_hello(S, err);
    if (rc == TP_OK)
        rc = do_server_hello(S, err);
    if (rc == TP_OK)
        rc = do_key_exchange(S, err);
    if (rc == TP_OK)
        rc = do_server_flight(S, err);
    if (rc == TP_OK)
        rc = do_client_finish(S, err);
    if (rc == TP_OK)
        rc = read_app(&S->c, 0, &S->out->client_app, S->out, err);
    if (rc == TP_OK)
        rc = read_app(&S->s, 1, &S->out->server_app, S->out, err);
    return rc;
}

tp_err tp_tls_verify_transcript_ex(const tp_tls_verify_input *in, tp_tls_verify_result *out,
                                   const tp_tls_options *opt, tp_error *err)
{
    if (!out)
        return tp_error_set(err, TP_ERR_ARG, "no result given");
    memset(out, 0, sizeof(*out));
    tp_err rc = check_input(in, err);
    if (rc != TP_OK)
        return rc;
    if (tp_server_hello_version(in->server_bytes, in->server_len) != 0x0304) {
        rc = tp_tls12_verify(in, out, opt, err);
        if (rc != TP_OK)
            tp_tls_verify_result_free(out);
        return rc;
    }
    session *S = calloc(1, sizeof(*S));
    if (!S)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    S->in = in;
    S->out = out;
    S->opt = opt;
    tp_flow_init(&S->c, "client", in->client_bytes, in->client_len, 0);
    tp_flow_init(&S->s, "server", in->server_bytes, in->server_len, 0);
    rc = run(S, err);
    if (rc == TP_OK) {
        out->version = 0x0304;
        out->cipher_suite = S->suite->id;
        out->group = in->group;
        if (S->ch.has_sni)
            memcpy(out->server_name, S->ch.sni, sizeof(out->server_name));
    } else {
        tp_tls_verify_result_free(out);
    }
    tp_flow_free(&S->c);
    tp_flow_free(&S->s);
    tp_schedule_wipe(&S->ks);
    tp_transcript_free(&S->th);
    tp_buf_free(&S->ch_msg);
    sk_X509_pop_free(S->chain, X509_free);
    OPENSSL_cleanse(S, sizeof(*S));
    free(S);
    return rc;
}

tp_err tp_tls_verify_transcript(const tp_tls_verify_input *in, tp_tls_verify_result *out,
                                tp_error *err)
{
    return tp_tls_verify_transcript_ex(in, out, NULL, err);
}

void tp_tls_verify_result_free(tp_tls_verify_result *r)
{
    if (!r)
        return;
    tp_buf_free(&r->client_app);
    tp_buf_free(&r->server_app);
    memset(r, 0, sizeof(*r));
}
