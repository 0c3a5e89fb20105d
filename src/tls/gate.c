/* The tunnel's TLS gate; see gate.h. Each direction runs through a record-boundary tracker
 * (a header is checked as its bytes arrive, bodies pass through); only the ClientHello is
 * held, so that nothing reaches the target before it was checked whole. */
#include "tls/gate.h"

#include <string.h>

#include "tls/tls_internal.h"

/* The parser's detail, kept under this gate's one error name. */
static tp_err refuse(tp_error *err, const char *what)
{
    if (err != NULL)
        err->code = TP_ERR_TUNNEL_NOT_TLS;
    return tp_error_prefix(err, TP_ERR_TUNNEL_NOT_TLS, "%s", what);
}

/* Consumes the next header byte or the next span of body bytes from r. *body gets the body
 * bytes consumed (empty when a header byte was consumed); *new_record is 1 when a header was
 * just completed and accepted (t->type and t->body_left describe that record). */
static tp_err track(tp_record_tracker *t, tp_reader *r, tp_reader *body, int *new_record,
                    const char *who, tp_error *err)
{
    *new_record = 0;
    tp_reader_init(body, NULL, 0);
    if (t->body_left > 0) {
        size_t n = tp_reader_left(r) < t->body_left ? tp_reader_left(r) : t->body_left;
        tp_read_sub(r, n, body);
        t->body_left = (uint16_t)(t->body_left - n);
        return TP_OK;
    }
    tp_read_u8(r, &t->hdr[t->hdr_have++]);
    if (t->hdr_have == 1 && !tp_record_type_known(t->hdr[0])) /* fail fast on plain text */
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                            "%s bytes are not a TLS record (content type %u)", who, t->hdr[0]);
    if (t->hdr_have < sizeof(t->hdr))
        return TP_OK;
    uint16_t version, len;
    tp_err rc = tp_record_header_check(t->hdr, &t->type, &version, &len, who, err);
    if (rc != TP_OK)
        return refuse(err, "not a TLS stream");
    t->hdr_have = 0;
    t->body_left = len;
    t->records++;
    *new_record = 1;
    return TP_OK;
}

/* The whole ClientHello message is in g->hello: the verifier's parser, then the host. */
static tp_err check_hello(tp_tls_gate *g, const char *host, tp_error *err)
{
    tp_reader body;
    tp_reader_init(&body, g->hello.data + 4, g->hello.len - 4);
    tp_client_hello ch;
    tp_err rc = tp_parse_client_hello(body, 0, &ch, err);
    if (rc == TP_OK)
        rc = tp_cert_check_host(NULL, host, &ch, 0, err);
    return rc == TP_OK ? TP_OK : refuse(err, "tunnel ClientHello refused");
}

/* New bytes of the ClientHello message; 1 in *done when it is complete at a record end. */
static tp_err hello_bytes(tp_tls_gate *g, const char *host, tp_reader body, int *done,
                          tp_error *err)
{
    if (!tp_buf_append(&g->hello, tp_reader_data(&body), tp_reader_left(&body)))
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    const uint8_t *m = g->hello.data;
    if (m[0] != TP_HS_CLIENT_HELLO)
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                            "the first handshake message is type %u, not a ClientHello", m[0]);
    if (g->hello.len < 4)
        return TP_OK;
    size_t want = 4 + ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]);
    if (want > TP_TLS_GATE_MAX_HELLO)
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS, "ClientHello of %zu bytes exceeds %u",
                            want, TP_TLS_GATE_MAX_HELLO);
    if (g->hello.len > want)
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                            "ClientHello does not end at a record boundary (RFC 8446 5.1)");
    if (g->hello.len < want || g->client.body_left > 0)
        return TP_OK;
    *done = 1;
    return check_hello(g, host, err);
}

