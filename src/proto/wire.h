/* The prover <-> notary protocol, carried inside the attested TLS 1.3 channel.
 * Every message is a frame: type (1 byte) | payload length (4 bytes, big-endian) | payload.
 * Control payloads are JSON; DATA payloads are raw tunnel bytes. */
#ifndef TP_PROTO_WIRE_H
#define TP_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

enum tp_msg_type {
    TP_MSG_ATTEST_REQ = 0x01,   /* prover: {} */
    TP_MSG_ATTEST_RESP = 0x02,  /* notary: {platform, evidence, public_key, binding_signature} */
    TP_MSG_TUNNEL_REQ = 0x03,   /* prover: {host, port} */
    TP_MSG_TUNNEL_OK = 0x04,    /* notary: {} */
    TP_MSG_DATA = 0x05,         /* both: raw bytes of the prover's TLS session with the target */
    TP_MSG_TUNNEL_CLOSE = 0x06, /* prover: close the target; notary: the target closed */
    TP_MSG_PROVE_REQ = 0x07,    /* prover: {manifest, group, private_key, commit_seed, vars} */
    TP_MSG_PROOF = 0x08,        /* notary: the proof document */
    TP_MSG_DIRECT_REQ = 0x09,   /* prover: {manifest, vars, commit_seed}: the notary fetches */
    TP_MSG_ERROR = 0x7f,        /* notary: {code, message}; the session ends */
};

#define TP_FRAME_HEADER_LEN 5
#define TP_FRAME_MAX_PAYLOAD (4u << 20) /* 4 MiB: manifests and proofs are far smaller */
#define TP_DATA_CHUNK (16u << 10)

/* ATTEST_RESP "features": what this notary accepts beyond the base protocol. A prover uses
 * a feature only when the notary names it (an older notary names none). */
#define TP_FEATURE_TUNNEL_EARLY_DATA "tunnel-early-data" /* DATA right after TUNNEL_REQ,
                                                            before TUNNEL_OK (protocol.md) */

/* The channel binding a notary signs: label || 0x00 || RFC 9266 exporter value. */
#define TP_CHANNEL_BINDING_LABEL "teeproof-channel-v1"
#define TP_EXPORTER_LABEL "EXPORTER-Channel-Binding"
#define TP_EXPORTER_LEN 32

typedef struct tp_frame {
    uint8_t type;
    const uint8_t *payload; /* points into the decoder's buffer until the next call */
    size_t len;
} tp_frame;

/* The header of a frame of len payload bytes (len at most TP_FRAME_MAX_PAYLOAD). */
void tp_frame_header(uint8_t out[TP_FRAME_HEADER_LEN], uint8_t type, uint32_t len);
/* Appends one frame to out; 1/0. */
int tp_frame_write(tp_buf *out, uint8_t type, const void *payload, size_t len);

/* Incremental decoder over a byte stream. */
typedef struct tp_frame_decoder {
    tp_buf buf;
    size_t pos;  /* start of the next undecoded frame in buf */
} tp_frame_decoder;

int tp_frame_decoder_feed(tp_frame_decoder *d, const void *p, size_t n);
/* 1: *f holds a frame; 0: need more bytes; -1: malformed (unknown type / oversized). */
int tp_frame_decoder_next(tp_frame_decoder *d, tp_frame *f, tp_error *err);
void tp_frame_decoder_free(tp_frame_decoder *d);

/* Builds the message the attested key signs for the channel (label, NUL, exporter). */
void tp_channel_binding_message(const uint8_t exporter[TP_EXPORTER_LEN],
                                uint8_t out[sizeof(TP_CHANNEL_BINDING_LABEL) + TP_EXPORTER_LEN]);
#define TP_CHANNEL_BINDING_MSG_LEN (sizeof(TP_CHANNEL_BINDING_LABEL) + TP_EXPORTER_LEN)

/* ERROR frame payload {code, message} and its parse (into err as TP_ERR_REMOTE-wrapped). */
int tp_error_frame_write(tp_buf *out, const tp_error *e);
void tp_error_frame_parse(const uint8_t *p, size_t n, tp_error *err);

#endif
