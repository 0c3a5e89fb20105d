/* One direction of a replayed TLS session (TLS 1.3 and 1.2 alike): records out of the
 * relayed stream, decryption once keys are active, ChangeCipherSpec and alert rules, and
 * handshake messages reassembled across records. The version-specific replays (tls13.c,
 * tls12.c) drive two of these, one per direction. */
#include <openssl/crypto.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

void tp_flow_init(tp_flow *d, const char *who, const uint8_t *p, size_t n, int tls12)
{
    memset(d, 0, sizeof(*d));
    d->who = who;
    d->tls12 = tls12;
    tp_record_stream_init(&d->rs, p, n);
}

void tp_flow_free(tp_flow *d)
{
    tp_traffic_wipe(&d->key);
    tp_traffic_wipe(&d->pending);
    tp_buf_free(&d->hs);
    tp_buf_free(&d->pt);
}

/* TLS 1.3: the compatibility CCS, once, during the handshake. TLS 1.2: exactly where the
 * replay armed the pending key (after ClientKeyExchange / before the server Finished). */
static tp_err check_ccs(tp_flow *d, const tp_record *rec, tp_error *err)
{
    tp_reader b = rec->body;
    uint8_t v;
    if (!tp_read_u8(&b, &v) || v != 1 || tp_reader_left(&b) != 0)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s change_cipher_spec is not 0x01", d->who);
    if (d->tls12) {
        if (!d->pending.active || d->ccs_seen || tp_flow_hs_pending(d) != 0)
            return tp_error_set(err, d->ccs_error ? TP_ERR_TLS_UNSUPPORTED : TP_ERR_TLS_RECORD,
                                "%s sent change_cipher_spec at an unexpected point%s", d->who,
                                d->ccs_error ? d->ccs_error : "");
        tp_traffic_wipe(&d->key); /* nothing was opened under it; its context, if any, goes */
        d->key = d->pending;      /* the pending key moves, context pointer included */
        OPENSSL_cleanse(&d->pending, sizeof(d->pending));
        d->ccs_seen = 1;
        return TP_OK;
    }
    if (d->msgs == 0 || d->finished || d->ccs_seen)
        return tp_error_set(err, TP_ERR_TLS_RECORD,
                            "%s sent change_cipher_spec outside the handshake", d->who);
    d->ccs_seen = 1;
    return TP_OK;
}

/* A plaintext alert after keys were installed (a peer failing early may send one). It is not
 * authenticated: a fatal one is reported as such, close_notify is never accepted this way. */
static tp_err unprotected_alert(tp_flow *d, const tp_record *rec, tp_error *err)
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

static tp_err open_protected(tp_flow *d, const tp_record *rec, uint8_t *type, tp_reader *content,
                             tp_error *err)
{
    if (!d->tls12) {
        if (rec->type == TP_CT_ALERT)
            return unprotected_alert(d, rec, err);
        if (rec->type != TP_CT_APPDATA)
            return tp_error_set(err, TP_ERR_TLS_RECORD,
                                "%s sent an unprotected record (type %u) after encryption began",
                                d->who, rec->type);
    }
    tp_err rc = tp_traffic_open(&d->key, rec, &d->pt, type, d->who, err);
    if (rc != TP_OK)
        return rc;
    if (*type != TP_CT_APPDATA && *type != TP_CT_HANDSHAKE && *type != TP_CT_ALERT)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: bad inner content type %u",
                            d->who, *type);
    if (*type != TP_CT_APPDATA && d->pt.len == 0)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: empty inner %s record", d->who,
                            *type == TP_CT_ALERT ? "alert" : "handshake");
    tp_reader_init(content, d->pt.data, d->pt.len);
    return TP_OK;
}

tp_err tp_flow_read(tp_flow *d, uint8_t *type, tp_reader *content, int *have, tp_error *err)
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
        if (d->key.active)
            return open_protected(d, &rec, type, content, err);
        if (rec.type == TP_CT_APPDATA)
            return tp_error_set(err, TP_ERR_TLS_RECORD,
                                "%s sent a protected record before keys were established",
                                d->who);
        *type = rec.type;
        *content = rec.body;
        return TP_OK;
    }
}

tp_err tp_flow_alert(tp_flow *d, tp_reader content, tp_tls_verify_result *out, tp_error *err)
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
    if (d->tls12 && level == 1 && desc == 100) /* no_renegotiation (warning) */
        return TP_OK;
    return tp_error_set(err, TP_ERR_TLS_ALERT, "%s sent fatal alert %s (%u)", d->who,
                        tp_alert_name(desc), desc);
}

tp_err tp_flow_hs_append(tp_flow *d, tp_reader content, tp_error *err)
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

int tp_flow_hs_take(tp_flow *d, uint8_t *type, tp_reader *body, tp_reader *whole, tp_err *rc,
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

size_t tp_flow_hs_pending(const tp_flow *d) { return d->hs.len - d->hs_off; }

tp_err tp_flow_require_boundary(tp_flow *d, const char *when, tp_error *err)
{
    if (tp_flow_hs_pending(d) != 0)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "%s handshake data continues in the same record after %s", d->who,
                            when);
    return TP_OK;
}

