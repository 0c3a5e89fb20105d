/* The TLS 1.3 transcript verifier: replays a relayed session from the two recorded byte
 * streams and the client's revealed (EC)DHE private key. Order of the replay:
 * ClientHello -> ServerHello -> (EC)DHE + handshake keys -> EncryptedExtensions ->
 * [CertificateRequest] -> Certificate -> CertificateVerify -> server Finished ->
 * [empty client Certificate] -> client Finished -> application data in both directions. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

typedef struct dir {
    const char *who;
    tp_record_stream rs;
    tp_traffic key;
    tp_buf hs;      /* handshake bytes not yet consumed */
    size_t hs_off;
    tp_buf pt;      /* plaintext of the last decrypted record */
    int ccs_seen;
    unsigned msgs;  /* handshake messages taken so far */
    int finished;   /* this side's Finished has been processed */
    int closed;     /* close_notify received */
    unsigned post_hs_msgs;
} dir;

typedef struct session {
    const tp_tls_verify_input *in;
    tp_tls_verify_result *out;
    const tp_tls_options *opt;
    dir c, s;
    tp_client_hello ch;
    tp_server_hello sh;
    const tp_suite *suite;
    tp_schedule ks;
    tp_transcript th;
    tp_buf ch_msg;
    STACK_OF(X509) *chain;
    int cert_requested;
} session;

static void dir_init(dir *d, const char *who, const uint8_t *p, size_t n)
{
    memset(d, 0, sizeof(*d));
    d->who = who;
    tp_record_stream_init(&d->rs, p, n);
}

static void dir_free(dir *d)
{
    tp_traffic_wipe(&d->key);
    tp_buf_free(&d->hs);
    tp_buf_free(&d->pt);
}

static tp_err check_ccs(dir *d, const tp_record *rec, tp_error *err)
{
    tp_reader b = rec->body;
    uint8_t v;
    if (d->msgs == 0 || d->finished || d->ccs_seen)
        return tp_error_set(err, TP_ERR_TLS_RECORD,
                            "%s sent change_cipher_spec outside the handshake", d->who);
    if (!tp_read_u8(&b, &v) || v != 1 || tp_reader_left(&b) != 0)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s change_cipher_spec is not 0x01", d->who);
    d->ccs_seen = 1;
    return TP_OK;
}

/* A plaintext alert after keys were installed (a peer failing early may send one). It is not
 * authenticated: a fatal one is reported as such, close_notify is never accepted this way. */
static tp_err unprotected_alert(dir *d, const tp_record *rec, tp_error *err)
{
    tp_reader b = rec->body;
    uint8_t level, desc;
    if (tp_read_u8(&b, &level) && tp_read_u8(&b, &desc) && tp_reader_left(&b) == 0 &&
        desc != 0 && desc != 90)
        return tp_error_set(err, TP_ERR_TLS_ALERT, "%s sent fatal alert %s (%u), unprotected",
                            d->who, tp_alert_name(desc), desc);
    return tp_error_set(err, TP_ERR_TLS_RECORD,
                        "%s sent an unprotected alert record after encryption began", d->who);
}

/* Next record's content (decrypted when keys are active); skips the compatibility CCS. */
static tp_err dir_read(dir *d, uint8_t *type, tp_reader *content, int *have, tp_error *err)
{
    for (;;) {
        tp_record rec;
        tp_err rc = tp_record_next(&d->rs, &rec, have, d->who, err);
        if (rc != TP_OK || !*have)
            return rc;
        if (d->closed)
            return tp_error_set(err, TP_ERR_TLS_RECORD, "%s sent data after close_notify",
                                d->who);
        if (rec.type == TP_CT_CCS) {
            if ((rc = check_ccs(d, &rec, err)) != TP_OK)
                return rc;
            continue;
        }
        if (!d->key.active) {
            if (rec.type == TP_CT_APPDATA)
                return tp_error_set(err, TP_ERR_TLS_RECORD,
                                    "%s sent a protected record before keys were established",
                                    d->who);
            *type = rec.type;
            *content = rec.body;
            return TP_OK;
        }
        if (rec.type == TP_CT_ALERT)
            return unprotected_alert(d, &rec, err);
        if (rec.type != TP_CT_APPDATA)
            return tp_error_set(err, TP_ERR_TLS_RECORD,
                                "%s sent an unprotected record (type %u) after encryption began",
                                d->who, rec.type);
        if ((rc = tp_traffic_open(&d->key, &rec, &d->pt, type, d->who, err)) != TP_OK)
            return rc;
        if (*type != TP_CT_APPDATA && *type != TP_CT_HANDSHAKE && *type != TP_CT_ALERT)
            return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: bad inner content type %u",
                                d->who, *type);
        if (*type != TP_CT_APPDATA && d->pt.len == 0)
            return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: empty inner %s record",
                                d->who, *type == TP_CT_ALERT ? "alert" : "handshake");
        tp_reader_init(content, d->pt.data, d->pt.len);
        return TP_OK;
    }
}

