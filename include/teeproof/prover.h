/* The prover: proves what an HTTPS server answered, through an attested notary. */
#ifndef TEEPROOF_PROVER_H
#define TEEPROOF_PROVER_H

#include <stddef.h>

#include "teeproof/attest.h"
#include "teeproof/errors.h"
#include "teeproof/manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tp_prove_opts {
    const char *notary;            /* HOST:PORT of the notary */
    const char *manifest_json;     /* the manifest text, sent to the notary as is */
    size_t manifest_len;
    tp_vars vars;                  /* secret template values */
    const tp_policy *policy;       /* what notary evidence is accepted */
    const char *target_ca_file;    /* the prover's own check of the target; NULL = system */
    const char *tls_ciphersuites;  /* optional OpenSSL TLS 1.3 suite list for the target */
    const char *tls_groups;        /* optional key share groups, e.g. "X25519" or "P-256" */
    int no_target_verify;          /* skip the prover's own certificate check (the notary
                                    * still checks; for tests of the notary's checks) */
    unsigned timeout_ms;           /* per network wait; 0 = 30 s */
    int direct;                    /* direct mode: the notary is the TLS client, fetches with
                                    * the variables sent over the attested channel and signs
                                    * what it received (target_ca_file, tls_* and
                                    * no_target_verify do not apply). Always on for a manifest
                                    * with mode "Proxy". */
} tp_prove_opts;

/* Runs the whole flow and returns the proof. Writes to a socket the notary has closed
 * raise SIGPIPE: applications should ignore it (the teeproof CLI does).
 * Returns the proof (NUL-terminated JSON; caller frees), after
 * verifying it locally under the same policy and manifest. */
TP_API tp_err tp_prove(const tp_prove_opts *opts, char **proof, size_t *len, tp_error *err);

/* tp_prove, and also the openings: a JSON document (docs/proof-format.md) holding the
 * commitment seed, the exact request and response bytes and the variable values, from
 * which tp_disclosure_make reveals chosen items later. Before returning, the openings are
 * checked to open every commitment of the proof. The openings are secret: store them
 * privately and release them with tp_openings_free (it wipes them). tp_prove draws a seed
 * too but wipes it, so nothing of that proof can be disclosed later. */
TP_API tp_err tp_prove_with_openings(const tp_prove_opts *opts, char **proof, size_t *len,
                                     char **openings, size_t *openings_len, tp_error *err);
/* Wipes and frees an openings document (NULL is fine). */
TP_API void tp_openings_free(char *openings);

/* Connects to a notary, verifies its evidence under policy and its key's signature over
 * the channel binding; *info gets {platform, public_key, facts} as JSON text (sorted keys,
 * two-space indentation; NUL-terminated, caller frees with free()), *info_len (if
 * non-NULL) its length. */
TP_API tp_err tp_notary_attestation(const char *notary, const tp_policy *policy, unsigned timeout_ms,
                                    char **info, size_t *info_len, tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
