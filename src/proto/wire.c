/* Frame encoding/decoding of the prover <-> notary protocol; see wire.h. */
#include "proto/wire.h"

#include <jansson.h>
#include <string.h>

int tp_frame_write(tp_buf *out, uint8_t type, const void *payload, size_t len)
{
    if (len > TP_FRAME_MAX_PAYLOAD)
        return 0;
    return tp_buf_put_u8(out, type) && tp_buf_put_u32(out, (uint32_t)len) &&
           tp_buf_append(out, payload, len);
}

int tp_frame_decoder_feed(tp_frame_decoder *d, const void *p, size_t n)
{
    /* Drop consumed bytes before growing, so the buffer stays one frame large. */
    if (d->pos > 0 && d->pos == d->buf.len) {
        d->buf.len = 0;
        d->pos = 0;
    } else if (d->pos > (64u << 10)) {
        memmove(d->buf.data, d->buf.data + d->pos, d->buf.len - d->pos);
        d->buf.len -= d->pos;
        d->pos = 0;
    }
    return tp_buf_append(&d->buf, p, n);
}

static int known_type(uint8_t t)
{
    switch (t) {
    case TP_MSG_ATTEST_REQ: case TP_MSG_ATTEST_RESP: case TP_MSG_TUNNEL_REQ: case TP_MSG_TUNNEL_OK:
    case TP_MSG_DATA: case TP_MSG_TUNNEL_CLOSE: case TP_MSG_PROVE_REQ: case TP_MSG_PROOF:
    case TP_MSG_DIRECT_REQ:
    case TP_MSG_ERROR:
        return 1;
    default:
        return 0;
    }
}

int tp_frame_decoder_next(tp_frame_decoder *d, tp_frame *f, tp_error *err)
{
    tp_reader r;
    tp_reader_init(&r, d->buf.data + d->pos, d->buf.len - d->pos);
    uint8_t type;
    uint32_t len;
    if (!tp_read_u8(&r, &type) || !tp_read_u32(&r, &len))
        return 0;
    if (!known_type(type)) {
        tp_error_set(err, TP_ERR_PROTOCOL, "unknown message type 0x%02x", type);
        return -1;
    }
    if (len > TP_FRAME_MAX_PAYLOAD) {
        tp_error_set(err, TP_ERR_LIMIT, "message of %u bytes exceeds the %u-byte limit", len,
                     TP_FRAME_MAX_PAYLOAD);
        return -1;
    }
    const uint8_t *payload;
    if (!tp_read_bytes(&r, len, &payload))
        return 0;
    f->type = type;
    f->payload = payload;
    f->len = len;
    d->pos += TP_FRAME_HEADER_LEN + len;
    return 1;
}

void tp_frame_decoder_free(tp_frame_decoder *d)
{
    tp_buf_free(&d->buf); /* PROVE frames carry the session key */
    d->pos = 0;
}

void tp_channel_binding_message(const uint8_t exporter[TP_EXPORTER_LEN],
                                uint8_t out[TP_CHANNEL_BINDING_MSG_LEN])
{
    memcpy(out, TP_CHANNEL_BINDING_LABEL, sizeof(TP_CHANNEL_BINDING_LABEL)); /* includes NUL */
    memcpy(out + sizeof(TP_CHANNEL_BINDING_LABEL), exporter, TP_EXPORTER_LEN);
}

int tp_error_frame_write(tp_buf *out, const tp_error *e)
{
    json_t *o = json_pack("{s:s, s:s}", "code", tp_err_name(e->code), "message", tp_error_message(e));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    int ok = s != NULL && tp_frame_write(out, TP_MSG_ERROR, s, strlen(s));
    free(s);
    json_decref(o);
    return ok;
}

static tp_err err_from_name(const char *name)
{
    for (int c = 1; c < TP_ERR__COUNT; c++)
        if (strcmp(tp_err_name((tp_err)c), name) == 0)
            return (tp_err)c;
    return TP_ERR_REMOTE;
}

void tp_error_frame_parse(const uint8_t *p, size_t n, tp_error *err)
{
    json_t *o = json_loadb((const char *)p, n, 0, NULL);
    const char *code = o ? json_string_value(json_object_get(o, "code")) : NULL;
    const char *msg = o ? json_string_value(json_object_get(o, "message")) : NULL;
    if (code == NULL || msg == NULL)
        tp_error_set(err, TP_ERR_PROTOCOL, "the notary sent a malformed error message");
    else /* keep the notary's code so callers and tests can tell failures apart */
        tp_error_set(err, err_from_name(code), "notary: %s", msg);
    json_decref(o);
}
