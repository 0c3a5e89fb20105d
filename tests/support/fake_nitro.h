/* Test support: a Nitro-like CA (P-384 root -> leaf) and attestation documents that are
 * structurally real and signed by that test root, which only tests trust; plus a fake NSM
 * transport answering Attestation requests with such documents. */
#ifndef TP_TEST_FAKE_NITRO_H
#define TP_TEST_FAKE_NITRO_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

typedef struct tp_fake_nitro {
    EVP_PKEY *root_key, *leaf_key;
    X509 *root, *leaf;
    uint8_t pcr0[48];
    int swap_user_data;  /* answer with other user_data than requested */
    int answer_error;    /* answer {"Error": "InvalidArgument"} */
    size_t calls;
} tp_fake_nitro;

/* Root and leaf valid from now - 1 h to now + 1 h; 1/0. */
int tp_fake_nitro_init(tp_fake_nitro *f);
void tp_fake_nitro_free(tp_fake_nitro *f);
#define TP_FAKE_NITRO_PATH 32
/* Writes the test root as PEM to a new temporary file whose name goes to path (the caller
 * unlinks it); 1/0. */
int tp_fake_nitro_write_root(const tp_fake_nitro *f, char path[TP_FAKE_NITRO_PATH]);
/* A COSE_Sign1 document (malloc'd) with user_data (64 bytes or NULL for null). */
int tp_fake_nitro_document(const tp_fake_nitro *f, const uint8_t *user_data, uint8_t **out, size_t *len);
/* The tp_nsm_transport call function; ctx is a tp_fake_nitro. */
tp_err tp_fake_nsm_call(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                        size_t *resp_len, tp_error *err);

#endif