/* Prover bytes while the ClientHello is incomplete: held, never released, until it passed. */
static tp_err feed_hello(tp_tls_gate *g, const char *host, tp_reader *r, tp_buf *release,
                         tp_error *err)
{
    int done = 0;
    while (!done && tp_reader_left(r) > 0) {
        const uint8_t *start = tp_reader_data(r);
        tp_reader body;
        int new_record;
        tp_err rc = track(&g->client, r, &body, &new_record, "prover", err);
        if (rc != TP_OK)
            return rc;
        size_t used = (size_t)(tp_reader_data(r) - start);
        if (g->held.len + used > TP_TLS_GATE_MAX_HELLO)
            return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                                "ClientHello records exceed %u bytes", TP_TLS_GATE_MAX_HELLO);
        if (!tp_buf_append(&g->held, start, used))
            return tp_error_set(err, TP_ERR_NOMEM, NULL);
        if (new_record && (g->client.type != TP_CT_HANDSHAKE ||
                           g->client.body_left > TP_TLS_MAX_RECORD_PLAIN))
            return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                                "the tunnel must start with a ClientHello: got a record of "
                                "type %u and length %u", g->client.type, g->client.body_left);
        if (tp_reader_left(&body) > 0 && (rc = hello_bytes(g, host, body, &done, err)) != TP_OK)
            return rc;
    }
    if (!done)
        return TP_OK;
    if (!tp_buf_append(release, g->held.data, g->held.len))
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    g->hello_passed = 1;
    tp_buf_free(&g->held);
    tp_buf_free(&g->hello);
    return TP_OK;
}

tp_err tp_tls_gate_client(tp_tls_gate *g, const char *host, const uint8_t *p, size_t n,
                          tp_buf *release, tp_error *err)
{
    tp_reader r;
    tp_reader_init(&r, p, n);
    if (!g->hello_passed) {
        tp_err rc = feed_hello(g, host, &r, release, err);
        if (rc != TP_OK || tp_reader_left(&r) == 0)
            return rc;
    }
    /* Without 0-RTT (refused above) a TLS 1.3 client says nothing more until it has the
     * server's first flight, which it can only have through us. */
    if (g->server_bytes == 0)
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                            "the prover sent more bytes after its ClientHello before the target "
                            "answered");
    const uint8_t *start = tp_reader_data(&r);
    while (tp_reader_left(&r) > 0) {
        tp_reader body;
        int new_record;
        tp_err rc = track(&g->client, &r, &body, &new_record, "prover", err);
        if (rc != TP_OK)
            return rc;
    }
    if (!tp_buf_append(release, start, (size_t)(tp_reader_data(&r) - start)))
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    return TP_OK;
}

tp_err tp_tls_gate_server(tp_tls_gate *g, const uint8_t *p, size_t n, tp_error *err)
{
    if (n > 0 && !g->hello_passed)
        return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                            "the target sent bytes before any ClientHello: not a TLS server");
    tp_reader r;
    tp_reader_init(&r, p, n);
    tp_record_tracker *t = &g->server;
    while (tp_reader_left(&r) > 0) {
        tp_reader body;
        int new_record;
        tp_err rc = track(t, &r, &body, &new_record, "target", err);
        if (rc != TP_OK)
            return rc;
        int first = t->records == 1;
        if (new_record && first && t->type != TP_CT_HANDSHAKE && t->type != TP_CT_ALERT)
            return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                                "the target's first record (type %u) is not a ServerHello",
                                t->type);
        /* The first body byte of the first handshake record: the handshake type. */
        if (first && t->type == TP_CT_HANDSHAKE && tp_reader_left(&body) > 0 &&
            g->server_bytes + (size_t)(tp_reader_data(&body) - p) == TP_TLS_RECORD_HEADER &&
            tp_reader_data(&body)[0] != TP_HS_SERVER_HELLO)
            return tp_error_set(err, TP_ERR_TUNNEL_NOT_TLS,
                                "the target's first handshake message (type %u) is not a "
                                "ServerHello", tp_reader_data(&body)[0]);
    }
    g->server_bytes += n;
    return TP_OK;
}

void tp_tls_gate_free(tp_tls_gate *g)
{
    tp_buf_free(&g->held);
    tp_buf_free(&g->hello);
}
