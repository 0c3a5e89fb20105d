/* Openings: what the prover keeps after a proof (its commitment seed, the exact request and
 * response bytes, its variable values), and disclosure items made from them. The format is
 * in docs/proof-format.md; the public functions are in teeproof/proof.h and prover.h. */
#ifndef TP_PROOF_OPENINGS_H
#define TP_PROOF_OPENINGS_H

#include <jansson.h>

#include "proof/verify_json.h"
#include "teeproof/proof.h"

typedef struct tp_openings_input {
    const uint8_t *seed;
    size_t seed_len;
    const uint8_t *request;       /* the exact request message bytes */
    size_t request_len;
    const uint8_t *response;      /* the exact response message bytes */
    size_t response_len;
    const char *response_commitment; /* tp_commitments_check: optional, the response's
                                      * commitment (hex) computed already from those bytes
                                      * with this seed; then they are not needed */
    const tp_vars *vars;
} tp_openings_input;

/* The openings document (JSON text, caller frees with tp_openings_free). */
tp_err tp_openings_encode(const tp_openings_input *in, char **out, size_t *len, tp_error *err);

/* Every item of the openings as a disclosure (the prover's check of its own proof). */
tp_err tp_disclosure_make_all(const char *openings, size_t len, char **out, size_t *out_len,
                              tp_error *err);

/* The prover's check of its own proof without an openings document: every commitment of the
 * claims (request, response, each variable) is recomputed from the bytes in memory, as
 * tp_disclosure_verify_json would from tp_disclosure_make_all's output, without encoding and
 * re-parsing the whole response as base64 JSON. */
tp_err tp_commitments_check(const json_t *claims, const tp_openings_input *in, tp_error *err);

#endif
