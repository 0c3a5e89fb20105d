/* Walks TLS records out of one contiguous relayed byte stream. The relay may have split or
 * merged records across reads; here the stream is already one buffer, so a record is just
 * the next 5-byte header and the body it announces. */
#include "tls/tls_internal.h"

void tp_record_stream_init(tp_record_stream *s, const uint8_t *p, size_t n)
{
    tp_reader_init(&s->r, p, n);
    s->partial = 0;
}

int tp_record_type_known(uint8_t t)
{
    return t == TP_CT_CCS || t == TP_CT_ALERT || t == TP_CT_HANDSHAKE || t == TP_CT_APPDATA;
}

tp_err tp_record_header_check(const uint8_t hdr[TP_TLS_RECORD_HEADER], uint8_t *type,
                              uint16_t *version, uint16_t *len, const char *who, tp_error *err)
{
    *type = hdr[0];
    *version = (uint16_t)(hdr[1] << 8 | hdr[2]);
    *len = (uint16_t)(hdr[3] << 8 | hdr[4]);
    if (!tp_record_type_known(*type))
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: unknown content type %u", who,
                            *type);
    /* RFC 8446 5.1: 0x0303, or 0x0301 in an initial ClientHello; TLS 1.2 peers: 0x0301-0x0303. */
    if (*version < TP_TLS_RECORD_VERSION_MIN || *version > TP_TLS_RECORD_VERSION_MAX)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: bad legacy version 0x%04x",
                            who, *version);
    if (*len > TP_TLS_MAX_RECORD_CT)
        return tp_error_set(err, TP_ERR_TLS_RECORD,
                            "%s record: length %u exceeds 2^14+256 (record_overflow)", who,
                            *len);
    if (*len == 0)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: empty %u record", who, *type);
    return TP_OK;
}

tp_err tp_record_next(tp_record_stream *s, tp_record *out, int *have, const char *who,
                      tp_error *err)
{
    *have = 0;
    if (tp_reader_left(&s->r) == 0)
        return TP_OK;
    tp_reader peek = s->r;
    const uint8_t *hdr;
    if (!tp_read_bytes(&peek, TP_TLS_RECORD_HEADER, &hdr)) {
        s->partial = 1;
        return TP_OK;
    }
    uint8_t type;
    uint16_t version, len;
    tp_err rc = tp_record_header_check(hdr, &type, &version, &len, who, err);
    if (rc != TP_OK)
        return rc;
    tp_reader body;
    if (!tp_read_sub(&peek, len, &body)) {
        s->partial = 1;
        return TP_OK;
    }
    s->r = peek;
    out->type = type;
    out->version = version;
    out->header = hdr;
    out->body = body;
    *have = 1;
    return TP_OK;
}

const char *tp_alert_name(uint8_t desc)
{
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown_alert";
    }
}
