/* Internal: strict CBOR loading (libcbor behind a bounded pre-walk) and COSE_Sign1 ES384
 * (RFC 9052) as used by AWS Nitro attestation documents. */
#ifndef TP_ATTEST_COSE_H
#define TP_ATTEST_COSE_H

#include <cbor.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

#define TP_CBOR_TAG_COSE_SIGN1 18

/* Loads exactly one CBOR item filling all of p..p+len. Before libcbor allocates anything the
 * input is walked: definite lengths only, no tags, floats or undefined, nesting <= 16, every
 * collection size <= the bytes left. Errors are TP_ERR_EVIDENCE. */
tp_err tp_cbor_load_strict(const uint8_t *p, size_t len, cbor_item_t **out, tp_error *err);

/* Typed accessors; 1/0. */
int tp_cbor_text_is(const cbor_item_t *it, const char *s);
int tp_cbor_bstr(const cbor_item_t *it, const uint8_t **p, size_t *len);
int tp_cbor_text(const cbor_item_t *it, const char **p, size_t *len);
/* Value of the text key `key` in a definite map, or NULL. */
const cbor_item_t *tp_cbor_map_get(const cbor_item_t *map, const char *key);

typedef struct tp_cose_sign1 {
    cbor_item_t *root;             /* owns the bytes below */
    const uint8_t *protected_hdr;  /* the protected header bstr contents */
    size_t protected_len;
    const uint8_t *payload;
    size_t payload_len;
    const uint8_t *sig;            /* r || s */
    size_t sig_len;
} tp_cose_sign1;

/* Parses a tagged or untagged COSE_Sign1 whose protected header is exactly {1: -35}
 * (ES384) and whose signature is 96 bytes. */
tp_err tp_cose_sign1_parse(const uint8_t *p, size_t len, tp_cose_sign1 *out, tp_error *err);
/* Verifies the signature over Sig_structure ["Signature1", protected, h'', payload] with a
 * P-384 key; TP_ERR_EVIDENCE_SIG when it does not hold. */
tp_err tp_cose_sign1_verify(const tp_cose_sign1 *c, EVP_PKEY *key, tp_error *err);
void tp_cose_sign1_free(tp_cose_sign1 *c);

/* Appends a CBOR head (major type 0..7, argument n) in its shortest form; 1/0. */
int tp_cbor_put_head(tp_buf *b, unsigned major, uint64_t n);
/* Appends the COSE Sig_structure for (protected, payload); 1/0. */
int tp_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                          size_t payload_len, tp_buf *out);

#endif
