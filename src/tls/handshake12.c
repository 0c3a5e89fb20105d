/* Parsers for the TLS 1.2 handshake messages only TLS 1.2 has (RFC 5246 §7.4, RFC 8422 §5):
 * ServerKeyExchange (ECDHE, named curve), ClientKeyExchange (ECDHE point), the client's
 * (empty) Certificate and NewSessionTicket (RFC 5077). */
#include "tls/tls_internal.h"

#define CURVE_TYPE_NAMED 3

static tp_err bad12(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s", what);
}

tp_err tp_parse_server_kx(tp_reader body, tp_server_kx *kx, tp_error *err)
{
    tp_reader start = body, point;
    uint8_t curve_type;
    if (!tp_read_u8(&body, &curve_type))
        return bad12(err, "ServerKeyExchange: malformed");
    if (curve_type != CURVE_TYPE_NAMED)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "ServerKeyExchange: curve type %u (explicit curves) is not supported",
                            curve_type);
    if (!tp_read_u16(&body, &kx->group) || !tp_read_prefixed_u8(&body, &point) ||
        tp_reader_left(&point) == 0)
        return bad12(err, "ServerKeyExchange: malformed ECDHE parameters");
    kx->point = tp_reader_data(&point);
    kx->point_len = tp_reader_left(&point);
    kx->params = tp_reader_data(&start);
    kx->params_len = tp_reader_left(&start) - tp_reader_left(&body);
    if (!tp_read_u16(&body, &kx->scheme) || !tp_read_prefixed_u16(&body, &kx->sig) ||
        tp_reader_left(&kx->sig) == 0 || tp_reader_left(&body) != 0)
        return bad12(err, "ServerKeyExchange: malformed signature");
    return TP_OK;
}

tp_err tp_parse_client_kx(tp_reader body, const uint8_t **point, size_t *point_len,
                          tp_error *err)
{
    tp_reader p;
    if (!tp_read_prefixed_u8(&body, &p) || tp_reader_left(&p) == 0 || tp_reader_left(&body) != 0)
        return bad12(err, "ClientKeyExchange: malformed ECDHE point");
    *point = tp_reader_data(&p);
    *point_len = tp_reader_left(&p);
    return TP_OK;
}

tp_err tp_parse_client_certificate12(tp_reader body, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u24(&body, &list) || tp_reader_left(&body) != 0)
        return bad12(err, "client Certificate: malformed");
    if (tp_reader_left(&list) != 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "client certificate authentication is not supported");
    return TP_OK;
}

tp_err tp_parse_new_session_ticket12(tp_reader body, tp_error *err)
{
    uint32_t lifetime;
    tp_reader ticket;
    if (!tp_read_u32(&body, &lifetime) || !tp_read_prefixed_u16(&body, &ticket) ||
        tp_reader_left(&body) != 0)
        return bad12(err, "NewSessionTicket: malformed");
    return TP_OK;
}
