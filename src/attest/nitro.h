/* Internal: AWS Nitro Enclaves attestation documents (parser shared by the verifier and the
 * attester) and the NSM transport seam that lets tests replace /dev/nsm. */
#ifndef TP_ATTEST_NITRO_H
#define TP_ATTEST_NITRO_H

#include "attest/cose.h"
#include "attest/platform.h"

#define TP_NITRO_MAX_DOC 32768     /* whole COSE_Sign1 */
#define TP_NITRO_MAX_PCRS 32
#define TP_NITRO_MAX_CABUNDLE 8
#define TP_NITRO_MAX_CERT 4096
#define TP_NITRO_MAX_OPT 1024      /* public_key, user_data, nonce */

typedef struct tp_span {
    const uint8_t *p;
    size_t len;
} tp_span;

typedef struct tp_nitro_pcr {
    unsigned index;
    tp_span value;
} tp_nitro_pcr;

/* A parsed (not yet verified) attestation document; spans point into cose/payload. */
typedef struct tp_nitro_doc {
    tp_cose_sign1 cose;
    cbor_item_t *payload;
    tp_span module_id;
    uint64_t timestamp_ms;
    tp_nitro_pcr pcrs[TP_NITRO_MAX_PCRS];
    size_t n_pcrs;
    tp_span certificate;
    tp_span cabundle[TP_NITRO_MAX_CABUNDLE];
    size_t n_cabundle;
    tp_span public_key, user_data, nonce; /* p == NULL when absent or null */
} tp_nitro_doc;

/* Structural parse: COSE_Sign1 ES384 plus the payload map with every field typed and
 * bounded. TP_ERR_EVIDENCE on any deviation. */
tp_err tp_nitro_doc_parse(const uint8_t *p, size_t len, tp_nitro_doc *doc, tp_error *err);
/* Checks the COSE signature with the key of doc->certificate (no chain). */
tp_err tp_nitro_doc_check_signature(const tp_nitro_doc *doc, tp_error *err);
void tp_nitro_doc_free(tp_nitro_doc *doc);

/* One NSM request/response exchange (CBOR in, CBOR out). The device implementation is an
 * ioctl on /dev/nsm; tests pass their own. */
typedef struct tp_nsm_transport {
    tp_err (*call)(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                   size_t *resp_len, tp_error *err);
    void *ctx;
} tp_nsm_transport;

/* An attester state (for tp_attester_nitro.get_evidence / attester_free) over a transport. */
tp_err tp_nitro_attester_new_transport(const tp_nsm_transport *t, void **state, tp_error *err);

/* The verifier, in tp_platform_nitro (nitro.c). */
tp_err tp_nitro_verify(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                       tp_evidence_facts *facts, tp_error *err);

#endif
