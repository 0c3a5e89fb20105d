/* Internal: the ECDSA quote signature data shared by TDX quote versions: the quote
 * signature, the attestation key, and certification data type 6 (QE report, its signature by
 * the PCK, QE auth data, nested type 5 PCK chain PEM). */
#ifndef TP_ATTEST_TDX_QE_H
#define TP_ATTEST_TDX_QE_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/attest.h"

#define TP_QE_REPORT_LEN 384

typedef struct tp_qe_sigdata {
    const uint8_t *quote_sig;  /* 64: r||s big-endian, P-256 */
    const uint8_t *att_key;    /* 64: X||Y */
    const uint8_t *qe_report;  /* 384 */
    const uint8_t *qe_sig;     /* 64: r||s over the QE report, by the PCK leaf */
    const uint8_t *qe_auth;
    size_t qe_auth_len;
    const uint8_t *pck_pem;    /* leaf, intermediate(s), root */
    size_t pck_pem_len;
} tp_qe_sigdata;

/* Parses the signature data (after its u32 length) from r; TP_ERR_EVIDENCE/TRUNCATED. */
tp_err tp_qe_parse(tp_reader *r, tp_qe_sigdata *out, tp_error *err);
/* PCK chain to the Intel root (opts->roots_file replaces it), QE report signature, QE
 * report data = SHA-256(attestation key || QE auth data), and the quote signature over
 * signed (header + body). */
tp_err tp_qe_verify(const tp_qe_sigdata *sd, const uint8_t *signed_part, size_t signed_len,
                    const tp_verify_opts *opts, tp_error *err);

#endif
