/* Test support: a complete notarize case made in process — a test PKI, a manifest for
 * https://api.test/api/account, a real TLS 1.3 session carrying the manifest's request and
 * a given response, and a sim notary identity. */
#ifndef TP_TESTS_NOTARIZE_FIXTURE_H
#define TP_TESTS_NOTARIZE_FIXTURE_H

#include "tee/notarize.h"
#include "tls_fixture.h"

extern const char tpn_manifest[];

typedef struct tpn_case {
    X509 *ca;
    X509 *leaf;
    X509_STORE *trust;
    tpf_session session;
    tp_identity *identity;
    tp_buf request;         /* the request bytes the session carried */
    tp_var var;
    tp_vars vars;
    uint8_t seed[32];       /* the commitment seed: bytes 0, 1, ..., 31 */
    tp_notarize_input in;
} tpn_case;

/* A 200 JSON response with Content-Length for the manifest (balance as given). */
void tpn_response(char *out, size_t cap, const char *balance);
/* Runs the session with that response; 1/0. The manifest's request uses token `token`. */
int tpn_make(tpn_case *c, const char *response, const char *token, int close_notify);
/* The same session only (for benchmarks: the baseline a notary's replay is compared with). */
int tpn_session(tpf_session *s, X509 *leaf, const char *response, const char *request, int close_notify);
void tpn_free(tpn_case *c);

#endif