static tp_err handle_alert(dir *d, tp_reader content, tp_tls_verify_result *out, tp_error *err)
{
    uint8_t level, desc;
    if (!tp_read_u8(&content, &level) || !tp_read_u8(&content, &desc) ||
        tp_reader_left(&content) != 0)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s alert record malformed", d->who);
    if (desc == 0) {
        d->closed = 1;
        if (out && strcmp(d->who, "server") == 0)
            out->server_close_notify = 1;
        return TP_OK;
    }
    if (desc == 90) /* user_canceled: a warning; close_notify should follow */
        return TP_OK;
    return tp_error_set(err, TP_ERR_TLS_ALERT, "%s sent fatal alert %s (%u)", d->who,
                        tp_alert_name(desc), desc);
}

static tp_err hs_append(dir *d, tp_reader content, tp_error *err)
{
    if (d->hs_off > 0) { /* drop consumed bytes */
        memmove(d->hs.data, d->hs.data + d->hs_off, d->hs.len - d->hs_off);
        d->hs.len -= d->hs_off;
        d->hs_off = 0;
    }
    /* pending is at most one incomplete message; a record adds at most 2^14+1 bytes */
    if (d->hs.len + tp_reader_left(&content) > TP_TLS_MAX_HS_MSG + 4 + TP_TLS_MAX_RECORD_PT)
        return tp_error_set(err, TP_ERR_LIMIT, "%s handshake message exceeds %u bytes", d->who,
                            TP_TLS_MAX_HS_MSG);
    if (!tp_buf_append(&d->hs, tp_reader_data(&content), tp_reader_left(&content)))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

/* Takes one complete message from the pending handshake bytes: 1 = got, 0 = need more. */
static int hs_take(dir *d, uint8_t *type, tp_reader *body, tp_reader *whole, tp_err *rc,
                   tp_error *err)
{
    tp_reader r, start;
    uint32_t len;
    *rc = TP_OK;
    tp_reader_init(&r, d->hs.data, d->hs.len);
    if (!tp_read_skip(&r, d->hs_off))
        return 0;
    start = r;
    if (!tp_read_u8(&r, type) || !tp_read_u24(&r, &len))
        return 0;
    if (len > TP_TLS_MAX_HS_MSG) {
        *rc = tp_error_set(err, TP_ERR_LIMIT, "%s handshake message of %u bytes exceeds %u",
                           d->who, len, TP_TLS_MAX_HS_MSG);
        return 0;
    }
    if (!tp_read_sub(&r, len, body) || !tp_read_sub(&start, 4 + (size_t)len, whole))
        return 0;
    d->hs_off += 4 + (size_t)len;
    d->msgs++;
    return 1;
}

static size_t hs_pending(const dir *d) { return d->hs.len - d->hs_off; }

static tp_err require_boundary(dir *d, const char *when, tp_error *err)
{
    if (hs_pending(d) != 0)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "%s handshake data continues in the same record after %s", d->who,
                            when);
    return TP_OK;
}

static const char *hs_name(uint8_t t)
{
    switch (t) {
    case TP_HS_CLIENT_HELLO: return "ClientHello";
    case TP_HS_SERVER_HELLO: return "ServerHello";
    case TP_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TP_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case TP_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TP_HS_CERTIFICATE: return "Certificate";
    case TP_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TP_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TP_HS_FINISHED: return "Finished";
    case TP_HS_KEY_UPDATE: return "KeyUpdate";
    default: return "unknown";
    }
}

