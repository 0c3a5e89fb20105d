/* Internal: Intel TCB judgement for TDX, on collateral whose signatures and dates were
 * already checked (tdx_collateral.c): the PCK certificate's SGX extensions, the TCB Info v3
 * level matching (Intel's algorithm) and the QE Identity v2 match. */
#ifndef TP_ATTEST_TDX_TCB_H
#define TP_ATTEST_TDX_TCB_H

#include <jansson.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "teeproof/errors.h"

#define TP_TCB_COMPONENTS 16
#define TP_TCB_STATUS_MAX 40

/* The SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate. */
typedef struct tp_pck_ext {
    uint8_t fmspc[6];
    uint8_t pceid[2];
    uint8_t comp_svn[TP_TCB_COMPONENTS]; /* SGX TCB component SVNs 1..16 */
    unsigned pcesvn;
} tp_pck_ext;

/* What the quote says that the TCB Info judges. */
typedef struct tp_tdx_tcb_in {
    const uint8_t *tee_tcb_svn;     /* 16 */
    const uint8_t *mrsignerseam;    /* 48 */
    const uint8_t *seam_attributes; /* 8 */
    const uint8_t *qe_report;       /* 384, SGX report body of the quoting enclave */
} tp_tdx_tcb_in;

/* 1 if s is one of Intel's seven TCB status names. */
int tp_tcb_status_known(const char *s);

/* TP_ERR_EVIDENCE when the extension is missing or malformed. */
tp_err tp_pck_ext_parse(X509 *pck, tp_pck_ext *out, tp_error *err);

/* The "tcbInfo" object: id TDX, version 3, FMSPC/PCEID and TDX module match
 * (TP_ERR_COLLATERAL_MISMATCH), the first TCB level the platform meets (TP_ERR_TCB_STATUS
 * when none), its status into status. TP_ERR_COLLATERAL when the object is malformed. */
tp_err tp_tdx_tcb_judge(const json_t *tcb_info, const tp_pck_ext *pck, const tp_tdx_tcb_in *in,
                        char status[TP_TCB_STATUS_MAX], tp_error *err);

/* The "enclaveIdentity" object: id TD_QE, version 2, the QE report's MRSIGNER, ISVPRODID,
 * MISCSELECT and ATTRIBUTES under their masks (TP_ERR_COLLATERAL_MISMATCH), the first TCB
 * level whose ISVSVN the report meets (TP_ERR_TCB_STATUS when none). */
tp_err tp_tdx_qe_judge(const json_t *identity, const uint8_t *qe_report,
                       char status[TP_TCB_STATUS_MAX], tp_error *err);

#endif