const char *tp_hs_name(uint8_t t)
{
    switch (t) {
    case TP_HS_HELLO_REQUEST: return "HelloRequest";
    case TP_HS_CLIENT_HELLO: return "ClientHello";
    case TP_HS_SERVER_HELLO: return "ServerHello";
    case TP_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TP_HS_END_OF_EARLY_DATA: return "EndOfEarlyData";
    case TP_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TP_HS_CERTIFICATE: return "Certificate";
    case TP_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case TP_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TP_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case TP_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TP_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case TP_HS_FINISHED: return "Finished";
    case TP_HS_CERTIFICATE_STATUS: return "CertificateStatus";
    case TP_HS_KEY_UPDATE: return "KeyUpdate";
    default: return "unknown";
    }
}

tp_err tp_flow_next_msg(tp_flow *d, const char *want, uint8_t *type, tp_reader *body,
                        tp_reader *whole, tp_error *err)
{
    for (;;) {
        tp_err rc;
        if (tp_flow_hs_take(d, type, body, whole, &rc, err))
            return TP_OK;
        if (rc != TP_OK)
            return rc;
        uint8_t ct;
        tp_reader content;
        int have;
        if ((rc = tp_flow_read(d, &ct, &content, &have, err)) != TP_OK)
            return rc;
        if (!have)
            return tp_error_set(err, TP_ERR_TRUNCATED,
                                "%s stream ended during the handshake (waiting for %s)", d->who,
                                want);
        if (ct == TP_CT_ALERT)
            rc = tp_flow_alert(d, content, NULL, err);
        else if (ct == TP_CT_HANDSHAKE)
            rc = tp_flow_hs_append(d, content, err);
        else
            rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                              "%s sent application data before the handshake completed", d->who);
        if (rc != TP_OK)
            return rc;
    }
}

tp_err tp_flow_expect_msg(tp_flow *d, uint8_t want, tp_reader *body, tp_reader *whole,
                          tp_error *err)
{
    uint8_t type;
    tp_err rc = tp_flow_next_msg(d, tp_hs_name(want), &type, body, whole, err);
    if (rc != TP_OK)
        return rc;
    if (type != want)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s sent %s (%u) where %s was expected",
                            d->who, tp_hs_name(type), type, tp_hs_name(want));
    return TP_OK;
}

static tp_err app_handshake(tp_flow *d, int is_server, tp_reader content, tp_flow_post_hs cb,
                            tp_error *err)
{
    tp_err rc = tp_flow_hs_append(d, content, err);
    uint8_t type;
    tp_reader body, whole;
    while (rc == TP_OK && tp_flow_hs_take(d, &type, &body, &whole, &rc, err)) {
        if (++d->post_hs_msgs > TP_TLS_MAX_POST_HS_MSGS)
            return tp_error_set(err, TP_ERR_LIMIT, "%s sent more than %d post-handshake messages",
                                d->who, TP_TLS_MAX_POST_HS_MSGS);
        rc = cb(d, is_server, type, body, err);
    }
    return rc;
}

tp_err tp_flow_read_app(tp_flow *d, int is_server, tp_buf *app, tp_tls_verify_result *out,
                        tp_flow_post_hs cb, tp_error *err)
{
    /* The rest of the stream bounds its plaintext: one allocation, never regrown (no copy,
     * no wipe of an outgrown block, a wipe on free of about what was used). */
    tp_buf_set_large(app); /* a big response: huge pages, not a page fault per 4 KiB */
    if (!tp_buf_reserve(app, tp_reader_left(&d->rs.r)))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    for (;;) {
        uint8_t ct;
        tp_reader content;
        int have;
        tp_err rc = tp_flow_read(d, &ct, &content, &have, err);
        if (rc != TP_OK)
            return rc;
        if (!have)
            break;
        if (ct == TP_CT_APPDATA) {
            if (tp_flow_hs_pending(d) != 0)
                return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                                    "%s interleaved application data with a handshake message",
                                    d->who);
            if (!tp_buf_append(app, tp_reader_data(&content), tp_reader_left(&content)))
                return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        } else if (ct == TP_CT_HANDSHAKE) {
            rc = app_handshake(d, is_server, content, cb, err);
        } else {
            rc = tp_flow_alert(d, content, out, err);
        }
        if (rc != TP_OK)
            return rc;
    }
    if (d->closed && d->rs.partial)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s sent data after close_notify", d->who);
    if (is_server && (d->rs.partial || tp_flow_hs_pending(d) != 0))
        out->server_trailing_partial = 1;
    return TP_OK;
}

tp_err tp_flow_th_add(struct tp_transcript *th, tp_reader whole, tp_error *err)
{
    if (!tp_transcript_add(th, tp_reader_data(&whole), tp_reader_left(&whole)))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return TP_OK;
}

tp_err tp_flow_th_peek(const struct tp_transcript *th, uint8_t *out, tp_error *err)
{
    if (!tp_transcript_peek(th, out))
        return tp_error_set(err, TP_ERR_CRYPTO, "transcript hash failed");
    return TP_OK;
}

tp_err tp_flow_finished_match(const tp_flow *d, tp_reader body, const uint8_t *want, size_t len,
                              tp_error *err)
{
    if (tp_reader_left(&body) != len || CRYPTO_memcmp(tp_reader_data(&body), want, len) != 0)
        return tp_error_set(err, TP_ERR_TLS_FINISHED, "%s Finished verify_data does not match",
                            d->who);
    return TP_OK;
}
