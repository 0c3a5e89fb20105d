/* Test support: a Confidential Space-like token issuer (RSA key + JWKS file written to a
 * temp dir) and a fake launcher teeserver: a thread serving one request on a unix socket. */
#ifndef TP_TEST_FAKE_GCPCS_H
#define TP_TEST_FAKE_GCPCS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

typedef struct tp_fake_gcpcs {
    EVP_PKEY *key;
    char dir[64];            /* temp dir holding jwks.json and the socket */
    char jwks_path[96];
    char socket_path[96];
    /* teeserver */
    pthread_t thread;
    int listen_fd;
    int swap_nonce;          /* answer with another binding than requested */
    const char *raw_reply;   /* when set, sent verbatim instead of a token */
    int request_ok;          /* the request had the expected shape */
    char seen_audience[128];
} tp_fake_gcpcs;

/* RSA-2048 key, kid "tp-test-kid", JWKS file; 1/0. */
int tp_fake_gcpcs_init(tp_fake_gcpcs *f);
void tp_fake_gcpcs_free(tp_fake_gcpcs *f);
/* Claims of a production Confidential Space token issued at now (1 h validity) whose
 * eat_nonce carries report_data (NULL: no nonce); new reference. */
json_t *tp_fake_gcpcs_claims(const uint8_t *report_data, const char *audience, time_t now);
/* header.payload.signature signed with the test key under kid; malloc'd string. */
char *tp_fake_gcpcs_token(const tp_fake_gcpcs *f, const json_t *claims, const char *kid);
/* Starts the teeserver thread on f->socket_path (one request); 1/0. */
int tp_fake_teeserver_start(tp_fake_gcpcs *f);
void tp_fake_teeserver_join(tp_fake_gcpcs *f);

#endif
