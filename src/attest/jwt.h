/* Internal: compact JWS (JWT) parsing with strict base64url and RS256 verification against a
 * JWKS file. No JWT library: the checks are few and must be exact. */
#ifndef TP_ATTEST_JWT_H
#define TP_ATTEST_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

#define TP_JWT_MAX 16384        /* whole token */
#define TP_JWKS_MAX (1 << 20)   /* JWKS file */

typedef struct tp_jwt {
    json_t *header;             /* owned JSON objects */
    json_t *claims;
    const uint8_t *signed_part; /* "header.payload", points into the token */
    size_t signed_len;
    tp_buf sig;
    const char *kid;            /* inside header */
} tp_jwt;

/* Splits and decodes header.payload.signature: base64url without padding, JSON objects
 * without duplicate keys, alg "RS256", a kid. TP_ERR_EVIDENCE on any deviation. */
tp_err tp_jwt_parse(const uint8_t *tok, size_t len, tp_jwt *out, tp_error *err);
/* Verifies the RS256 signature with the JWKS key named by kid: TP_ERR_EVIDENCE_CHAIN when
 * the JWKS has no such key, TP_ERR_EVIDENCE_SIG when the signature fails, TP_ERR_ARG/IO for
 * an unusable JWKS file. */
tp_err tp_jwt_verify_rs256(const tp_jwt *jwt, const char *jwks_file, tp_error *err);
void tp_jwt_free(tp_jwt *jwt);

#endif
