/* Test support: in-process TLS 1.3 and 1.2 sessions between an OpenSSL client and server
 * over memory BIOs, with both byte streams captured as relayed, the client's ephemeral key
 * captured as the prover does (tls/keyshare.h, tls/keycapture.h), and a test PKI made in
 * code. */
#ifndef TP_TESTS_TLS_FIXTURE_H
#define TP_TESTS_TLS_FIXTURE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <time.h>

#include "base/bytes.h"
#include "tls/keyshare.h"
#include "tls/transcript.h"

/* "RSA" (2048), "EC" (P-256), "ED25519". Cached per type: free with tpf_cleanup. */
EVP_PKEY *tpf_key(const char *type);
/* A certificate for key, signed by issuer_key (issuer NULL: self-signed). san is an
 * X509v3 subjectAltName value ("DNS:a.test,IP:127.0.0.1") or NULL. Validity: now-1d..now+days. */
X509 *tpf_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
               EVP_PKEY *issuer_key, int is_ca, long days);
X509_STORE *tpf_store(X509 *root);

#define TPF_SEED_WHOLE 0xffffffffu

typedef struct tpf_opts {
    const char *suite;      /* e.g. "TLS_AES_128_GCM_SHA256" */
    const char *groups;     /* "X25519" or "P-256" */
    const char *server_groups; /* NULL: OpenSSL default (a differing list forces an HRR) */
    const char *sni;        /* NULL: no SNI */
    X509 *cert;
    EVP_PKEY *key;
    X509 *extra_chain;      /* optional intermediate/CA cert sent in the chain */
    const char *request;
    const char *response;
    size_t response_repeat; /* response sent this many times (>= 1) */
    int close_notify;       /* server sends close_notify at the end */
    int num_tickets;        /* -1: OpenSSL default */
    int key_update;         /* client sends KeyUpdate(update_requested) before the request */
    int request_client_cert;/* server sends CertificateRequest; client answers empty */
    unsigned max_fragment;  /* server max send fragment (0: default) */
    size_t block_padding;   /* both sides pad records to a multiple of this (0: none) */
    unsigned seed;          /* chunk size pattern; TPF_SEED_WHOLE moves whole flights */
    /* TLS 1.2 (the server's maximum is 1.2; the client offers 1.3 and 1.2 like the prover) */
    int tls12;
    const char *cipher_list;/* 1.2 suites (OpenSSL names) for both sides; NULL: defaults */
    const char *sigalgs;    /* server signature algorithms list; NULL: defaults */
    int no_ems;             /* server refuses extended_master_secret */
    int no_tickets;         /* no session tickets */
    int renegotiate;        /* server sends HelloRequest after its response */
    void *resume;           /* SSL_SESSION to resume (from an earlier tpf_session) */
    int share_server_ctx;   /* one server SSL_CTX across runs (its session cache, ticket keys) */
    int server_max;         /* server maximum version (e.g. TLS1_1_VERSION); 0: see tls12 */
} tpf_opts;

typedef struct tpf_session {
    tp_buf client_bytes;    /* client -> server, as relayed */
    tp_buf server_bytes;    /* server -> client, as relayed */
    tp_buf server_got;      /* what the server application read */
    tp_buf client_got;      /* what the client application read */
    tp_keyshare ks;
    void *session;          /* the client's SSL_SESSION (for a resumption test) */
} tpf_session;

void tpf_opts_default(tpf_opts *o);
/* 1 on success. */
int tpf_run(const tpf_opts *o, tpf_session *s);
void tpf_session_free(tpf_session *s);
void tpf_input(const tpf_session *s, X509_STORE *trust, const char *host, time_t when,
               tp_tls_verify_input *in);
void tpf_cleanup(void);
/* A fuzz seed for fuzz_tls_transcript / fuzz_tls12_transcript: selector byte, the 48-byte
 * key field, the client bytes' length (u16be), client bytes, server bytes. Written to
 * dir/name when dir is non-empty (regenerating a corpus); 1 on success. */
int tpf_write_fuzz_seed(const tpf_session *s, uint8_t sel, const char *dir, const char *name);

#endif
