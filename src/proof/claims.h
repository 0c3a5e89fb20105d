/* Claims (the signed statement) and the proof document around them. */
#ifndef TP_PROOF_CLAIMS_H
#define TP_PROOF_CLAIMS_H

#include <jansson.h>

#include "base/bytes.h"

/* Canonical bytes that are signed. */
tp_err tp_claims_signed_bytes(const json_t *claims, tp_buf *out, tp_error *err);

/* The verifier's side: the bytes a proof's signature must cover, derived from the proof
 * document's text without any number going through a double. The claims member is found
 * with the strict parser, read losslessly, and canonicalized (RFC 8785: members sorted,
 * strings re-escaped) with every number token copied verbatim. TP_ERR_NONCANONICAL when a
 * number in the claims is not its own canonical form (12.500000000000000001, 1E3, 1.0, -0);
 * TP_ERR_PROOF when the document is not strict JSON or has no claims object. */
tp_err tp_claims_signed_bytes_from_proof(const char *proof, size_t len, tp_buf *out,
                                         tp_error *err);

#endif