/* Next handshake message during the handshake; the stream ending is TP_ERR_TRUNCATED. */
static tp_err next_msg(dir *d, const char *want, uint8_t *type, tp_reader *body,
                       tp_reader *whole, tp_error *err)
{
    for (;;) {
        tp_err rc;
        if (hs_take(d, type, body, whole, &rc, err))
            return TP_OK;
        if (rc != TP_OK)
            return rc;
        uint8_t ct;
        tp_reader content;
        int have;
        if ((rc = dir_read(d, &ct, &content, &have, err)) != TP_OK)
            return rc;
        if (!have)
            return tp_error_set(err, TP_ERR_TRUNCATED,
                                "%s stream ended during the handshake (waiting for %s)", d->who,
                                want);
        if (ct == TP_CT_ALERT)
            rc = handle_alert(d, content, NULL, err);
        else if (ct == TP_CT_HANDSHAKE)
            rc = hs_append(d, content, err);
        else
            rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                              "%s sent application data before the handshake completed", d->who);
        if (rc != TP_OK)
            return rc;
    }
}

static tp_err expect_msg(dir *d, uint8_t want, tp_reader *body, tp_reader *whole, tp_error *err)
{
    uint8_t type;
    tp_err rc = next_msg(d, hs_name(want), &type, body, whole, err);
    if (rc != TP_OK)
        return rc;
    if (type != want)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s sent %s (%u) where %s was expected",
                            d->who, hs_name(type), type, hs_name(want));
    return TP_OK;
}

static tp_err th_add(session *S, tp_reader whole, tp_error *err)
{
    if (!tp_transcript_add(&S->th, tp_reader_data(&whole), tp_reader_left(&whole)))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return TP_OK;
}

static tp_err th_peek(session *S, uint8_t *out, tp_error *err)
{
    if (!tp_transcript_peek(&S->th, out))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return TP_OK;
}

