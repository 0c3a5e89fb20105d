/* Internal: offline verification of Intel PCS collateral for a TDX quote (TCB Info, QE
 * Identity, PCK and root CA CRLs read from a directory) and the TCB statuses it gives. */
#ifndef TP_ATTEST_TDX_COLLATERAL_H
#define TP_ATTEST_TDX_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attest/tdx_tcb.h"
#include "teeproof/attest.h"

/* File names inside the collateral directory (the layout of Intel PCS responses). */
#define TP_COLL_TCBINFO_FMT "tcbinfo_fmspc_%s.json" /* %s: the FMSPC, lowercase hex */
#define TP_COLL_TCBINFO_CHAIN "tcb_info_issuer_chain.pem"
#define TP_COLL_QEID "qe_identity_td_qe.json"
#define TP_COLL_QEID_CHAIN "qe_identity_issuer_chain.pem"
#define TP_COLL_PCK_PLATFORM_CRL "pck_platform_crl.der"
#define TP_COLL_PCK_PROCESSOR_CRL "pck_processor_crl.der"
#define TP_COLL_PCK_CRL_CHAIN "pck_crl_issuer_chain.pem"
#define TP_COLL_ROOT_CRL "intel_root_crl.der"
#define TP_COLL_FILES 7 /* the files one quote needs (one of the two PCK CRLs) */

/* Reads the collateral files this PCK chain needs from dir into {file name: base64}. */
tp_err tp_tdx_collateral_bundle(const uint8_t *pck_pem, size_t pck_pem_len, const char *dir,
                                json_t **out, tp_error *err);

/* Checks the collateral in opts->collateral_dir (else the bundle opts->collateral) at opts->at (0 = now) against the quote's
 * PCK chain (PEM) and fields, with opts->roots_file (or the pinned Intel root) as anchors:
 * TP_ERR_COLLATERAL (malformed, expired, bad signature or chain), TP_ERR_REVOKED,
 * TP_ERR_COLLATERAL_MISMATCH, TP_ERR_TCB_STATUS (no TCB level met); on success the TDX
 * and QE TCB statuses. Does not verify the quote itself (tdx_qe.c does). */
tp_err tp_tdx_collateral_check(const tp_tdx_tcb_in *in, const uint8_t *pck_pem, size_t pck_pem_len,
                               const tp_verify_opts *opts, char tcb_status[TP_TCB_STATUS_MAX],
                               char qe_status[TP_TCB_STATUS_MAX], tp_error *err);

#endif
