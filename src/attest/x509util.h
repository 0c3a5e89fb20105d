/* Internal: certificate-chain and raw-signature helpers shared by the hardware verifiers. */
#ifndef TP_ATTEST_X509UTIL_H
#define TP_ATTEST_X509UTIL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "teeproof/errors.h"

/* Appends every certificate of a PEM buffer to *certs (created when NULL); 1 if at least
 * one was read and the buffer holds nothing else that looks like a certificate. */
int tp_att_pem_certs(const char *pem, size_t len, STACK_OF(X509) **certs);
/* The same from a file; TP_ERR_IO when unreadable, TP_ERR_ARG when it holds no certificate. */
tp_err tp_att_pem_file(const char *path, STACK_OF(X509) **certs, tp_error *err);
/* Reads a whole (small) file; *out is malloc'd. */
tp_err tp_att_read_file(const char *path, size_t max, uint8_t **out, size_t *len, tp_error *err);
/* Trust anchors: the PEM file when given, else the built-in PEM blocks (NULL-terminated). */
tp_err tp_att_anchors(const char *roots_file, const char *const *builtin, STACK_OF(X509) **out,
                      tp_error *err);

/* Verifies leaf up to a certificate in trusted (untrusted offers intermediates) at time at
 * (0 = now). TP_ERR_EVIDENCE_TIME for validity, TP_ERR_EVIDENCE_CHAIN otherwise. */
tp_err tp_att_verify_chain(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *trusted,
                           time_t at, const char *what, tp_error *err);
/* The same; on success *chain (when not NULL) is the verified chain, leaf first, anchor
 * last (free with sk_X509_pop_free(*chain, X509_free)). */
tp_err tp_att_verify_chain_get(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *trusted,
                               time_t at, const char *what, STACK_OF(X509) **chain,
                               tp_error *err);

/* EC public key from raw X||Y on the named group ("prime256v1", "secp384r1"). */
EVP_PKEY *tp_att_ec_pubkey(const char *group, const uint8_t *xy, size_t len);
/* ECDSA over msg with md; r and s are n-byte integers, big-endian unless le. 1 = valid. */
int tp_att_ecdsa_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *r, const uint8_t *s,
                        size_t n, int le, const uint8_t *msg, size_t msg_len);

/* Sets key in obj to the lowercase hex of n bytes; 1/0. */
int tp_att_set_hex(json_t *obj, const char *key, const uint8_t *p, size_t n);
#endif