static tp_err do_client_hello(session *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = expect_msg(&S->c, TP_HS_CLIENT_HELLO, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_client_hello(body, S->in->group, &S->ch, err);
    if (rc == TP_OK && !tp_buf_append(&S->ch_msg, tp_reader_data(&whole), tp_reader_left(&whole)))
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (rc == TP_OK)
        rc = require_boundary(&S->c, "ClientHello", err);
    return rc;
}

static tp_err do_server_hello(session *S, tp_error *err)
{
    tp_reader body, whole;
    tp_err rc = expect_msg(&S->s, TP_HS_SERVER_HELLO, &body, &whole, err);
    if (rc == TP_OK)
        rc = tp_parse_server_hello(body, &S->ch, &S->sh, err);
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
    if ((rc = require_boundary(&S->s, "ServerHello", err)) != TP_OK)
        return rc;
    if (!tp_transcript_init(&S->th, S->suite->md()) ||
        !tp_transcript_add(&S->th, S->ch_msg.data, S->ch_msg.len))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return th_add(S, whole, err);
}

static tp_err do_key_exchange(session *S, tp_error *err)
{
    uint8_t shared[32], th[TP_TLS_MAX_HASH];
    tp_err rc = tp_ecdhe_shared(S->in->group, S->in->private_key, S->in->private_key_len,
                                S->ch.share, S->ch.share_len, S->sh.share, S->sh.share_len,
                                shared, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_schedule_handshake(&S->ks, S->suite, shared, 32, th))
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
    tp_err rc = next_msg(&S->s, "Certificate", &type, &body, &whole, err);
    if (rc == TP_OK && type == TP_HS_CERTIFICATE_REQUEST) {
        S->cert_requested = 1;
        rc = tp_parse_certificate_request(body, err);
        if (rc == TP_OK)
            rc = th_add(S, whole, err);
        if (rc == TP_OK)
            rc = next_msg(&S->s, "Certificate", &type, &body, &whole, err);
    }
    if (rc != TP_OK)
        return rc;
    if (type != TP_HS_CERTIFICATE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "server sent %s where Certificate was "
                            "expected", hs_name(type));
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
    tp_err rc = expect_msg(&S->s, TP_HS_CERTIFICATE_VERIFY, &body, &whole, err);
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

static tp_err check_finished(session *S, dir *d, const uint8_t *base, tp_error *err)
{
    tp_reader body, whole;
    uint8_t th[TP_TLS_MAX_HASH], want[TP_TLS_MAX_HASH];
    size_t hl = S->suite->hash_len;
    tp_err rc = expect_msg(d, TP_HS_FINISHED, &body, &whole, err);
    if (rc == TP_OK)
        rc = th_peek(S, th, err);
    if (rc == TP_OK && !tp_finished_verify_data(S->suite, base, th, want))
        rc = tp_error_set(err, TP_ERR_CRYPTO, "Finished computation failed");
    if (rc == TP_OK && (tp_reader_left(&body) != hl ||
                        CRYPTO_memcmp(tp_reader_data(&body), want, hl) != 0))
        rc = tp_error_set(err, TP_ERR_TLS_FINISHED, "%s Finished verify_data does not match",
                          d->who);
    if (rc == TP_OK)
        rc = th_add(S, whole, err);
    if (rc == TP_OK)
        rc = require_boundary(d, "Finished", err);
    OPENSSL_cleanse(want, sizeof(want));
    d->finished = rc == TP_OK;
    return rc;
}

static tp_err do_server_flight(session *S, tp_error *err)
{
    tp_reader body, whole;
    uint8_t th[TP_TLS_MAX_HASH];
    tp_err rc = expect_msg(&S->s, TP_HS_ENCRYPTED_EXTENSIONS, &body, &whole, err);
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
        rc = expect_msg(&S->c, TP_HS_CERTIFICATE, &body, &whole, err);
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

static tp_err post_handshake_msg(dir *d, int is_server, uint8_t type, tp_reader body,
                                 tp_error *err)
{
    if (++d->post_hs_msgs > TP_TLS_MAX_POST_HS_MSGS)
        return tp_error_set(err, TP_ERR_LIMIT, "%s sent more than %d post-handshake messages",
                            d->who, TP_TLS_MAX_POST_HS_MSGS);
    if (type == TP_HS_NEW_SESSION_TICKET && is_server)
        return tp_parse_new_session_ticket(body, err);
    if (type == TP_HS_KEY_UPDATE) {
        tp_err rc = tp_parse_key_update(body, err);
        if (rc == TP_OK)
            rc = require_boundary(d, "KeyUpdate", err);
        if (rc == TP_OK)
            rc = tp_traffic_update(&d->key, err);
        return rc;
    }
    if (type == TP_HS_CERTIFICATE_REQUEST && is_server)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "post-handshake client authentication is not supported");
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s sent unexpected post-handshake %s (%u)",
                        d->who, hs_name(type), type);
}

static tp_err app_handshake(dir *d, int is_server, tp_reader content, tp_error *err)
{
    tp_err rc = hs_append(d, content, err);
    uint8_t type;
    tp_reader body, whole;
    while (rc == TP_OK && hs_take(d, &type, &body, &whole, &rc, err))
        rc = post_handshake_msg(d, is_server, type, body, err);
    return rc;
}

/* Application phase of one direction: collects the plaintext into app. */
static tp_err read_app(dir *d, int is_server, tp_buf *app, tp_tls_verify_result *out,
                       tp_error *err)
{
    for (;;) {
        uint8_t ct;
        tp_reader content;
        int have;
        tp_err rc = dir_read(d, &ct, &content, &have, err);
        if (rc != TP_OK)
            return rc;
        if (!have)
            break;
        if (ct == TP_CT_APPDATA) {
            if (hs_pending(d) != 0)
                return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                                    "%s interleaved application data with a handshake message",
                                    d->who);
            if (!tp_buf_append(app, tp_reader_data(&content), tp_reader_left(&content)))
                return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        } else if (ct == TP_CT_HANDSHAKE) {
            rc = app_handshake(d, is_server, content, err);
        } else {
            rc = handle_alert(d, content, out, err);
        }
        if (rc != TP_OK)
            return rc;
    }
    if (d->closed && d->rs.partial)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s sent data after close_notify", d->who);
    if (is_server && (d->rs.partial || hs_pending(d) != 0))
        out->server_trailing_partial = 1;
    return TP_OK;
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
    session *S = calloc(1, sizeof(*S));
    if (!S)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    S->in = in;
    S->out = out;
    S->opt = opt;
    dir_init(&S->c, "client", in->client_bytes, in->client_len);
    dir_init(&S->s, "server", in->server_bytes, in->server_len);
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
    dir_free(&S->c);
    dir_free(&S->s);
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
